"""``ganpo carbon inclusive sink …``: forest and wetland sink projects on parcels of the
asset register and their credits in the carbon-inclusive ledger (decision 0052): add a
project, list the projects, issue a vintage, run the SYNTHETIC demonstration. Registered
under :mod:`ganpo.cli.carbon_inclusive`; libraries are imported when a command runs. One
credit is one kilogram of CO2; quantities are also shown in tonnes."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    help="Forest and wetland sink credits on register parcels: add, list, issue, demo. "
    "登记地块的森林和湿地碳汇：登记项目、列表、签发、示范。",
    no_args_is_help=True,
)
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who does it (default: your login). 操作人。")
]
#: the keys of `ganpo carbon inclusive sink list --format csv|json`
PROJECT_KEYS = (
    "project", "name", "kind", "owner_participant", "methodology", "vintage", "parcels",
    "issued_credits", "issued_t_co2", "measured_t_co2", "account", "serials",
)  # fmt: skip


def _store(database: str) -> Engine:
    from ganpo.store.repository import open_store

    return open_store(database)


@app.command("add")
def add(
    code: Annotated[str, typer.Argument(help="Project code. 项目编码。")],
    parcels: Annotated[list[str], typer.Argument(help="Register parcel codes. 登记簿地块编码。")],
    name: Annotated[str, typer.Option("--name", help="Project name. 项目名称。")],
    owner: Annotated[
        int, typer.Option("--owner", help="The owner's participant number. 业主参与者编号。")
    ],
    vintage: Annotated[
        list[int], typer.Option("--vintage", help="Vintage year (repeat). 年份，可重复。")
    ],
    kind: Annotated[str, typer.Option("--kind", help="forest or wetland. 森林或湿地。")] = "forest",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    user: UserOption = None,
) -> None:
    """Set up a sink project on register parcels (refused: a parcel not in the register or
    withdrawn, in another project for the vintage, excluded or claimed). 登记碳汇项目。"""
    from ganpo.carbon.sink_credits import add_project

    with user_errors():
        pid = add_project(
            _store(database),
            code=code,
            name=name,
            kind=kind,
            owner_participant=owner,
            parcels=parcels,
            vintages=vintage,
            created_by=user or getpass.getuser(),
        )
        console.print(
            f"sink project 碳汇项目 {code} ({pid}): {len(parcels)} parcels 地块, vintages 年份 "
            f"{', '.join(map(str, sorted(set(vintage))))}"
        )


def _records(engine: Engine) -> list[dict[str, Any]]:
    from ganpo.carbon.inclusive import serial_range
    from ganpo.store.inclusive_models import SINK_KINDS
    from ganpo.store.inclusive_sinks import projects

    out = []
    for p in projects(engine):
        issued = {i.vintage: i for i in p.issuances}
        for vintage, codes in sorted(p.parcels.items()):
            i = issued.get(vintage)
            out.append(
                {
                    "project": p.code,
                    "name": p.name,
                    "kind": " ".join(SINK_KINDS[p.kind]),
                    "owner_participant": p.owner_participant,
                    "methodology": f"{p.methodology} v{p.version}",
                    "vintage": vintage,
                    "parcels": ", ".join(codes),
                    "issued_credits": i.quantity_kg if i else 0,
                    "issued_t_co2": i.quantity_kg / 1000 if i else 0.0,
                    "measured_t_co2": i.measured_t if i else None,
                    "account": i.account_id if i else None,
                    "serials": serial_range(
                        p.methodology,
                        p.version,
                        vintage,
                        i.region_adcode,
                        i.first_serial,
                        i.last_serial,
                    )
                    if i
                    else "",
                }
            )
    return out


@app.command("list")
def list_projects(
    database: DatabaseOption = str(DEFAULT_DATABASE), fmt: FormatOption = "table"
) -> None:
    """The sink projects by vintage: parcels, measured and issued tonnes, serials.
    碳汇项目：地块、实测与签发量、序号。"""
    with user_errors():
        records = _records(_store(database))
        if print_records(fmt, PROJECT_KEYS, records):
            return
        table = Table(title="碳汇项目 Sink projects")
        for col in ("项目 Project", "类型 Kind", "年份 Vintage", "地块 Parcels",
                    "实测 Measured tCO2", "签发 Issued tCO2", "序号 Serials"):  # fmt: skip
            table.add_column(col)
        for r in records:
            table.add_row(
                f"{r['project']} {r['name']}",
                str(r["kind"]),
                str(r["vintage"]),
                str(r["parcels"]),
                "" if r["measured_t_co2"] is None else f"{r['measured_t_co2']:,.3f}",
                f"{r['issued_t_co2']:,.3f}",
                str(r["serials"]),
            )
        console.print(table)


@app.command("issue")
def issue(
    code: Annotated[str, typer.Argument(help="Project code. 项目编码。")],
    vintage: Annotated[int, typer.Option("--vintage", help="Vintage year. 年份。")],
    verifier: Annotated[
        str, typer.Option("--verifier", help="Who verified the figure (not you). 核验人。")
    ],
    reason: Annotated[str, typer.Option("--reason", help="The verification. 核验说明。")],
    account: Annotated[
        int | None,
        typer.Option("--account", help="GEP account of the vintage (default: preferred). 核算。"),
    ] = None,
    quantity: Annotated[
        float | None,
        typer.Option("--quantity", help="t CO2 to issue (default: all measured). 签发量。"),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    user: UserOption = None,
) -> None:
    """Measure a project's vintage from the GEP account of that year and issue its credits
    into the ledger (once per project and vintage). 计量并签发碳汇减排量。"""
    from ganpo.carbon.sink_credits import issue as do_issue

    with user_errors():
        got = do_issue(
            _store(database),
            code,
            vintage,
            issued_by=user or getpass.getuser(),
            verified_by=verifier,
            reason=reason,
            account_id=account,
            quantity_t=quantity,
        )
        _say(got)


def _say(got: Any) -> None:
    m = got.measurement
    console.print(
        f"{got.project} {m.year}: measured 实测 {m.measured_t:,.3f} t CO2 on {m.kind} cells "
        f"({m.kind_area_m2 / 1e4:,.2f} hm²; other cells 其他像元 {m.other_t:,.3f} t, not "
        f"credited 不计入), account 核算 {m.account_id}"
    )
    console.print(
        f"issued 已签发 {got.credits} credits 减排量 ({got.credits / 1000:,.3f} tCO2), "
        f"serials 序号 {got.serials}",
        soft_wrap=True,
    )


@app.command("demo")
def demo(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """SYNTHETIC: deposit three Wuyuan sink parcels, set up a forest sink project on two,
    issue its newest vintage from the demo's GEP account; a project on a CCER parcel is
    refused. 合成数据示范：地块入库、登记碳汇项目、计量签发、重复计入被拒。"""
    from ganpo.carbon.sink_demo import PROJECT, run_sink_demo

    with user_errors():
        r = run_sink_demo(_store(database))
        console.print("合成数据 SYNTHETIC")
        _say(r.issued)
        console.print(f"refused as a double count 重复计入被拒：{r.refused}", soft_wrap=True)
        console.print(
            f"see 查看 `ganpo carbon inclusive sink list` and `ganpo apply credit "
            f"SK-WY-001 --out out/credit` (project {PROJECT})",
            soft_wrap=True,
        )
