"""Running the plausibility checks of :mod:`ganpo.io.table_rules` on a table's values.

One function, :func:`check_values`, serves the engine's reader
(:func:`ganpo.io.tables.read_table_checked`) and the platform's upload check
(:mod:`ganpo.submissions.validate`), so a table the platform accepts is judged the same way
when an account reads it. It returns every :class:`Finding` at once — ``hard`` ones (the
table is refused) and ``soft`` ones (accepted as a Decision by the engine; on the
platform only with an explanation) — and notes of the checks it could not make (no area
of the county, no table of the previous year…).

A table is judged at its level (a manifest entry's ``level``): per county, keyed by
``county_adcode``, or per unit of the dataset's finer level (townships, villages), keyed by
``unit_code``; areas, names and the extent in its :class:`TableContext` are then those of
the units, and the messages name the unit ("township 360102001").

Values are compared in base units (:func:`ganpo.catalog.units.to_base`) and shown in the
unit the table declares, so a table whose declared unit changed from one year to the next
is not a fluctuation, while values written in another unit than the declared one are.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ganpo.catalog.departments import column_names
from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.units import to_base
from ganpo.io.decisions import Decision
from ganpo.io.roles import KEY_COLUMN, TABLE_ROLES, UNIT_KEY_COLUMN
from ganpo.io.table_rules import (
    MATERIAL_SHARE,
    SHARE_CHANGE_REASON,
    UNIT_SCALE_DECADES,
    Band,
    ColumnCheck,
    PartsRule,
    RatioRule,
    checks_of,
)

TEXT = "text"
Severity = Literal["hard", "soft"]

#: base unit → (English, Chinese) label
BASE_LABELS: dict[str, tuple[str, str]] = {
    "CNY": ("CNY", "元"),
    "m3": ("m³", "立方米"),
    "kWh": ("kWh", "千瓦时"),
    "person-time": ("visits", "人次"),
    "m2": ("m²", "平方米"),
    "t": ("t", "吨"),
    "h": ("h", "小时"),
    "CNY/h": ("CNY/h", "元/小时"),
    "CNY/m2": ("CNY/m²", "元/平方米"),
    "1": ("", ""),
}
#: the units a statistics table may be written in, by base unit: (factor to base, zh, en);
#: the likely unit of a unit error is looked up here
SCALED_UNITS: dict[str, tuple[tuple[float, str, str], ...]] = {
    "CNY": ((1.0, "元", "CNY"), (1e4, "万元", "10^4 CNY"), (1e8, "亿元", "10^8 CNY")),
    "m3": ((1.0, "立方米", "m³"), (1e4, "万立方米", "10^4 m³"), (1e8, "亿立方米", "10^8 m³")),
    "kWh": ((1.0, "千瓦时", "kWh"), (1e4, "万千瓦时", "10^4 kWh"), (1e8, "亿千瓦时", "10^8 kWh")),
    "person-time": (
        (1.0, "人次", "visits"), (1e4, "万人次", "10^4 visits"), (1e8, "亿人次", "10^8 visits")
    ),
    "t": ((1e-3, "千克", "kg"), (1.0, "吨", "t"), (1e4, "万吨", "10^4 t")),
    "m2": (
        (1.0, "平方米", "m²"), (1e4 / 15, "亩", "mu"), (1e4, "公顷", "hm²"),
        (1e6, "平方公里", "km²"),
    ),
}  # fmt: skip

#: the words for the unit a table's rows are given per, by level: (English, plural,
#: Chinese, the unit's area in Chinese)
LEVEL_WORDS: dict[str, tuple[str, str, str, str]] = {
    "county": ("county", "counties", "县", "县域面积"),
    "township": ("township", "townships", "乡镇", "乡镇面积"),
    "village": ("village", "villages", "村", "村域面积"),
    "unit": ("unit", "units", "单元", "单元面积"),
}


def level_words(level: str) -> tuple[str, str, str, str]:
    """:data:`LEVEL_WORDS` of ``level`` (an unknown level is called a unit)."""
    return LEVEL_WORDS.get(level, LEVEL_WORDS["unit"])


def key_of(level: str) -> str:
    """The key column of a table given per ``level``."""
    return KEY_COLUMN if level == "county" else UNIT_KEY_COLUMN


@dataclass(frozen=True)
class TableContext:
    """What a table is checked against, beyond itself; every part optional (a check
    without its part is skipped, with a note).

    ``level`` is the level the table's rows are given per (``county``, or the dataset's
    finer level); ``area_km2`` and ``names`` are by the code of that level (a county's
    adcode, or a unit's code); ``extent`` the area of each level-1 ecosystem type per unit
    (columns ``ecosystem_code``, ``area_m2`` and the level's key column, ``county_adcode``
    or ``unit_code``: the account's extent; a county sums its units' rows); ``previous``
    the same role's table of ``previous_year`` as :func:`ganpo.io.tables.read_table`
    returns it (base units); ``others`` other roles' tables of the same year, likewise (one
    given at another level is not compared, with a note)."""

    area_km2: Mapping[int, float] | None = None
    names: Mapping[int, str] | None = None
    extent: pd.DataFrame | None = None
    previous: pd.DataFrame | None = None
    previous_year: int | None = None
    others: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    level: str = "county"


@dataclass(frozen=True)
class Finding:
    """One result of a plausibility check.

    ``kind``: ``range``, ``share``, ``logic``, ``duplicate``, ``unit_scale`` (hard) or
    ``soft_range``, ``logic``, ``fluctuation`` (soft; the Decision kinds). ``rule`` names
    the check (``soft_range.visits``, ``logic.revenue_per_visit``); ``key`` is the rule
    with the county (and the row's key, in a list table) — the key an explanation
    attaches to. ``county`` is the code of the row's unit: a county's adcode, or the
    unit's code in a table given per unit.
    ``rows`` are the table's row numbers (in the file), ``value`` the value as written.
    The messages say what was found and why it matters, without where (:meth:`where`)."""

    severity: Severity
    kind: str
    rule: str
    key: str
    column: str | None
    county: int | None
    rows: tuple[int, ...]
    value: str | None
    message_en: str
    message_zh: str

    def where(self) -> str:
        """``row 7, column visits`` (or the rows, or the column alone)."""
        parts = []
        if self.rows:
            rows = ", ".join(str(r) for r in self.rows)
            parts.append(f"row{'s' if len(self.rows) > 1 else ''} {rows}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def where_zh(self) -> str:
        """``第 7 行，visits 列`` (or the rows, or the column alone)."""
        parts = []
        if self.rows:
            parts.append(f"第 {'、'.join(str(r) for r in self.rows)} 行")
        if self.column:
            parts.append(f"{self.column} 列")
        return "，".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message_en}" if where else self.message_en

    def zh(self) -> str:
        """The finding in Chinese, where it is first, as :meth:`__str__` says it in English."""
        where = self.where_zh()
        return f"{where}：{self.message_zh}" if where else self.message_zh


@dataclass
class Checked:
    """Every finding of :func:`check_values` and the notes of the checks it skipped."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Chinese)

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]

    @property
    def soft(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "soft"]


