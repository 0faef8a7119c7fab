"""Parameter sets: every value has unit, year, source; wrong names and units are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.catalog.ecosystems import by_code, by_key, ecosystem_types, raster_codes
from ganpo.catalog.indicators import indicator, indicators
from ganpo.catalog.parameters import load_parameter_set, parameter_set_names
from ganpo.catalog.units import conversion_factor, to_base
from ganpo.errors import InputError, UnknownNameError


@pytest.mark.parametrize("name", parameter_set_names())
def test_every_value_is_documented(name: str) -> None:
    p = load_parameter_set(name)
    assert p.values
    for key, v in p.values.items():
        assert v.unit and v.source and 1900 < v.year < 2100, key


def test_garze_prices_are_the_published_ones() -> None:
    # Garzê 2010 (白玛卓嘎 et al. 2017, 生态学报 37(19):6302-6312, Table 3)
    p = load_parameter_set("garze-2010")
    assert p.scalar("reservoir_cost", "CNY/m3") == 7.06
    assert p.scalar("dredging_cost", "CNY/m3") == 15.58
    assert p.scalar("electricity_price", "CNY/kWh") == 0.53
    assert p.scalar("oxygen_price", "CNY/t") == 727.0
    # 380 CNY per t CO₂: 117.3548 ×10⁸ CNY / 380 = 0.3088 ×10⁸ t, the row's CO₂ (§3.2.7)
    assert p.scalar("carbon_price", "CNY/t") == 380.0
    assert p.values["carbon_price"].status == "verified"


def test_unknown_set_lists_names() -> None:
    with pytest.raises(UnknownNameError, match="valid names: garze-2010, jiangxi-default"):
        load_parameter_set("nope")


def test_wrong_unit_is_refused() -> None:
    p = load_parameter_set("jiangxi-default")
    with pytest.raises(
        InputError,
        match=r"'reservoir_cost' is given in 'CNY/m3' but the method needs 'CNY/t', which measures another quantity",
    ):
        p.scalar("reservoir_cost", "CNY/t")
    # a compatible unit is converted explicitly: 7.06 CNY/m³ = 7.06e-4 万元/m³
    assert p.scalar("reservoir_cost", "万元/m3") == pytest.approx(7.06e-4, rel=1e-12)
    with pytest.raises(InputError, match=r"has no value 'pest_cost'"):
        p.scalar("pest_cost", "CNY/ha")


def test_per_type_and_type_sets() -> None:
    p = load_parameter_set("jiangxi-default")
    alpha = p.per_type("runoff_coefficient", "1")
    # level-1 values (Jiangxi's zonal types), then sub-types with their own values
    assert (alpha[1], alpha[2], alpha[3], alpha[4]) == (0.0465, 0.0426, 0.0387, 0.0)
    assert (alpha[12], alpha[31], alpha[53], alpha[73]) == (0.0452, 0.0387, 0.0957, 0.0)
    assert alpha[41] == alpha[42] == 0.0  # wetland sub-types take the wetland value
    # no coefficient: cropland (paddy, dry land), built-up, lakes, rivers, bare land
    assert not {5, 51, 52, 6, 7, 71, 72, 8} & set(alpha)
    # a level-1 type brings its sub-types: water 7 and 71–74, wetland 4 and 41–43
    assert p.type_set("climate_water_surface") == (4, 7, 41, 42, 43, 71, 72, 73, 74)
    with pytest.raises(InputError, match="given per ecosystem type"):
        p.scalar("runoff_coefficient", "1")


def test_invalid_set_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name="x"\nversion="1"\ntitle_zh="x"\ntitle_en="x"\ndescription=""\n'
        '[values.a]\nunit="1"\nyear=2020\nregion="r"\nsource="s"\nstatus="verified"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        InputError,
        match=r"bad.toml: invalid parameter set: values.a: Value error, give either 'value' or 'by_type'",
    ):
        load_parameter_set(str(bad))


def test_catalog_and_units() -> None:
    assert by_key("forest").code == 1 and by_code(7).key == "water"
    assert 0 not in raster_codes() and len(ecosystem_types()) == 9
    assert indicator("water_conservation").category == "regulating"
    assert {i.category for i in indicators().values()} == {"material", "regulating", "cultural"}
    assert to_base("10^8 CNY") == ("CNY", 1e8)
    with pytest.raises(InputError, match="unknown unit 'bogus'"):
        to_base("bogus")
    # Chinese statistical units, converted explicitly
    assert to_base("万元") == ("CNY", 1e4)
    assert to_base("亿m³") == ("m3", 1e8)
    assert to_base("万人次") == ("person-time", 1e4)
    assert conversion_factor("hm2", "亩") == pytest.approx(15.0, rel=1e-12)  # 1 hm² = 15 亩
    assert conversion_factor("万kWh", "10^8 kWh") == pytest.approx(1e-4, rel=1e-12)
    with pytest.raises(
        InputError, match=r"unit 'CNY/m3' does not measure the same quantity as 'CNY/t'"
    ):
        conversion_factor("CNY/m3", "CNY/t")
    with pytest.raises(UnknownNameError, match="unknown ecosystem type 'desert'"):
        by_key("desert")
