"""Stored monitoring series and issued yearly reports (docs/tracking.md, "Stored series
and the yearly report").

Observations are append-only: recording a value for an (indicator, unit, year) that
already has one adds the next revision when anything differs (value, unit, source, status
or note) and leaves the store as it is when nothing does; the newest revision is in force.
A batch is recorded in one transaction (nothing is written if any part fails). An issued
report gets the next version of its year; its figures and changes are kept as JSON.

The store does not import :mod:`ganpo.tracking` (a higher layer): an observation is
anything with the attributes of :class:`ObservationLike` (a tracking ``Observation``, a
plain :class:`ObservationRecord`).
"""

from __future__ import annotations

import getpass
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ganpo.errors import InputError, StoreError
from ganpo.store import failures
from ganpo.store.tracking_models import (
    OBSERVATION_STATUSES,
    TrackingAlertAck,
    TrackingObservation,
    TrackingReport,
)


class ObservationLike(Protocol):
    """What the store keeps of an observation (a tracking ``Observation`` has it)."""

    @property
    def indicator(self) -> str: ...
    @property
    def unit_code(self) -> int: ...
    @property
    def year(self) -> int: ...
    @property
    def value(self) -> float: ...
    @property
    def unit(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def note(self) -> str: ...


@dataclass(frozen=True)
class ObservationRecord:
    """One value of an indicator for a unit and a year, in ``unit``, with its source."""

    indicator: str
    unit_code: int
    year: int
    value: float
    unit: str
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class StoredObservation:
    """An observation read back, with its revision and who recorded it when."""

    indicator: str
    unit_code: int
    year: int
    revision: int
    value: float
    unit: str
    source: str
    status: str
    note: str
    recorded_at: datetime
    recorded_by: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.indicator, self.unit_code, self.year)


@dataclass(frozen=True)
class Recorded:
    """What recording a batch did: keys added (revision 1), revised (a new revision) and
    left unchanged (the value in force is the same)."""

    added: list[tuple[str, int, int]]
    revised: list[tuple[str, int, int]]
    unchanged: list[tuple[str, int, int]]


def _stored(row: TrackingObservation) -> StoredObservation:
    at = row.recorded_at
    return StoredObservation(
        indicator=row.indicator,
        unit_code=int(row.unit_code),
        year=int(row.year),
        revision=int(row.revision),
        value=float(row.value),
        unit=row.unit,
        source=row.source,
        status=row.status,
        note=row.note or "",
        recorded_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        recorded_by=row.recorded_by,
    )


def _check(obs: ObservationLike) -> None:
    where = f"observation of {obs.indicator!r} for {obs.unit_code} in {obs.year}"
    if obs.status not in OBSERVATION_STATUSES:
        raise InputError(
            en=f"{where}: unknown status {obs.status!r}; statuses: "
            f"{', '.join(OBSERVATION_STATUSES)}",
            zh="观测值状态无效",
            field="status",
            values=[obs.status],
        )
    if not math.isfinite(obs.value):
        raise InputError(
            en=f"{where}: the value {obs.value!r} is not a finite number",
            zh="观测值须为有限数值",
            field="value",
            values=[obs.value],
        )
    if not obs.source.strip():
        raise InputError(
            en=f"{where}: no source; every value names its source",
            zh="观测值须注明来源",
            field="source",
        )


def _same(row: TrackingObservation, obs: ObservationLike) -> bool:
    return (float(row.value), row.unit, row.source, row.status, row.note or "") == (
        float(obs.value),
        obs.unit,
        obs.source,
        obs.status,
        obs.note,
    )


def _newest(session: Session, keys: set[tuple[str, int, int]]) -> dict[Any, TrackingObservation]:
    T = TrackingObservation
    indicators = sorted({k[0] for k in keys})
    found: dict[Any, TrackingObservation] = {}
    if not indicators:
        return found
    for row in session.scalars(select(T).where(T.indicator.in_(indicators))):
        k = (row.indicator, int(row.unit_code), int(row.year))
        if k in keys and (k not in found or row.revision > found[k].revision):
            found[k] = row
    return found


