"""Storing the ecological credit evaluation of entities: records, appeals and grades
(tables in :mod:`ganpo.store.rating_models`). Every write is one transaction with its
audit row; nothing is edited away (a corrected record keeps its row, a grade is never
changed)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError
from ganpo.store.platform import audit, utcnow
from ganpo.store.rating_models import RatingAppeal, RatingGrade, RatingRecord


@dataclass(frozen=True)
class NewRecord:
    """A record to store; ``source_key`` makes storing it twice a no-op."""

    entity_id: str
    entity_kind: str
    entity_name: str
    indicator: str
    department: str
    occurred_on: date
    amount: float | None
    evidence_ref: str
    source: str
    origin: str
    synthetic: bool
    source_key: str = ""

    def key(self) -> str:
        if self.source_key:
            return self.source_key
        text = "|".join(
            str(x)
            for x in (
                self.origin,
                self.source,
                self.entity_id,
                self.indicator,
                self.occurred_on.isoformat(),
                self.amount,
                self.evidence_ref,
            )
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _record_dict(r: RatingRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "entity_id": r.entity_id,
        "entity_kind": r.entity_kind,
        "entity_name": r.entity_name,
        "indicator": r.indicator,
        "department": r.department,
        "date": r.occurred_on.isoformat(),
        "amount": r.amount,
        "evidence_ref": r.evidence_ref,
        "source": r.source,
        "origin": r.origin,
        "status": r.status,
        "replaces_id": r.replaces_id,
        "synthetic": r.synthetic,
    }


def _new_row(session: Session, new: NewRecord, actor: str, replaces: int | None) -> RatingRecord:
    row = RatingRecord(
        source_key=new.key(),
        entity_id=new.entity_id,
        entity_kind=new.entity_kind,
        entity_name=new.entity_name,
        indicator=new.indicator,
        department=new.department,
        occurred_on=new.occurred_on,
        amount=new.amount,
        evidence_ref=new.evidence_ref,
        source=new.source,
        origin=new.origin,
        status="in_force",
        replaces_id=replaces,
        synthetic=new.synthetic,
        recorded_at=utcnow(),
        recorded_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def add_records(engine: Engine, records: list[NewRecord], actor: str) -> tuple[int, int]:
    """Store the records not stored yet (one transaction, an audit row each); return
    (added, already stored)."""
    added = skipped = 0
    with Session(engine) as session, session.begin():
        for new in records:
            if not new.evidence_ref.strip():
                raise InputError(
                    en=f"record of {new.entity_id} ({new.indicator}) has no evidence reference; "
                    "no grade without its evidence",
                    zh="记录缺少证据文书编号",
                    field="evidence",
                    values=[new.entity_id],
                )
            if session.scalar(select(RatingRecord.id).where(RatingRecord.source_key == new.key())):
                skipped += 1
                continue
            row = _new_row(session, new, actor, None)
            audit(
                session,
                actor=actor,
                action="rating.record",
                entity="rating_record",
                entity_id=str(row.id),
                before=None,
                after=_record_dict(row),
            )
            added += 1
    return added, skipped


def records_of(engine: Engine, entity_id: str, *, in_force: bool = True) -> list[dict[str, Any]]:
    """The records of an entity (by default only those in force), oldest first."""
    q = select(RatingRecord).where(RatingRecord.entity_id == entity_id)
    if in_force:
        q = q.where(RatingRecord.status == "in_force")
    with Session(engine) as session:
        return [_record_dict(r) for r in session.scalars(q.order_by(RatingRecord.id))]


def record(engine: Engine, record_id: int) -> dict[str, Any]:
    """One record by id; an id not stored is an :class:`InputError`."""
    with Session(engine) as session:
        row = session.get(RatingRecord, record_id)
        if row is None:
            raise InputError(
                en=f"no rating record #{record_id}; list an entity's records with `ganpo apply "
                "rating list --entity ID`",
                zh=f"评价记录 #{record_id} 不存在",
                field="record",
                values=[record_id],
            )
        return _record_dict(row)


def entities(engine: Engine) -> list[dict[str, Any]]:
    """Every entity with a record: id, kind, name (of its newest record)."""
    with Session(engine) as session:
        rows = session.scalars(select(RatingRecord).order_by(RatingRecord.id)).all()
        out: dict[str, dict[str, Any]] = {}
        for r in rows:
            out[r.entity_id] = {
                "entity_id": r.entity_id,
                "entity_kind": r.entity_kind,
                "entity_name": r.entity_name,
                "synthetic": r.synthetic,
            }
        return list(out.values())


# --- appeals ---------------------------------------------------------------------------


def _appeal_dict(a: RatingAppeal) -> dict[str, Any]:
    return {
        "id": a.id,
        "record_id": a.record_id,
        "reason": a.reason,
        "filed_at": a.filed_at.isoformat(),
        "filed_by": a.filed_by,
        "status": a.status,
        "decision": a.decision,
        "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        "decided_by": a.decided_by,
        "correction_id": a.correction_id,
    }


def file_appeal(engine: Engine, record_id: int, reason: str, actor: str) -> int:
    """File an appeal against a record in force (audited); return its id."""
    if not reason.strip():
        raise InputError(en="an appeal needs its reason", zh="申诉须说明理由", field="reason")
    with Session(engine) as session, session.begin():
        row = session.get(RatingRecord, record_id)
        if row is None:
            raise InputError(
                en=f"no rating record #{record_id} to appeal; list an entity's records with "
                "`ganpo apply rating list --entity ID`",
                zh=f"申诉的记录 #{record_id} 不存在",
                field="record",
                values=[record_id],
            )
        if row.status != "in_force":
            raise InputError(
                en=f"record #{record_id} is {row.status}; appeal the record that replaced it",
                zh="该记录已更正或撤销",
                field="record",
                values=[record_id],
            )
        a = RatingAppeal(
            record_id=record_id, reason=reason, filed_at=utcnow(), filed_by=actor, status="open"
        )
        session.add(a)
        session.flush()
        audit(
            session,
            actor=actor,
            action="rating.appeal",
            entity="rating_appeal",
            entity_id=str(a.id),
            before=None,
            after=_appeal_dict(a),
        )
        return a.id


def decide_appeal(
    engine: Engine,
    appeal_id: int,
    *,
    upheld: bool,
    decision: str,
    actor: str,
    correction: NewRecord | None = None,
) -> dict[str, Any]:
    """Decide an open appeal (one transaction, audited). Upheld with a correction: the
    record becomes ``corrected`` and the correction a new record naming it; upheld
    without one: the record is ``withdrawn``. Rejected: the record stands."""
    if not decision.strip():
        raise InputError(
            en="a decision needs its reasons", zh="申诉决定须说明理由", field="decision"
        )
    if correction is not None and not upheld:
        raise InputError(en="a rejected appeal corrects nothing", zh="申诉不成立时不能更正记录")
    with Session(engine) as session, session.begin():
        a = session.get(RatingAppeal, appeal_id)
        if a is None:
            raise InputError(
                en=f"no appeal #{appeal_id}",
                zh=f"申诉 #{appeal_id} 不存在",
                field="appeal",
                values=[appeal_id],
            )
        if a.status != "open":
            raise InputError(
                en=f"appeal #{appeal_id} was decided already ({a.status})",
                zh="该申诉已处理",
                field="appeal",
                values=[appeal_id],
            )
        before = _appeal_dict(a)
        rec = session.get(RatingRecord, a.record_id)
        assert rec is not None
        rec_before = _record_dict(rec)
        if upheld:
            rec.status = "corrected" if correction is not None else "withdrawn"
            if correction is not None:
                if correction.entity_id != rec.entity_id:
                    raise InputError(
                        en="a correction must be about the same entity",
                        zh="更正记录须为同一主体",
                        field="entity_id",
                        values=[correction.entity_id],
                    )
                new = _new_row(session, correction, actor, rec.id)
                a.correction_id = new.id
                audit(
                    session,
                    actor=actor,
                    action="rating.record",
                    entity="rating_record",
                    entity_id=str(new.id),
                    before=None,
                    after=_record_dict(new),
                )
            audit(
                session,
                actor=actor,
                action=f"rating.record.{rec.status}",
                entity="rating_record",
                entity_id=str(rec.id),
                before=rec_before,
                after=_record_dict(rec),
            )
        a.status = "upheld" if upheld else "rejected"
        a.decision = decision
        a.decided_at = utcnow()
        a.decided_by = actor
        session.flush()
        audit(
            session,
            actor=actor,
            action="rating.appeal.decide",
            entity="rating_appeal",
            entity_id=str(a.id),
            before=before,
            after=_appeal_dict(a),
        )
        return {**_appeal_dict(a), "entity_id": rec.entity_id}


def appeal(engine: Engine, appeal_id: int) -> dict[str, Any]:
    """One appeal by id; an id not stored is an :class:`InputError`."""
    with Session(engine) as session:
        a = session.get(RatingAppeal, appeal_id)
        if a is None:
            raise InputError(
                en=f"no appeal #{appeal_id}",
                zh=f"申诉 #{appeal_id} 不存在",
                field="appeal",
                values=[appeal_id],
            )
        return _appeal_dict(a)


def appeals_of(engine: Engine, entity_id: str) -> list[dict[str, Any]]:
    """The appeals against an entity's records, oldest first."""
    with Session(engine) as session:
        rows = session.scalars(
            select(RatingAppeal)
            .join(RatingRecord, RatingRecord.id == RatingAppeal.record_id)
            .where(RatingRecord.entity_id == entity_id)
            .order_by(RatingAppeal.id)
        )
        return [_appeal_dict(a) for a in rows]


