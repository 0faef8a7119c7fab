"""Stage 5: the one pass over the blocks. :func:`build_pass` builds one lazy graph of
every raster component's zonal sums (and of the value rasters, when asked) without
computing anything; :func:`compute_pass` runs it once, on the run's scheduler, and
returns :class:`PassSums`."""

from __future__ import annotations

import math
import os
import warnings as pywarnings
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
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
from ganpo.engine.stages.gaps import fill_masks
from ganpo.engine.stages.on_grid import OnGrid
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.engine.stages.value_rasters import finish_rasters, value_writers, write_blocks
from ganpo.engine.zonal import (
    N_CODES,
    LayerCount,
    layer_count_width,
    zonal_sums_graph,
    zone_index,
)
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, LayerRole
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
    """The lazy pass: ``sums`` is the delayed triple of :func:`zonal_sums_graph` over
    ``parts``, with the minimum, maximum and counts of the ``checked`` layers; ``fill``
    maps a part (index) whose gaps a gap policy may fill to its mask among the pass's
    masks; ``values`` the per-cell value [CNY per cell] of each valued raster indicator
    (only when the run writes value rasters)."""

    parts: list[RasterPart]
    sums: Any
    checked: list[str]
    values: dict[str, darr.Array]
    fill: dict[int, int] = field(default_factory=dict)
    late: LatePass | None = None


@dataclass(frozen=True)
class SubPass:
    """Part of a split pass: the indices of its ``parts`` (into :class:`PassGraph`'s), of
    its ``masks`` (into the pass's masks), the ``checked`` layers it counts, and ``sums``,
    the delayed triple of :func:`zonal_sums_graph` over them (in those orders)."""

    parts: list[int]
    masks: list[int]
    checked: list[str]
    sums: Any


@dataclass(frozen=True)
class LatePass:
    """A pass split around derived layers routed beside it (decision 0075): ``early``
    sums what does not read them, while they are made; ``late`` the rest, after."""

    early: SubPass
    late: SubPass


@dataclass(frozen=True)
class LayerStats:
    """What the pass counted about one checked layer: cells inside the units below and
    above its role's soft range; cells with data per unit (over the cells with an
    ecosystem type); the histogram of its values over those cells
    (:mod:`ganpo.engine.histogram`, all zero when its role has no typical band)."""

    below_soft: int
    above_soft: int
    with_data: np.ndarray
    histogram: np.ndarray


@dataclass(frozen=True)
class PassSums:
    """What the pass found, per unit (row, in the order of the units) × ecosystem code
    (column, ``N_CODES`` of them).

    ``cells``: cell counts; ``totals[k]``: sum of ``parts[k]``'s quantity over its valid
    cells; ``gaps[k]``: cells where that quantity is NaN (an input had nodata);
    ``ranges``: minimum and maximum of each checked layer over the cells inside a unit
    (NaN when it has no valid cell); ``rasters``: the value rasters written (indicator,
    path, sha256, unit); ``layers``: each checked layer's counts; ``fillable[k]``: of
    ``gaps[k]``, the cells where only layers under the gap policy ``fill_type_mean``
    lack data (present only for parts that read such a layer)."""

    parts: list[RasterPart]
    cells: np.ndarray
    totals: np.ndarray
    gaps: np.ndarray
    ranges: dict[str, tuple[float, float]]
    rasters: pd.DataFrame
    layers: dict[str, LayerStats] = field(default_factory=dict)
    fillable: dict[int, np.ndarray] = field(default_factory=dict)


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
    roles = {**LAYER_ROLES, **DERIVED_ROLES}
    counts = [LayerCount(_soft(roles[r]), roles[r].typical is not None) for r in checked]
    fill = fill_masks(parts, selection, layers)
    masks = list(fill.values())
    spec_of = dict(zip(checked, counts, strict=True))

    def sums_over(part_idx: list[int], mask_idx: list[int], roles: list[str]) -> Any:
        return zonal_sums_graph(
            zones,
            eco,
            [parts[k].component.quantity for k in part_idx],
            len(units),
            ranges=[layers[r] for r in roles],
            masks=[masks[j] for j in mask_idx],
            counts=[spec_of[r] for r in roles],
        )

    late = None
    sums_graph = None
    if on_grid.routing is not None:  # the derived layers are made beside the early part
        pending = {layers[r].name for r in on_grid.routing.roles}

        def reads_pending(a: darr.Array) -> bool:
            return any(name in pending for name in a.dask.layers)

        late_of_part = [reads_pending(p.component.quantity) for p in parts]
        late_of_mask = [reads_pending(mk) for mk in masks]
        late_parts = [k for k, late_one in enumerate(late_of_part) if late_one]
        early_parts = [k for k, late_one in enumerate(late_of_part) if not late_one]
        late_masks = [j for j, late_one in enumerate(late_of_mask) if late_one]
        early_masks = [j for j, late_one in enumerate(late_of_mask) if not late_one]
        late_roles = [r for r in checked if layers[r].name in pending]
        early_roles = [r for r in checked if layers[r].name not in pending]
        late = LatePass(
            SubPass(
                early_parts,
                early_masks,
                early_roles,
                sums_over(early_parts, early_masks, early_roles),
            ),
            SubPass(
                late_parts, late_masks, late_roles, sums_over(late_parts, late_masks, late_roles)
            ),
        )
    else:
        sums_graph = sums_over(list(range(len(parts))), list(range(len(masks))), checked)
    run.say(
        f"{m.name} {run.year}: {len(parts)} raster components over "
        f"{grid.width}×{grid.height} cells in blocks of {run.chunk}",
        f"{m.name} {run.year} 年：{len(parts)} 个栅格核算分量，共 {grid.width}×{grid.height} "
        f"个栅格，按 {run.chunk}×{run.chunk} 个栅格分块计算",
    )
    values: dict[str, Any] = {}
    if run.rasters_dir is not None:
        for x, _, comp in parts:
            if x.indicator in plan.unvalued:
                continue
            v = comp.quantity * unit_value(comp, params)
            values[x.indicator] = values[x.indicator] + v if x.indicator in values else v
    return PassGraph(parts, sums_graph, checked, values, {k: i for i, k in enumerate(fill)}, late)


