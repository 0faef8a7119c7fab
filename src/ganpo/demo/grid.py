"""Grids of the demo generator: the output grid, and the fixed 1 km reference grid.

Every geographic field of the demo (elevation, noise, lake shape, distance to towns…) is
computed once on a *reference grid* whose cells are 1 km whatever the output resolution,
and sampled bilinearly at the centres of the output cells. So a 250 m and a 1000 m demo show
the same landscape, and their province totals agree to within a few per cent.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray
from pyproj import Transformer
from rasterio.features import rasterize
from rasterio.transform import Affine
from scipy import ndimage

REFERENCE_RESOLUTION_M = 1000.0
#: The reference grid extends this far beyond the province, so that sampling and the
#: smoothing of fields near the border never run off its edge.
REFERENCE_MARGIN_M = 20_000.0

FloatArray = NDArray[np.float64]


def rng_for(seed: int, name: str) -> np.random.Generator:
    """An independent random generator for one named purpose, so fields do not depend on
    the order in which they are drawn."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


@dataclass(frozen=True)
class OutputGrid:
    """The grid every layer is written on, and which of its cells lie in which county."""

    transform: Affine
    width: int
    height: int
    crs: str
    county_index: NDArray[np.int32]
    """(height, width): 1 + row number of the county a cell centre lies in, 0 outside."""

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @property
    def resolution_m(self) -> float:
        return float(self.transform.a)

    @property
    def cell_area_km2(self) -> float:
        return self.resolution_m**2 / 1e6

    def inside_flat(self) -> NDArray[np.intp]:
        """Flat indices of the cells inside the province, row-major."""
        return np.flatnonzero(self.county_index.ravel() > 0)

    def scatter(self, values: NDArray[Any], nodata: float, dtype: type) -> NDArray[Any]:
        """A full (height, width) array with ``values`` at the inside cells, nodata elsewhere."""
        full: NDArray[Any] = np.full(self.width * self.height, nodata, dtype=dtype)
        full[self.inside_flat()] = values
        return full.reshape(self.shape)


def output_grid(units: gpd.GeoDataFrame, resolution_m: float) -> OutputGrid:
    """The province's projected bounds snapped outward to multiples of ``resolution_m``."""
    minx, miny, maxx, maxy = units.total_bounds
    x0 = np.floor(minx / resolution_m) * resolution_m
    y0 = np.floor(miny / resolution_m) * resolution_m
    x1 = np.ceil(maxx / resolution_m) * resolution_m
    y1 = np.ceil(maxy / resolution_m) * resolution_m
    width = round((x1 - x0) / resolution_m)
    height = round((y1 - y0) / resolution_m)
    transform = Affine(resolution_m, 0.0, x0, 0.0, -resolution_m, y1)
    shapes = ((geom, i + 1) for i, geom in enumerate(units.geometry))
    county_index = rasterize(
        shapes,
        out_shape=(height, width),
        transform=transform,
        fill=0,
        all_touched=False,
        dtype="int32",
    )
    return OutputGrid(transform, width, height, units.crs.to_string(), county_index)


