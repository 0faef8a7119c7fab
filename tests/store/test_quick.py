"""When the listings read a store with the standard library and when they leave it to
SQLAlchemy (which creates, refuses or explains); the records equal SQLAlchemy's (the
CLI tests compare every listing: tests/quicklistings.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from applications_support import hand_store
from ganpo.store import quick
from ganpo.store.repository import audit_log, list_accounts, open_store


def test_a_store_at_this_schema_is_read_quickly(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    engine = hand_store(str(db))
    q = quick.open_quick(db)
    assert q is not None and quick.open_quick(f"sqlite:///{db}") is not None
    orm = list_accounts(engine)
    fast = quick.accounts(q)
    assert [a.id for a in fast] == [a.id for a in orm]
    columns = [c for c in vars(fast[0])]
    for a, b in zip(orm, fast, strict=True):
        assert {c: getattr(a, c) for c in columns} == vars(b)
    assert [vars(e) for e in quick.audit_log(q)] == [
        {c: getattr(e, c) for c in vars(f)}
        for e, f in zip(audit_log(engine), quick.audit_log(q), strict=True)
    ]


@pytest.mark.parametrize(
    "database",
    ["postgresql://u@localhost/ganpo", "sqlite://", "sqlite:///:memory:", "{missing}"],
)
def test_other_stores_go_through_sqlalchemy(database: str, tmp_path: Path) -> None:
    assert quick.open_quick(database.format(missing=tmp_path / "none.sqlite")) is None
    assert not (tmp_path / "none.sqlite").exists()  # nothing created by looking


def test_a_store_at_another_schema_is_left_to_open_store(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    hand_store(str(db))
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    assert quick.open_quick(db) is None
    not_a_store = tmp_path / "plain.sqlite"
    sqlite3.connect(not_a_store).close()
    assert quick.open_quick(not_a_store) is None


def test_the_switch_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.sqlite"
    open_store(db).dispose()
    monkeypatch.setenv(quick.DISABLE, "1")
    assert quick.open_quick(db) is None


def test_a_quick_listing_loads_no_sqlalchemy(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    hand_store(str(db))
    code = (
        "import sys\n"
        "from ganpo.cli.main import app\n"
        "try:\n"
        f"    app(['account', 'list', '--database', {str(db)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'pandas', 'numpy')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
