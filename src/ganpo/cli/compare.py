"""``ganpo account compare A B``: the change between two accounts and its causes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from ganpo.catalog.indicators import indicators
from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors
from ganpo.errors import InputError
from ganpo.io.outputs import EXPORT, atomic_write


def compare(
    account_a: Annotated[int, typer.Argument(help="Base account id (earlier year).")],
    account_b: Annotated[int, typer.Argument(help="Account id to compare with the base.")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    land_cover: Annotated[
        bool,
        typer.Option(
            help="Split the quantity effect into land cover and other causes by "
            "recomputing B with A's ecosystem types (needs B's dataset)."
        ),
    ] = True,
    out: Annotated[Path | None, typer.Option(help="Also write the decomposition as CSV.")] = None,
) -> None:
    """Change of GEP from A to B: price effect and quantity effect (land cover, other).

    比较两个核算：价格因素与实物量因素（土地覆被变化、其他因素）。
    """
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.profiles import load_profile
    from ganpo.engine.account import run_account
    from ganpo.engine.decompose import by_indicator, decompose
    from ganpo.store.repository import load_account, open_store

    with user_errors():
        store = open_store(database)
        a, b = load_account(store, account_a), load_account(store, account_b)
        if a.account.region_adcode != b.account.region_adcode:
            raise InputError(
                f"accounts {account_a} and {account_b} are of different regions "
                f"({a.account.region_adcode} and {b.account.region_adcode}); compare accounts "
                "of the same region",
                field="region_adcode",
            )
        deflator = load_deflator(load_profile(b.account.profile).deflator)
        held = None
        note = ""
        if land_cover:
            root = Path(b.account.dataset_root)
            if (root / "manifest.toml").exists():
                counterfactual = run_account(
                    root,
                    b.account.year,
                    b.account.profile,
                    b.account.parameter_set,
                    price_policy=b.account.price_policy,  # type: ignore[arg-type]
                    layer_years={"ecosystem_type": a.account.year},
                )
                held = (counterfactual.results, counterfactual.prices, b.account.year)
            else:
                note = f"land-cover split skipped: dataset {root} is not available"
        d = decompose(
            (a.results, a.prices, a.account.year),
            (b.results, b.prices, b.account.year),
            deflator,
            held,
        )
    table = by_indicator(d)
    _print(table, a.account.year, b.account.year, deflator.name)
    if note:
        console.print(note, style="yellow")
    if out is not None:
        atomic_write(out, lambda tmp: d.to_csv(tmp, index=False, encoding="utf-8-sig"), EXPORT)
        console.print(f"written: {out}")


def _print(table: pd.DataFrame, ya: int, yb: int, deflator: str) -> None:
    names = {k: i.name_zh for k, i in indicators().items()} | {"GEP": "GEP 生态系统生产总值"}
    cols = [
        ("value_a", str(ya)),
        ("value_b", str(yb)),
        ("price_effect", "价格 price"),
        ("quantity_effect", "实物量 quantity"),
        ("land_cover_effect", "土地覆被 land cover"),
        ("other_effect", "其他 other"),
    ]
    cols = [(c, h) for c, h in cols if c in table.columns]
    t = Table(
        title=f"GEP change {ya} → {yb}, 亿元 (10^8 CNY); constant prices of {ya} by {deflator}",
        title_justify="left",
    )
    t.add_column("指标 indicator")
    for _, head in cols:
        t.add_column(head, justify="right")
    for _, row in table.iterrows():
        cells = [
            f"{row[c] / 1e8:,.2f}" if c.startswith("value") else f"{row[c] / 1e8:+,.2f}"
            for c, _ in cols
        ]
        label = names.get(str(row["indicator"]), str(row["indicator"]))
        bold = row["indicator"] == "GEP"
        t.add_row(*[Text(x, style="bold" if bold else "") for x in [label, *cells]])
    console.print(t)
    console.print(
        "price = B − B at constant prices; quantity = change at constant prices "
        "= land cover (B − B with A's ecosystem types) + other (climate, statistics)"
    )
