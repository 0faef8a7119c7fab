"""Stage 8: statistics tables, the methods that read them, and the external deduction.

Each table is read with its plausibility checks (docs/decisions/0027): the county areas of
the units, the extent the raster pass measured (the reference checks, e.g. forest
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

from ganpo.engine.result import RESULT_COLUMNS
from ganpo.engine.stages.context import Progress, Run
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.rows import RasterRows, label
from ganpo.errors import ManifestError, TableError
from ganpo.io.manifest import Dataset, TableEntry
from ganpo.io.roles import TABLE_ROLES
from ganpo.io.table_checks import TableContext, as_decisions
from ganpo.io.table_rules import RatioRule, checks_of
from ganpo.io.tables import read_table, read_table_checked
from ganpo.services.base import TableInputs

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
    the profile deducts them), with their plausibility checks against ``units`` (their
    areas) and the raster pass's extent, run those methods per county with that extent,
    and net out the external share."""
    deduct = plan.profile.deduct_external
    table_methods = [x for x in plan.methods if x.table is not None]
    required: dict[str, set[str]] = {}
    for x in table_methods:
        for role, cols in x.columns.items():
            required.setdefault(role, set()).update(cols)
    if deduct:
        required.setdefault("external", set())
    adcodes = raster.adcodes
    have = units is not None and {"area_km2", "county_name"} <= set(units.columns)
    codes = [int(c) for c in units["county_adcode"]] if have and units is not None else []
    context = TableContext(
        county_area_km2=dict(zip(codes, map(float, units["area_km2"]), strict=True))
        if have and units is not None
        else None,
        county_names=dict(zip(codes, map(str, units["county_name"]), strict=True))
        if have and units is not None
        else None,
        extent=raster.extent,
    )
    tables, entries = read_tables(
        plan.ds, run.year, required, {int(a) for a in adcodes}, run.say, run=run, context=context
    )
    tin = TableInputs(tables=tables, extent=raster.extent, counties=tuple(int(a) for a in adcodes))
    rows = list(raster.rows)
    for x in table_methods:
        assert x.table is not None
        rows.append(label(x.table(tin, plan.params), x))
    results = pd.concat(rows, ignore_index=True)
    if deduct:
        results = pd.concat(
            [results, external_deduction(results, tables["external"])], ignore_index=True
        )
    return Tables(results[RESULT_COLUMNS], entries)


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
    counties: set[int],
    say: Progress,
    *,
    run: Run | None = None,
    context: TableContext | None = None,
) -> tuple[dict[str, pd.DataFrame], list[TableEntry]]:
    """The ``required`` columns of each table role for ``year``, rows by county, each
    checked for plausibility against ``context`` (with the role's table of the previous
    year and the tables read before it); the soft findings go to ``run`` as Decisions."""
    tables: dict[str, pd.DataFrame] = {}
    used: list[TableEntry] = []
    base = context or TableContext()
    for role in _reading_order(list(required)):
        cols = required[role]
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
        previous, note = _previous_table(ds, role, year, counties, order)
        ctx = TableContext(
            county_area_km2=base.county_area_km2,
            county_names=base.county_names,
            extent=base.extent,
            previous=previous,
            previous_year=year - 1 if previous is not None else None,
            others=dict(tables),
        )
        checked = read_table_checked(ds.path(entry), entry, counties, order, context=ctx)
        tables[role] = checked.frame
        used.append(entry)
        if run is not None:
            for decision in as_decisions(
                role,
                checked.findings,
                entry.overrides or (),
                source=str(ds.path(entry)),
                county_names=base.county_names,
            ):
                run.decide(decision)
            for en, _zh in [*([note] if note else []), *checked.notes]:
                run.note("table_checks", en)
    return tables, used


def _previous_table(
    ds: Dataset, role: str, year: int, counties: set[int], columns: list[str]
) -> tuple[pd.DataFrame | None, tuple[str, str] | None]:
    """The role's table of ``year - 1`` from the manifest (base units), for the
    fluctuation check; None when there is none, or (with a note) when it cannot be read."""
    entry = ds.manifest.table(role, year - 1)
    if entry is None:
        return None, None
    present = [c for c in columns if c in entry.columns]
    try:
        return read_table(ds.path(entry), entry, counties, present), None
    except TableError as exc:
        return None, (
            f"{role}: not compared with {year - 1} (that table could not be read: {exc})",
            f"{role}：{year - 1} 年的表无法读取，未做波动审核",
        )


def external_deduction(results: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    """GB/T 46869: net out the share of a product that comes from outside the region."""
    parts = []
    for column in external.columns:
        indicator = column.removesuffix("_external_share")
        if column == indicator:
            continue
        rows = results[results["indicator"] == indicator]
        if rows.empty:
            continue
        share = rows["county_adcode"].map(external[column]).fillna(0.0)
        ded = rows.copy()
        ded["component"] = EXTERNAL_DEDUCTION
        ded["quantity"] = -rows["quantity"] * share
        ded["value_cny"] = -rows["value_cny"] * share
        parts.append(ded[ded["value_cny"] != 0])
    return pd.concat(parts, ignore_index=True) if parts else results.iloc[:0]