# --------------------------------------------------------------------------- formatting


def fmt(x: float) -> str:
    """A number for a statistician: thousands separated, large and small ones as ×10^n.

    >>> [fmt(v) for v in (0, 0.3, 1234567.0, 2e8, 1e-9, 12.3456789, 2.5e6, 0.001234)]
    ['0', '0.3', '1,234,567', '2×10^8', '1×10^-9', '12.3457', '2,500,000', '0.001234']
    """
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    exponent = math.floor(math.log10(abs(x)))
    if -3 <= exponent < 7:  # six significant digits, trailing zeros dropped
        text = f"{x:,.{max(0, 5 - exponent)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa = x / 10**exponent
    m = f"{mantissa:.3g}"
    return f"{m}×10^{exponent}" if m != "1" else f"1×10^{exponent}"


def _names(column: str) -> tuple[str, str]:
    names = column_names()
    return (names[column].en, names[column].zh) if column in names else (column, column)


def _unit_label(unit: str) -> tuple[str, str]:
    """A declared unit as (English, Chinese): ``10^4 CNY`` → (``10^4 CNY``, ``万元``)."""
    if unit == TEXT:
        return "", ""
    base, factor = to_base(unit)
    for scale, zh, en in SCALED_UNITS.get(base, ()):
        if math.isclose(scale, factor, rel_tol=1e-9):
            return en, zh
    en, zh = BASE_LABELS.get(base, (base, base))
    return (unit, unit) if not math.isclose(factor, 1.0) else (en, zh)


def _likely_unit(unit: str, ratio: float) -> tuple[str, str] | None:
    """The unit the values seem to be written in when they are ``ratio`` times what the
    declared ``unit`` makes plausible (None: no unit of that scale)."""
    base, factor = to_base(unit)
    target = factor / ratio
    best = min(
        SCALED_UNITS.get(base, ()),
        key=lambda u: abs(math.log10(u[0]) - math.log10(target)),
        default=None,
    )
    if best is None or abs(math.log10(best[0]) - math.log10(target)) > 0.75:
        return None
    if math.isclose(best[0], factor, rel_tol=1e-9):
        return None
    return best[2], best[1]


def _unit_hint(unit: str, ratio: float) -> tuple[str, str]:
    """What to check when values are ``ratio`` times too large (a unit error)."""
    declared_en, declared_zh = _unit_label(unit)
    likely = _likely_unit(unit, ratio)
    if likely is None:
        return "check the unit", "请检查单位"
    return (
        f"check the unit: it looks like values in {likely[0]} ({likely[1]}) written in a "
        f"column of {declared_en} ({declared_zh})",
        f"请检查单位：看起来是把以{likely[1]}计的数值填入了以{declared_zh}计的列",
    )


# ------------------------------------------------------------------------------ checks


