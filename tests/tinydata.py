"""The tiny hand-checkable dataset (2 counties × 4 cells each) that the tests share.

A module of its own (not conftest.py): tests/web has a conftest.py too, and both would
import as ``conftest``. ``build_tiny`` writes the base dataset; ``build_tiny_full`` adds the
layers of the erosion and storm services (uniform values, so every figure can be worked out
by hand); ``tiny_factory`` is what a ``tiny`` fixture returns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from ganpo.io.manifest import (
    LayerEntry,
    Manifest,
    TableEntry,
    UnitsEntry,
    load_manifest,
    write_manifest,
)
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES

ALBERS = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)
X0, Y0, RES = 1_000_000.0, 3_000_000.0, 100.0  # top-left corner, 100 m cells: 10 000 m² each

# 2 rows × 4 columns; county A = columns 0-1, county B = columns 2-3
TINY_ECO = np.array([[1, 1, 7, 5], [2, 6, 1, 3]], dtype="uint8")
ET_BY_TYPE = {1: 800.0, 2: 700.0, 3: 600.0, 5: 700.0, 6: 400.0, 7: 1000.0}
NPP_BY_TYPE = {1: 1200.0, 2: 900.0, 3: 600.0, 5: 1000.0, 6: 100.0, 7: 0.0}
#: ET summed over the days > 26 °C [mm], by type (80 hot days at a summer rate)
ET_HOT_BY_TYPE = {1: 400.0, 2: 350.0, 3: 300.0, 5: 350.0, 6: 200.0, 7: 500.0}
RH_G_C_M2 = 300.0  # soil heterotrophic respiration [g C m⁻² a⁻¹], everywhere
A, B = 360101, 360102

#: the statistics of the tiny counties (4 hm² each): per km² within the usual bands of
#: ganpo.io.table_rules, so that an account of them records no unusual value
TINY_TABLES: dict[str, dict[int, dict[str, float]]] = {
    "agriculture": {
        A: {
            "agriculture_output": 40.0,
            "forestry_output": 10.0,
            "animal_husbandry_output": 30.0,
            "fishery_output": 0.0,
            "agriculture_value_added": 24.0,
            "forestry_value_added": 6.5,
            "animal_husbandry_value_added": 12.0,
            "fishery_value_added": 0.0,
        },
        B: {
            "agriculture_output": 50.0,
            "forestry_output": 10.0,
            "animal_husbandry_output": 0.0,
            "fishery_output": 40.0,
            "agriculture_value_added": 30.0,
            "forestry_value_added": 6.5,
            "animal_husbandry_value_added": 0.0,
            "fishery_value_added": 24.0,
        },
    },
    "water": {
        A: {
            "water_use_domestic": 1.0,
            "water_use_industrial": 2.0,
            "water_use_agricultural": 2.0,
            "hydropower": 5.0,
        },
        B: {
            "water_use_domestic": 0.5,
            "water_use_industrial": 0.0,
            "water_use_agricultural": 2.0,
            "hydropower": 0.0,
        },
    },
    "tourism": {
        A: {
            "visits": 3.0,
            "tourism_revenue": 0.25,
            "trip_hours": 5.0,
            "hourly_wage": 30.0,
            "trip_cost": 400.0,
        },
        B: {
            "visits": 1.0,
            "tourism_revenue": 0.05,
            "trip_hours": 2.0,
            "hourly_wage": 30.0,
            "trip_cost": 100.0,
        },
    },
    "energy": {A: {"biomass_energy": 2.0}, B: {"biomass_energy": 0.0}},
    "water_bodies": {A: {"reservoir_capacity": 10.0}, B: {"reservoir_capacity": 0.0}},
    "forestry": {
        # within each county's forest and grassland (1 hm² cells: A 2 forest + 1 shrub, B 1
        # forest + 1 grassland), under a fifth of the county (the usual band)
        A: {"forest_self_recovery_area": 0.5, "grassland_self_recovery_area": 0.0},
        B: {"forest_self_recovery_area": 0.5, "grassland_self_recovery_area": 0.2},
    },
    "landscape": {
        A: {"benefiting_area": 1000.0, "landscape_premium": 50.0},
        B: {"benefiting_area": 0.0, "landscape_premium": 0.0},
    },
    "external": {
        A: {"water_supply_external_share": 0.2, "hydropower_external_share": 0.5},
        B: {"water_supply_external_share": 0.0, "hydropower_external_share": 0.0},
    },
    "emissions": {
        A: {"so2": 10.0, "nox": 20.0, "dust": 5.0, "cod": 30.0, "nh3n": 2.0, "tp": 0.4},
        B: {"so2": 1.0, "nox": 2.0, "dust": 0.5, "cod": 3.0, "nh3n": 0.2, "tp": 0.04},
    },
}


def write_raster(
    path: Path, data: np.ndarray, *, nodata: float | None, crs: str = ALBERS, transform: Any = None
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=transform or from_origin(X0, Y0, RES, RES),
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)


def _tiny_year(
    folder: Path,
    year: int,
    eco: np.ndarray,
    layers: dict[str, np.ndarray],
    tables: dict[str, str],
) -> tuple[list[LayerEntry], list[TableEntry]]:
    arrays: dict[str, np.ndarray] = {
        "precipitation": np.full(eco.shape, 1600.0, dtype="float32"),
        "evapotranspiration": np.vectorize(lambda c: ET_BY_TYPE.get(int(c), -9999.0))(eco).astype(
            "float32"
        ),
        "npp": np.vectorize(lambda c: NPP_BY_TYPE.get(int(c), -9999.0))(eco).astype("float32"),
        "hot_days": np.full(eco.shape, 80.0, dtype="float32"),
        # by the level-1 type (a level-2 code is 10 × its parent + n)
        "evapotranspiration_hot_days": np.vectorize(
            lambda c: ET_HOT_BY_TYPE.get(int(c) if c < 10 else int(c) // 10, -9999.0)
        )(eco).astype("float32"),
        "heterotrophic_respiration": np.full(eco.shape, RH_G_C_M2, dtype="float32"),
        "temperature": np.full(eco.shape, 18.0, dtype="float32"),
        "dem": np.full(eco.shape, 50.0, dtype="float32"),
    }
    arrays.update(layers)
    write_raster(folder / f"{year}/ecosystem_type.tif", eco, nodata=255)
    entries = [
        LayerEntry(
            role="ecosystem_type",
            path=f"{year}/ecosystem_type.tif",
            unit="code",
            year=year,
            source="test",
            synthetic=True,
        )
    ]
    units_of = {
        "precipitation": "mm",
        "evapotranspiration": "mm",
        "npp": "g/m2",
        "hot_days": "d",
        "evapotranspiration_hot_days": "mm",
        "heterotrophic_respiration": "g/m2",
        "temperature": "degC",
        "dem": "m",
        "reference_et": "mm",
        "soil_depth": "mm",
        "pawc": "1",
    }
    for role, arr in arrays.items():
        rel = f"{year}/{role}.tif" if role != "dem" else "dem.tif"
        write_raster(folder / rel, arr, nodata=-9999.0)
        entries.append(
            LayerEntry(
                role=role,
                path=rel,
                unit=units_of[role],
                year=None if role == "dem" else year,
                source="test",
                synthetic=True,
            )
        )
    table_entries = []
    for role, spec in TABLE_ROLES.items():
        rel = f"{year}/{role}.csv"
        if role in tables:
            text = tables[role]
        elif not spec.per_county:  # lakes: one lake across both counties, 0.005 + 0.015
            # km², eastern-plain region, 100 ×10⁴ m³ of gauged flood storage (the whole lake's)
            text = (
                "county_adcode,lake_name,lake_area,lake_region,flood_storage\n"
                "360101,甲湖,0.005,东部平原,100\n360102,甲湖,0.015,东部平原,100\n"
            )
        else:
            cols = list(spec.columns)
            lines = [",".join(["county_adcode", "county_name", *cols])]
            for code, name in ((A, "甲县"), (B, "乙县")):
                lines.append(
                    ",".join([str(code), name, *(repr(TINY_TABLES[role][code][c]) for c in cols)])
                )
            text = "\n".join(lines) + "\n"
        (folder / rel).write_text(text, encoding="utf-8")
        table_entries.append(
            TableEntry(
                role=role,
                path=rel,
                year=year,
                columns=dict(spec.columns),
                source="test",
                synthetic=True,
            )
        )
    return entries, table_entries


def build_tiny(
    folder: Path,
    *,
    year: int = 2022,
    eco: np.ndarray | None = None,
    layers: dict[str, np.ndarray] | None = None,
    tables: dict[str, str] | None = None,
    more_years: dict[int, dict[str, Any]] | None = None,
) -> Path:
    """Write the tiny dataset; ``layers``/``tables`` replace arrays or CSV texts by role.

    ``more_years`` adds years: ``{2023: {"eco": array, "layers": {...}, "tables": {...}}}``.
    """
    years = {year: {"eco": eco, "layers": layers, "tables": tables}, **(more_years or {})}
    entries: list[LayerEntry] = []
    table_entries: list[TableEntry] = []
    for y, spec in years.items():
        e, t = _tiny_year(
            folder,
            y,
            TINY_ECO if spec.get("eco") is None else spec["eco"],
            spec.get("layers") or {},
            spec.get("tables") or {},
        )
        entries += [x for x in e if x.role != "dem" or not any(z.role == "dem" for z in entries)]
        table_entries += t
    units = gpd.GeoDataFrame(
        {
            "county_adcode": [A, B],
            "county_name": ["甲县", "乙县"],
            "city_adcode": [360100] * 2,
            "city_name": ["某市"] * 2,
            "province_adcode": [360000] * 2,
            "province_name": ["江西省"] * 2,
        },
        geometry=[
            box(X0, Y0 - 2 * RES, X0 + 2 * RES, Y0),
            box(X0 + 2 * RES, Y0 - 2 * RES, X0 + 4 * RES, Y0),
        ],
        crs=ALBERS,
    )
    units.to_file(folder / "units.gpkg", layer="counties", driver="GPKG")
    manifest = Manifest(
        name="tiny",
        title_zh="测试",
        title_en="test",
        region_adcode=360000,
        region_name="test",
        years=sorted(years),
        synthetic=True,
        units=UnitsEntry(path="units.gpkg", source="test", synthetic=True),
        layers=entries,
        tables=table_entries,
    )
    return write_manifest(manifest, folder)


#: fractional vegetation cover by ecosystem code of the tiny dataset
FVC_BY_TYPE = {1: 0.9, 2: 0.7, 3: 0.6, 4: 0.5, 5: 0.5, 6: 0.1, 7: 0.0, 8: 0.05}
UNIFORM = {
    "rainfall_erosivity": 10_000.0,  # MJ mm/(ha h a)
    "soil_erodibility": 0.03,  # t ha h/(ha MJ mm)
    "storm_precipitation": 400.0,  # mm
    "wind_factor": 20.0,  # kg/m
    "erodible_fraction": 0.3,
    "soil_crust_factor": 0.6,
    "surface_roughness": 0.5,
}
EXTRA_ROLES = (*UNIFORM, "vegetation_cover")


def _arrays(eco: np.ndarray) -> dict[str, np.ndarray]:
    out = {role: np.full(eco.shape, v, dtype="float32") for role, v in UNIFORM.items()}
    out["vegetation_cover"] = np.vectorize(lambda c: FVC_BY_TYPE.get(int(c), -9999.0))(eco).astype(
        "float32"
    )
    return out


def add_erosion_layers(manifest: Path, overrides: dict[int, dict[str, np.ndarray]]) -> Path:
    """Add the erosion/storm/RWEQ layers (``overrides[year][role]`` replaces one) to a
    tiny dataset and rewrite its manifest."""
    ds = load_manifest(manifest, verify=False)
    m = ds.manifest
    for year in m.years:
        eco_entry = m.layer("ecosystem_type", year)
        assert eco_entry is not None
        with rasterio.open(ds.path(eco_entry)) as src:
            eco = src.read(1)
        arrays = {**_arrays(eco), **overrides.get(year, {})}
        for role in EXTRA_ROLES:
            spec = LAYER_ROLES[role]
            present = m.layer(role, year)
            if present is not None:  # written already (e.g. by the shared fixture)
                if role in overrides.get(year, {}):
                    write_raster(ds.root / present.path, arrays[role], nodata=-9999.0)
                continue
            rel = f"{year}/{role}.tif" if spec.per_year else f"{role}.tif"
            write_raster(ds.root / rel, arrays[role], nodata=-9999.0)
            m.layers.append(
                LayerEntry(
                    role=role,
                    path=rel,
                    unit=spec.unit,
                    year=year if spec.per_year else None,
                    source="test",
                    synthetic=True,
                )
            )
    return write_manifest(m, ds.root)


def declare(manifest: Path, role: str, of_year: int | None = 2022, **fields: Any) -> Path:
    """Set ``fields`` (e.g. ``gap_policy="leave_out"``, ``serves_years=[2023]``,
    ``year=None``) on the entry of ``role`` of ``of_year`` (a table's when ``role`` is a
    table role) and rewrite the manifest. ``of_year=None`` picks the year-less layer."""
    ds = load_manifest(manifest, verify=False)
    m = ds.manifest
    entries = m.tables if role in TABLE_ROLES else m.layers
    (entry,) = [e for e in entries if e.role == role and e.year == of_year]
    for key, value in fields.items():
        setattr(entry, key, value)
    return write_manifest(m, ds.root)


def build_tiny_full(folder: Path, **kw: Any) -> Path:
    """``build_tiny`` plus the erosion layers; erosion roles in ``layers`` (and in
    ``more_years[y]["layers"]``) replace the uniform arrays."""
    year = kw.get("year", 2022)
    overrides: dict[int, dict[str, np.ndarray]] = {}
    layers = dict(kw.pop("layers", None) or {})
    overrides[year] = {r: layers.pop(r) for r in list(layers) if r in EXTRA_ROLES}
    more = {y: dict(spec) for y, spec in (kw.pop("more_years", None) or {}).items()}
    for y, spec in more.items():
        extra = dict(spec.get("layers") or {})
        overrides[y] = {r: extra.pop(r) for r in list(extra) if r in EXTRA_ROLES}
        spec["layers"] = extra
    path = build_tiny(folder, layers=layers, more_years=more or None, **kw)
    return add_erosion_layers(path, overrides)


def tiny_factory(tmp_path: Path) -> Callable[..., Path]:
    """What a test module's own ``tiny`` fixture returns: the shared factory's signature,
    with the erosion layers added."""

    def make(**kw: Any) -> Path:
        return build_tiny_full(tmp_path / "tiny", **kw)

    return make


# --------------------------------------------------------------------------- townships

#: four townships tiling the tiny counties on the grid: one column of 2 cells each
#: (county A = columns 0-1, county B = columns 2-3); codes county × 1000 + n
TOWNSHIPS: list[tuple[int, str, int, int]] = [
    (A * 1000 + 1, "甲县一乡", A, 0),
    (A * 1000 + 2, "甲县二乡", A, 1),
    (B * 1000 + 1, "乙县一乡", B, 2),
    (B * 1000 + 2, "乙县二乡", B, 3),
]


def column_box(col: int, rows: int = 2) -> Any:
    """The polygon of one column of the tiny grid (``rows`` cells tall from the top)."""
    return box(X0 + col * RES, Y0 - rows * RES, X0 + (col + 1) * RES, Y0)


def townships_frame(rows: list[tuple[int, str, int, Any]] | None = None) -> gpd.GeoDataFrame:
    """A township layer: ``rows`` of (unit_code, unit_name, parent_code, geometry);
    default the four townships of :data:`TOWNSHIPS`."""
    if rows is None:
        rows = [(c, n, p, column_box(col)) for c, n, p, col in TOWNSHIPS]
    return gpd.GeoDataFrame(
        {
            "unit_code": [r[0] for r in rows],
            "unit_name": [r[1] for r in rows],
            "parent_code": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=ALBERS,
    )


def use_units(
    manifest: Path,
    layer: gpd.GeoDataFrame | None = None,
    *,
    name: str = "townships",
    level: str = "township",
    parents: tuple[str, ...] = ("counties",),
    repair: tuple[str, ...] = (),
    tables_level: dict[str, str] | None = None,
) -> Path:
    """Make a tiny dataset run at a finer level: write ``layer`` (default the four
    townships) into its units.gpkg as ``name`` and point the manifest's [units] at it;
    ``tables_level`` sets the level of some tables (their CSVs must fit)."""
    ds = load_manifest(manifest, verify=False)
    m = ds.manifest
    frame = townships_frame() if layer is None else layer
    frame.to_file(ds.root / "units.gpkg", layer=name, driver="GPKG")
    m.units = UnitsEntry(
        path="units.gpkg",
        source="test",
        synthetic=True,
        layer=name,
        level=level,  # type: ignore[arg-type]
        parents=list(parents),
        repair=list(repair),  # type: ignore[arg-type]
    )
    for t in m.tables:
        if tables_level and t.role in tables_level:
            t.level = tables_level[t.role]  # type: ignore[assignment]
    return write_manifest(m, ds.root)
