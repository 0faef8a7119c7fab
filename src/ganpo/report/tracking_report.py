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
document, or the stored account or inventory id). The texts are in
:mod:`ganpo.report.tracking_text`; the page layout, tables and key-figure boxes are the
annual GEP report's (:mod:`ganpo.report.annual`).

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ganpo.errors import InputError
from ganpo.report.annual import CSS, _kpi_boxes, _table, write_pdf
from ganpo.report.fonts import use_cjk_font
from ganpo.report.tracking_text import NUMERALS, Lang
from ganpo.report.tracking_text import t as _t

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from ganpo.store.tracking import IssuedReport


def unit_names(code: int) -> tuple[str, str]:
    """A unit's name in Chinese and English (its code when unknown), for
    :func:`ganpo.tracking.yearly_report.report_figures`."""
    from ganpo.carbon.regions import known_unit
    from ganpo.catalog.names import english_names

    unit = known_unit(code)
    # the built-in table names a city with its province (赣州市（江西省）): the name alone
    zh = re.sub(r"（[^）]*）$", "", unit.name) if unit is not None else str(code)
    return zh, english_names().get(code, zh)


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
            en="the report has no figures: no targets in force and no stored values",
            zh="报告无数据",
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


@dataclass
class _Doc:
    """What every chapter writes with: the figures by kind, the language, the region, the
    footnotes and the running table number."""

    figures: list[dict[str, Any]]
    year: int
    lang: Lang
    src: _Sources = field(default_factory=_Sources)
    tables: Iterator[int] = field(default_factory=lambda: iter(range(1, 1000)))

    def __post_init__(self) -> None:
        self.code, self.region = _region(self.figures, self.lang)
        self.targets = [r for r in self.figures if r["kind"] == "target"]
        self.missing = [r for r in self.figures if r["kind"] == "missing"]
        self.accounts = [r for r in self.figures if r["kind"] == "account"]

    def t(self, key: str, **kw: Any) -> str:
        return _t(key, self.lang, **kw)

    def name(self, row: dict[str, Any], key: str) -> str:
        return _name(row, key, self.lang)

    def caption(self, text: str) -> str:
        return _p(self.t("caption", n=next(self.tables), text=text), "caption")


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
    """The report as a standalone HTML document; ``version`` ``None``: a draft. The PDF's
    title, author, subject and keywords come from its head."""
    use_cjk_font()
    d = _Doc(figures, year, lang)
    stamp = (
        d.t("draft")
        if version is None
        else d.t("version", version=version, date=f"{(issued_at or datetime.now(UTC)):%Y-%m-%d}")
    )
    parts = [
        _head_and_cover(d, issuer or d.t("issuer_default"), stamp),
        _overall(d),
        _targets(d),
        _accounts(d),
        _problems(d),
        _chapter(5, "ch_next", lang),
        _p(d.t("next_placeholder", region=d.region), "placeholder"),
        "" if previous_version is None else _changes(d, previous_version, changes or []),
        _sources_list(d),
        "</body></html>",
    ]
    return "".join(parts)


def _head_and_cover(d: _Doc, issuer: str, stamp: str) -> str:
    esc = html.escape
    title = d.t("title", region=d.region, year=d.year)
    about = d.t("description", region=d.region, year=d.year)
    synthetic = any(
        r.get("observation_status") == "synthetic" or r.get("target_status") == "synthetic"
        for r in d.figures
    )
    return "".join(
        [
            f"<html lang='{'zh-CN' if d.lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><meta name='author' content='{esc(issuer)}'>"
            f"<meta name='description' content='{esc(about)}'>"
            f"<meta name='keywords' content='{esc(d.t('keywords', year=d.year))}'>"
            f"<meta name='generator' content='ganpo'>"
            f"<style>{CSS}{EXTRA_CSS}</style></head><body>",
            f"<div class='cover'><h1>{esc(title)}</h1>",
            _p(d.t("to_congress", region=d.region), "meta"),
            _p(issuer, "issuer"),
            _p(stamp, "meta"),
            _p(d.t("synthetic"), "warn") if synthetic else "",
            "</div>",
        ]
    )


def _overall_text(d: _Doc) -> str:
    """一、总体情况's sentence: the targets counted by status."""
    counts = Counter(str(r["status"]) for r in d.targets)
    method = str(d.targets[0]["method"]) if d.targets else "required_growth"
    return d.t(
        "overall_text",
        n=len(d.targets) + len(d.missing),
        method=d.t(f"method_{method}"),
        year=d.year,
        achieved=counts["achieved"],
        on_track=counts["on_track"],
        at_risk=counts["at_risk"],
        off_track=counts["off_track"],
        missing=len(d.missing),
    )


