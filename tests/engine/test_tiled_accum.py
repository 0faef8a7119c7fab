"""Tiled flow accumulation (Barnes 2017 for D8, a seam for MFD) against the global
:func:`ganpo.engine.routing.flow_accumulation`: bitwise for D8 with unit weights, within
float64 rounding otherwise; random pit-filled DEMs × tile shapes (incl. 1 × 1, tiles
that do not divide the raster, tiles larger than it), one outlet across 10 × 10 tiles,
nodata holes across tile edges, a zigzag stream across a tile edge, weights, hypothesis,
and the file path through dask, tile by tile, on a distributed cluster too.

Tolerance for MFD and real weights: the tiled sums add the same terms in another order
(inflow is added at the tile's edge before the tile's own upstream cells), so each cell
differs by float64 rounding, at most about (number of additions) × 1.1e-16 relative;
on these rasters (≤ 2500 cells) rtol 1e-12 leaves a wide margin and would catch any
lost or double-counted cell (≥ 1/2500 relative)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from ganpo.engine import tiled_accum
from ganpo.engine.compute import scheduler
from ganpo.engine.routing import (
    DCOL,
    DROW,
    fill_pits,
    flow_accumulation,
    flow_direction_d8,
    flow_direction_mfd,
)
from ganpo.engine.tiled_accum import (
    SEAM_RELATIVE,
    flow_accumulation_tiled,
    flow_accumulation_tiled_array,
    write_directions,
)
from ganpo.errors import InputError
from landscapes import PROFILE, notched_bowl, pit_filled, pitted, write_tif

RTOL = 1e-12  # module docstring: float64 rounding of sums in another order
E, SE, SW, W, S = 0, 7, 5, 4, 6  # D8 codes (routing.DROW/DCOL)


def _filled(z: NDArray[Any]) -> NDArray[np.float64]:
    out = np.array(z, dtype=np.float64)
    fill_pits(out)
    return out


def _check(
    z: NDArray[np.float64],
    tile: int | tuple[int, int],
    weights: NDArray[Any] | None = None,
    exact_d8: bool = True,
    band: int = tiled_accum.SEAM_BAND,
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """Both algorithms on the filled ``z``: tiled equal to global; returns the D8 and
    MFD tiled accumulations and the MFD rounds."""
    valid = ~np.isnan(z)
    d8 = flow_direction_d8(z)
    got_d8, rounds_d8 = flow_accumulation_tiled_array(d8, valid, tile, weights)
    expected = flow_accumulation(d8, valid, weights)
    assert rounds_d8 == 0
    if exact_d8:  # integers in float64: every order of addition gives the same bits
        assert np.array_equal(got_d8, expected, equal_nan=True), (tile, got_d8, expected)
    else:
        np.testing.assert_allclose(got_d8, expected, rtol=RTOL, equal_nan=True)
    mfd = flow_direction_mfd(z)
    got_mfd, rounds = flow_accumulation_tiled_array(mfd, valid, tile, weights, band=band)
    np.testing.assert_allclose(got_mfd, flow_accumulation(mfd, valid, weights), rtol=RTOL)
    assert np.array_equal(np.isnan(got_mfd), ~valid)
    return got_d8, got_mfd, rounds


def test_a_row_flowing_east_across_tiles_by_hand() -> None:
    d = np.array([[E, E, E, E, E, 255]], dtype=np.uint8)
    valid = np.ones(d.shape, dtype=bool)
    # tiles of 1 × 2: each cell counts itself plus every cell west of it
    got, _ = flow_accumulation_tiled_array(d, valid, (1, 2))
    np.testing.assert_array_equal(got, [[1, 2, 3, 4, 5, 6]])
    valid[0, 3] = False  # nodata cuts the row: the flow into it is lost
    got, _ = flow_accumulation_tiled_array(d, valid, (1, 2))
    np.testing.assert_array_equal(got, [[1, 2, 3, np.nan, 1, 2]])


@pytest.mark.parametrize("band", [1, 3, tiled_accum.SEAM_BAND])  # MFD's seam width
@pytest.mark.parametrize("tile", [1, 2, 3, 7, (5, 11), (11, 5), 16, 64])
def test_random_dems_equal_the_global_accumulation(tile: int | tuple[int, int], band: int) -> None:
    rng = np.random.default_rng(19)
    z = _filled(pitted(rng, (37, 29)))  # 37 and 29: no tile size here divides them
    got_d8, _, rounds = _check(z, tile, band=band)
    assert got_d8.max() > 50  # flow gathers across tiles: the test has something to route
    if tile != 64:  # a single tile needs no round
        assert rounds > 0


def _longest_path(mfd: NDArray[np.uint32], valid: NDArray[np.bool_]) -> int:
    """The most edges on a flow path of the MFD directions (by relaxing in height order
    is not available here, so by repeated relaxation: tiny rasters only)."""
    rows, cols = mfd.shape
    depth = np.zeros(mfd.shape, dtype=np.int64)
    changed = True
    while changed:
        changed = False
        for r in range(rows):
            for c in range(cols):
                if not valid[r, c]:
                    continue
                for k in range(8):
                    rn, cn = r + int(DROW[k]), c + int(DCOL[k])
                    if (mfd[r, c] >> (4 * k)) & 15 == 0 or not (0 <= rn < rows and 0 <= cn < cols):
                        continue
                    if valid[rn, cn] and depth[rn, cn] < depth[r, c] + 1:
                        depth[rn, cn] = depth[r, c] + 1
                        changed = True
    return int(depth.max())


def test_one_outlet_across_ten_by_ten_tiles() -> None:
    z = _filled(notched_bowl(50))
    got_d8, got_mfd, rounds = _check(z, 5)  # 10 × 10 tiles; bands of 8: all seam
    assert rounds == 1
    inner = 48 * 48
    # every inner cell's flow reaches the notch, whichever tiles it crosses
    assert got_d8[0, 25] >= inner
    assert got_mfd[0, 25] >= inner * (1 - RTOL)
    for band in (1, 2):  # deep cells in every tile: the flow alternates seam ↔ tiles
        _, _, rounds = _check(z, 5, band=band)
        longest = _longest_path(flow_direction_mfd(z), ~np.isnan(z))
        # the bound of the module docstring: 2 + (L − 1) // (2·band + 1)
        assert 2 <= rounds <= 2 + (longest - 1) // (2 * band + 1)
        print(f"MFD rounds, 50² in 10 × 10 tiles, band {band}: {rounds}, L = {longest}")


def test_the_seam_logs_its_rounds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A long seam says how far it is (every ROUNDS_LOGGED rounds) and what it took."""
    z = _filled(notched_bowl(50))
    monkeypatch.setattr(tiled_accum, "ROUNDS_LOGGED", 2)
    with caplog.at_level(logging.INFO, logger=tiled_accum.__name__):
        _, rounds = flow_accumulation_tiled_array(flow_direction_mfd(z), ~np.isnan(z), 5, band=1)
    assert rounds >= 4
    progress = [r.getMessage() for r in caplog.records if ": round " in r.getMessage()]
    assert progress and all("MFD seam over 100 tiles: round " in m for m in progress)
    assert [int(m.split("round ")[1].split(",")[0]) for m in progress] == list(range(2, rounds, 2))
    (last,) = [r.getMessage() for r in caplog.records if " tile passes in " in r.getMessage()]
    assert last.startswith("MFD seam over 100 tiles (") and f": {rounds} rounds, " in last


