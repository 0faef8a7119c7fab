"""Start-up time of the ``ganpo`` command: how long ``ganpo --help`` and every listing
command (catalogue, profiles, forms, parameter sets, and the listings of a store) take from
the shell's point of view.

Runs each command ``--runs`` times (default 5) in a fresh Python process, in turns so that
a change in the machine's load touches all of them alike, and prints the median wall time
of each next to the median of ``python -c pass`` measured in the same session (the cost of
starting Python itself): the ratio is what ganpo adds. The processor time the command used
(user + system) is printed beside it: on a busy machine it stays close to what the wall
time would be on an idle one. The target is under 0.5 s on an idle machine for
``ganpo --help`` and the listing commands (issue 14).

The listings of a store read a new store in a temporary folder, created at the newest
schema (``ganpo db upgrade``) before the timing: opening it is part of what is timed, its
creation is not.

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
import tempfile
import time
from pathlib import Path

#: the commands timed, as typed; ``{store}`` stands for the store's path
COMMANDS = (
    "ganpo --help",
    "ganpo catalog",
    "ganpo catalog soil_retention",
    "ganpo profiles",
    "ganpo profiles jiangxi-db36-2021",
    "ganpo profiles jiangxi-db36-2021 --methods",
    "ganpo report-forms list --year 2023",
    "ganpo params list",
    "ganpo params show jiangxi-default",
    "ganpo account list --db {store}",
    "ganpo account log --db {store}",
    "ganpo apply rules list --db {store}",
    "ganpo apply transfers list --db {store}",
    "ganpo apply compensation ledger --db {store}",
    "ganpo carbon list --db {store}",
    "ganpo apply examples",
)
BASELINE = "python -c pass"
#: what a listing of the store cannot go below: importing the library that reads the store
STORE_FLOOR = "python -c 'import sqlalchemy.orm'"
TARGET_S = 0.5


def _time(args: list[str]) -> tuple[float, float]:
    """Wall time and processor time (user + system) [s] of ``python ARGS``."""
    # as a user's shell runs it: byte code cached (an environment that forbids writing it,
    # PYTHONDONTWRITEBYTECODE, would time the compilation of every changed module instead)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["COLUMNS"] = "120"
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
    with tempfile.TemporaryDirectory() as tmp:
        store = str(Path(tmp) / "ganpo.sqlite")
        subprocess.run(
            [sys.executable, "-m", "ganpo", "db", "upgrade", "--database", store],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )
        commands = {BASELINE: ["-c", "pass"], STORE_FLOOR: ["-c", "import sqlalchemy.orm"]}
        for typed in COMMANDS:  # python -m ganpo ARGS, named without the store's path
            name = typed.replace(" --db {store}", "")
            commands[name] = ["-m", *(a.format(store=store) for a in typed.split())]
        for argv in commands.values():  # warm the file cache and the byte-code caches
            _time(argv)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, argv in commands.items():
                times[name].append(_time(argv))
    medians = {name: statistics.median(w for w, _ in t) for name, t in times.items()}
    cpu = {name: statistics.median(c for _, c in t) for name, t in times.items()}
    base = medians[BASELINE]
    load = os.getloadavg()[0]
    print(f"ganpo start-up, median of {args.runs} runs (load average {load:.2f}, ", end="")
    print(f"{os.cpu_count()} cores); target < {TARGET_S} s on an idle machine")
    width = max(map(len, medians))
    print(f"{'command':<{width}} {'median s':>9} {'× python':>9} {'cpu s':>7}")
    for name, median in medians.items():
        print(f"{name:<{width}} {median:9.3f} {median / base:9.1f} {cpu[name]:7.3f}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"runs": args.runs, "load": load, "median_s": medians, "cpu_s": cpu}, indent=1
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
