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
    codes = sorted(int(c) for c in counties["county_adcode"])
    write_demo_violations(out / VIOLATIONS_FILE, codes)
    return out


#: the demo's file of zoning violation cases (`ganpo zoning violations load … --synthetic`)
VIOLATIONS_FILE = "violations.csv"
#: synthetic cases: (county, unit digit, found on, kind, facts, fine 万元, status, closed on);
#: 婺源县 361130 and 乐平市 360281 are the counties of the README's audit pack
_CASES = (
    (361130, 1, "2023-04-18", "red_line", "生态保护红线内违规采砂（合成）", 20.0,
     "closed", "2023-09-30"),
    (361130, 2, "2023-08-02", "discharge", "重点管控单元内企业超标排放（合成）", 8.5,
     "rectifying", ""),
    (360281, 2, "2022-06-11", "prohibited_industry", "准入清单禁止类项目违规建设（合成）",
     50.0, "closed", "2023-03-01"),
    (360281, 3, "2024-02-20", "resource_use", "单位产值能耗未达管控要求（合成）", 0.0,
     "open", ""),
)  # fmt: skip


def write_demo_violations(path: Path, counties: list[int]) -> Path:
    """The demo's zoning violation cases as an enforcement department would file them
    (SYNTHETIC, 合成数据), in the CSV that `ganpo zoning violations load` reads."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case_no", "county_adcode", "unit_code", "found_on", "kind", "description",
                    "penalty_wan", "status", "closed_on", "source"])  # fmt: skip
        for n, (county, digit, found, kind, facts, fine, status, closed) in enumerate(_CASES, 1):
            if county not in counties:
                continue
            year = found[:4]
            w.writerow(
                [f"赣环罚〔{year}〕{n:02d}号（合成）", county, f"ZH{county}{digit}0001",
                 found, kind, facts, fine, status, closed, f"行政处罚决定书（合成）{year}-{n:02d}"]
            )  # fmt: skip
    return path