def _soft(spec: LayerRole) -> tuple[float, float]:
    """The soft range to count cells outside of; a bound the role does not set is the hard
    one, outside which no cell gets this far: not counted."""
    lo = -math.inf if spec.soft_min is None else spec.soft_min
    hi = math.inf if spec.soft_max is None else spec.soft_max
    return lo, hi


@contextmanager
def _computing(run: Run) -> Iterator[Any]:
    """Inside, dask computes on the run's scheduler (yields the client of a cluster, else
    None), without numpy's warnings of all-NaN ranges (a checked layer with no data)."""
    with compute_on(run.scheduler) as client, pywarnings.catch_warnings():
        pywarnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        yield client


def compute_pass(run: Run, plan: Plan, on_grid: OnGrid, graph: PassGraph) -> PassSums:
    """Compute the pass once. Locally the value rasters are written in the same pass; on
    a cluster (which cannot write into this process's files) their blocks come back a
    few at a time. Value rasters end as COGs in ``run.rasters_dir``. With derived layers
    to make (``on_grid.routing``), the pass's early part runs while they are routed on
    another thread, its late part after (:class:`LatePass`)."""
    if graph.late is not None:
        assert on_grid.routing is not None
        return _split_pass(run, plan.manifest.name, on_grid, graph, graph.late)
    m, rasters_dir = plan.manifest, run.rasters_dir
    # the value rasters' files are removed if the pass fails (a full disk, a corrupt block)
    with value_writers(rasters_dir, m.name, run.year, graph.values, on_grid.grid) as writers:  # noqa: SIM117
        with _computing(run) as client:
            if client is None:  # local: the value rasters are written in the same pass
                stores = [
                    darr.store(arr.astype("float32"), _target(writers[ind]), compute=False)
                    for ind, arr in graph.values.items()
                ]
                with TaskProgress(run.on_fraction, run.say).callback:
                    (sums, minmax, counted), *_ = dask.compute(graph.sums, *stores)
            else:  # a cluster cannot write into this process's files: blocks come back
                ((sums, minmax, counted),) = dask.compute(graph.sums)
                for ind, arr in graph.values.items():
                    write_blocks(arr.astype("float32"), writers[ind])
    rasters = finish_rasters(writers, rasters_dir, m.name, run.year, run.say)
    whole = SubPass(
        list(range(len(graph.parts))), list(range(len(graph.fill))), graph.checked, None
    )
    return _pass_sums(graph, len(on_grid.units), rasters, [(whole, (sums, minmax, counted))])


def early_workers(scheduler: str | None, cells: int, cores: int | None = None) -> int | None:
    """The threads of the pass's early part when it waits for the routing beside it to
    go on on one thread (decision 0104), or None when it starts at once. It waits where
    the routing's threaded stages use every core: on the local threads' scheduler, for a
    grid of at least ``routing.THREADED_CELLS`` cells (smaller ones are routed on one
    thread throughout), on a machine of 2 to ``routing.STRIP_THREADS`` cores; and then
    takes every core but one."""
    from ganpo.engine import routing  # numba: imported when the routing runs anyway

    cores = (os.cpu_count() or 1) if cores is None else cores
    if (
        scheduler not in (None, "threads")
        or cells < routing.THREADED_CELLS
        or not 2 <= cores <= routing.STRIP_THREADS
    ):
        return None
    return cores - 1


