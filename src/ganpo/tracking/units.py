"""Unit factors for tracked values, ratios included (``t CO2/万元``).

:func:`ganpo.catalog.units.conversion_factor` converts simple units; a ratio is converted
numerator and denominator apart. Identical texts need no parsing.
"""

from __future__ import annotations

from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError


def unit_factor(from_unit: str, to_unit: str, *, what: str = "value") -> float:
    """Multiply a value in ``from_unit`` by this to express it in ``to_unit``.

    >>> unit_factor("t CO2/万元", "kg CO2/元")
    0.1
    >>> unit_factor("万t CO2", "t CO2")
    10000.0
    """
    if from_unit.strip() == to_unit.strip():
        return 1.0
    try:
        if "/" in from_unit and "/" in to_unit:
            num_f, den_f = (s.strip() for s in from_unit.split("/", 1))
            num_t, den_t = (s.strip() for s in to_unit.split("/", 1))
            return conversion_factor(num_f, num_t) / conversion_factor(den_f, den_t)
        if "/" in from_unit or "/" in to_unit:
            raise InputError(
                en="ratio against a simple unit", zh="比值单位不能与简单单位换算", field="unit"
            )
        return conversion_factor(from_unit, to_unit)
    except InputError as exc:
        raise InputError(
            en=f"{what}: unit {from_unit!r} does not measure the same quantity as {to_unit!r} "
            f"(the indicator's unit); give the values in {to_unit!r}",
            zh=f"{what}：单位 "
            f"{from_unit!r} 与指标的单位 {to_unit!r} 计量的不是同一种量；请以 {to_unit!r} 填报",
            field="unit",
            values=[from_unit, to_unit],
        ) from exc
