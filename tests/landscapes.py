"""The synthetic DEMs and the GeoTIFF writer that the tests of the tiled routing stages
share (tests/engine/test_tiled_fill.py, tests/engine/test_tiled_accum.py), and what the
tests of the tiled LS and SDR share (tests/engine/test_tiled_sdr.py, D8, and
tests/engine/test_tiled_sdr_mfd.py, MFD): cover factors, the input files of the tiled
pipeline and the global reference layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.transform import from_origin

from ganpo.engine.compute import scheduler
from ganpo.engine.routing import (
    distance_to_stream,
    extract_streams,
    fill_pits,
    flow_accumulation,
    flow_direction_d8,
    flow_direction_mfd,
    slope_percent,
)
from ganpo.engine.tiled_accum import write_directions
from ganpo.engine.tiled_fill import fill_pits_tiled
from ganpo.services import rusle
from tinydata import write_raster

#: the side of a cell of :data:`PROFILE`'s grid, in metres
CELL = 30.0
#: the grid every raster here is written on: UTM 50N, 30 m cells
PROFILE = {"crs": "EPSG:32650", "transform": from_origin(500_000, 3_000_000, CELL, CELL)}
#: cover factors of the ecosystem map of :func:`sdr_inputs` (classes 1–4)
COVER = {1: 0.0, 2: 0.05, 3: 0.2, 4: 0.45}


def pit_filled(z: NDArray[Any]) -> NDArray[np.float64]:
    """A float64 copy of ``z`` with its pits filled by routing's global fill."""
    out = np.array(z, dtype=np.float64)
    fill_pits(out)
    return out


def pitted(
    rng: np.random.Generator, shape: tuple[int, int], dtype: str = "float64"
) -> NDArray[Any]:
    """Hills with many pits: smooth relief plus integer noise (many equal heights, flats
    once filled), rounded to 0.1."""
    rows, cols = shape
    y, x = np.mgrid[0:rows, 0:cols]
    relief = 20 * np.sin(x / 7.0) * np.cos(y / 5.0) + rng.integers(0, 8, shape)
    return np.round(relief, 1).astype(dtype)


def notched_bowl(size: int, dtype: str = "float64") -> NDArray[Any]:
    """A surface falling towards one notch in a high rim: every cell drains to the notch
    at the middle of the top edge, through pits made by noise (not filled)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:size, 0:size].astype("float64")
    z = np.hypot(y, x - size // 2) + rng.integers(0, 4, (size, size)) * 0.7
    z[0, :] = z[:, 0] = z[-1, :] = z[:, -1] = 1000.0  # the rim
    z[0, size // 2] = -1.0  # the notch, the one outlet lower than the rim
    return z.astype(dtype)


def write_tif(path: Path, a: NDArray[Any], nodata: float | None, dtype: str | None = None) -> Path:
    """``a`` as a one-band GeoTIFF on :data:`PROFILE`'s grid, of type ``dtype`` (default:
    ``a``'s), its NaN cells written as ``nodata`` (if given)."""
    a = a.copy()
    if nodata is not None and a.dtype.kind == "f":
        a[np.isnan(a)] = nodata
    dtype = dtype or str(a.dtype)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=a.shape[1],
        height=a.shape[0],
        count=1,
        dtype=dtype,
        nodata=nodata,
        **PROFILE,
    ) as dst:
        dst.write(a.astype(dtype), 1)
    return path


def pitted_with_nodata() -> NDArray[np.float64]:
    """:func:`pitted` hills of 30 × 26 cells, pit-filled, with nodata across the edges of
    tiles of 6 (at row 6 and columns 6 and 12), at a tile's corner and touching the
    raster's edge."""
    z = pitted(np.random.default_rng(3), (30, 26))
    z[4:9, 5:13] = np.nan  # across the edges of tiles of 6 at row 6 and columns 6 and 12
    z[17:20, 10:11] = np.nan
    z[11, 17] = np.nan  # at a tile's corner
    z[23:30, 0:3] = np.nan  # touching the raster's edge
    return pit_filled(z)


def random_cover(shape: tuple[int, ...], seed: int = 5) -> NDArray[np.float64]:
    """Random cover factors in [0, 0.4), about an eighth of them 0 (so that the SDR's
    W = max(C, 0.001) bites)."""
    c = np.random.default_rng(seed).uniform(0.0, 0.4, shape)
    c[c < 0.05] = 0.0  # W = max(C, 0.001) bites
    return c


