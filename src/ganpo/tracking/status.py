"""Status of a target by a stated method: achieved, on track, at risk or off track
(docs/tracking.md, "The decision's targets").

A target with level :math:`T` in its last year :math:`Y`, a baseline :math:`x_b` in the
start year :math:`b` and the value :math:`x_y` observed in year :math:`y` is

- **achieved** (已实现) when :math:`x_y` is at or beyond :math:`T` in the better direction;
- otherwise, in or after the last year (the deadline passed, or an ``annual`` level that
  binds every year), **off track** (未实现);
- otherwise graded by a progress ratio :math:`\\rho`: **on track** (进度正常) when
  :math:`\\rho \\ge 1`, **at risk** (存在风险) when :math:`0.5 \\le \\rho < 1`, **off
  track** (偏离目标) when :math:`\\rho < 0.5`, a move the wrong way included.

The ratio comes from one of two methods:

.. math::

    \\rho_{\\text{growth}} = \\frac{r_{\\text{achieved}}}{r_{\\text{required}}}
      = \\frac{(x_y/x_b)^{1/(y-b)} - 1}{(T/x_b)^{1/(Y-b)} - 1}, \\qquad
    \\rho_{\\text{linear}} = \\frac{(x_y - x_b)/(T - x_b)}{(y-b)/(Y-b)}

**Required growth** compares the compound annual change achieved since the baseline with
the compound annual change that reaches the target in time, after the SDG progress
assessments (ESCAP's Anticipated Progress Index, applied by the UN regional commissions:
progress anticipated against progress required). Simplified: ESCAP projects the value by
a time-weighted regression over all years; here the rate is the compound one between the
baseline and the assessed year. Continuing at :math:`r_{\\text{achieved}}` reaches
:math:`T` by :math:`Y` exactly when :math:`\\rho_{\\text{growth}} \\ge 1`.

**Linear path** compares the value with the straight line from the baseline to the
target: the share of the task achieved over the share of the time elapsed, the "time
elapsed, task achieved" test of :mod:`ganpo.tracking.progress`, whose figures (rates,
shares, the target's level in the indicator's unit) this module reuses. A baseline
already within the target that the value has since left has no ratio: off track.

The thresholds 1 and 0.5 are ganpo's (:data:`ON_TRACK`, :data:`AT_RISK`), NOT verified
against ESCAP's published grading (docs/decisions/0036-decision-targets.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from ganpo.errors import InputError
from ganpo.tracking.model import Indicator, Target
from ganpo.tracking.progress import compound_rate, observed_in, progress
from ganpo.tracking.registry import Registry

Method = Literal["required_growth", "linear"]
METHODS: tuple[Method, ...] = ("required_growth", "linear")
Status = Literal["achieved", "on_track", "at_risk", "off_track"]
#: why a status is what it is
Reason = Literal["target_met", "deadline_missed", "annual_missed", "ratio", "slipped_back"]

#: a ratio at least this is on track; at least :data:`AT_RISK` at risk; below, off track
#: (ganpo's thresholds, not verified against a published grading)
ON_TRACK = 1.0
AT_RISK = 0.5
_EPS = 1e-9

#: words of statuses, reasons and methods in Chinese and English
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "achieved": ("已实现", "achieved"),
    "on_track": ("进度正常", "on track"),
    "at_risk": ("存在风险", "at risk"),
    "off_track": ("偏离目标", "off track"),
}
REASON_NAMES: dict[str, tuple[str, str]] = {
    "target_met": ("已达到目标值", "target level reached"),
    "deadline_missed": ("目标年已到，未达到目标值", "deadline reached, level missed"),
    "annual_missed": ("当年未达到年度目标值", "this year's level missed"),
    "ratio": ("按进度比判定", "graded by the progress ratio"),
    "slipped_back": ("基期已达标，现未达标", "met at the baseline, no longer"),
}
METHOD_NAMES: dict[str, tuple[str, str]] = {
    "required_growth": ("所需增速法", "required growth"),
    "linear": ("线性路径法", "linear path"),
}


@dataclass(frozen=True)
class Assessment:
    """A target's status in one year by one method. Values in the indicator's unit;
    rates in % a year (compound, negative a decrease); shares in %; ``ratio`` the
    method's progress ratio (``None`` where not defined, see ``reason``). ``source`` and
    ``observation_status`` are those of the observed value, when the registry gave it."""

    target: str
    indicator: str
    unit_code: int
    method: Method
    year: int
    base_year: int
    base_value: float
    last_year: int
    actual: float
    target_value: float
    unit: str
    achieved_rate_pct: float | None
    required_rate_pct: float | None
    remaining_rate_pct: float | None
    time_elapsed_pct: float
    task_achieved_pct: float | None
    ratio: float | None
    status: Status
    reason: Reason
    source: str = ""
    observation_status: str = ""

    def status_in(self, language: str) -> str:
        """The status in ``language`` (``zh`` or ``en``)."""
        return STATUS_NAMES[self.status][0 if language == "zh" else 1]


def _no_value(target: Target, indicator: Indicator, year: int) -> InputError:
    return InputError(
        en=f"target {target.key!r}: no observed value of indicator {indicator.key!r} "
        f"({indicator.name_en}) for unit {target.unit_code} in {year}; give one or choose "
        "another year",
        zh=f"目标“{target.key}”：{target.unit_code} {year}年缺少“{indicator.name_zh}”的观测值",
        field="year",
        values=[year],
    )


def assess(
    target: Target,
    indicator: Indicator,
    values: Mapping[int, float],
    unit: str,
    *,
    year: int | None = None,
    method: Method = "required_growth",
) -> Assessment:
    """The status of ``target`` in ``year`` by ``method`` from the indicator's observed
    ``values`` by year, given in ``unit`` (converted to the indicator's; a unit that does
    not convert is refused naming both).

    Values outside the span from the start year to the last year are left aside; a year
    after the last is assessed on the last year's value (the deadline has passed); no
    ``year``: the last observed. The baseline is the target's ``base_value``, else the
    value observed in the start year; without either the target is refused naming the
    indicator.

    >>> from ganpo.tracking.model import Indicator, Target
    >>> ind = Indicator(key="cover", name_zh="森林覆盖率", name_en="forest cover", unit="%",
    ...                 direction="higher_is_better")
    >>> t = Target(key="t", indicator="cover", unit_code=360000, period=(2024, 2026),
    ...            kind="floor", value=66.0, value_unit="%", base_year=2023,
    ...            base_value=60.0, source="example", status="synthetic")
    >>> a = assess(t, ind, {2024: 61.2}, "%")
    >>> a.status, round(a.ratio, 4)  # 2.0 % a year achieved, 3.228 % required
    ('at_risk', 0.6196)
    """
    if method not in METHODS:
        raise InputError(
            en=f"unknown method {method!r}; methods: {', '.join(METHODS)}",
            zh="未知的评价方法",
            field="method",
            values=[method],
        )
    if target.cumulative:
        raise InputError(
            en=f"target {target.key!r} is a cumulative ceiling (a budget over the period): its "
            "status is the budget's, not a path's",
            zh="累计上限目标按预算评价",
            field="cumulative",
        )
    what = f"target {target.key!r}"
    try:
        obs = observed_in(values, unit, indicator, what=what)
    except InputError as exc:
        raise InputError(
            en=exc.en,
            zh=f"目标“{target.key}”的观测值单位“{unit}”不能换算为指标"
            f"“{indicator.name_zh}”的单位“{indicator.unit}”",
            field="unit",
            values=exc.values,
        ) from exc
    start, last = target.start_year, target.last_year
    span = {y: v for y, v in obs.items() if start <= y <= last}
    if year is None:
        after = [y for y in obs if y > start]
        if not after:
            raise InputError(
                en=f"{what}: no observed value of {indicator.key!r} after the start year {start}",
                zh=f"目标“{target.key}”：{start}年以后没有观测值",
                field="year",
            )
        year = max(after)
    if year <= start:
        raise InputError(
            en=f"{what}: year {year} is not after the start year {start} (the baseline)",
            zh=f"评价年份须晚于基期{start}年",
            field="year",
            values=[year],
        )
    at = min(year, last)
    if at not in span:
        raise _no_value(target, indicator, at)
    base = target.base_value if target.base_value is not None else span.get(start)
    if base is None:
        raise InputError(
            en=f"indicator {indicator.key!r} ({indicator.name_en}) has no baseline for unit "
            f"{target.unit_code}: target {target.key!r} gives no base_value and no value is "
            f"observed in {start}; give base_year and base_value, or the {start} value",
            zh=f"指标“{indicator.name_zh}”缺少基期值：请在目标“{target.key}”中给出基期年份和"
            f"基期值，或提供{start}年的观测值",
            field="base_value",
            values=[indicator.key],
        )
    # the baseline as the target's own, so that progress() counts the task from it
    based = target.model_copy(update={"base_year": start, "base_value": base})
    try:
        p = progress(based, indicator, span, indicator.unit, year=at)
    except InputError as exc:
        raise InputError(
            en=exc.en,
            zh=f"目标“{target.key}”的目标值单位“{target.value_unit}”不能换算为指标单位"
            f"“{indicator.unit}”",
            field=exc.field,
            values=exc.values,
        ) from exc
    level, actual = p.target_value, p.actual
    sign = 1.0 if target.kind == "floor" else -1.0  # +: higher is better
    # achieved since the baseline: progress()'s; required over the whole span: the same rate
    achieved_rate = None if p.achieved_rate_pct is None else p.achieved_rate_pct / 100.0
    required_rate = compound_rate(base, level, last - start)
    within_at_base = sign * (base - level) >= -_EPS * max(1.0, abs(level))
    ratio: float | None = None
    reason: Reason
    status: Status
    if p.meets_target:
        status, reason = "achieved", "target_met"
    elif at == last:
        status, reason = "off_track", "deadline_missed"
    elif target.annual:
        status, reason = "off_track", "annual_missed"
    elif within_at_base:
        status, reason = "off_track", "slipped_back"
    else:
        if method == "linear":
            ratio = (p.task_achieved_pct or 0.0) / p.time_elapsed_pct
        else:
            if achieved_rate is None or required_rate is None:
                raise InputError(
                    en=f"{what}: the required-growth method needs positive values (baseline "
                    f"{base:g}, {at} {actual:g}, target {level:g} {indicator.unit}); use the "
                    "linear method",
                    zh="所需增速法要求数值为正，请改用线性路径法",
                    field="method",
                    values=[method],
                )
            ratio = achieved_rate / required_rate
        reason = "ratio"
        status = (
            "on_track"
            if ratio >= ON_TRACK - _EPS
            else "at_risk"
            if ratio >= AT_RISK - _EPS
            else "off_track"
        )
    return Assessment(
        target=target.key,
        indicator=indicator.key,
        unit_code=target.unit_code,
        method=method,
        year=at,
        base_year=start,
        base_value=base,
        last_year=last,
        actual=actual,
        target_value=level,
        unit=indicator.unit,
        achieved_rate_pct=p.achieved_rate_pct,
        required_rate_pct=None if required_rate is None else 100.0 * required_rate,
        remaining_rate_pct=p.required_rate_pct,
        time_elapsed_pct=p.time_elapsed_pct,
        task_achieved_pct=p.task_achieved_pct,
        ratio=ratio,
        status=status,
        reason=reason,
    )


@dataclass(frozen=True)
class StatusReport:
    """Every target's status in a registry: ``assessments`` for the targets with an
    observed value; ``without_data`` the keys of those without one in the year asked."""

    method: Method
    assessments: list[Assessment]
    without_data: list[str]


def registry_status(
    registry: Registry,
    *,
    year: int | None = None,
    method: Method = "required_growth",
    targets: Iterable[str] | None = None,
) -> StatusReport:
    """The status of the registry's targets (all, or those named; withdrawn ones and
    budgets left out) from its observations, each with the observation's source."""
    keys = sorted(registry.targets) if targets is None else list(targets)
    found: list[Assessment] = []
    missing: list[str] = []
    for key in keys:
        if key not in registry.targets:
            raise InputError(
                en=f"unknown target {key!r}; targets: {', '.join(sorted(registry.targets))}",
                zh="未登记的目标",
                field="target",
                values=[key],
            )
        t = registry.targets[key]
        if t.status == "withdrawn" or t.cumulative:
            continue
        ind = registry.indicator(t.indicator)
        series = registry.series(t.indicator, t.unit_code)
        # observations are each in their own unit: bring them to the indicator's first
        values = {
            y: observed_in({y: ob.value}, ob.unit, ind, what=f"target {key!r}")[y]
            for y, ob in series.items()
        }
        latest = [y for y in values if y > t.start_year and (year is None or y <= year)]
        at = min(year if year is not None else max(latest, default=0), t.last_year)
        if not latest or at not in values:
            missing.append(key)
            continue
        a = assess(t, ind, values, ind.unit, year=at, method=method)
        ob = series[a.year]
        found.append(replace(a, source=ob.source, observation_status=ob.status))
    return StatusReport(method=method, assessments=found, without_data=missing)
