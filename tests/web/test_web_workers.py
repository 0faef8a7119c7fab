"""The platform served by several worker processes on one PostgreSQL store (``ganpo serve
--workers 3``): a login made through one worker is valid on the others, an account job
started through one worker is polled through the others and runs once, and concurrent
reviews or first uploads of one form leave one consistent submission.

A connection stays with the worker that accepted it; the header ``X-Ganpo-Worker`` of
``/api/health`` tells which one it is. New connections are opened until more than one
worker has answered (the kernel decides which worker accepts; no order is assumed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import ganpo
from demoplatform import DemoPlatform
from ganpo.store import platform
from ganpo.store.repository import list_accounts, open_store
from ganpo.submissions.template import fill_template
from ganpo.web.seed import seed_demo_users
from servers import free_port, wait_until_healthy

WORKERS = 3
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: new connections opened at most while looking for a second worker
MAX_CONNECTIONS = 400


@pytest.fixture(scope="module")
def served(
    postgres_url: str, demo_platform: DemoPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, store URL) of ``ganpo serve --workers 3`` on a fresh PostgreSQL database
    with the demo users and the demo dataset (no account stored)."""
    import psycopg

    name = f"w_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    engine = open_store(url)
    seed_demo_users(engine)
    engine.dispose()
    folder = tmp_path_factory.mktemp("workers")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(ganpo.__file__).parents[1]))
    cmd = [sys.executable, "-m", "ganpo", "-q", "serve", "--database", url]
    cmd += ["--data", str(demo_platform.data_dir), "--work", str(folder / "work")]
    cmd += ["--port", str(port), "--workers", str(WORKERS)]
    log = (folder / "server.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(proc, base, folder / "server.log")
        yield base, url
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def _worker(client: httpx.Client) -> int:
    r = client.get("/api/health")
    assert r.status_code == 200
    return int(r.headers["X-Ganpo-Worker"])


def _token(base: str, user: str) -> str:
    r = httpx.post(f"{base}/api/auth/token", json={"username": user, "password": f"{user}-demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _spread(base: str, headers: dict[str, str], check: Callable[[httpx.Client], None]) -> set[int]:
    """Run ``check`` on new connections until two workers have answered; their pids."""
    seen: set[int] = set()
    for _ in range(MAX_CONNECTIONS):
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            seen.add(_worker(c))
            check(c)
        if len(seen) >= 2:
            break
    assert len(seen) >= 2, f"every connection went to one worker ({seen})"
    return seen


@pytest.mark.slow
def test_a_login_through_one_worker_is_valid_on_the_others(served: tuple[str, str]) -> None:
    base, _ = served
    with httpx.Client(base_url=base, timeout=30) as browser:
        first = _worker(browser)
        r = browser.post("/api/auth/login", json={"username": "office", "password": "office-demo"})
        assert r.status_code == 200, r.text
        cookie = browser.cookies["ganpo_session"]
    answered: list[int] = []

    def me(c: httpx.Client) -> None:
        c.cookies.set("ganpo_session", cookie)
        r = c.get("/api/auth/me")
        assert r.status_code == 200, r.text
        assert r.json()["username"] == "office"
        answered.append(1)

    seen = _spread(base, {}, me)
    assert seen - {first} or len(seen) >= 2  # another worker than the login's has answered
    assert len(answered) >= 2
    # a bearer token made through one worker: the same on every worker
    token = _token(base, "wuyuan")
    _spread(
        base,
        {"Authorization": f"Bearer {token}"},
        lambda c: c.get("/api/auth/me").raise_for_status(),
    )


@pytest.mark.slow
def test_a_job_started_on_one_worker_is_polled_on_the_others_and_runs_once(
    served: tuple[str, str],
) -> None:
    base, url = served
    year = 2023
    headers = {"Authorization": f"Bearer {_token(base, 'office')}"}
    engine = open_store(url)
    try:
        before = len(list_accounts(engine))
        with httpx.Client(base_url=base, headers=headers, timeout=60) as office:
            r = office.post("/api/reporting/adopt-base", json={"year": year})
            assert r.status_code == 200, r.text
            starter = _worker(office)
            r = office.post("/api/accounts/run", json={"year": year})
            assert r.status_code == 202, r.text
            job_id = r.json()["job_id"]
        states: list[dict[str, Any]] = []
        deadline = time.monotonic() + 600
        while not states or states[-1]["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, states[-1:]
            with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
                seen = _worker(c)
                r = c.get(f"/api/jobs/{job_id}")
                assert r.status_code == 200, r.text
                states.append(r.json() | {"worker": seen})
            time.sleep(0.2)
        assert states[-1]["state"] == "done", states[-1]
        assert {s["worker"] for s in states} - {starter}, "no poll reached another worker"
        # polls through every worker agree on the outcome
        _spread(
            base,
            headers,
            lambda c: (
                c.get(f"/api/jobs/{job_id}").json()["account_id"] == states[-1]["account_id"]
                or pytest.fail("the workers disagree on the job")
            ),
        )
        record = platform.load_job(engine, job_id)
        assert record is not None and record.state == "done"
        assert record.runner.endswith(f":{starter}")  # run by the worker that accepted it
        assert len(list_accounts(engine)) == before + 1  # run once: one account stored
        runs = platform.list_audit(engine, limit=1000, action="account.run")
        assert [a.entity_id for a in runs] == [str(states[-1]["account_id"])]
    finally:
        engine.dispose()


def _tourism_upload(base: str, headers: dict[str, str], year: int) -> bytes:
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        r = c.get("/api/reporting/forms/tourism/template", params={"year": year})
        assert r.status_code == 200, r.text
    return fill_template(r.content, {"visits": 10.0, "tourism_revenue": 1.5})


def _at_once(n: int, action: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``action(k)`` for k < n in n threads released together, each on its own connection."""
    barrier = threading.Barrier(n)
    out: list[httpx.Response | None] = [None] * n

    def go(k: int) -> None:
        barrier.wait()
        out[k] = action(k)

    threads = [threading.Thread(target=go, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


@pytest.mark.slow
def test_concurrent_reviews_of_one_submission_exactly_one_succeeds(
    served: tuple[str, str],
) -> None:
    base, _ = served
    year = 2022
    reporter = {"Authorization": f"Bearer {_token(base, 'tourism')}"}
    reviewers = [
        {"Authorization": f"Bearer {_token(base, user)}"} for user in ("reviewer", "office")
    ]
    data = _tourism_upload(base, reporter, year)

    def upload(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, headers=reporter, timeout=60) as c:
            return c.post(
                "/api/reporting/forms/tourism/upload",
                params={"year": year},
                files={"file": ("tourism.xlsx", data, XLSX)},
            )

    # first uploads of a form nobody has opened, at once: every one is a new version or a
    # clear refusal, never a server error, and the versions are numbered without a gap
    uploads = _at_once(4, upload)
    assert all(r.status_code in (200, 201, 409) for r in uploads), [r.text for r in uploads]
    made = [r for r in uploads if r.status_code in (200, 201)]
    assert made
    sid = made[0].json()["submission"]["id"]
    assert {r.json()["submission"]["id"] for r in made} == {sid}
    with httpx.Client(base_url=base, headers=reporter, timeout=60) as c:
        sub = c.get(f"/api/reporting/submissions/{sid}").json()
        assert sub["current_version"] == len(made)
        assert c.post(f"/api/reporting/submissions/{sid}/submit").status_code == 200

    def approve(k: int) -> httpx.Response:
        with httpx.Client(base_url=base, headers=reviewers[k % 2], timeout=60) as c:
            return c.post(f"/api/reporting/submissions/{sid}/approve")

    # six approvals of one submitted form at once, by a reviewer and the office: one
    # succeeds, the others are refused because the form is approved by then
    reviews = _at_once(6, approve)
    codes = sorted(r.status_code for r in reviews)
    assert codes == [200, 409, 409, 409, 409, 409], [r.text for r in reviews]
    with httpx.Client(base_url=base, headers=reporter, timeout=60) as c:
        sub = c.get(f"/api/reporting/submissions/{sid}").json()
    assert sub["state"] == "approved"
    assert [e["action"] for e in sub["events"]].count("approve") == 1
