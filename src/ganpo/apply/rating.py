"""Ecological credit evaluation of entities (经营主体生态信用评价): firms, co-operatives,
villages and households graded on the records the departments report about them.

This rates ENTITIES; :mod:`ganpo.apply.credit` scores LAND (a parcel or package). The rule
is versioned data (``catalog/data/rating/ganpo-entity.toml``: indicators with their
definition, reporting department, points per record or per amount tier, caps, veto
indicators and grade bands). The grade levels follow the national 企业环境信用评价办法（试行）
(环发〔2013〕150号): 环保诚信 (green), 良好 (blue), 警示 (yellow), 不良 (red); the points,
caps and thresholds of the shipped rule are ganpo's own demonstration values.

The score of an entity on a date :math:`t` is

.. math::

    S = \\min\\bigl(100, \\max\\bigl(0,\\; B + \\sum_i \\operatorname{clip}_{c_i}
        \\bigl(\\sum_{r \\in R_i(t)} p_i(r)\\bigr)\\bigr)\\bigr)

with :math:`B` the rule's base score, :math:`R_i(t)` the records of indicator :math:`i`
dated within ``window_years`` before :math:`t`, :math:`p_i(r)` a record's points (fixed,
or the tier its amount reaches) and :math:`c_i` the indicator's cap (a bound on the
indicator's total, below 0 for deductions). A record of a veto indicator sets the lowest
grade whatever the score. An entity without any record in the window is **not rated**:
no grade without evidence. Every point of the score is a line of the explanation
(indicator, record, department, date, points), and the lines sum to the score.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganpo.catalog.departments import departments
from ganpo.catalog.files import data_dir, load_toml_model, shipped_names
from ganpo.errors import InputError, UnknownNameError, pattern_in_words

DEFAULT_RULE = "ganpo-entity"
#: the kinds of entity rated, with their names and how each is identified
ENTITY_KINDS: dict[str, tuple[str, str]] = {
    "firm": ("企业", "firm"),
    "cooperative": ("农民专业合作社", "co-operative"),
    "village": ("村（村民委员会）", "village"),
    "household": ("农户", "household"),
}
#: GB 32100-2015 统一社会信用代码: the 31 characters (no I, O, Z, S, V) and the weights
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VILLAGE = re.compile(r"[1-9]\d{11}")
_HOUSEHOLD = re.compile(r"([1-9]\d{11})-(\d{1,6})")
NOT_RATED = "not_rated"


class RatingIndicator(BaseModel):
    """One indicator: what a record of it is, who reports it, its points and cap."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    key: str = Field(
        **pattern_in_words(
            r"^[a-z][a-z0-9_]*$",
            "a lower-case letter, then lower-case letters, digits or _",
            "以小写字母开头，其后为小写字母、数字或 _",
        )
    )
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    department: str
    points: float | None = None  # fixed points per record
    tiers: list[tuple[float, float]] = []  # [amount at least, points], ascending
    amount_unit: str = ""
    cap: float  # bound on the indicator's total: ≤ 0 for a deduction, ≥ 0 for an addition
    veto: bool = False

    @model_validator(mode="after")
    def _check(self) -> RatingIndicator:
        if (self.points is None) == (not self.tiers):
            raise ValueError(f"indicator {self.key}: give either points or tiers, not both")
        if self.tiers and not self.amount_unit:
            raise ValueError(f"indicator {self.key}: tiers need an amount_unit")
        bounds = [b for b, _ in self.tiers]
        if bounds != sorted(bounds) or len(set(bounds)) != len(bounds):
            raise ValueError(f"indicator {self.key}: tiers must ascend in amount")
        signs = {p > 0 for p in self.all_points() if p != 0}
        if len(signs) > 1:
            raise ValueError(f"indicator {self.key}: points must all add or all deduct")
        if signs and (self.cap > 0) != signs.pop():
            raise ValueError(f"indicator {self.key}: the cap must have the points' sign")
        return self

    def all_points(self) -> list[float]:
        return [self.points] if self.points is not None else [p for _, p in self.tiers]

    def record_points(self, amount: float | None) -> float:
        """The points of one record: fixed, or the tier its amount reaches (0 below the
        first tier)."""
        if self.points is not None:
            return self.points
        if amount is None:
            raise InputError(
                en=f"a record of {self.key} needs its amount ({self.amount_unit})",
                zh=f"{self.name_zh}须填写数量（{self.amount_unit}）",
                field="amount",
            )
        reached = [p for b, p in self.tiers if amount >= b]
        return reached[-1] if reached else 0.0


