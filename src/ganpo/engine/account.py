"""Run one GEP account: dataset × year × profile (× parameter set) → results per
indicator × component × ecosystem type × county, with provenance.

The flow: read the manifest (checksums verified) → resolve the profile's methods and check
that the parameter set has every value they need, in a convertible unit → units → check
that every layer is on the grid of the ecosystem-type layer and in its role's unit → open
the layers lazily (dask) → one pass over the blocks that validates values (ecosystem codes,
ranges) and sums every raster component per county × ecosystem type → statistics methods
per county (with the ecosystem extent of that pass) → value = quantity × price → external
deduction when the profile asks for it. Nothing is written here: the store saves a
finished account in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import warnings as pywarnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask
import dask.array as darr
import numpy as np
import pandas as pd
import rasterio

from ganpo.catalog.deflators import load_deflator
from ganpo.catalog.ecosystems import RASTER_NODATA, raster_codes
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.catalog.parameters import ParameterSet, PricePolicy, load_parameter_set, prices_for_year
from ganpo.catalog.profiles import Profile, load_profile
from ganpo.engine.align import align_layers
from ganpo.engine.compute import TaskProgress
from ganpo.engine.compute import scheduler as compute_on
from ganpo.engine.derived import derived_layer, derived_path, ensure_derived
from ganpo.engine.grid import Grid
from ganpo.engine.provenance import code_version, host
from ganpo.engine.rasters import BlockWriter, open_layer, to_cog
from ganpo.engine.result import (
    PHYSICAL_COLUMNS,
    RESULT_COLUMNS,
    AccountResult,
    empty_physical,
)
from ganpo.engine.zonal import N_CODES, zonal_sums_graph, zone_index
from ganpo.errors import InputError, ManifestError, preview
from ganpo.io.manifest import Dataset, LayerEntry, TableEntry, load_manifest, sha256_file
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES
from ganpo.io.tables import read_table
from ganpo.io.units import read_units
from ganpo.services.base import (
    TABLE_ROW_COLUMNS,
    Component,
    Method,
    RasterInputs,
    TableInputs,
    table_rows,
)
from ganpo.services.methods import method as find_method
from ganpo.services.methods import physical_method

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
DEFAULT_PROFILE = "jiangxi-db36-2021"
EXTERNAL_DEDUCTION = "external_deduction"


def resolve_methods(profile: Profile, params: ParameterSet) -> list[Method]:
    """The profile's methods, after checking the parameter set has all they read."""
    methods = [find_method(ind, key) for ind, key in profile.indicators.items()]
    _check_parameters(methods, params)
    return methods


def resolve_physical(profile: Profile, params: ParameterSet) -> list[Method]:
    """The profile's physical (unvalued) methods, checked like :func:`resolve_methods`."""
    methods = [physical_method(ind, key) for ind, key in profile.physical.items()]
    _check_parameters(methods, params)
    return methods


def _check_parameters(methods: list[Method], params: ParameterSet) -> None:
    for m in methods:
        for used in m.parameters:
            params.get(used.key, used.unit)  # raises with the set, key and unit


