"""The demo dataset: real units, plausible synthetic layers, deterministic, resolution-free."""

from __future__ import annotations

import csv
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from pyproj import CRS

from ganpo.catalog.ecosystems import by_code, by_key, level1_lut, raster_codes
from ganpo.demo import build_demo_dataset
from ganpo.demo.generator import DEMO_VERSION
from ganpo.demo.landcover import CODE
from ganpo.io.manifest import Dataset, load_manifest
from ganpo.io.regions import CHINA_ALBERS, load_counties
from ganpo.io.roles import KEY_COLUMN, LAYER_ROLES, TABLE_ROLES

RES = 4000.0  # coarse: a build takes about two seconds
YEARS = (2022, 2023)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_manifest(build_demo_dataset(tmp_path_factory.mktemp("demo"), resolution_m=RES))


def _read(ds: Dataset, role: str, year: int = 2022) -> tuple[np.ndarray, float]:
    entry = ds.manifest.layer(role, year)
    assert entry is not None, role
    with rasterio.open(ds.path(entry)) as src:
        return src.read(1), float(src.nodata)


def _inside(ds: Dataset, role: str, year: int = 2022) -> np.ndarray:
    data, nodata = _read(ds, role, year)
    return data[data != nodata]


def _level1(eco: np.ndarray) -> np.ndarray:
    """The level-1 code of each cell of a map coded by sub-type."""
    return level1_lut()[eco]


def test_codes_match_catalog() -> None:
    text = (files("ganpo.catalog") / "data" / "ecosystem_types.csv").read_text("utf-8")
    catalog = {row["key"]: int(row["code"]) for row in csv.DictReader(text.splitlines())}
    assert {key: catalog[key] for key in CODE} == CODE


def test_manifest_complete_and_verified(demo: Dataset) -> None:
    m = demo.manifest  # load_manifest checked every file and checksum
    assert m.name == "jiangxi-demo" and m.region_adcode == 360000 and m.years == list(YEARS)
    assert m.synthetic and not m.units.synthetic and m.units.layer == "counties"
    assert m.generator == {
        "name": "ganpo.demo",
        "seed": 20240101,
        "resolution_m": RES,
        "version": DEMO_VERSION,
    }
    assert all(e.synthetic and "synthetic" in e.source for e in [*m.layers, *m.tables])
    for role, spec in LAYER_ROLES.items():
        entries = [x for x in m.layers if x.role == role]
        assert all(x.unit == spec.unit for x in entries), role
        if spec.per_year:
            assert sorted(x.year for x in entries if x.year is not None) == list(YEARS), role
        else:
            assert [x.year for x in entries] == [None], role
    for role, table_spec in TABLE_ROLES.items():
        for year in YEARS:
            entry = m.table(role, year)
            assert entry is not None and entry.columns == table_spec.columns, (role, year)


def test_layers_share_grid_and_mask(demo: Dataset) -> None:
    eco, nodata = _read(demo, "ecosystem_type")
    assert eco.dtype == np.uint8 and nodata == 255
    inside = eco != 255
    with rasterio.open(demo.path(demo.manifest.layers[0])) as ref:
        grid = (ref.crs, ref.transform, ref.shape)
    assert CRS.from_user_input(grid[0]).equals(CRS.from_proj4(CHINA_ALBERS))
    assert grid[1].a == RES and grid[1].e == -RES
    assert grid[1].c % RES == 0 and grid[1].f % RES == 0  # snapped to the resolution
    for entry in demo.manifest.layers:
        with rasterio.open(demo.path(entry)) as src:
            assert (src.crs, src.transform, src.shape) == grid, entry.path
            assert src.block_shapes[0] == (256, 256) or src.shape[0] < 256, entry.path
            assert src.compression is not None and src.compression.name == "deflate"
            if entry.role != "ecosystem_type":
                assert src.dtypes[0] == "float32" and src.nodata == -9999.0, entry.path
            data = src.read(1)
        # nodata exactly outside the province, in every layer
        assert ((data != src.nodata) == inside).all(), entry.path


