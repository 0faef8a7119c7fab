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

A lever is judged against the code without it in the same session, alternated: the
same code's account on this machine took 31.0–32.6 s at one time of an evening and
34.4–43.0 s twenty minutes later (docs/benchmarks.md). ``--against SRC`` runs the
profile in fresh processes, ``--repeat`` times for this tree's ``src`` and for SRC's
(another checkout: ``git worktree add SRC COMMIT``, or ``git archive COMMIT | tar -x -C
SRC``), in the order this, other / other, this / this, other … (give an even number, so
that each goes first as often), and prints the medians of each part side by side with
their ratio (other / this). Only ganpo comes from SRC: the driver (this file and
``bench_invest.full_account``) and its timers are this tree's, around the functions of
the names above in either tree, so SRC must keep those names and ``run_account``'s
arguments.

    .venv/bin/python benchmarks/profile_pass.py DIR --against SRC --repeat 2
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
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
from _child import failed, figures
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


#: this tree's root (holding ``src/ganpo``)
HERE = Path(__file__).resolve().parents[1]


def run_child(folder: Path, tree: Path) -> dict[str, Any]:
    """:func:`profile` of ``folder`` in a fresh process that imports ganpo from
    ``tree/src`` (first on its path), as JSON."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tree / "src"), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), str(folder), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    what = f"the profile with the code of {tree}"
    if done.returncode != 0:
        raise RuntimeError(failed(what, done.returncode, done.stderr))
    return figures(done.stdout, done.stderr, what)


def compare(
    folder: Path,
    other: Path,
    repeat: int,
    run: Callable[[Path, Path], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """:func:`profile` of ``folder`` ``repeat`` times (1 or more) with this tree's code
    and with ``other``'s, alternated (this, other; then other, this; …) so that a drift of
    the machine falls on both alike: every run, and per figure (wall, processor, steps,
    each part's seconds) the medians of both and their ratio, other / this. A part that a
    run does not report had no call in it (0 s); a part that no run of a side reports is
    None on that side, and so is the ratio then, or when this side's median is 0.
    ``run``: :func:`run_child` unless given."""
    if repeat < 1:
        raise ValueError(f"{repeat} runs per tree: give 1 or more")
    run = run or run_child
    runs: dict[str, list[dict[str, Any]]] = {"this": [], "other": []}
    trees = {"this": HERE, "other": other}
    for i in range(repeat):
        for side in ("this", "other") if i % 2 == 0 else ("other", "this"):
            runs[side].append(run(folder, trees[side]))

    def flattened(got: dict[str, Any]) -> dict[str, float]:
        out = {"wall": got["wall"], "processor": got["cpu"], "steps of the strips": got["steps"]}
        out.update({k: v["seconds"] for k, v in got["parts"].items()})
        return out

    flat = {side: [flattened(got) for got in runs[side]] for side in runs}
    names = list(dict.fromkeys(k for side in ("this", "other") for f in flat[side] for k in f))
    medians: dict[str, dict[str, float | None]] = {}
    for name in names:
        row: dict[str, float | None] = {}
        for side in ("this", "other"):
            seen = [f.get(name) for f in flat[side]]
            some = any(x is not None for x in seen)
            row[side] = statistics.median(x or 0.0 for x in seen) if some else None
        this, that = row["this"], row["other"]
        row["ratio"] = None if this is None or this == 0 or that is None else that / this
        medians[name] = row
    return {
        "this": str(HERE),
        "other": str(other),
        "repeat": repeat,
        "runs": runs,
        "medians": medians,
    }


def compare_report(got: dict[str, Any]) -> str:
    """The medians of :func:`compare` as a table: this tree, the other, other / this
    (— where there is none)."""

    def cell(x: float | None, fmt: str, unit: str) -> str:
        text = "—" if x is None else format(x, fmt) + unit
        return text.rjust(len(format(0.0, fmt) + unit))

    runs = "1 run" if got["repeat"] == 1 else f"{got['repeat']} runs"
    lines = [
        f"medians of {runs} each, alternated; this: {got['this']}, other: {got['other']}",
        f"  {'':72s} {'this':>10s} {'other':>10s} {'other/this':>10s}",
    ]
    for name, row in got["medians"].items():
        lines.append(
            f"  {name:72s} {cell(row['this'], '8.2f', ' s')} {cell(row['other'], '8.2f', ' s')} "
            f"{cell(row['ratio'], '10.3f', '')}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="inputs of bench_invest.make_inputs")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument(
        "--against",
        type=Path,
        help="another source tree (holding src/ganpo): both profiled, alternated",
    )
    parser.add_argument(
        "--repeat", type=int, help="runs per tree with --against (default 2; an even number)"
    )
    args = parser.parse_args(argv)
    if not (args.folder / "dem.tif").is_file():
        parser.error(
            f"{args.folder} holds no dem.tif: make the inputs first "
            "(python benchmarks/bench_invest.py --sizes --full 13600 makes them in a folder "
            "of its own, or bench_invest.make_inputs(SIZE, DIR))"
        )
    if args.against is None and args.repeat is not None:
        parser.error("--repeat is the number of runs per tree of --against: give --against SRC")
    if args.against is not None:
        if not (args.against / "src" / "ganpo" / "__init__.py").is_file():
            parser.error(
                f"{args.against} holds no src/ganpo: give a checkout of the other code "
                "(git worktree add SRC COMMIT, or git archive COMMIT | tar -x -C SRC)"
            )
        repeat = 2 if args.repeat is None else args.repeat
        if repeat < 1:
            parser.error(f"--repeat {repeat}: give 1 run or more per tree")
        got = compare(args.folder.resolve(), args.against.resolve(), repeat)
        print(json.dumps(got) if args.json else compare_report(got))
        return
    got = profile(args.folder)
    print(json.dumps(got) if args.json else report(got))


if __name__ == "__main__":
    main()
