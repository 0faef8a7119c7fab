"""The Garzê 2010 valuation table (白玛卓嘎, 肖燚, 欧阳志云, 王莉雁, 生态学报 2017,
37(19):6302-6312, doi:10.5846/stxb201607011362, Tables 3 and 4), reproduced row by row
through the public API: the published physical quantities in, values out with the
published parameter set ``garze-2010``.

Tolerance: the paper prints quantities rounded to 0.01 of their unit (10⁸ m³, 10⁸ t,
10⁴ t, 10⁴ ha, 10⁸ kWh), so a value can differ from the printed one by half a unit of
that rounding times the unit price (plus 0.005 for the printed value's own rounding).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganpo.catalog.parameters import load_parameter_set
from ganpo.services.valuation import value_quantities

Q = 0.005  # half a unit of the last printed digit

# indicator, component, quantity, unit, value printed (10⁸ CNY), the row's printed group
ROWS = [
    ("water_conservation", "", 321.49, "10^8 m3", 2269.71, "water retention"),
    ("soil_retention", "silt", 38.86, "10^8 t", 156.26, "soil: silt"),
    ("soil_retention", "nitrogen", 38.86, "10^8 t", 125.82, "soil: N"),
    ("soil_retention", "phosphorus", 38.86, "10^8 t", 117.52, "soil: P"),
    ("sand_fixation", "", 779.42, "10^4 t", 2.28, "sand fixation"),
    ("flood_regulation", "lake", 2.43, "10^8 m3", None, "flood"),
    ("flood_regulation", "reservoir", 0.01, "10^8 m3", None, "flood"),
    ("flood_regulation", "marsh", 6.00, "10^8 m3", None, "flood"),
    ("climate_regulation", "vegetation", 2799.10, "10^8 kWh", None, "climate"),
    ("climate_regulation", "water_surface", 1272.35, "10^8 kWh", None, "climate"),
    ("pest_control", "forest", 158, "10^4 hm2", None, "pest"),
    ("pest_control", "grassland", 711.13, "10^4 hm2", None, "pest"),
    ("water_supply", "domestic", 1.36, "10^8 m3", None, "water supply"),
    ("water_supply", "industrial", 150.17, "10^8 m3", None, "water supply"),
    ("water_supply", "agricultural", 17.31, "10^8 m3", None, "water supply"),
    ("hydropower", "", 95.30, "10^8 kWh", 50.51, "hydropower"),
    # carbon (§3.2.7: 固碳 CO2 0.31 ×10⁸ t) and oxygen (释氧 2.51 ×10⁸ t), as printed
    ("carbon_sequestration", "", 0.31, "10^8 t", None, "carbon and oxygen"),
    ("oxygen_release", "", 2.51, "10^8 t", None, "carbon and oxygen"),
]
GROUP_PRINTED = {
    "flood": 59.56,
    "climate": 2157.86,
    "pest": 13.93,
    "water supply": 545.36,
    "carbon and oxygen": 1939.27,
}


@pytest.fixture(scope="module")
def valued() -> pd.DataFrame:
    frame = pd.DataFrame(
        ROWS, columns=["indicator", "component", "quantity", "quantity_unit", "printed", "group"]
    )
    return value_quantities(frame, load_parameter_set("garze-2010"))


def _tolerance(rows: pd.DataFrame) -> float:
    """Rounding of the printed quantities propagated through the unit values, in 10⁸ CNY."""
    per_unit = rows.value_cny / rows.quantity / 1e8  # value of one printed quantity unit
    return float((per_unit * Q).sum()) + Q


def test_each_printed_row(valued: pd.DataFrame) -> None:
    for _, row in valued[valued.printed.notna()].iterrows():
        got = row.value_cny / 1e8
        assert got == pytest.approx(row.printed, abs=_tolerance(valued.loc[[row.name]])), row.group


@pytest.mark.parametrize("group", sorted(GROUP_PRINTED))
def test_each_printed_group(valued: pd.DataFrame, group: str) -> None:
    rows = valued[valued.group == group]
    assert rows.value_cny.sum() / 1e8 == pytest.approx(GROUP_PRINTED[group], abs=_tolerance(rows))


def test_gep_from_printed_category_totals() -> None:
    """GEP = material + regulating + cultural (632.64 + 6842.28 + 70.67 = 7545.59).

    The category totals include rows the paper prints without quantities (material products
    at net output value, recreation), so only their sum can be checked, through the summary
    API."""
    from ganpo.report.summary import gep_by_category

    results = pd.DataFrame(
        {
            "indicator": ["water_supply", "water_conservation", "recreation"],
            "category": ["material", "regulating", "cultural"],
            "ecosystem_code": [0, 0, 0],
            "county_adcode": [513300] * 3,
            "quantity": [1.0, 1.0, 1.0],
            "quantity_unit": ["-"] * 3,
            "value_cny": [632.64e8, 6842.28e8, 70.67e8],
        }
    )
    by_cat = gep_by_category(results)
    assert by_cat.value_cny.sum() / 1e8 == pytest.approx(7545.59, abs=1e-9)
    assert list(by_cat.category) == ["material", "regulating", "cultural"]


def test_listed_rows_are_most_of_regulating(valued: pd.DataFrame) -> None:
    # the rows with printed quantities make up 6842.21 of the 6842.28 regulating total (the
    # rest is air and water purification, 0.03 + 0.04, checked below)
    reg = valued[~valued.indicator.isin(["water_supply", "hydropower"])].value_cny.sum() / 1e8
    assert reg == pytest.approx(6842.28 - 0.07, abs=_tolerance(valued) + 0.05)


def test_carbon_and_oxygen_from_unrounded_quantities() -> None:
    """The printed quantities are rounded to 0.01 ×10⁸ t; the values give them unrounded:
    117.3548 / 380 = 0.3088 ×10⁸ t CO₂ and 1821.9182 / 727 = 2.5061 ×10⁸ t O₂ (4 digits).
    Valued again: 0.3088 × 380 = 117.344 and 2.5061 × 727 = 1821.935 ×10⁸ CNY; tolerance
    half a unit of the 4th digit × the price (0.00005 × 380 = 0.019; × 727 = 0.036) plus
    the printed value's own rounding (0.00005)."""
    rows = pd.DataFrame(
        {
            "indicator": ["carbon_sequestration", "oxygen_release"],
            "component": ["", ""],
            "quantity": [0.3088, 2.5061],
            "quantity_unit": ["10^8 t", "10^8 t"],
        }
    )
    out = value_quantities(rows, load_parameter_set("garze-2010"))
    assert out.value_cny[0] / 1e8 == pytest.approx(117.3548, abs=0.019 + 5e-5)
    assert out.value_cny[1] / 1e8 == pytest.approx(1821.9182, abs=0.036 + 5e-5)
    assert list(out.price_key) == ["carbon_price", "oxygen_price"]
    # the oxygen row is 8.1 × the carbon row: carbon is a net sequestration, not 1.63 × NPP
    ratio = out.value_cny[1] / 727 / (out.value_cny[0] / 380)
    assert ratio == pytest.approx(8.116, abs=1e-3)


