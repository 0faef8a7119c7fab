"""Volume measures worked by hand on three tiny result tables (2020, 2021, 2022).

Items (every value = quantity × unit value; counties 1, 2, 3; ecosystem type 1):

- water conservation, price key ``reservoir_cost`` [CNY/m³]: 10, 12, 15.
  Quantities [m³]: county 1: 100, 110, 120; county 2: 50, 40, — (gone in 2022);
  county 3: —, 30, 20 (new in 2021).
- soil retention, price key ``dredging_cost`` shown at 20, 21, 22 CNY/m³, but valued at a
  combined unit value (silt + N + P) of 13, 14, 16 CNY per tonne; county 1: 10, 12, 15 t.
- agriculture, reported at current prices (no price key, quantity = value in CNY):
  1000, 1100, 1331, deflated by a test index 100, 110, 121.

Current values (CNY):
    2020: water 100×10 + 50×10 = 1500; soil 10×13 = 130; agriculture 1000 → GEP 2630
    2021: water 110×12 + 40×12 + 30×12 = 2160; soil 12×14 = 168; agri 1100 → GEP 3428
    2022: water 120×15 + 20×15 = 2100; soil 15×16 = 240; agri 1331 → GEP 3671
Volume of 2021 at 2020 prices:
    water 110×10 + 40×10 + 30×10 = 1800 (county 3 at the 10 CNY/m³ of counties 1-2);
    soil 12×13 = 156 (the unit value 13, not the shown price 20); agri 1100×100/110 = 1000
    → 2956; volume index 2956/2630; implicit price index 3428/2956
Volume of 2022 at 2021 prices:
    water 120×12 + 20×12 = 1680 (county 2: 0); soil 15×14 = 210; agri 1331×110/121 = 1210
    → 3100; link 3100/3428
Chain (2020 = 100), chain-linked volumes at 2020 prices in 2022:
    water 1500 × 1800/1500 × 1680/2160 = 1400 (its price index 2100/1400 = 150 = 15/10)
    soil  130 × 156/130 × 210/168 = 195 (price index 240/195 = 16/13)
    agri  1000 × 1000/1000 × 1210/1100 = 1100 (price index 1331/1100 = 121/100)
    GEP   2630 × 2956/2630 × 3100/3428 = 2956 × 3100/3428 = 2673.16…, while the
    indicators add up to 1400 + 195 + 1100 = 2695: non-additivity 2673.16… − 2695.

Tolerance: rel 1e-12, a few roundings of float64 sums and ratios (each ~1e-16).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ganpo.catalog.deflators import Deflator, ItemIndex, item_indices
from ganpo.engine.decompose import by_indicator, decompose
from ganpo.engine.result import RESULT_COLUMNS
from ganpo.engine.volume import AccountPeriod, at_base_prices, chain_linked
from ganpo.errors import InputError

REL = 1e-12
AG = Deflator("test-ag", {2020: 100.0, 2021: 110.0, 2022: 121.0}, {}, True)
INDICES = {"agriculture": ItemIndex("agriculture", AG, "test")}

WATER = {2020: 10.0, 2021: 12.0, 2022: 15.0}
SOIL_UNIT = {2020: 13.0, 2021: 14.0, 2022: 16.0}
DREDGING = {2020: 20.0, 2021: 21.0, 2022: 22.0}
WATER_Q = {2020: {1: 100.0, 2: 50.0}, 2021: {1: 110.0, 2: 40.0, 3: 30.0}, 2022: {1: 120.0, 3: 20.0}}
SOIL_Q = {2020: 10.0, 2021: 12.0, 2022: 15.0}
AGRI = {2020: 1000.0, 2021: 1100.0, 2022: 1331.0}


def _row(ind: str, cat: str, county: int, q: float, unit: str, key: str, price: float, v: float):
    return {
        "indicator": ind,
        "component": "",
        "category": cat,
        "ecosystem_code": 1,
        "unit_code": county,  # county rows (decision 0021)
        "county_adcode": county,
        "quantity": q,
        "quantity_unit": unit,
        "price_key": key,
        "price": price,
        "price_unit": "CNY/m3" if key else "",
        "value_cny": v,
    }


def _prices(year: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"key": "reservoir_cost", "value": WATER[year], "by_type": None, "unit": "CNY/m3"},
            {"key": "dredging_cost", "value": DREDGING[year], "by_type": None, "unit": "CNY/m3"},
        ]
    ).assign(year=year, region="test", source="test", status="verified")


def period(year: int, water_q: dict[int, float] | None = None) -> AccountPeriod:
    rows = [
        _row("water_conservation", "regulating", c, q, "m3", "reservoir_cost", WATER[year], q * w)
        for c, q in (water_q or WATER_Q[year]).items()
        for w in [WATER[year]]
    ]
    rows.append(
        _row(
            "soil_retention",
            "regulating",
            1,
            SOIL_Q[year],
            "t",
            "dredging_cost",
            DREDGING[year],
            SOIL_Q[year] * SOIL_UNIT[year],
        )
    )
    rows.append(_row("agriculture", "material", 1, AGRI[year], "CNY", "", np.nan, AGRI[year]))
    return AccountPeriod(
        pd.DataFrame(rows)[RESULT_COLUMNS], _prices(year), year, f"account of {year}"
    )


def test_laspeyres_volume_by_hand() -> None:
    v = at_base_prices(period(2020), period(2021), INDICES)
    per = v.by_indicator().set_index("indicator")
    assert per.loc["water_conservation", "volume_b_cny"] == pytest.approx(1800.0, rel=REL)
    assert per.loc["soil_retention", "volume_b_cny"] == pytest.approx(156.0, rel=REL)
    assert per.loc["agriculture", "volume_b_cny"] == pytest.approx(1000.0, rel=REL)
    gep = per.loc["GEP"]
    assert (gep.value_a_cny, gep.value_b_cny) == (pytest.approx(2630.0), pytest.approx(3428.0))
    assert gep.volume_b_cny == pytest.approx(2956.0, rel=REL)
    assert gep.volume_index == pytest.approx(100 * 2956 / 2630, rel=REL)
    assert gep.price_index == pytest.approx(100 * 3428 / 2956, rel=REL)
    # value change = volume change × price change
    assert gep.volume_index * gep.price_index / 1e4 == pytest.approx(3428 / 2630, rel=REL)
    assert per.loc["water_conservation", "price_index"] == pytest.approx(120.0, rel=REL)
    assert per.loc["agriculture", "basis"] == "deflated"
    assert per.loc["agriculture", "index"] == "test-ag"
    assert per.loc["water_conservation", "basis"] == "base_price"


def test_combined_unit_value_not_the_shown_price() -> None:
    rows = at_base_prices(period(2020), period(2021), INDICES).rows
    soil = rows[rows.indicator == "soil_retention"].iloc[0]
    # a valued the tonne at 13 CNY (silt + N + P), while its shown price is 20 CNY/m³
    assert soil.unit_value_a == pytest.approx(13.0, rel=REL)
    assert soil.value_cny == pytest.approx(12 * 13.0, rel=REL)
    assert soil.unit_value_from == "row"


def test_rows_in_one_year_only() -> None:
    v = at_base_prices(period(2021), period(2022), INDICES)
    rows = v.rows.set_index(["indicator", "county_adcode"])
    gone = rows.loc[("water_conservation", 2)]
    assert (gone.presence, gone.value_cny, gone.value_a_cny) == ("base_only", 0.0, 480.0)
    new = at_base_prices(period(2020), period(2021), INDICES).rows.set_index(
        ["indicator", "county_adcode"]
    )
    county3 = new.loc[("water_conservation", 3)]
    # county 3 has no 2020 row: valued at the 10 CNY/m³ of type 1 in the other counties
    assert (county3.presence, county3.unit_value_from) == ("current_only", "type")
    assert county3.value_cny == pytest.approx(300.0, rel=REL)
    assert any(
        n.startswith("1 row(s) of account of 2021 have no counterpart in account of 2020")
        for n in at_base_prices(period(2020), period(2021), INDICES).notes
    )
    assert any(
        n.startswith(
            "1 row(s) of account of 2021 have no counterpart in account of 2022 "
            "(volume 0 there): in 1 indicator-unit pair(s): water conservation in 2"
        )
        for n in v.notes
    )


def test_current_price_rows_deflated_by_their_index_and_labelled() -> None:
    v = at_base_prices(period(2021), period(2022), INDICES)
    agri = v.rows[v.rows.indicator == "agriculture"].iloc[0]
    assert agri.basis == "deflated" and agri["index"] == "test-ag"
    assert np.isnan(agri.unit_value_a)
    assert agri.value_cny == pytest.approx(1331 * 110 / 121, rel=REL)  # = 1210
    assert (
        "agricultural products: reported at current prices, deflated by test-ag "
        "(2022→2021 × 0.9091), "
        "not valued at base-year prices"
    ) in v.notes
    # the shipped indices: market value by the agricultural producer prices, tourism by CPI
    shipped = item_indices()
    assert shipped["fishery"].deflator.name == "cn-agri-producer"
    assert shipped["recreation"].deflator.name == "cn-cpi"
    assert not shipped["agriculture"].deflator.verified


def test_chain_linked_three_years_by_hand() -> None:
    c = chain_linked([period(2020), period(2021), period(2022)], INDICES)
    t = c.set_index(["year", "indicator"])
    assert t.loc[(2020, "GEP"), "chain_index"] == 100.0
    assert t.loc[(2021, "GEP"), "link_index"] == pytest.approx(100 * 2956 / 2630, rel=REL)
    assert t.loc[(2022, "GEP"), "link_index"] == pytest.approx(100 * 3100 / 3428, rel=REL)
    chain_2022 = 100 * 2956 / 2630 * 3100 / 3428
    assert t.loc[(2022, "GEP"), "chain_index"] == pytest.approx(chain_2022, rel=REL)
    gep_volume = 2956 * 3100 / 3428
    assert t.loc[(2022, "GEP"), "chain_volume_cny"] == pytest.approx(gep_volume, rel=REL)
    assert t.loc[(2022, "GEP"), "price_index"] == pytest.approx(100 * 3671 / gep_volume, rel=REL)
    for ind, volume, price_index in (
        ("water_conservation", 1400.0, 150.0),
        ("soil_retention", 195.0, 100 * 16 / 13),
        ("agriculture", 1100.0, 121.0),
    ):
        assert t.loc[(2022, ind), "chain_volume_cny"] == pytest.approx(volume, rel=REL)
        assert t.loc[(2022, ind), "price_index"] == pytest.approx(price_index, rel=REL)
    # chain-linked volumes are additive in the reference year and the year after only
    assert t.loc[(2020, "GEP"), "non_additivity_cny"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc[(2021, "GEP"), "non_additivity_cny"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc[(2022, "GEP"), "non_additivity_cny"] == pytest.approx(
        gep_volume - 2695.0, rel=1e-10
    )  # −21.84 CNY; rel 1e-10: the difference of two sums of ~2700 loses 2 digits
    assert "do not add up to the chain-linked GEP" in c.attrs["notes"][0]


def test_chain_referenced_to_a_later_year() -> None:
    c = chain_linked([period(2020), period(2021), period(2022)], INDICES, reference_year=2021)
    t = c.set_index(["year", "indicator"])
    assert t.loc[(2021, "GEP"), "chain_index"] == 100.0
    # the 2021 link says 2021 is 1.2 × 2020 in volume, so 2020's water at 2021 prices is
    # 2160 / 1.2 = 1800 = (100 + 50) m³ × 12 CNY/m³
    assert t.loc[(2020, "water_conservation"), "chain_volume_cny"] == pytest.approx(1800.0, rel=REL)
    assert t.loc[(2022, "GEP"), "chain_index"] == pytest.approx(100 * 3100 / 3428, rel=REL)
    with pytest.raises(InputError, match="reference year 2019 is not the year of any account"):
        chain_linked([period(2020), period(2021)], INDICES, reference_year=2019)
    with pytest.raises(InputError, match="accounts of increasing years; got 2021, 2020"):
        chain_linked([period(2021), period(2020)], INDICES)


def test_decomposition_adds_up_on_both_measures() -> None:
    a, b = period(2020), period(2021)
    # B with A's land cover: county 1 would have conserved 105 m³ instead of 110
    held = period(2021, {1: 105.0, 2: 40.0, 3: 30.0})
    d = decompose(a, b, AG, held, indices=INDICES)
    assert d.attrs["measure"] == "volume"
    gep = by_indicator(d).set_index("indicator").loc["GEP"]
    assert gep.quantity_effect == pytest.approx(2956 - 2630, rel=REL)
    assert gep.price_effect == pytest.approx(3428 - 2956, rel=REL)
    assert gep.land_cover_effect == pytest.approx((110 - 105) * 10, rel=REL)
    assert gep.other_effect == pytest.approx(2956 - 50 - 2630, rel=REL)
    for frame in (d, decompose(a, b, AG, held, measure="cpi")):
        change = frame.value_b - frame.value_a
        np.testing.assert_allclose(frame.price_effect + frame.quantity_effect, change, rtol=REL)
        np.testing.assert_allclose(
            frame.price_effect + frame.land_cover_effect + frame.other_effect,
            change,
            rtol=REL,
            atol=1e-9,
        )


def test_rule_2_base_parameters_when_the_base_has_no_quantity() -> None:
    a, b = period(2020), period(2021)
    no_soil = a.results[a.results.indicator != "soil_retention"]
    # a's stored parameters of the soil valuation: 0.25 / 1.25 t/m³ × 20 CNY/m³ (silt)
    # + 0.002 × 1000 CNY/t (N) + 0.001 × 3000 CNY/t (P) = 4 + 2 + 3 = 9 CNY per tonne
    extra = pd.DataFrame(
        [
            ("sediment_deposition_ratio", 0.25, "1"),
            ("soil_bulk_density", 1.25, "t/m3"),
            ("soil_n_content", 0.002, "1"),
            ("nitrogen_price", 1000.0, "CNY/t"),
            ("soil_p_content", 0.001, "1"),
            ("phosphorus_price", 3000.0, "CNY/t"),
        ],
        columns=["key", "value", "unit"],
    ).assign(by_type=None, year=2020, region="test", source="test", status="verified")
    base = AccountPeriod(no_soil, pd.concat([a.prices, extra]), 2020, "account #1")
    soil = at_base_prices(base, b, INDICES).rows.query("indicator == 'soil_retention'").iloc[0]
    assert soil.unit_value_from == "parameters"
    assert soil.value_cny == pytest.approx(12 * 9.0, rel=REL)


def test_no_base_price_and_no_index_is_an_error() -> None:
    a, b = period(2020), period(2021)
    hydro = pd.DataFrame(
        [_row("hydropower", "material", 1, 500.0, "kWh", "electricity_price", 0.5, 250.0)]
    )
    b2 = AccountPeriod(pd.concat([b.results, hydro]), b.prices, 2021, "account #2")
    a1 = AccountPeriod(a.results, a.prices, 2020, "account #1")
    with pytest.raises(InputError) as err:
        at_base_prices(a1, b2, INDICES)
    assert err.value.en == (
        "cannot value hydropower of account #2 at the prices of account #1: account #1 has "
        "no price 'electricity_price' and no row of this item with a quantity, and there is "
        "no price index for hydropower. Compare accounts that value hydropower with the same "
        "prices, or name a price index for hydropower in the item indices "
        "(data/deflators/items.toml)"
    )
    assert err.value.zh == (
        "无法按 account #1 的价格对 account #2 的 hydropower 估值：account #1 没有价格 "
        "'electricity_price'，也没有该项含实物量的行，且 hydropower 没有价格指数。请比较以相同"
        "价格估值 hydropower 的核算，或在分项价格指数中为 hydropower 指定价格指数"
    )
    assert str(err.value) == f"{err.value.en} / {err.value.zh}"
    assert err.value.values == ["hydropower", "electricity_price"]
    # with an index for the indicator the row is deflated instead, and labelled so
    hydro_index = {**INDICES, "hydropower": ItemIndex("hydropower", AG, "test")}
    row = at_base_prices(a1, b2, hydro_index).rows.query("indicator == 'hydropower'").iloc[0]
    assert (row.basis, row.value_cny) == ("deflated", pytest.approx(250 * 100 / 110, rel=REL))
    # a current-price row without an index is never taken at face value
    with pytest.raises(
        InputError,
        match=r"cannot value agriculture of account #2 at the prices of account #1: its rows "
        r"are reported at current prices \(no price key, quantity in CNY\) and there is no "
        "price index for agriculture",
    ):
        at_base_prices(a1, AccountPeriod(b.results, b.prices, 2021, "account #2"), {})


def test_index_must_cover_both_years() -> None:
    short = {"agriculture": ItemIndex("agriculture", Deflator("s", {2021: 1.0}, {}, True), "")}
    with pytest.raises(InputError, match="deflator 's' has no index for 2020"):
        at_base_prices(period(2020), period(2021), short)
