"""MFD streams for the LS factor and SDR by tiles (issue 19, point 1; decision 0084):
each tile's task reads its tile of the MFD flow accumulation and directions (with a
one-cell halo), the client decides the streams on the cells that can be stream, bitwise
:func:`ganpo.engine.routing.extract_streams` (``_streams_mfd``) of the same accumulation.

The global rule (pygeoprocessing's ``extract_streams_mfd`` with InVEST's trace proportion
0.7, routing's ``_streams_mfd``): the cells are scanned in raster order; a cell with
``acc ≥ threshold`` whose flow leaves the raster or enters nodata (an *outlet*) starts a
breadth-first search upstream (first in, first out; neighbours in the order 0–7 of
DROW/DCOL): a neighbour draining into the cell taken is marked stream (1) if ``acc ≥
threshold``, a *candidate* (2) if ``acc ≥ 0.7·threshold``, and both are searched further;
when a cell is marked stream, the candidates downstream of it (through candidates)
become stream. Candidates left at the end are not stream.

Why reachability is not enough. Whether a candidate becomes stream depends on the
*order* of the search, not only on what is reachable: a candidate ``z`` lying
downstream of a stream cell ``y`` is converted only if ``z`` was marked before ``y``;
if ``y`` is found first (its back search sees no candidate yet) and ``z`` later (from
another neighbour; ``y``, already stream, is not searched again), ``z`` stays a
candidate and ends as 0. Both happen on ordinary MFD terrain (a side cell beside a
channel, with ``0.7·threshold ≤ acc < threshold``, found one breadth-first layer before
or after the channel cell above it); ``tests/engine/test_tiled_sdr_mfd.py`` shows a
raster where the rule "a candidate with a stream cell upstream through candidates is
stream" differs from the global streams. An exchange of reachability flags through the
tile edges would reproduce that rule, not the global streams; the order of a
breadth-first search is global (its layers run across the tiles), so it is replayed.

How. The search only ever marks, enqueues or reads the cells with ``acc ≥
0.7·threshold`` (*the candidate set*, H): a cell below it is never marked, and the
outlets and the stream cells are in H. So:

1. per tile (a dask task): the cells of H in the tile (raster-wide linear indices, in
   raster order), their accumulation, their packed MFD directions and whether each is
   an outlet (a share to a cell off the raster or not routed: the halo gives the
   neighbours the global test reads);
2. in the client: the global search replayed on H alone, the cells in raster order (the
   scan), a neighbour found by binary search in H's sorted indices (not in H: below the
   trace threshold, so the global search does nothing with it either), the queues first
   in, first out, each cell enqueued at most once: the same marks in the same order as
   the global search, hence bitwise the same streams;
3. each tile's stream cells (tile-local linear indices) go back to its tasks.

Cost. A task reads its tile with the halo (float64 accumulation, uint32 directions, the
mask: 13 B per cell) and returns ~21 B per cell of H. The client holds H: index (8 B),
accumulation (8 B), directions (4 B), outlet and state (2 B) and two queues (16 B): about
40 B per cell of H. H is a small fraction of the raster (the cells draining at least
0.7·threshold cells); its size, not the tile's, bounds the client (measured in decision
0084).

Given the accumulation, the streams are bitwise the global ones. The MFD accumulation
by tiles (:mod:`ganpo.engine.tiled_accum`, decision 0067) is within float64 rounding of
the global one: a cell whose accumulation lies within that rounding of ``threshold`` or
``0.7·threshold`` could fall on the other side (the accumulation is a sum of products of
shares ``k/total``, not an integer, in MFD).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from ganpo.engine import routing, tiled_accum
from ganpo.engine.routing import DCOL, DROW
from ganpo.engine.tiled_fill import Tile, tiles

#: InVEST SDR's trace proportion for MFD streams (routing's)
TRACE = routing.STREAM_TRACE_PROPORTION


# --- one tile -----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _candidates(
    acc: NDArray[np.float64],
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    r0: int,
    c0: int,
    threshold: float,
    trace: float,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """The tile's cells with ``acc ≥ trace`` (tile-local linear indices, raster order)
    and, for each, whether it is an outlet: ``acc ≥ threshold`` and a share to a cell off
    the raster or not routed (the tile at ``r0``, ``c0`` in the halo arrays ``dh``,
    ``vh``), as routing's ``_streams_mfd`` tests it."""
    rows, cols = acc.shape
    hr, hc = vh.shape
    cells = np.empty(rows * cols, dtype=np.int64)
    outlet = np.zeros(rows * cols, dtype=np.bool_)
    m = 0
    for r in range(rows):
        for c in range(cols):
            a = acc[r, c]
            if np.isnan(a) or not a >= trace:
                continue
            cells[m] = r * cols + c
            if a >= threshold:
                d = dh[r + r0, c + c0]
                for k in range(8):
                    if (d >> (4 * k)) & 15 == 0:
                        continue
                    rn, cn = r + r0 + DROW[k], c + c0 + DCOL[k]
                    if rn < 0 or cn < 0 or rn >= hr or cn >= hc or not vh[rn, cn]:
                        outlet[m] = True
                        break
            m += 1
    return cells[:m], outlet[:m]