class _Table:
    """The table being checked, with what every check needs: its rows (the row numbers
    in the file), the county of each row, the declared units and the context."""

    def __init__(
        self,
        role: str,
        frame: pd.DataFrame,
        units: Mapping[str, str],
        context: TableContext,
    ) -> None:
        self.role = role
        self.frame = frame
        self.units = units
        self.context = context
        self.per_county = TABLE_ROLES[role].per_county
        self.key_column = key_of(context.level)
        self.word, self.words, self.word_zh, self.area_zh = level_words(context.level)
        self.rows = [int(r) for r in frame.index]
        codes = pd.to_numeric(frame[self.key_column], errors="coerce").to_numpy(dtype="float64")
        self.codes: dict[int, int | None] = {
            r: (int(c) if math.isfinite(c) else None) for r, c in zip(self.rows, codes, strict=True)
        }
        self.by_county: dict[int, tuple[int, ...]] = {}
        for r, c in self.codes.items():
            if c is not None:
                self.by_county[c] = (*self.by_county.get(c, ()), r)

    def values(self, column: str) -> dict[int, float]:
        """The valid values of a column in base units, by row."""
        numbers = pd.to_numeric(self.frame[column], errors="coerce").to_numpy(dtype="float64")
        return {r: float(v) for r, v in zip(self.rows, numbers, strict=True) if math.isfinite(v)}

    def has(self, columns: Iterable[str]) -> bool:
        return all(c in self.frame.columns and c in self.units for c in columns)

    def factor(self, column: str) -> float:
        return to_base(self.units[column])[1]

    def written(self, column: str, base_value: float) -> str:
        """A base-unit value as written in the table's declared unit."""
        return fmt(base_value / self.factor(column))

    def key(self, rule: str, county: int | None, rows: tuple[int, ...] = ()) -> str:
        """``rule@county``; in a list table a finding about one row adds the row's key
        (``…/鄱阳湖``), never its row number: the platform's upload and the engine's
        canonical file number their rows differently, the key must match in both."""
        out = rule if county is None else f"{rule}@{county}"
        list_key = checks_of(self.role).list_key
        if len(rows) == 1 and not self.per_county and list_key:
            label = " ".join(str(self.frame.at[rows[0], c]).strip() for c in list_key)
            out += f"/{label}"
        return out

    def finding(
        self,
        severity: Severity,
        kind: str,
        name: str,
        column: str | None,
        county: int | None,
        rows: tuple[int, ...],
        value: str | None,
        en: str,
        zh: str,
    ) -> Finding:
        rule = f"{kind}.{name}"
        key = self.key(rule, county, rows)
        return Finding(severity, kind, rule, key, column, county, rows, value, en, zh)


def check_values(
    role: str,
    frame: pd.DataFrame,
    units: Mapping[str, str],
    context: TableContext | None = None,
) -> Checked:
    """Every plausibility finding of a table of ``role``.

    ``frame`` holds the table's rows (index: row numbers in the file) with the key column
    of ``context.level`` (``county_adcode``, or ``unit_code`` for a table per unit) and the
    data columns in base units (NaN where a cell is no valid number or no unit: those are
    reported by the reader, not here); ``units`` the unit each column is declared in.
    Columns of the role that are absent are not checked.
    """
    spec = checks_of(role)
    t = _Table(role, frame, units, context or TableContext())
    out = Checked()
    present = [c for c in spec.columns if t.has([c])]
    needs_area = any(spec.columns[c].per != "value" for c in present) or any(
        isinstance(r, PartsRule) and r.whole == "county_area" and t.has(r.parts) for r in spec.rules
    )
    if needs_area and t.context.area_km2 is None:
        out.notes.append(
            (
                f"{role}: the checks per km² of the {t.word} were not made (no {t.word} areas)",
                f"{role}：未提供{t.area_zh}，未做按单位面积的审核",
            )
        )
    for column in present:
        out.findings += _share_findings(t, column, spec.columns[column])
        out.findings += _range_findings(t, column, spec.columns[column])
    for rule in spec.rules:
        if isinstance(rule, RatioRule):
            out.findings += _ratio_findings(t, rule, out.notes)
        else:
            out.findings += _parts_findings(t, rule, out.notes)
    if spec.list_key:
        out.findings += _duplicate_findings(t, spec.list_key)
    if t.context.previous is not None:
        for column in present:
            out.findings += _fluctuation_findings(t, column, spec.columns[column])
    return out


def _share_findings(t: _Table, column: str, check: ColumnCheck) -> list[Finding]:
    """A share must lie in [0, 1]; 30 for 0.30 is named as a percentage."""
    if not check.share:
        return []
    found = []
    name_en, name_zh = _names(column)
    for row, v in t.values(column).items():
        shown = v / t.factor(column)
        if shown <= 1:
            continue
        en = f"{name_en} {fmt(shown)} is not a share in [0, 1]"
        zh = f"{name_zh} {fmt(shown)} 不是 0 到 1 之间的比例"
        if shown <= 100:
            written = f"{shown / 100:.4f}".rstrip("0")
            written += "0" * max(0, 4 - len(written))  # 0.3 → 0.30
            en += f"; looks like a percentage: write {written}"
            zh += f"；看起来是百分数：请填 {written}"
        county = t.codes[row]
        found.append(t.finding("hard", "share", column, column, county, (row,), fmt(shown), en, zh))
    return found


