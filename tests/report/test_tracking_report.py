"""The yearly report to the people's congress standing committee, from a hand-built
store (two GEP accounts, two carbon inventories, the shipped published figures, the
series computed from the store), rendered once per module: every figure in the PDF's
text equals the stored series and its footnote names the figure's source record; the
structure of a government report (five chapters, the next-steps chapter a marked
placeholder); the problems listed from the statuses. Issued, a value revised, issued
again: version 1 keeps its figures (rendered again from its stored figures, the same
numbers), version 2 lists the change (indicator, unit, year, old → new, source); an
issued PDF is never overwritten."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ganpo.apply.decision_series import compute_series
from ganpo.errors import InputError, StoreError
from ganpo.report.tracking_report import (
    figure_text,
    issue_tracking_report,
    rerender_issued,
    unit_names,
    write_tracking_report,
)
from ganpo.store.tracking import ObservationRecord, list_reports, observations_in_force
from ganpo.tracking.decision import register
from ganpo.tracking.registry import read_tracking_file, shipped_file
from ganpo.tracking.yearly_report import report_figures
from tracking_support import gdp_table, record_checked, series_store, use_stored_series

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
YEAR = 2024
NEWS = "江西新闻客户端（江西日报社）2025-01-17"


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sources(text: str) -> dict[int, str]:
    """The footnotes of the sources list: number → source (whitespace removed; the page
    numbers, lines of digits alone, left out)."""
    lines = text.split("数据来源" if "数据来源" in text else "Sources")[-1].splitlines()
    tail = _flat("".join(ln for ln in lines if not re.fullmatch(r"\s*\d+\s*", ln)))
    parts = re.split(r"\[(\d+)\]", tail)
    return {int(n): s for n, s in zip(parts[1::2], parts[2::2], strict=True)}


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Version 1 issued; a value revised; version 2 issued; version 1 rendered again."""
    d = tmp_path_factory.mktemp("yearly")
    engine = series_store(f"sqlite:///{d / 's.sqlite'}", d)
    reg = register()
    record_checked(engine, reg, read_tracking_file(shipped_file("jiangxi-decision")).observations)
    record_checked(engine, reg, compute_series(engine, YEAR, gdp_table()).observations)
    use_stored_series(reg, engine)
    figures1 = report_figures(reg, YEAR, names=unit_names)
    v1, kept1 = issue_tracking_report(engine, figures1, YEAR, d / "work", issuer="江西省人民政府")
    stored1 = [o for o in observations_in_force(engine)]
    revised = ObservationRecord("good_air_days_share", 360000, YEAR, 95.8, "%",
                                "江西省生态环境状况公报 2024（修订）", "published")  # fmt: skip
    record_checked(engine, reg, [revised])
    reg2 = register()
    use_stored_series(reg2, engine)
    figures2 = report_figures(reg2, YEAR, names=unit_names)
    v2, kept2 = issue_tracking_report(engine, figures2, YEAR, d / "work")
    again = rerender_issued(list_reports(engine, YEAR)[0], d / "v1-again.pdf")
    en = write_tracking_report(figures2, YEAR, d / "en.pdf", "en")
    return {
        "engine": engine, "dir": d, "v1": v1, "v2": v2, "kept1": kept1, "kept2": kept2,
        "text1": _text(kept1), "text2": _text(kept2), "again": _text(again),
        "en": _text(en), "stored1": stored1, "figures1": figures1,
        "layout2": _text(kept2, "-layout"),
    }  # fmt: skip


def test_every_figure_is_the_stored_value_and_cites_its_source(issued: dict[str, Any]) -> None:
    text = issued["text1"]
    flat, notes = _flat(text), _sources(text)
    stored = {o.key: o for o in issued["stored1"]}
    cited = 0
    for r in issued["figures1"]:
        if r["kind"] == "missing":
            continue
        value = r["actual"] if r["kind"] == "target" else r["value"]
        ob = stored[(r["indicator"], r["unit_code"], r["year"])]
        assert value == pytest.approx(ob.value, rel=1e-12)  # the figure is the stored one
        shown = figure_text(value, r["unit"])
        refs = [int(n) for n in re.findall(re.escape(_flat(shown)) + r"\[(\d+)\]", flat)]
        assert refs, (r["indicator"], r["unit_code"], shown)
        assert _flat(ob.source) in {notes[n] for n in refs}, (r["indicator"], ob.source)
        cited += 1
        if r["kind"] == "target":  # the level cites the target's own source
            level = re.escape(_flat(figure_text(r["target_value"], r["unit"])))
            refs = [int(n) for n in re.findall(rf"[≥≤]{level}\[(\d+)\]", flat)]
            assert _flat(r["target_source"]) in {notes[n] for n in refs}, r["target"]
    assert cited >= 20
    # the published 2023 baselines cite the news item that reported them
    news = next(n for n, s in notes.items() if s.startswith(_flat("中国新闻网 2024-01-24")))
    assert f"96.50[{news}]" in flat and f"97.00[{news}]" in flat
    # computed values cite the account or inventory they come from
    assert any("GEPaccount#2(2024)" in s for s in notes.values())
    assert any("GHGinventory#2" in s for s in notes.values())


