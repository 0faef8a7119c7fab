"""The open-loop mode of bench_web.py: PostgreSQL, several workers, many sessions,
scheduled arrivals, writes mixed in, and a saturation sweep (see bench_web.py's docstring
and docs/benchmarks.md, "The platform at provincial load").

The sessions send through aiohttp, not httpx: the load generator shares the machine's
cores with the server, and measured on a trivial server (26 KB answers, 50 sessions)
httpx's client costs 1.5–1.7 ms of CPU a request against aiohttp's 0.39 ms. With httpx
the generator, not the platform, saturated first (decision 0045, "The generator").
Each session keeps at most 4 connections and closes an idle one after 4 s, before the
server's keep-alive timeout (5 s) closes it under a request in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil
from _webclient import bearer, filled_tourism, login_async, store
from bench_web import PATHS, TARGET_P95_MS, USERS, _percentile, _serve, _wait_up

from ganpo.web.seed import prepare_demo

#: the year the account jobs run (its forms adopted from the base data at set-up)
JOB_YEAR = 2023
#: reporting years the tourism form is uploaded and reviewed in (one lane each)
LANE_YEARS = (2022, 2021, 2020, 2019, 2018, 2017, 2016, 2015)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: users of the sessions: the readers of bench_web.py, then the writers' roles
SESSION_USERS = (*USERS, "tourism", "reviewer")
#: sessions of each reader role that warm the caches before the measurement
WARM_SESSIONS = 12
#: PostgreSQL connections: each worker's SQLAlchemy pool holds at most 5 + 10
PG_MAX_CONNECTIONS = 400
#: the data folder of the throwaway PostgreSQL server while it runs (its postmaster's pid
#: is the first line of ``postmaster.pid`` there), for the processor time it takes
PG_DATA: list[str] = []


# ------------------------------------------------------------------ a throwaway PostgreSQL


def _run_pg(cmd: list[str], root: bool) -> None:
    if root:
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A fresh PostgreSQL server (Debian's package, as tests/pg.py starts it) on a free
    loopback port, with room for many workers' connections; its SQLAlchemy URL."""
    import glob
    import socket

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise SystemExit(
            "PostgreSQL is not installed (Debian: apt-get install postgresql); or give a "
            "server with --database-url"
        )
    bindir = os.path.dirname(found[-1])
    root = os.geteuid() == 0
    data = tempfile.mkdtemp(prefix="ganpo-bench-pg-")
    if root:
        shutil.chown(data, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    try:
        _run_pg(
            [f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
            root,
        )
        options = (
            f"'-p {port} -k {data} -c listen_addresses=127.0.0.1 "
            f"-c max_connections={PG_MAX_CONNECTIONS} -c shared_buffers=256MB'"
        )
        _run_pg(
            [f"{bindir}/pg_ctl", "-D", data, "-l", f"{data}/log", "-w", "-o", options, "start"],
            root,
        )
        PG_DATA.append(data)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        with suppress(ValueError):
            PG_DATA.remove(data)
        with suppress(subprocess.CalledProcessError):
            _run_pg([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], root)
        shutil.rmtree(data, ignore_errors=True)


# -------------------------------------------------------------- where the processors go


def _tree_cpu_s(root: psutil.Process | None) -> float:
    """Processor time [s] of ``root`` and every process under it, with the reaped
    children's (a PostgreSQL backend of a closed connection, a replaced worker) so that a
    process that exits between two samples keeps its time in the sum."""
    if root is None:
        return 0.0
    total = 0.0
    try:
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    for proc in tree:
        with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            t = proc.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


class Processors:
    """Processor time spent by the server (``ganpo serve`` and its workers), by the
    throwaway PostgreSQL server (none with ``--database-url``: it may be elsewhere), by
    this load generator, and by the whole machine, between two :meth:`sample` calls."""

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)
        self.postgres: psutil.Process | None = None
        if PG_DATA:
            with suppress(OSError, ValueError, psutil.NoSuchProcess):
                pid = int((Path(PG_DATA[-1]) / "postmaster.pid").read_text().split()[0])
                self.postgres = psutil.Process(pid)
        self.generator = psutil.Process()

    def sample(self) -> dict[str, float]:
        machine = psutil.cpu_times()
        gen = self.generator.cpu_times()
        return {
            "server": _tree_cpu_s(self.server),
            "postgres": _tree_cpu_s(self.postgres),
            "generator": gen.user + gen.system,
            "machine": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
            "wall": time.monotonic(),
        }

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, Any]:
        """Per request [ms of processor] and as a share of the machine's cores over the
        interval; "others" is what the rest of the machine (other users' work) took."""
        wall = after["wall"] - before["wall"]
        cores = psutil.cpu_count() or 1
        used = {k: after[k] - before[k] for k in ("server", "postgres", "generator", "machine")}
        used["others"] = max(
            0.0, used["machine"] - used["server"] - used["postgres"] - used["generator"]
        )
        out: dict[str, Any] = {"cores": cores, "wall_s": round(wall, 1)}
        for k, v in used.items():
            out[f"{k}_ms_per_request"] = round(1000 * v / max(requests, 1), 2)
            out[f"{k}_core_share"] = round(v / (wall * cores), 3) if wall > 0 else None
        return out


