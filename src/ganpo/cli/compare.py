"""``ganpo account compare A B``: the change between two accounts and its causes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.table import Table
from rich.text import Text

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    account_argument,
    console,
    user_errors,
)
from ganpo.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

MEASURE_TITLES = {
    "volume": "volume at {ya} prices 按{ya}年（基期）价格计算的物量 (B's quantities at A's prices)",
    "cpi": "CPI-deflated values 按 CPI 缩减的价值（{deflator_zh} {deflator_en}）: the weaker "
    "substitute for a volume at base-year prices",
}


def compare(
    account_a: Annotated[int, account_argument("Base account id (earlier year).")],
    account_b: Annotated[int, account_argument("Account id to compare with the base.")],
    database: DatabaseOption = str(DEFAULT_DATABASE),
    measure: Annotated[
        str,
        typer.Option(
            help="How B is brought to A's prices: volume (default: B's quantities at A's "
            "prices, as statistics bureaus measure real growth) or cpi (CPI-deflated "
            "values, the weaker substitute). 物量（基期价格）或 CPI 缩减。"
        ),
    ] = "volume",
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

    比较两个核算：价格因素与实物量因素（土地覆被变化、其他因素）；实物量按基期价格计算。
    """
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.profiles import load_profile
    from ganpo.cli.summary import print_notes  # numpy, pandas, the report: only when used
    from ganpo.engine.account import run_account
    from ganpo.engine.decompose import MEASURES, by_indicator, decompose
    from ganpo.engine.volume import AccountPeriod, at_base_prices
    from ganpo.report.change_notes import deflated_note, volume_notes
    from ganpo.report.quality import unit_label_map
    from ganpo.store.repository import load_account, open_store, standing_mark

    with user_errors():
        if measure not in MEASURES:
            raise InputError(
                en=f"unknown measure {measure!r}; use volume (B's quantities at A's prices) or "
                "cpi (CPI-deflated values)",
                zh=f"未知的比较口径 {measure!r}：请用 volume（以 A 的"
                "价格计 B 的实物量）或 cpi（按居民消费价格指数平减的价值）",
                field="measure",
                values=[measure],
            )
        store = open_store(database)
        a, b = load_account(store, account_a), load_account(store, account_b)
        if a.account.region_adcode != b.account.region_adcode:
            raise InputError(
                en=f"accounts {account_a} and {account_b} are of different regions "
                f"({a.account.region_adcode} and {b.account.region_adcode}); compare accounts "
                "of the same region",
                zh=f"核算 {account_a} 与 {account_b} 属于不同地区"
                f"（{a.account.region_adcode} 与 {b.account.region_adcode}）：请比较同一地区的核算",
                field="region_adcode",
            )
        deflator = load_deflator(load_profile(b.account.profile).deflator)
        pa = AccountPeriod(a.results, a.prices, a.account.year, f"account #{account_a}")
        pb = AccountPeriod(b.results, b.prices, b.account.year, f"account #{account_b}")
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
                held = AccountPeriod(
                    counterfactual.results,
                    counterfactual.prices,
                    b.account.year,
                    f"account #{account_b} with the ecosystem types of {a.account.year}",
                )
            else:
                note = f"land-cover split skipped: dataset {root} is not available"
        d = decompose(pa, pb, deflator, held, measure=measure)
        volume = at_base_prices(pa, pb) if measure == "volume" else None
    ya, yb = a.account.year, b.account.year
    title = MEASURE_TITLES[measure].format(
        ya=ya,
        deflator_zh=index_name(deflator.name, "zh"),
        deflator_en=index_name(deflator.name, "en"),
    )
    _print(by_indicator(d), ya, yb, title)
    if volume is not None:
        _print_indices(volume.by_indicator(), ya, yb)
        names = {
            lang: {**unit_label_map(a.units, lang), **unit_label_map(b.units, lang)}
            for lang in ("zh", "en")
        }
        print_notes(
            volume_notes(volume, "zh", names["zh"]), volume_notes(volume, "en", names["en"])
        )
    else:
        print_notes(*([deflated_note(deflator, ya, lang)] for lang in ("zh", "en")))
    if note:
        console.print(note, style="yellow")
    for stored in (a, b):  # a withdrawn or superseded account: the comparison says so
        if mark := standing_mark(stored.account):
            console.print(mark, style="bold yellow", highlight=False)
    if out is not None:
        from ganpo.io.outputs import EXPORT, atomic_write

        atomic_write(out, lambda tmp: d.to_csv(tmp, index=False, encoding="utf-8-sig"), EXPORT)
        console.print(f"written: {out}")


def index_name(name: str, lang: Literal["zh", "en"]) -> str:
    """A price index by its name in ``lang`` (never by its key)."""
    from ganpo.catalog.parameter_names import index_name as named

    return named(name, lang)


def _names() -> dict[str, str]:
    from ganpo.catalog.indicators import indicators

    return {k: i.name_zh for k, i in indicators().items()} | {"GEP": "GEP 生态系统生产总值"}


