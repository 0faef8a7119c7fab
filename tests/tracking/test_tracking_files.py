"""Tracking files: the shipped dual-control file, and bad targets named by file, target and
field."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ganpo
from ganpo.errors import InputError, UnknownNameError
from ganpo.tracking.dual_control import register
from ganpo.tracking.registry import Registry, read_tracking_file, shipped_file

TARGET = """
[[targets]]
key = "nanchang-intensity-2025"
indicator = "co2_intensity"
unit_code = 360100
period = [2021, 2025]
kind = "reduction_pct"
value = 18.0
value_unit = "%"
base_year = 2020
source = "synthetic test target"
status = "synthetic"
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_dual_control_file() -> None:
    reg = register()
    assert sorted(reg.indicators) == ["co2_intensity", "co2_total"]
    assert reg.indicator("co2_total").unit == "万t CO2"
    assert reg.indicator("co2_intensity").unit_in("zh") == "吨二氧化碳/万元"
    assert sorted(reg.rules) == ["budget", "exceedance", "rate", "schedule"]
    with pytest.raises(
        UnknownNameError, match="unknown tracking file 'dual'; valid names: dual-control"
    ):
        shipped_file("dual")


def test_targets_register_and_select(tmp_path: Path) -> None:
    reg = register()
    reg.load(_file(tmp_path, TARGET))
    (t,) = reg.targets_of(360100, "co2_intensity", year=2023)
    assert (t.first_year, t.last_year, t.start_year) == (2021, 2025, 2020)
    assert reg.targets_of(360100, year=2026) == [] and reg.targets_of(360200) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('indicator = "co2_intensity"', 'indicator = "co2_intensty"'),
            "target 'nanchang-intensity-2025': unknown indicator 'co2_intensty'; registered "
            "indicators: co2_intensity, co2_total",
        ),
        (
            ("base_year = 2020\n", ""),
            "invalid tracking file: target 'nanchang-intensity-2025' (targets[0]): a reduction "
            "target needs base_year (the year the reduction is measured from)",
        ),
        (
            ("value = 18.0\n", ""),
            "invalid tracking file: target 'nanchang-intensity-2025' (targets[0]), field value: "
            "Field required",
        ),
        (
            ('status = "synthetic"', 'status = "final"'),
            "target 'nanchang-intensity-2025' (targets[0]), field status: Input should be "
            "'adopted', 'draft', 'synthetic' or 'withdrawn'",
        ),
        (
            ("base_year = 2020", "base_year = 2021"),
            "base_year 2021 must precede the period's first year 2021",
        ),
        (
            ("period = [2021, 2025]", "period = [2021, 2025]\nyear = 2025"),
            "give either year or period (first and last year), not both",
        ),
        (
            (
                'kind = "reduction_pct"\nvalue = 18.0\nvalue_unit = "%"',
                'kind = "ceiling"\nvalue = 0.8\nvalue_unit = "亿元"',
            ),
            "target 'nanchang-intensity-2025', field value_unit: unit '亿元' does not measure "
            "the same quantity as 't CO2/万元' (the indicator's unit)",
        ),
        (
            (
                'kind = "reduction_pct"\nvalue = 18.0\nvalue_unit = "%"',
                'kind = "floor"\nvalue = 0.8\nvalue_unit = "t CO2/万元"',
            ),
            "target 'nanchang-intensity-2025': a floor target does not fit indicator "
            "'co2_intensity', where lower is better",
        ),
    ],
)
def test_bad_targets_are_named(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    assert change[0] in TARGET
    path = _file(tmp_path, TARGET.replace(*change))
    with pytest.raises(InputError) as err:
        register().load(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_unreadable_file_and_duplicate_key(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the tracking file"):
        read_tracking_file(_file(tmp_path, "[[targets]\n"))
    twice = TARGET + TARGET.replace("value = 18.0", "value = 19.0")
    with pytest.raises(InputError, match="target 'nanchang-intensity-2025' is given twice"):
        register().load(_file(tmp_path, twice))


def test_rules_on_unregistered_indicators_are_refused(tmp_path: Path) -> None:
    text = """
[[warning_rules]]
key = "decline"
measure = "adverse_years"
indicators = ["forest_cover_pct"]
levels = [{ level = "l1", name_zh = "一级", name_en = "level 1", threshold = 2 }]
"""
    with pytest.raises(
        InputError,
        match=r"warning rule 'decline', field indicators: unknown indicator\(s\) "
        "forest_cover_pct.*未登记",
    ):
        Registry().load(_file(tmp_path, text))
    bad = text.replace(
        "threshold = 2 }]",
        'threshold = 2 }, { level = "l2", name_zh = "二级", name_en = "level 2", threshold = 3 }]',
    )
    with pytest.raises(
        InputError,
        match=r"warning rule 'decline' \(warning_rules\[0\]\): levels go from the most severe",
    ):
        Registry().load(_file(tmp_path, bad))


def test_tracking_never_imports_carbon() -> None:
    """Dual control takes emissions as a table: tracking sits below nothing that registers
    in it (carbon may import tracking, never the reverse)."""
    root = Path(ganpo.__file__).parent / "tracking"
    found = []
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            found += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith(("ganpo.carbon", "ganpo.apply", "ganpo.store"))
            ]
    assert found == []
