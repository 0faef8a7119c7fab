"""``ganpo tracking series load|compute``, ``ganpo tracking status --database`` and
``ganpo tracking report``: the shipped figures loaded into a store, GEP and carbon
series computed from its accounts and inventories, the status read from the store, a
draft report, an issued one and an issued version rendered again; bad input refused with
one message (exit 2)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.store.repository import open_store
from ganpo.store.tracking import list_reports
from tracking_support import series_store, write_gdp

runner = CliRunner(env={"COLUMNS": "220"})


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    saved = (console._width, err_console._width)
    console.width = err_console.width = 220
    yield
    console._width, err_console._width = saved


def _run(*args: str) -> Result:
    return runner.invoke(app, ["tracking", *args])


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "g.sqlite"
    series_store(f"sqlite:///{path}", tmp_path).dispose()
    return str(path)


def test_load_compute_and_status_from_the_store(db: str, tmp_path: Path) -> None:
    r = _run("series", "load", "--database", db, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert {x["outcome"] for x in rows} == {"added"} and len(rows) == 32
    r = _run("series", "load", "--database", db)  # again: nothing changes
    assert "未变 unchanged 32" in r.output
    gdp = write_gdp(tmp_path / "gdp.csv")
    r = _run("series", "compute", "--year", "2024", "--gdp", str(gdp), "--database", db,
             "--format", "json")  # fmt: skip
    assert r.exit_code == 0, r.output
    got = {(x["indicator"], x["unit_code"]): x for x in json.loads(r.output)}
    assert got[("co2_total", 360102)]["value"] == pytest.approx(4.6818)
    assert got[("gep", 360000)]["outcome"] == "revised"  # the synthetic 41 200 亿元 revised
    assert got[("gep", 360000)]["source"].startswith("生态产品总值核算 #2")
    r = _run("status", "--database", db, "--year", "2024", "--format", "json")
    assert r.exit_code == 0, r.output
    air = next(x for x in json.loads(r.output) if x["target"] == "good-air-days-2024-2026")
    assert (air["base_value"], air["actual"], air["observation_status"]) == (96.5, 95.5, "reported")
    table = _run("status", "--database", db, "--year", "2024").output
    assert "平台计算" in table and "computed" in table
    r = _run("series", "history", "gep", "360000", "2024", "--database", db, "--format", "json")
    assert [(h["revision"], h["status"]) for h in json.loads(r.output)] == [
        (1, "synthetic"),
        (2, "computed"),
    ]
    r = _run("series", "history", "gep", "360000", "2019", "--database", db)
    assert r.exit_code == 2 and "no stored value of 'gep' for 360000 in 2019" in r.output


def test_a_series_csv_is_checked_before_it_is_stored(db: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "indicator,unit_code,year,value,unit,source,status\n"
        "forest_cover,360000,2024,63.2,%,统计公报,published\n"
        "forest_cover,360000,2025,5,t,统计公报,published\n",
        encoding="utf-8",
    )
    r = _run("series", "load", str(bad), "--database", db)
    assert r.exit_code == 2
    assert "unit 't' does not measure the same quantity as '%'" in " ".join(r.output.split())
    r = _run("status", "--database", db, "--format", "json")  # nothing of the file stored
    assert json.loads(r.output) == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_report_draft_issue_and_render_again(db: str, tmp_path: Path) -> None:
    assert _run("series", "load", "--database", db).exit_code == 0
    work = tmp_path / "work"
    r = _run("report", "--year", "2024", "--out", str(tmp_path / "d.pdf"), "--database", db)
    assert r.exit_code == 0 and "draft" in r.output
    assert list_reports(open_store(db)) == []
    for _ in range(2):
        r = _run("report", "--year", "2024", "--out", str(tmp_path / "i.pdf"), "--issue",
                 "--work-dir", str(work), "--database", db)  # fmt: skip
        assert r.exit_code == 0, r.output
    assert "issued version 2" in r.output and "0 项变化 changes" in r.output
    r = _run("reports", "--database", db, "--format", "json")
    assert [(x["year"], x["version"], x["changes"]) for x in json.loads(r.output)] == [
        (2024, 1, 0),
        (2024, 2, 0),
    ]
    assert sorted(p.name for p in (work / "reports").iterdir()) == [
        "tracking-report-2024-v1-zh.pdf",
        "tracking-report-2024-v2-zh.pdf",
    ]
    r = _run("report", "--year", "2024", "--version", "1", "--out", str(tmp_path / "v1.pdf"),
             "--database", db)  # fmt: skip
    assert r.exit_code == 0 and (tmp_path / "v1.pdf").stat().st_size > 0
    r = _run("report", "--year", "2024", "--version", "7", "--out", str(tmp_path / "v7.pdf"),
             "--database", db)  # fmt: skip
    assert r.exit_code == 2 and "issued versions: 1, 2" in r.output


def test_report_in_word_picked_by_the_suffix(db: str, tmp_path: Path) -> None:
    import docx

    assert _run("series", "load", "--database", db).exit_code == 0
    r = _run("report", "--year", "2024", "--out", str(tmp_path / "d.docx"), "--database", db)
    assert r.exit_code == 0 and "draft" in r.output, r.output
    draft = [p.text for p in docx.Document(str(tmp_path / "d.docx")).paragraphs]
    assert "草稿（未印发）" in draft and "四、存在的问题" in draft
    r = _run("report", "--year", "2024", "--out", str(tmp_path / "i.docx"), "--issue",
             "--lang", "en", "--work-dir", str(tmp_path / "w"), "--database", db)  # fmt: skip
    assert r.exit_code == 0, r.output
    issued = [p.text for p in docx.Document(str(tmp_path / "i.docx")).paragraphs]
    assert any(p.startswith("Version 1 · issued") for p in issued)
    # the issued version is kept as PDF, as ever
    assert [p.name for p in (tmp_path / "w" / "reports").iterdir()] == [
        "tracking-report-2024-v1-en.pdf"
    ]
    r = _run("report", "--year", "2024", "--out", str(tmp_path / "r.odt"), "--database", db)
    assert r.exit_code == 2 and ".pdf or .docx" in r.output
