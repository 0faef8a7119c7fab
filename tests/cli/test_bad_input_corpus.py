"""A corpus of bad inputs (issue 13, point 8), run end to end through ``ganpo account run``.

Each case starts from the tiny dataset (tests/tinydata.py: built like the demo, with the
same manifest format and roles, 2 counties × 4 cells; at county level, at township level,
or with a second year) and a SQLite store holding one good account of it, run through the
CLI (each start is built once per module and worker, then copied into the case's folder).
The case snapshots the store, applies one small mutation to the dataset (a CSV value, a
raster, the manifest, a boundary, …; a fault of the environment), re-records the
manifest's checksums as a user does after editing a file (``write_manifest``; not where
the mutation is the checksum itself), and runs ``ganpo account run`` on the mutated
dataset into the same store. A case's id starts with its class:

* ``refused:<what>`` — the run stops: exit code 2 for bad input, 1 for a failing
  environment (:mod:`ganpo.cli.failures`); no traceback; the message names the thing (a
  file, a column or field, a value: a regex per case); the store is unchanged: its SQLite
  dump (``iterdump``: schema and every row) is the same statement for statement.
* ``decision:<kind>`` — the run is accepted under a stated rule: exit code 0, the new
  account is stored with a decision of that kind about the expected subject and unit
  (:func:`ganpo.store.repository.load_decisions`), and every row of the store before the
  run is still there unchanged.
* ``accepted`` — a control: the input is fine (a GB 18030 CSV, an .xlsx named .csv), the
  account is stored with the good account's GEP and no decision.

``pytest --collect-only -q tests/cli/test_bad_input_corpus.py`` lists the cases.
"""

from __future__ import annotations

import errno
import re
import shutil
import sqlite3
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
import tomli_w
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

from corpus_support import as_number, has_chinese_half, workbook_bytes
from corpus_support import store_dump as dump
from ganpo.catalog.profiles import load_profile
from ganpo.cli.main import app
from ganpo.io.manifest import LayerEntry, load_manifest, write_manifest
from ganpo.io.roles import TABLE_ROLES
from ganpo.store.repository import list_accounts, load_decisions, open_store
from tinydata import (
    ALBERS,
    RES,
    TINY_ECO,
    TINY_TABLES,
    TOWNSHIPS,
    X0,
    Y0,
    A,
    B,
    build_tiny_full,
    column_box,
    declare,
    townships_frame,
    use_units,
    write_raster,
)

runner = CliRunner()

A1, A2, B1, B2 = (t[0] for t in TOWNSHIPS)
NAMES = {A: "甲县", B: "乙县"}
LAKES = (
    "county_adcode,lake_name,lake_area,lake_region,flood_storage\n"
    "360101,甲湖,0.005,东部平原,100\n360102,甲湖,0.015,东部平原,100\n"
)
#: precipitation with B's forest cell missing: B covered on 3 of its 4 cells (75 %)
GAPPY_RAIN = np.array([[1600, 1600, 1600, 1600], [1600, 1600, -9999, 1600]], dtype="float32")
#: the tiny ecosystem map as 三调 land classes (tests/io/test_landcover.py)
DLBM = [["0301", "0301", "1102", "0103"], ["0305", "0701", "0301", "0404"]]


# --------------------------------------------------------------------------- the dataset


@dataclass
class Ctx:
    """What a mutation works on: the dataset's manifest and folder, a scratch folder, and
    a stack for faults that last while the command runs (monkeypatches, locks)."""

    manifest: Path
    tmp: Path
    monkeypatch: pytest.MonkeyPatch
    stack: ExitStack

    @property
    def root(self) -> Path:
        return self.manifest.parent

    def rerecord(self) -> None:
        """Record the files' new checksums, as a user does after editing a file."""
        write_manifest(load_manifest(self.manifest, verify=False).manifest, self.root)

    def write_table(
        self, role: str, text: str | bytes, year: int = 2022, encoding: str = "utf-8"
    ) -> None:
        path = self.root / f"{year}/{role}.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        self.rerecord()

    def layer_path(self, role: str) -> Path:
        """The file of the layer of ``role`` an account of 2022 reads."""
        entry = load_manifest(self.manifest, verify=False).manifest.layer(role, 2022)
        assert entry is not None
        return self.root / entry.path

    def write_layer(self, role: str, data: np.ndarray, **kw: Any) -> None:
        kw.setdefault("nodata", -9999.0)
        write_raster(self.layer_path(role), data, **kw)
        self.rerecord()

    def edit_manifest(self, edit: Callable[[dict[str, Any]], object]) -> None:
        data = tomllib.loads(self.manifest.read_text(encoding="utf-8"))
        edit(data)
        self.manifest.write_text(tomli_w.dumps(data), encoding="utf-8")

    def declare(self, role: str, of_year: int | None = 2022, **fields: Any) -> None:
        declare(self.manifest, role, of_year, **fields)

    def profile(self, **changes: Any) -> str:
        """A profile file: the Jiangxi profile with ``changes``; its path."""
        data = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
        data.update(changes)
        path = self.tmp / "profile.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return str(path)


def table_text(
    role: str,
    change: dict[tuple[int, str], object] | None = None,
    *,
    drop_columns: tuple[str, ...] = (),
    drop_units: tuple[int, ...] = (),
    extra: tuple[str, ...] = (),
) -> str:
    """The tiny dataset's CSV of a per-county ``role`` with cells changed (``change[(county,
    column)] = text``), columns or county rows dropped and raw lines added."""
    change = change or {}
    values = TINY_TABLES[role]
    cols = [c for c in TABLE_ROLES[role].columns if c not in drop_columns]
    lines = [",".join(["county_adcode", "county_name", *cols])]
    for code in (A, B):
        if code in drop_units:
            continue
        cells = [str(change.get((code, c), repr(values[code][c]))) for c in cols]
        lines.append(",".join([str(code), NAMES[code], *cells]))
    return "\n".join([*lines, *extra]) + "\n"


def lakes_text(*rows: str) -> str:
    return LAKES + "".join(f"{r}\n" for r in rows)


