"""Tiled flow directions (flats across tiles included) against the global
:func:`ganpo.engine.routing.flow_direction_d8` / ``flow_direction_mfd``, bitwise:
terraces and flats across tile edges and corners, a lake plain across 3 × 3 tiles (of 256
cells and of a few cells), flats next to nodata and the raster's edge, flats without an
outlet (draining over the edge or into nodata, or not at all), ties between equally near
outlets across a tile edge, a flat whose root differs between the block walk and the
raster order, hypothesis landscapes with few heights (flats everywhere), rasters whose
size no tile divides, and the file path through dask, on a distributed cluster too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from rasterio.transform import from_origin

from ganpo.engine import routing, tiled_dirs
from ganpo.engine.compute import scheduler
from ganpo.engine.routing import PGP_BLOCK, fill_pits, flow_direction_d8, flow_direction_mfd
from ganpo.engine.tiled_accum import flow_accumulation_tiled, write_directions
from ganpo.engine.tiled_dirs import (
    _root,
    cross_flats,
    flow_directions_tiled,
    flow_directions_tiled_array,
    tile_directions,
    walk_key,
)
from ganpo.engine.tiled_fill import fill_pits_tiled, tiles
from ganpo.errors import InputError

PROFILE = {"crs": "EPSG:32650", "transform": from_origin(500_000, 3_000_000, 30, 30)}


def _filled(z: NDArray[Any], dtype: Any = np.float64) -> NDArray[Any]:
    out = np.array(z, dtype=dtype)
    fill_pits(out)
    return out


def _check(z: NDArray[Any], tile: int | tuple[int, int]) -> tuple[NDArray[Any], NDArray[Any]]:
    """Both algorithms, tiled equal to global bitwise; returns the global directions."""
    d8, mfd = flow_direction_d8(z), flow_direction_mfd(z)
    got = flow_directions_tiled_array(z, tile, "d8")
    assert got.dtype == np.uint8
    assert np.array_equal(got, d8), (tile, np.argwhere(got != d8)[:5])
    got = flow_directions_tiled_array(z, tile, "mfd")
    assert got.dtype == np.uint32
    assert np.array_equal(got, mfd), (tile, np.argwhere(got != mfd)[:5])
    return d8, mfd


def _crossing(z: NDArray[Any], tile: int | tuple[int, int]) -> int:
    """How many flats the tiles leave to stage 3 (so a test knows it exercises them)."""
    shape = (z.shape[0], z.shape[1])
    pieces = []
    for t in tiles(shape, tile):
        r0, c0, h, w = t.halo(shape)
        pieces.append(tile_directions(z[r0 : r0 + h, c0 : c0 + w], t, shape, False)[1])
    return len(cross_flats(pieces, shape))


def _terraces(shape: tuple[int, int], seed: int) -> NDArray[np.float64]:
    """Steps of whole metres down to the east with noise: long flats across tiles."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    z = np.floor((shape[1] - x) / 6.0) + np.floor(np.sin(y / 4.0) * 1.5)
    z += (rng.random(shape) < 0.05) * 1.0
    return _filled(z)


# --- by hand and by construction -----------------------------------------------------------


def test_walk_key_is_the_block_walk() -> None:
    rows, cols = 300, 520
    order = [
        (r, c)
        for br in range(0, rows, PGP_BLOCK)
        for bc in range(0, cols, PGP_BLOCK)
        for r in range(br, min(br + PGP_BLOCK, rows))
        for c in range(bc, min(bc + PGP_BLOCK, cols))
    ]
    keys = [walk_key(r, c, cols) for r, c in order]
    assert keys == sorted(keys) and len(set(keys)) == rows * cols
    assert all(_root(int(k), cols) == rc for k, rc in zip(keys, order, strict=True))


@pytest.mark.parametrize("tile", [1, 2, 3, (4, 7), (7, 4), 10, 64])
def test_terraces_across_tile_edges_and_corners(tile: int | tuple[int, int]) -> None:
    z = _terraces((37, 29), 1)  # no tile here divides 37 or 29
    d8, _ = _check(z, tile)
    assert (d8 != 255).all()
    if tile != 64:
        assert _crossing(z, tile) > 0