def test_structure_of_a_government_report(issued: dict[str, Any]) -> None:
    flat = _flat(issued["text1"])
    heads = ["一、总体情况", "二、目标指标完成情况", "三、生态产品总值与碳排放", "四、存在的问题",
             "五、下一步工作", "数据来源"]  # fmt: skip
    at = [flat.index(h) for h in heads]
    assert at == sorted(at)
    assert "向江西省人民代表大会常务委员会报告" in flat and "第1版" in flat
    assert _flat("【本节由江西省人民政府撰写。ganpo 不生成本节内容；印发前须由政府补充。】") in flat
    assert "本报告含合成数据" in flat
    # 四: the targets at risk or off track, and those not assessed, from the statuses
    problems = flat[flat.index("四、存在的问题") : flat.index("五、下一步工作")]
    bad = [r for r in issued["figures1"] if r.get("status") in ("at_risk", "off_track")]
    assert bad and all(_flat(r["indicator_zh"]) in problems for r in bad)
    assert "森林覆盖率（南昌市）：2024年无观测值，无法评价" in problems
    ok = [r for r in issued["figures1"] if r.get("status") == "achieved"]
    assert all(_flat(r["indicator_zh"]) + "（江西省）：" not in problems for r in ok)


def test_issued_version_keeps_its_numbers(issued: dict[str, Any]) -> None:
    v1, v2 = issued["v1"], issued["v2"]
    assert (v1.version, v2.version) == (1, 2)
    assert v1.pdf_sha256 == hashlib.sha256(issued["kept1"].read_bytes()).hexdigest()
    assert v1.pdf_name == "reports/tracking-report-2024-v1-zh.pdf"
    air1 = next(r for r in v1.figures if r.get("target") == "good-air-days-2024-2026")
    air2 = next(r for r in v2.figures if r.get("target") == "good-air-days-2024-2026")
    assert (air1["actual"], air2["actual"]) == (95.5, 95.8)
    assert air1["source"].startswith(NEWS)
    # version 1 rendered again from its stored figures: the same numbers as issued
    numbers = re.compile(r"\d[\d,]*\.\d+")
    assert numbers.findall(_flat(issued["again"])) == numbers.findall(_flat(issued["text1"]))
    assert "95.50" in _flat(issued["again"]) and "95.80" not in _flat(issued["again"])


def test_a_new_version_lists_what_changed(issued: dict[str, Any]) -> None:
    v2 = issued["v2"]
    assert [(c["indicator"], c["unit_code"], c["year"], c["old"], c["new"]) for c in v2.changes] == [
        ("good_air_days_share", 360000, 2024, 95.5, 95.8)
    ]  # fmt: skip
    assert v2.changes[0]["source"] == "江西省生态环境状况公报 2024（修订）"
    notes = _sources(issued["text2"])
    ref = next(n for n, s in notes.items() if s == _flat("江西省生态环境状况公报 2024（修订）"))
    part = issued["layout2"].split("六、与第1版相比的变化")[1]
    row = [ln.split() for ln in part.splitlines() if "空气质量优良天数比率" in ln]
    assert row == [["空气质量优良天数比率", "江西省", "2024", "95.50", "95.80", f"[{ref}]"]]


def test_an_issued_pdf_is_never_overwritten(issued: dict[str, Any]) -> None:
    engine, work = issued["engine"], issued["dir"] / "work"
    # someone put a file where version 3 would go: refused, nothing stored, file kept
    clash = work / "reports" / "tracking-report-2024-v3-zh.pdf"
    clash.write_bytes(b"not ours")
    with pytest.raises(InputError, match=r"already exists.*never overwritten"):
        issue_tracking_report(engine, issued["figures1"], YEAR, work)
    assert clash.read_bytes() == b"not ours"
    assert [r.version for r in list_reports(engine, YEAR)] == [1, 2]


def test_english_report(issued: dict[str, Any]) -> None:
    text = issued["en"]
    for head in ("1. Overall situation", "2. Targets and their attainment", "5. Next steps",
                 "Draft (not issued)", "Sources"):  # fmt: skip
        assert head in " ".join(text.split())
    assert not re.search(r"[一二三四五]、", text.split("Sources")[0])
    assert "share of days with good air quality" in " ".join(text.split())


def test_a_report_not_stored_leaves_no_file(
    issued: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ganpo.store.tracking

    def refuse(*args: Any, **kw: Any) -> None:
        raise StoreError("the database refused / 数据库拒绝")

    monkeypatch.setattr(ganpo.store.tracking, "save_report", refuse)
    work = issued["dir"] / "other-work"
    with pytest.raises(StoreError, match="the database refused"):
        issue_tracking_report(issued["engine"], issued["figures1"], YEAR, work)
    assert list((work / "reports").iterdir()) == []  # neither the PDF nor its draft
    assert [r.version for r in list_reports(issued["engine"], YEAR)] == [1, 2]
