"""A hand zoning dataset for the tests: 南昌市东湖区 cut in two at its centroid's x (west:
priority unit, east: general unit), a red line on the km² south-west of the centroid, and
three clauses (chemicals prohibited in priority units, general units allowed, red line
judged)."""

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
