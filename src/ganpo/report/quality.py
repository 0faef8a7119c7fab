"""The quality report of an account (核算质量报告): what its numbers rest on.

Six parts, built from a stored account in one language (``zh`` or ``en``):

1. summary: how many decisions (by basis), warnings, overrides and parameters not
   verified the account carries, and how many layers and units are not fully covered;
2. coverage: per layer role whose data do not cover every unit completely, the lowest
   share and the units concerned (lowest first);
3. decisions, grouped by kind, each with its sentence in the report's language;
4. the run's warnings (in the report's language: the run writes each in both);
5. overrides: decisions a reviewer accepted on a person's written explanation, with who
   explained what and who accepted it when the decision says so;
6. parameters not verified (status unverified or placeholder): what stays unverified in
   every account and report that uses them.

Every text is a label or a sentence in the report's language: kinds, bases, statuses,
layer roles and parameter keys are mapped to names through the tables below (a test fails
when one has no name); file paths and internal keys never reach the published text. The
machine keys stay beside the labels in :meth:`QualityReport.as_dict` for API clients.

The report shows what it is given: a caller that publishes a part of an account (a
county's view of a provincial account) cuts the decisions and coverage rows to that part
first, as it cuts the results.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

from ganpo.catalog.indicators import indicators
from ganpo.catalog.names import unit_names
from ganpo.catalog.parameter_names import parameter_names
from ganpo.io.decisions import Decision
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES

Lang = Literal["zh", "en"]

#: decision kind → (Chinese, English) heading of its group in the report
KIND_LABELS: dict[str, tuple[str, str]] = {
    "coverage_gap": ("图层未完全覆盖的行政区", "Units a layer does not fully cover"),
    "gap_policy": ("按声明的缺测处理规则处理的空缺", "Gaps handled under a declared gap policy"),
    "soft_range": ("超出常见范围但予以接受的数值", "Values outside their usual range, accepted"),
    "unusual_distribution": (
        "分布异常但经声明予以接受的图层",
        "Layers with an unusual distribution, accepted as declared",
    ),
    "nodata_undeclared": (
        "未声明无数据值、全部栅格按数据使用的图层",
        "Layers that declare no nodata value, every cell taken as data",
    ),
    "layer_year": ("使用其他年份的图层", "Layers of another year"),
    "table_year": ("使用其他年份的统计表", "Tables of another year"),
    "logic": (
        "未满足提示性逻辑审核规则但予以接受的统计数值",
        "Table values a soft logic rule questions, accepted",
    ),
    "fluctuation": ("年际波动超出阈值", "Year-on-year changes beyond the threshold"),
    "override": ("经审核接受的书面说明", "Written explanations accepted by a reviewer"),
    "boundary_repair": ("行政区边界修复", "Repaired boundaries"),
    "unverified_parameter": ("使用未核实的参数", "Parameters used without verification"),
}
#: heading of decisions whose kind has no label (a newer ganpo's kind read by this one)
OTHER_KIND: tuple[str, str] = ("其他决定", "Other decisions")

#: decision basis → (Chinese, English): who or what made the decision
BASIS_LABELS: dict[str, tuple[str, str]] = {
    "manifest": ("数据集清单声明", "declared in the dataset's manifest"),
    "profile": ("核算口径规则", "a rule of the accounting profile"),
    "rule": ("输入数据检查规则", "a rule of ganpo's input checks"),
    "override": ("经审核的书面说明", "a written explanation accepted by a reviewer"),
}

#: parameter status → (Chinese, English)
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "verified": ("已核实", "verified"),
    "unverified": ("未核实", "not verified"),
    "placeholder": ("占位值（非发表值）", "placeholder (not a published value)"),
}

#: input roles that are neither layers nor tables
OTHER_ROLES: dict[str, tuple[str, str]] = {"units": ("行政区边界", "administrative boundaries")}

#: the report's fixed texts
TEXT: dict[str, tuple[str, str]] = {
    "whole_area": ("全区域", "whole area"),
    "unnamed_parameter": ("（参数目录中无名称的参数）", "(a parameter without a catalogue name)"),
    "other_input": ("其他输入数据", "another input"),
    "input_file": ("某输入文件", "an input file"),
    "decisions": ("记录的决定", "decisions recorded"),
    "decisions_by": ("其中依据：{basis}", "of which: {basis}"),
    "warnings": ("警告", "warnings"),
    "overrides": ("经审核接受的书面说明", "overrides accepted by a reviewer"),
    "unverified": ("未核实的参数", "parameters not verified"),
    "placeholders": ("其中占位值", "of which placeholders"),
    "layers_incomplete": ("未完全覆盖全部行政区的图层", "layers that do not cover every unit"),
    "units_incomplete": ("有缺测的行政区", "units not fully covered by a layer"),
}

#: the sections of the report, in order (Excel's section column, the PDF's headings)
SECTIONS: dict[str, tuple[str, str]] = {
    "summary": ("概况", "Summary"),
    "coverage": ("数据覆盖率", "Coverage"),
    "decisions": ("对输入数据作出的决定", "Decisions about the inputs"),
    "warnings": ("警告", "Warnings"),
    "overrides": ("经审核的书面说明", "Overrides"),
    "unverified": ("未核实的参数", "Parameters not verified"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def text(key: str, lang: Lang, **kw: Any) -> str:
    """A fixed text of the quality report in ``lang``."""
    return _pick(TEXT[key], lang).format(**kw)


def kind_label(kind: str, lang: Lang) -> str:
    """The heading of a decision kind (:data:`OTHER_KIND` for a kind without one)."""
    return _pick(KIND_LABELS.get(kind, OTHER_KIND), lang)


def basis_label(basis: str, lang: Lang) -> str:
    return _pick(BASIS_LABELS[basis], lang) if basis in BASIS_LABELS else basis


def status_label(status: str, lang: Lang) -> str:
    return _pick(STATUS_LABELS[status], lang) if status in STATUS_LABELS else status


def role_label(role: str, lang: Lang) -> str:
    """The name of an input role (a layer, derived layer or table role, or the units)."""
    spec = LAYER_ROLES.get(role) or DERIVED_ROLES.get(role) or TABLE_ROLES.get(role)
    if spec is not None:
        return spec.name_zh if lang == "zh" else spec.name_en
    return _pick(OTHER_ROLES.get(role, TEXT["other_input"]), lang)


def parameter_label(key: str, lang: Lang) -> str:
    """The name of a parameter in ``lang`` (a generic text for a key without a name)."""
    names = parameter_names()
    return (
        _pick((names[key].zh, names[key].en), lang)
        if key in names
        else text("unnamed_parameter", lang)
    )


# --------------------------------------------------------------------------- the units


def unit_label_map(units: pd.DataFrame, lang: Lang) -> dict[int, str]:
    """Code → name of every unit of the account and of the counties, cities and province
    above them; a unit below county level is named with its county (same-named townships
    exist in many counties)."""
    names: dict[int, str] = {}
    for code, name in (
        ("province_adcode", "province_name"),
        ("city_adcode", "city_name"),
        ("county_adcode", "county_name"),
    ):
        if code in units.columns and name in units.columns:
            frame = units[[code, name]].drop_duplicates(code)
            codes = frame[code].astype("int64").tolist()
            names.update(zip(codes, unit_names(codes, frame[name], lang), strict=True))
    if {"unit_code", "unit_name", "county_adcode"} <= set(units.columns):
        below = units[units["unit_code"].astype("int64") != units["county_adcode"].astype("int64")]
        for code, name, county in zip(
            below["unit_code"], below["unit_name"], below["county_adcode"], strict=True
        ):
            parent = names.get(int(county), "")
            if lang == "zh":
                # a township named after its county (德安县第2乡) is not named twice
                own = str(name)
                names[int(code)] = own if own.startswith(parent) else f"{parent}{own}"
            else:
                names[int(code)] = f"{name}, {parent}"
    return names


def _unit_name(code: int | None, names: dict[int, str], lang: Lang) -> str:
    if code is None:
        return text("whole_area", lang)
    return names.get(int(code), str(int(code)))


# ------------------------------------------------------------------------ the report


@dataclass(frozen=True)
class SummaryItem:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class CoverageUnit:
    unit_code: int
    unit: str
    cells: int
    cells_with_data: int
    share: float


@dataclass(frozen=True)
class CoverageGap:
    """A layer role that does not cover every unit completely."""

    role: str
    layer: str
    units_below: int
    units_total: int
    min_share: float
    units: list[CoverageUnit]  # the units below 100 %, lowest share first


@dataclass(frozen=True)
class DecisionLine:
    unit_code: int | None
    unit: str
    basis: str
    basis_label: str
    text: str
    subject: str
    #: the file the decision is about: for the operator's terminal, never published
    #: (:meth:`QualityReport.as_dict` leaves it out)
    source: str | None = None


@dataclass(frozen=True)
class DecisionGroup:
    kind: str
    label: str
    decisions: list[DecisionLine]


@dataclass(frozen=True)
class OverrideLine:
    kind: str
    kind_label: str
    unit_code: int | None
    unit: str
    text: str
    explanation: str | None
    explained_by: str | None
    accepted_by: str | None


@dataclass(frozen=True)
class ParameterLine:
    key: str
    name: str
    status: str
    status_label: str
    unit: str
    source: str


@dataclass(frozen=True)
class QualityReport:
    """An account's quality report in one language (see the module's docstring)."""

    account_id: int
    year: int
    language: Lang
    summary: list[SummaryItem]
    coverage: list[CoverageGap]
    coverage_recorded: bool  # False: the run recorded no coverage (nothing to say about it)
    decisions: list[DecisionGroup]
    warnings: list[str]
    overrides: list[OverrideLine]
    unverified: list[ParameterLine]
    sections: dict[str, str] = field(default_factory=dict)  # section key → heading
    #: an account withdrawn or superseded says so (store.repository.standing_mark, both
    #: languages); '' for a current account, and then not in :meth:`as_dict`
    standing: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: labels in the report's language beside the keys;
        without the decisions' files (a published report names no file)."""
        data = asdict(self)
        if not data["standing"]:
            del data["standing"]
        for group in data["decisions"]:
            for line in group["decisions"]:
                del line["source"]
        return data


