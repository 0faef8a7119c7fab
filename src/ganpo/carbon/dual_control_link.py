"""Dual-control progress of stored inventories (碳排放双控进度): the production-based
totals of the units of one level, with the GDP of their dataset at constant prices, fed to
:mod:`ganpo.tracking.dual_control` (``intensity_table``, then ``overview`` as of every
inventory year).

The total is the inventory's production-based total (every direct emission, IPCC 2006
territorial scope) in 万t CO2e, taken as the indicator's 万t CO2; the intensity follows
:func:`ganpo.tracking.dual_control.intensity_table`: :math:`I = E / \\text{GDP}` in
t CO2/万元 at the constant prices of one year. Carbon imports tracking, never the reverse
(tracking stays below every domain that registers targets).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from ganpo.carbon.inventory import _read_rows, read_dataset, totals_g
from ganpo.carbon.regions import known_unit, region
from ganpo.errors import InputError, preview
from ganpo.io.gdp_units import GdpCell, gdp_slip, gdp_unit_factor, per_100m, slip_refusal
from ganpo.store.carbon import StoredInventory
from ganpo.tracking.dual_control import (
    GDP_UNIT,
    INTENSITY,
    TOTAL,
    ProjectWhatIf,
    intensity_table,
    overview,
    project_what_if,
)
from ganpo.tracking.registry import Registry

#: grams in 万t
_G_PER_WAN_T = 1e10
_CONSTANT = re.compile(r"^gdp_constant_(\d{4})$")


#: the largest GDP read [亿元]: 10⁹ 亿元 is about a hundred times the world's GDP
MAX_GDP = 1e9


def gdp_at_constant_prices(
    table: pd.DataFrame, source: str | None = None, rows: Sequence[int] | None = None
) -> pd.DataFrame:
    """``unit_code, year, gdp`` [亿元] and ``price_year`` from a GDP table with one column
    ``gdp_constant_YYYY`` (the dataset's ``gdp.csv``: GDP at the constant prices of YYYY).
    Each row's unit code and year must be whole numbers, its GDP a number > 0 (an
    intensity divides by it) and at most :data:`MAX_GDP`, and no unit and year may come
    twice; a row that breaks this is refused by row, column and value (``source`` names
    the file; ``rows``: each row's number in the file, as a spreadsheet numbers it, so
    that a refusal names the row the user sees; by default the header is row 1 and the
    table's rows follow it). A column ``unit`` gives each row's unit (元, 万元 or 亿元;
    blank: 亿元) and the values are converted to 亿元; without it the values are taken as
    亿元. Every value, in the unit given or assumed, must be a plausible GDP of its unit's
    level (:mod:`ganpo.io.gdp_units`), so that a 10⁴ slip of the unit is refused. The
    returned frame's ``attrs["notes"]`` names the unit read."""
    cols = [c for c in table.columns if _CONSTANT.match(str(c))]
    if len(cols) != 1 or not {"unit_code", "year"} <= set(table.columns):
        raise InputError(
            en="GDP table: needs the columns unit_code, year and one gdp_constant_YYYY (GDP "
            f"at constant YYYY prices, 亿元); it has {', '.join(map(str, table.columns))}",
            zh="地区生产总值表需有一列不变价地区生产总值",
            source=source,
            field="columns",
            values=[str(c) for c in table.columns],
        )
    if rows is None:
        rows = range(2, 2 + len(table))
    if len(rows) != len(table):
        raise ValueError(f"{len(rows)} row numbers for a table of {len(table)} rows")
    #: the row of the file of each of the table's rows
    row_of = dict(zip(table.index, rows, strict=True))
    given = table["unit"] if "unit" in table.columns else pd.Series(pd.NA, index=table.index)
    blank = given.isna() | (given.astype(str).str.strip() == "")
    units = given.astype(str).str.strip().where(~blank, GDP_UNIT)
    for i in units.index[~blank]:
        gdp_unit_factor(given[i], what="GDP table", source=source, row=row_of[i])
    if table.empty:
        raise InputError(
            en="GDP table: it has a header and no rows; give one row per unit and year "
            "(unit_code, year, GDP in 亿元)",
            zh="地区生产总值表只有表头，没有数据行",
            source=source,
            field="rows",
        )
    match = _CONSTANT.match(cols[0])
    assert match is not None
    out = table[["unit_code", "year", cols[0]]].rename(columns={cols[0]: "gdp"})
    divisor = units.map(per_100m).astype(float)
    _check_gdp_rows(out, cols[0], source, divisor, row_of)
    out = out.astype({"unit_code": int, "year": int, "gdp": float})
    for i in out.index:
        slip = gdp_slip(int(out.loc[i, "unit_code"]), float(out.loc[i, "gdp"]), units[i])
        if slip is not None:
            code, shown = int(out.loc[i, "unit_code"]), str(table.loc[i, cols[0]])
            cell = GdpCell(("GDP table", "地区生产总值表"), row_of[i], cols[0], shown, code)
            en, zh = slip_refusal(slip, cell, unit_given=not blank[i])
            raise InputError(
                en=en,
                zh=zh,
                source=source,
                field=cols[0],
                values=[table.loc[i, cols[0]]],
            )
    out["gdp"] = out["gdp"] / divisor
    out["price_year"] = int(match.group(1))
    read = sorted(set(units[~blank]))
    out.attrs["notes"] = [
        f"GDP table read in {', '.join(read) if read else GDP_UNIT + ' (no unit given)'}"
        f"{', converted to 亿元' if set(read) - {GDP_UNIT} else ''} / 地区生产总值表按"
        f"{'、'.join(read) if read else GDP_UNIT + '（未注明单位）'}读取"
        f"{'，已换算为亿元' if set(read) - {GDP_UNIT} else ''}"
    ]
    return out


def _check_gdp_rows(
    table: pd.DataFrame,
    column: str,
    source: str | None,
    divisor: pd.Series,
    row_of: dict[Any, int],
) -> None:
    """Refuse the first row whose code, year or GDP is no such value, or whose unit and
    year came before, by its row in the file (``row_of``: the table's index → it)."""

    def refuse(i: Any, field: str, en: str, zh: str) -> InputError:
        raw = table.loc[i, "gdp" if field == column else field]
        shown = repr(raw) if isinstance(raw, str) else str(raw)
        row = row_of[i]
        return InputError(
            en=f"GDP table, row {row}: column {field!r} value {shown} {en}",
            zh=f"地区生产总值表第 {row} 行 {field} 的值 {shown} {zh}",
            source=source,
            field=field,
            values=[raw],
        )

    for field in ("unit_code", "year"):
        v = pd.to_numeric(table[field], errors="coerce")
        bad = v.isna() | (v != v.round()) | (v.abs() > 999_999_999)
        if bad.any():
            i = bad[bad].index[0]
            raise refuse(i, field, "is not a whole number: correct it", "不是整数，请更正")
    gdp = pd.to_numeric(table["gdp"], errors="coerce")
    bad = gdp.isna() | ~(gdp > 0) | ~(gdp / divisor <= MAX_GDP)
    if bad.any():
        i = bad[bad].index[0]
        raise refuse(
            i,
            column,
            f"is not a GDP: give a number > 0 and at most {MAX_GDP:.0e} 亿元 (an intensity "
            "divides by it)",
            f"无效：须为大于 0 且不超过 {MAX_GDP:.0e} 亿元的数值（强度以其为分母）",
        )
    from ganpo.tracking.registry import unit_code_problem

    for i, code in table["unit_code"].items():
        problem = unit_code_problem(int(float(code)))
        if problem is not None:
            raise refuse(
                i,
                "unit_code",
                f"is not an administrative code ({problem})",
                "不是行政区划代码，请更正或删除该行",
            )
    keys = table[["unit_code", "year"]].apply(pd.to_numeric)
    twice = keys.duplicated(keep=False)
    if twice.any():
        i = twice[twice].index[0]
        u, y = int(keys.loc[i, "unit_code"]), int(keys.loc[i, "year"])
        same = (keys["unit_code"] == keys.loc[i, "unit_code"]) & (keys["year"] == y)
        first, second = row_of[i], row_of[same[same].index[1]]
        raise InputError(
            en=f"GDP table, row {second} repeats unit {u} and year {y} of row {first}: give one "
            "GDP per unit and year",
            zh=f"地区生产总值表第 {second} 行与第 {first} 行为同一单位"
            f"（{u}）和年份（{y}），每个单位每年只能有一个数值",
            source=source,
            field="unit_code",
            values=[u],
        )


def read_gdp_file(path: Path) -> pd.DataFrame:
    """:func:`gdp_at_constant_prices` of a GDP table file (CSV in UTF-8 or GB 18030, or
    .xlsx; ``#`` lines are notes)."""
    table, rows = _read_rows(path)
    return gdp_at_constant_prices(table, source=Path(path).name, rows=rows)


def dataset_gdp(folder: Path, digests: Collection[str]) -> pd.DataFrame | None:
    """The ``gdp`` table (:func:`gdp_at_constant_prices`) of the dataset in ``folder`` when
    the inventories were all computed from that very dataset (``digests``: their
    ``dataset_digest``; the store keeps a dataset's digest, not its folder), else None (no
    dataset there, another dataset, no GDP table)."""
    if not (Path(folder) / "carbon-dataset.toml").is_file():
        return None
    data = read_dataset(folder)
    if set(digests) != {data.digest} or "gdp" not in data.tables:
        return None
    return gdp_at_constant_prices(
        data.tables["gdp"], source=f"{Path(folder).name}: gdp", rows=data.rows.get("gdp")
    )


def _check(inventories: Sequence[StoredInventory]) -> None:
    if not inventories:
        raise InputError(en="give at least one inventory", zh="请至少给出一份清单", field="id")
    gwp = sorted({s.header.gwp_set for s in inventories})
    if len(gwp) > 1:
        raise InputError(
            en=f"the inventories use different GWP sets ({', '.join(gwp)}): compare inventories "
            "of one GWP set",
            zh="清单的全球增温潜势取值版本不一致",
            field="gwp_set",
            values=gwp,
        )
    years = [s.header.year for s in inventories]
    twice = sorted({y for y in years if years.count(y) > 1})
    if twice:
        raise InputError(
            en=f"more than one inventory of the year {', '.join(map(str, twice))}: give one "
            "inventory a year",
            zh="同一年份给出了多份清单",
            field="year",
            values=twice,
        )
    regions = sorted({s.header.region_adcode for s in inventories})
    if len(regions) > 1:
        raise InputError(
            en=f"the inventories are of different regions ({', '.join(map(str, regions))})",
            zh="清单的地区不一致",
            field="region",
            values=regions,
        )


def emissions_by_unit(inventories: Sequence[StoredInventory], level: str) -> pd.DataFrame:
    """``unit_code, year, co2`` [万t CO2e]: the production-based total of every unit of
    ``level`` in each inventory (summed over gases in whole grams, :func:`totals_g`)."""
    _check(inventories)
    frames = []
    for s in inventories:
        rows = s.rows[s.rows["level"] == level]
        if rows.empty:
            raise InputError(
                en=f"inventory {s.header.id} has no rows at level {level}",
                zh="清单中没有该层级的数据",
                field="level",
                values=[level],
            )
        t = totals_g(rows)
        frames.append(
            pd.DataFrame(
                {
                    "unit_code": t["unit_code"].astype(int),
                    "year": s.header.year,
                    "co2": [int(g) / _G_PER_WAN_T for g in t["production_g"]],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def gdp_for_level(
    gdp: pd.DataFrame, inventories: Sequence[StoredInventory], level: str
) -> pd.DataFrame:
    """The GDP of every unit of ``level``: its own rows when the table has them, else the
    sum of its counties' rows (a city from its counties, by the inventory's parents). A
    unit some of whose counties have no GDP of a year has none of that year (a sum of
    some of its counties is not its GDP): it is named as lacking."""
    units = sorted({int(u) for s in inventories for u in s.rows.loc[s.rows["level"] == level,
                                                                    "unit_code"]})  # fmt: skip
    #: (unit, year) → its counties without GDP that year
    partial: dict[tuple[int, int], list[int]] = {}
    if level != "county" and not set(units) <= set(gdp["unit_code"]):
        rows = pd.concat([s.rows for s in inventories])
        county = rows[rows["level"] == "county"][["unit_code", "parent_code"]].drop_duplicates()
        parent = dict(zip(county["unit_code"].astype(int), county["parent_code"], strict=True))
        if level == "province":
            parent = {c: inventories[0].header.region_adcode for c in parent}
        g = gdp[gdp["unit_code"].isin(parent)].copy()
        g["county"] = g["unit_code"].astype(int)
        g["unit_code"] = [int(parent[int(c)]) for c in g["unit_code"]]
        counties: dict[int, set[int]] = {}
        for c, p in parent.items():
            counties.setdefault(int(p), set()).add(c)
        keys = ["unit_code", "year", "price_year"]
        sums = []
        for (u, y, p), part in g.groupby(keys):
            unit, year = int(str(u)), int(str(y))
            without = sorted(counties.get(unit, set()) - set(part["county"]))
            if without:
                partial[(unit, year)] = without
            else:
                sums.append((unit, year, p, float(part["gdp"].sum())))
        gdp = pd.DataFrame(sums, columns=[*keys, "gdp"])
    names = region(inventories[0].header.region_adcode).units
    lack = [
        (u, s.header.year)
        for s in inventories
        for u in units
        if not ((gdp["unit_code"] == u) & (gdp["year"] == s.header.year)).any()
    ]
    if lack:

        def name(u: int) -> str:
            return f"{names[u].name if u in names else u} ({u})"

        named = [
            f"{name(u)} {y}"
            + (
                f" (a sum of its counties without {', '.join(map(name, partial[(u, y)]))})"
                if (u, y) in partial
                else ""
            )
            for u, y in lack
        ]
        raise InputError(
            en=f"GDP table: no GDP of {preview(named)}",
            zh="地区生产总值表缺少这些单位和年份",
            field="unit_code",
            values=[u for u, _ in lack],
        )
    years = [s.header.year for s in inventories]
    return gdp[gdp["unit_code"].isin(units) & gdp["year"].isin(years)].reset_index(drop=True)


@dataclass(frozen=True)
class DualControlProgress:
    """Totals, GDP and intensity per unit and year (``table``: ``intensity_table``'s
    columns and ``unit_name``), and one record per unit, target and inventory year
    (``records``) with the warnings of that target in that year."""

    years: list[int]
    price_year: int
    level: str
    gwp_set: str
    synthetic: bool
    table: pd.DataFrame
    records: list[dict[str, object]]
    warnings: pd.DataFrame


def _round(v: Any, digits: int) -> float | None:
    return None if v is None or pd.isna(v) else round(float(v), digits)


def _intensity(
    inventories: Sequence[StoredInventory], gdp: pd.DataFrame, level: str
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Totals, GDP and intensity of the units of ``level`` by year, with their names."""
    emissions = emissions_by_unit(inventories, level)
    table = intensity_table(emissions, gdp_for_level(gdp, inventories, level))
    units = region(inventories[0].header.region_adcode).units
    names = {int(u): units[int(u)].name if int(u) in units else str(u) for u in table["unit_code"]}
    table["unit_name"] = [names[int(u)] for u in table["unit_code"]]
    return table, names


def project_check(
    registry: Registry,
    inventories: Sequence[StoredInventory],
    gdp: pd.DataFrame,
    level: str,
    unit_code: int,
    added_co2: float,
    *,
    added_gdp: float = 0.0,
    year: int | None = None,
) -> ProjectWhatIf:
    """项目碳评价 on the inventories: the dual-control standing of ``unit_code`` (a unit of
    ``level``) in ``year`` (default: the last inventory year) without and with a project
    adding ``added_co2`` [万t CO2 a year] and ``added_gdp`` [亿元 at the GDP table's
    constant prices] (:func:`ganpo.tracking.dual_control.project_what_if`). The unit must
    be one of the inventories' units and have a dual-control target in ``registry``."""
    table, names = _intensity(inventories, gdp, level)
    if unit_code not in names:
        shown = ", ".join(f"{c} {n}" for c, n in list(names.items())[:12])
        raise InputError(
            en=f"unit {unit_code} is not a {level} of the inventories; their {level} units: "
            f"{shown}{' …' if len(names) > 12 else ''}",
            zh=f"该单位不在清单的{level}层级中",
            field="unit",
            values=[unit_code],
        )
    mine = {
        k: t
        for k, t in registry.targets.items()
        if t.indicator in (TOTAL, INTENSITY) and t.unit_code == unit_code
    }
    if not mine:
        raise InputError(
            en=f"the targets set no dual-control target for {names[unit_code]} ({unit_code}); "
            "give its targets in the targets file",
            zh="目标文件中没有该单位的双控目标",
            field="unit",
            values=[unit_code],
        )
    return project_what_if(
        replace(registry, targets=mine),
        table,
        unit_code,
        added_co2,
        added_gdp=added_gdp,
        year=year,
        unit_names=names,
    )


def dual_control_progress(
    registry: Registry,
    inventories: Sequence[StoredInventory],
    gdp: pd.DataFrame,
    level: str,
) -> DualControlProgress:
    """Dual-control progress of the units of ``level`` that have targets in ``registry``
    (:func:`ganpo.tracking.dual_control.register` and the targets loaded), as of every
    inventory year; ``gdp`` as :func:`gdp_at_constant_prices` returns it."""
    table, names = _intensity(inventories, gdp, level)
    ind = {k: registry.indicator(k) for k in (TOTAL, INTENSITY)}
    figures: dict[tuple[int, int], dict[Any, Any]] = {
        (int(r["unit_code"]), int(r["year"])): r for r in table.to_dict("records")
    }
    records: list[dict[str, object]] = []
    warns: list[pd.DataFrame] = []
    years = sorted(int(y) for y in table["year"].unique())
    # a target of a unit that is no adcode would be left out silently: refused
    here = region(inventories[0].header.region_adcode)
    nowhere = [
        t
        for t in registry.targets.values()
        if t.indicator in (TOTAL, INTENSITY)
        and t.unit_code not in names
        and known_unit(t.unit_code) is None
        and here.unit(t.unit_code) is None
    ]
    if nowhere:
        shown = ", ".join(f"{t.key!r} (unit_code {t.unit_code})" for t in nowhere[:5])
        raise InputError(
            en=f"{len(nowhere)} dual-control target(s) name a unit that is no administrative "
            f"code (no province, city, county or township of the built-in table): {shown}; "
            "correct the unit_code (e.g. 360100 for 南昌市), or delete the target",
            zh=f"{len(nowhere)} 个双控目标的 unit_code 不是行政区划代码：{shown}；请更正"
            "（如南昌市为 360100）或删除该目标",
            field="unit_code",
            values=[t.unit_code for t in nowhere],
        )
    # the targets of other levels' units (and of other regions) are left out
    mine = {
        k: t
        for k, t in registry.targets.items()
        if t.indicator in (TOTAL, INTENSITY) and t.unit_code in names
    }
    if not mine:
        raise InputError(
            en=f"the targets set none for a {level} of the inventories",
            zh="目标文件中没有这些单位的双控目标",
            field="unit_code",
            values=sorted({t.unit_code for t in registry.targets.values()}),
        )
    registry = replace(registry, targets=mine)
    for year in years:
        ov = overview(registry, table, year, unit_names=names)
        w = ov.warnings
        warns.append(w)
        for p in ov.progress.to_dict("records"):
            code, key = int(p["unit_code"]), str(p["indicator"])
            f = figures[(code, year)]
            hit = w[(w["target"] == p["target"]) & (w["unit_code"] == code)]
            zh, en = str(p["status_zh"]), str(p["status"])  # overview puts English in status
            records.append(
                {
                    "unit_code": code,
                    "unit_name": names[code],
                    "year": year,
                    "co2_total_10k_t": _round(f["co2_total"], 2),
                    "gdp_100m_yuan": _round(f["gdp"], 2),
                    "co2_intensity_t_per_10k_yuan": _round(f["co2_intensity"], 4),
                    "target": p["target"],
                    "indicator_zh": ind[key].name_zh,
                    "indicator_en": ind[key].name_en,
                    "target_value": _round(p["target_value"], 2 if key == TOTAL else 4),
                    "target_unit": ind[key].unit_in("zh"),
                    "period": f"{mine[str(p['target'])].first_year}–{p['last_year']}",
                    "time_elapsed_pct": _round(p["time_elapsed_pct"], 1),
                    "task_achieved_pct": _round(p["task_achieved_pct"], 1),
                    "achieved_rate_pct": _round(p["achieved_rate_pct"], 2),
                    "required_rate_pct": _round(p["required_rate_pct"], 2),
                    "status_zh": zh,
                    "status_en": en,
                    "warning_level_zh": "；".join(hit["level_zh"]),
                    "warning_level_en": "; ".join(hit["level_en"]),
                    "warning_zh": "；".join(hit["message_zh"]),
                    "warning_en": " ".join(hit["message_en"]),
                }
            )
    return DualControlProgress(
        years=years,
        price_year=int(table.attrs["price_year"]),
        level=level,
        gwp_set=inventories[0].header.gwp_set,
        synthetic=any(s.header.synthetic for s in inventories),
        table=table,
        records=records,
        warnings=pd.concat(warns, ignore_index=True),
    )