def record_observations(
    engine: Engine,
    observations: Iterable[ObservationLike],
    *,
    recorded_by: str | None = None,
    at: datetime | None = None,
    also: Callable[[Session, Recorded], None] | None = None,
) -> Recorded:
    """Record a batch of observations in one transaction: a new key gets revision 1, a
    changed value the next revision (the old one kept), an identical one nothing. The same
    key twice in the batch is refused naming both sources. ``also`` runs in the same
    transaction with what was recorded (an audit row: both are written or neither)."""
    batch: dict[tuple[str, int, int], ObservationLike] = {}
    for obs in observations:
        _check(obs)
        key = (obs.indicator, int(obs.unit_code), int(obs.year))
        if key in batch:
            old = batch[key]
            raise InputError(
                en=f"observation of {obs.indicator!r} for {obs.unit_code} in {obs.year} is given "
                f"twice ({old.value:g} {old.unit}, {old.source}; and {obs.value:g} "
                f"{obs.unit}, {obs.source}): keep one",
                zh="同一指标、单位、年份的观测值重复",
                field="year",
                values=list(key),
            )
        batch[key] = obs
    when = at or datetime.now(UTC)
    who = recorded_by or getpass.getuser()
    added: list[tuple[str, int, int]] = []
    revised: list[tuple[str, int, int]] = []
    unchanged: list[tuple[str, int, int]] = []
    try:
        with Session(engine) as session, session.begin():
            newest = _newest(session, set(batch))
            for key, obs in batch.items():
                last = newest.get(key)
                if last is not None and _same(last, obs):
                    unchanged.append(key)
                    continue
                (revised if last is not None else added).append(key)
                session.add(
                    TrackingObservation(
                        indicator=obs.indicator,
                        unit_code=int(obs.unit_code),
                        year=int(obs.year),
                        revision=1 if last is None else last.revision + 1,
                        value=float(obs.value),
                        unit=obs.unit,
                        source=obs.source,
                        status=obs.status,
                        note=obs.note,
                        recorded_at=when,
                        recorded_by=who,
                    )
                )
            if also is not None:
                also(session, Recorded(added, revised, unchanged))
    except SQLAlchemyError as exc:
        raise failures.not_written(
            "observations", "观测值", exc, verb="recorded", plural=True
        ) from exc
    return Recorded(added, revised, unchanged)


def observations_in_force(
    engine: Engine, *, indicators: Iterable[str] | None = None
) -> list[StoredObservation]:
    """The newest revision of every stored (indicator, unit, year), in that order."""
    T = TrackingObservation
    with Session(engine) as session:
        stmt = select(T)
        keys = list(indicators or [])
        if keys:
            stmt = stmt.where(T.indicator.in_(keys))
        newest: dict[tuple[str, int, int], TrackingObservation] = {}
        for row in session.scalars(stmt):
            k = (row.indicator, int(row.unit_code), int(row.year))
            if k not in newest or row.revision > newest[k].revision:
                newest[k] = row
        return [_stored(newest[k]) for k in sorted(newest)]


def observation_history(
    engine: Engine, indicator: str, unit_code: int, year: int
) -> list[StoredObservation]:
    """Every revision of one (indicator, unit, year), oldest first."""
    T = TrackingObservation
    with Session(engine) as session:
        stmt = (
            select(T)
            .where(T.indicator == indicator, T.unit_code == unit_code, T.year == year)
            .order_by(T.revision)
        )
        return [_stored(r) for r in session.scalars(stmt)]


@dataclass(frozen=True)
class IssuedReport:
    """An issued version of the yearly report, read back."""

    id: int
    year: int
    version: int
    lang: str
    issued_at: datetime
    issued_by: str
    figures: list[dict[str, Any]]
    changes: list[dict[str, Any]]
    pdf_sha256: str
    pdf_name: str


def _issued(row: TrackingReport) -> IssuedReport:
    at = row.issued_at
    return IssuedReport(
        id=int(row.id),
        year=int(row.year),
        version=int(row.version),
        lang=row.lang,
        issued_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        issued_by=row.issued_by,
        figures=list(row.figures or []),
        changes=list(row.changes or []),
        pdf_sha256=row.pdf_sha256,
        pdf_name=row.pdf_name,
    )


def next_report_version(engine: Engine, year: int) -> int:
    """The version the next issued report of ``year`` gets (1 for the first)."""
    with Session(engine) as session:
        top = session.scalar(
            select(func.max(TrackingReport.version)).where(TrackingReport.year == year)
        )
        return 1 if top is None else int(top) + 1