# air (§3.2.5) and water (§3.2.6) purification: the prefecture's emissions in t, exact
# integers, at the 2003 discharge-fee rates; values printed to 0.0001 ×10⁸ CNY
PURIFICATION = [
    ("air_purification", "so2", 1137.0, 0.0136),
    ("air_purification", "nox", 2772.0, 0.0175),
    ("air_purification", "dust", 941.0, 0.0014),
    ("water_purification", "cod", 5424.0, 0.0380),
    ("water_purification", "nh3n", 625.0, 0.0055),
]


def test_purification_rows_by_hand() -> None:
    """SO₂ 1137 t × 1200 = 0.013644; NOx 2772 × 630 = 0.017464; dust 941 × 150 = 0.001412;
    COD 5424 × 700 = 0.037968; NH₃-N 625 × 875 = 0.005469 ×10⁸ CNY. The quantities are exact,
    so the tolerance is the printed value's rounding (0.00005 ×10⁸ CNY); the groups are
    printed as 0.03 and 0.04 (± 0.005)."""
    rows = pd.DataFrame(
        [(i, c, q, "t") for i, c, q, _ in PURIFICATION],
        columns=["indicator", "component", "quantity", "quantity_unit"],
    )
    out = value_quantities(rows, load_parameter_set("garze-2010"))
    for (_, comp, _, printed), got in zip(PURIFICATION, out.value_cny / 1e8, strict=True):
        assert got == pytest.approx(printed, abs=5e-5), comp
    by = out.groupby("indicator").value_cny.sum() / 1e8
    assert by["air_purification"] == pytest.approx(0.03, abs=0.005)
    assert by["water_purification"] == pytest.approx(0.04, abs=0.005)
    # the application counts the discharges themselves as purified: ganpo's formula gives
    # back the emission whatever the split over the purifying types
    from ganpo.services.purification import attributed_discharge_t

    assert attributed_discharge_t(5424.0, np.array([0.7, 0.3])).sum() == pytest.approx(5424.0)


