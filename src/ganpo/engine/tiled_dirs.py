"""Flow directions of a pit-filled DEM in tiles, flats included: each tile is a dask task
whose memory is bounded by the tile, and the result is bitwise
:func:`ganpo.engine.routing.flow_direction_d8` / :func:`~ganpo.engine.routing.flow_direction_mfd`
of the whole raster (issue 19, point 1; docs/decisions/0062).

What the global routine does (routing's ``_directions_into`` and ``_drain_flat``, after
pygeoprocessing 2.4.11, docs/decisions/0058): (a) every cell with a lower neighbour gets
its direction from its eight neighbours alone; (b) the DEM is walked in 256-cell blocks
(:data:`~ganpo.engine.routing.PGP_BLOCK`: rows of blocks, each block row by row), and the
first cell met without a lower neighbour and not yet in a flat is the *root* of its
*flat*: the 8-connected cells of exactly its height (cells with a lower neighbour
included; they are the flat's outlets). ``_drain_flat`` grows the flat breadth-first from
the root, queues its outlets in that order, and sets the directions of the flat's cells.

Stages:

1. per tile (a dask task), with a one-cell halo of the filled DEM (NaN outside the
   raster): (a) for the tile's cells; then the tile's *pieces*: the connected cells of
   equal height inside the tile grown from each cell without a lower neighbour and from
   each cell on the tile's perimeter. A piece with no neighbour of its height in the
   halo is a whole flat; if it has a cell without a lower neighbour, it is drained here
   by routing's own ``_drain_flat`` on the tile with its halo, from its root: the cell
   of the piece without a lower neighbour that comes first in the *global* block walk
   (compared by :func:`walk_key`, computed from the cell's place in the raster, so the
   tile need not be aligned to the blocks). The task returns the tile's directions (flats
   that cross its edge still without one), and, O(perimeter), the pieces that touch the
   perimeter (each with its height, the walk key of its first cell without a lower
   neighbour, its bounding box) and the piece labels and heights of the tile's four
   sides.
2. in the client: two pieces on either side of a tile edge (8-adjacent, across corners
   too) of equal height are one flat (``scipy.sparse.csgraph.connected_components``).
   Each flat of two or more pieces that has a cell without a lower neighbour is a
   *cross-tile flat*: its root is the piece key that is smallest, its box the union of
   the pieces' boxes.
3. per batch of cross-tile flats (a dask task; small flats together, up to
   :data:`BATCH_CELLS` cells of boxes, so the DEM is opened once for many): for each
   flat the DEM inside its box with a one-cell ring (cut at the raster's edge), and
   routing's ``_drain_flat`` on that window from the root; the directions of the flat's
   cells without a lower neighbour are saved per tile.
4. per tile (a dask task): the flats' directions copied into the tile's; the client then
   copies the tiles into the target GeoTIFF one at a time.

Why it is exact.

- (a) reads a cell and its eight neighbours only, which the halo holds; outside the
  raster and NaN are alike to ``_drops`` (neither is a lower neighbour).
- Flats do not depend on one another: ``_drain_flat`` reads the heights (never changed),
  and reads and writes ``flat``, ``dist`` and the directions of its own flat's cells only
  (the breadth-first search and the distance queue step only onto cells of the flat's
  height next to a cell of the flat, which are in the flat; two flats are never 8-adjacent
  at equal height, or they would be one). An outlet's direction from (a) is never
  overwritten: its distance is 0 and no candidate is below it, and MFD skips distance 0.
  So the order in which flats are drained changes nothing, and neither does draining
  some in the tiles and others in the client.
- The only thing the block walk decides is each flat's root: the first cell of the flat
  without a lower neighbour in the walk (a flat is drained once, from the first such
  cell met, because ``_drain_flat`` marks all its cells). :func:`walk_key` is that walk's
  rank of a cell, so the minimum key over the flat's pieces is the global root whatever
  the tiles. (Tiles aligned to the 256-blocks would make the tile's own block walk
  agree with the global one; with explicit keys no alignment is needed, and the tests use
  tiles of a few cells to cross many tile edges.)
- From the same root on the same cells, ``_drain_flat`` on a window repeats the global
  run step by step: the breadth-first order, the outlets' order and the label-correcting
  queue depend only on the root, the neighbour order 0…7 and the heights of the flat
  and its ring, which the window holds (the flat is at least one cell from the window's
  edge unless that edge is the raster's). ``_drain_flat`` treats a cell outside its
  array exactly as a NaN cell (not of the flat's height, not lower, a drain when the flat
  has no outlet), so the raster's edge, where the window is cut, and nodata keep their
  meaning, and the window's own edge is never reached. Distances start at the raster's
  ``rows × cols`` (:func:`ganpo.engine.routing._no_distance`), as globally.
- One difference remains: ``_drain_flat``'s MFD step skips cells whose distance equals
  the *array's* ``rows × cols`` (unreached). A reached cell's distance is a float64 sum
  of 1s and √2s; it can equal the window's area only if that sum rounds to an integer
  (a path of cardinal steps only is shorter than the window's cell count). Should that
  happen, the flat is drained again in a window one NaN row taller (a NaN row beyond the
  ring is read by nothing), whose area no distance equals; a flat whole in a tile for
  which it happens is left to stage 3.

Memory: a stage-1 task holds the tile with its halo (4 or 8 B per cell), the flat marks
(1 B), the distances (float64, 8 B), the piece labels (int32, 4 B) and the directions (1 B
D8, 4 B MFD): 21 B per cell of the tile (MFD, float32 DEM; 18 B D8), plus, for one flat
at a time, numba lists of the piece's cells and ``_drain_flat``'s region (8 B per cell
of the tile's largest flat) and its queue, a ring holding only the cells waiting (a
cell can be queued again each time its distance improves; decision 0107). A stage-3
task holds 17 B (MFD) per cell of the flat's *bounding box* with its ring, not of the
flat alone, and 8 B per cell of the flat for its region, then 9 B (D8; MFD 12 B) per
cell of the flat without a lower neighbour for the result and 12 B more while it is
grouped by tile: a large lake across many tiles is gathered whole (it is one flat; its
drainage distances are global), and a long, thin flat lying diagonally holds a box much
larger than itself; a simplification.
The client holds the perimeters and the pieces touching them: tens of bytes per
perimeter cell.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numba
import numpy as np
import rasterio
import rasterio.windows
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ganpo.engine import routing
from ganpo.engine.routing import D8_NONE, DCOL, DROW, GDAL_CACHE_BYTES, PGP_BLOCK, FlowAlgorithm
from ganpo.engine.tiled_accum import D8_NODATA, MFD_NODATA, _dask_run
from ganpo.engine.tiled_fill import (
    Tile,
    _read_tile,
    join_neighbours,
    scratch_folder,
    tiles,
    write_tiles,
)
from ganpo.errors import InputError
from ganpo.io.raster_files import open_raster, read_window

#: cells of flats' boxes one stage-3 task drains at most (a larger flat alone): many
#: small flats per task, the DEM opened once for them
BATCH_CELLS = 2**22
_NO_KEY = np.iinfo(np.int64).max  # a piece without a cell lacking a lower neighbour
_NO_D8 = np.zeros((1, 1), dtype=np.uint8)
_NO_MFD = np.zeros((1, 1), dtype=np.uint32)


@numba.njit(cache=True, nogil=True)
def walk_key(r: int, c: int, cols: int) -> np.int64:
    """Rank of cell (r, c) of a raster ``cols`` wide in pygeoprocessing's block walk
    (:data:`PGP_BLOCK`² blocks in rows of blocks, each block row by row): smaller is met
    first. A partial last block keeps the full block's stride, which keeps the order."""
    blocks_across = (cols + PGP_BLOCK - 1) // PGP_BLOCK
    block = (r // PGP_BLOCK) * blocks_across + c // PGP_BLOCK
    return np.int64(block) * PGP_BLOCK * PGP_BLOCK + (r % PGP_BLOCK) * PGP_BLOCK + c % PGP_BLOCK


# --- stage 1: one tile ---------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _tile_kernel(
    zh: np.ndarray,
    r0: int,
    c0: int,
    rows: int,
    cols: int,
    gr0: int,
    gc0: int,
    gcols: int,
    unset: float,
    mfd: bool,
    d8h: NDArray[np.uint8],
    packedh: NDArray[np.uint32],
    label: NDArray[np.int32],
) -> tuple[
    NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.bool_], NDArray[np.bool_]
]:
    """Stage 1 on the tile ``zh[r0:r0+rows, c0:c0+cols]`` (``zh``: the tile with its
    halo, cut at the raster's edge, whose cell (0, 0) is the raster's (gr0, gc0); the
    raster is ``gcols`` wide and its flats' distances start at ``unset``). Directions go
    into ``d8h`` / ``packedh`` (halo-shaped, preset), piece labels into ``label``
    (tile-shaped, preset to -1).

    Returns per piece: its walk key (:data:`_NO_KEY` if it has no cell without a lower
    neighbour), its box (global rows/columns, first and one past the last), its height,
    whether it reaches the halo at its height (crosses the tile's edge), and whether it
    is left to stage 3 (crossing, or the rare MFD case of the module docstring)."""
    hr, hc = zh.shape
    flat = np.zeros((hr, hc), dtype=np.uint8)
    dist = np.full((hr, hc), unset, dtype=np.float64)
    w = np.zeros(8, dtype=np.float64)
    for r in range(r0, r0 + rows):
        for c in range(c0, c0 + cols):
            if np.isnan(zh[r, c]):
                continue
            total = routing._drops(zh, r, c, w)
            if total <= 0.0:
                flat[r, c] = 1
            elif mfd:
                packedh[r, c] = routing._pack(w, total)
            else:
                best = 0
                for k in range(1, 8):
                    if w[k] > w[best]:
                        best = k
                d8h[r, c] = best
    area = np.float64(hr) * np.float64(hc)
    keys = [np.int64(0)]
    keys.pop()
    boxes = [np.int64(0)]
    boxes.pop()
    heights = [0.0]
    heights.pop()
    crossing = [False]
    crossing.pop()
    deferred = [False]
    deferred.pop()
    for rs in range(r0, r0 + rows):
        for cs in range(c0, c0 + cols):
            if np.isnan(zh[rs, cs]) or label[rs - r0, cs - c0] >= 0:
                continue
            edge = rs == r0 or cs == c0 or rs == r0 + rows - 1 or cs == c0 + cols - 1
            if flat[rs, cs] != 1 and not edge:
                continue
            piece = len(keys)
            height = zh[rs, cs]
            cells = [np.int64(rs * hc + cs)]
            label[rs - r0, cs - c0] = piece
            key = np.int64(_NO_KEY)
            root_r, root_c = -1, -1
            b0, b1, b2, b3 = rs, cs, rs, cs
            out = False
            head = 0
            while head < len(cells):
                i = cells[head]
                head += 1
                r, c = i // hc, i % hc
                b0, b1, b2, b3 = min(b0, r), min(b1, c), max(b2, r), max(b3, c)
                if flat[r, c] == 1:
                    k_ = walk_key(gr0 + r, gc0 + c, gcols)
                    if k_ < key:
                        key, root_r, root_c = k_, r, c
                for k in range(8):
                    rn, cn = r + DROW[k], c + DCOL[k]
                    if rn < 0 or cn < 0 or rn >= hr or cn >= hc or zh[rn, cn] != height:
                        continue
                    if rn < r0 or cn < c0 or rn >= r0 + rows or cn >= c0 + cols:
                        out = True
                    elif label[rn - r0, cn - c0] < 0:
                        label[rn - r0, cn - c0] = piece
                        cells.append(np.int64(rn * hc + cn))
            later = out
            if not out and key != _NO_KEY:
                routing._drain_flat(zh, root_r, root_c, flat, dist, d8h, packedh, mfd, w)
                if mfd and area != unset:
                    for i in cells:
                        if dist[i // hc, i % hc] == area:
                            later = True  # the rare case: drained again in stage 3
                            break
            keys.append(np.int64(key))
            for b in (b0, b1, b2 + 1, b3 + 1):
                boxes.append(np.int64(b))
            heights.append(np.float64(height))
            crossing.append(out)
            deferred.append(later)
    box = np.array(boxes, dtype=np.int64).reshape(-1, 4)
    box[:, 0] += gr0
    box[:, 2] += gr0
    box[:, 1] += gc0
    box[:, 3] += gc0
    return (
        np.array(keys, dtype=np.int64),
        box,
        np.array(heights, dtype=np.float64),
        np.array(crossing, dtype=np.bool_),
        np.array(deferred, dtype=np.bool_),
    )


@dataclass(frozen=True)
class TilePieces:
    """What stage 1 returns besides the directions: the tile's pieces (walk key, box
    ``row0, col0, row1, col1`` in the raster, height, left to stage 3) and the piece
    labels (-1: none) and heights of its four sides, rows left to right, columns top to
    bottom."""

    tile: Tile
    key: NDArray[np.int64]
    box: NDArray[np.int64]
    height: NDArray[np.float64]
    deferred: NDArray[np.bool_]
    sides: dict[str, tuple[NDArray[np.int32], NDArray[np.float64]]]


def _check_algorithm(algorithm: str) -> bool:
    if algorithm not in ("d8", "mfd"):
        raise InputError(
            en=f"unknown flow algorithm {algorithm!r}; use 'd8' or 'mfd'",
            zh=f"未知的流向算法 {algorithm!r}：请用 'd8' 或 'mfd'",
            field="algorithm",
            values=[algorithm],
        )
    return algorithm == "mfd"


def tile_directions(
    zh: NDArray[np.floating[Any]], tile: Tile, shape: tuple[int, int], mfd: bool
) -> tuple[NDArray[Any], TilePieces]:
    """Stage 1 on the tile ``zh`` read with its halo (:meth:`Tile.halo`) from a raster
    of ``shape``: the tile's directions (flats crossing its edge without one) and its
    pieces."""
    zh = routing._elevations(zh)
    hr0, hc0, h, w = tile.halo(shape)
    if zh.shape != (h, w):
        raise ValueError(f"the tile with its halo is {h} × {w} cells, not {zh.shape}")
    r0, c0 = tile.row0 - hr0, tile.col0 - hc0
    unset = routing._no_distance(shape[0], shape[1])
    d8h = _NO_D8 if mfd else np.full((h, w), D8_NONE, dtype=np.uint8)
    packedh = np.zeros((h, w), dtype=np.uint32) if mfd else _NO_MFD
    label = np.full((tile.rows, tile.cols), -1, dtype=np.int32)
    key, box, height, _, deferred = _tile_kernel(
        zh, r0, c0, tile.rows, tile.cols, hr0, hc0, shape[1], unset, mfd, d8h, packedh, label
    )
    out = (packedh if mfd else d8h)[r0 : r0 + tile.rows, c0 : c0 + tile.cols].copy()
    z = zh[r0 : r0 + tile.rows, c0 : c0 + tile.cols]
    every = slice(None)
    cut: dict[str, tuple[int | slice, int | slice]] = {
        "top": (0, every),
        "bottom": (-1, every),
        "left": (every, 0),
        "right": (every, -1),
    }
    sides = {k: (label[i].copy(), z[i].astype(np.float64)) for k, i in cut.items()}
    # only the pieces on the perimeter, or left to stage 3, go to the client, renumbered
    keep = deferred.copy()
    on_sides = np.concatenate([lab for lab, _ in sides.values()])
    keep[on_sides[on_sides >= 0]] = True
    new_id = np.append(np.cumsum(keep) - 1, -1).astype(np.int32)  # index -1 stays -1
    sides = {k: (new_id[lab], h) for k, (lab, h) in sides.items()}
    return out, TilePieces(tile, key[keep], box[keep], height[keep], deferred[keep], sides)


# --- stage 2: the flats across tiles -------------------------------------------------------


@dataclass(frozen=True)
class CrossFlat:
    """A flat drained in stage 3: its root (row, column in the raster) and its box
    ``row0, col0, row1, col1`` (one past the last)."""

    root: tuple[int, int]
    box: tuple[int, int, int, int]


def _root(key: int, cols: int) -> tuple[int, int]:
    """The cell whose :func:`walk_key` is ``key`` in a raster ``cols`` wide."""
    blocks_across = (cols + PGP_BLOCK - 1) // PGP_BLOCK
    block, within = divmod(key, PGP_BLOCK * PGP_BLOCK)
    br, bc = divmod(block, blocks_across)
    r, c = divmod(within, PGP_BLOCK)
    return br * PGP_BLOCK + r, bc * PGP_BLOCK + c


def cross_flats(pieces: list[TilePieces], shape: tuple[int, int]) -> list[CrossFlat]:
    """Stage 2: join the pieces across tile edges; the flats left to stage 3."""
    offsets: dict[tuple[int, int], int] = {}
    n = 0
    for p in pieces:
        offsets[p.tile.index] = n
        n += len(p.key)
    if n == 0:
        return []
    by_index = {p.tile.index: p for p in pieces}
    a: list[NDArray[np.int64]] = []
    b: list[NDArray[np.int64]] = []

    def side(p: TilePieces, name: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        lab, z = p.sides[name]
        g = lab.astype(np.int64)
        g[g >= 0] += offsets[p.tile.index]
        return g, z

    def join(la: Any, za: Any, lb: Any, zb: Any) -> None:
        """Facing sides: each cell and the three across from it, joined at equal height."""
        for d in (-1, 0, 1):
            lo, hi = max(0, -d), min(len(la), len(lb) - d)
            if hi <= lo:
                continue
            sa, sb = la[lo:hi], lb[lo + d : hi + d]
            ok = (sa >= 0) & (sb >= 0) & (za[lo:hi] == zb[lo + d : hi + d])
            a.append(sa[ok])
            b.append(sb[ok])

    for p in pieces:
        join_neighbours(p, by_index, side, join)
    ea = np.concatenate(a) if a else np.empty(0, dtype=np.int64)
    eb = np.concatenate(b) if b else np.empty(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(ea), dtype=np.int8), (ea, eb)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    key = np.concatenate([p.key for p in pieces])
    box = np.concatenate([p.box for p in pieces])
    deferred = np.concatenate([p.deferred for p in pieces])
    size = np.bincount(comp)
    order = np.argsort(comp, kind="stable")
    starts = np.concatenate(([0], np.cumsum(size)))
    out = []
    for g in range(len(size)):
        members = order[starts[g] : starts[g + 1]]
        root = int(key[members].min())
        if root == _NO_KEY or (size[g] < 2 and not deferred[members].any()):
            continue  # no cell without a lower neighbour, or drained in its tile
        bx = box[members]
        out.append(
            CrossFlat(
                _root(root, shape[1]),
                (
                    int(bx[:, 0].min()),
                    int(bx[:, 1].min()),
                    int(bx[:, 2].max()),
                    int(bx[:, 3].max()),
                ),
            )
        )
    return out


# --- stage 3: one flat across tiles --------------------------------------------------------


def _flat_window(flat: CrossFlat) -> Tile:
    r0, c0, r1, c1 = flat.box
    return Tile((-1, -1), r0, c0, r1 - r0, c1 - c0)


def drain_cross_flat(
    zw: NDArray[np.floating[Any]], flat: CrossFlat, shape: tuple[int, int], mfd: bool
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """Stage 3: ``zw`` is the DEM in the flat's box with a one-cell ring, cut at the
    raster's edge (:meth:`Tile.halo` of :func:`_flat_window`); returns the flat's cells
    (linear indices in the raster) and their directions."""
    zw = routing._elevations(zw)
    wr0, wc0, _, _ = _flat_window(flat).halo(shape)
    unset = routing._no_distance(shape[0], shape[1])
    while True:
        h, w = zw.shape
        marks = np.zeros((h, w), dtype=np.uint8)
        dist = np.full((h, w), unset, dtype=np.float64)
        d8 = _NO_D8 if mfd else np.full((h, w), D8_NONE, dtype=np.uint8)
        packed = np.zeros((h, w), dtype=np.uint32) if mfd else _NO_MFD
        r, c = flat.root[0] - wr0, flat.root[1] - wc0
        routing._drain_flat(zw, r, c, marks, dist, d8, packed, mfd, np.zeros(8, dtype=np.float64))
        area = float(h) * float(w)
        if not mfd or area == unset or not _reached_at(marks, dist, area):
            break
        zw = np.concatenate([zw, np.full((1, w), np.nan, dtype=zw.dtype)])  # module docstring
    # the flat's cells without a lower neighbour: the outlets keep their stage-1 direction
    return _flat_out(zw, marks, packed if mfd else d8, wr0, wc0, shape[1])


@numba.njit(cache=True, nogil=True)
def _reached_at(marks: NDArray[np.uint8], dist: NDArray[np.float64], area: float) -> bool:
    """Whether a cell of the flat (``marks == 2``) has the distance ``area``."""
    rows, cols = marks.shape
    for r in range(rows):
        for c in range(cols):
            if marks[r, c] == 2 and dist[r, c] == area:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def _flat_out(
    z: np.ndarray, marks: NDArray[np.uint8], directions: np.ndarray, r0: int, c0: int, cols: int
) -> tuple[NDArray[np.int64], np.ndarray]:
    """The cells of the flat (``marks == 2``) that have no lower neighbour, row by row,
    as linear indices in a raster ``cols`` wide of which ``z`` is the window from
    (``r0``, ``c0``), and their ``directions``. Counted first (such cells are marked 3),
    so that only the result is allocated: for a flat of 3·10⁷ cells, two index arrays of
    every flat cell (0.5 GB) were."""
    w = np.zeros(8, dtype=np.float64)
    rows, width = marks.shape
    n = 0
    for r in range(rows):
        for c in range(width):
            if marks[r, c] == 2 and routing._drops(z, r, c, w) <= 0.0:
                marks[r, c] = 3
                n += 1
    cells = np.empty(n, dtype=np.int64)
    values = np.empty(n, dtype=directions.dtype)
    j = 0
    for r in range(rows):
        for c in range(width):
            if marks[r, c] == 3:
                cells[j] = np.int64(r + r0) * cols + (c + c0)
                values[j] = directions[r, c]
                j += 1
    return cells, values


def _by_tile(
    cells: NDArray[np.int64], shape: tuple[int, int], tile: tuple[int, int]
) -> dict[tuple[int, int], NDArray[np.int64]]:
    """The positions in ``cells`` of each tile's cells, in their order in ``cells``."""
    across = (shape[1] + tile[1] - 1) // tile[1]
    down = (shape[0] + tile[0] - 1) // tile[0]
    order, starts = _tile_order(cells, shape[1], tile[0], tile[1], across, down * across)
    return {
        (t // across, t % across): order[starts[t] : starts[t + 1]]
        for t in np.flatnonzero(np.diff(starts)).tolist()
    }


@numba.njit(cache=True, nogil=True)
def _tile_order(
    cells: NDArray[np.int64], cols: int, tile_rows: int, tile_cols: int, across: int, n: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """A stable counting sort of ``cells`` (linear indices in a raster ``cols`` wide) by
    their tile among ``n``: the positions in ``cells``, tile by tile, and where each
    tile's run starts (``n + 1`` entries). 12 B per cell; numpy's ``argsort`` with the
    rows, columns and tiles as int64 arrays needed about 70 (2.2 GB for the 3·10⁷ cells
    of one flat)."""
    which = np.empty(len(cells), dtype=np.int32)
    starts = np.zeros(n + 1, dtype=np.int64)
    for j in range(len(cells)):
        r, c = cells[j] // cols, cells[j] % cols
        t = (r // tile_rows) * across + c // tile_cols
        which[j] = t
        starts[t + 1] += 1
    for t in range(n):
        starts[t + 1] += starts[t]
    at = starts[:-1].copy()
    order = np.empty(len(cells), dtype=np.int64)
    for j in range(len(cells)):
        order[at[which[j]]] = j
        at[which[j]] += 1
    return order, starts


def _tile_shape(tile: int | tuple[int, int]) -> tuple[int, int]:
    return (tile, tile) if isinstance(tile, int) else (int(tile[0]), int(tile[1]))


# --- arrays in memory (the same stages, for tests and small rasters) ----------------------


def flow_directions_tiled_array(
    filled: NDArray[np.floating[Any]], tile: int | tuple[int, int], algorithm: FlowAlgorithm
) -> NDArray[Any]:
    """The stages on a pit-filled DEM in memory (NaN = nodata), tile by tile, no dask:
    equal, bitwise, to :func:`ganpo.engine.routing.flow_direction_d8` (uint8, 255 none)
    or :func:`~ganpo.engine.routing.flow_direction_mfd` (uint32, 0 none). For tests and
    to show the stages; :func:`flow_directions_tiled` is the one that bounds memory."""
    mfd = _check_algorithm(algorithm)
    shape = (filled.shape[0], filled.shape[1])
    parts = tiles(shape, tile)

    def window(t: Tile) -> NDArray[np.floating[Any]]:
        r0, c0, h, w = t.halo(shape)
        return filled[r0 : r0 + h, c0 : c0 + w]

    out = np.empty(shape, dtype=np.uint32 if mfd else np.uint8)
    pieces = []
    for t in parts:
        d, p = tile_directions(window(t), t, shape, mfd)
        out[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = d
        pieces.append(p)
    flat_out = out.reshape(-1)
    for f in cross_flats(pieces, shape):
        cells, values = drain_cross_flat(window(_flat_window(f)), f, shape, mfd)
        flat_out[cells] = values
    return out


# --- files and dask -----------------------------------------------------------------------


def directions_profile(profile: dict[str, Any], mfd: bool) -> dict[str, Any]:
    """The profile of a directions GeoTIFF as :func:`ganpo.engine.tiled_accum.write_directions`
    writes it (uint8 D8 / uint32 MFD, nodata :data:`D8_NODATA` / :data:`MFD_NODATA`)."""
    return {
        "driver": "GTiff",
        "width": profile["width"],
        "height": profile["height"],
        "count": 1,
        "dtype": "uint32" if mfd else "uint8",
        "nodata": MFD_NODATA if mfd else D8_NODATA,
        "crs": profile.get("crs"),
        "transform": profile.get("transform"),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }


def _stage1(
    path: Path, tile: Tile, shape: tuple[int, int], dtype: str, mfd: bool, folder: Path
) -> tuple[Path, TilePieces]:
    zh = _read_tile(path, tile, shape, dtype)
    d, pieces = tile_directions(zh, tile, shape, mfd)
    hr0, hc0, _, _ = tile.halo(shape)
    r0, c0 = tile.row0 - hr0, tile.col0 - hc0
    nodata = np.isnan(zh[r0 : r0 + tile.rows, c0 : c0 + tile.cols])
    d[nodata] = MFD_NODATA if mfd else D8_NODATA
    target = folder / f"tile_{tile.index[0]}_{tile.index[1]}.npy"
    np.save(target, d)
    return target, pieces


def _read_box(src: Any, path: Path, box: Tile, shape: tuple[int, int], dtype: str) -> NDArray[Any]:
    """The DEM in ``box`` with a one-cell ring cut at the raster's edge, from the open
    ``src``, nodata as NaN (as :func:`ganpo.engine.tiled_fill._read_tile` reads a tile)."""
    r0, c0, h, w = box.halo(shape)
    a = read_window(src, path, "dem", rasterio.windows.Window(c0, r0, w, h))
    z = a.astype(dtype)
    nodata = src.nodata
    if nodata is not None and not np.isnan(nodata):
        for r in range(0, h, 256):  # compared in float64 as routing does, a strip at once
            z[r : r + 256][a[r : r + 256].astype(np.float64) == nodata] = np.nan
    return z


def _batches(flats: list[CrossFlat], cells: int) -> list[list[tuple[int, CrossFlat]]]:
    """The flats (numbered) in batches of at most ``cells`` cells of boxes each (a flat
    larger than that alone): one task opens the DEM once for many small flats."""
    out: list[list[tuple[int, CrossFlat]]] = []
    size = cells
    for j, f in enumerate(flats):
        area = (f.box[2] - f.box[0] + 2) * (f.box[3] - f.box[1] + 2)
        if size + area > cells:
            out.append([])
            size = 0
        out[-1].append((j, f))
        size += area
    return out


def _stage3(
    path: Path,
    batch: list[tuple[int, CrossFlat]],
    shape: tuple[int, int],
    dtype: str,
    mfd: bool,
    tile: tuple[int, int],
    folder: Path,
) -> list[tuple[tuple[int, int], Path]]:
    found: list[tuple[NDArray[np.int64], NDArray[Any]]] = []
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES), open_raster(path, "dem") as src:
        for _, flat in batch:
            zw = _read_box(src, path, _flat_window(flat), shape, dtype)
            found.append(drain_cross_flat(zw, flat, shape, mfd))
    if len(found) == 1:  # a large flat is alone in its batch: no copy of its cells
        cells, values = found[0]
    else:
        cells = np.concatenate([c for c, _ in found])
        values = np.concatenate([v for _, v in found])
    del found
    out = []
    for index, at in _by_tile(cells, shape, tile).items():
        target = folder / f"flats_{batch[0][0]}_{index[0]}_{index[1]}.npz"
        np.savez(target, cells=cells[at], values=values[at])
        out.append((index, target))
    return out


#: numpy reads an array file's header with ``ast.literal_eval``, whose parser CPython 3.11
#: does not guard across threads: two tiles of stage 4 loading at once on a threaded
#: scheduler failed with "SystemError: AST constructor recursion depth mismatch"
#: (CPython gh-106905). The loads of this module take turns; the arrays are small.
_LOADING = threading.Lock()


def _stage4(tile_file: Path, tile: Tile, cols: int, patches: list[Path]) -> Path:
    with _LOADING:
        d = np.load(tile_file)
    flat_d = d.reshape(-1)
    for f in patches:
        with _LOADING, np.load(f) as patch:
            cells, values = patch["cells"], patch["values"]
        r, c = cells // cols - tile.row0, cells % cols - tile.col0
        flat_d[r * tile.cols + c] = values
        with contextlib.suppress(OSError):
            f.unlink()
    np.save(tile_file, d)
    return tile_file


def flow_directions_tiled(
    filled_path: Path,
    target: Path,
    algorithm: FlowAlgorithm,
    tile: int | tuple[int, int] = 4096,
    *,
    scratch: Path | None = None,
) -> int:
    """Write the D8 or MFD directions of the pit-filled DEM at ``filled_path`` (e.g.
    :func:`ganpo.engine.tiled_fill.fill_pits_tiled`'s result) to ``target`` in tiles, as
    :func:`ganpo.engine.tiled_accum.write_directions` writes them (the input of
    :func:`ganpo.engine.tiled_accum.flow_accumulation_tiled`); returns the number of flats
    drained across tiles.

    Stages 1, 3 and 4 are dask tasks (per tile, per cross-tile flat, per tile) on the
    current dask scheduler (:func:`ganpo.engine.compute.scheduler`), reading the DEM
    themselves (the workers must see it and ``scratch``, default ``target``'s folder);
    stage 2 runs here. ``target`` appears only once complete. The directions equal
    :func:`ganpo.engine.routing.flow_direction_d8` / ``flow_direction_mfd`` of the whole
    DEM, bitwise (module docstring); nodata cells are :data:`D8_NODATA` / :data:`MFD_NODATA`.
    """
    mfd = _check_algorithm(algorithm)
    filled_path, target = Path(filled_path), Path(target)
    shape, _, profile, dtype = routing._open_dem(filled_path)
    name = str(dtype)
    parts = tiles(shape, tile)
    tile_shape = _tile_shape(tile)
    with scratch_folder(target, scratch, "tileddirs") as folder:
        first = _dask_run([(_stage1, (filled_path, t, shape, name, mfd, folder)) for t in parts])
        files = [f for f, _ in first]
        flats = cross_flats([p for _, p in first], shape)
        patches: dict[tuple[int, int], list[Path]] = {}
        for written in _dask_run(
            [
                (_stage3, (filled_path, batch, shape, name, mfd, tile_shape, folder))
                for batch in _batches(flats, BATCH_CELLS)
            ]
        ):
            for index, p in written:
                patches.setdefault(index, []).append(p)
        _dask_run(  # each rewrites its tile's file in place
            [
                (_stage4, (f, t, shape[1], patches[t.index]))
                for f, t in zip(files, parts, strict=True)
                if t.index in patches
            ]
        )
        profile = dict(profile, width=shape[1], height=shape[0])
        write_tiles(target, directions_profile(profile, mfd), parts, files)
    return len(flats)
