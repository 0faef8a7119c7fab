"""A refusal in the page's language (Debian's Chromium through Playwright): the office
uploads a product system whose unit does not convert; on a Chinese page the message shown
is the refusal's Chinese half only, on an English page its English half only (the API
answers both, ``detail_zh`` and ``detail_en``, beside the whole ``detail``); so does the
message of an account run that failed."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect
from test_browser_workflow import TIMEOUT_MS, Session, browser

from ganpo.footprint.studies import study_path

__all__ = ["browser"]  # the module's Chromium fixture, shared

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_upload_speaks_the_page_language(
    browser: Browser, web_app: FastAPI, live_server: str, tmp_path: Path, lang: str
) -> None:
    bad = tmp_path / "typo.toml"
    text = study_path("copper-cathode").read_text(encoding="utf-8")
    bad.write_text(text.replace('"kWh"', '"kW"', 1), encoding="utf-8")
    office = Session(browser, live_server, "office", lang=lang)
    page = office.open("footprints")
    expect(page.locator("#footprint-file")).to_be_visible(timeout=TIMEOUT_MS)
    page.set_input_files("#footprint-file", str(bad))
    with page.expect_response(lambda r: "/api/footprints/compute" in r.url) as answered:
        page.click("#footprint-upload")
    body: dict[str, Any] = answered.value.json()
    assert answered.value.status == 422
    en, zh = body["detail_en"], body["detail_zh"]
    note = page.locator("#footprint-upload-message")
    expect(note).to_contain_text("'kW'", timeout=TIMEOUT_MS)
    shown = note.inner_text().strip()
    assert "typo.toml" in shown
    if lang == "zh":
        assert shown == zh, shown
        assert CJK.search(shown) and "cannot be converted" not in shown
    else:
        assert shown == en, shown
        assert not CJK.search(shown) and " / " not in shown
    assert body["detail"] not in shown  # never both halves
    office.shot(f"refusal-{lang}")
    office.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_failed_run_speaks_the_page_language(
    browser: Browser,
    web_app: FastAPI,
    live_server: str,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    from ganpo.web.routes import accounts

    # approved data for 2031 that the demo dataset has no year of: the job fails
    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=demo_platform.manifest, submissions=[]),
    )
    office = Session(browser, live_server, "office", lang=lang)
    page = office.open("accounts")
    page.fill("#run-year", "2031")
    with page.expect_response(lambda r: r.url.endswith("/api/accounts/run")) as started:
        page.click("#run-submit")
    job_id = started.value.json()["job_id"]
    web_app.state.jobs.wait(job_id, timeout=180)
    status = page.locator("#run-status .msg-error")
    expect(status).to_be_visible(timeout=TIMEOUT_MS)
    job: dict[str, Any] = page.evaluate(
        "async (id) => (await fetch(`/api/jobs/${id}`)).json()", job_id
    )
    assert job["state"] == "failed" and job["message_en"] != job["message_zh"], job
    shown = status.inner_text().strip()
    assert shown == (job["message_zh"] if lang == "zh" else job["message_en"]), shown
    assert job["message"] not in shown  # never both halves
    office.close()