def _share(cells: int, with_data: int) -> float:
    return with_data / cells if cells > 0 else 0.0


def coverage_gaps(coverage: pd.DataFrame, names: dict[int, str], lang: Lang) -> list[CoverageGap]:
    """Per layer role with a unit below 100 %: the lowest share and those units."""
    if coverage.empty:
        return []
    rows = coverage.assign(
        unit_code=coverage["unit_code"].astype("int64"),
        cells=coverage["cells"].astype("int64"),
        cells_with_data=coverage["cells_with_data"].astype("int64"),
    )
    # counted in cells, not compared as floats: one missing cell out of millions counts
    rows = rows.assign(
        share=[_share(c, d) for c, d in zip(rows.cells, rows.cells_with_data, strict=True)]
    )
    gaps = []
    for role, group in rows.groupby("role", sort=False):
        below = group[group.cells_with_data < group.cells].sort_values(["share", "unit_code"])
        if below.empty:
            continue
        units = [
            CoverageUnit(code, _unit_name(code, names, lang), cells, with_data, share)
            for code, cells, with_data, share in zip(
                below["unit_code"].tolist(),
                below["cells"].tolist(),
                below["cells_with_data"].tolist(),
                below["share"].tolist(),
                strict=True,
            )
        ]
        gaps.append(
            CoverageGap(
                role=str(role),
                layer=role_label(str(role), lang),
                units_below=len(units),
                units_total=int(group.unit_code.nunique()),
                min_share=units[0].share,
                units=units,
            )
        )
    return sorted(gaps, key=lambda g: (g.min_share, g.layer))


