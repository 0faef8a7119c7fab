"""The platform in a real browser: Playwright drives Debian's Chromium against a live
uvicorn server (fixture ``live_server`` of tests/web/conftest.py) on the demo data.

- a reporter downloads the template, uploads a table with errors, sees every problem,
  fixes it, explains the one value flagged as a large change since last year and submits;
  a reviewer sees the explanation and returns it with a comment, the reporter
  re-uploads, the reviewer approves; the office adopts base data for the unreported forms, runs the
  account, watches its progress and opens the result; the administrator reads the audit;
- a county viewer sees only its county on the map, with the pages of its role only.

Screenshots are kept in out/test-artifacts/screenshots/ (``GANPO_ARTIFACTS`` to move it).
Without /usr/bin/chromium the tests skip, or fail under ``GANPO_REQUIRE_BROWSER=1``
(``make unit``); install it with ``GANPO_NEED_BROWSER=1 bash scripts/system-deps.sh``.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path(os.environ.get("GANPO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("GANPO_ARTIFACTS", ROOT / "out" / "test-artifacts")) / "screenshots"
YEAR = 2023  # a year of the demo dataset (base data exist for the forms nobody reports)
WUYUAN = 361130
TIMEOUT_MS = 20_000
RUN_TIMEOUT_MS = 180_000


def require_chromium(path: Path) -> None:
    """Skip without Debian's Chromium, or fail under ``GANPO_REQUIRE_BROWSER=1``."""
    if path.exists():
        return
    why = (
        f"Debian's Chromium is missing ({path}); install it as root with "
        "`GANPO_NEED_BROWSER=1 bash scripts/system-deps.sh` (apt-get install -y chromium)"
    )
    if os.environ.get("GANPO_REQUIRE_BROWSER") == "1":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    require_chromium(CHROMIUM)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Session:
    """One user's browser context with the JavaScript errors it raised."""

    def __init__(self, browser: Browser, base: str, username: str, lang: str = "zh") -> None:
        self.base, self.username = base, username
        self.context: BrowserContext = browser.new_context(
            viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="zh-CN"
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"{exc}\n{exc.stack}"))
        self.page.goto(f"{base}/")
        self.page.evaluate(f"localStorage.setItem('ganpo.lang', '{lang}')")
        self.page.reload()
        self.page.fill("#username", username)
        self.page.fill("#password", f"{username}-demo")
        self.page.click("#login-submit")
        expect(self.page.locator(".who .user")).to_have_text(username)

    def open(self, hash_path: str) -> Page:
        self.page.goto(f"{self.base}/#/{hash_path}")
        return self.page

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def nav(self) -> list[str]:
        return [
            str(x)
            for x in self.page.locator("#nav a").evaluate_all("a => a.map(x => x.dataset.page)")
        ]

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"JavaScript errors for {self.username}: {self.errors}"


def fill_template(
    template: Path, out: Path, bad: bool, last_year: dict[int, tuple[float, float]]
) -> tuple[int, int]:
    """Fill the downloaded forestry template with last year's areas grown by 5 %, but
    Wuyuan's forest area five times last year's (a large change, flagged for an
    explanation); with ``bad`` put text in one cell and a negative area in another.
    Returns the sheet rows of the two bad cells."""
    wb = openpyxl.load_workbook(template)
    ws = wb.worksheets[0]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "county_adcode")
    cols = {ws.cell(header, c).value: c for c in range(1, ws.max_column + 1)}
    first = next(r for r in range(header + 1, header + 10) if isinstance(ws.cell(r, 1).value, int))
    rows = [r for r in range(first, ws.max_row + 1) if ws.cell(r, 1).value is not None]
    for r in rows:
        forest, grassland = last_year[int(ws.cell(r, 1).value)]
        growth = 5.0 if ws.cell(r, 1).value == WUYUAN else 1.05
        ws.cell(r, cols["forest_self_recovery_area"]).value = round(forest * growth, 2)
        ws.cell(r, cols["grassland_self_recovery_area"]).value = round(grassland * 1.05, 2)
    text_row, negative_row = rows[2], rows[7]
    if bad:
        ws.cell(text_row, cols["forest_self_recovery_area"]).value = "很多"
        ws.cell(negative_row, cols["grassland_self_recovery_area"]).value = -5
    wb.save(out)
    return text_row, negative_row


