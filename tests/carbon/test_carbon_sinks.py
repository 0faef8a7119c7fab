"""Ecosystem carbon sinks: hand-worked cases of the stock-difference, gain-loss and rate
methods, the sink account, its reconciliation with the GEP carbon sequestration, and each
bad input refused with its table, column, row and value.

Factors of the shipped set ``cn-forestry`` used in the hand computations (unverified, see
the data file): Chinese fir D 0.307 t/m³, BEF 1.634, R 0.246, CF 0.520, so one m³ of stand
volume holds 0.307 × 1.634 × 1.246 × 0.520 = 0.32502129296 t C; Masson pine D 0.380,
BEF 1.472, R 0.187, CF 0.460: 0.380 × 1.472 × 1.187 × 0.460 = 0.3054217472 t C per m³.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.carbon.industry import cement_co2
from ganpo.carbon.result import combine, totals
from ganpo.carbon.sinks import (
    forest_carbon_stock,
    forest_gain_loss,
    forest_stock_difference,
    rate_sinks,
    stand_carbon,
)
from ganpo.carbon.sinks_account import reconcile_with_gep, sink_account
from ganpo.carbon.sinks_factors import (
    SinkFactorSet,
    sink_factor_set,
    sink_factor_set_names,
)
from ganpo.errors import InputError, TableError, UnknownNameError

FIR_C_PER_M3 = 0.32502129296  # 0.307 × 1.634 × 1.246 × 0.520
PINE_C_PER_M3 = 0.3054217472  # 0.380 × 1.472 × 1.187 × 0.460
CO2_PER_C = 44.0 / 12.0
COUNTY = 360102  # 南昌市东湖区


def _stock(year: int, **cols: list[object]) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"unit_code": [COUNTY] * n, "year": [year] * n, **cols})


def _local(**factors: tuple[float, str]) -> SinkFactorSet:
    """The shipped set with a region's own factors (key → value, unit) added."""
    t = pd.DataFrame(
        {
            "key": list(factors),
            "value": [v for v, _ in factors.values()],
            "unit": [u for _, u in factors.values()],
            "year": 2020,
            "source": "county forestry bureau survey 2020 (test)",
            "status": "unverified",
        }
    )
    return sink_factor_set("cn-forestry").with_factors(t, name="local")


# ------------------------------------------------------------------ factors
def test_the_shipped_set_has_every_volume_factor_of_each_type_with_a_source() -> None:
    assert "cn-forestry" in sink_factor_set_names()
    f = sink_factor_set("cn-forestry")
    types = f.types_under("forest")
    assert {"chinese_fir", "masson_pine", "other_pines", "mixed_broadleaf"} <= set(types)
    for t in types:
        d = f.get(f"forest.{t}.density", "t/m3").value
        bef = f.get(f"forest.{t}.bef", "1").value
        r = f.get(f"forest.{t}.root_shoot", "1").value
        cf = f.get(f"forest.{t}.carbon_fraction", "1").value
        # the physical ranges of the factors (wood 0.2–1 t/m³; branches and leaves add
        # to the stem; roots below the shoot; dry matter about half carbon)
        assert 0.2 < d < 1.0 and 1.0 < bef < 3.0 and 0.1 < r < 0.6 and 0.4 < cf < 0.6
        for k in ("density", "bef", "root_shoot", "carbon_fraction"):
            fac = f.factors[f"forest.{t}.{k}"]
            assert fac.status == "unverified" and "check" in fac.source
    with pytest.raises(UnknownNameError, match="cn-forestry"):
        sink_factor_set("nowhere")


def test_a_factor_asked_for_in_another_unit_is_refused() -> None:
    with pytest.raises(InputError, match=r"'forest.chinese_fir.density' .* is in 't/m3'"):
        sink_factor_set("cn-forestry").get("forest.chinese_fir.density", "kg/m3")


def test_a_local_factor_without_source_is_refused() -> None:
    t = pd.DataFrame(
        {"key": ["rate.wetland.marsh"], "value": [0.5], "unit": ["t C/hm2/a"],
         "year": [2020], "source": [""], "status": ["unverified"]}
    )  # fmt: skip
    with pytest.raises(TableError, match=r"row 0 \(key rate.wetland.marsh\): column 'source'"):
        sink_factor_set("cn-forestry").with_factors(t)


