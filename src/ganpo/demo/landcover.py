"""Synthetic ecosystem-type maps: one per year, with a little deterministic change.

Each class takes a fixed share of the province, chosen by ranking the cells on a smooth
score (elevation, slope, distance to towns, noise), so the fractions are the same at every
resolution: forest about 60 %, cropland 22.5 %, built-up 4 %, water 2.8 % (Poyang Lake,
reservoirs, the Gan river, ponds), wetland 1.4 % (a ring round the lake), shrub 5.5 %,
grassland 3 %, bare land 0.4 %. Between consecutive years some cropland near towns is
built on, some shrub and grassland is afforested, and a little forest is cleared for
fields and building.

The map written is coded by sub-type (level 2) where the demo knows one
(:func:`subtype_cover`): forest mostly evergreen needleleaf plantations (Masson pine,
Chinese fir) on the low hills and evergreen broadleaf forest higher up, with mixed,
bamboo, some deciduous broadleaf on the highest ridges and sparse forest near towns;
evergreen broadleaf and deciduous shrub; subtropical tussock; paddy in the basins, dry
land on slopes and orchards (the navel oranges of the south); the floodplain of Poyang
Lake and marsh behind it; the lake, reservoirs and ponds, the Gan river. Built-up and
bare land keep their level-1 codes: a map may mix both levels. A cell's sub-type follows
from fixed scores and thresholds set on the first year's map, so a cell that keeps its
type keeps its sub-type.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import by_key
from ganpo.demo.grid import FloatArray, ReferenceGrid, Sampler, rng_for
from ganpo.demo.terrain import GAN_VALLEY, Terrain, distance_to_polyline_km

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
#: Half-width of the Gan river [km] (its lower reaches are about a kilometre wide).
RIVER_HALF_WIDTH_KM = 0.5
#: The sub-types of each level-1 class, in the order they are picked, with their share of
#: the class on the first year's map and the score that picks them (lowest first; the
#: last takes the rest). Forest after Jiangxi's forest inventories: Chinese fir and
#: Masson pine plantations dominate, bamboo about a tenth. Grassland is all subtropical
#: tussock; water is coded by its shape (:func:`subtype_cover`).
SUBTYPES: dict[str, tuple[tuple[str, float, str], ...]] = {
    "forest": (
        ("bamboo_forest", 0.10, "bamboo"),
        ("sparse_forest", 0.02, "remoteness"),
        ("evergreen_needleleaf_forest", 0.45, "remoteness"),
        ("mixed_forest", 0.12, "remoteness"),
        ("evergreen_broadleaf_forest", 0.28, "remoteness"),
        ("deciduous_broadleaf_forest", 0.03, ""),
    ),
    "shrub": (
        ("evergreen_broadleaf_shrub", 0.75, "remoteness"),
        ("deciduous_broadleaf_shrub", 0.25, ""),
    ),
    "cropland": (
        ("paddy", 0.68, "paddy"),
        ("orchard", 0.12, "orchard"),
        ("dry_land", 0.20, ""),
    ),
    "wetland": (
        ("floodplain_wetland", 0.65, "lake_distance"),
        ("marsh", 0.35, ""),
    ),
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
    river_km: FloatArray
    forest_kind: FloatArray
    bamboo: FloatArray
    paddy: FloatArray
    orchard: FloatArray


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
        river_km=sample(distance_to_polyline_km(ref, GAN_VALLEY)),
        # higher and remoter: broadleaf; low hills: plantations
        forest_kind=sample(
            elevation / 400.0 - towns + 0.5 * ref.noise(rng_for(seed, "forest"), (4.0, 8.0))
        ),
        bamboo=sample(ref.noise(rng_for(seed, "bamboo"), (3.0, 6.0))),
        paddy=sample(
            -elevation / 60.0
            - terrain.slope_deg / 2.0
            + 0.5 * ref.noise(rng_for(seed, "paddy"), (3.0, 6.0))
        ),
        # the navel-orange hills of the south (Gannan)
        orchard=sample(-(ref.lat - 25.0) + 0.6 * ref.noise(rng_for(seed, "orchard"), (3.0, 6.0))),
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

    water = (
        (scores.lake_radius <= 1.0)
        | (scores.reservoir_radius <= 1.0)
        | (scores.river_km <= RIVER_HALF_WIDTH_KM)
    )
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


def _subtype_scores(scores: CoverScores) -> dict[str, FloatArray]:
    """The scores that pick sub-types, lowest first."""
    return {
        "bamboo": -scores.bamboo,  # bamboo patches
        "remoteness": scores.forest_kind,  # near towns and low first, remote and high last
        "paddy": -scores.paddy,  # flat lowland first
        "orchard": -scores.orchard,  # the south first
        "lake_distance": scores.lake_radius,  # the lake shore first
    }


#: per level-1 key, the (sub-type key, score name, threshold) steps of :func:`subtype_cover`
SubtypeRules = dict[str, tuple[tuple[str, str, float], ...]]


def subtype_rules(cover: NDArray[np.uint8], scores: CoverScores) -> SubtypeRules:
    """Thresholds that give the shares of :data:`SUBTYPES` on ``cover`` (the first year's
    map); later years apply the same thresholds, so a cell keeps its sub-type."""
    by_name = _subtype_scores(scores)
    rules: SubtypeRules = {}
    for key, steps in SUBTYPES.items():
        remaining = cover == CODE[key]
        total = int(remaining.sum())
        rule: list[tuple[str, str, float]] = []
        for subtype, share, score in steps[:-1]:
            values = np.sort(by_name[score][remaining])
            count = min(round(share * total), values.size)
            threshold = float(values[count - 1]) if count > 0 else -np.inf
            remaining = remaining & ~(by_name[score] <= threshold)
            rule.append((subtype, score, threshold))
        rule.append((steps[-1][0], "", np.inf))
        rules[key] = tuple(rule)
    return rules


def subtype_cover(
    cover: NDArray[np.uint8], scores: CoverScores, rules: SubtypeRules
) -> NDArray[np.uint8]:
    """The map coded by sub-type (level 2) where the demo knows one; built-up and bare
    land keep their level-1 codes."""
    by_name = _subtype_scores(scores)
    out = cover.copy()
    for key, rule in rules.items():
        remaining = cover == CODE[key]
        for subtype, score, threshold in rule:
            chosen = remaining if not score else remaining & (by_name[score] <= threshold)
            out[chosen] = by_key(subtype).code
            remaining = remaining & ~chosen
    out[cover == CODE["grassland"]] = by_key("subtropical_tussock").code
    water = cover == CODE["water"]
    out[water] = by_key("reservoir_pond").code  # reservoirs and ponds
    out[water & (scores.river_km <= RIVER_HALF_WIDTH_KM)] = by_key("river").code
    out[water & (scores.lake_radius <= 1.0)] = by_key("lake").code
    return out
