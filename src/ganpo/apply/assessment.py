"""Comprehensive assessment per county and year (docs/applications.md).

From the stored account of the year (and of earlier years): GEP, GEP per km², GEP growth
at constant prices, GEP/GDP (GDP from an input table), the "two mountains" conversion
value (material products + cultural services) and rate (conversion value / GEP); the
Green Development Index scored from an indicator table with the framework's structure and
weights (:class:`ganpo.apply.rules.AssessmentFramework`); rankings and grades; early
warnings when a metric falls below a threshold or declines a number of years running.

GDI scoring (efficacy-coefficient form, [U] for the indicator level): for indicator j and
unit u with value x,

.. math:: y_{uj} = 60 + 40\\,\\frac{x_{uj} - \\min_u x_{uj}}{\\max_u x_{uj} - \\min_u x_{uj}}

(reversed for negative indicators; 100 when all units have the same value); a missing
value scores 60 (docs/applications.md). Category index = Σ wⱼ yⱼ / Σ wⱼ over its indicators;
GDI = Σ W_c · index_c / 100 with the category weights W_c in % (verified).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ganpo.apply.assessment_warnings import assessment_warnings
from ganpo.apply.gepdata import (
    account_deflator,
    account_for_year,
    constant_price_growth,
    county_gep,
)
from ganpo.apply.inputs import (
    UnitTable,
    file_sha256,
    read_csv,
    read_table_in_units,
    split_header,
)
from ganpo.apply.rules import AssessmentFramework, StoredRule
from ganpo.catalog.units import conversion_factor
from ganpo.engine.prices import restate_results
from ganpo.errors import InputError, halves_of, preview
from ganpo.io.gdp_units import GDP_UNITS, GdpCell, gdp_slip, slip_refusal
from ganpo.store import applications as store
from ganpo.store.lifecycle import preferred_account
from ganpo.store.repository import list_accounts, load_account

#: the largest GDP a county may have: 10⁹ 亿元 (as ganpo's dual-control GDP) [CNY]
MAX_GDP_CNY = 1e17
#: the largest size of a GDI indicator value, in the framework's unit
MAX_INDICATOR = 1e15
_ZH = {"GDP table": "GDP 表", "indicator table": "指标表"}


@contextmanager
def _named(path: Path) -> Iterator[None]:
    """Name ``path`` in an input error that does not name its file (a unit of a header)."""
    try:
        yield
    except InputError as exc:
        if exc.source is not None:
            raise
        en, zh = halves_of(exc)  # the refusal's own halves, now with the file
        zh = zh if zh != en else "该文件有误：" + en
        raise InputError(en=en, zh=zh, source=path, field=exc.field, values=exc.values) from exc


def indicator_scores(
    values: pd.DataFrame,
    directions: Mapping[str, str],
    *,
    floor: float = 60.0,
    span: float = 40.0,
    missing_score: float = 60.0,
) -> pd.DataFrame:
    """Scores of units (rows) × indicators (columns) by the efficacy-coefficient form.

    Parameters
    ----------
    values : indicator values, NaN where missing [indicator units]
    directions : indicator → ``positive`` (more is better) or ``negative``
    floor, span : score of the worst unit and the range to the best [points]
    missing_score : score of a missing value [points]

    >>> v = pd.DataFrame({"a": [1.0, 3.0, np.nan]}, index=[1, 2, 3])
    >>> indicator_scores(v, {"a": "positive"})["a"].tolist()
    [60.0, 100.0, 60.0]
    """
    out = pd.DataFrame(index=values.index)
    for col in values.columns:
        x = values[col].astype("float64")
        lo, hi = x.min(), x.max()
        if pd.isna(lo):
            out[col] = missing_score
            continue
        if hi == lo:
            scaled = pd.Series(1.0, index=x.index)
        elif directions[col] == "positive":
            scaled = (x - lo) / (hi - lo)
        else:
            scaled = (hi - x) / (hi - lo)
        out[col] = (floor + span * scaled).where(x.notna(), missing_score)
    return out


def green_development_index(scores: pd.DataFrame, framework: AssessmentFramework) -> pd.DataFrame:
    """Category indices and the GDI per unit from indicator scores.

    >>> from ganpo.apply.rules import load_rule
    >>> fw = load_rule("green-development-index")
    >>> keys = [i.key for c in fw.categories for i in c.indicators]
    >>> s = pd.DataFrame({k: [60.0] for k in keys})
    >>> round(float(green_development_index(s, fw)["gdi"].iloc[0]), 9)
    60.0
    """
    out = pd.DataFrame(index=scores.index)
    gdi = pd.Series(0.0, index=scores.index)
    for cat in framework.categories:
        w = np.array([i.weight for i in cat.indicators])
        block = scores[[i.key for i in cat.indicators]].to_numpy()
        out[cat.key] = block @ w / w.sum()
        gdi = gdi + cat.weight_pct * out[cat.key] / 100.0
    out["gdi"] = gdi
    return out


def grade_of(score: float, framework: AssessmentFramework) -> str:
    """The first grade (highest threshold first) whose minimum the score reaches."""
    for g in sorted(framework.grades, key=lambda g: -g.min_score):
        if score >= g.min_score:
            return g.grade
    return ""


def declined(series: list[float], years: int) -> bool:
    """Whether the last ``years`` year-on-year changes were all declines.

    >>> declined([5.0, 4.0, 3.0], 2), declined([5.0, 4.0, 4.5], 2), declined([4.0, 3.0], 2)
    (True, False, False)
    """
    if len(series) < years + 1 or any(pd.isna(v) for v in series[-(years + 1) :]):
        return False
    tail = series[-(years + 1) :]
    return all(b < a for a, b in itertools.pairwise(tail))


@dataclass
class Assessment:
    rule: StoredRule
    year: int
    table: pd.DataFrame  # one row per county
    warnings: pd.DataFrame  # assessment_warnings.COLUMNS
    account_ids: list[int]
    inputs: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def framework(self) -> AssessmentFramework:
        assert isinstance(self.rule.rule, AssessmentFramework)
        return self.rule.rule


def _read_indicators(path: Path, framework: AssessmentFramework) -> tuple[pd.DataFrame, list[str]]:
    """The GDI indicator table (all years), with the framework's units; absent → NaN."""
    headers = [split_header(str(c))[0] for c in read_csv(path, "indicator table").columns]
    units = {i.key: i.unit for c in framework.categories for i in c.indicators}
    unknown = sorted(set(headers) - set(units) - {"county_adcode", "county_name", "name", "year"})
    if unknown:
        raise InputError(
            en=f"indicator table has column(s) {preview(unknown)} that framework "
            f"{framework.name!r} does not know; its indicators: {', '.join(units)}",
            zh=f"指标表的列 {preview(unknown)} 不是考核框架 {framework.name} 的指标；"
            f"框架的指标为 {', '.join(units)}",
            source=path,
            field="columns",
            values=unknown,
        )
    with _named(path):
        table = read_table_in_units(
            path,
            {},
            what="indicator table",
            optional=units,
            extra_keys=("year",),
            allow_missing=True,
        ).frame
    for key in units:
        if key not in table.columns:
            continue
        huge = table[key].abs() > MAX_INDICATOR
        if huge.any():
            codes = table.loc[huge, "county_adcode"].tolist()
            shown = table.loc[huge, key].tolist()
            raise InputError(
                en=f"indicator table: column {key!r} holds {preview(shown)} for county_adcode "
                f"{preview(codes)}, beyond {MAX_INDICATOR:g} {units[key]} in size; check the "
                "value and the unit in the header",
                zh=f"指标表 {key} 列中县 {preview(codes)} 的值 {preview(shown)} 超出合理范围"
                f"（绝对值不超过 {MAX_INDICATOR:g} {units[key]}）；请检查数值及表头中的单位",
                source=path,
                field=key,
                values=shown,
            )
    absent = [k for k in units if k not in table.columns]
    for k in absent:
        table[k] = np.nan
    notes = (
        [
            f"indicator(s) absent from the table score {framework.missing_score:g}: "
            f"{', '.join(absent)}"
        ]
        if absent
        else []
    )
    return table, notes


