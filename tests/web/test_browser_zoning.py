"""The zoning page in a real browser (Debian's Chromium through Playwright): the office
checks the example site (a chemical plant in 婺源县's synthetic priority protection unit)
and sees the verdict, the unit, the clauses, the map and the opinion link, and the check in
the list. Screenshot in out/test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from test_browser_workflow import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Session, require_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_office_checks_a_site(browser: Browser, live_server: str) -> None:
    office = Session(browser, live_server, "office")
    assert "zoning" in office.nav()
    page = office.open("zoning")
    expect(page.locator("h1")).to_have_text("生态环境分区管控选址核查", timeout=TIMEOUT_MS)
    page.fill("#zoning-industry", "C2611")
    page.click("#zoning-check")
    verdict = page.locator("#zoning-verdict")
    expect(verdict).to_have_attribute("data-verdict", "prohibited", timeout=TIMEOUT_MS)
    expect(verdict).to_contain_text("禁止")
    expect(page.locator("#zoning-units")).to_contain_text("ZH36113010001")
    expect(page.locator("#zoning-units")).to_contain_text("优先保护单元")
    expect(page.locator("#zoning-clauses")).to_contain_text("P-SL-01")
    expect(page.locator("#zoning-result .tag")).to_contain_text("合成数据")
    img = page.locator("img.zoning-map")
    expect(img).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_function("() => document.querySelector('img.zoning-map').naturalWidth > 0")
    expect(page.locator("#zoning-checks a.zoning-opinion")).to_have_count(1)
    with page.expect_download() as info:
        page.locator("#zoning-result a.zoning-opinion").click()
    assert info.value.suggested_filename.startswith("zoning_opinion_")
    office.shot("zoning-office")
    office.close()
