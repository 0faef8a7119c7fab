"""GCJ-02 (the datum of Amap/高德, Tencent and other Chinese web maps) and WGS84.

GCJ-02 coordinates are WGS84 coordinates moved by an obfuscating offset of 300–700 m in
Jiangxi. Boundaries digitised on such a web map and then labelled WGS84 lie that far off
the rasters. This module holds the offset (its public reconstruction) and its inverse,
for the datum check of :mod:`ganpo.io.boundaries` and ``ganpo data gcj02-to-wgs84``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

#: Krasovsky 1940 ellipsoid of the GCJ-02 offset: semi-major axis [m], eccentricity²
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 offset [degrees] at WGS84 ``lon``/``lat`` [degrees], by the public
    reconstruction of the obfuscation (the formula of open-source converters such as
    eviltransform, MIT; accurate to about 1 m inside China)."""
    x, y = lon - 105.0, lat - 35.0
    root = np.sqrt(np.abs(x))
    wave = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + wave
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + wave
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = dlon * 180.0 / (_GCJ_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lonlat: np.ndarray) -> np.ndarray:
    """WGS84 longitude/latitude [degrees] (an ``(n, 2)`` array) to GCJ-02.

    >>> np.round(wgs84_to_gcj02(np.array([[115.89, 28.68]])) - [[115.89, 28.68]], 5).tolist()
    [[0.00485, -0.00337]]
    """
    dlon, dlat = _gcj_offset(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([lonlat[:, 0] + dlon, lonlat[:, 1] + dlat])


def gcj02_to_wgs84(lonlat: np.ndarray, iterations: int = 10) -> np.ndarray:
    """GCJ-02 longitude/latitude [degrees] to WGS84, inverting :func:`wgs84_to_gcj02` by
    fixed-point iteration (the offset changes slowly, so each step gains about three
    digits; 10 steps are exact to far below a millimetre).

    >>> p = np.array([[115.89, 28.68]])
    >>> bool(np.abs(gcj02_to_wgs84(wgs84_to_gcj02(p)) - p).max() < 1e-9)
    True
    """
    wgs = lonlat.astype("float64").copy()
    for _ in range(iterations):
        wgs -= wgs84_to_gcj02(wgs) - lonlat
    return wgs


def in_lonlat(frame: gpd.GeoDataFrame, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """The frame's polygons with ``fn`` applied to their longitude/latitude (the frame's
    CRS taken as WGS84-based, as a GCJ-02 file mislabelled WGS84 is), back in its CRS."""
    lonlat = frame.geometry.to_crs("EPSG:4326")
    moved = gpd.GeoSeries(shapely.transform(lonlat.to_numpy(), fn), crs="EPSG:4326")
    return moved.to_crs(frame.crs).to_numpy()


def from_gcj02_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A units layer whose coordinates were GCJ-02 (projected as if WGS84), converted."""
    out = frame.copy()
    out[out.geometry.name] = in_lonlat(frame, gcj02_to_wgs84)
    return out


__all__ = ["from_gcj02_frame", "gcj02_to_wgs84", "in_lonlat", "wgs84_to_gcj02"]
