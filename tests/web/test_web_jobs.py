"""Background jobs: their outcome is stored, outlives the server, and a job whose server
died is reported as interrupted."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.store import platform
from ganpo.web.app import create_app
from ganpo.web.jobs import JobContext, JobManager
from ganpo.web.settings import Settings


def _work(ctx: JobContext) -> int:
    ctx.fraction(0.5)
    ctx.say("half way")
    return 42


def test_finished_job_is_stored_and_seen_after_a_restart(
    web_app: FastAPI, web_settings: Settings, client_as: Callable[[str], TestClient]
) -> None:
    job = web_app.state.jobs.submit("account.run", "office", _work)
    web_app.state.jobs.wait(job.id)
    stored = platform.load_job(web_app.state.engine, job.id)
    assert stored is not None and stored.state == "done" and stored.account_id == 42
    assert stored.log == ["half way"] and stored.fraction == 1.0
    restarted = create_app(web_settings)  # a new server process on the same database
    try:
        with TestClient(restarted) as client:
            r = client.post(
                "/api/auth/login", json={"username": "office", "password": "office-demo"}
            )
            assert r.status_code == 200
            got = client.get(f"/api/jobs/{job.id}").json()
            assert got["state"] == "done" and got["account_id"] == 42
        # owners, the office and admins only: a county viewer gets 404
        assert client_as("wuyuan").get(f"/api/jobs/{job.id}").status_code == 404
    finally:
        restarted.state.jobs.shutdown()
        restarted.state.engine.dispose()


def test_failed_job_keeps_its_error(web_app: FastAPI) -> None:
    def broken(ctx: JobContext) -> int:
        raise ValueError("no such layer")

    job = web_app.state.jobs.submit("account.run", "office", broken)
    web_app.state.jobs.wait(job.id)
    stored = platform.load_job(web_app.state.engine, job.id)
    assert stored is not None and stored.state == "failed"
    assert stored.message == "ValueError: no such layer"


def test_job_of_a_dead_server_is_interrupted_others_are_left(web_app: FastAPI) -> None:
    engine = web_app.state.engine
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(gone.stdout)
    now = datetime.now(UTC)
    here = socket.gethostname()

    def record(job_id: str, runner: str) -> platform.JobRecord:
        return platform.JobRecord(
            job_id,
            "account.run",
            "office",
            runner,
            "running",
            0.3,
            "running",
            "运行中",
            None,
            now,
            now,
            [],
        )

    platform.save_job(engine, record("dead", f"{here}:{dead_pid}"))
    platform.save_job(engine, record("elsewhere", "another-host:1"))
    platform.save_job(engine, record("alive", platform.job_runner()))
    JobManager(engine).shutdown()  # a server starting on this database
    dead = platform.load_job(engine, "dead")
    assert dead is not None and dead.state == "failed" and "interrupted" in dead.message_en
    assert dead.message_zh == platform.INTERRUPTED_ZH
    for job_id in ("elsewhere", "alive"):
        job = platform.load_job(engine, job_id)
        assert job is not None and job.state == "running"


def test_wait_returns_only_once_the_final_state_is_stored(
    web_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the final save is held until the test releases it: wait() must not return before,
    # however fast or slow the machine (the race a loaded machine showed)
    jobs: JobManager = web_app.state.jobs
    saving, release = threading.Event(), threading.Event()
    real = jobs._save_quietly

    def held(job: Any) -> None:
        saving.set()
        release.wait(60)
        real(job)

    monkeypatch.setattr(jobs, "_save_quietly", held)
    job = jobs.submit("account.run", "office", _work)
    assert saving.wait(60)  # done in memory, its final state not stored yet
    assert jobs.get(job.id).state == "done"  # type: ignore[union-attr]
    with pytest.raises(TimeoutError, match="still running"):
        jobs.wait(job.id, timeout=0.2)
    release.set()
    assert jobs.wait(job.id).state == "done"
    stored = platform.load_job(web_app.state.engine, job.id)
    assert stored is not None and stored.state == "done" and stored.account_id == 42
