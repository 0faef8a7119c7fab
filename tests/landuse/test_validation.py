"""Validation measures against confusion tables worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.errors import InputError
from ganpo.landuse.validation import (
    agreement_at_resolution,
    change_components,
    class_accuracy,
    confusion_matrix,
    doubling_blocks,
    kappa,
    landscape_metrics,
    overall_agreement,
    quantity_allocation,
    transition_components,
    validate,
)


def _maps_from_table(table: list[list[int]], classes: tuple[int, ...]) -> tuple:
    """Two flat maps whose cross-tabulation is ``table`` (rows reference, cols simulated)."""
    ref, sim = [], []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            ref += [classes[i]] * n
            sim += [classes[j]] * n
    return np.array(ref), np.array(sim)


def test_three_class_table_by_hand() -> None:
    # reference rows / simulated columns, 100 cells:
    #        1   2   3 | row
    #   1   30   5   5 | 40
    #   2    0  25   5 | 30
    #   3   10   0  20 | 30
    #  col  40  30  30
    table = [[30, 5, 5], [0, 25, 5], [10, 0, 20]]
    ref, sim = _maps_from_table(table, (1, 2, 3))
    got = confusion_matrix(ref, sim, (1, 2, 3))
    assert got.tolist() == table
    # p_o = (30 + 25 + 20) / 100 = 0.75
    assert overall_agreement(got) == pytest.approx(0.75, abs=1e-15)
    # p_e = .4·.4 + .3·.3 + .3·.3 = .34; κ = (.75 − .34) / .66 = 0.621212…
    assert kappa(got) == pytest.approx(0.41 / 0.66, rel=1e-12)
    # row and column totals are equal, so Q = 0; A = 1 − 0.75 = 0.25:
    # a_1 = 2·min(.40−.30, .40−.30) = .20, a_2 = 2·min(.05, .05) = .10,
    # a_3 = 2·min(.10, .10) = .20 → A = (.2 + .1 + .2)/2 = .25
    q, a = quantity_allocation(got)
    assert q == pytest.approx(0.0, abs=1e-15)
    assert a == pytest.approx(0.25, abs=1e-15)
    acc = class_accuracy(got, (1, 2, 3))
    # producer's: 30/40, 25/30, 20/30; user's: 30/40, 25/30, 20/30
    assert acc["producer_accuracy"].tolist() == pytest.approx([0.75, 25 / 30, 20 / 30])
    assert acc["user_accuracy"].tolist() == pytest.approx([0.75, 25 / 30, 20 / 30])


def test_quantity_disagreement_by_hand() -> None:
    # everything simulated as class 1: reference 60 of 1 and 40 of 2
    # p_o = .6; Q = (|.6 − 1| + |.4 − 0|)/2 = .4; A = 0 (min(.0, .4) and min(.4, .0))
    # κ: p_e = .6·1 + .4·0 = .6 → (.6 − .6)/.4 = 0
    ref, sim = _maps_from_table([[60, 0], [40, 0]], (1, 2))
    t = confusion_matrix(ref, sim, (1, 2))
    q, a = quantity_allocation(t)
    assert (q, a) == pytest.approx((0.4, 0.0), abs=1e-15)
    assert kappa(t) == pytest.approx(0.0, abs=1e-15)
    acc = class_accuracy(t, (1, 2))
    assert np.isnan(acc["user_accuracy"].iloc[1])  # class 2 never simulated


def test_figure_of_merit_by_hand() -> None:
    # 20 cells. observed change in 8: simulated right (hits) 3, to another class (wrong
    # hits) 1, persistence (misses) 4; 12 observed persistent: 2 simulated as change
    # (false alarms), 10 correct rejections.
    start = np.array([1] * 8 + [1] * 12)
    obs = np.array([2] * 3 + [3] + [2] * 4 + [1] * 12)
    sim = np.array([2] * 3 + [2] + [1] * 4 + [2] * 2 + [1] * 10)
    c = change_components(start, obs, sim)
    assert (c.hits, c.wrong_hits, c.misses, c.false_alarms) == (3, 1, 4, 2)
    assert c.correct_rejections == 10
    # FoM = B/(A+B+C+D) = 3/(4+3+1+2) = 0.3; producer's = 3/8; user's = 3/6
    assert c.figure_of_merit == pytest.approx(0.3, abs=1e-15)
    assert c.producer_accuracy == pytest.approx(3 / 8, abs=1e-15)
    assert c.user_accuracy == pytest.approx(0.5, abs=1e-15)


def test_figure_of_merit_in_area_units() -> None:
    # FoM is a ratio of areas, so it does not depend on the unit: PLUS-style reporting
    # gives the four components in km²; with B = 120, A = 210, C = 15, D = 155 km²,
    # FoM = 120 / (210 + 120 + 15 + 155) = 120 / 500 = 0.24 — and the same in cells
    n = {"B": 120, "A": 210, "C": 15, "D": 155, "keep": 500}
    start = np.ones(sum(n.values()), dtype=int)
    obs = np.array([2] * n["B"] + [2] * n["A"] + [3] * n["C"] + [1] * (n["D"] + n["keep"]))
    sim = np.array([2] * n["B"] + [1] * n["A"] + [2] * n["C"] + [2] * n["D"] + [1] * n["keep"])
    assert change_components(start, obs, sim).figure_of_merit == pytest.approx(0.24)


def test_nodata_cells_left_out() -> None:
    ref = np.array([[1, 1], [2, 0]])
    sim = np.array([[1, 2], [2, 0]])
    t = confusion_matrix(ref, sim, (1, 2), valid=ref != 0)
    assert t.tolist() == [[1, 1], [0, 1]]


def test_multi_resolution_agreement() -> None:
    # 2×4 maps; at block 2 the left window has ref {1,1,2,2} sim {2,2,1,1}: shares equal
    # → full agreement; the right window ref all 1, sim three 1s and one 2 → 3 of 4 agree.
    # agreement = (4 + 3)/8 = 0.875; at block 1 only 3 of 8 cells agree
    ref = np.array([[1, 2, 1, 1], [1, 2, 1, 1]])
    sim = np.array([[2, 1, 1, 1], [2, 1, 1, 2]])
    assert agreement_at_resolution(ref, sim, (1, 2), 1) == pytest.approx(3 / 8)
    assert agreement_at_resolution(ref, sim, (1, 2), 2) == pytest.approx(7 / 8)


def test_null_model_and_beats_null() -> None:
    start = np.array([[1, 1, 1, 1], [1, 1, 1, 1]])
    obs = np.array([[2, 2, 1, 1], [1, 1, 1, 1]])
    sim_good = np.array([[2, 1, 1, 1], [1, 1, 1, 1]])
    v = validate(start, obs, sim_good, (1, 2), blocks=(1, 2))
    assert v.null_agreement == pytest.approx(6 / 8)
    assert v.agreement == pytest.approx(7 / 8)
    assert v.beats_null == (True, 1)
    sim_bad = np.array([[1, 1, 1, 1], [2, 1, 1, 1]])  # change in the wrong place
    v = validate(start, obs, sim_bad, (1, 2), blocks=(1, 2))
    assert v.agreement == pytest.approx(5 / 8)
    # at block 2 the left window (cells 0,1 of both rows) holds one 2 in sim, two in obs:
    # 3 of 4 agree, right window 4 of 4 → 7/8 > null's 6/8
    assert v.beats_null == (True, 2)


def test_null_resolution_by_doubling_windows() -> None:
    # 4×4, all class 1 at the start; two cells of the top-left 2×2 window become 2.
    start = np.ones((4, 4), int)
    obs = start.copy()
    obs[0, 0:2] = 2
    # the simulation puts the two cells in row 2, in the bottom-left 2×2 window:
    sim = start.copy()
    sim[2, 0:2] = 2
    assert doubling_blocks(start.shape) == (1, 2, 4)
    v = validate(start, obs, sim, (1, 2))
    # 1 cell: 4 cells disagree, 12/16; null (no change) 2 disagree, 14/16
    # 2×2: top-left window obs {1: 2, 2: 2}, sim {1: 4} → 2 of 4; bottom-left obs {1: 4},
    #      sim {1: 2, 2: 2} → 2 of 4: 12/16 again; null: top-left 2 of 4 → 14/16
    # 4×4 (the whole region): obs {1: 14, 2: 2} = sim's shares → 16/16 > 14/16
    assert [b for b, _, _ in v.by_resolution] == [1, 2, 4]
    assert [s for _, s, _ in v.by_resolution] == pytest.approx([12 / 16, 12 / 16, 1.0])
    assert [n for _, _, n in v.by_resolution] == pytest.approx([14 / 16] * 3)
    assert v.beats_null == (True, 4)  # the null resolution: the whole region
    # the right class in the wrong window of the right row pair: beats at 2×2 already
    sim[2, 0:2], sim[1, 0:2] = 1, 2
    assert validate(start, obs, sim, (1, 2)).beats_null == (True, 2)
    # the wrong class: at the whole region obs {1: 14, 2: 2}, sim {1: 14, 3: 2} → 14/16,
    # a tie with the null model at every window, which is not beating it
    wrong = start.copy()
    wrong[0, 0:2] = 3
    v = validate(start, obs, wrong, (1, 2, 3))
    assert v.by_resolution[-1][1:] == pytest.approx((14 / 16, 14 / 16))
    assert v.beats_null == (False, None)


def test_transition_components_by_hand() -> None:
    start = np.array([1, 1, 1, 1, 1, 2, 2, 3])
    obs = np.array([2, 2, 3, 1, 1, 1, 2, 3])
    sim = np.array([2, 3, 1, 2, 1, 2, 1, 2])
    got = {(t.source, t.target): t for t in transition_components(start, obs, sim, (1, 2, 3))}
    assert sorted(got) == [(1, 2), (1, 3), (2, 1), (3, 2)]
    t = got[(1, 2)]  # observed at cells 0, 1; simulated at 0, 3
    assert (t.observed, t.simulated, t.hits, t.wrong_hits, t.misses, t.false_alarms) == (
        2,
        2,
        1,
        1,  # cell 1 simulated as 1 → 3
        0,
        1,  # cell 3 persisted
    )
    assert t.figure_of_merit == pytest.approx(1 / 3)
    t = got[(1, 3)]  # observed at cell 2 (simulated persistence), simulated at cell 1
    assert (t.observed, t.simulated, t.hits, t.misses, t.false_alarms) == (1, 1, 0, 1, 0)
    t = got[(2, 1)]  # observed at 5 (simulated 2: miss), simulated at 6 (persisted: alarm)
    assert (t.hits, t.misses, t.false_alarms) == (0, 1, 1)
    assert (got[(3, 2)].observed, got[(3, 2)].false_alarms) == (0, 1)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="different grids"):
        confusion_matrix(np.ones((2, 2), int), np.ones((2, 3), int), (1,))
    with pytest.raises(InputError, match=r"codes \[7\] outside the class scheme"):
        confusion_matrix(np.array([1, 7]), np.array([1, 1]), (1, 2))


def test_landscape_metrics_patches() -> None:
    # class 1: two patches (4 cells and 1 cell, not touching even diagonally); class 2 the rest
    cover = np.array(
        [
            [1, 1, 2, 2],
            [1, 1, 2, 2],
            [2, 2, 2, 1],
        ]
    )
    df = landscape_metrics(cover, 30.0).set_index("class")
    assert df.loc[1, "number_of_patches"] == 2
    assert df.loc[2, "number_of_patches"] == 1
    # 5 of 12 cells = 41.67 %
    assert df.loc[1, "proportion_of_landscape"] == pytest.approx(500 / 12)
