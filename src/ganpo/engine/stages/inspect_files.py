"""Stage 4: what the layer files declare, looked at before the pass."""

from __future__ import annotations

import numpy as np

from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.io.decisions import Decision
from ganpo.io.raster_files import raster_header
from ganpo.io.roles import LAYER_ROLES


def inspect_layer_files(run: Run, plan: Plan, selection: Selection) -> None:
    """Record a decision for a float layer that declares no nodata value (every finite
    cell is taken as data: a fill value such as 0 would count as a value), and warn about
    a nodata value that is also a valid value of the role (such cells are read as
    missing, which the coverage check then sees)."""
    for role in selection.needed:
        entry = selection.entries[role]
        header = raster_header(plan.ds.path(entry), role)
        if header.nodata is None and not np.issubdtype(np.dtype(header.dtype), np.floating):
            continue
        spec = LAYER_ROLES[role]
        if header.nodata is None:
            run.decide(
                Decision(
                    kind="nodata_undeclared",
                    subject=role,
                    message_en=f"{spec.name_en}: the file declares no nodata value, so "
                    "every finite cell is taken as data (NaN cells as missing); used as "
                    "given. If the file marks missing cells with a value, declare it "
                    "(gdal_edit.py -a_nodata).",
                    message_zh=f"{spec.name_zh}：文件未声明无数据值（nodata），所有有限值栅格"
                    "均按数据使用（NaN 按缺测），按原值使用。若文件以某个数值表示缺测，请声明"
                    "该值（gdal_edit.py -a_nodata）。",
                    basis="rule",
                    source=entry.path,
                )
            )
        nodata = header.nodata
        if nodata is not None and np.isfinite(nodata) and (spec.minimum <= nodata <= spec.maximum):
            run.warn(
                f"{entry.path}: its nodata value {nodata:g} is a valid "
                f"{spec.name_en} ([{spec.minimum:g}, {spec.maximum:g}] {spec.unit}); "
                f"cells equal to {nodata:g} are read as missing, not as data. If "
                f"{nodata:g} occurs as real data in this file, rewrite it with a nodata "
                "value outside that range (e.g. -9999)",
                f"{entry.path}：其无数据值 {nodata:g} 也是{spec.name_zh}的有效值"
                f"（[{spec.minimum:g}, {spec.maximum:g}] {spec.unit}），等于 {nodata:g} 的"
                f"栅格按缺测读取，而不是按数据读取。若 {nodata:g} 在该文件中确为实测数据，请以"
                "有效范围以外的无数据值（如 -9999）重写该文件。",
            )
