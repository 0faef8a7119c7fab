"""The carbon-inclusive page in a real browser (Debian's Chromium through Playwright): on
a registry holding the SYNTHETIC demonstration and one new claim, the reviewer approves the
claim, the office issues it, and the public ledger shows its serials; a viewer sees the
methodologies, the ledger and the sink projects' card (none on the demo platform, whose
accounts have no value rasters to measure a sink from) but no claims. Screenshot in
out/test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect, sync_playwright
from test_browser_workflow import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Session, require_chromium

from ganpo.carbon import inclusive as ci
from ganpo.carbon.inclusive_demo import run_demo


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_review_issue_and_the_public_ledger(
    browser: Browser, web_app: FastAPI, live_server: str
) -> None:
    engine = web_app.state.engine
    demo = run_demo(engine)
    m = ci.methodology("PV")
    ci.submit_claim(
        engine, m, participant_id=demo.participants["household"], asset_id="meter-new",
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31), quantity=100.0,
        evidence_items=[ci.evidence(e.item, e.item, b"x") for e in m.evidence],
        submitted_by="forestry",
    )  # fmt: skip

    reviewer = Session(browser, live_server, "reviewer")
    assert "inclusive" in reviewer.nav()
    page = reviewer.open("inclusive")
    expect(page.locator("h1")).to_have_text("碳普惠登记簿", timeout=TIMEOUT_MS)
    expect(page.locator("#inclusive-methodologies")).to_contain_text("合成数据")
    claims = page.locator("#inclusive-submissions")
    expect(claims).to_contain_text("meter-new")
    claims.locator(".inclusive-reason").fill("结算单与电表一致")
    claims.locator(".inclusive-approve").click()
    expect(claims).to_contain_text("已通过，待签发")
    expect(claims.locator(".inclusive-issue")).to_have_count(0)  # a reviewer does not issue
    reviewer.close()

    office = Session(browser, live_server, "office")
    page = office.open("inclusive")
    page.locator("#inclusive-submissions .inclusive-issue").click()
    # 100 kWh × 0.5366 = 53.66 → 53 credits, after the demo's 122 178
    ledger = page.locator("#inclusive-ledger")
    expect(ledger).to_contain_text("CI-PV-V1-2025-360103-000000122179–000000122231")
    expect(page.locator("#inclusive-totals")).to_contain_text("122,231")
    expect(page.locator("#inclusive-submissions table")).to_have_attribute("data-count", "0")
    office.shot("inclusive-office")
    office.close()

    viewer = Session(browser, live_server, "jiangxi")
    page = viewer.open("inclusive")
    expect(page.locator("#inclusive-ledger")).to_contain_text("注销")
    expect(page.locator("#inclusive-sinks")).to_contain_text("尚无碳汇项目")
    expect(page.locator("#inclusive-submissions")).to_have_count(0)
    viewer.close()
