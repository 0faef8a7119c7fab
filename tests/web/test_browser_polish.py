"""The polished UI in a real browser (issue 14, point 6), judged on what is drawn:

- the selected unit is outlined on the map in the highlight colour, at its place (pixels
  of a screenshot, read with PIL);
- every chart colours an indicator with the palette's colour of that indicator;
- money is shown in one unit per table or chart, written in the header;
- a county viewer sees its rank among all counties, not a chart of one bar;
- a page the role may not open says so ("无权访问");
- compare labels its periods 基期 and 报告期.

Screenshots are kept beside those of test_browser_workflow.py.
"""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from playwright.sync_api import Browser, Page, expect
from test_browser_workflow import Session, browser

__all__ = ["browser"]  # the module's Chromium fixture, shared

WUYUAN = 361130
HIGHLIGHT = (0xE9, 0x1E, 0x63)  # palette.js HIGHLIGHT
NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d{2}$")  # 1,234.56


def palette(page: Page) -> dict[str, Any]:
    """The colours of static/palette.js, as the page has them."""
    result: dict[str, Any] = page.evaluate(
        """async () => {
          const p = await import('/static/palette.js');
          return {indicators: p.INDICATOR_COLORS, highlight: p.HIGHLIGHT,
                  categories: p.CATEGORY_COLORS};
        }"""
    )
    return result


def option(page: Page, selector: str) -> Any:
    return page.evaluate(
        """async (sel) => {
          const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
          return echarts.getInstanceByDom(document.querySelector(sel)).getOption();
        }""",
        selector,
    )


def rgb(hex_colour: str) -> tuple[int, int, int]:
    c = hex_colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def count_near(image: Image.Image, colour: tuple[int, int, int], box: tuple[int, ...]) -> int:
    """Pixels of ``image`` inside ``box`` (left, top, right, bottom) close to ``colour``."""
    data = image.convert("RGB").crop(box).tobytes()
    r, g, b = colour
    return sum(
        1
        for i in range(0, len(data), 3)
        if abs(data[i] - r) + abs(data[i + 1] - g) + abs(data[i + 2] - b) < 40
    )


def wait_for_highlight(page: Page) -> None:
    """Until the map's canvas shows the highlight colour (ECharts paints on the next frame)."""
    page.wait_for_function(
        """([r, g, b]) => {
          const c = document.querySelector('#gep-map canvas');
          if (!c) return false;
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4)
            if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 40) n++;
          return n > 50;
        }""",
        arg=list(HIGHLIGHT),
    )


def unit_box(page: Page, level: str, adcode: int) -> tuple[int, int, int, int]:
    """The box of a unit on the map, in the map element's pixels."""
    box: list[float] = page.evaluate(
        """async ([level, adcode]) => {
          const echarts = await import('/static/vendor/echarts/echarts.esm.min.js');
          const chart = echarts.getInstanceByDom(document.querySelector('#gep-map'));
          const fc = await (await fetch(`/api/regions/geojson?level=${level}`)).json();
          const f = fc.features.find((x) => Number(x.properties.adcode) === adcode);
          const points = [];
          const walk = (c) => (typeof c[0] === 'number' ? points.push(c) : c.forEach(walk));
          walk(f.geometry.coordinates);
          const px = points.map((p) => chart.convertToPixel({seriesIndex: 0}, p));
          const xs = px.map((p) => p[0]), ys = px.map((p) => p[1]);
          return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
        }""",
        [level, adcode],
    )
    left, top, right, bottom = box
    return int(left) - 3, int(top) - 3, int(right) + 4, int(bottom) + 4


def map_image(page: Page, session: Session, name: str) -> Image.Image:
    page.mouse.move(2, 2)  # no hover effect on the map
    session.shot(name)
    return Image.open(io.BytesIO(page.locator("#gep-map").screenshot()))


