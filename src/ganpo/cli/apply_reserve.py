"""`ganpo apply reserve`: the rights reserve (权益储备库) — emission rights, wetland and
forestry elements acquired, bundled, sold, leased and returned, their holder ledger, and
the reserve statement."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ganpo.cli.apply_assets import ActorOption, RateOption, YearsOption, _iso_day
from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors

reserve_app = typer.Typer(
    help="Rights reserve: emission rights, wetland and forestry elements; acquisition, "
    "packages, sale, lease, holder ledger. 权益储备库：排污权、湿地资源、林业要素收储与交易。",
    no_args_is_help=True,
)

DateOption = Annotated[str, typer.Option("--date", help="Date of the deal, YYYY-MM-DD. 日期。")]
PriceOption = Annotated[float, typer.Option("--price", help="Price [CNY]. 价格（元）。")]
PricesOption = Annotated[
    Path | None,
    typer.Option(help="Emission-right price file (default: the shipped prices). 排污权价格表。"),
]


def _wan(cny: float | None) -> str:
    return "—" if cny is None else f"{cny / 1e4:,.2f}"


def _evidence(path: Path | None) -> str | None:
    from ganpo.apply.reserve import file_digest

    return None if path is None else file_digest(path)


@reserve_app.command("acquire")
def acquire(
    code: Annotated[str, typer.Argument(help="Right code (new, or a sold right/package).")],
    holder: Annotated[str, typer.Option("--from", help="Holder it is acquired from. 原持有人。")],
    price: PriceOption,
    on: DateOption,
    evidence: Annotated[
        Path, typer.Option(help="Evidence file (contract); its SHA-256 is kept. 证明材料。")
    ],
    asset_type: Annotated[
        str | None,
        typer.Option(
            "--type",
            help="emission | wetland | forestry for a new right; omit to buy back a right "
            "the reserve sold. 资产类型。",
        ),
    ] = None,
    name: Annotated[str, typer.Option(help="Name of a new right. 名称。")] = "",
    pollutant: Annotated[str | None, typer.Option(help="COD | NH3-N | SO2 | NOx.")] = None,
    quantity: Annotated[float | None, typer.Option(help="Emission quantity. 排放量。")] = None,
    unit: Annotated[str, typer.Option(help="Unit of --quantity (mass per year).")] = "t/a",
    permit: Annotated[str, typer.Option(help="Emission permit number. 排污许可证号。")] = "",
    region: Annotated[int | None, typer.Option(help="Region adcode of the right.")] = None,
    term_start: Annotated[str | None, typer.Option(help="Term start, YYYY-MM-DD.")] = None,
    term_years: Annotated[int, typer.Option(help="Term [a]. 年限。")] = 5,
    parcel: Annotated[str | None, typer.Option(help="Register parcel (wetland, forestry).")] = None,
    stand_volume: Annotated[
        float | None, typer.Option(help="Stand volume [m³] of a forestry element. 蓄积量。")
    ] = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Acquire a right into the reserve (or buy back a sold one). 收储。"""
    from ganpo.apply.reserve import emission_right, parcel_element
    from ganpo.errors import InputError
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        new = None
        if asset_type == "emission":
            if pollutant is None or quantity is None or region is None:
                raise InputError(
                    en="an emission right needs --pollutant, --quantity and --region",
                    zh="排污权须给出污染物、数量与地区",
                    field="pollutant",
                )
            new = emission_right(
                code,
                name or code,
                pollutant=pollutant,
                quantity=quantity,
                unit=unit,
                permit=permit,
                region_adcode=region,
                term_start=_iso_day(term_start or on, "--term-start"),
                term_years=term_years,
            )
        elif asset_type is not None:
            if parcel is None:
                raise InputError(
                    en="a wetland or forestry element needs --parcel (a register parcel)",
                    zh="湿地、林业要素须指定登记地块",
                    field="parcel",
                )
            new = parcel_element(
                engine, asset_type, code, name or code, parcel, stand_volume_m3=stand_volume
            )
        rights = store.acquire(
            engine,
            code,
            new=new,
            from_holder=holder,
            price_cny=price,
            on=_iso_day(on, "--date"),
            evidence_sha256=_evidence(evidence),
            actor=actor or getpass.getuser(),
        )
    console.print(
        f"acquired 已收储: {', '.join(r.code for r in rights)} from {holder}, {_wan(price)} 万元"
    )


