"""The MFD seam round's tile pass from a few seeds
(:func:`ganpo.engine.tiled_accum._accumulate_seeded`) against routing's accumulation of
the whole tile from the same seeds (``_accumulate_tile``): NaN off the routed cells and
0 exactly where no seed reaches, as the whole pass gives; elsewhere the same sums in
another order, so equal to a few units in the last place. A cycle through a seeded cell
is reported."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.engine.routing import fill_pits, flow_direction_mfd
from ganpo.engine.tiled_accum import _accumulate_seeded, _accumulate_tile


def _tile(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows, cols = 31, 27
    z = rng.random((rows, cols)) * 4 + np.add.outer(np.arange(rows), np.arange(cols)) * 0.2
    z[rng.random((rows, cols)) < 0.06] = np.nan
    fill_pits(z)
    return flow_direction_mfd(z), ~np.isnan(z)


@pytest.mark.parametrize("landscape", [1, 7, 19])
@pytest.mark.parametrize("where", ["edges", "every cell", "one NaN"])
def test_seeded_pass_agrees_with_the_whole_pass(landscape: int, where: str) -> None:
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
    got, ok = _accumulate_seeded(d, valid, seed)
    expected = _accumulate_tile(d, valid, seed, True, "test")
    assert ok
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    assert np.array_equal(got == 0.0, expected == 0.0)  # the cells no seed reaches
    both = ~np.isnan(expected)
    np.testing.assert_allclose(got[both], expected[both], rtol=1e-13, atol=0.0)
    if where == "edges":
        assert 0 < np.count_nonzero(got[valid]) < np.count_nonzero(valid)


def test_a_cycle_through_a_seeded_cell_is_reported() -> None:
    d = np.zeros((3, 3), dtype=np.uint32)
    d[1, 1] = 1  # east, share 1
    d[1, 2] = 1 << 16  # west, share 1
    valid = np.ones((3, 3), dtype=bool)
    seed = np.zeros((3, 3))
    seed[1, 1] = 1.0
    _, ok = _accumulate_seeded(d, valid, seed)
    assert not ok
