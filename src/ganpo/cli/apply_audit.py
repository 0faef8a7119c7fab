"""``ganpo apply audit``: the departure audit pack (离任审计资料) of a county or city for a
tenure, as PDF or Excel (by the file's suffix), in Chinese or English."""

from __future__ import annotations

from datetime import date
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
from ganpo.errors import InputError


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(
            en=f"{option} {value!r} is not a date; give YYYY-MM-DD",
            zh=f"{option} 须为 YYYY-MM-DD 格式的日期",
            field=option.lstrip("-"),
            values=[value],
        ) from None


def audit(
    unit: Annotated[
        str, typer.Argument(help="County or city: adcode (360281) or name (乐平市). 县（市）。")
    ],
    start: Annotated[str, typer.Option("--start", help="Start of tenure, YYYY-MM-DD. 任期起始。")],
    end: Annotated[str, typer.Option("--end", help="End of tenure, YYYY-MM-DD. 任期终止。")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write: .pdf or .xlsx. 输出文件。")
    ],
    lang: Annotated[str, typer.Option("--lang", help="zh (中文, default) or en.")] = "zh",
    issuer: Annotated[
        str,
        typer.Option(
            "--issuer",
            help="Body that issues the pack, on its cover and as the PDF's author. 出具单位。",
        ),
    ] = "",
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="Tracking TOML file whose targets of the unit are graded; default: the "
            "shipped Jiangxi decision. 目标文件。",
        ),
    ] = None,
    work_dir: Annotated[
        Path,
        typer.Option(
            "--work-dir",
            help="The platform's work folder, which holds the approved forest-inventory "
            "reports. 平台工作目录（森林资源清查报送数据）。",
        ),
    ] = Path("out/web"),
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write the departure audit pack: areas, forest stand volume, GEP at comparable
    prices, carbon and compensation at the start and end of a tenure, the decision's
    indicators and the unit's targets from the stored series, and the figures not
    available.
    生成领导干部自然资源资产离任审计资料。"""
    from ganpo.apply.audit import departure_audit
    from ganpo.cli.export import _refuse_existing
    from ganpo.store.repository import open_store

    with user_errors():
        language, suffix = report_target(out, lang)
        _refuse_existing([out], force)
        pack = departure_audit(
            open_store(database),
            unit,
            _day(start, "--start"),
            _day(end, "--end"),
            targets_file=targets,
            work_dir=work_dir,
        )
        if suffix == ".pdf":
            from ganpo.report.audit_pack import write_audit_pdf

            console.print("rendering the pack (the first PDF builds the font cache, ~10 s)…")
            path = write_audit_pdf(pack, out, language, issuer=issuer)
        else:
            from ganpo.report.audit_pack import write_audit_workbook

            path = write_audit_workbook(pack, out, language)
    for m in pack.missing:
        console.print(
            f"缺 {m.zh}" if language == "zh" else f"not available: {m.en}", style="yellow"
        )
    mark = " 合成数据 SYNTHETIC" if pack.synthetic else ""
    console.print(f"written 已写出: {path}{mark}")


def register(app: typer.Typer) -> None:
    """Add ``audit`` to the `ganpo apply` group."""
    app.command("audit")(audit)
