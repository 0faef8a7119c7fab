"""Flow routing on a DEM (pit filling, D8 and MFD flow direction, flow accumulation,
slope) and the rasters derived from them: the RUSLE LS factor and InVEST SDR's sediment
delivery ratio.

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

:func:`sdr_raster` derives InVEST SDR's sediment delivery ratio the same way (streams by
flow-accumulation threshold, D_up, D_dn, IC; docs/decisions/0008). It holds about 15
DEM-sized arrays at once (about 130 bytes per cell by count, not optimised): measured
3.1 s (MFD) and 1.8 s (D8) for a 2000² DEM, with a peak resident size of the whole process
of 0.72 GB (its synthetic-landscape generation alone peaks at 0.55 GB); a 10000² DEM
would need some 13 GB.
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
    directions: np.ndarray,
    valid: NDArray[np.bool_],
    mfd: bool,
    stack: np.ndarray,
    weights: NDArray[np.float64],
) -> NDArray[np.float64]:
    rows, cols = valid.shape
    weighted = weights.shape == valid.shape
    indegree = np.zeros((rows, cols), dtype=np.uint8)
    acc = np.full((rows, cols), np.nan, dtype=np.float64)
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                continue
            acc[r, c] = weights[r, c] if weighted else 1.0
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
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    valid: NDArray[np.bool_],
    weights: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Number of cells draining through each cell, itself included [cells]; NaN off
    ``valid``. ``directions`` is D8 (uint8) or MFD (uint32) from this module; with MFD a
    cell passes on its accumulation in proportion to its 4-bit weights. With ``weights``
    (same shape) each cell contributes its weight instead of 1 (pygeoprocessing's
    weighted flow accumulation)."""
    mfd = directions.dtype == np.uint32
    n = valid.size
    stack = np.empty(n, dtype=np.int32 if n < 2**31 - 1 else np.int64)
    w = np.ones((1, 1)) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    if weights is not None and w.shape != valid.shape:
        raise ValueError(f"weights of shape {w.shape} for a raster of shape {valid.shape}")
    return _accumulate(directions, valid, mfd, stack, w)


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


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise InputError(
            f"unknown flow direction algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}",
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
        BIGTIFF="IF_SAFER",
    )


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
    _check_algorithm(algorithm)
    t0 = time.perf_counter()
    z, cell, profile = read_dem(dem_path)
    valid = ~np.isnan(z)
    fill_pits(z)
    directions = flow_direction_mfd(z) if algorithm == "mfd" else flow_direction_d8(z)
    slope = slope_percent(z, cell)
    del z
    acc = flow_accumulation(directions, valid)
    del directions, valid
    _float32_tiff(profile)
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


# --- sediment delivery ratio (InVEST SDR, Borselli et al. 2008) --------------------------

STREAM_TRACE_PROPORTION = 0.7  # InVEST SDR's trace_threshold_proportion for MFD streams


@numba.njit(cache=True)
def _streams_mfd(
    acc: NDArray[np.float64], packed: NDArray[np.uint32], threshold: float, trace: float
) -> NDArray[np.uint8]:
    rows, cols = acc.shape
    stream = np.full((rows, cols), 255, dtype=np.uint8)  # 255: not yet seen; 2: candidate
    queue = np.empty(rows * cols + 1, dtype=np.int64)
    back = np.empty(rows * cols + 1, dtype=np.int64)
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
            head, tail = 0, 1
            queue[0] = r0 * cols + c0
            while head < tail:  # breadth-first upstream from the outlet
                i = queue[head]
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
                        b_head, b_tail = 0, 1
                        back[0] = rn * cols + cn
                        while b_head < b_tail:
                            j = back[b_head]
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
    return stream


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
    if directions.dtype == np.uint32:
        return _streams_mfd(
            np.ascontiguousarray(acc, dtype=np.float64),
            np.ascontiguousarray(directions),
            float(threshold),
            STREAM_TRACE_PROPORTION * float(threshold),
        )
    out = np.where(acc > threshold, 1, 0).astype(np.uint8)
    out[np.isnan(acc)] = 255
    return out


@numba.njit(cache=True)
def _upstream_order(
    directions: np.ndarray, valid: NDArray[np.bool_], mfd: bool
) -> NDArray[np.int64]:
    """Linear indices of the valid cells, each after every cell that drains into it."""
    rows, cols = valid.shape
    indegree = np.zeros((rows, cols), dtype=np.uint8)
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                continue
            for k in range(8):
                rn, cn = r + DROW[k], c + DCOL[k]
                inflow = _inside(rn, cn, rows, cols) and valid[rn, cn]
                if inflow and _share(directions, r, c, k, mfd) > 0.0:
                    indegree[rn, cn] += 1
    stack = np.empty(rows * cols, dtype=np.int64)
    order = np.empty(rows * cols, dtype=np.int64)
    top, n = 0, 0
    for r in range(rows):
        for c in range(cols):
            if valid[r, c] and indegree[r, c] == 0:
                stack[top] = r * cols + c
                top += 1
    while top > 0:
        top -= 1
        i = stack[top]
        order[n] = i
        n += 1
        r, c = i // cols, i % cols
        for k in range(8):
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or not valid[rn, cn]:
                continue
            if _share(directions, r, c, k, mfd) > 0.0:
                indegree[rn, cn] -= 1
                if indegree[rn, cn] == 0:
                    stack[top] = rn * cols + cn
                    top += 1
    return order[:n]


