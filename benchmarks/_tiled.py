"""What the benchmarks of the tiled routing stages (bench_tiled_fill, bench_tiled_accum)
share: the landscape inputs, the command line, one measurement in a fresh child process,
and the measure itself, globally or on a dask ``LocalCluster``.

A measurement reports, as JSON on the child's last line of output: ``seconds`` (wall time
of the call, numba warmed up first and the cluster started outside the measure),
``maxrss_kib`` (the caller's peak RSS, by the benchmark's own ``peak`` function) and
``rss_kib`` (its RSS just before the call); a tiled one also ``worker_maxrss_kib`` (the
largest worker's peak) and ``worker_growth_kib`` (the largest growth of a worker's peak
over its RSS before the call: the memory one tile's tasks needed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from _memory import rss_kib

T = TypeVar("T")


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The arguments both benchmarks take: sizes, ``--tile``, ``--workers``, ``--folder``
    and the hidden ``--child KIND WORKERS TILE PATH WARM``."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("sizes", type=int, nargs="*", default=[1000, 2000])
    p.add_argument("--tile", type=int, default=512, help="tile side [cells]")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    p.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    return p


def runs(workers: list[int]) -> list[tuple[str, int]]:
    """The runs of one size: the global one, then the tiled one per worker count."""
    return [("global", 0)] + [("tiled", n) for n in workers]


def measure(
    script: str, kind: str, workers: int, tile: int, path: Path, warm: Path
) -> dict[str, float]:
    """Run ``script --child …`` in a fresh process; its JSON (the last line it prints)."""
    cmd = [sys.executable, script, "--child", kind, str(workers), str(tile), str(path)]
    cmd.append(str(warm))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed with code {proc.returncode}:\n{proc.stderr}")
    got: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return got


def run_global(
    call: Callable[[Path], Any], path: Path, warm: Path, peak: Callable[[], int]
) -> dict[str, float]:
    """``call(warm)`` (numba: load or compile), then ``call(path)`` measured."""
    call(warm)
    rss = rss_kib()
    t0 = time.perf_counter()
    call(path)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "maxrss_kib": peak(), "rss_kib": rss}


@contextmanager
def scratch(prefix: str, near: Path) -> Iterator[Path]:
    """A fresh folder next to ``near`` for the tiled run's outputs, removed afterwards."""
    out = Path(tempfile.mkdtemp(prefix=prefix, dir=near.parent))
    try:
        yield out
    finally:
        for f in out.iterdir():
            f.unlink()
        out.rmdir()


def run_tiled(
    call: Callable[[Path, Path, int], T],
    path: Path,
    warm: Path,
    target: Path,
    workers: int,
    tile: int,
    peak: Callable[[], int],
) -> tuple[T, dict[str, float]]:
    """``call(source, target, tile)`` on a ``LocalCluster`` of ``workers`` processes, one
    thread each: first on ``warm`` in tiles of 16 (numba in the workers), then on ``path``
    into ``target``, measured. Returns what the call returned and the figures."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        client.as_current(),
    ):
        call(warm, target.with_name("warm.tif"), 16)  # numba in the workers
        before = client.run(rss_kib)
        rss = rss_kib()
        t0 = time.perf_counter()
        got = call(path, target, tile)
        seconds = time.perf_counter() - t0
        own = peak()
        peaks = client.run(peak)
    growth = max(peaks[w] - before[w] for w in peaks)
    figures = {
        "seconds": seconds,
        "maxrss_kib": own,
        "rss_kib": rss,
        "worker_maxrss_kib": max(peaks.values()),
        "worker_growth_kib": growth,
    }
    return got, figures