@dataclass(frozen=True)
class Candidates:
    """A tile's cells of the candidate set: raster-wide linear indices (raster order
    within the tile), accumulation, packed MFD directions, outlet flags."""

    cells: NDArray[np.int64]
    acc: NDArray[np.float64]
    packed: NDArray[np.uint32]
    outlet: NDArray[np.bool_]


def candidates(
    acc: NDArray[np.float64],
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    threshold: float,
) -> Candidates:
    """Step 1 for one tile: ``acc`` the tile's accumulation, ``dh`` and ``vh`` its MFD
    directions and routed cells with the one-cell halo."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    a = np.ascontiguousarray(acc, dtype=np.float64)
    local, outlet = _candidates(a, dh, vh, i0, j0, float(threshold), TRACE * float(threshold))
    rr, cc = local // tile.cols, local % tile.cols
    packed = dh[rr + i0, cc + j0].astype(np.uint32)
    cells = tiled_accum._to_global(local, tile, shape[1])
    return Candidates(cells, a.reshape(-1)[local], packed, outlet)


# --- in the client --------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _find(cells: NDArray[np.int64], g: int) -> int:
    """The position of ``g`` in the sorted ``cells``, -1 if absent."""
    lo, hi = 0, len(cells)
    while lo < hi:
        mid = (lo + hi) // 2
        if cells[mid] < g:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(cells) and cells[lo] == g:
        return lo
    return -1


@numba.njit(cache=True, nogil=True)
def _streams_sparse(
    cells: NDArray[np.int64],
    acc: NDArray[np.float64],
    packed: NDArray[np.uint32],
    outlet: NDArray[np.bool_],
    rows: int,
    cols: int,
    threshold: float,
) -> NDArray[np.uint8]:
    """Routing's ``_streams_mfd`` replayed on the candidate set (``cells`` sorted,
    raster-wide linear indices of a ``rows`` × ``cols`` raster): 1 for a stream cell, else
    0, per cell of the set. The same scan, searches and marks in the same order."""
    n = len(cells)
    state = np.zeros(n, dtype=np.uint8)  # 0: not marked; 1: stream; 2: candidate
    queue = np.empty(n, dtype=np.int64)
    back = np.empty(n, dtype=np.int64)
    for h0 in range(n):  # the scan, in raster order
        if state[h0] != 0 or not acc[h0] >= threshold or not outlet[h0]:
            continue
        state[h0] = 1
        queue[0] = h0
        head, tail = 0, 1
        while head < tail:  # breadth-first upstream from the outlet
            h = queue[head]
            head += 1
            r, c = cells[h] // cols, cells[h] % cols
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if rn < 0 or cn < 0 or rn >= rows or cn >= cols:
                    continue
                u = _find(cells, rn * cols + cn)
                if u < 0:  # below the trace threshold or not routed: never marked
                    continue
                into = (k + 4) % 8
                if (packed[u] >> (4 * into)) & 15 == 0:
                    continue
                if state[u] == 1 or state[u] == 2:
                    continue
                if acc[u] >= threshold:
                    state[u] = 1
                    queue[tail] = u
                    tail += 1
                    back[0] = u  # candidates downstream of a stream cell become stream
                    b_head, b_tail = 0, 1
                    while b_head < b_tail:
                        j = back[b_head]
                        b_head += 1
                        rb, cb = cells[j] // cols, cells[j] % cols
                        for m in range(8):
                            if (packed[j] >> (4 * m)) & 15 == 0:
                                continue
                            rs, cs = rb + DROW[m], cb + DCOL[m]
                            if rs < 0 or cs < 0 or rs >= rows or cs >= cols:
                                continue
                            v = _find(cells, rs * cols + cs)
                            if v >= 0 and state[v] == 2:
                                state[v] = 1
                                back[b_tail] = v
                                b_tail += 1
                else:  # acc ≥ trace: in the set
                    state[u] = 2
                    queue[tail] = u
                    tail += 1
    out = np.zeros(n, dtype=np.uint8)
    for h in range(n):
        if state[h] == 1:
            out[h] = 1
    return out


def stream_cells(
    found: list[Candidates], shape: tuple[int, int], threshold: float
) -> NDArray[np.int64]:
    """Step 2: the stream cells (raster-wide linear indices, sorted) from the tiles'
    candidate sets."""
    if not found:
        return np.empty(0, dtype=np.int64)
    cells = np.concatenate([f.cells for f in found])
    order = np.argsort(cells, kind="stable")
    cells = cells[order]
    acc = np.concatenate([f.acc for f in found])[order]
    packed = np.concatenate([f.packed for f in found])[order]
    outlet = np.concatenate([f.outlet for f in found])[order]
    mark = _streams_sparse(cells, acc, packed, outlet, shape[0], shape[1], float(threshold))
    return cells[mark == 1]


def streams_by_tile(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    step1: Callable[[Tile], Candidates],
    run: tiled_accum.Runner,
    threshold: float,
) -> dict[tuple[int, int], NDArray[np.int64]]:
    """Steps 1–3: each tile's stream cells (tile-local linear indices)."""
    found: list[Candidates] = run([(step1, (t,)) for t in parts])
    cells = stream_cells(found, shape, threshold)
    groups = tiled_accum._by_tile(cells, np.zeros(len(cells)), parts, shape, tile_shape)
    return {key: local for key, (local, _) in groups.items()}


