"""Credit evidence (生态信用证明材料): for a registered parcel or package, an evidence pack for a
bank (PDF + JSON): location map, services and values with their methods and uncertainty,
trend over the stored years, rights information, and an ecological credit score.

The score follows a **configurable rule** (TOML: factors, thresholds, weights, grades;
the shipped default is ``catalog/data/credit/ganpo-default.toml``, which is ganpo's own
demonstration rule, not a published standard). Each factor maps one measured metric to a
score of 0–100 by thresholds; the credit score is Σ weight × factor score; a metric that
cannot be measured (a trend from one year only) gets the rule's ``missing_score`` and the
pack says so. **No loan amount, rate or price is computed** (docs/applications.md: no published
formula exists); the pack states this.

Metrics: ``value_density`` raster-service flow per hectare [CNY ha⁻¹ a⁻¹];
``trend`` yearly growth of the flow at constant prices between the first and the last
stored account of the same dataset, (F_last/F_first)^(1/Δyears) − 1 [a⁻¹];
``natural_share`` share of forest, shrub, grassland, wetland and water in the area [-];
``uncertainty`` (p95 − p05)/value of the flow [-]; ``rights`` the rights type (a package:
area-weighted over its parcels).

Collateral evidence: the carbon-inclusive sink credits issued on the parcels (decision
0052: project, vintage, serials, issued, held, retired and redeemed t CO2) are listed in
section 7 and under ``sink_credits``; they are not part of the score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from shapely.ops import unary_union
from sqlalchemy import Engine

from ganpo.apply import documents as doc
from ganpo.apply.vep import (
    COVERAGE_METHOD,
    DEFAULT_DISCOUNT_RATE,
    DEFAULT_HORIZON_YEARS,
    SiteValue,
    _records,
    account_layers,
    composition_table,
    ecosystem_composition,
    to_crs,
    value_geometry,
)
from ganpo.catalog.deflators import load_deflator
from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.files import data_dir, load_toml_model, shipped_names
from ganpo.catalog.profiles import load_profile
from ganpo.errors import GanpoError, InputError, UnknownNameError
from ganpo.report.annual import _png
from ganpo.services.methods import method
from ganpo.store import register as store
from ganpo.store.lifecycle import preferred_account
from ganpo.store.models import CURRENT_STATUSES
from ganpo.store.register import ParcelRecord
from ganpo.store.register_models import RIGHTS_TYPES
from ganpo.store.repository import list_accounts

DEFAULT_RULE = "ganpo-default"
METRICS = ("value_density", "trend", "natural_share", "uncertainty", "rights")
NATURAL_TYPES = ("forest", "shrub", "grassland", "wetland", "water")
NO_PRICE = (
    "本材料不计算贷款额度、利率或价格：GEP 与授信之间没有公开的计算公式，"
    "授信决策由银行依其规则作出。"
    " No loan amount, rate or price is computed: no published formula links GEP to credit; "
    "the lending decision is the bank's, under its own rules."
)


class Factor(BaseModel):
    """One factor of a credit rule: a metric, its thresholds (or categories) and weight."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    key: str
    name_zh: str
    name_en: str
    unit: str = ""
    weight: float = Field(ge=0.0, le=1.0)
    direction: Literal["higher_better", "lower_better", "category"]
    thresholds: list[tuple[float, float]] = []
    categories: dict[str, float] = {}

    @model_validator(mode="after")
    def _check(self) -> Factor:
        if self.key not in METRICS:
            raise ValueError(f"unknown metric {self.key!r}; valid: {', '.join(METRICS)}")
        scores = [s for _, s in self.thresholds] + list(self.categories.values())
        if any(not 0.0 <= s <= 100.0 for s in scores):
            raise ValueError("scores must lie in [0, 100]")
        if self.direction == "category":
            if not self.categories:
                raise ValueError("a category factor needs categories")
        else:
            bounds = [b for b, _ in self.thresholds]
            if not bounds or bounds != sorted(bounds):
                raise ValueError("thresholds must be non-empty and in ascending order of metric")
        return self


