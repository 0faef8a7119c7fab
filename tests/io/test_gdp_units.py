"""The GDP bounds of :mod:`ganpo.io.gdp_units`: the largest and smallest real units of
each level (2023, the figures of the module's docstring) pass in 亿元 and in 万元 and 元
converted, and their 10⁴ slips are caught, but two: the tiniest counties' 万元 figures read
as 亿元 (the county's upper bound is kept high for 浦东新区), and 浦东新区's 亿元 figures read
as 万元 (1.7 亿元, a plausible tiny county)."""

from __future__ import annotations

import pytest

from ganpo.io.gdp_units import gdp_slip

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
