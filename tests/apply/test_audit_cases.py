"""The departure audit pack's zoning violations and damage cases: the unit's cases of the
tenure as the store holds them, exactly; other units' and other times' cases left out; an
empty register said, a register without the unit's cases noted (issue 18 point 5)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from applications_support import DEXING, LEPING, WUYUAN
from audit_support import audit_store
from ganpo.apply.audit import departure_audit
from ganpo.report.audit_pack import audit_sheets, build_audit_html
from ganpo.store.cases import (
    DamageRecord,
    PaymentRecord,
    ViolationRecord,
    add_payment,
    record_violations,
    save_damage_case,
)

TENURE = (date(2022, 12, 31), date(2023, 12, 31))


def violation(case: str, county: int, found: date, **kw: object) -> ViolationRecord:
    base = {
        "case_no": case,
        "county_adcode": county,
        "found_on": found,
        "kind": "red_line",
        "description": "红线内采砂",
        "penalty_cny": 200_000.0,
        "status": "closed",
        "source": "行政处罚决定书",
        "closed_on": date(2023, 8, 30),
        "synthetic": True,
    }
    return ViolationRecord(**(base | kw))  # type: ignore[arg-type]


def damage(case: str, county: int, day: date, total: float) -> DamageRecord:
    return DamageRecord(
        case_no=case,
        title="采石",
        damage_date=day,
        county_adcode=county,
        counties=[{"county_adcode": county, "county_name": "", "area_m2": 2.0e4}],
        account_id=1,
        price_year=2022,
        area_m2=2.0e4,
        interim_cny=total * 0.6,
        permanent_cny=total * 0.4,
        total_cny=total,
        assessment={"total_loss_cny": total},
        synthetic=True,
    )


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = audit_store(tmp_path_factory.mktemp("audit-cases"))
    record_violations(
        engine,
        [
            violation("V1", LEPING, date(2023, 4, 2)),
            violation("V2", LEPING, date(2024, 2, 10), status="rectifying", closed_on=None),
            violation("V3", WUYUAN, date(2023, 5, 1)),
            violation(
                "V4",
                LEPING,
                date(2023, 12, 31),
                kind="discharge",
                penalty_cny=55_000.0,
                status="open",
                closed_on=None,
            ),
        ],
    )
    save_damage_case(engine, damage("D1", LEPING, date(2023, 5, 1), 1_000_000.0))
    save_damage_case(engine, damage("D2", LEPING, date(2021, 5, 1), 9.0))  # before the tenure
    save_damage_case(engine, damage("D3", WUYUAN, date(2023, 6, 1), 7.0))
    add_payment(engine, "D1", PaymentRecord(date(2023, 9, 1), 300_000.0, "compensation", "协议"))
    add_payment(engine, "D1", PaymentRecord(date(2024, 3, 1), 200_000.0, "restoration", "合同"))
    return engine


def test_the_units_violations_of_the_tenure(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    v = pack.violations
    assert v["case_no"].tolist() == ["V1", "V4"]  # V2 after the tenure, V3 another county
    assert v["penalty_cny"].sum() == 255_000.0
    assert v.set_index("case_no").loc["V4", "kind_zh"] == "污染物排放超出管控要求"
    assert "zoning" not in {m.item for m in pack.missing}


def test_the_units_damage_cases_with_what_was_paid(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    d = pack.damage
    assert d["case_no"].tolist() == ["D1"]
    row = d.iloc[0]
    assert (row["total_cny"], row["paid_cny"]) == (1_000_000.0, 500_000.0)
    assert [s.kind for s in pack.sources].count("damage_case") == 1
    assert "damage" not in {m.item for m in pack.missing}


def test_a_unit_without_cases_is_noted_not_missing(engine: Engine) -> None:
    pack = departure_audit(engine, DEXING, *TENURE)
    assert pack.violations.empty and pack.damage.empty
    assert any(
        "the register holds 4 violation case(s), none of the unit" in en for _, en in pack.notes
    )
    assert not {"zoning", "damage"} & {m.item for m in pack.missing}


def test_the_document_and_workbook_show_the_cases(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    zh = build_audit_html(pack, "zh", report_date="2026-01-01")
    assert (
        "表 4 任期内发生的生态环境损害案件" in zh
        and "表 6 任期内发现的违反分区管控要求的案件" in zh
    )
    assert "生态保护红线内违规活动" in zh and "乐平市" in zh and "100.00" in zh and "50.00" in zh
    en = build_audit_html(pack, "en", report_date="2026-01-01")
    assert "Table 6. Zoning violations found in the tenure" in en and "discharge beyond" in en
    sheets = audit_sheets(pack, "en")
    assert sheets["Damage cases"]["Paid"].tolist() == [50.0]
    assert sheets["Zoning violations"]["Fine (10,000 CNY)"].tolist() == [20.0, 5.5]
