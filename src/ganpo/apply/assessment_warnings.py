"""The assessment's early warnings on the tracking module (docs/decisions/0032, "How the
GEP assessment's warnings move onto the module").

An assessment framework's ``[[warnings]]`` become tracking data:

- each metric a rule names is an :class:`~ganpo.tracking.model.Indicator` (a GDI
  indicator's key, names, unit; ``positive`` → ``higher_is_better``, ``negative`` →
  ``lower_is_better``; the assessment's own metrics of :data:`ASSESSMENT_INDICATORS`);
- ``below = X`` is, per county and assessment year, an annual floor target at X and a
  strict rule on the target gap at 0 (it warns exactly when the value is below X);
- ``decline_years = n`` is a rule on the run of adverse years at n, evaluated on the
  county's series of the n + 1 years up to the assessment year, only when every one of
  them is observed (the assessment's :func:`~ganpo.apply.assessment.declined`).

Each warning carries the level and a message in Chinese and English from
:mod:`ganpo.tracking.early_warning`. A ``below`` rule on an indicator where lower is
better is refused when the framework is registered: a floor does not fit it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ganpo.apply.rules import AssessmentFramework
from ganpo.errors import InputError
from ganpo.tracking.early_warning import EarlyWarning, adverse_warnings, evaluate
from ganpo.tracking.model import Indicator, Level, Target, WarningRule
from ganpo.tracking.progress import progress
from ganpo.tracking.registry import Registry

#: the assessment's own metrics as tracked indicators: key → (zh, en, unit, unit_zh, unit_en)
ASSESSMENT_INDICATORS: dict[str, tuple[str, str, str, str, str]] = {
    "gep_cny": ("生态系统生产总值", "GEP", "CNY", "元", "CNY"),
    "gep_per_km2": ("单位面积GEP", "GEP per km²", "CNY/km2", "元/平方千米", "CNY/km²"),
    "gep_growth_pct": ("GEP不变价增长率", "GEP growth at constant prices", "%", "%", "%"),
    "gep_gdp_ratio": ("GEP与GDP之比", "GEP/GDP", "1", "倍", "times"),
    "conversion_cny": ("两山转化值", "'two mountains' conversion value", "CNY", "元", "CNY"),
    "conversion_rate": ("两山转化率", "conversion rate", "1", "（比率）", "(ratio)"),
    "gdi": ("绿色发展指数", "Green Development Index", "1", "分", "points"),
}

#: the one level of a rule from an assessment framework (the file has no levels yet)
WARNING_LEVEL = Level(level="warning", name_zh="预警", name_en="warning", threshold=0.0)

#: columns of the assessment's warning table
COLUMNS = [
    "county_adcode",
    "county_name",
    "metric",
    "kind",
    "value",
    "level",
    "level_zh",
    "level_en",
    "message_zh",
    "message_en",
]

_SOURCE = "assessment framework"


def _indicator(framework: AssessmentFramework, metric: str) -> Indicator:
    gdi = framework.gdi_indicators()
    if metric in gdi:
        i = gdi[metric][1]
        return Indicator(
            key=metric,
            name_zh=i.name_zh,
            name_en=i.name_en,
            unit=i.unit or "1",
            direction="higher_is_better" if i.direction == "positive" else "lower_is_better",
        )
    zh, en, unit, unit_zh, unit_en = ASSESSMENT_INDICATORS[metric]
    return Indicator(
        key=metric,
        name_zh=zh,
        name_en=en,
        unit=unit,
        unit_zh=unit_zh,
        unit_en=unit_en,
        direction="higher_is_better",
    )


def _rule_key(metric: str, kind: str) -> str:
    return f"{kind}_{metric}"


def register_framework(framework: AssessmentFramework) -> Registry:
    """A registry with the framework's warning metrics as indicators and its rules as
    warning rules (``below`` → strict target gap at 0; ``decline_years`` → adverse years)."""
    reg = Registry()
    for w in framework.warnings:
        ind = _indicator(framework, w.metric)
        reg.register_indicators([ind])
        if w.below is not None and ind.direction == "lower_is_better":
            raise InputError(
                en=f"assessment framework {framework.name!r}: warning `below` on {w.metric!r}, an "
                "indicator where lower is better; a lower bound does not fit it (use "
                "decline_years, or a threshold on an indicator where higher is better)",
                zh="“低于阈值”预警不适用于越低越好的指标",
                field="warnings",
                values=[w.metric],
            )
        rules = []
        if w.below is not None:
            rules.append(
                WarningRule(
                    key=_rule_key(w.metric, "below"),
                    measure="target_gap",
                    indicators=[w.metric],
                    strict=True,
                    levels=[WARNING_LEVEL],
                )
            )
        if w.decline_years:
            rules.append(
                WarningRule(
                    key=_rule_key(w.metric, "decline"),
                    measure="adverse_years",
                    indicators=[w.metric],
                    levels=[WARNING_LEVEL.model_copy(update={"threshold": w.decline_years})],
                )
            )
        reg.register_rules(rules)
    return reg


def _row(code: int, name: str, metric: str, kind: str, w: EarlyWarning) -> dict[str, Any]:
    return {
        "county_adcode": code,
        "county_name": name,
        "metric": metric,
        "kind": kind,
        "value": w.actual,
        "level": w.level,
        "level_zh": w.level_zh,
        "level_en": w.level_en,
        "message_zh": w.message_zh,
        "message_en": w.message_en,
    }


def assessment_warnings(
    framework: AssessmentFramework,
    year: int,
    table: pd.DataFrame,
    series: Callable[[str, int, int], list[float] | None],
    names: Mapping[int, str],
) -> pd.DataFrame:
    """The warnings of ``framework`` on the assessment ``table`` of ``year`` (index:
    county adcode; a column per metric), one row per county and rule that warns
    (:data:`COLUMNS`). ``series(metric, county, years)`` gives the county's values of the
    ``years + 1`` years up to ``year`` (NaN where not observed), or ``None`` when the
    metric has no series. A missing value raises no warning."""
    reg = register_framework(framework)
    unit_names = {int(k): str(v) for k, v in names.items()}
    rows: list[dict[str, Any]] = []
    for w in framework.warnings:
        ind = reg.indicator(w.metric)
        for code in table.index:
            c = int(code)
            if w.below is not None and w.metric in table.columns:
                value = float(table.at[code, w.metric])  # type: ignore[arg-type]
                if np.isfinite(value):
                    floor = Target(
                        key=f"{w.metric}-{c}-{year}",
                        indicator=w.metric,
                        unit_code=c,
                        year=year,
                        kind="floor",
                        value=w.below,
                        value_unit=ind.unit,
                        annual=True,
                        source=_SOURCE,
                        status="adopted",
                    )
                    got = evaluate(
                        [reg.rules[_rule_key(w.metric, "below")]],
                        ind,
                        progress(floor, ind, {year: value}, ind.unit),
                        unit_names=unit_names,
                    )
                    rows += [_row(c, unit_names.get(c, str(c)), w.metric, "below", x) for x in got]
            if w.decline_years:
                values = series(w.metric, c, w.decline_years)
                if values is None or len(values) != w.decline_years + 1:
                    continue
                if not all(np.isfinite(v) for v in values):
                    continue  # as `declined`: every year of the run observed
                by_year = {year - w.decline_years + i: float(v) for i, v in enumerate(values)}
                got = adverse_warnings(
                    [reg.rules[_rule_key(w.metric, "decline")]],
                    ind,
                    c,
                    by_year,
                    ind.unit,
                    unit_names=unit_names,
                )
                rows += [_row(c, unit_names.get(c, str(c)), w.metric, "decline", x) for x in got]
    return pd.DataFrame(rows, columns=COLUMNS)
