"""Opening layers as chunked dask arrays, with nodata turned into NaN by the engine."""

from __future__ import annotations

import threading
from pathlib import Path

import dask.array as da
import numpy as np
import rasterio
import rasterio.shutil
import rioxarray
from rasterio.windows import Window

from ganpo.engine.grid import Grid
from ganpo.errors import GridError


def open_layer(path: Path, chunk: int, *, as_float: bool = True) -> da.Array:
    """A single-band raster as a lazy dask array of ``chunk`` × ``chunk`` blocks.

    With ``as_float`` (continuous layers) values are float64 and nodata cells are NaN;
    otherwise the raw integer codes are kept (categorical layers, nodata code as stored).
    Reading happens block by block when the graph is computed, so memory stays bounded.
    """
    arr = rioxarray.open_rasterio(
        path, chunks={"band": 1, "y": chunk, "x": chunk}, masked=as_float, lock=False
    )
    if arr.sizes["band"] != 1:  # type: ignore[union-attr]
        raise GridError(
            f"expected one band, found {arr.sizes['band']}; write each variable to its own file",  # type: ignore[union-attr]
            source=path,
            field="band",
        )
    data: da.Array = arr.data[0]  # type: ignore[union-attr]
    return data.astype("float64") if as_float else data


class BlockWriter:
    """A target for ``dask.array.store``: writes each block into a tiled GeoTIFF window.

    Opened before the compute and closed after it; a lock serialises the writes (GDAL
    datasets are not thread-safe), while reading and computing stay parallel.
    """

    def __init__(self, path: Path, grid: Grid, nodata: float = float("nan")) -> None:
        self.path = path
        self._dst = rasterio.open(
            path,
            "w",
            driver="GTiff",
            width=grid.width,
            height=grid.height,
            count=1,
            dtype="float32",
            crs=grid.crs_wkt,
            transform=grid.transform,
            nodata=nodata,
            tiled=True,
            blockxsize=256,
            blockysize=256,
            compress="deflate",
            BIGTIFF="IF_SAFER",
        )
        self._lock = threading.Lock()

    def __setitem__(self, key: tuple[slice, slice], value: np.ndarray) -> None:
        rows, cols = key
        window = Window.from_slices(rows, cols)
        with self._lock:
            self._dst.write(value.astype("float32"), 1, window=window)

    def close(self) -> None:
        self._dst.close()


def to_cog(gtiff: Path, cog: Path) -> None:
    """Copy a tiled GeoTIFF to a Cloud Optimized GeoTIFF (overviews, deflate)."""
    rasterio.shutil.copy(
        gtiff, cog, driver="COG", COMPRESS="DEFLATE", PREDICTOR="YES", BIGTIFF="IF_SAFER"
    )
