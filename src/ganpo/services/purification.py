"""Air purification (空气净化) and water purification (水质净化): pollutants ecosystems take up.

The published application we follow (白玛卓嘎 et al. 2017, 生态学报 37(19):6302-6312,
§2.4.5-2.4.6, §3.2.5-3.2.6; 商慧敏 et al. 2018, 生态学报 38(2):421-431) counts as purified
the region's own discharges of SO₂, NOx and dust, and of COD, ammonia nitrogen and total
phosphorus: purification capped at, and equal to, emissions (:func:`attributed_discharge_t`).
The alternative counts per-hectare removal rates by ecosystem type, capped at emissions
(:func:`removal_capacity_t`, :func:`capped_share`).
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array


def removal_capacity_t(rate_t_per_ha: Array, area_ha: Array) -> Array:
    r"""Pollutant an ecosystem can remove in a year, :math:`Q_j = \sum_i q_{ij} A_i`.

    Parameters
    ----------
    rate_t_per_ha : removal rate of pollutant j by ecosystem type i [t ha⁻¹ a⁻¹]
    area_ha : area of ecosystem type i [ha]

    Returns
    -------
    Removal capacity [t a⁻¹].

    Examples
    --------
    forest removing 0.152 t SO₂ ha⁻¹ a⁻¹ on 1000 ha → 152 t

    >>> round(removal_capacity_t(0.152, 1000.0), 9)
    152.0
    """
    return rate_t_per_ha * area_ha


def cap_at_emissions(capacity_t: Array, emitted_t: Array) -> Array:
    r"""Pollutant actually removed: the capacity, but never more than was emitted.

    .. math::  Q_j^{*} = \min\left(Q_j, E_j\right)

    Ecosystems cannot clean what was not emitted. Parameters: capacity [t a⁻¹], emissions
    [t a⁻¹]. Returns [t a⁻¹].

    >>> cap_at_emissions(np.array([152.0, 40.0]), np.array([100.0, 50.0])).tolist()
    [100.0, 40.0]
    """
    return np.minimum(capacity_t, emitted_t)


def capped_share(capacity_t: Array, emitted_t: Array) -> Array:
    """Fraction of each type's capacity that counts once the total is capped.

    ``min(1, E / Q)``; 0 where the capacity is 0. Multiplying each ecosystem type's
    capacity by it attributes the capped total to the types in proportion to capacity.

    >>> capped_share(np.array([200.0, 50.0, 0.0]), np.array([100.0, 80.0, 5.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(capacity_t > 0, np.minimum(1.0, emitted_t / capacity_t), 0.0)
    return share


def attributed_discharge_t(emitted_t: Array, area_share: Array) -> Array:
    r"""The region's discharge of a pollutant counted as purified, attributed by area.

    .. math::  Q_{j,i} = E_j \cdot \frac{A_i}{\sum_k A_k}

    E_j the discharge of pollutant j in the county; A_i the area of the purifying type i
    (wetland and water for water pollutants, vegetation for air pollutants). Summed over
    the types, the purified quantity equals the discharge, as in 白玛卓嘎 et al. 2017
    (§3.2.5: SO₂ 1137 t, NOx 2772 t, dust 941 t; §3.2.6: COD 5424 t, NH₃-N 625 t).

    Parameters: discharge [t a⁻¹]; share of the purifying area [-]. Returns [t a⁻¹].

    >>> attributed_discharge_t(np.array([5424.0, 5424.0]), np.array([0.7, 0.3])).tolist()
    [3796.7999999999997, 1627.2]
    """
    return emitted_t * area_share
