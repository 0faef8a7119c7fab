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
from ganpo.io.roles import TABLE_ROLES
from ganpo.io.tables import read_table
from ganpo.services.base import TableInputs

EXTERNAL_DEDUCTION = "external_deduction"


@dataclass(frozen=True)
class Tables:
    """The account's results (``RESULT_COLUMNS``: raster rows, table rows, external
    deduction) and the table entries read."""

    results: pd.DataFrame
    entries: list[TableEntry]


def statistics_tables(run: Run, plan: Plan, raster: RasterRows) -> Tables:
    """Read the tables the profile's table methods need (and the external shares when
    the profile deducts them), run those methods per county with the raster pass's
    extent (by the map's codes, level 1 or 2), bring every row to its level-1 type, and
    net out the external share."""
    deduct = plan.profile.deduct_external
    table_methods = [x for x in plan.methods if x.table is not None]
    required: dict[str, set[str]] = {}
    for x in table_methods:
        for role, cols in x.columns.items():
            required.setdefault(role, set()).update(cols)
    if deduct:
        required.setdefault("external", set())
    adcodes = raster.adcodes
    tables, entries = read_tables(plan.ds, run.year, required, {int(a) for a in adcodes}, run.say)
    for entry in entries:
        if entry.year != run.year:  # the manifest declares it serves this year
            decide_table_year(run, entry)
    tin = TableInputs(
        tables=tables, extent=raster.extent_by_code, counties=tuple(int(a) for a in adcodes)
    )
    rows = list(raster.rows)
    for x in table_methods:
        assert x.table is not None
        rows.append(label(x.table(tin, plan.params), x))
    results = by_level1(pd.concat(rows, ignore_index=True), ["quantity", "value_cny"])
    if deduct:
        results = pd.concat(
            [results, external_deduction(results, tables["external"])], ignore_index=True
        )
    return Tables(results[RESULT_COLUMNS], entries)


def read_tables(
    ds: Dataset, year: int, required: dict[str, set[str]], counties: set[int], say: Progress
) -> tuple[dict[str, pd.DataFrame], list[TableEntry]]:
    """The ``required`` columns of each table role for ``year``, rows by county."""
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
        tables[role] = read_table(ds.path(entry), entry, counties, order)
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
