"""MFD streams and distance to stream for the LS factor and SDR by tiles (issue 19,
point 1; decision 0084). Streams:
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

D_dn, MFD, by tiles: decision 0067's seam with the edges reversed. Routing's
``_distance_at``: ``d(x) = 0`` on a stream cell, else ``Σ p_n·(σ(n) + d(n)) / Σ p_n`` over
x's downstream neighbours ``n`` (4-bit shares ``p_n``) inside the raster whose ``d(n)``
is not NaN, NaN if there is none; ``σ = 1/(W·S) > 0``. So ``d(x)`` is NaN exactly where
no flow path from ``x`` reaches a stream cell (*x does not reach*), and on the cells that
reach, with ``N(x)`` the downstream neighbours that reach and ``q_xn = p_n / Σ_{N(x)} p``,
``f = σ + d`` solves the linear system ``f(x) = σ(x) + [x not stream]·Σ_{n∈N(x)} q_xn·f(n)``:
an accumulation *upstream* (value of ``n`` times ``q_xn`` into ``x``), i.e. the MFD flow
accumulation of the reversed graph with the weights ``q``. Three stages:

R. which cells reach: a search upstream from the stream cells across tiles
   (:func:`reach_seam`, decision 0110). Reaching is a yes or no, so a round passes on
   only the cells newly found to reach, and a tile runs again only when a neighbour
   finds one of its ring cells. It was the same seam as F with every weight 1, counting
   the paths to a stream (≥ 1 exactly where one exists), whose sums kept changing for
   as many rounds as F needs, long after every yes was known;
F. ``f`` on the cells that reach, :func:`transposed_seam` with the weights ``q`` (each
   tile reads *reach* with a two-cell halo: ``q_xn`` for a cell ``x`` of the halo's
   first ring needs its neighbours' *reach*);
D. per tile, routing's own arithmetic (:func:`_dn_tile`, downstream first), with
   ``σ(n) + d(n)`` of a neighbour in another tile taken from F's ``f(n)``.

:func:`transposed_seam` runs :func:`ganpo.engine.tiled_accum.exchange_seam` unchanged
on the reversed edges: the band cells' upstream edges (:func:`_up_edges`) form the seam,
a tile pass (:func:`_up_pass`: the tile's cells downstream first, each pulling
``q·value`` from its downstream neighbours in the tile) hands over what goes upstream
out of the tile, the seam hands over what goes into deep cells; a last pass per tile
(:func:`seam_up_tile`). The pulls and an order of every cell of the tile depend only on
the directions, the streams and *reach*, which F does not change: F makes them in each
tile's first task (:class:`UpPlan`, kept in the tile's files by the account, in memory
by :func:`distance_mfd_tiled_array`) and passes every round along them
(:func:`_up_ordered`, decision 0112), the same sums in the same order, so bitwise the
values of :func:`_up_pass`, which searches a round's cells and orders them again. Its
proof (tiled_accum's docstring: each path prefix counted once, in the pass of its last
run) holds for any DAG and any weights, so for the reversed one.

Bound. Each value is a sum of the same positive terms ``σ(c)·Π q`` over the paths down
from the cell (the exact ``f`` or ``d``), each computed with a relative perturbation:
globally at most ``γ_{10}`` per cell of its path (a sum, a product, up to 7 additions and
a division: ``(1+θ)`` factors compose, Higham 2002 Lemma 3.3); by tiles at most
``γ_{12+2R}`` per cell (the share ``p/total`` rounded, the pull's sum, and up to ``2R``
additions joining a value's parts over the ``R`` seam rounds). Positive terms do not
cancel, so for a cell whose paths to its stream have at most ``L`` cells the tiled and the
global D_dn differ by at most ``γ_{10L} + γ_{(12+2R)L}`` relative (``γ_m = m·u/(1 − m·u)``,
``u = 2⁻⁵³``): 4.7e-12 for ``L = 1000`` and ``R = 10``. Measured: at most 1.2e-15 on the
tests' rasters (rtol 1e-12 asked); NaN (no stream reached) and 0 (a stream cell) exact; a
single tile bitwise (stage D is then routing's arithmetic throughout). F stops once what
its rounds still carry could change no ``f`` by more than ``2u`` of it (decision 0111,
``exchange_seam``'s ``relative``): the shares into a cell sum to 1, so a unit amount adds
at most 1 to any cell, and ``f ≥ σ``, the least of which bounds every value; that adds
``2u`` to the bound (on the tests' rasters the values did not change at all). Like the
forward seam, F holds back the flow into tiles that receive too little to change a value,
within half that bound (decision 0114, ``exchange_seam``'s ``defer``), and counts it in
what it stops with.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from ganpo.engine import routing, tiled_accum
from ganpo.engine.routing import DCOL, DROW
from ganpo.engine.tiled_fill import Tile, tiles

log = logging.getLogger(__name__)

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


# --- D_dn: the distance to stream, MFD, through a transposed seam -------------------------


def halo2(tile: Tile, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """The window with a two-cell halo, cut at the raster's edge: row, col, rows, cols."""
    r0, c0 = max(tile.row0 - 2, 0), max(tile.col0 - 2, 0)
    r1 = min(tile.row0 + tile.rows + 2, shape[0])
    c1 = min(tile.col0 + tile.cols + 2, shape[1])
    return r0, c0, r1 - r0, c1 - c0


