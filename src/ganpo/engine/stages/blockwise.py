"""Stage 5: the one pass over the blocks. :func:`build_pass` builds one lazy graph of
every raster component's zonal sums (and of the value rasters, when asked) without
computing anything; :func:`compute_pass` runs it once, on the run's scheduler, and
returns :class:`PassSums`."""

from __future__ import annotations

import warnings as pywarnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import dask
import dask.array as darr
import numpy as np
import pandas as pd

from ganpo.catalog.parameters import ParameterSet
from ganpo.engine.compute import TaskProgress
from ganpo.engine.compute import scheduler as compute_on
from ganpo.engine.rasters import BlockWriter
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.engine.stages.value_rasters import finish_rasters, value_writers, write_blocks
from ganpo.engine.zonal import N_CODES, zonal_sums_graph, zone_index
from ganpo.services.base import Component, Method, RasterInputs


class RasterPart(NamedTuple):
    """One per-cell component of a raster method (``name`` is ``""`` for a method with
    one component)."""

    method: Method
    name: str
    component: Component


def unit_value(comp: Component, params: ParameterSet) -> float:
    """CNY per unit of a component's quantity: its combined unit value, else its price."""
    if comp.unit_value is not None:
        return comp.unit_value
    return params.scalar(comp.price.key, comp.price.unit)


@dataclass(frozen=True)
class PassGraph:
    """The lazy pass: ``sums`` is the delayed pair of :func:`zonal_sums_graph` over
    ``parts``, with the minimum and maximum of the ``checked`` layers; ``values`` the
    per-cell value [CNY per cell] of each valued raster indicator (only when the run
    writes value rasters)."""

    parts: list[RasterPart]
    sums: Any
    checked: list[str]
    values: dict[str, darr.Array]


@dataclass(frozen=True)
class PassSums:
    """What the pass found, per unit (row, in the order of the units) × ecosystem code
    (column, ``N_CODES`` of them).

    ``cells``: cell counts; ``totals[k]``: sum of ``parts[k]``'s quantity over its valid
    cells; ``gaps[k]``: cells where that quantity is NaN (an input had nodata);
    ``ranges``: minimum and maximum of each checked layer over the cells inside a unit
    (NaN when it has no valid cell); ``rasters``: the value rasters written (indicator,
    path, sha256, unit)."""

    parts: list[RasterPart]
    cells: np.ndarray
    totals: np.ndarray
    gaps: np.ndarray
    ranges: dict[str, tuple[float, float]]
    rasters: pd.DataFrame


def _target(writer: BlockWriter) -> Any:
    return writer  # dask stores into any object with __setitem__


def build_pass(run: Run, plan: Plan, selection: Selection, on_grid: OnGrid) -> PassGraph:
    """The graph of the pass: zone index of the units, every raster method's components,
    their zonal sums, the checked layers' ranges, and the value arrays when
    ``run.rasters_dir`` is set. Reads no data."""
    m, params, grid, layers = plan.manifest, plan.params, on_grid.grid, on_grid.layers
    units, eco = on_grid.units, on_grid.eco
    zones = zone_index(list(units.geometry), grid.transform, eco)
    inputs = RasterInputs(layers=layers, ecosystem=eco, cell_area_m2=grid.cell_area_m2)
    parts: list[RasterPart] = []
    for x in selection.raster_methods:
        assert x.raster is not None
        for name, comp in x.raster(inputs, params).items():
            parts.append(RasterPart(x, name, comp))
    checked = list(layers)
    sums_graph = zonal_sums_graph(
        zones,
        eco,
        [p.component.quantity for p in parts],
        len(units),
        ranges=[layers[r] for r in checked],
    )
    run.say(
        f"{m.name} {run.year}: {len(parts)} raster components over "
        f"{grid.width}×{grid.height} cells in blocks of {run.chunk}"
    )
    values: dict[str, Any] = {}
    if run.rasters_dir is not None:
        for x, _, comp in parts:
            if x.indicator in plan.unvalued:
                continue
            v = comp.quantity * unit_value(comp, params)
            values[x.indicator] = values[x.indicator] + v if x.indicator in values else v
    return PassGraph(parts, sums_graph, checked, values)


def compute_pass(run: Run, plan: Plan, on_grid: OnGrid, graph: PassGraph) -> PassSums:
    """Compute the pass once. Locally the value rasters are written in the same pass; on
    a cluster (which cannot write into this process's files) their blocks come back a
    few at a time. Value rasters end as COGs in ``run.rasters_dir``."""
    m, rasters_dir = plan.manifest, run.rasters_dir
    # the value rasters' files are removed if the pass fails (a full disk, a corrupt block)
    with value_writers(rasters_dir, m.name, run.year, graph.values, on_grid.grid) as writers:  # noqa: SIM117
        with compute_on(run.scheduler) as client, pywarnings.catch_warnings():
            pywarnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            if client is None:  # local: the value rasters are written in the same pass
                stores = [
                    darr.store(arr.astype("float32"), _target(writers[ind]), compute=False)
                    for ind, arr in graph.values.items()
                ]
                with TaskProgress(run.on_fraction, run.say).callback:
                    (sums, minmax), *_ = dask.compute(graph.sums, *stores)
            else:  # a cluster cannot write into this process's files: blocks come back
                ((sums, minmax),) = dask.compute(graph.sums)
                for ind, arr in graph.values.items():
                    write_blocks(arr.astype("float32"), writers[ind])
    rasters = finish_rasters(writers, rasters_dir, m.name, run.year, run.say)
    n_parts, n_units = len(graph.parts), len(on_grid.units)
    flat = np.asarray(sums).reshape(1 + 2 * n_parts, n_units, N_CODES)
    return PassSums(
        parts=graph.parts,
        cells=flat[0],
        totals=flat[1::2],
        gaps=flat[2::2],
        ranges={role: (minmax[0, j], minmax[1, j]) for j, role in enumerate(graph.checked)},
        rasters=rasters,
    )
