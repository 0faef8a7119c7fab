"""The carbon footprint study report (PDF zh/en, Excel) and the one-page carbon label
(碳标识) of a tiny two-process study: its sections, its figures equal to ``footprint run``'s,
biogenic CO2 apart, the synthetic mark, the Monte Carlo, the verification data (the
digest changes with the study, the verifier is left blank), and bad targets refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.footprint.lca import footprint
from ganpo.footprint.model import read_product_system
from ganpo.report.footprint_report import (
    build_label_html,
    load_study,
    report_sheets,
    study_digest,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
runner = CliRunner(env={"COLUMNS": "200"})

STUDY = """
title_zh = "测试产品"
title_en = "test product"
synthetic = {synthetic}
version = "v7"
product = "widget"
product_name_zh = "部件"
product_name_en = "widget"
functional_unit = {{ product = "widget", amount = 1.0, unit = "t" }}
boundary = "cradle_to_gate"
allocation = "economic"
gwp = "AR6"
reference_year = 2022

[[processes]]
key = "ore"
name_zh = "采矿"
name_en = "mining"
stage = "raw_material"
outputs = [
  {{ product = "ore", name_zh = "矿石", name_en = "ore", amount = 2.0, unit = "t", value = 30.0 }},
  {{ product = "sand", name_zh = "砂", name_en = "sand", amount = 4.0, unit = "t", value = 10.0 }},
]
inputs = [ {{ background = "fuel:ipcc-2006:raw_coal", amount = 0.1, unit = "t" }} ]
emissions = [ {{ gas = "CO2_biogenic", amount = -50.0 }} ]

[[processes]]
key = "make"
name_zh = "制造"
name_en = "making"
stage = "production"
outputs = [ {{ product = "widget", amount = 1.0, unit = "t" }} ]
inputs = [ {{ product = "ore", amount = 2000.0, unit = "kg" }},
           {{ background = "grid:national:2022", amount = {kwh}, unit = "kWh", gsd = 1.2 }} ]
