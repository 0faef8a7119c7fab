"""CPI-deflated values: restating an account's values at the price level of another year.

Each result row is at the prices of one year: the year of the parameter that priced it
(``price_key`` → the account's price list), or the accounting year for values reported
at current prices (market value of products, tourism revenue). Restating multiplies each
row by the deflator's factor from that year to the target year.

This is the weaker substitute for a volume at base-year prices
(:mod:`ganpo.engine.volume`, the default of comparisons and reports): it assumes every
price of the account moved like the one index (the CPI for the shipped profiles), where
a volume holds each item's own base-year price. It stays available as the named
alternative ``cpi`` of :func:`ganpo.engine.decompose.decompose`.
"""

from __future__ import annotations

import pandas as pd

from ganpo.catalog.deflators import Deflator
from ganpo.engine.result import AccountResult


def row_price_years(results: pd.DataFrame, prices: pd.DataFrame, account_year: int) -> pd.Series:
    """The price year of every result row."""
    year_of = dict(zip(prices["key"], prices["year"].astype(int), strict=True))
    years = results["price_key"].map(year_of)
    return years.fillna(account_year).astype(int)


def restate(account: AccountResult, deflator: Deflator, to_year: int) -> pd.DataFrame:
    """The account's results with ``value_cny`` at ``to_year`` prices.

    Adds ``price_year`` (the row's original price year) and ``deflator_factor``.
    """
    return restate_results(account.results, account.prices, account.year, deflator, to_year)


def restate_results(
    results: pd.DataFrame,
    prices: pd.DataFrame,
    account_year: int,
    deflator: Deflator,
    to_year: int,
) -> pd.DataFrame:
    """:func:`restate` for results and price tables as stored."""
    out = results.copy()
    out["price_year"] = row_price_years(out, prices, account_year)
    factors = {y: deflator.factor(int(y), to_year) for y in out["price_year"].unique()}
    out["deflator_factor"] = out["price_year"].map(factors)
    out["value_cny"] = out["value_cny"] * out["deflator_factor"]
    return out