def test_land_cover_shares(demo: Dataset) -> None:
    detailed = _inside(demo, "ecosystem_type")
    assert set(np.unique(detailed)) <= set(raster_codes())
    eco = _level1(detailed)
    share = {key: float((eco == code).mean()) for key, code in CODE.items()}
    assert 0.55 <= share["forest"] <= 0.65  # Jiangxi's forest cover is about 61 %
    assert 0.015 <= share["water"] <= 0.05  # Poyang Lake, reservoirs, ponds
    assert 0.20 <= share["cropland"] <= 0.25
    assert share["bare"] < 0.01
    # coded by sub-type (level 2) except built-up and bare land (level 1)
    keys = {by_code(int(c)).key for c in np.unique(detailed)}
    assert keys == {
        "built_up", "bare", "evergreen_broadleaf_forest", "evergreen_needleleaf_forest",
        "mixed_forest", "deciduous_broadleaf_forest", "bamboo_forest", "sparse_forest",
        "evergreen_broadleaf_shrub", "deciduous_broadleaf_shrub", "subtropical_tussock",
        "marsh", "floodplain_wetland", "paddy", "dry_land", "orchard", "river", "lake",
        "reservoir_pond",
    }  # fmt: skip
    forest = detailed[eco == CODE["forest"]]
    sub = {
        k: float((forest == by_key(k).code).mean())
        for k in ("evergreen_needleleaf_forest", "evergreen_broadleaf_forest", "bamboo_forest")
    }
    # plantations of Chinese fir and Masson pine dominate; bamboo about a tenth
    assert 0.40 <= sub["evergreen_needleleaf_forest"] <= 0.50
    assert 0.23 <= sub["evergreen_broadleaf_forest"] <= 0.33
    assert 0.07 <= sub["bamboo_forest"] <= 0.13
    crop = detailed[eco == CODE["cropland"]]
    assert 0.6 <= float((crop == by_key("paddy").code).mean()) <= 0.75


def test_plausible_climate(demo: Dataset) -> None:
    eco = _level1(_inside(demo, "ecosystem_type"))
    p, et = _inside(demo, "precipitation"), _inside(demo, "evapotranspiration")
    assert p.min() >= 1300 and p.max() <= 2000  # Jiangxi: about 1400–1900 mm
    vegetated = np.isin(eco, [CODE[k] for k in ("forest", "shrub", "grassland", "cropland")])
    assert (et[vegetated] < p[vegetated]).all()
    dem = _inside(demo, "dem")
    assert dem.max() > 1200 and np.median(dem) < 600  # mountain rims, low basin
    hot = _inside(demo, "hot_days")
    assert (hot == np.round(hot)).all() and hot.min() >= 0 and hot.max() <= 150
    t = _inside(demo, "temperature")
    assert 16.0 <= np.median(t) <= 19.5


def test_land_cover_changes_a_little(demo: Dataset) -> None:
    a = _inside(demo, "ecosystem_type", 2022)
    b = _inside(demo, "ecosystem_type", 2023)
    assert 0.001 <= (a != b).mean() <= 0.03
    gained = (b == CODE["built_up"]) & (a != CODE["built_up"])
    assert gained.any() and not ((a == CODE["built_up"]) & (b != CODE["built_up"])).any()


def test_tables(demo: Dataset) -> None:
    adcodes = set(load_counties(360000)["county_adcode"])
    for role, spec in TABLE_ROLES.items():
        for year in YEARS:
            entry = demo.manifest.table(role, year)
            assert entry is not None
            t = pd.read_csv(demo.path(entry), encoding="utf-8")
            assert set(spec.columns) <= set(t.columns), role
            numbers = t[[c for c, unit in spec.columns.items() if unit != "text"]]
            assert (numbers >= 0).all().all() and numbers.notna().all().all(), role
            if spec.per_county:
                assert len(t) == 100 and t[KEY_COLUMN].is_unique, role
                assert set(t[KEY_COLUMN]) == adcodes, role
            else:
                assert set(t[KEY_COLUMN]) <= adcodes, role
    lakes_entry = demo.manifest.table("lakes", 2022)
    assert lakes_entry is not None
    lakes = pd.read_csv(demo.path(lakes_entry))
    # the synthetic Poyang Lake: about 3000 km² of water shared by several counties
    assert 2500 <= lakes["lake_area"].sum() <= 3500 and len(lakes) >= 3


def test_tables_grow(demo: Dataset) -> None:
    def total(year: int) -> float:
        entry = demo.manifest.table("agriculture", year)
        assert entry is not None
        return float(pd.read_csv(demo.path(entry))["agriculture_output"].sum())

    assert total(2022) == pytest.approx(1.9e7, rel=0.01)  # the order of Jiangxi's output
    assert 1.03 <= total(2023) / total(2022) <= 1.06


def test_deterministic(demo: Dataset, tmp_path: Path) -> None:
    again = load_manifest(build_demo_dataset(tmp_path / "again", resolution_m=RES)).manifest
    first = demo.manifest
    assert [e.sha256 for e in first.entries()] == [e.sha256 for e in again.entries()]
    other = load_manifest(build_demo_dataset(tmp_path / "seed", resolution_m=RES, seed=7))
    assert first.units.sha256 == other.manifest.units.sha256  # real boundaries
    pairs = zip(first.layers, other.manifest.layers, strict=True)
    assert all(a.sha256 != b.sha256 for a, b in pairs)


def test_resolution_independent(demo: Dataset, tmp_path: Path) -> None:
    fine = load_manifest(build_demo_dataset(tmp_path / "fine", resolution_m=RES / 2))
    for role in ("precipitation", "npp", "dem"):
        coarse_mean = float(_inside(demo, role).astype(np.float64).mean())
        fine_mean = float(_inside(fine, role).astype(np.float64).mean())
        # same landscape: the province means differ only by the boundary cells
        assert fine_mean == pytest.approx(coarse_mean, rel=0.03), role