@numba.njit(cache=True, nogil=True)
def _pull(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    r: int,
    c: int,
    k: int,
    unit: bool,
) -> float:
    """The weight with which cell (r, c) of the halo arrays takes the value of its
    downstream neighbour ``k``: 0 if none (not routed, a stream cell, no share, the
    neighbour off the raster or not routed; unless ``unit``, either not reaching a
    stream); ``unit``: 1; else its share over the shares of the neighbours reaching a
    stream (routing's ``_distance_at`` normalisation)."""
    hr, hc = vh.shape
    if not vh[r, c] or sh[r, c] == 1:
        return 0.0
    if not unit and not gh[r, c]:
        return 0.0
    d = dh[r, c]
    mine = (d >> (4 * k)) & 15
    if mine == 0:
        return 0.0
    rn, cn = r + DROW[k], c + DCOL[k]
    if rn < 0 or cn < 0 or rn >= hr or cn >= hc or not vh[rn, cn]:
        return 0.0
    if unit:
        return 1.0
    if not gh[rn, cn]:
        return 0.0
    total = 0
    for j in range(8):
        p = (d >> (4 * j)) & 15
        if p == 0:
            continue
        ra, ca = r + DROW[j], c + DCOL[j]
        if ra < 0 or ca < 0 or ra >= hr or ca >= hc or not vh[ra, ca] or not gh[ra, ca]:
            continue
        total += p
    return np.float64(mine) / np.float64(total)


