"""How a change between two accounts was measured, in sentences for readers (Chinese or
English): the rule of the volume measure, the items deflated by a price index instead (the
index by its name, its factor, whether its values are verified), the rows found in one
account only (indicators and units by their names, a unit's code in brackets) and the rows
valued at an item's mean unit value. The terminal prints them under the change tables
(``ganpo demo``, ``ganpo account compare``); they are read from the rows of a
:class:`~ganpo.engine.volume.VolumeMeasure`, so they say what the measure did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import pandas as pd

from ganpo.catalog.deflators import Deflator
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameter_names import index_name
from ganpo.catalog.units import number
from ganpo.engine.volume import VolumeMeasure

Lang = Literal["zh", "en"]


def _indicator(key: str, lang: Lang) -> str:
    cat = indicators()
    if key not in cat:
        return key
    return cat[key].name_zh if lang == "zh" else cat[key].name_en


def _ordered(keys: Iterable[str]) -> list[str]:
    present = set(keys)
    return [k for k in indicators() if k in present] + sorted(present - set(indicators()))


def _pairs(rows: pd.DataFrame, units: Mapping[int, str], lang: Lang, limit: int = 5) -> str:
    """How many indicator × unit pairs ``rows`` hold (a pair may hold several rows, one
    per ecosystem type) and the first ``limit`` of them, named (a unit's code in
    brackets)."""
    pairs = sorted(
        {(str(i), int(c)) for i, c in zip(rows["indicator"], rows["unit_code"], strict=True)}
    )
    shown = []
    for key, code in pairs[:limit]:
        if lang == "zh":
            unit = f"{units[code]}，{code}" if code in units else str(code)
            shown.append(f"{_indicator(key, lang)}（{unit}）")
        else:
            unit = f"{units[code]} ({code})" if code in units else str(code)
            shown.append(f"{_indicator(key, lang)} in {unit}")
    more = len(pairs) > len(shown)
    if lang == "zh":
        return f"涉及 {len(pairs)} 个指标与行政区组合：" + "、".join(shown) + ("等" if more else "")
    tail = "; and others" if more else ""
    return f"in {len(pairs)} indicator-unit pair(s): " + "; ".join(shown) + tail


def volume_notes(
    volume: VolumeMeasure,
    language: Lang,
    unit_names: Mapping[int, str] | None = None,
    indices: Mapping[str, Deflator] | None = None,
) -> list[str]:
    """How ``volume`` (the current account at the base account's prices) was made, in
    ``language``: the rule first, then the items deflated by a price index (its name, the
    factor from the current year to the base year and, when its values are not verified,
    that), the rows of one account only and the rows valued at an item's mean unit value.
    ``unit_names`` names the units (code → name; unnamed units by their codes); ``indices``
    the deflators by name, to say whether one is verified (default: the shipped item
    indices). The rule follows SNA 2008 chapter 15 (a Laspeyres volume,
    :mod:`ganpo.engine.volume`)."""
    from ganpo.catalog.deflators import item_indices

    zh = language == "zh"
    a, b = volume.base.year, volume.current.year
    names = unit_names or {}
    known = dict(indices) if indices is not None else {}
    if indices is None:
        known = {item.deflator.name: item.deflator for item in item_indices().values()}
    rows = volume.rows
    notes = [
        f"物量按{a}年（基期）价格计算：{b}年（报告期）实物量 × {a}年单位价值（拉氏物量）。"
        if zh
        else f"Volume at {a} prices: {b} quantities × {a} unit values (a Laspeyres volume)."
    ]
    deflated = rows[(rows["basis"] == "deflated") & (rows["value_b_cny"] != 0)]
    for name, group in deflated.groupby("index"):
        items = [_indicator(k, language) for k in _ordered(map(str, group["indicator"]))]
        factor = float(group["value_cny"].sum()) / float(group["value_b_cny"].sum())
        index = index_name(str(name), language)
        deflator = known.get(str(name))
        unverified = deflator is not None and not deflator.verified
        if zh:
            state = "；该指数数值未经核实" if unverified else ""
            notes.append(
                f"{'、'.join(items)}按现价报告，用{index}缩减至{a}年价格"
                f"（{b}→{a} × {factor:.4f}{state}），未按基期价格计价。"
            )
        else:
            state = "; its values are not verified" if unverified else ""
            notes.append(
                f"{', '.join(items)}: reported at current prices, deflated to {a} prices by "
                f"the {index} ({b}→{a} × {factor:.4f}{state}); not valued at base-year prices."
            )
    only_b = rows[(rows["presence"] == "current_only") & (rows["value_cny"] != 0)]
    if not only_b.empty:
        where = _pairs(only_b, names, language)
        notes.append(
            f"{b}年核算中有 {len(only_b)} 行在{a}年核算中没有对应行（{a}年计为 0），按{a}年"
            f"同一项目的价格计价，{where}。"
            if zh
            else f"{len(only_b)} row(s) of the {b} account have no counterpart in the {a} "
            f"account (0 there) and are valued at {a} prices of the same item, {where}."
        )
    only_a = rows[(rows["presence"] == "base_only") & (rows["value_a_cny"] != 0)]
    if not only_a.empty:
        where = _pairs(only_a, names, language)
        notes.append(
            f"{a}年核算中有 {len(only_a)} 行在{b}年核算中没有对应行（{b}年物量计为 0），{where}。"
            if zh
            else f"{len(only_a)} row(s) of the {a} account have no counterpart in the {b} "
            f"account (volume 0 there), {where}."
        )
    by_mean = rows[rows["unit_value_from"].isin(["type", "item"]) & (rows["basis"] != "base_price")]
    if not by_mean.empty:
        notes.append(
            f"{len(by_mean)} 行既无价格参数、也无本行的基期实物量，按{a}年核算中该项目在其他"
            "行政区或生态系统类型的平均单位价值计价。"
            if zh
            else f"{len(by_mean)} row(s) without a price key and without a base-year quantity "
            f"of their own are valued at the {a} account's unit value of the item over its "
            "other units or ecosystem types."
        )
    return notes


def deflated_note(
    deflator: Deflator,
    base_year: int,
    language: Lang,
    change_cny: float | None = None,
    change_pct: float | None = None,
) -> str:
    """The CPI-deflated comparison named as what it is (the weaker substitute for a volume:
    every price moved like the index), with the index by its name; with ``change_cny``
    (and ``change_pct``) the change of GEP it gives, in 亿元."""
    index = index_name(deflator.name, language)
    change = ""
    if change_cny is not None:
        pct = "" if change_pct is None else f"（{change_pct:+.2f}%）"
        amount = f"{'+' if change_cny >= 0 else ''}{number(change_cny / 1e8)} 亿元"
        change = f"：GEP 变化 {amount}{pct}" if language == "zh" else f": GEP {amount}"
        if language == "en" and change_pct is not None:
            change += f" ({change_pct:+.2f} %)"
    if language == "zh":
        return (
            f"按{index}缩减至{base_year}年价格的价值（较弱的替代口径：假定每项价格都与该指数"
            f"同步变动）{change}。"
        )
    return (
        f"Values deflated to {base_year} prices by the {index} (the weaker substitute: every "
        f"price assumed to move like the index){change}."
    )


__all__ = ["deflated_note", "volume_notes"]
