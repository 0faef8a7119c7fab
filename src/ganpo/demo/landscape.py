"""Synthetic land cover and climate of Jiangxi at the cells of an output grid.

Every field is derived from the 1 km reference grid (:mod:`ganpo.demo.grid`) and sampled
at the output cells, and classes are assigned by quantiles of scores, so the class shares
are the same at any resolution. Targets (shares of the province): forest ≈ 60 %, cropland
≈ 22 %, shrub ≈ 5.5 %, grassland ≈ 3 %, built-up ≈ 4 %, water ≈ 3 %, wetland ≈ 1.5 %,
bare ≈ 0.5 %. Values are plausible for Jiangxi, not observations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import by_key
from ganpo.demo.grid import FloatArray, ReferenceGrid, Sampler, rng_for
from ganpo.demo.terrain import Terrain

FOREST, SHRUB, GRASS = by_key("forest").code, by_key("shrub").code, by_key("grassland").code
WETLAND, CROP, BUILT = by_key("wetland").code, by_key("cropland").code, by_key("built_up").code
WATER, BARE = by_key("water").code, by_key("bare").code

SHARES = {"built": 0.040, "crop": 0.220, "shrub": 0.055, "grass": 0.030, "bare": 0.005}
WETLAND_RING = 1.22  # lake radius below which low shore cells are marsh


@dataclass(frozen=True)
class Fields:
    """Reference fields sampled at the inside cells of the output grid (flat arrays)."""

    lon: FloatArray
    lat: FloatArray
    elevation: FloatArray
    slope: FloatArray
    lake: FloatArray
    reservoir: FloatArray
    urban: FloatArray
    noise: dict[str, FloatArray]


def _urban_potential(
    ref: ReferenceGrid, cities: pd.DataFrame, counties: pd.DataFrame
) -> FloatArray:
    pot = np.zeros(ref.shape)
    for lon, lat in zip(cities["lon"], cities["lat"], strict=True):
        pot += np.exp(-((ref.distance_km(lon, lat) / 9.0) ** 2))
    for lon, lat in zip(counties["lon"], counties["lat"], strict=True):
        pot += 0.35 * np.exp(-((ref.distance_km(lon, lat) / 3.5) ** 2))
    return pot


def sample_fields(
    ref: ReferenceGrid,
    terrain: Terrain,
    sampler: Sampler,
    cities: pd.DataFrame,
    counties: pd.DataFrame,
    seed: int,
) -> Fields:
    """Sample every reference field once at the output cells."""
    noise = {
        name: sampler(ref.noise(rng_for(seed, name), scales))
        for name, scales in {
            "cover": (3.0, 8.0, 20.0),
            "mix": (2.0, 5.0),
            "climate": (20.0, 60.0),
            "change": (2.0, 4.0),
            "year2": (15.0, 40.0),
            "urban": (2.0, 4.0),
        }.items()
    }
    return Fields(
        lon=sampler(ref.lon),
        lat=sampler(ref.lat),
        elevation=sampler(terrain.elevation_m),
        slope=sampler(terrain.slope_deg),
        lake=sampler(np.minimum(terrain.lake_radius, 50.0)),
        reservoir=sampler(np.minimum(terrain.reservoir_radius, 50.0)),
        urban=sampler(_urban_potential(ref, cities, counties)),
        noise=noise,
    )


def _take_top(score: FloatArray, free: NDArray[np.bool_], count: int) -> NDArray[np.bool_]:
    """The ``count`` free cells with the highest score."""
    idx = np.flatnonzero(free)
    count = int(min(max(count, 0), idx.size))
    chosen = idx[np.argpartition(-score[idx], count - 1)[:count]] if count else idx[:0]
    out = np.zeros(score.size, dtype=bool)
    out[chosen] = True
    return out


def land_cover(f: Fields) -> NDArray[np.uint8]:
    """Ecosystem type of every inside cell (codes of ecosystem_types.csv)."""
    n = f.elevation.size
    eco = np.full(n, FOREST, dtype=np.uint8)
    water = (f.lake < 1.0) | (f.reservoir < 1.0)
    eco[water] = WATER
    wetland = ~water & (f.lake < WETLAND_RING) & (f.elevation < 30.0)
    eco[wetland] = WETLAND
    free = ~(water | wetland)
    built = _take_top(
        f.urban + 0.15 * f.noise["urban"] - 0.002 * f.elevation, free, round(SHARES["built"] * n)
    )
    eco[built] = BUILT
    free &= ~built
    # low, flat and basin land is farmed; steep high land stays forest
    lowness = -(f.elevation / 300.0) - f.slope / 12.0 + 0.45 * f.noise["cover"]
    crop = _take_top(lowness, free, round(SHARES["crop"] * n))
    eco[crop] = CROP
    free &= ~crop
    # shrub and grassland in the transition above the farmland, mixed by noise
    transition = _take_top(lowness, free, round((SHARES["shrub"] + SHARES["grass"]) * n))
    grass_share = SHARES["grass"] / (SHARES["shrub"] + SHARES["grass"])
    grass = _take_top(f.noise["mix"], transition, round(grass_share * transition.sum()))
    eco[transition] = SHRUB
    eco[grass] = GRASS
    free &= ~transition
    bare = _take_top(f.slope + 2.0 * f.noise["mix"], free, round(SHARES["bare"] * n))
    eco[bare] = BARE
    return eco


def change_land_cover(eco: NDArray[np.uint8], f: Fields) -> NDArray[np.uint8]:
    """Next year's land cover: urban growth on cropland, afforestation of shrub and grassland,
    a little forest cleared for farms."""
    n = eco.size
    out = eco.copy()
    out[_take_top(f.urban + 0.1 * f.noise["change"], eco == CROP, round(0.003 * n))] = BUILT
    planted = _take_top(f.noise["change"], (eco == SHRUB) | (eco == GRASS), round(0.004 * n))
    out[planted] = FOREST
    cleared = _take_top(-f.elevation / 200.0 + f.noise["change"], eco == FOREST, round(0.001 * n))
    out[cleared] = CROP
    return out


# mean annual ET [mm] and NPP [g dry matter m⁻² a⁻¹] by type, before climate modulation
ET_MM = {
    FOREST: 860.0,
    SHRUB: 690.0,
    GRASS: 630.0,
    WETLAND: 950.0,
    CROP: 740.0,
    BUILT: 380.0,
    WATER: 1040.0,
    BARE: 300.0,
}
NPP_G = {
    FOREST: 1250.0,
    SHRUB: 850.0,
    GRASS: 650.0,
    WETLAND: 950.0,
    CROP: 1000.0,
    BUILT: 100.0,
    WATER: 20.0,
    BARE: 15.0,
}


def _by_type(eco: NDArray[np.uint8], table: dict[int, float]) -> FloatArray:
    lut = np.zeros(256)
    for code, value in table.items():
        lut[code] = value
    return lut[eco]


def climate(eco: NDArray[np.uint8], f: Fields, year_index: int) -> dict[str, FloatArray]:
    """Precipitation, ET, NPP, mean temperature and days above 26 °C of one year."""
    year_noise = f.noise["year2"] if year_index % 2 else -f.noise["year2"]
    wet_east = (f.lon - 115.5) / 1.5
    precip = 1560.0 + 170.0 * wet_east + 0.22 * (f.elevation - 200.0) + 70.0 * f.noise["climate"]
    precip *= 1.0 + 0.05 * year_noise - 0.03 * year_index
    precip = np.clip(precip, 1380.0, 1950.0)
    temperature = 18.6 + 0.55 * (27.5 - f.lat) - 0.006 * f.elevation + 0.15 * year_noise
    hot_days = np.clip(np.round(15.0 * (temperature - 12.6)), 0.0, 110.0)
    vegetated = np.isin(eco, [FOREST, SHRUB, GRASS, CROP, WETLAND])
    et = _by_type(eco, ET_MM) * (1.0 + 0.03 * f.noise["climate"]) - np.where(
        vegetated, 0.08 * f.elevation, 0.0
    )
    et = np.where(vegetated, np.minimum(et, precip - 150.0), et)
    npp = _by_type(eco, NPP_G) * (precip / 1650.0) ** 0.3 * (1.0 - 0.0002 * f.elevation)
    npp *= 1.0 + 0.08 * f.noise["cover"]
    return {
        "precipitation": precip,
        "evapotranspiration": np.maximum(et, 0.0),
        "npp": np.maximum(npp, 0.0),
        "temperature": temperature,
        "hot_days": hot_days,
    }
