"""The sink account by unit and year, and its reconciliation with the GEP account's
carbon-sequestration indicator (issue 15, "one carbon truth").

The account (:func:`sink_account`) is the inventory's LULUCF CO2 by unit code, year and
ecosystem (forest, cropland, grassland, wetland), negative for a removal. The
reconciliation (:func:`reconcile_with_gep`) sets it beside the GEP account's
carbon-sequestration rows of a year (t CO2 sequestered, positive) and splits the
difference into the parts that can be computed — ecosystems counted in only one of the two
(coverage) — and the rest, labelled unexplained with its amount: the two methods (the
inventory's stock change of tree biomass or rates, the GEP's NPP- or NEP-based flux) and a
year the inventory does not have are said, never silently taken as agreement.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ganpo.carbon.regions import region
from ganpo.carbon.result import Emissions, emissions_table
from ganpo.carbon.sinks import FOREST_CATEGORY, RATE_CATEGORIES
from ganpo.catalog.ecosystems import level1
from ganpo.errors import InputError, TableError

#: the ecosystem (level-1 key of the ecosystem classification) of each sink category
CATEGORY_ECOSYSTEM = {FOREST_CATEGORY: "forest"} | {c: e for e, c in RATE_CATEGORIES.items()}
ECOSYSTEM_NAMES = {
    "forest": ("森林", "forest"),
    "cropland": ("农田", "cropland"),
    "grassland": ("草地", "grassland"),
    "wetland": ("湿地", "wetland"),
    "shrub": ("灌丛", "shrubland"),
    "water": ("水体", "water"),
    "built_up": ("城镇", "built-up"),
    "bare": ("裸地", "bare land"),
    "unattributed": ("不分类型", "not attributed"),
}
ACCOUNT_COLUMNS = [
    "unit_code",
    "year",
    "ecosystem",
    "ecosystem_zh",
    "ecosystem_en",
    "method",
    "co2_t",
]
RECONCILIATION_COLUMNS = [
    "unit_code",
    "year",
    "part",
    "ecosystem",
    "amount_t",
    "explanation_zh",
    "explanation_en",
]
GEP_TABLE = "GEP carbon sequestration"
GEP_INDICATOR = "carbon_sequestration"
_GEP_UNITS = {"t CO2": 1.0, "tCO2": 1.0, "万t CO2": 1e4, "10^4 t CO2": 1e4}


def sink_account(
    *,
    stock_difference: Emissions | None = None,
    gain_loss: Emissions | None = None,
    rates: Emissions | None = None,
) -> pd.DataFrame:
    """The sink by unit code, year and ecosystem [t CO2/a, negative = removal].

    Forest comes from one forest method, :func:`~ganpo.carbon.sinks.forest_stock_difference`
    or :func:`~ganpo.carbon.sinks.forest_gain_loss` (both for one unit and year would
    count the forest twice, and are refused); wetland, grassland and cropland soil from
    :func:`~ganpo.carbon.sinks.rate_sinks`. Columns: ``unit_code``, ``year``,
    ``ecosystem`` (forest, cropland, grassland, wetland), ``ecosystem_zh``,
    ``ecosystem_en``, ``method``, ``co2_t`` (the correctly rounded sum of its rows).
    """
    parts = []
    for method, em in (
        ("stock_difference", stock_difference),
        ("gain_loss", gain_loss),
        ("rate", rates),
    ):
        if em is None or em.table.empty:
            continue
        t = em.table
        other = ~t["category_code"].isin(CATEGORY_ECOSYSTEM)
        if other.any():
            code = t.loc[other, "category_code"].iloc[0]
            raise InputError(
                en=f"the {method} results hold category {code}, which is no sink category; the "
                f"account takes {', '.join(CATEGORY_ECOSYSTEM)}",
                zh="碳汇账户只接受碳汇类别",
                field=method,
                values=[code],
            )
        t = t.assign(ecosystem=t["category_code"].map(CATEGORY_ECOSYSTEM), method=method)
        parts.append(t)
    if not parts:
        return pd.DataFrame(columns=ACCOUNT_COLUMNS)
    rows = pd.concat(parts, ignore_index=True)
    forest = rows[rows["ecosystem"] == "forest"]
    both = forest.groupby(["unit_code", "year"])["method"].nunique()
    if (both > 1).any():
        unit, year = both[both > 1].index[0]
        raise InputError(
            en=f"unit {unit}, {year}: forest is given by both the stock-difference and the "
            "gain-loss method; the account takes one (summed they count the forest twice)",
            zh=f"单位 {unit} {year} 年森林碳汇同时给出两种方法的结果，只能取其一",
            field="forest",
            values=[unit, year],
        )
    keys = ["unit_code", "year", "ecosystem", "method"]
    out = rows.groupby(keys, sort=True)["quantity_t"].agg(math.fsum).reset_index()
    out = out.rename(columns={"quantity_t": "co2_t"})
    out["ecosystem_zh"] = out["ecosystem"].map(lambda e: ECOSYSTEM_NAMES[e][0])
    out["ecosystem_en"] = out["ecosystem"].map(lambda e: ECOSYSTEM_NAMES[e][1])
    return out[ACCOUNT_COLUMNS]


def _gep_rows(gep: pd.DataFrame, unit_column: str) -> pd.DataFrame:
    """The GEP carbon-sequestration rows: unit, level-1 ecosystem, t CO2."""
    cols = ["indicator", "ecosystem_code", unit_column, "quantity", "quantity_unit"]
    missing = [c for c in cols if c not in gep.columns]
    if missing:
        raise TableError(
            en=f"table {GEP_TABLE!r} lacks column(s) {', '.join(missing)}; give the GEP account's "
            f"result rows (columns {', '.join(cols)})",
            zh=f"GEP 结果表缺少列 {'、'.join(missing)}",
            source=GEP_TABLE,
            field=missing[0],
            values=missing,
        )
    rows = gep[gep["indicator"] == GEP_INDICATOR]
    out = []
    for i, r in rows.iterrows():
        unit = str(r["quantity_unit"]).strip()
        q = pd.to_numeric(pd.Series([r["quantity"]]), errors="coerce").iloc[0]
        if unit not in _GEP_UNITS or pd.isna(q):
            bad, value = ("quantity_unit", unit) if unit not in _GEP_UNITS else ("quantity", q)
            raise TableError(
                en=f"table {GEP_TABLE!r}, row {i} (unit code {r[unit_column]}): column {bad!r} "
                f"value {value!r} cannot be read as t CO2; carbon sequestration is compared in "
                "t CO2 (or 万t CO2)",
                zh="GEP 固碳量须以吨二氧化碳计",
                source=GEP_TABLE,
                field=bad,
                values=[value],
            )
        out.append(
            {
                "unit_code": int(r[unit_column]),
                "ecosystem": level1(int(r["ecosystem_code"])).key,
                "t": float(q) * _GEP_UNITS[unit],
            }
        )
    return pd.DataFrame(out, columns=["unit_code", "ecosystem", "t"])


def _line(unit: Any, year: int, part: str, eco: str, t: float, zh: str, en: str) -> dict[str, Any]:
    return {
        "unit_code": unit,
        "year": year,
        "part": part,
        "ecosystem": eco,
        "amount_t": t,
        "explanation_zh": zh,
        "explanation_en": en,
    }


def reconcile_with_gep(
    account: pd.DataFrame,
    gep: pd.DataFrame,
    year: int,
    *,
    gep_method: str,
    unit_column: str = "county_adcode",
) -> pd.DataFrame:
    """The inventory's sink beside the GEP carbon sequestration of ``year``, per unit.

    ``account``: :func:`sink_account`. ``gep``: the GEP account's result rows (columns
    ``indicator``, ``ecosystem_code``, ``quantity``, ``quantity_unit`` and
    ``unit_column``, the county adcode by default); its rows of indicator
    ``carbon_sequestration`` are summed per unit. ``gep_method``: the GEP method that
    made them (net_ecosystem_production, nep, npp_photosynthesis), named in the
    explanations.

    One row per unit and ``part`` (all in t CO2, a removal positive, as the GEP counts):

    - ``inventory``: the inventory's removal, −Σ co2_t of the unit's account in ``year``;
    - ``gep``: the GEP quantity;
    - ``difference``: gep − inventory;
    - ``coverage``, one per ecosystem counted in only one of the two: the GEP's quantity
      of an ecosystem the inventory has no row for, or minus the inventory's removal of
      one the GEP does not count (cropland soil, outside the GEP's carbon vegetation);
    - ``unexplained``: difference − Σ coverage, the two methods on the ecosystems both
      count (and, with no inventory row in ``year`` at all, the year): not decomposed.

    The parts of a unit sum to its difference exactly (math.fsum).
    """
    g = _gep_rows(gep, unit_column)
    acc = account[account["year"] == year]
    inv = _by_unit(acc, "co2_t")
    gep_by = _by_unit(g, "t")
    inv_years: dict[int, list[int]] = {}
    for u, y in zip(account["unit_code"], account["year"], strict=True):
        inv_years.setdefault(int(u), []).append(int(y))
    units = sorted(set(inv) | set(gep_by) | set(inv_years))
    mz, me = _method_names(gep_method)
    lines = []
    for unit in units:
        inv_u = {e: -v for e, v in inv.get(unit, {}).items()}
        gep_u = gep_by.get(unit, {})
        removal = math.fsum(inv_u.values())
        gq = math.fsum(gep_u.values())
        diff = gq - removal
        lines += [
            _line(unit, year, "inventory", "all", removal, "清单碳汇（清除量）",
                  "inventory sink (removal)"),
            _line(unit, year, "gep", "all", gq, f"GEP 固碳量（{mz}）",
                  f"GEP carbon sequestration ({me})"),
            _line(unit, year, "difference", "all", diff, "差额 = GEP − 清单",
                  "difference = GEP − inventory"),
        ]  # fmt: skip
        explained = []
        for eco in sorted(set(gep_u) - set(inv_u)):
            ez, ee = ECOSYSTEM_NAMES.get(eco, (eco, eco))
            explained.append(gep_u[eco])
            lines.append(
                _line(unit, year, "coverage", eco, gep_u[eco],
                      f"覆盖范围：{ez}计入 GEP 而未计入清单",
                      f"coverage: {ee} counted in the GEP, not in the inventory")
            )  # fmt: skip
        for eco in sorted(set(inv_u) - set(gep_u)):
            ez, ee = ECOSYSTEM_NAMES.get(eco, (eco, eco))
            explained.append(-inv_u[eco])
            lines.append(
                _line(unit, year, "coverage", eco, -inv_u[eco],
                      f"覆盖范围：{ez}计入清单而未计入 GEP",
                      f"coverage: {ee} counted in the inventory, not in the GEP")
            )  # fmt: skip
        rest = math.fsum([diff, *(-x for x in explained)])
        common = sorted(set(inv_u) & set(gep_u))
        names_zh = "、".join(ECOSYSTEM_NAMES.get(e, (e, e))[0] for e in common)
        names_en = ", ".join(ECOSYSTEM_NAMES.get(e, (e, e))[1] for e in common)
        zh = f"未解释：双方都计入的生态系统（{names_zh or '无'}）上清单方法与 GEP {mz}之差，未分解"
        en = (
            f"unexplained: the inventory's methods against the GEP's {me} on the ecosystems "
            f"both count ({names_en or 'none'}), not decomposed"
        )
        years = sorted(set(inv_years.get(unit, [])))
        if not inv_u and years:
            shown = ", ".join(str(y) for y in years)
            zh += f"；清单无 {year} 年数据（有 {shown} 年），年份差异未能计算"
            en += f"; the inventory has no {year} (it has {shown}), the year's part not computed"
        lines.append(_line(unit, year, "unexplained", "all", rest, zh, en))
    return pd.DataFrame(lines, columns=RECONCILIATION_COLUMNS)


def _by_unit(df: pd.DataFrame, column: str) -> dict[int, dict[str, float]]:
    """``column`` summed (correctly rounded) per unit code and ecosystem."""
    parts: dict[int, dict[str, list[float]]] = {}
    for u, e, v in zip(df["unit_code"], df["ecosystem"], df[column], strict=True):
        parts.setdefault(int(u), {}).setdefault(str(e), []).append(float(v))
    return {u: {e: math.fsum(v) for e, v in d.items()} for u, d in parts.items()}


def _method_names(method: str) -> tuple[str, str]:
    names = {
        "net_ecosystem_production": ("净生态系统生产力法", "net ecosystem production"),
        "nep": ("NEP/NPP 比例法", "NEP as a share of NPP"),
        "npp_photosynthesis": (
            "光合作用总固定量法（非净固碳）",
            "gross uptake 1.63 × NPP, not net",
        ),
    }
    if method not in names:
        raise InputError(
            en=f"GEP carbon-sequestration method {method!r} is not known; give one of "
            f"{', '.join(names)}",
            zh="未知的 GEP 固碳核算方法",
            field="gep_method",
            values=[method],
        )
    return names[method]


#: sink categories counted by rate (the rest of CATEGORY_ECOSYSTEM is the forest)
_RATE_CODES = set(RATE_CATEGORIES.values())
_GRAMS_PER_T = 1_000_000


def inventory_sink_account(rows: pd.DataFrame, year: int, level: str) -> pd.DataFrame:
    """The sink account (:func:`sink_account`) of an inventory's rows of ``level``.

    ``rows``: the integer-gram rows of a stored inventory (``unit_code``, ``level``,
    ``category_code``, ``gas``, ``quantity_g`` …, :attr:`ganpo.carbon.inventory.Inventory.
    rows`) of ``year``. The forest (3.B.1.a) of a dataset comes from its forest-inventory
    table, by the stock-difference method; wetland, grassland and cropland soil by rate.
    An inventory without sink rows gives an empty account; a level it does not have is
    refused.
    """
    if not (rows["level"] == level).any():
        have = ", ".join(sorted(set(rows["level"])))
        raise InputError(
            en=f"the inventory has no rows at level {level!r}; its levels: {have}",
            zh="清单中没有该层级的数据",
            field="level",
            values=[level],
        )
    sel = rows[(rows["level"] == level) & rows["category_code"].isin(CATEGORY_ECOSYSTEM)]
    sel = sel[sel["gas"] == "CO2"]
    parts: dict[str, list[dict[str, object]]] = {}
    for unit, code, grams in zip(
        sel["unit_code"], sel["category_code"], sel["quantity_g"], strict=True
    ):
        eco = CATEGORY_ECOSYSTEM[str(code)]
        method = "rate" if code in _RATE_CODES else "stock_difference"
        parts.setdefault(method, []).append(
            {
                "unit_code": int(unit),
                "year": year,
                "category_code": str(code),
                "item_zh": ECOSYSTEM_NAMES[eco][0],
                "item_en": ECOSYSTEM_NAMES[eco][1],
                "gas": "CO2",
                "quantity_t": int(grams) / _GRAMS_PER_T,
            }
        )
    made = {m: Emissions(emissions_table(p)) for m, p in parts.items()}
    return sink_account(stock_difference=made.get("stock_difference"), rates=made.get("rate"))


def gep_rows_at_level(gep: pd.DataFrame, region_code: int, level: str) -> pd.DataFrame:
    """The GEP result rows with ``unit_code`` replaced by their unit at ``level`` (county:
    ``county_adcode``; city: the county's city in the built-in district table), for
    :func:`reconcile_with_gep` (``unit_column="unit_code"``). A county the table does
    not place in the region of ``region_code`` is refused at city level."""
    if "county_adcode" not in gep.columns:
        raise TableError(
            en=f"table {GEP_TABLE!r} lacks column county_adcode; give the GEP account's result "
            "rows",
            zh="GEP 结果表缺少 county_adcode 列",
            source=GEP_TABLE,
            field="county_adcode",
        )
    counties = gep["county_adcode"].astype("int64")
    if level == "county":
        return gep.assign(unit_code=counties.to_numpy())
    reg = region(region_code)
    codes = []
    for c in counties:
        unit = reg.unit(int(c))
        found = [a for a in reg.ancestors(int(c)) if reg.units[a].level == level] if unit else []
        if not found:
            raise TableError(
                en=f"table {GEP_TABLE!r}: county {c} is not a county of {reg.name} with a "
                f"{level}; the reconciliation by {level} places each GEP county in its "
                f"{level} (reconcile by county instead)",
                zh=f"GEP 区县 {c} 不在清单地区内",
                source=GEP_TABLE,
                field="county_adcode",
                values=[int(c)],
            )
        codes.append(found[0])
    return gep.assign(unit_code=codes)
