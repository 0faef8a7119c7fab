"""Damage valuation (生态环境损害价值量化): interim and permanent loss of a damaged area, and
how much restoration compensates it (GB/T 39791.1-2020 logic, docs/applications.md).

Baseline: the annual service flows of the damaged polygon in the **pre-damage** account
(its site value, :mod:`ganpo.apply.vep`), at that account's prices, i.e. the same price
basis as GEP. With damage severity d (share of the baseline lost right after the damage),
final recovery level g_∞ (share of the lost service that eventually comes back) and a
recovery path g_t (share recovered during year t = 1 … N, from 0 towards g_∞):

.. math::
    L_t = F\\,d\\,(1 - g_t) = \\underbrace{F\\,d\\,(g_\\infty - g_t)}_{\\text{interim}} +
    \\underbrace{F\\,d\\,(1 - g_\\infty)}_{\\text{permanent}}

- interim loss  I = Σ_{t=1..N} F d (g_∞ − g_t) / (1+r)^{t−1}  (r = 0 when not discounted);
- permanent loss P = F d (1 − g_∞) × npv_factor(r, n): the asset value (NPV, GB/T 43677-2024
  style) of the flow that never returns, over the asset horizon n from the damage year.

Year 1 is the damage year and is not discounted (the asset formula's convention). Paths:

- ``linear``: g_t = g_∞ (t − 1)/N: the full loss in year 1, recovery complete at the
  start of year N + 1;
- ``exponential``: g_t = g_∞ (1 − e^{−k(t−1)}), k = ln(1/ε)/N with ε = 0.05: 95 % of the
  recoverable part is back at the start of year N + 1; the remaining ε tail after year N
  is **not** counted (stated in the result);
- ``table``: g_1 … g_N given (each in [0, g_∞]).

Equivalency (a value-to-value habitat equivalency analysis, simplified): restored land of
an ecosystem type yields that type's raster-service value per hectare in the account
(county of the damage, else the region), ramping linearly from 0 in the first year of
restoration to full value after ``maturity_years``, for the asset horizon; the hectares
needed make its present value equal to the total loss. Simplified: no uncertainty, no
difference in service mix between lost and restored land.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ganpo.apply import documents as doc
from ganpo.apply.vep import (
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_HORIZON_YEARS,
    WGS84,
    SiteValue,
    account_layers,
    check_valuation,
    read_features,
    value_geometry,
)
from ganpo.catalog.ecosystems import by_key, ecosystem_types
from ganpo.errors import InputError
from ganpo.report.export import write_excel
from ganpo.services.asset import npv_factor
from ganpo.store.cases import DamageRecord

RecoveryPath = Literal["linear", "exponential", "table"]
PATHS: tuple[str, ...] = ("linear", "exponential", "table")
EXPONENTIAL_EPSILON = 0.05


def recovery_fractions(
    path: str,
    recovery_years: int,
    *,
    final_recovery: float = 1.0,
    table: Sequence[float] | None = None,
) -> np.ndarray:
    """Share g_t [-] of the baseline recovered during each year t = 1 … N.

    >>> recovery_fractions("linear", 4).tolist()
    [0.0, 0.25, 0.5, 0.75]
    """
    if not 0.0 <= final_recovery <= 1.0:
        raise InputError(
            en=f"final recovery must lie in [0, 1], got {final_recovery}",
            zh=f"最终恢复比例须在 [0, 1] 之内，实为 {final_recovery}",
            field="final_recovery",
        )
    if path == "table":
        if not table:
            raise InputError(
                en="the table path needs the recovered fraction of each year (--table 0,0.3,0.6)",
                zh="按表恢复（table）须给出每年的恢复比例（--table 0,0.3,0.6）",
                field="table",
            )
        g = np.asarray(table, dtype="float64")
        bad = [float(v) for v in g if not (0.0 <= v <= final_recovery) or math.isnan(v)]
        if bad:
            raise InputError(
                en=f"recovery fractions must lie in [0, final recovery = {final_recovery}]; "
                f"got {bad}",
                zh=f"恢复比例须在 [0, 最终恢复比例 = {final_recovery}] 之内，实为 {bad}",
                field="table",
                values=bad,
            )
        return g
    if recovery_years < 1:
        raise InputError(
            en=f"recovery takes at least 1 year, got {recovery_years}",
            zh=f"恢复期至少为 1 年，实为 {recovery_years}",
            field="recovery_years",
        )
    t = np.arange(1, recovery_years + 1, dtype="float64")
    if path == "linear":
        return final_recovery * (t - 1.0) / recovery_years
    if path == "exponential":
        k = math.log(1.0 / EXPONENTIAL_EPSILON) / recovery_years
        return final_recovery * (1.0 - np.exp(-k * (t - 1.0)))
    raise InputError(
        en=f"unknown recovery path {path!r}; valid: {', '.join(PATHS)}",
        zh=f"未知的恢复路径 {path!r}；可选：{', '.join(PATHS)}",
        field="path",
        values=[path],
    )


@dataclass
class LossSchedule:
    """Year-by-year loss of one baseline flow (pure numbers, no geometry)."""

    baseline_cny: float
    severity: float
    final_recovery: float
    recovered: np.ndarray  # g_t
    discount_rate: float
    discount_interim: bool
    horizon_years: int

    @property
    def years(self) -> np.ndarray:
        return np.arange(1, len(self.recovered) + 1)

    @property
    def interim_by_year(self) -> np.ndarray:
        """Undiscounted interim loss of each year [CNY]."""
        return self.baseline_cny * self.severity * (self.final_recovery - self.recovered)

    @property
    def discount_factors(self) -> np.ndarray:
        r = self.discount_rate if self.discount_interim else 0.0
        return (1.0 + r) ** -(self.years - 1.0)

    @property
    def interim_cny(self) -> float:
        return float((self.interim_by_year * self.discount_factors).sum())

    @property
    def permanent_flow_cny(self) -> float:
        return self.baseline_cny * self.severity * (1.0 - self.final_recovery)

    @property
    def permanent_cny(self) -> float:
        return self.permanent_flow_cny * npv_factor(self.discount_rate, self.horizon_years)


def loss_schedule(
    baseline_cny: float,
    *,
    recovery_years: int,
    path: str = "linear",
    severity: float = 1.0,
    final_recovery: float = 1.0,
    table: Sequence[float] | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    discount_interim: bool = True,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
) -> LossSchedule:
    """Interim and permanent loss of a baseline flow [CNY a⁻¹].

    F = 100, d = 1, linear over N = 4 years, undiscounted: 100 + 75 + 50 + 25 = 250.

    >>> s = loss_schedule(100.0, recovery_years=4, discount_interim=False)
    >>> round(s.interim_cny, 6), s.permanent_cny
    (250.0, 0.0)
    """
    if not 0.0 < severity <= 1.0:
        raise InputError(
            en=f"severity must lie in (0, 1], got {severity}",
            zh=f"损害程度须在 (0, 1] 之内，实为 {severity}",
            field="severity",
        )
    check_valuation(discount_rate, horizon_years)
    g = recovery_fractions(path, recovery_years, final_recovery=final_recovery, table=table)
    return LossSchedule(
        baseline_cny=baseline_cny,
        severity=severity,
        final_recovery=final_recovery,
        recovered=g,
        discount_rate=discount_rate,
        discount_interim=discount_interim,
        horizon_years=horizon_years,
    )


def restoration_pv_per_ha(
    value_per_ha_cny: float,
    *,
    maturity_years: int,
    horizon_years: int,
    discount_rate: float,
) -> float:
    """Present value [CNY] of one restored hectare: v_ha × m_t, m_t = min(1, (t−1)/M), t = 1…n.

    >>> restoration_pv_per_ha(100.0, maturity_years=2, horizon_years=3, discount_rate=0.0)
    150.0
    """
    if maturity_years < 1:
        raise InputError(
            en="maturity takes at least 1 year", zh="修复成熟期至少为 1 年", field="maturity_years"
        )
    t = np.arange(1, horizon_years + 1, dtype="float64")
    ramp = np.minimum(1.0, (t - 1.0) / maturity_years)
    return float((value_per_ha_cny * ramp * (1.0 + discount_rate) ** -(t - 1.0)).sum())


def type_value_per_ha(
    results: pd.DataFrame,
    extent: pd.DataFrame,
    indicators: set[str],
    ecosystem: str,
    county: int | None = None,
) -> float:
    """Raster-service value per hectare [CNY ha⁻¹ a⁻¹] of an ecosystem type in an account."""
    code = by_key(ecosystem).code
    res = results[(results["ecosystem_code"] == code) & results["indicator"].isin(indicators)]
    ext = extent[extent["ecosystem_code"] == code]
    if county is not None:
        res, ext = res[res["county_adcode"] == county], ext[ext["county_adcode"] == county]
    area_ha = float(ext["area_m2"].sum()) / 1e4
    if area_ha <= 0:
        where = f"county {county}" if county else "the region"
        where_zh = f"县 {county}" if county else "该区域"
        types = ", ".join(t.key for t in ecosystem_types()[1:])
        raise InputError(
            en=f"the account has no {ecosystem} in {where}, so it gives no value per ha for it; "
            f"choose another type ({types})",
            zh=f"核算结果在{where_zh}内没有 {ecosystem}，无法得出其每公顷价值；"
            f"请选择其他生态系统类型（{types}）",
            field="restoration_type",
            values=[ecosystem],
        )
    return float(res["value_cny"].sum()) / area_ha


@dataclass
class DamageResult:
    """A damage valuation: baseline, losses by indicator and year, equivalency."""

    baseline: SiteValue
    schedule: LossSchedule  # of the total flow
    path: str
    recovery_years: int
    by_indicator: pd.DataFrame
    by_year: pd.DataFrame
    equivalency: dict[str, Any] | None
    notes: list[str] = field(default_factory=list)

    @property
    def total_loss_cny(self) -> float:
        return self.schedule.interim_cny + self.schedule.permanent_cny

    def to_dict(self) -> dict[str, Any]:
        s = self.schedule
        return {
            "standard": "GB/T 39791.1-2020 (interim loss = lost service × duration × price; "
            "permanent loss = asset value)",
            "baseline_account_id": self.baseline.account_id,
            "baseline_year": self.baseline.year,
            "price_basis": f"prices of the baseline account ({self.baseline.year}), as its GEP",
            "area_m2": self.baseline.area_m2,
            "baseline_flow_cny_per_year": s.baseline_cny,
            "severity": s.severity,
            "recovery_path": self.path,
            "recovery_years": self.recovery_years,
            "final_recovery": s.final_recovery,
            "discount_rate": s.discount_rate,
            "discount_interim": s.discount_interim,
            "horizon_years": s.horizon_years,
            "interim_loss_cny": s.interim_cny,
            "permanent_loss_cny": s.permanent_cny,
            "total_loss_cny": self.total_loss_cny,
            "by_indicator": doc_records(self.by_indicator),
            "by_year": doc_records(self.by_year),
            "equivalency": self.equivalency,
            "excluded": doc_records(self.baseline.excluded),
            "notes": self.notes,
            "baseline": self.baseline.to_dict(),
        }


def case_record(
    result: DamageResult, *, case_no: str, title: str, damage_date: date
) -> DamageRecord:
    """The valuation as a damage case to store (:func:`ganpo.store.cases.save_damage_case`):
    losses at the baseline account's prices, the counties the damaged area lies in with
    their areas (the county with most of it named first), the whole assessment as JSON.
    A damage dated before the end of the baseline account's year is refused: the
    baseline must be the state before the damage."""
    b = result.baseline
    if damage_date.year < b.year:
        raise InputError(
            en=f"damage of {damage_date} is before the end of the baseline account's year "
            f"({b.year}); the baseline must be an account of the state before the damage",
            zh="损害日期早于基线核算年份",
            field="date",
            values=[damage_date.isoformat()],
        )
    counties = b.counties.sort_values("area_m2", ascending=False, kind="stable")
    if counties.empty:
        raise InputError(
            en="the damaged area lies in no county of the account",
            zh="损害区域不在核算范围内",
            field="polygon",
        )
    return DamageRecord(
        case_no=case_no.strip(),
        title=title,
        damage_date=damage_date,
        county_adcode=int(counties["county_adcode"].iloc[0]),
        counties=[
            {
                "county_adcode": int(r["county_adcode"]),
                "county_name": str(r["county_name"]),
                "area_m2": float(r["area_m2"]),
            }
            for _, r in counties.iterrows()
        ],
        account_id=int(b.account_id),
        price_year=int(b.year),
        area_m2=float(b.area_m2),
        interim_cny=float(result.schedule.interim_cny),
        permanent_cny=float(result.schedule.permanent_cny),
        total_cny=float(result.total_loss_cny),
        assessment=result.to_dict(),
        synthetic=bool(b.synthetic),
    )


def doc_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    from ganpo.apply.vep import _records

    return _records(frame)


def assess_damage(
    engine: Engine,
    account_id: int,
    source: Path | str | Mapping[str, Any],
    *,
    recovery_years: int,
    path: str = "linear",
    severity: float = 1.0,
    final_recovery: float = 1.0,
    table: Sequence[float] | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    discount_interim: bool = True,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
    restoration_type: str | None = None,
    maturity_years: int = 10,
    make_valid: bool = False,
) -> DamageResult:
    """Value the damage to a polygon against the pre-damage account ``account_id``."""
    if path == "table" and table:
        recovery_years = len(table)
    kw: dict[str, Any] = {
        "recovery_years": recovery_years,
        "path": path,
        "severity": severity,
        "final_recovery": final_recovery,
        "table": table,
        "discount_rate": discount_rate,
        "discount_interim": discount_interim,
        "horizon_years": horizon_years,
    }
    loss_schedule(1.0, **kw)  # checks every parameter before reading anything
    frame = read_features(source)
    from shapely.ops import unary_union

    from ganpo.apply.vep import check_polygon

    geometry = unary_union(
        [check_polygon(g, what="damaged area", make_valid=make_valid) for g in frame.geometry]
    )
    layers = account_layers(engine, account_id)
    base = value_geometry(
        layers,
        geometry,
        frame.crs or WGS84,
        discount_rate=discount_rate,
        horizon_years=horizon_years,
        make_valid=make_valid,
        what="damaged area",
    )
    total = loss_schedule(base.flow_cny, **kw)
    rows = []
    for r in base.flows.to_dict("records"):
        one = loss_schedule(float(r["value_cny"]), **kw)
        rows.append(
            {
                "indicator": r["indicator"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "baseline_cny": float(r["value_cny"]),
                "interim_loss_cny": one.interim_cny,
                "permanent_loss_cny": one.permanent_cny,
                "total_loss_cny": one.interim_cny + one.permanent_cny,
            }
        )
    by_year = pd.DataFrame(
        {
            "year": total.years,
            "recovered_share": total.recovered,
            "service_level_share": 1.0 - severity * (1.0 - total.recovered),
            "interim_loss_cny": total.interim_by_year,
            "discount_factor": total.discount_factors,
            "interim_loss_pv_cny": total.interim_by_year * total.discount_factors,
        }
    )
    notes = list(base.notes)
    if path == "exponential":
        notes.append(
            f"exponential path: the last {EXPONENTIAL_EPSILON:.0%} of the recovery after year "
            f"{recovery_years} is not counted / 指数恢复路径第 {recovery_years} 年后的尾部未计"
        )
    equivalency = None
    if restoration_type is not None:
        acc = layers.stored
        county = base.main_county
        per_ha = type_value_per_ha(
            acc.results, acc.extent, set(layers.rasters), restoration_type, county
        )
        pv_ha = restoration_pv_per_ha(
            per_ha,
            maturity_years=maturity_years,
            horizon_years=horizon_years,
            discount_rate=discount_rate,
        )
        equivalency = {
            "restoration_type": restoration_type,
            "name_zh": by_key(restoration_type).name_zh,
            "county_adcode": county,
            "value_per_ha_cny_per_year": per_ha,
            "maturity_years": maturity_years,
            "pv_per_ha_cny": pv_ha,
            "hectares_needed": (total.interim_cny + total.permanent_cny) / pv_ha
            if pv_ha > 0
            else math.inf,
            "method": "value-to-value equivalency (simplified HEA): restored ha ramp linearly "
            "to the type's raster-service value per ha in the county over the maturity years; "
            "PV over the asset horizon at the same discount rate / 价值当量法（简化）",
        }
    return DamageResult(
        baseline=base,
        schedule=total,
        path=path,
        recovery_years=recovery_years,
        by_indicator=pd.DataFrame(rows),
        by_year=by_year,
        equivalency=equivalency,
        notes=notes,
    )


def write_damage_report(result: DamageResult, out: Path) -> list[Path]:
    """Write ``out`` (PDF) and the JSON and xlsx beside it."""
    s = result.schedule
    b = result.baseline
    title = "生态环境损害价值评估报告 / Ecological damage valuation"
    interim_note = (
        "期间损失贴现 interim discounted"
        if s.discount_interim
        else "期间损失不贴现 interim not discounted"
    )
    body = [
        "<h2>一、概况 Summary</h2><ul>"
        f"<li>受损面积 damaged area: {b.area_m2 / 1e4:,.2f} ha</li>"
        f"<li>基线核算 baseline account: #{b.account_id} ({b.year})；价格基础 price basis: "
        f"{b.year} 年 GEP 价格 (same prices as the GEP account)</li>"
        f"<li>基线年服务流量 baseline flow: {doc.money(s.baseline_cny)} /a</li>"
        f"<li>损害程度 severity d = {s.severity:g}；恢复路径 recovery path: {result.path}, "
        f"{result.recovery_years} 年 years；最终恢复 final recovery g∞ = {s.final_recovery:g}</li>"
        f"<li>贴现率 discount rate r = {s.discount_rate:.2%} "
        f"({interim_note})"
        f"；资产年限 horizon n = {s.horizon_years} a</li>"
        f"<li><b>期间损害 interim loss: {doc.money(s.interim_cny)}</b></li>"
        f"<li><b>永久性损害 permanent loss: {doc.money(s.permanent_cny)}</b></li>"
        f"<li><b>合计 total: {doc.money(result.total_loss_cny)}</b></li></ul>",
        "<h2>二、方法 Method</h2><p>GB/T 39791.1-2020：期间损害 = 损失服务量 × 持续时间 × 价格"
        "（与 GEP 同一价格基础）；永久性损害按生态资产价值（净现值）计。L_t = F·d·(1−g_t) = "
        "F·d·(g∞−g_t) [interim] + F·d·(1−g∞) [permanent]; I = Σ_{t=1..N} F·d·(g∞−g_t)/(1+r)^(t−1); "
        "P = F·d·(1−g∞)·Σ_{t=1..n} 1/(1+r)^(t−1). 第 1 年为损害发生年，不贴现 "
        "(year 1 not discounted).</p>",
        "<h2>三、分项损失 Loss by service</h2>"
        + doc.html_table(
            result.by_indicator.drop(columns=["indicator"]),
            [
                "指标",
                "indicator",
                "基线 baseline (CNY/a)",
                "期间 interim",
                "永久 permanent",
                "合计 total",
            ],
            {c: ",.0f" for c in result.by_indicator.columns if c.endswith("_cny")},
        ),
        "<h2>四、逐年损失 Loss by year</h2>"
        + doc.html_table(
            result.by_year,
            [
                "年 year",
                "恢复比例 g_t",
                "服务水平 level",
                "损失 loss (CNY)",
                "贴现因子 factor",
                "现值 PV (CNY)",
            ],
            {
                "recovered_share": ".3f",
                "service_level_share": ".3f",
                "interim_loss_cny": ",.0f",
                "discount_factor": ".4f",
                "interim_loss_pv_cny": ",.0f",
            },
        ),
    ]
    if result.equivalency:
        e = result.equivalency
        body.append(
            "<h2>五、等值分析 Equivalency</h2><ul>"
            f"<li>修复类型 restoration type: {e['name_zh']} {e['restoration_type']}（县 county "
            f"{e['county_adcode']}）</li><li>每公顷年服务价值 value per ha: "
            f"{e['value_per_ha_cny_per_year']:,.0f} CNY/(ha·a)；成熟年限 maturity "
            f"{e['maturity_years']} a；每公顷现值 PV per ha {e['pv_per_ha_cny']:,.0f} CNY</li>"
            f"<li><b>需修复面积 hectares needed: {e['hectares_needed']:,.1f} ha</b></li>"
            f"<li class='small'>{e['method']}</li></ul>"
        )
    body.append(
        "<h2>六、未计入的服务 Services not included</h2><p class='small'>以下服务由统计表按县核算，"
        "无法落到地块，未计入损害 (county statistics, not attributable to the area):</p>"
        + doc.html_table(b.excluded[["name_zh", "name_en"]], ["指标", "indicator"])
        + "<h2>说明 Notes</h2><ul>"
        + "".join(f"<li>{n}</li>" for n in result.notes)
        + "</ul>"
    )
    pdf = doc.write_pdf(doc.page(title, body, synthetic=b.synthetic), out)
    data = result.to_dict()
    js = doc.write_json(data, out.with_suffix(".json"))
    summary = pd.DataFrame(
        [
            {"item": k, "value": v}
            for k, v in data.items()
            if isinstance(v, int | float | str) and not isinstance(v, bool)
        ]
    )
    xlsx = write_excel(
        {"summary": summary, "by_indicator": result.by_indicator, "by_year": result.by_year},
        out.with_suffix(".xlsx"),
        title=title,
        notes=result.notes,
    )
    return [pdf, js, xlsx]
