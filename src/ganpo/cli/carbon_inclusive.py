"""``ganpo carbon inclusive …``: the carbon-inclusive registry (碳普惠) — its methodologies,
a SYNTHETIC demonstration from claim to retirement, the ledger (``--public``: without
participants), a participant's balance, and retiring credits. Registered under
:mod:`ganpo.cli.carbon`; every library is imported when a command runs. One credit is one
kilogram of CO2e; quantities are also shown in tonnes."""

from __future__ import annotations

import getpass
import re
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ganpo.cli import carbon_inclusive_sinks
from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    FormatOption,
    console,
    print_records,
    user_errors,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    help="Carbon-inclusive registry: methodologies, demo, ledger, balance, retire, exclude, "
    "sink credits. 碳普惠登记簿：方法学、示范、账本、余额、注销、排除资产、碳汇减排量。",
    no_args_is_help=True,
)
app.add_typer(carbon_inclusive_sinks.app, name="sink")  # sink credits on register parcels
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who does it (default: your login). 操作人。")
]
#: the keys of `ganpo carbon inclusive methodologies --format csv|json`
METHODOLOGY_KEYS = (
    "code", "version", "title_zh", "title_en", "unit", "factor", "factor_unit",
    "factor_status", "factor_source", "evidence", "crediting_period_years",
)  # fmt: skip
#: the keys of `ganpo carbon inclusive ledger --format csv|json` (``--public`` drops the
#: participants and who recorded the entry)
LEDGER_KEYS = (
    "entry", "kind", "kind_zh", "serials", "quantity_credits", "quantity_t_co2e",
    "methodology", "version", "vintage", "region_adcode", "date", "purpose",
    "from_participant", "to_participant", "recorded_by",
)  # fmt: skip
PUBLIC_KEYS = LEDGER_KEYS[:-3]


def _store(database: str) -> Engine:
    from ganpo.store.repository import open_store

    return open_store(database)


@app.command("methodologies")
def methodologies(fmt: FormatOption = "table") -> None:
    """The shipped methodologies: activity, reduction factor with its source and status,
    evidence required. 碳普惠方法学：活动、减排因子及来源、所需证据。"""
    from ganpo.carbon.inclusive import load_methodologies

    with user_errors():
        found = load_methodologies()
        records = [
            {
                "code": m.code,
                "version": m.version,
                "title_zh": m.title_zh,
                "title_en": m.title_en,
                "unit": m.unit,
                "factor": m.reduction_factor.value,
                "factor_unit": m.reduction_factor.unit,
                "factor_status": m.reduction_factor.status,
                "factor_source": m.reduction_factor.source,
                "evidence": "; ".join(f"{e.zh} {e.en}" for e in m.evidence),
                "crediting_period_years": m.crediting_period_years,
            }
            for m in found.values()
        ]
        if print_records(fmt, METHODOLOGY_KEYS, records):
            return
        table = Table(title="碳普惠方法学 Carbon-inclusive methodologies")
        for col in ("方法学 Methodology", "版本 Version", "活动单位 Unit",
                    "减排因子 Reduction factor", "状态 Status", "所需证据 Evidence"):  # fmt: skip
            table.add_column(col)
        for r in records:
            table.add_row(
                f"{r['code']} {r['title_zh']} {r['title_en']}",
                str(r["version"]),
                str(r["unit"]),
                f"{r['factor']} {r['factor_unit']}",
                str(r["factor_status"]),
                str(r["evidence"]),
            )
        console.print(table)


