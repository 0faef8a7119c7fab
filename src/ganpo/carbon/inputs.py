"""Checks of activity tables: columns present, unit codes in the inventory's region and
levels that do not double count, quantities numeric and not negative, units known and of
the right kind. Every message names the table, the column, the row (its unit code and
year) and the value, and says what to do, in English and Chinese."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ganpo.carbon.regions import LEVELS, Region, Unit, known_unit, region
from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, TableError, halves_of


def where(table: str, df: pd.DataFrame, i: Any) -> str:
    """``table 'energy', row 3 (unit code 360100, 2022)``."""
    row = df.loc[i]
    return (
        f"table {table!r}, row {i} (unit code {row.get('unit_code', '?')}, {row.get('year', '?')})"
    )


#: the Chinese name of each activity table of the inventory, by the English label its
#: refusals give (the constants ``*_TABLE`` of the carbon modules)
TABLE_ZH: dict[str, str] = {
    "fuel combustion": "化石燃料燃烧活动水平表",
    "electricity consumption": "电力消费表",
    "energy balance": "能源平衡表",
    "solid waste disposal": "固体废弃物填埋处理表",
    "waste incineration": "废弃物焚烧处理表",
    "wastewater": "废水处理表",
    "livestock": "畜禽养殖表",
    "rice cultivation": "水稻种植表",
    "nitrogen applied to soils": "农用地氮输入表",
    "nitrogen applied by source": "分来源农用地氮输入表",
    "cement clinker production": "水泥熟料生产表",
    "lime production": "石灰生产表",
    "forest stock": "森林蓄积表",
    "forest growth": "森林生长表",
    "forest losses": "森林消耗表",
    "ecosystem areas": "生态系统面积表",
    "GEP carbon sequestration": "GEP 固碳表",
}
#: the parts a label may end with (:func:`ganpo.carbon.sinks.forest_stock_difference`
#: names the stock table of each inventory)
_PART_ZH = {", first inventory": "（第一期清查）", ", second inventory": "（第二期清查）"}
#: labels with numbers in them: a county's forest inventory report of a year, as
#: :func:`ganpo.apply.audit_stocks.forest_stocks` names it
_NUMBERED_ZH = [
    (re.compile(r"forest inventory (\d{4}), submission (\d+)"), r"\1 年森林资源清查表（报送 #\2）"),
]


def table_zh(table: str) -> str:
    """The Chinese name of an activity table (:data:`TABLE_ZH`); a label of the user's
    (a file's name, a table named by the caller) as given, after ``表``.

    >>> table_zh("fuel combustion"), table_zh("forest stock, second inventory")
    ('化石燃料燃烧活动水平表', '森林蓄积表（第二期清查）')
    >>> table_zh("fuel_2022.csv")
    '表 fuel_2022.csv '
    """
    for part, part_zh in _PART_ZH.items():
        if table.endswith(part):
            return table_zh(table[: -len(part)]).rstrip() + part_zh
    name = TABLE_ZH.get(table)
    if name is not None:
        return name
    for pattern, zh in _NUMBERED_ZH:
        if pattern.fullmatch(table):
            return pattern.sub(zh, table)
    return f"表 {table} "


def where_zh(table: str, df: pd.DataFrame, i: Any) -> str:
    """:func:`where` in Chinese: ``化石燃料燃烧活动水平表第 3 行（单位代码 360100，2022 年）``."""
    row = df.loc[i]
    year = row.get("year", "?")
    whole = isinstance(year, (int, np.integer)) or (
        isinstance(year, (float, np.floating)) and float(year).is_integer()
    )
    if isinstance(year, str) and year.strip().isdecimal():  # a table read as text
        year, whole = int(year.strip()), True
    said = f"{int(year)} 年" if whole else f"年份 {year}"  # a year that is no number as given
    return f"{table_zh(table)}第 {i} 行（单位代码 {row.get('unit_code', '?')}，{said}）"


def require_columns(table: str, df: pd.DataFrame, columns: list[str]) -> None:
    """Refuse a table without one of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(
            en=f"table {table!r} lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(columns)}",
            zh=f"{table_zh(table)}缺少列 {'、'.join(missing)}",
            source=table,
            field=missing[0],
            values=missing,
        )


def activity_table(
    table: str,
    df: pd.DataFrame,
    columns: list[str],
    *,
    region: int | None = None,
    level: str | None = None,
    same: Sequence[str] = (),
) -> pd.DataFrame:
    """The common input path of every category: ``columns`` present, and with a ``region``
    (a province or city adcode) the rows checked by :func:`in_region`. Returns the rows
    the category computes: all of them, or with ``level`` those of that level."""
    require_columns(table, df, columns)
    if region is None:
        if level is not None:
            raise InputError(
                en=f"table {table!r}: level {level!r} needs the region it is a level of; give "
                "region (a province or city adcode, e.g. 360000)",
                zh="指定报告层级时须同时指定地区",
                source=table,
                field="level",
                values=[level],
            )
        return df
    return in_region(table, df, region, level=level, same=same)


_LEVEL_ZH = {"province": "省", "city": "市", "county": "区县", "township": "乡镇"}


def in_region(
    table: str,
    df: pd.DataFrame,
    region_code: int,
    *,
    level: str | None = None,
    same: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows of ``df`` checked against the region of ``region_code`` (a province or
    city adcode, :func:`ganpo.carbon.regions.region`).

    - A ``unit_code`` that is not an administrative code (6-digit adcode of the built-in
      district table, or 9-digit township code whose first 6 digits are a county of the
      region) or is a unit outside the region (440103 in a Jiangxi table) is refused.
    - Rows of two levels that cover the same place (a county and its city, a township and
      its county) for the same ``year`` and the same values of the ``same`` columns (the
      category and item: sector and fuel, animal …) would count the finer one twice once
      summed: refused, unless ``level`` (province, city, county, township) names the level
      the table reports. The rows of that level are then returned and those of other
      levels left out; a row of another level that no row of ``level`` contains or lies in
      is refused, since it would be lost.

    >>> t = pd.DataFrame({"unit_code": [360100, 360102], "year": [2022, 2022]})
    >>> in_region("t", t, 360000, level="county")["unit_code"].tolist()
    [360102]
    """
    reg = region(region_code)
    if level is not None and level not in LEVELS:
        raise InputError(
            en=f"table {table!r}: level {level!r} is not a level; give one of {', '.join(LEVELS)}",
            zh="报告层级须为省、市、区县或乡镇",
            source=table,
            field="level",
            values=[level],
        )
    units = {i: _unit_in(table, df, i, reg) for i in df.index}
    keys = {i: (df.loc[i, "year"], *(df.loc[i, c] for c in same)) for i in df.index}
    rows: dict[tuple[Any, ...], list[Any]] = {}
    for i in df.index:
        rows.setdefault((units[i].code, *keys[i]), []).append(i)
    # (finer row, coarser row) pairs: the coarser unit contains the finer one
    pairs = [
        (i, j)
        for i in df.index
        for a in reg.ancestors(units[i].code)
        for j in rows.get((a, *keys[i]), [])
    ]
    if level is None:
        if pairs:
            fine, coarse = pairs[0]
            raise _double_count(table, df, same, units, fine, coarse)
        return df
    for i in df.index:
        if units[i].level != level and not _paired(i, pairs, units, level):
            u = units[i]
            raise TableError(
                en=f"{where(table, df, i)}: column 'unit_code' value {u.code} is a {u.level} "
                f"({u.name}) but the table is said to report level {level!r}, and no "
                f"{level} row of the same year and item contains it or lies in it, so it "
                f"would be left out of the inventory. Give its rows at level {level!r}, or "
                "compute this row's level in its own call",
                zh=f"{where_zh(table, df, i)}：该行为"
                f"{_LEVEL_ZH[u.level]}数据（{u.code} {u.name}），报告层级为"
                f"{_LEVEL_ZH[level]}而无对应数据，该行将被遗漏",
                source=table,
                field="unit_code",
                values=[u.code],
            )
    return df.loc[[i for i in df.index if units[i].level == level]]


def _paired(i: Any, pairs: list[tuple[Any, Any]], units: dict[Any, Unit], level: str) -> bool:
    """Whether row ``i`` (not of ``level``) is paired with a row of ``level``."""
    return any(
        (f == i and units[c].level == level) or (c == i and units[f].level == level)
        for f, c in pairs
    )


def _double_count(
    table: str, df: pd.DataFrame, same: Sequence[str], units: dict[Any, Unit], fine: Any, c: Any
) -> TableError:
    f, o = units[fine], units[c]
    item = ", ".join(f"{col} {df.loc[fine, col]}" for col in same) or "the same activity"
    year = df.loc[fine, "year"]
    return TableError(
        en=f"{where(table, df, fine)} ({f.level} {f.code} {f.name}) and row {c} ({o.level} "
        f"{o.code} {o.name}, which contains it) both report {item} of {year}: the {o.level}'s "
        f"figure already holds the {f.level}'s, so summed they count it twice. Say which "
        f"level the table reports (level={f.level!r} or level={o.level!r}; the rows of other "
        "levels are then left out), or remove one of the rows",
        zh=f"{where_zh(table, df, fine)}：该行（{_LEVEL_ZH[f.level]} {f.code}）"
        f"与第 {c} 行（其所属{_LEVEL_ZH[o.level]} {o.code}）"
        f"为 {year} 年同一项目，合计将重复计算：请指明报告层级（level）或删去其中一行",
        source=table,
        field="unit_code",
        values=[f.code, o.code],
    )


def _as_code(raw: object) -> int | None:
    """An integer unit code from an int, an integral float or a string of digits."""
    if isinstance(raw, (bool, np.bool_)):
        return None
    if isinstance(raw, (int, np.integer)):
        return int(raw)
    if isinstance(raw, (float, np.floating)) and math.isfinite(raw) and float(raw).is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


def _unit_in(table: str, df: pd.DataFrame, i: Any, reg: Region) -> Unit:
    """The unit of row ``i``'s ``unit_code`` in ``reg``; a code outside it, or not an
    administrative code at all, names the row."""
    raw = df.loc[i, "unit_code"]
    code = _as_code(raw)
    unit = reg.unit(code) if code is not None else None
    if unit is not None:
        return unit
    six = code // 1000 if code is not None and code >= 100_000_000 else code
    known = known_unit(six) if six is not None and 100_000 <= six <= 999_999 else None
    if code is None or known is None or not (100_000 <= code <= 999_999_999):
        shown = repr(raw) if isinstance(raw, str) else str(raw)
        raise TableError(
            en=f"{where(table, df, i)}: column 'unit_code' value {shown} is not an "
            "administrative code: give the 6-digit adcode of a province, city or county of "
            f"the built-in district table (the current one, if the unit was merged or renamed), "
            f"or a township's 9-digit code (its county's adcode × 1000 + n); the region "
            f"{reg.code} {reg.name} has e.g. {reg.examples()}",
            zh=f"{where_zh(table, df, i)}：单位代码 {shown} 不是行政区划代码",
            source=table,
            field="unit_code",
            values=[raw],
        )
    name = known.name if six == code else f"a township of {known.name}"
    name_zh = known.name if six == code else f"{known.name}所辖乡镇"
    raise TableError(
        en=f"{where(table, df, i)}: column 'unit_code' value {code} is {name}, not a unit of the "
        f"region {reg.code} {reg.name}; remove the row, or compute it in the inventory of its "
        f"own region; the region's units are {reg.code} and its cities and counties (e.g. "
        f"{reg.examples()})",
        zh=f"{where_zh(table, df, i)}：单位代码 {code}（{name_zh}）不属于 "
        f"{reg.name}，请删除该行或在其所属地区的清单中核算",
        source=table,
        field="unit_code",
        values=[code],
    )


#: the largest activity quantity read, in whatever unit a table gives it: 10¹⁵ is more
#: than the world's yearly use of anything an inventory counts in any unit a statistics
#: table uses (coal ~10¹³ kg, electricity ~3·10¹³ kWh); a larger figure is a typing or
#: unit error, and an infinite one would make the emission infinite
MAX_QUANTITY = 1e15


def quantities(table: str, df: pd.DataFrame, column: str = "quantity") -> pd.Series:
    """The column as floats; a non-number, a missing, a negative, an infinite or an
    impossibly large value (above :data:`MAX_QUANTITY`) is refused."""
    values = pd.to_numeric(df[column], errors="coerce")
    bad = values.isna() | (values < 0) | ~(values <= MAX_QUANTITY)
    if bad.any():
        i = bad[bad].index[0]
        raw = df.loc[i, column]
        shown = repr(raw) if isinstance(raw, str) else str(raw)
        v = values.loc[i]
        if pd.isna(v):
            what, what_zh = "not a number", "不是数值"
        elif v < 0:
            what, what_zh = "negative", "为负数"
        elif math.isinf(v):
            what, what_zh = "infinite", "为无穷大"
        else:
            what, what_zh = f"larger than {MAX_QUANTITY:.0e}", f"超过 {MAX_QUANTITY:.0e}"
        raise TableError(
            en=f"{where(table, df, i)}: column {column!r} value {shown} is {what}; activity "
            f"data are finite quantities ≥ 0 (at most {MAX_QUANTITY:.0e} in the row's unit): "
            "correct the value (a net export is not a consumption)",
            zh=f"{where_zh(table, df, i)}：{column} 的值 {shown} {what_zh}，无效（须为不超过 "
            f"{MAX_QUANTITY:.0e} 的非负数），请更正",
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
            en=f"{where(table, df, i)}: column 'unit' value {unit!r} cannot be read as "
            f"{target!r}: {halves_of(exc)[0]}. Give the quantity in {target} or a unit "
            "convertible to it",
            zh=f"{where_zh(table, df, i)}：单位 {unit} 无法换算为 {target}",
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
                en=f"{where(table, df, i)}: column 'unit' value {unit!r} is not a head count; "
                "give the number of animals in head (头, 只) or 万头",
                zh=f"{where_zh(table, df, i)}：存栏量单位应为头或万头",
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
            en=f"{where(table, df, i)}: column {column!r} value {raw} is not a fraction between "
            "0 and 1; give it as a fraction (0.15, not 15 %)",
            zh=f"{where_zh(table, df, i)}：{column} 须为 0 到 1 之间的比例",
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
            en=f"{where(table, df, i)}: column {column!r} value {raw!r} is not yes/no; give "
            "True or False (1 or 0)",
            zh=f"{where_zh(table, df, i)}：{column} 须为是或否（1 或 0）",
            source=table,
            field=column,
            values=[raw],
        )
    return df[column].astype(bool)
