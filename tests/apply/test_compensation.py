"""Horizontal compensation: known concentrations, compliance, GEP flow, gaps, the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from applications_support import DEXING, WUYUAN, hand_store, write
from ganpo.apply.compensation import dongjiang_factor, save_settlement, settle, xinan_index
from ganpo.apply.rules import load_rule, store_rule
from ganpo.errors import InputError
from ganpo.store.applications import count_runs, ledger

XINAN = """
kind = "compensation"
name = "test-xinan"
title_zh = "测试"
title_en = "test"
description = "test"
source = "test"
method = "xinan_index"
threshold = 1.0
min_months = 12
gap_policy = "{policy}"

[upstream]
name_zh = "上游"
name_en = "upstream"

[downstream]
name_zh = "下游"
name_en = "downstream"

[[sections]]
key = "s1"
name_zh = "断面"

[[indicators]]
key = "codmn"
unit = "mg/L"
baseline = 2.5
weight = 0.25

[[indicators]]
key = "nh3n"
unit = "mg/L"
baseline = 0.1
weight = 0.25

[[indicators]]
key = "tn"
unit = "mg/L"
baseline = 1.25
weight = 0.25

[[indicators]]
key = "tp"
unit = "mg/L"
baseline = 0.05
weight = 0.25

[[rounds]]
round = 1
start_year = 2022
end_year = 2024
k0 = 0.85
amount_cny = 100000000.0
"""

# annual means 2.0, 0.1, 1.0, 0.03 mg/L; each month two samples around the mean
CONC = {"codmn": 2.0, "nh3n": 0.1, "tn": 1.0, "tp": 0.03}


def monitoring(path: Path, skip: set[tuple[str, int]] = frozenset(), tp_unit: str = "mg/L") -> Path:  # type: ignore[assignment]
    lines = ["section,month,indicator,value,unit"]
    for ind, c in CONC.items():
        for m in range(1, 13):
            if (ind, m) in skip:
                continue
            unit = tp_unit if ind == "tp" else "mg/L"
            scale = 1000.0 if unit == "μg/L" else 1.0
            for day, v in ((5, c * 0.9), (20, c * 1.1)):  # two samples, each on its day
                lines.append(f"s1,2023-{m:02d}-{day:02d},{ind},{v * scale:.6f},{unit}")
    # a sample of another year is ignored
    lines.append("s1,2022-12-05,codmn,99,mg/L")
    return write(path, "\n".join(lines) + "\n")


def _agreement(engine, tmp: Path, policy: str = "not_met"):  # type: ignore[no-untyped-def]
    path = write(tmp / f"xinan_{policy}.toml", XINAN.format(policy=policy))
    return store_rule(engine, load_rule(str(path)), "tester")


def test_xinan_index_by_hand() -> None:
    # ratios 2.0/2.5, 0.1/0.1, 1.0/1.25, 0.03/0.05 = 0.8, 1.0, 0.8, 0.6; mean 0.8; × 0.85
    p = xinan_index(
        CONC, {"codmn": 2.5, "nh3n": 0.1, "tn": 1.25, "tp": 0.05}, 0.85, {k: 0.25 for k in CONC}
    )
    assert p == pytest.approx(0.68)
    # the literal form (weights 1): 0.85 × 3.2
    assert xinan_index(CONC, {"codmn": 2.5, "nh3n": 0.1, "tn": 1.25, "tp": 0.05}, 0.85) == (
        pytest.approx(2.72)
    )


def test_xinan_settlement_and_ledger(store_url: str, tmp_path: Path) -> None:
    engine = hand_store(store_url)
    stored = _agreement(engine, tmp_path)
    # TP given in μg/L is converted to the agreement's mg/L
    result = settle(engine, stored, 2023, monitoring(tmp_path / "m.csv", tp_unit="μg/L"))
    assert result.index_value == pytest.approx(0.68)
    assert result.met is True and result.gaps == []
    assert result.payer.startswith("下游") and result.payee.startswith("上游")
    assert result.amount_cny == 100_000_000.0
    run_id = save_settlement(engine, result, "tester")
    book = ledger(engine, "test-xinan")
    assert book["run_id"].tolist() == [run_id]
    assert book.iloc[0]["amount_cny"] == 100_000_000.0 and bool(book.iloc[0]["met"])


def test_gaps_reported_and_handled_as_the_rule_says(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    data = monitoring(tmp_path / "gap.csv", skip={("tp", 3), ("tp", 4)})
    # not_met: the year counts as not met, so the upstream party pays
    result = settle(engine, _agreement(engine, tmp_path, "not_met"), 2023, data)
    assert result.gaps == ["s1/tp: no data for month(s) 3, 4 (10 of 12 months)"]
    assert result.met is False and result.payer.startswith("上游")
    assert "makes the year not met" in result.gap_handling
    # available: averaged over the 10 months present (same means) → met
    result = settle(engine, _agreement(engine, tmp_path, "available"), 2023, data)
    assert result.met is True and result.gaps and "averaged over the months" in result.gap_handling
    # fail: an error, nothing stored
    with pytest.raises(InputError, match=r"too few months.*s1/tp: no data for month\(s\) 3, 4"):
        settle(engine, _agreement(engine, tmp_path, "fail"), 2023, data)
    assert count_runs(engine) == 0


def test_dongjiang_factor_by_hand() -> None:
    assert dongjiang_factor(True, 23 / 24, 0.95, 30.0, 40.0) == (True, 0.75)
    assert dongjiang_factor(False, 1.0, 0.95, 50.0, 40.0) == (False, 0.0)
    assert dongjiang_factor(True, 0.9, 0.95, None, None) == (False, 0.0)


def test_dongjiang_settlement(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    text = XINAN.format(policy="not_met").replace(
        'method = "xinan_index"', 'method = "dongjiang_compliance"'
    )
    text = text.replace('name = "test-xinan"', 'name = "test-dj"')
    text = text.replace(
        '[[sections]]\nkey = "s1"\nname_zh = "断面"\n',
        '[[sections]]\nkey = "s1"\nname_zh = "断面"\n\n'
        '[[sections]]\nkey = "s2"\nname_zh = "断面2"\n',
    )
    text = text.replace("k0 = 0.85", "compliance_target = 0.95\noutflow_required = 40.0")
    stored = store_rule(engine, load_rule(str(write(tmp_path / "dj.toml", text))), "t")
    lines = ["section,month,indicator,value,unit"]
    for sec in ("s1", "s2"):
        for ind, c in CONC.items():
            for m in range(1, 13):
                v = (
                    1.2 if (sec, ind, m) == ("s2", "nh3n", 7) else c
                )  # one month over Class III (1.0)
                lines.append(f"{sec},2023-{m:02d},{ind},{v},mg/L")
        for m in range(1, 13):
            lines.append(f"{sec},2023-{m:02d},outflow,1.25,10^8 m3")
    result = settle(engine, stored, 2023, write(tmp_path / "dj.csv", "\n".join(lines) + "\n"))
    # 24 section-months, 23 with every indicator ≤ Class III → 0.9583 ≥ 0.95: met;
    # outflow 2 × 12 × 1.25 = 30 of the required 40 (10^8 m³) → 0.75 of 10^8 CNY
    assert result.index_value == pytest.approx(23 / 24)
    assert result.met is True
    assert result.details["outflow"] == pytest.approx(30.0)
    assert result.amount_cny == 75_000_000.0


def test_gep_flow_settlement(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    text = """
kind = "compensation"
name = "test-gep"
title_zh = "测试"
title_en = "test"
description = "test"
source = "test"
method = "gep_flow"
gep_indicators = ["water_conservation"]
flow_share = 0.5