def _gep_history(
    engine: Engine, year: int, years_back: int, deflator_of: Any
) -> dict[int, pd.Series]:
    """GEP per km² per county at constant ``year`` prices for earlier stored years."""
    out: dict[int, pd.Series] = {}
    stored = list_accounts(engine)
    for y in range(year - years_back, year + 1):
        chosen = preferred_account(a for a in stored if a.year == y)
        if chosen is None:  # none stored, or only withdrawn or superseded ones
            continue
        acc = load_account(engine, chosen.id)
        restated = restate_results(acc.results, acc.prices, y, deflator_of, year)
        gep = restated.groupby("county_adcode")["value_cny"].sum()
        area = acc.counties.set_index("county_adcode")["area_km2"]
        out[y] = (gep.reindex(area.index).fillna(0.0) / area).rename(y)
    return out


def _check_gdp_plausible(gdp: pd.DataFrame, read: UnitTable, gdp_path: Path) -> None:
    """Refuse a county's GDP outside the bounds of a county (:mod:`ganpo.io.gdp_units`):
    the unit of the header is then most likely wrong by 10⁴ (亿元 figures under
    ``gdp [万元]``, or 元 figures under it), named with the unit the figures look like.
    ``gdp``: the table's rows of the year, indexed by their row in the file; ``read``: the
    table as read (the header's unit; a unit other than 元, 万元 and 亿元 is checked in
    亿元)."""
    header, unit = read.headers["gdp"], read.units["gdp"]
    written_unit = unit if unit in GDP_UNITS else "亿元"
    per_cny = conversion_factor(written_unit, "CNY")  # CNY per unit written
    codes = gdp["county_adcode"].astype("int64").tolist()
    for row, code, cny in zip(gdp.index, codes, gdp["gdp"].astype("float64").tolist(), strict=True):
        value = cny / per_cny
        slip = gdp_slip(code, value, written_unit)
        if slip is None:
            continue
        where = GdpCell(
            ("GDP table", "GDP 表"), int(row), header, f"{value:g}", code, ("county_adcode", "县")
        )
        en, zh = slip_refusal(
            slip,
            where,
            unit_given=True,
            fix=(
                "correct the unit in the header (gdp [元], gdp [万元] or gdp [亿元])",
                "请更正表头中的单位（gdp [元]、gdp [万元] 或 gdp [亿元]）",
            ),
            where=("the header", "表头"),
        )
        raise InputError(en=en, zh=zh, source=gdp_path, field="gdp", values=[code])


