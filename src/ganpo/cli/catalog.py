"""``ganpo catalog`` and ``ganpo profiles``: what ganpo can compute, and how."""

from __future__ import annotations

import csv
import io
import sys
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ganpo.cli.common import (
    Format,
    FormatOption,
    ParamsOption,
    console,
    err_console,
    print_records,
    user_errors,
)

if TYPE_CHECKING:
    from ganpo.catalog.profiles import Profile

#: the keys of `ganpo catalog --format csv|json`
CATALOG_KEYS = (
    "indicator",
    "category",
    "category_zh",
    "name_zh",
    "name_en",
    "quantity_unit",
    "methods",
    "valuation",
    "source",
)
#: the keys of `ganpo profiles --format csv|json`
PROFILE_KEYS = (
    "profile",
    "standard",
    "title_zh",
    "title_en",
    "parameter_set",
    "indicators",
    "verified",
)
#: the keys of `ganpo profiles NAME --format csv|json` (its indicators, then the physical
#: indicators it reports beside the GEP, not valued)
PROFILE_INDICATOR_KEYS = ("indicator", "name_zh", "name_en", "method", "valued")


def catalog(
    indicator: Annotated[
        str | None, typer.Argument(help="Show one indicator's methods in detail.")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """The GEP indicator catalogue with units, valuation and methods. 指标目录。"""
    from ganpo.catalog.indicators import CATEGORIES, indicators
    from ganpo.catalog.indicators import indicator as find
    from ganpo.services.registry import SPECS

    if fmt != "table":
        with user_errors():
            chosen = [find(indicator)] if indicator is not None else list(indicators().values())
        print_records(
            fmt,
            CATALOG_KEYS,
            (
                {
                    "indicator": ind.key,
                    "category": ind.category,
                    "category_zh": CATEGORIES[ind.category][0],
                    "name_zh": ind.name_zh,
                    "name_en": ind.name_en,
                    "quantity_unit": ind.quantity_unit,
                    "methods": list(SPECS.get(ind.key, {})),
                    "valuation": ind.valuation,
                    "source": ind.source,
                }
                for ind in chosen
            ),
        )
        return
    if indicator is not None:
        with user_errors():
            ind = find(indicator)
        console.print(
            Text.assemble(
                (ind.key, "bold"),
                f" {ind.name_zh} / {ind.name_en} ({CATEGORIES[ind.category][0]})\n"
                f"quantity in {ind.quantity_unit}; valuation: {ind.valuation}; "
                f"source: {ind.source}",
            )
        )
        for m in SPECS.get(ind.key, {}).values():
            inputs = [*(f"layer {x}" for x in m.layers)]
            inputs += [f"table {r}: {', '.join(c)}" for r, c in m.columns.items()]
            params = ", ".join(f"{p.key} [{p.unit}]" for p in m.parameters) or "none"
            console.print(
                Text.assemble(
                    "\n  method ",
                    (m.key, "bold"),
                    f" — {m.title_zh} / {m.title_en}\n"
                    f"    source: {m.source} ({'verified' if m.verified else 'unverified [U]'})\n"
                    f"    inputs: {'; '.join(inputs)}\n    parameters: {params}",
                )
            )
        if ind.key not in SPECS:
            console.print("\n  no method yet (raster models follow)")
        return
    t = Table("category 类别", "indicator", "指标", "name", "unit", "methods", "valuation")
    for ind in indicators().values():
        methods = ", ".join(SPECS.get(ind.key, {})) or "—"
        t.add_row(
            CATEGORIES[ind.category][0],
            ind.key,
            ind.name_zh,
            ind.name_en,
            ind.quantity_unit,
            methods,
            ind.valuation,
        )
    console.print(t)


def profiles(
    name: Annotated[str | None, typer.Argument(help="Show one profile in detail.")] = None,
    methods: Annotated[
        bool,
        typer.Option(
            "--methods",
            help="The method table: indicator × method × formula × clause followed (or "
            "'text unobtainable → follows …') × parameters × verified status, and the "
            "deviations from what each method follows with their reasons. 方法表。",
        ),
    ] = False,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            "-f",
            help="table (default), csv (a header row, UTF-8) or json (an array of objects): "
            "the profiles, a profile's indicators, or with --methods its method table. "
            "输出格式：表格、CSV 或 JSON。",
        ),
    ] = "table",
    lang: Annotated[
        Literal["zh", "en"], typer.Option("--lang", help="With --methods: language (zh, en).")
    ] = "en",
    params: ParamsOption = None,
) -> None:
    """Accounting profiles: each standard's indicators and methods. 核算口径。"""
    from ganpo.catalog.indicators import indicators
    from ganpo.catalog.profiles import load_profile, profile_names

    if methods:
        if name is None:
            err_console.print(
                "[bold red]error:[/] --methods needs a profile: ganpo profiles NAME --methods"
            )
            raise typer.Exit(code=2)
        _method_table(name, fmt, lang, params)
        return
    with user_errors():
        chosen = [load_profile(name)] if name else [load_profile(n) for n in profile_names()]
    if name is None and print_records(
        fmt,
        PROFILE_KEYS,
        (
            {
                "profile": p.name,
                "standard": p.standard,
                "title_zh": p.title_zh,
                "title_en": p.title_en,
                "parameter_set": p.parameter_set,
                "indicators": len(p.indicators),
                "verified": p.verified,
            }
            for p in chosen
        ),
    ):
        return
    if name is not None and fmt != "table":
        _profile_indicators(chosen[0], fmt)
        return
    if name is None:
        t = Table("profile", "standard", "title", "parameters", "indicators", "verified")
        for p in chosen:
            t.add_row(
                p.name,
                p.standard,
                f"{p.title_zh}\n{p.title_en}",
                p.parameter_set,
                str(len(p.indicators)),
                "yes" if p.verified else "no [U]",
            )
        console.print(t)
        console.print(
            "`ganpo profiles NAME` shows one, `ganpo profiles NAME --methods` its method table; "
            "`--profile NAME` selects it for a run."
        )
        return
    p = chosen[0]
    console.print(
        Text.assemble((p.name, "bold"), f": {p.title_zh} / {p.title_en}\nstandard: {p.standard}")
    )
    console.print(p.description)
    console.print(
        f"default parameter set: {p.parameter_set}; deduct products from outside the region: "
        f"{'yes' if p.deduct_external else 'no'}"
    )
    t = Table("indicator", "指标", "method")
    for key, method in p.indicators.items():
        t.add_row(key, indicators()[key].name_zh, method)
    console.print(t)
    left_out = [k for k in indicators() if k not in p.indicators]
    console.print(f"not in this profile: {', '.join(left_out)}")
    if p.physical:
        from ganpo.services.registry import PHYSICAL_NAMES

        phys = Table(
            "physical indicator (not valued, not in GEP)", "实物量指标（不计价）", "method"
        )
        for key, method in p.physical.items():
            zh, en = PHYSICAL_NAMES.get(key, (key, key))
            phys.add_row(f"{key} ({en})", zh, method)
        console.print(phys)
    console.print("`ganpo profiles NAME --methods` prints its method table.")