class RatingGrade(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    grade: str
    min_score: float = Field(ge=0.0, le=100.0)
    name_zh: str
    name_en: str


class RatingRule(BaseModel):
    """A versioned rule; grades in descending order of their minimum score, the last at 0."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str
    version: str
    title_zh: str
    title_en: str
    status: str
    base_score: float = Field(ge=0.0, le=100.0)
    window_years: int = Field(ge=1, le=10)
    grades: list[RatingGrade]
    indicators: list[RatingIndicator]

    @model_validator(mode="after")
    def _check(self) -> RatingRule:
        mins = [g.min_score for g in self.grades]
        if not mins or mins != sorted(mins, reverse=True) or mins[-1] != 0.0:
            raise ValueError("grades must be in descending min_score order, the last at 0")
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            raise ValueError("an indicator key is given twice")
        known = departments()
        for ind in self.indicators:
            if ind.department not in known:
                raise ValueError(
                    f"indicator {ind.key}: department {ind.department!r} is not one of "
                    f"{', '.join(known)}"
                )
        return self

    def indicator(self, key: str) -> RatingIndicator:
        found = {i.key: i for i in self.indicators}
        if key not in found:
            raise UnknownNameError(
                f"indicator of rating rule {self.name} {self.version}", key, found
            )
        return found[key]

    def grade_of(self, score: float) -> RatingGrade:
        return next(g for g in self.grades if score >= g.min_score - 1e-9)

    def digest(self) -> str:
        """SHA-256 of the rule's content: a rule edited under the same version is caught."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_rating_rule(name_or_path: str | Path = DEFAULT_RULE) -> RatingRule:
    """A shipped rule by name, or a rule TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        names = shipped_names("rating")
        if str(name_or_path) not in names:
            raise UnknownNameError("entity rating rule", str(name_or_path), names)
        path = data_dir("rating") / f"{name_or_path}.toml"
    elif not path.exists():
        raise InputError(
            en="entity rating rule file not found", zh="评价规则文件不存在", source=path
        )
    return load_toml_model(path, RatingRule, "entity rating rule")


# --- entity identifiers ----------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015, clause 5: weighted sum mod 31
    over the first 17 characters, weights :math:`3^{i} \\bmod 31`).

    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码 (English / 中文), None when it is."""
    if len(code) != 18:
        return f"has {len(code)} characters, a 统一社会信用代码 has 18 / 统一社会信用代码应为 18 位"
    bad = sorted({c for c in code if c not in USCC_CHARS})
    if bad:
        return (
            f"holds {''.join(bad)}, not used in a 统一社会信用代码 (no I, O, Z, S, V, no lower "
            f"case) / 含有统一社会信用代码不使用的字符 {''.join(bad)}"
        )
    want = uscc_check_char(code[:17])
    if code[17] != want:
        return (
            f"check digit {code[17]} is wrong (GB 32100-2015 gives {want}); check the code "
            f"against the business licence / 校验码错误（应为 {want}），请核对营业执照"
        )
    return None


def entity_id_problem(entity_id: str, kind: str) -> str | None:
    """Why ``entity_id`` cannot identify an entity of ``kind``, None when it can.

    Firms and co-operatives: the 18-character 统一社会信用代码 with its check digit. A
    village: its 12-digit statistical division code (统计用区划代码). A household: its
    village's code, a hyphen and the household number of the village register
    (``360702101201-0012``); never a person's ID number."""
    if kind not in ENTITY_KINDS:
        return f"kind {kind!r} is not one of {', '.join(ENTITY_KINDS)} / 主体类型无效"
    if kind in ("firm", "cooperative"):
        return uscc_problem(entity_id)
    if kind == "village" and not _VILLAGE.fullmatch(entity_id):
        return (
            "a village is identified by its 12-digit statistical division code / "
            "村须以 12 位统计用区划代码标识"
        )
    if kind == "household" and not _HOUSEHOLD.fullmatch(entity_id):
        return (
            "a household is its village's 12-digit code, a hyphen and its household number "
            "(360702101201-0012), never a person's ID number / "
            "农户须以村代码-户号标识，不得使用身份证号"
        )
    return None


# --- grading (pure) --------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One record the grade may rest on (an approved department record, or a fact of
    another store linked to the entity)."""

    record_id: int
    indicator: str
    department: str
    on: date
    amount: float | None
    evidence_ref: str
    source: str  # where the record came from (form, version, approval day; a ledger entry)


@dataclass(frozen=True)
class Line:
    """One line of the explanation: points of one record, a cap, or the base score."""

    kind: Literal["base", "record", "cap", "limit"]
    points: float
    indicator: str = ""
    record_id: int | None = None
    department: str = ""
    on: date | None = None
    text_zh: str = ""
    text_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "points": self.points,
            "indicator": self.indicator,
            "record_id": self.record_id,
            "department": self.department,
            "date": self.on.isoformat() if self.on else None,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
        }


@dataclass
class Grading:
    """The outcome: a grade with its explanation, or not rated with the reason."""

    entity_id: str
    as_of: date
    rule_name: str
    rule_version: str
    rule_sha256: str
    grade: str  # a grade of the rule, or NOT_RATED
    grade_zh: str
    grade_en: str
    score: float | None
    lines: list[Line] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    expired: list[Evidence] = field(default_factory=list)
    #: records of an indicator the rule does not have (a rule version that dropped it)
    ignored: list[Evidence] = field(default_factory=list)
    vetoed_by: list[int] = field(default_factory=list)

    def explanation(self) -> list[dict[str, Any]]:
        return [x.as_dict() for x in self.lines]


def _window_start(as_of: date, years: int) -> date:
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def grade_entity(
    rule: RatingRule, entity_id: str, records: Sequence[Evidence], as_of: date
) -> Grading:
    """Grade one entity on ``as_of`` from its records (pure: no store, no clock).

    Records dated after ``as_of`` are ignored; those older than the window are listed as
    expired and give no points. Each counted record is a line; an indicator whose total
    passes its cap gets a ``cap`` line taking back the excess; a score outside 0–100 a
    ``limit`` line. The lines sum to the score."""
    start = _window_start(as_of, rule.window_years)
    keys = {i.key for i in rule.indicators}
    ignored = [r for r in records if r.indicator not in keys]
    mine = [r for r in records if r.indicator in keys]
    counted = sorted((r for r in mine if start < r.on <= as_of), key=lambda r: (r.on, r.record_id))
    expired = [r for r in mine if r.on <= start]
    base = dict(
        entity_id=entity_id,
        as_of=as_of,
        rule_name=rule.name,
        rule_version=rule.version,
        rule_sha256=rule.digest(),
        expired=expired,
        ignored=ignored,
    )
    if not counted:
        why = (
            f"no approved record in the {rule.window_years} years before {as_of}"
            if not expired
            else f"only records older than {rule.window_years} years ({len(expired)})"
        )
        return Grading(
            **base,  # type: ignore[arg-type]
            grade=NOT_RATED,
            grade_zh=f"未评级：{rule.window_years} 年内无已审核记录",
            grade_en=f"not rated: {why}",
            score=None,
        )
    lines = [Line("base", rule.base_score, text_zh="基础分", text_en="base score of the rule")]
    for ind in rule.indicators:
        mine = [r for r in counted if r.indicator == ind.key]
        total = 0.0
        for r in mine:
            p = ind.record_points(r.amount)
            total += p
            amount = f"{r.amount:g} {ind.amount_unit}" if r.amount is not None else ""
            lines.append(
                Line(
                    "record",
                    p,
                    ind.key,
                    r.record_id,
                    r.department,
                    r.on,
                    f"{ind.name_zh} {amount}（{r.evidence_ref}）".replace(" （", "（"),
                    f"{ind.name_en} {amount} ({r.evidence_ref})".replace("  ", " "),
                )
            )
        if (ind.cap < 0 and total < ind.cap) or (ind.cap > 0 and total > ind.cap):
            lines.append(
                Line(
                    "cap",
                    ind.cap - total,
                    ind.key,
                    text_zh=f"{ind.name_zh}合计 {total:g} 分，以上限 {ind.cap:g} 分计",
                    text_en=f"{ind.name_en}: total {total:g} limited to the cap {ind.cap:g}",
                )
            )
    raw = sum(x.points for x in lines)
    score = min(100.0, max(0.0, raw))
    if score != raw:
        lines.append(
            Line(
                "limit",
                score - raw,
                text_zh=f"得分 {raw:g} 限于 0～100",
                text_en=f"score {raw:g} limited to 0–100",
            )
        )
    vetoes = [r.record_id for r in counted if rule.indicator(r.indicator).veto]
    g = rule.grades[-1] if vetoes else rule.grade_of(score)
    return Grading(
        **base,  # type: ignore[arg-type]
        grade=g.grade,
        grade_zh=g.name_zh + ("（一票否决）" if vetoes else ""),
        grade_en=g.name_en + (" (veto)" if vetoes else ""),
        score=score,
        lines=lines,
        evidence=counted,
        vetoed_by=vetoes,
    )
