"""``ganpo carbon sinks``: the sink account of a stored inventory with a forest table (the
micro case of tests/carbon/test_inventory_sinks.py) in the table and JSON formats, at
county and city level, and its reconciliation with the tiny GEP account of 2022 (the tiny
dataset's counties 360101 and 360102, 东湖区, at 100 m); a GEP account of another year
and an unknown inventory are one message and exit 2."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forestdata import DONGHU, FIR_T_C_PER_M3, NANCHANG, write_forest_micro
from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.store.repository import load_account, open_store
from tinydata import tiny_factory

runner = CliRunner(env={"COLUMNS": "200"})
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")
#: the forest of 东湖区 in 2022: 5 × 10⁴ m³/a × 0.32502129296 t C/m³ × 44/12 [t CO2]
REMOVAL_T = (110 - 100) * 1e4 / 2 * FIR_T_C_PER_M3 * 44 / 12


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    saved = (console._width, err_console._width)
    console.width = err_console.width = 200
    yield
    console._width, err_console._width = saved


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the tiny GEP account of 2022 (id 1) and the micro inventories of 2022
    (id 1) and 2023 (id 2, the same forest inventories, 2023 their second year)."""
    root = tmp_path_factory.mktemp("sinks")
    db = str(root / "g.sqlite")
    r = runner.invoke(app, ["account", "run", str(tiny_factory(root)()), "--year", "2022",
                            "--database", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    data = write_forest_micro(root / "micro", years="[2022, 2023]")
    for year in (2022, 2023):
        if year == 2023:  # the electricity and cement of 2023, as in 2022
            for name in ("electricity.csv", "cement_clinker.csv"):
                path = data / name
                lines = path.read_text(encoding="utf-8").splitlines()
                more = [line.replace(",2022,", ",2023,") for line in lines[1:]]
                path.write_text("\n".join([*lines, *more]) + "\n", encoding="utf-8")
        r = runner.invoke(app, ["carbon", "run", str(data), "--year", str(year), "--gwp", "AR6",
                                "--database", db])  # fmt: skip
        assert r.exit_code == 0, r.output
    return db


def test_sinks_table(store: str) -> None:
    r = runner.invoke(app, ["carbon", "sinks", "1", "--database", store])
    assert r.exit_code == 0, r.output
    out = flat(r.output)
    assert "碳汇账户 Sink account" in out and "2022 年" in out
    assert "东湖区" in out and "森林" in out and "forest" in out
    assert "蓄积量变化法（两期清查）" in out and "stock difference of two inventories" in out
    assert "万吨二氧化碳 (万tCO₂)" in out and "清除量为正" in out and "removals positive" in out
    assert f"{REMOVAL_T / 1e4:,.2f}" == "5.96" and "5.96" in out  # 59 587.24 t
    assert not SCIENTIFIC.search(out)
    assert "stock_difference" not in out and "360102" not in out


def test_sinks_json_by_county_and_city(store: str) -> None:
    r = runner.invoke(app, ["carbon", "sinks", "2", "--format", "json", "--database", store])
    assert r.exit_code == 0, r.output
    [line] = json.loads(r.output)
    assert (line["unit_code"], line["year"], line["part"], line["ecosystem"]) == (
        DONGHU, 2023, "sink", "forest"
    )  # fmt: skip
    assert line["removal_t"] == round(REMOVAL_T, 2)  # 2023 is in the interval 2021–2023
    r = runner.invoke(app, ["carbon", "sinks", "1", "--level", "city", "--format", "json",
                            "--database", store])  # fmt: skip
    [line] = json.loads(r.output)
    assert (line["unit_code"], line["level"]) == (NANCHANG, "city")
    assert line["removal_10k_t"] == round(REMOVAL_T / 1e4, 4)


def test_reconciliation_with_the_gep_account(store: str) -> None:
    r = runner.invoke(app, ["carbon", "sinks", "1", "--account", "1", "--format", "json",
                            "--database", store])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = json.loads(r.output)
    results = load_account(open_store(store), 1).results
    cs = results[results["indicator"] == "carbon_sequestration"]
    assert set(cs["quantity_unit"]) == {"t CO2"}
    for unit in (360101, DONGHU):
        got = {x["part"]: x["removal_t"] for x in lines if x["unit_code"] == unit
               and x["part"] != "coverage"}  # fmt: skip
        gep_t = math.fsum(cs.loc[cs["county_adcode"] == unit, "quantity"])
        inventory_t = REMOVAL_T if unit == DONGHU else 0.0
        assert got["gep"] == round(gep_t, 2)
        assert got["inventory"] == round(inventory_t, 2)
        assert got["difference"] == pytest.approx(gep_t - inventory_t, abs=0.01)
        coverage = sum(x["removal_t"] for x in lines if x["unit_code"] == unit
                       and x["part"] == "coverage")  # fmt: skip
        assert coverage + got["unexplained"] == pytest.approx(got["difference"], abs=0.02)
    assert all(x["gep_account_id"] == 1 for x in lines)
    r = runner.invoke(app, ["carbon", "sinks", "1", "--account", "1", "--database", store])
    out = flat(r.output)
    assert "与 GEP 固碳量核对 Reconciliation with GEP carbon sequestration" in out
    assert "GEP 固碳量" in out and "GEP carbon sequestration" in out
    assert "未解释部分" in out and "unexplained" in out and "not decomposed" in out
    assert "净生态系统生产力法" in out and "-5.96" in out  # GEP − inventory
    assert "-0.00" not in out
    assert not SCIENTIFIC.search(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["2", "--account", "1"], "GEP account 1 is of 2022, the inventory of 2023"),
        (["1", "--account", "9"], "no account 9"),
        (["7"], "no carbon inventory 7"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(store: str, args: list[str], message: str) -> None:
    r = runner.invoke(app, ["carbon", "sinks", *args, "--database", store])
    assert r.exit_code == 2, r.output
    assert message in flat(r.output)
    assert "Traceback" not in r.output


@pytest.mark.slow
def test_the_demo_sink_lines_up_with_the_demo_gep_by_county(
    demo_platform: object, tmp_path: Path
) -> None:
    import shutil

    db = tmp_path / "demo.sqlite"
    shutil.copy(demo_platform.database, db)  # type: ignore[attr-defined]
    r = runner.invoke(app, ["carbon", "demo", "--out", str(tmp_path / "c"), "--database",
                            str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    account_2022 = demo_platform.account_ids[0]  # type: ignore[attr-defined]
    r = runner.invoke(app, ["carbon", "sinks", "1", "--account", str(account_2022),
                            "--format", "json", "--database", str(db)])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = json.loads(r.output)
    sink = {x["unit_code"] for x in lines if x["part"] == "sink"}
    gep = {x["unit_code"]: x["removal_t"] for x in lines if x["part"] == "gep"}
    assert len(sink) == 100 and set(gep) == sink  # the same counties, one line each
    # at 2000 m a few small urban districts hold no cell of carbon-sequestering land
    assert sum(v > 0 for v in gep.values()) >= 90
    assert all(x["synthetic"] for x in lines)
