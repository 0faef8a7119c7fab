"""`ganpo apply damage-cases`: the stored ecological damage cases and the compensation paid
for them (a case is stored by `ganpo apply damage --case-no`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    print_records,
    user_errors,
)

app = typer.Typer(
    help="Damage cases: list them, record a payment of compensation. 生态环境损害案件与赔偿。",
    no_args_is_help=True,
)
CASE_KEYS = (
    "case_no",
    "title",
    "damage_date",
    "county_adcode",
    "account_id",
    "price_year",
    "area_hm2",
    "interim_wan",
    "permanent_wan",
    "total_wan",
    "paid_wan",
    "synthetic",
)


@app.command("list")
def list_(
    county: Annotated[
        int | None, typer.Option("--county", help="Only cases touching this county. 县。")
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The stored damage cases with their losses and the compensation paid (万元).
    损害案件列表。"""
    from ganpo.store.cases import list_damage_cases
    from ganpo.store.repository import open_store

    with user_errors():
        cases = list_damage_cases(
            open_store(database), counties=None if county is None else [county]
        )
    records: list[dict[str, Any]] = [
        {
            "case_no": c.case_no,
            "title": c.title,
            "damage_date": c.damage_date.isoformat(),
            "county_adcode": c.county_adcode,
            "account_id": c.account_id,
            "price_year": c.price_year,
            "area_hm2": c.area_m2 / 1e4,
            "interim_wan": c.interim_cny / 1e4,
            "permanent_wan": c.permanent_cny / 1e4,
            "total_wan": c.total_cny / 1e4,
            "paid_wan": c.paid_cny / 1e4,
            "synthetic": c.synthetic,
        }
        for c in cases
    ]
    if print_records(fmt, CASE_KEYS, records):
        return
    t = Table(title="生态环境损害案件 Damage cases (万元)")
    for header in ("案件\ncase", "日期\ndate", "县\ncounty", "面积（公顷）\narea (ha)",
                   "损害合计\ntotal loss", "已赔付\npaid", "基线核算\nbaseline"):  # fmt: skip
        t.add_column(header, overflow="fold")
    for r in records:
        t.add_row(
            f"{r['case_no']}\n{r['title']}" + (" 合成" if r["synthetic"] else ""),
            str(r["damage_date"]),
            str(r["county_adcode"]),
            f"{r['area_hm2']:,.2f}",
            f"{r['total_wan']:,.2f}",
            f"{r['paid_wan']:,.2f}",
            f"#{r['account_id']} ({r['price_year']})",
        )
    console.print(t)
    if not records:
        console.print("没有记录 no case stored")


@app.command("pay")
def pay(
    case_no: Annotated[str, typer.Argument(help="Damage case number. 损害案件编号。")],
    amount: Annotated[
        float, typer.Option("--amount-wan", help="Amount paid, 万元. 支付金额（万元）。")
    ],
    paid_on: Annotated[str, typer.Option("--date", help="Date paid, YYYY-MM-DD. 支付日期。")],
    reference: Annotated[
        str,
        typer.Option("--reference", help="Agreement, judgment or receipt. 赔偿协议、判决或凭证。"),
    ],
    kind: Annotated[
        str, typer.Option("--kind", help="compensation | restoration. 赔偿金或修复费用。")
    ] = "compensation",
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Record a payment of compensation or restoration cost for a damage case (audited).
    登记损害赔偿支付。"""
    from ganpo.cli.apply_assets import _iso_day
    from ganpo.store.cases import PaymentRecord, add_payment
    from ganpo.store.repository import open_store

    with user_errors():
        pid = add_payment(
            open_store(database),
            case_no,
            PaymentRecord(_iso_day(paid_on, "--date"), amount * 1e4, kind, reference),
        )
    console.print(f"payment #{pid} recorded for case {case_no} / 已登记")


def register(parent: typer.Typer) -> None:
    """Add the `damage-cases` group to `ganpo apply`."""
    parent.add_typer(app, name="damage-cases")