def _bound(x: float, band: Band, severity: Severity) -> tuple[float, bool] | None:
    """The bound ``x`` lies beyond and whether it is the upper one (None: within). A soft
    lower bound applies to positive values only (0 means none)."""
    if band.low is not None and x < band.low and (severity == "hard" or x > 0):
        return band.low, False
    if band.high is not None and x > band.high:
        return band.high, True
    return None


def _beyond(severity: Severity, above: bool) -> tuple[str, str]:
    if severity == "hard":
        return (
            ("more than the possible", "超过可能的上限")
            if above
            else ("less than the possible", "低于可能的下限")
        )
    return (
        ("more than the usual", "高于通常的上限")
        if above
        else ("less than the usual", "低于通常的下限")
    )


def _range_findings(t: _Table, column: str, check: ColumnCheck) -> list[Finding]:
    """The hard and soft bands of a column (a value outside the hard band is not judged
    against the soft one)."""
    found: list[Finding] = []
    areas = t.context.area_km2
    if check.per != "value" and areas is None:
        return found
    declared = t.units[column]
    unit_en, unit_zh = _unit_label(declared)
    base_en, base_zh = BASE_LABELS.get(to_base(declared)[0], ("", ""))
    name_en, name_zh = _names(column)
    refused: set[int] = set()
    bands: list[tuple[Severity, Band | None]] = [("hard", check.hard), ("soft", check.soft)]
    for severity, band in bands:
        if band is None:
            continue
        for row, v in t.values(column).items():
            county = t.codes[row]
            if row in refused or county is None:
                continue
            area = (areas or {}).get(county, 0.0)
            if check.per != "value" and not area:
                continue
            x = (
                v
                if check.per == "value"
                else v / area
                if check.per == "county_km2"
                else v / (area * 1e6)
            )
            beyond = _bound(x, band, severity)
            if beyond is None:
                continue
            bound, above = beyond
            written = t.written(column, v)
            en, zh = f"{name_en} {written} {unit_en}", f"{name_zh} {written} {unit_zh}"
            if check.per == "value":
                f = t.factor(column)
                bound_en, bound_zh = f"{fmt(bound / f)} {unit_en}", f"{fmt(bound / f)} {unit_zh}"
            elif check.per == "county_km2":
                en += f" is {fmt(x)} {base_en} per km² of the {t.word} ({fmt(area)} km²)"
                zh += f"，即每平方公里 {fmt(x)} {base_zh}（{t.area_zh} {fmt(area)} 平方公里）"
                bound_en, bound_zh = (
                    f"{fmt(bound)} {base_en}/km²",
                    f"{fmt(bound)} {base_zh}/平方公里",
                )
            else:
                en += f" is {fmt(100 * x)} % of the {t.word}'s area ({fmt(area)} km²)"
                zh += f"，占{t.area_zh}（{fmt(area)} 平方公里）的 {fmt(100 * x)}%"
                bound_en, bound_zh = f"{fmt(100 * bound)} %", f"{fmt(100 * bound)}%"
            side_en, side_zh = _beyond(severity, above)
            en += f"; {side_en} {bound_en} ({band.reason_en})"
            zh += f"；{side_zh} {bound_zh}（{band.reason_zh}）"
            if severity == "hard":
                en += f"; check the unit: the column asks for {unit_en} ({unit_zh})"
                zh += f"；请检查单位：本列单位为{unit_zh}"
                refused.add(row)
            kind = "range" if severity == "hard" else "soft_range"
            found.append(t.finding(severity, kind, column, column, county, (row,), written, en, zh))
    return found


def _other_values(t: _Table, ref: str) -> tuple[dict[int, float], str] | None:
    """The values of ``column`` or ``role.column`` for each row of the table (another
    role's table: the county's value, its rows summed) and their declared unit (another
    role's values are in base units); None when that table or column is absent, or given
    at another level than this table (a county figure is not compared with a township's)."""
    if "." not in ref:
        return (t.values(ref), t.units[ref]) if t.has([ref]) else None
    role, column = ref.split(".", 1)
    other = t.context.others.get(role)
    if other is None or column not in other.columns:
        return None
    by_county = _by_county(other, column, t.key_column)
    if by_county is None:
        return None
    out = {}
    for row, county in t.codes.items():
        if county is not None and county in by_county.index and pd.notna(by_county[county]):
            out[row] = float(by_county[county])
    return out, to_base(TABLE_ROLES[role].columns[column])[0]


