"""``ganpo carbon report``: the annual greenhouse-gas inventory report of a stored
inventory, as PDF or Excel (by the file's suffix), in Chinese or English, with the change
from the previous year's inventory (given, or found in the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    console,
    report_target,
    user_errors,
)


def report(
    inventory_id: Annotated[int, typer.Argument(help="Inventory id (`ganpo carbon list`).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write: .pdf or .xlsx. 输出文件。")
    ],
    lang: Annotated[str, typer.Option("--lang", help="zh (中文, default) or en.")] = "zh",
    previous: Annotated[
        int | None,
        typer.Option(
            "--previous",
            help="Inventory of the previous year to compare with (same region and GWP set; "
            "default: found in the store, the year before, the newest published, else the "
            "newest draft). 上年清单编号。",
        ),
    ] = None,
    issuer: Annotated[
        str,
        typer.Option(
            "--issuer",
            help="Body that issues the report, on its cover and as the PDF's author "
            "(default: a neutral ganpo wording). 发布单位。",
        ),
    ] = "",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the annual inventory report (PDF or Excel, zh or en) in the structure of the
    provincial guideline. 生成年度温室气体清单报告（PDF 或 Excel）。"""
    from ganpo.cli.export import _refuse_existing
    from ganpo.store.carbon import load_inventory
    from ganpo.store.repository import open_store

    with user_errors():
        language, suffix = report_target(out, lang)
        _refuse_existing([out], force)
        engine = open_store(database)
        stored = load_inventory(engine, inventory_id)
        before = load_inventory(engine, previous) if previous is not None else None
        if suffix == ".pdf":
            from ganpo.report.carbon_report import write_inventory_report

            console.print("rendering the report (the first PDF builds the font cache, ~10 s)…")
            path = write_inventory_report(
                stored, out, language, before, engine=engine, issuer=issuer
            )
        else:
            from ganpo.report.carbon_excel import write_inventory_workbook

            path = write_inventory_workbook(stored, out, language, before, engine=engine)
    mark = " 合成数据 SYNTHETIC" if stored.header.synthetic else ""
    console.print(f"written 已写出: {path}{mark}")