def test_nodata_holes_across_tile_edges() -> None:
    rng = np.random.default_rng(3)
    z = pitted(rng, (30, 26))
    z[4:9, 5:13] = np.nan  # across the edges of tiles of 6 at row 6 and columns 6 and 12
    z[17:20, 10:11] = np.nan  # one cell wide, along a tile's column
    z[11, 17] = np.nan  # at a tile's corner
    z[23:30, 0:3] = np.nan  # touching the raster's edge
    z = _filled(z)
    for tile in (1, 2, 6, (4, 9), 13):
        _check(z, tile)


@pytest.mark.parametrize("shape", [(1, 1), (1, 9), (9, 1), (2, 2), (2, 7), (3, 3)])
@pytest.mark.parametrize("tile", [1, (1, 3), (3, 1), 50])
def test_thin_rasters_one_cell_tiles_and_tiles_larger_than_the_raster(
    shape: tuple[int, int], tile: Any
) -> None:
    rng = np.random.default_rng(sum(shape))
    _check(_filled(rng.integers(0, 4, shape).astype("float64")), tile)


def _zigzag(rows: int) -> tuple[NDArray[np.uint8], NDArray[np.uint32]]:
    """8 columns; a stream zigzags down across the edge between columns 3 and 4 (cell
    (r, 3) on even rows, (r, 4) on odd ones); every other cell flows towards it along its
    row; the stream's last cell drains nowhere. As D8 codes and as MFD (one share of 15)."""
    d = np.empty((rows, 8), dtype=np.uint8)
    for r in range(rows):
        s = 3 if r % 2 == 0 else 4
        d[r, :s] = E
        d[r, s + 1 :] = W
        d[r, s] = (SE if s == 3 else SW) if r < rows - 1 else 255
    mfd = np.where(d == 255, 0, np.uint32(15) << (4 * d.astype(np.uint32))).astype(np.uint32)
    return d, mfd


