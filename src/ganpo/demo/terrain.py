"""Synthetic terrain of Jiangxi on the 1 km reference grid: elevation and water bodies.

Jiangxi is a basin open to the north: the Wuyi mountains on the east rim (up to about
2000 m), the Nanling and Jiulian mountains on the south rim, the Luoxiao, Wugong and
Jinggang mountains on the west rim (1500–2000 m), hills of 100–500 m inland, and the Poyang
Lake plain in the north (10–50 m), drained by the Gan river valley running south–north. The
elevation here imitates that layout; it is not a real DEM.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ganpo.demo.grid import REFERENCE_RESOLUTION_M, FloatArray, ReferenceGrid, rng_for

#: Poyang Lake: centre (lon, lat), semi-axes [km], azimuth of the long axis [° from north].
POYANG = (116.25, 28.98, 44.0, 21.0, 15.0)
#: The narrow northern outlet of the lake to the Yangtze at Hukou.
POYANG_OUTLET = (116.13, 29.47, 17.0, 2.3, 0.0)
#: Large reservoirs (Zhelin, Wan'an, Xiannü Lake, Hongmen): lon, lat, semi-axes, azimuth.
RESERVOIRS = (
    (115.45, 29.22, 14.0, 5.0, 70.0),
    (114.78, 26.40, 10.0, 2.5, 10.0),
    (114.75, 27.72, 8.0, 3.0, 80.0),
    (116.78, 27.55, 7.0, 2.5, 30.0),
)
#: The Gan river valley, south to north (lon, lat).
GAN_VALLEY = (
    (115.00, 25.85),
    (114.95, 26.80),
    (115.05, 27.15),
    (115.40, 27.80),
    (115.85, 28.45),
    (116.10, 28.80),
)
#: Inland ranges: lon, lat, half-length [km], half-width [km], azimuth [°], height [m]
#: (Jiuling, Lushan, Huaiyu, the hills of central Ganzhou, Yunshan).
RANGES = (
    (114.95, 28.80, 45.0, 12.0, 70.0, 1000.0),
    (116.00, 29.52, 8.0, 5.0, 30.0, 1150.0),
    (117.65, 29.10, 25.0, 12.0, 60.0, 700.0),
    (115.65, 26.20, 35.0, 25.0, 20.0, 450.0),
    (116.30, 27.00, 30.0, 15.0, 40.0, 500.0),
)


def _sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def ellipse_radius(
    ref: ReferenceGrid,
    ellipse: tuple[float, float, float, float, float],
    rng: np.random.Generator | None = None,
    wobble: float = 0.0,
) -> FloatArray:
    """Normalised radius of every cell in an ellipse (≤ 1 inside), its edge made irregular
    by a few random harmonics of relative amplitude ``wobble``."""
    lon, lat, a_km, b_km, azimuth = ellipse
    r0, c0 = ref.rowcol(lon, lat)
    km = REFERENCE_RESOLUTION_M / 1000.0
    north = (r0 - np.arange(ref.height, dtype=np.float64))[:, None] * km
    east = (np.arange(ref.width, dtype=np.float64) - c0)[None, :] * km
    phi = np.radians(azimuth)
    along = north * np.cos(phi) + east * np.sin(phi)
    across = east * np.cos(phi) - north * np.sin(phi)
    u, v = along / a_km, across / b_km
    radius = np.hypot(u, v)
    if rng is not None and wobble > 0:
        theta = np.arctan2(v, u)
        edge = np.ones_like(radius)
        for k in range(2, 7):
            edge += wobble / k**0.5 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
        radius = radius / edge
    return radius


def distance_to_polyline_km(
    ref: ReferenceGrid, points: tuple[tuple[float, float], ...]
) -> FloatArray:
    """Distance [km] of each reference cell to the polyline through ``points`` (lon, lat)."""
    rows = np.arange(ref.height, dtype=np.float64)[:, None]
    cols = np.arange(ref.width, dtype=np.float64)[None, :]
    best = np.full(ref.shape, np.inf)
    vertices = [ref.rowcol(lon, lat) for lon, lat in points]
    for (ra, ca), (rb, cb) in itertools.pairwise(vertices):
        dr, dc = rb - ra, cb - ca
        t = np.clip(((rows - ra) * dr + (cols - ca) * dc) / (dr * dr + dc * dc), 0.0, 1.0)
        best = np.minimum(best, np.hypot(rows - ra - t * dr, cols - ca - t * dc))
    return best * REFERENCE_RESOLUTION_M / 1000.0


def _rim_height(ref: ReferenceGrid) -> tuple[FloatArray, FloatArray]:
    """Distance [km] of every cell to the province border, and the mountain height [m] of
    the nearest stretch of border (low on the Yangtze side in the north)."""
    distance, (ir, ic) = ndimage.distance_transform_edt(ref.mask, return_indices=True)
    lon_b, lat_b = ref.lon[ir, ic], ref.lat[ir, ic]
    height = (
        1250.0
        + 650.0 * _sigmoid((lon_b - 117.2) / 0.15) * _sigmoid((29.0 - lat_b) / 0.2)  # Wuyi
        + 250.0 * _sigmoid((25.4 - lat_b) / 0.2)  # Nanling, Jiulian
        + 550.0 * _sigmoid((114.3 - lon_b) / 0.15)  # Luoxiao, Wugong, Jinggang
    )
    yangtze = (
        _sigmoid((lat_b - 29.45) / 0.08)
        * _sigmoid((lon_b - 115.3) / 0.1)
        * _sigmoid((117.0 - lon_b) / 0.1)
    )
    height *= 1.0 - 0.92 * yangtze
    # Nearest-border look-ups jump where two stretches of border are equally near: smooth.
    height = ndimage.gaussian_filter(height, sigma=12.0, mode="nearest")
    return distance * REFERENCE_RESOLUTION_M / 1000.0, height


@dataclass(frozen=True)
class Terrain:
    """Fields of the reference grid the land cover and climate are derived from."""

    elevation_m: FloatArray
    slope_deg: FloatArray
    lake_radius: FloatArray
    reservoir_radius: FloatArray
    basin: FloatArray
    """1 in the Poyang / lower Gan basin, falling to 0 in the hills."""


def make_terrain(ref: ReferenceGrid, seed: int) -> Terrain:
    """Elevation, slope, lake and reservoir shapes of the synthetic Jiangxi."""
    border_km, rim_m = _rim_height(ref)
    ridge_noise = ref.noise(rng_for(seed, "ridges"), (6.0, 12.0, 24.0))
    ridges = np.clip(0.65 + 0.35 * ridge_noise, 0.1, 1.3)
    mountains = rim_m * ridges * np.exp(-((border_km / 20.0) ** 1.3))

    hills = 50.0 + 220.0 * _sigmoid(
        1.4 * ref.noise(rng_for(seed, "hills"), (5.0, 10.0, 20.0, 40.0))
    )
    for lon, lat, a_km, b_km, azimuth, top_m in RANGES:
        r = ellipse_radius(ref, (lon, lat, a_km, b_km, azimuth))
        hills += top_m * np.exp(-(r**2)) * ridges

    lake_centre_km = ref.distance_km(POYANG[0], POYANG[1])
    basin = np.exp(-((lake_centre_km / 60.0) ** 2))
    valley = np.exp(-((distance_to_polyline_km(ref, GAN_VALLEY) / 18.0) ** 2))
    lowland = np.maximum(basin, 0.75 * valley)
    elevation = 14.0 + (hills + mountains) * (1.0 - 0.9 * lowland)
    texture = ref.noise(rng_for(seed, "texture"), (3.0, 6.0))
    elevation *= 1.0 + 0.08 * texture
    # Jiangxi's highest peak (Huanggang Shan) is 2158 m: compress the tops above 1600 m.
    elevation = np.where(elevation > 1600.0, 1600.0 + 0.45 * (elevation - 1600.0), elevation)
    elevation = np.clip(elevation, 8.0, 2150.0)

    lake = np.minimum(
        ellipse_radius(ref, POYANG, rng_for(seed, "lake"), wobble=0.12),
        ellipse_radius(ref, POYANG_OUTLET),
    )
    # The lake bed and shore: 12–20 m, the level of Poyang's water.
    elevation = np.where(lake < 1.6, np.minimum(elevation, 8.0 + 8.0 * lake), elevation)

    res_rng = rng_for(seed, "reservoirs")
    reservoirs = np.full(ref.shape, np.inf)
    for ellipse in RESERVOIRS:
        reservoirs = np.minimum(reservoirs, ellipse_radius(ref, ellipse, res_rng, wobble=0.2))
    # A few smaller reservoirs in hill valleys, away from the lake.
    candidates = np.flatnonzero(
        (ref.mask & (elevation > 150) & (elevation < 600) & (lake_centre_km > 80)).ravel()
    )
    for flat in res_rng.choice(candidates, size=8, replace=False):
        row, col = divmod(int(flat), ref.width)
        ellipse = (
            float(ref.lon[row, col]),
            float(ref.lat[row, col]),
            float(res_rng.uniform(4.0, 7.0)),
            float(res_rng.uniform(1.5, 2.5)),
            float(res_rng.uniform(0.0, 180.0)),
        )
        reservoirs = np.minimum(reservoirs, ellipse_radius(ref, ellipse, res_rng, wobble=0.2))

    gy, gx = np.gradient(elevation, REFERENCE_RESOLUTION_M)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    return Terrain(elevation, slope, lake, reservoirs, np.maximum(basin, valley))