def xlsx_bytes(text: str) -> bytes:
    """The CSV ``text`` as an Excel workbook (numbers as numbers)."""
    lines = [line.split(",") for line in text.strip().splitlines()]
    return workbook_bytes([lines[0], *([as_number(c) for c in r] for r in lines[1:])])


def township_rows(**geoms: object) -> list[tuple[int, str, int, object]]:
    """The four townships, some polygons replaced (``A1=…``)."""
    names = {"A1": A1, "A2": A2, "B1": B1, "B2": B2}
    replaced = {names[k]: v for k, v in geoms.items()}
    return [(c, n, p, replaced.get(c, column_box(col))) for c, n, p, col in TOWNSHIPS]


def set_townships(ctx: Ctx, rows: list[tuple[int, str, int, object]], **kw: Any) -> None:
    use_units(ctx.manifest, townships_frame(rows), **kw)  # type: ignore[arg-type]


def set_counties(ctx: Ctx, geometries: list[object]) -> None:
    path = ctx.root / "units.gpkg"
    counties = gpd.read_file(path, layer="counties")
    counties = counties.set_geometry(gpd.GeoSeries(geometries, crs=counties.crs))
    counties.to_file(path, layer="counties", driver="GPKG")
    ctx.rerecord()


def corrupt(ctx: Ctx, role: str) -> None:
    """Cut a layer a few bytes into its pixel data (its header stays whole)."""
    path = ctx.layer_path(role)
    with rasterio.open(path) as src:
        start = int(src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1))
    path.write_bytes(path.read_bytes()[: start + 4])
    ctx.rerecord()


def drop_entry(kind: str, role: str, year: int | None = 2022) -> Callable[[Ctx], None]:
    def mutate(ctx: Ctx) -> None:
        ds = load_manifest(ctx.manifest, verify=False)
        entries = getattr(ds.manifest, kind)
        setattr(ds.manifest, kind, [e for e in entries if not (e.role == role and e.year == year)])
        write_manifest(ds.manifest, ds.root)

    return mutate


def sandiao(ctx: Ctx, codes: list[list[str]]) -> None:
    """Replace the ecosystem map by 三调 polygons of ``codes`` (one per cell)."""
    rows = [
        (codes[r][c], box(X0 + c * RES, Y0 - (r + 1) * RES, X0 + (c + 1) * RES, Y0 - r * RES))
        for r in range(2)
        for c in range(4)
    ]
    frame = gpd.GeoDataFrame(
        {"DLBM": [c for c, _ in rows]}, geometry=[g for _, g in rows], crs=ALBERS
    )
    frame.to_file(ctx.root / "2022" / "dltb.gpkg", driver="GPKG")
    ds = load_manifest(ctx.manifest, verify=False)
    m = ds.manifest
    eco = next(x for x in m.layers if x.role == "ecosystem_type")
    m.layers[m.layers.index(eco)] = LayerEntry(
        path="2022/dltb.gpkg",
        source="test",
        synthetic=True,
        role="ecosystem_type",
        unit="code",
        year=2022,
        scheme="sandiao",
        cell_size=RES,
        grid_crs=ALBERS,
    )
    write_manifest(m, ds.root)


def gcj02_counties(ctx: Ctx) -> None:
    """Two real counties of Nanchang, their coordinates moved into GCJ-02 (Amap's datum),
    as the dataset's county layer."""
    from ganpo.io.datum import wgs84_to_gcj02
    from ganpo.io.regions import counties_by_adcode

    counties = counties_by_adcode([360102, 360103], "EPSG:4326")
    counties = counties.set_geometry(
        shapely.transform(counties.geometry.to_numpy(), wgs84_to_gcj02)
    )
    counties.to_crs(ALBERS).to_file(ctx.root / "units.gpkg", layer="counties", driver="GPKG")
    ctx.rerecord()


def duplicate_layer(ctx: Ctx) -> None:
    """A second [[layers]] entry of npp 2022, pointing at a copy with other values."""
    write_raster(ctx.root / "2022/npp_v2.tif", np.full((2, 4), 500.0, "float32"), nodata=-9999.0)
    ds = load_manifest(ctx.manifest, verify=False)
    first = ds.manifest.layer("npp", 2022)
    assert first is not None
    ds.manifest.layers.append(first.model_copy(update={"path": "2022/npp_v2.tif"}))
    write_manifest(ds.manifest, ds.root)


def duplicate_table(ctx: Ctx) -> None:
    """A second [[tables]] entry of tourism 2022, pointing at a copy with other values."""
    (ctx.root / "2022/tourism_v2.csv").write_text(
        table_text("tourism", {(A, "visits"): "2.0"}), encoding="utf-8"
    )
    ds = load_manifest(ctx.manifest, verify=False)
    first = ds.manifest.table("tourism", 2022)
    assert first is not None
    ds.manifest.tables.append(first.model_copy(update={"path": "2022/tourism_v2.csv"}))
    write_manifest(ds.manifest, ds.root)


# --------------------------------------------------------------------------- environment


def disk_full_in_value_rasters(ctx: Ctx) -> list[str]:
    from ganpo.engine import rasters

    def write(self: Any, value: np.ndarray, window: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path))

    ctx.monkeypatch.setattr(rasters.BlockWriter, "_write", write)
    return ["--rasters", str(ctx.tmp / "rasters"), "--force"]


def disk_full_in_outputs(ctx: Ctx) -> list[str]:
    import pandas as pd

    real = pd.DataFrame.to_csv

    def to_csv(self: pd.DataFrame, path: Any = None, *args: Any, **kwargs: Any) -> Any:
        if path is not None and str(ctx.tmp / "out") in str(path):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    ctx.monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    return ["--out", str(ctx.tmp / "out"), "--force"]


def read_only_output_folder(ctx: Ctx) -> list[str]:
    folder = ctx.tmp / "rasters"
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        # the tests run as root, whom a chmod does not stop: the refusal is simulated
        if self == folder:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)

    ctx.monkeypatch.setattr(Path, "mkdir", mkdir)
    return ["--rasters", str(folder), "--force"]


