"""Cells without data: how much of each unit a layer covers, and the gaps a policy fills.

A cell of a unit with an ecosystem type where a layer has no data counts in no service
that reads the layer (a NaN quantity is left out of the zonal sums, not taken as zero).
How much of each unit each layer covers is the account's coverage table; the profile's
``coverage_min`` and a layer entry's ``gap_policy`` decide what is accepted
(:mod:`.coverage`). Under ``fill_type_mean`` a component's gap cells count the region's
mean quantity per cell of their ecosystem type, exactly and without a second pass::

    filled[u, t] = sum[u, t] + fillable[u, t] × Σ_u sum[u, t] / Σ_u valid[u, t]

with ``sum`` the component's zonal sum over its valid cells, ``valid = cells − gaps`` and
``fillable`` the gap cells where only layers under that policy lack data (the pass
counts them, :func:`fill_masks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import reduce
from typing import TYPE_CHECKING

import dask.array as darr
import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA
from ganpo.engine.derived import derived_layer
from ganpo.engine.result import COVERAGE_COLUMNS
from ganpo.engine.stages.select import Selection

if TYPE_CHECKING:  # blockwise imports this module
    from ganpo.engine.stages.blockwise import LayerStats, PassSums, RasterPart


def fill_masks(
    parts: Sequence[RasterPart], selection: Selection, layers: Mapping[str, darr.Array]
) -> dict[int, darr.Array]:
    """For each part (index) whose method reads a layer under the gap policy
    ``fill_type_mean``: the cells where its quantity is NaN and every other layer it reads
    has data, i.e. the gaps the policy fills (lazy). A derived layer is under the policy
    when every manifest layer it is made from is."""
    filled = {r for r in selection.needed if selection.entries[r].gap_policy == "fill_type_mean"}
    if not filled:
        return {}
    for d in {d for p in parts for d in p.method.derived}:
        sources = [r for r in derived_layer(d).sources if r != "ecosystem_type"]
        if sources and all(r in filled for r in sources):
            filled.add(d)
    masks: dict[int, darr.Array] = {}
    for k, part in enumerate(parts):
        reads = [*part.method.layers, *part.method.derived]
        if not any(r in filled for r in reads):
            continue
        others = [darr.isfinite(layers[r]) for r in reads if r not in filled]
        masks[k] = reduce(lambda a, b: a & b, others, darr.isnan(part.component.quantity))
    return masks


def filled_totals(sums: PassSums) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """The parts' totals with the fillable gaps filled by the region's mean per cell of
    their type, and for each filled part the cells filled (unit × code). Cells of a type
    that has no valid cell anywhere in the region cannot be filled and stay out."""
    totals = sums.totals.copy()
    filled: dict[int, np.ndarray] = {}
    for k, fillable in sums.fillable.items():
        cells = fillable.copy()
        cells[:, RASTER_NODATA:] = 0.0  # cells without a type count in no service
        valid = (sums.cells - sums.gaps[k]).sum(axis=0)
        region = sums.totals[k].sum(axis=0)
        cells[:, valid == 0] = 0.0
        mean = np.divide(region, valid, out=np.zeros_like(region), where=valid > 0)
        totals[k] = sums.totals[k] + cells * mean
        filled[k] = cells
    return totals, filled


def coverage_table(
    cells: np.ndarray, layers: Mapping[str, LayerStats], roles: Sequence[str], codes: np.ndarray
) -> pd.DataFrame:
    """Per unit (``codes``, in the order of the sums) and layer role: the unit's cells
    with an ecosystem type, those where the layer has data, and their share (NaN for a
    unit without such cells). Roles without counts (hand-built sums) are left out."""
    typed = cells[:, :RASTER_NODATA].sum(axis=1).astype("int64")
    frames = [
        pd.DataFrame(
            {
                "unit_code": codes.astype("int64"),
                "role": role,
                "cells": typed,
                "cells_with_data": layers[role].with_data.astype("int64"),
            }
        )
        for role in roles
        if role in layers
    ]
    if not frames:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["share"] = out["cells_with_data"] / out["cells"].where(out["cells"] > 0).astype("float64")
    return out[COVERAGE_COLUMNS]
