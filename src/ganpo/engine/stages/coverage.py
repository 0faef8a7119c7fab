"""Coverage as a rule (issue 13, step 4): how much of each unit each layer covers.

For every unit and every layer the methods read, the share of the unit's cells with an
ecosystem type where the layer has data (counted in the pass; the account's coverage
table). A unit/layer below the profile's ``coverage_min`` refuses the account unless the
layer's manifest entry declares a gap policy (``leave_out``: the cells without data count
in no service that reads the layer; ``fill_type_mean``: each counts the region's mean
quantity per cell of its type, :mod:`.gaps`). Every unit/layer short of 100 % is a
decision of the account: under the declared policy, or, above the threshold, left out
by the profile's rule.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd

from ganpo.engine.stages.blockwise import PassSums
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.gaps import coverage_table
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.errors import InputError, preview, preview_zh
from ganpo.io.decisions import Basis, Decision
from ganpo.io.roles import LAYER_ROLES


def unit_codes(units: gpd.GeoDataFrame) -> np.ndarray:
    """The ``unit_code`` of each unit, in the order of the units (and of the pass's rows)."""
    return units["unit_code"].to_numpy().astype("int64")


def unit_names(units: gpd.GeoDataFrame) -> dict[int, str]:
    """The name of each unit by its code."""
    return dict(zip(unit_codes(units).tolist(), units["unit_name"].astype(str), strict=True))


def n_cells(n: int) -> str:
    """``"1 cell"``, ``"3 cells"``."""
    return f"{n} cell{'' if n == 1 else 's'}"


def percent(share: float) -> str:
    """A share for a message, rounded down so that a share below 100 % never reads 100 %."""
    return f"{math.floor(share * 1000) / 10:.1f} %"


def layer_coverage(selection: Selection, units: gpd.GeoDataFrame, sums: PassSums) -> pd.DataFrame:
    """The coverage table (``COVERAGE_COLUMNS``) of the manifest layers the methods read."""
    return coverage_table(sums.cells, sums.layers, selection.needed, unit_codes(units))


def check_coverage(
    run: Run, plan: Plan, selection: Selection, units: gpd.GeoDataFrame, sums: PassSums
) -> pd.DataFrame:
    """Stop when a layer covers less of a unit than the profile's ``coverage_min`` and its
    entry declares no gap policy; record a decision for every unit/layer short of 100 %;
    note the layers whose gaps are filled. Returns the coverage table."""
    table = layer_coverage(selection, units, sums)
    threshold = plan.profile.coverage_min
    policy = {r: selection.entries[r].gap_policy for r in selection.needed}
    names = unit_names(units)
    partial = table[table["share"] < 1.0].sort_values(["role", "share", "unit_code"])
    undeclared = np.array([policy[r] is None for r in partial["role"]], dtype=bool)
    short = partial[(partial["share"] < threshold).to_numpy() & undeclared]
    if not short.empty:
        details = [
            f"{role} ({selection.entries[str(role)].path}) in "
            + preview(
                " ".join(filter(None, [str(code), names[code]])) + f" ({percent(share)})"
                for code, share in zip(rows["unit_code"].tolist(), rows["share"], strict=True)
            )
            for role, rows in short.groupby("role", sort=True)
        ]
        details_zh = [
            f"{LAYER_ROLES[str(role)].name_zh}图层 {role}（{selection.entries[str(role)].path}）在 "
            + preview_zh(
                " ".join(filter(None, [str(code), names[code]])) + f"（{percent(share)}）"
                for code, share in zip(rows["unit_code"].tolist(), rows["share"], strict=True)
            )
            for role, rows in short.groupby("role", sort=True)
        ]
        raise InputError(
            en=f"layer(s) cover less than {threshold * 100:g} % of a unit's cells with an "
            f"ecosystem type, the least profile {plan.profile.name!r} accepts: "
            f"{'; '.join(details)}. Complete the layer(s) over these units, or declare on "
            "the layer's [[layers]] entry how its cells without data count: "
            'gap_policy = "leave_out" (they count in no service that reads it) or '
            'gap_policy = "fill_type_mean" (each counts the region\'s mean quantity per '
            "cell of its ecosystem type)",
            zh="图层在行政区内有生态系统类型的栅格中覆盖不足 "
            f"{threshold * 100:g} %，低于核算方案 {plan.profile.name!r} 接受的最低覆盖率："
            f"{'；'.join(details_zh)}。请补全这些行政区内的图层数据，或在该图层的 [[layers]] "
            '条目中声明无数据栅格的计法：gap_policy = "leave_out"（不计入读取该图层的任何服务）'
            '或 gap_policy = "fill_type_mean"（每个栅格按全区同类生态系统每个栅格的平均量计入）',
            source=plan.manifest_path,
            field="gap_policy",
            values=sorted(set(short["role"])),
        )
    for row in partial.to_dict("records"):
        role, code = str(row["role"]), int(row["unit_code"])
        run.decide(
            _decision(
                role,
                code,
                names[code],
                (int(row["cells"]), int(row["cells_with_data"])),
                policy[role],
                threshold,
                selection.entries[role].path,
            )
        )
    for name, rows in partial.groupby("role", sort=True):
        if policy[str(name)] == "fill_type_mean":
            gaps = int((rows["cells"] - rows["cells_with_data"]).sum())
            rasters = "; the value rasters leave these cells empty" if run.rasters_dir else ""
            run.note(
                "coverage",
                f"layer {name}: {n_cells(gaps)} without data in {len(rows)} unit(s) counted "
                "at the region's mean per cell of their ecosystem type (gap policy "
                f"fill_type_mean){rasters}",
            )
    return table


def _decision(
    role: str,
    code: int,
    name: str,
    counts: tuple[int, int],
    policy: str | None,
    threshold: float,
    path: str,
) -> Decision:
    """The decision about one unit/layer short of 100 %: ``counts`` are the unit's cells
    with a type and those where the layer has data."""
    cells, with_data = counts
    share = with_data / cells
    spec, gap = LAYER_ROLES[role], cells - with_data
    where_en = f"{name} ({code})" if name else f"unit {code}"
    where_zh = f"{name}（{code}）" if name else f"单元 {code}"
    found_en = (
        f"{spec.name_en} has data on {with_data} of the {n_cells(cells)} of {where_en} "
        f"({percent(share)})"
    )
    found_zh = (
        f"{spec.name_zh}在{where_zh}的 {cells} 个栅格中有 {with_data} 个有数据（{percent(share)}）"
    )
    left_en = (
        f"the {n_cells(gap)} without data {'is' if gap == 1 else 'are'} left out: "
        f"{'it counts' if gap == 1 else 'they count'} in no service that reads this layer "
        "(not as zero)."
    )
    left_zh = f"其余 {gap} 个无数据栅格不计入读取该图层的任何服务（不按零计）。"
    basis: Basis
    if policy is None:
        thr = f"{threshold * 100:g} %"
        en = f"{found_en}; the profile accepts a coverage of at least {thr}, so {left_en}"
        zh = f"{found_zh}；核算口径接受不低于 {thr} 的覆盖率，{left_zh}"
        kind, basis = "coverage_gap", "profile"
    elif policy == "leave_out":
        en = f"{found_en}; as the dataset's manifest declares, {left_en}"
        zh = f"{found_zh}；按数据清单的声明，{left_zh}"
        kind, basis = "gap_policy", "manifest"
    else:
        en = (
            f"{found_en}; as the dataset's manifest declares, "
            + ("the cell" if gap == 1 else f"each of the {gap} cells")
            + " without data counts the region's mean quantity per cell of its ecosystem "
            "type, in every service that reads this layer."
        )
        zh = (
            f"{found_zh}；按数据清单的声明，其余 {gap} 个无数据栅格在读取该图层的各项服务中"
            "按全区同类生态系统每个栅格的平均量计入。"
        )
        kind, basis = "gap_policy", "manifest"
    return Decision(
        kind=kind,
        subject=role,
        message_en=en,
        message_zh=zh,
        basis=basis,
        unit_code=code,
        source=path,
        values=(share, cells, with_data),
    )
