"""The MFD seam round's tile pass from a few seeds
(:func:`ganpo.engine.tiled_accum._accumulate_seeded`) against routing's accumulation of
the whole tile from the same seeds (``_accumulate_tile``), each of three accumulations
carried together against a pass of its own: 0 exactly on the routed cells no seed
reaches, as the whole pass gives; elsewhere the same sums in another order, so equal to
a few units in the last place. A cycle through a seeded cell is reported. The same for
the pass in the tile's kept order (:func:`ganpo.engine.tiled_accum._accumulate_ordered`,
decision 0112), whose order leaves out no routed cell and is refused with a cycle, and
for the pass on the tile stored in that order
(:func:`ganpo.engine.tiled_accum._accumulate_kept`, decision 0114), which gives the same
bits as the pass in raster order, and the same flows out of the tile."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.engine.routing import fill_pits, flow_direction_mfd
from ganpo.engine.tiled_accum import (
    _accumulate_kept,
    _accumulate_ordered,
    _accumulate_seeded,
    _accumulate_tile,
    _forward_order,
    _outflows,
    _outflows_at,
    _places,
    forward_plan,
)
from ganpo.engine.tiled_fill import Tile


def _tile(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, cols = 31, 27
    z = rng.random((rows, cols)) * 4 + np.add.outer(np.arange(rows), np.arange(cols)) * 0.2
    z[rng.random((rows, cols)) < 0.06] = np.nan
    fill_pits(z)
    return flow_direction_mfd(z), ~np.isnan(z)


@pytest.mark.parametrize(
    "kept", ["seeded", "ordered", "stored in order"], ids=["seeded", "kept order", "kept plan"]
)
@pytest.mark.parametrize("landscape", [1, 7, 19])
@pytest.mark.parametrize("where", ["edges", "every cell", "one NaN"])
def test_seeded_pass_agrees_with_the_whole_pass(landscape: int, where: str, kept: str) -> None:
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
    if kept == "ordered":
        order, ok = _forward_order(d, valid)
        assert sorted(order.tolist()) == np.flatnonzero(valid).tolist()  # each routed cell once
        got = _accumulate_ordered(d, valid, order, idx, columns, np.zeros((rows * cols, 3)))
    elif kept == "stored in order":
        order, ok = _forward_order(d, valid)
        pos, dirs = _places(order, d.reshape(-1))
        stored = _accumulate_kept(dirs, order, pos, cols, idx, columns, np.zeros((order.size, 3)))
        got = np.zeros((rows * cols, 3))
        got[order] = stored
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
    assert forward_plan(halo, np.ones((5, 5), dtype=bool), tile, (5, 5)) is None


@pytest.mark.parametrize("landscape", [1, 7, 19])
def test_the_pass_on_the_tile_stored_in_its_order_gives_the_same_bits(landscape: int) -> None:
    """Decision 0114: the same terms in the same order as the pass in raster order
    (repeated seeds, a seed on a cell not routed, a NaN and a −0 among them), each sum
    in the row of its cell's place, and the same flows out of the tile from those rows."""
    d, valid = _tile(landscape)
    rows, cols = d.shape
    rng = np.random.default_rng(landscape)
    idx = rng.choice(rows * cols, 40).astype(np.int64)  # with repeats: the last one counts
    idx[0] = np.flatnonzero(~valid)[0]  # not routed: no row, nothing passed on
    seed = rng.random((idx.size, 3)) - 0.25
    seed[1, 0], seed[2, 1] = np.nan, -0.0
    order, ok = _forward_order(d, valid)
    assert ok
    pos, dirs = _places(order, d.reshape(-1))
    assert np.array_equal(pos[order], np.arange(order.size))  # each place once
    assert np.all(pos[~valid.reshape(-1)] == -1)
    assert np.array_equal(dirs, d.reshape(-1)[order])
    whole = _accumulate_ordered(d, valid, order, idx, seed, np.zeros((rows * cols, 3)))
    stored = _accumulate_kept(dirs, order, pos, cols, idx, seed, np.zeros((order.size, 3)))
    assert np.array_equal(stored.view(np.int64), whole[order].view(np.int64))  # bits, ±0, NaN
    assert not whole[~valid.reshape(-1)].any()
    halo_d = np.zeros((rows + 2, cols + 2), dtype=d.dtype)
    halo_v = np.zeros((rows + 2, cols + 2), dtype=bool)
    halo_d[1:-1, 1:-1], halo_v[1:-1, 1:-1] = d, valid
    halo_d[1:-1, 1:-1][:, -1] |= 1  # the last column sends east too, into the halo
    halo_v[1:-1, -1] = True
    expected = _outflows(halo_d, halo_v, 1, 1, rows, cols, whole, True)
    got = _outflows_at(halo_d, halo_v, 1, 1, rows, cols, stored, pos, True)
    assert expected[0].size > 0
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(
            a.view(np.int64) if a.dtype == np.float64 else a,
            b.view(np.int64) if b.dtype == np.float64 else b,
        )
