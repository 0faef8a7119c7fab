"""The decision's target progress and the departure audit packs in a real browser (Debian's
Chromium through Playwright, as test_browser_workflow.py): the office and the Nanchang
viewer read the target page (statuses coloured, sources listed, the trend chart), each
within its scope; the auditor opens the audit page, makes a pack and gets its download
link; a viewer has no audit entry in the navigation and is told it is not allowed at
#/audit-packs. Screenshots in out/test-artifacts/screenshots/."""

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


def test_office_and_a_city_viewer_read_the_target_progress(
    browser: Browser, live_server: str
) -> None:
    office = Session(browser, live_server, "office")
    assert "tracking" in office.nav() and "audit-packs" not in office.nav()
    page = office.open("tracking")
    expect(page.locator("h1")).to_have_text("生态文明建设高地决定：目标进展", timeout=TIMEOUT_MS)
    # the four pillars' clauses with targets; the published air-quality figure achieved
    expect(page.locator(".tracking-pillar")).to_have_count(3, timeout=TIMEOUT_MS)
    air = page.locator("table.tracking-table tr", has_text="空气质量优良天数比率")
    expect(air.locator("[data-status]")).to_have_text("已实现")
    expect(air.locator("[data-status]")).to_have_attribute("style", "color: #1b5e20")
    statuses = set(page.locator("[data-status]").evaluate_all("e => e.map(x => x.dataset.status)"))
    assert statuses == {"achieved", "on_track", "at_risk", "off_track"}
    expect(page.locator("#tracking-synthetic")).to_contain_text("合成数据")
    sources = page.locator("#tracking-sources li")
    expect(sources.first).to_be_visible()
    assert any("中国新闻网" in s for s in sources.all_inner_texts())
    expect(page.locator("#tracking-trend canvas")).to_have_count(1, timeout=TIMEOUT_MS)
    # a source number scrolls to the list, it does not leave the page
    page.locator("table.tracking-table .source-ref").first.click()
    expect(page.locator("h1")).to_have_text("生态文明建设高地决定：目标进展")
    assert page.url.endswith("#/tracking")
    page.select_option("#tracking-method", "linear")
    expect(page.locator("#tracking-note")).to_contain_text("线性路径法", timeout=TIMEOUT_MS)
    office.shot("tracking-office")
    office.close()

    viewer = Session(browser, live_server, "nanchang", lang="en")
    page = viewer.open("tracking?series=forest_cover:360100")
    expect(page.locator("h1")).to_have_text(
        "The ecological-civilisation decision: target progress", timeout=TIMEOUT_MS
    )
    rows = page.locator("table.tracking-table tbody tr")
    expect(rows).to_have_count(1, timeout=TIMEOUT_MS)  # Nanchang's forest cover only
    expect(rows.first).to_contain_text("Nanchang")
    expect(rows.first.locator("[data-status]")).to_have_text("on track")
    viewer.close()


def test_auditor_makes_a_pack_and_a_viewer_is_refused(browser: Browser, live_server: str) -> None:
    auditor = Session(browser, live_server, "auditor")
    assert auditor.nav() == [
        "map",
        "accounts",
        "methods",
        "carbon",
        "inclusive",
        "footprints",
        "tracking",
        "zoning",
        "landuse",
        "audit-packs",
    ]
    page = auditor.open("audit-packs")
    expect(page.locator("h1")).to_have_text("领导干部自然资源资产离任审计资料", timeout=TIMEOUT_MS)
    expect(page.locator("#packs-list")).to_contain_text("暂无记录")
    page.select_option("#pack-unit", "361130")
    page.fill("#pack-start", "2021-06-01")
    page.fill("#pack-end", "2023-12-31")
    page.select_option("#pack-format", "xlsx")
    page.click("#pack-create")
    expect(page.locator("#pack-result .msg-ok")).to_contain_text(
        "audit_361130_2021-06-01_2023-12-31_zh.xlsx", timeout=TIMEOUT_MS
    )
    # the start of tenure needs the 2020 account, which the demo does not hold
    expect(page.locator('#pack-missing li[data-item="gep_start"]')).to_contain_text("2020")
    link = page.locator("#packs-list a.pack-download")
    expect(link).to_have_count(1)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "audit_361130_2021-06-01_2023-12-31_zh.xlsx"
    auditor.shot("audit-packs")
    auditor.close()

    viewer = Session(browser, live_server, "wuyuan")
    assert "audit-packs" not in viewer.nav()
    page = viewer.open("audit-packs")
    refused = page.locator('[data-page="forbidden"]')
    expect(refused).to_be_visible(timeout=TIMEOUT_MS)
    expect(refused).to_contain_text("无权访问")
    expect(refused).to_contain_text("离任审计")
    # the county viewer's target page: the decision sets no county target
    page = viewer.open("tracking")
    expect(page.locator(".msg-info")).to_contain_text("没有该决定的目标", timeout=TIMEOUT_MS)
    viewer.close()


