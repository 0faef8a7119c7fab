"""Climate regulation (气候调节): energy that evapotranspiration spends cooling and humidifying.

The method of the Ouyang group's accounts (白玛卓嘎 et al. 2017, 生态学报 37(19):6302-6312,
§2.4.8; 博文静 et al. 2017, 生态学报 37(12):4182-4190, with R_ac = 3.0):

- vegetation: :math:`E_{pt} = \\sum_i EPP_i \\cdot S_i \\cdot d / (3600 \\cdot R_{ac})`, EPP_i the
  heat transpiration of type i consumes per m² and day on the d days that need cooling;
- water surface: :math:`E_{we} = E_w \\rho q / 3600 + E_w \\gamma`, E_w the water evaporated
  on those days.

The per-type EPP table of the guides could not be read, so ganpo computes EPP_i·d from data
(:func:`transpiration_heat_kj_m2`): the evapotranspiration summed over the cooling days
times the transpiration share of ET of the type times the latent heat. The older
:func:`mean_daily_latent_heat_kj_m2_d` (annual ET spread over 365 days, all of ET) is kept
for the simplified alternative method.
"""

from __future__ import annotations

from ganpo.services.base import Array

KJ_PER_KWH = 3600.0
WATER_DENSITY_KG_M3 = 1000.0


def transpiration_heat_kj_m2(
    et_hot_days_mm: Array, transpiration_share: Array, latent_heat_kj_kg: float = 2450.0
) -> Array:
    r"""Heat consumed by transpiration over the cooling days, :math:`EPP_i \cdot d`.

    .. math::  EPP_i \cdot d = \tau_i \cdot ET_d \cdot q

    1 mm of water evaporated is 1 kg per m². ``ET_d`` is the actual evapotranspiration summed
    over the days with daily mean temperature above 26 °C (layer role
    ``evapotranspiration_hot_days``); τ_i the share of ET that is transpiration for
    ecosystem type i (the rest, soil evaporation and evaporation of intercepted rain, is
    not transpiration). Replaces the unreadable per-type EPP table of the guides
    (白玛卓嘎 et al. 2017 §2.4.8) by data: stated in ``docs/decisions/0026``.

    Parameters
    ----------
    et_hot_days_mm : ET summed over the cooling days, ET_d [mm = kg m⁻²]
    transpiration_share : transpiration / ET of the cell's type, τ_i [-]
    latent_heat_kj_kg : latent heat of vaporisation q [kJ kg⁻¹], 2450

    Returns
    -------
    Heat absorbed by transpiration over the cooling days [kJ m⁻²].

    Examples
    --------
    forest, 400 mm of ET on the hot days, 68.5 % of it transpiration:
    0.685 × 400 × 2450 = 671 300 kJ m⁻²

    >>> round(float(transpiration_heat_kj_m2(400.0, 0.685)), 6)
    671300.0
    """
    return transpiration_share * et_hot_days_mm * latent_heat_kj_kg


def transpiration_cooling_kwh(
    heat_kj_m2: Array, area_m2: Array, energy_efficiency_ratio: float = 3.0
) -> Array:
    r"""Electricity an air conditioner would need to remove the heat transpiration absorbs.

    .. math::  E_{pt} = \frac{EPP_i \cdot S_i \cdot d}{3600 \cdot R_{ac}}

    (白玛卓嘎 et al. 2017, §2.4.8 eq. for V_a; 博文静 et al. 2017, R_ac = 3.0.) The d cooling
    days are inside ``heat_kj_m2`` (:func:`transpiration_heat_kj_m2`).

    Parameters
    ----------
    heat_kj_m2 : heat absorbed over the cooling days, EPP_i·d [kJ m⁻²]
    area_m2 : area S_i [m²]
    energy_efficiency_ratio : air-conditioner energy efficiency ratio R_ac [-], 3.0

    Returns
    -------
    Electricity saved [kWh a⁻¹].

    Examples
    --------
    671 300 kJ m⁻² on one hectare: 671 300 × 10 000 / (3600 × 3) = 621 574.07 kWh

    >>> round(float(transpiration_cooling_kwh(671_300.0, 10_000.0)), 2)
    621574.07
    """
    return heat_kj_m2 * area_m2 / (KJ_PER_KWH * energy_efficiency_ratio)


def cooling_day_evaporation_m3(et_hot_days_mm: Array, area_m2: Array) -> Array:
    r"""Water evaporated from a water surface on the cooling days, :math:`E_w`.

    .. math::  E_w = \frac{ET_d}{1000} \cdot A

    Parameters: evaporation summed over the days with mean temperature above 26 °C
    [mm]; water-surface area [m²]. Returns [m³].

    500 mm on one hectare → 5 000 m³

    >>> float(cooling_day_evaporation_m3(500.0, 10_000.0))
    5000.0
    """
    return et_hot_days_mm / 1000.0 * area_m2


def mean_daily_latent_heat_kj_m2_d(
    et_mm: Array, latent_heat_kj_kg: float = 2450.0, days_per_year: float = 365.0
) -> Array:
    r"""Mean daily energy consumed by evapotranspiration, from annual ET.

    .. math::  E = \frac{ET \cdot q}{365}

    1 mm of evapotranspiration is 1 kg of water per m². **Simplified** (the named
    alternative ``et_energy``, not a default): the guides tabulate a transpiration heat
    :math:`E_i` per ecosystem type on the cooling days; this takes the *annual mean* daily
    latent heat flux of all of ET (soil evaporation and interception too) instead
    (``docs/decisions/0003``, superseded as default by ``docs/decisions/0026``).

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

    (白玛卓嘎 et al. 2017, 生态学报 37(19):6302-6312, §2.4.8.)

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

    **Simplified** (the ``et_energy`` alternative): the annual evaporation is spread evenly
    over the year, so hot days get the mean daily rate (an underestimate in summer).

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

    (白玛卓嘎 et al. 2017, §2.4.8 eq. for V_e; ρ = 1000 kg m⁻³, q in kJ kg⁻¹ so that
    ρq/3600 is in kWh m⁻³.)

    Parameters
    ----------
    evaporation_m3 : water evaporated on hot days, E_w [m³]
    latent_heat_kj_kg : latent heat of vaporisation q [kJ kg⁻¹] (2450 J g⁻¹)
    humidifier_kwh_m3 : humidifier energy per m³ of water evaporated, γ [kWh m⁻³], 120
        (商慧敏 et al. 2018, 生态学报 38(2):421-431, §2.3.4, give 125)

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
