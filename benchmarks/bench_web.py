"""Load benchmark of the web platform: 50 concurrent clients reading results.

Prepares a demo platform (demo dataset at a coarse resolution, its 2022 and 2023 accounts
and the demo users) in a temporary folder, starts ``ganpo serve`` on it in its own process
(one uvicorn worker, as a default deployment), logs every client in with a bearer token,
then lets ``--clients`` clients each send ``--requests`` read requests back to back (closed
loop, no think time) over a mix of the endpoints the UI reads: account list, results by
county and by city, indicators (of the whole scope, and one service in every county),
trend, regions. Users rotate between the province office
and the city and county viewers, so scoping is exercised. Reports p50, p95 and p99
latency and throughput; the target is p95 < 200 ms.

    python benchmarks/bench_web.py [--clients 50] [--requests 40] [--json out.json]

PostgreSQL mode (issue 19 point 6, decision 0045): ``--database postgresql`` starts a
throwaway PostgreSQL server (Debian's ``postgresql``, as tests/pg.py does; or give a
server with ``--database-url``), serves the platform with ``--workers N`` processes, logs in
``--sessions`` sessions (bearer tokens; users rotate over every role) and sends requests
open loop at ``--rate`` requests/s for ``--duration`` seconds: arrivals are a Poisson
process (``--arrivals fixed``: one every 1/rate s), drawn in advance from ``--seed``, and
each request is sent at its scheduled time whatever the earlier ones are doing. Latency is
measured from the scheduled send time, so queueing in a slow server (or in the load
generator) is counted, never hidden. A share ``--write-share`` of the requests are writes:
the tourism form uploaded (a filled workbook), submitted, approved or returned by a
reviewer, reopened by the office, cycling per reporting year ("lanes", one writer at a time
per lane, the wait counted in the latency), and an account job started at most every
``--job-every`` seconds (year 2023, forms adopted from the base data; the jobs are
followed to their end through any worker). Reads are the mix above. p50/p95/p99 are
reported for reads and writes apart, with the errors (any status >= 400, or no answer),
the achieved rate and how late the generator sent (its own saturation).
``--saturation`` raises the rate from ``--rate`` by ``--step`` until the p95 of reads
exceeds 200 ms or an error appears, and reports the last rate that met the target.
``--rates 150,200,300`` measures each listed rate in turn (then ``--saturation`` goes on
from the last).

    python benchmarks/bench_web.py --database postgresql --workers 4 --sessions 500 \\
        --rate 300 --duration 60 --write-share 0.05 [--saturation] [--json out.json]

The cost of one write (``--per-write N``, ``_perwrite.py``): N upload → submit → return
cycles of the tourism form, one after the other, on one worker in this process; the
median and p95 of each kind and the processor time per request.

    python benchmarks/bench_web.py --per-write 30 [--database postgresql]

The cost of one read (``--per-read N``, ``_perread.py``): N requests of each read path and
reader role, one after the other, on a server of one worker (over HTTP); the server's
processor time per request, and the same for a request whose session must be looked up.

    python benchmarks/bench_web.py --per-read 200 [--database postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from _webclient import bearer, login

from ganpo.web.seed import prepare_demo

USERS = ("office", "jiangxi", "nanchang", "wuyuan", "admin")
PATHS = (
    "/api/accounts",
    "/api/accounts/{a}/summary?level=county",
    "/api/accounts/{a}/summary?level=city",
    "/api/accounts/{a}/indicators",
    "/api/accounts/{a}/indicators/by-unit?level=county&indicator=water_conservation",
    "/api/trend",
    "/api/regions",
)
TARGET_P95_MS = 200.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _client(
    client: httpx.AsyncClient,
    n: int,
    offset: int,
    latencies: dict[str, list[float]],
    paths: tuple[str, ...],
) -> int:
    errors = 0
    for i in range(n):
        template = paths[(i + offset) % len(paths)]
        path = template.format(a=1 + (i + offset) % 2)
        t0 = time.perf_counter()
        r = await client.get(path)
        latencies.setdefault(template, []).append((time.perf_counter() - t0) * 1000)
        errors += r.status_code != 200
    return errors


async def _load(
    base: str, tokens: list[str], n: int, paths: tuple[str, ...] = PATHS
) -> tuple[dict[str, list[float]], int, float]:
    """Every client is created (and connected) before the clock starts, so that the
    load generator's own set-up is not counted as server latency."""
    clients = [httpx.AsyncClient(base_url=base, headers=bearer(tok), timeout=30) for tok in tokens]
    try:
        await asyncio.gather(*[c.get("/api/health") for c in clients])
        latencies: dict[str, list[float]] = {}
        t0 = time.perf_counter()
        errors = await asyncio.gather(
            *[_client(c, n, k, latencies, paths) for k, c in enumerate(clients)]
        )
        return latencies, sum(errors), time.perf_counter() - t0
    finally:
        await asyncio.gather(*[c.aclose() for c in clients])


