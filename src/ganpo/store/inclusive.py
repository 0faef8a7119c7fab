"""The carbon-inclusive registry's store (碳普惠): methodology versions, participants,
submissions and their review, issuance into serial-numbered credit blocks, and the
append-only ledger of issuance, transfer, redemption and retirement.

Every function is one transaction: what it checks and what it writes cannot be changed
by a concurrent call in between. A change of holding locks the row of the participant
whose credits move (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write lock, ``BEGIN
IMMEDIATE``): only that participant's own entries can move its credits, so every change of
a serial is serialised with every other change of it. Balances are never stored: they are
replayed from the ledger (:mod:`ganpo.store.inclusive_ledger`). Every ledger entry, every
submission and every review writes its row of the platform's audit log in the same
transaction (:func:`ganpo.store.platform.audit`), whoever calls it (web or CLI).

The store does not import :mod:`ganpo.carbon` (a higher layer); the registry's domain
rules (methodologies, evidence, reductions) are in :mod:`ganpo.carbon.inclusive`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError
from ganpo.store.inclusive_ledger import Entry, Holdings, replay, take
from ganpo.store.inclusive_models import (
    EXCLUSION_KINDS,
    PARTICIPANT_KINDS,
    InclusiveBlock,
    InclusiveEvidence,
    InclusiveExclusion,
    InclusiveLedgerEntry,
    InclusiveMethodology,
    InclusiveParticipant,
    InclusiveSinkParcel,
    InclusiveSinkProject,
    InclusiveSubmission,
)
from ganpo.store.lifecycle import write_lock
from ganpo.store.platform import audit

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: the PostgreSQL advisory lock that serialises issuances (the next serials)
ISSUANCE_LOCK = 160017
#: the largest serial number: serial numbers are written with 12 digits
MAX_SERIAL = 10**12 - 1


def _now() -> datetime:
    return datetime.now(UTC)


def content_digest(content: dict[str, Any]) -> str:
    """The SHA-256 of a methodology's content in canonical JSON (sorted keys)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ methodologies


def record_methodology(engine: Engine, code: str, version: int, content: dict[str, Any]) -> int:
    """The id of methodology ``code`` version ``version``, recorded the first time it is
    used. The same version with other content is refused: issued credits keep the version
    they were issued under, so a change must be published as a new version."""
    digest = content_digest(content)
    with Session(engine) as session, session.begin():
        write_lock(session)
        row = session.scalars(
            select(InclusiveMethodology).where(
                InclusiveMethodology.code == code, InclusiveMethodology.version == version
            )
        ).one_or_none()
        if row is None:
            row = InclusiveMethodology(
                code=code, version=version, digest=digest, content=content, recorded_at=_now()
            )
            session.add(row)
            session.flush()
            return row.id
        if row.digest != digest:
            issued = session.scalar(
                select(
                    func.sum(InclusiveBlock.last_serial - InclusiveBlock.first_serial + 1)
                ).where(InclusiveBlock.methodology_id == row.id)
            )
            raise InputError(
                en=f"methodology {code} version {version} differs from the version {version} the "
                f"registry recorded on {row.recorded_at:%Y-%m-%d} ({int(issued or 0)} credits "
                "issued under it keep that version): publish the change as version "
                f"{version + 1}",
                zh=f"方法学 {code} 第 {version} 版的内容与登记时不同（已按该版签发 "
                f"{int(issued or 0)} 个减排量，保持原版本）：请将修改发布为第 {version + 1} 版",
                field="version",
                values=[code, version],
            )
        return row.id


def methodology_versions(engine: Engine) -> list[InclusiveMethodology]:
    """Every methodology version the registry has used, by code and version."""
    with Session(engine) as session:
        rows = list(
            session.scalars(
                select(InclusiveMethodology).order_by(
                    InclusiveMethodology.code, InclusiveMethodology.version
                )
            )
        )
        session.expunge_all()
        return rows


