"""Activity data against the inventory's region: a unit outside the region or a code that
is no administrative code is refused by name in every category; rows of two levels that
would double count are refused unless the level reported is named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from ganpo.carbon.agriculture import enteric_ch4, rice_ch4, soils_direct_n2o, soils_indirect_n2o
from ganpo.carbon.energy import (
    electricity_indirect_co2,
    fuel_combustion_co2,
    fuel_combustion_non_co2,
    unit_scale_findings,
)
from ganpo.carbon.industry import cement_co2, lime_co2
from ganpo.carbon.inputs import in_region
from ganpo.carbon.regions import region
from ganpo.carbon.waste import incineration_co2, landfill_ch4, wastewater_ch4
from ganpo.errors import InputError, TableError

JIANGXI = 360000


def _fuels(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["unit_code", "year", "category_code", "fuel", "quantity", "unit"]
    )


def _co2(e: Any) -> float:
    return float(e.table["quantity_t"].sum())


# ------------------------------------------------------------------ the region's units


def test_jiangxi_has_its_11_cities_and_100_counties() -> None:
    # the built-in Tianditu table: 11 prefecture-level cities, 100 county-level units
    r = region(JIANGXI)
    levels = pd.Series([u.level for u in r.units.values()]).value_counts()
    assert (r.name, levels["province"], levels["city"], levels["county"]) == ("江西省", 1, 11, 100)
    assert r.ancestors(360102) == [360100, 360000]
    assert r.ancestors(360102001) == [360102, 360100, 360000]
    # a 9-digit code under a city (not a county) is no township of the table
    assert r.unit(360100001) is None


def test_a_county_is_no_region() -> None:
    with pytest.raises(InputError, match="region 360102 is a county"):
        region(360102)
    with pytest.raises(InputError, match="region 999999 is not an adcode"):
        region(999999)


def test_a_city_region_has_its_own_counties_only() -> None:
    nanchang = region(360100)
    assert nanchang.unit(360102) is not None
    assert nanchang.unit(360202) is None  # 景德镇市 昌江区
    assert nanchang.unit(JIANGXI) is None


# ------------------------------------------------------------------ units in the region


def test_units_of_the_region_are_computed_as_without_a_region() -> None:
    # 1 万t clinker at county 360102 and 2 万t at township 360102001 of another year:
    # 10 000 × 0.51 × 1.02 = 5 202 t and 10 404 t CO2, region or not
    a = pd.DataFrame(
        {"unit_code": [360102, 360102001], "year": [2021, 2022], "quantity": [1, 2],
         "unit": ["万t", "万t"]}
    )  # fmt: skip
    e = cement_co2(a, region=JIANGXI)
    assert e.table["quantity_t"].tolist() == pytest.approx([5_202.0, 10_404.0])
    assert _co2(e) == pytest.approx(_co2(cement_co2(a)))


def test_a_guangdong_county_in_a_jiangxi_inventory_is_refused_by_name() -> None:
    a = _fuels(
        (360102, 2022, "1.A.2", "raw_coal", 2, "万t"),
        (440103, 2022, "1.A.2", "raw_coal", 1, "万t"),
    )
    with pytest.raises(TableError) as err:
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI)
    msg = str(err.value)
    for part in ("table 'fuel combustion', row 1", "column 'unit_code' value 440103",
                 "荔湾区", "not a unit of the region 360000 江西省", "remove the row",
                 "不属于 江西省"):  # fmt: skip
        assert part in msg, part
    assert (err.value.field, err.value.values) == ("unit_code", [440103])


def test_a_township_of_another_province_is_refused_by_its_county() -> None:
    a = _fuels((440103001, 2022, "1.A.2", "raw_coal", 1, "万t"))
    with pytest.raises(TableError, match="value 440103001 is a township of 荔湾区"):
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI)


@pytest.mark.parametrize(
    ("code", "shown"),
    [(12345, "12345"), ("abc", "'abc'"), (360199, "360199"), (360199001, "360199001"),
     (float("nan"), "nan"), (3601020, "3601020")],
)  # fmt: skip
def test_a_code_that_is_no_adcode_is_refused_by_name(code: object, shown: str) -> None:
    # 360199 has the shape of a Nanchang county but is none; 3601020 has 7 digits
    a = _fuels((360102, 2022, "1.A.4", "natural_gas", 1, "亿m³"),
               (code, 2022, "1.A.4", "natural_gas", 1, "亿m³"))  # fmt: skip
    with pytest.raises(TableError) as err:
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI)
    msg = str(err.value)
    assert f"row 1 (unit code {code}, 2022): column 'unit_code' value {shown} is not an " in msg
    assert "administrative code" in msg and "不是行政区划代码" in msg


def test_a_province_row_is_outside_a_city_region() -> None:
    a = pd.DataFrame({"unit_code": [JIANGXI], "year": [2022], "quantity": [1], "unit": ["亿kWh"]})
    with pytest.raises(TableError, match="value 360000 is 江西省, not a unit of the region 360100"):
        electricity_indirect_co2(a, grid="national", region=360100)


def _t(code: int, **cols: object) -> pd.DataFrame:
    return pd.DataFrame({"unit_code": [360102, code], "year": [2022, 2022],
                         **{k: [v, v] for k, v in cols.items()}})  # fmt: skip


_EVERY: list[tuple[Callable[..., Any], dict[str, object]]] = [
    (lambda a, **k: fuel_combustion_co2(a, "cn-statistics", **k),
     {"category_code": "1.A.2", "fuel": "raw_coal", "quantity": 1, "unit": "万t"}),
    (lambda a, **k: fuel_combustion_non_co2(a, "cn-statistics", **k),
     {"category_code": "1.A.2", "fuel": "raw_coal", "quantity": 1, "unit": "万t"}),
    (lambda a, **k: unit_scale_findings(a, "cn-statistics", **k),
     {"category_code": "1.A.2", "fuel": "raw_coal", "quantity": 1, "unit": "万t"}),
    (lambda a, **k: electricity_indirect_co2(a, grid="national", **k),
     {"quantity": 1, "unit": "亿kWh"}),
    (cement_co2, {"quantity": 1, "unit": "万t"}),
    (lime_co2, {"lime_type": "hydraulic", "quantity": 1, "unit": "t"}),
    (enteric_ch4, {"animal": "buffalo", "quantity": 1, "unit": "万头"}),
    (rice_ch4, {"water_regime": "continuous", "quantity": 1, "unit": "hm2", "days": 100}),
    (soils_direct_n2o, {"field": "upland", "quantity": 1, "unit": "t"}),
    (soils_indirect_n2o, {"n_source": "organic", "quantity": 1, "unit": "t"}),
    (landfill_ch4, {"site_type": "unmanaged_deep", "quantity": 1, "unit": "t", "doc": 0.2}),
    (incineration_co2, {"quantity": 1, "unit": "t", "dm": 0.5, "cf": 0.3, "fcf": 0.4}),
    (wastewater_ch4,
     {"system": "anaerobic_reactor", "organics": "COD", "quantity": 1, "unit": "t"}),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(_EVERY)))
def test_every_category_refuses_a_unit_outside_the_region(case: int) -> None:
    fn, cols = _EVERY[case]
    fn(_t(360103, **cols), region=JIANGXI)  # two Nanchang districts: accepted
    fn(_t(440103, **cols))  # no region given: not checked
    with pytest.raises(TableError, match=r"row 1 .*value 440103 is 荔湾区"):
        fn(_t(440103, **cols), region=JIANGXI)


@pytest.mark.parametrize("case", range(len(_EVERY)))
def test_every_category_refuses_a_county_beside_its_city(case: int) -> None:
    fn, cols = _EVERY[case]
    with pytest.raises(TableError, match=r"row 0 .*and row 1 .*360100.*count it twice"):
        fn(_t(360100, **cols), region=JIANGXI)


# ------------------------------------------------------------------ levels


def test_a_county_and_its_city_for_the_same_sector_fuel_and_year_are_refused() -> None:
    a = _fuels(
        (360100, 2022, "1.A.2", "raw_coal", 5, "万t"),
        (360102, 2022, "1.A.2", "raw_coal", 2, "万t"),
    )
    with pytest.raises(TableError) as err:
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI)
    msg = str(err.value)
    for part in ("table 'fuel combustion', row 1 (unit code 360102, 2022)", "county 360102 东湖区",
                 "row 0 (city 360100 南昌市", "category_code 1.A.2, fuel raw_coal of 2022",
                 "level='county' or level='city'", "重复计算"):  # fmt: skip
        assert part in msg, part
    assert err.value.values == [360102, 360100]


def test_a_township_beside_the_province_is_refused() -> None:
    a = _fuels(
        (JIANGXI, 2022, "1.A.4", "lpg", 5, "万t"),
        (360102001, 2022, "1.A.4", "lpg", 1, "万t"),
    )
    with pytest.raises(TableError, match=r"township 360102001 .* and row 0 .province 360000"):
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI)


def test_levels_that_do_not_overlap_are_accepted() -> None:
    # the city reports coal and the county gas; the city reports 2021, the county 2022; a
    # county of another city: nothing is counted twice
    a = _fuels(
        (360100, 2022, "1.A.2", "raw_coal", 5, "万t"),
        (360102, 2022, "1.A.2", "natural_gas", 1, "亿m³"),
        (360100, 2021, "1.A.4", "lpg", 1, "万t"),
        (360102, 2022, "1.A.4", "lpg", 1, "万t"),
        (360202, 2022, "1.A.2", "raw_coal", 1, "万t"),
    )
    assert len(fuel_combustion_co2(a, "cn-statistics", region=JIANGXI).table) == 5


def test_the_level_named_is_computed_and_the_other_left_out() -> None:
    # 南昌市 5 万t raw coal, its county 东湖区 2 万t and 西湖区 1 万t, all 1.A.2 of 2022.
    # level="county": the counties only, 3 万t = 30 000 t × 20.908 GJ/t = 627.24 TJ
    # × 25.8 t C/TJ × 44/12 = 59 336.904 t CO2 (the city's row is left out)
    # level="city": the city only, 5 万t → 59 336.904 × 5/3 = 98 894.84 t
    a = _fuels(
        (360100, 2022, "1.A.2", "raw_coal", 5, "万t"),
        (360102, 2022, "1.A.2", "raw_coal", 2, "万t"),
        (360103, 2022, "1.A.2", "raw_coal", 1, "万t"),
    )
    county = fuel_combustion_co2(a, "cn-statistics", region=JIANGXI, level="county")
    assert _co2(county) == pytest.approx(59_336.904, rel=1e-12)
    assert sorted(county.table["unit_code"]) == [360102, 360103]
    city = fuel_combustion_co2(a, "cn-statistics", region=JIANGXI, level="city")
    assert _co2(city) == pytest.approx(98_894.84, rel=1e-12)
    assert city.table["unit_code"].tolist() == [360100]


def test_every_row_of_a_level_left_out_is_matched() -> None:
    # two city rows (two plants) beside the county: both left out at level="county";
    # 2 万t raw coal = 39 557.936 t CO2 (20 000 t × 20.908 GJ/t × 25.8 t C/TJ × 44/12)
    a = _fuels(
        (360100, 2022, "1.A.2", "raw_coal", 5, "万t"),
        (360100, 2022, "1.A.2", "raw_coal", 1, "万t"),
        (360102, 2022, "1.A.2", "raw_coal", 2, "万t"),
    )
    e = fuel_combustion_co2(a, "cn-statistics", region=JIANGXI, level="county")
    assert _co2(e) == pytest.approx(39_557.936, rel=1e-12)


def test_a_row_the_level_would_lose_is_refused() -> None:
    # level="city": 东湖区 is under 南昌市's row, but 景德镇's 昌江区 has no city row
    a = _fuels(
        (360100, 2022, "1.A.2", "raw_coal", 5, "万t"),
        (360102, 2022, "1.A.2", "raw_coal", 2, "万t"),
        (360202, 2022, "1.A.2", "raw_coal", 1, "万t"),
    )
    with pytest.raises(TableError) as err:
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI, level="city")
    msg = str(err.value)
    assert "row 2 (unit code 360202, 2022): column 'unit_code' value 360202 is a county" in msg
    assert "would be left out of the inventory" in msg and "该行将被遗漏" in msg


def test_a_level_must_be_a_level_and_needs_a_region() -> None:
    a = _fuels((360102, 2022, "1.A.2", "raw_coal", 2, "万t"))
    with pytest.raises(InputError, match="level 'district' is not a level; give one of province"):
        fuel_combustion_co2(a, "cn-statistics", region=JIANGXI, level="district")
    with pytest.raises(InputError, match="level 'county' needs the region"):
        fuel_combustion_co2(a, "cn-statistics", level="county")


def test_in_region_keeps_the_row_labels_for_later_messages() -> None:
    t = pd.DataFrame({"unit_code": [360100, 360102], "year": [2022, 2022]}, index=[7, 9])
    assert in_region("t", t, JIANGXI, level="county").index.tolist() == [9]
