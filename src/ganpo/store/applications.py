"""Saving and reading the applications' rules and runs (tables ``apply_*``).

Every save is one transaction, and its audit row (:func:`ganpo.store.platform.audit`) is
written in that same transaction: a run is stored with all its lines, its ledger row and
its audit row, or not at all. Rule versions are immutable: a changed rule is stored as
the next version of its name, and the runs keep the id of the version they used.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import StoreError, UnknownNameError
from ganpo.store.apply_models import ApplyLine, ApplyRule, ApplyRun, ApplySettlement
from ganpo.store.failures import not_written
from ganpo.store.lifecycle import RUN_KINDS, lock_usable_accounts, states_in
from ganpo.store.platform import as_utc as _utc
from ganpo.store.platform import audit
from ganpo.store.records import RuleRecord, RunRecord, ledger_in_force
from ganpo.store.records import rule_record as _rule_record
from ganpo.store.records import run_record as _run_record

if TYPE_CHECKING:
    import pandas as pd

LINE_COLUMNS = ("county_adcode", "item", "value", "amount_fen", "detail")


def save_rule(
    engine: Engine, *, kind: str, name: str, digest: str, body: dict[str, Any], actor: str
) -> RuleRecord:
    """Store a rule version: the newest stored one if its digest is equal, else a new one."""
    try:
        with Session(engine) as session, session.begin():
            latest = session.scalars(
                select(ApplyRule).where(ApplyRule.name == name).order_by(ApplyRule.version.desc())
            ).first()
            if latest is not None and latest.digest == digest:
                return _rule_record(latest)
            row = ApplyRule(
                kind=kind,
                name=name,
                version=1 if latest is None else latest.version + 1,
                digest=digest,
                body=body,
                created_at=datetime.now(UTC),
                created_by=actor,
            )
            session.add(row)
            session.flush()
            record = _rule_record(row)
            audit(
                session,
                actor=actor,
                action="apply.rule.create",
                entity="apply_rule",
                entity_id=str(row.id),
                before=None
                if latest is None
                else {"version": latest.version, "digest": latest.digest},
                after={"name": name, "kind": kind, "version": row.version, "digest": digest},
            )
            return record
    except IntegrityError as exc:
        raise StoreError(
            en=f"rule {name!r} was stored by someone else at the same moment; run again "
            "(nothing was written)",
            zh=f"规则 {name!r} 已被他人同时存储；请重新运行（未写入任何数据）",
        ) from exc
    except SQLAlchemyError as exc:
        raise not_written("rule", "规则", exc) from exc


def get_rule(engine: Engine, name: str, version: int | None = None) -> RuleRecord:
    """A stored rule version (newest when ``version`` is None)."""
    with Session(engine) as session:
        query = select(ApplyRule).where(ApplyRule.name == name)
        if version is not None:
            query = query.where(ApplyRule.version == version)
        row = session.scalars(query.order_by(ApplyRule.version.desc())).first()
        if row is None:
            stored = [
                f"{n} v{v}"
                for n, v in session.execute(
                    select(ApplyRule.name, ApplyRule.version).order_by(
                        ApplyRule.name, ApplyRule.version
                    )
                )
            ]
            label = name if version is None else f"{name} v{version}"
            raise UnknownNameError("stored rule", label, stored or ["(none stored)"])
        return _rule_record(row)


def get_rule_by_id(engine: Engine, rule_id: int) -> RuleRecord:
    with Session(engine) as session:
        row = session.get(ApplyRule, rule_id)
        if row is None:
            raise StoreError(
                en=f"no rule with id {rule_id} in the store", zh=f"库中没有编号为 {rule_id} 的规则"
            )
        return _rule_record(row)


def list_rules(engine: Engine) -> list[RuleRecord]:
    with Session(engine) as session:
        rows = session.scalars(select(ApplyRule).order_by(ApplyRule.name, ApplyRule.version))
        return [_rule_record(r) for r in rows]


def save_run(
    engine: Engine,
    *,
    kind: str,
    rule_id: int,
    year: int,
    account_ids: list[int],
    inputs: list[dict[str, Any]],
    params: dict[str, Any],
    notes: list[str],
    lines: list[dict[str, Any]],
    actor: str,
    budget_cny: float | None = None,
    total_cny: float | None = None,
    settlement: dict[str, Any] | None = None,
) -> int:
    """Store a run with its lines (and ledger row) and its audit row, in one transaction.

    The accounts it used are locked meanwhile; a run on an account that is gone,
    withdrawn or superseded is refused (:class:`~ganpo.errors.StoreConflictError`)."""
    what = {"transfer": "transfer allocation", "settlement": "compensation settlement"}
    try:
        with Session(engine) as session, session.begin():
            lock_usable_accounts(session, account_ids, f"{what.get(kind, kind)} run")
            row = ApplyRun(
                kind=kind,
                rule_id=rule_id,
                year=year,
                budget_cny=budget_cny,
                total_cny=total_cny,
                account_ids=list(account_ids),
                inputs=inputs,
                params=params,
                notes=list(notes),
                created_at=datetime.now(UTC),
                created_by=actor,
            )
            session.add(row)
            session.flush()
            run_id = row.id
            if lines:
                session.execute(
                    insert(ApplyLine),
                    [
                        {**{c: line.get(c) for c in LINE_COLUMNS}, "run_id": run_id}
                        for line in lines
                    ],
                )
            if settlement is not None:
                session.add(ApplySettlement(run_id=run_id, **settlement))
            audit(
                session,
                actor=actor,
                action=f"apply.{kind}.create",
                entity="apply_run",
                entity_id=str(run_id),
                before=None,
                after={
                    "kind": kind,
                    "rule_id": rule_id,
                    "year": year,
                    "budget_cny": budget_cny,
                    "total_cny": total_cny,
                    "account_ids": list(account_ids),
                    "lines": len(lines),
                },
            )
    except SQLAlchemyError as exc:
        kind_zh = RUN_KINDS[kind][1] if kind in RUN_KINDS else kind
        raise not_written(f"{kind} run", f"{kind_zh}记录", exc) from exc
    return run_id


def list_runs(engine: Engine, kind: str | None = None, year: int | None = None) -> list[RunRecord]:
    """Stored runs, oldest first, optionally of one kind and year."""
    with Session(engine) as session:
        query = select(ApplyRun, ApplyRule).join(ApplyRule, ApplyRun.rule_id == ApplyRule.id)
        if kind is not None:
            query = query.where(ApplyRun.kind == kind)
        if year is not None:
            query = query.where(ApplyRun.year == year)
        pairs = session.execute(query.order_by(ApplyRun.id)).all()
        states = states_in(session, (i for r, _ in pairs for i in r.account_ids))
        return [_run_record(r, u, states) for r, u in pairs]


def get_run(engine: Engine, run_id: int) -> RunRecord:
    with Session(engine) as session:
        found = session.execute(
            select(ApplyRun, ApplyRule)
            .join(ApplyRule, ApplyRun.rule_id == ApplyRule.id)
            .where(ApplyRun.id == run_id)
        ).first()
        if found is None:
            ids = list(session.scalars(select(ApplyRun.id).order_by(ApplyRun.id)))
            raise StoreError(
                en=f"no application run {run_id} in the store; stored ids: {ids or 'none'}",
                zh=f"库中没有编号为 {run_id} 的应用运行记录；已存的编号：{ids or '无'}",
            )
        return _run_record(found[0], found[1], states_in(session, found[0].account_ids))


def run_lines(engine: Engine, run_id: int, counties: set[int] | None = None) -> pd.DataFrame:
    """The lines of a run (optionally only those of ``counties``), in stored order."""
    import pandas as pd

    with Session(engine) as session:
        query = select(ApplyLine).where(ApplyLine.run_id == run_id)
        if counties is not None:
            query = query.where(ApplyLine.county_adcode.in_(sorted(counties)))
        rows = session.scalars(query.order_by(ApplyLine.id)).all()
        return pd.DataFrame(
            [{c: getattr(r, c) for c in LINE_COLUMNS} for r in rows], columns=list(LINE_COLUMNS)
        )


def ledger_rows(engine: Engine, agreement: str | None = None) -> list[dict[str, Any]]:
    """The settlement ledger (all agreements or one), oldest first, with run ids, one dict
    per settlement.

    ``in_force`` marks the newest settlement of each agreement and year (a later one of the
    same year supersedes it; none is ever deleted).
    """
    with Session(engine) as session:
        query = select(ApplySettlement, ApplyRun.created_at, ApplyRun.created_by).join(
            ApplyRun, ApplySettlement.run_id == ApplyRun.id
        )
        if agreement is not None:
            query = query.where(ApplySettlement.agreement == agreement)
        rows: list[dict[str, Any]] = []
        for s, at, by in session.execute(query.order_by(ApplySettlement.id)):
            rows.append(
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
                    "created_at": _utc(at),
                    "created_by": by,
                }
            )
    return ledger_in_force(rows)


def ledger(engine: Engine, agreement: str | None = None) -> pd.DataFrame:
    """The settlement ledger of :func:`ledger_rows` as a table (no columns when empty)."""
    import pandas as pd

    return pd.DataFrame(ledger_rows(engine, agreement))


def count_runs(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(ApplyRun)) or 0)
