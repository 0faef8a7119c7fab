"""Services valued from statistics tables: material products, water supply, hydropower,
recreation and pest control, as in the Ouyang group's Garzê account (白玛卓嘎 et al. 2017,
生态学报 37(19):6302-6312, §2.3, §2.4.9, §2.5, Table 3).
"""

from __future__ import annotations

from ganpo.services.base import Array


def market_value_cny(output_value_cny: Array) -> Array:
    r"""Value of a material product by the market-value method: its output value.

    .. math::  V = \sum_j Q_j P_j

    Statistics report the sum :math:`\sum_j Q_j P_j` directly as gross output value
    (总产值), so the value is that output value (NDRC/NBS specification 2022, material
    products). Parameters: output value [CNY]. Returns value [CNY].

    >>> market_value_cny(3.2e8)
    320000000.0
    """
    return output_value_cny * 1.0


def net_output_value_cny(value_added_cny: Array) -> Array:
    r"""Value of a material product at net output value (净产值): its value added.

    .. math::  V = Y - C_i

    Y the gross output value (总产值), C_i the intermediate consumption (中间消耗) of the
    sector; statistics yearbooks report the difference as value added (增加值). 白玛卓嘎 et
    al. 2017 (§2.3(1)) value 农林牧渔 products at "2010 农林牧渔净产值" without defining it;
    ganpo reads it as value added (flagged): what the ecosystem adds beyond the fertiliser,
    feed and other goods bought in. Parameters: value added [CNY]. Returns value [CNY].

    Gross output 3.2e8 CNY with 1.3e8 CNY of intermediate consumption → 1.9e8 CNY

    >>> net_output_value_cny(3.2e8 - 1.3e8)
    190000000.0
    """
    return value_added_cny * 1.0


def water_supply_value_cny(
    domestic_m3: Array,
    industrial_m3: Array,
    agricultural_m3: Array,
    price_domestic_cny_m3: float,
    price_industrial_cny_m3: float,
    price_agricultural_cny_m3: float,
) -> Array:
    r"""Value of water supply: water used by sector times the sector's water price.

    .. math::  V_w = \sum_s Q_s P_s

    Parameters
    ----------
    domestic_m3, industrial_m3, agricultural_m3 : water use by sector [m³ a⁻¹]
    price_* : water price of the sector [CNY m⁻³]

    Returns
    -------
    Value [CNY a⁻¹].

    Examples
    --------
    Garzê 2010 (白玛卓嘎 et al. 2017, Table 3): 1.36e8 × 2.6 + 150.17e8 × 3.6 + 17.31e8 × 0.07
    = 3.536e8 + 540.612e8 + 1.2117e8 = 545.3597e8 CNY (published 545.36)

    >>> round(water_supply_value_cny(1.36e8, 150.17e8, 17.31e8, 2.6, 3.6, 0.07) / 1e8, 2)
    545.36
    """
    return (
        domestic_m3 * price_domestic_cny_m3
        + industrial_m3 * price_industrial_cny_m3
        + agricultural_m3 * price_agricultural_cny_m3
    )


def hydropower_value_cny(generation_kwh: Array, price_cny_kwh: float) -> Array:
    r"""Value of hydropower: generation × electricity price, :math:`V = Q_e P_e`.

    Parameters: generation [kWh a⁻¹], electricity price [CNY kWh⁻¹]. Returns [CNY a⁻¹].

    Garzê 2010 (白玛卓嘎 et al. 2017, Table 3): 95.30e8 kWh × 0.53 = 50.509e8 CNY
    (published 50.51)

    >>> round(hydropower_value_cny(95.30e8, 0.53) / 1e8, 2)
    50.51
    """
    return generation_kwh * price_cny_kwh


def recreation_value_by_revenue_cny(tourism_revenue_cny: Array) -> Array:
    r"""Recreation value by the tourism-revenue method, :math:`V_r = \text{revenue}`.

    A named alternative where no travel-cost survey exists. Tourism revenue includes
    spending not caused by the ecosystem, so this is an upper bound of the recreation
    service; the travel-cost method (:func:`ganpo.services.cultural.travel_cost_cny`) is the
    one of the published application (白玛卓嘎 et al. 2017 §2.5). Parameters: tourism
    revenue [CNY a⁻¹]. Returns value [CNY a⁻¹].

    >>> recreation_value_by_revenue_cny(5.0e9)
    5000000000.0
    """
    return tourism_revenue_cny * 1.0


def pest_control_value_cny(area_ha: Array, cost_cny_per_ha: float) -> Array:
    r"""Pest control (病虫害控制): area that recovers without treatment × prevention cost.

    .. math::  V_p = A_s \cdot C_p

    (白玛卓嘎 et al. 2017 §2.4.9: forest 375, grassland 112.5 CNY ha⁻¹ in 2010.)
    Garzê 2010 (§3.2.9): 158e4 ha × 375 + 711.13e4 ha × 112.5 = 5.925e8 + 8.0002e8
    = 13.93e8 CNY

    >>> forest = pest_control_value_cny(158e4, 375.0)
    >>> grass = pest_control_value_cny(711.13e4, 112.5)
    >>> round((forest + grass) / 1e8, 2)
    13.93
    """
    return area_ha * cost_cny_per_ha