# ------------------------------------------------------------------ stock
def test_stand_carbon_by_hand() -> None:
    # 200 m³ × 0.5 t/m³ × 1.4 × (1 + 0.2) × 0.5 = 84 t C
    assert stand_carbon(200.0, 0.5, 1.4, 0.2, 0.5) == pytest.approx(84.0, rel=1e-12)


def test_forest_stock_of_chinese_fir_from_volume() -> None:
    # 1 万m³ = 10 000 m³ × 0.32502129296 t C/m³ = 3250.2129296 t C
    s = _stock(2020, forest_type=["chinese_fir"], quantity=[1.0], unit=["万m3"])
    table, used = forest_carbon_stock(s)
    assert float(table["carbon_t"].iloc[0]) == pytest.approx(3250.2129296, rel=1e-12)
    assert {u.key for u in used} == {
        "cn-forestry.forest.chinese_fir.density",
        "cn-forestry.forest.chinese_fir.bef",
        "cn-forestry.forest.chinese_fir.root_shoot",
        "cn-forestry.forest.chinese_fir.carbon_fraction",
    }


def test_bamboo_by_culm_count_and_economic_forest_by_area_with_local_factors() -> None:
    f = _local(
        **{
            "forest.bamboo.culm_biomass": (0.015, "t/culm"),
            "forest.bamboo.root_shoot": (0.3, "1"),
            "forest.bamboo.carbon_fraction": (0.5, "1"),
            "forest.economic.carbon_density": (20.0, "t C/hm2"),
        }
    )
    s = _stock(2020, forest_type=["bamboo", "economic"], quantity=[2.0, 1500.0],
               unit=["万株", "亩"])  # fmt: skip
    table, used = forest_carbon_stock(s, f)
    # bamboo: 2 万株 = 20 000 culms × 0.015 t × 1.3 × 0.5 = 195 t C
    # economic forest: 1500 亩 = 100 hm² × 20 t C/hm² = 2000 t C
    assert table["carbon_t"].tolist() == pytest.approx([195.0, 2000.0], rel=1e-12)
    assert all(u.key.startswith("local.forest.") for u in used)
    assert {u.source for u in used} == {"county forestry bureau survey 2020 (test)"}


def test_stock_difference_by_hand() -> None:
    # Chinese fir 100 → 110 万m³ from 2016 to 2021: ΔV = 2 万m³/a,
    #   ΔC = 20 000 × 0.32502129296 = 6500.4258592 t C/a, CO2 = −23 834.894817 t/a
    # Masson pine 50 000 → 40 000 m³: ΔV = −2000 m³/a,
    #   ΔC = −2000 × 0.3054217472 = −610.8434944 t C/a, CO2 = +2239.7594795 t/a (a loss)
    first = _stock(2016, forest_type=["chinese_fir", "masson_pine"], quantity=[100.0, 5.0],
                   unit=["万m3", "万m3"])  # fmt: skip
    second = _stock(2021, forest_type=["masson_pine", "chinese_fir"], quantity=[40000.0, 110.0],
                    unit=["m3", "万m3"])  # fmt: skip
    e = forest_stock_difference(first, second)
    t = e.table
    assert sorted(t["year"].unique()) == [2017, 2018, 2019, 2020, 2021]
    assert set(t["category_code"]) == {"3.B.1.a"} and set(t["gas"]) == {"CO2"}
    fir = t[t["item_en"] == "Chinese fir forest"]
    pine = t[t["item_zh"] == "马尾松林"]
    assert fir["quantity_t"].tolist() == pytest.approx([-23834.894817] * 5, rel=1e-9)
    assert pine["quantity_t"].tolist() == pytest.approx([2239.7594795] * 5, rel=1e-9)
    assert (t["category_en"] == "Forest land remaining forest land").all()
    prov = e.provenance_table()  # each factor once, with its source and status
    assert len(prov) == 8 and set(prov["status"]) == {"unverified"}
    assert prov.set_index("key").loc["cn-forestry.forest.masson_pine.bef", "value"] == 1.472