def assess(
    engine: Engine,
    stored: StoredRule,
    year: int,
    gdp_path: Path,
    indicators_path: Path,
    *,
    account_id: int | None = None,
) -> Assessment:
    """Assess every county of the year's account (not stored: :func:`save_assessment`)."""
    framework = stored.rule
    if not isinstance(framework, AssessmentFramework):
        raise InputError(
            en=f"rule {framework.name!r} is not an assessment framework",
            zh=f"规则 {framework.name!r} 不是考核评价框架，请选择一个考核框架",
            field="rule",
        )
    acc = account_for_year(engine, year, account_id, purpose="assessment")
    notes: list[str] = []
    if acc.account.synthetic:
        notes.append("the account is computed from synthetic (demo) data / 账户基于合成示范数据")
    ids = [acc.account.id]
    table = county_gep(acc).set_index("county_adcode")
    counties = set(table.index)
    try:
        prev = account_for_year(engine, year - 1, purpose="growth")
    except InputError:
        prev = None
        notes.append(f"no account of {year - 1}: GEP growth is not computed")
    if prev is not None:
        growth = constant_price_growth(acc, prev).set_index("county_adcode")
        table["gep_growth_pct"] = 100.0 * growth["gep_growth"].reindex(table.index)
        ids.append(prev.account.id)
        notes.append(f"growth at constant {year - 1} prices against account {prev.account.id}")
    else:
        table["gep_growth_pct"] = np.nan

    with _named(gdp_path):  # read once: the values, the header's unit, the rows
        read = read_table_in_units(
            gdp_path, {"gdp": "CNY"}, what="GDP table", optional_keys=("year",)
        )
    gdp = read.frame.set_axis(read.rows)  # indexed by the row in the file
    if "year" in gdp.columns:
        gdp = gdp[gdp["year"] == year]
    _check_counties(gdp["county_adcode"], counties, gdp_path, "GDP table", require_all=True)
    not_positive = gdp.loc[gdp["gdp"] <= 0, "county_adcode"].tolist()
    if not_positive:
        raise InputError(
            en="GDP table: GDP must be positive; it is 0 or negative for county_adcode "
            f"{preview(not_positive)}",
            zh=f"GDP 表中县 {preview(not_positive)} 的 GDP 为 0 或负数；GDP 须为正数",
            source=gdp_path,
            field="gdp",
            values=not_positive,
        )
    huge = gdp["gdp"] > MAX_GDP_CNY
    if huge.any():
        codes = gdp.loc[huge, "county_adcode"].tolist()
        raise InputError(
            en=f"GDP table: GDP of county_adcode {preview(codes)} is "
            f"{preview(f'{v:g} CNY' for v in gdp.loc[huge, 'gdp'])}, more than "
            f"{MAX_GDP_CNY / 1e8:g} 亿元 (the world's GDP is some 10^7 亿元); check the value "
            "and the unit in the header",
            zh=f"GDP 表中县 {preview(codes)} 的 GDP 超过 "
            f"{MAX_GDP_CNY / 1e8:g} 亿元，请检查数值及表头中的单位",
            source=gdp_path,
            field="gdp",
            values=codes,
        )
    _check_gdp_plausible(gdp, read, gdp_path)
    table["gdp_cny"] = gdp.set_index("county_adcode")["gdp"].reindex(table.index)
    table["gep_gdp_ratio"] = table["gep_cny"] / table["gdp_cny"].where(table["gdp_cny"] > 0)
    table["conversion_cny"] = table["material_cny"] + table["cultural_cny"]
    table["conversion_rate"] = table["conversion_cny"] / table["gep_cny"].where(
        table["gep_cny"] != 0
    )

    ind_all, ind_notes = _read_indicators(indicators_path, framework)
    notes += ind_notes
    _check_counties(ind_all["county_adcode"], counties, indicators_path, "indicator table")
    keys = [i.key for c in framework.categories for i in c.indicators]
    if not (ind_all["year"] == year).any():
        years = sorted({int(y) for y in ind_all["year"]})
        raise InputError(
            en=f"indicator table has no row of {year} (years present: "
            f"{', '.join(map(str, years)) or 'none'}); give the indicators of the assessed "
            "year",
            zh=f"指标表中没有 {year} 年的数据（现有年份："
            f"{', '.join(map(str, years)) or '无'}）；请提供考核年份的指标",
            source=indicators_path,
            field="year",
            values=[year],
        )
    ind = ind_all[ind_all["year"] == year].set_index("county_adcode")[keys].reindex(table.index)
    absent_units = sorted(
        set(table.index) - set(ind_all.loc[ind_all["year"] == year, "county_adcode"])
    )
    if absent_units:
        notes.append(
            f"{len(absent_units)} county(ies) have no indicator row for {year} and score "
            f"{framework.missing_score:g} on every indicator: {preview(absent_units)}"
        )
    directions = {i.key: i.direction for c in framework.categories for i in c.indicators}
    scores = indicator_scores(
        ind,
        directions,
        floor=framework.score_floor,
        span=framework.score_span,
        missing_score=framework.missing_score,
    )
    gdi = green_development_index(scores, framework)
    table = pd.concat(
        [table, ind, gdi.add_prefix("index_").rename(columns={"index_gdi": "gdi"})], axis=1
    )
    table["missing_indicators"] = ind.isna().sum(axis=1)
    table["rank_gdi"] = table["gdi"].rank(ascending=False, method="min").astype(int)
    table["rank_gep_per_km2"] = table["gep_per_km2"].rank(ascending=False, method="min").astype(int)
    table["grade"] = [grade_of(float(s), framework) for s in table["gdi"]]
    warnings = _warnings(engine, framework, year, table, ind_all, account_deflator(acc))
    table = table.reset_index()
    inputs = [
        {"role": "gdp", "path": str(gdp_path), "sha256": file_sha256(gdp_path)},
        {
            "role": "indicators",
            "path": str(indicators_path),
            "sha256": file_sha256(indicators_path),
        },
    ]
    return Assessment(stored, year, table, warnings, ids, inputs, notes)


