"""Monte Carlo intervals: centred on the point value, shrinking with the spread, exact where
a single uniform price is sampled; distributions that do not centre on the value refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.parameters import ParameterValue, Uncertainty, load_parameter_set
from ganpo.engine.account import run_account
from ganpo.engine.uncertainty import STORED_COLUMNS, monte_carlo


def _with_spread(scale: float):  # type: ignore[no-untyped-def]
    params = load_parameter_set("jiangxi-default")
    values = dict(params.values)
    for key, pv in params.values.items():
        u = pv.uncertainty
        if u is not None and u.relative:
            values[key] = pv.model_copy(
                update={"uncertainty": u.model_copy(update={"rel_sd": u.rel_sd * scale})}
            )
        elif u is not None:  # bounds pulled towards the value (the mode)
            mid = pv.value
            low, high = mid - (mid - u.low) * scale, mid + (u.high - mid) * scale
            u = u.model_copy(update={"low": low, "high": high})
            values[key] = pv.model_copy(update={"uncertainty": u})
    return params.model_copy(update={"values": values})


def test_intervals_contain_value_and_shrink(tiny: Callable[..., Path]) -> None:
    path = tiny()
    acc = run_account(path, 2022, parameter_set=_with_spread(1.0), price_policy="as_given")
    wide = monte_carlo(acc, 4000, 1)
    narrow = monte_carlo(
        run_account(path, 2022, parameter_set=_with_spread(0.1), price_policy="as_given"), 4000, 1
    )
    gep = wide.table.set_index(["indicator", "county_adcode"]).loc[("GEP", 0)]
    assert gep.p05_cny <= acc.gep_cny <= gep.p95_cny
    assert gep.value_cny == pytest.approx(acc.gep_cny, rel=1e-12)
    g_narrow = narrow.table.set_index(["indicator", "county_adcode"]).loc[("GEP", 0)]
    assert (g_narrow.p95_cny - g_narrow.p05_cny) < 0.2 * (gep.p95_cny - gep.p05_cny)
    assert {"reservoir_cost", "carbon_price", "electricity_price"} <= set(wide.sampled)


def test_point_estimates_lie_in_the_middle_half(tiny: Callable[..., Path]) -> None:
    """Each indicator's province total and the GEP lie between the 25 % and 75 % quantiles of
    their draws: every shipped distribution has the value as its median or mode, and the
    modes sit inside the middle half of their triangles. Sampling error of a quartile at
    4000 draws is about 0.7 % of the spread, far below the margin checked."""
    acc = run_account(tiny(), 2022, "jiangxi-db36-2021")
    iv = monte_carlo(acc, 4000, 5)
    region = iv.table[iv.table.county_adcode == 0]
    varied = region[region.p75_cny > region.p25_cny]
    assert {"GEP", "carbon_sequestration", "climate_regulation"} <= set(varied.indicator)
    inside = (varied.value_cny >= varied.p25_cny) & (varied.value_cny <= varied.p75_cny)
    assert inside.all(), varied.loc[~inside, ["indicator", "value_cny", "p25_cny", "p75_cny"]]
    assert iv.off_centre.empty and iv.notes == []


def test_off_centre_point_is_said(tiny: Callable[..., Path]) -> None:
    """A triangle whose mode sits at its low end puts the point below the 25 % quantile: the
    intervals say so (this is the old 50–400 CNY/t carbon price, made a valid triangle)."""
    params = load_parameter_set("jiangxi-default")
    values = {k: v.model_copy(update={"uncertainty": None}) for k, v in params.values.items()}
    values["carbon_price"] = values["carbon_price"].model_copy(
        update={
            "uncertainty": Uncertainty(distribution="triangular", low=55.0, high=400.0, source="t")
        }
    )
    acc = run_account(
        tiny(),
        2022,
        parameter_set=params.model_copy(update={"values": values}),
        price_policy="as_given",
    )
    iv = monte_carlo(acc, 2000, 2)
    assert "carbon_sequestration" in set(iv.off_centre.indicator)
    assert any("carbon_sequestration lies outside the middle half" in n for n in iv.notes)


def test_a_range_not_centred_on_the_value_is_refused() -> None:
    """The issue's case: 380 CNY/t with a uniform 50–400 range (median 225) is refused."""
    with pytest.raises(
        ValueError, match=r"a uniform range 50.0–400.0 has median 225, not the value 380"
    ):
        ParameterValue(
            value=380.0,
            unit="CNY/t",
            year=2010,
            region="t",
            source="t",
            status="unverified",
            uncertainty=Uncertainty(distribution="uniform", low=50.0, high=400.0, source="t"),
        )
    with pytest.raises(ValueError, match=r"does not contain the value 380"):
        Uncertainty(distribution="triangular", low=50.0, high=300.0, source="t").check_centre(380)
    tri = Uncertainty(distribution="triangular", low=50.0, high=400.0, source="t")
    assert tri.centre == "mode"
    assert Uncertainty(distribution="lognormal", rel_sd=0.2, source="t").centre == "median"
    draws = Uncertainty(distribution="lognormal", rel_sd=0.2, source="t").draw_factors(
        1.0, 20_000, np.random.default_rng(0)
    )
    assert float(np.median(draws)) == pytest.approx(1.0, abs=0.01)  # median 1: sampling ≈ 0.2 %


def test_uniform_price_interval_by_hand(tiny: Callable[..., Path]) -> None:
    """Only the reservoir cost uncertain, uniform 5.06–9.06 CNY/m³ (centred on 7.06): water
    conservation of A (23 464 m³) lies in 23 464 × [5.06, 9.06]; its 5 % and 95 % quantiles
    are near 5.26 and 8.86."""
    params = load_parameter_set("jiangxi-default")
    values = {k: v.model_copy(update={"uncertainty": None}) for k, v in params.values.items()}
    values["reservoir_cost"] = values["reservoir_cost"].model_copy(
        update={"uncertainty": Uncertainty(distribution="uniform", low=5.06, high=9.06, source="t")}
    )
    acc = run_account(
        tiny(),
        2022,
        parameter_set=params.model_copy(update={"values": values}),
        price_policy="as_given",
    )
    iv = monte_carlo(acc, 20_000, 7).table.set_index(["indicator", "county_adcode"])
    wc = iv.loc[("water_conservation", 360101)]
    # quantiles of U(5.06, 9.06): 5.06 + 0.05 × 4 = 5.26 and 8.86; sampling error ≈ 0.01
    # (22 830.4 m³ of water conserved in A: test_account_tiny)
    assert wc.p05_cny == pytest.approx(22_830.4 * 5.26, rel=0.01)
    assert wc.p95_cny == pytest.approx(22_830.4 * 8.86, rel=0.01)
    assert wc.p50_cny == pytest.approx(wc.value_cny, rel=0.01)  # the median is the value
    agri = iv.loc[("agriculture", 360101)]
    assert agri.p05_cny == agri.p95_cny == 240_000.0  # reported values are not sampled


def test_intervals_stored(tiny: Callable[..., Path], store_url: str) -> None:
    from ganpo.store.repository import load_account, open_store, save_account

    acc = run_account(tiny(), 2022)
    iv = monte_carlo(acc, 200, 3)
    engine = open_store(store_url)
    stored = load_account(engine, save_account(engine, acc, iv)).intervals
    assert len(stored) == len(iv.table) and set(stored.draws) == {200}
    assert set(STORED_COLUMNS) <= set(stored.columns)
