"""The cost of one write on one worker: ``bench_web.py --per-write N`` (decision 0060).

The open loop (``_openloop.py``) measures latency under load; this measures what a write
costs a worker when nothing else runs, so that a change to the write path can be judged
apart from the machine's load. It builds the application in this process (one worker, no
network: FastAPI's TestClient), on a copy of the demo platform's store (SQLite, or a
throwaway PostgreSQL server with ``--database postgresql``), then cycles the tourism form
of 2022 ``N`` times through upload (a filled workbook) → submit → return, one request after
the other, and reports the median and p95 of each kind [ms], and the median processor
time of this process per request (the application's work, plus the test client's small
share; on a machine shared with other work it varies far less than the wall time, which
includes the waits for a core). The first cycle is a warm-up
(lazy imports, first reads of the catalogue) and is not counted.

The application runs in threads of this process (TestClient's event loop, the thread
pool), which cProfile does not follow; profile the run with py-spy instead (decision 0060):

    python benchmarks/bench_web.py --per-write 30 [--database postgresql]
    py-spy record --nonblocking -r 200 -f raw -o writes.txt -- \
        python benchmarks/bench_web.py --per-write 20
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _webclient import bearer, filled_tourism, login, store
from fastapi.testclient import TestClient

from ganpo.web.app import Settings, create_app
from ganpo.web.seed import prepare_demo

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = 2022


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def per_write(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``args.per_write`` measured cycles; print and return the figures."""
    work = args.work or Path(tempfile.mkdtemp(prefix="ganpo-bench-perwrite-"))
    data_dir = work / f"demo-{args.resolution:g}m"
    with store(args, work, "perwrite.sqlite") as database:
        prepare_demo(database, data_dir, resolution_m=args.resolution, years=(2022,), say=print)
        app = create_app(Settings(database=database, data_dir=data_dir, work_dir=work / "web"))
        try:
            with TestClient(app) as client:
                tourism = bearer(login(client, "tourism"))
                reviewer = bearer(login(client, "reviewer"))
                template = client.get(
                    "/api/reporting/forms/tourism/template", params={"year": YEAR}, headers=tourism
                )
                template.raise_for_status()
                upload = filled_tourism(template.content)
                times: dict[str, list[float]] = {"upload": [], "submit": [], "return": []}
                cpu: dict[str, list[float]] = {k: [] for k in times}
                for cycle in range(args.per_write + 1):
                    measured = cycle > 0
                    t0, c0 = time.perf_counter(), time.process_time()
                    r = client.post(
                        "/api/reporting/forms/tourism/upload",
                        params={"year": YEAR},
                        files={"file": ("tourism.xlsx", upload, XLSX)},
                        headers=tourism,
                    )
                    t1, c1 = time.perf_counter(), time.process_time()
                    assert r.status_code == 201, r.text
                    sid = r.json()["submission"]["id"]
                    r = client.post(f"/api/reporting/submissions/{sid}/submit", headers=tourism)
                    t2, c2 = time.perf_counter(), time.process_time()
                    assert r.status_code == 200, r.text
                    r = client.post(
                        f"/api/reporting/submissions/{sid}/return",
                        json={"comment": "请核对游客人次 / check the visits"},
                        headers=reviewer,
                    )
                    t3, c3 = time.perf_counter(), time.process_time()
                    assert r.status_code == 200, r.text
                    if measured:
                        times["upload"].append((t1 - t0) * 1000)
                        times["submit"].append((t2 - t1) * 1000)
                        times["return"].append((t3 - t2) * 1000)
                        cpu["upload"].append((c1 - c0) * 1000)
                        cpu["submit"].append((c2 - c1) * 1000)
                        cpu["return"].append((c3 - c2) * 1000)
        finally:
            app.state.jobs.shutdown()
            app.state.engine.dispose()
    figures: dict[str, Any] = {
        "database": "postgresql" if database.startswith("postgresql") else "sqlite",
        "cycles": args.per_write,
        **{
            kind: {
                "median_ms": round(statistics.median(v), 1),
                "p95_ms": round(_percentile(v, 0.95), 1),
                "cpu_median_ms": round(statistics.median(cpu[kind]), 1),
            }
            for kind, v in times.items()
        },
    }
    print(f"\none write at a time on one worker ({figures['database']}, {args.per_write} cycles)")
    for kind in times:
        f = figures[kind]
        print(
            f"  {kind:7s} median {f['median_ms']:7.1f} ms   p95 {f['p95_ms']:7.1f} ms   "
            f"processor median {f['cpu_median_ms']:7.1f} ms"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return figures
