"""The GDP bounds of :mod:`ganpo.io.gdp_units`: the largest and smallest real units of
each level (2023, the figures of the module's docstring) pass in 亿元 and in 万元 and 元
converted, and their 10⁴ slips are caught, but two: the tiniest counties' 万元 figures read
as 亿元 (the county's upper bound is kept high for 浦东新区), and 浦东新区's 亿元 figures read
as 万元 (1.7 亿元, a plausible tiny county)."""

from __future__ import annotations

import pytest

from ganpo.catalog.units import conversion_factor
from ganpo.io.gdp_units import GDP_UNITS, GdpCell, gdp_slip, in_100m, per_100m, slip_refusal

REAL = [  # code, GDP 2023 [亿元], roughly
    (540000, 2_393.0),  # 西藏自治区
    (440000, 135_673.0),  # 广东省
    (360000, 32_200.0),  # 江西省
    (542500, 60.0),  # 阿里地区, some tens
    (440300, 34_606.0),  # 深圳市
    (360200, 1_200.0),  # 景德镇市
    (310115, 16_715.0),  # 上海市浦东新区, the largest county-level unit
    (440305, 8_500.0),  # 深圳市南山区
    (320583, 5_140.6),  # 昆山市
    (360281, 300.0),  # 乐平市
    (542526, 2.0),  # a county of 西藏 of 2 亿元, among the smallest (some 2 to 5)
]


@pytest.mark.parametrize(("code", "gdp"), REAL)
def test_real_gdp_is_plausible_in_its_unit(code: int, gdp: float) -> None:
    assert gdp_slip(code, gdp, "亿元") is None
    assert gdp_slip(code, gdp * 1e4, "万元") is None
    assert gdp_slip(code, gdp * 1e8, "元") is None


@pytest.mark.parametrize(("code", "gdp"), REAL)
def test_a_slip_of_ten_thousand_is_caught(code: int, gdp: float) -> None:
    too_large = gdp_slip(code, gdp * 1e4, "亿元")  # 万元 figures under 亿元
    too_small = gdp_slip(code, gdp, "万元")  # 亿元 figures under 万元
    assert (too_small is None) == (code == 310115)
    assert (too_large is None) == (code == 542526)
    if too_large is not None:
        assert "万元" in too_large.plausible_in


def test_the_units_are_those_of_the_catalogue() -> None:
    """The GDP units convert as every money unit of ganpo does
    (:func:`ganpo.catalog.units.conversion_factor`): a value is divided by the units per
    亿元, exact for whole 万元 (10⁴ and 10⁸, not a product with 10⁻⁴)."""
    assert GDP_UNITS == ("元", "万元", "亿元")
    for unit in GDP_UNITS:
        assert per_100m(unit) == conversion_factor("亿元", unit)
        assert in_100m(unit) == conversion_factor(unit, "亿元")
    assert (per_100m("元"), per_100m("万元"), per_100m("亿元")) == (1e8, 1e4, 1.0)
    assert 1_040_000 / per_100m("万元") == 104.0


def test_a_slip_refusal_names_the_place_and_the_unit_in_both_languages() -> None:
    slip = gdp_slip(360281, 300.0, "万元")
    assert slip is not None
    cell = GdpCell(("GDP table", "GDP 表"), 5, "gdp [万元]", "300", 360281, ("county_adcode", "县"))
    en, zh = slip_refusal(slip, cell, unit_given=True, where=("the header", "表头"))
    assert en.startswith("GDP table, row 5: column 'gdp [万元]' value 300 of county_adcode 360281 ")
    assert "read in 万元 (as the header says) is 0.03 亿元, less than 1 亿元" in en
    assert "the figures look like 亿元" in en and "correct the column 'unit'" in en
    assert zh.startswith(
        "GDP 表第 5 行 gdp [万元] 的值 300（县 360281）按万元（表头所写）为 0.03 亿元"
    )
    assert "数值看来是以亿元计的" in zh
    # an upload's problem carries the row, column and value: the message names the unit
    cell = GdpCell(None, None, "gdp_current", "300", 360281, ("unit_code", "单位"))
    en, zh = slip_refusal(slip, cell, unit_given=True, fix=("convert to 亿元", "请换算为亿元"))
    assert en.startswith("the GDP of unit_code 360281 read in 万元") and en.endswith(
        "convert to 亿元"
    )
    assert zh.startswith("单位 360281 的地区生产总值按万元") and zh.endswith("请换算为亿元")