# --- grades ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NewGrade:
    entity_id: str
    entity_kind: str
    entity_name: str
    as_of: date
    rule_name: str
    rule_version: str
    rule_sha256: str
    grade: str
    grade_zh: str
    grade_en: str
    score: float | None
    explanation: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    reason: str
    synthetic: bool


def _grade_dict(g: RatingGrade) -> dict[str, Any]:
    return {
        "id": g.id,
        "entity_id": g.entity_id,
        "version": g.version,
        "entity_kind": g.entity_kind,
        "entity_name": g.entity_name,
        "as_of": g.as_of.isoformat(),
        "rule_name": g.rule_name,
        "rule_version": g.rule_version,
        "rule_sha256": g.rule_sha256,
        "grade": g.grade,
        "grade_zh": g.grade_zh,
        "grade_en": g.grade_en,
        "score": g.score,
        "explanation": g.explanation,
        "evidence": g.evidence,
        "reason": g.reason,
        "synthetic": g.synthetic,
        "issued_at": g.issued_at.isoformat(),
        "issued_by": g.issued_by,
    }


def save_grade(engine: Engine, new: NewGrade, actor: str) -> dict[str, Any]:
    """Store a grade as the entity's next version (audited). A rule whose content differs
    from the one earlier grades were issued with under the same name and version is
    refused: a changed rule needs a new version, and issued grades keep theirs."""
    with Session(engine) as session, session.begin():
        other = session.scalar(
            select(RatingGrade.rule_sha256).where(
                RatingGrade.rule_name == new.rule_name,
                RatingGrade.rule_version == new.rule_version,
                RatingGrade.rule_sha256 != new.rule_sha256,
            )
        )
        if other is not None:
            raise StoreError(
                en=f"rule {new.rule_name} version {new.rule_version} was changed after grades "
                "were issued with it; give the changed rule a new version (issued grades "
                "keep theirs)",
                zh=f"评价规则 {new.rule_name} {new.rule_version} 在已发布评级后被修改，"
                "请为修改后的规则设定新版本号",
            )
        last = session.scalar(
            select(func.max(RatingGrade.version)).where(RatingGrade.entity_id == new.entity_id)
        )
        g = RatingGrade(
            version=(last or 0) + 1,
            issued_at=utcnow(),
            issued_by=actor,
            **new.__dict__,
        )
        session.add(g)
        session.flush()
        out = _grade_dict(g)
        audit(
            session,
            actor=actor,
            action="rating.grade",
            entity="rating_grade",
            entity_id=f"{g.entity_id}/v{g.version}",
            before=None,
            after={k: v for k, v in out.items() if k not in ("explanation", "evidence")},
        )
        return out