def test_zigzag_stream_along_a_tile_edge() -> None:
    rows = 8
    d8, mfd = _zigzag(rows)
    valid = np.ones(d8.shape, dtype=bool)
    expected = flow_accumulation(d8, valid)
    assert expected[-1, 3 if rows % 2 else 4] == rows * 8  # every cell ends there
    for tile in (4, (8, 4), (3, 4), (2, 3)):
        got, _ = flow_accumulation_tiled_array(d8, valid, tile)
        assert np.array_equal(got, expected)
        got, rounds = flow_accumulation_tiled_array(mfd, valid, tile)
        assert np.array_equal(got, expected)  # shares of 15/15: exact too
        assert rounds == 1  # tiles narrower than two bands: all seam, one pass
        got, rounds = flow_accumulation_tiled_array(mfd, valid, tile, band=1)
        assert np.array_equal(got, expected)
        # bands of 1 in tiles four columns wide: the stream (columns 3 and 4) and
        # columns 0 and 7 are the seam; the stream's 7 crossings of the edge stay in it
        # (the rounds of edge inflow of decision 0059 took 8); the flow of column 0 (and
        # 7) enters the deep cells (columns 1–2, 5–6) once and comes back: two passes
        if tile in (4, (8, 4), (3, 4)):
            assert rounds == 2


def test_a_long_zigzag_along_a_tile_edge_takes_two_rounds() -> None:
    """The case rounds of edge inflow could not do: 64 crossings of one tile edge."""
    d8, mfd = _zigzag(64)
    valid = np.ones(d8.shape, dtype=bool)
    expected = flow_accumulation(d8, valid)
    for tile, band in (((16, 4), 1), ((64, 4), 1), ((16, 4), 8)):
        got, rounds = flow_accumulation_tiled_array(mfd, valid, tile, band=band)
        assert np.array_equal(got, expected)
        # at most one entry into deep cells on any path (column 0 → 1), plus the first
        assert rounds <= 2


def _bowl() -> tuple[NDArray[np.uint32], NDArray[np.bool_], NDArray[np.float64]]:
    """The stopping tests' landscape: a bowl of 80 (flow winds across tile edges of 4),
    its MFD directions, its routed cells and weights uniform in [0.005, 1]."""
    z = pit_filled(notched_bowl(80))
    weights = np.random.default_rng(1).uniform(0.005, 1.0, z.shape)
    return flow_direction_mfd(z), ~np.isnan(z), weights


def _stopping(relative: float, weights: Any = None) -> tuple[Any, Any, int, int]:
    """The MFD accumulation of a bowl of 80 in tiles of 4 with a band of 1 (flow winds
    across the tile edges), with ``relative`` and with every round; both rounds."""
    mfd, valid, bowl_weights = _bowl()
    if weights is None:
        weights = bowl_weights
    stop, rounds_stop = flow_accumulation_tiled_array(
        mfd, valid, 4, weights, band=1, relative=relative
    )
    full, rounds_full = flow_accumulation_tiled_array(mfd, valid, 4, weights, band=1)
    return stop, full, rounds_stop, rounds_full


