"""Progress of a target from observed values by year (docs/tracking.md, "Progress").

For a target with level :math:`T` in its last year :math:`Y`, counted from the start year
:math:`b` (the base year, else the year before the period) with value :math:`x_b`, and an
observed value :math:`x_y` in year :math:`y`:

.. math::

    \\text{time elapsed} = \\frac{y - b}{Y - b}, \\qquad
    \\text{task achieved} = \\frac{x_b - x_y}{x_b - T}, \\qquad
    r_{\\text{achieved}} = \\Big(\\frac{x_y}{x_b}\\Big)^{1/(y-b)} - 1, \\qquad
    r_{\\text{required}} = \\Big(\\frac{T}{x_y}\\Big)^{1/(Y-y)} - 1

with :math:`T = x_b (1 - p/100)` for a reduction of :math:`p` %. "Time elapsed, task
achieved" (时间过半、任务过半) is the test the mid-term evaluations of the five-year plans
apply: a target is on track while the share of the task achieved is at least the share of
the time elapsed. The target gap is :math:`x_y - T` (:math:`T - x_y` for a floor) in the
indicator's unit, the exceedance the same relative to :math:`|T|` in %; both only where
the level binds: in the last year, or in every year for an annual limit. Annual rates
are compound (geometric), as the five-year plans' average annual rates are. The gaps are
signed so that a positive gap means behind: for a target where lower is better (ceiling,
reduction) rate gap = achieved − required, for a floor required − achieved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from ganpo.errors import InputError
from ganpo.tracking.model import Indicator, Target
from ganpo.tracking.units import unit_factor

Status = Literal["on_track", "behind", "met", "missed"]
#: a status's words in Chinese and English
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "on_track": ("进度正常", "on track"),
    "behind": ("进度滞后", "behind schedule"),
    "met": ("已完成", "met"),
    "missed": ("未完成", "missed"),
}
_EPS = 1e-12


@dataclass(frozen=True)
class Progress:
    """Where a target stands in one year. Values are in the indicator's unit; shares and
    rates in % (rates: annual change, negative a decrease); gaps in percentage points,
    positive when behind; ``None`` where a figure is not defined (no base value, the
    base already within the target, the period's last year, a value not positive)."""

    target: str
    indicator: str
    unit_code: int
    unit: str
    year: int
    start_year: int
    last_year: int
    base_value: float | None
    actual: float
    target_value: float
    time_elapsed_pct: float
    task_achieved_pct: float | None
    schedule_gap_pp: float | None
    achieved_rate_pct: float | None
    required_rate_pct: float | None
    rate_gap_pp: float | None
    target_exceedance_pct: float | None
    target_gap: float | None
    meets_target: bool
    status: Status

    def measures(self) -> dict[str, float | None]:
        """The measures warning rules grade (:data:`ganpo.tracking.model.MEASURES`)."""
        return {
            "schedule_gap_pp": self.schedule_gap_pp,
            "rate_gap_pp": self.rate_gap_pp,
            "target_exceedance_pct": self.target_exceedance_pct,
            "target_gap": self.target_gap,
        }


def what_zh(what: str) -> str:
    """``target 'x'`` / ``indicator 'x'`` as the Chinese half names them (目标 'x', 指标 'x').

    >>> what_zh("target 'forest_cover'"), what_zh("indicator 'gep'"), what_zh("gep")
    ("目标 'forest_cover'", "指标 'gep'", 'gep')
    """
    for en, zh in (("target ", "目标 "), ("indicator ", "指标 ")):
        if what.startswith(en):
            return zh + what[len(en) :]
    return what


def observed_in(
    values: Mapping[int, float], unit: str, indicator: Indicator, *, what: str
) -> dict[int, float]:
    """The observed values in the indicator's unit; a unit that does not convert, or a
    value that is not finite, is refused naming ``what``."""
    factor = unit_factor(unit, indicator.unit, what=f"{what}: observed values")
    bad = sorted(y for y, v in values.items() if not math.isfinite(float(v)))
    if bad:
        raise InputError(
            en=f"{what}: observed value missing or not finite in {', '.join(map(str, bad))}",
            zh=f"{what_zh(what)}：{', '.join(map(str, bad))} 年的观测值缺失或不是有限数",
            field="value",
            values=bad,
        )
    return {int(y): float(v) * factor for y, v in values.items()}


def target_level(target: Target, indicator: Indicator, base_value: float | None) -> float:
    """The target's level in its last year, in the indicator's unit."""
    if target.kind == "reduction_pct":
        if base_value is None:
            raise InputError(
                en=f"target {target.key!r}: the value of base year {target.base_year} is "
                "needed (give base_value or an observed value of that year)",
                zh="目标 "
                f"{target.key!r}：需要基准年 {target.base_year} 的值（请给出 base_value 或该年"
                "的观测值）",
                field="base_value",
                values=[target.base_year],
            )
        return base_value * (1.0 - target.value / 100.0)
    return target.value * unit_factor(
        target.value_unit, indicator.unit, what=f"target {target.key!r}, field value_unit"
    )


def progress(
    target: Target,
    indicator: Indicator,
    values: Mapping[int, float],
    unit: str,
    *,
    year: int | None = None,
) -> Progress:
    """The progress of ``target`` in ``year`` (default: the last observed year) from the
    indicator's observed ``values`` by year, given in ``unit``.

    Observed years must lie in the target's span (start year to last year); the base
    value is the target's ``base_value`` (in the indicator's unit) or else the value
    observed in the base year. A cumulative ceiling is a budget: :func:`ganpo.tracking.
    budget.budget`.
    """
    what = f"target {target.key!r}"
    if target.indicator != indicator.key:
        raise InputError(
            en=f"{what} is on indicator {target.indicator!r}, not {indicator.key!r}",
            zh=f"{what_zh(what)} 针对的指标是 {target.indicator!r}，不是 {indicator.key!r}",
            field="indicator",
            values=[indicator.key],
        )
    if target.cumulative:
        raise InputError(
            en=f"{what} is a cumulative ceiling (a budget over the period): use the budget",
            zh=f"{what_zh(what)} 是累计上限（整个时期的预算）：请按预算计算",
            field="cumulative",
        )
    obs = observed_in(values, unit, indicator, what=what)
    span = (target.start_year, target.last_year)
    outside = sorted(y for y in obs if not span[0] <= y <= span[1])
    if outside:
        raise InputError(
            en=f"{what}: observed year(s) {', '.join(map(str, outside))} outside the target's "
            f"span {span[0]}–{span[1]}; give only the years from the base year to the last "
            "year of the period",
            zh=f"{what_zh(what)}：观测年份 {', '.join(map(str, outside))} 超出"
            f"目标期 {span[0]}–{span[1]}；只填基准年至期末年的数据",
            field="year",
            values=outside,
        )
    if year is None:
        after = [y for y in obs if y > span[0]]
        if not after:
            raise InputError(
                en=f"{what}: no observed value after {span[0]}; progress needs one",
                zh=f"{what_zh(what)}：{span[0]} 年以后没有观测值；计算进展至少需要一个",
                field="year",
            )
        year = max(after)
    if not span[0] < year <= span[1]:
        raise InputError(
            en=f"{what}: year {year} is outside the target's period {span[0] + 1}–{span[1]}",
            zh=f"{what_zh(what)}：{year} 年不在目标期 {span[0] + 1}–{span[1]} 内",
            field="year",
            values=[year],
        )
    if year not in obs:
        raise InputError(
            en=f"{what}: no observed value for {year}",
            zh=f"{what_zh(what)}：没有 {year} 年的观测值",
            field="year",
            values=[year],
        )
    base = target.base_value
    if base is None and target.base_year is not None:
        base = obs.get(target.base_year)
    level = target_level(target, indicator, base)
    actual = obs[year]
    lower = target.kind != "floor"
    sign = 1.0 if lower else -1.0
    elapsed = (year - span[0]) / (span[1] - span[0])
    meets = sign * (actual - level) <= _EPS * max(1.0, abs(level))
    task: float | None = None
    if base is not None and sign * (base - level) > 0:
        task = (base - actual) / (base - level)
    achieved_rate = compound_rate(base, actual, year - span[0]) if base is not None else None
    required_rate = compound_rate(actual, level, span[1] - year) if year < span[1] else None
    rate_gap = (
        sign * (achieved_rate - required_rate)
        if achieved_rate is not None and required_rate is not None
        else None
    )
    # the level binds in the last year, or every year for an annual limit: only then is
    # being beyond it a fact rather than a stage on the way
    binding = year == span[1] or target.annual
    exceed = sign * (actual - level) / abs(level) if binding and level != 0 else None
    status: Status
    if year == span[1]:
        status = "met" if meets else "missed"
    elif task is not None and not target.annual:
        status = "on_track" if task >= elapsed - _EPS else "behind"
    else:
        status = "on_track" if meets else "behind"
    return Progress(
        target=target.key,
        indicator=indicator.key,
        unit_code=target.unit_code,
        unit=indicator.unit,
        year=year,
        start_year=span[0],
        last_year=span[1],
        base_value=base,
        actual=actual,
        target_value=level,
        time_elapsed_pct=100.0 * elapsed,
        task_achieved_pct=None if task is None else 100.0 * task,
        schedule_gap_pp=None if task is None else 100.0 * (elapsed - task),
        achieved_rate_pct=None if achieved_rate is None else 100.0 * achieved_rate,
        required_rate_pct=None if required_rate is None else 100.0 * required_rate,
        rate_gap_pp=None if rate_gap is None else 100.0 * rate_gap,
        target_exceedance_pct=None if exceed is None else 100.0 * exceed,
        target_gap=sign * (actual - level) if binding else None,
        meets_target=meets,
        status=status,
    )


def compound_rate(start: float, end: float, years: int) -> float | None:
    """Compound annual change from ``start`` to ``end`` over ``years`` (a fraction);
    ``None`` when ``years`` is not positive or a value is not positive.

    >>> round(compound_rate(100.0, 121.0, 2), 6)
    0.1
    """
    if years <= 0 or start <= 0 or end <= 0:
        return None
    return float((end / start) ** (1.0 / years) - 1.0)


def adverse_years(values: Mapping[int, float], direction: str) -> int:
    """How many years running, up to the last observed year, the value moved the adverse
    way (fell where higher is better, rose where lower is better); a missing year or a
    move the right way (or none) ends the run.

    >>> adverse_years({2021: 5.0, 2022: 4.0, 2023: 3.0}, "higher_is_better")
    2
    >>> adverse_years({2020: 3.0, 2021: 4.0, 2023: 5.0}, "lower_is_better")  # 2022 missing
    0
    >>> adverse_years({2022: 4.0, 2023: 4.0}, "higher_is_better")
    0
    """
    if not values:
        return 0
    sign = -1.0 if direction == "higher_is_better" else 1.0
    year, run = max(values), 0
    while year - 1 in values and sign * (values[year] - values[year - 1]) > 0:
        run += 1
        year -= 1
    return run