def _kind_order(kind: str) -> tuple[int, str]:
    order = list(KIND_LABELS)
    return (order.index(kind), "") if kind in order else (len(order), kind)


def decision_groups(
    decisions: Iterable[Decision], names: dict[int, str], lang: Lang
) -> list[DecisionGroup]:
    """The decisions grouped by kind (in :data:`KIND_LABELS` order; kinds without a label
    last, under :data:`OTHER_KIND`), each group in the run's order."""
    groups: dict[str, list[DecisionLine]] = {}
    for d in decisions:
        key = d.kind if d.kind in KIND_LABELS else "other"
        groups.setdefault(key, []).append(
            DecisionLine(
                unit_code=d.unit_code,
                unit=_unit_name(d.unit_code, names, lang),
                basis=d.basis,
                basis_label=basis_label(d.basis, lang),
                text=d.message_zh if lang == "zh" else d.message_en,
                subject=d.subject,
                source=d.source,
            )
        )
    return [
        DecisionGroup(kind, kind_label(kind, lang), lines)
        for kind, lines in sorted(groups.items(), key=lambda kv: _kind_order(kv[0]))
    ]


def override_lines(
    decisions: Iterable[Decision], names: dict[int, str], lang: Lang
) -> list[OverrideLine]:
    """The decisions on basis ``override``: what was found, the person's explanation, who
    gave it and who accepted it (when the decision records them)."""
    return [
        OverrideLine(
            kind=d.kind,
            kind_label=kind_label(d.kind, lang),
            unit_code=d.unit_code,
            unit=_unit_name(d.unit_code, names, lang),
            text=d.message_zh if lang == "zh" else d.message_en,
            explanation=d.explanation,
            explained_by=d.explained_by,
            accepted_by=d.accepted_by,
        )
        for d in decisions
        if d.basis == "override"
    ]


