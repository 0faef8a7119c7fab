"""The RUSLE LS factor and InVEST SDR's sediment delivery ratio by tiles, D8: each tile is
a dask task whose memory is bounded by the tile, not the raster (issue 19, point 1;
docs/decisions/0063).

Input: the pit-filled DEM (GeoTIFF, as :func:`ganpo.engine.tiled_fill.fill_pits_tiled`
writes it), its D8 directions (uint8, as :func:`ganpo.engine.tiled_accum.write_directions`
writes them), and the ecosystem map with the USLE C per code, as
:func:`ganpo.engine.routing.ls_and_sdr_rasters` takes them. Output: the LS and SDR
rasters of that function (its formulas, float32 GeoTIFFs of its profile), written tile by
tile. The layers, per cell, as :func:`ganpo.engine.routing._sdr_core` makes them:

- slope [%] by Horn's method, on the tile read with a one-cell halo of the filled DEM
  (routing's own ``_slope_rows``: the halo gives every neighbour the global slope sees,
  the raster's edge cuts the halo as it cuts the raster): bitwise the global slope;
- the flow accumulation A [cells] and the W- and S-weighted accumulations (W = max(C,
  0.001), S = slope/100 bounded to [0.005, 1], both float32): the three stages of
  :mod:`ganpo.engine.tiled_accum` (Barnes 2017), run with three weights at once. Stage 1
  per tile returns the exits and links once and the three exit amounts; stage 2 runs
  ``tiled_accum.inflows_d8`` once per weight. A is bitwise the global accumulation
  (integers in float64); the weighted sums differ by float64 rounding (below);
- streams: D8 streams are ``A > threshold`` (routing's ``_streams_d8``), local given A:
  bitwise;
- D_up = W̄·S̄·√(A·cell²) (routing's ``_d_up_in_place``, W̄ held in float32), LS
  (:func:`ganpo.services.rusle.ls_factor` of the slope and A) and SDR (IC = log10(D_up /
  D_dn), :func:`ganpo.services.rusle.sediment_delivery_ratio`, 0 on streams and where
  no flow reaches a stream, NaN off the data) per cell, as routing's ``_write_ls`` and
  ``_write_sdr``;
- D_dn, the distance down to a stream with step weight 1/(W·S): by tiles, below.

D_dn by tiles. In D8 a cell's distance is ``d(x) = 0`` on a stream cell, else
``d(x) = σ(x) + d(n(x))`` with ``σ(x) = 1/(W(x)·S(x))`` and ``n(x)`` the cell it drains
to; NaN if it has no direction or drains off the raster or into nodata (routing's
``_distance_down``, computed in float64 as ``σ + d(n)``). Inside a tile every path ends
at a stream cell, at a dead end (NaN), or at an *exit* ``y`` (a cell draining out of the
tile into a routed cell ``t(y)``), where ``d(y) = σ(y) + d(t(y))``. So:

A. (with stage 3 of the unit accumulation, the tile then having its A, streams, W and
   S) per tile, for every *entry* cell ``e`` (a target ``t(y)`` of an exit of another tile):
   ``P(e)``, the distance of ``e`` computed in the tile with ``d(t(y')) := 0`` for every
   exit ``y'`` of the tile, and ``l(e)``, the exit its in-tile path ends at (none if it
   ends at a stream cell or a dead end). The paths are followed once per tile, each
   cell's distance memoised.
B. in the client: ``T(y) = d(t(y))`` for every exit, ``T(y) = P(t(y)) + T(l(t(y)))`` if
   ``t(y)``'s path ends at an exit, else ``T(y) = P(t(y))`` (NaN at a dead end). The
   exits form a forest (``y → l(t(y))``, a subgraph of the accumulation's link forest,
   acyclic because the cell graph is), solved downstream first, each value memoised.
C. per tile: the distance again, now with each exit's ``d(t(y)) = T(y)``: every cell's
   ``d`` follows its in-tile path as the global pass does, ``σ + d(next)`` from the
   path's end upstream.

Why it is right. Downstream first over the forest, by induction: ``T(y)`` is a
float64 sum, in some grouping, of exactly the steps σ of the path from ``t(y)`` down to
its stream (NaN if that path dead-ends, as globally). If ``t(y)``'s path ends at a
stream cell in its tile, ``P(t(y))`` is made of the very additions the global pass makes,
so ``T(y)`` is bitwise ``d(t(y))``; if it ends at an exit ``y'``, ``P(t(y))`` sums the
steps down to ``y'`` and ``T(y')`` those beyond (induction), and ``P(t(y)) + T(y')``
groups their union otherwise than the global ``σ(t(y)) + (… + (σ(y') + d(t(y'))))``.
In step C each cell's distance is the global right-nested sum down its in-tile path
onto ``T(y)`` in place of ``d(t(y))``: again a grouping of the same terms. Bound: a sum
of ``m`` positive float64 terms (σ > 0: W ≥ 0.001 and S ≥ 0.005), in any grouping, is
within ``γ_{m−1} = (m−1)u / (1 − (m−1)u)`` relative of the exact sum (u = 2⁻⁵³ ≈
1.1e-16; Higham 2002, *Accuracy and Stability of Numerical Algorithms*, §4.2), so the
tiled and the global D_dn of a cell whose path to the stream has ``m`` cells differ by
at most ``2γ_{m−1}`` relative (2.2e-8 for a path of 10⁸ cells, below float32's 6e-8;
in practice far less: the groupings differ only where the path leaves a
tile). Paths that reach their stream in the tile they start in or in the next tile
they enter are bitwise. NaN (no stream reached) and 0 (a stream cell) are exact.
Measured on the benchmark's landscape (``benchmarks/bench_tiled_sdr.py 2000 --agreement
128``): 4.5e-15 at most, D_up and the streams bitwise.
Without step B (``T(y) = P(t(y))``) every path crossing more than one tile edge before
its stream would be short by the distance beyond the second edge; the tests fail so.

The W- and S-weighted accumulations add the same terms as the global ones in another
order (tiled_accum's docstring): float64 rounding, relative about (cells upstream) ×
1.1e-16. W̄ = total_w / A is rounded to float32 like the global one and can land one
float32 step (≤ 1.2e-7 relative) away from it when the float64 value lies within that
rounding of a float32 rounding boundary; D_up, rounded to float32 again, is then within
two float32 steps (2.4e-7 relative) of the global D_up, and the SDR (whose relative
sensitivity to D_up is at most 1/(k·ln 10) ≤ 0.22 for k ≥ 2) within as much after its
own float32 rounding. These are the tolerances the tests ask (3e-7 for D_up and SDR,
1e-12 for D_dn); A, the streams and LS are compared bitwise.

MFD (decision 0084): D_dn in MFD is the share-weighted mean of ``σ + d`` over the
downstream neighbours, so an entry's distance depends on many exits' distances, not on
one; there is no link forest. The MFD layers go through seams instead
(:mod:`ganpo.engine.tiled_accum`, rounds through a band along the tile edges, decision
0067): one seam carries A, W and S together (decision 0109: they follow the same
directions, so they share the rounds), then the streams by the candidates' search, which
cells reach a stream by a search across tiles (decision 0110) and ``σ + d`` by the
transposed seam (:mod:`ganpo.engine.tiled_sdr_mfd`), then D_dn, D_up, LS and SDR per
tile. A is a sum of the same terms as globally in another order there too, so MFD's LS
and SDR are within float32 rounding of the global ones, not bitwise. Not done, D8 and
MFD: an ecosystem map that leaves DEM cells without a cover factor (the global function
then routes LS and SDR on two different masks, i.e. on two different sets of directions,
which one direction raster cannot give): refused, naming the number of cells.

Cost: three passes over each tile (stage 1 of the accumulations; step A, with stage 3 of
the unit accumulation only: the partial distances need A for the streams, W and S, not
the weighted sums; step C with the three accumulations, LS and SDR), each reading the
tile's directions, filled DEM (slope needs the halo) and ecosystem map (Barnes's
"evict": nothing kept between stages). Memory of a task, for a tile of ``n`` cells:
directions and mask with halo (2 B), the filled DEM with halo (4 B float32), slope, S, W
and D_up (float32, 16 B), A and the two weighted accumulations (float64, 24 B), seeds
(float64, 8 B at a time), state and streams (2 B), D_dn and its path, memo and end
arrays (float64 + int32 + int32 + uint8, 17 B): about 75 B per cell of the tile, plus
the LS and SDR formulas, computed in strips of :data:`STRIP_ROWS` rows, and the outputs
(float32, 8 B). The client holds the exits, links and entries: tens of bytes per
perimeter cell. Measured (``benchmarks/bench_tiled_sdr.py``, docs/benchmarks.md): a
worker grew 86 MiB with tiles of 1024², about 85 B per cell of the tile.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import numba
import numpy as np
import rasterio
import rasterio.windows
from numpy.typing import NDArray

from ganpo.engine import routing, tiled_accum, tiled_sdr_mfd
from ganpo.engine.routing import DCOL, DROW, GDAL_CACHE_BYTES
from ganpo.engine.tiled_accum import TileFlow, inflows_d8
from ganpo.engine.tiled_fill import Tile, scratch_folder, tiles, write_tiles
from ganpo.errors import InputError
from ganpo.io.raster_files import open_raster, read_window
from ganpo.services import rusle

STRIP_ROWS = 256  # rows of a tile's LS and SDR computed at once (bounds numpy's temporaries)

Inflow = tuple[NDArray[np.int64], NDArray[np.float64]]
_NO_INFLOW: Inflow = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
_NO_EXITS: Inflow = _NO_INFLOW


# --- one tile -----------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _distance_tile(
    dh: NDArray[np.uint8],
    vh: NDArray[np.bool_],
    r0: int,
    c0: int,
    stream: NDArray[np.uint8],
    w: NDArray[np.float32],
    s: NDArray[np.float32],
    beyond: NDArray[np.float64],
    dist: NDArray[np.float64],
    end: NDArray[np.int32],
) -> bool:
    """D8 distance to stream of every cell of the tile into ``dist`` (its place in the
    halo arrays ``dh``, ``vh``: rows and columns from ``r0``, ``c0``), step 1/(w·s) as
    routing's ``_distance_down``; an exit cell ``y`` (tile-local linear index) adds its
    step to ``beyond[y]``, the distance of the cell it drains to in another tile.
    ``end``: the exit each cell's path ends at (-1: a stream cell or a dead end). Each
    path is followed once, upstream cells memoised. False if a path runs in a cycle."""
    rows, cols = stream.shape
    hr, hc = vh.shape
    n = rows * cols
    known = np.zeros(n, dtype=np.uint8)
    path = np.empty(n, dtype=np.int32)
    for start in range(n):
        if known[start]:
            continue
        m = 0
        x = start
        val = np.nan
        e = -1
        while True:
            rx, cx = x // cols, x % cols
            if known[x]:
                val = dist[rx, cx]
                e = end[x]
                break
            if not vh[rx + r0, cx + c0]:  # nodata: NaN, and no one drains through it
                dist[rx, cx] = np.nan
                end[x] = -1
                known[x] = 1
                val = np.nan
                break
            if stream[rx, cx] == 1:
                dist[rx, cx] = 0.0
                end[x] = -1
                known[x] = 1
                val = 0.0
                break
            k = dh[rx + r0, cx + c0]
            if k > 7:  # no direction
                dist[rx, cx] = np.nan
                end[x] = -1
                known[x] = 1
                val = np.nan
                break
            rn, cn = rx + DROW[k], cx + DCOL[k]
            rh, ch = rn + r0, cn + c0
            if rh < 0 or ch < 0 or rh >= hr or ch >= hc or not vh[rh, ch]:
                dist[rx, cx] = np.nan  # off the raster or into nodata
                end[x] = -1
                known[x] = 1
                val = np.nan
                break
            if m == n:
                return False
            path[m] = x
            m += 1
            if rn < 0 or cn < 0 or rn >= rows or cn >= cols:  # an exit
                val = beyond[x]
                e = x
                break
            x = rn * cols + cn
        for j in range(m - 1, -1, -1):  # from the path's end upstream: σ + d(next)
            y = path[j]
            ry, cy = y // cols, y % cols
            if not np.isnan(val):
                val = 1.0 / (np.float64(w[ry, cy]) * np.float64(s[ry, cy])) + val
            dist[ry, cy] = val
            end[y] = e
            known[y] = 1
    return True


@dataclass(frozen=True)
class TileInputs:
    """A tile's inputs: directions ``dh`` and routed cells ``vh`` with a one-cell halo,
    the filled DEM ``zh`` with the same halo (NaN nodata), W = max(C, 0.001) of the tile
    (float32, NaN where the ecosystem map gives no C), the tile's place ``i0``, ``j0``
    in the halo arrays."""

    dh: NDArray[Any]  # D8 codes (uint8) or packed MFD shares (uint32)
    vh: NDArray[np.bool_]
    zh: NDArray[np.floating[Any]]
    w: NDArray[np.float32]
    i0: int
    j0: int

    def own(self, a: NDArray[Any]) -> NDArray[Any]:
        rows, cols = self.w.shape
        return np.ascontiguousarray(a[self.i0 : self.i0 + rows, self.j0 : self.j0 + cols])


def _where(tile: Tile) -> str:
    return tiled_accum._where(tile)


def _slope(inp: TileInputs, cell: float) -> NDArray[np.float32]:
    """Slope [%] of the tile, computed on the halo as the global pass computes it."""
    rows, cols = inp.w.shape
    out = np.empty((rows, inp.zh.shape[1]), dtype=np.float32)
    routing._slope_rows(inp.zh, inp.i0, inp.i0 + rows, cell, cell, out)
    return np.ascontiguousarray(out[:, inp.j0 : inp.j0 + cols])


def _accumulations(
    d: NDArray[np.uint8],
    v: NDArray[np.bool_],
    w: NDArray[np.float32],
    s: NDArray[np.float32],
    inflows: tuple[Inflow, Inflow, Inflow],
    where: str,
    weighted: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None, NDArray[np.float64] | None]:
    """A [cells] and (``weighted``) the W- and S-weighted accumulations of the tile
    alone, each entry cell's weight raised by its inflow (routing's ``_accumulate``; W and
    S in one traversal, as the global pass)."""
    seeds = []
    for base, (idx, amount) in zip((None, w, s)[: 3 if weighted else 1], inflows, strict=False):
        seed = np.ones(d.shape) if base is None else base.astype(np.float64)
        seed.reshape(-1)[idx] += amount
        seeds.append(seed)
    state = routing._state_from_mask(v)
    routing._count_degrees(d, state, False)
    acc = np.empty(d.shape, dtype=np.float64)
    routing._accumulate(
        d, state, False, acc, seeds[0], True, False, seeds[0], seeds[0], routing._NO_ORDER
    )
    if ((state & 15) != routing.DONE)[v].any():
        tiled_accum._cycle(where)
    if not weighted:
        return acc, None, None
    routing._count_degrees(d, state, False)
    total_w = np.empty(d.shape, dtype=np.float64)
    total_s = np.empty(d.shape, dtype=np.float64)
    routing._accumulate(
        d, state, False, total_w, seeds[1], True, True, total_s, seeds[2], routing._NO_ORDER
    )
    return acc, total_w, total_s


@dataclass(frozen=True)
class Layers:
    """A tile's layers after the accumulations: slope [%], S, W, A [cells], streams
    (1/0, 255 off the data), D_up (float32; None if not asked for), and the mask of the
    tile."""

    slope: NDArray[np.float32]
    s: NDArray[np.float32]
    w: NDArray[np.float32]
    acc: NDArray[np.float64]
    stream: NDArray[np.uint8]
    d_up: NDArray[np.float32] | None
    v: NDArray[np.bool_]


def _layers(
    inp: TileInputs,
    tile: Tile,
    cell: float,
    threshold: float,
    inflows: tuple[Inflow, Inflow, Inflow],
    weighted: bool,
) -> Layers:
    """The tile's layers; D_up only if ``weighted`` (the distances' partial pass needs
    A for the streams, W and S, but not the weighted accumulations)."""
    d, v = inp.own(inp.dh), inp.own(inp.vh)
    slope = _slope(inp, cell)
    s = slope.copy()
    routing._s_factor(s)
    acc, total_w, total_s = _accumulations(d, v, inp.w, s, inflows, _where(tile), weighted)
    stream = np.empty(d.shape, dtype=np.uint8)
    routing._streams_d8(acc, threshold, stream)
    d_up = None
    if total_w is not None and total_s is not None:
        d_up = np.empty(d.shape, dtype=np.float32)
        routing._to_float32(acc, d_up)
        routing._d_up_in_place(total_w, total_s, d_up, cell)
    return Layers(slope, s, inp.w, acc, stream, d_up, v)


def _distances(
    inp: TileInputs, tile: Tile, lay: Layers, beyond: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.int32]]:
    dist = np.empty(lay.acc.shape, dtype=np.float64)
    end = np.empty(lay.acc.size, dtype=np.int32)
    ok = _distance_tile(inp.dh, inp.vh, inp.i0, inp.j0, lay.stream, lay.w, lay.s, beyond, dist, end)
    if not ok:
        tiled_accum._cycle(_where(tile))
    return dist, end


@dataclass(frozen=True)
class FirstFlow:
    """Stage 1 of a tile: its exits, links and the exit amounts of A, W and S (three
    :class:`~ganpo.engine.tiled_accum.TileFlow` sharing exits and links); the cells with
    a DEM height but no cover factor (``masked``) and the cells routed in one of the
    directions and the DEM but not the other (``mismatch``)."""

    flows: tuple[TileFlow, TileFlow, TileFlow]
    masked: int
    mismatch: int


def first(inp: TileInputs, tile: Tile, shape: tuple[int, int], cell: float) -> FirstFlow:
    """Stage 1: the tile's accumulations with nothing flowing in, its exits and links."""
    d, v = inp.own(inp.dh), inp.own(inp.vh)
    z = inp.own(inp.zh)
    has_z = ~np.isnan(z)
    masked = int(np.count_nonzero(has_z & np.isnan(inp.w)))
    mismatch = int(np.count_nonzero(has_z != v))
    slope = _slope(inp, cell)
    routing._s_factor(slope)
    acc, total_w, total_s = _accumulations(d, v, inp.w, slope, (_NO_INFLOW,) * 3, _where(tile))
    assert total_w is not None and total_s is not None  # weighted: both made
    cells, ends, ok = tiled_accum._links(inp.dh, inp.vh, inp.i0, inp.j0, tile.rows, tile.cols)
    if not ok:
        tiled_accum._cycle(_where(tile))
    cols = shape[1]
    perimeter = tiled_accum._to_global(cells, tile, cols)
    link = np.where(ends >= 0, tiled_accum._to_global(ends, tile, cols), -1)
    r0, c0, _, _ = tile.halo(shape)
    flows = []
    for a in (acc, total_w, total_s):
        src, tr, tc, amount = tiled_accum._outflows(
            inp.dh, inp.vh, inp.i0, inp.j0, tile.rows, tile.cols, a.reshape(-1, 1), False
        )
        src_g = tiled_accum._to_global(src, tile, cols)
        dst_g = (tr + r0) * cols + (tc + c0)
        flows.append(TileFlow(tile, src_g, dst_g, amount[:, 0], perimeter, link, bool(v.any())))
    return FirstFlow((flows[0], flows[1], flows[2]), masked, mismatch)