# ------------------------------------------------------------------ participants


def register_participant(
    engine: Engine,
    pseudonym: str,
    kind: str,
    region_adcode: int,
    consent_scope: str,
    consent_at: datetime | None = None,
    registered_by: str = "ganpo",
) -> int:
    """Register a participant by its pseudonym (64 lowercase hex digits, a keyed hash of
    its identity: the registry never stores a name or an ID number) and return its id."""
    if not _HEX64.match(pseudonym):
        raise InputError(
            en="a participant is registered by a pseudonym of 64 hexadecimal digits (a keyed "
            "hash of the identity), never by a name or an ID number",
            zh="参与者须以假名（身份的带密钥哈希，64 位十六进制）登记，不得使用姓名或身份证号",
            field="pseudonym",
        )
    if kind not in PARTICIPANT_KINDS:
        raise InputError(
            en=f"participant kind {kind!r} is not one of {', '.join(PARTICIPANT_KINDS)}",
            zh=f"参与者类型须为 {'、'.join(PARTICIPANT_KINDS.values())}",
            field="kind",
            values=[kind],
        )
    if not 100000 <= int(region_adcode) <= 999999:
        raise InputError(
            en=f"region code {region_adcode} is not a six-digit administrative code",
            zh=f"区划代码 {region_adcode} 不是六位行政区划代码",
            field="region",
            values=[region_adcode],
        )
    if not consent_scope.strip():
        raise InputError(
            en="a participant needs its consent's scope (what data, for what use)",
            zh="须说明参与者同意的范围（哪些数据、用于何处）",
            field="consent_scope",
        )
    with Session(engine) as session, session.begin():
        if session.scalar(
            select(InclusiveParticipant.id).where(InclusiveParticipant.pseudonym == pseudonym)
        ):
            raise InputError(
                en="this participant is already registered", zh="该参与者已登记", field="pseudonym"
            )
        row = InclusiveParticipant(
            pseudonym=pseudonym,
            kind=kind,
            region_adcode=int(region_adcode),
            consent_at=consent_at or _now(),
            consent_scope=consent_scope,
            withdrawn_at=None,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor=registered_by,
            action="inclusive.participant",
            entity="inclusive_participant",
            entity_id=str(row.id),
            before=None,
            after={"kind": kind, "region": int(region_adcode), "consent_scope": consent_scope},
        )
        return row.id


def _participant(session: Session, pid: int, lock: bool = False) -> InclusiveParticipant:
    stmt = select(InclusiveParticipant).where(InclusiveParticipant.id == pid)
    row = session.scalars(stmt.with_for_update() if lock else stmt).one_or_none()
    if row is None:
        raise InputError(
            en=f"no participant {pid} in the registry",
            zh=f"碳普惠登记簿中没有参与者 {pid}",
            field="participant",
            values=[pid],
        )
    return row


def participant(engine: Engine, participant_id: int) -> InclusiveParticipant:
    """A participant's record (pseudonym, kind, region, consent)."""
    with Session(engine) as session:
        row = _participant(session, participant_id)
        session.expunge(row)
        return row


def withdraw_consent(engine: Engine, participant_id: int, by_user: str = "ganpo") -> None:
    """Record that a participant withdrew its consent: it can submit nothing more; the
    credits already issued stay in the ledger (which holds no personal data)."""
    with Session(engine) as session, session.begin():
        write_lock(session)
        row = _participant(session, participant_id, lock=True)
        if row.withdrawn_at is None:
            row.withdrawn_at = _now()
            audit(
                session,
                actor=by_user,
                action="inclusive.withdraw",
                entity="inclusive_participant",
                entity_id=str(participant_id),
                before={"withdrawn_at": None},
                after={"withdrawn_at": row.withdrawn_at.isoformat()},
            )


def participants(engine: Engine) -> list[InclusiveParticipant]:
    with Session(engine) as session:
        rows = list(session.scalars(select(InclusiveParticipant).order_by(InclusiveParticipant.id)))
        session.expunge_all()
        return rows