def _kpis(d: _Doc) -> list[tuple[str, str, str]]:
    """The key figures of the region: (label with its footnote, value, unit of measure)."""
    from ganpo.tracking.yearly_report import KEY_INDICATORS

    kpis = []
    for key in KEY_INDICATORS:
        mine = [r for r in d.targets + d.accounts
                if r["indicator"] == key and int(r["unit_code"]) == d.code]  # fmt: skip
        if not mine:
            continue
        row = mine[0]
        value = row["actual"] if row["kind"] == "target" else row["value"]
        when = f"（{row['year']}）" if d.lang == "zh" else f" ({row['year']})"
        label = d.src.cite(d.name(row, "indicator") + when, row["source"])
        kpis.append((label, figure_text(value, str(row["unit"])), _measure(row, d.lang)))
    return kpis


def _overall(d: _Doc) -> str:
    """一、总体情况: the targets counted by status, the key figures of the region."""
    parts = [_chapter(1, "ch_overall", d.lang), _p(_overall_text(d))]
    kpis = _kpis(d)
    if kpis:
        parts.append(f"<h3>{html.escape(d.t('key_figures'))}</h3>" + _kpi_boxes(kpis, 4))
    return "".join(parts)


def _target_cells(d: _Doc, r: dict[str, Any]) -> tuple[str, ...]:
    mark = d.t("synthetic_mark")
    synthetic = r.get("observation_status") == "synthetic"
    name = d.name(r, "indicator") + ((f"（{mark}）" if d.lang == "zh" else f" ({mark})")
                                     if synthetic else "")  # fmt: skip
    sign = "≥" if r["target_kind"] == "floor" else "≤"
    return (
        name,
        d.name(r, "unit_name"),
        str(r["base_year"]),
        d.src.cite(figure_text(r["base_value"], r["unit"]), r["base_source"]),
        d.src.cite(figure_text(r["actual"], r["unit"]), r["source"]),
        _when(r, d.lang),
        d.src.cite(f"{sign}\u00a0{figure_text(r['target_value'], r['unit'])}", r["target_source"]),
        _measure(r, d.lang) or "—",
        d.name(r, "status"),
    )


#: the columns of a target table (texts of :mod:`ganpo.report.tracking_text`)
TARGET_HEADS = ("indicator", "unit_col", "base_year", "baseline", "actual", "due", "target",
                "measure", "status")  # fmt: skip


@dataclass
class _Group:
    """A clause's targets: the pillar's heading when it starts one, the table's caption
    text, its cells (footnotes cited) and the lines of its targets not assessed."""

    pillar: str | None
    caption: str
    cells: list[tuple[str, ...]]
    missing: list[str]


def _target_groups(d: _Doc) -> list[_Group]:
    """二's groups, in the decision's order (footnotes cited in reading order)."""
    order = list(dict.fromkeys((str(r["pillar"]), str(r["clause"]))
                               for r in d.targets + d.missing))  # fmt: skip
    groups: list[_Group] = []
    last_pillar: str | None = None
    for pillar, clause in order:
        rows = [r for r in d.targets if (r["pillar"], r["clause"]) == (pillar, clause)]
        gone = [r for r in d.missing if (r["pillar"], r["clause"]) == (pillar, clause)]
        first = (rows or gone)[0]
        heading = d.name(first, "pillar") if pillar and pillar != last_pillar else None
        last_pillar = pillar
        groups.append(
            _Group(
                pillar=heading,
                caption=d.name(first, "clause" if pillar else "indicator"),
                cells=[_target_cells(d, r) for r in rows],
                missing=[_missing_line(r, d.lang) for r in gone],
            )
        )
    return groups


def _targets(d: _Doc) -> str:
    """二、目标指标完成情况: a table per clause, a heading per pillar; the targets not
    assessed below their clause's table."""
    parts = [_chapter(2, "ch_targets", d.lang)]
    for g in _target_groups(d):
        if g.pillar:
            parts.append(f"<h3>{html.escape(g.pillar)}</h3>")
        if g.cells:
            parts.append(d.caption(g.caption))
            table = _table(pd.DataFrame(g.cells), [d.t(h, year=d.year) for h in TARGET_HEADS])
            parts.append(f"<div class='targets'>{table}</div>")
        parts += [_p(line, "meta") for line in g.missing]
    return "".join(parts)


def _account_groups(d: _Doc) -> list[tuple[str, list[tuple[str, str]]]]:
    """三's tables: (indicator with its unit of measure, [(unit, value cited)])."""
    from ganpo.tracking.yearly_report import ACCOUNT_INDICATORS

    groups = []
    for key in ACCOUNT_INDICATORS:
        rows = [r for r in d.accounts if r["indicator"] == key]
        if not rows:
            continue
        measure, name = _measure(rows[0], d.lang), d.name(rows[0], "indicator")
        if measure:
            name += f"（{measure}）" if d.lang == "zh" else f" ({measure})"
        cells = [
            (d.name(r, "unit_name"), d.src.cite(figure_text(r["value"], r["unit"]), r["source"]))
            for r in rows
        ]
        groups.append((name, cells))
    return groups


