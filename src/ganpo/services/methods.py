"""The formulas of the method registry: every declared method bound to the published
formulas of this package.

``METHODS[indicator][method]`` is a :class:`~ganpo.services.base.Method`: the declaration of
:mod:`ganpo.services.registry` (layers or table columns, parameters, source) with the
functions that bind the formulas to them (``raster``: per-cell quantities; ``table``: rows
per unit from statistics). A profile picks one method per indicator; the engine only
iterates. Nothing here reads files or handles nodata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, Literal

import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import UNATTRIBUTED, by_key
from ganpo.catalog.parameters import ParameterSet
from ganpo.errors import InputError, TableError
from ganpo.services import (
    carbon,
    climate,
    cultural,
    flood,
    purification,
    rusle,
    rweq,
    soil,
    statistics,
    water_conservation,
    water_yield,
)
from ganpo.services.base import (
    Component,
    Method,
    RasterFn,
    RasterInputs,
    TableFn,
    TableInputs,
    UsedParameter,
    lookup,
    table_rows,
    where_type,
)
from ganpo.services.registry import (
    AIR,
    CARBON_PRICE,
    DREDGING,
    ELECTRICITY,
    OXYGEN_PRICE,
    PHYSICAL_SPECS,
    PRODUCT_TYPES,
    RESERVOIR_COST,
    RUNOFF_RAIN_SHARE,
    SAND_CONTROL,
    SPECS,
    WATER_POLLUTANTS,
    WATER_SECTORS,
    pick,
)
from ganpo.services.registry import PHYSICAL_NAMES as PHYSICAL_NAMES
from ganpo.services.registry import SDR_PARAMETERS as SDR_PARAMETERS
from ganpo.services.spec import MethodSpec

M2_PER_HA = 1e4
M2_PER_KM2 = 1e6


def _mask(inp: RasterInputs, codes: tuple[int, ...] | Mapping[int, float]) -> object:
    return lookup(inp.ecosystem, dict.fromkeys(codes, 1.0), 0.0)


# --- raster methods ---------------------------------------------------------------------


def _water_balance(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    """Water conservation Q = (P − α·P − ET)·A of each cell whose ecosystem type has a
    runoff coefficient α (:func:`ganpo.services.water_conservation.water_conservation_m3`).

    α is looked up by ecosystem sub-type, falling back to the level-1 type
    (``runoff_coefficient`` of the parameter set; Jiangxi's: 龚诗涵 et al. 2017, 生态学报
    37(7):2455-2462, Eq. 2 R = P·α and Table 2). A type without a coefficient conserves
    nothing by this method: Gong et al. give none for cropland (paddy, dry land), lakes,
    rivers, built-up or bare land, so those cells count 0 (not NaN), and the account
    books no water conservation for farmland; orchards have one (9.57 %). Marsh and
    reservoirs have α = 0 in that table: they conserve P − ET.
    """
    alpha = p.per_type("runoff_coefficient", "1")
    q = water_conservation.water_conservation_m3(
        inp.layers["precipitation"],
        inp.layers["evapotranspiration"],
        lookup(inp.ecosystem, alpha, 0.0),
        inp.cell_area_m2,
    )
    return {"": Component(where_type(_mask(inp, alpha), q), RESERVOIR_COST)}


def _co2_photosynthesis(inp: RasterInputs, p: ParameterSet) -> object:
    veg = _mask(inp, p.type_set("carbon_vegetation"))
    co2 = carbon.co2_sequestered_t(
        inp.layers["npp"], inp.cell_area_m2, p.scalar("co2_per_dry_matter", "t/t")
    )
    return where_type(veg, co2)


def _co2_nep(inp: RasterInputs, p: ParameterSet) -> object:
    veg = _mask(inp, p.type_set("carbon_vegetation"))
    co2 = carbon.co2_from_nep_t(
        inp.layers["npp"], inp.cell_area_m2, p.scalar("nep_to_npp_ratio", "1")
    )
    return where_type(veg, co2)


def _co2_net(inp: RasterInputs, p: ParameterSet) -> object:
    """CO₂ of NEP = f_C·NPP − R_h on the carbon-vegetation types (may be negative)."""
    veg = _mask(inp, p.type_set("carbon_vegetation"))
    nep = carbon.net_ecosystem_production_g_c_m2(
        inp.layers["npp"],
        inp.layers["heterotrophic_respiration"],
        p.scalar("npp_carbon_fraction", "1"),
    )
    return where_type(veg, carbon.co2_from_carbon_t(nep, inp.cell_area_m2))


def _carbon_photosynthesis(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    return {"": Component(_co2_photosynthesis(inp, p), CARBON_PRICE)}


def _carbon_nep(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    return {"": Component(_co2_nep(inp, p), CARBON_PRICE)}


def _carbon_net(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    return {"": Component(_co2_net(inp, p), CARBON_PRICE)}


def _oxygen_photosynthesis(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    veg = _mask(inp, p.type_set("carbon_vegetation"))
    o2 = carbon.o2_released_t(
        inp.layers["npp"], inp.cell_area_m2, p.scalar("o2_per_dry_matter", "t/t")
    )
    return {"": Component(where_type(veg, o2), OXYGEN_PRICE)}


def _oxygen_nep(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    return {"": Component(carbon.o2_from_co2_t(_co2_nep(inp, p)), OXYGEN_PRICE)}


def _oxygen_net(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    return {"": Component(carbon.o2_from_co2_t(_co2_net(inp, p)), OXYGEN_PRICE)}


def _climate_et(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    q = p.scalar("latent_heat_vaporisation", "kJ/kg")
    et, days = inp.layers["evapotranspiration"], inp.layers["hot_days"]
    veg_kwh = climate.vegetation_cooling_kwh(
        climate.mean_daily_latent_heat_kj_m2_d(et, q),
        inp.cell_area_m2,
        days,
        p.scalar("ac_energy_efficiency_ratio", "1"),
    )
    water_kwh = climate.water_surface_cooling_kwh(
        climate.hot_day_evaporation_m3(et, inp.cell_area_m2, days),
        q,
        p.scalar("humidifier_energy", "kWh/m3"),
    )
    return {
        "vegetation": Component(
            where_type(_mask(inp, p.type_set("climate_vegetation")), veg_kwh), ELECTRICITY
        ),
        "water_surface": Component(
            where_type(_mask(inp, p.type_set("climate_water_surface")), water_kwh), ELECTRICITY
        ),
    }


def _climate_transpiration(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    q = p.scalar("latent_heat_vaporisation", "kJ/kg")
    et_d = inp.layers["evapotranspiration_hot_days"]
    share = p.per_type("transpiration_share", "1")
    veg_kwh = climate.transpiration_cooling_kwh(
        climate.transpiration_heat_kj_m2(et_d, lookup(inp.ecosystem, share, 0.0), q),
        inp.cell_area_m2,
        p.scalar("ac_energy_efficiency_ratio", "1"),
    )
    water_kwh = climate.water_surface_cooling_kwh(
        climate.cooling_day_evaporation_m3(et_d, inp.cell_area_m2),
        q,
        p.scalar("humidifier_energy", "kWh/m3"),
    )
    veg_types = tuple(c for c in p.type_set("climate_vegetation") if c in share)
    return {
        "vegetation": Component(where_type(_mask(inp, veg_types), veg_kwh), ELECTRICITY),
        "water_surface": Component(
            where_type(_mask(inp, p.type_set("climate_water_surface")), water_kwh), ELECTRICITY
        ),
    }


def _budyko_water_yield(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    kc = p.per_type("crop_coefficient", "1")
    root = lookup(inp.ecosystem, p.per_type("root_depth", "mm"), np.nan)
    vegetated = lookup(inp.ecosystem, dict.fromkeys(p.type_set("water_yield_vegetation"), 1.0), 0.0)
    precip = inp.layers["precipitation"]
    pet = lookup(inp.ecosystem, kc, np.nan) * inp.layers["reference_et"]
    # AWC = min(root depth, soil depth) × PAWC (fmin: a type without root depth uses the soil)
    awc = np.fmin(root, inp.layers["soil_depth"]) * inp.layers["pawc"]
    omega = water_yield.budyko_omega(awc, precip, p.scalar("seasonality_z", "1"))
    fraction = water_yield.aet_fraction(pet, precip, omega, vegetated)
    q = water_yield.water_yield_m3(precip, fraction, inp.cell_area_m2)
    return {"": Component(where_type(_mask(inp, kc), q), RESERVOIR_COST)}


def soil_value_per_t(p: ParameterSet) -> float:
    """Value of one tonne of retained soil [CNY/t]: silt (dredging) + N + P fertiliser,
    the three published valuation equations of :mod:`ganpo.services.soil`."""
    silt = soil.silt_value_cny(
        1.0,
        p.scalar("sediment_deposition_ratio", "1"),
        p.scalar("soil_bulk_density", "t/m3"),
        p.scalar(DREDGING.key, DREDGING.unit),
    )
    n = soil.nutrient_value_cny(
        1.0, p.scalar("soil_n_content", "1"), p.scalar("nitrogen_price", "CNY/t")
    )
    phos = soil.nutrient_value_cny(
        1.0, p.scalar("soil_p_content", "1"), p.scalar("phosphorus_price", "CNY/t")
    )
    return float(silt + n + phos)


def sand_value_per_t(p: ParameterSet) -> float:
    """Value of one tonne of fixed sand [CNY/t] (area of sand-control works it spares)."""
    return float(
        soil.sand_fixation_value_cny(
            1.0,
            p.scalar("sand_bulk_density", "t/m3"),
            p.scalar("sand_cover_depth", "m"),
            p.scalar(SAND_CONTROL.key, SAND_CONTROL.unit),
        )
    )


def _rusle(ls_role: str, cover_from_fvc: bool) -> RasterFn:
    def compute(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
        if cover_from_fvc:
            cover = rusle.cover_factor_from_fvc(inp.layers["vegetation_cover"])
        else:
            cover = lookup(inp.ecosystem, p.per_type("usle_c", "1"), np.nan)
        practice = lookup(inp.ecosystem, p.per_type("usle_p", "1"), np.nan)
        q = rusle.retained_soil_t(
            inp.layers["rainfall_erosivity"],
            inp.layers["soil_erodibility"],
            inp.layers[ls_role],
            cover,
            practice,
            inp.cell_area_m2,
        )
        return {"": Component(q, DREDGING, unit_value=soil_value_per_t(p))}

    return compute


def _sediment_export(algo: str) -> RasterFn:
    def compute(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
        cover = lookup(inp.ecosystem, p.per_type("usle_c", "1"), np.nan)
        practice = lookup(inp.ecosystem, p.per_type("usle_p", "1"), np.nan)
        q = rusle.sediment_export_t(
            inp.layers["rainfall_erosivity"],
            inp.layers["soil_erodibility"],
            inp.layers[f"ls_factor_{algo}"],
            cover,
            practice,
            inp.layers[f"sdr_{algo}"],
            inp.cell_area_m2,
        )
        # a physical quantity beside soil retention: never valued (unit value 0)
        return {"": Component(q, DREDGING, unit_value=0.0)}

    return compute


def _flood_vegetation(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    r = p.per_type("runoff_reduction_coefficient", "1")
    q = flood.vegetation_runoff_reduction_m3(
        inp.layers["precipitation"],
        p.scalar(RUNOFF_RAIN_SHARE.key, RUNOFF_RAIN_SHARE.unit),
        lookup(inp.ecosystem, r, 0.0),
        inp.cell_area_m2,
    )
    return {"vegetation": Component(where_type(_mask(inp, r), q), RESERVOIR_COST)}


def _rweq(inp: RasterInputs, p: ParameterSet) -> dict[str, Component]:
    veg = _mask(inp, p.type_set("sand_fixation_vegetation"))
    q = rweq.sand_fixed_t(
        inp.layers["wind_factor"],
        inp.layers["erodible_fraction"],
        inp.layers["soil_crust_factor"],
        inp.layers["surface_roughness"],
        inp.layers["vegetation_cover"],
        inp.cell_area_m2,
        p.scalar("rweq_downwind_distance", "m"),
    )
    return {"": Component(where_type(veg, q), SAND_CONTROL, unit_value=sand_value_per_t(p))}


# --- statistics methods -----------------------------------------------------------------


def _product_value(indicator: str, measure: Literal["output", "value_added"]) -> TableFn:
    """A material product valued from the agriculture table's column
    ``{indicator}_{measure}``: its gross output value (``output``,
    :func:`~ganpo.services.statistics.market_value_cny`) or its value added
    (``value_added``, :func:`~ganpo.services.statistics.net_output_value_cny`)."""
    column = f"{indicator}_{measure}"
    value_of = (
        statistics.market_value_cny if measure == "output" else statistics.net_output_value_cny
    )

    def compute(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
        t = inp.tables["agriculture"]
        return table_rows(
            t.index, by_key(PRODUCT_TYPES[indicator]).code, t[column], value_of(t[column])
        )

    return compute


def _water_supply(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
    t = inp.tables["water"]
    rows = []
    for sector in WATER_SECTORS:
        price = UsedParameter(f"water_price_{sector}", "CNY/m3")
        pv = p.scalar(price.key, price.unit)
        q = t[f"water_use_{sector}"]
        rows.append(
            table_rows(
                t.index, UNATTRIBUTED, q, q * pv, component=sector, price=price, price_value=pv
            )
        )
    return pd.concat(rows, ignore_index=True)


def _energy(table: str, column: str) -> TableFn:
    def compute(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
        t = inp.tables[table]
        pv = p.scalar(ELECTRICITY.key, ELECTRICITY.unit)
        value = statistics.hydropower_value_cny(t[column], pv)
        return table_rows(
            t.index, UNATTRIBUTED, t[column], value, price=ELECTRICITY, price_value=pv
        )

    return compute


def _areas_ha(inp: TableInputs, codes: tuple[int, ...]) -> pd.DataFrame:
    """Extent rows of the given types, with ``area_ha``."""
    ext = inp.extent[inp.extent["ecosystem_code"].isin(codes)].copy()
    ext["area_ha"] = ext["area_m2"] / M2_PER_HA
    return ext


def _purification(pollutants: tuple[str, ...]) -> TableFn:
    def compute(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
        emissions = inp.tables["emissions"]
        rows = []
        for j in pollutants:
            rates = p.per_type(f"{j}_removal_rate", "t/hm2")
            ext = _areas_ha(inp, tuple(rates))
            ext["capacity"] = purification.removal_capacity_t(
                ext["ecosystem_code"].map(rates).to_numpy(), ext["area_ha"].to_numpy()
            )
            total = ext.groupby("unit_code")["capacity"].sum()
            emitted = emissions[j].reindex(total.index).fillna(0.0)
            share = pd.Series(
                purification.capped_share(total.to_numpy(), emitted.to_numpy()), total.index
            )
            q = ext["capacity"] * ext["unit_code"].map(share)
            rows.append(_at_control_cost(j, p, ext["unit_code"], ext["ecosystem_code"], q))
        return pd.concat(rows, ignore_index=True)

    return compute


def _at_control_cost(j: str, p: ParameterSet, where: Any, code: Any, q: Any) -> pd.DataFrame:
    """Rows of pollutant ``j``'s quantity ``q`` [t] valued at its control cost."""
    price = UsedParameter(f"{j}_control_cost", "CNY/t")
    pv = p.scalar(price.key, price.unit)
    return table_rows(where, code, q, q * pv, component=j, price=price, price_value=pv)