@dataclass(frozen=True)
class ReferenceGrid:
    """A fixed 1 km grid over the province, with each cell's longitude, latitude and mask."""

    x0: float
    y1: float
    width: int
    height: int
    lon: FloatArray
    lat: FloatArray
    mask: NDArray[np.bool_]
    to_xy: Transformer
    """Transforms WGS84 longitude/latitude to the grid's CRS."""

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Projected coordinates [m] of a longitude/latitude."""
        x, y = self.to_xy.transform(lon, lat)
        return float(x), float(y)

    def rowcol(self, lon: float, lat: float) -> tuple[float, float]:
        """Fractional (row, column) of a longitude/latitude on this grid (cell centres at .0)."""
        x, y = self.xy(lon, lat)
        res = REFERENCE_RESOLUTION_M
        return (self.y1 - y) / res - 0.5, (x - self.x0) / res - 0.5

    def distance_km(self, lon: float, lat: float) -> FloatArray:
        """Distance [km] of every cell from a point."""
        r, c = self.rowcol(lon, lat)
        rows = np.arange(self.height, dtype=np.float64)[:, None]
        cols = np.arange(self.width, dtype=np.float64)[None, :]
        km = REFERENCE_RESOLUTION_M / 1000.0
        return np.hypot(rows - r, cols - c) * km

    def noise(self, rng: np.random.Generator, scales_km: tuple[float, ...]) -> FloatArray:
        """Smooth random field, mean 0 and standard deviation 1 over the province.

        One octave per scale: white noise on a grid of that spacing, interpolated by cubic
        splines; octaves weighted by their scale, so large features dominate.
        """
        total = np.zeros(self.shape)
        for scale in scales_km:
            step = scale * 1000.0 / REFERENCE_RESOLUTION_M
            coarse = rng.standard_normal((int(self.height / step) + 4, int(self.width / step) + 4))
            rows = np.arange(self.height) / step + 1.0
            cols = np.arange(self.width) / step + 1.0
            rr, cc = np.meshgrid(rows, cols, indexing="ij")
            total += scale * ndimage.map_coordinates(coarse, [rr, cc], order=3, mode="nearest")
        inside = total[self.mask]
        return (total - inside.mean()) / inside.std()


def reference_grid(units: gpd.GeoDataFrame) -> ReferenceGrid:
    """The fixed 1 km grid covering ``units`` plus a margin (independent of any resolution)."""
    res = REFERENCE_RESOLUTION_M
    minx, miny, maxx, maxy = units.total_bounds
    x0 = np.floor((minx - REFERENCE_MARGIN_M) / 10_000.0) * 10_000.0
    y0 = np.floor((miny - REFERENCE_MARGIN_M) / 10_000.0) * 10_000.0
    x1 = np.ceil((maxx + REFERENCE_MARGIN_M) / 10_000.0) * 10_000.0
    y1 = np.ceil((maxy + REFERENCE_MARGIN_M) / 10_000.0) * 10_000.0
    width = round((x1 - x0) / res)
    height = round((y1 - y0) / res)
    transform = Affine(res, 0.0, x0, 0.0, -res, y1)
    mask = rasterize(
        ((geom, 1) for geom in units.geometry),
        out_shape=(height, width),
        transform=transform,
        fill=0,
        dtype="uint8",
    ).astype(bool)
    xs = x0 + (np.arange(width) + 0.5) * res
    ys = y1 - (np.arange(height) + 0.5) * res
    xx, yy = np.meshgrid(xs, ys)
    to_lonlat = Transformer.from_crs(units.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(xx, yy)
    to_xy = Transformer.from_crs("EPSG:4326", units.crs, always_xy=True)
    return ReferenceGrid(float(x0), float(y1), width, height, lon, lat, mask, to_xy)


class Sampler:
    """Bilinear sampling of reference-grid fields at the inside cells of an output grid."""

    def __init__(self, ref: ReferenceGrid, grid: OutputGrid) -> None:
        flat = grid.inside_flat()
        rows, cols = np.divmod(flat, grid.width)
        res = grid.resolution_m
        x = grid.transform.c + (cols + 0.5) * res
        y = grid.transform.f - (rows + 0.5) * res
        fr = (ref.y1 - y) / REFERENCE_RESOLUTION_M - 0.5
        fc = (x - ref.x0) / REFERENCE_RESOLUTION_M - 0.5
        r0 = np.clip(np.floor(fr).astype(np.intp), 0, ref.height - 2)
        c0 = np.clip(np.floor(fc).astype(np.intp), 0, ref.width - 2)
        wr = np.clip(fr - r0, 0.0, 1.0)
        wc = np.clip(fc - c0, 0.0, 1.0)
        self._i00 = r0 * ref.width + c0
        self._width = ref.width
        self._w00 = (1 - wr) * (1 - wc)
        self._w01 = (1 - wr) * wc
        self._w10 = wr * (1 - wc)
        self._w11 = wr * wc
        self.size = int(flat.size)

    def __call__(self, field: FloatArray) -> FloatArray:
        f = field.ravel()
        i = self._i00
        w = self._width
        return (
            f[i] * self._w00
            + f[i + 1] * self._w01
            + f[i + w] * self._w10
            + f[i + w + 1] * self._w11
        )
