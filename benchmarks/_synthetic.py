"""Writing the synthetic landscapes the benchmarks and the InVEST comparison share."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin


def write_layers(
    folder: Path,
    layers: dict[str, np.ndarray],
    *,
    crs: str,
    origin: tuple[float, float],
    cell: float,
    categorical: str,
    categorical_nodata: float,
) -> dict[str, Path]:
    """One tiled GeoTIFF per layer on a common north-up grid; returns the paths.

    The ``categorical`` layer gets ``categorical_nodata``, the others -9999.
    """
    paths = {}
    for name, data in layers.items():
        path = folder / f"{name}.tif"
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=data.shape[1],
            height=data.shape[0],
            count=1,
            dtype=data.dtype,
            crs=crs,
            transform=from_origin(*origin, cell, cell),
            nodata=categorical_nodata if name == categorical else -9999.0,
            tiled=True,
            compress="deflate",
        ) as dst:
            dst.write(data, 1)
        paths[name] = path
    return paths
