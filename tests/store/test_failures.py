"""Failures of the database a user can cause become messages (store named without its
password, what happened, what to do, in English and Chinese), never a traceback or a
printed SQL statement, and the transaction is rolled back: the store is unchanged."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from applications_support import GEP_2022, account
from ganpo.errors import StoreUnavailableError
from ganpo.store.failures import shown_url
from ganpo.store.models import Account, AccountLog, Result
from ganpo.store.repository import delete_account, list_accounts, open_store, save_account

ROLLED_BACK = "nothing was written: the change in progress was rolled back"


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as s:
        return (
            int(s.scalar(select(func.count()).select_from(Account)) or 0),
            int(s.scalar(select(func.count()).select_from(Result)) or 0),
            int(s.scalar(select(func.count()).select_from(AccountLog)) or 0),
        )


@contextmanager
def failing(engine: Engine, needle: str, make: Callable[[], None]) -> Iterator[None]:
    """Call ``make`` (which raises the driver's error, or breaks the server) just before
    the first statement containing ``needle``: half-way through a save."""

    def hook(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if needle in statement:
            make()

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def _with_password(url: str) -> str:
    """The URL with a password (trust authentication accepts any) that must never show."""
    return url.replace("postgres@", "postgres:s3cret@") if "postgresql" in url else url


def _clean(message: str) -> None:
    for leak in ("INSERT", "SELECT", "[SQL", "parameters", "s3cret", "Traceback"):
        assert leak not in message, message


def test_disk_full_half_way_through_a_save(store_url: str) -> None:
    engine = open_store(_with_password(store_url))
    save_account(engine, account(2022, GEP_2022))
    before = _counts(engine)
    if engine.dialect.name == "sqlite":
        error: Exception = sqlite3.OperationalError("database or disk is full")
        cause = "database or disk is full"
    else:
        cause = 'could not extend file "base/16384/16400": No space left on device'
        error = psycopg.errors.DiskFull(cause)

    def full() -> None:
        raise error

    with failing(engine, "INSERT INTO results", full), pytest.raises(StoreUnavailableError) as e:
        save_account(engine, account(2023, GEP_2022))
    assert str(e.value) == (
        f"the disk of the store {shown_url(engine)} is full ({cause}); {ROLLED_BACK}. Free disk "
        "space where the database lives, then run again / 核算结果库所在磁盘已满，本次操作已回滚，"
        "未写入任何数据；请清理磁盘空间后重试"
    )
    assert e.value.reason == "full" and e.value.database == shown_url(engine)
    _clean(str(e.value))
    assert _counts(engine) == before


def _read_only(store_url: str, tmp_path: Path) -> str:
    """A URL of the same store on which this user may not write."""
    if store_url.startswith("sqlite"):
        return f"sqlite:///file:{tmp_path / 'ganpo.sqlite'}?mode=ro&uri=true"
    plain = store_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("CREATE ROLE reader LOGIN PASSWORD 's3cret'")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader")
    return store_url.replace("postgres@", "reader:s3cret@")


def test_store_not_writable(store_url: str, tmp_path: Path) -> None:
    writer = open_store(store_url)
    aid = save_account(writer, account(2022, GEP_2022))
    before = _counts(writer)
    reader = open_store(_read_only(store_url, tmp_path))
    assert [a.id for a in list_accounts(reader)] == [aid]  # reading is fine
    for write in (
        lambda: save_account(reader, account(2023, GEP_2022)),
        lambda: delete_account(reader, aid),
    ):
        with pytest.raises(StoreUnavailableError) as e:
            write()
        message = str(e.value)
        assert message.startswith(f"the store {shown_url(reader)} cannot be written (")
        assert message.endswith(
            f"); {ROLLED_BACK}. Check that this user may write the database file and its folder "
            "(SQLite) or holds write privileges on its tables (PostgreSQL), or use a store you "
            "may write to / 核算结果库不可写（只读或无权限），本次操作已回滚，未写入任何数据；请检查"
            "数据库文件及其所在目录的写权限（SQLite）或数据库用户对表的写权限（PostgreSQL），"
            "或改用有写权限的库"
        )
        assert (
            "attempt to write a readonly database" in message
            if reader.dialect.name == "sqlite"
            else "permission denied for table" in message
        )
        _clean(message)
    assert _counts(writer) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes a read-only file anyway")
def test_sqlite_file_without_write_permission(tmp_path: Path) -> None:
    path = tmp_path / "ro" / "ganpo.sqlite"
    engine = open_store(path)
    save_account(engine, account(2022, GEP_2022))
    engine.dispose()
    path.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        with pytest.raises(StoreUnavailableError, match=r"cannot be written \("):
            save_account(open_store(path), account(2023, GEP_2022))
    finally:
        path.parent.chmod(0o755)
        path.chmod(0o644)


def test_database_locked_by_another_process(store_url: str, tmp_path: Path) -> None:
    engine = open_store(store_url)
    save_account(engine, account(2022, GEP_2022))
    before = _counts(engine)
    if engine.dialect.name == "sqlite":
        # wait 0.1 s (not SQLite's default 5 s) for the lock before giving up
        event.listen(engine, "connect", lambda c, _: c.execute("PRAGMA busy_timeout=100"))
        engine.dispose()
        other: Any = sqlite3.connect(tmp_path / "ganpo.sqlite", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        cause = "database is locked"
    else:
        plain = store_url.replace("postgresql+psycopg://", "postgresql://")
        name = store_url.rsplit("/", 1)[1]
        with psycopg.connect(plain, autocommit=True) as admin:
            admin.execute(f"ALTER DATABASE {name} SET lock_timeout = '200ms'")
        engine.dispose()
        other = psycopg.connect(plain)
        other.execute("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE")
        cause = "canceling statement due to lock timeout"
    try:
        with pytest.raises(StoreUnavailableError) as e:
            save_account(engine, account(2023, GEP_2022))
    finally:
        other.rollback() if engine.dialect.name != "sqlite" else other.execute("ROLLBACK")
        other.close()
    assert str(e.value) == (
        f"the store {shown_url(engine)} is locked by another process ({cause}); {ROLLED_BACK}. "
        "Wait until the other ganpo command or the platform has finished writing, then run "
        "again / 核算结果库正被其他进程锁定，本次操作已回滚，未写入任何数据；请等待其他 ganpo "
        "命令或平台写入完成后重试"
    )
    assert _counts(engine) == before


def test_connection_lost_mid_transaction(postgres_instance: Any) -> None:
    """The server stops while a save is half-way (after the account row, before its
    results): a message, and after a restart the store holds only what was committed."""
    url = _with_password(postgres_instance.url)
    engine = open_store(url)
    first = save_account(engine, account(2022, GEP_2022))
    before = _counts(engine)
    with (
        failing(engine, "INSERT INTO results", postgres_instance.stop),
        pytest.raises(StoreUnavailableError) as e,
    ):
        save_account(engine, account(2023, GEP_2022))
    message = str(e.value)
    assert e.value.reason == "lost", message
    assert message.startswith(f"the connection to the store {shown_url(engine)} was lost (")
    assert message.endswith(
        "); the transaction in progress was rolled back, nothing was half-written. Check that "
        "the database server is running and reachable, then run again / 与核算结果库的连接中断，"
        "进行中的事务已回滚，没有写入不完整的数据；请确认数据库服务器正在运行且可以访问，然后重试"
    )
    _clean(message)
    with pytest.raises(StoreUnavailableError, match=r"^cannot reach the store postgresql\+"):
        list_accounts(engine)  # the server is still down
    postgres_instance.start()
    assert [a.id for a in list_accounts(engine)] == [first]
    assert _counts(engine) == before


def test_unwritable_folder_for_a_new_sqlite_store(tmp_path: Path) -> None:
    """A SQLite path under a file (not a folder) cannot be created: a message."""
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StoreUnavailableError) as e:
        open_store(tmp_path / "afile" / "ganpo.sqlite")
    assert str(e.value).startswith(f"cannot reach the store sqlite:///{tmp_path}/afile/ganpo")
    assert "所在目录是否存在" in str(e.value)