# ------------------------------------------------------------------ exclusions


def add_exclusion(
    engine: Engine,
    asset_id: str,
    kind: str,
    reference: str,
    period_start: date | None = None,
    period_end: date | None = None,
    added_by: str = "ganpo",
) -> int:
    """Record that ``asset_id`` may not be claimed (a CCER project's asset, an asset
    counted in an inventory's sink) over a period (open ends: always)."""
    if kind not in EXCLUSION_KINDS:
        raise InputError(
            en=f"exclusion kind {kind!r} is not one of {', '.join(EXCLUSION_KINDS)}",
            zh=f"排除类型须为 {'、'.join(z for z, _ in EXCLUSION_KINDS.values())}",
            field="kind",
            values=[kind],
        )
    if period_start and period_end and period_end < period_start:
        raise InputError(
            en=f"the exclusion of {asset_id} ends ({period_end}) before it starts ({period_start})",
            zh="排除期间的结束日期早于开始日期",
            field="period",
            values=[str(period_start), str(period_end)],
        )
    with Session(engine) as session, session.begin():
        row = InclusiveExclusion(
            asset_id=asset_id,
            kind=kind,
            reference=reference,
            period_start=period_start,
            period_end=period_end,
        )
        session.add(row)
        session.flush()
        audit(
            session,
            actor=added_by,
            action="inclusive.exclude",
            entity="inclusive_exclusion",
            entity_id=str(row.id),
            before=None,
            after={"asset": asset_id, "kind": kind, "reference": reference},
        )
        return row.id


# ------------------------------------------------------------------ submissions


@dataclass(frozen=True)
class Evidence:
    """An evidence item: the methodology's item it answers, a file name, its SHA-256."""

    item: str
    name: str
    sha256: str


