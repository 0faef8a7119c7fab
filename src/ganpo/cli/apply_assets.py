"""`ganpo apply` commands for site valuation, the asset register, credit evidence and damage.

站点价值评估（VEP）、生态资产登记、生态信用证明材料、生态损害评估。
"""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors

AccountOption = Annotated[
    int, typer.Option("--account", help="Stored account id with value rasters. 核算编号。")
]
RateOption = Annotated[
    float, typer.Option("--rate", help="Discount rate r [-] (default 0.0277). 贴现率。")
]
YearsOption = Annotated[
    int, typer.Option("--years", help="Asset horizon n [a] (default 100). 资产年限。")
]
MakeValidOption = Annotated[
    bool,
    typer.Option(help="Repair an invalid polygon (shapely make_valid) instead of refusing it."),
]
ActorOption = Annotated[
    str | None, typer.Option(help="Who makes the change (default: the login name). 操作人。")
]

register_app = typer.Typer(
    help="Ecological asset register: parcels and packages. 生态资产登记：地块与资产包。",
    no_args_is_help=True,
)


def _wan(cny: float) -> str:
    return f"{cny / 1e4:,.2f}"


def _flows_table(value: Any, title: str) -> Table:
    t = Table(title=title)
    for col, just in (
        ("指标 service", "left"),
        ("实物量 quantity", "right"),
        ("单位 unit", "left"),
        ("价值 value (万元/a)", "right"),
        ("5%", "right"),
        ("95%", "right"),
    ):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in value.flows.itertuples():
        q = "—" if r.quantity != r.quantity else f"{r.quantity:,.0f}"
        lo = "—" if r.p05_cny != r.p05_cny else _wan(r.p05_cny)
        hi = "—" if r.p95_cny != r.p95_cny else _wan(r.p95_cny)
        t.add_row(f"{r.name_zh} {r.name_en}", q, str(r.quantity_unit), _wan(r.value_cny), lo, hi)
    t.add_row("合计 total", "", "", Text(_wan(value.flow_cny), style="bold"), "", "")
    return t


def _print_value(value: Any, title: str) -> None:
    console.print(_flows_table(value, title))
    console.print(
        Text.assemble(
            f"面积 area {value.area_m2 / 1e4:,.2f} ha; 资产价值 asset value (NPV, r = "
            f"{value.discount_rate:.2%}, n = {value.horizon_years} a, factor "
            f"{value.factor:.3f}): ",
            (f"{_wan(value.asset_value_cny)} 万元", "bold"),
            f" ({value.asset_value_cny:,.0f} CNY)",
        )
    )
    if not value.excluded.empty:
        console.print(
            "not included (county statistics, not attributable to a site) 未计入: "
            + ", ".join(str(n) for n in value.excluded["name_en"])
        )
    for n in value.notes:
        console.print(f"note: {n}", style="dim")
    if value.synthetic:
        console.print(
            Text.assemble(
                ("合成数据 SYNTHETIC DATA", "bold yellow"), ": do not cite these numbers."
            )
        )


