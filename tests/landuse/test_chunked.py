"""The scenario block by block equals the scenario in memory, cell by cell, on the
synthetic demo at 8 km (81 × 60 cells), for block sizes that do and do not divide the
rows; its scratch files are gone afterwards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.errors import InputError
from ganpo.landuse.ca import CAParameters, allocate, allocate_index
from ganpo.landuse.chunked import simulate_chunked
from ganpo.landuse.demand import class_index
from ganpo.landuse.run import read_cover, simulate


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lu")
    r = CliRunner().invoke(app, ["landuse", "demo", "--out", str(out), "--resolution", "8000"])
    assert r.exit_code == 0, r.output
    return out


def _args(demo: Path) -> tuple[Path, Path, Path]:
    return demo / "cover_2022.tif", demo / "cover_2023.tif", demo / "dem.tif"


def test_markov_run_by_blocks_equals_the_run_in_memory(demo: Path, tmp_path: Path) -> None:
    memory = simulate(*_args(demo), tmp_path / "memory.tif", seed=3)
    expected = read_cover(tmp_path / "memory.tif").cover
    assert expected.shape == (81, 60)
    assert (expected != read_cover(demo / "cover_2023.tif").cover).any()  # it changed
    for rows in (7, 27, 500):  # 7 leaves a last block of 4 rows; 27 divides 81; 500 > 81
        folder = tmp_path / f"b{rows}"
        folder.mkdir()
        run = simulate(*_args(demo), folder / "sim.tif", seed=3, block_rows=rows)
        assert np.array_equal(read_cover(folder / "sim.tif").cover, expected), rows
        assert run.allocation.iterations == memory.allocation.iterations
        assert np.array_equal(run.allocation.unmet, memory.allocation.unmet)
        assert np.array_equal(run.demand, memory.demand)
        assert run.importances == memory.importances  # the same sample, the same forest
        assert [p.name for p in folder.iterdir()] == ["sim.tif"]  # scratch removed


def test_plan_with_zones_extra_driver_and_a_binding_cap(demo: Path, tmp_path: Path) -> None:
    a = read_cover(demo / "cover_2023.tif")
    zones = np.zeros(a.cover.shape, np.uint8)
    zones[:, :20] = 1
    profile = dict(a.profile, dtype="uint8", nodata=None)
    with rasterio.open(tmp_path / "zones.tif", "w", **profile) as dst:
        dst.write(zones, 1)
    ramp = np.add.outer(np.arange(81.0), np.arange(60.0)).astype(np.float32)
    ramp[0, 0] = -1.0  # a nodata cell, filled with the mean
    with rasterio.open(
        tmp_path / "ramp.tif", "w", **dict(a.profile, dtype="float32", nodata=-1.0)
    ) as dst:
        dst.write(ramp, 1)
    ha = a.cell_area_hm2
    built = int((a.cover == 6).sum())
    kwargs = {
        "demand": "plan",
        "targets_hm2": {6: (built + 30) * ha, 5: (int((a.cover == 5).sum()) - 30) * ha},
        "restricted": tmp_path / "zones.tif",
        "extra_drivers": {"ramp": tmp_path / "ramp.tif"},
        "max_distance_m": 16_000.0,  # 2 cells of 8 km: the cap binds on most cells
        "seed": 5,
        "params": CAParameters(rows_per_block=16),
    }
    memory = simulate(*_args(demo), tmp_path / "memory.tif", **kwargs)  # type: ignore[arg-type]
    expected = read_cover(tmp_path / "memory.tif").cover
    for rows in (5, 16):
        run = simulate_chunked(
            *_args(demo),
            tmp_path / f"b{rows}.tif",
            block_rows=rows,
            **kwargs,  # type: ignore[arg-type]
        )
        assert np.array_equal(read_cover(tmp_path / f"b{rows}.tif").cover, expected), rows
        assert run.allocation.met and memory.allocation.met
        assert run.importances == memory.importances
    changed = (expected != a.cover) & (a.cover != 255)
    assert changed.any() and not (changed & (zones == 1)).any()


def test_bad_block_and_cap(demo: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="block_rows must be at least 1"):
        simulate(*_args(demo), tmp_path / "x.tif", block_rows=0)
    with pytest.raises(InputError, match="maximum search distance must be positive"):
        simulate(*_args(demo), tmp_path / "x.tif", block_rows=16, max_distance_m=0.0)
    with pytest.raises(InputError, match="one of ganpo's own"):
        simulate(
            *_args(demo),
            tmp_path / "x.tif",
            block_rows=16,
            extra_drivers={"slope_deg": demo / "dem.tif"},
        )
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_the_automaton_on_memmaps_equals_it_in_memory(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    classes = (1, 2, 3)
    cover = rng.integers(1, 4, (30, 23))
    prob = rng.random((3, 30, 23)).astype(np.float32)
    counts = np.array([(cover == c).sum() for c in classes])
    demand = counts + np.array([-12, -8, 20])
    params = CAParameters(rows_per_block=7)
    ref = allocate(cover, prob, demand, classes, params=params, seed=9)
    idx = np.memmap(tmp_path / "idx.bin", np.int8, "w+", shape=cover.shape)
    idx[:] = class_index(cover, classes)
    allowed = np.memmap(tmp_path / "ok.bin", np.bool_, "w+", shape=cover.shape)
    allowed[:] = True
    probs = np.memmap(tmp_path / "p.bin", np.float32, "w+", shape=prob.shape)
    probs[:] = prob
    it, unmet = allocate_index(idx, probs, demand, allowed, classes, params=params, seed=9)
    assert it == ref.iterations and np.array_equal(unmet, ref.unmet)
    assert np.array_equal(np.asarray(classes)[np.asarray(idx)], ref.cover)
    with pytest.raises(InputError, match="C-contiguous"):
        allocate_index(np.asarray(idx)[:, ::2], probs, demand, allowed, classes)


def test_cli_block_rows_gives_the_same_map(demo: Path, tmp_path: Path) -> None:
    simulate(*_args(demo), tmp_path / "memory.tif")
    first, second, dem = (str(p) for p in _args(demo))
    args = ["landuse", "simulate", first, second, "--dem", dem, "--out", str(tmp_path / "b.tif")]
    r = CliRunner(env={"COLUMNS": "160"}).invoke(
        app, [*args, "--block-rows", "20", "--max-distance", "1e7"]
    )
    assert r.exit_code == 0, r.output
    assert np.array_equal(
        read_cover(tmp_path / "b.tif").cover, read_cover(tmp_path / "memory.tif").cover
    )