# ------------------------------------------------------------------------- the sessions


@dataclass
class Lane:
    """The tourism form of one reporting year, cycled through upload → submit → approve
    or return (→ the office reopens an approved form) by one writer at a time."""

    year: int
    state: str | None = None
    submission: int | None = None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    steps: int = 0


@dataclass
class Run:
    """What one rate measured."""

    reads: list[float] = field(default_factory=list)
    writes: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lag: list[float] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    last_done: float = 0.0


class Answer:
    """What the generator keeps of a response: status, path and body."""

    def __init__(self, status_code: int, path: str, body: bytes) -> None:
        self.status_code, self.path, self.body = status_code, path, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> Answer:
        if self.status_code >= 400:
            raise SystemExit(f"{self.path}: HTTP {self.status_code} {self.text[:300]}")
        return self


class Session:
    """One logged-in session: an aiohttp client with its bearer token."""

    def __init__(self, base: str, token: str) -> None:
        self._s = aiohttp.ClientSession(
            base_url=base,
            headers=bearer(token),
            connector=aiohttp.TCPConnector(limit=4, keepalive_timeout=4.0),
            timeout=aiohttp.ClientTimeout(total=60),
        )

    async def _send(self, method: str, path: str, **kwargs: Any) -> Answer:
        async with self._s.request(method, path, **kwargs) as r:
            return Answer(r.status, path, await r.read())

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return await self._send("GET", path, params=params)

    async def post(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Answer:
        data = None
        if files:
            data = aiohttp.FormData()
            for key, (name, content, ctype) in files.items():
                data.add_field(key, content, filename=name, content_type=ctype)
        return await self._send("POST", path, params=params, json=json, data=data)

    async def aclose(self) -> None:
        await self._s.close()


class Platform:
    """The sessions (one client each) and the writers' state."""

    def __init__(self, base: str, tokens: dict[str, list[str]], upload: bytes) -> None:
        self.base, self.upload = base, upload
        self.clients: dict[str, list[Session]] = {
            user: [Session(base, t) for t in toks] for user, toks in tokens.items()
        }
        self.readers = [c for u in USERS for c in self.clients.get(u, [])]
        self.lanes: list[Lane] = []
        self.accounts: tuple[int, int] = (1, 2)
        self.last_job = -1e9

    def any_of(self, user: str, rng: random.Random) -> Session:
        return rng.choice(self.clients[user])

    async def close(self) -> None:
        await asyncio.gather(*[c.aclose() for cs in self.clients.values() for c in cs])


def _login_all(base: str, sessions: int) -> dict[str, list[str]]:
    """Bearer tokens of ``sessions`` logins, users rotating over every role (at least one
    reporter and one reviewer session); a few logins at a time (each is an argon2 hash)."""
    users = [SESSION_USERS[k % len(SESSION_USERS)] for k in range(max(sessions, 7))]

    async def all_of() -> list[str]:
        gate = asyncio.Semaphore(8)
        async with httpx.AsyncClient(base_url=base, timeout=120) as c:

            async def one(user: str) -> str:
                async with gate:
                    return await login_async(c, user)

            return await asyncio.gather(*[one(u) for u in users])

    tokens: dict[str, list[str]] = {}
    for user, token in zip(users, asyncio.run(all_of()), strict=True):
        tokens.setdefault(user, []).append(token)
    return tokens


async def _set_up(platform: Platform, say: Any) -> None:
    """Account ids to read, the job year's forms adopted, the lanes' present states."""
    office = platform.clients["office"][0]
    rows = (await office.get("/api/accounts")).raise_for_status().json()
    ids = [int(a["id"]) for a in rows]
    if len(ids) < 2:
        raise SystemExit(f"the store holds {len(ids)} account(s); the reads need two")
    platform.accounts = (ids[0], ids[1])
    ready = (await office.get("/api/reporting/readiness", params={"year": JOB_YEAR})).json()
    if not ready.get("ready"):
        r = await office.post("/api/reporting/adopt-base", json={"year": JOB_YEAR})
        if r.status_code != 200:
            raise SystemExit(f"cannot adopt the base data of {JOB_YEAR}: {r.text}")
    reporter = platform.clients["tourism"][0]
    for year in LANE_YEARS:
        r = await reporter.get("/api/reporting/forms", params={"year": year})
        if r.status_code != 200:
            continue
        form = next((f for f in r.json() if f["key"] == "tourism"), None)
        if form is None:
            continue
        sub = form["submission"]
        platform.lanes.append(
            Lane(year, None if sub is None else sub["state"], None if sub is None else sub["id"])
        )
    if not platform.lanes:
        raise SystemExit("no reporting year accepts the tourism form")
    say(f"write lanes: tourism form of {', '.join(str(lane.year) for lane in platform.lanes)}")


# ------------------------------------------------------------------------ the requests


async def _read(platform: Platform, rng: random.Random, k: int) -> tuple[str, Answer]:
    template = PATHS[k % len(PATHS)]
    path = template.format(a=platform.accounts[k % 2])
    return "read", await rng.choice(platform.readers).get(path)


async def _refresh(platform: Platform, lane: Lane) -> None:
    r = await platform.clients["tourism"][0].get("/api/reporting/forms", params={"year": lane.year})
    form = next(f for f in r.json() if f["key"] == "tourism")
    sub = form["submission"]
    lane.state, lane.submission = (None, None) if sub is None else (sub["state"], sub["id"])


async def _write(
    platform: Platform, rng: random.Random, k: int, now: float, job_every: float
) -> tuple[str, Answer]:
    """The next step of a lane, or an account job when one is due."""
    if job_every > 0 and now - platform.last_job >= job_every:
        platform.last_job = now
        r = await platform.any_of("office", rng).post("/api/accounts/run", json={"year": JOB_YEAR})
        return "job", r
    lane = platform.lanes[k % len(platform.lanes)]
    async with lane.lock:
        sid = lane.submission
        if lane.state in (None, "draft", "returned"):
            kind, r = (
                "upload",
                await platform.any_of("tourism", rng).post(
                    "/api/reporting/forms/tourism/upload",
                    params={"year": lane.year},
                    files={"file": ("tourism.xlsx", platform.upload, XLSX)},
                ),
            )
            after = "draft"
        elif lane.state == "draft-uploaded":
            kind, r = (
                "submit",
                await platform.any_of("tourism", rng).post(
                    f"/api/reporting/submissions/{sid}/submit"
                ),
            )
            after = "submitted"
        elif lane.state == "submitted":
            approve = rng.random() < 0.5
            url = f"/api/reporting/submissions/{sid}/{'approve' if approve else 'return'}"
            body = None if approve else {"comment": "请核对游客人次 / check the visits"}
            kind, r = "review", await platform.any_of("reviewer", rng).post(url, json=body)
            after = "approved" if approve else "returned"
        else:  # approved: the office reopens it
            kind, r = (
                "review",
                await platform.any_of("office", rng).post(
                    f"/api/reporting/submissions/{sid}/return",
                    json={"comment": "重新核对 / reopened"},
                ),
            )
            after = "returned"
        if r.status_code < 400:
            if kind == "upload":
                lane.submission = int(r.json()["submission"]["id"])
                after = "draft-uploaded"
            lane.state, lane.steps = after, lane.steps + 1
        else:
            await _refresh(platform, lane)
            if lane.state == "draft":
                lane.state = "draft-uploaded"
        return kind, r


async def _one(
    platform: Platform,
    run: Run,
    rng: random.Random,
    k: int,
    scheduled: float,
    write: bool,
    job_every: float,
    t0: float,
) -> None:
    run.lag.append((time.perf_counter() - scheduled) * 1000)
    try:
        if write:
            kind, r = await _write(platform, rng, k, scheduled - t0, job_every)
        else:
            kind, r = await _read(platform, rng, k)
        ms = (time.perf_counter() - scheduled) * 1000
        if r.status_code >= 400:
            run.errors.append(f"{kind} {r.path}: {r.status_code} {r.text[:200]}")
        elif kind == "job":
            run.jobs.append(str(r.json()["job_id"]))
    except (aiohttp.ClientError, TimeoutError) as exc:
        kind, ms = "write" if write else "read", (time.perf_counter() - scheduled) * 1000
        run.errors.append(f"{kind}: {type(exc).__name__} {exc}")
    if kind == "read":
        run.reads.append(ms)
    else:
        run.writes.setdefault(kind, []).append(ms)
    run.last_done = time.perf_counter()


async def _at_rate(
    platform: Platform, rate: float, duration: float, args: argparse.Namespace, seed: int
) -> tuple[Run, float]:
    """Send at ``rate`` for ``duration`` s (arrival times drawn in advance); the run and
    its wall time from the first scheduled send to the last answer."""
    rng = random.Random(seed)
    times: list[float] = []
    t = 0.0
    while True:
        t += rng.expovariate(rate) if args.arrivals == "poisson" else 1.0 / rate
        if t >= duration:
            break
        times.append(t)
    writes = [rng.random() < args.write_share for _ in times]
    run = Run()
    t0 = time.perf_counter() + 0.05
    tasks = []
    for k, (at, write) in enumerate(zip(times, writes, strict=True)):
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(_one(platform, run, rng, k, t0 + at, write, args.job_every, t0))
        )
    await asyncio.gather(*tasks)
    return run, max(run.last_done - t0, duration)