def test_county_viewer_highlight_rank_and_units(browser: Browser, live_server: str) -> None:
    viewer = Session(browser, live_server, "wuyuan")
    page = viewer.open("map")
    the_map = page.locator("#gep-map")
    expect(the_map).to_have_attribute("data-ready", "1")
    expect(the_map).to_have_attribute("data-selected", str(WUYUAN))
    colours = palette(page)
    assert rgb(colours["highlight"]) == HIGHLIGHT

    # its county is outlined in the highlight colour
    wait_for_highlight(page)
    image = map_image(page, viewer, "20-county-viewer-highlight")
    box = unit_box(page, "county", WUYUAN)
    assert count_near(image, HIGHLIGHT, box) > 300

    # its rank among all 100 counties, not a chart of one bar, and no other county named
    peer = page.locator("#peer-rank")
    expect(peer).to_be_visible()
    expect(page.locator("#ranking-chart")).to_be_hidden()
    expect(page.locator("#peer-rank-text")).to_have_text(re.compile(r"^第 \d+ / 100 位$"))
    rank = int(peer.get_attribute("data-rank") or 0)
    assert 1 <= rank <= 100 and peer.get_attribute("data-count") == "100"
    expect(page.locator("#unit-rank")).to_have_text(f"第 {rank} / 100 位")
    assert "婺源" not in peer.inner_text() and "县" in peer.inner_text()

    # one number format: the unit in the header, plain numbers in the cells
    gep = page.locator("#unit-gep")
    assert NUMBER.match(gep.inner_text()), gep.inner_text()
    labels = page.locator("#unit-info dt").all_inner_texts()
    assert any(label.startswith("生态产品总值（") and "元）" in label for label in labels), labels
    cells = page.locator("#unit-info dd").all_inner_texts()
    assert not [c for c in cells if "元" in c], cells

    # the composition's services in the palette's colours, drawn so (pixels of the pie)
    pie = option(page, "#composition-chart")
    services = pie["series"][1]["data"]
    indicators = (page.locator("#composition-chart").get_attribute("data-indicators") or "").split(
        ","
    )
    assert len(services) == len(indicators) >= 3
    for item, key in zip(services, indicators, strict=True):
        assert item["itemStyle"]["color"] == colours["indicators"][key], key
    biggest = max(zip(services, indicators, strict=True), key=lambda s: s[0]["value"])[1]
    pie_image = Image.open(io.BytesIO(page.locator("#composition-chart").screenshot()))
    full = (0, 0, *pie_image.size)
    assert count_near(pie_image, rgb(colours["indicators"][biggest]), full) > 200

    # townships: the clicked one is outlined, and its bar is the highlighted one
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
    page.mouse.click(x, y)  # the township under the point
    expect(the_map).to_have_attribute("data-selected", re.compile(rf"^{WUYUAN}\d+$"))
    town = int(the_map.get_attribute("data-selected") or 0)
    expect(page.locator("#ranking-chart")).to_have_attribute("data-selected", str(town))
    expect(peer).to_be_hidden()
    expect(page.locator("#unit-name")).to_contain_text("乡")
    expect(page.locator("#trend-chart")).to_have_attribute("data-points", "2")
    wait_for_highlight(page)
    image = map_image(page, viewer, "21-county-viewer-township-highlight")
    inside = unit_box(page, "township", town)
    assert count_near(image, HIGHLIGHT, inside) > 100
    w, h = image.size
    outside = (
        count_near(image, HIGHLIGHT, (0, 0, w, h))
        - count_near(image, HIGHLIGHT, inside)
        - count_near(image, HIGHLIGHT, (0, 0, 120, h))  # the legend's slider handle
    )
    assert outside < 30, outside
    bars = option(page, "#ranking-chart")["series"][0]["data"]
    towns = (the_map.get_attribute("data-units") or "").split(",")
    names = option(page, "#ranking-chart")["yAxis"][0]["data"]
    assert len(bars) == len(names) and len(bars) <= len(towns)
    bar_colours = {b["itemStyle"]["color"] for b in bars}
    assert colours["highlight"] in bar_colours
    assert bar_colours - {colours["highlight"]} == {"#2e7d32"}  # GEP: the palette's green

    # a page its role may not open says so, with the way back
    page = viewer.open("audit")
    refused = page.locator('section[data-page="forbidden"]')
    expect(refused).to_be_visible()
    expect(refused.locator("h1")).to_have_text("无权访问")
    expect(refused).to_contain_text("审计")
    expect(page).to_have_url(re.compile(r"#/audit$"))  # not redirected
    viewer.shot("22-county-viewer-forbidden")
    page.locator("#refused-back").click()
    expect(page.locator('section[data-page="map"]')).to_be_visible()
    page.select_option("#lang", "en")
    viewer.open("users")
    expect(page.locator('section[data-page="forbidden"] h1')).to_have_text("Not allowed")
    viewer.close()


