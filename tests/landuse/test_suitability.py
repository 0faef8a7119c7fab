"""The drivers block by block: capped distances and slope from a strip of rows with a halo
equal the whole map's; the stratified sample by ranks."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.landuse.suitability import (
    capped_distance_rows,
    distance_m,
    halo_rows,
    sample_ranks,
    slope_deg,
    slope_rows,
)


def _strips(h: int, rows: int, halo: int) -> list[tuple[int, int, int, int]]:
    return [
        (r0, min(r0 + rows, h), max(r0 - halo, 0), min(r0 + rows + halo, h))
        for r0 in range(0, h, rows)
    ]


@pytest.mark.parametrize("rows", [1, 5, 16, 100])  # 5 and 16 do not divide 47 rows
def test_capped_distance_by_strips_equals_the_whole_map(rows: int) -> None:
    rng = np.random.default_rng(4)
    feature = rng.random((47, 31)) < 0.004  # sparse: many cells beyond the cap
    feature[3, 3] = True
    cell, cap = 30.0, 250.0  # 8.33 cells → a halo of 9 rows
    whole = distance_m(feature, cell)
    assert (whole > cap).any() and (whole < cap).any()  # the cap binds somewhere
    halo = halo_rows(cap, cell)
    assert halo == 9
    got = np.vstack(
        [
            capped_distance_rows(feature[a0:a1], slice(r0 - a0, r1 - a0), cell, cap)
            for r0, r1, a0, a1 in _strips(47, rows, halo)
        ]
    )
    below = whole < cap
    assert np.array_equal(got[below], whole[below])  # exact where below the cap
    assert (got[~below] == cap).all()
    assert np.array_equal(got, distance_m(feature, cell, max_distance_m=cap))


def test_a_halo_one_row_short_is_not_exact() -> None:
    """The halo is needed: the oracle above would catch a strip cut too tight."""
    feature = np.zeros((20, 3), bool)
    feature[0, 1] = True
    cell, cap = 30.0, 300.0  # a feature 9 rows away (270 m) is within the cap
    short = capped_distance_rows(feature[1:20], slice(8, 9), cell, cap)  # row 9, halo 8
    assert short[0, 1] == cap  # the feature 9 rows up is missed: 300 m, not 270 m
    exact = capped_distance_rows(feature[0:20], slice(9, 10), cell, cap)
    assert exact[0, 1] == 270.0


def test_slope_by_strips_equals_the_whole_map() -> None:
    rng = np.random.default_rng(1)
    elev = np.cumsum(rng.normal(0, 5, (23, 17)), axis=0)
    whole = slope_deg(elev, 30.0)
    got = np.vstack(
        [
            slope_rows(elev[a0:a1], slice(r0 - a0, r1 - a0), 30.0)
            for r0, r1, a0, a1 in _strips(23, 4, 1)
        ]
    )
    assert np.array_equal(got, whole)


def test_sample_ranks_draw_what_choice_on_the_members_draws() -> None:
    members = np.array([3, 8, 9, 15, 40, 41, 77])  # flat indices of one label's cells
    ranks = sample_ranks(np.array([7, 2]), 3, seed=5)
    expected = np.sort(np.random.default_rng(5).choice(members, 3, replace=False))
    assert np.array_equal(members[ranks[0]], expected)
    assert ranks[1].tolist() == [0, 1]  # at most the quota: all of them
