"""Saving and reading accounts. A save is one transaction: all of an account or nothing."""

from __future__ import annotations

import getpass
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.engine.result import PHYSICAL_COLUMNS, RESULT_COLUMNS, AccountResult
from ganpo.engine.uncertainty import STORED_COLUMNS, Intervals
from ganpo.errors import StoreError
from ganpo.io.manifest import sha256_file
from ganpo.store import schema
from ganpo.store.models import (
    Account,
    AccountInput,
    AccountLog,
    AccountPrice,
    AccountRaster,
    AccountUnit,
    Extent,
    PhysicalResult,
    Result,
    UncertaintyInterval,
)


def database_url(value: str | Path) -> str:
    """A SQLAlchemy URL: a URL as is, or a file path for SQLite."""
    text = str(value)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def open_store(url: str | Path) -> Engine:
    """Connect to a store; a new (empty) store is created at the newest schema.

    A store at another schema is refused with the command that upgrades it, and an
    unreachable server gives a message that says so, never a traceback.
    """
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn: Any, _: Any) -> None:  # SQLite enforces FKs only when asked
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    shown = engine.url.render_as_string(hide_password=True)
    try:
        if schema.is_empty(engine):
            schema.upgrade(engine)
            return engine
        current, head = schema.current_revision(engine), schema.head_revision()
    except OperationalError as exc:
        raise StoreError(
            f"cannot reach the store {shown}: {exc.orig}. Check the URL, that the server "
            "is running and that this user may connect"
        ) from exc
    if current != head:
        raise StoreError(
            f"the store {shown} is at schema {current or 'none (not a ganpo store?)'}; this "
            f"ganpo needs schema {head}. Back it up, then run: "
            f"ganpo db upgrade --database {shown}"
        )
    return engine


