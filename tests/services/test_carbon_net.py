"""Net carbon sequestration: R_h regression, NEP, CO₂ and O₂ by hand; numpy and dask."""

from __future__ import annotations

import math

import dask.array as da
import numpy as np
import pytest

from ganpo.services import carbon

REL = 1e-12  # pure float64 arithmetic


def test_heterotrophic_respiration_month_by_hand() -> None:
    """R_h = 0.22 [e^{0.0912 T} + ln(0.3145 P + 1)] × 30 × 46.5 % (Pei et al. 2009, doi:
    10.1111/j.1744-7909.2009.00813.x, monthly form of 李远航 et al. 2022 / 王川 et al. 2021).

    January in Nanchang-like weather, 5 °C and 60 mm:
    e^{0.456} = 1.57775; ln(0.3145 × 60 + 1) = ln(19.87) = 2.98920; sum 4.56695;
    × 0.22 = 1.004729 g C m⁻² d⁻¹; × 30 × 0.465 = 14.0160 g C m⁻²."""
    expected = 0.22 * (math.exp(0.0912 * 5) + math.log(0.3145 * 60 + 1)) * 30 * 0.465
    assert expected == pytest.approx(14.0160, abs=5e-5)
    got = carbon.heterotrophic_respiration_month_g_c_m2(5.0, 60.0)
    assert got == pytest.approx(expected, rel=REL)


def test_annual_respiration_sums_the_months_and_keeps_the_grid() -> None:
    t = np.stack([np.full((2, 3), x) for x in (5, 7, 11, 17, 22, 26, 29, 28, 24, 19, 13, 7)])
    p = np.stack(
        [np.full((2, 3), x) for x in (70, 95, 170, 220, 230, 300, 170, 140, 80, 60, 60, 45)]
    )
    months = [
        carbon.heterotrophic_respiration_month_g_c_m2(a, b) for a, b in zip(t, p, strict=True)
    ]
    got = carbon.annual_heterotrophic_respiration_g_c_m2(t, p)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, sum(months), rtol=REL)
    # a Jiangxi-like year gives 300–450 g C m⁻² a⁻¹, the demo's synthetic range
    assert 300.0 < float(got[0, 0]) < 450.0
    with pytest.raises(ValueError, match="twelve months"):
        carbon.annual_heterotrophic_respiration_g_c_m2(t[:11], p[:11])


def test_nep_co2_o2_by_hand_numpy_dask_nodata() -> None:
    """NEP = f_C·NPP − R_h (博文静 et al. 2017 §1.2(3)); CO₂ = 44/12·NEP; O₂ = 32/44·CO₂.

    forest cell of 1 ha: NPP 1300 g m⁻² DM × 0.45 = 585 g C; R_h 380 → NEP 205 g C m⁻²
    = 2.05 t C ha⁻¹ → 7.51667 t CO₂ → 5.46667 t O₂. Grassland 600 × 0.45 = 270 < 380:
    NEP −110 g C m⁻² → −4.03333 t CO₂ (a source, kept negative)."""
    npp = np.array([1300.0, 600.0, np.nan])
    rh = np.array([380.0, 380.0, 380.0])
    nep = carbon.net_ecosystem_production_g_c_m2(npp, rh, 0.45)
    np.testing.assert_allclose(nep[:2], [205.0, -110.0], rtol=REL)
    co2 = carbon.co2_from_carbon_t(nep, 1.0e4)
    np.testing.assert_allclose(co2[:2], [2.05 * 44 / 12, -1.1 * 44 / 12], rtol=REL)
    assert np.isnan(co2[2])
    np.testing.assert_allclose(carbon.o2_from_co2_t(co2[:1]), [2.05 * 32 / 12], rtol=REL)
    lazy = carbon.co2_from_carbon_t(
        carbon.net_ecosystem_production_g_c_m2(da.from_array(npp, chunks=2), rh, 0.45), 1.0e4
    )
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), co2, rtol=REL)


def test_net_is_far_below_gross() -> None:
    """The reason net sequestration is the default: on the same forest cell the gross
    1.63 × NPP uptake (21.19 t CO₂ ha⁻¹) is 2.8 times the net 7.52 t."""
    gross = carbon.co2_sequestered_t(1300.0, 1.0e4)
    net = carbon.co2_from_carbon_t(carbon.net_ecosystem_production_g_c_m2(1300.0, 380.0), 1.0e4)
    assert gross == pytest.approx(21.19, rel=REL)
    assert gross / net == pytest.approx(2.819, abs=1e-3)
