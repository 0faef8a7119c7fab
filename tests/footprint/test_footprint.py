"""Product carbon footprints: a two-process system worked by hand (economic and mass
allocation, a fuel and grid electricity as background, biogenic carbon apart), the
Monte Carlo, the PACT export, bad studies, and the synthetic demo through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.errors import InputError
from ganpo.footprint.background import background
from ganpo.footprint.lca import footprint
from ganpo.footprint.model import parse_product_system, read_product_system
from ganpo.footprint.pact import product_footprint

STUDY = """
title_zh = "测试"
title_en = "test"
product = "widget"
product_name_zh = "部件"
product_name_en = "widget"
functional_unit = {{ product = "widget", amount = 1.0, unit = "t" }}
boundary = "cradle_to_gate"
allocation = "{allocation}"
gwp = "AR6"
reference_year = 2022
fossil_carbon_content = 0.0
biogenic_carbon_content = 0.0

[[processes]]
key = "ore"
name_zh = "采矿"
name_en = "mining"
stage = "raw_material"
outputs = [ {{ product = "ore", amount = 2.0, unit = "t", value = 30.0 }},
            {{ product = "sand", amount = 4.0, unit = "t", value = 10.0 }} ]
inputs = [ {{ background = "fuel:ipcc-2006:raw_coal", amount = 0.1, unit = "t" }} ]
emissions = [ {{ gas = "CO2_biogenic", amount = -50.0 }} ]

[[processes]]
key = "make"
name_zh = "制造"
name_en = "making"
stage = "{stage}"
outputs = [ {{ product = "widget", amount = 1.0, unit = "t" }} ]
inputs = [ {{ product = "ore", amount = 2000.0, unit = "kg" }},
           {{ background = "grid:national:2022", amount = 1000.0, unit = "kWh", gsd = 1.2 }} ]
