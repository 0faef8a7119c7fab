"""The generated parts of docs/methods.md: tables drawn from the catalogue's data (parameter
sets, conformance tables, profiles' double-counting rules, the searches made), so that the
document never drifts from what the code uses.

A generated part sits between ``<!-- generated: NAME -->`` and ``<!-- end generated: NAME -->``;
:func:`update` rewrites every part, :func:`stale` lists the parts that differ from the data
(a test keeps the document current). ``python scripts/update_methods_doc.py`` runs
:func:`update` on docs/methods.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from ganpo.catalog.conformance import conformance, method_records, searches
from ganpo.catalog.deflators import load_deflator
from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.parameter_names import index_name, parameter_names
from ganpo.catalog.parameters import ParameterValue, load_parameter_set
from ganpo.catalog.profiles import load_profile, profile_names
from ganpo.report.method_table import method_frame, method_table, unit_text
from ganpo.services.methods import METHODS, PHYSICAL_METHODS

#: the parameter set whose values docs/methods.md quotes
JIANGXI_SET = "jiangxi-default"
BLOCK = re.compile(
    r"(<!-- generated: (?P<name>[\w.:-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)",
    re.S,
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out) + "\n"


def _value(pv: ParameterValue, years: bool = True) -> str:
    unit = unit_text(pv.unit, "en")
    tail = f" {unit}" if unit else ""
    if pv.value is not None:
        by_year = ""
        if pv.by_year and years:
            by_year = " (" + ", ".join(f"{y}: {v:g}" for y, v in sorted(pv.by_year.items())) + ")"
        return f"{pv.value:g}{tail}{by_year}"
    return ", ".join(f"{by_key(k).name_en} {v:g}" for k, v in (pv.by_type or {}).items()) + tail


def parameters_table() -> str:
    """Every parameter of the Jiangxi set: names, symbol, value, year, status and source."""
    params = load_parameter_set(JIANGXI_SET)
    names = parameter_names()
    rows = []
    for key, pv in params.values.items():
        n = names[key]
        rows.append([f"{n.en} ({n.zh})", n.symbol, _value(pv), pv.year, pv.status, pv.source])
    header = f"Parameter set `{params.name}` version {params.version}: {params.title_en}.\n\n"
    return header + _table(["parameter", "symbol", "value", "year", "status", "source"], rows)


def prices_table() -> str:
    """The prices of the Jiangxi set and the index each is brought to the year by."""
    params = load_parameter_set(JIANGXI_SET)
    names = parameter_names()
    profile = load_profile("jiangxi-db36-2021")
    rows = []
    for key, pv in params.values.items():
        if not pv.is_price:
            continue
        index = pv.index or profile.deflator
        covers = load_deflator(index).index
        why = pv.index_why or "the profile's deflator"
        stated = sorted(pv.by_year) if pv.by_year else [pv.year]
        span = f"{stated[0]}" if len(stated) == 1 else f"each year {stated[0]}-{stated[-1]}"
        rows.append(
            [
                names[key].en,
                _value(pv, years=False),
                span,
                f"{index_name(index, 'en')} ({min(covers)}-{max(covers)})",
                why,
            ]
        )
    return _table(
        ["price", "value", "stated for", "other years brought to the year by", "why"], rows
    )


def overlaps_list() -> str:
    """Each shipped profile's rules on indicators that value overlapping flows."""
    from ganpo.catalog.indicators import indicators

    out = []
    names = indicators()
    for name in profile_names():
        profile = load_profile(name)
        out.append(f"**{name}**\n")
        for rule in profile.overlaps:
            a, b = (names[k].name_en for k in rule.indicators)
            what = "both kept" if rule.dropped is None else f"{names[rule.dropped].name_en} dropped"
            out.append(f"- {a} ↔ {b}: {what}. {rule.reason_en}")
        out.append("")
    return "\n".join(out)


def method_tables() -> str:
    """Each shipped profile's method table, as `ganpo profiles NAME --methods --format csv`
    prints it (the deviations in its last column)."""
    out = []
    for name in profile_names():
        frame = method_frame(method_table(name, "en"), "en")
        rows = [[str(v) for v in r] for r in frame.itertuples(index=False)]
        out.append(f"**{name}** ({load_profile(name).standard})\n")
        out.append(_table([str(c) for c in frame.columns], rows))
    return "\n".join(out)


