"""A corpus of bad inputs of ``ganpo zoning check``: the site or plan (in the style of
tests/cli/test_bad_input_corpus_zoning_layers.py).

The start (built once per module and worker) is the hand zoning dataset of
tests/zoning_support.py (南昌市东湖区 cut in two: a priority unit west, a general unit
east, a red line of 1 km² south-west of the centroid) and the good site: a 2 km square
centred on the cut, given as WKT in longitude and latitude, checked for a chemical plant
(C2611): 200 hm² in each unit, 100 hm² in the red line, prohibited. A case changes ONE
thing of the site — its text, or the layer file it is given as (its CRS, features,
geometries, encoding, kind) — and checks it, asking for the opinion as a PDF too:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file or the site,
  the feature and the value (a regex per case) and has its Chinese half; no opinion is
  written and the dataset is unchanged.
* ``accepted`` — the same site written otherwise (GeoJSON, a GeoPackage or shapefile in
  another CRS, GBK attributes, split in two features): exit code 0 and the good run's
  result — the same units, measures, red lines, clauses and verdict.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_zoning_check.py`` lists the
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
from shapely.affinity import translate
from shapely.geometry import LineString, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry
from typer.testing import CliRunner

from corpus_support import has_chinese_half
from ganpo.cli.main import app
from ganpo.io.regions import CHINA_ALBERS
from zoning_support import hand_zoning

runner = CliRunner()
INDUSTRY = "C2611"


@dataclass(frozen=True)
class Start:
    """The good site in the dataset's CRS (CHINA_ALBERS) and the folder's dataset."""

    square: BaseGeometry
    zoning: Path


def ll(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` (in the dataset's CRS) in longitude and latitude."""
    return gpd.GeoSeries([geom], crs=CHINA_ALBERS).to_crs(4326).iloc[0]


# --------------------------------------------------------------------------- sites


Site = Callable[[Path, Start], str]


def text(make: Callable[[Start], str]) -> Site:
    """The site given as text (WKT or GeoJSON)."""
    return lambda folder, s: make(s)


def layer(
    name: str,
    geoms: Callable[[Start], list[Any]],
    *,
    crs: Any = CHINA_ALBERS,
    to: Any = None,
    encoding: str | None = None,
    cpg: bool = True,
) -> Site:
    """The site as the layer file ``name``: features of ``geoms`` (in ``crs``), with a
    Chinese attribute, written in ``to`` (else ``crs``) with ``encoding``; a shapefile
    without its .cpg unless ``cpg``."""

    def write(folder: Path, s: Start) -> str:
        gs = geoms(s)
        frame = gpd.GeoDataFrame(
            {"项目名称": [f"化工项目{i + 1}" for i in range(len(gs))]}, geometry=gs, crs=crs
        )
        if to is not None:
            frame = frame.to_crs(to)
        path = folder / name
        frame.to_file(path, **({"encoding": encoding} if encoding else {}))
        if path.suffix == ".shp" and not cpg:
            path.with_suffix(".cpg").unlink()
        return str(path)

    return write


def file_bytes(name: str, data: bytes) -> Site:
    def write(folder: Path, s: Start) -> str:
        (folder / name).write_bytes(data)
        return str(folder / name)

    return write


def geojson_reencoded(encoding: str) -> Site:
    """The site as a GeoJSON file in longitude/latitude saved in ``encoding``."""

    def write(folder: Path, s: Start) -> str:
        path = Path(layer("site.geojson", lambda s: [s.square], to=4326)(folder, s))
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
        return str(path)

    return write


def without_prj(site: Site) -> Site:
    def write(folder: Path, s: Start) -> str:
        path = Path(site(folder, s))
        path.with_suffix(".prj").unlink()
        return str(path)

    return write


def halves(s: Start) -> list[Any]:
    x0, y0, x1, y1 = s.square.bounds
    mid = (x0 + x1) / 2
    return [box(x0, y0, mid, y1), box(mid, y0, x1, y1)]