def real_full_disk(ctx: Ctx) -> list[str]:
    """The value rasters go to a small file system filled to the last byte (a tmpfs
    mount: skipped where the tests may not mount)."""
    from mounts import full_disk

    disk = ctx.stack.enter_context(full_disk(ctx.tmp / "full"))
    return ["--rasters", str(disk / "rasters"), "--force"]


def real_read_only_folder(ctx: Ctx) -> list[str]:
    """The outputs go to a read-only file system (a tmpfs mount, as above)."""
    from mounts import read_only

    folder = ctx.stack.enter_context(read_only(ctx.tmp / "ro"))
    return ["--out", str(folder / "out"), "--force"]


def store_unreachable(ctx: Ctx) -> list[str]:
    (ctx.tmp / "afile").write_text("not a folder", encoding="utf-8")
    return ["--db", str(ctx.tmp / "afile" / "ganpo.sqlite")]


def store_read_only(ctx: Ctx) -> list[str]:
    return ["--db", f"sqlite:///file:{ctx.tmp / 'store.sqlite'}?mode=ro&uri=true", "--force"]


def store_full_half_way(ctx: Ctx) -> list[str]:
    """The store's disk fills up half-way through the save (before the results' rows)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def hook(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "INSERT INTO results" in statement:
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(Engine, "before_cursor_execute", hook)
    ctx.stack.callback(event.remove, Engine, "before_cursor_execute", hook)
    return ["--force"]


def store_locked(ctx: Ctx) -> list[str]:
    """Another process holds the store's write lock for the whole run."""
    other = sqlite3.connect(ctx.tmp / "store.sqlite", isolation_level=None, timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    ctx.stack.callback(other.close)
    ctx.stack.callback(other.execute, "ROLLBACK")
    return ["--force"]


# --------------------------------------------------------------------------- the cases

ANY = object()  # any unit code


@dataclass(frozen=True)
class Case:
    """One bad input: its class, the mutation (which may return more CLI arguments) and
    what must follow: for a refusal the exit code and a regex of the message; for a
    decision the (kind, subject, unit code) that must be among the stored decisions."""

    name: str
    cls: str
    mutate: Callable[[Ctx], Any]  # may return more CLI arguments
    message: str = ""
    code: int = 2
    decisions: tuple[tuple[str, str, object], ...] = ()
    base: str = "county"  # county | townships | two_years
    year: int = 2022
    leaves_no_file_in: str = ""  # an output folder (under the case's folder) left empty
    marks: tuple[Any, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.cls}-{self.name}"


def refused(cls: str, name: str, mutate: Callable[[Ctx], Any], message: str, **kw: Any) -> Case:
    return Case(name, f"refused:{cls}", mutate, message=message, **kw)


def decided(
    kind: str, name: str, mutate: Callable[[Ctx], Any], *decisions: tuple[str, object], **kw: Any
) -> Case:
    return Case(
        name,
        f"decision:{kind}",
        mutate,
        decisions=tuple((kind, subject, unit) for subject, unit in decisions),
        **kw,
    )


def accepted(name: str, mutate: Callable[[Ctx], Any], **kw: Any) -> Case:
    return Case(name, "accepted", mutate, code=0, **kw)


def table(role: str, text: str | bytes, year: int = 2022, **kw: Any) -> Callable[[Ctx], None]:
    """Write the CSV of ``role`` (in ``encoding``, default UTF-8)."""
    return lambda ctx: ctx.write_table(role, text, year, **kw)


def layer(role: str, data: np.ndarray, **kw: Any) -> Callable[[Ctx], None]:
    """Rewrite the raster of ``role`` (``nodata``, ``crs``, ``transform``: write_raster's)."""
    return lambda ctx: ctx.write_layer(role, data, **kw)


def rain(value: float = 1600.0, **cells: float) -> np.ndarray:
    """Uniform precipitation with a few cells set (``r1c3=6000``)."""
    out = np.full((2, 4), value, dtype="float32")
    for key, v in cells.items():
        out[int(key[1]), int(key[3])] = v
    return out


def then(*steps: Callable[[Ctx], Any]) -> Callable[[Ctx], list[str]]:
    def mutate(ctx: Ctx) -> list[str]:
        args: list[str] = []
        for step in steps:
            more = step(ctx)
            args += more if isinstance(more, list) else []
        return args

    return mutate


def args(*extra: str) -> Callable[[Ctx], list[str]]:
    return lambda ctx: list(extra)


#: A's visits and revenue doubled since 2022 (3 → 6 万人次, 0.25 → 0.5 亿元)
TOURISM_DOUBLED = table_text("tourism", {(A, "visits"): "6.0", (A, "tourism_revenue"): "0.5"})


KG_NPP = np.vectorize(
    lambda c: {1: 1.2, 2: 0.9, 3: 0.6, 5: 1.0, 6: 0.1, 7: 0.0}[int(c)]
)(TINY_ECO).astype("float32")  # fmt: skip
BOWTIE = Polygon([(X0, Y0), (X0 + RES, Y0 - 2 * RES), (X0 + RES, Y0), (X0, Y0 - 2 * RES)])
A1_TOP = box(X0, Y0 - RES, X0 + RES, Y0)  # A1 keeps its forest cell, not its shrub cell
B2_LONG = box(X0 + 3 * RES, Y0 - 2 * RES, X0 + 5 * RES, Y0)  # one column east of B
TEXT = "this is not a raster\n"

TABLE_CASES = [
    refused(
        "table",
        "agriculture-output-in-yuan",
        table("agriculture", table_text("agriculture", {(A, "agriculture_output"): "400000"})),
        r"2022/agriculture\.csv: .*row 2, column agriculture_output: agriculture output "
        r"400,000 10\^4 CNY",
    ),
    refused(
        "table",
        "water-use-in-m3",
        table("water", table_text("water", {(A, "water_use_domestic"): "10000"})),
        r"2022/water\.csv: .*row 2, column water_use_domestic: domestic water use 10,000 "
        r"10\^4 m³ is 2\.5×10\^9 m³ per km² of the county",
    ),
    refused(
        "table",
        "external-share-as-percent",
        then(
            table("external", table_text("external", {(A, "water_supply_external_share"): "20"})),
            lambda c: ["--profile", c.profile(deduct_external=True)],  # the table is read
        ),
        r"2022/external\.csv: .*row 2, column water_supply_external_share: .* 20 is not a "
        r"share in \[0, 1\]; looks like a percentage: write 0\.20",
    ),
    refused(
        "table",
        "lakes-row-repeated",
        table("lakes", lakes_text("360101,甲湖,0.005,东部平原,100")),
        r"2022/lakes\.csv: .*rows 2, 4 are one row repeated \(甲湖 of county 360101\)",
    ),
    refused(
        "table",
        "lakes-same-lake-twice",
        table("lakes", lakes_text("360102,甲湖,0.01,东部平原,100")),
        r"2022/lakes\.csv: .*lake name '甲湖' of county 360102 is in rows 3, 4",
    ),
    refused(
        "table",
        "tourism-revenue-per-visit-below-1-cny",
        table("tourism", table_text("tourism", {(A, "tourism_revenue"): "2e-07"})),
        r"2022/tourism\.csv: .*row 2, column tourism_revenue: tourism revenue per visit is "
        r"6\.67×10\^-4 CNY per visit .*less than the possible 1 CNY per visit",
    ),
    refused(
        "table",
        "value-added-above-output",
        table("agriculture", table_text("agriculture", {(A, "agriculture_value_added"): "60"})),
        r"2022/agriculture\.csv: .*agriculture value added 60 10\^4 CNY is more than "
        r"agriculture output \(40 10\^4 CNY\)",
    ),
    refused(
        "table",
        "lakes-larger-than-county",
        table("lakes", LAKES.replace("360101,甲湖,0.005", "360101,甲湖,0.05")),
        r"2022/lakes\.csv: .*lake area within the county 0\.05 km² .*is more than the "
        r"county's area \(0\.04 km²\)",
    ),
    refused(
        "table",
        "forestry-recovering-beyond-county",
        table(
            "forestry",
            table_text(
                "forestry",
                {(B, "forest_self_recovery_area"): "3", (B, "grassland_self_recovery_area"): "1.5"},
            ),
        ),
        r"2022/forestry\.csv: .*4\.5 hm² is more than the county's area",
    ),
    refused(
        "table",
        "tourism-revenue-1e4-times-last-year",
        table(
            "tourism",
            table_text("tourism", {(A, "tourism_revenue"): "2500", (B, "tourism_revenue"): "500"}),
            year=2023,
        ),
        r"2023/tourism\.csv: .*column tourism_revenue: tourism revenue of most counties is "
        r"about 10\^4 times 2022's",
        base="two_years",
        year=2023,
    ),
    refused(
        "table",
        "missing-column",
        table("tourism", table_text("tourism", drop_columns=("tourism_revenue",))),
        r"2022/tourism\.csv: missing column\(s\) tourism_revenue; a 'tourism' table needs",
    ),
    refused(
        "table",
        "text-in-number-column",
        table("tourism", table_text("tourism", {(A, "visits"): "many"})),
        r"2022/tourism\.csv: .*row 2, column visits: 'many' is not a number",
    ),
    refused(
        "table",
        "negative-value",
        table("tourism", table_text("tourism", {(B, "tourism_revenue"): "-0.05"})),
        r"2022/tourism\.csv: .*row 3, column tourism_revenue: -0\.05 is negative",
    ),
    refused(
        "table",
        "unknown-county-code",
        table("energy", table_text("energy", extra=("360199,丙县,1.0",))),
        r"2022/energy\.csv: .*row 4, column county_adcode: unknown county adcode\(s\) 360199",
    ),
    refused(
        "table",
        "missing-county-row",
        table("water", table_text("water", drop_units=(B,))),
        r"2022/water\.csv: .*no row for county adcode\(s\) 360102",
    ),
    refused(
        "table",
        "county-row-repeated",
        table("water", table_text("water", extra=("360101,甲县,1.0,2.0,2.0,5.0",))),
        r"2022/water\.csv: .*county 360101 appears in rows 2, 4",
    ),
    refused(
        "table",
        "hourly-wage-written-monthly",
        table("tourism", table_text("tourism", {(A, "hourly_wage"): "6000"})),
        r"2022/tourism\.csv: .*row 2, column hourly_wage: hourly wage 6,000 CNY/h; more than "
        r"the possible 2,000 CNY/h",
    ),
    refused(
        "table",
        "empty-file",
        table("emissions", b""),
        r"2022/emissions\.csv: the file is empty \(0 bytes\)",
    ),
    refused(
        "table",
        "utf16-text",
        table("tourism", table_text("tourism").encode("utf-16")),
        r"2022/tourism\.csv: .*UTF-16 text",
    ),
    refused(
        "table",
        "raster-given-as-table",
        lambda ctx: ctx.write_table("energy", (ctx.root / "dem.tif").read_bytes()),
        r"2022/energy\.csv: .*a TIFF image \(a raster layer\?\)",
    ),
    decided(
        "soft_range",
        "agriculture-output-unusual",
        table("agriculture", table_text("agriculture", {(A, "agriculture_output"): "100"})),
        ("agriculture.agriculture_output", A),
    ),
    decided(
        "logic",
        "grassland-recovering-beyond-grassland",
        table("forestry", table_text("forestry", {(B, "grassland_self_recovery_area"): "1.5"})),
        ("forestry.grassland_recovery_within_grassland", B),
    ),
    decided(
        "fluctuation",
        "tourism-visits-doubled-since-last-year",
        table("tourism", TOURISM_DOUBLED, year=2023),
        ("tourism.visits", A),
        ("tourism.tourism_revenue", A),
        base="two_years",
        year=2023,
    ),
    accepted("table-gb18030", table("tourism", table_text("tourism"), encoding="gb18030")),
    accepted("table-utf8-with-bom", table("tourism", table_text("tourism"), encoding="utf-8-sig")),
    accepted("table-xlsx-named-csv", table("agriculture", xlsx_bytes(table_text("agriculture")))),
]

LAYER_CASES = [
    refused(
        "layer",
        "npp-in-kg-per-m2",
        layer("npp", KG_NPP),
        r"layer 'npp' \(2022/npp\.tif\) has a median over the region's cells of about 0\.912 "
        r"g/m2, .*it looks like kg/m2 — ganpo reads g/m2: multiply by 1000",
    ),
    refused(
        "layer",
        "precipitation-in-tenths-of-mm",
        layer("precipitation", np.full((2, 4), 16_000, dtype="int16")),
        r"layer 'precipitation' \(2022/precipitation\.tif\) has a median .* about 16000 mm, "
        r".*it looks like 0\.1 mm \(scaled integers\) — ganpo reads mm: divide by 10",
    ),
    refused(
        "layer",
        "precipitation-beyond-hard-range",
        layer("precipitation", rain(r1c2=12_000.0)),
        r"2022/precipitation\.tif: layer 'precipitation' has values from 1600 to 12000 mm .*"
        r"valid annual precipitation lies in \[0, 10000\] mm",
    ),
    refused(
        "layer",
        "precipitation-negative",
        layer("precipitation", rain(r1c2=-5.0)),
        r"2022/precipitation\.tif: layer 'precipitation' has values from -5 to 1600 mm",
    ),
    refused(
        "layer",
        "npp-every-cell-nodata",
        layer("npp", np.full((2, 4), -9999.0, dtype="float32")),
        r"2022/npp\.tif: layer 'npp' has no valid cell",
    ),
    refused(
        "layer",
        "coverage-below-profile-threshold",
        layer("precipitation", GAPPY_RAIN),
        r"layer\(s\) cover less than 98 % of a unit's cells .* precipitation "
        r"\(2022/precipitation\.tif\) in 360102 乙县 \(75\.0 %\)",
    ),
    decided(
        "coverage_gap",
        "coverage-above-profile-threshold",
        then(
            layer("precipitation", GAPPY_RAIN), lambda c: ["--profile", c.profile(coverage_min=0.7)]
        ),
        ("precipitation", B),
    ),
    decided(
        "gap_policy",
        "leave-out-declared",
        then(
            layer("precipitation", GAPPY_RAIN),
            lambda c: c.declare("precipitation", gap_policy="leave_out"),
        ),
        ("precipitation", B),
    ),
    decided(
        "gap_policy",
        "fill-type-mean-declared",
        then(
            layer("precipitation", GAPPY_RAIN),
            lambda c: c.declare("precipitation", gap_policy="fill_type_mean"),
        ),
        ("precipitation", B),
    ),
    refused(
        "layer",
        "wrong-crs",
        layer("npp", np.full((2, 4), 900.0, "float32"), crs="EPSG:32650"),
        r"2022/npp\.tif: layer 'npp' is not on the grid .*CRS 'WGS 84 / UTM zone 50N'",
    ),
    refused(
        "layer",
        "off-grid-by-half-a-cell",
        layer("precipitation", rain(), transform=from_origin(X0 + 50, Y0, RES, RES)),
        r"2022/precipitation\.tif: layer 'precipitation' is not on the grid of "
        r"ecosystem_type\.tif: transform",
    ),
    refused(
        "layer",
        "truncated-geotiff",
        lambda ctx: corrupt(ctx, "precipitation"),
        r"2022/precipitation\.tif: layer precipitation \(annual precipitation\): the GeoTIFF "
        r"is truncated or corrupt",
    ),
    refused(
        "layer",
        "truncated-geotiff-while-value-rasters-are-written",
        then(lambda c: corrupt(c, "npp"), lambda c: ["--rasters", str(c.tmp / "rasters")]),
        r"2022/npp\.tif: layer npp \(net primary production, dry matter\): the GeoTIFF is "
        r"truncated or corrupt",
        leaves_no_file_in="rasters",
    ),
    refused(
        "layer",
        "zero-byte-file",
        then(lambda c: c.layer_path("npp").write_bytes(b""), Ctx.rerecord),
        r"2022/npp\.tif: layer npp \(net primary production, dry matter\): the file is empty "
        r"\(0 bytes\), so it is not a raster",
    ),
    refused(
        "layer",
        "text-file-as-raster",
        then(lambda c: c.layer_path("npp").write_text(TEXT), Ctx.rerecord),
        r"2022/npp\.tif: layer npp .*: the file is text, not a raster \(it begins 'this is "
        r"not a raster'\)",
    ),
    refused(
        "layer",
        "of-another-year",
        drop_entry("layers", "npp", 2023),
        r"layer 'npp' \(2022/npp\.tif\) is of 2022 and the account needs it for 2023",
        base="two_years",
        year=2023,
    ),
    decided(
        "layer_year",
        "of-another-year-declared",
        then(drop_entry("layers", "npp", 2023), lambda c: c.declare("npp", serves_years=[2023])),
        ("npp", None),
        base="two_years",
        year=2023,
    ),
    refused(
        "layer",
        "year-less-precipitation",
        lambda c: c.declare("precipitation", year=None),
        r"layer 'precipitation' \(2022/precipitation\.tif\) has no year and the account "
        r"needs it for 2022",
    ),
    decided(
        "layer_year",
        "year-less-precipitation-serves-years",
        lambda c: c.declare("precipitation", year=None, serves_years=[2022]),
        ("precipitation", None),
    ),
    decided(
        "soft_range",
        "precipitation-above-usual",
        layer("precipitation", rain(r1c3=6000.0)),
        ("precipitation", None),
    ),
    refused(
        "layer",
        "arid-precipitation-without-reason",
        layer("precipitation", rain(200.0)),
        r"layer 'precipitation' \(2022/precipitation\.tif\) has a median .* about 200 mm, "
        r"outside the typical band 300–4000 mm",
    ),
    decided(
        "unusual_distribution",
        "arid-precipitation-accepted",
        then(
            layer("precipitation", rain(200.0)),
            lambda c: c.declare("precipitation", accept_unusual="desert basin: station record"),
        ),
        ("precipitation", None),
    ),
    decided(
        "nodata_undeclared",
        "npp-without-nodata",
        layer("npp", np.full((2, 4), 900.0, "float32"), nodata=None),
        ("npp", None),
    ),
    refused(
        "layer",
        "unknown-ecosystem-code",
        layer("ecosystem_type", np.where(TINY_ECO == 1, 99, TINY_ECO).astype("uint8"), nodata=255),
        r"2022/ecosystem_type\.tif: unknown ecosystem code\(s\) 99 \(3 cells\)",
    ),
    refused(
        "layer",
        "ecosystem-code-above-255",
        layer("ecosystem_type", np.where(TINY_ECO == 7, 300, TINY_ECO.astype("int16")), nodata=255),
        r"2022/ecosystem_type\.tif: 1 cells hold values that are no ecosystem code: 300 \(1 "
        r"cells\); .* / 有 1 个栅格的值不是生态系统类型编码：300（1 个栅格）",
    ),
    refused(
        "layer",
        "ecosystem-code-negative",
        layer("ecosystem_type", np.where(TINY_ECO == 1, -5, TINY_ECO.astype("int16")), nodata=255),
        r"2022/ecosystem_type\.tif: 3 cells hold values that are no ecosystem code: -5 \(3 "
        r"cells\); .*Reclassify the raster and write it as integers \(Byte\), with 255 for "
        r"nodata / .*请重新分类该栅格",
    ),
    refused(
        "layer",
        "ecosystem-nodata-not-255",
        layer(
            "ecosystem_type", np.where(TINY_ECO == 6, -9999, TINY_ECO.astype("int16")), nodata=-9999
        ),
        r"2022/ecosystem_type\.tif: .*the file declares -9999 as its nodata value, but ganpo "
        r"reads 255 as an ecosystem map's nodata",
    ),
    refused(
        "layer",
        "ecosystem-code-fractional",
        layer(
            "ecosystem_type", np.where(TINY_ECO == 5, 5.5, TINY_ECO.astype("float32")), nodata=255
        ),
        r"2022/ecosystem_type\.tif: 1 cells hold values that are no ecosystem code: 5\.5 ",
    ),
    refused(
        "layer",
        "npp-declared-in-gc-per-m2",
        lambda c: c.edit_manifest(
            lambda d: [x.update(unit="gC/m2") for x in d["layers"] if x["role"] == "npp"]
        ),
        r"2022/npp\.tif: layer 'npp' is declared in 'gC/m2' but ganpo reads npp in 'g/m2'",
    ),
    refused(
        "layer",
        "geographic-grid",
        layer(
            "ecosystem_type",
            TINY_ECO,
            nodata=255,
            crs="EPSG:4326",
            transform=from_origin(115, 29, 0.001, 0.001),
        ),
        r"2022/ecosystem_type\.tif: .*not an equal-area projection",
    ),
]

BOUNDARY_CASES = [
    refused(
        "boundary",
        "self-intersecting-township",
        lambda c: set_townships(c, township_rows(A1=BOWTIE)),
        rf"units\.gpkg: layer 'townships': .*unit {A1} \(甲县一乡\) has an invalid polygon: "
        r"Self-intersection",
        base="townships",
    ),
    refused(
        "boundary",
        "overlapping-counties",
        lambda c: set_counties(
            c,
            [
                box(X0, Y0 - 2 * RES, X0 + 2.5 * RES, Y0),
                box(X0 + 2 * RES, Y0 - 2 * RES, X0 + 4 * RES, Y0),
            ],
        ),
        rf"units\.gpkg: .*units {A} and {B} overlap by 10,000 m²",
    ),
    refused(
        "boundary",
        "gap-between-townships",
        lambda c: set_townships(c, township_rows(A1=A1_TOP)),
        rf"units\.gpkg: .*9,801 m² \(24\.5%\) of parent {A} lie in none of its units",
        base="townships",
    ),
    refused(
        "boundary",
        "gcj02-shifted-counties",
        gcj02_counties,
        r"units\.gpkg: .*the file is most likely in GCJ-02, the datum of Amap \(Gaode\)",
    ),
    refused(
        "boundary",
        "township-parent-missing",
        lambda c: set_townships(c, [*township_rows()[:3], (B2, "乙县二乡", 360199, column_box(3))]),
        rf"units\.gpkg: .*parent code\(s\) 360199 of unit\(s\) {B2} are not in layer "
        r"'counties'",
        base="townships",
    ),
    refused(
        "boundary",
        "duplicate-unit-codes",
        lambda c: set_townships(
            c, [township_rows()[0], (A1, "甲县二乡", A, column_box(1)), *township_rows()[2:]]
        ),
        rf"units\.gpkg: .*unit code\(s\) appear more than once: {A1} \(2×\)",
        base="townships",
    ),
    refused(
        "boundary",
        "township-outside-its-parent",
        lambda c: set_townships(c, township_rows(B2=B2_LONG)),
        rf"units\.gpkg: .*unit {B2} \(乙县二乡\) reaches 19,800 m² beyond its parent {B}",
        base="townships",
    ),
    refused(
        "boundary",
        "township-code-equal-to-a-county",
        lambda c: set_townships(c, [(A, "甲县一乡", A, column_box(0)), *township_rows()[1:]]),
        rf"units\.gpkg: .*unit code\(s\) {A} equal a county's adcode",
        base="townships",
    ),
    decided(
        "boundary_repair",
        "gap-declared-trust-gaps",
        lambda c: set_townships(c, township_rows(A1=A1_TOP), repair=("trust_gaps",)),
        ("units.townships.trust_gaps", ANY),
        base="townships",
    ),
    decided(
        "boundary_repair",
        "outside-parent-declared-clip",
        lambda c: set_townships(c, township_rows(B2=B2_LONG), repair=("clip_to_parent",)),
        ("units.townships.clip_to_parent", ANY),
        base="townships",
    ),
    decided(
        "boundary_repair",
        "self-intersection-declared-make-valid",
        lambda c: set_townships(c, township_rows(A1=BOWTIE), repair=("make_valid", "trust_gaps")),
        ("units.townships.make_valid", A1),
        base="townships",
    ),
]


def _missing_file(ctx: Ctx) -> None:
    ctx.layer_path("npp").unlink()


def _append_garbage(ctx: Ctx) -> None:
    with (ctx.root / "2022/water.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")


MANIFEST_CASES = [
    refused(
        "manifest",
        "unknown-role",
        lambda c: c.manifest.write_text(
            c.manifest.read_text(encoding="utf-8").replace('role = "npp"', 'role = "gpp"'),
            encoding="utf-8",
        ),
        r"manifest\.toml: invalid manifest: .*unknown role 'gpp'; valid roles: dem, ",
    ),
    refused(
        "manifest",
        "missing-file",
        _missing_file,
        r"manifest\.toml: files listed in the manifest are missing: 2022/npp\.tif",
    ),
    refused(
        "manifest",
        "changed-file",
        _append_garbage,
        r"manifest\.toml: 2022/water\.csv has changed since the manifest was written",
    ),
    refused(
        "manifest",
        "bad-toml",
        lambda c: c.manifest.write_text(
            c.manifest.read_text(encoding="utf-8") + "\n[[layers]\nrole = \n", encoding="utf-8"
        ),
        r"manifest\.toml: not a valid UTF-8 TOML file",
    ),
    refused(
        "manifest",
        "unknown-field",
        lambda c: c.edit_manifest(lambda d: d["layers"][1].update(colour="red")),
        r"manifest\.toml: invalid manifest: layers\.1\.colour: Extra inputs are not permitted",
    ),
    refused(
        "manifest",
        "duplicate-layer-entry",
        duplicate_layer,
        r"manifest\.toml: invalid manifest: .*2 \[\[layers\]\] entries of role 'npp' for 2022: "
        r"2022/npp\.tif, 2022/npp_v2\.tif",
    ),
    refused(
        "manifest",
        "duplicate-table-entry",
        duplicate_table,
        r"manifest\.toml: invalid manifest: .*2 \[\[tables\]\] entries of role 'tourism' for "
        r"2022: 2022/tourism\.csv, 2022/tourism_v2\.csv",
    ),
    refused(
        "manifest",
        "missing-layer-for-profile",
        drop_entry("layers", "npp"),
        r"manifest\.toml: no layer for role\(s\) npp in year 2022",
    ),
    refused(
        "manifest",
        "missing-table-for-profile",
        drop_entry("tables", "landscape"),
        r"manifest\.toml: no 'landscape' table \(landscape premium of housing\) for 2022",
    ),
    refused(
        "manifest",
        "accept-unusual-without-reason",
        lambda c: c.declare("npp", accept_unusual="  "),
        r"manifest\.toml: invalid manifest: .*accept_unusual needs the reason why",
    ),
    refused(
        "manifest",
        "table-level-unknown",
        lambda c: c.edit_manifest(lambda d: d["tables"][0].update(level="village")),
        r"manifest\.toml: invalid manifest: .*level 'village'; a table is given per county",
    ),
    refused(
        "manifest",
        "table-of-another-year",
        drop_entry("tables", "tourism", 2023),
        r"manifest\.toml: no 'tourism' table .* for 2023",
        base="two_years",
        year=2023,
    ),
    decided(
        "table_year",
        "table-of-another-year-declared",
        then(
            drop_entry("tables", "tourism", 2023),
            lambda c: c.declare("tourism", serves_years=[2023]),
        ),
        ("tourism", None),
        base="two_years",
        year=2023,
    ),
    refused(
        "manifest",
        "year-not-in-dataset",
        args(),
        r"manifest\.toml: the dataset has no year 2030; it has 2022",
        year=2030,
    ),
]

PARAMETER_CASES = [
    refused(
        "parameters",
        "price-missing-for-the-year",
        lambda c: ["--profile", c.profile(price_policy="accounting_year")],
        r"no price 'reservoir_cost' for 2022 in parameter set 'jiangxi-default' \(profile "
        r"'jiangxi-db36-2021'\); it has 2010",
    ),
    refused(
        "parameters",
        "unknown-parameter-set",
        args("--params", "jiangxi"),
        r"unknown parameter set 'jiangxi'; valid names: garze-2010, jiangxi-default",
    ),
    refused(
        "parameters",
        "unknown-profile",
        args("--profile", "jx"),
        r"unknown profile 'jx'; valid names: gbt-46869-2025, jiangxi-db36-2021, national-2022",
    ),
    refused(
        "parameters",
        "set-without-a-method-parameter",
        args("--params", "garze-2010"),
        r"parameter set 'garze-2010' has no value 'runoff_reduction_coefficient'",
    ),
    refused(
        "parameters",
        "lake-region-without-regression",
        lambda c: [
            "--profile",
            c.profile(
                name="lakes-by-regression",
                indicators={
                    **load_profile("jiangxi-db36-2021").indicators,
                    "flood_regulation": "storage_capacity",
                },
            ),
        ],
        r"lake\(s\) 甲湖 lie in the eastern plain lake region \(东部平原\), for which parameter "
        r"set 'jiangxi-default' has no storage regression",
    ),
]

CLASSIFICATION_CASES = [
    refused(
        "classification",
        "sandiao-code-without-crosswalk",
        lambda c: sandiao(c, [*DLBM[:1], [*DLBM[1][:3], "1208"]]),
        r"2022/dltb\.gpkg: 1 land class code\(s\) have no entry in ganpo's 三调工作分类 .*"
        r"crosswalk: 1208 \(0\.01 km²\)",
    ),
    refused(
        "classification",
        "clcd-code-without-crosswalk",
        then(
            layer("ecosystem_type", np.full((2, 4), 12, dtype="uint8"), nodata=None),
            lambda c: c.declare("ecosystem_type", scheme="clcd"),
        ),
        r"ecosystem_type\.tif: 1 land class code\(s\) have no entry in ganpo's CLCD .*"
        r"crosswalk: 12 \(0\.08 km²\)",
    ),
    accepted("classification-sandiao-polygons", lambda c: sandiao(c, DLBM)),
]

ENVIRONMENT_CASES = [
    refused(
        "environment",
        "disk-full-writing-value-rasters",
        disk_full_in_value_rasters,
        r"cannot write the value rasters in .*/rasters: the disk is full \(",
        code=1,
        leaves_no_file_in="rasters",
    ),
    refused(
        "environment",
        "disk-full-writing-outputs",
        disk_full_in_outputs,
        r"the disk is full \(.*/out",
        code=1,
        leaves_no_file_in="out",
    ),
    refused(
        "environment",
        "read-only-output-folder",
        read_only_output_folder,
        r"cannot write the value rasters in .*/rasters: it is on a read-only file system",
        code=1,
    ),
    refused(
        "environment",
        "disk-full-mounted",
        real_full_disk,
        r"cannot write the value rasters in .*/full/rasters: the disk is full \(",
        code=1,
        leaves_no_file_in="full/rasters",
    ),
    refused(
        "environment",
        "read-only-folder-mounted",
        real_read_only_folder,
        r"read-only file system \(.*/ro/out\): write to a folder on a writable disk",
        code=1,
    ),
    refused(
        "environment",
        "store-unreachable",
        store_unreachable,
        r"cannot reach the store sqlite:///.*/afile/ganpo\.sqlite",
        code=1,
    ),
    refused(
        "environment",
        "store-read-only",
        store_read_only,
        r"the store sqlite:///.*store\.sqlite.* cannot be written \(attempt to write a "
        r"readonly database\)",
        code=1,
    ),
    refused(
        "environment",
        "store-disk-full-half-way",
        store_full_half_way,
        r"the disk of the store sqlite:///.*store\.sqlite is full \(database or disk is full\); "
        r"nothing was written",
        code=1,
    ),
    refused(
        "environment",
        "store-locked-by-another-process",
        store_locked,
        r"the store sqlite:///.*store\.sqlite is locked by another process",
        code=1,
    ),
]

CASES: list[Case] = [
    *TABLE_CASES,
    *LAYER_CASES,
    *BOUNDARY_CASES,
    *MANIFEST_CASES,
    *PARAMETER_CASES,
    *CLASSIFICATION_CASES,
    *ENVIRONMENT_CASES,
]


# --------------------------------------------------------------------------- the runner


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """Rich wraps at the terminal width; the messages are read whole."""
    from ganpo.cli.common import console, err_console

    widths = console.width, err_console.width
    console.width = err_console.width = 250
    yield
    console.width, err_console.width = widths


#: the datasets a case starts from, and the year of their good account
BASES = {"county": 2022, "townships": 2022, "two_years": 2023}


def build(folder: Path, base: str) -> Path:
    """The tiny dataset of ``base`` in ``folder``/tiny and its good account in
    ``folder``/store.sqlite, run through the CLI."""
    if base == "two_years":
        manifest = build_tiny_full(folder / "tiny", more_years={2023: {}})
    else:
        manifest = build_tiny_full(folder / "tiny")
    if base == "townships":
        use_units(manifest)
    good = account_run(manifest, BASES[base], folder / "store.sqlite")
    assert good.exit_code == 0, good.output
    return manifest


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Path], Path]:
    """Copy the dataset of a base with its store of one good account into a case's folder
    (each base built and run once per module and worker); the manifest's path."""
    built: dict[str, Path] = {}

    def copy(base: str, folder: Path) -> Path:
        if base not in built:
            built[base] = tmp_path_factory.mktemp(f"start-{base}")
            build(built[base], base)
        shutil.copytree(built[base], folder, dirs_exist_ok=True)
        return folder / "tiny" / "manifest.toml"

    return copy


