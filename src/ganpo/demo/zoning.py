"""A SYNTHETIC zoning dataset on Jiangxi's real county boundaries (合成数据): three
environmental control units per county and a red line inside each priority unit, with a
requirement list written for the demo. None of it is Jiangxi's published zoning.

Per county, from its representative point ``p`` and the square root ``s`` of its area:
the key control unit is the county within ``0.2 s`` of ``p``; the priority protection unit
the part of the county west of ``p`` farther than ``0.45 s`` from it; the general control
unit the rest. The red line is the priority unit shrunk by ``0.05 s``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ganpo.catalog.files import data_dir

SYNTHETIC_NOTE = (
    "合成数据 SYNTHETIC: demo control units and requirements made by ganpo, not the "
    "province's published zoning / 演示用合成管控单元与准入清单，非官方分区管控成果"
)

#: the demo's requirement list (catalog data), copied into the dataset
REQUIREMENTS_FILE = "demo-requirements.toml"


def build_zoning_demo(out: Path, province: int = 360000) -> Path:
    """Write the synthetic zoning dataset of ``province`` into ``out`` (created); returns
    the folder."""
    import geopandas as gpd
    from shapely.geometry import box

    from ganpo.io.regions import load_counties

    counties = load_counties(province)
    units: list[dict[str, object]] = []
    redlines: list[dict[str, object]] = []
    for _, c in counties.iterrows():
        geom = c.geometry.buffer(0)
        p = geom.representative_point()
        s = geom.area**0.5
        minx, miny, _, maxy = geom.bounds
        key = geom.intersection(p.buffer(0.2 * s))
        west = box(minx - 1, miny - 1, p.x, maxy + 1)
        priority = geom.difference(p.buffer(0.45 * s)).intersection(west)
        general = geom.difference(key).difference(priority)
        code = int(c["county_adcode"])
        name = str(c["county_name"])
        for cat, digit, g, zh in (
            ("priority", 1, priority, "优先保护单元"),
            ("key", 2, key, "重点管控单元"),
            ("general", 3, general, "一般管控单元"),
        ):
            polys = g.buffer(0)
            if polys.is_empty or polys.area < 1e4:
                continue
            units.append(
                {
                    "code": f"ZH{code}{digit}0001",
                    "name": f"{name}{zh}（合成）",
                    "category": cat,
                    "county_adcode": code,
                    "geometry": polys,
                }
            )
        red = priority.buffer(-0.05 * s)
        if not red.is_empty and red.area > 1e4:
            redlines.append(
                {"code": f"HX{code}0001", "name": f"{name}生态保护红线（合成）", "geometry": red}
            )
    out.mkdir(parents=True, exist_ok=True)
    crs = counties.crs
    gpd.GeoDataFrame(units, geometry="geometry", crs=crs).to_file(out / "units.gpkg", driver="GPKG")
    gpd.GeoDataFrame(redlines, geometry="geometry", crs=crs).to_file(
        out / "redlines.gpkg", driver="GPKG"
    )
    shutil.copyfile(data_dir("zoning") / REQUIREMENTS_FILE, out / "requirements.toml")
    (out / "zoning-dataset.toml").write_text(
        f"# {SYNTHETIC_NOTE}\n"
        'title_zh = "江西省生态环境分区管控示范数据（合成）"\n'
        'title_en = "Jiangxi ecological-environment zoning demo data (SYNTHETIC)"\n'
        f"region = {province}\nversion = 2023\nsynthetic = true\n"
        f'note = "{SYNTHETIC_NOTE}"\n'
        'units = "units.gpkg"\nredlines = "redlines.gpkg"\nrequirements = "requirements.toml"\n',
        encoding="utf-8",
    )
    return out
