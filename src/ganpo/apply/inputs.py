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

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, TableError, TableFileError, preview
from ganpo.io.manifest import sha256_file as file_sha256
from ganpo.io.table_files import read_table_file

__all__ = [
    "UnitTable",
    "convert",
    "file_sha256",
    "read_csv",
    "read_csv_rows",
    "read_table_in_units",
    "split_header",
]

#: how the messages' Chinese halves name the tables ``what`` names in English
_WHAT_ZH = {"factor table": "因素表", "GDP table": "GDP 表", "indicator table": "指标表"}

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
    return _read_text(path, what).reset_index(drop=True)


def read_csv_rows(path: Path, what: str) -> tuple[pd.DataFrame, list[int]]:
    """:func:`read_csv`, and each of the frame's rows' number in the file, as a
    spreadsheet numbers it (the header's row, often 1, counted; note lines and blank rows
    too), for a refusal to name the row the user sees."""
    text = _read_text(path, what)
    return text.reset_index(drop=True), [int(r) for r in text.index]


def _read_text(path: Path, what: str) -> pd.DataFrame:
    """:func:`read_csv` indexed by each row's number in the file (as a spreadsheet numbers
    it)."""
    if not Path(path).exists():
        raise InputError(
            en=f"{what} not found; give the path of a CSV or .xlsx file",
            zh=f"找不到{_WHAT_ZH.get(what, what)}，请给出 CSV 或 .xlsx 文件的路径",
            source=path,
        )
    try:
        table = read_table_file(path, comments=True).to_frame()
    except TableFileError as exc:
        raise TableFileError(
            f"{what}: {exc.reason_en}", exc.reason_zh, source=path, looks_like=exc.looks_like
        ) from exc
    if table.problems:
        n = len(table.problems)
        raise TableError(
            en=f"{what}: {n} problem(s): {'; '.join(table.problems[:20])}",
            zh=f"共 {n} 处格式问题：{'；'.join(table.problems_zh[:20])}",
            source=path,
            values=table.problems,
        )
    return table.data.replace("", np.nan)


def convert(unit: str, target: str, what: str) -> float:
    """:func:`conversion_factor` for a unit written by a user: any failure to understand
    the unit is an :class:`InputError` naming it."""
    try:
        return conversion_factor(unit, target, what=what)
    except InputError:
        raise
    except Exception as exc:  # pint raises many kinds of errors on malformed text
        raise InputError(
            en=f"{what}: cannot read the unit {unit!r} ({exc}); write e.g. {target!r}",
            zh=f"{what}：无法识别单位 {unit!r}（{exc}）；请写成如 {target!r} 的形式",
            field="unit",
            values=[unit],
        ) from exc


@dataclass(frozen=True)
class UnitTable:
    """A table as :func:`read_table_in_units` reads it: ``frame``, the key columns and
    the numeric columns in the caller's units, the unit each numeric column's header names
    as written (``units``: column → unit), each column's header as written (``headers``:
    column → header) and each of the frame's rows' number in the file, as a spreadsheet
    numbers it (``rows``)."""

    frame: pd.DataFrame
    units: dict[str, str]
    headers: dict[str, str]
    rows: list[int]


