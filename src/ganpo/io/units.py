"""Reading the administrative units of a dataset (the county polygons of a manifest)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from ganpo.errors import ManifestError, preview
from ganpo.io.regions import COUNTY_COLUMNS

#: the attributes every county polygon carries (geometry aside)
UNIT_COLUMNS = tuple(c for c in COUNTY_COLUMNS if c != "geometry")


def read_units(path: Path, layer: str = "counties") -> gpd.GeoDataFrame:
    """Read county polygons with their city and province, sorted by county adcode."""
    try:
        layers = [name for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio raises its own DataSourceError family
        raise ManifestError(f"cannot open the units file: {exc}", source=path) from exc
    if layer not in layers:
        raise ManifestError(
            f"the units file has no layer {layer!r}; it has {', '.join(layers)}",
            source=path,
            field="layer",
        )
    units = gpd.read_file(path, layer=layer)
    missing = [c for c in UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise ManifestError(
            f"the units layer lacks column(s) {', '.join(missing)}; "
            f"it needs {', '.join(UNIT_COLUMNS)}",
            source=path,
            field="columns",
            values=missing,
        )
    dup = units["county_adcode"][units["county_adcode"].duplicated()].tolist()
    if dup:
        raise ManifestError(
            f"duplicated county_adcode(s) {preview(dup)}; each county must appear once",
            source=path,
            field="county_adcode",
            values=dup,
        )
    if units.crs is None or not units.crs.is_projected:
        raise ManifestError(
            "the units must be in the projected, equal-area CRS of the rasters; "
            "reproject them (e.g. GeoDataFrame.to_crs)",
            source=path,
            field="crs",
        )
    for col in ("county_adcode", "city_adcode", "province_adcode"):
        units[col] = units[col].astype("int64")
    units["area_km2"] = units.geometry.area / 1e6
    return units.sort_values("county_adcode").reset_index(drop=True)
