"""Submissions of the statistical reporting workflow: versions, state changes, audit.

The state machine lives here, next to the rows it guards, so that the check of the
current state and the change are one transaction (two reviewers pressing "approve" at
once cannot both succeed). Every change writes its audit row (before/after) through
:func:`ganpo.store.platform.audit` in that same transaction. Who may do what (roles,
departments) is decided by :mod:`ganpo.submissions.workflow` before calling here.

States of a submission (the state of its current version)::

    (none) --upload--> draft --submit--> submitted --approve--> approved
                 draft --upload--> draft (new version; the old one is kept, superseded)
                            submitted --return(comment)--> returned --upload--> draft (new version)
                                           approved --return(comment)--> returned (office reopens)
    (none) --adopt_base--> approved (the office adopts the base dataset's file for the form)

A table version may carry ``flags`` (soft findings of its plausibility checks); the
reporter explains each (:func:`explain`, draft only) before the version can be submitted;
the explanations stay with the version for the reviewer and the approved dataset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import GanpoError
from ganpo.store.failures import not_written
from ganpo.store.platform import as_utc as _utc
from ganpo.store.platform import audit, utcnow
from ganpo.store.reporting_models import (
    AccountSubmission,
    ReportEvent,
    ReportExplanation,
    ReportSubmission,
    ReportVersion,
)

DRAFT, SUBMITTED, RETURNED, APPROVED, SUPERSEDED = (
    "draft",
    "submitted",
    "returned",
    "approved",
    "superseded",
)
STATES = (DRAFT, SUBMITTED, RETURNED, APPROVED)
STATE_NAMES = {
    DRAFT: "草稿 draft",
    SUBMITTED: "已提交 submitted",
    RETURNED: "已退回 returned",
    APPROVED: "已通过 approved",
    SUPERSEDED: "已替换 superseded",
}
NONE = None  # no submission yet: the form was never opened for the year

#: action -> (states it may start from (None: no submission yet), state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    "upload": ((NONE, DRAFT, RETURNED), DRAFT),
    "submit": ((DRAFT,), SUBMITTED),
    "return": ((SUBMITTED, APPROVED), RETURNED),
    "approve": ((SUBMITTED,), APPROVED),
    "adopt_base": ((NONE,), APPROVED),
}
ENTITY = "report_submission"


class WorkflowError(GanpoError, ValueError):
    """An action the state of the submission does not allow (the message says why)."""


@dataclass(frozen=True)
class NewVersion:
    """A validated file already written to storage, to be recorded as a version."""

    origin: str
    original_name: str
    media: str
    upload_file: str
    upload_sha256: str
    data_file: str
    data_sha256: str
    size_bytes: int
    columns: dict[str, str]
    n_rows: int | None
    #: soft findings of the plausibility checks (a table), each needing an explanation
    flags: list[dict[str, Any]] = field(default_factory=list, kw_only=True)


@dataclass(frozen=True)
class VersionRecord(NewVersion):
    """A stored version: the file's facts, its number, state, uploader and time."""

    version: int
    state: str
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True)
class EventRecord:
    version: int
    action: str
    from_state: str | None
    to_state: str
    actor: str
    comment: str
    at: datetime


