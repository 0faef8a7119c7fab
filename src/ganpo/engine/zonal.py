"""Zonal aggregation: sums per administrative unit × ecosystem type, block by block.

Each cell gets a key ``zone × 256 + ecosystem code``; each block contributes a
``numpy.bincount`` (float64 weights) and the blocks' partial sums are added in a tree, so
the result is exact to float64 rounding and memory does not grow with the raster. The
same pass counts what the layer checks need (:class:`LayerCount`): cells with data per
zone, cells outside a soft range, a coarse histogram for the median.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numpy as np
import rasterio.features
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import Affine
from shapely.geometry.base import BaseGeometry

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine import histogram
from ganpo.engine.compute import kill_worker_once

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


@dataclass(frozen=True)
class LayerCount:
    """What the pass counts about one checked layer besides its minimum and maximum.

    Over the cells inside a zone: the cells below ``soft[0]`` and above ``soft[1]``. Over
    the cells inside a zone that have an ecosystem type (the cells a service can count):
    the cells with data, per zone; and, when ``histogram``, the counts per bin of
    :mod:`ganpo.engine.histogram` (for the median)."""

    soft: tuple[float, float] = (-math.inf, math.inf)
    histogram: bool = False


def layer_count_width(n_zones: int) -> int:
    """Columns of a layer's row in the counts: below soft, above soft, cells with data
    per zone, histogram bins."""
    return 2 + n_zones + histogram.N_BINS


def _block_sums(
    zones: np.ndarray,
    codes: np.ndarray,
    n_zones: int,
    n_values: int,
    n_masks: int,
    layers: Sequence[LayerCount],
    *arrays: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows: cell count, then per value its sum and its count of NaN cells, then per mask
    its count of true cells, per key; the minimum and maximum over the cells inside a zone
    of each checked layer (the last ``len(layers)`` arrays), NaN where none is finite; and
    each checked layer's counts (:class:`LayerCount`, :func:`layer_count_width` columns)."""
    kill_worker_once()  # the cluster tests' fault injection; does nothing unless asked
    values = arrays[:n_values]
    masks = arrays[n_values : n_values + n_masks]
    checked = arrays[n_values + n_masks :]
    inside = zones >= 0
    typed = inside & (codes != RASTER_NODATA)
    keys = zones.astype("int64") * N_CODES + codes.astype("int64")
    n_keys = n_zones * N_CODES
    out = np.zeros((1 + 2 * n_values + n_masks, n_keys), dtype="float64")
    out[0] = np.bincount(keys[inside], minlength=n_keys)
    for k, v in enumerate(values):
        finite = inside & np.isfinite(v)
        out[1 + 2 * k] = np.bincount(
            keys[finite], weights=v[finite].astype("float64"), minlength=n_keys
        )
        out[2 + 2 * k] = np.bincount(keys[inside & ~finite], minlength=n_keys)
    for j, mask in enumerate(masks):
        out[1 + 2 * n_values + j] = np.bincount(keys[inside & mask], minlength=n_keys)
    ranges = np.full((2, len(layers)), np.nan)
    counted = np.zeros((len(layers), layer_count_width(n_zones)), dtype="float64")
    for j, (a, spec) in enumerate(zip(checked, layers, strict=True)):
        finite = np.isfinite(a)
        cells = a[inside & finite]
        if cells.size:
            ranges[:, j] = cells.min(), cells.max()
        lo, hi = spec.soft
        counted[j, 0] = np.count_nonzero(cells < lo) if lo > -math.inf else 0
        counted[j, 1] = np.count_nonzero(cells > hi) if hi < math.inf else 0
        with_data = typed & finite
        counted[j, 2 : 2 + n_zones] = np.bincount(zones[with_data], minlength=n_zones)
        if spec.histogram:
            counted[j, 2 + n_zones :] = histogram.bin_counts(a[with_data])
    return out, ranges, counted


def _combine(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> Any:
    (sa, ra, ca), (sb, rb, cb) = a, b
    return sa + sb, np.stack([np.fmin(ra[0], rb[0]), np.fmax(ra[1], rb[1])]), ca + cb


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
    *,
    masks: Sequence[da.Array] = (),
    counts: Sequence[LayerCount] | None = None,
) -> object:
    """A delayed triple:

    - the ``(1 + 2k + m, n_zones × 256)`` array of cell counts, then sum and NaN count of
      each of the ``k`` value arrays, then the count of true cells of each of the ``m``
      boolean ``masks``, per zone × ecosystem code;
    - the ``(2, len(ranges))`` minimum and maximum of each ``ranges`` array over the cells
      inside a zone (the engine's value checks);
    - the ``(len(ranges), layer_count_width(n_zones))`` counts of each ``ranges`` array as
      ``counts`` (one :class:`LayerCount` per array, default: no soft range, no
      histogram) asks.

    Everything is read in one task per block, so a block's inputs are freed as soon as it
    is summed; memory does not grow with the raster. Nothing is computed here."""
    specs = list(counts) if counts is not None else [LayerCount() for _ in ranges]
    if len(specs) != len(ranges):
        raise ValueError(f"{len(specs)} layer counts for {len(ranges)} checked layers")
    arrays = [zones, codes, *values, *masks, *ranges]
    # one optimisation over all arrays: a layer read once per block, however many use it
    blocks = [d.ravel() for d in _to_delayed(arrays)]
    partials = [
        dask.delayed(_block_sums, pure=True)(z, c, n_zones, len(values), len(masks), specs, *vs)
        for z, c, *vs in zip(*blocks, strict=True)
    ]
    return _tree_sum(partials)


def _to_delayed(arrays: Sequence[da.Array]) -> list[np.ndarray]:
    """Each array's blocks as delayed objects sharing one optimised graph."""
    return [a.to_delayed(optimize_graph=False) for a in dask.optimize(*arrays)]
