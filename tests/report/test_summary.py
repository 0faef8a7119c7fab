"""Summary tables: every breakdown adds up to the same total; hand-checked changes."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from ganpo.errors import InputError
from ganpo.report.summary import (
    compare,
    compare_units,
    gep_by_category,
    gep_by_ecosystem,
    gep_by_indicator,
    gep_by_unit,
    physical_by_unit,
    physical_totals,
    top_bottom,
)

# two counties of city 1 (11, 12), one county of city 2 (21); county 13 has no results
UNITS = gpd.GeoDataFrame(
    {
        "county_adcode": [11, 12, 13, 21],
        "county_name": ["A", "B", "C", "D"],
        "city_adcode": [1, 1, 1, 2],
        "city_name": ["一市", "一市", "一市", "二市"],
        "province_adcode": [0] * 4,
        "province_name": ["省"] * 4,
        "area_km2": [10.0, 20.0, 5.0, 40.0],
    },
    geometry=[box(0, 0, 1, 1)] * 4,
    crs="EPSG:3857",
)


def _results() -> pd.DataFrame:
    rows = [
        # indicator, category, type, county, value
        ("agriculture", "material", 5, 11, 100.0),
        ("water_conservation", "regulating", 1, 11, 300.0),
        ("water_conservation", "regulating", 1, 12, 200.0),
        ("recreation", "cultural", 0, 21, 400.0),
    ]
    return pd.DataFrame(
        {
            "indicator": [r[0] for r in rows],
            "category": [r[1] for r in rows],
            "ecosystem_code": [r[2] for r in rows],
            "county_adcode": [r[3] for r in rows],
            "quantity": [1.0] * len(rows),
            "quantity_unit": ["x"] * len(rows),
            "value_cny": [r[4] for r in rows],
        }
    )


def test_breakdowns_add_up() -> None:
    r = _results()  # total 100 + 300 + 200 + 400 = 1000
    cat = gep_by_category(r)
    assert list(cat.category) == ["material", "regulating", "cultural"]
    assert list(cat.value_cny) == [100.0, 500.0, 400.0]
    assert cat.share.sum() == pytest.approx(1.0)
    assert gep_by_indicator(r).value_cny.sum() == 1000.0
    eco = gep_by_ecosystem(r).set_index("ecosystem_code").value_cny
    assert eco[1] == 500.0 and eco[0] == 400.0 and eco.sum() == 1000.0


def test_units_city_and_province() -> None:
    r = _results()
    county = gep_by_unit(r, UNITS, "county").set_index("adcode")
    assert county.loc[11, "gep_cny"] == 400.0  # 100 + 300
    assert county.loc[13, "gep_cny"] == 0.0  # no rows → 0, still listed
    assert county.loc[11, "gep_cny_per_km2"] == pytest.approx(40.0)  # 400 / 10 km²
    city = gep_by_unit(r, UNITS, "city").set_index("adcode")
    assert city.loc[1, "gep_cny"] == 600.0 and city.loc[1, "area_km2"] == 35.0
    province = gep_by_unit(r, UNITS, "province")
    assert province.gep_cny.item() == city.gep_cny.sum() == county.gep_cny.sum() == 1000.0
    top, bottom = top_bottom(county.reset_index(), n=1)
    assert top.adcode.item() == 11 and bottom.adcode.item() == 13


def test_compare_by_hand() -> None:
    a, b = _results(), _results()
    b.loc[b.indicator == "recreation", "value_cny"] = 500.0  # 400 → 500: +100, +25 %
    c = compare(a, b, "2022", "2023").set_index("indicator")
    assert c.loc["recreation", "change_cny"] == 100.0
    assert c.loc["recreation", "change_pct"] == pytest.approx(25.0)
    assert c.loc["GEP", "value_a_cny"] == 1000.0 and c.loc["GEP", "change_pct"] == pytest.approx(
        10.0
    )


def test_missing_column_named() -> None:
    with pytest.raises(InputError, match="value_cny"):
        gep_by_category(_results().drop(columns=["value_cny"]))


def test_indicator_and_ecosystem_tables_by_hand() -> None:
    ind = gep_by_indicator(_results())
    # catalogue order: agriculture, water_conservation, recreation
    assert list(ind.indicator) == ["agriculture", "water_conservation", "recreation"]
    row = ind.set_index("indicator").loc["water_conservation"]
    assert row.value_cny == 500.0 and row.quantity == 2.0  # 300 + 200; 1 + 1
    assert row.share == pytest.approx(0.5) and row.name_zh == "水源涵养"
    eco = gep_by_ecosystem(_results()).set_index("ecosystem_code")
    assert list(eco.index) == [0, 1, 5]
    assert eco.loc[0, "key"] == "unattributed" and eco.loc[5, "name_zh"] == "农田"
    assert eco.share.sum() == pytest.approx(1.0)


def test_category_zero_rows_and_parents() -> None:
    r = _results()
    cat = gep_by_category(r[r.category != "cultural"])
    assert cat.set_index("category").loc["cultural", "value_cny"] == 0.0  # still listed
    city = gep_by_unit(r, UNITS, "city").set_index("adcode")
    assert city.loc[2, "gep_cny"] == 400.0 and city.loc[2, "cultural_cny"] == 400.0
    assert city.parent_adcode.tolist() == [0, 0]
    assert gep_by_unit(r, UNITS, "province").parent_adcode.isna().all()
    county = gep_by_unit(r, UNITS, "county")
    assert not county.isna().any().any() and county.parent_adcode.tolist() == [1, 1, 1, 2]


def test_compare_zero_base_new_indicator_and_units() -> None:
    a = _results()
    a = a[a.indicator != "recreation"]  # A: 600 in all, no recreation
    b = _results()  # B: 1000
    c = compare(a, b, "2022", "2023").set_index("indicator")
    assert c.loc["recreation", "value_a_cny"] == 0.0
    assert c.loc["recreation", "change_cny"] == 400.0
    assert pd.isna(c.loc["recreation", "change_pct"])  # no base
    assert c.loc["GEP", "change_cny"] == 400.0  # 1000 − 600
    assert c.loc["GEP", "change_pct"] == pytest.approx(400.0 / 600.0 * 100.0)
    assert c.attrs == {"label_a": "2022", "label_b": "2023"}

    cu = compare_units(gep_by_unit(a, UNITS, "county"), gep_by_unit(b, UNITS, "county"))
    row = cu.set_index("adcode").loc[21]  # 0 → 400 CNY on 40 km²
    assert row.gep_change_cny == 400.0 and pd.isna(row.gep_change_pct)
    assert row.gep_change_cny_per_km2 == pytest.approx(10.0)  # 400 / 40
    assert cu.set_index("adcode").loc[11, "gep_change_cny"] == 0.0


def test_inputs_rejected_with_names() -> None:
    with pytest.raises(InputError, match="city_name"):
        gep_by_unit(_results(), UNITS.drop(columns=["city_name"]), "county")
    stray = _results()
    stray.loc[0, "county_adcode"] = 99
    with pytest.raises(InputError, match="99"):
        gep_by_unit(stray, UNITS, "county")
    mixed = _results()
    mixed.loc[1, "quantity_unit"] = "m3"
    with pytest.raises(InputError, match="water_conservation"):
        gep_by_indicator(mixed)


def test_physical_indicators_per_county_and_in_total() -> None:
    physical = pd.DataFrame(
        {
            "indicator": ["sediment_export"] * 3,
            "method": ["sdr_mfd"] * 3,
            "component": [""] * 3,
            "ecosystem_code": [1, 5, 1],
            "county_adcode": [11, 11, 21],
            "quantity": [30.0, 10.0, 80.0],
            "quantity_unit": ["t"] * 3,
        }
    )
    by_county = physical_by_unit(physical, UNITS).set_index("adcode")
    assert by_county["quantity"].to_dict() == {11: 40.0, 12: 0.0, 13: 0.0, 21: 80.0}
    assert by_county.loc[11, "quantity_per_km2"] == pytest.approx(4.0)  # 40 t / 10 km²
    assert by_county.loc[11, "name_en"] == "sediment export to streams"
    (total,) = physical_totals(physical, UNITS).to_dict("records")
    assert total["quantity"] == pytest.approx(120.0)
    assert total["quantity_per_km2"] == pytest.approx(120.0 / 75.0)  # over all 4 counties
    assert physical_totals(physical.iloc[:0], UNITS).empty
