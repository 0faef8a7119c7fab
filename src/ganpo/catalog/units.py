"""Statistical units used in dataset tables, and their factor to ganpo's base units.

Base units: CNY (元), m3, kWh, t, person-time (人次). Chinese statistics report in 万 (10^4)
and 亿 (10^8) of these; a table declares its unit per column in the manifest and the
engine converts explicitly with :func:`to_base`. An undeclared unit is rejected.
"""

from __future__ import annotations

from ganpo.errors import InputError

# unit string -> (base unit, factor)
STAT_UNITS: dict[str, tuple[str, float]] = {
    "CNY": ("CNY", 1.0),
    "10^4 CNY": ("CNY", 1e4),  # 万元
    "10^8 CNY": ("CNY", 1e8),  # 亿元
    "m3": ("m3", 1.0),
    "10^4 m3": ("m3", 1e4),  # 万立方米
    "10^8 m3": ("m3", 1e8),  # 亿立方米
    "kWh": ("kWh", 1.0),
    "10^4 kWh": ("kWh", 1e4),  # 万千瓦时
    "10^8 kWh": ("kWh", 1e8),  # 亿千瓦时
    "t": ("t", 1.0),
    "10^4 t": ("t", 1e4),
    "person-time": ("person-time", 1.0),
    "10^4 person-time": ("person-time", 1e4),  # 万人次
}


def to_base(unit: str) -> tuple[str, float]:
    """Base unit and multiplication factor of a statistical unit.

    >>> to_base("10^4 m3")
    ('m3', 10000.0)
    """
    if unit not in STAT_UNITS:
        raise InputError(
            f"unknown unit {unit!r}; known units: {', '.join(STAT_UNITS)}", field="unit"
        )
    return STAT_UNITS[unit]