def test_gain_loss_by_hand() -> None:
    # growth: 1500 亩 = 100 hm² of Chinese fir × 6 m³/hm²/a = 600 m³/a
    #   gain 600 × 0.32502129296 = 195.01277578 t C → −715.04684451 t CO2
    # losses: 100 m³ commercial harvest + 50 m³ fuelwood of Chinese fir
    #   100 × 0.32502129296 = 32.502129296 t C → +119.17447409 t CO2
    #    50 × 0.32502129296 = 16.251064648 t C →  +59.58723704 t CO2
    # net: −715.04684451 + 119.17447409 + 59.58723704 = −536.28513338 t CO2
    g = _stock(2022, forest_type=["chinese_fir"], area=[1500.0], area_unit=["亩"],
               increment=[6.0])  # fmt: skip
    losses = _stock(2022, forest_type=["chinese_fir", "chinese_fir"],
                    kind=["commercial_harvest", "fuelwood"], quantity=[100.0, 50.0],
                    unit=["m3", "m3"])  # fmt: skip
    t = forest_gain_loss(g, losses).table.set_index("item_en")["quantity_t"]
    assert t["Chinese fir forest: growth"] == pytest.approx(-715.04684451, rel=1e-9)
    assert t["Chinese fir forest: commercial harvest"] == pytest.approx(119.17447409, rel=1e-9)
    assert t["Chinese fir forest: fuelwood"] == pytest.approx(59.58723704, rel=1e-9)
    assert math.fsum(t) == pytest.approx(-536.28513338, rel=1e-9)


def test_stock_difference_and_gain_loss_agree_when_the_stock_changes_by_the_net() -> None:
    # the two methods on one stand: 100 hm² growing 6 m³/hm²/a, 150 m³ harvested a year,
    # so the volume grows by 450 m³/a; over 2 years the stock difference sees 900 m³
    g = _stock(2022, forest_type=["chinese_fir"], area=[100.0], area_unit=["hm2"],
               increment=[6.0])  # fmt: skip
    losses = _stock(2022, forest_type=["chinese_fir"], kind=["commercial_harvest"],
                    quantity=[150.0], unit=["m3"])  # fmt: skip
    gl = forest_gain_loss(g, losses).table["quantity_t"].sum()
    first = _stock(2020, forest_type=["chinese_fir"], quantity=[10000.0], unit=["m3"])
    second = _stock(2022, forest_type=["chinese_fir"], quantity=[10900.0], unit=["m3"])
    sd = forest_stock_difference(first, second).table
    assert float(sd.loc[sd["year"] == 2022, "quantity_t"].iloc[0]) == pytest.approx(
        float(gl), rel=1e-12
    )


@pytest.mark.parametrize(
    ("quantity", "unit"),
    [(100.0, "hm2"), (100.0, "ha"), (100.0, "公顷"), (0.1, "千公顷"), (1500.0, "亩"),
     (0.15, "万亩"), (1.0, "km2"), (1.0, "km²"), (1.0, "平方公里")],
)  # fmt: skip
def test_area_units_are_converted(quantity: float, unit: str) -> None:
    # 100 hm² of Masson pine × 5 m³/hm²/a = 500 m³/a × 0.3054217472 = 152.7108736 t C
    g = _stock(2022, forest_type=["masson_pine"], area=[quantity], area_unit=[unit],
               increment=[5.0])  # fmt: skip
    co2 = float(forest_gain_loss(g).table["quantity_t"].iloc[0])
    assert co2 == pytest.approx(-152.7108736 * CO2_PER_C, rel=1e-12)


@pytest.mark.parametrize("unit", ["t", "m3", "顷", "hectares of forest"])
def test_other_area_units_are_refused(unit: str) -> None:
    g = _stock(2022, forest_type=["masson_pine"], area=[100.0], area_unit=[unit],
               increment=[5.0])  # fmt: skip
    with pytest.raises(TableError, match=rf"table 'forest growth', row 0 .*'{unit}'"):
        forest_gain_loss(g)


def test_rates_by_hand_with_local_rates() -> None:
    # marsh 200 hm² × 0.5 t C/hm²/a = 100 t C → −366.666… t CO2 (3.B.4.a)
    # paddy soil 3000 亩 = 200 hm² × 0.2 = 40 t C → −146.666… t CO2 (3.B.2.a)
    f = _local(**{"rate.wetland.marsh": (0.5, "t C/hm2/a"),
                  "rate.cropland.paddy": (0.2, "t C/hm2/a")})  # fmt: skip
    a = _stock(2022, ecosystem=["wetland", "cropland"], ecosystem_type=["marsh", "paddy"],
               quantity=[2.0, 3000.0], unit=["km2", "亩"])  # fmt: skip
    t = rate_sinks(a, f).table.set_index("category_code")["quantity_t"]
    assert t["3.B.4.a"] == pytest.approx(-100.0 * CO2_PER_C, rel=1e-12)
    assert t["3.B.2.a"] == pytest.approx(-40.0 * CO2_PER_C, rel=1e-12)


