"""An inventory run from a dataset folder: a hand-checked micro dataset (two counties of
南昌市), the exact roll-up county → city → province, the refusals of a bad dataset, and
the synthetic demo (generator deterministic, the 100 counties run once, slow)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from ganpo.carbon.inventory import (
    DATASET_FILE,
    read_dataset,
    roll_up,
    run_inventory,
    totals_g,
)
from ganpo.demo.carbon import SYNTHETIC_NOTE, build_carbon_demo, carbon_activity_tables
from ganpo.errors import InputError, TableError

DONGHU, XIHU, NANCHANG, JIANGXI = 360102, 360103, 360100, 360000
G = 1_000_000  # grams per tonne


def write_micro(folder: Path, *, electricity_unit: str = "万kWh", extra: str = "") -> Path:
    """Two counties of 南昌市 in 2022 with one activity each category below."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "electricity.csv": "unit_code,year,quantity,unit\n"
        f"{DONGHU},2022,10000,{electricity_unit}\n{XIHU},2022,5000,{electricity_unit}\n",
        "cement_clinker.csv": f"unit_code,year,quantity,unit\n{XIHU},2022,1,万t\n",
        "livestock.csv": f"unit_code,year,animal,quantity,unit\n{DONGHU},2022,swine,2,万头\n",
        "incineration.csv": "unit_code,year,quantity,unit,dm,cf,fcf\n"
        f"{XIHU},2022,1000,t,0.5,0.4,0.3\n",
        "wastewater.csv": "unit_code,year,system,organics,quantity,unit\n"
        f"{DONGHU},2022,untreated_river,BOD,1,万t\n",
    }
    for name, text in files.items():
        (folder / name).write_text(f"# micro test data\n{text}{extra}", encoding="utf-8")
    (folder / DATASET_FILE).write_text(
        'title_zh = "微型"\ntitle_en = "micro"\nregion = 360000\nlevel = "county"\n'
        'years = [2022]\nfuel_set = "cn-statistics"\ngrid = "national"\n[tables]\n'
        'electricity = "electricity.csv"\ncement = "cement_clinker.csv"\n'
        'livestock = "livestock.csv"\nincineration = "incineration.csv"\n'
        'wastewater = "wastewater.csv"\n',
        encoding="utf-8",
    )
    return folder


def _co2e_t(rows: pd.DataFrame, unit: int, code: str) -> float:
    sel = rows[(rows["unit_code"] == unit) & (rows["category_code"] == code)]
    return float(sel["co2e_g"].sum()) / G


def test_micro_dataset_by_hand(tmp_path: Path) -> None:
    inv = run_inventory(read_dataset(write_micro(tmp_path / "m")), 2022, "AR6")
    r = inv.rows
    # electricity: 10 000 万kWh = 10⁸ kWh × 0.5366 kg/kWh (national 2022) = 53 660 t
    assert _co2e_t(r, DONGHU, "memo.electricity") == 53_660.0
    assert _co2e_t(r, XIHU, "memo.electricity") == 26_830.0  # half of it
    # cement: 10⁴ t clinker × 0.51 × 1.02 = 5 202 t CO2
    assert _co2e_t(r, XIHU, "2.A.1") == 5_202.0
    # enteric: 2 × 10⁴ pigs × 1 kg CH4 = 20 t CH4 × 27.0 (AR6 non-fossil) = 540 t
    assert _co2e_t(r, DONGHU, "3.A.1") == 540.0
    # incineration: 1000 t × 0.5 × 0.4 × 0.3 × 44/12 = 220 t CO2
    assert _co2e_t(r, XIHU, "4.C") == 220.0
    # wastewater: 10⁴ t BOD × 0.6 × MCF 0.1 = 600 t CH4 × 27.0 = 16 200 t
    assert _co2e_t(r, DONGHU, "4.D") == 16_200.0
    t = totals_g(r).set_index("unit_code")
    # production: Donghu 540 + 16 200 = 16 740 t; Xihu 5 202 + 220 = 5 422 t
    assert t.loc[DONGHU, "production_g"] == 16_740 * G
    assert t.loc[XIHU, "production_g"] == 5_422 * G
    assert t.loc[NANCHANG, "production_g"] == t.loc[JIANGXI, "production_g"] == 22_162 * G
    # consumption: + electricity (no power generation to remove): 16 740 + 53 660 …
    assert t.loc[DONGHU, "consumption_g"] == 70_400 * G
    assert t.loc[JIANGXI, "consumption_g"] == (22_162 + 80_490) * G
    assert set(r["level"]) == {"county", "city", "province"}
    assert r.loc[r["unit_code"] == NANCHANG, "parent_code"].unique().tolist() == [JIANGXI]
    assert inv.gwp_set == "AR6" and not inv.synthetic
    assert set(inv.uncertainty["category_code"]) == set(r["category_code"])
    assert "grid.national.2022" in set(inv.provenance["key"])


