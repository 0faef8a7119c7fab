"""The annual report's quality appendix, rendered to PDF in Chinese and English and read back
with pdftotext: its parts are there, with labels and sentences, and it prints no code
structure, no file path and no internal key."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ganpo.engine.account import run_account
from ganpo.report import annual
from ganpo.report.account_report import report_data
from ganpo.report.quality import KIND_LABELS
from ganpo.store.repository import StoredAccount, load_account, open_store, save_account
from qualitydata import WARNINGS, coverage, decisions
from tinydata import A, B, tiny_factory

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

HEADINGS = {
    "zh": ("附录：核算质量报告", ["概况", "数据覆盖率", "对输入数据作出的决定", "警告"]),
    "en": ("Appendix: quality report", ["Summary", "Coverage", "Decisions about the inputs"]),
}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> StoredAccount:
    root = tmp_path_factory.mktemp("quality-pdf")
    account = run_account(tiny_factory(root)(), 2022)
    account.decisions = decisions(A, B)
    account.coverage = coverage(A, B)
    account.warnings = [*account.warnings, *WARNINGS]
    engine = open_store(root / "s.sqlite")
    return load_account(engine, save_account(engine, account))


def _appendix(stored: StoredAccount, lang: str, tmp_path: Path) -> str:
    data = report_data(stored, lang, raster=None)  # type: ignore[arg-type]
    pdf = annual.write_pdf(annual.build_html(data, lang), tmp_path / f"r_{lang}.pdf")  # type: ignore[arg-type]
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    heading = HEADINGS[lang][0]
    assert heading in text
    return text[text.rindex(heading) :]  # the appendix is the last section (after the contents)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_quality_appendix_in_the_pdf(stored: StoredAccount, lang: str, tmp_path: Path) -> None:
    text = _appendix(stored, lang, tmp_path)
    for heading in HEADINGS[lang][1]:
        assert heading in text
    flat = re.sub(r"\s+", "", text)  # table cells wrap: compare without white space
    if lang == "zh":
        for said in (
            "净初级生产力（干物质）",
            "75.00%",
            "甲县",
            "按报送值采用",
            "审核接受：李明（统计局）",
        ):
            assert said in flat
    else:
        for said in ("netprimaryproduction", "75.00%", "acceptedby李明（统计局）"):
            assert said in flat
        assert "Layersofanotheryear" in flat and "Year-on-yearchangesbeyondthethreshold" in flat
    assert "{" not in text and "}" not in text
    assert not re.search(r"(?<![\w/])/[\w.-]+/|\b[\w-]+\.(tif|csv|gpkg|toml)\b", text)
    # no decision kind, layer role or parameter key: in English a plain-word key is also a
    # word ("annual precipitation"), so there only keys with "_" count; a key may appear
    # where a parameter's published source cites it (InVEST's argument "sdr_max")
    sources = " ".join(stored.prices["source"].astype(str))
    keys = {*KIND_LABELS, "npp", "precipitation", *stored.prices["key"]}
    leaked = sorted(
        k
        for k in keys
        if re.search(rf"\b{k}\b", text) and k not in sources and (lang == "zh" or "_" in k)
    )
    assert not leaked
