"""Stored zoning violations and damage cases: revisions kept, every write audited, a bad
batch writes nothing, migration 0016 up and down (issue 18 point 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

import ganpo.store.cases_models  # noqa: F401  (the tables in Base.metadata)
from ganpo.errors import InputError
from ganpo.store import schema
from ganpo.store.cases import (
    DamageRecord,
    PaymentRecord,
    ViolationRecord,
    add_payment,
    list_damage_cases,
    record_violations,
    save_damage_case,
    violations_in_force,
)
from ganpo.store.platform_models import PlatformAudit
from ganpo.store.repository import open_store

V = ViolationRecord(
    case_no="V1",
    county_adcode=360281,
    found_on=date(2023, 4, 2),
    kind="red_line",
    description="x",
    penalty_cny=0.0,
    status="open",
    source="y",
)
D = DamageRecord(
    case_no="D1", title="t", damage_date=date(2023, 5, 1), county_adcode=360281,
    counties=[{"county_adcode": 360281, "county_name": "乐平市", "area_m2": 1.0}], account_id=1,
    price_year=2022, area_m2=1.0, interim_cny=1.0, permanent_cny=2.0, total_cny=3.0,
    assessment={"a": 1},
)  # fmt: skip


def _audits(engine: object, entity: str) -> list[PlatformAudit]:
    with Session(engine) as s:  # type: ignore[call-overload]
        return list(s.scalars(select(PlatformAudit).where(PlatformAudit.entity == entity)))


def test_violations_keep_revisions_and_are_audited(store_url: str) -> None:
    engine = open_store(store_url)
    assert record_violations(engine, [V], recorded_by="a").added == ["V1"]
    closed = ViolationRecord(**(V.__dict__ | {"status": "closed", "closed_on": date(2023, 9, 1)}))
    assert record_violations(engine, [closed], recorded_by="b").revised == ["V1"]
    assert record_violations(engine, [closed]).unchanged == ["V1"]
    (v,) = violations_in_force(engine)
    assert (v.revision, v.status, v.recorded_by) == (2, "closed", "b")
    rows = _audits(engine, "zoning_violation")
    assert [r.entity_id for r in rows] == ["V1#1", "V1#2"]
    assert rows[1].before["status"] == "open" and rows[1].after["status"] == "closed"
    assert violations_in_force(engine, found_from=date(2023, 5, 1)) == []


def test_a_bad_batch_writes_nothing(store_url: str) -> None:
    engine = open_store(store_url)
    bad = ViolationRecord(**(V.__dict__ | {"case_no": "V2", "kind": "noise"}))
    with pytest.raises(InputError, match="kind 'noise' not one of"):
        record_violations(engine, [V, bad])
    with pytest.raises(InputError, match="given twice"):
        record_violations(engine, [V, V])
    assert violations_in_force(engine) == []


def test_damage_cases_once_with_their_payments(store_url: str) -> None:
    engine = open_store(store_url)
    cid = save_damage_case(engine, D, recorded_by="a")
    with pytest.raises(InputError, match="is stored already"):
        save_damage_case(engine, D)
    add_payment(engine, "D1", PaymentRecord(date(2023, 6, 1), 5.0, "compensation", "r"))
    with pytest.raises(InputError, match="payment kind 'gift'"):
        add_payment(engine, "D1", PaymentRecord(date(2023, 6, 1), 5.0, "gift", "r"))
    (case,) = list_damage_cases(engine, counties=[360281])
    assert case.id == cid and case.paid_cny == 5.0 and case.assessment == {"a": 1}
    assert list_damage_cases(engine, counties=[361130]) == []
    assert [r.action for r in _audits(engine, "damage_case")] == ["damage.record", "damage.payment"]


def test_downgrade_to_0015_drops_the_case_tables(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    names = {"zoning_violations", "damage_cases", "damage_payments"}
    schema.downgrade(engine, "0015")
    assert not names & set(inspect(engine).get_table_names())
    schema.upgrade(engine)
    assert names <= set(inspect(engine).get_table_names())
