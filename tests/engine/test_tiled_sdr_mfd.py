"""MFD streams by tiles (decision 0084) against routing's global
:func:`ganpo.engine.routing.extract_streams`: bitwise, on one outlet draining across
10 × 10 tiles, random pit-filled DEMs × tile shapes (1 × 1 tiles, tiles that do not
divide the raster, one tile larger than it), nodata across tile edges; and a raster
where the order of the global search matters (a reachability rule differs from it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from numpy.typing import NDArray

from ganpo.engine import tiled_accum, tiled_sdr_mfd
from ganpo.engine.compute import scheduler
from ganpo.engine.routing import (
    DCOL,
    DROW,
    distance_to_stream,
    extract_streams,
    flow_accumulation,
    flow_direction_mfd,
    ls_and_sdr_rasters,
    sdr_layers,
)
from ganpo.engine.tiled_accum import SEAM_RELATIVE, flow_accumulation_tiled_array
from ganpo.engine.tiled_fill import tiles
from ganpo.engine.tiled_sdr import ls_and_sdr_tiled, ls_and_sdr_tiled_array
from ganpo.engine.tiled_sdr_mfd import distance_mfd_tiled_array, streams_mfd_tiled_array
from ganpo.errors import InputError
from landscapes import (
    CELL,
    COVER,
    notched_bowl,
    pit_filled,
    pitted,
    pitted_with_nodata,
    random_cover,
    sdr_inputs,
    sdr_reference,
)


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
    z = pit_filled(notched_bowl(50))
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
    z = pit_filled(pitted(rng, (37, 29)))  # no tile size here divides 37 or 29
    for threshold in (8.0, 30.0, 150.0):
        _check(z, tile, threshold)


def test_nodata_across_tile_edges() -> None:
    z = pitted_with_nodata()
    for tile in (1, 2, 6, (4, 9), 13):
        for threshold in (6.0, 25.0):
            got = _check(z, tile, threshold)
            # outlets into nodata start streams inside the raster
            assert (got == 1).any()


def test_the_order_of_the_global_search_matters() -> None:
    """The reachability rule differs from the global streams here: candidates found
    after the stream cell above them stay 0 globally; the tiles replay that order."""
    z = pit_filled(notched_bowl(50))
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
    z = pit_filled(notched_bowl(50))
    acc, mfd = _routed(z)
    tiled, _ = flow_accumulation_tiled_array(mfd, ~np.isnan(z), 5)
    for threshold in (8.0, 30.0, 150.0, 400.0):
        got = streams_mfd_tiled_array(tiled, mfd, 5, threshold)
        assert np.array_equal(got, extract_streams(acc, mfd, threshold))


def test_d8_directions_are_refused() -> None:
    z = pit_filled(notched_bowl(12))
    acc, _ = _routed(z)
    with pytest.raises(ValueError, match="uint32"):
        streams_mfd_tiled_array(acc, np.zeros(z.shape, dtype=np.uint8), 4, 5.0)  # type: ignore[arg-type]


# --- D_dn: the transposed seam ------------------------------------------------------------

RTOL_DN = 1e-12  # decision 0084: float64 rounding, grouped otherwise (measured ≤ 1.2e-15)


def _sigma(shape: tuple[int, int], seed: int = 5) -> NDArray[np.float64]:
    """Steps 1/(W·S) as the SDR makes them: W in [0.001, 0.4], S in [0.005, 1]."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.0, 0.4, shape)
    w[w < 0.05] = 0.0
    w = np.maximum(w, 0.001).astype(np.float32)
    s = rng.uniform(0.005, 1.0, shape).astype(np.float32)
    return 1.0 / (w.astype(np.float64) * s.astype(np.float64))


