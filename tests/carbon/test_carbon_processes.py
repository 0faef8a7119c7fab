"""Industrial processes, agriculture and waste: one hand-worked case per category, the
factors named in the record, and each bad input refused with its row and value."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.carbon.agriculture import (
    enteric_ch4,
    rice_ch4,
    soils_direct_n2o,
    soils_indirect_n2o,
)
from ganpo.carbon.industry import cement_co2, lime_co2
from ganpo.carbon.result import combine, totals
from ganpo.carbon.waste import incineration_co2, landfill_ch4, wastewater_ch4
from ganpo.errors import TableError


def _t(**cols: list[object]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"unit_code": [360100] * n, "year": [2022] * n, **cols})


def _sum(e: object, **where: object) -> float:
    t = e.table  # type: ignore[attr-defined]
    for k, v in where.items():
        t = t[t[k] == v]
    return float(t["quantity_t"].sum())


# ------------------------------------------------------------------ industry
def test_cement_clinker_by_hand() -> None:
    # 150 万t clinker = 1.5e6 t × 0.51 t CO2/t × 1.02 (kiln dust) = 780 300 t CO2
    e = cement_co2(_t(quantity=[150], unit=["万t"]))
    assert _sum(e) == pytest.approx(780_300.0, rel=1e-12)
    assert e.table["category_code"].tolist() == ["2.A.1"]
    assert set(e.provenance_table()["key"]) == {
        "ipcc-2006.cement.clinker_ef",
        "ipcc-2006.cement.ckd_correction",
    }


def test_lime_by_type_by_hand() -> None:
    # 10 000 t high-calcium × 0.75 = 7 500 t; 2 万t dolomitic × 0.77 = 15 400 t
    e = lime_co2(
        _t(lime_type=["high_calcium", "dolomitic"], quantity=[10_000, 2], unit=["t", "万t"])
    )
    assert _sum(e, item_en="high-calcium lime") == pytest.approx(7_500.0)
    assert _sum(e, item_en="dolomitic lime") == pytest.approx(15_400.0)


def test_a_lime_type_without_factor_is_named() -> None:
    with pytest.raises(TableError) as info:
        lime_co2(_t(lime_type=["quicklime"], quantity=[1], unit=["t"]))
    msg = str(info.value)
    assert "table 'lime production', row 0 (unit code 360100, 2022)" in msg
    assert "column 'lime_type' value 'quicklime' has no factor" in msg
    assert "dolomitic, high_calcium, hydraulic" in msg


def test_clinker_in_a_unit_of_another_quantity_is_refused() -> None:
    with pytest.raises(TableError, match="column 'unit' value '万m³'"):
        cement_co2(_t(quantity=[1], unit=["万m³"]))


# ------------------------------------------------------------------ agriculture
def test_enteric_fermentation_by_hand() -> None:
    # 12 万头 other cattle × 47 kg = 5 640 t CH4; 300 万头 swine × 1 kg = 3 000 t;
    # 5 000 只 goats × 5 kg = 25 t
    e = enteric_ch4(
        _t(
            animal=["other_cattle", "swine", "goats"],
            quantity=[12, 300, 5000],
            unit=["万头", "万头", "只"],
        )
    )
    assert _sum(e, item_en="other cattle") == pytest.approx(5_640.0)
    assert _sum(e, item_en="swine") == pytest.approx(3_000.0)
    assert _sum(e, item_zh="山羊") == pytest.approx(25.0)
    assert set(e.table["gas"]) == {"CH4"}
    # CH4 of agriculture takes the non-fossil GWP: AR6 27.0
    assert e.co2e("AR6")["gwp"].tolist() == [27.0, 27.0, 27.0]


def test_animals_counted_in_tonnes_are_refused() -> None:
    with pytest.raises(TableError, match="value 't' is not a head count"):
        enteric_ch4(_t(animal=["swine"], quantity=[1], unit=["t"]))


def test_rice_by_hand() -> None:
    # 100 千公顷 double early rice, single aeration, 110 days:
    # 100 000 ha × 110 d × 1.30 kg/ha/d × 0.60 = 8 580 000 kg = 8 580 t CH4;
    # 30 万亩 continuously flooded, 120 days: 300 000 亩 = 20 000 ha;
    # 20 000 × 120 × 1.30 × 1.0 = 3 120 000 kg = 3 120 t
    e = rice_ch4(
        _t(
            water_regime=["single_aeration", "continuous"],
            quantity=[100, 30],
            unit=["千公顷", "万亩"],
            days=[110, 120],
        )
    )
    assert _sum(e, item_en="rice, single aeration") == pytest.approx(8_580.0)
    assert _sum(e, item_en="continuously flooded rice") == pytest.approx(3_120.0)


def test_managed_soils_direct_n2o_by_hand() -> None:
    # 5 万t N on upland × 0.01 × 44/28 = 785.714 t N2O; 1 万t N on flooded rice
    # × 0.003 × 44/28 = 47.1429 t
    e = soils_direct_n2o(_t(field=["upland", "flooded_rice"], quantity=[5, 1], unit=["万t", "万t"]))
    assert _sum(e, item_en="N applied to upland") == pytest.approx(50_000 * 0.01 * 44 / 28)
    assert _sum(e, item_en="N applied to flooded rice") == pytest.approx(10_000 * 0.003 * 44 / 28)
    assert e.co2e("AR5")["co2e_t"].sum() == pytest.approx(265 * _sum(e))


def test_soils_field_must_be_upland_or_rice() -> None:
    with pytest.raises(TableError, match="column 'field' value 'orchard'"):
        soils_direct_n2o(_t(field=["orchard"], quantity=[1], unit=["t"]))


def test_negative_livestock_is_refused() -> None:
    with pytest.raises(TableError, match="column 'quantity' value -5 is negative"):
        enteric_ch4(_t(animal=["swine"], quantity=[-5], unit=["头"]))


# ------------------------------------------------------------------ waste
def test_landfill_mass_balance_by_hand() -> None:
    # 50 万t to a managed anaerobic site with an oxidising cover, DOC 0.15:
    # 500 000 × 1.0 × 0.15 × 0.5 × 0.5 × 16/12 = 25 000 t CH4 generated, − 5 000 t recovered
    # = 20 000, × (1 − 0.1) = 18 000 t. 10 万t to an unmanaged shallow site, DOC 0.12:
    # 100 000 × 0.4 × 0.12 × 0.5 × 0.5 × 16/12 = 1 600 t, OX 0
    e = landfill_ch4(
        _t(
            site_type=["managed_anaerobic", "unmanaged_shallow"],
            quantity=[50, 10],
            unit=["万t", "万t"],
            doc=[0.15, 0.12],
            oxidising_cover=[True, False],
            recovered_ch4_t=[5_000, 0],
        )
    )
    assert _sum(e, item_en="managed anaerobic landfill") == pytest.approx(18_000.0)
    assert _sum(e, item_en="unmanaged shallow landfill") == pytest.approx(1_600.0)


def test_landfill_doc_as_a_percentage_is_refused() -> None:
    with pytest.raises(TableError, match="column 'doc' value 15 is not a fraction"):
        landfill_ch4(_t(site_type=["uncategorised"], quantity=[1], unit=["t"], doc=[15]))


def test_incineration_by_hand() -> None:
    # 20 万t × dm 0.6 × CF 0.35 × FCF 0.4 × OF 1 = 16 800 t fossil C × 44/12 = 61 600 t CO2
    e = incineration_co2(_t(quantity=[20], unit=["万t"], dm=[0.6], cf=[0.35], fcf=[0.4]))
    assert _sum(e) == pytest.approx(61_600.0)


def test_wastewater_by_hand() -> None:
    # domestic: 8 万t BOD untreated to rivers: 80 000 × 0.6 × 0.1 = 4 800 t CH4;
    # industrial: 2 万t COD to an anaerobic reactor, 1 000 t recovered:
    # 20 000 × 0.25 × 0.8 − 1 000 = 3 000 t
    e = wastewater_ch4(
        _t(
            system=["untreated_river", "anaerobic_reactor"],
            organics=["BOD", "COD"],
            quantity=[8, 2],
            unit=["万t", "万t"],
            recovered_ch4_t=[0, 1_000],
        )
    )
    assert _sum(e, item_en="untreated, discharged to rivers and lakes") == pytest.approx(4_800.0)
    assert _sum(e, item_en="anaerobic reactor") == pytest.approx(3_000.0)


def test_an_inventory_of_every_category_adds_up() -> None:
    parts = [
        cement_co2(_t(quantity=[1], unit=["万t"])),
        enteric_ch4(_t(animal=["swine"], quantity=[1], unit=["万头"])),
        wastewater_ch4(
            _t(system=["untreated_river"], organics=["BOD"], quantity=[1], unit=["万t"])
        ),
    ]
    co2e = combine(*parts).co2e("AR5")
    # 5 202 t CO2 + 10 t CH4 × 28 + 600 t CH4 × 28 = 5 202 + 280 + 16 800 = 22 282
    t = totals(co2e)
    assert t["production_based_t"].iloc[0] == pytest.approx(22_282.0)
    assert t["consumption_based_t"].iloc[0] == pytest.approx(22_282.0)
    assert sorted(co2e["category_code"]) == ["2.A.1", "3.A.1", "4.D"]


def test_a_yes_no_column_as_text_is_refused() -> None:
    # "False" as text would read as true and take the covered sites' oxidation
    with pytest.raises(TableError, match="column 'oxidising_cover' value 'False' is not yes/no"):
        landfill_ch4(
            _t(
                site_type=["uncategorised"],
                quantity=[1],
                unit=["t"],
                doc=[0.1],
                oxidising_cover=["False"],
            )
        )


_CASES = [
    (cement_co2, {"quantity": [3.0], "unit": ["万t"]}),
    (lime_co2, {"lime_type": ["hydraulic"], "quantity": [3.0], "unit": ["t"]}),
    (enteric_ch4, {"animal": ["buffalo"], "quantity": [3.0], "unit": ["万头"]}),
    (
        rice_ch4,
        {"water_regime": ["continuous"], "quantity": [3.0], "unit": ["hm2"], "days": [100]},
    ),
    (soils_direct_n2o, {"field": ["upland"], "quantity": [3.0], "unit": ["t"]}),
    (soils_indirect_n2o, {"n_source": ["organic"], "quantity": [3.0], "unit": ["t"]}),
    (
        landfill_ch4,
        {"site_type": ["unmanaged_deep"], "quantity": [3.0], "unit": ["t"], "doc": [0.2]},
    ),
    (incineration_co2, {"quantity": [3.0], "unit": ["t"], "dm": [0.5], "cf": [0.3], "fcf": [0.4]}),
    (
        wastewater_ch4,
        {"system": ["anaerobic_reactor"], "organics": ["COD"], "quantity": [3.0], "unit": ["t"]},
    ),
]


@settings(max_examples=20, deadline=None)
@given(k=st.floats(0.0, 1e6, allow_nan=False), case=st.sampled_from(range(len(_CASES))))
def test_every_category_is_linear_in_its_activity(k: float, case: int) -> None:
    # Tier 1 emissions are activity × factors: scaling the activity scales them (without
    # recovery, which is subtracted, and with the factors fixed)
    fn, cols = _CASES[case]
    base = fn(_t(**cols))
    scaled = fn(_t(**{**cols, "quantity": [cols["quantity"][0] * k]}))
    assert _sum(scaled) == pytest.approx(k * _sum(base), rel=1e-12, abs=1e-9)
    assert _sum(base) > 0


def test_managed_soils_indirect_n2o_by_hand() -> None:
    # 1 万t synthetic N: volatilised 10 000 × 0.10 × 0.01 = 10 t N2O-N, leached
    # 10 000 × 0.30 × 0.0075 = 22.5 t; 32.5 × 44/28 = 51.0714 t N2O.
    # 2 万t organic N: 20 000 × 0.20 × 0.01 = 40, leached 20 000 × 0.30 × 0.0075 = 45;
    # 85 × 44/28 = 133.5714 t
    e = soils_indirect_n2o(_t(n_source=["synthetic", "organic"], quantity=[1, 2], unit=["万t"] * 2))
    assert _sum(e, item_en="synthetic fertiliser N") == pytest.approx(32.5 * 44 / 28)
    assert _sum(e, item_en="organic N (manure, compost)") == pytest.approx(85 * 44 / 28)
    assert set(e.table["category_code"]) == {"3.C.5"}
    with pytest.raises(TableError, match="column 'n_source' value 'urea' has no factor"):
        soils_indirect_n2o(_t(n_source=["urea"], quantity=[1], unit=["t"]))
