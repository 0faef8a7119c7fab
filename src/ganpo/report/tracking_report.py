"""The yearly report of the provincial government to the people's congress standing
committee on building the highland of ecological civilisation (省政府关于生态文明高地建设
情况的报告), rendered to PDF by WeasyPrint in Chinese or English from the figures of
:func:`ganpo.tracking.yearly_report.report_figures` (docs/tracking.md, "Stored series and
the yearly report"; docs/decisions/0038-series-and-yearly-report.md).

Chapters in the order of a government work report: 一、总体情况 (the targets' statuses
counted, the key figures), 二、目标指标完成情况 (by pillar and clause: each target's
baseline, value, level and status), 三、生态产品总值与碳排放 (GEP, its growth, carbon total
and intensity of the year), 四、存在的问题 (the targets at risk or off track, and those
without a value or a baseline, listed from the figures), 五、下一步工作 (left for the
government to write: ganpo writes no text there), then, in a version after the first, what
changed since the previous issued version, and the sources. Every figure carries a
footnote number; the sources list names the record each comes from (the series' source
document, or the stored account or inventory id). The page layout, tables and key-figure
boxes are the annual GEP report's (:mod:`ganpo.report.annual`).

:func:`issue_tracking_report` issues a version: the next version number of the year, the
changes from the previous issued version, the PDF kept under the work folder
(``reports/``, never overwritten) and stored with its figures and SHA-256.
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ganpo.errors import InputError
from ganpo.report.annual import CSS, _kpi_boxes, _table, write_pdf
from ganpo.report.fonts import use_cjk_font

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ganpo.store.tracking import IssuedReport

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


def unit_names(code: int) -> tuple[str, str]:
    """A unit's name in Chinese and English (its code when unknown), for
    :func:`ganpo.tracking.yearly_report.report_figures`."""
    from ganpo.carbon.regions import known_unit
    from ganpo.catalog.names import english_names

    unit = known_unit(code)
    # the built-in table names a city with its province (赣州市（江西省）): the name alone
    zh = re.sub(r"（[^）]*）$", "", unit.name) if unit is not None else str(code)
    return zh, english_names().get(code, zh)


def _t(key: str, lang: Lang, **kw: Any) -> str:
    return TEXT[key][0 if lang == "zh" else 1].format(**kw)


def figure_text(value: float | None, unit: str) -> str:
    """A value as the report writes it: two decimals with thousands separators, four
    for a ratio of units (t CO2/万元); a value below 0.01 to four significant digits.

    >>> figure_text(41200.0, "亿元"), figure_text(0.9123, "t CO2/万元"), figure_text(3e-6, "亿元")
    ('41,200.00', '0.9123', '0.000003000')
    """
    if value is None:
        return "—"
    digits = 4 if "/" in unit else 2
    if value != 0 and abs(value) < 0.01:
        digits = max(digits, 3 - math.floor(math.log10(abs(value))))
    return f"{value:,.{digits}f}"


@dataclass
class _Sources:
    """Footnote numbers of the sources, in the order they are first cited."""

    refs: dict[str, int] = field(default_factory=dict)

    def ref(self, source: str) -> int:
        return self.refs.setdefault(source, len(self.refs) + 1)

    def cite(self, text: str, source: str) -> str:
        """``text`` and its footnote number, kept together on one line."""
        return f"{text}\u00a0[{self.ref(source)}]"


def _name(row: dict[str, Any], key: str, lang: Lang) -> str:
    return str(row[f"{key}_{lang}"])


def _measure(row: dict[str, Any], lang: Lang) -> str:
    unit = _name(row, "unit", lang)
    return "" if unit == "1" else unit


def _region(figures: list[dict[str, Any]], lang: Lang) -> tuple[int, str]:
    """The report's region: the unit of most targets (the province)."""
    codes = Counter(int(r["unit_code"]) for r in figures if r["kind"] in ("target", "missing"))
    if not codes:
        codes = Counter(int(r["unit_code"]) for r in figures)
    if not codes:
        raise InputError(
            "the report has no figures: no targets in force and no stored values / 报告无数据",
            field="year",
        )
    code = min(c for c, n in codes.items() if n == max(codes.values()))
    row = next(r for r in figures if int(r["unit_code"]) == code)
    return code, _name(row, "unit_name", lang)


def _chapter(n: int, key: str, lang: Lang, **kw: Any) -> str:
    text = _t(key, lang, **kw)
    label = f"{NUMERALS[n - 1]}、{text}" if lang == "zh" else f"{n}. {text}"
    return f"<h2 id='sec-{key}'>{html.escape(label)}</h2>"


def _p(text: str, cls: str = "") -> str:
    return f"<p{f' class={cls!r}' if cls else ''}>{html.escape(text)}</p>"


