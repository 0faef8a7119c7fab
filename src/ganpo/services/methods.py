"""The method registry: every way ganpo computes an indicator, declared once.

``METHODS[indicator][method]`` is a :class:`~ganpo.services.base.Method`: its layers or
table columns, its parameters and a function that binds the published formulas of this
package to them. A profile picks one method per indicator; the engine only iterates.
Nothing here reads files or handles nodata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import UNATTRIBUTED, by_key
from ganpo.catalog.parameters import ParameterSet
from ganpo.errors import InputError, TableError, UnknownNameError
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

M2_PER_HA = 1e4
M2_PER_KM2 = 1e6


def _mask(inp: RasterInputs, codes: tuple[int, ...] | Mapping[int, float]) -> object:
    return lookup(inp.ecosystem, dict.fromkeys(codes, 1.0), 0.0)


# --- raster methods ---------------------------------------------------------------------

RESERVOIR_COST = UsedParameter("reservoir_cost", "CNY/m3")
CARBON_PRICE = UsedParameter("carbon_price", "CNY/t")
OXYGEN_PRICE = UsedParameter("oxygen_price", "CNY/t")
ELECTRICITY = UsedParameter("electricity_price", "CNY/kWh")


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


DREDGING = UsedParameter("dredging_cost", "CNY/m3")
SAND_CONTROL = UsedParameter("sand_control_cost", "CNY/m2")
SOIL_VALUATION = (
    UsedParameter("sediment_deposition_ratio", "1"),
    UsedParameter("soil_bulk_density", "t/m3"),
    DREDGING,
    UsedParameter("soil_n_content", "1"),
    UsedParameter("soil_p_content", "1"),
    UsedParameter("nitrogen_price", "CNY/t"),
    UsedParameter("phosphorus_price", "CNY/t"),
)
SAND_VALUATION = (
    UsedParameter("sand_bulk_density", "t/m3"),
    UsedParameter("sand_cover_depth", "m"),
    SAND_CONTROL,
)


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


#: the parameters of InVEST SDR's sediment delivery ratio (engine.derived routes them)
SDR_THRESHOLD = UsedParameter("sdr_threshold_flow_accumulation", "1")
SDR_PARAMETERS = (
    SDR_THRESHOLD,
    UsedParameter("sdr_k", "1"),
    UsedParameter("sdr_ic0", "1"),
    UsedParameter("sdr_max", "1"),
)


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


RUNOFF_RAIN_SHARE = UsedParameter("runoff_rain_share", "1")


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


PRODUCT_TYPES = {
    "agriculture": "cropland",
    "forestry": "forest",
    "animal_husbandry": "grassland",
    "fishery": "water",
}


def _products(
    indicator: str,
    measure: Literal["output", "value_added"],
    key: str,
    name: tuple[str, str],
    source: str,
    verified: bool,
) -> Method:
    """A material product valued from the agriculture table: its gross output value
    (``output``, :func:`~ganpo.services.statistics.market_value_cny`) or its value added
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

    return Method(
        indicator,
        key,
        *name,
        source,
        verified,
        "CNY",
        columns={"agriculture": (column,)},
        table=compute,
        flows=(f"{indicator}_products",),
    )


def _market_value(indicator: str) -> Method:
    return _products(
        indicator,
        "output",
        "market_value",
        ("market value: gross output value (总产值) from statistics", "市场价值法（总产值）"),
        "market value of products: output value as statistics report it (the usual reading "
        "of the national specification's material products; its text not read)",
        False,
    )


def _net_output(indicator: str) -> Method:
    return _products(
        indicator,
        "value_added",
        "net_output",
        (
            "net output value (净产值): value added of the sector from statistics",
            "净产值法（增加值）",
        ),
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.3(1) (净产值, read as value added)",
        False,
    )


