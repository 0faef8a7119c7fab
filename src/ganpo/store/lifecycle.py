"""The standing of a stored account: publish, withdraw (撤回), supersede by a revision
(统计数据修订), and delete only what nothing uses.

An account's figures never change, and a record that used an account (a transfer run,
an assessment, a compensation settlement, an asset valuation, a parcel's composition, a
revision that replaced it) must keep pointing at that same account. So:

- an account that is used, or that was published (or withdrawn, or superseded), cannot be
  deleted: :func:`delete_account` refuses with a :class:`~ganpo.errors.StoreConflictError`
  that names the records using it and says what to do instead; only an unused draft may
  go;
- :func:`withdraw_account` marks an account withdrawn with a reason,
  :func:`supersede_account` marks it superseded by a revised account of the same region
  and year; who, when and why are stored beside the account, in the store's log and in
  the platform's audit log, and the records that used it now read "superseded by #5";
- :func:`preferred_account` picks "the account of a year" among the current ones
  (published first, then the newest draft), never a withdrawn or superseded one;
- :func:`lock_usable_accounts` is called by every save of a record that names accounts,
  in the saving transaction: it locks those accounts against a concurrent delete, withdraw
  or supersede, and refuses accounts that are gone, withdrawn or superseded.

Ids are never reused (migration 0009), so "account #2" means one account for ever.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreConflictError
from ganpo.store.apply_models import ApplyRun
from ganpo.store.models import ACCOUNT_STATUSES, CURRENT_STATUSES, Account, AccountLog
from ganpo.store.platform import audit
from ganpo.store.records import AccountState, standing, standing_note  # noqa: F401 (re-exported)
from ganpo.store.register_models import RegisterParcel, RegisterValuation

#: how each kind of record that uses an account is named in messages (English, Chinese)
RUN_KINDS: dict[str, tuple[str, str]] = {
    "transfer": ("transfer allocation run", "转移支付分配"),
    "assessment": ("assessment run", "综合考核"),
    "settlement": ("compensation settlement run", "生态补偿结算"),
}


@dataclass(frozen=True)
class Reference:
    """A record that uses an account."""

    kind: str  # transfer, assessment, settlement, valuation, parcel, revision
    id: int
    en: str  # e.g. "transfer allocation run #3"
    zh: str  # e.g. "转移支付分配 #3"

    def public(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "label": f"{self.en} / {self.zh}"}


def _standing_en(row: Account) -> str:
    """The English standing of a stored account: ``published``, ``withdrawn (…)`` …"""
    english = standing(row.status, row.superseded_by, row.status_reason, row.status_at)[0]
    return english or row.status


def account_states(engine: Engine, account_ids: Iterable[int]) -> dict[int, AccountState]:
    """The standing of each account in ``account_ids`` (deleted ones included)."""
    with Session(engine) as session:
        return states_in(session, account_ids)


def states_in(session: Session, account_ids: Iterable[int]) -> dict[int, AccountState]:
    """:func:`account_states` in the caller's session."""
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return {}
    rows = session.execute(
        select(
            Account.id,
            Account.status,
            Account.superseded_by,
            Account.status_reason,
            Account.status_at,
        ).where(Account.id.in_(ids))
    ).all()
    found = {r[0]: AccountState(r[0], True, r[1], r[2], r[3], r[4]) for r in rows}
    return {i: found.get(i, AccountState(i, False)) for i in ids}


def preferred_account(rows: Iterable[Account]) -> Account | None:
    """The account to use among ``rows`` (say, those of one year): the newest published
    one, else the newest draft; never a withdrawn or superseded one (``None`` if only
    those remain)."""
    current = [r for r in rows if r.status in CURRENT_STATUSES]
    published = [r for r in current if r.status == "published"]
    chosen = published or current
    return max(chosen, key=lambda r: r.id) if chosen else None


# ----------------------------------------------------------------------------- locking