class Grade(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    grade: str
    min_score: float
    label: str = ""


class CreditRule(BaseModel):
    """A versioned, documented scoring rule (weights sum to 1)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    version: str
    title_zh: str
    title_en: str
    status: str
    missing_score: float = Field(ge=0.0, le=100.0)
    grades: list[Grade]
    factors: list[Factor]

    @model_validator(mode="after")
    def _check(self) -> CreditRule:
        total = sum(f.weight for f in self.factors)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"factor weights must sum to 1, they sum to {total:g}")
        keys = [f.key for f in self.factors]
        if len(set(keys)) != len(keys):
            raise ValueError("a metric is used by two factors")
        mins = [g.min_score for g in self.grades]
        if not mins or mins != sorted(mins, reverse=True) or mins[-1] != 0.0:
            raise ValueError("grades must be in descending min_score order, the last at 0")
        return self


def load_rule(name_or_path: str | Path = DEFAULT_RULE) -> CreditRule:
    """A shipped rule by name, or a rule TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        names = shipped_names("credit")
        if str(name_or_path) not in names:
            raise UnknownNameError("credit rule", str(name_or_path), names)
        path = data_dir("credit") / f"{name_or_path}.toml"
    elif not path.exists():
        raise InputError(
            en="credit rule file not found", zh="找不到信用评价规则文件，请检查路径", source=path
        )
    return load_toml_model(path, CreditRule, "credit rule")


def factor_score(factor: Factor, metric: float | str | Mapping[str, float] | None) -> float | None:
    """Score [0–100] of one metric (``None`` when the metric is missing).

    ``higher_better``: the score of the highest threshold the metric reaches (below the
    first: 0). ``lower_better``: the score of the first threshold the metric does not
    exceed (above the last: 0). ``category``: Σ share × category score over a mapping of
    category → share (a plain string counts as share 1).
    """
    if metric is None:
        return None
    if factor.direction == "category":
        if isinstance(metric, int | float):
            raise InputError(
                en=f"factor {factor.key} takes a category, got the number {metric}",
                zh=f"因子 {factor.key} 取值应为类别，实为数值 {metric}",
                field=factor.key,
            )
        shares = {metric: 1.0} if isinstance(metric, str) else dict(metric)
        unknown = sorted(set(shares) - set(factor.categories))
        if unknown:
            raise UnknownNameError(
                f"category of factor {factor.key}", unknown[0], factor.categories
            )
        total = sum(shares.values()) or 1.0
        return sum(factor.categories[k] * v for k, v in shares.items()) / total
    value = float(metric)  # type: ignore[arg-type]
    if math.isnan(value):
        return None
    if factor.direction == "higher_better":
        reached = [s for b, s in factor.thresholds if value >= b]
        return reached[-1] if reached else 0.0
    within = [s for b, s in factor.thresholds if value <= b]
    return within[0] if within else 0.0


@dataclass
class Score:
    table: pd.DataFrame  # key, name_zh, name_en, metric, unit, score, weight, contribution
    total: float
    grade: str
    grade_label: str
    missing: list[str]


def credit_score(rule: CreditRule, metrics: Mapping[str, Any]) -> Score:
    """Score the metrics with the rule."""
    rows, missing = [], []
    for f in rule.factors:
        raw = metrics.get(f.key)
        s = factor_score(f, raw)
        if s is None:
            missing.append(f.key)
            s = rule.missing_score
        shown = (
            ", ".join(f"{k} {v:.0%}" for k, v in raw.items()) if isinstance(raw, Mapping) else raw
        )
        rows.append(
            {
                "key": f.key,
                "name_zh": f.name_zh,
                "name_en": f.name_en,
                "metric": shown,
                "unit": f.unit,
                "score": s,
                "weight": f.weight,
                "contribution": s * f.weight,
            }
        )
    table = pd.DataFrame(rows)
    total = float(table["contribution"].sum())
    grade = next(g for g in rule.grades if total >= g.min_score - 1e-9)
    return Score(table, total, grade.grade, grade.label, missing)


# --- the evidence pack -------------------------------------------------------------------


@dataclass
class Evidence:
    """Everything the pack shows."""

    kind: str  # parcel | package
    code: str
    name: str
    parcels: list[ParcelRecord]
    value: SiteValue
    composition: pd.DataFrame
    trend: pd.DataFrame  # year, account_id, flow_cny, flow_constant_cny, base_year
    metrics: dict[str, Any]
    score: Score
    rule: CreditRule
    methods: dict[str, str]
    units: Any = None  # the account's counties (for the map)
    notes: list[str] = field(default_factory=list)
    #: sink credits issued on the parcels (collateral evidence, decision 0052)
    sink_credits: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "statement": NO_PRICE,
            "rights": [p.public() for p in self.parcels],
            "valuation": self.value.to_dict(),
            "methods": self.methods,
            "composition": _records(self.composition),
            "trend": _records(self.trend),
            "metrics": self.metrics,
            "score": {
                "rule": self.rule.name,
                "rule_version": self.rule.version,
                "rule_status": self.rule.status,
                "factors": _records(self.score.table),
                "total": self.score.total,
                "grade": self.score.grade,
                "grade_label": self.score.grade_label,
                "missing_metrics": self.score.missing,
                "missing_score": self.rule.missing_score,
            },
            "sink_credits": self.sink_credits,
            "notes": self.notes,
        }


