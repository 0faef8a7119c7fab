"""The method table (方法表) of a profile: indicator × method × formula × the clause it follows
(or "text unobtainable → follows …") × parameters × verified status × the deviations from what
it follows, with their reasons.

One table, three outputs: ``ganpo profiles NAME --methods``, the methods chapter of the annual
report and ``GET /api/profiles/{name}/methods`` (the terminal and the report print the
deviations in a table of their own, :func:`deviation_frame`). It joins the profile, its
conformance table (:mod:`ganpo.catalog.conformance`), the method registry and the parameter
set, and names everything in the reader's language (the deviations too): no keys, no file
paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ganpo.catalog.conformance import conformance
from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameter_names import index_name, parameter_name
from ganpo.catalog.parameters import ParameterSet, ParameterValue, load_parameter_set
from ganpo.catalog.profiles import Profile, load_profile
from ganpo.services.registry import PHYSICAL_NAMES
from ganpo.services.registry import physical_spec as physical_method
from ganpo.services.registry import spec as method
from ganpo.services.spec import MethodSpec as Method

if TYPE_CHECKING:
    import pandas as pd

Lang = Literal["zh", "en"]

STATUS_NAMES: dict[str, tuple[str, str]] = {
    "verified": ("已核实", "verified"),
    "unverified": ("未核实", "unverified"),
    "placeholder": ("占位值", "placeholder"),
}

#: headers of the displayed table, in the order of its columns
COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("指标", "Indicator"),
    "method": ("核算方法", "Method"),
    "formula": ("公式", "Formula"),
    "basis": ("依据条款", "Clause followed"),
    "parameters": ("参数", "Parameters"),
    "status": ("核实情况", "Verified status"),
    "deviations": ("偏离及理由", "Deviations and reasons"),
}

#: the title of the deviations table (:func:`deviation_frame`)
DEVIATIONS_TITLE = (
    "与所依据应用的偏离及理由",
    "Deviations from the applications followed, and why",
)
#: headers of the deviations table (:func:`deviation_frame`)
DEVIATION_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("指标", "Indicator"),
    "what": ("与所依据应用的偏离", "Deviation from the application followed"),
    "why": ("理由", "Reason"),
}


@dataclass(frozen=True)
class ParameterUse:
    """A parameter a method reads, as the reader sees it."""

    key: str
    name: str
    value: str  # the value, or the value of each ecosystem type, with its unit
    year: int
    status: str  # verified, unverified or placeholder
    status_name: str
    index: str | None  # the index that brings a price of another year to the accounting year

    def text(self, language: Lang) -> str:
        if language == "zh":
            brought = f"，按{self.index}换算" if self.index else ""
            return f"{self.name} {self.value}（{self.year}年{brought}；{self.status_name}）"
        brought = f", brought to the year by the {self.index}" if self.index else ""
        return f"{self.name} {self.value} ({self.year}{brought}; {self.status_name})"


@dataclass(frozen=True)
class DeviationText:
    """A deviation from what a method follows, and why, in the reader's language."""

    what: str
    why: str

    def text(self, language: Lang) -> str:
        return f"{self.what}：{self.why}。" if language == "zh" else f"{self.what}: {self.why}."


def deviations_text(deviations: tuple[DeviationText, ...], language: Lang) -> str:
    """The deviations of one indicator as one text, numbered when there are several."""
    if not deviations:
        return "无" if language == "zh" else "none"
    if len(deviations) == 1:
        return deviations[0].text(language)
    if language == "zh":
        return "".join(f"（{i}）{d.text(language)}" for i, d in enumerate(deviations, 1))
    return " ".join(f"({i}) {d.text(language)}" for i, d in enumerate(deviations, 1))


@dataclass(frozen=True)
class MethodTableRow:
    """One indicator of a profile in the method table."""

    indicator: str  # the catalogue key (an identifier for programs, not printed)
    indicator_name: str
    physical: bool  # reported beside the GEP, never valued
    method: str  # the method key (an identifier for programs, not printed)
    method_name: str
    formula: str
    quantity_unit: str
    basis: str  # the clause followed, or "text unobtainable → follows …"
    clause: str | None
    cite: str  # the published application followed
    parameters: tuple[ParameterUse, ...]
    deviations: tuple[DeviationText, ...]  # from what it follows, in the reader's language
    status: Literal["standard", "application", "unverified"]
    status_text: str


def unit_text(unit: str, language: Lang) -> str:
    """A unit as a reader writes it: m³, hm², 元/m³ (Chinese) or CNY/m³; "1" is no unit."""
    if unit == "1":
        return ""
    out = unit.replace("m3", "m³").replace("m2", "m²")
    return out.replace("CNY", "元") if language == "zh" else out


