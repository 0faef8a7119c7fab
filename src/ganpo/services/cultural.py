"""Cultural services (文化服务): recreation by travel cost, landscape premium.

Reference: the travel cost method of 江波 et al. 2017 (生态学报 37(8):2497-2505, §2.3.1: travel
cost, time cost at 30 % of the wage, consumer surplus) as used by 白玛卓嘎 et al. 2017 §2.5;
landscape premium by hedonic pricing (form of the method family, unverified).
"""

from __future__ import annotations

from ganpo.services.base import Array


def travel_cost_cny(
    visits: Array,
    travel_time_h: Array,
    wage_cny_per_h: Array,
    direct_cost_cny: Array,
    time_cost_share: float = 1.0,
) -> Array:
    r"""Recreation value by the travel cost method.

    .. math::  V_r = \sum_j N_j \left( t_j \cdot w_j \cdot s + C_j \right)

    (江波 et al. 2017 §2.3.1: travel time valued at the wage times a share s, 30 % there,
    plus the direct cost of the trip; the consumer surplus of its zero-truncated Poisson
    model is not included, so this is a lower bound of that method.)

    Parameters
    ----------
    visits : number of visits N [person-time]
    travel_time_h : mean time spent travelling and visiting per visit t [h]
    wage_cny_per_h : mean hourly wage w [CNY h⁻¹]
    direct_cost_cny : mean direct cost per visit C (transport, tickets, lodging) [CNY]
    time_cost_share : share of the wage that values leisure time s [-]

    Returns
    -------
    Value [CNY a⁻¹].

    Examples
    --------
    10 000 visits × (6 h × 40 CNY h⁻¹ × 1 + 500 CNY) = 10 000 × 740 = 7 400 000 CNY

    >>> travel_cost_cny(10_000.0, 6.0, 40.0, 500.0)
    7400000.0
    """
    return visits * (travel_time_h * wage_cny_per_h * time_cost_share + direct_cost_cny)


def landscape_premium_cny(benefiting_area_m2: Array, premium_cny_per_m2: Array) -> Array:
    r"""Landscape value: the price premium of housing that benefits from an ecosystem view.

    .. math::  V_l = A_b \cdot P_l

    Parameters: benefiting floor area [m²]; hedonic premium [CNY m⁻²]. Returns [CNY].

    >>> landscape_premium_cny(1.0e5, 120.0)
    12000000.0
    """
    return benefiting_area_m2 * premium_cny_per_m2
