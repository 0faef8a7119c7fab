"""``ganpo account report``: the annual GEP report as PDF (and its Excel workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    account_argument,
    console,
    user_errors,
)
from ganpo.cli.export import _refuse_existing
from ganpo.errors import InputError


def report(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    out: Annotated[Path, typer.Option(help="PDF file to write.")],
    previous: Annotated[
        int | None,
        typer.Option(
            help="Account of the previous year, for the change section (default: found in "
            "the store: same dataset, region and profile, year − 1, the newest published, "
            "else the newest not withdrawn)."
        ),
    ] = None,
    issuer: Annotated[
        str,
        typer.Option(
            help="Body that issues the report, on its cover and as the PDF's author "
            "(default: a neutral ganpo wording). 发布单位。"
        ),
    ] = "",
    lang: Annotated[str, typer.Option(help="zh (中文, default) or en.")] = "zh",
    raster: Annotated[
        str, typer.Option(help="Indicator drawn as a service raster map.")
    ] = "water_conservation",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write the annual GEP report (PDF; Excel tables beside it). 生成年度 GEP 核算报告。"""
    from ganpo.report import annual
    from ganpo.report import export as xl
    from ganpo.report.account_report import previous_account, report_data
    from ganpo.report.account_tables import account_workbook
    from ganpo.store.repository import load_account, open_store

    with user_errors():
        if lang not in ("zh", "en"):
            raise InputError(
                en=f"unknown language {lang!r}; use zh or en",
                zh=f"未知的语言 {lang!r}：请用 zh（中文）或 en（英文）",
                field="lang",
            )
        language: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
        _refuse_existing([out, out.with_suffix(".xlsx")], force)
        store = open_store(database)
        s = load_account(store, account_id)
        a = s.account
        p = None
        if previous is not None:
            p = load_account(store, previous)
            if p.account.region_adcode != a.region_adcode:
                raise InputError(
                    en=f"the previous account {previous} is of another region "
                    f"({p.account.region_adcode}, account {account_id}: {a.region_adcode}); give "
                    "the previous account of the same region",
                    zh=f"上一期核算 {previous} 属于另一"
                    f"地区（{p.account.region_adcode}，核算 {account_id}：{a.region_adcode}）："
                    "请给出同一地区的上一期核算",
                    field="previous",
                    values=[previous],
                )
        else:
            found = previous_account(store, a)
            if found is not None:
                p = load_account(store, found.id)
        data = report_data(s, language, previous=p, raster=raster, issuer=issuer)
        change = data.change
        console.print("rendering the report (the first PDF builds the font cache, ~10 s)…")
        path = annual.write_pdf(annual.build_html(data, language), out)
        workbook = out.with_suffix(".xlsx")
        sheets, notes = account_workbook(s, language, change)
        xl.write_excel(
            sheets,
            workbook,
            title=annual.t("title", language, region=data.region, year=data.year),
            notes=notes,
        )
    console.print(f"written: {path}\nwritten: {workbook}")
    if data.standing:  # a withdrawn or superseded account: its cover says so
        from ganpo.store.repository import standing_mark

        console.print(standing_mark(a), style="bold yellow", highlight=False)
