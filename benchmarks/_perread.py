"""The cost of one read on one worker: ``bench_web.py --per-read N`` (decision 0068).

The open loop (``_openloop.py``) measures latency under load and how much processor the
server, PostgreSQL and the generator take per request in all; this measures what each
kind of read costs the server when nothing else runs, so that a change to the read path
can be judged apart from the machine's load.

It serves the demo platform with ``ganpo serve`` (in its own process, over HTTP as in
production: uvicorn's HTTP parsing, the middleware and the session look-up are counted;
``--workers 2`` on PostgreSQL serves it as the open loop does, from worker processes,
while one worker runs in ``ganpo serve``'s own process, which also writes uvicorn's access
line of every request to its log), then, for each read path of the open loop and each
reader role, sends ``N`` requests one after the other on one kept-alive connection, and
reads the server's processor time (user + system, ``/proc``) before and after: the processor time
per request is the mean over the ``N`` requests (``/proc`` counts in clock ticks of 10 ms,
so a single request cannot be timed this way). This is repeated ``--per-read-rounds``
times (default 3) and the median of the rounds is reported, with the median wall time of
one request. The answers are in the server's answer cache after the warm-up, as in the
open loop's steady state.

Two more rows:
- ``session looked up``: ``/api/accounts`` by the office, each request with another
  session (the server keeps a looked-up session 2 s; under the open loop's 500 sessions
  most requests find theirs expired and look it up again);
- ``health``: ``/api/health``, no session and no cache: the floor of a request.

    python benchmarks/bench_web.py --per-read 200 [--database postgresql --workers 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
from _webclient import bearer, login, store
from bench_web import PATHS, USERS, _serve, _wait_up

from ganpo.web.seed import prepare_demo


def _cpu_s(proc: psutil.Process) -> float:
    """Processor time [s] of the server: its process and its workers (``--workers``)."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system
    return total


def _batch(
    client: httpx.Client, proc: psutil.Process, paths: list[str], headers: list[dict[str, str]]
) -> tuple[float, float]:
    """Send ``paths[k]`` with ``headers[k]`` one after the other; (server processor ms per
    request, median wall ms per request)."""
    walls: list[float] = []
    c0 = _cpu_s(proc)
    for path, h in zip(paths, headers, strict=True):
        t0 = time.perf_counter()
        r = client.get(path, headers=h)
        walls.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code} {r.text[:300]}")
    return 1000 * (_cpu_s(proc) - c0) / len(paths), statistics.median(walls)


def per_read(args: argparse.Namespace) -> dict[str, Any]:
    """Measure every read kind; print and return the figures."""
    work = args.work or Path(tempfile.mkdtemp(prefix="ganpo-bench-perread-"))
    data_dir = work / f"demo-{args.resolution:g}m"
    n, rounds = args.per_read, args.per_read_rounds
    rows: dict[str, dict[str, float]] = {}
    with store(args, work, "perread.sqlite") as database:
        prepare_demo(database, data_dir, resolution_m=args.resolution, say=print)
        base, server = _serve(database, data_dir, work, args.workers)
        try:
            _wait_up(base, server, timeout=300)
            proc = psutil.Process(server.pid)
            with httpx.Client(base_url=base, timeout=60) as client:
                tokens = {user: login(client, user) for user in USERS}
                fresh = [login(client, "office") for _ in range(n)]
                accounts = client.get("/api/accounts", headers=bearer(tokens["office"])).json()
                ids = [int(a["id"]) for a in accounts][:2]
                cases: list[tuple[str, list[str], list[dict[str, str]]]] = []
                for template in PATHS:
                    for user in USERS:
                        path = template.format(a=ids[0])
                        auth = [bearer(tokens[user])] * n
                        cases.append((f"{template}  [{user}]", [path] * n, auth))
                cases.append(("/api/health", ["/api/health"] * n, [{}] * n))
                # each with its own session: looked up in the store each time (after the
                # warm-up round, which logs nothing in: these sessions are new to it)
                sessions = ("/api/accounts  [office, session looked up]", ["/api/accounts"] * n)
                # warm-up: the answer caches, lazy imports
                for _, paths, headers in cases:
                    _batch(client, proc, paths[:3], headers[:3])
                per_case: dict[str, list[tuple[float, float]]] = {c[0]: [] for c in cases}
                per_case[sessions[0]] = []
                for round_ in range(rounds):
                    for name, paths, headers in cases:
                        per_case[name].append(_batch(client, proc, paths, headers))
                    if round_ == 0:  # fresh sessions are fresh once only
                        per_case[sessions[0]].append(
                            _batch(client, proc, sessions[1], [bearer(t) for t in fresh])
                        )
            for name, got in per_case.items():
                rows[name] = {
                    "cpu_ms": round(statistics.median(g[0] for g in got), 2),
                    "wall_median_ms": round(statistics.median(g[1] for g in got), 2),
                }
        finally:
            server.terminate()
            server.wait(timeout=60)
    figures: dict[str, Any] = {
        "database": "postgresql" if database.startswith("postgresql") else "sqlite",
        "workers": args.workers,
        "requests_per_round": n,
        "rounds": rounds,
        "reads": rows,
    }
    print(
        f"\none read at a time ({figures['database']}, {args.workers} worker(s), {n} requests "
        f"per kind, "
        f"median of {rounds} rounds)"
    )
    print(f"  {'server processor ms':>20} {'wall ms':>8}  path [user]")
    for name, f in rows.items():
        print(f"  {f['cpu_ms']:20.2f} {f['wall_median_ms']:8.2f}  {name}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return figures
