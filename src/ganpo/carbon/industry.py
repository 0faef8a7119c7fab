"""Industrial processes (IPCC 2.A): process CO2 of cement clinker and lime production.

Tier 1 of the IPCC 2006 Guidelines, Vol. 3 Ch. 2, as the provincial guideline (2011,
Ch. 2) also computes them: the CO2 of the carbonates calcined, from the clinker or lime
produced. Fuel burnt in the kilns belongs to 1.A.2 (:mod:`ganpo.carbon.energy`).
"""

from __future__ import annotations

import pandas as pd

from ganpo.carbon.factors import FactorUse, process_factor_set, use
from ganpo.carbon.inputs import activity_table, amount_factor, quantities
from ganpo.carbon.result import Emissions, emissions_table, gas_row
from ganpo.carbon.typed import type_factor

CEMENT_TABLE = "cement clinker production"
LIME_TABLE = "lime production"


def cement_co2(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """Process CO2 [t] of cement production (2.A.1) from the clinker produced.

    .. math:: E_{CO_2} = M_{cl} \\times EF_{cl} \\times CF_{ckd}

    IPCC 2006 Vol. 3 Eq. 2.2: ``M_cl`` clinker produced [t], ``EF_cl`` 0.51 t CO2/t
    clinker (65 % CaO), ``CF_ckd`` 1.02 (cement kiln dust). ``activity``: ``unit_code``,
    ``year``, ``quantity`` (clinker) ≥ 0, ``unit`` (t, 万t).

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "quantity": [1], "unit": ["万t"]})
    >>> round(float(cement_co2(a).table["quantity_t"].iloc[0]), 6)  # 10⁴ × 0.51 × 1.02
    5202.0
    """
    activity = activity_table(
        CEMENT_TABLE,
        activity,
        ["unit_code", "year", "quantity", "unit"],
        region=region,
        level=level,
        same=[],
    )
    f = process_factor_set(factor_set)
    ef = f.get("cement.clinker_ef", "t CO2/t")
    ckd = f.get("cement.ckd_correction", "1")
    amounts = quantities(CEMENT_TABLE, activity)
    rows = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        t = float(amounts.iloc[pos]) * amount_factor(CEMENT_TABLE, activity, i, str(r["unit"]), "t")
        rows.append(gas_row(r, "2.A.1", ("水泥熟料", "cement clinker"), t * ef.value * ckd.value))
    used = [
        use(f"{factor_set}.cement.clinker_ef", ef),
        use(f"{factor_set}.cement.ckd_correction", ckd),
    ]
    return Emissions(emissions_table(rows), used if rows else [])


def lime_co2(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """Process CO2 [t] of lime production (2.A.2) by type of lime.

    .. math:: E_{CO_2} = \\sum_i M_i \\times EF_i

    IPCC 2006 Vol. 3 Eq. 2.6 with the Table 2.4 factors (high-calcium 0.75, dolomitic
    0.77, hydraulic 0.59 t CO2/t lime). ``activity``: ``unit_code``, ``year``,
    ``lime_type`` (high_calcium, dolomitic, hydraulic), ``quantity`` ≥ 0, ``unit``.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).
    """
    cols = ["unit_code", "year", "lime_type", "quantity", "unit"]
    activity = activity_table(
        LIME_TABLE, activity, cols, region=region, level=level, same=["lime_type"]
    )
    f = process_factor_set(factor_set)
    amounts = quantities(LIME_TABLE, activity)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, ef = type_factor(LIME_TABLE, activity, i, "lime_type", f, "lime", "t CO2/t")
        t = float(amounts.iloc[pos]) * amount_factor(LIME_TABLE, activity, i, str(r["unit"]), "t")
        rows.append(gas_row(r, "2.A.2", f.type_names(str(r["lime_type"])), t * ef.value))
        used.append(use(f"{factor_set}.{key}", ef))
    return Emissions(emissions_table(rows), used)