def _check_counties(
    codes: pd.Series, counties: set[int], path: Path, what: str, *, require_all: bool = False
) -> None:
    extra = sorted(set(codes) - counties)
    if extra:
        raise InputError(
            en=f"{what} has county adcode(s) {preview(extra)} that are not in the account",
            zh=f"{_ZH[what]}中的县级行政区划代码 {preview(extra)} 不在核算账户中",
            source=path,
            field="county_adcode",
            values=extra,
        )
    if require_all:
        missing = sorted(counties - set(codes))
        if missing:
            raise InputError(
                en=f"{what} lacks county adcode(s) {preview(missing)} of the account; add them",
                zh=f"{_ZH[what]}缺少核算账户中的县 {preview(missing)}，请补充",
                source=path,
                field="county_adcode",
                values=missing,
            )


def _warnings(
    engine: Engine,
    framework: AssessmentFramework,
    year: int,
    table: pd.DataFrame,
    ind_all: pd.DataFrame,
    deflator: Any,
) -> pd.DataFrame:
    """The framework's warnings on the tracking module (:mod:`ganpo.apply.
    assessment_warnings`): GEP per km² at constant ``year`` prices from the stored accounts,
    the other metrics' series from the indicator table."""
    max_back = max((w.decline_years or 0 for w in framework.warnings), default=0)
    history = _gep_history(engine, year, max_back, deflator) if max_back else {}

    def series(metric: str, code: int, years: int) -> list[float] | None:
        span = range(year - years, year + 1)
        if metric == "gep_per_km2":
            return [float(history[y].get(code, np.nan)) if y in history else np.nan for y in span]
        if metric in ind_all.columns:
            own = ind_all[ind_all["county_adcode"] == code].set_index("year")[metric]
            return [float(own.get(y, np.nan)) for y in span]
        return None

    names = {int(str(c)): str(n) for c, n in table["county_name"].items()}
    return assessment_warnings(framework, year, table, series, names)


