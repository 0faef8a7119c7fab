"""A continuous layer's blocks read as float64 with NaN where GDAL masks them
(:class:`ganpo.engine.rasters.LayerBlocks`): the one-pass reading of a band whose only
mask is its nodata value must give, bit for bit, what GDAL's masked read filled with NaN
gives, including GDAL's tolerance around a floating-point nodata value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.enums import MaskFlags
from rasterio.transform import from_origin

from ganpo.engine import rasters
from ganpo.engine.rasters import LayerBlocks, nan_rule


def _write(path: Path, data: np.ndarray, nodata: float | None, **extra: object) -> Path:
    profile = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_300_000.0, 30.0, 30.0),
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 16,
        "blockysize": 16,
        **extra,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path


def _gdal_masked(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        masked = src.read(1, masked=True, out_dtype="float64")
    return np.ma.filled(masked, np.nan)


def _near(value: float, dtype: str, n: int) -> list[float]:
    """``value`` and its ``n`` neighbours on each side in ``dtype``."""
    t = np.dtype(dtype).type
    out, up, down = [t(value)], t(value), t(value)
    for _ in range(n):  # at the largest float32 the step up overflows to inf: kept
        with np.errstate(over="ignore"):
            up, down = np.nextafter(up, t(np.inf)), np.nextafter(down, t(-np.inf))
        out += [up, down]
    return [float(x) for x in out]


CASES = [
    ("float32", -9999.0),
    ("float32", 0.0),
    ("float32", 3.4028234663852886e38),
    ("float32", float("inf")),
    ("float32", float("-inf")),
    ("float32", float("nan")),
    ("float32", 1.5e-40),  # subnormal
    ("float64", -9999.0),
    ("float64", 1e20),
    ("float64", 0.1),
    ("float64", float("nan")),
    ("int16", -32768),
    ("int32", 2147483647),  # the tolerance of a float compare would mask its neighbours
    ("uint8", 255),
    ("uint16", 0),
    ("uint32", 4294967295),
]


@pytest.mark.parametrize(("dtype", "nodata"), CASES)
def test_one_pass_reading_equals_gdals_masked_read(
    tmp_path: Path, dtype: str, nodata: float
) -> None:
    rng = np.random.default_rng(11)
    shape = (37, 45)
    if np.dtype(dtype).kind == "f":
        data = rng.uniform(-2e4, 2e4, shape).astype(dtype)
        near = [] if np.isnan(nodata) else _near(nodata, dtype, 4)
        near += [float("nan"), float("inf"), float("-inf"), 0.0, -0.0]
    else:
        info = np.iinfo(dtype)
        data = rng.integers(info.min, info.max, shape, endpoint=True).astype(dtype)
        near = [
            v
            for v in (nodata - 2, nodata - 1, nodata, nodata + 1, nodata + 2)
            if info.min <= v <= info.max
        ]
    flat = data.reshape(-1)
    picks = rng.choice(flat.size, size=(len(near), 9), replace=False)
    for value, cells in zip(near, picks, strict=True):
        flat[cells] = value
    if np.dtype(dtype).kind == "f":  # a NaN with a payload: masked, it becomes NumPy's NaN
        bits = {"float32": np.uint32(0x7FC0_0001), "float64": np.uint64(0x7FF8_0000_0000_0001)}
        flat[:3] = np.array([bits[dtype]] * 3).view(dtype)
    path = _write(tmp_path / f"layer_{dtype}.tif", data, nodata)
    blocks = LayerBlocks(path, None, as_float=True)
    assert blocks._rule is not None  # the one-pass reading is the one tested
    got = blocks[0 : shape[0], 0 : shape[1]]
    part = blocks[5:29, 7:40]
    want = _gdal_masked(path)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))
    np.testing.assert_array_equal(part.view(np.uint64), want[5:29, 7:40].view(np.uint64))


def test_the_tolerance_around_a_float_nodata_is_gdals(tmp_path: Path) -> None:
    """GDAL's ARE_REAL_EQUAL masks values within 2·ε·|v + nodata| of a float32 nodata
    value (ε of single precision): at −9999, up to four single-precision steps away, not
    five. An exact compare would keep them."""
    nodata = -9999.0
    steps = _near(nodata, "float32", 6)  # value, +1, −1, …, +6, −6 steps
    data = np.array([steps], dtype="float32")
    path = _write(tmp_path / "near.tif", data, nodata, tiled=False)
    got = LayerBlocks(path, None, as_float=True)[0:1, 0 : len(steps)]
    assert np.isnan(got[0, :9]).all()
    assert not np.isnan(got[0, 9:]).any()
    np.testing.assert_array_equal(got.view(np.uint64), _gdal_masked(path).view(np.uint64))


def test_a_band_without_nodata_is_read_whole(tmp_path: Path) -> None:
    data = np.arange(12, dtype="float32").reshape(3, 4)
    data[0, 0] = np.nan
    path = _write(tmp_path / "plain.tif", data, None, tiled=False)
    blocks = LayerBlocks(path, None, as_float=True)
    assert blocks._rule is not None and blocks._rule.kind == "none"
    got = blocks[0:3, 0:4]
    np.testing.assert_array_equal(got.view(np.uint64), _gdal_masked(path).view(np.uint64))


def test_other_masks_go_through_gdal(tmp_path: Path) -> None:
    """A band with its own mask (an internal mask band) is read through GDAL's masked
    read, as is a nodata value that GDAL would adjust first."""
    data = np.arange(1.0, 257.0, dtype="float32").reshape(16, 16)
    path = tmp_path / "masked.tif"
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        _write(path, data, None)
        with rasterio.open(path, "r+") as dst:
            mask = np.full((16, 16), 255, dtype="uint8")
            mask[2:5, 3:9] = 0
            dst.write_mask(mask)
    blocks = LayerBlocks(path, None, as_float=True)
    assert blocks._rule is None
    got = blocks[0:16, 0:16]
    assert np.isnan(got).sum() == 18
    np.testing.assert_array_equal(got.view(np.uint64), _gdal_masked(path).view(np.uint64))
    not_float32 = nan_rule(np.dtype("float32"), 0.1, [MaskFlags.nodata])
    assert not_float32 is None  # 0.1 is no float32: GDAL casts it first
    assert nan_rule(np.dtype("int16"), 1.5, [MaskFlags.nodata]) is None
    assert nan_rule(np.dtype("uint8"), -1.0, [MaskFlags.nodata]) is None


def test_the_kernel_releases_the_gil() -> None:
    assert rasters._nodata_to_nan.targetoptions.get("nogil") is True
