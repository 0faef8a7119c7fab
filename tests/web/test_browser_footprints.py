"""The product carbon footprint page in a real browser (Debian's Chromium through
Playwright): a county viewer opens ``#/footprints``, sees the three SYNTHETIC studies,
picks the navel oranges and reads the footprint the API gives (by stage and by process,
with the Monte Carlo interval and the charts drawn), with the four downloads; the PACT
download carries the figure; in English the labels follow. Screenshot in
out/test-artifacts/screenshots/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect, sync_playwright
from test_browser_workflow import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Session, require_chromium

from ganpo.footprint.lca import footprint
from ganpo.footprint.model import read_product_system
from ganpo.footprint.studies import PLATFORM_DRAWS, PLATFORM_SEED, study_path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_a_viewer_reads_a_footprint(browser: Browser, web_app: FastAPI, live_server: str) -> None:
    r = footprint(
        read_product_system(study_path("navel-orange")), draws=PLATFORM_DRAWS, seed=PLATFORM_SEED
    )
    assert r.monte_carlo is not None
    viewer = Session(browser, live_server, "wuyuan")
    assert "footprints" in viewer.nav()
    page = viewer.open("footprints")
    expect(page.locator("h1")).to_have_text("产品碳足迹", timeout=TIMEOUT_MS)
    studies = page.locator("#footprint-list")
    expect(studies.locator("tbody tr")).to_have_count(3)
    expect(studies).to_contain_text("合成数据")
    expect(page.locator("#footprint-summary h2")).to_contain_text("铜", timeout=TIMEOUT_MS)

    studies.locator('a[data-study="navel-orange"]').click()
    summary = page.locator("#footprint-summary")
    expect(summary.locator("h2")).to_contain_text("脐橙", timeout=TIMEOUT_MS)
    expect(page.locator("#footprint-total")).to_contain_text(f"{r.total_kg:,.2f}")
    expect(page.locator("#footprint-interval")).to_contain_text(
        f"{r.monte_carlo['p2_5_kg']:,.2f} – {r.monte_carlo['p97_5_kg']:,.2f}"
    )
    expect(page.locator("#footprint-biogenic")).to_contain_text("生物源")
    expect(page.locator("#footprint-stages")).to_contain_text("原材料获取")
    expect(page.locator("#footprint-processes tbody tr")).to_have_count(len(r.by_process))
    expect(page.locator("#footprint-stage-chart canvas")).to_have_count(1)
    expect(page.locator("#footprint-process-chart canvas")).to_have_count(1)
    downloads = page.locator("#footprint-downloads a")
    expect(downloads).to_have_count(4)
    with page.expect_download() as got:
        page.locator('a[data-download="pact"]').click()
    pact = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert float(pact["pcf"]["pCfExcludingBiogenic"]) == pytest.approx(r.total_kg / 1000, abs=1e-6)
    viewer.shot("footprints-viewer")
    viewer.close()

    english = Session(browser, live_server, "wuyuan", lang="en")
    page = english.open("footprints?study=rare-earth-oxide")
    expect(page.locator("h1")).to_have_text("Product carbon footprints", timeout=TIMEOUT_MS)
    expect(page.locator("#footprint-summary")).to_contain_text("SYNTHETIC", timeout=TIMEOUT_MS)
    expect(page.locator("#footprint-stages")).to_contain_text("raw material acquisition")
    english.close()


def test_the_office_computes_an_uploaded_study(
    browser: Browser, web_app: FastAPI, live_server: str, tmp_path: Path
) -> None:
    source = study_path("copper-cathode")
    r = footprint(read_product_system(source))
    good = tmp_path / "smelter.toml"
    good.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "typo.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace('"kWh"', '"kW"', 1), encoding="utf-8")
    viewer = Session(browser, live_server, "wuyuan")
    expect(viewer.open("footprints").locator("#footprint-list")).to_be_visible()
    expect(viewer.page.locator("#footprint-upload")).to_have_count(0)  # viewers do not upload
    viewer.close()

    office = Session(browser, live_server, "office")
    page = office.open("footprints")
    expect(page.locator("#footprint-summary h2")).to_contain_text("铜", timeout=TIMEOUT_MS)
    page.set_input_files("#footprint-file", str(bad))
    page.click("#footprint-upload")
    note = page.locator("#footprint-upload-message")
    expect(note).to_contain_text("'kW'", timeout=TIMEOUT_MS)
    expect(note).to_contain_text("typo.toml")
    page.set_input_files("#footprint-file", str(good))
    page.click("#footprint-upload")
    expect(note).to_contain_text("文件未保存", timeout=TIMEOUT_MS)
    expect(page.locator("#footprint-summary h2")).to_contain_text("smelter.toml")
    expect(page.locator("#footprint-total")).to_contain_text(f"{r.total_kg:,.2f}")
    expect(page.locator("#footprint-downloads")).to_have_count(0)
    office.close()