def _ratio_findings(t: _Table, rule: RatioRule, notes: list[tuple[str, str]]) -> list[Finding]:
    """A ratio of two columns per row within its bands."""
    if not t.has([rule.numerator]):
        return []
    other = _other_values(t, rule.denominator)
    if other is None:
        if "." in rule.denominator:
            role = rule.denominator.split(".", 1)[0]
            notes.append(
                (
                    f"{t.role}: {rule.name_en} was not checked (no {role} table of the year "
                    f"given per {t.word})",
                    f"{t.role}：缺少同年按{t.word_zh}填报的 {role} 表，未审核{rule.name_zh}",
                )
            )
        return []
    den, den_unit = other
    den_col = rule.denominator.split(".", 1)[-1]
    num_en, num_zh = _names(rule.numerator)
    den_en, den_zh = _names(den_col)
    num_unit = t.units[rule.numerator]

    def shown(v: float, unit: str) -> tuple[str, str]:
        value = fmt(v / to_base(unit)[1])
        en, zh = _unit_label(unit)
        return f"{value} {en}", f"{value} {zh}"

    found: list[Finding] = []
    for row, n in t.values(rule.numerator).items():
        d, county = den.get(row), t.codes[row]
        if d is None or county is None:
            continue
        n_en, n_zh = shown(n, num_unit)
        d_en, d_zh = shown(d, den_unit)
        value = t.written(rule.numerator, n)
        if d == 0:
            if n > 0 and not rule.zero_ok:
                en = f"{num_en} is {n_en} but {den_en} is 0: {rule.name_en} cannot be judged"
                zh = f"{num_zh}为 {n_zh}，但{den_zh}为 0，无法审核{rule.name_zh}"
                found.append(
                    t.finding(
                        "soft", "logic", rule.key, rule.numerator, county, (row,), value, en, zh
                    )
                )
            continue
        ratio = n / d
        bands: list[tuple[Severity, Band | None]] = [("hard", rule.hard), ("soft", rule.soft)]
        for severity, band in bands:
            beyond = None if band is None else _bound(ratio, band, "hard")
            if band is None or beyond is None:
                continue
            bound, above = beyond
            side_en, side_zh = _beyond(severity, above)
            en = (
                f"{rule.name_en} is {fmt(ratio)} {rule.unit} ({num_en} {n_en}, {den_en} "
                f"{d_en}); {side_en} {fmt(bound)} {rule.unit} ({band.reason_en})"
            )
            zh = (
                f"{rule.name_zh}为 {fmt(ratio)} {rule.unit_zh}（{num_zh} {n_zh}，{den_zh} "
                f"{d_zh}），{side_zh} {fmt(bound)} {rule.unit_zh}（{band.reason_zh}）"
            )
            if severity == "hard":
                en += "; check the units of both columns"
                zh += "；请检查两列的单位"
            found.append(
                t.finding(
                    severity, "logic", rule.key, rule.numerator, county, (row,), value, en, zh
                )
            )
            break
    return found


def _whole(
    t: _Table, rule: PartsRule, notes: list[tuple[str, str]]
) -> tuple[dict[int, float], str, str] | None:
    """The whole of a parts rule per county (or unit) [base unit], with its name (en, zh)."""
    if rule.whole == "county_area":
        if t.context.area_km2 is None:
            return None
        area = {int(c): float(a) * 1e6 for c, a in t.context.area_km2.items()}
        return area, f"the {t.word}'s area", t.area_zh
    if rule.whole.startswith("extent:"):
        types = [by_key(k.strip()) for k in rule.whole.removeprefix("extent:").split(",")]
        if t.context.extent is None:
            notes.append(
                (
                    f"{t.role}: {rule.name_en} was not compared with the ecosystem map (no "
                    "extent at hand); the engine compares it when the account runs",
                    f"{t.role}：暂无生态系统面积，未将{rule.name_zh}与生态系统分类面积比较；"
                    "核算运行时将进行此项审核",
                )
            )
            return None
        ext = t.context.extent
        chosen = ext[ext["ecosystem_code"].isin([x.code for x in types])]
        summed = chosen.groupby(t.key_column)["area_m2"].sum()
        area = dict(zip(summed.index.astype("int64").tolist(), summed.tolist(), strict=True))
        return (
            {c: area.get(c, 0.0) for c in t.by_county},
            f"the {' and '.join(x.name_en for x in types)} area of the ecosystem map in the "
            f"{t.word}",
            f"生态系统分类中该{t.word_zh}的{'与'.join(x.name_zh for x in types)}面积",
        )
    if not t.has([rule.whole]):
        return None
    values = t.values(rule.whole)
    whole = {c: sum(values.get(r, 0.0) for r in rows) for c, rows in t.by_county.items()}
    name_en, name_zh = _names(rule.whole)
    return whole, name_en, name_zh


