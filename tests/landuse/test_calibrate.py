"""Calibration on the calibration period alone: a synthetic case whose best parameter is
known; the logistic suitability that still ranks the cells beyond the change seen."""

from __future__ import annotations

import numpy as np
import pytest

from ganpo.errors import InputError
from ganpo.landuse.ca import CAParameters
from ganpo.landuse.calibrate import calibrate, checkerboard, parameter_grid
from ganpo.landuse.suitability import fit_suitability, predict_suitability

CLASSES = (1, 2)


def _isolated_change() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """12×12, all class 1; 16 cells, none touching another (every third row and column
    from 1), become class 2. The suitability of 2 is 1 on exactly those cells, 0
    elsewhere: a perfect suitability, but class 2 is nowhere at the start, so no cell has
    a neighbour of it and only a random patch seed can place it."""
    start = np.ones((12, 12), np.int64)
    end = start.copy()
    changed = np.zeros((12, 12), bool)
    changed[1::3, 1::3] = True
    end[changed] = 2
    prob = np.zeros((2, 12, 12), np.float32)
    prob[1][changed] = 1.0
    return start, end, prob


def test_known_best_seed_share() -> None:
    start, end, prob = _isolated_change()
    held_out = checkerboard(start.shape, 3)
    grid = parameter_grid(seed_share=(0.0, 1.0))
    cal = calibrate(start, end, prob, CLASSES, grid, held_out=held_out, seeds=(0, 1))
    # seed_share 0: no seed, no neighbour → nothing changes, FoM 0 exactly
    assert cal.table["seed_share"].tolist() == [0.0, 1.0]
    assert cal.table["fom_mean"].iloc[0] == 0.0
    # seed_share 1: the seeds go where the suitability is (1 against the floor 0.01)
    assert cal.table["fom_min"].iloc[1] > 0.5
    assert cal.best.seed_share == 1.0


def test_only_held_out_tiles_score_and_change_counts() -> None:
    # all the change on the fitted colour: nothing to calibrate on
    start, end, prob = _isolated_change()
    held_out = np.zeros(start.shape, bool)
    held_out[:, 9:] = True
    end[:, 9:] = start[:, 9:]
    with pytest.raises(InputError, match="no change between the two maps on the held-out"):
        calibrate(start, end, prob, CLASSES, parameter_grid(), held_out=held_out)
    with pytest.raises(InputError, match="no valid cell in the held-out tiles"):
        calibrate(start, end, prob, CLASSES, parameter_grid(), held_out=~np.ones((12, 12), bool))
    with pytest.raises(InputError, match="no candidate"):
        calibrate(start, end, prob, CLASSES, (), held_out=held_out)


def test_checkerboard_and_grid() -> None:
    board = checkerboard((4, 6), 2)
    assert board.sum() == 12  # half the cells, tiles alternating
    assert board[0:2, 2:4].all() and not board[0:2, 0:2].any() and not board[2:4, 2:4].any()
    grid = parameter_grid(window=(3, 5), inertia=(0.1, 1.0))
    assert [(p.window, p.inertia) for p in grid] == [(3, 0.1), (3, 1.0), (5, 0.1), (5, 1.0)]
    assert grid[0].seed_share == CAParameters().seed_share
    with pytest.raises(InputError, match=r"unknown automaton parameters \['neighbours'\]"):
        parameter_grid(neighbours=(8,))
    with pytest.raises(InputError, match="at least 1 cell"):
        checkerboard((4, 4), 0)


def test_logistic_suitability_ranks_beyond_the_change_seen() -> None:
    # a 40×40 map of class 1 with a driver rising west → east; in the calibration period
    # the 80 cells of the two easternmost columns became 2. Next period the change would
    # come from the columns just west of them, which the training saw only as persisting.
    driver = np.repeat(np.arange(40, dtype=float)[None, :], 40, axis=0)
    start = np.ones((40, 40), np.int64)
    end = start.copy()
    end[:, 38:] = 2
    drivers = {"priority": driver}
    now = end
    logistic = fit_suitability(drivers, start, end, CLASSES, seed=0, model="logistic")
    p = predict_suitability(logistic, drivers, now)[1][0, :38]  # the remaining class-1 cells
    # monotone in the driver: the next columns east rank first (far west the float32
    # probability underflows to 0, so strictly only over the nearest ten columns)
    assert np.all(np.diff(p) >= 0)
    assert np.all(np.diff(p[-10:]) > 0)
    assert set(logistic.importances()) == {"priority", "current_class"}
    assert sum(logistic.importances().values()) == pytest.approx(1.0)
    with pytest.raises(InputError, match="unknown suitability model"):
        fit_suitability(drivers, start, end, CLASSES, model="svm")  # type: ignore[arg-type]
