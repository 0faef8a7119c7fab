"""Stage 6: check what the pass found, before any row is made."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np

from ganpo.catalog.ecosystems import RASTER_NODATA, by_code
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameters import ParameterSet
from ganpo.engine.stages.blockwise import PassSums
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.coverage import check_coverage
from ganpo.engine.stages.gaps import filled_totals
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.plausibility import check_distribution, decide_soft_ranges
from ganpo.engine.stages.select import Selection
from ganpo.errors import InputError, preview, preview_zh
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES
from ganpo.services.base import Method


def check_pass(run: Run, plan: Plan, selection: Selection, on_grid: OnGrid, sums: PassSums) -> None:
    """Stop when the rasters miss the units, hold a type a method needs a per-type
    parameter for that the set lacks, hold a layer whose median lies outside its role's
    typical band (a likely unit error) or a value outside its role's range (or none at
    all), or when a layer covers too little of a unit without a declared gap policy;
    record decisions for values outside the soft ranges and for partial coverage; warn
    about units without a cell, cells without an ecosystem type and cells a component
    leaves out for nodata. (The ecosystem codes are checked before the pass:
    :mod:`.codes`.)"""
    cells, units, eco_path = sums.cells, on_grid.units, on_grid.eco_path
    _check_overlap(cells, units, eco_path)
    _warn_empty_units(run, cells, units)
    _check_complete(plan.all_methods, plan.params, cells, eco_path)
    check_distribution(run, plan, selection, sums)
    _check_ranges(sums.ranges, on_grid.sources)
    decide_soft_ranges(run, selection, sums)
    check_coverage(run, plan, selection, units, sums)
    _warn_nodata_ecosystem(run, cells, eco_path)
    _warn_gaps(run, sums)


def _check_overlap(cells: np.ndarray, units: gpd.GeoDataFrame, eco_path: Path) -> None:
    if cells.sum() == 0:
        raise InputError(
            en=f"no cell of the grid has its centre inside any of the {len(units)} units: the "
            "rasters do not overlap the region. Check that the units and the rasters cover "
            "the same area in the same CRS",
            zh="没有任何栅格的中心落在这 "
            f"{len(units)} 个行政区内：栅格与区域不重叠。请检查行政区和栅格是否覆盖同一范围、"
            "是否使用同一坐标参考系",
            source=eco_path,
            field="extent",
        )


def _warn_empty_units(run: Run, cells: np.ndarray, units: gpd.GeoDataFrame) -> None:
    empty = units.loc[cells.sum(axis=1) == 0, "unit_code"].tolist()
    if empty:
        run.warn(
            f"{len(empty)} unit(s) have no cell centre inside them at this resolution "
            f"({preview(empty)}); their raster services are 0 — use a finer grid",
            f"{len(empty)} 个行政区在此分辨率下没有栅格中心落入其内（{preview_zh(empty)}），"
            "其栅格类服务计为 0；请使用更细的栅格。",
        )


def _check_complete(
    methods: list[Method], params: ParameterSet, cells: np.ndarray, eco_path: Path
) -> None:
    """Stop when a per-type parameter a method needs for every type lacks a type that the
    raster holds: such cells would otherwise drop out of the service silently. A level-2
    sub-type has a value when it or its level-1 type has one (the fallback of
    :meth:`~ganpo.catalog.parameters.ParameterSet.per_type`); a level-1 code needs the
    level-1 value itself."""
    present = {int(c) for c in np.nonzero(cells[:, :RASTER_NODATA].sum(axis=0))[0]}
    for x in methods:
        for key in x.complete_types:
            used = next(u for u in x.parameters if u.key == key)
            missing = sorted(present - set(params.per_type(key, used.unit)))
            if missing:
                counts = {c: int(cells[:, c].sum()) for c in missing}
                codes_zh = preview_zh(
                    f"{c} {by_code(c).name_zh}（{n} 个栅格）" for c, n in counts.items()
                )
                raise InputError(
                    en=f"{x.indicator} ({x.key}) needs {key!r} for every ecosystem type in the "
                    f"raster, but parameter set {params.name!r} has no value for code(s) "
                    f"{preview(f'{c} {by_code(c).key} ({n} cells)' for c, n in counts.items())}; "
                    "add them, or their level-1 type, to the set's by_type table (or "
                    "reclassify the raster)",
                    zh=f"{indicator_zh(x.indicator)}（{x.key}）需要栅格中每种生态系统类型的参数 "
                    f"{key!r}，但参数集 {params.name!r} 缺少以下代码的值：{codes_zh}；请在参数集的 "
                    "by_type 表中补上这些类型（或其一级类型）的值，或对栅格重新分类",
                    source=eco_path,
                    field=key,
                    values=missing,
                )


def _check_ranges(ranges: dict[str, tuple[float, float]], sources: dict[str, Path]) -> None:
    for role, (lo, hi) in ranges.items():
        spec = {**LAYER_ROLES, **DERIVED_ROLES}[role]
        source = sources[role]
        if not np.isfinite(lo):
            raise InputError(
                en=f"layer {role!r} has no valid cell inside the region (every cell is nodata "
                "or NaN); check the file's nodata value and that it covers the region",
                zh=f"{spec.name_zh}图层 {role!r} 在区域内没有有效栅格（全部为无数据值或 NaN）；"
                "请检查文件的无数据值，并确认它覆盖整个区域",
                source=source,
                field=role,
            )
        if lo < spec.minimum or hi > spec.maximum:
            raise InputError(
                en=f"layer {role!r} has values from {lo:g} to {hi:g} {spec.unit} inside the "
                f"region; valid {spec.name_en} lies in [{spec.minimum:g}, {spec.maximum:g}] "
                f"{spec.unit}. Check the unit and the nodata value of the file",
                zh=f"{spec.name_zh}图层 {role!r} 在区域内的取值为 {lo:g} 至 {hi:g} {spec.unit}；"
                f"有效的{spec.name_zh}应在 [{spec.minimum:g}, {spec.maximum:g}] {spec.unit} "
                "之内。请检查文件的单位和无数据值",
                source=source,
                field=role,
                values=[lo, hi],
            )


def _warn_nodata_ecosystem(run: Run, cells: np.ndarray, eco_path: Path) -> None:
    nodata_eco = int(cells[:, RASTER_NODATA].sum())
    if nodata_eco:
        run.warn(
            f"{nodata_eco} cells inside the units have no ecosystem type ({eco_path.name}); "
            "they count in no raster service",
            f"行政区内有 {nodata_eco} 个栅格没有生态系统类型（{eco_path.name}），不计入任何"
            "栅格类服务。",
        )


def _warn_gaps(run: Run, sums: PassSums) -> None:
    _, filled = filled_totals(sums)
    for k, ((x, name, _), gaps) in enumerate(zip(sums.parts, sums.gaps, strict=True)):
        gap = int(gaps[:, :RASTER_NODATA].sum()) - int(filled[k].sum() if k in filled else 0)
        if gap:
            run.warn(
                f"{x.indicator}{'/' + name if name else ''}: {gap} cells of a providing "
                "ecosystem type have nodata in an input layer and are left out of the sum "
                "(not counted as zero)",
                f"{indicator_zh(x.indicator)}：提供该服务的生态系统类型中有 {gap} 个栅格在某一"
                "输入图层中为无数据值，未计入合计（不按 0 计）。",
            )


def indicator_zh(key: str) -> str:
    """An indicator's Chinese name (its key where the catalogue has none)."""
    found = indicators().get(key)
    return found.name_zh if found is not None else key
