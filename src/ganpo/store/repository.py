"""Saving and reading accounts. A save is one transaction: all of an account or nothing.

Opening a store and listing its accounts and its log load no numerical library: pandas,
the engine's column lists and the file readers are imported by the functions that save or
read an account's tables (the listing commands stay fast, issue 14).
"""

from __future__ import annotations

import getpass
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, insert, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import StoreError
from ganpo.io.decisions import Decision
from ganpo.store import failures, schema
from ganpo.store.models import (
    Account,
    AccountCoverage,
    AccountDecision,
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

if TYPE_CHECKING:
    import pandas as pd

    from ganpo.engine.result import AccountResult
    from ganpo.engine.uncertainty import Intervals


def database_url(value: str | Path) -> str:
    """A SQLAlchemy URL: a URL as is, or a file path for SQLite."""
    text = str(value)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


#: key of the PostgreSQL advisory lock held while an empty store is created (any number;
#: the same in every ganpo process)
CREATION_LOCK_KEY = 0x67616E706F  # "ganpo"


@contextmanager
def _creation_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time checks whether the store is empty and creates
    it: the server workers of ``ganpo serve --workers N`` open the same new store at once,
    and without the lock two of them would each run the migrations. SQLite serialises
    writers by itself (and its migration is one exclusive transaction)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": CREATION_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": CREATION_LOCK_KEY})
            conn.commit()


def open_store(url: str | Path) -> Engine:
    """Connect to a store; a new (empty) store is created at the newest schema.

    A store at another schema is refused with the command that upgrades it, and an
    unreachable server gives a message that says so, never a traceback.
    """
    url = database_url(url)
    engine = create_engine(url)
    shown = failures.shown_url(engine)
    if engine.dialect.name == "sqlite":
        path = engine.url.database or ":memory:"
        if path != ":memory:" and not path.startswith("file:"):  # not a memory or URI name
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise failures.unavailable(shown, "unreachable", exc) from exc

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_conn: Any, _: Any) -> None:  # SQLite enforces FKs only when asked
            dbapi_conn.execute("PRAGMA foreign_keys=ON")

    failures.translate_errors(engine)
    try:
        with _creation_lock(engine):
            if schema.is_empty(engine):
                schema.upgrade(engine)
                return engine
        current, head = schema.current_revision(engine), schema.head_revision()
    except OperationalError as exc:  # not translated (e.g. raised before a connection)
        raise failures.unavailable(shown, "unreachable", exc) from exc
    if current != head:
        raise StoreError(
            en=f"the store {shown} is at schema {current or 'none (not a ganpo store?)'}; this "
            f"ganpo needs schema {head}. Back it up, then run: "
            f"ganpo db upgrade --database {shown}",
            zh=f"核算结果库 {shown} 的结构版本为 {current or '无（不是 ganpo 的库？）'}，"
            f"本版 ganpo 需要结构版本 {head}。请先备份，再运行："
            f"ganpo db upgrade --database {shown}",
        )
    return engine


