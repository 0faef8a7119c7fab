"""The Garzê 2010 valuation table (METHODS.md §5; 白玛卓嘎, 肖燚, 欧阳志云, 王莉雁, 生态学报
2017, 37(19):6302-6312), reproduced row by row through the public API: the published
physical quantities in, values out with the published parameter set ``garze-2010``.

Tolerance: the paper prints quantities rounded to 0.01 of their unit (10⁸ m³, 10⁸ t,
10⁴ t, 10⁴ ha, 10⁸ kWh), so a value can differ from the printed one by half a unit of
that rounding times the unit price (plus 0.005 for the printed value's own rounding).
"""

from __future__ import annotations

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
]
GROUP_PRINTED = {"flood": 59.56, "climate": 2157.86, "pest": 13.93, "water supply": 545.36}


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
    valued at market prices, purification, and an internally inconsistent carbon/oxygen
    row, METHODS.md §5), so only their sum can be checked, through the summary API."""
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
    # plausibility: the rows with printed quantities make up 4902.94 of the 6842.28
    # regulating total (the rest is carbon, oxygen and purification)
    reg = valued[~valued.indicator.isin(["water_supply", "hydropower"])].value_cny.sum() / 1e8
    assert reg == pytest.approx(4902.94, abs=_tolerance(valued) + 0.05)
