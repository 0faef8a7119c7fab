"""Plausibility of the layers' values, from what the pass counted (issue 13, step 2).

A layer in the wrong unit often stays inside its role's hard range (NPP in kg/m² read as
g/m² lies in [0, 5000]) and would give silently wrong accounts. Two checks beyond the
hard range, with the bounds each role declares (:class:`ganpo.io.roles.LayerRole`):

- the median over the region's cells (with an ecosystem type) must lie in the role's
  typical band; outside it the account is refused with the likely unit error, unless
  the layer's manifest entry declares ``accept_unusual = "<why>"`` (a decision). The
  median is read from a coarse histogram summed in the pass (:mod:`ganpo.engine.histogram`:
  bounded memory, no second pass, within 4.7 %), clipped to the layer's minimum and
  maximum, so a uniform layer's median is exact;
- cells outside the role's soft range but inside the hard one are used, and counted in a
  decision of the account.
"""

from __future__ import annotations

import math

from ganpo.engine import histogram
from ganpo.engine.stages.blockwise import PassSums
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.coverage import n_cells
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.errors import InputError
from ganpo.io.decisions import Decision
from ganpo.io.roles import LAYER_ROLES


def about(x: float) -> str:
    """A median for a message: three significant digits, no exponent below 10⁶."""
    return f"{float(f'{x:.3g}'):g}"


def layer_median(sums: PassSums, role: str) -> float:
    """The median of ``role``'s layer over the cells with an ecosystem type (NaN when
    not counted or without data)."""
    stats = sums.layers.get(role)
    if stats is None:
        return math.nan
    lo, hi = sums.ranges.get(role, (math.nan, math.nan))
    med = histogram.median(stats.histogram)
    if math.isnan(med) or math.isnan(lo):
        return med
    return min(max(med, lo), hi)


def check_distribution(run: Run, plan: Plan, selection: Selection, sums: PassSums) -> None:
    """Stop when a layer's median lies outside its role's typical band, naming the band,
    the median and the likely unit error; a layer whose entry declares
    ``accept_unusual`` is used, and the account records why."""
    refused: list[str] = []
    refused_zh: list[str] = []
    medians: list[float] = []
    for role in selection.needed:
        spec, entry = LAYER_ROLES[role], selection.entries[role]
        med = layer_median(sums, role)
        if spec.typical is None or math.isnan(med):
            continue
        lo, hi = spec.typical
        if lo <= med <= hi:
            continue
        band = f"{lo:g}–{hi:g} {spec.unit}"
        if entry.accept_unusual:
            run.decide(
                Decision(
                    kind="unusual_distribution",
                    subject=role,
                    message_en=f"{spec.name_en}: the median over the region's cells, about "
                    f"{about(med)} {spec.unit}, lies outside the typical band {band}; the "
                    "layer is used as the dataset's manifest declares it right: "
                    f"{entry.accept_unusual}",
                    message_zh=f"{spec.name_zh}：全区栅格中位数约为 {about(med)} {spec.unit}，"
                    f"超出常见范围 {band}；按数据清单的声明照常使用，理由："
                    f"{entry.accept_unusual}",
                    basis="manifest",
                    source=entry.path,
                    values=(med, lo, hi),
                )
            )
            continue
        slip = spec.likely_slip(med)
        hint = (
            f"it looks like {slip.unit} — ganpo reads {spec.unit}: {slip.remedy(spec.unit)}"
            if slip is not None
            else f"check the file's unit and scale factor (ganpo reads {spec.unit})"
        )
        hint_zh = (
            f"看来单位是 {slip.unit_zh or slip.unit}，而 ganpo 按 {spec.unit} 读取：请"
            f"{slip.remedy_zh()}"
            if slip is not None
            else f"请检查文件的单位和缩放系数（ganpo 按 {spec.unit} 读取）"
        )
        refused.append(
            f"layer {role!r} ({entry.path}) has a median over the region's cells of about "
            f"{about(med)} {spec.unit}, outside the typical band {band} of {spec.name_en}; " + hint
        )
        refused_zh.append(
            f"{spec.name_zh}图层 {role!r}（{entry.path}）全区栅格中位数约为 {about(med)} "
            f"{spec.unit}，超出{spec.name_zh}的常见范围 {band}；" + hint_zh
        )
        medians.append(med)
    if refused:
        raise InputError(
            en="; ".join(refused) + '. If the values are right, declare accept_unusual = "<why '
            "they are>\" on the layer's [[layers]] entry",
            zh="；".join(refused_zh) + "。如果数值无误，请在该图层的 [[layers]] 条目中声明 "
            'accept_unusual = "<数值无误的理由>"',
            source=plan.manifest_path,
            field="accept_unusual",
            values=medians,
        )


def decide_soft_ranges(run: Run, selection: Selection, sums: PassSums) -> None:
    """A decision for each layer with cells outside its role's soft range (inside the
    hard one: the range check has passed): they are used as given, and counted."""
    for role in selection.needed:
        stats = sums.layers.get(role)
        if stats is None or not (stats.below_soft or stats.above_soft):
            continue
        spec, entry = LAYER_ROLES[role], selection.entries[role]
        (slo, shi), (lo, hi) = spec.soft, sums.ranges[role]
        en: list[str] = []
        zh: list[str] = []
        if stats.below_soft:
            en.append(f"{n_cells(stats.below_soft)} below {slo:g} {spec.unit} (down to {lo:g})")
            zh.append(f"{stats.below_soft} 个栅格低于 {slo:g} {spec.unit}（最低 {lo:g}）")
        if stats.above_soft:
            en.append(f"{n_cells(stats.above_soft)} above {shi:g} {spec.unit} (up to {hi:g})")
            zh.append(f"{stats.above_soft} 个栅格高于 {shi:g} {spec.unit}（最高 {hi:g}）")
        usual = f"[{slo:g}, {shi:g}] {spec.unit}"
        valid = f"[{spec.minimum:g}, {spec.maximum:g}] {spec.unit}"
        run.decide(
            Decision(
                kind="soft_range",
                subject=role,
                message_en=f"{spec.name_en}: {' and '.join(en)}, outside the usual range "
                f"{usual} but inside the valid range {valid}; used as given.",
                message_zh=f"{spec.name_zh}：{'，'.join(zh)}，超出常见范围 {usual}，但在有效"
                f"范围 {valid} 之内，按原值使用。",
                basis="rule",
                source=entry.path,
                values=(stats.below_soft, stats.above_soft, float(lo), float(hi)),
            )
        )
