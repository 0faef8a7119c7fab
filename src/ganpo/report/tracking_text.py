"""The texts of the yearly report to the people's congress standing committee
(:mod:`ganpo.report.tracking_report`), each in Chinese and English: headings, labels,
captions and the sentences around the figures."""

from __future__ import annotations

from typing import Any, Literal

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "{region}人民政府关于{year}年生态文明建设高地建设情况的报告",
        "Report of the {region} People's Government on building the highland of "
        "ecological civilisation in {year}",
    ),
    "to_congress": (
        "向{region}人民代表大会常务委员会报告",
        "To the Standing Committee of the {region} People's Congress",
    ),
    "issuer_default": (
        "ganpo 生态文明建设目标跟踪平台生成（未指定报告单位）",
        "Generated with ganpo's tracking of the decision (no issuing body given)",
    ),
    "draft": ("草稿（未印发）", "Draft (not issued)"),
    "version": ("第{version}版 · {date}印发", "Version {version} · issued {date}"),
    "synthetic": (
        "本报告含合成数据（演示用，标注“合成数据”），不是统计数据，不得引用。",
        "This report contains synthetic data (made up for the demonstration, marked "
        "SYNTHETIC): not statistics, do not cite them.",
    ),
    "ch_overall": ("总体情况", "Overall situation"),
    "ch_targets": ("目标指标完成情况", "Targets and their attainment"),
    "ch_accounts": ("生态产品总值与碳排放", "Gross ecosystem product and carbon emissions"),
    "ch_problems": ("存在的问题", "Problems"),
    "ch_next": ("下一步工作", "Next steps"),
    "ch_changes": ("与第{version}版相比的变化", "Changes since version {version}"),
    "ch_sources": ("数据来源", "Sources"),
    "overall_text": (
        "纳入本报告的目标共{n}项（按{method}评价至{year}年）：已实现{achieved}项，进度正常"
        "{on_track}项，存在风险{at_risk}项，偏离目标{off_track}项；无法评价{missing}项。",
        "The report covers {n} targets (assessed to {year} by the {method} method): "
        "{achieved} achieved, {on_track} on track, {at_risk} at risk, {off_track} off track; "
        "{missing} could not be assessed.",
    ),
    "key_figures": ("主要指标", "Key figures"),
    "indicator": ("指标", "Indicator"),
    "unit_col": ("地区", "Region"),
    "every_year": ("{first}—{last}年每年", "each year {first}–{last}"),
    "base_year": ("基期", "Base year"),
    "baseline": ("基期值", "Baseline"),
    "due": ("目标年份", "Due"),
    "actual": ("{year}年实际值", "Value {year}"),
    "target": ("目标值", "Target"),
    "measure": ("计量单位", "Unit of measure"),
    "status": ("状态", "Status"),
    "value": ("数值", "Value"),
    "year": ("年份", "Year"),
    "old": ("原值", "Old value"),
    "new": ("新值", "New value"),
    "source": ("来源", "Source"),
    "none": ("无", "none"),
    "caption": ("表{n}  {text}", "Table {n}. {text}"),
    "missing_title": ("未能评价的目标", "Targets not assessed"),
    "no_problems": (
        "{year}年各项目标均已实现或进度正常。",
        "In {year} every target is achieved or on track.",
    ),
    "problem_line": (
        "{indicator}（{unit}）：{year}年为{actual}{measure}，目标为{sign}{target}{measure}"
        "（{last_year}），{status}（{reason}）。",
        "{indicator} ({unit}): {actual} {measure} in {year} against a target of {sign} "
        "{target} {measure} ({last_year}): {status} ({reason}).",
    ),
    "missing_line": (
        "{indicator}（{unit}）：{why}，无法评价。",
        "{indicator} ({unit}): {why}, not assessed.",
    ),
    "next_placeholder": (
        "【本节由{region}人民政府撰写。ganpo 不生成本节内容；印发前须由政府补充。】",
        "[This section is written by the {region} People's Government. ganpo writes no "
        "text here; the government completes it before the report is issued.]",
    ),
    "no_accounts": (
        "库中无{year}年的生态产品总值和碳排放数据（可运行 ganpo tracking series compute）。",
        "The store holds no GEP or carbon figures of {year} (run ganpo tracking series compute).",
    ),
    "changes_text": (
        "本版相对第{version}版有以下数据变化（修订后的数值取代原值，原值保留在第{version}版中）：",
        "This version differs from version {version} in these figures (revised values "
        "replace the old ones, which version {version} keeps):",
    ),
    "no_changes": ("本版数据与第{version}版相同。", "The figures are those of version {version}."),
    "method_required_growth": ("所需增速法", "required-growth"),
    "method_linear": ("线性路径法", "linear-path"),
    "synthetic_mark": ("合成数据", "SYNTHETIC"),
    "description": (
        "{region}{year}年生态文明建设高地建设目标完成情况",
        "Targets of {region}'s highland of ecological civilisation, {year}",
    ),
    "keywords": (
        "生态文明建设高地, 目标, 生态产品总值, 碳排放, {year}",
        "ecological civilisation, targets, GEP, carbon emissions, {year}",
    ),
}
NUMERALS = "一二三四五六七八九十"


def t(key: str, lang: Lang, **kw: Any) -> str:
    return TEXT[key][0 if lang == "zh" else 1].format(**kw)
