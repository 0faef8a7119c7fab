"""The annual greenhouse-gas inventory report (温室气体清单报告) of a stored inventory: an
HTML document rendered to PDF by WeasyPrint, in Chinese or English, in the structure of the
provincial guideline (省级温室气体清单编制指南（试行）, NDRC 2011).

Chapters: overview (region, year, GWP set, scope, methods, data sources; 合成数据 marked
on the cover and here when the data are synthetic), overall emissions (gross direct, net
with land-use change and forestry where the inventory has it, consumption-based; by sector;
by gas in 万吨 of the gas and in 万吨二氧化碳当量), one chapter per sector with its
categories, the indirect emissions of electricity, uncertainty (IPCC Approach 1 per
category and total, Approach 2 Monte Carlo with its draws and seed), cities and counties,
the change from the previous year (or a sentence saying there is none), and an appendix of
the factors used with their unit, value, source and status. The figures come from
:mod:`ganpo.report.carbon_tables`; the page layout, tables and key-figure boxes are the
annual GEP report's (:mod:`ganpo.report.annual`).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ganpo.catalog.units import number
from ganpo.report.annual import CSS, _kpi_boxes, _table, write_pdf
from ganpo.report.carbon_tables import (
    LULUCF,
    MC_DRAWS,
    MC_SEED,
    SECTOR_NAMES,
    SECTORS,
    InventoryFigures,
    Lang,
    category_code_shown,
    category_label,
    change_pct,
    factor_label,
    factor_source,
    factor_unit,
    figures,
    fuel_set_title,
    grid_name,
    gwp_title,
    region_name,
    unit_label,
    wan_t,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory

TEXT: dict[str, dict[Lang, str]] = {
    "title": {
        "zh": "{region}{year}年温室气体清单报告",
        "en": "Greenhouse gas inventory of {region}, {year}",
    },
    "synthetic": {
        "zh": "合成数据：本清单的活动数据为 ganpo 示范用合成数据，不是统计数据，数字不得引用。",
        "en": "Synthetic data: the activity data of this inventory are synthetic demonstration "
        "data of ganpo, not statistics. Do not cite its numbers.",
    },
    "issuer_default": {
        "zh": "ganpo 温室气体清单平台编制（未指定发布单位）",
        "en": "Prepared with ganpo, the greenhouse gas inventory platform (no issuing body given)",
    },
    "inventory_line": {
        "zh": "清单编号 {id} · {status} · ganpo{version}",
        "en": "Inventory no. {id} · {status} · ganpo{version}",
    },
    "toc": {"zh": "目  录", "en": "Contents"},
    "overview": {"zh": "概述", "en": "Overview"},
    "overall": {"zh": "总体排放情况", "en": "Overall emissions"},
    "electricity": {"zh": "电力调入调出间接排放", "en": "Indirect emissions of electricity"},
    "uncertainty": {"zh": "不确定性", "en": "Uncertainty"},
    "units": {"zh": "各设区市和县（市、区）排放", "en": "Emissions by city and county"},
    "units_counties": {"zh": "各县（市、区）排放", "en": "Emissions by county"},
    "change": {"zh": "与上年比较", "en": "Change from the previous year"},
    "appendix": {"zh": "附录：排放因子及来源", "en": "Appendix: emission factors and sources"},
    "unit_wan": {"zh": "万吨二氧化碳当量", "en": "10,000 t CO₂e"},
    "emissions": {"zh": "排放量（万吨二氧化碳当量）", "en": "Emissions (10,000 t CO₂e)"},
    "item": {"zh": "项目", "en": "Item"},
    "content": {"zh": "内容", "en": "Content"},
    "sector": {"zh": "部门", "en": "Sector"},
    "share_gross": {"zh": "占直接排放总量", "en": "Share of gross total"},
    "share_sector": {"zh": "占本部门", "en": "Share of the sector"},
    "share": {"zh": "占比", "en": "Share"},
    "u": {"zh": "不确定性（±%）", "en": "Uncertainty (±%)"},
    "code": {"zh": "IPCC 代码", "en": "IPCC code"},
    "category": {"zh": "排放源和吸收汇类别", "en": "Source or sink category"},
    "gas": {"zh": "气体", "en": "Gas"},
    "gas_mass": {"zh": "排放量（万吨）", "en": "Emissions (10,000 t of the gas)"},
    "total": {"zh": "合计", "en": "Total"},
    "gross": {
        "zh": "直接排放总量（不含土地利用变化和林业）",
        "en": "Gross direct emissions (excluding land-use change and forestry)",
    },
    "lulucf_row": {
        "zh": "土地利用变化和林业（负值为净吸收）",
        "en": "Land-use change and forestry (negative: net removal)",
    },
    "net": {
        "zh": "净排放总量（含土地利用变化和林业）",
        "en": "Net emissions (including land-use change and forestry)",
    },
    "consumption": {
        "zh": "消费侧排放总量（含电力调入调出）",
        "en": "Consumption-based total (with the electricity imported and exported)",
    },
    "kpi_gross": {"zh": "直接排放总量", "en": "Gross direct emissions"},
    "kpi_net": {"zh": "净排放总量", "en": "Net emissions"},
    "kpi_consumption": {"zh": "消费侧排放总量", "en": "Consumption-based total"},
    "kpi_u": {"zh": "直接排放总量不确定性", "en": "Uncertainty of the gross total"},
    "table_totals": {"zh": "表 {n}  排放总量", "en": "Table {n}  Totals"},
    "table_sectors": {"zh": "表 {n}  分部门排放", "en": "Table {n}  Emissions by sector"},
    "table_gases": {"zh": "表 {n}  分气体排放", "en": "Table {n}  Emissions by gas"},
    "table_sector": {"zh": "表 {n}  {sector}排放", "en": "Table {n}  {sector}"},
    "table_electricity": {
        "zh": "表 {n}  电力调入调出间接排放",
        "en": "Table {n}  Indirect emissions of electricity",
    },
    "table_a1": {
        "zh": "表 {n}  分类别不确定性（方法 1，误差传播）",
        "en": "Table {n}  Uncertainty by category (Approach 1, error propagation)",
    },
    "table_a1_totals": {
        "zh": "表 {n}  总量的不确定性（方法 1）",
        "en": "Table {n}  Uncertainty of the totals (Approach 1)",
    },
    "table_a2": {
        "zh": "表 {n}  蒙特卡罗模拟（方法 2）",
        "en": "Table {n}  Monte Carlo simulation (Approach 2)",
    },
    "table_cities": {"zh": "表 {n}  各设区市排放", "en": "Table {n}  Emissions by city"},
    "table_counties": {
        "zh": "表 {n}  各县（市、区）排放",
        "en": "Table {n}  Emissions by county",
    },
    "table_change": {"zh": "表 {n}  排放变化", "en": "Table {n}  Change of emissions"},
    "table_change_cities": {
        "zh": "表 {n}  各设区市直接排放总量变化",
        "en": "Table {n}  Change of gross direct emissions by city",
    },
    "table_factors": {"zh": "附表 1  排放因子", "en": "Table A1  Emission factors"},
    "table_gwp": {"zh": "附表 2  全球增温潜势", "en": "Table A2  Global warming potentials"},
    "region": {"zh": "地区", "en": "Region"},
    "year": {"zh": "年份", "en": "Year"},
    "scope": {"zh": "清单范围", "en": "Scope"},
    "scope_text": {
        "zh": "{region}行政区域内的直接排放（{levels}），以及电力消费的间接排放（备忘项）；"
        "温室气体为二氧化碳（CO₂）、甲烷（CH₄）和氧化亚氮（N₂O）。",
        "en": "Direct emissions within {region} ({levels}) and the indirect emissions of the "
        "electricity consumed (memo item); the gases are carbon dioxide (CO₂), methane (CH₄) "
        "and nitrous oxide (N₂O).",
    },
    "gwp": {"zh": "全球增温潜势", "en": "Global warming potentials"},
    "methods": {"zh": "核算方法", "en": "Methods"},
    "methods_text": {
        "zh": "采用《2006 年 IPCC 国家温室气体清单指南》第一层级（Tier 1）方法，排放源类别与"
        "报告结构依据《省级温室气体清单编制指南（试行）》（国家发展和改革委员会，2011 年）；"
        "县级排放按类别和气体取整到克，逐级加总为设区市和全省排放，合计与分项完全一致。",
        "en": "Tier 1 methods of the 2006 IPCC Guidelines for National Greenhouse Gas "
        "Inventories; categories and the structure of the report after the provincial "
        "guideline (省级温室气体清单编制指南（试行）, National Development and Reform "
        "Commission, 2011). County emissions are rounded to whole grams per category and gas "
        "and summed to the cities and the province, so that every total is the sum of its "
        "parts.",
    },
    "data_sources": {"zh": "活动数据", "en": "Activity data"},
    "fuel_factors": {"zh": "燃料燃烧因子", "en": "Fuel-combustion factors"},
    "grid_region": {"zh": "电网排放因子", "en": "Grid emission factor"},
    "digest": {"zh": "数据摘要（SHA-256 前 12 位）", "en": "Data digest (SHA-256, first 12)"},
    "prepared": {"zh": "核算时间", "en": "Computed"},
    "status_draft": {"zh": "草稿", "en": "draft"},
    "status_published": {"zh": "已发布", "en": "published"},
    "levels_province": {"zh": "全省、设区市、县（市、区）", "en": "province, cities, counties"},
    "levels_city": {"zh": "设区市、县（市、区）", "en": "city, counties"},
    "notes": {"zh": "说明", "en": "Notes"},
    "sector_intro": {
        "zh": "{sector}{kind} {value} 万吨二氧化碳当量，{share}。",
        "en": "{sector}: {kind} {value} (10,000 t CO₂e), {share}.",
    },
    "kind_emission": {"zh": "排放", "en": "emissions of"},
    "kind_removal": {"zh": "净吸收", "en": "net removal of"},
    "share_of_gross": {"zh": "占直接排放总量的 {pct}", "en": "{pct} of the gross total"},
    "not_share": {
        "zh": "不计入直接排放总量",
        "en": "not part of the gross total",
    },
    "no_sector": {
        "zh": "本清单未核算该部门的排放（无活动数据）。",
        "en": "The inventory has no emissions of this sector (no activity data).",
    },
    "elec_consumed": {
        "zh": "电力消费隐含排放（全社会用电量 × 电网平均排放因子）",
        "en": "Emissions of the electricity consumed (consumption × grid average factor)",
    },
    "elec_generated": {
        "zh": "本地电力和热力生产直接排放（1.A.1.a）",
        "en": "Direct emissions of local electricity and heat production (1.A.1.a)",
    },
    "elec_net": {
        "zh": "电力调入调出间接排放（净调入为正）",
        "en": "Indirect emissions of electricity imported less exported (net import positive)",
    },
    "elec_text": {
        "zh": "电力调入调出间接排放按简化方法计算：全社会用电量乘以{grid}平均二氧化碳排放因子"
        "得到电力消费的排放，减去本地电力和热力生产的直接排放；本地发电与电网排放强度的差异"
        "也计入该项。消费侧排放总量 = 直接排放总量 + 电力调入调出间接排放。",
        "en": "The indirect emissions of electricity are computed by a simplified method: the "
        "electricity consumed times the average CO₂ factor of the {grid} gives the emissions "
        "of the electricity consumed, less the direct emissions of local electricity and heat "
        "production; the difference between the local plants' and the grid's emission "
        "intensity is counted in this item too. Consumption-based total = gross direct "
        "emissions + indirect emissions of electricity.",
    },
    "grid_used": {"zh": "所用电网排放因子：{items}。", "en": "Grid factor used: {items}."},
    "no_electricity": {
        "zh": "本清单没有电力消费数据，未计算电力调入调出间接排放。",
        "en": "The inventory has no electricity consumption data: no indirect emissions.",
    },
    "a1_text": {
        "zh": "方法 1（误差传播，IPCC 2006 指南第 1 卷第 3 章式 3.1、3.2）：各类别不确定性 = "
        "√(活动水平不确定性² + 排放因子不确定性²)，总量不确定性 = √Σ(Uᵢ·Eᵢ)² / |ΣEᵢ|；"
        "不确定性为 95% 置信区间的半宽，各类别视为相互独立。",
        "en": "Approach 1 (error propagation, IPCC 2006 Guidelines Vol. 1 Ch. 3 Eq. 3.1, "
        "3.2): per category U = √(U_activity² + U_factor²), for a total √Σ(Uᵢ·Eᵢ)² / |ΣEᵢ|; "
        "uncertainties are half-widths of 95 % confidence intervals, categories taken as "
        "independent.",
    },
    "a2_text": {
        "zh": "方法 2（蒙特卡罗模拟，IPCC 2006 指南第 1 卷第 3 章 3.2.3.2 节）：各类别活动水平与"
        "排放因子乘数按正态分布抽样（均值 1，标准差 = 不确定性 / 1.96，截断于 0），抽样 "
        "{draws} 次，随机种子 {seed}；直接排放总量为同一抽样之和，区间为 2.5% 与 97.5% 分位数。",
        "en": "Approach 2 (Monte Carlo, IPCC 2006 Guidelines Vol. 1 Ch. 3 §3.2.3.2): the "
        "activity and factor multipliers of each category are drawn from normal distributions "
        "(mean 1, standard deviation = uncertainty / 1.96, truncated at 0), {draws} draws, "
        "random seed {seed}; the gross total is the sum of the same draws, the interval its "
        "2.5 and 97.5 percentiles.",
    },
    "u_activity": {"zh": "活动水平（±%）", "en": "Activity data (±%)"},
    "u_factor": {"zh": "排放因子（±%）", "en": "Emission factor (±%)"},
    "u_combined": {"zh": "合成（±%）", "en": "Combined (±%)"},
    "p2_5": {"zh": "2.5% 分位", "en": "2.5th percentile"},
    "p97_5": {"zh": "97.5% 分位", "en": "97.5th percentile"},
    "range_pct": {"zh": "区间（%）", "en": "Range (%)"},
    "city": {"zh": "设区市", "en": "City"},
    "county": {"zh": "县（市、区）", "en": "County"},
    "col_gross": {"zh": "直接排放总量", "en": "Gross direct"},
    "col_net": {"zh": "净排放总量", "en": "Net"},
    "col_consumption": {"zh": "消费侧排放总量", "en": "Consumption-based"},
    "units_text": {
        "zh": "单位：万吨二氧化碳当量。县级排放逐级加总为上级行政区的排放，“合计”行为各行之和。",
        "en": "Unit: 10,000 t CO₂e. County emissions sum to the units above them; the "
        "“Total” row is the sum of the rows.",
    },
    "previous_col": {"zh": "{year} 年", "en": "{year}"},
    "change_abs": {"zh": "变化量", "en": "Change"},
    "change_rel": {"zh": "变化率", "en": "Change (%)"},
    "change_text": {
        "zh": "与 {year} 年清单（编号 {id}，同一地区、同一全球增温潜势版本 {gwp}）比较。",
        "en": "Compared with the inventory of {year} (no. {id}, same region, same GWP set {gwp}).",
    },
    "no_previous": {
        "zh": "无上年清单：清单库中没有{region}{year}年采用 {gwp} 全球增温潜势的清单，本报告"
        "不作年度比较。",
        "en": "No previous inventory: the store holds no inventory of {region} for {year} "
        "under the GWP set {gwp}, so this report makes no comparison with the previous year.",
    },
    "no_previous_other_gwp": {
        "zh": "库中另有{year}年采用其他全球增温潜势版本（{sets}）的清单，二氧化碳当量不可比较。",
        "en": "The store holds inventories of {year} under other GWP sets ({sets}); their "
        "CO₂-equivalents are not comparable.",
    },
    "no_previous_given": {
        "zh": "未提供上年清单，本报告不作年度比较。",
        "en": "No previous inventory was given, so this report makes no comparison with the "
        "previous year.",
    },
    "factor": {"zh": "因子", "en": "Factor"},
    "value": {"zh": "数值", "en": "Value"},
    "unit": {"zh": "单位", "en": "Unit"},
    "status": {"zh": "核实情况", "en": "Status"},
    "source": {"zh": "来源", "en": "Source"},
    "verified": {"zh": "已核实", "en": "verified"},
    "unverified": {"zh": "未核实", "en": "unverified"},
    "placeholder": {"zh": "占位值", "en": "placeholder"},
    "factors_text": {
        "zh": "“已核实”指数值已在所列来源中读到；“未核实”指为该方法的常用值，尚未重新核对来源。",
        "en": "“verified”: the value was read in the source named; “unverified”: the usual "
        "value of the method, not re-read in its source.",
    },
    "ch4_fossil": {"zh": "甲烷（化石源）", "en": "Methane (fossil)"},
    "ch4_non_fossil": {"zh": "甲烷（非化石源）", "en": "Methane (non-fossil)"},
    "CO2": {"zh": "二氧化碳（CO₂）", "en": "Carbon dioxide (CO₂)"},
    "CH4": {"zh": "甲烷（CH₄）", "en": "Methane (CH₄)"},
    "N2O": {"zh": "氧化亚氮（N₂O）", "en": "Nitrous oxide (N₂O)"},
    "keywords": {
        "zh": "温室气体清单, 二氧化碳排放, 省级温室气体清单编制指南, {region}, {year}",
        "en": "greenhouse gas inventory, CO2 emissions, provincial inventory guideline, "
        "{region}, {year}",
    },
    "description": {
        "zh": "依据 IPCC 2006 指南与省级温室气体清单编制指南编制的{region}{year}年温室气体清单",
        "en": "Greenhouse gas inventory of {region}, {year}, after the IPCC 2006 Guidelines "
        "and the provincial inventory guideline",
    },
}

NUMERALS = "一二三四五六七八九十"


def t(key: str, lang: Lang, **kw: Any) -> str:
    return TEXT[key][lang].format(**kw)


def _chapter_label(n: int, text: str, lang: Lang) -> str:
    if lang == "en":
        return f"{n}. {text}"
    numeral = NUMERALS[n - 1] if n <= 10 else "十" + NUMERALS[n - 11]
    return f"{numeral}、{text}"


def _w(grams: int) -> str:
    """Whole grams in 万t with two decimals and thousands separators."""
    return number(wan_t(grams), 2)


def _pct(value: float, decimals: int = 1) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{decimals}f}%"


def _u(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.1f}"


def plain_number(value: float) -> str:
    """A factor's value as printed: thousands separators, no exponent, no trailing zeros
    (20,908; 0.5271; 0.0075)."""
    text = np.format_float_positional(float(value), trim="-")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def notes_in(notes: list[str], lang: Lang, fuel_set: str = "") -> list[str]:
    """The inventory's notes in ``lang`` (a note is "English / 中文"), a fuel of
    ``fuel_set`` named (原煤, raw coal) where the note gives its key; the synthetic marking
    is said on its own."""
    from ganpo.carbon.factors import fuel_factor_set, fuel_factor_set_names

    fuels = fuel_factor_set(fuel_set).fuels if fuel_set in fuel_factor_set_names() else {}
    out = []
    for n in notes:
        if n.startswith("合成数据"):
            continue
        en, sep, zh = n.partition(" / ")
        text = (zh if lang == "zh" else en) if sep else n
        for key, fuel in fuels.items():
            text = re.sub(rf"\b{re.escape(key)}\b", fuel.zh if lang == "zh" else fuel.en, text)
        out.append(text)
    return out


@dataclass(frozen=True)
class PreviousYear:
    """The previous year's inventory of a report, or why there is none."""

    figures: InventoryFigures | None
    #: the sentence said when there is none (empty when there is one)
    missing: str = ""