def read_table_in_units(
    path: Path,
    columns: Mapping[str, str],
    *,
    what: str,
    key: str = "county_adcode",
    optional: Mapping[str, str] | None = None,
    extra_keys: tuple[str, ...] = (),
    optional_keys: tuple[str, ...] = (),
    allow_missing: bool = False,
    nonnegative: bool = False,
    limit: float | None = None,
) -> UnitTable:
    """Read a table keyed by ``key`` (and ``extra_keys``), with numeric columns in units,
    and what reading the file learnt, so that a caller need not read the file again.

    Parameters
    ----------
    path : the CSV or .xlsx file
    columns : required column → the unit the caller computes in (values are converted)
    what : how messages name the table ("factor table")
    key : the integer key column (default ``county_adcode``)
    optional : columns read when present, with their units
    extra_keys : further key columns (e.g. ``year``) that, with ``key``, identify a row
    optional_keys : further key columns used when the header has them (e.g. ``year``)
    allow_missing : keep empty cells as NaN (non-numeric text is still refused)
    nonnegative : refuse a negative value (naming its row, column and value)
    limit : refuse a value larger than this in the caller's unit (e.g. 1e15 CNY)

    Returns
    -------
    A :class:`UnitTable`: its ``frame`` has ``key``, the key columns, a ``name`` column
    when the file has ``county_name``/``name``, and every required/present optional
    column in the caller's unit (float64); with it the unit each numeric column's header
    names, the headers as written and each row's number in the file.

    Raises
    ------
    InputError : missing columns, a numeric column without a unit, a unit that does not
        convert, non-numeric or missing values, duplicated keys, and (with
        ``nonnegative``/``limit``) the first bad cell, naming its row as a spreadsheet
        shows it.
    """
    text = _read_text(path, what)
    file_rows = [int(r) for r in text.index]
    raw = text.reset_index(drop=True)
    zh = _WHAT_ZH.get(what, what)
    headers = {split_header(str(c))[0]: str(c) for c in raw.columns}
    units = {split_header(str(c))[0]: split_header(str(c))[1] for c in raw.columns}
    extra_keys = (*extra_keys, *(k for k in optional_keys if k in headers))
    wanted = dict(columns)
    present_optional = {k: v for k, v in (optional or {}).items() if k in headers}
    wanted.update(present_optional)
    missing = [c for c in (key, *extra_keys, *columns) if c not in headers]
    if missing:
        raise InputError(
            en=f"{what} lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, raw.columns))}. Numeric columns are written "
            "`name [unit]`, e.g. `fiscal_gap [万元]`",
            zh=f"{zh}缺少列 {', '.join(missing)}；数值列的表头写作“名称 [单位]”",
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
                en=f"{what}: column {k} must hold integers; bad values {preview(bad)}",
                zh=f"{zh}的 {k} 列须为整数代码，以下值无效：{preview(bad)}",
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
            en=f"{what}: duplicated {'/'.join((key, *extra_keys))} {preview(rows.tolist())}; "
            "each must appear once",
            zh=f"{zh}中 {key} {preview(rows.tolist())} 重复出现，每个只能出现一次",
            source=path,
            field=key,
            values=rows.tolist(),
        )
    for col, target in wanted.items():
        unit = units[col]
        if unit is None:
            raise InputError(
                en=f"{what}: column {col!r} has no unit; write its header as `{col} [{target}]` "
                "(or another unit of the same quantity)",
                zh=f"{zh}的 {col} 列表头没有单位，请写作“{col} [{target}]”",
                source=path,
                field=col,
            )
        try:
            factor = convert(unit, target, f"{what} column {col}")
        except InputError as exc:
            raise InputError(  # exc names the table and the column already
                en=exc.en,
                zh=f"{zh}的 {col} 列表头单位 [{unit}] 无法换算为 {target}，请改用同一量的单位",
                source=path,
                field=col,
                values=[unit],
            ) from exc
        values = pd.to_numeric(raw[headers[col]], errors="coerce")
        if nonnegative or limit is not None:
            _check_cells(
                path,
                what,
                key,
                out[key],
                col,
                raw[headers[col]],
                values * factor,
                allow_missing=allow_missing,
                nonnegative=nonnegative,
                limit=limit,
                target=target,
                rows=file_rows,
            )
        bad_mask = values.isna() & (raw[headers[col]].notna() if allow_missing else True)
        bad_mask |= values.notna() & ~np.isfinite(values.fillna(0.0) * factor)
        if bad_mask.any():
            codes = out.loc[bad_mask, key].tolist()
            raise InputError(
                en=f"{what}: column {col!r} has missing, non-numeric or infinite values for "
                f"{key} {preview(codes)}; fill them in (0 where the value is zero)",
                zh=f"{zh}的 {col} 列在 {key} {preview(codes)} 处缺值、非数值或为无穷大，"
                "请填写数值（为零处填 0）",
                source=path,
                field=col,
                values=codes,
            )
        out[col] = values.astype("float64") * factor
    written = {c: u for c, u in units.items() if u is not None and c in wanted}
    return UnitTable(out, written, {c: headers[c] for c in out.columns if c in headers}, file_rows)


def _check_cells(
    path: Path,
    what: str,
    key: str,
    keys: pd.Series,
    col: str,
    text: pd.Series,
    values: pd.Series,
    *,
    allow_missing: bool,
    nonnegative: bool,
    limit: float | None,
    target: str,
    rows: list[int],
) -> None:
    """Refuse the first bad cell of ``col``, naming its row as a spreadsheet shows it
    (``rows``: each cell's row in the file; the header is row 1 unless note lines are
    above it), key, column and value as written: empty, not a number, NaN, infinite,
    negative (``nonnegative``) or above ``limit`` (in the caller's unit ``target``)."""
    zh = _WHAT_ZH.get(what, what)
    for i, (raw, value) in enumerate(zip(text, values, strict=True)):
        cell = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw)
        if cell.strip() == "":
            if allow_missing:
                continue
            why, why_zh = "is empty; fill it in (0 where the value is zero)", "为空，请填写"
        elif math.isnan(value) and cell.strip().lower() != "nan":
            why, why_zh = "is not a number; write a plain number such as 1234.5", "不是数值"
        elif math.isnan(value):
            why, why_zh = "is not a number; write a plain number", "不是数值"
        elif not math.isfinite(value):
            why, why_zh = "is not finite; write a plain number", "不是有限数值"
        elif nonnegative and value < 0:
            why, why_zh = "is negative; write 0 or more (0 where there is none)", "为负数"
        elif limit is not None and abs(value) > limit:
            why = f"is larger than {limit:.0e} {target}; check the value and its unit"
            why_zh = f"超过 {limit:.0e} {target}，请核对数值及其单位"
        else:
            continue
        text_like = cell.strip() == "" or (math.isnan(value) and cell.strip().lower() != "nan")
        shown = repr(cell) if text_like else cell
        raise InputError(
            en=f"{what}, row {rows[i]} ({key} {keys.iloc[i]}): column {col!r} value {shown} {why}",
            zh=f"{zh}第 {rows[i]} 行（{key} {keys.iloc[i]}）{col} 列的值 {shown} {why_zh}",
            source=path,
            field=col,
            values=[cell],
        )
