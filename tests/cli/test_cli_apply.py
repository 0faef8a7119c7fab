"""`ganpo apply` transfers / compensation / assess / rules from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from applications_support import FACTORS, hand_store, transfer_rule, write
from ganpo.catalog.files import data_dir
from ganpo.cli.main import app
from ganpo.store.applications import count_runs, ledger, list_runs
from ganpo.store.repository import open_store
from quicklistings import assert_quick_equals_orm

runner = CliRunner()
EXAMPLES = data_dir("rules") / "examples"


@pytest.fixture(autouse=True, scope="module")
def wide_console() -> None:
    """Rich wraps table cells at the terminal width; tests read whole lines."""
    from ganpo.cli.common import console, err_console

    console.width = err_console.width = 250


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_transfers_run_whatif_and_errors(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite")
    hand_store(db)
    rule, factors = transfer_rule(tmp_path), write(tmp_path / "f.csv", FACTORS)
    common = ["--rule", str(rule), "--year", "2022", "--factors", str(factors), "--db", db]
    out = _ok(["apply", "transfers", "run", "--budget", "1.03", "--unit", "万元", *common])
    assert "total 合计 10,300.00 CNY = budget 预算 10,300.00 CNY" in out
    assert "婺源县 361130" in out and "0.44" in out  # 4 433 CNY = 0.44 万元
    assert "stored as run #1 with rule hand-rule v1" in out
    out = _ok(
        ["apply", "transfers", "whatif", "--budget", "10300", "--weight", "gep_level=0", *common]
    )
    assert "1 counties gain 增加, 2 lose 减少" in out and "nothing stored" in out
    bad = runner.invoke(app, ["apply", "transfers", "run", "--budget", "299", *common])
    assert bad.exit_code == 2
    assert "cannot pay the fixed minimums" in bad.output
    bad = runner.invoke(
        app, ["apply", "transfers", "whatif", "--budget", "10300", "--weight", "nope=1", *common]
    )
    assert bad.exit_code == 2 and "the rule has no component 'nope'" in bad.output
    assert count_runs(open_store(db)) == 1
    out = _ok(["apply", "transfers", "list", "--db", db])
    assert "hand-rule v1" in out
    out = _ok(["apply", "transfers", "show", "1", "--db", db])
    assert "443300" in out  # Wuyuan in fen
    out = _ok(["apply", "rules", "list", "--db", db])
    assert "hand-rule" in out and "jiangxi-key-zone-gep" in out
    out = _ok(["apply", "rules", "show", "hand-rule", "--rule-version", "1", "--db", db])
    assert '"key_subsidy"' in out
    out = _ok(["apply", "rules", "show", str(rule), "--db", db])
    assert "hand-rule (file; stored as v1)" in out
    out = _ok(["apply", "rules", "show", "xinan-style", "--db", db])
    assert "xinan-style (file; not stored yet" in out


@pytest.mark.slow
def test_shipped_examples_on_the_demo(tmp_path: Path) -> None:
    db = str(tmp_path / "ganpo.sqlite")
    _ok(
        [
            "demo",
            "--resolution",
            "3000",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--database",
            db,
            "--uncertainty",
            "0",
            "--no-report",
        ]
    )
    out = _ok(
        [
            "apply",
            "transfers",
            "run",
            "--rule",
            "jiangxi-key-zone-gep",
            "--budget",
            "50",
            "--unit",
            "亿元",
            "--year",
            "2023",
            "--factors",
            str(EXAMPLES / "transfer_factors_demo.csv"),
            "--db",
            db,
            "--top",
            "3",
        ]
    )
    assert "100 counties (top 3 shown); total 合计 5,000,000,000.00 CNY" in out
    for name, csv in (
        ("xinan-style", "monitoring_xinan_2023.csv"),
        ("dongjiang-style", "monitoring_dongjiang_2023.csv"),
        ("lean-gep-flow", "monitoring_lean_2023.csv"),
    ):
        out = _ok(
            [
                "apply",
                "compensation",
                "settle",
                name,
                "--year",
                "2023",
                "--monitoring",
                str(EXAMPLES / csv),
                "--db",
                db,
            ]
        )
        assert "entered in the ledger" in out
    out = _ok(
        [
            "apply",
            "compensation",
            "settle",
            "dongjiang-style",
            "--year",
            "2023",
            "--monitoring",
            str(EXAMPLES / "monitoring_dongjiang_2023.csv"),
            "--db",
            db,
        ]
    )
    assert "dingnan/tp: no data for month(s) 8 (11 of 12 months)" in out
    out = _ok(
        [
            "apply",
            "assess",
            "--year",
            "2023",
            "--gdp",
            str(EXAMPLES / "gdp_demo.csv"),
            "--indicators",
            str(EXAMPLES / "gdi_indicators_demo.csv"),
            "--db",
            db,
        ]
    )
    assert "资源利用 29.3%" in out and "stored as run" in out
    engine = open_store(db)
    assert [r.kind for r in list_runs(engine)] == (
        ["transfer"] + ["settlement"] * 4 + ["assessment"]
    )
    assert len(ledger(engine)) == 4
    out = _ok(["apply", "compensation", "ledger", "--db", db])
    assert "dongjiang-style" in out and "superseded 已替代" in out  # settled twice
    for listing in (["compensation", "ledger"], ["transfers", "list"], ["rules", "list"]):
        assert_quick_equals_orm(["apply", *listing, "--db", db], db)
