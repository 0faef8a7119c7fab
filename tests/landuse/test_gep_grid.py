"""Land-cover maps brought onto the account dataset's grid (``onto_grid``, nearest
neighbour): worked by hand on rasters of a few cells; the same grid copies the classes; a
map in another CRS, finer than the account grid or not covering it is refused by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from numpy.typing import NDArray
from rasterio.transform import from_origin

from ganpo.errors import GridError
from ganpo.landuse.gep import onto_grid

CRS = "EPSG:32650"
X0, Y1 = 500_000.0, 3_100_000.0


def _write(
    path: Path, values: NDArray[np.uint8], cell_m: float, *, x0: float = X0, crs: str = CRS
) -> Path:
    profile = {
        "driver": "GTiff",
        "dtype": "uint8",
        "nodata": 255,
        "count": 1,
        "crs": crs,
        "transform": from_origin(x0, Y1, cell_m, cell_m),
        "width": values.shape[1],
        "height": values.shape[0],
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    return path


def _read(path: Path) -> NDArray[np.uint8]:
    with rasterio.open(path) as src:
        assert src.nodata == 255
        return src.read(1)


def _like(tmp_path: Path, shape: tuple[int, int] = (4, 4), cell_m: float = 10.0) -> Path:
    return _write(tmp_path / "like.tif", np.full(shape, 1, np.uint8), cell_m)


def test_nodata_stays_nodata(tmp_path: Path) -> None:
    # the coarse nodata cell lies where the account map has no type either, so the map
    # still classifies all 12 cells the account map classifies
    coarse = np.array([[1, 2], [5, 255]], np.uint8)
    src = _write(tmp_path / "coarse.tif", coarse, 20.0)
    own = np.ones((4, 4), np.uint8)
    own[2:, 2:] = 255
    like = _write(tmp_path / "like.tif", own, 10.0)
    out = _read(onto_grid(src, like, tmp_path / "out.tif"))
    expected = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [5, 5, 255, 255], [5, 5, 255, 255]], np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_blocks_worked_by_hand(tmp_path: Path) -> None:
    # 20 m cells onto 10 m: each coarse cell holds the centres of a 2 × 2 block; the
    # level-2 code 21 folds to its level-1 class 2
    coarse = np.array([[1, 21], [5, 6]], np.uint8)
    src = _write(tmp_path / "coarse.tif", coarse, 20.0)
    out = _read(onto_grid(src, _like(tmp_path, (4, 4)), tmp_path / "out.tif"))
    expected = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [5, 5, 6, 6], [5, 5, 6, 6]], np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_offset_grid_takes_the_cell_holding_each_centre(tmp_path: Path) -> None:
    # the account grid starts 10 m east of the coarse one: its 3 columns have centres at
    # x0 + 15, 25, 35 m → coarse columns 0, 1, 1 (cells [0, 20), [20, 40))
    coarse = np.array([[3, 4], [7, 8]], np.uint8)
    src = _write(tmp_path / "coarse.tif", coarse, 20.0)
    like = _write(tmp_path / "like.tif", np.ones((4, 3), np.uint8), 10.0, x0=X0 + 10.0)
    out = _read(onto_grid(src, like, tmp_path / "out.tif"))
    expected = np.array([[3, 4, 4], [3, 4, 4], [7, 8, 8], [7, 8, 8]], np.uint8)
    np.testing.assert_array_equal(out, expected)


def test_same_grid_copies_the_classes(tmp_path: Path) -> None:
    cover = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 1]], np.uint8)
    src = _write(tmp_path / "same.tif", cover, 10.0)
    out = _read(onto_grid(src, _like(tmp_path, (3, 3)), tmp_path / "out.tif"))
    np.testing.assert_array_equal(out, cover)


def test_other_crs_is_refused(tmp_path: Path) -> None:
    src = _write(tmp_path / "utm49.tif", np.ones((2, 2), np.uint8), 20.0, crs="EPSG:32649")
    with pytest.raises(GridError, match="reproject the land-use data") as err:
        onto_grid(src, _like(tmp_path), tmp_path / "out.tif")
    assert err.value.field == "crs"
    assert not (tmp_path / "out.tif").exists()


def test_finer_map_is_refused(tmp_path: Path) -> None:
    src = _write(tmp_path / "fine.tif", np.ones((8, 8), np.uint8), 5.0)
    with pytest.raises(GridError, match=r"\(5 m\) are finer .* \(10 m\)"):
        onto_grid(src, _like(tmp_path), tmp_path / "out.tif")


def test_map_not_covering_the_account_is_refused(tmp_path: Path) -> None:
    # one 20 m cell of four has data: 4 of the 16 account cells classified (25 % < 90 %)
    coarse = np.array([[1, 255], [255, 255]], np.uint8)
    src = _write(tmp_path / "sparse.tif", coarse, 20.0)
    with pytest.raises(GridError, match="classifies 25% of the cells"):
        onto_grid(src, _like(tmp_path), tmp_path / "out.tif")
    assert not (tmp_path / "out.tif").exists()
