"""The annual greenhouse-gas inventory report (PDF and Excel, zh and en) of stored
inventories of a micro dataset: three counties in two cities of Jiangxi, 2022 and 2023
(AR6), 2022 again under AR5, and 2023 with a forest sink row (land-use change and
forestry, negative). Checked: the numbers equal the store's summary exactly, sectors and
units roll up (county sum = city = province), each report speaks one language, the PDF's
metadata, the previous year found, absent (said) or refused (another GWP set)."""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from test_report_language import english_runs

from ganpo.carbon.factors import categories
from ganpo.carbon.inventory import (
    CONSUMPTION,
    PRODUCTION,
    read_dataset,
    roll_up,
    run_inventory,
    summary,
)
from ganpo.catalog.units import number
from ganpo.errors import InputError
from ganpo.report.carbon_excel import SHEETS, write_inventory_workbook
from ganpo.report.carbon_report import build_inventory_html, write_inventory_report
from ganpo.report.carbon_rows import find_previous
from ganpo.report.carbon_tables import figures, previous_inventory, unit_figures
from ganpo.store.carbon import load_inventory, save_inventory
from ganpo.store.repository import open_store

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

DONGHU, XIHU, CHANGJIANG = 360102, 360103, 360202  # 南昌市 ×2, 景德镇市
CJK = re.compile(r"[\u4e00-\u9fff]")
NOTE = (
    "unit code 360202, 1.A.2, raw_coal: 2023 is 10,000 × 2022 in energy; check the unit (t or "
    "万t, tce or 万tce) / 360202 1.A.2 raw_coal：2023 年能量为 2022 年的 10,000 ×，请核对单位"
)


def write_micro(folder: Path) -> Path:
    """Three counties, two cities, 2022 and 2023: power generation and industry fuel,
    electricity, cement, pigs, wastewater (all categories of four sectors)."""
    folder.mkdir(parents=True)
    tables = {
        "fuel.csv": "unit_code,year,category_code,fuel,quantity,unit\n"
        f"{XIHU},2022,1.A.1.a,raw_coal,20,万t\n{XIHU},2023,1.A.1.a,raw_coal,18,万t\n"
        f"{CHANGJIANG},2022,1.A.2,raw_coal,5,万t\n{CHANGJIANG},2023,1.A.2,raw_coal,6,万t\n",
        "electricity.csv": "unit_code,year,quantity,unit\n"
        f"{DONGHU},2022,10000,万kWh\n{XIHU},2022,5000,万kWh\n{CHANGJIANG},2022,3000,万kWh\n"
        f"{DONGHU},2023,11000,万kWh\n{XIHU},2023,5200,万kWh\n{CHANGJIANG},2023,3100,万kWh\n",
        "cement.csv": "unit_code,year,quantity,unit\n"
        f"{CHANGJIANG},2022,1,万t\n{CHANGJIANG},2023,1.2,万t\n",
        "livestock.csv": "unit_code,year,animal,quantity,unit\n"
        f"{DONGHU},2022,swine,2,万头\n{DONGHU},2023,swine,2.1,万头\n"
        f"{CHANGJIANG},2022,swine,3,万头\n{CHANGJIANG},2023,swine,2.9,万头\n",
        "wastewater.csv": "unit_code,year,system,organics,quantity,unit\n"
        f"{DONGHU},2022,untreated_river,BOD,1,万t\n{DONGHU},2023,untreated_river,BOD,0.9,万t\n",
    }
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型测试数据"\ntitle_en = "micro test data"\nregion = 360000\n'
        'level = "county"\nyears = [2022, 2023]\nfuel_set = "cn-statistics"\n'
        'grid = "national"\n[tables]\nfuel = "fuel.csv"\nelectricity = "electricity.csv"\n'
        'cement = "cement.csv"\nlivestock = "livestock.csv"\nwastewater = "wastewater.csv"\n',
        encoding="utf-8",
    )
    return folder


