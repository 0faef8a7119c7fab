"""Assessment: GDI over three indicators with a missing one, GEP metrics, ranks, warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from applications_support import (
    ASSESSMENT_FRAMEWORK,
    ASSESSMENT_INDICATORS,
    DEXING,
    LEPING,
    WUYUAN,
    hand_store,
    write,
)
from ganpo.apply.assessment import (
    assess,
    declined,
    green_development_index,
    indicator_scores,
    save_assessment,
)
from ganpo.apply.rules import load_rule, store_rule
from ganpo.errors import InputError
from ganpo.store.applications import run_lines

# the shared framework with two decline warnings more: indicator a over 2 years, GEP per
# km² over 1 year
FRAMEWORK = (
    ASSESSMENT_FRAMEWORK
    + """
[[warnings]]
metric = "a"
decline_years = 2

[[warnings]]
metric = "gep_per_km2"
decline_years = 1
"""
)

# 2023: a = 10, 20, 30 %; b = 5, (missing), 1 t; c = 0, 50, 100 %; Leping's a declines
INDICATORS = ASSESSMENT_INDICATORS.replace("361130,2023,20,3,50", "361130,2023,20,,50")
assert INDICATORS != ASSESSMENT_INDICATORS


def test_gdi_three_indicators_one_missing() -> None:
    fw = load_rule_text(FRAMEWORK)
    values = pd.DataFrame(
        {"a": [10.0, 20.0, 30.0], "b": [5.0, np.nan, 1.0], "c": [0.0, 50.0, 100.0]}, index=[1, 2, 3]
    )
    scores = indicator_scores(values, {"a": "positive", "b": "negative", "c": "positive"})
    # a: 60 + 40·(x − 10)/20 → 60, 80, 100; b (negative): 60 + 40·(5 − x)/4 → 60, missing 60, 100;
    # c: 60, 80, 100
    assert scores["a"].tolist() == [60.0, 80.0, 100.0]
    assert scores["b"].tolist() == [60.0, 60.0, 100.0]
    gdi = green_development_index(scores, fw)
    # one = mean(a, b) = 60, 70, 100; two = c; GDI = 0.6·one + 0.4·two = 60, 74, 100
    assert gdi["one"].tolist() == [60.0, 70.0, 100.0]
    assert gdi["gdi"].tolist() == pytest.approx([60.0, 74.0, 100.0])


def load_rule_text(text: str):  # type: ignore[no-untyped-def]
    import tomllib

    from ganpo.apply.rules import parse_rule

    return parse_rule(tomllib.loads(text))


def test_declined() -> None:
    assert declined([3.0, 2.0, 1.0], 2)
    assert not declined([3.0, 2.0, 2.0], 2)
    assert not declined([np.nan, 2.0, 1.0], 2)


def test_assess_by_hand(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    fw = store_rule(engine, load_rule(str(write(tmp_path / "fw.toml", FRAMEWORK))), "t")
    gdp = write(
        tmp_path / "gdp.csv",
        "county_adcode,gdp [万元]\n360281,1000000\n361130,200000\n361181,100000\n",
    )
    ind = write(tmp_path / "ind.csv", INDICATORS)
    result = assess(engine, fw, 2023, gdp, ind)
    t = result.table.set_index("county_adcode")
    # GEP 2023 = 100 × (1.10, 1.00, 0.80) × 1.002; areas 100, 200, 50 km²
    assert t.loc[LEPING, "gep_cny"] == pytest.approx(110.22)
    assert t.loc[WUYUAN, "gep_per_km2"] == pytest.approx(100.2 / 200)
    assert t["gep_growth_pct"].tolist() == pytest.approx([10.0, 0.0, -20.0])
    # GDP 100, 20, 10 亿元 (10^10, 2·10^9, 10^9 CNY) → GEP/GDP = 1.1022, 5.01, 8.016 × 10⁻⁸
    assert t["gep_gdp_ratio"].tolist() == pytest.approx([1.1022e-8, 5.01e-8, 8.016e-8])
    # conversion = material + cultural: Leping (30 + 10) × 1.1 × 1.002 over GEP → 40 %
    assert t.loc[LEPING, "conversion_cny"] == pytest.approx(40 * 1.1 * 1.002)
    assert t["conversion_rate"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert t["gdi"].tolist() == pytest.approx([60.0, 74.0, 100.0])
    assert t["rank_gdi"].tolist() == [3, 2, 1]
    assert t["grade"].tolist() == ["C", "B", "A"]
    assert t.loc[WUYUAN, "missing_indicators"] == 1
    w = {(r.county_adcode, r.metric, r.kind) for r in result.warnings.itertuples()}
    # c below 10 (Leping 0); a declines 12 → 11 → 10 (Leping); GEP per km² at constant
    # 2023 prices falls 2022 → 2023 for Dexing (−20 %) only
    assert w == {
        (LEPING, "c", "below"),
        (LEPING, "a", "decline"),
        (DEXING, "gep_per_km2", "decline"),
    }
    run_id = save_assessment(engine, result, "t")
    lines = run_lines(engine, run_id)
    assert sorted(lines["item"]) == ["assessment"] * 3 + [
        "warning:a",
        "warning:c",
        "warning:gep_per_km2",
    ]
    assert run_lines(engine, run_id, {WUYUAN})["county_adcode"].tolist() == [WUYUAN]


def test_assessment_input_errors(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    fw = store_rule(engine, load_rule(str(write(tmp_path / "fw.toml", FRAMEWORK))), "t")
    ind = write(tmp_path / "ind.csv", INDICATORS)
    gdp = write(tmp_path / "gdp.csv", "county_adcode,gdp [万元]\n360281,1000000\n361130,200000\n")
    with pytest.raises(InputError, match=r"GDP table lacks county adcode.*361181"):
        assess(engine, fw, 2023, gdp, ind)
    gdp = write(
        tmp_path / "gdp.csv",
        "county_adcode,gdp [万元]\n360281,1000000\n361130,200000\n361181,10000000\n",
    )
    zero = write(
        tmp_path / "gdp0.csv",
        "county_adcode,gdp [万元]\n360281,1000000\n361130,0\n361181,10000000\n",
    )
    with pytest.raises(InputError, match=r"GDP must be positive.*361130"):
        assess(engine, fw, 2023, zero, ind)
    # a slip of the header's unit (decision 0091): 乐平市 300 亿元 under gdp [万元], or in 元
    # under it, is implausible for a county; the unit the figures look like is named
    for leping, looks, side in (("300", "亿元", "less than 1 亿元"),
                                ("30000000000", "元", "more than 30,000 亿元")):  # fmt: skip
        slip = write(
            tmp_path / "slip.csv",
            f"county_adcode,gdp [万元]\n360281,{leping}\n361130,200000\n361181,100000\n",
        )
        with pytest.raises(InputError) as err:
            assess(engine, fw, 2023, slip, ind)
        msg = str(err.value)
        assert f"slip.csv: GDP table, row 2: column 'gdp [万元]' value {float(leping):g}" in msg
        assert f"GDP 表第 2 行 gdp [万元] 的值 {float(leping):g}（县 360281）" in msg
        assert "county_adcode 360281 read in 万元 (as the header says)" in msg
        assert side in msg and f"the figures look like {looks}" in msg
        assert "correct the unit in the header" in msg and "请更正表头中的单位" in msg
    bad = write(tmp_path / "inf.csv", INDICATORS.replace("361181,2023,30,", "361181,2023,inf,"))
    with pytest.raises(InputError, match="column 'a' has missing, non-numeric or infinite"):
        assess(engine, fw, 2023, gdp, bad)
    bad = write(tmp_path / "bad.csv", INDICATORS.replace("c [%]", "zz [%]"))
    with pytest.raises(
        InputError, match=r"column\(s\) zz that framework 'corpus-gdi' does not know"
    ):
        assess(engine, fw, 2023, gdp, bad)
    bad = write(tmp_path / "bad2.csv", INDICATORS.replace("b [t]", "b [km2]"))
    with pytest.raises(InputError, match="unit 'km2' does not measure the same quantity as 't'"):
        assess(engine, fw, 2023, gdp, bad)
    with pytest.raises(InputError, match="weights must add up to 100"):
        load_rule_text(FRAMEWORK.replace("weight_pct = 40.0", "weight_pct = 30.0"))
    with pytest.raises(InputError, match="unknown metric 'zz'"):
        load_rule_text(FRAMEWORK.replace('metric = "c"', 'metric = "zz"'))


def test_shipped_framework_weights() -> None:
    fw = load_rule("green-development-index")
    weights = {c.key: c.weight_pct for c in fw.categories}  # type: ignore[union-attr]
    assert weights == {
        "resource_use": 29.3,
        "environmental_governance": 16.5,
        "environmental_quality": 19.3,
        "ecological_protection": 16.5,
        "growth_quality": 9.2,
        "green_living": 9.2,
    }
    assert fw.missing_score == 60.0  # type: ignore[union-attr]


def test_assessment_warnings_come_from_the_tracking_module(tmp_path: Path) -> None:
    """The warnings carry the tracking module's level and its messages in both languages
    (docs/decisions/0032), stored with the run."""
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    fw = store_rule(engine, load_rule(str(write(tmp_path / "fw.toml", FRAMEWORK))), "t")
    gdp = write(
        tmp_path / "gdp.csv",
        "county_adcode,gdp [万元]\n360281,1000000\n361130,200000\n361181,100000\n",
    )
    result = assess(engine, fw, 2023, gdp, write(tmp_path / "ind.csv", INDICATORS))
    w = result.warnings.set_index(["county_adcode", "metric"])
    below = w.loc[(LEPING, "c")]
    assert below["kind"] == "below" and below["value"] == 0.0
    assert (below["level_zh"], below["level_en"]) == ("预警", "warning")
    assert "实际值0" in below["message_zh"] and "目标值10" in below["message_zh"]
    assert "against a target of 10" in below["message_en"]
    decline = w.loc[(LEPING, "a")]
    assert decline["kind"] == "decline"
    assert "连续2年下降（12 → 11 → 10" in decline["message_zh"]
    assert "fell 2 years running (12 → 11 → 10" in decline["message_en"]
    run_id = save_assessment(engine, result, "t")
    lines = run_lines(engine, run_id)
    stored = lines[lines["item"] == "warning:c"]["detail"].iloc[0]
    assert stored["message_zh"] == below["message_zh"]
    assert stored["level"] == "warning"


def test_a_below_warning_on_a_lower_is_better_indicator_is_refused(tmp_path: Path) -> None:
    """A floor does not fit an indicator where lower is better (decision 0032)."""
    from ganpo.apply.assessment_warnings import register_framework

    text = FRAMEWORK.replace('metric = "c"\nbelow = 10.0', 'metric = "b"\nbelow = 10.0')
    assert text != FRAMEWORK
    fw = load_rule_text(text)
    with pytest.raises(InputError, match="lower is better"):
        register_framework(fw)


def test_the_gdp_table_is_read_once_and_a_slip_names_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GDP file is read once (its values, its header's unit and its rows' numbers in
    one reading), and a slip of the header's unit names the county's row as a spreadsheet
    shows it: under a note line and the header, among the rows of other years."""
    import ganpo.apply.inputs as inputs

    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    fw = store_rule(engine, load_rule(str(write(tmp_path / "fw.toml", FRAMEWORK))), "t")
    ind = write(tmp_path / "ind.csv", INDICATORS)
    read: list[str] = []
    real = inputs.read_table_file

    def counted(path: Path, *args: Any, **kwargs: Any) -> Any:
        read.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(inputs, "read_table_file", counted)
    gdp = write(
        tmp_path / "gdp.csv",
        "# 合成数据 synthetic\ncounty_adcode,year,gdp [万元]\n360281,2022,2900000\n"
        "361130,2022,1200000\n361181,2022,4800000\n360281,2023,1000000\n361130,2023,200000\n"
        "361181,2023,100000\n",
    )
    result = assess(engine, fw, 2023, gdp, ind)
    assert read.count("gdp.csv") == 1
    # the year's GDP only: 100, 20, 10 亿元 (as test_assess_by_hand without a year column)
    ratio = result.table.set_index("county_adcode")["gep_gdp_ratio"]
    assert ratio.tolist() == pytest.approx([1.1022e-8, 5.01e-8, 8.016e-8])
    # 乐平市 2023 in 亿元 figures under gdp [万元]: row 6 of the file (note 1, header 2)
    write(tmp_path / "gdp.csv", gdp.read_text(encoding="utf-8").replace("2023,1000000", "2023,300"))
    with pytest.raises(InputError) as err:
        assess(engine, fw, 2023, gdp, ind)
    msg = str(err.value)
    assert "GDP table, row 6: column 'gdp [万元]' value 300 of county_adcode 360281" in msg
    assert "GDP 表第 6 行 gdp [万元] 的值 300（县 360281）按万元（表头所写）" in msg
    assert "the figures look like 亿元" in msg and "数值看来是以亿元计的" in msg
