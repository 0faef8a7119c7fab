"""Carbon emission dual control (碳排放双控): total CO2 emissions and CO2 emissions per
unit of GDP at constant prices, registered in the tracking module; their progress,
budgets and warnings per city and county; and the project what-if (项目碳评价).

The national work plan 《加快构建碳排放双控制度体系工作方案》 (国办发〔2024〕39号)
sets control of the total and of the intensity, local carbon assessment and the carbon
evaluation of projects. This module takes emissions as a plain table (the inventory's
totals, whichever the caller chooses): it never imports :mod:`ganpo.carbon`, so the
inventory may feed it and tracking stays below every domain that registers targets
(docs/decisions/0032-tracking-module.md).

Intensity (constant prices of one stated year :math:`p`):

.. math:: I_{u,y} = \\frac{E_{u,y}\\;[\\text{t}]}{\\text{GDP}^{(p)}_{u,y}\\;[10^4\\,\\text{CNY}]}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields

import pandas as pd

from ganpo.errors import InputError, preview
from ganpo.tracking.budget import Budget, budget
from ganpo.tracking.early_warning import EarlyWarning, evaluate, warnings_table
from ganpo.tracking.model import Target
from ganpo.tracking.progress import STATUS_NAMES, Progress, progress
from ganpo.tracking.registry import Registry, shipped_file
from ganpo.tracking.units import unit_factor

TOTAL = "co2_total"
INTENSITY = "co2_intensity"
#: the units of the table :func:`intensity_table` returns
TOTAL_UNIT = "万t CO2"
INTENSITY_UNIT = "t CO2/万元"
GDP_UNIT = "亿元"


def register(registry: Registry | None = None) -> Registry:
    """Register the two dual-control indicators and the shipped warning thresholds (a new
    registry when none is given)."""
    reg = registry if registry is not None else Registry()
    reg.load(shipped_file("dual-control"))
    return reg


#: the two tables of :func:`intensity_table`, as the Chinese half names them
_TABLE_ZH = {"emissions table": "排放量表", "GDP table": "地区生产总值表"}


def _pairs(rows: pd.DataFrame) -> list[tuple[int, int]]:
    return [(int(u), int(y)) for u, y in zip(rows["unit_code"], rows["year"], strict=True)]


def _columns(table: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(
            en=f"{what} lacks column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, table.columns)) or 'none'}",
            zh=f"{_TABLE_ZH.get(what, what)}"
            f"缺少列 {', '.join(missing)}；现有列 {', '.join(map(str, table.columns)) or '无'}",
            field="columns",
            values=missing,
        )


def intensity_table(
    emissions: pd.DataFrame,
    gdp: pd.DataFrame,
    *,
    emissions_unit: str = TOTAL_UNIT,
    gdp_unit: str = GDP_UNIT,
) -> pd.DataFrame:
    """Total emissions and intensity per unit and year.

    Parameters
    ----------
    emissions : columns ``unit_code``, ``year``, ``co2`` [``emissions_unit``, CO2]
    gdp : columns ``unit_code``, ``year``, ``gdp`` at constant prices [``gdp_unit``] and
        ``price_year`` (the year whose prices; one for the whole table)

    Returns ``unit_code, year, co2_total`` [万t CO2], ``gdp`` [亿元, constant prices],
    ``price_year``, ``co2_intensity`` [t CO2/万元]; ``attrs["price_year"]`` too.

    >>> e = pd.DataFrame({"unit_code": [360100], "year": [2023], "co2": [4500.0]})
    >>> g = pd.DataFrame({"unit_code": [360100], "year": [2023], "gdp": [7500.0],
    ...                   "price_year": [2020]})
    >>> float(intensity_table(e, g)["co2_intensity"].iloc[0])  # 4500e4 t / 7500e4 万元
    0.6
    """
    _columns(emissions, ("unit_code", "year", "co2"), "emissions table")
    _columns(gdp, ("unit_code", "year", "gdp", "price_year"), "GDP table")
    e_factor = unit_factor(emissions_unit, TOTAL_UNIT, what="emissions table, column co2")
    g_factor = unit_factor(gdp_unit, GDP_UNIT, what="GDP table, column gdp")
    years = sorted({int(y) for y in gdp["price_year"].dropna()})
    if len(years) != 1 or gdp["price_year"].isna().any():
        blanks = bool(gdp["price_year"].isna().any())
        raise InputError(
            en="GDP table: GDP must be at the constant prices of one year for the whole table; "
            f"price_year holds {', '.join(map(str, years)) or 'nothing'}"
            + (" and blanks" if blanks else ""),
            zh="地区生产总值表：整张表须按同一年份的不变价给出；price_year 列中为 "
            f"{'、'.join(map(str, years)) or '空'}" + ("，另有空值" if blanks else ""),
            field="price_year",
            values=years,
        )
    for name, t in (("emissions table", emissions), ("GDP table", gdp)):
        dup = t[t.duplicated(["unit_code", "year"], keep=False)]
        if len(dup):
            pairs = sorted(set(_pairs(dup)))
            raise InputError(
                en=f"{name}: unit and year given more than once: {preview(pairs)}",
                zh=f"{_TABLE_ZH[name]}：以下单位和年份重复填报：{preview(pairs)}",
                field="year",
                values=pairs,
            )
    e = emissions[["unit_code", "year", "co2"]].astype({"unit_code": int, "year": int})
    g = gdp[["unit_code", "year", "gdp"]].astype({"unit_code": int, "year": int})
    merged = e.merge(g, on=["unit_code", "year"], how="outer", indicator=True)
    for side, what in (("left_only", "GDP table"), ("right_only", "emissions table")):
        lack = merged[merged["_merge"] == side]
        if len(lack):
            pairs = sorted(_pairs(lack))
            raise InputError(
                en=f"{what} has no row for unit and year {preview(pairs)}; both tables need "
                "the same units and years",
                zh=f"{_TABLE_ZH[what]}缺少单位和年份 {preview(pairs)} "
                "的行；两张表须有相同的单位和年份",
                field="year",
                values=pairs,
            )
    out = merged.drop(columns="_merge").sort_values(["unit_code", "year"], ignore_index=True)
    out["co2_total"] = out.pop("co2").astype("float64") * e_factor
    out["gdp"] = out["gdp"].astype("float64") * g_factor
    bad_gdp = out.loc[~(out["gdp"] > 0), ["unit_code", "year"]]
    if len(bad_gdp):
        pairs = _pairs(bad_gdp)
        raise InputError(
            en=f"GDP table: GDP must be positive; it is not for unit and year {preview(pairs)}",
            zh=f"地区生产总值表：地区生产总值须大于 0；以下单位和年份不是：{preview(pairs)}",
            field="gdp",
            values=pairs,
        )
    negative = out.loc[~(out["co2_total"] >= 0), ["unit_code", "year"]]
    if len(negative):
        pairs = _pairs(negative)
        raise InputError(
            en="emissions table: emissions must be 0 or more (sinks are not netted in dual "
            f"control); not so for unit and year {preview(pairs)}",
            zh="排放量表：排放量须不小于 "
            f"0（双控不扣除碳汇）；以下单位和年份不是：{preview(pairs)}",
            field="co2",
            values=pairs,
        )
    out["price_year"] = years[0]
    # 万t → t is × 1e4, 亿元 → 万元 is × 1e4: the factors cancel
    out["co2_intensity"] = out["co2_total"] / out["gdp"]
    out = out[["unit_code", "year", "co2_total", "gdp", "price_year", "co2_intensity"]]
    out.attrs["price_year"] = years[0]
    return out


def series(table: pd.DataFrame, unit_code: int, indicator: str) -> dict[int, float]:
    """One unit's values of ``co2_total`` or ``co2_intensity`` by year from
    :func:`intensity_table`'s result."""
    rows = table[table["unit_code"] == unit_code]
    if rows.empty:
        raise InputError(
            en=f"no emissions and GDP for unit {unit_code}",
            zh=f"单位 {unit_code} 没有排放量和地区生产总值数据",
            field="unit_code",
            values=[unit_code],
        )
    return {int(y): float(v) for y, v in zip(rows["year"], rows[indicator], strict=True)}


