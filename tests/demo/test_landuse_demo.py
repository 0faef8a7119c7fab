"""The land-use demo: its first two years are the account demo's maps folded to level 1,
its third continues the same rules, and the account demo itself is not touched."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from ganpo.catalog.ecosystems import RASTER_NODATA, level1_lut
from ganpo.demo.generator import build_demo_dataset
from ganpo.demo.landcover import CHANGES
from ganpo.demo.landuse import YEARS, build_landuse_demo

RES = 8000.0  # coarse: both builds take a few seconds


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    account = build_demo_dataset(tmp_path_factory.mktemp("acc"), resolution_m=RES).parent
    landuse = build_landuse_demo(tmp_path_factory.mktemp("lu"), resolution_m=RES)
    return account, landuse


def test_first_two_years_are_the_account_demo(folders: tuple[Path, Path]) -> None:
    account, landuse = folders
    lut = level1_lut()
    for year in YEARS[:2]:
        eco = _read(account / str(year) / "ecosystem_type.tif")
        folded = np.where(eco == RASTER_NODATA, RASTER_NODATA, lut[np.minimum(eco, 254)])
        assert np.array_equal(folded, _read(landuse / f"cover_{year}.tif"))
    assert np.array_equal(_read(account / "dem.tif"), _read(landuse / "dem.tif"))
    assert not (account / str(YEARS[2])).exists()  # the account demo keeps its two years


def test_third_year_follows_the_same_rules(folders: tuple[Path, Path]) -> None:
    _, landuse = folders
    second = _read(landuse / f"cover_{YEARS[1]}.tif")
    third = _read(landuse / f"cover_{YEARS[2]}.tif")
    inside = int((second != RASTER_NODATA).sum())
    # each transition of CHANGES takes round(share × inside cells), none twice
    expected = sum(round(share * inside) for share in CHANGES.values())
    assert int((second != third).sum()) == expected > 0
    assert np.array_equal(second == RASTER_NODATA, third == RASTER_NODATA)
