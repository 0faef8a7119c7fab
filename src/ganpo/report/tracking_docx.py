"""The yearly report to the people's congress standing committee as a Word document
(.docx, python-docx), with the PDF's structure, figures and sources (docs/tracking.md,
"The report in Word"; docs/decisions/0044-tracking-alerts-and-report-on-the-platform.md).

The document is built from the same figures and the same pieces as the PDF
(:mod:`ganpo.report.tracking_report`: the chapters' sentences, the targets' tables by
pillar and clause, the GEP and carbon tables, the problems, the changes since the previous
version), walked in the same order, so every figure carries the same source number as in
the PDF. Simplified: python-docx writes no Word footnotes, so a figure's source is its
number in brackets (``63.10 [1]``) and the numbered list of sources closes the document,
as in the PDF; no page numbers or table of contents fields (Word adds them on request).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ganpo.report.tracking_report import (
    CHANGE_HEADS,
    TARGET_HEADS,
    _account_groups,
    _change_cells,
    _Doc,
    _kpis,
    _overall_text,
    _problem_items,
    _target_groups,
)
from ganpo.report.tracking_text import NUMERALS, Lang
from ganpo.report.tracking_text import t as _t

if TYPE_CHECKING:
    from ganpo.store.tracking import IssuedReport

#: the fonts of the body: Latin and East Asian (Word substitutes one installed)
LATIN_FONT = "Times New Roman"
CJK_FONT = "SimSun"
RED = RGBColor(0xB7, 0x1C, 0x1C)


def _fonts(doc: DocumentObject) -> None:
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        style.font.name = LATIN_FONT
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), CJK_FONT)
    doc.styles["Normal"].font.size = Pt(10.5)


def _chapter(doc: DocumentObject, n: int, key: str, lang: Lang, **kw: Any) -> None:
    text = _t(key, lang, **kw)
    doc.add_heading(f"{NUMERALS[n - 1]}、{text}" if lang == "zh" else f"{n}. {text}", level=1)


def _table(
    doc: DocumentObject, caption: str, heads: list[str], rows: Sequence[Sequence[str]]
) -> None:
    if caption:
        doc.add_paragraph(caption).runs[0].bold = True
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = doc.styles["Table Grid"]
    for cell, head in zip(table.rows[0].cells, heads, strict=True):
        cell.text = head
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    doc.add_paragraph()


def build_tracking_docx(
    figures: list[dict[str, Any]],
    year: int,
    lang: Lang = "zh",
    *,
    version: int | None = None,
    issued_at: datetime | None = None,
    changes: list[dict[str, Any]] | None = None,
    previous_version: int | None = None,
    issuer: str = "",
) -> DocumentObject:
    """The report as a Word document; arguments as
    :func:`ganpo.report.tracking_report.build_tracking_html` (``version`` ``None``: a
    draft)."""
    d = _Doc(figures, year, lang)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    _fonts(doc)
    issuer = issuer or d.t("issuer_default")
    title = d.t("title", region=d.region, year=year)
    props = doc.core_properties
    props.title, props.author = title, issuer
    props.subject = d.t("description", region=d.region, year=year)
    props.keywords = d.t("keywords", year=year)
    props.comments = "ganpo"

    # cover
    doc.add_heading(title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    stamp = (
        d.t("draft")
        if version is None
        else d.t("version", version=version, date=f"{(issued_at or datetime.now(UTC)):%Y-%m-%d}")
    )
    for text in (d.t("to_congress", region=d.region), issuer, stamp):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    synthetic = any(
        r.get("observation_status") == "synthetic" or r.get("target_status") == "synthetic"
        for r in figures
    )
    if synthetic:
        warn = doc.add_paragraph().add_run(d.t("synthetic"))
        warn.bold, warn.font.color.rgb = True, RED
    doc.add_page_break()

    # 一、总体情况
    _chapter(doc, 1, "ch_overall", lang)
    doc.add_paragraph(_overall_text(d))
    kpis = _kpis(d)
    if kpis:
        doc.add_heading(d.t("key_figures"), level=2)
        _table(doc, "", [d.t("indicator"), d.t("value"), d.t("measure")], kpis)

    # 二、目标指标完成情况
    _chapter(doc, 2, "ch_targets", lang)
    heads = [d.t(h, year=year) for h in TARGET_HEADS]
    for g in _target_groups(d):
        if g.pillar:
            doc.add_heading(g.pillar, level=2)
        if g.cells:
            _table(doc, d.t("caption", n=next(d.tables), text=g.caption), heads, g.cells)
        for line in g.missing:
            doc.add_paragraph(line)

    # 三、生态产品总值与碳排放
    _chapter(doc, 3, "ch_accounts", lang)
    if not d.accounts:
        doc.add_paragraph(d.t("no_accounts", year=year))
    for name, cells in _account_groups(d):
        caption = d.t("caption", n=next(d.tables), text=name)
        _table(doc, caption, [d.t("unit_col"), d.t("value")], cells)

    # 四、存在的问题
    _chapter(doc, 4, "ch_problems", lang)
    items = _problem_items(d)
    if not items:
        doc.add_paragraph(d.t("no_problems", year=year))
    for item in items:
        doc.add_paragraph(item, style="List Number")

    # 五、下一步工作: left for the government to write
    _chapter(doc, 5, "ch_next", lang)
    placeholder = doc.add_paragraph().add_run(d.t("next_placeholder", region=d.region))
    placeholder.font.color.rgb = RED

    # 六、与第N版相比的变化
    if previous_version is not None:
        _chapter(doc, 6, "ch_changes", lang, version=previous_version)
        if not changes:
            doc.add_paragraph(d.t("no_changes", version=previous_version))
        else:
            doc.add_paragraph(d.t("changes_text", version=previous_version))
            _table(doc, "", [d.t(h) for h in CHANGE_HEADS], _change_cells(d, changes))

    # the sources, numbered as the figures cite them
    doc.add_heading(d.t("ch_sources"), level=1)
    for source, n in d.src.refs.items():
        doc.add_paragraph(f"[{n}] {source}").runs[0].font.size = Pt(9)
    return doc


def write_tracking_docx(
    figures: list[dict[str, Any]],
    year: int,
    out_path: Path | str,
    lang: Lang = "zh",
    **kw: Any,
) -> Path:
    """Write the report as .docx (atomically: a temporary file renamed) and return its
    path; ``kw`` as :func:`build_tracking_docx`."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        build_tracking_docx(figures, year, lang, **kw).save(str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def write_issued_docx(issued: IssuedReport, out_path: Path | str, *, issuer: str = "") -> Path:
    """An issued version in Word, from its own stored figures and changes (never today's
    series): the same numbers as its kept PDF."""
    return write_tracking_docx(
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
