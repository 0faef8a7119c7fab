"""Monte Carlo intervals: contain the deterministic value, shrink with the spread, and
are exact where a single uniform price is sampled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ganpo.catalog.parameters import Uncertainty, load_parameter_set
from ganpo.engine.account import run_account
from ganpo.engine.uncertainty import monte_carlo


def _with_spread(scale: float):  # type: ignore[no-untyped-def]
    params = load_parameter_set("jiangxi-default")
    values = dict(params.values)
    for key, pv in params.values.items():
        if pv.uncertainty is not None and pv.uncertainty.relative:
            u = pv.uncertainty.model_copy(update={"rel_sd": pv.uncertainty.rel_sd * scale})
            values[key] = pv.model_copy(update={"uncertainty": u})
        elif pv.uncertainty is not None:  # bounds pulled towards the value (the mode)
            mid = pv.value
            low, high = (
                mid - (mid - pv.uncertainty.low) * scale,
                mid + (pv.uncertainty.high - mid) * scale,
            )
            u = pv.uncertainty.model_copy(update={"low": low, "high": high})
            values[key] = pv.model_copy(update={"uncertainty": u})
    return params.model_copy(update={"values": values})


def test_intervals_contain_value_and_shrink(tiny: Callable[..., Path]) -> None:
    path = tiny()
    wide = monte_carlo(
        run_account(path, 2022, parameter_set=_with_spread(1.0), price_policy="as_given"), 4000, 1
    )
    narrow = monte_carlo(
        run_account(path, 2022, parameter_set=_with_spread(0.1), price_policy="as_given"), 4000, 1
    )
    acc = run_account(path, 2022, parameter_set=_with_spread(1.0), price_policy="as_given")
    gep = wide.table.set_index(["indicator", "county_adcode"]).loc[("GEP", 0)]
    assert gep.p05_cny <= acc.gep_cny <= gep.p95_cny
    g_narrow = narrow.table.set_index(["indicator", "county_adcode"]).loc[("GEP", 0)]
    assert (g_narrow.p95_cny - g_narrow.p05_cny) < 0.2 * (gep.p95_cny - gep.p05_cny)
    assert {"reservoir_cost", "carbon_price"} <= set(wide.sampled)


def test_uniform_price_interval_by_hand(tiny: Callable[..., Path]) -> None:
    """Only the reservoir cost uncertain, uniform 5–9 CNY/m³: water conservation of A
    (23 464 m³) lies in 23 464 × [5, 9]; its 5 % and 95 % quantiles are near 5.2 and 8.8."""
    params = load_parameter_set("jiangxi-default")
    values = {k: v.model_copy(update={"uncertainty": None}) for k, v in params.values.items()}
    values["reservoir_cost"] = values["reservoir_cost"].model_copy(
        update={"uncertainty": Uncertainty(distribution="uniform", low=5.0, high=9.0, source="t")}
    )
    acc = run_account(
        tiny(),
        2022,
        parameter_set=params.model_copy(update={"values": values}),
        price_policy="as_given",
    )
    iv = monte_carlo(acc, 20_000, 7).table.set_index(["indicator", "county_adcode"])
    wc = iv.loc[("water_conservation", 360101)]
    # quantiles of U(5, 9): 5 + 0.05 × 4 = 5.2 and 8.8; sampling error ≈ 0.01 at 20 000 draws
    assert wc.p05_cny == pytest.approx(23_464.0 * 5.2, rel=0.01)
    assert wc.p95_cny == pytest.approx(23_464.0 * 8.8, rel=0.01)
    agri = iv.loc[("agriculture", 360101)]
    assert agri.p05_cny == agri.p95_cny == 1_000_000.0  # reported values are not sampled


def test_intervals_stored(tiny: Callable[..., Path], store_url: str) -> None:
    from ganpo.store.repository import load_account, open_store, save_account

    acc = run_account(tiny(), 2022)
    iv = monte_carlo(acc, 200, 3)
    engine = open_store(store_url)
    stored = load_account(engine, save_account(engine, acc, iv)).intervals
    assert len(stored) == len(iv.table) and set(stored.draws) == {200}
