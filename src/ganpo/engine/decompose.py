"""Decomposing the change between two accounts: prices, quantities, land cover.

With values A (year a) and B (year b) each at its own prices, and B restated to a's prices
(B@a, :mod:`ganpo.engine.prices`):

- total change      = B − A
- price effect      = B − B@a            (what prices alone changed)
- quantity effect   = B@a − A            (change at constant a prices)

and, when B is also computed with a's land cover held (B_lc, same prices as B):

- land-cover effect = B@a − B_lc@a       (what the change of ecosystem types did)
- other effect      = B_lc@a − A@a       (climate, statistics and everything else)

so that price + land cover + other = total exactly, per indicator and per county.
"""

from __future__ import annotations

import pandas as pd

from ganpo.catalog.deflators import Deflator
from ganpo.catalog.indicators import indicators
from ganpo.engine.prices import restate_results

KEYS = ["indicator", "county_adcode"]


def _values(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame.groupby(KEYS)["value_cny"].sum().rename(name)


def decompose(
    a: tuple[pd.DataFrame, pd.DataFrame, int],
    b: tuple[pd.DataFrame, pd.DataFrame, int],
    deflator: Deflator,
    b_land_cover_held: tuple[pd.DataFrame, pd.DataFrame, int] | None = None,
) -> pd.DataFrame:
    """Per indicator × county: values and effects in CNY.

    Each argument is ``(results, prices, account_year)`` as stored. Returns columns
    ``indicator, county_adcode, value_a, value_b, price_effect, quantity_effect`` and, with
    ``b_land_cover_held``, ``land_cover_effect, other_effect``.
    """
    (ra, pa, ya), (rb, pb, yb) = a, b
    a_at_a = restate_results(ra, pa, ya, deflator, ya)
    b_at_a = restate_results(rb, pb, yb, deflator, ya)
    parts = [
        _values(ra, "value_a"),
        _values(rb, "value_b"),
        _values(a_at_a, "a_at_a"),
        _values(b_at_a, "b_at_a"),
    ]
    if b_land_cover_held is not None:
        rl, pl, yl = b_land_cover_held
        parts.append(_values(restate_results(rl, pl, yl, deflator, ya), "b_lc_at_a"))
    out = pd.concat(parts, axis=1).fillna(0.0)
    # price effect: what restating changed in B, net of any restating of A itself
    out["price_effect"] = (out.value_b - out.b_at_a) - (out.value_a - out.a_at_a)
    out["quantity_effect"] = out.b_at_a - out.a_at_a
    if b_land_cover_held is not None:
        out["land_cover_effect"] = out.b_at_a - out.b_lc_at_a
        out["other_effect"] = out.b_lc_at_a - out.a_at_a
    return out.drop(columns=[c for c in out.columns if c.endswith("_at_a")]).reset_index()


def by_indicator(decomposition: pd.DataFrame) -> pd.DataFrame:
    """Province-level sums per indicator, with a final ``GEP`` row."""
    cols = [c for c in decomposition.columns if c not in KEYS]
    per = decomposition.groupby("indicator")[cols].sum()
    order = [k for k in indicators() if k in per.index]
    per = per.loc[order + sorted(set(per.index) - set(order))]
    per.loc["GEP"] = per.sum()
    return per.reset_index()
