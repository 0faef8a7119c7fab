"""Flow routing and the LS-factor raster against tiny DEMs worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ganpo.engine import routing
from ganpo.errors import InputError
from ganpo.services import rusle

# every cell drains towards the lower-right corner (10 m cells)
BOWL = np.array([[8.0, 7.0, 6.0], [7.0, 5.0, 3.0], [6.0, 3.0, 1.0]])


def test_d8_directions_and_accumulation_by_hand() -> None:
    z = BOWL.copy()
    routing.fill_pits(z)
    np.testing.assert_array_equal(z, BOWL)  # no pit
    d = routing.flow_direction_d8(z)
    # k: 0 E, 1 NE, 2 N, 3 NW, 4 W, 5 SW, 6 S, 7 SE. Centre: drops E 2, S 2, SE 4/√2 = 2.83
    # → SE; (0,2): S 3 beats SW 1/√2; (2,2) has no lower neighbour: it drains off the edge
    # through its first cardinal outside neighbour, E.
    np.testing.assert_array_equal(d, [[7, 7, 6], [7, 7, 6], [0, 0, 0]])
    acc = routing.flow_accumulation(d, np.ones(z.shape, dtype=bool))
    # (1,1) = 1 + (0,0); (1,2) = 1 + (0,1) + (0,2); (2,1) = 1 + (1,0) + (2,0);
    # (2,2) = 1 + 2 + 3 + 3 = 9: every cell ends in the outlet
    np.testing.assert_array_equal(acc, [[1, 1, 1], [1, 2, 3], [1, 3, 9]])


def test_pit_is_filled_to_its_pour_point_and_drains() -> None:
    z = np.array(
        [
            [5.0, 5.0, 5.0, 5.0, 5.0],
            [5.0, 1.0, 2.0, 5.0, 5.0],
            [5.0, 5.0, 4.0, 5.0, 5.0],
            [5.0, 5.0, 5.0, 3.0, 5.0],
        ]
    )
    routing.fill_pits(z)
    # the pit (1,1)-(1,2) spills over (2,2) = 4 to the edge cell (3,3) = 3
    assert z[1, 1] == z[1, 2] == z[2, 2] == 4.0 and z[3, 3] == 3.0
    d = routing.flow_direction_d8(z)
    # the flat (1,1), (1,2), (2,2) drains through (2,2), the cell with a lower neighbour:
    # (1,2) steps S to it (distance 1), (1,1) SE (√2), and (2,2) goes SE to (3,3)
    assert d[1, 2] == 6 and d[1, 1] == 7 and d[2, 2] == 7
    acc = routing.flow_accumulation(d, np.ones(z.shape, dtype=bool))
    assert acc[2, 2] >= 3  # itself and the two filled cells, plus rim cells draining in
    assert acc[3, 3] == 1 + acc[2, 2] + sum(
        acc[r, c] for r, c in ((2, 3), (2, 4), (3, 2), (3, 4)) if d[r, c] == _towards(r, c, 3, 3)
    )


def _towards(r: int, c: int, r1: int, c1: int) -> int:
    return {
        (0, 1): 0,
        (-1, 1): 1,
        (-1, 0): 2,
        (-1, -1): 3,
        (0, -1): 4,
        (1, -1): 5,
        (1, 0): 6,
        (1, 1): 7,
    }[(r1 - r, c1 - c)]


def test_mfd_weights_are_stored_in_four_bits() -> None:
    # a cone: the centre drops 10 to each cardinal and 10/√2 to each diagonal neighbour;
    # shares 0.146 and 0.104 × 15 = 2.2 and 1.55, both stored as round(·) = 2: equal
    z = np.zeros((3, 3))
    z[1, 1] = 10.0
    packed = routing.flow_direction_mfd(z)
    weights = [(int(packed[1, 1]) >> (4 * k)) & 15 for k in range(8)]
    assert weights == [2] * 8
    acc = routing.flow_accumulation(packed, np.ones(z.shape, dtype=bool))
    expected = np.full((3, 3), 1 + 1 / 8)  # every rim cell gets an eighth of the centre
    expected[1, 1] = 1.0
    np.testing.assert_allclose(acc, expected, rtol=1e-12)


def test_mfd_splits_by_drop() -> None:
    # centre 4 between a neighbour 3 (W, drop 1) and 0 (E, drop 4): shares 0.2 and 0.8
    # → 4-bit weights round(3.0) = 3 and round(12.0) = 12 (others higher: no flow)
    z = np.array([[9.0, 9.0, 9.0], [3.0, 4.0, 0.0], [9.0, 9.0, 9.0]])
    packed = routing.flow_direction_mfd(z)
    weights = [(int(packed[1, 1]) >> (4 * k)) & 15 for k in range(8)]
    assert weights == [12, 0, 0, 0, 3, 0, 0, 0]


def test_nodata_is_not_routed() -> None:
    z = BOWL.copy()
    z[0, 0] = np.nan
    routing.fill_pits(z)
    d = routing.flow_direction_d8(z)
    acc = routing.flow_accumulation(d, ~np.isnan(z))
    assert np.isnan(acc[0, 0]) and d[0, 0] == routing.D8_NONE
    assert acc[2, 2] == 8  # the eight valid cells


def _plane(folder: Path, cols: int = 4, rows: int = 3) -> Path:
    """A plane falling 2 m per 10 m cell to the east: slope 20 % everywhere."""
    z = np.tile(100.0 - 2.0 * np.arange(cols), (rows, 1)).astype("float32")
    path = folder / "dem.tif"
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=cols,
        height=rows,
        count=1,
        dtype="float32",
        crs="EPSG:32650",
        transform=from_origin(500_000, 3_000_000, 10, 10),
        nodata=-9999.0,
    ) as dst:
        dst.write(z, 1)
    return path


@pytest.mark.parametrize("algorithm", ["d8", "mfd"])
def test_ls_raster_of_a_plane_by_hand(tmp_path: Path, algorithm: routing.FlowAlgorithm) -> None:
    dem = _plane(tmp_path)
    z, cell, _ = routing.read_dem(dem)
    np.testing.assert_allclose(routing.slope_percent(z, cell), 20.0, rtol=1e-6)
    out = routing.ls_factor_raster(dem, tmp_path / "ls.tif", algorithm)
    with rasterio.open(out) as src:
        ls = src.read(1).astype("float64")
    acc = routing.flow_accumulation(
        routing.flow_direction_d8(z) if algorithm == "d8" else routing.flow_direction_mfd(z),
        np.ones(z.shape, dtype=bool),
    )
    assert acc[:, -1].sum() == pytest.approx(12.0)  # all 12 cells leave by the east column
    if algorithm == "d8":  # due east (drop 2 beats 2/√2): column c gathers c + 1 cells
        np.testing.assert_array_equal(acc, np.tile(np.arange(1.0, 5.0), (3, 1)))
    # the raster is the formula on the routed slope and accumulation (float32 file)
    np.testing.assert_allclose(ls, rusle.ls_factor(np.full(acc.shape, 20.0), acc, 10.0), rtol=1e-6)
    # by hand, first column (n = 1): θ = atan 0.2, sin θ = 0.19612, β = 2.18884/1.37504
    # = 1.59184, m = 0.61417, x = 1.17670; L = 10^0.61417 / (1.17670^m · 22.13^m)
    # = 4.1133 / 7.4036 = 0.55558; S = 16.8 × 0.19612 − 0.5 = 2.79482; LS = 1.5527
    assert ls[0, 0] == pytest.approx(1.5527, abs=2e-4)
    assert not list(tmp_path.glob(".*"))  # the temporary file was renamed


def test_ls_refuses_unknown_algorithm_and_empty_dem(tmp_path: Path) -> None:
    dem = _plane(tmp_path)
    with pytest.raises(
        InputError, match=r"unknown flow direction algorithm 'dinf'.* / 未知的流向算法"
    ):
        routing.ls_factor_raster(dem, tmp_path / "ls.tif", "dinf")  # type: ignore[arg-type]
    with rasterio.open(dem, "r+") as dst:
        dst.write(np.full((3, 4), -9999.0, dtype="float32"), 1)
    with pytest.raises(InputError, match=r"the DEM has no valid cell / .*没有有效像元"):
        routing.ls_factor_raster(dem, tmp_path / "ls.tif")
