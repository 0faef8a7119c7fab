"""Deflators (价格指数): bring values to the prices of another year.

A deflator is a CSV in ``data/deflators`` (or any path) of year-on-year price changes
(``year, change_pct, source, status``): the index of a year is the chained product of the
changes since the first year. ``factor(from_year, to_year)`` multiplies a value at
``from_year`` prices into ``to_year`` prices, so GEP growth can be reported at constant
prices (docs/decisions/0020-volume-measures.md).

``items.toml`` names, per indicator reported at current prices (market value of products,
tourism revenue), the index that deflates it in a volume measure
(:mod:`ganpo.engine.volume`): :func:`item_indices`.
"""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ganpo.catalog.files import data_dir, shipped_names
from ganpo.catalog.indicators import indicators
from ganpo.errors import InputError, UnknownNameError

#: the file naming the price index of each item reported at current prices
ITEM_INDICES = "items.toml"


@dataclass(frozen=True)
class Deflator:
    """A chained price index by year."""

    name: str
    index: dict[int, float]
    sources: dict[int, str]
    verified: bool

    def factor(self, from_year: int, to_year: int) -> float:
        """``value_at_to_year_prices = value_at_from_year_prices × factor``.

        >>> d = Deflator("t", {2020: 100.0, 2021: 102.0, 2022: 104.04}, {}, True)
        >>> round(d.factor(2020, 2022), 6), round(d.factor(2022, 2020) * d.factor(2020, 2022), 12)
        (1.0404, 1.0)
        """
        for year in (from_year, to_year):
            if year not in self.index:
                raise InputError(
                    en=f"deflator {self.name!r} has no index for {year}; it covers "
                    f"{min(self.index)}–{max(self.index)}. Extend the deflator table",
                    zh=f"价格平减指数 {self.name!r} 没有 {year} 年的指数；其覆盖 "
                    f"{min(self.index)}–{max(self.index)} 年。请补充平减指数表",
                    source=self.name,
                    field="year",
                    values=[year],
                )
        return self.index[to_year] / self.index[from_year]


def deflator_names() -> list[str]:
    """Names of the deflators shipped with ganpo."""
    return shipped_names("deflators", ".csv")


def read_deflator(path: Path, name: str | None = None) -> Deflator:
    """Read a deflator CSV (``year, change_pct[, source, status]``)."""
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(
            en=f"cannot read the deflator: {exc}",
            zh="无法读取价格平减指数表，请检查其为 CSV 文件",
            source=path,
        ) from exc
    missing = {"year", "change_pct"} - set(table.columns)
    if missing:
        raise InputError(
            en=f"deflator lacks column(s) {', '.join(sorted(missing))}; it needs year, "
            "change_pct (year-on-year change in %)",
            zh="价格平减指数表缺少列 "
            f"{', '.join(sorted(missing))}；需要 year、change_pct（上年=100 的变动，%）",
            source=path,
        )
    table = table.sort_values("year")
    years = table["year"].astype(int).tolist()
    gaps = [b for a, b in itertools.pairwise(years) if b != a + 1]
    if gaps:
        raise InputError(
            en=f"deflator years must be consecutive; gap before {gaps}",
            zh=f"价格平减指数的年份须连续；{gaps} 年之前有缺年",
            source=path,
        )
    changes = table["change_pct"].astype(float).tolist()
    index: dict[int, float] = {}
    level = 100.0
    for i, (year, change) in enumerate(zip(years, changes, strict=True)):
        if i > 0:
            level *= 1.0 + change / 100.0
        index[year] = level
    notes = table["source"].astype(str).tolist() if "source" in table else [""] * len(years)
    sources = dict(zip(years, notes, strict=True))
    verified = "status" in table and bool((table["status"] == "verified").all())
    return Deflator(name or path.stem, index, sources, verified)


@cache
def load_deflator(name: str) -> Deflator:
    """A shipped deflator by name (``cn-cpi``) or one read from a ``.csv`` path."""
    if name.endswith(".csv"):
        return read_deflator(Path(name))
    if name not in deflator_names():
        raise UnknownNameError("deflator", name, deflator_names())
    return read_deflator(data_dir("deflators") / f"{name}.csv", name)


@dataclass(frozen=True)
class ItemIndex:
    """The price index that deflates one indicator's current-price rows, and why."""

    indicator: str
    deflator: Deflator
    why: str


def read_item_indices(path: Path) -> dict[str, ItemIndex]:
    """Read an item-index file (``[indicator] index = "<deflator>", why = "…"``).

    Every indicator must be in the catalogue and every index a shipped deflator (or a
    ``.csv`` path); otherwise the error names the entry and lists the valid names.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(
            en=f"cannot read the item price indices: {exc}",
            zh="无法读取分项价格指数文件，请检查 TOML 语法",
            source=path,
        ) from exc
    out: dict[str, ItemIndex] = {}
    for key, entry in data.items():
        if key not in indicators():
            raise UnknownNameError("indicator (item price index)", key, indicators())
        if not isinstance(entry, dict) or not isinstance(entry.get("index"), str):
            raise InputError(
                en=f"item price index {key!r} needs index = <deflator name> and why = <reason>",
                zh=f"分项价格指数 {key!r} 须给出 index = <平减指数名称> 和 why = <理由>",
                source=path,
                field=key,
            )
        out[key] = ItemIndex(key, load_deflator(entry["index"]), str(entry.get("why", "")))
    return out


@cache
def item_indices() -> dict[str, ItemIndex]:
    """The shipped price index of each item an account reports at current prices
    (``data/deflators/items.toml``): indicator → :class:`ItemIndex`."""
    return read_item_indices(data_dir("deflators") / ITEM_INDICES)
