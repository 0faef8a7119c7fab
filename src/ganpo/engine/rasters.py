"""Opening layers as chunked dask arrays, with nodata turned into NaN by the engine."""

from __future__ import annotations

from pathlib import Path

import dask.array as da
import rioxarray

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
