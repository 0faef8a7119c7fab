"""Demand by Markov chain, linear trend and plan targets, and its checks."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.errors import InputError
from ganpo.landuse.demand import (
    check_demand,
    check_flows,
    linear_trend_demand,
    markov_demand,
    markov_flows,
    plan_demand,
    transition_matrix,
)

CLASSES = (1, 2, 3)


def test_markov_two_steps_by_hand() -> None:
    # start: 10 of class 1, 10 of class 2; end: of the 1s, 8 stay and 2 become 2;
    # of the 2s, 5 stay, 5 become 3. Class 3 absent at start → P_33 = 1.
    start = np.array([1] * 10 + [2] * 10)
    end = np.array([1] * 8 + [2] * 2 + [2] * 5 + [3] * 5)
    p = transition_matrix(start, end, CLASSES)
    assert p.tolist() == [[0.8, 0.2, 0.0], [0.0, 0.5, 0.5], [0.0, 0.0, 1.0]]
    # n_end = [8, 7, 5]; one step: [8·.8, 8·.2 + 7·.5, 7·.5 + 5] = [6.4, 5.1, 8.5]
    # → whole cells [6, 5, 9] (remainders .4 .1 .5; one cell short goes to class 3)
    assert markov_demand(start, end, CLASSES, 1).tolist() == [6, 5, 9]
    # two steps: [6.4·.8, 6.4·.2 + 5.1·.5, 5.1·.5 + 8.5] = [5.12, 3.83, 11.05]
    # floors [5, 3, 11] = 19; remainders .12 .83 .05 → class 2 → [5, 4, 11]
    assert markov_demand(start, end, CLASSES, 2).tolist() == [5, 4, 11]


def test_linear_trend_clips_and_keeps_area() -> None:
    # class 1: 50, 40, 30 over 2000/05/10 → 2030: −10 → 0; class 2: 30, 35, 40 → 60;
    # class 3: 20, 25, 30 → 50. Sum 110 > 100: rescale [0, 60, 50]·100/110 =
    # [0, 54.55, 45.45] → [0, 55, 45]
    got = linear_trend_demand([2000, 2005, 2010], [[50, 30, 20], [40, 35, 25], [30, 40, 30]], 2030)
    assert got.tolist() == [0, 55, 45]


def test_linear_trend_bad_input() -> None:
    with pytest.raises(InputError, match="different areas"):
        linear_trend_demand([2000, 2010], [[50, 50], [60, 50]], 2020)
    with pytest.raises(InputError, match="at least two years"):
        linear_trend_demand([2000], [[50, 50]], 2020)


def test_plan_targets() -> None:
    current = np.array([50, 30, 20], dtype=np.int64)
    assert plan_demand({1: 45, 3: 25}, current, CLASSES).tolist() == [45, 30, 25]
    with pytest.raises(InputError, match="study area is 100"):
        plan_demand({1: 45}, current, CLASSES)
    with pytest.raises(InputError, match=r"classes \[9\]"):
        plan_demand({9: 1}, current, CLASSES)


def test_check_demand_capacity_and_matrix() -> None:
    cover = np.array([[1, 1, 1, 2], [2, 2, 3, 3]])
    allowed = np.array([[True, True, False, True], [True, True, True, True]])
    conv = np.array([[True, True, False], [False, True, True], [False, False, True]])
    # class 2 may take the two allowed 1s (one 1 is restricted) plus its own three → at
    # most 5 cells; 1 hm² a cell to keep the message's figures plain
    check_demand(np.array([1, 5, 2]), cover, CLASSES, conv, allowed, 1.0)
    with pytest.raises(InputError, match=r"class 2 is 6\.0 hm² but only 5\.0 hm²"):
        check_demand(np.array([0, 6, 2]), cover, CLASSES, conv, allowed, 1.0)
    # no class may become 1 (column 1 of the matrix is only its own cell)
    with pytest.raises(InputError, match="lets no class become 1"):
        check_demand(np.array([5, 1, 2]), cover, CLASSES, conv, allowed, 1.0)
    with pytest.raises(InputError, match="demand sums to 9 cells but the map has 8"):
        check_demand(np.array([3, 4, 2]), cover, CLASSES, conv, allowed, 1.0)


def test_markov_flows_by_hand() -> None:
    # the chain of test_markov_two_steps_by_hand: n_end = [8, 7, 5],
    # P = [[.8, .2, 0], [0, .5, .5], [0, 0, 1]]; one step: row 1 → [6.4, 1.6, 0] → [6, 2, 0]
    # (8 cells kept: remainders .4 .6 → the .6 gets the cell); row 2 → [0, 3.5, 3.5] →
    # [0, 4, 3] (tie: the first); row 3 → [0, 0, 5]
    start = np.array([1] * 10 + [2] * 10)
    end = np.array([1] * 8 + [2] * 2 + [2] * 5 + [3] * 5)
    flows = markov_flows(start, end, CLASSES, 1)
    assert flows.tolist() == [[6, 2, 0], [0, 4, 3], [0, 0, 5]]
    # net: [8, 7, 5] + in [0, 2, 3] − out [2, 3, 0] = [6, 6, 8]
    assert (flows.sum(axis=0)).tolist() == [6, 6, 8]


def test_check_flows_forbidden_and_too_large() -> None:
    cover = np.array([[1, 1, 1, 2], [2, 2, 3, 3]])
    allowed = np.array([[True, True, False, True], [True, True, True, True]])
    conv = np.ones((3, 3), bool)
    conv[0, 2] = False
    check_flows(np.array([[0, 2, 0], [0, 0, 3], [0, 0, 0]]), cover, CLASSES, conv, allowed, 1.0)
    with pytest.raises(InputError, match=r"1\.0 hm² are to change from class 1 to 3, a conv"):
        check_flows(np.array([[0, 0, 1], [0, 0, 0], [0, 0, 0]]), cover, CLASSES, conv, allowed, 1.0)
    # class 1 has 3 cells, one restricted: 3 may not leave
    with pytest.raises(InputError, match=r"3\.0 hm² are to leave class 1 but only 2\.0 hm²"):
        check_flows(np.array([[0, 3, 0], [0, 0, 0], [0, 0, 0]]), cover, CLASSES, conv, allowed, 1.0)