_BROUGHT = re.compile(r"\s*\[brought from (\d{4}) to (\d{4}) prices by ([^\]]*?) ×[^\]]*\]")


def _catalogue_source_zh(parameter_set: str, key: str, source: str) -> str | None:
    """The Chinese form of a parameter's source from its parameter set in the catalogue,
    when the account's source is the catalogue's English one (a set since edited, or a
    set of the user's own without Chinese sources, gives None)."""
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.errors import GanpoError

    if not parameter_set:
        return None
    try:
        found = load_parameter_set(parameter_set).values.get(key)
    except GanpoError:
        return None
    if found is None or not found.source_zh or found.source.strip() != source.strip():
        return None
    return found.source_zh


def parameter_source(source: str, key: str, parameter_set: str, lang: Lang) -> str:
    """A parameter's source as a reader of ``lang`` reads it: in Chinese from the
    catalogue where the parameter set has it (:func:`_catalogue_source_zh`), else as the
    account stored it; the note on the price index that brought the price to the
    accounting year in ``lang``, the index by its name (its factor is in the workbook's
    prices table); units as a reader writes them."""
    from ganpo.catalog.parameter_names import index_name
    from ganpo.catalog.units import prose_units

    brought = _BROUGHT.search(source)
    own = _BROUGHT.sub("", source)
    text = (_catalogue_source_zh(parameter_set, key, own) if lang == "zh" else None) or own
    if brought is not None:
        src_year, year, index = brought.group(1), brought.group(2), index_name(brought[3], lang)
        text += (
            f"（按{index}由{src_year}年价格换算至{year}年价格）"
            if lang == "zh"
            else f" (brought from {src_year} to {year} prices by the {index})"
        )
    return prose_units(text, lang)


