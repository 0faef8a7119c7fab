"""The cellular automaton: demand met, rules kept, deterministic; and the oracle — a
synthetic truth made by a known CA rule is recovered better than the null model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from ganpo.errors import InputError
from ganpo.landuse.ca import CAParameters, allocate
from ganpo.landuse.demand import class_counts, markov_demand
from ganpo.landuse.suitability import (
    distance_m,
    fit_suitability,
    predict_suitability,
    slope_deg,
)
from ganpo.landuse.validation import validate

FOREST, CROP, BUILT = 1, 2, 3
CLASSES = (FOREST, CROP, BUILT)
N = 60


def _landscape() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A 60×60 start map (two towns, cropland in the low west, forest elsewhere) and its
    drivers: elevation rising to the east, slope, distance to the towns' centres."""
    rng = np.random.default_rng(7)
    cols = np.arange(N)[None, :].repeat(N, 0).astype(float)
    elev = 20.0 + 4.0 * cols + ndimage.gaussian_filter(rng.normal(0, 30, (N, N)), 3)
    centres = np.zeros((N, N), bool)
    centres[15, 15] = centres[42, 35] = True
    dist = distance_m(centres, 30.0)
    start = np.full((N, N), FOREST)
    start[elev < 130] = CROP
    start[dist <= 4 * 30.0] = BUILT
    drivers = {"elevation": elev, "slope": slope_deg(elev, 30.0)}
    return start, drivers


def _known_rule(cover: np.ndarray, elev: np.ndarray) -> np.ndarray:
    """The truth's CA rule: a non-built cell with at least 3 built cells among its 8
    neighbours and below 200 m becomes built (one synchronous step)."""
    built = (cover == BUILT).astype(int)
    nb = ndimage.convolve(built, np.ones((3, 3), int), mode="constant") - built
    out = cover.copy()
    out[(cover != BUILT) & (nb >= 3) & (elev < 200)] = BUILT
    return out


def test_oracle_known_rule_recovered_above_null() -> None:
    start, drivers = _landscape()
    t1 = _known_rule(start, drivers["elevation"])
    t2 = _known_rule(t1, drivers["elevation"])
    assert (t2 != t1).sum() == 24  # the held-out step's change, to be found
    model = fit_suitability(drivers, start, t1, CLASSES, seed=1, n_estimators=30)
    prob = predict_suitability(model, drivers, t1, rows_per_block=16)
    demand = class_counts(t2, CLASSES)  # the quantity is given: this tests allocation
    for seed in range(3):  # not one lucky seed
        run = allocate(t1, prob, demand, CLASSES, seed=seed)
        assert run.met
        v = validate(t1, t2, run.cover, CLASSES)
        # the null model (no change) has FoM 0. Measured FoM 0.17–0.37 over seeds 0–3
        # and two forest seeds (8 runs); 0.15 is under the lowest
        assert v.components.figure_of_merit > 0.15
        # at the native resolution hits and errors are close (12 hits of 24 is a tie
        # with the null); pooled in 8×8 windows (240 m) the simulation agrees better
        # than "no change" in all 8 runs measured, at 4×4 or finer in 4 of them
        beats, block = v.beats_null
        assert beats and block is not None and block <= 8
        assert v.by_resolution[-1][1] > v.by_resolution[-1][2]


def test_markov_demand_run_meets_demand_and_rules() -> None:
    start, drivers = _landscape()
    t1 = _known_rule(start, drivers["elevation"])
    demand = markov_demand(start, t1, CLASSES, 1)
    model = fit_suitability(drivers, start, t1, CLASSES, seed=1, n_estimators=20)
    prob = predict_suitability(model, drivers, t1)
    restricted = np.zeros((N, N), bool)
    restricted[:, :10] = True  # a red line on the west edge
    conv = np.ones((3, 3), bool)
    conv[BUILT - 1, :] = [False, False, True]  # built-up never reverts
    run = allocate(t1, prob, demand, CLASSES, conversion=conv, restricted=restricted, seed=5)
    assert run.met
    assert class_counts(run.cover, CLASSES).tolist() == demand.tolist()
    assert (run.cover[restricted] == t1[restricted]).all()
    assert not ((t1 == BUILT) & (run.cover != BUILT)).any()
    again = allocate(t1, prob, demand, CLASSES, conversion=conv, restricted=restricted, seed=5)
    assert np.array_equal(run.cover, again.cover)  # deterministic for a seed
    # the block size changes how rows are read, not the result's determinism for a seed
    other = allocate(t1, prob, demand, CLASSES, seed=6, conversion=conv, restricted=restricted)
    assert class_counts(other.cover, CLASSES).tolist() == demand.tolist()


def test_unchanged_demand_changes_nothing() -> None:
    start, _ = _landscape()
    prob = np.full((3, N, N), 1 / 3, np.float32)
    run = allocate(start, prob, class_counts(start, CLASSES), CLASSES)
    assert run.iterations == 0
    assert np.array_equal(run.cover, start)


def test_bad_demand_and_parameters() -> None:
    start, _ = _landscape()
    prob = np.full((3, N, N), 1 / 3, np.float32)
    counts = class_counts(start, CLASSES)
    restricted = np.ones((N, N), bool)
    grow = counts.copy()
    grow[2] += 10
    grow[0] -= 10
    with pytest.raises(InputError, match="may become it"):
        allocate(start, prob, grow, CLASSES, restricted=restricted)
    conv = np.eye(3, dtype=bool)
    with pytest.raises(InputError, match="lets no class become 3"):
        allocate(start, prob, grow, CLASSES, conversion=conv)
    with pytest.raises(InputError, match="odd and at least 3"):
        allocate(start, prob, counts, CLASSES, params=CAParameters(window=4))
    with pytest.raises(InputError, match="suitability has shape"):
        allocate(start, prob[:2], counts, CLASSES)


def test_gross_flows_met_each_cell_once() -> None:
    start, drivers = _landscape()
    t1 = _known_rule(start, drivers["elevation"])
    model = fit_suitability(drivers, start, t1, CLASSES, seed=1, n_estimators=20)
    prob = predict_suitability(model, drivers, t1)
    # forest → built-up 15 cells while cropland → forest 10: forest is cleared and grows
    flows = np.zeros((3, 3), np.int64)
    flows[FOREST - 1, BUILT - 1] = 15
    flows[CROP - 1, FOREST - 1] = 10
    run = allocate(t1, prob, flows, CLASSES, seed=4)
    assert run.met
    moved = _moves(t1, run.cover)
    assert moved == {(FOREST, BUILT): 15, (CROP, FOREST): 10}
    conv = np.ones((3, 3), bool)
    conv[FOREST - 1, BUILT - 1] = False
    with pytest.raises(InputError, match="a conversion the matrix forbids"):
        allocate(t1, prob, flows, CLASSES, conversion=conv)


def _moves(before: np.ndarray, after: np.ndarray) -> dict[tuple[int, int], int]:
    """Cells per (from, to) among the cells that changed."""
    ch = before != after
    pairs, n = np.unique(np.stack([before[ch], after[ch]]), axis=1, return_counts=True)
    return {(int(a), int(b)): int(c) for (a, b), c in zip(pairs.T, n, strict=True)}
