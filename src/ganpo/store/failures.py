"""Database failures a user can cause, as messages: never a traceback, never SQL.

A store opened by :func:`ganpo.store.repository.open_store` gets :func:`translate_errors`:
every error the database driver raises for the database itself (file not writable or
permission denied, disk full, database locked, connection lost or refused) is replaced,
where SQLAlchemy raises it, by a :class:`~ganpo.errors.StoreUnavailableError` whose
message names the database (URL without password), says what happened and what to do, in
English and Chinese. The exception propagates through the ``with session.begin()`` or
``with engine.begin()`` block that was writing, which rolls the transaction back: nothing
is half-written. Errors of the data (a NOT NULL or unique constraint) are left to the
caller, who knows what was being stored; :func:`cause` gives their driver message without
the statement and its parameters, and :func:`not_written` the caller's error naming what
was not stored.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

from ganpo.errors import StoreError, StoreUnavailableError

#: PostgreSQL error classes (SQLSTATE) and what they mean for the user
_PG_STATES = {
    "08": "lost",  # connection exception
    "57P01": "lost",  # admin_shutdown: the server was stopped
    "57P02": "lost",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now (starting up)
    "53100": "full",  # disk_full
    "42501": "readonly",  # insufficient_privilege
    "25006": "readonly",  # read_only_sql_transaction
    "55P03": "locked",  # lock_not_available (lock_timeout)
    "40P01": "locked",  # deadlock_detected
    "40001": "locked",  # serialization_failure
}

_TEXTS = (
    ("full", ("disk is full", "no space left", "disk full")),
    ("readonly", ("readonly", "read-only", "permission denied", "unable to open database file")),
    ("locked", ("database is locked", "database table is locked", "busy")),
    ("unreachable", ("connection refused", "could not connect", "connection failed")),
    ("lost", ("server closed the connection", "connection is closed", "connection is lost")),
)


def shown_url(engine: Engine) -> str:
    """The store's URL as messages show it (password hidden)."""
    return engine.url.render_as_string(hide_password=True)