emissions = [ {{ gas = "CH4_biogenic", amount = 1.0 }} ]
"""


def _study(tmp_path: Path, *, synthetic: bool = True, kwh: float = 1000.0) -> Path:
    path = tmp_path / "widget.toml"
    path.write_text(STUDY.format(synthetic=str(synthetic).lower(), kwh=kwh), encoding="utf-8")
    return path


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"Pages:\s+(\d+)", out.stdout).group(1))  # type: ignore[union-attr]


def _run_figure(study: Path, *extra: str) -> str:
    """The footprint as ``ganpo footprint run`` prints it."""
    r = runner.invoke(app, ["footprint", "run", str(study), *extra])
    assert r.exit_code == 0, r.output
    m = re.search(r"carbon footprint: ([\d,]+\.\d\d) kg", " ".join(r.output.split()))
    assert m, r.output
    return m.group(1)


def test_the_report_in_both_languages(tmp_path: Path) -> None:
    study = _study(tmp_path)
    figure = _run_figure(study)
    result = footprint(read_product_system(study))
    for lang, words in (
        ("en", ("1. Goal and functional unit", "2. System boundary", "3. Allocation",
                "4. Data sources", "5. Results", "6. Uncertainty", "7. Limitations",
                "8. Verification data", "cradle to gate", "Synthetic data", "sand 4 t (coproduct)",
                "biogenic CO₂", "clause 7", "2.5th percentile", "v7")),
        ("zh", ("一、研究目的与功能单位", "二、系统边界与过程流程", "三、分配", "五、结果",
                "七、局限性", "八、核查数据", "从摇篮到大门", "合成数据", "砂 4 t (共生产品)",
                "生物源 CO₂", "2.5% 分位数")),
    ):  # fmt: skip
        pdf = tmp_path / f"report-{lang}.pdf"
        r = runner.invoke(
            app,
            ["footprint", "report", str(study), "--out", str(pdf), "--lang", lang,
             "--draws", "1000"],
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        text = _text(pdf).replace("co-product", "coproduct")  # pdftotext joins a hyphenation
        for w in words:
            assert w in text, (lang, w)
        assert figure in text
        assert f"{result.biogenic_co2_kg:,.2f}" in text  # −30.00 reported apart
        assert study_digest(study) in text.replace(" ", "")
        # one language per file (sources keep their own titles, some Chinese)
        assert ("一、" in text) == (lang == "zh") and ("1. Goal" in text) == (lang == "en")


def test_the_workbook_holds_the_numbers(tmp_path: Path) -> None:
    study = _study(tmp_path, synthetic=False)
    out = tmp_path / "report.xlsx"
    r = runner.invoke(app, ["footprint", "report", str(study), "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "SYNTHETIC" not in r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "About" and "By process" in wb.sheetnames
    ws = wb["By process"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header) if h and str(h).startswith("Total"))
    kg = [row[col] for row in ws.iter_rows(min_row=2, values_only=True)]
    total = footprint(read_product_system(study)).total_kg
    assert sum(kg) == pytest.approx(total, rel=1e-12)
    about = " ".join(str(c.value) for c in wb["About"]["A"] if c.value)
    assert "Synthetic" not in about and f"{total:,.2f} kg CO₂e per 1 t widget" in about
    sheets = report_sheets(load_study(study), "zh")
    assert sheets["过程流程"]["过程"].tolist() == ["采矿", "制造"]
    assert sheets["过程流程"]["产出"].iloc[0] == "矿石 2 t; 砂 4 t (共生产品)"


def test_the_label_carries_runs_figure_on_one_page(tmp_path: Path) -> None:
    study = _study(tmp_path)
    pdf = tmp_path / "label.pdf"
    r = runner.invoke(app, ["footprint", "label", str(study), "--out", str(pdf), "--draws", "1000"])
    assert r.exit_code == 0, r.output
    assert _pages(pdf) == 1
    text = _text(pdf)
    figure = _run_figure(study, "--draws", "1000")
    assert f"{figure} kg CO₂e / 1 t" in text
    assert "ISO 14067:2018" in text and "GB/T 24067-2024" in text
    assert "cradle to gate" in text and "SYNTHETIC" in text
    assert study_digest(study) in text.replace(" ", "")
    assert "Inventory version v7" in text
    assert "ganpo footprint run widget.toml --draws 1000 --seed 20240101" in text
    # the verifier's fields are present and left for a person
    html = build_label_html(load_study(study))
    for field in ("Verifier", "Date verified", "Signature"):
        assert re.search(rf"{field}</th><td class='blank'></td>", html), field


def test_a_changed_study_changes_the_digest_and_the_figure(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = load_study(_study(tmp_path / "a"))
    b = load_study(_study(tmp_path / "b", kwh=1001.0))
    assert a.digest != b.digest
    assert b.result.total_kg - a.result.total_kg == pytest.approx(0.5366)
    assert a.digest == study_digest(a.path)  # the same bytes, the same digest
    assert a.digest in build_label_html(a) and b.digest not in build_label_html(a)


def test_bad_targets_are_refused(tmp_path: Path) -> None:
    study = _study(tmp_path)
    r = runner.invoke(app, ["footprint", "report", str(study), "--out", str(tmp_path / "r.docx")])
    assert r.exit_code != 0 and "r.docx" in r.output and ".pdf or .xlsx" in r.output
    r = runner.invoke(
        app, ["footprint", "report", str(study), "--out", str(tmp_path / "r.pdf"), "--lang", "fr"]
    )
    assert r.exit_code != 0 and "'fr'" in r.output
    r = runner.invoke(app, ["footprint", "label", str(study), "--out", str(tmp_path / "l.xlsx")])
    assert r.exit_code != 0 and "l.xlsx" in r.output
    r = runner.invoke(
        app, ["footprint", "label", str(tmp_path / "none.toml"), "--out", str(tmp_path / "l.pdf")]
    )
    assert r.exit_code != 0 and "none.toml" in r.output
    assert not (tmp_path / "l.pdf").exists()