def _check_dn(
    z: NDArray[np.float64], tile: Any, threshold: float, band: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    acc, mfd = _routed(z)
    stream = extract_streams(acc, mfd, threshold)
    sigma = _sigma(z.shape)
    expected = distance_to_stream(mfd, stream, sigma)
    got, rounds_reach, rounds = distance_mfd_tiled_array(mfd, stream, sigma, tile, band)
    # NaN (no stream reached, off the data) and 0 (stream cells) exactly where the global
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.array_equal(got == 0, expected == 0)
    np.testing.assert_allclose(got, expected, rtol=RTOL_DN, atol=0)
    assert rounds_reach >= 1 and rounds >= 1
    return got, expected, rounds


@pytest.mark.parametrize("band", [1, 2, 8])
@pytest.mark.parametrize("threshold", [8.0, 150.0, 400.0])
def test_distance_one_outlet_across_ten_by_ten_tiles(threshold: float, band: int) -> None:
    z = pit_filled(notched_bowl(50))
    got, expected, rounds = _check_dn(z, 5, threshold, band)
    assert np.isfinite(got[1:-1, 1:-1]).all()  # every inner cell reaches the notch
    assert np.nanmax(expected) > 0
    if band == 1:  # paths leave the seam for deep cells and come back: several rounds
        assert rounds > 3


def test_distance_long_paths_across_tiles_and_rounds() -> None:
    z = pit_filled(notched_bowl(60))
    # tiles of 10 with a band of 2: deep cells in every tile, paths across up to 6 tiles
    got, _, rounds = _check_dn(z, 10, 900.0, 2)
    assert rounds > 2
    acc, mfd = _routed(z)
    rows = np.nonzero(extract_streams(acc, mfd, 900.0) == 1)[0]
    assert rows.max() < 30  # the streams lie in the top three rows of tiles
    assert (got[50:59, 1:-1] > 0).all()  # the bottom rows reach them across ≥ 3 tiles


@pytest.mark.parametrize("tile", [1, 2, 3, 7, (5, 11), (11, 5)])
def test_distance_random_dems_with_nodata(tile: Any) -> None:
    z = pitted_with_nodata()
    for threshold in (6.0, 60.0):
        for band in (1, 3):
            _, expected, _ = _check_dn(z, tile, threshold, band)
            # cells that reach no stream (they drain off the raster or into nodata first)
            assert np.isnan(expected[~np.isnan(z)]).any()


def _trenched_bowl() -> NDArray[np.float64]:
    """A bowl of 80 whose flow winds across tiles of 4, and a trench along its west edge
    that drains off the raster: its cells reach no stream."""
    z = pit_filled(notched_bowl(80))
    z[:, 0] = np.nanmin(z) - 10.0
    return z


def _dn_stops(relative: float, sigma: Any = None) -> tuple[Any, Any, int, int]:
    """D_dn on :func:`_trenched_bowl` by tiles of 4 with a band of 1: with ``relative``
    and with every round (``relative`` 0); both rounds. ``sigma`` replaces the steps."""
    z = _trenched_bowl()
    acc, mfd = _routed(z)
    stream = extract_streams(acc, mfd, 2000.0)
    sigma = _sigma(z.shape) if sigma is None else sigma
    stop, _, rounds_stop = distance_mfd_tiled_array(mfd, stream, sigma, 4, 1, relative)
    full, _, rounds_full = distance_mfd_tiled_array(mfd, stream, sigma, 4, 1, 0.0)
    return stop, full, rounds_stop, rounds_full


def test_the_distance_seam_stops_once_what_is_left_is_below_rounding() -> None:
    """Decision 0111: the rounds whose flow could change no value by more than one
    float64 rounding are not run; the values stay within float64 rounding of the global
    distance (here the same bits as with every round). The cells that reach no stream
    (seeded 0) do not count in the values' lower bound."""
    z = _trenched_bowl()
    acc, mfd = _routed(z)
    stream = extract_streams(acc, mfd, 2000.0)
    sigma = _sigma(z.shape)
    expected = distance_to_stream(mfd, stream, sigma)
    stop, full, rounds_stop, rounds_full = _dn_stops(SEAM_RELATIVE)
    assert rounds_stop < rounds_full - 5  # measured 28 against 37
    reached = np.isfinite(expected) & (expected > 0)
    assert reached.sum() > 6000 and np.isnan(expected).sum() > 100
    for got in (stop, full):
        np.testing.assert_allclose(got, expected, rtol=RTOL_DN, atol=0)
        assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.all(np.abs(stop - full)[reached] <= 4 * SEAM_RELATIVE * full[reached])


def test_a_coarse_stop_keeps_its_bound() -> None:
    """What the seam leaves when it stops changes no value by more than ``relative`` of
    it, and only lowers values (the flow left is ≥ 0)."""
    stop, full, rounds_stop, rounds_full = _dn_stops(1e-4)
    reached = np.isfinite(full) & (full > 0)
    gap = (full - stop)[reached] / full[reached]
    assert rounds_stop < rounds_full - 10  # measured 23 against 37
    assert gap.max() > 1e-12  # it did leave something (measured 2.8e-10: the bound is loose)
    assert gap.max() <= 1e-4 and gap.min() >= -4 * SEAM_RELATIVE


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_no_stop_without_a_lower_bound(bad: float) -> None:
    """A step < 0 or NaN on a cell that reaches a stream gives no lower bound of the
    values: every round is run, as with ``relative`` 0."""
    sigma = _sigma(_trenched_bowl().shape)
    sigma[40, 40] = bad
    stop, full, rounds_stop, rounds_full = _dn_stops(1e-4, sigma)
    assert rounds_stop == rounds_full
    assert np.array_equal(stop, full, equal_nan=True)


def test_distance_in_one_tile_is_bitwise() -> None:
    z = pit_filled(pitted(np.random.default_rng(19), (37, 29)))
    got, expected, _ = _check_dn(z, 64, 30.0, 8)
    assert np.array_equal(got, expected, equal_nan=True)  # routing's own arithmetic


# --- LS and SDR, MFD, by tiles --------------------------------------------------------------

RTOL_ACC = 1e-12  # the MFD accumulations by the seam: float64 rounding (decision 0067)
RTOL_32 = 3e-7  # LS and SDR: float32 steps (decision 0084)
RTOL_UP = 5e-7  # D_up: A, W̄ and D_up each rounded to float32 (decision 0084)


def _check_sdr(z: NDArray[np.float64], tile: Any, threshold: float, band: int = 8) -> Any:
    c = random_cover(z.shape)
    mfd = flow_direction_mfd(z)
    got = ls_and_sdr_tiled_array(z, mfd, c, CELL, tile, threshold, band=band)
    ref = sdr_reference(z, mfd, c, threshold)
    assert np.array_equal(got["stream"], ref["stream"], equal_nan=True)
    for name, rtol in (
        ("acc", RTOL_ACC),
        ("d_dn", RTOL_DN),
        ("ls", RTOL_32),
        ("d_up", RTOL_UP),
        ("sdr", RTOL_32),
    ):
        np.testing.assert_allclose(got[name], ref[name], rtol=rtol, atol=0, err_msg=name)
        assert np.array_equal(np.isnan(got[name]), np.isnan(ref[name])), name
        assert np.array_equal(got[name] == 0, ref[name] == 0), name
    return got, ref


def test_the_mfd_reference_is_routings_sdr() -> None:
    z = pit_filled(notched_bowl(30))
    z[12:15, 4:20] = np.nan
    c = random_cover(z.shape)
    ref = sdr_reference(z, flow_direction_mfd(z), c, 40.0)
    layers = sdr_layers(z, c, CELL, "mfd", 40.0)
    for name in ("stream", "d_up", "d_dn"):
        assert np.array_equal(ref[name], layers[name], equal_nan=True), name
    assert np.nanmax(ref["d_dn"]) > 0 and np.nanmax(ref["stream"]) == 1


@pytest.mark.parametrize("threshold", [8.0, 150.0, 900.0])
def test_mfd_ls_and_sdr_one_outlet_across_ten_by_ten_tiles(threshold: float) -> None:
    z = pit_filled(notched_bowl(50))
    got, _ = _check_sdr(z, 5, threshold, band=2)
    assert np.isfinite(got["d_dn"][1:-1, 1:-1]).all()
    assert (got["sdr"][1:-1, 1:-1] > 0).any() and (got["ls"][1:-1, 1:-1] > 0).all()


@pytest.mark.parametrize("tile", [1, 3, (5, 11), 64])
def test_mfd_ls_and_sdr_with_nodata(tile: Any) -> None:
    rng = np.random.default_rng(3)
    z = pitted(rng, (30, 26))
    z[4:9, 5:13] = np.nan
    z[23:30, 0:3] = np.nan
    z = pit_filled(z)
    _, ref = _check_sdr(z, tile, 20.0, band=1)
    assert np.isnan(ref["d_dn"][~np.isnan(z)]).any()  # cells reaching no stream: SDR 0


# --- files and dask -------------------------------------------------------------------------


@pytest.mark.parametrize(("threshold", "tile", "band"), [(5.0, (6, 8), 1), (60.0, 7, 2)])
def test_mfd_files_equal_the_global_ls_and_sdr(
    tmp_path: Path, threshold: float, tile: Any, band: int
) -> None:
    dem, eco, filled, directions = sdr_inputs(tmp_path, "mfd")
    g_ls, g_sdr = ls_and_sdr_rasters(
        dem, eco, COVER, tmp_path / "g" / "ls.tif", tmp_path / "g" / "sdr.tif", "mfd",
        threshold=threshold,
    )  # fmt: skip
    with scheduler("threads"):
        out = ls_and_sdr_tiled(
            filled,
            directions,
            eco,
            COVER,
            tmp_path / "t" / "ls.tif",
            tmp_path / "t" / "sdr.tif",
            tile=tile,
            threshold=threshold,
            band=band,
        )
    for got_path, want_path in zip(out, (g_ls, g_sdr), strict=True):
        with rasterio.open(got_path) as a, rasterio.open(want_path) as b:
            got, want = a.read(1), b.read(1)
            mine, theirs = dict(a.profile), dict(b.profile)
        assert np.isnan(mine.pop("nodata")) and np.isnan(theirs.pop("nodata"))
        assert mine == theirs
        np.testing.assert_allclose(got, want, rtol=RTOL_32, atol=0)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.isfinite(got).sum() > 400 and (got > 0).sum() > 100
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == ["ls.tif", "sdr.tif"]


def test_the_seams_make_each_tiles_order_once_and_keep_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision 0112: the forward seam and stage F make a tile's order (and F its pulls)
    in the tile's first task and read them back from the tile's files in every later
    round (and F in its last pass); no round searches for the cells it reaches."""
    _, eco, filled, directions = sdr_inputs(tmp_path, "mfd")
    made: list[tuple[int, int]] = []
    forward: list[tuple[int, int]] = []
    make, make_forward = tiled_sdr_mfd.up_plan, tiled_accum.forward_order

    def counted(h: Any, tile: Any) -> Any:
        made.append(tile.index)
        return make(h, tile)

    def counted_forward(dh: Any, vh: Any, tile: Any, shape: Any) -> Any:
        forward.append(tile.index)
        return make_forward(dh, vh, tile, shape)

    def refused(*args: Any) -> Any:
        raise AssertionError("a round without its tile's kept order")

    monkeypatch.setattr(tiled_sdr_mfd, "up_plan", counted)
    monkeypatch.setattr(tiled_sdr_mfd, "_up_pass", refused)
    monkeypatch.setattr(tiled_accum, "forward_order", counted_forward)
    monkeypatch.setattr(tiled_accum, "_accumulate_seeded", refused)
    with scheduler("threads"):
        ls_and_sdr_tiled(
            filled, directions, eco, COVER, tmp_path / "ls.tif", tmp_path / "sdr.tif",
            tile=7, threshold=5.0, band=1,
        )  # fmt: skip
    with rasterio.open(filled) as src:
        shape = (src.height, src.width)
    every = sorted({t.index for t in tiles(shape, 7)})
    assert sorted(made) == sorted(forward) == every  # once per tile


def test_mfd_files_without_cover_are_refused_and_leave_nothing(tmp_path: Path) -> None:
    _, eco, filled, directions = sdr_inputs(tmp_path, "mfd")
    targets = (tmp_path / "t" / "ls.tif", tmp_path / "t" / "sdr.tif")
    cover = {k: v for k, v in COVER.items() if k != 3}
    with scheduler("synchronous"), pytest.raises(InputError, match="without a cover factor"):
        ls_and_sdr_tiled(filled, directions, eco, cover, *targets, tile=7)
    assert not (tmp_path / "t").exists() or not list((tmp_path / "t").iterdir())