[upstream]
name_zh = "上游"
name_en = "upstream"
counties = [361130, 361181]

[downstream]
name_zh = "下游"
name_en = "downstream"
counties = [360281]

[[sections]]
key = "s1"
name_zh = "断面"

[[rounds]]
round = 1
start_year = 2022
end_year = 2024
amount_cny = 0.0
payment_share = 0.1
"""
    stored = store_rule(engine, load_rule(str(write(tmp_path / "g.toml", text))), "t")
    result = settle(engine, stored, 2022, None)
    # water conservation of Wuyuan 60 + Dexing 80 = 140 CNY; × 0.5 flow × 0.1 share = 7
    assert result.index_value == pytest.approx(140.0)
    assert result.amount_cny == 7.0
    assert result.details["per_county_cny"] == {WUYUAN: 60.0, DEXING: 80.0}
    assert result.account_ids == [1]


def test_agreement_and_monitoring_errors(tmp_path: Path) -> None:
    bad = XINAN.format(policy="fail").replace('key = "tp"', 'key = "arsenic"')
    with pytest.raises(InputError, match=r"a.toml: .*unknown water-quality indicator 'arsenic'"):
        load_rule(str(write(tmp_path / "a.toml", bad)))
    bad = XINAN.format(policy="fail").replace(
        'unit = "mg/L"\nbaseline = 0.05', 'unit = "kg"\nbaseline = 0.05'
    )
    with pytest.raises(InputError, match="unit 'kg' does not measure the same quantity as 'mg/L'"):
        load_rule(str(write(tmp_path / "b.toml", bad)))
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    stored = _agreement(engine, tmp_path)
    data = write(
        tmp_path / "x.csv", "section,month,indicator,value,unit\ns9,2023-01,codmn,2,mg/L\n"
    )
    with pytest.raises(
        InputError, match=r"section\(s\) s9 that agreement 'test-xinan' does not have"
    ):
        settle(engine, stored, 2023, data)
    data = write(
        tmp_path / "y.csv", "section,month,indicator,value,unit\ns1,2023-01,codmn,-2,mg/L\n"
    )
    with pytest.raises(InputError, match="not a finite non-negative number"):
        settle(engine, stored, 2023, data)
    data = write(
        tmp_path / "z.csv", "section,month,indicator,value,unit\ns1,2023-01,codmn,inf,mg/L\n"
    )
    with pytest.raises(InputError, match="value inf is not a finite"):
        settle(engine, stored, 2023, data)
    data = write(
        tmp_path / "w.csv", "section,month,indicator,value,unit\ns1,2021-01,codmn,2,mg/L\n"
    )
    with pytest.raises(InputError, match=r"no sample of 2023 \(years present: 2021\)"):
        settle(engine, stored, 2023, data)
    with pytest.raises(InputError, match="has no round covering 2030"):
        settle(engine, stored, 2030, monitoring(tmp_path / "m.csv"))
    assert count_runs(engine) == 0
