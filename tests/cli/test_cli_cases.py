"""`ganpo apply damage --case-no`, `ganpo apply damage-cases list | pay` and `ganpo zoning
violations load | list` on the tiny account: cases stored with their valuation, payments
added, bad input refused with nothing stored (issue 18 point 5)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, TinyStore, cell_box, tiny_store

from ganpo.cli.main import app
from ganpo.store.cases import list_damage_cases, violations_in_force
from ganpo.store.repository import open_store

runner = CliRunner()


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    return tiny_store(tmp_path, draws=20)


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def _area(path: Path) -> Path:
    frame = gpd.GeoDataFrame(geometry=[cell_box(0, 0, 2, 1)], crs=ALBERS).to_crs("EPSG:4326")
    frame.to_file(path, driver="GeoJSON")
    return path


def test_a_damage_case_is_stored_with_its_valuation_and_payments(
    ts: TinyStore, tmp_path: Path
) -> None:
    db = ["--database", ts.url]
    area = _area(tmp_path / "d.geojson")
    out = tmp_path / "dmg" / "report.pdf"
    base = ["apply", "damage", str(area), "--account", str(ts.account_id),
            "--recovery-years", "4", "--out", str(out)]  # fmt: skip
    r = run(*base, "--case-no", "赣损〔2023〕1号", "--date", "2023-05-01", "--title", "采石", *db)
    assert r.exit_code == 0, r.output
    assert "stored as damage case 赣损〔2023〕1号" in r.output
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    (case,) = list_damage_cases(open_store(ts.url))
    assert case.total_cny == data["total_loss_cny"] and case.price_year == 2022
    assert case.area_m2 == data["area_m2"] and case.title == "采石"
    assert case.assessment["interim_loss_cny"] == data["interim_loss_cny"]

    # the same number again is refused; a damage before the baseline's year too, before any
    # file is written
    r = run(*base, "--case-no", "赣损〔2023〕1号", "--date", "2023-05-01", *db)
    assert r.exit_code == 2 and "is stored already" in r.output
    out2 = tmp_path / "dmg2" / "report.pdf"
    early = [*base[:-1], str(out2), "--case-no", "X", "--date", "2021-06-30", *db]
    r = run(*early)
    assert r.exit_code == 2 and "before the end of the baseline account's year" in r.output
    assert not out2.exists()
    r = run(*base, "--case-no", "Y", "--date", "2023-13-01", *db)
    assert r.exit_code == 2 and "is not a date" in r.output

    r = run("apply", "damage-cases", "pay", "赣损〔2023〕1号", "--amount-wan", "1.5",
            "--date", "2023-09-01", "--reference", "赔偿协议", *db)  # fmt: skip
    assert r.exit_code == 0, r.output
    r = run("apply", "damage-cases", "pay", "赣损〔2023〕1号", "--amount-wan", "-1",
            "--date", "2023-09-01", "--reference", "x", *db)  # fmt: skip
    assert r.exit_code == 2 and "positive amount" in r.output
    r = run("apply", "damage-cases", "pay", "无此案", "--amount-wan", "1",
            "--date", "2023-09-01", "--reference", "x", *db)  # fmt: skip
    assert r.exit_code == 2 and "no damage case '无此案'" in r.output
    r = run("apply", "damage-cases", "pay", "赣损〔2023〕1号", "--amount-wan", "1",
            "--date", "2023-01-01", "--reference", "x", *db)  # fmt: skip
    assert r.exit_code == 2 and "before the damage" in r.output
    r = run("apply", "damage-cases", "list", "--format", "json", *db)
    assert r.exit_code == 0, r.output
    (listed,) = json.loads(r.output)
    assert listed["paid_wan"] == 1.5 and listed["total_wan"] == pytest.approx(case.total_cny / 1e4)


VIOLATIONS = """case_no,county_adcode,unit_code,found_on,kind,description,penalty_wan,status,closed_on,source
赣环罚〔2023〕12号,360281,,2023-04-02,red_line,红线内采砂,20,closed,2023-08-30,行政处罚决定书
赣环罚〔2024〕3号,360281,,2024-02-10,discharge,超标排放,5.5,rectifying,,行政处罚决定书
"""


def test_violations_load_revise_and_list(tmp_path: Path) -> None:
    db = ["--database", str(tmp_path / "s.sqlite")]
    f = tmp_path / "v.csv"
    f.write_text(VIOLATIONS, encoding="utf-8")
    r = run("zoning", "violations", "load", str(f), "--synthetic", *db)
    assert r.exit_code == 0, r.output
    assert "新增 added 2" in r.output
    # the second case closed: a new revision, the first unchanged
    f.write_text(VIOLATIONS.replace("rectifying,,", "closed,2024-06-01,"), encoding="utf-8")
    r = run("zoning", "violations", "load", str(f), "--synthetic", *db)
    assert r.exit_code == 0 and "修订 revised 1" in r.output and "未变 unchanged 1" in r.output
    found = violations_in_force(open_store(f"sqlite:///{tmp_path / 's.sqlite'}"))
    assert [(v.case_no, v.revision, v.status) for v in found] == [
        ("赣环罚〔2023〕12号", 1, "closed"),
        ("赣环罚〔2024〕3号", 2, "closed"),
    ]
    assert found[1].penalty_cny == 55_000.0
    r = run("zoning", "violations", "list", "--format", "json", *db)
    rows = json.loads(r.output)
    assert rows[0]["county_name"] == "乐平市" and rows[0]["kind_en"].startswith("activity inside")


def test_a_bad_violations_file_names_every_problem_and_stores_nothing(tmp_path: Path) -> None:
    db = ["--database", str(tmp_path / "s.sqlite")]
    f = tmp_path / "v.csv"
    f.write_text(
        VIOLATIONS
        + "赣环罚〔2023〕12号,110101,,2023-02-30,noise,x,-1,done,,y\n"
        + "C9,360281,,2023-01-01,other,x,0,closed,,y\n",
        encoding="utf-8",
    )
    r = run("zoning", "violations", "load", str(f), *db)
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    for needle in ("row 4, case_no", "row 4, county_adcode '110101': not a county",
                   "row 4, found_on '2023-02-30': not a date", "row 4, kind 'noise'",
                   "row 4, penalty_wan '-1'", "row 4, status 'done'",
                   "row 5, closed_on '': a closed case needs", "nothing was stored"):  # fmt: skip
        assert needle in text, needle
    assert violations_in_force(open_store(f"sqlite:///{tmp_path / 's.sqlite'}")) == []
