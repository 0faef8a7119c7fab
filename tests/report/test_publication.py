"""The annual report and its workbook as a bureau publishes them, checked on the files
``ganpo account report`` writes for a tiny two-year account: the PDF's text (pdftotext)
has statistical units, no scientific notation, no code and no keys, a table of contents,
every county, the previous year found in the store, its metadata; the workbook's totals
equal the sums of their rows, its sheets are named in both languages, no cell holds code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from ganpo.catalog.indicators import indicators
from ganpo.cli.report import report
from ganpo.engine.account import run_account
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES
from ganpo.store.repository import load_account, open_store, save_account
from tinydata import tiny_factory

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

SCIENTIFIC = re.compile(r"\d\.\d+e[+-]?\d+", re.IGNORECASE)
ASCII_UNITS = re.compile(r"\bm3\b|\bhm2\b|\bCNY\b|person-time|10\^")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("publication")
    rain = np.full((2, 4), 1700.0, dtype="float32")
    manifest = tiny_factory(tmp)(more_years={2023: {"layers": {"precipitation": rain}}})
    db = tmp / "ganpo.sqlite"
    store = open_store(db)
    first, last = (save_account(store, run_account(manifest, y)) for y in (2022, 2023))
    out = {}
    for name, account, lang in (("zh", last, "zh"), ("en", last, "en"), ("first", first, "zh")):
        # no --previous: the change section's account is found in the store
        report(
            account, tmp / f"{name}.pdf", lang=lang, raster="water_conservation", database=str(db)
        )
        out[name] = tmp / f"{name}.pdf"
    out["db"] = db
    return out


def _text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _keys() -> set[str]:
    roles = {*LAYER_ROLES, *TABLE_ROLES, *DERIVED_ROLES, *indicators()}
    return {k for k in roles if "_" in k}


@pytest.mark.parametrize("name", ["zh", "en", "first"])
def test_the_pdf_reads_as_published(written: dict[str, Path], name: str) -> None:
    text = _text(written[name])
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)
    assert not ASCII_UNITS.search(text), text[max(0, ASCII_UNITS.search(text).start() - 80) :][:160]  # type: ignore[union-attr]
    assert "{" not in text and "}" not in text
    found = sorted(k for k in _keys() if re.search(rf"\b{k}\b", text))
    assert not found, found
    zh = name != "en"
    assert ("目录" if zh else "Contents") in text
    assert ("各县（市、区）GEP" if zh else "GEP by county") in text
    assert ("亿元" if zh else "100 million yuan") in text


def test_county_table_lists_every_county(written: dict[str, Path]) -> None:
    stored = load_account(open_store(written["db"]), 2)
    text = _text(written["zh"])
    table = text[text.rindex("表 3") :]
    for county in stored.counties["county_name"]:
        assert county in table
    assert "合计" in table


def test_previous_year_found_or_said_missing(written: dict[str, Path]) -> None:
    assert "比上年物量变化（按上年价格计算）：2022 → 2023" in _text(written["zh"])
    assert "Change since last year" in _text(written["en"])
    first = _text(written["first"])
    assert "无上年核算" in first and "2022 → 2023" not in first


def test_pdf_metadata(written: dict[str, Path]) -> None:
    if shutil.which("pdfinfo") is None:
        pytest.skip("needs pdfinfo")
    info = subprocess.run(
        ["pdfinfo", str(written["zh"])], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert "生态系统生产总值（GEP）核算报告" in fields["Title"]
    assert "ganpo" in fields["Author"]  # no issuer given: the neutral wording
    assert "GEP" in fields["Keywords"] and fields["Subject"].strip()


@pytest.mark.parametrize("name", ["zh", "en"])
def test_workbook_totals_names_and_cells(written: dict[str, Path], name: str) -> None:
    wb = openpyxl.load_workbook(written[name].with_suffix(".xlsx"))
    totals = 0
    for ws in wb.worksheets:
        assert len(ws.title) <= 31
        assert re.search(r"[\u4e00-\u9fff]", ws.title) and re.search(r"[A-Za-z]", ws.title)
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for row in rows:
            for cell in row:
                assert not (isinstance(cell, str) and cell.lstrip().startswith(("{", "["))), cell
        at = [i for i, r in enumerate(rows) if "合计 Total" in r]
        if not at:
            continue
        (i,) = at
        assert i == len(rows) - 1  # the last row
        head, body, total = rows[0], rows[1:i], rows[i]
        for j, column in enumerate(head):
            additive = ("亿元" in str(column) or "万元" in str(column)) and "/km²" not in str(
                column
            )
            if additive or str(column).startswith(("面积", "占比")):
                assert total[j] == pytest.approx(sum(r[j] or 0 for r in body), rel=1e-9), (
                    ws.title,
                    column,
                )
                totals += 1
    assert totals >= 10
    assert {"按县 By county", "按市 By city", "说明 About"} <= set(wb.sheetnames)
