"""Early warnings: a warning rule grades one measure of a progress or a budget into levels
(docs/tracking.md, "Warnings").

A rule's levels go from the most severe down; the first whose threshold the measure
reaches (``>=``; ``>`` when the rule is ``strict``) gives the warning, so each cause (rule
× target, or rule × indicator × unit for runs of adverse years) yields at most one
warning. A measure that is not defined (``None``) raises none. Each warning carries its
level, indicator, unit, year, the measure and threshold that triggered it, the figures
behind them, and a message in Chinese and in English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import pandas as pd

from ganpo.tracking.budget import Budget
from ganpo.tracking.model import MEASURES, Indicator, Level, WarningRule
from ganpo.tracking.progress import Progress, adverse_years, observed_in

#: columns of :func:`warnings_table`
COLUMNS = [
    "level",
    "level_zh",
    "level_en",
    "rule",
    "measure",
    "indicator",
    "unit_code",
    "year",
    "target",
    "value",
    "threshold",
    "actual",
    "target_value",
    "message_zh",
    "message_en",
]


@dataclass(frozen=True)
class EarlyWarning:
    """One early warning: ``value`` is the measure that reached ``threshold``;
    ``actual`` and ``target_value`` are the indicator's value and target level in its
    unit (for a budget: the budget used and the budget; for a run of adverse years: the
    last value and none)."""

    level: str
    level_zh: str
    level_en: str
    rule: str
    measure: str
    indicator: str
    unit_code: int
    year: int
    target: str | None
    value: float
    threshold: float
    actual: float | None
    target_value: float | None
    message_zh: str
    message_en: str


def level_reached(rule: WarningRule, value: float | None) -> Level | None:
    """The most severe level of ``rule`` that ``value`` reaches, else ``None``.

    >>> from ganpo.tracking.model import WarningRule
    >>> r = WarningRule.model_validate({"key": "k", "measure": "schedule_gap_pp", "levels": [
    ...     {"level": "red", "name_zh": "红", "name_en": "red", "threshold": 20},
    ...     {"level": "yellow", "name_zh": "黄", "name_en": "yellow", "threshold": 5}]})
    >>> [getattr(level_reached(r, v), "level", None) for v in (4.99, 5.0, 19.9, 20.0)]
    [None, 'yellow', 'yellow', 'red']
    """
    if value is None:
        return None
    for lv in rule.levels:
        if value > lv.threshold or (not rule.strict and value == lv.threshold):
            return lv
    return None


def _applies(rule: WarningRule, indicator: str) -> bool:
    return not rule.indicators or indicator in rule.indicators


def _who(
    indicator: Indicator, unit_code: int, year: int, names: Mapping[int, str]
) -> tuple[str, str]:
    name = names.get(unit_code)
    return (
        f"{name or f'{unit_code}（区划代码）'}{year}年{indicator.name_zh}",
        f"{indicator.name_en}, {name or f'unit {unit_code}'}, {year}",
    )


def _n(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e6 else f"{x:,.0f}"


def evaluate(
    rules: Iterable[WarningRule],
    indicator: Indicator,
    subject: Progress | Budget,
    *,
    unit_names: Mapping[int, str] | None = None,
) -> list[EarlyWarning]:
    """The warnings the rules raise on one progress or budget (one per rule at most)."""
    names = unit_names or {}
    out: list[EarlyWarning] = []
    measures = subject.measures()
    for rule in rules:
        if rule.measure not in measures or not _applies(rule, indicator.key):
            continue
        value = measures[rule.measure]
        lv = level_reached(rule, value)
        if lv is None or value is None:
            continue
        zh, en = _message(indicator, subject, rule, value, lv, names)
        actual = subject.actual if isinstance(subject, Progress) else subject.used
        tvalue = subject.target_value if isinstance(subject, Progress) else subject.budget
        out.append(
            EarlyWarning(
                level=lv.level,
                level_zh=lv.name_zh,
                level_en=lv.name_en,
                rule=rule.key,
                measure=rule.measure,
                indicator=indicator.key,
                unit_code=subject.unit_code,
                year=subject.year,
                target=subject.target,
                value=value,
                threshold=lv.threshold,
                actual=actual,
                target_value=tvalue,
                message_zh=zh,
                message_en=en,
            )
        )
    return out


def _message(
    ind: Indicator,
    s: Progress | Budget,
    rule: WarningRule,
    value: float,
    lv: Level,
    names: Mapping[int, str],
) -> tuple[str, str]:
    measure = rule.measure
    who_zh, who_en = _who(ind, s.unit_code, s.year, names)
    uz, ue = ind.unit_in("zh"), ind.unit_in("en")
    unit_zh, unit_en = MEASURES[measure][0], MEASURES[measure][0]
    if isinstance(s, Budget):
        when = s.exhaustion_year
        zh_end = f"按{s.year}年的速度将于{when}年用尽" if when else "按当前速度不会用尽"
        en_end = (
            f"at the rate of {s.year} it runs out in {when}"
            if when
            else "not exhausted at the current rate"
        )
        body_zh = (
            f"{s.first_year}—{s.last_year}年预算{_n(s.budget)}{uz}，已使用{_n(s.used)}{uz}"
            f"（{value:.1f}%），时间进度{s.time_elapsed_pct:.1f}%，{zh_end}"
        )
        body_en = (
            f"{_n(s.used)} {ue} of the {s.first_year}–{s.last_year} budget of "
            f"{_n(s.budget)} {ue} used ({value:.1f} %) with {s.time_elapsed_pct:.1f} % of the "
            f"time elapsed; {en_end}"
        )
        unit_zh, unit_en = "%", " %"
    elif measure == "schedule_gap_pp":
        body_zh = (
            f"时间进度{s.time_elapsed_pct:.1f}%，任务完成{s.task_achieved_pct:.1f}%，"
            f"落后{value:.1f}个百分点"
        )
        body_en = (
            f"{s.time_elapsed_pct:.1f} % of the time elapsed, {s.task_achieved_pct:.1f} % of "
            f"the task achieved: {value:.1f} percentage points behind"
        )
        unit_zh, unit_en = "个百分点", " percentage points"
    elif measure == "rate_gap_pp":
        years = s.last_year - s.year
        body_zh = (
            f"{s.start_year}年以来年均变化{s.achieved_rate_pct:+.2f}%，"
            f"剩余{years}年需年均变化{s.required_rate_pct:+.2f}%，相差{value:.2f}个百分点"
        )
        body_en = (
            f"annual change {s.achieved_rate_pct:+.2f} % since {s.start_year}, "
            f"{s.required_rate_pct:+.2f} % a year needed over the remaining {years} "
            f"year(s): {value:.2f} percentage points short"
        )
        unit_zh, unit_en = "个百分点", " percentage points"
    else:  # target_exceedance_pct, target_gap
        above = s.target_value <= s.actual
        by_zh, by_en = f"{value:.1f}%", f"{value:.1f} %"
        unit_zh, unit_en = "%", " %"
        if measure == "target_gap":
            by_zh, by_en = f"{_n(value)}{uz}", f"{_n(value)} {ue}"
            unit_zh, unit_en = uz, f" {ue}"
        body_zh = (
            f"实际值{_n(s.actual)}{uz}，目标值{_n(s.target_value)}{uz}，"
            f"{'超出' if above else '低于'}目标{by_zh}"
        )
        body_en = (
            f"{_n(s.actual)} {ue} against a target of {_n(s.target_value)} {ue}: "
            f"{by_en} {'above' if above else 'below'} it"
        )
    thr_zh = f"{lv.threshold:g}{unit_zh}"
    thr_en = f"{lv.threshold:g}{unit_en}"
    return _sentence(who_zh, who_en, body_zh, body_en, rule, lv, thr_zh, thr_en)


def _sentence(
    who_zh: str,
    who_en: str,
    body_zh: str,
    body_en: str,
    rule: WarningRule,
    lv: Level,
    thr_zh: str,
    thr_en: str,
) -> tuple[str, str]:
    verb_zh, verb_en = ("超过", "above") if rule.strict else ("达到", "at or above")
    return (
        f"{who_zh}：{body_zh}，{verb_zh}{lv.name_zh}预警阈值（{thr_zh}）。",
        f"{who_en}: {body_en}; {lv.name_en} warning ({verb_en} the threshold of {thr_en}).",
    )


def adverse_warnings(
    rules: Iterable[WarningRule],
    indicator: Indicator,
    unit_code: int,
    values: Mapping[int, float],
    unit: str,
    *,
    unit_names: Mapping[int, str] | None = None,
) -> list[EarlyWarning]:
    """Warnings of the ``adverse_years`` rules on one unit's observed series (no target
    needed): how many years running the value moved the adverse way up to its last
    year."""
    names = unit_names or {}
    obs = observed_in(values, unit, indicator, what=f"indicator {indicator.key!r}")
    if not obs:
        return []
    run = adverse_years(obs, indicator.direction)
    year = max(obs)
    out: list[EarlyWarning] = []
    for rule in rules:
        if rule.measure != "adverse_years" or not _applies(rule, indicator.key):
            continue
        lv = level_reached(rule, float(run))
        if lv is None:
            continue
        series = " → ".join(_n(obs[y]) for y in range(year - run, year + 1))
        who_zh, who_en = _who(indicator, unit_code, year, names)
        way_zh = "下降" if indicator.direction == "higher_is_better" else "上升"
        way_en = "fell" if indicator.direction == "higher_is_better" else "rose"
        zh, en = _sentence(
            who_zh,
            who_en,
            f"连续{run}年{way_zh}（{series}{indicator.unit_in('zh')}）",
            f"{way_en} {run} years running ({series} {indicator.unit_in('en')})",
            rule,
            lv,
            f"{lv.threshold:g}年",
            f"{lv.threshold:g} years",
        )
        out.append(
            EarlyWarning(
                level=lv.level,
                level_zh=lv.name_zh,
                level_en=lv.name_en,
                rule=rule.key,
                measure=rule.measure,
                indicator=indicator.key,
                unit_code=unit_code,
                year=year,
                target=None,
                value=float(run),
                threshold=lv.threshold,
                actual=obs[year],
                target_value=None,
                message_zh=zh,
                message_en=en,
            )
        )
    return out


def warnings_table(warnings: Iterable[EarlyWarning]) -> pd.DataFrame:
    """The warnings as a table (:data:`COLUMNS`), in the order given."""
    return pd.DataFrame([asdict(w) for w in warnings], columns=COLUMNS)