def test_a_flat_across_a_tile_corner() -> None:
    z = np.full((8, 8), 9.0)
    z[2:6, 2:6] = 4.0  # a square flat whose centre is a corner of four 4 × 4 tiles
    z[5, 6] = 3.0  # one notch: its only outlet, in the lower right tile
    z[5, 7] = 2.0
    z = _filled(z)
    assert _crossing(z, 4) >= 1
    d8, _ = _check(z, 4)
    assert d8[2, 2] == 7  # the far corner of the flat drains diagonally towards the notch


def test_tie_between_equally_near_outlets_across_a_tile_edge() -> None:
    # a row of flat between two outlets at the same distance; the tile edge in the middle
    z = np.full((3, 9), 9.0)
    z[1, 1:8] = 5.0
    z[1, 0] = z[1, 8] = 1.0  # two outlets, each 3 cells from the middle cell (1, 4)
    z = _filled(z)
    for tile in [(3, 4), (3, 5), (1, 4), 2]:
        d8, mfd = _check(z, tile)
    assert d8[1, 4] in (0, 4)  # to one of the two, as the global routine decides
    assert mfd[1, 4] != 0


def test_lake_plain_across_three_by_three_tiles_of_256() -> None:
    rng = np.random.default_rng(5)
    rows, cols = 700, 650  # 3 × 3 tiles of 256, the last ones partial
    y, x = np.mgrid[0:rows, 0:cols]
    z = 50 + 10 * np.sin(x / 40.0) * np.cos(y / 33.0) + rng.integers(0, 3, (rows, cols))
    z[100:620, 60:600] = 20.0  # the lake plain, in all nine tiles
    z[300:310, 600:650] = np.linspace(19, 10, 50)  # its outlet, a channel east
    z[400:405, 300:320] = np.nan  # an island of nodata in it
    z = _filled(np.round(z), np.float32)
    assert _crossing(z, 256) >= 1
    d8, mfd = _check(z, 256)
    lake = z == 20.0
    assert lake.sum() > 250_000 and (d8[lake] != 255).all() and (mfd[lake] != 0).all()
    _check(z, (300, 200))  # tiles not aligned to the 256-blocks give the same


def test_lake_plain_across_three_by_three_small_tiles() -> None:
    z = np.full((30, 30), 8.0)
    z[2:28, 2:28] = 3.0
    z[0:2, 14] = [1.0, 2.0]  # one outlet through the north rim
    z[29, 3] = 0.0  # and one far away at the south-west
    z = _filled(z)
    assert _crossing(z, 10) >= 1
    _check(z, 10)
    _check(z, (7, 13))


def test_flats_next_to_nodata_and_the_raster_edge() -> None:
    z = np.full((12, 14), 6.0)
    z[4:8, 4:10] = np.nan  # a hole of nodata; the flat around it drains into it
    z[0, 0:5] = 6.0
    z = _filled(z)
    d8, mfd = _check(z, (5, 4))
    assert (mfd[~np.isnan(z)] != 0).all()
    assert (d8[~np.isnan(z)] != 255).all()  # a flat without outlet drains over edge/nodata
    assert _crossing(z, (5, 4)) >= 1
    z[0:12, 0] = 7.0  # the western edge higher: the flat drains elsewhere
    _check(_filled(z), 3)


def test_flats_without_any_outlet_keep_no_direction() -> None:
    z = np.full((9, 9), 5.0)
    z[3:6, 2:7] = 1.0  # a pit flat (not filled): no lower cell, no edge, no nodata
    d8, mfd = _check(z, 4)  # the pit crosses tile edges
    assert (d8[3:6, 2:7] == 255).all() and (mfd[3:6, 2:7] == 0).all()
    assert (d8[4, 0:2] != 255).all()


def _raster_order_d8(z: NDArray[np.float64]) -> NDArray[np.uint8]:
    """D8 with each flat drained from its first cell in *raster* order instead of the
    block walk's (routing's kernels, another root): what a wrong walk would give."""
    out = flow_direction_d8(z).copy()
    rows, cols = z.shape
    flat = np.zeros(z.shape, np.uint8)
    dist = np.full(z.shape, float(rows * cols))
    w = np.zeros(8)
    for r in range(rows):
        for c in range(cols):
            if not np.isnan(z[r, c]) and routing._drops(z, r, c, w) <= 0.0:
                flat[r, c] = 1
    for r in range(rows):
        for c in range(cols):
            if flat[r, c] == 1:
                routing._drain_flat(z, r, c, flat, dist, out, routing._NO_MFD, False, w)
    return out