def entries(
    inp: TileInputs,
    tile: Tile,
    shape: tuple[int, int],
    cell: float,
    threshold: float,
    inflows: tuple[Inflow, Inflow, Inflow],
    local: NDArray[np.int64],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Step A: for the entry cells ``local`` (tile-local linear indices) their partial
    distance ``P`` (exits' downstream distances taken as 0) and the exit their path ends
    at (raster-wide linear index, -1: none); the entries raster-wide."""
    lay = _layers(inp, tile, cell, threshold, inflows, False)
    dist, end = _distances(inp, tile, lay, np.zeros(lay.acc.size))
    cols = shape[1]
    ends = end[local].astype(np.int64)
    out = np.where(ends >= 0, tiled_accum._to_global(ends, tile, cols), -1)
    return tiled_accum._to_global(local, tile, cols), dist.reshape(-1)[local], out


def final(
    inp: TileInputs,
    tile: Tile,
    cell: float,
    threshold: float,
    inflows: tuple[Inflow, Inflow, Inflow],
    exits: Inflow,
    formulas: tuple[float, float, float, float],
) -> dict[str, NDArray[Any]]:
    """Step C: the tile's layers with every exit's downstream distance known (``exits``:
    tile-local exit cells and ``T``), and its LS and SDR (``formulas``: l_max, k, ic0,
    sdr_max) as routing's writers compute them: ``ls``, ``sdr`` (float32), ``acc``,
    ``stream``, ``d_up``, ``d_dn``."""
    l_max, k, ic0, sdr_max = formulas
    lay = _layers(inp, tile, cell, threshold, inflows, True)
    assert lay.d_up is not None  # weighted: made
    d_up = lay.d_up
    beyond = np.full(lay.acc.size, np.nan)
    beyond[exits[0]] = exits[1]
    d_dn, _ = _distances(inp, tile, lay, beyond)
    ls = np.empty(lay.acc.shape, dtype=np.float32)
    sdr = np.empty(lay.acc.shape, dtype=np.float32)
    for r in range(0, tile.rows, STRIP_ROWS):
        rows = slice(r, r + STRIP_ROWS)
        slope = lay.slope[rows].astype(np.float64)
        ls[rows] = rusle.ls_factor(slope, lay.acc[rows], cell, l_max)
        ratio = rusle.sediment_delivery_ratio(routing._ic(d_up[rows], d_dn[rows]), k, ic0, sdr_max)
        sdr[rows] = np.where(~lay.v[rows], np.nan, np.nan_to_num(ratio, nan=0.0))
    return {
        "ls": ls,
        "sdr": sdr,
        "acc": lay.acc,
        "stream": lay.stream,
        "d_up": d_up,
        "d_dn": d_dn,
    }


# --- across the tiles ---------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _solve_down(
    pin: NDArray[np.float64], nxt: NDArray[np.int64]
) -> tuple[NDArray[np.float64], bool]:
    """``T(y) = P(y) + T(nxt[y])`` (``P(y)`` alone where ``nxt[y]`` is -1) over the
    forest of exits, downstream first, memoised; False if it has a cycle."""
    n = len(pin)
    out = np.empty(n, dtype=np.float64)
    known = np.zeros(n, dtype=np.uint8)
    path = np.empty(n, dtype=np.int64)
    for y0 in range(n):
        m = 0
        x = y0
        while not known[x]:
            if m == n:
                return out, False
            path[m] = x
            m += 1
            if nxt[x] < 0:
                break
            x = nxt[x]
        val = out[x] if known[x] else 0.0
        for j in range(m - 1, -1, -1):
            y = path[j]
            val = pin[y] if nxt[y] < 0 else pin[y] + val
            out[y] = val
            known[y] = 1
    return out, True


def exit_distances(
    src: NDArray[np.int64],
    dst: NDArray[np.int64],
    cells: NDArray[np.int64],
    pin: NDArray[np.float64],
    end: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Step B: ``T(y)``, the distance of the cell ``dst[y]`` each exit ``src[y]``
    (raster-wide linear indices) drains to, from the entries' ``cells``, partial
    distances ``pin`` and path ends ``end`` (step A)."""
    if len(src) == 0:
        return np.empty(0)
    by_cell = np.argsort(cells)
    at = by_cell[np.searchsorted(cells[by_cell], dst)]
    if not np.array_equal(cells[at], dst):
        raise RuntimeError(  # cannot happen: a bug in ganpo, not in the input
            "an exit's target has no partial distance in the tiled SDR; this is a bug in "
            "ganpo, please report it / 分块 SDR 中出流目标像元缺少部分距离，"
            "这是 ganpo 的缺陷，请报告"
        )
    p, e = pin[at], end[at]
    by_src = np.argsort(src)
    nxt = np.full(len(src), -1, dtype=np.int64)
    has = e >= 0
    pos = np.minimum(np.searchsorted(src[by_src], e[has]), len(src) - 1)
    nxt[has] = by_src[pos]
    if not np.array_equal(src[nxt[has]], e[has]):
        raise RuntimeError(
            "a path of the tiled SDR ends at a cell that is not an exit; this is a bug in "
            "ganpo, please report it / 分块 SDR 的路径终点不是出流像元，这是 ganpo 的缺陷，请报告"
        )
    total, ok = _solve_down(p, nxt)
    if not ok:
        tiled_accum._cycle("across tiles / 跨分块")
    return total


# --- the driver, shared by arrays and files -------------------------------------------------

Reader = Callable[[Tile], TileInputs]


@dataclass(frozen=True)
class Plan:
    """What the client knows before step C: each tile's inflows (A, W, S) and its exits
    with their downstream distances ``T`` (tile-local linear indices)."""

    inflows: dict[tuple[int, int], tuple[Inflow, Inflow, Inflow]]
    exits: dict[tuple[int, int], Inflow]


def _refuse_masked(masked: int, ecosystem: str | None) -> None:
    raise InputError(
        en=f"the ecosystem map leaves {masked} cells of the DEM without a cover factor; the "
        "tiled LS and SDR need one set of directions for both, so give a C value for "
        "every ecosystem code on the DEM, or use routing.ls_and_sdr_rasters, which routes "
        "the two apart",
        zh=f"生态系统图有 {masked} 个 DEM 像元没有植被覆盖因子 C："
        "分块计算 LS 与 SDR 要求二者共用一套流向，请为 DEM 上的每个生态系统代码给出 C 值，"
        "或改用全局计算",
        source=ecosystem,
        field="cover",
        values=[masked],
    )


def _check_first(
    results: list[FirstFlow], directions: str, dem: str, ecosystem: str | None
) -> None:
    masked = sum(f.masked for f in results)
    if masked:
        _refuse_masked(masked, ecosystem)
    mismatch = sum(f.mismatch for f in results)
    if mismatch:
        raise InputError(
            en=f"{mismatch} cells are routed in the flow directions ({directions}) but nodata in "
            f"the filled DEM ({dem}), or the reverse; give the directions of this DEM",
            zh=f"流向栅格与填洼 DEM 有 {mismatch} 个像元的有效性不一致：请使用由该 DEM 计算的流向",
            source=directions,
            field="nodata",
            values=[mismatch],
        )
    if not any(f.flows[0].valid for f in results):
        raise InputError(
            en="the flow directions have no routed cell (all nodata)",
            zh="流向栅格没有有效像元",
            source=directions,
            field="nodata",
        )


def plan(
    parts: list[Tile],
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    stage1: Callable[[Tile], FirstFlow],
    step_a: Callable[..., Any],
    run: tiled_accum.Runner,
    names: tuple[str, str, str | None],
) -> Plan:
    """Stage 1 and 2 of the accumulations, then steps A and B of D_dn."""
    results: list[FirstFlow] = run([(stage1, (t,)) for t in parts])
    _check_first(results, *names)
    by_weight = []
    for i in range(3):
        cells, amount = inflows_d8([f.flows[i] for f in results])
        by_weight.append(tiled_accum._by_tile(cells, amount, parts, shape, tile_shape))
    inflows = {
        t.index: (
            by_weight[0].get(t.index, _NO_INFLOW),
            by_weight[1].get(t.index, _NO_INFLOW),
            by_weight[2].get(t.index, _NO_INFLOW),
        )
        for t in parts
    }
    src = np.concatenate([f.flows[0].src for f in results])
    dst = np.concatenate([f.flows[0].dst for f in results])
    targets = np.unique(dst)
    groups = tiled_accum._by_tile(targets, np.zeros(len(targets)), parts, shape, tile_shape)
    by_index = {t.index: t for t in parts}
    answers = run(
        [(step_a, (by_index[key], inflows[key], local)) for key, (local, _) in groups.items()]
    )
    if answers:
        cells = np.concatenate([a[0] for a in answers])
        pin = np.concatenate([a[1] for a in answers])
        end = np.concatenate([a[2] for a in answers])
    else:
        cells = end = np.empty(0, dtype=np.int64)
        pin = np.empty(0)
    total = exit_distances(src, dst, cells, pin, end)
    exits = tiled_accum._by_tile(src, total, parts, shape, tile_shape)
    return Plan(inflows, exits)


# --- arrays in memory (the same stages, for tests and small rasters) ----------------------


def ls_and_sdr_tiled_array(
    filled: NDArray[np.floating[Any]],
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    cover: NDArray[np.floating[Any]],
    cell_size_m: float,
    tile: int | tuple[int, int],
    threshold: float = 1000.0,
    l_max: float = 122.0,
    k: float = 2.0,
    ic0: float = 0.5,
    sdr_max: float = 0.8,
    *,
    band: int = tiled_accum.SEAM_BAND,
) -> dict[str, NDArray[Any]]:
    """The stages on arrays in memory, tile by tile, no dask: ``ls`` and ``sdr``
    (float32, as :func:`ganpo.engine.routing.ls_and_sdr_rasters` writes them), and the
    layers ``acc`` [cells], ``stream`` (1/0, NaN off the data), ``d_up`` and ``d_dn``
    (float64, as :func:`ganpo.engine.routing.sdr_layers` returns them), of the pit-filled
    DEM ``filled`` (NaN nodata), its D8 ``directions`` and the USLE C ``cover`` (defined
    on every cell of the DEM). For tests and to show the stages;
    :func:`ls_and_sdr_tiled` is the one that bounds memory (D8). MFD ``directions``
    (uint32): the stages of decision 0084 (``band``: the seams' width), module
    :mod:`ganpo.engine.tiled_sdr_mfd`; the arrays between the stages are held whole."""
    mfd = tiled_accum._check_directions(directions.dtype, "the array")  # uint8 or uint32
    shape = (filled.shape[0], filled.shape[1])
    if directions.shape != shape or cover.shape != shape:
        raise ValueError(f"filled, directions and cover differ in shape: {shape}")
    z = routing._elevations(filled)
    valid = ~np.isnan(z)
    c = np.asarray(cover, dtype=np.float64)
    w = np.where(valid, np.maximum(c, 0.001), np.nan).astype(np.float32)
    parts = tiles(shape, tile)
    tile_shape = tiled_accum._tile_shape(tile)

    def read(t: Tile) -> TileInputs:
        r0, c0, h, wd = t.halo(shape)  # copies, C-contiguous, as a file's window is
        return TileInputs(
            np.ascontiguousarray(directions[r0 : r0 + h, c0 : c0 + wd]),
            np.ascontiguousarray(valid[r0 : r0 + h, c0 : c0 + wd]),
            np.ascontiguousarray(z[r0 : r0 + h, c0 : c0 + wd]),
            np.ascontiguousarray(w[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols]),
            t.row0 - r0,
            t.col0 - c0,
        )

    def run(calls: list[tuple[Callable[..., Any], tuple[Any, ...]]]) -> list[Any]:
        return [f(*args) for f, args in calls]

    cell = float(cell_size_m)
    if mfd:
        masked = int(np.count_nonzero(valid & np.isnan(c)))
        if masked:
            _refuse_masked(masked, "the cover")
        formulas = (float(l_max), float(k), float(ic0), float(sdr_max))
        packed = directions.view(np.uint32)  # uint32 (checked above)
        return _mfd_array(
            read, parts, shape, tile, packed, valid, w, cell, threshold, formulas, band
        )
    p = plan(
        parts,
        shape,
        tile_shape,
        lambda t: first(read(t), t, shape, cell),
        lambda t, inflow, local: entries(read(t), t, shape, cell, threshold, inflow, local),
        run,
        ("the directions", "the DEM", "the cover"),
    )
    names = ("ls", "sdr", "acc", "stream", "d_up", "d_dn")
    out = {
        n: np.empty(shape, dtype=np.float32 if n in ("ls", "sdr") else np.float64) for n in names
    }
    for t in parts:
        got = final(
            read(t),
            t,
            cell,
            threshold,
            p.inflows[t.index],
            p.exits.get(t.index, _NO_EXITS),
            (l_max, k, ic0, sdr_max),
        )
        where = (slice(t.row0, t.row0 + t.rows), slice(t.col0, t.col0 + t.cols))
        for n in names:
            out[n][where] = got[n]
    out["stream"][~valid] = np.nan
    return out


def _mfd_array(
    read: Callable[[Tile], TileInputs],
    parts: list[Tile],
    shape: tuple[int, int],
    tile: int | tuple[int, int],
    directions: NDArray[np.uint32],
    valid: NDArray[np.bool_],
    w: NDArray[np.float32],
    cell: float,
    threshold: float,
    formulas: tuple[float, float, float, float],
    band: int,
) -> dict[str, NDArray[Any]]:
    """MFD (decision 0084): slope and S per tile (halo), the three accumulations by the
    seam (decision 0067), the streams and D_dn by tiles (:mod:`ganpo.engine.tiled_sdr_mfd`),
    then D_up, LS and SDR per tile with routing's formulas, as :func:`final` makes them."""
    l_max, k, ic0, sdr_max = formulas
    slope = np.empty(shape, dtype=np.float32)
    for t in parts:
        slope[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = _slope(read(t), cell)
    s = slope.copy()
    routing._s_factor(s)
    acc, _ = tiled_accum.flow_accumulation_tiled_array(directions, valid, tile, band=band)
    total_w, _ = tiled_accum.flow_accumulation_tiled_array(directions, valid, tile, w, band=band)
    total_s, _ = tiled_accum.flow_accumulation_tiled_array(directions, valid, tile, s, band=band)
    stream = tiled_sdr_mfd.streams_mfd_tiled_array(acc, directions, tile, threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = 1.0 / (w.astype(np.float64) * s.astype(np.float64))  # routing's step
    d_dn, _, _ = tiled_sdr_mfd.distance_mfd_tiled_array(directions, stream, sigma, tile, band)
    out: dict[str, NDArray[Any]] = {
        "ls": np.empty(shape, dtype=np.float32),
        "sdr": np.empty(shape, dtype=np.float32),
        "acc": acc,
        "stream": np.where(valid, stream, np.nan),
        "d_up": np.empty(shape),
        "d_dn": d_dn,
    }
    for t in parts:
        at = (slice(t.row0, t.row0 + t.rows), slice(t.col0, t.col0 + t.cols))
        a = np.ascontiguousarray(acc[at])
        d_up = np.empty(a.shape, dtype=np.float32)
        routing._to_float32(a, d_up)
        routing._d_up_in_place(
            np.ascontiguousarray(total_w[at]), np.ascontiguousarray(total_s[at]), d_up, cell
        )
        out["d_up"][at] = d_up
        out["ls"][at] = rusle.ls_factor(slope[at].astype(np.float64), a, cell, l_max)
        ratio = rusle.sediment_delivery_ratio(routing._ic(d_up, d_dn[at]), k, ic0, sdr_max)
        out["sdr"][at] = np.where(~valid[at], np.nan, np.nan_to_num(ratio, nan=0.0))
    return out


def _refuse_mfd(dtype: str, source: Path | None) -> None:
    raise InputError(
        en=f"flow directions of type {dtype}: the tiled LS and SDR take D8 directions (uint8) "
        "only; MFD distance to stream has no link forest across tiles (docs/decisions/0063). "
        "Use routing.ls_and_sdr_rasters for MFD",
        zh="分块 LS 与 SDR 只支持 D8 流向（uint8）：MFD 请使用全局计算",
        source=source,
        field="directions",
        values=[dtype],
    )


# --- files and dask -----------------------------------------------------------------------


def _read(
    dem: Path,
    directions: Path,
    ecosystem: Path,
    w_by_code: NDArray[np.float64],
    dtype: str,
    tile: Tile,
    shape: tuple[int, int],
) -> TileInputs:
    """A tile's inputs from the files: directions and filled DEM with the halo, W of the
    tile from the ecosystem codes (NaN for codes outside 0–255 or without C, and off the
    DEM), as routing's ``_read_inputs`` makes it."""
    from ganpo.engine.tiled_fill import _read_tile

    dh, vh = tiled_accum._read_directions(directions, tile, shape)
    zh = _read_tile(dem, tile, shape, dtype)
    r0, c0, _, _ = tile.halo(shape)
    i0, j0 = tile.row0 - r0, tile.col0 - c0
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES),
        open_raster(ecosystem, "ecosystem_type") as src,
    ):
        window = rasterio.windows.Window(tile.col0, tile.row0, tile.cols, tile.rows)
        codes = read_window(src, ecosystem, "ecosystem_type", window)
    inside = (codes >= 0) & (codes < 256)
    cover = np.where(inside, w_by_code[np.clip(codes, 0, 255).astype(np.int64)], np.nan)
    z = zh[i0 : i0 + tile.rows, j0 : j0 + tile.cols]
    w = np.where(np.isnan(z), np.nan, cover).astype(np.float32)
    return TileInputs(dh, vh, zh, w, i0, j0)


def _first_file(reader: Reader, tile: Tile, *, shape: tuple[int, int], cell: float) -> FirstFlow:
    return first(reader(tile), tile, shape, cell)


def _entries_file(
    reader: Reader,
    tile: Tile,
    inflows: tuple[Inflow, Inflow, Inflow],
    local: NDArray[np.int64],
    *,
    shape: tuple[int, int],
    cell: float,
    threshold: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    return entries(reader(tile), tile, shape, cell, threshold, inflows, local)


def _final_file(
    reader: Reader,
    tile: Tile,
    inflows: tuple[Inflow, Inflow, Inflow],
    exits: Inflow,
    folder: Path,
    cell: float,
    threshold: float,
    formulas: tuple[float, float, float, float],
) -> tuple[Path, Path]:
    got = final(reader(tile), tile, cell, threshold, inflows, exits, formulas)
    paths = []
    for name in ("ls", "sdr"):
        target = folder / f"{name}_{tile.index[0]}_{tile.index[1]}.npy"
        np.save(target, got[name])
        paths.append(target)
    return paths[0], paths[1]


def ls_and_sdr_tiled(
    filled_path: Path,
    directions_path: Path,
    ecosystem_path: Path,
    cover_by_code: dict[int, float],
    ls_target: Path,
    sdr_target: Path,
    tile: int | tuple[int, int] = 4096,
    l_max: float = 122.0,
    threshold: float = 1000.0,
    k: float = 2.0,
    ic0: float = 0.5,
    sdr_max: float = 0.8,
    *,
    scratch: Path | None = None,
    band: int = tiled_accum.SEAM_BAND,
) -> tuple[Path, Path]:
    """Write the LS factor and the SDR of :func:`ganpo.engine.routing.ls_and_sdr_rasters`
    (same arguments and formulas, D8 or MFD) by tiles, from the pit-filled DEM at
    ``filled_path`` (its square cell size is the one used), its directions at
    ``directions_path`` (D8 uint8 or MFD uint32 as
    :func:`ganpo.engine.tiled_accum.write_directions` writes them; MFD: decision 0084,
    ``band`` the seams' width; cells equal to its nodata value are not routed; they must
    be the DEM's nodata cells) and the ecosystem map with C per code (every code on the DEM needs
    one: module docstring).

    Every stage is one dask task per tile on the current dask scheduler
    (:func:`ganpo.engine.compute.scheduler`), reading its tile (with a one-cell halo for
    the directions and the DEM) from the files, which the workers must see; the exchanges
    run here. The tiles of LS and SDR go to a temporary folder in ``scratch`` (default
    ``sdr_target``'s folder), then into the targets one at a time; each target appears
    only once complete, LS first. Equal to the global rasters within float32 rounding,
    LS bitwise for D8 (module docstring; MFD: decision 0084). MFD keeps its tiles' arrays
    between stages in the temporary folder (about 50 B per cell on disk)."""
    filled_path, directions_path = Path(filled_path), Path(directions_path)
    ecosystem_path, ls_target, sdr_target = Path(ecosystem_path), Path(ls_target), Path(sdr_target)
    shape, cell, profile, dtype, w_by_code = routing._sdr_inputs(
        filled_path, ecosystem_path, cover_by_code
    )
    with open_raster(directions_path, "directions") as src:
        d_shape = (src.height, src.width)
        d_type = np.dtype(src.dtypes[0])
    mfd = tiled_accum._check_directions(d_type, directions_path.name, directions_path)
    tiled_accum._check_band(band)
    if d_shape != shape:
        raise InputError(
            en=f"the flow directions are {d_shape[0]} × {d_shape[1]} cells and the filled DEM "
            f"{shape[0]} × {shape[1]}; give the directions of this DEM",
            zh="流向栅格与填洼 DEM 的行列数不同：请使用由该 DEM 计算的流向",
            source=directions_path,
            field="shape",
            values=[d_shape, shape],
        )
    parts = tiles(shape, tile)
    reader = partial(
        _read, filled_path, directions_path, ecosystem_path, w_by_code, str(dtype), shape=shape
    )
    if mfd:
        formulas = (float(l_max), float(k), float(ic0), float(sdr_max))
        ls_target.parent.mkdir(parents=True, exist_ok=True)
        sdr_target.parent.mkdir(parents=True, exist_ok=True)
        out_profile = dict(profile)
        routing._float32_tiff(out_profile)
        with scratch_folder(sdr_target, scratch, "tiledsdr") as folder:
            m = MfdFiles(
                reader, directions_path, folder, shape, tiled_accum._tile_shape(tile), cell, band
            )
            names = (directions_path.name, filled_path.name, str(ecosystem_path))
            files = _mfd_files(m, parts, float(threshold), formulas, names)
            write_tiles(ls_target, dict(out_profile), parts, [f[0] for f in files])
            write_tiles(sdr_target, dict(out_profile), parts, [f[1] for f in files])
        return ls_target, sdr_target
    p = plan(
        parts,
        shape,
        tiled_accum._tile_shape(tile),
        partial(_first_file, reader, shape=shape, cell=cell),
        partial(_entries_file, reader, shape=shape, cell=cell, threshold=threshold),
        tiled_accum._dask_run,
        (directions_path.name, filled_path.name, str(ecosystem_path)),
    )
    formulas = (float(l_max), float(k), float(ic0), float(sdr_max))
    ls_target.parent.mkdir(parents=True, exist_ok=True)
    sdr_target.parent.mkdir(parents=True, exist_ok=True)
    out_profile = dict(profile)
    routing._float32_tiff(out_profile)
    with scratch_folder(sdr_target, scratch, "tiledsdr") as folder:
        files = tiled_accum._dask_run(
            [
                (
                    _final_file,
                    (
                        reader,
                        t,
                        p.inflows[t.index],
                        p.exits.get(t.index, _NO_EXITS),
                        folder,
                        cell,
                        float(threshold),
                        formulas,
                    ),
                )
                for t in parts
            ]
        )
        write_tiles(ls_target, dict(out_profile), parts, [f[0] for f in files])
        write_tiles(sdr_target, dict(out_profile), parts, [f[1] for f in files])
    return ls_target, sdr_target


# --- MFD from files (decision 0084) -------------------------------------------------------


def _tile_file(folder: Path, name: str, index: tuple[int, int]) -> Path:
    return folder / f"{name}_{index[0]}_{index[1]}.npy"


def _save_whole(path: Path, a: NDArray[Any]) -> None:
    """``np.save`` under another name, then renamed: a task stopped while writing (a
    worker lost) leaves no partial file under ``path``."""
    part = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    with open(part, "wb") as f:
        np.save(f, a)
    os.replace(part, path)


def _ring(
    folder: Path,
    name: str,
    tile: Tile,
    shape: tuple[int, int],
    tile_shape: tuple[int, int],
    fill: Any,
    dtype: Any,
) -> NDArray[Any]:
    """The tile's window with a two-cell halo of the per-tile arrays ``name`` saved in
    ``folder``, read from each tile's file (memory-mapped) only where the window lies."""
    r0, c0, h, w = tiled_sdr_mfd.halo2(tile, shape)
    out = np.full((h, w), fill, dtype=dtype)
    th, tw = tile_shape
    for i in range(r0 // th, (r0 + h - 1) // th + 1):
        for j in range(c0 // tw, (c0 + w - 1) // tw + 1):
            a = np.load(_tile_file(folder, name, (i, j)), mmap_mode="r")
            top, left = i * th, j * tw
            ra0, ra1 = max(r0, top), min(r0 + h, top + a.shape[0])
            ca0, ca1 = max(c0, left), min(c0 + w, left + a.shape[1])
            out[ra0 - r0 : ra1 - r0, ca0 - c0 : ca1 - c0] = a[
                ra0 - top : ra1 - top, ca0 - left : ca1 - left
            ]
    return out


@dataclass(frozen=True)
class MfdFiles:
    """Where an MFD tiled run reads and keeps its tiles' arrays."""

    reader: Reader
    directions: Path
    folder: Path
    shape: tuple[int, int]
    tile_shape: tuple[int, int]
    cell: float
    band: int


def _mfd_weights(m: MfdFiles, tile: Tile) -> tuple[TileInputs, list[NDArray[np.float64]]]:
    """The tile's inputs (directions and mask with the halo) and the weights of its
    three accumulations: 1, W and S."""
    inp = m.reader(tile)
    s = _slope(inp, m.cell)
    routing._s_factor(s)
    return inp, [np.ones((tile.rows, tile.cols)), inp.w.astype(np.float64), s.astype(np.float64)]


def _acc_first(m: MfdFiles, tile: Tile) -> tiled_accum.SeamFlow:
    """The first task of the seam that carries A, W and S together; it also keeps the
    tile's directions and mask with the halo, as read, in ``m.folder`` for the rounds."""
    inp, weights = _mfd_weights(m, tile)
    _save_whole(_tile_file(m.folder, "dh", tile.index), inp.dh)
    _save_whole(_tile_file(m.folder, "vh", tile.index), inp.vh)
    flow = tiled_accum.seam_flow(inp.dh, inp.vh, tile, m.shape, weights, m.band)
    order = tiled_accum.forward_order(inp.dh, inp.vh, tile, m.shape)
    if order is not None:  # a cycle: seam_flow has reported it
        _save_whole(_tile_file(m.folder, "fwo", tile.index), order)
    return flow


def _acc_again(
    m: MfdFiles, tile: Tile, inflow: tuple[NDArray[np.int64], NDArray[np.float64]]
) -> tiled_accum.SeamFlow:
    """A round's task: the directions and mask as the first task kept them (decoding
    the tile's window of the directions' GeoTIFF again took about 13 % of the rounds'
    time, decision 0109), and the order of its cells (decision 0112)."""
    dh = np.load(_tile_file(m.folder, "dh", tile.index))
    vh = np.load(_tile_file(m.folder, "vh", tile.index))
    kept = _tile_file(m.folder, "fwo", tile.index)
    order = np.load(kept) if kept.exists() else None
    return tiled_accum.seam_round(dh, vh, tile, m.shape, inflow, order)


def _acc_last(
    m: MfdFiles,
    threshold: float,
    tile: Tile,
    inflow: tuple[NDArray[np.int64], NDArray[np.float64]] | None,
    band_values: tuple[NDArray[np.int64], NDArray[np.float64]] | None,
) -> tuple[tiled_sdr_mfd.Candidates, int, int]:
    """The last pass of the three accumulations, each saved; the candidate cells of the
    streams and the cells without cover or routed in one of the DEM and the directions
    only."""
    inp, weights = _mfd_weights(m, tile)
    found = None
    for which, weight in enumerate(weights):
        acc = tiled_accum.seam_tile(
            inp.dh,
            inp.vh,
            tile,
            m.shape,
            weight,
            tiled_accum.of_column(inflow, which),
            tiled_accum.of_column(band_values, which),
            m.band,
        )
        np.save(_tile_file(m.folder, ("acc", "tw", "ts")[which], tile.index), acc)
        if which == 0:
            found = tiled_sdr_mfd.candidates(acc, inp.dh, inp.vh, tile, m.shape, threshold)
        del acc
    assert found is not None
    has_z = ~np.isnan(inp.own(inp.zh))
    masked = int(np.count_nonzero(has_z & np.isnan(inp.w)))
    mismatch = int(np.count_nonzero(has_z != inp.own(inp.vh)))
    return found, masked, mismatch


def _mfd_halo(m: MfdFiles, reach: bool, tile: Tile, plan: bool = False) -> tiled_sdr_mfd.Halo2:
    """The tile's directions, mask, streams and (``reach``) cells reaching a stream with
    the two-cell halo; with ``plan`` also its :class:`~ganpo.engine.tiled_sdr_mfd.UpPlan`
    for stage F, made in the tile's first task and kept in the tile's files."""
    r0, c0, h, w = tiled_sdr_mfd.halo2(tile, m.shape)
    kept = (_tile_file(m.folder, "dh2", tile.index), _tile_file(m.folder, "vh2", tile.index))
    if kept[1].exists():  # read before, in this tile's task of an earlier pass
        dh, vh = np.load(kept[0]), np.load(kept[1])
    else:
        with (
            rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES),
            open_raster(m.directions, "directions") as src,
        ):
            window = rasterio.windows.Window(c0, r0, w, h)
            dh = read_window(src, m.directions, "directions", window)
            nodata = src.nodata
        vh = np.ones(dh.shape, dtype=bool) if nodata is None else dh != nodata
        _save_whole(kept[0], dh)
        _save_whole(kept[1], vh)  # last: its file says both are complete
    sh = _ring(m.folder, "stream", tile, m.shape, m.tile_shape, 0, np.uint8)
    gh = _ring(m.folder, "reach", tile, m.shape, m.tile_shape, 0, np.uint8) == 1 if reach else vh
    halo = tiled_sdr_mfd.Halo2(
        np.ascontiguousarray(dh), vh, gh, sh, tile.row0 - r0, tile.col0 - c0, r0, c0
    )
    if not plan:
        return halo
    files = [_tile_file(m.folder, name, tile.index) for name in ("upp", "upt", "upo")]
    if files[2].exists():  # made in this tile's first task of stage F
        p = tiled_sdr_mfd.UpPlan(np.load(files[0]), np.load(files[1]), np.load(files[2]))
    else:
        made = tiled_sdr_mfd.up_plan(halo, tile)
        if made is None:  # a cycle: the pass without a plan reports it
            return halo
        p = made
        arrays: tuple[NDArray[Any], ...] = (p.pulls, p.total, p.order)
        for path, a in zip(files, arrays, strict=True):
            _save_whole(path, a)  # the order last: its file says all three are complete
    return replace(halo, plan=p)


def _own(m: MfdFiles, name: str, tile: Tile) -> NDArray[Any]:
    return np.load(_tile_file(m.folder, name, tile.index))


def _sigma(m: MfdFiles, tile: Tile) -> tuple[TileInputs, NDArray[np.float32], NDArray[np.float64]]:
    """The tile's inputs, slope [%] and step σ = 1/(W·S) as routing computes it."""
    inp = m.reader(tile)
    slope = _slope(inp, m.cell)
    s = slope.copy()
    routing._s_factor(s)
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = 1.0 / (inp.w.astype(np.float64) * s.astype(np.float64))
    return inp, slope, sigma


def _f_seed(m: MfdFiles, tile: Tile) -> NDArray[np.float64]:
    _, _, sigma = _sigma(m, tile)
    return np.where(_own(m, "reach", tile) == 1, sigma, 0.0)


def _save_reach(m: MfdFiles, tile: Tile, reach: NDArray[np.bool_]) -> None:
    """The tile's cells reaching a stream (1, else 0), kept for the next stages; a tile
    learning more in a later round of the search writes it again."""
    _save_whole(_tile_file(m.folder, "reach", tile.index), reach.astype(np.uint8))


def _save_f(m: MfdFiles, tile: Tile, val: NDArray[np.float64]) -> None:
    f = np.where(_own(m, "reach", tile) == 1, val, np.nan)
    np.save(_tile_file(m.folder, "f", tile.index), f)


def _mfd_final(
    m: MfdFiles, threshold: float, formulas: tuple[float, float, float, float], tile: Tile
) -> tuple[Path, Path]:
    """D_dn (routing's arithmetic in the tile, the seam's ``σ + d`` beyond it), D_up, LS
    and SDR of the tile, saved."""
    l_max, k, ic0, sdr_max = formulas
    inp, slope, sigma = _sigma(m, tile)
    h = _mfd_halo(m, True, tile)
    fh = _ring(m.folder, "f", tile, m.shape, m.tile_shape, np.nan, np.float64)
    d_dn, ok = tiled_sdr_mfd._dn_tile(h.dh, h.vh, h.gh, h.sh, h.i0, h.j0, sigma, fh)
    if not ok:
        tiled_accum._cycle(_where(tile))
    acc = _own(m, "acc", tile)
    d_up = np.empty(acc.shape, dtype=np.float32)
    routing._to_float32(acc, d_up)
    routing._d_up_in_place(_own(m, "tw", tile), _own(m, "ts", tile), d_up, m.cell)
    v = inp.own(inp.vh)
    ls = np.empty(acc.shape, dtype=np.float32)
    sdr = np.empty(acc.shape, dtype=np.float32)
    for r in range(0, tile.rows, STRIP_ROWS):
        rows = slice(r, r + STRIP_ROWS)
        ls[rows] = rusle.ls_factor(slope[rows].astype(np.float64), acc[rows], m.cell, l_max)
        ratio = rusle.sediment_delivery_ratio(routing._ic(d_up[rows], d_dn[rows]), k, ic0, sdr_max)
        sdr[rows] = np.where(~v[rows], np.nan, np.nan_to_num(ratio, nan=0.0))
    paths = (_tile_file(m.folder, "ls", tile.index), _tile_file(m.folder, "sdr", tile.index))
    np.save(paths[0], ls)
    np.save(paths[1], sdr)
    return paths


def _mfd_files(
    m: MfdFiles,
    parts: list[Tile],
    threshold: float,
    formulas: tuple[float, float, float, float],
    names: tuple[str, str, str],
) -> list[tuple[Path, Path]]:
    """MFD's stages from files (decision 0084), each a dask task per tile, the tiles'
    arrays between stages in ``m.folder``: the three accumulations by the seam (0067),
    the streams (the candidates' search here), which cells reach a stream (a search
    across tiles, decision 0110) and ``σ + d`` by the transposed seam, then D_dn, D_up,
    LS and SDR per tile."""
    run = tiled_accum._dask_run
    sx = tiled_accum.exchange_seam(
        parts,
        m.shape,
        m.tile_shape,
        partial(_acc_first, m),
        partial(_acc_again, m),
        run,
        tiled_accum.SEAM_RELATIVE,
    )
    if not sx.valid:
        raise InputError(
            en="the flow directions have no routed cell (all nodata)",
            zh="流向栅格没有有效像元",
            source=m.directions,
            field="nodata",
        )
    out = run(
        [
            (_acc_last, (m, float(threshold), t, sx.inflow.get(t.index), sx.band.get(t.index)))
            for t in parts
        ]
    )
    del sx
    masked = sum(o[1] for o in out)
    if masked:
        _refuse_masked(masked, names[2])
    mismatch = sum(o[2] for o in out)
    if mismatch:
        raise InputError(
            en=f"{mismatch} cells are routed in the flow directions ({names[0]}) but "
            f"nodata in the filled DEM ({names[1]}), or the reverse; give the "
            "directions of this DEM",
            zh=f"流向栅格与填洼 DEM 有 {mismatch} 个像元的有效性不一致：请使用由该 DEM 计算的流向",
            source=m.directions,
            field="nodata",
            values=[mismatch],
        )
    found = [o[0] for o in out]
    del out
    cells = tiled_sdr_mfd.stream_cells(found, m.shape, threshold)
    del found
    groups = tiled_accum._by_tile(cells, np.zeros(len(cells)), parts, m.shape, m.tile_shape)
    for t in parts:  # the streams, one tile at a time
        block = np.zeros((t.rows, t.cols), dtype=np.uint8)
        local = groups.get(t.index, (np.empty(0, dtype=np.int64), None))[0]
        block.reshape(-1)[local] = 1
        np.save(_tile_file(m.folder, "stream", t.index), block)
    del cells, groups
    tiled_sdr_mfd.reach_seam(
        parts, m.shape, m.tile_shape, partial(_mfd_halo, m, False), run, partial(_save_reach, m)
    )
    tiled_sdr_mfd.transposed_seam(
        parts,
        m.shape,
        m.tile_shape,
        partial(_mfd_halo, m, True, plan=True),
        partial(_f_seed, m),
        run,
        m.band,
        partial(_save_f, m),
    )
    return run([(_mfd_final, (m, float(threshold), formulas, t)) for t in parts])
