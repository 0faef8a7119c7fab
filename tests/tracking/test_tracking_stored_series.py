"""Series computed from the stored accounts and kept in the store, worked by hand: GEP
per county, city and province and its growth at constant prices (the hand accounts),
carbon total and intensity (the micro inventories), each value's source naming the
account or inventory id; what cannot be computed is said; the registry checks every
value before it is stored (a unit of another quantity is refused naming both units); the
status read from the store; a target in another unit is converted; a target without a
baseline is listed, not assessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.apply.decision_series import carbon_series, compute_series, gep_series
from ganpo.errors import InputError
from ganpo.store.repository import open_store
from ganpo.store.tracking import ObservationRecord, observations_in_force
from ganpo.tracking.decision import register
from ganpo.tracking.model import Target
from ganpo.tracking.registry import read_tracking_file, shipped_file
from ganpo.tracking.status import registry_status
from ganpo.tracking.yearly_report import report_figures
from tracking_support import (
    GULOU,
    XIHU,
    gdp_table,
    record_checked,
    series_store,
    use_stored_series,
)

LEPING, WUYUAN, DEXING = 360281, 361130, 361181


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    return series_store(f"sqlite:///{tmp_path / 's.sqlite'}", tmp_path)


def _by(found: list[ObservationRecord], indicator: str) -> dict[int, ObservationRecord]:
    return {o.unit_code: o for o in found if o.indicator == indicator}


def test_gep_and_growth_by_hand(engine) -> None:  # type: ignore[no-untyped-def]
    s = gep_series(engine, 2024)
    gep = _by(s.observations, "gep")
    # 2024 (account #2): 100 CNY a county = 10⁻⁶ 亿元; 景德镇市 = 乐平; 上饶市 = 婺源 + 德兴
    assert {u: round(o.value * 1e6, 9) for u, o in gep.items()} == {
        360000: 3.0, 360200: 1.0, LEPING: 1.0, 361100: 2.0, WUYUAN: 1.0, DEXING: 1.0
    }  # fmt: skip
    assert gep[360000].unit == "亿元" and gep[360000].status == "computed"
    assert "#2" in gep[360000].source and "GEP account #2 (2024)" in gep[360000].source
    growth = _by(s.observations, "gep_growth")
    # at 2023 prices: 2024 ÷ 1.002 (cn-cpi 2024 +0.2 %) against 2023 (GEP_2022 × g × 1.002)
    # 乐平 100/1.002 = 99.8004 against 110.22: −9.4535 %; 上饶市 (99.8004 × 2) against
    # 100.2 + 80.16 = 180.36: +10.6680 %; 江西省 299.4012 against 290.58: +3.0357 %
    assert growth[LEPING].value == pytest.approx(-9.453457, rel=1e-6)
    assert growth[361100].value == pytest.approx(10.667996, rel=1e-6)
    assert growth[360000].value == pytest.approx(3.035721, rel=1e-6)
    assert "#2、#1" in growth[360000].source and "constant 2023 prices" in growth[360000].source
    assert s.skipped == []
    first = gep_series(engine, 2023)  # no account of 2022: growth not computed, said so
    assert not _by(first.observations, "gep_growth")
    assert first.skipped and "no current stored account of 2022" in first.skipped[0][0]
    assert first.skipped[0][1] == "2022年无可用核算，未计算增速"


def test_carbon_total_and_intensity_by_hand(engine) -> None:  # type: ignore[no-untyped-def]
    s = carbon_series(engine, 2024, gdp_table())
    total = _by(s.observations, "co2_total")
    # 9 万t clinker × 5 202 t = 46 818 t = 4.6818 万t; 4 × 5 202 = 2.0808 万t
    assert {u: round(o.value, 6) for u, o in total.items()} == {
        360000: 6.7626, 360100: 6.7626, GULOU: 4.6818, XIHU: 2.0808
    }  # fmt: skip
    intensity = _by(s.observations, "co2_intensity")
    # 46 818 t / (104 亿元 = 1 040 000 万元) = 0.0450173; 南昌市 67 626 / 1 560 000 = 0.04335
    assert intensity[GULOU].value == pytest.approx(0.0450173, rel=1e-6)
    assert intensity[360100].value == pytest.approx(0.04335, rel=1e-9)
    assert intensity[360000].unit == "t CO2/万元"
    assert "GHG inventory #2" in total[GULOU].source
    assert "GHG inventory #2" in intensity[GULOU].source and "2023" in intensity[GULOU].source
    no_gdp = carbon_series(engine, 2024)
    assert not _by(no_gdp.observations, "co2_intensity") and "no GDP table" in no_gdp.skipped[0][0]


def test_nothing_to_compute_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=r"nothing to compute for 2019.*stored years: 2023, 2024"):
        compute_series(engine, 2019)
    with pytest.raises(InputError) as info:
        compute_series(engine, 2019)
    en, zh = str(info.value).split(" / ", 1)
    assert "年无可用" not in en  # each reason's Chinese half is in the Chinese half
    assert zh.startswith("2019 年没有可计算的序列：2019年无可用的生态产品总值核算"), zh
    assert zh.endswith("；2019年无温室气体清单"), zh


def test_stored_series_checked_then_read_back(engine) -> None:  # type: ignore[no-untyped-def]
    reg = register()
    shipped = read_tracking_file(shipped_file("jiangxi-decision")).observations
    first = record_checked(engine, reg, shipped)
    assert len(first.added) == len(shipped)
    computed = compute_series(engine, 2024, gdp_table())
    out = record_checked(engine, reg, computed.observations)
    # the computed 2024 GEP of 江西省 revises the synthetic 41 200 亿元 of the shipped file
    assert ("gep", 360000, 2024) in out.revised
    force = {o.key: o for o in observations_in_force(engine)}
    assert force[("gep", 360000, 2024)].revision == 2
    assert force[("forest_cover", 360000, 2023)].value == 63.1
    # a value in a unit of another quantity is refused naming both units, nothing stored
    bad = ObservationRecord("forest_cover", 360000, 2026, 5.0, "t", "x", "reported")
    with pytest.raises(InputError, match="unit 't' does not measure the same quantity as '%'"):
        record_checked(engine, reg, [bad])
    assert ("forest_cover", 360000, 2026) not in {o.key for o in observations_in_force(engine)}
    # the status from the store: the published 2023 figures are the baselines
    stored = register()
    use_stored_series(stored, engine)
    report = registry_status(stored, year=2024)
    air = next(a for a in report.assessments if a.target == "good-air-days-2024-2026")
    assert (air.base_value, air.actual, air.status) == (96.5, 95.5, "achieved")
    assert air.source.startswith("江西新闻客户端")


def test_target_in_another_unit_and_no_baseline(engine) -> None:  # type: ignore[no-untyped-def]
    reg = register()
    record_checked(engine, reg, read_tracking_file(shipped_file("jiangxi-decision")).observations)
    use_stored_series(reg, engine)
    # a target with no base_value whose start year has no value: listed, not assessed
    reg.add_targets(
        [
            Target(
                key="nanchang-forest-2025",
                indicator="forest_cover",
                unit_code=360100,
                period=(2025, 2025),
                kind="floor",
                value=22.0,
                value_unit="%",
                source="test",
                status="synthetic",
            )
        ]
    )
    rows = report_figures(reg, 2025)
    none = next(r for r in rows if r["target"] == "nanchang-forest-2025")
    assert (none["kind"], none["why"]) == ("missing", "no_baseline")
    assert none["why_en"] == "no baseline (2024)"
    # gep-2026 is given as 4.4 × 10¹² yuan (10^12 CNY): 44 000 亿元 in the indicator's unit
    gep = next(r for r in rows if r["target"] == "gep-2026")
    assert gep["target_value"] == pytest.approx(44000.0) and gep["unit"] == "亿元"


def test_store_on_postgresql_too(store_url: str, tmp_path: Path) -> None:
    engine = series_store(store_url, tmp_path)
    computed = compute_series(engine, 2024, gdp_table())
    record_checked(engine, register(), computed.observations)
    again = record_checked(engine, register(), compute_series(open_store(store_url), 2024,
                                                              gdp_table()).observations)  # fmt: skip
    assert (
        again.added == []
        and again.revised == []
        and len(again.unchanged) == len(computed.observations)
    )
