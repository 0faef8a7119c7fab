"""``ganpo account quality``: a stored account's quality report in the terminal, as JSON or
as CSV (:mod:`ganpo.report.quality`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table

if TYPE_CHECKING:
    from ganpo.report.quality import QualityReport

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    account_argument,
    console,
    user_errors,
)
from ganpo.errors import InputError

FORMATS = ("table", "json", "csv")


def quality(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    lang: Annotated[str, typer.Option(help="zh (中文, default) or en.")] = "zh",
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="table (default), json (the report in --lang) or csv (one table, Chinese "
            "and English side by side, as the Excel export's quality sheet).",
        ),
    ] = "table",
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The account's quality report: coverage, decisions, warnings, overrides, parameters
    not verified. 核算质量报告：覆盖率、决定、警告、人工说明、未核实参数。

    The table also names the file each decision is about (for the operator); JSON and CSV
    hold only what the published report holds."""
    from ganpo.report.quality import build_quality, quality_table
    from ganpo.store.repository import load_account, open_store

    with user_errors():
        if lang not in ("zh", "en"):
            raise InputError(
                en=f"unknown language {lang!r}; use zh or en",
                zh=f"未知的语言 {lang!r}：请用 zh 或 en",
                field="lang",
            )
        if fmt not in FORMATS:
            raise InputError(
                en=f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}",
                zh=f"未知的格式 {fmt!r}：请从 {', '.join(FORMATS)} 中选择",
                field="format",
            )
        language: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
        stored = load_account(open_store(database), account_id)
        report = build_quality(stored, language)
    if fmt == "json":
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        typer.echo(quality_table(stored).to_csv(index=False), nl=False)
        return
    _print(report, language)


def _print(report: QualityReport, lang: Literal["zh", "en"]) -> None:
    from ganpo.report.quality import override_text, percent, units_text

    zh = lang == "zh"
    sec = report.sections
    console.print(
        f"{'核算' if zh else 'account'} #{report.account_id} ({report.year}): "
        f"{'核算质量报告' if zh else 'quality report'}"
    )
    if report.standing:  # a withdrawn or superseded account
        console.print(report.standing, style="bold yellow", highlight=False)
    t = Table(title=sec["summary"], title_justify="left")
    t.add_column("项目" if zh else "item")
    t.add_column("数量" if zh else "count", justify="right")
    for item in report.summary:
        t.add_row(item.label, str(item.count))
    console.print(t)

    if report.coverage:
        t = Table(title=sec["coverage"], title_justify="left")
        for head in (
            ("图层", "layer"),
            ("未完全覆盖", "units below 100 %"),
            ("最低覆盖率", "lowest share"),
            ("涉及的行政区", "units concerned"),
        ):
            t.add_column(head[0] if zh else head[1])
        for g in report.coverage:
            t.add_row(
                g.layer,
                f"{g.units_below} / {g.units_total}",
                percent(g.min_share),
                units_text(g, lang),
            )
        console.print(t)

    if report.decisions:
        t = Table(title=sec["decisions"], title_justify="left")
        for head in (("类别", "kind"), ("行政区", "unit"), ("说明", "what"), ("文件", "file")):
            t.add_column(head[0] if zh else head[1])
        for group in report.decisions:
            for line in group.decisions:
                t.add_row(group.label, line.unit, line.text, line.source or "")
        console.print(t)

    if report.warnings:
        t = Table(title=sec["warnings"], title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("警告" if zh else "warning")
        for i, w in enumerate(report.warnings, start=1):
            t.add_row(str(i), w)
        console.print(t)

    if report.overrides:
        t = Table(title=sec["overrides"], title_justify="left")
        for head in (("行政区", "unit"), ("类别", "kind"), ("说明", "what")):
            t.add_column(head[0] if zh else head[1])
        for o in report.overrides:
            t.add_row(o.unit, o.kind_label, override_text(o, lang))
        console.print(t)

    if report.unverified:
        t = Table(title=sec["unverified"], title_justify="left")
        for head in (("参数", "parameter"), ("核实情况", "status"), ("来源", "source")):
            t.add_column(head[0] if zh else head[1])
        for p in report.unverified:
            t.add_row(p.name, p.status_label, p.source)
        console.print(t)