def find_previous(
    stored: StoredInventory,
    lang: Lang,
    previous: StoredInventory | None = None,
    engine: Engine | None = None,
) -> PreviousYear:
    """The previous year of ``stored``: ``previous`` checked (same region, earlier year,
    same GWP set, else :class:`InputError`), else the store's inventory of the same region,
    the year before and the same GWP set (:func:`~ganpo.report.carbon_tables.
    previous_inventory`) when ``engine`` is given, else none, with the sentence saying why."""
    from ganpo.report.carbon_tables import check_previous, other_gwp_previous, previous_inventory
    from ganpo.store.carbon import load_inventory

    h = stored.header
    if previous is not None:
        check_previous(h, previous.header)
        return PreviousYear(figures(previous))
    if engine is None:
        return PreviousYear(None, t("no_previous_given", lang))
    found = previous_inventory(engine, h)
    if found is not None:
        return PreviousYear(figures(load_inventory(engine, found.id)))
    region = region_name(int(h.region_adcode), lang)
    text = t("no_previous", lang, region=region, year=h.year - 1, gwp=h.gwp_set)
    others = sorted({o.gwp_set for o in other_gwp_previous(engine, h)})
    if others:
        sep = "、" if lang == "zh" else ", "
        text += (" " if lang == "en" else "") + t(
            "no_previous_other_gwp", lang, year=h.year - 1, sets=sep.join(others)
        )
    return PreviousYear(None, text)


