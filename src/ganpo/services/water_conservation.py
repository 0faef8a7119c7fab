"""Water conservation (水源涵养) by the water-balance method.

Reference: the water-balance equation of 白玛卓嘎 et al. 2017 (生态学报 37(19):6302-6312,
§2.4.1) and HJ 1173-2021 (its text not read); the runoff term R = α·P with α by ecosystem
type: 龚诗涵 et al. 2017, 生态学报 37(7):2455-2462, doi:10.5846/stxb201512012406 (Eq. 2,
Table 2).
"""

from __future__ import annotations

import numpy as np

from ganpo.services.base import Array


def water_conservation_m3(
    precip_mm: Array,
    et_mm: Array,
    runoff_coefficient: Array,
    area_m2: Array,
    *,
    clip_negative: bool = True,
) -> Array:
    r"""Water conserved by an ecosystem in one year, by water balance.

    .. math::  Q_{wr} = \sum_i (P_i - R_i - ET_i) \cdot A_i, \qquad R_i = \alpha_i P_i

    (HJ 1173-2021 water-balance equation; :math:`R_i = \alpha_i P_i` as in 龚诗涵 et al.
    2017, Eq. 2, whose Table 2 gives :math:`\alpha_i` by level-2 ecosystem type.)

    Parameters
    ----------
    precip_mm : annual precipitation [mm]
    et_mm : annual actual evapotranspiration [mm]
    runoff_coefficient : surface runoff coefficient α of the ecosystem type [-]
    area_m2 : ecosystem area [m²]
    clip_negative : where evapotranspiration and runoff exceed precipitation the ecosystem
        draws on stored water and conserves none; with ``True`` (default) such cells count
        0, not a negative service. ganpo's choice: the guides do not book negative services.

    Returns
    -------
    Conserved water [m³]. NaN in any input gives NaN.

    Examples
    --------
    1600 mm of rain, 2.67 % runoff (42.72 mm), 850 mm ET on one 250 m cell:
    (1600 − 42.72 − 850) mm × 62 500 m² = 0.70728 m × 62 500 m² = 44 205 m³

    >>> round(float(water_conservation_m3(1600.0, 850.0, 0.0267, 62_500.0)), 3)
    44205.0
    """
    runoff_mm = precip_mm * runoff_coefficient
    q = (precip_mm - runoff_mm - et_mm) / 1000.0 * area_m2
    if clip_negative:
        q = np.maximum(q, 0.0)  # np.maximum keeps NaN (np.fmax would not)
    return q