@pytest.mark.parametrize("tile", [(5, 40), (12, 256), (4, 300), 7])
def test_the_root_of_the_block_walk_decides(tile: int | tuple[int, int]) -> None:
    """A raster wider than a block (12 × 286, heights 0 and 1) whose D8 directions differ
    in 3 cells when flats are rooted in raster order instead of the block walk: tiled
    equals global, so a tiled version rooted another way fails here. (MFD does not
    depend on the root: its distances are the minimum over paths, docs/decisions/0058.)"""
    rng = np.random.default_rng(12)
    z = _filled(rng.integers(0, 2, (12, PGP_BLOCK + 30)))
    d8, _ = _check(z, tile)
    assert _crossing(z, tile) >= 1
    assert (_raster_order_d8(z) != d8).sum() == 3  # the case discriminates


def test_any_dem_even_unfilled_and_float32() -> None:
    rng = np.random.default_rng(11)
    z = rng.integers(0, 4, (33, 41)).astype(np.float32)
    z[rng.random(z.shape) < 0.1] = np.nan
    for tile in [(5, 6), 9]:
        _check(z, tile)  # pits (flats without outlet) included
        _check(_filled(z, np.float32), tile)


def test_bad_arguments_are_refused() -> None:
    z = np.zeros((3, 3))
    with pytest.raises(InputError, match="'d8' 或 'mfd'"):
        flow_directions_tiled_array(z, 2, "dinf")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="分块至少"):
        flow_directions_tiled_array(z, 0, "d8")
    with pytest.raises(ValueError, match="halo"):  # a window that is not the tile's
        tile_directions(z, tiles((9, 9), 3)[4], (9, 9), False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 24),
    cols=st.integers(1, 24),
    th=st.integers(1, 12),
    tw=st.integers(1, 12),
    levels=st.integers(1, 5),
    seed=st.integers(0, 2**31 - 1),
    holes=st.floats(0.0, 0.3),
)
def test_property_any_tiling_equals_global(
    rows: int, cols: int, th: int, tw: int, levels: int, seed: int, holes: float
) -> None:
    rng = np.random.default_rng(seed)
    z = rng.integers(0, levels, (rows, cols)).astype(np.float64)
    z[rng.random((rows, cols)) < holes] = np.nan
    _check(_filled(z), (th, tw))


# --- files and dask -----------------------------------------------------------------------


def _write(path: Path, a: NDArray[Any]) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=a.shape[1],
        height=a.shape[0],
        count=1,
        dtype=str(a.dtype),
        nodata=float("nan"),
        **PROFILE,
    ) as dst:
        dst.write(a, 1)
    return path


def _dem() -> NDArray[np.float32]:
    z = _terraces((29, 34), 4).astype(np.float32)
    z[8:12, 5:9] = np.nan
    z[14:25, 10:30] = 2.0  # a plain across tiles
    return _filled(z, np.float32)


def _expected(path: Path, z: NDArray[Any], algorithm: str) -> NDArray[Any]:
    f = flow_direction_d8 if algorithm == "d8" else flow_direction_mfd
    write_directions(path, f(z), ~np.isnan(z), PROFILE)
    with rasterio.open(path) as src:
        return src.read(1)


@pytest.mark.parametrize(("algorithm", "batch"), [("d8", None), ("mfd", None), ("d8", 1)])
def test_file_equals_the_global_directions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, algorithm: str, batch: int | None
) -> None:
    if batch is not None:  # one flat per stage-3 task
        monkeypatch.setattr(tiled_dirs, "BATCH_CELLS", batch)
    z = _dem()
    dem = _write(tmp_path / "filled.tif", z)
    out = tmp_path / "out" / "dir.tif"
    with scheduler("synchronous"):
        crossed = flow_directions_tiled(dem, out, algorithm, tile=(6, 8))  # type: ignore[arg-type]
    assert crossed >= 1
    expected = _expected(tmp_path / "expected.tif", z, algorithm)
    with rasterio.open(out) as src:
        got = src.read(1)
        assert src.nodata == (0xFFFFFFFF if algorithm == "mfd" else 254)
        assert src.transform == PROFILE["transform"]
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dir.tif"]
    with scheduler("synchronous"):  # tiled accumulation reads it as its own directions
        flow_accumulation_tiled(out, tmp_path / "acc.tif", tile=(6, 8))
        flow_accumulation_tiled(tmp_path / "expected.tif", tmp_path / "acc2.tif", tile=9)
    with rasterio.open(tmp_path / "acc.tif") as a, rasterio.open(tmp_path / "acc2.tif") as b:
        np.testing.assert_allclose(a.read(1), b.read(1), rtol=1e-12)


