"""A scenario's GEP through the same account: an unchanged map gives ΔGEP = 0 exactly; a
scenario that converts only forest to built-up lowers only the services that depend on
the ecosystem map, and leaves the products counted from statistics tables as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

from ganpo.catalog.ecosystems import by_key
from ganpo.cli.main import app
from ganpo.demo.generator import build_demo_dataset
from ganpo.landuse.gep import level1_baseline, scenario_gep

YEAR = 2023
#: the services of the demo profile computed from the ecosystem map (regulating services
#: valued per cell by ecosystem type); the others come from statistics tables or do not
#: read the map (air purification and water purification take emissions tables)
MAP_SERVICES = {
    "carbon_sequestration",
    "climate_regulation",
    "flood_regulation",
    "oxygen_release",
    "soil_retention",
    "water_conservation",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_dataset(tmp_path_factory.mktemp("acc"), resolution_m=8000.0).parent


def test_unchanged_map_gives_zero_exactly(demo: Path, tmp_path: Path) -> None:
    base = level1_baseline(demo, YEAR, tmp_path / "base.tif")
    result = scenario_gep(demo, YEAR, base, base)
    assert result.delta_cny == 0.0
    assert (result.by("indicator", "unit_code")["delta_cny"] == 0.0).all()


def test_forest_to_built_up_lowers_only_map_services(demo: Path, tmp_path: Path) -> None:
    base = level1_baseline(demo, YEAR, tmp_path / "base.tif")
    with rasterio.open(base) as src:
        cover, profile = src.read(1), src.profile
    forest, built = by_key("forest").code, by_key("built_up").code
    cells = np.flatnonzero(cover.ravel() == forest)
    picked = np.random.default_rng(0).choice(cells, 200, replace=False)
    changed = cover.copy().ravel()
    changed[picked] = built
    with rasterio.open(tmp_path / "scenario.tif", "w", **profile) as dst:
        dst.write(changed.reshape(cover.shape), 1)
    result = scenario_gep(demo, YEAR, base, tmp_path / "scenario.tif")
    by_service = result.by("indicator").set_index("indicator")["delta_cny"]
    moved = set(by_service[by_service != 0.0].index)
    assert moved == MAP_SERVICES
    assert (by_service[list(MAP_SERVICES)] < 0).all()  # less forest: less of each
    assert result.delta_cny < 0
    # by ecosystem type the loss is the forest's; routed services (soil retention) may
    # move a little value between other types downstream, never more than 0.01 % of it
    by_type = result.by("ecosystem_code").set_index("ecosystem_code")["delta_cny"]
    assert by_type[forest] < 0
    others = by_type.drop(forest)
    assert (others.abs() <= 1e-4 * abs(by_type[forest])).all()


def test_cli_gep(demo: Path, tmp_path: Path) -> None:
    base = level1_baseline(demo, YEAR, tmp_path / "base.tif")
    out = tmp_path / "gep.csv"
    r = CliRunner(env={"COLUMNS": "160"}).invoke(
        app, ["landuse", "gep", str(demo), str(YEAR), str(base), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "ΔGEP 0.00 亿元" in r.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert "变化 Δ (亿元)" in table.columns
    assert (table["变化 Δ (亿元)"] == 0).all()
    r = CliRunner().invoke(app, ["landuse", "gep", str(demo), "2031", str(base)])
    assert r.exit_code == 2
    assert "no ecosystem map for 2031" in r.output
