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
            raise GridError.bilingual(
                "the raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)",
                "栅格没有坐标参考系；请为其指定坐标参考系（如 gdal_edit.py -a_srs）",
                source=path,
                field="crs",
            )
        return cls(header.crs_wkt, header.transform, header.width, header.height)

    def check_equal_area(self, path: Path) -> None:
        """Cell areas are only true areas in an equal-area projection: insist on one."""
        crs = CRS.from_wkt(self.crs_wkt)
        method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
        if not crs.is_projected or method not in EQUAL_AREA_METHODS:
            raise GridError.bilingual(
                f"the grid's CRS ({crs.name}) is not an equal-area projection, so cell "
                "areas would be wrong; reproject the layers to an equal-area CRS such as "
                "ganpo.io.regions.CHINA_ALBERS (Albers, lat_1=25, lat_2=47, lon_0=105)",
                f"栅格的坐标参考系（{crs.name}）不是等积投影，栅格面积会算错；请将各图层重投影到"
                "等积投影，如中国 Albers 等积圆锥投影（lat_1=25、lat_2=47、lon_0=105）",
                source=path,
                field="crs",
                values=[crs.name],
            )
        if not np.isclose(self.transform.b, 0) or not np.isclose(self.transform.d, 0):
            raise GridError.bilingual(
                "the raster is rotated; warp it to a north-up grid",
                "栅格带有旋转；请将其重采样为正北朝上的栅格",
                source=path,
                field="transform",
            )

    def check_same(self, path: Path, role: str, reference: Path) -> None:
        """Raise a :class:`GridError` that says what differs if ``path`` is off this grid."""
        found = self._differences(path, role)
        if found:
            problems = [en for en, _ in found]
            spec = LAYER_ROLES.get(role)
            method = spec.resampling if spec is not None else "bilinear"
            name_zh = spec.name_zh if spec is not None else ""
            tr = f"{abs(self.transform.a)} {abs(self.transform.e)}"
            raise GridError.bilingual(
                f"layer {role!r} is not on the grid of {reference.name}: "
                + "; ".join(problems)
                + f". Resample it onto that grid (e.g. gdalwarp -t_srs <crs> -te <bounds> "
                f'-tr {tr}), or declare resampling = "{method}" in its [[layers]] entry of '
                "the manifest to let ganpo warp it",
                f"{name_zh}图层 {role!r} 与 {reference.name} 的栅格不一致："
                + "；".join(zh for _, zh in found)
                + f"。请将其重采样到该栅格上（如 gdalwarp -t_srs <crs> -te <bounds> -tr {tr}），"
                f'或在数据清单中该图层的 [[layers]] 条目里声明 resampling = "{method}"，'
                "由 ganpo 重采样",
                source=path,
                field=role,
                values=problems,
            )

    def differences(self, path: Path, role: str | None = None) -> list[str]:
        """What differs between the grid of ``path`` and this one (empty: the same)."""
        return [en for en, _ in self._differences(path, role)]

    def differences_in_both(self, path: Path, role: str | None = None) -> list[tuple[str, str]]:
        """:meth:`differences` in English and in Chinese."""
        return self._differences(path, role)

    def _differences(self, path: Path, role: str | None = None) -> list[tuple[str, str]]:
        """:meth:`differences` in English and in Chinese."""
        other = Grid.of(path, role)
        problems = []
        if not _same_crs(other.crs_wkt, self.crs_wkt):
            crs = f"{CRS.from_wkt(other.crs_wkt).name!r} ≠ {CRS.from_wkt(self.crs_wkt).name!r}"
            problems.append((f"CRS {crs}", f"坐标参考系 {crs}"))
        if other.shape != self.shape:
            shape = f"{other.shape} ≠ {self.shape}"
            problems.append((f"shape {shape}", f"行列数 {shape}"))
        if not other.transform.almost_equals(self.transform, precision=1e-6):
            t = f"{tuple(other.transform)[:6]} ≠ {tuple(self.transform)[:6]}"
            problems.append((f"transform {t}", f"仿射变换参数 {t}"))
        return problems


@lru_cache(maxsize=64)
def _same_crs(a: str, b: str) -> bool:
    """Whether two CRS in WKT are the same (pyproj's ``equals``; parsing WKT costs about a
    millisecond, and an account compares every layer's with the grid's)."""
    return a == b or bool(CRS.from_wkt(a).equals(CRS.from_wkt(b)))
