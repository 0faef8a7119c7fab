"""Uncertainty: Approach 1 against a hand computation, Approach 2 converging to it where the
model is linear, and the inputs it refuses."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ganpo.carbon.uncertainty import approach1, approach2
from ganpo.errors import InputError, TableError


def _co2e() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": [1, 1, 1, 2],
            "year": [2022] * 4,
            "category_code": ["1.A.1", "1.A.1", "3.A.1", "1.A.1"],
            "co2e_t": [600.0, 400.0, 500.0, 50.0],
        }
    )


def _u(ad: tuple[float, float], ef: tuple[float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"category_code": ["1.A.1", "3.A.1"], "u_activity_pct": list(ad), "u_factor_pct": list(ef)}
    )


def test_approach1_by_hand() -> None:
    # unit 1: 1.A.1 = 1 000 t with U = √(5² + 12²) = 13 %; 3.A.1 = 500 t with
    # U = √(20² + 21²) = 29 %. Total 1 500 t, U = √((13 × 1000)² + (29 × 500)²) / 1500
    # = √(169e6 + 210.25e6) / 1500 = √379.25e6 / 1500 = 19 474.34 / 1500 = 12.98289 %
    r = approach1(_co2e(), _u((5, 20), (12, 21))).set_index(["unit_code", "category_code"])
    assert r.loc[(1, "1.A.1"), "u_pct"] == pytest.approx(13.0)
    assert r.loc[(1, "3.A.1"), "u_pct"] == pytest.approx(29.0)
    assert r.loc[(1, "total"), "co2e_t"] == 1500.0
    assert r.loc[(1, "total"), "u_pct"] == pytest.approx(math.sqrt(379.25e6) / 1500, rel=1e-12)
    assert r.loc[(1, "total"), "category_zh"] == "合计"
    # unit 2 has one category: its total carries that category's uncertainty
    assert r.loc[(2, "total"), "u_pct"] == pytest.approx(13.0)


def test_approach2_converges_to_approach1_for_a_linear_model() -> None:
    # with exact factors (U_EF = 0) each category is E × a, a normal: the total is normal
    # and Approach 1 is exact for it. With n = 200 000 draws the standard error of a
    # 2.5 % or 97.5 % quantile is √(0.025 · 0.975 / n) / φ(1.96) ≈ 0.006 σ, so the
    # half-width (1.96 σ) is estimated within about 0.3 % (1 s.e.); truncation at 0 is 8 σ
    # away. Tolerance 2 % of the half-width (≥ 6 standard errors).
    u = _u((8, 25), (0, 0))
    a1 = approach1(_co2e(), u).set_index(["unit_code", "category_code"])["u_pct"]
    a2 = approach2(_co2e(), u, n=200_000, seed=15).set_index(["unit_code", "category_code"])
    for key in a1.index:
        assert a2.loc[key, "u_pct"] == pytest.approx(a1.loc[key], rel=0.02), key
        # a symmetric interval around the central estimate
        assert a2.loc[key, "u_low_pct"] == pytest.approx(a1.loc[key], rel=0.03)
        assert a2.loc[key, "mean_t"] == pytest.approx(a2.loc[key, "co2e_t"], rel=2e-3)


def test_approach2_is_reproducible_with_its_seed() -> None:
    u = _u((5, 20), (12, 21))
    one = approach2(_co2e(), u, n=5_000, seed=7)
    pd.testing.assert_frame_equal(one, approach2(_co2e(), u, n=5_000, seed=7))
    assert not one.equals(approach2(_co2e(), u, n=5_000, seed=8))


def test_a_category_without_uncertainty_is_named() -> None:
    u = pd.DataFrame({"category_code": ["1.A.1"], "u_activity_pct": [5], "u_factor_pct": [7]})
    with pytest.raises(InputError, match=r"no uncertainty given for category 3\.A\.1"):
        approach1(_co2e(), u)


def test_a_negative_uncertainty_is_refused() -> None:
    with pytest.raises(TableError, match=r"category 3\.A\.1: column 'u_factor_pct' value -1"):
        approach1(_co2e(), _u((5, 5), (5, -1)))


def test_a_category_given_twice_is_refused() -> None:
    u = pd.concat([_u((5, 5), (5, 5)), _u((6, 6), (6, 6))])
    with pytest.raises(TableError, match=r"gives category 1\.A\.1, 3\.A\.1 more than once"):
        approach2(_co2e(), u, seed=1)
