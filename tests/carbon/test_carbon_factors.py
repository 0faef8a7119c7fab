"""Emission factors as data: GWP sets against the IPCC tables, the fuel factors against
IPCC 2006 Table 1.4, the published grid factors, and the errors for a missing choice or
factor."""

from __future__ import annotations

import pytest

from ganpo.carbon.factors import (
    categories,
    category,
    fuel_factor_set,
    fuel_factor_set_names,
    grid_factor,
    gwp_set,
    process_factor_set,
)
from ganpo.errors import InputError, UnknownNameError


@pytest.mark.parametrize(
    ("name", "ch4_fossil", "ch4_non_fossil", "n2o"),
    [
        ("AR4", 25.0, 25.0, 298.0),  # AR4 WG I Table 2.14
        ("AR5", 28.0, 28.0, 265.0),  # AR5 WG I Table 8.7
        ("AR6", 29.8, 27.0, 273.0),  # AR6 WG I Table 7.15
    ],
)
def test_gwp_sets_are_the_published_values(
    name: str, ch4_fossil: float, ch4_non_fossil: float, n2o: float
) -> None:
    s = gwp_set(name)
    assert s.gwp("CO2") == 1.0
    assert s.gwp("CH4", "fossil") == ch4_fossil
    assert s.gwp("CH4", "non_fossil") == ch4_non_fossil
    assert s.gwp("N2O") == n2o
    assert s.status == "verified" and "Table" in s.source


@pytest.mark.parametrize("missing", [None, ""])
def test_a_gwp_set_must_be_chosen(missing: str | None) -> None:
    with pytest.raises(InputError, match="no GWP set chosen") as info:
        gwp_set(missing)
    assert "AR4, AR5, AR6" in str(info.value)
    assert info.value.field == "gwp_set"


def test_an_unknown_gwp_set_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="valid names: AR4, AR5, AR6"):
        gwp_set("SAR")


#: IPCC 2006 Vol. 2 Ch. 1 Table 1.4, default CO2 emission factors [kg CO2/TJ], typed from
#: the table (independent of the data files, which hold Table 1.3's carbon contents)
TABLE_1_4 = {
    "raw_coal": 94_600,  # other bituminous coal
    "washed_coal": 94_600,  # coking coal
    "coke": 107_000,  # coke oven coke
    "crude_oil": 73_300,
    "gasoline": 69_300,
    "kerosene": 71_900,  # other kerosene
    "diesel": 74_100,
    "fuel_oil": 77_400,  # residual fuel oil
    "lpg": 63_100,
    "natural_gas": 56_100,
}


@pytest.mark.parametrize("name", ["ipcc-2006", "cn-statistics"])
def test_carbon_contents_give_table_1_4(name: str) -> None:
    # Table 1.4 = carbon content × 44/12 × 1000 with oxidation 1, printed to 3 significant
    # figures: our factors must round to the printed value
    s = fuel_factor_set(name)
    assert set(s.fuels) == set(TABLE_1_4)
    for key, ef in TABLE_1_4.items():
        f = s.fuel(key)
        assert f.carbon_content.unit == "t C/TJ" and f.oxidation.value == 1.0
        computed = f.carbon_content.value * 44 / 12 * 1000 * f.oxidation.value
        assert float(f"{computed:.3g}") == ef, key


def test_ipcc_net_calorific_values_are_table_1_2() -> None:
    # IPCC 2006 Vol. 2 Ch. 1 Table 1.2 [TJ/Gg]
    table_1_2 = {"raw_coal": 25.8, "coke": 28.2, "crude_oil": 42.3, "gasoline": 44.3,
                 "kerosene": 43.8, "diesel": 43.0, "fuel_oil": 40.4, "lpg": 47.3,
                 "natural_gas": 48.0}  # fmt: skip
    s = fuel_factor_set("ipcc-2006")
    for key, ncv in table_1_2.items():
        assert s.fuel(key).ncv.value == ncv and s.fuel(key).ncv.unit == "TJ/Gg"
        assert s.fuel(key).ncv.status == "verified"


def test_chinese_net_calorific_values_are_flagged_unverified() -> None:
    s = fuel_factor_set("cn-statistics")
    assert s.fuel("natural_gas").ncv.unit == "kJ/m3"
    assert {f.ncv.status for f in s.fuels.values()} == {"unverified"}


def test_every_factor_names_its_source() -> None:
    for name in fuel_factor_set_names():
        for fuel in fuel_factor_set(name).fuels.values():
            for f in (fuel.ncv, fuel.carbon_content, fuel.oxidation):
                assert f.source and f.year > 2000
    for key, f in process_factor_set("ipcc-2006").factors.items():
        assert "IPCC 2006" in f.source, key


def test_a_missing_fuel_is_named_with_the_set() -> None:
    with pytest.raises(InputError, match=r"'ipcc-2006' has no factors for fuel 'biogas'"):
        fuel_factor_set("ipcc-2006").fuel("biogas")


@pytest.mark.parametrize(("year", "value"), [(2021, 0.5568), (2022, 0.5366)])
def test_published_national_grid_factors(year: int, value: float) -> None:
    # MEE/NBS announcements: 2021 公告2024年第12号, 2022 of 20 December 2024
    f = grid_factor("national", year)
    assert (f.value, f.unit, f.status) == (value, "kg CO2/kWh", "verified")


def test_a_grid_factor_of_an_unpublished_year_is_refused() -> None:
    with pytest.raises(
        InputError, match=r"no grid emission factor .* in 2019; published years: 2021, 2022, 2023"
    ):
        grid_factor("national", 2019)
    with pytest.raises(UnknownNameError, match="grid region"):
        grid_factor("jiangxi", 2022)


def test_categories_carry_codes_names_and_guideline_chapters() -> None:
    cats = categories()
    for code in ["1.A.1", "1.A.2", "1.A.3", "1.A.4", "1.A.5", "1.B", "2.A.1", "2.A.2",
                 "2.C.1", "3.A.1", "3.A.2", "3.C.4", "3.C.5", "3.C.7", "4.A", "4.C", "4.D"]:  # fmt: skip
        c = cats[code]
        assert c.zh and c.en and c.chapter_zh.startswith("第") and c.chapter_en
    assert category("1.B").ch4_origin == "fossil"
    assert category("3.A.1").ch4_origin == "non_fossil"
    assert category("memo.electricity").scope == "indirect"
    with pytest.raises(UnknownNameError):
        category("9.Z")
