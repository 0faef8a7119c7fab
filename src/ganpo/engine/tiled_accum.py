"""Flow accumulation in tiles with boundary exchange: each tile is a dask task whose
memory is bounded by the tile, not the raster (issue 19, point 1; docs/decisions/0059,
and 0067 for MFD).

Input: a flow-direction raster as :mod:`ganpo.engine.routing` computes it, D8 (uint8,
codes 0–7 in the order DROW/DCOL, any other code: no direction) or MFD (uint32, eight
4-bit shares), and a mask of the routed cells; optionally a weight per cell. The result
is :func:`ganpo.engine.routing.flow_accumulation` of the whole raster (each cell counts
its weight, 1 by default, plus what flows in; flow leaving the raster or into a cell not
routed is lost; NaN off the mask).

D8 follows the three stages of Barnes (2017), "Parallel non-divergent flow accumulation
for trillion cell digital elevation models on desktops or clusters", Environmental
Modelling & Software 92, 202–212, doi:10.1016/j.envsoft.2017.02.022 (arXiv:1608.04431;
only its abstract was readable here, so the stages below were derived, and their
exactness is proven after them):

1. per tile (a dask task): the tile's accumulation ``L`` with nothing flowing in from
   outside (routing's own ``_accumulate`` on the tile alone, whose flow leaving the tile
   is dropped); for each *exit* cell ``y`` (a cell whose direction leaves the tile into
   a routed cell ``t(y)`` of another tile) the pair ``y → t(y)`` and ``L(y)``; for each
   perimeter cell ``p`` its *link* ``l(p)``: the last cell of its flow path inside the
   tile, if that is an exit cell, else none (the path ends at a cell without direction,
   at nodata or at the raster's edge). The paths are followed once, each cell's link
   memoised, so the task is linear in the tile.
2. in the client: the graph whose nodes are the exit cells, with an edge
   ``y → l(t(y))`` (the flow that leaves at ``y`` enters the next tile at ``t(y)`` and
   follows its path there to the exit ``l(t(y))``). It is a DAG because the cell graph
   is one; in topological order ``A(x) = L(x) + Σ_{y: l(t(y)) = x} A(y)``, and each
   entry cell ``e`` receives ``I(e) = Σ_{y: t(y) = e} A(y)``.
3. per tile (a dask task): the tile accumulated again (Barnes's "evict" strategy:
   nothing is kept between stages) with the weight of each entry cell raised by
   ``I(e)``, and written to its own file; the client copies the tiles into the target.

Why it is exact. Accumulation is linear in the weights: ``acc = Σ_c w(c)·P(c → x)``,
with ``P`` the fraction of ``c``'s flow that reaches ``x`` (in D8 0 or 1). Split each
path at the tile edges: the part of ``acc(x)`` from cells outside ``x``'s tile enters
through the entry cells, so ``acc(x) = L(x) + Σ_e I(e)·P_tile(e → x)``, which is what
stage 3 computes, provided ``I(e)`` is the true inflow. In D8 the true outflow of an
exit ``x`` is ``acc(x) = L(x) + Σ_{e: l(e) = x} I(e)`` (in D8 an entry's flow passes
``x`` only if its in-tile path ends there), which is stage 2's recurrence. With unit
weights every sum is an integer below 2⁵³, so the result is bitwise the global one; with
real weights only the order of the float64 additions differs (the relative error is
bounded by the number of cells on the path times the float64 unit roundoff, 1.1e-16).

MFD (not in Barnes 2017, whose method is D8 only; decision 0067): flow splits, so an
entry's inflow reaches many exits and the link graph does not exist. Decision 0059 ran
*rounds* of edge inflow (each round a pass over the tiles that received flow across
their edges), exact but with one round per crossing of a tile edge, and MFD flow that
runs along an edge crosses it at nearly every cell: 660 rounds and 100 s at 500² in
2 × 2 tiles. Instead, a **seam** held by the client: the *band* of each tile, its cells
closer than ``k`` cells (:data:`SEAM_BAND`, 8) to the tile's edge; the other cells of a
tile are its *deep* cells. Split the shares (edges of the flow graph) into three kinds:
*cross* (between two tiles; both ends are band cells), *band* (in a tile, band cell to
band cell) and *deep* (in a tile, with a deep end). Give each prefix of a flow path a
*state*: it starts in S at a band cell and in T at a deep cell; a cross share sets S, a
deep share sets T, a band share keeps the state. Then

- a **seam pass** (client) accumulates the S states: the seam's cells with its cross
  and band shares (a sub-DAG of the cell DAG: one topological pass, Kahn's order on the
  seam's in-degrees, found once), seeded with the band cells' weights (first pass) or
  the flow that tile passes sent across tile edges; what it sends along deep shares
  (band → deep in a tile) seeds the next tile pass;
- a **tile pass** (dask task) accumulates the T states: routing's ``_accumulate`` on the
  whole tile (every in-tile share), seeded with the deep cells' weights (first pass) or
  the seam's flow into deep cells, the band cells seeded 0; what leaves the tile (cross
  shares) seeds the next seam pass.

The first tile pass, then seam pass, tile pass, … until a pass sends nothing; a last
tile pass per tile from all its deep seeds gives the tile's T sums, and each band cell
adds its S sums from the seam.

Several accumulations over the same directions (the SDR's A, W and S) share one seam
(decision 0109): each band cell and each flow across an edge carries one amount per
accumulation, and a round passes over a tile when any of them reaches it. With weights
that are nowhere 0 (the SDR's: 1, W ≥ 0.001, S ≥ 0.005) the rounds depend on the
directions only, so the shared seam needs the rounds of one accumulation where three
seams needed three times as many, and a round's tile pass follows the cells once for
all three. An accumulation that does not reach a cell adds exact zeros there.

A round's tile pass needs an order in which each cell comes after the cells that send
it a share. It depends on the directions only, so the account's seam (tiled_sdr) makes
it once per tile, in the tile's first task (:func:`forward_order`: Kahn's order over
every routed cell), keeps it in the tile's files and passes each round's seeds along it
(:func:`_accumulate_ordered`, decision 0112) instead of searching for the cells the
seeds reach and counting their inflows again (:func:`_accumulate_seeded`). The sums are
routing's terms in the kept order, within the bound below like any order.

Why it is exact. ``acc(x) = Σ_c w(c)·Σ_{paths c → x} Π shares`` (linearity). Each path
prefix has exactly one state sequence (the rule above is deterministic), and each
pass sums exactly the prefixes whose last maximal run of one state is its own: the seam
pass extends S runs by cross and band shares and hands over at deep shares, the tile
pass extends T runs by in-tile shares (band and deep) and hands over at cross shares.
So every path prefix is counted once, in the pass of its last run, and ``acc(x)`` is
the sum of x's values over all passes: for a deep cell only T runs reach it (the share
into it is deep), for a band cell T and S runs. The seam pass and the tile pass are
routing's own sums ``acc(y) += acc(x)·share`` on other groupings of the same terms, so
the result equals the global accumulation within float64 rounding: each cell's value
is a sum of the same products in another order and association, relative error at most
about (number of additions on a path) × 1.1e-16 (1.7e-15 measured at 500²; the tests
ask 1e-12).

Rounds (seam passes). A pass's flow has switched T → S once more than the previous
pass's, so the rounds are at most 1 + the most S → T switches on a flow path. Within
one visit of a path to a tile (no cross share) the state switches to T at most once;
between two switches the path goes from a deep cell (≥ ``k`` cells from its tile's
edge) to the edge, across it, and into a deep cell again: ≥ ``2k + 1`` shares, since a
step changes the distance to the edge by at most 1. So **rounds ≤ 2 + (L − 1) //
(2k + 1)** with L the most shares on a flow path, and ≤ 1 + the tiles a path visits; a
path that zigzags along a tile edge stays in the seam however often it crosses (2
rounds for 64 crossings in the tests). A tile narrower than ``2k`` is all band: tiles of
1 or 2 cells work, their whole area in the seam. Measured on the benchmark's landscape:
40 rounds at 500² in 2 × 2 tiles (4.6 s), against 660 rounds of decision 0059 (100 s)
and 0.1 s globally (docs/benchmarks.md); the rounds left are MFD flow leaving the seam
for deep cells and coming back, which a wider band reduces at the cost of the client's
memory.

Stopping at rounding (decision 0111). MFD splits flow at every cell, so the flow that
takes many rounds (a path leaving the band and coming back many times) is the product
of many shares: at the Jiangxi size the amounts a round passes on shrink about tenfold
a round after the first twenty, and the seam ran 166 rounds until they were exactly 0,
the last hundred and twenty changing no sum beyond float64 rounding. The SDR's seam
(``relative`` of :func:`exchange_seam`, :data:`SEAM_RELATIVE`) stops once the amounts
still to pass on, summed, are at most one float64 rounding of the least weight of a
routed cell: a unit amount adds at most 1 to any cell (the fraction of it that passes
there), and every sum is at least its own weight, so no sum changes by more than that
fraction of itself. The bound asks weights > 0 on every routed cell (the SDR's 1, W the
cover factor and S ≥ 0.005); a weight of 0, < 0 or NaN, a NaN or infinite amount, and
the other seams (``relative`` 0) keep every round.

Holding back what cannot matter (decision 0114). Most of a late round's tasks passed
over tiles that had received next to nothing: at the Jiangxi size, in the forward
seam's last round 35 tiles were passed over and 26 of them had received less than
10⁻⁶ of what the tile receiving most had (2.7·10⁻¹⁸), one 10⁻¹¹⁴ in all. A round task
costs a pass over most of its tile whatever it carries. The seam that stops at rounding
therefore holds back the flow into the tiles receiving least, as long as all it holds
back sums to at most half the bound (:data:`SEAM_DEFER`; each round the held and the new
flow are chosen again, smallest first), and counts it in what is left when it stops:
the bound above holds as it did, since held back flow adds at most its sum to any value,
like the flow the seam stops with. The flow into a tile's deep cells still goes to the
tile's last pass, so a held back amount is missing only from what the tile would have
passed on across its edges.

D8 costs two passes over each tile (stages 1 and 3; stage 2 handles only exits and
links); MFD two plus one per round for the tiles whose deep cells received flow and
that the seam does not hold back (decision 0114). Memory
of a task, for a tile of ``n`` cells: the directions with a one-cell halo (1 B D8, 4 B
MFD), the mask (1 B), routing's state counters (1 B), the weights and the accumulation
(float64, 16 B), and for D8's links two int32 arrays (8 B): about 27 B per cell (D8)
and 22 B (MFD), plus ``_accumulate``'s stack; an MFD task returns its band (``≈ 4·k·side``
cells) with up to 8 shares each. The client holds for D8 the exits and links, a few
tens of bytes per perimeter cell, ``4·side`` per tile; for MFD the seam: per band cell
its index (8 B) and per accumulation its weight, value and sum (24 B) and per share a
source, target and share (24 B, about 3 shares per cell in MFD), about 110 B per band
cell for one accumulation and 160 B for the SDR's three (A, W and S share one seam,
decision 0109), ``4·k·side`` band cells per tile: 14 MiB per tile of 4096² with ``k`` =
8 and one accumulation; building the seam from the tasks' results
peaks higher (measured: the caller grew 149 MiB for 2.6·10⁵ band cells at 2000² in
tiles of 512, about 600 B per band cell). Over a whole raster the seam is the fraction
``≈ 4k/side`` of its cells: 0.8 % with tiles of 4096² and ``k`` = 8.

Directions with a cycle (never produced by routing) are refused: the global routine
would leave the cells of a cycle unaccumulated instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import dask
import numba
import numpy as np
import rasterio
import rasterio.windows
from numpy.typing import NDArray

from ganpo.engine import routing  # its kernels through the module: warmup finds each once
from ganpo.engine.routing import DCOL, DONE, DROW, GDAL_CACHE_BYTES
from ganpo.engine.tiled_fill import Tile, filled_profile, scratch_folder, tiles, write_tiles
from ganpo.errors import InputError
from ganpo.io.raster_files import open_raster, read_window

log = logging.getLogger(__name__)
#: the seam's rounds between two progress lines in the log (INFO)
ROUNDS_LOGGED = 50

#: nodata of a direction raster written by :func:`write_directions`: not a D8 code (0–7)
#: nor routing's "no direction" (255, a routed cell that drains nowhere), and, for MFD, not
#: a packing routing makes (its eight shares sum to about 15, never 8 × 15)
D8_NODATA = 254
MFD_NODATA = 0xFFFFFFFF
#: MFD: the width of each tile's band along its edges that the seam holds [cells]
SEAM_BAND = 8

#: the MFD seams of the SDR stop once what they still have to pass on could change no
#: value by more than this fraction of it: one float64 rounding (decision 0111)
SEAM_RELATIVE = float(np.finfo(np.float64).eps)
#: a seam that stops at rounding (``relative`` > 0) holds back the round's flow into the
#: tiles that receive least, as long as what it holds back sums to at most this fraction
#: of its bound; the others are passed over (decision 0114)
SEAM_DEFER = 0.5

_UNKNOWN = -2  # link not followed yet
_NONE = -1  # the path ends inside the tile (no direction, nodata, the raster's edge)


# --- one tile ----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _perimeter(rows: int, cols: int) -> NDArray[np.int64]:
    """The perimeter cells of a tile of ``rows`` × ``cols`` as tile-local linear indices
    ``r·cols + c``, each once, row by row and from left to right within a row."""
    cells = np.empty(2 * (rows + cols), dtype=np.int64)
    m = 0
    for r in range(rows):
        if r == 0 or r == rows - 1:
            for c in range(cols):
                cells[m] = r * cols + c
                m += 1
        else:
            cells[m] = r * cols
            m += 1
            if cols > 1:
                cells[m] = r * cols + cols - 1
                m += 1
    return cells[:m]


@numba.njit(cache=True, nogil=True)
def _outflows(
    dh: np.ndarray,
    vh: NDArray[np.bool_],
    r0: int,
    c0: int,
    rows: int,
    cols: int,
    acc: NDArray[np.float64],
    mfd: bool,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """What leaves the tile of ``rows`` × ``cols`` cells (its place in the halo arrays
    ``dh``, ``vh``: rows and columns from ``r0``, ``c0``) into routed cells outside it,
    ``acc`` its accumulations (one row per cell in raster order, one column per
    accumulation): for each such flow the exit cell (tile-local linear index), the
    target (row, column in the halo) and the amounts ``acc·share`` (a row)."""
    hr, hc = vh.shape
    n_acc = acc.shape[1]
    n_max = 5 * (2 * (rows + cols)) + 8
    src = np.empty(n_max, dtype=np.int64)
    tr = np.empty(n_max, dtype=np.int64)
    tc = np.empty(n_max, dtype=np.int64)
    amount = np.empty((n_max, n_acc), dtype=np.float64)
    n = 0
    for x in _perimeter(rows, cols):
        r, c = x // cols, x % cols
        if not vh[r + r0, c + c0]:
            continue
        d = dh[r + r0, c + c0]
        total = 0
        if mfd:
            for j in range(8):
                total += (d >> (4 * j)) & 15
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if 0 <= rn < rows and 0 <= cn < cols:
                continue  # inside the tile
            rh, ch = rn + r0, cn + c0
            if rh < 0 or ch < 0 or rh >= hr or ch >= hc or not vh[rh, ch]:
                continue  # off the raster or into nodata: lost, as globally
            if mfd:
                mine = (d >> (4 * k)) & 15
                s = mine / total if total > 0 else 0.0
            else:
                s = 1.0 if d == k else 0.0
            if s > 0.0:
                src[n] = x
                tr[n] = rh
                tc[n] = ch
                for j in range(n_acc):
                    amount[n, j] = acc[x, j] * s
                n += 1
    return src[:n], tr[:n], tc[:n], amount[:n]


@numba.njit(cache=True, nogil=True)
def _links(
    dh: NDArray[np.uint8], vh: NDArray[np.bool_], r0: int, c0: int, rows: int, cols: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], bool]:
    """D8: each perimeter cell (tile-local linear index) and its link, the exit cell its
    path inside the tile ends at (-1: none); False if a path runs in a cycle."""
    hr, hc = vh.shape
    link = np.full(rows * cols, _UNKNOWN, dtype=np.int32)
    path = np.empty(rows * cols, dtype=np.int32)
    cells = np.empty(2 * (rows + cols), dtype=np.int64)
    out = np.empty(2 * (rows + cols), dtype=np.int64)
    m = 0
    for start in _perimeter(rows, cols):
        x = start
        n = 0
        end = _UNKNOWN
        if not vh[x // cols + r0, x % cols + c0]:
            end = _NONE
        while end == _UNKNOWN:
            if link[x] != _UNKNOWN:
                end = link[x]
                break
            if n == rows * cols:
                return cells[:m], out[:m], False
            path[n] = x
            n += 1
            rx, cx = x // cols, x % cols
            k = dh[rx + r0, cx + c0]
            if k > 7:
                end = _NONE
                break
            rn, cn = rx + DROW[k], cx + DCOL[k]
            rh, ch = rn + r0, cn + c0
            if rh < 0 or ch < 0 or rh >= hr or ch >= hc or not vh[rh, ch]:
                end = _NONE
            elif rn < 0 or cn < 0 or rn >= rows or cn >= cols:
                end = x  # leaves the tile into a routed cell: x is an exit
            else:
                x = rn * cols + cn
        for j in range(n):
            link[path[j]] = end
        cells[m] = start
        out[m] = end
        m += 1
    return cells[:m], out[:m], True


def _accumulate_tile(
    d: NDArray[Any], valid: NDArray[np.bool_], seed: NDArray[np.float64], mfd: bool, where: str
) -> NDArray[np.float64]:
    """Routing's accumulation of the tile alone, each cell starting from ``seed``."""
    state = routing._state_from_mask(valid)
    routing._count_degrees(d, state, mfd)
    acc = np.empty(d.shape, dtype=np.float64)
    routing._accumulate(d, state, mfd, acc, seed, True, False, seed, seed, routing._NO_ORDER)
    if ((state & 15) != DONE)[valid].any():
        _cycle(where)
    return acc


