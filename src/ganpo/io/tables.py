"""Reading and validating statistics tables (统计报表) named in a manifest.

A table is a UTF-8 CSV with one row per county: the key column ``county_adcode``, an
optional ``county_name``, and the data columns of its role (:data:`TABLE_ROLES`), each in
the unit the manifest declares. Every problem is reported at once with row, column and
value, so a department can fix its table in one pass.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ganpo.catalog.units import to_base
from ganpo.errors import InputError, TableError, preview
from ganpo.io.manifest import TableEntry
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES


def read_table(path: Path, entry: TableEntry, county_adcodes: set[int]) -> pd.DataFrame:
    """Read a statistics table and return it indexed by county adcode, in base units.

    Columns are renamed to their role names and multiplied into base units (CNY, m3, kWh,
    t, person-time), e.g. ``10^4 CNY`` × 1e4. Raises :class:`TableError` listing every
    problem: missing or undeclared columns, units that are not the role's, text in a number
    column, negative or missing values, duplicated or unknown counties, missing counties.
    """
    role = TABLE_ROLES[entry.role]
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TableError(f"cannot read the table as UTF-8 CSV: {exc}", source=path) from exc

    problems: list[str] = []
    expected = [KEY_COLUMN, *role.columns]
    missing = [c for c in expected if c not in raw.columns]
    if missing:
        problems.append(
            f"missing column(s) {', '.join(missing)}; a {entry.role!r} table needs "
            f"{', '.join(expected)}"
        )
    for column, unit in role.columns.items():
        declared = entry.columns.get(column)
        if declared is None:
            problems.append(f"column {column!r} has no unit in the manifest; declare {unit!r}")
        else:
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
    if problems:
        raise TableError("; ".join(problems), source=path, field=entry.role)

    out = pd.DataFrame(index=raw.index)
    keys = pd.to_numeric(raw[KEY_COLUMN].str.strip(), errors="coerce")
    bad_keys = raw.index[keys.isna() | (keys % 1 != 0)]
    for i in bad_keys:
        problems.append(
            f"row {i + 2}, column {KEY_COLUMN}: {raw.at[i, KEY_COLUMN]!r} is not an adcode"
        )
    for column in role.columns:
        text = raw[column].str.strip()
        values = pd.to_numeric(text, errors="coerce")
        for i in raw.index[values.isna()]:
            what = "is empty" if text[i] == "" else f"{text[i]!r} is not a number"
            problems.append(f"row {i + 2}, column {column}: {what}")
        for i in raw.index[values < 0]:
            problems.append(f"row {i + 2}, column {column}: {text[i]} is negative")
        out[column] = values * to_base(entry.columns[column])[1]
    out[KEY_COLUMN] = keys
    good = out[KEY_COLUMN].notna()
    dup = out.loc[good & out[KEY_COLUMN].duplicated(keep=False), KEY_COLUMN]
    for code in sorted(set(dup.astype(int))):
        rows = [int(i) + 2 for i in dup.index[dup == code]]
        problems.append(f"county {code} appears in rows {', '.join(map(str, rows))}")
    present = set(out.loc[good, KEY_COLUMN].astype(int))
    unknown = sorted(present - county_adcodes)
    if unknown:
        problems.append(f"unknown county adcode(s) {preview(unknown)} (not in the region's units)")
    absent = sorted(county_adcodes - present)
    if absent:
        problems.append(f"no row for county adcode(s) {preview(absent)}; add a row (0 if none)")
    if problems:
        raise TableError(
            f"{len(problems)} problem(s): "
            + "; ".join(problems[:20])
            + (f"; … and {len(problems) - 20} more" if len(problems) > 20 else ""),
            source=path,
            field=entry.role,
            values=problems,
        )
    out[KEY_COLUMN] = out[KEY_COLUMN].astype("int64")
    return out.set_index(KEY_COLUMN).sort_index()
