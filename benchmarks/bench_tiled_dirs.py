"""Time and memory of flow directions: the global ones against the tiled ones
(``ganpo.engine.tiled_dirs``, issue 19 point 1, docs/decisions/0062).

For each size given (default 2000, i.e. 4·10⁶ cells) the DEM of ``bench_routing.py``
(bench_invest's landscape), its heights rounded to ``--step`` metres (default 1: terraces
and paddies levelled to whole metres, so flats are many and cross tile edges), is filled
globally and written as a float32 GeoTIFF, outside the measure. Then, for each algorithm
and each in a fresh child process:

- ``global``: the filled DEM read whole and ``routing.flow_direction_d8`` / ``_mfd``;
- ``tiled N``: ``flow_directions_tiled`` with a dask ``LocalCluster`` of N worker
  processes, one thread each, tiles of ``--tile`` cells a side; after the measure the
  result is compared with the global directions written by
  ``tiled_accum.write_directions`` (bitwise or not).

Columns as in ``bench_tiled_accum.py``: wall time of the call (numba warmed up and the
cluster started outside the measure), the caller's peak RSS (``VmHWM``) and its growth
over the RSS just before the call, the largest worker's peak RSS and growth (the memory
one tile's or one flat's task needed), the flats drained across tiles, and the
agreement. Timings depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_dirs.py 2000 --tile 512
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

sys.path.insert(0, str(Path(__file__).parent))
from _memory import hwm_kib, rss_kib
from bench_routing import WARM, write_inputs


def filled(dem: Path, step: float) -> Path:
    """The DEM rounded to ``step`` metres and pit-filled globally, float32, NaN nodata."""
    from ganpo.engine.routing import fill_pits, read_dem

    path = dem.with_name(f"{dem.stem}_filled_{step:g}.tif")
    if path.exists():
        return path
    z, _, profile = read_dem(dem)
    if step > 0:
        z = np.round(z / step) * step
    z = z.astype(np.float32)
    fill_pits(z)
    profile.update(dtype="float32", nodata=float("nan"), compress="deflate", predictor=3)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
    return path


def _global(path: Path, algorithm: str) -> np.ndarray:
    from ganpo.engine.routing import flow_direction_d8, flow_direction_mfd

    with rasterio.open(path) as src:
        z = src.read(1)
    return (flow_direction_d8 if algorithm == "d8" else flow_direction_mfd)(z)


def child(kind: str, workers: int, tile: int, algorithm: str, path: Path, warm: Path) -> None:
    """One measurement in this fresh process; prints JSON."""
    if kind == "global":
        _global(warm, algorithm)  # numba: load or compile
        rss = rss_kib()
        t0 = time.perf_counter()
        _global(path, algorithm)
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds, "maxrss_kib": hwm_kib(), "rss_kib": rss}))
        return
    from dask.distributed import Client, LocalCluster

    from ganpo.engine.tiled_accum import write_directions
    from ganpo.engine.tiled_dirs import flow_directions_tiled

    out = Path(tempfile.mkdtemp(prefix="bench-tiled-dirs-", dir=path.parent))
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        client.as_current(),
    ):
        flow_directions_tiled(warm, out / "warm.tif", algorithm, tile=16)  # type: ignore[arg-type]
        before = client.run(rss_kib)
        rss = rss_kib()
        t0 = time.perf_counter()
        flats = flow_directions_tiled(path, out / "dir.tif", algorithm, tile=tile)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        own = hwm_kib()
        peaks = client.run(hwm_kib)
    with rasterio.open(path) as src:
        valid = ~np.isnan(src.read(1))
        profile = dict(src.profile)
    write_directions(out / "global.tif", _global(path, algorithm), valid, profile)
    with rasterio.open(out / "dir.tif") as a, rasterio.open(out / "global.tif") as b:
        same = bool(np.array_equal(a.read(1), b.read(1)))
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    growth = max(peaks[w] - before[w] for w in peaks)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "maxrss_kib": own,
                "rss_kib": rss,
                "worker_maxrss_kib": max(peaks.values()),
                "worker_growth_kib": growth,
                "flats": flats,
                "same": same,
            }
        )
    )


def measure(
    kind: str, workers: int, tile: int, algorithm: str, path: Path, warm: Path
) -> dict[str, float]:
    import subprocess

    cmd = [sys.executable, __file__, "--child", kind, str(workers), str(tile), algorithm]
    cmd += [str(path), str(warm)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed with code {proc.returncode}:\n{proc.stderr}")
    got: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[2000])
    parser.add_argument("--tile", type=int, default=512, help="tile side [cells]")
    parser.add_argument("--step", type=float, default=1.0, help="heights rounded to [m]")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--algorithms", nargs="+", default=["d8", "mfd"])
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, workers, tile, algorithm, path, warm = args.child
        child(kind, int(workers), int(tile), algorithm, Path(path), Path(warm))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        warm = filled(write_inputs(WARM, folder)[0], args.step)
        mib = 1024
        print(
            f"{'size':>6} {'alg':>4} {'run':>8} {'time s':>7} {'peak RSS MiB':>12} "
            f"{'+MiB':>5} {'worker peak MiB':>15} {'worker +MiB':>11} {'flats':>6} "
            f"{'agreement':>10}",
            flush=True,
        )
        for size in args.sizes:
            dem = filled(write_inputs(size, folder)[0], args.step)
            for alg in args.algorithms:
                runs = [("global", 0)] + [("tiled", n) for n in args.workers]
                for kind, n in runs:
                    m = measure(kind, n, args.tile, alg, dem, warm)
                    name = "global" if kind == "global" else f"tiled {n}"
                    if kind == "tiled":
                        agree = "bitwise" if m["same"] else "DIFFERENT"
                        worker = (
                            f"{m['worker_maxrss_kib'] / mib:>15.0f} "
                            f"{m['worker_growth_kib'] / mib:>11.0f} {m['flats']:>6} "
                            f"{agree:>10}"
                        )
                    else:
                        worker = f"{'':>15} {'':>11} {'':>6} {'':>10}"
                    grown = (m["maxrss_kib"] - m["rss_kib"]) / mib
                    print(
                        f"{size:>5}² {alg:>4} {name:>8} {m['seconds']:>7.1f} "
                        f"{m['maxrss_kib'] / mib:>12.0f} {grown:>5.0f} {worker}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
