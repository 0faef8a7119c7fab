"""``benchmarks/bench_routing.py --dem DEM --eco MAP`` routes an existing DEM (the
Jiangxi-sized inputs that ``bench_invest.py --sizes --full 13600`` leaves, stage by stage),
run here on a tiny DEM of its own landscape: the table's row is labelled with the DEM's
size and its stages are listed; a DEM without its map, sizes beside it, a missing file, a
file that is not a raster and maps of two grids are refused by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_routing.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=600
    )


def _inputs(size: int, folder: Path) -> tuple[Path, Path]:
    """The benchmark's DEM and ecosystem map of ``size`` × ``size`` cells in ``folder``."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        from bench_routing import write_inputs
    finally:
        sys.path.remove(str(SCRIPT.parent))
    return write_inputs(size, folder)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _inputs(40, tmp_path_factory.mktemp("dem"))


def test_an_existing_dem_is_routed_stage_by_stage(tiny: tuple[Path, Path]) -> None:
    dem, eco = tiny
    run = _run(
        "--dem", str(dem), "--eco", str(eco), "--kinds", "both", "--modes", "memory", "--stages"
    )
    assert run.returncode == 0, run.stderr
    rows = run.stdout.splitlines()
    assert any(r.split()[:3] == ["40×40", "both", "memory"] for r in rows), run.stdout
    stages = [r.split()[0] for r in rows if r.startswith(" ") and r.strip().endswith("%")]
    for name in ("fill", "directions", "accumulation", "streams", "distance"):
        assert name in stages, run.stdout


def test_a_dem_without_its_map_or_a_missing_file_is_refused(tiny: tuple[Path, Path]) -> None:
    dem, eco = tiny
    alone = _run("--dem", str(dem))
    assert alone.returncode == 2
    assert "--dem and --eco go together" in alone.stderr
    missing = _run("--dem", str(dem.with_name("none.tif")), "--eco", str(eco))
    assert missing.returncode == 2
    assert "none.tif: no such file" in missing.stderr


def test_sizes_beside_a_dem_a_file_not_a_raster_or_maps_of_two_grids_are_refused(
    tiny: tuple[Path, Path], tmp_path: Path
) -> None:
    dem, eco = tiny
    sizes = _run("--dem", str(dem), "--eco", str(eco), "100")
    assert sizes.returncode == 2
    assert "give no sizes beside it" in sizes.stderr
    text = tmp_path / "notes.tif"
    text.write_text("not a raster", encoding="utf-8")
    not_raster = _run("--dem", str(text), "--eco", str(eco))
    assert not_raster.returncode == 2
    assert "notes.tif: not a raster (give a GeoTIFF)" in not_raster.stderr
    assert "Traceback" not in not_raster.stderr
    _, other = _inputs(30, tmp_path / "other")
    two_grids = _run("--dem", str(dem), "--eco", str(other))
    assert two_grids.returncode == 2
    assert "40×40 cells" in two_grids.stderr and "30×30: give the ecosystem map" in two_grids.stderr