def input_digest(
    ds: Dataset,
    year: int,
    profile: Profile,
    params: ParameterSet,
    policy: str,
    layer_years: Mapping[str, int] | None = None,
) -> str:
    """SHA-256 of everything an account depends on: data (manifest checksum, which holds
    every file's checksum), year, profile, parameter values, price policy, code version.
    Two runs with the same digest give the same account."""
    payload = {
        "manifest": ds.manifest_sha256,
        "year": year,
        "profile": profile.model_dump(mode="json"),
        "parameters": params.model_dump(mode="json"),
        "price_policy": policy,
        "layer_years": dict(layer_years or {}),
        "code": code_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def plan(
    dataset: Dataset | Path,
    year: int,
    profile: Profile | str = DEFAULT_PROFILE,
    parameter_set: ParameterSet | str | None = None,
    price_policy: PricePolicy | None = None,
    layer_years: Mapping[str, int] | None = None,
) -> tuple[Dataset, Profile, ParameterSet, PricePolicy, str]:
    """Load and check what an account would use, without computing: dataset (checksums
    verified), profile, parameter set, price policy and the input digest."""
    ds = dataset if isinstance(dataset, Dataset) else load_manifest(Path(dataset))
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    params = (
        parameter_set
        if isinstance(parameter_set, ParameterSet)
        else load_parameter_set(parameter_set or prof.parameter_set)
    )
    policy = price_policy or prof.price_policy
    return ds, prof, params, policy, input_digest(ds, year, prof, params, policy, layer_years)


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
    :mod:`ganpo.engine.derived`) are cached in ``derived_dir`` (default:
    ``<dataset>/derived``) and reused while their inputs are unchanged. ``scheduler``
    runs the computation locally (default: threads) or on an existing dask cluster
    (``tcp://host:8786``, :mod:`ganpo.engine.compute`). ``chunk`` is the raster block
    size [cells]. ``progress`` receives stage messages, ``on_fraction`` the share of the
    raster work done (both also go to the run log, at each quarter).
    """
    run_log: list[str] = []

    def say(msg: str) -> None:
        run_log.append(f"{datetime.now(UTC):%H:%M:%S} {msg}")
        (progress or log.info)(msg)

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    ds, prof, params, policy, digest = plan(
        dataset, year, profile, parameter_set, price_policy, layer_years
    )
    m = ds.manifest
    manifest_path = ds.root / "manifest.toml"
    if year not in m.years:
        raise InputError(
            f"the dataset has no year {year}; it has {', '.join(map(str, m.years))}",
            source=manifest_path,
            field="years",
            values=[year],
        )
    params, notes = prices_for_year(params, year, policy, load_deflator(prof.deflator))
    methods = resolve_methods(prof, params)
    physical = resolve_physical(prof, params)
    unvalued = {x.indicator for x in physical}
    say(f"{m.name} {year}: profile {prof.name}, parameters {params.name}; reading units")
    units = read_units(ds.path(m.units), m.units.layer)
    warnings: list[str] = []

    # --- layers: presence, unit, grid -------------------------------------------------
    # physical methods run in the same pass; their sums go to ``physical``, never to GEP
    raster_methods = [x for x in [*methods, *physical] if x.raster is not None]
    needed = sorted({r for x in raster_methods for r in x.layers})
    held = dict(layer_years or {})

    def layer_year(role: str) -> int:
        return held.get(role, year)

    missing = [r for r in ["ecosystem_type", *needed] if m.layer(r, layer_year(r)) is None]
    if missing:
        raise ManifestError(
            f"no layer for role(s) {', '.join(missing)} in year {year}; add them to the "
            "manifest (each [[layers]] entry needs role, path, unit, year, source, synthetic)",
            source=manifest_path,
            field="layers",
            values=missing,
        )
    entries: dict[str, LayerEntry] = {
        r: m.layer(r, layer_year(r))  # type: ignore[misc]
        for r in ["ecosystem_type", *needed]
    }
    for role, entry in entries.items():
        if entry.unit != LAYER_ROLES[role].unit:
            raise InputError(
                f"layer {role!r} is declared in {entry.unit!r} but ganpo reads {role} in "
                f"{LAYER_ROLES[role].unit!r}; convert the raster and its manifest unit",
                source=ds.path(entry),
                field="unit",
                values=[entry.unit],
            )
    eco_path = ds.path(entries["ecosystem_type"])
    grid = Grid.of(eco_path)
    grid.check_equal_area(eco_path)
    folder = derived_dir or ds.root / "derived"
    # every layer on the grid, or warped onto it as its manifest entry declares
    # (the ecosystem map defines the grid, so it is on it)
    aligned = align_layers(ds.path, entries, grid, eco_path, folder)
    paths, checksums_of, aligned_notes = aligned.paths, aligned.identities, aligned.notes
    for note in aligned_notes:
        say(f"{m.name} {year}: {note}")
    if not units.crs.equals(grid.crs_wkt):
        units = units.to_crs(grid.crs_wkt)
    derived_paths: dict[str, Path] = {}
    for role in sorted({d for x in raster_methods for d in x.derived}):
        sources = derived_layer(role).sources
        built_from = {r: paths[r] for r in sources if r in paths}
        checksums = {r: checksums_of[r] for r in built_from}
        if not derived_path(role, checksums, params, folder).exists():
            say(
                f"{m.name} {year}: deriving {role} from {' and '.join(sources)} "
                "(flow routing, whole raster)"
            )
        path, fresh = ensure_derived(role, built_from, checksums, params, folder)
        grid.check_same(path, role, eco_path)
        derived_paths[role] = path
        say(f"{m.name} {year}: {role} {'derived' if fresh else 'reused'} ({path.name})")

    # --- one lazy graph, one compute ---------------------------------------------------
    eco = open_layer(eco_path, chunk, as_float=False)
    layers = {r: open_layer(paths[r], chunk) for r in needed}
    layers.update({r: open_layer(p, chunk) for r, p in derived_paths.items()})
    for role in needed:
        with rasterio.open(ds.path(entries[role])) as src:
            if src.nodata is None and not np.issubdtype(np.dtype(src.dtypes[0]), np.floating):
                continue
            if src.nodata is None:
                warnings.append(
                    f"{entries[role].path}: no nodata value declared; every finite cell is "
                    "taken as data (NaN cells as missing). Declare the nodata value if the "
                    "file uses one (gdal_edit.py -a_nodata)"
                )
            spec = LAYER_ROLES[role]
            nodata = src.nodata
            if (
                nodata is not None
                and np.isfinite(nodata)
                and (spec.minimum <= nodata <= spec.maximum)
            ):
                warnings.append(
                    f"{entries[role].path}: its nodata value {nodata:g} is a valid "
                    f"{spec.name_en} ([{spec.minimum:g}, {spec.maximum:g}] {spec.unit}); "
                    f"cells equal to {nodata:g} are read as missing, not as data. If "
                    f"{nodata:g} occurs as real data in this file, rewrite it with a nodata "
                    "value outside that range (e.g. -9999)"
                )
    zones = zone_index(list(units.geometry), grid.transform, eco)
    inputs = RasterInputs(layers=layers, ecosystem=eco, cell_area_m2=grid.cell_area_m2)
    components: list[tuple[Method, str, Any]] = []
    for x in raster_methods:
        assert x.raster is not None
        for name, comp in x.raster(inputs, params).items():
            components.append((x, name, comp))
    checked = list(layers)
    sums_graph = zonal_sums_graph(
        zones,
        eco,
        [c.quantity for _, _, c in components],
        len(units),
        ranges=[layers[r] for r in checked],
    )
    say(
        f"{m.name} {year}: {len(components)} raster components over {grid.width}×{grid.height} "
        f"cells in blocks of {chunk}"
    )
    values: dict[str, Any] = {}
    if rasters_dir is not None:
        for x, _, comp in components:
            if x.indicator in unvalued:
                continue
            v = comp.quantity * _unit_value(comp, params)
            values[x.indicator] = values[x.indicator] + v if x.indicator in values else v
        rasters_dir.mkdir(parents=True, exist_ok=True)
    writers = {
        ind: BlockWriter(rasters_dir / f".{m.name}_{year}_{ind}.building.tif", grid)
        for ind in values
        if rasters_dir is not None
    }
    try:
        with compute_on(scheduler) as client, pywarnings.catch_warnings():
            pywarnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            if client is None:  # local: the value rasters are written in the same pass
                stores = [
                    darr.store(arr.astype("float32"), _target(writers[ind]), compute=False)
                    for ind, arr in values.items()
                ]
                with TaskProgress(on_fraction, say).callback:
                    (sums, minmax), *_ = dask.compute(sums_graph, *stores)
            else:  # a cluster cannot write into this process's files: blocks come back
                ((sums, minmax),) = dask.compute(sums_graph)
                for ind, arr in values.items():
                    _write_blocks(arr.astype("float32"), writers[ind])
    finally:
        for w in writers.values():
            w.close()
    rasters = _finish_rasters(writers, rasters_dir, m.name, year, say)
    sums = np.asarray(sums).reshape(1 + 2 * len(components), len(units), N_CODES)
    ranges = {role: (minmax[0, j], minmax[1, j]) for j, role in enumerate(checked)}
    cells = sums[0]

    if cells.sum() == 0:
        raise InputError(
            f"no cell of the grid has its centre inside any of the {len(units)} units: the "
            "rasters do not overlap the region. Check that the units and the rasters cover "
            "the same area in the same CRS",
            source=eco_path,
            field="extent",
        )
    empty = units.loc[cells.sum(axis=1) == 0, "county_adcode"].tolist()
    if empty:
        warnings.append(
            f"{len(empty)} unit(s) have no cell centre inside them at this resolution "
            f"({preview(empty)}); their raster services are 0 — use a finer grid"
        )
    _check_codes(cells, eco_path)
    _check_complete([*methods, *physical], params, cells, eco_path)
    for role, (lo, hi) in ranges.items():
        spec = {**LAYER_ROLES, **DERIVED_ROLES}[role]
        source = derived_paths.get(role) or ds.path(entries[role])
        if not np.isfinite(lo):
            raise InputError(
                f"layer {role!r} has no valid cell inside the region (every cell is nodata "
                "or NaN); check the file's nodata value and that it covers the region",
                source=source,
                field=role,
            )
        if lo < spec.minimum or hi > spec.maximum:
            raise InputError(
                f"layer {role!r} has values from {lo:g} to {hi:g} {spec.unit} inside the "
                f"region; valid {spec.name_en} lies in [{spec.minimum:g}, {spec.maximum:g}] "
                f"{spec.unit}. Check the unit and the nodata value of the file",
                source=source,
                field=role,
                values=[lo, hi],
            )
    nodata_eco = int(cells[:, RASTER_NODATA].sum())
    if nodata_eco:
        warnings.append(
            f"{nodata_eco} cells inside the units have no ecosystem type ({eco_path.name}); "
            "they count in no raster service"
        )

    # --- rows ------------------------------------------------------------------------
    adcodes = units["county_adcode"].to_numpy()
    rows: list[pd.DataFrame] = []
    physical_rows: list[pd.DataFrame] = []
    for k, (x, name, comp) in enumerate(components):
        gap = int(sums[2 + 2 * k][:, :RASTER_NODATA].sum())
        if gap:
            warnings.append(
                f"{x.indicator}{'/' + name if name else ''}: {gap} cells of a providing "
                "ecosystem type have nodata in an input layer and are left out of the sum "
                "(not counted as zero)"
            )
        total = sums[1 + 2 * k]
        zi, code = np.nonzero(total)
        if x.indicator in unvalued:
            physical_rows.append(
                pd.DataFrame(
                    {
                        "indicator": x.indicator,
                        "method": x.key,
                        "component": name,
                        "ecosystem_code": code.astype("int64"),
                        "county_adcode": adcodes[zi].astype("int64"),
                        "quantity": total[zi, code],
                        "quantity_unit": x.quantity_unit,
                    }
                )
            )
            continue
        pv = params.scalar(comp.price.key, comp.price.unit)
        q = total[zi, code]
        frame = table_rows(
            adcodes[zi],
            code,
            q,
            q * _unit_value(comp, params),
            component=name,
            price=comp.price,
            price_value=pv,
        )
        rows.append(_label(frame, x))

    zi, code = np.nonzero(cells[:, :RASTER_NODATA])
    extent = pd.DataFrame(
        {
            "county_adcode": adcodes[zi].astype("int64"),
            "ecosystem_code": code.astype("int64"),
            "cells": cells[zi, code].astype("int64"),
        }
    )
    extent["area_m2"] = extent["cells"] * grid.cell_area_m2

    table_methods = [x for x in methods if x.table is not None]
    required: dict[str, set[str]] = {}
    for x in table_methods:
        for role, cols in x.columns.items():
            required.setdefault(role, set()).update(cols)
    if prof.deduct_external:
        required.setdefault("external", set())
    tables, table_entries = _read_tables(ds, year, required, {int(a) for a in adcodes}, say)
    tin = TableInputs(tables=tables, extent=extent, counties=tuple(int(a) for a in adcodes))
    for x in table_methods:
        assert x.table is not None
        rows.append(_label(x.table(tin, params), x))
    results = pd.concat(rows, ignore_index=True)
    if prof.deduct_external:
        results = pd.concat(
            [results, _external_deduction(results, tables["external"])], ignore_index=True
        )
    results = results[RESULT_COLUMNS]

    used_keys = {u.key for x in [*methods, *physical] for u in x.parameters}
    for key in sorted(used_keys):
        if params.values[key].status == "placeholder":
            warnings.append(
                f"parameter {key!r} of {params.name!r} is a placeholder, not a published "
                f"value ({params.values[key].source[:80]}…); results that use it are illustrative"
            )
    entries_used: list[Any] = [m.units, *entries.values(), *table_entries]
    inputs_df = pd.DataFrame(
        [
            {
                "role": getattr(e, "role", "units"),
                "year": getattr(e, "year", None),
                "path": e.path,
                "sha256": e.sha256,
                "synthetic": e.synthetic,
                "source": e.source,
            }
            for e in entries_used
        ]
    )
    prices = _price_table(params, used_keys)
    for warning in warnings:
        log.warning(warning)
    for n in notes:
        log.info(n)
    say(f"{m.name} {year}: done in {time.perf_counter() - t0:.1f} s")
    return AccountResult(
        dataset_name=m.name,
        region_adcode=m.region_adcode,
        year=year,
        profile=prof.name,
        price_policy=policy,
        parameter_set=params.name,
        parameter_set_version=params.version,
        synthetic=m.synthetic or any(e.synthetic for e in entries_used),
        code_version=code_version(),
        host=host(),
        started_at=started,
        finished_at=datetime.now(UTC),
        manifest_sha256=ds.manifest_sha256,
        dataset_root=str(ds.root.resolve()),
        input_digest=digest,
        inputs=inputs_df,
        prices=prices,
        results=results,
        extent=extent,
        units=units,
        warnings=warnings,
        rasters=rasters,
        log=run_log,
        parameters=params,
        profile_indicators=dict(prof.indicators),
        physical=(
            pd.concat(physical_rows, ignore_index=True)[PHYSICAL_COLUMNS]
            if physical_rows
            else empty_physical()
        ),
        notes=[
            f"price policy {policy}",
            *(
                f"derived layer {r}: {p.name} (from {', '.join(derived_layer(r).sources)}, "
                "flow routing)"
                for r, p in derived_paths.items()
            ),
            *aligned_notes,
            *(
                f"physical indicator {x.indicator} ({x.key}) reported beside the GEP; "
                "not valued, not in GEP"
                for x in physical
            ),
            *notes,
            *(f"counterfactual: layer {r} of {y} instead of {year}" for r, y in held.items()),
        ],
    )


def _unit_value(comp: Component, params: ParameterSet) -> float:
    """CNY per unit of a component's quantity: its combined unit value, else its price."""
    if comp.unit_value is not None:
        return comp.unit_value
    return params.scalar(comp.price.key, comp.price.unit)


def _check_complete(
    methods: list[Method], params: ParameterSet, cells: np.ndarray, eco_path: Path
) -> None:
    """Stop when a per-type parameter a method needs for every type lacks a type that the
    raster holds: such cells would otherwise drop out of the service silently."""
    present = {int(c) for c in np.nonzero(cells[:, :RASTER_NODATA].sum(axis=0))[0]}
    for x in methods:
        for key in x.complete_types:
            used = next(u for u in x.parameters if u.key == key)
            missing = sorted(present - set(params.per_type(key, used.unit)))
            if missing:
                counts = {c: int(cells[:, c].sum()) for c in missing}
                raise InputError(
                    f"{x.indicator} ({x.key}) needs {key!r} for every ecosystem type in the "
                    f"raster, but parameter set {params.name!r} has no value for code(s) "
                    f"{preview(f'{c} ({n} cells)' for c, n in counts.items())}; add them to "
                    "the set's by_type table (or reclassify the raster)",
                    source=eco_path,
                    field=key,
                    values=missing,
                )


def _target(writer: BlockWriter) -> Any:
    return writer  # dask stores into any object with __setitem__


def _write_blocks(arr: Any, writer: BlockWriter, batch: int = 8) -> None:
    """Compute a dask array a few blocks at a time (on the current scheduler) and write
    them locally, so memory stays bounded by the batch."""
    blocks = list(np.ndindex(*arr.numblocks))
    starts = [np.cumsum((0, *c[:-1])) for c in arr.chunks]
    for i in range(0, len(blocks), batch):
        part = blocks[i : i + batch]
        data = dask.compute(*[arr.blocks[b] for b in part])
        for (r, c), block in zip(part, data, strict=True):
            r0, c0 = int(starts[0][r]), int(starts[1][c])
            writer[slice(r0, r0 + block.shape[0]), slice(c0, c0 + block.shape[1])] = block


def _finish_rasters(
    writers: Mapping[str, BlockWriter], folder: Path | None, name: str, year: int, say: Progress
) -> pd.DataFrame:
    """Turn the written GeoTIFFs into COGs next to them; their paths and checksums."""
    rows = []
    for ind, w in writers.items():
        assert folder is not None
        final = folder / f"{name}_{year}_{ind}_value_cny.tif"
        tmp = final.with_name(f".{final.name}.tmp.tif")
        to_cog(w.path, tmp)
        w.path.unlink()
        tmp.replace(final)
        rows.append(
            {
                "indicator": ind,
                "path": str(final.resolve()),
                "sha256": sha256_file(final),
                "unit": "CNY per cell",
            }
        )
    if rows:
        say(f"{name} {year}: {len(rows)} value rasters written to {folder}")
    return pd.DataFrame(rows, columns=["indicator", "path", "sha256", "unit"])


def _check_codes(cells: np.ndarray, eco_path: Path) -> None:
    allowed = set(raster_codes())
    present = {int(c) for c in np.nonzero(cells.sum(axis=0))[0]}
    unknown = sorted(present - allowed - {RASTER_NODATA})
    if unknown:
        counts = {c: int(cells[:, c].sum()) for c in unknown}
        raise InputError(
            f"unknown ecosystem code(s) {preview(f'{c} ({n} cells)' for c, n in counts.items())}; "
            f"valid codes are {', '.join(map(str, sorted(allowed)))} (ecosystem_types.csv) and "
            f"{RASTER_NODATA} for nodata; reclassify the raster",
            source=eco_path,
            field="ecosystem_type",
            values=unknown,
        )


def _read_tables(
    ds: Dataset, year: int, required: dict[str, set[str]], counties: set[int], say: Progress
) -> tuple[dict[str, pd.DataFrame], list[TableEntry]]:
    tables: dict[str, pd.DataFrame] = {}
    used: list[TableEntry] = []
    for role, cols in sorted(required.items()):
        entry = ds.manifest.table(role, year)
        if entry is None:
            raise ManifestError(
                f"no {role!r} table ({TABLE_ROLES[role].name_en}) for {year}; the profile's "
                f"methods need its column(s) {', '.join(sorted(cols)) or '(any)'}. Add a "
                "[[tables]] entry with role, year, path, columns, source, synthetic",
                source=ds.root / "manifest.toml",
                field="tables",
                values=[role],
            )
        say(f"{ds.manifest.name} {year}: reading {entry.path}")
        order = [c for c in TABLE_ROLES[role].columns if c in cols]
        tables[role] = read_table(ds.path(entry), entry, counties, order)
        used.append(entry)
    return tables, used


def _label(frame: pd.DataFrame, x: Method) -> pd.DataFrame:
    out = frame[TABLE_ROW_COLUMNS].copy()
    out.insert(0, "indicator", x.indicator)
    out["category"] = catalog_indicator(x.indicator).category
    out["quantity_unit"] = x.quantity_unit
    return out


def _external_deduction(results: pd.DataFrame, external: pd.DataFrame) -> pd.DataFrame:
    """GB/T 46869: net out the share of a product that comes from outside the region."""
    parts = []
    for column in external.columns:
        indicator = column.removesuffix("_external_share")
        if column == indicator:
            continue
        rows = results[results["indicator"] == indicator]
        if rows.empty:
            continue
        share = rows["county_adcode"].map(external[column]).fillna(0.0)
        ded = rows.copy()
        ded["component"] = EXTERNAL_DEDUCTION
        ded["quantity"] = -rows["quantity"] * share
        ded["value_cny"] = -rows["value_cny"] * share
        parts.append(ded[ded["value_cny"] != 0])
    return pd.concat(parts, ignore_index=True) if parts else results.iloc[:0]


def _price_table(params: ParameterSet, keys: set[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "key": k,
                "value": v.value,
                "by_type": v.by_type,
                "unit": v.unit,
                "year": v.year,
                "region": v.region,
                "source": v.source,
                "status": v.status,
            }
            for k, v in params.values.items()
            if k in keys
        ]
    )


__all__ = ["DEFAULT_PROFILE", "RESULT_COLUMNS", "AccountResult", "resolve_methods", "run_account"]
