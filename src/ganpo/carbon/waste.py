"""Waste (IPCC 4.A, 4.C, 4.D): CH4 of solid waste disposal, fossil CO2 of incineration and
CH4 of wastewater, in the categories of the provincial guideline (2011, Ch. 5).

Solid waste disposal uses the **mass-balance default method** (IPCC 1996 Revised
Guidelines, Waste Ch. 6, Eq. 1; parameters of IPCC 2006 Vol. 5 Ch. 3), not the IPCC 2006
first-order decay (FOD) method: it counts in the year of disposal all the CH4 the waste
will ever release, so it is a simplification that overstates emissions while waste
disposal grows and needs no disposal history. FOD, which needs decades of disposal data,
is left for a later brick.
"""

from __future__ import annotations

import pandas as pd

from ganpo.carbon.factors import FactorUse, process_factor_set, use
from ganpo.carbon.inputs import activity_table, amount_factor, flags, fraction, quantities
from ganpo.carbon.result import Emissions, emissions_table, gas_row
from ganpo.carbon.typed import type_factor

LANDFILL_TABLE = "solid waste disposal"
INCINERATION_TABLE = "waste incineration"
WASTEWATER_TABLE = "wastewater"
_CH4_PER_C = 16.0 / 12.0
_CO2_PER_C = 44.0 / 12.0


def _recovered(table: str, activity: pd.DataFrame) -> pd.Series:
    """CH4 recovered [t] (column ``recovered_ch4_t``, 0 where absent)."""
    if "recovered_ch4_t" not in activity.columns:
        return pd.Series(0.0, index=activity.index)
    return quantities(table, activity, "recovered_ch4_t")


