"""The entity-rating tables on SQLite and PostgreSQL: records stored once, an appeal that
corrects a record (the old row kept), grades as versions, a rule changed under its version
refused, and nothing half-written when a batch holds a bad record."""

from __future__ import annotations

from datetime import date

import pytest

from ganpo.errors import InputError, StoreError
from ganpo.store import rating as store
from ganpo.store.repository import open_store

FIRM = "91360100MA35F0001F"


def _record(evidence: str = "DOC-1", amount: float | None = 12.0) -> store.NewRecord:
    return store.NewRecord(
        entity_id=FIRM,
        entity_kind="firm",
        entity_name="甲（合成）",
        indicator="env_penalty",
        department="ecology",
        occurred_on=date(2025, 3, 2),
        amount=amount,
        evidence_ref=evidence,
        source="test",
        origin="form",
        synthetic=True,
    )


def _grade(sha: str = "a" * 64, score: float = 69.0) -> store.NewGrade:
    return store.NewGrade(
        entity_id=FIRM,
        entity_kind="firm",
        entity_name="甲（合成）",
        as_of=date(2025, 12, 31),
        rule_name="ganpo-entity",
        rule_version="2026.1",
        rule_sha256=sha,
        grade="yellow",
        grade_zh="环保警示（黄牌）",
        grade_en="warning (yellow)",
        score=score,
        explanation=[{"kind": "base", "points": score}],
        evidence=[],
        reason="test",
        synthetic=True,
    )


def test_records_appeals_and_grades(store_url: str) -> None:
    engine = open_store(store_url)
    assert store.add_records(engine, [_record()], "eco") == (1, 0)
    assert store.add_records(engine, [_record()], "eco") == (0, 1)
    with pytest.raises(InputError, match="no evidence reference"):
        store.add_records(engine, [_record("DOC-2"), _record("  ")], "eco")
    assert len(store.records_of(engine, FIRM)) == 1  # the batch was refused whole
    (rec,) = store.records_of(engine, FIRM)
    aid = store.file_appeal(engine, rec["id"], "the fine was 8", "firm")
    out = store.decide_appeal(
        engine,
        aid,
        upheld=True,
        decision="checked",
        actor="office",
        correction=_record("DOC-1 amended", 8.0),
    )
    assert out["status"] == "upheld" and out["correction_id"] is not None
    assert [r["status"] for r in store.records_of(engine, FIRM, in_force=False)] == [
        "corrected",
        "in_force",
    ]
    assert store.save_grade(engine, _grade(), "office")["version"] == 1
    assert store.save_grade(engine, _grade(score=74.0), "office")["version"] == 2
    with pytest.raises(StoreError, match="was changed after grades were issued"):
        store.save_grade(engine, _grade("b" * 64), "office")
    assert [g["score"] for g in store.grades_of(engine, FIRM)] == [69.0, 74.0]
    assert [g["version"] for g in store.latest_grades(engine)] == [2]
    with pytest.raises(InputError, match="no grade version 3"):
        store.grade(engine, FIRM, 3)