async def _follow_jobs(
    platform: Platform, jobs: list[str], timeout: float = 1800
) -> dict[str, int]:
    """Poll every started job, through any session of the office (so through any worker),
    until each has finished; how many ended in each state."""
    rng = random.Random(0)
    states: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(states) < len(jobs) and time.monotonic() < deadline:
        for job in jobs:
            if job in states:
                continue
            r = await platform.any_of("office", rng).get(f"/api/jobs/{job}")
            state = r.json().get("state") if r.status_code == 200 else f"http {r.status_code}"
            if state not in ("queued", "running"):
                states[job] = str(state)
        await asyncio.sleep(1.0)
    out: dict[str, int] = {}
    for job in jobs:
        state = states.get(job, "unfinished")
        out[state] = out.get(state, 0) + 1
    return out


def _figures(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(_percentile(values, 0.50), 1),
        "p95_ms": round(_percentile(values, 0.95), 1),
        "p99_ms": round(_percentile(values, 0.99), 1),
    }


def _summary(run: Run, rate: float, wall: float) -> dict[str, Any]:
    every_write = [x for v in run.writes.values() for x in v]
    done = len(run.reads) + len(every_write)
    reads = _figures(run.reads)
    met = not run.errors and bool(run.reads) and reads["p95_ms"] < TARGET_P95_MS
    return {
        "rate_rps": rate,
        "requests": done,
        "achieved_rps": round(done / wall, 1),
        "reads": reads,
        "writes": _figures(every_write) | {k: _figures(v) for k, v in sorted(run.writes.items())},
        "errors": len(run.errors),
        "error_examples": run.errors[:5],
        "send_lag_p95_ms": round(_percentile(run.lag, 0.95), 1) if run.lag else None,
        "jobs_started": len(run.jobs),
        "target_met": met,
    }


