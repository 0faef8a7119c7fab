"""The engine on a tiny synthetic region whose account is worked out by hand.

Grid: 2 × 4 cells of 100 m (10 000 m² each), two counties of 4 cells each:

    county A (360101)   county B (360102)
    forest  forest  |  water    cropland
    shrub   built   |  forest   grassland

Rain 1600 mm everywhere; ET forest 800, shrub 700, grassland 600, cropland 700,
built-up 400, water 1000 mm; NPP forest 1200, shrub 900, grassland 600 g m⁻²; 80 hot days;
soil heterotrophic respiration 300 g C m⁻² everywhere.
Flat DEM (50 m); rainfall erosivity 10 000 MJ mm ha⁻¹ h⁻¹ a⁻¹, erodibility 0.03 (tests/
tinydata.py). One gauged lake across both counties. Profile jiangxi-db36-2021, parameter set
jiangxi-default, prices as given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import pytest

from ganpo.engine.account import run_account
from tinydata import declare

A, B = 360101, 360102
REL = 1e-9  # float64 sums of a handful of cells


def _by(results: pd.DataFrame, indicator: str, column: str = "quantity") -> dict[int, float]:
    sel = results[results.indicator == indicator]
    return sel.groupby("county_adcode")[column].sum().to_dict()


@pytest.fixture
def account(tiny: Callable[..., Path]):  # type: ignore[no-untyped-def]
    return run_account(tiny(), 2022, "jiangxi-db36-2021", price_policy="as_given", chunk=2)


def test_water_conservation_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    # level-1 codes take Jiangxi's zonal sub-types' runoff coefficients (Gong et al. 2017):
    # forest: (1600 − 0.0465×1600 − 800) mm × 10 000 m² = 725.6 mm → 7 256.0 m³
    # shrub:  (1600 − 0.0426×1600 − 700) = 831.84 mm → 8 318.4 m³
    # grass:  (1600 − 0.0387×1600 − 600) = 938.08 mm → 9 380.8 m³; water/crop/built: 0
    # A = 2 × 7 256.0 + 8 318.4 = 22 830.4;  B = 7 256.0 + 9 380.8 = 16 636.8
    q = _by(account.results, "water_conservation")
    assert q[A] == pytest.approx(22_830.4, rel=REL)
    assert q[B] == pytest.approx(16_636.8, rel=REL)
    v = _by(account.results, "water_conservation", "value_cny")
    assert v[A] == pytest.approx(22_830.4 * 7.06, rel=REL)  # reservoir cost 7.06 CNY/m³


def test_carbon_oxygen_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    # net sequestration: NEP = 0.45 × NPP − R_h (300 g C m⁻²), × 10 000 m² per cell
    # forest 540 − 300 = 240 g C → 2.4 t C; shrub 405 − 300 = 105 → 1.05 t C;
    # grassland 270 − 300 = −30 → −0.3 t C (a net source); cropland not counted
    # CO₂ = 44/12 × C: A = 44/12 × (2.4 + 2.4 + 1.05) = 21.45; B = 44/12 × (2.4 − 0.3) = 7.7
    co2 = _by(account.results, "carbon_sequestration")
    assert co2[A] == pytest.approx(21.45, rel=REL)
    assert co2[B] == pytest.approx(7.7, rel=REL)
    o2 = _by(account.results, "oxygen_release")
    assert o2[B] == pytest.approx(7.7 * 32 / 44, rel=REL)  # 5.6 t O₂, same net basis
    # carbon market price of 2022 (55.30 CNY/t CO₂)
    assert _by(account.results, "carbon_sequestration", "value_cny")[A] == pytest.approx(
        21.45 * 55.30, rel=REL
    )


def test_climate_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    # transpiration heat over the hot days: τ × ET_d × 2450 kJ kg⁻¹ × 10 000 m² / (3600 × 3)
    # τ forest 0.685, shrub and grassland 0.505; ET_d forest 400, shrub 350, grassland 300 mm
    k = 2450 * 10_000 / (3600 * 3)  # kWh per mm of transpiration on a cell
    # water: 500 mm over the hot days × 10 000 m² = 5 000 m³ × (2450/3.6 + 125) kWh m⁻³
    w = 5_000 * (2450 / 3.6 + 125)
    q = _by(account.results, "climate_regulation")
    assert q[A] == pytest.approx(k * (0.685 * 400 * 2 + 0.505 * 350), rel=REL)
    assert q[B] == pytest.approx(k * (0.685 * 400 + 0.505 * 300) + w, rel=REL)


def test_statistics_indicators_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    # agriculture at net output value (value added 24 ×10⁴ CNY of 40 gross) in A, on cropland
    row = r[(r.indicator == "agriculture") & (r.county_adcode == A)]
    assert row.value_cny.item() == 240_000.0 and row.ecosystem_code.item() == 5
    # water A: (1 × 2.6 + 2 × 3.6 + 2 × 0.07) ×10⁴ m³ = 9.94 ×10⁴ CNY
    assert _by(r, "water_supply", "value_cny")[A] == pytest.approx(99_400.0, rel=REL)
    # hydropower A: 5 ×10⁴ kWh × 0.53 = 26 500 CNY
    assert _by(r, "hydropower", "value_cny")[A] == pytest.approx(26_500.0, rel=REL)
    # recreation A: 0.25 ×10⁸ CNY revenue; 3 ×10⁴ visits
    assert _by(r, "recreation", "value_cny")[A] == pytest.approx(2.5e7, rel=REL)
    assert _by(r, "recreation")[A] == 30_000.0


def test_totals_add_up(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    total = r.value_cny.sum()
    assert r.groupby("county_adcode").value_cny.sum().sum() == pytest.approx(total, rel=1e-15)
    assert r.groupby("ecosystem_code").value_cny.sum().sum() == pytest.approx(total, rel=1e-15)
    assert r.groupby("category").value_cny.sum().sum() == pytest.approx(total, rel=1e-15)
    assert account.gep_cny == total
    # extent: every cell counted once, 8 cells × 10 000 m²
    assert account.extent.area_m2.sum() == 80_000.0
    assert not [w for w in account.warnings if "nodata" in w or "no ecosystem" in w]


def test_chunking_does_not_change_results(tiny: Callable[..., Path]) -> None:
    path = tiny()
    one = run_account(path, 2022, chunk=1024).results
    many = run_account(path, 2022, chunk=1).results
    pd.testing.assert_frame_equal(one, many, rtol=1e-13)


def test_graph_building_computes_nothing(tiny: Callable[..., Path]) -> None:
    """Building the per-cell service graph reads no data (xarray's raise_if_dask_computes)."""
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.engine.rasters import open_layer
    from ganpo.services.base import RasterInputs
    from ganpo.services.methods import METHODS

    path = tiny().parent

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a dask graph was computed while it was being built")

    eco = open_layer(path / "2022/ecosystem_type.tif", 1, as_float=False)
    layers = {
        r: open_layer(path / f"2022/{r}.tif", 1)
        for r in (
            "precipitation",
            "evapotranspiration",
            "npp",
            "hot_days",
            "evapotranspiration_hot_days",
            "heterotrophic_respiration",
            "rainfall_erosivity",
            "storm_precipitation",
            "vegetation_cover",
            "wind_factor",
        )
    }
    for r in ("soil_erodibility", "erodible_fraction", "soil_crust_factor", "surface_roughness"):
        layers[r] = open_layer(path / f"{r}.tif", 1)
    for r in ("ls_factor_mfd", "ls_factor_d8"):  # stands in for the routed LS raster
        layers[r] = open_layer(path / "2022/precipitation.tif", 1) / 1000.0
    with dask.config.set(scheduler=refuse):
        out = {}
        params = load_parameter_set("jiangxi-default")
        for by_key in METHODS.values():
            for m in by_key.values():
                if m.raster is not None and all(u.key in params.values for u in m.parameters):
                    for name, comp in m.raster(RasterInputs(layers, eco, 10_000.0), params).items():
                        out[(m.indicator, name)] = comp.quantity
    got = np.asarray(out[("water_conservation", "")].compute())
    assert got[0, 0] == pytest.approx(7256.0, rel=REL)


def test_nodata_in_input_is_left_out_and_reported(tiny: Callable[..., Path]) -> None:
    p = np.full((2, 4), 1600.0, dtype="float32")
    p[0, 0] = -9999.0  # nodata on a forest cell of A: 75 % coverage, declared left out
    path = declare(tiny(layers={"precipitation": p}), "precipitation", gap_policy="leave_out")
    acc = run_account(path, 2022)
    q = _by(acc.results, "water_conservation")
    assert q[A] == pytest.approx(7_256.0 + 8_318.4, rel=REL)  # the nodata cell is not a zero…
    assert any("water_conservation: 1 cells" in w for w in acc.warnings)  # …and is reported
    assert [(d.kind, d.unit_code) for d in acc.decisions] == [("gap_policy", A)]


def test_air_purification_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    air = r[r.indicator == "air_purification"]
    # the county's discharges count as purified, spread over its vegetation by area:
    # A emits 10 t SO₂; forest 2 ha and shrub 1 ha → 20/3 t and 10/3 t
    so2_a = air[(air.component == "so2") & (air.county_adcode == A)]
    by_type = so2_a.groupby("ecosystem_code").quantity.sum()
    assert by_type[1] == pytest.approx(20 / 3, rel=REL) and by_type[2] == pytest.approx(10 / 3)
    total = air.groupby(["component", "county_adcode"]).quantity.sum()
    assert total[("dust", B)] == pytest.approx(0.5, rel=REL)  # = B's discharge
    # Jiangxi's environmental protection tax: 1.2 CNY per equivalent / 0.95 kg of SO₂
    assert so2_a.value_cny.sum() == pytest.approx(10 * 1263.16, rel=REL)


def test_water_purification_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    w = r[r.indicator == "water_purification"]
    q = w.groupby(["component", "county_adcode"]).quantity.sum()
    # B has water (1 ha): its discharges COD 3, NH₃-N 0.2, TP 0.04 t go to water (code 7)
    assert q[("cod", B)] == pytest.approx(3.0, rel=REL)
    assert q[("tp", B)] == pytest.approx(0.04, rel=REL)
    assert set(w[w.county_adcode == B].ecosystem_code) == {7}
    # A has neither wetland nor water: its discharge still counts, not attributed (code 0)
    a = w[w.county_adcode == A]
    assert set(a.ecosystem_code) == {0} and a[a.component == "cod"].quantity.sum() == 30.0
    # TP at 1.4 CNY per equivalent / 0.25 kg = 5600 CNY/t
    assert w[w.component == "tp"].value_cny.sum() == pytest.approx(0.44 * 5600.0, rel=REL)
    assert not [x for x in account.warnings if "placeholder" in x]


def test_flood_regulation_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    f = r[r.indicator == "flood_regulation"].groupby(["component", "county_adcode"]).quantity.sum()
    # gauged lake: 100 ×10⁴ m³ between trough and peak, split by area 0.005 : 0.015 km²
    assert f[("lake", A)] == pytest.approx(250_000.0, rel=REL)
    assert f[("lake", B)] == pytest.approx(750_000.0, rel=REL)
    # reservoir A: 0.35 × 10 ×10⁴ m³ = 35 000 m³
    assert f[("reservoir", A)] == pytest.approx(35_000.0, rel=REL)
    assert ("marsh", A) not in f.index  # no wetland cells
    # vegetation A·J·R: 1600 mm × K 0.6 × R (forest 0.363, shrub 0.14) × 10 000 m²
    # forest 3 484.8 m³, shrub 1 344 m³, grassland none: A = 2 × 3 484.8 + 1 344 = 8 313.6
    assert f[("vegetation", A)] == pytest.approx(8_313.6, rel=REL)
    assert f[("vegetation", B)] == pytest.approx(3_484.8, rel=REL)


def test_soil_retention_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    # Flat DEM: every cell is on the edge of one flat and drains straight off it, so flow
    # accumulation is 1 and slope 0 → m = 0.2, S = 0.03, x = 1,
    # L = D^2.4 / (D^2.2 · 22.13^0.2) = (100 / 22.13)^0.2 = 1.351854; LS = 0.0405556.
    # R·K·LS × 1 ha = 10 000 × 0.03 × 0.0405556 = 12.16669 t per cell, × (1 − C·P):
    # forest 0.994, shrub 0.97, grassland 0.95, cropland 1 − 0.2 × 0.35 = 0.93, others 0
    # A = (2 × 0.994 + 0.97) × 12.16669 = 35.9891; B = (0.93 + 0.994 + 0.95) × 12.16669 = 34.9670
    per_cell = 10_000 * 0.03 * 0.03 * (100 / 22.13) ** 0.2
    q = _by(account.results, "soil_retention")
    assert q[A] == pytest.approx(2.958 * per_cell, rel=1e-6)  # LS is stored as float32
    assert q[B] == pytest.approx(2.874 * per_cell, rel=1e-6)
    # value per t: 0.24 / 0.93 t m⁻³ × 15.58 (silt) + Jiangxi forest soil N 0.00153 × 1750
    # + P 0.00048 × 5600 (the environmental protection tax of NH₃-N and TP)
    v = _by(account.results, "soil_retention", "value_cny")
    per_t = 0.24 / 0.93 * 15.58 + 0.00153 * 1750.0 + 0.00048 * 5600.0
    assert v[A] == pytest.approx(q[A] * per_t, rel=REL)


def test_pest_landscape_energy_by_hand(account) -> None:  # type: ignore[no-untyped-def]
    r = account.results
    # pest A: 0.5 hm² forest × 375 = 187.5 CNY; B: 0.5 × 375 + 0.2 hm² grassland × 112.5 = 210
    pest = _by(r, "pest_control", "value_cny")
    assert pest[A] == pytest.approx(187.5, rel=REL)
    assert pest[B] == pytest.approx(210.0, rel=REL)
    # landscape A: 1000 m² × 50 CNY/m² = 50 000 CNY
    assert _by(r, "landscape_premium", "value_cny")[A] == pytest.approx(50_000.0, rel=REL)
    # biomass A: 2 ×10⁴ kWh × 0.53 = 10 600 CNY
    assert _by(r, "other_energy", "value_cny")[A] == pytest.approx(10_600.0, rel=REL)


def test_profiles_differ_as_they_say(tiny: Callable[..., Path]) -> None:
    path = tiny()
    jx = run_account(path, 2022, "jiangxi-db36-2021", price_policy="as_given").results
    nat = run_account(path, 2022, "national-2022", price_policy="as_given").results
    gbt = run_account(path, 2022, "gbt-46869-2025", price_policy="as_given").results
    # Jiangxi counts oxygen release and pest control; the national profile does not
    assert {"oxygen_release", "pest_control"} <= set(jx.indicator)
    assert not {"oxygen_release", "pest_control"} & set(nat.indicator)
    # material products: net output value (Jiangxi, after Garzê) vs gross output (national)
    assert _by(jx, "agriculture", "value_cny")[A] == pytest.approx(240_000.0, rel=REL)
    assert _by(nat, "agriculture", "value_cny")[A] == pytest.approx(400_000.0, rel=REL)
    # recreation: revenue (Jiangxi) vs travel cost (national)
    # A: 3 ×10⁴ visits × (5 h × 30 CNY/h × 0.30 + 400 CNY) = 30 000 × 445 = 13 350 000
    assert _by(nat, "recreation", "value_cny")[A] == pytest.approx(
        30_000 * (5 * 30 * 0.30 + 400), rel=REL
    )
    assert _by(jx, "recreation", "value_cny")[A] == pytest.approx(2.5e7, rel=REL)
    # GB/T 46869 nets out external water: A's water supply × (1 − 0.2), hydropower × (1 − 0.5)
    assert _by(gbt, "water_supply", "value_cny")[A] == pytest.approx(99_400.0 * 0.8, rel=REL)
    assert _by(gbt, "hydropower", "value_cny")[A] == pytest.approx(26_500.0 * 0.5, rel=REL)
    ded = gbt[gbt.component == "external_deduction"]
    assert set(ded.indicator) == {"water_supply", "hydropower"} and (ded.value_cny < 0).all()


def test_engine_values_agree_with_valuation_rules(account) -> None:  # type: ignore[no-untyped-def]
    """Every priced row of the account equals quantity valued by the public valuation API."""
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.services.valuation import VALUATIONS, value_quantities

    r = account.results
    priced = r[[(i, c) in VALUATIONS for i, c in zip(r.indicator, r.component, strict=True)]]
    assert len(priced) > 20
    again = value_quantities(priced, load_parameter_set("jiangxi-default"))
    pd.testing.assert_series_equal(again.value_cny, priced.value_cny, rtol=1e-12)
    assert (again.price_key == priced.price_key).all()


def test_prices_deflated_to_the_accounting_year(tiny: Callable[..., Path]) -> None:
    """The Jiangxi profile brings 2010 prices to 2022 with the CPI deflator, and says so."""
    from ganpo.catalog.deflators import load_deflator

    acc = run_account(tiny(), 2022, "jiangxi-db36-2021")
    f = load_deflator("cn-cpi").factor(2010, 2022)
    v = _by(acc.results, "water_conservation", "value_cny")
    assert v[A] == pytest.approx(22_830.4 * 7.06 * f, rel=REL)
    # reported values (net output value of products) are already at 2022 prices: unchanged
    assert _by(acc.results, "agriculture", "value_cny")[A] == 240_000.0
    assert any(
        "price reservoir_cost of jiangxi-default: 2022 not given, 2010 value" in n
        for n in acc.notes
    )
    priced = acc.prices.value.notna() & acc.prices.unit.str.startswith("CNY")
    assert set(acc.prices.loc[priced, "year"]) <= {2010, 2022}


def test_value_rasters_are_cogs_that_add_up(tiny: Callable[..., Path], tmp_path: Path) -> None:
    import rasterio

    acc = run_account(tiny(), 2022, chunk=2, rasters_dir=tmp_path / "r")
    assert set(acc.rasters.indicator) == {
        "water_conservation",
        "carbon_sequestration",
        "oxygen_release",
        "climate_regulation",
        "soil_retention",
        "flood_regulation",  # its per-cell part: vegetation (storage comes from tables)
    }
    per_cell = ~acc.results.component.isin(["lake", "reservoir", "marsh"])
    for row in acc.rasters.itertuples():
        with rasterio.open(row.path) as src:
            assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
            data = src.read(1).astype("float64")
        # the cells' values sum to the account's per-cell value of the indicator (float32)
        total = acc.results[per_cell & (acc.results.indicator == row.indicator)].value_cny.sum()
        assert np.nansum(data) == pytest.approx(total, rel=1e-6)
    assert not list((tmp_path / "r").glob(".*"))  # no temporary files left
    assert any("value rasters written" in line for line in acc.log)
