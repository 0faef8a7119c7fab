"""Progress against targets, worked by hand (docs/tracking.md, "Progress")."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.apply.assessment import declined
from ganpo.errors import InputError
from ganpo.tracking.model import Indicator, Target
from ganpo.tracking.progress import adverse_years, progress

INTENSITY = Indicator(
    key="co2_intensity",
    name_zh="单位地区生产总值二氧化碳排放",
    name_en="CO2 emissions per unit of GDP",
    unit="t CO2/万元",
    direction="lower_is_better",
)
FOREST = Indicator(
    key="forest_cover_pct",
    name_zh="森林覆盖率",
    name_en="forest cover",
    unit="%",
    direction="higher_is_better",
)


def _target(**kw: object) -> Target:
    base: dict[str, object] = {
        "key": "t",
        "indicator": "co2_intensity",
        "unit_code": 360100,
        "period": (2021, 2025),
        "kind": "reduction_pct",
        "value": 18.0,
        "value_unit": "%",
        "base_year": 2020,
        "source": "test",
        "status": "synthetic",
    }
    base.update(kw)
    return Target.model_validate(base)


def test_intensity_reduction_of_18_percent_2020_to_2025() -> None:
    # base 2020: 1.00 t/万元; target 2025: 1.00 × (1 − 0.18) = 0.82
    # observed 2023: 0.90 → reduction 10 %, task achieved 10/18 = 55.556 %
    # time elapsed (2023 − 2020)/(2025 − 2020) = 60 %: 4.444 points behind (时间过半任务未过半)
    # achieved rate 0.90^(1/3) − 1 = exp(ln 0.9 / 3) − 1 = exp(−0.0351202) − 1 = −3.4511 %/a
    # required rate (0.82/0.90)^(1/2) − 1 = 0.9111111^0.5 − 1 = 0.9545214 − 1 = −4.5479 %/a
    # rate gap (lower is better) achieved − required = −3.4511 + 4.5479 = 1.0968 points
    p = progress(
        _target(), INTENSITY, {2020: 1.00, 2021: 0.97, 2022: 0.93, 2023: 0.90}, "t CO2/万元"
    )
    assert p.year == 2023
    assert p.target_value == pytest.approx(0.82, rel=1e-12)
    assert p.time_elapsed_pct == pytest.approx(60.0, rel=1e-12)
    assert p.task_achieved_pct == pytest.approx(55.5556, abs=1e-4)
    assert p.schedule_gap_pp == pytest.approx(4.4444, abs=1e-4)
    assert p.achieved_rate_pct == pytest.approx(-3.4511, abs=1e-4)
    assert p.required_rate_pct == pytest.approx(-4.5479, abs=1e-4)
    assert p.rate_gap_pp == pytest.approx(1.0968, abs=1e-4)
    # above the 2025 level is a stage on the way, not an exceedance, before 2025
    assert (p.target_exceedance_pct, p.target_gap) == (None, None)
    assert (p.meets_target, p.status) == (False, "behind")
    # in 2025, 0.90 is (0.90 − 0.82)/0.82 = 9.756 % above the level, by 0.08 t/万元
    last = progress(_target(), INTENSITY, {2020: 1.00, 2025: 0.90}, "t CO2/万元")
    assert last.target_exceedance_pct == pytest.approx(9.7561, abs=1e-4)
    assert last.target_gap == pytest.approx(0.08, abs=1e-12)
    assert last.status == "missed"


def test_on_track_when_task_reaches_time_and_in_another_unit() -> None:
    # 0.892 t/万元 = 0.0892 kg/元: reduction 10.8 % = 60 % of 18 % after 60 % of the time
    p = progress(_target(), INTENSITY, {2020: 0.1, 2023: 0.0892}, "kg CO2/元")
    assert p.actual == pytest.approx(0.892, rel=1e-12)
    assert p.task_achieved_pct == pytest.approx(60.0, abs=1e-9)
    assert p.status == "on_track"


def test_base_value_given_and_last_year_met_or_missed() -> None:
    t = _target(base_value=1.0)
    assert progress(t, INTENSITY, {2025: 0.82}, "t CO2/万元").status == "met"
    missed = progress(t, INTENSITY, {2025: 0.83}, "t CO2/万元")
    assert missed.status == "missed"
    assert missed.required_rate_pct is None  # no year remains
    assert missed.achieved_rate_pct == pytest.approx(100 * (0.83 ** (1 / 5) - 1), rel=1e-12)


def test_floor_target_on_a_higher_is_better_indicator() -> None:
    # forest cover at least 63 % in 2025 from 60 % in 2020; 61.5 % in 2023:
    # task (60 − 61.5)/(60 − 63) = 50 % after 60 % of the time: 10 points behind
    # rates: achieved (61.5/60)^(1/3) − 1 = 0.8265 %/a; required (63/61.5)^(1/2) − 1 = 1.2121 %/a
    # gap (higher is better) required − achieved = 0.3856 points
    t = _target(
        indicator="forest_cover_pct", kind="floor", value=63.0, value_unit="%", base_value=60.0
    )
    p = progress(t, FOREST, {2023: 61.5}, "%")
    assert p.task_achieved_pct == pytest.approx(50.0, abs=1e-9)
    assert p.schedule_gap_pp == pytest.approx(10.0, abs=1e-9)
    assert p.achieved_rate_pct == pytest.approx(0.8265, abs=1e-4)
    assert p.required_rate_pct == pytest.approx(1.2121, abs=1e-4)
    assert p.rate_gap_pp == pytest.approx(0.3856, abs=1e-4)
    assert p.status == "behind" and p.target_gap is None
    # an annual floor (at least 63 % every year) binds in 2023 already: 63 − 61.5 = 1.5 short
    annual = progress(t.model_copy(update={"annual": True}), FOREST, {2023: 61.5}, "%")
    assert annual.target_gap == pytest.approx(1.5, abs=1e-12)
    assert annual.target_exceedance_pct == pytest.approx(100 * 1.5 / 63, rel=1e-12)
    assert annual.status == "behind"
    assert progress(t.model_copy(update={"annual": True}), FOREST, {2023: 63.5}, "%").status == (
        "on_track"
    )


def test_ceiling_without_base_is_judged_by_the_level() -> None:
    t = _target(kind="ceiling", value=0.85, value_unit="t CO2/万元", base_year=None)
    within = progress(t, INTENSITY, {2022: 0.84}, "t CO2/万元")
    assert (within.task_achieved_pct, within.achieved_rate_pct, within.status) == (
        None,
        None,
        "on_track",
    )
    assert within.time_elapsed_pct == pytest.approx(40.0)  # counted from 2020, the year before
    assert progress(t, INTENSITY, {2022: 0.86}, "t CO2/万元").status == "behind"


def test_bad_input_is_named() -> None:
    t = _target()
    with pytest.raises(
        InputError,
        match=r"target 't': observed year\(s\) 2019, 2026 outside "
        r"the target's span 2020–2025",
    ):
        progress(t, INTENSITY, {2019: 1.0, 2020: 1.0, 2026: 0.8}, "t CO2/万元")
    with pytest.raises(
        InputError, match="target 't': year 2020 is outside the target's period 2021–2025"
    ):
        progress(t, INTENSITY, {2020: 1.0, 2021: 0.9}, "t CO2/万元", year=2020)
    with pytest.raises(
        InputError,
        match=r"unit '万元' does not measure the same quantity as "
        r"'t CO2/万元' \(the indicator's unit\)",
    ):
        progress(t, INTENSITY, {2020: 1.0, 2021: 0.9}, "万元")
    with pytest.raises(InputError, match="the value of base year 2020 is needed"):
        progress(t, INTENSITY, {2021: 0.9}, "t CO2/万元")
    with pytest.raises(InputError, match=r"observed value missing or not finite in 2021"):
        progress(t, INTENSITY, {2020: 1.0, 2021: math.nan}, "t CO2/万元")
    with pytest.raises(InputError, match="is on indicator 'co2_intensity', not 'forest_cover_pct'"):
        progress(t, FOREST, {2020: 1.0, 2021: 0.9}, "%")


@given(
    x=st.floats(0.5, 1.5),
    dx=st.floats(1e-6, 0.5),
    kind=st.sampled_from(["ceiling", "reduction_pct"]),
)
def test_progress_monotone_in_the_observed_value(x: float, dx: float, kind: str) -> None:
    """A higher observed value never looks better against a ceiling or a reduction."""
    t = (
        _target(kind="ceiling", value=0.9, value_unit="t CO2/万元", base_value=1.2)
        if kind == "ceiling"
        else _target()
    )
    lo = progress(t, INTENSITY, {2020: 1.2, 2023: x}, "t CO2/万元")
    hi = progress(t, INTENSITY, {2020: 1.2, 2023: x + dx}, "t CO2/万元")
    assert hi.task_achieved_pct is not None and lo.task_achieved_pct is not None
    assert hi.task_achieved_pct < lo.task_achieved_pct
    assert hi.schedule_gap_pp is not None and lo.schedule_gap_pp is not None
    assert hi.schedule_gap_pp > lo.schedule_gap_pp
    assert hi.rate_gap_pp is not None and lo.rate_gap_pp is not None
    assert hi.rate_gap_pp > lo.rate_gap_pp
    lo_end = progress(t, INTENSITY, {2020: 1.2, 2025: x}, "t CO2/万元")
    hi_end = progress(t, INTENSITY, {2020: 1.2, 2025: x + dx}, "t CO2/万元")
    assert hi_end.target_gap is not None and lo_end.target_gap is not None
    assert hi_end.target_gap > lo_end.target_gap
    order = ["on_track", "behind"]
    assert order.index(hi.status) >= order.index(lo.status)


@settings(deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8), st.integers(1, 4))
def test_adverse_years_agrees_with_the_assessments_decline_rule(
    values: list[float], years: int
) -> None:
    """The GEP assessment's "declined n years running" is adverse_years ≥ n on a complete
    series of a higher-is-better metric (the mapping of docs/decisions/0032)."""
    by_year = {2015 + i: v for i, v in enumerate(values)}
    assert declined(values, years) == (adverse_years(by_year, "higher_is_better") >= years)