def _print(s: dict[str, Any]) -> None:
    r, w = s["reads"], s["writes"]
    print(f"\n  rate {s['rate_rps']:g}/s: {s['requests']} requests, {s['achieved_rps']}/s achieved")
    for name, f in (("reads", r), ("writes", w)):
        if f["n"]:
            print(
                f"    {name:<6} {f['n']:6d}  p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms, "
                f"p99 {f['p99_ms']} ms"
            )
    if w["n"]:
        for kind in ("upload", "submit", "review", "job"):
            if kind in w and w[kind]["n"]:
                f = w[kind]
                print(f"      {kind:<7} {f['n']:5d}  p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms")
    print(f"    errors {s['errors']}; generator sent late by p95 {s['send_lag_p95_ms']} ms")
    for e in s["error_examples"]:
        print(f"      {e}")
    if "processors" in s:
        c = s["processors"]
        shares = ", ".join(
            f"{k} {c[f'{k}_ms_per_request']} ms ({c[f'{k}_core_share']:.0%})"
            for k in ("server", "postgres", "generator", "others")
        )
        print(f"    processor per request (share of {c['cores']} cores): {shares}")
    verdict = "met" if s["target_met"] else "NOT met"
    print(f"    target (reads p95 < {TARGET_P95_MS:g} ms, no error): {verdict}")