@reserve_app.command("package")
def package(
    code: Annotated[str, typer.Argument(help="New package code.")],
    rights: Annotated[list[str], typer.Argument(help="Right codes to bundle.")],
    name: Annotated[str, typer.Option(help="Package name. 资产包名称。")],
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Bundle rights held by the reserve into a package. 权益打包。"""
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store

    with user_errors():
        done = store.add_package(
            open_store(database), code, name, rights, actor=actor or getpass.getuser()
        )
    console.print(f"package 资产包 {code} ({name}): {', '.join(r.code for r in done)}")


@reserve_app.command("sell")
def sell(
    lot: Annotated[str, typer.Argument(help="Right or package code.")],
    buyer: Annotated[str, typer.Option(help="Buyer. 受让方。")],
    price: PriceOption,
    on: DateOption,
    evidence: Annotated[Path | None, typer.Option(help="Evidence file (contract).")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Sell a right or package held by the reserve. 出让。"""
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store

    with user_errors():
        deal = store.sell(
            open_store(database),
            lot,
            buyer=buyer,
            price_cny=price,
            on=_iso_day(on, "--date"),
            evidence_sha256=_evidence(evidence),
            actor=actor or getpass.getuser(),
        )
    console.print(f"sold 已出让: {lot} to {buyer}, {_wan(price)} 万元 (deal {deal})")


@reserve_app.command("lease")
def lease(
    lot: Annotated[str, typer.Argument(help="Right or package code.")],
    lessee: Annotated[str, typer.Option(help="Lessee. 承租方。")],
    price: Annotated[float, typer.Option("--price", help="Rent of the term [CNY]. 租金。")],
    start: Annotated[str, typer.Option(help="Term start, YYYY-MM-DD. 起租日。")],
    end: Annotated[str, typer.Option(help="Term end, YYYY-MM-DD. 到期日。")],
    evidence: Annotated[Path | None, typer.Option(help="Evidence file (contract).")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Lease a right or package out for a term. 出租。"""
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store

    with user_errors():
        deal = store.lease(
            open_store(database),
            lot,
            lessee=lessee,
            price_cny=price,
            start=_iso_day(start, "--start"),
            end=_iso_day(end, "--end"),
            evidence_sha256=_evidence(evidence),
            actor=actor or getpass.getuser(),
        )
    console.print(f"leased 已出租: {lot} to {lessee}, {start} – {end} (deal {deal})")


@reserve_app.command("return")
def return_(
    lot: Annotated[str, typer.Argument(help="Leased right or package code.")],
    on: DateOption,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Take a leased right or package back into the reserve. 租期届满收回。"""
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store

    with user_errors():
        deal = store.return_lease(
            open_store(database), lot, on=_iso_day(on, "--date"), actor=actor or getpass.getuser()
        )
    console.print(f"returned 已收回: {lot} (deal {deal})")


def _print_ledger(code: str | None, database: str) -> None:
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store
    from ganpo.store.reserve_models import DEAL_KINDS

    engine = open_store(database)
    rows = store.ledger(engine, code)
    t = Table(title="持有人台账 holder ledger" + (f": {code}" if code else ""))
    for col in (
        "权益 right",
        "交易 deal",
        "自 from",
        "至 to",
        "起始 from date",
        "标的 lot",
        "标的成交价 lot price 万元",
        "到期 term end",
        "操作人 by",
    ):
        t.add_column(col)
    for r in rows:
        p = r.public()
        t.add_row(
            r.right,
            DEAL_KINDS[r.kind],
            p["from"],
            p["to"],
            p["held_from"],
            r.lot,
            _wan(r.price_cny),
            p["term_end"] or "",
            r.by_user,
        )
    console.print(t)
    if code is not None:
        t = Table(title=f"持有期 holding periods: {code}")
        for col in ("持有人 holder", "自 from", "至 to"):
            t.add_column(col)
        for per in store.replay(rows).periods:
            t.add_row(
                store.holder_name(per.holder),
                per.start.isoformat() if per.start else "…",
                per.end.isoformat() if per.end else "至今 now",
            )
        console.print(t)


@reserve_app.command("ledger")
def ledger(
    code: Annotated[str | None, typer.Argument(help="A right (default: every right).")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The holder ledger: who held each right from when to when. 持有人台账。"""
    with user_errors():
        _print_ledger(code, database)


@reserve_app.command("statement")
def statement(
    account: Annotated[
        int, typer.Option("--account", help="Account valuing the parcels. 核算编号。")
    ],
    price_year: Annotated[
        int | None,
        typer.Option(help="Year of the emission prices (default: the account's year)."),
    ] = None,
    prices: PricesOption = None,
    rate: RateOption = 0.0277,
    years: YearsOption = 100,
    lang: Annotated[str, typer.Option(help="Language of --out: zh | en.")] = "zh",
    out: Annotated[Path | None, typer.Option(help="Write the statement (Markdown) here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here.")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """The reserve statement: each right's value, holdings by type, deals (万元). 储备库报表。"""
    from ganpo.apply.documents import write_json
    from ganpo.apply.reserve import load_prices, statement_text
    from ganpo.apply.reserve import statement as build
    from ganpo.store.repository import open_store
    from ganpo.store.reserve_models import ASSET_TYPES, RIGHT_STATUSES

    with user_errors():
        st = build(
            open_store(database),
            account,
            price_year=price_year,
            prices=load_prices(prices),
            discount_rate=rate,
            horizon_years=years,
        )
        text = statement_text(st, lang)  # checks --lang before anything is written
        t = Table(title=f"权益储备库 rights reserve (account #{account}, prices {st.price_year})")
        for col in (
            "编码 code",
            "类型 type",
            "状态 status",
            "持有人 holder",
            "年流量 万元/a",
            "价值 万元",
            "依据 basis",
        ):
            t.add_column(col)
        for v in st.values:
            r = v.right
            t.add_row(
                r.code,
                ASSET_TYPES[r.asset_type],
                RIGHT_STATUSES[r.status],
                v.to_dict()["holder"],
                _wan(v.flow_cny),
                _wan(v.value_cny),
                v.basis_zh,
            )
        console.print(t)
        t = Table(title="在库与出租中 held, by type")
        for col in ("类型 type", "项 rights", "年流量 万元/a", "价值 万元"):
            t.add_column(col)
        for typ, agg in st.by_type().items():
            t.add_row(
                ASSET_TYPES[typ],
                str(int(agg["count"])),
                _wan(agg["flow_cny"]),
                _wan(agg["value_cny"]),
            )
        t.add_row("合计 total", str(len(st.held)), "", Text(_wan(st.total_value_cny), "bold"))
        console.print(t)
        d = st.deal_totals()
        console.print(
            f"收储支出 acquisitions {_wan(d['acquisition'])} 万元; 出让收入 sales "
            f"{_wan(d['sale'])} 万元; 租金 rents {_wan(d['lease'])} 万元"
        )
        for n in st.notes:
            console.print(f"note: {n}", style="dim")
        if st.synthetic:
            console.print(
                Text.assemble(
                    ("合成数据 SYNTHETIC DATA", "bold yellow"), ": do not cite these numbers."
                )
            )
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            console.print(f"written: {out}")
        if json_out is not None:
            console.print(f"written: {write_json(st.to_dict(), json_out)}")


@reserve_app.command("list")
def list_(database: DatabaseOption = str(DEFAULT_DATABASE)) -> None:
    """The rights of the reserve and its packages. 储备权益列表。"""
    from ganpo.store import reserve as store
    from ganpo.store.repository import open_store
    from ganpo.store.reserve_models import ASSET_TYPES, RIGHT_STATUSES

    with user_errors():
        engine = open_store(database)
        t = Table(title="权益 rights")
        for col in (
            "编码 code",
            "类型 type",
            "名称 name",
            "地块 parcel",
            "状态 status",
            "持有人 holder",
            "包 package",
        ):
            t.add_column(col)
        for r in store.list_rights(engine):
            t.add_row(
                r.code,
                ASSET_TYPES[r.asset_type],
                r.name,
                r.parcel_code or "",
                RIGHT_STATUSES[r.status],
                store.holder_name(r.holder),
                r.package or "",
            )
        console.print(t)


@reserve_app.command("demo")
def demo(
    account: Annotated[
        int, typer.Option("--account", help="Account valuing the parcels. 核算编号。")
    ],
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """A reserve with a sale (SYNTHETIC holders and contracts). 储备库示例（合成）。"""
    from ganpo.apply.reserve_demo import DEMO_YEAR, run_demo
    from ganpo.apply.vep import account_layers
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        account_layers(engine, account)  # the statement's account, checked before any deal
        result = run_demo(engine, actor=actor or getpass.getuser())
    console.print(
        f"demo 示例: rights {', '.join(result.rights)}; package {result.package} sold for "
        f"{_wan(result.sale_cny)} 万元"
        + (f"; leased {', '.join(result.leased)}" if result.leased else "")
    )
    for n in result.notes:
        console.print(f"note: {n}", style="dim")
    _print_ledger(None, database)
    statement(
        account=account,
        price_year=DEMO_YEAR,
        prices=None,
        rate=0.0277,
        years=100,
        lang="zh",
        out=None,
        json_out=None,
        database=database,
    )


def register(app: typer.Typer) -> None:
    """Add `ganpo apply reserve` to the `ganpo apply` group."""
    app.add_typer(reserve_app, name="reserve")
