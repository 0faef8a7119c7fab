"""Volume measures (物量): the quantities of one year valued at the prices of another.

A statistics bureau measures the real change of GEP as it measures the real change of
GDP: the quantities of the report period b (报告期) valued at the prices of the base
period a (基期), a Laspeyres volume, not b's value divided by a consumer price index. For
two accounts, row by row (indicator × component × ecosystem type × unit, a county or a
township …, × quantity unit × price key), the value of b at a's prices is

.. math::

    V_{b@a} = q_b \\, u_a

with :math:`q_b` the row's quantity in b and :math:`u_a` [CNY per unit of quantity] the
unit value that valued the same item in a, found in this order:

1. ``value_a / quantity_a`` of the same row in a, else of the same indicator × component
   × ecosystem type × unit × price key over a's other counties, else over a's other
   ecosystem types (where a's quantity is not 0). This is the unit value a actually used,
   also where a component combines several prices (soil retention: silt + N + P per tonne
   of retained soil, :class:`ganpo.services.base.Component` ``unit_value``).
2. For a row with a price key that a cannot value that way (a's quantity is 0 or the
   item is new): the valuation rule of the indicator component
   (:mod:`ganpo.services.valuation`) with a's stored parameters, else a's price of the key.
3. Rows reported at current prices (no price key: market value of products, tourism
   revenue) have no price to hold: they are deflated with the price index of their item
   (``data/deflators/items.toml``), :math:`V_{b@a} = V_b \\, I_a / I_b`, and labelled
   ``deflated``, the only rows not valued at base-year prices. So is a priced row that
   rules 1–2 cannot value, when its indicator has an index. A row without a price key
   whose indicator has no index and that has a physical quantity (landscape premium, m²)
   is valued at a's own unit value by rule 1 (``base_unit_value``).
4. Otherwise the comparison stops with an error naming the indicator, the price key and
   both accounts.

Rows present in one account only count 0 on the other side: a row of a alone has volume
0 in b; a row of b alone is valued by rules 1–3. Both are counted in the notes.

From the volumes, per indicator and in total (indices with the base = 100):

- Laspeyres volume index :math:`L^Q = 100 \\, \\sum V_{b@a} / \\sum V_a`;
- implicit price index (Paasche) :math:`P = 100 \\, \\sum V_b / \\sum V_{b@a}`, so that
  :math:`V_b / V_a = L^Q P / 100^2` (value change = volume change × price change).

Over a series of accounts the annual links (each year at the previous year's prices) are
chained into an index referenced to one year, and the chain-linked volume of each year is
the reference year's value moved by that index. Chain-linked volumes of the indicators do
not add up to the chain-linked GEP except in the reference year and the year after; the
difference is reported, not hidden, as national accounts do.

References: System of National Accounts 2008 (European Commission, IMF, OECD, UN, World
Bank, 2009), chapter 15 "Price and volume measures" (Laspeyres and Paasche indices, chain
indices, non-additivity of chain-linked volumes); IMF Quarterly National Accounts Manual,
2017 edition, chapter 8 (chain-linking of annual links).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import ValidationError

from ganpo.catalog.deflators import ItemIndex, item_indices
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameter_names import index_name
from ganpo.catalog.parameters import ParameterSet, ParameterValue
from ganpo.catalog.units import conversion_factor
from ganpo.engine.result import RESULT_COLUMNS
from ganpo.errors import GanpoError, InputError, preview
from ganpo.services.valuation import VALUATIONS

#: a result row's identity across two accounts (``unit_code``: the row's unit, a county's
#: adcode for a county row; decision 0021)
ROW_KEYS = [
    "indicator",
    "component",
    "ecosystem_code",
    "unit_code",
    "county_adcode",
    "quantity_unit",
    "price_key",
]
#: where the base unit value of a row comes from, most specific first (rule 1)
_LEVELS: list[tuple[str, list[str]]] = [
    ("row", ROW_KEYS),
    ("type", ["indicator", "component", "ecosystem_code", "quantity_unit", "price_key"]),
    ("item", ["indicator", "component", "quantity_unit", "price_key"]),
]
Basis = Literal["base_price", "base_unit_value", "deflated"]
#: columns of :attr:`VolumeMeasure.rows` after the result columns
VOLUME_COLUMNS = [
    "quantity_a",
    "value_a_cny",
    "value_b_cny",
    "unit_value_a",
    "unit_value_from",
    "basis",
    "index",
    "presence",
]
GEP = "GEP"


@dataclass(frozen=True)
class AccountPeriod:
    """One account as the volume measures read it: its result rows and the prices it used
    (both as stored), its year and how messages name it (``account #3 (2022)``)."""

    results: pd.DataFrame
    prices: pd.DataFrame
    year: int
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or f"the {self.year} account"


@dataclass(frozen=True)
class VolumeMeasure:
    """Account b valued at the prices of account a, row by row.

    ``rows`` has the result columns (:data:`ganpo.engine.result.RESULT_COLUMNS`) with
    ``quantity`` = b's quantity and ``value_cny`` = **b's volume at a's prices**, so every
    summary of results applies to it, and then :data:`VOLUME_COLUMNS`: a's quantity, a's
    and b's values at their own prices, the base unit value [CNY per quantity unit] and
    where it came from (``row``/``type``/``item``/``parameters``), the basis
    (``base_price``, ``base_unit_value`` or ``deflated``), the index of deflated rows and
    ``presence`` (``both``, ``base_only``, ``current_only``).
    """

    base: AccountPeriod
    current: AccountPeriod
    rows: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def by_indicator(self) -> pd.DataFrame:
        """Per indicator (catalogue order) and a final ``GEP`` row: ``value_a_cny``,
        ``value_b_cny``, ``volume_b_cny`` (b at a's prices), ``volume_index`` and
        ``price_index`` (base = 100; NaN where the denominator is 0), ``basis`` and
        ``index`` (the bases and indices of the indicator's rows, joined by ``+``)."""
        r = self.rows
        valued = r[(r["value_b_cny"] != 0) | (r["quantity"] != 0)]
        per = r.groupby("indicator")[["value_a_cny", "value_b_cny", "value_cny"]].sum()
        per = per.rename(columns={"value_cny": "volume_b_cny"})
        order = _indicator_order(per.index)
        per = per.loc[order]
        per.loc[GEP] = per.sum()
        basis = valued.groupby("indicator")["basis"].agg(lambda s: "+".join(sorted(set(s))))
        index = valued.groupby("indicator")["index"].agg(
            lambda s: "+".join(sorted({x for x in s if x}))
        )
        per["basis"] = basis.reindex(per.index).fillna("")
        per["index"] = index.reindex(per.index).fillna("")
        per.loc[GEP, "basis"] = "+".join(sorted(set(valued["basis"])))
        per.loc[GEP, "index"] = "+".join(sorted({x for x in valued["index"] if x}))
        per["volume_index"] = (
            100.0 * per["volume_b_cny"] / per["value_a_cny"].where(per["value_a_cny"] != 0)
        )
        per["price_index"] = (
            100.0 * per["value_b_cny"] / per["volume_b_cny"].where(per["volume_b_cny"] != 0)
        )
        return per.rename_axis("indicator").reset_index()


def _indicator_order(keys: Iterable[object]) -> list[str]:
    present = [str(k) for k in keys]
    catalogue = [k for k in indicators() if k in present]
    return catalogue + sorted(set(present) - set(catalogue))


def _grouped(results: pd.DataFrame) -> pd.DataFrame:
    """Result rows summed per :data:`ROW_KEYS` (text keys without NaN)."""
    r = results.copy()
    for col in ("component", "price_key", "quantity_unit", "price_unit"):
        r[col] = r[col].fillna("").astype(str)
    r["ecosystem_code"] = r["ecosystem_code"].astype("int64")
    r["county_adcode"] = r["county_adcode"].astype("int64")
    # rows made before units had codes are county rows
    r["unit_code"] = (r["unit_code"] if "unit_code" in r.columns else r["county_adcode"]).astype(
        "int64"
    )
    return r.groupby(ROW_KEYS, sort=False).agg(
        category=("category", "first"),
        quantity=("quantity", "sum"),
        value_cny=("value_cny", "sum"),
        price=("price", "first"),
        price_unit=("price_unit", "first"),
    )


def _stored_parameters(period: AccountPeriod) -> ParameterSet:
    """The parameters an account used, rebuilt from its stored price table (rows that do
    not form a valid parameter are left out: rule 2 then finds no value for them)."""
    values: dict[str, ParameterValue] = {}
    for row in period.prices.to_dict("records"):
        value = row.get("value")
        by_type = row.get("by_type")
        try:
            values[str(row["key"])] = ParameterValue(
                value=None if value is None or pd.isna(value) else float(value),
                by_type=by_type if isinstance(by_type, dict) else None,
                unit=str(row["unit"]),
                year=int(row["year"]),
                region=str(row.get("region", "")),
                source=str(row.get("source", "")),
                status=row.get("status", "unverified"),
            )
        except (ValidationError, TypeError, ValueError):
            continue
    return ParameterSet(
        name=f"prices of {period.label}",
        version="stored",
        title_zh="",
        title_en="",
        description="the parameters an account used, as stored with it",
        values=values,
    )


def _parameter_unit_value(
    indicator: str, component: str, unit: str, key: str, params: ParameterSet
) -> float | None:
    """Rule 2: CNY per ``unit`` of the component from a's parameters, or None."""
    rule = VALUATIONS.get((indicator, component))
    try:
        if rule is not None and rule.price.key == key:
            factor = conversion_factor(unit, rule.quantity_unit, what=f"{indicator} quantity")
            return float(rule.value(factor, params))
        pv = params.values.get(key)
        return None if pv is None or pv.value is None else float(pv.value)
    except GanpoError:
        return None


def _no_base_value(row: pd.Series, a: AccountPeriod, b: AccountPeriod) -> InputError:
    ind, comp, key = str(row["indicator"]), str(row["component"]), str(row["price_key"])
    item = f"{ind} ({comp})" if comp else ind
    if key:
        why = (
            f"{a.label} has no price {key!r} and no row of this item with a quantity, and "
            f"there is no price index for {ind}"
        )
        why_zh = f"{a.label} 没有价格 {key!r}，也没有该项含实物量的行，且 {ind} 没有价格指数"
    elif row["quantity_unit"] == "CNY":
        why = (
            f"its rows are reported at current prices (no price key, quantity in CNY) and "
            f"there is no price index for {ind}"
        )
        why_zh = f"该项按当年价报送（无价格键，量以元计），且 {ind} 没有价格指数"
    else:
        why = (
            f"it has no price key, {a.label} has no row of it with a quantity to give a unit "
            f"value, and there is no price index for {ind}"
        )
        why_zh = (
            f"该项没有价格键，{a.label} 也没有该项含实物量的行可给出单价，且 {ind} 没有价格指数"
        )
    return InputError(
        en=f"cannot value {item} of {b.label} at the prices of {a.label}: {why}. Compare "
        f"accounts that value {ind} with the same prices, or name a price index for {ind} "
        "in the item indices (data/deflators/items.toml)",
        zh=f"无法按 {a.label} 的价格对 {b.label} 的 {item} 估值：{why_zh}。"
        f"请比较以相同价格估值 {ind} 的核算，或在分项价格指数中为 {ind} 指定价格指数",
        field="price_key",
        values=[ind, key],
    )


def at_base_prices(
    base: AccountPeriod,
    current: AccountPeriod,
    indices: Mapping[str, ItemIndex] | None = None,
) -> VolumeMeasure:
    """The rows of ``current`` (b) valued at the prices of ``base`` (a), by the rules of
    this module's docstring; ``indices`` maps an indicator to the price index of its
    current-price rows (default: the shipped ``items.toml``).

    Raises :class:`InputError` when a row of b cannot be valued at a's prices and its
    indicator has no index, or when an index lacks one of the two years.
    """
    a, b = base, current
    items = item_indices() if indices is None else indices
    ga, gb = _grouped(a.results), _grouped(b.results)
    m = pd.merge(
        ga.reset_index(), gb.reset_index(), on=ROW_KEYS, how="outer", suffixes=("_a", "_b")
    )
    m["presence"] = np.select(
        [m["value_cny_a"].notna() & m["value_cny_b"].notna(), m["value_cny_a"].notna()],
        ["both", "base_only"],
        "current_only",
    )
    for col in ("quantity", "value_cny"):
        m[[f"{col}_a", f"{col}_b"]] = m[[f"{col}_a", f"{col}_b"]].fillna(0.0)
    priced = m["price_key"] != ""
    has_index = m["indicator"].isin(list(items))
    need = (m["quantity_b"] != 0) | (m["value_cny_b"] != 0)
    # rule 3 first for rows without a price key whose item has an index; a row whose
    # "quantity" is its value at current prices never gets a unit value (it would be 1)
    deflate = ~priced & has_index
    at_current_prices = ~priced & (m["quantity_unit"] == "CNY")
    unit_value = pd.Series(np.nan, index=m.index)
    source = pd.Series("", index=m.index, dtype=object)
    for level, keys in _LEVELS:  # rule 1
        sums = ga.groupby(keys)[["quantity", "value_cny"]].sum()
        sums = sums[sums["quantity"] != 0]
        found = (sums["value_cny"] / sums["quantity"]).rename("u")
        looked = m[keys].join(found, on=keys)["u"]
        take = need & ~deflate & ~at_current_prices & unit_value.isna() & looked.notna()
        unit_value[take] = looked[take]
        source[take] = level
    missing = need & ~deflate & unit_value.isna() & priced
    if missing.any():  # rule 2
        params = _stored_parameters(a)
        for i in m.index[missing]:
            u = _parameter_unit_value(
                str(m.at[i, "indicator"]),
                str(m.at[i, "component"]),
                str(m.at[i, "quantity_unit"]),
                str(m.at[i, "price_key"]),
                params,
            )
            if u is not None:
                unit_value[i], source[i] = u, "parameters"
    deflate |= need & unit_value.isna() & has_index
    stuck = need & unit_value.isna() & ~deflate
    if stuck.any():
        raise _no_base_value(m[stuck].iloc[0], a, b)
    factors = {
        ind: items[ind].deflator.factor(b.year, a.year)
        for ind in m.loc[deflate & need, "indicator"].unique()
    }
    volume = np.where(
        deflate,
        m["value_cny_b"] * m["indicator"].map(factors).astype("float64"),
        m["quantity_b"] * unit_value,
    )
    m["value_cny"] = np.where(need, volume, 0.0)
    m["unit_value_a"] = unit_value.where(~deflate)
    m["unit_value_from"] = source.where(~deflate, "")
    m["basis"] = np.select([deflate, priced], ["deflated", "base_price"], "base_unit_value")
    m["index"] = np.where(deflate, m["indicator"].map(lambda k: _index_name(items, k)), "")
    m["quantity"] = m["quantity_b"]
    m["value_a_cny"], m["value_b_cny"] = m["value_cny_a"], m["value_cny_b"]
    m["category"] = m["category_b"].combine_first(m["category_a"])
    m["price"] = m["price_b"].combine_first(m["price_a"])
    m["price_unit"] = m["price_unit_b"].combine_first(m["price_unit_a"])
    rows = m[[*RESULT_COLUMNS, *VOLUME_COLUMNS]].copy()
    return VolumeMeasure(a, b, rows, _notes(rows, a, b, items, factors))


def _name(indicator: str) -> str:
    """The indicator's English name for notes (the key when the catalogue lacks it)."""
    cat = indicators()
    return cat[indicator].name_en if indicator in cat else indicator


def _index_name(items: Mapping[str, ItemIndex], indicator: str) -> str:
    return items[indicator].deflator.name if indicator in items else ""


def _where(rows: pd.DataFrame) -> str:
    """``in 2 indicator-unit pair(s): soil retention in 360101, …``: the indicator × unit
    pairs of some rows (the unit a county, or a township … of an account run below the
    counties), counted, since one pair may hold several rows (ecosystem types)."""
    pairs = sorted(
        {(str(i), int(c)) for i, c in zip(rows["indicator"], rows["unit_code"], strict=True)}
    )
    return f"in {len(pairs)} indicator-unit pair(s): " + preview(
        f"{_name(i)} in {c}" for i, c in pairs
    )


def _notes(
    rows: pd.DataFrame,
    a: AccountPeriod,
    b: AccountPeriod,
    items: Mapping[str, ItemIndex],
    factors: Mapping[str, float],
) -> list[str]:
    notes = [
        f"volume at {a.year} prices: {b.label}'s quantities valued at the unit values of "
        f"{a.label} (Laspeyres volume)"
    ]
    deflated = rows[(rows["basis"] == "deflated") & (rows["value_b_cny"] != 0)]
    for name, group in deflated.groupby("index"):
        inds = _indicator_order(list(set(group["indicator"])))
        ix = next(items[i].deflator for i in inds)
        state = "" if ix.verified else "; its values are not verified"
        notes.append(
            f"{', '.join(map(_name, inds))}: reported at current prices, deflated by "
            f"{index_name(str(name), 'en')} "
            f"({b.year}→{a.year} × {factors[inds[0]]:.4f}{state}), not valued at base-year "
            "prices"
        )
    only_b = rows[(rows["presence"] == "current_only") & (rows["value_cny"] != 0)]
    if not only_b.empty:
        notes.append(
            f"{len(only_b)} row(s) of {b.label} have no counterpart in {a.label} (count 0 "
            f"there), valued at {a.year} prices of the same item: " + _where(only_b)
        )
    only_a = rows[(rows["presence"] == "base_only") & (rows["value_a_cny"] != 0)]
    if not only_a.empty:
        notes.append(
            f"{len(only_a)} row(s) of {a.label} have no counterpart in {b.label} (volume 0 "
            "there): " + _where(only_a)
        )
    by_mean = rows[rows["unit_value_from"].isin(["type", "item"]) & (rows["basis"] != "base_price")]
    if not by_mean.empty:
        notes.append(
            f"{len(by_mean)} row(s) without a price key and without a base-year quantity of "
            f"their own are valued at {a.label}'s unit value of the item over its other "
            "counties or types"
        )
    return notes


def chain_linked(
    periods: Sequence[AccountPeriod],
    indices: Mapping[str, ItemIndex] | None = None,
    reference_year: int | None = None,
) -> pd.DataFrame:
    """A chain-linked volume series over accounts of increasing years.

    Each link is a Laspeyres volume index of a year at the previous account's prices
    (:func:`at_base_prices`); the chain index is the product of the links, 100 in
    ``reference_year`` (default: the first year); the chain-linked volume of a year is the
    reference year's value × chain index / 100 (CNY at reference-year prices), and the
    implicit price index is value / chain-linked volume × 100.

    Returns one row per year × indicator (catalogue order, then ``GEP``): ``year,
    indicator, value_cny, link_index, chain_index, chain_volume_cny, price_index,
    non_additivity_cny``. ``link_index`` is NaN in the first year and where the previous
    value is 0 (the chain then stops for that indicator). ``non_additivity_cny`` (GEP rows
    only) is the chain-linked GEP minus the sum of the indicators' chain-linked volumes:
    0 in the reference year and the year after it, in general not 0 elsewhere.
    ``frame.attrs`` holds ``reference_year`` and ``notes`` (the notes of every link).
    """
    if len(periods) < 2:
        raise InputError(
            en=f"chain-linking needs at least two accounts; got {len(periods)}",
            zh=f"链式连接至少需要两期核算，实有 {len(periods)} 期",
            field="accounts",
        )
    years = [p.year for p in periods]
    if any(y2 <= y1 for y1, y2 in itertools.pairwise(years)):
        raise InputError(
            en="chain-linking needs accounts of increasing years; "
            f"got {', '.join(map(str, years))}",
            zh=f"链式连接的各期核算年份须递增；实为 {', '.join(map(str, years))}",
            field="year",
            values=years,
        )
    ref = years[0] if reference_year is None else reference_year
    if ref not in years:
        raise InputError(
            en=f"reference year {ref} is not the year of any account; choose one of "
            f"{', '.join(map(str, years))}",
            zh=f"参照年 {ref} 不是任何一期核算的年份；请从 {', '.join(map(str, years))} 中选择",
            field="reference_year",
            values=[ref],
        )
    measures = [at_base_prices(p, q, indices) for p, q in itertools.pairwise(periods)]
    tables = [m.by_indicator().set_index("indicator") for m in measures]
    values = [tables[0]["value_a_cny"], *(t["value_b_cny"] for t in tables)]
    links = [pd.Series(dtype="float64"), *(t["volume_index"] for t in tables)]
    names = [*_indicator_order([k for v in values for k in v.index if k != GEP]), GEP]
    value = pd.DataFrame(
        {y: v.reindex(names).fillna(0.0) for y, v in zip(years, values, strict=True)}
    )
    link = pd.DataFrame({y: s.reindex(names) for y, s in zip(years, links, strict=True)})
    chain = pd.DataFrame(np.nan, index=names, columns=years)
    k_ref = years.index(ref)
    chain[ref] = 100.0
    for k in range(k_ref + 1, len(years)):
        chain[years[k]] = chain[years[k - 1]] * link[years[k]] / 100.0
    for k in range(k_ref - 1, -1, -1):
        chain[years[k]] = chain[years[k + 1]] / (link[years[k + 1]] / 100.0)
    base_value = value[ref].where(value[ref] != 0)
    volume = chain.mul(base_value, axis=0) / 100.0
    out = []
    for y in years:
        frame = pd.DataFrame(
            {
                "year": y,
                "indicator": names,
                "value_cny": value[y].to_numpy(),
                "link_index": link[y].to_numpy(),
                "chain_index": chain[y].to_numpy(),
                "chain_volume_cny": volume[y].to_numpy(),
            }
        )
        vol = frame["chain_volume_cny"]
        frame["price_index"] = 100.0 * frame["value_cny"] / vol.where(vol != 0)
        parts = float(np.nansum(vol[frame["indicator"] != GEP].to_numpy()))
        frame["non_additivity_cny"] = np.where(frame["indicator"] == GEP, vol - parts, np.nan)
        out.append(frame)
    table = pd.concat(out, ignore_index=True)
    gaps = [f"{y1}→{y2}" for y1, y2 in itertools.pairwise(years) if y2 != y1 + 1]
    table.attrs["reference_year"] = ref
    table.attrs["notes"] = [
        f"chain-linked volumes at {ref} prices: each year at the previous account's prices, "
        f"linked into an index with {ref} = 100; the indicators' chain-linked volumes do not "
        f"add up to the chain-linked GEP outside {ref} and the year after it (the difference "
        "is shown as non-additivity)",
        *(f"link {g} spans more than one year at the earlier year's prices" for g in gaps),
        *(n for m in measures for n in m.notes[1:]),
    ]
    return table


__all__ = [
    "ROW_KEYS",
    "VOLUME_COLUMNS",
    "AccountPeriod",
    "VolumeMeasure",
    "at_base_prices",
    "chain_linked",
]