def save_report(
    engine: Engine,
    *,
    year: int,
    version: int,
    lang: str,
    figures: list[dict[str, Any]],
    changes: list[dict[str, Any]],
    pdf_sha256: str,
    pdf_name: str,
    issued_by: str | None = None,
    at: datetime | None = None,
    also: Callable[[Session, IssuedReport], None] | None = None,
) -> IssuedReport:
    """Store an issued report as ``version`` of ``year``; a version already issued (say,
    by someone else meanwhile) is refused and nothing is written. ``also`` writes more in
    the same transaction (the platform's audit row): if it fails, nothing is stored."""
    try:
        with Session(engine) as session, session.begin():
            taken = session.scalar(
                select(TrackingReport.id).where(
                    TrackingReport.year == year, TrackingReport.version == version
                )
            )
            if taken is not None:
                raise StoreError(
                    en=f"version {version} of the {year} report is already issued; issued "
                    "versions are never overwritten",
                    zh=f"{year}年报告第{version}版已印发，不可覆盖",
                )
            row = TrackingReport(
                year=year,
                version=version,
                lang=lang,
                issued_at=at or datetime.now(UTC),
                issued_by=issued_by or getpass.getuser(),
                figures=figures,
                changes=changes,
                pdf_sha256=pdf_sha256,
                pdf_name=pdf_name,
            )
            session.add(row)
            session.flush()
            issued = _issued(row)
            if also is not None:
                also(session, issued)
    except SQLAlchemyError as exc:
        raise failures.not_written("report", "报告", exc) from exc
    return issued


def list_reports(engine: Engine, year: int | None = None) -> list[IssuedReport]:
    """Issued reports (of ``year``), by year and version."""
    R = TrackingReport
    with Session(engine) as session:
        stmt = select(R).order_by(R.year, R.version)
        if year is not None:
            stmt = stmt.where(R.year == year)
        return [_issued(r) for r in session.scalars(stmt)]


def load_report(engine: Engine, year: int, version: int) -> IssuedReport:
    """Issued version ``version`` of the ``year`` report; an unknown one lists those issued."""
    found = [r for r in list_reports(engine, year) if r.version == version]
    if not found:
        issued = [str(r.version) for r in list_reports(engine, year)]
        raise InputError(
            en=f"no issued version {version} of the {year} report; issued versions: "
            f"{', '.join(issued) or 'none'}",
            zh=f"{year}年报告没有第{version}版",
            field="version",
            values=[version],
        )
    return found[0]


@dataclass(frozen=True)
class AlertAck:
    """A department's acknowledgement of an alert, read back."""

    alert_key: str
    department: str
    unit_code: int
    note: str
    acknowledged_at: datetime
    acknowledged_by: str


def _ack(row: TrackingAlertAck) -> AlertAck:
    at = row.acknowledged_at
    return AlertAck(
        alert_key=row.alert_key,
        department=row.department,
        unit_code=int(row.unit_code),
        note=row.note,
        acknowledged_at=at if at.tzinfo else at.replace(tzinfo=UTC),
        acknowledged_by=row.acknowledged_by,
    )


def acknowledge_alert(
    engine: Engine,
    *,
    alert_key: str,
    department: str,
    unit_code: int,
    by: str,
    note: str = "",
    at: datetime | None = None,
    also: Callable[[Session, AlertAck], None] | None = None,
) -> AlertAck:
    """Record that ``department`` acknowledged the alert ``alert_key`` (once: a second
    acknowledgement is refused naming who gave the first). ``also`` writes more in the
    same transaction (the platform's audit row): if it fails, nothing is stored."""
    try:
        with Session(engine) as session, session.begin():
            found = session.scalar(
                select(TrackingAlertAck).where(TrackingAlertAck.alert_key == alert_key)
            )
            if found is not None:
                raise InputError(
                    en=f"alert {alert_key!r} was acknowledged already by {found.acknowledged_by} "
                    f"on {found.acknowledged_at:%Y-%m-%d}",
                    zh=f"该预警已由{found.acknowledged_by}确认",
                    field="alert",
                    values=[alert_key],
                )
            row = TrackingAlertAck(
                alert_key=alert_key,
                department=department,
                unit_code=unit_code,
                note=note,
                acknowledged_at=at or datetime.now(UTC),
                acknowledged_by=by,
            )
            session.add(row)
            session.flush()
            ack = _ack(row)
            if also is not None:
                also(session, ack)
    except SQLAlchemyError as exc:
        raise failures.not_written("acknowledgement", "确认", exc) from exc
    return ack


def alert_acks(engine: Engine) -> dict[str, AlertAck]:
    """Every acknowledgement, by alert key."""
    with Session(engine) as session:
        return {r.alert_key: _ack(r) for r in session.scalars(select(TrackingAlertAck))}
