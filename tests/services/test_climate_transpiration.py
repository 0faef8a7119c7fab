"""Climate regulation from the transpiration heat of the cooling days, by hand."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from ganpo.services import climate

REL = 1e-12


def test_vegetation_by_hand() -> None:
    """E_pt = Σ EPP_i·S_i·d / (3600·R_ac) (白玛卓嘎 et al. 2017 §2.4.8), EPP_i·d = τ_i·ET_d·q.

    One hectare of forest, 420 mm of ET on the days > 26 °C, τ 0.685, q 2450 kJ kg⁻¹:
    0.685 × 420 × 2450 = 704 865 kJ m⁻²; × 10 000 m² / (3600 × 3) = 652 652.78 kWh."""
    heat = climate.transpiration_heat_kj_m2(420.0, 0.685, 2450.0)
    assert heat == pytest.approx(704_865.0, rel=REL)
    kwh = climate.transpiration_cooling_kwh(heat, 10_000.0, 3.0)
    assert kwh == pytest.approx(652_652.777_78, rel=1e-9)


def test_water_surface_by_hand() -> None:
    """E_we = E_w·ρ·q/3600 + E_w·γ (白玛卓嘎 et al. 2017 §2.4.8), γ = 125 kWh m⁻³
    (商慧敏 et al. 2018 §2.3.4). 550 mm on the cooling days over 2 ha = 11 000 m³;
    × (1000 × 2450 / 3600 + 125) = 11 000 × 805.5556 = 8 861 111.1 kWh."""
    ew = climate.cooling_day_evaporation_m3(550.0, 20_000.0)
    assert ew == pytest.approx(11_000.0, rel=REL)
    kwh = climate.water_surface_cooling_kwh(ew, 2450.0, 125.0)
    assert kwh == pytest.approx(11_000 * (2450 / 3.6 + 125), rel=REL)


def test_arrays_dask_and_nodata() -> None:
    et_d = np.array([[420.0, np.nan], [300.0, 0.0]])
    tau = np.array([[0.685, 0.685], [0.505, 0.505]])
    eager = climate.transpiration_cooling_kwh(climate.transpiration_heat_kj_m2(et_d, tau), 1e4)
    lazy = climate.transpiration_cooling_kwh(
        climate.transpiration_heat_kj_m2(da.from_array(et_d, chunks=1), tau), 1e4
    )
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), eager, rtol=REL)
    assert np.isnan(eager[0, 1]) and eager[1, 1] == 0.0


def test_simplified_method_understates_hot_days_and_overstates_transpiration() -> None:
    """What changed from the simplified method (decision 0003 → 0026), on one forest
    hectare with 850 mm of annual ET, 80 hot days and 1.8 × the mean daily rate on them
    (ET_d = 850/365 × 80 × 1.8 = 335.3 mm): simplified 850 × 2450/365 × 80 × 1e4/10800
    = 422 628 kWh; transpiration 0.685 × 335.34 × 2450 × 1e4/10800 = 521 100 kWh."""
    simple = climate.vegetation_cooling_kwh(
        climate.mean_daily_latent_heat_kj_m2_d(850.0), 10_000.0, 80.0
    )
    et_d = 850.0 / 365.0 * 80.0 * 1.8
    new = climate.transpiration_cooling_kwh(climate.transpiration_heat_kj_m2(et_d, 0.685), 1e4)
    assert simple == pytest.approx(422_628.1, abs=0.1)
    assert new == pytest.approx(521_100.5, abs=0.1)
