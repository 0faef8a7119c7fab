"""What a method declares: its names, source, inputs, parameters and the flows it values.

A declaration is plain data (no numerical library): the catalogue, the profiles and the
reporting forms read it without loading the formulas. :class:`ganpo.services.base.Method`
is a declaration with its formulas bound (:mod:`ganpo.services.methods`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class UsedParameter:
    """A parameter a method reads (price or coefficient), with the unit it needs."""

    key: str
    unit: str


@dataclass(frozen=True)
class MethodSpec:
    """One named way to compute one indicator, with everything it reads declared.

    ``layers`` are the raster layers its per-cell formula reads (a method with layers has a
    raster formula); ``columns`` names, per table role, the statistics columns its table
    formula reads (a method with columns has a table formula). A method may have both
    (flood regulation: storage from statistics plus vegetation from rasters); its rows then
    come from both. ``verified`` is False where the method could not be checked against a
    standard's or a paper's text (the usual form of the method family, or a published
    application whose parameters we could not all read). ``derived`` names layers the
    engine derives from ``layers`` before the run (the LS factor from the DEM,
    :mod:`ganpo.engine.derived`); the raster formula finds them among the layers like the
    others. ``complete_types`` names per-type parameters that must give a value for every
    ecosystem type present in the raster (else the run stops and lists the missing types).
    """

    indicator: str
    key: str
    title_en: str
    title_zh: str
    source: str
    verified: bool
    quantity_unit: str
    layers: tuple[str, ...] = ()
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    parameters: tuple[UsedParameter, ...] = ()
    linear_parameters: tuple[str, ...] = ()  # the quantity is proportional to each of these
    derived: tuple[str, ...] = ()
    complete_types: tuple[str, ...] = ()
    #: the physical flows the method values (keys of ganpo.services.flows.FLOWS): two
    #: indicators of a profile whose flows overlap need a declared rule (double counting)
    flows: tuple[str, ...] = ()

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.columns)
