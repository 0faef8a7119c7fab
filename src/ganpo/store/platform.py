"""Repository of the web platform: users, sessions/tokens and the audit log.

Every change is one transaction, and its audit row (who, what, when, before and after) is
written in that same transaction: a change without its audit row cannot be stored, and an
audit row never describes a change that was rolled back.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import threading
import weakref
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError, UnknownNameError, joined
from ganpo.store.failures import cause, not_written
from ganpo.store.platform_models import PlatformAudit, PlatformJob, PlatformSession, PlatformUser
from ganpo.store.records import as_utc

#: The roles of the platform, with what each may do (shown in the API docs and the UI).
ROLES: dict[str, str] = {
    "admin": "administrator: manages users, reads the audit log, may do everything / 管理员",
    "office": "accounting office: reviews data and runs accounts / 核算办公室",
    "reporter": "department reporter: fills its department's forms / 部门填报员",
    "reviewer": "reviewer: returns or approves submissions / 审核员",
    "viewer": "viewer: reads the results of one region / 查看者(限定行政区)",
    "auditor": "auditor: reads one region's results and requests its departure audit packs "
    "/ 审计人员(限定行政区)",
}
#: roles whose scope is one region (they need a region_adcode)
REGION_ROLES = frozenset({"viewer", "auditor"})

SESSION_KINDS = ("session", "token")
#: audit actions of logging in and out (not changes of the platform's data)
SESSION_ACTIONS = ("login", "token.create", "logout", "login.failed")


def utcnow() -> datetime:
    return datetime.now(UTC)


def token_digest(token: str) -> str:
    """What the store keeps of a session or bearer token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class UserRecord:
    """A platform user as read from the store (never with its password hash)."""

    id: int
    username: str
    role: str
    department: str | None
    region_adcode: int | None
    active: bool
    created_at: datetime

    def public(self) -> dict[str, Any]:
        """The fields an admin sees (and the audit log records), JSON-ready."""
        out = asdict(self)
        out["created_at"] = as_utc(self.created_at).isoformat()
        return out


def _record(row: PlatformUser) -> UserRecord:
    return UserRecord(
        id=row.id,
        username=row.username,
        role=row.role,
        department=row.department,
        region_adcode=row.region_adcode,
        active=row.active,
        created_at=as_utc(row.created_at),
    )


def _audit_row(
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "at": utcnow(),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "before": before,
        "after": after,
    }