def grades_of(engine: Engine, entity_id: str) -> list[dict[str, Any]]:
    """Every grade of an entity, oldest version first."""
    with Session(engine) as session:
        rows = session.scalars(
            select(RatingGrade)
            .where(RatingGrade.entity_id == entity_id)
            .order_by(RatingGrade.version)
        )
        return [_grade_dict(g) for g in rows]


def latest_grades(engine: Engine) -> list[dict[str, Any]]:
    """The newest grade of every graded entity."""
    with Session(engine) as session:
        newest = (
            select(RatingGrade.entity_id, func.max(RatingGrade.version).label("v"))
            .group_by(RatingGrade.entity_id)
            .subquery()
        )
        rows = session.scalars(
            select(RatingGrade)
            .join(
                newest,
                (newest.c.entity_id == RatingGrade.entity_id) & (newest.c.v == RatingGrade.version),
            )
            .order_by(RatingGrade.entity_id)
        )
        return [_grade_dict(g) for g in rows]


def grade(engine: Engine, entity_id: str, version: int | None = None) -> dict[str, Any]:
    """One grade of an entity (default: its newest)."""
    found = grades_of(engine, entity_id)
    if not found:
        raise InputError(
            en=f"entity {entity_id} has no grade; grade it with `ganpo apply rating grade`",
            zh="该主体尚无评级",
            field="entity",
            values=[entity_id],
        )
    if version is None:
        return found[-1]
    for g in found:
        if g["version"] == version:
            return g
    raise InputError(
        en=f"entity {entity_id} has no grade version {version}; it has "
        f"{', '.join(str(g['version']) for g in found)}",
        zh="无此评级版本",
        field="version",
        values=[version],
    )


