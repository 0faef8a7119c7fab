"""How much a second thread adds to numpy's elementwise arithmetic on this machine, for
arrays that fit in the processor's cache and for arrays the size of one block of the
account's pass (1024² float64, 8 MB), docs/benchmarks.md ("Routing beside the pass").

Each job runs two in-place operations over its own array many times; ``n`` threads run
``2 n`` jobs. The speed-up is the work done per second on ``n`` threads against one
(2.0 for two threads when the cores do not share the bottleneck; the pass's arithmetic
over blocks of 1024² is bound by memory bandwidth, which the cores share). Timings depend
on what else runs on the machine; the medians of ``--repeat`` rounds are printed.

    .venv/bin/python benchmarks/bench_bandwidth.py --repeat 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def in_cache(_: int) -> None:
    """256 KB of float64, 3,000 rounds of square root and an addition."""
    a = np.random.default_rng(1).random(32 * 1024) + 1.0
    for _ in range(3000):
        np.sqrt(a, out=a)
        a += 1.0


def block_sized(_: int) -> None:
    """One block of 1024² float64 (8 MB), 100 rounds of a product and an addition."""
    a = np.random.default_rng(1).random(1024 * 1024)
    b = np.empty_like(a)
    for _ in range(100):
        np.multiply(a, 1.0001, out=b)
        np.add(b, 1.0, out=a)


def seconds(job: Callable[[int], None], threads: int) -> float:
    """Wall time of ``2 × threads`` jobs on ``threads`` threads."""
    with ThreadPoolExecutor(threads) as pool:
        t0 = time.perf_counter()
        list(pool.map(job, range(2 * threads)))
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'arrays':<28}{'1 thread s':>12}{'2 threads s':>13}{'speed-up':>10}")
    for label, job in (("in cache (256 KB)", in_cache), ("one block (1024², 8 MB)", block_sized)):
        one = statistics.median(seconds(job, 1) for _ in range(args.repeat))
        two = statistics.median(seconds(job, 2) for _ in range(args.repeat))
        print(f"{label:<28}{one:>12.3f}{two:>13.3f}{2 * one / two:>9.2f}×")


if __name__ == "__main__":
    main()
