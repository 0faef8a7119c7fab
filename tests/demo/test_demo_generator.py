"""The demo dataset: real units, plausible synthetic layers, deterministic, resolution-free."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio

from ganpo.demo.generator import build_demo_dataset
from ganpo.errors import InputError
from ganpo.io.manifest import load_manifest
from ganpo.io.regions import load_counties
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES

RES = 4000.0  # coarse: the whole build takes about two seconds


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_dataset(tmp_path_factory.mktemp("demo") / "d", resolution_m=RES)


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def test_real_counties() -> None:
    units = load_counties(360000)
    assert len(units) == 100 and units.city_adcode.nunique() == 11
    assert units.county_adcode.is_unique
    # official area ≈ 166 900 km²; Tianditu polygons give 167 050 km² (ENVIRONMENT.md)
    assert units.area.sum() / 1e6 == pytest.approx(167_050, rel=0.01)
    with pytest.raises(InputError, match=r"no administrative units for province adcode 990000"):
        load_counties(990000)


def test_manifest_complete_and_verified(demo: Path) -> None:
    ds = load_manifest(demo)  # checks every file and checksum
    m = ds.manifest
    assert m.synthetic and not m.units.synthetic and m.years == [2022, 2023]
    for role, spec in LAYER_ROLES.items():
        for year in m.years:
            entry = m.layer(role, year)
            assert entry is not None and (entry.year is None) == (not spec.per_year), role
    for role in TABLE_ROLES:
        assert all(m.table(role, y) is not None for y in m.years), role


def test_layers_share_grid_and_mask(demo: Path) -> None:
    ds = load_manifest(demo)
    eco = _read(ds.path(ds.manifest.layer("ecosystem_type", 2022)))  # type: ignore[arg-type]
    inside = eco != 255
    for entry in ds.manifest.layers:
        with rasterio.open(ds.path(entry)) as src:
            assert (src.width, src.height) == eco.shape[::-1]
            data = src.read(1)
            valid = data != src.nodata
        assert (valid == inside).all(), entry.path  # nodata outside, valid inside, everywhere


def test_plausible_values(demo: Path) -> None:
    ds = load_manifest(demo)

    def layer(role: str, year: int = 2022) -> np.ndarray:
        data = _read(ds.path(ds.manifest.layer(role, year)))  # type: ignore[arg-type]
        return data[data != (255 if role == "ecosystem_type" else -9999.0)]

    eco = layer("ecosystem_type")
    assert 0.55 <= (eco == 1).mean() <= 0.65  # forest cover near 60 % (DESIGN.md)
    assert 0.015 <= (eco == 7).mean() <= 0.05  # water, with Poyang Lake
    p, et = layer("precipitation"), layer("evapotranspiration")
    assert p.min() >= 1300 and p.max() <= 2000  # Jiangxi ≈ 1400–1900 mm
    vegetated = np.isin(eco, [1, 2, 3, 5])
    assert (et[vegetated] < p[vegetated]).all()
    dem = layer("dem")
    assert dem.max() > 1200 and np.median(dem) < 600  # mountain rims, low basin


def test_land_cover_changes_a_little(demo: Path) -> None:
    ds = load_manifest(demo)
    a = _read(ds.path(ds.manifest.layer("ecosystem_type", 2022)))  # type: ignore[arg-type]
    b = _read(ds.path(ds.manifest.layer("ecosystem_type", 2023)))  # type: ignore[arg-type]
    changed = ((a != b) & (a != 255)).sum() / (a != 255).sum()
    assert 0.001 <= changed <= 0.03


def test_tables(demo: Path) -> None:
    ds = load_manifest(demo)
    units = load_counties(360000)
    t = pd.read_csv(ds.path(ds.manifest.table("agriculture", 2022)))  # type: ignore[arg-type]
    assert len(t) == 100 and set(t.county_adcode) == set(units.county_adcode)
    assert (t.select_dtypes("number") >= 0).all().all()
    lakes = pd.read_csv(ds.path(ds.manifest.table("lakes", 2022)))  # type: ignore[arg-type]
    # Poyang Lake: 2500–3500 km² of water in several counties
    assert 1500 <= lakes.lake_area.sum() <= 4000 and len(lakes) >= 3


def test_deterministic(demo: Path, tmp_path: Path) -> None:
    again = build_demo_dataset(tmp_path / "again", resolution_m=RES)
    first = load_manifest(demo).manifest
    second = load_manifest(again).manifest
    assert [e.sha256 for e in first.entries()] == [e.sha256 for e in second.entries()]
    other = load_manifest(build_demo_dataset(tmp_path / "seed", resolution_m=RES, seed=7)).manifest
    assert first.layers[1].sha256 != other.layers[1].sha256