def _parts_findings(t: _Table, rule: PartsRule, notes: list[tuple[str, str]]) -> list[Finding]:
    """Parts no larger than their whole, per county."""
    if not t.has(rule.parts):
        return []
    found_whole = _whole(t, rule, notes)
    if found_whole is None:
        return []
    whole, whole_en, whole_zh = found_whole
    first = rule.parts[0]
    factor = t.factor(first)
    unit_en, unit_zh = _unit_label(t.units[first])
    parts = [t.values(p) for p in rule.parts]
    parts_en = " + ".join(_names(p)[0] for p in rule.parts)
    parts_zh = "与".join(_names(p)[1] for p in rule.parts)
    found: list[Finding] = []
    for county, rows in sorted(t.by_county.items()):
        total = sum(part.get(r, 0.0) for part in parts for r in rows)
        w = whole.get(county, 0.0)
        if total <= 0 or total <= w * (1 + rule.tolerance):
            continue
        shown = fmt(total / factor)
        summed = " (rows summed)" if len(rows) > 1 else ""
        en = (
            f"{parts_en} {shown} {unit_en}{summed} is more than {whole_en} "
            f"({fmt(w / factor)} {unit_en}): {rule.reason_en}"
        )
        zh = (
            f"{parts_zh} {shown} {unit_zh}{'（各行合计）' if summed else ''}超过{whole_zh}"
            f"（{fmt(w / factor)} {unit_zh}）：{rule.reason_zh}"
        )
        found.append(
            t.finding(rule.severity, "logic", rule.key, first, county, rows, shown, en, zh)
        )
    return found


def _duplicate_findings(t: _Table, list_key: tuple[str, ...]) -> list[Finding]:
    """A list table: the same row twice, or two rows with the same key in one county."""
    if not all(c in t.frame.columns for c in list_key):
        return []
    key_en = ", ".join(_names(c)[0] for c in list_key)
    key_zh = "、".join(_names(c)[1] for c in list_key)
    data_cols = [c for c in t.frame.columns if c in t.units]
    groups: dict[tuple[int, str], list[int]] = {}
    for row, code in t.codes.items():
        if code is not None:
            name = " ".join(str(t.frame.at[row, c]).strip() for c in list_key)
            groups.setdefault((code, name), []).append(row)
    found: list[Finding] = []
    for (county, label), rows in sorted(groups.items(), key=lambda kv: kv[1][0]):
        if len(rows) < 2:
            continue
        shown = ", ".join(map(str, rows))
        cells = {tuple(str(t.frame.at[r, c]) for c in data_cols) for r in rows}
        w, wz = t.word, t.word_zh
        if len(cells) == 1:
            en = f"rows {shown} are one row repeated ({label} of {w} {county}); delete repeats"
            zh = f"第 {shown} 行完全相同（{county} {wz}的{label}），请删除重复行"
        else:
            en = (
                f"{key_en} {label!r} of {w} {county} is in rows {shown}; one row per "
                f"{key_en} and {w}: add up its parts or name them apart"
            )
            zh = (
                f"{county} {wz}的{key_zh}“{label}”出现在第 {shown} 行；"
                f"每{wz}每个{key_zh}只填一行：请合计或分别命名"
            )
        found.append(
            t.finding(
                "hard", "duplicate", list_key[0], list_key[0], county, tuple(rows), label, en, zh
            )
        )
    return found


def _by_county(frame: pd.DataFrame, column: str, key: str = KEY_COLUMN) -> pd.Series | None:
    """A column's values per county, or per unit with ``key`` = ``unit_code`` (a list
    table's rows summed), base units; None when ``frame`` is keyed otherwise (a table
    given at another level)."""
    if frame.index.name == key:
        return pd.to_numeric(frame[column], errors="coerce").astype("float64")
    if key not in frame.columns:
        return None
    codes = pd.to_numeric(frame[key], errors="coerce")
    good = frame[codes.notna()]
    values = pd.to_numeric(good[column], errors="coerce")
    return values.groupby(codes[codes.notna()].astype("int64")).sum(min_count=1).astype("float64")


