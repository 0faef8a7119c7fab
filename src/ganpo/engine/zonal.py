"""Zonal aggregation: sums per administrative unit × ecosystem type, block by block.

Each cell gets a key ``zone × 256 + ecosystem code``; each block contributes a
``numpy.bincount`` (float64 weights) and the blocks' partial sums are added in a tree, so
the result is exact to float64 rounding and memory does not grow with the raster. The
same pass counts what the layer checks need (:class:`LayerCount`): cells with data per
zone, cells outside a soft range, a coarse histogram for the median.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import dask
import dask.array as da
import numba
import numpy as np
import rasterio.features
import shapely
from dask.base import tokenize
from dask.delayed import Delayed
from dask.highlevelgraph import HighLevelGraph
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import Affine
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine import histogram, strips
from ganpo.engine.compute import kill_worker_once
from ganpo.engine.strips import StripPlan

N_CODES = 256

#: Rows of a strip the pass evaluates a block's per-cell arithmetic in (:mod:`ganpo.engine.
#: strips`): 64 rows of 1024 float64 columns are 512 kB, a few of which stay in the caches
#: (measured against 16, 32 and 128: benchmarks/bench_strips.py, decision 0077).
STRIP_ROWS = 64


class ZoneShapes:
    """The polygons of the zones, ready to be rasterised window by window.

    Each window is given only the polygons whose bounding box meets its own (a polygon
    that does not cannot hold the centre of one of its cells), so a window's cost follows
    its area, not the number of units. A polygon is turned into the GeoJSON-like mapping
    rasterio reads once, when a window first needs it (from the coordinate arrays, not
    shapely's per-coordinate ``__geo_interface__``), and kept for the other windows.
    ``token`` names the polygons by their content (the SHA-1 of their WKB) for dask, which
    would otherwise pickle every polygon to name a graph."""

    def __init__(self, geometries: Sequence[BaseGeometry]) -> None:
        self.geometries = np.asarray(list(geometries), dtype=object)
        self.bounds = shapely.bounds(self.geometries) if len(self.geometries) else np.empty((0, 4))
        digest = hashlib.sha1(usedforsecurity=False)
        for wkb in shapely.to_wkb(self.geometries).tolist():  # None for a missing one
            digest.update(b"-" if wkb is None else len(wkb).to_bytes(8, "little") + wkb)
        self.token = digest.hexdigest()
        self._mapped: dict[int, dict[str, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_mapped"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._mapped = {}

    def __dask_tokenize__(self) -> str:
        return self.token

    def _mapping(self, i: int) -> dict[str, Any]:
        found = self._mapped.get(i)
        if found is None:  # two threads may both build it: the same mapping either way
            found = self._mapped[i] = _geojson(self.geometries[i])
        return found

    def within(
        self, transform: Affine, r0: int, c0: int, shape: tuple[int, int]
    ) -> list[tuple[dict[str, Any], int]]:
        """(mapping, zone) of the polygons whose bounding box meets that of the window of
        ``shape`` cells whose first cell is (r0, c0)."""
        rows, cols = shape
        xs, ys = transform * (
            np.array([c0, c0 + cols, c0, c0 + cols], dtype="float64"),
            np.array([r0, r0, r0 + rows, r0 + rows], dtype="float64"),
        )
        b = self.bounds
        meets = (b[:, 0] <= xs.max()) & (b[:, 2] >= xs.min())
        meets &= (b[:, 1] <= ys.max()) & (b[:, 3] >= ys.min())
        return [(self._mapping(i), i) for i in np.flatnonzero(meets).tolist()]


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    return [
        shapely.get_coordinates(ring).tolist() for ring in (polygon.exterior, *polygon.interiors)
    ]


def _geojson(g: BaseGeometry) -> dict[str, Any]:
    """The GeoJSON-like mapping of ``g`` (the coordinates rasterio reads; for polygons
    built from the coordinate arrays at once, shapely's ``__geo_interface__`` otherwise)."""
    if isinstance(g, Polygon):
        return {"type": "Polygon", "coordinates": _rings(g)}
    if isinstance(g, MultiPolygon):
        return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in g.geoms]}
    return dict(g.__geo_interface__)


