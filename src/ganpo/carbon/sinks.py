"""Ecosystem carbon sinks (IPCC 3.B, LULUCF): forest by the stock-difference and the
gain-loss methods, wetland, grassland and cropland soil by sequestration rates.

Results are :class:`~ganpo.carbon.result.Emissions` in the inventory's format, CO2 only,
removals negative, so that they combine with the emission categories
(:func:`~ganpo.carbon.result.combine`). Forest carbon follows IPCC 2006 Vol. 4 Ch. 2
(Eq. 2.8 for the stock, Eq. 2.5 for the stock difference, Eq. 2.7, 2.9, 2.11–2.14 for gains
and losses) and the LUCF chapter of the provincial guideline (省级温室气体清单编制指南
（试行）, NDRC 2011), which converts inventory volume with the same chain of factors.
Factors come from a sink factor set (:mod:`ganpo.carbon.sinks_factors`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ganpo.carbon.factors import Factor, FactorUse, use
from ganpo.carbon.inputs import activity_table, amount_factor, quantities, where, where_zh
from ganpo.carbon.result import Emissions, emissions_table
from ganpo.carbon.sinks_factors import (
    AREA_FACTORS,
    CULM_FACTORS,
    RATE_UNIT,
    VOLUME_FACTORS,
    SinkFactorSet,
    sink_factor_set,
)
from ganpo.errors import TableError

STOCK_TABLE = "forest stock"
GROWTH_TABLE = "forest growth"
LOSS_TABLE = "forest losses"
RATE_TABLE = "ecosystem areas"
FOREST_CATEGORY = "3.B.1.a"
#: the category of each ecosystem counted by rate
RATE_CATEGORIES = {"cropland": "3.B.2.a", "grassland": "3.B.3.a", "wetland": "3.B.4.a"}
#: the kinds of forest loss, with their names
LOSS_KINDS = {
    "commercial_harvest": ("商品材采伐", "commercial harvest"),
    "fuelwood": ("薪材采伐", "fuelwood"),
    "disturbance": ("灾害损失", "disturbance (fire, pests, storms)"),
}
_CO2_PER_C = 44.0 / 12.0
#: culm counts as forestry statistics give them
_CULMS = {"culm": 1.0, "株": 1.0, "根": 1.0, "万株": 1e4, "万根": 1e4}
_VOLUME_UNITS = ("m3", "m³", "立方米", "万m3", "万m³", "万立方米", "亿m3", "亿m³", "亿立方米")
#: the most a row of a forest inventory can hold, by basis (in m³, culms, hm²): the
#: world's growing stock is about 5.6·10¹¹ m³ (FAO, Global Forest Resources Assessment
#: 2020), its land about 1.5·10¹⁰ hm², its bamboo forests some 10¹¹ culms; a row beyond
#: these is a wrong unit or a typing error, and would give an absurd (or no) sink
MAX_STOCK = {"volume": 1e12, "culms": 1e13, "area": 1.5e10}
_BASIS_UNITS = {"volume": ("m3", "立方米"), "culms": ("culms", "株"), "area": ("hm2", "公顷")}
#: area units written as Chinese statistics write them, mapped to ones ganpo reads
_AREA_ALIASES = {"平方公里": "km2", "平方千米": "km2", "万平方公里": "10^4 km2"}


def _forest_factors(
    f: SinkFactorSet, table: str, df: pd.DataFrame, i: Any, basis: dict[str, str]
) -> dict[str, tuple[str, Factor]]:
    """The factors of the row's forest type for ``basis``; an unknown type lists the types
    that have factors, a type without one of them names the factor missing."""
    kind = str(df.loc[i, "forest_type"])
    types = f.types_under("forest")
    if kind not in types:
        raise TableError(
            en=f"{where(table, df, i)}: column 'forest_type' value {kind!r} is not a forest type "
            f"of sink factor set {f.name!r}; types with factors: {', '.join(types)}. Report "
            "it as one of these or add its factors with their source",
            zh=f"{where_zh(table, df, i)}：森林类型 {kind} 不在因子集中",
            source=table,
            field="forest_type",
            values=[kind],
        )
    out = {}
    for name, unit in basis.items():
        key = f"forest.{kind}.{name}"
        if key not in f.factors:
            have = sorted(k for k in f.factors if k.startswith(f"forest.{kind}."))
            raise TableError(
                en=f"{where(table, df, i)}: forest type {kind!r} has no factor {key!r} ({unit}) "
                f"in sink factor set {f.name!r}, which this row's unit needs; it has "
                f"{', '.join(have)}. Add the factor with its source (SinkFactorSet."
                "with_factors) or give the row in a unit the type has factors for",
                zh=f"{where_zh(table, df, i)}：森林类型 {kind} 缺少因子 {key}",
                source=table,
                field="forest_type",
                values=[key],
            )
        out[name] = (key, f.get(key, unit))
    return out


def _area_hm2(table: str, df: pd.DataFrame, i: Any, unit: str) -> float:
    """hm² per the row's area ``unit`` (hm2, ha, 公顷, 千公顷, 万公顷, 亩, 万亩, km2, km²,
    平方公里); any other unit names the row."""
    u = _AREA_ALIASES.get(unit.strip(), unit)
    return amount_factor(table, df, i, u, "hm2")


def _basis(table: str, df: pd.DataFrame, i: Any, unit: str) -> tuple[str, float]:
    """The basis of a stock row from its unit (``volume`` m³, ``culms`` or ``area`` hm²)
    and the factor to that base unit."""
    u = unit.strip()
    if u in _CULMS:
        return "culms", _CULMS[u]
    if u in _VOLUME_UNITS:
        return "volume", amount_factor(table, df, i, u.replace("立方米", "m3"), "m3")
    try:
        return "area", _area_hm2(table, df, i, u)
    except TableError as exc:
        raise TableError(
            en=f"{where(table, df, i)}: column 'unit' value {unit!r} is neither a volume (m3, "
            f"万m3, 亿m3), a culm count (株, 万株) nor an area (hm2, 公顷, 亩, km2): give stand "
            "volume, bamboo culms or the area of a type counted by carbon density",
            zh=f"{where_zh(table, df, i)}：单位 {unit} 不是蓄积量、株数或面积单位",
            source=table,
            field="unit",
            values=[unit],
        ) from exc


def stand_carbon(
    volume_m3: Any, density: float, bef: float, root_shoot: float, carbon_fraction: float
) -> Any:
    """Carbon [t C] in the living biomass of a stand of volume ``volume_m3`` [m³].

    .. math:: C = V \\times D \\times BEF \\times (1 + R) \\times CF

    IPCC 2006 Vol. 4 Eq. 2.8 (biomass from merchantable volume with D × BEF, the root-to-
    shoot ratio R for below-ground biomass) times the carbon fraction CF of dry matter; the
    provincial guideline (2011) converts inventory volume likewise. ``density`` D basic
    wood density [t/m³], ``bef`` [1], ``root_shoot`` R [1], ``carbon_fraction`` [1].

    >>> round(stand_carbon(1000.0, 0.4, 1.5, 0.25, 0.5), 6)  # 1000×0.4×1.5×1.25×0.5
    375.0
    """
    return volume_m3 * density * bef * (1.0 + root_shoot) * carbon_fraction


def forest_carbon_stock(
    stock: pd.DataFrame,
    factor_set: str | SinkFactorSet = "cn-forestry",
    *,
    table: str = STOCK_TABLE,
) -> tuple[pd.DataFrame, list[FactorUse]]:
    """Carbon [t C] in forest living biomass by unit code, year and forest type.

    ``stock``: ``unit_code``, ``year``, ``forest_type`` (a type of the factor set),
    ``quantity`` ≥ 0 and ``unit``, which says how the type is counted:

    - stand volume (m3, 万m3, 亿m3): :func:`stand_carbon`, C = V × D × BEF × (1+R) × CF;
    - bamboo culms (株, 万株): C = N × W × (1+R) × CF, W the above-ground dry biomass of a
      culm [t/culm] (IPCC 2006 Vol. 4 Eq. 2.8 with biomass per culm in place of D × BEF);
    - area (hm2, 公顷, 亩, km2): C = A × carbon density [t C/hm²] (economic forest,
      bamboo by area).

    Returns the table (``unit_code``, ``year``, ``forest_type``, ``carbon_t``) and the
    factors used.
    """
    cols = ["unit_code", "year", "forest_type", "quantity", "unit"]
    activity = activity_table(table, stock, cols)
    f = sink_factor_set(factor_set)
    amount = quantities(table, activity)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        basis, scale = _basis(table, activity, i, str(r["unit"]))
        q = float(amount.iloc[pos]) * scale
        if q > MAX_STOCK[basis]:
            raw, (en, zh) = f"{float(amount.iloc[pos]):g}", _BASIS_UNITS[basis]
            raise TableError(
                en=f"{where(table, activity, i)}: column 'quantity' value {raw} {r['unit']} is "
                f"{q:.3g} {en}, more than any forest holds (at most {MAX_STOCK[basis]:.3g} "
                f"{en}, above the world's total): check the value and its unit",
                zh=f"{where_zh(table, activity, i)}"
                f"：quantity 的值 {raw} {r['unit']} 即 {q:.3g} {zh}，"
                f"超过上限 {MAX_STOCK[basis]:.3g} {zh}（大于全球总量）：请核对数值和单位",
                source=table,
                field="quantity",
                values=[raw],
            )
        if basis == "volume":
            fs = _forest_factors(f, table, activity, i, VOLUME_FACTORS)
            c = stand_carbon(
                q,
                fs["density"][1].value,
                fs["bef"][1].value,
                fs["root_shoot"][1].value,
                fs["carbon_fraction"][1].value,
            )
        elif basis == "culms":
            fs = _forest_factors(f, table, activity, i, CULM_FACTORS)
            c = (
                q
                * fs["culm_biomass"][1].value
                * (1.0 + fs["root_shoot"][1].value)
                * fs["carbon_fraction"][1].value
            )
        else:
            fs = _forest_factors(f, table, activity, i, AREA_FACTORS)
            c = q * fs["carbon_density"][1].value
        used += [use(f"{f.name}.{key}", fac) for key, fac in fs.values()]
        rows.append(
            {
                "unit_code": r["unit_code"],
                "year": int(r["year"]),
                "forest_type": str(r["forest_type"]),
                "carbon_t": c,
            }
        )
    out = pd.DataFrame(rows, columns=["unit_code", "year", "forest_type", "carbon_t"])
    return out, used


def stand_volume_m3(stock: pd.DataFrame, *, table: str = STOCK_TABLE) -> pd.Series:
    """Stand volume [m³] of each row of a forest inventory (columns of
    :func:`forest_carbon_stock`), by the row's unit (m3, 万m3, 亿m3, 万立方米); NaN for a row
    counted by culms or by area (bamboo, economic forest), which has no stand volume. The
    rows and units are read as :func:`forest_carbon_stock` reads them.

    >>> s = pd.DataFrame({"unit_code": [1, 1], "year": [2021, 2021], "quantity": [2.5, 300.0],
    ...                   "forest_type": ["chinese_fir", "bamboo"], "unit": ["万m3", "万株"]})
    >>> stand_volume_m3(s).tolist()
    [25000.0, nan]
    """
    cols = ["unit_code", "year", "forest_type", "quantity", "unit"]
    activity = activity_table(table, stock, cols)
    amount = quantities(table, activity)
    out = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        basis, scale = _basis(table, activity, i, str(r["unit"]))
        out.append(float(amount.iloc[pos]) * scale if basis == "volume" else float("nan"))
    return pd.Series(out, index=activity.index, dtype="float64", name="volume_m3")


def forest_stock_difference(
    first: pd.DataFrame,
    second: pd.DataFrame,
    factor_set: str | SinkFactorSet = "cn-forestry",
    *,
    region: int | None = None,
    level: str | None = None,
    table: str = STOCK_TABLE,
) -> Emissions:
    """CO2 [t/a] of forest land remaining forest land (3.B.1.a), stock-difference method.

    .. math:: \\Delta C = \\frac{C_{t_2} - C_{t_1}}{t_2 - t_1}, \\qquad
              E_{CO_2} = -\\Delta C \\times 44/12

    IPCC 2006 Vol. 4 Eq. 2.5 (annual carbon stock change in living biomass from two
    inventories), each stock by :func:`forest_carbon_stock` (Eq. 2.8). ``first`` and
    ``second`` are the two inventories (columns of :func:`forest_carbon_stock`); a unit's
    forest type must be in both (give a type that appeared or disappeared with quantity 0)
    and its year in ``second`` must be later than in ``first``; each holds one row per unit
    and forest type (a dataset's forest table is checked for repeated rows when it is read,
    :func:`ganpo.carbon.inventory.read_dataset`). The mean annual change of
    the interval is reported for each year t₁ < t ≤ t₂ of it. A gain of carbon is a
    removal, negative CO2.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`). ``table`` names the stock table in messages.

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2016], "forest_type": ["chinese_fir"],
    ...                   "quantity": [100.0], "unit": ["万m3"]})
    >>> b = a.assign(year=2021, quantity=110.0)
    >>> t = forest_stock_difference(a, b).table
    >>> # 2×10⁴ m³/a × 0.307 × 1.634 × 1.246 × 0.520 = 6500.4 t C/a, × 44/12
    >>> t["year"].tolist(), round(float(t["quantity_t"].iloc[0]), 1)
    ([2017, 2018, 2019, 2020, 2021], -23834.9)
    """
    tables = (f"{table}, first inventory", f"{table}, second inventory")
    frames = []
    for name, df in zip(tables, (first, second), strict=True):
        cols = ["unit_code", "year", "forest_type", "quantity", "unit"]
        frames.append(
            activity_table(name, df, cols, region=region, level=level, same=["forest_type"])
        )
    f = sink_factor_set(factor_set)
    c1, used1 = forest_carbon_stock(frames[0], f, table=tables[0])
    c2, used2 = forest_carbon_stock(frames[1], f, table=tables[1])
    c1.index, c2.index = frames[0].index, frames[1].index
    key = ["unit_code", "forest_type"]
    merged = c1.reset_index().merge(
        c2.reset_index(), on=key, how="outer", suffixes=("_1", "_2"), indicator=True
    )
    rows = []
    for _, m in merged.iterrows():
        if m["_merge"] != "both":
            which, other = (0, 1) if m["_merge"] == "left_only" else (1, 0)
            i = int(m["index_1"] if which == 0 else m["index_2"])  # float: NaN in the other
            raise TableError(
                en=f"{where(tables[which], frames[which], i)}: forest type {m['forest_type']!r} "
                f"of unit {m['unit_code']} has no row in the {tables[other].rsplit(', ', 1)[1]}; "
                "give it in both inventories (quantity 0 where the type is absent)",
                zh=f"{where_zh(tables[which], frames[which], i)}"
                f"：森林类型 {m['forest_type']} 须在两期清查中都有数据（无则填 0）",
                source=tables[which],
                field="forest_type",
                values=[m["forest_type"]],
            )
        t1, t2 = int(m["year_1"]), int(m["year_2"])
        if t2 <= t1:
            i = m["index_2"]
            raise TableError(
                en=f"{where(tables[1], frames[1], i)}: column 'year' value {t2} is not later than "
                f"the first inventory's year {t1} for unit {m['unit_code']}, forest type "
                f"{m['forest_type']!r}; the stock difference needs t2 > t1: give the earlier "
                "inventory first",
                zh=f"{where_zh(tables[1], frames[1], i)}：第二期清查年份 {t2} 须晚于第一期 {t1}",
                source=tables[1],
                field="year",
                values=[t2, t1],
            )
        delta_c = (float(m["carbon_t_2"]) - float(m["carbon_t_1"])) / (t2 - t1)
        item = f.type_names(str(m["forest_type"]))
        for year in range(t1 + 1, t2 + 1):
            rows.append(_co2_row(m["unit_code"], year, FOREST_CATEGORY, item, -delta_c))
    return Emissions(emissions_table(rows), used1 + used2)


def forest_sink_of_year(
    stock: pd.DataFrame,
    year: int,
    factor_set: str | SinkFactorSet = "cn-forestry",
    *,
    region: int | None = None,
    level: str | None = None,
    table: str = STOCK_TABLE,
) -> Emissions:
    """CO2 [t/a] of forest land remaining forest land (3.B.1.a) in ``year``, by the stock
    difference of the two forest inventories whose interval holds it.

    ``stock``: the rows of every forest inventory of the units (columns of
    :func:`forest_carbon_stock`, ``year`` the inventory's year). For each unit the
    inventories t₁ = the last before ``year`` and t₂ = the first in or after it
    (t₁ < year ≤ t₂) are taken and :func:`forest_stock_difference` (IPCC 2006 Vol. 4
    Eq. 2.5) gives the interval's mean annual change, reported for ``year``. A unit with
    no inventory on one side of ``year`` is refused, naming its inventory years: the
    method does not extrapolate.

    >>> s = pd.DataFrame({"unit_code": [1, 1, 1], "year": [2011, 2016, 2021],
    ...                   "forest_type": ["chinese_fir"] * 3, "quantity": [90.0, 100.0, 110.0],
    ...                   "unit": ["万m3"] * 3})
    >>> t = forest_sink_of_year(s, 2018).table  # the interval 2016–2021, as in
    >>> t["year"].tolist(), round(float(t["quantity_t"].iloc[0]), 1)  # forest_stock_difference
    ([2018], -23834.9)
    """
    cols = ["unit_code", "year", "forest_type", "quantity", "unit"]
    # the region and level first: rows of another level are left out before the years
    stock = activity_table(table, stock, cols, region=region, level=level, same=["forest_type"])
    years = pd.to_numeric(stock["year"], errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        i = bad[bad].index[0]
        raise TableError(
            en=f"{where(table, stock, i)}: column 'year' value {stock.loc[i, 'year']!r} is not a "
            "year; give the forest inventory's year (e.g. 2021)",
            zh=f"{where_zh(table, stock, i)}：清查年份无效",
            source=table,
            field="year",
            values=[stock.loc[i, "year"]],
        )
    if stock.empty:
        return Emissions(emissions_table([]))
    first, second = [], []
    for unit, y in years.astype("int64").groupby(stock["unit_code"], sort=True):
        have = sorted(set(y))
        before = [t for t in have if t < year]
        after = [t for t in have if t >= year]
        if not before or not after:
            shown = ", ".join(map(str, have))
            raise TableError(
                en=f"table {table!r}: unit code {unit} has forest inventories of {shown}, which "
                f"do not bracket {year}; the stock difference of {year} needs one inventory "
                f"before it and one in or after it (t1 < {year} ≤ t2): add the inventory "
                f"{'before' if not before else 'in or after'} {year} or leave the year out",
                zh=f"单位 {unit} 的森林资源清查年份（{shown}）未涵盖 {year} 年：须有 {year} 年"
                f"以前和 {year} 年及以后各一期清查数据",
                source=table,
                field="year",
                values=[int(unit), *have],
            )
        first.append(stock.loc[y.index[y == max(before)]])
        second.append(stock.loc[y.index[y == min(after)]])
    em = forest_stock_difference(
        pd.concat(first), pd.concat(second), factor_set, region=region, level=level, table=table
    )
    t = em.table
    return Emissions(t[t["year"] == year].reset_index(drop=True), em.provenance)


def stock_scale_findings(
    stock: pd.DataFrame,
    year: int,
    *,
    region: int | None = None,
    level: str | None = None,
    table: str = STOCK_TABLE,
) -> list[dict[str, Any]]:
    """The unit codes and forest types whose stock (stand volume, culms or area, in its
    base unit) differs between the two forest inventories bracketing ``year`` (as
    :func:`forest_sink_of_year` takes them) by a factor of 10^2.5 or more: likely written
    in the wrong unit (m3 for 万m3), which would make the sink absurd. A finding to review,
    not a refusal (a young plantation may grow as much from a small stock), as for fuels
    (:func:`ganpo.carbon.energy.unit_scale_findings`). Each: ``unit_code``,
    ``forest_type``, ``year`` and ``previous_year`` (t₂, t₁), ``ratio``, ``basis``."""
    from ganpo.carbon.energy import UNIT_ERROR_RATIO

    cols = ["unit_code", "year", "forest_type", "quantity", "unit"]
    stock = activity_table(table, stock, cols, region=region, level=level, same=["forest_type"])
    if stock.empty:
        return []
    amount = quantities(table, stock)
    rows = []
    for pos, (i, r) in enumerate(stock.iterrows()):
        basis, scale = _basis(table, stock, i, str(r["unit"]))
        rows.append((int(r["unit_code"]), int(float(r["year"])), str(r["forest_type"]), basis,
                     float(amount.iloc[pos]) * scale))  # fmt: skip
    df = pd.DataFrame(rows, columns=["unit_code", "year", "forest_type", "basis", "amount"])
    found = []
    for unit, g in df.groupby("unit_code", sort=True):
        before = g.loc[g["year"] < year, "year"]
        after = g.loc[g["year"] >= year, "year"]
        if before.empty or after.empty:
            continue
        t1, t2 = int(before.max()), int(after.min())
        a = g[g["year"] == t1].set_index("forest_type")
        b = g[g["year"] == t2].set_index("forest_type")
        for kind in a.index.intersection(b.index):
            x, y = a.loc[kind], b.loc[kind]
            if x["basis"] != y["basis"] or x["amount"] <= 0 or y["amount"] <= 0:
                continue
            ratio = float(y["amount"]) / float(x["amount"])
            if max(ratio, 1 / ratio) >= UNIT_ERROR_RATIO:
                found.append(
                    {"unit_code": int(str(unit)), "forest_type": kind, "year": t2,
                     "previous_year": t1, "ratio": ratio, "basis": x["basis"]}
                )  # fmt: skip
    return found


def _co2_row(
    unit: Any, year: int, code: str, item: tuple[str, str], carbon_t: float
) -> dict[str, object]:
    """A CO2 row of ``carbon_t`` t C emitted (negative: removed)."""
    return {
        "unit_code": unit,
        "year": int(year),
        "category_code": code,
        "item_zh": item[0],
        "item_en": item[1],
        "gas": "CO2",
        "quantity_t": carbon_t * _CO2_PER_C,
    }


def forest_gain_loss(
    growth: pd.DataFrame,
    losses: pd.DataFrame | None = None,
    factor_set: str | SinkFactorSet = "cn-forestry",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CO2 [t/a] of forest land remaining forest land (3.B.1.a), gain-loss method.

    .. math:: \\Delta C_G = A \\times I_V \\times D \\times BEF \\times (1 + R) \\times CF,
              \\qquad \\Delta C_L = (H + FW + L_d) \\times D \\times BEF \\times (1 + R)
              \\times CF

    IPCC 2006 Vol. 4 Eq. 2.7 (ΔC = ΔC_G − ΔC_L), Eq. 2.9/2.10 (gains from area and
    annual increment, here the volume increment converted like the stock) and Eq. 2.12,
    2.13, 2.14 (losses of wood removals, fuelwood and disturbance, converted with the same
    factors). ``growth``: ``unit_code``, ``year``, ``forest_type``, ``area`` ≥ 0,
    ``area_unit`` (hm2, 公顷, 亩, km2 …), ``increment`` ≥ 0 the annual volume increment
    [m³/hm²/a]. ``losses``: ``unit_code``, ``year``, ``forest_type``, ``kind``
    (commercial_harvest, fuelwood, disturbance), ``quantity`` ≥ 0 and ``unit`` (m3, 万m3)
    of stem volume lost. Gains are removals (negative CO2), losses emissions (positive),
    each its own row, so that their sum is the net.

    ``region`` / ``level``: as for :func:`forest_stock_difference`.

    >>> g = pd.DataFrame({"unit_code": [1], "year": [2022], "forest_type": ["masson_pine"],
    ...                   "area": [1000.0], "area_unit": ["hm2"], "increment": [5.0]})
    >>> # 5000 m³ × 0.380 × 1.472 × 1.187 × 0.460 = 1527.109 t C, × 44/12
    >>> round(float(forest_gain_loss(g).table["quantity_t"].sum()), 3)
    -5599.399
    """
    cols = ["unit_code", "year", "forest_type", "area", "area_unit", "increment"]
    growth = activity_table(
        GROWTH_TABLE, growth, cols, region=region, level=level, same=["forest_type"]
    )
    f = sink_factor_set(factor_set)
    area = quantities(GROWTH_TABLE, growth, "area")
    increment = quantities(GROWTH_TABLE, growth, "increment")
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(growth.iterrows()):
        fs = _forest_factors(f, GROWTH_TABLE, growth, i, VOLUME_FACTORS)
        ha = float(area.iloc[pos]) * _area_hm2(GROWTH_TABLE, growth, i, str(r["area_unit"]))
        c = _stand(ha * float(increment.iloc[pos]), fs)
        zh, en = f.type_names(str(r["forest_type"]))
        item = (f"{zh}：生长", f"{en}: growth")
        rows.append(_co2_row(r["unit_code"], int(r["year"]), FOREST_CATEGORY, item, -c))
        used += [use(f"{f.name}.{key}", fac) for key, fac in fs.values()]
    if losses is not None:
        cols = ["unit_code", "year", "forest_type", "kind", "quantity", "unit"]
        losses = activity_table(
            LOSS_TABLE, losses, cols, region=region, level=level, same=["forest_type", "kind"]
        )
        volume = quantities(LOSS_TABLE, losses)
        for pos, (i, r) in enumerate(losses.iterrows()):
            kind = str(r["kind"])
            if kind not in LOSS_KINDS:
                raise TableError(
                    en=f"{where(LOSS_TABLE, losses, i)}: column 'kind' value {kind!r} is not a "
                    f"kind of loss; give one of {', '.join(LOSS_KINDS)}",
                    zh=f"{where_zh(LOSS_TABLE, losses, i)}"
                    f"：消耗类型 {kind} 无效（商品材采伐、薪材采伐或灾害损失）",
                    source=LOSS_TABLE,
                    field="kind",
                    values=[kind],
                )
            fs = _forest_factors(f, LOSS_TABLE, losses, i, VOLUME_FACTORS)
            unit = str(r["unit"])
            if unit.strip() not in _VOLUME_UNITS:
                raise TableError(
                    en=f"{where(LOSS_TABLE, losses, i)}: column 'unit' value {unit!r} is not a "
                    "volume; give the stem volume lost in m3 or 万m3",
                    zh=f"{where_zh(LOSS_TABLE, losses, i)}：消耗量单位应为立方米",
                    source=LOSS_TABLE,
                    field="unit",
                    values=[unit],
                )
            m3 = float(volume.iloc[pos]) * amount_factor(
                LOSS_TABLE, losses, i, unit.strip().replace("立方米", "m3"), "m3"
            )
            zh, en = f.type_names(str(r["forest_type"]))
            kz, ke = LOSS_KINDS[kind]
            item = (f"{zh}：{kz}", f"{en}: {ke}")
            rows.append(
                _co2_row(r["unit_code"], int(r["year"]), FOREST_CATEGORY, item, _stand(m3, fs))
            )
            used += [use(f"{f.name}.{key}", fac) for key, fac in fs.values()]
    return Emissions(emissions_table(rows), used)


def _stand(volume_m3: float, fs: dict[str, tuple[str, Factor]]) -> float:
    return float(
        stand_carbon(
            volume_m3,
            fs["density"][1].value,
            fs["bef"][1].value,
            fs["root_shoot"][1].value,
            fs["carbon_fraction"][1].value,
        )
    )


def rate_sinks(
    areas: pd.DataFrame,
    factor_set: str | SinkFactorSet = "cn-forestry",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CO2 [t/a] of wetland (3.B.4.a), grassland (3.B.3.a) and cropland soil (3.B.2.a) by
    area and sequestration rate.

    .. math:: E_{CO_2} = -A \\times r \\times 44/12

    The rate method of ecosystem carbon-sink accounts (area × annual carbon sequestration
    per hectare of the ecosystem type), ``r`` [t C/hm²/a] from the factor set under
    ``rate.<ecosystem>.<ecosystem_type>``; a negative rate (a source) gives a positive
    emission. ``areas``: ``unit_code``, ``year``, ``ecosystem`` (wetland, grassland,
    cropland), ``ecosystem_type`` (a type the set has a rate for), ``quantity`` (area)
    ≥ 0, ``unit`` (hm2, ha, 公顷, 千公顷, 亩, 万亩, km2, 平方公里).

    ``region`` / ``level``: as for :func:`forest_stock_difference`.
    """
    cols = ["unit_code", "year", "ecosystem", "ecosystem_type", "quantity", "unit"]
    areas = activity_table(
        RATE_TABLE, areas, cols, region=region, level=level, same=["ecosystem", "ecosystem_type"]
    )
    f = sink_factor_set(factor_set)
    area = quantities(RATE_TABLE, areas)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(areas.iterrows()):
        eco = str(r["ecosystem"])
        if eco not in RATE_CATEGORIES:
            raise TableError(
                en=f"{where(RATE_TABLE, areas, i)}: column 'ecosystem' value {eco!r} is not "
                f"counted by rate; give one of {', '.join(RATE_CATEGORIES)} (forest has its "
                "own methods)",
                zh=f"{where_zh(RATE_TABLE, areas, i)}"
                f"：生态系统 {eco} 无固碳速率法（湿地、草地、农田）",
                source=RATE_TABLE,
                field="ecosystem",
                values=[eco],
            )
        kind = str(r["ecosystem_type"])
        key = f"rate.{eco}.{kind}"
        if key not in f.factors:
            have = f.types_under(f"rate.{eco}")
            raise TableError(
                en=f"{where(RATE_TABLE, areas, i)}: sink factor set {f.name!r} has no "
                f"sequestration rate {key!r} ({RATE_UNIT}); "
                + (f"{eco} types with a rate: {', '.join(have)}. " if have else "")
                + "Add the rate with its source (SinkFactorSet.with_factors)",
                zh=f"因子集中缺少{f.type_names(eco)[0]}固碳速率 {key}",
                source=RATE_TABLE,
                field="ecosystem_type",
                values=[key],
            )
        rate = f.get(key, RATE_UNIT)
        ha = float(area.iloc[pos]) * _area_hm2(RATE_TABLE, areas, i, str(r["unit"]))
        ez, ee = f.type_names(eco)
        tz, te = f.type_names(kind)
        item = (ez if tz == ez else f"{ez}：{tz}", ee if te == ee else f"{ee}: {te}")
        rows.append(
            _co2_row(r["unit_code"], int(r["year"]), RATE_CATEGORIES[eco], item, -ha * rate.value)
        )
        used.append(use(f"{f.name}.{key}", rate))
    return Emissions(emissions_table(rows), used)
