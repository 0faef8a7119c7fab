"""``ganpo carbon``: run and store a hand-checked micro inventory (two counties of 南昌市),
list it, show it at each level in the table, CSV and JSON formats (万tCO₂e, no scientific
notation, no internal keys in the table), one clear message and exit 2 for bad input; the
synthetic demo once (slow)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ganpo.carbon.inventory import totals_g
from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.store.carbon import load_inventory
from ganpo.store.repository import open_store
from quicklistings import assert_quick_equals_orm

runner = CliRunner(env={"COLUMNS": "160"})
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
INTERNAL = ("total_production", "total_consumption", "total_net", "memo.electricity",
            "co2e_10k_t", "u_pct", "unit_code", "category_code", "360102,")  # fmt: skip


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """A console 200 columns wide whatever ran before in this process (the width of a
    console is fixed once read), so that cells and log lines are not wrapped."""
    saved = (console._width, err_console._width)
    console.width = err_console.width = 200
    yield
    console._width, err_console._width = saved


def flat(text: str) -> str:
    """The output with its line breaks and runs of spaces made one space (the console
    wraps at the terminal's width, which differs between runs)."""
    return " ".join(text.split())


def _micro(folder: Path) -> Path:
    folder.mkdir()
    (folder / "electricity.csv").write_text(
        "unit_code,year,quantity,unit\n360102,2022,10000,万kWh\n360103,2022,5000,万kWh\n",
        encoding="utf-8",
    )
    (folder / "livestock.csv").write_text(
        "unit_code,year,animal,quantity,unit\n360102,2022,swine,2,万头\n", encoding="utf-8"
    )
    (folder / "cement_clinker.csv").write_text(
        "unit_code,year,quantity,unit\n360103,2022,1,万t\n", encoding="utf-8"
    )
    (folder / "wastewater.csv").write_text(
        "unit_code,year,system,organics,quantity,unit\n360102,2022,untreated_river,BOD,1,万t\n",
        encoding="utf-8",
    )
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型测试数据"\ntitle_en = "micro test data"\nregion = 360000\n'
        'level = "county"\nyears = [2022]\nfuel_set = "cn-statistics"\ngrid = "national"\n'
        '[tables]\nelectricity = "electricity.csv"\nlivestock = "livestock.csv"\n'
        'cement = "cement_clinker.csv"\nwastewater = "wastewater.csv"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def stored(tmp_path: Path) -> str:
    db = str(tmp_path / "g.sqlite")
    data = _micro(tmp_path / "micro")
    r = runner.invoke(app, ["carbon", "run", str(data), "--year", "2022", "--gwp", "AR6",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "stored inventory 已存储清单 1" in r.output
    # production: 540 (pigs) + 16 200 (wastewater) + 5 202 (cement) = 21 942 t = 2.19 万t;
    # consumption: + 53 660 + 26 830 (electricity) = 102 432 t = 10.24 万t
    assert "2.19" in r.output and "10.24" in r.output
    return db


def test_show_province_table(stored: str) -> None:
    r = runner.invoke(app, ["carbon", "show", "1", "--database", stored])
    assert r.exit_code == 0, r.output
    out = flat(r.output)
    assert "万吨二氧化碳当量" in out and "万tCO₂e" in out
    assert "生产侧排放总量" in out and "Production-based total" in out
    assert "消费侧排放总量" in out and "Consumption-based total" in out
    assert "2.A.1 水泥生产" in out and "Cement production" in out
    # cement: 5 202 t = 0.52 万t, ±√(2² + 2²) = ±2.8 %
    assert "0.52" in out and "±2.8 %" in out, out
    assert "江西省" in out and "IPCC" in out
    assert not SCIENTIFIC.search(out)
    assert not [k for k in INTERNAL if k in out]


def test_show_county_csv_exact(stored: str) -> None:
    r = runner.invoke(app, ["carbon", "show", "1", "--level", "county", "--format", "csv",
                            "--database", stored])  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    got = {(row["unit_code"], row["category_code"]): float(row["co2e_t"]) for row in rows}
    assert got[("360102", "3.A.1")] == 540.0  # 2 × 10⁴ pigs × 1 kg × 27.0
    assert got[("360102", "4.D")] == 16_200.0  # 10⁴ t BOD × 0.6 × 0.1 × 27.0
    assert got[("360103", "memo.electricity")] == 26_830.0  # 5 × 10⁷ kWh × 0.5366 kg
    assert got[("360102", "total_production")] == 16_740.0
    assert got[("360103", "total_consumption")] == 32_032.0  # 5 202 + 26 830
    assert {row["level"] for row in rows} == {"county"}
    assert not SCIENTIFIC.search(r.output)


def test_show_city_json_and_list(stored: str) -> None:
    r = runner.invoke(app, ["carbon", "show", "1", "--level", "city", "--format", "json",
                            "--database", stored])  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    total = next(x for x in rows if x["category_code"] == "total_production")
    assert (total["unit_code"], total["co2e_t"]) == (360100, 21_942.0)
    assert all(x["gwp_set"] == "AR6" and x["synthetic"] is False for x in rows)
    r = runner.invoke(app, ["carbon", "list", "--database", stored, "--format", "json"])
    listed = json.loads(r.output)
    assert [(x["id"], x["year"], x["status"], x["rows"] > 0) for x in listed] == [
        (1, 2022, "draft", True)
    ]
    r = runner.invoke(app, ["carbon", "list", "--database", stored])
    assert "微型测试数据" in r.output and "草稿 draft" in r.output
    assert_quick_equals_orm(["carbon", "list", "--database", stored], stored)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "7"], "no carbon inventory 7"),
        (["run", "{data}", "--year", "2021", "--gwp", "AR6"], "year 2021 is not a year"),
        (["run", "{data}", "--year", "2022", "--gwp", "AR7"], "unknown GWP set 'AR7'"),
        (["run", "{empty}", "--year", "2022", "--gwp", "AR6"], "no carbon-dataset.toml"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    stored: str, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    filled = [a.format(data=tmp_path / "micro", empty=tmp_path / "empty") for a in args]
    r = runner.invoke(app, ["carbon", *filled, "--database", stored])
    assert r.exit_code == 2, r.output
    assert message in flat(r.output)
    assert "Traceback" not in r.output


def test_run_twice_stores_once_and_publish(stored: str, tmp_path: Path) -> None:
    args = ["carbon", "run", str(tmp_path / "micro"), "--year", "2022", "--gwp", "AR6"]
    r = runner.invoke(app, [*args, "--database", stored])
    assert r.exit_code == 0 and "stored inventory 已存储清单 1" in r.output, r.output
    assert "not stored again" in flat(r.output)
    r = runner.invoke(app, ["carbon", "publish", "1", "--database", stored])
    assert r.exit_code == 0 and "已发布" in r.output, r.output
    r = runner.invoke(app, ["carbon", "publish", "1", "--database", stored])
    assert r.exit_code == 2 and "not a draft" in r.output


def test_a_fuel_in_the_wrong_unit_is_noted(tmp_path: Path) -> None:
    data = _micro(tmp_path / "m")
    # 3.1 万t of raw coal in 2021, then 32 000 "万t" (t meant) in 2022: 10 323 ×
    (data / "fuel.csv").write_text(
        "unit_code,year,category_code,fuel,quantity,unit\n"
        "360102,2021,1.A.2,raw_coal,3.1,万t\n360102,2022,1.A.2,raw_coal,32000,万t\n",
        encoding="utf-8",
    )
    toml = (data / "carbon-dataset.toml").read_text(encoding="utf-8")
    toml = toml.replace("years = [2022]", "years = [2021, 2022]") + 'fuel = "fuel.csv"\n'
    (data / "carbon-dataset.toml").write_text(toml, encoding="utf-8")
    db = str(tmp_path / "g.sqlite")
    r = runner.invoke(app, ["carbon", "run", str(data), "--year", "2022", "--gwp", "AR6",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "2022 is 10,323 × 2021 in energy; check the unit" in flat(r.output)
    r = runner.invoke(app, ["carbon", "show", "1", "--database", db])
    assert "注 note: unit code 360102, 1.A.2, raw_coal" in flat(r.output)
    assert "请核对单位" in r.output and not SCIENTIFIC.search(r.output)


def test_no_gwp_set_is_a_usage_error(tmp_path: Path) -> None:
    r = runner.invoke(app, ["carbon", "run", str(_micro(tmp_path / "m")), "--year", "2022"])
    assert r.exit_code == 2 and "--gwp" in r.output


@pytest.mark.slow
def test_the_demo_command(tmp_path: Path) -> None:
    db = str(tmp_path / "g.sqlite")
    out = tmp_path / "carbon-demo"
    r = runner.invoke(app, ["carbon", "demo", "--out", str(out), "--database", db])
    assert r.exit_code == 0, r.output
    assert "合成数据 SYNTHETIC" in r.output and "1, 2" in r.output
    assert (out / "carbon-dataset.toml").is_file()
    r = runner.invoke(app, ["carbon", "show", "2", "--level", "county", "--database", db])
    assert r.exit_code == 0, r.output
    assert "合成数据 SYNTHETIC" in r.output and "2023" in r.output
    assert not SCIENTIFIC.search(r.output)
    engine = open_store(db)
    for iid, year in ((1, 2022), (2, 2023)):
        stored = load_inventory(engine, iid)
        assert (stored.header.year, stored.header.synthetic) == (year, True)
        rows = stored.rows
        assert rows.loc[rows["level"] == "county", "unit_code"].nunique() == 100
        assert rows.loc[rows["level"] == "city", "unit_code"].nunique() == 11
        _assert_exact_roll_up(rows)
        province = totals_g(rows[rows["level"] == "province"]).iloc[0]
        # Jiangxi's direct emissions are some 2–3 × 10⁸ t CO2e a year (10⁶ g per t)
        assert 1.5e8 < province["production_g"] / 1e6 < 4e8
        # the forest sink (synthetic forest inventories of 2021 and 2023) at every level
        forest = rows[rows["category_code"] == "3.B.1.a"]
        assert forest.groupby("level")["unit_code"].nunique().to_dict() == {
            "county": 100, "city": 11, "province": 1
        }  # fmt: skip
        # 7 亿m³ growing 1–5 % a year: some 10⁷ to 10⁸ t CO2 taken up
        assert -1e8 < province["lulucf_g"] / 1e6 < -1e7
        assert province["net_g"] == province["production_g"] + province["lulucf_g"]
    r = runner.invoke(app, ["carbon", "sinks", "1", "--level", "city", "--format", "json",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    cities = json.loads(r.output)
    assert len(cities) == 11 and all(x["synthetic"] for x in cities)
    province_sink = totals_g(load_inventory(engine, 1).rows).set_index("unit_code")
    assert sum(x["removal_t"] for x in cities) == pytest.approx(
        -int(province_sink.loc[360000, "lulucf_g"]) / 1e6, abs=0.01 * 11
    )  # each city rounded to 0.01 t


def _assert_exact_roll_up(rows: pd.DataFrame) -> None:
    """Each city's rows are the integer sums of its counties' rows, the province's of its
    cities', to the gram; and the province's totals are the sums of its categories."""
    for lower, upper in (("county", "city"), ("city", "province")):
        low = rows[rows["level"] == lower]
        sums: dict[tuple[object, ...], int] = {}
        for r in low.itertuples(index=False):
            k = (int(r.parent_code), r.category_code, r.gas, r.scope)
            sums[k] = sums.get(k, 0) + int(r.co2e_g)
        up = rows[rows["level"] == upper]
        stated = {
            (int(r.unit_code), r.category_code, r.gas, r.scope): int(r.co2e_g)
            for r in up.itertuples(index=False)
        }
        assert sums == stated, (lower, upper)
    province = rows[rows["level"] == "province"]
    cats = {c: sum(map(int, g["co2e_g"])) for c, g in province.groupby("category_code")}
    t = totals_g(province).iloc[0]
    # the totals are gross of LULUCF (3.B, the forest sink); the net adds it
    direct = sum(v for c, v in cats.items() if not c.startswith(("memo", "3.B")))
    assert t["production_g"] == direct
    assert t["consumption_g"] == direct - cats["1.A.1.a"] + cats["memo.electricity"]
    assert t["lulucf_g"] == cats["3.B.1.a"] < 0
    assert t["net_g"] == direct + cats["3.B.1.a"]
