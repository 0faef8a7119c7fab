"""Ecological credit evaluation of entities: identifiers, the rule as data and the grade on
hand-computed cases (one at each band edge of the shipped rule)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ganpo.apply.rating import (
    NOT_RATED,
    Evidence,
    entity_id_problem,
    grade_entity,
    load_rating_rule,
    uscc_check_char,
    uscc_problem,
)
from ganpo.errors import InputError, UnknownNameError

RULE = load_rating_rule()
AS_OF = date(2025, 12, 31)
FIRM = "91360100MA35F0001F"


def rec(
    i: int, indicator: str, amount: float | None = None, on: date = date(2025, 6, 1)
) -> Evidence:
    return Evidence(i, indicator, RULE.indicator(indicator).department, on, amount, f"DOC-{i}", "t")


def grade(*records: Evidence):  # type: ignore[no-untyped-def]
    return grade_entity(RULE, FIRM, list(records), AS_OF)


# --- identifiers -----------------------------------------------------------------------


def test_uscc_check_digit_of_published_codes() -> None:
    # published codes: Tencent's (深圳市腾讯计算机系统有限公司) and the GB 32100 example of
    # the 福州 registration office; both check digits follow from the weights 3^i mod 31
    assert uscc_problem("91440300708461136T") is None
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_uscc_wrong_check_digit_says_which() -> None:
    assert uscc_problem("91440300708461136X") == (
        "check digit X is wrong (GB 32100-2015 gives T); check the code against the business "
        "licence / 校验码错误（应为 T），请核对营业执照"
    )


def test_uscc_letters_not_used_and_length() -> None:
    assert "holds IO," in str(uscc_problem("914403007084611IOT"))
    assert uscc_problem("9144030070846113") == (
        "has 16 characters, a 统一社会信用代码 has 18 / 统一社会信用代码应为 18 位"
    )


def test_village_and_household_ids() -> None:
    assert entity_id_problem("360702101201", "village") is None
    assert entity_id_problem("360702101201-0012", "household") is None
    assert "never a person's ID number" in str(entity_id_problem("36070219800101123X", "household"))
    assert "12-digit" in str(entity_id_problem("3607021012", "village"))
    assert "not one of" in str(entity_id_problem(FIRM, "company"))


# --- the rule --------------------------------------------------------------------------


def test_shipped_rule_is_versioned_and_named_after_the_2013_scheme() -> None:
    assert (RULE.name, RULE.version) == ("ganpo-entity", "2026.1")
    assert [g.grade for g in RULE.grades] == ["green", "blue", "yellow", "red"]
    assert RULE.grades[0].name_zh == "环保诚信（绿牌）"
    assert "环发〔2013〕150号" in RULE.status
    assert len(RULE.digest()) == 64


def test_unknown_rule_and_indicator_list_the_names() -> None:
    with pytest.raises(UnknownNameError, match="ganpo-entity"):
        load_rating_rule("no-such-rule")
    with pytest.raises(UnknownNameError, match="env_penalty"):
        RULE.indicator("air_quality")


def test_rule_file_with_unknown_department_or_wrong_cap_sign(tmp_path: Path) -> None:
    text = (
        Path(__file__).parents[2] / "src/ganpo/catalog/data/rating/ganpo-entity.toml"
    ).read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('department = "agriculture"', 'department = "market"'), "utf-8")
    with pytest.raises(InputError, match="department 'market' is not one of"):
        load_rating_rule(bad)
    bad.write_text(
        text.replace(
            'cap = 6.0\n\n[[indicators]]\nkey = "green',
            'cap = -6.0\n\n[[indicators]]\nkey = "green',
            1,
        ),
        "utf-8",
    )
    with pytest.raises(InputError, match="the cap must have the points' sign"):
        load_rating_rule(bad)


# --- grades on hand-computed cases -----------------------------------------------------


@pytest.mark.parametrize(
    ("records", "score", "band"),
    [
        # 80 + 6 (inclusive ≥ 1000 t) + 4 (restoration ≥ 10 hm²) = 90: green's edge
        ([rec(1, "inclusive_credits", 1000.0), rec(2, "restoration", 10.0)], 90.0, "green"),
        # 80 + 6 + 3 (a certificate) = 89: just below, blue
        ([rec(1, "inclusive_credits", 1500.0), rec(2, "green_certification")], 89.0, "blue"),
        # 80 − 10 (fine < 10 万元) + 3 + 2 (restoration < 10 hm²) = 75: blue's edge
        (
            [rec(1, "env_penalty", 2.0), rec(2, "green_certification"), rec(3, "restoration", 5.0)],
            75.0,
            "blue",
        ),
        # 80 − 10 + 4 = 74: yellow
        ([rec(1, "env_penalty", 9.99), rec(2, "restoration", 10.0)], 74.0, "yellow"),
        # 80 − 25 (fine ≥ 50 万元) + 3 + 2 = 60: yellow's edge
        (
            [
                rec(1, "env_penalty", 50.0),
                rec(2, "green_certification"),
                rec(3, "restoration", 0.5),
            ],
            60.0,
            "yellow",
        ),
        # 80 − 25 + 4 = 59: red
        ([rec(1, "env_penalty", 80.0), rec(2, "restoration", 20.0)], 59.0, "red"),
    ],
)
def test_band_edges(records: list[Evidence], score: float, band: str) -> None:
    g = grade(*records)
    assert (g.score, g.grade) == (score, band)
    assert sum(x.points for x in g.lines) == pytest.approx(g.score)
    # a line per record (in the rule's order of indicators), each with its department and date
    lines = sorted((x.record_id, x.department, x.on) for x in g.lines if x.kind == "record")
    assert lines == [(r.record_id, r.department, r.on) for r in records]
    assert g.rule_version == "2026.1"


def test_cap_is_a_line_of_its_own() -> None:
    # three fines ≥ 50 万元: −75, capped at −50 → 80 − 50 = 30, red
    g = grade(*(rec(i, "env_penalty", 60.0) for i in (1, 2, 3)))
    cap = [x for x in g.lines if x.kind == "cap"]
    assert [(x.indicator, x.points) for x in cap] == [("env_penalty", 25.0)]
    assert (g.score, g.grade) == (30.0, "red")
    assert sum(x.points for x in g.lines) == 30.0


def test_score_limited_to_100_with_its_line() -> None:
    # 80 + 6 + 10 (restoration capped: 6 + 6 = 12 → 10) + 6 + 6 (two certificates) = 108 → 100
    g = grade(
        rec(1, "inclusive_credits", 2000.0),
        rec(2, "restoration", 100.0),
        rec(3, "restoration", 150.0),
        rec(4, "compensation_met"),
        rec(5, "compensation_met"),
        rec(6, "green_certification"),
        rec(7, "green_certification"),
    )
    assert g.score == 100.0
    assert [(x.kind, x.points) for x in g.lines if x.kind in ("cap", "limit")] == [
        ("cap", -2.0),
        ("limit", -8.0),
    ]
    assert sum(x.points for x in g.lines) == 100.0


def test_veto_gives_the_lowest_grade_whatever_the_score() -> None:
    # 80 − 40 + 6 + 6 + 6 + 6 = 64 would be yellow; the crime record vetoes: red
    g = grade(
        rec(1, "env_crime"),
        rec(2, "inclusive_credits", 5000.0),
        rec(3, "restoration", 200.0),
        rec(4, "compensation_met"),
        rec(5, "compensation_met"),
        rec(6, "green_certification"),
        rec(7, "green_certification"),
    )
    assert g.score == 64.0
    assert (g.grade, g.vetoed_by) == ("red", [1])
    assert g.grade_zh == "环保不良（红牌）（一票否决）"


def test_no_record_means_not_rated_with_the_reason() -> None:
    g = grade()
    assert (g.grade, g.score, g.lines) == (NOT_RATED, None, [])
    assert g.grade_en == "not rated: no approved record in the 3 years before 2025-12-31"


def test_records_older_than_the_window_give_nothing() -> None:
    old = rec(1, "env_penalty", 5.0, on=date(2022, 12, 31))  # exactly 3 years: out
    g = grade(old)
    assert g.grade == NOT_RATED and g.expired == [old]
    assert g.grade_en == "not rated: only records older than 3 years (1)"
    g = grade(old, rec(2, "green_certification", on=date(2023, 1, 1)))
    assert (g.score, g.expired) == (83.0, [old])


def test_record_of_an_indicator_not_in_the_rule_is_ignored_and_kept() -> None:
    stray = Evidence(9, "air_quality", "ecology", date(2025, 1, 1), None, "X", "t")
    g = grade(stray, rec(1, "green_certification"))
    assert (g.score, g.ignored) == (83.0, [stray])


def test_tiered_indicator_needs_its_amount() -> None:
    with pytest.raises(InputError, match="needs its amount"):
        grade(rec(1, "env_penalty", None))
