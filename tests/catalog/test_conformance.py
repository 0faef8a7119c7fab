"""The conformance tables: one complete row per indicator of every shipped profile, every test
they name exists, every search they name is recorded, every deviation is in Chinese and
English, and nothing cites a file outside the repository."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from pydantic import ValidationError

from corpus_support import has_chinese_half
from ganpo.catalog.conformance import (
    Deviation,
    ProfileConformance,
    Row,
    check,
    conformance,
    conformance_names,
    method_records,
    searches,
)
from ganpo.catalog.files import data_dir, load_toml_model, read_toml
from ganpo.catalog.parameter_names import parameter_names
from ganpo.catalog.parameters import load_parameter_set, parameter_set_names
from ganpo.catalog.profiles import load_profile, profile_names
from ganpo.errors import InputError
from ganpo.services.methods import METHODS, PHYSICAL_METHODS
from ganpo.tracking.registry import read_tracking_file

ROOT = Path(__file__).parents[2]
CONFORMANCE = data_dir("conformance")


@pytest.mark.parametrize("name", profile_names())
def test_every_indicator_has_one_complete_row(name: str) -> None:
    profile = load_profile(name)
    conf = conformance(name)
    assert conf is not None, f"profile {name} has no conformance table"
    wanted = {**profile.indicators, **profile.physical}
    assert [(r.indicator, r.method) for r in conf.rows] == list(wanted.items())
    for row in conf.rows:
        assert row.formula.strip() and row.follows.strip(), row.indicator
        assert row.tests, row.indicator
        if row.clause is None:  # text unobtainable: where expected, what was searched
            assert row.expected_in and row.expected_in.strip(), row.indicator
            assert row.searches, row.indicator
        else:
            assert row.clause.strip(), row.indicator
    # no profile may claim a standard whose text was not read
    assert not conf.text_read and not profile.verified


def _raw(name: str) -> ProfileConformance:
    return load_toml_model(CONFORMANCE / f"{name}.toml", ProfileConformance, "conformance")


def test_a_missing_row_is_refused() -> None:
    raw = _raw("jiangxi-db36-2021")
    short = raw.model_copy(update={"rows": [r for r in raw.rows if r.indicator != "pest_control"]})
    with pytest.raises(
        InputError, match=r"one row per indicator.*missing pest_control.* / .*缺少 pest_control"
    ) as exc:
        check(short, load_profile("jiangxi-db36-2021"))
    assert has_chinese_half(str(exc.value))


def test_a_row_of_another_method_is_refused() -> None:
    raw = _raw("national-2022")
    rows = [
        r.model_copy(update={"method": "net_output"}) if r.indicator == "agriculture" else r
        for r in raw.rows
    ]
    with pytest.raises(InputError, match=r"agriculture \(net_output, profile market_value\)"):
        check(raw.model_copy(update={"rows": rows}), load_profile("national-2022"))


def test_an_empty_row_is_refused() -> None:
    with pytest.raises(ValueError, match="give either the clause it follows or text_unobtainable"):
        Row(indicator="fishery", method="net_output")
    with pytest.raises(ValueError, match="say where the clause is expected"):
        Row(indicator="fishery", method="net_output", text_unobtainable=True)
    with pytest.raises(ValueError, match="must not be empty"):
        Row.model_validate(
            {
                "indicator": "fishery",
                "method": "net_output",
                "text_unobtainable": True,
                "expected_in": "ch. 5",
                "deviations": [
                    {"what": " ", "why": "because", "what_zh": "某项", "why_zh": "因为"}
                ],
            }
        )


def test_an_unrecorded_search_is_refused() -> None:
    raw = _raw("gbt-46869-2025")
    rows = [
        r.model_copy(update={"searches": ["never-made"]}) if r.indicator == "fishery" else r
        for r in raw.rows
    ]
    with pytest.raises(
        InputError, match=r"row 'fishery' names unknown search.* / 行 'fishery' 引用了未知的检索"
    ):
        check(raw.model_copy(update={"rows": rows}), load_profile("gbt-46869-2025"))


def test_a_toml_file_that_does_not_parse_is_refused_in_both_languages(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('profile = "national-2022"\n[[rows]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot read conformance table: .*line 2") as exc:
        load_toml_model(path, ProfileConformance, "conformance table")
    assert has_chinese_half(str(exc.value)) and "不是有效的 TOML" in str(exc.value)
    assert str(exc.value).count(" / ") == 1
    # read_toml says it in both languages; a loader that adds its own Chinese keeps only
    # the English half of it
    with pytest.raises(InputError) as plain:
        read_toml(path, "the tracking file")
    assert str(plain.value).endswith("：请按所示行列更正语法") and "跟踪文件文件" not in str(
        plain.value
    )
    with pytest.raises(InputError, match=r"cannot read the tracking file: .* / .*目标跟踪") as t:
        read_tracking_file(path)
    assert str(t.value).count(" / ") == 1  # the tracking loader's Chinese, once


def test_the_national_texts_were_sought_before_being_called_unobtainable() -> None:
    """The NDRC/NBS 2022 specification and the MEE 2020 guide are public documents: the
    national profile's rows carry the searches made for both (at most 60 by this round)."""
    conf = conformance("national-2022")
    assert conf is not None
    this_round = [s for s in searches().values() if s.round == "2026-12 conformance"]
    assert 20 <= len(this_round) <= 60
    for row in conf.rows:
        ids = {s.id for s in row.searches}
        assert {s.id for s in this_round if s.id.startswith(("ndrc-", "mee-"))} <= ids
    # the queries the brief of this round named are among them
    queries = {s.query for s in this_round}
    assert "生态产品总值核算规范 附件 核算指标体系 物质供给 调节服务" in queries
    assert "陆地生态系统生产总值 核算技术指南 生态环境部 2020 功能量 公式" in queries
    assert {s.corpus for s in this_round} >= {"pages", "docs", "code"}


