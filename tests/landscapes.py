"""The synthetic DEMs and the GeoTIFF writer that the tests of the tiled routing stages
share (tests/engine/test_tiled_fill.py, tests/engine/test_tiled_accum.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.transform import from_origin

#: the grid every raster here is written on: UTM 50N, 30 m cells
PROFILE = {"crs": "EPSG:32650", "transform": from_origin(500_000, 3_000_000, 30, 30)}


def pitted(
    rng: np.random.Generator, shape: tuple[int, int], dtype: str = "float64"
) -> NDArray[Any]:
    """Hills with many pits: smooth relief plus integer noise (many equal heights, flats
    once filled), rounded to 0.1."""
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols]
    relief = 20 * np.sin(x / 7.0) * np.cos(y / 5.0) + rng.integers(0, 8, shape)
    return np.round(relief, 1).astype(dtype)


def notched_bowl(size: int, dtype: str = "float64") -> NDArray[Any]:
    """A surface falling towards one notch in a high rim: every cell drains to the notch
    at the middle of the top edge, through pits made by noise (not filled)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:size, 0:size].astype("float64")
    z = np.hypot(y, x - size // 2) + rng.integers(0, 4, (size, size)) * 0.7
    z[0, :] = z[:, 0] = z[-1, :] = z[:, -1] = 1000.0  # the rim
    z[0, size // 2] = -1.0  # the notch, the one outlet lower than the rim
    return z.astype(dtype)


def write_tif(path: Path, a: NDArray[Any], nodata: float | None, dtype: str | None = None) -> Path:
    """``a`` as a one-band GeoTIFF on :data:`PROFILE`'s grid, of type ``dtype`` (default:
    ``a``'s), its NaN cells written as ``nodata`` (if given)."""
    a = a.copy()
    if nodata is not None and a.dtype.kind == "f":
        a[np.isnan(a)] = nodata
    dtype = dtype or str(a.dtype)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=a.shape[1],
        height=a.shape[0],
        count=1,
        dtype=dtype,
        nodata=nodata,
        **PROFILE,
    ) as dst:
        dst.write(a.astype(dtype), 1)
    return path
