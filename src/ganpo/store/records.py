"""What the store gives back, without SQLAlchemy: the record types and the rules that
make them from a row (any object with the row's attributes, an ORM object or a row read
by :mod:`ganpo.store.quick`), the account statuses and the schema revision. Modules that
need SQLAlchemy import these from here, so that the listings can read a SQLite store with
the standard library alone and still build the same records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: the schema revision this ganpo needs: the newest migration (a test checks them equal)
HEAD_REVISION = "0022"

#: What an account is to its readers (its figures never change; its standing may):
#: draft → published; draft or published → withdrawn, or superseded by a revision.
ACCOUNT_STATUSES: dict[str, str] = {
    "draft": "草稿 draft",
    "published": "已发布 published",
    "withdrawn": "已撤回 withdrawn",
    "superseded": "已被修订替代 superseded",
}
#: the statuses of an account that may still be used for new work
CURRENT_STATUSES = ("draft", "published")


def as_utc(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite gives them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def standing(
    status: str,
    superseded_by: int | None,
    reason: str | None,
    at: datetime | None,
    exists: bool = True,
) -> tuple[str, str]:
    """An account's standing in English (with date and reason) and in Chinese; two empty
    strings for a current account (draft or published)."""
    if not exists:
        return "deleted (before ganpo kept used accounts)", "已删除"
    when = f"{as_utc(at):%Y-%m-%d}" if at is not None else ""
    why = f" ({when}: {reason})" if reason else (f" ({when})" if when else "")
    if status == "superseded":
        return f"superseded by #{superseded_by}{why}", f"已被 #{superseded_by} 修订替代"
    if status == "withdrawn":
        return f"withdrawn{why}", "已撤回"
    return "", ""


def standing_note(
    status: str,
    superseded_by: int | None,
    reason: str | None,
    at: datetime | None,
    exists: bool = True,
) -> str:
    """:func:`standing` as one bilingual text ('' for a current account)."""
    english, chinese = standing(status, superseded_by, reason, at, exists)
    return f"{english} / {chinese}" if english else ""


@dataclass(frozen=True)
class AccountState:
    """The standing of an account a record names (``exists`` False: deleted before ids
    were protected, migration 0009)."""

    id: int
    exists: bool
    status: str = "deleted"
    superseded_by: int | None = None
    reason: str | None = None
    at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.exists and self.status in CURRENT_STATUSES

    def note(self) -> str:
        """How the account's standing is shown beside a record that used it ('' when
        current), e.g. ``superseded by #5 (2025-07-01: census revision) / 已被 #5 修订替代``."""
        return standing_note(self.status, self.superseded_by, self.reason, self.at, self.exists)

    def note_en(self) -> str:
        """:meth:`note` in English only (for a table cell)."""
        return standing(self.status, self.superseded_by, self.reason, self.at, self.exists)[0]

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "superseded_by": self.superseded_by,
            "note": self.note(),
        }


@dataclass(frozen=True)
class RuleRecord:
    id: int
    kind: str
    name: str
    version: int
    digest: str
    body: dict[str, Any]
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    rule_id: int
    rule_name: str
    rule_version: int
    year: int
    budget_cny: float | None
    total_cny: float | None
    account_ids: list[int]
    inputs: list[dict[str, Any]]
    params: dict[str, Any]
    notes: list[str]
    created_at: datetime
    created_by: str
    #: the standing of each account the run used, now (a run keeps pointing at the
    #: accounts it used; one of them may since have been withdrawn or superseded)
    accounts: list[AccountState] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """JSON-ready fields (for the API and the audit log)."""
        out = dict(self.__dict__)
        out["created_at"] = as_utc(self.created_at).isoformat()
        out["accounts"] = [a.public() for a in self.accounts]
        return out

    def account_notes(self) -> list[str]:
        """``account #2: superseded by #5 …`` for each used account no longer current."""
        return [f"account #{a.id}: {a.note()}" for a in self.accounts if a.note()]


def rule_record(row: Any) -> RuleRecord:
    return RuleRecord(
        id=row.id,
        kind=row.kind,
        name=row.name,
        version=row.version,
        digest=row.digest,
        body=dict(row.body),
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
    )


def run_record(row: Any, rule: Any, states: dict[int, AccountState] | None = None) -> RunRecord:
    return RunRecord(
        id=row.id,
        kind=row.kind,
        rule_id=row.rule_id,
        rule_name=rule.name,
        rule_version=rule.version,
        year=row.year,
        budget_cny=row.budget_cny,
        total_cny=row.total_cny,
        account_ids=list(row.account_ids),
        inputs=list(row.inputs),
        params=dict(row.params),
        notes=list(row.notes),
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        accounts=[(states or {}).get(int(i), AccountState(int(i), False)) for i in row.account_ids],
    )


def ledger_in_force(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark ``in_force`` the newest settlement (highest run id) of each agreement and
    year in ledger rows (a later one of the same year supersedes it; none is deleted)."""
    newest: dict[tuple[str, int], int] = {}
    for r in rows:
        key = (r["agreement"], r["year"])
        newest[key] = max(newest.get(key, r["run_id"]), r["run_id"])
    for r in rows:
        r["in_force"] = r["run_id"] == newest[(r["agreement"], r["year"])]
    return rows