def cause(exc: BaseException) -> str:
    """The driver's message of a database error, first line only: no SQL statement, no
    parameters (SQLAlchemy appends both to its own message; PostgreSQL's DETAIL line
    can hold a row's values)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    first = text[0].strip() if text else type(orig).__name__
    return first[:200]


#: the Chinese of each verb :func:`not_written` takes
_NOT_DONE_ZH = {"stored": "未存储", "recorded": "未存储", "changed": "未修改"}


def not_written(
    what: str,
    what_zh: str,
    exc: BaseException,
    *,
    verb: Literal["stored", "recorded", "changed"] = "stored",
    plural: bool = False,
) -> StoreError:
    """The :class:`StoreError` of a write the database refused for its data (a NOT NULL
    or unique constraint, a trigger), raised by the caller ``from exc`` once the
    transaction has rolled back: "the ``what`` was not stored (nothing was written):
    <cause>" / "``what_zh``未存储（未写入任何数据）：<cause>", the cause being
    :func:`cause` of ``exc`` in both halves. ``verb`` is ``"stored"``, ``"recorded"`` or
    ``"changed"`` (Chinese 未修改, for an update); ``plural`` says "were".

    >>> err = not_written("user", "用户", ValueError("NOT NULL constraint failed"))
    >>> err.en
    'the user was not stored (nothing was written): NOT NULL constraint failed'
    >>> err.zh
    '用户未存储（未写入任何数据）：NOT NULL constraint failed'
    >>> not_written("user", "用户", ValueError("locked"), verb="changed").zh
    '用户未修改（未写入任何数据）：locked'
    >>> not_written("violations", "违规案件", ValueError("x"), verb="recorded", plural=True).en
    'the violations were not recorded (nothing was written): x'
    """
    said = cause(exc)
    was = "were" if plural else "was"
    return StoreError(
        en=f"the {what} {was} not {verb} (nothing was written): {said}",
        zh=f"{what_zh}{_NOT_DONE_ZH[verb]}（未写入任何数据）：{said}",
    )


def reason_of(orig: BaseException, *, is_disconnect: bool, connecting: bool) -> str | None:
    """What went wrong with the database (a key of :data:`MESSAGES`), or ``None`` for an
    error of the data or the statement, which the caller reports itself."""
    state = str(getattr(orig, "sqlstate", None) or "")
    if state:
        for prefix, reason in _PG_STATES.items():
            if state.startswith(prefix):
                return "unreachable" if connecting and reason == "lost" else reason
    text = str(orig).lower()
    for reason, needles in _TEXTS:
        if any(n in text for n in needles):
            if reason == "readonly" and connecting and "unable to open" in text:
                return "unreachable"
            return reason
    if is_disconnect:
        return "unreachable" if connecting else "lost"
    if connecting:
        return "unreachable"
    name = type(orig).__name__
    if name in ("OperationalError", "InterfaceError") or state.startswith("58"):
        return "failed"
    return None


ROLLED_BACK = "nothing was written: the change in progress was rolled back"
ROLLED_BACK_ZH = "本次操作已回滚，未写入任何数据"

#: reason -> (English: what happened, what to do; Chinese: the same)
MESSAGES: dict[str, tuple[str, str]] = {
    "readonly": (
        "the store {db} cannot be written ({cause}); {rolled}. Check that this user may write "
        "the database file and its folder (SQLite) or holds write privileges on its tables "
        "(PostgreSQL), or use a store you may write to",
        "核算结果库不可写（只读或无权限），{rolled_zh}；请检查数据库文件及其所在目录的写权限"
        "（SQLite）或数据库用户对表的写权限（PostgreSQL），或改用有写权限的库",
    ),
    "full": (
        "the disk of the store {db} is full ({cause}); {rolled}. Free disk space where the "
        "database lives, then run again",
        "核算结果库所在磁盘已满，{rolled_zh}；请清理磁盘空间后重试",
    ),
    "locked": (
        "the store {db} is locked by another process ({cause}); {rolled}. Wait until the "
        "other ganpo command or the platform has finished writing, then run again",
        "核算结果库正被其他进程锁定，{rolled_zh}；请等待其他 ganpo 命令或平台写入完成后重试",
    ),
    "lost": (
        "the connection to the store {db} was lost ({cause}); the transaction in progress "
        "was rolled back, nothing was half-written. Check that the database server is "
        "running and reachable, then run again",
        "与核算结果库的连接中断，进行中的事务已回滚，没有写入不完整的数据；请确认数据库服务器"
        "正在运行且可以访问，然后重试",
    ),
    "unreachable": (
        "cannot reach the store {db} ({cause}). Check the URL, that the server is running "
        "and that this user may connect (for a SQLite file: that its folder exists and this "
        "user may read and write it)",
        "无法连接核算结果库；请检查地址、服务器是否运行以及该用户是否有权连接"
        "（SQLite 文件：所在目录是否存在、该用户是否有读写权限）",
    ),
    "failed": (
        "the store {db} failed ({cause}); the transaction in progress was rolled back, "
        "nothing was half-written. Run again; if it fails again, check the database's log "
        "and disk",
        "核算结果库出错，进行中的事务已回滚，没有写入不完整的数据；请重试，如仍失败请检查"
        "数据库日志和磁盘",
    ),
}


def unavailable(database: str, reason: str, orig: BaseException) -> StoreUnavailableError:
    """The :class:`StoreUnavailableError` of ``reason`` for the store ``database``."""
    english, chinese = MESSAGES[reason]
    fields = {"db": database, "cause": cause(orig), "rolled": ROLLED_BACK}
    return StoreUnavailableError(
        en=english.format(**fields),
        zh=chinese.format(rolled_zh=ROLLED_BACK_ZH),
        database=database,
        reason=reason,
    )


def translate_errors(engine: Engine) -> None:
    """Make ``engine`` raise :class:`StoreUnavailableError` for failures of the database
    itself, wherever they happen (connect, statement, commit)."""
    database = shown_url(engine)

    def translate(ctx: ExceptionContext) -> Any:
        if ctx.is_pre_ping:
            return None
        reason = reason_of(
            ctx.original_exception,
            is_disconnect=ctx.is_disconnect,
            connecting=ctx.connection is None,
        )
        if reason is None:
            return None
        raise unavailable(database, reason, ctx.original_exception)

    event.listen(engine, "handle_error", translate)
