"""Pit filling in tiles with boundary exchange: each tile is a dask task whose memory is
bounded by the tile, not the raster (issue 19, point 1, first stage; docs/decisions/0056).

The result is bitwise the one of the global Priority-Flood
:func:`ganpo.engine.routing.fill_pits` (edge cells and cells next to nodata are outlets,
8-connected, heights only copied), computed in the three stages of Barnes (2016),
"Parallel Priority-Flood depression filling for trillion cell digital elevation models on
desktops or clusters", Computers & Geosciences 96, 56–68, doi:10.1016/j.cageo.2016.07.001:

1. per tile (a dask task): a Priority-Flood of the tile alone, seeded from every cell of
   the tile's perimeter and every cell that is a true outlet (the raster's edge, or next
   to nodata, judged on the tile read with a one-cell halo). True outlets carry the label
   of the *ocean* (0); the cells a labelled cell reaches inherit its label, perimeter
   cells still queued included (they are no lower than it, and keep their height); a
   perimeter cell that leaves the queue unlabelled starts a new label. Where two labels
   meet, the tile's *spill graph* keeps the lowest ``max(zf(a), zf(b))`` over the
   adjacent cell pairs ``a, b`` (``zf``: height after this local fill). The task returns
   the spill graph and the tile's perimeter (labels and heights: four rows/columns,
   corners included), which is O(side) data, never the tile.
2. in the client: the perimeters join the tiles' graphs. Every pair of 8-adjacent cells
   on the two sides of a tile edge, and the two cells diagonal across a tile corner, is an
   edge at the higher of their two heights. A Priority-Flood over this graph of labels
   from the ocean gives each label its spill height: the lowest, over the paths to the
   ocean, of the highest edge on the path.
3. per tile (a dask task): the local fill of stage 1 is computed again (Barnes's
   "evict" strategy: nothing is kept between the stages), each cell is raised to
   ``max(zf, spill[label])``, and the tile is written to its own file; the client then
   copies the tiles into the target GeoTIFF, one at a time.

Why it is exact. For a cell x, the global fill is the minimax height ``F(x)`` (over the
paths from x to an outlet, the lowest of the path's highest cell). Any such path, from
every cell on it, reaches a seed of that cell's tile without leaving the tile, so each
cell's ``zf`` is at most the path's maximum, and each change of label along it is a graph
edge no higher than it: ``max(zf(x), spill[label(x)]) ≤ F(x)``. Conversely, the flood
trees give a real path for every graph path whose cells are no higher than its edges and
``zf``. Every height is one of the DEM's own, so float32 stays exact.

Memory of a stage-1 or stage-3 task, for a tile of ``n`` cells: the tile with its halo
(4 or 8 B per cell), the filled copy (same), the labels (int32, 4 B), the slope and
pit stacks (one int64 array, 8 B), and the Priority-Flood's heap (a numba list, up to
16 B per cell of the tile in the worst case; about the perimeter on ordinary terrain),
plus the spill graph (a dict of at
most one entry per pair of labels that meet). The client holds the perimeters of all
tiles and the graph: a few tens of bytes per perimeter cell, ``4·side`` cells per tile.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import heapq
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import numba
import numpy as np
import rasterio
import rasterio.windows
from numba import types
from numba.typed import Dict
from numpy.typing import NDArray

from ganpo.engine.routing import DCOL, DROW, GDAL_CACHE_BYTES, _open_dem
from ganpo.errors import InputError
from ganpo.io.outputs import DERIVED_CACHE, writing
from ganpo.io.raster_files import open_raster, read_window

OCEAN = 0  # label of the true outlets (raster edge, next to nodata)
_UNSEEN = -1  # not reached yet
_SEED = -2  # a perimeter cell in the queue, not labelled yet
_NODATA = -3  # nodata: no label, no edge


# --- stage 1 and 3: one tile -------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _tile_flood(
    zh: np.ndarray, r0: int, c0: int, rows: int, cols: int
) -> tuple[
    np.ndarray, NDArray[np.int32], int, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]
]:
    """Priority-Flood of the tile ``zh[r0:r0+rows, c0:c0+cols]`` (``zh``: the tile with
    its halo, cut at the raster's edge; NaN = nodata) from its perimeter and outlets.

    Returns the locally filled tile, its labels (0 ocean, 1… perimeter seeds, -3
    nodata), the number of labels besides the ocean, and the spill graph: the pairs of
    labels ``a < b`` that meet and their lowest spill heights."""
    hr, hc = zh.shape
    z = zh[r0 : r0 + rows, c0 : c0 + cols].copy()
    label = np.full((rows, cols), _UNSEEN, dtype=np.int32)
    heap = [(0.0, np.int64(0))]
    heap.pop()
    # the slope cells' stack from the bottom of ``stack``, the pits' from its top: a
    # cell enters one of them at most once, when it is labelled (numba lists, until
    # 2026-12-06, took 14 % more time)
    size = rows * cols
    stack = np.empty(size, dtype=np.int64)
    s_top, p_top = 0, size
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                label[r, c] = _NODATA
                continue
            ocean = False
            for k in range(8):  # an outlet: a neighbour outside the raster or nodata
                rh, ch = r + r0 + DROW[k], c + c0 + DCOL[k]
                if rh < 0 or ch < 0 or rh >= hr or ch >= hc or np.isnan(zh[rh, ch]):
                    ocean = True
                    break
            if ocean:
                label[r, c] = OCEAN
            elif r == 0 or c == 0 or r == rows - 1 or c == cols - 1:
                label[r, c] = _SEED
            else:
                continue
            heapq.heappush(heap, (np.float64(z[r, c]), np.int64(r * cols + c)))
    labels = 0
    pairs = Dict.empty(key_type=types.int64, value_type=types.float64)
    # at most one label per perimeter cell: the key space of the pairs is known
    stride = np.int64(2 * (rows + cols) + 1)
    # cells reached uphill, not yet expanded (as routing._fill_pits keeps them)
    while s_top > 0 or len(heap) > 0 or p_top < size:
        if s_top > 0:  # a slope cell: expand it now unless a lower cell is unseen
            s_top -= 1
            i = stack[s_top]
            r, c = int(i // cols), int(i % cols)
            here = z[r, c]
            lower = False
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                inside = 0 <= rn < rows and 0 <= cn < cols
                if inside and label[rn, cn] == _UNSEEN and z[rn, cn] < here:
                    lower = True
                    break
            if lower:
                heapq.heappush(heap, (np.float64(here), i))
                continue
            own = label[r, c]
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if rn < 0 or cn < 0 or rn >= rows or cn >= cols:
                    continue
                other = label[rn, cn]
                if other == _UNSEEN:  # no lower than ``here``: it keeps its height
                    label[rn, cn] = own
                    stack[s_top] = rn * cols + cn
                    s_top += 1
                elif other >= 0 and other != own:
                    spill = max(np.float64(here), np.float64(z[rn, cn]))
                    key = min(own, other) * stride + max(own, other)
                    if spill < pairs.get(key, np.inf):
                        pairs[key] = spill
                # a perimeter cell still queued (_SEED) may be lower than ``here``: it is
                # left to be labelled from the queue, and the edge is recorded then
            continue
        if p_top < size:
            i = stack[p_top]
            p_top += 1
        else:
            i = heapq.heappop(heap)[1]
        r, c = int(i // cols), int(i % cols)
        if label[r, c] == _SEED:
            labels += 1
            label[r, c] = labels
        own = label[r, c]
        level = z[r, c]
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if rn < 0 or cn < 0 or rn >= rows or cn >= cols:
                continue
            other = label[rn, cn]
            if other == _UNSEEN:
                label[rn, cn] = own
                n = np.int64(rn * cols + cn)
                if z[rn, cn] <= level:
                    z[rn, cn] = level
                    p_top -= 1
                    stack[p_top] = n
                else:
                    stack[s_top] = n
                    s_top += 1
            elif other == _SEED:
                # a perimeter cell still queued is no lower than ``level``: it joins this
                # watershed (fewer labels, a smaller graph) and keeps its height
                label[rn, cn] = own
            elif other >= 0 and other != own:
                # both heights are final: a cell's height is set when it is reached
                spill = max(np.float64(level), np.float64(z[rn, cn]))
                key = min(own, other) * stride + max(own, other)
                if spill < pairs.get(key, np.inf):
                    pairs[key] = spill
    keys = np.empty(len(pairs), dtype=np.int64)
    heights = np.empty(len(pairs), dtype=np.float64)
    for j, (key, spill) in enumerate(pairs.items()):
        keys[j] = key
        heights[j] = spill
    return z, label, labels, keys // stride, keys % stride, heights


@dataclass(frozen=True)
class Tile:
    """A tile's place in the raster [cells]: rows ``row0…row0+rows-1`` and columns
    ``col0…col0+cols-1``; ``index`` its (tile row, tile column)."""

    index: tuple[int, int]
    row0: int
    col0: int
    rows: int
    cols: int

    def halo(self, shape: tuple[int, int]) -> tuple[int, int, int, int]:
        """The window with a one-cell halo, cut at the raster's edge: row, col, rows, cols."""
        r0, c0 = max(self.row0 - 1, 0), max(self.col0 - 1, 0)
        r1 = min(self.row0 + self.rows + 1, shape[0])
        c1 = min(self.col0 + self.cols + 1, shape[1])
        return r0, c0, r1 - r0, c1 - c0


def tiles(shape: tuple[int, int], tile: int | tuple[int, int]) -> list[Tile]:
    """The tiles of ``tile`` rows × columns [cells] covering a raster of ``shape``, row by
    row; the last row and column of tiles are smaller where the size does not divide."""
    th, tw = (tile, tile) if isinstance(tile, int) else tile
    if th < 1 or tw < 1:
        raise InputError(
            en=f"a tile must be at least 1 × 1 cells, not {th} × {tw}; give a positive tile size",
            zh=f"分块至少为 1 × 1 个像元，不能是 {th} × {tw}：请给出正的分块大小",
            field="tile",
            values=[th, tw],
        )
    return [
        Tile((i, j), r0, c0, min(th, shape[0] - r0), min(tw, shape[1] - c0))
        for i, r0 in enumerate(range(0, shape[0], th))
        for j, c0 in enumerate(range(0, shape[1], tw))
    ]


@dataclass(frozen=True)
class Perimeter:
    """What stage 1 returns for a tile: its spill graph (pairs ``a``, ``b`` of local
    labels and their heights) and the labels and heights of its four sides, in the
    order of rows (left to right) and columns (top to bottom)."""

    tile: Tile
    labels: int
    a: NDArray[np.int64]
    b: NDArray[np.int64]
    height: NDArray[np.float64]
    sides: dict[str, tuple[NDArray[np.int32], NDArray[np.float64]]]
    valid: bool  # the tile has a cell that is not nodata


def _flood(zh: NDArray[np.floating[Any]], tile: Tile, shape: tuple[int, int]) -> Any:
    r0, c0, _, _ = tile.halo(shape)
    return _tile_flood(zh, tile.row0 - r0, tile.col0 - c0, tile.rows, tile.cols)


def perimeter(zh: NDArray[np.floating[Any]], tile: Tile, shape: tuple[int, int]) -> Perimeter:
    """Stage 1 on the tile ``zh`` read with its halo (:meth:`Tile.halo`) from a raster of
    ``shape``: the tile's spill graph and perimeter."""
    return _perimeter_of(tile, *_flood(zh, tile, shape))


def _perimeter_of(
    tile: Tile,
    z: NDArray[np.floating[Any]],
    label: NDArray[np.int32],
    labels: int,
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    heights: NDArray[np.float64],
) -> Perimeter:
    """The :class:`Perimeter` of a tile from its flood (:func:`_tile_flood`'s results)."""
    every = slice(None)
    cut: dict[str, tuple[int | slice, int | slice]] = {
        "top": (0, every),
        "bottom": (-1, every),
        "left": (every, 0),
        "right": (every, -1),
    }
    sides = {k: (label[i].copy(), z[i].astype(np.float64)) for k, i in cut.items()}
    return Perimeter(tile, labels, a, b, heights, sides, bool((label >= 0).any()))


def raise_tile(
    zh: NDArray[np.floating[Any]], tile: Tile, shape: tuple[int, int], spill: NDArray[np.float64]
) -> NDArray[np.floating[Any]]:
    """Stage 3: the tile filled, ``max(zf, spill[label])``, with ``spill`` the spill
    heights of the tile's labels (index 0, the ocean, is -inf)."""
    z, label, labels, _, _, _ = _flood(zh, tile, shape)
    if len(spill) != labels + 1:
        raise InputError(
            en=f"the tile at row {tile.row0}, column {tile.col0} gave {labels} watersheds when "
            f"filled but {len(spill) - 1} when its spill heights were computed: the DEM "
            "changed while it was being filled; run again",
            zh=f"分块（第 {tile.row0} 行、第 "
            f"{tile.col0} 列起）两次计算的流域数不同：填洼期间 DEM 被修改，请重新运行",
            field="dem",
            values=[labels, len(spill) - 1],
        )
    _raise(z, label, spill)
    return z


@numba.njit(cache=True, nogil=True)
def _raise_window(
    z: np.ndarray,
    label: NDArray[np.int32],
    spill: NDArray[np.float64],
    r0: int,
    c0: int,
    rows: int,
    cols: int,
) -> None:
    """:func:`_raise` on the window ``[r0:r0+rows, c0:c0+cols]`` of whole rasters."""
    for r in range(r0, r0 + rows):
        for c in range(c0, c0 + cols):
            if label[r, c] >= 0 and spill[label[r, c]] > z[r, c]:
                z[r, c] = spill[label[r, c]]


@numba.njit(cache=True, nogil=True)
def _raise(z: np.ndarray, label: NDArray[np.int32], spill: NDArray[np.float64]) -> None:
    """In place: each labelled cell to its label's spill height where that is higher
    (a height of the DEM, so the cast back to ``z``'s type is exact)."""
    rows, cols = z.shape
    for r in range(rows):
        for c in range(cols):
            if label[r, c] >= 0 and spill[label[r, c]] > z[r, c]:
                z[r, c] = spill[label[r, c]]


# --- stage 2: the graph of labels ---------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _minimax(nodes: int, a: NDArray[np.int64], b: NDArray[np.int64], w: NDArray[np.float64]) -> Any:
    """Priority-Flood over the undirected graph (edges ``a``–``b`` at ``w``) from node 0:
    each node's lowest path height to node 0 (+inf if unreachable)."""
    degree = np.zeros(nodes + 1, dtype=np.int64)
    for j in range(len(a)):
        degree[a[j] + 1] += 1
        degree[b[j] + 1] += 1
    start = np.cumsum(degree)
    fill = start[:-1].copy()
    other = np.empty(2 * len(a), dtype=np.int64)
    weight = np.empty(2 * len(a), dtype=np.float64)
    for j in range(len(a)):
        other[fill[a[j]]] = b[j]
        weight[fill[a[j]]] = w[j]
        fill[a[j]] += 1
        other[fill[b[j]]] = a[j]
        weight[fill[b[j]]] = w[j]
        fill[b[j]] += 1
    spill = np.full(nodes, np.inf)
    done = np.zeros(nodes, dtype=np.bool_)
    spill[0] = -np.inf
    heap = [(-np.inf, np.int64(0))]
    while len(heap) > 0:
        level, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for e in range(start[u], start[u + 1]):
            v = other[e]
            height = max(level, weight[e])
            if height < spill[v]:
                spill[v] = height
                heapq.heappush(heap, (height, v))
    return spill


def _global(label: NDArray[np.int32], offset: int) -> NDArray[np.int64]:
    """Local labels to global ones (0 stays the ocean, -3 nodata stays negative)."""
    out = label.astype(np.int64)
    out[out > 0] += offset - 1
    return out


def join_neighbours(
    p: Any,
    by_index: dict[tuple[int, int], Any],
    side: Callable[[Any, str], tuple[Any, Any]],
    join: Callable[[Any, Any, Any, Any], None],
) -> None:
    """``join`` the sides that tile ``p`` (anything with ``.tile``) faces in its right
    and lower neighbours of ``by_index``, and its lower corner cells with those of its
    diagonal lower neighbours (8-connectivity); ``side(q, name)`` gives the ``"right"``,
    ``"left"``, ``"bottom"`` or ``"top"`` side of ``q`` as two arrays (labels and heights).
    Called for every tile, each pair of facing sides is joined once."""
    i, j = p.tile.index
    if (i, j + 1) in by_index:
        join(*side(p, "right"), *side(by_index[(i, j + 1)], "left"))
    if (i + 1, j) in by_index:
        join(*side(p, "bottom"), *side(by_index[(i + 1, j)], "top"))
    for dj, mine, theirs in ((1, -1, 0), (-1, 0, -1)):  # across the lower corners
        q = by_index.get((i + 1, j + dj))
        if q is not None:
            la, za = side(p, "bottom")
            lb, zb = side(q, "top")
            join(la[mine:][:1], za[mine:][:1], lb[theirs:][:1], zb[theirs:][:1])


def spill_heights(
    perimeters: list[Perimeter],
) -> tuple[NDArray[np.float64], dict[tuple[int, int], int]]:
    """Stage 2: the spill height of every label (index 0 the ocean, -inf) and the first
    global label of each tile (its local label 1)."""
    offsets: dict[tuple[int, int], int] = {}
    nodes = 1
    for p in perimeters:
        offsets[p.tile.index] = nodes
        nodes += p.labels
    by_index = {p.tile.index: p for p in perimeters}
    a: list[NDArray[np.int64]] = []
    b: list[NDArray[np.int64]] = []
    w: list[NDArray[np.float64]] = []

    def side(p: Perimeter, name: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        lab, z = p.sides[name]
        return _global(lab, offsets[p.tile.index]), z

    def join(la: Any, za: Any, lb: Any, zb: Any) -> None:
        """Edges between two facing sides of equal length: each cell and the three cells
        across from it (8-connectivity)."""
        for d in (-1, 0, 1):
            lo, hi = max(0, -d), min(len(la), len(lb) - d)
            if hi <= lo:
                continue
            sa, sb = la[lo:hi], lb[lo + d : hi + d]
            ok = (sa >= 0) & (sb >= 0)
            a.append(sa[ok])
            b.append(sb[ok])
            w.append(np.maximum(za[lo:hi], zb[lo + d : hi + d])[ok])

    for p in perimeters:
        a.append(_global(p.a.astype(np.int32), offsets[p.tile.index]))
        b.append(_global(p.b.astype(np.int32), offsets[p.tile.index]))
        w.append(p.height)
        join_neighbours(p, by_index, side, join)
    spill = _minimax(nodes, np.concatenate(a), np.concatenate(b), np.concatenate(w))
    if np.isposinf(spill).any():  # every watershed touches an outlet or a tile's edge
        raise RuntimeError(  # cannot happen: a bug in ganpo, not in the input
            "a watershed of the tiled pit filling has no path to an outlet; this is a bug "
            "in ganpo, please report it / 分块填洼中有流域无法到达出口，这是 ganpo 的缺陷，请报告"
        )
    return spill, offsets


def _local_spill(spill: NDArray[np.float64], offset: int, labels: int) -> NDArray[np.float64]:
    out = np.empty(labels + 1, dtype=np.float64)
    out[0] = -np.inf
    out[1:] = spill[offset : offset + labels]
    return out


# --- arrays in memory (the same stages, for tests and small rasters) ----------------------


def fill_pits_tiled_array(
    z: NDArray[np.floating[Any]], tile: int | tuple[int, int]
) -> NDArray[np.floating[Any]]:
    """The three stages on an array in memory (NaN = nodata), tile by tile, no dask: a
    new array equal to :func:`ganpo.engine.routing.fill_pits` on ``z``. For tests and
    to show the stages; :func:`fill_pits_tiled` is the one that bounds memory."""
    shape = (z.shape[0], z.shape[1])
    parts = tiles(shape, tile)

    def window(t: Tile) -> NDArray[np.floating[Any]]:
        r0, c0, h, w = t.halo(shape)
        return z[r0 : r0 + h, c0 : c0 + w]

    perimeters = [perimeter(window(t), t, shape) for t in parts]
    spill, offsets = spill_heights(perimeters)
    out = np.empty_like(z)
    for t, p in zip(parts, perimeters, strict=True):
        local = _local_spill(spill, offsets[t.index], p.labels)
        out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = raise_tile(
            window(t), t, shape, local
        )
    return out


def fill_pits_in_place(
    z: NDArray[np.floating[Any]],
    tile: int | tuple[int, int],
    threads: int,
    labels: NDArray[np.int32] | None = None,
) -> None:
    """Fill the pits of ``z`` (NaN = nodata; float32 or float64, C-contiguous) in place,
    by tiles, ``threads`` tiles at a time: bitwise :func:`ganpo.engine.routing.fill_pits`.
    For a raster held whole (the global routing, :func:`ganpo.engine.routing._route`),
    where it uses the second core that the one Priority-Flood leaves idle.

    The three stages of this module with Barnes's "cache" strategy instead of "evict":
    stage 1 writes each tile's local fill into ``z`` and its labels into ``labels``
    (int32, ``z``'s shape; a new array if None: 4 B per cell), so stage 3 raises each
    cell to its label's spill height (:func:`_raise_window`) without flooding the tile
    again. Stage 1 of a tile copies its window with the halo from ``z`` while a
    neighbouring tile's local fill may be written into that halo; a tile's flood reads
    from its halo only whether a cell is nodata, which filling never changes, so no value
    depends on the order in which the threads run. The kernels release the GIL."""
    shape = (z.shape[0], z.shape[1])
    parts = tiles(shape, tile)
    label = np.empty(shape, dtype=np.int32) if labels is None else labels

    def local(t: Tile) -> Perimeter:
        r0, c0, h, w = t.halo(shape)
        zh = np.ascontiguousarray(z[r0 : r0 + h, c0 : c0 + w])  # the kernels' one layout
        flood = _flood(zh, t, shape)
        inner = (slice(t.row0, t.row0 + t.rows), slice(t.col0, t.col0 + t.cols))
        z[inner] = flood[0]
        label[inner] = flood[1]
        return _perimeter_of(t, *flood)

    def raised(p: Perimeter) -> None:
        t = p.tile
        spill_of = _local_spill(spill, offsets[t.index], p.labels)
        _raise_window(z, label, spill_of, t.row0, t.col0, t.rows, t.cols)

    with concurrent.futures.ThreadPoolExecutor(max(1, threads)) as pool:
        perimeters = list(pool.map(local, parts))  # in the order of ``parts``
        spill, offsets = spill_heights(perimeters)
        for _ in pool.map(raised, perimeters):
            pass


# --- files and dask -----------------------------------------------------------------------


def _read_tile(path: Path, tile: Tile, shape: tuple[int, int], dtype: str) -> NDArray[Any]:
    r0, c0, h, w = tile.halo(shape)
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), open_raster(path, "dem") as src:
        window = rasterio.windows.Window(c0, r0, w, h)
        a = read_window(src, path, "dem", window)
        nodata = src.nodata
    z = a.astype(dtype)  # exact: ``dtype`` is the one routing holds this DEM in
    if nodata is not None and not np.isnan(nodata):
        for r in range(0, h, 256):  # compared in float64 as routing does, a strip at once
            strip = a[r : r + 256].astype(np.float64)
            z[r : r + 256][strip == nodata] = np.nan
    return z


def _stage1(path: Path, tile: Tile, shape: tuple[int, int], dtype: str) -> Perimeter:
    return perimeter(_read_tile(path, tile, shape, dtype), tile, shape)


def _stage3(
    path: Path,
    tile: Tile,
    shape: tuple[int, int],
    dtype: str,
    spill: NDArray[np.float64],
    folder: Path,
) -> Path:
    out = raise_tile(_read_tile(path, tile, shape, dtype), tile, shape, spill)
    target = folder / f"tile_{tile.index[0]}_{tile.index[1]}.npy"
    np.save(target, out)
    return target


def filled_profile(profile: dict[str, Any], dtype: str) -> dict[str, Any]:
    """The profile of the filled DEM: the DEM's grid, ``dtype``, NaN nodata, tiled."""
    out = dict(profile)
    out.update(
        driver="GTiff",
        dtype=dtype,
        nodata=float("nan"),
        count=1,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        predictor=3,
        BIGTIFF="IF_SAFER",
    )
    return out


def fill_pits_tiled(
    dem_path: Path,
    target: Path,
    tile: int | tuple[int, int] = 4096,
    *,
    scratch: Path | None = None,
) -> Path:
    """Fill the pits of the DEM at ``dem_path`` in tiles and write the filled DEM to
    ``target`` (GeoTIFF, NaN nodata; float32 for DEMs of 8-/16-bit or float32 type,
    float64 otherwise, as :mod:`ganpo.engine.routing` holds them).

    Stages 1 and 3 are one dask task per tile, run on the current dask scheduler
    (:func:`ganpo.engine.compute.scheduler`); each reads its tile with a one-cell halo
    from ``dem_path`` (so on a cluster the workers must see it). Stage 2 runs here.
    Stage 3's tiles are written to a temporary folder in ``scratch`` (default the
    target's folder, which the workers must see too), then copied into ``target`` one
    at a time; the folder is removed at the end, also on error. ``target`` appears only
    once complete. The result equals :func:`ganpo.engine.routing.fill_pits` on the
    whole DEM, bitwise.
    """
    dem_path, target = Path(dem_path), Path(target)
    shape, _, profile, dtype = _open_dem(dem_path)
    name = str(dtype)
    parts = tiles(shape, tile)
    perimeters = list(
        dask.compute(*[dask.delayed(_stage1)(dem_path, t, shape, name) for t in parts])
    )
    if not any(p.valid for p in perimeters):
        raise InputError(
            en="the DEM has no valid cell", zh="DEM 没有有效像元", source=dem_path, field="nodata"
        )
    spill, offsets = spill_heights(perimeters)
    with scratch_folder(target, scratch, "tiledfill") as folder:
        stage3 = [
            dask.delayed(_stage3)(
                dem_path,
                t,
                shape,
                name,
                _local_spill(spill, offsets[t.index], p.labels),
                folder,
            )
            for t, p in zip(parts, perimeters, strict=True)
        ]
        files = dask.compute(*stage3)
        write_tiles(target, filled_profile(profile, name), parts, list(files))
    return target


@contextlib.contextmanager
def scratch_folder(target: Path, scratch: Path | None, name: str) -> Iterator[Path]:
    """A temporary folder for the tiles' files in ``scratch`` (default ``target``'s
    folder; on a cluster the workers must see it), removed on exit, also on error."""
    parent = Path(scratch) if scratch is not None else target.parent
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".ganpo-{name}-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_tiles(
    target: Path, profile: dict[str, Any], parts: list[Tile], files: list[Path]
) -> None:
    """Copy the tiles saved in ``files`` (``.npy``, one per tile of ``parts``) into the
    GeoTIFF ``target`` of ``profile``, one at a time, deleting each file once copied;
    ``target`` appears only once complete (:func:`ganpo.io.outputs.writing`)."""
    with (
        writing(target, DERIVED_CACHE) as building,
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES),
        rasterio.open(building, "w", **profile) as dst,
    ):
        for t, f in zip(parts, files, strict=True):
            window = rasterio.windows.Window(t.col0, t.row0, t.cols, t.rows)
            dst.write(np.load(f), 1, window=window)
            with contextlib.suppress(OSError):
                Path(f).unlink()
