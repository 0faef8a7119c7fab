"""The store's listings read from a SQLite file with the standard library alone.

Importing SQLAlchemy's ORM takes about 0.37 s on the project's machine, more than the
0.5 s a listing may take in all (docs/benchmarks.md). The listings (`account list | log`,
`apply rules list`, `apply transfers list`, `apply compensation ledger`, `carbon list`)
only select rows, so on a SQLite store at this ganpo's schema they read them here, with
:mod:`sqlite3`, read-only, and build the same records as the SQLAlchemy functions
(:mod:`ganpo.store.records`). Every other case, a PostgreSQL URL, a file that does not
exist yet or a store at another schema, returns ``None`` and the caller goes through
:func:`ganpo.store.repository.open_store`, which creates, refuses or explains.
``tests/store/test_quick.py`` checks each listing equal to the SQLAlchemy one.

Values come back as SQLAlchemy gives them on SQLite: a column declared ``DATETIME`` as a
naive :class:`~datetime.datetime`, ``JSON`` decoded, ``BOOLEAN`` as :class:`bool`.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ganpo.store.records import (
    HEAD_REVISION,
    AccountState,
    RuleRecord,
    RunRecord,
    as_utc,
    ledger_in_force,
    rule_record,
    run_record,
)

#: set to 1 to read every listing through SQLAlchemy (tests compare the two)
DISABLE = "GANPO_NO_QUICK_READ"


def sqlite_file(database: str | Path) -> Path | None:
    """The file of a SQLite store given as a path or a ``sqlite:///`` URL, else ``None``."""
    text = str(database)
    if "://" not in text:
        return Path(text).resolve()
    if text.startswith("sqlite:///") and "?" not in text:
        name = text.removeprefix("sqlite:///")
        return None if name in ("", ":memory:") or name.startswith("file:") else Path(name)
    return None


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        yield conn
    finally:
        conn.close()


def _convert(declared: str, value: Any) -> Any:
    if value is None:
        return None
    kind = declared.upper()
    if kind.startswith("DATETIME"):
        return datetime.fromisoformat(str(value))
    if kind == "JSON":
        return json.loads(value)
    if kind == "BOOLEAN":
        return bool(value)
    return value


class QuickStore:
    """A SQLite store opened read-only (:func:`open_quick`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._types: dict[str, dict[str, str]] = {}

    def _columns(self, conn: sqlite3.Connection, table: str) -> dict[str, str]:
        if table not in self._types:
            info = conn.execute(f"PRAGMA table_info({table})").fetchall()
            self._types[table] = {str(r[1]): str(r[2]) for r in info}
        return self._types[table]

    def rows(
        self, table: str, *, where: str = "", params: tuple[Any, ...] = (), order: str = "id"
    ) -> list[SimpleNamespace]:
        """Every row of ``table`` (optionally filtered), each column an attribute."""
        with _reading(self.path) as conn:
            types = self._columns(conn, table)
            names = list(types)
            sql = f"SELECT {', '.join(names)} FROM {table}"
            if where:
                sql += f" WHERE {where}"
            found = conn.execute(f"{sql} ORDER BY {order}", params).fetchall()
        return [
            SimpleNamespace(**{n: _convert(types[n], v) for n, v in zip(names, r, strict=True)})
            for r in found
        ]

    def scalar_rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with _reading(self.path) as conn:
            return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def open_quick(database: str | Path) -> QuickStore | None:
    """The store as a :class:`QuickStore` when it is an existing SQLite file at this
    ganpo's schema (and :data:`DISABLE` is not set), else ``None``."""
    if os.environ.get(DISABLE):
        return None
    path = sqlite_file(database)
    if path is None or not path.is_file():
        return None
    try:
        with _reading(path) as conn, closing(conn.cursor()) as cur:
            heads = [r[0] for r in cur.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.Error:
        return None
    return QuickStore(path) if heads == [HEAD_REVISION] else None


# ------------------------------------------------------------------------- listings
def accounts(q: QuickStore) -> list[SimpleNamespace]:
    """:func:`ganpo.store.repository.list_accounts`."""
    return q.rows("accounts")


def audit_log(q: QuickStore) -> list[SimpleNamespace]:
    """:func:`ganpo.store.repository.audit_log`."""
    return q.rows("account_log")


def rules(q: QuickStore) -> list[RuleRecord]:
    """:func:`ganpo.store.applications.list_rules`."""
    return [rule_record(r) for r in q.rows("apply_rules", order="name, version")]


def _states(q: QuickStore, ids: set[int]) -> dict[int, AccountState]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    found = {
        int(r.id): AccountState(
            int(r.id), True, r.status, r.superseded_by, r.status_reason, r.status_at
        )
        for r in q.rows("accounts", where=f"id IN ({marks})", params=tuple(sorted(ids)))
    }
    return {i: found.get(i, AccountState(i, False)) for i in sorted(ids)}


def runs(q: QuickStore, kind: str | None = None) -> list[RunRecord]:
    """:func:`ganpo.store.applications.list_runs` (of one kind)."""
    found = (
        q.rows("apply_runs", where="kind = ?", params=(kind,))
        if kind is not None
        else q.rows("apply_runs")
    )
    by_id = {r.id: r for r in q.rows("apply_rules")}
    states = _states(q, {int(i) for r in found for i in r.account_ids})
    return [run_record(r, by_id[r.rule_id], states) for r in found]


def ledger_rows(q: QuickStore, agreement: str | None = None) -> list[dict[str, Any]]:
    """:func:`ganpo.store.applications.ledger_rows`."""
    found = (
        q.rows("apply_settlements", where="agreement = ?", params=(agreement,))
        if agreement is not None
        else q.rows("apply_settlements")
    )
    run_of = {r.id: r for r in q.rows("apply_runs")}
    rows = [
        {
            "run_id": s.run_id,
            "agreement": s.agreement,
            "year": s.year,
            "method": s.method,
            "index_value": s.index_value,
            "met": s.met,
            "payer": s.payer,
            "payee": s.payee,
            "amount_cny": s.amount_cny,
            "gaps": list(s.gaps),
            "created_at": as_utc(run_of[s.run_id].created_at),
            "created_by": run_of[s.run_id].created_by,
        }
        for s in found
    ]
    return ledger_in_force(rows)


def inventories(q: QuickStore) -> list[SimpleNamespace]:
    """:func:`ganpo.store.carbon.list_inventories`."""
    return q.rows("carbon_inventories")


def inventory_row_counts(q: QuickStore) -> dict[int, int]:
    """:func:`ganpo.store.carbon.row_counts`."""
    sql = "SELECT inventory_id, count(*) FROM carbon_inventory_rows GROUP BY inventory_id"
    return {int(i): int(n) for i, n in q.scalar_rows(sql)}
