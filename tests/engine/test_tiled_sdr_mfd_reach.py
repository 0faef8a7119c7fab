"""Which cells reach a stream, by tiles (decision 0110): a search across tiles
(:func:`ganpo.engine.tiled_sdr_mfd.reach_seam`) against the global answer, the cells
where routing's :func:`~ganpo.engine.routing.distance_to_stream` is not NaN. On a
channel that winds across the tile edges (each crossing a round), on random DEMs with
nodata and cells that reach no stream, and per tile against a plain reference."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from ganpo.engine.routing import (
    DCOL,
    DROW,
    distance_to_stream,
    extract_streams,
    flow_accumulation,
    flow_direction_mfd,
)
from ganpo.engine.tiled_accum import _tile_shape
from ganpo.engine.tiled_fill import tiles
from ganpo.engine.tiled_sdr_mfd import _pull, _reach_pass, halo_of_arrays, reach_seam
from landscapes import notched_bowl, pit_filled, pitted_with_nodata


def _winding(rows: int = 31, cols: int = 40) -> NDArray[np.float64]:
    """A channel that runs along the rows 1, 3, 5, … in turn left and right, joined at
    alternate ends, falling all the way and leaving the raster at its last cell; walls
    of 1000 (and a little noise, so that they have no flats) between its rows."""
    rng = np.random.default_rng(2)
    z = 1000.0 + rng.random((rows, cols))
    path: list[tuple[int, int]] = []
    for i, r in enumerate(range(1, rows - 1, 2)):
        run = range(1, cols - 1) if i % 2 == 0 else range(cols - 2, 0, -1)
        path += [(r, c) for c in run]
        if r + 2 < rows - 1:
            path.append((r + 1, cols - 2 if i % 2 == 0 else 1))
    r, c = path[-1]
    path.append((r, 0 if c == 1 else cols - 1))  # out through the raster's edge
    for i, (r, c) in enumerate(path):
        z[r, c] = float(len(path) - i)
    return z


def _global(z: NDArray[np.float64], threshold: float) -> tuple[Any, Any, Any]:
    mfd = flow_direction_mfd(z)
    valid = ~np.isnan(z)
    stream = extract_streams(flow_accumulation(mfd, valid), mfd, threshold)
    expected = ~np.isnan(distance_to_stream(mfd, stream, np.ones(z.shape)))
    return mfd, stream, expected


def _by_tiles(
    mfd: NDArray[np.uint32], stream: NDArray[np.uint8], tile: Any
) -> tuple[NDArray[np.bool_], int, int]:
    """The search by tiles: which cells reach, the rounds and the tile passes run."""
    shape = (mfd.shape[0], mfd.shape[1])
    valid = stream != 255
    parts = tiles(shape, tile)
    passes = 0

    def run(calls: list[tuple[Any, tuple[Any, ...]]]) -> list[Any]:
        nonlocal passes
        passes += len(calls)
        return [f(*args) for f, args in calls]

    read = partial(halo_of_arrays, mfd, valid, valid, (stream == 1).astype(np.uint8))
    got, rounds = reach_seam(parts, shape, _tile_shape(tile), read, run)
    reach = np.zeros(shape, dtype=bool)
    for t in parts:
        assert got[t.index].dtype == np.bool_
        reach[t.row0 : t.row0 + t.rows, t.col0 : t.col0 + t.cols] = got[t.index]
    return reach & valid, rounds, passes


def test_a_winding_channel_is_found_round_by_round() -> None:
    z = pit_filled(_winding())
    mfd, stream, expected = _global(z, 1150.0)
    assert (stream == 1).sum() < 40  # only the channel's last stretch is stream
    assert expected[1:-1, 1:-1].all()  # every inner cell reaches it
    reach, rounds, passes = _by_tiles(mfd, stream, 5)
    assert np.array_equal(reach, expected)
    # up the channel from its last stretch: one round per tile edge crossed (15 rows of
    # channel, 7 vertical edges each), and only the tiles that learnt a cell run again
    assert rounds > 60
    assert passes < 3 * len(tiles(z.shape, 5)) + rounds
    one, rounds_one, _ = _by_tiles(mfd, stream, 100)
    assert np.array_equal(one, expected) and rounds_one == 1


@pytest.mark.parametrize("tile", [1, 2, 3, 7, (5, 11), (11, 5), 64])
def test_random_dems_with_nodata(tile: Any) -> None:
    z = pitted_with_nodata()
    for threshold in (6.0, 60.0, 1e9):
        mfd, stream, expected = _global(z, threshold)
        reach, _, _ = _by_tiles(mfd, stream, tile)
        assert np.array_equal(reach, expected), (tile, threshold)
        if threshold == 1e9:  # no stream: nothing reaches, and one round finds it
            assert not reach.any()


def test_cells_that_reach_no_stream() -> None:
    """The bowl drains through its notch; with a stream only in its left half (the right
    half's streams taken away), the cells of the right half reach none."""
    z = pit_filled(notched_bowl(40))
    mfd, stream, _ = _global(z, 20.0)
    stream = stream.copy()
    stream[:, 20:][stream[:, 20:] == 1] = 0
    expected = ~np.isnan(distance_to_stream(mfd, stream, np.ones(z.shape)))
    assert 0 < expected.sum() < (stream != 255).sum()
    for tile in (4, 6, (7, 13)):
        reach, _, _ = _by_tiles(mfd, stream, tile)
        assert np.array_equal(reach, expected), tile


def _reference(
    dh: NDArray[np.uint32], vh: NDArray[np.bool_], sh: NDArray[np.uint8], start: Any
) -> NDArray[np.bool_]:
    """Upstream closure by repeated sweeps of :func:`_pull` with ``unit`` inside the tile
    (the arrays less a two-cell ring)."""
    rows, cols = dh.shape[0] - 4, dh.shape[1] - 4
    hit = start.copy()
    changed = True
    while changed:
        changed = False
        for r in range(rows):
            for c in range(cols):
                if hit[r, c]:
                    continue
                for k in range(8):
                    rn, cn = r + DROW[k], c + DCOL[k]
                    if not (0 <= rn < rows and 0 <= cn < cols) or not hit[rn, cn]:
                        continue
                    if _pull(dh, vh, vh, sh, r + 2, c + 2, k, True) > 0.0:
                        hit[r, c] = changed = True
                        break
    return hit


@pytest.mark.parametrize("landscape", [3, 11, 29])
def test_a_tile_pass_equals_the_reference(landscape: int) -> None:
    rng = np.random.default_rng(landscape)
    z = rng.random((23, 19)) * 5 + np.add.outer(np.arange(23), np.arange(19)) * 0.3
    z[rng.random(z.shape) < 0.05] = np.nan
    z = pit_filled(z)
    dh, vh = flow_direction_mfd(z), ~np.isnan(z)
    sh = ((rng.random(z.shape) < 0.03) & vh).astype(np.uint8)
    rows, cols = 19, 15
    seeds = np.array([3, 5 * cols, rows * cols - 2], dtype=np.int64)  # cells on the ring
    start = (sh[2:-2, 2:-2] == 1) & vh[2:-2, 2:-2]
    start.reshape(-1)[seeds] = True
    got = _reach_pass(dh, vh, sh, 2, 2, rows, cols, seeds).reshape(rows, cols)
    expected = _reference(dh, vh, sh, start)
    assert np.array_equal(got, expected)
    assert 0 < got.sum() < rows * cols
    none = _reach_pass(dh, vh, np.zeros_like(sh), 2, 2, rows, cols, np.empty(0, np.int64))
    assert not none.any()
