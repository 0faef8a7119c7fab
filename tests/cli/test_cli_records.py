"""`ganpo account delete/withdraw/supersede/publish` and the store's failures from the
command line: refusals and failures are one clean message (exit 2), records keep their
accounts, marked."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from typer.testing import CliRunner

from applications_support import (
    FACTORS,
    GEP_2022,
    account,
    hand_store,
    scaled,
    transfer_rule,
    write,
)
from ganpo.cli.main import app
from ganpo.store.repository import list_accounts, open_store, save_account
from quicklistings import assert_quick_equals_orm
from tinydata import tiny_factory

runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def wide_console() -> None:
    """Rich wraps table cells at the terminal width; tests read whole lines."""
    from ganpo.cli.common import console, err_console

    console.width = err_console.width = 250


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _refused(args: list[str], code: int = 2) -> str:
    """Refused with exit code 2 (the request), or 1 (the database failing)."""
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    out = " ".join(result.output.split())  # rich wraps long messages
    for leak in ("Traceback", "INSERT", "UPDATE", "DELETE FROM", "[SQL"):
        assert leak not in result.output, result.output
    return out


def test_withdraw_supersede_publish_and_refused_delete(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite")
    hand_store(db)  # accounts #1 (2022) and #2 (2023)
    rule, factors = transfer_rule(tmp_path), write(tmp_path / "f.csv", FACTORS)
    common = ["--rule", str(rule), "--year", "2022", "--factors", str(factors), "--db", db]
    out = _ok(["apply", "transfers", "run", "--budget", "1.03", "--unit", "万元", *common])
    assert "stored as run #1" in out
    out = _refused(["account", "delete", "1", "--database", db, "--yes"])
    assert (
        "error: account #1 (hand 2022) cannot be deleted: it is used by transfer allocation "
        "run #1. Records keep pointing at the account they used, so it stays in the store. "
        "Withdraw it instead" in out
    )
    assert "核算 #1 不能删除：被 转移支付分配 #1 引用" in out
    # a revised 2022 account supersedes #1; the run keeps #1 and its figures, marked
    save_account(open_store(db), account(2022, scaled(GEP_2022, dict.fromkeys(GEP_2022, 1.1))))
    out = _ok(["account", "supersede", "1", "3", "--reason", "普查修订 census", "--database", db])
    assert "account #1 (hand 2022) superseded by #3 / 已被修订替代: 普查修订 census" in out
    out = _ok(["apply", "transfers", "show", "1", "--db", db])
    assert "443300" in out  # Wuyuan's fen, as allocated on account #1
    assert re.search(
        r"account #1: superseded by #3 \(\d{4}-\d\d-\d\d: 普查修订 census\) / 已被 #3 修订替代", out
    )
    assert "1 (superseded by #3 (" in _ok(["apply", "transfers", "list", "--db", db])
    listed = _ok(["account", "list", "--database", db])
    assert re.search(r"│ 1 .* superseded by #3 已被修订替代 +│", listed)
    assert re.search(r"│ 3 .* draft 草稿 +│", listed)
    shown = _ok(["account", "show", "1", "--database", db])
    assert re.search(
        r"status 状态: superseded by #3 已被修订替代 on \d{4}-\d\d-\d\d \d\d:\d\d by \S+: "
        "普查修订 census",
        shown,
    )
    assert "used by 被引用: transfer allocation run #1 (it cannot be deleted)" in shown
    # a new allocation of 2022 uses the revision
    out = _ok(["apply", "transfers", "run", "--budget", "1.03", "--unit", "万元", *common])
    assert "stored as run #2" in out and "and account(s) 3 / 已入库" in out
    assert "published / 已发布" in _ok(["account", "publish", "3", "--database", db])
    assert "withdrawn / 已撤回: wrong" in _ok(
        ["account", "withdraw", "2", "--reason", "wrong", "--database", db]
    )
    out = _refused(["account", "withdraw", "2", "--reason", "again", "--database", db])
    assert "account #2 (hand 2023) is already withdrawn (" in out
    out = _refused(["account", "delete", "2", "--database", db, "--yes"])
    assert "cannot be deleted: it is withdrawn (" in out and "nothing else needs" in out
    log = _ok(["account", "log", "--database", db])
    for action in ("supersede", "publish", "withdraw"):
        assert f" {action} " in log
    assert [a.status for a in list_accounts(open_store(db))] == [
        "superseded",
        "withdrawn",
        "published",
    ]
    # the listings read without SQLAlchemy print what they print through it
    assert_quick_equals_orm(["account", "list", "--database", db], db)
    assert_quick_equals_orm(["account", "log", "--database", db], db)
    assert_quick_equals_orm(["apply", "transfers", "list", "--db", db], db)


def test_unused_draft_deleted_and_its_id_not_given_again(tmp_path: Path) -> None:
    db = str(tmp_path / "s.sqlite")
    hand_store(db, years=(2022,))
    _ok(["account", "delete", "1", "--database", db, "--yes"])
    save_account(open_store(db), account(2022, GEP_2022))
    assert [a.id for a in list_accounts(open_store(db))] == [2]
    log = _ok(["account", "log", "--database", db])
    assert [m.group(1, 2) for m in re.finditer(r" (create|delete) +│ #(\d)", log)] == [
        ("create", "1"),
        ("delete", "1"),
        ("create", "2"),
    ]


@pytest.fixture
def disk_full() -> Any:
    """Every engine fails with 'database or disk is full' when it stores results."""

    def full(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "INSERT INTO results" in statement:
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(Engine, "before_cursor_execute", full)
    yield
    event.remove(Engine, "before_cursor_execute", full)


def test_disk_full_during_a_run_is_a_message(
    tmp_path: Path, disk_full: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny: Callable[..., Path] = tiny_factory(tmp_path)
    db = tmp_path / "s.sqlite"
    out = _refused(["account", "run", str(tiny()), "--year", "2022", "--database", str(db)], 1)
    assert (
        f"error: the disk of the store sqlite:///{db} is full (database or disk is full); "
        "nothing was written: the change in progress was rolled back. Free disk space where "
        "the database lives, then run again / 核算结果库所在磁盘已满" in out
    )
    assert list_accounts(open_store(db)) == []


def test_read_only_store_is_a_message(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    hand_store(str(db), years=(2022,))
    ro = f"sqlite:///file:{db}?mode=ro&uri=true"
    out = _refused(["account", "withdraw", "1", "--reason", "x", "--database", ro], 1)
    assert "cannot be written (attempt to write a readonly database); nothing was written" in out
    assert "核算结果库不可写" in out
    assert [a.status for a in list_accounts(open_store(db))] == ["draft"]
