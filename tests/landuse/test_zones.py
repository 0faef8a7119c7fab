"""Restricted zones from GeoJSON text: burnt by cell centre onto the map's grid, named,
and refused by name when outside the region; a text that is no GeoJSON polygon refused."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from rasterio.crs import CRS
from rasterio.transform import from_origin

from ganpo.errors import InputError
from ganpo.landuse.zones import restricted_from_geojson

#: a 10 × 10 grid of 0.1° cells from 115°E, 29°N down to 28°N
PROFILE: dict[str, Any] = {
    "crs": CRS.from_epsg(4326),
    "transform": from_origin(115.0, 29.0, 0.1, 0.1),
    "width": 10,
    "height": 10,
}


def _box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _fc(*named: tuple[str, dict[str, Any]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"name": n}, "geometry": g} for n, g in named
            ],
        }
    )


def test_polygons_burn_by_cell_centre() -> None:
    valid = np.ones((10, 10), bool)
    valid[0, 0] = False  # a nodata cell is never restricted
    mask, names = restricted_from_geojson(
        _fc(("a", _box(115.0, 28.8, 115.2, 29.0)), ("b", _box(115.52, 28.12, 115.58, 28.18))),
        PROFILE,
        valid,
    )
    assert names == ["a", "b"]
    expected = np.zeros((10, 10), bool)
    expected[0:2, 0:2] = True
    expected[0, 0] = False
    expected[8, 5] = True  # b holds the centre of one cell only
    assert (mask == expected).all()
    # a bare geometry is one unnamed zone
    bare, names = restricted_from_geojson(
        json.dumps(_box(115.3, 28.3, 115.5, 28.5)), PROFILE, valid
    )
    assert names == ["#1"] and int(bare.sum()) == 4


def test_outside_and_malformed_zones_are_refused() -> None:
    valid = np.ones((10, 10), bool)
    with pytest.raises(InputError, match="北京") as info:
        restricted_from_geojson(
            _fc(("in", _box(115.0, 28.8, 115.2, 29.0)), ("北京", _box(116.2, 39.8, 116.6, 40.0))),
            PROFILE,
            valid,
        )
    assert "outside the region" in str(info.value)
    with pytest.raises(InputError, match="not GeoJSON"):
        restricted_from_geojson("/etc/passwd", PROFILE, valid)
    with pytest.raises(InputError, match="not a polygon"):
        restricted_from_geojson(
            json.dumps({"type": "Point", "coordinates": [115.5, 28.5]}), PROFILE, valid
        )
    with pytest.raises(InputError, match="no list of features"):
        restricted_from_geojson('{"type": "FeatureCollection"}', PROFILE, valid)


def test_zoning_burnt_by_strips_equals_the_whole_grid(tmp_path: Any) -> None:
    """The block-by-block run burns the zoning's polygons strip by strip: the same cells."""
    from ganpo.demo.zoning import build_zoning_demo
    from ganpo.landuse.zones import burn_rows, restricted_from_zoning, zoning_shapes
    from ganpo.zoning.units import read_zoning

    folder = build_zoning_demo(tmp_path / "zoning")
    bounds = read_zoning(folder).units.to_crs(3857).total_bounds  # x0, y0, x1, y1 [m]
    profile: dict[str, Any] = {
        "crs": CRS.from_epsg(3857),
        "transform": from_origin(bounds[0], bounds[3], 6000.0, 6000.0),
        "width": int((bounds[2] - bounds[0]) // 6000) + 1,
        "height": int((bounds[3] - bounds[1]) // 6000) + 1,
    }
    whole = restricted_from_zoning(folder, profile)
    assert 0 < whole.mean() < 1
    shapes = zoning_shapes(folder, profile["crs"])
    h = profile["height"]
    strips = [burn_rows(shapes, profile, r0, min(r0 + 7, h)) for r0 in range(0, h, 7)]
    assert np.array_equal(np.vstack(strips), whole)
