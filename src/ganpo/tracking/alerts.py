"""Alerts of the decision's targets to the responsible department and the unit
(docs/tracking.md, "Alerts"; docs/decisions/0044-tracking-alerts-and-report-on-the-platform.md).

An alert is raised, from the registry's targets and observations, for

- each target whose status (:func:`ganpo.tracking.status.registry_status`, on the last
  observed value) is one listed in the alert file's ``levels`` (shipped: off track → red,
  at risk → yellow);
- each target with a year whose value is missing although due: every year after the
  target's start up to its last year is expected (a yearly monitoring series), and the
  value of year :math:`y` is due once the year :math:`y + \\text{due\\_lag\\_years}` is
  over, i.e. when :math:`y + \\text{lag} < \\text{as\\_of}` (one alert per target, naming
  every missing year; the latest is the alert's year).

Each alert is addressed to the indicator's responsible department (the registry's
``department``, a key of ``catalog/data/departments.toml``) and to the target's unit (its
region code). The levels and the lag are data (``catalog/data/tracking-alerts.toml``);
the statuses' own thresholds are :data:`ganpo.tracking.status.ON_TRACK` and
:data:`~ganpo.tracking.status.AT_RISK`.

Alerts are **derived, not stored**: they are computed again from the series each time,
so an alert goes when its cause goes (a value recorded, a status recovered) and never
disagrees with the status shown beside it. Only a department's acknowledgement is stored
(:func:`ganpo.store.tracking.acknowledge_alert`, by :attr:`Alert.key`, which names the
target, the cause and the year: a worse status or a further missing year is a new alert).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ganpo.catalog.departments import departments
from ganpo.catalog.files import read_toml
from ganpo.errors import InputError
from ganpo.tracking.registry import Registry
from ganpo.tracking.status import STATUS_NAMES, Method, registry_status

#: the shipped alert levels
ALERTS_FILE = Path(__file__).resolve().parents[1] / "catalog" / "data" / "tracking-alerts.toml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusLevel(_Model):
    """The alert level a status raises."""

    status: str
    level: str
    name_zh: str
    name_en: str


class MissingLevel(_Model):
    """The alert level of a missing value, and when a year's value is due."""

    level: str
    name_zh: str
    name_en: str
    due_lag_years: int = Field(ge=0, le=5)


class AlertRules(_Model):
    """The alert file: levels by status and the missing-value rule."""

    version: str
    levels: tuple[StatusLevel, ...]
    missing: MissingLevel


def read_alert_rules(path: Path) -> AlertRules:
    """The alert rules of a TOML file; an unknown status or a bad field is named."""
    data = read_toml(path, "alert rules")
    try:
        rules = AlertRules.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise InputError(
            en=f"{path.name}: field {where}: {first['msg']}; see docs/tracking.md (Alerts)",
            zh=f"预警规则文件字段“{where}”有误",
            field=where,
            source=path,
        ) from exc
    unknown = [lv.status for lv in rules.levels if lv.status not in STATUS_NAMES]
    if unknown:
        raise InputError(
            en=f"{path.name}: unknown status {', '.join(unknown)}; statuses: "
            f"{', '.join(STATUS_NAMES)}",
            zh="未知的进展状态",
            field="levels.status",
            values=unknown,
            source=path,
        )
    return rules


@lru_cache(maxsize=1)
def shipped_rules() -> AlertRules:
    """The shipped alert rules (read once)."""
    return read_alert_rules(ALERTS_FILE)


@dataclass(frozen=True)
class Alert:
    """One alert: ``kind`` ``status`` (a target at risk or off track) or ``missing`` (a
    due value not observed; ``missing_years`` lists them). Values in the indicator's
    unit; ``actual``, ``ratio`` and ``source`` are ``None`` / empty for a missing value."""

    #: target, cause (the status, or ``missing``) and year: a worse status or a further
    #: missing year is a new alert
    key: str
    kind: str
    level: str
    level_zh: str
    level_en: str
    target: str
    indicator: str
    indicator_zh: str
    indicator_en: str
    department: str
    department_zh: str
    department_en: str
    unit_code: int
    unit_name_zh: str
    unit_name_en: str
    year: int
    last_year: int
    status: str | None
    status_zh: str
    status_en: str
    actual: float | None
    target_value: float | None
    measure: str
    measure_zh: str
    measure_en: str
    ratio: float | None
    missing_years: tuple[int, ...]
    source: str
    message_zh: str
    message_en: str


def _sp(measure: str) -> str:
    """`` %`` reads ``%``; another unit is put after a space."""
    return measure if measure in ("", "%") else f" {measure}"