@numba.njit(cache=True, nogil=True)
def _tile_pulls(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    i0: int,
    j0: int,
    rows: int,
    cols: int,
    unit: bool,
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """:func:`_pull` of every tile cell toward its neighbours in the tile, kept in two
    bytes a cell: bit ``k`` of ``pulls`` set where the pull toward neighbour ``k`` is > 0,
    and ``total`` the cell's sum of shares toward the neighbours reaching a stream (the
    pull is then ``share / total``, as :func:`_pull` divides it; 1 with ``unit``). The
    normalisation is summed once per cell instead of once per pull."""
    hr, hc = vh.shape
    pulls = np.zeros(rows * cols, dtype=np.uint8)
    total = np.zeros(rows * cols, dtype=np.uint8)
    for r in range(rows):
        for c in range(cols):
            rh, ch = r + i0, c + j0
            if not vh[rh, ch] or sh[rh, ch] == 1:
                continue
            if not unit and not gh[rh, ch]:
                continue
            d = dh[rh, ch]
            bits = 0
            t = 0
            for k in range(8):
                p = (d >> (4 * k)) & 15
                if p == 0:
                    continue
                ra, ca = rh + DROW[k], ch + DCOL[k]
                if ra < 0 or ca < 0 or ra >= hr or ca >= hc or not vh[ra, ca]:
                    continue
                if not unit and not gh[ra, ca]:
                    continue
                t += p  # _pull's total: every neighbour that counts, in the tile or not
                rn, cn = r + DROW[k], c + DCOL[k]
                if 0 <= rn < rows and 0 <= cn < cols:
                    bits |= 1 << k
            pulls[r * cols + c] = bits
            total[r * cols + c] = t
    return pulls, total


@numba.njit(cache=True, nogil=True)
def _upstream(
    pulls: NDArray[np.uint8], rows: int, cols: int, start: NDArray[np.bool_]
) -> NDArray[np.bool_]:
    """The tile's cells (linear, ``rows × cols``) from which a path of pulls
    (:func:`_tile_pulls`: bit ``k`` of a cell's byte, a pull from its neighbour ``k``)
    leads to a ``start`` cell, the ``start`` cells included: depth-first from them, each
    cell stacked once."""
    n = rows * cols
    hit = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for x in range(n):
        if start[x] and not hit[x]:
            hit[x] = True
            stack[top] = x
            top += 1
            while top > 0:
                top -= 1
                y = stack[top]
                r, c = y // cols, y % cols
                for k in range(8):
                    ru, cu = r + DROW[k], c + DCOL[k]
                    if not (0 <= ru < rows and 0 <= cu < cols):
                        continue
                    u = ru * cols + cu
                    if not hit[u] and (pulls[u] >> ((k + 4) % 8)) & 1:
                        hit[u] = True
                        stack[top] = u
                        top += 1
    return hit


@numba.njit(cache=True, nogil=True)
def _reach_pass(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    i0: int,
    j0: int,
    rows: int,
    cols: int,
    seeds: NDArray[np.int64],
) -> NDArray[np.bool_]:
    """The tile's cells (linear) with a path inside the tile to one of its stream cells
    or to a cell of ``seeds`` (tile-local linear indices of cells known to reach a stream
    through other tiles). A path goes from a routed cell that is not a stream cell to a
    routed downstream neighbour with a share (:func:`_pull` with ``unit``)."""
    pulls, _ = _tile_pulls(dh, vh, vh, sh, i0, j0, rows, cols, True)
    start = np.zeros(rows * cols, dtype=np.bool_)
    for r in range(rows):
        for c in range(cols):
            if vh[r + i0, c + j0] and sh[r + i0, c + j0] == 1:
                start[r * cols + c] = True
    for x in seeds:
        start[x] = True
    return _upstream(pulls, rows, cols, start)


@numba.njit(cache=True, nogil=True)
def _up_pass(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    i0: int,
    j0: int,
    seed: NDArray[np.float64],
) -> tuple[NDArray[np.float64], bool]:
    """The tile's values carried upstream: ``v(x) = seed(x) + Σ_k pull(x, k)·v(n_k)``
    (:func:`_pull`'s normalised shares) over x's downstream neighbours in the tile,
    downstream first (:func:`_up_order` over the cells computed, then
    :func:`_up_ordered`). The tile at ``i0``, ``j0`` in the halo arrays. False if a
    cycle leaves cells undone.

    Only the cells upstream of a seeded cell (``seed ≠ 0``, NaN included) are computed:
    any other cell's value is exactly 0 (no seed, and every downstream value 0). A seam
    round seeds a few cells next to the band, so its pass costs their upstream cells,
    not the tile. The sums are those of :func:`_pull`'s weights in the same order (a
    term ``pull·0`` adds +0), so the values are bitwise those of a pass over every
    cell. A cycle is found among the cells computed; one among cells that no seed
    reaches would give zeros, and is found by the stage's first pass, which seeds
    every cell that has a value of its own."""
    rows, cols = seed.shape
    pulls, total = _tile_pulls(dh, vh, gh, sh, i0, j0, rows, cols, False)
    hit = _upstream(pulls, rows, cols, seed.reshape(-1) != 0.0)
    order, ok = _up_order(pulls, rows, cols, hit)
    val = np.zeros(seed.shape, dtype=np.float64)
    return _up_ordered(dh, i0, j0, pulls, total, order, seed, val), ok


@numba.njit(cache=True, nogil=True)
def _up_order(
    pulls: NDArray[np.uint8], rows: int, cols: int, among: NDArray[np.bool_]
) -> tuple[NDArray[np.int32], bool]:
    """The tile's cells (linear, ``rows × cols``) that ``among`` marks, in an order in
    which each comes after every marked neighbour in the tile it pulls from
    (:func:`_tile_pulls`' bits): Kahn's order on the neighbours still to wait for. False
    if a cycle leaves marked cells out (the order then holds those it reached)."""
    n = rows * cols
    wait = np.zeros(n, dtype=np.int32)
    todo = 0
    for x in range(n):
        if not among[x]:
            continue
        todo += 1
        r, c = x // cols, x % cols
        for k in range(8):
            if (pulls[x] >> k) & 1 and among[(r + DROW[k]) * cols + c + DCOL[k]]:
                wait[x] += 1
    order = np.empty(todo, dtype=np.int32)
    stack = np.empty(todo, dtype=np.int32)
    top = 0
    for x in range(n - 1, -1, -1):
        if among[x] and wait[x] == 0:
            stack[top] = x
            top += 1
    m = 0
    while top > 0:
        top -= 1
        x = stack[top]
        order[m] = x
        m += 1
        r, c = x // cols, x % cols
        for k in range(8):  # upstream neighbours: one downstream cell fewer to wait for
            ru, cu = r + DROW[k], c + DCOL[k]
            if not (0 <= ru < rows and 0 <= cu < cols):
                continue
            y = ru * cols + cu
            if among[y] and (pulls[y] >> ((k + 4) % 8)) & 1:
                wait[y] -= 1
                if wait[y] == 0:
                    stack[top] = y
                    top += 1
    return order[:m], m == todo


@numba.njit(cache=True, nogil=True)
def _up_ordered(
    dh: NDArray[np.uint32],
    i0: int,
    j0: int,
    pulls: NDArray[np.uint8],
    total: NDArray[np.uint8],
    order: NDArray[np.int32],
    seed: NDArray[np.float64],
    val: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The tile's values carried upstream (:func:`_up_pass`) along ``order``
    (:func:`_up_order`), into ``val`` (zeros of the tile's shape, returned): each cell of
    it its seed plus, over k = 0…7, ``pull·value`` of its downstream neighbours in the
    tile; the cells not in it 0. Along a tile's kept order of every cell (an
    :class:`UpPlan`) a round needs no search for the cells it reaches and no order of
    its own: the same sums, their terms in the same order, so bitwise the same values (a
    cell that no seed reaches sums zeros: +0). ``val`` comes from the caller, as
    :func:`ganpo.engine.tiled_accum._accumulate_ordered`'s ``acc`` does (decision 0113):
    allocated by numpy, a large array gets huge pages."""
    cols = seed.shape[1]
    flat = seed.reshape(-1)
    for x in order:
        r, c = x // cols, x % cols
        v = flat[x]
        bits = pulls[x]
        if bits:
            d = dh[r + i0, c + j0]
            for k in range(8):
                if (bits >> k) & 1:
                    q = np.float64((d >> (4 * k)) & 15) / np.float64(total[x])
                    v += q * val[r + DROW[k], c + DCOL[k]]
        val[r, c] = v
    return val


@numba.njit(cache=True, nogil=True)
def _up_edges(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    i0: int,
    j0: int,
    rows: int,
    cols: int,
    band: int,
    leaving: bool,
    unit: bool,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """The upstream edges out of the tile's cells: with ``leaving``, those
    leaving the tile (to a cell outside it); else every edge out of a band cell (closer
    than ``band`` to the tile's edge). Each as source (tile-local), target (row, column in
    the halo arrays) and weight (:func:`_pull` of the target)."""
    hr, hc = vh.shape
    width = 1 if leaving else band
    m_max = 8 * (rows * cols - max(rows - 2 * width, 0) * max(cols - 2 * width, 0))
    src = np.empty(m_max, dtype=np.int64)
    tr = np.empty(m_max, dtype=np.int64)
    tc = np.empty(m_max, dtype=np.int64)
    w = np.empty(m_max, dtype=np.float64)
    m = 0
    for r in range(rows):
        for c in range(cols):
            edge = min(r, c, rows - 1 - r, cols - 1 - c)
            if edge >= width:
                continue
            if not vh[r + i0, c + j0]:
                continue
            for k in range(8):
                ru, cu = r + i0 + DROW[k], c + j0 + DCOL[k]
                if ru < 0 or cu < 0 or ru >= hr or cu >= hc:
                    continue
                inside = 0 <= ru - i0 < rows and 0 <= cu - j0 < cols
                if leaving and inside:
                    continue
                q = _pull(dh, vh, gh, sh, ru, cu, (k + 4) % 8, unit)
                if q > 0.0:
                    src[m] = r * cols + c
                    tr[m] = ru
                    tc[m] = cu
                    w[m] = q
                    m += 1
    return src[:m], tr[:m], tc[:m], w[:m]


@numba.njit(cache=True, nogil=True)
def _dn_tile(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    i0: int,
    j0: int,
    sigma: NDArray[np.float64],
    fh: NDArray[np.float64],
) -> tuple[NDArray[np.float64], bool]:
    """The tile's MFD distance to stream, downstream first, with routing's
    ``_distance_at`` arithmetic: ``Σ p·(σ(n) + d(n)) / Σ p`` over the downstream
    neighbours reaching a stream; for a neighbour outside the tile, ``σ(n) + d(n)`` is
    ``fh`` (its value from the seam) and whether it reaches a stream ``gh``. False if a
    cycle leaves cells undone."""
    rows, cols = sigma.shape
    hr, hc = vh.shape
    n = rows * cols
    wait = np.zeros(n, dtype=np.int32)
    dist = np.full((rows, cols), np.nan)
    for r in range(rows):
        for c in range(cols):
            if not vh[r + i0, c + j0]:
                continue
            d = dh[r + i0, c + j0]
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if (d >> (4 * k)) & 15 == 0 or not (0 <= rn < rows and 0 <= cn < cols):
                    continue
                if vh[rn + i0, cn + j0]:
                    wait[r * cols + c] += 1
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for x in range(n - 1, -1, -1):
        if wait[x] == 0:
            stack[top] = x
            top += 1
    done = 0
    while top > 0:
        top -= 1
        x = stack[top]
        done += 1
        r, c = x // cols, x % cols
        rh, ch = r + i0, c + j0
        if not vh[rh, ch]:
            continue
        if sh[rh, ch] == 1:
            dist[r, c] = 0.0
        else:
            d = dh[rh, ch]
            total, weighted = 0.0, 0.0
            for k in range(8):
                share = (d >> (4 * k)) & 15
                if share == 0:
                    continue
                rn, cn = r + DROW[k], c + DCOL[k]
                ra, ca = rn + i0, cn + j0
                if ra < 0 or ca < 0 or ra >= hr or ca >= hc or not vh[ra, ca]:
                    continue
                if 0 <= rn < rows and 0 <= cn < cols:
                    if np.isnan(dist[rn, cn]):
                        continue
                    term = sigma[rn, cn] + dist[rn, cn]
                else:
                    if not gh[ra, ca]:
                        continue
                    term = fh[ra, ca]
                total += share
                weighted += share * term
            if total > 0.0:
                dist[r, c] = weighted / total
        for k in range(8):  # upstream neighbours in the tile: one cell fewer to wait for
            ru, cu = r + DROW[k], c + DCOL[k]
            if not (0 <= ru < rows and 0 <= cu < cols) or not vh[ru + i0, cu + j0]:
                continue
            if (dh[ru + i0, cu + j0] >> (4 * ((k + 4) % 8))) & 15 != 0:
                y = ru * cols + cu
                wait[y] -= 1
                if wait[y] == 0:
                    stack[top] = y
                    top += 1
    return dist, done == n


@dataclass(frozen=True)
class Halo2:
    """A tile's inputs for D_dn with a two-cell halo: MFD directions ``dh``, routed cells
    ``vh``, cells reaching a stream ``gh`` (all True before it is known), streams ``sh``
    (1 stream, else 0); the tile at ``i0``, ``j0`` in them; the window's origin."""

    dh: NDArray[np.uint32]
    vh: NDArray[np.bool_]
    gh: NDArray[np.bool_]
    sh: NDArray[np.uint8]
    i0: int
    j0: int
    r0: int
    c0: int
    plan: UpPlan | None = None


@dataclass(frozen=True)
class UpPlan:
    """What the transposed seam's tile passes share, kept once per tile: the pulls and
    their totals (:func:`_tile_pulls`, normalised) and an order of all the tile's cells
    in which each follows the cells it pulls from (:func:`_up_order`)."""

    pulls: NDArray[np.uint8]
    total: NDArray[np.uint8]
    order: NDArray[np.int32]


def up_plan(h: Halo2, tile: Tile) -> UpPlan | None:
    """The tile's :class:`UpPlan` for the distance's normalised pulls (cells reaching a
    stream ``h.gh``), or None if a cycle leaves cells out of the order (the passes
    without a plan then report it)."""
    pulls, total = _tile_pulls(h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, tile.rows, tile.cols, False)
    order, ok = _up_order(pulls, tile.rows, tile.cols, np.ones(tile.rows * tile.cols, np.bool_))
    return UpPlan(pulls, total, order) if ok else None


def planned(read: Callable[[Tile], Halo2]) -> Callable[[Tile], Halo2]:
    """``read`` with each tile's :class:`UpPlan`, made on the tile's first read and kept
    in memory (for the arrays in memory; the account keeps its plans in files)."""
    plans: dict[tuple[int, int], UpPlan | None] = {}

    def read_planned(tile: Tile) -> Halo2:
        h = read(tile)
        if tile.index not in plans:
            plans[tile.index] = up_plan(h, tile)
        return replace(h, plan=plans[tile.index])

    return read_planned


def _cycle(tile: Tile) -> None:
    tiled_accum._cycle(tiled_accum._where(tile))


def _tile_pass(
    h: Halo2, tile: Tile, shape: tuple[int, int], seed: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]]:
    """A tile pass of the transposed seam: the values from ``seed``, and what leaves the
    tile (targets raster-wide, amounts)."""
    if h.plan is not None:
        p = h.plan
        val = _up_ordered(h.dh, h.i0, h.j0, p.pulls, p.total, p.order, seed, np.zeros(seed.shape))
    else:
        val, ok = _up_pass(h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, seed)
        if not ok:
            _cycle(tile)
    src, tr, tc, w = _up_edges(
        h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, tile.rows, tile.cols, 1, True, False
    )
    dst = (tr + h.r0) * shape[1] + (tc + h.c0)
    return val, dst, val.reshape(-1)[src] * w


def seam_up_flow(
    h: Halo2,
    tile: Tile,
    shape: tuple[int, int],
    seed: NDArray[np.float64],
    first: bool,
    band: int,
) -> tiled_accum.SeamFlow:
    """A tile task of the transposed seam (decision 0067's seam with the edges reversed:
    values go upstream): the tile pass from ``seed`` on its deep cells, and with
    ``first`` (``seed`` the cells' own values) the band cells, their seeds and their
    upstream edges, and the least seed of a cell that reaches (``floor``: 0 if one is
    < 0 or NaN)."""
    deep = np.where(tiled_accum._band_mask(tile.rows, tile.cols, band), 0.0, seed)
    _, out_dst, out_amount = _tile_pass(h, tile, shape, deep)
    cols = shape[1]
    v = h.vh[h.i0 : h.i0 + tile.rows, h.j0 : h.j0 + tile.cols]
    empty = np.empty(0, dtype=np.int64)
    cells, src, dst, share = empty, empty, empty, np.empty(0, dtype=np.float64)
    weight = np.empty(0, dtype=np.float64)
    floor = 0.0
    if first:
        # the cells that can hold a value: routed and reaching (a pull needs both ends
        # reaching); f ≥ its own seed there when no seed is < 0
        floor = tiled_accum.least_weight(
            seed, v & h.gh[h.i0 : h.i0 + tile.rows, h.j0 : h.j0 + tile.cols]
        )
        mask = tiled_accum._band_mask(tile.rows, tile.cols, band) & v
        local = np.flatnonzero(mask)
        cells = tiled_accum._to_global(local, tile, cols)
        weight = seed.reshape(-1)[local]
        s, tr, tc, share = _up_edges(
            h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, tile.rows, tile.cols, band, False, False
        )
        src = tiled_accum._to_global(s, tile, cols)
        dst = (tr + h.r0) * cols + (tc + h.c0)
    return tiled_accum.SeamFlow(
        tile, out_dst, out_amount, cells, weight, src, dst, share, bool(v.any()), floor
    )


def seam_up_tile(
    h: Halo2,
    tile: Tile,
    shape: tuple[int, int],
    seed: NDArray[np.float64],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    band_values: tuple[NDArray[np.int64], NDArray[np.float64]],
    band: int,
) -> NDArray[np.float64]:
    """The transposed seam's last pass: the tile from its deep cells' seeds and all their
    inflow from the band, plus, on the band cells, their sums along the seam."""
    deep = np.where(tiled_accum._band_mask(tile.rows, tile.cols, band), 0.0, seed)
    deep.reshape(-1)[inflow[0]] += inflow[1]
    val, _, _ = _tile_pass(h, tile, shape, deep)
    val.reshape(-1)[band_values[0]] += band_values[1]
    return val


def _seed(tile: Tile, inflow: tuple[NDArray[np.int64], NDArray[np.float64]]) -> Any:
    seed = np.zeros((tile.rows, tile.cols))
    seed.reshape(-1)[inflow[0]] = inflow[1]
    return seed


def _last_up(
    read: Callable[[Tile], Halo2],
    own: Callable[[Tile], NDArray[np.float64]],
    finish: Callable[[Tile, NDArray[np.float64]], Any] | None,
    tile: Tile,
    shape: tuple[int, int],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    band_values: tuple[NDArray[np.int64], NDArray[np.float64]],
    band: int,
) -> Any:
    val = seam_up_tile(read(tile), tile, shape, own(tile), inflow, band_values, band)
    return val if finish is None else finish(tile, val)


def transposed_seam(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    read: Callable[[Tile], Halo2],
    own: Callable[[Tile], NDArray[np.float64]],
    run: tiled_accum.Runner,
    band: int,
    finish: Callable[[Tile, NDArray[np.float64]], Any] | None = None,
    relative: float = tiled_accum.SEAM_RELATIVE,
) -> tuple[dict[tuple[int, int], Any], int]:
    """The values carried upstream by tiles with the distance's normalised shares
    (:func:`_pull`; stage F of the module docstring), each cell seeded with
    ``own(tile)``: per tile its values, and the rounds (seam passes).
    :func:`ganpo.engine.tiled_accum.exchange_seam` on the reversed edges, then a last
    pass per tile, whose values go to ``finish(tile, values)`` in the task if given (its
    result is then the tile's). The seam stops when what is left to pass on could change
    no value by more than ``relative`` of it (0: only when nothing is left; decision
    0111); the shares into a cell sum to 1, as ``exchange_seam`` asks."""
    sx = tiled_accum.exchange_seam(
        parts,
        shape,
        tile_shape,
        lambda t: seam_up_flow(read(t), t, shape, own(t), True, band),
        lambda t, g: seam_up_flow(read(t), t, shape, _seed(t, g), False, band),
        run,
        relative,
    )
    none = (np.empty(0, dtype=np.int64), np.empty(0))
    vals = run(
        [
            (
                _last_up,
                (
                    read,
                    own,
                    finish,
                    t,
                    shape,
                    sx.inflow.get(t.index, none),
                    sx.band.get(t.index, none),
                    band,
                ),
            )
            for t in parts
        ]
    )
    return {t.index: v for t, v in zip(parts, vals, strict=True)}, sx.rounds


@dataclass(frozen=True)
class Reached:
    """A tile's task of :func:`reach_seam`: the cells of the tile's outer ring that reach
    a stream (tile-local linear indices), the cells outside the tile that reach one
    through it (raster-wide linear indices, those with a share into a reaching cell of
    the tile), and ``finish``'s result."""

    ring: NDArray[np.int64]
    out: NDArray[np.int64]
    result: Any


def reach_tile(
    h: Halo2, tile: Tile, shape: tuple[int, int], seeds: NDArray[np.int64]
) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.int64]]:
    """Which cells of the tile reach a stream through it (:func:`_reach_pass`, seeded
    with ``seeds``), the ones of them on the outer ring, and the cells outside the tile
    that reach a stream through them."""
    hit = _reach_pass(h.dh, h.vh, h.sh, h.i0, h.j0, tile.rows, tile.cols, seeds)
    src, tr, tc, _ = _up_edges(
        h.dh, h.vh, h.vh, h.sh, h.i0, h.j0, tile.rows, tile.cols, 1, True, True
    )
    through = hit[src]
    out = np.unique((tr[through] + h.r0) * shape[1] + (tc[through] + h.c0))
    ring = np.flatnonzero(hit & tiled_accum._band_mask(tile.rows, tile.cols, 1).reshape(-1))
    return hit.reshape(tile.rows, tile.cols), ring, out


