"""Agriculture (IPCC 3.A, 3.C): CH4 of enteric fermentation and rice cultivation, direct
N2O of managed soils. Tier 1 of the IPCC 2006 Guidelines, Vol. 4, in the categories of the
provincial guideline (2011, Ch. 3), and indirect N2O of managed soils. Manure management
(3.A.2) is left for a later brick (its Tier 1 factors depend on climate zone and on the
shares of manure management systems, which were not read)."""

from __future__ import annotations

import pandas as pd

from ganpo.carbon.factors import FactorUse, process_factor_set, use
from ganpo.carbon.inputs import activity_table, amount_factor, quantities, where, where_zh
from ganpo.carbon.result import Emissions, emissions_table, gas_row
from ganpo.carbon.typed import type_factor
from ganpo.errors import TableError

ENTERIC_TABLE = "livestock"
RICE_TABLE = "rice cultivation"
SOILS_TABLE = "nitrogen applied to soils"
SOILS_SOURCE_TABLE = "nitrogen applied by source"
_N2O_PER_N = 44.0 / 28.0


def enteric_ch4(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CH4 [t] of enteric fermentation (3.A.1) by animal type.

    .. math:: E_{CH_4} = \\sum_T N_T \\times EF_T / 1000

    IPCC 2006 Vol. 4 Eq. 10.19 (Tier 1) with Tables 10.10/10.11 (Asia, developing
    countries): ``N_T`` the animals of type T (annual average population [head]),
    ``EF_T`` [kg CH4/head/a]. ``activity``: ``unit_code``, ``year``, ``animal``
    (dairy_cattle, other_cattle, buffalo, sheep, goats, swine, horses), ``quantity``,
    ``unit`` (head, 头, 只, 万头, 万只).

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "animal": ["swine"],
    ...                   "quantity": [2], "unit": ["万头"]})
    >>> float(enteric_ch4(a).table["quantity_t"].iloc[0])  # 2 × 10⁴ head × 1 kg / 1000
    20.0
    """
    cols = ["unit_code", "year", "animal", "quantity", "unit"]
    activity = activity_table(
        ENTERIC_TABLE, activity, cols, region=region, level=level, same=["animal"]
    )
    f = process_factor_set(factor_set)
    heads = quantities(ENTERIC_TABLE, activity)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, ef = type_factor(ENTERIC_TABLE, activity, i, "animal", f, "enteric", "kg CH4/head/a")
        n = float(heads.iloc[pos]) * amount_factor(
            ENTERIC_TABLE, activity, i, str(r["unit"]), "head"
        )
        rows.append(
            gas_row(r, "3.A.1", f.type_names(str(r["animal"])), n * ef.value / 1000.0, "CH4")
        )
        used.append(use(f"{factor_set}.{key}", ef))
    return Emissions(emissions_table(rows), used)


def rice_ch4(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CH4 [t] of rice cultivation (3.C.7) by water regime.

    .. math:: E_{CH_4} = \\sum_j A_j \\times t_j \\times EF_c \\times SF_{w,j} / 1000

    IPCC 2006 Vol. 4 Eq. 5.1 and 5.2 (Tier 1): ``A_j`` harvested area [ha], ``t_j``
    cultivation period [d], ``EF_c`` baseline 1.30 kg CH4/ha/d (Table 5.11), ``SF_w``
    the water-regime scaling factor (Table 5.12); pre-season and organic-amendment
    scaling factors 1 (not flooded more than 180 days before, no amendment).
    ``activity``: ``unit_code``, ``year``, ``water_regime`` (continuous,
    single_aeration, multiple_aeration), ``quantity`` (area), ``unit`` (hm2, 公顷,
    千公顷, 亩, 万亩), ``days`` (cultivation period of that rice) > 0.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).
    """
    cols = ["unit_code", "year", "water_regime", "quantity", "unit", "days"]
    activity = activity_table(
        RICE_TABLE, activity, cols, region=region, level=level, same=["water_regime"]
    )
    f = process_factor_set(factor_set)
    ef = f.get("rice.baseline_ef", "kg CH4/ha/d")
    area = quantities(RICE_TABLE, activity)
    days = quantities(RICE_TABLE, activity, "days")
    rows = []
    used: list[FactorUse] = [use(f"{factor_set}.rice.baseline_ef", ef)]
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, sf = type_factor(RICE_TABLE, activity, i, "water_regime", f, "rice.water", "1")
        ha = float(area.iloc[pos]) * amount_factor(RICE_TABLE, activity, i, str(r["unit"]), "hm2")
        ch4 = ha * float(days.iloc[pos]) * ef.value * sf.value / 1000.0
        rows.append(gas_row(r, "3.C.7", f.type_names(str(r["water_regime"])), ch4, "CH4"))
        used.append(use(f"{factor_set}.{key}", sf))
    return Emissions(emissions_table(rows), used if rows else [])


