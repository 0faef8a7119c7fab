"""The land-use scenario page in a real browser (Debian's Chromium through Playwright): the
office runs a Markov scenario with a pasted restricted zone and sees the job finish, the
change table by class, the validation, the map and the ΔGEP tables by service and by
county; the province viewer sees the scenario in the list and its result (ΔGEP included)
but no run form, and compares it with a second scenario, ΔGEP side by side. Screenshots in out/test-artifacts/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright
from test_browser_workflow import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Session, require_chromium

ZONE = json.dumps(
    {
        "type": "Feature",
        "properties": {"name": "赣江新区限制区"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[115.7, 28.5], [116.1, 28.5], [116.1, 28.9], [115.7, 28.9], [115.7, 28.5]]
            ],
        },
    },
    ensure_ascii=False,
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_office_runs_a_scenario_and_a_viewer_reads_it(browser: Browser, live_server: str) -> None:
    office = Session(browser, live_server, "office")
    assert "landuse" in office.nav()
    page = office.open("landuse")
    expect(page.locator("h1")).to_have_text("土地利用情景模拟", timeout=TIMEOUT_MS)
    page.fill("#landuse-name", "趋势情景")
    page.fill("#landuse-zones", ZONE)
    page.click("#landuse-submit")
    expect(page.locator("#landuse-progress-text")).to_have_attribute(
        "data-state", "done", timeout=120_000
    )
    classes = page.locator("#landuse-classes")
    expect(classes).to_contain_text("森林", timeout=TIMEOUT_MS)
    expect(classes.locator("tbody tr")).to_have_count(8)
    expect(page.locator("#landuse-result")).to_contain_text("赣江新区限制区")
    expect(page.locator("#landuse-validation")).to_contain_text("品质因数")
    expect(page.locator("#landuse-gep-note")).to_contain_text("最近邻")
    expect(page.locator("#landuse-gep-total")).to_contain_text("亿元")
    services = page.locator("#landuse-gep-services")
    expect(services).to_contain_text("水源涵养")
    expect(services.locator("thead")).to_contain_text("变化（万元）")
    expect(page.locator("#landuse-gep-counties tbody tr").first).to_be_visible()
    page.wait_for_function("() => document.querySelector('#landuse-map').naturalWidth > 0")
    expect(page.locator("#landuse-scenarios a.landuse-open")).to_have_count(1)
    office.shot("landuse-office")
    office.close()

    viewer = Session(browser, live_server, "jiangxi")
    assert "landuse" in viewer.nav()
    page = viewer.open("landuse")
    expect(page.locator("h1")).to_have_text("土地利用情景模拟", timeout=TIMEOUT_MS)
    link = page.locator("#landuse-scenarios a.landuse-open")
    expect(link).to_have_text("趋势情景", timeout=TIMEOUT_MS)
    expect(page.locator("#landuse-submit")).to_have_count(0)
    expect(page.locator("#landuse-form")).to_have_count(0)
    link.click()
    expect(page.locator("#landuse-classes tbody tr")).to_have_count(8, timeout=TIMEOUT_MS)
    expect(page.locator("#landuse-gep-services")).to_contain_text("水源涵养")
    expect(page.locator("#landuse-gep-total")).to_contain_text("变化")
    # the same scenario as A and B: the ΔGEP columns are equal, B − A is 0 on every row
    page.select_option("#landuse-compare-a", index=0)
    page.select_option("#landuse-compare-b", index=0)
    page.click("#landuse-compare-submit")
    compare = page.locator("#landuse-compare-gep")
    expect(compare).to_contain_text("水源涵养", timeout=TIMEOUT_MS)
    expect(compare.locator("thead")).to_contain_text("差值 B − A（万元）")
    cells = compare.locator("tbody tr td:last-child").all_inner_texts()
    assert cells and all(c == "0.00" for c in cells)
    viewer.shot("landuse-viewer")
    viewer.close()
