"""Monte Carlo uncertainty of an account, vectorised over the draws.

Every result row is ``quantity × price``; where a method's quantity is proportional to a
coefficient (``Method.linear_parameters``, e.g. CO₂ per unit of dry matter), a draw of that
coefficient scales the row too. So one draw of the account is the computed rows times
per-row factors, and N draws are a (rows × N) matrix — no re-run of the rasters. The
parameters sampled are those that carry an ``uncertainty`` in the parameter set and
enter a row linearly; the others (runoff coefficients through the clipped water balance,
removal rates through the emission caps, the carbon fraction of NEP = f_C·NPP − R_h,
values per ecosystem type) are held at their values, and the result says which were
sampled.

Every distribution has the parameter's value as its median or mode
(:class:`~ganpo.catalog.parameters.Uncertainty`), so the account's point estimate is the
centre of its own distribution: :attr:`Intervals.off_centre` lists any indicator whose point
estimate falls outside the middle half (25–75 %) of its draws, and :attr:`Intervals.notes`
says why (skewed distributions whose mode, not median, is the value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ganpo.engine.result import AccountResult
from ganpo.services.methods import method

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
PROVINCE = 0  # county_adcode of the region-wide rows
#: the columns stored with an account (store.models.UncertaintyInterval)
STORED_COLUMNS = [
    "indicator",
    "unit_code",
    "county_adcode",
    "mean_cny",
    "p05_cny",
    "p50_cny",
    "p95_cny",
]


@dataclass(frozen=True)
class Intervals:
    """Point value, mean and 5/25/50/75/95 % quantiles of GEP and each indicator, per county
    and in total (per county whatever the level of the account's units: its published
    level)."""

    table: pd.DataFrame  # indicator ('GEP' for the total), unit_code = county_adcode (0: region), …
    draws: int
    sampled: tuple[str, ...]

    @property
    def off_centre(self) -> pd.DataFrame:
        """Region-wide rows whose point value lies outside their 25–75 % range."""
        t = self.table[self.table["county_adcode"] == PROVINCE]
        out = (t["value_cny"] < t["p25_cny"]) | (t["value_cny"] > t["p75_cny"])
        return t[out & (t["p75_cny"] > t["p25_cny"])]

    @property
    def notes(self) -> list[str]:
        """Why a point value lies outside the middle half of its draws, one note each."""
        return [
            f"Monte Carlo: the point value of {r.indicator} lies outside the middle half of "
            "its draws: the distributions sampled are skewed (their mode, not their median, "
            "is the value), so the draws centre on a different value"
            for r in self.off_centre.itertuples()
        ]


def monte_carlo(account: AccountResult, draws: int, seed: int = 0) -> Intervals:
    """``draws`` Monte Carlo draws of the account's values; intervals per county."""
    params = account.parameters
    if params is None:
        raise ValueError("the account carries no parameter set (run it with run_account)")
    rng = np.random.default_rng(seed)
    # rows of one indicator and price key get the same draws, so their values are added
    # per county first (exact: Σ vᵢ·f = f·Σ vᵢ); the draws matrix then has one row per
    # indicator × price key × county, however fine the account's units
    keyed = account.results.assign(county_adcode=account.results["county_adcode"].astype("int64"))
    results = (
        keyed.groupby(["indicator", "price_key", "county_adcode"], sort=True)["value_cny"]
        .sum()
        .reset_index()
    )
    factors = np.ones((len(results), draws))
    sampled: list[str] = []
    keys = set(results["price_key"]) - {""}
    linear = {
        ind: method(ind, key).linear_parameters for ind, key in account.profile_indicators.items()
    }
    keys |= {k for ks in linear.values() for k in ks}
    for key in sorted(keys):
        pv = params.values.get(key)
        if pv is None or pv.uncertainty is None or pv.value is None:
            continue
        draw = pv.uncertainty.draw_factors(pv.value, draws, rng)
        uses = {ind for ind, ks in linear.items() if key in ks}
        rows = ((results["price_key"] == key) | results["indicator"].isin(uses)).to_numpy()
        if rows.any():
            factors[rows] *= draw
            sampled.append(key)
    point = results["value_cny"].to_numpy()
    frame = pd.DataFrame(point[:, None] * factors)
    frame["value_cny"] = point
    parts = [
        frame.groupby([results["indicator"], results["county_adcode"]]).sum(),
        frame.groupby(results["county_adcode"])
        .sum()
        .assign(indicator="GEP")
        .set_index("indicator", append=True)
        .swaplevel(),
        frame.groupby(results["indicator"])
        .sum()
        .assign(county_adcode=PROVINCE)
        .set_index("county_adcode", append=True),
    ]
    total = frame.sum().to_frame().T
    total.index = pd.MultiIndex.from_tuples([("GEP", PROVINCE)])
    stacked = pd.concat([*parts, total])
    values = stacked.drop(columns="value_cny").to_numpy()
    q = np.quantile(values, QUANTILES, axis=1)
    county = stacked.index.get_level_values(1).astype("int64")
    table = pd.DataFrame(
        {
            "indicator": stacked.index.get_level_values(0),
            # intervals are given per county (and for the region, 0): unit = county
            "unit_code": county,
            "county_adcode": county,
            "value_cny": stacked["value_cny"].to_numpy(),
            "mean_cny": values.mean(axis=1),
            "p05_cny": q[0],
            "p25_cny": q[1],
            "p50_cny": q[2],
            "p75_cny": q[3],
            "p95_cny": q[4],
        }
    )
    return Intervals(table.reset_index(drop=True), draws, tuple(sampled))
