"""Warnings at each threshold: just below, at and just above (docs/tracking.md, "Warnings")."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.tracking.budget import budget
from ganpo.tracking.dual_control import register
from ganpo.tracking.early_warning import (
    COLUMNS,
    adverse_warnings,
    evaluate,
    level_reached,
    warnings_table,
)
from ganpo.tracking.model import Indicator, Target, WarningRule
from ganpo.tracking.progress import progress

IND = Indicator(
    key="co2_intensity",
    name_zh="单位地区生产总值二氧化碳排放",
    name_en="CO₂ emissions per unit of GDP",
    unit="t CO2/万元",
    unit_zh="吨二氧化碳/万元",
    unit_en="t CO₂ per 10,000 yuan",
    direction="lower_is_better",
)
# thresholds in binary fractions, so the gap computed from the values below is exact
RULE = WarningRule.model_validate(
    {
        "key": "schedule",
        "measure": "schedule_gap_pp",
        "levels": [
            {
                "level": "red",
                "name_zh": "红色（一级）",
                "name_en": "red (level 1)",
                "threshold": 25.0,
            },
            {
                "level": "orange",
                "name_zh": "橙色（二级）",
                "name_en": "orange (level 2)",
                "threshold": 12.5,
            },
            {
                "level": "yellow",
                "name_zh": "黄色（三级）",
                "name_en": "yellow (level 3)",
                "threshold": 6.25,
            },
        ],
    }
)
# a 25 % reduction from 64 (target 48) over 2021–2028; in 2024 half the time has elapsed, so
# the gap is 50 − 100 × (64 − x)/16 points: x = 57 → 6.25, 58 → 12.5, 60 → 25
TARGET = Target(
    key="t",
    indicator="co2_intensity",
    unit_code=360100,
    period=(2021, 2028),
    kind="reduction_pct",
    value=25.0,
    value_unit="%",
    base_year=2020,
    base_value=64.0,
    source="test",
    status="synthetic",
)


def _level(x: float, rule: WarningRule = RULE) -> str | None:
    found = evaluate([rule], IND, progress(TARGET, IND, {2024: x}, "t CO2/万元"))
    assert len(found) <= 1  # one warning per cause
    return found[0].level if found else None


@pytest.mark.parametrize(
    ("x", "level"),
    [
        (56.99, None),  # gap 6.1875
        (57.0, "yellow"),  # 6.25
        (57.01, "yellow"),  # 6.3125
        (57.99, "yellow"),  # 12.4375
        (58.0, "orange"),  # 12.5
        (58.01, "orange"),
        (59.99, "orange"),  # 24.9375
        (60.0, "red"),  # 25
        (60.01, "red"),
    ],
)
def test_schedule_levels_at_the_boundaries(x: float, level: str | None) -> None:
    assert _level(x) == level


def test_a_strict_rule_needs_the_threshold_passed() -> None:
    strict = RULE.model_copy(update={"strict": True})
    assert [_level(x, strict) for x in (57.0, 57.01, 60.0, 60.01)] == [
        None,
        "yellow",
        "orange",
        "red",
    ]


def test_warning_carries_its_numbers_and_messages() -> None:
    (w,) = evaluate(
        [RULE],
        IND,
        progress(TARGET, IND, {2024: 60.0}, "t CO2/万元"),
        unit_names={360100: "南昌市"},
    )
    assert (w.level, w.indicator, w.unit_code, w.year, w.target) == (
        "red",
        "co2_intensity",
        360100,
        2024,
        "t",
    )
    assert (w.value, w.threshold, w.actual, w.target_value) == (25.0, 25.0, 60.0, 48.0)
    assert w.message_zh == (
        "南昌市2024年单位地区生产总值二氧化碳排放：时间进度50.0%，任务完成25.0%，落后25.0个百分点，"
        "达到红色（一级）预警阈值（25个百分点）。"
    )
    assert w.message_en == (
        "CO₂ emissions per unit of GDP, 南昌市, 2024: 50.0 % of the time elapsed, 25.0 % of the "
        "task achieved: 25.0 percentage points behind; red (level 1) warning (at or above the "
        "threshold of 25 percentage points)."
    )
    table = warnings_table([w])
    assert list(table.columns) == COLUMNS and len(table) == 1


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (4.999, None),
        (5.0, "yellow"),
        (5.001, "yellow"),
        (9.999, "yellow"),
        (10.0, "orange"),
        (19.999, "orange"),
        (20.0, "red"),
        (20.001, "red"),
    ],
)
def test_shipped_schedule_thresholds(value: float, level: str | None) -> None:
    rule = register().rules["schedule"]
    found = level_reached(rule, value)
    assert (found.level if found else None) == level


@pytest.mark.parametrize(
    ("used", "level"),
    # annual ceiling 1000 over 2021–2025: budget 5000; 2021–2023 used 3999 / 4000 / 4001 …
    [
        (3999.0, None),
        (4000.0, "yellow"),
        (4001.0, "yellow"),
        (4500.0, "orange"),
        (4999.0, "orange"),
        (5000.0, "red"),
        (5001.0, "red"),
    ],
)
def test_budget_levels_at_the_boundaries(used: float, level: str | None) -> None:
    reg = register()
    total = reg.indicator("co2_total")
    t = Target(
        key="b",
        indicator="co2_total",
        unit_code=360100,
        period=(2021, 2025),
        kind="ceiling",
        value=1000.0,
        value_unit="万t CO2",
        annual=True,
        source="test",
        status="synthetic",
    )
    b = budget(t, total, {2021: 1000.0, 2022: 1000.0, 2023: used - 2000.0}, "万t CO2")
    found = evaluate(reg.rules.values(), total, b)
    assert [w.level for w in found] == ([level] if level else [])
    if level:
        assert found[0].message_zh.startswith(
            "360100（区划代码）2023年二氧化碳排放总量：2021—2025年预算5,000万吨二氧化碳"
        )


def test_exceedance_warning_is_strict_and_names_above_or_below() -> None:
    reg = register()
    total = reg.indicator("co2_total")
    t = Target(
        key="x",
        indicator="co2_total",
        unit_code=360100,
        year=2024,
        kind="ceiling",
        value=4000.0,
        value_unit="万t CO2",
        source="test",
        status="synthetic",
    )

    def level(x: float) -> list[str]:
        p = progress(t, total, {2024: x}, "万t CO2")
        return [w.level for w in evaluate(reg.rules.values(), total, p)]

    # exceedance (x − 4000)/4000: 0 → none (strict), 5 % → yellow (strict), 10 % → orange
    assert level(4000.0) == [] and level(4000.4) == ["yellow"]
    assert level(4200.0) == ["yellow"] and level(4200.4) == ["orange"]
    assert level(4400.0) == ["orange"] and level(4400.4) == ["red"]
    p = progress(t, total, {2024: 4400.4}, "万t CO2")
    (w,) = evaluate(reg.rules.values(), total, p)
    assert "实际值4,400万吨二氧化碳，目标值4,000万吨二氧化碳，超出目标10.0%" in w.message_zh


def test_adverse_years_warning_replaces_the_decline_rule() -> None:
    forest = Indicator(
        key="good_air_days_pct",
        name_zh="空气质量优良天数比率",
        name_en="share of days with good air quality",
        unit="%",
        direction="higher_is_better",
    )
    rule = WarningRule.model_validate(
        {
            "key": "decline",
            "measure": "adverse_years",
            "levels": [{"level": "l1", "name_zh": "一级", "name_en": "level 1", "threshold": 2}],
        }
    )
    # 90 → 88 → 85: two declines running
    (w,) = adverse_warnings([rule], forest, 361000, {2021: 90.0, 2022: 88.0, 2023: 85.0}, "%")
    assert (w.value, w.year, w.actual) == (2.0, 2023, 85.0)
    assert (
        w.message_zh
        == "361000（区划代码）2023年空气质量优良天数比率：连续2年下降（90 → 88 → 85%），达到一级预警阈值（2年）。"
    )
    assert adverse_warnings([rule], forest, 361000, {2021: 90.0, 2022: 88.0, 2023: 88.5}, "%") == []


@settings(deadline=None)
@given(value=st.floats(-100, 100), below=st.floats(-100, 100))
def test_an_annual_floor_with_a_strict_gap_rule_is_the_assessments_below_rule(
    value: float, below: float
) -> None:
    """The GEP assessment warns when a metric is below a threshold (``value < below``); on
    the tracking module that is an annual floor at the threshold and a strict rule on the
    target gap at 0 (the mapping of docs/decisions/0032)."""
    ind = Indicator(
        key="gep_growth_pct",
        name_zh="GEP增长率",
        name_en="GEP growth",
        unit="%",
        direction="higher_is_better",
    )
    floor = Target(
        key="f",
        indicator="gep_growth_pct",
        unit_code=360100,
        year=2023,
        kind="floor",
        value=below,
        value_unit="%",
        annual=True,
        source="green-development-index",
        status="adopted",
    )
    rule = WarningRule.model_validate(
        {
            "key": "below",
            "measure": "target_gap",
            "strict": True,
            "levels": [
                {"level": "warning", "name_zh": "预警", "name_en": "warning", "threshold": 0.0}
            ],
        }
    )
    found = evaluate([rule], ind, progress(floor, ind, {2023: value}, "%"))
    assert bool(found) == (value < below)
