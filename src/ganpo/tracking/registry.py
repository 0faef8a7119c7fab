"""The registry a domain registers its indicators, warning rules and targets in, and the
TOML reader whose errors name the file, the target and the field.

Dual control (:mod:`ganpo.tracking.dual_control`) registers its two indicators and the
shipped warning thresholds, then loads the targets of a city or county; the later
tracking of the whole decision and the GEP assessment's warnings register theirs the same
way (docs/decisions/0032-tracking-module.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
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
    """Read and validate a tracking TOML file; each problem names the target and field."""
    data = read_toml(path, "the tracking file")
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
            "invalid tracking file: "
            + "; ".join(problems)
            + f" / 目标跟踪文件有误：{'；'.join(places)} 无效，请按上述说明更正",
            source=path,
            field="targets",
        ) from exc


def _given(error: Any) -> str:
    """`` (given: <value>)`` of a validation error about a plain value of a field (a number,
    a text), else nothing (a field missing, a whole target checked)."""
    value = error.get("input")
    if error.get("type") == "missing" or not isinstance(value, (bool, int, float, str)):
        return ""
    if len(error.get("loc", ())) < 3:  # the target as a whole: its message names the values
        return ""
    return f" (given: {value!r})" if len(repr(value)) <= 40 else ""


@dataclass
class Registry:
    """Indicators, warning rules and targets of every domain that tracks something."""

    indicators: dict[str, Indicator] = field(default_factory=dict)
    rules: dict[str, WarningRule] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    pillars: dict[str, Pillar] = field(default_factory=dict)
    #: observed values by (indicator, unit code, year)
    observations: dict[tuple[str, int, int], Observation] = field(default_factory=dict)

    def indicator(self, key: str) -> Indicator:
        """The registered indicator ``key``; an unknown key lists the registered ones."""
        if key not in self.indicators:
            raise UnknownNameError("indicator", key, self.indicators)
        return self.indicators[key]

    def register_indicators(self, items: Iterable[Indicator]) -> None:
        """Add indicators; one registered twice differently is refused."""
        for ind in items:
            if ind.department and ind.department not in departments():
                raise InputError(
                    f"indicator {ind.key!r}: unknown department {ind.department!r}; "
                    f"departments: {', '.join(departments())} / 指标“{ind.name_zh}”的填报部门"
                    f"“{ind.department}”不在部门目录中",
                    field="department",
                    values=[ind.department],
                )
            old = self.indicators.get(ind.key)
            if old is not None and old != ind:
                raise InputError(
                    f"indicator {ind.key!r} is already registered with another definition",
                    field="indicators",
                    values=[ind.key],
                )
            self.indicators[ind.key] = ind

    def register_rules(self, items: Iterable[WarningRule]) -> None:
        """Add warning rules; their indicators must be registered."""
        for rule in items:
            for key in rule.indicators:
                self.indicator(key)
            self.rules[rule.key] = rule

    def add_targets(self, items: Iterable[Target], *, source: str | Path | None = None) -> None:
        """Add targets after checking them against their indicators (known indicator, a
        unit convertible to the indicator's, a kind that fits its direction, no key
        twice); each problem names the target."""
        for t in items:
            where = f"target {t.key!r}"
            if t.indicator not in self.indicators:
                raise InputError(
                    f"{where}: unknown indicator {t.indicator!r}; registered indicators: "
                    f"{', '.join(sorted(self.indicators)) or 'none'}",
                    source=source,
                    field="indicator",
                    values=[t.indicator],
                )
            ind = self.indicators[t.indicator]
            if t.kind != "reduction_pct":
                try:
                    unit_factor(t.value_unit, ind.unit, what=f"{where}, field value_unit")
                except InputError as exc:
                    raise InputError(
                        str(exc), source=source, field="value_unit", values=exc.values
                    ) from exc
            lower = ind.direction == "lower_is_better"
            if (t.kind == "floor") == lower:
                raise InputError(
                    f"{where}: a {t.kind.replace('_pct', '')} target does not fit indicator "
                    f"{ind.key!r}, where {ind.direction.replace('_', ' ')}",
                    source=source,
                    field="kind",
                    values=[t.kind],
                )
            if t.key in self.targets and self.targets[t.key] != t:
                raise InputError(
                    f"{where} is given twice", source=source, field="key", values=[t.key]
                )
            self.targets[t.key] = t

    def add_pillars(self, items: Iterable[Pillar], *, source: str | Path | None = None) -> None:
        """Add a decision's pillars; every indicator a clause names must be registered."""
        for pillar in items:
            for clause in pillar.clauses:
                unknown = [k for k in clause.indicators if k not in self.indicators]
                if unknown:
                    raise InputError(
                        f"clause {clause.key!r} of pillar {pillar.key!r} names unknown "
                        f"indicator(s) {', '.join(unknown)}; registered indicators: "
                        f"{', '.join(sorted(self.indicators)) or 'none'} / 条款“{clause.name_zh}”"
                        "所列指标未登记",
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
                    f"{where}: unknown indicator {ob.indicator!r}; registered indicators: "
                    f"{', '.join(sorted(self.indicators)) or 'none'} / 未登记的指标 "
                    f"{ob.indicator}",
                    source=source,
                    field="indicator",
                    values=[ob.indicator],
                )
            ind = self.indicators[ob.indicator]
            try:
                unit_factor(ob.unit, ind.unit, what=where)
            except InputError as exc:
                raise InputError(
                    f"{exc} / 观测值单位“{ob.unit}”不能换算为指标“{ind.name_zh}”的单位“{ind.unit}”",
                    source=source,
                    field="unit",
                    values=[ob.unit, ind.unit],
                ) from exc
            key = (ob.indicator, ob.unit_code, ob.year)
            old = batch.get(key) or self.observations.get(key)
            if old is not None and (key in batch or old != ob):
                raise InputError(
                    f"{where} is given twice ({old.value:g} {old.unit}, {old.source}; and "
                    f"{ob.value:g} {ob.unit}, {ob.source}): keep one / 同一指标、单位、年份的"
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
        self.register_indicators(tf.indicators)
        try:
            self.register_rules(tf.warning_rules)
        except UnknownNameError as exc:
            raise InputError(
                f"warning rule on an {exc}", source=path, field="warning_rules"
            ) from exc
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
