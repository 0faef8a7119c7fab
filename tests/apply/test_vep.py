"""Site valuation (VEP): partial-pixel sums, NPV, quantities, intervals and bad input."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from assets_support import ALBERS, TinyStore, cell_box, tiny_store
from rasterio.transform import from_origin
from shapely.geometry import Polygon, mapping

from ganpo.apply.vep import raster_sums, value_site
from ganpo.errors import InputError, StoreError
from ganpo.services.asset import npv_factor
from ganpo.store.repository import open_store

RASTER_INDICATORS = {
    "water_conservation",
    "carbon_sequestration",
    "oxygen_release",
    "climate_regulation",
}


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    return tiny_store(tmp_path)


def test_npv_by_hand() -> None:
    # F = 100, r = 5 %, n = 3: 100 + 100/1.05 + 100/1.05² = 100 + 95.238 + 90.703 = 285.941
    assert 100 * npv_factor(0.05, 3) == pytest.approx(100 + 95.238095 + 90.702948, abs=1e-5)


def test_partial_pixel_sum_on_a_hand_made_raster(tmp_path: Path) -> None:
    # 3 × 3 cells of 10 m, values 1…9 with a nodata (NaN) centre; the box x 5–25, y 5–25
    # covers each corner cell by 1/4, each edge cell by 1/2 and the centre fully:
    # (1+3+7+9)/4 + (2+4+6+8)/2 + NaN (skipped) = 5 + 10 = 15
    path = tmp_path / "v.tif"
    data = np.array([[1, 2, 3], [4, np.nan, 6], [7, 8, 9]], dtype="float32")
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=3,
        height=3,
        count=1,
        dtype="float32",
        crs="EPSG:3857",
        transform=from_origin(0, 30, 10, 10),
        nodata=np.nan,
    ) as dst:
        dst.write(data, 1)
    square = Polygon([(5, 5), (25, 5), (25, 25), (5, 25)])
    assert raster_sums(square, "EPSG:3857", {"v": path})["v"] == pytest.approx(15.0, abs=1e-9)


def test_site_value_is_the_coverage_weighted_sum(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    # cell (row 0, col 0) fully and half of cell (row 0, col 1)
    site = cell_box(0, 0, 1.5, 1)
    v = value_site(
        engine,
        ts.account_id,
        site,
        crs=gpd.GeoSeries([site])
        .set_crs(
            "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 "
            "+units=m +no_defs"
        )
        .crs,
        discount_rate=0.05,
        horizon_years=3,
    )
    assert set(v.flows.indicator) == set(ts.rasters) >= RASTER_INDICATORS
    for row in v.flows.itertuples():
        cells = ts.cells(row.indicator)
        expected = cells[0, 0] + 0.5 * cells[0, 1]
        assert row.value_cny == pytest.approx(expected, rel=1e-6)  # float32 rasters
        assert row.quantity == pytest.approx(row.value_cny / row.price, rel=1e-12)
        assert row.p05_cny <= row.value_cny * 1.0000001 or math.isnan(row.p05_cny)
    assert v.area_m2 == pytest.approx(15_000.0)  # 1.5 cells × 10 000 m²
    assert v.asset_value_cny == pytest.approx(v.flow_cny * (1 + 1 / 1.05 + 1 / 1.05**2))
    assert list(v.counties.county_adcode) == [360101]
    excluded = set(v.excluded.indicator)
    assert "agriculture" in excluded and "recreation" in excluded
    assert not excluded & set(ts.rasters)


def test_interval_is_scaled_in_proportion(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    v = value_site(engine, ts.account_id, mapping(_wgs(cell_box(0, 0, 2, 2))))
    from ganpo.store.repository import load_account

    s = load_account(engine, ts.account_id)
    row = v.flows.set_index("indicator").loc["carbon_sequestration"]
    iv = s.intervals[
        (s.intervals.indicator == "carbon_sequestration") & (s.intervals.county_adcode == 0)
    ]
    region = s.results[s.results.indicator == "carbon_sequestration"].value_cny.sum()
    assert row.p05_cny == pytest.approx(row.value_cny * iv.p05_cny.iloc[0] / region)
    assert row.p95_cny == pytest.approx(row.value_cny * iv.p95_cny.iloc[0] / region)


def _wgs(geom):  # type: ignore[no-untyped-def]

    return gpd.GeoSeries([geom], crs=ALBERS).to_crs("EPSG:4326").iloc[0]


def test_wgs84_geojson_is_reprojected(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    site = cell_box(0, 0, 2, 2)  # all of county A
    v = value_site(
        engine,
        ts.account_id,
        {"type": "Feature", "properties": {}, "geometry": mapping(_wgs(site))},
    )
    cells = ts.cells("water_conservation")
    assert v.flows.set_index("indicator").value_cny["water_conservation"] == pytest.approx(
        np.nansum(cells[:, :2]), rel=1e-6
    )


def test_file_input_and_part_outside(ts: TinyStore, tmp_path: Path) -> None:

    path = tmp_path / "site.gpkg"
    gpd.GeoDataFrame(geometry=[cell_box(3, 0, 6, 1)], crs=ALBERS).to_file(path)
    v = value_site(open_store(ts.url), ts.account_id, path)
    assert v.area_m2 == pytest.approx(10_000.0)  # one cell inside, two outside
    assert v.area_outside_m2 == pytest.approx(20_000.0)
    assert any("outside the region" in n for n in v.notes)


def test_zipped_shapefile_in_another_crs(ts: TinyStore, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "shp"
    folder.mkdir()
    site = cell_box(0, 0, 2, 2)  # all of county A
    gpd.GeoDataFrame(geometry=[site], crs=ALBERS).to_crs("EPSG:32650").to_file(folder / "a.shp")
    archive = shutil.make_archive(str(tmp_path / "site"), "zip", folder)
    v = value_site(open_store(ts.url), ts.account_id, archive)
    cells = ts.cells("carbon_sequestration")
    assert v.flows.set_index("indicator").value_cny["carbon_sequestration"] == pytest.approx(
        np.nansum(cells[:, :2]), rel=1e-6
    )


def test_polygon_outside_the_region(ts: TinyStore) -> None:
    far = {"type": "Polygon", "coordinates": [[[100, 40], [100.1, 40], [100.1, 40.1], [100, 40]]]}
    with pytest.raises(InputError, match="outside the account's region"):
        value_site(open_store(ts.url), ts.account_id, far)


def test_invalid_geometry_is_explained_and_repaired_only_if_asked(ts: TinyStore) -> None:
    a = cell_box(0, 0, 2, 2).bounds
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[a[0], a[1]], [a[2], a[3]], [a[2], a[1]], [a[0], a[3]], [a[0], a[1]]]],
    }
    bowtie = mapping(_wgs(Polygon(bowtie["coordinates"][0])))
    with pytest.raises(InputError, match="Self-intersection"):
        value_site(open_store(ts.url), ts.account_id, bowtie)
    fixed = value_site(open_store(ts.url), ts.account_id, bowtie, make_valid=True)
    assert fixed.area_m2 == pytest.approx(20_000.0, rel=1e-6)  # two triangles of half a county


def test_empty_and_non_polygon_input(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    with pytest.raises(InputError, match="not a polygon"):
        value_site(engine, ts.account_id, {"type": "Point", "coordinates": [115.0, 27.0]})
    with pytest.raises(InputError, match="FeatureCollection is empty"):
        value_site(engine, ts.account_id, {"type": "FeatureCollection", "features": []})
    with pytest.raises(InputError, match="not a geometry"):
        value_site(engine, ts.account_id, {"type": "Nonsense"})


def test_bad_rate_and_horizon(ts: TinyStore) -> None:
    engine, site = open_store(ts.url), cell_box(0, 0, 1, 1)
    with pytest.raises(InputError, match="horizon 0 is not"):
        value_site(engine, ts.account_id, site, horizon_years=0)
    # 1 + 5e-324 == 1: the closed-form NPV factor divided by zero (a 500 on the API)
    for rate in (5e-324, 1e-300, -0.01, 1.5, math.nan, math.inf):
        with pytest.raises(InputError, match="discount rate"):
            value_site(engine, ts.account_id, site, discount_rate=rate)
    assert value_site(engine, ts.account_id, site, crs=ALBERS, discount_rate=0.0).factor == 100.0


def test_unknown_account_bad_crs_and_sliver(ts: TinyStore) -> None:
    engine = open_store(ts.url)
    with pytest.raises(InputError, match="no account 999"):
        value_site(engine, 999, cell_box(0, 0, 1, 1), crs=ALBERS)
    box = mapping(_wgs(cell_box(0, 0, 1, 1)))
    with pytest.raises(InputError, match="'EPSG:999999' is not a coordinate reference system"):
        value_site(engine, ts.account_id, {**box, "crs": {"properties": {"name": "EPSG:999999"}}})
    x, y = cell_box(0, 0, 1, 1).bounds[:2]
    sliver = Polygon([(x + 1, y + 1), (x + 1.5, y + 1), (x + 1.5, y + 1.5)])  # 0.125 m²
    with pytest.raises(InputError, match="less than 1 m²"):
        value_site(engine, ts.account_id, sliver, crs=ALBERS)


def test_changed_raster_is_refused(ts: TinyStore) -> None:
    path = ts.rasters["carbon_sequestration"]
    with rasterio.open(path, "r+", IGNORE_COG_LAYOUT_BREAK="YES") as dst:
        data = dst.read(1)
        data[0, 0] += 1.0
        dst.write(data, 1)
    with pytest.raises(StoreError, match="checksum mismatch"):
        value_site(open_store(ts.url), ts.account_id, mapping(_wgs(cell_box(0, 0, 1, 1))))


def test_account_without_rasters(tmp_path: Path) -> None:
    from assets_support import build_tiny, tiny_profile

    from ganpo.engine.account import run_account
    from ganpo.store.repository import save_account

    engine = open_store(tmp_path / "s.sqlite")
    manifest = build_tiny(tmp_path / "t")
    aid = save_account(engine, run_account(manifest, 2022, tiny_profile(manifest)))
    with pytest.raises(InputError, match="no per-cell value rasters"):
        value_site(engine, aid, mapping(_wgs(cell_box(0, 0, 1, 1))))


def test_json_records_what_was_read(ts: TinyStore) -> None:
    import json

    v = value_site(open_store(ts.url), ts.account_id, mapping(_wgs(cell_box(0, 0, 1, 1))))
    data = json.loads(json.dumps(v.to_dict()))
    prov = data["provenance"]
    assert prov["account_id"] == ts.account_id and prov["year"] == 2022
    assert set(prov["value_rasters"]) == set(ts.rasters)
    assert data["geometry_wgs84"]["type"] == "Polygon"
    assert data["flow_cny_per_year"] == pytest.approx(v.flow_cny)