def sink_credit_rows(engine: Engine, parcels: list[ParcelRecord]) -> list[dict[str, Any]]:
    """The carbon-inclusive sink credits issued on any of ``parcels`` (by project and
    vintage): serials, vintage, quantity and how much is held, retired or redeemed now
    [t CO2; one credit is one kilogram]. No participant is named (the registry holds
    pseudonyms only)."""
    from ganpo.carbon.inclusive import serial_range
    from ganpo.store.inclusive_models import SINK_KINDS
    from ganpo.store.inclusive_sinks import sink_credits_on

    rows = []
    for c in sink_credits_on(engine, [p.code for p in parcels]):
        zh, en = SINK_KINDS.get(c.kind, (c.kind, c.kind))
        rows.append(
            {
                "project": c.project,
                "project_name": c.project_name,
                "kind": f"{zh} {en}",
                "parcels": ", ".join(c.parcels),
                "vintage": c.vintage,
                "methodology": f"{c.methodology} v{c.version}",
                "serials": serial_range(
                    c.methodology,
                    c.version,
                    c.vintage,
                    c.region_adcode,
                    c.first_serial,
                    c.last_serial,
                ),
                "quantity_t_co2": c.quantity_kg / 1000,
                "held_t_co2": c.held_kg / 1000,
                "retired_t_co2": c.retired_kg / 1000,
                "redeemed_t_co2": c.redeemed_kg / 1000,
                "measured_t_co2": c.measured_t,
                "account_id": c.account_id,
            }
        )
    return rows


def resolve_target(engine: Engine, code: str) -> tuple[str, str, list[ParcelRecord]]:
    """(kind, name, parcels) of a parcel or package code."""
    try:
        p = store.get_parcel(engine, code)
        return "parcel", p.name, [p]
    except UnknownNameError:
        pass
    try:
        pkg = store.get_package(engine, code)
    except UnknownNameError:
        parcels = [p.code for p in store.list_parcels(engine)]
        packages = [p.code for p in store.list_packages(engine)]
        raise UnknownNameError("parcel or package", code, parcels + packages) from None
    return "package", pkg.name, pkg.parcels


def latest_account_with_rasters(engine: Engine) -> int:
    """The newest current stored account (not withdrawn, not superseded) that has value
    rasters."""
    from ganpo.store.repository import load_account

    for acc in reversed(list_accounts(engine)):
        if acc.status in CURRENT_STATUSES and not load_account(engine, acc.id).rasters.empty:
            return int(acc.id)
    raise InputError(
        en="no stored account has value rasters; run one with --rasters DIR (or `ganpo demo`)",
        zh="已保存的核算都没有价值栅格；请用 --rasters DIR 运行一次核算（或运行 `ganpo demo`）",
        field="account",
    )