def with_forest_sink(inv: Any, removal_t: dict[int, float]) -> Any:
    """``inv`` with a forest sink (3.B.1.a, CO2, negative) in the counties given, rolled
    up again, and its uncertainty (a test value)."""
    county = inv.rows[inv.rows["level"] == "county"]
    keys = ["unit_code", "category_code", "gas", "scope", "quantity_g", "co2e_g"]
    sink = pd.DataFrame(
        [
            {"unit_code": c, "category_code": "3.B.1.a", "gas": "CO2", "scope": "direct",
             "quantity_g": -round(t * 1e6), "co2e_g": -round(t * 1e6)}
            for c, t in removal_t.items()
        ]
    )  # fmt: skip
    rows = roll_up(pd.concat([county[keys], sink], ignore_index=True), 360000)
    u = pd.concat(
        [
            inv.uncertainty,
            pd.DataFrame(
                [{"category_code": "3.B.1.a", "u_activity_pct": 10.0, "u_factor_pct": 30.0,
                  "source": "test value", "status": "unverified"}]
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    return dataclasses.replace(inv, rows=rows, uncertainty=u)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Inventories 1 (2022 AR6), 2 (2023 AR6), 3 (2022 AR5), 4 (2023 AR6 with a forest
    sink), 5 (2023 AR4); the PDFs of 2 in zh and en, the documents (HTML) of 1 (no
    previous year) and 4 in zh, and the workbooks of 2 and 4."""
    tmp = tmp_path_factory.mktemp("carbon-report")
    data = read_dataset(write_micro(tmp / "micro"))
    engine = open_store(tmp / "g.sqlite")
    for year, gwp in ((2022, "AR6"), (2023, "AR6"), (2022, "AR5")):
        inv = run_inventory(data, year, gwp)
        if (year, gwp) == (2023, "AR6"):  # a note as unit_findings writes one
            inv = dataclasses.replace(inv, notes=[NOTE])
        save_inventory(engine, inv)
    sink = with_forest_sink(
        run_inventory(data, 2023, "AR6"), {DONGHU: 30_000.0, CHANGJIANG: 5_000.5}
    )
    save_inventory(engine, sink)
    save_inventory(engine, run_inventory(data, 2023, "AR4"))  # 5: no AR4 of 2022
    out = {"engine": engine, "tmp": tmp}
    for lang in ("zh", "en"):  # the PDFs of inventory 2
        path = tmp / f"2-{lang}.pdf"
        write_inventory_report(load_inventory(engine, 2), path, lang, engine=engine)
        out[f"2-{lang}"] = _text(path)
    for iid in (1, 4):  # the documents of 1 and 4, not rendered (a PDF takes seconds)
        s = load_inventory(engine, iid)
        before = find_previous(s, "zh", engine=engine)
        out[f"{iid}-zh"] = _html_text(build_inventory_html(figures(s), "zh", before))
    for iid, lang in ((2, "zh"), (2, "en"), (4, "zh")):
        path = tmp / f"{iid}-{lang}.xlsx"
        write_inventory_workbook(load_inventory(engine, iid), path, lang, engine=engine)
        out[f"{iid}-{lang}.xlsx"] = path
    return out


def _html_text(document: str) -> str:
    """The text of the report's HTML, a line per table row, paragraph and heading."""
    lines = re.sub(r"</(tr|p|h\d|li)>", "\n", document)
    return html.unescape(re.sub(r"<[^>]+>", " ", lines.split("</style>", 1)[1]))


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _line(text: str, *words: str) -> str:
    """The one line of ``text`` that holds every word."""
    found = [ln for ln in text.splitlines() if all(w in ln for w in words)]
    assert found, words
    return found[0]


def _summary(engine: Any, iid: int) -> pd.DataFrame:
    s = load_inventory(engine, iid)
    return summary(s.rows, s.uncertainty, 360000, "province").set_index("category_code")


def test_pdf_totals_and_categories_equal_the_store_summary(store: dict[str, Any]) -> None:
    text = store["2-zh"]
    top = _summary(store["engine"], 2)
    gross = number(float(top.loc[PRODUCTION, "co2e_10k_t"]))
    consumption = number(float(top.loc[CONSUMPTION, "co2e_10k_t"]))
    line = _line(text, "直接排放总量（不含土地利用变化和林业）", gross)
    assert f"{top.loc[PRODUCTION, 'u_pct']:.1f}" in line
    line = _line(text, "消费侧排放总量（含电力调入调出）", consumption)
    assert f"{top.loc[CONSUMPTION, 'u_pct']:.1f}" in line
    # every category with its IPCC code, CO2e and Approach 1 uncertainty, as `summary`
    for code, r in top[[c in categories() for c in top.index]].iterrows():
        shown = "备忘项" if str(code).startswith("memo") else str(code)
        line = _line(text, f"{shown} ", str(r["category_zh"]), number(float(r["co2e_10k_t"])))
        assert f"{float(r['u_pct']):.1f}" in line, line
    assert not re.search(r"\d[eE][+-]?\d", text)  # never scientific notation


def test_sectors_and_units_roll_up_exactly(store: dict[str, Any]) -> None:
    f = figures(load_inventory(store["engine"], 2))
    cats = f.categories
    for sector in ("energy", "industry", "agriculture", "waste"):
        assert sum(int(v) for v in cats.loc[cats["sector"] == sector, "co2e_g"]) == f.top[sector]
    assert f.top["gross"] == sum(f.top[s] for s in ("energy", "industry", "agriculture", "waste"))
    # county sum = city = province, in whole grams, for every figure
    for below, above in (("county", "city"), ("city", None)):
        table = f.levels[below]
        if above is None:
            summed = {k: sum(int(v) for v in table[k]) for k in table.columns}
            assert summed == f.top
        else:
            parents = {360102: 360100, 360103: 360100, 360202: 360200}
            for city, row in f.levels["city"].iterrows():
                kids = table.loc[[c for c, p in parents.items() if p == city]]
                assert {k: sum(int(v) for v in kids[k]) for k in table.columns} == {
                    k: int(v) for k, v in row.items()
                }
    # the PDF's county and city tables: their total rows are the province's figures
    text = store["2-zh"]
    for caption in ("各设区市排放", "各县（市、区）排放"):
        part = text.split(caption, 1)[1]
        line = _line(part, "合计")
        assert number(f.top["gross"] / 1e10) in line and number(f.top["consumption"] / 1e10) in line


def test_workbook_numbers_totals_and_sheet_names(store: dict[str, Any]) -> None:
    top = _summary(store["engine"], 2)
    for lang in ("zh", "en"):
        wb = openpyxl.load_workbook(store[f"2-{lang}.xlsx"])
        names = wb.sheetnames
        i = 0 if lang == "zh" else 1
        assert names[0] == SHEETS["about"][i]
        if lang == "zh":
            assert not [n for n in names if re.search(r"[A-Za-z]", n)], names
        else:
            assert not [n for n in names if CJK.search(n)], names
        rows = list(wb[SHEETS["totals"][i]].iter_rows(values_only=True))
        assert rows[1][1] == top.loc[PRODUCTION, "co2e_10k_t"]  # exactly: the same division
        assert rows[-1][1] == top.loc[CONSUMPTION, "co2e_10k_t"]
        total = "合计" if lang == "zh" else "Total"
        for key in ("counties", "cities", "sectors", "categories"):
            sheet = list(wb[SHEETS[key][i]].iter_rows(values_only=True))
            head, body, last = sheet[0], sheet[1:-1], sheet[-1]
            assert last[0] == total and wb[SHEETS[key][i]].cell(len(sheet), 1).font.b
            start = ("直接", "Gross") if key in ("counties", "cities") else ("排放量", "Emissions")
            col = next(j for j, h in enumerate(head) if str(h).startswith(start))
            assert sum(r[col] for r in body) == pytest.approx(last[col], rel=1e-12)
            assert last[col] == top.loc[PRODUCTION, "co2e_10k_t"]
        # headers in the workbook's language only
        for ws in wb.worksheets[1:]:
            head = [str(h) for h in next(ws.iter_rows(values_only=True)) if h is not None]
            bad = [
                h
                for h in head
                if (
                    re.search(r"[A-Za-z]{3,}", h.replace("IPCC", ""))
                    if lang == "zh"
                    else CJK.search(h)
                )
            ]
            assert not bad, (ws.title, bad)


def test_each_report_speaks_one_language(store: dict[str, Any]) -> None:
    zh, en = store["2-zh"], store["2-en"]
    runs = english_runs(zh)
    assert not runs, runs[:10]
    assert "合成数据" not in zh  # the micro data are not synthetic
    # the inventory's note in each language, the fuel by its name
    assert "360202 1.A.2 原煤：2023 年能量为 2022 年的 10,000 ×" in zh
    assert "unit code 360202, 1.A.2, raw coal: 2023 is 10,000 × 2022" in " ".join(en.split())
    for label in ("概述", "总体排放情况", "能源活动", "工业生产过程", "农业活动", "废弃物处理",
                  "电力调入调出间接排放", "不确定性", "各县（市、区）排放", "附录：排放因子及来源"):  # fmt: skip
        assert label in zh, label
    # English: no Chinese from the overview to the appendix outside brackets (where the
    # guideline's title is cited); the appendix quotes the factors' sources as stored,
    # which cite Chinese standards and announcements by their titles
    body = en.split("1. Overview", 2)[2].split("Appendix: emission factors and sources", 1)[0]
    bare = " ".join(body.split())
    while (stripped := re.sub(r"[（(][^（）()]*[）)]|《[^《》]*》", " ", bare)) != bare:
        bare = stripped
    assert not CJK.search(bare), [w for w in bare.split() if CJK.search(w)]
    for label in ("Overview", "Overall emissions", "Industrial processes", "Emissions by county",
                  "Appendix: emission factors and sources", "Nanchang"):  # fmt: skip
        assert label in en, label
    for key in ("total_production", "memo.electricity", "raw_coal", "fuel.cn-statistics",
                "grid.national", "ipcc-2006.", "co2e_g", "unit_code"):  # fmt: skip
        assert key not in zh and key not in en, key


def test_pdf_metadata_title(store: dict[str, Any]) -> None:
    info = subprocess.run(
        ["pdfinfo", str(store["tmp"] / "2-zh.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Title:\s+江西省2023年温室气体清单报告$", info, re.M), info
    assert re.search(r"^Author:\s+ganpo 温室气体清单平台编制", info, re.M), info
    info = subprocess.run(
        ["pdfinfo", str(store["tmp"] / "2-en.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Title:\s+Greenhouse gas inventory of Jiangxi Province, 2023$", info, re.M)


def test_previous_year_found_or_said_absent(store: dict[str, Any]) -> None:
    engine = store["engine"]
    # inventory 2 (2023, AR6): the 2022 AR6 one, not the AR5 one
    found = previous_inventory(engine, load_inventory(engine, 2).header)
    assert found is not None and found.id == 1
    text = store["2-zh"]
    assert "与 2022 年清单（编号 1，同一地区、同一全球增温潜势版本 AR6）比较" in text
    a, b = (_summary(engine, i).loc[PRODUCTION, "co2e_10k_t"] for i in (1, 2))
    line = _line(
        text.split("表 14", 1)[1] if "表 14" in text else text,
        "直接排放总量",
        number(float(a)),
        number(float(b)),
    )
    assert number(float(b) - float(a)) in line.replace("−", "-")
    assert "无上年清单" not in text
    # inventory 1 (2022): none of 2021; said explicitly
    said = "无上年清单：清单库中没有江西省2021年采用AR6全球增温潜势的清单，本报告不作年度比较。"
    assert said in "".join(store["1-zh"].split())


def test_no_previous_names_the_inventories_of_other_gwp_sets(store: dict[str, Any]) -> None:
    engine = store["engine"]
    stored = load_inventory(engine, 5)
    found = find_previous(stored, "zh", engine=engine)
    assert found.figures is None
    assert "清单库中没有江西省2022年采用 AR4 全球增温潜势的清单" in found.missing
    assert "其他全球增温潜势版本（AR5、AR6）" in found.missing
    found = find_previous(stored, "en")  # no store to look in: said so
    assert found.figures is None and found.missing.startswith("No previous inventory was given")


def test_a_previous_inventory_of_another_gwp_set_is_refused(store: dict[str, Any]) -> None:
    engine = store["engine"]
    with pytest.raises(InputError, match=r"GWP set AR5.*not comparable") as e:
        write_inventory_report(
            load_inventory(engine, 2), store["tmp"] / "x.pdf", "zh", load_inventory(engine, 3)
        )
    assert "全球增温潜势版本" in str(e.value)
    assert not (store["tmp"] / "x.pdf").exists()
    with pytest.raises(InputError, match="not earlier"):
        write_inventory_workbook(
            load_inventory(engine, 1), store["tmp"] / "x.xlsx", "zh", load_inventory(engine, 2)
        )


def test_land_use_change_and_forestry_net_beside_gross(store: dict[str, Any]) -> None:
    s = load_inventory(store["engine"], 4)
    f = figures(s)
    province = unit_figures(s.rows[s.rows["level"] == "province"]).iloc[0]
    # 30 000 t + 5 000.5 t removed = −3.50005 万t; gross unchanged from inventory 2
    assert f.top["lulucf"] == -35_000_500_000 == province["lulucf"]
    assert f.top["gross"] == figures(load_inventory(store["engine"], 2)).top["gross"]
    assert f.top["net"] == f.top["gross"] + f.top["lulucf"]
    text = store["4-zh"]
    assert "土地利用变化和林业" in text
    _line(text, "土地利用变化和林业（负值为净吸收）", "-3.50")
    _line(text, "净排放总量（含土地利用变化和林业）", number(f.top["net"] / 1e10))
    _line(text, "3.B.1.a", "林地保持林地", "-3.50")
    assert "净吸收 3.50 万吨二氧化碳当量" in text
    # the workbook: the LULUCF sheet and the totals' net row
    wb = openpyxl.load_workbook(store["4-zh.xlsx"])
    rows = list(wb[SHEETS["totals"][0]].iter_rows(values_only=True))
    net = next(r for r in rows if str(r[0]).startswith("净排放总量"))
    assert net[1] == f.top["net"] / 1e10
    sheet = list(wb[SHEETS["lulucf"][0]].iter_rows(values_only=True))
    assert sheet[-1][0] == "合计" and sheet[-1][3] == -3.50005


def test_a_city_inventory_of_electricity_only(tmp_path: Path) -> None:
    """A city's inventory (南昌市, two counties) with no direct emissions: every sector says
    it has none, no Monte Carlo table, the counties' table only; the workbook likewise."""
    folder = tmp_path / "city"
    folder.mkdir()
    (folder / "electricity.csv").write_text(
        f"unit_code,year,quantity,unit\n{DONGHU},2022,10000,万kWh\n{XIHU},2022,5000,万kWh\n",
        encoding="utf-8",
    )
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "南昌市测试"\ntitle_en = "Nanchang test"\nregion = 360100\n'
        'level = "county"\nyears = [2022]\nfuel_set = "cn-statistics"\ngrid = "national"\n'
        '[tables]\nelectricity = "electricity.csv"\n',
        encoding="utf-8",
    )
    engine = open_store(tmp_path / "g.sqlite")
    iid = save_inventory(engine, run_inventory(read_dataset(folder), 2022, "AR6"))
    s = load_inventory(engine, iid)
    text = _html_text(build_inventory_html(figures(s), "zh", find_previous(s, "zh", engine=engine)))
    assert "江西省南昌市2022年温室气体清单报告" in text
    assert text.count("本清单未核算该部门的排放（无活动数据）") == 4
    assert "各县（市、区）排放" in text and "各设区市排放" not in text
    assert "蒙特卡罗模拟（方法 2）" not in text and "无上年清单" in text
    # 15 000 万kWh × 0.5366 kg/kWh = 80 490 t = 8.05 万t, all of it consumption-based
    _line(text, "消费侧排放总量（含电力调入调出）", "8.05", "5.4")
    out = write_inventory_workbook(s, tmp_path / "en.xlsx", "en", engine=engine)
    names = openpyxl.load_workbook(out).sheetnames
    assert "Counties" in names and "Cities" not in names and "Monte Carlo" not in names


def test_every_shipped_factor_is_named_in_each_language() -> None:
    """The appendix names a factor, never by its key: every factor of the shipped sets,
    in Chinese without English words (the symbols MCF, DOCf, OX, Bo, F, EF1 … and the
    gases' formulas aside) and in English without Chinese, neither with a key's ``_``."""
    from ganpo.carbon.factors import (
        _grid,
        combustion_non_co2_set,
        fuel_factor_set,
        fuel_factor_set_names,
        process_factor_set,
    )
    from ganpo.carbon.sinks_factors import sink_factor_set
    from ganpo.report.carbon_tables import factor_label

    keys = [f"ipcc-2006.{k}" for k in process_factor_set("ipcc-2006").factors]
    keys += [f"cn-forestry.{k}" for k in sink_factor_set("cn-forestry").factors]
    keys += [f"grid.{g.region}.{g.year}" for g in _grid().factors]
    keys += ["energy.tce"]
    for name in fuel_factor_set_names():
        for fuel in fuel_factor_set(name).fuels:
            keys += [f"fuel.{name}.{fuel}.{p}" for p in ("ncv", "carbon_content", "oxidation")]
    c = combustion_non_co2_set("ipcc-2006")
    for sector, s in c.sectors.items():
        for fuel, group in c.groups.items():
            keys += [
                f"combustion.ipcc-2006.{sector}.{fuel}.{g}"
                for g in ("ch4", "n2o")
                if group in s.ch4
            ]
    symbols = re.compile(r"\b(MCF|DOCf|OX|Bo|F|EF\d)\b|CH₄|N₂O|CO₂")
    for key in keys:
        zh, en = factor_label(key, "zh"), factor_label(key, "en")
        assert not re.search(r"[A-Za-z]{2,}", symbols.sub("", zh)), (key, zh)
        assert not CJK.search(en) and "_" not in zh + en, (key, en)
