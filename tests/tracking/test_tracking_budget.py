"""Budgets of ceilings on a total and their projected exhaustion, worked by hand."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ganpo.errors import InputError
from ganpo.tracking.budget import budget
from ganpo.tracking.model import Indicator, Target

TOTAL = Indicator(
    key="co2_total",
    name_zh="二氧化碳排放总量",
    name_en="total CO2 emissions",
    unit="万t CO2",
    direction="lower_is_better",
)
OBSERVED = {2021: 900.0, 2022: 950.0, 2023: 1000.0}  # 万t CO2


def _ceiling(value: float, *, cumulative: bool, unit: str = "万t CO2") -> Target:
    return Target(
        key="c",
        indicator="co2_total",
        unit_code=360100,
        period=(2021, 2025),
        kind="ceiling",
        value=value,
        value_unit=unit,
        cumulative=cumulative,
        annual=not cumulative,
        source="test",
        status="synthetic",
    )


def test_annual_ceiling_over_five_years() -> None:
    # budget 5 × 1000 = 5000; used 900 + 950 + 1000 = 2850 (57 %), remaining 2150
    # at 1000 a year: 2150/1000 = 2.15 → 3 more years → exhausted in 2026, after the period
    b = budget(_ceiling(1000.0, cumulative=False), TOTAL, OBSERVED, "万t CO2")
    assert (b.budget, b.used, b.remaining) == (5000.0, 2850.0, 2150.0)
    assert b.used_pct == pytest.approx(57.0)
    assert b.time_elapsed_pct == pytest.approx(60.0)
    assert (b.exhaustion_year, b.exhausted_within_period) == (2026, False)


def test_cumulative_ceiling_runs_out_within_the_period() -> None:
    # 4000 − 2850 = 1150 left; 1150/1000 = 1.15 → 2 years → 2025
    b = budget(_ceiling(4000.0, cumulative=True), TOTAL, OBSERVED, "万t CO2")
    assert (b.remaining, b.exhaustion_year, b.exhausted_within_period) == (1150.0, 2025, True)
    # an exact quotient: 4850 − 2850 = 2000 = 2 years at 1000 → 2025, not 2026
    assert (
        budget(_ceiling(4850.0, cumulative=True), TOTAL, OBSERVED, "万t CO2").exhaustion_year
        == 2025
    )
    # in 亿t: 0.485 亿t = 4850 万t
    assert budget(
        _ceiling(0.485, cumulative=True, unit="亿t CO2"), TOTAL, OBSERVED, "万t CO2"
    ).budget == pytest.approx(4850.0)


def test_budget_already_used_up() -> None:
    # cumulative 900, 1850, 2850: 2500 is passed in 2023; used 2850/2500 = 114 %
    b = budget(_ceiling(2500.0, cumulative=True), TOTAL, OBSERVED, "万t CO2")
    assert (b.exhaustion_year, b.remaining) == (2023, -350.0)
    assert b.used_pct == pytest.approx(114.0)


def test_no_emissions_never_exhausts() -> None:
    b = budget(_ceiling(4000.0, cumulative=True), TOTAL, {2021: 900.0, 2022: 0.0}, "万t CO2")
    assert b.exhaustion_year is None and not b.exhausted_within_period


def test_budget_bad_input() -> None:
    t = _ceiling(4000.0, cumulative=True)
    with pytest.raises(
        InputError, match="the budget used needs every year from 2021; missing 2022"
    ):
        budget(t, TOTAL, {2021: 900.0, 2023: 1000.0}, "万t CO2")
    with pytest.raises(InputError, match=r"observed year\(s\) 2026 outside the period 2021–2025"):
        budget(t, TOTAL, {2021: 900.0, 2026: 1000.0}, "万t CO2")
    with pytest.raises(InputError, match="does not measure the same quantity as '万t CO2'"):
        budget(t, TOTAL, OBSERVED, "万元")
    floor = t.model_copy(update={"kind": "floor", "cumulative": False})
    with pytest.raises(InputError, match="is a floor target; only a ceiling sets a budget"):
        budget(floor, TOTAL, OBSERVED, "万t CO2")
    level = t.model_copy(update={"cumulative": False})
    with pytest.raises(InputError, match="is a level to reach by 2025 and sets no budget"):
        budget(level, TOTAL, OBSERVED, "万t CO2")


@given(rate=st.floats(1.0, 5000.0), more=st.floats(0.0, 2000.0))
def test_exhaustion_no_later_at_a_higher_rate(rate: float, more: float) -> None:
    t = _ceiling(20000.0, cumulative=True)
    slow = budget(t, TOTAL, {2021: 900.0, 2022: rate}, "万t CO2")
    fast = budget(t, TOTAL, {2021: 900.0, 2022: rate + more}, "万t CO2")
    assert slow.exhaustion_year is not None and fast.exhaustion_year is not None
    assert fast.exhaustion_year <= slow.exhaustion_year
    # the projection is right: one year fewer would leave budget, the year found uses it up
    years = fast.exhaustion_year - 2022
    assert fast.used + years * fast.rate >= fast.budget * (1 - 1e-9)
    assert fast.used + (years - 1) * fast.rate < fast.budget