def _reach_task(
    read: Callable[[Tile], Halo2],
    finish: Callable[[Tile, NDArray[np.bool_]], Any] | None,
    tile: Tile,
    shape: tuple[int, int],
    seeds: NDArray[np.int64],
) -> Reached:
    hit, ring, out = reach_tile(read(tile), tile, shape, seeds)
    return Reached(ring, out, hit if finish is None else finish(tile, hit))


def reach_seam(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    read: Callable[[Tile], Halo2],
    run: tiled_accum.Runner,
    finish: Callable[[Tile, NDArray[np.bool_]], Any] | None = None,
) -> tuple[dict[tuple[int, int], Any], int]:
    """Which cells reach a stream cell, by tiles: per tile a boolean array (or
    ``finish(tile, reach)``'s result, in the task), and the rounds. Stage R of the module
    docstring as a search, not a sum: reaching is a yes or no, so a round passes only
    what is new.

    Round 1 runs every tile: the cells with a path inside the tile to a stream cell of
    the tile (:func:`reach_tile`). Each task returns the cells of the neighbouring tiles
    with a share into a reaching cell of its outer ring; these reach a stream too. The
    client keeps, per tile, the ring cells known to reach; a round runs again, with all
    its seeds so far, each tile that one of those cells reached and that did not know
    it. It ends when no tile learns a new cell.

    Exact: a reaching cell ``x`` has a path to a stream cell; walk it back from the
    stream cell, which its tile's first task finds. Each next cell up the path is
    found by the same tile's search if it lies in that tile. Otherwise it is a target
    of an edge out of that tile's ring, so it becomes a seed of its own tile. Every seed
    and every cell found reaches a stream, so nothing else is found. A tile runs again
    only when it learns a ring cell, so at most once per ring cell, and usually a few
    times (measured at the Jiangxi size in decision 0110)."""
    empty = np.empty(0, dtype=np.int64)
    seeds: dict[tuple[int, int], NDArray[np.int64]] = {}
    known: dict[tuple[int, int], NDArray[np.int64]] = {}
    results: dict[tuple[int, int], Any] = {}
    todo = list(parts)
    rounds = passes = 0
    t0 = time.perf_counter()
    while todo:
        passes += len(todo)
        got = run(
            [(_reach_task, (read, finish, t, shape, seeds.get(t.index, empty))) for t in todo]
        )
        rounds += 1
        for t, r in zip(todo, got, strict=True):
            known[t.index] = r.ring
            results[t.index] = r.result
        cells = np.unique(np.concatenate([r.out for r in got]))
        groups = tiled_accum._by_tile(cells, np.zeros(len(cells)), parts, shape, tile_shape)
        todo = []
        for t in parts:
            if t.index not in groups:
                continue
            new = np.setdiff1d(groups[t.index][0], known[t.index], assume_unique=True)
            if len(new):
                seeds[t.index] = np.union1d(seeds.get(t.index, empty), new)
                known[t.index] = np.union1d(known[t.index], new)
                todo.append(t)
        log.debug("reach by tiles: round %d, %d tiles to run again", rounds, len(todo))
    log.info(
        "which cells reach a stream, over %d tiles: %d rounds, %d tile passes, %d seeds, in %.1f s",
        len(parts),
        rounds,
        passes,
        sum(len(v) for v in seeds.values()),
        time.perf_counter() - t0,
    )
    return results, rounds


