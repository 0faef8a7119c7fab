"""Reading and validating statistics tables (统计报表) named in a manifest.

A table is a UTF-8 CSV. Most roles hold one row per county: the key column
``county_adcode``, an optional ``county_name`` and data columns (:data:`TABLE_ROLES`), each
in the unit the manifest declares. List roles (``per_county = False``, e.g. lakes) hold any
number of rows per county. Every problem is reported at once with row, column and value,
so a department can fix its table in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ganpo.catalog.units import to_base
from ganpo.errors import InputError, TableError, preview
from ganpo.io.manifest import TableEntry
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES, UNIT_KEY_COLUMN

TEXT = "text"
MAX_PROBLEMS_SHOWN = 20


def _unit_problems(entry: TableEntry, columns: Iterable[str]) -> list[str]:
    role = TABLE_ROLES[entry.role]
    problems = []
    for column in columns:
        unit = role.columns[column]
        declared = entry.columns.get(column)
        if declared is None:
            problems.append(f"column {column!r} has no unit in the manifest; declare {unit!r}")
        elif (declared == TEXT) != (unit == TEXT):
            problems.append(f"column {column!r}: unit must be {unit!r}, not {declared!r}")
        elif unit != TEXT:
            try:
                base = to_base(declared)[0]
            except InputError as exc:
                problems.append(f"column {column!r}: {exc}")
                continue
            if base != to_base(unit)[0]:
                problems.append(
                    f"column {column!r}: unit {declared!r} does not measure the same quantity "
                    f"as {unit!r}; give the values in {unit!r} or an equivalent unit"
                )
    return problems


def read_table(
    path: Path,
    entry: TableEntry,
    county_adcodes: set[int],
    required: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a statistics table; numbers converted to base units (CNY, m3, m2, kWh, …).

    ``required`` names the data columns the chosen methods need (default: all of the
    role's); other known columns are read when present. A per-county table is returned
    indexed by its key; a list table keeps its rows with its key column. The key is
    ``county_adcode`` (``county_adcodes`` are the codes it may hold), or ``unit_code``
    for a table whose manifest entry gives a finer ``level`` (``county_adcodes`` are then
    the codes of the dataset's units). Raises :class:`TableError` listing every problem:
    missing or undeclared columns, units that do not fit, text in a number column,
    negative or missing values, duplicated, unknown or missing units.
    """
    key_column = KEY_COLUMN if entry.level == "county" else UNIT_KEY_COLUMN
    county = entry.level == "county"
    code_name = "county adcode" if county else f"{entry.level} code"
    role = TABLE_ROLES[entry.role]
    needed = list(role.columns) if required is None else list(required)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TableError(f"cannot read the table as UTF-8 CSV: {exc}", source=path) from exc

    problems: list[str] = []
    missing = [c for c in [key_column, *needed] if c not in raw.columns]
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)}; a {entry.role!r} table needs "
            f"{', '.join([key_column, *needed])}"
        )
    present = [c for c in role.columns if c in raw.columns]
    problems += _unit_problems(entry, [c for c in present if c in needed or c in entry.columns])
    if problems:
        raise TableError("; ".join(problems), source=path, field=entry.role, values=problems)

    out = pd.DataFrame(index=raw.index)
    keys = pd.to_numeric(raw[key_column].str.strip(), errors="coerce")
    for i in raw.index[keys.isna() | (keys % 1 != 0)]:
        problems.append(
            f"row {i + 2}, column {key_column}: {raw.at[i, key_column]!r} is not "
            + ("an adcode" if county else f"a {code_name}")
        )
    for column in present:
        text = raw[column].str.strip()
        if role.columns[column] == TEXT:
            for i in raw.index[text == ""]:
                problems.append(f"row {i + 2}, column {column}: is empty")
            out[column] = text
            continue
        values = pd.to_numeric(text, errors="coerce")
        for i in raw.index[values.isna()]:
            what = "is empty" if text[i] == "" else f"{text[i]!r} is not a number"
            problems.append(f"row {i + 2}, column {column}: {what}")
        for i in raw.index[values < 0]:
            problems.append(f"row {i + 2}, column {column}: {text[i]} is negative")
        out[column] = values * to_base(entry.columns[column])[1]
    out[key_column] = keys
    good = out[key_column].notna()
    codes = set(out.loc[good, key_column].astype(int))
    unknown = sorted(codes - county_adcodes)
    if unknown:
        problems.append(f"unknown {code_name}(s) {preview(unknown)} (not in the region's units)")
    if role.per_county:
        dup = out.loc[good & out[key_column].duplicated(keep=False), key_column]
        for code in sorted(set(dup.astype(int))):
            rows = [int(i) + 2 for i in dup.index[dup == code]]
            problems.append(
                f"{code_name.split()[0]} {code} appears in rows {', '.join(map(str, rows))}"
            )
        absent = sorted(county_adcodes - codes)
        if absent:
            problems.append(f"no row for {code_name}(s) {preview(absent)}; add a row (0 if none)")
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        raise TableError(
            f"{len(problems)} problem(s): {shown}" + (f"; … and {more} more" if more > 0 else ""),
            source=path,
            field=entry.role,
            values=problems,
        )
    out[key_column] = out[key_column].astype("int64")
    if not role.per_county:
        return out.reset_index(drop=True)
    return out.set_index(key_column).sort_index()
