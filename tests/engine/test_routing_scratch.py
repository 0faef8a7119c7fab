"""Routing's bounded working set: file-backed (memmap) working arrays, the scratch folder's
lifetime, the traversal order without index arrays, and float32 DEMs held exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ganpo.engine import routing
from ganpo.errors import InputError
from tinydata import write_raster

N = 40
RNG = np.random.default_rng(11)
YY, XX = np.mgrid[0:N, 0:N] / N
# hills on a tilt with noise (pits to fill) and a few nodata holes
DEM = (100 + 60 * np.sin(3 * XX + 1) * np.cos(2 * YY + 2) + 30 * YY).astype("float32")
DEM += (0.5 * RNG.standard_normal((N, N))).astype("float32")
DEM[RNG.random((N, N)) < 0.03] = -9999.0
CODES = RNG.choice([1, 2, 3, 7], size=(N, N)).astype("uint8")
COVER = {1: 0.006, 2: 0.03, 3: 0.2}  # code 7 has no C: masked like nodata


def _write(path: Path, data: np.ndarray, dtype: str, nodata: float) -> Path:
    transform = from_origin(500_000, 3_000_000, 30, 30)
    write_raster(path, data.astype(dtype), nodata=nodata, crs="EPSG:32650", transform=transform)
    return path


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    return (
        _write(tmp_path / "dem.tif", DEM, "float32", -9999.0),
        _write(tmp_path / "eco.tif", CODES, "uint8", 255),
    )


class _Spy:
    """Records whether each Workspace allocation was file-backed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.file_backed: list[bool] = []
        self.folders: list[Path] = []
        original = routing.Workspace.empty

        def empty(ws: routing.Workspace, shape: tuple[int, int], dtype: Any) -> Any:
            self.file_backed.append(ws.file_backed)
            if ws.folder is not None:
                self.folders.append(ws.folder)
                assert ws.folder.is_dir()
            return original(ws, shape, dtype)

        monkeypatch.setattr(routing.Workspace, "empty", empty)


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
def test_file_backed_arrays_give_identical_rasters(
    inputs: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    algorithm: routing.FlowAlgorithm,
) -> None:
    dem, eco = inputs
    spy = _Spy(monkeypatch)
    ls_mem = _read(routing.ls_factor_raster(dem, tmp_path / "a.tif", algorithm))
    sdr_mem = _read(routing.sdr_raster(dem, eco, COVER, tmp_path / "b.tif", algorithm, 50.0))
    assert spy.file_backed and not any(spy.file_backed)  # 1600 cells: below the default
    spy.file_backed.clear()
    ls_file = _read(routing.ls_factor_raster(dem, tmp_path / "c.tif", algorithm, scratch_cells=0))
    sdr_file = _read(
        routing.sdr_raster(dem, eco, COVER, tmp_path / "d.tif", algorithm, 50.0, scratch_cells=0)
    )
    assert spy.file_backed and all(spy.file_backed)
    np.testing.assert_array_equal(ls_file, ls_mem)
    np.testing.assert_array_equal(sdr_file, sdr_mem)
    # the result is not trivial: streams (0), hillslopes (> 0) and nodata (NaN)
    assert (sdr_mem == 0).any() and (sdr_mem > 0).any() and np.isnan(sdr_mem).any()
    # every scratch folder (made in the target's folder) is gone again
    assert spy.folders and all(f.parent == tmp_path for f in spy.folders)
    assert not any(f.exists() for f in spy.folders)
    assert not list(tmp_path.glob(".ganpo-routing-*")) and not list(tmp_path.glob(".*.tmp*"))