@numba.njit(cache=True, nogil=True)
def _accumulate_seeded(
    d: NDArray[np.uint32],
    valid: NDArray[np.bool_],
    idx: NDArray[np.int64],
    seed: NDArray[np.float64],
) -> tuple[NDArray[np.float64], bool]:
    """MFD accumulation of the tile alone from the seeds ``seed`` on its cells ``idx``
    (tile-local linear indices, each once; one row of ``seed`` per cell, one column per
    accumulation: the seam carries A, W and S together), computed only on the routed
    cells downstream of a seeded cell (a seed ≠ 0 in any column, NaN included). Returns
    one row per cell of the tile in raster order, 0 on the rows not computed. A seam
    round seeds a few cells next to the band, so its pass costs the cells downstream of
    them, not the tile: a depth-first search from the seeds finds them
    (:func:`_downstream`), Kahn's order over them (:func:`_forward_order`) passes each
    on once all its inflow has arrived, adding ``value·share`` (routing's share,
    :func:`ganpo.engine.routing._share`) to each routed neighbour in the tile, as
    routing's own traversal does (:func:`_accumulate_ordered`). The sums are routing's
    terms in another order than :func:`_accumulate_tile`'s traversal, so they may differ
    from it in the last bits (within the bound of the module docstring, which holds for
    any order of the additions); the stage's first pass and the last pass per tile,
    whose values are the result, stay :func:`_accumulate_tile`. False if a cycle leaves
    seeded cells undone."""
    order, ok = _forward_order(d, _downstream(d, valid, idx, seed))
    acc = np.zeros((d.size, seed.shape[1]), dtype=np.float64)
    return _accumulate_ordered(d, valid, order, idx, seed, acc), ok


