"""Zonal aggregation: sums per administrative unit × ecosystem type, block by block.

Each cell gets a key ``zone × 256 + ecosystem code``; each block contributes a
``numpy.bincount`` (float64 weights) and the blocks' partial sums are added in a tree, so
the result is exact to float64 rounding and memory does not grow with the raster.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
import rasterio.features
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import Affine
from shapely.geometry.base import BaseGeometry

N_CODES = 256


def _rasterize_block(
    block_info: dict[Any, Any] | None,
    shapes: Sequence[tuple[BaseGeometry, int]],
    transform: Affine,
) -> np.ndarray:
    assert block_info is not None
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    window_transform = transform @ Affine.translation(c0, r0)
    with warnings.catch_warnings():
        # GDAL's in-memory dataset warns for 1-cell blocks; the transform is passed anyway
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.features.rasterize(
            shapes,
            out_shape=(r1 - r0, c1 - c0),
            transform=window_transform,
            fill=-1,
            dtype="int32",
            all_touched=False,
        )


def zone_index(geometries: Sequence[BaseGeometry], transform: Affine, like: da.Array) -> da.Array:
    """Per-cell index of the polygon whose interior holds the cell centre (-1: none).

    Rasterised lazily, block by block, on the chunks of ``like``.
    """
    shapes = [(g, i) for i, g in enumerate(geometries)]
    return da.map_blocks(
        _rasterize_block,
        shapes=shapes,
        transform=transform,
        dtype="int32",
        chunks=like.chunks,
        meta=np.empty((0, 0), dtype="int32"),
    )


def _block_sums(
    zones: np.ndarray, codes: np.ndarray, n_keys: int, n_ranges: int, *arrays: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows: cell count, then per value its sum and its count of NaN cells, per key; and
    the minimum and maximum over the cells inside a zone of each range array (the last
    ``n_ranges`` arrays), NaN where none is finite."""
    values, checked = arrays[: len(arrays) - n_ranges], arrays[len(arrays) - n_ranges :]
    inside = zones >= 0
    keys = zones.astype("int64") * N_CODES + codes.astype("int64")
    out = np.zeros((1 + 2 * len(values), n_keys), dtype="float64")
    out[0] = np.bincount(keys[inside], minlength=n_keys)
    for k, v in enumerate(values):
        finite = inside & np.isfinite(v)
        out[1 + 2 * k] = np.bincount(
            keys[finite], weights=v[finite].astype("float64"), minlength=n_keys
        )
        out[2 + 2 * k] = np.bincount(keys[inside & ~finite], minlength=n_keys)
    ranges = np.full((2, n_ranges), np.nan)
    for j, a in enumerate(checked):
        cells = a[inside & np.isfinite(a)]
        if cells.size:
            ranges[:, j] = cells.min(), cells.max()
    return out, ranges


def _combine(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> Any:
    return a[0] + b[0], np.stack([np.fmin(a[1][0], b[1][0]), np.fmax(a[1][1], b[1][1])])


def _tree_sum(parts: list[Any]) -> Any:
    add = dask.delayed(_combine, pure=True)
    while len(parts) > 1:
        parts = [
            add(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
            for i in range(0, len(parts), 2)
        ]
    return parts[0]


def zonal_sums_graph(
    zones: da.Array,
    codes: da.Array,
    values: Sequence[da.Array],
    n_zones: int,
    ranges: Sequence[da.Array] = (),
) -> object:
    """A delayed pair: the ``(1 + 2k, n_zones × 256)`` array of cell counts, then sum and
    NaN count of each of the ``k`` value arrays per zone × ecosystem code; and the
    ``(2, len(ranges))`` minimum and maximum of each ``ranges`` array over the cells inside
    a zone (the engine's value checks). Everything is read in one task per block, so a
    block's inputs are freed as soon as it is summed. Nothing is computed here."""
    n_keys = n_zones * N_CODES
    arrays = [zones, codes, *values, *ranges]
    # one optimisation over all arrays: a layer read once per block, however many use it
    blocks = [d.ravel() for d in _to_delayed(arrays)]
    partials = [
        dask.delayed(_block_sums, pure=True)(z, c, n_keys, len(ranges), *vs)
        for z, c, *vs in zip(*blocks, strict=True)
    ]
    return _tree_sum(partials)


def _to_delayed(arrays: Sequence[da.Array]) -> list[np.ndarray]:
    """Each array's blocks as delayed objects sharing one optimised graph."""
    return [a.to_delayed(optimize_graph=False) for a in dask.optimize(*arrays)]
