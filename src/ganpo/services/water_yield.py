"""Annual water yield by the Budyko framework (Fu 1981; Zhang et al. 2001, 2004), the
formulation of InVEST's annual water yield model, for water conservation (水源涵养).

References: Zhang, L., Hickel, K., Dawes, W. R., et al. (2004) A rational function approach
for estimating mean annual evapotranspiration. Water Resources Research 40, W02502,
doi:10.1029/2003WR002710; Donohue, R. J., Roderick, M. L., McVicar, T. R. (2012) Roots,
storms and soil pores: incorporating key ecohydrological processes into Budyko's
hydrological model. Journal of Hydrology 436-437:35-50 (ω = Z·AWC/P + 1.25); InVEST user
guide, Annual Water Yield. A named alternative to the water balance.
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array

OMEGA_MIN = 1.25
OMEGA_MAX = 5.0


def budyko_omega(awc_mm: Array, precip_mm: Array, seasonality_z: float) -> Array:
    r"""Empirical Budyko parameter ω of a vegetated cell.

    .. math::  \omega = Z \frac{AWC}{P} + 1.25, \quad \omega \le 5

    (Donohue et al. 2012; the upper limit of 5 as in InVEST.)

    Parameters: plant-available water capacity AWC [mm] (= min(root depth, soil depth) ×
    PAWC), annual precipitation P [mm], seasonality constant Z [-] (1–30).

    >>> float(budyko_omega(100.0, 1600.0, 8.0))  # 8 × 100/1600 + 1.25
    1.75
    """
    return np.minimum(seasonality_z * awc_mm / precip_mm + OMEGA_MIN, OMEGA_MAX)


def aet_fraction(pet_mm: Array, precip_mm: Array, omega: Array, vegetated: Array) -> Array:
    r"""Actual evapotranspiration as a fraction of precipitation, AET/P.

    Vegetated cells (Fu's equation, capped by the dryness index φ = PET/P):

    .. math::  \frac{AET}{P} = \min\left(\varphi,\;
               1 + \varphi - \left(1 + \varphi^{\omega}\right)^{1/\omega}\right)

    Other cells (water, built-up, bare): :math:`AET = \min(PET, P)`.

    Parameters: potential ET PET = Kc·ET₀ [mm], precipitation P [mm], ω [-], vegetated
    flag (1/0). Returns AET/P [-].

    Examples
    --------
    PET 1000 mm, P 1600 mm, ω 1.75: φ = 0.625; φ^ω = 0.43933;
    1 + 0.625 − 1.43933^(1/1.75) = 1.625 − 1.23134 = 0.39366

    >>> round(float(aet_fraction(1000.0, 1600.0, 1.75, 1)), 5)
    0.39366
    >>> float(aet_fraction(2000.0, 1600.0, 1.75, 0))  # open water: AET capped at P
    1.0
    """
    phi = pet_mm / precip_mm
    fu = 1.0 + phi - (1.0 + phi**omega) ** (1.0 / omega)
    return np.where(vegetated == 1, np.minimum(phi, fu), np.minimum(pet_mm, precip_mm) / precip_mm)


def water_yield_m3(precip_mm: Array, aet_frac: Array, area_m2: Array | float) -> Array:
    r"""Annual water yield, :math:`Y = (1 - AET/P) \cdot P \cdot A`.

    Parameters: P [mm], AET/P [-], area [m²]. Returns [m³].

    >>> round(float(water_yield_m3(1600.0, 0.39366, 10_000.0)), 1)  # 0.60634 × 1.6 m × 1 ha
    9701.4
    """
    return (1.0 - aet_frac) * precip_mm / 1000.0 * area_m2
