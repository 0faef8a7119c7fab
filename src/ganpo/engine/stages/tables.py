"""Stage 8: statistics tables, the methods that read them, and the external deduction.

Each table is read with its plausibility checks (docs/decisions/0027) at the level it is
given at (per county, or per unit of the dataset's finer level): the areas of the counties
(or units), the extent the raster pass measured (the reference checks, e.g. forest
recovering from pests within the county's forest), the same role's table of the previous
year when the manifest has one (the fluctuation check) and the tables of the year read
before it (the rules across tables). Hard findings refuse the table; soft ones become the
account's Decisions, with basis ``override`` where the manifest carries a reviewer-approved
explanation.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from ganpo.catalog.indicators import indicators
from ganpo.engine.result import RESULT_COLUMNS
from ganpo.engine.stages.context import Run, Say
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.rows import RasterRows, by_level1, label
from ganpo.errors import ManifestError, TableError
from ganpo.io.decisions import Decision
from ganpo.io.manifest import Dataset, TableEntry
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES, UNIT_KEY_COLUMN
from ganpo.io.table_checks import TableContext, as_decisions, level_words
from ganpo.io.table_rules import RatioRule, checks_of
from ganpo.io.tables import read_table, read_table_checked
from ganpo.io.units import county_table
from ganpo.services.base import Method, TableInputs

EXTERNAL_DEDUCTION = "external_deduction"


@dataclass(frozen=True)
class Tables:
    """The account's results (``RESULT_COLUMNS``: raster rows, table rows, external
    deduction) and the table entries read."""

    results: pd.DataFrame
    entries: list[TableEntry]


def statistics_tables(
    run: Run, plan: Plan, raster: RasterRows, units: gpd.GeoDataFrame | None = None
) -> Tables:
    """Read the tables the profile's table methods need (and the external shares when
    the profile deducts them), each checked for plausibility at its level (against the
    areas of ``units``, the raster pass's extent, last year's table and the tables read
    before it), run each of those methods at the level its tables are given at (per
    county, or per unit of the dataset's finer level) with the raster pass's extent at
    that level (by the map's codes, level 1 or 2), bring every row to its level-1 type,
    and net out the external share.

    Statistics given per county stay county rows (``unit_code`` = the county's adcode):
    they are never split among the county's townships (decision 0021)."""
    deduct = plan.profile.deduct_external
    table_methods = [x for x in plan.methods if x.table is not None]
    required: dict[str, set[str]] = {}
    for x in table_methods:
        for role, cols in x.columns.items():
            required.setdefault(role, set()).update(cols)
    if deduct:
        required.setdefault("external", set())
    finest: str = plan.manifest.units.level
    codes: dict[str, list[int]] = {
        "county": sorted({int(c) for c in raster.county_of.values()}),
        finest: [int(a) for a in raster.codes],
    }
    tables, entries = read_tables(
        plan.ds,
        run.year,
        required,
        codes,
        run.say,
        run=run,
        contexts=table_contexts(units, raster.extent, finest),
    )
    for entry in entries:
        if entry.year != run.year:  # the manifest declares it serves this year
            decide_table_year(run, entry)
    # the extent by the map's codes, so that per-type parameters apply by sub-type
    extents: dict[str, pd.DataFrame] = {
        "county": county_extent(raster.extent_by_code),
        finest: raster.extent_by_code,
    }
    rows = list(raster.rows)
    for x in table_methods:
        assert x.table is not None
        level = method_level(x, entries, plan)
        tin = TableInputs(
            tables={r: tables[r] for r in x.tables},
            extent=extents[level],
            units=tuple(codes[level]),
        )
        out = label(x.table(tin, plan.params), x)
        rows.append(out.assign(county_adcode=out["unit_code"].map(raster.county_of)))
    results = by_level1(pd.concat(rows, ignore_index=True), ["quantity", "value_cny"])
    if deduct:
        external = entries_by_role(entries)["external"]
        results = pd.concat(
            [results, external_deduction(results, tables["external"], external.level)],
            ignore_index=True,
        )
    results["county_adcode"] = results["county_adcode"].astype("int64")
    return Tables(results[RESULT_COLUMNS], entries)


def county_extent(extent: pd.DataFrame) -> pd.DataFrame:
    """The extent summed per county, keyed by ``unit_code`` = the county's adcode (what
    a method reads beside statistics given per county)."""
    out = (
        extent.groupby(["county_adcode", "ecosystem_code"], sort=True)[["cells", "area_m2"]]
        .sum()
        .reset_index()
    )
    return out.assign(unit_code=out["county_adcode"])[
        ["unit_code", "county_adcode", "ecosystem_code", "cells", "area_m2"]
    ]


def entries_by_role(entries: list[TableEntry]) -> dict[str, TableEntry]:
    return {e.role: e for e in entries}


def method_level(x: Method, entries: list[TableEntry], plan: Plan) -> str:
    """The level a table method runs at: that of its tables, which must agree (a method
    with no table runs on the extent of the dataset's units)."""
    by_role = entries_by_role(entries)
    levels = {by_role[r].level for r in x.tables}
    if len(levels) > 1:
        given = ", ".join(f"{r} per {by_role[r].level}" for r in sorted(x.tables))
        given_zh = "、".join(f"{r} 按 {by_role[r].level}" for r in sorted(x.tables))
        found = indicators().get(x.indicator)
        name_zh = found.name_zh if found is not None else x.indicator
        raise ManifestError(
            en=f"{x.indicator} ({x.key}) reads tables given at different levels ({given}); "
            "give them at one level (all per county, or all per unit), since a county figure "
            "cannot be split among units nor a per-unit one mixed with it",
            zh=f"{name_zh}（{x.key}）读取的统计表层级不一（{given_zh}）；请按同一层级给出"
            "（全部按县，或全部按行政区单元），因为县级数字无法拆分到各单元，也不能与按单元给出的"
            "数字混用",
            source=plan.manifest_path,
            field="tables",
            values=sorted(x.tables),
        )
    return levels.pop() if levels else plan.manifest.units.level


def table_contexts(
    units: gpd.GeoDataFrame | None, extent: pd.DataFrame, finest: str
) -> dict[str, TableContext]:
    """What the tables of each level are checked against: the areas and names of the
    counties (the units' areas summed per county) and, when the dataset's units are finer,
    of those units; the account's extent (by level-1 type, with both keys) for both.
    Without units (or their areas) the checks per km² are skipped with a note."""
    out = {"county": TableContext(extent=extent, level="county")}
    if finest != "county":
        out[finest] = TableContext(extent=extent, level=finest)
    if units is None or not {"area_km2", "county_name"} <= set(units.columns):
        return out
    counties = county_table(units)
    codes = [int(c) for c in counties["county_adcode"]]
    out["county"] = TableContext(
        area_km2=dict(zip(codes, map(float, counties["area_km2"]), strict=True)),
        names=dict(zip(codes, map(str, counties["county_name"]), strict=True)),
        extent=extent,
        level="county",
    )
    if finest != "county" and {"unit_code", "unit_name"} <= set(units.columns):
        unit_codes = [int(c) for c in units["unit_code"]]
        out[finest] = TableContext(
            area_km2=dict(zip(unit_codes, map(float, units["area_km2"]), strict=True)),
            names=dict(zip(unit_codes, map(str, units["unit_name"]), strict=True)),
            extent=extent,
            level=finest,
        )
    return out


def _reading_order(roles: list[str]) -> list[str]:
    """Roles in name order, those whose rules look into another role's table last (so
    that table has been read when they are checked)."""

    def crosses(role: str) -> bool:
        return any(isinstance(r, RatioRule) and "." in r.denominator for r in checks_of(role).rules)

    return sorted(roles, key=lambda r: (crosses(r), r))


def read_tables(
    ds: Dataset,
    year: int,
    required: dict[str, set[str]],
    codes: dict[str, list[int]],
    say: Say,
    *,
    run: Run | None = None,
    contexts: dict[str, TableContext] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[TableEntry]]:
    """The ``required`` columns of each table role for ``year``, keyed by ``unit_code``
    (rows of a per-unit role indexed by it; a list role with a column of it): a county's
    adcode for a table given per county, a unit's code for one given per unit. ``codes``
    holds the codes of each level. Each table is checked for plausibility against the
    context of its level in ``contexts`` (with the role's table of the previous year and
    the tables read before it); the soft findings go to ``run`` as Decisions."""
    tables: dict[str, pd.DataFrame] = {}
    read: dict[str, pd.DataFrame] = {}  # as read, keyed by their own key column
    used: list[TableEntry] = []
    for role in _reading_order(list(required)):
        cols = required[role]
        entry = ds.manifest.table(role, year)
        if entry is None:
            raise ManifestError(
                en=f"no {role!r} table ({TABLE_ROLES[role].name_en}) for {year}; the profile's "
                f"methods need its column(s) {', '.join(sorted(cols)) or '(any)'}. Add a "
                "[[tables]] entry with role, year, path, columns, source, synthetic",
                zh=f"数据清单中没有 {year} 年的{TABLE_ROLES[role].name_zh}表（{role}）；"
                "核算方案的方法需要其中的 "
                f"{'、'.join(sorted(cols)) or '（任意）'} 列。请加入一个 [[tables]] 条目，写明 "
                "role、year、path、columns、source、synthetic",
                source=ds.root / "manifest.toml",
                field="tables",
                values=[role],
            )
        file = ds.path(entry).name  # by its name: a stage message names no path
        say(
            f"{ds.manifest.name} {year}: reading {file}",
            f"{ds.manifest.name} {year} 年：正在读取{TABLE_ROLES[role].name_zh}表（{file}）",
        )
        order = [c for c in TABLE_ROLES[role].columns if c in cols]
        base = (contexts or {}).get(entry.level) or TableContext(level=entry.level)
        previous, note = _previous_table(ds, entry, codes, order)
        ctx = TableContext(
            area_km2=base.area_km2,
            names=base.names,
            extent=base.extent,
            previous=previous,
            previous_year=entry.year - 1 if previous is not None else None,
            others=dict(read),
            level=entry.level,
        )
        checked = read_table_checked(
            ds.path(entry), entry, set(codes[entry.level]), order, context=ctx
        )
        frame = read[role] = checked.frame
        key = KEY_COLUMN if entry.level == "county" else UNIT_KEY_COLUMN
        if TABLE_ROLES[role].per_county:
            frame = frame.rename_axis("unit_code")
        else:
            frame = frame.rename(columns={key: "unit_code"})
        tables[role] = frame
        used.append(entry)
        if run is not None:
            for decision in as_decisions(
                role,
                checked.findings,
                entry.overrides or (),
                source=str(ds.path(entry)),
                names=base.names,
                level=entry.level,
            ):
                run.decide(decision)
            for en, _zh in [*([note] if note else []), *checked.notes]:
                run.note("table_checks", en)
    return tables, used


def decide_table_year(run: Run, entry: TableEntry) -> None:
    """Record a table of another year that its manifest entry declares serves the run's
    year (``serves_years``)."""
    spec = TABLE_ROLES[entry.role]
    run.decide(
        Decision(
            kind="table_year",
            subject=entry.role,
            message_en=f"{spec.name_en}: the table of {entry.year} is used for {run.year}, "
            "as the dataset's manifest declares.",
            message_zh=f"{spec.name_zh}：按数据清单的声明，{entry.year} 年的统计表用作 "
            f"{run.year} 年的数据。",
            basis="manifest",
            source=entry.path,
            values=(entry.year, run.year),
        )
    )
    run.note("layer_years", f"table {entry.role} of {entry.year} used for {run.year} (declared)")


def _previous_table(
    ds: Dataset, entry: TableEntry, codes: dict[str, list[int]], columns: list[str]
) -> tuple[pd.DataFrame | None, tuple[str, str] | None]:
    """The role's table of the year before ``entry``'s from the manifest (base units),
    for the fluctuation check; None when there is none, or (with a note) when it is given
    at another level or cannot be read."""
    role, year = entry.role, entry.year
    prev = ds.manifest.table(role, year - 1)
    if prev is None or prev is entry:
        return None, None
    if prev.level != entry.level:
        was, now = level_words(prev.level), level_words(entry.level)
        return None, (
            f"{role}: not compared with {year - 1} (that table is given per {was[0]}, this "
            f"one per {now[0]})",
            f"{role}：{year - 1} 年的表按{was[2]}填报，本年按{now[2]}填报，未做波动审核",
        )
    present = [c for c in columns if c in prev.columns]
    try:
        return read_table(ds.path(prev), prev, set(codes[prev.level]), present), None
    except TableError as exc:
        return None, (
            f"{role}: not compared with {year - 1} (that table could not be read: {exc})",
            f"{role}：{year - 1} 年的表无法读取，未做波动审核",
        )


def external_deduction(
    results: pd.DataFrame, external: pd.DataFrame, level: str = "county"
) -> pd.DataFrame:
    """GB/T 46869: net out the share of a product that comes from outside the region. A
    share given per county applies to every row of the county; one given per unit to the
    rows of that unit."""
    key = "county_adcode" if level == "county" else "unit_code"
    parts = []
    for column in external.columns:
        indicator = column.removesuffix("_external_share")
        if column == indicator:
            continue
        rows = results[results["indicator"] == indicator]
        if rows.empty:
            continue
        share = rows[key].map(external[column]).fillna(0.0)
        ded = rows.copy()
        ded["component"] = EXTERNAL_DEDUCTION
        ded["quantity"] = -rows["quantity"] * share
        ded["value_cny"] = -rows["value_cny"] * share
        parts.append(ded[ded["value_cny"] != 0])
    return pd.concat(parts, ignore_index=True) if parts else results.iloc[:0]