def build_tracking_html(
    figures: list[dict[str, Any]],
    year: int,
    lang: Lang = "zh",
    *,
    version: int | None = None,
    issued_at: datetime | None = None,
    changes: list[dict[str, Any]] | None = None,
    previous_version: int | None = None,
    issuer: str = "",
) -> str:
    """The report as a standalone HTML document; ``version`` ``None``: a draft."""
    use_cjk_font()
    esc = html.escape
    code, region = _region(figures, lang)
    src = _Sources()
    targets = [r for r in figures if r["kind"] == "target"]
    missing = [r for r in figures if r["kind"] == "missing"]
    accounts = [r for r in figures if r["kind"] == "account"]
    method = str(targets[0]["method"]) if targets else "required_growth"
    title = _t("title", lang, region=region, year=year)
    issuer = issuer or _t("issuer_default", lang)
    synthetic = any(r.get("observation_status") == "synthetic" or r.get("target_status") ==
                    "synthetic" for r in figures)  # fmt: skip
    stamp = (
        _t("draft", lang)
        if version is None
        else _t(
            "version", lang, version=version, date=f"{(issued_at or datetime.now(UTC)):%Y-%m-%d}"
        )
    )
    tables = iter(range(1, 1000))

    def caption(text: str) -> str:
        return _p(_t("caption", lang, n=next(tables), text=text), "caption")

    about = _t("description", lang, region=region, year=year)
    parts = [
        f"<html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
        f"<title>{esc(title)}</title><meta name='author' content='{esc(issuer)}'>"
        f"<meta name='description' content='{esc(about)}'>"
        f"<meta name='keywords' content='{esc(_t('keywords', lang, year=year))}'>"
        f"<meta name='generator' content='ganpo'>"
        f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
        f"<div class='cover'><h1>{esc(title)}</h1>",
        _p(_t("to_congress", lang, region=region), "meta"),
        _p(issuer, "issuer"),
        _p(stamp, "meta"),
        _p(_t("synthetic", lang), "warn") if synthetic else "",
        "</div>",
    ]
    # 一、总体情况
    counts = Counter(str(r["status"]) for r in targets)
    parts.append(_chapter(1, "ch_overall", lang))
    parts.append(
        _p(
            _t(
                "overall_text",
                lang,
                n=len(targets) + len(missing),
                method=_t(f"method_{method}", lang),
                year=year,
                achieved=counts["achieved"],
                on_track=counts["on_track"],
                at_risk=counts["at_risk"],
                off_track=counts["off_track"],
                missing=len(missing),
            )
        )
    )
    kpis = []
    from ganpo.tracking.yearly_report import KEY_INDICATORS

    for key in KEY_INDICATORS:
        row = next(
            (r for r in targets if r["indicator"] == key and int(r["unit_code"]) == code), None
        )
        value, source = (row["actual"], row["source"]) if row else (None, "")
        if row is None:
            acc = next(
                (r for r in accounts if r["indicator"] == key and int(r["unit_code"]) == code),
                None,
            )
            if acc is None:
                continue
            row, value, source = acc, acc["value"], acc["source"]
        name = _name(row, "indicator", lang)
        when = f"（{row['year']}）" if lang == "zh" else f" ({row['year']})"
        label = src.cite(name + when, source)
        kpis.append((label, figure_text(value, str(row["unit"])), _measure(row, lang)))
    if kpis:
        parts.append(f"<h3>{esc(_t('key_figures', lang))}</h3>" + _kpi_boxes(kpis, per_row=4))
    # 二、目标指标完成情况
    parts.append(_chapter(2, "ch_targets", lang))
    order: list[tuple[str, str]] = []
    for r in targets + missing:
        k = (str(r["pillar"]), str(r["clause"]))
        if k not in order:
            order.append(k)
    last_pillar: object = None
    for pillar, clause in order:
        rows = [r for r in targets if (r["pillar"], r["clause"]) == (pillar, clause)]
        gone = [r for r in missing if (r["pillar"], r["clause"]) == (pillar, clause)]
        first = (rows or gone)[0]
        if first["pillar"] != last_pillar:
            last_pillar = first["pillar"]
            pillar_name = _name(first, "pillar", lang) if first["pillar"] else ""
            parts.append(f"<h3>{esc(pillar_name)}</h3>" if pillar_name else "")
        head = _name(first, "clause", lang) if first["pillar"] else _name(first, "indicator", lang)
        if rows:
            frame = pd.DataFrame(
                [
                    (
                        _name(r, "indicator", lang)
                        + (
                            f"（{_t('synthetic_mark', lang)}）"
                            if lang == "zh"
                            else f" ({_t('synthetic_mark', lang)})"
                        )
                        * (r.get("observation_status") == "synthetic"),
                        _name(r, "unit_name", lang),
                        str(r["base_year"]),
                        src.cite(figure_text(r["base_value"], r["unit"]), r["base_source"]),
                        src.cite(figure_text(r["actual"], r["unit"]), r["source"]),
                        _when(r, lang),
                        src.cite(
                            f"{'≥' if r['target_kind'] == 'floor' else '≤'}\u00a0"
                            f"{figure_text(r['target_value'], r['unit'])}",
                            r["target_source"],
                        ),
                        _measure(r, lang) or "—",
                        _name(r, "status", lang),
                    )
                    for r in rows
                ]
            )
            heads = ["indicator", "unit_col", "base_year", "baseline", "actual", "due", "target",
                     "measure", "status"]  # fmt: skip
            parts.append(caption(head))
            parts.append(
                "<div class='targets'>"
                + _table(frame, [_t(h, lang, year=year) for h in heads])
                + "</div>"
            )
        for r in gone:
            parts.append(_p(_missing_line(r, lang), "meta"))
    # 三、生态产品总值与碳排放
    parts.append(_chapter(3, "ch_accounts", lang))
    if not accounts:
        parts.append(_p(_t("no_accounts", lang, year=year)))
    from ganpo.tracking.yearly_report import ACCOUNT_INDICATORS

    for key in ACCOUNT_INDICATORS:
        rows = [r for r in accounts if r["indicator"] == key]
        if not rows:
            continue
        measure = _measure(rows[0], lang)
        name = _name(rows[0], "indicator", lang)
        parts.append(caption(f"{name}（{measure}）" if lang == "zh" and measure else
                             f"{name} ({measure})" if measure else name))  # fmt: skip
        frame = pd.DataFrame(
            [
                (
                    _name(r, "unit_name", lang),
                    src.cite(figure_text(r["value"], r["unit"]), r["source"]),
                )
                for r in rows
            ]
        )
        parts.append(_table(frame, [_t("unit_col", lang), _t("value", lang)]))
    # 四、存在的问题
    parts.append(_chapter(4, "ch_problems", lang))
    bad = [r for r in targets if r["status"] in ("at_risk", "off_track")]
    if not bad and not missing:
        parts.append(_p(_t("no_problems", lang, year=year)))
    items = [
        src.cite(
            _t(
                "problem_line",
                lang,
                indicator=_name(r, "indicator", lang),
                unit=_name(r, "unit_name", lang),
                year=r["year"],
                actual=figure_text(r["actual"], r["unit"]),
                measure=_measure(r, lang),
                sign="≥" if r["target_kind"] == "floor" else "≤",
                target=figure_text(r["target_value"], r["unit"]),
                last_year=_when(r, lang),
                status=_name(r, "status", lang),
                reason=_name(r, "reason", lang),
            ),
            r["source"],
        )
        for r in bad
    ]
    items += [_missing_line(r, lang) for r in missing]
    if items:
        parts.append("<ol>" + "".join(f"<li>{esc(x)}</li>" for x in items) + "</ol>")
    # 五、下一步工作
    parts.append(_chapter(5, "ch_next", lang))
    parts.append(_p(_t("next_placeholder", lang, region=region), "placeholder"))
    # changes since the previous version
    n = 6
    if previous_version is not None:
        parts.append(_chapter(n, "ch_changes", lang, version=previous_version))
        n += 1
        if not changes:
            parts.append(_p(_t("no_changes", lang, version=previous_version)))
        else:
            parts.append(_p(_t("changes_text", lang, version=previous_version)))
            frame = pd.DataFrame(
                [
                    (
                        _name(c, "indicator", lang),
                        _name(c, "unit_name", lang),
                        str(c["year"]),
                        figure_text(c["old"], c["unit"]),
                        figure_text(c["new"], c["unit"]),
                        f"[{src.ref(c['source'])}]",
                    )
                    for c in changes
                ]
            )
            heads = ["indicator", "unit_col", "year", "old", "new", "source"]
            parts.append(_table(frame, [_t(h, lang) for h in heads]))
    # sources
    label = _t("ch_sources", lang)
    parts.append(f"<h2 id='sec-sources'>{esc(label)}</h2><div class='sources'>")
    parts += [_p(f"[{i}] {s}") for s, i in src.refs.items()]
    parts.append("</div></body></html>")
    return "".join(parts)


