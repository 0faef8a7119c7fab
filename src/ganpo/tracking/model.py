"""Indicators, targets and warning thresholds as data (docs/tracking.md, "Data format").

An **indicator** says what is measured: key, names in Chinese and English, unit and
direction (lower or higher is better); how its values are obtained is the caller's
business. A **target** binds an indicator, an administrative unit (adcode) and a year or
period to a kind (``ceiling``, ``floor``, ``reduction_pct`` from a base year), a value
with its unit, the source that set it and its status. A **warning rule** grades one
measure of progress (``schedule_gap_pp``, ``budget_used_pct`` …) by thresholds into
levels. All three are pydantic models, read from TOML by :mod:`ganpo.tracking.registry`.

A file that tracks a decision also holds its **pillars** and their **clauses**, each
clause naming the indicators that measure it, and **observations**: one value of one
indicator for one unit and year, with its unit, source and status (published, reported
synthetic or computed). A file carries a ``version`` and the date it is ``valid_from``
(docs/decisions/0036-decision-targets.md).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganpo.errors import pattern_in_words

Direction = Literal["lower_is_better", "higher_is_better"]
TargetKind = Literal["ceiling", "floor", "reduction_pct"]
TargetStatus = Literal["adopted", "draft", "synthetic", "withdrawn"]
#: an observation's status: from an official publication, an official's figure as a news
#: agency reported it, made up for the demo (合成数据), or computed by ganpo from the
#: stored accounts (:mod:`ganpo.tracking.computed`)
#: stored from a department's reporting form once reviewed and approved (部门报表)
ObservationStatus = Literal["published", "reported", "synthetic", "computed", "form"]
#: how an indicator's values come in: a department reports them through the reporting
#: forms (一张报表 per indicator and year), or the platform computes them from the stored
#: accounts and inventories (:mod:`ganpo.apply.decision_series`)
Collection = Literal["form", "computed"]

#: the measures a warning rule may grade (computed by :mod:`ganpo.tracking.progress`,
#: :mod:`ganpo.tracking.budget` and :func:`ganpo.tracking.progress.adverse_years`)
MEASURES: dict[str, tuple[str, str, str]] = {
    # key: (unit, name zh, name en)
    "schedule_gap_pp": (
        "percentage points",
        "时间进度与任务进度之差",
        "time elapsed less task achieved",
    ),
    "rate_gap_pp": (
        "percentage points a year",
        "所需年均变化率与已实现年均变化率之差",
        "required less achieved annual rate",
    ),
    "target_exceedance_pct": ("%", "超出目标值的幅度", "excess over the target value"),
    "target_gap": ("the indicator's unit", "与目标值之差", "distance beyond the target value"),
    "budget_used_pct": ("%", "碳预算已使用比例", "share of the budget used"),
    "adverse_years": (
        "years",
        "连续向不利方向变化的年数",
        "years running in the adverse direction",
    ),
}
Measure = Literal[
    "schedule_gap_pp",
    "rate_gap_pp",
    "target_exceedance_pct",
    "target_gap",
    "budget_used_pct",
    "adverse_years",
]

#: the least threshold a warning level of a measure may have where below it every target
#: (or unit) would be warned of: a share of the budget used, an excess over the target or
#: a distance beyond it are 0 or less on every target that is within it, a run of adverse
#: years is 0 on every series (schedule and rate gaps are signed and take any threshold)
LEAST_THRESHOLD: dict[str, float] = {
    "budget_used_pct": 0.0,
    "target_exceedance_pct": 0.0,
    "target_gap": 0.0,
    "adverse_years": 1.0,
}

#: the years a target or an observation may be of
FIRST_YEAR, LAST_YEAR = 1949, 2100

#: the form of the keys of indicators, rules, levels, clauses and pillars
_KEY = pattern_in_words(
    r"^[a-z][a-z0-9_]*$",
    "a lower-case letter, then lower-case letters, digits or _",
    "以小写字母开头，其后为小写字母、数字或 _",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Indicator(_Model):
    """What is tracked: its key, names, unit and which way is better."""

    key: str = Field(**_KEY)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    unit_zh: str = ""  # the unit as Chinese statistics write it (万吨二氧化碳); default: unit
    unit_en: str = ""  # the unit in English prose; default: unit
    direction: Direction
    description: str = ""
    definition_zh: str = ""  # how it is measured, as the statistics define it
    definition_en: str = ""
    department: str = ""  # the reporting department (a key of catalog departments.toml)
    collection: Collection = "form"
    #: the values a report may hold, in the indicator's unit (a share: 0 to 100 %);
    #: a reported value outside is refused at upload
    valid_range: tuple[float, float] | None = None

    @model_validator(mode="after")
    def _range(self) -> Indicator:
        if self.valid_range is not None and self.valid_range[0] >= self.valid_range[1]:
            raise ValueError(f"valid_range {list(self.valid_range)} is empty; give [low, high]")
        return self

    def unit_in(self, language: str) -> str:
        """The unit as written in ``language`` (``zh`` or ``en``)."""
        return (self.unit_zh if language == "zh" else self.unit_en) or self.unit


class Target(_Model):
    """One target of one indicator for one unit and a year or a period.

    ``ceiling``: the value must not exceed ``value`` in the last year of the period (in
    every year of it when ``annual``; summed over it when ``cumulative``, a budget);
    ``floor``: must not fall below ``value`` (in the last year; in every year when
    ``annual``); ``reduction_pct``: the value of the last year must be ``value`` % below
    the value of ``base_year`` (``value_unit`` is then ``%``).
    """

    key: str = Field(min_length=1)
    indicator: str
    unit_code: int = Field(ge=100000, le=999999999)
    year: int | None = Field(default=None, ge=1949, le=2100)
    period: tuple[int, int] | None = None
    kind: TargetKind
    value: float
    value_unit: str = Field(min_length=1)
    base_year: int | None = Field(default=None, ge=1949, le=2100)
    base_value: float | None = None  # in the indicator's unit
    cumulative: bool = False
    annual: bool = False
    source: str = Field(min_length=1)
    status: TargetStatus
    note: str = ""  # why synthetic, what the source says in its own words

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if (self.year is None) == (self.period is None):
            raise ValueError("give either year or period (first and last year), not both")
        first, last = self.first_year, self.last_year
        if not (FIRST_YEAR <= first <= LAST_YEAR and FIRST_YEAR <= last <= LAST_YEAR):
            raise ValueError(
                f"period {first}–{last}: its years run from {FIRST_YEAR} to {LAST_YEAR}"
            )
        if first > last:
            raise ValueError(f"period {first}–{last} ends before it starts")
        if self.kind == "reduction_pct":
            if self.base_year is None:
                raise ValueError(
                    "a reduction target needs base_year (the year the reduction is measured from)"
                )
            if self.value_unit != "%":
                raise ValueError(f"a reduction target is in %, not {self.value_unit!r}")
            if not 0 < self.value < 100:
                raise ValueError(f"a reduction of {self.value:g} % is not between 0 and 100")
            if self.base_value is not None and not self.base_value > 0:
                raise ValueError(
                    f"base_value {self.base_value:g}: a reduction in % is measured from a "
                    "base value > 0 (of 0 or below, every level reached is no reduction "
                    "of it); give the base year's value"
                )
        if self.base_value is not None and self.base_year is None:
            raise ValueError("base_value is given without base_year")
        if self.base_year is not None and self.base_year >= first:
            raise ValueError(
                f"base_year {self.base_year} must precede the period's first year {first}"
            )
        if self.cumulative and self.kind != "ceiling":
            raise ValueError("only a ceiling can be cumulative (a budget over the period)")
        if self.annual and (self.cumulative or self.kind == "reduction_pct"):
            raise ValueError(
                "annual (the limit holds every year) is for a ceiling or a floor that is "
                "not cumulative"
            )
        return self

    @property
    def first_year(self) -> int:
        return self.year if self.year is not None else self.period[0]  # type: ignore[index]

    @property
    def last_year(self) -> int:
        return self.year if self.year is not None else self.period[1]  # type: ignore[index]

    @property
    def start_year(self) -> int:
        """The year progress is counted from: the base year, else the year before the
        period (time elapsed is 0 there)."""
        return self.base_year if self.base_year is not None else self.first_year - 1


class Level(_Model):
    """One warning level: reached when the measure is at least (or above) ``threshold``."""

    level: str = Field(**_KEY)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    threshold: float


class WarningRule(_Model):
    """Grade one measure into levels (most severe first); one warning per rule and target."""

    key: str = Field(**_KEY)
    measure: Measure
    indicators: list[str] = Field(default_factory=list)  # empty: every indicator
    strict: bool = False  # True: the measure must exceed the threshold, not just reach it
    levels: list[Level] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> WarningRule:
        t = [lv.threshold for lv in self.levels]
        if t != sorted(t, reverse=True) or len(set(t)) != len(t):
            raise ValueError(
                "levels go from the most severe (highest threshold) down, thresholds "
                f"distinct; got {', '.join(f'{x:g}' for x in t)}"
            )
        names = [lv.level for lv in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"level names repeat: {', '.join(names)}")
        least = LEAST_THRESHOLD.get(self.measure)
        for lv in self.levels:
            if least is not None and lv.threshold < least:
                raise ValueError(
                    f"level {lv.level!r}: threshold {lv.threshold:g} of measure "
                    f"{self.measure} is below {least:g} ({MEASURES[self.measure][0]}): every "
                    "target would be warned of; give a threshold of at least "
                    f"{least:g}"
                )
            if self.measure == "adverse_years" and lv.threshold != int(lv.threshold):
                raise ValueError(
                    f"level {lv.level!r}: threshold {lv.threshold:g} of measure adverse_years "
                    "is a count of years: give a whole number"
                )
        return self


class Clause(_Model):
    """One clause of a decision's pillar and the indicators that measure it."""

    key: str = Field(**_KEY)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    indicators: list[str] = Field(default_factory=list)


