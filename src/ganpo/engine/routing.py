"""Flow routing on a DEM (pit filling, D8 and MFD flow direction, flow accumulation,
slope) and the rasters derived from them: the RUSLE LS factor and InVEST SDR's sediment
delivery ratio.

Routing is global, not blockwise: water that falls on one block leaves through another,
so pit filling and flow accumulation need the whole DEM. :func:`ls_factor_raster` and
:func:`sdr_raster` therefore hold DEM-sized working arrays, once, in a preprocessing step
before the blockwise account, and write their result to a GeoTIFF that the engine then
reads block by block like any input layer.

The algorithms follow the ones InVEST's SDR model uses through pygeoprocessing, so that
the LS factor agrees with InVEST on the same DEM (docs/decisions/0008):

- pits are filled to their lowest pour point (Priority-Flood, Barnes et al. 2014,
  doi:10.1016/j.cageo.2013.04.024), with edge cells and cells next to nodata as outlets;
  filled pits become flats;
- D8: the neighbour of steepest descent (diagonal drops divided by √2);
  MFD: every lower neighbour gets a share proportional to its drop (diagonal drops
  divided by √2), stored as pygeoprocessing stores it, eight 4-bit weights (0–15) in one
  uint32 (neighbour k in bits 4k…4k+3); the quantisation to 1/15 is part of the result;
- flats drain towards their nearest outlet (distance from the flat's cells that have a
  lower neighbour, or, if none, from its cells next to nodata or the edge) exactly as
  pygeoprocessing 2.4.11 ``flow_dir_d8`` / ``flow_dir_mfd`` resolve them
  (docs/decisions/0058): flats found in pygeoprocessing's block order, outlets queued in
  its order, float64 distances, so ties between equally near outlets break the same way
  and the directions are bitwise the same;
- flow accumulation counts each cell itself (1) plus what flows in; flow leaving the
  raster or into nodata is lost;
- slope is Horn's (1981) finite difference, with one-sided differences where a neighbour
  is nodata or outside the raster.

Neighbour k = 0…7 runs E, NE, N, NW, W, SW, S, SE (k odd: diagonal).

On two cores (docs/decisions/0102). From :data:`THREADED_CELLS` cells the pits are filled
by tiles of :data:`FILL_TILE`² cells, :data:`STRIP_THREADS` tiles at a time
(:func:`ganpo.engine.tiled_fill.fill_pits_in_place`, Barnes 2016), and the directions of
the cells with a lower neighbour, the flats that lie inside a band of whole
:data:`PGP_BLOCK`-row blocks, and the slope are computed in bands of rows by as many
threads; the flats that cross a band's edge are drained after them, one by one, as
before. Every result is bitwise the one-thread routing's. The traversals (accumulation,
streams, weighted accumulations, distance to stream) stay on one thread.

:func:`sdr_raster` derives InVEST SDR's sediment delivery ratio the same way (streams by
flow-accumulation threshold, D_up, D_dn, IC; docs/decisions/0008).

Memory (docs/decisions/0009, "Memory of routing, revised"). The working set is staged:
each DEM-sized array is allocated when first needed and dropped as soon as it is dead,
and buffers are reused across stages. Per cell, with a float32 DEM (a DEM of another
integer or 16-bit type is held as float32 too, exactly; a float64 or 32-bit integer DEM
as float64):

- the DEM as read (float32, 4 B; values are copied by pit filling, never computed, so
  float32 holds the filled DEM exactly), a uint8 work array (1 B: closed cells of the
  Priority-Flood, then the flat marks, then per-cell in-/out-degree counters), the flow
  directions (MFD uint32 4 B, D8 uint8 1 B), a float64 array (8 B) of the flats'
  distances while directions are set (float64 as pygeoprocessing keeps them: its ties
  follow their last bits), freed before the float32 slope (4 B) is allocated: 17 B/cell
  while directions are set (MFD, float32 DEM; 21 B with a float64 DEM); while pits are
  filled by tiles, the tiles' watershed labels (int32, 4 B): 9 B/cell;
- LS: the DEM is freed, then the flow accumulation (float64, 8 B): **17 B/cell (MFD)**;
- SDR: W = max(C, 0.001) (float32), S (float32), the flow accumulation (float64, used
  for the streams, then kept as float32 and overwritten by D_up), the streams (uint8),
  two float64 buffers for the W- and S-weighted accumulations, made in one traversal (the
  first then reused for D_dn): **34 B/cell at the peak (MFD), 31 B (D8)**; the MFD
  streams' two queues (uint32, 8 B, while traced: 22 + 8 B, or 26 + 8 B beside the LS
  writer) do not exceed it (decision 0103). Until
  2026-12-03 the two weighted accumulations were two traversals into one buffer (30 B,
  27 B); one traversal costs 4 B/cell more and saves a traversal, about a sixth of the
  SDR's time. Earlier still, about 130 B by count (90 B resident, measured).
- LS and SDR of the same DEM and algorithm: :func:`ls_and_sdr_rasters` routes once and
  writes the LS factor from the SDR's working set (its peak, 34 B/cell).

Traversals use the uint8 counters, not index arrays: the upstream-first pass (flow
accumulation) scans the cells backwards and, from each cell without inflow, follows the
cells it completes on a small growable stack, which visits the cells in the very order
the earlier version's full stack of sources did (the sums are bitwise the same); D_dn
is computed downstream first, driven by the out-degree counters the same way. Stored in
float32 where the output is float32 anyway: slope, S, W, D_up; the sums (accumulations,
D_dn) are float64. Against the earlier all-float64 version the LS raster is identical and
the SDR raster differs by float32 rounding of W, S and the accumulation (about 1e-7).

With at least ``GANPO_ROUTING_SCRATCH_CELLS`` cells (default 50 million), or with
``scratch_cells=0``, the working arrays are ``numpy.memmap`` files in a temporary folder
(in ``scratch``, default the target's folder), removed at the end, also on error. That
moves them from anonymous memory to the page cache, which the kernel can write back and
evict under memory pressure (there is no swap to do that for anonymous memory); it does
not lower the resident size while memory is free (file pages count as resident, so
``ru_maxrss`` is the same), and it costs disk space and writes. Not bounded by it: the
Priority-Flood heap, pit stack and slope-cell stack, and each flat's cell lists (numba
lists in anonymous memory, up to 8–16 bytes per cell of the largest depression, flat
or slope front), the row strips
read and written (``CHUNK_CELLS``, GDAL's cache capped at ``GDAL_CACHE_BYTES``), and the
interpreter (about 0.16 GB).

Measured (``benchmarks/bench_routing.py 2000 4000 10000``, MFD, 2026-11-22, on 2 cores
shared with an InVEST benchmark, so times are noisy; RSS = ``ru_maxrss``, anon / file =
largest ``RssAnon`` / ``RssFile``; GiB):

============  ===========  ========  =====  ===========  =========  =========
size          function     arrays    time   peak RSS     anon       file
============  ===========  ========  =====  ===========  =========  =========
2000²         LS           memory    1.8 s  0.42         0.24       0.18
2000²         LS           file      1.9 s  0.43         0.18       0.25
2000²         SDR          memory    3.0 s  0.47         0.29       0.18
2000²         SDR          file      3.0 s  0.49         0.20       0.29
4000²         LS           memory    8.4 s  0.61         0.43       0.18
4000²         LS           file      8.1 s  0.60         0.21       0.44
4000²         SDR          memory    14 s   0.81         0.63       0.18
4000²         SDR          file      14 s   0.83         0.22       0.63
10000²        LS           memory    61 s   1.95         1.77       0.18
10000²        LS           file      61 s   1.95         0.50       1.77
10000²        SDR          memory    110 s  3.17         2.98       0.19
10000²        SDR          file      105 s  3.16         0.50       2.98
============  ===========  ========  =====  ===========  =========  =========

Before (the earlier version, same script): LS 1.9 s / 0.44 GiB at 2000², 8.7 s / 0.68
GiB at 4000², 70 s / 2.34 GiB at 10000² (109 s in a busier run: LS time is unchanged
within the noise); SDR 3.5 s / 0.68 GiB, 18.8 s / 1.69 GiB and 189 s / 8.54 GiB (peak
RSS).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import heapq
import itertools
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import numba
import numpy as np
import rasterio
import rasterio.windows
from numpy.typing import DTypeLike, NDArray

from ganpo.errors import InputError
from ganpo.io.outputs import DERIVED_CACHE, writing
from ganpo.io.raster_files import open_raster, read_window
from ganpo.services import rusle

log = logging.getLogger(__name__)

FlowAlgorithm = Literal["mfd", "d8"]
ALGORITHMS: tuple[FlowAlgorithm, ...] = ("mfd", "d8")
D8_NONE = 255  # no flow direction (nodata, or an unfilled pit)
DROW = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
DCOL = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
SQRT2 = float(np.sqrt(2.0))  # 1.4142135623730951, pygeoprocessing's SQRT2
#: side of the blocks in which pygeoprocessing visits the DEM when it looks for flats:
#: the 256 × 256 tiles of the GeoTIFFs it and InVEST write (the pit-filled DEM included)
PGP_BLOCK = 256
INV_SQRT2 = 1.0 / SQRT2
STRIP_ROWS = 256  # rows of the strips written (the output's tile height)
CHUNK_CELLS = 2**18  # cells computed or read at once outside the numba kernels
#: threads computing the strips of a derived raster while it is written (numpy formulas)
STRIP_THREADS = max(1, min(4, os.cpu_count() or 1))
#: GDAL's block cache while routing reads its inputs and writes its result [bytes]: a
#: row of tiles, not the whole raster (GDAL's default is 5 % of the machine's memory)
GDAL_CACHE_BYTES = 32 * 2**20
#: cells from which the working arrays are file-backed (numpy.memmap), unless overridden
SCRATCH_CELLS_ENV = "GANPO_ROUTING_SCRATCH_CELLS"
DEFAULT_SCRATCH_CELLS = 50_000_000
#: rasters of this many cells or more have their pits filled by tiles of FILL_TILE² cells,
#: STRIP_THREADS tiles at a time (:func:`ganpo.engine.tiled_fill.fill_pits_in_place`,
#: bitwise the one Priority-Flood of :func:`fill_pits`), and their flow directions (the
#: flats inside bands included) and slope computed in bands of rows by STRIP_THREADS
#: threads (:func:`_in_bands`); 2¹⁹ = 724²: at 10⁶ cells the routing alone took 0.76 s
#: instead of 0.90 s (decision 0102)
THREADED_CELLS = 2**19
FILL_TILE = 512
# the uint8 state of a cell during traversals: low 4 bits its in-degree (0–8; 15 once
# passed on downstream), high 4 bits its out-degree (0–8; 15 once its distance is set);
# NODATA_STATE (14, 14 — counts never reach 14) marks a cell that is not routed
DONE = 15
NODATA_STATE = 0xEE
# ``flat`` while directions are set: 0 a cell with a lower neighbour, 1 one without, 2 a
# cell of a flat already drained; the cells of a flat that crosses the edge of a band of
# rows, left by a band's :func:`_drain_flats` to the whole raster's: FLAT_ACROSS (no
# lower neighbour) and EDGE_ACROSS (a lower neighbour: an outlet)
FLAT_ACROSS = 3
EDGE_ACROSS = 4
# DEM types whose every value a float32 holds exactly
_FLOAT32_EXACT = {"float32", "int8", "uint8", "int16", "uint16"}
_NO_WEIGHTS = np.zeros((1, 1), dtype=np.float64)
_NO_W32 = np.zeros((1, 1), dtype=np.float32)
_NO_D8 = np.zeros((1, 1), dtype=np.uint8)
_NO_MFD = np.zeros((1, 1), dtype=np.uint32)
_NO_ORDER = np.zeros(0, dtype=np.uint32)  # _accumulate records no order


# --- working arrays: in memory or file-backed ------------------------------------------


class Workspace:
    """Allocator of the DEM-sized working arrays of one routing run.

    With ``folder`` None they are ordinary arrays; otherwise each is a ``numpy.memmap``
    of a file in ``folder``, unlinked as soon as it is mapped, so the disk space is
    released as soon as the array is dropped (and the folder is empty even after a
    crash). Numba receives plain ndarray views of the maps.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._count = 0

    @property
    def file_backed(self) -> bool:
        return self.folder is not None

    def empty(self, shape: tuple[int, int], dtype: DTypeLike) -> NDArray[Any]:
        """An uninitialised array (zero-filled if file-backed)."""
        if self.folder is None:
            return np.empty(shape, dtype=dtype)
        self._count += 1
        path = self.folder / f"array{self._count}.bin"
        mapped = np.memmap(path, dtype=dtype, mode="w+", shape=shape)
        path.unlink()  # the mapping keeps the file alive until the array is dropped
        return mapped.view(np.ndarray)

    def full(self, shape: tuple[int, int], dtype: DTypeLike, value: float) -> NDArray[Any]:
        out = self.empty(shape, dtype)
        out.fill(value)
        return out