def _when(r: dict[str, Any], lang: Lang) -> str:
    """The year a target's level is due, or the years it binds (an annual level)."""
    if r.get("annual") and r.get("first_year") not in (None, r["last_year"]):
        return _t("every_year", lang, first=r["first_year"], last=r["last_year"])
    return f"{r['last_year']}年" if lang == "zh" else str(r["last_year"])


def _missing_line(r: dict[str, Any], lang: Lang) -> str:
    return _t(
        "missing_line",
        lang,
        indicator=_name(r, "indicator", lang),
        unit=_name(r, "unit_name", lang),
        why=_name(r, "why", lang),
    )


EXTRA_CSS = """
h2 { page-break-before: auto; }
.cover .warn { font-size: 12pt; border: 2px solid #b71c1c; padding: 3mm; }
.caption { font-weight: bold; margin-bottom: 0; page-break-after: avoid; }
tr { page-break-inside: avoid; }
.targets table { table-layout: fixed; font-size: 7.5pt; }
.targets td:nth-child(4), .targets td:nth-child(5), .targets td:nth-child(7) {
  white-space: nowrap; }
.targets th:nth-child(1) { width: 19%; }
.targets th:nth-child(2) { width: 8%; }
.targets th:nth-child(3) { width: 6%; }
.targets th:nth-child(4) { width: 11%; }
.targets th:nth-child(5) { width: 11%; }
.targets th:nth-child(6) { width: 13%; }
.targets th:nth-child(7) { width: 13%; }
.targets th:nth-child(8) { width: 10%; }
.targets th:nth-child(9) { width: 9%; }
.placeholder { border: 1.5px dashed #b71c1c; color: #b71c1c; padding: 4mm; }
.sources p { font-size: 8pt; margin: 1mm 0; }
"""


