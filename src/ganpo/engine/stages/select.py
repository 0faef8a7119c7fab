"""Stage 2: the layer entry of each role the account reads, for the year."""

from __future__ import annotations

from dataclasses import dataclass

from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import Plan
from ganpo.errors import InputError, ManifestError
from ganpo.io.decisions import Decision
from ganpo.io.manifest import LayerEntry
from ganpo.io.roles import LAYER_ROLES
from ganpo.services.base import Method


@dataclass(frozen=True)
class Selection:
    """The layers an account reads: ``entries`` by role, the ecosystem map first, then
    ``needed`` (the roles the raster methods read, sorted)."""

    raster_methods: list[Method]  # valued and physical methods with a per-cell part
    needed: list[str]
    entries: dict[str, LayerEntry]


def select_layers(run: Run, plan: Plan) -> Selection:
    """Pick the manifest entry of every role the raster methods read (and of the
    ecosystem map) for the run's year, or the year ``run.layer_years`` holds it at; stop
    when a role has none, when its layer may not serve that year (:func:`year_rule`) or
    is declared in another unit than ganpo reads it in."""
    m = plan.manifest
    # physical methods run in the same pass; their sums go to ``physical``, never to GEP
    raster_methods = [x for x in plan.all_methods if x.raster is not None]
    needed = sorted({r for x in raster_methods for r in x.layers})
    roles = ["ecosystem_type", *needed]
    missing = [r for r in roles if not any(x.role == r for x in m.layers)]
    if missing:
        names_zh = "、".join(f"{LAYER_ROLES[r].name_zh}图层（{r}）" for r in missing)
        raise ManifestError(
            en=f"no layer for role(s) {', '.join(missing)} in year {run.year}; add them to the "
            "manifest (each [[layers]] entry needs role, path, unit, year, source, synthetic)",
            zh=f"数据清单中没有 {run.year} 年的{names_zh}；请将其加入数据清单（每个 [[layers]] "
            "条目需写明 role、path、unit、year、source、synthetic）",
            source=plan.manifest_path,
            field="layers",
            values=missing,
        )
    entries: dict[str, LayerEntry] = {}
    refused: dict[str, tuple[str, str]] = {}
    for role in roles:
        wanted = run.layer_year(role)
        entry = m.layer(role, wanted)
        problem = year_rule(role, entry, wanted, m.layers)
        if problem is not None:
            refused[role] = problem
        elif entry is not None:
            entries[role] = entry
    if refused:
        raise ManifestError(
            en="; ".join(en for en, _ in refused.values()),
            zh="；".join(zh for _, zh in refused.values()),
            source=plan.manifest_path,
            field="year",
            values=list(refused),
        )
    for role, entry in entries.items():
        spec = LAYER_ROLES[role]
        if entry.unit != spec.unit:
            raise InputError(
                en=f"layer {role!r} is declared in {entry.unit!r} but ganpo reads {role} in "
                f"{spec.unit!r}; convert the raster and its manifest unit",
                zh=f"{spec.name_zh}图层 "
                f"{role!r} 在数据清单中的单位为 {entry.unit!r}，而 ganpo 按 {spec.unit!r} 读取"
                f"{spec.name_zh}；请换算栅格的数值，并改正数据清单中的单位",
                source=plan.ds.path(entry),
                field="unit",
                values=[entry.unit],
            )
    for role, entry in entries.items():
        _decide_year(run, role, entry, run.layer_year(role))
    return Selection(raster_methods, needed, entries)


def year_rule(
    role: str, entry: LayerEntry | None, wanted: int, layers: list[LayerEntry]
) -> tuple[str, str] | None:
    """Why the layer ``entry`` (the manifest's pick for ``wanted``, or ``None``) may not
    serve ``wanted``, in English and in Chinese, or ``None`` when it may: a layer serves
    its own year, the years its entry declares (``serves_years``), and every year when
    its role is timeless."""
    spec = LAYER_ROLES[role]
    if entry is not None and (entry.serves(wanted) or not spec.per_year):
        return None
    if entry is None:  # only entries of other years, none declared for ``wanted``
        entry = min(
            (x for x in layers if x.role == role),
            key=lambda x: (abs((x.year or wanted) - wanted), x.year or 0),
        )
    head = (
        f"layer {role!r} ({entry.path}) "
        + ("has no year" if entry.year is None else f"is of {entry.year}")
        + f" and the account needs it for {wanted}; {spec.name_en} changes from year to "
        "year, so a layer serves another year only if the manifest declares it: "
    )
    head_zh = (
        f"{spec.name_zh}图层 {role!r}（{entry.path}）"
        + ("未注明年份" if entry.year is None else f"为 {entry.year} 年的数据")
        + f"，而核算需要 {wanted} 年的数据；{spec.name_zh}逐年变化，只有数据清单声明后，"
        "图层才能用于其他年份："
    )
    if entry.year is None:
        return head + (
            f"set year = {wanted} on its [[layers]] entry if it is of {wanted}, or add "
            f"serves_years = [{wanted}] to it if it may stand for {wanted}"
        ), head_zh + (
            f"如果它是 {wanted} 年的数据，请在其 [[layers]] 条目中写明 year = {wanted}；"
            f"如果它可以代替 {wanted} 年的数据，请在条目中加上 serves_years = [{wanted}]"
        )
    return head + (
        f"add the layer of {wanted}, or add serves_years = [{wanted}] to the entry of "
        f"{entry.year} if it may stand for {wanted}"
    ), head_zh + (
        f"请加入 {wanted} 年的图层；如果 {entry.year} 年的图层可以代替 {wanted} 年的数据，"
        f"请在其条目中加上 serves_years = [{wanted}]"
    )


def _decide_year(run: Run, role: str, entry: LayerEntry, wanted: int) -> None:
    """Record a layer that serves a year it is not of: declared in the manifest, or a
    timeless role's layer of another year. A year-less layer of a timeless role (a DEM)
    is the normal case and needs no record."""
    if entry.year == wanted or (entry.year is None and not entry.serves(wanted)):
        return
    spec = LAYER_ROLES[role]
    if entry.serves(wanted):
        of_en = "without a year" if entry.year is None else f"of {entry.year}"
        of_zh = "未注明年份的" if entry.year is None else f" {entry.year} 年的"
        decision = Decision(
            kind="layer_year",
            subject=role,
            message_en=f"{spec.name_en}: the layer {of_en} is used for {wanted}, as the "
            "dataset's manifest declares.",
            message_zh=f"{spec.name_zh}：按数据清单的声明，{of_zh}图层用作 {wanted} 年的数据。",
            basis="manifest",
            source=entry.path,
            values=(entry.year if entry.year is not None else "none", wanted),
        )
        how = "declared in the manifest"
    else:  # a timeless role's layer of another year
        decision = Decision(
            kind="layer_year",
            subject=role,
            message_en=f"{spec.name_en} does not change from year to year: the layer of "
            f"{entry.year} is used for {wanted}.",
            message_zh=f"{spec.name_zh}不随年份变化：{entry.year} 年的图层用作 {wanted} 年的数据。",
            basis="rule",
            source=entry.path,
            values=(entry.year or 0, wanted),
        )
        how = "a timeless layer"
    run.decide(decision)
    of = "without a year" if entry.year is None else f"of {entry.year}"
    run.note("layer_years", f"layer {role} {of} used for {wanted} ({how})")