def sdr_inputs(tmp_path: Path, method: str) -> tuple[Path, Path, Path, Path]:
    """An unfilled DEM (float32, nodata -9999 across tile edges) and an ecosystem map of
    :data:`COVER`'s classes; the DEM filled by tiles and its directions (``method`` "d8"
    or "mfd", written as ``<method>.tif``), as the tiled pipeline makes them."""
    rng = np.random.default_rng(4)
    size = 26
    y, x = np.mgrid[0:size, 0:size].astype("float64")
    z = (np.hypot(y, x - 13) + rng.integers(0, 4, (size, size)) * 0.7).astype(np.float32)
    z[0, 13] = -1.0
    z[8:12, 3:10] = -9999.0
    dem = write_tif(tmp_path / "dem.tif", z, -9999.0)
    eco = write_tif(tmp_path / "eco.tif", rng.integers(1, 5, z.shape).astype(np.uint8), 0)
    with scheduler("synchronous"):
        filled_dem = fill_pits_tiled(dem, tmp_path / "filled.tif", tile=7)
    with rasterio.open(filled_dem) as src:
        zf = src.read(1)
    direct = {"d8": flow_direction_d8, "mfd": flow_direction_mfd}[method]
    d = direct(zf)  # routing's directions of the filled float32 DEM
    directions = write_directions(tmp_path / f"{method}.tif", d, ~np.isnan(zf), PROFILE)
    return dem, eco, filled_dem, directions


def sdr_reference(
    z: NDArray[np.float64],
    directions: NDArray[np.uint8] | NDArray[np.uint32],
    factors: NDArray[np.float64],
    threshold: float,
    l_max: float = 122.0,
    k: float = 2.0,
    ic0: float = 0.5,
    sdr_max: float = 0.8,
) -> dict[str, NDArray[Any]]:
    """The global layers, LS and SDR of routing's public functions for the D8 or MFD
    ``directions`` (which need not be the DEM's) and the cover ``factors``, as
    ``_sdr_core`` and the writers chain them, on cells of :data:`CELL` metres."""
    valid = ~np.isnan(z)
    w = np.where(valid, np.maximum(factors, 0.001), np.nan).astype(np.float32)
    slope = slope_percent(z, CELL)
    s = np.clip(slope.astype(np.float64) / 100.0, 0.005, 1.0).astype(np.float32)
    acc = flow_accumulation(directions, valid)
    total_w = flow_accumulation(directions, valid, w)
    total_s = flow_accumulation(directions, valid, s)
    stream = extract_streams(acc, directions, threshold)
    a = acc.astype(np.float32).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        w_bar = (total_w / a).astype(np.float32).astype(np.float64)
        d_up = (w_bar * (total_s / a) * np.sqrt(a * CELL * CELL)).astype(np.float32)
        step = 1.0 / (w.astype(np.float64) * s.astype(np.float64))
    d_dn = distance_to_stream(directions, stream, step)
    ls = rusle.ls_factor(slope.astype(np.float64), acc, CELL, l_max).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        up = d_up.astype(np.float64)
        ic = np.where((d_dn != 0) & (up != 0), np.log10(up / d_dn), np.nan)
    ratio = rusle.sediment_delivery_ratio(ic, k, ic0, sdr_max)
    sdr = np.where(valid, np.nan_to_num(ratio, nan=0.0), np.nan).astype(np.float32)
    return {
        "acc": acc,
        "stream": np.where(valid, stream, np.nan),
        "d_up": d_up.astype(np.float64),
        "d_dn": d_dn,
        "ls": ls,
        "sdr": sdr,
    }


def terraced_hills(
    n: int, seed: int, terrace: tuple[slice, slice]
) -> tuple[NDArray[np.float32], NDArray[np.uint8]]:
    """An n × n float32 DEM: hills on a tilt with half-metre noise (pits to fill), a flat
    terrace at 120 m on ``terrace`` and about 3 % nodata cells (-9999); and a map of
    ecosystem codes 1–3, drawn from the same generator after the DEM."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:n, 0:n] / n
    dem = (100 + 60 * np.sin(3 * xx + 1) * np.cos(2 * yy + 2) + 30 * yy).astype("float32")
    dem += (0.5 * rng.standard_normal((n, n))).astype("float32")
    dem[terrace] = 120.0
    dem[rng.random((n, n)) < 0.03] = -9999.0
    codes = rng.choice([1, 2, 3], size=(n, n)).astype("uint8")
    return dem, codes


def write_utm(path: Path, data: NDArray[Any], dtype: str, nodata: float) -> Path:
    """``data`` as a GeoTIFF of 30 m cells in UTM 50N (EPSG:32650)."""
    transform = from_origin(500_000, 3_000_000, 30, 30)
    write_raster(path, data.astype(dtype), nodata=nodata, crs="EPSG:32650", transform=transform)
    return path