# --- arrays in memory (for tests and to show the stages) ----------------------------------


def streams_mfd_tiled_array(
    acc: NDArray[np.float64],
    directions: NDArray[np.uint32],
    tile: int | tuple[int, int],
    threshold: float,
) -> NDArray[np.uint8]:
    """The MFD streams of the accumulation ``acc`` [cells] (NaN off the routed cells)
    and the MFD ``directions``, by tiles: each tile reads only its tile and halo; equal
    (bitwise) to :func:`ganpo.engine.routing.extract_streams` of the same arrays (1
    stream, 0 not, 255 where ``acc`` is NaN)."""
    if directions.dtype != np.uint32:
        raise ValueError(f"MFD directions are uint32, not {directions.dtype}")
    shape = (acc.shape[0], acc.shape[1])
    if directions.shape != shape:
        raise ValueError(f"acc and directions differ in shape: {shape}, {directions.shape}")
    valid = ~np.isnan(acc)
    parts = tiles(shape, tile)

    def step1(t: Tile) -> Candidates:
        r0, c0, h, w = t.halo(shape)  # copies, C-contiguous, as a file's window is
        dh = np.ascontiguousarray(directions[r0 : r0 + h, c0 : c0 + w])
        vh = np.ascontiguousarray(valid[r0 : r0 + h, c0 : c0 + w])
        own = np.ascontiguousarray(acc[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols])
        return candidates(own, dh, vh, t, shape, threshold)

    def run(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        return [f(*args) for f, args in calls]

    by_tile = streams_by_tile(parts, shape, tiled_accum._tile_shape(tile), step1, run, threshold)
    out = np.where(valid, np.uint8(0), np.uint8(255)).astype(np.uint8)
    for t in parts:
        block = out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols]
        local = by_tile.get(t.index)
        if local is not None:
            block[local // t.cols, local % t.cols] = 1
    return out