def write_lock(session: Session) -> None:
    """Start the session's transaction by taking the database's write lock (SQLite:
    BEGIN IMMEDIATE), so that what it reads next cannot change before it commits.
    PostgreSQL locks the rows read with FOR UPDATE / FOR SHARE instead."""
    if session.get_bind().dialect.name != "sqlite":
        return
    dbapi = session.connection().connection.driver_connection
    if not getattr(dbapi, "in_transaction", True):
        session.execute(text("BEGIN IMMEDIATE"))


def _locked(session: Session, account_id: int) -> Account:
    write_lock(session)
    row = session.scalars(
        select(Account).where(Account.id == account_id).with_for_update()
    ).one_or_none()
    if row is None:
        from ganpo.store.repository import missing_account

        raise missing_account(session, account_id)
    return row


def lock_usable_accounts(session: Session, account_ids: Sequence[int], what: str) -> None:
    """Inside the transaction that stores ``what`` (a run, a valuation…): lock the
    accounts it names against a concurrent delete, withdraw or supersede, and refuse it
    if one of them is gone, withdrawn or superseded."""
    ids = sorted({int(i) for i in account_ids})
    if not ids:
        return
    write_lock(session)
    rows = session.execute(
        select(Account.id, Account.status, Account.superseded_by, Account.status_reason)
        .where(Account.id.in_(ids))
        .with_for_update(read=True)
    ).all()
    found = {r.id: r for r in rows}
    problems_en, problems_zh, refused = [], [], []
    for i in ids:
        row = found.get(i)
        if row is None or row.status not in CURRENT_STATUSES:
            refused.append(f"account #{i}")
        if row is None:
            problems_en.append(f"account #{i} is not in the store")
            problems_zh.append(f"核算 #{i} 不存在")
        elif row.status == "withdrawn":
            problems_en.append(f"account #{i} was withdrawn ({row.status_reason})")
            problems_zh.append(f"核算 #{i} 已撤回")
        elif row.status == "superseded":
            problems_en.append(f"account #{i} was superseded by #{row.superseded_by}")
            problems_zh.append(f"核算 #{i} 已被 #{row.superseded_by} 修订替代")
    if problems_en:
        raise StoreConflictError(
            en=f"the {what} was not stored: {'; '.join(problems_en)}. Run it again on a current "
            "account (the default picks one)",
            zh=f"未保存：{'；'.join(problems_zh)}，请基于现行核算重新运行",
            record=what,
            references=refused,
        )


# --------------------------------------------------------------------------- references


def references(session: Session, account_id: int) -> list[Reference]:
    """Every stored record that uses account ``account_id``."""
    out: list[Reference] = []
    for run_id, kind, ids in session.execute(
        select(ApplyRun.id, ApplyRun.kind, ApplyRun.account_ids).order_by(ApplyRun.id)
    ):
        if account_id in {int(i) for i in ids or []}:
            en, zh = RUN_KINDS.get(kind, (f"{kind} run", kind))
            out.append(Reference(kind, run_id, f"{en} #{run_id}", f"{zh} #{run_id}"))
    for vid, target_kind, code in session.execute(
        select(RegisterValuation.id, RegisterValuation.target_kind, RegisterValuation.target_code)
        .where(RegisterValuation.account_id == account_id)
        .order_by(RegisterValuation.id)
    ):
        out.append(
            Reference(
                "valuation",
                vid,
                f"asset valuation #{vid} ({target_kind} {code})",
                f"资产估值 #{vid}（{code}）",
            )
        )
    for pid, code in session.execute(
        select(RegisterParcel.id, RegisterParcel.code)
        .where(RegisterParcel.composition_account_id == account_id)
        .order_by(RegisterParcel.id)
    ):
        out.append(
            Reference(
                "parcel",
                pid,
                f"asset register parcel {code} (#{pid}, its composition)",
                f"资产登记地块 {code}",
            )
        )
    for old in session.scalars(
        select(Account.id).where(Account.superseded_by == account_id).order_by(Account.id)
    ):
        out.append(
            Reference(
                "revision",
                old,
                f"account #{old} (superseded by this one)",
                f"被其替代的核算 #{old}",
            )
        )
    return out


def account_references(engine: Engine, account_id: int) -> list[Reference]:
    """:func:`references` in a session of its own (for display)."""
    with Session(engine) as session:
        return references(session, account_id)


