"""Conformance tables (符合性表): what each indicator of a profile follows, and how we know.

For every shipped profile, ``data/conformance/<profile>.toml`` holds one row per indicator the
profile computes (and per physical indicator): the clause of the profile's standard it
follows, or ``text_unobtainable = true`` with where the clause is expected and the searches
made for the text (``data/conformance/searches.toml``). ``data/conformance/methods.toml``
says, method by method, the formula, the published application followed instead (citation
with section, equation or table), every deviation from it with its reason (in English and
in Chinese), and the tests that check it. :func:`conformance` joins the three and checks them
against the profile: a row for every indicator and nothing else, the same method as the
profile, no empty row, no unknown search. docs/methods.md explains the methods in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ganpo.catalog.files import data_dir, load_toml_model
from ganpo.catalog.profiles import Profile, load_profile
from ganpo.errors import InputError

TextSeen = Literal["none", "catalogue_only", "contents_only", "full"]
Language = Literal["zh", "en"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class Search(BaseModel):
    """One search made for a standard's text (or a table a method needs)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    round: str
    corpus: Literal["pages", "docs", "code", "issues", "file index"]
    query: str
    found: str

    _check = field_validator("id", "round", "query", "found")(_not_blank)


class Deviation(BaseModel):
    """Where a method departs from what it follows, and why, in English and in Chinese
    (every text a user reads exists in both)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str
    why: str
    what_zh: str
    why_zh: str

    _check = field_validator("what", "why", "what_zh", "why_zh")(_not_blank)

    def what_in(self, language: Language) -> str:
        """What departs, in ``language``."""
        return self.what_zh if language == "zh" else self.what

    def why_in(self, language: Language) -> str:
        """Why it departs, in ``language``."""
        return self.why_zh if language == "zh" else self.why


class MethodRecord(BaseModel):
    """What one method follows (shared by every profile that uses it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicators: list[str] = Field(min_length=1)
    method: str
    formula: str
    follows: str
    #: the short citation tables, reports and the platform print, in Chinese and English
    cite_zh: str
    cite_en: str
    deviations: list[Deviation] = Field(default_factory=list)
    tests: list[str] = Field(min_length=1)

    _check = field_validator("method", "formula", "follows", "cite_zh", "cite_en")(_not_blank)


class Row(BaseModel):
    """One indicator of a profile: the clause it follows or why none can be named."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    indicator: str
    method: str
    clause: str | None = None
    text_unobtainable: bool = False
    expected_in: str | None = None
    searches: list[str] = Field(default_factory=list)
    deviations: list[Deviation] = Field(default_factory=list)
    tests: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _clause_or_unobtainable(self) -> Row:
        has_clause = bool(self.clause and self.clause.strip())
        if has_clause == self.text_unobtainable:
            raise ValueError(
                f"row {self.indicator!r}: give either the clause it follows or "
                "text_unobtainable = true (with expected_in and the searches), not both"
            )
        if self.text_unobtainable and not (self.expected_in and self.expected_in.strip()):
            raise ValueError(
                f"row {self.indicator!r}: say where the clause is expected (expected_in), or "
                "that it is not known"
            )
        return self


class ProfileConformance(BaseModel):
    """The conformance file of one profile, as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str
    standard: str
    title_zh: str
    title_en: str
    text_seen: TextSeen
    seen_zh: str
    seen_en: str
    searches: list[str] = Field(default_factory=list)
    tests: list[str] = Field(default_factory=list)
    rows: list[Row] = Field(min_length=1)


class _Searches(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    searches: list[Search]


class _Methods(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    methods: list[MethodRecord]


@dataclass(frozen=True)
class ConformanceRow:
    """One indicator of a profile with everything the conformance table says of it."""

    indicator: str
    method: str
    physical: bool
    clause: str | None  # the clause followed, None where the text could not be obtained
    expected_in: str | None
    searches: tuple[Search, ...]
    formula: str
    follows: str
    cite_zh: str
    cite_en: str
    deviations: tuple[Deviation, ...]
    tests: tuple[str, ...]

    @property
    def text_unobtainable(self) -> bool:
        return self.clause is None


@dataclass(frozen=True)
class Conformance:
    """A profile's conformance table, joined and checked."""

    profile: str
    standard: str
    title_zh: str
    title_en: str
    text_seen: TextSeen
    seen_zh: str
    seen_en: str
    rows: tuple[ConformanceRow, ...]

    @property
    def text_read(self) -> bool:
        """Whether the standard's text was read (and every row names a clause)."""
        return self.text_seen == "full" and all(r.clause for r in self.rows)


FOLDER = "conformance"


@cache
def searches() -> dict[str, Search]:
    """Every recorded search, by id."""
    path = data_dir(FOLDER) / "searches.toml"
    found = load_toml_model(path, _Searches, "search record").searches
    ids = [s.id for s in found]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(
            en=f"search id(s) {', '.join(twice)} used twice",
            zh=f"检索编号 {', '.join(twice)} 重复使用：每条检索记录的编号须唯一",
            source=path,
            values=twice,
        )
    return {s.id: s for s in found}


@cache
def method_records() -> dict[tuple[str, str], MethodRecord]:
    """What each method follows, by (indicator, method key)."""
    path = data_dir(FOLDER) / "methods.toml"
    records: dict[tuple[str, str], MethodRecord] = {}
    for rec in load_toml_model(path, _Methods, "method record").methods:
        for indicator in rec.indicators:
            if (indicator, rec.method) in records:
                raise InputError(
                    en=f"method {rec.method!r} of {indicator!r} is described twice",
                    zh=f"指标 {indicator!r} 的方法 {rec.method!r} 被描述了两次：只保留一条记录",
                    source=path,
                    values=[indicator, rec.method],
                )
            records[indicator, rec.method] = rec
    return records


def conformance_names() -> list[str]:
    """Profiles that have a conformance file."""
    return sorted(
        p.stem for p in data_dir(FOLDER).glob("*.toml") if p.stem not in {"searches", "methods"}
    )


@cache
def conformance(profile_name: str) -> Conformance | None:
    """The checked conformance table of a profile, or ``None`` when the profile has none
    (a profile read from a file of the user's)."""
    if profile_name not in conformance_names():
        return None
    path = data_dir(FOLDER) / f"{profile_name}.toml"
    raw = load_toml_model(path, ProfileConformance, "conformance table")
    return check(raw, load_profile(profile_name), path=str(path))


def check(raw: ProfileConformance, profile: Profile, *, path: str = "") -> Conformance:
    """Join a conformance file with the method records and searches, and check it against
    the profile. Every problem is an :class:`InputError` that names the file and the rows."""
    if raw.profile != profile.name:
        raise InputError(
            en=f"the conformance table is for profile {raw.profile!r}, not {profile.name!r}",
            zh=f"该符合性对照表属于核算方案 {raw.profile!r}，而非 {profile.name!r}："
            "请使用对应方案的对照表",
            source=path,
            field="profile",
        )
    wanted = {**profile.indicators, **profile.physical}
    by_indicator: dict[str, Row] = {}
    for row in raw.rows:
        if row.indicator in by_indicator:
            raise InputError(
                en=f"indicator {row.indicator!r} has two rows; give one row per indicator",
                zh=f"指标 {row.indicator!r} 有两行：每个指标只给一行",
                source=path,
                field="rows",
                values=[row.indicator],
            )
        by_indicator[row.indicator] = row
    missing = sorted(set(wanted) - set(by_indicator))
    extra = sorted(set(by_indicator) - set(wanted))
    if missing or extra:
        raise InputError(
            en=f"the conformance table of {profile.name!r} must have one row per indicator of the "
            f"profile: missing {', '.join(missing) or 'none'}; not in the profile "
            f"{', '.join(extra) or 'none'}",
            zh=f"核算方案 {profile.name!r} 的符合性对照表须对方案的"
            f"每个指标各有一行：缺少 {', '.join(missing) or '无'}；不属于该方案的 "
            f"{', '.join(extra) or '无'}",
            source=path,
            field="rows",
            values=missing + extra,
        )
    other = sorted(k for k, r in by_indicator.items() if r.method != wanted[k])
    if other:
        raise InputError(
            en="rows name another method than the profile: "
            + ", ".join(f"{k} ({by_indicator[k].method}, profile {wanted[k]})" for k in other),
            zh="以下行所列方法与核算方案不符，请改为方案的方法："
            + "，".join(f"{k}（{by_indicator[k].method}，方案为 {wanted[k]}）" for k in other),
            source=path,
            field="rows",
            values=other,
        )
    known = searches()
    records = method_records()
    rows = []
    for indicator, method in wanted.items():
        row = by_indicator[indicator]
        ids = [*raw.searches, *row.searches]
        unknown = sorted(set(ids) - set(known))
        if unknown:
            raise InputError(
                en=f"row {indicator!r} names unknown search(es) {', '.join(unknown)}; record "
                "them in searches.toml",
                zh=f"行 {indicator!r} 引用了未知的检索 {', '.join(unknown)}："
                "请在 searches.toml 中登记",
                source=path,
                field="searches",
                values=unknown,
            )
        if row.text_unobtainable and not ids:
            raise InputError(
                en=f"row {indicator!r} says the text is unobtainable but names no search",
                zh=f"行 {indicator!r} 称原文无法获取，却未列出任何检索：请给出所做的检索",
                source=path,
                field="searches",
                values=[indicator],
            )
        record = records.get((indicator, method))
        if record is None:
            raise InputError(
                en=f"method {method!r} of {indicator!r} is not described in methods.toml (its "
                "formula, what it follows, deviations and tests)",
                zh="指标 "
                f"{indicator!r} 的方法 {method!r} 未在 methods.toml 中描述：请补充其公式、"
                "所依据的规范、偏差与测试",
                source=path,
                field="rows",
                values=[indicator, method],
            )
        rows.append(
            ConformanceRow(
                indicator=indicator,
                method=method,
                physical=indicator in profile.physical,
                clause=row.clause.strip() if row.clause else None,
                expected_in=row.expected_in,
                searches=tuple(known[i] for i in dict.fromkeys(ids)),
                formula=record.formula,
                follows=record.follows,
                cite_zh=record.cite_zh,
                cite_en=record.cite_en,
                deviations=(*record.deviations, *row.deviations),
                tests=tuple(dict.fromkeys([*record.tests, *row.tests, *raw.tests])),
            )
        )
    return Conformance(
        profile=raw.profile,
        standard=raw.standard,
        title_zh=raw.title_zh,
        title_en=raw.title_en,
        text_seen=raw.text_seen,
        seen_zh=raw.seen_zh,
        seen_en=raw.seen_en,
        rows=tuple(rows),
    )
