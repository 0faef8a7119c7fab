"""The registry a domain registers its indicators, warning rules and targets in, and the
TOML reader whose errors name the file, the target and the field.

Dual control (:mod:`ganpo.tracking.dual_control`) registers its two indicators and the
shipped warning thresholds, then loads the targets of a city or county; the later
tracking of the whole decision and the GEP assessment's warnings register theirs the same
way (docs/decisions/0032-tracking-module.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ganpo.catalog.departments import departments
from ganpo.catalog.files import data_dir, read_toml
from ganpo.errors import InputError, UnknownNameError
from ganpo.tracking.model import (
    Clause,
    Indicator,
    Observation,
    Pillar,
    Target,
    TrackingFile,
    WarningRule,
)
from ganpo.tracking.units import unit_factor

#: the catalogue folder of shipped tracking files
TRACKING_DIR = "tracking"
#: the sections of a tracking file that hold something to track
SECTIONS = ("pillars", "indicators", "warning_rules", "targets", "observations")
#: the largest magnitude of a target or observed value, in its indicator's unit, when the
#: indicator gives no valid_range (more than any statistics of a province ever held, in any
#: unit statistics use; a value beyond it is a typing or unit mistake)
MAX_VALUE = 1e15


def shipped_file(name: str) -> Path:
    """A shipped tracking file by its name (file stem); an unknown name lists the names."""
    folder = data_dir(TRACKING_DIR)
    names = sorted(p.stem for p in folder.glob("*.toml"))
    if name not in names:
        raise UnknownNameError("tracking file", name, names)
    return folder / f"{name}.toml"


def _where(data: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """``target 'x' (targets[2]), field base_year`` for a validation error's location."""
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data.get(loc[0]), list):
        section, index = str(loc[0]), loc[1]
        items = data[section]
        item = items[index] if index < len(items) else {}
        key = item.get("key") if isinstance(item, dict) else None
        if section == "observations" and isinstance(item, dict):
            key = " ".join(str(item.get(k, "?")) for k in ("indicator", "unit_code", "year"))
        what = {
            "targets": "target",
            "indicators": "indicator",
            "warning_rules": "warning rule",
            "pillars": "pillar",
            "observations": "observation",
        }
        name = f" {key!r}" if key else ""
        rest = ".".join(str(p) for p in loc[2:])
        place = f"{what.get(section, section)}{name} ({section}[{index}])"
        return f"{place}, field {rest}" if rest else place
    return "field " + ".".join(str(p) for p in loc) if loc else "file"


def read_tracking_file(path: Path) -> TrackingFile:
    """Read and validate a tracking TOML file; each problem names the target and field.
    A file that is no UTF-8 TOML, or that holds nothing to track, is refused."""
    try:
        data = read_toml(path, "the tracking file")
    except UnicodeDecodeError as exc:
        raise InputError(
            en=f"the tracking file is not UTF-8 (byte {exc.object[exc.start]:#04x} at position "
            f"{exc.start}); TOML files are UTF-8: save it as UTF-8 (in Excel's or Notepad's "
            "'Save as', encoding UTF-8)",
            zh="目标跟踪文件不是 UTF-8 编码，请另存为 UTF-8 编码的 TOML 文件",
            source=path,
            field="encoding",
        ) from exc
    except InputError as exc:
        raise InputError(
            en=f"{exc.en}; correct the TOML syntax at that line",
            zh="目标跟踪文件不是有效的 TOML，请按所示行列更正语法",
            source=path,
            field="file",
        ) from exc
    if not any(data.get(k) for k in SECTIONS):
        raise InputError(
            en=f"the tracking file holds no {', '.join(SECTIONS)}: nothing to track; give at "
            "least indicators or targets (docs/tracking.md, 'Data format')",
            zh="目标跟踪文件为空（没有指标、目标或观测值）",
            source=path,
            field="file",
        )
    try:
        return TrackingFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        places = [_where(data, tuple(e["loc"])) for e in errors]
        problems = [
            f"{place}: {e['msg'].removeprefix('Value error, ')}{_given(e)}"
            for place, e in zip(places, errors, strict=True)
        ]
        raise InputError(
            en="invalid tracking file: " + "; ".join(problems),
            zh=f"目标跟踪文件有误：{'；'.join(places)} 无效，请按上述说明更正",
            source=path,
            field="targets",
        ) from exc