def _code_names(code: int) -> tuple[str, str]:
    return str(code), str(code)


def tracking_alerts(
    registry: Registry,
    *,
    as_of: int | None = None,
    method: Method = "required_growth",
    rules: AlertRules | None = None,
    names: Callable[[int], tuple[str, str]] | None = None,
) -> list[Alert]:
    """Every alert of ``registry``'s targets in force (withdrawn ones and budgets left
    out) as of the year ``as_of`` (default: this year), by ``method``; units named by
    ``names`` (a callable code → (zh, en); default: their codes). Ordered by level as the
    rules list them (status levels first, then missing), then department, unit, target."""
    rules = rules or shipped_rules()
    now = as_of if as_of is not None else datetime.now(UTC).year
    unit_names = names or _code_names
    depts = departments()
    by_status = {lv.status: lv for lv in rules.levels}
    found: list[Alert] = []

    def common(target_key: str) -> dict[str, Any]:
        t = registry.targets[target_key]
        ind = registry.indicator(t.indicator)
        dept = depts.get(ind.department)
        zh, en = unit_names(t.unit_code)
        return {
            "target": t.key,
            "indicator": ind.key,
            "indicator_zh": ind.name_zh,
            "indicator_en": ind.name_en,
            "department": ind.department,
            "department_zh": dept.name_zh if dept else ind.department or "未指定",
            "department_en": dept.name_en if dept else ind.department or "not named",
            "unit_code": t.unit_code,
            "unit_name_zh": zh,
            "unit_name_en": en,
            "last_year": t.last_year,
            "measure": ind.unit,
            "measure_zh": "" if ind.unit == "1" else ind.unit_in("zh"),
            "measure_en": "" if ind.unit == "1" else ind.unit_in("en"),
        }

    report = registry_status(registry, method=method)
    for a in report.assessments:
        lv = by_status.get(a.status)
        if lv is None:
            continue
        c = common(a.target)
        sign = "≥" if registry.targets[a.target].kind == "floor" else "≤"
        zh_status, en_status = STATUS_NAMES[a.status]
        found.append(
            Alert(
                key=f"{a.target}:{a.status}:{a.year}",
                kind="status",
                level=lv.level,
                level_zh=lv.name_zh,
                level_en=lv.name_en,
                year=a.year,
                status=a.status,
                status_zh=zh_status,
                status_en=en_status,
                actual=a.actual,
                target_value=a.target_value,
                ratio=a.ratio,
                missing_years=(),
                source=a.source,
                message_zh=f"{c['unit_name_zh']}{c['indicator_zh']}{a.year}年为{a.actual:g}"
                f"{c['measure_zh']}，目标{sign}{a.target_value:g}{c['measure_zh']}（{a.last_year}年），"
                f"{zh_status}，请{c['department_zh']}核实原因并提出措施",
                message_en=f"{c['indicator_en']} of {c['unit_name_en']} was {a.actual:g}"
                f"{_sp(c['measure_en'])} in {a.year} against a target of {sign} "
                f"{a.target_value:g}{_sp(c['measure_en'])} "
                f"by {a.last_year}: {en_status}; the {c['department_en']} to check why and "
                "propose measures",
                **c,
            )
        )
    due_until = now - rules.missing.due_lag_years - 1  # the last year whose value is due
    for key in sorted(registry.targets):
        t = registry.targets[key]
        if t.status == "withdrawn" or t.cumulative:
            continue
        observed = registry.series(t.indicator, t.unit_code)
        years = tuple(
            y for y in range(t.start_year + 1, min(t.last_year, due_until) + 1) if y not in observed
        )
        if not years:
            continue
        c = common(key)
        listed = "、".join(str(y) for y in years)
        found.append(
            Alert(
                key=f"{key}:missing:{years[-1]}",
                kind="missing",
                level=rules.missing.level,
                level_zh=rules.missing.name_zh,
                level_en=rules.missing.name_en,
                year=years[-1],
                status=None,
                status_zh="缺少数据",
                status_en="value missing",
                actual=None,
                target_value=None,
                ratio=None,
                missing_years=years,
                source="",
                message_zh=f"{c['unit_name_zh']}{c['indicator_zh']}缺少{listed}年的数值"
                f"（应于次年底前报送），请{c['department_zh']}报送",
                message_en=f"{c['indicator_en']} of {c['unit_name_en']}: no value for "
                f"{', '.join(str(y) for y in years)} (due by the end of the following year); "
                f"the {c['department_en']} to report it",
                **c,
            )
        )
    order = [lv.level for lv in rules.levels] + [rules.missing.level]
    return sorted(found, key=lambda a: (order.index(a.level), a.department, a.unit_code, a.target))