@dataclass
class _Doc:
    """What every chapter writes with: the language, the chapters' numbered headings and
    the running table number."""

    lang: Lang
    labels: dict[str, str]
    tables: Iterator[int] = field(default_factory=lambda: iter(range(1, 1000)))

    def t(self, key: str, **kw: Any) -> str:
        return t(key, self.lang, **kw)

    def h2(self, key: str) -> str:
        return f"<h2 id='sec-{key}' class='section'>{html.escape(self.labels[key])}</h2>"

    def p(self, text: str, cls: str = "") -> str:
        return f"<p{f' class={cls!r}' if cls else ''}>{html.escape(text)}</p>"

    def caption(self, key: str, **kw: Any) -> str:
        return self.p(self.t(key, n=next(self.tables), **kw), "caption")

    def table(self, frame: pd.DataFrame, heads: list[str], *, total: bool = False) -> str:
        """A table whose headers are keys of :data:`TEXT` (or texts, when not keys)."""
        return _table(frame, [self.t(h) if h in TEXT else h for h in heads], total_row=total)


def build_inventory_html(
    f: InventoryFigures,
    lang: Lang = "zh",
    previous: PreviousYear | None = None,
    *,
    issuer: str = "",
    report_date: str = "",
) -> str:
    """The report as a standalone HTML document (cover, contents, chapters, appendix); the
    PDF's title, author, subject and keywords come from its head."""
    region = region_name(f.region_code, lang)
    previous = previous or PreviousYear(None, t("no_previous_given", lang))
    sectors = [s for s in SECTORS if s != LULUCF or f.has_lulucf]
    chapters = [("overview", t("overview", lang)), ("overall", t("overall", lang))]
    chapters += [(f"sector-{s}", SECTOR_NAMES[s][0 if lang == "zh" else 1]) for s in sectors]
    chapters += [(k, t(k, lang)) for k in ("electricity", "uncertainty")]
    if f.levels:
        chapters.append(("units", t("units" if "city" in f.levels else "units_counties", lang)))
    chapters.append(("change", t("change", lang)))
    labels = {k: _chapter_label(i, text, lang) for i, (k, text) in enumerate(chapters, start=1)}
    labels["appendix"] = t("appendix", lang)
    d = _Doc(lang, labels)
    parts = [
        _head_and_cover(f, d, region, issuer, report_date),
        f"<div class='toc'><h2 class='toc-title'>{d.t('toc')}</h2><ul>",
        *(f"<li><a href='#sec-{k}'>{html.escape(v)}</a></li>" for k, v in labels.items()),
        "</ul></div>",
        _overview(f, d, region),
        _overall(f, d),
        *(_sector(f, d, s) for s in sectors),
        _electricity(f, d),
        _uncertainty(f, d),
        _units(f, d) if f.levels else "",
        _change(f, d, previous),
        _appendix(f, d),
        "</body></html>",
    ]
    return "".join(parts)