def _print(table: pd.DataFrame, ya: int, yb: int, basis: str) -> None:
    from ganpo.cli.summary import print_notes  # numpy, pandas, the report: only when used

    names = _names()
    cols = [
        ("value_a", f"{ya} 基期"),
        ("value_b", f"{yb} 报告期"),
        ("price_effect", "价格 price"),
        ("quantity_effect", "实物量 quantity"),
        ("land_cover_effect", "土地覆被 land cover"),
        ("other_effect", "其他 other"),
    ]
    cols = [(c, h) for c, h in cols if c in table.columns]
    console.print(f"口径 measure: {basis}", highlight=False)
    t = Table(title=f"GEP 变化 change {ya} → {yb}（亿元）", title_justify="left")
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
    print_notes(
        [
            f"价格因素 = {yb}年按当年价格 − {yb}年按{ya}年价格；实物量因素 = 按{ya}年价格计算的"
            f"变化 = 土地覆被（{yb}年 − {yb}年采用{ya}年生态系统类型）+ 其他（气候、统计数据）。"
        ],
        [
            f"Price = {yb} at its own prices − {yb} at {ya} prices; quantity = change at {ya} "
            f"prices = land cover ({yb} − {yb} with {ya}'s ecosystem types) + other (climate, "
            "statistics)."
        ],
    )


BASIS_TEXT = {
    "base_price": "基期价格 base prices",
    "base_unit_value": "基期单位价值 base unit values",
    "deflated": "按{index_zh}缩减 deflated by the {index_en}",
}


def _basis(basis: str, index: str) -> str:
    """How an indicator's volume was valued, the indices by their names."""
    names = [i for i in index.split("+") if i]
    parts = [
        BASIS_TEXT[b].format(
            index_zh="、".join(index_name(i, "zh") for i in names),
            index_en=", ".join(index_name(i, "en") for i in names),
        )
        for b in basis.split("+")
        if b
    ]
    return "; ".join(parts)


def _print_indices(table: pd.DataFrame, ya: int, yb: int) -> None:
    import pandas as pd

    names = _names()
    t = Table(
        title=f"物量指数与价格指数 volume and implicit price indices, {ya} = 100（亿元）",
        title_justify="left",
    )
    for head in (
        "指标 indicator",
        f"{ya} 基期",
        f"{yb} 报告期",
        f"{yb} 按{ya}年价格",
        "物量指数 volume",
        "价格指数 price",
        "计价 valued at",
    ):
        t.add_column(head, justify="left" if head[0] in "指计" else "right")
    for _, r in table.iterrows():
        bold = r["indicator"] == "GEP"
        cells = [
            names.get(str(r["indicator"]), str(r["indicator"])),
            f"{r['value_a_cny'] / 1e8:,.2f}",
            f"{r['value_b_cny'] / 1e8:,.2f}",
            f"{r['volume_b_cny'] / 1e8:,.2f}",
            "" if pd.isna(r["volume_index"]) else f"{r['volume_index']:.1f}",
            "" if pd.isna(r["price_index"]) else f"{r['price_index']:.1f}",
            _basis(str(r["basis"]), str(r["index"])) if not bold else "",
        ]
        t.add_row(*[Text(c, style="bold" if bold else "") for c in cells])
    console.print(t)


def chain(
    accounts: Annotated[
        list[int], account_argument("Account ids of one region, in increasing years.")
    ],
    reference_year: Annotated[
        int | None,
        typer.Option(
            help="Year whose prices the volumes are at (chain index = 100); default the first."
        ),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    out: Annotated[Path | None, typer.Option(help="Also write the series as CSV.")] = None,
) -> None:
    """GEP volume over a series of accounts, chain-linked: each year at the previous year's
    prices, linked into one index. 链式物量指数：逐年按上年价格计算，链接为定基指数。
    """
    import pandas as pd

    from ganpo.engine.volume import AccountPeriod, chain_linked
    from ganpo.store.repository import load_account, open_store, standing_mark

    with user_errors():
        store = open_store(database)
        stored = [load_account(store, i) for i in accounts]
        regions = {s.account.region_adcode for s in stored}
        if len(regions) > 1:
            raise InputError(
                en=f"accounts {', '.join(map(str, accounts))} are of different regions "
                f"({', '.join(map(str, sorted(regions)))}); chain accounts of one region",
                zh="核算 "
                f"{'、'.join(map(str, accounts))} 属于不同地区"
                f"（{'、'.join(map(str, sorted(regions)))}）：请给出同一地区的核算",
                field="region_adcode",
            )
        table = chain_linked(
            [
                AccountPeriod(s.results, s.prices, s.account.year, f"account #{s.account.id}")
                for s in stored
            ],
            reference_year=reference_year,
        )
    ref = int(table.attrs["reference_year"])
    gep = table[table["indicator"] == "GEP"]
    t = Table(
        title=f"GEP 链式物量 chain-linked volume at {ref} prices 按{ref}年价格（亿元）",
        title_justify="left",
    )
    for head in (
        "年份 year",
        "现价 current",
        f"按{ref}年价格 volume",
        f"定基指数 chain ({ref}=100)",
        "环比指数 link",
        "价格指数 price",
        "不可加 non-additive",
    ):
        t.add_column(head, justify="right")
    for _, r in gep.iterrows():
        t.add_row(
            str(r["year"]),
            f"{r['value_cny'] / 1e8:,.2f}",
            f"{r['chain_volume_cny'] / 1e8:,.2f}",
            f"{r['chain_index']:.1f}",
            "" if pd.isna(r["link_index"]) else f"{r['link_index']:.1f}",
            f"{r['price_index']:.1f}",
            f"{r['non_additivity_cny'] / 1e8:+,.2f}",
        )
    console.print(t)
    for n in table.attrs.get("notes", []):
        console.print(f"  {n}", highlight=False)
    for s in stored:
        if mark := standing_mark(s.account):
            console.print(mark, style="bold yellow", highlight=False)
    if out is not None:
        from ganpo.io.outputs import EXPORT, atomic_write

        atomic_write(out, lambda tmp: table.to_csv(tmp, index=False, encoding="utf-8-sig"), EXPORT)
        console.print(f"written: {out}")