def _rasterize_block(
    block_info: dict[Any, Any] | None, shapes: ZoneShapes, transform: Affine
) -> np.ndarray:
    assert block_info is not None
    (r0, r1), (c0, c1) = block_info[None]["array-location"]
    return _rasterize_window(shapes, transform, r0, c0, (r1 - r0, c1 - c0))


def _rasterize_window(
    shapes: ZoneShapes,
    transform: Affine,
    r0: int,
    c0: int,
    shape: tuple[int, int],
) -> np.ndarray:
    """The zone index of the window of ``shape`` cells whose first cell is (r0, c0)."""
    within = shapes.within(transform, r0, c0, shape)
    if not within:
        return np.full(shape, -1, dtype="int32")
    window_transform = transform @ Affine.translation(c0, r0)
    with warnings.catch_warnings():
        # GDAL's in-memory dataset warns for 1-cell blocks; the transform is passed anyway
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        return rasterio.features.rasterize(
            within,
            out_shape=shape,
            transform=window_transform,
            fill=-1,
            dtype="int32",
            all_touched=False,
        )


def zone_index(geometries: Sequence[BaseGeometry], transform: Affine, like: da.Array) -> da.Array:
    """Per-cell index of the polygon whose interior holds the cell centre (-1: none).

    Rasterised lazily, block by block, on the chunks of ``like``.
    """
    shapes = ZoneShapes(geometries)
    name = "zone-index-" + tokenize(shapes.token, tuple(transform), like.chunks)
    return da.map_blocks(
        _rasterize_block,
        shapes=shapes,
        transform=transform,
        dtype="int32",
        chunks=like.chunks,
        meta=np.empty((0, 0), dtype="int32"),
        name=name,
    )


@dataclass(frozen=True)
class CodeCensus:
    """What a map of codes holds besides the codes it may hold.

    ``foreign``: the values that are no code at all (not a whole number in
    0…``N_CODES`` − 1: a negative or larger number, a fraction, NaN), anywhere in the map,
    as cells per value (the value written by :func:`value_text`): the pass's per-cell lookups
    cannot read such a cell, inside a zone or not. ``unknown``: the codes in
    0…``N_CODES`` − 1 that are not allowed, in the cells inside a zone, as cells per code
    (outside every zone they are not read)."""

    foreign: dict[str, int]
    unknown: dict[int, int]


def _census_block(
    codes: np.ndarray,
    r0: int,
    c0: int,
    shapes: ZoneShapes,
    transform: Affine,
    allowed: np.ndarray,
) -> CodeCensus:
    """The census of one block whose first cell is (r0, c0). The zones are rasterised
    only for a block that holds a code ``allowed`` refuses (the rare case)."""
    foreign: dict[str, int] = {}
    if codes.dtype == np.uint8:  # every value is a code: the common case
        index: np.ndarray = codes
        present = np.bincount(codes.ravel(), minlength=N_CODES)  # cheaper than a mask
        refused = ~allowed[codes] if present[~allowed].any() else np.zeros(codes.shape, bool)
    else:
        index, whole, foreign = codes_of(codes)
        refused = whole & ~allowed[index]
    unknown: dict[int, int] = {}
    if refused.any():
        zones = _rasterize_window(shapes, transform, r0, c0, codes.shape)
        found, cells = np.unique(index[refused & (zones >= 0)], return_counts=True)
        unknown = {int(c): int(n) for c, n in zip(found, cells, strict=True)}
    return CodeCensus(foreign, unknown)


