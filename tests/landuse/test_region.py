"""A city's scenario: maps cut to the city on the province's grid, the simulated map
pasted back into the province for the account. Oracles: the clip holds the source's cells
exactly, inside the city only; pasting the unchanged clip gives the baseline map and so
ΔGEP = 0; a city scenario changes no county outside the city except through routed
sediment; maps off the grid are refused with the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from typer.testing import CliRunner

from ganpo.catalog.ecosystems import RASTER_NODATA, by_key
from ganpo.cli.main import app
from ganpo.demo.generator import build_demo_dataset
from ganpo.errors import GridError, InputError
from ganpo.io.regions import load_counties
from ganpo.landuse.gep import county_table, level1_baseline, scenario_gep
from ganpo.landuse.region import clip_to_unit, paste_window

YEAR = 2023
CITY = 360200  # 景德镇市: 昌江区, 珠山区, 浮梁县, 乐平市
#: services whose value in a county comes from its own cells only (not routed)
LOCAL_SERVICES = {
    "carbon_sequestration",
    "climate_regulation",
    "oxygen_release",
    "water_conservation",
    "flood_regulation",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_dataset(tmp_path_factory.mktemp("acc"), resolution_m=8000.0).parent


@pytest.fixture(scope="module")
def base(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return level1_baseline(demo, YEAR, tmp_path_factory.mktemp("base") / "base.tif")


def _read(path: Path) -> tuple[np.ndarray, dict]:
    with rasterio.open(path) as src:
        return src.read(1), dict(src.profile)


def _write(path: Path, data: np.ndarray, profile: dict) -> Path:
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def test_clip_holds_the_source_cells_inside_the_city(base: Path, tmp_path: Path) -> None:
    unit, (clip,) = clip_to_unit([base], CITY, tmp_path / "city")
    assert unit.name_zh == "景德镇市" and unit.level == "city"
    full, fp = _read(base)
    part, pp = _read(clip)
    assert part.shape[0] < full.shape[0] and part.shape[1] < full.shape[1]
    t, T = pp["transform"], fp["transform"]
    col, row = (t.c - T.c) / T.a, (t.f - T.f) / T.e
    assert col == int(col) and row == int(row)  # on the source's grid lines
    window = full[int(row) : int(row) + part.shape[0], int(col) : int(col) + part.shape[1]]
    inside = part != RASTER_NODATA
    assert inside.sum() > 20
    assert np.array_equal(part[inside], window[inside])
    # every classified cell of the clip has its centre in one of the city's counties
    counties = load_counties(360000, crs=fp["crs"])
    city = counties[counties["city_adcode"] == CITY].geometry.union_all()
    rows, cols = np.nonzero(inside)
    xs, ys = rasterio.transform.xy(t, rows, cols)
    from shapely import points

    assert city.contains(points(np.asarray(xs), np.asarray(ys))).all()


def test_unchanged_city_pasted_gives_the_baseline_and_zero(
    demo: Path, base: Path, tmp_path: Path
) -> None:
    _, (clip,) = clip_to_unit([base], CITY, tmp_path / "city")
    pasted = paste_window(clip, base, tmp_path / "pasted.tif")
    assert np.array_equal(_read(pasted)[0], _read(base)[0])
    result = scenario_gep(demo, YEAR, base, pasted)
    assert result.delta_cny == 0.0


def test_city_scenario_changes_the_city(demo: Path, base: Path, tmp_path: Path) -> None:
    _, (clip,) = clip_to_unit([base], CITY, tmp_path / "city")
    part, profile = _read(clip)
    forest, built = by_key("forest").code, by_key("built_up").code
    changed = np.where(part == forest, np.uint8(built), part)
    assert (changed != part).sum() > 10
    scenario = _write(tmp_path / "sim.tif", changed, profile)
    pasted = paste_window(scenario, base, tmp_path / "pasted.tif")
    result = scenario_gep(demo, YEAR, base, pasted)
    assert result.delta_cny < 0
    city_counties = set(
        load_counties(360000).query("city_adcode == @CITY")["county_adcode"].astype(int)
    )
    by = result.by("indicator", "county_adcode")
    outside = by[~by["county_adcode"].astype(int).isin(city_counties)]
    local = outside[outside["indicator"].isin(LOCAL_SERVICES)]
    assert len(local) > 0 and (local["delta_cny"] == 0.0).all()
    inside = by[by["county_adcode"].astype(int).isin(city_counties)]
    assert inside["delta_cny"].sum() < 0
    table = county_table(result)
    assert table["变化 Δ (万元)"].sum() == pytest.approx(result.delta_cny / 1e4, rel=1e-9)
    assert int(table.iloc[0]["代码 code"]) in city_counties  # largest change first


def test_maps_off_the_grid_are_refused(base: Path, tmp_path: Path) -> None:
    _, (clip,) = clip_to_unit([base], CITY, tmp_path / "city")
    part, profile = _read(clip)
    t = profile["transform"]
    half = _write(
        tmp_path / "half.tif", part, profile | {"transform": t * Affine.translation(0.5, 0)}
    )
    with pytest.raises(GridError, match="not aligned"):
        paste_window(half, base, tmp_path / "x.tif")
    coarse = _write(
        tmp_path / "coarse.tif",
        part,
        profile | {"transform": Affine(t.a * 2, 0, t.c, 0, t.e * 2, t.f)},
    )
    with pytest.raises(GridError, match="cells"):
        paste_window(coarse, base, tmp_path / "x.tif")
    far = _write(
        tmp_path / "far.tif", part, profile | {"transform": t * Affine.translation(-10_000, 0)}
    )
    with pytest.raises(GridError, match="beyond the baseline"):
        paste_window(far, base, tmp_path / "x.tif")
    full, fp = _read(base)
    stray = np.full_like(full, RASTER_NODATA)
    empty = np.argwhere(full == RASTER_NODATA)[0]
    stray[tuple(empty)] = by_key("forest").code
    with pytest.raises(GridError, match="1 cells the baseline leaves empty"):
        paste_window(_write(tmp_path / "stray.tif", stray, fp), base, tmp_path / "x.tif")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (360000, "is a province"),
        (360299, "no city or county has the code"),
        (990100, "no province"),
    ],
)
def test_unknown_units_are_refused(base: Path, tmp_path: Path, code: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        clip_to_unit([base], code, tmp_path / "u")


def test_cli_clip_and_city_gep(demo: Path, base: Path, tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    r = runner.invoke(
        app, ["landuse", "clip", str(base), "--unit", str(CITY), "--out", str(tmp_path / "c")]
    )
    assert r.exit_code == 0, r.output
    assert "景德镇市 (360200): 1 map(s)" in r.output
    out = tmp_path / "counties.csv"
    r = runner.invoke(
        app,
        [
            "landuse",
            "gep",
            str(demo),
            str(YEAR),
            str(tmp_path / "c" / "base.tif"),
            "--baseline",
            str(base),
            "--out-counties",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "pasted in" in r.output and "ΔGEP 0.00 亿元" in r.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert (table["变化 Δ (万元)"] == 0).all() and len(table) > 90
