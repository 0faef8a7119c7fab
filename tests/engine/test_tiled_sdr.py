"""Tiled D8 LS and SDR against the global routing: the array form against
:func:`ganpo.engine.routing.sdr_layers` (and the LS / SDR formulas of routing's writers),
the file form through dask against :func:`ganpo.engine.routing.ls_and_sdr_rasters`.

Tolerances (module docstring of :mod:`ganpo.engine.tiled_sdr`): the flow accumulation,
the streams and LS bitwise; D_dn within float64 rounding of sums grouped otherwise
(rtol 1e-12; at most 2·(path length)·1.1e-16, ≤ 1e-13 here, and any lost or doubled step
of a path, ≥ 1/2500 relative on these rasters, is far above it); D_up and SDR, float32,
within two float32 steps (rtol 3e-7): W̄ is rounded to float32 from a float64 sum that
may differ in its last bits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ganpo.engine import tiled_accum, tiled_fill, tiled_sdr
from ganpo.engine.compute import scheduler
from ganpo.engine.routing import (
    flow_direction_d8,
    flow_direction_mfd,
    ls_and_sdr_rasters,
    sdr_layers,
)
from ganpo.engine.tiled_accum import write_directions
from ganpo.engine.tiled_sdr import ls_and_sdr_tiled, ls_and_sdr_tiled_array
from ganpo.errors import InputError
from landscapes import (
    CELL,
    COVER,
    PROFILE,
    notched_bowl,
    pit_filled,
    pitted,
    pitted_with_nodata,
    random_cover,
    sdr_inputs,
    sdr_reference,
    write_tif,
)

RTOL_DN = 1e-12  # D_dn: float64 sums grouped otherwise
RTOL_32 = 3e-7  # D_up and SDR: two float32 steps
E, SE, SW, W = 0, 7, 5, 4  # D8 codes (routing.DROW/DCOL)


def _compare(got: dict[str, NDArray[Any]], ref: dict[str, NDArray[Any]]) -> None:
    for name in ("acc", "stream", "ls"):
        assert np.array_equal(got[name], ref[name], equal_nan=True), name
    np.testing.assert_allclose(got["d_dn"], ref["d_dn"], rtol=RTOL_DN, atol=0)
    np.testing.assert_allclose(got["d_up"], ref["d_up"], rtol=RTOL_32, atol=0)
    np.testing.assert_allclose(got["sdr"], ref["sdr"], rtol=RTOL_32, atol=0)
    for name in ("d_dn", "d_up", "sdr"):  # NaN and 0 exactly where the global has them
        assert np.array_equal(np.isnan(got[name]), np.isnan(ref[name])), name
        assert np.array_equal(got[name] == 0, ref[name] == 0), name


def _check(
    z: NDArray[np.float64], tile: Any, threshold: float, cover: NDArray[np.float64] | None = None
) -> dict[str, NDArray[Any]]:
    c = random_cover(z.shape) if cover is None else cover
    d8 = flow_direction_d8(z)
    got = ls_and_sdr_tiled_array(z, d8, c, CELL, tile, threshold)
    _compare(got, sdr_reference(z, d8, c, threshold))
    return got


def test_the_reference_is_routings_sdr() -> None:
    z = pit_filled(notched_bowl(30))
    z[12:15, 4:20] = np.nan
    c = random_cover(z.shape)
    ref = sdr_reference(z, flow_direction_d8(z), c, 40.0)
    layers = sdr_layers(z, c, CELL, "d8", 40.0)
    for name in ("stream", "d_up", "d_dn"):
        assert np.array_equal(ref[name], layers[name], equal_nan=True), name
    assert np.nanmax(ref["d_dn"]) > 0 and np.nanmax(ref["stream"]) == 1


@pytest.mark.parametrize("threshold", [8.0, 150.0, 900.0])
def test_one_outlet_across_ten_by_ten_tiles(threshold: float) -> None:
    z = pit_filled(notched_bowl(50))
    got = _check(z, 5, threshold)  # 10 × 10 tiles
    # every inner cell reaches the notch's stream: D_dn is defined on all of them
    assert np.isfinite(got["d_dn"][1:-1, 1:-1]).all()
    if threshold == 900.0:
        # the streams lie in the top rows of tiles; a cell of the bottom row of tiles
        # reaches them across several tile edges (the exit forest's chains)
        assert np.nanmax(np.where(got["stream"] == 1, np.arange(50)[:, None], -1)) < 40
        assert (got["d_dn"][45:49] > 0).all()


def test_streams_crossing_tile_edges() -> None:
    z = pit_filled(notched_bowl(40))
    got = _check(z, (5, 7), 10.0)
    stream = got["stream"] == 1
    d8 = flow_direction_d8(z)
    rows, cols = np.nonzero(stream)
    drow = np.array([0, -1, -1, -1, 0, 1, 1, 1])[d8[rows, cols] % 8]
    dcol = np.array([1, 1, 0, -1, -1, -1, 0, 1])[d8[rows, cols] % 8]
    rn, cn = rows + drow, cols + dcol
    inside = (rn >= 0) & (cn >= 0) & (rn < 40) & (cn < 40)
    across = (rn // 5 != rows // 5) | (cn // 7 != cols // 7)
    # stream cells draining into stream cells of another tile: the streams cross edges
    assert (stream[rn[inside], cn[inside]] & across[inside]).sum() >= 5


def test_nodata_across_tile_edges() -> None:
    z = pitted_with_nodata()
    for tile in (1, 2, 6, (4, 9), 13):
        _check(z, tile, 6.0)


def _zigzag(rows: int) -> NDArray[np.uint8]:
    """8 columns; a stream zigzags down across the edge between columns 3 and 4 (cell
    (r, 3) on even rows, (r, 4) on odd ones); every other cell flows towards it along its
    row; the last cell drains nowhere."""
    d = np.empty((rows, 8), dtype=np.uint8)
    for r in range(rows):
        s = 3 if r % 2 == 0 else 4
        d[r, :s] = E
        d[r, s + 1 :] = W
        d[r, s] = (SE if s == 3 else SW) if r < rows - 1 else 255
    return d


@pytest.mark.parametrize("tile", [4, (8, 4), (3, 4), (2, 3), 1])
def test_paths_that_leave_and_reenter_a_tile(tile: Any) -> None:
    rows = 8
    d8 = _zigzag(rows)
    rng = np.random.default_rng(1)
    z = rng.uniform(0, 50, d8.shape)  # only its slope counts: the directions are given
    c = random_cover(d8.shape, 2)
    # only the last cell (accumulation 64) is a stream: every path zigzags down to it,
    # crossing the edge between columns 3 and 4 once a row
    got = ls_and_sdr_tiled_array(z, d8, c, CELL, tile, 63.0)
    ref = sdr_reference(z, d8, c, 63.0)
    _compare(got, ref)
    assert np.nansum(got["stream"]) == 1
    assert np.isfinite(got["d_dn"]).all()


def test_every_tiling_of_a_raster_its_tiles_do_not_divide() -> None:
    rng = np.random.default_rng(19)
    z = pit_filled(pitted(rng, (37, 29)))  # 37 and 29: no tile size here divides them
    for tile in (1, 2, 3, 7, (5, 11), (11, 5), 16, 64):
        _check(z, tile, 12.0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 14),
    cols=st.integers(1, 14),
    th=st.integers(1, 16),
    tw=st.integers(1, 16),
    seed=st.integers(0, 2**31 - 1),
    holes=st.floats(0.0, 0.3),
    threshold=st.integers(0, 30),
)
def test_property_any_tiling_equals_global(
    rows: int, cols: int, th: int, tw: int, seed: int, holes: float, threshold: int
) -> None:
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 6, (rows, cols)).astype(np.float64) + rng.uniform(0, 0.5, (rows, cols))
    z[rng.random((rows, cols)) < holes] = np.nan
    if np.isnan(z).all():  # nothing to route: refused, as the whole-nodata DEM of a file is
        with pytest.raises(InputError, match="no routed cell"):
            _check(pit_filled(z), (th, tw), float(threshold), random_cover((rows, cols), seed))
        return
    _check(pit_filled(z), (th, tw), float(threshold), random_cover((rows, cols), seed))


# --- errors -------------------------------------------------------------------------------


def test_cells_without_cover_and_other_direction_types_are_refused() -> None:
    z = pit_filled(notched_bowl(12))
    c = random_cover(z.shape)
    with pytest.raises(InputError, match="uint16"):
        ls_and_sdr_tiled_array(z, flow_direction_d8(z).astype(np.uint16), c, CELL, 4)  # type: ignore[arg-type]
    holes = c.copy()
    holes[3, 3:5] = np.nan
    for directions in (flow_direction_d8(z), flow_direction_mfd(z)):  # MFD: decision 0084
        with pytest.raises(InputError, match="2 cells of the DEM without a cover factor"):
            ls_and_sdr_tiled_array(z, directions, holes, CELL, 4)  # type: ignore[arg-type]


# --- files and dask -----------------------------------------------------------------------


def _global(tmp_path: Path, dem: Path, eco: Path, threshold: float) -> tuple[Any, Any]:
    ls, sdr = ls_and_sdr_rasters(
        dem, eco, COVER, tmp_path / "g" / "ls.tif", tmp_path / "g" / "sdr.tif", "d8",
        threshold=threshold,
    )  # fmt: skip
    with rasterio.open(ls) as a, rasterio.open(sdr) as b:
        return (a.read(1), a.profile), (b.read(1), b.profile)


def _assert_rasters(out: tuple[Path, Path], expected: tuple[Any, Any]) -> None:
    for path, (values, profile), exact in zip(out, expected, (True, False), strict=True):
        with rasterio.open(path) as src:
            got = src.read(1)
            mine = dict(src.profile)
            assert np.isnan(mine.pop("nodata")) and np.isnan(profile["nodata"])
            assert mine == {k: v for k, v in profile.items() if k != "nodata"}
        if exact:  # LS
            assert np.array_equal(got, values, equal_nan=True)
        else:
            np.testing.assert_allclose(got, values, rtol=RTOL_32, atol=0)
            assert np.array_equal(np.isnan(got), np.isnan(values))
        assert np.isfinite(got).sum() > 400


@pytest.mark.parametrize("threshold", [5.0, 200.0])
def test_files_equal_the_global_ls_and_sdr(tmp_path: Path, threshold: float) -> None:
    dem, eco, filled, directions = sdr_inputs(tmp_path, "d8")
    expected = _global(tmp_path, dem, eco, threshold)
    with scheduler("synchronous"):
        out = ls_and_sdr_tiled(
            filled,
            directions,
            eco,
            COVER,
            tmp_path / "t" / "ls.tif",
            tmp_path / "t" / "sdr.tif",
            tile=(6, 8),
            threshold=threshold,
        )
    _assert_rasters(out, expected)
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == ["ls.tif", "sdr.tif"]


def test_each_task_reads_only_its_tile_and_halo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, eco, filled, directions = sdr_inputs(tmp_path, "d8")
    windows: list[tuple[str, int, int]] = []

    def recording(module: Any) -> Any:
        read = module.read_window

        def record(src: Any, path: Path, role: Any, window: Any) -> Any:
            windows.append((Path(path).name, window.height, window.width))
            return read(src, path, role, window)

        return record

    for module in (tiled_accum, tiled_fill, tiled_sdr):
        monkeypatch.setattr(module, "read_window", recording(module))
    with scheduler("synchronous"):
        ls_and_sdr_tiled(
            filled, directions, eco, COVER, tmp_path / "ls.tif", tmp_path / "sdr.tif", tile=7
        )
    # 4 × 4 tiles; stage 1 and the final pass read every tile, the partial pass the
    # tiles that flow enters; each pass reads the three files once
    per_file = {name: sum(1 for w in windows if w[0] == name) for name, _, _ in windows}
    assert set(per_file) == {"d8.tif", "filled.tif", "eco.tif"}
    assert len(set(per_file.values())) == 1 and 2 * 16 < per_file["eco.tif"] <= 3 * 16
    assert max(h * w for _, h, w in windows) <= 9 * 9  # a tile of 7² and its halo


def test_bad_files_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    _, eco, filled, directions = sdr_inputs(tmp_path, "d8")
    out = tmp_path / "out"
    targets = (out / "ls.tif", out / "sdr.tif")
    with scheduler("synchronous"):
        with pytest.raises(InputError, match="without a cover factor"):
            ls_and_sdr_tiled(filled, directions, eco, {1: 0.1, 2: 0.1, 3: 0.1}, *targets, tile=7)
        with rasterio.open(filled) as src:
            zf = src.read(1)
        int16 = write_tif(tmp_path / "i16.tif", np.zeros(zf.shape, np.int16), -1)
        with pytest.raises(InputError, match="int16"):  # MFD (uint32): decision 0084
            ls_and_sdr_tiled(filled, int16, eco, COVER, *targets, tile=7)
        other = np.isnan(zf)
        other[0, 0] = True  # a DEM cell not routed in the directions
        foreign = write_directions(tmp_path / "f.tif", flow_direction_d8(zf), ~other, PROFILE)
        with pytest.raises(InputError, match="1 cells are routed"):
            ls_and_sdr_tiled(filled, foreign, eco, COVER, *targets, tile=7)
        small = write_tif(tmp_path / "s.tif", np.zeros((3, 3), np.uint8), 254)
        with pytest.raises(InputError, match="行列数不同"):
            ls_and_sdr_tiled(filled, small, eco, COVER, *targets, tile=7)
    assert not out.exists() or not any(out.iterdir())


def test_on_a_dask_cluster(tmp_path: Path) -> None:
    """Through ``scheduler(address)`` with two workers, as tiled_accum's test runs it."""
    from distributed import LocalCluster

    dem, eco, filled, directions = sdr_inputs(tmp_path, "d8")
    expected = _global(tmp_path, dem, eco, 20.0)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        scheduler(cluster.scheduler_address),
    ):
        out = ls_and_sdr_tiled(
            filled,
            directions,
            eco,
            COVER,
            tmp_path / "t" / "ls.tif",
            tmp_path / "t" / "sdr.tif",
            tile=(5, 9),
            threshold=20.0,
        )
    _assert_rasters(out, expected)