WATER_SECTORS = ("domestic", "industrial", "agricultural")


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
            raise TableError(f"lakes table: {exc}", field="lake_region", values=[name]) from exc
    for region, rows in lakes.groupby(lakes["lake_region"].map(keys)):
        a_key, b_key = f"lake_storage_a_{region}", f"lake_storage_b_{region}"
        if a_key not in p.values or b_key not in p.values:
            names = ", ".join(sorted(set(lakes.loc[rows.index, "lake_name"])))
            zh, en = flood.LAKE_REGIONS[region]
            raise InputError(
                f"lake(s) {names} lie in the {en} lake region ({zh}), for which parameter set "
                f"{p.name!r} has no storage regression ({a_key}, {b_key}): the published "
                "regional pairs could not be read for that region. Use a flood-regulation "
                "method with gauged lakes (storage_gauged or gauged_and_vegetation) and the "
                "lakes table's flood_storage, or add the region's pair to the parameter set",
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
            "flood_storage is the whole lake's storage between trough and peak levels, the "
            "same on every row of the lake; it differs between the rows of "
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


def _per_type_rates(pollutants: tuple[str, ...]) -> tuple[UsedParameter, ...]:
    return tuple(
        x
        for j in pollutants
        for x in (
            UsedParameter(f"{j}_removal_rate", "t/hm2"),
            UsedParameter(f"{j}_control_cost", "CNY/t"),
        )
    )


AIR = ("so2", "nox", "dust")
WATER_POLLUTANTS = ("cod", "nh3n", "tp")
STORAGE_PARAMETERS = (
    UsedParameter("reservoir_flood_share", "1"),
    UsedParameter("marsh_storage_depth", "m"),
    RESERVOIR_COST,
)
REGRESSION_COLUMNS = {
    "lakes": ("lake_name", "lake_area", "lake_region"),
    "water_bodies": ("reservoir_capacity",),
}
GAUGED_COLUMNS = {
    "lakes": ("lake_name", "lake_area", "flood_storage"),
    "water_bodies": ("reservoir_capacity",),
}
VEGETATION_FLOOD_PARAMETERS = (
    UsedParameter("runoff_reduction_coefficient", "1"),
    RUNOFF_RAIN_SHARE,
)
STORAGE_FLOWS = ("flood_water_stored",)
VEGETATION_FLOWS = ("storm_water_held_by_vegetation",)
GARZE = "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362"
JIANG = "江波 et al. 2017, doi:10.5846/stxb201410091984"
MIAO = "缪建群 et al. 2017, doi:10.5846/stxb201607091410"


def _flood_methods() -> tuple[Method, ...]:
    """Storage by water bodies (lakes by regression or gauged), with or without vegetation."""
    lake_how = {
        "storage_capacity": (
            "lakes by the regression of their lake region",
            "湖泊（分湖区回归）",
            f"{GARZE} §2.4.4 (lake regressions: 饶恩明 et al. 2014, plateau pair only)",
            REGRESSION_COLUMNS,
            _lakes_by_regression,
        ),
        "storage_gauged": (
            "gauged lakes: storage between trough and peak levels of each flood rise",
            "湖泊（实测水位：每次涨水过程的蓄量差之和）",
            f"{JIANG} §2.2.1 (gauged lakes); {GARZE} §2.4.4 (reservoirs, marshes)",
            GAUGED_COLUMNS,
            _lakes_gauged,
        ),
    }
    out: list[Method] = []
    for key, (en, zh, source, columns, lakes_of) in lake_how.items():
        out.append(
            Method(
                "flood_regulation",
                key,
                f"{en}; reservoirs 0.35 × capacity; marshes 0.3 m × area; × reservoir cost",
                f"调蓄能力法：{zh}、水库（0.35 × 总库容）、沼泽（0.3 m × 面积）",
                source,
                False,
                "m3",
                columns=columns,
                parameters=STORAGE_PARAMETERS,
                table=_flood_storage(lakes_of),
                flows=STORAGE_FLOWS,
            )
        )
        both = "storage_and_vegetation" if key == "storage_capacity" else "gauged_and_vegetation"
        out.append(
            Method(
                "flood_regulation",
                both,
                f"{en}; reservoirs; marshes; + vegetation A·J·R (runoff kept back vs bare land)",
                f"调蓄能力法（{zh}、水库、沼泽）+ 植被减少径流（A·J·R）",
                f"{source}; vegetation: {MIAO} Table 1 eqs. 7-9",
                False,
                "m3",
                layers=("precipitation",),
                columns=columns,
                parameters=(*STORAGE_PARAMETERS, *VEGETATION_FLOOD_PARAMETERS),
                raster=_flood_vegetation,
                table=_flood_storage(lakes_of),
                flows=(*STORAGE_FLOWS, *VEGETATION_FLOWS),
            )
        )
    out.append(
        Method(
            "flood_regulation",
            "vegetation",
            "vegetation only: A·J·R, runoff kept back compared with bare land (J = K·rain)",
            "植被减少径流（与裸地相比），A·J·R",
            f"{MIAO} Table 1 eqs. 7-9, citing 赵同谦 & 欧阳志云 et al. 2004",
            False,
            "m3",
            layers=("precipitation",),
            parameters=(*VEGETATION_FLOOD_PARAMETERS, RESERVOIR_COST),
            linear_parameters=(RUNOFF_RAIN_SHARE.key,),  # every row is vegetation's
            raster=_flood_vegetation,
            flows=VEGETATION_FLOWS,
        )
    )
    return tuple(out)


_ALL: tuple[Method, ...] = (
    *(_market_value(i) for i in PRODUCT_TYPES),
    *(_net_output(i) for i in PRODUCT_TYPES),
    Method(
        "water_supply",
        "sector_prices",
        "water used by sector × sector water price",
        "分行业用水量 × 水价",
        "NDRC/NBS GEP specification 2022; Ouyang group (Garzê 2010)",
        True,
        "m3",
        columns={"water": tuple(f"water_use_{s}" for s in WATER_SECTORS)},
        parameters=tuple(UsedParameter(f"water_price_{s}", "CNY/m3") for s in WATER_SECTORS),
        table=_water_supply,
        flows=("river_water_used",),
    ),
    Method(
        "hydropower",
        "electricity_price",
        "generation × electricity price",
        "发电量 × 电价",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362, Table 3 (hydropower)",
        True,
        "kWh",
        columns={"water": ("hydropower",)},
        parameters=(ELECTRICITY,),
        table=_energy("water", "hydropower"),
        flows=("river_water_turbined",),
    ),
    Method(
        "other_energy",
        "electricity_price",
        "biomass energy × electricity price",
        "生物质能 × 电价",
        "ecological energy of the national specification as usually read (text not read)",
        False,
        "kWh",
        columns={"energy": ("biomass_energy",)},
        parameters=(ELECTRICITY,),
        table=_energy("energy", "biomass_energy"),
        flows=("biomass_energy",),
    ),
    Method(
        "water_conservation",
        "water_balance",
        "water balance Q = Σ(P − R − ET)·A, R = α·P",
        "水量平衡法",
        "HJ 1173-2021; R = α·P and α by ecosystem type: 龚诗涵 et al. 2017, 生态学报 "
        "37(7):2455-2462, doi:10.5846/stxb201512012406, Eq. 2 and Table 2",
        False,
        "m3",
        layers=("precipitation", "evapotranspiration"),
        parameters=(UsedParameter("runoff_coefficient", "1"), RESERVOIR_COST),
        raster=_water_balance,
        flows=("rain_retained_on_land",),
    ),
    Method(
        "water_conservation",
        "budyko_water_yield",
        "annual water yield, Budyko/Fu (as InVEST's annual water yield model)",
        "年产水量法（Budyko 框架，InVEST 产水量模型）",
        "Zhang et al. 2004, doi:10.1029/2003WR002710; Donohue et al. 2012; InVEST AWY",
        True,
        "m3",
        layers=("precipitation", "reference_et", "soil_depth", "pawc"),
        parameters=(
            UsedParameter("crop_coefficient", "1"),
            UsedParameter("root_depth", "mm"),
            UsedParameter("seasonality_z", "1"),
            RESERVOIR_COST,
        ),
        raster=_budyko_water_yield,
        flows=("water_yield",),
    ),
    Method(
        "carbon_sequestration",
        "net_ecosystem_production",
        "net sequestration: 44/12 × NEP, NEP = f_C·NPP − R_h (soil heterotrophic respiration)",
        "净生态系统生产力法（NEP = NPP − 土壤异养呼吸）",
        "博文静 et al. 2017, doi:10.5846/stxb201606161172 (NEP = NPP − R_s); R_h: Pei et al. "
        "2009, doi:10.1111/j.1744-7909.2009.00813.x, monthly form as applied in Chinese NEP "
        "studies",
        False,
        "t CO2",
        layers=("npp", "heterotrophic_respiration"),
        parameters=(UsedParameter("npp_carbon_fraction", "1"), CARBON_PRICE),
        raster=_carbon_net,
        flows=("net_ecosystem_carbon",),
    ),
    Method(
        "carbon_sequestration",
        "npp_photosynthesis",
        "gross uptake, 1.63 t CO2 per t of NPP dry matter (not net sequestration)",
        "光合作用总固定量（1.63 × NPP，非净固碳）",
        "江波 et al. 2017, doi:10.5846/stxb201410091984 §2.2.2; 缪建群 et al. 2017, "
        "doi:10.5846/stxb201607091410",
        True,
        "t CO2",
        layers=("npp",),
        parameters=(UsedParameter("co2_per_dry_matter", "t/t"), CARBON_PRICE),
        linear_parameters=("co2_per_dry_matter",),
        raster=_carbon_photosynthesis,
        flows=("gross_photosynthetic_carbon",),
    ),
    Method(
        "carbon_sequestration",
        "nep",
        "44/12 × NEP, NEP = α·NPP·72/162 (α supplied by the parameter set)",
        "净生态系统生产力法（NEP/NPP 比例）",
        "form of the method family; α not published in a source we could read",
        False,
        "t CO2",
        layers=("npp",),
        parameters=(UsedParameter("nep_to_npp_ratio", "1"), CARBON_PRICE),
        raster=_carbon_nep,
        flows=("net_ecosystem_carbon",),
    ),
    Method(
        "oxygen_release",
        "net_ecosystem_production",
        "32/44 × the net CO2 sequestered (NEP = f_C·NPP − R_h)",
        "净固碳量对应的释氧量（32/44 × 净固定 CO₂）",
        "stoichiometry of photosynthesis on the net carbon flux (博文静 et al. 2017; Pei et "
        "al. 2009)",
        False,
        "t O2",
        layers=("npp", "heterotrophic_respiration"),
        parameters=(UsedParameter("npp_carbon_fraction", "1"), OXYGEN_PRICE),
        raster=_oxygen_net,
        flows=("oxygen_of_net_carbon",),
    ),
    Method(
        "oxygen_release",
        "npp_photosynthesis",
        "gross release, 1.2 t O2 per t of NPP dry matter",
        "光合作用释氧总量（1.2 × NPP）",
        "江波 et al. 2017, doi:10.5846/stxb201410091984 §2.2.3 (1.19: 缪建群 et al. 2017)",
        True,
        "t O2",
        layers=("npp",),
        parameters=(UsedParameter("o2_per_dry_matter", "t/t"), OXYGEN_PRICE),
        linear_parameters=("o2_per_dry_matter",),
        raster=_oxygen_photosynthesis,
        flows=("gross_photosynthetic_oxygen",),
    ),
    Method(
        "oxygen_release",
        "nep",
        "32/44 × CO2 fixed by NEP = α·NPP·72/162",
        "净生态系统生产力法（NEP/NPP 比例）",
        "form of the method family; α not published in a source we could read",
        False,
        "t O2",
        layers=("npp",),
        parameters=(UsedParameter("nep_to_npp_ratio", "1"), OXYGEN_PRICE),
        raster=_oxygen_nep,
        flows=("oxygen_of_net_carbon",),
    ),
    Method(
        "climate_regulation",
        "transpiration_energy",
        "transpiration heat on the days > 26 °C (τ_i × ET over those days × q) / (3600 R_ac), "
        "+ water-surface evaporation on those days × (ρq/3600 + γ)",
        "蒸腾吸热降温（>26℃日蒸散发 × 蒸腾比例）+ 水面蒸发降温增湿",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.4.8; 博文静 et al. 2017 (R_ac "
        "3.0); EPP_i from data: transpiration share of ET, Niu et al. 2019",
        False,
        "kWh",
        layers=("evapotranspiration_hot_days",),
        parameters=(
            UsedParameter("transpiration_share", "1"),
            UsedParameter("latent_heat_vaporisation", "kJ/kg"),
            UsedParameter("ac_energy_efficiency_ratio", "1"),
            UsedParameter("humidifier_energy", "kWh/m3"),
            ELECTRICITY,
        ),
        raster=_climate_transpiration,
        flows=("latent_heat_of_evapotranspiration",),
    ),
    Method(
        "climate_regulation",
        "et_energy",
        "simplified: all of annual ET spread over 365 days, applied on the days > 26 °C",
        "蒸散发耗能法（简化：全年蒸散发均摊到每日）",
        "form of 白玛卓嘎 et al. 2017 §2.4.8 with E_i from annual ET (docs/decisions/0003); "
        "simplified, not a default",
        False,
        "kWh",
        layers=("evapotranspiration", "hot_days"),
        parameters=(
            UsedParameter("latent_heat_vaporisation", "kJ/kg"),
            UsedParameter("ac_energy_efficiency_ratio", "1"),
            UsedParameter("humidifier_energy", "kWh/m3"),
            ELECTRICITY,
        ),
        raster=_climate_et,
        flows=("latent_heat_of_evapotranspiration",),
    ),
    Method(
        "air_purification",
        "discharges",
        "the region's SO2, NOx and dust discharges counted as purified (capped at, equal to, "
        "emissions), × control cost; attributed to vegetation by area",
        "排放量法：区域 SO₂、NOx、粉尘排放量 × 治理成本（以排放量为限）",
        f"{GARZE} §2.4.5, §3.2.5",
        True,
        "t",
        columns={"emissions": AIR},
        parameters=tuple(UsedParameter(f"{j}_control_cost", "CNY/t") for j in AIR),
        table=_discharges(AIR, "air_purification_types"),
        flows=("air_pollutants_taken_up",),
    ),
    Method(
        "air_purification",
        "area_rates_capped",
        "Σ removal rate × area per type, capped at emissions, × control cost",
        "单位面积净化量法（以排放量为上限）",
        f"rates: {MIAO} Table 1 (SO2, dust; no NOx rate found)",
        False,
        "t",
        columns={"emissions": AIR},
        parameters=_per_type_rates(AIR),
        table=_purification(AIR),
        flows=("air_pollutants_taken_up",),
    ),
    Method(
        "water_purification",
        "discharges",
        "the region's COD, ammonia nitrogen and total phosphorus discharges counted as "
        "purified (capped at, equal to, emissions), × treatment cost; attributed to wetland "
        "and water by area",
        "排放量法：区域 COD、氨氮、总磷排放量 × 治理成本（以排放量为限）",
        f"{GARZE} §2.4.6, §3.2.6 (COD, NH3-N); 商慧敏 et al. 2018, "
        "doi:10.5846/stxb201608301763 (adds TP)",
        True,
        "t",
        columns={"emissions": WATER_POLLUTANTS},
        parameters=tuple(UsedParameter(f"{j}_control_cost", "CNY/t") for j in WATER_POLLUTANTS),
        table=_discharges(WATER_POLLUTANTS, "water_purification_types"),
        flows=("water_pollutants_taken_up",),
    ),
    Method(
        "water_purification",
        "area_rates_capped",
        "Σ removal rate × area per type, capped at emissions, × treatment cost",
        "单位面积净化量法（以排放量为上限）",
        "form of the method family; no per-hectare removal rates found in a source we could "
        "read (the parameter set must supply them)",
        False,
        "t",
        columns={"emissions": WATER_POLLUTANTS},
        parameters=_per_type_rates(WATER_POLLUTANTS),
        table=_purification(WATER_POLLUTANTS),
        flows=("water_pollutants_taken_up",),
    ),
    *_flood_methods(),
    *(
        Method(
            "soil_retention",
            f"rusle_{algo}",
            f"RUSLE R·K·LS·(1 − C·P), LS from the DEM by {algo.upper()} routing (as InVEST SDR)",
            f"通用土壤流失方程（RUSLE），LS 因子由 DEM {algo.upper()} 汇流计算（同 InVEST SDR）",
            "HJ 1173-2021; Renard et al. 1997 (USDA AH 703); Desmet & Govers 1996, "
            "doi:10.2489/jswc.51.5.427; InVEST SDR 3.20",
            True,
            "t",
            layers=("rainfall_erosivity", "soil_erodibility", "dem"),
            derived=(f"ls_factor_{algo}",),
            parameters=(
                UsedParameter("usle_c", "1"),
                UsedParameter("usle_p", "1"),
                UsedParameter("ls_l_max", "1"),
                *SOIL_VALUATION,
            ),
            complete_types=("usle_c", "usle_p"),
            raster=_rusle(f"ls_factor_{algo}", cover_from_fvc=False),
            flows=("soil_retained",),
        )
        for algo in ("mfd", "d8")
    ),
    Method(
        "soil_retention",
        "rusle_fvc",
        "RUSLE with C from fractional vegetation cover (Cai et al. 2000), LS by MFD routing",
        "通用土壤流失方程（C 因子由植被覆盖度计算，蔡崇法 2000）",
        "HJ 1173-2021; 蔡崇法 et al. 2000 [U]; Desmet & Govers 1996; InVEST SDR 3.20",
        False,
        "t",
        layers=("rainfall_erosivity", "soil_erodibility", "vegetation_cover", "dem"),
        derived=("ls_factor_mfd",),
        parameters=(UsedParameter("usle_p", "1"), UsedParameter("ls_l_max", "1"), *SOIL_VALUATION),
        complete_types=("usle_p",),
        raster=_rusle("ls_factor_mfd", cover_from_fvc=True),
        flows=("soil_retained",),
    ),
    Method(
        "sand_fixation",
        "rweq",
        "RWEQ potential (C = 1) − actual wind erosion (Fryrear), × sand-control cost",
        "修正风蚀方程（RWEQ）潜在风蚀量 − 实际风蚀量",
        "HJ 1173-2021; Fryrear et al. 1998 (USDA-ARS Tech. Bull. 1), 2000 JSWC 55(2)",
        False,
        "t",
        layers=(
            "wind_factor",
            "erodible_fraction",
            "soil_crust_factor",
            "surface_roughness",
            "vegetation_cover",
        ),
        parameters=(UsedParameter("rweq_downwind_distance", "m"), *SAND_VALUATION),
        raster=_rweq,
        flows=("sand_fixed",),
    ),
    Method(
        "pest_control",
        "self_recovery_area",
        "self-recovering area × prevention cost",
        "自然恢复面积 × 防治成本",
        "白玛卓嘎 et al. 2017, doi:10.5846/stxb201607011362 §2.4.9, §3.2.9",
        True,
        "hm2",
        columns={"forestry": ("forest_self_recovery_area", "grassland_self_recovery_area")},
        parameters=(
            UsedParameter("pest_control_cost_forest", "CNY/hm2"),
            UsedParameter("pest_control_cost_grassland", "CNY/hm2"),
        ),
        table=_pest_control,
        flows=("pest_control_by_ecosystems",),
    ),
    Method(
        "recreation",
        "tourism_revenue",
        "tourism revenue (no travel-cost survey)",
        "旅游收入法",
        "tourism revenue where no travel-cost survey exists (an upper bound; named alternative)",
        True,
        "person-time",
        columns={"tourism": ("visits", "tourism_revenue")},
        table=_recreation_revenue,
        flows=("visits_to_ecosystems",),
    ),
    Method(
        "recreation",
        "travel_cost",
        "Σ visits × (trip hours × wage × share + trip cost)",
        "旅行费用法",
        "白玛卓嘎 et al. 2017 §2.5 (旅行费用法); time at 30 % of the wage, 江波 et al. 2017 §2.3.1",
        False,
        "person-time",
        columns={"tourism": ("visits", "trip_hours", "hourly_wage", "trip_cost")},
        parameters=(UsedParameter("time_cost_share", "1"),),
        table=_recreation_travel_cost,
        flows=("visits_to_ecosystems",),
    ),
    Method(
        "landscape_premium",
        "hedonic",
        "benefiting floor area × hedonic premium",
        "享乐价格法",
        "hedonic pricing, form of the method family (unverified)",
        False,
        "m2",
        columns={"landscape": ("benefiting_area", "landscape_premium")},
        table=_landscape,
        flows=("landscape_amenity",),
    ),
)

METHODS: dict[str, dict[str, Method]] = {}
for _m in _ALL:
    METHODS.setdefault(_m.indicator, {})[_m.key] = _m

#: Physical indicators computed beside the GEP indicators and never valued, so that
#: nothing is counted twice: sediment export (InVEST SDR ``sed_export``) is the part of
#: the soil lost that reaches the streams, reported beside soil retention (which is
#: already valued). Kept out of :data:`METHODS`, which profiles value and sum into GEP.
PHYSICAL_METHODS: dict[str, dict[str, Method]] = {
    "sediment_export": {
        f"sdr_{algo}": Method(
            "sediment_export",
            f"sdr_{algo}",
            f"sediment export R·K·LS·C·P × SDR, {algo.upper()} routing (InVEST SDR sed_export)",
            f"输沙量（泥沙输移比法）R·K·LS·C·P × SDR，{algo.upper()} 汇流（同 InVEST SDR）",
            "Borselli et al. 2008, doi:10.1016/j.catena.2008.07.006; Vigiak et al. 2012, "
            "doi:10.1016/j.geomorph.2012.05.007; InVEST SDR 3.20 (no deposition, no "
            "trapped sediment)",
            False,
            "t",
            layers=("rainfall_erosivity", "soil_erodibility", "dem"),
            derived=(f"ls_factor_{algo}", f"sdr_{algo}"),
            parameters=(
                UsedParameter("usle_c", "1"),
                UsedParameter("usle_p", "1"),
                UsedParameter("ls_l_max", "1"),
                *SDR_PARAMETERS,
            ),
            complete_types=("usle_c", "usle_p"),
            raster=_sediment_export(algo),
        )
        for algo in ("mfd", "d8")
    }
}


def _pick(registry: dict[str, dict[str, Method]], what: str, indicator: str, key: str) -> Method:
    if indicator not in registry:
        raise UnknownNameError(what, indicator, registry)
    if key not in registry[indicator]:
        raise UnknownNameError(f"method of {indicator}", key, registry[indicator])
    return registry[indicator][key]


#: Chinese and English names of the physical indicators
PHYSICAL_NAMES: dict[str, tuple[str, str]] = {
    "sediment_export": ("输沙量（入河泥沙）", "sediment export to streams"),
}
assert set(PHYSICAL_NAMES) == set(PHYSICAL_METHODS)


def physical_method(indicator: str, key: str) -> Method:
    """The method ``key`` of the physical (unvalued) indicator ``indicator``."""
    return _pick(PHYSICAL_METHODS, "physical indicator", indicator, key)


def method(indicator: str, key: str) -> Method:
    """The method ``key`` of ``indicator``; unknown names list the valid ones."""
    return _pick(METHODS, "indicator (with a method)", indicator, key)
