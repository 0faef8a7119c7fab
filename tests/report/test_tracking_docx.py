"""The yearly report in Word: opened with python-docx, it has the PDF's chapters in the
order of a government report, every target's value, baseline and level as the figures
give them, each followed by its source number, and the numbered sources list names the
figure's source record; in English too; an issued version in Word has its stored
figures and lists its changes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import docx
import pytest

from ganpo.report.tracking_docx import write_tracking_docx
from ganpo.report.tracking_report import figure_text, unit_names
from ganpo.tracking.decision import register
from ganpo.tracking.yearly_report import report_figures

YEAR = 2025


@pytest.fixture(scope="module")
def figures() -> list[dict[str, Any]]:
    return report_figures(register(), YEAR, names=unit_names)


def _open(path: Path) -> tuple[list[str], list[list[list[str]]], dict[int, str]]:
    """Paragraph texts, tables (rows of cell texts) and the sources list (number → text)."""
    doc = docx.Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    heading = "数据来源" if "数据来源" in paragraphs else "Sources"
    tail = paragraphs[paragraphs.index(heading) + 1 :]
    sources = {int(m[1]): m[2] for p in tail if (m := re.match(r"\[(\d+)\] (.*)", p))}
    return paragraphs, tables, sources


def _cited(cell: str) -> tuple[str, int]:
    """``'63.10\\xa0[3]'`` → ('63.10', 3)."""
    m = re.fullmatch(r"(?:[≥≤]\xa0)?(.+)\xa0\[(\d+)\]", cell)
    assert m, cell
    return m[1], int(m[2])


def test_chapters_figures_and_sources(figures: list[dict[str, Any]], tmp_path: Path) -> None:
    out = write_tracking_docx(figures, YEAR, tmp_path / "r.docx", "zh", issuer="江西省人民政府")
    paragraphs, tables, sources = _open(out)
    assert paragraphs[0] == "江西省人民政府关于2025年生态文明建设高地建设情况的报告"
    assert "草稿（未印发）" in paragraphs and "江西省人民政府" in paragraphs
    chapters = [p for p in paragraphs if re.match(r"^[一二三四五六]、", p)]
    assert chapters == ["一、总体情况", "二、目标指标完成情况", "三、生态产品总值与碳排放",
                        "四、存在的问题", "五、下一步工作"]  # fmt: skip
    rows = {
        (r[0].removesuffix("（合成数据）"), r[1]): r for t in tables for r in t[1:] if len(r) == 9
    }
    targets = [f for f in figures if f["kind"] == "target"]
    assert len(rows) == len(targets) and targets
    for f in targets:
        row = rows[(f["indicator_zh"], f["unit_name_zh"])]
        base, base_ref = _cited(row[3])
        actual, actual_ref = _cited(row[4])
        level, level_ref = _cited(row[6])
        assert actual == figure_text(f["actual"], f["unit"])
        assert base == figure_text(f["base_value"], f["unit"])
        assert level == figure_text(f["target_value"], f["unit"])
        assert (sources[actual_ref], sources[base_ref], sources[level_ref]) == (
            f["source"],
            f["base_source"],
            f["target_source"],
        )
        assert row[8] == f["status_zh"]
    # 63.1 % forest cover in 2023, the baseline, from the news report of the decision
    cover = rows[("森林覆盖率", "江西省")]
    assert _cited(cover[3])[0] == "63.10" and "中国新闻网" in sources[_cited(cover[3])[1]]
    # chapter three: the GEP of the year with its source; every number of the sources list
    # cited somewhere
    gep = next(f for f in figures if f["kind"] == "account" and f["indicator"] == "gep")
    value = figure_text(gep["value"], "亿元")
    gep_cells = [r[1] for t in tables if len(t[0]) == 2 for r in t[1:] if r[1].startswith(value)]
    assert gep_cells and sources[_cited(gep_cells[0])[1]] == gep["source"]
    text = "\n".join(paragraphs + [c for t in tables for r in t for c in r])
    assert set(sources) == {int(n) for n in re.findall(r"\[(\d+)\]", text) if int(n) in sources}
    assert any("存在风险" in p for p in paragraphs)  # problems listed from the statuses
    props = docx.Document(str(out)).core_properties
    assert props.author == "江西省人民政府" and props.title == paragraphs[0]


def test_english_issued_version_lists_its_changes(
    figures: list[dict[str, Any]], tmp_path: Path
) -> None:
    changes = [
        {"indicator": "forest_cover", "unit_code": 360000, "year": 2024,
         "indicator_zh": "森林覆盖率", "indicator_en": "forest cover", "unit_name_zh": "江西省",
         "unit_name_en": "Jiangxi", "unit": "%", "old": 63.1, "new": 63.35,
         "old_source": "a", "source": "统计公报 2025"},
    ]  # fmt: skip
    out = write_tracking_docx(figures, YEAR, tmp_path / "r.docx", "en", version=2,
                              changes=changes, previous_version=1)  # fmt: skip
    paragraphs, tables, sources = _open(out)
    assert paragraphs[0].startswith("Report of the Jiangxi People's Government")
    assert any(p.startswith("Version 2 · issued") for p in paragraphs)
    assert "6. Changes since version 1" in paragraphs
    change = next(t for t in tables if t[0][:2] == ["Indicator", "Region"] and len(t[0]) == 6)
    ref = int(change[1][5].strip("[]"))
    assert change[1][:5] == ["forest cover", "Jiangxi", "2024", "63.10", "63.35"]
    assert sources[ref] == "统计公报 2025"