#: Table 4, value by ecosystem type (10⁸ CNY) of the four types that make 98.87 % of GEP;
#: None where the cell is empty
TABLE_4 = {
    "forest": (2176.00, [2.38, 616.93, 145.21, 0.23, 722.30, 666.68, 5.93, 16.33]),
    "shrub": (1490.88, [617.09, 97.74, 0.34, 450.03, 309.16, 16.51]),
    "grassland": (2397.56, [22.07, 993.56, 143.71, 1.49, 684.67, 507.68, 8.00, 36.37]),
    "wetland": (
        1396.13,
        [595.90, 33.56, 1.30, 0.06, 59.56, 0.03, 0.04, 29.91, 674.34, 1.46],
    ),
}


def test_per_ecosystem_totals() -> None:
    """The Table 4 cells of each type add up, through the summary API, to the printed type
    totals (forest 2176.00, shrub 1490.88, grassland 2397.56, wetland 1396.13 ×10⁸ CNY).
    Tolerance: each printed cell and the total are rounded to 0.01: (n + 1) × 0.005."""
    from ganpo.catalog.ecosystems import by_key
    from ganpo.report.summary import gep_by_ecosystem

    rows = [
        {
            "indicator": "water_conservation",
            "component": "",
            "category": "regulating",
            "ecosystem_code": by_key(key).code,
            "county_adcode": 513300,
            "quantity": 1.0,
            "quantity_unit": "-",
            "price_key": "",
            "price": float("nan"),
            "price_unit": "",
            "value_cny": cell * 1e8,
        }
        for key, (_, cells) in TABLE_4.items()
        for cell in cells
    ]
    by_type = gep_by_ecosystem(pd.DataFrame(rows)).set_index("key").value_cny / 1e8
    for key, (total, cells) in TABLE_4.items():
        assert by_type[key] == pytest.approx(total, abs=(len(cells) + 1) * 0.005), key


def test_per_ecosystem_cells_from_table_3(valued: pd.DataFrame) -> None:
    """Cells of Table 4 reproduced from Table 3's quantities and prices: the climate rows
    (vegetation 2799.10 ×10⁸ kWh × 0.53 = 1483.52 = forest 666.68 + shrub 309.16 + grassland
    507.68; water surface 1272.35 × 0.53 = 674.34 = wetland), the wetland's products (water
    supply 545.36 + hydropower 50.51 + fishery 0.0356 = 595.90) and flood regulation (all
    wetland, 59.56). Tolerance as for the rows (quantity rounding × unit price)."""
    g = valued.set_index(["indicator", "component"]).value_cny / 1e8
    vegetation = g[("climate_regulation", "vegetation")]
    assert vegetation == pytest.approx(666.68 + 309.16 + 507.68, abs=3 * 0.005 + 0.0027)
    assert g[("climate_regulation", "water_surface")] == pytest.approx(674.34, abs=0.008)
    supply = valued[valued.indicator.isin(["water_supply", "hydropower"])].value_cny.sum() / 1e8
    assert supply + 0.0356 == pytest.approx(595.90, abs=0.02)
    flood = valued[valued.indicator == "flood_regulation"].value_cny.sum() / 1e8
    assert flood == pytest.approx(59.56, abs=_tolerance(valued[valued.group == "flood"]))
