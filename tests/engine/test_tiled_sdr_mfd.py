"""MFD streams by tiles (decision 0084) against routing's global
:func:`ganpo.engine.routing.extract_streams`: bitwise, on one outlet draining across
10 × 10 tiles, random pit-filled DEMs × tile shapes (1 × 1 tiles, tiles that do not
divide the raster, one tile larger than it), nodata across tile edges; and a raster
where the order of the global search matters (a reachability rule differs from it)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from ganpo.engine.routing import (
    DCOL,
    DROW,
    extract_streams,
    fill_pits,
    flow_accumulation,
    flow_direction_mfd,
)
from ganpo.engine.tiled_accum import flow_accumulation_tiled_array
from ganpo.engine.tiled_sdr_mfd import streams_mfd_tiled_array
from landscapes import notched_bowl, pitted


def _filled(z: NDArray[Any]) -> NDArray[np.float64]:
    out = np.array(z, dtype=np.float64)
    fill_pits(out)
    return out


def _routed(z: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.uint32]]:
    mfd = flow_direction_mfd(z)
    return flow_accumulation(mfd, ~np.isnan(z)), mfd


def _check(z: NDArray[np.float64], tile: Any, threshold: float) -> NDArray[np.uint8]:
    acc, mfd = _routed(z)
    got = streams_mfd_tiled_array(acc, mfd, tile, threshold)
    expected = extract_streams(acc, mfd, threshold)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected), (tile, threshold, np.argwhere(got != expected))
    return got


def _reachability_rule(
    acc: NDArray[np.float64], mfd: NDArray[np.uint32], threshold: float
) -> NDArray[np.uint8]:
    """What an exchange of reachability flags would give (not the global rule): the
    cells reached upstream from the outlets through cells with acc ≥ 0.7·threshold; of
    them, those ≥ threshold and those downstream of one through the reached cells."""
    rows, cols = acc.shape
    trace = 0.7 * threshold
    ok = ~np.isnan(acc) & (acc >= trace)

    def down(r: int, c: int) -> list[tuple[int, int]]:
        return [
            (r + int(DROW[k]), c + int(DCOL[k]))
            for k in range(8)
            if (int(mfd[r, c]) >> (4 * k)) & 15
        ]

    def inside(r: int, c: int) -> bool:
        return 0 <= r < rows and 0 <= c < cols

    reached = np.zeros(acc.shape, dtype=bool)
    stack = []
    for r in range(rows):
        for c in range(cols):
            if not (ok[r, c] and acc[r, c] >= threshold):
                continue
            if any(not inside(a, b) or np.isnan(acc[a, b]) for a, b in down(r, c)):
                reached[r, c] = True
                stack.append((r, c))
    while stack:
        r, c = stack.pop()
        for k in range(8):
            a, b = r + int(DROW[k]), c + int(DCOL[k])
            if not (inside(a, b) and ok[a, b]) or reached[a, b]:
                continue
            if (int(mfd[a, b]) >> (4 * ((k + 4) % 8))) & 15:
                reached[a, b] = True
                stack.append((a, b))
    out = reached & (acc >= threshold)
    stack = [(int(r), int(c)) for r, c in np.argwhere(out)]
    while stack:
        r, c = stack.pop()
        for a, b in down(r, c):
            if inside(a, b) and reached[a, b] and not out[a, b]:
                out[a, b] = True
                stack.append((a, b))
    return np.where(np.isnan(acc), 255, out).astype(np.uint8)


@pytest.mark.parametrize("threshold", [8.0, 30.0, 150.0, 400.0])
def test_one_outlet_across_ten_by_ten_tiles(threshold: float) -> None:
    z = _filled(notched_bowl(50))
    got = _check(z, 5, threshold)  # 10 × 10 tiles
    acc, _ = _routed(z)
    assert (got == 1).sum() >= 20
    # candidates exist (0.7·threshold ≤ acc < threshold), some of them stream, some not
    weak = (acc >= 0.7 * threshold) & (acc < threshold)
    assert (weak & (got == 1)).any() and (weak & (got == 0)).any()
    # the streams run through many tiles: the search crosses tile edges
    rows, cols = np.nonzero(got == 1)
    assert len({(r // 5, c // 5) for r, c in zip(rows, cols, strict=True)}) >= 5


@pytest.mark.parametrize("tile", [1, 2, 3, 7, (5, 11), (11, 5), 64])
def test_random_dems_and_tilings(tile: Any) -> None:
    rng = np.random.default_rng(19)
    z = _filled(pitted(rng, (37, 29)))  # no tile size here divides 37 or 29
    for threshold in (8.0, 30.0, 150.0):
        _check(z, tile, threshold)


def test_nodata_across_tile_edges() -> None:
    rng = np.random.default_rng(3)
    z = pitted(rng, (30, 26))
    z[4:9, 5:13] = np.nan  # across the edges of tiles of 6 at row 6 and columns 6 and 12
    z[17:20, 10:11] = np.nan
    z[11, 17] = np.nan  # at a tile's corner
    z[23:30, 0:3] = np.nan  # touching the raster's edge
    z = _filled(z)
    for tile in (1, 2, 6, (4, 9), 13):
        for threshold in (6.0, 25.0):
            got = _check(z, tile, threshold)
            # outlets into nodata start streams inside the raster
            assert (got == 1).any()


def test_the_order_of_the_global_search_matters() -> None:
    """The reachability rule differs from the global streams here: candidates found
    after the stream cell above them stay 0 globally; the tiles replay that order."""
    z = _filled(notched_bowl(50))
    acc, mfd = _routed(z)
    for threshold in (8.0, 30.0, 150.0):
        expected = extract_streams(acc, mfd, threshold)
        rule = _reachability_rule(acc, mfd, threshold)
        differ = rule != expected
        assert differ.any() and (expected[differ] == 0).all()  # extra candidates only
        got = streams_mfd_tiled_array(acc, mfd, 5, threshold)
        assert np.array_equal(got, expected)


def test_streams_of_the_tiled_accumulation() -> None:
    """With the MFD accumulation by tiles (within float64 rounding of the global one)
    the streams here are still the global streams: no accumulation lies within that
    rounding of a threshold."""
    z = _filled(notched_bowl(50))
    acc, mfd = _routed(z)
    tiled, _ = flow_accumulation_tiled_array(mfd, ~np.isnan(z), 5)
    for threshold in (8.0, 30.0, 150.0, 400.0):
        got = streams_mfd_tiled_array(tiled, mfd, 5, threshold)
        assert np.array_equal(got, extract_streams(acc, mfd, threshold))


def test_d8_directions_are_refused() -> None:
    z = _filled(notched_bowl(12))
    acc, _ = _routed(z)
    with pytest.raises(ValueError, match="uint32"):
        streams_mfd_tiled_array(acc, np.zeros(z.shape, dtype=np.uint8), 4, 5.0)  # type: ignore[arg-type]