def test_alerts_map_and_yearly_report_by_role(browser: Browser, live_server: str) -> None:
    office = Session(browser, live_server, "office")
    # the trend and the map show forest cover (the indicator with city targets)
    page = office.open("tracking?series=forest_cover:360000")
    alerts = page.locator("table.tracking-alerts tbody tr")
    expect(alerts.first).to_be_visible(timeout=TIMEOUT_MS)
    levels = set(page.locator("[data-level]").evaluate_all("e => e.map(x => x.dataset.level)"))
    assert {"red", "yellow"} <= levels  # GEP growth off track, Ganzhou's cover at risk
    # the map: forest cover's statuses by city (Nanchang on track, Ganzhou at risk)
    chart = page.locator("#tracking-map[data-ready='1']")
    expect(chart).to_have_count(1, timeout=TIMEOUT_MS)
    assert set(chart.get_attribute("data-statuses").split(",")) == {  # type: ignore[union-attr]
        "360100:on_track",
        "360700:at_risk",
    }
    expect(page.locator("#tracking-map canvas")).to_have_count(1)
    report = page.locator("#tracking-report")
    expect(report).to_be_visible()
    preview = page.locator("#report-preview-pdf")
    href = preview.get_attribute("href")
    assert href and "/api/tracking/reports/preview?" in href and "year=2025" in href
    got = page.request.get(f"{live_server}{href}")
    assert got.status == 200 and got.headers["content-type"] == "application/pdf"
    expect(page.locator("#report-changes")).to_contain_text("尚未印发")
    expect(page.locator("#report-issued tbody td.empty")).to_have_count(1)
    page.once("dialog", lambda d: d.accept())
    page.click("#report-issue")
    issued = page.locator("#report-issued tbody tr")
    expect(issued.locator("a.issued-pdf")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(issued.first).to_contain_text("office")
    expect(page.locator("#report-changes")).to_contain_text("与第1版相比，0项数据有变化")
    # the office reads the alerts; acknowledging is the departments'
    expect(page.locator("button.alert-ack")).to_have_count(0)
    office.shot("tracking-alerts-report-office")
    office.close()

    # a department's reporter: its alerts only, no report
    forestry = Session(browser, live_server, "forestry")
    page = forestry.open("tracking")
    expect(page.locator("table.tracking-alerts tbody tr").first).to_be_visible(timeout=TIMEOUT_MS)
    departments = page.locator("table.tracking-alerts tbody tr td:nth-child(2)").all_inner_texts()
    assert departments and set(departments) == {"林业局"}
    expect(page.locator("#tracking-trend canvas")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator("#tracking-report")).to_have_count(0)
    # the department acknowledges Ganzhou's alert, with what it does
    page.once("dialog", lambda d: d.accept("已部署补植"))
    page.click("button.alert-ack[data-key='ganzhou-forest-cover-2026:at_risk:2025']")
    acked = page.locator("table.tracking-alerts tr", has_text="赣州市森林覆盖率2025年")
    expect(acked.locator(".alert-acked")).to_contain_text("已确认（forestry", timeout=TIMEOUT_MS)
    expect(acked).to_contain_text("已部署补植")
    forestry.close()

    # a city viewer: its city's alerts, the map of its city, no report
    viewer = Session(browser, live_server, "nanchang", lang="en")
    page = viewer.open("tracking?series=forest_cover:360100")
    expect(page.locator("#tracking-map[data-ready='1']")).to_have_attribute(
        "data-statuses", "360100:on_track", timeout=TIMEOUT_MS
    )
    units = page.locator("table.tracking-alerts tbody tr td:nth-child(3)").all_inner_texts()
    assert set(units) <= {"Nanchang"}
    expect(page.locator("#tracking-report")).to_have_count(0)
    viewer.close()

    # the reviewer reads the report and its issued version but may not issue
    reviewer = Session(browser, live_server, "reviewer")
    page = reviewer.open("tracking")
    expect(page.locator("#report-issued a.issued-docx")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator("#report-issue")).to_have_count(0)
    reviewer.close()
