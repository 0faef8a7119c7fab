"""Ecosystem asset value (生态资产价值): the net present value of service flows.

Reference: GB/T 43677-2024 style; :math:`V = \\sum_{t=1}^{n} F/(1+r)^{t-1}`;
博文静 et al. 2017 (生态学报 37(12):4182-4190) used n = 100 years and r = 2.77 %.
"""

from __future__ import annotations

import math

from ganpo.services.base import Array


def npv_factor(discount_rate: float, horizon_years: int) -> float:
    r"""Present value of a constant flow of 1 a year for ``horizon_years`` years.

    .. math::  \sum_{t=1}^{n} \frac{1}{(1+r)^{t-1}} = \frac{1 - (1+r)^{-n}}{1 - (1+r)^{-1}}

    The first year is not discounted (博文静 et al. 2017: FIV = Σ F/(1+r)^(i−1)).
    Parameters: discount rate r [-] (0 allowed), horizon n [a]. Returns the factor [a]. A
    rate so small that 1 + r rounds to 1 in floating point discounts nothing: the factor is
    then n.

    >>> npv_factor(0.0, 100), npv_factor(0.05, 1)
    (100.0, 1.0)

    r = 2.77 %, n = 100: v = 1/1.0277 = 0.973047, v¹⁰⁰ = 0.06508,
    (1 − 0.06508) / (1 − 0.973047) = 34.687

    >>> round(npv_factor(0.0277, 100), 3)
    34.687

    A rate below the float resolution of 1 + r gives the undiscounted sum, not a division
    by zero:

    >>> npv_factor(5e-324, 100)
    100.0
    """
    if horizon_years < 1:
        raise ValueError(f"horizon must be at least 1 year, got {horizon_years}")
    if discount_rate < 0:
        raise ValueError(f"discount rate must not be negative, got {discount_rate}")
    if discount_rate == 0:
        return float(horizon_years)
    if not math.isfinite(discount_rate):
        raise ValueError(f"discount rate must be a finite number, got {discount_rate}")
    v = 1.0 / (1.0 + discount_rate)
    if v == 1.0:
        return float(horizon_years)
    return (1.0 - v**horizon_years) / (1.0 - v)


def asset_value(flow: Array, discount_rate: float, horizon_years: int) -> Array:
    """Asset value [CNY] of a yearly service flow [CNY a⁻¹] held constant over the horizon.

    >>> asset_value(1.0e6, 0.0, 20)
    20000000.0
    """
    return flow * npv_factor(discount_rate, horizon_years)
