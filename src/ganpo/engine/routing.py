"""Flow routing on a DEM (pit filling, D8 and MFD flow direction, flow accumulation,
slope) and the RUSLE LS-factor raster derived from them.

Routing is global, not blockwise: water that falls on one block leaves through another,
so pit filling and flow accumulation need the whole DEM. This module therefore holds
DEM-sized arrays in memory, once, in a preprocessing step before the blockwise account:
:func:`ls_factor_raster` reads the DEM, routes it and writes the LS factor to a GeoTIFF
that the engine then reads block by block like any input layer. At 10000 × 10000 cells
the peak is about 2.2 GB (MFD; D8 about 1.9 GB): the filled DEM (float64, 800 MB) and the
flow directions (uint32 for MFD, 400 MB; uint8 for D8) while the slope (float32,
400 MB) is taken, then the directions, the slope, the flow accumulation (float64,
800 MB), the in-degree counts (uint8, 100 MB) and the processing stack (int32, 400 MB);
measured: 95 s and a peak resident size of 2.35 GB for a 10000² DEM
(docs/decisions/0009).

The algorithms follow the ones InVEST's SDR model uses through pygeoprocessing, so that
the LS factor agrees with InVEST on the same DEM (docs/decisions/0008):

- pits are filled to their lowest pour point (Priority-Flood, Barnes et al. 2014,
  doi:10.1016/j.cageo.2013.04.024), with edge cells and cells next to nodata as outlets;
  filled pits become flats;
- D8: the neighbour of steepest descent (diagonal drops divided by √2);
  MFD: every lower neighbour gets a share proportional to its drop (diagonal drops
  divided by √2), stored as pygeoprocessing stores it, eight 4-bit weights (0–15) in one
  uint32 (neighbour k in bits 4k…4k+3); the quantisation to 1/15 is part of the result;
- flats drain towards their nearest outlet (breadth-first distance from the flat's cells
  that have a lower neighbour, or, if none, from its cells next to nodata or the edge);
- flow accumulation counts each cell itself (1) plus what flows in; flow leaving the
  raster or into nodata is lost;
- slope is Horn's (1981) finite difference, with one-sided differences where a neighbour
  is nodata or outside the raster.

Neighbour k = 0…7 runs E, NE, N, NW, W, SW, S, SE (k odd: diagonal).
"""

from __future__ import annotations

import heapq
import logging
import time
from pathlib import Path
from typing import Literal

import numba
import numpy as np
import rasterio
from numpy.typing import NDArray

from ganpo.errors import InputError
from ganpo.services import rusle

log = logging.getLogger(__name__)

FlowAlgorithm = Literal["mfd", "d8"]
ALGORITHMS: tuple[FlowAlgorithm, ...] = ("mfd", "d8")
D8_NONE = 255  # no flow direction (nodata, or an unfilled pit)
DROW = np.array([0, -1, -1, -1, 0, 1, 1, 1], dtype=np.int64)
DCOL = np.array([1, 1, 0, -1, -1, -1, 0, 1], dtype=np.int64)
SQRT2 = float(np.sqrt(2.0))
INV_SQRT2 = 1.0 / SQRT2
STRIP_ROWS = 256


@numba.njit(cache=True)
def _inside(r: int, c: int, rows: int, cols: int) -> bool:
    return 0 <= r < rows and 0 <= c < cols