@numba.njit(cache=True)
def _distance_to_stream(
    directions: np.ndarray,
    stream: NDArray[np.uint8],
    weight: NDArray[np.float64],
    order: NDArray[np.int64],
    mfd: bool,
) -> NDArray[np.float64]:
    rows, cols = stream.shape
    dist = np.full((rows, cols), np.nan, dtype=np.float64)
    for n in range(order.size - 1, -1, -1):  # downstream cells first
        i = order[n]
        r, c = i // cols, i % cols
        if stream[r, c] == 1:
            dist[r, c] = 0.0
            continue
        if not mfd:
            k = directions[r, c]
            if k == D8_NONE:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if _inside(rn, cn, rows, cols) and not np.isnan(dist[rn, cn]):
                dist[r, c] = weight[r, c] + dist[rn, cn]
            continue
        total, weighted = 0.0, 0.0
        for k in range(8):
            share = (directions[r, c] >> (4 * k)) & 15
            if share == 0:
                continue
            rn, cn = r + DROW[k], c + DCOL[k]
            if not _inside(rn, cn, rows, cols) or np.isnan(dist[rn, cn]):
                continue
            total += share
            weighted += share * (weight[rn, cn] + dist[rn, cn])
        if total > 0.0:
            dist[r, c] = weighted / total
    return dist


def distance_to_stream(
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    stream: NDArray[np.uint8],
    weight: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Weighted flow distance from each cell down to a stream cell, as pygeoprocessing's
    ``distance_to_channel_d8/mfd`` compute it with a weight raster (InVEST SDR's
    :math:`D_{dn}`); NaN where no flow reaches a stream.

    D8: :math:`d_i = w_i + d_{down(i)}`, 0 on stream cells. MFD: the flow-weighted mean
    over the downslope neighbours n that reach a stream,
    :math:`d_i = \\sum_n p_{in} (w_n + d_n) / \\sum_n p_{in}` with the 4-bit shares
    :math:`p_{in}` (note: the *neighbour's* weight, as pygeoprocessing does). With a
    weight raster the step length (1 or √2 cells) is not applied: ``weight`` is the whole
    step, and the distance has the unit of ``weight``.
    """
    mfd = directions.dtype == np.uint32
    valid = stream != 255
    order = _upstream_order(directions, valid, mfd)
    return _distance_to_stream(
        directions, stream, np.ascontiguousarray(weight, dtype=np.float64), order, mfd
    )


def sdr_layers(
    z: NDArray[np.float64],
    cover: NDArray[np.float64],
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
    """
    z = np.array(z, dtype=np.float64)
    z[np.isnan(cover)] = np.nan
    valid = ~np.isnan(z)
    fill_pits(z)
    directions = flow_direction_mfd(z) if algorithm == "mfd" else flow_direction_d8(z)
    s_factor = np.clip(slope_percent(z, cell_size_m).astype(np.float64) / 100.0, 0.005, 1.0)
    del z
    w_factor = np.where(valid, np.maximum(cover, 0.001), np.nan)
    acc = flow_accumulation(directions, valid)
    w_bar = flow_accumulation(directions, valid, np.nan_to_num(w_factor)) / acc
    s_bar = flow_accumulation(directions, valid, np.nan_to_num(s_factor)) / acc
    d_up = w_bar * s_bar * np.sqrt(acc * cell_size_m * cell_size_m)
    del w_bar, s_bar
    stream = extract_streams(acc, directions, threshold)
    d_dn = distance_to_stream(directions, stream, 1.0 / (w_factor * s_factor))
    with np.errstate(divide="ignore", invalid="ignore"):
        ic = np.where((d_dn != 0) & (d_up != 0), np.log10(d_up / d_dn), np.nan)
    return {
        "stream": np.where(valid, stream, np.nan).astype(np.float64),
        "d_up": d_up,
        "d_dn": d_dn,
        "ic": ic,
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
) -> Path:
    """Write the sediment delivery ratio [-] of hillslope cells to ``target`` (float32
    GeoTIFF, NaN off the data), the factor that turns USLE soil loss into InVEST SDR's
    sediment export.

    DEM and ecosystem map (C per code from ``cover_by_code``; a code without a value is
    masked like nodata) → :func:`sdr_layers` → IC → :func:`ganpo.services.rusle.
    sediment_delivery_ratio`. Stream cells and cells whose flow reaches no stream are
    written as 0: InVEST computes no USLE on stream cells (its ``rkls`` is nodata there)
    and leaves cells that reach no stream out of ``sed_export``, so both export nothing in
    its totals; ganpo's export ``USLE × this raster`` then sums to InVEST's. Written next
    to ``target`` and renamed when complete.
    """
    _check_algorithm(algorithm)
    t0 = time.perf_counter()
    z, cell, profile = read_dem(dem_path)
    with rasterio.open(ecosystem_path) as src:
        if src.shape != z.shape:
            raise InputError(
                f"the ecosystem map has {src.shape} cells and the DEM {z.shape}; "
                "resample them to one grid",
                source=ecosystem_path,
                field="shape",
                values=[str(src.shape), str(z.shape)],
            )
        codes = src.read(1)
    lut = np.full(256, np.nan)
    for code, value in cover_by_code.items():
        if 0 <= code < 256:
            lut[code] = value
    inside = (codes >= 0) & (codes < 256)
    cover = np.where(inside, lut[np.clip(codes, 0, 255).astype(np.int64)], np.nan)
    layers = sdr_layers(z, cover, cell, algorithm, threshold)
    del z, cover
    sdr = np.asarray(rusle.sediment_delivery_ratio(layers["ic"], k, ic0, sdr_max))
    sdr = np.where(np.isnan(layers["stream"]), np.nan, np.nan_to_num(sdr, nan=0.0))
    _float32_tiff(profile)
    building = target.with_name(f".{target.name}.building.tif")
    target.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(building, "w", **profile) as dst:
        dst.write(sdr.astype(np.float32), 1)
    building.replace(target)
    log.info("SDR (%s) of %s in %.1f s", algorithm, dem_path.name, time.perf_counter() - t0)
    return target
