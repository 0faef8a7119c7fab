"""Published accounts other than Garzê, row by row: Baiyangdian 2011 (江波 et al. 2017),
高天岩 2014 (缪建群 et al. 2017, Jiangxi) and Shenzhen 2020 (official release).

Each row goes through ganpo's formulas and its valuation API with the study's own prices.
The tolerance of each row is the rounding of what the paper prints (reasoned per test)."""

from __future__ import annotations

import pandas as pd
import pytest

from ganpo.catalog.parameters import ParameterSet, ParameterValue
from ganpo.services import carbon, cultural, flood, purification
from ganpo.services.valuation import value_quantities


def _prices(name: str, year: int, **prices: tuple[float, str]) -> ParameterSet:
    """A parameter set holding a study's own prices (value, unit)."""
    values = {
        key: ParameterValue(
            value=v, unit=unit, year=year, region=name, source=name, status="verified"
        )
        for key, (v, unit) in prices.items()
    }
    return ParameterSet(
        name=name, version="1", title_zh=name, title_en=name, description=name, values=values
    )


# ------------------------------------------------ Baiyangdian 2011 (江波 et al. 2017, Table 3)
#: 江波 et al. 2017, 生态学报 37(8):2497-2505, doi:10.5846/stxb201410091984
BAIYANGDIAN = _prices(
    "baiyangdian-2011",
    2011,
    water_price_domestic=(0.5, "CNY/m3"),  # 水利工程水价, §2.1
    reservoir_cost=(6.11, "CNY/m3"),  # LY/T 1721-2008, §2.2.1
    # 1320 CNY per t C (§2.2.2), per t CO2: 1320 × 12/44 = 360 (the quantity is CO2 here)
    carbon_price=(1320.0 * 12.0 / 44.0, "CNY/t"),
    oxygen_price=(1000.0, "CNY/t"),  # 卫生部 oxygen price, §2.2.3
)
REED_T = 3.74e4  # reed harvested 2011 [t dry matter]


def test_baiyangdian_flood_storage_by_gauged_levels() -> None:
    """C = Σ (Q_max − Q_min) over the rises (江波 et al. 2017 §2.2.1, eqs. 4-5): the second
    rise 2.90 − 1.26 = 1.64 ×10⁸ m³ (30 July → 30 September 2012); with the first rise's
    0.81 (6.65 → 7.43 m, storages not printed) 2.45 ×10⁸ m³; × 6.11 = 14.97 ×10⁸ CNY.
    Tolerance: storages printed to 0.01 ×10⁸ m³ (± 0.005 each, × 6.11 for the value)."""
    second = flood.gauged_flood_storage_m3([2.90e8], [1.26e8])
    assert second / 1e8 == pytest.approx(1.64, abs=0.01)
    total = second + 0.81e8
    q = pd.DataFrame(
        {
            "indicator": ["flood_regulation"],
            "component": ["lake"],
            "quantity": [total / 1e8],
            "quantity_unit": ["10^8 m3"],
        }
    )
    value = value_quantities(q, BAIYANGDIAN).value_cny[0] / 1e8
    assert value == pytest.approx(14.97, abs=3 * 0.005 * 6.11 + 0.005)


def test_baiyangdian_carbon_oxygen_water() -> None:
    """Gross photosynthesis of the reed (江波 et al. 2017 §2.2.2-2.2.3): 3.74 ×10⁴ t × 1.63 =
    6.0962 ×10⁴ t CO₂ = 1.6626 ×10⁴ t C (printed 1.66) × 1320 CNY/t C = 0.219 ×10⁸ CNY
    (0.22); × 1.2 = 4.488 ×10⁴ t O₂ (4.49) × 1000 = 0.449 ×10⁸ (0.45). Water supply 0.98
    ×10⁸ m³ × 0.5 = 0.49. Tolerance: half a unit of the printed 0.01 ×10⁸ CNY (and of the
    printed 0.01 ×10⁴ t quantities)."""
    co2 = carbon.co2_sequestered_t(REED_T * 1e6, 1.0)  # t DM as g over 1 m² → t
    assert co2 == pytest.approx(6.0962e4, rel=1e-12)
    assert co2 * 12 / 44 / 1e4 == pytest.approx(1.66, abs=0.005)
    o2 = carbon.o2_released_t(REED_T * 1e6, 1.0)
    assert o2 / 1e4 == pytest.approx(4.49, abs=0.005)
    q = pd.DataFrame(
        {
            "indicator": ["carbon_sequestration", "oxygen_release", "water_supply"],
            "component": ["", "", "domestic"],
            "quantity": [co2, o2, 0.98],
            "quantity_unit": ["t", "t", "10^8 m3"],
        }
    )
    v = value_quantities(q, BAIYANGDIAN).value_cny / 1e8
    assert v.tolist() == pytest.approx([0.22, 0.45, 0.49], abs=0.005)


