"""Energy (IPCC 1.A): CO2 of fuel combustion by sector and fuel, and the indirect CO2 of
the electricity consumed (a memo item, kept out of the production-based total).

Fuel combustion follows the sectoral approach, Tier 1, of the IPCC 2006 Guidelines
(Vol. 2 Ch. 2 Eq. 2.1) with the carbon content and oxidation of Vol. 2 Ch. 1 (Eq. 1.1 and
Table 1.4's note), the form the provincial guideline (2011, Ch. 1) also uses:

.. math:: E_{CO_2} = AD \\times NCV \\times CC \\times OF \\times 44/12

with AD the fuel consumed [physical unit or tce], NCV the net calorific value
[GJ per physical unit], CC the carbon content [t C/TJ] and OF the fraction oxidised.
Energy statistics give fuels in physical units (t, 万t, m³, 亿m³) or in tonnes of coal
equivalent (tce, 1 tce = 29.3076 GJ): a physical quantity is converted with the fuel's NCV,
whose unit must fit it (natural gas in m³ needs an NCV per m³), tce directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd

from ganpo.carbon.factors import (
    Factor,
    FactorUse,
    Fuel,
    categories,
    combustion_non_co2_set,
    fuel_factor_set,
    grid_factor,
    use,
)
from ganpo.carbon.inputs import activity_table, quantities, unit_factor, where, where_zh
from ganpo.carbon.result import Emissions, emissions_table, gas_row
from ganpo.catalog.units import parse_unit
from ganpo.errors import InputError, TableError, halves_of

#: 1 tce (吨标准煤) = 7000 kcal/kg × 1000 kg × 4.1868 kJ/kcal = 29.3076 GJ
GJ_PER_TCE = 29.3076
TCE = Factor(
    value=GJ_PER_TCE,
    unit="GJ/tce",
    year=2020,
    source="GB/T 2589-2020 综合能耗计算通则: 1 kgce is fuel of net calorific value 7000 kcal "
    "(29 307 kJ as the standard rounds it); 7000 × 4.1868 kJ/kcal = 29 307.6 kJ",
    status="verified",
)
_TCE_UNIT = re.compile(r"^\s*(万|亿|10\^4\s*|10\^8\s*)?(tce|吨标准煤|吨标煤|t\s*ce)\s*$")
_SCALE = {"万": 1e4, "亿": 1e8, "10^4": 1e4, "10^8": 1e8}
_MASS_CO2_PER_C = 44.0 / 12.0

FUEL_TABLE = "fuel combustion"
FUEL_COLUMNS = ["unit_code", "year", "category_code", "fuel", "quantity", "unit"]
#: the columns that say what a fuel row counts: rows of two levels (a county and its city)
#: double count when these and the year are equal
FUEL_ITEM = ["category_code", "fuel"]
ELECTRICITY_TABLE = "electricity consumption"
ELECTRICITY_COLUMNS = ["unit_code", "year", "quantity", "unit"]


def tce_scale(unit: str) -> float | None:
    """Tonnes of coal equivalent in one ``unit`` if it is a tce unit (tce, 万tce, 吨标准煤,
    万吨标准煤), else None.

    >>> tce_scale("万吨标准煤"), tce_scale("t")
    (10000.0, None)
    """
    m = _TCE_UNIT.match(unit)
    if m is None:
        return None
    prefix = (m.group(1) or "").strip()
    return _SCALE.get(prefix, 1.0)


def energy_gj(quantity: float, unit: str, ncv_gj: float | None, ncv_unit: str) -> float:
    """Energy [GJ] of ``quantity`` ``unit`` of a fuel whose net calorific value is
    ``ncv_gj`` in ``ncv_unit`` (energy per mass or volume); tce units need no NCV.
    Raises :class:`~ganpo.errors.InputError` when the unit does not fit the NCV.

    >>> round(energy_gj(2.0, "万t", 20908, "kJ/kg"), 6)  # 2 × 10⁴ t × 20.908 GJ/t
    418160.0
    >>> energy_gj(1.0, "万tce", None, "kJ/kg")
    293076.0
    """
    from pint.errors import DimensionalityError

    scale = tce_scale(unit)
    if scale is not None:
        return quantity * scale * GJ_PER_TCE
    assert ncv_gj is not None
    q = parse_unit(unit) * parse_unit(ncv_unit)
    try:
        return float(quantity * ncv_gj * q.to("GJ").magnitude)
    except DimensionalityError as exc:
        per = parse_unit(ncv_unit).dimensionality
        raise InputError(
            en=f"unit {unit!r} does not fit a net calorific value in {ncv_unit!r} ({per}); give "
            f"the quantity in a unit the NCV is per (its denominator) or in tce",
            zh=f"单位 {unit!r} 与净发热值的单位 {ncv_unit!r}（{per}）不匹配：请按净发热值所对应"
            "的单位（其分母）或以 tce 给出数量",
            field="unit",
            values=[unit, ncv_unit],
        ) from exc


def fuel_combustion_co2(
    activity: pd.DataFrame,
    fuel_set: str,
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CO2 [t] of fuel combustion by unit code, year, sector (IPCC 1.A.1 … 1.A.5) and fuel.

    ``activity``: columns ``unit_code``, ``year``, ``category_code`` (1.A.x), ``fuel`` (a
    fuel of ``fuel_set``: raw_coal, washed_coal, coke, crude_oil, gasoline, kerosene,
    diesel, fuel_oil, lpg, natural_gas), ``quantity`` ≥ 0 and ``unit`` (t, 万t, m3, 亿m³,
    tce, 万tce …). Formula: module docstring (IPCC 2006 Vol. 2 Eq. 2.1 with Eq. 1.1).
    Rows of two levels overlap when they have the same year, sector and fuel.

    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [360000], "year": [2022], "category_code": ["1.A.2"],
    ...                   "fuel": ["diesel"], "quantity": [1.0], "unit": ["万t"]})
    >>> e = fuel_combustion_co2(a, "ipcc-2006")
    >>> round(float(e.table["quantity_t"].iloc[0]), 1)  # 10⁴ t × 43.0 GJ/t × 20.2 t C/TJ × 44/12
    31848.7
    """
    rows: list[dict[str, object]] = []
    used: list[FactorUse] = []
    for r, fuel, gj, energy_use in _fuel_energy(activity, fuel_set, region, level):
        co2 = gj / 1000.0 * fuel.carbon_content.value * fuel.oxidation.value * _MASS_CO2_PER_C
        rows.append(gas_row(r, str(r["category_code"]), (fuel.zh, fuel.en), co2))
        key = f"fuel.{fuel_set}.{r['fuel']}"
        used += [
            energy_use,
            use(f"{key}.carbon_content", fuel.carbon_content),
            use(f"{key}.oxidation", fuel.oxidation),
        ]
    return Emissions(emissions_table(rows), used)