def scratch_threshold(scratch_cells: int | None = None) -> int:
    """Cells from which routing keeps its working arrays in files: ``scratch_cells`` if
    given, else the environment variable ``GANPO_ROUTING_SCRATCH_CELLS``, else 50 million."""
    if scratch_cells is None:
        raw = os.environ.get(SCRATCH_CELLS_ENV, "").strip()
        if not raw:
            return DEFAULT_SCRATCH_CELLS
        try:
            scratch_cells = int(raw)
        except ValueError:
            scratch_cells = -1
        if scratch_cells < 0:
            raise InputError(
                en=f"{SCRATCH_CELLS_ENV}={raw!r} is not a number of cells; set it to a whole "
                "number ≥ 0 (0: always file-backed) or unset it",
                zh="不是有效的像元数，请设为不小于 0 的整数或删除该环境变量",
                field=SCRATCH_CELLS_ENV,
                values=[raw],
            )
    if scratch_cells < 0:
        raise InputError(
            en=f"scratch_cells must be ≥ 0, not {scratch_cells}",
            zh="scratch_cells 须不小于 0",
            field="scratch_cells",
            values=[scratch_cells],
        )
    return scratch_cells


@contextlib.contextmanager
def workspace(
    cells: int, near: Path, scratch: Path | None = None, scratch_cells: int | None = None
) -> Iterator[Workspace]:
    """The :class:`Workspace` for a raster of ``cells`` cells: in memory below
    :func:`scratch_threshold`, else file-backed in a temporary folder created in
    ``scratch`` (default ``near``) and removed on exit, also on error. The folder's disk
    needs room for the arrays (up to 34 bytes per cell): the files are sparse, and a disk
    that fills up while the kernel writes their pages back stops the process (SIGBUS)."""
    if cells < scratch_threshold(scratch_cells):
        yield Workspace()
        return
    parent = scratch if scratch is not None else near
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".ganpo-routing-", dir=parent))
    log.info("routing %d cells with file-backed working arrays in %s", cells, folder)
    try:
        yield Workspace(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- pit filling and flow direction ------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _inside(r: int, c: int, rows: int, cols: int) -> bool:
    return 0 <= r < rows and 0 <= c < cols


@numba.njit(cache=True, nogil=True)
def _fill_pits(z: np.ndarray, closed: NDArray[np.uint8]) -> None:
    rows, cols = z.shape
    closed[:, :] = 0
    heap = [(0.0, np.int64(0))]
    heap.pop()
    pit = [np.int64(0)]
    pit.pop()
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                continue
            outlet = r == 0 or c == 0 or r == rows - 1 or c == cols - 1
            if not outlet:
                for k in range(8):
                    if np.isnan(z[r + DROW[k], c + DCOL[k]]):
                        outlet = True
                        break
            if outlet:
                closed[r, c] = 1
                heapq.heappush(heap, (np.float64(z[r, c]), np.int64(r * cols + c)))
    # cells reached uphill, not yet expanded; a list, as the pits': an array grown by
    # reassigning it inside the loop cost numba a reference count update per cell
    slope = [np.int64(0)]
    slope.pop()
    while len(slope) > 0 or len(heap) > 0 or len(pit) > 0:
        if len(slope) > 0:  # a slope cell: expand it now unless a lower cell is still open
            i = slope.pop()
            r, c = i // cols, i % cols
            here = z[r, c]
            lower = False
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if _inside(rn, cn, rows, cols) and closed[rn, cn] == 0 and z[rn, cn] < here:
                    lower = True
                    break
            if lower:
                heapq.heappush(heap, (np.float64(here), i))
                continue
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if not _inside(rn, cn, rows, cols) or closed[rn, cn] != 0 or np.isnan(z[rn, cn]):
                    continue
                closed[rn, cn] = 1
                slope.append(np.int64(rn * cols + cn))
            continue
        i = pit.pop() if len(pit) > 0 else heapq.heappop(heap)[1]
        r, c = i // cols, i % cols
        level = z[r, c]
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or closed[rn, cn] != 0 or np.isnan(z[rn, cn]):
                continue
            closed[rn, cn] = 1
            n = np.int64(rn * cols + cn)
            if z[rn, cn] <= level:
                z[rn, cn] = level
                pit.append(n)
            else:
                slope.append(n)


def fill_pits(z: NDArray[np.floating[Any]]) -> None:
    """Fill every pit of ``z`` (NaN = nodata) in place to its lowest pour point.

    Priority-Flood (Barnes et al. 2014, doi:10.1016/j.cageo.2013.04.024): start from the
    outlets (edge cells and cells next to nodata), always expand the lowest open cell; a
    neighbour lower than the cell it is reached from lies in a pit and is raised to that
    cell's height. Cells raised that way are expanded first, from a stack (they all share
    the spill height). A neighbour higher than the cell it is reached from keeps its
    height, whatever the order: with the variant of Zhou, Sun & Fu (2016,
    doi:10.1016/j.cageo.2016.02.021) it goes on a stack of slope cells instead of the
    priority queue, and is expanded from there at once unless one of its open
    neighbours is lower than it (then expanding it could raise that neighbour to a
    height it would not spill at, so it waits in the queue). On a landscape of slopes
    most cells thus skip the queue. The filled surface (the lowest one without pits) is
    unique, so the order changes no value. Heights are only copied, so a float32 DEM
    stays exact.
    """
    _fill_pits(z, np.empty(z.shape, dtype=np.uint8))


@numba.njit(cache=True, nogil=True)
def _drops(z: np.ndarray, r: int, c: int, out: NDArray[np.float64]) -> float:
    """Drop to each lower valid neighbour (diagonals / √2) into ``out``; their sum."""
    rows, cols = z.shape
    total = 0.0
    for k in range(8):
        out[k] = 0.0
        rn, cn = r + DROW[k], c + DCOL[k]
        if not _inside(rn, cn, rows, cols) or np.isnan(z[rn, cn]):
            continue
        drop = np.float64(z[r, c]) - np.float64(z[rn, cn])
        if drop > 0.0:
            if k & 1:
                drop *= INV_SQRT2
            out[k] = drop
            total += drop
    return total


@numba.njit(cache=True, nogil=True)
def _pack(weights: NDArray[np.float64], total: float) -> np.uint32:
    """Eight shares as 4-bit integers (round(15 × share)) in one uint32."""
    packed = np.uint32(0)
    for k in range(8):
        q = np.uint32(int(0.5 + weights[k] / total * 15.0))
        packed |= q << np.uint32(4 * k)
    return packed


@numba.njit(cache=True, nogil=True)
def _directions_rows(
    z: np.ndarray,
    mfd: bool,
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    flat: NDArray[np.uint8],
    r0: int,
    r1: int,
) -> None:
    """The first step of :func:`_directions_into` on rows ``r0…r1-1``: the direction of
    every cell there with a lower neighbour (from its eight neighbours alone), into
    ``d8`` (D8, preset to 255) or ``packed`` (MFD, preset to 0); the others marked
    ``flat = 1`` (``flat`` preset to 0s). Bands of rows are independent."""
    cols = z.shape[1]
    w = np.zeros(8, dtype=np.float64)
    for r in range(r0, r1):
        for c in range(cols):
            if np.isnan(z[r, c]):
                continue
            total = _drops(z, r, c, w)
            if total <= 0.0:
                flat[r, c] = 1  # 1: no lower neighbour; 2: seen in a flat
            elif mfd:
                packed[r, c] = _pack(w, total)
            else:
                best = 0
                for k in range(1, 8):
                    if w[k] > w[best]:
                        best = k
                d8[r, c] = best


@numba.njit(cache=True, nogil=True)
def _drain_flats(
    z: np.ndarray,
    mfd: bool,
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    flat: NDArray[np.uint8],
    dist: NDArray[np.float64],
    r_lo: int,
    r_hi: int,
) -> None:
    """The second step of :func:`_directions_into` on rows ``r_lo…r_hi-1``: every flat
    (:func:`_drain_flat`), each from the first of its cells without a lower neighbour met
    when the DEM is visited block by block (:data:`PGP_BLOCK`² blocks in rows of blocks,
    each block row by row), which fixes the order of the flat's outlets and so which of
    two equally near outlets a D8 cell drains to. ``dist`` is preset to
    :func:`_no_distance`.

    On a band of whole rows of blocks (not the whole raster), only the flats that lie
    wholly in the band are drained, so that bands can run at the same time: inside such
    a band the blocks are visited in the order of the whole raster, so such a flat is met
    first at its own root. A flat with a cell of its height just outside the band is
    left; its cells in the band are marked :data:`FLAT_ACROSS` (no lower neighbour) or
    :data:`EDGE_ACROSS` (an outlet), so that it is searched only once. The pass over the
    whole raster then drains what is left, taking FLAT_ACROSS cells as roots (flats
    already drained are marked 2). Reads and writes stay in the band's rows, except reads
    of ``z`` (never written)."""
    rows, cols = z.shape
    whole = r_lo == 0 and r_hi == rows
    w = np.zeros(8, dtype=np.float64)
    for br in range(r_lo, r_hi, PGP_BLOCK):
        for bc in range(0, cols, PGP_BLOCK):
            for r0 in range(br, min(br + PGP_BLOCK, r_hi)):
                for c0 in range(bc, min(bc + PGP_BLOCK, cols)):
                    root = flat[r0, c0] == 1 or (whole and flat[r0, c0] == FLAT_ACROSS)
                    if not root:
                        continue
                    region, across = _flat_region(z, r0, c0, flat, r_lo, r_hi)
                    if not across:
                        _drain_region(z, region, dist, d8, packed, mfd, w)
                        continue
                    for i in region:
                        r, c = i // cols, i % cols
                        lower = _drops(z, r, c, w) > 0.0
                        flat[r, c] = EDGE_ACROSS if lower else FLAT_ACROSS


@numba.njit(cache=True, nogil=True)
def _flat_region(
    z: np.ndarray, r0: int, c0: int, flat: NDArray[np.uint8], r_lo: int, r_hi: int
) -> tuple[list[np.int64], bool]:
    """The flat of (r0, c0): its connected cells of equal height, found breadth-first over
    neighbours 0…7 within rows ``r_lo…r_hi-1`` and marked ``flat = 2``, as flat indices;
    and whether a cell of that height next to them lies outside those rows."""
    rows, cols = z.shape
    height = z[r0, c0]
    region = [np.int64(r0 * cols + c0)]
    flat[r0, c0] = 2
    across = False
    head = 0
    while head < len(region):  # the connected cells of equal height
        i = region[head]
        head += 1
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or z[rn, cn] != height:
                continue
            if rn < r_lo or rn >= r_hi:
                across = True
            elif flat[rn, cn] != 2:
                flat[rn, cn] = 2
                region.append(np.int64(rn * cols + cn))
    return region, across


@numba.njit(cache=True, nogil=True)
def _drain_flat(
    z: np.ndarray,
    r0: int,
    c0: int,
    flat: NDArray[np.uint8],
    dist: NDArray[np.float64],
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    mfd: bool,
    w: NDArray[np.float64],
) -> None:
    """Give every cell of the flat found from its root (r0, c0) a direction towards the
    nearest outlet of the flat, as pygeoprocessing 2.4.11 ``flow_dir_d8`` /
    ``flow_dir_mfd`` drain a plateau:

    1. the flat: breadth-first from the root over neighbours 0…7 of equal height;
    2. its outlets, in that order: the cells with a lower neighbour (their direction is
       already set); if there is none, the cells next to nodata or the raster's edge,
       which drain there (D8: the first such cardinal neighbour, else the last diagonal
       one; MFD: every such neighbour, weight 1, diagonals 1/√2);
    3. the distance to the nearest outlet, float64, by a first-in-first-out queue seeded
       with the outlets in that order: a neighbour k of equal height whose distance
       exceeds ``d + (√2 if k odd else 1)`` takes that distance and is queued again
       (label-correcting). D8: each such improvement also points the neighbour back at
       the cell it came from, so the last improvement (the first to reach the final
       distance) decides between equally near outlets;
    4. MFD: every cell of the flat that is not an outlet sends weight 1 (diagonals 1/√2)
       to each neighbour of the flat with a strictly smaller distance, packed like any
       MFD cell (4-bit shares of the sum).

    Distances are kept in float64 as pygeoprocessing keeps them: two paths of the same
    length summed in different orders can differ in the last bit, and its MFD weights and
    D8 ties follow those bits.
    """
    region, _ = _flat_region(z, r0, c0, flat, 0, z.shape[0])
    _drain_region(z, region, dist, d8, packed, mfd, w)


@numba.njit(cache=True, nogil=True)
def _drain_region(
    z: np.ndarray,
    region: list[np.int64],
    dist: NDArray[np.float64],
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    mfd: bool,
    w: NDArray[np.float64],
) -> None:
    """Steps 2–4 of :func:`_drain_flat` on the flat ``region`` (step 1's cells, in its
    order)."""
    rows, cols = z.shape
    i0 = region[0]
    height = z[i0 // cols, i0 % cols]
    # the first-in-first-out queue, a ring of ``size`` entries from ``head`` in ``ring``
    # (a power of two long, doubled when full): a cell can be queued again each time its
    # distance improves, so the entries ever queued can outnumber the flat's cells (a
    # list kept them all: 0.4 GB for one flat of 3·10⁷ cells); the ring holds those
    # waiting only, in the same order. Its loops are kernels of their own that return
    # when the ring is full, and it is grown here: an array reassigned inside a loop
    # costs a reference count update per pass (decision 0107)
    ring = np.empty(1024, dtype=np.int64)
    size = 0
    at = 0
    while True:  # outlets: cells with a lower neighbour (their direction is set)
        at, size = _outlets(z, region, at, ring, size, dist, w)
        if at == len(region):
            break
        ring = _ring_grown(ring, 0)
    if size == 0:  # none: the flat drains over the edge or into nodata
        at = 0
        while True:
            at, size = _edge_outlets(z, region, at, ring, size, dist, d8, packed, mfd, w)
            if at == len(region):
                break
            ring = _ring_grown(ring, 0)
    head = 0
    while True:  # distance to the nearest outlet, label-correcting
        head, size = _label_correcting(z, height, ring, head, size, dist, d8, mfd)
        if size == 0:
            break
        ring = _ring_grown(ring, head)
        head = 0
    if mfd:  # equal weights to every neighbour of the flat that is nearer an outlet
        unset = _no_distance(rows, cols)
        for i in region:
            r, c = i // cols, i % cols
            if dist[r, c] == 0.0 or dist[r, c] == unset:
                continue
            total = 0.0
            for k in range(8):
                w[k] = 0.0
                rn, cn = r + DROW[k], c + DCOL[k]
                if (
                    _inside(rn, cn, rows, cols)
                    and z[rn, cn] == height
                    and dist[rn, cn] < dist[r, c]
                ):
                    w[k] = INV_SQRT2 if k & 1 else 1.0
                    total += w[k]
            if total > 0.0:
                packed[r, c] = _pack(w, total)


@numba.njit(cache=True, nogil=True)
def _outlets(
    z: np.ndarray,
    region: list[np.int64],
    at: int,
    ring: NDArray[np.int64],
    size: int,
    dist: NDArray[np.float64],
    w: NDArray[np.float64],
) -> tuple[int, int]:
    """Queue the cells of ``region`` from ``at`` that have a lower neighbour (distance 0)
    at the ring's end (its head at 0); stop where the ring is full. Where it stopped
    (``len(region)``: done) and the ring's size."""
    cols = z.shape[1]
    for j in range(at, len(region)):
        i = region[j]
        r, c = i // cols, i % cols
        if _drops(z, r, c, w) > 0.0:
            if size == ring.size:
                return j, size
            dist[r, c] = 0.0
            ring[size] = i
            size += 1
    return len(region), size


@numba.njit(cache=True, nogil=True)
def _edge_outlets(
    z: np.ndarray,
    region: list[np.int64],
    at: int,
    ring: NDArray[np.int64],
    size: int,
    dist: NDArray[np.float64],
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    mfd: bool,
    w: NDArray[np.float64],
) -> tuple[int, int]:
    """For a flat without outlets: queue, as :func:`_outlets`, the cells of ``region``
    from ``at`` next to nodata or the raster's edge, which drain there (D8: the first
    such cardinal neighbour, else the last diagonal one; MFD: every such neighbour,
    weight 1, diagonals 1/√2)."""
    rows, cols = z.shape
    for j in range(at, len(region)):
        i = region[j]
        r, c = i // cols, i % cols
        total = 0.0
        best = -1
        for k in range(8):
            w[k] = 0.0
            rn, cn = r + DROW[k], c + DCOL[k]
            if _inside(rn, cn, rows, cols) and not np.isnan(z[rn, cn]):
                continue
            w[k] = INV_SQRT2 if k & 1 else 1.0
            total += w[k]
            if best < 0 or best & 1:  # the first cardinal one, else the last diagonal
                best = k
        if total > 0.0:
            if size == ring.size:
                return j, size
            dist[r, c] = 0.0
            ring[size] = i
            size += 1
            if mfd:
                packed[r, c] = _pack(w, total)
            else:
                d8[r, c] = best
    return len(region), size


@numba.njit(cache=True, nogil=True)
def _label_correcting(
    z: np.ndarray,
    height: float,
    ring: NDArray[np.int64],
    head: int,
    size: int,
    dist: NDArray[np.float64],
    d8: NDArray[np.uint8],
    mfd: bool,
) -> tuple[int, int]:
    """Step 3 of :func:`_drain_flat` on the ring of ``size`` cells from ``head``: until
    it is empty, or has no room for a cell's eight neighbours (then the ring's head and
    size, for the caller to grow it and call again)."""
    rows, cols = z.shape
    mask = ring.size - 1
    while size > 0:
        if size + 8 > ring.size:
            return head, size
        i = ring[head]
        head = (head + 1) & mask
        size -= 1
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or z[rn, cn] != height:
                continue
            candidate = dist[r, c] + (SQRT2 if k & 1 else 1.0)
            if dist[rn, cn] > candidate:
                dist[rn, cn] = candidate
                if not mfd:
                    d8[rn, cn] = (k + 4) % 8
                ring[(head + size) & mask] = np.int64(rn * cols + cn)
                size += 1
    return head, 0


@numba.njit(cache=True, nogil=True)
def _no_distance(rows: int, cols: int) -> float:
    """The distance of a flat cell no outlet has reached: rows × cols, longer than any
    path through the raster (pygeoprocessing's initial plateau distance)."""
    return np.float64(rows) * np.float64(cols)


def _elevations(a: NDArray[Any]) -> NDArray[np.floating[Any]]:
    """``a`` as a C-contiguous float32 or float64 array (other types as float64)."""
    if a.dtype in (np.float32, np.float64):
        return np.ascontiguousarray(a)
    return np.ascontiguousarray(a, dtype=np.float64)


def _directions_into(
    z: NDArray[np.floating[Any]],
    mfd: bool,
    ws: Workspace,
    flat: NDArray[np.uint8],
    dist: NDArray[np.float64],
) -> NDArray[Any]:
    """Flow directions of the pit-filled ``z``, with the scratch ``flat`` and ``dist``.

    As pygeoprocessing 2.4.11 ``routing.flow_dir_d8`` / ``flow_dir_mfd``: cells with a
    lower neighbour first (their direction depends on their neighbours only; in row bands,
    :func:`_in_bands`), then the flats, one after the other (:func:`_drain_flats`)."""
    flat.fill(0)
    dist.fill(float(z.shape[0]) * float(z.shape[1]))
    if mfd:
        d8, packed = _NO_D8, ws.full(z.shape, np.uint32, 0)
    else:
        d8, packed = ws.full(z.shape, np.uint8, D8_NONE), _NO_MFD
    _in_bands(lambda r0, r1: _directions_rows(z, mfd, d8, packed, flat, r0, r1), z.shape)
    if _bands(z.shape, PGP_BLOCK) > 1:  # the flats inside bands of block rows, in threads
        _in_bands(
            lambda r0, r1: _drain_flats(z, mfd, d8, packed, flat, dist, r0, r1),
            z.shape,
            PGP_BLOCK,
        )
    _drain_flats(z, mfd, d8, packed, flat, dist, 0, z.shape[0])  # the rest, one by one
    return packed if mfd else d8


def _bands(shape: tuple[int, ...], step: int = 1) -> int:
    """How many bands :func:`_in_bands` cuts ``shape``'s rows into."""
    threads = STRIP_THREADS if int(np.prod(shape)) >= THREADED_CELLS else 1
    steps = -(-shape[0] // step)
    return 1 if threads == 1 else max(1, min(steps, 8 * threads))


def _in_bands(work: Callable[[int, int], None], shape: tuple[int, ...], step: int = 1) -> None:
    """``work(r0, r1)`` over bands of rows covering ``shape``, each starting at a multiple
    of ``step`` rows: in this thread for a raster under :data:`THREADED_CELLS` cells, else
    by :data:`STRIP_THREADS` threads, eight bands per thread (nodata is not spread evenly).
    ``work`` must write only its own rows (the kernels release the GIL); a band's values
    do not depend on the thread."""
    rows, bands = shape[0], _bands(shape, step)
    if bands == 1:
        work(0, rows)
        return
    steps = -(-rows // step)
    edges = [min(rows, step * (steps * i // bands)) for i in range(bands + 1)]
    with concurrent.futures.ThreadPoolExecutor(STRIP_THREADS) as pool:
        for _ in pool.map(work, edges[:-1], edges[1:]):
            pass


def flow_direction_d8(filled: NDArray[np.floating[Any]]) -> NDArray[np.uint8]:
    """D8 direction 0–7 of every cell of a pit-filled DEM; 255 where none."""
    z = _elevations(filled)
    flat, dist = np.empty(z.shape, np.uint8), np.empty(z.shape, np.float64)
    return _directions_into(z, False, Workspace(), flat, dist)


def flow_direction_mfd(filled: NDArray[np.floating[Any]]) -> NDArray[np.uint32]:
    """MFD shares of every cell of a pit-filled DEM, eight 4-bit weights; 0 where none."""
    z = _elevations(filled)
    flat, dist = np.empty(z.shape, np.uint8), np.empty(z.shape, np.float64)
    return _directions_into(z, True, Workspace(), flat, dist)


# --- traversals: flow accumulation (upstream first), distance (downstream first) --------


@numba.njit(cache=True, nogil=True)
def _flows(directions: np.ndarray, r: int, c: int, k: int, mfd: bool) -> bool:
    """Whether cell (r, c) sends flow to its neighbour k."""
    if mfd:
        return (directions[r, c] >> (4 * k)) & 15 != 0
    return directions[r, c] == k


@numba.njit(cache=True, nogil=True)
def _count_degrees(directions: np.ndarray, state: NDArray[np.uint8], mfd: bool) -> None:
    """Set every routed cell's state to its in-degree (low 4 bits) and out-degree (high 4
    bits): the routed neighbours it receives from and sends to. Cells not routed keep
    NODATA_STATE."""
    rows, cols = state.shape
    for r in range(rows):
        for c in range(cols):
            if state[r, c] != NODATA_STATE:
                state[r, c] = 0
    for r in range(rows):
        for c in range(cols):
            if state[r, c] == NODATA_STATE:
                continue
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                if not _inside(rn, cn, rows, cols) or state[rn, cn] == NODATA_STATE:
                    continue
                if _flows(directions, r, c, k, mfd):
                    state[rn, cn] += 1
                    state[r, c] += 16


@numba.njit(cache=True, nogil=True)
def _grown(stack: NDArray[np.int64]) -> NDArray[np.int64]:
    """``stack`` (full) copied into an array twice its size. The callers test for a full
    stack themselves and call this only then: a call that returns an array costs a
    reference count update, too much for every cell pushed."""
    bigger = np.empty(2 * stack.size, dtype=np.int64)
    bigger[: stack.size] = stack
    return bigger


@numba.njit(cache=True, nogil=True)
def _ring_grown(ring: NDArray[np.int64], head: int) -> NDArray[np.int64]:
    """The full ring ``ring`` whose first entry is at ``head``, in order from 0 in an
    array twice its size (the callers test for a full ring themselves: :func:`_grown`)."""
    n = ring.size
    bigger = np.empty(2 * n, dtype=np.int64)
    bigger[: n - head] = ring[head:]
    bigger[n - head : n] = ring[:head]
    return bigger


@numba.njit(cache=True, nogil=True)
def _start_sums(
    state: NDArray[np.uint8],
    acc: NDArray[np.float64],
    weights: np.ndarray,
    weighted: bool,
    two: bool,
    acc2: NDArray[np.float64],
    weights2: np.ndarray,
) -> None:
    """Each routed cell's own contribution (its weight, or 1) into ``acc`` (and ``acc2``
    with ``two``); NaN on the cells not routed."""
    rows, cols = state.shape
    for r in range(rows):
        for c in range(cols):
            if state[r, c] == NODATA_STATE:
                acc[r, c] = np.nan
                if two:
                    acc2[r, c] = np.nan
            else:
                acc[r, c] = np.float64(weights[r, c]) if weighted else 1.0
                if two:
                    acc2[r, c] = np.float64(weights2[r, c]) if weighted else 1.0


@numba.njit(cache=True, nogil=True)
def _share_total(d: int, mfd: bool) -> int:
    """The sum of an MFD cell's eight 4-bit shares (0 for D8)."""
    total = 0
    if mfd:
        for j in range(8):
            total += (d >> (4 * j)) & 15
    return total


@numba.njit(cache=True, nogil=True)
def _share(d: int, k: int, mfd: bool, total: int) -> float:
    """The fraction of a cell's flow (direction code ``d``) sent to its neighbour ``k``:
    MFD its share over ``total``, D8 1 or 0."""
    if mfd:
        mine = (d >> (4 * k)) & 15
        return mine / total if mine != 0 else 0.0
    return 1.0 if d == k else 0.0


@numba.njit(cache=True, nogil=True)
def _routed_cells(state: NDArray[np.uint8]) -> int:
    """The number of routed cells (state not NODATA_STATE)."""
    n = 0
    rows, cols = state.shape
    for r in range(rows):
        for c in range(cols):
            if state[r, c] != NODATA_STATE:
                n += 1
    return n


@numba.njit(cache=True, nogil=True)
def _accumulate_in_order(
    order: NDArray[np.uint32],
    n: int,
    directions: np.ndarray,
    state: NDArray[np.uint8],
    mfd: bool,
    acc: NDArray[np.float64],
    weights: np.ndarray,
    weighted: bool,
    two: bool,
    acc2: NDArray[np.float64],
    weights2: np.ndarray,
) -> None:
    """:func:`_accumulate` replayed over the first ``n`` cells of ``order``, the order in
    which an earlier :func:`_accumulate` of the same directions passed them on: the same
    additions in the same order, so each sum is bitwise that traversal's, without its
    degree counts, its stack or its state updates (``state`` is only read: the routed
    cells). Its loop over the neighbours is :func:`_accumulate`'s without the count-down:
    shared through a function, both ran up to twice as slow (numba did not inline it),
    and up to 2.7 times as slow with numba's own ``inline="always"``."""
    rows, cols = state.shape
    _start_sums(state, acc, weights, weighted, two, acc2, weights2)
    for idx in range(n):
        i = np.int64(order[idx])
        r, c = i // cols, i % cols
        d = directions[r, c]
        total = _share_total(d, mfd)
        here = acc[r, c]
        here2 = acc2[r, c] if two else 0.0
        for k in range(8):
            s = _share(d, k, mfd, total)
            if s == 0.0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or state[rn, cn] == NODATA_STATE:
                continue
            acc[rn, cn] += here * s
            if two:
                acc2[rn, cn] += here2 * s


@numba.njit(cache=True, nogil=True)
def _accumulate(
    directions: np.ndarray,
    state: NDArray[np.uint8],
    mfd: bool,
    acc: NDArray[np.float64],
    weights: np.ndarray,
    weighted: bool,
    two: bool,
    acc2: NDArray[np.float64],
    weights2: np.ndarray,
    order: NDArray[np.uint32],
) -> int:
    """Flow accumulation into ``acc`` (NaN on cells not routed); ``state`` holds the
    in-degrees from :func:`_count_degrees` and is left with the cells marked passed on.
    With ``two``, a second accumulation, of ``weights2`` into ``acc2`` (``weighted``
    applies to both), is made in the same traversal: each sum is bitwise the
    one a pass of its own gives, since the order of the additions depends only on the
    directions. Unless ``order`` is empty (:data:`_NO_ORDER`), the cells are written
    into it (flat indices) in the order they are passed on, a topological order of the
    flow graph (upstream first) that :func:`_accumulate_in_order` and
    :func:`_distance_in_order` replay. Returns the largest stack depth.

    The cells are scanned backwards; from each one without inflow, the cells whose
    inflow it completes are followed depth-first. This is the order of a stack filled
    with every cell without inflow in raster order and popped from the end, so the
    floating-point sums are those of that simpler scheme, without its N-sized stack.
    The traversal itself is :func:`_accumulate_some`'s, resumed on a stack twice as
    large whenever it stops for want of room."""
    rows, cols = state.shape
    _start_sums(state, acc, weights, weighted, two, acc2, weights2)
    stack = np.empty(1024, dtype=np.int64)
    progress = np.array([rows * cols - 1, 0, 0, 0], dtype=np.int64)
    while _accumulate_some(directions, state, mfd, acc, two, acc2, order, stack, progress):
        stack = _grown(stack)
    return int(progress[3])


@numba.njit(cache=True, nogil=True)
def _accumulate_some(
    directions: np.ndarray,
    state: NDArray[np.uint8],
    mfd: bool,
    acc: NDArray[np.float64],
    two: bool,
    acc2: NDArray[np.float64],
    order: NDArray[np.uint32],
    stack: NDArray[np.int64],
    progress: NDArray[np.int64],
) -> bool:
    """:func:`_accumulate`'s traversal from where ``progress`` says it stands (the next
    cell to scan, the stack's height, the cells passed on, the largest height), on
    ``stack`` as given. Returns True, with ``progress`` saved, when a cell's eight
    neighbours might no longer fit on the stack; False when every cell is passed on.
    The stack is never replaced in here: a stack array reassigned inside the loop (to
    grow it) cost numba a reference count update per cell, 40 % of the traversal."""
    rows, cols = state.shape
    record = order.size > 0
    start, top, passed, deepest = progress[0], progress[1], progress[2], progress[3]
    room = stack.size - 7
    while True:
        while top > 0:  # a cell is passed on once everything upstream of it is counted
            if top > room:
                progress[0], progress[1], progress[2], progress[3] = start, top, passed, deepest
                return True
            top -= 1
            i = stack[top]
            r, c = i // cols, i % cols
            state[r, c] |= DONE
            if record:
                order[passed] = i
                passed += 1
            d = directions[r, c]
            total = _share_total(d, mfd)
            here = acc[r, c]
            here2 = acc2[r, c] if two else 0.0
            for k in range(8):
                s = _share(d, k, mfd, total)
                if s == 0.0:
                    continue
                rn, cn = r + DROW[k], c + DCOL[k]
                if not _inside(rn, cn, rows, cols) or state[rn, cn] == NODATA_STATE:
                    continue
                acc[rn, cn] += here * s
                if two:
                    acc2[rn, cn] += here2 * s
                state[rn, cn] -= 1
                if state[rn, cn] & 15 == 0:
                    stack[top] = rn * cols + cn
                    top += 1
                    deepest = max(deepest, top)
        while start >= 0:  # the next cell without inflow, scanning backwards
            s0 = state[start // cols, start % cols]
            start -= 1
            if s0 != NODATA_STATE and s0 & 15 == 0:  # neither waiting nor passed on
                stack[0] = start + 1
                top = 1
                break
        if top == 0:
            progress[0], progress[1], progress[2], progress[3] = start, top, passed, deepest
            return False


@numba.njit(cache=True, nogil=True)
def _distance_at(
    directions: np.ndarray,
    stream: NDArray[np.uint8],
    weight: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    ws_weight: bool,
    mfd: bool,
    dist: NDArray[np.float64],
    r: int,
    c: int,
) -> None:
    """The distance to stream of cell (r, c) into ``dist`` from its downstream cells'
    (done before it; NaN where no stream is reached), as :func:`distance_to_stream`
    defines it."""
    rows, cols = dist.shape
    if stream[r, c] == 1:
        dist[r, c] = 0.0
    elif not mfd:
        k = directions[r, c]
        if k != D8_NONE:
            rn, cn = r + DROW[k], c + DCOL[k]
            if _inside(rn, cn, rows, cols) and not np.isnan(dist[rn, cn]):
                if ws_weight:
                    step = 1.0 / (np.float64(w[r, c]) * np.float64(s[r, c]))
                else:
                    step = np.float64(weight[r, c])
                dist[r, c] = step + dist[rn, cn]
    else:
        total, weighted = 0.0, 0.0
        for k in range(8):
            share = (directions[r, c] >> (4 * k)) & 15
            if share == 0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or np.isnan(dist[rn, cn]):
                continue
            if ws_weight:
                step = 1.0 / (np.float64(w[rn, cn]) * np.float64(s[rn, cn]))
            else:
                step = np.float64(weight[rn, cn])
            total += share
            weighted += share * (step + dist[rn, cn])
        if total > 0.0:
            dist[r, c] = weighted / total


@numba.njit(cache=True, nogil=True)
def _distance_in_order(
    order: NDArray[np.uint32],
    n: int,
    directions: np.ndarray,
    stream: NDArray[np.uint8],
    weight: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    ws_weight: bool,
    mfd: bool,
    dist: NDArray[np.float64],
) -> None:
    """:func:`_distance_down` over the first ``n`` cells of ``order`` (a topological
    order of the flow graph, :func:`_accumulate`'s) taken backwards: every cell after
    its downstream cells. A cell's distance depends only on its downstream cells'
    distances, so any such order gives bitwise the same distances."""
    cols = dist.shape[1]
    dist[:, :] = np.nan
    for idx in range(n - 1, -1, -1):
        i = np.int64(order[idx])
        _distance_at(directions, stream, weight, w, s, ws_weight, mfd, dist, i // cols, i % cols)


@numba.njit(cache=True, nogil=True)
def _distance_down(
    directions: np.ndarray,
    state: NDArray[np.uint8],
    stream: NDArray[np.uint8],
    weight: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    ws_weight: bool,
    mfd: bool,
    dist: NDArray[np.float64],
) -> int:
    """Distance to stream into ``dist``, downstream cells first: a cell is computed once
    its out-degree (``state``'s high 4 bits, from :func:`_count_degrees`) has counted
    down to 0. The step weight of a cell is ``weight`` or, with ``ws_weight``,
    1/(w·s). Returns the largest stack depth. The traversal is
    :func:`_distance_some`'s, resumed on a stack twice as large whenever it stops for
    want of room (as :func:`_accumulate`)."""
    rows, cols = state.shape
    dist[:, :] = np.nan
    stack = np.empty(1024, dtype=np.int64)
    progress = np.array([rows * cols - 1, 0, 0], dtype=np.int64)
    while _distance_some(
        directions, state, stream, weight, w, s, ws_weight, mfd, dist, stack, progress
    ):
        stack = _grown(stack)
    return int(progress[2])


@numba.njit(cache=True, nogil=True)
def _distance_some(
    directions: np.ndarray,
    state: NDArray[np.uint8],
    stream: NDArray[np.uint8],
    weight: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    ws_weight: bool,
    mfd: bool,
    dist: NDArray[np.float64],
    stack: NDArray[np.int64],
    progress: NDArray[np.int64],
) -> bool:
    """:func:`_distance_down`'s traversal from where ``progress`` says it stands (the
    next cell to scan, the stack's height, the largest height), on ``stack`` as given.
    Returns True, with ``progress`` saved, when a cell's eight neighbours might no longer
    fit on the stack; False when every cell is done (see :func:`_accumulate_some`)."""
    rows, cols = state.shape
    start, top, deepest = progress[0], progress[1], progress[2]
    room = stack.size - 7
    while True:
        while top > 0:
            if top > room:
                progress[0], progress[1], progress[2] = start, top, deepest
                return True
            top -= 1
            i = stack[top]
            r, c = i // cols, i % cols
            state[r, c] |= DONE << 4
            _distance_at(directions, stream, weight, w, s, ws_weight, mfd, dist, r, c)
            for k in range(8):  # upstream neighbours: one downstream cell fewer to wait for
                rn, cn = r + DROW[k], c + DCOL[k]
                if not _inside(rn, cn, rows, cols) or state[rn, cn] == NODATA_STATE:
                    continue
                if _flows(directions, rn, cn, (k + 4) % 8, mfd):
                    state[rn, cn] -= 16
                    if state[rn, cn] >> 4 == 0:
                        stack[top] = rn * cols + cn
                        top += 1
                        deepest = max(deepest, top)
        while start >= 0:  # the next cell not waiting for downstream cells, backwards
            s0 = state[start // cols, start % cols]
            start -= 1
            if s0 != NODATA_STATE and s0 >> 4 == 0:  # neither waiting nor done
                stack[0] = start + 1
                top = 1
                break
        if top == 0:
            progress[0], progress[1], progress[2] = start, top, deepest
            return False


def _cells_upstream(
    directions: NDArray[Any],
    state: NDArray[np.uint8],
    mfd: bool,
    ws: Workspace,
    order: NDArray[np.uint32] = _NO_ORDER,
) -> NDArray[np.float64]:
    """The (unweighted) flow accumulation [cells] in a new float64 working array; ``state``
    is recounted first and left marked passed on; the cells' order into ``order`` unless
    it is empty (:func:`_accumulate`)."""
    _count_degrees(directions, state, mfd)
    acc = ws.empty(state.shape, np.float64)
    _accumulate(
        directions, state, mfd, acc, _NO_WEIGHTS, False, False, _NO_WEIGHTS, _NO_WEIGHTS, order
    )
    return acc


def _state_from_mask(valid: NDArray[np.bool_]) -> NDArray[np.uint8]:
    return np.where(valid, np.uint8(0), np.uint8(NODATA_STATE)).astype(np.uint8)


def flow_accumulation(
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    valid: NDArray[np.bool_],
    weights: NDArray[np.floating[Any]] | None = None,
) -> NDArray[np.float64]:
    """Number of cells draining through each cell, itself included [cells]; NaN off
    ``valid``. ``directions`` is D8 (uint8) or MFD (uint32) from this module; with MFD a
    cell passes on its accumulation in proportion to its 4-bit weights. With ``weights``
    (same shape) each cell contributes its weight instead of 1 (pygeoprocessing's
    weighted flow accumulation). Cells are taken in topological order (each after every
    cell that drains into it), in float64."""
    mfd = directions.dtype == np.uint32
    w: NDArray[Any] = _NO_WEIGHTS
    if weights is not None:
        w = np.ascontiguousarray(weights)
        if w.dtype not in (np.float32, np.float64):
            w = w.astype(np.float64)
        if w.shape != valid.shape:
            raise ValueError(f"weights of shape {w.shape} for a raster of shape {valid.shape}")
    state = _state_from_mask(valid)
    _count_degrees(directions, state, mfd)
    acc = np.empty(valid.shape, dtype=np.float64)
    weighted = weights is not None
    _accumulate(directions, state, mfd, acc, w, weighted, False, _NO_WEIGHTS, w, _NO_ORDER)
    return acc


# --- slope --------------------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def _at(z: np.ndarray, r: int, c: int) -> float:
    rows, cols = z.shape
    return np.float64(z[r, c]) if _inside(r, c, rows, cols) else np.nan


@numba.njit(cache=True, nogil=True)
def _horn_line(a: float, m: float, b: float, e: float, axis: bool) -> tuple[float, float]:
    """Horn's contribution of one line of three neighbours ``a, m, b`` (``m`` is the
    centre ``e`` itself on the axis line, weight 2) to the difference a − b, and its
    weight; one-sided where a neighbour is nodata or outside the raster."""
    if axis:
        if not np.isnan(a) and not np.isnan(b):
            return 2.0 * (a - b), 4.0
        if not np.isnan(a):
            return 2.0 * (a - e), 2.0
        if not np.isnan(b):
            return 2.0 * (e - b), 2.0
        return 0.0, 0.0
    if not np.isnan(a) and not np.isnan(b):
        return a - b, 2.0
    if not np.isnan(a) and not np.isnan(m):
        return a - m, 1.0
    if not np.isnan(m) and not np.isnan(b):
        return m - b, 1.0
    if not np.isnan(a):
        return (a - e) * SQRT2, 1.0
    if not np.isnan(b):
        return (e - b) * SQRT2, 1.0
    return 0.0, 0.0


@numba.njit(cache=True, nogil=True)
def _slope_rows(
    z: np.ndarray, r0: int, r1: int, cell_x: float, cell_y: float, out: NDArray[np.float32]
) -> None:
    """Slope [%] of rows r0…r1 of ``z`` into ``out`` (rows r0…r1 of the raster)."""
    cols = z.shape[1]
    for r in range(r0, r1):
        for c in range(cols):
            e = np.float64(z[r, c])
            if np.isnan(e):
                out[r - r0, c] = np.nan
                continue
            sx, wx, sy, wy = 0.0, 0.0, 0.0, 0.0
            for d in (-1, 0, 1):
                s, w = _horn_line(
                    _at(z, r + d, c - 1), _at(z, r + d, c), _at(z, r + d, c + 1), e, d == 0
                )
                sx += s
                wx += w
                s, w = _horn_line(
                    _at(z, r - 1, c + d), _at(z, r, c + d), _at(z, r + 1, c + d), e, d == 0
                )
                sy += s
                wy += w
            gx = sx / (wx * cell_x) if wx > 0 else 0.0
            gy = sy / (wy * cell_y) if wy > 0 else 0.0
            out[r - r0, c] = 100.0 * np.sqrt(gx * gx + gy * gy)


def slope_percent(z: NDArray[np.floating[Any]], cell_size_m: float) -> NDArray[np.float32]:
    """Slope [%] by Horn's method on square cells of ``cell_size_m``; NaN on nodata.
    Computed in float64, stored in float32."""
    z = _elevations(z)
    out = np.empty(z.shape, dtype=np.float32)
    _slope_rows(z, 0, z.shape[0], cell_size_m, cell_size_m, out)
    return out


# --- reading ------------------------------------------------------------------------------


def _open_dem(path: Path) -> tuple[tuple[int, int], float, dict[str, object], np.dtype[Any]]:
    """Shape, square cell size [m], profile, and the dtype to hold its elevations in."""
    with open_raster(path, "dem") as src:
        a, e = src.transform.a, src.transform.e
        profile = dict(src.profile)
        shape = (src.height, src.width)
        dtype = np.dtype(np.float32 if src.dtypes[0] in _FLOAT32_EXACT else np.float64)
    if not np.isclose(abs(a), abs(e), rtol=1e-9):
        raise InputError(
            en=f"the DEM's cells are {abs(a):g} × {abs(e):g} m; routing needs square cells. "
            "Resample the DEM to square cells",
            zh=f"数字高程模型（DEM）的像元为 {abs(a):g} × "
            f"{abs(e):g} m，汇流计算需要正方形像元：请将 DEM 重采样为正方形像元",
            source=path,
            field="cell size",
            values=[abs(a), abs(e)],
        )
    return shape, abs(a), profile, dtype


def _read_inputs(
    dem_path: Path,
    z: NDArray[np.floating[Any]],
    ecosystem_path: Path | None = None,
    w: NDArray[np.float32] | None = None,
    w_by_code: NDArray[np.float64] | None = None,
) -> int:
    """Read the DEM into ``z`` (NaN for nodata) strip by strip; with an ecosystem map,
    also W = ``w_by_code[code]`` into ``w`` (NaN for codes outside 0–255 or without a
    value) and mask ``z`` where W is NaN. Returns the number of DEM cells so masked.
    Raises if no cell is left."""
    any_valid = False
    masked = 0
    with contextlib.ExitStack() as stack:
        stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES))
        src = stack.enter_context(open_raster(dem_path, "dem"))
        eco = (
            stack.enter_context(open_raster(ecosystem_path, "ecosystem_type"))
            if ecosystem_path
            else None
        )
        nodata = src.nodata
        step = max(1, CHUNK_CELLS // z.shape[1])
        for r0 in range(0, z.shape[0], step):
            r1 = min(r0 + step, z.shape[0])
            window = rasterio.windows.Window(0, r0, z.shape[1], r1 - r0)
            strip = read_window(src, dem_path, "dem", window).astype(np.float64)
            if nodata is not None and not np.isnan(nodata):
                strip[strip == nodata] = np.nan
            if eco is not None and w is not None and w_by_code is not None:
                assert ecosystem_path is not None
                codes = read_window(eco, ecosystem_path, "ecosystem_type", window)
                inside = (codes >= 0) & (codes < 256)
                cover = np.where(inside, w_by_code[np.clip(codes, 0, 255).astype(np.int64)], np.nan)
                lost = np.isnan(cover) & ~np.isnan(strip)
                masked += int(np.count_nonzero(lost))
                strip[lost] = np.nan
                w[r0:r1] = np.where(np.isnan(strip), np.nan, cover)
            z[r0:r1] = strip
            any_valid = any_valid or not np.isnan(strip).all()
    if not any_valid:
        raise InputError(
            en="the DEM has no valid cell",
            zh=f"数字高程模型（DEM）没有有效像元（无数据值 {nodata}）："
            "请检查 DEM 的无数据值设置与覆盖范围",
            source=dem_path,
            field="nodata",
            values=[nodata],
        )
    return masked


def read_dem(path: Path) -> tuple[NDArray[np.float64], float, dict[str, object]]:
    """The DEM as float64 with NaN for nodata, its square cell size [m] and profile."""
    shape, cell, profile, _ = _open_dem(path)
    z = np.empty(shape, dtype=np.float64)
    _read_inputs(path, z)
    return z, cell, profile


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise InputError(
            en=f"unknown flow direction algorithm {algorithm!r}; "
            f"use one of {', '.join(ALGORITHMS)}",
            zh=f"未知的流向算法 {algorithm!r}：请从 {', '.join(ALGORITHMS)} 中选择",
            field="algorithm",
            values=[algorithm],
        )


def _float32_tiff(profile: dict[str, object]) -> None:
    """Turn a DEM's profile into that of a derived float32 layer (NaN nodata, tiled)."""
    profile.update(
        driver="GTiff",
        dtype="float32",
        nodata=float("nan"),
        count=1,
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        predictor=3,
        # deflate's fastest level: about 40 % less time than the default 6, and the same
        # size within 0.3 % on float32 layers (routing's LS and SDR, 10⁶ cells)
        zlevel=1,
        BIGTIFF="IF_SAFER",
    )


@numba.njit(cache=True, nogil=True)
def _state_from_nan(z: np.ndarray, state: NDArray[np.uint8]) -> None:
    rows, cols = z.shape
    for r in range(rows):
        for c in range(cols):
            state[r, c] = NODATA_STATE if np.isnan(z[r, c]) else 0


@contextlib.contextmanager
def _stage(name: str) -> Iterator[None]:
    """Log the wall time of one stage of routing at DEBUG level (``stage NAME SECONDS``;
    ``benchmarks/bench_routing.py --stages`` collects them)."""
    t0 = time.perf_counter()
    yield
    log.debug("stage %s %.3f", name, time.perf_counter() - t0)


def _route(
    z: NDArray[np.floating[Any]], mfd: bool, cell: float, ws: Workspace
) -> tuple[NDArray[Any], NDArray[np.uint8], NDArray[np.float32]]:
    """Fill ``z``'s pits (in place), then its flow directions, the state array (cells not
    routed marked) and the slope [%]; ``z`` may be dropped afterwards."""
    work = ws.empty(z.shape, np.uint8)
    with _stage("fill"):
        if z.size >= THREADED_CELLS and STRIP_THREADS > 1:
            # tiles in threads, bitwise the one Priority-Flood; tiled_fill imports this
            # module, so it is imported here
            from ganpo.engine import tiled_fill

            labels = ws.empty(z.shape, np.int32)  # the tiles' watersheds (4 B per cell)
            tiled_fill.fill_pits_in_place(z, FILL_TILE, STRIP_THREADS, labels)
            del labels
        else:
            _fill_pits(z, work)
    dist = ws.empty(z.shape, np.float64)  # the flats' distances to their outlets
    with _stage("directions"):
        directions = _directions_into(z, mfd, ws, work, dist)
    del dist
    slope = ws.empty(z.shape, np.float32)
    with _stage("slope"):
        _in_bands(lambda r0, r1: _slope_rows(z, r0, r1, cell, cell, slope[r0:r1]), z.shape)
        _state_from_nan(z, work)
    return directions, work, slope


def _write_strips(
    target: Path, profile: dict[str, object], rows: int, cols: int, strip: Any
) -> None:
    """Write ``strip(r0, r1, c0, c1)`` (the values of those rows and columns) to a float32
    GeoTIFF next to ``target``, in strips of whole tiles computed in chunks of about
    CHUNK_CELLS cells, and rename it when complete, so a half-written raster never
    exists (:func:`ganpo.io.outputs.writing`; a full disk is a clear error).

    The strips are computed by :data:`STRIP_THREADS` threads (the formulas are numpy,
    which releases the GIL) while this thread writes them in row order; at most
    2 × STRIP_THREADS strips wait, so memory stays bounded. A strip's values do not depend
    on the thread that computed it."""
    _float32_tiff(profile)
    width = max(1, CHUNK_CELLS // STRIP_ROWS)

    def compute(r0: int) -> NDArray[np.float32]:
        r1 = min(r0 + STRIP_ROWS, rows)
        block = np.empty((r1 - r0, cols), dtype=np.float32)
        for c0 in range(0, cols, width):
            c1 = min(c0 + width, cols)
            block[:, c0:c1] = strip(r0, r1, c0, c1)
        return block

    with (
        writing(target, DERIVED_CACHE) as building,
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES),
        rasterio.open(building, "w", **profile) as dst,
        concurrent.futures.ThreadPoolExecutor(STRIP_THREADS) as pool,
    ):
        pending: collections.deque[tuple[int, concurrent.futures.Future[Any]]]
        pending = collections.deque()
        starts = iter(range(0, rows, STRIP_ROWS))
        for r0 in itertools.islice(starts, 2 * STRIP_THREADS):
            pending.append((r0, pool.submit(compute, r0)))
        while pending:
            r0, future = pending.popleft()
            block = future.result()
            for nxt in itertools.islice(starts, 1):
                pending.append((nxt, pool.submit(compute, nxt)))
            window = rasterio.windows.Window(0, r0, cols, block.shape[0])
            dst.write(block, 1, window=window)


def _write_ls(
    target: Path,
    profile: dict[str, object],
    slope: NDArray[np.float32],
    acc: NDArray[np.float64],
    cell: float,
    l_max: float,
) -> None:
    """Write the LS factor of the slope [%] and flow accumulation [cells] to ``target``."""

    def ls(r0: int, r1: int, c0: int, c1: int) -> Any:
        s = slope[r0:r1, c0:c1].astype(np.float64)
        return rusle.ls_factor(s, acc[r0:r1, c0:c1], cell, l_max)

    _write_strips(target, dict(profile), slope.shape[0], slope.shape[1], ls)


def ls_factor_raster(
    dem_path: Path,
    target: Path,
    algorithm: FlowAlgorithm = "mfd",
    l_max: float = 122.0,
    *,
    scratch: Path | None = None,
    scratch_cells: int | None = None,
) -> Path:
    """Write the RUSLE LS factor [-] of a DEM to ``target`` (float32 GeoTIFF, NaN nodata).

    DEM → pits filled → flow direction (``algorithm``) → slope and flow accumulation →
    :func:`ganpo.services.rusle.ls_factor` row strip by row strip. The working arrays
    (module docstring: 17 bytes per cell for MFD) are file-backed in a temporary folder
    in ``scratch`` (default: ``target``'s folder) when the DEM has at least
    ``scratch_cells`` cells (default :func:`scratch_threshold`). The file is written next
    to ``target`` and renamed when complete, so a half-written LS raster never exists.
    """
    _check_algorithm(algorithm)
    t0 = time.perf_counter()
    shape, cell, profile, dtype = _open_dem(dem_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mfd = algorithm == "mfd"
    with workspace(shape[0] * shape[1], target.parent, scratch, scratch_cells) as ws:
        z = ws.empty(shape, dtype)
        _read_inputs(dem_path, z)
        directions, state, slope = _route(z, mfd, cell, ws)
        del z
        acc = _cells_upstream(directions, state, mfd, ws)
        del directions, state
        _write_ls(target, profile, slope, acc, cell, l_max)
    log.info("LS factor (%s) of %s in %.1f s", algorithm, dem_path.name, time.perf_counter() - t0)
    return target


# --- sediment delivery ratio (InVEST SDR, Borselli et al. 2008) --------------------------

STREAM_TRACE_PROPORTION = 0.7  # InVEST SDR's trace_threshold_proportion for MFD streams


@numba.njit(cache=True, nogil=True)
def _streams_mfd(
    acc: NDArray[np.float64],
    packed: NDArray[np.uint32],
    threshold: float,
    trace: float,
    stream: NDArray[np.uint8],
    queue: NDArray[Any],
    back: NDArray[Any],
) -> None:
    """:func:`extract_streams` for MFD into ``stream``, with two first-in-first-out
    queues of flat indices, ``queue`` and ``back``, each as long as the raster (every
    cell enters each at most once) and read from a head index: as numba lists (until
    2026-12-06) their appends and reads took two thirds of the time."""
    rows, cols = acc.shape
    stream[:, :] = 255  # 255: not yet seen; 2: candidate
    for r0 in range(rows):
        for c0 in range(cols):
            if np.isnan(acc[r0, c0]) or stream[r0, c0] != 255:
                continue
            stream[r0, c0] = 0
            if acc[r0, c0] < threshold:
                continue
            outlet = False
            for k in range(8):
                if (packed[r0, c0] >> (4 * k)) & 15 == 0:
                    continue
                rn, cn = r0 + DROW[k], c0 + DCOL[k]
                if not _inside(rn, cn, rows, cols) or np.isnan(acc[rn, cn]):
                    outlet = True
                    break
            if not outlet:
                continue
            stream[r0, c0] = 1
            queue[0] = r0 * cols + c0
            head, tail = 0, 1
            while head < tail:  # breadth-first upstream from the outlet
                i = np.int64(queue[head])
                head += 1
                r, c = i // cols, i % cols
                for k in range(8):
                    rn, cn = r + DROW[k], c + DCOL[k]
                    if not _inside(rn, cn, rows, cols):
                        continue
                    into = (k + 4) % 8  # the neighbour's direction towards (r, c)
                    if (packed[rn, cn] >> (4 * into)) & 15 == 0:
                        continue
                    if stream[rn, cn] == 1 or stream[rn, cn] == 2:
                        continue
                    if acc[rn, cn] >= threshold:
                        stream[rn, cn] = 1
                        queue[tail] = rn * cols + cn
                        tail += 1
                        # candidates downstream of a confirmed stream cell become stream
                        back[0] = rn * cols + cn
                        b_head, b_tail = 0, 1
                        while b_head < b_tail:
                            j = np.int64(back[b_head])
                            b_head += 1
                            rb, cb = j // cols, j % cols
                            for m in range(8):
                                if (packed[rb, cb] >> (4 * m)) & 15 == 0:
                                    continue
                                rs, cs = rb + DROW[m], cb + DCOL[m]
                                if _inside(rs, cs, rows, cols) and stream[rs, cs] == 2:
                                    stream[rs, cs] = 1
                                    back[b_tail] = rs * cols + cs
                                    b_tail += 1
                    elif acc[rn, cn] >= trace:
                        stream[rn, cn] = 2
                        queue[tail] = rn * cols + cn
                        tail += 1
    for r in range(rows):
        for c in range(cols):
            if stream[r, c] == 2:
                stream[r, c] = 0


@numba.njit(cache=True, nogil=True)
def _streams_d8(acc: NDArray[np.float64], threshold: float, stream: NDArray[np.uint8]) -> None:
    rows, cols = acc.shape
    for r in range(rows):
        for c in range(cols):
            if np.isnan(acc[r, c]):
                stream[r, c] = 255
            else:
                stream[r, c] = 1 if acc[r, c] > threshold else 0


def _streams_into(
    acc: NDArray[np.float64],
    directions: NDArray[Any],
    threshold: float,
    out: NDArray[np.uint8],
    ws: Workspace,
) -> None:
    """The streams of :func:`extract_streams` into ``out``; MFD's two queues (uint32,
    int64 from 2³² cells: 8 or 16 bytes per cell) are taken from ``ws`` and dropped."""
    if directions.dtype == np.uint32:
        n = out.size
        queues = ws.empty((2 * n, 1), np.uint32 if n < 2**32 else np.int64).reshape(-1)
        trace = STREAM_TRACE_PROPORTION * threshold
        _streams_mfd(acc, directions, threshold, trace, out, queues[:n], queues[n:])
    else:
        _streams_d8(acc, threshold, out)


def extract_streams(
    acc: NDArray[np.float64],
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    threshold: float,
) -> NDArray[np.uint8]:
    """Stream cells (1) from flow accumulation ``acc`` [cells], as InVEST SDR extracts
    them; 0 elsewhere, 255 where ``acc`` is NaN.

    D8 (pygeoprocessing ``extract_streams_d8``): every cell with ``acc > threshold``.
    MFD (``extract_streams_mfd`` with InVEST's trace proportion 0.7): streams start at
    outlets, cells with ``acc ≥ threshold`` whose flow leaves the raster or enters nodata,
    and grow upstream breadth-first through every cell draining into a stream cell with
    ``acc ≥ threshold``; cells with ``acc ≥ 0.7·threshold`` are passed through as
    candidates and become stream only if a ``≥ threshold`` cell lies upstream of them. A
    cell over the threshold that no outlet reaches this way is not a stream.
    """
    a = np.ascontiguousarray(acc, dtype=np.float64)
    out = np.empty(a.shape, dtype=np.uint8)
    _streams_into(a, np.ascontiguousarray(directions), float(threshold), out, Workspace())
    return out


def distance_to_stream(
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    stream: NDArray[np.uint8],
    weight: NDArray[np.floating[Any]],
) -> NDArray[np.float64]:
    """Weighted flow distance from each cell down to a stream cell, as pygeoprocessing's
    ``distance_to_channel_d8/mfd`` compute it with a weight raster (InVEST SDR's
    :math:`D_{dn}`); NaN where no flow reaches a stream.

    D8: :math:`d_i = w_i + d_{down(i)}`, 0 on stream cells. MFD: the flow-weighted mean
    over the downslope neighbours n that reach a stream,
    :math:`d_i = \\sum_n p_{in} (w_n + d_n) / \\sum_n p_{in}` with the 4-bit shares
    :math:`p_{in}` (note: the *neighbour's* weight, as pygeoprocessing does). With a
    weight raster the step length (1 or √2 cells) is not applied: ``weight`` is the whole
    step, and the distance has the unit of ``weight``. Cells are taken downstream first
    (each once all its downslope neighbours are done), in float64.
    """
    mfd = directions.dtype == np.uint32
    state = _state_from_mask(stream != 255)
    _count_degrees(directions, state, mfd)
    dist = np.empty(stream.shape, dtype=np.float64)
    w = np.ascontiguousarray(weight, dtype=np.float64)
    _distance_down(directions, state, stream, w, _NO_W32, _NO_W32, False, mfd, dist)
    return dist


@numba.njit(cache=True, nogil=True)
def _s_factor(slope: NDArray[np.float32]) -> None:
    """Slope [%] → InVEST's S = slope/100 bounded to [0.005, 1], in place."""
    rows, cols = slope.shape
    for r in range(rows):
        for c in range(cols):
            v = np.float64(slope[r, c])
            if not np.isnan(v):
                slope[r, c] = min(max(v / 100.0, 0.005), 1.0)


@numba.njit(cache=True, nogil=True)
def _to_float32(a: NDArray[np.float64], out: NDArray[np.float32]) -> None:
    rows, cols = a.shape
    for r in range(rows):
        for c in range(cols):
            out[r, c] = a[r, c]


@numba.njit(cache=True, nogil=True)
def _d_up_in_place(
    total_w: NDArray[np.float64],
    total_s: NDArray[np.float64],
    acc: NDArray[np.float32],
    cell: float,
) -> None:
    """Overwrite the flow accumulation ``acc`` with D_up = W̄ · S̄ · √(A · cell²), where
    W̄ = total_w / A is held in float32 first (as InVEST stores it) and S̄ = total_s / A."""
    rows, cols = acc.shape
    for r in range(rows):
        for c in range(cols):
            a = np.float64(acc[r, c])
            w_bar = np.float32(total_w[r, c] / a)
            acc[r, c] = np.float64(w_bar) * (total_s[r, c] / a) * np.sqrt(a * cell * cell)


def _sdr_core(
    inputs: dict[str, NDArray[Any]],
    cell: float,
    mfd: bool,
    threshold: float,
    ws: Workspace,
    ls: Callable[[NDArray[np.float32], NDArray[np.float64]], None] | None = None,
    on_one_thread: Callable[[], None] | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.float32], NDArray[np.float64]]:
    """InVEST SDR's layers from the DEM ``inputs["z"]`` and W ``inputs["w"]`` (float32,
    both NaN where either is undefined), which are taken out of ``inputs`` and dropped
    when dead. Returns the state (NODATA_STATE off the data), the streams, D_up and D_dn.
    ``ls``, if given, is called with the slope [%] and the flow accumulation [cells] as
    soon as both exist (the LS factor of the same routing, :func:`ls_and_sdr_rasters`).

    Stages (the working set at each, bytes per cell for MFD): route (z, w, work,
    directions and the flats' float64 distances: 21; then the slope in their place: 17)
    → z dropped, flow accumulation (+8) → S in place of the slope, streams (+1, and
    for MFD their two queues, +8 while traced: 30), accumulation to float32 (+4, then
    −8) → the W- and S-weighted accumulations in one traversal, into two float64 buffers
    (+16): 34 at the peak → D_up = W̄·S̄·√(A·cell²) in place of the accumulation, the
    S-weighted buffer dropped (−8) → the W-weighted buffer reused for D_dn with weight
    1/(W·S) taken cell by cell.

    With ``ls``, the LS raster is written by a second thread (the kernels release the
    GIL) while this one traces the streams: the slope and the accumulation it reads are
    kept until it is done, S takes a buffer of its own (+4 bytes per cell while the
    streams are traced: 34 in all with their queues, the peak), and the thread is joined
    before the weighted sums reuse the accumulation's buffer. Every value is the same as
    one after the other (docs/decisions/0102). Its failure is raised then, before the
    SDR's sums; a failure of this thread waits for it to end.

    ``on_one_thread``, if given, is called once the stages that run in threads (the pits
    filled by tiles, the directions, flats and slope in bands) are done, before the
    accumulation: from there on the routing's own work is on one thread, beside the LS
    writer's (decision 0104)."""
    z, w = inputs.pop("z"), inputs.pop("w")
    shape = z.shape
    directions, state, slope = _route(z, mfd, cell, ws)
    del z
    if on_one_thread is not None:
        on_one_thread()
    # the order the accumulation passes the cells on, replayed by the weighted
    # accumulations and (backwards) by the distance to stream; uint32 flat indices, so a
    # raster of 2³² cells or more is traversed afresh each time
    replay = shape[0] * shape[1] < 2**32
    order = ws.empty((shape[0] * shape[1], 1), np.uint32).reshape(-1) if replay else _NO_ORDER
    with _stage("accumulation"):
        acc64 = _cells_upstream(directions, state, mfd, ws, order)
    n = _routed_cells(state)
    with contextlib.ExitStack() as background:
        # the LS raster written by another thread while the streams are traced: it reads
        # the slope and the accumulation, so S gets its own buffer (+4 bytes per cell,
        # below the peak of the weighted sums), and the thread is joined before the
        # accumulation's buffer is reused for them
        written: concurrent.futures.Future[None] | None = None
        if ls is not None:
            pool = background.enter_context(concurrent.futures.ThreadPoolExecutor(1))
            written = pool.submit(_timed, "LS written", ls, slope, acc64)
            s = ws.empty(shape, np.float32)
            s[...] = slope
        else:
            s = slope
        del slope
        stream = ws.empty(shape, np.uint8)
        with _stage("streams"):
            _s_factor(s)
            _streams_into(acc64, directions, threshold, stream, ws)
        acc = ws.empty(shape, np.float32)
        _to_float32(acc64, acc)
        if written is not None:
            with _stage("LS waited for"):
                written.result()
        # the float64 buffer reused for the W-weighted sums and then D_dn
        total_w = acc64
        del acc64
        d_up, d_dn = _sdr_sums(
            order, n, directions, state, mfd, stream, w, s, acc, total_w, cell, ws
        )
    return state, stream, d_up, d_dn


def _timed(name: str, work: Callable[..., None], *args: Any) -> None:
    """``work(*args)`` as one logged stage (:func:`_stage`)."""
    with _stage(name):
        work(*args)


def _sdr_sums(
    order: NDArray[np.uint32],
    n: int,
    directions: NDArray[Any],
    state: NDArray[np.uint8],
    mfd: bool,
    stream: NDArray[np.uint8],
    w: NDArray[np.float32],
    s: NDArray[np.float32],
    acc: NDArray[np.float32],
    total_w: NDArray[np.float64],
    cell: float,
    ws: Workspace,
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """D_up (into ``acc``) and D_dn (into ``total_w``) of :func:`_sdr_core`, from the
    W- and S-weighted accumulations; ``order`` replayed unless it is empty."""
    shape = acc.shape
    replay = order.size > 0
    total_s = ws.empty(shape, np.float64)
    with _stage("weighted accumulations"):
        if replay:
            _accumulate_in_order(
                order, n, directions, state, mfd, total_w, w, True, True, total_s, s
            )
        else:
            _count_degrees(directions, state, mfd)
            _accumulate(directions, state, mfd, total_w, w, True, True, total_s, s, _NO_ORDER)
        _d_up_in_place(total_w, total_s, acc, cell)
    del total_s
    d_up = acc
    d_dn = total_w
    with _stage("distance to stream"):
        if replay:
            _distance_in_order(order, n, directions, stream, _NO_WEIGHTS, w, s, True, mfd, d_dn)
        else:
            _count_degrees(directions, state, mfd)
            _distance_down(directions, state, stream, _NO_WEIGHTS, w, s, True, mfd, d_dn)
    return d_up, d_dn


def _ic(d_up: NDArray[Any], d_dn: NDArray[np.float64]) -> NDArray[np.float64]:
    """IC = log10(D_up/D_dn); NaN where either is 0 or NaN."""
    up = d_up.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((d_dn != 0) & (up != 0), np.log10(up / d_dn), np.nan)


def sdr_layers(
    z: NDArray[np.floating[Any]],
    cover: NDArray[np.floating[Any]],
    cell_size_m: float,
    algorithm: FlowAlgorithm,
    threshold: float,
) -> dict[str, NDArray[np.float64]]:
    """InVEST SDR's connectivity layers on an (unfilled) DEM ``z`` (NaN nodata) and the
    USLE cover factor ``cover`` (C, NaN where undefined; ``z`` and ``cover`` are masked
    by each other as InVEST masks its inputs).

    Returns float64 arrays: ``stream`` (1/0), ``d_up``, ``d_dn`` and ``ic`` (NaN where
    undefined: off the data, on streams for ``ic``, where no flow reaches a stream).
    As natcap.invest 3.20 ``sdr.py``: W = max(C, 0.001) (C alone, not C·P);
    S = slope [m/m] bounded to [0.005, 1]; W̄ and S̄ are the W- and S-weighted flow
    accumulations divided by the flow accumulation; :math:`D_{up} = \\bar W \\bar S
    \\sqrt{A\\,\\text{cell area}}` with the accumulation A in cells (itself included);
    :math:`D_{dn}` = :func:`distance_to_stream` with weight 1/(W·S);
    :math:`IC = \\log_{10}(D_{up}/D_{dn})` (Borselli et al. 2008,
    doi:10.1016/j.catena.2008.07.006).

    W, S and D_up are held in float32 (as InVEST stores them), and A in float32 once the
    streams are extracted; the accumulations and D_dn are summed in float64.
    """
    zz = np.array(z, dtype=np.float32 if z.dtype == np.float32 else np.float64)
    c = np.asarray(cover, dtype=np.float64)
    zz[np.isnan(c)] = np.nan
    w = np.where(np.isnan(zz), np.nan, np.maximum(c, 0.001)).astype(np.float32)
    _check_algorithm(algorithm)
    state, stream, d_up, d_dn = _sdr_core(
        {"z": zz, "w": w}, cell_size_m, algorithm == "mfd", float(threshold), Workspace()
    )
    valid = state != NODATA_STATE
    return {
        "stream": np.where(valid, stream, np.nan).astype(np.float64),
        "d_up": d_up.astype(np.float64),
        "d_dn": d_dn,
        "ic": _ic(d_up, d_dn),
    }


def sdr_raster(
    dem_path: Path,
    ecosystem_path: Path,
    cover_by_code: dict[int, float],
    target: Path,
    algorithm: FlowAlgorithm = "mfd",
    threshold: float = 1000.0,
    k: float = 2.0,
    ic0: float = 0.5,
    sdr_max: float = 0.8,
    *,
    scratch: Path | None = None,
    scratch_cells: int | None = None,
) -> Path:
    """Write the sediment delivery ratio [-] of hillslope cells to ``target`` (float32
    GeoTIFF, NaN off the data), the factor that turns USLE soil loss into InVEST SDR's
    sediment export.

    DEM and ecosystem map (C per code from ``cover_by_code``; a code without a value is
    masked like nodata) → the layers of :func:`sdr_layers` → IC → :func:`ganpo.services.
    rusle.sediment_delivery_ratio`, strip by strip. Stream cells and cells whose flow
    reaches no stream are written as 0: InVEST computes no USLE on stream cells (its
    ``rkls`` is nodata there) and leaves cells that reach no stream out of ``sed_export``,
    so both export nothing in its totals; ganpo's export ``USLE × this raster`` then sums
    to InVEST's. The working arrays (module docstring: 34 bytes per cell at the peak for
    MFD) are file-backed as in :func:`ls_factor_raster` (``scratch``, ``scratch_cells``).
    Written next to ``target`` and renamed when complete.
    """
    _check_algorithm(algorithm)
    t0 = time.perf_counter()
    shape, cell, profile, dtype, w_by_code = _sdr_inputs(dem_path, ecosystem_path, cover_by_code)
    target.parent.mkdir(parents=True, exist_ok=True)
    with workspace(shape[0] * shape[1], target.parent, scratch, scratch_cells) as ws:
        z, w = ws.empty(shape, dtype), ws.empty(shape, np.float32)
        _read_inputs(dem_path, z, ecosystem_path, w, w_by_code)
        inputs = {"z": z, "w": w}
        del z, w
        state, _, d_up, d_dn = _sdr_core(inputs, cell, algorithm == "mfd", threshold, ws)
        _write_sdr(target, profile, state, d_up, d_dn, k, ic0, sdr_max)
    log.info("SDR (%s) of %s in %.1f s", algorithm, dem_path.name, time.perf_counter() - t0)
    return target


def _sdr_inputs(
    dem_path: Path, ecosystem_path: Path, cover_by_code: dict[int, float]
) -> tuple[tuple[int, int], float, dict[str, object], np.dtype[Any], NDArray[np.float64]]:
    """The DEM's shape, cell size, profile and dtype (:func:`_open_dem`), checked against
    the ecosystem map's shape, and W = max(C, 0.001) by ecosystem code (NaN: no C)."""
    shape, cell, profile, dtype = _open_dem(dem_path)
    with open_raster(ecosystem_path, "ecosystem_type") as src:
        if src.shape != shape:
            raise InputError(
                en=f"the ecosystem map has {src.shape} cells and the DEM {shape}; "
                "resample them to one grid",
                zh=f"生态系统类型图的像元数为 {src.shape}，DEM 为 "
                f"{shape}：请将两者重采样到同一网格",
                source=ecosystem_path,
                field="shape",
                values=[str(src.shape), str(shape)],
            )
    w_by_code = np.full(256, np.nan)
    for code, value in cover_by_code.items():
        if 0 <= code < 256:
            w_by_code[code] = max(value, 0.001)  # W = max(C, 0.001)
    return shape, cell, profile, dtype, w_by_code


def _write_sdr(
    target: Path,
    profile: dict[str, object],
    state: NDArray[np.uint8],
    d_up: NDArray[np.float32],
    d_dn: NDArray[np.float64],
    k: float,
    ic0: float,
    sdr_max: float,
) -> None:
    """Write the SDR of D_up and D_dn to ``target``: 0 on streams and where no flow
    reaches a stream, NaN off the data (:func:`sdr_raster`)."""

    def sdr(r0: int, r1: int, c0: int, c1: int) -> Any:
        ic = _ic(d_up[r0:r1, c0:c1], d_dn[r0:r1, c0:c1])
        ratio = rusle.sediment_delivery_ratio(ic, k, ic0, sdr_max)
        off = state[r0:r1, c0:c1] == NODATA_STATE
        return np.where(off, np.nan, np.nan_to_num(ratio, nan=0.0))

    _write_strips(target, dict(profile), state.shape[0], state.shape[1], sdr)


def ls_and_sdr_rasters(
    dem_path: Path,
    ecosystem_path: Path,
    cover_by_code: dict[int, float],
    ls_target: Path,
    sdr_target: Path,
    algorithm: FlowAlgorithm = "mfd",
    l_max: float = 122.0,
    threshold: float = 1000.0,
    k: float = 2.0,
    ic0: float = 0.5,
    sdr_max: float = 0.8,
    *,
    scratch: Path | None = None,
    scratch_cells: int | None = None,
    on_one_thread: Callable[[], None] | None = None,
) -> tuple[Path, Path]:
    """Write the LS factor (:func:`ls_factor_raster`) and the SDR (:func:`sdr_raster`) of
    one DEM from one routing: the pits are filled, the directions set and the flow
    accumulated once, and the LS raster is written as soon as the accumulation exists.
    Both rasters are bitwise those of the two functions called one after the other.

    The LS factor routes the whole DEM, the SDR only the cells with a cover factor
    (``cover_by_code``); where the ecosystem map leaves a DEM cell without one, the two
    routings differ, and each raster is then made by its own function (logged). The
    working set is the SDR's (34 bytes per cell at the peak for MFD).

    ``on_one_thread``, if given, is called once, when the routing's work from there on
    runs on one thread (:func:`_sdr_core`), or at once when the two rasters are routed
    apart (each routing then uses its threads to the end)."""
    _check_algorithm(algorithm)
    t0 = time.perf_counter()
    shape, cell, profile, dtype, w_by_code = _sdr_inputs(dem_path, ecosystem_path, cover_by_code)
    ls_target.parent.mkdir(parents=True, exist_ok=True)
    sdr_target.parent.mkdir(parents=True, exist_ok=True)
    with workspace(shape[0] * shape[1], sdr_target.parent, scratch, scratch_cells) as ws:
        z, w = ws.empty(shape, dtype), ws.empty(shape, np.float32)
        with _stage("read"):
            masked = _read_inputs(dem_path, z, ecosystem_path, w, w_by_code)
        if masked == 0:
            inputs = {"z": z, "w": w}
            del z, w

            def ls(slope: NDArray[np.float32], acc: NDArray[np.float64]) -> None:
                _write_ls(ls_target, profile, slope, acc, cell, l_max)

            state, _, d_up, d_dn = _sdr_core(
                inputs, cell, algorithm == "mfd", threshold, ws, ls, on_one_thread
            )
            with _stage("SDR written"):
                _write_sdr(sdr_target, profile, state, d_up, d_dn, k, ic0, sdr_max)
            log.info(
                "LS factor and SDR (%s) of %s from one routing in %.1f s",
                algorithm,
                dem_path.name,
                time.perf_counter() - t0,
            )
            return ls_target, sdr_target
        del z, w
    log.info(
        "LS factor and SDR (%s) of %s routed apart: the ecosystem map leaves %d DEM cells "
        "without a cover factor",
        algorithm,
        dem_path.name,
        masked,
    )
    if on_one_thread is not None:
        on_one_thread()
    ls_factor_raster(
        dem_path, ls_target, algorithm, l_max, scratch=scratch, scratch_cells=scratch_cells
    )
    sdr_raster(
        dem_path,
        ecosystem_path,
        cover_by_code,
        sdr_target,
        algorithm,
        threshold,
        k,
        ic0,
        sdr_max,
        scratch=scratch,
        scratch_cells=scratch_cells,
    )
    return ls_target, sdr_target
