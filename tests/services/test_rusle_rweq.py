"""RUSLE, RWEQ and storm-flood formulas against values worked out by hand, on scalars,
numpy and dask arrays."""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pytest

from ganpo.services import flood, rusle, rweq


def test_slope_factor_switches_at_nine_percent() -> None:
    # 8.9 %: sin(atan 0.089) = 0.089 / √1.007921 = 0.0886496; 10.8 × 0.0886496 + 0.03 = 0.98742
    # 9.0 %: sin(atan 0.09) = 0.09 / √1.0081 = 0.0896377; 16.8 × 0.0896377 − 0.5 = 1.00591
    s = rusle.slope_factor(np.array([8.9, 9.0]))
    assert s[0] == pytest.approx(0.98742, abs=1e-5)
    assert s[1] == pytest.approx(1.00591, abs=1e-5)


def test_slope_length_exponent_table_edges() -> None:
    m = rusle.slope_length_exponent(np.array([0.0, 1.0, 1.01, 3.5, 5.0, 9.0]))
    np.testing.assert_array_equal(m, [0.2, 0.2, 0.3, 0.3, 0.4, 0.5])


def test_ls_factor_grows_with_accumulation_and_is_capped() -> None:
    slope = np.full(3, 30.0)
    ls = rusle.ls_factor(slope, np.array([1.0, 100.0, 1e12]), 30.0, l_max=122.0)
    assert ls[0] < ls[1] < ls[2]
    # capped: L = 122, S = 16.8 sin(atan 0.3) − 0.5 = 16.8 × 0.287348 − 0.5 = 4.32745
    assert ls[2] == pytest.approx(122.0 * 4.32745, rel=1e-5)


def test_ls_factor_is_bitwise_its_formula_of_the_public_factors() -> None:
    """ls_factor takes θ and sin θ once for m, x and S: every bit is that of the formula
    written with slope_length_exponent and slope_factor, each taking them afresh (slopes
    on both sides of the table's steps and of 9 %, NaN, 0 and 1 upslope cell)."""
    rng = np.random.default_rng(6)
    slope = np.concatenate(
        [rng.random(20_000) * 80, rng.random(20_000) * 10, [0.0, 1.0, 3.5, 5.0, 9.0, np.nan]]
    )
    acc = np.concatenate([np.exp(rng.random(40_000) * 12), [1.0, 1.0, 2.0, 1.0, 5.0, 3.0]])
    for cell, l_max in ((30.0, 122.0), (250.0, 50.0)):
        theta = np.arctan(slope / 100.0)
        area = cell * cell
        up = np.sqrt((acc - 1.0) * area)
        m = rusle.slope_length_exponent(slope)
        x = np.abs(np.sin(theta)) + np.abs(np.cos(theta))
        length = ((up + area) ** (m + 1.0) - up ** (m + 1.0)) / (
            cell ** (m + 2.0) * x**m * rusle.UNIT_PLOT_LENGTH_M**m
        )
        want = np.minimum(length, l_max) * rusle.slope_factor(slope)
        got = rusle.ls_factor(slope, acc, cell, l_max)
        np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_retained_soil_is_potential_minus_actual() -> None:
    # 5000 × 0.04 × 3 × 0.25 ha = 150 t potential; C·P = 0.02 × 0.5 → actual 1.5, kept 148.5
    pot = rusle.potential_soil_loss_t(5000.0, 0.04, 3.0, 2500.0)
    act = rusle.soil_loss_t(5000.0, 0.04, 3.0, 0.02, 0.5, 2500.0)
    kept = rusle.retained_soil_t(5000.0, 0.04, 3.0, 0.02, 0.5, 2500.0)
    assert (pot, act, kept) == pytest.approx((150.0, 1.5, 148.5))


def test_cover_factor_from_fvc_by_hand() -> None:
    # f = 0.3: 0.6508 − 0.3436 log10(30) = 0.6508 − 0.3436 × 1.477121 = 0.14326
    c = rusle.cover_factor_from_fvc(np.array([0.0, 0.3, 0.783, 1.0]))
    np.testing.assert_allclose(c, [1.0, 0.14326, 0.0, 0.0], atol=1e-5)


def test_rweq_by_hand() -> None:
    # WF 30, EF 0.3, SCF 0.6, K' 0.5, bare (C = 1): product 2.7
    # Q_max = 109.8 × 2.7 = 296.46 kg/m; S = 150.71 × 2.7^−0.3711 = 150.71 / 1.44582 = 104.24 m
    # Q(50 m) = 100 / 104.24² × 296.46 × e^{−(50/104.24)²} = 2.72832 × e^{−0.23008} = 2.1675
    product = 30.0 * 0.3 * 0.6 * 0.5
    assert rweq.max_transport_kg_m(30.0, 0.3, 0.6, 0.5, 1.0) == pytest.approx(296.46)
    s = 150.71 * product**-0.3711
    assert rweq.critical_field_length_m(30.0, 0.3, 0.6, 0.5, 1.0) == pytest.approx(s)
    assert s == pytest.approx(104.24, abs=0.01)
    q = rweq.wind_erosion_kg_m2(30.0, 0.3, 0.6, 0.5, 1.0)
    assert q == pytest.approx(100 / s**2 * 296.46 * math.exp(-((50 / s) ** 2)))
    assert q == pytest.approx(2.1675, abs=1e-3)
    # no wind: nothing blows, nothing is fixed
    assert rweq.wind_erosion_kg_m2(0.0, 0.3, 0.6, 0.5, 1.0) == 0.0
    assert rweq.sand_fixed_t(0.0, 0.3, 0.6, 0.5, 0.9, 1e4) == 0.0


def test_rweq_fixed_sand_is_potential_minus_actual() -> None:
    cover = np.array([0.0, 0.3, 0.9])
    fixed = rweq.sand_fixed_t(30.0, 0.3, 0.6, 0.5, cover, 1e4)
    pot = rweq.wind_erosion_kg_m2(30.0, 0.3, 0.6, 0.5, 1.0) * 1e4 / 1e3
    act = rweq.wind_erosion_kg_m2(30.0, 0.3, 0.6, 0.5, rweq.vegetation_factor(cover)) * 10
    np.testing.assert_allclose(fixed, pot - act, rtol=1e-12, atol=1e-9)
    assert fixed[0] == 0.0  # bare ground fixes nothing


def test_vegetation_runoff_reduction_by_hand() -> None:
    """Q = A·J·R, J = J0·K (缪建群 et al. 2017 Table 1 eqs. 7-9): 1600 mm × 0.6 × 0.39
    (evergreen broadleaf) × 2 ha = 1.6 × 0.6 × 0.39 × 20 000 = 7 488 m³."""
    assert flood.vegetation_runoff_reduction_m3(1600.0, 0.6, 0.39, 2e4) == pytest.approx(7488.0)


@pytest.mark.parametrize(
    "fn",
    [
        lambda a: rusle.ls_factor(a * 10, a * 50 + 1, 30.0),
        lambda a: rusle.cover_factor_from_fvc(a),
        lambda a: rweq.sand_fixed_t(a * 40, 0.3, 0.6, 0.5, a, 900.0),
        lambda a: flood.vegetation_runoff_reduction_m3(a * 1900, 0.6, a * 0.4, 900.0),
    ],
)
def test_numpy_and_dask_agree(fn) -> None:  # type: ignore[no-untyped-def]
    a = np.random.default_rng(1).uniform(0, 1, (5, 6))
    lazy = fn(da.from_array(a, chunks=(2, 3)))
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), fn(a), rtol=1e-12)
