"""The account's plausibility checks of its tables (docs/decisions/0027) on the tiny
dataset: a fluctuation against last year's table is a Decision with the county's unit
code, a unit error refuses the run, an explanation a reviewer accepted is an override, and
the reference check compares the forestry table with the extent of the raster pass.

Tiny counties are 4 cells of 1 hm² (0.04 km²): county A (360101) has 2 forest cells and 1
shrub cell, B (360102) 1 forest and 1 grassland cell (tests/tinydata.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ganpo.engine.account import run_account
from ganpo.errors import TableCheckError
from ganpo.io.manifest import TableOverride, load_manifest, write_manifest

A, B = 360101, 360102
TOURISM_2023 = (  # A's visits and revenue doubled since 2022 (3 → 6 万人次, 0.25 → 0.5 亿元)
    "county_adcode,county_name,visits,tourism_revenue,trip_hours,hourly_wage,trip_cost\n"
    "360101,甲县,6.0,0.5,5.0,30.0,400.0\n360102,乙县,1.0,0.05,2.0,30.0,100.0\n"
)


def two_years(tiny: Callable[..., Path], tourism_2023: str = TOURISM_2023) -> Path:
    return tiny(more_years={2023: {"tables": {"tourism": tourism_2023}}})


def test_a_fluctuation_since_last_year_is_a_decision_of_the_county(
    tiny: Callable[..., Path],
) -> None:
    acc = run_account(two_years(tiny), 2023)
    fluct = {(d.subject, d.unit_code): d for d in acc.decisions if d.kind == "fluctuation"}
    assert set(fluct) == {
        ("tourism.visits", A),
        ("tourism.visits", None),  # the column's total: 4 → 7 万人次
        ("tourism.tourism_revenue", A),
        ("tourism.tourism_revenue", None),  # 0.3 → 0.55 亿元
    }
    d = fluct[("tourism.visits", A)]
    assert d.basis == "rule" and d.source is not None and d.source.endswith("tourism.csv")
    assert d.message_en == (
        "tourism, county 360101 (甲县): tourist visits 6 10^4 visits changed by +100 % on "
        "2022's 3 10^4 visits; the usual change lies within -50 % and +50 % (visits swing "
        "with new attractions, events and closures: up to half in a year); accepted: a "
        "change beyond the usual band but not a unit error; the value is used as reported."
    )
    assert d.message_zh == (
        "旅游接待，甲县（360101）：旅游人次 6 万人次，比 2022 年的 3 万人次变化 +100%，通常变化在 "
        "-50% 至 +50% 之间（接待人次随新景区、节庆和关闭变化，年度变化可达一半）；已接受：变化超出"
        "通常范围但不是单位错误，按报送值使用。"
    )
    # 2022 has no earlier table: nothing to compare, no fluctuation
    assert not [d for d in run_account(two_years(tiny), 2022).decisions if d.kind == "fluctuation"]


def test_a_unit_error_against_last_year_refuses_the_account(tiny: Callable[..., Path]) -> None:
    # revenue written in 万元 where the manifest says 亿元: 10^4 times last year's
    in_wan = TOURISM_2023.replace(",0.5,", ",2500,").replace(",0.05,", ",500,")
    with pytest.raises(TableCheckError) as info:
        run_account(two_years(tiny, in_wan), 2023)
    assert (
        "column tourism_revenue: tourism revenue of most counties is about 10^4 times 2022's "
        "(median ratio 10,000 over 2 counties); check the unit: it looks like values in 10^4 "
        "CNY (万元) written in a column of 10^8 CNY (亿元)"
    ) in info.value.values


def test_an_approved_explanation_is_an_override_decision(tiny: Callable[..., Path]) -> None:
    path = two_years(tiny)
    ds = load_manifest(path)
    entry = ds.manifest.table("tourism", 2023)
    assert entry is not None
    entry.overrides = [
        TableOverride(
            key="fluctuation.visits@360101",
            kind="fluctuation",
            subject="tourism.visits",
            unit_code=A,
            message_en="flagged on the platform",
            message_zh="平台标记",
            explanation="a new scenic area opened in 2023",
            explained_by="tourism",
            explained_at="2024-02-01T08:00:00+00:00",
            approved_by="reviewer",
            approved_at="2024-02-03T08:00:00+00:00",
            submission="submission 4 version 1",
        )
    ]
    write_manifest(ds.manifest, ds.root)
    acc = run_account(path, 2023)
    by = {(d.subject, d.unit_code): d for d in acc.decisions if d.kind == "fluctuation"}
    assert by[("tourism.visits", A)].basis == "override"
    assert by[("tourism.visits", A)].message_en.endswith(
        "explained by tourism (2024-02-01): “a new scenic area opened in 2023”; accepted by "
        "reviewer reviewer (2024-02-03); the value is used as reported."
    )
    assert by[("tourism.tourism_revenue", A)].basis == "rule"  # not explained: the rule's


def test_the_forestry_table_is_compared_with_the_extent_of_the_pass(
    tiny: Callable[..., Path],
) -> None:
    # B has 1 hm² of forest and 1 hm² of grassland; 1.5 hm² of grassland recovering
    forestry = (
        "county_adcode,forest_self_recovery_area,grassland_self_recovery_area\n"
        "360101,0.5,0\n360102,0.5,1.5\n"
    )
    acc = run_account(tiny(tables={"forestry": forestry}), 2022)
    [d] = [d for d in acc.decisions if d.kind == "logic"]
    assert (d.subject, d.unit_code, d.basis) == (
        "forestry.grassland_recovery_within_grassland",
        B,
        "rule",
    )
    assert "grassland area recovering without treatment 1.5 hm² is more than the grassland " in (
        d.message_en
    )
    assert "area of the ecosystem map in the county (1 hm²)" in d.message_en
    # more than the county's 4 hm²: refused
    with pytest.raises(TableCheckError, match=r"4\.5 hm² is more than the county's area"):
        run_account(
            tiny(tables={"forestry": forestry.replace("360102,0.5,1.5", "360102,3,1.5")}),
            2022,
        )


def test_a_table_per_township_is_judged_per_km2_of_each_township(
    tiny: Callable[..., Path],
) -> None:
    """Agriculture given per township (2 hm² each): 50 ×10⁴ CNY in 甲县一乡 is 2.5×10^7
    CNY per km² of the township, above the usual 2×10^7; the same value summed with its
    neighbour's 10 over the county's 4 hm² (1.5×10^7) would not be. The decision names the
    township and carries its code."""
    from tinydata import TOWNSHIPS, use_units

    towns = [code for code, *_ in TOWNSHIPS]
    text = "unit_code,unit_name,agriculture_output,forestry_output,animal_husbandry_output,"
    text += "fishery_output,agriculture_value_added,forestry_value_added,"
    text += "animal_husbandry_value_added,fishery_value_added\n"
    text += "".join(  # value added 30 % of the output: within its band per km² (test_table_checks)
        f"{code},x,{out},1.0,0.0,2.0,{0.3 * out},0.3,0.0,0.6\n"
        for code, out in zip(towns, (50, 10, 20, 20), strict=True)
    )
    path = tiny(tables={"agriculture": text})
    use_units(path, tables_level={"agriculture": "township"})
    acc = run_account(path, 2022)
    unusual = [d for d in acc.decisions if d.kind == "soft_range"]
    assert [(d.subject, d.unit_code) for d in unusual] == [
        ("agriculture.agriculture_output", towns[0])
    ]
    assert unusual[0].message_en.startswith(
        f"agriculture, forestry, animal husbandry and fishery output and value added, township "
        f"{towns[0]} "
        "(甲县一乡): agriculture output 50 10^4 CNY is 2.5×10^7 CNY per km² of the township "
        "(0.02 km²); more than the usual 2×10^7 CNY/km²"
    )
    assert "（乡镇面积 0.02 平方公里）" in unusual[0].message_zh
