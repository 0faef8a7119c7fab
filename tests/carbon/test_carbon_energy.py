"""Energy: fuel combustion CO2 and indirect electricity, worked by hand; the IPCC Tier 1
form; every bad input refused with the table, column, row and value."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.carbon.energy import (
    electricity_indirect_co2,
    fuel_combustion_co2,
    fuel_combustion_non_co2,
    unit_scale_findings,
)
from ganpo.carbon.inputs import table_zh
from ganpo.carbon.result import combine, totals
from ganpo.errors import InputError, TableError


def _fuels(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["unit_code", "year", "category_code", "fuel", "quantity", "unit"]
    )


def _co2(e: object, **where: object) -> float:
    t = e.table  # type: ignore[attr-defined]
    for k, v in where.items():
        t = t[t[k] == v]
    return float(t["quantity_t"].sum())


def test_raw_coal_in_10k_tonnes_by_hand() -> None:
    # 2 万t raw coal = 20 000 t × 20.908 GJ/t (GB/T 2589) = 418 160 GJ = 418.16 TJ
    # × 25.8 t C/TJ = 10 788.528 t C × 44/12 = 39 557.936 t CO2
    e = fuel_combustion_co2(_fuels((360100, 2022, "1.A.2", "raw_coal", 2, "万t")), "cn-statistics")
    assert _co2(e) == pytest.approx(39_557.936, rel=1e-12)
    row = e.table.iloc[0]
    assert (row["category_code"], row["category_en"], row["item_zh"], row["gas"]) == (
        "1.A.2",
        "Manufacturing industries and construction",
        "原煤",
        "CO2",
    )


def test_natural_gas_in_100_million_m3_by_hand() -> None:
    # 1 亿m³ = 10⁸ m³ × 38 931 kJ/m³ = 3 893 100 GJ = 3 893.1 TJ × 15.3 t C/TJ
    # = 59 564.43 t C × 44/12 = 218 402.91 t CO2
    e = fuel_combustion_co2(
        _fuels((360100, 2022, "1.A.4", "natural_gas", 1, "亿m³")), "cn-statistics"
    )
    assert _co2(e) == pytest.approx(218_402.91, rel=1e-12)


def test_tonnes_of_coal_equivalent_use_29_3076_gj() -> None:
    # 1 万tce of raw coal = 10 000 × 29.3076 GJ = 293.076 TJ × 25.8 t C/TJ = 7 561.3608 t C
    # × 44/12 = 27 724.9896 t CO2; the NCV plays no part, the tce factor is in the record
    e = fuel_combustion_co2(_fuels((1, 2022, "1.A.1", "raw_coal", 1, "万吨标准煤")), "ipcc-2006")
    assert _co2(e) == pytest.approx(27_724.9896, rel=1e-12)
    keys = set(e.provenance_table()["key"])
    assert "energy.tce" in keys and "fuel.ipcc-2006.raw_coal.ncv" not in keys


def test_ipcc_tier_1_diesel_matches_table_1_4() -> None:
    # IPCC 2006 Vol. 2 Eq. 2.1 with Table 1.2 and 1.4: 1 Gg diesel × 43.0 TJ/Gg ×
    # 74 100 kg CO2/TJ = 3 186.3 t CO2. ganpo uses the carbon content (Table 1.3, 20.2 t C/TJ
    # × 44/12 = 74 066.7 kg/TJ) that Table 1.4 prints rounded to 3 significant figures, so
    # the two agree within that rounding (0.045 %): tolerance 0.05 %
    e = fuel_combustion_co2(_fuels((1, 2022, "1.A.3", "diesel", 1000, "t")), "ipcc-2006")
    assert _co2(e) == pytest.approx(3_186.3, rel=5e-4)
    assert _co2(e) == pytest.approx(43.0 * 20.2 * 44 / 12, rel=1e-12)


def test_rows_of_one_sector_and_fuel_are_summed_and_kept_apart_otherwise() -> None:
    a = _fuels(
        (1, 2022, "1.A.2", "diesel", 500, "t"),
        (1, 2022, "1.A.2", "diesel", 500, "t"),
        (1, 2022, "1.A.3", "diesel", 1000, "t"),
        (2, 2022, "1.A.3", "gasoline", 1000, "t"),
    )
    e = fuel_combustion_co2(a, "ipcc-2006")
    assert len(e.table) == 3
    assert _co2(e, category_code="1.A.2") == pytest.approx(_co2(e, unit_code=1) / 2)
    # gasoline: 1 Gg × 44.3 TJ/Gg × 18.9 t C/TJ × 44/12
    assert _co2(e, unit_code=2) == pytest.approx(44.3 * 18.9 * 44 / 12)


def test_provenance_lists_every_factor_used() -> None:
    e = fuel_combustion_co2(_fuels((1, 2022, "1.A.2", "coke", 1, "t")), "ipcc-2006")
    p = e.provenance_table()
    assert list(p.columns) == ["key", "value", "unit", "year", "source", "status"]
    row = p.set_index("key").loc["fuel.ipcc-2006.coke.carbon_content"]
    assert (row["value"], row["unit"], row["status"]) == (29.2, "t C/TJ", "verified")
    assert "Table 1.3" in row["source"]
    assert len(p) == 3


# ------------------------------------------------------------------ bad input
def test_natural_gas_in_tonnes_is_refused_where_its_ncv_is_per_m3() -> None:
    a = _fuels(
        (1, 2022, "1.A.4", "raw_coal", 1, "t"), (360111, 2022, "1.A.4", "natural_gas", 5, "t")
    )
    with pytest.raises(TableError) as info:
        fuel_combustion_co2(a, "cn-statistics")
    msg = str(info.value)
    assert "table 'fuel combustion', row 1 (unit code 360111, 2022)" in msg
    assert "column 'unit' value 't' does not fit fuel 'natural_gas'" in msg
    assert "m³, 万m³, 亿m³" in msg and "tce" in msg
    assert info.value.field == "unit"


def test_natural_gas_in_m3_is_refused_where_its_ncv_is_per_mass() -> None:
    a = _fuels((1, 2022, "1.A.4", "natural_gas", 5, "亿m³"))
    with pytest.raises(TableError, match="net calorific value in set 'ipcc-2006' is per t"):
        fuel_combustion_co2(a, "ipcc-2006")


def test_an_unknown_unit_is_refused() -> None:
    a = _fuels((1, 2022, "1.A.4", "crude_oil", 5, "吨油当量"))
    with pytest.raises(TableError, match="column 'unit' value '吨油当量'"):
        fuel_combustion_co2(a, "ipcc-2006")


def test_a_fuel_without_factors_is_named() -> None:
    a = _fuels((1, 2022, "1.A.4", "biogas", 5, "t"))
    with pytest.raises(
        TableError, match=r"row 0 .*'ipcc-2006' has no factors for fuel 'biogas'"
    ) as exc:
        fuel_combustion_co2(a, "ipcc-2006")
    en, zh = str(exc.value).split(" / ")  # the row named in both halves, each said once
    assert "燃料" not in en
    assert zh == (
        "化石燃料燃烧活动水平表第 0 行（单位代码 1，2022 年）："
        "燃料因子集 ipcc-2006 中没有燃料 biogas 的因子"
    )


@pytest.mark.parametrize("value", [-3.0, "n/a"])
def test_negative_or_non_numeric_consumption_is_refused(value: object) -> None:
    a = _fuels((360100, 2022, "1.A.2", "diesel", value, "t"))
    with pytest.raises(TableError) as info:
        fuel_combustion_co2(a, "ipcc-2006")
    assert f"column 'quantity' value {value!r}" in str(info.value)
    assert "unit code 360100" in str(info.value)


def test_a_non_combustion_category_is_refused() -> None:
    with pytest.raises(TableError, match=r"'2\.A\.1' is not a fuel-combustion sector"):
        fuel_combustion_co2(_fuels((1, 2022, "2.A.1", "diesel", 1, "t")), "ipcc-2006")


def test_a_missing_column_is_named() -> None:
    with pytest.raises(TableError, match="lacks column\\(s\\) unit"):
        fuel_combustion_co2(
            _fuels((1, 2022, "1.A.2", "diesel", 1, "t")).drop(columns="unit"), "ipcc-2006"
        )


# ------------------------------------------------------------------ electricity
def _power(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "year", "quantity", "unit"])


def test_indirect_electricity_reproduces_the_published_factors() -> None:
    # 1 亿kWh × 0.5366 kg/kWh = 53 660 t (2022); × 0.5568 = 55 680 t (2021)
    e = electricity_indirect_co2(
        _power((1, 2022, 1, "亿kWh"), (1, 2021, 10_000, "万kWh")), grid="national"
    )
    assert _co2(e, year=2022) == pytest.approx(53_660.0)
    assert _co2(e, year=2021) == pytest.approx(55_680.0)
    assert set(e.table["scope"]) == {"indirect"}


def test_electricity_of_a_year_without_a_factor_is_refused() -> None:
    with pytest.raises(TableError, match=r"row 0 .*2020.*published years: 2021, 2022, 2023"):
        electricity_indirect_co2(_power((1, 2020, 1, "kWh")), grid="national")


def test_a_quoted_factor_refusal_keeps_each_language_in_its_half() -> None:
    """The grid factors' and the non-CO2 factors' refusals are quoted after the row, the
    English half in the English, the Chinese in the Chinese (the whole refusal, Chinese
    included, was once put in both)."""
    with pytest.raises(TableError) as power:
        electricity_indirect_co2(_power((1, 2020, 1, "kWh")), grid="national")
    with pytest.raises(TableError) as fuel:
        fuel_combustion_non_co2(_fuels((1, 2022, "1.A.3", "kerosene", 1, "t")), "ipcc-2006")
    for caught in (power, fuel):
        exc = caught.value
        assert str(exc) == f"{exc.source}: {exc.en} / {exc.zh}"
        assert exc.en.startswith(f"table '{exc.source}', row 0 (unit code 1, ")
        assert exc.zh.startswith(f"{table_zh(str(exc.source))}第 0 行（单位代码 1，")
        assert not re.search(r"[\u4e00-\u9fff]", exc.en), exc.en  # no Chinese in English
        assert re.search(r"[\u4e00-\u9fff]", exc.zh.split("：", 1)[1]), exc.zh


def test_electricity_in_another_quantity_is_refused() -> None:
    with pytest.raises(TableError, match="column 'unit' value '万t'"):
        electricity_indirect_co2(_power((1, 2022, 1, "万t")), grid="national")


def test_production_and_consumption_based_totals() -> None:
    # direct: a power plant (1.A.1.a) burns 1 Gg diesel: 43 × 20.2 × 44/12 = 3 184.8667 t;
    # industry burns 1 Gg gasoline: 44.3 × 18.9 × 44/12 = 3 069.99 t; the region consumes
    # 10 万kWh in 2022: 10⁵ × 0.5366 / 1000 = 53.66 t.
    # production = 3 184.8667 + 3 069.99; consumption = 3 069.99 + 53.66
    fuels = fuel_combustion_co2(
        _fuels((1, 2022, "1.A.1.a", "diesel", 1, "万t"), (1, 2022, "1.A.2", "gasoline", 1, "万t")),
        "ipcc-2006",
    )
    power = electricity_indirect_co2(_power((1, 2022, 10, "万kWh")), grid="national")
    t = totals(combine(fuels, power).co2e("AR6"))
    diesel, gasoline = 43.0 * 20.2 * 44 / 12 * 10, 44.3 * 18.9 * 44 / 12 * 10
    assert t["production_based_t"].iloc[0] == pytest.approx(diesel + gasoline)
    assert t["consumption_based_t"].iloc[0] == pytest.approx(gasoline + 53.66)
    assert t.attrs["gwp_set"] == "AR6"


def test_co2e_needs_a_gwp_set() -> None:
    e = fuel_combustion_co2(_fuels((1, 2022, "1.A.2", "diesel", 1, "t")), "ipcc-2006")
    with pytest.raises(InputError, match="no GWP set chosen"):
        e.co2e(None)
    t = e.co2e("AR4")
    assert list(t["gwp_set"]) == ["AR4"] and t.attrs["gwp_set"] == "AR4"
    assert t["co2e_t"].iloc[0] == t["quantity_t"].iloc[0]


_FUELS = ["raw_coal", "coke", "diesel", "gasoline", "natural_gas"]
_SECTORS = ["1.A.1", "1.A.2", "1.A.3", "1.A.4"]


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from([1, 2]),
            st.sampled_from(_SECTORS),
            st.sampled_from(_FUELS),
            st.floats(0, 1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=8,
    ),
    k=st.floats(0.01, 100),
)
def test_scaling_activity_scales_emissions_and_totals_add_up(
    rows: list[tuple[int, str, str, float]], k: float
) -> None:
    def table(scale: float) -> pd.DataFrame:
        return _fuels(
            *[
                (u, 2022, s, f, q * scale, "万m³" if f == "natural_gas" else "t")
                for u, s, f, q in rows
            ]
        )

    base = fuel_combustion_co2(table(1.0), "cn-statistics")
    scaled = fuel_combustion_co2(table(k), "cn-statistics")
    assert scaled.table["quantity_t"].sum() == pytest.approx(
        k * base.table["quantity_t"].sum(), rel=1e-9, abs=1e-6
    )
    co2e = base.co2e("AR5")
    t = totals(co2e)
    # the total of each unit is the sum of its categories, exactly (one float sum each)
    for _, r in t.iterrows():
        parts = co2e[co2e["unit_code"] == r["unit_code"]]["co2e_t"]
        assert r["production_based_t"] == math.fsum(parts)


# ------------------------------------------------------------------ CH4 and N2O
def test_combustion_ch4_and_n2o_by_hand() -> None:
    # 1 万t raw coal burnt in households (1.A.4), cn-statistics: 10⁴ t × 20.908 GJ/t
    # = 209.08 TJ; CH4 209.08 × 300 kg/TJ = 62 724 kg = 62.724 t; N2O 209.08 × 1.5
    # = 313.62 kg = 0.31362 t. Under AR6 both are fossil: CH4 × 29.8, N2O × 273
    e = fuel_combustion_non_co2(_fuels((1, 2022, "1.A.4", "raw_coal", 1, "万t")), "cn-statistics")
    assert _co2(e, gas="CH4") == pytest.approx(62.724)
    assert _co2(e, gas="N2O") == pytest.approx(0.31362)
    t = e.co2e("AR6").set_index("gas")
    assert t.loc["CH4", "gwp"] == 29.8 and t.loc["N2O", "gwp"] == 273.0
    assert t["co2e_t"].sum() == pytest.approx(62.724 * 29.8 + 0.31362 * 273)
    assert set(e.provenance_table()["status"]) == {"unverified"}


def test_combustion_non_co2_without_a_factor_is_named() -> None:
    with pytest.raises(TableError, match=r"no CH4 factor .* 'kerosene' in sector 1\.A\.3"):
        fuel_combustion_non_co2(_fuels((1, 2022, "1.A.3", "kerosene", 1, "t")), "ipcc-2006")
    with pytest.raises(TableError, match=r"sector 1\.A\.5 .* sectors with factors: 1\.A\.1"):
        fuel_combustion_non_co2(_fuels((1, 2022, "1.A.5", "diesel", 1, "t")), "ipcc-2006")


# ------------------------------------------------------------------ unit scale
def test_a_series_off_by_ten_thousand_is_flagged() -> None:
    # 2021: 3.1 万t raw coal; 2022: 31 000 "万t" (tonnes written under 万t): × 10 000
    a = _fuels(
        (360121, 2021, "1.A.2", "raw_coal", 3.1, "万t"),
        (360121, 2022, "1.A.2", "raw_coal", 31_000, "万t"),
        (360121, 2021, "1.A.4", "raw_coal", 2.0, "万t"),
        (360121, 2022, "1.A.4", "raw_coal", 2.6, "万t"),  # +30 %: usual, not flagged
    )
    f = unit_scale_findings(a, "cn-statistics")
    assert len(f) == 1
    row = f.iloc[0]
    assert (row["unit_code"], row["year"], row["previous_year"]) == (360121, 2022, 2021)
    assert row["ratio"] == pytest.approx(10_000.0)
    assert "check the unit (t or 万t" in row["message_en"]
    assert "请核对单位" in row["message_zh"]


def test_tce_and_physical_units_of_one_series_compare_in_energy() -> None:
    # 1 万tce = 293 076 GJ; 1.4 万t raw coal = 14 000 × 20.908 = 292 712 GJ: no finding;
    # 1.4 tce the year after (万 forgotten) is 1/7 143 of that: flagged
    a = _fuels(
        (1, 2020, "1.A.2", "raw_coal", 1, "万tce"),
        (1, 2021, "1.A.2", "raw_coal", 1.4, "万t"),
        (1, 2022, "1.A.2", "raw_coal", 1.4, "tce"),
    )
    f = unit_scale_findings(a, "cn-statistics")
    assert f["year"].tolist() == [2022]
    assert f["ratio"].iloc[0] == pytest.approx(1.4 * 29.3076 / 292_712)


def test_totals_of_a_table_with_a_repeated_index() -> None:
    # two co2e tables stacked without a new index: each total still takes its own rows
    # (1.A.2 diesel 1 Gg: 43 × 20.2 × 44/12; electricity 10 万kWh: 53.66 t)
    fuels = fuel_combustion_co2(_fuels((1, 2022, "1.A.2", "diesel", 1000, "t")), "ipcc-2006")
    power = electricity_indirect_co2(_power((1, 2022, 10, "万kWh")), grid="national")
    stacked = pd.concat([fuels.co2e("AR5"), power.co2e("AR5")])
    assert list(stacked.index) == [0, 0]
    t = totals(stacked)
    assert t["production_based_t"].iloc[0] == pytest.approx(43 * 20.2 * 44 / 12)
    assert t["consumption_based_t"].iloc[0] == pytest.approx(43 * 20.2 * 44 / 12 + 53.66)