def fuel_combustion_non_co2(
    activity: pd.DataFrame,
    fuel_set: str,
    factor_set: str = "ipcc-2006",
    *,
    region: int | None = None,
    level: str | None = None,
) -> Emissions:
    """CH4 and N2O [t] of fuel combustion by unit code, year, sector and fuel.

    .. math:: E_{gas} = AD \\times NCV \\times EF_{gas,sector,fuel}

    IPCC 2006 Vol. 2 Eq. 2.1 (Tier 1) with the default factors [kg/TJ] of Tables 2.2
    (1.A.1), 2.3 (1.A.2), 2.5 (1.A.4, residential values) and 3.2.2 (1.A.3, road
    transport), unverified (``catalog/data/carbon/combustion-non-co2-ipcc-2006.toml``).
    ``activity`` as for :func:`fuel_combustion_co2`; the energy of each row is the same.
    A sector and fuel without a factor (1.A.5, kerosene in transport) is refused by name.
    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "category_code": ["1.A.3"],
    ...                   "fuel": ["diesel"], "quantity": [1.0], "unit": ["万t"]})
    >>> fuel_combustion_non_co2(a, "ipcc-2006").table["quantity_t"].round(6).tolist()
    [1.677, 1.677]
    """
    nonco2 = combustion_non_co2_set(factor_set)
    rows: list[dict[str, object]] = []
    used: list[FactorUse] = []
    for r, fuel, gj, energy_use in _fuel_energy(activity, fuel_set, region, level):
        code = str(r["category_code"])
        used.append(energy_use)
        for gas in ("CH4", "N2O"):
            try:
                f = nonco2.factor(code, str(r["fuel"]), gas)
            except InputError as exc:
                en, zh = halves_of(exc)  # the factor set's refusal, both halves
                raise TableError(
                    en=f"{where(FUEL_TABLE, activity, r.name)}: {en}",
                    zh=f"{where_zh(FUEL_TABLE, activity, r.name)}：{zh}",
                    source=FUEL_TABLE,
                    field="fuel",
                    values=[code, r["fuel"]],
                ) from exc
            # GJ / 1000 = TJ; kg / 1000 = t
            rows.append(gas_row(r, code, (fuel.zh, fuel.en), gj / 1000.0 * f.value / 1000.0, gas))
            used.append(use(f"combustion.{factor_set}.{code}.{r['fuel']}.{gas.lower()}", f))
    return Emissions(emissions_table(rows), used)


