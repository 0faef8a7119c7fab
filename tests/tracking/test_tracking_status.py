"""Status of a target by the required-growth method and the linear path, on cases worked
out by hand: on track, at risk, off track, a target already met, one impossible to meet
and one whose deadline passed; bad input named (no baseline, units that do not convert).

Tolerances: 1e-4 relative, the hand figures being written to 4–5 significant digits."""

from __future__ import annotations

import pytest

from ganpo.errors import InputError
from ganpo.tracking.model import Indicator, Target
from ganpo.tracking.status import assess

COVER = Indicator(
    key="cover",
    name_zh="森林覆盖率",
    name_en="forest cover",
    unit="%",
    direction="higher_is_better",
)
INTENSITY = Indicator(
    key="intensity",
    name_zh="单位地区生产总值二氧化碳排放",
    name_en="CO2 per GDP",
    unit="t CO2/万元",
    direction="lower_is_better",
)


def floor(value: float, *, base: float | None = 60.0, **kw: object) -> Target:
    """Cover at least ``value`` % in 2026, counted from 2023."""
    data: dict[str, object] = {
        "key": "cover-2026",
        "indicator": "cover",
        "unit_code": 360000,
        "period": (2024, 2026),
        "kind": "floor",
        "value": value,
        "value_unit": "%",
        "base_year": 2023,
        "base_value": base,
        "source": "test",
        "status": "synthetic",
    }
    data.update(kw)
    return Target.model_validate(data)


# 60 % in 2023 → 66 % in 2026: required (66/60)^(1/3) − 1 = 3.2280 % a year
REQUIRED = 3.2280


@pytest.mark.parametrize(
    ("value_2024", "growth", "linear"),
    [
        # achieved 62.5/60 − 1 = 4.1667 %: ratio 4.1667/3.2280 = 1.2908; task 2.5/6 = 41.67 %
        # of the time 1/3: 1.25
        (62.5, ("on_track", 1.2908), ("on_track", 1.25)),
        # 61.95/60 − 1 = 3.25 %: 1.0068, on track by growth; task 1.95/6 = 32.5 % against
        # 33.3 %: 0.975, at risk on the straight line (the compound path is convex)
        (61.95, ("on_track", 1.0068), ("at_risk", 0.975)),
        # 61.2/60 − 1 = 2.0 %: 0.6196; task 1.2/6 = 20 %: 0.6
        (61.2, ("at_risk", 0.6196), ("at_risk", 0.6)),
        # the wrong way: 59.5/60 − 1 = −0.8333 %: −0.25816; task −0.5/6: −0.25
        (59.5, ("off_track", -0.25816), ("off_track", -0.25)),
    ],
)
def test_floor_graded_by_both_methods(
    value_2024: float, growth: tuple[str, float], linear: tuple[str, float]
) -> None:
    g = assess(floor(66.0), COVER, {2024: value_2024}, "%", method="required_growth")
    line = assess(floor(66.0), COVER, {2024: value_2024}, "%", method="linear")
    assert g.required_rate_pct == pytest.approx(REQUIRED, rel=1e-4)
    assert (g.status, g.ratio) == (growth[0], pytest.approx(growth[1], rel=1e-4))
    assert (line.status, line.ratio) == (linear[0], pytest.approx(linear[1], rel=1e-4))
    assert g.reason == line.reason == "ratio"
    assert line.time_elapsed_pct == pytest.approx(100 / 3)


@pytest.mark.parametrize("method", ["required_growth", "linear"])
def test_a_target_already_met_is_achieved(method: str) -> None:
    a = assess(floor(66.0), COVER, {2024: 66.5}, "%", method=method)  # type: ignore[arg-type]
    assert (a.status, a.reason, a.ratio) == ("achieved", "target_met", None)
    assert (a.actual, a.target_value, a.year) == (66.5, 66.0, 2024)


@pytest.mark.parametrize("method", ["required_growth", "linear"])
def test_a_target_impossible_to_meet_is_off_track(method: str) -> None:
    # 63.1 % in 2023 → 90 % in 2026 needs (90/63.1)^(1/3) − 1 = 12.565 % a year; 63.2 in
    # 2025 is (63.2/63.1)^(1/2) − 1 = 0.0792 % a year: ratio 0.0063; the last year would
    # need 90/63.2 − 1 = 42.41 %; on the line: task 0.1/26.9 = 0.37 % of 2/3 the time
    a = assess(floor(90.0, base=63.1), COVER, {2025: 63.2}, "%", method=method)  # type: ignore[arg-type]
    assert a.status == "off_track" and a.reason == "ratio"
    assert a.required_rate_pct == pytest.approx(12.5653, rel=1e-4)
    assert a.achieved_rate_pct == pytest.approx(0.079208, rel=1e-4)
    assert a.remaining_rate_pct == pytest.approx(42.405, rel=1e-4)
    expected = 0.0063037 if method == "required_growth" else 0.0055762
    assert a.ratio == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("method", ["required_growth", "linear"])
def test_a_deadline_passed_and_missed_is_off_track(method: str) -> None:
    a = assess(floor(66.0), COVER, {2025: 63.0, 2026: 64.0}, "%", year=2027, method=method)  # type: ignore[arg-type]
    assert (a.year, a.status, a.reason, a.ratio) == (2026, "off_track", "deadline_missed", None)


