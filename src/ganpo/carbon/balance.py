"""The energy balance (能源平衡表) as a check of the inventory's energy data: its
statistical difference (平衡差额), and the fuel burnt against what the balance says was
consumed.

The balance is read in standard coal, one row per unit code and year, with the items of
the regional energy balance table of Chinese energy statistics (地区能源平衡表, 标准量,
as the China Energy Statistical Yearbook and the provincial yearbooks print it):

============================  ========================================================
column                        item
============================  ========================================================
``production``                一次能源生产量 (primary energy production)
``inflow``                    外省（区、市）调入量 (received from other provinces; for a
                              city or county, from outside it)
``imports``                   进口量 (imports)
``outflow``                   本省（区、市）调出量 (sent to other provinces or out of
                              the unit)
``exports``                   出口量 (exports)
``stock_change``              库存增(−)、减(+)量 (stock change: + a draw on stocks,
                              − a build-up, the sign the table prints)
``transformation_input``      加工转换投入量 (input to transformation: power and heat
                              plants, coking, refining, coal washing, gas works)
``transformation_output``     加工转换产出量 (output of transformation)
``losses``                    损失量 (losses in transport, distribution and storage)
``final_consumption``         终端消费量 (final consumption)
============================  ========================================================

with ``unit`` (tce, 万tce, 吨标准煤, 万吨标准煤) per row, as the core's activity tables
declare theirs. The table prints outflow, exports and transformation input with "(−)",
the sign they take in the sum; here they are given as quantities (≥ 0), and so are all
items but the stock change. International bunkers (境内外轮船和飞机加油量), which the
national table carries, are not items of this table.

.. math::

    S &= production + inflow + imports - outflow - exports + stock\\_change
    \\quad (可供本地区消费的能源量)

    U &= final\\_consumption + transformation\\_input - transformation\\_output + losses

    D &= S - U \\quad (平衡差额)
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ganpo.carbon.energy import GJ_PER_TCE, fuel_energy, tce_scale
from ganpo.carbon.inputs import activity_table, where, where_zh
from ganpo.errors import TableError

BALANCE_TABLE = "energy balance"
#: supply items, added (+1) or subtracted (−1): 可供本地区消费的能源量
SUPPLY = {"production": 1, "inflow": 1, "imports": 1, "outflow": -1, "exports": -1}
#: use items, added or subtracted: 加工转换投入量 − 加工转换产出量 + 损失量 + 终端消费量
USE = {"transformation_input": 1, "transformation_output": -1, "losses": 1, "final_consumption": 1}
#: the items that cannot be negative (all but the stock change)
NON_NEGATIVE = [*SUPPLY, *USE]
#: the ten items, in the table's order
ITEMS = [*SUPPLY, "stock_change", *USE]
BALANCE_COLUMNS = ["unit_code", "year", *ITEMS, "unit"]
_ZH = {
    "production": "一次能源生产量",
    "inflow": "调入量",
    "imports": "进口量",
    "outflow": "调出量",
    "exports": "出口量",
    "stock_change": "库存增减量",
    "transformation_input": "加工转换投入量",
    "transformation_output": "加工转换产出量",
    "losses": "损失量",
    "final_consumption": "终端消费量",
}

#: a statistical difference larger than this share of the supply is flagged: ±5 % is the
#: default uncertainty (95 % interval) inventory guidance gives fuel-combustion data taken
#: from energy statistics that state none. A balance whose own supply and use differ by
#: more cannot be taken as activity data of that accuracy (value as we know it, not re-read)
BALANCE_TOLERANCE = 0.05

DIFFERENCE_COLUMNS = [
    "unit_code",
    "year",
    "supply_10k_tce",
    "use_10k_tce",
    "difference_10k_tce",
    "difference_share",
]
FINDING_COLUMNS = [*DIFFERENCE_COLUMNS, "finding", "severity", "message_en", "message_zh"]
COMBUSTION_COLUMNS = [
    "unit_code",
    "year",
    "combustion_10k_tce",
    "consumption_10k_tce",
    "excess_10k_tce",
    "excess_share",
    "finding",
    "severity",
    "message_en",
    "message_zh",
]


def statistical_differences(balance: pd.DataFrame) -> pd.DataFrame:
    """The statistical difference (平衡差额) of each unit code and year [万tce]: supply
    (可供本地区消费的能源量) less use (终端消费量 + 加工转换投入量 − 加工转换产出量 +
    损失量), formulas and columns in the module docstring; ``difference_share`` is the
    difference over the supply (NaN where the supply is not positive).

    A row twice for a unit and year, a unit not in standard coal, an item that is not a
    number, or a negative item other than the stock change is refused by name.

    >>> b = pd.DataFrame({"unit_code": [360000], "year": [2022], "production": [100.0],
    ...     "inflow": [50.0], "imports": [0.0], "outflow": [20.0], "exports": [0.0],
    ...     "stock_change": [-5.0], "transformation_input": [60.0],
    ...     "transformation_output": [40.0], "losses": [5.0], "final_consumption": [95.0],
    ...     "unit": ["万tce"]})
    >>> d = statistical_differences(b)  # S = 100 + 50 − 20 − 5 = 125; U = 95 + 60 − 40 + 5
    >>> d.iloc[0, 2:].tolist()  # supply, use, difference [万tce], difference / supply
    [125.0, 120.0, 5.0, 0.04]
    """
    rows = []
    for v in balance_items(balance).to_dict("records"):
        supply = math.fsum([*(s * v[c] for c, s in SUPPLY.items()), v["stock_change"]])
        use = math.fsum(s * v[c] for c, s in USE.items())
        diff = supply - use
        rows.append(
            {
                "unit_code": v["unit_code"],
                "year": v["year"],
                "supply_10k_tce": supply,
                "use_10k_tce": use,
                "difference_10k_tce": diff,
                "difference_share": diff / supply if supply > 0 else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def balance_findings(balance: pd.DataFrame, tolerance: float = BALANCE_TOLERANCE) -> pd.DataFrame:
    """The unit codes and years whose statistical difference exceeds ``tolerance`` (a share
    of the supply; default :data:`BALANCE_TOLERANCE`, 5 %) in absolute value, or is not
    zero where the supply is not positive: warnings to review, not refusals (a balance
    rarely closes exactly, and its statisticians publish the difference). Columns of
    :func:`statistical_differences`, then ``finding`` (``statistical_difference``),
    ``severity`` (``warning``), ``message_en`` and ``message_zh``, which name the unit,
    the year and the gap in 万吨标准煤 and as a share.
    """
    d = statistical_differences(balance)
    found = []
    for r in d.to_dict("records"):
        gap, supply, share = r["difference_10k_tce"], r["supply_10k_tce"], r["difference_share"]
        if supply > 0 and abs(gap) <= tolerance * supply:
            continue
        if supply <= 0 and gap == 0:
            continue
        more = "more" if gap > 0 else "less"
        shown = f"{share:+.1%}" if not math.isnan(share) else "—"
        found.append(
            {
                **r,
                "finding": "statistical_difference",
                "severity": "warning",
                "message_en": (
                    f"energy balance of unit code {r['unit_code']}, {r['year']}: supply "
                    f"{supply:.2f} 万吨标准煤 is {abs(gap):.2f} 万吨标准煤 ({shown} of supply) "
                    f"{more} than use {r['use_10k_tce']:.2f}, beyond the ±{tolerance:.0%} "
                    "tolerance; check the balance's items (a missing inflow or outflow, "
                    "stock change with the wrong sign, an item in the wrong unit) before "
                    "using it as activity data"
                ),
                "message_zh": (
                    f"{r['unit_code']} {r['year']} 年能源平衡表平衡差额 {gap:.2f} 万吨标准煤"
                    f"（占可供本地区消费的能源量 {shown}），超过 ±{tolerance:.0%}，"
                    "请核对调入调出、库存增减及单位"
                ),
            }
        )
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


def combustion_findings(
    fuels: pd.DataFrame,
    fuel_set: str,
    balance: pd.DataFrame,
    *,
    region: int | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """The unit codes and years whose fuel combustion in the inventory (every row of the
    fuel table, 1.A.1 to 1.A.5, in energy by :func:`ganpo.carbon.energy.fuel_energy`,
    over 29.3076 GJ/tce) exceeds the balance's final consumption + transformation input
    of the same unit and year: fuel cannot be burnt that was neither consumed nor
    transformed. A warning to review (a fuel in t for 万t, a fuel counted in two sectors,
    the balance of another unit), not a refusal. The bound is loose (final consumption
    holds electricity, heat and non-energy use too), so an excess of any size is flagged;
    a unit code and year the balance does not have is not checked.

    Columns: ``unit_code``, ``year``, ``combustion_10k_tce``, ``consumption_10k_tce``
    (final consumption + transformation input), ``excess_10k_tce``, ``excess_share`` (of
    the consumption), ``finding`` (``combustion_exceeds_balance``), ``severity``
    (``warning``), ``message_en``, ``message_zh``.
    """
    bound = {
        (v["unit_code"], int(v["year"])): v["final_consumption"] + v["transformation_input"]
        for v in balance_items(balance).to_dict("records")
    }
    energy = fuel_energy(fuels, fuel_set, region=region, level=level)
    burnt: dict[tuple[Any, int], list[float]] = {}
    for unit, year, gj in zip(
        energy["unit_code"], energy["year"], energy["energy_gj"], strict=True
    ):
        burnt.setdefault((unit, int(year)), []).append(float(gj))
    found = []
    for (unit, year), gjs in sorted(burnt.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        if (unit, year) not in bound:
            continue
        combustion = math.fsum(gjs) / GJ_PER_TCE / 1e4
        limit = bound[(unit, year)]
        excess = combustion - limit
        # 1e-9: the float noise of summing GJ and converting to 万tce, not a tolerance
        if excess <= 1e-9 * max(limit, combustion):
            continue
        share = excess / limit if limit > 0 else math.nan
        shown = f"{share:.1%}" if not math.isnan(share) else "—"
        found.append(
            {
                "unit_code": unit,
                "year": year,
                "combustion_10k_tce": combustion,
                "consumption_10k_tce": limit,
                "excess_10k_tce": excess,
                "excess_share": share,
                "finding": "combustion_exceeds_balance",
                "severity": "warning",
                "message_en": (
                    f"unit code {unit}, {year}: the fuel table burns {combustion:.2f} 万吨标准煤, "
                    f"{excess:.2f} 万吨标准煤 ({shown}) more than the energy balance's final "
                    f"consumption + transformation input ({limit:.2f}); check the fuel "
                    "table's units (t or 万t), fuels counted in two sectors, and that the "
                    "balance is the same unit's"
                ),
                "message_zh": (
                    f"{unit} {year} 年燃料燃烧量 {combustion:.2f} 万吨标准煤，超过能源平衡表"
                    f"终端消费量与加工转换投入量之和（{limit:.2f} 万吨标准煤）{excess:.2f} "
                    f"万吨标准煤（{shown}），请核对燃料表单位及是否重复计入"
                ),
            }
        )
    return pd.DataFrame(found, columns=COMBUSTION_COLUMNS)


def balance_items(balance: pd.DataFrame) -> pd.DataFrame:
    """The balance checked, its items in 万tce: ``unit_code``, ``year`` and the ten items
    (module docstring), one row per balance row. A unit and year given twice, a unit that
    is not standard coal, an item that is not a number or a negative item other than the
    stock change is refused, naming the row, column and value."""
    b = activity_table(BALANCE_TABLE, balance, BALANCE_COLUMNS)
    _one_row_per_unit_and_year(b)
    rows = []
    index: list[Any] = list(b.index)
    for i in index:
        scale = _scale_to_10k_tce(b, i, str(b.loc[i, "unit"]))
        items = {c: _item(b, i, c) * scale for c in ITEMS}
        rows.append({"unit_code": b.loc[i, "unit_code"], "year": b.loc[i, "year"], **items})
    return pd.DataFrame(rows, columns=["unit_code", "year", *ITEMS])


def _one_row_per_unit_and_year(b: pd.DataFrame) -> None:
    dup = b.duplicated(["unit_code", "year"], keep="first")
    if dup.any():
        i = dup[dup].index[0]
        raise TableError(
            en=f"{where(BALANCE_TABLE, b, i)}: unit code {b.loc[i, 'unit_code']} and year "
            f"{b.loc[i, 'year']} have a balance already; give one row per unit and year "
            "(the total column of the balance, 能源合计)",
            zh=f"{where_zh(BALANCE_TABLE, b, i)}：同一单位同一年份只能有一行平衡表",
            source=BALANCE_TABLE,
            field="unit_code",
            values=[b.loc[i, "unit_code"], b.loc[i, "year"]],
        )


def _scale_to_10k_tce(b: pd.DataFrame, i: Any, unit: str) -> float:
    """万tce in one ``unit``; a unit that is not standard coal names the row."""
    scale = tce_scale(unit)
    if scale is None:
        raise TableError(
            en=f"{where(BALANCE_TABLE, b, i)}: column 'unit' value {unit!r} is not a unit of "
            "standard coal; the balance is read in tce, 万tce, 吨标准煤 or 万吨标准煤: give "
            "the standard-quantity table (标准量), not the physical one (实物量)",
            zh=f"{where_zh(BALANCE_TABLE, b, i)}：单位 {unit} 不是标准煤单位，请用标准量平衡表",
            source=BALANCE_TABLE,
            field="unit",
            values=[unit],
        )
    return scale / 1e4


def _item(b: pd.DataFrame, i: Any, column: str) -> float:
    """One item of the balance; not a number, or negative where it cannot be, names it."""
    raw = b.loc[i, column]
    value = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
    negative = column in NON_NEGATIVE and pd.notna(value) and value < 0
    if pd.isna(value) or negative:
        shown = repr(raw) if isinstance(raw, str) else str(raw)
        what = (
            f"is negative; {column} ({_ZH[column]}) is a quantity ≥ 0: the table's (−) is the "
            "sign it takes in the sum, give the number without it; only stock_change has a "
            "sign"
            if negative
            else "is not a number; give the item (0 where there is none)"
        )
        raise TableError(
            en=f"{where(BALANCE_TABLE, b, i)}: column {column!r} value {shown} {what}",
            zh=f"{where_zh(BALANCE_TABLE, b, i)}：{_ZH[column]} 的值 {shown} 无效"
            + ("（须为非负数，表中的(−)为运算符号）" if negative else "（须为数值）"),
            source=BALANCE_TABLE,
            field=column,
            values=[raw],
        )
    return float(value)
