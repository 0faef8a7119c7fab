"""The decision's series in the store: record observations after the registry has
checked them, and a registry whose observations are the stored ones in force
(docs/tracking.md, "Stored series and the yearly report").

Recording goes through :meth:`ganpo.tracking.registry.Registry.add_observations` first (a
registered indicator, a unit that converts to the indicator's, one value per key), then
:func:`ganpo.store.tracking.record_observations` (append-only revisions, one
transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from ganpo.store.tracking import (
    ObservationRecord,
    Recorded,
    StoredObservation,
    observations_in_force,
    record_observations,
)
from ganpo.tracking.model import Observation
from ganpo.tracking.registry import Registry


def to_record(ob: Observation) -> ObservationRecord:
    """An observation as the store keeps it."""
    return ObservationRecord(
        ob.indicator, ob.unit_code, ob.year, ob.value, ob.unit, ob.source, ob.status, ob.note
    )


def to_observation(row: StoredObservation | ObservationRecord) -> Observation:
    """A stored (or computed) observation as the registry takes it."""
    return Observation.model_validate(
        {
            "indicator": row.indicator,
            "unit_code": row.unit_code,
            "year": row.year,
            "value": row.value,
            "unit": row.unit,
            "source": row.source,
            "status": row.status,
            "note": row.note,
        }
    )


def record_checked(
    engine: Engine,
    registry: Registry,
    observations: Iterable[Observation | ObservationRecord],
    *,
    source: str | Path | None = None,
    recorded_by: str | None = None,
) -> Recorded:
    """Check ``observations`` against ``registry``'s indicators (in a copy: the registry
    is left as it was), then record them in the store in one transaction."""
    items = [o if isinstance(o, Observation) else to_observation(o) for o in observations]
    check = Registry(indicators=dict(registry.indicators))
    check.add_observations(items, source=source)
    return record_observations(engine, [to_record(o) for o in items], recorded_by=recorded_by)


def use_stored_series(registry: Registry, engine: Engine) -> list[StoredObservation]:
    """Replace ``registry``'s observations by the stored ones in force (checked like
    any other) and return those."""
    stored = observations_in_force(engine)
    registry.observations.clear()
    registry.add_observations([to_observation(s) for s in stored], source="store")
    return stored
