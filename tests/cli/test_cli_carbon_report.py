"""``ganpo carbon report``: the inventory report of a stored inventory as Excel (by the
suffix, in the language asked) and PDF, the previous year found in the store, and one
clear message with exit code 2 for a previous inventory of another GWP set, a file that
is neither .pdf nor .xlsx, an unknown language or a file that exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app

runner = CliRunner(env={"COLUMNS": "200"})
CJK = re.compile(r"[\u4e00-\u9fff]")


def _dataset(folder: Path) -> Path:
    """Two counties of 南昌市, 2022 and 2023: electricity and pigs."""
    folder.mkdir()
    (folder / "electricity.csv").write_text(
        "unit_code,year,quantity,unit\n360102,2022,10000,万kWh\n360103,2022,5000,万kWh\n"
        "360102,2023,11000,万kWh\n360103,2023,5000,万kWh\n",
        encoding="utf-8",
    )
    (folder / "livestock.csv").write_text(
        "unit_code,year,animal,quantity,unit\n360102,2022,swine,2,万头\n360102,2023,swine,3,万头\n",
        encoding="utf-8",
    )
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型测试数据"\ntitle_en = "micro test data"\nregion = 360000\n'
        'level = "county"\nyears = [2022, 2023]\nfuel_set = "cn-statistics"\n'
        'grid = "national"\n[tables]\nelectricity = "electricity.csv"\n'
        'livestock = "livestock.csv"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Inventories 1 (2022, AR6), 2 (2023, AR6), 3 (2022, AR5)."""
    tmp = tmp_path_factory.mktemp("cli-carbon-report")
    data = _dataset(tmp / "micro")
    database = str(tmp / "g.sqlite")
    for year, gwp in (("2022", "AR6"), ("2023", "AR6"), ("2022", "AR5")):
        r = runner.invoke(
            app, ["carbon", "run", str(data), "--year", year, "--gwp", gwp, "--database", database]
        )
        assert r.exit_code == 0, r.output
    return database


def test_excel_in_each_language(db: str, tmp_path: Path) -> None:
    for lang in ("zh", "en"):
        out = tmp_path / f"r-{lang}.xlsx"
        r = runner.invoke(
            app, ["carbon", "report", "2", "--out", str(out), "--lang", lang, "--database", db]
        )
        assert r.exit_code == 0, r.output
        assert "written 已写出" in r.output and out.is_file()
        names = openpyxl.load_workbook(out).sheetnames
        if lang == "zh":
            assert names[:2] == ["说明", "排放总量"] and "与上年比较" in names
            assert not [n for n in names if re.search(r"[A-Za-z]", n)], names
        else:
            assert names[:2] == ["About", "Totals"] and "Change" in names
            assert not [n for n in names if CJK.search(n)], names


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_with_the_previous_year_found(db: str, tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    r = runner.invoke(
        app,
        ["carbon", "report", "2", "--out", str(out), "--issuer", "某省统计局", "--database", db],
    )
    assert r.exit_code == 0, r.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "江西省2023年温室气体清单报告" in text and "某省统计局" in text
    assert "与 2022 年清单（编号 1" in text


def test_bad_input_is_one_message_and_exit_2(db: str, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    cases = [
        (["--previous", "3"], "not comparable"),  # AR5 beside AR6
        (["--lang", "fr"], "unknown language"),
    ]
    for extra, said in cases:
        r = runner.invoke(
            app, ["carbon", "report", "2", "--out", str(out), "--database", db, *extra]
        )
        assert r.exit_code == 2, r.output
        assert said in " ".join(r.output.split()), r.output
        assert "Traceback" not in r.output and not out.exists()
    r = runner.invoke(app, ["carbon", "report", "2", "--out", str(tmp_path / "r.docx"),
                            "--database", db])  # fmt: skip
    assert r.exit_code == 2 and ".pdf or .xlsx" in " ".join(r.output.split()), r.output
    out.write_text("", encoding="utf-8")
    r = runner.invoke(app, ["carbon", "report", "2", "--out", str(out), "--database", db])
    assert r.exit_code == 2 and "--force" in r.output, r.output
