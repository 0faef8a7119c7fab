"""Stage 3a: the ecosystem map's codes, checked before anything reads them.

The derived layers (the SDR's cover factor, :mod:`ganpo.engine.derived`) and the pass's
per-type lookups (:func:`ganpo.services.base.lookup`) index tables of the 256 raster
codes by each cell's code, and the zonal sums key each cell by it
(:mod:`ganpo.engine.zonal`). A value that is no code (300, −5, −9999, 3.5, NaN) would stop
them half-way with an index error, or, negative, silently read another code's row; a code
the classification does not have would be summed under no type. So the map is censused
first (:func:`ganpo.engine.zonal.code_census_graph`: one read of the map, the units
rasterised only in the blocks that hold an unknown code), and any such value stops the
run with a message in English and Chinese that names the file, the values and their
cells, and says what to do. Nothing has been computed or stored yet.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import dask
import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from ganpo.catalog.ecosystems import (
    RASTER_NODATA,
    code_map_rule,
    raster_codes,
    raster_codes_text,
)
from ganpo.engine.compute import scheduler as compute_on
from ganpo.engine.grid import Grid
from ganpo.engine.rasters import open_layer
from ganpo.engine.stages.context import Run
from ganpo.engine.zonal import CodeCensus, code_census_graph, codes_of
from ganpo.errors import InputError, preview
from ganpo.io.raster_files import open_raster

ROLE = "ecosystem_type"


def check_ecosystem_codes(run: Run, eco_path: Path, grid: Grid, units: gpd.GeoDataFrame) -> None:
    """Stop when the ecosystem map ``eco_path`` holds a value that is no ecosystem code
    anywhere (not a whole number in 0–255), or a code that the classification
    (``ecosystem_types.csv``) does not have in a cell inside one of the ``units`` (in the
    grid's CRS); a map whose declared nodata value is not 255 is told to use 255."""
    eco = open_layer(eco_path, run.chunk, as_float=False, role=ROLE)
    graph = code_census_graph(
        eco, list(units.geometry), grid.transform, [*raster_codes(), RASTER_NODATA]
    )
    with compute_on(run.scheduler):
        (census,) = dask.compute(graph)
    if census.foreign or census.unknown:
        with open_raster(eco_path, ROLE) as src:
            nodata = src.nodata
        raise _refusal(census, nodata, eco_path)


def _refusal(census: CodeCensus, nodata: float | None, eco_path: Path) -> InputError:
    en: list[str] = []
    zh: list[str] = []
    nodata_text = _nodata_text(nodata)
    if census.foreign:
        foreign_en, foreign_zh = not_codes_text(census.foreign)
        en.append(foreign_en)
        zh.append(foreign_zh)
    if census.unknown:
        listed = preview(f"{c} ({n} cells)" for c, n in census.unknown.items())
        listed_zh = "、".join(f"{c}（{n} 个栅格）" for c, n in list(census.unknown.items())[:5])
        en.append(
            f"unknown ecosystem code(s) {listed}; valid codes are {raster_codes_text()} "
            f"(ecosystem_types.csv) and {RASTER_NODATA} for nodata; reclassify the raster"
        )
        zh.append(
            f"行政区内有未知的生态系统类型编码 {listed_zh}；有效编码为 {raster_codes_text(zh=True)}"
            f"（ecosystem_types.csv），无数据值为 {RASTER_NODATA}；请重新分类该栅格"
        )
    if nodata_text is not None and nodata_text in {*census.foreign, *map(str, census.unknown)}:
        en.append(
            f"the file declares {nodata_text} as its nodata value, but ganpo reads "
            f"{RASTER_NODATA} as an ecosystem map's nodata: write its nodata cells as "
            f"{RASTER_NODATA} (gdal_calc.py, then gdal_edit.py -a_nodata {RASTER_NODATA})"
        )
        zh.append(
            f"该文件声明的无数据值为 {nodata_text}，而 ganpo 以 {RASTER_NODATA} 作为生态系统"
            f"类型图层的无数据值：请将无数据栅格改写为 {RASTER_NODATA}（gdal_calc.py，再用 "
            f"gdal_edit.py -a_nodata {RASTER_NODATA}）"
        )
    values: list[object] = [*map(_number, census.foreign), *census.unknown]
    return InputError(
        en="; ".join(en), zh="；".join(zh) + "。", source=eco_path, field=ROLE, values=values
    )


def not_codes_text(
    foreign: dict[str, int], first: tuple[int, int] | None = None
) -> tuple[str, str]:
    """The refusal of an ecosystem map's values that are no code (value → cells, as
    :func:`ganpo.engine.zonal.codes_of` counts them; ``first``: the first such cell, row
    and column from 0, when known), in English and Chinese."""
    cells = sum(foreign.values())
    listed = preview(f"{v} ({n} cells)" for v, n in foreign.items())
    listed_zh = "、".join(f"{v}（{n} 个栅格）" for v, n in list(foreign.items())[:5])
    if first is not None:
        listed += f", the first at row {first[0]}, column {first[1]} (counted from 0)"
        listed_zh += f"，首个位于第 {first[0]} 行、第 {first[1]} 列（从 0 起算）"
    rule_en, rule_zh = code_map_rule()
    return (
        f"{cells} cells hold values that are no ecosystem code: {listed}; {rule_en}",
        f"有 {cells} 个栅格的值不是生态系统类型编码：{listed_zh}；{rule_zh}",
    )


def _nodata_text(nodata: float | None) -> str | None:
    """The declared nodata value as the census writes values, unless it is 255."""
    if nodata is None or nodata == RASTER_NODATA:
        return None
    return "nan" if math.isnan(nodata) else f"{nodata:g}"


def _number(text: str) -> float | int:
    """A value of the census as a number (``"300"`` → 300, ``"nan"`` → nan)."""
    x = float(text)
    return int(x) if x.is_integer() else x


# --- the ecosystem map of the tools that read it themselves -----------------------------


@dataclass
class NotCodes:
    """The values of a map that are no code, as cells per value (written by
    :func:`ganpo.engine.zonal.value_text`), and the first such cell (row, column from 0)
    in the order the blocks were read; added up block by block."""

    values: Counter[str] = field(default_factory=Counter)
    first: tuple[int, int] | None = None

    def add(self, other: NotCodes) -> None:
        self.values.update(other.values)
        if self.first is None:
            self.first = other.first

    def refuse(self, source: Path, role: str = ROLE) -> None:
        """Raise :class:`InputError` when a value is no code: the account's words
        (:func:`not_codes_text`), the file, the values and their cells, the first cell."""
        if not self.values:
            return
        en, zh = not_codes_text(dict(sorted(self.values.items())), self.first)
        raise InputError(
            en=en,
            zh=f"{zh}。",
            source=source,
            field=role,
            values=[_number(v) for v in sorted(self.values)],
        )


def block_codes(
    values: NDArray[np.generic], nodata: float | None = None, origin: tuple[int, int] = (0, 0)
) -> tuple[NDArray[np.uint8], NDArray[np.bool_], NotCodes]:
    """A block of an ecosystem map (any dtype; its top-left cell at ``origin`` of the
    map) read as the account reads it (:func:`ganpo.engine.zonal.codes_of`): its codes as
    ``uint8``, :data:`RASTER_NODATA` in the cells of the map's nodata; the mask of those
    cells (the declared ``nodata``, NaN matching NaN; :data:`RASTER_NODATA` when none is
    declared); and the other cells' values that are no code (nothing rounded or cut), to
    refuse with :meth:`NotCodes.refuse`. A Byte block is its own codes."""
    marker = RASTER_NODATA if nodata is None else nodata
    empty: NDArray[np.bool_] = np.asarray(
        np.isnan(values) if math.isnan(marker) else values == marker, dtype=np.bool_
    )
    if values.dtype == np.uint8:  # every value a code: the block itself
        codes = values.astype(np.uint8)  # a copy
        codes[empty] = RASTER_NODATA
        return codes, empty, NotCodes()
    index, whole, _ = codes_of(values)
    found = NotCodes()
    refused = ~(whole | empty)
    if refused.any():
        _, _, foreign = codes_of(values[refused])
        r, c = np.argwhere(refused)[0]
        found = NotCodes(Counter(foreign), (origin[0] + int(r), origin[1] + int(c)))
    return np.where(whole & ~empty, index, RASTER_NODATA).astype(np.uint8), empty, found


def map_codes(
    values: NDArray[np.generic], source: Path, nodata: float | None = None, role: str = ROLE
) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """:func:`block_codes` of a whole map read from ``source``: its codes and nodata mask,
    or :class:`InputError` when a cell holds a value that is no code."""
    codes, empty, found = block_codes(values, nodata)
    found.refuse(source, role)
    return codes, empty
