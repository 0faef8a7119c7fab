"""Start-up time of the ``ganpo`` command: how long a command that needs no raster, table
or database library takes from the shell's point of view.

Runs each command ``--runs`` times (default 5) in a fresh Python process, in turns so that
a change in the machine's load touches all of them alike, and prints the median wall time
of each next to the median of ``python -c pass`` measured in the same session (the cost of
starting Python itself): the ratio is what ganpo adds. The processor time the command used
(user + system) is printed beside it: on a busy machine it stays close to what the wall
time would be on an idle one. The target is under 0.5 s on an idle machine for
``ganpo --help`` and the listing commands (issue 14).

    python benchmarks/bench_cli.py [--runs 5] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

COMMANDS: dict[str, list[str]] = {
    "python -c pass": ["-c", "pass"],
    "ganpo --help": ["-m", "ganpo", "--help"],
    "ganpo profiles": ["-m", "ganpo", "profiles"],
    "ganpo params list": ["-m", "ganpo", "params", "list"],
}
TARGET_S = 0.5


def _time(args: list[str]) -> tuple[float, float]:
    """Wall time and processor time (user + system) [s] of ``python ARGS``."""
    env = {**os.environ, "COLUMNS": "120"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], check=True, stdout=subprocess.DEVNULL, env=env, timeout=120
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command")
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()
    for argv in COMMANDS.values():  # warm the file cache and the byte-code caches
        _time(argv)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, argv in COMMANDS.items():
            times[name].append(_time(argv))
    medians = {name: statistics.median(w for w, _ in t) for name, t in times.items()}
    cpu = {name: statistics.median(c for _, c in t) for name, t in times.items()}
    base = medians["python -c pass"]
    load = os.getloadavg()[0]
    print(f"ganpo start-up, median of {args.runs} runs (load average {load:.2f}, ", end="")
    print(f"{os.cpu_count()} cores); target < {TARGET_S} s on an idle machine")
    print(f"{'command':<20} {'median s':>9} {'× python':>9} {'cpu s':>7}")
    for name, median in medians.items():
        print(f"{name:<20} {median:9.3f} {median / base:9.1f} {cpu[name]:7.3f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"runs": args.runs, "load": load, "median_s": medians, "cpu_s": cpu}, indent=1
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