def landfill_ch4(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CH4 [t] of solid waste disposal (4.A), mass-balance default method.

    .. math:: E_{CH_4} = (MSW \\times MCF \\times DOC \\times DOC_f \\times F \\times 16/12
              - R) \\times (1 - OX)

    IPCC 1996 Revised Guidelines Waste Eq. 1, with MCF by site type (IPCC 2006 Vol. 5
    Table 3.1), DOC_f 0.5, F 0.5 and OX (Table 3.2: 0.1 for a site covered with
    CH4-oxidising material, else 0). ``activity``: ``unit_code``, ``year``, ``site_type``
    (managed_anaerobic, managed_semi_aerobic, unmanaged_deep, unmanaged_shallow,
    uncategorised), ``quantity`` (waste landfilled, wet) ≥ 0, ``unit`` (t, 万t), ``doc``
    (degradable organic carbon, fraction of the wet waste, from its composition),
    optional ``oxidising_cover`` (bool) and ``recovered_ch4_t`` (CH4 recovered [t]).
    Recovery beyond generation gives 0, not a negative emission.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).
    """
    cols = ["unit_code", "year", "site_type", "quantity", "unit", "doc"]
    activity = activity_table(
        LANDFILL_TABLE, activity, cols, region=region, level=level, same=["site_type"]
    )
    f = process_factor_set(factor_set)
    docf = f.get("landfill.docf", "1")
    gas_fraction = f.get("landfill.f", "1")
    waste = quantities(LANDFILL_TABLE, activity)
    doc = fraction(LANDFILL_TABLE, activity, "doc")
    recovered = _recovered(LANDFILL_TABLE, activity)
    covered = flags(LANDFILL_TABLE, activity, "oxidising_cover")
    rows = []
    used: list[FactorUse] = [
        use(f"{factor_set}.landfill.docf", docf),
        use(f"{factor_set}.landfill.f", gas_fraction),
    ]
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, mcf = type_factor(LANDFILL_TABLE, activity, i, "site_type", f, "landfill.mcf", "1")
        ox_key = "landfill.ox.managed" if bool(covered.iloc[pos]) else "landfill.ox.other"
        ox = f.get(ox_key, "1")
        t = float(waste.iloc[pos]) * amount_factor(LANDFILL_TABLE, activity, i, str(r["unit"]), "t")
        generated = t * mcf.value * float(doc.iloc[pos]) * docf.value * gas_fraction.value
        ch4 = max(generated * _CH4_PER_C - float(recovered.iloc[pos]), 0.0) * (1.0 - ox.value)
        item = f.type_names(str(r["site_type"]))
        rows.append(gas_row(r, "4.A", item, ch4, "CH4"))
        used += [use(f"{factor_set}.{key}", mcf), use(f"{factor_set}.{ox_key}", ox)]
    return Emissions(emissions_table(rows), used)


def incineration_co2(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """Fossil CO2 [t] of waste incineration (4.C).

    .. math:: E_{CO_2} = SW \\times dm \\times CF \\times FCF \\times OF \\times 44/12

    IPCC 2006 Vol. 5 Eq. 5.1 for one waste stream, OF 1 (Table 5.2). The composition is
    the caller's data: ``dm`` dry matter fraction of the wet waste, ``cf`` carbon fraction
    of the dry matter, ``fcf`` fossil fraction of that carbon (the biogenic rest is not
    counted). ``activity``: ``unit_code``, ``year``, ``quantity`` (wet waste incinerated)
    ≥ 0, ``unit`` (t, 万t), ``dm``, ``cf``, ``fcf``.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "quantity": [1000], "unit": ["t"],
    ...                   "dm": [0.5], "cf": [0.4], "fcf": [0.3]})
    >>> round(float(incineration_co2(a).table["quantity_t"].iloc[0]), 6)  # 1000×.5×.4×.3×44/12
    220.0
    """
    cols = ["unit_code", "year", "quantity", "unit", "dm", "cf", "fcf"]
    activity = activity_table(
        INCINERATION_TABLE, activity, cols, region=region, level=level, same=[]
    )
    f = process_factor_set(factor_set)
    of = f.get("incineration.of", "1")
    waste = quantities(INCINERATION_TABLE, activity)
    dm, cf, fcf = (fraction(INCINERATION_TABLE, activity, c) for c in ("dm", "cf", "fcf"))
    rows = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        unit = str(r["unit"])
        t = float(waste.iloc[pos]) * amount_factor(INCINERATION_TABLE, activity, i, unit, "t")
        c = t * float(dm.iloc[pos]) * float(cf.iloc[pos]) * float(fcf.iloc[pos]) * of.value
        rows.append(gas_row(r, "4.C", ("焚烧垃圾", "waste incinerated"), c * _CO2_PER_C))
    return Emissions(emissions_table(rows), [use(f"{factor_set}.incineration.of", of)])


def wastewater_ch4(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CH4 [t] of wastewater treatment and discharge (4.D) by treatment system.

    .. math:: E_{CH_4} = TOW \\times B_o \\times MCF - R

    IPCC 2006 Vol. 5 Eq. 6.1/6.4 for one system (sludge removal counted in ``TOW``):
    ``TOW`` organics in the wastewater [t BOD or t COD], ``B_o`` 0.6 kg CH4/kg BOD
    (domestic) or 0.25 kg CH4/kg COD (industrial) (Table 6.2), ``MCF`` of the system
    (Table 6.3), ``R`` CH4 recovered [t]. ``activity``: ``unit_code``, ``year``,
    ``system`` (aerobic_well_managed, aerobic_not_well_managed, anaerobic_reactor,
    untreated_river), ``organics`` (the measure of ``quantity``: BOD or COD),
    ``quantity`` ≥ 0, ``unit`` (t, 万t), optional ``recovered_ch4_t``. Recovery beyond
    generation gives 0.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "system": ["untreated_river"],
    ...                   "organics": ["BOD"], "quantity": [1], "unit": ["万t"]})
    >>> round(float(wastewater_ch4(a).table["quantity_t"].iloc[0]), 6)  # 10⁴ × 0.6 × 0.1
    600.0
    """
    cols = ["unit_code", "year", "system", "organics", "quantity", "unit"]
    activity = activity_table(
        WASTEWATER_TABLE, activity, cols, region=region, level=level, same=["system", "organics"]
    )
    f = process_factor_set(factor_set)
    organics = quantities(WASTEWATER_TABLE, activity)
    recovered = _recovered(WASTEWATER_TABLE, activity)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, mcf = type_factor(WASTEWATER_TABLE, activity, i, "system", f, "wastewater.mcf", "1")
        bo_key, bo = type_factor(WASTEWATER_TABLE, activity, i, "organics", f, "wastewater.bo", "1")
        t = float(organics.iloc[pos]) * amount_factor(
            WASTEWATER_TABLE, activity, i, str(r["unit"]), "t"
        )
        ch4 = max(t * bo.value * mcf.value - float(recovered.iloc[pos]), 0.0)
        rows.append(gas_row(r, "4.D", f.type_names(str(r["system"])), ch4, "CH4"))
        used += [use(f"{factor_set}.{key}", mcf), use(f"{factor_set}.{bo_key}", bo)]
    return Emissions(emissions_table(rows), used)
