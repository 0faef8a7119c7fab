"""Run one GEP account: dataset × year × parameter set → results per indicator ×
ecosystem type × county, with provenance.

The flow: read the manifest (checksums verified) → units → check that every layer is on
the grid of the ecosystem-type layer and in the unit of its role → open layers lazily
(dask) → one pass that both validates values (ecosystem codes, ranges) and aggregates every
raster service per county × ecosystem type → statistics-table services per county →
value = quantity × price → a long results table. Nothing is written here: the store
saves a finished account in one transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pandas as pd

from ganpo.catalog.ecosystems import RASTER_NODATA, UNATTRIBUTED, by_key, raster_codes
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.catalog.parameters import ParameterSet, load_parameter_set
from ganpo.engine.grid import Grid
from ganpo.engine.provenance import code_version, host
from ganpo.engine.rasters import open_layer
from ganpo.engine.result import RESULT_COLUMNS, AccountResult
from ganpo.engine.zonal import N_CODES, zonal_sums_graph, zone_index
from ganpo.errors import InputError, ManifestError, preview
from ganpo.io.manifest import Dataset, load_manifest
from ganpo.io.roles import LAYER_ROLES
from ganpo.io.tables import read_table
from ganpo.io.units import read_units
from ganpo.services.base import RasterInputs, UsedParameter
from ganpo.services.registry import RASTER_SERVICES, TABLE_PARAMETERS, TABLE_SERVICES

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


def run_account(
    dataset: Dataset | Path,
    year: int,
    parameter_set: ParameterSet | str = "jiangxi-default",
    *,
    chunk: int = 1024,
    progress: Progress | None = None,
) -> AccountResult:
    """Compute the GEP account of ``year`` for the dataset described by a manifest."""
    say = progress or (lambda msg: log.info(msg))
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    ds = dataset if isinstance(dataset, Dataset) else load_manifest(Path(dataset))
    params = (
        parameter_set
        if isinstance(parameter_set, ParameterSet)
        else load_parameter_set(parameter_set)
    )
    m = ds.manifest
    if year not in m.years:
        raise InputError(
            f"the dataset has no year {year}; it has {', '.join(map(str, m.years))}",
            source=ds.root / "manifest.toml",
            field="years",
            values=[year],
        )
    say(f"{m.name} {year}: reading units and checking the grid")
    units = read_units(ds.path(m.units), m.units.layer)
    warnings: list[str] = []

    # --- layers: presence, unit, grid -------------------------------------------------
    needed = sorted({role for s in RASTER_SERVICES.values() for role in s.layers})
    eco_entry = m.layer("ecosystem_type", year)
    missing = [r for r in ["ecosystem_type", *needed] if m.layer(r, year) is None]
    if eco_entry is None or missing:
        raise ManifestError(
            f"no layer for role(s) {', '.join(missing)} in year {year}; add them to the "
            "manifest (each [[layers]] entry needs role, path, unit, year, source, synthetic)",
            source=ds.root / "manifest.toml",
            field="layers",
            values=missing,
        )
    entries = {r: m.layer(r, year) for r in needed}
    for role, entry in {"ecosystem_type": eco_entry, **entries}.items():
        assert entry is not None
        if entry.unit != LAYER_ROLES[role].unit:
            raise InputError(
                f"layer {role!r} is declared in {entry.unit!r} but ganpo reads {role} in "
                f"{LAYER_ROLES[role].unit!r}; convert the raster and its manifest unit",
                source=ds.path(entry),
                field="unit",
                values=[entry.unit],
            )
    eco_path = ds.path(eco_entry)
    grid = Grid.of(eco_path)
    grid.check_equal_area(eco_path)
    for role, entry in entries.items():
        assert entry is not None
        grid.check_same(ds.path(entry), role, eco_path)
    units = units.to_crs(grid.crs_wkt) if not units.crs.equals(grid.crs_wkt) else units

    # --- lazy graph ------------------------------------------------------------------
    eco = open_layer(eco_path, chunk, as_float=False)
    layers = {r: open_layer(ds.path(e), chunk) for r, e in entries.items() if e is not None}
    zones = zone_index(list(units.geometry), grid.transform, eco)
    inputs = RasterInputs(layers=layers, ecosystem=eco, cell_area_m2=grid.cell_area_m2)
    quantities: dict[str, Any] = {}
    for service in RASTER_SERVICES.values():
        quantities.update(service.quantities(inputs, params))
    names = list(quantities)
    sums_graph = zonal_sums_graph(zones, eco, [quantities[n] for n in names], len(units))
    # value checks ride on the same pass over the data
    inside = zones >= 0
    checks = {
        role: (
            dask.array.nanmin(dask.array.where(inside, arr, np.nan)),
            dask.array.nanmax(dask.array.where(inside, arr, np.nan)),
        )
        for role, arr in layers.items()
    }
    say(
        f"{m.name} {year}: computing {len(names)} raster indicators over "
        f"{grid.width}×{grid.height} cells in blocks of {chunk}"
    )
    import warnings as _w

    with _w.catch_warnings():
        _w.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
        sums, ranges = dask.compute(sums_graph, checks)
    sums = np.asarray(sums).reshape(1 + 2 * len(names), len(units), N_CODES)
    cells = sums[0]

    # --- validation of what was read ---------------------------------------------------
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
    for role, (lo, hi) in ranges.items():
        spec = LAYER_ROLES[role]
        entry = entries[role]
        assert entry is not None
        if np.isfinite(lo) and (lo < spec.minimum or hi > spec.maximum):
            raise InputError(
                f"layer {role!r} has values from {lo:g} to {hi:g} {spec.unit} inside the "
                f"region; valid {spec.name_en} lies in [{spec.minimum:g}, {spec.maximum:g}] "
                f"{spec.unit}. Check the unit and the nodata value of the file",
                source=ds.path(entry),
                field=role,
                values=[lo, hi],
            )
    nodata_eco = int(cells[:, RASTER_NODATA].sum())
    if nodata_eco:
        warnings.append(
            f"{nodata_eco} cells inside the units have no ecosystem type ({eco_path.name}); "
            "they count in no raster service"
        )
    for k, name in enumerate(names):
        gap = int(sums[2 + 2 * k][:, np.r_[0:RASTER_NODATA]].sum())
        if gap:
            warnings.append(
                f"{name}: {gap} cells of a providing ecosystem type have nodata in an input "
                "layer and are left out of the sum (not counted as zero)"
            )

    # --- results -----------------------------------------------------------------------
    prices = _price_table(params)
    rows: list[pd.DataFrame] = []
    adcodes = units["county_adcode"].to_numpy()
    for k, name in enumerate(names):
        service = next(s for s in RASTER_SERVICES.values() if name in s.outputs)
        total = sums[1 + 2 * k]
        zi, code = np.nonzero((total != 0) | (cells > 0))
        keep = code != RASTER_NODATA
        zi, code = zi[keep], code[keep]
        price = service.prices[name]
        pv = params.scalar(price.key, price.unit)
        q = total[zi, code]
        rows.append(
            _rows(name, adcodes[zi], code, q, service.outputs[name], pv, price.unit, q * pv)
        )

    county_set = {int(a) for a in adcodes}
    for tservice in TABLE_SERVICES.values():
        tentry = m.table(tservice.table, year)
        if tentry is None:
            raise ManifestError(
                f"no {tservice.table!r} table for {year}; {tservice.name_en} needs it. Add a "
                "[[tables]] entry with role, year, path, columns, source, synthetic",
                source=ds.root / "manifest.toml",
                field="tables",
                values=[tservice.table],
            )
        say(f"{m.name} {year}: {tservice.name_en} from {tentry.path}")
        table = read_table(ds.path(tentry), tentry, county_set)
        for name, out in tservice.compute(table, params).items():
            ind = catalog_indicator(name)
            type_code = by_key(ind.ecosystem_type).code if ind.ecosystem_type else UNATTRIBUTED
            unit_price = params.scalar(out.price.key, out.price.unit) if out.price else np.nan
            rows.append(
                _rows(
                    name,
                    out.quantity.index.to_numpy(),
                    np.full(len(out.quantity), type_code),
                    out.quantity.to_numpy(dtype="float64"),
                    tservice.outputs[name],
                    unit_price,
                    out.price.unit if out.price else "",
                    out.value_cny.to_numpy(dtype="float64"),
                )
            )
    results = pd.concat(rows, ignore_index=True)[RESULT_COLUMNS]

    zi, code = np.nonzero(cells)
    extent = pd.DataFrame(
        {
            "county_adcode": adcodes[zi].astype("int64"),
            "ecosystem_code": code.astype("int64"),
            "cells": cells[zi, code].astype("int64"),
        }
    )
    extent["area_m2"] = extent["cells"] * grid.cell_area_m2

    entries_used = [m.units, eco_entry, *[e for e in entries.values() if e is not None]]
    entries_used += [m.table(s.table, year) for s in TABLE_SERVICES.values()]  # type: ignore[misc]
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
            if e is not None
        ]
    )
    used = {u.key for s in RASTER_SERVICES.values() for u in (*s.parameters, *s.prices.values())}
    used |= {u.key for u in TABLE_PARAMETERS}
    prices = prices[prices["key"].isin(used)].reset_index(drop=True)
    for w in warnings:
        log.warning(w)
    say(f"{m.name} {year}: done in {time.perf_counter() - t0:.1f} s")
    return AccountResult(
        dataset_name=m.name,
        region_adcode=m.region_adcode,
        year=year,
        parameter_set=params.name,
        parameter_set_version=params.version,
        synthetic=m.synthetic or any(e.synthetic for e in entries_used if e is not None),
        code_version=code_version(),
        host=host(),
        started_at=started,
        finished_at=datetime.now(UTC),
        manifest_sha256=ds.manifest_sha256,
        inputs=inputs_df,
        prices=prices,
        results=results,
        extent=extent,
        units=units,
        warnings=warnings,
    )


def _rows(
    name: str,
    adcodes: np.ndarray,
    codes: np.ndarray,
    quantity: np.ndarray,
    unit: str,
    price: float,
    price_unit: str,
    value: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": name,
            "category": catalog_indicator(name).category,
            "ecosystem_code": codes.astype("int64"),
            "county_adcode": adcodes.astype("int64"),
            "quantity": quantity.astype("float64"),
            "quantity_unit": unit,
            "price": float(price),
            "price_unit": price_unit,
            "value_cny": value.astype("float64"),
        }
    )


def _price_table(params: ParameterSet) -> pd.DataFrame:
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
        ]
    )


__all__ = ["RESULT_COLUMNS", "AccountResult", "UsedParameter", "run_account"]