def submit(
    engine: Engine,
    *,
    participant_id: int,
    methodology_id: int,
    asset_id: str,
    period_start: date,
    period_end: date,
    quantity: float,
    unit: str,
    reduction_kg: int,
    evidence: Sequence[Evidence],
    submitted_by: str,
    crediting_period_years: int,
) -> int:
    """Store a submission with its evidence and return its id, after the checks that
    need the registry: the participant's consent, and the double-counting guard (the
    asset in a CCER project or an inventory sink; the same asset already claimed for an
    overlapping period, under any methodology, by anyone) and the crediting period (counted
    from the start of the asset's first claim under the same methodology code)."""
    for ev in evidence:
        if not _HEX64.match(ev.sha256):
            raise InputError(
                en=f"evidence {ev.name!r}: {ev.sha256!r} is not a SHA-256 (64 hexadecimal digits)",
                zh=f"证据 {ev.name!r} 的校验值不是 SHA-256",
                field="sha256",
                values=[ev.name],
            )
    with Session(engine) as session, session.begin():
        write_lock(session)
        who = _participant(session, participant_id, lock=True)
        if who.withdrawn_at is not None:
            raise InputError(
                en=f"participant {participant_id} withdrew its consent on "
                f"{who.withdrawn_at:%Y-%m-%d}: it can submit nothing more",
                zh=f"参与者 {participant_id} 已于 {who.withdrawn_at:%Y-%m-%d} 撤回同意，不能再提交",
                field="participant",
                values=[participant_id],
            )
        X = InclusiveExclusion
        excluded = session.scalars(
            select(X).where(
                X.asset_id == asset_id,
                or_(X.period_start.is_(None), X.period_start <= period_end),
                or_(X.period_end.is_(None), X.period_end >= period_start),
            )
        ).first()
        if excluded is not None:
            zh, en = EXCLUSION_KINDS[excluded.kind]
            raise InputError(
                en=f"asset {asset_id} is {en} ({excluded.reference}): its reductions are counted "
                "there and cannot be claimed again (double counting)",
                zh=f"资产 {asset_id} {zh}（{excluded.reference}），其减排量已在该处计算，"
                "不得重复申报",
                field="asset_id",
                values=[asset_id],
            )
        SP, SJ = InclusiveSinkParcel, InclusiveSinkProject
        in_sink = session.execute(
            select(SJ.code, SP.vintage)
            .join(SJ, SJ.id == SP.project_id)
            .where(
                SP.parcel_code == asset_id,
                SP.vintage >= period_start.year,
                SP.vintage <= period_end.year,
            )
        ).first()
        if in_sink is not None:
            raise InputError(
                en=f"asset {asset_id} is a parcel of sink project {in_sink.code} for "
                f"{in_sink.vintage}: its sequestration is credited there and cannot be "
                "claimed again (double counting)",
                zh=f"资产 {asset_id} 已属碳汇项目 {in_sink.code}（{in_sink.vintage} 年），"
                "不得重复申报",
                field="asset_id",
                values=[asset_id, in_sink.code],
            )
        S, M = InclusiveSubmission, InclusiveMethodology
        earlier = session.execute(
            select(S.id, S.period_start, S.period_end, M.code, M.version)
            .join(M, M.id == S.methodology_id)
            .where(
                S.asset_id == asset_id,
                S.status != "rejected",
                S.period_start <= period_end,
                S.period_end >= period_start,
            )
        ).first()
        if earlier is not None:
            raise InputError(
                en=f"asset {asset_id} is already claimed for "
                f"{earlier.period_start}–{earlier.period_end} under methodology "
                f"{earlier.code} v{earlier.version} (submission {earlier.id}); the period "
                f"{period_start}–{period_end} overlaps it (double counting)",
                zh=f"资产 {asset_id} 已在提交 {earlier.id}（方法学 {earlier.code} 第 "
                f"{earlier.version} 版，{earlier.period_start}至{earlier.period_end}）中申报，"
                "本次期间与之重叠，不得重复申报",
                field="period",
                values=[asset_id, earlier.id],
            )
        code = session.scalar(select(M.code).where(M.id == methodology_id))
        began = session.scalar(
            select(func.min(S.period_start))
            .join(M, M.id == S.methodology_id)
            .where(S.asset_id == asset_id, S.status != "rejected", M.code == code)
        )
        if began is not None:
            try:
                ends = began.replace(year=began.year + crediting_period_years)
            except ValueError:  # 29 February, or beyond the year 9999
                ends = (
                    began.replace(year=began.year + crediting_period_years, day=28)
                    if began.year + crediting_period_years <= date.max.year
                    else date.max
                )
            if period_end >= ends:
                raise InputError(
                    en=f"asset {asset_id} was first claimed from {began} under methodology "
                    f"{code}: its crediting period of {crediting_period_years} years ends "
                    f"before {ends}, and the period claimed ends on {period_end}",
                    zh=f"资产 {asset_id} 自 {began} 起计入期 {crediting_period_years} 年，于 "
                    f"{ends} 前结束，本次申报超出计入期",
                    field="period",
                    values=[asset_id, str(period_end)],
                )
        row = write_claim(
            session,
            participant_id=participant_id,
            methodology_id=methodology_id,
            asset_id=asset_id,
            period_start=period_start,
            period_end=period_end,
            quantity=quantity,
            unit=unit,
            reduction_kg=reduction_kg,
            evidence=evidence,
            submitted_by=submitted_by,
            submitted_at=_now(),
        )
        audit(
            session,
            actor=submitted_by,
            action="inclusive.submit",
            entity="inclusive_submission",
            entity_id=str(row.id),
            before=None,
            after={
                "participant": participant_id,
                "methodology_id": methodology_id,
                "asset": asset_id,
                "reduction_kg": int(reduction_kg),
                "evidence": {e.item: e.sha256 for e in evidence},
            },
        )
        return row.id