def upload(page: Page, form: str, path: Path) -> None:
    card = page.locator(f'article.form-card[data-form="{form}"]')
    card.locator('input[type="file"]').set_input_files(str(path))
    card.locator("button.upload").click()


def forestry_of(data_dir: Path, year: int) -> dict[int, tuple[float, float]]:
    """The base dataset's forestry table of ``year``: county → (forest, grassland) hm²."""
    from ganpo.io.manifest import load_manifest

    ds = load_manifest(data_dir)
    entry = ds.manifest.table("forestry", year)
    assert entry is not None
    with ds.path(entry).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {
        int(r["county_adcode"]): (
            float(r["forest_self_recovery_area"]),
            float(r["grassland_self_recovery_area"]),
        )
        for r in rows
    }


def test_report_review_run_and_audit(
    browser: Browser, live_server: str, tmp_path: Path, demo_platform: Any
) -> None:
    # ---- the forestry reporter: template, a table with errors, every problem shown
    rep = Session(browser, live_server, "forestry")
    assert rep.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "reporting",
    ]
    page = rep.open(f"reporting?year={YEAR}")
    card = page.locator('article.form-card[data-form="forestry"]')
    expect(card).to_have_attribute("data-state", "none")
    with page.expect_download() as download:
        card.locator("a.template-xlsx").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert download.value.suggested_filename == f"forestry_{YEAR}.xlsx"
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    last_year = forestry_of(demo_platform.data_dir, YEAR - 1)
    text_row, negative_row = fill_template(template, bad, True, last_year)
    fill_template(template, good, False, last_year)

    upload(page, "forestry", bad)
    problems = card.locator("table.problems")
    expect(problems).to_be_visible()
    body = problems.locator("tbody").inner_text()
    assert "很多" in body and "-5" in body, body
    rows = problems.locator("tbody tr")
    assert rows.count() >= 2
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert any(c[0] == str(text_row) and "forest_self_recovery_area" in c[1] for c in cells), cells
    assert any(c[0] == str(negative_row) and "grassland" in c[1] for c in cells), cells
    assert all(c[4].strip() for c in cells), "every problem has a reason"
    expect(card).to_have_attribute("data-state", "none")  # nothing stored
    rep.shot("01-reporter-upload-problems")

    upload(page, "forestry", good)
    expect(card).to_have_attribute("data-state", "draft")
    expect(card.locator(".msg-ok").first).to_be_visible()
    # Wuyuan's forest area, five times last year's, needs an explanation first
    flags = card.locator("table.flags")
    expect(flags).to_have_attribute("data-flags", "1")
    expect(flags.locator("tbody")).to_contain_text(str(WUYUAN))
    expect(card.locator(".flags-box")).to_have_attribute("data-missing", "1")
    card.locator("button.submit").click()
    expect(card.locator(".msg-error")).to_contain_text("需先填写说明")
    expect(card).to_have_attribute("data-state", "draft")
    rep.shot("02a-reporter-flags")
    why = "病虫害暴发，已核实 / an outbreak, checked on site"
    card.locator("textarea.flag-explanation").fill(why)
    card.locator("button.save-explanations").click()
    expect(card.locator(".flags-box")).to_have_attribute("data-missing", "0")
    card.locator("button.submit").click()
    expect(card).to_have_attribute("data-state", "submitted")
    rep.shot("02-reporter-submitted")

    # ---- the reviewer returns it with a comment
    rev = Session(browser, live_server, "reviewer")
    assert rev.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "review",
    ]
    rpage = rev.open(f"review?year={YEAR}")
    item = rpage.locator('article.review-item[data-form="forestry"]')
    expect(item).to_have_attribute("data-state", "submitted")
    expect(item.locator("table.flags .explanation")).to_contain_text(why)  # seen in review
    item.locator("button.return").click()  # without a comment: refused in the page
    expect(item.locator(".msg-error")).to_be_visible()
    comment = "请核对婺源县森林面积 / check Wuyuan's forest area"
    item.locator("textarea").fill(comment)
    item.locator("button.return").click()
    expect(item).to_have_count(0)  # no longer among the submitted ones
    rev.shot("03-reviewer-returned")

    # ---- the reporter sees the comment, uploads again and submits
    page.reload()
    expect(card).to_have_attribute("data-state", "returned")
    expect(card.locator('[data-comment="returned"]')).to_contain_text(comment)
    upload(page, "forestry", good)
    expect(card).to_have_attribute("data-state", "draft")
    card.locator("textarea.flag-explanation").fill(why)  # a new version: explained anew
    card.locator("button.save-explanations").click()
    expect(card.locator(".flags-box")).to_have_attribute("data-missing", "0")
    card.locator("button.submit").click()
    expect(card).to_have_attribute("data-state", "submitted")

    # ---- the reviewer approves
    rpage.reload()
    expect(item).to_have_attribute("data-state", "submitted")
    item.locator("button.approve").click()
    expect(item).to_have_count(0)
    rpage.select_option("#review-state", "approved")
    rpage.click("#review-load")
    expect(item).to_have_attribute("data-state", "approved")
    rev.shot("04-reviewer-approved")
    rev.close()

    page.reload()
    expect(card).to_have_attribute("data-state", "approved")
    expect(card.locator("button.upload")).to_be_disabled()
    rep.close()

    # ---- the office: base data for the unreported forms, then the account with progress
    office = Session(browser, live_server, "office")
    assert office.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "review",
    ]
    # a run before the forms are approved is refused, naming them, with a way to fix it
    opage = office.open("accounts")
    expect(opage.locator("#run-year")).to_have_value(str(YEAR))  # the newest base year
    opage.click("#run-submit")
    expect(opage.locator("#run-to-review")).to_be_visible()
    expect(opage.locator(".msg-error").first).to_contain_text("无法运行")
    opage.click("#run-to-review")
    expect(opage.locator("#readiness-table")).to_be_visible()
    assert opage.locator("#review-year").input_value() == str(YEAR)
    opage.click("#adopt-base")
    expect(opage.locator("#readiness .msg-ok").first).to_contain_text("已通过")
    office.shot("05-office-readiness")

    opage = office.open("accounts")
    expect(opage.locator("#accounts-table")).to_be_visible()
    before = opage.locator("#accounts-table tbody tr").count()
    assert before >= 2  # the demo accounts 2022 and 2023
    opage.fill("#run-year", str(YEAR))
    opage.click("#run-submit")
    expect(opage.locator("#run-progress")).to_be_visible()
    status = opage.locator("#run-status")
    expect(status).to_have_attribute("data-state", re.compile(r"queued|running|done"))
    seen = {status.get_attribute("data-state")}
    office.shot("06-office-run-progress")
    opage.wait_for_function(
        "() => ['done', 'failed'].includes(document.querySelector('#run-status').dataset.state)",
        timeout=RUN_TIMEOUT_MS,
        polling=100,
    )
    assert status.get_attribute("data-state") == "done", status.inner_text()
    assert seen & {"queued", "running", "done"}
    assert float(opage.locator("#run-progress").evaluate("p => p.value")) == 1.0
    expect(opage.locator("#accounts-table tbody tr")).to_have_count(before + 1)
    office.shot("07-office-run-done")
    # downloads of the new account (Excel export) and a comparison with 2022
    new_row = opage.locator("#accounts-table tbody tr").first
    with opage.expect_download() as export:
        new_row.locator('a[data-download="xlsx"]').click()
    assert export.value.suggested_filename.endswith(".xlsx")
    export.value.save_as(tmp_path / "export.xlsx")
    assert openpyxl.load_workbook(tmp_path / "export.xlsx").sheetnames
    first_year = opage.locator("#compare-a option").filter(has_text="2022").first
    opage.select_option("#compare-a", first_year.get_attribute("value"))
    opage.click("#compare-submit")
    expect(opage.locator("#compare-total")).to_be_visible()
    assert opage.locator("#compare-result table").first.locator("tbody tr").count() > 5
    office.shot("07b-office-compare")
    opage.click("#run-result")
    account_id = opage.url.split("account=")[1].split("&")[0]
    expect(opage.locator("#gep-map")).to_have_attribute("data-ready", "1")
    assert opage.locator("#map-account").input_value() == account_id
    units = opage.locator("#gep-map").get_attribute("data-units") or ""
    assert len(units.split(",")) == 11  # the 11 cities of Jiangxi
    expect(opage.locator("#unit-gep")).not_to_have_text("—")
    office.shot("08-office-result-map")

    # drill-down: a click on Ganzhou city shows its counties, the first crumb goes back
    the_map = opage.locator("#gep-map")
    x, y = opage.evaluate(
        """async () => {
          const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
          const el = document.querySelector('#gep-map');
          const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, GANZHOU);
          const box = el.getBoundingClientRect();
          return [box.left + px, box.top + py];
        }""".replace("GANZHOU", "[115.0, 25.8]")
    )
    opage.mouse.click(x, y)
    expect(the_map).to_have_attribute("data-parent", "360700")
    expect(the_map).to_have_attribute("data-level", "county")
    ganzhou = (the_map.get_attribute("data-units") or "").split(",")
    assert 10 <= len(ganzhou) <= 20 and all(c.startswith("3607") for c in ganzhou), ganzhou
    expect(opage.locator("#unit-name")).to_have_text("赣州市")
    office.shot("08b-office-drill-down-ganzhou")
    opage.locator("#map-crumbs a").first.click()
    expect(the_map).to_have_attribute("data-level", "city")
    opage.click("#map-all-counties")
    expect(the_map).to_have_attribute("data-level", "county")
    assert len((the_map.get_attribute("data-units") or "").split(",")) == 100
    office.close()

    # ---- the administrator's audit log shows the workflow, with who did it
    admin = Session(browser, live_server, "admin")
    assert admin.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "review",
        "users",
        "audit",
        "audit-packs",
    ]
    upage = admin.open("users")
    upage.fill("#new-username", "ganzhou")
    upage.fill("#new-password", "ganzhou-demo")
    upage.select_option("#new-role", "viewer")
    upage.select_option("#new-region", "360700")
    upage.click('#user-create button[type="submit"]')
    expect(upage.locator("#users-table")).to_contain_text("ganzhou")
    admin.shot("09a-admin-users")
    viewer = Session(browser, live_server, "ganzhou")  # the new user logs in
    vpage = viewer.open("map")
    expect(vpage.locator("#gep-map")).to_have_attribute("data-parent", "360700")
    viewer.close()
    apage = admin.open("audit")
    table = apage.locator("#audit-table")
    expect(table).to_contain_text("reviewer")
    expect(table).to_contain_text("forestry")
    expect(table).to_contain_text("ganzhou")
    admin.shot("09-admin-audit")
    admin.close()