def _unit_of(indicator: str) -> str:
    return TOTAL_UNIT if indicator == TOTAL else INTENSITY_UNIT


@dataclass(frozen=True)
class Standing:
    """Every dual-control target of one unit as of one year: progress (all but cumulative
    ceilings), budgets (cumulative ceilings, annual ceilings over more than a year) and
    warnings."""

    unit_code: int
    year: int
    progress: list[Progress] = field(default_factory=list)
    budgets: list[Budget] = field(default_factory=list)
    warnings: list[EarlyWarning] = field(default_factory=list)


def _in_span(values: Mapping[int, float], t: Target, year: int) -> dict[int, float]:
    return {y: v for y, v in values.items() if t.start_year <= y <= min(year, t.last_year)}


def standing(
    registry: Registry,
    table: pd.DataFrame,
    unit_code: int,
    year: int,
    *,
    unit_names: Mapping[int, str] | None = None,
) -> Standing:
    """Progress, budgets and warnings of the unit's dual-control targets covering
    ``year`` (observations of each target's span up to ``year``)."""
    prog: list[Progress] = []
    budg: list[Budget] = []
    warns: list[EarlyWarning] = []
    rules = list(registry.rules.values())
    for key in (TOTAL, INTENSITY):
        ind = registry.indicator(key)
        values = series(table, unit_code, key)
        for t in registry.targets_of(unit_code, key, year=year):
            obs = _in_span(values, t, year)
            if t.kind == "ceiling" and (t.cumulative or (t.annual and t.first_year < t.last_year)):
                in_period = {y: v for y, v in obs.items() if y >= t.first_year}
                b = budget(t, ind, in_period, _unit_of(key), year=year)
                budg.append(b)
                warns += evaluate(rules, ind, b, unit_names=unit_names)
            if not t.cumulative:
                p = progress(t, ind, obs, _unit_of(key), year=year)
                prog.append(p)
                warns += evaluate(rules, ind, p, unit_names=unit_names)
    return Standing(unit_code, year, prog, budg, warns)


