"""``ganpo report-forms …``: the statistical reporting forms offline — list them, write a
template, check a filled file exactly as the platform's upload does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ganpo.cli.common import FormatOption, console, print_records, user_errors
from ganpo.errors import InputError

if TYPE_CHECKING:
    from ganpo.submissions.validate import Problem

app = typer.Typer(
    help="Statistical reporting forms: list, template, check. 统计报表：列表、模板、校验。",
    no_args_is_help=True,
)

YearOption = Annotated[int, typer.Option("--year", "-y", help="Reporting year. 报告年份。")]
DataOption = Annotated[
    Path,
    typer.Option(
        "--data",
        help="Base dataset folder (its manifest gives the counties and the grid). 基础数据集。",
    ),
]
#: the keys of `ganpo report-forms list --format csv|json` (as the platform's API gives
#: a form; ``columns``: key, unit, names, required, indicators of each column)
FORM_KEYS = (
    "key",
    "kind",
    "year",
    "department",
    "department_zh",
    "department_en",
    "name_zh",
    "name_en",
    "profile",
    "required",
    "indicators",
    "per_county",
    "unit",
    "columns",
)
ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", help="Accounting profile (default: the engine's). 核算口径。"),
]


@app.command("list")
def list_forms(
    year: YearOption,
    department: Annotated[
        str | None, typer.Option("--department", "-d", help="Only this department. 部门。")
    ] = None,
    profile: ProfileOpt = None,
    fmt: FormatOption = "table",
) -> None:
    """The forms of a year: department, required or not, required columns. 年度报表。"""
    from ganpo.submissions.forms import all_forms, forms_for

    with user_errors():
        found = forms_for(department, year, profile) if department else all_forms(year, profile)
    if print_records(fmt, FORM_KEYS, (f.as_dict() for f in found)):
        return
    t = Table("form", "kind", "department", "required", "columns (* required) / unit")
    for f in found:
        cols = (
            ", ".join(f"{c.key}{'*' if c.required else ''} [{c.unit}]" for c in f.columns)
            if f.kind == "table"
            else f"[{f.unit}]"
        )
        t.add_row(
            f"{f.key}\n{f.name_zh}",
            f.kind,
            f"{f.department}\n{f.department_zh}",
            "yes 是" if f.required else "no 否",
            cols,
        )
    console.print(t)


@app.command("template")
def template(
    form_key: Annotated[str, typer.Argument(help="Form (table role), e.g. tourism.")],
    year: YearOption,
    data: DataOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (.xlsx or .csv).")],
    profile: ProfileOpt = None,
) -> None:
    """Write a form's template, the region's counties filled in. 生成报表模板。"""
    from ganpo.io.outputs import EXPORT, atomic_write
    from ganpo.submissions.forms import form
    from ganpo.submissions.template import template_csv, template_xlsx
    from ganpo.submissions.workflow import region_of

    with user_errors():
        f = form(form_key, year, profile)
        region = region_of(data, year)
        body = template_csv(f, region) if out.suffix == ".csv" else template_xlsx(f, region)
        atomic_write(out, lambda tmp: tmp.write_bytes(body), EXPORT)
    console.print(f"{out} ({len(region.counties)} counties, {len(f.columns)} columns)")


@app.command("check")
def check(
    form_key: Annotated[str, typer.Argument(help="Form (table or layer role).")],
    file: Annotated[Path, typer.Argument(help="The filled .xlsx/.csv or GeoTIFF.")],
    year: YearOption,
    data: DataOption,
    profile: ProfileOpt = None,
) -> None:
    """Check a filled form as the platform's upload does; list every problem (exit 1 if
    any), then the values the platform would flag for an explanation (unusual values,
    changes since the base dataset's previous year). 校验填报文件，一次列出全部问题
    及需说明的数值。"""
    from ganpo.submissions.forms import form
    from ganpo.submissions.validate import (
        Limits,
        UploadError,
        check_layer,
        check_layer_kind,
        check_size,
        check_table,
    )
    from ganpo.submissions.workflow import region_of, table_context

    limits = Limits()
    notes: list[str] = []
    flags: list[Problem] = []
    with user_errors():
        f = form(form_key, year, profile)
        region = region_of(data, year)
        if not file.is_file():
            raise InputError(
                en="not a file; give the path of the table or GeoTIFF",
                zh="不是文件：请给出表格或 GeoTIFF 文件的路径",
                source=file,
            )
    try:
        problems = check_size(file.stat().st_size, limits)
        if problems:
            raise UploadError(problems)
        raw = file.read_bytes()
        if f.kind == "table" and f.domain == "carbon":
            from ganpo.io.manifest import load_manifest
            from ganpo.submissions.carbon_validate import check_carbon_table

            with user_errors():
                code = load_manifest(data, verify=False).manifest.region_adcode
            table = check_carbon_table(raw, f, region, limits, region_code=code)
            notes += table.warnings
            flags = list(table.flags)
        elif f.kind == "table" and f.domain == "tracking":
            from ganpo.io.manifest import load_manifest
            from ganpo.submissions.tracking_validate import check_tracking_table

            with user_errors():
                code = load_manifest(data, verify=False).manifest.region_adcode
            table = check_tracking_table(raw, f, region, limits, region_code=code)
            notes += table.warnings
            flags = list(table.flags)
        elif f.kind == "table" and f.domain == "rating":
            from ganpo.submissions.rating_validate import check_rating_table

            table = check_rating_table(raw, f, limits)
            flags = []
        elif f.kind == "table":  # CSV or .xlsx; anything else is a problem saying what it is
            with user_errors():
                context, notes = table_context(None, f, data, None, region)
            table = check_table(raw, f, region, limits, context)
            notes += table.warnings
            flags = list(table.flags)
        else:
            problems = check_layer_kind(raw, f)
            if problems:
                raise UploadError(problems)
            check_layer(file, f, region, limits)
    except UploadError as exc:
        console.print(_problems(exc.problems))
        console.print(f"{len(exc.problems)} problem(s) / 共 {len(exc.problems)} 处问题")
        raise typer.Exit(code=1) from exc
    for note in notes:
        console.print(note, style="dim")
    if flags:
        console.print(_problems(flags))
        console.print(
            f"{file}: no problems; {len(flags)} value(s) need an explanation when reported "
            f"/ 校验通过，但有 {len(flags)} 处数值填报时需说明理由"
        )
        return
    console.print(f"{file}: no problems / 校验通过")


def _problems(problems: Sequence[Problem]) -> Table:
    t = Table("row", "column", "cell", "value", "reason")
    for p in problems:
        t.add_row(
            "" if p.row is None else str(p.row),
            p.column or "",
            p.cell or "",
            p.value or "",
            f"{p.reason_zh} / {p.reason_en}",
        )
    return t
