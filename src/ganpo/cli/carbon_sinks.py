"""``ganpo carbon sinks``: the ecosystem carbon-sink account of a stored inventory by unit
and ecosystem in 万吨二氧化碳, and with ``--account`` its reconciliation with the stored
GEP account's carbon sequestration of the same year (decision 0033). Amounts are shown as
the GEP shows them: a removal (carbon taken up) positive. Registered in
:mod:`ganpo.cli.carbon`; every library is imported when the command runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

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
    import pandas as pd
    from sqlalchemy import Engine

    from ganpo.store.carbon import StoredInventory

UNIT_LABEL = "万吨二氧化碳 (万tCO₂)"
SIGN_LABEL = "清除量为正（与 GEP 固碳量同号）/ removals positive, as the GEP counts them"
SYNTHETIC_LABEL = "合成数据 SYNTHETIC"
#: the keys of `ganpo carbon sinks --format csv|json`
SINKS_KEYS = (
    "inventory_id",
    "gep_account_id",
    "year",
    "synthetic",
    "unit_code",
    "unit_name",
    "level",
    "part",
    "ecosystem",
    "ecosystem_zh",
    "ecosystem_en",
    "method_zh",
    "method_en",
    "removal_10k_t",
    "removal_t",
    "explanation_zh",
    "explanation_en",
)
#: the inventory's methods, named
METHODS = {
    "stock_difference": ("蓄积量变化法（两期清查）", "stock difference of two inventories"),
    "gain_loss": ("生长—消耗法", "gain-loss"),
    "rate": ("固碳速率法", "sequestration rate"),
}
#: the lines of the reconciliation, named
PARTS = {
    "sink": ("清单碳汇", "inventory sink"),
    "inventory": ("清单碳汇合计", "inventory sink, total"),
    "gep": ("GEP 固碳量", "GEP carbon sequestration"),
    "difference": ("差额", "difference"),
    "coverage": ("覆盖范围差异", "coverage"),
    "unexplained": ("未解释部分", "unexplained"),
}


def _gep_results(
    engine: Engine, account_id: int, year: int, region_code: int
) -> tuple[pd.DataFrame, str, bool]:
    """The stored GEP account's result rows, the method of its carbon sequestration (from
    its profile) and whether it is synthetic; an unknown or withdrawn account, one of
    another year than ``year``, one without carbon sequestration, or one with no county
    in the inventory's region ``region_code`` is refused."""
    from ganpo.apply.gepdata import require_region, stored_account
    from ganpo.carbon.regions import region
    from ganpo.carbon.sinks_account import GEP_INDICATOR
    from ganpo.catalog.profiles import load_profile
    from ganpo.errors import InputError

    stored = stored_account(engine, account_id)
    acc = stored.account
    if acc.year != year:
        raise InputError(
            en=f"GEP account {account_id} is of {acc.year}, the inventory of {year}; the sink "
            "is reconciled with the GEP carbon sequestration of the same year: give an "
            f"account of {year} (`ganpo account list`)",
            zh=f"GEP 核算 {account_id} 为 {acc.year} 年，清单为 {year} 年，须为同一年份",
            field="account",
            values=[account_id, acc.year, year],
        )
    method = load_profile(acc.profile).indicators.get(GEP_INDICATOR)
    has = (stored.results["indicator"] == GEP_INDICATOR).any()
    if method is None or not has:
        raise InputError(
            en=f"GEP account {account_id} has no carbon-sequestration results (profile "
            f"{acc.profile!r}); give an account whose profile counts carbon sequestration",
            zh=f"GEP 核算 {account_id} 无固碳量结果",
            field="account",
            values=[account_id],
        )
    reg = region(region_code)
    where = (f"the inventory's region {reg.name} ({region_code})",
             f"清单地区{reg.name}（{region_code}）")  # fmt: skip
    require_region(stored, lambda c: reg.unit(c) is not None, where, what="GEP account")
    return stored.results, method, bool(acc.synthetic)


def _name(names: dict[int, str], code: int) -> str:
    return names.get(code, str(code))


