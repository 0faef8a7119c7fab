"""The global routing on two cores: pits filled by tiles in threads
(``tiled_fill.fill_pits_in_place``) and the flow directions and slope in row bands
(``routing._in_bands``) give bitwise the rasters of the one-thread routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio

from ganpo.engine import routing, tiled_fill
from landscapes import terraced_hills, write_utm

N = 41  # no tile side nor band count used here divides it
# hills on a tilt, noise that leaves pits, a flat terrace across tiles, nodata holes
DEM, CODES = terraced_hills(N, 23, (slice(6, 15), slice(18, 33)))
COVER = {1: 0.006, 2: 0.03, 3: 0.2}
_write = write_utm


def _route(folder: Path, algorithm: routing.FlowAlgorithm) -> tuple[np.ndarray, np.ndarray]:
    folder.mkdir()
    dem = _write(folder / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(folder / "eco.tif", CODES, "uint8", 255)
    ls, sdr = routing.ls_and_sdr_rasters(
        dem, eco, COVER, folder / "ls.tif", folder / "sdr.tif", algorithm, 100.0, 20.0
    )
    with rasterio.open(ls) as a, rasterio.open(sdr) as b:
        return a.read(1).view(np.uint32), b.read(1).view(np.uint32)


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
def test_tiles_and_bands_in_threads_give_the_one_thread_rasters_bitwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, algorithm: routing.FlowAlgorithm
) -> None:
    filled: list[int] = []
    bands: list[tuple[int, int]] = []
    fill, rows = tiled_fill.fill_pits_in_place, routing._directions_rows

    def fill_spy(z: np.ndarray, tile: Any, threads: int, labels: Any = None) -> None:
        filled.append(threads)
        fill(z, tile, threads, labels)

    def rows_spy(*args: Any) -> None:
        bands.append((args[-2], args[-1]))
        rows(*args)

    monkeypatch.setattr(tiled_fill, "fill_pits_in_place", fill_spy)
    monkeypatch.setattr(routing, "_directions_rows", rows_spy)
    monkeypatch.setattr(routing, "THREADED_CELLS", N * N + 1)  # one thread: N² cells
    alone = _route(tmp_path / "alone", algorithm)
    assert filled == [] and bands == [(0, N)]
    bands.clear()
    monkeypatch.setattr(routing, "THREADED_CELLS", N * N)  # threads from N² cells
    monkeypatch.setattr(routing, "STRIP_THREADS", 2)
    monkeypatch.setattr(routing, "FILL_TILE", 7)  # 6 × 6 tiles
    threaded = _route(tmp_path / "threaded", algorithm)
    assert filled == [2]
    assert sorted(bands) == [(N * i // 16, N * (i + 1) // 16) for i in range(16)]
    np.testing.assert_array_equal(threaded[0], alone[0])  # LS
    np.testing.assert_array_equal(threaded[1], alone[1])  # SDR
    assert np.isfinite(alone[1].view(np.float32)).sum() > N * N // 2


@pytest.mark.parametrize("rows", [1, 2, 5, 15, 16, 17, 300])
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_bands_cover_every_row_once(
    monkeypatch: pytest.MonkeyPatch, rows: int, threads: int
) -> None:
    monkeypatch.setattr(routing, "THREADED_CELLS", 0)
    monkeypatch.setattr(routing, "STRIP_THREADS", threads)
    seen = np.zeros(rows, dtype=int)
    calls: list[tuple[int, int]] = []

    def work(r0: int, r1: int) -> None:
        calls.append((r0, r1))
        seen[r0:r1] += 1

    routing._in_bands(work, (rows, 3))
    assert (seen == 1).all()
    assert all(r0 < r1 for r0, r1 in calls)
    assert len(calls) == (1 if threads == 1 or rows < 2 else min(rows, 8 * threads))


def test_a_failing_band_fails_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "THREADED_CELLS", 0)
    monkeypatch.setattr(routing, "STRIP_THREADS", 2)

    def work(r0: int, r1: int) -> None:
        if r0 <= 7 < r1:
            raise ValueError("band with row 7")

    with pytest.raises(ValueError, match="band with row 7"):
        routing._in_bands(work, (20, 4))


def _terraced(rows: int, cols: int, seed: int) -> np.ndarray:
    """Heights rounded to whole metres: many flats, some across rows 256 and 512 (the
    edges of bands of whole 256-row blocks), a plateau on the raster's edge with no lower
    cell (it drains over the edge), and nodata holes."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    z = 0.02 * yy + 3 * np.sin(xx / 7) * np.cos(yy / 40) + 0.3 * rng.standard_normal((rows, cols))
    z = np.round(z)
    z[240:280, 5:30] = -5.0  # a flat across row 256, below everything near it: it fills
    z[500:530, 20:45] = 40.0  # a plateau across row 512, above everything near it
    z[0:20, 0:cols] = 99.0  # a plateau on the raster's edge, no lower neighbour
    z[rng.random((rows, cols)) < 0.01] = np.nan
    return z.astype(np.float32)


@pytest.mark.parametrize("mfd", [True, False])
def test_flats_drained_in_bands_give_the_one_thread_directions_bitwise(
    monkeypatch: pytest.MonkeyPatch, mfd: bool
) -> None:
    z = _terraced(600, 50, 7)
    routing.fill_pits(z)
    direction = routing.flow_direction_mfd if mfd else routing.flow_direction_d8
    monkeypatch.setattr(routing, "THREADED_CELLS", 2**62)
    alone = direction(z)
    monkeypatch.setattr(routing, "THREADED_CELLS", 0)
    monkeypatch.setattr(routing, "STRIP_THREADS", 2)
    assert routing._bands(z.shape, routing.PGP_BLOCK) == 3  # rows 0, 256, 512, 600
    threaded = direction(z)
    np.testing.assert_array_equal(threaded, alone)
    # the bands left flats across their edges to the pass after them, and drained others
    flat = np.zeros(z.shape, np.uint8)
    d8 = np.full(z.shape, routing.D8_NONE, np.uint8)
    packed = np.zeros(z.shape, np.uint32)
    routing._directions_rows(z, mfd, d8, packed, flat, 0, 600)
    dist = np.full(z.shape, 600.0 * 50.0)
    for r0, r1 in ((0, 256), (256, 512), (512, 600)):
        routing._drain_flats(z, mfd, d8, packed, flat, dist, r0, r1)
    across = flat == routing.FLAT_ACROSS
    assert across[250:260].any() and across[510:515].any()
    assert (flat == routing.EDGE_ACROSS).any()
    assert ((flat == 2) & (np.arange(600)[:, None] < 200)).sum() > 100  # drained in band 1
    routing._drain_flats(z, mfd, d8, packed, flat, dist, 0, 600)
    np.testing.assert_array_equal(packed if mfd else d8, alone)