def test_the_seam_stops_once_what_is_left_is_below_rounding() -> None:
    """Decision 0111: the SDR's seam leaves out the rounds whose flow could change no
    sum by more than one float64 rounding of it."""
    mfd, valid, weights = _bowl()
    expected = flow_accumulation(mfd, valid, weights)
    stop, full, rounds_stop, rounds_full = _stopping(SEAM_RELATIVE)
    assert rounds_stop < rounds_full - 5  # measured 29 against 38
    for got in (stop, full):
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)
        assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.all(np.abs(stop - full)[valid] <= 4 * SEAM_RELATIVE * full[valid])


def test_a_coarse_stop_keeps_its_bound() -> None:
    """The flow left when the seam stops changes no sum by more than ``relative`` of it,
    and only lowers sums (it is ≥ 0)."""
    stop, full, rounds_stop, rounds_full = _stopping(1e-4)
    valid = np.isfinite(full)
    gap = (full - stop)[valid] / full[valid]
    assert rounds_stop < rounds_full - 10  # measured 24 against 38
    assert gap.max() > 1e-12  # it left something (measured 1.8e-10: the bound is loose)
    assert gap.max() <= 1e-4 and gap.min() >= -4 * SEAM_RELATIVE


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_no_stop_without_a_lower_bound(bad: float) -> None:
    """A weight of 0, < 0 or NaN on a routed cell bounds no sum from below: every round
    is run, as without ``relative``."""
    _, _, weights = _bowl()
    weights[40, 40] = bad
    stop, full, rounds_stop, rounds_full = _stopping(1e-4, weights)
    assert rounds_stop == rounds_full
    assert np.array_equal(stop, full, equal_nan=True)


ROUND_TASK, EXCHANGE_SEAM = tiled_accum.seam_round, tiled_accum.exchange_seam


def _least_weight() -> float:
    """The least weight of a routed cell of :func:`_passes`'s bowl: its seam's ``floor``."""
    _, valid, weights = _bowl()
    return float(weights[valid].min())


def _passes(
    monkeypatch: pytest.MonkeyPatch, relative: float, defer: float
) -> tuple[NDArray[np.float64], int, int, tiled_accum.SeamExchange]:
    """:func:`_stopping`'s bowl with ``relative`` and ``defer``: the accumulation, the
    rounds, the round tasks run and the seam's result."""
    mfd, valid, weights = _bowl()
    calls: list[int] = []
    seams: list[tiled_accum.SeamExchange] = []
    round_task, seam = ROUND_TASK, EXCHANGE_SEAM

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return round_task(*args, **kwargs)

    def kept(*args: Any, **kwargs: Any) -> Any:
        seams.append(seam(*args, **kwargs))
        return seams[-1]

    with monkeypatch.context() as patched:
        patched.setattr(tiled_accum, "seam_round", counted)
        patched.setattr(tiled_accum, "exchange_seam", kept)
        got, rounds = flow_accumulation_tiled_array(
            mfd, valid, 4, weights, band=1, relative=relative, defer=defer
        )
    (sx,) = seams
    assert sx.passes == len(calls)
    return got, rounds, len(calls), sx


def test_tiles_that_receive_too_little_are_not_passed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Decision 0114: the seam that stops at rounding holds back the flow into the tiles
    receiving least while it all sums to at most half its bound: fewer round tasks, the
    same sums (the flow held back is below what any sum can show)."""
    held, rounds, passes, sx = _passes(monkeypatch, SEAM_RELATIVE, tiled_accum.SEAM_DEFER)
    every, rounds_every, passes_every, _ = _passes(monkeypatch, SEAM_RELATIVE, 0.0)
    assert passes < passes_every - 200  # measured 5,049 against 5,416
    assert rounds == rounds_every  # 29
    assert np.array_equal(held, every, equal_nan=True)
    assert 0.0 < sx.left <= SEAM_RELATIVE * _least_weight()  # the seam's bound


def test_what_is_held_back_counts_against_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a coarse bound the held back flow is large enough to see: no sum is short by
    more than what the seam says it left, and that is within its bound."""
    held, _, passes, sx = _passes(monkeypatch, 1e-4, 0.9)
    every, _, passes_every, _ = _passes(monkeypatch, 0.0, 0.0)
    assert passes < passes_every - 500  # measured 4,251 against 5,501 (every round)
    valid = np.isfinite(every)
    short = (every - held)[valid]
    rounding = 4 * SEAM_RELATIVE * every[valid].max()
    assert short.max() > 1e-9  # something was left out (measured 5.0e-7: all it left)
    assert short.max() <= sx.left + rounding and sx.left <= 1e-4 * _least_weight()
    assert short.min() >= -rounding