@app.command("demo")
def demo(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """Run a SYNTHETIC demonstration on an empty registry: participants, claims (one
    refused as a double count), review, issuance, a transfer, a redemption and a
    retirement. 合成数据示范：登记、申报、审核、签发、转让、兑换、注销。"""
    from ganpo.carbon.inclusive_demo import run_demo

    with user_errors():
        r = run_demo(_store(database))
        console.print(
            f"{SYNTHETIC_LABEL}: {len(r.participants)} participants 参与者, "
            f"{len(r.submissions)} claims approved 通过申报, {r.issued} credits issued 签发减排量 "
            f"({r.issued / 1000:.3f} tCO2e), {r.transferred} transferred 转让, "
            f"{r.redeemed} redeemed 兑换, {r.retired} retired 注销"
        )
        console.print(f"refused as a double count 重复计算被拒：{r.refused}")
        console.print(f"see 查看 `ganpo carbon inclusive ledger --public --database {database}`")


def _ledger_records(engine: Engine, public: bool) -> list[dict[str, Any]]:
    from ganpo.carbon.inclusive import serial_range
    from ganpo.store import inclusive as store
    from ganpo.store.inclusive_models import LEDGER_KINDS

    out = []
    for r in store.ledger(engine):
        rec: dict[str, Any] = {
            "entry": r.id,
            "kind": r.kind,
            "kind_zh": LEDGER_KINDS[r.kind].split(" ")[0],
            "serials": serial_range(
                r.methodology,
                r.version,
                r.vintage,
                r.region_adcode,
                r.first_serial,
                r.last_serial,
            ),
            "quantity_credits": r.quantity,
            "quantity_t_co2e": r.quantity / 1000,
            "methodology": r.methodology,
            "version": r.version,
            "vintage": r.vintage,
            "region_adcode": r.region_adcode,
            "date": f"{r.at:%Y-%m-%d}",
            "purpose": r.purpose if r.kind == "retirement" or not public else "",
        }
        if not public:
            rec |= {
                "from_participant": r.from_participant,
                "to_participant": r.to_participant,
                "recorded_by": r.by_user,
            }
        out.append(rec)
    return out


@app.command("ledger")
def ledger(
    database: DatabaseOption = str(DEFAULT_DATABASE),
    public: Annotated[
        bool,
        typer.Option("--public", help="Without participants (the public view). 公开视图。"),
    ] = False,
    fmt: FormatOption = "table",
) -> None:
    """The ledger of issuance, transfer, redemption and retirement, with serials.
    碳普惠账本：签发、转让、兑换、注销及序号。"""
    with user_errors():
        records = _ledger_records(_store(database), public)
        keys = PUBLIC_KEYS if public else LEDGER_KEYS
        if print_records(fmt, keys, records):
            return
        table = Table(
            title="碳普惠账本 Carbon-inclusive ledger" + (" (公开 public)" if public else "")
        )
        cols = ["序号 Serials", "类型 Kind", "减排量 Credits (kgCO2e)", "吨 tCO2e", "日期 Date"]
        if not public:
            cols += ["转出 From", "转入 To"]
        cols.append("用途 Purpose")
        for c in cols:
            table.add_column(c)
        for r in records:
            row = [
                r["serials"], f"{r['kind_zh']} {r['kind']}", str(r["quantity_credits"]),
                f"{r['quantity_t_co2e']:.3f}", r["date"],
            ]  # fmt: skip
            if not public:
                row += [str(r["from_participant"] or ""), str(r["to_participant"] or "")]
            row.append(r["purpose"])
            table.add_row(*row)
        console.print(table)


@app.command("balance")
def balance(
    participant: Annotated[int, typer.Argument(help="Participant number. 参与者编号。")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The credits a participant holds (replayed from the ledger). 参与者持有的减排量。"""
    from ganpo.store import inclusive as store

    with user_errors():
        n = store.balance(_store(database), participant)
        console.print(
            f"participant 参与者 {participant}: {n} credits 减排量 ({n / 1000:.3f} tCO2e)"
        )


def _serials(text: str) -> tuple[int, int]:
    """``12-40`` or ``12`` as a range of serial numbers."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:[-–]\s*(\d+))?\s*", text)
    if not m:
        from ganpo.errors import InputError

        raise InputError(
            en=f"--serials {text!r} is not a serial number or a range like 12-40",
            zh="序号格式应为 12 或 12-40",
            field="serials",
            values=[text],
        )
    first = int(m.group(1))
    return first, int(m.group(2) or first)


@app.command("retire")
def retire(
    participant: Annotated[int, typer.Argument(help="Participant number. 参与者编号。")],
    purpose: Annotated[str, typer.Option("--purpose", help="What the retirement offsets. 用途。")],
    quantity: Annotated[
        int | None,
        typer.Option("--quantity", help="Credits (kgCO2e), lowest serials first. 数量。"),
    ] = None,
    serials: Annotated[
        str | None, typer.Option("--serials", help="Serial numbers, e.g. 12-40. 序号范围。")
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    user: UserOption = None,
) -> None:
    """Retire credits a participant holds (given serials, or a quantity). 注销减排量。"""
    from ganpo.errors import InputError
    from ganpo.store import inclusive as store

    with user_errors():
        if (quantity is None) == (serials is None):
            raise InputError(
                en="give either --quantity or --serials",
                zh="请给出 --quantity 或 --serials 之一",
                field="quantity",
            )
        engine = _store(database)
        done = store.retire(
            engine,
            participant,
            user or getpass.getuser(),
            purpose,
            quantity=quantity,
            serials=_serials(serials) if serials is not None else None,
        )
        n = sum(e.quantity for e in done)
        console.print(
            f"retired 已注销 {n} credits 减排量 ({n / 1000:.3f} tCO2e), serials 序号 "
            + ", ".join(f"{e.first_serial}–{e.last_serial}" for e in done)
        )


@app.command("exclude")
def exclude(
    asset: Annotated[str, typer.Argument(help="Asset (card, meter, parcel). 资产编号。")],
    kind: Annotated[
        str, typer.Option("--kind", help="ccer (a CCER project's) or inventory (in a sink).")
    ],
    reference: Annotated[
        str, typer.Option("--reference", help="Project number, inventory. 项目或清单。")
    ],
    start: Annotated[
        str | None, typer.Option("--from", help="First day excluded, YYYY-MM-DD. 起始日。")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day excluded, YYYY-MM-DD. 结束日。")
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    user: UserOption = None,
) -> None:
    """Record an asset that may not be claimed (in a CCER project, or counted in an
    inventory's sink). 登记不得申报的资产（CCER 项目或已计入清单碳汇）。"""
    from datetime import date

    from ganpo.errors import InputError
    from ganpo.store import inclusive as store

    def day(text: str | None, option: str) -> date | None:
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InputError(
                en=f"{option} {text!r} is not a date YYYY-MM-DD",
                zh=f"{option} 应为日期 YYYY-MM-DD",
                field=option,
                values=[text],
            ) from None

    with user_errors():
        xid = store.add_exclusion(
            _store(database),
            asset,
            kind,
            reference,
            day(start, "--from"),
            day(end, "--to"),
            added_by=user or getpass.getuser(),
        )
        console.print(f"exclusion 排除 {xid}: asset 资产 {asset} ({kind}: {reference})")
