"""Flats resolved as pygeoprocessing 2.4.11 (InVEST 3.20.2) resolves them.

The hand-worked cases derive the expected directions from pygeoprocessing's rules
(``routing.flow_dir_d8`` / ``flow_dir_mfd``), not from running ganpo:

- a flat is found from its root, the first of its cells without a lower neighbour met
  when the DEM is visited in 256 × 256 blocks (rows of blocks, each block row by row);
- it is grown breadth-first from the root over neighbours k = 0…7 (E, NE, N, NW, W, SW,
  S, SE) of equal height; its outlets, in that order, are the cells with a lower
  neighbour, or if there is none the cells next to nodata or the edge;
- distances (float64) grow from the outlets through a first-in-first-out queue, a
  neighbour taking ``d + 1`` (``d + √2`` diagonally) when that is strictly smaller than
  what it has; D8 points the neighbour back at the cell that last improved it;
- MFD gives each non-outlet cell weight 1 (1/√2 diagonally) towards every flat
  neighbour with a strictly smaller distance, stored as round(15 × share) in 4 bits.

The last test compares with pygeoprocessing's own output on small DEMs with terraces,
plateaus and nodata (fixtures made once by ``tests/engine/flats_invest/make_fixtures.py``
with InVEST's environment; the test does not need InVEST).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ganpo.engine import routing

N = np.nan
FIXTURES = Path(__file__).parent / "flats_invest"


def weights(packed: np.ndarray, r: int, c: int) -> list[int]:
    """The eight 4-bit MFD weights of cell (r, c), k = 0…7."""
    return [(int(packed[r, c]) >> (4 * k)) & 15 for k in range(8)]


def directions(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """D8 and MFD directions of ``z`` (pit-filled first, as InVEST does)."""
    filled = z.copy()
    routing.fill_pits(filled)
    np.testing.assert_array_equal(filled, z)  # every case here is free of pits
    return routing.flow_direction_d8(filled), routing.flow_direction_mfd(filled)


def strip_across_blocks() -> np.ndarray:
    """3 × 270 cells: a flat at 5 in row 1, columns 250…262, with a bump into the edge
    row at (0, 258), between two lower cells (1, 249) and (1, 263) at 4; elsewhere row 1
    falls towards the left and right edges and rows 0 and 2 are at 9."""
    z = np.full((3, 270), 9.0)
    z[1, :250] = 4.0 - 0.01 * (249 - np.arange(250))
    z[1, 263:] = 4.0 - 0.01 * (np.arange(263, 270) - 263)
    z[1, 250:263] = 5.0
    z[0, 258] = 5.0
    return z


def test_equal_outlets_tie_broken_by_the_block_order_root() -> None:
    # The flat's cells without a lower neighbour are (1, 251)…(1, 261) and (0, 258).
    # Raster order would meet (0, 258) first (row 0); pygeoprocessing's blocks of 256
    # columns meet (1, 251) first (block 0, row 1). Grown from (1, 251) the flat lists
    # the outlet (1, 250) before (1, 262), so the west wave leads the queue:
    #   (1,250)→(1,251) 1 … (1,255) 5, (1,262)→(1,261) 1 … (1,259) 3, (1,259)→(0,258)
    #   NW 1+√2+… = 3 + √2 and (1,258) 4; (0,258)→(1,257) SW 3+2√2 (then (1,258)
    #   improves it to 5, E); (1,255) reaches (1,256) with 6 before (1,257) does (6, not
    #   smaller): (1,256) drains W. From (0,258) the east wave would lead and (1,256)
    #   would drain E.
    d8, mfd = directions(strip_across_blocks())
    assert list(d8[1, 250:257]) == [4] * 7  # W, the outlet (1, 250) to (1, 249) too
    assert list(d8[1, 257:263]) == [0] * 6  # E
    assert d8[0, 258] == 7  # SE, to (1, 259) at 3: 3 + √2 beats (1, 258)'s 4 + 1
    # MFD: (1, 256) at 6 has two neighbours at 5, weight 1 each: 7.5 + 0.5 → 8 and 8;
    # (1, 257) at 5: E (1, 258) at 4 (weight 1) and NE (0, 258) at 3 + √2 (1/√2):
    # 15/(1 + 1/√2) = 8.79 → 9 and 6.21 → 6
    assert weights(mfd, 1, 256) == [8, 0, 0, 0, 8, 0, 0, 0]
    assert weights(mfd, 1, 257) == [9, 6, 0, 0, 0, 0, 0, 0]
    assert weights(mfd, 1, 250) == [0, 0, 0, 0, 15, 0, 0, 0]  # outlet: its drop


def test_l_shaped_flat() -> None:
    # the L (1,1) (1,2) (1,3) (2,1) (3,1) at 5 drains through (3,1), whose S neighbour
    # (4,1) is 4; (4,1) is an edge cell without a lower neighbour
    z = np.array(
        [
            [9, 9, 9, 9, 9],
            [9, 5, 5, 5, 9],
            [9, 5, 9, 9, 9],
            [9, 5, 9, 9, 9],
            [9, 4, 9, 9, 9],
        ],
        dtype=float,
    )
    d8, mfd = directions(z)
    # (3,1) 0 → (2,1) 1 (S) → (1,2) 1 + √2 (SW, diagonal) and (1,1) 2 (S) → (1,3) from
    # (1,2): 2 + √2 (W); (1,1) does not improve (1,2) (3 > 1 + √2)
    assert [d8[1, 1], d8[1, 2], d8[1, 3], d8[2, 1], d8[3, 1]] == [6, 5, 4, 6, 6]
    # (4,1) drains over the edge: the first cardinal outside neighbour, S
    assert d8[4, 1] == 6
    assert weights(mfd, 2, 1) == [0, 0, 0, 0, 0, 0, 15, 0]
    assert weights(mfd, 1, 1) == [0, 0, 0, 0, 0, 0, 15, 0]  # only (2,1) is nearer
    # (1,2) at 1 + √2: W (1,1) at 2 (weight 1) and SW (2,1) at 1 (1/√2): 9 and 6
    assert weights(mfd, 1, 2) == [0, 0, 0, 0, 9, 6, 0, 0]
    assert weights(mfd, 1, 3) == [0, 0, 0, 0, 15, 0, 0, 0]
    # (4,1): outside neighbours SW, S, SE weigh 1/√2, 1, 1/√2 of 1 + √2: 4, 6, 4
    assert weights(mfd, 4, 1) == [0, 0, 0, 0, 0, 4, 6, 4]


def test_flat_touching_the_edge_drains_to_its_outlet_not_over_the_edge() -> None:
    z = np.array([[5, 5, 5, 9], [5, 5, 5, 9], [9, 9, 2, 9]], dtype=float)
    d8, mfd = directions(z)
    # outlets in the flat's order from the root (0,0): (1,1) (SE to 2) then (1,2) (S).
    # (1,1) gives (0,2) √2, (0,1) 1, (0,0) √2, (1,0) 1; (1,2) improves (0,2) to 1 (S)
    np.testing.assert_array_equal(d8[:2, :3], [[7, 6, 6], [0, 7, 6]])
    # (0,0) at √2: E and S at 1 (weight 1 each), SE at 0 (1/√2): 15/(2 + 1/√2) → 6, 6, 4
    assert weights(mfd, 0, 0) == [6, 0, 0, 0, 0, 0, 6, 4]
    assert weights(mfd, 0, 1) == [0, 0, 0, 0, 0, 0, 9, 6]  # S and SE at 0
    assert weights(mfd, 0, 2) == [0, 0, 0, 0, 0, 6, 9, 0]  # S and SW at 0
    assert weights(mfd, 1, 0) == [15, 0, 0, 0, 0, 0, 0, 0]  # E at 0; NE (0,1) is at 1


def test_flat_without_a_drain_goes_over_the_edge() -> None:
    z = np.full((3, 3), 7.0)
    d8, mfd = directions(z)
    # edge cells drain over the edge: the first cardinal outside neighbour, else the
    # last diagonal one; the centre is 1 from (0,1), which improves on (0,0)'s √2: N
    np.testing.assert_array_equal(d8, [[2, 2, 0], [4, 2, 0], [4, 6, 0]])
    # (0,0): outside NE, N, NW, W, SW: 1/(2 + 3/√2) × 15 → 4 (cardinal), 3 (diagonal)
    assert weights(mfd, 0, 0) == [0, 3, 4, 3, 4, 3, 0, 0]
    assert weights(mfd, 0, 1) == [0, 4, 6, 4, 0, 0, 0, 0]
    # the centre at 1: all eight neighbours at 0: 15/(4 + 4/√2) → 2.20 and 1.55 → 2
    assert weights(mfd, 1, 1) == [2] * 8


def test_flat_without_any_outlet_keeps_no_direction() -> None:
    # an unfilled pit: a flat of two cells at 5 inside a ring at 9, away from the edge
    # and nodata, has neither a lower neighbour nor a nodata one; pygeoprocessing leaves
    # it without a direction (its callers fill pits first)
    z = np.full((4, 5), 9.0)
    z[1:3, 2] = 5.0
    d8, mfd = routing.flow_direction_d8(z), routing.flow_direction_mfd(z)
    assert list(d8[1:3, 2]) == [routing.D8_NONE] * 2
    assert list(mfd[1:3, 2]) == [0, 0]


NODATA_FLAT = np.array(
    [
        [9, 9, 9, 9, 9],
        [9, 5, 5, N, 9],
        [9, 5, 5, 5, 9],
        [9, 9, 9, 9, 9],
    ],
    dtype=float,
)


def test_flat_touching_nodata_drains_into_it() -> None:
    d8, mfd = directions(NODATA_FLAT)
    # no lower neighbour: the outlets are the cells next to the nodata (1,3): (1,2) E,
    # (2,2) NE, (2,3) N. (1,1) is 1 from (1,2) (E); (2,1) is first √2 from (1,2) then 1
    # from (2,2) (E)
    assert [d8[1, 1], d8[1, 2], d8[2, 1], d8[2, 2], d8[2, 3]] == [0, 0, 0, 1, 2]
    assert d8[1, 3] == routing.D8_NONE
    assert weights(mfd, 1, 2) == [15, 0, 0, 0, 0, 0, 0, 0]
    assert weights(mfd, 2, 2) == [0, 15, 0, 0, 0, 0, 0, 0]
    assert weights(mfd, 1, 1) == [9, 0, 0, 0, 0, 0, 0, 6]  # E (1,2), SE (2,2) at 0
    assert weights(mfd, 2, 1) == [9, 6, 0, 0, 0, 0, 0, 0]  # E (2,2), NE (1,2) at 0


def test_flat_touching_nodata_with_a_lower_outlet_ignores_the_nodata() -> None:
    z = NODATA_FLAT.copy()
    z[3, 2] = 4.0  # an edge cell below (2,1), (2,2), (2,3)
    d8, mfd = directions(z)
    # outlets (2,1) SE, (2,2) S, (2,3) SW (their steepest drops); (1,2), next to the
    # nodata, is 1 from (2,2) (S) and (1,1) 1 from (2,1) (S)
    assert [d8[2, 1], d8[2, 2], d8[2, 3], d8[1, 2], d8[1, 1]] == [7, 6, 5, 6, 6]
    # (1,2) at 1: SW (2,1), S (2,2) and SE (2,3) at 0, weights 1/√2, 1, 1/√2: 4, 6, 4
    assert weights(mfd, 1, 2) == [0, 0, 0, 0, 0, 4, 6, 4]


def test_distances_are_float64_sums_in_queue_order() -> None:
    # One flat at 5 drained by (1,1) (W) and (2,1) (NW), both to the edge cell (1,0).
    # Its root is (1,3), so the outlets queue as (2,1), (1,1). (2,4) is reached from
    # (3,3) at (1 + √2) + √2 and from (2,3) at 2√2 + 1, the same length: in float64 the
    # first sum is one unit in the last place smaller, so (3,3)'s offer stands (SW); in
    # float32 (ganpo before) the second was smaller and took (2,4) W. (4,4) and (5,3)
    # likewise.
    z = np.array(
        [
            [9, 9, 9, 9, 9, 9, 9],
            [4, 5, 9, 5, 9, 5, 9],
            [9, 5, 9, 5, 5, 5, 9],
            [9, 5, 5, 5, 5, 5, 9],
            [9, 5, 5, 5, 5, 5, 9],
            [9, 5, 5, 5, 9, 9, 9],
            [9, 9, 9, 9, 9, 9, 9],
        ],
        dtype=float,
    )
    s2 = 2.0**0.5
    assert (1.0 + s2) + s2 < 2.0 * s2 + 1.0  # float64
    assert np.float32(np.float32(1.0 + s2) + s2) > np.float32(np.float32(2.0 * s2) + 1.0)
    d8, mfd = directions(z)
    assert [d8[2, 4], d8[4, 4], d8[5, 3]] == [5, 3, 3]
    ref_d8, ref_mfd = _plain_flat(z, root=(1, 3))
    for (r, c), k in ref_d8.items():
        assert d8[r, c] == k, (r, c)
    for (r, c), w in ref_mfd.items():
        assert weights(mfd, r, c) == w, (r, c)


def _plain_flat(
    z: np.ndarray, root: tuple[int, int]
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], list[int]]]:
    """pygeoprocessing's plateau rules written out plainly (Python floats are float64)
    for the flat of ``root`` inside a frame of higher cells: D8 directions of the cells
    without a lower neighbour and MFD weights of every cell that is not an outlet."""
    rows, cols = z.shape
    height = z[root]

    def around(r: int, c: int) -> list[tuple[int, int, int]]:
        out = []
        for k in range(8):
            rn, cn = r + int(routing.DROW[k]), c + int(routing.DCOL[k])
            if 0 <= rn < rows and 0 <= cn < cols:
                out.append((k, rn, cn))
        return out

    region, head = [root], 0
    while head < len(region):
        r, c = region[head]
        head += 1
        for _, rn, cn in around(r, c):
            if z[rn, cn] == height and (rn, cn) not in region:
                region.append((rn, cn))
    outlets = [(r, c) for r, c in region if any(z[n[1:]] < height for n in around(r, c))]
    dist = {cell: float(rows * cols) for cell in region}
    d8: dict[tuple[int, int], int] = {}
    queue, head = list(outlets), 0
    for cell in outlets:
        dist[cell] = 0.0
    while head < len(queue):
        r, c = queue[head]
        head += 1
        for k, rn, cn in around(r, c):
            step = 2.0**0.5 if k % 2 else 1.0
            if (rn, cn) in dist and dist[rn, cn] > dist[r, c] + step:
                dist[rn, cn] = dist[r, c] + step
                d8[rn, cn] = (k + 4) % 8
                queue.append((rn, cn))
    mfd: dict[tuple[int, int], list[int]] = {}
    for cell in region:
        if cell in outlets:
            continue
        w = [0.0] * 8
        for k, rn, cn in around(*cell):
            if (rn, cn) in dist and dist[rn, cn] < dist[cell]:
                w[k] = 1.0 if k % 2 == 0 else 1.0 / routing.SQRT2
        mfd[cell] = [int(0.5 + x / sum(w) * 15.0) for x in w]
    return d8, mfd


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.npz")))
def test_directions_equal_pygeoprocessing_bitwise(name: str) -> None:
    data = np.load(FIXTURES / f"{name}.npz")
    z = data["dem"].astype(np.float32)
    nodata = float(data["nodata"])
    z[z == nodata] = np.nan
    routing.fill_pits(z)
    filled = data["filled"]
    np.testing.assert_array_equal(np.where(np.isnan(z), nodata, z), filled)
    d8 = routing.flow_direction_d8(z)
    expected_d8 = np.where(data["d8"] == 128, routing.D8_NONE, data["d8"])
    assert int((d8 != expected_d8).sum()) == 0
    mfd = routing.flow_direction_mfd(z)
    assert int((mfd != data["mfd"].astype(np.uint32)).sum()) == 0


def test_fixtures_are_present() -> None:
    # the comparison above must not pass by having nothing to compare
    assert len(list(FIXTURES.glob("*.npz"))) >= 3