@numba.njit(cache=True)
def fill_pits(z: NDArray[np.float64]) -> None:
    """Fill every pit of ``z`` (NaN = nodata) in place to its lowest pour point.

    Priority-Flood: start from the outlets (edge cells and cells next to nodata), always
    expand the lowest open cell; a neighbour lower than the cell it is reached from lies
    in a pit and is raised to that cell's height. Cells raised that way are expanded
    first, from a stack (they all share the spill height).
    """
    rows, cols = z.shape
    closed = np.zeros((rows, cols), dtype=np.bool_)
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
                closed[r, c] = True
                heapq.heappush(heap, (z[r, c], np.int64(r * cols + c)))
    while len(heap) > 0 or len(pit) > 0:
        i = pit.pop() if len(pit) > 0 else heapq.heappop(heap)[1]
        r, c = i // cols, i % cols
        level = z[r, c]
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or closed[rn, cn] or np.isnan(z[rn, cn]):
                continue
            closed[rn, cn] = True
            n = np.int64(rn * cols + cn)
            if z[rn, cn] <= level:
                z[rn, cn] = level
                pit.append(n)
            else:
                heapq.heappush(heap, (z[rn, cn], n))


@numba.njit(cache=True)
def _drops(z: NDArray[np.float64], r: int, c: int, out: NDArray[np.float64]) -> float:
    """Drop to each lower valid neighbour (diagonals / √2) into ``out``; their sum."""
    rows, cols = z.shape
    total = 0.0
    for k in range(8):
        out[k] = 0.0
        rn, cn = r + DROW[k], c + DCOL[k]
        if not _inside(rn, cn, rows, cols) or np.isnan(z[rn, cn]):
            continue
        drop = z[r, c] - z[rn, cn]
        if drop > 0.0:
            if k & 1:
                drop *= INV_SQRT2
            out[k] = drop
            total += drop
    return total


@numba.njit(cache=True)
def _pack(weights: NDArray[np.float64], total: float) -> np.uint32:
    """Eight shares as 4-bit integers (round(15 × share)) in one uint32."""
    packed = np.uint32(0)
    for k in range(8):
        q = np.uint32(int(0.5 + weights[k] / total * 15.0))
        packed |= q << np.uint32(4 * k)
    return packed