def build_evidence(
    engine: Engine,
    code: str,
    account_id: int | None = None,
    *,
    rule: CreditRule | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
) -> Evidence:
    """Collect the evidence for a parcel or package (nothing is written)."""
    rule = rule or load_rule()
    kind, name, parcels = resolve_target(engine, code)
    if account_id is None:  # 0 is an id to look up (and refuse), not the default
        account_id = latest_account_with_rasters(engine)
    layers = account_layers(engine, account_id)
    geom = unary_union([to_crs(p.geometry, p.crs, layers.crs_wkt) for p in parcels])
    kw: dict[str, Any] = {"discount_rate": discount_rate, "horizon_years": horizon_years}
    value = value_geometry(layers, geom, layers.crs_wkt, what=f"{kind} {code}", **kw)
    comp = (
        ecosystem_composition(
            value.geometry, layers.crs_wkt, layers.ecosystem_raster, layers.cell_area_m2
        )
        if layers.ecosystem_raster
        else {}
    )
    composition = composition_table(comp)
    trend, notes = _trend(engine, layers.stored.account, value.geometry, layers.crs_wkt, **kw)
    natural = {by_key(k).code for k in NATURAL_TYPES}
    total_area = sum(comp.values())
    flows = value.flows
    p05, p95 = flows["p05_cny"].sum(min_count=1), flows["p95_cny"].sum(min_count=1)
    rights: dict[str, float] = {}
    for p in parcels:
        rights[p.rights_type] = rights.get(p.rights_type, 0.0) + p.area_m2
    area = sum(rights.values()) or 1.0
    metrics: dict[str, Any] = {
        "value_density": value.flow_cny / (value.area_m2 / 1e4),
        "trend": _growth(trend),
        "natural_share": sum(a for c, a in comp.items() if c in natural) / total_area
        if total_area > 0
        else None,
        "uncertainty": float((p95 - p05) / value.flow_cny)
        if value.flow_cny > 0 and pd.notna(p05) and pd.notna(p95)
        else None,
        "rights": {k: v / area for k, v in rights.items()},
    }
    score = credit_score(rule, metrics)
    if score.missing:
        notes.append(
            f"metrics not measurable, scored {rule.missing_score:g} by the rule: "
            f"{', '.join(score.missing)} / 无法计算的指标按规则计 {rule.missing_score:g} 分"
        )
    profile = load_profile(layers.stored.account.profile)
    methods: dict[str, str] = {}
    for k in flows["indicator"]:
        if k in profile.indicators:
            m = method(k, profile.indicators[k])
            methods[str(k)] = f"{m.title_zh} / {m.title_en}"
    return Evidence(
        kind=kind,
        code=code,
        name=name,
        parcels=parcels,
        value=value,
        composition=composition,
        trend=trend,
        metrics=metrics,
        score=score,
        rule=rule,
        methods=methods,
        units=layers.units,
        notes=value.notes + notes,
        sink_credits=sink_credit_rows(engine, parcels),
    )


def _trend(
    engine: Engine, account: Any, geometry: Any, crs: str, **kw: Any
) -> tuple[pd.DataFrame, list[str]]:
    """The site's flow under every stored account of the same dataset (one per year)."""
    same = [
        a
        for a in list_accounts(engine)
        if a.dataset_name == account.dataset_name and a.region_adcode == account.region_adcode
    ]
    newest: dict[int, Any] = {}
    for year in sorted({a.year for a in same}):
        chosen = preferred_account(a for a in same if a.year == year)
        if chosen is not None:  # a year with only withdrawn or superseded accounts: none
            newest[year] = chosen
    rows, notes = [], []
    years = sorted(newest)
    base = years[0]
    for year in years:
        a = newest[year]
        try:
            v = value_geometry(account_layers(engine, a.id), geometry, crs, **kw)
        except GanpoError as exc:
            notes.append(f"account #{a.id} ({year}) left out of the trend: {exc}")
            continue
        deflator = load_deflator(load_profile(a.profile).deflator)
        rows.append(
            {
                "year": year,
                "account_id": int(a.id),
                "flow_cny": v.flow_cny,
                "flow_constant_cny": v.flow_cny * deflator.factor(year, base),
                "base_year": base,
            }
        )
    cols = ["year", "account_id", "flow_cny", "flow_constant_cny", "base_year"]
    return pd.DataFrame(rows, columns=cols), notes


