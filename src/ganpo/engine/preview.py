"""A service raster for maps: one indicator per cell on a decimated grid, in memory.

Reports show where a service is provided. This reads the account's layers at a reduced
resolution (nearest neighbour, at most ``max_cells`` cells), runs the indicator's raster
method on them with numpy (the same function the account used) and returns the quantity
per hectare. It is for display, not for accounting: the account's numbers come from the
full-resolution run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ganpo.catalog.parameters import ParameterSet
from ganpo.catalog.profiles import Profile
from ganpo.engine.align import align_layers
from ganpo.engine.derived import derived_layer, ensure_derived
from ganpo.engine.grid import Grid
from ganpo.engine.stages.codes import not_codes_text
from ganpo.engine.zonal import codes_of
from ganpo.errors import InputError
from ganpo.io.landcover import ecosystem_map
from ganpo.io.manifest import load_manifest
from ganpo.io.raster_files import open_raster, read_window
from ganpo.services.base import RasterInputs
from ganpo.services.methods import method


@dataclass(frozen=True)
class ServiceRaster:
    indicator: str
    quantity_unit: str
    per_ha: np.ndarray  # quantity per hectare, NaN outside or without data
    bounds: tuple[float, float, float, float]  # left, bottom, right, top [m]


def _read(path: Path, role: str, shape: tuple[int, int], floating: bool) -> np.ndarray:
    with open_raster(path, role) as src:
        data = read_window(src, path, role, out_shape=shape)
        if floating:
            data = data.astype("float64")
            if src.nodata is not None:
                data[data == src.nodata] = np.nan
        return data


def _codes(values: np.ndarray, path: Path) -> np.ndarray:
    """The ecosystem codes of a map read of any dtype, as the account reads them: a float
    map of whole codes is its codes (decision 0072); any other value is refused, never
    rounded (the account refuses it before its pass; here the file changed since)."""
    if values.dtype == np.uint8:
        return values
    index, _, foreign = codes_of(values)
    if foreign:
        en, zh = not_codes_text(foreign)
        raise InputError(
            en=en, zh=f"{zh}。", source=path, field="ecosystem_type", values=[*foreign]
        )
    return index.astype(np.uint8)


def service_raster(
    dataset_root: Path,
    year: int,
    profile: Profile,
    params: ParameterSet,
    indicator: str,
    max_cells: int = 600_000,
    derived_dir: Path | None = None,
) -> ServiceRaster:
    """The indicator's quantity per hectare on a decimated grid of the dataset."""
    ds = load_manifest(dataset_root, verify=False)
    if indicator not in profile.indicators:
        raise InputError(
            en=f"the profile {profile.name!r} does not count {indicator!r}",
            zh=f"核算规范 {profile.name!r} 不核算 {indicator!r}",
        )
    m = method(indicator, profile.indicators[indicator])
    if m.raster is None:
        raise InputError(
            en=f"{indicator} is not computed from rasters; no map can be drawn",
            zh=f"{indicator} 不是由栅格计算的，无法绘制分布图",
        )
    eco_entry = ds.manifest.layer("ecosystem_type", year)
    assert eco_entry is not None
    folder = derived_dir or ds.root / "derived"
    land = ecosystem_map(ds.path(eco_entry), eco_entry, folder)  # as the account reads it
    eco_path = land.path
    grid = Grid.of(eco_path, "ecosystem_type")
    step = max(1, math.ceil(math.sqrt(grid.width * grid.height / max_cells)))
    shape = (max(1, grid.height // step), max(1, grid.width // step))
    cell_area_m2 = grid.cell_area_m2 * (grid.width / shape[1]) * (grid.height / shape[0])
    eco = _codes(_read(eco_path, "ecosystem_type", shape, floating=False), eco_path)
    roles = {"ecosystem_type", *m.layers, *(r for d in m.derived for r in derived_layer(d).sources)}
    entries = {}
    for role in sorted(roles):
        entry = ds.manifest.layer(role, year)
        assert entry is not None
        entries[role] = entry
    # on the grid, or warped onto it as the account does (same cache)
    aligned = align_layers(
        lambda e: eco_path if e is entries["ecosystem_type"] else ds.path(e),
        entries,
        grid,
        eco_path,
        folder,
    )
    paths, checksums = aligned.paths, aligned.identities
    checksums["ecosystem_type"] = land.identity
    layers = {role: _read(paths[role], role, shape, floating=True) for role in m.layers}
    for role in m.derived:  # routed at full resolution (cached), then sampled like the rest
        sources = derived_layer(role).sources
        path, _ = ensure_derived(
            role,
            {r: paths[r] for r in sources},
            {r: checksums[r] for r in sources},
            params,
            folder,
        )
        layers[role] = _read(path, role, shape, floating=True)
    components = m.raster(RasterInputs(layers, eco, cell_area_m2), params)
    total = sum(np.asarray(c.quantity, dtype="float64") for c in components.values())
    per_ha = np.asarray(total) / (cell_area_m2 / 1e4)
    per_ha[eco == 255] = np.nan
    t = grid.transform
    bounds = (t.c, t.f + t.e * grid.height, t.c + t.a * grid.width, t.f)
    return ServiceRaster(indicator, m.quantity_unit, per_ha, bounds)
