"""Units (pint), including the Chinese statistical units of GEP tables and price lists.

Statistics report in 万 (10^4) and 亿 (10^8) of a unit — 万元, 亿m³, 万kWh, 万人次 — and
areas in 公顷 (hm²) or 亩. Every value that enters ganpo declares its unit; conversions are
explicit (:func:`conversion_factor`) and a unit that measures another quantity is refused,
never mixed silently. ganpo's base units: CNY, m3, m2, kWh, t, person-time.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from ganpo.errors import InputError

if TYPE_CHECKING:
    import pint


@cache
def registry() -> pint.UnitRegistry:
    """The unit registry with ganpo's units, built at the first conversion (pint takes a
    quarter of a second to load: commands that convert nothing do not pay it)."""
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("CNY = [currency] = 元 = yuan = RMB")
    ureg.define("person_time = [visit] = 人次 = visit")
    ureg.define("mu = 10000 / 15 * m ** 2 = 亩")
    ureg.define("hm2 = hectare = 公顷")
    ureg.define("千瓦时 = kWh")
    ureg.define("吨 = t")
    return ureg


BASE_UNITS = ("CNY", "m3", "m2", "kWh", "t", "person-time", "h", "CNY/h", "CNY/m2", "1")

#: Units commonly seen in GEP statistics (shown in error messages; others parse too).
STAT_UNITS = (
    "CNY", "10^4 CNY", "10^8 CNY", "元", "万元", "亿元",
    "m3", "10^4 m3", "10^8 m3", "万m³", "亿m³",
    "kWh", "10^4 kWh", "10^8 kWh", "万kWh", "亿kWh",
    "t", "10^4 t", "万t", "m2", "km2", "hm2", "亩",
    "person-time", "10^4 person-time", "万人次",
)  # fmt: skip

# substance labels that may follow a mass unit ("t CO2"): they name what is weighed
_SUBSTANCES = r"(CO2|CO₂|O2|O₂|C|SO2|NOx|COD|NH3-N|TP|TN|dust|DM)"
_SCALE = {"万": 1e4, "亿": 1e8}


@cache
def parse_unit(text: str) -> pint.Quantity:
    """The quantity one unit of ``text`` is, e.g. ``10^4 m3`` → 10000 m³.

    >>> parse_unit("亿元").to("CNY").magnitude
    100000000.0
    >>> parse_unit("10^4 person-time").to("person_time").magnitude
    10000.0
    """
    from pint.errors import PintError

    s = text.strip()
    factor = 1.0
    if s[:1] in _SCALE:
        factor, s = _SCALE[s[0]], s[1:].strip()
    m = re.match(r"^10\^(-?\d+)\s*", s)
    if m:
        factor *= 10.0 ** int(m.group(1))
        s = s[m.end() :]
    s = re.sub(rf"\s+{_SUBSTANCES}\b", "", s)
    s = s.replace("person-time", "person_time").replace("³", "**3").replace("²", "**2")
    s = re.sub(r"\b(k?m)([23])\b", r"\1**\2", s)
    if s in ("", "1", "-"):
        s = "dimensionless"
    ureg = registry()
    try:
        return factor * ureg.parse_expression(s)
    except (PintError, AttributeError, SyntaxError, TypeError) as exc:
        raise InputError(
            f"unknown unit {text!r}; known units include: {', '.join(STAT_UNITS)}",
            field="unit",
            values=[text],
        ) from exc


def conversion_factor(from_unit: str, to_unit: str, *, what: str = "value") -> float:
    """Multiply a number in ``from_unit`` by this to express it in ``to_unit``.

    >>> conversion_factor("万元", "10^8 CNY")
    0.0001
    >>> conversion_factor("hm2", "亩")
    15.0
    """
    from pint.errors import DimensionalityError

    source, target = parse_unit(from_unit), parse_unit(to_unit)
    try:
        return float((source / target).to("dimensionless").magnitude)
    except DimensionalityError as exc:
        raise InputError(
            f"{what}: unit {from_unit!r} does not measure the same quantity as {to_unit!r}; "
            f"give it in {to_unit!r} or a unit convertible to it",
            field="unit",
            values=[from_unit, to_unit],
        ) from exc


def to_base(unit: str) -> tuple[str, float]:
    """ganpo's base unit for ``unit`` and the factor to it.

    >>> to_base("10^4 m3")
    ('m3', 10000.0)
    """
    q = parse_unit(unit)
    for base in BASE_UNITS:
        b = parse_unit(base)
        if q.dimensionality == b.dimensionality:
            return base, float((q / b).to("dimensionless").magnitude)
    raise InputError(
        f"unit {unit!r} is none of the quantities statistics tables hold ({', '.join(BASE_UNITS)})",
        field="unit",
        values=[unit],
    )
