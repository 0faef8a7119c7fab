"""Reading the input tables of the applications (factor tables, GDP, indicator tables).

Every numeric column of these CSV files states its unit in its header, in brackets:
``fiscal_gap [万元]``, ``protected_area [km2]``, ``protected_count [1]``. The caller says
which unit it computes in; values are converted with :func:`ganpo.catalog.units.
conversion_factor`, so a table in 万元 and a rule in CNY agree, and a unit that measures
another quantity is refused. Lines starting with ``#`` are comments (the shipped examples
use them to say they are synthetic). A table is a CSV in UTF-8 or GB 18030, or an .xlsx
workbook (its first worksheet), decoded by :mod:`ganpo.io.table_files` as every table of
ganpo is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, TableError, TableFileError, preview
from ganpo.io.manifest import sha256_file as file_sha256
from ganpo.io.table_files import read_table_file

__all__ = ["convert", "file_sha256", "read_csv", "read_unit_table", "split_header"]

_HEADER = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*(\[(?P<unit>[^\]]*)\])?\s*$")


def split_header(header: str) -> tuple[str, str | None]:
    """``"fiscal_gap [万元]"`` → ``("fiscal_gap", "万元")``; no brackets → unit ``None``.

    >>> split_header("fiscal_gap [万元]")
    ('fiscal_gap', '万元')
    >>> split_header("county_adcode")
    ('county_adcode', None)
    """
    m = _HEADER.match(header)
    if m is None:
        return header.strip(), None
    unit = m.group("unit")
    return m.group("name").strip(), (unit.strip() if unit is not None else None)


def read_csv(path: Path, what: str) -> pd.DataFrame:
    """Read a table (CSV or .xlsx, ``#`` comment lines) as text cells, empty cells as NaN,
    or say why it cannot be read (:class:`~ganpo.errors.TableError`, with row and column)."""
    if not Path(path).exists():
        raise InputError(f"{what} not found; give the path of a CSV or .xlsx file", source=path)
    try:
        table = read_table_file(path, comments=True).to_frame()
    except TableFileError as exc:
        raise TableFileError(
            f"{what}: {exc.reason_en}", exc.reason_zh, source=path, looks_like=exc.looks_like
        ) from exc
    if table.problems:
        raise TableError(
            f"{what}: {len(table.problems)} problem(s): {'; '.join(table.problems[:20])}",
            source=path,
            values=table.problems,
        )
    return table.data.replace("", np.nan).reset_index(drop=True)


def convert(unit: str, target: str, what: str) -> float:
    """:func:`conversion_factor` for a unit written by a user: any failure to understand
    the unit is an :class:`InputError` naming it."""
    try:
        return conversion_factor(unit, target, what=what)
    except InputError:
        raise
    except Exception as exc:  # pint raises many kinds of errors on malformed text
        raise InputError(
            f"{what}: cannot read the unit {unit!r} ({exc}); write e.g. {target!r}",
            field="unit",
            values=[unit],
        ) from exc


def read_unit_table(
    path: Path,
    columns: Mapping[str, str],
    *,
    what: str,
    key: str = "county_adcode",
    optional: Mapping[str, str] | None = None,
    extra_keys: tuple[str, ...] = (),
    allow_missing: bool = False,
) -> pd.DataFrame:
    """Read a table keyed by ``key`` (and ``extra_keys``), with numeric columns in units.

    Parameters
    ----------
    path : the CSV file
    columns : required column → the unit the caller computes in (values are converted)
    what : how messages name the table ("factor table")
    key : the integer key column (default ``county_adcode``)
    optional : columns read when present, with their units
    extra_keys : further key columns (e.g. ``year``) that, with ``key``, identify a row
    allow_missing : keep empty cells as NaN (non-numeric text is still refused)

    Returns
    -------
    A frame with ``key``, ``extra_keys``, a ``name`` column when the file has
    ``county_name``/``name``, and every required/present optional column in the caller's
    unit (float64).

    Raises
    ------
    InputError : missing columns, a numeric column without a unit, a unit that does not
        convert, non-numeric or missing values, duplicated keys.
    """
    raw = read_csv(path, what)
    headers = {split_header(str(c))[0]: str(c) for c in raw.columns}
    units = {split_header(str(c))[0]: split_header(str(c))[1] for c in raw.columns}
    wanted = dict(columns)
    present_optional = {k: v for k, v in (optional or {}).items() if k in headers}
    wanted.update(present_optional)
    missing = [c for c in (key, *extra_keys, *columns) if c not in headers]
    if missing:
        raise InputError(
            f"{what} lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, raw.columns))}. Numeric columns are written "
            "`name [unit]`, e.g. `fiscal_gap [万元]`",
            source=path,
            field=", ".join(missing),
            values=missing,
        )
    out = pd.DataFrame()
    for k in (key, *extra_keys):
        numbers = pd.to_numeric(raw[headers[k]], errors="coerce")
        wrong = numbers.isna() | (numbers != numbers.round()) | (numbers.abs() > 1e15)
        bad = raw[headers[k]][wrong].tolist()
        if bad:
            raise InputError(
                f"{what}: column {k} must hold integers; bad values {preview(bad)}",
                source=path,
                field=k,
                values=bad,
            )
        out[k] = numbers.astype("int64")
    for name_col in ("county_name", "name"):
        if name_col in headers:
            out["name"] = raw[headers[name_col]].astype(str)
            break
    dup = out.duplicated(subset=[key, *extra_keys], keep=False)
    if dup.any():
        rows = out.loc[dup, [key, *extra_keys]].drop_duplicates().astype(str).agg("/".join, axis=1)
        raise InputError(
            f"{what}: duplicated {'/'.join((key, *extra_keys))} {preview(rows.tolist())}; "
            "each must appear once",
            source=path,
            field=key,
            values=rows.tolist(),
        )
    for col, target in wanted.items():
        unit = units[col]
        if unit is None:
            raise InputError(
                f"{what}: column {col!r} has no unit; write its header as `{col} [{target}]` "
                "(or another unit of the same quantity)",
                source=path,
                field=col,
            )
        factor = convert(unit, target, f"{what} column {col}")
        values = pd.to_numeric(raw[headers[col]], errors="coerce")
        bad_mask = values.isna() & (raw[headers[col]].notna() if allow_missing else True)
        bad_mask |= values.notna() & ~np.isfinite(values.fillna(0.0) * factor)
        if bad_mask.any():
            codes = out.loc[bad_mask, key].tolist()
            raise InputError(
                f"{what}: column {col!r} has missing, non-numeric or infinite values for "
                f"{key} {preview(codes)}; fill them in (0 where the value is zero)",
                source=path,
                field=col,
                values=codes,
            )
        out[col] = values.astype("float64") * factor
    return out