def method_block(indicator: str, method: str) -> str:
    """What one method follows, its deviations, the tests that check it and its parameters
    with the Jiangxi set's values."""
    rec = method_records()[indicator, method]
    m = METHODS.get(indicator, {}).get(method) or PHYSICAL_METHODS[indicator][method]
    params = load_parameter_set(JIANGXI_SET)
    names = parameter_names()
    valued = "never valued" if indicator in PHYSICAL_METHODS else "value in CNY"
    lines = [
        f"- Formula: `{rec.formula}`; quantity in {unit_text(m.quantity_unit, 'en') or '1'}, "
        f"{valued}.",
        f"- Follows: {rec.follows}.",
    ]
    used = [p.key for p in dict.fromkeys(m.parameters)]
    if used:
        lines.append("- Parameters (Jiangxi set):")
        for key in used:
            pv = params.values.get(key)
            value = f"{_value(pv)} ({pv.year}, {pv.status})" if pv else "not in the set"
            lines.append(f"  - {names[key].en}, {names[key].symbol}: {value}")
    else:
        lines.append("- Parameters: none (statistics as reported).")
    if rec.deviations:
        lines.append("- Deviations:")
        lines += [f"  - {d.what}: {d.why}." for d in rec.deviations]
    lines.append("- Tests: " + ", ".join(f"`{t}`" for t in rec.tests) + ".")
    return "\n".join(lines) + "\n"


def unverified_list() -> str:
    """Every parameter of the Jiangxi set that is not verified, and every method of a
    shipped profile that could not be checked against what it follows."""
    params = load_parameter_set(JIANGXI_SET)
    names = parameter_names()
    out = ["Parameters of the Jiangxi set not verified against a source:", ""]
    out += [
        f"- {names[k].en} ({pv.status}, {pv.year}): {_value(pv, years=False)}"
        for k, pv in params.values.items()
        if pv.status != "verified"
    ]
    out += ["", "Methods of the shipped profiles not checked against what they follow:", ""]
    from ganpo.catalog.indicators import indicators
    from ganpo.services.methods import PHYSICAL_NAMES

    cat = indicators()
    seen = set()
    for name in profile_names():
        profile = load_profile(name)
        for ind, key in [*profile.indicators.items(), *profile.physical.items()]:
            m = METHODS.get(ind, {}).get(key) or PHYSICAL_METHODS[ind][key]
            if not m.verified and (ind, key) not in seen:
                seen.add((ind, key))
                label = cat[ind].name_en if ind in cat else PHYSICAL_NAMES[ind][1]
                out.append(f"- {label} (`{key}`): {m.title_en}")
    return "\n".join(out) + "\n"


def searches_table() -> str:
    """The searches made for the standards' texts and the tables the methods need."""
    rows = [[s.id, s.round, s.corpus, s.query, s.found] for s in searches().values()]
    return _table(["id", "round", "where", "query", "found"], rows)


def conformance_summary() -> str:
    """What of each profile's standard could be seen."""
    rows = []
    for name in profile_names():
        conf = conformance(name)
        if conf is None:
            continue
        unobtainable = sum(r.text_unobtainable for r in conf.rows)
        rows.append(
            [name, f"{conf.title_en} ({conf.standard})", conf.seen_en, len(conf.rows), unobtainable]
        )
    return _table(
        ["profile", "standard", "what could be seen", "rows", "rows 'text unobtainable'"], rows
    )


def generators() -> dict[str, Callable[[], str]]:
    """Every generated part of docs/methods.md, by name."""
    parts: dict[str, Callable[[], str]] = {
        "conformance-summary": conformance_summary,
        "parameters": parameters_table,
        "prices": prices_table,
        "overlaps": overlaps_list,
        "method-tables": method_tables,
        "unverified": unverified_list,
        "searches": searches_table,
    }
    for ind, key in method_records():
        parts[f"method:{ind}.{key}"] = partial(method_block, ind, key)
    return parts


def render(text: str) -> str:
    """``text`` with every generated part rewritten from the data; an unknown part name is
    an error (a typo would otherwise leave a part unchecked)."""
    parts = generators()

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in parts:
            raise KeyError(
                f"docs/methods.md has a generated part {name!r} that ganpo does not know"
            )
        return f"{match.group(1)}{parts[name]()}{match.group(4)}"

    return BLOCK.sub(fill, text)


def stale(path: Path) -> list[str]:
    """Names of the generated parts of ``path`` that differ from the data."""
    text = path.read_text(encoding="utf-8")
    fresh = render(text)
    old = {m.group("name"): m.group("body") for m in BLOCK.finditer(text)}
    new = {m.group("name"): m.group("body") for m in BLOCK.finditer(fresh)}
    return sorted(k for k in old if old[k] != new[k])


def update(path: Path) -> list[str]:
    """Rewrite the generated parts of ``path``; returns the names of the parts changed."""
    changed = stale(path)
    if changed:
        path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return changed
