"""Run one GEP account: dataset × year × profile (× parameter set) → results per
indicator × component × ecosystem type × county, with provenance.

A run is a list of stages (:mod:`ganpo.engine.stages`, decision 0017): load and check the
plan (manifest with checksums verified, profile, parameter set with prices for the year,
methods) → units → select each role's layer for the year → align the layers on the grid
of the ecosystem-type layer (its codes checked first) and build derived layers, all
opened lazily (dask) → inspect the layer files → one pass over the blocks that sums every
raster component per county × ecosystem type and the layers' ranges → check what the pass
found (ranges, coverage) → result rows (value = quantity × price) and the ecosystem extent →
statistics methods per county and the external deduction when the profile asks for it →
the finished account. Nothing is written here: the store saves a finished account in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ganpo.catalog.parameters import ParameterSet, PricePolicy
from ganpo.catalog.profiles import Profile
from ganpo.engine.result import RESULT_COLUMNS, AccountResult
from ganpo.engine.stages.assemble import assemble
from ganpo.engine.stages.blockwise import build_pass, compute_pass
from ganpo.engine.stages.checks import check_pass
from ganpo.engine.stages.context import Progress as Progress
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.context import StageMessage as StageMessage
from ganpo.engine.stages.context import message_halves as message_halves
from ganpo.engine.stages.inspect_files import inspect_layer_files
from ganpo.engine.stages.on_grid import align_on_grid
from ganpo.engine.stages.plan import DEFAULT_PROFILE, load_plan, load_units, resolve_methods
from ganpo.engine.stages.plan import input_digest as input_digest  # re-exported
from ganpo.engine.stages.plan import plan as plan  # re-exported
from ganpo.engine.stages.plan import resolve_physical as resolve_physical  # re-exported
from ganpo.engine.stages.rows import sums_to_rows
from ganpo.engine.stages.select import select_layers
from ganpo.engine.stages.tables import EXTERNAL_DEDUCTION as EXTERNAL_DEDUCTION
from ganpo.engine.stages.tables import statistics_tables
from ganpo.io.manifest import Dataset


def run_account(
    dataset: Dataset | Path,
    year: int,
    profile: Profile | str = DEFAULT_PROFILE,
    parameter_set: ParameterSet | str | None = None,
    *,
    price_policy: PricePolicy | None = None,
    layer_years: Mapping[str, int] | None = None,
    rasters_dir: Path | None = None,
    derived_dir: Path | None = None,
    scheduler: str | None = None,
    chunk: int = 1024,
    progress: Progress | None = None,
    on_fraction: Callable[[float], None] | None = None,
) -> AccountResult:
    """Compute the GEP account of ``year`` for the dataset described by a manifest.

    ``parameter_set`` defaults to the profile's, ``price_policy`` too (how prices stated
    for other years are brought to ``year``). ``layer_years`` takes some layers from
    another year (``{"ecosystem_type": 2022}`` holds land cover at 2022, for attributing a
    change); such an account is a counterfactual and says so in its notes. With
    ``rasters_dir`` the per-cell value of every raster indicator [CNY per cell] is written
    there as a Cloud Optimized GeoTIFF, in the same pass over the data. Layers derived
    from the dataset's layers (the LS factor of soil retention, routed over the whole DEM,
    or by tiles for a large DEM's D8 pair, :mod:`ganpo.engine.derived`) are cached in
    ``derived_dir`` (default: ``<dataset>/derived``) and reused while their inputs are
    unchanged. ``scheduler`` runs the computation, the routing tiles included, locally
    (default: threads) or on an existing dask cluster (``tcp://host:8786``,
    :mod:`ganpo.engine.compute`). ``chunk`` is the raster block
    size [cells]. ``progress`` receives stage messages, ``on_fraction`` the share of the
    raster work done (both also go to the run log, at each quarter). A stage message is a
    :class:`StageMessage`: a string, the English line, that carries its Chinese half in
    ``.zh`` (files named by their names, never by a path).
    """
    run = Run(
        dataset=dataset,
        year=year,
        profile=profile,
        parameter_set=parameter_set,
        price_policy=price_policy,
        layer_years=dict(layer_years or {}),
        rasters_dir=rasters_dir,
        derived_dir=derived_dir,
        scheduler=scheduler,
        chunk=chunk,
        progress=progress,
        on_fraction=on_fraction,
    )
    planned = load_plan(run)
    units = load_units(run, planned)
    selection = select_layers(run, planned)
    on_grid = align_on_grid(run, planned, selection, units)
    inspect_layer_files(run, planned, selection)
    graph = build_pass(run, planned, selection, on_grid)
    sums = compute_pass(run, planned, on_grid, graph)
    check_pass(run, planned, selection, on_grid, sums)
    raster = sums_to_rows(run, planned, selection, on_grid, sums)
    tables = statistics_tables(run, planned, raster, units)
    return assemble(run, planned, selection, on_grid, sums, raster, tables)


__all__ = [
    "DEFAULT_PROFILE",
    "RESULT_COLUMNS",
    "AccountResult",
    "StageMessage",
    "message_halves",
    "resolve_methods",
    "run_account",
]