def test_environment_threshold_and_scratch_folder(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dem, eco = inputs
    spy = _Spy(monkeypatch)
    monkeypatch.setenv(routing.SCRATCH_CELLS_ENV, str(N * N))  # = the cell count: file-backed
    scratch = tmp_path / "scratch"
    routing.sdr_raster(dem, eco, COVER, tmp_path / "out" / "sdr.tif", scratch=scratch)
    assert spy.file_backed and all(spy.file_backed)
    assert {f.parent for f in spy.folders} == {scratch}
    assert scratch.is_dir() and not list(scratch.iterdir())  # its temporary folder removed
    spy.file_backed.clear()
    monkeypatch.setenv(routing.SCRATCH_CELLS_ENV, str(N * N + 1))  # one more: in memory
    routing.ls_factor_raster(dem, tmp_path / "ls.tif")
    assert spy.file_backed and not any(spy.file_backed)
    assert routing.scratch_threshold(7) == 7  # the argument wins over the environment
    monkeypatch.delenv(routing.SCRATCH_CELLS_ENV)
    assert routing.scratch_threshold() == routing.DEFAULT_SCRATCH_CELLS


@pytest.mark.parametrize("raw", ["lots", "-5", "1e6"])
def test_bad_threshold_is_refused(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv(routing.SCRATCH_CELLS_ENV, raw)
    with pytest.raises(InputError, match="GANPO_ROUTING_SCRATCH_CELLS") as err:
        routing.ls_factor_raster(inputs[0], tmp_path / "ls.tif")
    assert err.value.field == routing.SCRATCH_CELLS_ENV
    with pytest.raises(InputError, match="scratch_cells must be ≥ 0"):
        routing.scratch_threshold(-1)


@pytest.mark.parametrize("kind", ["ls", "sdr"])
def test_scratch_folder_is_removed_after_an_error(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    dem, eco = inputs
    spy = _Spy(monkeypatch)

    def broken(*args: object) -> int:
        raise RuntimeError("accumulation failed")

    monkeypatch.setattr(routing, "_accumulate", broken)
    scratch = tmp_path / "scratch"
    with pytest.raises(RuntimeError, match="accumulation failed"):
        if kind == "ls":
            routing.ls_factor_raster(dem, tmp_path / "x.tif", scratch=scratch, scratch_cells=0)
        else:
            routing.sdr_raster(
                dem, eco, COVER, tmp_path / "x.tif", scratch=scratch, scratch_cells=0
            )
    assert spy.folders  # it was file-backed, in a folder inside scratch ...
    assert not list(scratch.iterdir())  # ... which is gone
    assert not (tmp_path / "x.tif").exists() and not list(tmp_path.glob(".*.tmp*"))


def test_writing_error_leaves_no_half_written_raster(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(routing.rusle, "ls_factor", broken)
    with pytest.raises(OSError, match="disk full"):
        routing.ls_factor_raster(inputs[0], tmp_path / "ls.tif", scratch_cells=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dem.tif", "eco.tif"]


def _reference_accumulation(
    directions: np.ndarray, valid: np.ndarray, mfd: bool, weights: np.ndarray
) -> np.ndarray:
    """Upstream-first accumulation with an N-sized stack of all cells without inflow,
    pushed in raster order (the earlier version's scheme), in plain Python."""
    rows, cols = valid.shape

    def share(r: int, c: int, k: int) -> float:
        if not mfd:
            return 1.0 if directions[r, c] == k else 0.0
        v = int(directions[r, c])
        total = sum((v >> (4 * j)) & 15 for j in range(8))
        return ((v >> (4 * k)) & 15) / total if total else 0.0

    def downstream(r: int, c: int) -> list[tuple[int, int, float]]:
        out = []
        for k in range(8):
            rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
            if 0 <= rn < rows and 0 <= cn < cols and valid[rn, cn] and share(r, c, k) > 0:
                out.append((rn, cn, share(r, c, k)))
        return out

    indegree = np.zeros(valid.shape, dtype=int)
    acc = np.where(valid, weights, np.nan)
    for r, c in zip(*np.nonzero(valid), strict=True):
        for rn, cn, _ in downstream(r, c):
            indegree[rn, cn] += 1
    stack = [(r, c) for r, c in zip(*np.nonzero(valid & (indegree == 0)), strict=True)]
    while stack:
        r, c = stack.pop()
        for rn, cn, s in downstream(r, c):
            acc[rn, cn] += acc[r, c] * s
            indegree[rn, cn] -= 1
            if indegree[rn, cn] == 0:
                stack.append((rn, cn))
    return acc


@pytest.mark.parametrize("algorithm", ["mfd", "d8"])
def test_accumulation_sums_in_the_order_of_a_full_source_stack(
    algorithm: routing.FlowAlgorithm,
) -> None:
    z = DEM.astype(np.float64)
    z[z == -9999.0] = np.nan
    routing.fill_pits(z)
    mfd = algorithm == "mfd"
    d = routing.flow_direction_mfd(z) if mfd else routing.flow_direction_d8(z)
    valid = ~np.isnan(z)
    w = RNG.uniform(0.001, 1.0, z.shape)
    got = routing.flow_accumulation(d, valid, w)
    np.testing.assert_array_equal(got, _reference_accumulation(d, valid, mfd, w))  # bitwise
    assert np.nanmax(got) > 20 * np.nanmax(w)  # flow gathers: the test is not trivial


def test_distance_downstream_first_matches_a_topological_reference() -> None:
    z = DEM.astype(np.float64)
    z[z == -9999.0] = np.nan
    routing.fill_pits(z)
    d = routing.flow_direction_mfd(z)
    acc = routing.flow_accumulation(d, ~np.isnan(z))
    stream = routing.extract_streams(acc, d, 40.0)
    w = RNG.uniform(1.0, 5.0, z.shape)
    got = routing.distance_to_stream(d, stream, w)
    # reference: repeat d_i = Σ p (w_n + d_n) / Σ p over the neighbours reaching a stream
    # until nothing changes (a fixed point; the flow graph has no cycles)
    ref = np.where(stream == 1, 0.0, np.nan)
    rows, cols = z.shape
    for _ in range(rows * cols):
        before = ref.copy()
        for r in range(rows):
            for c in range(cols):
                if stream[r, c] != 0:
                    continue
                total, weighted = 0.0, 0.0
                for k in range(8):
                    share = (int(d[r, c]) >> (4 * k)) & 15
                    rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
                    if share and 0 <= rn < rows and 0 <= cn < cols and not np.isnan(ref[rn, cn]):
                        total += share
                        weighted += share * (w[rn, cn] + ref[rn, cn])
                if total > 0:
                    ref[r, c] = weighted / total
        if np.array_equal(before, ref, equal_nan=True):
            break
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert np.isfinite(got).sum() > (stream == 1).sum()  # distances off the streams


def test_float32_dem_is_held_exactly(tmp_path: Path) -> None:
    # the same heights as float32 (held in float32) and float64 files (held in float64)
    a = _write(tmp_path / "f32.tif", DEM, "float32", -9999.0)
    b = _write(tmp_path / "f64.tif", DEM.astype("float64"), "float64", -9999.0)
    c = _write(tmp_path / "i16.tif", np.round(DEM), "int16", -9999.0)
    assert routing._open_dem(a)[3] == np.float32 and routing._open_dem(b)[3] == np.float64
    assert routing._open_dem(c)[3] == np.float32
    ls_a = _read(routing.ls_factor_raster(a, tmp_path / "a.tif"))
    ls_b = _read(routing.ls_factor_raster(b, tmp_path / "b.tif"))
    np.testing.assert_array_equal(ls_a, ls_b)
    z, _, _ = routing.read_dem(c)
    assert z.dtype == np.float64 and np.isnan(z[DEM == -9999.0]).all()


def test_small_chunks_give_the_same_rasters(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dem, eco = inputs
    ls = _read(routing.ls_factor_raster(dem, tmp_path / "a.tif"))
    sdr = _read(routing.sdr_raster(dem, eco, COVER, tmp_path / "b.tif", threshold=50.0))
    # read 19 rows at a time (768 // 40), computed 3 columns at a time (the last one: 1)
    monkeypatch.setattr(routing, "CHUNK_CELLS", 3 * routing.STRIP_ROWS)
    np.testing.assert_array_equal(_read(routing.ls_factor_raster(dem, tmp_path / "c.tif")), ls)
    chunked = routing.sdr_raster(dem, eco, COVER, tmp_path / "d.tif", threshold=50.0)
    np.testing.assert_array_equal(_read(chunked), sdr)


def _reference_streams_mfd(acc: np.ndarray, packed: np.ndarray, threshold: float) -> np.ndarray:
    """extract_streams' MFD rule in plain Python with unbounded lists (outlets, then
    breadth-first upstream, candidates ≥ 0.7·threshold kept below a ≥ threshold cell)."""
    rows, cols = acc.shape
    stream = np.full(acc.shape, 255, dtype=np.uint8)

    def sends(r: int, c: int, k: int) -> bool:
        return bool((int(packed[r, c]) >> (4 * k)) & 15)

    def near(r: int, c: int) -> list[tuple[int, int, int]]:
        out = []
        for k in range(8):
            rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
            out.append((k, rn, cn))
        return out

    def inside(r: int, c: int) -> bool:
        return 0 <= r < rows and 0 <= c < cols

    for r0 in range(rows):
        for c0 in range(cols):
            if np.isnan(acc[r0, c0]) or stream[r0, c0] != 255:
                continue
            stream[r0, c0] = 0
            if acc[r0, c0] < threshold or not any(
                sends(r0, c0, k) and (not inside(rn, cn) or np.isnan(acc[rn, cn]))
                for k, rn, cn in near(r0, c0)
            ):
                continue
            stream[r0, c0] = 1
            queue = [(r0, c0)]
            while queue:
                r, c = queue.pop(0)
                for k, rn, cn in near(r, c):
                    if not inside(rn, cn) or not sends(rn, cn, (k + 4) % 8):
                        continue
                    if stream[rn, cn] in (1, 2):
                        continue
                    if acc[rn, cn] >= threshold:
                        stream[rn, cn] = 1
                        queue.append((rn, cn))
                        back = [(rn, cn)]
                        while back:
                            rb, cb = back.pop(0)
                            for m, rs, cs in near(rb, cb):
                                if sends(rb, cb, m) and inside(rs, cs) and stream[rs, cs] == 2:
                                    stream[rs, cs] = 1
                                    back.append((rs, cs))
                    elif acc[rn, cn] >= 0.7 * threshold:
                        stream[rn, cn] = 2
                        queue.append((rn, cn))
    stream[stream == 2] = 0
    return stream


def test_mfd_streams_with_long_queues_match_a_plain_reference() -> None:
    # low thresholds on a 60² DEM: thousands of stream cells per outlet, and at 0.5 every
    # cell is one, so the kernel's two queues (as long as the raster) fill to the last
    # entry (numba checks no bounds: an entry too many would corrupt memory silently)
    n = 60
    yy, xx = np.mgrid[0:n, 0:n] / n
    z = 50 * np.sin(3 * xx + 1) * np.cos(2 * yy + 2) + 20 * yy + RNG.standard_normal((n, n))
    routing.fill_pits(z)
    d = routing.flow_direction_mfd(z)
    acc = routing.flow_accumulation(d, np.ones(z.shape, dtype=bool))
    for threshold in (0.5, 3.0, 30.0):
        got = routing.extract_streams(acc, d, threshold)
        np.testing.assert_array_equal(got, _reference_streams_mfd(acc, d, threshold))
    assert (routing.extract_streams(acc, d, 3.0) == 1).sum() > 1024
    assert (routing.extract_streams(acc, d, 0.5) == 1).sum() == n * n
