"""`ganpo apply`: transfer payments, ecological compensation, assessment (and, through
`cli.apply_assets`, site valuation, the asset register, credit evidence and damage; through
`cli.apply_reserve`, the rights reserve)."""

from __future__ import annotations

import getpass
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ganpo.cli import apply_assets, apply_audit, apply_cases, apply_rating, apply_reserve
from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    Format,
    FormatOption,
    console,
    print_records,
    user_errors,
)

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    help="Put GEP to work: transfers, compensation, assessment, assets, credit, damage. "
    "GEP 成果应用。",
    no_args_is_help=True,
)
rules_app = typer.Typer(
    help="Application rules: transfer rules, agreements, assessment frameworks (versioned). "
    "应用规则（版本化）。",
    no_args_is_help=True,
)
transfers_app = typer.Typer(
    help="Fiscal transfer payments: allocate a budget among counties. 财政转移支付分配。",
    no_args_is_help=True,
)
compensation_app = typer.Typer(
    help="Horizontal ecological compensation: settle agreements, the ledger. 横向生态补偿。",
    no_args_is_help=True,
)
app.add_typer(rules_app, name="rules")
app.add_typer(transfers_app, name="transfers")
app.add_typer(compensation_app, name="compensation")
apply_assets.register(app)
apply_audit.register(app)
apply_cases.register(app)
apply_reserve.register(app)
apply_rating.register(app)

RuleVersionOption = Annotated[
    int | None,
    typer.Option(
        "--rule-version",
        help="Use this stored version of the rule (default: the shipped/file rule, stored "
        "as a new version if it changed). 规则版本。",
    ),
]
AccountOption = Annotated[
    int | None,
    typer.Option("--account", help="Stored account id (default: the newest of --year). 核算编号。"),
]
ActorOption = Annotated[
    str | None, typer.Option(help="Who runs it (default: the login name). 操作人。")
]
YearOption = Annotated[int, typer.Option("--year", help="Account year. 年份。")]

#: the keys of the listings' `--format csv|json` (amounts in CNY, times in UTC)
RULE_KEYS = ("name", "kind", "title_zh", "title_en", "stored_versions")
EXAMPLE_KEYS = ("step", "command", "use_zh", "use_en", "files")
RUN_KEYS = (
    "run",
    "year",
    "rule_name",
    "rule_version",
    "budget_cny",
    "total_cny",
    "account_ids",
    "created_at",
    "created_by",
)
LEDGER_KEYS = (
    "run_id",
    "agreement",
    "year",
    "method",
    "index_value",
    "met",
    "payer",
    "payee",
    "amount_cny",
    "gaps",
    "in_force",
    "created_at",
    "created_by",
)


def _wan(cny: float) -> str:
    return "—" if _missing(cny) else f"{cny / 1e4:,.2f}"


def _notes(notes: list[str]) -> None:
    for n in notes:
        console.print(f"note: {n}", style="dim")


# ------------------------------------------------------------------------------- rules
@rules_app.command("list")
def rules_list(
    database: DatabaseOption = str(DEFAULT_DATABASE), fmt: FormatOption = "table"
) -> None:
    """Shipped rules and the versions stored. 内置规则与已存版本。"""
    from ganpo.apply.rules import load_rule, rule_names
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            stored = quick.rules(q)
        else:
            from ganpo.store.applications import list_rules
            from ganpo.store.repository import open_store

            stored = list_rules(open_store(database))
        if fmt != "table":
            names = rule_names()
            records = []
            for name in [*names, *sorted({r.name for r in stored} - set(names))]:
                mine = [r for r in stored if r.name == name]
                rule = load_rule(name, check=False) if name in names else None
                records.append(
                    {
                        "name": name,
                        "kind": rule.kind if rule is not None else mine[0].kind,
                        "title_zh": rule.title_zh if rule is not None else None,
                        "title_en": rule.title_en if rule is not None else None,
                        "stored_versions": [r.version for r in mine],
                    }
                )
            print_records(fmt, RULE_KEYS, records)
            return
        t = Table(title="规则 rules")
        for col in ("名称 name", "类型 kind", "标题 title", "已存版本 stored versions"):
            t.add_column(col)
        names = rule_names()
        for name in names:
            rule = load_rule(name, check=False)
            versions = [f"v{r.version}" for r in stored if r.name == name]
            t.add_row(name, rule.kind, f"{rule.title_zh}\n{rule.title_en}", " ".join(versions))
        for name in sorted({r.name for r in stored} - set(names)):
            mine = [r for r in stored if r.name == name]
            t.add_row(name, mine[0].kind, "(stored only)", " ".join(f"v{r.version}" for r in mine))
    console.print(t)