def codes_of(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """The cells of a block of a code map of any integer or float dtype that hold a code,
    a whole number in 0…``N_CODES`` − 1 (a float map's 3.0 is code 3; its 3.0000002 is
    none, never cut to 3): their codes (``intp``; meaningless in the other cells), the
    mask of those cells, and the values that are no code (NaN included) as cells per
    value, written by :func:`value_text`. The account's census and the upload's check both
    read codes so."""
    in_range = (values >= 0) & (values < N_CODES)  # False for NaN
    index = np.where(in_range, values, 0).astype(np.intp)
    whole = in_range & (index == values)
    foreign: dict[str, int] = {}
    if not whole.all():
        found, cells = np.unique(values[~whole], return_counts=True)
        foreign = {value_text(v): int(n) for v, n in zip(found, cells, strict=True)}
    return index, whole, foreign


def value_text(value: np.generic) -> str:
    """A value of a map as a message shows it: ``f"{v:g}"`` (``300``, ``3.5``, ``nan``)
    unless that names another number of its type (3.0000002 is not ``3``): then the
    shortest text that does (``3.0000002``)."""
    if np.issubdtype(value.dtype, np.integer):
        return str(int(value))
    text = f"{value:g}"
    if np.isnan(value) or value.dtype.type(text) == value:
        return text
    return str(value)


def _add_census(*parts: CodeCensus) -> CodeCensus:
    foreign: Counter[str] = Counter()
    unknown: Counter[int] = Counter()
    for p in parts:
        foreign.update(p.foreign)
        unknown.update(p.unknown)
    return CodeCensus(dict(sorted(foreign.items())), dict(sorted(unknown.items())))


def code_census_graph(
    codes: da.Array,
    geometries: Sequence[BaseGeometry],
    transform: Affine,
    allowed: Sequence[int],
) -> object:
    """A delayed :class:`CodeCensus` of the map ``codes`` (any integer or float dtype, on
    ``transform``) against the ``allowed`` codes (which include the nodata code), with the
    zones of ``geometries`` by the cell-centre rule of :func:`zone_index`.

    One task per block reads it and looks each cell up in a table of the 256 codes (a
    block of uint8 codes: counts its codes, and masks only when one is refused). Nothing
    is computed here."""
    table = np.zeros(N_CODES, dtype=np.bool_)
    table[[c for c in allowed if 0 <= c < N_CODES]] = True
    zones = ZoneShapes(geometries)
    shapes = dask.delayed(zones, name="zone-shapes-" + zones.token, traverse=False)
    starts = [np.cumsum((0, *c))[:-1].tolist() for c in codes.chunks]
    blocks = codes.to_delayed(optimize_graph=False)
    census = dask.delayed(_census_block, pure=True)
    parts = [
        census(blocks[i, j], r0, c0, shapes, transform, table)
        for i, r0 in enumerate(starts[0])
        for j, c0 in enumerate(starts[1])
    ]
    return dask.delayed(_add_census, pure=True)(*parts)


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


#: One block's sums (or several blocks' added): the keys (zone × 256 + ecosystem code)
#: that hold at least one cell, ascending; the rows of :func:`_block_sums` for those keys
#: only; the checked layers' ranges; their counts
Partial = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _block_sums(
    zones: np.ndarray,
    codes: np.ndarray,
    n_zones: int,
    n_values: int,
    n_masks: int,
    layers: Sequence[LayerCount],
    *arrays: np.ndarray,
) -> Partial:
    """Rows: cell count, then per value its sum and its count of NaN cells, then per mask
    its count of true cells, per key; the minimum and maximum over the cells inside a zone
    of each checked layer (the last ``len(layers)`` arrays), NaN where none is finite; and
    each checked layer's counts (:class:`LayerCount`, :func:`layer_count_width` columns).

    The rows hold only the keys the block has cells of (a block meets a few of the
    region's units: a row over every zone × 256 codes was tens of megabytes per block,
    mostly zeros); :func:`_dense` lays the added blocks out over every key. Each array is
    visited once, cell by cell, by a numba kernel that adds into the rows what
    ``numpy.bincount`` would add, in the same order (so the float64 sums are bitwise those
    of ``bincount``), without the masks and copies a vectorised version makes."""
    kill_worker_once()  # the cluster tests' fault injection; does nothing unless asked
    return _sums_by_strips(
        zones,
        codes,
        n_zones,
        n_values,
        n_masks,
        layers,
        [(0, zones.shape[0])],
        lambda r0, r1: arrays,
    )


class StripSums:
    """:func:`_block_sums` of the arrays a :class:`~ganpo.engine.strips.StripPlan` makes
    from a block's inputs, evaluated and summed strip of ``strip_rows`` rows by strip, in
    the order of the rows (so each key's cells are added in the same order as over the
    whole block: the same float64 sums)."""

    def __init__(
        self,
        plan: StripPlan,
        n_zones: int,
        n_values: int,
        n_masks: int,
        layers: Sequence[LayerCount],
        strip_rows: int,
    ) -> None:
        self.plan, self.n_zones, self.n_values, self.n_masks = plan, n_zones, n_values, n_masks
        self.layers, self.strip_rows = list(layers), strip_rows
        self.token = tokenize(plan.token, n_zones, n_values, n_masks, self.layers, strip_rows)

    def __dask_tokenize__(self) -> str:
        return self.token

    def __call__(self, zones: np.ndarray, codes: np.ndarray, *inputs: Any) -> Partial:
        kill_worker_once()  # the cluster tests' fault injection; does nothing unless asked
        rows = zones.shape[0]
        plan = self.plan

        def arrays(r0: int, r1: int) -> Sequence[np.ndarray]:
            out = plan.evaluate(strips.cut(inputs, rows, r0, r1))
            for a in out:  # the kernels index every cell of the strip: none may be missing
                if np.shape(a) != (r1 - r0, zones.shape[1]):  # an internal invariant
                    raise ValueError(
                        f"a strip's array of {np.shape(a)} cells, not {(r1 - r0, zones.shape[1])}"
                    )
            return out

        return _sums_by_strips(
            zones,
            codes,
            self.n_zones,
            self.n_values,
            self.n_masks,
            self.layers,
            strips.strips_of(inputs, rows, self.strip_rows),
            arrays,
        )


def _sums_by_strips(
    zones: np.ndarray,
    codes: np.ndarray,
    n_zones: int,
    n_values: int,
    n_masks: int,
    layers: Sequence[LayerCount],
    bands: Sequence[tuple[int, int]],
    arrays_of: Callable[[int, int], Sequence[np.ndarray]],
) -> Partial:
    """:func:`_block_sums`, with the arrays of rows r0…r1 − 1 from ``arrays_of(r0, r1)``
    for each of the ``bands`` (consecutive, in order, covering the block)."""
    z = np.ascontiguousarray(zones, dtype=np.int32)
    c = np.ascontiguousarray(codes, dtype=np.int32)
    slots = np.empty(z.shape, dtype=np.int32)
    first, keys = _slots(z, c, n_zones * N_CODES, slots)
    if first >= 0:
        # an internal invariant: the account checks the map's codes before the pass
        # (ganpo.engine.stages.codes); a caller that did not is told the code
        code = codes[np.unravel_index(first, c.shape)]
        raise ValueError(
            f"ecosystem code {code} outside 0–{N_CODES - 1} inside a unit: check the map's "
            "codes first (code_census_graph)"
        )
    out = np.zeros((1 + 2 * n_values + n_masks, keys.size), dtype="float64")
    _cell_counts(slots, out[0])
    ranges = np.empty((len(layers), 2))  # rows: contiguous, as the kernel takes them
    ranges[:, 0], ranges[:, 1] = np.inf, -np.inf
    counted = np.zeros((len(layers), layer_count_width(n_zones)), dtype="float64")
    first_k, step_at = histogram.side_bin_table()
    edges = histogram.side_edges()
    for r0, r1 in bands:
        arrays = arrays_of(r0, r1)
        values = arrays[:n_values]
        masks = arrays[n_values : n_values + n_masks]
        checked = arrays[n_values + n_masks :]
        s = slots[r0:r1]
        for k, v in enumerate(values):
            _value_sums(s, _float64(v), out[1 + 2 * k], out[2 + 2 * k])
        for j, mask in enumerate(masks):
            _mask_counts(s, np.ascontiguousarray(mask, dtype=np.bool_), out[1 + 2 * n_values + j])
        for j, (a, spec) in enumerate(zip(checked, layers, strict=True)):
            lo, hi = (float(x) for x in spec.soft)  # one specialisation: no int bounds
            v = _float64(a)
            _layer_counts(
                z[r0:r1],
                c[r0:r1],
                v,
                v.view(np.int64),
                lo,
                hi,
                RASTER_NODATA,
                bool(spec.histogram),
                first_k,
                step_at,
                edges,
                ranges[j],
                counted[j],
            )
    ranges[ranges[:, 0] > ranges[:, 1]] = np.nan  # no finite cell: NaN, NaN
    return keys, out, np.ascontiguousarray(ranges.T), counted


def _dense(total: Partial, n_zones: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The added blocks' rows over every key (0 where no block has a cell), with the
    ranges and counts."""
    keys, rows, ranges, counted = total
    out = np.zeros((rows.shape[0], n_zones * N_CODES), dtype="float64")
    out[:, keys] = rows
    return out, ranges, counted


def _float64(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


@numba.njit(cache=True, nogil=True)
def _slots(
    zones: np.ndarray, codes: np.ndarray, n_keys: int, slots: np.ndarray
) -> tuple[int, np.ndarray]:
    """Each cell's slot into ``slots``: the rank of its key (zone × N_CODES + code) among
    the block's keys, −1 outside every zone; and those keys, ascending. First: the flat
    index of the first cell inside a zone whose code is outside 0…N_CODES−1 (the slots
    are then incomplete: the caller raises), else −1. (The index, not the code: a
    negative code must not pass for "none".)"""
    rows, cols = zones.shape
    present = np.zeros(n_keys, dtype=np.bool_)
    for r in range(rows):
        for c in range(cols):
            z = zones[r, c]
            if z >= 0:
                if codes[r, c] < 0 or codes[r, c] >= N_CODES:
                    return r * cols + c, np.empty(0, dtype=np.int64)
                present[z * N_CODES + codes[r, c]] = True
    rank = np.empty(n_keys, dtype=np.int32)
    n = 0
    for k in range(n_keys):
        if present[k]:
            rank[k] = n
            n += 1
    keys = np.empty(n, dtype=np.int64)
    for k in range(n_keys):
        if present[k]:
            keys[rank[k]] = k
    for r in range(rows):
        for c in range(cols):
            z = zones[r, c]
            slots[r, c] = rank[z * N_CODES + codes[r, c]] if z >= 0 else -1
    return -1, keys


# The kernels below add cell by cell into per-slot rows, as ``numpy.bincount`` does. Land
# cover comes in patches: the next cell mostly has the slot of the last one, and adding
# into memory (``out[k] += x``) then waits each time for the store before it. So the slot
# being added to is held in a register and written back when the slot changes (or the row
# ends): the same additions in the same order, so the float64 sums are bitwise those of
# adding into memory (tests/engine/test_zonal.py compares them with bincount), about twice
# as fast on the Jiangxi-sized benchmark's blocks (docs/benchmarks.md).


@numba.njit(cache=True, nogil=True)
def _cell_counts(slots: np.ndarray, out: np.ndarray) -> None:
    """Cells per slot into ``out``."""
    rows, cols = slots.shape
    for r in range(rows):
        k, n = -1, 0.0  # the slot being counted and its count so far
        for c in range(cols):
            s = slots[r, c]
            if s != k:
                if k >= 0:
                    out[k] = n
                k = s
                if k >= 0:
                    n = out[k]
            if k >= 0:
                n += 1.0
        if k >= 0:
            out[k] = n


@numba.njit(cache=True, nogil=True)
def _value_sums(slots: np.ndarray, v: np.ndarray, sums: np.ndarray, nans: np.ndarray) -> None:
    """Per slot, the sum of the finite values and the count of the others."""
    rows, cols = slots.shape
    for r in range(rows):
        k, total, missing = -1, 0.0, 0.0  # the slot being added to, and its row so far
        for c in range(cols):
            s = slots[r, c]
            if s != k:
                if k >= 0:
                    sums[k], nans[k] = total, missing
                k = s
                if k >= 0:
                    total, missing = sums[k], nans[k]
            if k < 0:
                continue
            x = v[r, c]
            if np.isfinite(x):
                total += x
            else:
                missing += 1.0
        if k >= 0:
            sums[k], nans[k] = total, missing


@numba.njit(cache=True, nogil=True)
def _mask_counts(slots: np.ndarray, mask: np.ndarray, out: np.ndarray) -> None:
    """Per slot, the cells where ``mask`` is true."""
    rows, cols = slots.shape
    for r in range(rows):
        k, n = -1, 0.0
        for c in range(cols):
            s = slots[r, c]
            if s != k:
                if k >= 0:
                    out[k] = n
                k = s
                if k >= 0:
                    n = out[k]
            if k >= 0 and mask[r, c]:
                n += 1.0
        if k >= 0:
            out[k] = n


@numba.njit(cache=True, nogil=True)
def _layer_counts(
    zones: np.ndarray,
    codes: np.ndarray,
    a: np.ndarray,
    bits: np.ndarray,
    lo: float,
    hi: float,
    nodata_code: int,
    with_histogram: bool,
    first_k: np.ndarray,
    step_at: np.ndarray,
    edges: np.ndarray,
    ranges: np.ndarray,
    counted: np.ndarray,
) -> None:
    """Added to what ``ranges`` and ``counted`` hold (the rows before, for a block read in
    strips of rows): over the finite cells inside a zone, minimum and maximum into
    ``ranges`` (left as they are when there is none: start from +inf, −inf); cells below
    ``lo`` and above ``hi`` into ``counted[0]`` and ``counted[1]``; over those that also
    have an ecosystem type: cells per zone into ``counted[2:2 + n_zones]`` and,
    ``with_histogram``, per bin (:func:`ganpo.engine.histogram.bin_of`, read from its
    table ``first_k``, ``step_at`` with the values' float64 ``bits``:
    :func:`ganpo.engine.histogram.table_bin`) into the columns after them. The last
    bin's sign and edges (``edges``: :func:`ganpo.engine.histogram.side_edges`) are kept:
    a value within them has that bin, and the table is read only for a value outside
    them (on the smooth layers of the Jiangxi-sized benchmark about one value in a
    hundred; before 2026-12-06, for every value that differed from the one before)."""
    rows, cols = zones.shape
    n_zones = counted.size - 2 - histogram.N_BINS
    low, high = ranges[0], ranges[1]
    below, above = 0, 0
    zone, in_zone, bin_, in_bin = 0, 0, 0, 0
    # the last value's bits and bin, that bin's sign and the edges of |v| within it
    # (+0.0's to start)
    last_bits, last_bin = 0, histogram.ZERO
    last_neg, last_lo, last_hi = False, edges[0], edges[1]
    for r in range(rows):
        for c in range(cols):
            z = zones[r, c]
            if z < 0:
                continue
            x = a[r, c]
            if not np.isfinite(x):
                continue
            low = min(low, x)
            high = max(high, x)
            if x < lo:
                below += 1
            if x > hi:
                above += 1
            if codes[r, c] != nodata_code:
                if z != zone:  # counts held in registers while the zone or bin stays
                    counted[2 + zone] += in_zone
                    zone, in_zone = z, 0
                in_zone += 1
                if with_histogram:
                    xb = bits[r, c]
                    if xb != last_bits:  # the last value (a coarser input resampled, a
                        # classed map) has the last bin; a value within its edges too
                        last_bits = xb
                        ax, neg = abs(x), x < 0  # table_bin's sign: −0.0 is on the + side
                        if neg != last_neg or ax < last_lo or ax >= last_hi:
                            last_bin = histogram.table_bin(x, xb, first_k, step_at)
                            k = abs(last_bin - histogram.ZERO)
                            last_neg, last_lo, last_hi = neg, edges[k], edges[k + 1]
                    b = last_bin
                    if b != bin_:
                        counted[2 + n_zones + bin_] += in_bin
                        bin_, in_bin = b, 0
                    in_bin += 1
    counted[2 + zone] += in_zone  # whole counts, below 2**53: exact in any order
    counted[2 + n_zones + bin_] += in_bin
    ranges[0], ranges[1] = low, high
    counted[0] += below
    counted[1] += above


def _combine(a: Partial, b: Partial) -> Partial:
    """Two partials added: per key, a's row plus b's (a key that one of them lacks takes
    the other's row: the same float64 as adding its zeros, since a sum started at +0.0 is
    never −0.0)."""
    (ka, ra, xa, ca), (kb, rb, xb, cb) = a, b
    keys = np.union1d(ka, kb)
    rows = np.zeros((ra.shape[0], keys.size), dtype="float64")
    rows[:, np.searchsorted(keys, ka)] = ra
    rows[:, np.searchsorted(keys, kb)] += rb
    return keys, rows, np.stack([np.fmin(xa[0], xb[0]), np.fmax(xa[1], xb[1])]), ca + cb


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
    strip_rows: int | None = STRIP_ROWS,
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
    is summed; memory does not grow with the raster. The per-cell arithmetic between a
    block's reads and the arrays summed is evaluated in strips of ``strip_rows`` rows
    (:class:`StripSums`; ``None``: one dask task per operation on the whole block, as
    dask would). Nothing is computed here."""
    specs = list(counts) if counts is not None else [LayerCount() for _ in ranges]
    if len(specs) != len(ranges):
        raise ValueError(f"{len(specs)} layer counts for {len(ranges)} checked layers")
    arrays = [zones, codes, *values, *masks, *ranges]
    if strip_rows is None:
        blocks = [d.ravel() for d in _to_delayed(arrays)]
        partials = [
            dask.delayed(_block_sums, pure=True)(z, c, n_zones, len(values), len(masks), specs, *vs)
            for z, c, *vs in zip(*blocks, strict=True)
        ]
    else:
        partials = _strip_partials(arrays, n_zones, len(values), len(masks), specs, strip_rows)
    return dask.delayed(_dense, pure=True)(_tree_sum(partials), n_zones)


def _strip_partials(
    arrays: Sequence[da.Array],
    n_zones: int,
    n_values: int,
    n_masks: int,
    specs: Sequence[LayerCount],
    strip_rows: int,
) -> list[Delayed]:
    """One delayed :class:`StripSums` per block of ``arrays`` (zones, codes, then the
    summed arrays): its inputs are the tasks of the unoptimised graph below the per-cell
    ones (the reads, shared as :func:`_to_delayed` shares them), which it evaluates strip
    by strip instead of dask block by block."""
    graph = HighLevelGraph.merge(*(a.__dask_graph__() for a in arrays))
    tasks = dict(graph)
    chunks = arrays[0].chunks
    if any(a.chunks != chunks for a in arrays):
        raise ValueError("the pass's arrays are not in the same blocks")
    layer_of: dict[Hashable, str] = {k: n for n, layer in graph.layers.items() for k in layer}
    partials = []
    for i in range(len(chunks[0])):
        for j in range(len(chunks[1])):
            keys: list[Hashable] = [(a.name, i, j) for a in arrays]
            plan, inputs = strips.plan_block(tasks, keys[2:], set(keys[:2]))
            fn = StripSums(plan, n_zones, n_values, n_masks, specs, strip_rows)
            name = "_block_sums-" + tokenize(fn, keys)
            args = [Delayed(k, graph, layer=layer_of[k]) for k in [*keys[:2], *inputs]]
            partials.append(dask.delayed(fn, pure=True)(*args, dask_key_name=name))
    return partials


def _to_delayed(arrays: Sequence[da.Array]) -> list[np.ndarray]:
    """Each array's blocks as delayed objects of one graph, not optimised: a layer's
    read of a block is then one task, however many arrays use it. (``dask.optimize`` over
    the arrays fuses each array's blockwise chain with its reads, so that a layer used by
    ten arrays was read ten times per block.)"""
    return [a.to_delayed(optimize_graph=False) for a in arrays]