def test_holding_back_merges_smallest_first_and_keeps_non_finite_flow() -> None:
    cells = np.array([3, 5], dtype=np.int64)
    groups = {(0, 1): (cells, np.array([1.0, 2.0])), (1, 0): (cells[:1], np.array([0.5]))}
    held = {(0, 1): (np.array([5, 7], dtype=np.int64), np.array([0.25, 0.25]))}
    now, later, kept = tiled_accum._hold_back(groups, held, 1.0)
    assert list(now) == [(0, 1)] and list(later) == [(1, 0)] and kept == 0.5
    c, a = now[(0, 1)]  # the held flow added, cell 5 once
    assert c.tolist() == [3, 5, 7] and a.tolist() == [1.0, 2.25, 0.25]
    now, later, kept = tiled_accum._hold_back(groups, {}, 0.4)
    assert list(now) == [(0, 1), (1, 0)] and later == {} and kept == 0.0
    ties = {(2, 2): (cells[:1], np.array([0.5])), **groups}
    now, later, kept = tiled_accum._hold_back(ties, {}, 0.6)
    assert list(later) == [(1, 0)] and list(now) == [(0, 1), (2, 2)]  # ties: the tiles' order
    odd = {(1, 0): (cells[:1], np.array([np.nan])), (0, 1): (cells[:1], np.array([1e-30]))}
    now, later, kept = tiled_accum._hold_back(odd, {}, 1.0)
    assert list(now) == [(0, 1), (1, 0)] and later == {} and kept == 0.0


def _two_tiles(
    shares: tuple[float, float], back: float
) -> tuple[tiled_accum.SeamExchange, list[tuple[int, int]]]:
    """A seam on a raster of 1 × 4 cells in tiles of 1 × 2, without a tile pass of its
    own: band cells 0 and 3 (weight 1 each, one accumulation, floor 1) send ``shares`` to
    the deep cells 1 and 2; a round task on the tile (0, 1) sends ``back`` to cell 0. The
    seam stops at 10⁻²⁰ (room 5·10⁻²¹ for what it holds back). Its result, and the tiles
    its round tasks ran on."""
    empty, none = np.empty(0, dtype=np.int64), np.empty(0)
    parts = tiled_accum.tiles((1, 4), (1, 2))
    ran: list[tuple[int, int]] = []

    def first(t: Any) -> tiled_accum.SeamFlow:
        cell = 0 if t.index == (0, 0) else 3
        i = 0 if cell == 0 else 1
        band = np.array([cell], dtype=np.int64)
        return tiled_accum.SeamFlow(
            t, empty, none, band, np.ones(1), band, band + (1 if cell == 0 else -1),
            np.array([shares[i]]), True, 1.0,
        )  # fmt: skip

    def again(t: Any, g: Any) -> tiled_accum.SeamFlow:
        ran.append(t.index)
        out = np.array([0], dtype=np.int64) if t.index == (0, 1) else empty
        amount = np.full(len(out), back)
        return tiled_accum.SeamFlow(t, out, amount, empty, none, empty, empty, none, True)

    def run(calls: list[Any]) -> list[Any]:
        return [f(*args) for f, args in calls]

    sx = tiled_accum.exchange_seam(parts, (1, 4), (1, 2), first, again, run, 1e-20)
    return sx, ran


def test_a_seam_whose_flow_all_fits_under_the_bound_leaves_it() -> None:
    """The flow into both tiles is held back in the first round: no round task runs, the
    seam stops with it left (it is still in the tiles' last passes)."""
    sx, ran = _two_tiles((1e-30, 2e-30), 0.0)
    assert ran == [] and sx.passes == 0 and sx.rounds == 1
    assert sx.left == pytest.approx(3e-30, rel=1e-12, abs=0)
    (_, a), (_, b) = sx.inflow[(0, 0)], sx.inflow[(0, 1)]
    assert a.tolist() == [1e-30] and b.tolist() == [2e-30]


