"""What the benchmarks of the tiled routing stages (bench_tiled_fill, bench_tiled_accum,
bench_tiled_dirs; bench_tiled_sdr the tiled measure only) share: the command line, one
measurement in a fresh child process, the measure itself, globally or on a dask
``LocalCluster``, and the table of the runs (:class:`RunTable`).

A measurement reports, as a line of JSON that the child prints last (read by
:func:`_child.figures`, which skips what a library prints after it): ``seconds`` (wall time
of the call, numba warmed up first and the cluster started outside the measure),
``maxrss_kib`` (the caller's peak RSS, by the benchmark's own ``peak`` function) and
``rss_kib`` (its RSS just before the call); a tiled one also ``worker_maxrss_kib`` (the
largest worker's peak) and ``worker_growth_kib`` (the largest growth of a worker's peak
over its RSS before the call: the memory one tile's tasks needed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from _child import checked
from _memory import rss_kib

T = TypeVar("T")
S = TypeVar("S")


MIB = 1024  # KiB


def parser(
    doc: str | None, sizes: tuple[int, ...] = (1000, 2000), child_args: int = 5
) -> argparse.ArgumentParser:
    """The arguments the benchmarks take: sizes, ``--tile``, ``--workers``, ``--folder``
    and the hidden ``--child KIND WORKERS TILE PATH WARM`` (and ``child_args`` − 5 more
    arguments a benchmark's child takes after them)."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("sizes", type=int, nargs="*", default=list(sizes))
    p.add_argument("--tile", type=int, default=512, help="tile side [cells]")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    p.add_argument("--child", nargs=child_args, help=argparse.SUPPRESS)
    return p


def runs(workers: list[int]) -> list[tuple[str, int]]:
    """The runs of one size: the global one, then the tiled one per worker count."""
    return [("global", 0)] + [("tiled", n) for n in workers]


def measure(
    script: str, kind: str, workers: int, tile: int, path: Path, warm: Path, *more: str
) -> dict[str, float]:
    """Run ``script --child KIND WORKERS TILE PATH WARM MORE…`` in a fresh process; its
    figures (:func:`_child.figures`)."""
    cmd = [sys.executable, script, "--child", kind, str(workers), str(tile), str(path)]
    cmd += [str(warm), *more]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return checked(proc, f"the child measuring {kind}")


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
    call: Callable[[S, Path, int], T],
    path: S,
    warm: S,
    target: Path,
    workers: int,
    tile: int,
    peak: Callable[[], int],
    *,
    warm_target: Path | None = None,
) -> tuple[T, dict[str, float]]:
    """``call(source, target, tile)`` on a ``LocalCluster`` of ``workers`` processes, one
    thread each: first on ``warm`` in tiles of 16 (numba in the workers) into
    ``warm_target`` (default: ``warm.tif`` beside ``target``), then on ``path`` into
    ``target``, measured. The sources are what ``call`` takes: a path, or several.
    Returns what the call returned and the figures."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
        client.as_current(),
    ):
        call(warm, warm_target or target.with_name("warm.tif"), 16)  # numba in the workers
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


@dataclass(frozen=True)
class RunTable:
    """The table of the runs, one row per measurement of :func:`measure`: the size, the
    algorithm (when ``algorithm``), the run (``global`` or ``tiled N``), its wall time
    [s], the caller's peak RSS and its growth over the RSS just before the call [MiB];
    for a tiled run the largest worker's peak RSS and growth [MiB], the figure ``count``
    names (flats drained, MFD rounds: a key of the measurement and the column's title,
    when given) and the agreement with the global result (column ``agreement``). The
    widths keep each benchmark's table as it printed before the table was shared."""

    algorithm: bool = True
    count: str | None = None
    agreement: str = "agreement"
    run_width: int = 8
    grown_width: int = 5
    agreement_width: int = 10

    def header(self) -> None:
        cells = [f"{'size':>6}"]
        cells += [f"{'alg':>4}"] if self.algorithm else []
        cells += [f"{'run':>{self.run_width}}", f"{'time s':>7}", f"{'peak RSS MiB':>12}"]
        cells += [f"{'+MiB':>{self.grown_width}}", f"{'worker peak MiB':>15}"]
        cells += [f"{'worker +MiB':>11}"]
        cells += [f"{self.count:>6}"] if self.count else []
        cells += [f"{self.agreement:>{self.agreement_width}}"]
        print(" ".join(cells), flush=True)

    def row(
        self,
        size: int,
        kind: str,
        workers: int,
        m: Mapping[str, Any],
        agreement: str = "",
        algorithm: str = "",
    ) -> None:
        """The row of one measurement ``m``; ``agreement`` is the tiled run's."""
        name = "global" if kind == "global" else f"tiled {workers}"
        grown = (m["maxrss_kib"] - m["rss_kib"]) / MIB
        cells = [f"{size:>5}²"]
        cells += [f"{algorithm:>4}"] if self.algorithm else []
        cells += [f"{name:>{self.run_width}}", f"{m['seconds']:>7.1f}"]
        cells += [f"{m['maxrss_kib'] / MIB:>12.0f}", f"{grown:>{self.grown_width}.0f}"]
        if kind == "tiled":
            cells += [f"{m['worker_maxrss_kib'] / MIB:>15.0f}"]
            cells += [f"{m['worker_growth_kib'] / MIB:>11.0f}"]
            cells += [f"{m[self.count]:>6}"] if self.count else []
        else:
            cells += [f"{'':>15}", f"{'':>11}"] + ([f"{'':>6}"] if self.count else [])
            agreement = ""
        cells += [f"{agreement:>{self.agreement_width}}"]
        print(" ".join(cells), flush=True)
