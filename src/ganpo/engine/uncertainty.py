"""Monte Carlo uncertainty of an account, vectorised over the draws.

Every result row is ``quantity × price``; where a method's quantity is proportional to a
coefficient (``Method.linear_parameters``, e.g. CO₂ per unit of dry matter), a draw of that
coefficient scales the row too. So one draw of the account is the computed rows times
per-row factors, and N draws are a (rows × N) matrix — no re-run of the rasters. The
parameters sampled are those that carry an ``uncertainty`` in the parameter set and
enter a row linearly; the others (runoff coefficients through the clipped water balance,
removal rates through the emission caps, lake coefficients) are held at their values,
and the result says which were sampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ganpo.engine.result import AccountResult
from ganpo.services.methods import method

QUANTILES = (0.05, 0.5, 0.95)
PROVINCE = 0  # county_adcode of the region-wide rows


@dataclass(frozen=True)
class Intervals:
    """Mean and 5/50/95 % quantiles of GEP and each indicator, per county and in total
    (per county whatever the level of the account's units: its published level)."""

    table: pd.DataFrame  # indicator ('GEP' for the total), unit_code = county_adcode (0: region), …
    draws: int
    sampled: tuple[str, ...]


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
    values = results["value_cny"].to_numpy()[:, None] * factors
    frame = pd.DataFrame(values)
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
    total = pd.DataFrame(
        [frame.sum().to_numpy()], index=pd.MultiIndex.from_tuples([("GEP", PROVINCE)])
    )
    stacked = pd.concat([*parts, total])
    q = np.quantile(stacked.to_numpy(), QUANTILES, axis=1)
    county = stacked.index.get_level_values(1).astype("int64")
    table = pd.DataFrame(
        {
            "indicator": stacked.index.get_level_values(0),
            # intervals are given per county (and for the region, 0): unit = county
            "unit_code": county,
            "county_adcode": county,
            "mean_cny": stacked.mean(axis=1).to_numpy(),
            "p05_cny": q[0],
            "p50_cny": q[1],
            "p95_cny": q[2],
        }
    )
    return Intervals(table.reset_index(drop=True), draws, tuple(sampled))