def test_a_rate_missing_from_the_set_is_named() -> None:
    a = _stock(2022, ecosystem=["grassland"], ecosystem_type=["tussock"], quantity=[10.0],
               unit=["hm2"])  # fmt: skip
    with pytest.raises(
        TableError, match=r"row 0 .* no sequestration rate 'rate.grassland.tussock'"
    ):
        rate_sinks(a)
    with pytest.raises(TableError, match=r"column 'ecosystem' value 'forest' is not counted"):
        rate_sinks(a.assign(ecosystem="forest"))


def test_sinks_combine_with_emissions_into_a_net_total() -> None:
    # cement 1 万t clinker: 10 000 × 0.51 × 1.02 = 5202 t CO2; forest gain of 1000 m³ of
    # Chinese fir: −1000 × 0.32502129296 × 44/12 = −1191.7447409 t CO2. The production-
    # and consumption-based totals stay gross of LULUCF (the guideline's total); net_t
    # adds the sink
    cement = cement_co2(_stock(2022, quantity=[1.0], unit=["万t"]))
    g = _stock(2022, forest_type=["chinese_fir"], area=[100.0], area_unit=["hm2"],
               increment=[10.0])  # fmt: skip
    tot = totals(combine(cement, forest_gain_loss(g)).co2e("AR6")).iloc[0]
    assert float(tot["production_based_t"]) == pytest.approx(5202.0, rel=1e-12)
    assert float(tot["consumption_based_t"]) == pytest.approx(5202.0, rel=1e-12)
    assert float(tot["lulucf_t"]) == pytest.approx(-1191.7447409, rel=1e-9)
    assert float(tot["net_t"]) == pytest.approx(5202.0 - 1191.7447409, rel=1e-9)


@pytest.mark.parametrize(
    ("quantity", "unit"),
    [(1e4, "m3"), (1e4, "m³"), (1e4, "立方米"), (1.0, "万m3"), (1.0, "万m³"), (1.0, "万立方米"),
     (1e-4, "亿m3"), (1e-4, "亿立方米")],
)  # fmt: skip
def test_volume_units_as_statistics_write_them(quantity: float, unit: str) -> None:
    # 10 000 m³ of Chinese fir × 0.32502129296 = 3250.2129296 t C
    s = _stock(2020, forest_type=["chinese_fir"], quantity=[quantity], unit=[unit])
    assert float(forest_carbon_stock(s)[0]["carbon_t"].iloc[0]) == pytest.approx(
        3250.2129296, rel=1e-12
    )


