"""A job keeps its message in its two halves, English and Chinese, from where they are made
to what the API answers and the store keeps (decision 0098): a half that holds " / "
itself ("t / ha", "婺源县 / 乐平市") reaches ``message_en`` and ``message_zh`` whole, where
joining the halves and splitting them again would cut the message in the wrong place."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.errors import InputError, halves
from ganpo.store import platform
from ganpo.web.jobs import JobContext, JobManager

Clients = Callable[[str], TestClient]

#: halves holding " / " that a split of the joined message cuts elsewhere (checked below)
SLASHED = [
    ("column yield: t / ha is not a unit", "列 yield：t / ha 不是单位"),
    ("yield 3 t / ha in 婺源县 / 乐平市", "婺源县 / 乐平市 单产 3 t / ha"),
]


@pytest.mark.parametrize(("en", "zh"), SLASHED)
def test_the_halves_are_ones_a_split_would_cut_wrong(en: str, zh: str) -> None:
    # the cases below test something only while the old way (join, split) gets them wrong
    assert halves(f"{en} / {zh}") != (en, zh)


@pytest.mark.parametrize(("en", "zh"), SLASHED)
def test_a_failure_with_a_slash_in_a_half_reaches_the_api_unsplit(
    web_app: FastAPI, client_as: Clients, en: str, zh: str
) -> None:
    def refused(ctx: JobContext) -> int:
        raise InputError(en=en, zh=zh, field="yield")

    jobs: JobManager = web_app.state.jobs
    job = jobs.submit("account.run", "office", refused)
    jobs.wait(job.id)
    got = client_as("office").get(f"/api/jobs/{job.id}").json()
    assert got["state"] == "failed"
    assert (got["message_en"], got["message_zh"]) == (en, zh)
    assert got["message"] == f"{en} / {zh}"  # the whole, for clients of one string
    # as stored: another server on the same database answers the same halves
    stored = platform.load_job(web_app.state.engine, job.id)
    assert stored is not None and (stored.message_en, stored.message_zh) == (en, zh)
    other = JobManager(web_app.state.engine)
    try:
        seen = other.get(job.id)
    finally:
        other.shutdown()
    assert seen is not None and (seen.message_en, seen.message_zh) == (en, zh)


def _read_while_running(
    web_app: FastAPI, client_as: Clients, kind: str, say: Callable[[JobContext], None]
) -> tuple[JobManager, str, dict[str, object]]:
    """Start a job that says its message with ``say`` and waits; the API's answer read
    while it runs (held by events, not by timing), then the job let finish."""
    said, release = threading.Event(), threading.Event()

    def work(ctx: JobContext) -> None:
        say(ctx)
        said.set()
        release.wait(60)

    jobs: JobManager = web_app.state.jobs
    job = jobs.submit(kind, "office", work)
    try:
        assert said.wait(60)
        got = client_as("office").get(f"/api/jobs/{job.id}").json()
    finally:
        release.set()
    return jobs, job.id, got


def test_a_stage_message_reaches_the_api_in_its_halves(
    web_app: FastAPI, client_as: Clients
) -> None:
    en, zh = SLASHED[1]
    jobs, job_id, got = _read_while_running(
        web_app, client_as, "landuse.scenario", lambda ctx: ctx.say(en, zh)
    )
    assert got["state"] == "running"
    assert (got["message_en"], got["message_zh"]) == (en, zh)
    done = jobs.wait(job_id)
    assert (done.message_en, done.message_zh) == ("done", "完成")
    assert done.log == [f"{en} / {zh}"]


def test_a_done_job_names_its_account_in_both_halves(web_app: FastAPI) -> None:
    jobs: JobManager = web_app.state.jobs
    done = jobs.wait(jobs.submit("account", "office", lambda ctx: 7).id)
    assert (done.message_en, done.message_zh) == ("done: account #7", "完成：核算 #7")


def test_an_english_only_stage_line_is_both_halves(web_app: FastAPI, client_as: Clients) -> None:
    # an account's stage lines are English only: no Chinese half, and no split of them
    line = "demo 2022: soil retention in t / ha"
    jobs, job_id, got = _read_while_running(
        web_app, client_as, "account.run", lambda ctx: ctx.say(line)
    )
    assert (got["message"], got["message_en"], got["message_zh"]) == (line, line, line)
    jobs.wait(job_id)


def test_a_failed_land_use_scenario_keeps_the_halves(
    web_app: FastAPI, client_as: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganpo.web.routes import landuse

    en, zh = SLASHED[0]

    def refused(*args: object) -> None:
        raise InputError(en=en, zh=zh, field="yield")

    monkeypatch.setattr(landuse, "_run", refused)
    office = client_as("office")
    r = office.post("/api/landuse/scenarios", json={"name": "失败情景", "seed": 3})
    assert r.status_code == 202, r.text
    accepted = r.json()
    job = web_app.state.jobs.wait(accepted["job_id"], timeout=120)
    assert job.state == "failed" and (job.message_en, job.message_zh) == (en, zh)
    s = office.get(f"/api/landuse/scenarios/{accepted['id']}").json()
    assert s["state"] == "failed"
    assert (s["message_en"], s["message_zh"], s["message"]) == (en, zh, f"{en} / {zh}")
