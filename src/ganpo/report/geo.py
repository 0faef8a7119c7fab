"""Unit-level results with geometry: GeoPackage and GeoParquet exports."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ganpo.io.outputs import EXPORT, atomic_write
from ganpo.report.summary import gep_by_indicator, gep_by_unit


def county_results(results: pd.DataFrame, units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per county: GEP by category and per km², and the value of each indicator."""
    by_unit = gep_by_unit(results, units, "county")
    wide = results.pivot_table(
        index="county_adcode", columns="indicator", values="value_cny", aggfunc="sum"
    )
    order = list(gep_by_indicator(results)["indicator"])
    wide = wide.reindex(columns=order).fillna(0.0).add_prefix("value_cny_")
    table = by_unit.merge(wide, left_on="adcode", right_index=True, how="left")
    geo = units[["county_adcode", "city_adcode", "city_name", "geometry"]].rename(
        columns={"county_adcode": "adcode"}
    )
    out = geo.merge(table, on="adcode", how="left")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=units.crs)


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str = "county_gep") -> Path:
    def write(tmp: Path) -> None:
        tmp.unlink()  # the GeoPackage driver creates its own file
        frame.to_file(tmp, layer=layer, driver="GPKG")

    return atomic_write(path, write, EXPORT)


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp), EXPORT)
