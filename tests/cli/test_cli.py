"""The CLI end to end: `ganpo demo` at a coarse resolution, with plausibility bounds."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.store.repository import list_accounts, load_account, open_store

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from tinydata import tiny_factory  # the engine tests' helper

runner = CliRunner()


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    """The shared tiny dataset plus the erosion/storm layers the Jiangxi profile reads."""
    return tiny_factory(tmp_path)


@pytest.fixture(autouse=True, scope="module")
def wide_console() -> None:
    """Rich wraps table cells at the terminal width; tests read whole lines."""
    from ganpo.cli.common import console, err_console

    console.width = err_console.width = 250


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("cli")
    result = runner.invoke(
        app,
        [
            "demo",
            "--resolution",
            "3000",
            "--data-dir",
            str(root / "data"),
            "--out",
            str(root / "out"),
            "--database",
            str(root / "ganpo.sqlite"),
        ],
    )
    assert result.exit_code == 0, result.output
    return root, result.output


def test_demo_prints_and_writes(demo_run: tuple[Path, str]) -> None:
    root, output = demo_run
    assert "GEP" in output and "调节服务 regulating services" in output
    assert "2023 按2022年价格" in output and "volume 物量（不变价）" in output
    assert "按居民消费价格指数（CPI）缩减至2022年价格的价值（较弱的替代口径" in output
    assert "Values deflated to 2022 prices by the consumer price index (CPI)" in output
    assert "Monte Carlo draws" in output and "Sampled parameters: carbon price" in output
    assert "抽样的参数：碳价格" in output
    for key in ("10^8", "cn-cpi", "cn-agri-producer", "carbon_price"):
        assert key not in output, key
    for name in ("gep_summary.xlsx", "gep_density_2022.png", "gep_density_2023.png"):
        assert (root / "out" / name).stat().st_size > 10_000
    assert len(list((root / "out" / "csv").glob("*.csv"))) >= 14


def test_demo_logs_in_one_format_each_warning_once(demo_run: tuple[Path, str]) -> None:
    """Progress and warnings read time, level, message (no source file and line); the
    warning both years meet (units without a cell centre at 3 km) is shown once."""
    _, output = demo_run
    stamped = re.compile(r"^\[\d\d:\d\d:\d\d\] (INFO|WARNING) +(.*?) *$")
    lines = [m.groups() for m in map(stamped.match, output.splitlines()) if m]
    assert any(lv == "INFO" and text.startswith("jiangxi-demo 2023: done in") for lv, text in lines)
    warnings = [text for level, text in lines if level == "WARNING"]
    assert any("have no cell centre inside them" in w for w in warnings)
    assert len(warnings) == len(set(warnings)), warnings
    assert ".py:" not in output


@pytest.mark.slow
def test_demo_numbers_are_plausible(demo_run: tuple[Path, str]) -> None:
    root, _ = demo_run
    store = open_store(root / "ganpo.sqlite")
    accounts = list_accounts(store)
    assert [a.year for a in accounts] == [2022, 2023]
    acc = load_account(store, accounts[0].id)
    r = acc.results
    gep = r.value_cny.sum()
    # Jiangxi 2019 academic estimate 29 040 ×10⁸ CNY (江西财经大学 study); synthetic inputs and
    # a climate regulation that dominates (decision 0026) → accept a factor of about 3 either way
    assert 1.0e12 < gep < 1.0e13
    regulating = r[r.category == "regulating"].value_cny.sum() / gep
    # regulating share: Jiangxi estimate 63.5 %, Shenzhen 53.7 %, Garzê 90.7 %; with net output
    # value and travel cost the demo's products and recreation are small → up to 95 %
    assert 0.4 < regulating < 0.95
    climate = r[r.indicator == "climate_regulation"].value_cny.sum() / gep
    # transpiration heat on 60–100 days > 26 °C dominates, as in southern-Jiangxi accounts
    # (赣南 2010–2020: 59–68 % of regulating services); the demo's ≈ 60 % of GEP
    assert 0.3 < climate < 0.75
    water = r[r.indicator == "water_conservation"].quantity.sum()
    # P − R − ET of 400–900 mm over forest, shrub and grass (≈ 70 % of 167 000 km²)
    assert 4.0e10 < water < 1.2e11
    co2 = r[r.indicator == "carbon_sequestration"].quantity.sum()
    # net: forest 0.45 × 1000–1500 g m⁻² − R_h 300–450 g C m⁻² = 0–375 g C m⁻², × 44/12, over
    # ≈ 60 % of 1.67 ×10¹¹ m²; shrub, grass and wetland near 0 → 10⁷–2 ×10⁸ t CO₂
    assert 1.0e7 < co2 < 2.0e8
    soil = r[r.indicator == "soil_retention"].quantity.sum()
    # R·K·LS·(1 − C·P): R ≈ 9 000–15 000, K ≈ 0.03, LS of a few units on the hills, C·P
    # ≤ 0.07 on vegetation → 10²–10³ t ha⁻¹ over ≈ 1.6 ×10⁷ ha (synthetic, coarse grid)
    assert 1.0e9 < soil < 5.0e10
    veg = r[(r.indicator == "flood_regulation") & (r.component == "vegetation")].quantity.sum()
    # rain 1 400–1 900 mm × K 0.6 × R 0.363 (forest) ≈ 0.3–0.4 m over ≈ 60 % of the province,
    # shrub (R 0.14) adds a little → 2.5–5 ×10¹⁰ m³
    assert 1.0e10 < veg < 6.0e10
    assert "sand_fixation" not in set(r.indicator)  # off in the Jiangxi profile
    assert acc.account.gep_cny == pytest.approx(gep, rel=1e-12)
    assert r.county_adcode.nunique() == 100


def test_account_list_show_and_errors(demo_run: tuple[Path, str]) -> None:
    root, _ = demo_run
    db = str(root / "ganpo.sqlite")
    listed = runner.invoke(app, ["account", "list", "--database", db])
    assert listed.exit_code == 0 and "jiangxi-demo" in listed.output
    shown = runner.invoke(app, ["account", "show", "1", "--database", db])
    assert shown.exit_code == 0 and "GEP" in shown.output
    missing = runner.invoke(app, ["account", "show", "99", "--database", db])
    assert missing.exit_code == 2 and "no account 99 in the store" in missing.output


def test_catalog_profiles_params() -> None:
    for args, expect in (
        (["catalog"], "water_conservation"),
        (["catalog", "recreation"], "travel_cost"),
        (["profiles"], "jiangxi-db36-2021"),
        (["profiles", "gbt-46869-2025"], "deduct products from outside the region: yes"),
        (["profiles", "jiangxi-db36-2021"], "sediment_export (sediment export to streams)"),
        (["params", "list"], "garze-2010"),
        (["params", "show", "garze-2010"], "7.06"),
        (["params", "diff", "garze-2010", "jiangxi-default"], "so2_removal_rate"),
    ):
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, result.output
        assert expect in result.output, args
    bad = runner.invoke(app, ["profiles", "nope"])
    assert bad.exit_code == 2 and "valid names: gbt-46869-2025" in bad.output


def test_help_explains_each_command() -> None:
    result = runner.invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for command in ("demo", "account", "params", "catalog", "profiles"):
        assert command in result.output


def test_failed_run_stores_nothing(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    p = np.full((2, 4), 1600.0, dtype="float32")
    p[0, 1] = -3.0  # negative precipitation
    db = tmp_path / "s.sqlite"
    ok = runner.invoke(
        app, ["account", "run", str(tiny()), "--year", "2022", "--database", str(db)]
    )
    assert ok.exit_code == 0, ok.output
    manifest = tiny(layers={"precipitation": p})  # the same dataset, now broken
    bad = runner.invoke(
        app, ["account", "run", str(manifest), "--year", "2022", "--database", str(db)]
    )
    assert bad.exit_code == 2
    assert "precipitation.tif: layer 'precipitation' has values from -3" in bad.output
    assert len(list_accounts(open_store(db))) == 1  # the good one only


def test_rerun_delete_log_db(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "r.sqlite")
    path = str(tiny())
    first = runner.invoke(app, ["account", "run", path, "--year", "2022", "--database", db])
    assert first.exit_code == 0 and "stored as account #1" in first.output
    again = runner.invoke(app, ["account", "run", path, "--year", "2022", "--database", db])
    assert again.exit_code == 0 and "identical inputs: account #1 is already stored" in again.output
    forced = runner.invoke(
        app, ["account", "run", path, "--year", "2022", "--database", db, "--force"]
    )
    assert forced.exit_code == 0 and "stored as account #2" in forced.output
    refused = runner.invoke(app, ["account", "delete", "2", "--database", db], input="n\n")
    assert refused.exit_code == 1 and len(list_accounts(open_store(db))) == 2
    deleted = runner.invoke(app, ["account", "delete", "2", "--database", db, "--yes"])
    assert deleted.exit_code == 0 and [a.id for a in list_accounts(open_store(db))] == [1]
    log = runner.invoke(app, ["account", "log", "--database", db])
    assert "delete" in log.output and "create" in log.output
    status = runner.invoke(app, ["db", "status", "--database", db])
    # the store is at the newest migration, whichever that is
    found = re.search(r"schema (\d{4}); ganpo needs (\d{4})", status.output)
    assert found is not None and found.group(1) == found.group(2), status.output


def test_compare_decomposes_and_refuses_other_regions(demo_run: tuple[Path, str]) -> None:
    root, _ = demo_run
    db = str(root / "ganpo.sqlite")
    out = root / "decomposition.csv"
    result = runner.invoke(
        app, ["account", "compare", "1", "2", "--database", db, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "土地覆被 land cover" in result.output and "GEP" in result.output
    import pandas as pd

    d = pd.read_csv(out, encoding="utf-8-sig")
    total = d.price_effect + d.land_cover_effect + d.other_effect
    assert (total - (d.value_b - d.value_a)).abs().max() < 1e-3  # CNY: the effects add up
    store = open_store(db)
    from sqlalchemy import update

    from ganpo.store.models import Account

    with store.begin() as conn:  # pretend account 2 is of another province
        conn.execute(update(Account).where(Account.id == 2).values(region_adcode=430000))
    bad = runner.invoke(app, ["account", "compare", "1", "2", "--database", db])
    assert bad.exit_code == 2 and "are of different regions (360000 and 430000)" in bad.output
    with store.begin() as conn:
        conn.execute(update(Account).where(Account.id == 2).values(region_adcode=360000))


def test_export_and_seea(demo_run: tuple[Path, str]) -> None:
    import geopandas as gpd
    import openpyxl

    root, _ = demo_run
    db = str(root / "ganpo.sqlite")
    out = root / "export"
    done = runner.invoke(app, ["account", "export", "1", "--out", str(out), "--database", db])
    assert done.exit_code == 0, done.output
    store = open_store(db)
    gep = load_account(store, 1).account.gep_cny
    for suffix in ("gpkg", "parquet"):
        path = next(out.glob(f"*.{suffix}"))
        frame = gpd.read_parquet(path) if suffix == "parquet" else gpd.read_file(path)
        assert len(frame) == 100 and frame.gep_cny.sum() == pytest.approx(gep, rel=1e-9)
    wb = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert {"按县 By county", "明细 Results", "参数 Parameters"} <= set(wb.sheetnames)
    again = runner.invoke(app, ["account", "export", "1", "--out", str(out), "--database", db])
    assert (
        again.exit_code == 2
        and "already exist(s); choose another path or add --force" in again.output
    )
    forced = runner.invoke(
        app, ["account", "export", "1", "--out", str(out), "--database", db, "--force", "-f", "csv"]
    )
    assert forced.exit_code == 0
    seea = runner.invoke(
        app, ["account", "seea", "1", "2", "--out", str(root / "seea.xlsx"), "--database", db]
    )
    assert seea.exit_code == 0, seea.output
    sheets = openpyxl.load_workbook(root / "seea.xlsx").sheetnames
    assert sheets[1:] == ["extent", "supply_physical_2023", "supply_monetary_2023", "asset_account"]


def test_annual_report_pdf(demo_run: tuple[Path, str]) -> None:
    import subprocess

    root, _ = demo_run
    db = str(root / "ganpo.sqlite")
    pdf = root / "report_zh.pdf"
    done = runner.invoke(
        app, ["account", "report", "2", "--previous", "1", "--out", str(pdf), "--database", db]
    )
    assert done.exit_code == 0, done.output
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert (
        int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages"))) >= 8
    )
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    gep = load_account(open_store(db), 2).account.gep_cny
    assert f"{gep / 1e8:,.2f}" in text  # the province total, as printed on the summary page
    for heading in (
        "核算结果摘要",
        "核算方法与口径",
        "数据来源",
        "空间分布",
        "不确定性",
        "参数及来源",
    ):
        assert heading in text
    assert "合成数据" in text
    import openpyxl

    book = openpyxl.load_workbook(pdf.with_suffix(".xlsx"))  # the report's tables, beside it
    sheet = book["汇总 Summary"]
    col = [c.value for c in sheet[1]].index("价值（亿元）Value (100 million yuan)")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[-1][0] == "合计 Total"
    total = sum(row[col] for row in rows[:-1])
    assert total * 1e8 == pytest.approx(gep, rel=1e-12)  # the workbook holds the same total
    assert rows[-1][col] == pytest.approx(total, rel=1e-12)
    en = root / "report_en.pdf"
    done = runner.invoke(
        app, ["account", "report", "2", "--out", str(en), "--lang", "en", "--database", db]
    )
    assert done.exit_code == 0, done.output
    text_en = subprocess.run(
        ["pdftotext", str(en), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Gross Ecosystem Product" in text_en and "Appendix: parameters and sources" in text_en
    again = runner.invoke(app, ["account", "report", "2", "--out", str(en), "--database", db])
    assert again.exit_code == 2 and "add --force" in again.output


def test_run_with_rasters_and_scheduler(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "x.sqlite")
    args = ["account", "run", str(tiny()), "--year", "2022", "--database", db]
    done = runner.invoke(
        app, [*args, "--rasters", str(tmp_path / "r"), "--scheduler", "synchronous"]
    )
    assert done.exit_code == 0, done.output
    # water conservation, carbon, oxygen, climate, soil retention, flood (vegetation part)
    assert len(list((tmp_path / "r").glob("*_value_cny.tif"))) == 6
    bad = runner.invoke(app, [*args, "--force", "--scheduler", "tcp://127.0.0.1:9"])
    assert bad.exit_code == 2 and "cannot reach the dask scheduler" in bad.output


def test_run_log_records_progress(tiny, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "p.sqlite")
    done = runner.invoke(app, ["account", "run", str(tiny()), "--year", "2022", "--database", db])
    assert done.exit_code == 0, done.output
    log = load_account(open_store(db), 1).account.log
    assert any("computing: 100% of" in line for line in log)  # progress reaches the run log
