"""The annual GEP report (年度 GEP 核算报告): an HTML document rendered to PDF by WeasyPrint.

Sections: summary, method and profile, data sources, tables, charts (composition, county
ranking, change since last year), maps (GEP per km² by county; a service raster),
uncertainty, the methods (each indicator's formula, the clause it follows or "text
unobtainable → follows …", parameters and verified status: :mod:`ganpo.report.method_table`),
an appendix of parameters with their sources and an appendix with the account's quality
report (:mod:`ganpo.report.quality`). The cover names the profile's standard as the basis
only where its text was read (the profile's ``verified`` flag and conformance table);
otherwise it says the text could not be obtained. Chinese by default,
English with ``lang="en"``. Charts are drawn with matplotlib in Noto Sans CJK and embedded
as PNG data, so the report needs no network and no files beside it.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ganpo.catalog.indicators import CATEGORIES, indicators
from ganpo.catalog.names import unit_names
from ganpo.catalog.units import display_unit, is_money, number, prose_units
from ganpo.io.outputs import ANNUAL_REPORT, atomic_write
from ganpo.report import maps, summary
from ganpo.report.fonts import use_cjk_font
from ganpo.report.quality import QualityReport, override_text, percent, units_text

Lang = Literal["zh", "en"]

TEXT: dict[str, dict[Lang, str]] = {
    "title": {
        "zh": "{region}{year}年生态系统生产总值（GEP）核算报告",
        "en": "Gross Ecosystem Product (GEP) account of {region}, {year}",
    },
    "synthetic": {
        "zh": "本报告基于合成数据（仅行政区划为真实数据），数字不得引用。",
        "en": "This report is built on synthetic data (only the boundaries are real). "
        "Do not cite its numbers.",
    },
    "summary": {"zh": "一、核算结果摘要", "en": "1. Summary"},
    "method": {"zh": "二、核算方法与口径", "en": "2. Method and profile"},
    "data": {"zh": "三、数据来源", "en": "3. Data sources"},
    "tables": {"zh": "四、核算结果表", "en": "4. Result tables"},
    "charts": {"zh": "五、结构、排名与变化", "en": "5. Composition, ranking and change"},
    "maps": {"zh": "六、空间分布", "en": "6. Maps"},
    "uncertainty": {"zh": "七、不确定性", "en": "7. Uncertainty"},
    "methods": {"zh": "八、核算方法说明", "en": "8. Methods"},
    "methods_intro": {
        "zh": "下表列出本口径每项指标的核算方法、公式、所依据的标准条款（标准文本未能获取时，"
        "注明所依据的已发表应用）、所用参数及其核实情况；其后一表列出与所依据应用的偏离及其"
        "理由。查找标准文本所做的检索记录在 ganpo 的方法说明与符合性表中。",
        "en": "The table lists, for each indicator of the profile, its method, formula, the "
        "clause of the standard it follows (or, where the standard's text could not be "
        "obtained, the published application it follows), its parameters and how far they "
        "are verified; the table after it lists the deviations from the application "
        "followed, with their reasons. The searches made for the standard's text are "
        "recorded in ganpo's methods documentation and conformance tables.",
    },
    "deviations": {
        "zh": "与所依据应用的偏离及理由",
        "en": "Deviations from the applications followed, and why",
    },
    "appendix": {"zh": "附录：参数及来源", "en": "Appendix: parameters and sources"},
    "gep": {"zh": "GEP 总值", "en": "GEP"},
    "density": {"zh": "单位面积 GEP", "en": "GEP per km²"},
    "change": {
        "zh": "比上年物量变化（按上年价格计算）",
        "en": "Change since last year (volume at last year's prices)",
    },
    "yi": {"zh": "亿元", "en": "100 million yuan"},
    "wan_km2": {"zh": "万元/km²", "en": "10,000 yuan/km²"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "quantity": {"zh": "实物量", "en": "Quantity"},
    "unit": {"zh": "单位", "en": "Unit"},
    "value": {"zh": "价值（亿元）", "en": "Value (100 million yuan)"},
    "share": {"zh": "占比", "en": "Share"},
    "city": {"zh": "设区市", "en": "City"},
    "county": {"zh": "县（市、区）", "en": "County"},
    "area": {"zh": "面积（km²）", "en": "Area (km²)"},
    "city_table": {"zh": "表 2  各设区市 GEP", "en": "Table 2  GEP by city"},
    "county_table": {"zh": "表 3  各县（市、区）GEP", "en": "Table 3  GEP by county"},
    "indicator_table": {
        "zh": "表 1  各项生态产品的实物量与价值",
        "en": "Table 1  Quantity and value of each ecosystem service",
    },
    "unit_table": {
        "zh": "附表  各{level}GEP（按{level}核算的项目）",
        "en": "GEP by {level} (the items accounted per {level})",
    },
    "unit_table_note": {
        "zh": "本核算按{level}进行。本表只含按{level}计算的项目（栅格服务、按{level}填报的统计）；"
        "按县填报的统计不拆分到{level}，只计入县、市表，故本表合计小于全省 GEP。",
        "en": "The account runs per {level}. This table holds what is computed per {level} "
        "(raster services, statistics given per {level}); statistics given per county are "
        "not split among a county's {level}s and appear in the county and city tables "
        "only, so this table's total is below the region's GEP.",
    },
    "units_appendix": {"zh": "附录：各{level}核算结果", "en": "Appendix: results by {level}"},
    "toc": {"zh": "目  录", "en": "Contents"},
    "issuer_default": {
        "zh": "ganpo 生态系统生产总值核算平台编制（未指定发布单位）",
        "en": "Prepared with ganpo, the GEP accounting platform (no issuing body given)",
    },
    "issued": {"zh": "{date}", "en": "{date}"},
    "account_line": {
        "zh": "核算编号 {id} · ganpo {version}",
        "en": "Account no. {id} · ganpo {version}",
    },
    "no_previous": {
        "zh": "无上年核算：账户库中没有{year}年同一数据集、同一核算口径的核算，"
        "本报告不作年度比较。",
        "en": "No previous account: the store holds no account of {year} of the same dataset "
        "and profile, so this report makes no comparison with the previous year.",
    },
    "monte_carlo": {
        "zh": "蒙特卡罗模拟 {draws} 次（单位：亿元）",
        "en": "Monte Carlo simulation, {draws} draws (100 million yuan)",
    },
    "money_note": {
        "zh": "物质产品以产值（增加值）计，其实物量即价值，实物量栏记“—”。",
        "en": "Material products are valued by their output (value added): their quantity is "
        "a value, so the quantity column shows “—”.",
    },
    "keywords": {
        "zh": "生态系统生产总值, GEP, 生态产品价值核算, {region}, {year}",
        "en": "gross ecosystem product, GEP, ecosystem accounting, {region}, {year}",
    },
    "method_col": {"zh": "核算方法", "en": "Method"},
    "source": {"zh": "来源", "en": "Source"},
    "role": {"zh": "数据项", "en": "Input"},
    "year": {"zh": "年份", "en": "Year"},
    "checksum": {"zh": "校验和", "en": "Checksum"},
    "param": {"zh": "参数", "en": "Parameter"},
    "status": {"zh": "核实情况", "en": "Status"},
    "p05": {"zh": "5% 分位", "en": "5 %"},
    "p50": {"zh": "中位数", "en": "Median"},
    "p95": {"zh": "95% 分位", "en": "95 %"},
    "raster_caption": {
        "zh": "{name}服务量空间分布（每公顷，抽稀栅格，仅供展示）",
        "en": "{name} per hectare (decimated raster, for display)",
    },
    "value_col": {"zh": "数值", "en": "Value"},
    "physical": {
        "zh": "与 GEP 并列报告的实物量指标（不计价，不计入 GEP）",
        "en": "Physical indicators reported beside the GEP (not valued, not in GEP)",
    },
    "per_km2": {"zh": "每 km²", "en": "per km²"},
    "total": {"zh": "合计", "en": "Total"},
    "no_uncertainty": {
        "zh": "本核算未进行不确定性分析。",
        "en": "No uncertainty analysis was run.",
    },
    "quality": {"zh": "附录：核算质量报告", "en": "Appendix: quality report"},
    "quality_intro": {
        "zh": "本附录说明核算所依据输入数据的质量：图层对各行政区的覆盖率，对未被拒绝但不完全"
        "规范的输入按规则作出的决定，运行中的警告，经审核接受的书面说明，以及仍未核实的参数。",
        "en": "This appendix states the quality of the inputs the account rests on: how "
        "completely the layers cover each unit, the decisions taken under stated rules about "
        "inputs that were accepted but not clean, the run's warnings, the written "
        "explanations a reviewer accepted, and the parameters that remain unverified.",
    },
    "q_item": {"zh": "项目", "en": "Item"},
    "q_count": {"zh": "数量", "en": "Count"},
    "q_layer": {"zh": "图层", "en": "Layer"},
    "q_units_below": {"zh": "未完全覆盖的行政区数", "en": "Units below 100 %"},
    "q_min_share": {"zh": "最低覆盖率", "en": "Lowest share"},
    "q_units": {"zh": "涉及的行政区（覆盖率）", "en": "Units concerned (share)"},
    "q_unit": {"zh": "行政区", "en": "Unit"},
    "q_basis": {"zh": "依据", "en": "Basis"},
    "q_text": {"zh": "说明", "en": "What was found and done"},
    "q_no": {"zh": "序号", "en": "No."},
    "q_warning": {"zh": "警告", "en": "Warning"},
    "q_kind": {"zh": "类别", "en": "Kind"},
    "q_status": {"zh": "核实情况", "en": "Status"},
    "q_source": {"zh": "来源", "en": "Source"},
    "q_no_coverage": {
        "zh": "本核算未记录图层对各行政区的覆盖率。",
        "en": "The account recorded no coverage of the units by its layers.",
    },
    "q_full_coverage": {
        "zh": "每个图层都完整覆盖了全部行政区。",
        "en": "Every layer covers every unit completely.",
    },
    "q_no_decisions": {
        "zh": "本核算未对输入数据作出任何决定。",
        "en": "The account took no decision about its inputs.",
    },
    "q_none": {"zh": "无。", "en": "None."},
    "q_all_verified": {
        "zh": "本核算使用的参数均已核实。",
        "en": "Every parameter the account used is verified.",
    },
    "parameters_used": {
        "zh": "参数集：{params}；价格：{policy}。",
        "en": "Parameter set: {params}; prices: {policy}.",
    },
    "policy_as_given": {
        "zh": "按各参数所列年份的价格，未换算",
        "en": "at the years each price is stated for, not converted",
    },
    "policy_accounting_year": {
        "zh": "均为核算年价格",
        "en": "all of the accounting year",
    },
    "policy_deflate": {
        "zh": "其他年份的价格按各自适用的价格指数换算至核算年（默认 {deflator}）",
        "en": "prices of other years brought to the accounting year by the index that fits "
        "each (otherwise the {deflator})",
    },
    "param_value": {"zh": "数值", "en": "Value"},
    "overlaps": {"zh": "重复计算的处理", "en": "Double counting"},
    "run_notes": {
        "zh": "核算运行中的警告与对输入数据所作的决定见附录“核算质量报告”；随报告生成的 Excel "
        "表格的“说明”页列有核算的来源信息。",
        "en": "The run's warnings and the decisions taken about its inputs are in the "
        "appendix “quality report”; the Notes sheet of the Excel workbook written with this "
        "report gives the account's provenance.",
    },
}


def t(key: str, lang: Lang, **kw: Any) -> str:
    return TEXT[key][lang].format(**kw)


@dataclass
class ReportData:
    """What the report shows (from the store, the dataset and the engine)."""

    region: str
    year: int
    account_id: int
    profile_title: str
    profile_standard: str
    profile_verified: bool
    parameter_set: str
    price_policy: str
    code_version: str
    synthetic: bool
    results: pd.DataFrame
    units: gpd.GeoDataFrame  # with geometry and area_km2
    prices: pd.DataFrame
    inputs: pd.DataFrame
    methods: dict[str, str]  # indicator -> method title
    notes: list[str]
    intervals: pd.DataFrame | None = None
    # summary.compare of the previous account and this one's volume at its prices
    change: pd.DataFrame | None = None
    change_notes: list[str] = field(default_factory=list)  # how the volume was made
    previous_year: int | None = None
    service_raster: Any = None  # ganpo.engine.preview.ServiceRaster
    physical: pd.DataFrame | None = None  # PHYSICAL_COLUMNS rows (profile [physical])
    quality: QualityReport | None = None  # the appendix "quality report"
    #: how the report names its basis (ganpo.report.method_table.basis_sentence); empty:
    #: the profile's title and standard, with a note when the profile is unverified
    basis: str = ""
    #: the method table in the report's language (ganpo.report.method_table.method_frame)
    method_table: pd.DataFrame | None = None
    #: the deviations from the applications followed, with their reasons, in the report's
    #: language (ganpo.report.method_table.deviation_frame)
    deviations: pd.DataFrame | None = None
    deflator: str = ""  # the name of the profile's deflator, in the report's language
    #: the profile's rules on indicators that value overlapping flows, in the report's
    #: language (ganpo.report.account_report.overlap_rules)
    overlap_rules: list[str] = field(default_factory=list)
    #: the body that issues the report (cover, PDF author); empty: a neutral ganpo wording
    issuer: str = ""
    #: the date on the cover (ISO); empty: today
    report_date: str = ""
    #: a withdrawn or superseded account: how its cover says so, in the report's language
    #: (ganpo.store.repository.standing_mark); empty for a current account
    standing: str = ""
    #: an account below the counties: its level (township …) and its units' table
    #: (:func:`ganpo.report.summary.gep_by_unit` at level ``unit``)
    level: str = "county"
    finer: pd.DataFrame | None = None


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _names(lang: Lang) -> dict[str, str]:
    return {k: (i.name_zh if lang == "zh" else i.name_en) for k, i in indicators().items()}


def _thousands(ax: Any) -> None:
    """Value axis ticks with thousands separators (12,500), as the report's tables."""
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))