def write_claim(
    session: Session,
    *,
    participant_id: int,
    methodology_id: int,
    asset_id: str,
    period_start: date,
    period_end: date,
    quantity: float,
    unit: str,
    reduction_kg: int,
    evidence: Sequence[Evidence],
    submitted_by: str,
    submitted_at: datetime,
    verified: tuple[str, str] | None = None,
) -> InclusiveSubmission:
    """Inside the caller's transaction, after its checks: the claim (a submission row)
    and its evidence rows. ``verified`` (verifier, reason): the claim is stored approved,
    reviewed at ``submitted_at`` (a sink issuance, verified before it is made); otherwise
    it is stored submitted, to be reviewed."""
    row = InclusiveSubmission(
        participant_id=participant_id,
        methodology_id=methodology_id,
        asset_id=asset_id,
        period_start=period_start,
        period_end=period_end,
        quantity=float(quantity),
        unit=unit,
        reduction_kg=int(reduction_kg),
        status="submitted" if verified is None else "approved",
        submitted_by=submitted_by,
        submitted_at=submitted_at,
    )
    if verified is not None:
        row.reviewed_by, row.review_reason = verified
        row.reviewed_at = submitted_at
    session.add(row)
    session.flush()
    session.add_all(
        InclusiveEvidence(submission_id=row.id, item=e.item, name=e.name, sha256=e.sha256)
        for e in evidence
    )
    session.flush()
    return row


def _submission(session: Session, sid: int) -> InclusiveSubmission:
    row = session.scalars(
        select(InclusiveSubmission).where(InclusiveSubmission.id == sid).with_for_update()
    ).one_or_none()
    if row is None:
        raise InputError(
            en=f"no submission {sid} in the registry",
            zh=f"碳普惠登记簿中没有提交 {sid}",
            field="submission",
            values=[sid],
        )
    return row


def review(engine: Engine, submission_id: int, reviewer: str, approve: bool, reason: str) -> None:
    """Approve or reject a submitted claim, by a user other than its submitter, with a
    reason."""
    if not reason.strip():
        raise InputError(en="a review needs its reason", zh="审核须说明理由", field="reason")
    with Session(engine) as session, session.begin():
        write_lock(session)
        row = _submission(session, submission_id)
        if row.status != "submitted":
            raise InputError(
                en=f"submission {submission_id} is {row.status}, not awaiting review",
                zh=f"提交 {submission_id} 不在待审核状态",
                field="submission",
                values=[submission_id],
            )
        if reviewer == row.submitted_by:
            raise InputError(
                en=f"{reviewer} submitted {submission_id} and cannot review it: another user must",
                zh=f"{reviewer} 是提交 {submission_id} 的提交人，须由他人审核",
                field="reviewer",
                values=[reviewer],
            )
        row.status = "approved" if approve else "rejected"
        row.reviewed_by, row.reviewed_at, row.review_reason = reviewer, _now(), reason
        audit(
            session,
            actor=reviewer,
            action=f"inclusive.review.{row.status}",
            entity="inclusive_submission",
            entity_id=str(submission_id),
            before={"status": "submitted"},
            after={"status": row.status, "reason": reason},
        )


def submissions(engine: Engine, status: str | None = None) -> list[InclusiveSubmission]:
    with Session(engine) as session:
        stmt = select(InclusiveSubmission).order_by(InclusiveSubmission.id)
        if status:
            stmt = stmt.where(InclusiveSubmission.status == status)
        rows = list(session.scalars(stmt))
        session.expunge_all()
        return rows


def evidence_of(engine: Engine, submission_id: int) -> list[InclusiveEvidence]:
    with Session(engine) as session:
        rows = list(
            session.scalars(
                select(InclusiveEvidence)
                .where(InclusiveEvidence.submission_id == submission_id)
                .order_by(InclusiveEvidence.item)
            )
        )
        session.expunge_all()
        return rows


# ------------------------------------------------------------------ issuance and ledger