def test_baiyangdian_recreation_travel_and_time_cost() -> None:
    """135 ×10⁴ visits × (52.47 travel + 343.33 time cost) = 5.343 ×10⁸ CNY: ganpo's travel
    cost (visits × (t·w·s + C)) gives this part of the study's value; the study adds a
    consumer surplus of 578.03 CNY per visit (a zero-truncated Poisson model ganpo does not
    fit), which makes 13.15 ×10⁸ (§2.3.1). Time cost = t·w × 30 %: t·w = 343.33 / 0.3."""
    part = cultural.travel_cost_cny(135e4, 343.33 / 0.3, 1.0, 52.47, 0.30)
    assert part / 1e8 == pytest.approx(5.343, abs=0.001)
    assert (part + 135e4 * 578.03) / 1e8 == pytest.approx(13.15, abs=0.005)


# ---------------------------------------- 高天岩 2014, Jiangxi (缪建群 et al. 2017, Table 2)
#: 缪建群 et al. 2017, 生态学报 37(19):6422-6430, doi:10.5846/stxb201607091410
GAOTIANYAN = _prices(
    "gaotianyan-2014",
    2014,
    carbon_price=(379.87, "CNY/t"),  # per t CO2 (Table 1)
    oxygen_price=(1160.70, "CNY/t"),
    reservoir_cost=(0.92, "CNY/m3"),  # the flood storage price (0.67 brought to 2014)
)
#: type: area [hm²], NPP [t/a], CO₂ [t], O₂ [t], R, storage [10⁴ m³], SO₂ [kg/hm²], dust
GAOTIANYAN_ROWS = {
    "conifer": (613, 6050.31, 9862.01, 7199.87, 0.36, 23.83, 215.66, 33_200.0),
    "broadleaf": (2350, 40_584.50, 66_152.74, 48_295.56, 0.39, 98.98, 88.64, 10_110.0),
    "mixed": (1287, 4774.77, 7782.88, 5681.98, 0.34, 47.26, 152.14, 21_660.0),
    "bamboo": (196, 5560.52, 9063.65, 6617.02, 0.22, 4.66, None, 20_700.0),
    "shrub": (260, 1042.60, 1699.44, 1240.69, 0.14, 3.93, None, 11_400.0),
}


