"""SEEA-EA tables balance: extent opening + change = closing; supply totals = GEP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.engine.account import run_account
from ganpo.report.seea import asset_account, extent_account, supply_table
from ganpo.services.asset import npv_factor
from tinydata import TINY_ECO


@pytest.fixture
def two(tiny: Callable[..., Path]):  # type: ignore[no-untyped-def]
    eco23 = TINY_ECO.copy()
    eco23[1, 0] = 1  # one shrub hectare becomes forest
    path = tiny(more_years={2023: {"eco": eco23}})
    return run_account(path, 2022), run_account(path, 2023)


def test_extent_account_balances(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    t = extent_account(a.extent, b.extent)
    body, total = t.iloc[:-1], t.iloc[-1]
    np.testing.assert_allclose(body.opening_km2 + body.net_change_km2, body.closing_km2)
    forest = body.set_index("ecosystem_code").loc[1]
    assert forest.net_change_km2 == pytest.approx(0.01)  # +1 cell of 10 000 m²
    assert total.opening_km2 == pytest.approx(0.08) and total.net_change_km2 == pytest.approx(0.0)


def test_supply_tables_total_gep(two) -> None:  # type: ignore[no-untyped-def]
    a, _ = two
    money = supply_table(a.results, "value_cny").set_index("indicator")
    assert money.loc["GEP", "合计 total"] == pytest.approx(a.gep_cny, rel=1e-12)
    phys = supply_table(a.results, "quantity").set_index("indicator")
    wc = phys.loc["water_conservation"]
    assert wc["unit"] == "m3" and wc["合计 total"] == pytest.approx(22_830.4 + 16_636.8, rel=1e-9)


def test_asset_account(two) -> None:  # type: ignore[no-untyped-def]
    a, b = two
    one_year = asset_account(a.results, b.results, 0.0, 1)  # NPV of one year = the flow
    assert one_year.opening_asset_cny.sum() == pytest.approx(a.gep_cny, rel=1e-12)
    t = asset_account(a.results, b.results, 0.0277, 100)
    assert t.closing_asset_cny.sum() == pytest.approx(
        b.gep_cny * npv_factor(0.0277, 100), rel=1e-12
    )
    assert "34.687" in t.attrs["note"]