@numba.njit(cache=True, nogil=True)
def _downstream(
    d: NDArray[np.uint32],
    valid: NDArray[np.bool_],
    idx: NDArray[np.int64],
    seed: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """The routed cells of the tile downstream of a seeded cell (:func:`_accumulate_seeded`'s
    ``idx`` and ``seed``; a seed ≠ 0 in any column, NaN included), the seeded cells
    included: depth-first along the shares, each cell stacked once."""
    rows, cols = d.shape
    hit = np.zeros((rows, cols), dtype=np.bool_)
    stack = np.empty(rows * cols, dtype=np.int64)
    for i in range(len(idx)):
        x = idx[i]
        r, c = x // cols, x % cols
        if not valid[r, c] or hit[r, c]:
            continue
        seeded = False
        for j in range(seed.shape[1]):
            if seed[i, j] != 0.0:
                seeded = True
        if not seeded:
            continue
        hit[r, c] = True
        stack[0] = x
        top = 1
        while top > 0:
            top -= 1
            y = stack[top]
            ry, cy = y // cols, y % cols
            dy = d[ry, cy]
            for k in range(8):
                if (dy >> (4 * k)) & 15 == 0:
                    continue
                rn, cn = ry + DROW[k], cy + DCOL[k]
                if 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn] and not hit[rn, cn]:
                    hit[rn, cn] = True
                    stack[top] = rn * cols + cn
                    top += 1
    return hit