def write_tracking_report(
    figures: list[dict[str, Any]],
    year: int,
    out_path: Path | str,
    lang: Lang = "zh",
    **kw: Any,
) -> Path:
    """Write the report as PDF (atomically) and return its path; ``kw`` as
    :func:`build_tracking_html`."""
    document = build_tracking_html(figures, year, lang, **kw)
    return write_pdf(document, Path(out_path))


def rerender_issued(issued: IssuedReport, out_path: Path | str, *, issuer: str = "") -> Path:
    """Render an issued version again from its own stored figures and changes."""
    return write_tracking_report(
        issued.figures,
        issued.year,
        out_path,
        "en" if issued.lang == "en" else "zh",
        version=issued.version,
        issued_at=issued.issued_at,
        changes=issued.changes,
        previous_version=issued.version - 1 if issued.version > 1 else None,
        issuer=issuer,
    )


def issue_tracking_report(
    engine: Engine,
    figures: list[dict[str, Any]],
    year: int,
    work_dir: Path,
    lang: Lang = "zh",
    *,
    issued_by: str | None = None,
    issuer: str = "",
    at: datetime | None = None,
) -> tuple[IssuedReport, Path]:
    """Issue the next version of the ``year`` report: list the changes from the previous
    issued version, render, keep the PDF under ``work_dir/reports/`` (refused when that
    file exists: an issued PDF is never overwritten) and store the version with its
    figures and the PDF's SHA-256. When storing fails the kept PDF is removed."""
    from ganpo.store.tracking import list_reports, next_report_version, save_report
    from ganpo.tracking.yearly_report import changes_between

    version = next_report_version(engine, year)
    issued = list_reports(engine, year)
    previous = issued[-1] if issued else None
    changes = changes_between(previous.figures, figures) if previous else []
    name = f"tracking-report-{year}-v{version}-{lang}.pdf"
    kept = Path(work_dir) / "reports" / name
    exists = InputError(
        f"the issued report file {name} already exists in {kept.parent}; issued reports "
        "are never overwritten: move it away or use another work folder / 已印发的报告"
        "文件已存在，不可覆盖",
        field="work_dir",
        values=[str(kept)],
    )
    if kept.exists():
        raise exists
    when = at or datetime.now(UTC)
    kept.parent.mkdir(parents=True, exist_ok=True)
    draft = kept.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        write_tracking_report(
            figures,
            year,
            draft,
            lang,
            version=version,
            issued_at=when,
            changes=changes,
            previous_version=previous.version if previous else None,
            issuer=issuer,
        )
        try:  # a hard link fails if the name is taken: never replaces an issued file
            os.link(draft, kept)
        except FileExistsError:
            raise exists from None
    finally:
        draft.unlink(missing_ok=True)
    digest = hashlib.sha256(kept.read_bytes()).hexdigest()
    try:
        stored = save_report(
            engine,
            year=year,
            version=version,
            lang=lang,
            figures=figures,
            changes=changes,
            pdf_sha256=digest,
            pdf_name=f"reports/{name}",
            issued_by=issued_by,
            at=when,
        )
    except Exception:
        kept.unlink(missing_ok=True)
        raise
    return stored, kept


def copy_out(kept: Path, out_path: Path) -> Path:
    """Copy the kept PDF to where the user asked for it."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, out_path)
    return out_path