def test_the_named_deviations_are_recorded() -> None:
    """The deviations issue 12 names: EPP from data, the eastern-plain lake regression,
    cropland that conserves no water."""
    recs = method_records()
    climate = " ".join(
        d.what + d.why for d in recs["climate_regulation", "transpiration_energy"].deviations
    )
    assert "EPP" in climate and "could not be read" in climate
    flood = " ".join(
        d.what + d.why for d in recs["flood_regulation", "gauged_and_vegetation"].deviations
    )
    assert "eastern-plain lake region" in flood and "gauged" in flood
    water = " ".join(d.what + d.why for d in recs["water_conservation", "water_balance"].deviations)
    assert "cropland" in water and "no cropland row" in water
    # and in Chinese
    climate_zh = " ".join(
        d.what_zh + d.why_zh for d in recs["climate_regulation", "transpiration_energy"].deviations
    )
    assert "蒸腾消耗热量（EPP）表未能获取" in climate_zh
    flood_zh = " ".join(
        d.what_zh + d.why_zh for d in recs["flood_regulation", "gauged_and_vegetation"].deviations
    )
    assert "东部平原湖区回归参数（饶恩明等 2014）未能获取" in flood_zh
    water_zh = " ".join(
        d.what_zh + d.why_zh for d in recs["water_conservation", "water_balance"].deviations
    )
    assert "农田（水田和旱地）" in water_zh and "表2 中没有农田一行" in water_zh


def _all_deviations() -> list[Deviation]:
    """Every deviation as written: the method records' and the profiles' own."""
    found = [d for rec in method_records().values() for d in rec.deviations]
    found += [d for n in conformance_names() for row in _raw(n).rows for d in row.deviations]
    return list({(d.what, d.why): d for d in found}.values())


CJK = re.compile(r"[\u3400-\u9fff]")
#: where a sentence (or a clause that stands as one) ends, in Chinese or English punctuation
SENTENCE_END = re.compile(r"[。；！？;!?]|\.\s")


def test_every_deviation_is_in_chinese() -> None:
    """Reports and the platform print the deviations in the reader's language: each has a
    Chinese what and why in which every sentence is Chinese (no English left over)."""
    found = _all_deviations()
    assert len(found) >= 37
    # the profiles' own deviations are among them
    own = _raw("gbt-46869-2025").rows
    assert {d.what for row in own for d in row.deviations} <= {d.what for d in found}
    bad = []
    for d in found:
        for english, chinese in ((d.what, d.what_zh), (d.why, d.why_zh)):
            sentences = [s for s in SENTENCE_END.split(chinese) if s.strip()]
            if chinese == english or not sentences:
                bad.append(f"{english!r}: no Chinese text")
            bad += [
                f"{english!r}: sentence {s!r} has no Chinese"
                for s in sentences
                if not CJK.search(s)
            ]
    assert not bad, "\n".join(bad)


NUMBER = re.compile(r"\d+(?:\.\d+)?")
LATIN_CITATION = re.compile(r"[A-Z][a-z]+ et al\. \d{4}")