def _head_and_cover(
    f: InventoryFigures, d: _Doc, region: str, issuer: str, report_date: str
) -> str:
    esc = html.escape
    h = f.stored.header
    title = d.t("title", region=region, year=h.year)
    issuer = issuer or d.t("issuer_default")
    date = report_date or datetime.now(UTC).date().isoformat()
    status = d.t(f"status_{h.status}") if f"status_{h.status}" in TEXT else h.status
    version = f" {h.code_version}" if h.code_version else ""
    line = d.t("inventory_line", id=h.id, status=status, version=version)
    parts = [
        f"<html lang='{'zh-CN' if d.lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title>"
        f"<meta name='author' content='{esc(issuer)}'>"
        f"<meta name='description' content='{esc(d.t('description', region=region, year=h.year))}'>"
        f"<meta name='keywords' content='{esc(d.t('keywords', region=region, year=h.year))}'>"
        f"<meta name='generator' content='ganpo {esc(h.code_version)}'>"
        f"<meta name='dcterms.created' content='{esc(date)}'>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<div class='cover'><h1>{esc(title)}</h1>",
        d.p(issuer, "issuer"),
        d.p(date, "date"),
        d.p(line, "meta"),
        d.p(d.t("synthetic"), "warn") if h.synthetic else "",
        "</div>",
    ]
    return "".join(parts)


