"""The annual report's methods chapter and cover: the method table and the deviations in the
report's language (no dicts, keys or file paths), and a cover that does not present an unread
standard as the report's basis."""

from __future__ import annotations

import html as html_text
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ganpo.catalog.profiles import load_profile
from ganpo.engine.account import run_account
from ganpo.report import annual
from ganpo.report.account_report import report_data
from ganpo.report.method_table import basis_sentence
from ganpo.services.methods import METHODS, PHYSICAL_METHODS
from ganpo.store.repository import load_account, open_store, save_account
from tinydata import tiny_factory

PROFILE = "jiangxi-db36-2021"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    """The zh and en report of a tiny Jiangxi account: (html, text of the PDF)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils (pdftotext)")
    tmp = tmp_path_factory.mktemp("methods-chapter")
    manifest = tiny_factory(tmp)()
    store = open_store(tmp / "ganpo.sqlite")
    stored = load_account(store, save_account(store, run_account(manifest, 2022, PROFILE)))
    out = {}
    for lang in ("zh", "en"):
        data = report_data(stored, lang, raster=None)  # type: ignore[arg-type]
        html = annual.build_html(data, lang)  # type: ignore[arg-type]
        pdf = annual.write_pdf(html, tmp / f"report_{lang}.pdf")
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        out[lang] = (html, text)
    return out


def _keys() -> set[str]:
    """Keys a reader must never see: indicator, method and parameter keys (those with an
    underscore; single words such as 'discharges' are also ordinary English)."""
    profile = load_profile(PROFILE)
    keys = set(profile.indicators) | set(profile.physical) | set(profile.indicators.values())
    for registry in (METHODS, PHYSICAL_METHODS):
        for ind, key in [*profile.indicators.items(), *profile.physical.items()]:
            if ind in registry and key in registry[ind]:
                keys |= {p.key for p in registry[ind][key].parameters}
    return {k for k in keys if "_" in k}


PATHS = re.compile(r"\.(tif|toml|gpkg|csv|py|md)\b|/work/|src/ganpo|\\")


def _chapter(text: str, start: str, end: str) -> str:
    assert start in text, start
    at = text.rindex(start)  # the chapter, after its line in the table of contents
    return text[at : text.index(end, at)]


@pytest.mark.parametrize(
    ("lang", "heading", "appendix"),
    [("zh", "八、核算方法说明", "附录：参数及来源"), ("en", "8. Methods", "Appendix: parameters")],
)
def test_methods_chapter_in_the_reports_language(
    reports: dict[str, tuple[str, str]], lang: str, heading: str, appendix: str
) -> None:
    html, text = reports[lang]
    chapter = _chapter(text, heading, appendix)
    html_chapter = _chapter(html, heading, appendix)
    profile = load_profile(PROFILE)
    from ganpo.catalog.indicators import indicators

    for key in profile.indicators:  # every indicator, by its name
        name = indicators()[key].name_zh if lang == "zh" else indicators()[key].name_en
        assert name in html_chapter, name
    unobtainable = "标准文本未能获取 → 依据" if lang == "zh" else "text unobtainable → follows"
    assert html_chapter.count(unobtainable) == len(profile.indicators) + len(profile.physical)
    assert (
        "水库单位库容造价" if lang == "zh" else "reservoir storage construction cost"
    ) in chapter
    # the deviations from the applications followed, with their reasons, in its language
    deviations = (
        (
            "与所依据应用的偏离及理由",
            "参数集中没有径流系数的生态系统类型不计水源涵养量，农田（水田和旱地）即属此类",
            "龚诗涵等 2017 表2 中没有农田一行，也未能获取水田或旱地径流系数的其他来源",
        ),
        (
            "Deviations from the applications followed, and why",
            "cropland (paddy and dry land) is one of them",
            "龚诗涵 et al. 2017's Table 2 has no cropland row",
        ),
    )
    mine, other = deviations if lang == "zh" else deviations[::-1]
    for wanted in mine:
        assert html_text.escape(wanted) in html_chapter, wanted
    assert not any(html_text.escape(unwanted) in html_chapter for unwanted in other)
    # no code structures, keys or paths, in the chapter and in the whole report
    assert "{" not in chapter and "}" not in chapter
    leaked = sorted(k for k in _keys() if re.search(rf"\b{k}\b", chapter))
    assert not leaked, leaked
    assert not PATHS.search(chapter), PATHS.search(chapter)
    # the cover and the method section too; no code structure anywhere in the report
    front = text[: text.index("三、数据来源" if lang == "zh" else "3. Data sources")]
    assert not PATHS.search(front), PATHS.search(front)
    assert "{" not in text


def test_cover_does_not_claim_the_unread_standard(reports: dict[str, tuple[str, str]]) -> None:
    html, text = reports["zh"]
    cover = text[: text.index("一、核算结果摘要")]
    flat = re.sub(r"\s+", "", cover)
    assert "参照江西省地方标准《生态系统生产总值核算技术规范》（DB36/T1402-2021）的核算口径" in flat
    assert "该标准正文未能获取（仅见封面与目次），本报告不以其为依据" in flat
    assert "各指标的核算方法依据已发表的应用" in flat
    assert "依据江西省" not in flat and "(in force" not in cover
    english = reports["en"][1]
    cover_en = re.sub(r"\s+", " ", english[: english.index("1. Summary")])
    assert "its text could not be obtained (only its cover and contents were seen)" in cover_en
    assert "so it is not the basis of this report" in cover_en
    # the method section says the same, and names the double-counting rules
    assert "本报告不以其为依据" in _chapter(html, "二、核算方法与口径", "三、数据来源")
    assert "固碳与释氧：两项均计。" in html


def test_basis_of_a_profile_without_a_conformance_table(tmp_path: Path) -> None:
    """A user's own profile file: named as the profile, with a note unless it says it is
    verified; only a verified profile whose standard was read is called the basis."""
    source = Path(__file__).parents[2] / "src/ganpo/catalog/data/profiles/national-2022.toml"
    own = tmp_path / "own.toml"
    own.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    assert basis_sentence(str(own), "zh") == (
        "核算口径：生态产品总值核算规范（试行）。该口径的方法未与标准文本核对（见“核算方法说明”）。"
    )
    verified = tmp_path / "verified.toml"
    verified.write_text(
        source.read_text(encoding="utf-8").replace("verified = false", "verified = true"),
        encoding="utf-8",
    )
    assert basis_sentence(str(verified), "en") == (
        "Profile: National GEP accounting specification (trial), 2022."
    )
    # a shipped profile says its standard's text was not read
    assert "could not be obtained" in basis_sentence("gbt-46869-2025", "en")
