"""Flood regulation (洪水调蓄) by lakes, reservoirs, marshes and vegetation.

Storage by water bodies follows the Ouyang group's Garzê account (白玛卓嘎 et al. 2017,
生态学报 37(19):6302-6312, §2.4.4): lakes by a regional regression of storage on area
(饶恩明 et al. 2014, 生态学报 34(21):6225-6231; only the plateau pair could be read),
reservoirs 0.35 of their capacity, marshes 0.3 m of water. Where a lake's water levels are
gauged, its storage is measured instead: the storage between the trough and the peak of
each flood rise, summed over the year's rises (江波 et al. 2017, 生态学报 37(8):2497-2505,
§2.2.1). Vegetation holds back runoff-producing rain compared with bare land (缪建群 et al.
2017, 生态学报 37(19):6422-6430, Table 1 eqs. 7-9, after 赵同谦, 欧阳志云 et al. 2004).
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array

M3_PER_10K_M3 = 1e4

#: the five lake regions of 饶恩明 et al. 2014 (key: Chinese and English names); each has
#: its own storage regression, of which only the plateau pair could be read
LAKE_REGIONS: dict[str, tuple[str, str]] = {
    "plateau": ("青藏高原", "Qinghai-Tibet Plateau"),
    "eastern_plain": ("东部平原", "eastern plain"),
    "northeast": ("东北平原与山地", "north-east plain and mountains"),
    "mengxin": ("蒙新高原", "Inner Mongolia-Xinjiang plateau"),
    "yungui": ("云贵高原", "Yunnan-Guizhou plateau"),
}


def lake_region_key(name: str) -> str:
    """The key of a lake region given by its key or its Chinese or English name.

    >>> lake_region_key("东部平原")
    'eastern_plain'
    """
    for key, names in LAKE_REGIONS.items():
        if name.strip() in (key, *names):
            return key
    valid = ", ".join(f"{zh} ({key})" for key, (zh, _) in LAKE_REGIONS.items())
    raise ValueError(f"unknown lake region {name!r}; valid: {valid}")


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
    Returns [m³]. (白玛卓嘎 et al. 2017 §2.4.4.)

    >>> reservoir_storage_m3(1.0e8)
    35000000.0
    """
    return total_capacity_m3 * flood_share


def marsh_storage_m3(area_m2: Array, depth_m: float = 0.3) -> Array:
    r"""Flood storage of marshes: :math:`C_m = 0.3\,m \cdot A_m`.

    Parameters: marsh area [m²]; storage depth [m]. Returns [m³]. (白玛卓嘎 et al. 2017
    §2.4.4: C_m = 0.3 · S · 10⁶, S in km², i.e. 0.3 m of water.)

    >>> marsh_storage_m3(2.0e6)
    600000.0
    """
    return area_m2 * depth_m


def gauged_flood_storage_m3(peak_storage_m3: Array, trough_storage_m3: Array) -> Array:
    r"""Flood water a gauged lake stored in a year: the rise of its storage in each flood.

    .. math::  C_l = \sum_{k} \left( Q_{max,k} - Q_{min,k} \right)

    Q_max,k and Q_min,k are the storages at the highest and the lowest water level of the
    k-th continuous rise of the water level (江波 et al. 2017, 生态学报 37(8):2497-2505,
    §2.2.1, eqs. 4-5). The water department reads them from the lake's stage-storage curve.

    Parameters
    ----------
    peak_storage_m3 : storage at the peak of each rise [m³], one value per rise
    trough_storage_m3 : storage at the trough that starts the rise [m³]

    Returns
    -------
    Flood water stored over the year [m³] (the sum over the last axis).

    Examples
    --------
    Baiyangdian 2012, second rise: 2.90 ×10⁸ m³ on 30 September − 1.26 ×10⁸ m³ on 30 July
    = 1.64 ×10⁸ m³; with the first rise's 0.81 ×10⁸ m³ the year holds 2.45 ×10⁸ m³

    >>> round(float(gauged_flood_storage_m3([2.90e8, 1.07e8], [1.26e8, 0.26e8])) / 1e8, 2)
    2.45
    """
    peak = np.asarray(peak_storage_m3, dtype="float64")
    trough = np.asarray(trough_storage_m3, dtype="float64")
    if np.any(peak < trough):
        raise ValueError("a flood rise ends higher than it starts: peak storage ≥ trough storage")
    return (peak - trough).sum(axis=-1)


def vegetation_runoff_reduction_m3(
    precipitation_mm: Array,
    runoff_rain_share: float,
    reduction_coefficient: Array,
    area_m2: Array,
) -> Array:
    r"""Runoff vegetation holds back compared with bare land in runoff-producing rain.

    .. math::  Q = A \cdot J \cdot R, \qquad J = J_0 \cdot K, \qquad R = R_0 - R_g

    J_0 the annual rainfall, K the share of it that falls in runoff-producing rain, R the
    runoff rate of bare land minus that of the vegetation under such rain (缪建群 et al.
    2017, 生态学报 37(19):6422-6430, Table 1 eqs. 7-9, citing 赵同谦, 欧阳志云 et al. 2004,
    自然资源学报 19(4):480-491, which we could not read). The paper's own per-type storages
    imply J = 108 mm, which its printed J_0 and K do not reproduce: ganpo follows the
    equation as printed (flagged in the parameter set).

    Parameters
    ----------
    precipitation_mm : annual rainfall J_0 [mm]
    runoff_rain_share : K, share of the rain that produces runoff [-]
    reduction_coefficient : R of the cell's type [-]
    area_m2 : area A [m²]

    Returns
    -------
    Water held back [m³ a⁻¹].

    Examples
    --------
    高天岩 conifer, 613 hm² with R 0.36 and the paper's implied J = 108 mm (J_0 = 180 mm,
    K = 0.6): 6.13e6 m² × 0.108 m × 0.36 = 238 334.4 m³ (printed 23.83 ×10⁴ m³)

    >>> round(float(vegetation_runoff_reduction_m3(180.0, 0.6, 0.36, 6.13e6)), 1)
    238334.4
    """
    return precipitation_mm / 1000.0 * runoff_rain_share * reduction_coefficient * area_m2
