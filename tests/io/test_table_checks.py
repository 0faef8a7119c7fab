"""Plausibility of statistics tables (逻辑审核, 波动审核) in the engine's reader: each finding
of the issue that asked for them — 元/万元 swapped both ways, a share written as 30, a lake
listed twice, the tourism row of 10^9 万人次 earning 0.0001 亿元 — and the declarations
themselves (every column has its bands, with reasons in both languages)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ganpo.catalog.ecosystems import by_key
from ganpo.errors import TableCheckError, TableError
from ganpo.io.manifest import TableEntry, TableOverride
from ganpo.io.roles import TABLE_ROLES
from ganpo.io.table_checks import TableContext, as_decisions, check_values, fmt
from ganpo.io.table_rules import TABLE_CHECKS, PartsRule, RatioRule
from ganpo.io.tables import read_table, read_table_checked

A, B, C = 360101, 360102, 360103
AREAS = {A: 1000.0, B: 500.0, C: 2000.0}  # km²
NAMES = {A: "甲县", B: "乙县", C: "丙县"}


def entry(role: str, columns: dict[str, str], year: int = 2023) -> TableEntry:
    return TableEntry(
        role=role, path="t.csv", year=year, columns=columns, source="test", synthetic=True
    )


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, e: TableEntry, context: TableContext | None = None) -> TableCheckError:
    with pytest.raises(TableCheckError) as info:
        read_table(path, e, set(AREAS), list(e.columns), context=context)
    return info.value


AGRI = {"agriculture_output": "10^4 CNY"}
# last year's crop output [CNY]: 1.2 and 2.5 ×10^6 CNY per km², within the usual band
LAST_YEAR = pd.DataFrame(
    {"agriculture_output": [1.2e9, 1.25e9, 2.4e9]}, index=pd.Index([A, B, C], name="county_adcode")
)


def with_last_year() -> TableContext:
    return TableContext(AREAS, NAMES, previous=LAST_YEAR, previous_year=2022)


# ------------------------------------------------------------------------ declarations


def test_every_column_of_every_table_role_declares_its_plausibility() -> None:
    for role, spec in TABLE_ROLES.items():
        numeric = {c for c, u in spec.columns.items() if u != "text"}
        declared = set(TABLE_CHECKS[role].columns)
        assert declared == numeric, (
            f"{role}: declare the plausibility of {sorted(numeric - declared)} in "
            f"io/table_rules.py (unknown: {sorted(declared - numeric)})"
        )
        for column, check in TABLE_CHECKS[role].columns.items():
            bands = [b for b in (check.hard, check.soft, check.yoy) if b is not None]
            assert check.share or bands, (role, column)
            for band in bands:
                assert band.reason_en and band.reason_zh, (role, column)
                if band.low is not None and band.high is not None:
                    assert band.low < band.high, (role, column)
            if check.hard and check.soft and check.soft.high and check.hard.high:
                assert check.soft.high < check.hard.high, (role, column)  # usual ⊂ possible
            if check.yoy is not None:
                assert check.yoy.low is not None and check.yoy.high is not None
                assert check.yoy.low < 1 < check.yoy.high, (role, column)


def test_rules_name_columns_that_exist() -> None:
    for role, checks in TABLE_CHECKS.items():
        columns = TABLE_ROLES[role].columns
        for rule in checks.rules:
            if isinstance(rule, RatioRule):
                assert rule.numerator in columns, rule.key
                other, _, column = rule.denominator.rpartition(".")
                assert column in TABLE_ROLES[other or role].columns, rule.key
                assert rule.hard or rule.soft
            else:
                assert isinstance(rule, PartsRule)
                assert set(rule.parts) <= set(columns), rule.key
                if rule.whole.startswith("extent:"):
                    for key in rule.whole.removeprefix("extent:").split(","):
                        by_key(key)  # an ecosystem type that exists
                else:
                    assert rule.whole in ("county_area", *columns), rule.key
        assert set(checks.list_key) <= set(columns)
        assert not checks.list_key or not TABLE_ROLES[role].per_county


# ------------------------------------------------------------------ the issue's findings


def test_yuan_written_where_wan_yuan_is_asked_is_refused(tmp_path: Path) -> None:
    # 元 values in a 万元 column: 10^4 times last year's, and 10^10 CNY per km²
    path = write(
        tmp_path, "county_adcode,agriculture_output\n360101,1.2e9\n360102,1.3e9\n360103,2.5e9\n"
    )
    err = refused(path, entry("agriculture", AGRI), with_last_year())
    scale = [f for f in err.findings if f.kind == "unit_scale"]
    assert [(f.column, f.county, f.rows) for f in scale] == [("agriculture_output", None, ())]
    assert scale[0].message_en == (
        "agriculture output of most counties is about 10^4 times 2022's (median ratio "
        "10,400 over 3 counties); check the unit: it looks like values in CNY (元) written "
        "in a column of 10^4 CNY (万元)"
    )
    assert scale[0].message_zh == (
        "多数县的农业产值约为 2022 年的 10^4 倍（3 个县比值的中位数 10,400）；请检查单位："
        "看起来是把以元计的数值填入了以万元计的列"
    )
    # the values themselves are impossible per km² too, each said with its row
    assert "row 2, column agriculture_output: agriculture output 1.2×10^9 10^4 CNY is " in str(err)
    assert "more than the possible 2×10^8 CNY/km²" in str(err)
    # given in its halves: the English one holds 元 and 万元, the Chinese one none of it
    assert str(err) == f"{path}: {err.en} / {err.zh}"
    assert err.en.startswith("4 problem(s): ") and "(万元)" in err.en
    assert err.zh.startswith("共 4 处问题：") and "problem" not in err.zh


def test_wan_yuan_written_where_yuan_scale_is_expected_is_refused_too(tmp_path: Path) -> None:
    # the reverse: 亿元 values in a 万元 column are 10^-4 of last year's
    path = write(tmp_path, "county_adcode,agriculture_output\n360101,12.5\n360102,13\n360103,25\n")
    err = refused(path, entry("agriculture", AGRI), with_last_year())
    assert err.values == [
        "column agriculture_output: agriculture output of most counties is about 10^-4 times "
        "2022's (median ratio 1.04×10^-4 over 3 counties); check the unit: it looks like "
        "values in 10^8 CNY (亿元) written in a column of 10^4 CNY (万元)"
    ]


def test_one_county_in_another_unit_is_refused_naming_it(tmp_path: Path) -> None:
    path = write(
        tmp_path, "county_adcode,agriculture_output\n360101,120000\n360102,13\n360103,250000\n"
    )
    err = refused(path, entry("agriculture", AGRI), with_last_year())
    assert err.values == [
        "row 3, column agriculture_output: agriculture output 13 10^4 CNY is 1/9,615.38 of "
        "2022's 125,000 10^4 CNY, a factor of about 10^-4; check the unit: it looks like "
        "values in 10^8 CNY (亿元) written in a column of 10^4 CNY (万元)"
    ]
    assert err.findings[0].message_zh == (
        "农业产值 13 万元，是 2022 年的 125,000 万元的 1.04×10^-4 倍（约 10^-4 倍）；请检查单位："
        "看起来是把以亿元计的数值填入了以万元计的列"
    )


def test_a_declared_unit_that_changed_is_not_a_fluctuation(tmp_path: Path) -> None:
    # the same output declared in 亿元 this year: compared in CNY, nothing to say
    path = write(
        tmp_path, "county_adcode,agriculture_output\n360101,12.6\n360102,13.1\n360103,25.2\n"
    )
    checked = read_table_checked(
        path,
        entry("agriculture", {"agriculture_output": "10^8 CNY"}),
        set(AREAS),
        ["agriculture_output"],
        context=with_last_year(),
    )
    assert checked.findings == []


def test_a_share_written_as_a_percentage_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "county_adcode,water_supply_external_share\n360101,30\n360102,0.3\n")
    e = entry("external", {"water_supply_external_share": "1"})
    with pytest.raises(TableCheckError) as info:
        read_table(path, e, {A, B}, ["water_supply_external_share"])
    assert info.value.values == [
        "row 2, column water_supply_external_share: share of water supply from outside 30 is "
        "not a share in [0, 1]; looks like a percentage: write 0.30"
    ]
    assert info.value.findings[0].message_zh == (
        "供水区外来源比例 30 不是 0 到 1 之间的比例；看起来是百分数：请填 0.30"
    )


def test_duplicate_lake_rows_are_refused_naming_the_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "county_adcode,lake_name,lake_area\n"
        "360101,鄱阳湖,30\n360101,鄱阳湖,30\n"  # the same row twice (would be summed)
        "360102,军山湖,12\n360102,军山湖,15\n"  # the same lake twice, other areas
        "360103,鄱阳湖,30\n",  # the same lake in another county: fine
    )
    err = refused(path, entry("lakes", {"lake_name": "text", "lake_area": "km2"}))
    assert err.values == [
        "rows 2, 3, column lake_name: rows 2, 3 are one row repeated (鄱阳湖 of county "
        "360101); delete repeats",
        "rows 4, 5, column lake_name: lake name '军山湖' of county 360102 is in rows 4, 5; one "
        "row per lake name and county: add up its parts or name them apart",
    ]
    assert [f.message_zh for f in err.findings] == [
        "第 2, 3 行完全相同（360101 县的鄱阳湖），请删除重复行",
        "360102 县的湖泊名称“军山湖”出现在第 4, 5 行；每县每个湖泊名称只填一行：请合计或分别命名",
    ]


def test_lakes_larger_than_their_county_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "county_adcode,lake_name,lake_area\n360102,甲湖,300\n360102,乙湖,250\n")
    err = refused(
        path, entry("lakes", {"lake_name": "text", "lake_area": "km2"}), TableContext(AREAS)
    )
    assert err.values == [
        "rows 2, 3, column lake_area: lake area within the county 550 km² (rows summed) is more "
        "than the county's area (500 km²): the lakes' parts in a county cannot exceed the "
        "county's area"
    ]


TOURISM = {"visits": "10^4 person-time", "tourism_revenue": "10^8 CNY"}


def test_the_tourism_row_of_the_issue_is_refused(tmp_path: Path) -> None:
    # 10^9 万人次 bringing 0.0001 亿元: the departments' check passed it as 校验通过
    path = write(tmp_path, "county_adcode,visits,tourism_revenue\n360101,1e9,0.0001\n")
    with pytest.raises(TableCheckError) as info:
        read_table(path, entry("tourism", TOURISM), {A}, list(TOURISM))  # no county areas
    assert info.value.values == [
        "row 2, column tourism_revenue: tourism revenue per visit is 1×10^-9 CNY per visit "
        "(tourism revenue 1×10^-4 10^8 CNY, tourist visits 1×10^9 10^4 visits); less than "
        "the possible 1 CNY per visit (a visit that brings less than 1 CNY, or more than 10^5 "
        "CNY (a luxury long-haul journey), is no county's average: one of the two columns is "
        "in the wrong unit); check the units of both columns"
    ]
    assert info.value.findings[0].message_zh == (
        "人均旅游花费（旅游收入/接待人次）为 1×10^-9 元/人次（旅游总收入 1×10^-4 亿元，旅游人次 "
        "1×10^9 万人次），低于可能的下限 1 元/人次（每人次不足 1 元或超过 10^5 元（豪华长途旅行）"
        "都不可能是县均值：两列中有一列单位有误）；请检查两列的单位"
    )
    # with the county's area the visits alone are impossible as well
    err = refused(path, entry("tourism", TOURISM), TableContext(AREAS))
    assert [f.kind for f in err.findings] == ["range", "logic"]


def test_unusual_values_are_accepted_as_soft_findings(tmp_path: Path) -> None:
    # 12,000 CNY per visit: possible (a resort), but above the usual 5,000
    path = write(tmp_path, "county_adcode,visits,tourism_revenue\n360101,2.5,3\n")
    checked = read_table_checked(path, entry("tourism", TOURISM), {A}, list(TOURISM))
    assert checked.frame.loc[A, "tourism_revenue"] == 3e8  # read as reported
    [f] = checked.findings
    assert (f.kind, f.key, f.county, f.rows) == (
        "logic",
        "logic.revenue_per_visit@360101",
        A,
        (2,),
    )
    assert f.message_en.startswith(
        "tourism revenue per visit is 12,000 CNY per visit (tourism revenue 3 10^8 CNY, "
        "tourist visits 2.5 10^4 visits); more than the usual 5,000 CNY per visit"
    )


def test_forest_recovering_beyond_the_forest_of_the_extent_is_a_soft_finding(
    tmp_path: Path,
) -> None:
    forest, shrub, grass = (by_key(k).code for k in ("forest", "shrub", "grassland"))
    extent = pd.DataFrame(
        {
            "county_adcode": [A, A, A],
            "ecosystem_code": [forest, shrub, grass],
            "area_m2": [3e6, 1e6, 0.5e6],  # 300 + 100 hm² forest and shrub, 50 hm² grass
        }
    )
    cols = {"forest_self_recovery_area": "hm2", "grassland_self_recovery_area": "hm2"}
    path = write(
        tmp_path, "county_adcode,forest_self_recovery_area,grassland_self_recovery_area\n"
        "360101,450,20\n"
    )  # fmt: skip
    checked = read_table_checked(
        path, entry("forestry", cols), {A}, context=TableContext(AREAS, NAMES, extent=extent)
    )
    [f] = checked.findings
    assert f.key == "logic.forest_recovery_within_forest@360101"
    assert f.message_en.startswith(
        "forest area recovering without treatment 450 hm² is more than the forest and "
        "shrubland area of the ecosystem map in the county (400 hm²)"
    )
    # more than the whole county: refused
    path = write(
        tmp_path, "county_adcode,forest_self_recovery_area,grassland_self_recovery_area\n"
        "360101,90000,20000\n"
    )  # fmt: skip
    with pytest.raises(TableCheckError, match="is more than the county's area"):
        read_table(path, entry("forestry", cols), {A}, context=TableContext(AREAS))


# ---------------------------------------------------------------- decisions and overrides


def test_soft_findings_become_decisions_and_overrides_carry_the_explanation(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "county_adcode,visits,tourism_revenue\n360101,2.5,3\n360102,20,2\n")
    checked = read_table_checked(path, entry("tourism", TOURISM), {A, B}, list(TOURISM))
    [rule] = as_decisions("tourism", checked.findings, source=str(path), names=NAMES)
    assert (rule.kind, rule.subject, rule.basis, rule.unit_code) == (
        "logic",
        "tourism.revenue_per_visit",
        "rule",
        A,
    )
    assert rule.message_en.startswith("tourism, county 360101 (甲县): tourism revenue per visit")
    assert rule.message_en.endswith(
        "; accepted: the rule is a soft one (definitions may differ); the value is used as "
        "reported."
    )
    assert rule.message_zh.startswith("旅游接待，甲县（360101）：人均旅游花费")
    override = TableOverride(
        key="logic.revenue_per_visit@360101",
        kind="logic",
        subject="tourism.revenue_per_visit",
        unit_code=A,
        message_en="flagged",
        message_zh="标记",
        explanation="a hot-spring resort opened in May",
        explained_by="tourism",
        explained_at="2024-03-01T08:00:00+00:00",
        approved_by="reviewer",
        approved_at="2024-03-02T09:00:00+00:00",
        submission="submission 7 version 2",
    )
    [d] = as_decisions("tourism", checked.findings, [override], names=NAMES)
    assert (d.basis, d.kind, d.unit_code) == ("override", "logic", A)
    assert d.message_en.endswith(
        "; explained by tourism (2024-03-01): “a hot-spring resort opened in May”; accepted "
        "by reviewer reviewer (2024-03-02); the value is used as reported."
    )
    assert "填报人 tourism（2024-03-01）说明：“a hot-spring resort opened in May”；审核人 " in (
        d.message_zh
    )


def test_an_override_never_lets_a_hard_finding_through(tmp_path: Path) -> None:
    path = write(tmp_path, "county_adcode,visits,tourism_revenue\n360101,1e9,0.0001\n")
    hard = check_values(
        "tourism",
        pd.DataFrame({"county_adcode": [A], "visits": [1e13], "tourism_revenue": [1e4]}, index=[2]),
        TOURISM,
    ).hard
    assert hard
    overrides = [
        TableOverride(
            key=f.key, kind=f.kind, subject="tourism.x", message_en="x", message_zh="x",
            explanation="it is right", explained_by="a", explained_at="2024-01-01",
            approved_by="b", approved_at="2024-01-02",
        )
        for f in hard
    ]  # fmt: skip
    e = entry("tourism", TOURISM).model_copy(update={"overrides": overrides})
    with pytest.raises(TableCheckError):
        read_table(path, e, {A}, list(TOURISM))
    assert all(d.basis == "override" for d in as_decisions("tourism", hard, overrides))
    assert not [d for d in as_decisions("tourism", hard) if d.basis == "rule"]


# ----------------------------------------------------------------------------- notes


def test_checks_without_their_context_are_noted_not_guessed(tmp_path: Path) -> None:
    cols = {"forest_self_recovery_area": "hm2", "grassland_self_recovery_area": "hm2"}
    path = write(
        tmp_path, "county_adcode,forest_self_recovery_area,grassland_self_recovery_area\n"
        "360101,1e9,0\n"
    )  # fmt: skip
    checked = read_table_checked(path, entry("forestry", cols), {A})
    assert checked.findings == []  # nothing to compare 10^9 hm² with: not judged
    assert [en for en, _ in checked.notes] == [
        "forestry: the checks per km² of the county were not made (no county areas)",
        "forestry: forest recovering without treatment was not compared with the ecosystem "
        "map (no extent at hand); the engine compares it when the account runs",
        "forestry: grassland recovering without treatment was not compared with the "
        "ecosystem map (no extent at hand); the engine compares it when the account runs",
    ]


def test_format_problems_and_plausibility_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "county_adcode,visits,tourism_revenue\n360101,1e9,0.0001\n360102,x,1\n")
    with pytest.raises(TableError) as info:
        read_table(path, entry("tourism", TOURISM), {A, B}, list(TOURISM))
    assert info.value.values[0] == "row 3, column visits: 'x' is not a number"
    assert info.value.values[1].startswith("row 2, column tourism_revenue: tourism revenue per")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (0.3, "0.3"), (1234567.0, "1,234,567"), (2e8, "2×10^8"), (-1.5e-5, "-1.5×10^-5")],
)
def test_numbers_are_written_for_statisticians(value: float, text: str) -> None:
    assert fmt(value) == text


def test_a_total_column_bounds_its_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    # no role has a total column today; a rule "parts ≤ whole" with a column as whole (as a
    # value-added column would have its output) is checked per county, rows summed
    from dataclasses import replace

    import ganpo.io.table_rules as rules

    rule = PartsRule(
        "parts_within_total", "parts", "分项", ("forestry_output", "fishery_output"),
        "agriculture_output", "hard", "parts of a total", "分项不能超过合计",
    )  # fmt: skip
    monkeypatch.setitem(
        rules.TABLE_CHECKS, "agriculture", replace(TABLE_CHECKS["agriculture"], rules=(rule,))
    )
    cols = {c: "10^4 CNY" for c in ("agriculture_output", "forestry_output", "fishery_output")}
    frame = pd.DataFrame(
        {
            "county_adcode": [A, B],
            "agriculture_output": [1e9, 1e9],
            "forestry_output": [4e8, 6e8],
            "fishery_output": [5e8, 5e8],
        },
        index=[2, 3],
    )
    [f] = check_values("agriculture", frame, cols).hard
    assert (f.rule, f.county, f.rows) == ("logic.parts_within_total", B, (3,))
    assert f.message_en == (
        "forestry output + fishery output 110,000 10^4 CNY is more than agriculture output "
        "(100,000 10^4 CNY): parts of a total"
    )
