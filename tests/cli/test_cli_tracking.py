"""``ganpo tracking status``: the shipped decision's targets in a table in Chinese and
English (no internal keys), in JSON and CSV with the keys, by either method; bad input
refused with one message naming what is wrong (exit 2)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.cli.tracking import STATUS_KEYS

runner = CliRunner(env={"COLUMNS": "220"})
INTERNAL = (
    "good_air_days_share",
    "forest_cover",
    "on_track",
    "off_track",
    "required_growth",
    "forest-cover-2024-2026",
    "360000",
    "floor",
    "pollution_prevention",
)


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    saved = (console._width, err_console._width)
    console.width = err_console.width = 220
    yield
    console._width, err_console._width = saved


def test_the_table_in_chinese_and_english_without_keys() -> None:
    r = runner.invoke(app, ["tracking", "status"])
    assert r.exit_code == 0, r.output
    out = r.output
    for words in (
        "所需增速法 required growth",
        "森林覆盖率",
        "forest cover",
        "江西省",
        "已实现",
        "achieved",
        "存在风险",
        "偏离目标",
        "亿元",
        "吨二氧化碳/万元",
        "合成数据",
        "新闻报道",
        "央视网 2026-01-14",
        "深入推进污染防治攻坚",
        "当年未达到年度目标值",  # why GEP growth is off track: 2.67 % < 3 % in 2025
        "赣州市",
    ):
        assert words in out, words
    for key in INTERNAL:
        assert key not in out, key


def test_json_by_the_linear_method_in_2024() -> None:
    r = runner.invoke(
        app, ["tracking", "status", "--year", "2024", "--method", "linear", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    rows = {row["target"]: row for row in json.loads(r.output)}
    assert list(next(iter(rows.values()))) == list(STATUS_KEYS)
    air = rows["good-air-days-2024-2026"]
    assert (air["year"], air["actual"], air["status"], air["observation_status"]) == (
        2024,
        95.5,
        "achieved",
        "reported",
    )
    assert air["observation_source"].startswith("江西新闻客户端")
    assert air["department_zh"] == "生态环境厅" and air["clause_zh"] == "深入推进污染防治攻坚"
    # 26 % (2023) → 29 % (2026); 27 % in 2024: task 1/3 after 1/3 of the time: ratio 1
    emerging = rows["strategic-emerging-2026"]
    assert (emerging["status"], emerging["ratio"]) == ("on_track", pytest.approx(1.0))
    assert emerging["target_status"] == "adopted"
    # the GEP target is given in 10^12 yuan, shown in the indicator's 亿元
    assert rows["gep-2026"]["target_value"] == pytest.approx(44000.0)


def test_csv_by_required_growth() -> None:
    r = runner.invoke(app, ["tracking", "status", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert list(rows[0]) == list(STATUS_KEYS)
    by_key = {row["target"]: row for row in rows}
    # 15 % (2020) → 18.3 % (2025): required (18.3/15)^(1/5) − 1 = 4.0555 %; 17.6 in 2024:
    # (17.6/15)^(1/4) − 1 = 4.0754 %: ratio 1.0049, on track
    nf = by_key["non-fossil-2025"]
    assert nf["status"] == "on_track" and float(nf["ratio"]) == pytest.approx(1.0049, rel=1e-4)


def test_an_indicator_without_a_baseline_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(
        '[[indicators]]\nkey = "wetland_area"\nname_zh = "湿地面积"\nname_en = "wetland area"\n'
        'unit = "hm2"\ndirection = "higher_is_better"\ndepartment = "forestry"\n\n'
        '[[targets]]\nkey = "wetland-2026"\nindicator = "wetland_area"\nunit_code = 360000\n'
        'period = [2024, 2026]\nkind = "floor"\nvalue = 91.0\nvalue_unit = "万hm2"\n'
        'base_year = 2023\nsource = "test"\nstatus = "synthetic"\n\n'
        '[[observations]]\nindicator = "wetland_area"\nunit_code = 360000\nyear = 2024\n'
        'value = 905000\nunit = "hm2"\nsource = "test"\nstatus = "synthetic"\n',
        encoding="utf-8",
    )
    r = runner.invoke(app, ["tracking", "status", "--file", str(path)])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "indicator 'wetland_area' (wetland area) has no baseline for unit 360000" in text
    assert "湿地面积" in text and "缺少基期值" in text


def test_a_duplicate_series_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "series.csv"
    path.write_text(
        "indicator,unit_code,year,value,unit,source,status\n"
        "good_air_days_share,360000,2024,95.6,%,another count,synthetic\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["tracking", "status", "--series", str(path)])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "observation of 'good_air_days_share' for 360000 in 2024 is given twice" in text
    assert "重复" in text


def test_alerts_of_a_department_as_json() -> None:
    from ganpo.cli.tracking import ALERT_KEYS
    from ganpo.tracking.alerts import tracking_alerts
    from ganpo.tracking.decision import register

    r = runner.invoke(
        app, ["tracking", "alerts", "--as-of", "2026", "-d", "forestry", "--format", "json"]
    )
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    expected = [a for a in tracking_alerts(register(), as_of=2026) if a.department == "forestry"]
    assert [x["key"] for x in rows] == [a.key for a in expected] and rows
    assert list(rows[0]) == list(ALERT_KEYS)
    table = runner.invoke(app, ["tracking", "alerts", "--as-of", "2026"])
    assert table.exit_code == 0 and "林业局" in table.stdout and "Forestry Bureau" in table.stdout
    bad = runner.invoke(app, ["tracking", "alerts", "-d", "police"])
    assert bad.exit_code != 0 and "forestry" in bad.output