def _none_if_nan(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN turned into NULL."""
    return [{str(k): _none_if_nan(v) for k, v in row.items()} for row in frame.to_dict("records")]


def save_account(engine: Engine, account: AccountResult, intervals: Intervals | None = None) -> int:
    """Store a finished account (and its Monte Carlo intervals) in one transaction."""
    try:
        with Session(engine) as session, session.begin():
            row = Account(
                dataset_name=account.dataset_name,
                region_adcode=account.region_adcode,
                year=account.year,
                profile=account.profile,
                price_policy=account.price_policy,
                parameter_set=account.parameter_set,
                parameter_set_version=account.parameter_set_version,
                synthetic=account.synthetic,
                code_version=account.code_version,
                host=account.host,
                started_at=account.started_at,
                finished_at=account.finished_at,
                manifest_sha256=account.manifest_sha256,
                dataset_root=account.dataset_root,
                input_digest=account.input_digest,
                gep_cny=account.gep_cny,
                warnings=list(account.warnings),
                notes=list(account.notes),
                log=list(account.log),
            )
            session.add(row)
            session.flush()
            aid = row.id
            session.add_all(AccountInput(account_id=aid, **r) for r in _records(account.inputs))
            session.add_all(AccountPrice(account_id=aid, **r) for r in _records(account.prices))
            unit_cols = [c.name for c in AccountUnit.__table__.columns if c.name != "account_id"]
            session.execute(
                insert(AccountUnit),
                _records(account.units[unit_cols].assign(account_id=aid)),
            )
            session.execute(insert(Result), _records(account.results.assign(account_id=aid)))
            session.execute(insert(Extent), _records(account.extent.assign(account_id=aid)))
            if not account.physical.empty:
                session.execute(
                    insert(PhysicalResult), _records(account.physical.assign(account_id=aid))
                )
            if not account.rasters.empty:
                session.execute(
                    insert(AccountRaster), _records(account.rasters.assign(account_id=aid))
                )
            if intervals is not None:
                session.execute(
                    insert(UncertaintyInterval),
                    _records(
                        intervals.table[STORED_COLUMNS].assign(
                            account_id=aid, draws=intervals.draws
                        )
                    ),
                )
            _log(session, aid, "create", {"year": account.year, "gep_cny": account.gep_cny})
    except SQLAlchemyError as exc:
        raise StoreError(f"the account was not stored (nothing was written): {exc}") from exc
    return aid


def _log(session: Session, account_id: int | None, action: str, detail: dict[str, Any]) -> None:
    session.add(
        AccountLog(
            account_id=account_id,
            action=action,
            at=datetime.now(UTC),
            user=getpass.getuser(),
            detail=detail,
        )
    )


def find_account(engine: Engine, input_digest: str) -> Account | None:
    """The newest stored account with this input digest (same data, method, code)."""
    with Session(engine) as session:
        found = session.scalars(
            select(Account).where(Account.input_digest == input_digest).order_by(Account.id.desc())
        ).first()
        if found is not None:
            session.expunge(found)
        return found


def delete_account(engine: Engine, account_id: int) -> None:
    """Delete an account and everything it holds, and record who did it."""
    with Session(engine) as session, session.begin():
        acc = session.get(Account, account_id)
        if acc is None:
            raise StoreError(f"no account {account_id} in the store")
        detail = {"dataset": acc.dataset_name, "year": acc.year, "gep_cny": acc.gep_cny}
        session.delete(acc)
        _log(session, account_id, "delete", detail)


def audit_log(engine: Engine) -> list[AccountLog]:
    with Session(engine) as session:
        rows = list(session.scalars(select(AccountLog).order_by(AccountLog.id)))
        session.expunge_all()
        return rows


def verify_inputs(engine: Engine, account_id: int) -> list[str]:
    """Re-hash the files an account read; a list of problems (empty when all match)."""
    with Session(engine) as session:
        acc = session.get(Account, account_id)
        if acc is None:
            raise StoreError(f"no account {account_id} in the store")
        root = Path(acc.dataset_root)
        problems = []
        for entry in acc.inputs:
            path = root / entry.path
            if not path.exists():
                problems.append(
                    f"{path}: missing (the account read it with sha256 {entry.sha256[:12]}…)"
                )
            elif sha256_file(path) != entry.sha256:
                problems.append(
                    f"{path}: changed since the account was computed (checksum mismatch); "
                    "the stored results no longer match this file"
                )
        for raster in acc_rasters(session, account_id):
            path = Path(raster.path)
            if not path.exists() or sha256_file(path) != raster.sha256:
                problems.append(f"{path}: value raster missing or changed since it was written")
        return problems


def acc_rasters(session: Session, account_id: int) -> list[AccountRaster]:
    return list(
        session.scalars(select(AccountRaster).where(AccountRaster.account_id == account_id))
    )


@dataclass(frozen=True)
class StoredAccount:
    """An account read back from the store."""

    account: Account
    results: pd.DataFrame
    units: pd.DataFrame
    extent: pd.DataFrame
    prices: pd.DataFrame
    intervals: pd.DataFrame
    inputs: pd.DataFrame
    rasters: pd.DataFrame
    #: quantities reported beside the GEP, never valued (PHYSICAL_COLUMNS)
    physical: pd.DataFrame


def list_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return list(session.scalars(select(Account).order_by(Account.id)))


def load_account(engine: Engine, account_id: int) -> StoredAccount:
    """Read an account with its results, units and extent."""
    with Session(engine) as session:
        acc = session.get(Account, account_id)
        if acc is None:
            ids = [a.id for a in session.scalars(select(Account))]
            raise StoreError(f"no account {account_id} in the store; stored ids: {ids or 'none'}")
        session.expunge(acc)
    with engine.connect() as conn:
        results = pd.read_sql(
            select(*[Result.__table__.c[c] for c in RESULT_COLUMNS]).where(
                Result.account_id == account_id
            ),
            conn,
        )
        units = pd.read_sql(select(AccountUnit).where(AccountUnit.account_id == account_id), conn)
        extent = pd.read_sql(select(Extent).where(Extent.account_id == account_id), conn)
        prices = pd.read_sql(
            select(AccountPrice).where(AccountPrice.account_id == account_id), conn
        )
        intervals = pd.read_sql(
            select(UncertaintyInterval).where(UncertaintyInterval.account_id == account_id), conn
        )
        inputs = pd.read_sql(
            select(AccountInput).where(AccountInput.account_id == account_id), conn
        )
        rasters = pd.read_sql(
            select(AccountRaster).where(AccountRaster.account_id == account_id), conn
        )
        physical = pd.read_sql(
            select(*[PhysicalResult.__table__.c[c] for c in PHYSICAL_COLUMNS]).where(
                PhysicalResult.account_id == account_id
            ),
            conn,
        )
    return StoredAccount(acc, results, units, extent, prices, intervals, inputs, rasters, physical)