def open_loop(args: argparse.Namespace) -> None:
    """Prepare the demo platform on the chosen store, serve it, load it, report."""
    work = args.work or Path(tempfile.mkdtemp(prefix="ganpo-bench-web-"))
    data_dir = work / f"demo-{args.resolution:g}m"
    try:
        with store(args, work, "bench.sqlite") as database:
            prepare_demo(database, data_dir, resolution_m=args.resolution, say=print)
            figures = _measure(args, database, data_dir, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")


def _measure(args: argparse.Namespace, database: str, data_dir: Path, work: Path) -> dict[str, Any]:
    base, proc = _serve(database, data_dir, work, args.workers)
    try:
        _wait_up(base, proc, timeout=300)
        print(f"logging in {args.sessions} sessions …")
        tokens = _login_all(base, args.sessions)
        with httpx.Client(base_url=base, timeout=60) as c:
            c.headers.update(bearer(tokens["tourism"][0]))
            template = c.get("/api/reporting/forms/tourism/template", params={"year": 2022})
            template.raise_for_status()
        upload = filled_tourism(template.content)
        return asyncio.run(_sweep(args, base, tokens, upload, Processors(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(timeout=60)


async def _sweep(
    args: argparse.Namespace,
    base: str,
    tokens: dict[str, list[str]],
    upload: bytes,
    processors: Processors,
) -> dict[str, Any]:
    platform = Platform(base, tokens, upload)
    try:
        await _set_up(platform, print)
        # warm-up: every read path of both accounts by every reader role, from several
        # sessions at once so that every worker's caches see them (each session's
        # connections land on whichever worker accepts them); the measured phase is the
        # steady state of reading stored results, as in the closed loop
        warm = [
            client.get(template.format(a=a))
            for user in USERS
            for client in platform.clients.get(user, [])[:WARM_SESSIONS]
            for template in PATHS
            for a in platform.accounts
        ]
        for k in range(0, len(warm), 16):
            await asyncio.gather(*warm[k : k + 16])
        steps: list[dict[str, Any]] = []
        jobs: list[str] = []
        listed = [float(x) for x in args.rates.split(",")] if args.rates else []
        rate = listed.pop(0) if listed else float(args.rate)
        print(
            f"\nweb load, open loop ({args.arrivals} arrivals): {args.database}, "
            f"{args.workers} worker(s), {args.sessions} sessions, {args.duration:g} s per rate, "
            f"writes {args.write_share:.0%}"
        )
        while True:
            before = processors.sample()
            run, wall = await _at_rate(platform, rate, args.duration, args, args.seed + len(steps))
            after = processors.sample()
            jobs += run.jobs
            steps.append(_summary(run, rate, wall))
            steps[-1]["processors"] = Processors.spent(before, after, steps[-1]["requests"])
            _print(steps[-1])
            if listed:  # --rates: each listed rate, whatever the last one gave
                rate = listed.pop(0)
                await asyncio.sleep(2.0)
                continue
            if (
                not args.saturation
                or not steps[-1]["target_met"]
                or rate * args.step > args.max_rate
            ):
                break
            rate *= args.step
            await asyncio.sleep(2.0)  # let the last answers and jobs' writes settle
        print(f"\n  following {len(jobs)} account job(s) to their end …")
        job_states = await _follow_jobs(platform, jobs)
        print(f"  jobs: {job_states}")
    finally:
        await platform.close()
    met = [s["rate_rps"] for s in steps if s["target_met"]]
    figures: dict[str, Any] = {
        "mode": "open loop",
        "database": args.database,
        "workers": args.workers,
        "sessions": args.sessions,
        "arrivals": args.arrivals,
        "duration_s": args.duration,
        "write_share": args.write_share,
        "job_every_s": args.job_every,
        "resolution_m": args.resolution,
        "cpus": os.cpu_count(),
        "steps": steps,
        "jobs": job_states,
        "lane_steps": sum(lane.steps for lane in platform.lanes),
    }
    if args.saturation:
        figures["saturation_rps"] = max(met) if met else None
        shown = f"{max(met):g}/s" if met else f"below {args.rate:g}/s"
        print(f"  saturation: last rate meeting the target {shown}")
    return figures