emissions = [ {{ gas = "CH4_biogenic", amount = 1.0 }} ]
"""


def _study(tmp_path: Path, allocation: str = "economic", stage: str = "production") -> Path:
    path = tmp_path / f"study-{allocation}-{stage}.toml"
    path.write_text(STUDY.format(allocation=allocation, stage=stage), encoding="utf-8")
    return path


def test_background_fuel_and_grid_by_hand() -> None:
    # raw coal, IPCC 2006: 25.8 TJ/Gg × 25.8 t C/TJ × 44/12 = 2 440.68 kg CO2 per t;
    # CH4 10 kg/TJ and N2O 1.5 kg/TJ in manufacturing (Table 2.3) × 0.0258 TJ
    coal = background("fuel:ipcc-2006:raw_coal")
    assert coal.unit == "t"
    assert coal.emissions["CO2_fossil"] == pytest.approx(2440.68)
    assert coal.emissions["CH4_fossil"] == pytest.approx(0.258)
    assert coal.emissions["N2O"] == pytest.approx(0.0387)
    assert background("grid:national:2022").emissions == {"CO2_fossil": 0.5366}
    with pytest.raises(InputError, match="published years"):
        background("grid:national:2019")


def test_the_footprint_by_hand(tmp_path: Path) -> None:
    """Economic allocation gives ore 2 × 30 / (2 × 30 + 4 × 10) = 0.6 of mining: 0.06 t of
    coal for the 2 t of ore a widget needs, 146.4408 kg CO2 + 0.01548 kg CH4 × 29.8 +
    0.002322 kg N2O × 273; making adds 1 000 kWh × 0.5366 and 1 kg biogenic CH4 × 27.0.
    Biogenic CO2: −50 kg × 0.6, apart from the footprint."""
    r = footprint(read_product_system(_study(tmp_path)))
    mining = 0.06 * 2440.68 + 0.06 * 0.258 * 29.8 + 0.06 * 0.0387 * 273.0
    making = 1000.0 * 0.5366 + 1.0 * 27.0
    assert r.total_kg == pytest.approx(mining + making, rel=1e-12)
    by = {p["key"]: p for p in r.by_process}
    assert by["ore"]["allocation_share"] == pytest.approx(0.6)
    assert by["ore"]["kg"] == pytest.approx(mining, rel=1e-12)
    assert by["make"]["kg"] == pytest.approx(making, rel=1e-12)
    assert r.biogenic_co2_kg == pytest.approx(-30.0)
    assert r.including_biogenic_kg == pytest.approx(mining + making - 30.0)
    assert {s["stage"] for s in r.by_stage} == {"raw_material", "production"}
    assert any("Table 1.2" in f[3] for f in r.factors)  # the fuel factor's source
    # mass allocation: 2 t of 6 t
    m = footprint(read_product_system(_study(tmp_path, "mass")))
    assert {p["key"]: p["allocation_share"] for p in m.by_process}["ore"] == pytest.approx(1 / 3)


def test_monte_carlo_is_reproducible_and_brackets_the_footprint(tmp_path: Path) -> None:
    system = read_product_system(_study(tmp_path))
    a = footprint(system, draws=1000, seed=7).monte_carlo
    b = footprint(system, draws=1000, seed=7).monte_carlo
    assert a == b and a is not None
    total = footprint(system).total_kg
    assert a["p2_5_kg"] < total < a["p97_5_kg"]
    with pytest.raises(
        InputError, match="at least 1000 draws, got 10 / 蒙特卡罗模拟至少需要 1000 次抽样"
    ):
        footprint(system, draws=10)


def test_the_pact_export(tmp_path: Path) -> None:
    system = read_product_system(_study(tmp_path))
    r = footprint(system)
    doc = product_footprint(system, r)
    pcf = doc["pcf"]
    assert pcf["declaredUnit"] == "kilogram" and pcf["unitaryProductAmount"] == "1"
    assert float(pcf["pCfExcludingBiogenic"]) == pytest.approx(r.total_kg / 1000, abs=1e-6)
    assert float(pcf["pCfIncludingBiogenic"]) == pytest.approx((r.total_kg - 30.0) / 1000, abs=1e-6)
    assert pcf["characterizationFactors"] == "AR6"
    assert pcf["crossSectoralStandardsUsed"] == ["ISO Standard 14067"]
    assert doc["companyIds"][0].startswith("urn:")


def test_bad_studies_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="outside a cradle-to-gate boundary"):
        footprint(read_product_system(_study(tmp_path, stage="use")))
    with pytest.raises(InputError, match="state an allocation rule"):
        footprint(read_product_system(_study(tmp_path, "none")))
    bad = tmp_path / "bad.toml"
    bad.write_text(STUDY.format(allocation="economic", stage="production").replace(
        'unit = "kWh"', 'unit = "t"'), encoding="utf-8")  # fmt: skip
    with pytest.raises(InputError, match="'t' cannot be converted to 'kWh'"):
        footprint(read_product_system(bad))
    with pytest.raises(InputError, match="invalid product system"):
        bad.write_text("title_zh = 1\n", encoding="utf-8")
        read_product_system(bad)


def test_the_demo_through_the_cli(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "120"})
    study = tmp_path / "copper.toml"
    r = runner.invoke(app, ["footprint", "demo", "--out", str(study)])
    assert r.exit_code == 0, r.output
    pact = tmp_path / "copper.json"
    r = runner.invoke(app, ["footprint", "run", str(study), "--draws", "1000", "--pact", str(pact)])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "合成数据 SYNTHETIC" in out and "kg CO₂e / 1 t" in out and "Monte Carlo" in out
    assert json.loads(pact.read_text(encoding="utf-8"))["pcf"]["fossilCarbonContent"] == "0"
    j = runner.invoke(app, ["footprint", "run", str(study), "--format", "json"])
    rows = json.loads(j.output)
    assert [x["key"] for x in rows] == ["mining", "smelting", "refining"]
    assert 0.98 < rows[1]["allocation_share"] < 1.0  # sulphuric acid takes its share


LOOP = """
title_zh = "循环"
title_en = "loop"
product = "a"
product_name_zh = "甲"
product_name_en = "a"
functional_unit = { product = "a", amount = 1.0, unit = "t" }
boundary = "cradle_to_gate"
allocation = "none"
gwp = "AR6"
reference_year = 2022

[[processes]]
key = "pa"
name_zh = "甲"
name_en = "a"
stage = "production"
outputs = [{ product = "a", amount = 1.0, unit = "t" }]
inputs = [{ product = "b", amount = 1.0, unit = "t" }]
emissions = [{ gas = "CO2_fossil", amount = 10 }]

[[processes]]
key = "pb"
name_zh = "乙"
name_en = "b"
stage = "production"
outputs = [{ product = "b", amount = 1.0, unit = "t" }]
inputs = [{ product = "a", amount = AMOUNT, unit = "UNIT" }]
emissions = [{ gas = "CO2_fossil", amount = 5 }]
"""


def test_a_loop_converges_or_is_refused() -> None:
    def run(amount: str, unit: str = "t") -> float:
        text = LOOP.replace("AMOUNT", amount).replace("UNIT", unit)
        return footprint(parse_product_system(text, "loop.toml")).total_kg

    # a needs 1 t of b, b needs 0.5 t of a: x_a = 1 + 0.5 x_a → 2 t of a and b
    assert run("0.5") == pytest.approx(2 * 10 + 2 * 5)
    for amount, unit in (("1.0", "t"), ("2.0", "t"), ("1000", "kg")):
        with pytest.raises(InputError, match="loop of processes pa, pb does not converge"):
            run(amount, unit)
    with pytest.raises(InputError, match=r"loop\.toml"):
        parse_product_system("title_zh = ", "loop.toml")
