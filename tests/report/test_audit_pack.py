"""The departure audit pack as PDF and Excel: the workbook's numbers are the pack's (which
reconcile with the store, tests/apply/test_audit.py) in 万元, 公顷, 平方千米 and 万吨二氧化碳
当量; each file speaks one language; the PDF has its cover, sections, missing figures,
sources and metadata; a tenure outside the stored years still gives a pack that says what
is missing; the CLI writes both and refuses bad input. One PDF rendered per module."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import Engine
from test_report_language import english_runs
from typer.testing import CliRunner

from applications_support import LEPING
from audit_support import audit_store
from ganpo.apply.audit import AuditPack, departure_audit
from ganpo.cli.main import app
from ganpo.report.audit_pack import (
    SHEETS,
    build_audit_html,
    write_audit_pdf,
    write_audit_workbook,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
TENURE = (date(2022, 12, 31), date(2023, 12, 31))
ISSUER = "某某审计机关（测试）"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit_pack")


@pytest.fixture(scope="module")
def engine(folder: Path) -> Engine:
    return audit_store(folder)


@pytest.fixture(scope="module")
def pack(engine: Engine, folder: Path) -> AuditPack:
    return departure_audit(engine, LEPING, *TENURE, work_dir=folder / "work")


@pytest.fixture(scope="module")
def pdf(pack: AuditPack, folder: Path) -> Path:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils")
    return write_audit_pdf(pack, folder / "pack.pdf", "zh", issuer=ISSUER, report_date="2026-12-01")


def _sheets(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_workbook_numbers_are_the_packs(pack: AuditPack, folder: Path) -> None:
    sheets = _sheets(write_audit_workbook(pack, folder / "pack.xlsx", "zh"))
    assert list(sheets) == [SHEETS[k][0] for k in SHEETS]
    areas = sheets["自然资源资产面积"]
    assert areas[0][:3] == ("生态系统类型", "起始面积（公顷）", "终止面积（公顷）")
    assert areas[1][:3] == ("森林", 10_000.0, 10_000.0)  # 100 km² of forest
    assert areas[-1][0] == "合计" and areas[-1][4] == 100.0
    gep = sheets["生态产品总值"]
    assert gep[0] == (
        "类别",
        "2022 年（当年价，万元）",
        "2022 年（2023 年价，万元）",
        "2023 年（当年价，万元）",
        "变化（可比价，万元）",
        "变化率（%）",
    )
    total = gep[-1]
    g = pack.gep.set_index("category").loc["total"]
    assert total[0] == "生态产品总值（GEP）"
    # the workbook keeps a float to ~15 significant digits (openpyxl writes the shortest
    # text that Excel reads back), so the last binary digit may differ
    assert total[1:5] == pytest.approx(
        (
            g["start_cny"] / 1e4,
            g["start_constant_cny"] / 1e4,
            g["end_cny"] / 1e4,
            g["change_cny"] / 1e4,
        ),
        rel=1e-14,
    )
    stocks = sheets["林木蓄积量"]
    assert stocks[0] == (
        "森林类型",
        "任期起始蓄积量（万立方米）",
        "任期终止蓄积量（万立方米）",
        "蓄积量变化（万立方米）",
        "任期起始碳储量（万吨碳）",
        "任期终止碳储量（万吨碳）",
        "碳储量变化（万吨碳）",
    )
    s = pack.stocks
    # Leping: fir 12.5 → 13.75 万m³, pine 3.25 → 3, broadleaf 0 → 0.5 (tests/audit_support)
    assert [r[:4] for r in stocks[1:-1]] == [
        ("杉木林", 12.5, 13.75, 1.25),
        ("马尾松林", 3.25, 3.0, -0.25),
        ("阔叶混交林", 0.0, 0.5, 0.5),
    ]
    assert stocks[-1][:3] == ("合计", 15.75, 17.25)
    assert [r[4] for r in stocks[1:-1]] == pytest.approx(list(s["start_carbon_t"] / 1e4), rel=1e-14)
    assert stocks[-1][5] == pytest.approx(s["end_carbon_t"].sum() / 1e4, rel=1e-14)
    carbon = sheets["温室气体排放"]
    assert carbon[1][2] == 5.0  # 50,000 t = 5 万吨 (2023); 2022 has no inventory
    assert carbon[1][1] is None
    settlements = sheets["生态补偿结算"]
    assert [r[5] for r in settlements[1:]] == list(pack.settlements["amount_cny"] / 1e4)
    missing = sheets["无法提供的数据"]
    assert [r[1] for r in missing[1:]] == [m.zh for m in pack.missing]
    about = [r[0] for r in sheets["说明"]]
    assert about[0] == "乐平市领导干部自然资源资产离任审计资料"
    assert any(str(a).startswith("合成数据") for a in about)


def test_english_workbook_speaks_english(pack: AuditPack, folder: Path) -> None:
    sheets = _sheets(write_audit_workbook(pack, folder / "pack_en.xlsx", "en"))
    assert list(sheets) == [SHEETS[k][1] for k in SHEETS]
    for name, rows in sheets.items():
        assert not CJK.search(" ".join(str(h) for h in rows[0] if h)), name
    assert sheets["GEP"][-1][0] == "gross ecosystem product (GEP)"
    stocks = sheets["Forest stock"]
    assert stocks[0][:3] == ("Forest type", "Start volume (10,000 m³)", "End volume (10,000 m³)")
    assert stocks[0][4] == "Start carbon (10,000 t C)"
    assert [r[0] for r in stocks[1:]] == [
        "Chinese fir forest",
        "Masson pine forest",
        "mixed broadleaf forest (incl. evergreen broadleaf)",
        "Total",
    ]
    about = " ".join(str(r[0]) for r in sheets["About"])
    assert "Inventory years used: start of tenure 2021, end of tenure 2023." in about


def test_pdf_cover_sections_and_metadata(pdf: Path, pack: AuditPack) -> None:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for expected in (
        "乐平市领导干部自然资源资产离任审计资料",
        "任期：2022-12-31 至 2023-12-31",
        ISSUER,
        "仅供审计使用",
        "合成数据",
        "取 2022 年核算",
        "居民消费价格指数",
        "二、自然资源资产面积",
        "表 1-3 林木蓄积量及生物量碳储量（分森林类型）",
        "杉木林 12.50 13.75 1.25",
        "森林资源清查（报送数据）",
        "1（第 1 版）",
        "三、生态产品总值",
        "四、温室气体排放与碳汇",
        "五、生态环境损害与生态补偿",
        "生态环境损害案件：损害案件登记为空",
        "六、违反生态环境分区管控要求的情况",
        "违规案件登记册为空，无法说明任期内有无违规",
        "表 7 主要监测指标",
        "七、目标完成情况",
        "八、无法提供的数据",
        "九、数据来源",
        "下游",
        "生态产品总值核算",
        "温室气体清单",
    ):
        assert expected in flat, expected
    # paragraphs wrap anywhere: compared without the spaces and line breaks
    dense = "".join(text.split())
    for expected in ("所用清查年份：任期起始2021，任期终止2023。", "水资源量和湿地实物存量未入库"):
        assert expected in dense, expected
    assert not english_runs(text)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    meta = dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in info.stdout.splitlines())
    )
    assert meta["Title"] == "乐平市领导干部自然资源资产离任审计资料"
    assert meta["Author"] == ISSUER
    assert meta["Keywords"].startswith("离任审计")
    assert meta["Subject"].startswith("乐平市任期 2022-12-31 至 2023-12-31")


def test_a_tenure_outside_the_accounts_still_writes_a_pack(engine: Engine, folder: Path) -> None:
    pack = departure_audit(engine, LEPING, date(2018, 6, 1), date(2020, 12, 31))
    sheets = _sheets(write_audit_workbook(pack, folder / "outside.xlsx", "en"))
    reasons = [r[1] for r in sheets["Not available"][1:]]
    assert any("no current stored account of 2017" in str(r) for r in reasons)
    assert any("no current stored account of 2020" in str(r) for r in reasons)
    assert sheets["Areas"][1:] == [("Total", None, None, None, None, None, None)]
    # the inventories are of 2021 and 2023, both after the tenure
    assert sheets["Forest stock"][1:] == [("Total", None, None, None, None, None, None)]
    assert any("no approved forest inventory report of 2020 or before" in str(r) for r in reasons)
    document = build_audit_html(pack, "en")
    assert "No forest inventory is available for either date" in document
    assert "Inventory years used: start of tenure none, end of tenure none." in document


def test_cli_writes_the_pack_and_refuses_bad_input(engine: Engine, folder: Path) -> None:
    db = str(folder / "audit.sqlite")
    out = folder / "cli.xlsx"
    runner = CliRunner()
    args = ["apply", "audit", "乐平市", "--start", "2022-12-31", "--end", "2023-12-31"]
    work = ["--work-dir", str(folder / "work")]
    result = runner.invoke(app, [*args, "--out", str(out), "--database", db, "--lang", "en", *work])
    assert result.exit_code == 0, result.output
    assert _sheets(out)["Forest stock"][-1][1:3] == (15.75, 17.25)  # 万m³, by the work folder
    assert "not available: zoning violations: the register" in " ".join(result.output.split())
    assert _sheets(out)["Areas"][1][:3] == ("forest", 10_000.0, 10_000.0)
    again = runner.invoke(app, [*args, "--out", str(out), "--database", db])
    assert again.exit_code != 0 and "--force" in again.output
    reversed_tenure = ["apply", "audit", "360111", "--start", "2023-12-31", "--end", "2022-12-31"]
    bad = runner.invoke(app, [*reversed_tenure, "--out", str(folder / "x.pdf"), "--database", db])
    assert bad.exit_code != 0 and "before or on its start" in bad.output
    odd = runner.invoke(app, [*args, "--out", str(folder / "x.docx"), "--database", db])
    assert odd.exit_code != 0 and ".pdf or .xlsx" in odd.output


def test_english_document_speaks_english(pack: AuditPack) -> None:
    document = build_audit_html(pack, "en", issuer="Audit office (test)", report_date="2026-12-01")
    text = html.unescape(re.sub(r"<style>.*?</style>|<[^>]+>", " ", document, flags=re.S))
    assert not CJK.search(text), CJK.findall(text)[:10]
    for expected in (
        "Natural-resource asset departure audit: Leping City",
        "Tenure: 2022-12-31 to 2023-12-31",
        "6. Breaches of zoning control zoning violations: the register of violations is empty",
        "the start of tenure (2022-12-31) uses the account of 2022",
        "Table 1-3. Forest stand volume and living-biomass carbon by forest type",
        "Chinese fir forest",
        "Water resources and wetland stocks are not stored",
        "forest inventory (reported)",
        "1 (version 1)",
        "downstream",
    ):
        assert expected in " ".join(text.split()), expected
