"""Stored monitoring series and issued reports on SQLite and PostgreSQL: a value recorded
again unchanged adds nothing, a changed one adds the next revision and keeps the old; the
newest revision is in force; a batch with a bad row writes nothing; a report version is
issued once and never overwritten; an alert is acknowledged once, with what the caller
writes in the same transaction or not at all; migrations 0015 and 0017 match the models
and downgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

import ganpo.store.inclusive_models
import ganpo.store.tracking_models  # noqa: F401  (the tracking tables in Base.metadata)
from ganpo.errors import InputError, StoreError
from ganpo.store import schema
from ganpo.store.models import Base
from ganpo.store.repository import open_store
from ganpo.store.tracking import (
    ObservationRecord,
    acknowledge_alert,
    alert_acks,
    list_reports,
    load_report,
    next_report_version,
    observation_history,
    observations_in_force,
    record_observations,
    save_report,
)
from ganpo.store.tracking_models import TrackingObservation

AIR = ObservationRecord(
    "good_air_days_share", 360000, 2024, 95.5, "%", "江西日报 2025-01-17", "reported"
)
WATER = ObservationRecord(
    "water_sections_good_share", 360000, 2024, 97.7, "%", "江西日报 2025-01-17", "reported"
)
T0 = datetime(2025, 2, 1, tzinfo=UTC)


def test_revisions_are_appended_and_the_newest_is_in_force(store_url: str) -> None:
    engine = open_store(store_url)
    first = record_observations(engine, [AIR, WATER], recorded_by="a", at=T0)
    assert (len(first.added), first.revised, first.unchanged) == (2, [], [])
    again = record_observations(engine, [AIR], recorded_by="b")
    assert again.unchanged == [("good_air_days_share", 360000, 2024)] and not again.added
    revised = AIR.__class__(**{**AIR.__dict__, "value": 95.8, "source": "统计公报 2025-03"})
    out = record_observations(engine, [revised], recorded_by="c")
    assert out.revised == [("good_air_days_share", 360000, 2024)]
    history = observation_history(engine, "good_air_days_share", 360000, 2024)
    assert [(h.revision, h.value, h.source, h.recorded_by) for h in history] == [
        (1, 95.5, "江西日报 2025-01-17", "a"),
        (2, 95.8, "统计公报 2025-03", "c"),
    ]
    assert history[0].recorded_at == T0
    force = {o.key: (o.revision, o.value) for o in observations_in_force(engine)}
    assert force == {
        ("good_air_days_share", 360000, 2024): (2, 95.8),
        ("water_sections_good_share", 360000, 2024): (1, 97.7),
    }
    only = observations_in_force(engine, indicators=["water_sections_good_share"])
    assert [o.indicator for o in only] == ["water_sections_good_share"]


def test_a_bad_row_writes_nothing(store_url: str) -> None:
    engine = open_store(store_url)
    bad = ObservationRecord("forest_cover", 360000, 2024, 63.1, "%", "x", "guessed")
    with pytest.raises(InputError, match=r"unknown status 'guessed'.*published, reported"):
        record_observations(engine, [AIR, bad])
    twice = AIR.__class__(**{**AIR.__dict__, "value": 90.0, "source": "other"})
    with pytest.raises(InputError, match=r"given twice \(95.5 %, 江西日报 2025-01-17; and 90 %"):
        record_observations(engine, [AIR, twice])
    nan = AIR.__class__(**{**AIR.__dict__, "value": float("nan")})
    with pytest.raises(InputError, match="not a finite number"):
        record_observations(engine, [nan])
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(TrackingObservation)) == 0


def test_a_report_version_is_issued_once(store_url: str) -> None:
    engine = open_store(store_url)
    assert next_report_version(engine, 2024) == 1
    figures = [{"kind": "account", "indicator": "gep", "value": 1.5, "source": "GEP account #2"}]
    kw = {"year": 2024, "lang": "zh", "figures": figures, "changes": [], "pdf_name": "r.pdf"}
    one = save_report(engine, version=1, pdf_sha256="a" * 64, issued_by="office", **kw)
    assert (one.version, one.issued_by, one.figures) == (1, "office", figures)
    with pytest.raises(StoreError, match="version 1 of the 2024 report is already issued"):
        save_report(engine, version=1, pdf_sha256="b" * 64, **kw)
    assert next_report_version(engine, 2024) == 2
    save_report(engine, version=2, pdf_sha256="c" * 64, **kw)
    assert [(r.year, r.version, r.pdf_sha256[0]) for r in list_reports(engine)] == [
        (2024, 1, "a"),
        (2024, 2, "c"),
    ]
    assert load_report(engine, 2024, 1).figures == figures
    with pytest.raises(InputError, match="no issued version 3 of the 2024 report; issued "
                       "versions: 1, 2"):  # fmt: skip
        load_report(engine, 2024, 3)


def test_an_alert_is_acknowledged_once(store_url: str) -> None:
    engine = open_store(store_url)
    key = "ganzhou-forest-cover-2026:at_risk:2025"
    kw = {"alert_key": key, "department": "forestry", "unit_code": 360700}
    seen: list[str] = []
    ack = acknowledge_alert(
        engine,
        by="forestry",
        note="补植计划已报",
        at=T0,
        also=lambda s, a: seen.append(a.alert_key),
        **kw,
    )
    assert (ack.acknowledged_by, ack.note, ack.acknowledged_at, seen) == (
        "forestry", "补植计划已报", T0, [key]
    )  # fmt: skip
    with pytest.raises(InputError, match="acknowledged already by forestry on 2025-02-01"):
        acknowledge_alert(engine, by="admin", **kw)

    def fail(session: Session, ack: object) -> None:
        raise RuntimeError("audit failed")

    other = {**kw, "alert_key": "ganzhou-forest-cover-2026:off_track:2026"}
    with pytest.raises(RuntimeError, match="audit failed"):
        acknowledge_alert(engine, by="forestry", also=fail, **other)
    assert list(alert_acks(engine)) == [key]  # the failed one wrote nothing
    engine.dispose()


def test_migration_0015_matches_the_models(store_url: str) -> None:
    engine = open_store(store_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert [d for d in diff if "tracking_" in repr(d)] == []


def test_downgrade_to_0014_drops_the_tracking_tables(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    schema.downgrade(engine, "0014")
    assert not [t for t in inspect(engine).get_table_names() if t.startswith("tracking_")]
    schema.upgrade(engine)
    assert {"tracking_observations", "tracking_reports", "tracking_alert_acks"} <= set(
        inspect(engine).get_table_names()
    )
