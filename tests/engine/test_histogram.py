"""The histogram's bins read from a table (:func:`ganpo.engine.histogram.table_bin`) are
those of the definition (:func:`ganpo.engine.histogram.bin_of`, a ``log10`` per value),
bit for bit: at every step of the table, on either side of it, at the table's ends and
over values of every magnitude and sign."""

from __future__ import annotations

import numba
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.engine import histogram as hist


@numba.njit(cache=False)
def _both(v: np.ndarray, first_k: np.ndarray, step_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    bits = v.view(np.int64)
    by_log = np.empty(v.size, dtype=np.int64)
    by_table = np.empty(v.size, dtype=np.int64)
    for i in range(v.size):
        by_log[i] = hist.bin_of(v[i])
        by_table[i] = hist.table_bin(v[i], bits[i], first_k, step_at)
    return by_log, by_table


def _check(values: np.ndarray) -> None:
    first_k, step_at = hist.side_bin_table()
    by_log, by_table = _both(np.ascontiguousarray(values, dtype=np.float64), first_k, step_at)
    bad = np.flatnonzero(by_log != by_table)
    assert bad.size == 0, [(values[i], by_log[i], by_table[i]) for i in bad[:5]]


def test_the_table_has_every_bin_edge_once() -> None:
    first_k, step_at = hist.side_bin_table()
    steps = step_at[np.isfinite(step_at)]
    assert steps.size == hist.N_SIDE  # one step up to each bin of a side, 1 … N_SIDE
    assert np.all(np.diff(steps) > 0)
    assert first_k[0] == 0 and first_k[-1] == hist.N_SIDE


def test_at_every_step_and_beside_it() -> None:
    _, step_at = hist.side_bin_table()
    steps = step_at[np.isfinite(step_at)]
    near = [steps]
    for direction in (0.0, np.inf):
        s = steps
        for _ in range(3):
            s = np.nextafter(s, direction)
            near.append(s)
    v = np.concatenate(near)
    _check(np.concatenate([v, -v]))


def test_at_the_ends_of_the_table_and_special_values() -> None:
    ends = [
        hist.A_LOW,
        hist.A_HIGH,
        1e-6,
        10.0**hist.LOW / 2,
        10.0 ** (hist.HIGH - 1 / hist.PER_DECADE),
    ]
    v = [0.0, -0.0, 5e-324, 2.2250738585072014e-308, 1e300, np.finfo(np.float64).max]
    for e in ends:
        v += [e, np.nextafter(e, 0.0), np.nextafter(e, np.inf)]
    v += [float(x) for x in 10.0 ** np.arange(-9.0, 10.0, 0.01)]
    arr = np.array(v)
    _check(np.concatenate([arr, -arr]))


def test_over_values_of_every_magnitude() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    v = rng.normal(size=n) * 10.0 ** rng.uniform(-9, 9, n)
    _check(v)
    _check(rng.uniform(-2e4, 2e4, n).astype(np.float32).astype(np.float64))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_value(x: float) -> None:
    _check(np.array([x]))


def test_the_side_edges_bound_each_side_bin_exactly() -> None:
    """:func:`side_edges` (by bisection with the definition) are the table's steps, and
    at each edge the bin changes: one number below it is in the bin before."""
    edges = hist.side_edges()
    _, step_at = hist.side_bin_table()
    assert edges.size == hist.N_SIDE + 2
    assert edges[0] == 0.0 and edges[-1] == np.inf
    np.testing.assert_array_equal(edges[1:-1], step_at[np.isfinite(step_at)])
    inner = edges[1:-1]
    below = np.nextafter(inner, 0.0)
    k = np.arange(1, hist.N_SIDE + 1)
    np.testing.assert_array_equal(hist.bin_index(inner), hist.ZERO + k)
    np.testing.assert_array_equal(hist.bin_index(below), hist.ZERO + k - 1)
    np.testing.assert_array_equal(hist.bin_index(-inner), hist.ZERO - k)
    np.testing.assert_array_equal(hist.bin_index(-below), hist.ZERO - k + 1)
