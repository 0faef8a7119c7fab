"""Tiled pit filling (Barnes 2016) against the global Priority-Flood: bitwise equal on
pits that cross tile edges, a landscape that drains to one outlet across many tiles,
nodata holes across tile edges, tiles of one and two cells and tiles that do not divide
the raster, float32 and float64, and random DEMs × random tile sizes (hypothesis); the
file path through dask, tile by tile, reading no more than a tile and its halo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ganpo.engine import tiled_fill
from ganpo.engine.compute import scheduler
from ganpo.engine.routing import fill_pits
from ganpo.engine.tiled_fill import (
    fill_pits_in_place,
    fill_pits_tiled,
    fill_pits_tiled_array,
    tiles,
)
from ganpo.errors import InputError
from landscapes import notched_bowl, pitted, write_tif


def _global(z: NDArray[Any]) -> NDArray[Any]:
    out = z.copy()
    fill_pits(out)
    return out


def _assert_same(z: NDArray[Any], tile: int | tuple[int, int]) -> NDArray[Any]:
    """The tiles' fill (stages "evict" tile by tile, and in place in two threads) is
    bitwise the global fill."""
    expected = _global(z)
    got = fill_pits_tiled_array(z, tile)
    assert got.dtype == z.dtype
    # bitwise: heights are copied, never computed, in both
    assert np.array_equal(got, expected, equal_nan=True), (tile, z, expected, got)
    in_place = z.copy()
    fill_pits_in_place(in_place, tile, threads=2)
    assert np.array_equal(in_place, expected, equal_nan=True), (tile, z, expected, in_place)
    return got


def test_pit_across_a_tile_edge_by_hand() -> None:
    z = np.array(
        [
            [5.0, 5.0, 5.0, 5.0, 5.0],
            [5.0, 1.0, 2.0, 5.0, 5.0],
            [5.0, 5.0, 4.0, 5.0, 5.0],
            [5.0, 5.0, 5.0, 3.0, 5.0],
        ]
    )
    # tiles of 2 × 2: the pit (1,1) = 1, (1,2) = 2 lies in tiles (0,0) and (0,1); it
    # spills over (2,2) = 4, in tile (1,1), to the edge cell (3,3) = 3. Each cell of the
    # pit is raised to 4 and nothing else changes.
    got = _assert_same(z, 2)
    expected = z.copy()
    expected[1, 1] = expected[1, 2] = expected[2, 2] = 4.0
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("tile", [1, 2, 3, 7, (5, 11), 16, 64])
def test_random_pits_equal_the_global_fill(dtype: str, tile: int | tuple[int, int]) -> None:
    rng = np.random.default_rng(19)
    z = pitted(rng, (37, 29), dtype)  # 37 and 29: no tile size here divides them
    got = _assert_same(z, tile)
    assert (got > z).sum() > 30  # many cells were raised: the test has pits to fill


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_landscape_draining_to_one_outlet_across_many_tiles(dtype: str) -> None:
    z = notched_bowl(48, dtype)
    got = _assert_same(z, 5)  # 10 × 10 tiles
    inner = got[1:-1, 1:-1]
    assert (inner < 1000.0).all()  # nothing fills up to the rim: it all leaves by the notch
    raised = np.argwhere(got > z)
    assert len({(r // 5, c // 5) for r, c in raised}) > 20  # pits filled in many tiles
    # every inner cell has a path to the notch that never climbs: it drains there
    reached = np.zeros(z.shape, dtype=bool)
    reached[0, 24] = True
    for _ in range(4 * 48 * 48):
        grown = reached.copy()
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                src = np.roll(np.roll(reached, dr, 0), dc, 1)
                up = np.roll(np.roll(got, dr, 0), dc, 1)
                grown |= src & (got >= up)
        grown[0, :] = grown[-1, :] = grown[:, 0] = grown[:, -1] = False
        grown[0, 24] = True
        if (grown == reached).all():
            break
        reached = grown
    assert reached[1:-1, 1:-1].all()


def test_nodata_holes_across_tile_edges() -> None:
    rng = np.random.default_rng(3)
    z = pitted(rng, (30, 26), "float64")
    z[4:9, 5:13] = np.nan  # across the edge of tiles of 6 at row 6 and column 6 and 12
    z[17:20, 10:11] = np.nan  # a one-cell-wide hole along a tile's column
    z[11, 17] = np.nan  # a single nodata cell at a tile's corner (rows 12, cols 18)
    z[23:30, 0:3] = np.nan  # touching the raster's edge
    for tile in (1, 2, 6, (4, 9), 13):
        _assert_same(z, tile)
    _assert_same(z.astype("float32"), 6)


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (2, 2), (2, 7), (3, 3)])
@pytest.mark.parametrize("tile", [1, 2, (1, 3), (3, 1), 50])
def test_thin_rasters_and_one_or_two_cell_tiles(shape: tuple[int, int], tile: Any) -> None:
    rng = np.random.default_rng(sum(shape))
    _assert_same(rng.integers(0, 4, shape).astype("float64"), tile)


def test_a_pit_whose_rim_is_a_tile_corner() -> None:
    # the pit (2,2) can only spill diagonally, through the corner cell (1,1) = 2 of the
    # tile above-left (tiles of 2: (2,2) is a tile's corner cell, (1,1) the other's)
    z = np.full((5, 5), 9.0)
    z[2, 2] = 0.0
    z[1, 1] = 2.0
    z[0, 0] = 1.0
    got = _assert_same(z, 2)
    assert got[2, 2] == 2.0 and got[1, 1] == 2.0


@pytest.mark.parametrize("tile", [24, 7])
def test_every_cell_of_a_tile_on_one_stack(tile: int) -> None:
    """A tile's slope and pit stacks share one array as large as the tile (numba checks
    no bounds): a bowl sends every inner cell onto the pit stack, a hill rising from
    the edge every cell onto the slope stack, and half of each fills both at once."""
    r, c = np.mgrid[0:24, 0:24]
    rise = np.minimum(np.minimum(r, c), np.minimum(23 - r, 23 - c)).astype("float64")
    bowl = 30.0 - rise
    bowl[0, :] = 40.0  # a closed rim: the whole inside is one pit
    bowl[-1, :] = bowl[:, 0] = bowl[:, -1] = 40.0
    half = np.where(c < 12, bowl, rise + _noise(24))
    for z in (bowl, rise, half):
        _assert_same(z, tile)
    assert np.all(_global(bowl)[1:-1, 1:-1] == 40.0)


def _noise(n: int) -> NDArray[np.float64]:
    return np.random.default_rng(n).random((n, n)) * 0.1


def test_tiles_cover_the_raster_once() -> None:
    parts = tiles((7, 10), (3, 4))
    cover = np.zeros((7, 10), dtype=int)
    for t in parts:
        cover[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] += 1
    assert (cover == 1).all() and len(parts) == 3 * 3
    assert parts[-1].rows == 1 and parts[-1].cols == 2  # the last ones are smaller
    assert parts[0].halo((7, 10)) == (0, 0, 4, 5)  # cut at the raster's edge
    assert parts[4].halo((7, 10)) == (2, 3, 5, 6)
    with pytest.raises(InputError, match="at least 1 × 1"):
        tiles((7, 10), 0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 12),
    cols=st.integers(1, 12),
    tile_rows=st.integers(1, 13),
    tile_cols=st.integers(1, 13),
    seed=st.integers(0, 2**32 - 1),
    levels=st.integers(1, 6),
    holes=st.floats(0.0, 0.4),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_property_tiled_equals_global(
    rows: int,
    cols: int,
    tile_rows: int,
    tile_cols: int,
    seed: int,
    levels: int,
    holes: float,
    dtype: str,
) -> None:
    rng = np.random.default_rng(seed)
    z = (rng.integers(0, levels, (rows, cols)) + rng.random((rows, cols)) * (levels > 3)).astype(
        dtype
    )
    z[rng.random((rows, cols)) < holes] = np.nan
    _assert_same(z, (tile_rows, tile_cols))


# --- files, dask ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "nodata", "held"),
    [("int16", -32768, "float32"), ("float32", -9999.0, "float32"), ("float64", None, "float64")],
)
def test_file_equals_the_global_fill(tmp_path: Path, dtype: str, nodata: Any, held: str) -> None:
    rng = np.random.default_rng(5)
    z = np.round(pitted(rng, (23, 31), "float64"))
    z[8:12, 9:20] = np.nan
    dem = write_tif(tmp_path / "dem.tif", z, nodata, dtype)
    with scheduler("synchronous"):
        out = fill_pits_tiled(dem, tmp_path / "out" / "filled.tif", tile=(6, 8))
    with rasterio.open(out) as src:
        got = src.read(1)
        assert src.dtypes[0] == held and np.isnan(src.nodata)
        with rasterio.open(dem) as d:
            assert src.transform == d.transform and src.crs == d.crs
    expected = _global(z.astype(held))  # without a nodata value, NaN cells are nodata
    assert np.array_equal(got, expected, equal_nan=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["filled.tif"]  # no scratch


def test_each_task_reads_only_its_tile_and_halo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = notched_bowl(20, "float32")
    dem = write_tif(tmp_path / "dem.tif", z, -9999.0, "float32")
    windows: list[tuple[int, int]] = []
    read = tiled_fill.read_window

    def recording(src: Any, path: Path, role: Any, window: Any) -> Any:
        windows.append((window.height, window.width))
        return read(src, path, role, window)

    monkeypatch.setattr(tiled_fill, "read_window", recording)
    with scheduler("synchronous"):
        out = fill_pits_tiled(dem, tmp_path / "filled.tif", tile=6)
    assert len(windows) == 2 * 16  # stage 1 and stage 3, 4 × 4 tiles
    assert max(h * w for h, w in windows) <= 8 * 8  # a tile of 6² and its halo
    with rasterio.open(out) as src:
        assert np.array_equal(src.read(1), _global(z))


def test_processes_scheduler(tmp_path: Path) -> None:
    """The tasks and their results cross process boundaries (pickled), as on a cluster."""
    z = notched_bowl(16, "float64")
    dem = write_tif(tmp_path / "dem.tif", z, -9999.0, "float64")
    with scheduler("processes"):
        out = fill_pits_tiled(dem, tmp_path / "filled.tif", tile=(5, 7))
    with rasterio.open(out) as src:
        assert np.array_equal(src.read(1), _global(z))


def test_all_nodata_and_failure_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = np.full((6, 6), np.nan)
    dem = write_tif(tmp_path / "dem.tif", z, -9999.0, "float32")
    with pytest.raises(InputError, match="no valid cell"), scheduler("synchronous"):
        fill_pits_tiled(dem, tmp_path / "filled.tif", tile=4)
    dem = write_tif(tmp_path / "dem.tif", notched_bowl(6, "float32"), -9999.0, "float32")

    def broken(*args: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(tiled_fill.np, "save", broken)
    with pytest.raises(OSError, match="disk full"), scheduler("synchronous"):
        fill_pits_tiled(dem, tmp_path / "filled.tif", tile=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif"]  # no target, no scratch


def test_a_dem_changed_between_the_stages_is_refused() -> None:
    z = notched_bowl(6, "float64")
    t = tiles(z.shape, 3)[0]
    r0, c0, h, w = t.halo(z.shape)
    p = tiled_fill.perimeter(z[r0 : r0 + h, c0 : c0 + w], t, z.shape)
    spill = np.full(p.labels + 2, -np.inf)  # one label too many
    with pytest.raises(InputError, match="the DEM changed while it was being filled"):
        tiled_fill.raise_tile(z[r0 : r0 + h, c0 : c0 + w], t, z.shape, spill)


def test_on_a_dask_cluster(tmp_path: Path) -> None:
    """Through ``scheduler(address)``, as ``--scheduler tcp://…`` runs it: a distributed
    scheduler with two workers (in this process: the workers' own processes are
    tests/engine/test_cluster.py's subject)."""
    from distributed import LocalCluster

    z = notched_bowl(18, "float32")
    z[7:11, 3:6] = np.nan
    dem = write_tif(tmp_path / "dem.tif", z, -9999.0, "float32")
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        scheduler(cluster.scheduler_address),
    ):
        out = fill_pits_tiled(dem, tmp_path / "filled.tif", tile=(4, 7))
    with rasterio.open(out) as src:
        assert np.array_equal(src.read(1), _global(z), equal_nan=True)
