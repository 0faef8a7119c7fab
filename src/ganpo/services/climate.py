"""Climate regulation (气候调节): energy that evapotranspiration spends cooling and humidifying.

Reference: MEE/CAEP GEP technical guide (2020) and the Ouyang group's Garzê account;
METHODS.md §3.8. Vegetation: :math:`E_{pt} = \\sum_i E_i A_i d / (3600 R_{ac})`; water
surface: :math:`E_{we} = E_w \\rho q / 3600 + E_w \\gamma`.
"""

from __future__ import annotations

from ganpo.services.base import Array

KJ_PER_KWH = 3600.0
WATER_DENSITY_KG_M3 = 1000.0


def mean_daily_latent_heat_kj_m2_d(
    et_mm: Array, latent_heat_kj_kg: float = 2450.0, days_per_year: float = 365.0
) -> Array:
    r"""Mean daily energy consumed by evapotranspiration, from annual ET.

    .. math::  E = \frac{ET \cdot q}{365}

    1 mm of evapotranspiration is 1 kg of water per m². **Simplified** (ganpo's choice,
    METHODS.md [U]): the guide tabulates a transpiration heat :math:`E_i` per ecosystem type;
    ganpo derives it from the ET layer as the *annual mean* daily latent heat flux. This
    counts all of ET (soil evaporation and interception too) and takes the mean day, not
    the hot day; both choices are documented in ``docs/decisions/0003``.

    Parameters
    ----------
    et_mm : annual actual evapotranspiration [mm a⁻¹ = kg m⁻² a⁻¹]
    latent_heat_kj_kg : latent heat of vaporisation q [kJ kg⁻¹] (2450 J g⁻¹)
    days_per_year : days the annual total is spread over [d]

    Returns
    -------
    Mean daily latent heat flux [kJ m⁻² d⁻¹].

    Examples
    --------
    730 mm a⁻¹ × 2450 kJ kg⁻¹ / 365 d = 4900 kJ m⁻² d⁻¹

    >>> mean_daily_latent_heat_kj_m2_d(730.0)
    4900.0
    """
    return et_mm * latent_heat_kj_kg / days_per_year


def vegetation_cooling_kwh(
    latent_heat_kj_m2_d: Array,
    area_m2: Array,
    hot_days: Array,
    energy_efficiency_ratio: float = 3.0,
) -> Array:
    r"""Electricity an air conditioner would need to remove the heat vegetation absorbs.

    .. math::  E_{pt} = \frac{E_i \cdot A_i \cdot d}{3600 \cdot R_{ac}}

    (METHODS.md §3.8, MEE/CAEP GEP technical guide 2020.)

    Parameters
    ----------
    latent_heat_kj_m2_d : heat consumed by transpiration :math:`E_i` [kJ m⁻² d⁻¹]
    area_m2 : vegetated area :math:`A_i` [m²]
    hot_days : days with daily mean temperature above 26 °C, d [d]
    energy_efficiency_ratio : air-conditioner energy efficiency ratio R_ac [-], 3.0

    Returns
    -------
    Electricity saved [kWh a⁻¹].

    Examples
    --------
    4900 kJ m⁻² d⁻¹ × 62 500 m² × 80 d / (3600 × 3) = 2 268 518.5 kWh

    >>> round(vegetation_cooling_kwh(4900.0, 62_500.0, 80.0), 1)
    2268518.5
    """
    return latent_heat_kj_m2_d * area_m2 * hot_days / (KJ_PER_KWH * energy_efficiency_ratio)


def hot_day_evaporation_m3(
    et_mm: Array, area_m2: Array, hot_days: Array, days_per_year: float = 365.0
) -> Array:
    r"""Water evaporated from a water surface on the days above 26 °C.

    .. math::  E_w = \frac{ET}{1000} \cdot A \cdot \frac{d}{365}

    **Simplified** (ganpo's choice): the annual evaporation is spread evenly over the
    year, so hot days get the mean daily rate (an underestimate in summer).

    Parameters
    ----------
    et_mm : annual evaporation of the water surface [mm a⁻¹]
    area_m2 : water-surface area [m²]
    hot_days : days with daily mean temperature above 26 °C [d]
    days_per_year : [d]

    Returns
    -------
    Evaporated volume on hot days [m³].

    Examples
    --------
    1095 mm a⁻¹ → 3 mm d⁻¹; × 80 d = 0.24 m; × 62 500 m² = 15 000 m³

    >>> round(hot_day_evaporation_m3(1095.0, 62_500.0, 80.0), 6)
    15000.0
    """
    return et_mm / 1000.0 * area_m2 * hot_days / days_per_year


def water_surface_cooling_kwh(
    evaporation_m3: Array,
    latent_heat_kj_kg: float = 2450.0,
    humidifier_kwh_m3: float = 120.0,
) -> Array:
    r"""Electricity to cool and humidify the air as much as a water surface's evaporation does.

    .. math::  E_{we} = \frac{E_w \cdot \rho \cdot q}{3600} + E_w \cdot \gamma

    (METHODS.md §3.8; ρ = 1000 kg m⁻³, q in kJ kg⁻¹ so that ρq/3600 is in kWh m⁻³.)

    Parameters
    ----------
    evaporation_m3 : water evaporated on hot days, E_w [m³]
    latent_heat_kj_kg : latent heat of vaporisation q [kJ kg⁻¹] (2450 J g⁻¹)
    humidifier_kwh_m3 : humidifier energy per m³ of water evaporated, γ [kWh m⁻³], 120

    Returns
    -------
    Electricity saved [kWh a⁻¹].

    Examples
    --------
    15 000 m³ × (1000 × 2450 / 3600 + 120) kWh m⁻³ = 15 000 × 800.5556 = 12 008 333.3 kWh

    >>> round(water_surface_cooling_kwh(15_000.0), 1)
    12008333.3
    """
    per_m3 = WATER_DENSITY_KG_M3 * latent_heat_kj_kg / KJ_PER_KWH + humidifier_kwh_m3
    return evaporation_m3 * per_m3