def _composition_chart(results: pd.DataFrame, lang: Lang) -> str:
    by = summary.gep_by_indicator(results)
    names = _names(lang)
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    colors = {"material": "#c9a227", "regulating": "#2e7d32", "cultural": "#1565c0"}
    ax.barh(
        [names[k] for k in by.indicator][::-1],
        (by.value_cny / 1e8)[::-1],
        color=[colors[c] for c in by.category][::-1],
    )
    ax.set_xlabel(t("value", lang))
    for cat, color in colors.items():
        ax.bar(0, 0, color=color, label=CATEGORIES[cat][0 if lang == "zh" else 1])
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    _thousands(ax)
    return _png(fig)


def _ranking_chart(results: pd.DataFrame, units: gpd.GeoDataFrame, lang: Lang) -> str:
    counties = summary.gep_by_unit(results, units, "county").nlargest(20, "gep_cny_per_km2")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    names = unit_names(counties.adcode, counties.name, lang)
    ax.barh(names[::-1], counties.gep_cny_per_km2[::-1] / 1e4, color="#2e7d32")
    unit = f"（{t('wan_km2', lang)}）" if lang == "zh" else f" ({t('wan_km2', lang)})"
    ax.set_xlabel(t("density", lang) + unit)
    ax.spines[["top", "right"]].set_visible(False)
    _thousands(ax)
    return _png(fig)


