"""The departure audit pack's indicators and targets: the unit's values at both dates are
the stored series in force, exactly, each with its source; the unit's targets are graded
in the end year as the tracking module grades them by hand; a target without a value and a
unit without targets are said, not invented (issue 18 point 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from applications_support import LEPING, WUYUAN
from audit_support import audit_store
from ganpo.apply.audit import departure_audit
from ganpo.report.audit_pack import audit_sheets, build_audit_html
from ganpo.store.tracking import ObservationRecord, record_observations
from ganpo.tracking.registry import shipped_file

TENURE = (date(2022, 12, 31), date(2023, 12, 31))  # the accounts of 2022 and 2023
GEP_SRC = "生态产品总值核算 #{i}（{y}年）/ GEP account #{i} ({y})"
FORM_SRC = "林业局报表《目标监测：森林覆盖率》{y}年第1版（{y}-03-01审核通过）：县林业年报 / Forestry Bureau, form “Monitoring: forest cover” {y} version 1 (approved {y}-03-01): county report"

# Leping's own targets, appended to the shipped decision: forest cover at least 66 % in
# 2022-2023 every year (2023: 66.4 → achieved), non-fossil share at least 20 % in 2023 (no
# value stored → not graded), and a target of Wuyuan (not Leping's)
TARGETS = f"""
[[targets]]
key = "leping-forest-cover"
indicator = "forest_cover"
unit_code = {LEPING}
period = [2022, 2023]
kind = "floor"
annual = true
value = 66.0
value_unit = "%"
base_year = 2021
base_value = 65.0
source = "SYNTHETIC 合成: test"
status = "synthetic"

[[targets]]
key = "leping-non-fossil"
indicator = "non_fossil_share"
unit_code = {LEPING}
year = 2023
kind = "floor"
value = 20.0
value_unit = "%"
base_year = 2021
base_value = 15.0
source = "SYNTHETIC 合成: test"
status = "synthetic"

[[targets]]
key = "wuyuan-forest-cover"
indicator = "forest_cover"
unit_code = {WUYUAN}
year = 2023
kind = "floor"
value = 80.0
value_unit = "%"
base_year = 2021
base_value = 79.0
source = "SYNTHETIC 合成: test"
status = "synthetic"
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Path]:
    folder = tmp_path_factory.mktemp("audit-targets")
    engine = audit_store(folder)
    rows = [
        ObservationRecord("gep", LEPING, 2022, 1.0e-6, "亿元", GEP_SRC.format(i=1, y=2022), "computed"),
        ObservationRecord("gep", LEPING, 2023, 1.1022e-6, "亿元", GEP_SRC.format(i=2, y=2023), "computed"),
        ObservationRecord("forest_cover", LEPING, 2022, 65.9, "%", FORM_SRC.format(y=2022), "form"),
        ObservationRecord("forest_cover", LEPING, 2023, 66.0, "%", FORM_SRC.format(y=2023), "form"),
        # another unit's value and another year's never enter Leping's pack
        ObservationRecord("forest_cover", WUYUAN, 2023, 81.0, "%", "x", "form"),
        ObservationRecord("forest_cover", LEPING, 2021, 65.0, "%", "x", "form"),
    ]  # fmt: skip
    record_observations(engine, rows)
    # a revision: the 2023 cover first recorded as 66.0, revised to 66.4 (the one in force)
    revised = ObservationRecord(
        "forest_cover", LEPING, 2023, 66.4, "%", FORM_SRC.format(y=2023), "form"
    )
    assert record_observations(engine, [revised]).revised == [("forest_cover", LEPING, 2023)]
    targets = folder / "targets.toml"
    targets.write_text(
        shipped_file("jiangxi-decision").read_text(encoding="utf-8") + TARGETS, encoding="utf-8"
    )
    return engine, targets


def test_indicator_values_are_the_stored_series_with_their_sources(
    store: tuple[Engine, Path],
) -> None:
    engine, targets = store
    pack = departure_audit(engine, LEPING, *TENURE, targets_file=targets)
    ind = pack.indicators.set_index("indicator")
    assert sorted(ind.index) == ["forest_cover", "gep"]
    assert ind.loc["forest_cover", "start_value"] == 65.9
    assert ind.loc["forest_cover", "end_value"] == 66.4
    assert ind.loc["forest_cover", "change"] == pytest.approx(0.5, abs=1e-12)
    assert ind.loc["gep", "end_value"] == 1.1022e-6 and ind.loc["gep", "unit_zh"] == "亿元"
    assert ind.loc["gep", "start_source"] == GEP_SRC.format(i=1, y=2022)
    assert ind.loc["forest_cover", "end_status"] == "form"


def test_the_units_targets_are_graded_in_the_end_year(store: tuple[Engine, Path]) -> None:
    engine, targets = store
    pack = departure_audit(engine, LEPING, *TENURE, targets_file=targets)
    tg = pack.targets.set_index("target")
    assert sorted(tg.index) == ["leping-forest-cover", "leping-non-fossil"]  # not Wuyuan's
    cover = tg.loc["leping-forest-cover"]
    assert (cover["status"], cover["year"], cover["actual"]) == ("achieved", 2023, 66.4)
    assert cover["target_value"] == 66.0 and cover["reason_en"] == "target level reached"
    assert cover["source"] == FORM_SRC.format(y=2023)
    nofossil = tg.loc["leping-non-fossil"]
    assert nofossil["status"] == "no_data" and pd.isna(nofossil["actual"])
    missing = {m.item: m for m in pack.missing}
    assert "target_leping-non-fossil" in missing and "targets" not in missing
    assert "series" not in missing


def test_a_unit_without_targets_or_values_says_so(store: tuple[Engine, Path]) -> None:
    engine, targets = store
    pack = departure_audit(engine, 361181, *TENURE, targets_file=targets)  # Dexing: none
    missing = {m.item: m for m in pack.missing}
    assert "holds no target of the unit" in missing["targets"].en
    assert "hold no value of the unit for 2022 or 2023" in missing["series"].en
    assert pack.indicators.empty and pack.targets.empty


def test_the_document_and_workbook_show_them_in_one_language(store: tuple[Engine, Path]) -> None:
    engine, targets = store
    pack = departure_audit(engine, LEPING, *TENURE, targets_file=targets)
    zh = build_audit_html(pack, "zh", report_date="2026-01-01")
    assert "表 7 主要监测指标" in zh and "森林覆盖率" in zh and "已实现" in zh
    assert "林业局报表《目标监测：森林覆盖率》2023年第1版" in zh
    assert "Forestry Bureau" not in zh and "GEP account #2" not in zh
    en = build_audit_html(pack, "en", report_date="2026-01-01")
    assert "Table 8. The unit" in en and "achieved" in en and "GEP account #2 (2023)" in en
    assert "林业局报表" not in en
    sheets = audit_sheets(pack, "zh")
    ind = sheets["监测指标"]
    assert ind["2023 年"].tolist() == [66.4, 1.1022e-6] or ind["2023 年"].tolist() == [
        1.1022e-6,
        66.4,
    ]
    assert sheets["目标完成情况"]["完成情况"].tolist() == ["已实现", "无观测数据"]