def test_county_viewer_sees_only_its_county(browser: Browser, live_server: str) -> None:
    viewer = Session(browser, live_server, "wuyuan")
    # no reporting, review or audit pages
    assert viewer.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
    ]
    page = viewer.open("map")
    the_map = page.locator("#gep-map")
    expect(the_map).to_have_attribute("data-ready", "1")
    assert the_map.get_attribute("data-units") == str(WUYUAN)
    assert the_map.get_attribute("data-level") == "county"
    expect(page.locator("#unit-name")).to_have_text("婺源县")
    expect(page.locator("#unit-gep")).not_to_have_text("—")
    # sediment export, reported beside the GEP and not valued (the Jiangxi profile)
    expect(page.locator("#unit-physical")).to_contain_text("输沙量")
    expect(page.locator("#unit-physical")).to_contain_text(" t")
    # what the page was given holds that county only, at every level
    counts = page.evaluate(
        """async () => {
          const out = {};
          for (const level of ['county', 'city', 'province']) {
            const r = await fetch(`/api/regions/geojson?level=${level}`);
            out[level] = (await r.json()).features.map(f => f.properties.adcode);
          }
          return out;
        }"""
    )
    assert counts == {"county": [WUYUAN], "city": [], "province": []}, counts
    # the map is drawn (a canvas with coloured pixels), not an empty box
    painted = page.locator("#gep-map canvas").first.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
    )
    assert painted > 1000
    viewer.shot("10-county-viewer-map-zh")
    # a click on the county shows its (synthetic) townships; the county crumb goes back
    x, y = page.evaluate(
        """async () => {
          const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
          const el = document.querySelector('#gep-map');
          const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [117.86, 29.25]);
          const box = el.getBoundingClientRect();
          return [box.left + px, box.top + py];
        }"""
    )
    page.mouse.click(x, y)
    expect(the_map).to_have_attribute("data-level", "township")
    expect(the_map).to_have_attribute("data-parent", str(WUYUAN))
    towns = (the_map.get_attribute("data-units") or "").split(",")
    assert len(towns) >= 5 and all(t.startswith(str(WUYUAN)) for t in towns), towns
    expect(page.locator(".map-status")).to_contain_text("乡镇")
    viewer.shot("10b-county-viewer-townships")
    page.locator("#map-crumbs a").first.click()
    expect(the_map).to_have_attribute("data-level", "county")
    # colour by one service: the options come from the account's indicators
    service = page.locator('#map-metric option[value^="ind:"]').first.get_attribute("value")
    assert service
    page.select_option("#map-metric", service)
    expect(the_map).to_have_attribute("data-metric", service)
    expect(page.locator(".map-status")).to_contain_text(
        page.locator("#map-metric option:checked").inner_text()
    )
    # the audit page is refused by the UI too, said so (and by the API: 403)
    viewer.open("audit")
    expect(page.locator('section[data-page="forbidden"]')).to_contain_text("无权访问")
    assert page.evaluate("async () => (await fetch('/api/audit')).status") == 403
    page.locator("#refused-back").click()  # back to the map
    expect(page.locator("#gep-map")).to_have_attribute("data-ready", "1")
    # English
    page.select_option("#lang", "en")
    expect(page.locator('#nav a[data-page="map"]')).to_have_text("Map & charts")
    expect(page.locator("#gep-map")).to_have_attribute("data-ready", "1")
    viewer.shot("11-county-viewer-map-en")
    # the method table of the Jiangxi profile: readable by a viewer, no standard claimed
    viewer.open("methods?profile=jiangxi-db36-2021")
    expect(page.locator("#methods-basis")).to_contain_text("DB36/T 1402-2021")
    expect(page.locator("#methods-basis")).to_contain_text("not the basis of this profile")
    expect(page.locator("#methods-rows")).to_contain_text("text unobtainable → follows")
    expect(page.locator("#methods-rows")).to_contain_text("sediment export")
    viewer.shot("11b-county-viewer-methods-en")
    viewer.close()

    # a city viewer starts at its counties (Nanchang: 3601xx), nothing else
    city = Session(browser, live_server, "nanchang")
    page = city.open("map")
    the_map = page.locator("#gep-map")
    expect(the_map).to_have_attribute("data-ready", "1")
    assert the_map.get_attribute("data-parent") == "360100"
    units = (the_map.get_attribute("data-units") or "").split(",")
    assert len(units) >= 5 and all(u.startswith("3601") for u in units), units
    expect(page.locator("#unit-name")).to_have_text("南昌市")
    city.shot("12-city-viewer-map")
    # colouring its counties by one service takes one request for all of them
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/accounts/" in r.url else None)
    service = page.locator('#map-metric option[value^="ind:"]').first.get_attribute("value")
    assert service
    page.select_option("#map-metric", service)
    expect(the_map).to_have_attribute("data-metric", service)
    by_unit = [u for u in asked if "/indicators/by-unit" in u]
    assert len(by_unit) == 1 and "level=county" in by_unit[0], asked
    assert not [u for u in asked if "/indicators?adcode=" in u], asked
    # in English the units carry their English names
    page.select_option("#lang", "en")
    expect(page.locator("#gep-map")).to_have_attribute("data-ready", "1")
    expect(page.locator("#unit-name")).to_have_text("Nanchang")
    expect(page.locator(".who .scope")).to_have_text("Nanchang")
    city.shot("13-city-viewer-map-en")
    city.close()
