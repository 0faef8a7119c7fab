"""Synthetic ecosystem-type maps: one per year, with a little deterministic change.

Each class takes a fixed share of the province, chosen by ranking the cells on a smooth
score (elevation, slope, distance to towns, noise), so the fractions are the same at every
resolution: forest about 60 %, cropland 22.5 %, built-up 4 %, water 2.8 % (Poyang Lake,
reservoirs, ponds), wetland 1.4 % (a ring round the lake), shrub 5.5 %, grassland 3 %, bare
land 0.4 %. Between consecutive years some cropland near towns is built on, some shrub and
grassland is afforested, and a little forest is cleared for fields and building.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import by_key
from ganpo.demo.grid import FloatArray, ReferenceGrid, Sampler, rng_for
from ganpo.demo.terrain import Terrain

KEYS = ("forest", "shrub", "grassland", "wetland", "cropland", "built_up", "water", "bare")
CODE: dict[str, int] = {key: by_key(key).code for key in KEYS}

#: Share of the province of each class in the first year (forest takes the rest).
FRACTIONS = {
    "water": 0.028,
    "wetland": 0.014,
    "built_up": 0.040,
    "cropland": 0.225,
    "bare": 0.004,
    "grassland": 0.030,
    "shrub": 0.055,
}
#: Share of the province that changes between consecutive years, by transition.
CHANGES = {
    ("cropland", "built_up"): 0.0030,
    ("shrub", "forest"): 0.0025,
    ("grassland", "forest"): 0.0015,
    ("forest", "cropland"): 0.0008,
    ("forest", "built_up"): 0.0004,
}


@dataclass(frozen=True)
class CoverScores:
    """Per-cell scores of the inside cells; a higher score ranks a cell first for a class."""

    elevation_m: FloatArray
    lake_radius: FloatArray
    reservoir_radius: FloatArray
    pond: FloatArray
    wetland: FloatArray
    built: FloatArray
    crop: FloatArray
    bare: FloatArray
    degraded: FloatArray
    grass: FloatArray
    afforest: FloatArray


def _town_field(ref: ReferenceGrid, seats: pd.DataFrame) -> FloatArray:
    """max over seats of weight · exp(−d²/2σ²) on the reference grid (local windows)."""
    field = np.zeros(ref.shape)
    columns = ("lon", "lat", "weight", "sigma_km")
    for lon, lat, weight, sigma in seats[list(columns)].to_numpy(dtype=np.float64).tolist():
        row, col = ref.rowcol(lon, lat)
        half = int(4 * sigma) + 2
        r0, r1 = max(int(row) - half, 0), min(int(row) + half + 1, ref.height)
        c0, c1 = max(int(col) - half, 0), min(int(col) + half + 1, ref.width)
        if r0 >= r1 or c0 >= c1:
            continue
        rr = np.arange(r0, r1, dtype=np.float64)[:, None] - row
        cc = np.arange(c0, c1, dtype=np.float64)[None, :] - col
        bump = weight * np.exp(-(rr**2 + cc**2) / (2 * sigma**2))
        field[r0:r1, c0:c1] = np.maximum(field[r0:r1, c0:c1], bump)
    return field


def cover_scores(
    ref: ReferenceGrid, terrain: Terrain, seats: pd.DataFrame, sample: Sampler, seed: int
) -> CoverScores:
    """Sample the class scores at the inside cells.

    ``seats`` has columns lon, lat, weight, sigma_km: one row per city or county seat.
    """
    elevation = terrain.elevation_m
    towns = _town_field(ref, seats)
    built = towns + 0.15 * ref.noise(rng_for(seed, "built"), (2.0, 4.0, 8.0)) - elevation / 1500.0
    crop = (
        -elevation / 150.0
        - terrain.slope_deg / 4.0
        + 0.6 * ref.noise(rng_for(seed, "crop"), (4.0, 8.0, 16.0))
        + 0.8 * towns
    )
    return CoverScores(
        elevation_m=sample(elevation),
        lake_radius=sample(terrain.lake_radius),
        reservoir_radius=sample(terrain.reservoir_radius),
        pond=sample(ref.noise(rng_for(seed, "pond"), (3.0, 6.0)) - elevation / 40.0),
        wetland=sample(-terrain.lake_radius + 0.08 * ref.noise(rng_for(seed, "wet"), (3.0,))),
        built=sample(built),
        crop=sample(crop),
        bare=sample(elevation / 800.0 + 0.5 * ref.noise(rng_for(seed, "bare"), (3.0, 6.0))),
        degraded=sample(
            ref.noise(rng_for(seed, "degraded"), (4.0, 8.0, 16.0)) - elevation / 1500.0
        ),
        grass=sample(ref.noise(rng_for(seed, "grass"), (4.0, 8.0)) + elevation / 1000.0),
        afforest=sample(ref.noise(rng_for(seed, "afforest"), (3.0, 6.0))),
    )


def _take_top(score: FloatArray, candidates: NDArray[np.bool_], count: int) -> NDArray[np.intp]:
    """Indices of the ``count`` candidates with the highest score."""
    index = np.flatnonzero(candidates)
    if count <= 0 or index.size == 0:
        return index[:0]
    if count >= index.size:
        return index
    part = np.argpartition(-score[index], count - 1)[:count]
    return index[part]


def first_year_cover(scores: CoverScores) -> NDArray[np.uint8]:
    """The ecosystem type of each inside cell in the first year."""
    n = scores.elevation_m.size
    cover = np.zeros(n, dtype=np.uint8)

    def assign(key: str, score: FloatArray, candidates: NDArray[np.bool_], count: int) -> None:
        cover[_take_top(score, candidates & (cover == 0), count)] = CODE[key]

    water = (scores.lake_radius <= 1.0) | (scores.reservoir_radius <= 1.0)
    cover[water] = CODE["water"]
    ponds = round(FRACTIONS["water"] * n) - int(water.sum())
    assign("water", scores.pond, scores.elevation_m < 80.0, ponds)
    assign("wetland", scores.wetland, scores.lake_radius < 2.5, round(FRACTIONS["wetland"] * n))
    everywhere = np.ones(n, dtype=bool)
    for key, score in (
        ("built_up", scores.built),
        ("cropland", scores.crop),
        ("bare", scores.bare),
    ):
        assign(key, score, everywhere, round(FRACTIONS[key] * n))
    degraded = _take_top(
        scores.degraded,
        cover == 0,
        round((FRACTIONS["shrub"] + FRACTIONS["grassland"]) * n),
    )
    is_degraded = np.zeros(n, dtype=bool)
    is_degraded[degraded] = True
    assign("grassland", scores.grass, is_degraded, round(FRACTIONS["grassland"] * n))
    cover[(cover == 0) & is_degraded] = CODE["shrub"]
    cover[cover == 0] = CODE["forest"]
    return cover


def next_year_cover(cover: NDArray[np.uint8], scores: CoverScores) -> NDArray[np.uint8]:
    """The following year's map: the transitions of :data:`CHANGES`, all picked from this
    year's map (so no cell changes twice in one year)."""
    n = cover.size
    by_target = {
        "built_up": scores.built,
        "cropland": scores.crop,
        "forest": scores.afforest,
    }
    picked: list[tuple[NDArray[np.intp], int]] = []
    taken = np.zeros(n, dtype=bool)
    for (source, target), fraction in CHANGES.items():
        rows = _take_top(by_target[target], (cover == CODE[source]) & ~taken, round(fraction * n))
        taken[rows] = True
        picked.append((rows, CODE[target]))
    new = cover.copy()
    for rows, code in picked:
        new[rows] = code
    return new