def _accounts(d: _Doc) -> str:
    """三、生态产品总值与碳排放: the stored GEP and carbon values of the year, by unit."""
    parts = [_chapter(3, "ch_accounts", d.lang)]
    if not d.accounts:
        parts.append(_p(d.t("no_accounts", year=d.year)))
    for name, cells in _account_groups(d):
        parts.append(d.caption(name))
        parts.append(_table(pd.DataFrame(cells), [d.t("unit_col"), d.t("value")]))
    return "".join(parts)


def _problem_items(d: _Doc) -> list[str]:
    """四's items: the targets at risk or off track (cited), then those not assessed."""
    bad = [r for r in d.targets if r["status"] in ("at_risk", "off_track")]
    items = [
        d.src.cite(
            d.t(
                "problem_line",
                indicator=d.name(r, "indicator"),
                unit=d.name(r, "unit_name"),
                year=r["year"],
                actual=figure_text(r["actual"], r["unit"]),
                measure=_measure(r, d.lang),
                sign="≥" if r["target_kind"] == "floor" else "≤",
                target=figure_text(r["target_value"], r["unit"]),
                last_year=_when(r, d.lang),
                status=d.name(r, "status"),
                reason=d.name(r, "reason"),
            ),
            r["source"],
        )
        for r in bad
    ]
    return items + [_missing_line(r, d.lang) for r in d.missing]


def _problems(d: _Doc) -> str:
    """四、存在的问题: the targets at risk or off track, and those not assessed."""
    parts = [_chapter(4, "ch_problems", d.lang)]
    items = _problem_items(d)
    if not items:
        parts.append(_p(d.t("no_problems", year=d.year)))
    else:
        parts.append("<ol>" + "".join(f"<li>{html.escape(x)}</li>" for x in items) + "</ol>")
    return "".join(parts)


#: the columns of the changes table
CHANGE_HEADS = ("indicator", "unit_col", "year", "old", "new", "source")


def _change_cells(d: _Doc, changes: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """六's rows: indicator, unit, year, old and new value, the new value's footnote."""
    return [
        (
            d.name(c, "indicator"),
            d.name(c, "unit_name"),
            str(c["year"]),
            figure_text(c["old"], c["unit"]),
            figure_text(c["new"], c["unit"]),
            f"[{d.src.ref(c['source'])}]",
        )
        for c in changes
    ]


def _changes(d: _Doc, previous_version: int, changes: list[dict[str, Any]]) -> str:
    """六、与第N版相比的变化: each value changed since the previous issued version."""
    parts = [_chapter(6, "ch_changes", d.lang, version=previous_version)]
    if not changes:
        parts.append(_p(d.t("no_changes", version=previous_version)))
        return "".join(parts)
    parts.append(_p(d.t("changes_text", version=previous_version)))
    cells = _change_cells(d, changes)
    parts.append(_table(pd.DataFrame(cells), [d.t(h) for h in CHANGE_HEADS]))
    return "".join(parts)


def _sources_list(d: _Doc) -> str:
    """The sources, numbered as the footnotes cite them."""
    label = html.escape(d.t("ch_sources"))
    notes = "".join(_p(f"[{i}] {s}") for s, i in d.src.refs.items())
    return f"<h2 id='sec-sources'>{label}</h2><div class='sources'>{notes}</div>"


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
    also: Callable[[Session, IssuedReport], None] | None = None,
) -> tuple[IssuedReport, Path]:
    """Issue the next version of the ``year`` report: list the changes from the previous
    issued version, render, keep the PDF under ``work_dir/reports/`` (refused when that
    file exists: an issued PDF is never overwritten) and store the version with its
    figures and the PDF's SHA-256. When storing fails the kept PDF is removed. ``also``
    writes more in the storing transaction (:func:`ganpo.store.tracking.save_report`)."""
    from ganpo.store.tracking import list_reports, next_report_version, save_report
    from ganpo.tracking.yearly_report import changes_between

    version = next_report_version(engine, year)
    issued = list_reports(engine, year)
    previous = issued[-1] if issued else None
    changes = changes_between(previous.figures, figures) if previous else []
    name = f"tracking-report-{year}-v{version}-{lang}.pdf"
    kept = Path(work_dir) / "reports" / name
    exists = InputError(
        en=f"the issued report file {name} already exists in {kept.parent}; issued reports "
        "are never overwritten: move it away or use another work folder",
        zh="已印发的报告文件已存在，不可覆盖",
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
            also=also,
        )
    except BaseException:
        kept.unlink(missing_ok=True)
        raise
    return stored, kept


def copy_out(kept: Path, out_path: Path) -> Path:
    """Copy the kept PDF to where the user asked for it."""
    out_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(kept, out_path)
    return out_path
