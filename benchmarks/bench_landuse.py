"""Time and memory of a land-use scenario (issue 17): ``ganpo.landuse.run.simulate``.

For each size given (default 1000, 2000 and 4000: 10⁶, 4 × 10⁶ and 1.6 × 10⁷ cells of
30 m) two synthetic land-cover maps and a DEM are written strip by strip (a landscape of
functions of the coordinates: hills, a meandering river, towns on a 6 km lattice that grow
by a ring of 60 m from the first map to the second, cropland below 180 m, grassland above
320 m, forest elsewhere). The scenario (Markov demand of one step, seed 0, the default
automaton but at most ``--iterations`` iterations) then runs in a fresh child process,
block by block (``block_rows``: ``--block-rows``, working arrays in files; mode
``blocks``) and, for the sizes below ``--memory-max`` cells, in memory (mode ``memory``),
and the table gives:

- wall time of the call;
- peak RSS: the child's ``ru_maxrss`` (anonymous and file-backed resident pages);
- peak anon / peak file: the largest ``RssAnon`` / ``RssFile`` of the child's
  ``/proc/PID/status``, sampled every 50 ms by this (parent) process (a peak shorter than
  50 ms can be missed); file-backed pages are the page cache of the working files, which
  the system reclaims under pressure;
- anon B/cell: (peak anon − anon before the call) / cells.

Timings depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_landuse.py 1000 2000 4000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio
import rasterio.windows
from _child import checked
from _memory import maxrss_kib, run_sampled, status_kib
from rasterio.transform import from_origin

CELL = 30.0
STRIP = 512
TOWN_SPACING_M = 6000.0


def _cover(x: np.ndarray, y: np.ndarray, elev: np.ndarray, town_m: float) -> np.ndarray:
    """Ecosystem codes: 1 forest, 3 grassland, 5 cropland, 6 built-up, 7 water."""
    out = np.full(x.shape, 1, np.uint8)
    out[elev < 180.0] = 5
    out[elev > 320.0] = 3
    dx = (x % TOWN_SPACING_M) - TOWN_SPACING_M / 2
    dy = (y % TOWN_SPACING_M) - TOWN_SPACING_M / 2
    out[np.hypot(dx, dy) < town_m] = 6
    river = np.abs((y % 9000.0) - 4500.0 - 900.0 * np.sin(x / 2500.0)) < 45.0
    out[river] = 7
    return out


def write_inputs(size: int, folder: Path) -> tuple[Path, Path, Path]:
    """The first and second maps (uint8) and the DEM (float32) of ``size`` × ``size``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = tuple(folder / f"{n}_{size}.tif" for n in ("cover_a", "cover_b", "dem"))
    if all(p.exists() for p in paths):
        return paths  # type: ignore[return-value]
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_300_000.0, CELL, CELL),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "zstd",
        "BIGTIFF": "IF_SAFER",
    }
    a, b, d = paths
    with (
        rasterio.open(a, "w", **profile, dtype="uint8", nodata=255) as fa,
        rasterio.open(b, "w", **profile, dtype="uint8", nodata=255) as fb,
        rasterio.open(d, "w", **profile, dtype="float32", nodata=-9999.0) as fd,
    ):
        for r0 in range(0, size, STRIP):
            r1 = min(size, r0 + STRIP)
            y, x = np.mgrid[r0:r1, 0:size].astype(np.float64) * CELL
            noise = np.sin(x * 12.9898 + y * 78.233) * 0.5  # deterministic half-metre noise
            elev = 250.0 + 110.0 * np.sin(x / 3100.0) * np.cos(y / 4300.0) + noise
            window = rasterio.windows.Window(0, r0, size, r1 - r0)
            fa.write(_cover(x, y, elev, 600.0), 1, window=window)
            fb.write(_cover(x, y, elev, 660.0), 1, window=window)
            fd.write(elev.astype(np.float32), 1, window=window)
    return paths  # type: ignore[return-value]


def child(mode: str, a: Path, b: Path, dem: Path, block_rows: int, iterations: int) -> None:
    """One measurement in this fresh process; prints JSON."""
    from ganpo.landuse.ca import CAParameters
    from ganpo.landuse.run import simulate

    out = Path(tempfile.mkdtemp(prefix="bench-landuse-", dir=a.parent))
    params = CAParameters(max_iterations=iterations)
    before = status_kib()
    t0 = time.perf_counter()
    run = simulate(
        a,
        b,
        dem,
        out / "sim.tif",
        params=params,
        block_rows=block_rows if mode == "blocks" else None,
    )
    seconds = time.perf_counter() - t0
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    result = {
        "seconds": seconds,
        "maxrss_kib": maxrss_kib(),
        "anon_before_kib": before["RssAnon"],
        "iterations": run.allocation.iterations,
        "met": run.allocation.met,
    }
    print(json.dumps(result))


def measure(
    mode: str, a: Path, b: Path, dem: Path, block_rows: int, iterations: int
) -> dict[str, float]:
    """Run one child and sample its memory from here every 50 ms."""
    cmd = [sys.executable, __file__, "--child", mode, str(a), str(b), str(dem)]
    cmd += [str(block_rows), str(iterations)]
    run = run_sampled(cmd)
    got = checked(run, f"the child measuring {mode}")
    got["peak_anon_kib"], got["peak_file_kib"] = run.peak_kib["RssAnon"], run.peak_kib["RssFile"]
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 2000, 4000])
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--block-rows", type=int, default=256)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument(
        "--memory-max", type=int, default=4_000_000, help="largest map run in memory [cells]"
    )
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, a, b, dem, rows, its = args.child
        child(mode, Path(a), Path(b), Path(dem), int(rows), int(its))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        gib = 1024 * 1024
        print(
            f"{'size':>6} {'cells':>9} {'mode':>6} {'iter':>4} {'time s':>7} "
            f"{'peak RSS GiB':>12} {'peak anon GiB':>13} {'peak file GiB':>13} "
            f"{'anon B/cell':>11} {'s/10⁶ cells':>11}",
            flush=True,
        )
        for size in args.sizes:
            a, b, dem = write_inputs(size, folder)
            modes = ["blocks"] + (["memory"] if size * size <= args.memory_max else [])
            for mode in modes:
                m = measure(mode, a, b, dem, args.block_rows, args.iterations)
                cells = size * size
                per_cell = (m["peak_anon_kib"] - m["anon_before_kib"]) * 1024 / cells
                print(
                    f"{size:>5}² {cells:>9.2e} {mode:>6} {int(m['iterations']):>4} "
                    f"{m['seconds']:>7.1f} {m['maxrss_kib'] / gib:>12.2f} "
                    f"{m['peak_anon_kib'] / gib:>13.2f} {m['peak_file_kib'] / gib:>13.2f} "
                    f"{per_cell:>11.1f} {m['seconds'] / cells * 1e6:>11.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
