"""The annual report, its map and the terminal's summaries each speak their reader's
language, as a statistics bureau publishes: checked on the coarse demo platform (2000 m,
accounts 2022 and 2023, fixture ``demo_platform``).

- the Chinese PDF holds no English prose: no run of four or more English words outside
  brackets (a citation's authors, an English paper's title in 《》, a standard's
  designation and a formula's symbols stand in brackets or are shorter), so a warning,
  a parameter's source or a data source quoted in English fails; no price index by its
  key (``cn-cpi``) or by an abbreviation of ganpo's own (``PPI_agr``);
- the run's warnings are printed in the report's language, as the run wrote them;
- the English PDF names no internal key (price indices, parameters, roles, indicators,
  module paths) and its key figures keep number and unit whole;
- the terminal's account summary and change notes print 亿元 (never 10^8 CNY), quantities
  in statistical units and price indices and units by their names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from demoplatform import DemoPlatform
from ganpo.catalog.indicators import indicators
from ganpo.catalog.parameter_names import parameter_names
from ganpo.cli.report import report
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES
from ganpo.report.quality import published_text, run_warnings
from ganpo.store.repository import StoredAccount, load_account, open_store

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

#: text in brackets: (…) and （…）, and a title in 《…》 (removed innermost first)
BRACKETED = re.compile(r"[（(][^（）()]*[）)]|《[^《》]*》")
#: four or more English words in a row, separated by spaces or ASCII punctuation
ENGLISH_RUN = re.compile(r"\b[A-Za-z][A-Za-z'’-]*(?:[ ,;:]+[A-Za-z][A-Za-z'’-]*){3,}")
INDEX_KEYS = ("cn-cpi", "cn-ppi", "cn-agri-producer", "PPI_agr")


def english_runs(text: str) -> list[str]:
    """Runs of four or more English words in ``text`` outside brackets (lines joined)."""
    text = " ".join(text.split())
    while (stripped := BRACKETED.sub(" ", text)) != text:
        text = stripped
    return ENGLISH_RUN.findall(text)


def test_english_runs_is_a_real_check() -> None:
    # what the Chinese report printed before: a run's warning and a parameter's source
    assert english_runs(
        "警告 21 unit(s) have no cell centre inside them at this resolution (360102004, "
        "360102005 … (21 in all)); their raster services are 0 — use a finer grid"
    )
    assert english_runs("来源 construction cost of reservoir storage, 7.06 元/m³")
    # what it may print: citations, a standard, an English title, symbols in a formula
    assert not english_runs(
        "白玛卓嘎等 2017（生态学报 37(19):6302-6312，表3，引自 LY/T 1721-2008）；Niu et al. 2019"
        "（《An increasing trend in the ratio of transpiration to total evapotranspiration》，"
        "摘要）；依据 InVEST SDR 3.20（Borselli et al. 2008）；V = E·p_e；R·K·LS·C·P"
    )


@pytest.fixture(scope="module")
def written(demo_platform: DemoPlatform, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2023 account's report in both languages, from a copy of the platform's store."""
    tmp = tmp_path_factory.mktemp("language")
    shutil.copy(demo_platform.database, tmp / "ganpo.sqlite")
    for lang in ("zh", "en"):
        report(2, tmp / f"{lang}.pdf", lang=lang, raster="", database=str(tmp / "ganpo.sqlite"))
    return tmp


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _stored(folder: Path) -> StoredAccount:
    return load_account(open_store(folder / "ganpo.sqlite"), 2)


def test_the_chinese_report_has_no_english_prose_and_no_index_keys(written: Path) -> None:
    text = _text(written / "zh.pdf")
    runs = english_runs(text)
    assert not runs, runs[:10]
    found = [k for k in INDEX_KEYS if k in text]
    assert not found, found
    # the price indices by their Chinese names, the data sources in Chinese
    assert "农产品生产者价格指数" in text and "居民消费价格指数（CPI）" in text
    assert "合成数据（ganpo 示范数据生成器" in text


def test_warnings_are_printed_in_the_reports_language(written: Path) -> None:
    stored = _stored(written)
    a = stored.account
    assert a.warnings, "the coarse demo has a warning (units without a cell centre)"
    assert a.warnings_zh is not None and len(a.warnings_zh) == len(a.warnings)
    zh, en = (" ".join(_text(written / f"{lang}.pdf").split()) for lang in ("zh", "en"))
    for chinese, english in zip(run_warnings(a, "zh"), run_warnings(a, "en"), strict=True):
        shown_zh = " ".join(published_text(chinese, stored.inputs, "zh").split())
        shown_en = " ".join(published_text(english, stored.inputs, "en").split())
        assert re.search(r"[\u4e00-\u9fff]", shown_zh), shown_zh
        assert shown_zh[:40] in zh
        assert shown_en[:40] in en and shown_en[:40] not in zh