def _profile_indicators(p: Profile, fmt: Format) -> None:
    """A profile's indicators and its physical indicators as CSV or JSON records."""
    from ganpo.catalog.indicators import indicators
    from ganpo.services.registry import PHYSICAL_NAMES

    rows = [
        {
            "indicator": key,
            "name_zh": indicators()[key].name_zh,
            "name_en": indicators()[key].name_en,
            "method": method,
            "valued": True,
        }
        for key, method in p.indicators.items()
    ]
    for key, method in p.physical.items():
        zh, en = PHYSICAL_NAMES.get(key, (key, key))
        rows.append(
            {"indicator": key, "name_zh": zh, "name_en": en, "method": method, "valued": False}
        )
    print_records(fmt, PROFILE_INDICATOR_KEYS, rows)


def _method_table(name: str, fmt: Format, lang: Literal["zh", "en"], params: str | None) -> None:
    """Print a profile's method table (ganpo.report.method_table) as a table, CSV or JSON."""
    import json

    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.report.method_table import (
        DEVIATIONS_TITLE,
        basis_sentence,
        deviation_rows,
        method_columns,
        method_table,
    )

    with user_errors():
        chosen = load_parameter_set(params) if params else None
        rows = method_table(name, lang, chosen)
        basis = basis_sentence(name, lang, subject="profile")
    # CSV and JSON: one record per indicator, its deviations in the last column; the table on
    # the terminal prints them in a table of their own below, as the annual report does
    columns = method_columns(rows, lang, deviations=fmt != "table")
    headers = list(columns)
    records = [
        dict(zip(headers, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]
    if fmt == "csv":
        # plain text on stdout, no rich markup or wrapping: pipe it into a file
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([r[h] for h in headers] for r in records)
        sys.stdout.write(out.getvalue())
        return
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")
        return
    console.print(escape(basis))
    table = Table(show_lines=True)
    for header in headers:
        table.add_column(header, overflow="fold")  # never cut a citation or a value short
    for r in records:
        table.add_row(*(escape(str(r[h])) for h in headers))
    console.print(table)
    dev_headers, deviations = deviation_rows(rows, lang)
    if deviations:
        table = Table(title=DEVIATIONS_TITLE[0 if lang == "zh" else 1], show_lines=True)
        for header in dev_headers:
            table.add_column(header, overflow="fold")
        for values in deviations:
            table.add_row(*(escape(str(v)) for v in values))
        console.print(table)