def account_run(manifest: Path, year: int, db: Path, *extra: str) -> Any:
    return runner.invoke(
        app, ["account", "run", str(manifest), "--year", str(year), "--db", str(db), *extra]
    )


def rows(statements: list[str]) -> list[str]:
    """The statements but SQLite's counter of ids (a new account moves it on)."""
    return [s for s in statements if not s.startswith('INSERT INTO "sqlite_sequence"')]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_bad_input(
    case: Case,
    start: Callable[[str, Path], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    manifest = start(case.base, tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    (first,) = list_accounts(open_store(db))

    with ExitStack() as stack:
        extra = case.mutate(Ctx(manifest, tmp_path, monkeypatch, stack))
        extra = extra if isinstance(extra, list) else []
        result = account_run(manifest, case.year, db, *extra)
        monkeypatch.undo()
        if case.leaves_no_file_in:  # looked at before a mounted file system goes
            left = tmp_path / case.leaves_no_file_in
            assert not [p for p in left.rglob("*") if p.is_file()], "half-written files left"
    output = result.output

    assert "Traceback" not in output, output
    if case.cls.startswith("refused:"):
        assert result.exit_code == case.code, output
        assert re.search(case.message, output, re.S), output
        flat = " ".join(output.split())
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, output
    missing = Counter(rows(before)) - Counter(rows(dump(db)))
    assert not missing, f"rows of the store changed: {list(missing)[:3]}"
    store = open_store(db)
    accounts = list_accounts(store)
    assert [a.id for a in accounts][:1] == [first.id] and len(accounts) == 2, output
    new = accounts[1]
    stored = load_decisions(store, new.id)
    if case.cls == "accepted":
        assert stored == [], [d.message_en for d in stored]
        assert new.gep_cny == pytest.approx(first.gep_cny, rel=1e-9)
        return
    for kind, subject, unit in case.decisions:
        assert any(
            d.kind == kind and d.subject == subject and (unit is ANY or d.unit_code == unit)
            for d in stored
        ), (kind, subject, unit, [(d.kind, d.subject, d.unit_code) for d in stored])
