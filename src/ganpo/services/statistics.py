"""Services valued from statistics tables: material products, water supply, hydropower,
recreation. METHODS.md §2 and §3.10.
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
    Garzê 2010 (METHODS.md §5): 1.36e8 × 2.6 + 150.17e8 × 3.6 + 17.31e8 × 0.07
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

    Garzê 2010 (METHODS.md §5): 95.30e8 kWh × 0.53 = 50.509e8 CNY (published 50.51)

    >>> round(hydropower_value_cny(95.30e8, 0.53) / 1e8, 2)
    50.51
    """
    return generation_kwh * price_cny_kwh


def recreation_value_by_revenue_cny(tourism_revenue_cny: Array) -> Array:
    r"""Recreation value by the tourism-revenue method, :math:`V_r = \text{revenue}`.

    Used where no travel-cost survey exists (METHODS.md §3.10: "or tourism revenue where
    no survey exists"). Tourism revenue includes spending not caused by the ecosystem, so
    this is an upper bound of the recreation service; the travel-cost method is the
    alternative. Parameters: tourism revenue [CNY a⁻¹]. Returns value [CNY a⁻¹].

    >>> recreation_value_by_revenue_cny(5.0e9)
    5000000000.0
    """
    return tourism_revenue_cny * 1.0


def pest_control_value_cny(area_ha: Array, cost_cny_per_ha: float) -> Array:
    r"""Pest control (病虫害控制): area that recovers without treatment × prevention cost.

    .. math::  V_p = A_s \cdot C_p

    (METHODS.md §3.9: forest 375, grassland 112.5 CNY ha⁻¹ in 2010.)
    Garzê 2010 (METHODS.md §5): 158e4 ha × 375 + 711.13e4 ha × 112.5 = 5.925e8 + 8.0002e8
    = 13.93e8 CNY

    >>> forest = pest_control_value_cny(158e4, 375.0)
    >>> grass = pest_control_value_cny(711.13e4, 112.5)
    >>> round((forest + grass) / 1e8, 2)
    13.93
    """
    return area_ha * cost_cny_per_ha