@dataclass(frozen=True)
class Overview:
    """Every unit with dual-control targets in one year: one row per target in
    ``progress`` and ``budgets``, one per warning in ``warnings``."""

    year: int
    progress: pd.DataFrame
    budgets: pd.DataFrame
    warnings: pd.DataFrame


def overview(
    registry: Registry,
    table: pd.DataFrame,
    year: int,
    *,
    unit_names: Mapping[int, str] | None = None,
) -> Overview:
    """:func:`standing` of every unit that has dual-control targets covering ``year``,
    as tables (status in English in ``status``, in Chinese in ``status_zh``)."""
    units = sorted(
        {
            t.unit_code
            for key in (TOTAL, INTENSITY)
            for t in registry.targets.values()
            if t.indicator == key and t.status != "withdrawn"
        }
    )
    prog: list[dict[str, object]] = []
    budg: list[dict[str, object]] = []
    warns: list[EarlyWarning] = []
    for code in units:
        if not registry.targets_of(code, year=year):
            continue
        s = standing(registry, table, code, year, unit_names=unit_names)
        for p in s.progress:
            row = asdict(p)
            row["status_zh"], row["status"] = STATUS_NAMES[p.status]
            prog.append(row)
        budg += [
            asdict(b) | {"exhausted_within_period": b.exhausted_within_period} for b in s.budgets
        ]
        warns += s.warnings
    return Overview(
        year=year,
        progress=pd.DataFrame(prog, columns=[f.name for f in fields(Progress)] + ["status_zh"]),
        budgets=pd.DataFrame(
            budg, columns=[f.name for f in fields(Budget)] + ["exhausted_within_period"]
        ),
        warnings=warnings_table(warns),
    )


@dataclass(frozen=True)
class ProjectWhatIf:
    """A project's added emissions (and GDP) against the unit's dual-control targets."""

    unit_code: int
    year: int
    added_co2: float  # 万t CO2 a year
    added_gdp: float  # 亿元 at the table's constant prices
    total_before: float
    total_after: float
    intensity_before: float
    intensity_after: float
    price_year: int  # GDP at the constant prices of this year
    before: Standing
    after: Standing
    crossed: list[EarlyWarning]  # warnings new or more severe with the project
    unit_name: str | None = None

    def summary(self, language: str = "zh") -> str:
        """The what-if in one sentence, in Chinese (``zh``) or English (``en``)."""
        n = len(self.crossed)
        if language == "zh":
            place = self.unit_name or f"{self.unit_code}（区划代码）"
            return (
                f"项目每年新增二氧化碳排放{self.added_co2:,.4g}万吨、地区生产总值"
                f"{self.added_gdp:,.4g}亿元（{self.price_year}年不变价）：{place}{self.year}年"
                f"二氧化碳排放总量由{self.total_before:,.4g}万吨增至{self.total_after:,.4g}万吨，"
                f"单位地区生产总值二氧化碳排放由{self.intensity_before:.4f}变为"
                f"{self.intensity_after:.4f}吨/万元；"
                + (f"新增或升级预警{n}项。" if n else "不新增或升级预警。")
            )
        place = self.unit_name or f"unit {self.unit_code}"
        return (
            f"A project adding {self.added_co2:,.4g} × 10,000 t CO₂ and "
            f"{self.added_gdp:,.4g} × 100 million yuan of GDP (constant {self.price_year} "
            f"prices) a year: {place}'s total in {self.year} goes from "
            f"{self.total_before:,.4g} to {self.total_after:,.4g} × 10,000 t CO₂, its "
            f"intensity from {self.intensity_before:.4f} to {self.intensity_after:.4f} t CO₂ "
            "per 10,000 yuan; "
            + (
                f"{n} warning(s) raised or made more severe."
                if n
                else "no warning raised or made more severe."
            )
        )

    def table(self) -> pd.DataFrame:
        """One row per target: figures and status without and with the project."""
        rows = []
        after = {p.target: p for p in self.after.progress}
        for p in self.before.progress:
            q = after[p.target]
            rows.append(
                {
                    "target": p.target,
                    "indicator": p.indicator,
                    "unit": p.unit,
                    "target_value": p.target_value,
                    "actual_before": p.actual,
                    "actual_after": q.actual,
                    "task_achieved_pct_before": p.task_achieved_pct,
                    "task_achieved_pct_after": q.task_achieved_pct,
                    "required_rate_pct_before": p.required_rate_pct,
                    "required_rate_pct_after": q.required_rate_pct,
                    "status_before": STATUS_NAMES[p.status][1],
                    "status_after": STATUS_NAMES[q.status][1],
                    "status_zh_before": STATUS_NAMES[p.status][0],
                    "status_zh_after": STATUS_NAMES[q.status][0],
                }
            )
        return pd.DataFrame(rows)