def test_on_a_dask_cluster(tmp_path: Path) -> None:
    """Through ``scheduler(address)`` with two workers, as test_tiled_accum runs it."""
    from distributed import LocalCluster

    z = _dem()
    dem = _write(tmp_path / "filled.tif", z)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        scheduler(cluster.scheduler_address),
    ):
        flow_directions_tiled(dem, tmp_path / "d8.tif", "d8", tile=(5, 7))
        flow_directions_tiled(dem, tmp_path / "mfd.tif", "mfd", tile=(5, 7))
    for algorithm in ("d8", "mfd"):
        expected = _expected(tmp_path / f"e_{algorithm}.tif", z, algorithm)
        with rasterio.open(tmp_path / f"{algorithm}.tif") as src:
            assert np.array_equal(src.read(1), expected)


def test_each_flat_task_reads_only_its_box_and_ring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = _dem()
    dem = _write(tmp_path / "filled.tif", z)
    windows: list[tuple[int, int, int, int]] = []
    read = tiled_dirs.read_window

    def recording(src: Any, path: Path, role: Any, window: Any) -> Any:
        windows.append((window.row_off, window.col_off, window.height, window.width))
        return read(src, path, role, window)

    monkeypatch.setattr(tiled_dirs, "read_window", recording)
    with scheduler("synchronous"):
        flow_directions_tiled(dem, tmp_path / "d8.tif", "d8", tile=(6, 8))
    shape = (z.shape[0], z.shape[1])
    pieces = []
    for t in tiles(shape, (6, 8)):
        r0, c0, h, w = t.halo(shape)
        pieces.append(tile_directions(z[r0 : r0 + h, c0 : c0 + w], t, shape, False)[1])
    expected = []
    for f in cross_flats(pieces, shape):
        r0, c0, r1, c1 = f.box
        r0, c0 = max(r0 - 1, 0), max(c0 - 1, 0)
        expected.append((r0, c0, min(r1 + 1, shape[0]) - r0, min(c1 + 1, shape[1]) - c0))
    assert len(expected) >= 2 and sorted(windows) == sorted(expected)


def test_a_bad_algorithm_on_a_file_leaves_nothing(tmp_path: Path) -> None:
    dem = _write(tmp_path / "filled.tif", _dem())
    with pytest.raises(InputError, match="'d8' or 'mfd'"):
        flow_directions_tiled(dem, tmp_path / "out" / "dir.tif", "dinf", tile=8)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_fill_directions_and_accumulation_chained_by_tiles(tmp_path: Path) -> None:
    """The tiled stages one after the other from an unfilled DEM give the global D8
    accumulation bitwise; a tile larger than the raster leaves no flat to stage 3."""
    rng = np.random.default_rng(8)
    z = rng.integers(0, 5, (23, 31)).astype(np.float32)
    z[5:9, 12:15] = np.nan
    dem = _write(tmp_path / "dem.tif", z)
    with scheduler("synchronous"):
        fill_pits_tiled(dem, tmp_path / "filled.tif", tile=(6, 9))
        crossed = flow_directions_tiled(tmp_path / "filled.tif", tmp_path / "d8.tif", "d8", tile=7)
        assert crossed >= 1
        alone = flow_directions_tiled(tmp_path / "filled.tif", tmp_path / "one.tif", "d8", tile=64)
        assert alone == 0
        flow_accumulation_tiled(tmp_path / "d8.tif", tmp_path / "acc.tif", tile=(8, 5))
    filled = _filled(z, np.float32)
    d8 = flow_direction_d8(filled)
    with rasterio.open(tmp_path / "acc.tif") as src:
        got = src.read(1)
    expected = routing.flow_accumulation(d8, ~np.isnan(filled))
    assert np.array_equal(got, expected, equal_nan=True)
    with rasterio.open(tmp_path / "one.tif") as a, rasterio.open(tmp_path / "d8.tif") as b:
        assert np.array_equal(a.read(1), b.read(1))
