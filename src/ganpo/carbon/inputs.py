"""Checks of activity tables: columns present, quantities numeric and not negative, units
known and of the right kind. Every message names the table, the column, the row (its unit
code and year) and the value, and says what to do, in English and Chinese."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, TableError


def where(table: str, df: pd.DataFrame, i: Any) -> str:
    """``table 'energy', row 3 (unit code 360100, 2022)``."""
    row = df.loc[i]
    return (
        f"table {table!r}, row {i} (unit code {row.get('unit_code', '?')}, {row.get('year', '?')})"
    )


def require_columns(table: str, df: pd.DataFrame, columns: list[str]) -> None:
    """Refuse a table without one of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(
            f"table {table!r} lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(columns)} / 表 {table} 缺少列 {'、'.join(missing)}",
            source=table,
            field=missing[0],
            values=missing,
        )


def quantities(table: str, df: pd.DataFrame, column: str = "quantity") -> pd.Series:
    """The column as floats; a non-number, a missing or a negative value is refused."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        i = bad[bad].index[0]
        raw = df.loc[i, column]
        shown = repr(raw) if isinstance(raw, str) else str(raw)
        what = "negative" if pd.notna(values.loc[i]) else "not a number"
        raise TableError(
            f"{where(table, df, i)}: column {column!r} value {shown} is {what}; activity "
            f"data are quantities ≥ 0: correct the value (a net export is not a consumption) "
            f"/ 表 {table} 第 {i} 行 {column} 的值 {shown} 无效（须为非负数）",
            source=table,
            field=column,
            values=[raw],
        )
    return values.astype(float)


def unit_factor(table: str, df: pd.DataFrame, i: Any, unit: str, target: str) -> float:
    """The factor from the row's ``unit`` to ``target``; an unknown or incompatible unit
    names the row."""
    try:
        return conversion_factor(unit, target)
    except InputError as exc:
        raise TableError(
            f"{where(table, df, i)}: column 'unit' value {unit!r} cannot be read as "
            f"{target!r}: {exc}. Give the quantity in {target} or a unit convertible to it "
            f"/ 表 {table} 第 {i} 行单位 {unit} 无法换算为 {target}",
            source=table,
            field="unit",
            values=[unit],
        ) from exc
