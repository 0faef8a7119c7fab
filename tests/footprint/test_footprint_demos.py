"""The three synthetic demo studies: written by ``ganpo footprint demo`` side by side, each
runs; the rare-earth separation's economic allocation by hand; the navel orange's biogenic
CO2 kept apart from the footprint while its biogenic CH4 counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.catalog.files import data_dir
from ganpo.cli.main import app
from ganpo.footprint.lca import footprint
from ganpo.footprint.model import read_product_system

DEMOS = data_dir("footprint")


def test_the_demo_writes_three_synthetic_studies_that_run(tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "120"})
    copper = tmp_path / "fp" / "copper-cathode.toml"
    r = runner.invoke(app, ["footprint", "demo", "--out", str(copper)])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in copper.parent.iterdir())
    assert names == ["copper-cathode.toml", "navel-orange.toml", "rare-earth-oxide.toml"]
    for path in copper.parent.iterdir():
        system = read_product_system(path)
        assert system.synthetic and "SYNTHETIC" in system.title_en
        j = runner.invoke(app, ["footprint", "run", str(path), "--format", "json"])
        assert j.exit_code == 0, j.output
        rows = json.loads(j.output)
        assert sum(x["kg"] for x in rows) == pytest.approx(footprint(system).total_kg)


def test_rare_earth_separation_is_allocated_by_value() -> None:
    """Separation yields 0.26 t PrNd oxide at 420 000, 0.55 t La-Ce oxide at 8 000 and
    0.09 t heavy oxides at 900 000 per t of carbonate: PrNd oxide bears
    109 200 / (109 200 + 4 400 + 81 000) of it, and 1 t of it needs 1 / 0.26 t carbonate."""
    system = read_product_system(DEMOS / "demo-rare-earth-oxide.toml")
    r = footprint(system)
    share = 0.26 * 420000 / (0.26 * 420000 + 0.55 * 8000 + 0.09 * 900000)
    by = {p["key"]: p for p in r.by_process}
    assert by["separation"]["allocation_share"] == pytest.approx(share)
    # the calcination CO2: 310 kg per t carbonate, allocated, per t of PrNd oxide
    assert by["separation"]["direct_kg"] == pytest.approx(310.0 * share / 0.26)
    assert r.biogenic_co2_kg == 0.0
    assert r.total_kg == pytest.approx(sum(p["kg"] for p in r.by_process))


def test_the_oranges_biogenic_co2_stays_apart(tmp_path: Path) -> None:
    path = DEMOS / "demo-navel-orange.toml"
    r = footprint(read_product_system(path))
    gas = {g["gas"]: g for g in r.by_gas}
    # 1 t packed needs 1 / 0.9 t fresh, of which the packing keeps 5 400 / 5 480
    fresh = (1 / 0.9) * (0.9 * 6000) / (0.9 * 6000 + 0.1 * 800)
    assert r.biogenic_co2_kg == pytest.approx((-220.0 + 45.0) * fresh)
    assert gas["CO2_biogenic"]["co2e_kg"] == 0.0
    assert r.total_kg == pytest.approx(sum(g["co2e_kg"] for g in r.by_gas))
    assert r.including_biogenic_kg == pytest.approx(r.total_kg + r.biogenic_co2_kg)
    assert gas["CH4_biogenic"]["co2e_kg"] == pytest.approx(0.12 * 27.0 * fresh)  # AR6 non-fossil
    # more carbon in the fruit changes the biogenic balance, not the footprint
    text = path.read_text(encoding="utf-8")
    more = tmp_path / "orange.toml"
    more.write_text(text.replace("amount = -220.0", "amount = -400.0"), encoding="utf-8")
    m = footprint(read_product_system(more))
    assert m.total_kg == pytest.approx(r.total_kg, rel=1e-12)
    assert m.biogenic_co2_kg == pytest.approx(r.biogenic_co2_kg - 180.0 * fresh)
