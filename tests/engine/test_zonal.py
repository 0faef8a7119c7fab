"""The pass's per-block sums (ganpo.engine.zonal): the numba kernels add what numpy's
bincount adds, in the same order (bitwise), and a layer is read once per block however
many arrays of the pass use it."""

from __future__ import annotations

import math
from pathlib import Path

import dask
import dask.array as da
import numpy as np
import pytest
import rasterio
from hypothesis import given, settings
from hypothesis import strategies as st
from rasterio.transform import from_origin
from shapely.geometry import box

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine import histogram, rasters, zonal
from ganpo.engine.zonal import (
    N_CODES,
    CodeCensus,
    LayerCount,
    _block_sums,
    code_census_graph,
    zonal_sums_graph,
    zone_index,
)


def reference(
    zones: np.ndarray,
    codes: np.ndarray,
    n_zones: int,
    values: list[np.ndarray],
    masks: list[np.ndarray],
    checked: list[np.ndarray],
    specs: list[LayerCount],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same rows computed with numpy's bincount and boolean masks, as the pass did
    before its kernels (2026-12-02)."""
    inside = zones >= 0
    typed = inside & (codes != RASTER_NODATA)
    keys = zones.astype("int64") * N_CODES + codes.astype("int64")
    n_keys = n_zones * N_CODES
    out = np.zeros((1 + 2 * len(values) + len(masks), n_keys))
    out[0] = np.bincount(keys[inside], minlength=n_keys)
    for k, v in enumerate(values):
        finite = inside & np.isfinite(v)
        out[1 + 2 * k] = np.bincount(keys[finite], weights=v[finite], minlength=n_keys)
        out[2 + 2 * k] = np.bincount(keys[inside & ~finite], minlength=n_keys)
    for j, m in enumerate(masks):
        out[1 + 2 * len(values) + j] = np.bincount(keys[inside & m], minlength=n_keys)
    ranges = np.full((2, len(checked)), np.nan)
    counted = np.zeros((len(checked), 2 + n_zones + histogram.N_BINS))
    for j, (a, spec) in enumerate(zip(checked, specs, strict=True)):
        cells = a[inside & np.isfinite(a)]
        if cells.size:
            ranges[:, j] = cells.min(), cells.max()
        lo, hi = spec.soft
        counted[j, 0] = np.count_nonzero(cells < lo)
        counted[j, 1] = np.count_nonzero(cells > hi)
        with_data = typed & np.isfinite(a)
        counted[j, 2 : 2 + n_zones] = np.bincount(zones[with_data], minlength=n_zones)
        if spec.histogram:
            bins = [histogram.bin_of(float(x)) for x in a[with_data]]
            counted[j, 2 + n_zones :] = np.bincount(
                np.array(bins, dtype=np.int64), minlength=histogram.N_BINS
            )
    return out, ranges, counted


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 40),
    cols=st.integers(1, 40),
    n_zones=st.integers(1, 4),
)
def test_block_sums_are_bitwise_those_of_bincount(
    seed: int, rows: int, cols: int, n_zones: int
) -> None:
    rng = np.random.default_rng(seed)
    shape = (rows, cols)
    zones = rng.integers(-1, n_zones, shape).astype(np.int32)
    codes = rng.choice(np.array([0, 3, 17, RASTER_NODATA]), shape).astype(np.uint8)

    def value() -> np.ndarray:
        v = rng.normal(size=shape) * 10.0 ** float(rng.integers(-3, 6))
        v[rng.random(shape) < 0.2] = np.nan
        v[rng.random(shape) < 0.05] = np.inf
        return v

    values = [value(), value(), rng.normal(size=shape).astype(np.float32)]
    masks = [rng.random(shape) < 0.4]
    checked = [value(), np.abs(value()), np.full(shape, np.nan)]
    specs = [LayerCount((-1.0, 1.0), True), LayerCount((-math.inf, 5), True), LayerCount()]
    part = _block_sums(zones, codes, n_zones, 3, 1, specs, *values, *masks, *checked)
    got = zonal._dense(part, n_zones)
    want = reference(zones, codes, n_zones, values, masks, checked, specs)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        assert np.array_equal(g, w, equal_nan=True)
    # the block's rows hold exactly the keys it has cells of, ascending
    keys = np.unique((zones * N_CODES + codes)[zones >= 0])
    np.testing.assert_array_equal(part[0], keys)
    assert part[1].shape == (1 + 2 * 3 + 1, keys.size)

    # two blocks added key by key: bitwise the dense rows of each added
    top = [a[: rows // 2] for a in (zones, codes, *values, *masks, *checked)]
    bottom = [a[rows // 2 :] for a in (zones, codes, *values, *masks, *checked)]
    a = _block_sums(top[0], top[1], n_zones, 3, 1, specs, *top[2:])
    b = _block_sums(bottom[0], bottom[1], n_zones, 3, 1, specs, *bottom[2:])
    added = zonal._dense(zonal._combine(a, b), n_zones)
    da_, db_ = zonal._dense(a, n_zones), zonal._dense(b, n_zones)
    assert np.array_equal(added[0], da_[0] + db_[0])
    assert np.array_equal(added[0].view(np.uint64), (da_[0] + db_[0]).view(np.uint64))
    assert np.array_equal(added[2], da_[2] + db_[2])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    rows=st.integers(1, 30),
    cols=st.integers(1, 60),
    n_zones=st.integers(1, 3),
    patch=st.integers(1, 9),
)
def test_block_sums_in_patches_are_bitwise_those_of_bincount(
    seed: int, rows: int, cols: int, n_zones: int, patch: int
) -> None:
    """As above, on maps in patches (a coarse map repeated ``patch`` × ``patch``, with a
    few cells of their own): the kernels hold a slot's sums, a zone's count and the last
    value's histogram bin while the next cells share them; runs of +0.0 (whose bits the
    bin cache starts from), −0.0, NaN, ∞ and subnormals included."""
    rng = np.random.default_rng(seed)
    coarse = (-(-rows // patch), -(-cols // patch))

    def patches(a: np.ndarray) -> np.ndarray:
        return np.repeat(np.repeat(a, patch, axis=0), patch, axis=1)[:rows, :cols].copy()

    zones = patches(rng.integers(-1, n_zones, coarse).astype(np.int32))
    codes = patches(rng.choice(np.array([0, 3, RASTER_NODATA]), coarse).astype(np.uint8))
    choices = np.array([0.0, -0.0, 1.5, -2.0, 7e-310, np.nan, np.inf, 3e5, 0.25])

    def value() -> np.ndarray:
        v = patches(rng.choice(choices, coarse))
        own = rng.random((rows, cols)) < 0.1  # cells of their own inside the patches
        v[own] = rng.normal(size=int(own.sum()))
        return v

    values, masks = [value(), value()], [patches(rng.random(coarse) < 0.5)]
    checked = [value(), value()]
    specs = [LayerCount((-1.0, 1.0), True), LayerCount((0.0, 10.0), True)]
    got = zonal._dense(
        _block_sums(zones, codes, n_zones, 2, 1, specs, *values, *masks, *checked), n_zones
    )
    want = reference(zones, codes, n_zones, values, masks, checked, specs)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, histogram.N_SIDE + 1),  # an edge of the side bins
            st.integers(-2, 2),  # numbers beside it
            st.booleans(),  # negative
        ),
        min_size=1,
        max_size=60,
    ),
    cols=st.integers(1, 12),
)
def test_histogram_bins_of_values_walking_across_bin_edges(
    steps: list[tuple[int, int, bool]], cols: int
) -> None:
    """The layer check keeps the last bin's sign and edges and reads the table only for a
    value outside them: values one or two numbers either side of the edges, of both
    signs, 0, −0 and the largest finite, in any order, are binned as
    :func:`~ganpo.engine.histogram.bin_of` bins each."""
    edges = histogram.side_edges()
    values = []
    for k, off, neg in steps:
        e = min(float(edges[k]), np.finfo(np.float64).max)
        with np.errstate(over="ignore"):  # past the largest finite: inf, brought back below
            for _ in range(abs(off)):
                e = float(np.nextafter(e, np.inf if off > 0 else 0.0))
        e = min(e, np.finfo(np.float64).max)
        values.append(-e if neg else e)
    rows = -(-len(values) // cols)
    a = np.full(rows * cols, np.nan)
    a[: len(values)] = values
    a = a.reshape(rows, cols)
    zones = np.zeros(a.shape, dtype=np.int32)
    codes = np.zeros(a.shape, dtype=np.uint8)
    specs = [LayerCount((-1.0, 1.0), True)]
    got = zonal._dense(_block_sums(zones, codes, 1, 0, 0, specs, a), 1)
    want = reference(zones, codes, 1, [], [], [a], specs)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w, equal_nan=True)


@pytest.mark.parametrize("bad", [300, -5, -1])
def test_a_code_beyond_the_key_range_inside_a_unit_is_refused(bad: int) -> None:
    """The kernel's own guard (an invariant: the account censuses the codes first). A
    negative code is refused too: it once passed for the kernel's "none found" (−1) and
    left the counts of the block incomplete."""
    zones = np.array([[0, -1]], dtype=np.int32)
    codes = np.array([[1, bad]], dtype=np.int16)
    out, _, _ = zonal._dense(_block_sums(zones, codes, 1, 0, 0, []), 1)  # outside: not read
    assert out[0, 1] == 1 and out.sum() == 1
    with pytest.raises(ValueError, match=f"ecosystem code {bad} outside 0–255 inside a unit"):
        _block_sums(zones[:, ::-1].copy(), codes, 1, 0, 0, [])


#: a 4 × 6 grid of 10 m cells; unit 0 holds the cells of columns 0–2, unit 1 those of
#: columns 3–4, column 5 lies outside both
CENSUS_TRANSFORM = from_origin(0.0, 40.0, 10.0, 10.0)
CENSUS_UNITS = [box(0.0, 0.0, 30.0, 40.0), box(30.0, 0.0, 50.0, 40.0)]
ALLOWED = [1, 2, 5, RASTER_NODATA]


def census(codes: np.ndarray, chunk: int = 2) -> CodeCensus:
    graph = code_census_graph(
        da.from_array(codes, chunks=chunk), CENSUS_UNITS, CENSUS_TRANSFORM, ALLOWED
    )
    with dask.config.set(scheduler="synchronous"):
        (found,) = dask.compute(graph)
    return found  # type: ignore[no-any-return]


def test_census_of_a_clean_map_finds_nothing_and_rasterises_no_unit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("the units were rasterised for a block of known codes")

    monkeypatch.setattr(zonal, "_rasterize_window", refuse)
    codes = np.array([[1, 2, 5, 255, 1, 2]] * 4, dtype=np.uint8)
    assert census(codes) == CodeCensus({}, {})
    assert census(codes.astype(np.int16)) == CodeCensus({}, {})
    assert census(codes.astype(np.float32)) == CodeCensus({}, {})


def test_census_counts_unknown_codes_inside_the_units_only() -> None:
    codes = np.full((4, 6), 1, dtype=np.uint8)
    codes[0, 0] = codes[3, 4] = 9  # inside units 0 and 1
    codes[1, 2] = 99  # inside unit 0
    codes[:, 5] = 7  # outside every unit: not read, not counted
    for chunk in (2, 3, 6):  # blocks that split the units, or one block
        assert census(codes, chunk) == CodeCensus({}, {9: 2, 99: 1})


def test_census_counts_values_that_are_no_code_anywhere() -> None:
    codes = np.ones((4, 6), dtype=np.float32)
    codes[0, 0] = 300.0  # inside a unit
    codes[0, 5] = codes[1, 5] = -5.0  # outside every unit: the lookups would read them
    codes[2, 2] = 3.5
    codes[3, 3] = np.nan
    codes[3, 0] = codes[2, 1] = np.nan  # NaN counted once per cell, in one row
    codes[1, 1] = 9.0  # a whole number: an unknown code
    found = census(codes)
    assert found.foreign == {"-5": 2, "300": 1, "3.5": 1, "nan": 3}
    assert found.unknown == {9: 1}
    wide = np.ones((4, 6), dtype=np.int32)
    wide[0, 0], wide[3, 5] = -9999, 256
    assert census(wide) == CodeCensus({"-9999": 1, "256": 1}, {})


def test_bins_follow_the_values_and_their_sign() -> None:
    v = np.sort(np.concatenate([10.0 ** np.linspace(-8, 9, 2001), [0.0]]))
    bins = histogram.bin_index(np.concatenate([-v[::-1], v]))
    assert np.all(np.diff(bins) >= 0)  # in the order of the values
    assert bins.min() == 0 and bins.max() == histogram.N_BINS - 1
    assert histogram.bin_of(1.0) == histogram.ZERO + 301  # 1 + 6 decades × 50
    assert histogram.bin_of(-1.0) == histogram.ZERO - 301
    assert histogram.bin_of(4e-7) == histogram.bin_of(0.0) == histogram.ZERO


def _layer(path: Path, data: np.ndarray) -> Path:
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_300_000.0, 30.0, 30.0),
        "nodata": -9999.0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype("float32"), 1)
    return path


def test_a_layer_is_read_once_per_block_however_many_arrays_use_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows, cols = np.mgrid[0:30, 0:20]
    a = rasters.open_layer(_layer(tmp_path / "a.tif", rows * 1.0 + cols), 10)
    eco = rasters.open_layer(_layer(tmp_path / "eco.tif", (cols % 3) * 1.0), 10, as_float=False)
    reads: list[Path] = []
    read = rasters.read_window

    def counted(src, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(path)
        return read(src, path, *args, **kwargs)

    monkeypatch.setattr(rasters, "read_window", counted)
    zones = da.zeros(a.shape, chunks=a.chunks, dtype=np.int32)
    codes = eco.astype(np.uint8)
    values = [a * 2.0, da.where(codes == 1, a, 0.0), a * 2.0 + da.where(codes == 2, a, 0.0)]
    graph = zonal_sums_graph(zones, codes, values, 1, [a], counts=[LayerCount()])
    with dask.config.set(scheduler="synchronous"):
        ((sums, ranges, _),) = dask.compute(graph)
    blocks = a.npartitions
    assert reads.count(tmp_path / "a.tif") == blocks
    assert reads.count(tmp_path / "eco.tif") == blocks
    assert sums[1].sum() == pytest.approx(2.0 * (rows + cols).sum())
    assert ranges[:, 0].tolist() == [0.0, 48.0]


def _polygons(seed: int) -> list[object]:
    """Overlapping boxes, a polygon with a hole, a multipolygon, an empty polygon and a
    triangle whose edges pass through cell centres, on a 10 m grid from (0, 0)."""
    from shapely.geometry import MultiPolygon, Polygon

    rng = np.random.default_rng(seed)
    shapes: list[object] = []
    for _ in range(12):
        x0, y0 = rng.uniform(-50, 400, 2)
        w, h = rng.uniform(5, 160, 2)
        shapes.append(box(x0, y0, x0 + w, y0 + h))
    shapes.append(box(100, 100, 300, 300).difference(box(150, 150, 250, 250)))
    shapes.append(MultiPolygon([box(0, 0, 40, 40), box(300, 300, 345, 390)]))
    shapes.append(Polygon())
    shapes.append(Polygon([(5, 5), (205, 5), (5, 205)]))
    return shapes


@pytest.mark.parametrize("rotated", [False, True])
def test_zone_windows_equal_a_rasterisation_of_every_polygon(rotated: bool) -> None:
    """Each window is given only the polygons whose bounding box meets its own: the zone
    index is that of rasterising every polygon, in their order, for any window."""
    import rasterio.features
    from rasterio.transform import Affine

    transform = from_origin(-20.0, 420.0, 10.0, 10.0)
    if rotated:
        transform = transform * Affine.rotation(7.0)
    geometries = _polygons(3)
    shapes = zonal.ZoneShapes(geometries)
    every = [(g, i) for i, g in enumerate(geometries) if not g.is_empty]
    for r0, c0, shape in [(0, 0, (45, 45)), (3, 7, (11, 13)), (20, 30, (25, 15)), (40, 0, (5, 45))]:
        got = zonal._rasterize_window(shapes, transform, r0, c0, shape)
        want = rasterio.features.rasterize(
            every,
            out_shape=shape,
            transform=transform * Affine.translation(c0, r0),
            fill=-1,
            dtype="int32",
        )
        np.testing.assert_array_equal(got, want)
    assert (got >= 0).any()


def test_zone_shapes_are_named_by_their_content() -> None:
    """The dask name of the zone index follows the polygons, not the objects."""
    a, b = _polygons(3), _polygons(4)
    like = da.zeros((45, 45), chunks=20)
    transform = from_origin(-20.0, 420.0, 10.0, 10.0)
    assert zonal.ZoneShapes(a).token == zonal.ZoneShapes(_polygons(3)).token
    assert zonal.ZoneShapes(a).token != zonal.ZoneShapes(b).token
    assert zonal.ZoneShapes(a[:-1]).token != zonal.ZoneShapes(a).token
    one, two = zone_index(a, transform, like), zone_index(b, transform, like)
    assert one.name != two.name
    assert one.name == zone_index(_polygons(3), transform, like).name
    with dask.config.set(scheduler="synchronous"):
        assert not np.array_equal(one.compute(), two.compute())