def _value_text(pv: ParameterValue, language: Lang) -> str:
    unit = unit_text(pv.unit, language)
    tail = f" {unit}" if unit else ""
    if pv.value is not None:
        return f"{pv.value:g}{tail}"
    sep = "，" if language == "zh" else ", "
    by_type = pv.by_type or {}
    parts = [
        f"{by_key(k).name_zh if language == 'zh' else by_key(k).name_en} {v:g}"
        for k, v in by_type.items()
    ]
    return sep.join(parts) + tail


def _parameter_uses(
    m: Method, params: ParameterSet, profile: Profile, language: Lang
) -> tuple[ParameterUse, ...]:
    uses = []
    for used in dict.fromkeys(m.parameters):  # a parameter read twice is shown once
        pv = params.values.get(used.key)
        name = parameter_name(used.key, language)
        if pv is None:
            missing = (
                "（参数集中缺少）" if language == "zh" else " (missing from the parameter set)"
            )
            uses.append(ParameterUse(used.key, name + missing, "—", 0, "placeholder", "—", None))
            continue
        index = None
        if pv.is_price and profile.price_policy == "deflate":
            index = index_name(pv.index or profile.deflator, language)
        zh, en = STATUS_NAMES[pv.status]
        uses.append(
            ParameterUse(
                key=used.key,
                name=name,
                value=_value_text(pv, language),
                year=pv.year,
                status=pv.status,
                status_name=zh if language == "zh" else en,
                index=index,
            )
        )
    return tuple(uses)


def _status(
    clause: str | None, m: Method, uses: tuple[ParameterUse, ...], language: Lang
) -> tuple[Literal["standard", "application", "unverified"], str]:
    counts = {s: sum(u.status == s for u in uses) for s in STATUS_NAMES}
    if language == "zh":
        params = "；参数" + (
            "、".join(f"{n}项{STATUS_NAMES[s][0]}" for s, n in counts.items() if n) or "：无"
        )
    else:
        params = "; parameters: " + (
            ", ".join(f"{n} {STATUS_NAMES[s][1]}" for s, n in counts.items() if n) or "none"
        )
    all_verified = counts["unverified"] == 0 and counts["placeholder"] == 0
    if clause is not None and m.verified and all_verified:
        return "standard", (
            "已核实：依据标准条款" if language == "zh" else "verified against the standard"
        ) + params
    if clause is not None:
        text = (
            "部分未核实：依据标准条款，方法或参数有未能核对之处"
            if language == "zh"
            else "partly unverified: follows the standard's clause, parts not checked"
        )
        return "unverified", text + params
    if m.verified:
        text = (
            "未核实：标准文本未能获取；方法已与所依据的已发表应用核对"
            if language == "zh"
            else "unverified: standard text unobtainable; method checked against the "
            "published application"
        )
        return "application", text + params
    text = (
        "未核实：标准文本未能获取；方法有未能核对之处（偏离及理由见方法说明）"
        if language == "zh"
        else "unverified: standard text unobtainable; parts of the method could not be "
        "checked (deviations and reasons in the methods documentation)"
    )
    return "unverified", text + params


def method_table(
    profile_name: str, language: Lang = "zh", params: ParameterSet | None = None
) -> list[MethodTableRow]:
    """The method table of a profile (its default parameter set unless ``params``)."""
    profile = load_profile(profile_name)
    params = params if params is not None else load_parameter_set(profile.parameter_set)
    conf = conformance(profile.name) if not profile_name.endswith(".toml") else None
    records = {r.indicator: r for r in conf.rows} if conf else {}
    cat = indicators()
    rows = []
    wanted = [(k, v, False) for k, v in profile.indicators.items()]
    wanted += [(k, v, True) for k, v in profile.physical.items()]
    for key, method_key, physical in wanted:
        m = physical_method(key, method_key) if physical else method(key, method_key)
        if physical:
            zh, en = PHYSICAL_NAMES[key]
            name = f"{zh}（实物量，不计价）" if language == "zh" else f"{en} (physical, not valued)"
        else:
            name = cat[key].name_zh if language == "zh" else cat[key].name_en
        rec = records.get(key)
        uses = _parameter_uses(m, params, profile, language)
        clause = rec.clause if rec else None
        if rec is None:
            cite = m.source
            formula = m.title_en
            basis = (
                "本口径无符合性记录"
                if language == "zh"
                else "no conformance record for this profile"
            )
            deviations: tuple[DeviationText, ...] = ()
        else:
            cite = rec.cite_zh if language == "zh" else rec.cite_en
            formula = rec.formula
            deviations = tuple(
                DeviationText(d.what_in(language), d.why_in(language)) for d in rec.deviations
            )
            if clause is not None:
                basis = f"{conf.standard if conf else profile.standard} {clause}"
            elif language == "zh":
                basis = f"标准文本未能获取 → 依据 {cite}"
            else:
                basis = f"text unobtainable → follows {cite}"
        status, status_text = _status(clause, m, uses, language)
        rows.append(
            MethodTableRow(
                indicator=key,
                indicator_name=name,
                physical=physical,
                method=method_key,
                method_name=m.title_zh if language == "zh" else m.title_en,
                formula=formula,
                quantity_unit=unit_text(m.quantity_unit, language),
                basis=basis,
                clause=clause,
                cite=cite,
                parameters=uses,
                deviations=deviations,
                status=status,
                status_text=status_text,
            )
        )
    return rows


