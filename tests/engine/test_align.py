"""Layers on another grid: refused unless their manifest entry declares a resampling
method, then warped onto the ecosystem map's grid (cached) and read like the others.

The tiny grid is 2 × 4 cells of 100 m (tests/tinydata.py); rain falls on forest, shrub,
grassland, cropland, built-up land and water, and water conservation is
(P − R − ET) · area, so a changed P shows one to one in the account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from rasterio.warp import transform_bounds

from ganpo.engine.account import run_account
from ganpo.errors import GridError
from ganpo.io.manifest import load_manifest, write_manifest
from tinydata import ALBERS, RES, X0, Y0, write_raster

RAIN = "2022/precipitation.tif"


def _declare(path: Path, role: str, method: str | None) -> Path:
    """Rewrite the manifest with ``resampling = method`` on ``role``'s entries."""
    ds = load_manifest(path, verify=False)
    for entry in ds.manifest.layers:
        if entry.role == role:
            entry.resampling = method  # type: ignore[assignment]
    return write_manifest(ds.manifest, ds.root)


def _water(acc) -> dict[int, float]:  # type: ignore[no-untyped-def]
    r = acc.results
    return r[r.indicator == "water_conservation"].groupby("county_adcode")["quantity"].sum()


def _run(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return run_account(path, 2022, "jiangxi-db36-2021", price_policy="as_given", chunk=2, **kw)  # type: ignore[arg-type]


def test_coarser_layer_is_warped_by_the_declared_method(tiny: Callable[..., Path]) -> None:
    # the same rain on the 100 m grid, written cell by cell: 1600 mm west, 2000 mm east
    fine = tiny(layers={"precipitation": np.array([[1600, 1600, 2000, 2000]] * 2, "float32")})
    expected = _water(_run(fine))
    coarse = tiny()  # same folder: rewritten with 200 m rain cells, nearest neighbour
    write_raster(
        coarse.parent / RAIN,
        np.array([[1600, 2000]], "float32"),
        nodata=-9999.0,
        transform=from_origin(X0, Y0, 2 * RES, 2 * RES),
    )
    with pytest.raises(GridError, match=r'shape \(1, 2\) ≠ \(2, 4\).*resampling = "bilinear"'):
        _run(_declare(coarse, "precipitation", None))
    acc = _run(_declare(coarse, "precipitation", "nearest"))
    got = _water(acc)
    for county, q in expected.items():
        assert got[county] == pytest.approx(q, rel=1e-12)
    (note,) = [n for n in acc.notes if "warped onto the grid" in n]
    assert "precipitation" in note and "nearest" in note
    (cached,) = (coarse.parent / "derived").glob("aligned_precipitation_*.tif")
    with rasterio.open(cached) as src:
        assert src.shape == (2, 4) and src.dtypes[0] == "float32"
        np.testing.assert_array_equal(src.read(1), [[1600, 1600, 2000, 2000]] * 2)
    # an unchanged layer is warped once: the next account reuses the file
    before = cached.stat().st_mtime_ns
    _run(coarse)
    assert cached.stat().st_mtime_ns == before


def test_layer_in_another_crs_is_reprojected_when_declared(tiny: Callable[..., Path]) -> None:
    base = _water(_run(tiny()))  # uniform rain of 1600 mm
    path = tiny()
    # the same uniform rain on a 50 m UTM grid that covers the region with a margin
    left, bottom, right, top = transform_bounds(
        ALBERS, "EPSG:32649", X0 - 300, Y0 - 2 * RES - 300, X0 + 4 * RES + 300, Y0 + 300
    )
    shape = (int((top - bottom) // 50) + 1, int((right - left) // 50) + 1)
    write_raster(
        path.parent / RAIN,
        np.full(shape, 1600.0, "float32"),
        nodata=-9999.0,
        crs="EPSG:32649",
        transform=from_origin(left, top, 50.0, 50.0),
    )
    with pytest.raises(GridError, match="CRS 'WGS 84 / UTM zone 49N'"):
        _run(_declare(path, "precipitation", None))
    acc = _run(_declare(path, "precipitation", "bilinear"))
    for county, q in base.items():
        assert _water(acc)[county] == pytest.approx(q, rel=1e-6)  # float32 after warping


def test_layer_that_misses_the_region_is_refused(tiny: Callable[..., Path]) -> None:
    path = tiny()
    write_raster(
        path.parent / RAIN,
        np.full((2, 4), 1600.0, "float32"),
        nodata=-9999.0,
        transform=from_origin(X0 + 50_000, Y0, RES, RES),  # 50 km east
    )
    with pytest.raises(GridError, match="does not overlap the grid at all"):
        _run(_declare(path, "precipitation", "bilinear"))


def test_dem_on_another_grid_is_warped_before_routing(tiny: Callable[..., Path]) -> None:
    path = tiny()
    write_raster(
        path.parent / "dem.tif",
        np.array([[60, 40]], "float32"),
        nodata=-9999.0,
        transform=from_origin(X0, Y0, 2 * RES, 2 * RES),
    )
    acc = _run(_declare(path, "dem", "nearest"))
    derived = path.parent / "derived"
    (dem,) = derived.glob("aligned_dem_*.tif")
    with rasterio.open(dem) as src:
        np.testing.assert_array_equal(src.read(1), [[60, 60, 40, 40]] * 2)
    # the LS factor is routed on the warped DEM and named after it (not the source file)
    assert any("ls_factor_mfd" in n and "from dem" in n for n in acc.notes)
    assert acc.results[acc.results.indicator == "soil_retention"].quantity.sum() > 0