def issue(
    engine: Engine, submission_id: int, by_user: str, vintage: int | None = None
) -> InclusiveBlock:
    """Issue the credits of an approved submission (one per whole kilogram of CO2e) as a
    block of the next serials, to its participant; the submission becomes ``issued``. The
    vintage defaults to the year the claimed period ends."""
    try:
        with Session(engine) as session, session.begin():
            write_lock(session)
            sub = _submission(session, submission_id)
            if sub.status != "approved":
                raise InputError(
                    en=f"submission {submission_id} is {sub.status}: only an approved submission "
                    "is issued",
                    zh=f"提交 {submission_id} 未通过审核或已签发，不能签发",
                    field="submission",
                    values=[submission_id],
                )
            if sub.reduction_kg < 1:
                raise InputError(
                    en=f"submission {submission_id} reduces {sub.reduction_kg} kg CO2e: less "
                    "than one credit (1 kg)",
                    zh=f"提交 {submission_id} 的减排量不足一个单位（1 kgCO2e）",
                    field="reduction",
                    values=[submission_id],
                )
            who = _participant(session, sub.participant_id)
            block = issue_block(
                session,
                sub,
                region_adcode=who.region_adcode,
                vintage=vintage if vintage is not None else sub.period_end.year,
                by_user=by_user,
            )
            session.expunge(block)
            return block
    except IntegrityError as exc:  # not expected under the lock; said plainly if it happens
        raise StoreError(
            en=f"submission {submission_id} was not issued: another issuance took the same "
            "serials at the same moment; try again",
            zh="签发冲突，请重试",
        ) from exc