def _split_pass(
    run: Run, name: str, on_grid: OnGrid, graph: PassGraph, split: LatePass
) -> PassSums:
    """The early part of the pass while the derived layers are routed on a thread of its
    own (the routing's kernels release the GIL: decision 0070), then the late part. The
    routing's errors are raised as they would be before the pass; the early part's once
    the routing has ended (nothing runs on after the account has failed).

    Where the routing's threaded stages (pits filled by tiles, directions, flats and
    slope in bands) use every core, the early part starts when they are done, on every
    core but one (:func:`early_workers`), beside the routing's one-thread traversals,
    instead of competing with them (decision 0104). It starts at once if the routing
    ends first; a routing that failed fails the account before it starts."""
    routing = on_grid.routing
    assert routing is not None
    workers = early_workers(run.scheduler, on_grid.grid.width * on_grid.grid.height)
    # set by the routing when its own work goes on on one thread; only where the early
    # part waits for that
    one_thread: Future[None] | None = None if workers is None else Future()
    share = len(split.early.parts) / max(len(graph.parts), 1)

    def early_fraction(f: float) -> None:
        if run.on_fraction is not None:
            run.on_fraction(share * f)

    def late_fraction(f: float) -> None:
        if run.on_fraction is not None:
            run.on_fraction(share + (1.0 - share) * f)

    with ThreadPoolExecutor(1, thread_name_prefix="ganpo-routing") as pool:
        made = pool.submit(
            routing.route, None if one_thread is None else partial(one_thread.set_result, None)
        )
        try:
            threads: dict[str, int] = {}
            if one_thread is not None and workers is not None:
                run.say(
                    f"{name} {run.year}: the pass starts once the flow routing's pits are "
                    "filled and its directions set (they use every core)",
                    f"{name} {run.year} 年：汇流演算完成填洼与流向计算后开始分块核算"
                    "（这两步占用全部处理器核心）",
                )
                either: list[Future[Any]] = [made, one_thread]
                futures_wait(either, return_when=FIRST_COMPLETED)
                if made.done() and made.exception() is not None:
                    made.result()  # the routing's error, before the early part runs
                threads["num_workers"] = workers
            with _computing(run), TaskProgress(early_fraction, run.say).callback:
                (early,) = dask.compute(split.early.sums, **threads)
        finally:
            futures_wait([made])
    done = made.result()
    for role, (path, _) in done.items():
        if on_grid.derived.get(role) != path:  # an invariant: the path announced is made
            raise RuntimeError(
                f"derived layer {role} made at {path}, not at {on_grid.derived.get(role)}"
            )
    routing.routed(done)
    with _computing(run), TaskProgress(late_fraction, run.say).callback:
        (late,) = dask.compute(split.late.sums)
    return _pass_sums(
        graph,
        len(on_grid.units),
        finish_rasters({}, None, "", run.year, run.say),
        [(split.early, early), (split.late, late)],
    )


def _pass_sums(
    graph: PassGraph,
    n_units: int,
    rasters: pd.DataFrame,
    results: list[tuple[SubPass, tuple[Any, Any, Any]]],
) -> PassSums:
    """:class:`PassSums` from the results of one pass or of a split pass's parts, each
    over its parts, masks and checked layers, laid out in the order of the whole pass.
    The cell counts of the parts are equal (the same blocks, zones and codes)."""
    n_parts = len(graph.parts)
    totals: dict[int, np.ndarray] = {}
    gaps: dict[int, np.ndarray] = {}
    mask_rows: dict[int, np.ndarray] = {}
    ranges: dict[str, tuple[float, float]] = {}
    layers: dict[str, LayerStats] = {}
    cells = None
    for sub, (sums, minmax, counted) in results:
        k, n_masks = len(sub.parts), len(sub.masks)
        flat = np.asarray(sums).reshape(1 + 2 * k + n_masks, n_units, N_CODES)
        if cells is None:
            cells = flat[0]
        elif not np.array_equal(cells, flat[0]):  # an invariant of the split pass
            raise RuntimeError("the parts of the pass counted different cells")
        for i, part in enumerate(sub.parts):
            totals[part], gaps[part] = flat[1 + 2 * i], flat[2 + 2 * i]
        for i, j in enumerate(sub.masks):
            mask_rows[j] = flat[1 + 2 * k + i]
        rows = np.asarray(counted).reshape(len(sub.checked), layer_count_width(n_units))
        for j, role in enumerate(sub.checked):
            ranges[role] = (minmax[0, j], minmax[1, j])
            layers[role] = LayerStats(
                below_soft=int(rows[j, 0]),
                above_soft=int(rows[j, 1]),
                with_data=rows[j, 2 : 2 + n_units],
                histogram=rows[j, 2 + n_units :],
            )
    assert cells is not None
    shape = (0, n_units, N_CODES)
    return PassSums(
        parts=graph.parts,
        cells=cells,
        totals=np.stack([totals[k] for k in range(n_parts)]) if n_parts else np.empty(shape),
        gaps=np.stack([gaps[k] for k in range(n_parts)]) if n_parts else np.empty(shape),
        ranges={role: ranges[role] for role in graph.checked},
        rasters=rasters,
        layers={role: layers[role] for role in graph.checked},
        fillable={k: mask_rows[i] for k, i in graph.fill.items()},
    )
