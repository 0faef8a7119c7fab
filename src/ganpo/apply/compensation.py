"""Horizontal ecological compensation: settle an agreement for a year from monitoring data.

Agreements are data (:class:`ganpo.apply.rules.CompensationAgreement`); three methods
(docs/applications.md):

- ``xinan_index``: :func:`xinan_index`, P = k₀ Σᵢ wᵢ Cᵢ/Cᵢ₀ [U]; P ≤ threshold → the
  downstream party pays the upstream party the round's amount, otherwise the reverse;
- ``dongjiang_compliance``: :func:`dongjiang_factor`: annual means at the water class,
  monthly compliance rate ≥ the round's target, outflow volume factor [U];
- ``gep_flow``: a share of the value of the upstream counties' regulating services in the
  stored account of the year, paid downstream → upstream, optionally gated by quality.

Monitoring data: a CSV with ``section, month (YYYY-MM or YYYY-MM-DD), indicator, value,
unit``, one row per sample (a section, indicator and date given twice is refused); the
indicator ``outflow`` is the monthly outflow volume. Annual mean = mean of the monthly
means. Months without data are reported as gaps; the agreement's ``min_months``
and ``gap_policy`` say what a gap does (``fail``: error, nothing stored; ``not_met``: the
year counts as not met; ``available``: the months present are used), and the settlement
states which applied.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ganpo.apply.gepdata import account_for_year, county_gep
from ganpo.apply.inputs import convert, file_sha256, read_csv_rows
from ganpo.apply.rules import (
    CompensationAgreement,
    Round,
    StoredRule,
    water_quality_catalogue,
)
from ganpo.errors import InputError, preview
from ganpo.store import applications as store

OUTFLOW = "outflow"
MONITORING_COLUMNS = ("section", "month", "indicator", "value", "unit")


def xinan_index(
    concentrations: dict[str, float],
    baselines: dict[str, float],
    k0: float,
    weights: dict[str, float] | None = None,
) -> float:
    """Xin'an-style compensation index [U].

    .. math:: P = k_0 \\sum_i w_i \\frac{C_i}{C_{i0}}

    Parameters
    ----------
    concentrations : indicator → annual mean concentration Cᵢ [mg/L]
    baselines : indicator → baseline concentration Cᵢ₀ [mg/L], same units
    k0 : stability coefficient k₀ [-] (0.85 in round 1 as reported, unverified)
    weights : indicator → wᵢ [-] (default 1 for each, the literal form of docs/applications.md)

    >>> round(xinan_index({"a": 2.0, "b": 0.5}, {"a": 4.0, "b": 0.5}, 0.8,
    ...                   {"a": 0.5, "b": 0.5}), 6)
    0.6
    """
    w = weights or {k: 1.0 for k in concentrations}
    return k0 * sum(w[k] * concentrations[k] / baselines[k] for k in concentrations)


def meets_class(value: float, limit: float, direction: str) -> bool:
    """Whether a concentration meets a class limit (max for most, min for DO)."""
    return value <= limit if direction == "max" else value >= limit


def dongjiang_factor(
    annual_met: bool,
    compliance_rate: float,
    target: float | None,
    outflow: float | None,
    outflow_required: float | None,
) -> tuple[bool, float]:
    """Dongjiang-style payment factor [U]: (met, factor in [0, 1]).

    Met when every annual mean meets the class and the compliance rate reaches the target;
    then factor = min(1, outflow / required) where a volume is required, else 1.

    >>> dongjiang_factor(True, 1.0, 0.95, 27.0, 30.0)
    (True, 0.9)
    >>> dongjiang_factor(True, 0.9, 0.95, None, None)
    (False, 0.0)
    """
    met = annual_met and (target is None or compliance_rate >= target - 1e-12)
    if not met:
        return False, 0.0
    if outflow_required is None or outflow_required == 0:
        return True, 1.0
    return True, min(1.0, (outflow or 0.0) / outflow_required)


#: the largest concentration a water sample can hold: 10⁶ mg/L (1 kg per litre) [mg/L]
MAX_CONCENTRATION_MG_L = 1e6
#: the largest monthly outflow of a section: 10¹³ m³ (ten times the Yangtze's yearly flow) [m3]
MAX_OUTFLOW_M3 = 1e13
_DATE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?(?:[ T]00:00(?::00)?)?\s*$"
)


def _refuse(path: Path, field: str, en: str, zh: str, values: list[Any]) -> InputError:
    return InputError(en=en, zh=zh, source=path, field=field, values=values)


def _rows(mask: Any, numbers: list[int]) -> str:
    """The rows where ``mask`` holds (a preview), as a spreadsheet numbers them
    (``numbers``: each data row's number in the file, the header's row and note lines
    counted)."""
    return preview([numbers[i] for i in np.flatnonzero(np.asarray(mask, dtype=bool))])


def _sample_date(text: Any) -> tuple[int, int, int] | None:
    """``YYYY-MM`` or ``YYYY-MM-DD`` (``/`` or ``.`` also) → (year, month, day; 0 without a
    day), or None when it is no such date (month 13, 2023-02-30, text)."""
    import datetime

    found = _DATE.match(str(text))
    if found is None:
        return None
    y, mo, d = int(found["y"]), int(found["m"]), int(found["d"] or 0)
    try:
        datetime.date(y, mo, d or 1)
    except ValueError:
        return None
    return y, mo, d


def read_monitoring(path: Path, agreement: CompensationAgreement, year: int) -> pd.DataFrame:
    """Monitoring rows of ``year`` in the agreement's units (see module doc).

    Returns ``section, month (1–12), indicator, value`` with values converted to the
    agreement's unit (``outflow``: to ``outflow_unit``). Every row must be right: a known
    section and indicator, a date ``YYYY-MM`` or ``YYYY-MM-DD``, a finite value from 0 to
    :data:`MAX_CONCENTRATION_MG_L` (outflow: :data:`MAX_OUTFLOW_M3`) in a unit that converts;
    a section, indicator and date given twice is refused (it would weigh twice in the mean).
    """
    raw, numbers = read_csv_rows(path, "monitoring data")
    missing = [c for c in MONITORING_COLUMNS if c not in raw.columns]
    if missing:
        raise _refuse(
            path,
            ", ".join(missing),
            f"monitoring data lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(MONITORING_COLUMNS)} (one row per sample)",
            f"监测数据缺少列：{', '.join(missing)}；需要 {', '.join(MONITORING_COLUMNS)} 各列"
            "（每个样品一行）",
            missing,
        )
    sections = {s.key for s in agreement.sections}
    section = raw["section"].astype(str)
    wrong = ~section.isin(sections)
    if wrong.any():
        bad = sorted(set(section[wrong]))
        raise _refuse(
            path,
            "section",
            f"monitoring data: row(s) {_rows(wrong, numbers)}: section(s) {preview(bad)} "
            f"that agreement {agreement.name!r} does not have; its sections: "
            f"{', '.join(sorted(sections))}",
            f"监测数据第 {_rows(wrong, numbers)} 行的断面 {preview(bad)} 不在协议 "
            f"{agreement.name} 中；协议的断面为 {', '.join(sorted(sections))}",
            bad,
        )
    units = {i.key: i.unit for i in agreement.indicators} | {OUTFLOW: agreement.outflow_unit}
    indicator = raw["indicator"].astype(str)
    wrong = ~indicator.isin(set(units))
    if wrong.any():
        bad = sorted(set(indicator[wrong]))
        raise _refuse(
            path,
            "indicator",
            f"monitoring data: row(s) {_rows(wrong, numbers)}: indicator(s) {preview(bad)} "
            f"that agreement {agreement.name!r} does not monitor; it monitors "
            f"{', '.join(units)}",
            f"监测数据第 {_rows(wrong, numbers)} 行的指标 {preview(bad)} 不在协议 "
            f"{agreement.name} 的监测指标中；协议监测 {', '.join(units)}",
            bad,
        )
    dates = [_sample_date(v) for v in raw["month"]]
    wrong = pd.Series([d is None for d in dates])
    if wrong.any():
        bad = raw.loc[wrong.to_numpy(), "month"].tolist()
        raise _refuse(
            path,
            "month",
            f"monitoring data: row(s) {_rows(wrong, numbers)}: month {preview(bad)} is not "
            "a date; write YYYY-MM or YYYY-MM-DD (months 1 to 12, a day the month has)",
            f"监测数据第 {_rows(wrong, numbers)} 行的月份 {preview(bad)} 不是有效日期；"
            "请写作 YYYY-MM 或 YYYY-MM-DD（月份 1–12，日期须存在）",
            bad,
        )
    values = pd.to_numeric(raw["value"], errors="coerce")
    wrong = values.isna() | (values < 0) | ~np.isfinite(values.fillna(0.0))
    if wrong.any():
        bad = raw.loc[wrong, "value"].tolist()
        raise _refuse(
            path,
            "value",
            f"monitoring data: row(s) {_rows(wrong, numbers)}: value {preview(bad)} is not "
            "a finite non-negative number; leave a month out rather than writing a "
            "placeholder (gaps are reported)",
            f"监测数据第 {_rows(wrong, numbers)} 行的数值 {preview(bad)} 不是有限的非负数；"
            "缺测的月份请整行不写（缺测会在结算中列出），不要填写占位值",
            bad,
        )
    unit = raw["unit"].astype(str).where(raw["unit"].notna(), "")
    factors: dict[tuple[str, str], float] = {}
    limits: dict[str, float] = {}
    for ind, u in zip(indicator, unit, strict=True):
        if (ind, u) in factors:
            continue
        try:
            factors[(ind, u)] = convert(u, units[ind], f"monitoring data indicator {ind}")
            if ind not in limits:
                limits[ind] = (
                    MAX_OUTFLOW_M3 * convert("m3", units[ind], "outflow")
                    if ind == OUTFLOW
                    else MAX_CONCENTRATION_MG_L * convert("mg/L", units[ind], ind)
                )
        except InputError as exc:
            rows = _rows((indicator == ind) & (unit == u), numbers)
            raise _refuse(
                path,
                "unit",
                f"monitoring data: row(s) {rows}: unit {u!r} of indicator {ind} "
                f"does not convert to the agreement's {units[ind]!r} ({exc}); give the "
                f"value in {units[ind]} or a unit of the same quantity",
                f"监测数据第 {rows} 行中指标 {ind} 的单位“{u}”不能换算为协议的"
                f"“{units[ind]}”；请使用 {units[ind]} 或同一量纲的单位",
                [u],
            ) from exc
    converted = values.astype("float64") * [
        factors[(i, u)] for i, u in zip(indicator, unit, strict=True)
    ]
    limit = np.array([limits[i] for i in indicator])
    beyond = ~np.isfinite(converted.to_numpy()) | (converted.to_numpy() > limit)
    if beyond.any():
        bad = raw.loc[beyond, "value"].tolist()
        raise _refuse(
            path,
            "value",
            f"monitoring data: row(s) {_rows(beyond, numbers)}: value {preview(bad)} is "
            f"beyond what a water sample can hold (more than {MAX_CONCENTRATION_MG_L:g} mg/L) "
            f"or a section can carry (more than {MAX_OUTFLOW_M3:g} m3 in a month); check the "
            "value and its unit",
            f"监测数据第 {_rows(beyond, numbers)} 行的数值 {preview(bad)} 超出合理范围"
            f"（浓度不超过 {MAX_CONCENTRATION_MG_L:g} mg/L，月出境水量不超过 "
            f"{MAX_OUTFLOW_M3:g} m3）；请检查数值及其单位",
            bad,
        )
    out = pd.DataFrame(
        {
            "section": section,
            "year": [d[0] for d in dates if d is not None],
            "month": [d[1] for d in dates if d is not None],
            "day": [d[2] for d in dates if d is not None],
            "indicator": indicator,
            "value": converted.astype("float64"),
        }
    )
    twice = out.duplicated(subset=["section", "indicator", "year", "month", "day"], keep=False)
    if twice.any():
        first = out[twice].iloc[0]
        same = (
            twice & (out["section"] == first["section"]) & (out["indicator"] == first["indicator"])
        )
        same &= (out["year"] == first["year"]) & (out["month"] == first["month"])
        same &= out["day"] == first["day"]
        shown = raw.loc[same.to_numpy(), "value"].tolist()
        when = raw.loc[same.to_numpy(), "month"].iloc[0]
        raise _refuse(
            path,
            "month",
            f"monitoring data: rows {_rows(same, numbers)} give section {first['section']}, "
            f"indicator {first['indicator']} on {when} twice (values {preview(shown)}); keep "
            "one row per sample, each with its own date (YYYY-MM-DD)",
            f"监测数据第 {_rows(same, numbers)} 行重复给出断面 {first['section']} 指标 "
            f"{first['indicator']} 在 {when} 的值（{preview(shown)}）；每个样品一行，各写其日期",
            shown,
        )
    if not (out["year"] == year).any():
        years = sorted({int(y) for y in out["year"]})
        raise _refuse(
            path,
            "month",
            f"monitoring data hold no sample of {year} (years present: "
            f"{', '.join(map(str, years)) or 'none'}); give the data of the settled year",
            f"监测数据中没有 {year} 年的样品（现有年份：{', '.join(map(str, years)) or '无'}）；"
            "请提供结算年份的数据",
            [year],
        )
    return out[out["year"] == year].drop(columns=["year", "day"]).reset_index(drop=True)


@dataclass
class Settlement:
    """The settlement of one agreement for one year (``run_id`` once stored)."""

    rule: StoredRule
    year: int
    round: Round
    method: str
    index_value: float | None
    met: bool | None
    payer: str
    payee: str
    amount_cny: float
    rows: pd.DataFrame  # per section × indicator: months, mean, limit, ratio, meets
    gaps: list[str]
    gap_handling: str
    notes: list[str] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    run_id: int | None = None

    @property
    def agreement(self) -> CompensationAgreement:
        assert isinstance(self.rule.rule, CompensationAgreement)
        return self.rule.rule


def _section_stats(
    data: pd.DataFrame, agreement: CompensationAgreement, need_outflow: bool
) -> tuple[pd.DataFrame, list[str], bool]:
    """Per section × indicator: months with data, annual mean; gaps; whether short."""
    catalogue = water_quality_catalogue()
    monthly = data.groupby(["section", "indicator", "month"])["value"].mean()
    keys = [i.key for i in agreement.indicators] + ([OUTFLOW] if need_outflow else [])
    rows, gaps, short = [], [], False
    for sec in agreement.sections:
        for key in keys:
            try:
                series = monthly.loc[(sec.key, key)]
            except KeyError:
                series = pd.Series(dtype="float64")
            present = sorted(int(m) for m in series.index)
            absent = [m for m in range(1, 13) if m not in present]
            if absent:
                gaps.append(
                    f"{sec.key}/{key}: no data for month(s) {', '.join(map(str, absent))} "
                    f"({len(present)} of 12 months)"
                )
            if len(present) < agreement.min_months:
                short = True
            row: dict[str, Any] = {
                "section": sec.key,
                "indicator": key,
                "months": len(present),
                "missing_months": absent,
                "annual_mean": float(series.mean()) if present else float("nan"),
                "annual_total": float(series.sum()) if present else float("nan"),
            }
            if key != OUTFLOW:
                wq = catalogue[key]
                limit = wq.limits[agreement.water_class]
                row["class_limit"] = limit
                row["meets_class"] = bool(present) and meets_class(
                    row["annual_mean"], limit, wq.direction
                )
                months_met = [meets_class(float(v), limit, wq.direction) for v in series]
                row["months_meeting"] = int(sum(months_met))
            rows.append(row)
    return pd.DataFrame(rows), gaps, short


def _compliance_rate(data: pd.DataFrame, agreement: CompensationAgreement) -> float:
    """Share of section-months with data in which every indicator meets the class.

    A section-month that lacks one of the indicators counts as not compliant.
    """
    catalogue = water_quality_catalogue()
    monthly = (
        data[data["indicator"] != OUTFLOW]
        .groupby(["section", "month", "indicator"])["value"]
        .mean()
        .unstack("indicator")
    )
    if monthly.empty:
        return 0.0
    ok = pd.Series(True, index=monthly.index)
    for ind in agreement.indicators:
        wq = catalogue[ind.key]
        col = (
            monthly[ind.key]
            if ind.key in monthly.columns
            else pd.Series(float("nan"), index=monthly.index)
        )
        limit = wq.limits[agreement.water_class]
        good = col <= limit if wq.direction == "max" else col >= limit
        ok &= good.fillna(False).astype(bool)
    return float(ok.mean())


def settle(
    engine: Engine,
    stored: StoredRule,
    year: int,
    monitoring: Path | None,
    *,
    account_id: int | None = None,
) -> Settlement:
    """Compute the settlement of an agreement for ``year`` (not stored: :func:`save_settlement`)."""
    agreement = stored.rule
    if not isinstance(agreement, CompensationAgreement):
        raise InputError(
            en=f"rule {agreement.name!r} is not a compensation agreement",
            zh=f"规则 {agreement.name!r} 不是生态补偿协议，请选择一份补偿协议",
            field="rule",
        )
    if account_id is not None and agreement.method != "gep_flow":  # else silently unused
        raise InputError(
            en=f"agreement {agreement.name!r} settles by {agreement.method} from monitoring data "
            f"and uses no GEP account; leave out --account {account_id}",
            zh="补偿协议 "
            f"{agreement.name} 按 {agreement.method} 由监测数据结算，不使用 GEP 核算；请去掉 "
            f"--account {account_id}",
            field="account",
            values=[account_id],
        )
    rnd = agreement.round_of(year)
    up, down = agreement.upstream, agreement.downstream
    up_label, down_label = f"{up.name_zh} {up.name_en}", f"{down.name_zh} {down.name_en}"
    notes: list[str] = []
    if not agreement.coefficients_verified:
        notes.append(
            "the agreement's coefficients are configurable and not verified against the "
            "agreement text / 协议系数可配置，未经核实"
        )
    inputs: list[dict[str, Any]] = []
    need_outflow = agreement.method == "dongjiang_compliance" and rnd.outflow_required is not None
    if monitoring is None:
        if agreement.method != "gep_flow":
            raise InputError(
                en=f"method {agreement.method} needs monitoring data (--monitoring CSV)",
                zh=f"补偿方法 {agreement.method} 需要监测数据（用 --monitoring 给出 CSV 文件）",
                field="monitoring",
            )
        data = pd.DataFrame(columns=["section", "month", "indicator", "value"])
        rows, gaps, short = pd.DataFrame(), list[str](), False
    else:
        data = read_monitoring(monitoring, agreement, year)
        inputs.append(
            {"role": "monitoring", "path": str(monitoring), "sha256": file_sha256(monitoring)}
        )
        rows, gaps, short = _section_stats(data, agreement, need_outflow)
    handling = {
        "fail": "a series with fewer months than the minimum stops the settlement",
        "not_met": "a series with fewer months than the minimum makes the year not met",
        "available": "series are averaged over the months present",
    }[agreement.gap_policy]
    gap_handling = (
        f"minimum {agreement.min_months} months of data per section and indicator; {handling}"
    )
    if short and agreement.gap_policy == "fail":
        raise InputError(
            en=f"monitoring data of {year} has too few months for agreement {agreement.name!r} "
            f"(minimum {agreement.min_months}): {'; '.join(gaps)}. Complete the data "
            "(nothing was stored)",
            zh=f"{year} 年的监测数据月份不足，不满足补偿协议 {agreement.name!r} 的要求"
            f"（至少 {agreement.min_months} 个月）：{'; '.join(gaps)}。"
            "请补全数据（未保存任何内容）",
            source=monitoring,
            field="month",
            values=gaps,
        )
    forced_not_met = short and agreement.gap_policy == "not_met"
    if forced_not_met:
        notes.append(f"too few months of data: the year counts as not met ({gap_handling})")
    details: dict[str, Any] = {"round": rnd.round}
    account_ids: list[int] = []
    if agreement.method == "xinan_index":
        per_section = []
        ratios: list[dict[str, Any]] = []
        for sec in agreement.sections:
            sub = rows[rows["section"] == sec.key].set_index("indicator")
            conc = {
                i.key: float(sub.at[i.key, "annual_mean"])  # type: ignore[arg-type]
                for i in agreement.indicators
            }
            if any(pd.isna(v) for v in conc.values()):
                absent = [k for k, v in conc.items() if pd.isna(v)]
                notes.append(
                    f"section {sec.key}: no data of {year} for {', '.join(absent)}; its index "
                    "cannot be computed"
                )
                per_section.append(float("nan"))
                continue
            base = {i.key: float(i.baseline or 0.0) for i in agreement.indicators}
            w = {i.key: i.weight for i in agreement.indicators}
            per_section.append(xinan_index(conc, base, rnd.k0, w))
            ratios.extend(
                {"section": sec.key, "indicator": k, "ratio": conc[k] / base[k]} for k in conc
            )
        rows = (
            rows.merge(pd.DataFrame(ratios), on=["section", "indicator"], how="left")
            if (ratios)
            else rows
        )
        valid = [p for p in per_section if not pd.isna(p)]
        index_value = float(sum(valid) / len(valid)) if valid else None
        if index_value is None and not forced_not_met:
            raise InputError(
                en=f"the compensation index of {year} cannot be computed: "
                f"{'; '.join(n for n in notes if n.startswith('section '))}. Give the "
                "missing series (nothing was stored)",
                zh=f"无法计算 {year} 年的补偿指数："
                f"{'; '.join(n for n in notes if n.startswith('section '))}。"
                "请补充缺失的监测序列（未保存任何内容）",
                source=monitoring,
                field="indicator",
            )
        if index_value is not None and not math.isfinite(index_value):
            raise InputError(
                en=f"the compensation index of {year} is not a finite number ({index_value}); "
                "check the monitoring values and the agreement's baselines",
                zh=f"{year} 年的补偿指数不是有限数（{index_value}）；请检查监测值和协议的基准值",
                source=monitoring,
                field="value",
            )
        met = not forced_not_met and index_value is not None and index_value <= agreement.threshold
        details |= {"k0": rnd.k0, "threshold": agreement.threshold, "per_section": per_section}
        payer, payee = (down_label, up_label) if met else (up_label, down_label)
        amount = rnd.amount_cny
    elif agreement.method == "dongjiang_compliance":
        quality = rows[rows["indicator"] != OUTFLOW]
        annual_met = bool(quality["meets_class"].all()) and not quality.empty
        rate = _compliance_rate(data, agreement)
        outflow = None
        if need_outflow:
            flows = rows[rows["indicator"] == OUTFLOW]["annual_total"]
            outflow = float(flows.fillna(0.0).sum())
        met, factor = dongjiang_factor(
            annual_met, rate, rnd.compliance_target, outflow, rnd.outflow_required
        )
        if forced_not_met:
            met, factor = False, 0.0
        index_value = rate
        details |= {
            "annual_mean_met": annual_met,
            "compliance_rate": rate,
            "compliance_target": rnd.compliance_target,
            "outflow": outflow,
            "outflow_required": rnd.outflow_required,
            "outflow_unit": agreement.outflow_unit,
            "payment_factor": factor,
        }
        payer, payee = down_label, up_label
        amount = rnd.amount_cny * factor
    else:
        acc = account_for_year(engine, year, account_id, purpose="GEP-based compensation")
        account_ids.append(acc.account.id)
        gep = county_gep(acc, agreement.gep_indicators)
        upstream = gep[gep["county_adcode"].isin(agreement.upstream.counties)]
        lost = sorted(set(agreement.upstream.counties) - set(upstream["county_adcode"]))
        if lost:
            raise InputError(
                en=f"account {acc.account.id} has no county {preview(lost)} of the upstream party",
                zh=f"核算 {acc.account.id} 中没有上游一方的县 {preview(lost)}，"
                "请选择覆盖这些县的核算",
                field="counties",
                values=lost,
            )
        value = float(upstream["gep_cny"].sum())
        share = float(rnd.payment_share or 0.0)
        amount = share * agreement.flow_share * value
        if rnd.cap_cny is not None:
            amount = min(amount, rnd.cap_cny)
        quality_ok = True
        if not rows.empty:
            quality_ok = bool(rows["meets_class"].all())
        met = quality_ok and not forced_not_met
        if not met:
            amount = 0.0
        index_value = value
        details |= {
            "services_value_cny": value,
            "flow_share": agreement.flow_share,
            "payment_share": share,
            "cap_cny": rnd.cap_cny,
            "quality_met": quality_ok if not rows.empty else None,
            "account_id": acc.account.id,
            "per_county_cny": {
                int(code): float(v)
                for code, v in zip(upstream["county_adcode"], upstream["gep_cny"], strict=True)
            },
        }
        if acc.account.synthetic:
            notes.append(
                "the account is computed from synthetic (demo) data / 账户基于合成示范数据"
            )
        payer, payee = down_label, up_label
    return Settlement(
        rule=stored,
        year=year,
        round=rnd,
        method=agreement.method,
        index_value=index_value,
        met=met,
        payer=payer,
        payee=payee,
        amount_cny=round(float(amount), 2),
        rows=rows,
        gaps=gaps,
        gap_handling=gap_handling,
        notes=notes,
        account_ids=account_ids,
        inputs=inputs,
        details=details,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def save_settlement(engine: Engine, settlement: Settlement, actor: str) -> int:
    """Store the settlement (run, lines, ledger row, audit row) in one transaction."""
    lines = [
        {
            "county_adcode": None,
            "item": f"{r['section']}/{r['indicator']}",
            "value": _jsonable(r.get("annual_mean")),
            "amount_fen": None,
            "detail": {str(k): _jsonable(v) for k, v in r.items()},
        }
        for r in settlement.rows.to_dict("records")
    ]
    run_id = store.save_run(
        engine,
        kind="settlement",
        rule_id=settlement.rule.id,
        year=settlement.year,
        account_ids=settlement.account_ids,
        inputs=settlement.inputs,
        params={
            "round": settlement.round.round,
            "gap_handling": settlement.gap_handling,
            "details": {k: _jsonable(v) for k, v in settlement.details.items()},
        },
        notes=settlement.notes,
        lines=lines,
        actor=actor,
        total_cny=settlement.amount_cny,
        settlement={
            "agreement": settlement.agreement.name,
            "year": settlement.year,
            "method": settlement.method,
            "index_value": settlement.index_value,
            "met": settlement.met,
            "payer": settlement.payer,
            "payee": settlement.payee,
            "amount_cny": settlement.amount_cny,
            "gaps": settlement.gaps,
        },
    )
    settlement.run_id = run_id
    return run_id
