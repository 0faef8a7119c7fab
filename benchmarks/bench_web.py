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
    clients = [
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {tok}"}, timeout=30)
        for tok in tokens
    ]
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=40, help="requests per client")
    p.add_argument("--resolution", type=float, default=2000.0, help="demo cell size [m]")
    p.add_argument("--work", type=Path, default=None, help="folder for the demo platform")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    p.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated paths ({a}: account id)"
    )
    args = p.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="ganpo-bench-web-"))
    data_dir, database = work / f"demo-{args.resolution:g}m", work / "bench.sqlite"
    prepare_demo(str(database), data_dir, resolution_m=args.resolution, say=print)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "ganpo", "-q", "serve", "--database", str(database)]
    cmd += ["--data", str(data_dir), "--work", str(work / "web"), "--port", str(port)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
    )
    try:
        _wait_up(base, proc)
        tokens = []
        for k in range(args.clients):
            user = USERS[k % len(USERS)]
            r = httpx.post(
                f"{base}/api/auth/token", json={"username": user, "password": f"{user}-demo"}
            )
            r.raise_for_status()
            tokens.append(r.json()["access_token"])
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


if __name__ == "__main__":
    main()
