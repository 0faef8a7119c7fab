"""Series kept elsewhere (the store) brought to the registry and back (docs/tracking.md,
"Stored series and the yearly report").

Tracking imports no store: :func:`checked` validates values of any object with an
observation's attributes (an :class:`ObservationLike`: a stored or computed row) against
the registry's indicators and returns them as :class:`~ganpo.tracking.model.Observation`,
which the store records as they are (:func:`ganpo.store.tracking.record_observations`);
:func:`use_series` replaces a registry's observations by such rows (the stored ones in
force).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from ganpo.tracking.model import Observation
from ganpo.tracking.registry import Registry


class ObservationLike(Protocol):
    """What an observation has, wherever it is kept."""

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


def as_observation(row: ObservationLike) -> Observation:
    """A row as the registry takes it (validated as an observation)."""
    if isinstance(row, Observation):
        return row
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


def checked(
    registry: Registry,
    rows: Iterable[ObservationLike],
    *,
    source: str | Path | None = None,
) -> list[Observation]:
    """``rows`` checked against ``registry``'s indicators (a registered indicator, a unit
    that converts to the indicator's, one value per indicator, unit and year), in a copy:
    the registry is left as it was."""
    items = [as_observation(r) for r in rows]
    Registry(indicators=dict(registry.indicators), region=registry.region).add_observations(
        items, source=source
    )
    return items


def use_series(registry: Registry, rows: Iterable[ObservationLike]) -> None:
    """Replace ``registry``'s observations by ``rows`` (checked like any other)."""
    items = [as_observation(r) for r in rows]
    registry.observations.clear()
    registry.add_observations(items, source="store")