@rules_app.command("show")
def rules_show(
    name: Annotated[str, typer.Argument(help="Rule name or .toml file.")],
    version: RuleVersionOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Show a rule (a stored version, or the shipped/file rule) as JSON. 查看规则。"""
    import json

    from ganpo.apply.rules import load_rule, rule_body, rule_digest, stored_rule
    from ganpo.store.repository import open_store

    with user_errors():
        if version is not None:
            found = stored_rule(open_store(database), name, version)
            rule, label = (
                found.rule,
                f"{found.label} (stored {found.created_at:%Y-%m-%d} by {found.created_by})",
            )
        else:
            from ganpo.store.applications import list_rules

            rule = load_rule(name)
            same = [
                r.version
                for r in list_rules(open_store(database))
                if r.name == rule.name and r.digest == rule_digest(rule)
            ]
            label = f"{rule.name} (file; " + (
                f"stored as v{same[0]})" if same else "not stored yet / 尚未入库)"
            )
    console.print(Text.assemble((label, "bold"), f" digest {rule_digest(rule)[:16]}…"))
    console.print_json(json.dumps(rule_body(rule), ensure_ascii=False))


@rules_app.command("store")
def rules_store(
    name: Annotated[str, typer.Argument(help="Rule name or .toml file.")],
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Validate and store a rule: a new version if it changed. 校验并存储规则。"""
    from ganpo.apply.rules import load_rule, store_rule
    from ganpo.store.repository import open_store

    with user_errors():
        found = store_rule(open_store(database), load_rule(name), actor or getpass.getuser())
    console.print(f"stored {found.label} (id {found.id}, digest {found.digest[:16]}…)")


@app.command("examples")
def examples(fmt: FormatOption = "table") -> None:
    """Commands to try the applications on the demo accounts, with the shipped (synthetic)
    example inputs they use. 示例命令与示例输入（合成数据）。"""
    from ganpo.apply.examples import example_commands, example_files

    with user_errors():
        commands = example_commands()
    if print_records(
        fmt,
        EXAMPLE_KEYS,
        (
            {"step": c.step, "command": c.line, "use_zh": c.zh, "use_en": c.en, "files": c.files}
            for c in commands
        ),
    ):
        return
    console.print(
        Text.assemble(
            ("示例输入 example inputs", "bold"),
            " (合成数据 SYNTHETIC: not statistics / 非统计数据):",
        ),
        soft_wrap=True,
    )
    for f in example_files():
        console.print(f"  {f}", soft_wrap=True)
    console.print(
        Text.assemble(
            ("\n示例命令 example commands", "bold"),
            ": after `make demo` (any resolution; account 1 = 2022, account 2 = 2023) / "
            "在 make demo 之后运行：",
        ),
        soft_wrap=True,
    )
    for c in commands:
        console.print(f"# {c.step}. {c.zh} / {c.en}", style="dim", soft_wrap=True)
        # soft_wrap: a long line is left whole for the terminal to wrap, so it copies as one
        console.print(c.line, soft_wrap=True)


def _write_csv(table: pd.DataFrame, out: Path) -> None:
    """Write ``table`` as UTF-8 CSV with a BOM (Excel opens it right) and say so."""
    from ganpo.io.outputs import EXPORT, atomic_write

    atomic_write(out, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8-sig"), EXPORT)
    console.print(f"written: {out}")


# --------------------------------------------------------------------------- transfers
def _budget(budget: float, unit: str, option: str = "--budget") -> float:
    """A budget option in CNY, or an :class:`InputError` naming the option and its value:
    not finite, not above 0, above 10^15 CNY, or in a unit that is not money."""
    from ganpo.apply.transfers import MAX_BUDGET_CNY
    from ganpo.catalog.units import conversion_factor
    from ganpo.errors import InputError

    if not math.isfinite(budget) or budget <= 0:
        raise InputError(
            en=f"{option} {budget:g} is not a budget: give an amount above 0 in --unit "
            "(CNY, 万元, 亿元)",
            zh=f"预算 {option} 的值 {budget:g} 无效，须为大于 0 的金额",
            field=option,
            values=[budget],
        )
    try:
        factor = conversion_factor(unit, "CNY", what=f"--unit of {option}")
    except InputError as exc:
        raise InputError(
            en=f"--unit {unit!r}: {exc.en}; give a unit of CNY such as 元, 万元, 亿元",
            zh=f"预算单位 --unit 的值 {unit} 无法换算为元（人民币），请用 元、万元 或 亿元",
            field="--unit",
            values=[unit],
        ) from exc
    cny = round(budget * factor, 6)
    if not cny <= MAX_BUDGET_CNY:
        raise InputError(
            en=f"{option} {budget:g} {unit} is {cny:.3g} CNY, more than {MAX_BUDGET_CNY:.0e} CNY; "
            "check the amount and --unit",
            zh=f"预算 {option} 的值 {budget:g} {unit} 超过 "
            f"{MAX_BUDGET_CNY:.0e} 元，请核对金额及单位",
            field=option,
            values=[budget],
        )
    return cny


@contextmanager
def _transfer_input() -> Iterator[None]:
    """Give a bad-input message of the transfer commands without a Chinese half one,
    naming the field and values it is about (the account look-ups' messages)."""
    from ganpo.errors import InputError

    try:
        yield
    except InputError as exc:
        if re.search(r"[\u4e00-\u9fff]", str(exc)):
            raise
        where = f"（{exc.field}：{', '.join(map(str, exc.values[:5]))}）" if exc.field else ""
        raise InputError(
            en=exc.en,
            zh=f"转移支付分配的输入有误{where}，未入库；请按英文说明修改",
            source=exc.source,
            field=exc.field,
            values=exc.values,
        ) from exc


def _weights(items: list[str]) -> dict[str, float]:
    from ganpo.errors import InputError

    out: dict[str, float] = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise InputError(
                en=f"--weight takes COMPONENT=VALUE (e.g. gep_growth=20), got {item!r}",
                zh=f"--weight 须写作 分项=数值（如 gep_growth=20），收到的是 {item!r}",
                field="weight",
                values=[item],
            )
    return out


def _print_allocation(alloc: Any, top: int) -> None:
    rule = alloc.rule_obj
    comps = [c for c in rule.components]
    t = Table(
        title=f"转移支付分配 transfer allocation {alloc.year}: {rule.title_zh} / {rule.title_en} "
        f"({alloc.rule.label}), 万元 (10^4 CNY)",
        title_justify="left",
    )
    t.add_column("县 county")
    t.add_column("保底 minimum", justify="right")
    for c in comps:
        t.add_column(f"{c.name_zh}\n{c.name_en}", justify="right")
    t.add_column("扣减 penalty", justify="right")
    t.add_column("奖励 reward", justify="right")
    t.add_column("合计 amount", justify="right")
    table = alloc.table.sort_values("amount_cny", ascending=False)
    shown = table if top <= 0 else table.head(top)
    for _, r in shown.iterrows():
        t.add_row(
            f"{r['county_name']} {r['county_adcode']}",
            _wan(r["minimum_cny"]),
            *[_wan(r[f"{c.key}_cny"]) for c in comps],
            _wan(r["penalty_cny"]),
            _wan(r["reward_cny"]),
            Text(_wan(r["amount_cny"]), style="bold"),
        )
    console.print(t)
    total_fen = int(alloc.amount_fen.sum())
    console.print(
        f"{len(table)} counties{'' if top <= 0 or top >= len(table) else f' (top {top} shown)'}; "
        f"total 合计 {total_fen / 100:,.2f} CNY = budget 预算 {alloc.budget_cny:,.2f} CNY "
        f"(rounded to the {rule.rounding} by largest remainder 最大余额法)"
    )


@transfers_app.command("run")
def transfers_run(
    rule: Annotated[str, typer.Option(help="Transfer rule: shipped name or .toml file. 规则。")],
    budget: Annotated[float, typer.Option(help="Budget, in --unit. 预算。")],
    year: YearOption,
    factors: Annotated[
        Path, typer.Option(help="County factor table (CSV, units in headers). 因素表。")
    ],
    unit: Annotated[str, typer.Option(help="Unit of --budget: CNY, 万元, 亿元…")] = "CNY",
    rule_version: RuleVersionOption = None,
    account: AccountOption = None,
    top: Annotated[int, typer.Option(help="Show the N largest (0: all).")] = 20,
    out: Annotated[Path | None, typer.Option(help="Also write the table as CSV.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Allocate a budget among counties by a rule and store it. 按规则分配预算并入库。"""
    from ganpo.apply.rules import resolve_rule, store_rule
    from ganpo.apply.transfers import compute_allocation, save_allocation
    from ganpo.store.repository import open_store

    who = actor or getpass.getuser()
    with user_errors():
        engine = open_store(database)
        with _transfer_input():
            cny = _budget(budget, unit)
            stored = resolve_rule(engine, rule, rule_version, who, "transfer", store=False)
            alloc = compute_allocation(engine, stored, year, cny, factors, account_id=account)
        if alloc.rule.id == 0:  # a new or changed rule is stored once it allocated
            alloc.rule = store_rule(engine, alloc.rule.rule, who)
        run_id = save_allocation(engine, alloc, who)
    _print_allocation(alloc, top)
    _notes(alloc.notes)
    console.print(
        f"stored as run #{run_id} with rule {alloc.rule.label} and account(s) "
        f"{', '.join(map(str, alloc.account_ids))} / 已入库"
    )
    if out is not None:
        _write_csv(alloc.table.assign(amount_fen=alloc.amount_fen), out)


@transfers_app.command("whatif")
def transfers_whatif(
    rule: Annotated[str, typer.Option(help="Transfer rule: shipped name or .toml file.")],
    budget: Annotated[float, typer.Option(help="Base budget, in --unit.")],
    year: YearOption,
    factors: Annotated[Path, typer.Option(help="County factor table (CSV).")],
    new_budget: Annotated[
        float | None, typer.Option(help="Variant budget, in --unit. 变动后预算。")
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="Variant weight COMPONENT=VALUE (repeatable). 变动权重。"),
    ] = None,
    unit: Annotated[str, typer.Option(help="Unit of the budgets.")] = "CNY",
    rule_version: RuleVersionOption = None,
    account: AccountOption = None,
    top: Annotated[int, typer.Option(help="Show the N largest gains and losses.")] = 10,
    out: Annotated[Path | None, typer.Option(help="Also write the table as CSV.")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Who gains and who loses when a weight or the budget changes (not stored). 情景模拟。"""
    import pandas as pd

    from ganpo.apply.rules import resolve_rule
    from ganpo.apply.transfers import whatif
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        with _transfer_input():
            base_cny = _budget(budget, unit)
            new_cny = None if new_budget is None else _budget(new_budget, unit, "--new-budget")
            stored = resolve_rule(
                engine, rule, rule_version, getpass.getuser(), "transfer", store=False
            )
            table = whatif(
                engine,
                stored,
                year,
                base_cny,
                factors,
                new_budget_cny=new_cny,
                weights=_weights(weight or []),
                account_id=account,
            )
    t = Table(
        title=f"情景 what-if {year} ({stored.label}): 万元 (10^4 CNY); "
        f"weights {', '.join(weight or []) or 'unchanged'}; budget "
        f"{budget:g} → {(new_budget if new_budget is not None else budget):g} {unit}",
        title_justify="left",
    )
    for col in ("县 county", "基准 base", "情景 variant", "变化 change", "%"):
        t.add_column(col, justify="left" if col.startswith("县") else "right")
    n = len(table)
    rows = table if top <= 0 or 2 * top >= n else pd.concat([table.head(top), table.tail(top)])
    for _, r in rows.iterrows():
        pct = "" if pd.isna(r["change_pct"]) else f"{r['change_pct']:+.1f}%"
        colour = "green" if r["change_cny"] > 0 else "red" if r["change_cny"] < 0 else ""
        change = f"{r['change_cny'] / 1e4:+,.2f}"
        t.add_row(
            f"{r['county_name']} {r['county_adcode']}",
            _wan(r["base_cny"]),
            _wan(r["variant_cny"]),
            Text(change, style=colour or ""),
            pct,
        )
    console.print(t)
    gains, losses = int((table["change_cny"] > 0).sum()), int((table["change_cny"] < 0).sum())
    console.print(
        f"{gains} counties gain 增加, {losses} lose 减少; net change 净变化 "
        f"{table['change_cny'].sum():+,.2f} CNY. Simulation only: nothing stored / 仅模拟，未入库"
    )
    if out is not None:
        _write_csv(table, out)


def _runs_table(kind: str, database: str, title: str, fmt: Format = "table") -> None:
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            runs = quick.runs(q, kind)
        else:
            from ganpo.store.applications import list_runs
            from ganpo.store.repository import open_store

            runs = list_runs(open_store(database), kind)
    records = (
        {
            "run": r.id,
            "year": r.year,
            "rule_name": r.rule_name,
            "rule_version": r.rule_version,
            "budget_cny": r.budget_cny,
            "total_cny": r.total_cny,
            "account_ids": [a.id for a in r.accounts],
            "created_at": r.created_at,
            "created_by": r.created_by,
        }
        for r in runs
    )
    if print_records(fmt, RUN_KEYS, records):
        return
    t = Table(title=title)
    for col in (
        "run",
        "年 year",
        "规则 rule",
        "预算 budget 万元",
        "合计 total 万元",
        "账户 accounts",
        "时间 at",
        "操作人 by",
    ):
        t.add_column(col)
    for r in runs:
        t.add_row(
            str(r.id),
            str(r.year),
            f"{r.rule_name} v{r.rule_version}",
            "" if r.budget_cny is None else _wan(r.budget_cny),
            "" if r.total_cny is None else _wan(r.total_cny),
            ", ".join(f"{a.id}" + (f" ({a.note_en()})" if a.note() else "") for a in r.accounts),
            f"{r.created_at:%Y-%m-%d %H:%M}",
            r.created_by,
        )
    console.print(t)


@transfers_app.command("list")
def transfers_list(
    database: DatabaseOption = str(DEFAULT_DATABASE), fmt: FormatOption = "table"
) -> None:
    """Stored allocations with their rule versions. 已存分配结果。"""
    _runs_table("transfer", database, "转移支付分配 stored allocations", fmt)


@transfers_app.command("show")
def transfers_show(
    run: Annotated[int, typer.Argument(help="Run id (`ganpo apply transfers list`).")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """A stored allocation, county by county, with the rule version it used. 查看分配。"""
    import pandas as pd

    from ganpo.store.applications import get_run, run_lines
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        rec = get_run(engine, run)
        lines = run_lines(engine, run)
    t = Table(
        title=f"run #{rec.id} {rec.kind} {rec.year}: rule {rec.rule_name} v{rec.rule_version}, "
        f"accounts {rec.account_ids}, by {rec.created_by}",
        title_justify="left",
    )
    for col in ("县 county", "金额 amount CNY", "分 fen"):
        t.add_column(col, justify="left" if col.startswith("县") else "right")
    for _, r in lines.iterrows():
        name = r["detail"].get("county_name", "") if isinstance(r["detail"], dict) else ""
        t.add_row(
            f"{name} {r['county_adcode']}",
            f"{r['value']:,.2f}" if r["value"] is not None else "",
            "" if pd.isna(r["amount_fen"]) else str(int(r["amount_fen"])),
        )
    console.print(t)
    for i in rec.inputs:
        console.print(f"input {i['role']}: {i['path']} (sha256 {i['sha256'][:12]}…)")
    for note in rec.account_notes():  # the run keeps the figures of the accounts it used
        console.print(note, style="bold yellow", highlight=False)
    _notes(rec.notes)


# ------------------------------------------------------------------------ compensation
@compensation_app.command("settle")
def compensation_settle(
    agreement: Annotated[str, typer.Argument(help="Agreement: shipped name or .toml file.")],
    year: YearOption,
    monitoring: Annotated[
        Path | None, typer.Option(help="Monitoring CSV (section, month, indicator, value, unit).")
    ] = None,
    rule_version: RuleVersionOption = None,
    account: AccountOption = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Settle an agreement for a year and enter it in the ledger. 协议年度结算并记账。"""
    from ganpo.apply.compensation import save_settlement, settle
    from ganpo.apply.rules import resolve_rule, store_rule
    from ganpo.store.repository import open_store

    who = actor or getpass.getuser()
    with user_errors():
        engine = open_store(database)
        stored = resolve_rule(engine, agreement, rule_version, who, "compensation", store=False)
        result = settle(engine, stored, year, monitoring, account_id=account)
        if result.rule.id == 0:  # a new or changed agreement is stored once it settled
            stored = result.rule = store_rule(engine, result.rule.rule, who)
        run_id = save_settlement(engine, result, who)
    ag = result.agreement
    if not result.rows.empty:
        t = Table(
            title=f"{ag.title_zh} / {ag.title_en} {year} ({stored.label}, "
            f"round {result.round.round})",
            title_justify="left",
        )
        cols = [
            ("section", "断面 section"),
            ("indicator", "指标 indicator"),
            ("months", "月数 months"),
            ("annual_mean", "年均值 annual mean"),
            ("class_limit", f"{ag.water_class}类限值 limit"),
            ("meets_class", "达标 meets"),
            ("ratio", "Ci/Ci0"),
        ]
        cols = [(c, h) for c, h in cols if c in result.rows.columns]
        for _, head in cols:
            t.add_column(head)
        for _, r in result.rows.iterrows():
            t.add_row(*[_cell(r[c]) for c, _ in cols])
        console.print(t)
    label = {
        "xinan_index": "补偿指数 index P",
        "dongjiang_compliance": "达标率 compliance rate",
        "gep_flow": "上游服务价值 upstream service value (CNY)",
    }[result.method]
    value = "—" if result.index_value is None else f"{result.index_value:,.4f}"
    console.print(Text.assemble(f"{label}: ", (value, "bold"), f"; met 达标: {result.met}"))
    for k, v in result.details.items():
        if k not in ("per_county_cny",):
            console.print(f"  {k}: {v}")
    console.print(
        f"{result.payer} → {result.payee}: {result.amount_cny:,.2f} CNY "
        f"({result.amount_cny / 1e4:,.2f} 万元)",
        style="bold",
    )
    if result.gaps:
        console.print("monitoring gaps 监测缺失:", style="yellow")
        for g in result.gaps:
            console.print(f"  {g}", style="yellow")
    console.print(f"gap handling 缺测处理: {result.gap_handling}")
    _notes(result.notes)
    console.print(f"entered in the ledger as run #{run_id} / 已记入结算台账")


def _missing(v: Any) -> bool:
    """A value the ledger lacks (None, NaN)."""
    return v is None or (isinstance(v, float) and v != v)


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return "—" if _missing(v) else f"{v:.4g}"
    return str(v)


@compensation_app.command("ledger")
def compensation_ledger(
    agreement: Annotated[str | None, typer.Argument(help="Only this agreement.")] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The settlement ledger (newest entry of an agreement-year is in force). 结算台账。"""
    from ganpo.store import quick

    with user_errors():
        q = quick.open_quick(database)
        if q is not None:
            table = quick.ledger_rows(q, agreement)
        else:
            from ganpo.store.applications import ledger_rows
            from ganpo.store.repository import open_store

            table = ledger_rows(open_store(database), agreement)
    records = ({k: None if _missing(r[k]) else r[k] for k in LEDGER_KEYS} for r in table)
    if print_records(fmt, LEDGER_KEYS, records):
        return
    t = Table(title="结算台账 settlement ledger")
    for col in (
        "run",
        "协议 agreement",
        "年 year",
        "指数 index",
        "达标 met",
        "付款方 payer",
        "收款方 payee",
        "金额 万元",
        "缺测 gaps",
        "有效 in force",
        "时间 at",
        "操作人 by",
    ):
        t.add_column(col)
    for r in table:
        t.add_row(
            str(r["run_id"]),
            r["agreement"],
            str(r["year"]),
            "" if _missing(r["index_value"]) else f"{r['index_value']:,.4g}",
            _cell(r["met"]) if r["met"] is not None else "",
            r["payer"],
            r["payee"],
            _wan(r["amount_cny"]),
            str(len(r["gaps"])),
            "✓" if r["in_force"] else "superseded 已替代",
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            r["created_by"],
        )
    console.print(t)


# -------------------------------------------------------------------------- assessment
@app.command("assess")
def assess(
    year: YearOption,
    gdp: Annotated[Path, typer.Option(help="GDP table (county_adcode[, year], gdp [unit]).")],
    indicators: Annotated[
        Path, typer.Option(help="Green Development Index indicator table (CSV, by year).")
    ],
    framework: Annotated[
        str, typer.Option(help="Assessment framework: shipped name or .toml file.")
    ] = "green-development-index",
    rule_version: RuleVersionOption = None,
    account: AccountOption = None,
    top: Annotated[int, typer.Option(help="Show the N best and worst (0: all).")] = 10,
    out: Annotated[Path | None, typer.Option(help="Also write the table as CSV.")] = None,
    actor: ActorOption = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
) -> None:
    """Assess counties: GEP, growth, GEP/GDP, conversion, GDI, ranks, warnings. 综合考核。"""
    import pandas as pd

    from ganpo.apply.assessment import assess as run_assess
    from ganpo.apply.assessment import save_assessment
    from ganpo.apply.rules import resolve_rule, store_rule
    from ganpo.store.repository import open_store

    who = actor or getpass.getuser()
    with user_errors():
        engine = open_store(database)
        stored = resolve_rule(engine, framework, rule_version, who, "assessment", store=False)
        result = run_assess(engine, stored, year, gdp, indicators, account_id=account)
        if result.rule.id == 0:  # a new or changed framework is stored once it assessed
            stored = result.rule = store_rule(engine, result.rule.rule, who)
        run_id = save_assessment(engine, result, who)
    table = result.table.sort_values("rank_gdi")
    rows = (
        table
        if top <= 0 or 2 * top >= len(table)
        else pd.concat([table.head(top), table.tail(top)])
    )
    t = Table(
        title=f"综合考核 assessment {year} ({stored.label}); GEP in 亿元 (10^8 CNY)",
        title_justify="left",
    )
    for col in (
        "名次 rank",
        "县 county",
        "GEP",
        "万元/km²",
        "不变价增长 growth",
        "GEP/GDP",
        "两山转化率 conversion",
        "绿色发展指数 GDI",
        "等级 grade",
        "缺项 missing",
    ):
        t.add_column(col, justify="left" if col in ("县 county", "等级 grade") else "right")
    for _, r in rows.iterrows():
        t.add_row(
            str(r["rank_gdi"]),
            f"{r['county_name']} {r['county_adcode']}",
            f"{r['gep_cny'] / 1e8:,.2f}",
            f"{r['gep_per_km2'] / 1e4:,.1f}",
            "—" if pd.isna(r["gep_growth_pct"]) else f"{r['gep_growth_pct']:+.2f}%",
            "—" if pd.isna(r["gep_gdp_ratio"]) else f"{r['gep_gdp_ratio']:.2f}",
            "—" if pd.isna(r["conversion_rate"]) else f"{r['conversion_rate']:.1%}",
            f"{r['gdi']:.2f}",
            str(r["grade"]),
            str(int(r["missing_indicators"])),
        )
    console.print(t)
    fw = result.framework
    console.print(
        "GDI weights 权重: "
        + ", ".join(f"{c.name_zh} {c.weight_pct:g}%" for c in fw.categories)
        + f"; missing data score 缺失数据计 {fw.missing_score:g}. Verified 已核实: {fw.verified}"
    )
    if not result.warnings.empty:
        w = Table(title=f"预警 early warnings ({len(result.warnings)})", title_justify="left")
        for col in ("县 county", "级别 level", "说明 message"):
            w.add_column(col)
        for _, r in result.warnings.head(30).iterrows():
            w.add_row(
                f"{r['county_name']} {r['county_adcode']}",
                f"{r['level_zh']} {r['level_en']}",
                f"{r['message_zh']}\n{r['message_en']}",
            )
        console.print(w)
    _notes(result.notes)
    console.print(f"stored as run #{run_id} / 已入库")
    if out is not None:
        _write_csv(result.table, out)
