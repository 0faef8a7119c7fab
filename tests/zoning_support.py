"""A hand zoning dataset for the tests: 南昌市东湖区 cut in two at its centroid's x (west:
priority unit, east: general unit), a red line on the km² south-west of the centroid, and
three clauses (chemicals prohibited in priority units, general units allowed, red line
judged).

And the published files of 新余市 that the tests of ``ganpo zoning import`` share
(tests/zoning/test_importer.py and the bad-input corpora of the import): the category names
and list headers a province publishes, the rows of its requirement list and the column
mapping."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from ganpo.io.regions import load_counties

DONGHU = 360102
REQUIREMENTS = """
[[requirements]]
id = "P1"
scope = "category:priority"
dimension = "spatial_layout"
effect = "prohibited"
industries = ["C26"]
text_zh = "禁止化工"
text_en = "no chemicals"
source = "test"

[[requirements]]
id = "G1"
scope = "category:general"
dimension = "spatial_layout"
effect = "allowed"
text_zh = "允许"
text_en = "allowed"
source = "test"

[[requirements]]
id = "R1"
scope = "redline"
dimension = "spatial_layout"
effect = "judgement"
text_zh = "研判"
text_en = "judge"
source = "test"
"""


def lonlat(geom: object, crs: object) -> str:
    """``geom`` (in ``crs``) as WKT in longitude and latitude."""
    return str(gpd.GeoSeries([geom], crs=crs).to_crs(4326).iloc[0].wkt)


def hand_zoning(
    folder: Path,
    *,
    overlap: float = 0.0,
    drop_east: bool = False,
    bad_code: bool = False,
    requirements: str | None = None,
) -> Path:
    """Write the hand dataset into ``folder`` (created) and return it."""
    county = load_counties(360000)
    geom = county[county["county_adcode"] == DONGHU].geometry.iloc[0]
    c = geom.centroid
    minx, miny, maxx, maxy = geom.bounds
    west = geom.intersection(box(minx - 1, miny - 1, c.x + overlap, maxy + 1))
    east = geom.intersection(box(c.x, miny - 1, maxx + 1, maxy + 1))
    rows = [
        {"code": f"ZH{DONGHU}10001", "name": "西", "category": "priority",
         "county_adcode": DONGHU, "geometry": west},
        {"code": "ZH36010230001" if not bad_code else "ZH3601023001", "name": "东",
         "category": "general", "county_adcode": DONGHU, "geometry": east},
    ]  # fmt: skip
    if drop_east:
        rows = rows[:1]
    folder.mkdir(parents=True)
    gpd.GeoDataFrame(rows, geometry="geometry", crs=county.crs).to_file(folder / "u.gpkg")
    red = box(c.x - 1000, c.y - 1000, c.x, c.y)
    gpd.GeoDataFrame({"code": ["HX1"], "name": ["红线"]}, geometry=[red], crs=county.crs).to_file(
        folder / "r.gpkg"
    )
    (folder / "req.toml").write_text(requirements or REQUIREMENTS, encoding="utf-8")
    (folder / "zoning-dataset.toml").write_text(
        'title_zh = "测试"\ntitle_en = "test"\n'
        f'region = {DONGHU}\nversion = 2023\nunits = "u.gpkg"\nredlines = "r.gpkg"\n'
        'requirements = "req.toml"\n',
        encoding="utf-8",
    )
    return folder


# --------------------------------------------------------------------------- the import

#: the categories as a province publishes them
CATEGORY_ZH = {"priority": "优先保护单元", "key": "重点管控单元", "general": "一般管控单元"}
#: the published requirement list's headers
HEADERS = ["环境管控单元编码", "环境管控单元名称", "管控单元分类", "空间布局约束", "污染物排放管控",
           "环境风险防控", "资源开发效率要求"]  # fmt: skip
#: the column mapping of 新余市's published files: units, red lines and the requirement list
#: (its scopes: the city and the red lines); it starts at line 1
IMPORT_MAPPING = """\
[dataset]
region = 360500
version = 2023
title_zh = "新余市生态环境分区管控（测试）"
title_en = "Xinyu zoning (test)"
source = "测试用发布成果"

[units]
code = "单元编码"
name = "单元名称"
category = "管控类别"

[units.categories]
"优先保护单元" = "priority"
"重点管控单元" = "key"
"一般管控单元" = "general"

[redlines]
code = "红线编码"
name = "红线名称"

[requirements]
scope = "环境管控单元编码"

[requirements.dimensions]
"空间布局约束" = "spatial_layout"
"污染物排放管控" = "pollutant_discharge"
"环境风险防控" = "environmental_risk"
"资源开发效率要求" = "resource_efficiency"

[requirements.scopes]
"新余市" = "region:360500"
"生态保护红线" = "redline"

[[requirements.rules]]
contains = ["禁止", "化工"]
effect = "prohibited"
industries = ["C26"]
"""


def clause_rows(units: gpd.GeoDataFrame) -> list[list[str]]:
    """The published requirement list's rows (below :data:`HEADERS`) for ``units``: a row a
    unit (two numbered layout clauses in priority units, a discharge clause in every unit)
    and a row for the city."""
    rows = []
    for _, u in units.iterrows():
        layout = "1.禁止新建化工项目。2.严格控制开发强度。" if u["category"] == "priority" else "/"
        rows.append([u["code"], u["name"], CATEGORY_ZH[u["category"]], layout,
                     f"{u['name']}排放管控要求", "", "无"])  # fmt: skip
    rows.append(["新余市", "新余市总体管控要求", "", "", "", "加强环境风险防控。", ""])
    return rows
