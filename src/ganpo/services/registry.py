"""The raster services ganpo computes, declared once (inputs, outputs, prices).

Each entry binds published formulas (the other modules of this package) to the layers and
parameters they read. The engine iterates over :data:`RASTER_SERVICES`; nothing here reads
files or handles nodata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from ganpo.catalog.parameters import ParameterSet
from ganpo.errors import UnknownNameError
from ganpo.services import carbon, climate, statistics, water_conservation
from ganpo.services.base import (
    Array,
    RasterInputs,
    RasterService,
    UsedParameter,
    lookup,
    where_type,
)


def _water_conservation(inp: RasterInputs, params: ParameterSet) -> dict[str, Array]:
    alpha = params.per_type("runoff_coefficient", "1")
    provides = lookup(inp.ecosystem, dict.fromkeys(alpha, 1.0), 0.0)
    q = water_conservation.water_conservation_m3(
        inp.layers["precipitation"],
        inp.layers["evapotranspiration"],
        lookup(inp.ecosystem, alpha, 0.0),
        inp.cell_area_m2,
    )
    return {"water_conservation": where_type(provides, q)}


def _carbon_oxygen(inp: RasterInputs, params: ParameterSet) -> dict[str, Array]:
    provides = lookup(inp.ecosystem, dict.fromkeys(params.type_set("carbon_vegetation"), 1.0), 0.0)
    npp = inp.layers["npp"]
    co2 = carbon.co2_sequestered_t(
        npp, inp.cell_area_m2, params.scalar("co2_per_dry_matter", "t/t")
    )
    o2 = carbon.o2_released_t(npp, inp.cell_area_m2, params.scalar("o2_per_dry_matter", "t/t"))
    return {
        "carbon_sequestration": where_type(provides, co2),
        "oxygen_release": where_type(provides, o2),
    }


def _climate(inp: RasterInputs, params: ParameterSet) -> dict[str, Array]:
    q = params.scalar("latent_heat_vaporisation", "kJ/kg")
    et = inp.layers["evapotranspiration"]
    days = inp.layers["hot_days"]
    veg = lookup(inp.ecosystem, dict.fromkeys(params.type_set("climate_vegetation"), 1.0), 0.0)
    water = lookup(inp.ecosystem, dict.fromkeys(params.type_set("climate_water_surface"), 1.0), 0.0)
    veg_kwh = climate.vegetation_cooling_kwh(
        climate.mean_daily_latent_heat_kj_m2_d(et, q),
        inp.cell_area_m2,
        days,
        params.scalar("ac_energy_efficiency_ratio", "1"),
    )
    water_kwh = climate.water_surface_cooling_kwh(
        climate.hot_day_evaporation_m3(et, inp.cell_area_m2, days),
        q,
        params.scalar("humidifier_energy", "kWh/m3"),
    )
    return {"climate_regulation": where_type(veg, veg_kwh) + where_type(water, water_kwh)}


RASTER_SERVICES: dict[str, RasterService] = {
    s.key: s
    for s in (
        RasterService(
            key="water_conservation",
            name_en="water conservation by water balance",
            layers=("precipitation", "evapotranspiration"),
            outputs={"water_conservation": "m3"},
            prices={"water_conservation": UsedParameter("reservoir_cost", "CNY/m3")},
            parameters=(UsedParameter("runoff_coefficient", "1"),),
            quantities=_water_conservation,
        ),
        RasterService(
            key="carbon_oxygen",
            name_en="carbon sequestration and oxygen release from NPP (1.63 / 1.2)",
            layers=("npp",),
            outputs={"carbon_sequestration": "t CO2", "oxygen_release": "t O2"},
            prices={
                "carbon_sequestration": UsedParameter("carbon_price", "CNY/t"),
                "oxygen_release": UsedParameter("oxygen_price", "CNY/t"),
            },
            parameters=(
                UsedParameter("co2_per_dry_matter", "t/t"),
                UsedParameter("o2_per_dry_matter", "t/t"),
            ),
            quantities=_carbon_oxygen,
        ),
        RasterService(
            key="climate_regulation",
            name_en="climate regulation by evapotranspiration on days above 26 °C",
            layers=("evapotranspiration", "hot_days"),
            outputs={"climate_regulation": "kWh"},
            prices={"climate_regulation": UsedParameter("electricity_price", "CNY/kWh")},
            parameters=(
                UsedParameter("latent_heat_vaporisation", "kJ/kg"),
                UsedParameter("ac_energy_efficiency_ratio", "1"),
                UsedParameter("humidifier_energy", "kWh/m3"),
            ),
            quantities=_climate,
        ),
    )
}


def raster_service(key: str) -> RasterService:
    """A raster service by key; unknown keys list the valid ones."""
    if key not in RASTER_SERVICES:
        raise UnknownNameError("raster service", key, RASTER_SERVICES)
    return RASTER_SERVICES[key]


# --- services valued from statistics tables -------------------------------------------


@dataclass(frozen=True)
class TableOutput:
    """Per-county physical quantity and value of one indicator (pandas Series by adcode)."""

    quantity: pd.Series
    value_cny: pd.Series
    price: UsedParameter | None  # None: the table reports a value (market value method)


@dataclass(frozen=True)
class TableService:
    """A service computed from one statistics table (rows = counties, base units)."""

    key: str
    name_en: str
    table: str
    outputs: Mapping[str, str]  # indicator -> quantity unit
    compute: Callable[[pd.DataFrame, ParameterSet], dict[str, TableOutput]] = field(repr=False)


def _material(table: pd.DataFrame, params: ParameterSet) -> dict[str, TableOutput]:
    out = {}
    for indicator in ("agriculture", "forestry", "animal_husbandry", "fishery"):
        output = table[f"{indicator}_output"]
        out[indicator] = TableOutput(output, statistics.market_value_cny(output), None)
    return out


_WATER_PRICES = {
    sector: UsedParameter(f"water_price_{sector}", "CNY/m3")
    for sector in ("domestic", "industrial", "agricultural")
}


def _water(table: pd.DataFrame, params: ParameterSet) -> dict[str, TableOutput]:
    p = {s: params.scalar(u.key, u.unit) for s, u in _WATER_PRICES.items()}
    use = {s: table[f"water_use_{s}"] for s in _WATER_PRICES}
    value = statistics.water_supply_value_cny(
        use["domestic"],
        use["industrial"],
        use["agricultural"],
        p["domestic"],
        p["industrial"],
        p["agricultural"],
    )
    price = UsedParameter("electricity_price", "CNY/kWh")
    hydro = table["hydropower"]
    return {
        # several sector prices: the price column of the result stays empty, the account's
        # price list names all three
        "water_supply": TableOutput(
            use["domestic"] + use["industrial"] + use["agricultural"], value, None
        ),
        "hydropower": TableOutput(
            hydro,
            statistics.hydropower_value_cny(hydro, params.scalar(price.key, price.unit)),
            price,
        ),
    }


def _recreation(table: pd.DataFrame, params: ParameterSet) -> dict[str, TableOutput]:
    revenue = table["tourism_revenue"]
    return {
        "recreation": TableOutput(
            table["visits"], statistics.recreation_value_by_revenue_cny(revenue), None
        )
    }


TABLE_SERVICES: dict[str, TableService] = {
    s.key: s
    for s in (
        TableService(
            "material_products",
            "agriculture, forestry, animal husbandry and fishery output",
            "agriculture",
            {"agriculture": "CNY", "forestry": "CNY", "animal_husbandry": "CNY", "fishery": "CNY"},
            _material,
        ),
        TableService(
            "water_energy",
            "water supply by sector and hydropower",
            "water",
            {"water_supply": "m3", "hydropower": "kWh"},
            _water,
        ),
        TableService(
            "recreation",
            "recreation by tourism revenue",
            "tourism",
            {"recreation": "person-time"},
            _recreation,
        ),
    )
}

# parameters the table services read (for the account's price list)
TABLE_PARAMETERS: tuple[UsedParameter, ...] = (
    *_WATER_PRICES.values(),
    UsedParameter("electricity_price", "CNY/kWh"),
)