def _overview(f: InventoryFigures, d: _Doc, region: str) -> str:
    h = f.stored.header
    zh = d.lang == "zh"
    levels = d.t("levels_province" if f.region_level == "province" else "levels_city")
    data = h.dataset_title_zh if zh else h.dataset_title_en
    if h.synthetic and "合成" not in data and "synthetic" not in data.lower():
        data += "（合成数据）" if zh else " (synthetic)"
    gwp = gwp_title(h.gwp_set, d.lang) + (f"（{h.gwp_set}）" if zh else f" ({h.gwp_set})")
    rows = [
        (d.t("region"), region),
        (d.t("year"), str(h.year)),
        (d.t("scope"), d.t("scope_text", region=region, levels=levels)),
        (d.t("gwp"), gwp),
        (d.t("methods"), d.t("methods_text")),
        (d.t("data_sources"), data),
        (d.t("fuel_factors"), fuel_set_title(h.fuel_set, d.lang)),
        (d.t("grid_region"), grid_name(h.grid, d.lang)),
        (d.t("digest"), h.dataset_digest[:12]),
        (d.t("prepared"), f"{h.created_at:%Y-%m-%d}"),
    ]
    parts = [d.h2("overview"), d.p(d.t("synthetic"), "warn") if h.synthetic else ""]
    parts.append("<div class='kv'>" + d.table(pd.DataFrame(rows), ["item", "content"]) + "</div>")
    notes = notes_in(list(h.notes or []), d.lang, h.fuel_set)
    if notes:
        parts.append(f"<h3>{d.t('notes')}</h3>")
        parts += [d.p(x, "meta") for x in notes]
    return "".join(parts)


