"""A corpus of bad inputs of ``ganpo zoning import``: the published units layer and
requirement list a province supplies (in the style of
tests/cli/test_bad_input_corpus_zoning.py, which holds the zoning dataset's own cases).

The start (built once per module and worker) is the SYNTHETIC zoning demo's units of
新余市 (渝水区 360502, 分宜县 360521) written as a province publishes them — a GBK
shapefile without ``.cpg``, in CGCS2000 longitude and latitude, with Chinese field names —
their requirement list as a UTF-8 CSV with the published Chinese headers, the column
mapping, and the dataset they import into (``out``). A case changes ONE thing — a
feature's attribute or geometry, a cell or row of the list, the list's encoding or kind —
and imports again into ``out`` with ``--replace``:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file, the feature
  or row, the column and the value (a regex per case) and has its Chinese half; ``out`` is
  unchanged, file for file and byte for byte.
* ``accepted`` — the same list as GB 18030 or as an .xlsx named .csv: exit code 0 and the
  same dataset (units, requirements and description).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_zoning_import.py`` lists the
cases.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely import make_valid
from shapely.geometry import Polygon
from typer.testing import CliRunner

from corpus_support import (
    assert_refused,
    csv_rows,
    ran_cleanly,
    reencode,
    set_cell,
    workbook_bytes,
    write_csv,
)
from ganpo.cli.main import app
from ganpo.demo.zoning import build_zoning_demo
from zoning_support import CATEGORY_ZH, HEADERS, IMPORT_MAPPING, clause_rows

runner = CliRunner()
CITY = 360500
UNITS = "units.shp"
LIST = "list.csv"
#: the shared mapping without red lines (no red-line layer here)
MAPPING = IMPORT_MAPPING.replace(
    '[redlines]\ncode = "红线编码"\nname = "红线名称"\n\n', ""
).replace('"生态保护红线" = "redline"\n', "")
assert "红线" not in MAPPING


# --------------------------------------------------------------------------- mutations


def feature(column: str, value: object, index: int = 0) -> Callable[[Path], None]:
    """Set ``column`` of the units layer's feature ``index`` (0-based) to ``value``."""

    def edit(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        layer = layer.copy()
        if column == "geometry":
            return layer.set_geometry(
                [value if i == index else g for i, g in enumerate(layer.geometry)], crs=layer.crs
            )
        layer[column] = [value if i == index else v for i, v in enumerate(layer[column])]
        return layer

    return units(edit)


def units(edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / "src" / UNITS
        layer = edit(gpd.read_file(path, encoding="gbk"))
        _publish(layer, path)

    return mutate


def _publish(layer: gpd.GeoDataFrame, path: Path) -> None:
    layer.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink()


def cell(column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    """Set ``column`` of the list's row ``row`` (1: the first below the header)."""
    return lambda folder: set_cell(folder / LIST, column, value, row)


def repeat_row(row: int = 1) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / LIST)
        write_csv(folder / LIST, [*rows[: row + 1], rows[row], *rows[row + 1 :]])

    return mutate


def header_only(folder: Path) -> None:
    write_csv(folder / LIST, csv_rows(folder / LIST)[:1])


def empty_list(folder: Path) -> None:
    (folder / LIST).write_bytes(b"")


def gb18030(folder: Path) -> None:
    reencode(folder / LIST, "gb18030")


def workbook(*, formula: bool = False) -> Callable[[Path], None]:
    """The list as an .xlsx workbook under its .csv name; with ``formula`` the first clause
    cell of the first row is a formula."""

    def mutate(folder: Path) -> None:
        cells: list[list[Any]] = [list(r) for r in csv_rows(folder / LIST)]
        if formula:
            cells[1][4] = '="禁止"&"新建"'
        (folder / LIST).write_bytes(workbook_bytes(cells))

    return mutate


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    mutate: Callable[[Path], None]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


CODE = "单元编码"
CATEGORY = "管控类别"
SCOPE = "环境管控单元编码"
INVALID = rf"{UNITS}: the dataset imported from {UNITS} and {LIST} is not valid"
INVALID_ZH = "导入的数据集未通过校验"
PUBLISHED = rf"{UNITS}: \d+ problem\(s\) in the published files"
PUBLISHED_ZH = "源数据有误"
BOWTIE = Polygon([(114.6, 27.8), (114.7, 27.9), (114.7, 27.8), (114.6, 27.9)])

CASES: list[Case] = [
    # ---- the units layer
    Case("unit-code-empty", "refused:unit", feature(CODE, ""),
         rf"{INVALID}.*unit code '' \(feature 0\) is not of the form ZH.*{INVALID_ZH}"),
    Case("unit-code-garbage", "refused:unit", feature(CODE, "ABC"),
         rf"{INVALID}.*unit code 'ABC' \(feature 0\) is not of the form ZH"),
    Case("unit-code-twice", "refused:unit", feature(CODE, "ZH36050220001"),
         rf"{INVALID}.*unit code ZH36050220001 is given twice \(features 0 and 1\)"),
    Case("unit-code-other-province", "refused:unit", feature(CODE, "ZH44010310001"),
         rf"{INVALID}.*unit ZH44010310001: county 440103 is not in region 360500"),
    Case("unit-code-other-city", "refused:unit", feature(CODE, "ZH36010210001"),
         rf"{INVALID}.*unit ZH36010210001: county 360102 is not in region 360500"),
    Case("unit-code-no-county", "refused:unit", feature(CODE, "ZH36059910001"),
         rf"{INVALID}.*unit ZH36059910001: county 360599 is not in region 360500"),
    Case("unit-category-unmapped", "refused:unit", feature(CATEGORY, "优先保护"),
         rf"{PUBLISHED}: {UNITS}: category value '优先保护' \(feature 1\) is not in \[units.categories\].*{PUBLISHED_ZH}"),
    Case("unit-category-empty", "refused:unit", feature(CATEGORY, ""),
         rf"{UNITS}: category value '' \(feature 1\) is not in \[units.categories\]"),
    Case("unit-name-empty", "refused:unit", feature("单元名称", ""),
         rf"{UNITS}: feature 1 \(ZH36050210001\), column '单元名称': the unit's name is empty"),
    Case("unit-geometry-empty", "refused:unit", feature("geometry", Polygon()),
         rf"{UNITS}: feature 1 \(ZH36050210001\): no geometry.*{PUBLISHED_ZH}"),
    Case("unit-geometry-self-intersecting", "refused:unit", feature("geometry", BOWTIE),
         rf"{UNITS}: feature 1 \(ZH36050210001\): the published polygon is invalid in its own CRS \(Self-intersection"),
    Case("units-metres-said-degrees", "refused:crs",
         units(lambda u: u.to_crs(3857).set_crs(4490, allow_override=True)),
         rf"{UNITS}: the units layer's coordinates \(1.27\d+e\+07, 3.19\d+e\+06\) – .* are no longitudes and latitudes, yet its CRS EPSG:4490 says they are.*不是经纬度"),
    Case("units-no-prj", "refused:crs", lambda f: (f / "src" / "units.prj").unlink(),
         rf"{UNITS}: the units layer has no coordinate reference system \(no .prj\).*缺少坐标系"),
    Case("units-missing", "refused:file", lambda f: (f / "src" / "units.shp").unlink(),
         rf"{UNITS}: the units layer does not exist.*图层文件不存在"),
    Case("units-garbage", "refused:file", lambda f: (f / "src" / "units.shp").write_bytes(b"not a shapefile"),
         rf"{UNITS}: cannot read the units layer: .*not recognized as being in a supported file format.*图层无法读取"),
    # ---- the requirement list
    Case("scope-unit-unknown", "refused:list", cell(SCOPE, "ZH36050210099"),
         rf"{INVALID}.*requirement ZH36050210099-SL-1: scope unit 'ZH36050210099' is not a unit of the layer"),
    Case("scope-unit-other-province", "refused:list", cell(SCOPE, "ZH44010310001"),
         rf"{INVALID}.*scope unit 'ZH44010310001' is not a unit of the layer"),
    Case("scope-adcode-other-province", "refused:list", cell(SCOPE, "440000"),
         rf"{INVALID}.*requirement 440000-SL-1: scope region '440000' is not in the region"),
    Case("scope-adcode-none", "refused:list", cell(SCOPE, "999999"),
         rf"{INVALID}.*scope region '999999' is not in the region"),
    Case("scope-text-unknown", "refused:list", cell(SCOPE, "全市"),
         rf"{LIST}: scope '全市' in column '{SCOPE}' \(row 2\) is not a unit code.*{PUBLISHED_ZH}"),
    Case("scope-empty", "refused:list", cell(SCOPE, ""),
         rf"{LIST}: scope '' in column '{SCOPE}' \(row 2\) is not a unit code"),
    Case("row-twice", "refused:list", repeat_row(1),
         rf"{LIST}: row 3 repeats row 2 \(scope 'ZH36050210001' in column '{SCOPE}', the same clauses\).*{PUBLISHED_ZH}"),
    Case("list-header-only", "refused:list", header_only,
         rf"{LIST}: the requirement list holds no clause"),
    Case("list-empty", "refused:list", empty_list,
         rf"{LIST}: the file is empty \(0 bytes\).*文件为空"),
    Case("list-formula", "refused:list", workbook(formula=True),
         rf"{LIST}: row 2, column 污染物排放管控: '=.禁止.&.新建.' is a formula.*{PUBLISHED_ZH}"),
    Case("list-column-missing", "refused:list", lambda f: write_csv(f / LIST, [r[:-1] for r in csv_rows(f / LIST)]),
         rf"{LIST}: column '资源开发效率要求' \(mapped as requirements.dimensions \(resource_efficiency\)\) is not in the file.*映射文件中的字段在源文件中不存在"),
    # ---- fine inputs
    Case("list-gb18030", "accepted", gb18030),
    Case("list-workbook-named-csv", "accepted", workbook()),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def import_(folder: Path) -> Any:
    return runner.invoke(
        app,
        ["zoning", "import", "--units", str(folder / "src" / UNITS), "--requirements",
         str(folder / LIST), "--mapping", str(folder / "mapping.toml"), "--out",
         str(folder / "out"), "--replace"],
    )  # fmt: skip


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def dataset(folder: Path) -> tuple[Any, ...]:
    """What an import wrote, but the layer files' bytes: the units' attributes and
    geometries, the requirements and the description."""
    layer = gpd.read_file(folder / "units.gpkg").sort_values("code")
    return (
        layer.drop(columns="geometry").to_dict("records"),
        [g.wkb for g in layer.geometry],
        (folder / "requirements.toml").read_text(encoding="utf-8"),
        (folder / "zoning-dataset.toml").read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    built = tmp_path_factory.mktemp("zoning-import-start")
    demo = build_zoning_demo(built / "demo")
    all_units = gpd.read_file(demo / "units.gpkg")
    mine = all_units[all_units["county_adcode"] // 100 * 100 == CITY].reset_index(drop=True)
    shutil.rmtree(demo)
    (built / "src").mkdir()
    _publish(
        gpd.GeoDataFrame(
            {
                CODE: mine["code"],
                "单元名称": mine["name"],
                CATEGORY: [CATEGORY_ZH[c] for c in mine["category"]],
            },
            geometry=gpd.GeoSeries(make_valid(mine.geometry.to_crs(4490).values), crs=4490).values,
            crs=4490,
        ),
        built / "src" / UNITS,
    )
    write_csv(built / LIST, [HEADERS, *clause_rows(mine)])
    (built / "mapping.toml").write_text(MAPPING, encoding="utf-8")
    r = import_(built)
    assert r.exit_code == 0 and "6 units" in r.output and "11 clauses" in r.output, r.output

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_zoning_import(case: Case, start: Callable[[Path], None], tmp_path: Path) -> None:
    start(tmp_path)
    before = files(tmp_path / "out")
    good = dataset(tmp_path / "out")
    case.mutate(tmp_path)
    result = import_(tmp_path)
    output = ran_cleanly(result)
    if case.cls.startswith("refused:"):
        assert_refused(result, case.message)
        assert files(tmp_path / "out") == before, "a refused import changed the dataset"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        return
    assert result.exit_code == 0, output
    assert dataset(tmp_path / "out") == good