@pytest.mark.parametrize("kind", sorted(GAOTIANYAN_ROWS))
def test_gaotianyan_rows(kind: str) -> None:
    """Per forest type: CO₂ = 1.63 × NPP and O₂ = 1.19 × NPP (Table 1 eqs. 3-4; NPP and the
    results printed to 0.01 t, so ± 0.005 × 1.63 + 0.005 t); flood storage A·J·R with J = 108 mm (eqs. 7-9; J DERIVED from
    the table, its printed J0 is OCR-damaged), printed to 0.01 ×10⁴ m³; dust retention per
    hm² × area (eq. 11) printed to 0.01 ×10⁴ kg."""
    area, npp, co2, o2, r, storage, so2, dust = GAOTIANYAN_ROWS[kind]
    assert carbon.co2_sequestered_t(npp * 1e6, 1.0) == pytest.approx(co2, abs=0.0132)
    assert carbon.o2_released_t(npp * 1e6, 1.0, 1.19) == pytest.approx(o2, abs=0.0110)
    q = flood.vegetation_runoff_reduction_m3(180.0, 0.6, r, area * 1e4)
    assert q / 1e4 == pytest.approx(storage, abs=0.005)
    if so2 is not None:  # SO₂ rates DERIVED from the table (13.22, 20.83, 19.58 ×10⁴ kg)
        got = purification.removal_capacity_t(so2, float(area)) / 1e4
        assert got == pytest.approx(
            {"conifer": 13.22, "broadleaf": 20.83, "mixed": 19.58}[kind], abs=0.005
        )
    kg = purification.removal_capacity_t(dust / 1000.0, float(area)) * 1000.0
    assert kg / 1e4 == pytest.approx(
        {
            "conifer": 2035.16,
            "broadleaf": 2375.85,
            "mixed": 2787.64,
            "bamboo": 405.72,
            "shrub": 296.40,
        }[kind],
        abs=0.005,
    )


def test_gaotianyan_values() -> None:
    """Values of Table 2 (10⁴ CNY): CO₂ 9862.01 t × 379.87 = 374.63 (printed 374.62: the
    paper rounds down); O₂ 48 295.56 × 1160.70 = 5605.67; storage 98.98 ×10⁴ m³ × 0.92 =
    91.06; totals 3592.07 (carbon) and 8012.92 (oxygen). Tolerance: 0.01 ×10⁴ CNY per row
    (the paper's own rounding), 0.05 for totals of five rows."""
    q = pd.DataFrame(
        {
            "indicator": ["carbon_sequestration", "oxygen_release", "flood_regulation"],
            "component": ["", "", "vegetation"],
            "quantity": [9862.01, 48_295.56, 98.98],
            "quantity_unit": ["t", "t", "10^4 m3"],
        }
    )
    v = value_quantities(q, GAOTIANYAN).value_cny / 1e4
    assert v.tolist() == pytest.approx([374.62, 5605.67, 91.06], abs=0.01)
    co2 = sum(row[2] for row in GAOTIANYAN_ROWS.values())
    o2 = sum(row[3] for row in GAOTIANYAN_ROWS.values())
    assert co2 * 379.87 / 1e4 == pytest.approx(3592.07, abs=0.05)
    assert o2 * 1160.70 / 1e4 == pytest.approx(8012.92, abs=0.05)


# --------------------------------------------------------- Shenzhen 2020 (official release)
def test_shenzhen_2020_implied_prices() -> None:
    """Climate regulation 680.95 ×10⁸ kWh → 488.24 ×10⁸ CNY and water conservation 19.18 ×10⁸
    m³ → 117.19 ×10⁸ CNY (深圳市生态环境局/统计局/发展改革委 release of the 2020 GEP): implied
    prices 0.71700 CNY/kWh and 6.1100 CNY/m³ (the LY/T 1721-2008 reservoir cost, unindexed).
    Valued again at those prices; tolerance: quantities printed to 0.01 ×10⁸ (± 0.005 × the
    price) plus the value's own rounding (0.005)."""
    kwh_price = 488.24 / 680.95
    m3_price = 117.19 / 19.18
    assert kwh_price == pytest.approx(0.7170, abs=5e-5)
    assert m3_price == pytest.approx(6.1100, abs=5e-4)
    shenzhen = _prices(
        "shenzhen-2020",
        2020,
        electricity_price=(0.717, "CNY/kWh"),
        reservoir_cost=(6.11, "CNY/m3"),
    )
    q = pd.DataFrame(
        {
            "indicator": ["climate_regulation", "water_conservation"],
            "component": ["vegetation", ""],
            "quantity": [680.95, 19.18],
            "quantity_unit": ["10^8 kWh", "10^8 m3"],
        }
    )
    v = value_quantities(q, shenzhen).value_cny / 1e8
    assert v[0] == pytest.approx(488.24, abs=0.005 * 0.717 + 0.005)
    assert v[1] == pytest.approx(117.19, abs=0.005 * 6.11 + 0.005)
