"""`ganpo profiles NAME --methods`: the method table as a table, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from ganpo.catalog.profiles import load_profile
from ganpo.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console() -> None:
    """Rich wraps table cells at the terminal width; tests read whole lines."""
    from ganpo.cli.common import console

    width = console.width
    console.width = 400
    yield
    console.width = width


def test_table_in_english_and_chinese() -> None:
    done = runner.invoke(app, ["profiles", "jiangxi-db36-2021", "--methods"])
    assert done.exit_code == 0, done.output
    out = done.output
    for header in ("Indicator", "Method", "Formula", "Clause followed", "Parameters"):
        assert header in out
    # one row per indicator: its name, never its key
    assert "water conservation" in out and "water_conservation" not in out
    assert "text unobtainable → follows 白玛卓嘎 et al. 2017 §2.4.1" in out
    assert "7.06 CNY/m³ (2010, brought to the year by the" in out
    assert "(DB36/T 1402-2021): its text could not be obtained" in out
    assert "not the basis of this profile's methods" in out
    zh = runner.invoke(app, ["profiles", "national-2022", "--methods", "--lang", "zh"])
    assert zh.exit_code == 0, zh.output
    assert "依据条款" in zh.output and "标准文本未能获取 → 依据" in zh.output
    assert "该标准正文与附件均未能获取" in zh.output
    # the deviations in a table of their own, in the table's language
    assert "Deviations from the applications followed, and why" in out
    assert "downwind distance z = 50 m" not in out  # no sand fixation in jiangxi-db36-2021
    assert "the tourism revenue itself is the value" in out
    assert "与所依据应用的偏离及理由" in zh.output and "下风向距离 z = 50 m" in zh.output
    assert "downwind distance" not in zh.output and "以旅游收入本身作为价值量" not in out


def test_csv_has_one_row_per_indicator() -> None:
    done = runner.invoke(app, ["profiles", "gbt-46869-2025", "--methods", "--format", "csv"])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.output)))
    profile = load_profile("gbt-46869-2025")
    assert len(rows) == len(profile.indicators) + len(profile.physical)
    assert list(rows[0]) == [
        "Indicator",
        "Method",
        "Formula",
        "Clause followed",
        "Parameters",
        "Verified status",
        "Deviations and reasons",
    ]
    assert all(r["Clause followed"].startswith("text unobtainable → follows ") for r in rows)
    assert all(r["Formula"] and r["Verified status"].startswith("unverified") for r in rows)
    water = next(r for r in rows if r["Indicator"] == "water supply")
    assert "domestic water price 2.6 CNY/m³ (2010" in water["Parameters"]
    # the method's deviation, then the profile's own
    assert water["Deviations and reasons"].startswith(
        "(1) Garzê's water prices of 2010 (2.6, 3.6 and 0.07 CNY/m³) brought to the accounting "
        "year by the consumer price index: "
    )
    assert (
        "(2) net of the share of the water supplied that comes from outside the region (the "
        "external table's share): GB/T 46869-2025 counts GEP net of"
    ) in water["Deviations and reasons"]
    assert "{" not in done.output and ".toml" not in done.output


def test_json_in_chinese() -> None:
    done = runner.invoke(
        app, ["profiles", "jiangxi-db36-2021", "--methods", "-f", "json", "--lang", "zh"]
    )
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)
    names = [r["指标"] for r in rows]
    assert names[-1] == "输沙量（入河泥沙）（实物量，不计价）"
    assert "气候调节" in names
    climate = rows[names.index("气候调节")]
    assert climate["依据条款"].startswith("标准文本未能获取 → 依据 白玛卓嘎等 2017 §2.4.8")
    assert "蒸腾占蒸散发比例 森林 0.685" in climate["参数"]
    assert (
        "（2）高温日数按日平均气温高于 26 °C 计：无法核实技术指南是按日平均气温还是日最高气温"
        "统计日数。（3）"
    ) in climate["偏离及理由"]
    assert "could not" not in climate["偏离及理由"]
    assert rows[names.index("景观价值")]["偏离及理由"] == (
        "每平方米溢价随数据提供；ganpo 不做享乐价格回归：溢价需要对本地区房价做专门研究，"
        "不属于核算本身的范围。"
    )


def test_methods_needs_a_profile() -> None:
    done = runner.invoke(app, ["profiles", "--methods"])
    assert done.exit_code == 2 and "--methods needs a profile" in done.output
    bad = runner.invoke(app, ["profiles", "nope", "--methods"])
    assert bad.exit_code == 2 and "valid names: gbt-46869-2025" in bad.output
