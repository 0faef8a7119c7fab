"""Saving and reading accounts. A save is one transaction: all of an account or nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, create_engine, event, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.engine.result import RESULT_COLUMNS, AccountResult
from ganpo.errors import StoreError
from ganpo.store.models import (
    Account,
    AccountInput,
    AccountPrice,
    AccountUnit,
    Base,
    Extent,
    Result,
)


def database_url(value: str | Path) -> str:
    """A SQLAlchemy URL: a URL as is, or a file path for SQLite."""
    text = str(value)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def open_store(url: str | Path) -> Engine:
    """Connect to a store and create its tables if they do not exist."""
    url = database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn: Any, _: Any) -> None:  # SQLite enforces FKs only when asked
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    try:
        Base.metadata.create_all(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store {url}: {exc}") from exc
    return engine


def _none_if_nan(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN turned into NULL."""
    return [{str(k): _none_if_nan(v) for k, v in row.items()} for row in frame.to_dict("records")]


def save_account(engine: Engine, account: AccountResult) -> int:
    """Store a finished account in one transaction and return its id."""
    try:
        with Session(engine) as session, session.begin():
            row = Account(
                dataset_name=account.dataset_name,
                region_adcode=account.region_adcode,
                year=account.year,
                profile=account.profile,
                parameter_set=account.parameter_set,
                parameter_set_version=account.parameter_set_version,
                synthetic=account.synthetic,
                code_version=account.code_version,
                host=account.host,
                started_at=account.started_at,
                finished_at=account.finished_at,
                manifest_sha256=account.manifest_sha256,
                gep_cny=account.gep_cny,
                warnings=list(account.warnings),
                notes=list(account.notes),
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
    except SQLAlchemyError as exc:
        raise StoreError(f"the account was not stored (nothing was written): {exc}") from exc
    return aid


@dataclass(frozen=True)
class StoredAccount:
    """An account read back from the store."""

    account: Account
    results: pd.DataFrame
    units: pd.DataFrame
    extent: pd.DataFrame


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
    return StoredAccount(acc, results, units, extent)