def issue_block(
    session: Session, sub: InclusiveSubmission, *, region_adcode: int, vintage: int, by_user: str
) -> InclusiveBlock:
    """Inside the caller's transaction: the block of the next serials for ``sub``'s
    ``reduction_kg`` credits, its issuance entry to ``sub``'s participant with its audit
    row; ``sub`` becomes ``issued``. One issuance at a time takes the next serials (the
    advisory lock on PostgreSQL, SQLite's write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ISSUANCE_LOCK})
    first = int(session.scalar(select(func.max(InclusiveBlock.last_serial))) or 0) + 1
    block = InclusiveBlock(
        submission_id=sub.id,
        methodology_id=sub.methodology_id,
        vintage=vintage,
        region_adcode=region_adcode,
        first_serial=first,
        last_serial=first + sub.reduction_kg - 1,
    )
    session.add(block)
    session.flush()
    entry = InclusiveLedgerEntry(
        kind="issuance",
        block_id=block.id,
        first_serial=block.first_serial,
        last_serial=block.last_serial,
        quantity=sub.reduction_kg,
        from_participant=None,
        to_participant=sub.participant_id,
        purpose="",
        at=_now(),
        by_user=by_user,
    )
    session.add(entry)
    sub.status = "issued"
    session.flush()
    _audit_entry(session, entry)
    return block


def _holdings_of(session: Session, participant_id: int) -> Holdings:
    """The replay of every entry that involves ``participant_id`` (only its own entries
    move its credits, so these give its holdings exactly)."""
    L = InclusiveLedgerEntry
    rows = session.execute(
        select(L.kind, L.first_serial, L.last_serial, L.from_participant, L.to_participant)
        .where(or_(L.from_participant == participant_id, L.to_participant == participant_id))
        .order_by(L.id)
    ).all()
    return replay((Entry(*r) for r in rows), focus=participant_id)


def _blocks_over(session: Session, first: int, last: int) -> list[InclusiveBlock]:
    B = InclusiveBlock
    return list(
        session.scalars(
            select(B)
            .where(and_(B.first_serial <= last, B.last_serial >= first))
            .order_by(B.first_serial)
        )
    )


def _write_moves(
    session: Session,
    kind: str,
    ranges: list[tuple[int, int]],
    from_id: int,
    to_id: int | None,
    purpose: str,
    by_user: str,
) -> list[InclusiveLedgerEntry]:
    """The ledger entries of ``ranges``, one per block they cross."""
    at = _now()
    written = []
    for first, last in ranges:
        for b in _blocks_over(session, first, last):
            lo, hi = max(first, b.first_serial), min(last, b.last_serial)
            e = InclusiveLedgerEntry(
                kind=kind,
                block_id=b.id,
                first_serial=lo,
                last_serial=hi,
                quantity=hi - lo + 1,
                from_participant=from_id,
                to_participant=to_id,
                purpose=purpose,
                at=at,
                by_user=by_user,
            )
            session.add(e)
            written.append(e)
    session.flush()
    for e in written:
        _audit_entry(session, e)
        session.expunge(e)
    return written


def _audit_entry(session: Session, e: InclusiveLedgerEntry) -> None:
    """The audit row of a ledger entry, in the transaction that writes it."""
    audit(
        session,
        actor=e.by_user,
        action=f"inclusive.{e.kind}",
        entity="inclusive_ledger",
        entity_id=str(e.id),
        before=None,
        after={
            "kind": e.kind,
            "block": e.block_id,
            "first_serial": e.first_serial,
            "last_serial": e.last_serial,
            "quantity": e.quantity,
            "from_participant": e.from_participant,
            "to_participant": e.to_participant,
            "purpose": e.purpose,
        },
    )


def _move(
    engine: Engine,
    kind: str,
    from_id: int,
    to_id: int | None,
    by_user: str,
    purpose: str,
    quantity: int | None,
    serials: tuple[int, int] | None,
) -> list[InclusiveLedgerEntry]:
    what_en = {"transfer": "transfer", "retirement": "retire", "redemption": "redeem"}[kind]
    what_zh = {"transfer": "转让", "retirement": "注销", "redemption": "兑换"}[kind]
    with Session(engine) as session, session.begin():
        write_lock(session)
        _participant(session, from_id, lock=True)  # serialises every move of its credits
        if to_id is not None:
            _participant(session, to_id)
            if to_id == from_id:
                raise InputError(
                    en=f"participant {from_id} cannot transfer credits to itself",
                    zh="不能转让给自己",
                    field="to",
                    values=[to_id],
                )
        held = _holdings_of(session, from_id)
        balance = held.balance(from_id)
        if serials is not None:
            first, last = serials
            if last < first or first < 1 or last > MAX_SERIAL:
                raise InputError(
                    en=f"serials {first}–{last} are not a range (the first ≥ 1 and ≤ the last, "
                    f"the last at most {MAX_SERIAL}: a serial has 12 digits)",
                    zh=f"序号范围 {first}–{last} 无效（须从 1 起、不超过 12 位数）",
                    field="serials",
                    values=[first, last],
                )
            runs = held.runs_in(first, last)
            mine = sum(r.quantity for r in runs if r.state == "held" and r.participant == from_id)
            if mine != last - first + 1:
                L = InclusiveLedgerEntry
                gone = session.execute(
                    select(L.kind, L.at, L.first_serial, L.last_serial)
                    .where(
                        L.kind.in_(["retirement", "redemption"]),
                        L.first_serial <= last,
                        L.last_serial >= first,
                    )
                    .order_by(L.id)
                ).first()
                if gone is not None:
                    raise InputError(
                        en=f"serials {gone.first_serial}–{gone.last_serial} were already "
                        f"{'retired' if gone.kind == 'retirement' else 'redeemed'} on "
                        f"{gone.at:%Y-%m-%d}: credits are {what_en}d once only",
                        zh=f"序号 {gone.first_serial}–{gone.last_serial} 已于 {gone.at:%Y-%m-%d} "
                        f"{'注销' if gone.kind == 'retirement' else '兑换'}，不能再{what_zh}",
                        field="serials",
                        values=[first, last],
                    )
                raise InputError(
                    en=f"participant {from_id} holds {mine} of the {last - first + 1} credits "
                    f"{first}–{last} and cannot {what_en} them",
                    zh=f"参与者 {from_id} 只持有序号 {first}–{last} 中的 {mine} 个，不能{what_zh}",
                    field="serials",
                    values=[from_id, first, last],
                )
            ranges = [(first, last)]
        else:
            if quantity is None or int(quantity) < 1:
                raise InputError(
                    en=f"the quantity to {what_en} must be a whole number ≥ 1, not {quantity}",
                    zh=f"{what_zh}数量须为不小于 1 的整数",
                    field="quantity",
                    values=[quantity],
                )
            if quantity > balance:
                raise InputError(
                    en=f"participant {from_id} holds {balance} credits and cannot {what_en} "
                    f"{quantity}",
                    zh=f"参与者 {from_id} 持有 {balance} 个减排量，不能{what_zh} {quantity} 个",
                    field="quantity",
                    values=[from_id, balance, quantity],
                )
            ranges = take(held.held_by(from_id), int(quantity))
        return _write_moves(session, kind, ranges, from_id, to_id, purpose, by_user)


def transfer(
    engine: Engine, from_id: int, to_id: int, quantity: int, by_user: str
) -> list[InclusiveLedgerEntry]:
    """Transfer ``quantity`` credits (the sender's lowest serials) to another participant."""
    return _move(engine, "transfer", from_id, to_id, by_user, "", quantity, None)


def retire(
    engine: Engine,
    participant_id: int,
    by_user: str,
    purpose: str,
    *,
    quantity: int | None = None,
    serials: tuple[int, int] | None = None,
) -> list[InclusiveLedgerEntry]:
    """Retire credits the participant holds (given serials, or its lowest ``quantity``)
    against its own emissions, for ``purpose``; a retired credit never moves again."""
    if not purpose.strip():
        raise InputError(en="a retirement needs its purpose", zh="注销须说明用途", field="purpose")
    return _move(engine, "retirement", participant_id, None, by_user, purpose, quantity, serials)


def redeem(
    engine: Engine, participant_id: int, quantity: int, by_user: str, purpose: str
) -> list[InclusiveLedgerEntry]:
    """Redeem credits for a benefit (a platform's reward): they leave circulation, as a
    retirement does, but offset nobody's emissions."""
    return _move(engine, "redemption", participant_id, None, by_user, purpose, quantity, None)


@dataclass(frozen=True)
class LedgerRow:
    """A ledger entry with its block's methodology, version, vintage and region."""

    id: int
    kind: str
    first_serial: int
    last_serial: int
    quantity: int
    from_participant: int | None
    to_participant: int | None
    purpose: str
    at: datetime
    by_user: str
    methodology: str
    version: int
    vintage: int
    region_adcode: int


def ledger(engine: Engine) -> list[LedgerRow]:
    """Every ledger entry, in order, with its block's methodology version."""
    L, B, M = InclusiveLedgerEntry, InclusiveBlock, InclusiveMethodology
    with Session(engine) as session:
        rows = session.execute(
            select(
                L.id, L.kind, L.first_serial, L.last_serial, L.quantity, L.from_participant,
                L.to_participant, L.purpose, L.at, L.by_user, M.code.label("methodology"),
                M.version, B.vintage,
                B.region_adcode,
            )
            .join(B, B.id == L.block_id)
            .join(M, M.id == B.methodology_id)
            .order_by(L.id)
        ).all()  # fmt: skip
    return [LedgerRow(**r._mapping) for r in rows]


def holdings(engine: Engine) -> Holdings:
    """The replay of the whole ledger."""
    return replay(
        Entry(r.kind, r.first_serial, r.last_serial, r.from_participant, r.to_participant)
        for r in ledger(engine)
    )


def balance(engine: Engine, participant_id: int) -> int:
    """The credits a participant holds now (replayed from the ledger)."""
    with Session(engine) as session:
        _participant(session, participant_id)
        return _holdings_of(session, participant_id).balance(participant_id)
