"""Damage valuation: hand-computed loss schedules, the equivalency helper, the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from assets_support import ALBERS, TinyStore, cell_box, tiny_store
from shapely.geometry import mapping

from ganpo.apply.damage import (
    assess_damage,
    loss_schedule,
    recovery_fractions,
    restoration_pv_per_ha,
    type_value_per_ha,
    write_damage_report,
)
from ganpo.errors import InputError
from ganpo.services.asset import npv_factor
from ganpo.store.repository import load_account, open_store


def test_linear_recovery_by_hand() -> None:
    # F = 100 CNY/a, everything lost, recovery linear over N = 4 years:
    # recovered shares 0, 1/4, 2/4, 3/4 → losses 100, 75, 50, 25
    s = loss_schedule(100.0, recovery_years=4, path="linear", discount_interim=False)
    assert s.interim_by_year.tolist() == pytest.approx([100.0, 75.0, 50.0, 25.0])
    assert s.interim_cny == pytest.approx(250.0)
    assert s.permanent_cny == 0.0
    # discounted at 5 %, year 1 not discounted: 100 + 75/1.05 + 50/1.05² + 25/1.05³
    d = loss_schedule(100.0, recovery_years=4, discount_rate=0.05, horizon_years=3)
    assert d.interim_cny == pytest.approx(100 + 71.428571 + 45.351474 + 21.595940, abs=1e-5)


def test_incomplete_recovery_has_a_permanent_loss() -> None:
    # g∞ = 0.8: g_t = 0, 0.2, 0.4, 0.6; interim 100·(0.8 − g_t) = 80 + 60 + 40 + 20 = 200;
    # permanent flow 100·0.2 = 20 a year, as asset value over 3 years at 5 %:
    # 20 · (1 + 1/1.05 + 1/1.05²) = 57.188
    s = loss_schedule(
        100.0,
        recovery_years=4,
        final_recovery=0.8,
        discount_rate=0.05,
        discount_interim=False,
        horizon_years=3,
    )
    assert s.interim_cny == pytest.approx(200.0)
    assert s.permanent_cny == pytest.approx(20 * npv_factor(0.05, 3))
    assert s.permanent_cny == pytest.approx(57.188209, abs=1e-6)
    # half severity halves everything
    h = loss_schedule(
        100.0,
        recovery_years=4,
        final_recovery=0.8,
        severity=0.5,
        discount_rate=0.05,
        discount_interim=False,
        horizon_years=3,
    )
    assert (h.interim_cny, h.permanent_cny) == pytest.approx((100.0, s.permanent_cny / 2))


def test_exponential_and_table_paths() -> None:
    g = recovery_fractions("exponential", 2)
    # k = ln(20)/2: g = 0, 1 − e^(−k) = 1 − 1/√20
    assert g.tolist() == pytest.approx([0.0, 1 - 1 / np.sqrt(20)])
    s = loss_schedule(
        10.0, recovery_years=3, path="table", table=[0.0, 0.5, 0.9], discount_interim=False
    )
    assert s.interim_cny == pytest.approx(10 + 5 + 1)


def test_bad_recovery_parameters() -> None:
    with pytest.raises(InputError, match="unknown recovery path 'sigmoid'"):
        recovery_fractions("sigmoid", 3)
    with pytest.raises(InputError, match=r"must lie in \[0, final recovery = 0.5\]"):
        recovery_fractions("table", 2, table=[0.2, 0.7], final_recovery=0.5)
    with pytest.raises(InputError, match="at least 1 year"):
        recovery_fractions("linear", 0)
    with pytest.raises(InputError, match="severity"):
        loss_schedule(1.0, recovery_years=2, severity=0.0)


def test_restoration_pv_by_hand() -> None:
    # 100 CNY/(ha·a), maturity 2 years: ramp 0, 0.5, 1, 1 → undiscounted 250 over 4 years
    assert (
        restoration_pv_per_ha(100.0, maturity_years=2, horizon_years=4, discount_rate=0.0) == 250.0
    )


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    return tiny_store(tmp_path, draws=0)


def _wgs_feature(geom):  # type: ignore[no-untyped-def]
    import geopandas as gpd

    g = gpd.GeoSeries([geom], crs=ALBERS).to_crs("EPSG:4326").iloc[0]
    return {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": mapping(g)}],
    }


def test_damage_on_the_tiny_account(ts: TinyStore, tmp_path: Path) -> None:
    engine = open_store(ts.url)
    area = _wgs_feature(cell_box(0, 0, 2, 1))  # the two forest cells of county A
    r = assess_damage(
        engine,
        ts.account_id,
        area,
        recovery_years=4,
        discount_interim=False,
        discount_rate=0.05,
        horizon_years=3,
        final_recovery=0.8,
        restoration_type="forest",
        maturity_years=2,
    )
    baseline = sum(ts.cells(k)[0, :2].sum() for k in r.baseline.flows.indicator)
    assert r.schedule.baseline_cny == pytest.approx(baseline, rel=1e-6)
    assert r.schedule.interim_cny == pytest.approx(2.0 * baseline, rel=1e-6)  # (0.8+0.6+0.4+0.2)F
    assert r.by_indicator.interim_loss_cny.sum() == pytest.approx(r.schedule.interim_cny)
    s = load_account(engine, ts.account_id)
    per_ha = type_value_per_ha(
        s.results, s.extent, set(r.baseline.flows.indicator), "forest", 360101
    )
    # county A has two forest cells (2 ha), the ones damaged: per ha = baseline / 2
    assert per_ha == pytest.approx(baseline / 2, rel=1e-6)
    pv = restoration_pv_per_ha(per_ha, maturity_years=2, horizon_years=3, discount_rate=0.05)
    assert r.equivalency is not None
    assert r.equivalency["hectares_needed"] == pytest.approx(r.total_loss_cny / pv)
    paths = write_damage_report(r, tmp_path / "out" / "damage.pdf")
    assert [p.suffix for p in paths] == [".pdf", ".json", ".xlsx"]
    assert paths[0].read_bytes()[:5] == b"%PDF-"
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    assert data["interim_loss_cny"] == pytest.approx(r.schedule.interim_cny)
    assert data["price_basis"].startswith("prices of the baseline account (2022)")


def test_damage_bad_input(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    area = _wgs_feature(cell_box(0, 0, 2, 1))
    with pytest.raises(InputError, match="no wetland in county 360101"):
        assess_damage(engine, ts.account_id, area, recovery_years=3, restoration_type="wetland")
    with pytest.raises(InputError, match="outside the account's region"):
        assess_damage(
            engine, ts.account_id, _wgs_feature(cell_box(20, 20, 21, 21)), recovery_years=3
        )