def _fluctuation_findings(t: _Table, column: str, check: ColumnCheck) -> list[Finding]:
    """This year against last year (波动审核): a change of about 10^k is a unit error
    (hard), one outside the column's band a fluctuation (soft). Column totals first: when
    the whole column is off by a unit, that is said once, not for every county."""
    assert t.context.previous is not None
    if column not in t.context.previous.columns:
        return []
    prev_values = _by_county(t.context.previous, column, t.key_column)
    cur_values = _by_county(t.frame, column, t.key_column)
    if prev_values is None or cur_values is None:
        return []  # last year's table at another level: no row to compare with
    prev, cur = prev_values.dropna(), cur_values.dropna()
    common = cur.index.intersection(prev.index)
    cur, prev = cur[common], prev[common]
    if cur.empty:
        return []
    if check.share:
        return _share_changes(t, column, check, cur, prev)
    y = _Years(t, column)
    found: list[Finding] = []
    both = [c for c in common if cur[c] > 0 and prev[c] > 0]
    if len(both) >= 2:  # the whole column in another unit: said once, not per county
        median = 10 ** statistics.median(math.log10(cur[c] / prev[c]) for c in both)
        if abs(math.log10(median)) >= UNIT_SCALE_DECADES:
            hint_en, hint_zh = _unit_hint(t.units[column], median)
            last_en, last_zh = y.last
            decade = round(math.log10(median))
            ws, wz = t.words, t.word_zh
            en = (
                f"{y.name_en} of most {ws} is about 10^{decade} times {last_en} (median "
                f"ratio {fmt(median)} over {len(both)} {ws}); {hint_en}"
            )
            zh = (
                f"多数{wz}的{y.name_zh}约为 {last_zh}的 10^{decade} 倍（{len(both)} 个{wz}比值的"
                f"中位数 {fmt(median)}）；{hint_zh}"
            )
            return [t.finding("hard", "unit_scale", column, column, None, (), None, en, zh)]
    total_cur, total_prev = float(cur.sum()), float(prev.sum())
    if check.sums and check.yoy is not None and total_cur > 0 and total_prev > 0:
        r = total_cur / total_prev
        if abs(math.log10(r)) < UNIT_SCALE_DECADES and _outside(r, check.yoy):
            what = (f"the column's total {y.en(total_cur)}", f"本列合计 {y.zh(total_cur)}")
            en, zh = y.fluctuation(what, r, check.yoy, total_prev)
            shown = y.shown(total_cur)
            found.append(t.finding("soft", "fluctuation", column, column, None, (), shown, en, zh))

    positive = prev[prev > 0]
    mean_prev = float(positive.mean()) if not positive.empty else 0.0
    for county in common:
        c, p = float(cur[county]), float(prev[county])
        if c <= 0 or p <= 0:
            continue  # a change from or to none is not a ratio
        r = c / p
        rows = t.by_county.get(int(county), ())
        what = (f"{y.name_en} {y.en(c)}", f"{y.name_zh} {y.zh(c)}")
        if abs(math.log10(r)) >= UNIT_SCALE_DECADES and p >= MATERIAL_SHARE * mean_prev:
            en, zh = y.unit_error(what, r, p)
            kind: str = "unit_scale"
        elif check.yoy is not None and _outside(r, check.yoy):
            en, zh = y.fluctuation(what, r, check.yoy, p)
            kind = "fluctuation"
        else:
            continue
        severity: Severity = "hard" if kind == "unit_scale" else "soft"
        found.append(
            t.finding(severity, kind, column, column, int(county), rows, y.shown(c), en, zh)
        )
    return found


@dataclass(frozen=True)
class _Years:
    """The words of a fluctuation message for one column."""

    t: _Table
    column: str

    @property
    def name_en(self) -> str:
        return _names(self.column)[0]

    @property
    def name_zh(self) -> str:
        return _names(self.column)[1]

    @property
    def last(self) -> tuple[str, str]:
        year = self.t.context.previous_year
        return (f"{year}'s", f"{year} 年") if year else ("last year's", "上年")

    def shown(self, base: float) -> str:
        return fmt(base / to_base(self.t.units[self.column])[1])

    def en(self, base: float) -> str:
        return f"{self.shown(base)} {_unit_label(self.t.units[self.column])[0]}"

    def zh(self, base: float) -> str:
        return f"{self.shown(base)} {_unit_label(self.t.units[self.column])[1]}"

    def unit_error(self, what: tuple[str, str], r: float, prev: float) -> tuple[str, str]:
        hint_en, hint_zh = _unit_hint(self.t.units[self.column], r)
        times = f"{fmt(r)} times" if r >= 1 else f"1/{fmt(1 / r)} of"
        last_en, last_zh = self.last
        return (
            f"{what[0]} is {times} {last_en} {self.en(prev)}, a factor of about "
            f"10^{round(math.log10(r))}; {hint_en}",
            f"{what[1]}，是 {last_zh}的 {self.zh(prev)}的 {fmt(r)} 倍（约 "
            f"10^{round(math.log10(r))} 倍）；{hint_zh}",
        )

    def fluctuation(
        self, what: tuple[str, str], r: float, band: Band, prev: float
    ) -> tuple[str, str]:
        change = 100 * (r - 1)
        lo = 100 * ((band.low or 0) - 1)
        hi = 100 * ((band.high or math.inf) - 1)
        last_en, last_zh = self.last
        return (
            f"{what[0]} changed by {change:+.0f} % on {last_en} {self.en(prev)}; the usual "
            f"change lies within {lo:+.0f} % and {hi:+.0f} % ({band.reason_en})",
            f"{what[1]}，比 {last_zh}的 {self.zh(prev)}变化 {change:+.0f}%，通常变化在 "
            f"{lo:+.0f}% 至 {hi:+.0f}% 之间（{band.reason_zh}）",
        )


