"""Flood regulation (洪水调蓄) by lakes, reservoirs and marshes.

Reference: MEE/CAEP GEP technical guide (2020) and the Ouyang group's accounts;
METHODS.md §3.4. Lake coefficients differ by region: they are parameters.
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array

M3_PER_10K_M3 = 1e4


def lake_storage_m3(area_km2: Array, a: float, b: float, t: float = 1.0) -> Array:
    r"""Flood storage capacity of a lake from its area.

    .. math::  C_l = e^{a} \cdot A^{b} \cdot T \quad [10^4\,m^3]

    Parameters
    ----------
    area_km2 : lake area A [km²]
    a, b : regional regression coefficients (plateau lakes: a = 6.636, b = 0.678)
    t : number of flood storage turnovers per year T [-], 1

    Returns
    -------
    Storage capacity [m³] (the equation gives 10⁴ m³; converted here).

    Examples
    --------
    a 100 km² plateau lake: e^6.636 × 100^0.678 = 762.04 × 22.699 = 17 297.3 ×10⁴ m³

    >>> round(float(lake_storage_m3(100.0, 6.636, 0.678)) / 1e4, 1)
    17297.3
    """
    return np.exp(a) * np.power(area_km2, b) * t * M3_PER_10K_M3


def reservoir_storage_m3(total_capacity_m3: Array, flood_share: float = 0.35) -> Array:
    r"""Flood storage of reservoirs: :math:`C_r = 0.35 \cdot C_{total}`.

    Parameters: total storage capacity [m³]; share of capacity available for floods [-].
    Returns [m³]. (METHODS.md §3.4.)

    >>> reservoir_storage_m3(1.0e8)
    35000000.0
    """
    return total_capacity_m3 * flood_share


def marsh_storage_m3(area_m2: Array, depth_m: float = 0.3) -> Array:
    r"""Flood storage of marshes: :math:`C_m = 0.3\,m \cdot A_m`.

    Parameters: marsh area [m²]; storage depth [m]. Returns [m³]. (METHODS.md §3.4.)

    >>> marsh_storage_m3(2.0e6)
    600000.0
    """
    return area_m2 * depth_m


def vegetation_storm_storage_m3(
    storm_precipitation_mm: Array, storm_runoff_coefficient: Array, area_m2: Array
) -> Array:
    r"""Storm water held back by vegetation: storm rainfall minus storm runoff.

    .. math::  C_v = (P_s - R_s) \cdot A = P_s (1 - \alpha_s) \cdot A, \quad R_s = \alpha_s P_s

    Parameters
    ----------
    storm_precipitation_mm : rainfall of storm events in the year, P_s [mm]
    storm_runoff_coefficient : share of storm rainfall that runs off, α_s [-], by type
    area_m2 : area [m²]

    Returns
    -------
    Water held [m³] (METHODS.md §3.4, vegetation [U]: storm runoff by a runoff
    coefficient per ecosystem type, not SCS-CN).

    Examples
    --------
    # 600 mm of storm rain on one hectare of forest that sheds 20 %: 0.6 × 0.8 × 1e4

    >>> round(float(vegetation_storm_storage_m3(600.0, 0.2, 1.0e4)), 1)
    4800.0
    """
    return storm_precipitation_mm / 1000.0 * (1.0 - storm_runoff_coefficient) * area_m2
