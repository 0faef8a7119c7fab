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


#: head counts as livestock statistics give them (头, 只, 万头 …)
_COUNT = {"head": 1.0, "头": 1.0, "只": 1.0, "匹": 1.0}


def amount_factor(table: str, df: pd.DataFrame, i: Any, unit: str, target: str) -> float:
    """The factor from the row's ``unit`` to ``target`` for the units of agricultural and
    waste statistics too: head counts (头, 只, 万头 → ``head``) and 千公顷 (10³ hm²); other
    units through :func:`ganpo.catalog.units.conversion_factor`.

    >>> df = pd.DataFrame({"unit_code": [1], "year": [2022]})
    >>> amount_factor("t", df, 0, "万头", "head"), amount_factor("t", df, 0, "千公顷", "hm2")
    (10000.0, 1000.0)
    """
    u = unit.strip()
    scale = 1.0
    if u[:1] in ("万", "千") and u[1:].strip() in {*_COUNT, "公顷", "hm2"}:
        scale, u = (1e4 if u[0] == "万" else 1e3), u[1:].strip()
    if target == "head":
        if u not in _COUNT:
            raise TableError(
                f"{where(table, df, i)}: column 'unit' value {unit!r} is not a head count; "
                "give the number of animals in head (头, 只) or 万头 / 存栏量单位应为头或万头",
                source=table,
                field="unit",
                values=[unit],
            )
        return scale * _COUNT[u]
    if u == "公顷":
        u = "hm2"
    return scale * unit_factor(table, df, i, u, target)


def fraction(table: str, df: pd.DataFrame, column: str) -> pd.Series:
    """A column of fractions in [0, 1]; a value outside (e.g. a percentage) is refused."""
    require_columns(table, df, [column])
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() | (values < 0) | (values > 1)
    if bad.any():
        i = bad[bad].index[0]
        raw = df.loc[i, column]
        raise TableError(
            f"{where(table, df, i)}: column {column!r} value {raw} is not a fraction between "
            f"0 and 1; give it as a fraction (0.15, not 15 %) / {column} 须为 0 到 1 之间的比例",
            source=table,
            field=column,
            values=[raw],
        )
    return values.astype(float)


def flags(table: str, df: pd.DataFrame, column: str) -> pd.Series:
    """A yes/no column (True/False or 1/0; False where the column is absent); any other
    value (a text such as "False", which would read as true) is refused."""
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    ok = df[column].map(lambda v: isinstance(v, (bool, int, float)) and v in (0, 1))
    if not ok.all():
        i = ok[~ok].index[0]
        raw = df.loc[i, column]
        raise TableError(
            f"{where(table, df, i)}: column {column!r} value {raw!r} is not yes/no; give "
            f"True or False (1 or 0) / {column} 须为是或否（1 或 0）",
            source=table,
            field=column,
            values=[raw],
        )
    return df[column].astype(bool)
