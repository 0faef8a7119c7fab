"""One routing for the LS factor and the SDR (issue 19, point 1: "route the DEM once where
LS and SDR can share it"), and the W- and S-weighted accumulations in one traversal: both
give bitwise what the separate routings and traversals give."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine import derived, routing
from landscapes import terraced_hills, write_utm

N = 36
# hills on a tilt with noise (pits to fill), a flat terrace and nodata holes
DEM, CODES = terraced_hills(N, 19, (slice(5, 12), slice(20, 30)))
COVER = {1: 0.006, 2: 0.03, 3: 0.2}
_write = write_utm
RNG = np.random.default_rng(20)  # weights of the accumulations


def _bits(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1).view(np.uint32)


def _separate_and_shared(
    folder: Path, codes: np.ndarray, algorithm: routing.FlowAlgorithm
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    dem = _write(folder / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(folder / "eco.tif", codes, "uint8", 255)
    ls = routing.ls_factor_raster(dem, folder / "ls.tif", algorithm, 100.0)
    sdr = routing.sdr_raster(dem, eco, COVER, folder / "sdr.tif", algorithm, 20.0, 1.8, 0.4)
    ls2, sdr2 = routing.ls_and_sdr_rasters(
        dem,
        eco,
        COVER,
        folder / "ls2.tif",
        folder / "sdr2.tif",
        algorithm,
        100.0,
        20.0,
        1.8,
        0.4,
    )
    return (_bits(ls), _bits(sdr)), (_bits(ls2), _bits(sdr2))


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
def test_one_routing_gives_both_rasters_bitwise(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    algorithm: routing.FlowAlgorithm,
) -> None:
    with caplog.at_level(logging.INFO, logger=routing.__name__):
        apart, together = _separate_and_shared(tmp_path, CODES, algorithm)
    np.testing.assert_array_equal(together[0], apart[0])
    np.testing.assert_array_equal(together[1], apart[1])
    assert "from one routing" in caplog.text
    assert not list(tmp_path.glob(".*.tmp*"))


def _writer_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that write LS rasters, recorded as they start."""
    names: list[str] = []
    original = routing._write_ls

    def spy(*args: Any, **kw: Any) -> None:
        names.append(threading.current_thread().name)
        original(*args, **kw)

    monkeypatch.setattr(routing, "_write_ls", spy)
    return names


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
@pytest.mark.parametrize("file_backed", [True, False])
def test_the_ls_written_beside_the_streams_is_bitwise_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    algorithm: routing.FlowAlgorithm,
    file_backed: bool,
) -> None:
    """A second thread writes the LS raster while the streams are traced from the same
    slope and accumulation, with the working arrays in memory or in files; both rasters
    are bitwise those of the separate functions."""
    monkeypatch.setenv(routing.SCRATCH_CELLS_ENV, "0" if file_backed else str(2**62))
    writers = _writer_threads(monkeypatch)
    apart, together = _separate_and_shared(tmp_path, CODES, algorithm)
    np.testing.assert_array_equal(together[0], apart[0])
    np.testing.assert_array_equal(together[1], apart[1])
    main = threading.main_thread().name
    # ls_factor_raster's own LS, then the shared routing's
    assert writers[0] == main and writers[1] != main


