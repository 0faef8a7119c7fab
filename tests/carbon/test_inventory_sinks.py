"""The forest sink in an inventory run: a forest-inventory table (``forest_stock``) gives
3.B.1.a by the stock difference of the two inventories bracketing the year, worked by hand
for one county and one forest type; the gross totals unchanged by it and the net total the
gross plus the sink to the gram; the sink account of the stored rows and the GEP rows
placed at a level; the refusals (years not bracketing, a type without factors); the
synthetic demo's forest inventories."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forestdata import DONGHU, FIR_T_C_PER_M3, JIANGXI, NANCHANG, XIHU, write_forest_micro
from ganpo.carbon.inventory import NET, PRODUCTION, read_dataset, run_inventory, summary, totals_g
from ganpo.carbon.sinks_account import gep_rows_at_level, inventory_sink_account
from ganpo.carbon.sinks_factors import sink_factor_set
from ganpo.demo.carbon import FOREST_TYPE_SHARES, carbon_activity_tables
from ganpo.errors import InputError, TableError

G = 1_000_000  # grams per tonne


def _g(rows: pd.DataFrame, unit: int, code: str) -> int:
    sel = rows[(rows["unit_code"] == unit) & (rows["category_code"] == code)]
    return sum(int(v) for v in sel["co2e_g"])


def test_forest_table_through_the_inventory_by_hand(tmp_path: Path) -> None:
    inv = run_inventory(read_dataset(write_forest_micro(tmp_path / "m")), 2022, "AR6")
    # (110 − 100) 万m³ over 2023 − 2021 = 2 years: 5 × 10⁴ m³/a
    # × 0.307 × 1.634 × 1.246 × 0.520 = 0.32502129296 t C/m³ → 16 251.064648 t C/a
    # × 44/12 = 59 587.23704 t CO2/a taken up: −59 587.23704 t, reported for 2022
    expected_t = -(110 - 100) * 1e4 / 2 * FIR_T_C_PER_M3 * 44 / 12
    assert expected_t == pytest.approx(-59_587.23704, abs=1e-5)
    r = inv.rows
    forest_g = _g(r, DONGHU, "3.B.1.a")
    # whole grams of a float computed in another order: within a gram
    assert abs(forest_g - expected_t * G) <= 1
    assert _g(r, NANCHANG, "3.B.1.a") == _g(r, JIANGXI, "3.B.1.a") == forest_g
    assert set(r.loc[r["category_code"] == "3.B.1.a", "gas"]) == {"CO2"}
    assert "cn-forestry.forest.chinese_fir.bef" in set(inv.provenance["key"])
    assert "3.B.1.a" in set(inv.uncertainty["category_code"])


def test_gross_totals_unchanged_and_net_is_gross_plus_sink(tmp_path: Path) -> None:
    with_sink = run_inventory(read_dataset(write_forest_micro(tmp_path / "a")), 2022, "AR6")
    without = run_inventory(read_dataset(write_forest_micro(tmp_path / "b", "")), 2022, "AR6")
    a = totals_g(with_sink.rows).set_index("unit_code")
    b = totals_g(without.rows).set_index("unit_code")
    for unit in (DONGHU, XIHU, NANCHANG, JIANGXI):
        sink = _g(with_sink.rows, unit, "3.B.1.a")
        assert a.loc[unit, "production_g"] == b.loc[unit, "production_g"]
        assert a.loc[unit, "consumption_g"] == b.loc[unit, "consumption_g"]
        assert a.loc[unit, "lulucf_g"] == sink
        assert a.loc[unit, "net_g"] == a.loc[unit, "production_g"] + sink  # exact, in grams
        assert b.loc[unit, "net_g"] == b.loc[unit, "production_g"]
    assert a.loc[XIHU, "lulucf_g"] == 0 and a.loc[DONGHU, "lulucf_g"] < 0
    # cement only, 5 202 t, is Nanchang's production; the forest takes up 59 587.24 t
    assert a.loc[NANCHANG, "production_g"] == 5_202 * G
    s = summary(with_sink.rows, with_sink.uncertainty, JIANGXI, "province").set_index(
        "category_code"
    )
    assert s.loc[PRODUCTION, "co2e_10k_t"] == 0.5202
    assert s.loc[NET, "co2e_10k_t"] == int(a.loc[JIANGXI, "net_g"]) / 1e10
    assert s.loc[NET, "category_zh"] == "净排放量（计入土地利用变化和林业）"
    assert s.loc[NET, "category_en"] == "Net emissions (including LULUCF)"
    assert s.loc["3.B.1.a", "co2e_10k_t"] < 0


def test_forest_inventories_not_bracketing_the_year_are_named(tmp_path: Path) -> None:
    rows = f"{DONGHU},2023,chinese_fir,100,万m3\n{DONGHU},2025,chinese_fir,110,万m3\n"
    data = read_dataset(write_forest_micro(tmp_path / "m", rows))
    with pytest.raises(
        TableError,
        match=r"table 'forest_stock.csv': unit code 360102 has forest inventories of "
        r"2023, 2025, which do not bracket 2022; .* add the inventory before 2022",
    ):
        run_inventory(data, 2022, "AR6")


def test_a_forest_type_without_factors_is_named(tmp_path: Path) -> None:
    rows = f"{DONGHU},2021,bamboo,100,万m3\n{DONGHU},2023,bamboo,110,万m3\n"
    data = read_dataset(write_forest_micro(tmp_path / "m", rows))
    with pytest.raises(
        TableError,
        match=r"column 'forest_type' value 'bamboo' is not a forest type of sink factor set "
        r"'cn-forestry'; types with factors: chinese_fir",
    ):
        run_inventory(data, 2022, "AR6")


def test_a_type_missing_from_one_inventory_is_named(tmp_path: Path) -> None:
    rows = (
        f"{DONGHU},2021,chinese_fir,100,万m3\n{DONGHU},2021,masson_pine,50,万m3\n"
        f"{DONGHU},2023,chinese_fir,110,万m3\n"
    )
    data = read_dataset(write_forest_micro(tmp_path / "m", rows))
    with pytest.raises(
        TableError,
        match=r"table 'forest_stock.csv, first inventory', row 4 .* forest type 'masson_pine' "
        r"of unit 360102 has no row in the second inventory",
    ):
        run_inventory(data, 2022, "AR6")


def test_the_sink_account_of_the_stored_rows(tmp_path: Path) -> None:
    inv = run_inventory(read_dataset(write_forest_micro(tmp_path / "m")), 2022, "AR6")
    county = inventory_sink_account(inv.rows, 2022, "county")
    assert county[["unit_code", "ecosystem", "method"]].values.tolist() == [
        [DONGHU, "forest", "stock_difference"]
    ]
    assert county["co2_t"].iloc[0] == _g(inv.rows, DONGHU, "3.B.1.a") / G
    city = inventory_sink_account(inv.rows, 2022, "city")
    assert city["unit_code"].tolist() == [NANCHANG]
    assert city["co2_t"].iloc[0] == county["co2_t"].iloc[0]
    with pytest.raises(InputError, match="no rows at level 'township'"):
        inventory_sink_account(inv.rows, 2022, "township")


def test_gep_rows_placed_at_the_level() -> None:
    gep = pd.DataFrame({"indicator": ["carbon_sequestration"] * 2, "ecosystem_code": [11, 11],
                        "county_adcode": [DONGHU, 360702], "quantity": [1.0, 2.0],
                        "quantity_unit": ["t CO2"] * 2})  # fmt: skip
    assert gep_rows_at_level(gep, JIANGXI, "county")["unit_code"].tolist() == [DONGHU, 360702]
    assert gep_rows_at_level(gep, JIANGXI, "city")["unit_code"].tolist() == [NANCHANG, 360700]
    with pytest.raises(TableError, match="county 440103 is not a county of"):
        gep_rows_at_level(gep.assign(county_adcode=[DONGHU, 440103]), JIANGXI, "city")


def test_the_demo_forest_inventories() -> None:
    t = carbon_activity_tables()["forest_stock"]
    assert sorted(t["year"].unique()) == [2021, 2023]  # bracketing 2022 and 2023
    assert t["unit_code"].nunique() == 100
    assert set(t["unit"]) == {"万m3"}
    # every type has its volume factors in the shipped set
    assert set(t["forest_type"]) == set(FOREST_TYPE_SHARES)
    assert set(FOREST_TYPE_SHARES) <= set(sink_factor_set("cn-forestry").types_under("forest"))
    v = t.groupby("year")["quantity"].sum()  # 万m³
    assert 6.5e4 < v[2021] < 7.5e4  # ≈ 7 亿m³
    yearly = (v[2023] / v[2021]) ** 0.5 - 1
    assert 0.01 < yearly < 0.05  # a few % a year
    both = t.pivot_table(index=["unit_code", "forest_type"], columns="year", values="quantity")
    assert not both.isna().any().any()  # every type of every county in both inventories


def test_dual_control_counts_the_gross_total(tmp_path: Path) -> None:
    from ganpo.carbon.dual_control_link import emissions_by_unit
    from ganpo.store.carbon import load_inventory, save_inventory
    from ganpo.store.repository import open_store

    inv = run_inventory(read_dataset(write_forest_micro(tmp_path / "m")), 2022, "AR6")
    engine = open_store(str(tmp_path / "s.sqlite"))
    stored = load_inventory(engine, save_inventory(engine, inv))
    e = emissions_by_unit([stored], "city").set_index("unit_code")
    t = totals_g(stored.rows).set_index("unit_code")
    # 5 202 t of cement = 0.5202 万t: the production-based total, the forest not netted
    assert e.loc[NANCHANG, "co2"] == int(t.loc[NANCHANG, "production_g"]) / 1e10 == 0.5202
    assert t.loc[NANCHANG, "net_g"] < 0  # the forest takes up more than the cement emits


def test_a_forest_row_outside_the_region_is_refused(tmp_path: Path) -> None:
    rows = "440103,2021,chinese_fir,100,万m3\n440103,2023,chinese_fir,110,万m3\n"
    data = read_dataset(write_forest_micro(tmp_path / "m", rows))
    with pytest.raises(TableError, match="440103"):
        run_inventory(data, 2022, "AR6")