def method_frame(
    rows: list[MethodTableRow], language: Lang = "zh", deviations: bool = True
) -> pd.DataFrame:
    """The table as printed: one row per indicator, headers in ``language``; the last column
    holds the deviations and their reasons unless ``deviations`` is false (the annual report
    prints them in a table of their own, :func:`deviation_frame`)."""
    import pandas as pd

    return pd.DataFrame(method_columns(rows, language, deviations))


def method_columns(
    rows: list[MethodTableRow], language: Lang = "zh", deviations: bool = True
) -> dict[str, list[str]]:
    """:func:`method_frame`'s columns as plain lists (header → values), for printing without
    pandas (``ganpo profiles NAME --methods``)."""
    none = "无（按统计报表数值）" if language == "zh" else "none (statistics as reported)"
    sep = "；" if language == "zh" else "; "
    i = 0 if language == "zh" else 1
    columns = {
        COLUMNS["indicator"][i]: [r.indicator_name for r in rows],
        COLUMNS["method"][i]: [r.method_name for r in rows],
        COLUMNS["formula"][i]: [r.formula for r in rows],
        COLUMNS["basis"][i]: [r.basis for r in rows],
        COLUMNS["parameters"][i]: [
            sep.join(p.text(language) for p in r.parameters) or none for r in rows
        ],
        COLUMNS["status"][i]: [r.status_text for r in rows],
    }
    if deviations:
        columns[COLUMNS["deviations"][i]] = [deviations_text(r.deviations, language) for r in rows]
    return columns


def deviation_frame(rows: list[MethodTableRow], language: Lang = "zh") -> pd.DataFrame:
    """The deviations of the method table, one row per deviation, headers in ``language``.
    Indicators that share a method (and so its deviations) share their rows: 农业产品、林业产品…
    are named together once."""
    import pandas as pd

    headers, table = deviation_rows(rows, language)
    return pd.DataFrame(table, columns=headers)


def deviation_rows(
    rows: list[MethodTableRow], language: Lang = "zh"
) -> tuple[list[str], list[tuple[str, str, str]]]:
    """:func:`deviation_frame` as headers and plain rows, for printing without pandas."""
    groups: dict[tuple[DeviationText, ...], list[str]] = {}
    for r in rows:
        if r.deviations:
            groups.setdefault(r.deviations, []).append(r.indicator_name)
    sep = "、" if language == "zh" else ", "
    i = 0 if language == "zh" else 1
    table = [(sep.join(names), d.what, d.why) for devs, names in groups.items() for d in devs]
    return [DEVIATION_COLUMNS[k][i] for k in ("indicator", "what", "why")], table


def basis_sentence(
    profile_name: str, language: Lang, subject: Literal["report", "profile"] = "report"
) -> str:
    """How a report names its basis: the standard is named as the basis only where its text
    was read and every indicator follows one of its clauses; otherwise the sentence says that
    the text could not be read and that the methods follow published applications (driven by
    the profile's ``verified`` flag and its conformance table). ``subject`` says what is not
    based on it: the report (default) or the profile's methods."""
    profile = load_profile(profile_name)
    conf = None if profile_name.endswith(".toml") else conformance(profile.name)
    if conf is None:
        title = profile.title_zh if language == "zh" else profile.title_en
        if profile.verified:
            return f"核算口径：{title}。" if language == "zh" else f"Profile: {title}."
        return (
            f"核算口径：{title}。该口径的方法未与标准文本核对（见“核算方法说明”）。"
            if language == "zh"
            else f"Profile: {title}. Its methods are not checked against a standard's text "
            "(see the methods)."
        )
    if profile.verified and conf.text_read:
        return (
            f"依据{conf.title_zh}（{conf.standard}）核算。"
            if language == "zh"
            else f"Accounted according to the {conf.title_en} ({conf.standard})."
        )
    if language == "zh":
        who = "本报告" if subject == "report" else "本口径"
        return (
            f"参照{conf.title_zh}（{conf.standard}）的核算口径。该标准{conf.seen_zh}，"
            f"{who}不以其为依据；各指标的核算方法依据已发表的应用（见“核算方法说明”）。"
        )
    what = "this report" if subject == "report" else "this profile's methods"
    return (
        f"Profile after the {conf.title_en} ({conf.standard}): {conf.seen_en}, so it is not "
        f"the basis of {what}; the indicators follow published applications (see the "
        "methods)."
    )
