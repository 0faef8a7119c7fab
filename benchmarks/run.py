"""Benchmarks: `make bench`.

Times the demo account (one year, every service) at one or more resolutions: the median
of several runs, against a baseline measured in the same process on the same files —
reading every layer the account reads and summing it (I/O and decompression alone). The
ratio says how much the accounting adds over merely reading the data (issue 19's target:
the account at least half as fast as that floor, a ratio of at most 2). The account is
also timed with one and with two worker threads of dask's local scheduler: the throughput
from 1 to 2 workers (target: at least 1.8×). The first run also
derives the LS factor of soil retention from the DEM (flow routing over the whole DEM, then
cached, ganpo.engine.derived): its time is reported apart. Peak resident memory of the
process is reported too.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import time
from pathlib import Path

import dask
import dask.array as da

from ganpo.demo.generator import DEMO_VERSION, build_demo_dataset
from ganpo.engine.account import run_account
from ganpo.engine.rasters import open_layer
from ganpo.io.manifest import load_manifest


def _median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(resolution: float, repeat: int, chunk: int, data_root: Path) -> dict[str, float]:
    folder = data_root / f"bench-{resolution:g}m"
    built = (folder / "manifest.toml").exists() and (
        load_manifest(folder, verify=False).manifest.generator.get("version") == DEMO_VERSION
    )
    if not built:
        build_demo_dataset(folder, resolution_m=resolution)
    ds = load_manifest(folder)
    year = ds.manifest.years[0]
    paths = [ds.path(e) for e in ds.manifest.layers if e.year in (year, None) and e.role != "dem"]

    def baseline() -> None:
        arrays = [open_layer(p, chunk) for p in paths]
        dask.compute(*[da.nansum(a) for a in arrays])

    def account() -> None:
        run_account(ds, year, chunk=chunk)

    derived = folder / "derived"
    for old in derived.glob("*.tif") if derived.exists() else []:
        old.unlink()  # the first run routes the DEM afresh
    t_first = _median_time(account, 1)  # also warms up imports and caches
    t_base = _median_time(baseline, repeat)
    t_acc = _median_time(account, repeat)
    with dask.config.set(num_workers=1):
        t_one = _median_time(account, repeat)
    with dask.config.set(num_workers=2):
        t_two = _median_time(account, repeat)
    with __import__("rasterio").open(paths[0]) as src:
        cells = src.width * src.height
    return {
        "resolution_m": resolution,
        "cells": cells,
        "baseline_s": t_base,
        "account_s": t_acc,
        "first_s": t_first,
        "ratio": t_acc / t_base,
        "one_worker_s": t_one,
        "two_workers_s": t_two,
    }


def main() -> None:
    logging.getLogger("ganpo").setLevel(logging.ERROR)  # placeholder-price warnings per run
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resolutions", type=float, nargs="+", default=[1000.0, 250.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=1024)
    parser.add_argument("--data", type=Path, default=Path("data"))
    args = parser.parse_args()
    head = f"{'resolution':>10} {'cells':>12} {'read+sum s':>11} {'account s':>10} {'ratio':>6}"
    workers = f"{'1 worker s':>11} {'2 workers s':>12} {'1→2':>5}"
    print(f"{head} {'first run s (with routing)':>27} {workers}")
    for res in args.resolutions:
        r = bench(res, args.repeat, args.chunk, args.data)
        print(
            f"{r['resolution_m']:>9g}m {r['cells']:>12,} {r['baseline_s']:>11.2f} "
            f"{r['account_s']:>10.2f} {r['ratio']:>6.2f} {r['first_s']:>27.2f} "
            f"{r['one_worker_s']:>11.2f} {r['two_workers_s']:>12.2f} "
            f"{r['one_worker_s'] / r['two_workers_s']:>4.2f}×"
        )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak resident memory of the benchmark process: {peak_mib:,.0f} MiB "
        f"(medians of {args.repeat} runs; baseline = reading and summing the same layers)"
    )


if __name__ == "__main__":
    main()