@dataclass(frozen=True)
class ExplanationRecord:
    """A reporter's explanation of one flagged finding (``key``) of a version."""

    version: int
    key: str
    text: str
    author: str
    at: datetime


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    year: int
    form: str
    kind: str
    department: str
    state: str
    current_version: int
    created_at: datetime
    updated_at: datetime
    versions: list[VersionRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    explanations: list[ExplanationRecord] = field(default_factory=list)

    @property
    def current(self) -> VersionRecord:
        return next(v for v in self.versions if v.version == self.current_version)

    def explanations_of(self, version: int | None = None) -> dict[str, ExplanationRecord]:
        """The explanations of a version (default: the current one), by flag key."""
        v = self.current_version if version is None else version
        return {e.key: e for e in self.explanations if e.version == v}

    @property
    def unexplained(self) -> list[dict[str, Any]]:
        """The current version's flags that have no explanation yet."""
        given = self.explanations_of()
        return [f for f in self.current.flags if f["key"] not in given]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (datetimes as ISO 8601 UTC); each version's flags carry their
        explanation (``explanation``: text, author, at; ``None`` when not explained)."""
        out = asdict(self)
        for version in out["versions"]:
            given = self.explanations_of(version["version"])
            version["flags"] = [
                {
                    **flag,
                    "explanation": None
                    if flag["key"] not in given
                    else {
                        "text": given[flag["key"]].text,
                        "author": given[flag["key"]].author,
                        "at": _utc(given[flag["key"]].at).isoformat(),
                    },
                }
                for flag in version["flags"]
            ]
        for item in [out, *out["versions"], *out["events"], *out["explanations"]]:
            for key in ("created_at", "updated_at", "uploaded_at", "at"):
                if key in item:
                    item[key] = _utc(item[key]).isoformat()
        out["state_name"] = STATE_NAMES[self.state]
        return out


def _summary(sub: ReportSubmission) -> dict[str, Any]:
    return {
        "year": sub.year,
        "form": sub.form,
        "department": sub.department,
        "state": sub.state,
        "current_version": sub.current_version,
    }


def _record(session: Session, sub: ReportSubmission) -> SubmissionRecord:
    versions = session.scalars(
        select(ReportVersion)
        .where(ReportVersion.submission_id == sub.id)
        .order_by(ReportVersion.version)
    )
    events = session.scalars(
        select(ReportEvent).where(ReportEvent.submission_id == sub.id).order_by(ReportEvent.id)
    )
    explanations = session.scalars(
        select(ReportExplanation)
        .where(ReportExplanation.submission_id == sub.id)
        .order_by(ReportExplanation.version, ReportExplanation.id)
    )
    return SubmissionRecord(
        id=sub.id,
        year=sub.year,
        form=sub.form,
        kind=sub.kind,
        department=sub.department,
        state=sub.state,
        current_version=sub.current_version,
        created_at=_utc(sub.created_at),
        updated_at=_utc(sub.updated_at),
        versions=[
            VersionRecord(
                **{
                    f.name: getattr(v, f.name)
                    for f in fields(VersionRecord)
                    if f.name not in ("columns", "uploaded_at", "flags")
                },
                columns=dict(v.columns),
                uploaded_at=_utc(v.uploaded_at),
                flags=list(v.flags or []),
            )
            for v in versions
        ],
        events=[
            EventRecord(
                e.version, e.action, e.from_state, e.to_state, e.actor, e.comment, _utc(e.at)
            )
            for e in events
        ],
        explanations=[
            ExplanationRecord(x.version, x.flag_key, x.text, x.author, _utc(x.at))
            for x in explanations
        ],
    )


def _refuse(action: str, state: str | None, form: str, year: int) -> WorkflowError:
    allowed, _ = TRANSITIONS[action]
    shown = STATE_NAMES.get(state or "", "未填报 not opened")
    starts = ", ".join(STATE_NAMES.get(s or "", "未填报 not opened") for s in allowed)
    return WorkflowError(
        f"cannot {action} form {form!r} of {year}: it is {shown}; {action} is allowed only "
        f"from {starts} / 当前状态不允许此操作"
    )


def _event(
    session: Session,
    sub: ReportSubmission,
    *,
    action: str,
    from_state: str | None,
    actor: str,
    comment: str,
    at: datetime,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Record an action on a submission: its event (history shown to users) and its audit
    row (before and after), in the session's transaction."""
    session.add(
        ReportEvent(
            submission_id=sub.id,
            version=sub.current_version,
            action=action,
            from_state=from_state,
            to_state=sub.state,
            actor=actor,
            comment=comment,
            at=at,
        )
    )
    session.flush()
    audit(
        session,
        actor=actor,
        action=f"report.{action}",
        entity=ENTITY,
        entity_id=str(sub.id),
        before=before,
        after=after,
    )


def add_version(
    engine: Engine,
    *,
    actor: str,
    year: int,
    form: str,
    kind: str,
    department: str,
    new: NewVersion,
    action: str = "upload",
    comment: str = "",
) -> SubmissionRecord:
    """Record a new version of the form's submission (creating the submission if none).

    ``action`` is ``upload`` (→ draft) or ``adopt_base`` (→ approved, from the base
    dataset). The previous current version is kept; a draft it replaces becomes
    ``superseded``. Refused with :class:`WorkflowError` from any other state.
    """
    allowed, target = TRANSITIONS[action]
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            sub = session.scalars(
                select(ReportSubmission)
                .where(ReportSubmission.year == year, ReportSubmission.form == form)
                .with_for_update()
            ).first()
            before = None if sub is None else _summary(sub)
            if (None if sub is None else sub.state) not in allowed:
                raise _refuse(action, None if sub is None else sub.state, form, year)
            if sub is None:
                sub = ReportSubmission(
                    year=year,
                    form=form,
                    kind=kind,
                    department=department,
                    state=target,
                    current_version=0,
                    created_at=now,
                    updated_at=now,
                )
                session.add(sub)
                session.flush()
            from_state = before["state"] if before else None
            if from_state == DRAFT:
                old = session.scalars(
                    select(ReportVersion).where(
                        ReportVersion.submission_id == sub.id,
                        ReportVersion.version == sub.current_version,
                    )
                ).one()
                old.state = SUPERSEDED
            last = session.scalar(
                select(func.max(ReportVersion.version)).where(ReportVersion.submission_id == sub.id)
            )
            sub.current_version = int(last or 0) + 1
            sub.state = target
            sub.updated_at = now
            session.add(
                ReportVersion(
                    submission_id=sub.id,
                    version=sub.current_version,
                    state=target,
                    uploaded_by=actor,
                    uploaded_at=now,
                    **asdict(new),
                )
            )
            _event(
                session,
                sub,
                action=action,
                from_state=from_state,
                actor=actor,
                comment=comment,
                at=now,
                before=before,
                after={**_summary(sub), "file": new.original_name, "sha256": new.data_sha256},
            )
            return _record(session, sub)
    except IntegrityError as exc:  # a concurrent upload took the same version number
        raise WorkflowError(
            f"form {form!r} of {year} was changed by someone else at the same time; "
            "reload and try again / 该报表正被他人修改，请刷新后重试"
        ) from exc
    except SQLAlchemyError as exc:
        raise not_written("submission", "填报记录", exc) from exc


def transition(
    engine: Engine,
    submission_id: int,
    *,
    actor: str,
    action: str,
    comment: str = "",
    not_by_uploader: bool = False,
) -> SubmissionRecord:
    """Move a submission along ``action`` (submit, return, approve), audited.

    ``not_by_uploader`` refuses the action when ``actor`` uploaded the current version
    (a reviewer does not approve its own data).
    """
    allowed, target = TRANSITIONS[action]
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            sub = session.scalars(
                select(ReportSubmission)
                .where(ReportSubmission.id == submission_id)
                .with_for_update()
            ).first()
            if sub is None:
                raise WorkflowError(f"no submission {submission_id} / 无此填报记录")
            if sub.state not in allowed:
                raise _refuse(action, sub.state, sub.form, sub.year)
            version = session.scalars(
                select(ReportVersion).where(
                    ReportVersion.submission_id == sub.id,
                    ReportVersion.version == sub.current_version,
                )
            ).one()
            if not_by_uploader and version.uploaded_by == actor:
                raise WorkflowError(
                    f"{actor} uploaded version {version.version} of {sub.form!r} and may not "
                    f"{action} it; another reviewer must / 不能审核自己上传的数据"
                )
            before = _summary(sub)
            sub.state = target
            sub.updated_at = now
            version.state = target
            _event(
                session,
                sub,
                action=action,
                from_state=before["state"],
                actor=actor,
                comment=comment,
                at=now,
                before=before,
                after={**_summary(sub), "comment": comment},
            )
            return _record(session, sub)
    except SQLAlchemyError as exc:
        raise not_written("submission", "填报记录", exc, verb="changed") from exc


def explain(
    engine: Engine, submission_id: int, *, actor: str, texts: dict[str, str]
) -> SubmissionRecord:
    """Record the reporter's explanations of flagged findings of the current version
    (``texts``: flag key → explanation), replacing earlier ones of the same flag; only a
    draft takes explanations, and only for its own flags. One transaction, audited."""
    now = utcnow()
    try:
        with Session(engine) as session, session.begin():
            sub = session.scalars(
                select(ReportSubmission)
                .where(ReportSubmission.id == submission_id)
                .with_for_update()
            ).first()
            if sub is None:
                raise WorkflowError(f"no submission {submission_id} / 无此填报记录")
            if sub.state != DRAFT:
                raise WorkflowError(
                    f"form {sub.form!r} of {sub.year} is {STATE_NAMES[sub.state]}; "
                    "explanations are given to a draft, before it is submitted / "
                    "只能在提交前为草稿填写说明"
                )
            version = session.scalars(
                select(ReportVersion).where(
                    ReportVersion.submission_id == sub.id,
                    ReportVersion.version == sub.current_version,
                )
            ).one()
            flags = {f["key"] for f in version.flags or []}
            unknown = sorted(set(texts) - flags)
            if unknown:
                raise WorkflowError(
                    f"version {version.version} of {sub.form!r} has no flagged finding "
                    f"{', '.join(map(repr, unknown[:5]))}; explain only its flags "
                    f"({len(flags)}) / 说明只能针对本版本标记的问题"
                )
            existing = {
                x.flag_key: x
                for x in session.scalars(
                    select(ReportExplanation).where(
                        ReportExplanation.submission_id == sub.id,
                        ReportExplanation.version == version.version,
                    )
                )
            }
            before = {k: existing[k].text for k in texts if k in existing}
            for key, text in sorted(texts.items()):
                row = existing.get(key)
                if row is None:
                    session.add(
                        ReportExplanation(
                            submission_id=sub.id,
                            version=version.version,
                            flag_key=key,
                            text=text,
                            author=actor,
                            at=now,
                        )
                    )
                else:
                    row.text, row.author, row.at = text, actor, now
            sub.updated_at = now
            _event(
                session,
                sub,
                action="explain",
                from_state=sub.state,
                actor=actor,
                comment="; ".join(f"{k}: {v}" for k, v in sorted(texts.items()))[:2000],
                at=now,
                before={**_summary(sub), "explanations": before},
                after={**_summary(sub), "explanations": dict(sorted(texts.items()))},
            )
            return _record(session, sub)
    except SQLAlchemyError as exc:
        raise not_written("explanations", "说明", exc, plural=True) from exc


def get_submission(engine: Engine, submission_id: int) -> SubmissionRecord | None:
    with Session(engine) as session:
        sub = session.get(ReportSubmission, submission_id)
        return None if sub is None else _record(session, sub)


def find_submission(engine: Engine, year: int, form: str) -> SubmissionRecord | None:
    with Session(engine) as session:
        sub = session.scalars(
            select(ReportSubmission).where(
                ReportSubmission.year == year, ReportSubmission.form == form
            )
        ).first()
        return None if sub is None else _record(session, sub)


def list_submissions(
    engine: Engine,
    *,
    year: int | None = None,
    departments: Iterable[str] | None = None,
    state: str | None = None,
) -> list[SubmissionRecord]:
    """Submissions, filtered (bound parameters only), ordered by year, department, form."""
    query = select(ReportSubmission).order_by(
        ReportSubmission.year, ReportSubmission.department, ReportSubmission.form
    )
    if year is not None:
        query = query.where(ReportSubmission.year == year)
    if departments is not None:
        query = query.where(ReportSubmission.department.in_(list(departments)))
    if state is not None:
        query = query.where(ReportSubmission.state == state)
    with Session(engine) as session:
        return [_record(session, s) for s in session.scalars(query)]


def record_account_submissions(
    engine: Engine,
    account_id: int,
    submissions: Iterable[tuple[int, int]],
    *,
    actor: str = "system",
) -> None:
    """Record that account ``account_id`` used these ``(submission_id, version)`` pairs
    (one transaction, audited)."""
    pairs = sorted({(int(s), int(v)) for s, v in submissions})
    try:
        with Session(engine) as session, session.begin():
            for sid, version in pairs:
                session.add(
                    AccountSubmission(account_id=account_id, submission_id=sid, version=version)
                )
            session.flush()
            audit(
                session,
                actor=actor,
                action="account.submissions",
                entity="account",
                entity_id=str(account_id),
                before=None,
                after={"submissions": [list(p) for p in pairs]},
            )
    except SQLAlchemyError as exc:
        raise not_written(
            f"submissions of account {account_id}",
            f"核算 #{account_id} 的填报记录",
            exc,
            verb="recorded",
            plural=True,
        ) from exc


def account_submissions(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    """The submission versions an account used: form, year, department, id, version."""
    with Session(engine) as session:
        rows = session.execute(
            select(AccountSubmission, ReportSubmission)
            .join(ReportSubmission, ReportSubmission.id == AccountSubmission.submission_id)
            .where(AccountSubmission.account_id == account_id)
            .order_by(ReportSubmission.form)
        ).all()
        return [
            {
                "form": sub.form,
                "year": sub.year,
                "department": sub.department,
                "submission_id": link.submission_id,
                "version": link.version,
            }
            for link, sub in rows
        ]
