"""Decomposing the change between two accounts: prices, quantities, land cover.

With values A (base year a) and B (year b) each at its own prices, and B@a the value of B
at a's prices, per indicator × county:

- total change      = B − A
- price effect      = B − B@a            (what prices alone changed)
- quantity effect   = B@a − A            (the change at a's prices)

and, when B is also computed with a's land cover held (B_lc, same prices as B):

- land-cover effect = B@a − B_lc@a       (what the change of ecosystem types did)
- other effect      = B_lc@a − A         (climate, statistics and everything else)

so that price + quantity = price + land cover + other = total, per indicator and county.

Two measures of B@a (``measure``):

- ``volume`` (default): the Laspeyres volume, b's quantities at a's unit values
  (:func:`ganpo.engine.volume.at_base_prices`), as statistics bureaus measure real
  growth; rows reported at current prices are deflated by their item's price index.
- ``cpi``: "CPI-deflated values", every row's value moved from its price year to a's with
  the profile's deflator (:func:`ganpo.engine.prices.restate_results`). The weaker
  substitute: it assumes every price of the account moved like consumer prices. A is
  then restated too, and the part of A's own restating is netted out of the price effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import pandas as pd

from ganpo.catalog.deflators import Deflator, ItemIndex
from ganpo.catalog.indicators import indicators
from ganpo.engine.prices import restate_results
from ganpo.engine.volume import AccountPeriod, at_base_prices

KEYS = ["indicator", "county_adcode"]
Measure = Literal["volume", "cpi"]
MEASURES: tuple[Measure, ...] = ("volume", "cpi")
Side = tuple[pd.DataFrame, pd.DataFrame, int] | AccountPeriod


def _values(frame: pd.DataFrame, name: str, column: str = "value_cny") -> pd.Series:
    return frame.groupby(KEYS)[column].sum().rename(name)


def _period(side: Side) -> AccountPeriod:
    return side if isinstance(side, AccountPeriod) else AccountPeriod(*side)


def decompose(
    a: Side,
    b: Side,
    deflator: Deflator,
    b_land_cover_held: Side | None = None,
    *,
    measure: Measure = "volume",
    indices: Mapping[str, ItemIndex] | None = None,
) -> pd.DataFrame:
    """Per indicator × county: values and effects in CNY.

    Each account is an :class:`~ganpo.engine.volume.AccountPeriod` or ``(results, prices,
    account_year)`` as stored. ``deflator`` serves the ``cpi`` measure; ``indices`` the
    current-price rows of the ``volume`` measure (default: the shipped item indices).
    Returns columns ``indicator, county_adcode, value_a, value_b, price_effect,
    quantity_effect`` and, with ``b_land_cover_held``, ``land_cover_effect,
    other_effect``; ``frame.attrs`` holds ``measure`` and ``notes`` (how B@a was made).
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    pa, pb = _period(a), _period(b)
    held = None if b_land_cover_held is None else _period(b_land_cover_held)
    notes: list[str]
    if measure == "volume":
        vb = at_base_prices(pa, pb, indices)
        parts = [
            _values(vb.rows, "value_a", "value_a_cny"),
            _values(vb.rows, "value_b", "value_b_cny"),
            _values(vb.rows, "a_at_a", "value_a_cny"),
            _values(vb.rows, "b_at_a"),
        ]
        notes = list(vb.notes)
        if held is not None:
            vl = at_base_prices(pa, held, indices)
            parts.append(_values(vl.rows, "b_lc_at_a"))
    else:
        parts = [
            _values(pa.results, "value_a"),
            _values(pb.results, "value_b"),
            _values(restate_results(pa.results, pa.prices, pa.year, deflator, pa.year), "a_at_a"),
            _values(restate_results(pb.results, pb.prices, pb.year, deflator, pa.year), "b_at_a"),
        ]
        notes = [
            f"CPI-deflated values: every value moved to {pa.year} prices by {deflator.name} "
            "(the weaker substitute for a volume at base-year prices)"
        ]
        if held is not None:
            restated = restate_results(held.results, held.prices, held.year, deflator, pa.year)
            parts.append(_values(restated, "b_lc_at_a"))
    out = pd.concat(parts, axis=1).fillna(0.0)
    # price effect: what valuing B at a's prices changed, net of any restating of A itself
    out["price_effect"] = (out.value_b - out.b_at_a) - (out.value_a - out.a_at_a)
    out["quantity_effect"] = out.b_at_a - out.a_at_a
    if held is not None:
        out["land_cover_effect"] = out.b_at_a - out.b_lc_at_a
        out["other_effect"] = out.b_lc_at_a - out.a_at_a
    result = out.drop(columns=[c for c in out.columns if c.endswith("_at_a")]).reset_index()
    result.attrs.update(measure=measure, notes=notes)
    return result


def by_indicator(decomposition: pd.DataFrame) -> pd.DataFrame:
    """Province-level sums per indicator, with a final ``GEP`` row."""
    cols = [c for c in decomposition.columns if c not in KEYS]
    per = decomposition.groupby("indicator")[cols].sum()
    order = [k for k in indicators() if k in per.index]
    per = per.loc[order + sorted(set(per.index) - set(order))]
    per.loc["GEP"] = per.sum()
    return per.reset_index()
