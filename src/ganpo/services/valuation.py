"""Valuation rules: how one unit of each indicator's physical quantity is priced.

``value_quantities`` turns a table of physical quantities (indicator, component, quantity,
unit) into values with the price used, for any parameter set — the step that takes
published or reported quantities to money. The raster and statistics methods price their
quantities with the same parameters; a test checks that both agree row by row.
Indicators valued at a reported value (market value of products, tourism revenue,
landscape premium) have no rule: their value is the statistic itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from ganpo.catalog.parameters import ParameterSet
from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, UnknownNameError
from ganpo.services import soil
from ganpo.services.base import Array, UsedParameter


@dataclass(frozen=True)
class Valuation:
    """Value of ``quantity_unit`` of one indicator component, and the headline price."""

    indicator: str
    component: str
    quantity_unit: str
    price: UsedParameter
    value: Callable[[Array, ParameterSet], Array]


def _times(price: UsedParameter) -> Callable[[Array, ParameterSet], Array]:
    def value(q: Array, p: ParameterSet) -> Array:
        return q * p.scalar(price.key, price.unit)

    return value


def _simple(indicator: str, component: str, unit: str, key: str, price_unit: str) -> Valuation:
    price = UsedParameter(key, price_unit)
    return Valuation(indicator, component, unit, price, _times(price))


def _silt(q: Array, p: ParameterSet) -> Array:
    return soil.silt_value_cny(
        q,
        p.scalar("sediment_deposition_ratio", "1"),
        p.scalar("soil_bulk_density", "t/m3"),
        p.scalar("dredging_cost", "CNY/m3"),
    )


def _nutrient(content: str, price: str) -> Callable[[Array, ParameterSet], Array]:
    def value(q: Array, p: ParameterSet) -> Array:
        return soil.nutrient_value_cny(q, p.scalar(content, "1"), p.scalar(price, "CNY/t"))

    return value


def _soil_total(q: Array, p: ParameterSet) -> Array:
    return (
        _silt(q, p)
        + _nutrient("soil_n_content", "nitrogen_price")(q, p)
        + _nutrient("soil_p_content", "phosphorus_price")(q, p)
    )


def _sand(q: Array, p: ParameterSet) -> Array:
    return soil.sand_fixation_value_cny(
        q,
        p.scalar("sand_bulk_density", "t/m3"),
        p.scalar("sand_cover_depth", "m"),
        p.scalar("sand_control_cost", "CNY/m2"),
    )


_RULES: list[Valuation] = [
    _simple("water_conservation", "", "m3", "reservoir_cost", "CNY/m3"),
    *(
        _simple("flood_regulation", c, "m3", "reservoir_cost", "CNY/m3")
        for c in ("lake", "reservoir", "marsh")
    ),
    *(
        _simple("climate_regulation", c, "kWh", "electricity_price", "CNY/kWh")
        for c in ("vegetation", "water_surface")
    ),
    _simple("hydropower", "", "kWh", "electricity_price", "CNY/kWh"),
    _simple("other_energy", "", "kWh", "electricity_price", "CNY/kWh"),
    *(
        _simple("water_supply", s, "m3", f"water_price_{s}", "CNY/m3")
        for s in ("domestic", "industrial", "agricultural")
    ),
    _simple("carbon_sequestration", "", "t CO2", "carbon_price", "CNY/t"),
    _simple("oxygen_release", "", "t O2", "oxygen_price", "CNY/t"),
    *(
        _simple("air_purification", j, "t", f"{j}_control_cost", "CNY/t")
        for j in ("so2", "nox", "dust")
    ),
    *(
        _simple("water_purification", j, "t", f"{j}_control_cost", "CNY/t")
        for j in ("cod", "nh3n", "tp")
    ),
    *(
        _simple("pest_control", k, "hm2", f"pest_control_cost_{k}", "CNY/hm2")
        for k in ("forest", "grassland")
    ),
    Valuation("soil_retention", "silt", "t", UsedParameter("dredging_cost", "CNY/m3"), _silt),
    Valuation(
        "soil_retention",
        "nitrogen",
        "t",
        UsedParameter("nitrogen_price", "CNY/t"),
        _nutrient("soil_n_content", "nitrogen_price"),
    ),
    Valuation(
        "soil_retention",
        "phosphorus",
        "t",
        UsedParameter("phosphorus_price", "CNY/t"),
        _nutrient("soil_p_content", "phosphorus_price"),
    ),
    Valuation("sand_fixation", "", "t", UsedParameter("sand_control_cost", "CNY/m2"), _sand),
    # the raster method's single row: silt + N + P of the same retained soil
    Valuation("soil_retention", "", "t", UsedParameter("dredging_cost", "CNY/m3"), _soil_total),
    _simple("flood_regulation", "vegetation", "m3", "reservoir_cost", "CNY/m3"),
]
VALUATIONS: dict[tuple[str, str], Valuation] = {(v.indicator, v.component): v for v in _RULES}


def valuation(indicator: str, component: str = "") -> Valuation:
    """The rule for one indicator component; unknown pairs list the valid ones."""
    if (indicator, component) not in VALUATIONS:
        raise UnknownNameError(
            "valuation (indicator/component)",
            f"{indicator}/{component}",
            (f"{i}/{c}" for i, c in VALUATIONS),
        )
    return VALUATIONS[(indicator, component)]


def value_quantities(quantities: pd.DataFrame, params: ParameterSet) -> pd.DataFrame:
    """Value physical quantities with a parameter set.

    ``quantities`` has columns ``indicator``, ``component`` ("" for none), ``quantity`` and
    ``quantity_unit`` (any unit convertible to the rule's: ``10^8 m3`` works for m³).
    Returns a copy with ``price_key``, ``price``, ``price_unit`` and ``value_cny``.

    >>> from ganpo.catalog.parameters import load_parameter_set
    >>> q = pd.DataFrame({"indicator": ["hydropower"], "component": [""],
    ...                   "quantity": [95.30], "quantity_unit": ["10^8 kWh"]})
    >>> round(float(value_quantities(q, load_parameter_set("garze-2010")).value_cny[0]) / 1e8, 2)
    50.51
    """
    missing = {"indicator", "component", "quantity", "quantity_unit"} - set(quantities.columns)
    if missing:
        raise InputError(
            en=f"quantities table lacks column(s) {', '.join(sorted(missing))}",
            zh=f"实物量表缺少列 {', '.join(sorted(missing))}",
        )
    out = quantities.copy()
    keys, prices, units, values = [], [], [], []
    for row in quantities.itertuples(index=False):
        rule = valuation(str(row.indicator), str(row.component))
        factor = conversion_factor(
            str(row.quantity_unit), rule.quantity_unit, what=f"{row.indicator} quantity"
        )
        q = float(row.quantity) * factor  # type: ignore[arg-type]
        keys.append(rule.price.key)
        prices.append(params.scalar(rule.price.key, rule.price.unit))
        units.append(rule.price.unit)
        values.append(float(rule.value(q, params)))
    out["price_key"], out["price"], out["price_unit"], out["value_cny"] = (
        keys,
        prices,
        units,
        values,
    )
    return out