def _fuel_energy(
    activity: pd.DataFrame, fuel_set: str, region: int | None = None, level: str | None = None
) -> Iterator[tuple[pd.Series, Fuel, float, FactorUse]]:
    """Each row of a fuel table checked, with its fuel's factors, its energy [GJ] and the
    factor that gave the energy (the fuel's NCV, or the tce definition)."""
    activity = activity_table(
        FUEL_TABLE, activity, FUEL_COLUMNS, region=region, level=level, same=FUEL_ITEM
    )
    factors = fuel_factor_set(fuel_set)
    amounts = quantities(FUEL_TABLE, activity)
    sectors = sorted(c for c in categories() if c.startswith("1.A"))
    for pos, (i, r) in enumerate(activity.iterrows()):
        code = str(r["category_code"])
        if code not in sectors:
            raise TableError(
                en=f"{where(FUEL_TABLE, activity, i)}: column 'category_code' value {code!r} is "
                f"not a fuel-combustion sector; use {', '.join(sectors)}",
                zh=f"{where_zh(FUEL_TABLE, activity, i)}：部门代码 {code} 不是燃料燃烧部门",
                source=FUEL_TABLE,
                field="category_code",
                values=[code],
            )
        try:
            fuel = factors.fuel(str(r["fuel"]))
        except InputError as exc:
            en, zh = halves_of(exc)  # the factor set's refusal, both halves
            raise TableError(
                en=f"{where(FUEL_TABLE, activity, i)}: {en}",
                zh=f"{where_zh(FUEL_TABLE, activity, i)}：{zh}",
                source=FUEL_TABLE,
                field="fuel",
                values=[r["fuel"]],
            ) from exc
        unit = str(r["unit"])
        per_unit = _energy_per(fuel.ncv.unit)
        ncv_gj_per = fuel.ncv.value * unit_factor(FUEL_TABLE, activity, i, fuel.ncv.unit, per_unit)
        try:
            gj = energy_gj(float(amounts.iloc[pos]), unit, ncv_gj_per, per_unit)
        except InputError as exc:
            per = per_unit.split("/")[1]
            raise TableError(
                en=f"{where(FUEL_TABLE, activity, i)}: column 'unit' value {unit!r} does not fit "
                f"fuel {r['fuel']!r} ({fuel.en}), whose net calorific value in set "
                f"{fuel_set!r} is per {per}: give the quantity in a unit of {per} (e.g. "
                f"{_examples(per)}) or in tce, or use a factor set with an NCV per {unit}",
                zh=f"{where_zh(FUEL_TABLE, activity, i)}"
                f"：{fuel.zh} 的单位 {unit} 与其低位发热量（每 {per}）不符",
                source=FUEL_TABLE,
                field="unit",
                values=[unit],
            ) from exc
        if tce_scale(unit) is not None:
            energy_use = use("energy.tce", TCE)
        else:
            energy_use = use(f"fuel.{fuel_set}.{r['fuel']}.ncv", fuel.ncv)
        yield r, fuel, gj, energy_use


