"""Dual control: intensity from emissions and constant-price GDP, standing of a city's
targets, and the project what-if (项目碳评价), worked by hand. Synthetic numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ganpo.errors import InputError
from ganpo.tracking.dual_control import (
    intensity_table,
    overview,
    project_what_if,
    register,
    standing,
)
from ganpo.tracking.registry import Registry

# a synthetic city: emissions [万t CO2] and GDP [亿元, constant 2020 prices]
EMISSIONS = pd.DataFrame(
    {
        "unit_code": [360100] * 4,
        "year": [2020, 2021, 2022, 2023],
        "co2": [4000.0, 4050.0, 4100.0, 4200.0],
    }
)
GDP = pd.DataFrame(
    {
        "unit_code": [360100] * 4,
        "year": [2020, 2021, 2022, 2023],
        "gdp": [5000.0, 5300.0, 5600.0, 6000.0],
        "price_year": [2020] * 4,
    }
)
TARGETS = """
[[targets]]
key = "intensity-14th-fyp"
indicator = "co2_intensity"
unit_code = 360100
period = [2021, 2025]
kind = "reduction_pct"
value = 18.0
value_unit = "%"
base_year = 2020
source = "synthetic, after the national 14th five-year plan's 18 % reduction"
status = "synthetic"

[[targets]]
key = "total-ceiling"
indicator = "co2_total"
unit_code = 360100
period = [2021, 2025]
kind = "ceiling"
value = 4400.0
value_unit = "万t CO2"
annual = true
source = "synthetic"
status = "synthetic"
"""


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS, encoding="utf-8")
    reg = register()
    reg.load(path)
    return reg


def test_intensity_table() -> None:
    t = intensity_table(EMISSIONS, GDP)
    # 2020: 4000 万t / 5000 亿元 = 4000e4 t / 5000e4 万元 = 0.8 t/万元; 2023: 4200/6000 = 0.7
    assert t["co2_intensity"].tolist() == pytest.approx([0.8, 4050 / 5300, 4100 / 5600, 0.7])
    assert t.attrs["price_year"] == 2020 and set(t["price_year"]) == {2020}
    # the same GDP in 万元 and emissions in t give the same intensity
    other = intensity_table(
        EMISSIONS.assign(co2=EMISSIONS["co2"] * 1e4),
        GDP.assign(gdp=GDP["gdp"] * 1e4),
        emissions_unit="t CO2",
        gdp_unit="万元",
    )
    assert other["co2_intensity"].tolist() == pytest.approx(t["co2_intensity"].tolist())
    assert other["co2_total"].tolist() == pytest.approx(EMISSIONS["co2"].tolist())


def test_intensity_table_bad_input() -> None:
    with pytest.raises(
        InputError,
        match="constant prices of one year for the whole table; price_year holds 2020, 2023",
    ):
        intensity_table(EMISSIONS, GDP.assign(price_year=[2020, 2020, 2020, 2023]))
    with pytest.raises(
        InputError, match=r"GDP table has no row for unit and year \(360100, 2023\)"
    ):
        intensity_table(EMISSIONS, GDP.iloc[:3])
    with pytest.raises(
        InputError, match=r"GDP must be positive; it is not for unit and year \(360100, 2021\)"
    ):
        intensity_table(EMISSIONS, GDP.assign(gdp=[5000.0, 0.0, 5600.0, 6000.0]))
    with pytest.raises(
        InputError, match=r"emissions table: unit and year given more than once: \(360100, 2020\)"
    ):
        intensity_table(pd.concat([EMISSIONS, EMISSIONS.iloc[:1]]), GDP)
    with pytest.raises(InputError, match="GDP table lacks column\\(s\\) price_year"):
        intensity_table(EMISSIONS, GDP.drop(columns="price_year"))
    with pytest.raises(InputError, match="unit 'm3' does not measure the same quantity as '亿元'"):
        intensity_table(EMISSIONS, GDP, gdp_unit="m3")


def test_standing_of_the_city(registry: Registry) -> None:
    s = standing(registry, intensity_table(EMISSIONS, GDP), 360100, 2023)
    (intensity,) = [p for p in s.progress if p.indicator == "co2_intensity"]
    # 1 − 0.7/0.8 = 12.5 % of 18 %: task 69.444 % after 60 % of the time: on track
    assert intensity.task_achieved_pct == pytest.approx(69.4444, abs=1e-4)
    assert intensity.status == "on_track"
    (b,) = s.budgets
    # annual ceiling 4400 × 5 = 22000; used 4050 + 4100 + 4200 = 12350 (56.136 %);
    # 9650 left at 4200 a year: 2.298 → 3 years → 2026
    assert (b.budget, b.used, b.exhaustion_year) == (22000.0, 12350.0, 2026)
    assert s.warnings == []


def test_project_what_if(registry: Registry) -> None:
    table = intensity_table(EMISSIONS, GDP)
    w = project_what_if(
        registry, table, 360100, 300.0, added_gdp=50.0, unit_names={360100: "南昌市"}
    )
    # total 4200 + 300 = 4500 万t; intensity 4500/6050 = 0.743802 t/万元
    assert (w.year, w.total_before, w.total_after) == (2023, 4200.0, 4500.0)
    assert w.intensity_after == pytest.approx(0.743802, abs=1e-6)
    rows = w.table().set_index("target")
    # reduction 1 − 0.743802/0.8 = 7.0248 %, task 7.0248/18 = 39.0266 % after 60 % of the time:
    # 20.97 points behind → red; achieved rate 0.929752^(1/3) − 1 = −2.3987 %/a, required
    # (0.656/0.743802)^(1/2) − 1 = −6.0875 %/a: 3.69 points short → red
    assert rows.at["intensity-14th-fyp", "task_achieved_pct_after"] == pytest.approx(
        39.0266, abs=1e-4
    )
    assert rows.at["intensity-14th-fyp", "required_rate_pct_after"] == pytest.approx(
        -6.0875, abs=1e-4
    )
    assert rows.loc["intensity-14th-fyp", ["status_before", "status_after"]].tolist() == [
        "on track",
        "behind schedule",
    ]
    # the total: 4500 is (4500 − 4400)/4400 = 2.27 % above the 2025 ceiling → yellow
    assert rows.at["total-ceiling", "actual_after"] == 4500.0
    crossed = {(x.rule, x.target): x.level for x in w.crossed}
    assert crossed == {
        ("schedule", "intensity-14th-fyp"): "red",
        ("rate", "intensity-14th-fyp"): "red",
        ("exceedance", "total-ceiling"): "yellow",
    }
    # the budget: 12650 of 22000 used (57.5 %), 9350 left at 4500 → 2.08 → 3 → 2026
    (b,) = w.after.budgets
    assert (b.used, b.exhaustion_year) == (12650.0, 2026)
    assert w.summary("zh") == (
        "项目每年新增二氧化碳排放300万吨、地区生产总值50亿元（2020年不变价）：南昌市2023年"
        "二氧化碳排放总量由4,200万吨增至4,500万吨，单位地区生产总值二氧化碳排放由0.7000变为"
        "0.7438吨/万元；新增或升级预警3项。"
    )
    assert w.summary("en").endswith("3 warning(s) raised or made more severe.")
    (red,) = [x for x in w.crossed if x.rule == "schedule"]
    assert red.message_zh.startswith(
        "南昌市2023年单位地区生产总值二氧化碳排放：时间进度60.0%，任务完成39.0%"
    )


def test_small_project_crosses_nothing(registry: Registry) -> None:
    w = project_what_if(registry, intensity_table(EMISSIONS, GDP), 360100, 1.0, added_gdp=10.0)
    assert w.crossed == [] and w.after.warnings == []
    assert w.summary("en").endswith("no warning raised or made more severe.")
    assert "unit 360100's total in 2023 goes from 4,200 to 4,201" in w.summary("en")


def test_what_if_bad_input(registry: Registry) -> None:
    table = intensity_table(EMISSIONS, GDP)
    with pytest.raises(InputError, match="no emissions and GDP for unit 360200"):
        project_what_if(registry, table, 360200, 10.0)
    with pytest.raises(InputError, match="no emissions and GDP for unit 360100 in 2024"):
        project_what_if(registry, table, 360100, 10.0, year=2024)
    with pytest.raises(InputError, match="added emissions and GDP are 0 or more"):
        project_what_if(registry, table, 360100, -10.0)
    with pytest.raises(InputError, match="project emissions: unit '万元' does not measure"):
        project_what_if(registry, table, 360100, 10.0, co2_unit="万元")


def test_overview_of_every_unit(registry: Registry, tmp_path: Path) -> None:
    # a second city whose intensity did not fall: 0.8 in 2020 and 2023, task 0 % after 60 %
    # of the time: 60 points behind → red; rate 0 against (0.656/0.8)^(1/2) − 1 = √0.82 − 1 = 0.905539 − 1 = −9.4461 %
    second = tmp_path / "second.toml"
    second.write_text(
        TARGETS.split("[[targets]]")[1]
        .join(["[[targets]]", ""])
        .replace("intensity-14th-fyp", "jiujiang-intensity")
        .replace("360100", "360400"),
        encoding="utf-8",
    )
    registry.load(second)
    emissions = pd.concat(
        [EMISSIONS, EMISSIONS.assign(unit_code=360400, co2=[800.0, 820.0, 840.0, 880.0])]
    )
    gdp = pd.concat([GDP, GDP.assign(unit_code=360400, gdp=[1000.0, 1030.0, 1060.0, 1100.0])])
    o = overview(registry, intensity_table(emissions, gdp), 2023, unit_names={360400: "九江市"})
    assert o.progress["target"].tolist() == [
        "total-ceiling",
        "intensity-14th-fyp",
        "jiujiang-intensity",
    ]
    assert o.progress["status_zh"].tolist() == ["进度正常", "进度正常", "进度滞后"]
    assert o.progress["status"].tolist() == ["on track", "on track", "behind schedule"]
    assert o.budgets["target"].tolist() == ["total-ceiling"]
    assert bool(o.budgets["exhausted_within_period"].iloc[0]) is False
    got = {(r.unit_code, r.rule, r.level) for r in o.warnings.itertuples()}
    assert got == {(360400, "schedule", "red"), (360400, "rate", "red")}
    (rate,) = [r for r in o.warnings.itertuples() if r.rule == "rate"]
    assert rate.value == pytest.approx(9.4461, abs=1e-4)
    assert rate.message_en.startswith(
        "CO₂ emissions per unit of GDP, 九江市, 2023: annual change +0.00 %"
    )
    assert overview(registry, intensity_table(emissions, gdp), 2026).progress.empty