def _num(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return None if pd.isna(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def save_assessment(engine: Engine, assessment: Assessment, actor: str) -> int:
    """Store the assessment (one line per county, one per warning) in one transaction."""
    lines = []
    for row in assessment.table.to_dict("records"):
        detail = {str(k): _num(v) for k, v in row.items() if k != "county_adcode"}
        lines.append(
            {
                "county_adcode": int(row["county_adcode"]),
                "item": "assessment",
                "value": _num(row["gdi"]),
                "amount_fen": None,
                "detail": detail,
            }
        )
    for w in assessment.warnings.to_dict("records"):
        lines.append(
            {
                "county_adcode": int(w["county_adcode"]),
                "item": f"warning:{w['metric']}",
                "value": _num(w["value"]),
                "amount_fen": None,
                "detail": {
                    "kind": w["kind"],
                    "level": w["level"],
                    "level_zh": w["level_zh"],
                    "level_en": w["level_en"],
                    "message_zh": w["message_zh"],
                    "message_en": w["message_en"],
                },
            }
        )
    run_id = store.save_run(
        engine,
        kind="assessment",
        rule_id=assessment.rule.id,
        year=assessment.year,
        account_ids=assessment.account_ids,
        inputs=assessment.inputs,
        params={"warnings": len(assessment.warnings)},
        notes=assessment.notes,
        lines=lines,
        actor=actor,
    )
    assessment.run_id = run_id
    return run_id
