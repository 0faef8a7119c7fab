"""The inventory's result: a tidy table of gas quantities by unit, year and category, its
CO2-equivalents under a named GWP set, the production- and consumption-based totals, and
the provenance of every factor used.

A category function returns :class:`Emissions` (tonnes of each gas, no CO2e yet); the GWP
set is chosen once, explicitly, by :meth:`Emissions.co2e`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from ganpo.carbon.factors import FactorUse, category, gwp_set

#: columns of :attr:`Emissions.table`
GAS_COLUMNS = [
    "unit_code",
    "year",
    "category_code",
    "category_zh",
    "category_en",
    "scope",
    "item_zh",
    "item_en",
    "gas",
    "quantity_t",
]
#: columns added by :meth:`Emissions.co2e`
CO2E_COLUMNS = ["gwp_set", "gwp", "co2e_t"]
PROVENANCE_COLUMNS = ["key", "value", "unit", "year", "source", "status"]
#: the category whose emissions make the electricity consumed in the region (removed from
#: the consumption-based total, where electricity counts at the grid factor instead)
POWER_GENERATION = "1.A.1.a"
#: the chapter of categories.toml that holds the sinks (left out of the gross totals)
LULUCF_CHAPTER = "lulucf"


def lulucf(codes: pd.Series) -> pd.Series:
    """Whether each category code is one of land use, land-use change and forestry (the
    sinks, IPCC 2006 codes 3.B, chapter ``lulucf`` of ``categories.toml``).

    >>> lulucf(pd.Series(["1.A.2", "3.B.1.a"])).tolist()
    [False, True]
    """
    chapter = {c: category(str(c)).chapter for c in codes.unique()}
    return codes.map(lambda c: chapter[c] == LULUCF_CHAPTER).astype(bool)


@dataclass(frozen=True)
class Emissions:
    """Tonnes of each gas by unit code, year, category and item, and the factors used."""

    table: pd.DataFrame
    provenance: list[FactorUse] = field(default_factory=list)

    def provenance_table(self) -> pd.DataFrame:
        """Every factor used, once: key, value, unit, year, source, status."""
        rows = {(u.key, u.year, u.value, u.unit): u.model_dump() for u in self.provenance}
        return pd.DataFrame(list(rows.values()), columns=PROVENANCE_COLUMNS)

    def co2e(self, gwp_set_name: str | None) -> pd.DataFrame:
        """The table with CO2-equivalents under the GWP set named (AR4, AR5, AR6; no
        default): columns ``gwp_set``, ``gwp``, ``co2e_t`` = quantity_t × gwp; the set is
        also in ``attrs["gwp_set"]``. CH4 takes the fossil or non-fossil GWP of its
        category."""
        gwps = gwp_set(gwp_set_name)
        t = self.table.copy()
        t["gwp_set"] = gwp_set_name
        t["gwp"] = [
            gwps.gwp(gas, category(code).ch4_origin)
            for gas, code in zip(t["gas"], t["category_code"], strict=True)
        ]
        t["co2e_t"] = t["quantity_t"] * t["gwp"]
        t.attrs["gwp_set"] = gwp_set_name
        t.attrs["gwp_source"] = gwps.source
        return t


def emissions_table(rows: Iterable[dict[str, object]]) -> pd.DataFrame:
    """A gas table from rows with unit_code, year, category_code, item_zh, item_en, gas,
    quantity_t: category names and scope filled in, equal keys summed."""
    t = pd.DataFrame(list(rows), columns=[c for c in GAS_COLUMNS if c not in _NAMED])
    if t.empty:
        return pd.DataFrame(columns=GAS_COLUMNS)
    cats = {c: category(c) for c in t["category_code"].unique()}
    t["category_zh"] = t["category_code"].map(lambda c: cats[c].zh)
    t["category_en"] = t["category_code"].map(lambda c: cats[c].en)
    t["scope"] = t["category_code"].map(lambda c: cats[c].scope)
    keys = [c for c in GAS_COLUMNS if c != "quantity_t"]
    summed = t.groupby(keys, sort=True)["quantity_t"].sum().reset_index()
    return summed[GAS_COLUMNS]


_NAMED = {"category_zh", "category_en", "scope"}


def gas_row(
    r: pd.Series, code: str, item: tuple[str, str], t: float, gas: str = "CO2"
) -> dict[str, object]:
    """One row for :func:`emissions_table`: the activity row's unit code and year,
    category ``code``, item names (zh, en), ``gas`` and ``t`` tonnes of it."""
    return {
        "unit_code": r["unit_code"],
        "year": int(r["year"]),
        "category_code": code,
        "item_zh": item[0],
        "item_en": item[1],
        "gas": gas,
        "quantity_t": t,
    }


def combine(*parts: Emissions) -> Emissions:
    """One inventory from the emissions of several categories."""
    tables = [p.table for p in parts if not p.table.empty]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=GAS_COLUMNS)
    return Emissions(table, [u for p in parts for u in p.provenance])


def totals(co2e: pd.DataFrame) -> pd.DataFrame:
    """Production- and consumption-based totals, gross of LULUCF, and the net emissions
    including LULUCF [t CO2e] by unit code and year.

    - ``production_based_t``: every direct emission in the region (IPCC territorial total)
      except the sinks (3.B), as the provincial guideline (2011) states its total
      emissions without land-use change and forestry.
    - ``consumption_based_t``: the direct emissions less those of electricity and heat
      generation (1.A.1.a), plus the indirect emissions of the electricity consumed
      (consumption × grid factor): the region's own combustion and the electricity it
      uses, whoever generated it (the GHG Protocol for Cities' scope 1 + 2 without
      grid-supplied generation), gross of LULUCF too. The heat of 1.A.1.a leaves with it;
      a region that reports heat plants under 1.A.1.a and consumes their heat undercounts
      it.
    - ``lulucf_t``: the sinks, negative for a net removal; ``net_t``: production_based_t
      + lulucf_t.
    """
    keys = ["unit_code", "year"]
    rows = []
    # math.fsum: correctly rounded, so a total is the sum of its categories exactly,
    # whatever their order
    for (unit, year), g in co2e.groupby(keys, sort=True):
        sink = lulucf(g["category_code"])
        direct = (g["scope"] == "direct") & ~sink
        consumed = ((g["scope"] != "direct") | (g["category_code"] != POWER_GENERATION)) & ~sink
        rows.append(
            {
                "unit_code": unit,
                "year": year,
                "production_based_t": math.fsum(g.loc[direct, "co2e_t"]),
                "consumption_based_t": math.fsum(g.loc[consumed, "co2e_t"]),
                "lulucf_t": math.fsum(g.loc[sink, "co2e_t"]),
                "net_t": math.fsum(g.loc[direct | sink, "co2e_t"]),
            }
        )
    columns = [*keys, "production_based_t", "consumption_based_t", "lulucf_t", "net_t"]
    out = pd.DataFrame(rows, columns=columns)
    out.attrs = dict(co2e.attrs)
    return out
