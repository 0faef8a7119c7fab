"""Restricted zones of a scenario: from a zoning dataset (:mod:`ganpo.zoning`) — the
ecological red lines and, by default, the priority protection units (优先保护单元) — or
from polygons drawn or uploaded as GeoJSON, burnt onto the land-cover map's grid. A cell
is restricted when its centre lies inside one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rasterio.features import rasterize
from rasterio.windows import Window
from rasterio.windows import transform as window_transform

from ganpo.errors import InputError
from ganpo.zoning.units import read_zoning


def restricted_from_zoning(
    folder: Path,
    profile: dict[str, Any],
    categories: Sequence[str] = ("priority",),
    redlines: bool = True,
) -> NDArray[np.bool_]:
    """The mask (True: no change) of the red lines and the units of ``categories`` of the
    zoning dataset in ``folder``, on the grid of a raster ``profile`` (crs, transform,
    width, height)."""
    shapes = zoning_shapes(folder, profile["crs"], categories, redlines)
    return burn_rows(shapes, profile, 0, profile["height"])


def zoning_shapes(
    folder: Path, crs: Any, categories: Sequence[str] = ("priority",), redlines: bool = True
) -> list[Any]:
    """The geometries, in ``crs``, of the red lines and the units of ``categories``."""
    ds = read_zoning(folder)
    layers = [ds.units[ds.units["category"].isin(list(categories))]]
    if redlines:
        layers.append(ds.redlines)
    return [
        g
        for layer in layers
        for g in layer.to_crs(crs).geometry
        if g is not None and not g.is_empty
    ]


def burn_rows(shapes: list[Any], profile: dict[str, Any], r0: int, r1: int) -> NDArray[np.bool_]:
    """True in the cells of rows r0:r1 of the grid of ``profile`` whose centre lies in one
    of ``shapes`` (a window of :func:`restricted_from_zoning`'s mask)."""
    shape = (r1 - r0, profile["width"])
    if not shapes:
        return np.zeros(shape, bool)
    window = Window(0, r0, profile["width"], r1 - r0)
    burnt = rasterize(
        ((g, 1) for g in shapes),
        out_shape=shape,
        transform=window_transform(window, profile["transform"]),
        dtype="uint8",
    )
    return np.asarray(burnt, dtype=bool)


#: at most this many polygons in one restricted-zone upload
MAX_POLYGONS = 500


def restricted_from_geojson(
    text: str, profile: dict[str, Any], valid: NDArray[np.bool_]
) -> tuple[NDArray[np.bool_], list[str]]:
    """The mask (True: no change) of the polygons of a GeoJSON text (a FeatureCollection,
    a Feature or a bare Polygon/MultiPolygon, longitude and latitude, EPSG:4326) on the
    grid of a raster ``profile``, and the polygons' names (property ``name``, else their
    number from 1). A cell is restricted when its centre lies inside a polygon; a polygon
    that covers no cell of ``valid`` (the region's cells) — outside the region, or too
    small for the grid — raises :class:`InputError` naming it. The text is parsed, never
    opened as a path."""
    import geopandas as gpd
    from shapely.geometry import shape

    features = _features(text)
    names: list[str] = []
    geoms = []
    for i, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        name = str(props.get("name") or props.get("名称") or f"#{i}")[:80]
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _bad(
                f"polygon {name}: not a GeoJSON geometry ({exc})",
                f"多边形 {name} 不是有效的 GeoJSON 几何",
            ) from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise _bad(
                f"polygon {name}: a {geom.geom_type}, not a polygon; give Polygon or MultiPolygon",
                f"{name} 不是面要素，请提供 Polygon 或 MultiPolygon",
            )
        if not geom.is_valid:
            geom = geom.buffer(0)
        names.append(name)
        geoms.append(geom)
    projected = gpd.GeoSeries(geoms, crs="EPSG:4326").to_crs(profile["crs"])
    shape_ = (profile["height"], profile["width"])
    mask = np.zeros(shape_, bool)
    for name, geom in zip(names, projected, strict=True):
        burnt = np.asarray(
            rasterize([(geom, 1)], out_shape=shape_, transform=profile["transform"], dtype="uint8"),
            dtype=bool,
        )
        if not (burnt & valid).any():
            raise InputError(
                en=f"polygon {name} lies outside the region (or covers no cell of its "
                f"{abs(profile['transform'].a):,.0f} m grid); draw it inside the region",
                zh=f"限制区 {name} 不在研究区内（或小于一个像元），请在研究区内绘制",
                field="restricted",
                values=[name],
            )
        mask |= burnt
    return mask & valid, names


def _bad(en: str, zh: str) -> InputError:
    return InputError(en=en, zh=zh, field="restricted")


def _features(text: str) -> list[dict[str, Any]]:
    """The features of a GeoJSON text (a bare geometry becomes one feature)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(
            f"the restricted zones are not GeoJSON ({exc.msg} at line {exc.lineno}); paste a "
            "FeatureCollection of polygons in longitude and latitude",
            "限制区不是有效的 GeoJSON，请粘贴经纬度坐标的面要素集合",
        ) from None
    if not isinstance(data, dict):
        raise _bad("the restricted zones must be a GeoJSON object", "限制区须为 GeoJSON 对象")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
            raise _bad("the FeatureCollection has no list of features", "要素集合缺少要素列表")
    elif kind == "Feature":
        features = [data]
    else:
        features = [{"type": "Feature", "geometry": data, "properties": {}}]
    if not features:
        raise _bad("the restricted zones hold no polygon", "限制区不含任何多边形")
    if len(features) > MAX_POLYGONS:
        raise _bad(
            f"{len(features)} polygons; at most {MAX_POLYGONS} in one scenario",
            f"多边形数 {len(features)} 超过上限 {MAX_POLYGONS}",
        )
    return features