def _energy_per(ncv_unit: str) -> str:
    """The GJ-based unit of an NCV: GJ/t for energy per mass, GJ/m3 per volume."""
    per = parse_unit(ncv_unit)
    for target in ("GJ/t", "GJ/m3"):
        if per.dimensionality == parse_unit(target).dimensionality:
            return target
    raise InputError(
        en=f"net calorific value unit {ncv_unit!r} is neither energy per mass nor per volume",
        zh=f"低位发热量的单位 {ncv_unit!r} 既不是单位质量的能量，也不是单位体积的能量："
        "请改为如 GJ/t 或 GJ/m3 的单位",
        field="unit",
        values=[ncv_unit],
    )


def _examples(per: str) -> str:
    return "t, 万t" if per == "t" else "m³, 万m³, 亿m³"


def electricity_indirect_co2(
    activity: pd.DataFrame, *, grid: str, region: int | None = None, level: str | None = None
) -> Emissions:
    """Indirect CO2 [t] of the electricity consumed: consumption × the published average
    emission factor of the ``grid`` region ("national", "central_china") of the row's
    year (MEE/NBS announcements). A memo item (category ``memo.electricity``, scope
    indirect): it enters the consumption-based total, not the production-based one
    (:func:`ganpo.carbon.result.totals`).

    ``activity``: ``unit_code``, ``year``, ``quantity`` ≥ 0, ``unit`` (kWh, 万kWh, 亿kWh).
    ``region`` (a province or city adcode) checks every unit code against the region and
    refuses levels that double count unless ``level`` names the one reported
    (:func:`~ganpo.carbon.inputs.in_region`).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "quantity": [1.0],
    ...                   "unit": ["亿kWh"]})
    >>> float(electricity_indirect_co2(a, grid="national").table["quantity_t"].iloc[0])
    53660.0
    """
    activity = activity_table(
        ELECTRICITY_TABLE, activity, ELECTRICITY_COLUMNS, region=region, level=level
    )
    amounts = quantities(ELECTRICITY_TABLE, activity)
    rows: list[dict[str, object]] = []
    used: list[FactorUse] = []
    for pos, (i, r) in enumerate(activity.iterrows()):
        kwh = float(amounts.iloc[pos]) * unit_factor(
            ELECTRICITY_TABLE, activity, i, str(r["unit"]), "kWh"
        )
        try:
            f = grid_factor(grid, int(r["year"]))
        except InputError as exc:
            en, zh = halves_of(exc)  # the grid factors' refusal, both halves
            raise TableError(
                en=f"{where(ELECTRICITY_TABLE, activity, i)}: {en}",
                zh=f"{where_zh(ELECTRICITY_TABLE, activity, i)}：{zh}",
                source=ELECTRICITY_TABLE,
                field="year",
                values=[r["year"]],
            ) from exc
        co2 = kwh * f.value / 1000.0
        rows.append(gas_row(r, "memo.electricity", ("电力", "electricity"), co2))
        used.append(use(f"grid.{grid}.{f.year}", f))
    return Emissions(emissions_table(rows), used)


#: a fuel's energy that changes by this factor or more from one year to the next is
#: flagged as a likely unit error (t for 万t is ×10⁴, tce for 万tce too); the threshold
#: of the statistics tables' year-on-year check (decision 0027): 10^2.5 ≈ 316
UNIT_ERROR_RATIO = 10**2.5