def unverified_parameters(
    prices: pd.DataFrame, lang: Lang, parameter_set: str = ""
) -> list[ParameterLine]:
    """The account's parameters whose status is not ``verified``: placeholders first;
    each source in ``lang`` (:func:`parameter_source`, ``parameter_set`` the set the
    account used)."""
    if prices.empty:
        return []
    rows = prices[prices["status"] != "verified"]
    rank = {"placeholder": 0, "unverified": 1}
    ordered = sorted(
        rows.itertuples(index=False), key=lambda r: (rank.get(str(r.status), 2), str(r.key))
    )
    return [
        ParameterLine(
            key=str(r.key),
            name=parameter_label(str(r.key), lang),
            status=str(r.status),
            status_label=status_label(str(r.status), lang),
            unit=str(r.unit),
            source=parameter_source(str(r.source), str(r.key), parameter_set, lang),
        )
        for r in ordered
    ]


# ------------------------------------------------------------ warnings, for publication

_QUOTED_KEY = re.compile(r"'([a-z][a-z0-9_]*)'")
#: an absolute path (POSIX or Windows), or a token that ends in a data file's extension;
#: units such as ``g/m2`` or ``t/hm2`` are neither
_PATHLIKE = re.compile(
    r"(?<![\w/\\])(?:[A-Za-z]:[\\/]|/)(?:[\w.~-]+[\\/])*[\w.~-]+"
    r"|(?<![\w/\\])[\w.~/\\-]+\.(?:tiff?|csv|xlsx|gpkg|toml|json|parquet|shp|geojson|zip)\b"
)


def _constant(value: str) -> Callable[[re.Match[str]], str]:
    """A replacement that inserts ``value`` as is (no backslash escapes)."""
    return lambda _m: value


def published_text(message: str, inputs: pd.DataFrame | None, lang: Lang) -> str:
    """A run's warning made fit to publish: the account's input files named by their
    role, quoted parameter keys by their names, indicator keys (``water_conservation``,
    ``flood_regulation/vegetation:``) by the indicators' names, and any other file path
    replaced by a neutral phrase. The rest stays as written (the run writes each warning
    in English and in Chinese, :func:`run_warnings`)."""
    out = message
    quote = "“{}”" if lang == "en" else "「{}」"
    if inputs is not None and not inputs.empty:
        entries = sorted(
            zip(inputs["path"].astype(str), inputs["role"].astype(str), strict=True),
            key=lambda pr: -len(pr[0]),
        )
        for path, role in entries:
            label = quote.format(role_label(role, lang))
            base = path.replace("\\", "/").rsplit("/", 1)[-1]
            for pattern in (r"[^\s'\"(]*" + re.escape(path), r"(?<![\w./\\])" + re.escape(base)):
                out = re.sub(pattern + r"(?![\w.])", _constant(label), out)
    names = parameter_names()
    out = _QUOTED_KEY.sub(
        lambda m: (
            quote.format(_pick((names[m[1]].zh, names[m[1]].en), lang)) if m[1] in names else m[0]
        ),
        out,
    )
    catalogue = indicators()
    keys = "|".join(sorted(map(re.escape, catalogue), key=len, reverse=True))

    def indicator_name(m: re.Match[str]) -> str:
        # a plain word ("recreation") is English; a key with "_", a "/component" or a
        # following ":" is the code's
        if "_" not in m[1] and not m[2] and not m[3]:
            return m[0]
        found = catalogue[m[1]]
        return (found.name_zh if lang == "zh" else found.name_en) + m[3]

    out = re.sub(rf"\b({keys})(/[a-z_]+)?\b(:?)", indicator_name, out)
    return _PATHLIKE.sub(text("input_file", lang), out)


def run_warnings(account: Any, lang: Lang) -> list[str]:
    """An account's warnings in ``lang``: the Chinese the run wrote beside each English
    warning where it raised it; an account stored without them (before store migration
    0013) gives its English warnings, marked as such in Chinese."""
    english = list(account.warnings or [])
    if lang == "en":
        return english
    chinese = list(getattr(account, "warnings_zh", None) or [])
    if len(chinese) == len(english):
        return chinese
    return [f"（英文原文）{w}" for w in english]