@numba.njit(cache=True, nogil=True)
def _forward_order(
    d: NDArray[np.uint32], valid: NDArray[np.bool_]
) -> tuple[NDArray[np.int32], bool]:
    """The tile's cells that ``valid`` marks (linear; routed, or those a round reaches)
    in an order in which each comes after every marked neighbour in the tile that sends
    it a share: Kahn's order. False if a cycle leaves marked cells out (the order then
    holds those it reached)."""
    rows, cols = d.shape
    n = rows * cols
    wait = np.zeros(n, dtype=np.int32)
    routed = 0
    for x in range(n):
        r, c = x // cols, x % cols
        if not valid[r, c]:
            continue
        routed += 1
        dx = d[r, c]
        for k in range(8):
            if (dx >> (4 * k)) & 15 == 0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                wait[rn * cols + cn] += 1
    order = np.empty(routed, dtype=np.int32)
    stack = np.empty(routed, dtype=np.int32)
    top = 0
    for x in range(n - 1, -1, -1):
        if valid[x // cols, x % cols] and wait[x] == 0:
            stack[top] = x
            top += 1
    m = 0
    while top > 0:
        top -= 1
        x = stack[top]
        order[m] = x
        m += 1
        r, c = x // cols, x % cols
        dx = d[r, c]
        for k in range(8):
            if (dx >> (4 * k)) & 15 == 0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                u = rn * cols + cn
                wait[u] -= 1
                if wait[u] == 0:
                    stack[top] = u
                    top += 1
    return order[:m], m == routed


@numba.njit(cache=True, nogil=True)
def _accumulate_ordered(
    d: NDArray[np.uint32],
    valid: NDArray[np.bool_],
    order: NDArray[np.int32],
    idx: NDArray[np.int64],
    seed: NDArray[np.float64],
    acc: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The tile accumulated from ``seed`` on its cells ``idx`` (as
    :func:`_accumulate_seeded` takes them) along ``order`` (:func:`_forward_order`),
    into ``acc`` (zeros, one row per cell of the tile in raster order, one column per
    accumulation; returned): each cell of it whose row is not all 0 (NaN included)
    passes ``value·share`` on to its routed neighbours in the tile. Along a tile's kept
    order of every routed cell a round needs no search for the cells it reaches and no
    order of its own (decision 0112). The terms each cell sums are routing's, added in
    the order given; another order may change the last bits (within the bound of the
    module docstring, which holds for any order of the additions).

    ``acc`` comes from the caller (decision 0113): numpy asks the kernel for huge pages
    for a large array, where an array numba allocates here faults in every 4 KiB page of
    it as the pass first writes there, about a third of a round's pass on a tile of
    2048². A byte per cell, set where a term arrived, skips the cells the seeds do not
    reach without reading their rows of ``acc``, which do not stay in the cache."""
    rows, cols = d.shape
    ch = seed.shape[1]
    hit = np.zeros(rows * cols, dtype=np.bool_)
    for i in range(len(idx)):
        x = idx[i]
        if valid[x // cols, x % cols]:
            hit[x] = True
            for j in range(ch):
                acc[x, j] = seed[i, j]
    for x in order:
        if not hit[x]:
            continue
        live = False
        for j in range(ch):
            if acc[x, j] != 0.0:
                live = True
        if not live:
            continue
        r, c = x // cols, x % cols
        dx = d[r, c]
        total = routing._share_total(dx, True)
        for k in range(8):
            s = routing._share(dx, k, True, total)
            if s == 0.0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn]:
                u = rn * cols + cn
                hit[u] = True
                for j in range(ch):
                    acc[u, j] += acc[x, j] * s
    return acc


def forward_order(
    dh: NDArray[np.uint32], vh: NDArray[np.bool_], tile: Tile, shape: tuple[int, int]
) -> NDArray[np.int32] | None:
    """The order the rounds of the MFD seam pass the tile's cells in (:func:`seam_round`),
    from the tile read with its halo; None if a cycle leaves cells out (the passes
    without an order report it)."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    d = np.ascontiguousarray(dh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    v = np.ascontiguousarray(vh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    order, ok = _forward_order(d, v)
    return order if ok else None


def _cycle(where: str) -> None:
    raise InputError(
        en=f"the flow directions run in a cycle ({where}); they are not the directions of a "
        "pit-filled DEM. Compute them with ganpo's routing",
        zh=f"流向存在环路（{where}），不是填洼后 DEM 的流向：请用 ganpo 的汇流计算重新生成",
        field="directions",
        values=[where],
    )


@dataclass(frozen=True)
class TileFlow:
    """What a tile's task returns: the flows leaving it (exit cell, target cell, both as
    raster-wide linear indices, and amount) and, for D8 in stage 1, its perimeter cells
    and their links (raster-wide linear indices, -1: none)."""

    tile: Tile
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    amount: NDArray[np.float64]
    perimeter: NDArray[np.int64]
    link: NDArray[np.int64]
    valid: bool


def _where(tile: Tile) -> str:
    return f"tile at row {tile.row0}, column {tile.col0} / 分块第 {tile.row0} 行、第 {tile.col0} 列"


def tile_flow(
    dh: NDArray[Any],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    seed: NDArray[np.float64],
    links: bool,
) -> TileFlow:
    """Stage 1 (``seed`` the weights, ``links`` for D8) or MFD's tile pass (``seed`` on
    the deep cells, :func:`seam_flow`) on the tile read with its halo (``dh`` directions,
    ``vh`` routed cells): the accumulation's flow leaving the tile."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    d = np.ascontiguousarray(dh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    v = np.ascontiguousarray(vh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    mfd = dh.dtype == np.uint32
    acc = _accumulate_tile(d, v, seed, mfd, _where(tile))
    src, tr, tc, amount = _outflows(dh, vh, i0, j0, tile.rows, tile.cols, acc.reshape(-1, 1), mfd)
    cols = shape[1]
    src_g = _to_global(src, tile, cols)
    dst_g = (tr + r0) * cols + (tc + c0)
    perimeter = link = np.empty(0, dtype=np.int64)
    if links:
        cells, ends, ok = _links(dh, vh, i0, j0, tile.rows, tile.cols)
        if not ok:
            _cycle(_where(tile))
        perimeter = _to_global(cells, tile, cols)
        link = np.where(ends >= 0, _to_global(ends, tile, cols), -1)
    return TileFlow(tile, src_g, dst_g, amount[:, 0], perimeter, link, bool(v.any()))


def _to_global(local: NDArray[np.int64], tile: Tile, cols: int) -> NDArray[np.int64]:
    return (local // tile.cols + tile.row0) * cols + local % tile.cols + tile.col0


def accumulate_tile(
    dh: NDArray[Any],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    weights: NDArray[np.float64],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
) -> NDArray[np.float64]:
    """Stage 3: the tile's accumulation, the weights of its entry cells (tile-local
    linear indices) raised by their inflows."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    d = np.ascontiguousarray(dh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    v = np.ascontiguousarray(vh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    seed = np.array(weights, dtype=np.float64, order="C", copy=True)
    idx, amount = inflow
    seed.reshape(-1)[idx] += amount
    return _accumulate_tile(d, v, seed, dh.dtype == np.uint32, _where(tile))


# --- stage 2: across the tiles -----------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _solve_links(
    amount: NDArray[np.float64], nxt: NDArray[np.int64]
) -> tuple[NDArray[np.float64], bool]:
    """``A(x) = L(x) + Σ_{y: nxt[y] = x} A(y)`` over the forest of exits (``nxt`` -1:
    none), upstream first (Kahn's order); False if it has a cycle."""
    n = len(amount)
    indeg = np.zeros(n, dtype=np.int64)
    for y in range(n):
        if nxt[y] >= 0:
            indeg[nxt[y]] += 1
    out = amount.copy()
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for y in range(n):
        if indeg[y] == 0:
            stack[top] = y
            top += 1
    done = 0
    while top > 0:
        top -= 1
        y = stack[top]
        done += 1
        x = nxt[y]
        if x >= 0:
            out[x] += out[y]
            indeg[x] -= 1
            if indeg[x] == 0:
                stack[top] = x
                top += 1
    return out, done == n


def _sum_by(dst: NDArray[np.int64], amount: NDArray[np.float64]) -> Any:
    """The distinct targets and their summed amounts (in a fixed order: reproducible)."""
    order = np.argsort(dst, kind="stable")
    d, a = dst[order], amount[order]
    cells, first = np.unique(d, return_index=True)
    if len(d) == 0:
        return cells, np.empty(amount.shape, dtype=np.float64)
    return cells, np.add.reduceat(a, first)


def _by_tile(
    cells: NDArray[np.int64],
    amount: NDArray[np.float64],
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
) -> dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]]:
    """Cells (raster-wide) and amounts grouped by tile, as tile-local linear indices."""
    rows, cols = cells // shape[1], cells % shape[1]
    ti, tj = rows // tile_shape[0], cols // tile_shape[1]
    by_index = {t.index: t for t in parts}
    out: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
    key = ti * (shape[1] // tile_shape[1] + 1) + tj
    order = np.argsort(key, kind="stable")
    bounds = np.flatnonzero(np.diff(key[order])) + 1
    for group in np.split(order, bounds):
        if len(group) == 0:
            continue
        t = by_index[(int(ti[group[0]]), int(tj[group[0]]))]
        local = (rows[group] - t.row0) * t.cols + cols[group] - t.col0
        out[t.index] = (local, amount[group])
    return out


def inflows_d8(flows: list[TileFlow]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Stage 2 (D8): every entry cell and its inflow (raster-wide linear indices)."""
    src = np.concatenate([f.src for f in flows])
    dst = np.concatenate([f.dst for f in flows])
    local = np.concatenate([f.amount for f in flows])
    perim = np.concatenate([f.perimeter for f in flows])
    link = np.concatenate([f.link for f in flows])
    order = np.argsort(perim)
    perim, link = perim[order], link[order]
    # the exit each flow reaches next: the link of the cell it enters
    nxt_cell = link[np.searchsorted(perim, dst)] if len(dst) else dst
    by_src = np.argsort(src)
    nxt = np.full(len(src), -1, dtype=np.int64)
    has = nxt_cell >= 0
    nxt[has] = by_src[np.minimum(np.searchsorted(src[by_src], nxt_cell[has]), len(src) - 1)]
    if not np.array_equal(src[nxt[has]], nxt_cell[has]):  # every link is an exit
        raise RuntimeError(  # cannot happen: a bug in ganpo, not in the input
            "a link of the tiled flow accumulation is not an exit; this is a bug in ganpo, "
            "please report it / 分块汇流累积的链接不是出流像元，这是 ganpo 的缺陷，请报告"
        )
    total, ok = _solve_links(local, nxt)
    if not ok:
        _cycle("across tiles / 跨分块")
    return _sum_by(dst, total)


# --- the driver, shared by arrays and files -------------------------------------------------

# a stage runs a list of calls (on dask, or one after the other) and returns their results
Runner = Callable[[list[tuple[Callable[..., Any], tuple[Any, ...]]]], list[Any]]


@dataclass(frozen=True)
class Exchange:
    """Stage 2's result (D8): each tile's inflows (tile-local linear index, amount)."""

    inflow: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]]
    valid: bool


def exchange(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    stage1: Callable[..., TileFlow],
    run: Runner,
) -> Exchange:
    """D8's stages 1 and 2: ``stage1(tile)`` for every tile, then the link graph."""
    flows: list[TileFlow] = run([(stage1, (t,)) for t in parts])
    cells, amount = inflows_d8(flows)
    valid = any(f.valid for f in flows)
    return Exchange(_by_tile(cells, amount, parts, shape, tile_shape), valid)


# --- MFD: the seam graph (decision 0067) --------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _band_edges(
    dh: NDArray[np.uint32], vh: NDArray[np.bool_], r0: int, c0: int, rows: int, cols: int, k: int
) -> tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]
]:
    """MFD: the routed cells of the tile's band (closer than ``k`` cells to its edge) as
    tile-local linear indices, and every share one of them sends to a routed cell inside
    the raster: source (tile-local), target (row, column in the halo ``dh``, ``vh``; the
    tile at ``r0``, ``c0`` in it), share as routing's ``_share`` computes it."""
    hr, hc = vh.shape
    cells = np.empty(rows * cols, dtype=np.int64)
    m = 0
    for r in range(rows):
        for c in range(cols):
            if min(r, c, rows - 1 - r, cols - 1 - c) < k and vh[r + r0, c + c0]:
                cells[m] = r * cols + c
                m += 1
    src = np.empty(8 * m, dtype=np.int64)
    tr = np.empty(8 * m, dtype=np.int64)
    tc = np.empty(8 * m, dtype=np.int64)
    share = np.empty(8 * m, dtype=np.float64)
    n = 0
    for x in cells[:m]:
        r, c = x // cols + r0, x % cols + c0
        d = dh[r, c]
        total = routing._share_total(d, True)
        for j in range(8):
            s = routing._share(d, j, True, total)
            if s == 0.0:
                continue
            rn, cn = r + DROW[j], c + DCOL[j]
            if rn < 0 or cn < 0 or rn >= hr or cn >= hc or not vh[rn, cn]:
                continue  # off the raster or into nodata: lost, as globally
            src[n] = x
            tr[n] = rn
            tc[n] = cn
            share[n] = s
            n += 1
    return cells[:m], src[:n], tr[:n], tc[:n], share[:n]