def _none_if_nan(x: Any) -> Any:
    return None if isinstance(x, float) and math.isnan(x) else x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with NaN turned into NULL."""
    return [{str(k): _none_if_nan(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _with_unit_code(frame: pd.DataFrame) -> pd.DataFrame:
    """A county-level frame made before units had codes gets ``unit_code`` = county."""
    if "unit_code" in frame.columns:
        return frame
    return frame.assign(unit_code=frame["county_adcode"].astype("int64"))


def _check_coverage(coverage: pd.DataFrame) -> None:
    """Refuse a coverage table the store cannot hold, before anything is written."""
    from ganpo.engine.result import COVERAGE_COLUMNS

    missing = [c for c in COVERAGE_COLUMNS if c not in coverage.columns]
    if missing:
        raise StoreError(
            en=f"the account's coverage table lacks column(s) {', '.join(missing)}; it needs "
            f"{', '.join(COVERAGE_COLUMNS)} (nothing was written)",
            zh=f"核算的覆盖率表缺少列 {'、'.join(missing)}；须有列 "
            f"{'、'.join(COVERAGE_COLUMNS)}（未写入任何数据）",
        )
    twice = coverage[coverage.duplicated(["unit_code", "role"], keep=False)]
    if not twice.empty:
        pairs = sorted({f"{int(u)}/{r}" for u, r in zip(twice.unit_code, twice.role, strict=True)})
        raise StoreError(
            en=f"the account's coverage table has more than one row for unit/role "
            f"{', '.join(pairs[:5])}; each unit and layer role has one coverage row "
            "(nothing was written)",
            zh=f"核算的覆盖率表中单元/角色 {'、'.join(pairs[:5])} 有不止一行；每个单元和图层"
            "角色只应有一行覆盖率记录（未写入任何数据）",
        )


def _decision_rows(account_id: int, decisions: list[Decision]) -> list[dict[str, Any]]:
    return [
        {**d.as_row(), "account_id": account_id, "position": i} for i, d in enumerate(decisions)
    ]


def save_account(engine: Engine, account: AccountResult, intervals: Intervals | None = None) -> int:
    """Store a finished account (with its decisions, its coverage table and its Monte Carlo
    intervals) in one transaction.

    Frames without ``unit_code`` (accounts built by hand at county level) are stored as
    county-level: unit code = county adcode."""
    from ganpo.engine.result import COVERAGE_COLUMNS
    from ganpo.engine.uncertainty import STORED_COLUMNS
    from ganpo.io.units import with_unit_columns

    _check_coverage(account.coverage)
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
                warnings_zh=list(account.warnings_zh),
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
                _records(with_unit_columns(account.units)[unit_cols].assign(account_id=aid)),
            )
            session.execute(
                insert(Result), _records(_with_unit_code(account.results).assign(account_id=aid))
            )
            session.execute(
                insert(Extent), _records(_with_unit_code(account.extent).assign(account_id=aid))
            )
            if not account.physical.empty:
                session.execute(
                    insert(PhysicalResult),
                    _records(_with_unit_code(account.physical).assign(account_id=aid)),
                )
            if not account.rasters.empty:
                session.execute(
                    insert(AccountRaster), _records(account.rasters.assign(account_id=aid))
                )
            if account.decisions:
                session.execute(insert(AccountDecision), _decision_rows(aid, account.decisions))
            if not account.coverage.empty:
                session.execute(
                    insert(AccountCoverage),
                    _records(account.coverage[COVERAGE_COLUMNS].assign(account_id=aid)),
                )
            if intervals is not None:
                session.execute(
                    insert(UncertaintyInterval),
                    _records(
                        _with_unit_code(intervals.table)[STORED_COLUMNS].assign(
                            account_id=aid, draws=intervals.draws
                        )
                    ),
                )
            _log(session, aid, "create", {"year": account.year, "gep_cny": account.gep_cny})
    except SQLAlchemyError as exc:
        raise failures.not_written("account", "核算", exc) from exc
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


def delete_account(engine: Engine, account_id: int, *, actor: str | None = None) -> None:
    """Delete an unused draft account (refused for one that is used or was published:
    :func:`ganpo.store.lifecycle.delete_account`), and record who did it."""
    from ganpo.store import lifecycle  # lifecycle reads the application tables

    lifecycle.delete_account(engine, account_id, actor=actor)


def audit_log(engine: Engine) -> list[AccountLog]:
    with Session(engine) as session:
        rows = list(session.scalars(select(AccountLog).order_by(AccountLog.id)))
        session.expunge_all()
        return rows


def verify_inputs(engine: Engine, account_id: int) -> list[str]:
    """Re-hash the files an account read; a list of problems (empty when all match)."""
    from ganpo.io.manifest import sha256_file

    with Session(engine) as session:
        acc = session.get(Account, account_id)
        if acc is None:
            raise missing_account(session, account_id)
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


def _no_coverage() -> pd.DataFrame:
    """An empty coverage table (COVERAGE_COLUMNS)."""
    import pandas as pd

    from ganpo.engine.result import COVERAGE_COLUMNS

    return pd.DataFrame(columns=COVERAGE_COLUMNS)


@dataclass(frozen=True)
class StoredAccount:
    """An account read back from the store. ``units`` are the account's units of its
    finest level (:mod:`ganpo.io.units` model, no geometry); :attr:`counties` rolls them
    up to one row per county."""

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
    #: inputs accepted under a stated rule, in the run's order
    decisions: list[Decision] = field(default_factory=list)
    #: per unit and layer role: cells, cells with data, share (COVERAGE_COLUMNS)
    coverage: pd.DataFrame = field(default_factory=_no_coverage)

    @property
    def counties(self) -> pd.DataFrame:
        """One row per county: its attributes and area (the sum of its units')."""
        from ganpo.io.units import county_table

        return county_table(self.units)

    @property
    def level(self) -> str:
        """The level of the account's units (county, township, village, unit)."""
        return str(self.units["level"].iloc[0]) if len(self.units) else "county"


def list_accounts(engine: Engine) -> list[Account]:
    with Session(engine) as session:
        return list(session.scalars(select(Account).order_by(Account.id)))


def published_extent(
    engine: Engine, region_adcode: int, before_year: int
) -> tuple[int, int, pd.DataFrame] | None:
    """The extent (``county_adcode``, ``ecosystem_code``, ``area_m2``) of the newest
    published account of ``region_adcode`` for a year before ``before_year``, with its id
    and year; None when there is none. The departments' upload checks compare areas they
    report (e.g. forest recovering from pests) with it."""
    import pandas as pd

    with Session(engine) as session:
        acc = session.scalars(
            select(Account)
            .where(
                Account.region_adcode == region_adcode,
                Account.status == "published",
                Account.year < before_year,
            )
            .order_by(Account.year.desc(), Account.id.desc())
        ).first()
        if acc is None:
            return None
        account_id, year = acc.id, acc.year
    with engine.connect() as conn:
        extent = pd.read_sql(
            select(Extent.county_adcode, Extent.ecosystem_code, Extent.area_m2).where(
                Extent.account_id == account_id
            ),
            conn,
        )
    return account_id, year, extent


def missing_account(session: Session, account_id: int) -> StoreError:
    """The refusal of an account id that is not in the store (0, a negative id, one never
    stored or deleted), in English and Chinese, with the ids that are stored: every command
    that looks an account up by its id says it the same way."""
    ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    return StoreError(
        en=f"no account {account_id} in the store; stored ids: {ids or 'none'}; give the id of a "
        "stored account (`ganpo account list`)",
        zh=f"库中没有核算 #{account_id}，请给出已存核算的编号（见 ganpo account list）",
    )


def standing_mark(account: Any) -> str:
    """How an output made from a withdrawn or superseded account says so (both languages;
    '' for a current account): viewing and exporting such an account is legitimate (an
    audit reads the figures a record used), but its reader must see that it is no longer
    the account of its region and year."""
    from ganpo.store.records import standing

    english, chinese = standing(
        str(getattr(account, "status", "draft")),
        getattr(account, "superseded_by", None),
        getattr(account, "status_reason", None),
        getattr(account, "status_at", None),
    )
    if not english:
        return ""
    return (
        f"account #{account.id} was {english}: its figures are kept as a record, not for "
        f"new work / 核算 #{account.id} {chinese}：其数据仅作记录保留，不再用于新的工作"
    )


def load_account(engine: Engine, account_id: int) -> StoredAccount:
    """Read an account with its results, units and extent."""
    import pandas as pd

    from ganpo.engine.result import COVERAGE_COLUMNS, PHYSICAL_COLUMNS, RESULT_COLUMNS

    with Session(engine) as session:
        acc = session.get(Account, account_id)
        if acc is None:
            raise missing_account(session, account_id)
        session.expunge(acc)
    with engine.connect() as conn:
        results = pd.read_sql(
            select(*[Result.__table__.c[c] for c in RESULT_COLUMNS]).where(
                Result.account_id == account_id
            ),
            conn,
        )
        units = pd.read_sql(
            select(AccountUnit)
            .where(AccountUnit.account_id == account_id)
            .order_by(AccountUnit.unit_code),
            conn,
        )
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
        coverage = pd.read_sql(
            select(*[AccountCoverage.__table__.c[c] for c in COVERAGE_COLUMNS])
            .where(AccountCoverage.account_id == account_id)
            .order_by(AccountCoverage.unit_code, AccountCoverage.role),
            conn,
        )
    return StoredAccount(
        acc,
        results,
        units,
        extent,
        prices,
        intervals,
        inputs,
        rasters,
        physical,
        decisions=load_decisions(engine, account_id),
        coverage=coverage,
    )


def load_decisions(engine: Engine, account_id: int) -> list[Decision]:
    """The decisions an account made, in the order the run made them."""
    with Session(engine) as session:
        rows = session.scalars(
            select(AccountDecision)
            .where(AccountDecision.account_id == account_id)
            .order_by(AccountDecision.position)
        )
        return [
            Decision(
                kind=r.kind,
                subject=r.subject,
                message_en=r.message_en,
                message_zh=r.message_zh,
                basis=r.basis,  # type: ignore[arg-type]  # stored from a Decision's Basis
                unit_code=None if r.unit_code is None else int(r.unit_code),
                source=r.source,
                values=tuple(r.values or ()),
                explanation=r.explanation,
                explained_by=r.explained_by,
                accepted_by=r.accepted_by,
            )
            for r in rows
        ]