def _growth(trend: pd.DataFrame) -> float | None:
    if len(trend) < 2:
        return None
    first, last = trend.iloc[0], trend.iloc[-1]
    years = int(last["year"] - first["year"])
    if years <= 0 or first["flow_constant_cny"] <= 0:
        return None
    return float((last["flow_constant_cny"] / first["flow_constant_cny"]) ** (1.0 / years) - 1.0)


def _trend_chart(trend: pd.DataFrame) -> str:
    fig, ax = plt.subplots(figsize=(6.0, 2.6))
    ax.plot(trend["year"], trend["flow_cny"] / 1e4, marker="o", label="当年价 current prices")
    ax.plot(
        trend["year"],
        trend["flow_constant_cny"] / 1e4,
        marker="s",
        label=f"可比价 constant {int(trend['base_year'].iloc[0])} prices",
    )
    ax.set_ylabel("万元/年 10^4 CNY/a")
    ax.set_xticks(trend["year"])
    ax.legend(fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def write_evidence(ev: Evidence, out_dir: Path) -> list[Path]:
    """Write ``<code>_evidence.pdf`` and ``<code>_evidence.json`` into ``out_dir``."""
    v = ev.value
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in ev.code)
    pdf_path = Path(out_dir) / f"{safe}_evidence.pdf"
    title = f"生态资产信用证明材料 / Ecological credit evidence: {ev.code}"
    rights = pd.DataFrame(
        [
            {
                "code": p.code,
                "name": p.name,
                "owner": p.owner,
                "rights": RIGHTS_TYPES.get(p.rights_type, p.rights_type),
                "area_ha": p.area_m2 / 1e4,
                "adcode": p.adcode,
                "status": p.status,
            }
            for p in ev.parcels
        ]
    )
    flows = v.flows.assign(method=[ev.methods.get(i, "") for i in v.flows["indicator"]])
    body = [
        f"<p class='warn'>{NO_PRICE}</p>",
        "<h2>一、权属信息 Rights</h2>"
        + doc.html_table(
            rights,
            [
                "编码 code",
                "名称 name",
                "权利人 holder",
                "权利类型 rights",
                "面积 ha",
                "县 adcode",
                "状态 status",
            ],
            {"area_ha": ",.2f"},
        ),
        "<h2>二、位置 Location</h2><div class='fig'><img src='"
        + doc.location_map(
            [(p.code, to_crs(p.geometry, p.crs, v.crs_wkt)) for p in ev.parcels],
            v.crs_wkt,
            ev.units,
            title=ev.name,
        )
        + "'/></div>",
        "<h2>三、生态系统构成 Ecosystem composition</h2>"
        + doc.html_table(
            ev.composition.drop(columns=["ecosystem_code"]),
            ["类型", "type", "面积 ha", "占比 share"],
            {"area_ha": ",.2f", "share": ".1%"},
        ),
        f"<h2>四、服务与价值 Services and values (核算 account #{v.account_id}, {v.year})</h2>"
        + doc.html_table(
            flows[
                [
                    "name_zh",
                    "name_en",
                    "quantity",
                    "quantity_unit",
                    "price",
                    "value_cny",
                    "p05_cny",
                    "p95_cny",
                    "method",
                ]
            ],
            [
                "指标",
                "service",
                "实物量 quantity",
                "单位 unit",
                "价格 price",
                "价值 CNY/a",
                "5%",
                "95%",
                "方法 method",
            ],
            {
                "quantity": ",.0f",
                "price": ",.3f",
                "value_cny": ",.0f",
                "p05_cny": ",.0f",
                "p95_cny": ",.0f",
            },
        )
        + f"<p>年服务流量 annual flow: <b>{doc.money(v.flow_cny)}</b>；资产价值 asset value "
        f"(NPV, r = {v.discount_rate:.2%}, n = {v.horizon_years} a, factor {v.factor:.3f}): "
        f"<b>{doc.money(v.asset_value_cny)}</b>. V = Σ_(t=1..n) F/(1+r)^(t−1) "
        "(GB/T 43677-2024; 博文静 et al. 2017).</p><p class='small'>"
        f"{COVERAGE_METHOD}"
        "</p><p class='small'>未计入（统计表县级核算）not included (county statistics): "
        + ", ".join(f"{r.name_zh} {r.name_en}" for r in v.excluded.itertuples())
        + "</p>",
        "<h2>五、变化趋势 Trend</h2>"
        + (
            f"<div class='fig'><img src='{_trend_chart(ev.trend)}'/></div>"
            if len(ev.trend) > 1
            else "<p>仅有一年核算 only one year stored.</p>"
        )
        + doc.html_table(
            ev.trend,
            [
                "年 year",
                "核算 account",
                "当年价 current (CNY/a)",
                "可比价 constant (CNY/a)",
                "基年 base",
            ],
            {"flow_cny": ",.0f", "flow_constant_cny": ",.0f"},
        ),
        f"<h2>六、生态信用评分 Ecological credit score</h2><p>规则 rule: {ev.rule.title_zh} / "
        f"{ev.rule.title_en}, {ev.rule.name} v{ev.rule.version} — {ev.rule.status}</p>"
        + doc.html_table(
            ev.score.table.drop(columns=["key"]),
            [
                "因子",
                "factor",
                "指标值 metric",
                "单位 unit",
                "得分 score",
                "权重 weight",
                "贡献 contribution",
            ],
            {"score": ".1f", "weight": ".2f", "contribution": ".1f"},
        )
        + f"<p><b>评分 score {ev.score.total:.1f} / 100，等级 grade {ev.score.grade} "
        f"({ev.score.grade_label})</b></p><p class='small'>阈值 thresholds: "
        + "; ".join(
            f"{f.key}: "
            + (
                ", ".join(f"{k}→{s:g}" for k, s in f.categories.items())
                if f.direction == "category"
                else ", ".join(
                    f"{'≥' if f.direction == 'higher_better' else '≤'}{b:g}→{s:g}"
                    for b, s in f.thresholds
                )
            )
            for f in ev.rule.factors
        )
        + "</p>",
        _sink_section(ev.sink_credits),
        "<h2>说明 Notes</h2><ul>" + "".join(f"<li>{n}</li>" for n in ev.notes) + "</ul>",
    ]
    pdf = doc.write_pdf(doc.page(title, body, synthetic=v.synthetic), pdf_path)
    js = doc.write_json(ev.to_dict(), pdf_path.with_suffix(".json"))
    return [pdf, js]