def test_office_colours_units_and_compare(browser: Browser, live_server: str) -> None:
    office = Session(browser, live_server, "office")
    page = office.open("map")
    the_map = page.locator("#gep-map")
    expect(the_map).to_have_attribute("data-ready", "1")
    colours = palette(page)
    # one service: the map legend and the ranking bars in that service's colour
    service = page.locator('#map-metric option[value^="ind:"]').nth(1).get_attribute("value")
    assert service
    page.select_option("#map-metric", service)
    expect(the_map).to_have_attribute("data-metric", service)
    expect(page.locator("#ranking-chart")).to_have_attribute(
        "data-colour", colours["indicators"][service[4:]]
    )
    legend = option(page, "#gep-map")["visualMap"][0]["inRange"]["color"]
    assert legend[-1] == colours["indicators"][service[4:]]
    bars = option(page, "#ranking-chart")["series"][0]["data"]
    assert {b["itemStyle"]["color"] for b in bars} == {colours["indicators"][service[4:]]}
    rank_image = Image.open(io.BytesIO(page.locator("#ranking-chart").screenshot()))
    box = (0, 0, *rank_image.size)
    assert count_near(rank_image, rgb(colours["indicators"][service[4:]]), box) > 500
    # the same service in the composition pie has the same colour
    pie = option(page, "#composition-chart")["series"][1]["data"]
    keys = (page.locator("#composition-chart").get_attribute("data-indicators") or "").split(",")
    if service[4:] in keys:
        item = pie[keys.index(service[4:])]
        assert item["itemStyle"]["color"] == colours["indicators"][service[4:]]
    office.shot("23-office-service-colours")

    # the accounts list: GEP with its unit in the header, numbers in the cells
    page = office.open("accounts")
    expect(page.locator("#accounts-table")).to_be_visible()
    headers = page.locator("#accounts-table thead th").all_inner_texts()
    assert any(re.fullmatch(r"生态产品总值（(万亿元|亿元|万元|元)）", h) for h in headers), headers
    column = headers.index(next(h for h in headers if h.startswith("生态产品总值")))
    cells = page.locator(f"#accounts-table tbody tr td:nth-child({column + 1})").all_inner_texts()
    assert cells and all(NUMBER.match(c) for c in cells), cells

    # compare: 基期 and 报告期, one unit per table in the headers
    expect(page.locator('label[for="compare-a"]')).to_contain_text("基期")
    expect(page.locator('label[for="compare-b"]')).to_contain_text("报告期")
    first = page.locator("#compare-a option").filter(has_text="2022").first
    page.select_option("#compare-a", first.get_attribute("value"))
    last = page.locator("#compare-b option").filter(has_text="2023").first
    page.select_option("#compare-b", last.get_attribute("value"))
    page.click("#compare-submit")
    table = page.locator("#compare-indicators")
    expect(table).to_be_visible()
    heads = table.locator("thead th").all_inner_texts()
    assert re.fullmatch(r"基期 2022（(万亿元|亿元|万元)）", heads[1]), heads
    assert re.fullmatch(r"报告期 2023（(万亿元|亿元|万元)）", heads[2]), heads
    unit = heads[1].split("（")[1]
    assert all(h.endswith(f"（{unit}") for h in heads[1:]), heads
    body = table.locator("tbody td.num").all_inner_texts()
    assert body and all(NUMBER.match(c) for c in body), body[:10]
    expect(page.locator("#compare-total")).to_contain_text("基期 2022")
    office.shot("24-office-compare")
    # in English
    page.select_option("#lang", "en")
    # the view is drawn again in English and its lists filled once the accounts are read:
    # wait for both, pick the same two accounts, only then compare (a click before the
    # lists are filled compares nothing)
    expect(page.locator('label[for="compare-a"]')).to_contain_text("Base period")
    page.select_option("#compare-a", first.get_attribute("value"))
    page.select_option("#compare-b", last.get_attribute("value"))
    page.click("#compare-submit")
    expect(page.locator("#compare-indicators thead th").nth(1)).to_contain_text("Base period")
    heads = page.locator("#compare-indicators thead th").all_inner_texts()
    assert heads[1].startswith("Base period 2022 (") and heads[1].endswith("CNY)"), heads
    assert heads[2].startswith("Reporting period 2023 ("), heads
    office.close()