# ------------------------------------------------------------------------ the builder


def build_quality(stored: Any, lang: Lang = "zh") -> QualityReport:
    """The quality report of a stored account (:class:`ganpo.store.repository.
    StoredAccount`, or one cut to a caller's part) in ``lang``."""
    from ganpo.store.repository import standing_mark

    a = stored.account
    names = unit_label_map(stored.units, lang)
    decisions: list[Decision] = list(getattr(stored, "decisions", []))
    coverage: pd.DataFrame = getattr(stored, "coverage", pd.DataFrame())
    gaps = coverage_gaps(coverage, names, lang)
    groups = decision_groups(decisions, names, lang)
    overrides = override_lines(decisions, names, lang)
    unverified = unverified_parameters(stored.prices, lang, str(a.parameter_set or ""))
    warnings = [published_text(w, stored.inputs, lang) for w in run_warnings(a, lang)]
    units_below = {u.unit_code for g in gaps for u in g.units}
    summary = [SummaryItem("decisions", text("decisions", lang), len(decisions))]
    for basis in BASIS_LABELS:
        n = sum(d.basis == basis for d in decisions)
        if n:
            label = text("decisions_by", lang, basis=basis_label(basis, lang))
            summary.append(SummaryItem(f"decisions_{basis}", label, n))
    summary += [
        SummaryItem("warnings", text("warnings", lang), len(warnings)),
        SummaryItem("overrides", text("overrides", lang), len(overrides)),
        SummaryItem("unverified", text("unverified", lang), len(unverified)),
        SummaryItem(
            "placeholders",
            text("placeholders", lang),
            sum(p.status == "placeholder" for p in unverified),
        ),
        SummaryItem("layers_incomplete", text("layers_incomplete", lang), len(gaps)),
        SummaryItem("units_incomplete", text("units_incomplete", lang), len(units_below)),
    ]
    return QualityReport(
        account_id=int(a.id),
        year=int(a.year),
        language=lang,
        summary=summary,
        coverage=gaps,
        coverage_recorded=not coverage.empty,
        decisions=groups,
        warnings=warnings,
        overrides=overrides,
        unverified=unverified,
        sections={k: _pick(v, lang) for k, v in SECTIONS.items()},
        standing=standing_mark(a),
    )


def percent(share: float) -> str:
    """A share as a percentage with two decimals, rounded down: a unit that lacks one cell
    never shows as 100 %."""
    return f"{math.floor(share * 10_000) / 100:.2f} %"


def units_text(gap: CoverageGap, lang: Lang, limit: int = 10) -> str:
    """The units of a coverage gap with their shares, lowest first, at most ``limit``."""
    shown = [f"{u.unit} {percent(u.share)}" for u in gap.units[:limit]]
    rest = gap.units_below - len(shown)
    sep = "、" if lang == "zh" else "; "
    more = ""
    if rest > 0:
        more = f"等，另有 {rest} 个" if lang == "zh" else f"; and {rest} more"
    return sep.join(shown) + more


# ------------------------------------------------------------ one bilingual table


QUALITY_COLUMNS = [
    "part",
    "item_zh",
    "item_en",
    "unit_zh",
    "unit_en",
    "count",
    "share",
    "text_zh",
    "text_en",
]


