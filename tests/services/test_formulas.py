"""Each formula: a hand-computed case (arithmetic in the comment), scalar, numpy and dask
inputs, and nodata (NaN) in → NaN out."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from ganpo.services import carbon, climate, statistics, water_conservation
from ganpo.services.base import lookup, take_by_code, where_type

REL = 1e-12  # pure float64 arithmetic: only rounding differs


def test_water_conservation_hand_case() -> None:
    # forest, 1600 mm rain, α 0.0267 → runoff 42.72 mm; ET 800 mm; 100 m cell = 10 000 m²
    # (1600 − 42.72 − 800) mm = 757.28 mm = 0.75728 m × 10 000 m² = 7 572.8 m³
    q = water_conservation.water_conservation_m3(1600.0, 800.0, 0.0267, 10_000.0)
    assert q == pytest.approx(7572.8, rel=REL)


def test_water_conservation_negative_balance_is_clipped_or_kept() -> None:
    # 600 mm rain, 5 % runoff (30 mm), 700 mm ET → −130 mm × 1 m² = −0.13 m³
    assert water_conservation.water_conservation_m3(600.0, 700.0, 0.05, 1.0) == 0.0
    raw = water_conservation.water_conservation_m3(600.0, 700.0, 0.05, 1.0, clip_negative=False)
    assert raw == pytest.approx(-0.13, rel=REL)


def test_water_conservation_array_kinds_and_nodata() -> None:
    p = np.array([[1600.0, np.nan], [600.0, 1500.0]])
    et = np.array([[800.0, 800.0], [700.0, np.nan]])
    expected = np.array([[7572.8, np.nan], [0.0, np.nan]])
    got = water_conservation.water_conservation_m3(p, et, 0.0267 * (p == p) + 0.0, 10_000.0)
    got[1, 0] = water_conservation.water_conservation_m3(600.0, 700.0, 0.0267, 10_000.0)
    np.testing.assert_allclose(got, expected, rtol=REL)
    lazy = water_conservation.water_conservation_m3(
        da.from_array(p, chunks=1), da.from_array(et, chunks=1), 0.0267, 10_000.0
    )
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), got, rtol=REL)


def test_carbon_and_oxygen_hand_case() -> None:
    # 1200 g m⁻² × 10 000 m² = 12 t dry matter; × 1.63 = 19.56 t CO₂; × 1.2 = 14.4 t O₂
    assert carbon.co2_sequestered_t(1200.0, 10_000.0) == pytest.approx(19.56, rel=REL)
    assert carbon.o2_released_t(1200.0, 10_000.0) == pytest.approx(14.4, rel=REL)
    npp = np.array([1200.0, np.nan, 0.0])
    np.testing.assert_allclose(carbon.co2_sequestered_t(npp, 10_000.0), [19.56, np.nan, 0.0])
    lazy = carbon.o2_released_t(da.from_array(npp, chunks=2), 10_000.0)
    np.testing.assert_allclose(lazy.compute(), [14.4, np.nan, 0.0])


def test_climate_vegetation_hand_case() -> None:
    # ET 800 mm → 800 kg m⁻² × 2450 kJ kg⁻¹ / 365 d = 5369.863 kJ m⁻² d⁻¹
    # × 10 000 m² × 80 d / (3600 kJ kWh⁻¹ × 3) = 397 767.63 kWh
    heat = climate.mean_daily_latent_heat_kj_m2_d(800.0)
    assert heat == pytest.approx(800 * 2450 / 365, rel=REL)
    kwh = climate.vegetation_cooling_kwh(heat, 10_000.0, 80.0)
    assert kwh == pytest.approx(800 * 2450 / 365 * 10_000 * 80 / 10_800, rel=REL)
    assert kwh == pytest.approx(397_767.63, abs=0.01)


def test_climate_water_surface_hand_case() -> None:
    # 1000 mm a⁻¹ over 10 000 m² × 80/365 d = 2191.78 m³ evaporated on hot days;
    # per m³: 1000 kg × 2450 kJ kg⁻¹ / 3600 = 680.556 kWh + 120 kWh (humidifier) = 800.556
    ew = climate.hot_day_evaporation_m3(1000.0, 10_000.0, 80.0)
    assert ew == pytest.approx(10_000 * 80 / 365, rel=REL)
    kwh = climate.water_surface_cooling_kwh(ew)
    assert kwh == pytest.approx(ew * (2450 / 3.6 + 120), rel=REL)
    arr = climate.water_surface_cooling_kwh(np.array([ew, np.nan]))
    assert np.isnan(arr[1]) and arr[0] == pytest.approx(kwh, rel=REL)


def test_statistics_formulas_reproduce_garze_rows() -> None:
    # Garzê 2010 (白玛卓嘎 et al. 2017, Table 3): water 1.36/150.17/17.31 ×10⁸ m³ at 2.6/3.6/0.07 → 545.36
    v = statistics.water_supply_value_cny(1.36e8, 150.17e8, 17.31e8, 2.6, 3.6, 0.07)
    assert round(v / 1e8, 2) == 545.36
    # hydropower 95.30 ×10⁸ kWh × 0.53 → 50.51
    assert round(statistics.hydropower_value_cny(95.30e8, 0.53) / 1e8, 2) == 50.51
    s = statistics.market_value_cny(np.array([1.0, np.nan]))
    assert s[0] == 1.0 and np.isnan(s[1])


def test_lookup_and_where_type_numpy_and_dask_agree() -> None:
    codes = np.array([[1, 2], [5, 255]], dtype="uint8")
    table = {1: 0.5, 2: 0.25}
    np_out = lookup(codes, table, 0.0)
    np.testing.assert_array_equal(np_out, [[0.5, 0.25], [0.0, np.nan]])
    da_out = lookup(da.from_array(codes, chunks=1), table, 0.0)
    np.testing.assert_array_equal(da_out.compute(), np_out)
    mask = lookup(codes, {1: 1.0}, 0.0)
    q = np.array([[3.0, np.nan], [np.nan, 7.0]])
    # type 1 → its quantity; other types → 0 even where an input is nodata; no type → NaN
    np.testing.assert_array_equal(where_type(mask, q), [[3.0, 0.0], [0.0, np.nan]])


def test_net_output_value_by_hand() -> None:
    """V = Y − C_i, net output value (净产值, 白玛卓嘎 et al. 2017 §2.3(1)) read as value
    added: gross output 12.0e8 CNY, intermediate consumption 5.1e8 → 6.9e8 CNY; the four
    printed Garzê rows 12.2875 + 2.3777 + 22.0760 + 0.0356 = 36.7768 ×10⁸ CNY pass through."""
    assert statistics.net_output_value_cny(12.0e8 - 5.1e8) == pytest.approx(6.9e8, rel=REL)
    rows = np.array([12.2875, 2.3777, 22.0760, 0.0356]) * 1e8
    assert statistics.net_output_value_cny(rows).sum() / 1e8 == pytest.approx(36.7768, rel=REL)
    lazy = statistics.net_output_value_cny(da.from_array(rows, chunks=2))
    np.testing.assert_allclose(lazy.compute(), rows, rtol=REL)


def test_take_by_code_is_numpys_fancy_indexing_bit_for_bit() -> None:
    """The compiled gather of 8-bit codes (the pass's strips) gives the float64 bits that
    ``lut[codes]`` gives: every code, NaN payloads, −0.0, subnormals; on contiguous strips
    and on views; other code types and tables go through numpy itself."""
    rng = np.random.default_rng(7)
    lut = rng.normal(size=256)
    lut[:6] = [-0.0, 0.0, 5e-324, np.inf, -np.inf, np.nan]
    lut[6] = np.frombuffer(np.int64(0x7FF8_0000_0000_0BAD).tobytes(), dtype=np.float64)[0]
    codes = rng.integers(0, 256, size=(130, 70), dtype=np.uint8)
    codes[0, :] = np.arange(70)
    for strip in (codes, codes[64:128], codes[:, 3:40], codes[::2, ::3], codes[:0]):
        got = take_by_code(strip, lut)
        assert got.dtype == np.float64 and got.shape == strip.shape
        assert np.array_equal(got.view(np.int64), lut[strip].view(np.int64))
    for other, table in ((codes.astype(np.int16), lut), (codes, lut.astype(np.float32))):
        assert np.array_equal(take_by_code(other, table), table[other], equal_nan=True)
