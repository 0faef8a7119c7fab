"""The ecosystem map from the land layer a department holds: a raster coded in another
classification (CLCD, GlobeLand30, ESA WorldCover) or the polygons of the third national
land survey (三调, a DLBM code per polygon), turned into ganpo's ecosystem-type codes by
the scheme's crosswalk (:mod:`ganpo.catalog.crosswalks`) on an equal-area grid.

The manifest's ``ecosystem_type`` entry declares the scheme (``scheme = "sandiao"``…), the
code column of polygons and the grid cell size (:class:`ganpo.io.manifest.LayerEntry`).
The map is made once and cached as a GeoTIFF (uint8, 255 = nodata) in the derived-layer
folder, under a name that carries a digest of the source's checksum, the crosswalk table,
the grid and the rule, so an unchanged layer is converted once and reused.

Polygons are rasterised by the **cell-centre rule**: a cell takes the class of the polygon
that holds its centre (``rasterio.features.rasterize``, ``all_touched=False``), the rule
the zonal sums use for administrative units (:mod:`ganpo.engine.zonal`). Each polygon's
cells then number its area divided by the cell area, up to the cells its boundary cuts,
which fall in or out by where their centre lies: an unbiased area for every class,
without the systematic loss of small, narrow classes (ditches, roads, field banks) that a
majority-area rule gives, and in one pass. The 三调 is a clean coverage (no overlaps); if
polygons overlap, the later one in the file wins.

A source code without a crosswalk entry is refused, with every such code and its area
[km²], so that no land silently drops out of the account.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
from numpy.typing import NDArray
from pyproj import CRS, Geod
from rasterio.enums import Resampling
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from shapely.geometry import box

from ganpo.catalog.crosswalks import Crosswalk, load_crosswalk
from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.errors import GridError, InputError, ManifestError
from ganpo.io.manifest import LayerEntry, sha256_file
from ganpo.io.outputs import DERIVED_CACHE, output_errors, writing
from ganpo.io.raster_files import open_raster, read_window
from ganpo.io.regions import CHINA_ALBERS

log = logging.getLogger(__name__)

#: bump when a change here changes the converted maps
LANDCOVER_VERSION = "2026.1"
STRIP_ROWS = 512
VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml")
#: default code column of each scheme's polygons
DEFAULT_CODE_COLUMN = {"sandiao": "DLBM"}


def is_vector(path: Path) -> bool:
    """Whether a land layer is a file of polygons (by its suffix)."""
    return path.suffix.lower() in VECTOR_SUFFIXES


@dataclass(frozen=True)
class TargetGrid:
    """The grid a converted map is written on: CRS, north-up transform, shape."""

    crs_wkt: str
    transform: Affine
    width: int
    height: int

    @property
    def cell_area_m2(self) -> float:
        return abs(self.transform.a * self.transform.e)

    @classmethod
    def covering(
        cls, bounds: tuple[float, float, float, float], crs_wkt: str, cell: float
    ) -> TargetGrid:
        """The grid of ``cell``-sized square cells, aligned on multiples of ``cell``, that
        covers ``bounds`` (left, bottom, right, top, in ``crs_wkt``)."""
        left, bottom, right, top = bounds
        x0, y1 = math.floor(left / cell) * cell, math.ceil(top / cell) * cell
        x1, y0 = math.ceil(right / cell) * cell, math.floor(bottom / cell) * cell
        width, height = max(1, round((x1 - x0) / cell)), max(1, round((y1 - y0) / cell))
        return cls(crs_wkt, Affine(cell, 0.0, x0, 0.0, -cell, y1), width, height)


@dataclass(frozen=True)
class EcosystemMap:
    """The ecosystem map an account reads: ``path``; ``converted`` when it was made from
    another classification (then ``note`` says how); ``identity`` keys the layers derived
    from it (the source checksum, or the converted file's digest name); ``sha256`` is the
    checksum of ``path``; ``method`` says how it was converted, without file names, and
    ``method_zh`` the same in Chinese."""

    path: Path
    converted: bool
    note: str | None
    identity: str
    sha256: str
    method: str = ""
    method_zh: str = ""


def needs_conversion(source: Path, entry: LayerEntry) -> bool:
    """Whether the entry's file must be converted before an account reads it."""
    return (entry.scheme not in (None, "ganpo")) or is_vector(source) or entry.cell_size is not None


def ecosystem_map(source: Path, entry: LayerEntry, folder: Path) -> EcosystemMap:
    """The ecosystem map of the manifest entry ``entry`` (file ``source``): the file itself
    when it holds ganpo's codes on its own grid; else the cached conversion, made now if
    absent (raises :class:`InputError` listing the codes without a crosswalk entry and
    their areas)."""
    sha = entry.sha256 or sha256_file(source, role="ecosystem_type")
    if not needs_conversion(source, entry):
        return EcosystemMap(
            source, False, None, sha, sha, "ganpo ecosystem codes", "ganpo 生态系统类型代码"
        )
    scheme = entry.scheme or "ganpo"
    crosswalk = load_crosswalk(scheme)
    vector = is_vector(source)
    column = entry.code_column or DEFAULT_CODE_COLUMN.get(scheme)
    if vector and (column is None or entry.cell_size is None):
        raise ManifestError(
            en=f"the ecosystem map {entry.path} is a file of polygons: its [[layers]] entry "
            "needs code_column (the column that holds the land class codes) and cell_size "
            "(the grid cell size in m)",
            zh="生态系统图是矢量图斑文件：其 [[layers]] 条目须给出 "
            "code_column（地类编码所在的列）和 cell_size（栅格单元边长，米）",
            source=source,
            field="code_column" if column is None else "cell_size",
        )
    if not vector and scheme == "sandiao":
        raise ManifestError(
            en=f"三调 (sandiao) codes are text (0101, 05H1 …) and come as polygons; "
            f"{entry.path} is a raster. Give the 三调 polygons (GeoPackage with DLBM)",
            zh=f"三调地类编码为文本（0101、05H1 …），以图斑（多边形）给出；{entry.path} 是栅格。"
            "请提供三调图斑（含 DLBM 字段的 GeoPackage）",
            source=source,
            field="scheme",
            values=[scheme],
        )
    crs_wkt = CRS.from_user_input(entry.grid_crs or CHINA_ALBERS).to_wkt()
    payload = {
        "version": LANDCOVER_VERSION,
        "source": sha,
        "scheme": scheme,
        "crosswalk": crosswalk.sha256,
        "column": column if vector else None,
        "layer": entry.vector_layer,
        "crs": crs_wkt if entry.cell_size is not None else None,
        "cell": entry.cell_size,
        "resampling": (entry.resampling or "nearest") if not vector else "cell centre",
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    target = folder / f"ecosystem_type_{scheme}_{digest}.tif"
    if vector:
        assert column is not None and entry.cell_size is not None
        how = f"polygons, cell-centre rule, {entry.cell_size:g} m cells"
        how_zh = f"矢量图斑，按栅格中心点归类，栅格边长 {entry.cell_size:g} 米"
    elif entry.cell_size is not None:
        how = f"raster resampled by {entry.resampling or 'nearest'} to {entry.cell_size:g} m cells"
        how_zh = (
            f"栅格，以 {entry.resampling or 'nearest'} 方法重采样为边长 "
            f"{entry.cell_size:g} 米的栅格"
        )
    else:
        how = "raster, on its own grid"
        how_zh = "栅格，保持其原有栅格"
    method = f"{crosswalk.title} converted by ganpo's crosswalk ({how})"
    method_zh = f"{crosswalk.title_zh}经 ganpo 的对照表转换（{how_zh}）"
    note = f"ecosystem map made from {entry.path}: {method}; {target.name}"
    if not target.exists():
        with output_errors(folder, DERIVED_CACHE):
            folder.mkdir(parents=True, exist_ok=True)
        if vector:
            assert column is not None and entry.cell_size is not None
            frame = read_land_polygons(source, column, entry.vector_layer)
            grid = TargetGrid.covering(
                tuple(frame.to_crs(crs_wkt).total_bounds), crs_wkt, entry.cell_size
            )
            write_polygon_map(frame, column, crosswalk, grid, target, source)
        else:
            write_raster_map(source, crosswalk, target, entry, crs_wkt)
        log.info(note)
    return EcosystemMap(target, True, note, target.stem, sha256_file(target), method, method_zh)


# --- polygons ----------------------------------------------------------------------------


def read_land_polygons(source: Path, column: str, layer: str | None = None) -> gpd.GeoDataFrame:
    """The polygons of ``source`` (layer ``layer``) with their code column as text."""
    try:
        frame = gpd.read_file(source, layer=layer) if layer else gpd.read_file(source)
    except Exception as exc:  # the drivers raise many kinds; the message says which file
        raise InputError(
            en=f"cannot read the land polygons: {exc}",
            zh="无法读取地类图斑文件，请检查文件是否完整",
            source=source,
        ) from exc
    if column not in frame.columns:
        raise InputError(
            en=f"the land polygons have no column {column!r}; they have "
            f"{', '.join(c for c in frame.columns if c != 'geometry')}. Name the code "
            "column in the entry's code_column",
            zh=f"地类图斑没有列 {column!r}；现有列："
            f"{', '.join(c for c in frame.columns if c != 'geometry')}。请在条目的 "
            "code_column 中写明编码列",
            source=source,
            field=column,
        )
    if frame.crs is None:
        raise GridError.bilingual(
            "the land polygons have no CRS; assign one (e.g. ogr2ogr -a_srs)",
            "土地利用图斑没有坐标参考系；请为其指定坐标参考系（如 ogr2ogr -a_srs）",
            source=source,
            field="crs",
        )
    return frame.assign(**{column: code_texts(frame[column])})


def code_texts(codes: pd.Series) -> pd.Series:
    """Codes as text (object dtype): integers without a decimal point, missing as ''."""
    return pd.Series([_code_text(v) for v in codes.tolist()], index=codes.index, dtype=object)


def _code_text(value: Any) -> str:
    """A code as text: integers without a decimal point, missing values as ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_polygon_codes(
    frame: gpd.GeoDataFrame, column: str, crosswalk: Crosswalk, source: Path
) -> None:
    """Refuse polygons whose code has no crosswalk entry, naming each code and its area
    [km², measured in China Albers equal-area]."""
    known = crosswalk.codes()
    frame = frame.assign(**{column: code_texts(frame[column])})
    unknown = ~frame[column].isin(list(known))
    if not unknown.any():
        return
    areas = land_areas_km2(frame.loc[unknown], column)
    _refuse({str(c): float(a) for c, a in areas.sort_index().items()}, crosswalk, source, column)


def _refuse(
    areas_km2: dict[str, float], crosswalk: Crosswalk, source: Path, field: str
) -> NoReturn:
    listed = ", ".join(f"{c or '(empty)'} ({a:.2f} km²)" for c, a in areas_km2.items())
    listed_zh = "、".join(f"{c or '（空）'}（{a:.2f} 平方千米）" for c, a in areas_km2.items())
    raise InputError(
        en=f"{len(areas_km2)} land class code(s) have no entry in ganpo's {crosswalk.title} "
        f"crosswalk: {listed}; add them to catalog/data/crosswalks/{crosswalk.scheme}.csv "
        "(with the ecosystem type they are) or correct the codes in the layer",
        zh=f"{len(areas_km2)} 个地类编码在 ganpo 的{crosswalk.title}对照表中没有对应项："
        f"{listed_zh}；请在对照表 {crosswalk.scheme}.csv 中补充（注明其生态系统类型），"
        "或更正图层中的编码",
        source=source,
        field=field,
        values=list(areas_km2),
    )


def rasterize_land_polygons(
    frame: gpd.GeoDataFrame, column: str, crosswalk: Crosswalk, grid: TargetGrid
) -> Iterator[tuple[Window, NDArray[np.uint8]]]:
    """The polygons as ganpo codes on ``grid``, strip by strip (cell-centre rule; cells
    that no polygon's interior holds the centre of are nodata, 255). The codes must all
    have a crosswalk entry (:func:`check_polygon_codes`)."""
    frame = frame.to_crs(grid.crs_wkt)
    codes = code_texts(frame[column]).map(crosswalk.codes()).to_numpy(dtype="int64")
    geoms = frame.geometry.to_numpy()
    index = frame.sindex
    t = grid.transform
    for r0 in range(0, grid.height, STRIP_ROWS):
        rows = min(STRIP_ROWS, grid.height - r0)
        top = t.f + t.e * r0
        strip = box(t.c, top + t.e * rows, t.c + t.a * grid.width, top)
        hits = index.query(strip, predicate="intersects")
        shapes = [(geoms[i], int(codes[i])) for i in hits if codes[i] != RASTER_NODATA]
        window_transform = t * Affine.translation(0, r0)
        out = (
            rasterio.features.rasterize(
                shapes,
                out_shape=(rows, grid.width),
                transform=window_transform,
                fill=RASTER_NODATA,
                dtype="uint8",
                all_touched=False,
            )
            if shapes
            else np.full((rows, grid.width), RASTER_NODATA, dtype=np.uint8)
        )
        yield Window(0, r0, grid.width, rows), out


def write_polygon_map(
    frame: gpd.GeoDataFrame,
    column: str,
    crosswalk: Crosswalk,
    grid: TargetGrid,
    target: Path,
    source: Path,
) -> Path:
    """Check the codes, rasterise the polygons on ``grid`` and write ``target``."""
    check_polygon_codes(frame, column, crosswalk, source)
    with _building(target, grid) as dst:
        for window, block in rasterize_land_polygons(frame, column, crosswalk, grid):
            dst.write(block, 1, window=window)
    return target


# --- rasters -----------------------------------------------------------------------------


def reclassify(
    values: np.ndarray, valid: NDArray[np.bool_], codes: dict[str, int]
) -> tuple[NDArray[np.uint8], dict[str, NDArray[np.bool_]]]:
    """ganpo codes of a block of source codes (nodata where not ``valid``), and, per
    source code without a crosswalk entry, where it lies (those cells become nodata).
    A value is matched by its text: a float map's 3.0 is source code 3, its 3.5 or
    3.0000001 is no code (nothing is rounded), and a NaN that is not the nodata value is
    ``"NaN"``, no code either."""
    out = np.full(values.shape, RASTER_NODATA, dtype=np.uint8)
    unknown: dict[str, NDArray[np.bool_]] = {}
    for v in np.unique(values[valid]).tolist():
        if isinstance(v, float) and math.isnan(v):  # a NaN that is not the nodata value
            where, key = valid & np.isnan(values), "NaN"
        else:
            where, key = valid & (values == v), _code_text(v)
        if key in codes:
            out[where] = codes[key]
        else:
            unknown[key] = where
    return out, unknown


def write_raster_map(
    source: Path, crosswalk: Crosswalk, target: Path, entry: LayerEntry, crs_wkt: str
) -> Path:
    """Reclassify the raster ``source`` by ``crosswalk``, on its own grid or, when the
    entry gives ``cell_size``, resampled (nearest or mode, over the source classes) onto
    the equal-area grid of that cell size covering it; write ``target``. Source cells
    that are nodata (or, resampled, outside the source) are nodata."""
    codes = crosswalk.codes()
    unknown_km2: dict[str, float] = {}
    with ExitStack() as stack:
        src = stack.enter_context(open_raster(source, "ecosystem_type"))
        if src.crs is None:
            raise GridError.bilingual(
                "the land raster has no CRS; assign one (e.g. gdal_edit.py -a_srs)",
                "土地利用栅格没有坐标参考系；请为其指定坐标参考系（如 gdal_edit.py -a_srs）",
                source=source,
                field="crs",
            )
        reader: Any = src
        grid = TargetGrid(src.crs.to_wkt(), src.transform, src.width, src.height)
        if entry.cell_size is not None:
            bounds = transform_bounds(src.crs, crs_wkt, *src.bounds)
            grid = TargetGrid.covering(bounds, crs_wkt, entry.cell_size)
            nodata = {"nodata": src.nodata} if src.nodata is not None else {"add_alpha": True}
            reader = stack.enter_context(
                WarpedVRT(
                    src,
                    crs=grid.crs_wkt,
                    transform=grid.transform,
                    width=grid.width,
                    height=grid.height,
                    resampling=Resampling[entry.resampling or "nearest"],
                    **nodata,
                )
            )
        row_km2 = _row_areas_km2(grid)
        dst = stack.enter_context(_building(target, grid))
        for r0 in range(0, grid.height, STRIP_ROWS):
            window = Window(0, r0, grid.width, min(STRIP_ROWS, grid.height - r0))
            values = read_window(reader, source, "ecosystem_type", window, layout=src)
            valid = reader.read_masks(1, window=window) > 0
            block, unknown = reclassify(values, valid, codes)
            for code, where in unknown.items():
                rows = np.nonzero(where)[0] + r0
                unknown_km2[code] = unknown_km2.get(code, 0.0) + float(row_km2[rows].sum())
            dst.write(block, 1, window=window)
        if unknown_km2:  # raised inside the block: the half-written map is removed
            _refuse(dict(sorted(unknown_km2.items())), crosswalk, source, "ecosystem_type")
    return target


def _row_areas_km2(grid: TargetGrid) -> NDArray[np.float64]:
    """Area of one cell of each row [km²]: on the ellipsoid for a geographic grid, the
    nominal cell area for a projected one (exact for an equal-area CRS)."""
    crs = CRS.from_wkt(grid.crs_wkt)
    if crs.is_projected:
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return np.full(grid.height, grid.cell_area_m2 * factor**2 / 1e6)
    geod = Geod(ellps="WGS84")
    t = grid.transform
    out = np.empty(grid.height)
    for row in range(grid.height):
        x0, y0 = t * (0, row)
        x1, y1 = t * (1, row + 1)
        area, _ = geod.polygon_area_perimeter([x0, x1, x1, x0], [y0, y0, y1, y1])
        out[row] = abs(area) / 1e6
    return out


@contextmanager
def _building(target: Path, grid: TargetGrid) -> Iterator[Any]:
    """A GeoTIFF (uint8, nodata 255) written beside ``target`` and moved onto it when the
    block ends without error (a reader never sees half a map; a full disk is a clear
    error: :func:`ganpo.io.outputs.writing`)."""
    g = grid
    with (
        writing(target, DERIVED_CACHE) as tmp,
        rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            dtype="uint8",
            nodata=RASTER_NODATA,
            count=1,
            width=g.width,
            height=g.height,
            crs=g.crs_wkt,
            transform=g.transform,
            tiled=True,
            blockxsize=256,
            blockysize=256,
            compress="deflate",
            BIGTIFF="IF_SAFER",
        ) as dst,
    ):
        yield dst


def land_areas_km2(frame: gpd.GeoDataFrame, column: str) -> pd.Series:
    """Area of each code of a polygon layer [km², China Albers equal-area]."""
    codes = code_texts(frame[column]).to_numpy()
    return frame.geometry.to_crs(CHINA_ALBERS).area.groupby(codes).sum() / 1e6
