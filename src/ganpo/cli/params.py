"""``ganpo params …``: the parameter sets and their values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from ganpo.cli.common import FormatOption, console, print_records, user_errors

if TYPE_CHECKING:
    from ganpo.catalog.parameters import ParameterValue

app = typer.Typer(help="Parameter sets (prices, coefficients). 参数集。", no_args_is_help=True)

#: the keys of `ganpo params list --format csv|json`
SET_KEYS = ("name", "version", "title_zh", "title_en")
#: the keys of `ganpo params show NAME --format csv|json` (``by_type``: a value per
#: ecosystem type, in place of ``value``)
VALUE_KEYS = ("key", "value", "by_type", "unit", "year", "region", "status", "source")


@app.command("list")
def list_(fmt: FormatOption = "table") -> None:
    """List the parameter sets shipped with ganpo. 列出参数集。"""
    from ganpo.catalog.parameters import load_parameter_set, parameter_set_names

    sets = [load_parameter_set(name) for name in parameter_set_names()]
    records = (
        {"name": p.name, "version": p.version, "title_zh": p.title_zh, "title_en": p.title_en}
        for p in sets
    )
    if print_records(fmt, SET_KEYS, records):
        return
    t = Table("name", "version", "title")
    for name, p in zip(parameter_set_names(), sets, strict=True):
        t.add_row(name, p.version, f"{p.title_zh} / {p.title_en}")
    console.print(t)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Parameter set name or .toml path.")],
    fmt: FormatOption = "table",
) -> None:
    """Every value of a parameter set with unit, year, region, source. 查看参数集。"""
    from ganpo.catalog.parameters import load_parameter_set

    with user_errors():
        p = load_parameter_set(name)
    records = (
        {
            "key": key,
            "value": v.value,
            "by_type": v.by_type,
            "unit": v.unit,
            "year": v.year,
            "region": v.region,
            "status": v.status,
            "source": v.source,
        }
        for key, v in p.values.items()
    )
    if print_records(fmt, VALUE_KEYS, records):
        return
    console.print(
        Text.assemble(
            (p.name, "bold"), f" v{p.version}: {p.title_zh} / {p.title_en}\n{p.description}"
        )
    )
    t = Table("key", "value", "unit", "year", "status", "source")
    for key, v in p.values.items():
        value = (
            f"{v.value:g}"
            if v.value is not None
            else ", ".join(f"{k} {x:g}" for k, x in (v.by_type or {}).items())
        )
        t.add_row(key, value, v.unit, str(v.year), v.status, v.source)
    console.print(t)


def _show(v: ParameterValue | None) -> str:
    if v is None:
        return "—"
    if v.value is not None:
        return f"{v.value:g} ({v.year})"
    return ", ".join(f"{k} {x:g}" for k, x in (v.by_type or {}).items()) + f" ({v.year})"


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="First parameter set.")],
    b: Annotated[str, typer.Argument(help="Second parameter set.")],
) -> None:
    """Values that differ between two parameter sets. 比较两个参数集。"""
    from ganpo.catalog.parameters import load_parameter_set

    with user_errors():
        pa, pb = load_parameter_set(a), load_parameter_set(b)
    t = Table("key", a, b, "unit", "status")
    same = 0
    for key in sorted(set(pa.values) | set(pb.values)):
        va, vb = pa.values.get(key), pb.values.get(key)
        if va is not None and vb is not None and _show(va) == _show(vb) and va.unit == vb.unit:
            same += 1
            continue
        either = va or vb
        assert either is not None
        t.add_row(key, _show(va), _show(vb), either.unit, either.status)
    console.print(t)
    console.print(f"{same} value(s) identical in both sets")
