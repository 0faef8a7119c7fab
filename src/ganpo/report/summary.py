"""Summary tables of an account's results (汇总表).

Every function takes the engine's long ``results`` table (one row per indicator ×
ecosystem type × county) and returns a small frame with named columns. All values are in
CNY (元); the CLI and the reports convert to 亿元 (1e8 CNY) for display. Shares are
fractions in [0, 1]; ``change_pct`` columns are percentages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd

from ganpo.catalog.ecosystems import ecosystem_types
from ganpo.catalog.indicators import CATEGORIES, indicators
from ganpo.errors import InputError
from ganpo.io.units import COUNTY_ATTRIBUTES, county_table, unit_codes, with_unit_columns
from ganpo.services.methods import PHYSICAL_NAMES

#: ``unit``: the units of the account's finest level (townships, villages …; for a
#: county-level account the counties themselves)
Level = Literal["unit", "county", "city", "province"]

RESULT_COLUMNS: tuple[str, ...] = (
    "indicator",
    "category",
    "ecosystem_code",
    "county_adcode",
    "quantity",
    "quantity_unit",
    "value_cny",
)
UNIT_COLUMNS: tuple[str, ...] = (*COUNTY_ATTRIBUTES, "area_km2")
UNIT_TABLE_COLUMNS: tuple[str, ...] = (
    "adcode",
    "name",
    "parent_adcode",
    "area_km2",
    "material_cny",
    "regulating_cny",
    "cultural_cny",
    "gep_cny",
    "gep_cny_per_km2",
)
GEP_KEY = "GEP"
GEP_NAME_ZH = "生态系统生产总值"
GEP_NAME_EN = "gross ecosystem product"


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            en=f"{what} lacks column(s) {', '.join(missing)}; "
            f"it has: {', '.join(map(str, frame.columns))}",
            zh=f"{what} 缺少列 "
            f"{', '.join(missing)}：请补上；现有列：{', '.join(map(str, frame.columns))}",
            field=", ".join(missing),
            values=missing,
        )


def _share(values: pd.Series) -> pd.Series:
    total = float(values.sum())
    if total == 0.0:
        return pd.Series(0.0, index=values.index)
    return values / total


def gep_by_category(results: pd.DataFrame) -> pd.DataFrame:
    """GEP by category (material, regulating, cultural), all three always present."""
    _require(results, RESULT_COLUMNS, "results")
    sums = results.groupby("category")["value_cny"].sum()
    unknown = sorted(set(sums.index) - set(CATEGORIES))
    if unknown:
        raise InputError(
            en=f"results has unknown categories {', '.join(unknown)}; "
            f"valid: {', '.join(CATEGORIES)}",
            zh=f"results 含未知的类别 {', '.join(unknown)}：有效类别为 {', '.join(CATEGORIES)}",
            field="category",
            values=unknown,
        )
    out = pd.DataFrame(
        {
            "category": list(CATEGORIES),
            "name_zh": [zh for zh, _ in CATEGORIES.values()],
            "name_en": [en for _, en in CATEGORIES.values()],
            "value_cny": sums.reindex(list(CATEGORIES), fill_value=0.0).astype("float64").values,
        }
    )
    out["share"] = _share(out["value_cny"])
    return out


def _indicator_order(keys: Iterable[str]) -> list[str]:
    """Catalogue order first, then keys the catalogue does not know, sorted."""
    present = set(keys)
    catalogue = [k for k in indicators() if k in present]
    return catalogue + sorted(present - set(catalogue))


def _indicator_names(keys: list[str]) -> tuple[list[str], list[str]]:
    cat = indicators()
    zh = [cat[k].name_zh if k in cat else k for k in keys]
    en = [cat[k].name_en if k in cat else k for k in keys]
    return zh, en


def gep_by_indicator(results: pd.DataFrame) -> pd.DataFrame:
    """Quantity and value by indicator, in catalogue order, only indicators present."""
    _require(results, RESULT_COLUMNS, "results")
    units = results.groupby("indicator")["quantity_unit"].nunique()
    mixed = sorted(units[units > 1].index)
    if mixed:
        raise InputError(
            en=f"results mixes quantity units within indicator(s) {', '.join(mixed)}; "
            "convert each indicator to one unit first",
            zh=f"results 中指标 {', '.join(mixed)} 的实物量单位不一：请先将每个指标换算为同一单位",
            field="quantity_unit",
            values=mixed,
        )
    grouped = results.groupby("indicator").agg(
        category=("category", "first"),
        quantity=("quantity", "sum"),
        quantity_unit=("quantity_unit", "first"),
        value_cny=("value_cny", "sum"),
    )
    order = _indicator_order(grouped.index)
    grouped = grouped.reindex(order)
    name_zh, name_en = _indicator_names(order)
    out = pd.DataFrame(
        {
            "indicator": order,
            "category": grouped["category"].values,
            "name_zh": name_zh,
            "name_en": name_en,
            "quantity": grouped["quantity"].astype("float64").values,
            "quantity_unit": grouped["quantity_unit"].values,
            "value_cny": grouped["value_cny"].astype("float64").values,
        }
    )
    out["share"] = _share(out["value_cny"])
    return out


def gep_by_ecosystem(results: pd.DataFrame) -> pd.DataFrame:
    """GEP by ecosystem type (code 0 = not attributed), in code order."""
    _require(results, RESULT_COLUMNS, "results")
    sums = results.groupby("ecosystem_code")["value_cny"].sum().sort_index()
    types = {t.code: t for t in ecosystem_types()}
    codes = [int(c) for c in sums.index]
    out = pd.DataFrame(
        {
            "ecosystem_code": pd.Series(codes, dtype="int64"),
            "key": [types[c].key if c in types else f"code_{c}" for c in codes],
            "name_zh": [types[c].name_zh if c in types else str(c) for c in codes],
            "name_en": [types[c].name_en if c in types else str(c) for c in codes],
            "value_cny": sums.astype("float64").values,
        }
    )
    out["share"] = _share(out["value_cny"])
    return out


def _county_values(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per county of ``units`` (of any level, rolled up: the county's rows are the
    sums of its units' rows and its own) with material/regulating/cultural CNY (0 if none)."""
    units = county_table(units)
    known = set(units["county_adcode"].astype("int64"))
    stray = sorted(set(results["county_adcode"].astype("int64")) - known)
    if stray:
        raise InputError(
            en="results has county_adcode(s) not in the units table: "
            f"{', '.join(map(str, stray[:5]))}{' …' if len(stray) > 5 else ''}; "
            "use the units table the account was run on",
            zh="results 中的县级行政区划代码"
            f"（county_adcode）{', '.join(map(str, stray[:5]))}{' …' if len(stray) > 5 else ''} "
            "不在核算单元表中：请使用该核算所用的核算单元表",
            field="county_adcode",
            values=stray,
        )
    pivot = results.pivot_table(
        index="county_adcode",
        columns="category",
        values="value_cny",
        aggfunc="sum",
        fill_value=0.0,
    )
    pivot = pivot.reindex(columns=list(CATEGORIES), fill_value=0.0)
    counties = pd.DataFrame(units.drop(columns="geometry", errors="ignore")).copy()
    counties["county_adcode"] = counties["county_adcode"].astype("int64")
    values = pivot.reindex(counties["county_adcode"].values, fill_value=0.0)
    for cat in CATEGORIES:
        counties[f"{cat}_cny"] = values[cat].astype("float64").values
    return counties


