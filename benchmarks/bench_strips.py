"""The account's pass with its per-cell arithmetic in strips of rows against whole blocks.

`PYTHONPATH=src:benchmarks python benchmarks/bench_strips.py FOLDER [--size N]` takes
the account of ``bench_invest``'s inputs in FOLDER (made by ``bench_invest.py``, with its
routed layers in FOLDER/derived0, reused), captures the graph of its pass, then computes
that pass alone (reads included) with one and with two worker threads, alternating whole
blocks (one dask task per operation, ``strip_rows=None``) and strips of 16, 32 and 64 rows,
and prints the median of each with its ratio to whole blocks. The sums are checked to be
bitwise equal each time.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path
from typing import Any

import bench_invest as b
import dask
import numpy as np
import rasterio

import ganpo.engine.stages.blockwise as blockwise
from ganpo.engine.account import run_account


class _CapturedError(Exception):
    pass


def capture(folder: Path, size: int) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The arguments of every ``zonal_sums_graph`` call of the account's pass."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    original = blockwise.zonal_sums_graph

    def noting(*args: Any, **kwargs: Any) -> Any:
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    def stop(*args: Any, **kwargs: Any) -> Any:
        raise _CapturedError

    blockwise.zonal_sums_graph = noting  # type: ignore[assignment]
    import ganpo.engine.account as account

    compute = account.compute_pass
    account.compute_pass = stop  # type: ignore[assignment]
    try:
        run_account(
            folder,
            2020,
            b.ganpo_profile("full"),
            b.ganpo_params(size),
            derived_dir=folder / "derived0",
        )
    except _CapturedError:
        pass
    finally:
        blockwise.zonal_sums_graph = original  # type: ignore[assignment]
        account.compute_pass = compute  # type: ignore[assignment]
    return calls


def main() -> None:
    logging.getLogger("ganpo").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--strips", type=int, nargs="+", default=[16, 32, 64])
    args = parser.parse_args()
    with rasterio.open(args.folder / "dem.tif") as src:
        size = src.width
    calls = capture(args.folder, size)
    variants: list[int | None] = [None, *args.strips]

    def graphs(rows: int | None) -> list[Any]:
        return [blockwise.zonal_sums_graph(*a, **{**k, "strip_rows": rows}) for a, k in calls]

    reference = dask.compute(*graphs(None), scheduler="threads")
    times: dict[tuple[int, int | None], list[float]] = {}
    cpu: dict[tuple[int, int | None], list[float]] = {}
    for _ in range(args.repeat):
        for workers in (1, 2):
            for rows in variants:
                g = graphs(rows)
                t0, c0 = time.perf_counter(), time.process_time()
                got = dask.compute(*g, scheduler="threads", num_workers=workers)
                times.setdefault((workers, rows), []).append(time.perf_counter() - t0)
                cpu.setdefault((workers, rows), []).append(time.process_time() - c0)
                for x, y in zip(got, reference, strict=True):
                    for p, q in zip(x, y, strict=True):
                        assert np.array_equal(p, q, equal_nan=True), "not bitwise equal"
                        assert p.tobytes() == q.tobytes(), "not bitwise equal"
    print(f"{size}² cells, pass alone (reads included), median of {args.repeat}")
    print(
        f"{'strip rows':>11} {'1 worker s':>11} {'ratio':>6} {'2 workers s':>12} {'ratio':>6} "
        f"{'1→2':>5} {'cpu s (1 w.)':>13} {'cpu s (2 w.)':>13}"
    )
    for rows in variants:
        one = statistics.median(times[(1, rows)])
        two = statistics.median(times[(2, rows)])
        one0 = statistics.median(times[(1, None)])
        two0 = statistics.median(times[(2, None)])
        label = "whole" if rows is None else str(rows)
        print(
            f"{label:>11} {one:>11.2f} {one / one0:>6.2f} {two:>12.2f} {two / two0:>6.2f} "
            f"{one / two:>4.2f}× {statistics.median(cpu[(1, rows)]):>13.2f} "
            f"{statistics.median(cpu[(2, rows)]):>13.2f}"
        )


if __name__ == "__main__":
    main()