def quality_table(stored: Any) -> pd.DataFrame:
    """The quality report as one bilingual table (an Excel sheet, a CSV file): one row per
    summary item, coverage gap of a unit, decision, warning, override and parameter not
    verified, with the texts in Chinese and English side by side."""
    zh, en = build_quality(stored, "zh"), build_quality(stored, "en")
    rows: list[dict[str, Any]] = []

    def part(key: str) -> str:
        return f"{SECTIONS[key][0]} {SECTIONS[key][1]}"

    def add(key: str, **values: Any) -> None:
        rows.append({"part": part(key), **values})

    if zh.standing:  # a withdrawn or superseded account: its first row says so
        en_text, zh_text = zh.standing.split(" / ", 1)
        rows.append({"part": "状态 status", "text_zh": zh_text, "text_en": en_text})
    for s_zh, s_en in zip(zh.summary, en.summary, strict=True):
        add("summary", item_zh=s_zh.label, item_en=s_en.label, count=s_zh.count)
    for g_zh, g_en in zip(zh.coverage, en.coverage, strict=True):
        for u_zh, u_en in zip(g_zh.units, g_en.units, strict=True):
            add(
                "coverage",
                item_zh=g_zh.layer,
                item_en=g_en.layer,
                unit_zh=u_zh.unit,
                unit_en=u_en.unit,
                count=u_zh.cells - u_zh.cells_with_data,
                share=u_zh.share,
                text_zh=f"{u_zh.cells} 个格网中 {u_zh.cells_with_data} 个有数据",
                text_en=f"{u_en.cells_with_data} of {u_en.cells} cells with data",
            )
    for d_zh, d_en in zip(zh.decisions, en.decisions, strict=True):
        for l_zh, l_en in zip(d_zh.decisions, d_en.decisions, strict=True):
            add(
                "decisions",
                item_zh=f"{d_zh.label}（{l_zh.basis_label}）",
                item_en=f"{d_en.label} ({l_en.basis_label})",
                unit_zh=l_zh.unit,
                unit_en=l_en.unit,
                text_zh=l_zh.text,
                text_en=l_en.text,
            )
    for w_zh, w_en in zip(zh.warnings, en.warnings, strict=True):
        add("warnings", text_zh=w_zh, text_en=w_en)
    for o_zh, o_en in zip(zh.overrides, en.overrides, strict=True):
        add(
            "overrides",
            item_zh=o_zh.kind_label,
            item_en=o_en.kind_label,
            unit_zh=o_zh.unit,
            unit_en=o_en.unit,
            text_zh=override_text(o_zh, "zh"),
            text_en=override_text(o_en, "en"),
        )
    for p_zh, p_en in zip(zh.unverified, en.unverified, strict=True):
        add(
            "unverified",
            item_zh=p_zh.name,
            item_en=p_en.name,
            text_zh=f"{p_zh.status_label}；来源：{p_zh.source}",
            text_en=f"{p_en.status_label}; source: {p_en.source}",
        )
    table = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    table["count"] = table["count"].astype("Int64")
    for column in QUALITY_COLUMNS:
        if column not in ("count", "share"):  # an empty text column is float NaN: make it ""
            table[column] = table[column].astype("object").fillna("")
    return table


def override_text(line: OverrideLine, lang: Lang) -> str:
    """An override's sentence followed by the explanation and who gave and accepted it
    (those the decision records)."""
    if lang == "zh":
        said = [
            f"{head}：{value}"
            for head, value in (
                ("说明", line.explanation),
                ("说明人", line.explained_by),
                ("审核接受", line.accepted_by),
            )
            if value
        ]
        return line.text + ("；".join(said) + "。" if said else "")
    said = [
        f"{head} {value}"
        for head, value in (
            ("Explanation:", line.explanation),
            ("explained by", line.explained_by),
            ("accepted by", line.accepted_by),
        )
        if value
    ]
    return line.text + (" " + "; ".join(said) + "." if said else "")


__all__ = [
    "BASIS_LABELS",
    "KIND_LABELS",
    "QUALITY_COLUMNS",
    "STATUS_LABELS",
    "CoverageGap",
    "CoverageUnit",
    "DecisionGroup",
    "DecisionLine",
    "OverrideLine",
    "ParameterLine",
    "QualityReport",
    "SummaryItem",
    "build_quality",
    "override_text",
    "parameter_source",
    "percent",
    "published_text",
    "quality_table",
    "run_warnings",
    "unit_label_map",
    "units_text",
]