def _unit_values(results: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit of the finest level with its values: the rows whose unit code is
    one of ``units`` (county rows of statistics given per county are not split among a
    county's townships, so a township table leaves them out)."""
    units = with_unit_columns(pd.DataFrame(units.drop(columns="geometry", errors="ignore")))
    codes = unit_codes(units)
    rows = results[unit_codes(results).isin(set(codes))]
    pivot = rows.assign(unit_code=unit_codes(rows)).pivot_table(
        index="unit_code", columns="category", values="value_cny", aggfunc="sum", fill_value=0.0
    )
    pivot = pivot.reindex(columns=list(CATEGORIES), fill_value=0.0)
    values = pivot.reindex(codes.to_numpy(), fill_value=0.0)
    table = pd.DataFrame(
        {
            "adcode": codes.to_numpy(),
            "name": units["unit_name"].astype(str).to_numpy(),
            "parent": units["parent_code"].astype("int64").to_numpy(),
            "area_km2": units["area_km2"].astype("float64").to_numpy(),
        }
    )
    for cat in CATEGORIES:
        table[f"{cat}_cny"] = values[cat].astype("float64").to_numpy()
    return table


def gep_by_unit(results: pd.DataFrame, units: pd.DataFrame, level: Level) -> pd.DataFrame:
    """GEP by administrative unit: the account's own units (``unit``), county, city or
    province.

    Counties are sums of their rows (their units' and, for statistics given per county,
    their own), cities and provinces sums of their counties, so every level from county up
    adds up to the same total; counties without result rows appear with 0. The ``unit``
    level holds what is computed per unit of the account's level: for a township account,
    raster services and statistics given per township, not statistics given per county.
    """
    _require(results, RESULT_COLUMNS, "results")
    _require(units, UNIT_COLUMNS, "units")
    value_cols = [f"{cat}_cny" for cat in CATEGORIES]
    if level == "unit":
        table = _unit_values(results, units)
    elif level == "county":
        table = _county_values(results, units).rename(
            columns={"county_adcode": "adcode", "county_name": "name", "city_adcode": "parent"}
        )
    elif level in ("city", "province"):
        counties = _county_values(results, units)
        own, parent = ("city", "province_adcode") if level == "city" else ("province", None)
        keys = [f"{own}_adcode", f"{own}_name"] + ([parent] if parent else [])
        table = counties.groupby(keys, sort=True)[["area_km2", *value_cols]].sum().reset_index()
        table = table.rename(columns={f"{own}_adcode": "adcode", f"{own}_name": "name"})
        if parent:
            table = table.rename(columns={parent: "parent"})
        else:
            table["parent"] = pd.NA
    else:
        raise InputError(
            en=f"unknown level {level!r}; valid: unit, county, city, province",
            zh="未知的汇总层级 "
            f"{level!r}：有效层级为 unit（核算单元）、county（县）、city（市）、province（省）",
            field="level",
        )
    out = pd.DataFrame(
        {
            "adcode": table["adcode"].astype("int64").values,
            "name": table["name"].values,
            "parent_adcode": pd.array(table["parent"].tolist(), dtype="Int64"),
            "area_km2": table["area_km2"].astype("float64").values,
        }
    )
    for col in value_cols:
        out[col] = table[col].astype("float64").values
    out["gep_cny"] = out[value_cols].sum(axis=1)
    area = out["area_km2"].where(out["area_km2"] > 0)
    out["gep_cny_per_km2"] = out["gep_cny"] / area
    if out["adcode"].duplicated().any():
        dup = sorted(out.loc[out["adcode"].duplicated(), "adcode"].tolist())
        raise InputError(
            en=f"units has {level} adcode(s) with more than one name: {dup[:5]}",
            zh=f"units 中 {level} 级行政区划代码 {dup[:5]} 对应多个名称：每个代码只能有一个名称",
            field=f"{level}_name",
            values=dup,
        )
    return out.sort_values("adcode", ignore_index=True)


def physical_by_unit(
    physical: pd.DataFrame, units: pd.DataFrame, level: Literal["unit", "county"] = "county"
) -> pd.DataFrame:
    """Physical indicators reported beside the GEP (never valued), per county (or per unit
    of the account's level, ``level="unit"``): one row per indicator × unit of ``units``
    (0 where a unit has none), with the quantity per km² of its area. Empty when the
    account computed no physical indicator."""
    _require(units, UNIT_COLUMNS, "units")
    if level == "unit":
        finest = with_unit_columns(pd.DataFrame(units.drop(columns="geometry", errors="ignore")))
        units = finest.assign(
            county_adcode=finest["unit_code"],
            county_name=finest["unit_name"],
            city_adcode=finest["parent_code"],
        )
        physical = physical.assign(county_adcode=unit_codes(physical))
    else:
        units = county_table(units)
    columns = [
        "indicator",
        "name_zh",
        "name_en",
        "method",
        "adcode",
        "name",
        "parent_adcode",
        "area_km2",
        "quantity",
        "quantity_unit",
        "quantity_per_km2",
    ]
    if physical.empty:
        return pd.DataFrame(columns=columns)
    counties = pd.DataFrame(units.drop(columns="geometry", errors="ignore"))
    parts = []
    for (ind, method, unit), rows in physical.groupby(
        ["indicator", "method", "quantity_unit"], sort=True
    ):
        sums = rows.groupby("county_adcode")["quantity"].sum()
        zh, en = PHYSICAL_NAMES.get(str(ind), (str(ind), str(ind)))
        q = sums.reindex(counties["county_adcode"].astype("int64").values, fill_value=0.0)
        area = counties["area_km2"].astype("float64").where(counties["area_km2"] > 0)
        parts.append(
            pd.DataFrame(
                {
                    "indicator": ind,
                    "name_zh": zh,
                    "name_en": en,
                    "method": method,
                    "adcode": counties["county_adcode"].astype("int64").values,
                    "name": counties["county_name"].values,
                    "parent_adcode": counties["city_adcode"].astype("int64").values,
                    "area_km2": counties["area_km2"].astype("float64").values,
                    "quantity": q.astype("float64").values,
                    "quantity_unit": unit,
                    "quantity_per_km2": q.to_numpy(dtype="float64") / area.to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[columns]


def physical_totals(physical: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Each physical indicator over all of ``units``: total quantity and quantity per km²
    of their area (columns indicator, name_zh, name_en, method, quantity, quantity_unit,
    quantity_per_km2; no rows when the account computed none)."""
    by_county = physical_by_unit(physical, units)
    columns = ["indicator", "name_zh", "name_en", "method", "quantity", "quantity_unit"]
    if by_county.empty:
        return pd.DataFrame(columns=[*columns, "quantity_per_km2"])
    out = (
        by_county.groupby([*columns[:4], "quantity_unit"], sort=True)[["quantity", "area_km2"]]
        .sum()
        .reset_index()
    )
    area = out["area_km2"].where(out["area_km2"] > 0)
    out["quantity_per_km2"] = out["quantity"] / area
    return out[[*columns, "quantity_per_km2"]]


def top_bottom(
    by_unit: pd.DataFrame, n: int = 5, column: str = "gep_cny_per_km2"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` highest and ``n`` lowest units by ``column`` (highest and lowest first)."""
    _require(by_unit, [column], "by_unit")
    top = by_unit.nlargest(n, column).reset_index(drop=True)
    bottom = by_unit.nsmallest(n, column).reset_index(drop=True)
    return top, bottom


def _pct(change: pd.Series, base: pd.Series) -> pd.Series:
    return (100.0 * change / base.where(base != 0)).astype("float64")


def compare(
    results_a: pd.DataFrame, results_b: pd.DataFrame, label_a: str, label_b: str
) -> pd.DataFrame:
    """Change from account A to account B by indicator, with a final ``GEP`` total row.

    ``change_cny = value_b_cny - value_a_cny``; ``change_pct`` is that change in percent
    of ``value_a_cny`` (NaN when A is 0). The labels are kept in ``frame.attrs``.
    """
    _require(results_a, RESULT_COLUMNS, f"results {label_a}")
    _require(results_b, RESULT_COLUMNS, f"results {label_b}")
    a = results_a.groupby("indicator")["value_cny"].sum()
    b = results_b.groupby("indicator")["value_cny"].sum()
    cat_a = results_a.groupby("indicator")["category"].first()
    cat_b = results_b.groupby("indicator")["category"].first()
    order = _indicator_order([*a.index, *b.index])
    name_zh, name_en = _indicator_names(order)
    out = pd.DataFrame(
        {
            "indicator": order,
            "category": cat_a.combine_first(cat_b).reindex(order).values,
            "name_zh": name_zh,
            "name_en": name_en,
            "value_a_cny": a.reindex(order, fill_value=0.0).astype("float64").values,
            "value_b_cny": b.reindex(order, fill_value=0.0).astype("float64").values,
        }
    )
    total = pd.DataFrame(
        {
            "indicator": [GEP_KEY],
            "category": [""],
            "name_zh": [GEP_NAME_ZH],
            "name_en": [GEP_NAME_EN],
            "value_a_cny": [float(out["value_a_cny"].sum())],
            "value_b_cny": [float(out["value_b_cny"].sum())],
        }
    )
    out = pd.concat([out, total], ignore_index=True)
    out["change_cny"] = out["value_b_cny"] - out["value_a_cny"]
    out["change_pct"] = _pct(out["change_cny"], out["value_a_cny"])
    out.attrs.update(label_a=label_a, label_b=label_b)
    return out


def compare_units(by_unit_a: pd.DataFrame, by_unit_b: pd.DataFrame) -> pd.DataFrame:
    """Change of GEP and GEP per km² by unit between two :func:`gep_by_unit` tables.

    Units present in only one table get NaN on the other side.
    """
    cols = ["adcode", "name", "gep_cny", "gep_cny_per_km2"]
    _require(by_unit_a, cols, "by_unit_a")
    _require(by_unit_b, cols, "by_unit_b")
    merged = pd.merge(
        by_unit_a[cols], by_unit_b[cols], on="adcode", how="outer", suffixes=("_a", "_b")
    )
    out = pd.DataFrame(
        {
            "adcode": merged["adcode"].astype("int64"),
            "name": merged["name_a"].combine_first(merged["name_b"]),
            "gep_a_cny": merged["gep_cny_a"].astype("float64"),
            "gep_b_cny": merged["gep_cny_b"].astype("float64"),
        }
    )
    out["gep_change_cny"] = out["gep_b_cny"] - out["gep_a_cny"]
    out["gep_change_pct"] = _pct(out["gep_change_cny"], out["gep_a_cny"])
    out["gep_a_cny_per_km2"] = merged["gep_cny_per_km2_a"].astype("float64")
    out["gep_b_cny_per_km2"] = merged["gep_cny_per_km2_b"].astype("float64")
    out["gep_change_cny_per_km2"] = out["gep_b_cny_per_km2"] - out["gep_a_cny_per_km2"]
    return out.sort_values("adcode", ignore_index=True)


__all__ = [
    "GEP_KEY",
    "RESULT_COLUMNS",
    "UNIT_COLUMNS",
    "compare",
    "compare_units",
    "gep_by_category",
    "gep_by_ecosystem",
    "gep_by_indicator",
    "gep_by_unit",
    "top_bottom",
]