def _overall(f: InventoryFigures, d: _Doc) -> str:
    top, unit = f.top, d.t("unit_wan")
    kpis = [(d.t("kpi_gross"), _w(top["gross"]), unit)]
    if f.has_lulucf:
        kpis.append((d.t("kpi_net"), _w(top["net"]), unit))
    kpis.append((d.t("kpi_consumption"), _w(top["consumption"]), unit))
    u_gross = f.total_u.get("gross", math.nan)
    kpis.append((d.t("kpi_u"), "±" + _pct(u_gross) if math.isfinite(u_gross) else "—", ""))
    return "".join(
        [
            d.h2("overall"),
            _kpi_boxes(kpis, per_row=len(kpis)),
            d.caption("table_totals"),
            d.table(totals_rows(f, d.lang), ["item", "emissions", "u"]),
            d.caption("table_sectors"),
            d.table(
                sector_rows(f, d.lang), ["sector", "emissions", "share_gross", "u"], total=True
            ),
            d.caption("table_gases"),
            d.table(gas_rows(f, d.lang), ["gas", "gas_mass", "emissions", "share"], total=True),
        ]
    )


def _sector(f: InventoryFigures, d: _Doc, s: str) -> str:
    """A sector's chapter: its emission (or net removal) and its categories' table."""
    name = SECTOR_NAMES[s][0 if d.lang == "zh" else 1]
    if not (f.categories["sector"] == s).any():
        return d.h2(f"sector-{s}") + d.p(d.t("no_sector"))
    value, gross = f.top[s], f.top["gross"]
    if s == LULUCF:
        share = d.t("not_share")
    else:
        share = d.t("share_of_gross", pct=_pct(value / gross * 100 if gross else math.nan))
    kind = d.t("kind_removal" if value < 0 else "kind_emission")
    intro = d.t("sector_intro", sector=name, kind=kind, value=_w(abs(value)), share=share)
    heads = ["code", "category", "emissions", "share_sector", "u"]
    return "".join(
        [
            d.h2(f"sector-{s}"),
            d.p(intro),
            d.caption("table_sector", sector=name),
            d.table(category_rows(f, s, d.lang), heads, total=True),
        ]
    )


def _electricity(f: InventoryFigures, d: _Doc) -> str:
    if not (f.categories["sector"] == "memo").any():
        return d.h2("electricity") + d.p(d.t("no_electricity"))
    parts = [
        d.h2("electricity"),
        d.p(d.t("elec_text", grid=grid_name(f.stored.header.grid, d.lang))),
        d.caption("table_electricity"),
        d.table(electricity_rows(f, d.lang), ["item", "emissions"], total=True),
    ]
    used = f.stored.factors[f.stored.factors["key"].str.startswith("grid.")]
    items = ("；" if d.lang == "zh" else "; ").join(
        f"{factor_label(str(r['key']), d.lang)} {plain_number(float(r['value']))} "
        f"{factor_unit(str(r['unit']), d.lang)}"
        for r in used.to_dict("records")
    )
    if items:
        parts.append(d.p(d.t("grid_used", items=items), "meta"))
    return "".join(parts)


def _uncertainty(f: InventoryFigures, d: _Doc) -> str:
    """Approach 1 per category and for the totals; Approach 2 of the gross total."""
    a1 = ["code", "category", "emissions", "u_activity", "u_factor", "u_combined"]
    parts = [
        d.h2("uncertainty"),
        d.p(d.t("a1_text")),
        d.caption("table_a1"),
        d.table(a1_rows(f, d.lang), a1),
        d.caption("table_a1_totals"),
        d.table(totals_rows(f, d.lang), ["item", "emissions", "u"]),
    ]
    if not f.monte_carlo.empty:
        a2 = ["category", "emissions", "p2_5", "p97_5", "range_pct"]
        parts += [
            d.p(d.t("a2_text", draws=f"{MC_DRAWS:,}", seed=MC_SEED)),
            d.caption("table_a2"),
            d.table(a2_rows(f, d.lang), a2, total=True),
        ]
    return "".join(parts)


def _units(f: InventoryFigures, d: _Doc) -> str:
    parts = [d.h2("units"), d.p(d.t("units_text"), "meta")]
    for level, key in (("city", "table_cities"), ("county", "table_counties")):
        if level in f.levels:
            frame, heads = unit_rows(f, level, d.lang)
            parts += [d.caption(key), "<div class='units'>", d.table(frame, heads, total=True)]
            parts.append("</div>")
    return "".join(parts)


def _change(f: InventoryFigures, d: _Doc, previous: PreviousYear) -> str:
    p = previous.figures
    if p is None:
        return d.h2("change") + d.p(previous.missing, "no-previous")
    ph = p.stored.header
    heads = [
        d.t("item"),
        d.t("previous_col", year=ph.year),
        d.t("previous_col", year=f.stored.header.year),
        d.t("change_abs"),
        d.t("change_rel"),
    ]
    parts = [
        d.h2("change"),
        d.p(d.t("change_text", year=ph.year, id=ph.id, gwp=ph.gwp_set)),
        d.caption("table_change"),
        d.table(change_rows(p, f, d.lang), heads),
    ]
    cities = change_unit_rows(p, f, d.lang)
    if cities is not None:
        parts += [d.caption("table_change_cities"), "<div class='units'>"]
        parts += [d.table(cities, [d.t("city"), *heads[1:]], total=True), "</div>"]
    return "".join(parts)