def fuel_energy(
    activity: pd.DataFrame,
    fuel_set: str,
    *,
    region: int | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """The energy [GJ] of each row of a fuel table, checked as :func:`fuel_combustion_co2`
    checks it: ``unit_code``, ``year``, ``category_code``, ``fuel``, ``energy_gj`` (one row
    per activity row, in its order).

    >>> a = pd.DataFrame({"unit_code": [1], "year": [2022], "category_code": ["1.A.2"],
    ...                   "fuel": ["coke"], "quantity": [1.0], "unit": ["万tce"]})
    >>> fuel_energy(a, "cn-statistics")["energy_gj"].tolist()  # 10⁴ tce × 29.3076 GJ
    [293076.0]
    """
    rows = [
        {
            "unit_code": r["unit_code"],
            "year": int(r["year"]),
            "category_code": str(r["category_code"]),
            "fuel": str(r["fuel"]),
            "energy_gj": gj,
        }
        for r, _, gj, _ in _fuel_energy(activity, fuel_set, region, level)
    ]
    return pd.DataFrame(rows, columns=["unit_code", "year", "category_code", "fuel", "energy_gj"])


def unit_scale_findings(
    activity: pd.DataFrame,
    fuel_set: str,
    *,
    region: int | None = None,
    level: str | None = None,
) -> pd.DataFrame:
    """Rows whose fuel energy differs from the same unit code, sector and fuel of the
    previous year in the table by a factor of 10^2.5 or more: likely written in the wrong
    unit (t for 万t, tce for 万tce). A finding to review, not a refusal: a plant that
    opened or closed changes a county's use as much. Compared in energy, so a series
    reported once in t and once in tce is compared rightly.

    Returns one row per finding: ``unit_code``, ``year``, ``category_code``, ``fuel``,
    ``energy_gj``, ``previous_year``, ``previous_energy_gj``, ``ratio``, ``message_en``,
    ``message_zh``.

    >>> a = pd.DataFrame({"unit_code": [1, 1], "year": [2021, 2022],
    ...                   "category_code": ["1.A.2"] * 2, "fuel": ["raw_coal"] * 2,
    ...                   "quantity": [3.1, 32000], "unit": ["万t", "万t"]})
    >>> unit_scale_findings(a, "cn-statistics")["ratio"].round(0).tolist()
    [10323.0]
    """
    energy = fuel_energy(activity, fuel_set, region=region, level=level)
    columns = ["unit_code", "year", "category_code", "fuel", "energy_gj", "previous_year",
               "previous_energy_gj", "ratio", "message_en", "message_zh"]  # fmt: skip
    if energy.empty:
        return pd.DataFrame(columns=columns)
    series = ["unit_code", "category_code", "fuel"]
    e = energy.groupby([*series, "year"])["energy_gj"].sum().reset_index()
    found = []
    for _, g in e.sort_values("year").groupby(series, sort=True):
        prev = g.shift(1)
        for (_, r), (_, p) in zip(g.iterrows(), prev.iterrows(), strict=True):
            if pd.isna(p["year"]) or r["energy_gj"] <= 0 or p["energy_gj"] <= 0:
                continue
            ratio = r["energy_gj"] / p["energy_gj"]
            if max(ratio, 1 / ratio) < UNIT_ERROR_RATIO:
                continue
            found.append(
                {
                    **r.to_dict(),
                    "previous_year": int(p["year"]),
                    "previous_energy_gj": p["energy_gj"],
                    "ratio": ratio,
                    "message_en": (
                        f"unit code {r['unit_code']}, {r['category_code']}, {r['fuel']}: "
                        f"{int(r['year'])} is {ratio:.3g} × {int(p['year'])}; check the "
                        "unit (t or 万t, tce or 万tce) before accepting it"
                    ),
                    "message_zh": (
                        f"{r['unit_code']} {r['category_code']} {r['fuel']}：{int(r['year'])} "
                        f"年为 {int(p['year'])} 年的 {ratio:.3g} 倍，请核对单位（吨或万吨、"
                        "吨标准煤或万吨标准煤）"
                    ),
                }
            )
    return pd.DataFrame(found, columns=columns)