def _severity(registry: Registry, w: EarlyWarning) -> int:
    """0 for the most severe level of the rule, 1 for the next…"""
    return [lv.level for lv in registry.rules[w.rule].levels].index(w.level)


def project_what_if(
    registry: Registry,
    table: pd.DataFrame,
    unit_code: int,
    added_co2: float,
    *,
    added_gdp: float = 0.0,
    year: int | None = None,
    co2_unit: str = TOTAL_UNIT,
    gdp_unit: str = GDP_UNIT,
    unit_names: Mapping[int, str] | None = None,
) -> ProjectWhatIf:
    """项目碳评价: the unit's total, intensity, progress and warnings in ``year`` (default:
    its last year in the table) without and with a project adding ``added_co2`` a year
    [``co2_unit``] and ``added_gdp`` [``gdp_unit``, at the table's constant prices].

    The project counts as if it ran through ``year``: the year's total becomes
    :math:`E + \\Delta E`, its intensity :math:`(E + \\Delta E)/(\\text{GDP} + \\Delta
    \\text{GDP})`, and a budget's projected rate the new total; earlier years are
    unchanged. ``crossed`` lists the warnings the project raises or makes more severe.
    """
    if added_co2 < 0 or added_gdp < 0:
        raise InputError(
            en="a project's added emissions and GDP are 0 or more",
            zh="项目新增的排放量和地区生产总值须为 0 或以上",
            field="added_co2" if added_co2 < 0 else "added_gdp",
            values=[added_co2, added_gdp],
        )
    de = added_co2 * unit_factor(co2_unit, TOTAL_UNIT, what="project emissions")
    dg = added_gdp * unit_factor(gdp_unit, GDP_UNIT, what="project GDP")
    rows = table[table["unit_code"] == unit_code]
    if rows.empty:
        series(table, unit_code, TOTAL)  # raises the message naming the unit
    year = int(rows["year"].max()) if year is None else year
    mask = (table["unit_code"] == unit_code) & (table["year"] == year)
    if not mask.any():
        raise InputError(
            en=f"no emissions and GDP for unit {unit_code} in {year}",
            zh=f"单位 {unit_code} 没有 {year} 年的排放量和地区生产总值数据",
            field="year",
            values=[year],
        )
    after_table = table.copy()
    after_table.loc[mask, "co2_total"] += de
    after_table.loc[mask, "gdp"] += dg
    after_table.loc[mask, "co2_intensity"] = (
        after_table.loc[mask, "co2_total"] / after_table.loc[mask, "gdp"]
    )
    before = standing(registry, table, unit_code, year, unit_names=unit_names)
    after = standing(registry, after_table, unit_code, year, unit_names=unit_names)
    old = {(w.rule, w.target): _severity(registry, w) for w in before.warnings}
    crossed = [
        w
        for w in after.warnings
        if (w.rule, w.target) not in old or _severity(registry, w) < old[(w.rule, w.target)]
    ]
    b, a = table.loc[mask].iloc[0], after_table.loc[mask].iloc[0]
    return ProjectWhatIf(
        unit_code=unit_code,
        year=year,
        added_co2=de,
        added_gdp=dg,
        total_before=float(b["co2_total"]),
        total_after=float(a["co2_total"]),
        intensity_before=float(b["co2_intensity"]),
        intensity_after=float(a["co2_intensity"]),
        price_year=int(b["price_year"]),
        before=before,
        after=after,
        crossed=crossed,
        unit_name=(unit_names or {}).get(unit_code),
    )