def _share_changes(
    t: _Table, column: str, check: ColumnCheck, cur: pd.Series, prev: pd.Series
) -> list[Finding]:
    """A share's change of more than ``yoy_change`` (percentage points) is flagged."""
    if check.yoy_change is None:
        return []
    y = _Years(t, column)
    last_en, last_zh = y.last
    limit = fmt(100 * check.yoy_change)
    found = []
    for county in cur.index:
        c, p = float(cur[county]), float(prev[county])
        if abs(c - p) <= check.yoy_change:
            continue
        points = f"{100 * (c - p):+.0f}"
        en = (
            f"{y.name_en} {fmt(c)} against {last_en} {fmt(p)}: {points} percentage points, "
            f"more than {limit} ({SHARE_CHANGE_REASON[0]})"
        )
        zh = (
            f"{y.name_zh} {fmt(c)}，{last_zh}为 {fmt(p)}，变化 {points} 个百分点，超过 {limit}"
            f"（{SHARE_CHANGE_REASON[1]}）"
        )
        rows = t.by_county.get(int(county), ())
        found.append(
            t.finding("soft", "fluctuation", column, column, int(county), rows, fmt(c), en, zh)
        )
    return found


def _outside(r: float, band: Band) -> bool:
    return (band.low is not None and r < band.low) or (band.high is not None and r > band.high)


# ---------------------------------------------------------------------------- decisions

#: what was done about an accepted soft finding, by kind (English, Chinese)
ACCEPTED: dict[str, tuple[str, str]] = {
    "soft_range": (
        "accepted: unusual but possible; the value is used as reported",
        "已接受：不常见但可能，按报送值使用",
    ),
    "fluctuation": (
        "accepted: a change beyond the usual band but not a unit error; the value is used "
        "as reported",
        "已接受：变化超出通常范围但不是单位错误，按报送值使用",
    ),
    "logic": (
        "accepted: the rule is a soft one (definitions may differ); the value is used as reported",
        "已接受：该规则为提示性规则（口径可能不同），按报送值使用",
    ),
}


def as_decisions(
    role: str,
    findings: Iterable[Finding],
    overrides: Iterable[Any] = (),
    *,
    source: str | None = None,
    names: Mapping[int, str] | None = None,
    level: str = "county",
) -> list[Decision]:
    """The soft findings of a table of ``role`` as Decisions (basis ``rule``), each one a
    reviewer accepted with a person's explanation as basis ``override``; ``overrides``
    (:class:`ganpo.io.manifest.TableOverride`) the platform flagged with context the
    engine lacks are recorded too. Hard findings never become decisions. ``names`` are
    the names of the units of the table's ``level``, by code (a decision's ``unit_code``
    is the county's adcode, or the unit's code in a table given per unit)."""
    spec = TABLE_ROLES[role]
    by_key = {o.key: o for o in overrides}
    out: list[Decision] = []
    seen: set[str] = set()
    for f in findings:
        if f.severity != "soft":
            continue
        subject = f"{role}.{f.rule.split('.', 1)[1]}"
        where_en, where_zh = _unit_words(f.county, names, level)
        en = f"{spec.name_en}{where_en}: {f.message_en}"
        zh = f"{spec.name_zh}{where_zh}：{f.message_zh}"
        override = by_key.get(f.key)
        seen.add(f.key)
        if override is None:
            done_en, done_zh = ACCEPTED.get(f.kind, ACCEPTED["logic"])
            out.append(
                Decision(
                    f.kind, subject, f"{en}; {done_en}.", f"{zh}；{done_zh}。", "rule",
                    unit_code=f.county, source=source, values=(f.value or "",),
                )
            )  # fmt: skip
        else:
            out.append(_override_decision(override, f.kind, subject, en, zh, f.county, source))
    for key, o in by_key.items():
        if key in seen:
            continue
        where_en, where_zh = _unit_words(o.unit_code, names, level)
        out.append(
            _override_decision(
                o,
                o.kind,
                o.subject,
                f"{spec.name_en}{where_en}: {o.message_en}",
                f"{spec.name_zh}{where_zh}：{o.message_zh}",
                o.unit_code,
                source,
            )
        )
    return out


def _unit_words(
    code: int | None, names: Mapping[int, str] | None, level: str = "county"
) -> tuple[str, str]:
    if code is None:
        return "", ""
    word = level_words(level)[0]
    name = (names or {}).get(code)
    return (
        (f", {word} {code} ({name})", f"，{name}（{code}）")
        if name
        else (
            f", {word} {code}",
            f"，{code}",
        )
    )


def _override_decision(
    o: Any, kind: str, subject: str, en: str, zh: str, unit_code: int | None, source: str | None
) -> Decision:
    return Decision(
        kind,
        subject,
        f"{en}; explained by {o.explained_by} ({o.explained_at[:10]}): “{o.explanation}”; "
        f"accepted by reviewer {o.approved_by} ({o.approved_at[:10]}); the value is used as "
        "reported.",
        f"{zh}；填报人 {o.explained_by}（{o.explained_at[:10]}）说明：“{o.explanation}”；审核人 "
        f"{o.approved_by}（{o.approved_at[:10]}）审核通过，按报送值使用。",
        "override",
        unit_code=unit_code,
        source=source,
        values=(o.key,),
    )