def _change_chart(change: pd.DataFrame, lang: Lang) -> str:
    rows = change[change.indicator != "GEP"]
    names = _names(lang)
    fig, ax = plt.subplots(figsize=(7.5, 4.4))
    values = rows.change_cny / 1e8
    ax.barh(
        [names.get(k, k) for k in rows.indicator][::-1],
        values[::-1],
        color=["#2e7d32" if v >= 0 else "#c62828" for v in values[::-1]],
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(t("value", lang))
    ax.spines[["top", "right"]].set_visible(False)
    _thousands(ax)
    return _png(fig)


def _raster_map(raster: Any, units: gpd.GeoDataFrame, lang: Lang) -> str:
    fig, ax = plt.subplots(figsize=(6.0, 6.6))
    data = raster.per_ha
    vmax = float(np.nanpercentile(data, 99)) if np.isfinite(data).any() else 1.0
    im = ax.imshow(
        data,
        extent=(raster.bounds[0], raster.bounds[2], raster.bounds[1], raster.bounds[3]),
        cmap="Blues",
        vmin=0,
        vmax=vmax,
    )
    units.boundary.plot(ax=ax, color="#555555", linewidth=0.25)
    ax.set_axis_off()
    name = _names(lang)[raster.indicator]
    unit, _ = display_unit(raster.quantity_unit, lang, 1.0)
    label = f"{name}（{unit}/公顷）" if lang == "zh" else f"{name} ({unit} per hectare)"
    bar = fig.colorbar(im, ax=ax, shrink=0.6, format="{x:,.0f}")
    bar.set_label(label, fontsize=9)
    bar.ax.tick_params(labelsize=8)
    return _png(fig)


def _kpi_boxes(kpis: list[tuple[str, str, str]], per_row: int = 3) -> str:
    """The summary's key figures as boxes, ``per_row`` to a row (a table of equal cells:
    a box's label wraps between words, its number and unit never wrap)."""
    esc = html.escape
    cells = [
        f"<td><span class='kpi-label'>{esc(label)}</span>"
        f"<span class='kpi-value'>{esc(value)}</span>"
        + (f"<span class='kpi-unit'>{esc(unit)}</span>" if unit else "")
        + "</td>"
        for label, value, unit in kpis
    ]
    cells += ["<td class='kpi-empty'></td>"] * (-len(cells) % per_row)
    rows = ["".join(cells[i : i + per_row]) for i in range(0, len(cells), per_row)]
    return "<table class='kpis'>" + "".join(f"<tr>{r}</tr>" for r in rows) + "</table>"


def _table(frame: pd.DataFrame, headers: list[str], *, total_row: bool = False) -> str:
    """An HTML table; ``total_row``: the last row is a total (bold, ruled above). Cells
    that hold numbers as text (``1,234.56``, ``—``, ``12.3%``) are right-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    rows = list(frame.itertuples(index=False))
    body = []
    for i, row in enumerate(rows):
        cls = " class='total'" if total_row and i == len(rows) - 1 else ""
        cells = "".join(
            f"<td class='num'>{html.escape(str(v))}</td>"
            if _NUMERIC.fullmatch(str(v))
            else f"<td>{html.escape(str(v))}</td>"
            for v in row
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


_NUMERIC = re.compile(r"[+-]?[\d,]+(\.\d+)?%?|—")


CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm;
        @bottom-center { content: counter(page); font-size: 8pt; color: #666; } }
body { font-family: "Noto Sans CJK SC", "DejaVu Sans", sans-serif; font-size: 9.5pt;
       line-height: 1.5; color: #222; }
h1 { font-size: 19pt; text-align: center; margin: 40mm 0 6mm 0; }
h2 { font-size: 13pt; border-bottom: 1.5px solid #2e7d32; padding-bottom: 2px;
     margin-top: 8mm; page-break-after: avoid; }
.cover { page-break-after: always; text-align: center; }
.meta { color: #555; font-size: 9pt; }
.warn { color: #b71c1c; font-weight: bold; margin: 6mm 0; }
.kpis { table-layout: fixed; border-collapse: separate; border-spacing: 2.5mm;
        width: 102.81%; margin: 0 0 0 -2.5mm; }  /* the outer boxes on the text's edges */
.kpis td { border: 1px solid #c8e6c9; background: #f1f8e9; text-align: center;
           vertical-align: middle; padding: 2.5mm 2mm; }
.kpi-label { display: block; font-size: 8.5pt; line-height: 1.3; color: #333; }
.kpi-value { display: block; font-size: 15pt; font-weight: bold; line-height: 1.3;
             color: #1b5e20; white-space: nowrap; }
.kpi-unit { display: block; font-size: 8.5pt; color: #1b5e20; white-space: nowrap; }
.kpis td.kpi-empty { border: none; background: none; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 8.5pt; }
th { background: #e8f5e9; border-bottom: 1px solid #2e7d32; text-align: left; padding: 2px 4px; }
td { border-bottom: 0.5px solid #ddd; padding: 2px 4px; }
img { max-width: 100%; }
.section { page-break-before: always; }
.methods table { font-size: 7.5pt; table-layout: fixed; }
.methods td { vertical-align: top; }
.methods th:nth-child(1) { width: 9%; }
.methods th:nth-child(2) { width: 14%; }
.methods th:nth-child(3) { width: 17%; }
.methods th:nth-child(4) { width: 17%; }
.methods th:nth-child(5) { width: 28%; }
.methods th:nth-child(6) { width: 15%; }
.deviations table { font-size: 7.5pt; table-layout: fixed; }
.deviations td { vertical-align: top; }
.deviations th:nth-child(1) { width: 16%; }
.deviations th:nth-child(2) { width: 38%; }
.deviations th:nth-child(3) { width: 46%; }
.fig { page-break-inside: avoid; text-align: center; }
h1, h3, h4, .toc-title { bookmark-level: none; }
.cover h1 { margin-top: 50mm; }
.issuer { font-size: 13pt; margin-top: 30mm; }
.date { font-size: 11pt; }
.toc { page-break-after: always; }
.toc-title { text-align: center; border: none; margin-top: 10mm; }
.toc ul { list-style: none; padding: 0; margin: 6mm 10mm; font-size: 11pt; }
.toc li { margin: 2.5mm 0; }
.toc a { color: #222; text-decoration: none; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.caption { font-weight: bold; margin: 4mm 0 1mm 0; }
td.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 1px solid #2e7d32; }
.units table { font-size: 7.5pt; }
.units thead { display: table-header-group; }
.units td:nth-child(-n+2) { white-space: nowrap; }
th { white-space: normal; }
.params table, .quality table { table-layout: fixed; }
.params th:nth-child(1) { width: 17%; }
.params th:nth-child(2) { width: 20%; }
.params th:nth-child(3) { width: 7%; }
.params th:nth-child(4) { width: 9%; }
.params th:nth-child(5) { width: 47%; }
.q2 th:nth-child(1) { width: 16%; }
.numbered th:nth-child(1) { width: 8%; white-space: nowrap; }
.q3 th:nth-child(1) { width: 14%; }
.q3 th:nth-child(2) { width: 14%; }
.physical th:nth-child(1) { width: 24%; }
.physical th:nth-child(2) { width: 36%; }
.physical th:nth-child(3) { width: 22%; }
.physical td:nth-child(n+3) { white-space: nowrap; }
.physical table { table-layout: fixed; }
.no-previous { border: 1px solid #ccc; padding: 3mm; background: #fafafa; }
"""


def _physical_table(physical: pd.DataFrame, units: gpd.GeoDataFrame, lang: Lang) -> pd.DataFrame:
    """The physical indicators' totals in statistical units, with their per-km² values
    (in the unit as given per km²) and the methods by their titles."""
    from ganpo.services.methods import PHYSICAL_METHODS

    totals = summary.physical_totals(physical, units)
    rows = []
    for r in totals.to_dict(orient="records"):
        unit = str(r["quantity_unit"])
        shown, div = display_unit(unit, lang, float(r["quantity"]))
        per_unit, _ = display_unit(unit, lang, 1.0)
        m = PHYSICAL_METHODS.get(str(r["indicator"]), {}).get(str(r["method"]))
        title = (m.title_zh if lang == "zh" else m.title_en) if m is not None else "—"
        per = float(r["quantity_per_km2"])
        rows.append(
            (
                r["name_zh" if lang == "zh" else "name_en"],
                title,
                f"{number(float(r['quantity']) / div)} {shown}",
                f"{number(per, 1)} {per_unit}/km²" if np.isfinite(per) else "—",
            )
        )
    return pd.DataFrame(rows)


def _basis(d: ReportData, lang: Lang) -> str:
    """The report's basis: the sentence of the method table, else the profile's title and
    standard with a note when the profile is not verified against the standard's text."""
    if d.basis:
        return d.basis
    title = f"{d.profile_title} ({d.profile_standard})"
    if d.profile_verified:
        return title
    return title + (
        "：口径未与标准文本核对。" if lang == "zh" else ": not checked against the standard's text."
    )


def _policy(d: ReportData, lang: Lang) -> str:
    key = f"policy_{d.price_policy}"
    if key not in TEXT:
        return d.price_policy
    return t(key, lang, deflator=d.deflator or "—")


def _price_rows(prices: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """The parameters the account used, named (never by key), a value per ecosystem type
    written out with the types' names, units as a reader writes them."""
    import json

    from ganpo.catalog.ecosystems import by_key
    from ganpo.catalog.parameter_names import parameter_name
    from ganpo.report.method_table import STATUS_NAMES, unit_text

    rows = []
    for r in prices.to_dict(orient="records"):
        unit = unit_text(str(r["unit"]), lang)
        tail = f" {unit}" if unit else ""
        by_type = r.get("by_type")
        if isinstance(by_type, str) and by_type.strip():
            by_type = json.loads(by_type)
        value = r.get("value")
        if isinstance(value, int | float) and pd.notna(value):
            # a price to the fen (a price brought to the year by an index has many digits)
            shown = (
                number(float(value), 2) if is_money(str(r["unit"]).split("/")[0]) else f"{value:g}"
            )
            text = f"{shown}{tail}"
        elif isinstance(by_type, dict):
            sep = "，" if lang == "zh" else ", "
            text = (
                sep.join(
                    f"{by_key(k).name_zh if lang == 'zh' else by_key(k).name_en} {v:g}"
                    for k, v in by_type.items()
                )
                + tail
            )
        else:
            text = "—"
        text = prose_units(text, lang)
        status = STATUS_NAMES.get(str(r["status"]), (str(r["status"]), str(r["status"])))
        year = r.get("year")
        rows.append(
            (
                parameter_name(str(r["key"]), lang),
                text,
                int(year) if isinstance(year, int | float) and pd.notna(year) else "",
                status[0 if lang == "zh" else 1],
                _source_text(str(r["source"]), lang),
            )
        )
    return pd.DataFrame(rows)


def _money(value: float, scale: float = 1e8, decimals: int = 2) -> str:
    return number(value / scale, decimals)


def _indicator_rows(by_ind: pd.DataFrame, names: dict[str, str], lang: Lang) -> pd.DataFrame:
    """Table 1: each indicator's quantity in the statistical unit chosen for it (money
    valued products: "—"), its value in 亿元 and share, with a total row."""
    rows = []
    for r in by_ind.to_dict(orient="records"):
        unit = str(r["quantity_unit"])
        if is_money(unit):
            q, shown = "—", "—"
        else:
            shown, div = display_unit(unit, lang, float(r["quantity"]))
            q = number(float(r["quantity"]) / div)
        key = str(r["indicator"])
        share = float(r["share"])
        rows.append((names.get(key, key), q, shown, _money(float(r["value_cny"])), f"{share:.1%}"))
    total = float(by_ind.value_cny.sum())
    rows.append((t("total", lang), "—", "—", _money(total), "100.0%" if total else "—"))
    return pd.DataFrame(rows)


def _unit_rows(table: pd.DataFrame, lang: Lang, parents: dict[int, str] | None) -> pd.DataFrame:
    """A table of units (cities, counties, townships): name (and parent), area, GEP in 亿元,
    GEP per km² in 万元, the three categories in 亿元, and a total row."""
    names = unit_names(table.adcode, table["name"], lang)
    out = pd.DataFrame({"name": list(names)})
    if parents is not None:
        out.insert(
            0,
            "parent",
            [parents.get(int(p), "") if pd.notna(p) else "" for p in table.parent_adcode],
        )
    out["area"] = [number(v, 0) for v in table.area_km2]
    out["g"] = [_money(v) for v in table.gep_cny]
    out["k"] = [_money(v, 1e4, 1) for v in table.gep_cny_per_km2]
    for c in ("material", "regulating", "cultural"):
        out[c] = [_money(v) for v in table[f"{c}_cny"]]
    area = float(table.area_km2.sum())
    total = {
        "name": t("total", lang),
        "area": number(area, 0),
        "g": _money(float(table.gep_cny.sum())),
        "k": _money(float(table.gep_cny.sum()) / area, 1e4, 1) if area > 0 else "—",
        **{
            c: _money(float(table[f"{c}_cny"].sum()))
            for c in ("material", "regulating", "cultural")
        },
    }
    if parents is not None:
        total["parent"] = ""
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)[list(out.columns)]


def _unit_headers(lang: Lang, first: list[str]) -> list[str]:
    cats = [
        f"{CATEGORIES[c][0 if lang == 'zh' else 1]}（{t('yi', lang)}）"
        if lang == "zh"
        else f"{CATEGORIES[c][1]} ({t('yi', lang)})"
        for c in ("material", "regulating", "cultural")
    ]
    if lang == "zh":
        return [
            *first,
            t("area", lang),
            f"GEP（{t('yi', lang)}）",
            f"单位面积 GEP（{t('wan_km2', lang)}）",
            *cats,
        ]
    return [
        *first,
        t("area", lang),
        f"GEP ({t('yi', lang)})",
        f"GEP per km² ({t('wan_km2', lang)})",
        *cats,
    ]


def _role_name(role: str, lang: Lang) -> str:
    """An input's role by its name (administrative boundaries, precipitation …)."""
    from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES

    if role == "units":
        return "行政区划边界" if lang == "zh" else "administrative boundaries"
    for registry in (LAYER_ROLES, DERIVED_ROLES, TABLE_ROLES):
        if role in registry:
            r = registry[role]
            return r.name_zh if lang == "zh" else r.name_en
    return role.replace("_", " ")


def _level_name(level: str, lang: Lang) -> str:
    from ganpo.io.units import LEVEL_NAMES

    en, zh = LEVEL_NAMES.get(level, (level, level))
    return zh if lang == "zh" else en


HEADINGS = ("summary", "method", "data", "tables", "charts", "maps", "uncertainty", "methods")


def _source_text(source: str, lang: Lang) -> str:
    """A parameter's source as the appendix prints it (:func:`ganpo.report.quality.
    parameter_source`; the report's caller has put it in the report's language already
    where the catalogue has it)."""
    from ganpo.report.quality import parameter_source

    return parameter_source(source, "", "", lang)


def _prose(frame: pd.DataFrame, lang: Lang) -> pd.DataFrame:
    """``frame`` with the units in its texts as a reader writes them."""
    return frame.map(lambda v: prose_units(v, lang) if isinstance(v, str) else v)


def build_html(d: ReportData, lang: Lang = "zh") -> str:
    """The report as a standalone HTML document: a cover with the issuing body and date, a
    table of contents (page numbers by ``target-counter``, PDF bookmarks from the ``h2``
    headings), the chapters and the appendices; the PDF's title, author, subject, keywords
    and language come from the head."""
    use_cjk_font()
    names = _names(lang)
    gep = float(d.results.value_cny.sum())
    area = float(d.units["area_km2"].sum())
    cats = summary.gep_by_category(d.results)
    by_ind = summary.gep_by_indicator(d.results)
    title = t("title", lang, region=d.region, year=d.year)
    issuer = d.issuer or t("issuer_default", lang)
    date = d.report_date or datetime.now(UTC).date().isoformat()
    # (label, number, unit): the unit on a line of its own under the number, so that a
    # long English unit never breaks the number's line
    kpis = [
        (t("gep", lang), number(gep / 1e8), t("yi", lang)),
        (t("density", lang), number(gep / area / 1e4, 1), t("wan_km2", lang)),
    ]
    if d.change is not None:
        total = d.change[d.change.indicator == "GEP"].iloc[0]
        kpis.append((t("change", lang), f"{total.change_pct:+.1f}%", ""))
    for _, c in cats.iterrows():
        kpis.append((c["name_zh"] if lang == "zh" else c["name_en"], f"{c.share:.1%}", ""))
    level = d.level
    finer = d.finer is not None
    esc = html.escape
    head = (
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title>"
        f"<meta name='author' content='{esc(issuer)}'>"
        f"<meta name='description' content='{esc(_basis(d, lang))}'>"
        f"<meta name='keywords' content='{esc(t('keywords', lang, region=d.region, year=d.year))}'>"
        f"<meta name='generator' content='ganpo {esc(d.code_version)}'>"
        f"<meta name='dcterms.created' content='{esc(date)}'>"
        f"<style>{CSS}</style></head><body>"
    )
    parts = [head]
    parts.append(f"<div class='cover'><h1>{esc(title)}</h1>")
    parts.append(f"<p class='issuer'>{esc(issuer)}</p><p class='date'>{esc(date)}</p>")
    parts.append(f"<p class='meta basis'>{esc(_basis(d, lang))}</p>")
    parts.append(
        "<p class='meta'>"
        + esc(t("account_line", lang, id=d.account_id, version=d.code_version))
        + "</p>"
    )
    if d.synthetic:
        parts.append(f"<p class='warn'>{t('synthetic', lang)}</p>")
    if d.standing:
        parts.append(f"<p class='warn'>{esc(d.standing)}</p>")
    parts.append("</div>")

    # table of contents: one line per chapter and appendix
    sections = [(k, t(k, lang)) for k in HEADINGS if k != "methods" or d.method_table is not None]
    sections.append(("appendix", t("appendix", lang)))
    if finer:
        sections.append(("units", t("units_appendix", lang, level=_level_name(level, lang))))
    if d.quality is not None:
        sections.append(("quality", t("quality", lang)))
    parts.append(f"<div class='toc'><h2 class='toc-title'>{t('toc', lang)}</h2><ul>")
    parts += [f"<li><a href='#sec-{k}'>{esc(label)}</a></li>" for k, label in sections]
    parts.append("</ul></div>")

    def h2(key: str, label: str, new_page: bool = True) -> str:
        cls = " class='section'" if new_page else ""
        return f"<h2 id='sec-{key}'{cls}>{esc(label)}</h2>"

    parts.append(h2("summary", t("summary", lang)))
    parts.append(_kpi_boxes(kpis))
    parts.append(f"<p class='caption'>{t('indicator_table', lang)}</p>")
    parts.append(
        _table(
            _indicator_rows(by_ind, names, lang),
            [t(k, lang) for k in ("indicator", "quantity", "unit", "value", "share")],
            total_row=True,
        )
    )
    if any(is_money(str(u)) for u in by_ind.quantity_unit):
        parts.append(f"<p class='meta'>{t('money_note', lang)}</p>")

    if d.physical is not None and not d.physical.empty:
        parts.append(f"<h3>{t('physical', lang)}</h3>")
        parts.append(
            "<div class='physical'>"
            + _table(
                _physical_table(d.physical, d.units, lang),
                [t("indicator", lang), t("method_col", lang), t("total", lang), t("per_km2", lang)],
            )
            + "</div>"
        )

    parts.append(h2("method", t("method", lang)))
    parts.append(f"<p>{esc(_basis(d, lang))}</p>")
    parts.append(
        "<p>"
        + esc(t("parameters_used", lang, params=d.parameter_set, policy=_policy(d, lang)))
        + "</p>"
    )
    methods = pd.DataFrame([(names[k], v) for k, v in d.methods.items()])
    parts.append(_table(methods, [t("indicator", lang), t("method_col", lang)]))
    if d.overlap_rules:
        parts.append(f"<h3>{t('overlaps', lang)}</h3>")
        parts += [f"<p class='meta'>{esc(n)}</p>" for n in d.overlap_rules]
    parts.append(f"<p class='meta'>{t('run_notes', lang)}</p>")

    parts.append(h2("data", t("data", lang), new_page=False))
    inputs = d.inputs.assign(
        role=[_role_name(str(r), lang) for r in d.inputs["role"]],
        year=d.inputs["year"].map(lambda y: "" if pd.isna(y) else int(y)),
        source=[prose_units(str(s), lang) for s in d.inputs["source"]],
        sha=d.inputs["sha256"].str[:12],
    )[["role", "year", "source", "sha"]]
    parts.append(_table(inputs, [t(k, lang) for k in ("role", "year", "source", "checksum")]))

    parts.append(h2("tables", t("tables", lang)))
    parts.append(f"<p class='caption'>{t('city_table', lang)}</p>")
    cities = summary.gep_by_unit(d.results, d.units, "city")
    parts.append(
        _table(
            _unit_rows(cities, lang, None), _unit_headers(lang, [t("city", lang)]), total_row=True
        )
    )
    counties = summary.gep_by_unit(d.results, d.units, "county")
    city_names = dict(
        zip(cities.adcode.astype(int), unit_names(cities.adcode, cities["name"], lang), strict=True)
    )
    parts.append(f"<p class='caption'>{t('county_table', lang)}</p>")
    parts.append(
        "<div class='units'>"
        + _table(
            _unit_rows(counties, lang, city_names),
            _unit_headers(lang, [t("city", lang), t("county", lang)]),
            total_row=True,
        )
        + "</div>"
    )

    parts.append(h2("charts", t("charts", lang)))
    parts.append(f"<img src='{_composition_chart(d.results, lang)}'>")
    parts.append(f"<img src='{_ranking_chart(d.results, d.units, lang)}'>")
    if d.change is not None:
        parts.append(
            f"<div class='fig'><p>{t('change', lang)}{'：' if lang == 'zh' else ': '}"
            f"{d.previous_year} → {d.year}</p>"
            f"<img src='{_change_chart(d.change, lang)}'></div>"
        )
        parts += [f"<p class='meta'>{esc(n)}</p>" for n in d.change_notes]
    else:
        parts.append(f"<p class='no-previous'>{esc(t('no_previous', lang, year=d.year - 1))}</p>")

    parts.append(h2("maps", t("maps", lang)))
    fig = maps.build_gep_density_figure(
        d.units,
        counties,
        # every text of the map in the report's language only
        title_zh=f"{d.region}{d.year}年各县 GEP 密度",
        title_en=f"{d.region}: GEP per km² by county, {d.year}",
        note=maps.label("synthetic", lang) if d.synthetic else None,
        language=lang,
    )
    parts.append(f"<div class='fig'><img src='{_png(fig)}' style='height: 180mm'></div>")
    if d.service_raster is not None:
        caption = t("raster_caption", lang, name=names[d.service_raster.indicator])
        raster_png = _raster_map(d.service_raster, d.units, lang)
        parts.append(
            f"<div class='fig section'><p>{esc(caption)}</p>"
            f"<img src='{raster_png}' style='height: 180mm'></div>"
        )

    parts.append(h2("uncertainty", t("uncertainty", lang)))
    if d.intervals is not None and not d.intervals.empty:
        region = d.intervals[d.intervals.county_adcode == 0].set_index("indicator")
        q = region[["p05_cny", "p50_cny", "p95_cny"]].astype(float) / 1e8
        order = [k for k in names if k in region.index] + ["GEP"]
        rows = [
            (names.get(k, t("gep", lang)), *(number(float(v)) for v in q.loc[k].to_numpy()))
            for k in order
        ]
        draws = int(d.intervals.draws.iloc[0])
        parts.append(f"<p>{esc(t('monte_carlo', lang, draws=draws))}</p>")
        parts.append(
            _table(
                pd.DataFrame(rows),
                [t(k, lang) for k in ("indicator", "p05", "p50", "p95")],
                total_row=True,
            )
        )
    else:
        parts.append(f"<p>{t('no_uncertainty', lang)}</p>")

    if d.method_table is not None:
        parts.append(h2("methods", t("methods", lang)))
        parts.append(f"<p>{esc(_basis(d, lang))}</p>")
        parts.append(f"<p class='meta'>{t('methods_intro', lang)}</p>")
        parts.append(
            "<div class='methods'>"
            + _table(_prose(d.method_table, lang), [str(c) for c in d.method_table.columns])
            + "</div>"
        )
        if d.deviations is not None and not d.deviations.empty:
            parts.append(f"<h3>{t('deviations', lang)}</h3>")
            parts.append(
                "<div class='deviations'>"
                + _table(_prose(d.deviations, lang), [str(c) for c in d.deviations.columns])
                + "</div>"
            )

    parts.append(h2("appendix", t("appendix", lang)))
    parts.append(
        "<div class='params'>"
        + _table(
            _price_rows(d.prices, lang),
            [
                t("param", lang),
                t("param_value", lang),
                t("year", lang),
                t("status", lang),
                t("source", lang),
            ],
        )
        + "</div>"
    )
    if finer:
        name = _level_name(level, lang)
        parts.append(h2("units", t("units_appendix", lang, level=name)))
        parts.append(f"<p class='meta'>{esc(t('unit_table_note', lang, level=name))}</p>")
        own = d.finer
        assert own is not None
        county_names = dict(
            zip(
                counties.adcode.astype(int),
                unit_names(counties.adcode, counties["name"], lang),
                strict=True,
            )
        )
        parts.append(
            "<div class='units'>"
            + _table(
                _unit_rows(own, lang, county_names),
                _unit_headers(
                    lang, [t("county", lang), name if lang == "zh" else name.capitalize()]
                ),
                total_row=True,
            )
            + "</div>"
        )
    if d.quality is not None:
        parts.append(_quality_appendix(d.quality, lang))
    parts.append("</body></html>")
    return "".join(parts)


def _quality_appendix(q: QualityReport, lang: Lang) -> str:
    """The appendix "quality report": its six parts as headings with tables, every text
    in ``lang`` (labels and sentences of :mod:`ganpo.report.quality`)."""
    sec = q.sections
    rows: list[tuple[Any, ...]]
    heads: tuple[str, ...]
    parts = [f"<h2 id='sec-quality' class='section'>{t('quality', lang)}</h2>"]
    parts.append(f"<p class='meta'>{html.escape(t('quality_intro', lang))}</p>")

    parts.append(f"<h3>{html.escape(sec['summary'])}</h3>")
    summary = pd.DataFrame([(s.label, s.count) for s in q.summary])
    parts.append(_table(summary, [t("q_item", lang), t("q_count", lang)]))

    parts.append(f"<h3>{html.escape(sec['coverage'])}</h3>")
    if q.coverage:
        rows = [
            (
                g.layer,
                f"{g.units_below} / {g.units_total}",
                percent(g.min_share),
                units_text(g, lang),
            )
            for g in q.coverage
        ]
        heads = ("q_layer", "q_units_below", "q_min_share", "q_units")
        parts.append(_table(pd.DataFrame(rows), [t(k, lang) for k in heads]))
    else:
        said = "q_full_coverage" if q.coverage_recorded else "q_no_coverage"
        parts.append(f"<p>{t(said, lang)}</p>")

    parts.append(f"<h3>{html.escape(sec['decisions'])}</h3>")
    if not q.decisions:
        parts.append(f"<p>{t('q_no_decisions', lang)}</p>")
    for group in q.decisions:
        count = f"（{len(group.decisions)}）" if lang == "zh" else f" ({len(group.decisions)})"
        parts.append(f"<h4>{html.escape(group.label)}{count}</h4>")
        rows = [(x.unit, x.basis_label, prose_units(x.text, lang)) for x in group.decisions]
        heads = ("q_unit", "q_basis", "q_text")
        parts.append(
            "<div class='quality q3'>"
            + _table(pd.DataFrame(rows), [t(k, lang) for k in heads])
            + "</div>"
        )

    parts.append(f"<h3>{html.escape(sec['warnings'])}</h3>")
    if q.warnings:
        rows = [(i, prose_units(w, lang)) for i, w in enumerate(q.warnings, start=1)]
        parts.append(
            "<div class='numbered'>"
            + _table(pd.DataFrame(rows), [t("q_no", lang), t("q_warning", lang)])
            + "</div>"
        )
    else:
        parts.append(f"<p>{t('q_none', lang)}</p>")

    parts.append(f"<h3>{html.escape(sec['overrides'])}</h3>")
    if q.overrides:
        rows = [(o.unit, o.kind_label, override_text(o, lang)) for o in q.overrides]
        heads = ("q_unit", "q_kind", "q_text")
        parts.append(_table(pd.DataFrame(rows), [t(k, lang) for k in heads]))
    else:
        parts.append(f"<p>{t('q_none', lang)}</p>")

    parts.append(f"<h3>{html.escape(sec['unverified'])}</h3>")
    if q.unverified:
        rows = [(p.name, p.status_label, _source_text(p.source, lang)) for p in q.unverified]
        heads = ("param", "q_status", "q_source")
        parts.append(
            "<div class='quality q3'>"
            + _table(pd.DataFrame(rows), [t(k, lang) for k in heads])
            + "</div>"
        )
    else:
        parts.append(f"<p>{t('q_all_verified', lang)}</p>")
    return "".join(parts)


def write_pdf(document: str, path: Path) -> Path:
    """Render the HTML to PDF (atomically)."""
    from weasyprint import HTML

    return atomic_write(path, lambda tmp: HTML(string=document).write_pdf(str(tmp)), ANNUAL_REPORT)