def _given(error: Any) -> str:
    """`` (given: <value>)`` of a validation error about a plain value of a field (a number,
    a text), else nothing (a field missing, a whole target checked)."""
    value = error.get("input")
    if error.get("type") == "missing" or not isinstance(value, (bool, int, float, str)):
        return ""
    loc = error.get("loc", ())
    if len(loc) == 2 and isinstance(loc[1], int):  # a target as a whole: its message names
        return ""  # the values
    return f" (given: {value!r})" if len(repr(value)) <= 40 else ""


@cache
def _adcodes() -> frozenset[int]:
    """The adcodes of every province, city and county of the built-in tables."""
    from ganpo.io.regions import read_city_table, read_district_table

    codes: set[int] = set()
    for t, columns in (
        (read_city_table(), ("province_adcode", "city_adcode")),
        (read_district_table(), ("province_adcode", "city_adcode", "district_adcode")),
    ):
        for c in columns:
            codes.update(int(x) for x in t[c])
    return frozenset(codes)


def unit_code_problem(code: int) -> str | None:
    """Why ``code`` is no administrative unit (``None`` when it is one): a 6-digit adcode of
    a province, city or county of the built-in table, or a township's 9-digit code whose
    first six digits are such a county's. A unit of another province is a unit."""
    six = code // 1000 if code >= 100_000_000 else code
    if six in _adcodes():
        return None
    return (
        f"unit_code {code} is not an administrative code: give the 6-digit adcode of a "
        "province, city or county of the built-in district table (e.g. 360000 江西省, 360100 "
        "南昌市, 360102 东湖区), or a township's 9-digit code (its county's adcode × 1000 + n)"
    )


def within(code: int, region: int) -> bool:
    """Whether the unit ``code`` (a 6-digit adcode or a township's 9 digits) is ``region``
    (a province ``xx0000``, a city ``xxxx00`` or a county) or lies within it."""
    six = code // 1000 if code >= 100_000_000 else code
    if region % 10_000 == 0:
        return six // 10_000 == region // 10_000
    if region % 100 == 0:
        return six // 100 == region // 100
    return six == region


def region_problem(code: int, region: int | None) -> str | None:
    """Why ``code`` is no unit of the tracked ``region`` (``None`` when it is one, or when
    no region is given)."""
    if region is None or within(code, region):
        return None
    return (
        f"unit_code {code} is not a unit of the region this file tracks ({region}): a "
        "unit of another province or city (a code mistyped, or a row of another region's "
        "table); give a unit of the region, or track the other region in its own file"
    )


def value_problem(value: float, ind: Indicator, unit: str, factor: float) -> str | None:
    """Why ``value`` (in ``unit``, × ``factor`` in the indicator's unit) cannot be a value
    of ``ind`` (``None`` when it can): not finite, outside the indicator's valid_range, or
    beyond ±:data:`MAX_VALUE` when it has none."""
    v = value * factor
    shown = f"{value:g} {unit}" + (f" ({v:g} {ind.unit})" if unit != ind.unit else "")
    if not math.isfinite(v):
        return f"{shown} is not a finite number in {ind.unit!r}"
    if ind.valid_range is not None:
        low, high = ind.valid_range
        if not low <= v <= high:
            return (
                f"{shown} lies outside the range of indicator {ind.key!r}, {low:g} to "
                f"{high:g} {ind.unit}"
            )
    elif abs(v) > MAX_VALUE:
        return f"{shown} is larger than {MAX_VALUE:g} {ind.unit}, more than any real value"
    return None


