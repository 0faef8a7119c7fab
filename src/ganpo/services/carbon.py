"""Carbon sequestration (固碳) and oxygen release (释氧).

Two families of formulas, kept apart because they count different flows:

- **Net sequestration** (the default of every shipped profile): the carbon an ecosystem
  keeps in a year is its net ecosystem production, NEP = NPP − R_h (博文静 et al. 2017,
  生态学报 37(12):4182-4190, doi:10.5846/stxb201606161172, §1.2(3): NEP = NPP − R_s), with
  the soil heterotrophic respiration R_h from the regression of Pei et al. 2009 (J. Integr.
  Plant Biol. 51(5):521-526, doi:10.1111/j.1744-7909.2009.00813.x) in the monthly form
  applied by Chinese NEP studies; CO₂ = 44/12 · NEP; O₂ = 32/44 · CO₂.
- **Gross uptake** (a named alternative, never a default): 1 kg of dry matter produced
  fixes 1.63 kg CO₂ and releases 1.2 kg O₂ (江波 et al. 2017, 生态学报 37(8):2497-2505,
  doi:10.5846/stxb201410091984, §2.2.2-2.2.3; 缪建群 et al. 2017, 生态学报
  37(19):6422-6430, uses 1.19 for O₂). It counts all the carbon plants fix, before
  respiration returns most of it to the air.

NPP is taken as dry matter [g m⁻² a⁻¹]; net sequestration converts it to carbon with a
carbon fraction of dry matter (a parameter).
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array

G_PER_T = 1e6
CO2_PER_C = 44.0 / 12.0
O2_PER_CO2 = 32.0 / 44.0


def heterotrophic_respiration_month_g_c_m2(
    temperature_c: Array,
    precipitation_mm: Array,
    a: float = 0.22,
    b: float = 0.0912,
    c: float = 0.3145,
    days: float = 30.0,
    heterotrophic_share: float = 0.465,
) -> Array:
    r"""Soil heterotrophic (microbial) respiration of one month.

    .. math::

        R_h = 0.22 \left[ e^{0.0912\,T} + \ln(0.3145\,P + 1) \right] \times 30 \times 46.5\,\%

    The regression is Pei et al. 2009 (J. Integr. Plant Biol. 51(5):521-526,
    doi:10.1111/j.1744-7909.2009.00813.x; abstract: soil carbon emission
    E = 0.22 (exp(0.09 T) + ln(0.31 P + 1)) g C m⁻² d⁻¹ from daily temperature and
    precipitation of an alpine steppe, R² = 0.77, 46 % of it microbial). The monthly form
    above, with the unrounded coefficients 0.0912 and 0.3145, × 30 days and × 46.5 % for the
    microbial share, is the one applied in Chinese NEP studies with T the month's mean air
    temperature and P the month's total precipitation (李远航 et al. 2022, ChinaXiv
    202209.00152, eq. for R_h citing 裴志永 et al. 2010, 地理研究 29(1):102-110; 王川 et al.
    2021, ChinaXiv 202106.00081, §1.3.3). Feeding a monthly total into a regression fitted
    on daily values is how those studies apply it; ganpo follows them and says so.

    Parameters
    ----------
    temperature_c : mean air temperature of the month, T [°C]
    precipitation_mm : total precipitation of the month, P [mm]
    a, b, c : regression coefficients (0.22 [g C m⁻² d⁻¹], 0.0912 [°C⁻¹], 0.3145 [mm⁻¹])
    days : days per month [d], 30
    heterotrophic_share : microbial share of soil respiration [-], 46.5 %

    Returns
    -------
    R_h of the month [g C m⁻² month⁻¹].

    Examples
    --------
    July, 25 °C and 200 mm: e^2.28 = 9.7767, ln(63.9) = 4.1573; 0.22 × 13.934 = 3.0655;
    × 30 × 0.465 = 42.76 g C m⁻²

    >>> round(float(heterotrophic_respiration_month_g_c_m2(25.0, 200.0)), 2)
    42.76
    """
    soil = a * (np.exp(b * temperature_c) + np.log(c * precipitation_mm + 1.0))
    return soil * days * heterotrophic_share


def annual_heterotrophic_respiration_g_c_m2(
    monthly_temperature_c: Array, monthly_precipitation_mm: Array
) -> Array:
    r"""Annual soil heterotrophic respiration: the sum of the twelve monthly values.

    .. math::  R_{h,a} = \sum_{m=1}^{12} R_h(T_m, P_m)

    Parameters
    ----------
    monthly_temperature_c : mean air temperature of each month, months on the first axis
        [°C], shape (12, …)
    monthly_precipitation_mm : precipitation of each month, months on the first axis [mm]

    Returns
    -------
    R_h of the year [g C m⁻² a⁻¹] (the shape without the month axis). This is what the
    layer role ``heterotrophic_respiration`` holds.

    Examples
    --------
    Twelve months of 25 °C and 200 mm: 12 × 42.764 = 513.2 g C m⁻²

    >>> round(float(annual_heterotrophic_respiration_g_c_m2(np.full(12, 25.0),
    ...       np.full(12, 200.0))), 1)
    513.2
    """
    t = np.asarray(monthly_temperature_c, dtype="float64")
    p = np.asarray(monthly_precipitation_mm, dtype="float64")
    if t.shape[0] != 12 or p.shape[0] != 12:
        raise ValueError("give twelve months on the first axis of temperature and precipitation")
    return heterotrophic_respiration_month_g_c_m2(t, p).sum(axis=0)


def net_ecosystem_production_g_c_m2(
    npp_g_m2: Array, heterotrophic_respiration_g_c_m2: Array, carbon_fraction: float = 0.45
) -> Array:
    r"""Net ecosystem production: the carbon vegetation fixes net of soil respiration.

    .. math::  NEP = f_C \cdot NPP - R_h

    (博文静 et al. 2017, 生态学报 37(12):4182-4190, §1.2(3): NEP = NPP − R_s.) NEP may be
    negative: the cell is then a net source and its sequestration counts negative.

    Parameters
    ----------
    npp_g_m2 : net primary production as dry matter [g m⁻² a⁻¹]
    heterotrophic_respiration_g_c_m2 : soil heterotrophic respiration R_h [g C m⁻² a⁻¹]
    carbon_fraction : carbon per unit dry matter f_C [g C g⁻¹]

    Returns
    -------
    NEP [g C m⁻² a⁻¹].

    Examples
    --------
    1200 g m⁻² of dry matter × 0.45 = 540 g C; minus 400 g C of R_h = 140 g C m⁻²

    >>> round(float(net_ecosystem_production_g_c_m2(1200.0, 400.0)), 9)
    140.0
    """
    return npp_g_m2 * carbon_fraction - heterotrophic_respiration_g_c_m2


def co2_from_carbon_t(carbon_g_m2: Array, area_m2: Array) -> Array:
    r"""CO₂ of a carbon flux over an area, :math:`Q_{CO_2} = \frac{44}{12} C \cdot A`.

    Parameters: carbon flux [g C m⁻² a⁻¹], area [m²]. Returns CO₂ [t a⁻¹].

    140 g C m⁻² on 62 500 m² = 8.75 t C; × 44/12 = 32.083 t CO₂

    >>> round(float(co2_from_carbon_t(140.0, 62_500.0)), 3)
    32.083
    """
    return carbon_g_m2 * area_m2 / G_PER_T * CO2_PER_C


def co2_sequestered_t(npp_g_m2: Array, area_m2: Array, co2_per_dry_matter: float = 1.63) -> Array:
    r"""CO₂ fixed by photosynthesis in one year: the **gross** uptake, not the net.

    .. math::  Q_{CO_2} = 1.63 \cdot NPP \cdot A

    Parameters
    ----------
    npp_g_m2 : net primary production as dry matter [g m⁻² a⁻¹]
    area_m2 : area [m²]
    co2_per_dry_matter : CO₂ fixed per unit dry matter [t t⁻¹], 1.63 by the equation of
        photosynthesis (江波 et al. 2017, 生态学报 37(8):2497-2505, §2.2.2)

    Returns
    -------
    CO₂ taken up [t a⁻¹]. Most of it returns to the air through respiration within the
    year: use :func:`net_ecosystem_production_g_c_m2` for sequestration.

    Examples
    --------
    1200 g m⁻² of dry matter on a 62 500 m² cell: 1200 × 62 500 = 7.5e7 g = 75 t dry
    matter; × 1.63 = 122.25 t CO₂

    >>> round(co2_sequestered_t(1200.0, 62_500.0), 9)
    122.25
    """
    return npp_g_m2 * area_m2 / G_PER_T * co2_per_dry_matter


def o2_released_t(npp_g_m2: Array, area_m2: Array, o2_per_dry_matter: float = 1.2) -> Array:
    r"""O₂ released by photosynthesis in one year (gross, from NPP).

    .. math::  Q_{O_2} = 1.2 \cdot NPP \cdot A

    Parameters
    ----------
    npp_g_m2 : net primary production as dry matter [g m⁻² a⁻¹]
    area_m2 : area [m²]
    o2_per_dry_matter : O₂ released per unit dry matter [t t⁻¹], 1.2 (江波 et al. 2017,
        §2.2.3; 缪建群 et al. 2017 uses 1.19)

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
    r"""CO₂ fixed, from NEP taken as a fixed share of NPP.

    .. math::

        Q_{CO_2} = \frac{44}{12} NEP, \qquad NEP = \alpha \cdot NPP \cdot \frac{72}{162}

    72/162 is the carbon share of dry matter C₆H₁₀O₅; α the ratio of NEP to NPP, which the
    parameter set must supply (no shipped set has a published value). A named alternative
    to :func:`net_ecosystem_production_g_c_m2` where no respiration layer exists.

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
    return npp_g_m2 * area_m2 / G_PER_T * (72.0 / 162.0) * nep_to_npp_ratio * CO2_PER_C


def o2_from_co2_t(co2_t: Array) -> Array:
    r"""O₂ released for the CO₂ fixed, :math:`Q_{O_2} = \frac{32}{44} Q_{CO_2}`.

    Photosynthesis releases one O₂ molecule for each CO₂ molecule it fixes
    (CO₂ + H₂O → CH₂O + O₂), so the oxygen of a net carbon flux is on the same basis.
    44 t CO₂ → 32 t O₂

    >>> o2_from_co2_t(44.0)
    32.0
    """
    return co2_t * O2_PER_CO2


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