def halo_of_arrays(
    directions: NDArray[np.uint32],
    valid: NDArray[np.bool_],
    reach: NDArray[np.bool_],
    stream: NDArray[np.uint8],
    tile: Tile,
) -> Halo2:
    """A tile's :class:`Halo2` cut from whole arrays (``stream`` 1 on stream cells, else
    0), for the arrays in memory."""
    shape = (directions.shape[0], directions.shape[1])
    r0, c0, h, w = halo2(tile, shape)

    def cut(a: NDArray[Any]) -> Any:
        return np.ascontiguousarray(a[r0 : r0 + h, c0 : c0 + w])

    return Halo2(
        cut(directions),
        cut(valid),
        cut(reach),
        cut(stream),
        tile.row0 - r0,
        tile.col0 - c0,
        r0,
        c0,
    )


def distance_mfd_tiled_array(
    directions: NDArray[np.uint32],
    stream: NDArray[np.uint8],
    sigma: NDArray[np.float64],
    tile: int | tuple[int, int],
    band: int = tiled_accum.SEAM_BAND,
    relative: float = tiled_accum.SEAM_RELATIVE,
) -> tuple[NDArray[np.float64], int, int]:
    """The MFD distance to stream by tiles, equal within float64 rounding to
    :func:`ganpo.engine.routing.distance_to_stream` ``(directions, stream, sigma)``
    (``stream`` 1/0, 255 off the routed cells; ``sigma`` each cell's step, 1/(W·S) in
    the SDR). Returns D_dn and the rounds of the search (which cells reach a stream)
    and of the seam (the distances; ``relative``: :func:`transposed_seam`'s). In
    memory, for tests: the rings of the neighbouring tiles' results that a tile reads
    are cut from whole arrays here."""
    shape = (directions.shape[0], directions.shape[1])
    if stream.shape != shape or sigma.shape != shape:
        raise ValueError(f"directions, stream and sigma differ in shape: {shape}")
    valid = stream != 255
    is_stream = (stream == 1).astype(np.uint8)
    parts = tiles(shape, tile)
    tile_shape = tiled_accum._tile_shape(tile)

    def cut(a: NDArray[Any], t: Tile) -> Any:
        r0, c0, h, w = halo2(t, shape)
        return np.ascontiguousarray(a[r0 : r0 + h, c0 : c0 + w])

    def inside(a: NDArray[Any], t: Tile) -> Any:
        return np.ascontiguousarray(a[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols])

    def reader(reach: NDArray[np.bool_]) -> Callable[[Tile], Halo2]:
        return partial(halo_of_arrays, directions, valid, reach, is_stream)

    def run(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        return [f(*args) for f, args in calls]

    # which cells reach a stream: a search upstream from the stream cells
    reach_vals, rounds_r = reach_seam(parts, shape, tile_shape, reader(valid), run)
    reach = np.zeros(shape, dtype=bool)
    for t in parts:
        reach[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = reach_vals[t.index]
    reach &= valid
    # f = σ + d: each cell's own step, carried upstream with the normalised shares
    f_vals, rounds_f = transposed_seam(
        parts,
        shape,
        tile_shape,
        planned(reader(reach)),
        lambda t: np.where(inside(reach, t), inside(sigma, t), 0.0),
        run,
        band,
        relative=relative,
    )
    f = np.full(shape, np.nan)
    for t in parts:
        block = f_vals[t.index]
        f[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = np.where(
            inside(reach, t), block, np.nan
        )
    read = reader(reach)
    out = np.empty(shape, dtype=np.float64)
    for t in parts:
        h = read(t)
        d, ok = _dn_tile(h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, inside(sigma, t), cut(f, t))
        if not ok:
            _cycle(t)
        out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = d
    return out, rounds_r, rounds_f
