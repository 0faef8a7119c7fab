"""Synthetic layers of the erosion and storm services: rainfall erosivity, soil
erodibility, vegetation cover, storm rainfall and the RWEQ wind-erosion factors.

Plausible magnitudes for Jiangxi, not observations:

- rainfall erosivity from annual rainfall by the power law :math:`R = 0.0534\\,P^{1.6548}`
  (the form of Wischmeier-type annual-rainfall estimates used in southern China [U]):
  about 9 000–15 000 MJ mm ha⁻¹ h⁻¹ a⁻¹ for 1 400–1 900 mm;
- soil erodibility K of the red soils, 0.02–0.045 t ha h ha⁻¹ MJ⁻¹ mm⁻¹, higher in the
  hilly land than in the alluvial basins;
- fractional vegetation cover by ecosystem type (forest 0.8–0.95 … water 0);
- storm rainfall (days with at least 50 mm) 16–26 % of the year's rain;
- RWEQ factors for a humid province: a weak weather factor (2–12 kg m⁻¹), erodible
  fraction 0.15–0.35, crust factor 0.5–0.8, roughness 0.3–0.6; sand fixation is off in the
  Jiangxi profile and these layers serve the national profile's method.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ganpo.demo.climate import ClimateBase
from ganpo.demo.grid import FloatArray
from ganpo.demo.landcover import CODE

#: Fractional vegetation cover range [-] by ecosystem type.
FVC_RANGE = {
    "forest": (0.80, 0.95),
    "shrub": (0.60, 0.80),
    "grassland": (0.45, 0.70),
    "wetland": (0.40, 0.65),
    "cropland": (0.35, 0.60),
    "built_up": (0.05, 0.20),
    "water": (0.0, 0.0),
    "bare": (0.02, 0.10),
}


def static_erosion_layers(base: ClimateBase) -> dict[str, FloatArray]:
    """Soil erodibility and the RWEQ soil factors at the inside cells."""
    hills = np.clip(base.elevation_m / 800.0, 0.0, 1.0) * (1.0 - 0.5 * base.basin)
    return {
        "soil_erodibility": np.clip(0.027 + 0.012 * hills + 0.004 * base.noise_npp, 0.02, 0.045),
        "erodible_fraction": np.clip(0.25 - 0.06 * hills + 0.03 * base.noise_et, 0.15, 0.35),
        "soil_crust_factor": np.clip(0.65 + 0.05 * base.noise_hot, 0.5, 0.8),
        "surface_roughness": np.clip(0.4 + 0.15 * hills + 0.03 * base.noise_t, 0.3, 0.6),
    }


def year_erosion_layers(
    base: ClimateBase, cover: NDArray[np.uint8], precipitation_mm: FloatArray, year_index: int
) -> dict[str, FloatArray]:
    """Rainfall erosivity, storm rainfall, vegetation cover and the RWEQ weather factor of
    one year at the inside cells."""
    fvc = np.zeros(cover.size)
    u = np.clip(0.5 + 0.25 * base.noise_npp, 0.0, 1.0)
    for key, (lo, hi) in FVC_RANGE.items():
        hit = cover == CODE[key]
        fvc[hit] = lo + (hi - lo) * u[hit]
    storm_share = np.clip(0.21 + 0.02 * base.noise_hot + 0.01 * (year_index % 2), 0.16, 0.26)
    wind = np.clip(6.0 + 2.0 * base.noise_t + 3.0 * base.basin - 0.5 * year_index, 2.0, 12.0)
    return {
        "rainfall_erosivity": 0.0534 * precipitation_mm**1.6548,
        "storm_precipitation": precipitation_mm * storm_share,
        "vegetation_cover": fvc,
        "wind_factor": wind,
    }
