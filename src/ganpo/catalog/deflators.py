"""Deflators (价格指数): bring values to the prices of another year.

A deflator is a CSV in ``data/deflators`` (or any path) of year-on-year price changes
(``year, change_pct, source, status``): the index of a year is the chained product of the
changes since the first year. ``factor(from_year, to_year)`` multiplies a value at
``from_year`` prices into ``to_year`` prices, so GEP growth can be reported at constant
prices (METHODS.md §3.12).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd

from ganpo.catalog.files import data_dir, shipped_names
from ganpo.errors import InputError, UnknownNameError


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
                    f"deflator {self.name!r} has no index for {year}; it covers "
                    f"{min(self.index)}–{max(self.index)}. Extend the deflator table",
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
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise InputError(f"cannot read the deflator: {exc}", source=path) from exc
    missing = {"year", "change_pct"} - set(table.columns)
    if missing:
        raise InputError(
            f"deflator lacks column(s) {', '.join(sorted(missing))}; it needs year, "
            "change_pct (year-on-year change in %)",
            source=path,
        )
    table = table.sort_values("year")
    years = table["year"].astype(int).tolist()
    gaps = [b for a, b in itertools.pairwise(years) if b != a + 1]
    if gaps:
        raise InputError(f"deflator years must be consecutive; gap before {gaps}", source=path)
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