def _discharges(pollutants: tuple[str, ...], types: str) -> TableFn:
    """The county's discharge of each pollutant, attributed to the purifying types by area;
    a county without any of them keeps its discharge unattributed (so the total always
    equals the discharge, as in the published application)."""

    def compute(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
        emissions = inp.tables["emissions"]
        ext = _areas_ha(inp, p.type_set(types))
        ext["share"] = ext["area_m2"] / ext.groupby("unit_code")["area_m2"].transform("sum")
        bare = [c for c in emissions.index if c not in set(ext["unit_code"])]
        rows = []
        for j in pollutants:
            emitted = ext["unit_code"].map(emissions[j]).fillna(0.0).to_numpy()
            q = purification.attributed_discharge_t(emitted, ext["share"].to_numpy())
            rows.append(_at_control_cost(j, p, ext["unit_code"], ext["ecosystem_code"], q))
            if bare:
                rows.append(_at_control_cost(j, p, bare, UNATTRIBUTED, emissions.loc[bare, j]))
        return pd.concat(rows, ignore_index=True)

    return compute


def _lake_share(lakes: pd.DataFrame) -> pd.Series:
    """Each row's share of its lake's whole area (a lake spans several counties)."""
    whole = lakes.groupby("lake_name")["lake_area"].transform("sum")
    return lakes["lake_area"] / whole.where(whole > 0, 1.0)


def _lakes_by_regression(inp: TableInputs, p: ParameterSet) -> pd.Series:
    """Lake storage from the regression of its lake region, allocated by area share."""
    lakes = inp.tables["lakes"]
    whole = lakes.groupby("lake_name")["lake_area"].transform("sum") / M2_PER_KM2
    storage = pd.Series(0.0, index=lakes.index)
    keys: dict[str, str] = {}
    for name in lakes["lake_region"].unique():
        try:
            keys[name] = flood.lake_region_key(str(name))
        except ValueError as exc:
            valid = ", ".join(f"{zh} ({key})" for key, (zh, _) in flood.LAKE_REGIONS.items())
            raise TableError(
                en=f"lakes table: {exc}",
                zh=f"湖泊表：未知的湖区 {name!r}；可用的湖区：{valid}",
                field="lake_region",
                values=[name],
            ) from exc
    for region, rows in lakes.groupby(lakes["lake_region"].map(keys)):
        a_key, b_key = f"lake_storage_a_{region}", f"lake_storage_b_{region}"
        if a_key not in p.values or b_key not in p.values:
            names = ", ".join(sorted(set(lakes.loc[rows.index, "lake_name"])))
            zh, en = flood.LAKE_REGIONS[region]
            raise InputError(
                en=f"lake(s) {names} lie in the {en} lake region ({zh}), for which parameter set "
                f"{p.name!r} has no storage regression ({a_key}, {b_key}): the published "
                "regional pairs could not be read for that region. Use a flood-regulation "
                "method with gauged lakes (storage_gauged or gauged_and_vegetation) and the "
                "lakes table's flood_storage, or add the region's pair to the parameter set",
                zh=f"湖泊 {'、'.join(sorted(set(lakes.loc[rows.index, 'lake_name'])))} 位于{zh}"
                f"湖区，而参数集 {p.name!r} 中没有该湖区的库容回归系数（{a_key}、{b_key}）："
                "未能读到该湖区公开发表的回归系数。请改用基于实测湖泊的洪水调蓄方法"
                "（storage_gauged 或 gauged_and_vegetation）并在湖泊表中填写 flood_storage，"
                "或将该湖区的回归系数加入参数集",
                source=p.name,
                field=a_key,
                values=[zh],
            )
        storage[rows.index] = flood.lake_storage_m3(
            whole[rows.index], p.scalar(a_key, "1"), p.scalar(b_key, "1")
        )
    return (storage * _lake_share(lakes)).groupby(lakes["unit_code"]).sum()


def _lakes_gauged(inp: TableInputs, p: ParameterSet) -> pd.Series:
    """Lake storage measured from water levels (the table's flood_storage, the lake's
    total on each of its rows), allocated to the counties by area share."""
    lakes = inp.tables["lakes"]
    spread = lakes.groupby("lake_name")["flood_storage"].agg(["min", "max"])
    uneven = spread[(spread["max"] - spread["min"]) > 1e-9 * spread["max"].abs().clip(lower=1.0)]
    if not uneven.empty:
        raise TableError(
            en="flood_storage is the whole lake's storage between trough and peak levels, the "
            "same on every row of the lake; it differs between the rows of "
            f"{', '.join(map(str, uneven.index))}",
            zh="flood_storage 是整个湖泊在最低与最高水位"
            "之间的蓄水量，同一湖泊的各行应相同；以下湖泊各行不一致："
            f"{', '.join(map(str, uneven.index))}",
            field="lakes",
            values=list(map(str, uneven.index)),
        )
    return (lakes["flood_storage"] * _lake_share(lakes)).groupby(lakes["unit_code"]).sum()


def _flood_storage(lakes_of: Callable[[TableInputs, ParameterSet], pd.Series]) -> TableFn:
    def compute(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
        pv = p.scalar(RESERVOIR_COST.key, RESERVOIR_COST.unit)
        lake = lakes_of(inp, p)
        reservoirs = inp.tables["water_bodies"]["reservoir_capacity"]
        res_q = flood.reservoir_storage_m3(reservoirs, p.scalar("reservoir_flood_share", "1"))
        marsh = _areas_ha(inp, p.type_set("flood_marsh"))
        marsh_q = flood.marsh_storage_m3(marsh["area_m2"], p.scalar("marsh_storage_depth", "m"))
        water = by_key("water").code
        parts = [
            ("lake", lake.index, water, lake),
            ("reservoir", res_q.index, water, res_q),
            ("marsh", marsh["unit_code"], marsh["ecosystem_code"], marsh_q),
        ]
        return pd.concat(
            [
                table_rows(
                    where, code, q, q * pv, component=name, price=RESERVOIR_COST, price_value=pv
                )
                for name, where, code, q in parts
            ],
            ignore_index=True,
        )

    return compute


def _pest_control(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
    t = inp.tables["forestry"]
    rows = []
    for kind in ("forest", "grassland"):
        area_ha = t[f"{kind}_self_recovery_area"] / M2_PER_HA
        price = UsedParameter(f"pest_control_cost_{kind}", "CNY/hm2")
        pv = p.scalar(price.key, price.unit)
        rows.append(
            table_rows(
                t.index,
                by_key(kind).code,
                area_ha,
                statistics.pest_control_value_cny(area_ha, pv),
                component=kind,
                price=price,
                price_value=pv,
            )
        )
    return pd.concat(rows, ignore_index=True)


def _recreation_revenue(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
    t = inp.tables["tourism"]
    value = statistics.recreation_value_by_revenue_cny(t["tourism_revenue"])
    return table_rows(t.index, UNATTRIBUTED, t["visits"], value)


def _recreation_travel_cost(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
    t = inp.tables["tourism"]
    value = cultural.travel_cost_cny(
        t["visits"],
        t["trip_hours"],
        t["hourly_wage"],
        t["trip_cost"],
        p.scalar("time_cost_share", "1"),
    )
    return table_rows(t.index, UNATTRIBUTED, t["visits"], value)


def _landscape(inp: TableInputs, p: ParameterSet) -> pd.DataFrame:
    t = inp.tables["landscape"]
    value = cultural.landscape_premium_cny(t["benefiting_area"], t["landscape_premium"])
    return table_rows(t.index, UNATTRIBUTED, t["benefiting_area"], value)


# --- the formulas of each declared method -----------------------------------------------

#: the per-cell formula of each method that declares layers, by indicator and method key
RASTER_FORMULAS: dict[tuple[str, str], RasterFn] = {
    ("water_conservation", "water_balance"): _water_balance,
    ("water_conservation", "budyko_water_yield"): _budyko_water_yield,
    ("carbon_sequestration", "net_ecosystem_production"): _carbon_net,
    ("carbon_sequestration", "npp_photosynthesis"): _carbon_photosynthesis,
    ("carbon_sequestration", "nep"): _carbon_nep,
    ("oxygen_release", "net_ecosystem_production"): _oxygen_net,
    ("oxygen_release", "npp_photosynthesis"): _oxygen_photosynthesis,
    ("oxygen_release", "nep"): _oxygen_nep,
    ("climate_regulation", "transpiration_energy"): _climate_transpiration,
    ("climate_regulation", "et_energy"): _climate_et,
    ("flood_regulation", "storage_and_vegetation"): _flood_vegetation,
    ("flood_regulation", "gauged_and_vegetation"): _flood_vegetation,
    ("flood_regulation", "vegetation"): _flood_vegetation,
    ("soil_retention", "rusle_mfd"): _rusle("ls_factor_mfd", cover_from_fvc=False),
    ("soil_retention", "rusle_d8"): _rusle("ls_factor_d8", cover_from_fvc=False),
    ("soil_retention", "rusle_fvc"): _rusle("ls_factor_mfd", cover_from_fvc=True),
    ("sand_fixation", "rweq"): _rweq,
    ("sediment_export", "sdr_mfd"): _sediment_export("mfd"),
    ("sediment_export", "sdr_d8"): _sediment_export("d8"),
}
#: the table formula of each method that declares statistics columns
TABLE_FORMULAS: dict[tuple[str, str], TableFn] = {
    **{(i, "market_value"): _product_value(i, "output") for i in PRODUCT_TYPES},
    **{(i, "net_output"): _product_value(i, "value_added") for i in PRODUCT_TYPES},
    ("water_supply", "sector_prices"): _water_supply,
    ("hydropower", "electricity_price"): _energy("water", "hydropower"),
    ("other_energy", "electricity_price"): _energy("energy", "biomass_energy"),
    ("air_purification", "discharges"): _discharges(AIR, "air_purification_types"),
    ("air_purification", "area_rates_capped"): _purification(AIR),
    ("water_purification", "discharges"): _discharges(WATER_POLLUTANTS, "water_purification_types"),
    ("water_purification", "area_rates_capped"): _purification(WATER_POLLUTANTS),
    ("flood_regulation", "storage_capacity"): _flood_storage(_lakes_by_regression),
    ("flood_regulation", "storage_and_vegetation"): _flood_storage(_lakes_by_regression),
    ("flood_regulation", "storage_gauged"): _flood_storage(_lakes_gauged),
    ("flood_regulation", "gauged_and_vegetation"): _flood_storage(_lakes_gauged),
    ("pest_control", "self_recovery_area"): _pest_control,
    ("recreation", "tourism_revenue"): _recreation_revenue,
    ("recreation", "travel_cost"): _recreation_travel_cost,
    ("landscape_premium", "hedonic"): _landscape,
}


def _bind(specs: dict[str, dict[str, MethodSpec]]) -> dict[str, dict[str, Method]]:
    """The declared methods with their formulas. A method has a raster formula exactly when
    it declares layers and a table formula exactly when it declares columns; anything else
    is a mistake in this module, which stops the import."""
    bound: dict[str, dict[str, Method]] = {}
    for indicator, per in specs.items():
        for key, declared in per.items():
            raster = RASTER_FORMULAS.get((indicator, key))
            table = TABLE_FORMULAS.get((indicator, key))
            if (raster is not None) != bool(declared.layers) or (table is not None) != bool(
                declared.columns
            ):
                raise RuntimeError(
                    f"method {indicator}/{key}: declares {len(declared.layers)} layer(s) and "
                    f"{len(declared.columns)} table(s), but has "
                    f"{'a' if raster else 'no'} raster formula and "
                    f"{'a' if table else 'no'} table formula"
                )
            values = {f.name: getattr(declared, f.name) for f in fields(declared)}
            bound.setdefault(indicator, {})[key] = Method(**values, raster=raster, table=table)
    return bound


METHODS: dict[str, dict[str, Method]] = _bind(SPECS)
#: Physical indicators computed beside the GEP indicators and never valued
#: (:data:`ganpo.services.registry.PHYSICAL_SPECS`), with their formulas.
PHYSICAL_METHODS: dict[str, dict[str, Method]] = _bind(PHYSICAL_SPECS)
_UNDECLARED = (set(RASTER_FORMULAS) | set(TABLE_FORMULAS)) - {
    (ind, key)
    for registry in (SPECS, PHYSICAL_SPECS)
    for ind, per in registry.items()
    for key in per
}
if _UNDECLARED:
    raise RuntimeError(f"formulas without a declared method: {sorted(_UNDECLARED)}")


def physical_method(indicator: str, key: str) -> Method:
    """The method ``key`` of the physical (unvalued) indicator ``indicator``."""
    return pick(PHYSICAL_METHODS, "physical indicator", indicator, key)


def method(indicator: str, key: str) -> Method:
    """The method ``key`` of ``indicator``; unknown names list the valid ones."""
    return pick(METHODS, "indicator (with a method)", indicator, key)