def test_chinese_deviations_keep_the_citations() -> None:
    """The Chinese text cites what the English cites: every number (years, values, table
    numbers), every Chinese term or author name, every "X et al. year"; the abbreviations
    Garzê and 高天岩 become their citations 白玛卓嘎等 2017 and 缪建群等 2017."""
    bad = []
    for d in _all_deviations():
        english, chinese = f"{d.what} {d.why}", f"{d.what_zh} {d.why_zh}"
        for number in set(NUMBER.findall(english)):
            if not re.search(rf"(?<![\d.]){re.escape(number)}(?!\d|\.\d)", chinese):
                bad.append(f"{d.what!r}: {number} is missing in Chinese")
        for term in re.findall(r"[\u3400-\u9fff]+", english):
            if term == "高天岩":
                term = "缪建群等 2017"
            if term not in chinese:
                bad.append(f"{d.what!r}: {term} is missing in Chinese")
        if "Garzê" in english and "白玛卓嘎等 2017" not in chinese:
            bad.append(f"{d.what!r}: Garzê (白玛卓嘎等 2017) is missing in Chinese")
        bad += [
            f"{d.what!r}: {c} is missing in Chinese"
            for c in LATIN_CITATION.findall(english)
            if c not in chinese
        ]
    assert not bad, "\n".join(bad)


def test_a_deviation_needs_its_chinese() -> None:
    with pytest.raises(ValidationError, match="what_zh"):
        Deviation.model_validate({"what": "a", "why": "b", "why_zh": "因为"})
    with pytest.raises(ValidationError, match="must not be empty"):
        Deviation(what="a", why="b", what_zh="某项", why_zh="  ")
    d = Deviation(what="a", why="b", what_zh="某项", why_zh="因为")
    assert (d.what_in("zh"), d.why_in("zh")) == ("某项", "因为")
    assert (d.what_in("en"), d.why_in("en")) == ("a", "b")


@cache
def _test_functions(path: Path) -> frozenset[str]:
    names = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {
                f"{node.name}::{n.name}"
                for n in node.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            }
    return frozenset(names)


def _named_tests() -> set[str]:
    named = {t for rec in method_records().values() for t in rec.tests}
    for name in profile_names():
        conf = conformance(name)
        assert conf is not None
        named |= {t for row in conf.rows for t in row.tests}
    return named


def test_every_named_test_exists() -> None:
    missing = []
    for node in sorted(_named_tests()):
        file, _, function = node.partition("::")
        path = ROOT / file
        if not (file.startswith("tests/") and path.is_file()):
            missing.append(f"{node}: no file {file}")
        elif not function.startswith("test") or function not in _test_functions(path):
            missing.append(f"{node}: no test {function} in {file}")
    assert not missing, "\n".join(missing)


#: a citation of a file outside the repository: an absolute or home path, a notes folder,
#: the digest that was never part of the repository
OUTSIDE = re.compile(r"(?<![\w.])(/work/|/home/|/tmp/|~/|[A-Za-z]:\\)|notes/|METHODS" r"\.md")
#: a file name with a document's extension, which must then be a file of the repository
FILE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.(?:md|pdf|docx?|txt|csv|toml|py))\b")


def _cited_files(text: str) -> list[str]:
    return [m for m in FILE.findall(text) if not m.startswith(("doi", "10."))]


def test_nothing_cites_a_file_outside_the_repository() -> None:
    """Conformance data, parameter sets and profiles: no path outside the repository, and
    every file they name is in the repository."""
    data = data_dir("conformance").parent
    paths = [
        p
        for folder in ("conformance", "params", "profiles")
        for p in data_dir(folder).glob("*.toml")
    ]
    paths.append(data / "parameter_names.toml")
    bad = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(data)
        bad += [f"{where}: {m.group(0)}" for m in OUTSIDE.finditer(text)]
        bases = (ROOT, ROOT / "src", path.parent, data)
        for cited in _cited_files(text):
            if not any((base / cited).exists() for base in bases):
                bad.append(f"{where}: cites {cited}, not a file of the repository")
    assert not bad, "\n".join(bad)


def test_every_parameter_has_a_name() -> None:
    """Reports and tables name parameters, never by key: every parameter of a shipped set
    and every parameter a method reads has a Chinese and an English name."""
    named = set(parameter_names())
    keys = {k for n in parameter_set_names() for k in load_parameter_set(n).values}
    keys |= {
        p.key
        for ms in (*METHODS.values(), *PHYSICAL_METHODS.values())
        for m in ms.values()
        for p in m.parameters
    }
    assert not keys - named, sorted(keys - named)