def test_a_nan_releases_the_flow_held_back() -> None:
    """Cell 2's tile is passed over; it sends NaN back into the seam, which carries it to
    cell 1's tile, held back until then: that tile is passed over with the NaN."""
    sx, ran = _two_tiles((1e-30, 0.5), np.nan)
    assert ran[:2] == [(0, 1), (0, 0)]
    assert np.isnan(sx.inflow[(0, 0)][1]).all()
    held, _ = _two_tiles((1e-30, 0.5), 0.0)  # without the NaN: held back, then left
    assert held.passes == 1 and held.left == pytest.approx(1e-30, rel=1e-12, abs=0)


@pytest.mark.parametrize("defer", [-0.1, 1.0, np.nan])
def test_holding_back_asks_a_fraction_of_the_bound(defer: float) -> None:
    z = pit_filled(notched_bowl(12))
    with pytest.raises(ValueError, match="defer"):
        flow_accumulation_tiled_array(
            flow_direction_mfd(z), ~np.isnan(z), 4, relative=SEAM_RELATIVE, defer=defer
        )


def test_weights() -> None:
    rng = np.random.default_rng(11)
    z = _filled(notched_bowl(24))
    z[9:12, 5:16] = np.nan
    z = _filled(z)
    w = rng.gamma(2.0, 1.5, z.shape)
    for tile in (4, (5, 7)):
        _check(z, tile, w, exact_d8=False)
        _check(z, tile, w.astype(np.float32), exact_d8=False)
        _check(z, tile, rng.integers(0, 5, z.shape).astype(np.float64))  # whole: exact


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 14),
    cols=st.integers(1, 14),
    th=st.integers(1, 16),
    tw=st.integers(1, 16),
    seed=st.integers(0, 2**31 - 1),
    holes=st.floats(0.0, 0.3),
    band=st.integers(1, 4),
)
def test_property_any_tiling_equals_global(
    rows: int, cols: int, th: int, tw: int, seed: int, holes: float, band: int
) -> None:
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 6, (rows, cols)).astype(np.float64)
    z[rng.random((rows, cols)) < holes] = np.nan
    _check(_filled(z), (th, tw), band=band)


# --- errors -------------------------------------------------------------------------------


def test_cycles_are_refused() -> None:
    valid = np.ones((2, 4), dtype=bool)
    inside = np.array([[E, S, E, 255], [0, 2, 0, 255]], dtype=np.uint8)
    inside[1, 1] = 2  # N: (1,1) → (0,1) → (1,1)
    with pytest.raises(InputError, match="cycle"):
        flow_accumulation_tiled_array(inside, valid, 4)
    across = np.array([[E, W, 255, 255], [255, 255, 255, 255]], dtype=np.uint8)
    with pytest.raises(InputError, match="cycle"):  # (0,0) ↔ (0,1) across tiles of 1
        flow_accumulation_tiled_array(across, valid, 1)
    mfd = np.where(across == 255, 0, np.uint32(15) << (4 * across.astype(np.uint32)))
    with pytest.raises(InputError, match="cycle"):
        flow_accumulation_tiled_array(mfd.astype(np.uint32), valid, 1)


def test_a_band_below_one_cell_is_refused() -> None:
    with pytest.raises(InputError, match="band ≥ 1"):
        flow_accumulation_tiled_array(np.zeros((2, 2), np.uint32), np.ones((2, 2), bool), 1, band=0)


def test_directions_of_another_type_are_refused() -> None:
    with pytest.raises(InputError, match="D8 须为 uint8"):
        flow_accumulation_tiled_array(np.zeros((2, 2), np.int16), np.ones((2, 2), bool), 1)  # type: ignore[arg-type]


# --- files and dask -----------------------------------------------------------------------


def _dem() -> NDArray[np.float64]:
    z = _filled(notched_bowl(22))
    z[7:11, 3:9] = np.nan
    return _filled(z)


