"""The unit of a GDP table (元, 万元, 亿元) and the plausibility of its values.

A statistician's GDP table comes in 亿元 (10⁸ yuan; the statistical communiqués) as often
as in 万元 (10⁴ yuan; county yearbooks), and a slip of the unit is a factor of 10⁴. A table
that names its unit is converted; every value, read in the unit named or assumed, must
also lie within the GDP bounds of its unit's level, so that a 10⁴ slip is refused rather
than divided by.

The bounds [亿元] are set from published GDP of 2023 so that each level's real range lies
inside them with room, and the range is narrower than 10⁴ (a 10⁴ slip of any real value
falls outside):

* province: the smallest is 西藏 (2 392.7 亿元, 西藏自治区2023年国民经济和社会发展统计公报),
  the largest 广东 (135 673.2 亿元, 广东省2023年国民经济和社会发展统计公报); 江西 32 200.1 亿元
  (江西省2023年国民经济和社会发展统计公报; 江西统计年鉴2024). Bounds 1 000 to 300 000.
* city (地级): the smallest, the prefectures of 西藏 and 青海 (阿里地区, 果洛州), are a few
  tens of 亿元 (some 60 to 100), the largest 深圳 (34 606.4 亿元, 深圳市2023年国民经济和社会
  发展统计公报); 江西's smallest is 鹰潭 or 景德镇 (some 1 200 to 1 400 亿元, 江西统计年鉴
  2024). Bounds 10 to 100 000.
* county (区县, including county-level cities and the districts of the municipalities):
  the smallest counties of 西藏 and 青海 report a few 亿元 (some 2 to 5); the largest
  county-level unit is 上海浦东新区 (some 16 700 亿元, 浦东新区2023年国民经济和社会发展统计
  公报), then 深圳南山区 (some 8 500 亿元) and 昆山市 (5 140.6 亿元); in 江西 乐平市 is some
  300 亿元 (江西统计年鉴2024). Bounds 1 to 30 000: a value in (3, 30 000) 亿元 read 10⁴ too
  large is above 30 000, one in (1, 30 000) read 10⁴ too small is below 1.

The figures are rounded and were written from the publications named without them at
hand: check them against the documents. The county's upper bound is a compromise: it must
let 浦东新区 through, so the 10⁴ slip of a county below 3 亿元 (a few counties of 西藏 and
青海) is not caught by it.

A township (9-digit code) is only checked against the county's upper bound: townships
range from well under 1 亿元 to several hundred, too wide for a 10⁴ slip to be told.
Units without a known level (a code that is no adcode) are not checked here; the callers
refuse such codes on their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError

#: the money units a GDP table may name (converted by
#: :func:`ganpo.catalog.units.conversion_factor`, as every money unit of ganpo)
GDP_UNITS: tuple[str, ...] = ("元", "万元", "亿元")

#: a unit no table may name, in which a slip is still looked for (a table in 万亿元 read as
#: 亿元): 亿元 per 万亿元
_HINT_ONLY: dict[str, float] = {"万亿元": 1e4}


def in_100m(unit: str) -> float:
    """亿元 per ``unit`` (a unit of :data:`GDP_UNITS`).

    >>> in_100m("万元")
    0.0001
    """
    return conversion_factor(unit, "亿元")


def per_100m(unit: str) -> float:
    """``unit`` per 亿元 (a unit of :data:`GDP_UNITS`): a value is divided by it, which is
    exact for whole 万元 of a whole 亿元.

    >>> per_100m("万元"), per_100m("元")
    (10000.0, 100000000.0)
    """
    return conversion_factor("亿元", unit)


def _hint_in_100m(unit: str) -> float:
    """亿元 per ``unit``, a unit of :data:`GDP_UNITS` or one only looked for in a slip."""
    return _HINT_ONLY[unit] if unit in _HINT_ONLY else in_100m(unit)


#: plausible GDP of a unit of each level [亿元] (lower, upper); see the module's docstring
GDP_BOUNDS: dict[str, tuple[float, float]] = {
    "province": (1_000.0, 300_000.0),
    "city": (10.0, 100_000.0),
    "county": (1.0, 30_000.0),
    "township": (0.0, 30_000.0),
}

_LEVEL_ZH = {"province": "省级", "city": "地级", "county": "县级", "township": "乡镇级"}


def unit_level(code: int) -> str | None:
    """The level of an administrative code read as statistics write it: ``xx0000`` a
    province, ``xxxx00`` a city, other 6 digits a county, 9 digits a township; else None.

    >>> unit_level(360000), unit_level(360200), unit_level(360281), unit_level(360281101)
    ('province', 'city', 'county', 'township')
    """
    if 100_000_000 <= code <= 999_999_999:
        return "township"
    if not 100_000 <= code <= 999_999:
        return None
    if code % 10_000 == 0:
        return "province"
    if code % 100 == 0:
        return "city"
    return "county"


def gdp_unit_factor(
    unit: object, *, what: str, source: str | None, row: object, what_zh: str = "地区生产总值表"
) -> float:
    """亿元 per ``unit`` (元, 万元 or 亿元, blanks around it ignored); any other unit is
    refused naming the ``row`` (the row of the file, as a spreadsheet numbers it)."""
    text = str(unit).strip()
    if text in GDP_UNITS:
        return in_100m(text)
    raise InputError(
        en=f"{what}, row {row}: column 'unit' value {unit!r} is not a unit of GDP: write 元, "
        "万元 or 亿元 (the values are converted to 亿元)",
        zh=f"{what_zh}第 {row} 行 unit 的值 "
        f"{unit!r} 不是地区生产总值的单位：请填写元、万元或亿元（数值将换算为亿元）",
        source=source,
        field="unit",
        values=[unit],
    )


@dataclass(frozen=True)
class Slip:
    """A GDP outside its level's bounds: the value as written, its unit, the level and
    bounds, and the units in which it would be plausible."""

    value: float
    unit: str
    level: str
    bounds: tuple[float, float]
    plausible_in: tuple[str, ...]


def gdp_slip(code: int, value: float, unit: str) -> Slip | None:
    """The :class:`Slip` of the GDP ``value`` written in ``unit`` for the unit ``code``,
    or None when it is within the bounds of its level (or the level is unknown).

    >>> gdp_slip(360281, 300.0, "亿元") is None
    True
    >>> gdp_slip(360281, 3_000_000.0, "亿元").plausible_in
    ('万元',)
    """
    level = unit_level(int(code))
    if level is None:
        return None
    low, high = GDP_BOUNDS[level]
    if low <= value / per_100m(unit) <= high:
        return None
    others = tuple(
        u
        for u in (*GDP_UNITS, *_HINT_ONLY)
        if u != unit and low <= value * _hint_in_100m(u) <= high
    )
    return Slip(value, unit, level, (low, high), others)


def slip_message(
    slip: Slip,
    *,
    unit_given: bool,
    fix: tuple[str, str] | None = None,
    where: tuple[str, str] = ("the column 'unit'", "unit 列"),
) -> tuple[str, str]:
    """The English and Chinese sentences that say why ``slip`` is implausible, what the
    likely slip is, and to add a unit column (or correct the one given; ``fix``: what to do
    instead, in English and Chinese, where the table takes one unit only; ``where``: what
    gives the unit, e.g. the header)."""
    low, high = slip.bounds
    told = f"as {where[0]} says" if unit_given else "assumed: the table has no unit"
    told_zh = f"（{where[1]}所写）" if unit_given else "（表中无单位，按此假定）"
    v100m = slip.value / per_100m(slip.unit)
    side = "more" if v100m > high else "less"
    side_zh = "高于" if v100m > high else "低于"
    bound = high if v100m > high else low
    if slip.plausible_in:
        likely = " or ".join(slip.plausible_in)
        likely_zh = "或".join(slip.plausible_in)
        power = round(math.log10(in_100m(slip.unit) / _hint_in_100m(slip.plausible_in[0])))
        guess = f"the figures look like {likely} (the unit off by a factor 10^{abs(power)})"
        guess_zh = f"数值看来是以{likely_zh}计的（单位相差 10^{abs(power)} 倍）"
    else:
        guess = "no unit of 元, 万元, 亿元 or 万亿元 makes it plausible: check the value"
        guess_zh = "以元、万元、亿元或万亿元计均不合理，请核对数值"
    todo = (
        "correct the column 'unit' of the row"
        if unit_given
        else "add a column 'unit' (元, 万元 or 亿元) that names the unit of the values"
    )
    todo_zh = "请更正该行的 unit 列" if unit_given else "请增加 unit 列（元、万元或亿元）注明单位"
    if fix is not None:
        todo, todo_zh = fix
    en = (
        f"read in {slip.unit} ({told}) is {v100m:,.10g} 亿元, {side} than {bound:,.10g} 亿元, "
        f"the bound of a {slip.level}'s GDP; {guess}; {todo}"
    )
    zh = (
        f"按{slip.unit}{told_zh}为 {v100m:,.10g} 亿元，{side_zh}{_LEVEL_ZH[slip.level]}单位地区生产"
        f"总值的界限 {bound:,.10g} 亿元；{guess_zh}，{todo_zh}"
    )
    return en, zh


@dataclass(frozen=True)
class GdpCell:
    """Where a GDP value is written, as a refusal names it: the table in English and
    Chinese (None: the caller names the table, row and column itself, e.g. an upload's
    problem that carries them), the row of the file as a spreadsheet numbers it (header
    in row 1; None: no row to name), the column, the value as written, the
    administrative code of its unit and how the table names that code (English,
    Chinese)."""

    table: tuple[str, str] | None
    row: int | None
    column: str
    shown: str
    code: int
    code_name: tuple[str, str] = ("unit", "单位")


def slip_refusal(
    slip: Slip,
    cell: GdpCell,
    *,
    unit_given: bool,
    fix: tuple[str, str] | None = None,
    where: tuple[str, str] = ("the column 'unit'", "unit 列"),
) -> tuple[str, str]:
    """The whole refusal of ``slip`` in English and Chinese: the place (``cell``: table,
    row, column, value written and its unit code), then :func:`slip_message` (why it is
    implausible, the likely slip, what to do; ``unit_given``, ``fix`` and ``where`` as
    there).

    >>> cell = GdpCell(("GDP table", "地区生产总值表"), 2, "gdp", "3000000", 360281)
    >>> en, zh = slip_refusal(gdp_slip(360281, 3e6, "亿元"), cell, unit_given=False)
    >>> en[:66]
    "GDP table, row 2: column 'gdp' value 3000000 of unit 360281 read i"
    >>> zh[:53]
    '地区生产总值表第 2 行 gdp 的值 3000000（单位 360281）按亿元（表中无单位，按此假定）'
    """
    en, zh = slip_message(slip, unit_given=unit_given, fix=fix, where=where)
    code, code_zh = (f"{cell.code_name[0]} {cell.code}", f"{cell.code_name[1]} {cell.code}")
    if cell.table is None:
        return f"the GDP of {code} {en}", f"{code_zh} 的地区生产总值{zh}"
    table, table_zh = cell.table
    row = "" if cell.row is None else f", row {cell.row}"
    row_zh = "" if cell.row is None else f"第 {cell.row} 行"
    return (
        f"{table}{row}: column {cell.column!r} value {cell.shown} of {code} {en}",
        f"{table_zh}{row_zh} {cell.column} 的值 {cell.shown}（{code_zh}）{zh}",
    )