def _appendix(f: InventoryFigures, d: _Doc) -> str:
    heads = ["factor", "value", "unit", "year", "status", "source"]
    return "".join(
        [
            d.h2("appendix"),
            d.p(d.t("factors_text"), "meta"),
            d.p(d.t("table_factors"), "caption"),
            "<div class='factors'>",
            d.table(factor_rows(f, d.lang), heads),
            "</div>",
            d.p(d.t("table_gwp"), "caption"),
            d.table(gwp_rows(f.stored.header.gwp_set, d.lang), ["gas", "value", "source"]),
        ]
    )


EXTRA_CSS = """
.kv table { table-layout: fixed; }
.kv th:nth-child(1) { width: 24%; }
.cover .warn { font-size: 12pt; border: 2px solid #b71c1c; padding: 3mm; }
.factors table { table-layout: fixed; font-size: 7.5pt; }
.factors td { vertical-align: top; }
.factors th:nth-child(1) { width: 22%; }
.factors th:nth-child(2) { width: 9%; }
.factors th:nth-child(3) { width: 15%; }
.factors th:nth-child(4) { width: 6%; }
.factors th:nth-child(5) { width: 8%; }
.factors th:nth-child(6) { width: 40%; }
"""


# ------------------------------------------------------------------ the tables' rows


def total_lines(f: InventoryFigures, lang: Lang) -> list[tuple[str, int, float | None]]:
    """The totals (label, grams, Approach 1 uncertainty %): gross, land-use change and
    forestry and net where the inventory has them, consumption-based."""
    top, u = f.top, f.total_u
    keys = ["gross", *([LULUCF, "net"] if f.has_lulucf else []), "consumption"]
    return [(t(_LABEL_KEYS.get(k, k), lang), top[k], u.get(k)) for k in keys]


_LABEL_KEYS = {LULUCF: "lulucf_row"}


def totals_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([(label, _w(g), _u(u)) for label, g, u in total_lines(f, lang)])


def sector_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    """The sectors in the guideline's order; land-use change and forestry (a net removal
    where negative) beside them, outside the gross total, which is the last row."""
    top = f.top
    gross = top["gross"]
    rows = []
    for s in SECTORS:
        if s == LULUCF and not f.has_lulucf:
            continue
        share = "—" if s == LULUCF or not gross else _pct(top[s] / gross * 100)
        rows.append(
            (SECTOR_NAMES[s][0 if lang == "zh" else 1], _w(top[s]), share, _u(f.total_u.get(s)))
        )
    rows.append(
        (t("gross", lang), _w(gross), "100.0%" if gross else "—", _u(f.total_u.get("gross")))
    )
    return pd.DataFrame(rows)


def gas_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    gross = f.top["gross"]
    rows = [
        (
            t(str(g["gas"]), lang) if str(g["gas"]) in TEXT else str(g["gas"]),
            _w(int(g["quantity_g"])),
            _w(int(g["co2e_g"])),
            _pct(int(g["co2e_g"]) / gross * 100) if gross else "—",
        )
        for g in f.gases.to_dict("records")
    ]
    rows.append((t("gross", lang), "—", _w(gross), "100.0%" if gross else "—"))
    return pd.DataFrame(rows)


def category_rows(f: InventoryFigures, s: str, lang: Lang) -> pd.DataFrame:
    cats = f.categories[f.categories["sector"] == s]
    total = f.top[s]
    rows = [
        (
            category_code_shown(str(c["category_code"]), lang),
            category_label(str(c["category_code"]), lang),
            _w(int(c["co2e_g"])),
            _pct(int(c["co2e_g"]) / total * 100) if total else "—",
            _u(float(c["u_pct"])),
        )
        for c in cats.to_dict("records")
    ]
    rows.append(("", t("total", lang), _w(total), "100.0%" if total else "—", _u(f.total_u.get(s))))
    return pd.DataFrame(rows)


def electricity_lines(f: InventoryFigures, lang: Lang) -> list[tuple[str, int]]:
    """The electricity chapter's lines (label, grams): consumed, generated, their
    difference (net import), the gross and the consumption-based totals."""
    top = f.top
    return [
        (t("elec_consumed", lang), top["electricity"]),
        (t("elec_generated", lang), top["power"]),
        (t("elec_net", lang), top["electricity"] - top["power"]),
        (t("gross", lang), top["gross"]),
        (t("consumption", lang), top["consumption"]),
    ]


def electricity_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([(label, _w(g)) for label, g in electricity_lines(f, lang)])


def a1_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                category_code_shown(str(c["category_code"]), lang),
                category_label(str(c["category_code"]), lang),
                _w(int(c["co2e_g"])),
                _u(float(c["u_activity_pct"])),
                _u(float(c["u_factor_pct"])),
                _u(float(c["u_pct"])),
            )
            for c in f.categories.to_dict("records")
        ]
    )


def a2_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    rows = []
    for r in f.monte_carlo.to_dict("records"):
        code = str(r["category_code"])
        label = t("gross", lang) if code == "total" else category_label(code, lang)
        rows.append(
            (
                label,
                number(float(r["co2e_t"]) / 1e4),
                number(float(r["p2_5_t"]) / 1e4),
                number(float(r["p97_5_t"]) / 1e4),
                f"−{float(r['u_low_pct']):.1f} / +{float(r['u_high_pct']):.1f}",
            )
        )
    return pd.DataFrame(rows)


def unit_columns(f: InventoryFigures) -> list[str]:
    cols = [s for s in SECTORS if s != LULUCF or f.has_lulucf]
    return [*cols, "gross", *(["net"] if f.has_lulucf else []), "consumption"]


