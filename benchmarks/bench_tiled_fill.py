"""Time and memory of pit filling: the global Priority-Flood against the tiled one
(``ganpo.engine.tiled_fill``, issue 19 point 1, docs/decisions/0056).

For each size given (default 1000 and 2000, i.e. 10⁶ and 4·10⁶ cells) the DEM of
``bench_routing.py`` is written (bench_invest's landscape: hills, a tilt, noise that
leaves pits). Then, each in a fresh child process:

- ``global``: the DEM read whole (``routing.read_dem``, float64) and ``fill_pits``;
- ``tiled N``: ``fill_pits_tiled`` with a dask ``LocalCluster`` of N worker processes,
  one thread each, tiles of ``--tile`` cells a side; the filled file is compared with
  the global fill (bitwise) after the measure.

The table gives wall time of the call (numba warmed up first, and the cluster started,
outside the measure), the peak RSS (``ru_maxrss``) of the process that called it, and for
the tiled runs the peak RSS of the largest worker and its growth over the worker's RSS
before the call: the memory that one tile's tasks needed. "+MiB" is the growth of
the peak over the RSS just before the call (for the caller: ``ru_maxrss`` can only
show growth above the largest RSS reached before, such as numba's warm-up). Timings
depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_fill.py 1000 2000 --tile 512
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from _memory import maxrss_kib, rss_kib
from bench_routing import WARM, write_inputs


def child(kind: str, workers: int, tile: int, dem: Path, warm: Path) -> None:
    """One measurement in this fresh process; prints JSON."""
    from ganpo.engine.routing import fill_pits, read_dem

    if kind == "global":
        z, _, _ = read_dem(warm)
        fill_pits(z)  # numba: load or compile
        del z
        rss = rss_kib()
        t0 = time.perf_counter()
        z, _, _ = read_dem(dem)
        fill_pits(z)
        seconds = time.perf_counter() - t0
        print(json.dumps({"seconds": seconds, "maxrss_kib": maxrss_kib(), "rss_kib": rss}))
        return
    from dask.distributed import Client, LocalCluster

    from ganpo.engine.tiled_fill import fill_pits_tiled

    out = Path(tempfile.mkdtemp(prefix="bench-tiled-fill-", dir=dem.parent))
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        client.as_current(),
    ):
        fill_pits_tiled(warm, out / "warm.tif", tile=16)  # numba in the workers
        before = client.run(rss_kib)
        rss = rss_kib()
        t0 = time.perf_counter()
        fill_pits_tiled(dem, out / "filled.tif", tile=tile)
        seconds = time.perf_counter() - t0
        own = maxrss_kib()
        peaks = client.run(maxrss_kib)
    with rasterio.open(out / "filled.tif") as src:
        tiled = src.read(1)
    z, _, _ = read_dem(dem)
    fill_pits(z)
    same = bool(np.array_equal(tiled, z.astype(tiled.dtype), equal_nan=True))
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
                "workermaxrss_kib": max(peaks.values()),
                "worker_growth_kib": growth,
                "same": same,
            }
        )
    )


def measure(kind: str, workers: int, tile: int, dem: Path, warm: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", kind, str(workers), str(tile), str(dem)]
    cmd.append(str(warm))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed with code {proc.returncode}:\n{proc.stderr}")
    got: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[1000, 2000])
    parser.add_argument("--tile", type=int, default=512, help="tile side [cells]")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, workers, tile, dem, warm = args.child
        child(kind, int(workers), int(tile), Path(dem), Path(warm))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        warm, _ = write_inputs(WARM, folder)
        mib = 1024
        print(
            f"{'size':>6} {'run':>9} {'time s':>7} {'peak RSS MiB':>12} {'+MiB':>6} "
            f"{'worker peak MiB':>15} {'worker +MiB':>11} {'same':>5}",
            flush=True,
        )
        for size in args.sizes:
            dem, _ = write_inputs(size, folder)
            runs = [("global", 0)] + [("tiled", n) for n in args.workers]
            for kind, n in runs:
                m = measure(kind, n, args.tile, dem, warm)
                name = "global" if kind == "global" else f"tiled {n}"
                worker = (
                    f"{m['workermaxrss_kib'] / mib:>15.0f} {m['worker_growth_kib'] / mib:>11.0f} "
                    f"{'yes' if m['same'] else 'NO':>5}"
                    if kind == "tiled"
                    else f"{'':>15} {'':>11} {'':>5}"
                )
                grown = (m["maxrss_kib"] - m["rss_kib"]) / mib
                print(
                    f"{size:>5}² {name:>9} {m['seconds']:>7.1f} {m['maxrss_kib'] / mib:>12.0f} "
                    f"{grown:>6.0f} {worker}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
