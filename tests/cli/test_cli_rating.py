"""`ganpo apply rating rule | demo | list | grade | appeal | decide | report`: the SYNTHETIC
demo graded with its evidence through the reporting workflow, the listings, the bank
report, and bad input refused with a message."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from ganpo.apply.rating_demo import COOP, FIRM, HOUSEHOLD, VILLAGE
from ganpo.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_rule_lists_indicators_and_bands() -> None:
    code, out = run("apply", "rating", "rule")
    assert code == 0, out
    assert "生态环境行政处罚" in out and "环保诚信（绿牌）" in out and "2026.1" in out
    code, out = run("apply", "rating", "rule", "--rule", "nope")
    assert code != 0 and "ganpo-entity" in out


def test_demo_grades_synthetic_entities_with_evidence(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "g.sqlite")
    common = ["--database", db]
    code, out = run(
        "apply",
        "rating",
        "demo",
        "--data",
        str(tiny().parent),
        "--work-dir",
        str(tmp_path / "work"),
        "--out",
        str(tmp_path / "reports"),
        *common,
    )
    assert code == 0, out
    assert "SYNTHETIC" in out
    code, out = run("apply", "rating", "list", "--format", "json", *common)
    assert code == 0, out
    grades = {g["entity_id"]: g for g in json.loads(out)}
    # firm after its appeal: 80 − 10 (fine corrected to 8 万元) + 3 (compensation met)
    #   + 4 (restoration 25 hm²) = 77, blue, version 2 (version 1: 80 − 15 + 3 + 4 = 72)
    # co-operative: 80 + 3 + 6 (two certificates) = 89, blue
    # village: 80 + 6 (1250 t CO2e) + 6 (restoration 320 hm²) = 92, green
    # household: its only record (2021-05-06) is older than 3 years: not rated
    assert {e: (g["grade"], g["score"], g["version"]) for e, g in grades.items()} == {
        FIRM: ("blue", 77.0, 2),
        COOP: ("blue", 89.0, 1),
        VILLAGE: ("green", 92.0, 1),
        HOUSEHOLD: ("not_rated", None, 1),
    }
    assert all(g["synthetic"] for g in grades.values())
    code, out = run("apply", "rating", "list", "--entity", FIRM, "--format", "json", *common)
    statuses = [(r["indicator"], r["status"]) for r in json.loads(out)]
    assert ("env_penalty", "corrected") in statuses and ("env_penalty", "in_force") in statuses
    pdf = tmp_path / "reports" / f"{FIRM}_v2_rating.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout.replace("\n", "")
    assert "环保良好（蓝牌）" in text and "示例环复〔2025〕2号（合成）" in text
    # version 1 of the grade is still there and can be reported
    code, out = run(
        "apply", "rating", "report", FIRM, "--version", "1", "--out", str(tmp_path / "v1"), *common
    )
    assert code == 0, out
    assert (tmp_path / "v1" / f"{FIRM}_v1_rating.pdf").stat().st_size > 5000

    # running the demo again reports, grades and appeals nothing twice
    code, out = run(
        "apply",
        "rating",
        "demo",
        "--data",
        str(tiny().parent),
        "--work-dir",
        str(tmp_path / "work"),
        "--out",
        str(tmp_path / "reports"),
        *common,
    )
    assert code == 0, out
    code, out = run("apply", "rating", "list", "--format", "json", *common)
    assert [g["version"] for g in json.loads(out)] == [grades[e]["version"] for e in sorted(grades)]

    # bad input: an appeal on a record that does not exist, a decided appeal
    code, out = run("apply", "rating", "appeal", "9999", "--reason", "x", *common)
    assert code != 0 and "no rating record #9999 to appeal" in out
    code, out = run("apply", "rating", "decide", "1", "--rejected", "--decision", "x", *common)
    assert code != 0 and "decided already" in out
    code, out = run("apply", "rating", "grade", COOP, "--as-of", "2025-13-01", *common)
    assert code != 0 and "is not a date" in out

    # grading again gives a new version, explained line by line
    code, out = run("apply", "rating", "grade", COOP, "--as-of", "2025-12-31", *common)
    assert code == 0, out
    assert "v2" in out and "89.0" in out and "农业农村厅" in out and "+3.0" in out
    code, out = run("apply", "rating", "list", "--entity", FIRM, *common)
    assert code == 0, out
    assert "已更正 corrected" in out and "生态环境行政处罚" in out and "成立 upheld" in out
