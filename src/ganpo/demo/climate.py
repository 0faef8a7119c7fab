"""Synthetic climate and vegetation layers: precipitation, temperature, hot days, actual
evapotranspiration (annual and over the hot days), NPP and soil heterotrophic respiration,
from the terrain, the ecosystem type and smooth noise.

The rules imitate Jiangxi's climatology (humid subtropical monsoon): 1400–1900 mm of rain,
wetter in the north-east and on the mountains, drier in the centre-west; 17–19.5 °C in the
lowlands with a lapse rate of 0.6 °C per 100 m, warmer in the south; 60–100 days with a
daily mean above 26 °C in the lowlands, none above about 1200 m. Evapotranspiration on those
hot days runs at 1.6–1.9 times the year's mean daily rate (summer days evaporate more than
the average day). Soil heterotrophic respiration is of the magnitude the monthly
temperature–precipitation regression of Chinese NEP studies gives for Jiangxi's climate
(about 300–450 g C m⁻² a⁻¹, rising 18 g C per °C). They are plausible magnitudes, not
observations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ganpo.demo.grid import FloatArray, ReferenceGrid, Sampler, rng_for
from ganpo.demo.landcover import CODE
from ganpo.demo.terrain import Terrain

#: Actual evapotranspiration range [mm/a] by ecosystem type.
ET_RANGE_MM = {
    "forest": (750.0, 950.0),
    "shrub": (560.0, 740.0),
    "grassland": (550.0, 720.0),
    "wetland": (900.0, 1000.0),
    "cropland": (650.0, 800.0),
    "built_up": (300.0, 450.0),
    "water": (950.0, 1100.0),
    "bare": (250.0, 350.0),
}
#: Net primary production range [g/m² dry matter per year] by ecosystem type.
NPP_RANGE_G_M2 = {
    "forest": (1000.0, 1500.0),
    "shrub": (700.0, 1000.0),
    "grassland": (500.0, 800.0),
    "wetland": (800.0, 1200.0),
    "cropland": (800.0, 1200.0),
    "built_up": (50.0, 150.0),
    "water": (0.0, 50.0),
    "bare": (0.0, 30.0),
}
VEGETATED = ("forest", "shrub", "grassland", "wetland", "cropland")
LAPSE_RATE_C_PER_M = 0.006
#: ET on the hot days relative to the year's mean daily rate: (lowest, highest)
HOT_DAY_ET_RATIO = (1.6, 1.9)
#: soil heterotrophic respiration [g C m⁻² a⁻¹] at 18 °C and 1650 mm, and its slopes
RH_AT_18C = 375.0
RH_PER_DEGREE = 18.0
RH_PER_MM = 0.02


@dataclass(frozen=True)
class ClimateBase:
    """Year-independent fields sampled at the inside cells."""

    elevation_m: FloatArray
    sea_level_temperature_c: FloatArray
    precipitation_mm: FloatArray
    basin: FloatArray
    noise_t: FloatArray
    noise_et: FloatArray
    noise_npp: FloatArray
    noise_hot: FloatArray


def climate_base(ref: ReferenceGrid, terrain: Terrain, sample: Sampler, seed: int) -> ClimateBase:
    """Mean precipitation and sea-level temperature, and the noise of the other layers."""
    lon, lat = ref.lon, ref.lat
    north_east = 0.7 * np.clip((lon - 116.0) / 1.2, -1, 1) + 0.3 * np.clip((lat - 27.5) / 2, -1, 1)
    centre_west = np.exp(-(ref.distance_km(114.9, 27.3) ** 2) / (2 * 100.0**2))
    precipitation = (
        1660.0
        + 170.0 * north_east
        + 0.22 * np.minimum(terrain.elevation_m, 1500.0)
        - 120.0 * centre_west
        + 50.0 * ref.noise(rng_for(seed, "precipitation"), (10.0, 20.0, 40.0))
    )
    temperature = 20.5 - 0.7 * (lat - 25.0)
    return ClimateBase(
        elevation_m=sample(terrain.elevation_m),
        sea_level_temperature_c=sample(temperature),
        precipitation_mm=sample(precipitation),
        basin=sample(terrain.basin),
        noise_t=sample(ref.noise(rng_for(seed, "temperature"), (10.0, 30.0))),
        noise_et=sample(ref.noise(rng_for(seed, "et"), (3.0, 8.0))),
        noise_npp=sample(ref.noise(rng_for(seed, "npp"), (3.0, 8.0))),
        noise_hot=sample(ref.noise(rng_for(seed, "hot"), (10.0, 30.0))),
    )


def _by_type(
    cover: NDArray[np.uint8], ranges: dict[str, tuple[float, float]], u: FloatArray
) -> FloatArray:
    low = np.zeros(cover.size)
    high = np.zeros(cover.size)
    for key, (lo, hi) in ranges.items():
        hit = cover == CODE[key]
        low[hit], high[hit] = lo, hi
    return low + (high - low) * np.clip(u, 0.0, 1.0)


def year_layers(
    ref: ReferenceGrid,
    base: ClimateBase,
    cover: NDArray[np.uint8],
    sample: Sampler,
    seed: int,
    year: int,
) -> dict[str, FloatArray]:
    """precipitation [mm], temperature [°C], hot_days [d], evapotranspiration [mm] (the
    year's, and over the hot days), npp [g/m² dry matter] and heterotrophic_respiration
    [g C/m²] of one year at the inside cells."""
    rng = rng_for(seed, f"year-{year}")
    wet_year = rng.uniform(-0.04, 0.04)
    warm_year = rng.uniform(-0.3, 0.3)
    anomaly = np.clip(ref.noise(rng, (40.0, 80.0, 160.0)), -1.3, 1.3)
    precipitation = np.clip(
        base.precipitation_mm * (1.0 + wet_year + 0.045 * sample(anomaly)), 1330.0, 1990.0
    )
    elevation = base.elevation_m
    temperature = (
        base.sea_level_temperature_c
        - LAPSE_RATE_C_PER_M * elevation
        + 0.25 * base.noise_t
        + warm_year
    )
    built = cover == CODE["built_up"]
    hot_days = np.rint(
        np.clip(
            18.0 * (temperature - 13.6)
            + 8.0 * base.basin * np.exp(-elevation / 150.0)
            + 4.0 * built
            + 3.0 * base.noise_hot,
            0.0,
            366.0,
        )
    )
    wetness = (precipitation - 1650.0) / 250.0
    warmth = (temperature - 18.0) / 1.5
    et = _by_type(
        cover,
        ET_RANGE_MM,
        0.55 + 0.2 * base.noise_et + 0.12 * wetness - 0.15 * elevation / 1000.0 + 0.1 * warmth,
    )
    vegetated = np.isin(cover, [CODE[k] for k in VEGETATED])
    et = np.where(vegetated, np.minimum(et, precipitation - 150.0), et)
    npp = _by_type(
        cover,
        NPP_RANGE_G_M2,
        0.5 + 0.2 * base.noise_npp + 0.12 * wetness + 0.12 * warmth - 0.05 * elevation / 1000.0,
    )
    low, high = HOT_DAY_ET_RATIO
    ratio = low + (high - low) * np.clip(0.5 + 0.3 * base.noise_et, 0.0, 1.0)
    et_hot = hot_days * et / 365.0 * ratio
    rh = np.clip(
        RH_AT_18C
        + RH_PER_DEGREE * (temperature - 18.0)
        + RH_PER_MM * (precipitation - 1650.0)
        + 10.0 * base.noise_npp,
        150.0,
        600.0,
    )
    return {
        "precipitation": precipitation,
        "temperature": temperature,
        "hot_days": hot_days,
        "evapotranspiration": et,
        "evapotranspiration_hot_days": et_hot,
        "npp": npp,
        "heterotrophic_respiration": rh,
    }


def soil_layers(base: ClimateBase) -> dict[str, FloatArray]:
    """Depth to the root-restricting layer [mm] (deep in the basins, thin on mountains) and
    plant-available water content [-] (loamier in the basins): plausible ranges for the red
    soils of Jiangxi, not a soil survey."""
    depth = 1500.0 - 0.6 * base.elevation_m + 250.0 * base.basin + 120.0 * base.noise_et
    pawc = 0.12 + 0.05 * base.basin + 0.015 * base.noise_npp
    return {
        "soil_depth": np.clip(depth, 300.0, 2000.0),
        "pawc": np.clip(pawc, 0.06, 0.25),
    }


def reference_et(base: ClimateBase, temperature_c: FloatArray, year_index: int) -> FloatArray:
    """Annual reference evapotranspiration ET₀ [mm], rising with mean temperature (about
    900–1150 mm in Jiangxi's lowlands); a simple temperature relation for the demo, not
    Penman–Monteith."""
    et0 = 1000.0 + 35.0 * (temperature_c - 17.5) + 20.0 * base.noise_hot + 15.0 * year_index
    return np.clip(et0, 600.0, 1400.0)
