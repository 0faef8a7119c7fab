"""Soil retention (土壤保持) and sand fixation (防风固沙): valuation of the retained soil.

The physical models (RUSLE, RWEQ) are raster methods; these are the published valuation
equations applied to their quantities. Reference: HJ 1173-2021; Ouyang group (白玛卓嘎 et al. 2017,
生态学报 37(19):6302-6312, §2.4.2-2.4.3).
"""

from __future__ import annotations

from ganpo.services.base import Array


def silt_value_cny(
    retained_t: Array, deposition_ratio: float, bulk_density_t_m3: float, dredging_cny_m3: float
) -> Array:
    r"""Value of the silt that retained soil would have deposited in reservoirs and rivers.

    .. math::  V_{sd} = \lambda \cdot \frac{A_c}{\rho} \cdot c

    Parameters
    ----------
    retained_t : soil retained, :math:`A_c` [t a⁻¹]
    deposition_ratio : share of eroded soil that deposits, λ [-] (0.24)
    bulk_density_t_m3 : soil bulk density ρ [t m⁻³]
    dredging_cny_m3 : dredging cost c [CNY m⁻³]

    Returns
    -------
    Value [CNY a⁻¹].

    Examples
    --------
    Garzê 2010 (白玛卓嘎 et al. 2017, Table 3): 0.24 × 38.86e8 t / 0.93 × 15.58 = 156.24e8 CNY
    (published 156.26; the published quantity is rounded to 0.01e8 t)

    >>> round(silt_value_cny(38.86e8, 0.24, 0.93, 15.58) / 1e8, 2)
    156.24
    """
    return deposition_ratio * retained_t / bulk_density_t_m3 * dredging_cny_m3


def nutrient_value_cny(retained_t: Array, content: float, price_cny_t: float) -> Array:
    r"""Value of a nutrient kept in the retained soil, at the fertiliser price.

    .. math::  V_n = A_c \cdot C_n \cdot P_n

    Parameters: soil retained [t a⁻¹]; nutrient mass fraction [-]; fertiliser price [CNY t⁻¹].
    Returns [CNY a⁻¹].

    Garzê 2010 N: 38.86e8 × 0.0037 × 875 = 125.81e8 (published 125.82)

    >>> round(nutrient_value_cny(38.86e8, 0.0037, 875.0) / 1e8, 2)
    125.81
    """
    return retained_t * content * price_cny_t


def sand_fixation_value_cny(
    fixed_t: Array, bulk_density_t_m3: float, cover_depth_m: float, cost_cny_m2: float
) -> Array:
    r"""Value of sand fixation: the area of sand-control works the fixed sand would need.

    .. math::  V_{sf} = \frac{Q_{sf}}{\rho \cdot h} \cdot c

    Parameters: sand fixed [t a⁻¹]; sand bulk density ρ [t m⁻³]; cover depth h [m];
    cost of sand-control works c [CNY m⁻²]. Returns [CNY a⁻¹].

    Garzê 2010: 779.42e4 t / (1.28 × 0.1) × 3.75 = 2.28e8 CNY

    >>> round(sand_fixation_value_cny(779.42e4, 1.28, 0.1, 3.75) / 1e8, 2)
    2.28
    """
    return fixed_t / (bulk_density_t_m3 * cover_depth_m) * cost_cny_m2