class Pillar(_Model):
    """One pillar (a section) of a decision, with its clauses."""

    key: str = Field(**_KEY)
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    clauses: list[Clause] = Field(min_length=1)


class Observation(_Model):
    """One observed value of an indicator for a unit and a year, with its source."""

    indicator: str = Field(min_length=1)
    unit_code: int = Field(ge=100000, le=999999999)
    year: int = Field(ge=1949, le=2100)
    value: float
    unit: str = Field(min_length=1)
    source: str = Field(min_length=1)
    status: ObservationStatus
    note: str = ""


class TrackingFile(_Model):
    """A tracking data file: any of indicators, warning rules, targets, a decision's
    pillars and observations."""

    title_zh: str = ""
    title_en: str = ""
    source: str = ""
    verified: str = ""
    version: str = ""
    valid_from: date | None = None
    #: the adcode of the province, city or county the file tracks; when given, every target
    #: and observation must be of it or of a unit within it (a file without it, national
    #: or of several regions, takes any administrative unit)
    region: int | None = Field(default=None, ge=100000, le=999999)
    pillars: list[Pillar] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    warning_rules: list[WarningRule] = Field(default_factory=list)
    targets: list[Target] = Field(default_factory=list)
    observations: list[Observation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keys_once(self) -> TrackingFile:
        for what, keys in (
            ("warning rule", [r.key for r in self.warning_rules]),
            ("pillar", [p.key for p in self.pillars]),
            ("clause", [c.key for p in self.pillars for c in p.clauses]),
        ):
            twice = sorted({k for k in keys if keys.count(k) > 1})
            if twice:
                raise ValueError(f"{what} key(s) given twice: {', '.join(twice)}")
        return self
