"""Carbon sequestration (固碳) and oxygen release (释氧) from net primary production.

Reference: the photosynthesis equation used by the MEE/CAEP GEP technical guide (2020) and
the Ouyang group (1 kg dry matter fixes 1.63 kg CO₂ and releases 1.2 kg O₂); METHODS.md
§3.7. NPP is taken as dry matter: convert carbon-based NPP (g C) to dry matter before use.
"""

from __future__ import annotations

from ganpo.services.base import Array

G_PER_T = 1e6


def co2_sequestered_t(npp_g_m2: Array, area_m2: Array, co2_per_dry_matter: float = 1.63) -> Array:
    r"""CO₂ fixed by vegetation in one year.

    .. math::  Q_{CO_2} = 1.63 \cdot NPP \cdot A

    Parameters
    ----------
    npp_g_m2 : net primary production as dry matter [g m⁻² a⁻¹]
    area_m2 : area [m²]
    co2_per_dry_matter : CO₂ fixed per unit dry matter [t t⁻¹], 1.63 by the equation of
        photosynthesis (METHODS.md §3.7)

    Returns
    -------
    CO₂ sequestered [t a⁻¹].

    Examples
    --------
    1200 g m⁻² of dry matter on a 62 500 m² cell: 1200 × 62 500 = 7.5e7 g = 75 t dry
    matter; × 1.63 = 122.25 t CO₂

    >>> round(co2_sequestered_t(1200.0, 62_500.0), 9)
    122.25
    """
    return npp_g_m2 * area_m2 / G_PER_T * co2_per_dry_matter


def o2_released_t(npp_g_m2: Array, area_m2: Array, o2_per_dry_matter: float = 1.2) -> Array:
    r"""O₂ released by vegetation in one year.

    .. math::  Q_{O_2} = 1.2 \cdot NPP \cdot A

    Parameters
    ----------
    npp_g_m2 : net primary production as dry matter [g m⁻² a⁻¹]
    area_m2 : area [m²]
    o2_per_dry_matter : O₂ released per unit dry matter [t t⁻¹], 1.2 (METHODS.md §3.7)

    Returns
    -------
    O₂ released [t a⁻¹].

    Examples
    --------
    75 t of dry matter (as above) × 1.2 = 90 t O₂

    >>> o2_released_t(1200.0, 62_500.0)
    90.0
    """
    return npp_g_m2 * area_m2 / G_PER_T * o2_per_dry_matter


def co2_from_nep_t(npp_g_m2: Array, area_m2: Array, nep_to_npp_ratio: float) -> Array:
    r"""CO₂ fixed, from net ecosystem production.

    .. math::

        Q_{CO_2} = \frac{44}{12} NEP, \qquad NEP = \alpha \cdot NPP \cdot \frac{72}{162}

    (METHODS.md §3.7 [U]: 72/162 is the carbon share of dry matter C₆H₁₀O₅; α the ratio of
    NEP to NPP, which must be supplied: no shipped parameter set has a verified value.)

    Parameters
    ----------
    npp_g_m2 : NPP as dry matter [g m⁻² a⁻¹]
    area_m2 : area [m²]
    nep_to_npp_ratio : α [-]

    Returns
    -------
    CO₂ [t a⁻¹].

    Examples
    --------
    1200 g m⁻² on 62 500 m² = 75 t DM; × 72/162 = 33.333 t C; α 0.5 → 16.667 t C;
    × 44/12 = 61.111 t CO₂

    >>> round(co2_from_nep_t(1200.0, 62_500.0, 0.5), 3)
    61.111
    """
    return npp_g_m2 * area_m2 / G_PER_T * (72.0 / 162.0) * nep_to_npp_ratio * (44.0 / 12.0)


def o2_from_co2_t(co2_t: Array) -> Array:
    r"""O₂ released for the CO₂ fixed, :math:`Q_{O_2} = \frac{32}{44} Q_{CO_2}`.

    (METHODS.md §3.7 [U].) 44 t CO₂ → 32 t O₂

    >>> o2_from_co2_t(44.0)
    32.0
    """
    return co2_t * (32.0 / 44.0)


def carbon_stock_t(
    c_above_t_ha: Array,
    c_below_t_ha: Array,
    c_soil_t_ha: Array,
    c_dead_t_ha: Array,
    area_ha: Array,
) -> Array:
    r"""Carbon stored in the four pools of an ecosystem (a stock, for asset accounts).

    .. math::  C = (C_{above} + C_{below} + C_{soil} + C_{dead}) \cdot A

    The pool model of InVEST's carbon storage model (InVEST user guide, Carbon Storage and
    Sequestration): pool densities per ecosystem type times area. Parameters: carbon
    densities [t C ha⁻¹] of the four pools, area [ha]. Returns carbon [t C].

    Examples
    --------
    forest 80 + 20 + 60 + 5 = 165 t C ha⁻¹ on 6.25 ha (a 250 m cell) = 1031.25 t C

    >>> carbon_stock_t(80.0, 20.0, 60.0, 5.0, 6.25)
    1031.25
    """
    return (c_above_t_ha + c_below_t_ha + c_soil_t_ha + c_dead_t_ha) * area_ha