def test_a_negative_rate_is_a_source() -> None:
    # drained wetland losing 1.2 t C/hm²/a on 10 hm²: +12 t C → +44 t CO2
    f = _local(**{"rate.wetland.drained": (-1.2, "t C/hm2/a")})
    a = _stock(2022, ecosystem=["wetland"], ecosystem_type=["drained"], quantity=[10.0],
               unit=["hm2"])  # fmt: skip
    assert float(rate_sinks(a, f).table["quantity_t"].iloc[0]) == pytest.approx(44.0, rel=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    v1=st.floats(0.0, 1e7),
    dv=st.floats(-1e6, 1e6),
    years=st.integers(1, 10),
    scale=st.sampled_from([(1.0, "m3"), (1e-4, "万m3"), (1e-8, "亿m3")]),
)
def test_stock_difference_is_linear_in_the_change_and_free_of_the_unit(
    v1: float, dv: float, years: int, scale: tuple[float, str]
) -> None:
    v2 = max(v1 + dv, 0.0)
    k, unit = scale
    first = _stock(2010, forest_type=["chinese_fir"], quantity=[v1 * k], unit=[unit])
    second = _stock(2010 + years, forest_type=["chinese_fir"], quantity=[v2 * k], unit=[unit])
    t = forest_stock_difference(first, second).table
    assert len(t) == years
    expected = -(v2 - v1) / years * FIR_C_PER_M3 * CO2_PER_C
    assert t["quantity_t"].tolist() == pytest.approx([expected] * years, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------ bad input
def test_an_unknown_forest_type_lists_the_known_ones() -> None:
    s = _stock(2020, forest_type=["eucalyptus"], quantity=[1.0], unit=["m3"])
    with pytest.raises(
        TableError,
        match=r"table 'forest stock', row 0 \(unit code 360102, 2020\): column 'forest_type' "
        r"value 'eucalyptus' is not a forest type .* chinese_fir",
    ):
        forest_carbon_stock(s)


def test_a_negative_volume_is_refused() -> None:
    first = _stock(2016, forest_type=["chinese_fir"], quantity=[100.0], unit=["m3"])
    second = _stock(2021, forest_type=["chinese_fir"], quantity=[-5.0], unit=["m3"])
    with pytest.raises(
        TableError,
        match=r"table 'forest stock, second inventory', row 0 .* column 'quantity' value -5.0 "
        r"is negative",
    ):
        forest_stock_difference(first, second)


@pytest.mark.parametrize("year", [2016, 2010])
def test_a_second_inventory_not_later_than_the_first_is_refused(year: int) -> None:
    first = _stock(2016, forest_type=["chinese_fir"], quantity=[100.0], unit=["m3"])
    second = _stock(year, forest_type=["chinese_fir"], quantity=[110.0], unit=["m3"])
    with pytest.raises(TableError, match=rf"column 'year' value {year} is not later than .* 2016"):
        forest_stock_difference(first, second)


def test_a_type_in_one_inventory_only_is_refused() -> None:
    first = _stock(2016, forest_type=["chinese_fir", "masson_pine"], quantity=[1.0, 2.0],
                   unit=["m3", "m3"])  # fmt: skip
    second = _stock(2021, forest_type=["chinese_fir"], quantity=[1.0], unit=["m3"])
    with pytest.raises(TableError, match=r"'masson_pine' of unit 360102 has no row in the second"):
        forest_stock_difference(first, second)


def test_a_missing_factor_is_named() -> None:
    # bamboo counted by culms with a culm biomass but no carbon fraction
    f = _local(**{"forest.bamboo.culm_biomass": (0.015, "t/culm"),
                  "forest.bamboo.root_shoot": (0.3, "1")})  # fmt: skip
    s = _stock(2020, forest_type=["bamboo"], quantity=[100.0], unit=["株"])
    with pytest.raises(TableError, match=r"has no factor 'forest.bamboo.carbon_fraction'"):
        forest_carbon_stock(s, f)
    # Chinese fir given by area: the shipped set has no carbon density for it
    s = _stock(2020, forest_type=["chinese_fir"], quantity=[100.0], unit=["hm2"])
    with pytest.raises(TableError, match=r"no factor 'forest.chinese_fir.carbon_density'"):
        forest_carbon_stock(s)


def test_a_stock_unit_that_is_no_volume_culm_or_area_is_refused() -> None:
    s = _stock(2020, forest_type=["chinese_fir"], quantity=[100.0], unit=["t"])
    with pytest.raises(TableError, match=r"column 'unit' value 't' is neither a volume"):
        forest_carbon_stock(s)


def test_a_loss_of_unknown_kind_or_not_in_volume_is_refused() -> None:
    g = _stock(2022, forest_type=["chinese_fir"], area=[1.0], area_unit=["hm2"], increment=[1.0])
    bad = _stock(2022, forest_type=["chinese_fir"], kind=["wind"], quantity=[1.0], unit=["m3"])
    with pytest.raises(TableError, match=r"column 'kind' value 'wind' is not a kind of loss"):
        forest_gain_loss(g, bad)
    with pytest.raises(TableError, match=r"column 'unit' value 't' is not a volume"):
        forest_gain_loss(g, bad.assign(kind="fuelwood", unit="t"))


def test_a_unit_outside_the_region_is_refused() -> None:
    first = _stock(2016, forest_type=["chinese_fir"], quantity=[1.0], unit=["m3"])
    first["unit_code"] = 440103
    with pytest.raises(TableError, match=r"440103 .* not a unit of the region 360000"):
        forest_stock_difference(first, first.assign(year=2021), region=360000)


# ------------------------------------------------------------------ account
def _account() -> pd.DataFrame:
    first = _stock(2020, forest_type=["chinese_fir"], quantity=[10000.0], unit=["m3"])
    second = _stock(2022, forest_type=["chinese_fir"], quantity=[12000.0], unit=["m3"])
    f = _local(**{"rate.cropland.paddy": (0.2, "t C/hm2/a")})
    areas = _stock(2022, ecosystem=["cropland"], ecosystem_type=["paddy"], quantity=[150.0],
                   unit=["hm2"])  # fmt: skip
    return sink_account(
        stock_difference=forest_stock_difference(first, second), rates=rate_sinks(areas, f)
    )


def test_the_sink_account_by_unit_year_and_ecosystem() -> None:
    # forest: 1000 m³/a × 0.32502129296 = 325.02129296 t C → −1191.7447409 t CO2 (2021, 2022)
    # cropland soil: 150 hm² × 0.2 = 30 t C → −110 t CO2 (2022)
    a = _account()
    got = {(int(r.year), r.ecosystem): r.co2_t for r in a.itertuples()}
    assert got == pytest.approx(
        {(2021, "forest"): -1191.7447409, (2022, "forest"): -1191.7447409,
         (2022, "cropland"): -110.0},
        rel=1e-9,
    )  # fmt: skip
    assert set(a.loc[a["ecosystem"] == "forest", "method"]) == {"stock_difference"}
    assert set(a["ecosystem_zh"]) == {"森林", "农田"}


def test_the_account_refuses_two_forest_methods_for_one_unit_and_year() -> None:
    g = _stock(2022, forest_type=["chinese_fir"], area=[1.0], area_unit=["hm2"], increment=[1.0])
    first = _stock(2020, forest_type=["chinese_fir"], quantity=[1.0], unit=["m3"])
    sd = forest_stock_difference(first, first.assign(year=2022, quantity=2.0))
    with pytest.raises(InputError, match=r"unit 360102, 2022: forest is given by both"):
        sink_account(stock_difference=sd, gain_loss=forest_gain_loss(g))


def _gep(rows: list[tuple[int, int, str, float, str]]) -> pd.DataFrame:
    """GEP result rows as the engine gives them (engine.result.RESULT_COLUMNS)."""
    return pd.DataFrame(
        [
            {"indicator": ind, "component": "", "category": "regulating", "ecosystem_code": eco,
             "unit_code": county, "county_adcode": county, "quantity": q,
             "quantity_unit": unit, "price_key": "carbon_price", "price": 80.0,
             "price_unit": "CNY/t", "value_cny": q * 80.0}
            for county, eco, ind, q, unit in rows
        ]
    )  # fmt: skip


def test_reconciliation_on_a_tiny_case_with_a_known_difference() -> None:
    # inventory 2022: forest removal 1191.7447409, cropland soil 110 → 1301.7447409 t CO2
    # GEP 2022 (net ecosystem production): evergreen needleleaf forest (12) 1500, bamboo
    # forest (16) 300 → forest 1800; shrub (21) 250; oxygen release rows are not counted
    # difference = 2050 − 1301.7447409 = 748.2552591
    # coverage: shrub in GEP only +250; cropland in the inventory only −110
    # unexplained (forest, both methods): 1800 − 1191.7447409 = 608.2552591
    gep = _gep(
        [(COUNTY, 12, "carbon_sequestration", 1500.0, "t CO2"),
         (COUNTY, 16, "carbon_sequestration", 300.0, "t CO2"),
         (COUNTY, 21, "carbon_sequestration", 0.025, "万t CO2"),
         (COUNTY, 12, "oxygen_release", 999.0, "t O2")]
    )  # fmt: skip
    r = reconcile_with_gep(_account(), gep, 2022, gep_method="net_ecosystem_production")
    parts = {(p.part, p.ecosystem): p.amount_t for p in r.itertuples()}
    assert parts == pytest.approx(
        {("inventory", "all"): 1301.7447409, ("gep", "all"): 2050.0,
         ("difference", "all"): 748.2552591, ("coverage", "shrub"): 250.0,
         ("coverage", "cropland"): -110.0, ("unexplained", "all"): 608.2552591},
        rel=1e-9,
    )  # fmt: skip
    explained = r[r["part"].isin(["coverage", "unexplained"])]["amount_t"]
    assert math.fsum(explained) == pytest.approx(parts[("difference", "all")], rel=1e-12)
    un = r[r["part"] == "unexplained"].iloc[0]
    assert "net ecosystem production" in un["explanation_en"] and "forest" in un["explanation_en"]
    assert "净生态系统生产力法" in un["explanation_zh"]


def test_reconciliation_of_a_year_the_inventory_lacks_says_so() -> None:
    gep = _gep([(COUNTY, 12, "carbon_sequestration", 1000.0, "t CO2")])
    r = reconcile_with_gep(_account(), gep, 2023, gep_method="nep")
    parts = {(p.part, p.ecosystem): p.amount_t for p in r.itertuples()}
    # no inventory row in 2023: the whole GEP forest is a coverage part; nothing agrees
    assert parts[("inventory", "all")] == 0.0 and parts[("coverage", "forest")] == 1000.0
    un = r[r["part"] == "unexplained"].iloc[0]
    assert "no 2023 (it has 2021, 2022)" in un["explanation_en"]


def test_reconciliation_refuses_a_quantity_not_in_t_co2_and_an_unknown_method() -> None:
    gep = _gep([(COUNTY, 12, "carbon_sequestration", 1.0, "t C")])
    with pytest.raises(TableError, match=r"row 0 \(unit code 360102\): column 'quantity_unit' "
                                         r"value 't C' cannot be read as t CO2"):  # fmt: skip
        reconcile_with_gep(_account(), gep, 2022, gep_method="nep")
    gep = _gep([(COUNTY, 12, "carbon_sequestration", 1.0, "t CO2")])
    with pytest.raises(InputError, match=r"method 'invest' is not known"):
        reconcile_with_gep(_account(), gep, 2022, gep_method="invest")


@settings(max_examples=50, deadline=None)
@given(
    inv=st.dictionaries(
        st.sampled_from(["forest", "cropland", "grassland", "wetland"]),
        st.floats(-1e6, 1e6),
        max_size=4,
    ),
    gep=st.dictionaries(st.sampled_from([12, 16, 21, 31, 41, 51]), st.floats(-1e6, 1e6),
                        max_size=6),
)  # fmt: skip
def test_reconciliation_parts_always_sum_to_the_difference(
    inv: dict[str, float], gep: dict[int, float]
) -> None:
    account = pd.DataFrame(
        {"unit_code": COUNTY, "year": 2022, "ecosystem": list(inv), "co2_t": list(inv.values())}
    )
    rows = _gep([(COUNTY, eco, "carbon_sequestration", q, "t CO2") for eco, q in gep.items()])
    if rows.empty:
        rows = pd.DataFrame(columns=["indicator", "ecosystem_code", "county_adcode", "quantity",
                                     "quantity_unit"])  # fmt: skip
    r = reconcile_with_gep(account, rows, 2022, gep_method="net_ecosystem_production")
    if not inv and not gep:
        assert r.empty
        return
    parts = r.set_index("part")
    diff = float(parts.loc["difference", "amount_t"])
    assert diff == pytest.approx(math.fsum(gep.values()) + math.fsum(inv.values()), abs=1e-6)
    rest = r[r["part"].isin(["coverage", "unexplained"])]["amount_t"]
    assert math.fsum(rest) == pytest.approx(diff, abs=1e-6)


# ------------------------------------------------------------------ oracle
def test_oracle_hand_derived_provincial_scale_case() -> None:
    """Hand-derived, not a published figure.

    Searched (pages, docs, code corpora): an inventory-based estimate of Jiangxi's forest
    vegetation carbon storage with the stand volumes it used — "江西 森林植被碳储量 蓄积量
    生物量转换因子 森林资源清查", "江西省 乔木林 蓄积量 碳储量 杉木林 马尾松林 第九次森林资源
    清查", and the provincial guideline's factor table. Found: a study of Jiangxi's forest
    vegetation from the 2001–2005 management inventory (total 263.87 Tg C, stands 214.70 Tg
    C, Chinese fir 73.77 Tg C), but it used biomass expansion equations by species, and the
    volumes by type were not in the text found, so it cannot be reproduced.

    The case: a county with 300 万m³ of Chinese fir and 200 万m³ of Masson pine.
    C = 3.0e6 × 0.32502129296 + 2.0e6 × 0.3054217472 = 975 063.87888 + 610 843.4944
      = 1 585 907.37328 t C (158.59 万t C), 5 814 993.7020 t CO2 equivalent stock.
    """
    s = _stock(2020, forest_type=["chinese_fir", "masson_pine"], quantity=[300.0, 200.0],
               unit=["万m3", "万m3"])  # fmt: skip
    table, _ = forest_carbon_stock(s)
    assert math.fsum(table["carbon_t"]) == pytest.approx(1_585_907.37328, rel=1e-12)
