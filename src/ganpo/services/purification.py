"""Air purification (空气净化) and water purification (水质净化): pollutants removed by
ecosystems, capped at what the region emits.

Reference: MEE/CAEP GEP technical guide (2020); METHODS.md §3.5–3.6. Removal rates per
hectare and ecosystem type are parameters ([U] where not verified).
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

    Ecosystems cannot clean what was not emitted (METHODS.md §3.5: "each capped at the
    region's emissions"). Parameters: capacity [t a⁻¹], emissions [t a⁻¹]. Returns [t a⁻¹].

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
