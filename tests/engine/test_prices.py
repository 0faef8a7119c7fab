"""Constant prices: deflation to a base year and back, and growth at constant prices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.deflators import Deflator, load_deflator, read_deflator
from ganpo.catalog.parameters import load_parameter_set, prices_for_year
from ganpo.engine.account import run_account
from ganpo.engine.prices import restate
from ganpo.errors import InputError

D = Deflator("test", {2010: 100.0, 2011: 110.0, 2012: 121.0}, {}, True)


def test_chained_index_from_changes(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("year,change_pct\n2010,3\n2011,10\n2012,10\n", encoding="utf-8")
    d = read_deflator(p)
    # 100 → × 1.10 → 110 → × 1.10 → 121 (the 2010 change only sets the base)
    assert d.index == pytest.approx({2010: 100.0, 2011: 110.0, 2012: 121.0})
    assert d.factor(2010, 2012) == pytest.approx(1.21)
    with pytest.raises(
        InputError, match=r"deflator 'd' has no index for 2009; it covers 2010–2012"
    ):
        d.factor(2009, 2012)


def test_deflator_gap_refused(tmp_path: Path) -> None:
    p = tmp_path / "d.csv"
    p.write_text("year,change_pct\n2010,3\n2012,10\n", encoding="utf-8")
    with pytest.raises(InputError, match="consecutive"):
        read_deflator(p)


def test_price_policies() -> None:
    params = load_parameter_set("garze-2010")
    same, notes = prices_for_year(params, 2012, "as_given", D)
    assert same is params and notes == []
    moved, notes = prices_for_year(params, 2012, "deflate", D)
    # 7.06 CNY/m³ at 2010 prices × 121/100 = 8.5426 at 2012 prices; coefficients untouched
    assert moved.scalar("reservoir_cost", "CNY/m3") == pytest.approx(7.06 * 1.21, rel=1e-12)
    assert moved.values["reservoir_cost"].year == 2012
    assert moved.scalar("soil_bulk_density", "t/m3") == 0.93
    assert any(
        n.startswith("price reservoir_cost of garze-2010: 2012 not given, 2010 value × 1.2100")
        for n in notes
    )
    with pytest.raises(
        InputError,
        match=r"no price 'reservoir_cost' for 2012 in parameter set 'garze-2010'; it has 2010",
    ):
        prices_for_year(params, 2012, "accounting_year", D)


def test_restate_to_base_year_and_back(tiny: Callable[..., Path]) -> None:
    acc = run_account(tiny(), 2022, "jiangxi-db36-2021")  # prices deflated to 2022
    cpi = load_deflator("cn-cpi")
    at_2015 = restate(acc, cpi, 2015)
    # every row was at 2022 prices (parameters deflated, statistics reported in 2022)
    assert set(at_2015.price_year) == {2022}
    assert at_2015.value_cny.sum() == pytest.approx(acc.gep_cny * cpi.factor(2022, 2015), rel=1e-12)
    back = acc.results.assign(value_cny=at_2015.value_cny * cpi.factor(2015, 2022))
    np.testing.assert_allclose(back.value_cny, acc.results.value_cny, rtol=1e-12)


def test_restate_mixed_price_years(tiny: Callable[..., Path]) -> None:
    acc = run_account(tiny(), 2022, "jiangxi-db36-2021", price_policy="as_given")
    cpi = load_deflator("cn-cpi")
    out = restate(acc, cpi, 2022)
    wc = out[out.indicator == "water_conservation"]
    agri = out[out.indicator == "agriculture"]
    assert set(wc.price_year) == {2010} and set(agri.price_year) == {2022}
    # priced at 2010 → × CPI 2010→2022; reported 2022 values unchanged
    assert wc.deflator_factor.iloc[0] == pytest.approx(cpi.factor(2010, 2022))
    assert (agri.deflator_factor == 1.0).all()


def test_each_price_is_brought_by_its_own_index_and_says_so() -> None:
    """Oxygen (2014) by the PPI, the reservoir cost (2010) by the CPI labelled as a fallback,
    the carbon price of the year untouched; an item index that ends before the year gives way
    to the profile's deflator, and the price says so."""
    params = load_parameter_set("jiangxi-default")
    cpi, ppi = load_deflator("cn-cpi"), load_deflator("cn-ppi")
    at_2022, notes = prices_for_year(params, 2022, "deflate", cpi, "jiangxi-db36-2021")
    o2 = at_2022.values["oxygen_price"]
    assert o2.value == pytest.approx(1160.70 * ppi.factor(2014, 2022), rel=1e-12)
    assert "[brought from 2014 to 2022 prices by cn-ppi ×" in o2.source
    assert "fallback (CPI)" in at_2022.values["reservoir_cost"].source
    assert at_2022.values["carbon_price"].value == 55.30
    assert "price carbon_price of jiangxi-default: stated for 2022, no index needed" in notes
    at_2024, _ = prices_for_year(params, 2024, "deflate", cpi)
    assert "fallback (cn-cpi): the item's index cn-ppi covers 2013–2023 only" in (
        at_2024.values["oxygen_price"].source
    )
