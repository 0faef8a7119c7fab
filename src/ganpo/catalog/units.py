"""Units (pint), including the Chinese statistical units of GEP tables and price lists.

Statistics report in 万 (10^4) and 亿 (10^8) of a unit — 万元, 亿m³, 万kWh, 万人次 — and
areas in 公顷 (hm²) or 亩. Every value that enters ganpo declares its unit; conversions are
explicit (:func:`conversion_factor`) and a unit that measures another quantity is refused,
never mixed silently. ganpo's base units: CNY, m3, m2, kWh, t, person-time.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import TYPE_CHECKING

from ganpo.errors import InputError

if TYPE_CHECKING:
    import pint


_REGISTRY_LOCK = threading.Lock()


def registry() -> pint.UnitRegistry:
    """The unit registry with ganpo's units, built at the first conversion (pint takes a
    quarter of a second to load: commands that convert nothing do not pay it).

    Built once per process under a lock: two threads of a server converting units for the
    first time at once must not each build one, since pint refuses to combine quantities
    of two registries ("different registries")."""
    with _REGISTRY_LOCK:
        return _build_registry()


@cache
def _build_registry() -> pint.UnitRegistry:
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.define("CNY = [currency] = 元 = yuan = RMB")
    ureg.define("person_time = [visit] = 人次 = visit")
    ureg.define("mu = 10000 / 15 * m ** 2 = 亩")
    ureg.define("hm2 = hectare = 公顷")
    ureg.define("千瓦时 = kWh")
    ureg.define("吨 = t")
    ureg.define("立方米 = m ** 3")
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
            en=f"unknown unit {text!r}; known units include: {', '.join(STAT_UNITS)}",
            zh=f"无法识别的单位 {text!r}；可用的单位包括：{', '.join(STAT_UNITS)}",
            field="unit",
            values=[text],
        ) from exc


def conversion_factor(from_unit: str, to_unit: str, *, what: str = "value") -> float:
    """Multiply a number in ``from_unit`` by this to express it in ``to_unit``.

    One pint conversion per pair of units in a process (:func:`_factor`, cached): a
    column of values is converted by one multiplication, never one pint quantity per value.

    >>> conversion_factor("万元", "10^8 CNY")
    0.0001
    >>> conversion_factor("hm2", "亩")
    15.0
    """
    from pint.errors import DimensionalityError

    try:
        return _factor(from_unit, to_unit)
    except DimensionalityError as exc:
        raise InputError(
            en=f"{what}: unit {from_unit!r} does not measure the same quantity as {to_unit!r}; "
            f"give it in {to_unit!r} or a unit convertible to it",
            zh=f"{what}：单位 {from_unit!r} "
            f"与 {to_unit!r} 计量的不是同一种量；请以 {to_unit!r} 或可换算的单位填写",
            field="unit",
            values=[from_unit, to_unit],
        ) from exc


@cache
def _factor(from_unit: str, to_unit: str) -> float:
    """The factor from ``from_unit`` to ``to_unit`` (a float: the cache holds nothing
    mutable); pint's DimensionalityError when they measure different quantities (an
    error is not cached: a wrong pair is refused each time)."""
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    return float((source / target).to("dimensionless").magnitude)


@cache
def to_base(unit: str) -> tuple[str, float]:
    """ganpo's base unit for ``unit`` and the factor to it (cached per unit: a tuple of a
    string and a float, nothing mutable; an unknown unit is refused each time).

    >>> to_base("10^4 m3")
    ('m3', 10000.0)
    """
    q = parse_unit(unit)
    for base in BASE_UNITS:
        b = parse_unit(base)
        if q.dimensionality == b.dimensionality:
            return base, float((q / b).to("dimensionless").magnitude)
    raise InputError(
        en=f"unit {unit!r} is none of the quantities statistics tables hold "
        f"({', '.join(BASE_UNITS)})",
        zh=f"单位 {unit!r} 不是统计表所记的量（{', '.join(BASE_UNITS)}）",
        field="unit",
        values=[unit],
    )


# --------------------------------------------------------------------------- display
# How published tables write a quantity: in the Chinese statistical units (万吨, 亿立方米,
# 亿千瓦时, 万人次, 公顷, 亿元, 万元) or their English wording, a scale chosen per table
# column, numbers with thousands separators. The one place reports and workbooks take
# their units from.

Language = str  # "zh" or "en"

#: ganpo's unit of a quantity → (Chinese name, English name, substance label zh, en) of
#: the thing counted; the scales 万/亿 are put before it by :func:`display_unit`
_COUNTED: dict[str, tuple[str, str, str, str]] = {
    "CNY": ("元", "yuan", "", ""),
    "m3": ("立方米", "m³", "", ""),
    "kWh": ("千瓦时", "kWh", "", ""),
    "t": ("吨", "tonnes", "", ""),
    "t CO2": ("吨", "tonnes", "（CO₂）", " CO₂"),
    "t O2": ("吨", "tonnes", "（O₂）", " O₂"),
    "person-time": ("人次", "visits", "", ""),
    "hm2": ("公顷", "hectares", "", ""),
}
#: units shown in another counted unit: m² as hectares
_SHOWN_AS: dict[str, tuple[str, float]] = {"m2": ("hm2", 1e-4)}
#: the scales a counted unit may take, largest first (hectares and yuan per km² stay small)
_SCALES: dict[str, tuple[float, ...]] = {
    "CNY": (1e8, 1e4, 1.0),
    "m3": (1e8, 1e4, 1.0),
    "kWh": (1e8, 1e4, 1.0),
    "t": (1e8, 1e4, 1.0),
    "t CO2": (1e8, 1e4, 1.0),
    "t O2": (1e8, 1e4, 1.0),
    "person-time": (1e4, 1.0),
    "hm2": (1.0,),
}
_SCALE_NAMES = {1e8: ("亿", "100 million "), 1e4: ("万", "10,000 "), 1.0: ("", "")}


def is_money(unit: str) -> bool:
    """Whether ``unit`` counts money (元, 万元, 10^8 CNY …)."""
    try:
        return parse_unit(unit).dimensionality == parse_unit("CNY").dimensionality
    except InputError:
        return False


def display_unit(unit: str, language: Language, largest: float | None = None) -> tuple[str, float]:
    """The unit a table shows numbers in ``unit`` in, and the divisor to apply to them.

    ``largest`` (the column's largest absolute value, in ``unit``) picks the scale: the
    largest of 亿/万/none that leaves it at 1 or more (亿 when not given). Units ganpo does
    not know are shown as given, with ``²``/``³`` for 2/3.

    >>> display_unit("m3", "zh", 3.2e10)
    ('亿立方米', 100000000.0)
    >>> display_unit("person-time", "en", 5e6)
    ('10,000 visits', 10000.0)
    >>> display_unit("m2", "zh", 5e9)
    ('公顷', 10000.0)
    """
    factor = 1.0
    if unit in _SHOWN_AS:
        unit, factor = _SHOWN_AS[unit]
    if unit not in _COUNTED:
        shown = unit.replace("m3", "m³").replace("m2", "m²")
        return shown.replace("CNY", "元" if language == "zh" else "yuan"), 1.0
    zh, en, sub_zh, sub_en = _COUNTED[unit]
    scales = _SCALES[unit]
    scale = scales[0]
    if largest is not None:
        big = abs(largest) * factor
        scale = next((s for s in scales if big >= s), scales[-1])
    prefix_zh, prefix_en = _SCALE_NAMES[scale]
    label = f"{prefix_zh}{zh}{sub_zh}" if language == "zh" else f"{prefix_en}{en}{sub_en}"
    return label, scale / factor


def money_unit(language: Language, scale: float = 1e8) -> str:
    """亿元 / 万元 / 元 (or 100 million yuan …) for a money scale."""
    prefix_zh, prefix_en = _SCALE_NAMES[scale]
    return f"{prefix_zh}元" if language == "zh" else f"{prefix_en}yuan"


def number(value: float, decimals: int = 2) -> str:
    """A number as a published table writes it: thousands separators, fixed decimals,
    "—" where there is none (NaN).

    >>> number(197712345678.9 / 1e8)
    '1,977.12'
    """
    if value is None or value != value:  # NaN
        return "—"
    if round(value, decimals) == 0:
        value = 0.0  # no "-0.00"
    return f"{value:,.{decimals}f}"


_PROSE_ZH = (
    (re.compile(r"×\s*10\^8\s*CNY\b"), "亿元"),
    (re.compile(r"×\s*10\^4\s*CNY\b"), "万元"),
    (re.compile(r"\b10\^8\s*CNY\b"), "亿元"),
    (re.compile(r"\b10\^4\s*CNY\b"), "万元"),
    (re.compile(r"\b10\^4\s*person-time\b"), "万人次"),
    (re.compile(r"\bperson-time\b"), "人次"),
    (re.compile(r"\bCNY\b"), "元"),
)
_PROSE_EN = (
    (re.compile(r"×\s*10\^8\s*CNY\b"), "× 100 million yuan"),
    (re.compile(r"×\s*10\^4\s*CNY\b"), "× 10,000 yuan"),
    (re.compile(r"\b10\^8\s*CNY\b"), "100 million yuan"),
    (re.compile(r"\b10\^4\s*CNY\b"), "10,000 yuan"),
    (re.compile(r"\b10\^4\s*person-time\b"), "10,000 visits"),
    (re.compile(r"\bperson-time\b"), "visits"),
    (re.compile(r"\bCNY\b"), "yuan"),
)
_PROSE_ANY = (
    (re.compile(r"(?<![\w^])(k?m|hm)([23])\b"), lambda m: m.group(1) + "²³"[int(m.group(2)) - 2]),
    (
        re.compile(r"10\^(-?\d+)"),
        lambda m: "10" + m.group(1).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")),
    ),
)


def prose_units(text: str, language: Language) -> str:
    """Units inside a sentence (a parameter's source, a warning) as a reader writes them:
    元/yuan for CNY, 亿元 for 10^8 CNY, m³ for m3, hm² for hm2, 10⁴ for 10^4.

    >>> prose_units("turnover 28.14 ×10^8 CNY; 2.6 CNY/m3 on 5 hm2", "zh")
    'turnover 28.14 亿元; 2.6 元/m³ on 5 hm²'
    """
    for pattern, repl in _PROSE_ZH if language == "zh" else _PROSE_EN:
        text = pattern.sub(repl, text)
    for pattern, fn in _PROSE_ANY:
        text = pattern.sub(fn, text)
    return text


#: how a department's form writes a unit of ganpo's roles (the upload reader converts any
#: unit convertible to the role's, so 万元 reads as 10^4 CNY)
_FORM_UNITS = {
    "10^4 CNY": "万元",
    "10^8 CNY": "亿元",
    "CNY": "元",
    "10^4 m3": "万立方米",
    "10^8 m3": "亿立方米",
    "m3": "立方米",
    "10^4 kWh": "万千瓦时",
    "10^8 kWh": "亿千瓦时",
    "kWh": "千瓦时",
    "10^4 person-time": "万人次",
    "person-time": "人次",
    "t": "吨",
    "10^4 t": "万吨",
    "hm2": "公顷",
}


def form_unit(unit: str) -> str:
    """A role's unit as a statistical form writes it: 万元, 亿元, 万人次, 万立方米, 公顷 …
    (units without a Chinese statistical name: with ² and ³).

    >>> form_unit("10^4 person-time"), form_unit("10^8 CNY"), form_unit("t/ha")
    ('万人次', '亿元', 't/ha')
    """
    if unit in _FORM_UNITS:
        return _FORM_UNITS[unit]
    return unit.replace("m3", "m³").replace("m2", "m²")