def bowtie(s: Start) -> Polygon:
    x0, y0, x1, y1 = s.square.bounds
    return Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])


def flat(s: Start) -> Polygon:
    """A polygon without area: three points on one parallel, in longitude and latitude."""
    x0, y0, x1, _ = ll(s.square).bounds
    return Polygon([(x0, y0), ((x0 + x1) / 2, y0), (x1, y0), (x0, y0)])


def guangzhou(s: Start) -> BaseGeometry:
    """The square moved to 广州市 (another province)."""
    g = ll(s.square)
    return translate(g, 113.27 - g.centroid.x, 23.13 - g.centroid.y)


def far_point(s: Start) -> Point:
    """A point 30 km east of the square: outside 东湖区."""
    return Point(s.square.centroid.x + 30_000, s.square.centroid.y)


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    site: Site
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


NOT_LONLAT = r"are not longitudes and latitudes.*不是经纬度"
LAYER_NOT_LONLAT = r"coordinates \(1.05\d+e\+06, 3.08\d+e\+06\) – .* are no longitudes and latitudes, yet its CRS EPSG:4326 says they are.*不是经纬度"
OUTSIDE = r"the site lies (\d+\.\d)% outside the region 360102 of the zoning data.*选址超出分区管控数据范围"

CASES: list[Case] = [
    # ---- the site as text
    Case("text-prose", "refused:text", text(lambda s: "东湖区化工园区东侧地块"),
         r"the site is neither WKT, GeoJSON nor a layer file.*选址须为 WKT、GeoJSON 或图层文件"),
    Case("text-wkt-typo", "refused:text", text(lambda s: ll(s.square).wkt.replace("POLYGON", "POLYGN")),
         r"the site is neither WKT, GeoJSON nor a layer file .*Unknown type: .POLYGN.*选址须为"),
    Case("text-geojson-garbage", "refused:text", text(lambda s: '{"type": "Polygon"}'),
         r"the site is neither WKT, GeoJSON nor a layer file"),
    Case("text-empty-polygon", "refused:empty", text(lambda s: "POLYGON EMPTY"),
         r"the site geometry is empty.*选址几何为空"),
    Case("text-empty-collection", "refused:empty", text(lambda s: '{"type":"FeatureCollection","features":[]}'),
         r"the site geometry is empty"),
    Case("text-metres", "refused:crs", text(lambda s: s.square.wkt),
         rf"the site's coordinates \(1.05\d+e\+06, 3.08\d+e\+06\) … .* {NOT_LONLAT}"),
    Case("text-lat-lon-swapped", "refused:crs",
         text(lambda s: Point(ll(s.square.centroid).y, ll(s.square.centroid).x).wkt),
         rf"the site's coordinates \(28.7\d+, 115.9\d+\) … .* {NOT_LONLAT}"),
    Case("text-nan", "refused:crs", text(lambda s: "POINT (nan nan)"),
         rf"the site's coordinates \(nan, nan\) .*{NOT_LONLAT}"),
    Case("text-inf", "refused:crs", text(lambda s: "POINT (inf 28.7)"),
         rf"the site's coordinates \(inf, 28.7\) .*{NOT_LONLAT}"),
    Case("text-self-intersecting", "refused:geometry", text(lambda s: ll(bowtie(s)).wkt),
         r"the site is an invalid Polygon \(Self-intersection\[115.9\d+ 28.7\d+\]\); repair it in a GIS.*选址图形无效"),
    Case("text-polygon-without-area", "refused:geometry", text(lambda s: flat(s).wkt),
         r"the site is an invalid Polygon \((Self-intersection|Too few points).*选址图形无效"),
    Case("text-line-without-length", "refused:geometry",
         text(lambda s: LineString([ll(s.square.centroid)] * 2).wkt),
         r"the site is an invalid LineString \(Too few points in geometry component.*选址图形无效"),
    Case("text-mixed-kinds", "refused:geometry",
         text(lambda s: f"GEOMETRYCOLLECTION ({ll(s.square).wkt}, {ll(far_point(s)).wkt})"),
         r"a GeometryCollection site: give points, lines or polygons of one kind.*选址须为点、线或面之一"),
    Case("text-other-province", "refused:place", text(lambda s: guangzhou(s).wkt),
         rf"{OUTSIDE}"),
    Case("text-point-beijing", "refused:place", text(lambda s: "POINT (116.40 39.90)"),
         r"the site lies 100.0% outside the region 360102"),
    Case("text-partly-outside", "refused:place",
         text(lambda s: ll(LineString([s.square.centroid, far_point(s)])).wkt),
         r"the site lies 9\d.\d% outside the region 360102"),
    Case("text-whole-world", "refused:place",
         text(lambda s: "POLYGON ((-180 -90, 180 -90, 180 90, -180 90, -180 -90))"),
         r"the site lies \d+.\d% outside the region 360102"),
    # ---- the site as a layer file
    Case("file-missing", "refused:file", lambda f, s: str(f / "site.gpkg"),
         r"site.gpkg: the site layer file does not exist.*选址图层文件不存在"),
    Case("file-csv", "refused:file", file_bytes("site.csv", "项目,经度,纬度\n化工,115.91,28.73\n".encode()),
         r"site.csv: a .csv file is not a site layer; give a .gpkg, .geojson or .shp layer.*不能是 .csv 文件"),
    Case("file-garbage", "refused:file", file_bytes("site.gpkg", b"not a geopackage"),
         r"site.gpkg: cannot read the site layer: .*not recognized as being in a supported file format.*选址图层无法读取"),
    Case("file-zero-bytes", "refused:file", file_bytes("site.geojson", b""),
         r"site.geojson: cannot read the site layer: .*选址图层无法读取"),
    Case("file-geojson-gb18030", "refused:encoding", geojson_reencoded("gb18030"),
         r"site.geojson: the site layer's text or field names are not UTF-8 \(invalid .*\), as a GeoJSON file's must be.*选址图层的文本或字段名不是 UTF-8 编码"),
    Case("file-shapefile-utf8-names-cut", "refused:encoding", layer("site.shp", lambda s: [s.square], to=4490),
         r"site.shp: the site layer's text or field names are not UTF-8 \(unexpected end of data\).*选址图层的文本或字段名不是 UTF-8 编码"),
    Case("file-shapefile-no-prj", "refused:crs", without_prj(layer("site.shp", lambda s: [s.square], to=4490, encoding="gbk")),
         r"site.shp: the site layer has no coordinate reference system \(a shapefile without .prj\).*选址图层缺少坐标系"),
    Case("file-metres-said-degrees", "refused:crs",
         layer("site.gpkg", lambda s: [s.square], crs=4326),
         rf"site.gpkg: the site layer's {LAYER_NOT_LONLAT}"),
    Case("file-geojson-in-metres", "refused:crs", layer("site.geojson", lambda s: [s.square]),
         rf"site.geojson: the site layer's {LAYER_NOT_LONLAT}"),
    Case("file-no-feature", "refused:layer", layer("site.gpkg", lambda s: []),
         r"site.gpkg: the site layer holds no feature.*选址图层中没有要素"),
    Case("file-empty-geometries", "refused:geometry", layer("site.gpkg", lambda s: [Polygon(), None]),
         r"site.gpkg: none of the site layer's 2 feature\(s\) has a geometry.*选址图层的 2 个要素均无几何图形"),
    Case("file-self-intersecting", "refused:geometry", layer("site.gpkg", lambda s: [s.square, bowtie(s)], to=4490),
         r"site.gpkg: feature 2 is an invalid Polygon \(Self-intersection.*site.gpkg 的第 2 个要素图形无效"),
    Case("file-mixed-kinds", "refused:geometry", layer("site.gpkg", lambda s: [s.square, far_point(s)], to=4490),
         r"site.gpkg: the site layer mixes Point, Polygon features that do not dissolve into one kind.*选址图层混有点、线、面要素"),
    Case("file-other-province", "refused:place", layer("site.gpkg", lambda s: [guangzhou(s)], crs=4326),
         rf"{OUTSIDE}"),
    # ---- fine inputs
    Case("geojson-text", "accepted", text(lambda s: __import__("json").dumps(mapping(ll(s.square))))),
    Case("geojson-feature-text", "accepted",
         text(lambda s: __import__("json").dumps({"type": "Feature", "properties": {"名称": "化工"},
                                                  "geometry": mapping(ll(s.square))}))),
    Case("wkt-padded", "accepted", text(lambda s: f"\n  {ll(s.square).wkt}  \n")),
    Case("file-gpkg-cgcs2000", "accepted", layer("site.gpkg", lambda s: [s.square], to=4490)),
    Case("file-gpkg-albers", "accepted", layer("site.gpkg", lambda s: [s.square])),
    Case("file-gpkg-web-mercator", "accepted", layer("site.gpkg", lambda s: [s.square], to=3857)),
    Case("file-geojson", "accepted", layer("site.geojson", lambda s: [s.square], to=4326)),
    Case("file-shapefile-gbk-no-cpg", "accepted",
         layer("site.shp", lambda s: [s.square], to=4490, encoding="gbk", cpg=False)),
    Case("file-shapefile-gb18030", "accepted",
         layer("site.shp", lambda s: [s.square], to=4490, encoding="gb18030")),
    Case("file-split-in-two", "accepted", layer("site.gpkg", halves, to=4490)),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def check(zoning: Path, site: str, *extra: str) -> Any:
    return runner.invoke(
        app, ["zoning", "check", str(zoning), "--site", site, "--industry", INDUSTRY, *extra]
    )


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def outcome(zoning: Path, site: str) -> tuple[str, str]:
    """The check's table (units, measures, red lines, clauses, verdict) and its records."""
    table = check(zoning, site)
    records = check(zoning, site, "--format", "json")
    assert table.exit_code == 0 and records.exit_code == 0, table.output + records.output
    return " ".join(table.output.split()), records.output


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Start:
    from ganpo.zoning.units import read_zoning

    built = tmp_path_factory.mktemp("zoning-check-start")
    zoning = hand_zoning(built / "zoning")
    ds = read_zoning(zoning)
    c = ds.units.union_all().centroid
    cut_x = ds.units.geometry.iloc[0].bounds[2]  # the west unit's east edge
    return Start(box(cut_x - 1000, c.y - 1000, cut_x + 1000, c.y + 1000), zoning)


def test_the_good_site(start: Start) -> None:
    """The start's result: what every accepted case must give again."""
    table, records = outcome(start.zoning, ll(start.square).wkt)
    assert "ZH36010210001 │ 优先保护单元 │ 200.00 │ 50.0 %" in table, table
    assert "ZH36010230001 │ 一般管控单元 │ 200.00 │ 50.0 %" in table, table
    assert "HX1 │ 100.00 │ 25.0 %" in table and "verdict: 禁止 / prohibited" in table, table
    assert records.count('"id"') == 3 and '"verdict": "prohibited"' in records, records


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_zoning_site(case: Case, start: Start, tmp_path: Path) -> None:
    zoning = tmp_path / "zoning"
    shutil.copytree(start.zoning, zoning)
    before = files(zoning)
    (tmp_path / "site").mkdir()
    site = case.site(tmp_path / "site", Start(start.square, zoning))
    if case.cls.startswith("refused:"):
        result = check(zoning, site, "--out", str(tmp_path / "opinion.pdf"))
        output = result.output
        assert "Traceback" not in output, output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), repr(result.exception)
        flat = " ".join(output.split())
        assert result.exit_code == 2, flat
        assert "a bug in ganpo" not in flat, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert not (tmp_path / "opinion.pdf").exists(), "a refused check wrote an opinion"
        assert files(zoning) == before, "a refused check changed the dataset"
        return
    assert outcome(zoning, site) == outcome(zoning, ll(start.square).wkt)