# ------------------------------------------------------------------------------ changes


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


def _record_change(
    session: Session,
    account_id: int,
    action: str,
    actor: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The change in the store's log and in the platform's audit log (same transaction)."""
    session.add(
        AccountLog(
            account_id=account_id,
            action=action,
            at=datetime.now(UTC),
            user=actor,
            detail=after,
        )
    )
    audit(
        session,
        actor=actor,
        action=f"account.{action}",
        entity="account",
        entity_id=str(account_id),
        before=before,
        after=after,
    )


def _named(row: Account) -> str:
    return f"account #{row.id} ({row.dataset_name} {row.year})"


def _need_reason(reason: str, what: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InputError(
            en=f"a reason is needed to {what} (it is kept with the account and shown to its "
            "readers)",
            zh="须说明理由",
            field="reason",
        )
    if len(cleaned) > 2000:
        raise InputError(
            en="the reason is longer than 2000 characters", zh="理由过长", field="reason"
        )
    return cleaned


def delete_account(engine: Engine, account_id: int, *, actor: str | None = None) -> None:
    """Delete an unused draft account and everything it holds, and record who did it.

    Refused (:class:`StoreConflictError`, nothing changed) when the account is published,
    withdrawn or superseded, or when any record uses it.
    """
    who = _actor(actor)
    with Session(engine) as session, session.begin():
        acc = _locked(session, account_id)
        used = references(session, account_id)
        if acc.status != "draft" or used:
            raise _cannot_delete(acc, used)
        detail = {"dataset": acc.dataset_name, "year": acc.year, "gep_cny": acc.gep_cny}
        session.delete(acc)
        _record_change(session, account_id, "delete", who, {"status": acc.status}, detail)


def _cannot_delete(acc: Account, used: list[Reference]) -> StoreConflictError:
    why_en, why_zh = [], []
    if acc.status != "draft":
        why_en.append(f"it is {_standing_en(acc)}")
        why_zh.append(ACCOUNT_STATUSES[acc.status].split(" ")[0])
    if used:
        why_en.append("it is used by " + ", ".join(r.en for r in used))
        why_zh.append("被 " + "、".join(r.zh for r in used) + " 引用")
    if acc.status in ("withdrawn", "superseded"):
        todo_en = (
            "It stays in the store as a record and is no longer picked by default; nothing "
            "else needs to be done"
        )
        todo_zh = "它作为记录保留，不再被默认选用，无需其他操作"
    else:
        todo_en = (
            "Records keep pointing at the account they used, so it stays in the store. "
            "Withdraw it instead (撤回, with a reason) or, if a corrected account of the same "
            "region and year is stored, supersede it by that revision (统计数据修订)"
        )
        todo_zh = (
            "引用它的记录须始终指向原核算，故予以保留；请改为撤回（说明理由），"
            "或以同一地区、同一年份的修订核算替代"
        )
    return StoreConflictError(
        en=f"{_named(acc)} cannot be deleted: {'; '.join(why_en)}. {todo_en}",
        zh=f"核算 #{acc.id} 不能删除：{'，'.join(why_zh)}。{todo_zh}",
        record=f"account #{acc.id}",
        references=[r.en for r in used],
    )


def publish_account(engine: Engine, account_id: int, *, actor: str | None = None) -> Account:
    """Mark a draft account published (发布). Refused when another account of the same
    region and year is published: supersede that one by this one instead, so that readers
    learn which figures replaced which."""
    who = _actor(actor)
    with Session(engine) as session, session.begin():
        acc = _locked(session, account_id)
        if acc.status != "draft":
            raise StoreConflictError(
                en=f"{_named(acc)} cannot be published: it is {_standing_en(acc)}",
                zh=f"核算 #{acc.id} 不是草稿，不能发布",
                record=f"account #{acc.id}",
            )
        other = session.scalars(
            select(Account.id).where(
                Account.region_adcode == acc.region_adcode,
                Account.year == acc.year,
                Account.status == "published",
                Account.id != acc.id,
            )
        ).first()
        if other is not None:
            raise StoreConflictError(
                en=f"account #{other} of the same region and year ({acc.year}) is published; to "
                f"publish #{acc.id} in its place, supersede #{other} by #{acc.id} with a "
                "reason",
                zh=f"同一地区、同一年份已有发布的核算 #{other}；请以 #{acc.id} 修订替代 #{other}",
                record=f"account #{acc.id}",
                references=[f"account #{other}"],
            )
        acc.status, acc.published_by, acc.published_at = "published", who, datetime.now(UTC)
        _record_change(
            session, acc.id, "publish", who, {"status": "draft"}, {"status": "published"}
        )
        session.flush()
        session.expunge(acc)
        return acc


def withdraw_account(
    engine: Engine, account_id: int, *, reason: str, actor: str | None = None
) -> Account:
    """Mark an account withdrawn (撤回) with a reason; it stays, with its figures, for the
    records that used it, and is no longer picked by default."""
    why = _need_reason(reason, f"withdraw account #{account_id}")
    who = _actor(actor)
    with Session(engine) as session, session.begin():
        acc = _locked(session, account_id)
        if acc.status not in CURRENT_STATUSES:
            raise StoreConflictError(
                en=f"{_named(acc)} is already {_standing_en(acc)}; nothing to withdraw",
                zh=f"核算 #{acc.id} 已{'撤回' if acc.status == 'withdrawn' else '被修订替代'}",
                record=f"account #{acc.id}",
            )
        before = acc.status
        acc.status, acc.status_reason = "withdrawn", why
        acc.status_by, acc.status_at = who, datetime.now(UTC)
        _record_change(
            session,
            acc.id,
            "withdraw",
            who,
            {"status": before},
            {"status": "withdrawn", "reason": why},
        )
        session.flush()
        session.expunge(acc)
        return acc


def supersede_account(
    engine: Engine, old_id: int, new_id: int, *, reason: str, actor: str | None = None
) -> Account:
    """Mark account ``old_id`` superseded by the revision ``new_id`` (统计数据修订): a
    stored account of the same region and year. A published account's revision is
    published in the same transaction (it takes its place for readers). Returns the old
    account as it now stands."""
    why = _need_reason(reason, f"supersede account #{old_id}")
    if old_id == new_id:
        raise InputError(
            en=f"account #{old_id} cannot supersede itself; give the id of the revised account",
            zh="修订核算不能是其本身",
            field="new",
            values=[new_id],
        )
    who = _actor(actor)
    with Session(engine) as session, session.begin():
        first, second = sorted((old_id, new_id))  # lock in id order: no deadlock
        rows = {first: _locked(session, first), second: _locked(session, second)}
        old, new = rows[old_id], rows[new_id]
        if (old.region_adcode, old.year) != (new.region_adcode, new.year):
            raise InputError(
                en=f"account #{new.id} ({new.region_adcode}, {new.year}) cannot supersede "
                f"account #{old.id} ({old.region_adcode}, {old.year}): a revision is of the "
                "same region and year",
                zh="修订核算须为同一地区、同一年份",
                field="new",
                values=[new.id],
            )
        for row, role in ((old, "superseded"), (new, "the revision")):
            if row.status not in CURRENT_STATUSES:
                raise StoreConflictError(
                    en=f"{_named(row)} cannot be {role}: it is {_standing_en(row)}",
                    zh=f"核算 #{row.id} 已撤回或已被替代",
                    record=f"account #{row.id}",
                )
        now = datetime.now(UTC)
        was = old.status
        old.status, old.superseded_by, old.status_reason = "superseded", new.id, why
        old.status_by, old.status_at = who, now
        _record_change(
            session,
            old.id,
            "supersede",
            who,
            {"status": was},
            {"status": "superseded", "superseded_by": new.id, "reason": why},
        )
        if was == "published" and new.status == "draft":
            new.status, new.published_by, new.published_at = "published", who, now
            _record_change(
                session,
                new.id,
                "publish",
                who,
                {"status": "draft"},
                {"status": "published", "revision_of": old.id},
            )
        session.flush()
        session.expunge(old)
        return old