@numba.njit(cache=True, nogil=True)
def _seam_order(
    n: int, src: NDArray[np.int64], dst: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], bool]:
    """Kahn's topological order of the seam's ``n`` cells over its seam → seam edges
    ``src[i] → dst[i]`` (upstream first), with the edges grouped by source (``start``:
    where each cell's edges begin in ``by_src``); False if the edges hold a cycle."""
    start = np.zeros(n + 1, dtype=np.int64)
    indeg = np.zeros(n, dtype=np.int64)
    for i in range(len(src)):
        start[src[i] + 1] += 1
        indeg[dst[i]] += 1
    for x in range(n):
        start[x + 1] += start[x]
    fill = start[:n].copy()
    by_src = np.empty(len(src), dtype=np.int64)
    for i in range(len(src)):
        by_src[fill[src[i]]] = i
        fill[src[i]] += 1
    order = np.empty(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    top = 0
    for x in range(n - 1, -1, -1):
        if indeg[x] == 0:
            stack[top] = x
            top += 1
    m = 0
    while top > 0:
        top -= 1
        x = stack[top]
        order[m] = x
        m += 1
        for j in range(start[x], start[x + 1]):
            y = dst[by_src[j]]
            indeg[y] -= 1
            if indeg[y] == 0:
                stack[top] = y
                top += 1
    return order[:m], start, by_src, m == n


@numba.njit(cache=True, nogil=True)
def _seam_pass(
    order: NDArray[np.int64],
    start: NDArray[np.int64],
    by_src: NDArray[np.int64],
    dst: NDArray[np.int64],
    share: NDArray[np.float64],
    seed: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The seam's accumulation of ``seed`` (one row per seam cell, one column per
    accumulation) in topological order: each cell's value plus what its seam parents
    send it (``value · share``, as routing adds it)."""
    acc = seed.copy()
    ch = seed.shape[1]
    for x in order:
        for j in range(start[x], start[x + 1]):
            i = by_src[j]
            for c in range(ch):
                acc[dst[i], c] += acc[x, c] * share[i]
    return acc


def _band_mask(rows: int, cols: int, k: int) -> NDArray[np.bool_]:
    """The tile's cells closer than ``k`` cells to its edge."""
    r = np.arange(rows)
    c = np.arange(cols)
    near_r = np.minimum(r, rows - 1 - r) < k
    near_c = np.minimum(c, cols - 1 - c) < k
    return near_r[:, None] | near_c[None, :]


@dataclass(frozen=True)
class SeamFlow:
    """What an MFD tile task returns: the flow its deep cells' pass sends out of the
    tile (target, raster-wide linear index, and amount), and in the first pass its
    routed band cells, their weights and their shares to routed cells (source, target,
    share; raster-wide). Amounts and weights are rows of one value per accumulation
    (:func:`seam_flow`, :func:`seam_round`), or one value per flow or cell where a seam
    carries a single accumulation (the transposed seam of
    :mod:`ganpo.engine.tiled_sdr_mfd`). ``floor``, from a first pass: a lower bound of
    the tile's values, the least own weight of a cell that can hold one, where every
    weight is ≥ 0 (infinite if the tile has no such cell; 0 if none is known, as in the
    forward seams): :func:`exchange_seam`'s ``relative`` needs it."""

    tile: Tile
    out_dst: NDArray[np.int64]
    out_amount: NDArray[np.float64]
    band: NDArray[np.int64]
    weight: NDArray[np.float64]
    src: NDArray[np.int64]
    dst: NDArray[np.int64]
    share: NDArray[np.float64]
    valid: bool
    floor: float = 0.0


def least_weight(weight: NDArray[np.float64], where: NDArray[np.bool_]) -> float:
    """A tile's ``floor`` (:class:`SeamFlow`): the least of ``weight`` on the cells
    ``where`` holds (infinite if there are none), without copying them; 0 if it is < 0 or
    NaN, which keeps every round of the seam. A NaN must become 0 here, in the tile: the
    least of the tiles' floors would keep or drop it by their order."""
    low = float(np.min(weight, where=where, initial=np.inf))
    return low if low >= 0.0 else 0.0  # NaN ≥ 0 is False


def seam_flow(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    weights: Sequence[NDArray[np.float64]],
    band: int,
) -> SeamFlow:
    """An MFD tile's first task, on the tile read with its halo: for each accumulation
    (one weight array per accumulation; the seam carries them together), the tile
    accumulated (all its cells and in-tile shares) from the weights of its deep cells
    only (its band's weights go to the seam instead) and what that sends out of the
    tile (one column per accumulation); its band cells, their weights and their
    shares; the least weight of a routed cell (``floor``; 0 if one is < 0 or NaN)."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    d = np.ascontiguousarray(dh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    v = np.ascontiguousarray(vh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    near = _band_mask(tile.rows, tile.cols, band)
    cols = shape[1]
    low = min((least_weight(w, v) for w in weights), default=np.inf)  # routed cells hold sums
    columns = []
    exits = np.empty(0, dtype=np.int64)
    for w in weights:
        acc = _accumulate_tile(d, v, np.where(near, 0.0, w), True, _where(tile))
        _, tr, tc, amount = _outflows(
            dh, vh, i0, j0, tile.rows, tile.cols, acc.reshape(-1, 1), True
        )
        exits = (tr + r0) * cols + (tc + c0)  # the same flows for every accumulation
        columns.append(amount)
    del acc
    local, s, tr, tc, share = _band_edges(dh, vh, i0, j0, tile.rows, tile.cols, band)
    weight = np.stack([np.asarray(w, dtype=np.float64).reshape(-1)[local] for w in weights], 1)
    return SeamFlow(
        tile,
        exits,
        np.hstack(columns),
        _to_global(local, tile, cols),
        weight,
        _to_global(s, tile, cols),
        (tr + r0) * cols + (tc + c0),
        share,
        bool(v.any()),
        low,
    )


def seam_round(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    order: NDArray[np.int32] | None = None,
) -> SeamFlow:
    """An MFD tile's task in a seam round, on the tile read with its halo: the tile
    accumulated from the seam's flow into its deep cells (``inflow``: tile-local linear
    indices, and a row of amounts, one per accumulation, for each) on the cells
    downstream of them (:func:`_accumulate_seeded`; with the tile's kept ``order``,
    :func:`forward_order`, :func:`_accumulate_ordered`), and what that sends out of the
    tile."""
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    d = np.ascontiguousarray(dh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    v = np.ascontiguousarray(vh[i0 : i0 + tile.rows, j0 : j0 + tile.cols])
    idx, amount = inflow
    seed = np.ascontiguousarray(amount, dtype=np.float64)
    if order is not None:
        acc = _accumulate_ordered(d, v, order, idx, seed, np.zeros((d.size, seed.shape[1])))
    else:
        acc, ok = _accumulate_seeded(d, v, idx, seed)
        if not ok:
            _cycle(_where(tile))
    _, tr, tc, out = _outflows(dh, vh, i0, j0, tile.rows, tile.cols, acc, True)
    del acc
    empty = np.empty(0, dtype=np.int64)
    return SeamFlow(
        tile,
        (tr + r0) * shape[1] + (tc + c0),
        out,
        empty,
        np.empty((0, out.shape[1])),
        empty,
        empty,
        np.empty(0),
        bool(v.any()),
    )


@dataclass(frozen=True)
class SeamExchange:
    """The seam's result: per tile, the total inflow of its deep cells from the band and
    its band cells' accumulations along the seam (tile-local linear indices, and a row of
    amounts per cell, one column per accumulation: :func:`of_column` takes one); the
    rounds (passes over the seam); ``left``: the sum of the amounts it stopped with,
    not passed on (0 unless ``relative`` stopped it), held back tiles' included;
    ``passes``: the round tasks run (tile passes between the first and the last)."""

    inflow: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]]
    band: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]]
    rounds: int
    valid: bool
    left: float = 0.0
    passes: int = 0


def exchange_seam(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    first: Callable[..., SeamFlow],
    again: Callable[..., SeamFlow],
    run: Runner,
    relative: float = 0.0,
    defer: float = SEAM_DEFER,
) -> SeamExchange:
    """MFD's exchange: ``first(tile)`` for every tile (:func:`seam_flow`), then rounds
    of a pass over the seam here and ``again(tile, deep inflow)`` (:func:`seam_round`)
    on the tiles whose deep cells received flow, until no flow is left (module
    docstring). The accumulations ``first`` gives weights for (A, W and S for the SDR)
    share the rounds: a tile is passed over when any of them reaches it, and an
    accumulation's zero amounts change none of its sums. Logs (INFO) every
    :data:`ROUNDS_LOGGED` rounds and at the end: the rounds, the band cells, the time.

    ``relative`` > 0 (a DAG whose shares out of a cell, or into it for the transposed
    seam, sum to at most 1): stop once the amounts still to pass on, summed over the
    cells and the accumulations, are at most ``relative`` times the least ``floor`` of
    the first flows. What they would add to any cell is at most that sum: a unit amount reaches
    a cell with the sum over paths of the products of shares, at most 1 (each cell
    passes on at most what it holds, or takes at most a weighted mean). Every value is
    at least ``floor`` (weights ≥ 0), so each differs from the full sum by at most
    ``relative`` of itself. Flow along paths that leave and re-enter tiles many times
    shrinks with each share it crosses; the last rounds, until it is exactly 0, change
    no value beyond that fraction. A NaN or infinite amount never stops the seam, and
    a ``floor`` of 0 (unknown, or a weight < 0) keeps every round.

    A seam that stops at rounding also holds back (``defer`` > 0; decision 0114) the
    round's flow into the tiles receiving least, smallest first, as long as all it holds
    back sums to at most ``defer`` times the bound: the flow into each of those tiles is
    too little to change any value by more than the bound, so the tile is not passed
    over for it. What reaches a held tile later is added to what it holds, and the tile
    is passed over once it no longer fits: each round the held and the new flow are
    chosen again, smallest first, under ``defer`` times the bound. The flow into deep cells is
    summed for the tiles' last passes when the seam hands it on, held back or not, so
    only what a held tile would pass on across its edges is not passed on, and it counts
    in what is left when the seam stops: the seam stops once what it still has to pass
    on and what it holds back sum to at most the bound. A NaN or infinite amount in the
    flow into tiles, new or held, releases all that is held back that round."""
    if not 0.0 <= defer < 1.0:  # 1 would leave the seam no room to stop under its bound
        raise ValueError(f"defer must be within [0, 1), not {defer}")
    t0 = time.perf_counter()
    flows: list[SeamFlow] = run([(first, (t,)) for t in parts])
    valid = any(f.valid for f in flows)
    floor = min((f.floor for f in flows), default=0.0)
    enough = relative * floor if relative > 0.0 and 0.0 < floor < np.inf else 0.0
    left = 0.0
    flat = flows[0].weight.ndim == 1  # one accumulation given as rows of one amount
    ch = 1 if flat else flows[0].weight.shape[1]
    # the tasks' arrays are let go as soon as their concatenation holds them, and the
    # concatenations once the seam's own arrays are made: the client's peak (decision 0108)
    outs = [(f.out_dst, _rows(f.out_amount)) for f in flows]
    bands, weights = [f.band for f in flows], [_rows(f.weight) for f in flows]
    srcs, dsts, shares = [f.src for f in flows], [f.dst for f in flows], [f.share for f in flows]
    del flows
    seam = np.concatenate(bands)
    del bands
    order = np.argsort(seam)
    seam = seam[order]
    weight = np.concatenate(weights)[order]
    del weights, order
    src = np.searchsorted(seam, np.concatenate(srcs))
    del srcs
    dst_cell = np.concatenate(dsts)
    del dsts
    share = np.concatenate(shares)
    del shares
    at = np.minimum(np.searchsorted(seam, dst_cell), max(len(seam) - 1, 0))
    to_seam = seam[at] == dst_cell if len(seam) else np.zeros(0, dtype=bool)
    s_src, s_dst, s_share = src[to_seam], at[to_seam], share[to_seam]
    i_src, i_dst, i_share = src[~to_seam], dst_cell[~to_seam], share[~to_seam]
    del src, dst_cell, share, at, to_seam
    topo, start, by_src, ok = _seam_order(len(seam), s_src, s_dst)
    del s_src
    if not ok:
        _cycle("along the tile edges / 沿分块边界")
    by_index = {t.index: t for t in parts}
    total = np.zeros((len(seam), ch))
    handed = np.zeros((len(i_src), ch))  # per band → deep share, summed over the rounds
    rounds = passes = 0
    # each round's flow has left the seam and re-entered it (flow held back re-enters
    # later; the rounds stay far below this, tens against millions of band cells)
    limit = len(seam) + 1
    held: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]] = {}
    kept = 0.0  # the amounts held back, summed
    holding = enough > 0.0 and defer > 0.0
    value = weight
    while True:
        out_dst = np.concatenate([o[0] for o in outs]) if outs else np.empty(0, np.int64)
        out_amount = np.concatenate([o[1] for o in outs]) if outs else np.empty((0, ch))
        del outs
        cells, amount = _sum_by(out_dst, out_amount)
        del out_dst, out_amount
        if len(cells):
            value[np.searchsorted(seam, cells)] += amount  # targets: band cells
        if rounds > 0 and not held and not (value != 0.0).any():  # NaN travels too
            break
        if rounds > 0 and enough > 0.0:
            pending = float(np.abs(value).sum()) + kept  # NaN, ∞: never ≤ enough
            if pending <= enough:
                left = pending
                break
        rounds += 1
        if rounds > limit:
            _cycle("across tiles / 跨分块")
        acc = _seam_pass(topo, start, by_src, s_dst, s_share, value)
        total += acc
        sent = acc[i_src] * i_share[:, None]
        handed += sent
        cells, amount = _sum_by(i_dst, sent)
        live = (amount != 0.0).any(axis=1)
        amount = amount[live, 0] if flat else amount[live]
        groups = _by_tile(cells[live], amount, parts, shape, tile_shape) if live.any() else {}
        if holding:
            groups, held, kept = _hold_back(groups, held, defer * enough)
        if not groups and not held:
            break  # else only held back flow: the check at the top stops the seam
        passes += len(groups)
        if rounds % ROUNDS_LOGGED == 0:
            log.info(
                "MFD seam over %d tiles: round %d, %d tiles passed over, %.0f s",
                len(parts),
                rounds,
                len(groups),
                time.perf_counter() - t0,
            )
        outs = [
            (f.out_dst, _rows(f.out_amount))
            for f in (run([(again, (by_index[k], g)) for k, g in groups.items()]) if groups else [])
        ]
        del groups
        value = np.zeros((len(seam), ch))
    log.info(
        "MFD seam over %d tiles (%d band cells): %d rounds, %d tile passes in %.1f s%s",
        len(parts),
        len(seam),
        rounds,
        passes,
        time.perf_counter() - t0,
        f", stopped with {left:.3g} left (at most {enough:.3g})" if left else "",
    )
    if flat:
        handed, total = handed[:, 0], total[:, 0]
    cells, amount = _sum_by(i_dst, handed)
    return SeamExchange(
        _by_tile(cells, amount, parts, shape, tile_shape),
        _by_tile(seam, total, parts, shape, tile_shape),
        rounds,
        valid,
        left,
        passes,
    )


def _hold_back(
    groups: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]],
    held: dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]],
    room: float,
) -> tuple[
    dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]],
    dict[tuple[int, int], tuple[NDArray[np.int64], NDArray[np.float64]]],
    float,
]:
    """A round's flow into tiles (tile-local cells and amounts per tile) with what was
    held back before added, split into the tiles to pass over now and those held back
    (:func:`exchange_seam`'s ``defer``), and the amounts held back, summed: the tiles
    whose amounts sum to least, smallest first (ties in the tiles' order), as long as all
    held back sums to at most ``room``. A NaN or infinite amount in any tile holds none
    back."""
    merged = dict(groups)
    for k, (cells, amount) in held.items():
        if k in merged:  # the same cell may be in both: one seed each (_sum_by)
            merged[k] = _sum_by(
                np.concatenate([merged[k][0], cells]), np.concatenate([merged[k][1], amount])
            )
        else:
            merged[k] = (cells, amount)
    mass = {k: float(np.abs(a).sum()) for k, (_, a) in merged.items()}
    if not mass or not np.isfinite(list(mass.values())).all():
        return dict(sorted(merged.items())), {}, 0.0
    kept, later = 0.0, set()
    for k in sorted(mass, key=lambda k: (mass[k], k)):
        if kept + mass[k] > room:
            break
        kept += mass[k]
        later.add(k)
    now = {k: g for k, g in sorted(merged.items()) if k not in later}
    return now, {k: merged[k] for k in sorted(later)}, kept


def _rows(a: NDArray[np.float64]) -> NDArray[np.float64]:
    """Amounts as rows of one amount per accumulation (a 1-D array: one accumulation)."""
    return a if a.ndim == 2 else a[:, None]


def seam_tile(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    tile: Tile,
    shape: tuple[int, int],
    weights: NDArray[np.float64],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    band_values: tuple[NDArray[np.int64], NDArray[np.float64]],
    band: int,
) -> NDArray[np.float64]:
    """MFD's last pass: the tile accumulated from its deep cells' weights and all their
    inflow from the band, plus, on the band cells, their accumulation along the seam
    (tile-local linear indices)."""
    deep = np.where(_band_mask(tile.rows, tile.cols, band), 0.0, weights)
    acc = accumulate_tile(dh, vh, tile, shape, deep, inflow)
    acc.reshape(-1)[band_values[0]] += band_values[1]
    return acc


def _tile_shape(tile: int | tuple[int, int]) -> tuple[int, int]:
    return (tile, tile) if isinstance(tile, int) else (int(tile[0]), int(tile[1]))


_NO_INFLOW = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


def of_column(
    entry: tuple[NDArray[np.int64], NDArray[np.float64]] | None, j: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """A tile's entry in a :class:`SeamExchange`'s ``inflow`` or ``band`` (None: the tile
    has none) with the amounts of accumulation ``j`` only."""
    if entry is None:
        return _NO_INFLOW
    cells, amount = entry
    return cells, np.ascontiguousarray(amount[:, j])


# --- arrays in memory (the same stages, for tests and small rasters) ----------------------


def _check_directions(dtype: np.dtype[Any], where: str, source: Path | None = None) -> bool:
    """True for MFD (uint32), False for D8 (uint8); anything else is refused."""
    if dtype == np.uint8:
        return False
    if dtype == np.uint32:
        return True
    raise InputError(
        en=f"flow directions of type {dtype} in {where}; give D8 codes (uint8) or packed MFD "
        "shares (uint32) as ganpo's routing writes them",
        zh=f"流向数据类型 {dtype} 不受支持：D8 须为 uint8，MFD 须为 uint32",
        source=source,
        field="directions",
        values=[str(dtype)],
    )


def _check_band(band: int) -> None:
    if int(band) < 1:
        raise InputError(
            en=f"the seam band must be at least 1 cell wide, not {band}; give band ≥ 1",
            zh=f"分块接缝带宽度至少为 1 个像元，不能是 {band}：请给出 ≥ 1 的值",
            field="band",
            values=[band],
        )


def flow_accumulation_tiled_array(
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    valid: NDArray[np.bool_],
    tile: int | tuple[int, int],
    weights: NDArray[np.floating[Any]] | None = None,
    *,
    band: int = SEAM_BAND,
    relative: float = 0.0,
    defer: float = SEAM_DEFER,
) -> tuple[NDArray[np.float64], int]:
    """The stages on arrays in memory, tile by tile, no dask: the accumulation (equal to
    :func:`ganpo.engine.routing.flow_accumulation` with the same arguments) and the
    number of MFD rounds (seam passes; ``band`` as for :func:`flow_accumulation_tiled`;
    ``relative`` and ``defer`` as for :func:`exchange_seam`, which the SDR's seam uses).
    For tests and to show the stages; :func:`flow_accumulation_tiled` is the one that
    bounds memory."""
    mfd = _check_directions(directions.dtype, "the array")
    _check_band(band)
    shape = (directions.shape[0], directions.shape[1])
    if valid.shape != shape or (weights is not None and weights.shape != shape):
        raise ValueError(f"directions, valid and weights differ in shape: {shape}")
    parts = tiles(shape, tile)
    tile_shape = _tile_shape(tile)

    def halo(t: Tile) -> tuple[NDArray[Any], NDArray[np.bool_]]:
        r0, c0, h, w = t.halo(shape)  # copies, C-contiguous, as a file's window is
        d = np.ascontiguousarray(directions[r0 : r0 + h, c0 : c0 + w])
        return d, np.ascontiguousarray(valid[r0 : r0 + h, c0 : c0 + w], dtype=bool)

    def own(t: Tile) -> NDArray[np.float64]:
        if weights is None:
            return np.ones((t.rows, t.cols))
        return weights[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols].astype(np.float64)

    def stage1(t: Tile) -> TileFlow:
        return tile_flow(*halo(t), t, shape, own(t), True)

    def run(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        return [f(*args) for f, args in calls]

    orders: dict[tuple[int, int], NDArray[np.int32] | None] = {}

    def again(t: Tile, g: tuple[NDArray[np.int64], NDArray[np.float64]]) -> SeamFlow:
        d, v = halo(t)
        if t.index not in orders:  # the account keeps them in the tiles' files
            orders[t.index] = forward_order(d, v, t, shape)
        return seam_round(d, v, t, shape, g, orders[t.index])

    out = np.empty(shape, dtype=np.float64)
    if mfd:
        sx = exchange_seam(
            parts,
            shape,
            tile_shape,
            lambda t: seam_flow(*halo(t), t, shape, [own(t)], band),
            again,
            run,
            relative,
            defer,
        )
        for t in parts:
            out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = seam_tile(
                *halo(t),
                t,
                shape,
                own(t),
                of_column(sx.inflow.get(t.index), 0),
                of_column(sx.band.get(t.index), 0),
                band,
            )
        return out, sx.rounds
    ex = exchange(parts, shape, tile_shape, stage1, run)
    for t in parts:
        out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = accumulate_tile(
            *halo(t), t, shape, own(t), ex.inflow.get(t.index, _NO_INFLOW)
        )
    return out, 0


# --- files and dask -----------------------------------------------------------------------


def write_directions(
    path: Path,
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    valid: NDArray[np.bool_],
    profile: dict[str, Any],
) -> Path:
    """Write routing's directions (D8 uint8 or MFD uint32) to a GeoTIFF on the grid of
    ``profile`` (``crs`` and ``transform`` are used), cells off ``valid`` as nodata
    (:data:`D8_NODATA`, :data:`MFD_NODATA`): the input of :func:`flow_accumulation_tiled`."""
    mfd = _check_directions(directions.dtype, "the array")
    nodata = MFD_NODATA if mfd else D8_NODATA
    out = np.where(valid, directions, nodata).astype(directions.dtype)
    meta = {
        "driver": "GTiff",
        "width": out.shape[1],
        "height": out.shape[0],
        "count": 1,
        "dtype": str(out.dtype),
        "nodata": nodata,
        "crs": profile.get("crs"),
        "transform": profile.get("transform"),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **meta) as dst:
        dst.write(out, 1)
    return path


def _read_directions(
    path: Path, tile: Tile, shape: tuple[int, int]
) -> tuple[NDArray[Any], NDArray[np.bool_]]:
    """The directions of ``tile`` with its halo and the routed cells (not nodata)."""
    r0, c0, h, w = tile.halo(shape)
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), open_raster(path, "directions") as src:
        window = rasterio.windows.Window(c0, r0, w, h)
        d = read_window(src, path, "directions", window)
        nodata = src.nodata
    valid = np.ones(d.shape, dtype=bool) if nodata is None else d != nodata
    return np.ascontiguousarray(d), valid


def _read_weights(path: Path | None, tile: Tile) -> NDArray[np.float64]:
    if path is None:
        return np.ones((tile.rows, tile.cols))
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), open_raster(path, "weights") as src:
        window = rasterio.windows.Window(tile.col0, tile.row0, tile.cols, tile.rows)
        a = read_window(src, path, "weights", window)
        nodata = src.nodata
    w = a.astype(np.float64)
    if nodata is not None and not np.isnan(nodata):
        w[a == nodata] = np.nan  # as a NaN weight does globally: NaN downstream
    return w


def _stage1(path: Path, weights: Path | None, tile: Tile, *, shape: tuple[int, int]) -> TileFlow:
    return tile_flow(
        *_read_directions(path, tile, shape), tile, shape, _read_weights(weights, tile), True
    )


def _seam_first(
    path: Path, weights: Path | None, tile: Tile, *, shape: tuple[int, int], band: int
) -> SeamFlow:
    return seam_flow(
        *_read_directions(path, tile, shape), tile, shape, [_read_weights(weights, tile)], band
    )


def _seam_again(
    path: Path,
    tile: Tile,
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    *,
    shape: tuple[int, int],
) -> SeamFlow:
    return seam_round(*_read_directions(path, tile, shape), tile, shape, inflow)


def _seam_last(
    path: Path,
    weights: Path | None,
    tile: Tile,
    shape: tuple[int, int],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    band_values: tuple[NDArray[np.int64], NDArray[np.float64]],
    band: int,
    folder: Path,
) -> Path:
    acc = seam_tile(
        *_read_directions(path, tile, shape),
        tile,
        shape,
        _read_weights(weights, tile),
        inflow,
        band_values,
        band,
    )
    target = folder / f"tile_{tile.index[0]}_{tile.index[1]}.npy"
    np.save(target, acc)
    return target


def _stage3(
    path: Path,
    weights: Path | None,
    tile: Tile,
    shape: tuple[int, int],
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]],
    folder: Path,
) -> Path:
    acc = accumulate_tile(
        *_read_directions(path, tile, shape), tile, shape, _read_weights(weights, tile), inflow
    )
    target = folder / f"tile_{tile.index[0]}_{tile.index[1]}.npy"
    np.save(target, acc)
    return target


def _dask_run(calls: Sequence[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
    return list(dask.compute(*[dask.delayed(f)(*args) for f, args in calls]))


def flow_accumulation_tiled(
    directions_path: Path,
    target: Path,
    tile: int | tuple[int, int] = 4096,
    *,
    weights_path: Path | None = None,
    scratch: Path | None = None,
    band: int = SEAM_BAND,
) -> int:
    """Write the flow accumulation of the directions at ``directions_path`` (a GeoTIFF
    of D8 codes, uint8, or packed MFD shares, uint32; cells equal to its nodata value are
    not routed) to ``target`` (float64 GeoTIFF, NaN nodata) in tiles; returns the number
    of MFD rounds (seam passes; 0 for D8). With ``weights_path`` (a raster on the same
    grid) each cell counts its weight instead of 1; a weight equal to that raster's nodata
    is NaN. ``band``: MFD's seam width along each tile edge [cells] (module docstring: a
    wider band, fewer rounds, more memory here).

    Stage 1, MFD's tile passes and stage 3 are one dask task per tile on the current dask
    scheduler (:func:`ganpo.engine.compute.scheduler`), each reading its tile with a
    one-cell halo (the workers must see the files); stage 2 (MFD: the seam) runs here.
    Stage 3's tiles
    go to a temporary folder in ``scratch`` (default ``target``'s folder), then into
    ``target`` one at a time; ``target`` appears only once complete. The result equals
    :func:`ganpo.engine.routing.flow_accumulation` on the whole raster (module
    docstring: bitwise for D8 with unit weights, else within float64 rounding)."""
    directions_path, target = Path(directions_path), Path(target)
    with open_raster(directions_path, "directions") as src:
        shape = (src.height, src.width)
        profile = dict(src.profile)
        mfd = _check_directions(np.dtype(src.dtypes[0]), directions_path.name, directions_path)
    _check_band(band)
    if weights_path is not None:
        weights_path = Path(weights_path)
        with open_raster(weights_path, "weights") as src:
            if (src.height, src.width) != shape:
                raise InputError(
                    en=f"the weights are {src.height} × {src.width} cells and the directions "
                    f"{shape[0]} × {shape[1]}; give the weights on the directions' grid",
                    zh="权重栅格与流向栅格的行列数不同：请将权重对齐到流向栅格",
                    source=weights_path,
                    field="weights",
                    values=[(src.height, src.width), shape],
                )
    parts = tiles(shape, tile)
    if mfd:
        sx = exchange_seam(
            parts,
            shape,
            _tile_shape(tile),
            partial(_seam_first, directions_path, weights_path, shape=shape, band=band),
            partial(_seam_again, directions_path, shape=shape),
            _dask_run,
        )
        valid, rounds = sx.valid, sx.rounds
        last: list[tuple[Callable[..., Any], tuple[Any, ...]]] = [
            (
                _seam_last,
                (
                    directions_path,
                    weights_path,
                    t,
                    shape,
                    of_column(sx.inflow.get(t.index), 0),
                    of_column(sx.band.get(t.index), 0),
                    band,
                ),
            )
            for t in parts
        ]
    else:
        ex = exchange(
            parts,
            shape,
            _tile_shape(tile),
            partial(_stage1, directions_path, weights_path, shape=shape),
            _dask_run,
        )
        valid, rounds = ex.valid, 0
        last = [
            (_stage3, (directions_path, weights_path, t, shape, ex.inflow.get(t.index, _NO_INFLOW)))
            for t in parts
        ]
    if not valid:
        raise InputError(
            en="the flow directions have no routed cell (all nodata)",
            zh="流向栅格没有有效像元",
            source=directions_path,
            field="nodata",
        )
    with scratch_folder(target, scratch, "tiledaccum") as folder:
        files = _dask_run([(f, (*args, folder)) for f, args in last])
        write_tiles(target, filled_profile(profile, "float64"), parts, files)
    return rounds