@pytest.mark.parametrize("algorithm", ["d8", "mfd"])
def test_file_equals_the_global_accumulation(tmp_path: Path, algorithm: str) -> None:
    z = _dem()
    valid = ~np.isnan(z)
    d = flow_direction_d8(z) if algorithm == "d8" else flow_direction_mfd(z)
    path = write_directions(tmp_path / "dir.tif", d, valid, PROFILE)
    rng = np.random.default_rng(2)
    w = rng.gamma(2.0, 1.0, z.shape).astype(np.float32)
    w[3, 4] = -1.0  # the weights' nodata: NaN, as a NaN weight globally
    weights = write_tif(tmp_path / "w.tif", w, -1.0)
    with scheduler("synchronous"):
        out = tmp_path / "out" / "acc.tif"
        rounds = flow_accumulation_tiled(path, out, tile=(6, 8), band=2)  # deep cells
        weighted = flow_accumulation_tiled(
            path, tmp_path / "out" / "accw.tif", tile=5, weights_path=weights, band=1
        )
    with rasterio.open(out) as src:
        got = src.read(1)
        assert src.dtypes[0] == "float64" and np.isnan(src.nodata)
        assert src.transform == PROFILE["transform"]
    expected = flow_accumulation(d, valid)
    if algorithm == "d8":
        assert rounds == weighted == 0
        assert np.array_equal(got, expected, equal_nan=True)
    else:
        assert rounds > 0
        np.testing.assert_allclose(got, expected, rtol=RTOL)
    w64 = w.astype(np.float64)
    w64[3, 4] = np.nan
    with rasterio.open(tmp_path / "out" / "accw.tif") as src:
        np.testing.assert_allclose(src.read(1), flow_accumulation(d, valid, w64), rtol=RTOL)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["acc.tif", "accw.tif"]


def test_each_task_reads_only_its_tile_and_halo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    z = _dem()
    d = flow_direction_d8(z)
    path = write_directions(tmp_path / "dir.tif", d, ~np.isnan(z), PROFILE)
    windows: list[tuple[int, int]] = []
    read = tiled_accum.read_window

    def recording(src: Any, path: Path, role: Any, window: Any) -> Any:
        windows.append((window.height, window.width))
        return read(src, path, role, window)

    monkeypatch.setattr(tiled_accum, "read_window", recording)
    with scheduler("synchronous"):
        assert flow_accumulation_tiled(path, tmp_path / "acc.tif", tile=6) == 0
    out = tmp_path / "acc.tif"
    assert len(windows) == 2 * 16  # stage 1 and stage 3, 4 × 4 tiles
    assert max(h * w for h, w in windows) <= 8 * 8  # a tile of 6² and its halo
    with rasterio.open(out) as src:
        assert np.array_equal(src.read(1), flow_accumulation(d, ~np.isnan(z)), equal_nan=True)


def test_bad_files_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "dir.tif", np.full((4, 4), 254, np.uint8), 254)
    with pytest.raises(InputError, match="no routed cell"), scheduler("synchronous"):
        flow_accumulation_tiled(path, tmp_path / "acc.tif", tile=2)
    wrong = write_tif(tmp_path / "w.tif", np.ones((3, 4), np.float32), None)
    with pytest.raises(InputError, match="权重栅格"):
        flow_accumulation_tiled(path, tmp_path / "acc.tif", tile=2, weights_path=wrong)
    floats = write_tif(tmp_path / "f.tif", np.ones((3, 4), np.float32), None)
    with pytest.raises(InputError, match="uint32"):
        flow_accumulation_tiled(floats, tmp_path / "acc.tif", tile=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.tif", "f.tif", "w.tif"]


def test_on_a_dask_cluster(tmp_path: Path) -> None:
    """Through ``scheduler(address)`` with two workers, as tiled_fill's test runs it."""
    from distributed import LocalCluster

    z = _dem()
    valid = ~np.isnan(z)
    d8, mfd = flow_direction_d8(z), flow_direction_mfd(z)
    p8 = write_directions(tmp_path / "d8.tif", d8, valid, PROFILE)
    pm = write_directions(tmp_path / "mfd.tif", mfd, valid, PROFILE)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        scheduler(cluster.scheduler_address),
    ):
        flow_accumulation_tiled(p8, tmp_path / "a8.tif", tile=(4, 7))
        flow_accumulation_tiled(pm, tmp_path / "am.tif", tile=(4, 7), band=1)
    with rasterio.open(tmp_path / "a8.tif") as src:
        assert np.array_equal(src.read(1), flow_accumulation(d8, valid), equal_nan=True)
    with rasterio.open(tmp_path / "am.tif") as src:
        np.testing.assert_allclose(src.read(1), flow_accumulation(mfd, valid), rtol=RTOL)