def _assert_exact_roll_up(rows: pd.DataFrame) -> None:
    """Every city row is the integer sum of its counties' rows, the province's of its
    cities', and the province total the sum of its categories."""
    keys = ["category_code", "gas", "scope"]
    for lower, upper in (("county", "city"), ("city", "province")):
        low = rows[rows["level"] == lower]
        summed = low.groupby(["parent_code", *keys])["co2e_g"].apply(lambda s: sum(map(int, s)))
        up = rows[rows["level"] == upper].set_index(["unit_code", *keys])["co2e_g"]
        up.index = up.index.set_names(["parent_code", *keys])
        assert summed.sort_index().map(int).to_dict() == up.sort_index().map(int).to_dict()
    province = rows[rows["level"] == "province"]
    by_cat = province.groupby("category_code")["co2e_g"].apply(lambda s: sum(map(int, s)))
    t = totals_g(province).iloc[0]
    sink = province["category_code"].str.startswith("3.B")
    direct = (province["scope"] == "direct") & ~sink
    assert t["production_g"] == sum(int(v) for v in province.loc[direct, "co2e_g"])
    assert (
        t["production_g"] + int(by_cat.get("memo.electricity", 0)) - int(by_cat.get("1.A.1.a", 0))
        == t["consumption_g"]
    )
    assert t["lulucf_g"] == sum(int(v) for v in province.loc[sink, "co2e_g"])
    assert t["net_g"] == t["production_g"] + t["lulucf_g"]


def test_roll_up_is_exact_on_the_micro_dataset(tmp_path: Path) -> None:
    _assert_exact_roll_up(
        run_inventory(read_dataset(write_micro(tmp_path / "m")), 2022, "AR5").rows
    )


def test_roll_up_sums_integers_beyond_float_precision() -> None:
    # 2⁵³ + 1 is not a float: a float sum would lose the 1
    rows = pd.DataFrame(
        {"unit_code": [DONGHU, XIHU], "category_code": ["1.A.2"] * 2, "gas": ["CO2"] * 2,
         "scope": ["direct"] * 2, "quantity_g": [2**53, 1], "co2e_g": [2**53, 1]}
    )  # fmt: skip
    up = roll_up(rows, JIANGXI)
    assert int(up.loc[up["unit_code"] == JIANGXI, "co2e_g"].iloc[0]) == 2**53 + 1


def test_no_gwp_set_is_refused(tmp_path: Path) -> None:
    data = read_dataset(write_micro(tmp_path / "m"))
    with pytest.raises(InputError, match="AR4, AR5, AR6"):
        run_inventory(data, 2022, None)


def test_a_year_the_dataset_lacks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"year 2021 .* its years: 2022"):
        run_inventory(read_dataset(write_micro(tmp_path / "m")), 2021, "AR6")


def test_a_county_outside_the_region_is_refused(tmp_path: Path) -> None:
    folder = write_micro(tmp_path / "m", extra="440103,2022,1,万t\n")
    data = read_dataset(folder)
    with pytest.raises(TableError, match=r"440103 is .*not a unit of the region 360000"):
        run_inventory(data, 2022, "AR6")


def test_electricity_in_tonnes_is_refused(tmp_path: Path) -> None:
    data = read_dataset(write_micro(tmp_path / "m", electricity_unit="万t"))
    with pytest.raises(
        TableError, match=r"table 'electricity.csv' \(electricity consumption\), row 3 .*'万t'"
    ):
        run_inventory(data, 2022, "AR6")


def test_a_folder_without_a_description_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"no {DATASET_FILE}"):
        read_dataset(tmp_path)


def test_a_listed_file_that_is_missing_is_refused(tmp_path: Path) -> None:
    folder = write_micro(tmp_path / "m")
    (folder / "lime.csv").unlink(missing_ok=True)
    text = (folder / DATASET_FILE).read_text(encoding="utf-8") + 'lime = "lime.csv"\n'
    (folder / DATASET_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"table 'lime' as 'lime\.csv', which is not"):
        read_dataset(folder)


def test_a_table_without_its_columns_is_refused(tmp_path: Path) -> None:
    folder = write_micro(tmp_path / "m")
    (folder / "livestock.csv").write_text("unit_code,year,quantity,unit\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"'livestock\.csv' lacks column.*animal"):
        read_dataset(folder)


def test_the_digest_changes_with_a_table(tmp_path: Path) -> None:
    folder = write_micro(tmp_path / "m")
    before = read_dataset(folder).digest
    with (folder / "cement_clinker.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"{DONGHU},2022,2,万t\n")
    assert read_dataset(folder).digest != before


def test_the_demo_generator_is_deterministic_and_marked(tmp_path: Path) -> None:
    a = build_carbon_demo(tmp_path / "a", seed=7).parent
    b = build_carbon_demo(tmp_path / "b", seed=7).parent
    files = sorted(p.name for p in a.iterdir())
    assert len(files) == 14
    for name in files:
        text = (a / name).read_text(encoding="utf-8")
        assert text.startswith(SYNTHETIC_NOTE), name
        assert (
            hashlib.sha256(text.encode()).digest()
            == hashlib.sha256((b / name).read_bytes()).digest()
        )
    other = carbon_activity_tables(seed=8)["electricity"]["quantity"]
    assert not other.equals(carbon_activity_tables(seed=7)["electricity"]["quantity"])


def test_demo_magnitudes_are_jiangxi_s_order() -> None:
    t = carbon_activity_tables()
    assert t["gdp"]["unit_code"].nunique() == 100
    elec = t["electricity"].groupby("year")["quantity"].sum()  # 万kWh
    assert 1.8e7 < elec[2022] < 2.2e7  # ≈ 2 000 亿kWh
    assert elec[2023] > elec[2022]
    gdp = t["gdp"].groupby("year")[["gdp_current", "gdp_constant_2022"]].sum()
    assert gdp.loc[2022, "gdp_current"] == pytest.approx(32075, abs=1)  # 亿元
    assert gdp.loc[2022, "gdp_constant_2022"] == pytest.approx(32075, abs=1)
    assert set(t["fuel"]["unit"]) == {"万t", "亿m³"}