def _serve(
    database: str, data_dir: Path, work: Path, workers: int = 1
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``ganpo serve`` on a free port; (base URL, process). The server's log (its
    workers' starts and deaths, errors) goes to ``server.log`` in the work folder."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "ganpo", "serve", "--database", database]
    cmd += ["--data", str(data_dir), "--work", str(work / "web"), "--port", str(port)]
    cmd += ["--workers", str(workers)]
    work.mkdir(parents=True, exist_ok=True)
    with (work / "server.log").open("ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    return base, proc


def closed_loop(args: argparse.Namespace) -> None:
    """The original benchmark: SQLite, one worker, ``--clients`` closed-loop readers."""
    work = args.work or Path(tempfile.mkdtemp(prefix="ganpo-bench-web-"))
    data_dir, database = work / f"demo-{args.resolution:g}m", work / "bench.sqlite"
    prepare_demo(str(database), data_dir, resolution_m=args.resolution, say=print)
    base, proc = _serve(str(database), data_dir, work)
    try:
        _wait_up(base, proc)
        with httpx.Client(base_url=base) as c:
            tokens = [login(c, USERS[k % len(USERS)]) for k in range(args.clients)]
        paths = tuple(args.paths.split(","))
        # warm-up: one pass of every path by every user (lazy imports, the answer caches);
        # the measured phase is the steady state of reading stored results
        cold, _, _ = asyncio.run(_load(base, tokens[: len(USERS)], 2 * len(paths), paths))
        cold_all = [x for v in cold.values() for x in v]
        latencies, errors, wall = asyncio.run(_load(base, tokens, args.requests, paths))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if args.work is None:  # a temporary platform: remove it
            shutil.rmtree(work, ignore_errors=True)

    every = [x for v in latencies.values() for x in v]
    figures = {
        "clients": args.clients,
        "requests": len(every),
        "errors": errors,
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(every) / wall, 1),
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": round(_percentile(every, 0.95), 1),
        "p99_ms": round(_percentile(every, 0.99), 1),
        "cpus": os.cpu_count(),
        "warmup_requests": len(cold_all),
        "warmup_max_ms": round(max(cold_all), 1),
        "by_endpoint_p95_ms": {
            k: round(_percentile(v, 0.95), 1) for k, v in sorted(latencies.items())
        },
    }
    print(f"\nweb load: {args.clients} concurrent clients × {args.requests} reads")
    print(f"  requests {figures['requests']}, errors {errors}, {figures['throughput_rps']} req/s")
    p50, p95, p99 = figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]
    print(f"  latency p50 {p50} ms, p95 {p95} ms, p99 {p99} ms")
    print(f"  (warm-up: {len(cold_all)} first reads, slowest {figures['warmup_max_ms']} ms)")
    for k, v in figures["by_endpoint_p95_ms"].items():
        print(f"    p95 {v:8.1f} ms  {k}")
    verdict = "met" if figures["p95_ms"] < TARGET_P95_MS else "NOT met"
    print(f"  target p95 < {TARGET_P95_MS:g} ms: {verdict}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=50, help="closed loop: concurrent clients")
    p.add_argument("--requests", type=int, default=40, help="closed loop: requests per client")
    p.add_argument("--resolution", type=float, default=2000.0, help="demo cell size [m]")
    p.add_argument("--work", type=Path, default=None, help="folder for the demo platform")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated paths ({a}: account id)"
    )
    p.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="store of the platform (postgresql: a throwaway server, or --database-url)",
    )
    p.add_argument(
        "--database-url",
        default=None,
        help="an existing PostgreSQL database (postgresql+psycopg://user@host/db) to use "
        "instead of a throwaway server; its max_connections must exceed workers × 15",
    )
    p.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL)")
    p.add_argument("--sessions", type=int, default=500, help="open loop: logged-in sessions")
    p.add_argument(
        "--rate", type=float, default=None, help="open loop: arrivals per second (sets the mode)"
    )
    p.add_argument(
        "--rates",
        default=None,
        help="open loop: comma-separated rates measured one after the other (150,200,300); "
        "then --saturation, if given, goes on from the last",
    )
    p.add_argument("--duration", type=float, default=60.0, help="open loop: seconds per rate")
    p.add_argument("--arrivals", choices=("poisson", "fixed"), default="poisson")
    p.add_argument("--seed", type=int, default=19, help="seed of the arrivals and the mix")
    p.add_argument("--write-share", type=float, default=0.05, help="share of writes (0–1)")
    p.add_argument(
        "--job-every",
        type=float,
        default=60.0,
        help="open loop: one account job started at most every so many seconds (0: none)",
    )
    p.add_argument(
        "--saturation",
        action="store_true",
        help="raise the rate from --rate by --step until the target fails; report the last "
        "rate that met it",
    )
    p.add_argument("--step", type=float, default=1.25, help="saturation: rate factor per step")
    p.add_argument("--max-rate", type=float, default=5000.0, help="saturation: stop here")
    p.add_argument(
        "--per-write",
        type=int,
        default=None,
        metavar="N",
        help="the cost of one write: N upload → submit → return cycles, one request after "
        "the other, on one worker in this process; median and p95 of each [ms]",
    )
    p.add_argument(
        "--per-read",
        type=int,
        default=None,
        metavar="N",
        help="the cost of one read: N requests of each read path and reader role, one "
        "after the other, on a server of one worker; its processor time per request [ms]",
    )
    p.add_argument(
        "--per-read-rounds", type=int, default=3, help="per-read: rounds (median reported)"
    )
    args = p.parse_args()
    if args.database_url:
        args.database = "postgresql"
    if args.per_read is not None:
        if args.per_read < 1 or args.per_read_rounds < 1:
            p.error("--per-read needs at least one request and one round")
        if args.workers > 1 and args.database != "postgresql":
            p.error("several --workers need --database postgresql")
        from _perread import per_read

        per_read(args)
        return
    if args.per_write is not None:
        if args.per_write < 1:
            p.error("--per-write needs at least one cycle")
        from _perwrite import per_write

        per_write(args)
        return
    if args.rates:
        try:
            listed = [float(x) for x in args.rates.split(",")]
        except ValueError:
            p.error("--rates is a comma-separated list of numbers")
        if not listed or min(listed) <= 0:
            p.error("--rates needs positive rates")
        args.rate = listed[0]
    if args.rate is None and args.database == "postgresql":
        args.rate = 300.0
    if args.rate is None:
        if args.workers != 1 or args.saturation:
            p.error("--workers and --saturation need the open loop (--rate, or PostgreSQL)")
        closed_loop(args)
        return
    if args.workers > 1 and args.database != "postgresql":
        p.error("several --workers need --database postgresql")
    if not 0.0 <= args.write_share <= 1.0 or args.rate <= 0 or args.step <= 1.0:
        p.error("--write-share is in 0–1, --rate > 0, --step > 1")
    from _openloop import open_loop

    open_loop(args)


if __name__ == "__main__":
    main()
