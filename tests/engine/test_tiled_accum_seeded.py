"""The MFD seam round's tile pass from a few seeds
(:func:`ganpo.engine.tiled_accum._accumulate_seeded`) against routing's accumulation of
the whole tile from the same seeds (``_accumulate_tile``), each of three accumulations
carried together against a pass of its own: 0 exactly on the routed cells no seed
reaches, as the whole pass gives; elsewhere the same sums in another order, so equal to
a few units in the last place. A cycle through a seeded cell is reported. The same for
the pass in the tile's kept order (:func:`ganpo.engine.tiled_accum._accumulate_ordered`,
decision 0112), whose order leaves out no routed cell and is refused with a cycle."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.engine.routing import fill_pits, flow_direction_mfd
from ganpo.engine.tiled_accum import (
    _accumulate_ordered,
    _accumulate_seeded,
    _accumulate_tile,
    _forward_order,
    forward_order,
)
from ganpo.engine.tiled_fill import Tile


def _tile(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, cols = 31, 27
    z = rng.random((rows, cols)) * 4 + np.add.outer(np.arange(rows), np.arange(cols)) * 0.2
    z[rng.random((rows, cols)) < 0.06] = np.nan
    fill_pits(z)
    return flow_direction_mfd(z), ~np.isnan(z)


@pytest.mark.parametrize("kept", [False, True], ids=["seeded", "kept order"])
@pytest.mark.parametrize("landscape", [1, 7, 19])
@pytest.mark.parametrize("where", ["edges", "every cell", "one NaN"])
def test_seeded_pass_agrees_with_the_whole_pass(landscape: int, where: str, kept: bool) -> None:
    d, valid = _tile(landscape)
    rows, cols = d.shape
    seed = np.zeros((rows, cols))
    if where == "edges":  # a round: inflow on cells next to the band
        seed[1, 5], seed[rows - 2, 9], seed[12, 1], seed[4, cols - 2] = 2.0, 0.5, 1.25, 3.0
    elif where == "every cell":
        seed[:] = np.random.default_rng(landscape).random((rows, cols)) + 0.1
    else:
        seed[rows - 2, cols // 2] = np.nan
    seed[~valid] = 0.0
    idx = np.flatnonzero(seed)
    # three accumulations: the seeds, their double, and the seeds on every other cell
    every_other = np.where(np.arange(len(idx)) % 2 == 0, seed.reshape(-1)[idx], 0.0)
    columns = np.stack([seed.reshape(-1)[idx], 2 * seed.reshape(-1)[idx], every_other], 1)
    if kept:
        order, ok = _forward_order(d, valid)
        assert sorted(order.tolist()) == np.flatnonzero(valid).tolist()  # each routed cell once
        got = _accumulate_ordered(d, valid, order, idx, columns, np.zeros((rows * cols, 3)))
    else:
        got, ok = _accumulate_seeded(d, valid, idx, columns)
    assert ok
    assert got.shape == (rows * cols, 3)
    for j in range(3):
        one = np.zeros(rows * cols)
        one[idx] = columns[:, j]
        expected = _accumulate_tile(d, valid, one.reshape(rows, cols), True, "test")
        mine = got[:, j].reshape(rows, cols)
        assert np.array_equal(np.isnan(mine[valid]), np.isnan(expected[valid])), j
        if j < 2:  # every seed set: the same cells reached
            assert np.array_equal(mine[valid] == 0.0, expected[valid] == 0.0), j
        both = valid & ~np.isnan(expected)
        np.testing.assert_allclose(mine[both], expected[both], rtol=1e-13, atol=0.0)
    if where == "edges":
        assert 0 < np.count_nonzero(got[valid.reshape(-1), 0]) < np.count_nonzero(valid)


def test_a_cycle_through_a_seeded_cell_is_reported() -> None:
    d = np.zeros((3, 3), dtype=np.uint32)
    d[1, 1] = 1  # east, share 1
    d[1, 2] = 1 << 16  # west, share 1
    valid = np.ones((3, 3), dtype=bool)
    _, ok = _accumulate_seeded(d, valid, np.array([4]), np.ones((1, 2)))
    assert not ok


def test_a_cycle_leaves_no_kept_order() -> None:
    d = np.zeros((3, 3), dtype=np.uint32)
    d[1, 1] = 1  # east, share 1
    d[1, 2] = 1 << 16  # west, share 1
    valid = np.ones((3, 3), dtype=bool)
    _, ok = _forward_order(d, valid)
    assert not ok
    halo = np.zeros((5, 5), dtype=np.uint32)
    halo[1:4, 1:4] = d
    tile = Tile((0, 0), 1, 1, 3, 3)  # its halo: the 5 × 5 window around it
    assert forward_order(halo, np.ones((5, 5), dtype=bool), tile, (5, 5)) is None
