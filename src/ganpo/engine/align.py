"""Bringing a layer onto the account's grid, when its manifest entry says how.

Every layer of an account must be on the grid of the ecosystem map (CRS, cell size,
extent). A layer on another grid is refused unless its ``[[layers]]`` entry declares a
``resampling`` method (:data:`ganpo.io.roles.RESAMPLING_METHODS`); then it is warped onto
the grid here, once, with GDAL's warper (a :class:`rasterio.vrt.WarpedVRT` read strip by
strip, so memory stays bounded), and written as a float32 GeoTIFF (NaN nodata) in the
derived-layer cache. The file name carries a digest of the source's checksum, the target
grid and the method, so an unchanged layer is warped once and reused by later accounts,
by the routing (a DEM on another grid) and by the preview maps.

Cells of the target grid that the source does not cover, or whose source cells are
nodata, are NaN; the engine then reports them as missing, never as zero.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from ganpo.engine.grid import Grid
from ganpo.errors import GridError
from ganpo.io.manifest import LayerEntry, sha256_file
from ganpo.io.outputs import DERIVED_CACHE, writing
from ganpo.io.raster_files import open_raster, read_window
from ganpo.io.roles import LAYER_ROLES

log = logging.getLogger(__name__)

#: bump when a change here changes the warped rasters
ALIGN_VERSION = "2026.1"
STRIP_ROWS = 512


def aligned_path(source_sha256: str, grid: Grid, method: str, role: str, folder: Path) -> Path:
    """Where the layer warped onto ``grid`` by ``method`` is (or will be) cached."""
    payload = {
        "version": ALIGN_VERSION,
        "source": source_sha256,
        "crs": grid.crs_wkt,
        "transform": list(grid.transform)[:6],
        "shape": [grid.height, grid.width],
        "method": method,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return folder / f"aligned_{role}_{digest}.tif"


def align_layer(
    source: Path, entry: LayerEntry, grid: Grid, reference: Path, folder: Path
) -> tuple[Path, str | None]:
    """The path to read ``entry``'s layer from on ``grid``: ``source`` itself if it is on
    the grid, else the cached warp by the entry's ``resampling`` (made now if absent).
    Returns the path and a note for the account when the layer was warped.

    Raises :class:`GridError` naming the differences when the layer is off the grid and
    its entry declares no ``resampling``, or when the source has no CRS or does not
    overlap the grid at all."""
    path, note, _ = _align(source, entry, grid, reference, folder)
    return path, note


def _align(
    source: Path, entry: LayerEntry, grid: Grid, reference: Path, folder: Path
) -> tuple[Path, str | None, tuple[str, str] | None]:
    """:func:`align_layer`, and when the layer was warped the account's stage message of
    it in English and Chinese, files named by their names (decision 0101)."""
    found = grid.differences_in_both(source, entry.role)
    if not found:
        return source, None, None
    if entry.resampling is None:
        grid.check_same(source, entry.role, reference)  # raises, saying what differs
    problems = [en for en, _ in found]
    method = str(entry.resampling)
    digest = entry.sha256 or sha256_file(source, role=entry.role)
    target = aligned_path(digest, grid, method, entry.role, folder)
    note = (
        f"layer {entry.role} ({entry.path}) warped onto the grid of {reference.name} by "
        f"{method} resampling as its manifest entry declares ({'; '.join(problems)}): "
        f"{target.name}"
    )
    spec = LAYER_ROLES.get(entry.role)
    said = (
        f"layer {entry.role} ({source.name}) warped onto the grid of {reference.name} by "
        f"{method} resampling as its manifest entry declares ({'; '.join(problems)}): "
        f"{target.name}",
        f"{spec.name_zh if spec is not None else ''}图层 {entry.role}（{source.name}）按数据清单"
        f"条目的声明以 {method} 方法重采样到 {reference.name} 的栅格上"
        f"（{'；'.join(zh for _, zh in found)}）：{target.name}",
    )
    if target.exists():
        return target, note, said
    _check_overlap(source, grid, entry.role)
    t0 = time.perf_counter()
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "nodata": float("nan"),
        "count": 1,
        "width": grid.width,
        "height": grid.height,
        "crs": grid.crs_wkt,
        "transform": grid.transform,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
        "BIGTIFF": "IF_SAFER",
    }
    with (
        writing(target, DERIVED_CACHE) as building,
        open_raster(source, entry.role) as src,
        WarpedVRT(
            src,
            crs=grid.crs_wkt,
            transform=grid.transform,
            width=grid.width,
            height=grid.height,
            resampling=Resampling[method],
            src_nodata=src.nodata,
            nodata=float("nan"),
            dtype="float32",
        ) as vrt,
        rasterio.open(building, "w", **profile) as dst,
    ):
        for r0 in range(0, grid.height, STRIP_ROWS):
            window = Window(0, r0, grid.width, min(STRIP_ROWS, grid.height - r0))
            strip = read_window(vrt, source, entry.role, window, layout=src)
            dst.write(strip.astype(np.float32), 1, window=window)
    log.info("%s in %.1f s", note, time.perf_counter() - t0)
    return target, note, said


@dataclass(frozen=True)
class AlignedLayers:
    """Where to read each layer on the grid, the identity of what is read there (the
    manifest checksum, or the warped file's digest name, which keys derived layers), and
    a note per warped layer, and its stage message in English and Chinese (``said``: files
    named by their names)."""

    paths: dict[str, Path]
    identities: dict[str, str]
    notes: list[str]
    said: list[tuple[str, str]] = field(default_factory=list)


def align_layers(
    dataset_path: Callable[[LayerEntry], Path],
    entries: Mapping[str, LayerEntry],
    grid: Grid,
    reference: Path,
    folder: Path,
) -> AlignedLayers:
    """:func:`align_layer` for every entry (``dataset_path`` resolves an entry's file)."""
    out = AlignedLayers({}, {}, [])
    for role, entry in entries.items():
        path, note, said = _align(dataset_path(entry), entry, grid, reference, folder)
        out.paths[role] = path
        out.identities[role] = entry.sha256 if note is None else path.stem
        if note is not None:
            out.notes.append(note)
        if said is not None:
            out.said.append(said)
    return out


def _check_overlap(source: Path, grid: Grid, role: str) -> None:
    """A layer whose footprint misses the grid entirely would warp to nothing but NaN."""
    from rasterio.warp import transform_bounds

    with open_raster(source, role) as src:
        if src.crs is None:
            raise GridError.bilingual(
                f"layer {role!r} has no CRS, so it cannot be warped onto the grid; assign "
                "one (e.g. gdal_edit.py -a_srs)",
                f"图层 {role!r} 没有坐标参考系，无法重采样到栅格上；请为其指定坐标参考系"
                "（如 gdal_edit.py -a_srs）",
                source=source,
                field="crs",
            )
        left, bottom, right, top = transform_bounds(src.crs, grid.crs_wkt, *src.bounds)
    t = grid.transform
    g_left, g_top = t.c, t.f
    g_right, g_bottom = t.c + t.a * grid.width, t.f + t.e * grid.height
    if right <= g_left or left >= g_right or top <= g_bottom or bottom >= g_top:
        bounds = f"{left:.0f}, {bottom:.0f}, {right:.0f}, {top:.0f}"
        grid_bounds = f"{g_left:.0f}, {g_bottom:.0f}, {g_right:.0f}, {g_top:.0f}"
        raise GridError.bilingual(
            f"layer {role!r} does not overlap the grid at all (its bounds in the grid's CRS: "
            f"{bounds}; the grid's: {grid_bounds}); check its CRS and extent",
            f"图层 {role!r} 与栅格完全不重叠（其在栅格坐标参考系下的范围：{bounds}；栅格的范围："
            f"{grid_bounds}）；请检查其坐标参考系和范围",
            source=source,
            field=role,
            values=[left, bottom, right, top],
        )
