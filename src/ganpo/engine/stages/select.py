"""Stage 2: the layer entry of each role the account reads, for the year."""

from __future__ import annotations

from dataclasses import dataclass

from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import Plan
from ganpo.errors import InputError, ManifestError
from ganpo.io.manifest import LayerEntry
from ganpo.io.roles import LAYER_ROLES
from ganpo.services.base import Method


@dataclass(frozen=True)
class Selection:
    """The layers an account reads: ``entries`` by role, the ecosystem map first, then
    ``needed`` (the roles the raster methods read, sorted)."""

    raster_methods: list[Method]  # valued and physical methods with a per-cell part
    needed: list[str]
    entries: dict[str, LayerEntry]


def select_layers(run: Run, plan: Plan) -> Selection:
    """Pick the manifest entry of every role the raster methods read (and of the
    ecosystem map) for the run's year, or the year ``run.layer_years`` holds it at; stop
    when a role has none or is declared in another unit than ganpo reads it in."""
    m = plan.manifest
    # physical methods run in the same pass; their sums go to ``physical``, never to GEP
    raster_methods = [x for x in plan.all_methods if x.raster is not None]
    needed = sorted({r for x in raster_methods for r in x.layers})
    roles = ["ecosystem_type", *needed]
    missing = [r for r in roles if m.layer(r, run.layer_year(r)) is None]
    if missing:
        raise ManifestError(
            f"no layer for role(s) {', '.join(missing)} in year {run.year}; add them to the "
            "manifest (each [[layers]] entry needs role, path, unit, year, source, synthetic)",
            source=plan.manifest_path,
            field="layers",
            values=missing,
        )
    entries: dict[str, LayerEntry] = {
        r: m.layer(r, run.layer_year(r))  # type: ignore[misc]
        for r in roles
    }
    for role, entry in entries.items():
        if entry.unit != LAYER_ROLES[role].unit:
            raise InputError(
                f"layer {role!r} is declared in {entry.unit!r} but ganpo reads {role} in "
                f"{LAYER_ROLES[role].unit!r}; convert the raster and its manifest unit",
                source=plan.ds.path(entry),
                field="unit",
                values=[entry.unit],
            )
    return Selection(raster_methods, needed, entries)