def sink_records(
    stored: StoredInventory, level: str, engine: Engine, account_id: int | None
) -> list[dict[str, Any]]:
    """The account's lines (``part`` sink) by unit and ecosystem, then with ``account_id``
    the reconciliation's lines by unit (inventory, gep, difference, coverage,
    unexplained), every amount a removal in t and 万t CO2 (positive: taken up)."""
    from ganpo.carbon.regions import region
    from ganpo.carbon.sinks_account import (
        ECOSYSTEM_NAMES,
        gep_rows_at_level,
        inventory_sink_account,
        reconcile_with_gep,
    )

    h = stored.header
    reg = region(h.region_adcode)
    names = {code: u.name for code, u in reg.units.items()}
    account = inventory_sink_account(stored.rows, h.year, level)
    base = {"inventory_id": h.id, "gep_account_id": account_id, "year": h.year,
            "synthetic": h.synthetic, "level": level}  # fmt: skip
    out: list[dict[str, Any]] = []
    for r in account.to_dict("records"):
        removal = -float(r["co2_t"])
        mz, me = METHODS[str(r["method"])]
        out.append(
            {
                **base,
                "unit_code": int(r["unit_code"]),
                "unit_name": _name(names, int(r["unit_code"])),
                "part": "sink",
                "ecosystem": r["ecosystem"],
                "ecosystem_zh": r["ecosystem_zh"],
                "ecosystem_en": r["ecosystem_en"],
                "method_zh": mz,
                "method_en": me,
                "removal_t": removal,
                "explanation_zh": None,
                "explanation_en": None,
            }
        )
    if account_id is not None:
        results, method, synthetic = _gep_results(engine, account_id, h.year, h.region_adcode)
        base["synthetic"] = bool(h.synthetic or synthetic)
        for line in out:
            line["synthetic"] = base["synthetic"]
        gep = gep_rows_at_level(results, h.region_adcode, level)
        rec = reconcile_with_gep(account, gep, h.year, gep_method=method, unit_column="unit_code")
        for r in rec.to_dict("records"):
            eco = str(r["ecosystem"])
            ez, ee = ("全部", "all") if eco == "all" else ECOSYSTEM_NAMES.get(eco, (eco, eco))
            out.append(
                {
                    **base,
                    "unit_code": int(r["unit_code"]),
                    "unit_name": _name(names, int(r["unit_code"])),
                    "part": r["part"],
                    "ecosystem": eco,
                    "ecosystem_zh": ez,
                    "ecosystem_en": ee,
                    "method_zh": None,
                    "method_en": None,
                    "removal_t": float(r["amount_t"]),
                    "explanation_zh": r["explanation_zh"],
                    "explanation_en": r["explanation_en"],
                }
            )
    for line in out:  # rounded so that no number prints in scientific notation
        t = float(line["removal_t"])
        line["removal_10k_t"] = round(t / 1e4, 4) + 0.0  # + 0.0: no "-0.0"
        line["removal_t"] = round(t, 2) + 0.0
    return out


def _table(records: list[dict[str, Any]], title: str, reconciliation: bool) -> Table:
    if reconciliation:
        t = Table("单位\nunit", "项目\nline", "数量\namount", "说明\nexplanation", title=title,
                  caption=f"单位 unit: {UNIT_LABEL}; {SIGN_LABEL}")  # fmt: skip
    else:
        t = Table("单位\nunit", "生态系统\necosystem", "方法\nmethod", "清除量\nremoval",
                  title=title, caption=f"单位 unit: {UNIT_LABEL}; {SIGN_LABEL}")  # fmt: skip
    last = None
    for r in records:
        unit = str(r["unit_name"]) if r["unit_code"] != last else ""
        last = r["unit_code"]
        amount = f"{round(float(r['removal_10k_t']), 2) + 0.0:,.2f}"  # + 0.0: no "-0.00"
        if reconciliation:
            pz, pe = PARTS[str(r["part"])]
            t.add_row(
                unit,
                f"{pz}\n{pe}",
                amount,
                f"{r['explanation_zh']}\n{r['explanation_en']}",
                end_section=r["part"] == "unexplained",
            )
        else:
            t.add_row(
                unit,
                f"{r['ecosystem_zh']}\n{r['ecosystem_en']}",
                f"{r['method_zh']}\n{r['method_en']}",
                amount,
            )
    return t


def sinks(
    inventory_id: Annotated[int, typer.Argument(help="Inventory id (`ganpo carbon list`).")],
    level: Annotated[
        Literal["city", "county"], typer.Option("--level", "-l", help="city or county. 层级。")
    ] = "county",
    account_id: Annotated[
        int | None,
        typer.Option(
            "--account",
            help="Stored GEP account of the same year (`ganpo account list`): reconcile the "
            "sink with its carbon sequestration. 同年 GEP 核算编号，与其固碳量核对。",
        ),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    fmt: FormatOption = "table",
) -> None:
    """The ecosystem carbon-sink account of an inventory by unit and ecosystem in
    万tCO₂ (removals positive), and with --account its reconciliation with the GEP
    carbon sequestration of the same year. 生态系统碳汇账户及其与 GEP 固碳量的核对。"""
    from ganpo.store.carbon import load_inventory
    from ganpo.store.repository import open_store

    with user_errors():
        engine = open_store(database)
        stored = load_inventory(engine, inventory_id)
        records = sink_records(stored, level, engine, account_id)
    if print_records(fmt, SINKS_KEYS, records):
        return
    h = stored.header
    synthetic = h.synthetic or any(r["synthetic"] for r in records)
    mark = f" · {SYNTHETIC_LABEL}" if synthetic else ""
    account = [r for r in records if r["part"] == "sink"]
    level_zh = {"city": "市", "county": "区县"}[level]
    title = f"碳汇账户 Sink account · 清单 inventory {h.id} · {h.year} 年 · {level_zh} {level}"
    title += mark
    if account:
        console.print(_table(account, title, reconciliation=False))
    else:
        console.print(f"{title}: 清单无碳汇类别 the inventory has no sink category (3.B)")
    if account_id is not None:
        rec = [r for r in records if r["part"] != "sink"]
        console.print(
            _table(
                rec,
                f"与 GEP 固碳量核对 Reconciliation with GEP carbon sequestration · GEP 核算 "
                f"account {account_id} · {h.year} 年{mark}",
                reconciliation=True,
            )
        )
