"""The target grid of an account and the checks that every layer is on it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from pyproj import CRS
from rasterio.transform import Affine

from ganpo.errors import GridError
from ganpo.io.raster_files import raster_header
from ganpo.io.roles import LAYER_ROLES

EQUAL_AREA_METHODS = {
    "Albers Equal Area",
    "Lambert Azimuthal Equal Area",
    "Lambert Cylindrical Equal Area",
    "Lambert Cylindrical Equal Area (Spherical)",
    "Equal Earth",
    "Mollweide",
    "Sinusoidal",
}


@dataclass(frozen=True)
class Grid:
    """CRS, affine transform and shape shared by every layer of an account."""

    crs_wkt: str
    transform: Affine
    width: int
    height: int

    @property
    def cell_area_m2(self) -> float:
        return abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.height, self.width)

    @classmethod
    def of(cls, path: Path, role: str | None = None) -> Grid:
        """The grid of the raster at ``path`` (a broken file raises its
        :class:`~ganpo.errors.InputFileError`, naming ``role``)."""
        header = raster_header(path, role)
        if header.crs_wkt is None:
            raise GridError(
                "the raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)",
                source=path,
                field="crs",
            )
        return cls(header.crs_wkt, header.transform, header.width, header.height)

    def check_equal_area(self, path: Path) -> None:
        """Cell areas are only true areas in an equal-area projection: insist on one."""
        crs = CRS.from_wkt(self.crs_wkt)
        method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
        if not crs.is_projected or method not in EQUAL_AREA_METHODS:
            raise GridError(
                f"the grid's CRS ({crs.name}) is not an equal-area projection, so cell "
                "areas would be wrong; reproject the layers to an equal-area CRS such as "
                "ganpo.io.regions.CHINA_ALBERS (Albers, lat_1=25, lat_2=47, lon_0=105)",
                source=path,
                field="crs",
                values=[crs.name],
            )
        if not np.isclose(self.transform.b, 0) or not np.isclose(self.transform.d, 0):
            raise GridError(
                "the raster is rotated; warp it to a north-up grid", source=path, field="transform"
            )

    def check_same(self, path: Path, role: str, reference: Path) -> None:
        """Raise a :class:`GridError` that says what differs if ``path`` is off this grid."""
        problems = self.differences(path, role)
        if problems:
            method = LAYER_ROLES[role].resampling if role in LAYER_ROLES else "bilinear"
            raise GridError(
                f"layer {role!r} is not on the grid of {reference.name}: "
                + "; ".join(problems)
                + f". Resample it onto that grid (e.g. gdalwarp -t_srs <crs> -te <bounds> "
                f"-tr {abs(self.transform.a)} {abs(self.transform.e)}), or declare "
                f'resampling = "{method}" in its [[layers]] entry of the manifest to let ganpo '
                "warp it",
                source=path,
                field=role,
                values=problems,
            )

    def differences(self, path: Path, role: str | None = None) -> list[str]:
        """What differs between the grid of ``path`` and this one (empty: the same)."""
        other = Grid.of(path, role)
        problems = []
        if not _same_crs(other.crs_wkt, self.crs_wkt):
            problems.append(
                f"CRS {CRS.from_wkt(other.crs_wkt).name!r} ≠ {CRS.from_wkt(self.crs_wkt).name!r}"
            )
        if other.shape != self.shape:
            problems.append(f"shape {other.shape} ≠ {self.shape}")
        if not other.transform.almost_equals(self.transform, precision=1e-6):
            problems.append(f"transform {tuple(other.transform)[:6]} ≠ {tuple(self.transform)[:6]}")
        return problems


@lru_cache(maxsize=64)
def _same_crs(a: str, b: str) -> bool:
    """Whether two CRS in WKT are the same (pyproj's ``equals``; parsing WKT costs about a
    millisecond, and an account compares every layer's with the grid's)."""
    return a == b or bool(CRS.from_wkt(a).equals(CRS.from_wkt(b)))
