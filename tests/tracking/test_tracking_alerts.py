"""Alerts to the responsible department and unit, on a tiny tracking file worked out by
hand: a target at risk (yellow), one off track (red), one on track (no alert), a value
missing past its due year (orange, naming the years) and one not yet due (no alert);
the levels and the lag read from data, a bad rule file named."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.errors import InputError
from ganpo.tracking.alerts import read_alert_rules, shipped_rules, tracking_alerts
from ganpo.tracking.registry import Registry

TRACKING = """
title_zh = "测试"
title_en = "test"
source = "test"
version = "1"
valid_from = 2024-01-01

[[indicators]]
key = "cover"
name_zh = "森林覆盖率"
name_en = "forest cover"
unit = "%"
direction = "higher_is_better"
department = "forestry"

[[indicators]]
key = "air"
name_zh = "优良天数比率"
name_en = "good air days"
unit = "%"
direction = "higher_is_better"
department = "ecology"

{targets}

{observations}
"""


def target(key: str, indicator: str, unit: int, value: float) -> str:
    return f"""[[targets]]
key = "{key}"
indicator = "{indicator}"
unit_code = {unit}
period = [2024, 2027]
kind = "floor"
value = {value}
value_unit = "%"
base_year = 2023
base_value = 60.0
source = "test target"
status = "synthetic"
"""


def obs(indicator: str, unit: int, year: int, value: float) -> str:
    return f"""[[observations]]
indicator = "{indicator}"
unit_code = {unit}
year = {year}
value = {value}
unit = "%"
source = "bulletin {indicator} {unit} {year}"
status = "published"
"""


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    # every target: 60 % in 2023 → its level in 2027 (4 years); linear path:
    # time elapsed in 2025 = 2/4 = 50 %.
    # a (Nanchang cover → 68): task 2/8 = 25 % → ratio 0.5, at risk
    # b (Ganzhou cover → 64): task 3/4 = 75 % → ratio 1.5, on track
    # c (province air → 70): task 0.5/10 = 5 % → ratio 0.1, off track
    # d (Jiujiang cover → 64): only 2024 observed: 2025 missing (not due in 2026), none due
    #   in 2026 is missing; as of 2027 the 2025 value is due and missing
    targets = "\n".join(
        [
            target("a", "cover", 360100, 68.0),
            target("b", "cover", 360700, 64.0),
            target("c", "air", 360000, 70.0),
            target("d", "cover", 360400, 64.0),
        ]
    )
    observations = "\n".join(
        [
            obs("cover", 360100, 2024, 61.0),
            obs("cover", 360100, 2025, 62.0),
            obs("cover", 360700, 2024, 62.0),
            obs("cover", 360700, 2025, 63.0),
            obs("air", 360000, 2024, 60.2),
            obs("air", 360000, 2025, 60.5),
            obs("cover", 360400, 2024, 61.0),
        ]
    )
    path = tmp_path / "t.toml"
    path.write_text(TRACKING.format(targets=targets, observations=observations), encoding="utf-8")
    reg = Registry()
    reg.load(path)
    return reg


def test_at_risk_and_off_track_alert_their_department_and_unit(registry: Registry) -> None:
    found = tracking_alerts(registry, as_of=2026, method="linear")
    assert [(a.target, a.level, a.department, a.unit_code) for a in found] == [
        ("c", "red", "ecology", 360000),  # red first (the order of the rule file)
        ("a", "yellow", "forestry", 360100),
    ]
    red, yellow = found
    assert red.ratio == pytest.approx(0.1) and yellow.ratio == pytest.approx(0.5)
    assert (yellow.year, yellow.actual, yellow.target_value) == (2025, 62.0, 68.0)
    assert yellow.source == "bulletin cover 360100 2025"
    assert yellow.department_zh == "林业局" and red.department_en.startswith(
        "Department of Ecology"
    )
    assert "存在风险" in yellow.message_zh and "林业局" in yellow.message_zh
    assert "at risk" in yellow.message_en and "62" in yellow.message_en


def test_a_missing_value_alerts_once_due(registry: Registry) -> None:
    # as of 2026 the 2025 value is not yet due (lag 1 year): no missing alert
    assert not [a for a in tracking_alerts(registry, as_of=2026, method="linear")
                if a.kind == "missing"]  # fmt: skip
    later = [a for a in tracking_alerts(registry, as_of=2027, method="linear")
             if a.kind == "missing"]  # fmt: skip
    assert [(a.target, a.level, a.missing_years, a.year) for a in later] == [
        ("d", "orange", (2025,), 2025)
    ]
    assert "2025" in later[0].message_zh and "林业局" in later[0].message_zh
    assert later[0].actual is None and later[0].source == ""


def test_levels_are_data(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(
        'version = "x"\n[[levels]]\nstatus = "on_track"\nlevel = "info"\nname_zh = "提示"\n'
        'name_en = "note"\n[missing]\nlevel = "grey"\nname_zh = "缺"\nname_en = "missing"\n'
        "due_lag_years = 0\n",
        encoding="utf-8",
    )
    found = tracking_alerts(registry, as_of=2026, method="linear", rules=read_alert_rules(path))
    # only the on-track targets alert: b, and d (2024: task 1/4 over time 1/4 = 1), by unit
    # code; with no lag the 2025 value of d is due in 2026
    assert [(a.target, a.level) for a in found] == [("d", "info"), ("b", "info"), ("d", "grey")]
    assert shipped_rules().missing.due_lag_years == 1


def test_a_bad_rule_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(
        'version = "x"\n[[levels]]\nstatus = "late"\nlevel = "red"\nname_zh = "红"\n'
        'name_en = "red"\n[missing]\nlevel = "o"\nname_zh = "缺"\nname_en = "m"\n'
        "due_lag_years = 1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"unknown status late.*achieved"):
        read_alert_rules(path)
    path.write_text('version = "x"\nlevels = []\n', encoding="utf-8")
    with pytest.raises(InputError, match="field missing"):
        read_alert_rules(path)