def _internal_keys() -> set[str]:
    keys = {*LAYER_ROLES, *TABLE_ROLES, *DERIVED_ROLES, *indicators(), *parameter_names()}
    return {k for k in keys if "_" in k} | {"type_status"}


def test_the_english_report_names_no_internal_key(written: Path) -> None:
    text = _text(written / "en.pdf")
    found = [k for k in INDEX_KEYS if k in text]
    found += sorted(k for k in _internal_keys() if re.search(rf"\b{k}\b", text))
    found += re.findall(r"\bganpo\.[a-z_.]+", text)
    assert not found, found
    assert "producer price index of agricultural products" in text


def test_the_key_figures_keep_number_and_unit_whole(written: Path) -> None:
    """The summary's boxes: a number never shares a line with the start of its unit
    (before: "64,934.17 100" and "million yuan" on the next line of an English box)."""
    first = _text(written / "en.pdf", "-layout", "-f", "3", "-l", "3")
    broken = [line for line in first.splitlines() if re.search(r"\d[\d,.]* (100|10,000)\s*$", line)]
    assert not broken, broken
    assert "100 million yuan" in first and "10,000 yuan/km²" in first


def test_the_map_speaks_the_reports_language(written: Path) -> None:
    from ganpo.report import summary
    from ganpo.report.account_report import report_data
    from ganpo.report.maps import build_gep_density_figure

    stored = _stored(written)
    for lang in ("zh", "en"):
        data = report_data(stored, lang, raster=None)
        counties = summary.gep_by_unit(data.results, data.units, "county")
        fig = build_gep_density_figure(
            data.units,
            counties,
            title_zh="江西省2023年各县 GEP 密度",
            title_en="Jiangxi: GEP per km² by county, 2023",
            note="合成数据" if lang == "zh" else "synthetic data",
            language=lang,
        )
        # what the map shows: the figure's texts, the map's labels, the legend (the map's
        # own axes are off: their labels are not drawn)
        shown = [*fig.texts, *fig.axes[0].texts, *fig.axes[1].get_xticklabels()]
        joined = " ".join([*(t.get_text() for t in shown), fig.axes[1].get_xlabel()])
        if lang == "zh":
            # Latin letters only in GEP, km and the north arrow
            rest = re.sub(r"GEP|km|\bN\b", "", joined)
            assert not re.search(r"[A-Za-z]", rest), joined
            assert "南昌市" in joined and "GEP 密度（万元/km²）" in joined
        else:
            assert not re.search(r"[\u4e00-\u9fff]", joined), joined
            assert "Nanchang" in joined and "GEP per km² (10,000 yuan/km²)" in joined


def test_terminal_summary_in_statistical_units(written: Path) -> None:
    from ganpo.cli.common import console
    from ganpo.cli.summary import print_account, print_change, print_notes
    from ganpo.engine.volume import AccountPeriod, at_base_prices
    from ganpo.report.change_notes import volume_notes
    from ganpo.report.quality import unit_label_map
    from ganpo.report.summary import compare

    store = open_store(written / "ganpo.sqlite")
    a, b = load_account(store, 1), load_account(store, 2)
    volume = at_base_prices(
        AccountPeriod(a.results, a.prices, 2022), AccountPeriod(b.results, b.prices, 2023)
    )
    width = console.width
    console.width = 250
    try:
        with console.capture() as captured:
            print_account(b.results, b.units, "江西省 Jiangxi 2023", b.physical)
            print_change(compare(a.results, volume.rows, "2022", "2023"), "2022", "2023", "物量")
            print_notes(
                volume_notes(volume, "zh", unit_label_map(b.units, "zh")),
                volume_notes(volume, "en", unit_label_map(b.units, "en")),
            )
    finally:
        console.width = width
    out = captured.get()
    assert "GEP" in out and "亿元" in out and "亿立方米" in out and "万人次" in out
    for bad in ("10^8", "10^4", "CNY", " m3", " hm2", "person-time", "e+"):
        assert bad not in out, bad
    found = [k for k in INDEX_KEYS if k in out]
    found += sorted(k for k in _internal_keys() if re.search(rf"\b{k}\b", out))
    assert not found, found
    # the deflated items named in both languages, the index by its name
    assert "用农产品生产者价格指数缩减至2022年价格" in out
    assert "deflated to 2022 prices by the producer price index of agricultural products" in out