def audit(
    conn_or_session: Connection | Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Write one audit row in the caller's open transaction (connection or ORM session).

    Call it inside the transaction that makes the change, so both are stored or neither.
    ``before``/``after`` must be JSON-serialisable (use ``None`` for a creation/deletion).
    """
    conn_or_session.execute(
        insert(PlatformAudit).values(
            **_audit_row(
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                before=before,
                after=after,
            )
        )
    )


def check_role(role: str, department: str | None, region_adcode: int | None) -> None:
    """Refuse a role without the scope it needs (reporter: department; viewer and auditor:
    region)."""
    if role not in ROLES:
        raise UnknownNameError("role", role, ROLES)
    if role == "reporter" and not department:
        raise InputError(
            en="a reporter needs a department (e.g. forestry)",
            zh="填报员必须指定部门（如 forestry 林业）",
            field="department",
            values=[department],
        )
    if role in REGION_ROLES and region_adcode is None:
        raise InputError(
            en=f"{'an' if role[0] in 'aeiou' else 'a'} {role} needs a region_adcode "
            "(360000 province, a city or a county)",
            zh="查看者和审计人员必须指定行政区代码（省 360000、设区市或县）",
            field="region_adcode",
            values=[region_adcode],
        )


def create_user(
    engine: Engine,
    *,
    actor: str,
    username: str,
    password_hash: str,
    role: str,
    department: str | None = None,
    region_adcode: int | None = None,
) -> UserRecord:
    """Add a user (and its audit row) in one transaction; a taken name is refused."""
    check_role(role, department, region_adcode)
    try:
        with Session(engine) as session, session.begin():
            row = PlatformUser(
                username=username,
                password_hash=password_hash,
                role=role,
                department=department,
                region_adcode=region_adcode,
                active=True,
                created_at=utcnow(),
            )
            session.add(row)
            session.flush()
            record = _record(row)
            audit(
                session,
                actor=actor,
                action="user.create",
                entity="user",
                entity_id=str(record.id),
                before=None,
                after=record.public(),
            )
    except IntegrityError as exc:
        raise InputError(
            en=f"the username {username!r} is taken; choose another",
            zh="用户名已存在",
            field="username",
            values=[username],
        ) from exc
    except SQLAlchemyError as exc:
        raise not_written("user", "用户", exc) from exc
    return record


def get_user(engine: Engine, user_id: int) -> UserRecord | None:
    with Session(engine) as session:
        row = session.get(PlatformUser, user_id)
        return None if row is None else _record(row)


def user_credentials(engine: Engine, username: str) -> tuple[UserRecord, str] | None:
    """The user and its password hash (for logging in), or ``None`` for an unknown name."""
    with Session(engine) as session:
        row = session.scalars(select(PlatformUser).where(PlatformUser.username == username)).first()
        return None if row is None else (_record(row), row.password_hash)


def list_users(engine: Engine) -> list[UserRecord]:
    with Session(engine) as session:
        return [_record(r) for r in session.scalars(select(PlatformUser).order_by(PlatformUser.id))]


def count_users(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(PlatformUser)).scalar_one())


def update_user(
    engine: Engine,
    user_id: int,
    *,
    actor: str,
    role: str | None = None,
    department: str | None = None,
    region_adcode: int | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
    clear_scope: bool = False,
) -> UserRecord:
    """Change a user's role, scope, state or password; audited with before and after.

    ``department``/``region_adcode`` given as ``None`` keep the current value unless
    ``clear_scope`` is set (then they are set to what is given). Disabling a user, or
    changing its role or password, revokes its open sessions and tokens.
    """
    try:
        with Session(engine) as session, session.begin():
            row = session.get(PlatformUser, user_id)
            if row is None:
                raise StoreError(en=f"no user {user_id} on the platform", zh="用户不存在")
            before = _record(row).public()
            new_role = role if role is not None else row.role
            new_dep = department if (department is not None or clear_scope) else row.department
            new_reg = (
                region_adcode if (region_adcode is not None or clear_scope) else row.region_adcode
            )
            check_role(new_role, new_dep, new_reg)
            row.role, row.department, row.region_adcode = new_role, new_dep, new_reg
            if active is not None:
                row.active = active
            if password_hash is not None:
                row.password_hash = password_hash
            session.flush()
            after = _record(row).public()
            if password_hash is not None:
                after["password"] = "changed"
            if (role is not None and role != before["role"]) or active is False or password_hash:
                session.execute(
                    update(PlatformSession)
                    .where(PlatformSession.user_id == user_id)
                    .values(revoked=True)
                )
            action = "user.disable" if active is False else "user.update"
            audit(
                session,
                actor=actor,
                action=action,
                entity="user",
                entity_id=str(user_id),
                before=before,
                after=after,
            )
            if password_hash is not None:  # ends a lock-out (failed_logins_since)
                audit(
                    session,
                    actor=actor,
                    action="password.reset",
                    entity="user",
                    entity_id=row.username,
                    before=None,
                    after=None,
                )
            return _record(row)
    except SQLAlchemyError as exc:
        raise not_written("user", "用户", exc, verb="changed") from exc


def new_session(
    engine: Engine, user_id: int, *, kind: str, hours: float, actor: str
) -> tuple[str, str | None, datetime]:
    """Open a session (``kind="session"``, with a CSRF token) or a bearer token.

    Returns ``(secret, csrf_token, expires_at)``; only the secret's SHA-256 is stored. The
    login is audited in the same transaction.
    """
    if kind not in SESSION_KINDS:
        raise UnknownNameError("session kind", kind, SESSION_KINDS)
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    now = utcnow()
    expires = now + timedelta(hours=hours)
    with Session(engine) as session, session.begin():
        session.add(
            PlatformSession(
                token_sha256=token_digest(secret),
                user_id=user_id,
                kind=kind,
                csrf_token=csrf,
                created_at=now,
                expires_at=expires,
                revoked=False,
            )
        )
        audit(
            session,
            actor=actor,
            action="login" if kind == "session" else "token.create",
            entity="user",
            entity_id=str(user_id),
            before=None,
            after={"ok": True, "kind": kind, "expires_at": expires.isoformat()},
        )
    return secret, csrf, expires


@dataclass(frozen=True)
class SessionRecord:
    """A valid (not expired, not revoked) session or token and its user."""

    user: UserRecord
    kind: str
    csrf_token: str | None
    expires_at: datetime
    token_sha256: str


_READERS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_READERS_LOCK = threading.Lock()


def _autocommit(engine: Engine) -> Engine:
    """``engine`` reading in autocommit: a single SELECT needs no transaction, and on
    PostgreSQL this saves the BEGIN and ROLLBACK round trips of every request's session
    look-up (a third of a worker's time under load, measured with py-spy; decision 0045)."""
    with _READERS_LOCK:
        reader = _READERS.get(engine)
        if reader is None:
            reader = _READERS[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
        return reader


def find_session(engine: Engine, secret: str, now: datetime | None = None) -> SessionRecord | None:
    """The live session for this secret; ``None`` if unknown, expired, revoked or disabled
    (one SELECT, read in autocommit)."""
    now = now or utcnow()
    digest = token_digest(secret)
    with Session(_autocommit(engine)) as session:
        found = session.execute(
            select(PlatformSession, PlatformUser)
            .join(PlatformUser, PlatformUser.id == PlatformSession.user_id)
            .where(PlatformSession.token_sha256 == digest)
        ).first()
        if found is None:
            return None
        return _live(*found, now)


def _live(sess: Any, user: Any, now: datetime) -> SessionRecord | None:
    """The session's record if it is live (not revoked, not expired, its user active):
    ``sess`` and ``user`` are the rows (or one row of their columns) of the session and
    its user."""
    if sess.revoked or not user.active or as_utc(sess.expires_at) <= now:
        return None
    return SessionRecord(
        _record(user), sess.kind, sess.csrf_token, as_utc(sess.expires_at), sess.token_sha256
    )


#: digests per query of :func:`find_sessions` (well under SQLite's bound parameters)
SESSIONS_PER_QUERY = 500


def find_sessions(
    engine: Engine, digests: Iterable[str], now: datetime | None = None
) -> dict[str, SessionRecord]:
    """The live sessions among ``digests`` (SHA-256 of their secrets, as
    :func:`token_digest` gives), by digest: the ones unknown, expired, revoked or of a
    disabled user are absent. One SELECT per :data:`SESSIONS_PER_QUERY` digests, read in
    autocommit, so that a server process can check every session it holds at once
    instead of one query per request (decision 0068)."""
    now = now or utcnow()
    wanted = sorted(set(digests))
    out: dict[str, SessionRecord] = {}
    # plain columns, not ORM objects: about a third less processor time (decision 0068)
    columns = (
        PlatformSession.token_sha256,
        PlatformSession.kind,
        PlatformSession.csrf_token,
        PlatformSession.expires_at,
        PlatformSession.revoked,
        PlatformUser.id,
        PlatformUser.username,
        PlatformUser.role,
        PlatformUser.department,
        PlatformUser.region_adcode,
        PlatformUser.active,
        PlatformUser.created_at,
    )
    with _autocommit(engine).connect() as conn:
        for k in range(0, len(wanted), SESSIONS_PER_QUERY):
            rows = conn.execute(
                select(*columns)
                .join(PlatformUser, PlatformUser.id == PlatformSession.user_id)
                .where(PlatformSession.token_sha256.in_(wanted[k : k + SESSIONS_PER_QUERY]))
            ).all()
            for row in rows:
                record = _live(row, row, now)
                if record is not None:
                    out[record.token_sha256] = record
    return out


def end_session(engine: Engine, token_sha256: str, *, actor: str) -> None:
    """Revoke a session or token (logout), audited."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(PlatformSession)
            .where(PlatformSession.token_sha256 == token_sha256)
            .values(revoked=True)
        )
        audit(
            session,
            actor=actor,
            action="logout",
            entity="session",
            entity_id=token_sha256[:12],
            before=None,
            after=None,
        )


def record_failed_login(engine: Engine, username: str, reason: str) -> None:
    """Audit a refused login (unknown name, bad password, disabled user)."""
    with engine.begin() as conn:
        audit(
            conn,
            actor=username[:64] or "?",
            action="login.failed",
            entity="user",
            entity_id=username[:100],
            before=None,
            after={"ok": False, "reason": reason},
        )


def failed_logins_since(engine: Engine, username: str, since: datetime) -> int:
    """Refused logins of ``username`` (from the audit log) after ``since`` and after the
    user's last successful login or token and the last reset of its password by an
    administrator; what the platform's lock-out counts."""
    last_ok = (
        select(func.max(PlatformAudit.at))
        .where(
            or_(
                PlatformAudit.action.in_(("login", "token.create"))
                & (PlatformAudit.actor == username[:64]),
                (PlatformAudit.action == "password.reset")
                & (PlatformAudit.entity_id == username[:100]),
            )
        )
        .scalar_subquery()
    )
    query = (
        select(func.count())
        .select_from(PlatformAudit)
        .where(
            PlatformAudit.action == "login.failed",
            PlatformAudit.entity_id == username[:100],
            PlatformAudit.at > since,
            or_(last_ok.is_(None), PlatformAudit.at > last_ok),
        )
    )
    with engine.connect() as conn:
        return int(conn.scalar(query) or 0)


def purge_sessions(engine: Engine, now: datetime | None = None) -> int:
    """Delete expired or revoked sessions; the number deleted."""
    now = now or utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            delete(PlatformSession).where(
                or_(PlatformSession.expires_at <= now, PlatformSession.revoked.is_(True))
            )
        )
        return int(result.rowcount or 0)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def list_audit(
    engine: Engine,
    *,
    limit: int = 100,
    offset: int = 0,
    actor: str | None = None,
    entity: str | None = None,
    action: str | None = None,
    changes_only: bool = False,
) -> list[AuditRecord]:
    """Audit rows, newest first, optionally filtered (bound parameters only);
    ``changes_only`` leaves out logins, logouts and tokens (:data:`SESSION_ACTIONS`)."""
    query = select(PlatformAudit).order_by(PlatformAudit.id.desc())
    if changes_only:
        query = query.where(PlatformAudit.action.not_in(SESSION_ACTIONS))
    if actor is not None:
        query = query.where(PlatformAudit.actor == actor)
    if entity is not None:
        query = query.where(PlatformAudit.entity == entity)
    if action is not None:
        query = query.where(PlatformAudit.action == action)
    with Session(engine) as session:
        rows = session.scalars(query.limit(limit).offset(offset))
        return [
            AuditRecord(
                r.id, as_utc(r.at), r.actor, r.action, r.entity, r.entity_id, r.before, r.after
            )
            for r in rows
        ]


# --- background jobs ---------------------------------------------------------------------

INTERRUPTED_EN = "interrupted: the server stopped before the job finished; run it again"
INTERRUPTED_ZH = "服务器停止，任务未完成，请重新运行"


@dataclass
class JobRecord:
    """A background job's last known state, as stored."""

    id: str
    kind: str
    owner: str
    runner: str  # host:pid of the server process that runs it
    state: str
    fraction: float
    message_en: str  # the last message in English, as given
    message_zh: str  # in Chinese, as given (a message without a Chinese half: the same)
    account_id: int | None
    created_at: datetime
    updated_at: datetime
    log: list[str]

    @property
    def message(self) -> str:
        """The last message whole, ``"English / 中文"``."""
        return joined(self.message_en, self.message_zh)


def save_job(engine: Engine, job: JobRecord) -> None:
    """Insert or update a job's row (one transaction)."""
    values = asdict(job)
    try:
        with Session(engine) as session, session.begin():
            row = session.get(PlatformJob, job.id)
            if row is None:
                session.add(PlatformJob(**values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
    except SQLAlchemyError as exc:
        raise StoreError(
            en=f"the job {job.id} was not saved: {cause(exc)}",
            zh=f"任务 {job.id} 未保存：{cause(exc)}",
        ) from exc


def load_job(engine: Engine, job_id: str) -> JobRecord | None:
    """A stored job, or ``None``."""
    with Session(engine) as session:
        row = session.get(PlatformJob, job_id)
        if row is None:
            return None
        return JobRecord(
            id=row.id,
            kind=row.kind,
            owner=row.owner,
            runner=row.runner,
            state=row.state,
            fraction=row.fraction,
            message_en=row.message_en,
            message_zh=row.message_zh,
            account_id=row.account_id,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
            log=list(row.log or []),
        )


def job_runner() -> str:
    """``host:pid`` of this process, recorded with the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def interrupt_unfinished_jobs(engine: Engine) -> int:
    """Mark as failed ("interrupted") the jobs left queued or running by a server process
    of this host that no longer exists; how many. Jobs of live processes, and of other
    hosts (whose processes cannot be checked from here), are left alone."""
    host = socket.gethostname()
    with engine.begin() as conn:
        rows = conn.execute(
            select(PlatformJob.id, PlatformJob.runner).where(
                PlatformJob.state.in_(("queued", "running"))
            )
        ).all()
        dead = [
            job_id
            for job_id, runner in rows
            if runner.rpartition(":")[0] == host
            and runner.rpartition(":")[2].isdigit()
            and not _alive(int(runner.rpartition(":")[2]))
        ]
        if dead:
            conn.execute(
                update(PlatformJob)
                .where(PlatformJob.id.in_(dead))
                .values(
                    state="failed",
                    message_en=INTERRUPTED_EN,
                    message_zh=INTERRUPTED_ZH,
                    updated_at=utcnow(),
                )
            )
    return len(dead)