def vep(
    polygon: Annotated[
        Path, typer.Argument(help="GeoJSON / GeoPackage / shapefile with the polygon(s).")
    ],
    account: AccountOption,
    rate: RateOption = 0.0277,
    years: YearsOption = 100,
    make_valid: MakeValidOption = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write JSON here.")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Value a site: annual service flows and asset value (NPV). 地块生态产品价值评估。"""
    from ganpo.apply.documents import write_json
    from ganpo.apply.vep import value_site
    from ganpo.store.repository import open_store

    with user_errors():
        value = value_site(
            open_store(database),
            account,
            polygon,
            discount_rate=rate,
            horizon_years=years,
            make_valid=make_valid,
        )
        _print_value(value, f"{polygon.name}: account #{account} ({value.year})")
        if json_out is not None:
            console.print(f"written: {write_json(value.to_dict(), json_out)}")


@register_app.command("add")
def register_add(
    polygons: Annotated[
        Path,
        typer.Argument(help="File of parcel polygons (properties code, name, owner, rights_type)."),
    ],
    account: AccountOption,
    code: Annotated[str | None, typer.Option(help="Parcel code (one-feature files).")] = None,
    name: Annotated[str | None, typer.Option(help="Parcel name.")] = None,
    owner: Annotated[str | None, typer.Option(help="Rights holder. 权利人。")] = None,
    rights_type: Annotated[
        str | None, typer.Option(help="ownership | contract | management | use. 权利类型。")
    ] = None,
    allow_overlap: Annotated[
        bool, typer.Option(help="Accept an overlap with registered parcels (layered rights).")
    ] = False,
    make_valid: MakeValidOption = False,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Deposit parcels into the register (checked for overlaps). 地块入库。"""
    from ganpo.apply.register import deposit_features
    from ganpo.store.repository import open_store

    defaults = {
        k: v
        for k, v in {"code": code, "name": name, "owner": owner, "rights_type": rights_type}.items()
        if v is not None
    }
    with user_errors():
        done = deposit_features(
            open_store(database),
            account,
            polygons,
            actor=actor or getpass.getuser(),
            defaults=defaults,
            allow_overlap=allow_overlap,
            make_valid=make_valid,
        )
    _print_parcels(done, "deposited 已入库")


def _print_parcels(parcels: list[Any], title: str) -> None:
    from ganpo.catalog.ecosystems import by_code

    t = Table(title=title)
    for col in (
        "编码 code",
        "名称 name",
        "权利人 owner",
        "权利 rights",
        "面积 ha",
        "县 county",
        "构成 types",
        "状态 status",
        "包 package",
    ):
        t.add_column(col)
    for p in parcels:
        total = sum(p.composition.values()) or 1.0
        comp = ", ".join(
            f"{by_code(c).name_zh} {a / total:.0%}"
            for c, a in sorted(p.composition.items(), key=lambda x: -x[1])
        )
        t.add_row(
            p.code,
            p.name,
            p.owner,
            p.rights_type,
            f"{p.area_m2 / 1e4:,.2f}",
            str(p.adcode),
            comp,
            p.status,
            p.package or "",
        )
    console.print(t)


@register_app.command("list")
def register_list(
    county: Annotated[int | None, typer.Option(help="Only parcels of this county adcode.")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """List registered parcels and packages. 地块与资产包列表。"""
    from ganpo.store import register as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        _print_parcels(store.list_parcels(engine, {county} if county else None), "parcels 地块")
        t = Table(title="packages 资产包")
        for col in ("编码 code", "名称 name", "地块 parcels", "面积 ha", "创建 by"):
            t.add_column(col)
        for pkg in store.list_packages(engine):
            d = pkg.public()
            t.add_row(
                pkg.code,
                pkg.name,
                ", ".join(d["parcels"]),
                f"{d['area_m2'] / 1e4:,.2f}",
                pkg.created_by,
            )
        console.print(t)


@register_app.command("show")
def register_show(
    code: Annotated[str, typer.Argument(help="Parcel or package code.")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Show a parcel or package, with its stored valuations. 查看地块或资产包。"""
    from ganpo.apply.credit import resolve_target
    from ganpo.store import register as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        kind, name, parcels = resolve_target(engine, code)
        console.print(Text.assemble((f"{kind} {code}", "bold"), f": {name}"))
        _print_parcels(parcels, "parcels 地块")
        vals = store.list_valuations(engine, code)
        if vals:
            t = Table(title="valuations 估值记录")
            for col in ("id", "account", "r", "n", "flow 万元/a", "asset 万元", "by", "at"):
                t.add_column(col)
            for v in vals:
                t.add_row(
                    str(v["id"]),
                    f"{v['account_id']}"
                    + (f" ({v['account_status']})" if v["account_status"] else ""),
                    f"{v['discount_rate']:.2%}",
                    str(v["horizon_years"]),
                    _wan(v["flow_cny"]),
                    _wan(v["asset_value_cny"]),
                    v["created_by"],
                    v["created_at"][:19],
                )
            console.print(t)


@register_app.command("package")
def register_package(
    code: Annotated[str, typer.Argument(help="New package code.")],
    parcels: Annotated[list[str], typer.Argument(help="Parcel codes to bundle.")],
    name: Annotated[str, typer.Option(help="Package name. 资产包名称。")],
    description: Annotated[str, typer.Option(help="Description.")] = "",
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Bundle parcels into a package. 地块打包。"""
    from ganpo.store import register as store
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        store.add_package(
            engine, code, name, parcels, actor=actor or getpass.getuser(), description=description
        )
        pkg = store.get_package(engine, code)
    console.print(
        f"package {code} ({name}): {len(pkg.parcels)} parcels, "
        f"{sum(p.area_m2 for p in pkg.parcels) / 1e4:,.2f} ha"
    )


@register_app.command("value")
def register_value(
    code: Annotated[str, typer.Argument(help="Parcel or package code.")],
    account: AccountOption,
    rate: RateOption = 0.0277,
    years: YearsOption = 100,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Value a parcel or package (stored with its inputs). 地块或资产包估值。"""
    from ganpo.apply.credit import resolve_target
    from ganpo.apply.register import value_package, value_parcel
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        kind, _, _ = resolve_target(engine, code)
        who = actor or getpass.getuser()
        kw: dict[str, Any] = {"discount_rate": rate, "horizon_years": years, "actor": who}
        if kind == "parcel":
            _print_value(value_parcel(engine, code, account, **kw), f"parcel {code}")
            return
        result = value_package(engine, code, account, **kw)
        _print_value(result.union, f"package {code} (union of its parcels 并集)")
        console.print(
            f"sum of parcel flows 各地块之和 {_wan(result.sum_of_parcels_cny)} 万元/a; overlap "
            f"not double counted 重叠未重复计 {_wan(result.overlap_not_double_counted_cny)} 万元/a"
        )


def credit(
    code: Annotated[str, typer.Argument(help="Parcel or package code.")],
    out: Annotated[Path, typer.Option(help="Folder for the PDF and JSON.")],
    account: Annotated[
        int | None, typer.Option("--account", help="Account (default: newest with rasters).")
    ] = None,
    rule: Annotated[
        str, typer.Option(help="Scoring rule: shipped name or a TOML file. 评分规则。")
    ] = "ganpo-default",
    rate: RateOption = 0.0277,
    years: YearsOption = 100,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Write the credit evidence pack of a parcel or package (no loan price). 生态信用证明材料。"""
    from ganpo.apply.credit import build_evidence, load_rule, write_evidence
    from ganpo.store.repository import open_store

    with user_errors():
        ev = build_evidence(
            open_store(database),
            code,
            account,
            rule=load_rule(rule),
            discount_rate=rate,
            horizon_years=years,
        )
        t = Table(title=f"生态信用评分 credit score: {code} ({ev.rule.name} v{ev.rule.version})")
        for col in ("因子 factor", "指标值 metric", "得分 score", "权重 weight"):
            t.add_column(col)
        for r in ev.score.table.itertuples():
            m = f"{r.metric:,.4g}" if isinstance(r.metric, float) else str(r.metric)
            t.add_row(f"{r.name_zh} {r.name_en}", m, f"{r.score:.1f}", f"{r.weight:.2f}")
        console.print(t)
        console.print(
            Text.assemble(
                f"score {ev.score.total:.1f}, grade ",
                (str(ev.score.grade), "bold"),
                f" ({ev.score.grade_label}); no loan price is computed / 不计算贷款价格",
            )
        )
        console.print("rendering the PDF (the first one builds the font cache, ~10 s)…")
        for p in write_evidence(ev, out):
            console.print(f"written: {p}")


def damage(
    polygon: Annotated[Path, typer.Argument(help="Damaged area (GeoJSON / GPKG / shapefile).")],
    account: Annotated[
        int, typer.Option("--account", help="The pre-damage account (baseline). 损害前核算。")
    ],
    recovery_years: Annotated[int, typer.Option(help="Years until recovery N. 恢复年限。")] = 10,
    path: Annotated[
        str, typer.Option(help="Recovery path: linear | exponential | table.")
    ] = "linear",
    table: Annotated[
        str | None, typer.Option(help="Recovered share per year for --path table: 0,0.2,0.5,…")
    ] = None,
    severity: Annotated[float, typer.Option(help="Share of service lost at first, (0, 1].")] = 1.0,
    final_recovery: Annotated[
        float, typer.Option(help="Share that eventually recovers, [0, 1]; < 1 → permanent loss.")
    ] = 1.0,
    rate: RateOption = 0.0277,
    discount_interim: Annotated[
        bool, typer.Option(help="Discount the interim loss (year 1 not discounted).")
    ] = True,
    years: YearsOption = 100,
    restoration: Annotated[
        str | None, typer.Option(help="Ecosystem type for the equivalency (e.g. forest).")
    ] = None,
    maturity_years: Annotated[int, typer.Option(help="Years for restoration to mature.")] = 10,
    out: Annotated[Path, typer.Option(help="PDF to write (JSON and xlsx beside it).")] = Path(
        "out/damage_report.pdf"
    ),
    make_valid: MakeValidOption = False,
    case_no: Annotated[
        str | None,
        typer.Option(
            "--case-no",
            help="Store the valuation as this damage case (with --date), for the audit pack "
            "and the payments. 损害案件编号（入库）。",
        ),
    ] = None,
    damage_date: Annotated[
        str | None, typer.Option("--date", help="Date of the damage, YYYY-MM-DD. 损害发生日期。")
    ] = None,
    title: Annotated[str, typer.Option("--title", help="Case title. 案件名称。")] = "",
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Value ecological damage: interim and permanent loss, equivalency; with --case-no,
    store it as a damage case. 生态损害价值评估（可入库为损害案件）。"""
    from ganpo.apply.damage import assess_damage, write_damage_report
    from ganpo.errors import InputError
    from ganpo.store.repository import open_store

    with user_errors():
        fractions = None
        if table is not None:
            try:
                fractions = [float(x) for x in table.split(",") if x.strip()]
            except ValueError as exc:
                raise InputError(
                    en=f"--table must be numbers separated by commas, got {table!r}",
                    zh=f"--table 须为以逗号分隔的数字，实际为 {table!r}",
                    field="table",
                ) from exc
        result = assess_damage(
            open_store(database),
            account,
            polygon,
            recovery_years=recovery_years,
            path=path,
            severity=severity,
            final_recovery=final_recovery,
            table=fractions,
            discount_rate=rate,
            discount_interim=discount_interim,
            horizon_years=years,
            restoration_type=restoration,
            maturity_years=maturity_years,
            make_valid=make_valid,
        )
        s = result.schedule
        t = Table(title=f"生态损害 damage: {polygon.name} (baseline account #{account})")
        for col in ("项目 item", "万元", "CNY"):
            t.add_column(col, justify="right" if col != "项目 item" else "left")
        for label, v in (
            ("基线年服务流量 baseline flow /a", s.baseline_cny),
            ("期间损害 interim loss", s.interim_cny),
            ("永久性损害 permanent loss", s.permanent_cny),
            ("合计 total", result.total_loss_cny),
        ):
            t.add_row(label, _wan(v), f"{v:,.0f}")
        console.print(t)
        if result.equivalency:
            e = result.equivalency
            console.print(
                f"equivalency 等值: {e['hectares_needed']:,.1f} ha of {e['restoration_type']} "
                f"({e['value_per_ha_cny_per_year']:,.0f} CNY/(ha·a), "
                f"maturity {e['maturity_years']} a)"
            )
        for n in result.notes:
            console.print(f"note: {n}", style="dim")
        record = None
        if case_no is not None:  # checked before any file is written
            from ganpo.apply.damage import case_record

            record = case_record(
                result,
                case_no=case_no,
                title=title or polygon.stem,
                damage_date=_iso_day(damage_date, "--date"),
            )
        for p in write_damage_report(result, out):
            console.print(f"written: {p}")
        if record is not None:
            from ganpo.store.cases import save_damage_case

            cid = save_damage_case(open_store(database), record)
            console.print(f"stored as damage case {case_no} (#{cid}) / 已作为损害案件入库")


def _iso_day(value: str | None, option: str) -> date:
    from ganpo.errors import InputError

    if value is None:
        raise InputError(en=f"give {option} YYYY-MM-DD", zh="请给出日期", field=option.lstrip("-"))
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            en=f"{option} {value!r} is not a date; give YYYY-MM-DD",
            zh="日期格式应为 YYYY-MM-DD",
            field=option.lstrip("-"),
            values=[value],
        ) from exc


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `ganpo apply` group."""
    app.command("vep")(vep)
    app.add_typer(register_app, name="register")
    app.command("credit")(credit)
    app.command("damage")(damage)
