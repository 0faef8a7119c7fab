"""A corpus of bad inputs of ``ganpo zoning import``: the column mapping file and the
red-line layer (tests/cli/test_bad_input_corpus_zoning_import.py holds the units layer's
and the requirement list's cases).

The start (built once per module and worker) is the SYNTHETIC zoning demo's units of
新余市 (渝水区 360502, 分宜县 360521) and their red lines as a province publishes them —
GBK shapefiles without ``.cpg``, in CGCS2000 longitude and latitude, with Chinese field
names — their requirement list as a UTF-8 CSV (a row for the red lines among them), the
column mapping with its ``[redlines]`` table, and the dataset they import into (``out``).
A case changes ONE thing — a line of the mapping, the mapping's encoding, a red line's
attribute or geometry, the red-line layer's CRS or features — and imports again into
``out`` with ``--replace``:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file, the key,
  feature or column and the value (a regex per case) and has its Chinese half; ``out`` is
  unchanged, file for file and byte for byte.
* ``accepted`` — the same mapping saved otherwise (with a BOM, keys in another order), the
  red lines as GeoJSON or in a projected CRS: exit code 0 and the same dataset.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_zoning_layers.py`` lists the
cases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely import make_valid
from shapely.affinity import translate
from shapely.geometry import Polygon
from typer.testing import CliRunner

from corpus_support import has_chinese_half, ran_cleanly, reencode, replace_once
from ganpo.cli.main import app
from ganpo.demo.zoning import build_zoning_demo
from zoning_support import CATEGORY_ZH, HEADERS, IMPORT_MAPPING, clause_rows

runner = CliRunner()
CITY = 360500
UNITS = "units.shp"
RED = "redlines.shp"
LIST = "list.csv"
MAP = "mapping.toml"
RED_CODE = "红线编码"
RED_NAME = "红线名称"
MAPPING = IMPORT_MAPPING
#: the same mapping with its tables in another order (TOML does not care)
REORDERED = (
    MAPPING[MAPPING.index("[requirements]") :] + "\n" + MAPPING[: MAPPING.index("[requirements]")]
)


# --------------------------------------------------------------------------- mutations


def mapping(old: str, new: str) -> Callable[[Path], None]:
    """Replace the first ``old`` of the mapping file by ``new``."""
    return lambda folder: replace_once(folder / MAP, old, new)


def mapping_bytes(data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / MAP).write_bytes(data)


def _publish(layer: gpd.GeoDataFrame, path: Path) -> None:
    layer.to_file(path, encoding="gbk")
    path.with_suffix(".cpg").unlink()


def red(edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable[[Path], None]:
    """Rewrite the red-line layer as ``edit`` makes it (a GBK shapefile without .cpg)."""

    def mutate(folder: Path) -> None:
        path = folder / "src" / RED
        layer = edit(gpd.read_file(path, encoding="gbk"))
        for part in path.parent.glob("redlines.*"):
            part.unlink()
        _publish(layer, path)

    return mutate


def red_feature(column: str, value: object, index: int = 0) -> Callable[[Path], None]:
    """Set ``column`` of the red-line layer's feature ``index`` (0-based) to ``value``."""

    def edit(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        layer = layer.copy()
        if column == "geometry":
            return layer.set_geometry(
                [value if i == index else g for i, g in enumerate(layer.geometry)], crs=layer.crs
            )
        layer[column] = [value if i == index else v for i, v in enumerate(layer[column])]
        return layer

    return red(edit)


def red_geometry(change: Callable[[Any], Any], index: int = 0) -> Callable[[Path], None]:
    """The red line ``index``'s geometry changed by ``change``."""

    def edit(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        geoms = [change(g) if i == index else g for i, g in enumerate(layer.geometry)]
        return layer.set_geometry(geoms, crs=layer.crs)

    return red(edit)


def red_as(suffix: str, crs: int | None = None) -> Callable[[Path], None]:
    """The red lines as another file (``--redlines`` then names it), in ``crs``."""

    def mutate(folder: Path) -> None:
        layer = gpd.read_file(folder / "src" / RED, encoding="gbk")
        if crs is not None:
            layer = layer.to_crs(crs)
        for part in (folder / "src").glob("redlines.*"):
            part.unlink()
        if suffix == ".shp":
            layer.to_file(folder / "src" / RED, encoding="utf-8")
        else:
            layer.to_file((folder / "src" / RED).with_suffix(suffix))

    return mutate


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    mutate: Callable[[Path], None]
    message: str = ""
    red_file: str = RED

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


WRONG = rf"{MAP}: the mapping is wrong"
WRONG_ZH = "映射文件有误"
LACK = rf"{MAP}: the mapping names columns the files lack"
LACK_ZH = "映射文件中的字段在源文件中不存在"
INVALID = rf"{UNITS}: the dataset imported from {UNITS} and {LIST} is not valid"
INVALID_ZH = "导入的数据集未通过校验"
PUBLISHED = rf"{UNITS}: \d+ problem\(s\) in the published files"
PUBLISHED_ZH = "源数据有误"
RED1 = r"HX3605020001"
#: 广州市越秀区, in another province
GUANGZHOU = (113.27, 23.13)

CASES: list[Case] = [
    # ---- the mapping file: its text
    Case("mapping-empty", "refused:mapping", mapping_bytes(b""),
         rf"{MAP}: the mapping file is empty.*映射文件为空"),
    Case("mapping-blank", "refused:mapping", mapping_bytes(b"\n# nothing\n"),
         rf"{MAP}: the mapping file is empty.*映射文件为空"),
    Case("mapping-missing", "refused:mapping", lambda f: (f / MAP).unlink(),
         rf"{MAP}: the mapping file does not exist.*映射文件不存在"),
    Case("mapping-gb18030", "refused:mapping", lambda f: reencode(f / MAP, "gb18030"),
         rf"{MAP}: the mapping file is not UTF-8.*save it as UTF-8.*映射文件须为 UTF-8 编码"),
    Case("mapping-utf16", "refused:mapping", lambda f: reencode(f / MAP, "utf-16"),
         rf"{MAP}: the mapping file is not UTF-8.*映射文件须为 UTF-8 编码"),
    Case("mapping-binary", "refused:mapping", mapping_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U"),
         rf"{MAP}: the mapping file is not UTF-8 \(byte 0xb5 at position 14\)"),
    Case("mapping-workbook", "refused:mapping", mapping_bytes(b"PK\x03\x04\x00\x00garbage"),
         rf"{MAP}: cannot read the mapping: .*\(at line 1, column 3\); correct the TOML.*映射文件无法读取"),
    Case("mapping-syntax", "refused:mapping", mapping('region = 360500', 'region = 360500,'),
         rf"{MAP}: cannot read the mapping: .*line 2.*映射文件无法读取"),
    Case("mapping-key-twice", "refused:mapping", mapping('title_en = ', 'region = 360502\ntitle_en = '),
         rf"{MAP}: cannot read the mapping: Cannot overwrite a value \(at line 5.*映射文件无法读取"),
    Case("mapping-table-twice", "refused:mapping", mapping("[units]\n", "[units]\n[units]\n"),
         rf"{MAP}: cannot read the mapping: .*line 9"),
    # ---- the mapping file: its keys and values
    Case("key-unknown", "refused:mapping", mapping('category = "管控类别"', 'category = "管控类别"\ncolour = "颜色"'),
         rf"{WRONG}: units.colour: Extra inputs are not permitted \(given '颜色'\).*{WRONG_ZH}"),
    Case("table-misspelt", "refused:mapping", mapping("[redlines]", "[redline]"),
         rf"{WRONG}: redline: Extra inputs are not permitted"),
    Case("key-misspelt", "refused:mapping", mapping("title_zh", "titel_zh"),
         rf"{WRONG}: dataset.title_zh: Field required.*dataset.titel_zh: Extra inputs are not permitted"),
    Case("key-missing", "refused:mapping", mapping('scope = "环境管控单元编码"\n', ""),
         rf"{WRONG}: requirements.scope: Field required"),
    Case("category-unknown", "refused:mapping", mapping('= "priority"', '= "protected"'),
         rf"{WRONG}: units.categories.优先保护单元: Input should be 'priority', 'key' or 'general' \(given 'protected'\)"),
    Case("categories-empty", "refused:mapping", mapping('"优先保护单元" = "priority"\n"重点管控单元" = "key"\n"一般管控单元" = "general"\n', ""),
         rf"{WRONG}: units.categories: Dictionary should have at least 1 item"),
    Case("dimension-unknown", "refused:mapping", mapping('= "spatial_layout"', '= "layout"'),
         rf"{WRONG}: requirements.dimensions.空间布局约束: Input should be .*\(given 'layout'\)"),
    Case("dimensions-and-long", "refused:mapping", mapping('scope = "环境管控单元编码"', 'scope = "环境管控单元编码"\ndimension = "维度"\ntext = "条款"'),
         rf"{MAP}: \[requirements\] needs either .*not both.*准入清单映射须二选一"),
    Case("effect-unknown", "refused:mapping", mapping('effect = "prohibited"', 'effect = "forbidden"'),
         rf"{WRONG}: requirements.rules.0.effect: .*\(given 'forbidden'\)"),
    Case("rule-contains-empty", "refused:mapping", mapping('contains = ["禁止", "化工"]', "contains = []"),
         rf"{WRONG}: requirements.rules.0.contains: List should have at least 1 item"),
    Case("region-text", "refused:mapping", mapping("region = 360500", 'region = "新余市"'),
         rf"{WRONG}: dataset.region: Input should be a valid integer.*\(given '新余市'\)"),
    Case("version-1999", "refused:mapping", mapping("version = 2023", "version = 1999"),
         rf"{WRONG}: dataset.version: Input should be greater than or equal to 2000 \(given 1999\)"),
    Case("encoding-unknown", "refused:mapping", mapping('category = "管控类别"', 'category = "管控类别"\nencoding = "klingon"'),
         rf"{WRONG}: units.encoding: Value error, unknown encoding 'klingon'"),
    Case("crs-unknown", "refused:mapping", mapping('name = "红线名称"', 'name = "红线名称"\ncrs = "EPSG:999999"'),
         rf"{WRONG}: redlines.crs: Value error, unknown CRS 'EPSG:999999'"),
    Case("region-no-adcode", "refused:mapping", mapping("region = 360500", "region = 369900"),
         rf"{MAP}: region 369900 of \[dataset\] is not the adcode of a province, city or county.*行政区划代码"),
    Case("region-other-province", "refused:mapping", mapping("region = 360500", "region = 440100"),
         rf"{INVALID}.*county 360502 is not in region 440100"),
    Case("scope-to-unknown-kind", "refused:mapping", mapping('"region:360500"', '"city:360500"'),
         rf"{INVALID}.*scope 'city:360500' is not category:…, unit:…, region:… or redline"),
    Case("scope-to-other-region", "refused:mapping", mapping('"region:360500"', '"region:440000"'),
         rf"{INVALID}.*scope region '440000' is not in the region"),
    Case("rule-industry-unknown", "refused:mapping", mapping('industries = ["C26"]', 'industries = ["C99"]'),
         rf"{INVALID}.*industry code 'C99' is not in GB/T 4754-2017"),
    # ---- the mapping names columns the files lack
    Case("column-code-absent", "refused:column", mapping('code = "单元编码"', 'code = "单元代码"'),
         rf"{LACK}: {UNITS}: column '单元代码' \(mapped as units.code\) is not in the file; its columns are '单元编码'.*{LACK_ZH}"),
    Case("column-county-absent", "refused:column", mapping('category = "管控类别"', 'category = "管控类别"\ncounty = "区县"'),
         rf"{LACK}: {UNITS}: column '区县' \(mapped as units.county\)"),
    Case("column-redline-code-absent", "refused:column", mapping('code = "红线编码"', 'code = "红线代码"'),
         rf"{LACK}: {RED}: column '红线代码' \(mapped as redlines.code\) is not in the file"),
    Case("column-scope-absent", "refused:column", mapping('scope = "环境管控单元编码"', 'scope = "单元编码"'),
         rf"{LACK}: {LIST}: column '单元编码' \(mapped as requirements.scope\)"),
    Case("category-value-absent", "refused:unit", mapping('"一般管控单元" = "general"', '"一般管控区" = "general"'),
         rf"{PUBLISHED}: {UNITS}: category value '一般管控单元' \(features 3, 6\) is not in \[units.categories\].*{PUBLISHED_ZH}"),
    Case("encoding-wrong-for-layer", "refused:mapping", mapping('category = "管控类别"', 'category = "管控类别"\nencoding = "utf-8"'),
         rf"{UNITS}: the units layer's attributes are not utf-8 as the mapping's `encoding` says.*图层属性编码"),
    Case("redlines-table-absent", "refused:mapping", mapping('[redlines]\ncode = "红线编码"\nname = "红线名称"\n', ""),
         r"a red-line layer is given but the mapping has no \[redlines\] table.*映射文件缺少生态保护红线字段"),
    # ---- the red-line layer
    Case("red-no-prj", "refused:crs", lambda f: (f / "src" / "redlines.prj").unlink(),
         rf"{RED}: the red lines layer has no coordinate reference system \(no .prj\).*缺少坐标系"),
    Case("red-crs-wrong-in-mapping", "refused:crs",
         lambda f: ((f / "src" / "redlines.prj").unlink(),
                    replace_once(f / MAP, 'name = "红线名称"', 'name = "红线名称"\ncrs = "EPSG:3857"')),
         rf"{INVALID}.*red line {RED1} \(feature 0\) lies outside region 360500.*未通过校验"),
    Case("red-metres-said-degrees", "refused:crs",
         red(lambda r: r.to_crs(3857).set_crs(4490, allow_override=True)),
         rf"{RED}: the red lines layer's coordinates .* are no longitudes and latitudes.*不是经纬度"),
    Case("red-other-province", "refused:place",
         red_geometry(lambda g: translate(g, GUANGZHOU[0] - g.centroid.x, GUANGZHOU[1] - g.centroid.y)),
         rf"{INVALID}.*red line {RED1} \(feature 0\) lies outside region 360500"),
    Case("red-other-city", "refused:place",
         red_geometry(lambda g: translate(g, 115.89 - g.centroid.x, 28.68 - g.centroid.y)),
         rf"{INVALID}.*red line {RED1} \(feature 0\) lies outside region 360500"),
    Case("red-points", "refused:geometry", red(lambda r: r.set_geometry(r.geometry.representative_point())),
         rf"{PUBLISHED}: {RED}: feature 1 \({RED1}\): a Point, not a polygon.*feature 2 \(HX3605210001\): a Point.*{PUBLISHED_ZH}"),
    Case("red-outlines", "refused:geometry", red(lambda r: r.set_geometry(r.geometry.boundary)),
         rf"{RED}: feature 1 \({RED1}\): a (Multi)?LineString, not a polygon"),
    Case("red-empty-geometry", "refused:geometry", red_feature("geometry", Polygon()),
         rf"{RED}: feature 1 \({RED1}\): no geometry.*{PUBLISHED_ZH}"),
    Case("red-self-intersecting", "refused:geometry",
         red_feature("geometry", Polygon([(114.9, 27.8), (114.95, 27.85), (114.95, 27.8), (114.9, 27.85)])),
         rf"{RED}: feature 1 \({RED1}\): the published polygon is invalid in its own CRS \(Self-intersection"),
    Case("red-code-twice", "refused:attribute", red_feature(RED_CODE, "HX3605210001"),
         rf"{RED}: red-line code HX3605210001 is given twice \(features 1 and 2\).*{PUBLISHED_ZH}"),
    Case("red-code-empty", "refused:attribute", red_feature(RED_CODE, ""),
         rf"{RED}: feature 1, column '{RED_CODE}': the red line's code is empty"),
    Case("red-name-empty", "refused:attribute", red_feature(RED_NAME, ""),
         rf"{RED}: feature 1 \({RED1}\), column '{RED_NAME}': the red line's name is empty"),
    Case("red-no-feature", "refused:layer", red(lambda r: r.iloc[:0]),
         rf"{RED}: the red lines layer holds no feature.*图层中没有要素"),
    Case("red-missing", "refused:file", lambda f: (f / "src" / RED).unlink(),
         rf"{RED}: the red lines layer does not exist.*图层文件不存在"),
    Case("red-garbage", "refused:file", lambda f: (f / "src" / RED).write_bytes(b"not a shapefile"),
         rf"{RED}: cannot read the red lines layer: .*图层无法读取"),
    # ---- fine inputs
    Case("mapping-bom", "accepted",
         lambda f: (f / MAP).write_bytes(b"\xef\xbb\xbf" + (f / MAP).read_bytes())),
    Case("mapping-reordered", "accepted", mapping_bytes(REORDERED.encode())),
    Case("mapping-crlf", "accepted", mapping_bytes(MAPPING.replace("\n", "\r\n").encode())),
    Case("mapping-sheet-of-csv", "accepted", mapping('scope = "环境管控单元编码"', 'scope = "环境管控单元编码"\nsheet = "准入清单"')),
    Case("mapping-encoding-gbk", "accepted", mapping('category = "管控类别"', 'category = "管控类别"\nencoding = "gbk"')),
    Case("red-geojson", "accepted", red_as(".geojson"), red_file="redlines.geojson"),
    Case("red-gpkg-web-mercator", "accepted", red_as(".gpkg", 3857), red_file="redlines.gpkg"),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def import_(folder: Path, red_file: str = RED) -> Any:
    return runner.invoke(
        app,
        ["zoning", "import", "--units", str(folder / "src" / UNITS), "--requirements",
         str(folder / LIST), "--mapping", str(folder / MAP), "--redlines",
         str(folder / "src" / red_file), "--out", str(folder / "out"), "--replace"],
    )  # fmt: skip


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def dataset(folder: Path) -> tuple[Any, ...]:
    """What an import wrote, but the layer files' bytes: the units' and red lines'
    attributes and geometries (to the millimetre), the requirements and the description."""

    def layer(name: str) -> tuple[Any, ...]:
        found = gpd.read_file(folder / name).sort_values("code")
        return (
            found.drop(columns="geometry").to_dict("records"),
            [round(g.area) for g in found.geometry],
            [g.normalize().wkt for g in found.geometry.set_precision(1e-3)],
        )

    return (
        layer("units.gpkg"),
        layer("redlines.gpkg"),
        (folder / "requirements.toml").read_text(encoding="utf-8"),
        (folder / "zoning-dataset.toml").read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    built = tmp_path_factory.mktemp("zoning-layers-start")
    demo = build_zoning_demo(built / "demo")
    all_units = gpd.read_file(demo / "units.gpkg")
    mine = all_units[all_units["county_adcode"] // 100 * 100 == CITY].reset_index(drop=True)
    all_red = gpd.read_file(demo / "redlines.gpkg")
    my_red = all_red[all_red["code"].str.startswith("HX3605")].reset_index(drop=True)
    shutil.rmtree(demo)
    assert list(my_red["code"]) == ["HX3605020001", "HX3605210001"]
    (built / "src").mkdir()

    def lonlat(frame: gpd.GeoDataFrame) -> Any:
        return gpd.GeoSeries(make_valid(frame.geometry.to_crs(4490).values), crs=4490).values

    _publish(
        gpd.GeoDataFrame(
            {
                "单元编码": mine["code"],
                "单元名称": mine["name"],
                "管控类别": [CATEGORY_ZH[c] for c in mine["category"]],
            },
            geometry=lonlat(mine),
            crs=4490,
        ),
        built / "src" / UNITS,
    )
    _publish(
        gpd.GeoDataFrame(
            {RED_CODE: my_red["code"], RED_NAME: my_red["name"]}, geometry=lonlat(my_red), crs=4490
        ),
        built / "src" / RED,
    )
    rows = [HEADERS, *clause_rows(mine)]
    rows.append(
        ["生态保护红线", "生态保护红线管控要求", "", "禁止开发性、生产性建设活动。", "", "", ""]
    )
    (built / LIST).write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    (built / MAP).write_text(MAPPING, encoding="utf-8")
    r = import_(built)
    assert r.exit_code == 0, r.output
    flat = " ".join(r.output.split())
    assert "6 units" in flat and "2 red lines" in flat and "12 clauses" in flat, flat

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_zoning_mapping_or_red_lines(
    case: Case, start: Callable[[Path], None], tmp_path: Path
) -> None:
    start(tmp_path)
    before = files(tmp_path / "out")
    good = dataset(tmp_path / "out")
    case.mutate(tmp_path)
    result = import_(tmp_path, case.red_file)
    output = ran_cleanly(result)
    flat = " ".join(output.split())
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, flat
        assert "a bug in ganpo" not in flat, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert files(tmp_path / "out") == before, "a refused import changed the dataset"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
        return
    assert result.exit_code == 0, flat
    assert dataset(tmp_path / "out") == good


# ------------------------------------------------------ the red lines of a written dataset

#: (name, how the imported dataset's redlines.gpkg is changed, the message of `zoning validate`)
DATASET_RED: list[tuple[str, Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame], str]] = [
    ("code-twice", lambda r: r.assign(code=[RED1, RED1]),
     rf"red line code {RED1} is given twice \(features 0 and 1\)"),
    ("points", lambda r: r.set_geometry(r.geometry.representative_point()),
     rf"red line {RED1} \(feature 0\): a Point, not a polygon"),
    ("other-province", lambda r: r.set_geometry(r.geometry.translate(-1_000_000, -500_000)),
     rf"red line {RED1} \(feature 0\) lies outside region 360500: it holds none of the region's area"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "message"), [pytest.param(e, m, id=n) for n, e, m in DATASET_RED])
def test_bad_red_lines_of_a_dataset(
    edit: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame],
    message: str,
    start: Callable[[Path], None],
    tmp_path: Path,
) -> None:
    """`ganpo zoning validate` of an imported dataset whose red-line layer was changed
    after the import: exit code 2, the red line, feature and problem in the message."""
    start(tmp_path)
    path = tmp_path / "out" / "redlines.gpkg"
    edit(gpd.read_file(path)).to_file(path, driver="GPKG", layer="redlines")
    result = runner.invoke(app, ["zoning", "validate", str(tmp_path / "out")])
    flat = " ".join(result.output.split())
    assert result.exit_code == 2, flat
    assert re.search(message, flat), flat
    assert has_chinese_half(flat), f"no Chinese half: {flat}"