@numba.njit(cache=True)
def _flow_directions(z: NDArray[np.float64], mfd: bool) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = z.shape
    d8 = np.full((rows, cols) if not mfd else (1, 1), D8_NONE, dtype=np.uint8)
    packed = np.zeros((rows, cols) if mfd else (1, 1), dtype=np.uint32)
    flat = np.zeros((rows, cols), dtype=np.uint8)  # 1: no lower neighbour; 2: seen in a flat
    w = np.zeros(8, dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            if np.isnan(z[r, c]):
                continue
            total = _drops(z, r, c, w)
            if total <= 0.0:
                flat[r, c] = 1
            elif mfd:
                packed[r, c] = _pack(w, total)
            else:
                best = 0
                for k in range(1, 8):
                    if w[k] > w[best]:
                        best = k
                d8[r, c] = best
    dist = np.full((rows, cols), np.inf, dtype=np.float32)
    for r0 in range(rows):
        for c0 in range(cols):
            if flat[r0, c0] == 1:
                _drain_flat(z, r0, c0, flat, dist, d8, packed, mfd, w)
    return d8, packed


@numba.njit(cache=True)
def _drain_flat(
    z: NDArray[np.float64],
    r0: int,
    c0: int,
    flat: NDArray[np.uint8],
    dist: NDArray[np.float32],
    d8: NDArray[np.uint8],
    packed: NDArray[np.uint32],
    mfd: bool,
    w: NDArray[np.float64],
) -> None:
    """Give every cell of the flat that contains (r0, c0) a direction towards the nearest
    outlet of the flat."""
    rows, cols = z.shape
    height = z[r0, c0]
    region = [np.int64(r0 * cols + c0)]
    flat[r0, c0] = 2
    head = 0
    while head < len(region):  # the connected cells of equal height
        i = region[head]
        head += 1
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if _inside(rn, cn, rows, cols) and z[rn, cn] == height and flat[rn, cn] != 2:
                flat[rn, cn] = 2
                region.append(np.int64(rn * cols + cn))
    queue = [np.int64(0)]
    queue.pop()
    for i in region:  # outlets: cells with a lower neighbour (their direction is set)
        r, c = i // cols, i % cols
        if _drops(z, r, c, w) > 0.0:
            dist[r, c] = 0.0
            queue.append(i)
    if len(queue) == 0:  # none: the flat drains over the edge or into nodata
        for i in region:
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
                dist[r, c] = 0.0
                queue.append(i)
                if mfd:
                    packed[r, c] = _pack(w, total)
                else:
                    d8[r, c] = best
    head = 0
    while head < len(queue):  # breadth-first distance to the nearest outlet
        i = queue[head]
        head += 1
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or z[rn, cn] != height:
                continue
            # compared in float32, as stored: a float64 comparison would re-queue cells
            # whose stored distance rounded up
            candidate = np.float32(dist[r, c] + (SQRT2 if k & 1 else 1.0))
            if dist[rn, cn] > candidate:
                dist[rn, cn] = candidate
                if not mfd:
                    d8[rn, cn] = (k + 4) % 8
                queue.append(np.int64(rn * cols + cn))
    if mfd:  # equal shares to every neighbour of the flat that is nearer an outlet
        for i in region:
            r, c = i // cols, i % cols
            if dist[r, c] == 0.0 or not np.isfinite(dist[r, c]):
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


def flow_direction_d8(filled: NDArray[np.float64]) -> NDArray[np.uint8]:
    """D8 direction 0–7 of every cell of a pit-filled DEM; 255 where none."""
    return _flow_directions(np.ascontiguousarray(filled, dtype=np.float64), False)[0]


def flow_direction_mfd(filled: NDArray[np.float64]) -> NDArray[np.uint32]:
    """MFD shares of every cell of a pit-filled DEM, eight 4-bit weights; 0 where none."""
    return _flow_directions(np.ascontiguousarray(filled, dtype=np.float64), True)[1]


@numba.njit(cache=True)
def _share(directions: np.ndarray, r: int, c: int, k: int, mfd: bool) -> float:
    if mfd:
        v = directions[r, c]
        total = 0
        for j in range(8):
            total += (v >> (4 * j)) & 15
        mine = (v >> (4 * k)) & 15
        return mine / total if total > 0 else 0.0
    return 1.0 if directions[r, c] == k else 0.0


@numba.njit(cache=True)
def _accumulate(
    directions: np.ndarray, valid: NDArray[np.bool_], mfd: bool, stack: np.ndarray
) -> NDArray[np.float64]:
    rows, cols = valid.shape
    indegree = np.zeros((rows, cols), dtype=np.uint8)
    acc = np.full((rows, cols), np.nan, dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                continue
            acc[r, c] = 1.0
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                inflow = _inside(rn, cn, rows, cols) and valid[rn, cn]
                if inflow and _share(directions, r, c, k, mfd) > 0.0:
                    indegree[rn, cn] += 1
    top = 0
    for r in range(rows):
        for c in range(cols):
            if valid[r, c] and indegree[r, c] == 0:
                stack[top] = r * cols + c
                top += 1
    while top > 0:  # a cell is passed on once everything upstream of it is counted
        top -= 1
        i = stack[top]
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or not valid[rn, cn]:
                continue
            s = _share(directions, r, c, k, mfd)
            if s > 0.0:
                acc[rn, cn] += acc[r, c] * s
                indegree[rn, cn] -= 1
                if indegree[rn, cn] == 0:
                    stack[top] = rn * cols + cn
                    top += 1
    return acc


def flow_accumulation(
    directions: NDArray[np.uint8] | NDArray[np.uint32], valid: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Number of cells draining through each cell, itself included [cells]; NaN off
    ``valid``. ``directions`` is D8 (uint8) or MFD (uint32) from this module; with MFD a
    cell passes on its accumulation in proportion to its 4-bit weights."""
    mfd = directions.dtype == np.uint32
    n = valid.size
    stack = np.empty(n, dtype=np.int32 if n < 2**31 - 1 else np.int64)
    return _accumulate(directions, valid, mfd, stack)


@numba.njit(cache=True)
def _at(z: NDArray[np.float64], r: int, c: int) -> float:
    rows, cols = z.shape
    return z[r, c] if _inside(r, c, rows, cols) else np.nan


@numba.njit(cache=True)
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


@numba.njit(cache=True)
def _slope_rows(
    z: NDArray[np.float64], r0: int, r1: int, cell_x: float, cell_y: float
) -> NDArray[np.float32]:
    cols = z.shape[1]
    out = np.full((r1 - r0, cols), np.nan, dtype=np.float32)
    for r in range(r0, r1):
        for c in range(cols):
            e = z[r, c]
            if np.isnan(e):
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
    return out


def slope_percent(z: NDArray[np.float64], cell_size_m: float) -> NDArray[np.float32]:
    """Slope [%] by Horn's method on square cells of ``cell_size_m``; NaN on nodata."""
    z = np.ascontiguousarray(z, dtype=np.float64)
    return _slope_rows(z, 0, z.shape[0], cell_size_m, cell_size_m)


def read_dem(path: Path) -> tuple[NDArray[np.float64], float, dict[str, object]]:
    """The DEM as float64 with NaN for nodata, its square cell size [m] and profile."""
    with rasterio.open(path) as src:
        z = src.read(1).astype(np.float64)
        if src.nodata is not None and not np.isnan(src.nodata):
            z[z == src.nodata] = np.nan
        a, e = src.transform.a, src.transform.e
        profile = dict(src.profile)
    if not np.isclose(abs(a), abs(e), rtol=1e-9):
        raise InputError(
            f"the DEM's cells are {abs(a):g} × {abs(e):g} m; routing needs square cells. "
            "Resample the DEM to square cells",
            source=path,
            field="cell size",
            values=[abs(a), abs(e)],
        )
    if np.isnan(z).all():
        raise InputError(
            "the DEM has no valid cell", source=path, field="nodata", values=[src.nodata]
        )
    return z, abs(a), profile


def ls_factor_raster(
    dem_path: Path,
    target: Path,
    algorithm: FlowAlgorithm = "mfd",
    l_max: float = 122.0,
) -> Path:
    """Write the RUSLE LS factor [-] of a DEM to ``target`` (float32 GeoTIFF, NaN nodata).

    DEM → pits filled → flow direction (``algorithm``) → slope and flow accumulation →
    :func:`ganpo.services.rusle.ls_factor` row strip by row strip. Holds the DEM-sized
    arrays in memory (see the module docstring for the cost). The file is written next
    to ``target`` and renamed when complete, so a half-written LS raster never exists.
    """
    if algorithm not in ALGORITHMS:
        raise InputError(
            f"unknown flow direction algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}",
            field="algorithm",
            values=[algorithm],
        )
    t0 = time.perf_counter()
    z, cell, profile = read_dem(dem_path)
    valid = ~np.isnan(z)
    fill_pits(z)
    directions = flow_direction_mfd(z) if algorithm == "mfd" else flow_direction_d8(z)
    slope = slope_percent(z, cell)
    del z
    acc = flow_accumulation(directions, valid)
    del directions, valid
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
        BIGTIFF="IF_SAFER",
    )
    building = target.with_name(f".{target.name}.building.tif")
    target.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(building, "w", **profile) as dst:
        for r0 in range(0, slope.shape[0], STRIP_ROWS):
            r1 = min(r0 + STRIP_ROWS, slope.shape[0])
            ls = rusle.ls_factor(slope[r0:r1].astype(np.float64), acc[r0:r1], cell, l_max)
            window = rasterio.windows.Window(0, r0, slope.shape[1], r1 - r0)
            dst.write(np.asarray(ls, dtype=np.float32), 1, window=window)
    building.replace(target)
    log.info("LS factor (%s) of %s in %.1f s", algorithm, dem_path.name, time.perf_counter() - t0)
    return target