def _sink_section(rows: list[dict[str, Any]]) -> str:
    """Section 7 of the pack: the sink credits issued on its parcels."""
    head = (
        "<h2>七、碳汇减排量（担保证明）Sink credits issued on the parcels "
        "(collateral evidence)</h2>"
    )
    if not rows:
        return head + "<p>未签发碳汇减排量 no sink credit was issued on these parcels.</p>"
    table = pd.DataFrame(rows)[
        [
            "project",
            "kind",
            "parcels",
            "vintage",
            "serials",
            "quantity_t_co2",
            "held_t_co2",
            "retired_t_co2",
            "redeemed_t_co2",
        ]
    ]
    return (
        head
        + doc.html_table(
            table,
            [
                "项目 project",
                "类型 kind",
                "地块 parcels",
                "年份 vintage",
                "序号 serials",
                "签发 issued t CO2",
                "持有 held",
                "注销 retired",
                "兑换 redeemed",
            ],
            {
                "quantity_t_co2": ",.3f",
                "held_t_co2": ",.3f",
                "retired_t_co2": ",.3f",
                "redeemed_t_co2": ",.3f",
            },
        )
        + "<p class='small'>碳普惠登记簿中的碳汇减排量，一个单位为 1 kg CO2；"
        "已注销或兑换的不能再作担保。"
        " Sink credits of the carbon-inclusive registry, one credit = 1 kg CO2; retired or "
        "redeemed credits no longer back anything.</p>"
    )