def test_the_ls_thread_is_joined_before_the_sums_reuse_its_buffer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weighted sums overwrite the accumulation the LS thread reads: when they start,
    the LS raster is already written."""
    seen: list[bool] = []
    sums = routing._sdr_sums

    def spy(*args: Any, **kw: Any) -> Any:
        seen.append((tmp_path / "ls.tif").exists())
        return sums(*args, **kw)

    monkeypatch.setattr(routing, "_sdr_sums", spy)
    dem = _write(tmp_path / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(tmp_path / "eco.tif", CODES, "uint8", 255)
    routing.ls_and_sdr_rasters(dem, eco, COVER, tmp_path / "ls.tif", tmp_path / "sdr.tif")
    assert seen == [True]


def test_a_failed_ls_beside_the_sdr_fails_the_pair_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The LS thread's error is raised by the call, before the SDR's sums, and neither
    raster (nor a temporary file) is left."""

    def broken(*args: Any, **kw: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(routing, "_write_ls", broken)
    dem = _write(tmp_path / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(tmp_path / "eco.tif", CODES, "uint8", 255)
    with pytest.raises(OSError, match="No space left"):
        routing.ls_and_sdr_rasters(dem, eco, COVER, tmp_path / "ls.tif", tmp_path / "sdr.tif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "eco.tif"]


def test_a_failed_sdr_waits_for_the_ls_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the streams fail while the LS raster is being written beside them, the call
    returns only once that thread is done: the LS raster is then whole (bitwise the
    separate function's) and no temporary file is left."""
    writers = _writer_threads(monkeypatch)

    def broken(*args: Any, **kw: Any) -> None:
        raise MemoryError("streams")

    monkeypatch.setattr(routing, "_streams_into", broken)
    dem = _write(tmp_path / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(tmp_path / "eco.tif", CODES, "uint8", 255)
    with pytest.raises(MemoryError, match="streams"):
        routing.ls_and_sdr_rasters(dem, eco, COVER, tmp_path / "ls.tif", tmp_path / "sdr.tif")
    assert writers and writers[0] != threading.main_thread().name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "eco.tif", "ls.tif"]
    alone = routing.ls_factor_raster(dem, tmp_path / "alone.tif", "mfd", 122.0)
    np.testing.assert_array_equal(_bits(tmp_path / "ls.tif"), _bits(alone))


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
def test_cells_without_cover_route_apart(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    algorithm: routing.FlowAlgorithm,
) -> None:
    """Code 7 has no C: the SDR masks those DEM cells and the LS factor does not, so one
    routing cannot serve both; each raster is then its own function's."""
    codes = CODES.copy()
    codes[14:20, 3:9] = 7
    with caplog.at_level(logging.INFO, logger=routing.__name__):
        apart, together = _separate_and_shared(tmp_path, codes, algorithm)
    np.testing.assert_array_equal(together[0], apart[0])
    np.testing.assert_array_equal(together[1], apart[1])
    lost = int(np.count_nonzero(DEM[14:20, 3:9] != -9999.0))  # DEM cells given code 7
    assert "routed apart" in caplog.text and f"leaves {lost} DEM cells" in caplog.text


@pytest.mark.parametrize("mfd", [True, False])
def test_two_accumulations_in_one_traversal_equal_two_traversals(mfd: bool) -> None:
    z = DEM.astype(np.float64)
    z[z == -9999.0] = np.nan
    routing.fill_pits(z)
    directions = routing.flow_direction_mfd(z) if mfd else routing.flow_direction_d8(z)
    valid = ~np.isnan(z)
    w1 = RNG.uniform(0.001, 1.0, z.shape).astype(np.float32)
    w2 = RNG.uniform(0.005, 1.0, z.shape).astype(np.float32)
    apart = [routing.flow_accumulation(directions, valid, w) for w in (w1, w2)]
    state = routing._state_from_mask(valid)
    routing._count_degrees(directions, state, mfd)
    one, two = np.empty(z.shape), np.empty(z.shape)
    routing._accumulate(directions, state, mfd, one, w1, True, True, two, w2, routing._NO_ORDER)
    np.testing.assert_array_equal(one.view(np.uint64), apart[0].view(np.uint64))
    np.testing.assert_array_equal(two.view(np.uint64), apart[1].view(np.uint64))
    assert np.nanmax(one) > 10 * np.nanmax(w1)  # flow did accumulate


def _landscape(seed: int, size: int) -> np.ndarray:
    """Hills with noise (pits), a flat, nodata holes; pit-filled, float64."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    z = 100 + 60 * np.sin(3 * xx + seed) * np.cos(2 * yy + 2) + 30 * yy
    z += 0.5 * rng.standard_normal((size, size))
    z[size // 4 : size // 3, size // 2 : size // 2 + 5] = z.mean()
    z[rng.random((size, size)) < 0.03] = np.nan
    routing.fill_pits(z)
    return z


@pytest.mark.parametrize("mfd", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_replaying_the_order_of_the_first_traversal_gives_bitwise_its_sums(
    mfd: bool, seed: int
) -> None:
    """The SDR's weighted accumulations and distance to stream replay the order in which
    the flow accumulation passed the cells on: bitwise the traversals of their own."""
    z = _landscape(seed, 41)
    directions = routing.flow_direction_mfd(z) if mfd else routing.flow_direction_d8(z)
    valid = ~np.isnan(z)
    rng = np.random.default_rng(seed)
    w1 = rng.uniform(0.001, 1.0, z.shape).astype(np.float32)
    w2 = rng.uniform(0.005, 1.0, z.shape).astype(np.float32)
    state = routing._state_from_mask(valid)
    routing._count_degrees(directions, state, mfd)
    order = np.zeros(z.size, dtype=np.uint32)
    acc = np.empty(z.shape)
    none = routing._NO_WEIGHTS
    routing._accumulate(directions, state, mfd, acc, none, False, False, none, none, order)
    n = routing._routed_cells(state)
    assert n == valid.sum()
    assert sorted(order[:n].tolist()) == np.flatnonzero(valid).tolist()  # each cell once
    # the stack traversal, afresh
    one, two = np.empty(z.shape), np.empty(z.shape)
    fresh = routing._state_from_mask(valid)
    routing._count_degrees(directions, fresh, mfd)
    routing._accumulate(directions, fresh, mfd, one, w1, True, True, two, w2, routing._NO_ORDER)
    # the replay
    r1, r2 = np.empty(z.shape), np.empty(z.shape)
    routing._accumulate_in_order(order, n, directions, state, mfd, r1, w1, True, True, r2, w2)
    np.testing.assert_array_equal(r1.view(np.uint64), one.view(np.uint64))
    np.testing.assert_array_equal(r2.view(np.uint64), two.view(np.uint64))
    # distance to stream, downstream first: the countdown traversal against the order
    stream = np.where(valid, (acc > 30).astype(np.uint8), np.uint8(255))
    down, replayed = np.empty(z.shape), np.empty(z.shape)
    routing._count_degrees(directions, fresh, mfd)
    routing._distance_down(directions, fresh, stream, none, w1, w2, True, mfd, down)
    routing._distance_in_order(order, n, directions, stream, none, w1, w2, True, mfd, replayed)
    np.testing.assert_array_equal(replayed.view(np.uint64), down.view(np.uint64))
    assert np.isfinite(down).sum() > valid.sum() // 2  # most cells reach a stream
    # and a wrong order (raster order, not topological) is caught by the comparison
    wrong = np.sort(order[:n])
    bad = np.empty(z.shape)
    routing._distance_in_order(wrong, n, directions, stream, none, w1, w2, True, mfd, bad)
    assert not np.array_equal(bad, down, equal_nan=True)


def _derived_inputs(folder: Path) -> tuple[dict[str, Path], dict[str, str], Any]:
    """The DEM and ecosystem map written to ``folder`` as an account's derived layers'
    sources, their checksums (made up) and the default parameter set."""
    dem = _write(folder / "dem.tif", DEM, "float32", -9999.0)
    eco = _write(folder / "eco.tif", CODES, "uint8", 255)
    sha = {"dem": "a" * 64, "ecosystem_type": "b" * 64}
    return {"dem": dem, "ecosystem_type": eco}, sha, load_parameter_set("jiangxi-default")


def test_the_account_routes_ls_and_sdr_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The derived layers of an account: an absent pair is built by one routing; once one
    of the two is cached, the other is built by its own function and the cache reused."""
    sources, sha, params = _derived_inputs(tmp_path)
    calls: list[str] = []
    for name in ("ls_factor_raster", "sdr_raster", "ls_and_sdr_rasters"):
        original = getattr(routing, name)

        def spy(*args: object, _f: object = original, _n: str = name, **kw: object) -> object:
            calls.append(_n)
            return _f(*args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(routing, name, spy)
    roles = ["sdr_mfd", "ls_factor_mfd"]
    built = derived.ensure_derived_all(roles, sources, sha, params, tmp_path / "derived")
    assert calls == ["ls_and_sdr_rasters"]
    assert list(built) == ["ls_factor_mfd", "sdr_mfd"]
    for role, (path, fresh) in built.items():
        assert fresh and path == derived.derived_path(role, sha, params, tmp_path / "derived")
    calls.clear()
    again = derived.ensure_derived_all(roles, sources, sha, params, tmp_path / "derived")
    assert calls == [] and all(not fresh for _, fresh in again.values())
    built["sdr_mfd"][0].unlink()
    calls.clear()
    derived.ensure_derived_all([*roles, "sdr_d8"], sources, sha, params, tmp_path / "derived")
    assert calls == ["sdr_raster", "sdr_raster"]  # sdr_d8 alone, sdr_mfd beside a cached LS


def _fill_by_relaxation(z: np.ndarray) -> np.ndarray:
    """The filled surface by its definition, independently of any flooding order: the
    lowest W ≥ z with W = z on the outlets (edge cells and cells next to nodata) and no
    cell lower than all its neighbours; iterated W ← max(z, min(W, min over the eight
    neighbours of W)) from W = +∞ off the outlets (Planchon & Darboux 2002 with ε = 0),
    until nothing changes. Heights are only copied, so it is exact in the DEM's type."""
    valid = ~np.isnan(z)
    pad = np.pad(valid, 1, constant_values=False)
    rows, cols = z.shape
    outlet = valid & ~np.all(
        [pad[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols] for dr, dc in _EIGHT], axis=0
    )
    w = np.where(outlet, z, np.inf).astype(z.dtype)
    w[~valid] = np.nan
    while True:
        p = np.pad(np.where(valid, w, np.inf), 1, constant_values=np.inf)
        low = np.min([p[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols] for dr, dc in _EIGHT], 0)
        new = np.where(outlet | ~valid, w, np.maximum(z, np.minimum(w, low)))
        if np.array_equal(new, w, equal_nan=True):
            return w
        w = new


_EIGHT = [(0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fill_equals_the_surface_by_definition(seed: int, dtype: type) -> None:
    """Random landscapes with pits, plateaus, nested depressions and nodata: the fill
    (Priority-Flood with slope cells taken off the queue) is bitwise the relaxation's."""
    rng = np.random.default_rng(seed)
    n, m = rng.integers(3, 40, size=2)
    yy, xx = np.mgrid[0:n, 0:m]
    z = 5 * np.sin(xx / rng.uniform(1, 6)) * np.cos(yy / rng.uniform(1, 6)) + 0.1 * yy
    z = z + rng.normal(0, rng.choice([0.1, 2.0]), (n, m))
    z = np.round(z, int(rng.integers(0, 3)))  # ties and plateaus
    z[rng.random((n, m)) < rng.choice([0.0, 0.05, 0.2])] = np.nan
    z = z.astype(dtype)
    expected = _fill_by_relaxation(z)
    routing.fill_pits(z)
    np.testing.assert_array_equal(z, expected)
    if np.isfinite(expected).any():
        assert np.nanmax(expected) >= np.nanmax(z)


def test_strips_computed_in_threads_are_written_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many small strips, three threads computing them: the raster is bitwise the one a
    single thread writes, and a strip that fails leaves no raster behind."""
    dem = _write(tmp_path / "dem.tif", DEM, "float32", -9999.0)
    monkeypatch.setattr(routing, "STRIP_ROWS", 3)
    monkeypatch.setattr(routing, "STRIP_THREADS", 1)
    one = _bits(routing.ls_factor_raster(dem, tmp_path / "one.tif"))
    monkeypatch.setattr(routing, "STRIP_THREADS", 3)
    three = _bits(routing.ls_factor_raster(dem, tmp_path / "three.tif"))
    np.testing.assert_array_equal(three, one)
    assert np.isfinite(three.view(np.float32)).sum() > N * N / 2

    def failing(r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        if r0 >= 9:
            raise RuntimeError("strip failed")
        return np.zeros((r1 - r0, c1 - c0), dtype=np.float32)

    profile = {
        "driver": "GTiff",
        "width": N,
        "height": N,
        "count": 1,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000, 3_000_000, 30, 30),
    }
    with pytest.raises(RuntimeError, match="strip failed"):
        routing._write_strips(tmp_path / "failed.tif", profile, N, N, failing)
    assert not list(tmp_path.glob("failed*")) and not list(tmp_path.glob(".*.tmp*"))


def test_traversals_deeper_than_their_first_stack_resume_on_a_larger_one() -> None:
    """The traversals start on a stack of 1024 cells and, when a cell's neighbours might
    not fit, stop and resume on one twice as large. Two hand-made flow graphs push a cell
    for every step down a 3000-cell chain: the stacks grow twice, and every sum and
    distance is the one a plain Python traversal gives."""
    rows = 3000
    # MFD: column 0 flows south (k=6) and east (k=0) in equal shares, column 1 nowhere;
    # each chain cell pushes its east neighbour first and the next chain cell on top
    packed = np.zeros((rows, 2), dtype=np.uint32)
    packed[:-1, 0] = (1 << 0) | (1 << 24)
    packed[-1, 0] = 1
    valid = np.ones((rows, 2), dtype=bool)
    state = routing._state_from_mask(valid)
    routing._count_degrees(packed, state, True)
    acc = np.empty((rows, 2))
    none = routing._NO_WEIGHTS
    deepest = routing._accumulate(
        packed, state, True, acc, none, False, False, none, none, routing._NO_ORDER
    )
    assert deepest > 2048
    chain, side = np.empty(rows), np.empty(rows)
    passed = 0.0
    for r in range(rows):
        chain[r] = 1.0 + passed
        share = 0.5 if r < rows - 1 else 1.0
        side[r] = 1.0 + chain[r] * share
        passed = chain[r] * 0.5
    np.testing.assert_array_equal(acc[:, 0], chain)
    np.testing.assert_array_equal(acc[:, 1], side)
    # D8, distance to stream (upstream first): row 1 flows east to the stream at its
    # end, each row-0 cell south into it; row 0's cells wait below the chain's next cell
    d8 = np.zeros((2, rows), dtype=np.uint8)
    d8[0, :] = 6
    d8[1, :-1] = 0
    d8[1, -1] = routing.D8_NONE
    valid = np.ones((2, rows), dtype=bool)
    stream = np.zeros((2, rows), dtype=np.uint8)
    stream[1, -1] = 1
    state = routing._state_from_mask(valid)
    routing._count_degrees(d8, state, False)
    weight = np.full((2, rows), 2.0)
    dist = np.empty((2, rows))
    deepest = routing._distance_down(
        d8, state, stream, weight, routing._NO_W32, routing._NO_W32, False, False, dist
    )
    assert deepest > 2048
    steps = np.arange(rows - 1, -1, -1, dtype=np.float64)
    np.testing.assert_array_equal(dist[1], 2.0 * steps)
    np.testing.assert_array_equal(dist[0], 2.0 * steps + 2.0)


def test_ensure_derived_all_says_once_when_the_routing_goes_on_on_one_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``on_one_thread`` (decision 0104) is called once per call: by the shared routing
    of an LS and SDR pair after its threaded stages, before the accumulation; at once
    before a routing of one layer alone, and when everything is cached (nothing to
    wait for)."""
    sources, sha, params = _derived_inputs(tmp_path)
    events: list[str] = []
    real_route, real_cells = routing._route, routing._cells_upstream

    def route(*args: Any, **kw: Any) -> Any:
        events.append("threaded stages")
        return real_route(*args, **kw)

    def cells(*args: Any, **kw: Any) -> Any:
        events.append("accumulation")
        return real_cells(*args, **kw)

    monkeypatch.setattr(routing, "_route", route)
    monkeypatch.setattr(routing, "_cells_upstream", cells)
    folder = tmp_path / "derived"

    def ensure(roles: list[str]) -> None:
        derived.ensure_derived_all(
            roles, sources, sha, params, folder, on_one_thread=lambda: events.append("one")
        )

    ensure(["sdr_mfd", "ls_factor_mfd"])
    assert events == ["threaded stages", "one", "accumulation"]
    events.clear()
    ensure(["sdr_mfd", "ls_factor_mfd"])  # both cached: no routing, called at once
    assert events == ["one"]
    events.clear()
    ensure(["ls_factor_d8"])  # one layer alone: at once, before its routing
    assert events[0] == "one" and events.count("one") == 1 and "threaded stages" in events