@dataclass
class Registry:
    """Indicators, warning rules and targets of every domain that tracks something."""

    indicators: dict[str, Indicator] = field(default_factory=dict)
    rules: dict[str, WarningRule] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    pillars: dict[str, Pillar] = field(default_factory=dict)
    #: observed values by (indicator, unit code, year)
    observations: dict[tuple[str, int, int], Observation] = field(default_factory=dict)
    #: the region tracked (a tracking file's ``region``): targets and observations of a
    #: unit outside it are refused; None: any administrative unit
    region: int | None = None

    def indicator(self, key: str) -> Indicator:
        """The registered indicator ``key``; an unknown key lists the registered ones."""
        if key not in self.indicators:
            raise UnknownNameError("indicator", key, self.indicators)
        return self.indicators[key]

    def register_indicators(
        self, items: Iterable[Indicator], *, source: str | Path | None = None
    ) -> None:
        """Add indicators; one registered twice differently is refused."""
        for ind in items:
            if ind.department and ind.department not in departments():
                raise InputError(
                    en=f"indicator {ind.key!r}: unknown department {ind.department!r}; "
                    f"departments: {', '.join(departments())}",
                    zh=f"指标“{ind.name_zh}”的填报部门“{ind.department}”不在部门目录中",
                    source=source,
                    field="department",
                    values=[ind.department],
                )
            old = self.indicators.get(ind.key)
            if old is not None and old != ind:
                differ = [
                    f"{k} {getattr(old, k)!r} and {getattr(ind, k)!r}"
                    for k in type(ind).model_fields
                    if getattr(old, k) != getattr(ind, k)
                ]
                raise InputError(
                    en=f"indicator {ind.key!r} is already registered with another definition "
                    f"({'; '.join(differ[:3])}): an indicator is defined once (the dual-control "
                    "indicators co2_intensity and co2_total by ganpo); delete the second "
                    "definition or give it another key",
                    zh=f"指标 {ind.key} 重复定义且内容不同，请删除重复的定义或改用其他指标代码",
                    source=source,
                    field="indicators",
                    values=[ind.key],
                )
            self.indicators[ind.key] = ind

    def register_rules(
        self, items: Iterable[WarningRule], *, source: str | Path | None = None
    ) -> None:
        """Add warning rules (one of a key already registered is replaced: a province
        sets its own thresholds); their indicators must be registered."""
        for rule in items:
            unknown = [k for k in rule.indicators if k not in self.indicators]
            if unknown:
                raise InputError(
                    en=f"warning rule {rule.key!r}, field indicators: unknown indicator(s) "
                    f"{', '.join(unknown)}; registered indicators: "
                    f"{', '.join(sorted(self.indicators)) or 'none'}",
                    zh=f"预警规则“{rule.key}”所列指标 {'、'.join(unknown)} 未登记",
                    source=source,
                    field="warning_rules",
                    values=unknown,
                )
            self.rules[rule.key] = rule

    def add_targets(self, items: Iterable[Target], *, source: str | Path | None = None) -> None:
        """Add targets after checking them against their indicators (known indicator, a
        unit convertible to the indicator's, a kind that fits its direction, no key
        twice); each problem names the target."""
        for t in items:
            where = f"target {t.key!r}"
            if t.indicator not in self.indicators:
                raise InputError(
                    en=f"{where}: unknown indicator {t.indicator!r}; registered indicators: "
                    f"{', '.join(sorted(self.indicators)) or 'none'}",
                    zh=f"目标“{t.key}”的指标 {t.indicator} 未登记",
                    source=source,
                    field="indicator",
                    values=[t.indicator],
                )
            ind = self.indicators[t.indicator]
            factor = 1.0
            if t.kind != "reduction_pct":
                try:
                    factor = unit_factor(t.value_unit, ind.unit, what=f"{where}, field value_unit")
                except InputError as exc:
                    raise InputError(
                        en=f"{exc.en}",
                        zh=f"目标“{t.key}”的单位“{t.value_unit}”不能换算为指标"
                        f"“{ind.name_zh}”的单位“{ind.unit}”",
                        source=source,
                        field="value_unit",
                        values=exc.values,
                    ) from exc
            problem = unit_code_problem(t.unit_code)
            if problem is not None:
                raise InputError(
                    en=f"{where}, field {problem}; correct it or delete the target",
                    zh=f"目标“{t.key}”的 unit_code {t.unit_code} 不是行政区划代码",
                    source=source,
                    field="unit_code",
                    values=[t.unit_code],
                )
            problem = region_problem(t.unit_code, self.region)
            if problem is not None:
                raise InputError(
                    en=f"{where}, field {problem}",
                    zh=f"目标“{t.key}”的 unit_code {t.unit_code} "
                    f"不属于本文件跟踪的地区（{self.region}），请更正代码或删除该目标",
                    source=source,
                    field="unit_code",
                    values=[t.unit_code],
                )
            checks = [("base_value", t.base_value, ind.unit, 1.0)]
            if t.kind != "reduction_pct":
                checks.insert(0, ("value", t.value, t.value_unit, factor))
            for name, value, unit, f in checks:
                problem = None if value is None else value_problem(value, ind, unit, f)
                if problem is not None:
                    raise InputError(
                        en=f"{where}, field {name} = {problem}; give the value in the "
                        "indicator's unit and range",
                        zh=f"目标“{t.key}”的 {name} 值 {value:g} "
                        f"{unit} 超出指标“{ind.name_zh}”的合理范围",
                        source=source,
                        field=name,
                        values=[value],
                    )
            lower = ind.direction == "lower_is_better"
            if (t.kind == "floor") == lower:
                raise InputError(
                    en=f"{where}: a {t.kind.replace('_pct', '')} target does not fit indicator "
                    f"{ind.key!r}, where {ind.direction.replace('_', ' ')}; a floor is for "
                    f"an indicator where higher is better, a ceiling or a reduction where "
                    "lower is better",
                    zh=f"目标“{t.key}”的类型 {t.kind} 与指标“{ind.name_zh}”的方向不符",
                    source=source,
                    field="kind",
                    values=[t.kind],
                )
            if t.key in self.targets and self.targets[t.key] != t:
                other = self.targets[t.key]
                raise InputError(
                    en=f"{where} is given twice (indicator {other.indicator}, unit_code "
                    f"{other.unit_code}; and indicator {t.indicator}, unit_code {t.unit_code}): "
                    "each target has its own key",
                    zh=f"目标代码“{t.key}”重复，请为每个目标使用不同的 key",
                    source=source,
                    field="key",
                    values=[t.key],
                )
            self.targets[t.key] = t

    def add_pillars(self, items: Iterable[Pillar], *, source: str | Path | None = None) -> None:
        """Add a decision's pillars; every indicator a clause names must be registered."""
        for pillar in items:
            for clause in pillar.clauses:
                unknown = [k for k in clause.indicators if k not in self.indicators]
                if unknown:
                    raise InputError(
                        en=f"clause {clause.key!r} of pillar {pillar.key!r} names unknown "
                        f"indicator(s) {', '.join(unknown)}; registered indicators: "
                        f"{', '.join(sorted(self.indicators)) or 'none'}",
                        zh=f"条款“{clause.name_zh}”所列指标未登记",
                        source=source,
                        field="pillars",
                        values=unknown,
                    )
            self.pillars[pillar.key] = pillar

    def clause_of(self, indicator: str) -> tuple[Pillar, Clause] | None:
        """The first pillar and clause that name ``indicator``, else ``None``."""
        for pillar in self.pillars.values():
            for clause in pillar.clauses:
                if indicator in clause.indicators:
                    return pillar, clause
        return None

    def add_observations(
        self, items: Iterable[Observation], *, source: str | Path | None = None
    ) -> None:
        """Add observed values after checking them: a registered indicator, a unit that
        converts to the indicator's, one value per indicator, unit and year (a second one
        is refused, naming both sources)."""
        batch: dict[tuple[str, int, int], Observation] = {}
        for ob in items:
            where = f"observation of {ob.indicator!r} for {ob.unit_code} in {ob.year}"
            if ob.indicator not in self.indicators:
                raise InputError(
                    en=f"{where}: unknown indicator {ob.indicator!r}; registered indicators: "
                    f"{', '.join(sorted(self.indicators)) or 'none'}",
                    zh=f"未登记的指标 {ob.indicator}",
                    source=source,
                    field="indicator",
                    values=[ob.indicator],
                )
            ind = self.indicators[ob.indicator]
            try:
                factor = unit_factor(ob.unit, ind.unit, what=where)
            except InputError as exc:
                raise InputError(
                    en=f"{exc.en}",
                    zh=f"观测值单位“{ob.unit}”不能换算为指标“{ind.name_zh}”的单位“{ind.unit}”",
                    source=source,
                    field="unit",
                    values=[ob.unit, ind.unit],
                ) from exc
            problem = unit_code_problem(ob.unit_code)
            if problem is not None:
                raise InputError(
                    en=f"{where}: field {problem}; correct it or delete the value",
                    zh="观测值"
                    f"（{ind.name_zh} {ob.year}年）的 unit_code {ob.unit_code} 不是行政区划代码",
                    source=source,
                    field="unit_code",
                    values=[ob.unit_code],
                )
            problem = region_problem(ob.unit_code, self.region)
            if problem is not None:
                raise InputError(
                    en=f"{where}: field {problem}",
                    zh=f"观测值（{ind.name_zh} {ob.year}年）的 "
                    f"unit_code {ob.unit_code} 不属于本文件跟踪的地区（{self.region}），"
                    "请更正代码或删除该行",
                    source=source,
                    field="unit_code",
                    values=[ob.unit_code],
                )
            problem = value_problem(ob.value, ind, ob.unit, factor)
            if problem is not None:
                raise InputError(
                    en=f"{where}: field value = {problem}; correct the value or its unit",
                    zh=f"观测值（{ind.name_zh} {ob.unit_code} {ob.year}年）{ob.value:g} {ob.unit} "
                    "超出指标的合理范围",
                    source=source,
                    field="value",
                    values=[ob.value],
                )
            key = (ob.indicator, ob.unit_code, ob.year)
            old = batch.get(key) or self.observations.get(key)
            if old is not None and (key in batch or old != ob):
                raise InputError(
                    en=f"{where} is given twice ({old.value:g} {old.unit}, {old.source}; and "
                    f"{ob.value:g} {ob.unit}, {ob.source}): keep one",
                    zh="同一指标、单位、年份的"
                    f"观测值重复：{ind.name_zh} {ob.unit_code} {ob.year}年",
                    source=source,
                    field="year",
                    values=[ob.indicator, ob.unit_code, ob.year],
                )
            batch[key] = ob
        self.observations.update(batch)

    def series(self, indicator: str, unit_code: int) -> dict[int, Observation]:
        """The observations of one indicator and unit by year, in year order."""
        found = {
            y: ob for (i, u, y), ob in self.observations.items() if (i, u) == (indicator, unit_code)
        }
        return dict(sorted(found.items()))

    def load(self, path: Path) -> TrackingFile:
        """Register everything a tracking file holds (indicators, then rules, pillars,
        targets and observations) and return it."""
        tf = read_tracking_file(path)
        if tf.region is not None:
            problem = unit_code_problem(tf.region)
            if problem is None and self.region not in (None, tf.region):
                problem = (
                    f"region {tf.region} differs from the region already tracked "
                    f"({self.region}); track one region at a time"
                )
            if problem is not None:
                raise InputError(
                    en=f"field region: {problem}",
                    zh=f"跟踪地区 region {tf.region} 无效或与已加载的地区（{self.region}）不同",
                    source=path,
                    field="region",
                    values=[tf.region],
                )
            self.region = tf.region
        self.register_indicators(tf.indicators, source=path)
        self.register_rules(tf.warning_rules, source=path)
        self.add_pillars(tf.pillars, source=path)
        self.add_targets(tf.targets, source=path)
        self.add_observations(tf.observations, source=path)
        return tf

    def targets_of(
        self, unit_code: int, indicator: str | None = None, *, year: int | None = None
    ) -> list[Target]:
        """The unit's targets (of one indicator, covering ``year``), withdrawn ones left
        out, in key order."""
        return sorted(
            (
                t
                for t in self.targets.values()
                if t.unit_code == unit_code
                and (indicator is None or t.indicator == indicator)
                and (year is None or t.start_year < year <= t.last_year)
                and t.status != "withdrawn"
            ),
            key=lambda t: t.key,
        )
