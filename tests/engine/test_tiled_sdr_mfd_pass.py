"""The tile pass of the transposed seam (:func:`ganpo.engine.tiled_sdr_mfd._up_pass`)
against a plain reference: ``v(x) = seed(x) + Σ_k pull(x, k)·v(n_k)`` over the
neighbours in the tile, solved by repeating the whole sum on every cell until nothing
changes (on a graph without cycles the values are then final, each summed in the order
k = 0…7 from final neighbours, as the pass sums it). The pass computes only the cells
upstream of a seed; these tests check that the skipped cells are exactly 0 and the others
bitwise the reference, with seeds on few cells (a seam round) and on every cell (the first
pass), and that a cycle among seeded cells is reported. The same for the pass in a tile's
kept order (:func:`ganpo.engine.tiled_sdr_mfd._up_ordered`, decision 0112), which sums
every cell."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from ganpo.engine.routing import DCOL, DROW, fill_pits, flow_direction_mfd
from ganpo.engine.tiled_fill import Tile
from ganpo.engine.tiled_sdr_mfd import (
    Halo2,
    _pull,
    _tile_pass,
    _tile_pulls,
    _up_order,
    _up_ordered,
    _up_pass,
    up_plan,
)
from ganpo.errors import InputError


def _halo_inputs(
    seed: int, rows: int = 23, cols: int = 19
) -> tuple[NDArray[np.uint32], NDArray[np.bool_], NDArray[np.bool_], NDArray[np.uint8]]:
    """MFD directions of a random pit-filled DEM with holes (the tile is the array less a
    two-cell ring), cells reaching a stream ``gh`` at random, streams ``sh`` at random."""
    rng = np.random.default_rng(seed)
    z = rng.random((rows, cols)) * 5 + np.add.outer(np.arange(rows), np.arange(cols)) * 0.3
    z[rng.random((rows, cols)) < 0.05] = np.nan
    fill_pits(z)
    dh = flow_direction_mfd(z)
    vh = ~np.isnan(z)
    gh = rng.random((rows, cols)) < 0.85
    sh = (rng.random((rows, cols)) < 0.08).astype(np.uint8)
    return dh, vh, gh, sh


def _reference(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    seed: NDArray[np.float64],
) -> NDArray[np.float64]:
    rows, cols = seed.shape
    q = np.zeros((8, rows, cols))
    for r in range(rows):
        for c in range(cols):
            for k in range(8):
                if 0 <= r + DROW[k] < rows and 0 <= c + DCOL[k] < cols:
                    q[k, r, c] = _pull(dh, vh, gh, sh, r + 2, c + 2, k, False)
    val = np.zeros((rows, cols))
    for _ in range(rows * cols + 1):
        new = seed.copy()
        for r in range(rows):
            for c in range(cols):
                for k in range(8):
                    if q[k, r, c] > 0.0:
                        new[r, c] += q[k, r, c] * val[r + DROW[k], c + DCOL[k]]
        if np.array_equal(new, val, equal_nan=True):
            return val
        val = new
    raise AssertionError("no fixed point: the reference found a cycle")


def _seeds(kind: str, shape: tuple[int, int], rng: Any) -> NDArray[np.float64]:
    seed = np.zeros(shape)
    if kind == "every cell":
        seed[:] = rng.random(shape) + 0.1
    elif kind == "a few cells":  # a seam round: inflow next to the band
        seed[2, 3], seed[shape[0] - 3, 7], seed[5, shape[1] - 3] = 1.5, 0.25, 3.0
    else:  # one cell in the middle, NaN (a value that travels)
        seed[shape[0] // 2, shape[1] // 2] = np.nan
    return seed


@pytest.mark.parametrize("kind", ["every cell", "a few cells", "NaN in the middle"])
@pytest.mark.parametrize("landscape", [3, 11, 29])
def test_pass_equals_the_reference_bitwise(landscape: int, kind: str) -> None:
    dh, vh, gh, sh = _halo_inputs(landscape)
    rows, cols = dh.shape[0] - 4, dh.shape[1] - 4
    seed = _seeds(kind, (rows, cols), np.random.default_rng(landscape))
    got, ok = _up_pass(dh, vh, gh, sh, 2, 2, seed)
    expected = _reference(dh, vh, gh, sh, seed)
    assert ok
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))
    if kind != "every cell":  # only the cells upstream of a seed were computed
        assert 0 < np.count_nonzero(got) < rows * cols


def test_a_cycle_among_seeded_cells_is_reported() -> None:
    dh = np.zeros((6, 6), dtype=np.uint32)
    dh[2, 2] = 1 << (4 * 0)  # east, into (2, 3)
    dh[2, 3] = 1 << (4 * 4)  # west, back into (2, 2)
    vh = np.ones((6, 6), dtype=bool)
    gh = np.ones((6, 6), dtype=bool)
    sh = np.zeros((6, 6), dtype=np.uint8)
    seed = np.zeros((2, 2))
    seed[0, 0] = 1.0
    _, ok = _up_pass(dh, vh, gh, sh, 2, 2, seed)
    assert not ok
    _, ok = _up_pass(dh, vh, gh, sh, 2, 2, np.zeros((2, 2)))
    assert ok  # nothing seeded: the cycle's cells are 0 and not looked at


def _ordered(
    dh: NDArray[np.uint32],
    vh: NDArray[np.bool_],
    gh: NDArray[np.bool_],
    sh: NDArray[np.uint8],
    seed: NDArray[np.float64],
) -> NDArray[np.float64]:
    rows, cols = seed.shape
    pulls, total = _tile_pulls(dh, vh, gh, sh, 2, 2, rows, cols, False)
    order, ok = _up_order(pulls, rows, cols, np.ones(rows * cols, dtype=bool))
    assert ok and sorted(order.tolist()) == list(range(rows * cols))  # every cell once
    return _up_ordered(dh, 2, 2, pulls, total, order, seed, np.zeros((rows, cols)))


@pytest.mark.parametrize("kind", ["every cell", "a few cells", "NaN in the middle"])
@pytest.mark.parametrize("landscape", [3, 11, 29])
def test_the_kept_order_equals_the_reference_bitwise(landscape: int, kind: str) -> None:
    """Decision 0112: the pass over every cell in the tile's kept order gives the same
    bits as the reference and as the pass over the cells a seed reaches, zeros' signs
    included."""
    dh, vh, gh, sh = _halo_inputs(landscape)
    rows, cols = dh.shape[0] - 4, dh.shape[1] - 4
    seed = _seeds(kind, (rows, cols), np.random.default_rng(landscape))
    got = _ordered(dh, vh, gh, sh, seed)
    expected = _reference(dh, vh, gh, sh, seed)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(expected))
    reached, _ = _up_pass(dh, vh, gh, sh, 2, 2, seed)
    assert np.array_equal(got.view(np.int64), reached.view(np.int64))


def test_a_cycle_leaves_no_plan_and_is_reported() -> None:
    """A cycle anywhere in the tile leaves cells out of the order: no plan is kept, and the
    pass without one reports the cycle among seeded cells."""
    dh = np.zeros((6, 6), dtype=np.uint32)
    dh[2, 2] = 1 << (4 * 0)  # east, into (2, 3)
    dh[2, 3] = 1 << (4 * 4)  # west, back into (2, 2)
    vh = np.ones((6, 6), dtype=bool)
    sh = np.zeros((6, 6), dtype=np.uint8)
    pulls, _ = _tile_pulls(dh, vh, vh, sh, 2, 2, 2, 2, False)
    _, ok = _up_order(pulls, 2, 2, np.ones(4, dtype=bool))
    assert not ok
    h = Halo2(dh, vh, vh, sh, 2, 2, 0, 0)
    tile = Tile((0, 0), 2, 2, 2, 2)
    assert up_plan(h, tile) is None
    seed = np.zeros((2, 2))
    seed[0, 0] = 1.0
    with pytest.raises(InputError, match="cycle"):
        _tile_pass(h, tile, (6, 6), seed)