def issued_at(g: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(g["issued_at"]))


# --- facts of other stores -------------------------------------------------------------


@dataclass(frozen=True)
class Issuance:
    """Carbon-inclusive credits issued to a participant (one ledger entry)."""

    entry_id: int
    at: datetime
    quantity_kg: int
    methodology: str
    vintage: int


def inclusive_issuances(engine: Engine, pseudonym: str) -> list[Issuance]:
    """The issuances of the carbon-inclusive registry to the participant with this
    pseudonym (none when it is not registered)."""
    from ganpo.store.inclusive_models import (
        InclusiveBlock,
        InclusiveLedgerEntry,
        InclusiveMethodology,
        InclusiveParticipant,
    )

    L, B, M = InclusiveLedgerEntry, InclusiveBlock, InclusiveMethodology
    with Session(engine) as session:
        pid = session.scalar(
            select(InclusiveParticipant.id).where(InclusiveParticipant.pseudonym == pseudonym)
        )
        if pid is None:
            return []
        rows = session.execute(
            select(L.id, L.at, L.quantity, M.code, B.vintage)
            .join(B, B.id == L.block_id)
            .join(M, M.id == B.methodology_id)
            .where(L.kind == "issuance", L.to_participant == pid)
            .order_by(L.id)
        ).all()
    return [Issuance(int(r[0]), r[1], int(r[2]), str(r[3]), int(r[4])) for r in rows]
