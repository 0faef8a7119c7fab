"""Stage 8: statistics tables, the methods that read them, and the external deduction."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ganpo.engine.result import RESULT_COLUMNS
from ganpo.engine.stages.context import Progress, Run
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.rows import RasterRows, by_level1, label
from ganpo.errors import ManifestError
from ganpo.io.decisions import Decision
from ganpo.io.manifest import Dataset, TableEntry
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES, UNIT_KEY_COLUMN
from ganpo.io.tables import read_table
from ganpo.services.base import Method, TableInputs

EXTERNAL_DEDUCTION = "external_deduction"


@dataclass(frozen=True)
class Tables:
    """The account's results (``RESULT_COLUMNS``: raster rows, table rows, external
    deduction) and the table entries read."""

    results: pd.DataFrame
    entries: list[TableEntry]


def statistics_tables(run: Run, plan: Plan, raster: RasterRows) -> Tables:
    """Read the tables the profile's table methods need (and the external shares when
    the profile deducts them), run each of those methods at the level its tables are given
    at (per county, or per unit of the dataset's finer level) with the raster pass's
    extent at that level (by the map's codes, level 1 or 2), bring every row to its
    level-1 type, and net out the external share.

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
    tables, entries = read_tables(plan.ds, run.year, required, codes, run.say)
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
        raise ManifestError(
            f"{x.indicator} ({x.key}) reads tables given at different levels ({given}); "
            "give them at one level (all per county, or all per unit), since a county figure "
            "cannot be split among units nor a per-unit one mixed with it",
            source=plan.manifest_path,
            field="tables",
            values=sorted(x.tables),
        )
    return levels.pop() if levels else plan.manifest.units.level


def read_tables(
    ds: Dataset,
    year: int,
    required: dict[str, set[str]],
    codes: dict[str, list[int]],
    say: Progress,
) -> tuple[dict[str, pd.DataFrame], list[TableEntry]]:
    """The ``required`` columns of each table role for ``year``, keyed by ``unit_code``
    (rows of a per-unit role indexed by it; a list role with a column of it): a county's
    adcode for a table given per county, a unit's code for one given per unit. ``codes``
    holds the codes of each level."""
    tables: dict[str, pd.DataFrame] = {}
    used: list[TableEntry] = []
    for role, cols in sorted(required.items()):
        entry = ds.manifest.table(role, year)
        if entry is None:
            raise ManifestError(
                f"no {role!r} table ({TABLE_ROLES[role].name_en}) for {year}; the profile's "
                f"methods need its column(s) {', '.join(sorted(cols)) or '(any)'}. Add a "
                "[[tables]] entry with role, year, path, columns, source, synthetic",
                source=ds.root / "manifest.toml",
                field="tables",
                values=[role],
            )
        say(f"{ds.manifest.name} {year}: reading {entry.path}")
        order = [c for c in TABLE_ROLES[role].columns if c in cols]
        frame = read_table(ds.path(entry), entry, set(codes[entry.level]), order)
        key = KEY_COLUMN if entry.level == "county" else UNIT_KEY_COLUMN
        if TABLE_ROLES[role].per_county:
            frame.index.name = "unit_code"
        else:
            frame = frame.rename(columns={key: "unit_code"})
        tables[role] = frame
        used.append(entry)
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