def soils_direct_n2o(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """Direct N2O [t] of managed soils (3.C.4) from nitrogen applied.

    .. math:: E_{N_2O} = (N_{up} \\times EF_1 + N_{FR} \\times EF_{1FR}) \\times 44/28

    IPCC 2006 Vol. 4 Eq. 11.1 (Tier 1, mineral soils): ``N`` the nitrogen applied
    (fertiliser, manure, crop residues) [t N]; EF1 0.01 and EF1FR (flooded rice) 0.003
    kg N2O-N per kg N (Table 11.1). ``activity``: ``unit_code``, ``year``, ``field``
    (upland or flooded_rice), ``quantity`` (N, not fertiliser product: pure N) ≥ 0,
    ``unit`` (t, 万t).

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "field": ["upland"],
    ...                   "quantity": [1], "unit": ["万t"]})
    >>> round(float(soils_direct_n2o(a).table["quantity_t"].iloc[0]), 4)  # 10⁴ × 0.01 × 44/28
    157.1429
    """
    cols = ["unit_code", "year", "field", "quantity", "unit"]
    activity = activity_table(
        SOILS_TABLE, activity, cols, region=region, level=level, same=["field"]
    )
    f = process_factor_set(factor_set)
    keys = {"upland": "soils.ef1", "flooded_rice": "soils.ef1_flooded_rice"}
    names = {
        "upland": ("旱地施氮", "N applied to upland"),
        "flooded_rice": ("稻田施氮", "N applied to flooded rice"),
    }
    n_t = quantities(SOILS_TABLE, activity)
    rows = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        kind = str(r["field"])
        if kind not in keys:
            raise TableError(
                en=f"{where(SOILS_TABLE, activity, i)}: column 'field' value {kind!r} is neither "
                "'upland' nor 'flooded_rice'",
                zh=f"{where_zh(SOILS_TABLE, activity, i)}：field 须为 upland 或 flooded_rice",
                source=SOILS_TABLE,
                field="field",
                values=[kind],
            )
        ef = f.get(keys[kind], "1")
        n = float(n_t.iloc[pos]) * amount_factor(SOILS_TABLE, activity, i, str(r["unit"]), "t")
        rows.append(gas_row(r, "3.C.4", names[kind], n * ef.value * _N2O_PER_N, "N2O"))
        used.append(use(f"{factor_set}.{keys[kind]}", ef))
    return Emissions(emissions_table(rows), used)


def soils_indirect_n2o(
    activity: pd.DataFrame,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """Indirect N2O [t] of managed soils (3.C.5): N volatilised and redeposited, and N
    leached, from the nitrogen applied.

    .. math:: E_{N_2O} = [N \\times Frac_{GAS} \\times EF_4
              + N \\times Frac_{LEACH} \\times EF_5] \\times 44/28

    IPCC 2006 Vol. 4 Eq. 11.9 and 11.10 (Tier 1) with Table 11.3: Frac_GASF 0.10 for
    synthetic fertiliser, Frac_GASM 0.20 for organic N, EF4 0.010, Frac_LEACH 0.30 (humid
    regions such as Jiangxi, where leaching occurs), EF5 0.0075. ``activity``:
    ``unit_code``, ``year``, ``n_source`` (synthetic or organic), ``quantity`` (N) ≥ 0,
    ``unit`` (t, 万t).

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "n_source": ["synthetic"],
    ...                   "quantity": [1], "unit": ["万t"]})
    >>> round(float(soils_indirect_n2o(a).table["quantity_t"].iloc[0]), 4)
    51.0714
    """
    cols = ["unit_code", "year", "n_source", "quantity", "unit"]
    activity = activity_table(
        SOILS_SOURCE_TABLE, activity, cols, region=region, level=level, same=["n_source"]
    )
    f = process_factor_set(factor_set)
    ef4, ef5 = f.get("soils.ef4", "1"), f.get("soils.ef5", "1")
    leach = f.get("soils.frac_leach", "1")
    n_t = quantities(SOILS_SOURCE_TABLE, activity)
    rows = []
    used: list[FactorUse] = [
        use(f"{factor_set}.soils.ef4", ef4),
        use(f"{factor_set}.soils.ef5", ef5),
        use(f"{factor_set}.soils.frac_leach", leach),
    ]
    for pos, (i, r) in enumerate(activity.iterrows()):
        key, gas = type_factor(
            SOILS_SOURCE_TABLE, activity, i, "n_source", f, "soils.frac_gas", "1"
        )
        n = float(n_t.iloc[pos]) * amount_factor(
            SOILS_SOURCE_TABLE, activity, i, str(r["unit"]), "t"
        )
        n2o_n = n * gas.value * ef4.value + n * leach.value * ef5.value
        item = f.type_names(str(r["n_source"]))
        rows.append(gas_row(r, "3.C.5", item, n2o_n * _N2O_PER_N, "N2O"))
        used.append(use(f"{factor_set}.{key}", gas))
    return Emissions(emissions_table(rows), used if rows else [])
