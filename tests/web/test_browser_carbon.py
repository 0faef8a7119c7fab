"""The carbon pages in a real browser (Debian's Chromium through Playwright, as
test_browser_workflow.py): the accounting office opens each page — inventory by category
with its bar chart, by unit with its map, dual-control progress with the warnings, sinks —
sees the numbers and the synthetic-data mark, and switches to English; the Wuyuan county
viewer sees its county only. Screenshots in out/test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from test_browser_workflow import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Session, require_chromium

NUMBER = re.compile(r"^-?[\d,]+\.\d+$")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _numbers(s: Session, selector: str) -> list[str]:
    cells = s.page.locator(f"{selector} td.num").all_inner_texts()
    return [c for c in cells if NUMBER.match(c.strip())]


def test_office_reads_every_carbon_page(browser: Browser, live_server: str) -> None:
    s = Session(browser, live_server, "office")
    assert "carbon" in s.nav()
    page = s.open("carbon")
    expect(page.locator("h1")).to_have_text("温室气体清单与碳排放双控", timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-synthetic")).to_contain_text("合成数据", timeout=TIMEOUT_MS)
    # by category: the province's categories, its totals and the bar chart
    table = page.locator("#carbon-categories-table")
    expect(table.locator("tbody tr").first).to_be_visible(timeout=TIMEOUT_MS)
    assert len(_numbers(s, "#carbon-categories-table")) >= 5
    expect(page.locator("#carbon-totals")).to_contain_text("生产侧排放总量", timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-bars canvas")).to_have_count(1, timeout=TIMEOUT_MS)
    s.shot("carbon-categories")
    # by unit: the cities, on a table and a map
    page.click("#carbon-tabs a[data-tab=units]")
    expect(page.locator("#carbon-units-table tbody tr")).to_have_count(
        1, timeout=TIMEOUT_MS
    )  # the province
    page.select_option("#carbon-level", "city")
    expect(page.locator("#carbon-units-table tbody tr")).to_have_count(11, timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-units-table")).to_contain_text("南昌市", timeout=TIMEOUT_MS)
    expect(page.locator(".map-card canvas")).to_have_count(1, timeout=TIMEOUT_MS)
    assert len(_numbers(s, "#carbon-units-table")) >= 22
    s.shot("carbon-units")
    # dual-control progress: statuses coloured, the demo targets marked, the warnings
    page.click("#carbon-tabs a[data-tab=progress]")
    rows = page.locator("#carbon-progress-table tbody tr")
    expect(rows.first).to_be_visible(timeout=TIMEOUT_MS)
    assert rows.count() >= 22
    expect(page.locator("#carbon-demo-targets")).to_contain_text("合成数据", timeout=TIMEOUT_MS)
    statuses = set(
        page.locator("#carbon-progress-table [data-status]").evaluate_all(
            "xs => xs.map(x => x.dataset.status)"
        )
    )
    assert statuses and statuses <= {"on_track", "behind", "met", "missed"}
    expect(page.locator("#carbon-warnings li").first).to_be_visible(timeout=TIMEOUT_MS)
    s.shot("carbon-progress")
    # sinks: the 3.B rows (the demo's synthetic forest inventories), removals negative
    page.click("#carbon-tabs a[data-tab=sinks]")
    expect(page.locator("#carbon-sinks-note")).to_contain_text("吸收", timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-sinks-table")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-sinks-table")).to_contain_text("3.B.1.a", timeout=TIMEOUT_MS)
    s.shot("carbon-sinks")
    # English
    page.click("#carbon-tabs a[data-tab=categories]")
    expect(page.locator("#carbon-categories-table")).to_be_visible(timeout=TIMEOUT_MS)
    page.select_option("#lang", "en")
    expect(page.locator("h1")).to_have_text(
        "Greenhouse-gas inventories and dual control", timeout=TIMEOUT_MS
    )
    expect(page.locator("#carbon-synthetic")).to_contain_text("Synthetic data", timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-totals")).to_contain_text(
        "Production-based total", timeout=TIMEOUT_MS
    )
    assert len(_numbers(s, "#carbon-categories-table")) >= 5
    page.click("#carbon-tabs a[data-tab=progress]")
    expect(page.locator("#carbon-progress-table")).to_contain_text("Nanchang", timeout=TIMEOUT_MS)
    s.shot("carbon-progress-en")
    s.close()


def test_county_viewer_sees_its_county_only(browser: Browser, live_server: str) -> None:
    s = Session(browser, live_server, "wuyuan")
    page = s.open("carbon")
    expect(page.locator("#carbon-synthetic")).to_contain_text("合成数据", timeout=TIMEOUT_MS)
    # by category: its own county, no other unit to choose
    expect(page.locator("#carbon-unit option")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-unit option")).to_have_text("婺源县", timeout=TIMEOUT_MS)
    assert len(_numbers(s, "#carbon-categories-table")) >= 5
    page.click("#carbon-tabs a[data-tab=units]")
    expect(page.locator("#carbon-units-table tbody tr")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator("#carbon-units-table")).to_contain_text("婺源县", timeout=TIMEOUT_MS)
    # its city and the province are not shown
    page.select_option("#carbon-level", "city")
    expect(page.locator("#carbon-units-table td.empty")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#view")).not_to_contain_text("上饶市", timeout=TIMEOUT_MS)
    page.click("#carbon-tabs a[data-tab=progress]")
    expect(page.locator("#view .msg-info").last).to_contain_text("双控目标", timeout=TIMEOUT_MS)
    expect(page.locator("#view")).not_to_contain_text("南昌市", timeout=TIMEOUT_MS)
    s.shot("carbon-wuyuan")
    s.close()
