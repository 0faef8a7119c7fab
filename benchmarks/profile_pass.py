"""Where the full account's processor time goes when it reuses its routed layers: the
part of issue 19's floor ratio (the account against reading and summing its inputs,
``bench_invest.py --floor``) that is the pass's own work, part by part.

The account of ``bench_invest.py --child full`` runs on DIR (inputs of
``bench_invest.make_inputs``) in this process, once to warm up (it routes into
``DIR/derived0`` if that is not there yet), then once measured. During the measured run
each worker thread's processor time (``time.thread_time``) is added per part:

- ``reads``: the windows of the layers read and converted (``rasters.read_window``);
- ``layer checks``: ranges, soft bounds, cells with data and histogram of each checked
  layer (``zonal._layer_counts``);
- ``sums``: the sums per unit and ecosystem type (``zonal._value_sums``), the masks'
  counts, the cells' counts and the keys' slots;
- ``steps: …``: the per-cell steps of the strips (``strips.StripPlan.evaluate``), by
  function; ``operands: …``: the same steps by function and the kinds of their operands
  (an array of the strip's rows, or a number or one row).

The parts are measured around those calls only. What they leave of the process's time is
dask, the stages outside the pass, and the pass's work between the calls: nodata set to
NaN after a read of a float32 layer, the cut into strips, the arrays made contiguous
float64 for the sums. A timer around each call costs about a microsecond (about 364,000
calls at the Jiangxi size, most of them steps). Figures depend on what else runs on the
machine.

    .venv/bin/python benchmarks/profile_pass.py DIR
    .venv/bin/python benchmarks/profile_pass.py DIR --json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from bench_invest import full_account

from ganpo.engine import rasters, strips, zonal

#: Part of each timed function of the pass.
TIMED: dict[tuple[Any, str], str] = {
    (rasters, "read_window"): "reads",
    (zonal, "_layer_counts"): "layer checks",
    (zonal, "_value_sums"): "sums",
    (zonal, "_mask_counts"): "sums",
    (zonal, "_cell_counts"): "sums",
    (zonal, "_slots"): "sums",
}


def _kind(x: object) -> str:
    shape = getattr(x, "shape", ())
    return "array" if len(shape) == 2 and shape[0] > 1 else "number or row"


def _name(func: Any, kwargs: dict[str, Any]) -> str:
    inner = kwargs.get("enforce_dtype_function")  # dask's cast around a function
    return str(getattr(inner or func, "__name__", func))


@contextmanager
def timed() -> Iterator[tuple[Counter[str], Counter[str]]]:
    """Inside, the pass's parts are timed: yields the seconds per part and the calls per
    part, added from every thread; the functions are restored on leaving."""
    seconds: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    lock = threading.Lock()
    saved = [(mod, name, getattr(mod, name)) for mod, name in TIMED]
    evaluate = strips.StripPlan.evaluate

    def timer(func: Callable[..., Any], part: str) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            t0 = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.thread_time() - t0
                with lock:
                    seconds[part] += spent
                    calls[part] += 1

        return run

    def evaluate_timed(self: strips.StripPlan, inputs: Any) -> list[Any]:
        env: list[Any] = [None] * self.n_slots
        env[: self.n_inputs] = inputs
        local: Counter[str] = Counter()
        counts: Counter[str] = Counter()
        for (func, args, kwargs, out), free in zip(self.steps, self.frees, strict=True):
            values = [env[s] if s >= 0 else v for s, v in args]
            t0 = time.thread_time()
            env[out] = func(*values, **kwargs)
            spent = time.thread_time() - t0
            name = _name(func, kwargs)
            kinds = ", ".join(_kind(v) for v in values)
            for key in (f"steps: {name}", f"operands: {name} ({kinds})"):
                local[key] += spent
                counts[key] += 1
            for s in free:
                env[s] = None
        with lock:
            seconds.update(local)
            calls.update(counts)
        return [env[s] for s in self.outputs]

    for mod, name, func in saved:
        setattr(mod, name, timer(func, TIMED[(mod, name)]))
    strips.StripPlan.evaluate = evaluate_timed  # type: ignore[method-assign]
    try:
        yield seconds, calls
    finally:
        for mod, name, func in saved:
            setattr(mod, name, func)
        strips.StripPlan.evaluate = evaluate  # type: ignore[method-assign]


def profile(folder: Path) -> dict[str, Any]:
    """The full account on ``folder`` run once to warm up, then once measured: its wall
    and processor times [s], ``steps``: the steps' processor time [s], and ``parts``: per
    part (module docstring) its processor time [s] and its calls, largest first."""
    logging.getLogger("ganpo").setLevel(logging.ERROR)
    with rasterio.open(folder / "dem.tif") as src:
        size = src.width

    full_account(folder, size)  # warm: imports, numba's cache, the routed layers
    with timed() as (seconds, calls):
        t0, c0 = time.perf_counter(), time.process_time()
        full_account(folder, size)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    steps = sum(v for k, v in seconds.items() if k.startswith("steps: "))
    parts = {k: {"seconds": v, "calls": calls[k]} for k, v in seconds.most_common()}
    return {"wall": wall, "cpu": cpu, "steps": steps, "parts": parts}


def report(got: dict[str, Any]) -> str:
    """The figures of :func:`profile` as a table, the parts by processor time."""
    lines = [
        f"the account reusing its routed layers: {got['wall']:.1f} s wall, "
        f"{got['cpu']:.1f} s of processor time",
        f"  steps of the strips: {got['steps']:.2f} s",
    ]
    for name, part in got["parts"].items():
        lines.append(f"  {name:72s} {part['seconds']:8.2f} s {part['calls']:9,d} calls")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="inputs of bench_invest.make_inputs")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.folder / "dem.tif").is_file():
        parser.error(
            f"{args.folder} holds no dem.tif: make the inputs first "
            "(python benchmarks/bench_invest.py --sizes --full 13600 makes them in a folder "
            "of its own, or bench_invest.make_inputs(SIZE, DIR))"
        )
    got = profile(args.folder)
    print(json.dumps(got) if args.json else report(got))


if __name__ == "__main__":
    main()