def unit_headers(f: InventoryFigures, lang: Lang) -> list[str]:
    names = {s: SECTOR_NAMES[s][0 if lang == "zh" else 1] for s in SECTORS}
    names |= {k: t(f"col_{k}", lang) for k in ("gross", "net", "consumption")}
    return [names[c] for c in unit_columns(f)]


def unit_rows(f: InventoryFigures, level: str, lang: Lang) -> tuple[pd.DataFrame, list[str]]:
    """The units of ``level`` (cities, counties; a county with its city), each sector and
    total in 万t CO2e, and a total row: the sum of the rows."""
    from ganpo.carbon.regions import region

    reg = region(f.region_code)
    table = f.levels[level]
    cols = unit_columns(f)
    out = []
    for code, r in table.iterrows():
        unit = reg.units[int(str(code))]
        row = [unit_label(unit.code, unit.name, lang)]
        if level == "county":
            parent = reg.units.get(unit.parent) if unit.parent is not None else None
            row.insert(0, unit_label(parent.code, parent.name, lang) if parent else "")
        out.append([*row, *(_w(int(r[c])) for c in cols)])
    total = [t("total", lang), *(_w(sum(int(v) for v in table[c])) for c in cols)]
    if level == "county":
        total.insert(0, "")
    out.append(total)
    first = [t("city", lang)] if level == "city" else [t("city", lang), t("county", lang)]
    return pd.DataFrame(out), [*first, *unit_headers(f, lang)]


def _change_line(label: str, a: int, b: int) -> tuple[str, str, str, str, str]:
    return (label, _w(a), _w(b), _w(b - a), _pct(change_pct(a, b)))


def change_lines(
    p: InventoryFigures, f: InventoryFigures, lang: Lang
) -> list[tuple[str, int, int]]:
    """The totals and the emitting sectors of both years (label, grams before, after)."""
    keys = ["gross", *([LULUCF, "net"] if f.has_lulucf or p.has_lulucf else []), "consumption"]
    lines = [(t(_LABEL_KEYS.get(k, k), lang), p.top[k], f.top[k]) for k in keys]
    lines += [
        (SECTOR_NAMES[s][0 if lang == "zh" else 1], p.top[s], f.top[s])
        for s in SECTORS
        if s != LULUCF
    ]
    return lines


def change_rows(p: InventoryFigures, f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    return pd.DataFrame([_change_line(*line) for line in change_lines(p, f, lang)])


def city_change_lines(
    p: InventoryFigures, f: InventoryFigures, lang: Lang
) -> list[tuple[str, int, int]] | None:
    """The cities' gross direct emissions of both years (label, grams before, after) and
    their total (when both inventories have cities)."""
    from ganpo.carbon.regions import region

    if "city" not in f.levels or "city" not in p.levels:
        return None
    reg = region(f.region_code)
    a, b = p.levels["city"]["gross"], f.levels["city"]["gross"]
    lines = [
        (
            unit_label(int(c), reg.units[int(c)].name, lang),
            int(a.get(c, 0)),
            int(b.get(c, 0)),
        )
        for c in sorted(set(a.index) | set(b.index))
    ]
    lines.append((t("total", lang), sum(int(v) for v in a), sum(int(v) for v in b)))
    return lines


def change_unit_rows(p: InventoryFigures, f: InventoryFigures, lang: Lang) -> pd.DataFrame | None:
    lines = city_change_lines(p, f, lang)
    return None if lines is None else pd.DataFrame([_change_line(*x) for x in lines])


def factor_rows(f: InventoryFigures, lang: Lang) -> pd.DataFrame:
    rows = []
    for r in f.stored.factors.to_dict("records"):
        status = str(r["status"])
        rows.append(
            (
                factor_label(str(r["key"]), lang),
                plain_number(float(r["value"])),
                factor_unit(str(r["unit"]), lang),
                str(int(r["year"])),
                t(status, lang) if status in TEXT else status,
                factor_source(str(r["source"]), lang),
            )
        )
    return pd.DataFrame(rows)


def gwp_rows(name: str, lang: Lang) -> pd.DataFrame:
    from ganpo.carbon.factors import gwp_set

    s = gwp_set(name)
    labels = {
        "CO2": "CO2",
        "CH4_fossil": "ch4_fossil",
        "CH4_non_fossil": "ch4_non_fossil",
        "N2O": "N2O",
    }
    source = factor_source(s.source, lang)
    return pd.DataFrame(
        [
            (t(labels[k], lang) if k in labels else k, plain_number(v), source)
            for k, v in s.values.items()
        ]
    )


def write_inventory_report(
    inventory: StoredInventory,
    out_path: Path | str,
    lang: Lang = "zh",
    previous: StoredInventory | None = None,
    *,
    engine: Engine | None = None,
    issuer: str = "",
    report_date: str = "",
) -> Path:
    """Write the inventory's annual report as PDF (atomically) and return its path.

    ``previous``: the inventory of the previous year to compare with (same region, an
    earlier year and the same GWP set, else :class:`~ganpo.errors.InputError`); without it
    the store's (``engine``) inventory of the year before is found, and the report says
    when there is none. ``issuer`` names the issuing body (cover, PDF author)."""
    f = figures(inventory)
    before = find_previous(inventory, lang, previous, engine)
    document = build_inventory_html(f, lang, before, issuer=issuer, report_date=report_date)
    return write_pdf(document, Path(out_path))
