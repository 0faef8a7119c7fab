"""The figures of the yearly report to the people's congress standing committee
(省政府关于生态文明高地建设情况的报告), each with its source record (docs/tracking.md,
"Stored series and the yearly report").

:func:`report_figures` turns a registry (targets from the decision's tracking file,
observations from the store) into plain rows, one per figure group, that
:mod:`ganpo.report.tracking_report` renders and the store keeps as JSON when a version is
issued, so that an issued version renders again from its own figures whatever the
series have become since:

- ``kind = "target"``: a target's status in the year (:func:`ganpo.tracking.status.
  assess`): the value observed and its source, the baseline and its source (the target's
  when it gives ``base_value``, else the observation's), the target level (converted to
  the indicator's unit) and the target's source;
- ``kind = "missing"``: a target without an observed value in the year, or without a
  baseline (the error's text says which);
- ``kind = "account"``: a value of GEP, GEP growth, carbon total or intensity of the year
  for a unit, with its source (the account or inventory id when ganpo computed it).

:func:`changes_between` lists what changed from an issued version's figures: indicator,
unit, year, old → new value and the new value's source.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ganpo.errors import InputError
from ganpo.tracking.model import Target
from ganpo.tracking.progress import observed_in
from ganpo.tracking.registry import Registry
from ganpo.tracking.status import REASON_NAMES, STATUS_NAMES, Method, assess

#: the indicators of chapter three (GEP and carbon), in its order
ACCOUNT_INDICATORS = ("gep", "gep_growth", "co2_total", "co2_intensity")
#: the indicators of the key figures of chapter one, when observed
KEY_INDICATORS = ("forest_cover", "good_air_days_share", "water_sections_good_share", "gep")


#: a unit's names in Chinese and English by its code (the caller's: the region table is
#: above tracking)
UnitNames = Callable[[int], tuple[str, str]]


def _code_names(code: int) -> tuple[str, str]:
    return str(code), str(code)


def _order(registry: Registry) -> dict[str, int]:
    keys = [k for p in registry.pillars.values() for c in p.clauses for k in c.indicators]
    return {k: i for i, k in enumerate(dict.fromkeys(keys))}


def _indicator_fields(registry: Registry, key: str) -> dict[str, Any]:
    ind = registry.indicator(key)
    link = registry.clause_of(key)
    return {
        "indicator": key,
        "indicator_zh": ind.name_zh,
        "indicator_en": ind.name_en,
        "unit": ind.unit,
        "unit_zh": ind.unit_in("zh"),
        "unit_en": ind.unit_in("en"),
        "pillar": link[0].key if link else "",
        "pillar_zh": link[0].name_zh if link else "",
        "pillar_en": link[0].name_en if link else "",
        "clause": link[1].key if link else "",
        "clause_zh": link[1].name_zh if link else "",
        "clause_en": link[1].name_en if link else "",
    }


def _unit_fields(code: int, names: UnitNames) -> dict[str, Any]:
    zh, en = names(code)
    return {"unit_code": code, "unit_name_zh": zh, "unit_name_en": en}


def _target_row(
    registry: Registry, t: Target, year: int, method: Method, names: UnitNames
) -> dict[str, Any]:
    ind = registry.indicator(t.indicator)
    series = registry.series(t.indicator, t.unit_code)
    values = {
        y: observed_in({y: ob.value}, ob.unit, ind, what=f"target {t.key!r}")[y]
        for y, ob in series.items()
    }
    base = {
        "kind": "missing",
        "target": t.key,
        "year": year,
        **_indicator_fields(registry, t.indicator),
        **_unit_fields(t.unit_code, names),
        "target_source": t.source,
        "target_status": t.status,
    }
    at = min(year, t.last_year)
    if at not in values:
        return {**base, "why": "no_value", "why_zh": f"{at}年无观测值",
                "why_en": f"no value observed for {at}"}  # fmt: skip
    try:
        a = assess(t, ind, values, ind.unit, year=at, method=method)
    except InputError as exc:
        if exc.field != "base_value":
            raise
        return {
            **base,
            "why": "no_baseline",
            "why_zh": f"缺少基期值（{t.start_year}年）",
            "why_en": f"no baseline ({t.start_year})",
        }
    ob = series[a.year]
    base_source = t.source if t.base_value is not None else series[a.base_year].source
    return {
        **base,
        "kind": "target",
        "method": method,
        "year": a.year,
        "actual": a.actual,
        "source": ob.source,
        "observation_status": ob.status,
        "base_year": a.base_year,
        "base_value": a.base_value,
        "base_source": base_source,
        "target_kind": t.kind,
        "target_value": a.target_value,
        "first_year": t.first_year,
        "last_year": a.last_year,
        "annual": t.annual,
        "ratio": a.ratio,
        "status": a.status,
        "status_zh": STATUS_NAMES[a.status][0],
        "status_en": STATUS_NAMES[a.status][1],
        "reason": a.reason,
        "reason_zh": REASON_NAMES[a.reason][0],
        "reason_en": REASON_NAMES[a.reason][1],
    }


def report_figures(
    registry: Registry,
    year: int,
    *,
    method: Method = "required_growth",
    names: UnitNames = _code_names,
) -> list[dict[str, Any]]:
    """Every figure of the ``year`` report: the targets in force in ``year`` (withdrawn
    ones and budgets left out) in the decision's order, then chapter three's values; units
    named by ``names`` (default: their codes)."""
    order = _order(registry)
    targets = sorted(
        (
            t
            for t in registry.targets.values()
            if t.status != "withdrawn" and not t.cumulative and t.start_year < year
        ),
        key=lambda t: (order.get(t.indicator, len(order)), t.unit_code, t.key),
    )
    rows = [_target_row(registry, t, year, method, names) for t in targets]
    for key in ACCOUNT_INDICATORS:
        if key not in registry.indicators:
            continue
        for (ind, code, y), ob in sorted(registry.observations.items()):
            if ind != key or y != year:
                continue
            rows.append(
                {
                    "kind": "account",
                    "year": y,
                    **_indicator_fields(registry, key),
                    **_unit_fields(code, names),
                    "value": observed_in({y: ob.value}, ob.unit, registry.indicator(key), what=key)[
                        y
                    ],
                    "source": ob.source,
                    "observation_status": ob.status,
                }
            )
    return rows


def figure_values(rows: Iterable[dict[str, Any]]) -> dict[tuple[str, int, int], dict[str, Any]]:
    """Every observed value a report shows, by (indicator, unit, year): the value, its
    unit and source (targets' levels are not observations and are left out)."""
    found: dict[tuple[str, int, int], dict[str, Any]] = {}
    for r in rows:
        common = {"indicator_zh": r["indicator_zh"], "indicator_en": r["indicator_en"],
                  "unit": r["unit"], "unit_name_zh": r["unit_name_zh"],
                  "unit_name_en": r["unit_name_en"]}  # fmt: skip
        key_unit = int(r["unit_code"])
        if r["kind"] == "target":
            found[(r["indicator"], key_unit, int(r["year"]))] = {
                **common,
                "value": r["actual"],
                "source": r["source"],
            }
            if r["base_source"] != r["target_source"]:  # an observed baseline
                found.setdefault(
                    (r["indicator"], key_unit, int(r["base_year"])),
                    {**common, "value": r["base_value"], "source": r["base_source"]},
                )
        elif r["kind"] == "account":
            found[(r["indicator"], key_unit, int(r["year"]))] = {
                **common,
                "value": r["value"],
                "source": r["source"],
            }
    return found


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)


def changes_between(
    old_rows: Iterable[dict[str, Any]], new_rows: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What changed from an issued version's figures to new ones: one row per
    (indicator, unit, year) whose value changed, appeared or went, with the old and new
    value (``None`` for none) and the new value's source (the old one's when it went)."""
    old, new = figure_values(old_rows), figure_values(new_rows)
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        va = None if a is None else float(a["value"])
        vb = None if b is None else float(b["value"])
        if _same(va, vb) and (a or {}).get("source") == (b or {}).get("source"):
            continue
        info = b or a
        assert info is not None
        changes.append(
            {
                "indicator": key[0],
                "unit_code": key[1],
                "year": key[2],
                "indicator_zh": info["indicator_zh"],
                "indicator_en": info["indicator_en"],
                "unit_name_zh": info["unit_name_zh"],
                "unit_name_en": info["unit_name_en"],
                "unit": info["unit"],
                "old": va,
                "new": vb,
                "old_source": None if a is None else a["source"],
                "source": info["source"],
            }
        )
    return changes
