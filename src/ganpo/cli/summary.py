"""Printing account summaries in the terminal (rich tables, Chinese and English)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rich.table import Table
from rich.text import Text

from ganpo.catalog.units import display_unit, is_money, number
from ganpo.cli.common import console, yi
from ganpo.report import summary


def print_notes(zh: Sequence[str], en: Sequence[str]) -> None:
    """Notes under a table, each in Chinese and then in English (the terminal's two
    languages, as the tables' headings)."""
    for a, b in zip(zh, en, strict=True):
        console.print(f"  {a}", highlight=False)
        console.print(f"  {b}", style="dim", highlight=False)


def _quantity(quantity: float, unit: str) -> tuple[str, str]:
    """A quantity and its unit as Chinese statistics publish them (亿立方米, 万吨, 万人次,
    公顷 …); a quantity that is a money value (a product's output value) shows "—"."""
    if is_money(unit):
        return "—", "—"
    shown, divisor = display_unit(unit, "zh", quantity)
    return number(quantity / divisor), shown


def print_account(
    results: pd.DataFrame,
    units: pd.DataFrame,
    title: str,
    physical: pd.DataFrame | None = None,
) -> None:
    """GEP by category and by service, the top and bottom counties per km², and the
    physical indicators reported beside the GEP (not valued), if any."""
    total = float(results["value_cny"].sum())
    t = Table(title=f"{title}: GEP {yi(total)} 亿元", title_justify="left")
    t.add_column("类别 / 指标  category / indicator")
    t.add_column("实物量 quantity", justify="right")
    t.add_column("单位 unit")
    t.add_column("价值 value（亿元）", justify="right")
    t.add_column("占比 share", justify="right")
    by_ind = summary.gep_by_indicator(results)
    for _, cat in summary.gep_by_category(results).iterrows():
        t.add_row(
            Text(f"{cat['name_zh']} {cat['name_en']}", style="bold"),
            "",
            "",
            Text(yi(cat["value_cny"]), style="bold"),
            Text(f"{cat['share']:.1%}", style="bold"),
        )
        for _, r in by_ind[by_ind["category"] == cat["category"]].iterrows():
            t.add_row(
                f"  {r['name_zh']} {r['name_en']}",
                *_quantity(float(r["quantity"]), str(r["quantity_unit"])),
                yi(r["value_cny"]),
                f"{r['share']:.1%}",
            )
    console.print(t)
    if any(is_money(str(u)) for u in by_ind["quantity_unit"]):
        print_notes(
            ["物质产品以产值（增加值）计，其实物量即价值，实物量栏记“—”。"],
            [
                "Material products are valued by their output (value added): their quantity "
                "is a value, so the quantity column shows “—”."
            ],
        )

    counties = summary.gep_by_unit(results, units, "county")
    top, bottom = summary.top_bottom(counties, n=5)
    ranks = Table(title=f"{title}: GEP 密度 per km²（万元/km²）", title_justify="left")
    for head in ("前五 top 5", "万元/km²", "后五 bottom 5", "万元/km² "):
        ranks.add_column(head, justify="right" if "km" in head else "left")
    for (_, a), (_, b) in zip(top.iterrows(), bottom.iterrows(), strict=True):
        ranks.add_row(
            a["name"],
            f"{a['gep_cny_per_km2'] / 1e4:,.1f}",
            b["name"],
            f"{b['gep_cny_per_km2'] / 1e4:,.1f}",
        )
    console.print(ranks)
    if physical is not None and not physical.empty:
        print_physical(physical, units, title)


def print_change(comparison: pd.DataFrame, label_a: str, label_b: str, basis: str) -> None:
    """The change of each indicator between two accounts, on the stated price basis."""
    t = Table(title=f"变化 change {label_a} → {label_b}, {basis}（亿元）", title_justify="left")
    for head in ("指标 indicator", label_a, label_b, "变化 change", "%"):
        t.add_column(head, justify="left" if head.startswith("指标") else "right")
    for _, r in comparison.iterrows():
        bold = r["indicator"] == "GEP"
        pct = "" if pd.isna(r["change_pct"]) else f"{r['change_pct']:+.1f}%"
        cells = [
            "GEP 生态系统生产总值" if bold else f"{r['name_zh']} {r['name_en']}",
            yi(r["value_a_cny"]),
            yi(r["value_b_cny"]),
            f"{r['change_cny'] / 1e8:+,.2f}",
            pct,
        ]
        t.add_row(*[Text(c, style="bold" if bold else "") for c in cells])
    console.print(t)


def print_intervals(
    table: pd.DataFrame, draws: int, sampled: tuple[str, ...], notes: Sequence[str] = ()
) -> None:
    """Region-wide Monte Carlo intervals of GEP and each indicator, and why a point value
    lies outside the middle half of its draws (``notes``)."""
    from ganpo.catalog.indicators import indicators

    names = {k: f"{i.name_zh} {i.name_en}" for k, i in indicators().items()}
    region = table[table["county_adcode"] == 0].set_index("indicator")
    order = [k for k in names if k in region.index] + ["GEP"]
    t = Table(
        title=f"不确定性 uncertainty: {draws} 次蒙特卡罗模拟 Monte Carlo draws（亿元）",
        title_justify="left",
    )
    for head in ("指标 indicator", "5 %", "50 %", "95 %"):
        t.add_column(head, justify="left" if head.startswith("指标") else "right")
    quantiles = region[["p05_cny", "p50_cny", "p95_cny"]].astype(float)
    for key in order:
        label = "GEP 生态系统生产总值" if key == "GEP" else names[key]
        low, mid, high = (float(v) for v in quantiles.loc[key].to_numpy())
        t.add_row(label, yi(low), yi(mid), yi(high))
    console.print(t)
    if sampled:
        from ganpo.catalog.parameter_names import parameter_name

        named = "、".join(parameter_name(k, "zh") for k in sampled)
        print_notes(
            [f"抽样的参数：{named}；其他参数取定值。"],
            [
                f"Sampled parameters: {', '.join(parameter_name(k, 'en') for k in sampled)}; "
                "the others are held at their values."
            ],
        )
    for note in notes:
        console.print(note)


def print_physical(physical: pd.DataFrame, units: pd.DataFrame, title: str) -> None:
    """Totals of the physical indicators (not valued, not in GEP), in statistical units,
    each with the method by its title."""
    from ganpo.services.methods import PHYSICAL_METHODS

    totals = summary.physical_totals(physical, units)
    t = Table(
        title=f"{title}: 实物量指标（不计价，不计入 GEP）physical indicators, not valued",
        title_justify="left",
    )
    for head in ("指标 indicator", "方法 method", "合计 total", "单位 unit", "每 km² per km²"):
        t.add_column(head, justify="right" if "total" in head or "km" in head else "left")
    for r in totals.to_dict("records"):
        per_km2 = float(r["quantity_per_km2"])
        unit = str(r["quantity_unit"])
        m = PHYSICAL_METHODS.get(str(r["indicator"]), {}).get(str(r["method"]))
        quantity, shown = _quantity(float(r["quantity"]), unit)
        per_unit, _ = display_unit(unit, "zh", 1.0)
        t.add_row(
            f"{r['name_zh']} {r['name_en']}",
            m.title_zh if m is not None else "—",
            quantity,
            shown,
            f"{number(per_km2, 1)} {per_unit}/km²" if np.isfinite(per_km2) else "—",
        )
    console.print(t)
