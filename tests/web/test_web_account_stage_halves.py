"""An account run by the platform tells its job every stage message in two halves, English
and Chinese (decision 0101): the Chinese page shows the stage lines in Chinese, not the
English line twice, and no line names a file by its path (a job's message is an API
response)."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.store.repository import load_account
from ganpo.web import jobs

#: a Chinese character
HAN = re.compile(r"[\u4e00-\u9fff]")
#: a file named by a path ("2022/bio.csv", "derived/x.tif")
FILE_PATH = re.compile(r"[\w.-]+/[\w./-]*\.[A-Za-z][A-Za-z0-9]{1,4}\b")


def test_every_stage_message_reaches_the_job_in_two_halves(
    client_as: Callable[[str], TestClient],
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ganpo.web.routes import accounts

    told: list[tuple[str, str]] = []
    tell = jobs.Job.tell

    def spy(self: jobs.Job, en: str, zh: str) -> None:
        told.append((en, zh))
        tell(self, en, zh)

    monkeypatch.setattr(jobs.Job, "tell", spy)
    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=demo_platform.manifest, submissions=[]),
    )
    monkeypatch.setattr(accounts, "record_account_submissions", lambda *a: None)
    office = client_as("office")
    r = office.post("/api/accounts/run", json={"year": 2023})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    web_app.state.jobs.wait(job_id, timeout=180)
    got = office.get(f"/api/jobs/{job_id}").json()
    assert got["state"] == "done", got
    # every line the account said (its run log, English) reached the job, with its Chinese
    stored = load_account(web_app.state.engine, got["account_id"]).account
    lines = [line.split(" ", 1)[1] for line in stored.log]
    assert len(lines) > 5
    halves = dict(told)
    assert set(lines) <= set(halves), set(lines) - set(halves)
    for en in lines:
        zh = halves[en]
        assert HAN.search(zh) and zh != en, (en, zh)
    for en, zh in told:  # the job's own messages too; none names a file by its path
        assert HAN.search(zh) and zh != en, (en, zh)
        for half in (en, zh):
            assert not FILE_PATH.search(half), half
            assert str(demo_platform.manifest.parent) not in half, half
    # the job's log keeps each message whole, "English / 中文"
    job = web_app.state.jobs.get(job_id)
    assert job is not None
    for en in lines:
        assert f"{en} / {halves[en]}" in job.log, en
