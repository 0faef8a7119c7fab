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
    "yi": {"zh": "亿元", "en": "10^8 CNY"},
    "wan_km2": {"zh": "万元/km²", "en": "10^4 CNY/km²"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "quantity": {"zh": "实物量", "en": "Quantity"},
    "unit": {"zh": "单位", "en": "Unit"},
    "value": {"zh": "价值（亿元）", "en": "Value (10^8 CNY)"},
    "share": {"zh": "占比", "en": "Share"},
    "city": {"zh": "市", "en": "City"},
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
    "q_warning": {"zh": "警告（运行原文）", "en": "Warning"},
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
        "zh": "核算运行的说明与警告见随报告生成的 Excel 表格的“说明”页。",
        "en": "The account's run notes and warnings are on the About sheet of the Excel "
        "workbook written with this report.",
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


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _names(lang: Lang) -> dict[str, str]:
    return {k: (i.name_zh if lang == "zh" else i.name_en) for k, i in indicators().items()}


def _composition_chart(results: pd.DataFrame, lang: Lang) -> str:
    by = summary.gep_by_indicator(results)
    names = _names(lang)
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
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
    return _png(fig)


def _ranking_chart(results: pd.DataFrame, units: gpd.GeoDataFrame, lang: Lang) -> str:
    counties = summary.gep_by_unit(results, units, "county").nlargest(20, "gep_cny_per_km2")
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    names = unit_names(counties.adcode, counties.name, lang)
    ax.barh(names[::-1], counties.gep_cny_per_km2[::-1] / 1e4, color="#2e7d32")
    ax.set_xlabel(f"{t('density', lang)} ({t('wan_km2', lang)})")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def _change_chart(change: pd.DataFrame, lang: Lang) -> str:
    rows = change[change.indicator != "GEP"]
    names = _names(lang)
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    values = rows.change_cny / 1e8
    ax.barh(
        [names.get(k, k) for k in rows.indicator][::-1],
        values[::-1],
        color=["#2e7d32" if v >= 0 else "#c62828" for v in values[::-1]],
    )
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(t("value", lang))
    ax.spines[["top", "right"]].set_visible(False)
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
    fig.colorbar(im, ax=ax, shrink=0.6, label=f"{name} ({raster.quantity_unit}/ha)")
    return _png(fig)


def _table(frame: pd.DataFrame, headers: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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
.kpi { display: inline-block; width: 30%; margin: 2mm; padding: 3mm; border: 1px solid #c8e6c9;
       background: #f1f8e9; text-align: center; }
.kpi b { display: block; font-size: 15pt; color: #1b5e20; }
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
"""


def _physical_table(physical: pd.DataFrame, units: gpd.GeoDataFrame, lang: Lang) -> pd.DataFrame:
    totals = summary.physical_totals(physical, units)
    return pd.DataFrame(
        {
            "name": totals["name_zh" if lang == "zh" else "name_en"],
            "method": totals["method"],
            "total": [f"{q:,.4g}" for q in totals["quantity"]],
            "unit": totals["quantity_unit"],
            "per_km2": [f"{q:,.4g}" if np.isfinite(q) else "" for q in totals["quantity_per_km2"]],
        }
    )


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
            text = f"{value:g}{tail}"
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
        status = STATUS_NAMES.get(str(r["status"]), (str(r["status"]), str(r["status"])))
        year = r.get("year")
        rows.append(
            (
                parameter_name(str(r["key"]), lang),
                text,
                int(year) if isinstance(year, int | float) and pd.notna(year) else "",
                status[0 if lang == "zh" else 1],
                r["source"],
            )
        )
    return pd.DataFrame(rows)


def build_html(d: ReportData, lang: Lang = "zh") -> str:
    """The report as a standalone HTML document."""
    use_cjk_font()
    names = _names(lang)
    gep = float(d.results.value_cny.sum())
    area = float(d.units["area_km2"].sum())
    cats = summary.gep_by_category(d.results)
    by_ind = summary.gep_by_indicator(d.results)
    title = t("title", lang, region=d.region, year=d.year)
    kpis = [
        (t("gep", lang), f"{gep / 1e8:,.2f} {t('yi', lang)}"),
        (t("density", lang), f"{gep / area / 1e4:,.1f} {t('wan_km2', lang)}"),
    ]
    if d.change is not None:
        total = d.change[d.change.indicator == "GEP"].iloc[0]
        kpis.append((t("change", lang), f"{total.change_pct:+.1f} %"))
    for _, c in cats.iterrows():
        kpis.append((c["name_zh"] if lang == "zh" else c["name_en"], f"{c.share:.1%}"))
    parts = [f"<html><head><meta charset='utf-8'><style>{CSS}</style></head><body>"]
    parts.append(f"<div class='cover'><h1>{html.escape(title)}</h1>")
    parts.append(
        f"<p class='meta basis'>{html.escape(_basis(d, lang))}"
        f"<br>account #{d.account_id} · ganpo {html.escape(d.code_version)} · "
        f"{datetime.now(UTC):%Y-%m-%d}</p>"
    )
    if d.synthetic:
        parts.append(f"<p class='warn'>{t('synthetic', lang)}</p>")
    parts.append("</div>")

    parts.append(f"<h2>{t('summary', lang)}</h2>")
    parts += [f"<div class='kpi'>{html.escape(k)}<b>{html.escape(v)}</b></div>" for k, v in kpis]
    table = by_ind.assign(
        name=[names[k] for k in by_ind.indicator],
        q=[f"{q:,.4g}" for q in by_ind.quantity],
        v=[f"{v / 1e8:,.2f}" for v in by_ind.value_cny],
        s=[f"{s:.1%}" for s in by_ind.share],
    )[["name", "q", "quantity_unit", "v", "s"]]
    parts.append(
        _table(table, [t(k, lang) for k in ("indicator", "quantity", "unit", "value", "share")])
    )

    if d.physical is not None and not d.physical.empty:
        parts.append(f"<h3>{t('physical', lang)}</h3>")
        parts.append(
            _table(
                _physical_table(d.physical, d.units, lang),
                [
                    t("indicator", lang),
                    t("method_col", lang),
                    t("total", lang),
                    t("unit", lang),
                    t("per_km2", lang),
                ],
            )
        )

    parts.append(f"<h2 class='section'>{t('method', lang)}</h2>")
    parts.append(f"<p>{html.escape(_basis(d, lang))}</p>")
    parts.append(
        "<p>"
        + html.escape(t("parameters_used", lang, params=d.parameter_set, policy=_policy(d, lang)))
        + "</p>"
    )
    methods = pd.DataFrame([(names[k], v) for k, v in d.methods.items()])
    parts.append(_table(methods, [t("indicator", lang), t("method_col", lang)]))
    if d.overlap_rules:
        parts.append(f"<h3>{t('overlaps', lang)}</h3>")
        parts += [f"<p class='meta'>{html.escape(n)}</p>" for n in d.overlap_rules]
    parts.append(f"<p class='meta'>{t('run_notes', lang)}</p>")

    parts.append(f"<h2>{t('data', lang)}</h2>")
    inputs = d.inputs.assign(
        year=d.inputs["year"].map(lambda y: "" if pd.isna(y) else int(y)),
        sha=d.inputs["sha256"].str[:12],
    )[["role", "year", "source", "sha"]]
    parts.append(_table(inputs, [t(k, lang) for k in ("role", "year", "source", "checksum")]))

    parts.append(f"<h2 class='section'>{t('tables', lang)}</h2>")
    cities = summary.gep_by_unit(d.results, d.units, "city")
    ct = cities.assign(
        name=unit_names(cities.adcode, cities.name, lang),
        g=[f"{v / 1e8:,.2f}" for v in cities.gep_cny],
        k=[f"{v / 1e4:,.1f}" for v in cities.gep_cny_per_km2],
        m=[f"{v / 1e8:,.2f}" for v in cities.material_cny],
        r=[f"{v / 1e8:,.2f}" for v in cities.regulating_cny],
        c=[f"{v / 1e8:,.2f}" for v in cities.cultural_cny],
    )[["name", "g", "k", "m", "r", "c"]]
    cat_names = [
        CATEGORIES[c][0 if lang == "zh" else 1] for c in ("material", "regulating", "cultural")
    ]
    parts.append(
        _table(
            ct,
            [
                t("city", lang),
                t("gep", lang) + f" ({t('yi', lang)})",
                t("wan_km2", lang),
                *cat_names,
            ],
        )
    )

    parts.append(f"<h2 class='section'>{t('charts', lang)}</h2>")
    parts.append(f"<img src='{_composition_chart(d.results, lang)}'>")
    parts.append(f"<img src='{_ranking_chart(d.results, d.units, lang)}'>")
    if d.change is not None:
        parts.append(
            f"<div class='fig'><p>{t('change', lang)}: {d.previous_year} → {d.year}</p>"
            f"<img src='{_change_chart(d.change, lang)}'></div>"
        )
        parts += [f"<p class='meta'>{html.escape(n)}</p>" for n in d.change_notes]

    parts.append(f"<h2 class='section'>{t('maps', lang)}</h2>")
    by_county = summary.gep_by_unit(d.results, d.units, "county")
    fig = maps.build_gep_density_figure(
        d.units,
        by_county,
        title_zh=f"{d.region} {d.year} 年各县 GEP 密度",
        title_en=f"GEP per km² by county, {d.year}",
        note="合成数据 synthetic data" if d.synthetic else None,
    )
    parts.append(f"<div class='fig'><img src='{_png(fig)}' style='height: 180mm'></div>")
    if d.service_raster is not None:
        caption = t("raster_caption", lang, name=names[d.service_raster.indicator])
        raster_png = _raster_map(d.service_raster, d.units, lang)
        parts.append(
            f"<div class='fig section'><p>{html.escape(caption)}</p>"
            f"<img src='{raster_png}' style='height: 180mm'></div>"
        )

    parts.append(f"<h2 class='section'>{t('uncertainty', lang)}</h2>")
    if d.intervals is not None and not d.intervals.empty:
        region = d.intervals[d.intervals.county_adcode == 0].set_index("indicator")
        q = region[["p05_cny", "p50_cny", "p95_cny"]].astype(float) / 1e8
        order = [k for k in names if k in region.index] + ["GEP"]
        rows = [(names.get(k, "GEP"), *(f"{v:,.2f}" for v in q.loc[k].to_numpy())) for k in order]
        draws = int(d.intervals.draws.iloc[0])
        parts.append(f"<p>Monte Carlo, {draws} draws ({t('yi', lang)})</p>")
        parts.append(
            _table(pd.DataFrame(rows), [t(k, lang) for k in ("indicator", "p05", "p50", "p95")])
        )
    else:
        parts.append(f"<p>{t('no_uncertainty', lang)}</p>")

    if d.method_table is not None:
        parts.append(f"<h2 class='section'>{t('methods', lang)}</h2>")
        parts.append(f"<p>{html.escape(_basis(d, lang))}</p>")
        parts.append(f"<p class='meta'>{t('methods_intro', lang)}</p>")
        parts.append(
            "<div class='methods'>"
            + _table(d.method_table, [str(c) for c in d.method_table.columns])
            + "</div>"
        )
        if d.deviations is not None and not d.deviations.empty:
            parts.append(f"<h3>{t('deviations', lang)}</h3>")
            parts.append(
                "<div class='deviations'>"
                + _table(d.deviations, [str(c) for c in d.deviations.columns])
                + "</div>"
            )

    parts.append(f"<h2 class='section'>{t('appendix', lang)}</h2>")
    parts.append(
        _table(
            _price_rows(d.prices, lang),
            [
                t("param", lang),
                t("param_value", lang),
                t("year", lang),
                t("status", lang),
                t("source", lang),
            ],
        )
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
    parts = [f"<h2 class='section'>{t('quality', lang)}</h2>"]
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
        parts.append(f"<h4>{html.escape(group.label)} ({len(group.decisions)})</h4>")
        rows = [(x.unit, x.basis_label, x.text) for x in group.decisions]
        heads = ("q_unit", "q_basis", "q_text")
        parts.append(_table(pd.DataFrame(rows), [t(k, lang) for k in heads]))

    parts.append(f"<h3>{html.escape(sec['warnings'])}</h3>")
    if q.warnings:
        rows = [(i, w) for i, w in enumerate(q.warnings, start=1)]
        parts.append(_table(pd.DataFrame(rows), [t("q_no", lang), t("q_warning", lang)]))
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
        rows = [(p.name, p.status_label, p.source) for p in q.unverified]
        heads = ("param", "q_status", "q_source")
        parts.append(_table(pd.DataFrame(rows), [t(k, lang) for k in heads]))
    else:
        parts.append(f"<p>{t('q_all_verified', lang)}</p>")
    return "".join(parts)


def write_pdf(document: str, path: Path) -> Path:
    """Render the HTML to PDF (atomically)."""
    from weasyprint import HTML

    return atomic_write(path, lambda tmp: HTML(string=document).write_pdf(str(tmp)), ANNUAL_REPORT)