def test_an_annual_floor_missed_in_a_year_is_off_track() -> None:
    a = assess(floor(63.0, annual=True), COVER, {2024: 62.9}, "%")
    assert (a.status, a.reason) == ("off_track", "annual_missed")
    assert assess(floor(63.0, annual=True), COVER, {2024: 63.0}, "%").status == "achieved"


def test_a_baseline_within_the_target_then_left_is_off_track() -> None:
    a = assess(floor(63.0, base=64.0), COVER, {2024: 62.0}, "%")
    assert (a.status, a.reason, a.ratio) == ("off_track", "slipped_back", None)


def test_an_intensity_reduction_by_both_methods() -> None:
    t = Target(
        key="intensity-2025",
        indicator="intensity",
        unit_code=360100,
        period=(2021, 2025),
        kind="reduction_pct",
        value=18.0,
        value_unit="%",
        base_year=2020,
        base_value=1.0,
        source="test",
        status="synthetic",
    )
    # T = 0.82; 0.90 in 2023: achieved 0.9^(1/3) − 1 = −3.4511 %, required
    # 0.82^(1/5) − 1 = −3.8913 %: ratio 0.8869; task 0.10/0.18 = 55.6 % of 60 %: 0.9259
    g = assess(t, INTENSITY, {2023: 0.90}, "t CO2/万元")
    line = assess(t, INTENSITY, {2023: 0.90}, "t CO2/万元", method="linear")
    assert g.target_value == pytest.approx(0.82)
    assert (g.achieved_rate_pct, g.required_rate_pct) == (
        pytest.approx(-3.4511, rel=1e-4),
        pytest.approx(-3.8913, rel=1e-4),
    )
    assert (g.status, g.ratio) == ("at_risk", pytest.approx(0.88687, rel=1e-4))
    assert (line.status, line.ratio) == ("at_risk", pytest.approx(0.92593, rel=1e-4))
    # the same values given in kg CO2 per yuan (1 t/万元 = 0.1 kg/元) are converted
    again = assess(t, INTENSITY, {2023: 0.090}, "kg CO2/元")
    assert again.ratio == pytest.approx(g.ratio)


def test_a_target_in_another_unit_than_its_series_is_converted() -> None:
    # 0.66 as a fraction is 66 %: the same as test_floor_graded_by_both_methods' first case
    a = assess(floor(0.66, value_unit="1"), COVER, {2024: 62.5}, "%")
    assert (a.target_value, a.status) == (pytest.approx(66.0), "on_track")
    assert a.ratio == pytest.approx(1.2908, rel=1e-4)


def test_a_target_in_a_unit_that_does_not_convert_names_both_units() -> None:
    with pytest.raises(InputError, match=r"'t CO2/万元'.*'%'|'%'.*'t CO2/万元'") as exc:
        assess(floor(0.66, value_unit="t CO2/万元"), COVER, {2024: 62.5}, "%")
    assert "目标值单位" in str(exc.value)
    with pytest.raises(InputError, match=r"unit 'kg' does not measure the same quantity as '%'"):
        assess(floor(66.0), COVER, {2024: 62.5}, "kg")


def test_a_unit_refusal_quoted_keeps_its_english_in_the_english_half() -> None:
    """The target's refusal quotes the unit check's English in its English half and says
    its own Chinese in the Chinese half (the whole quoted refusal, Chinese included, was
    once the English half)."""
    with pytest.raises(InputError) as target_unit:
        assess(floor(0.66, value_unit="t CO2/万元"), COVER, {2024: 62.5}, "%")
    with pytest.raises(InputError) as observed_unit:
        assess(floor(66.0), COVER, {2024: 62.5}, "kg")
    assert target_unit.value.en == (
        "target 'cover-2026', field value_unit: unit 't CO2/万元' does not measure the same "
        "quantity as '%' (the indicator's unit); give the values in '%'"
    )
    assert target_unit.value.zh == "目标“cover-2026”的目标值单位“t CO2/万元”不能换算为指标单位“%”"
    assert observed_unit.value.en == (
        "target 'cover-2026': observed values: unit 'kg' does not measure the same quantity "
        "as '%' (the indicator's unit); give the values in '%'"
    )
    assert observed_unit.value.zh.startswith("目标“cover-2026”的观测值单位“kg”")
    for exc in (target_unit.value, observed_unit.value):
        assert str(exc) == f"{exc.en} / {exc.zh}" and str(exc).count(" / ") == 1


def test_an_indicator_without_a_baseline_is_named() -> None:
    with pytest.raises(InputError) as exc:
        assess(floor(66.0, base=None), COVER, {2024: 62.5}, "%")
    text = str(exc.value)
    assert "indicator 'cover' (forest cover) has no baseline for unit 360000" in text
    assert "森林覆盖率" in text and "缺少基期值" in text
    # the value of the base year observed gives the baseline
    a = assess(floor(66.0, base=None), COVER, {2023: 60.0, 2024: 62.5}, "%")
    assert a.base_value == 60.0 and a.status == "on_track"


def test_a_year_without_a_value_is_named() -> None:
    with pytest.raises(InputError, match=r"no observed value of indicator 'cover'.*2025"):
        assess(floor(66.0), COVER, {2024: 62.5}, "%", year=2025)
