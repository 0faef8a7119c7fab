"""The scenario of :func:`ganpo.landuse.run.simulate` in memory bounded by a block of rows,
not by the map (issue 17: a province at 30 m, about 2 × 10⁸ cells).

The run is a list of passes over the map, ``block_rows`` rows at a time; what must
outlive a pass is kept in files of a scratch folder (``numpy.memmap`` through
:class:`ganpo.engine.routing.Workspace`, unlinked as soon as mapped) or as running
totals:

1. :func:`_read_maps` — the two maps (level-2 codes folded), their class indices (int8,
   1 byte a cell each), the cross-tabulation, the class totals and the label totals of
   the sample; the DEM's and the extra drivers' row sums for their means.
2. :func:`_drivers_and_sample` — the drivers of each block (float32 on disk, 4 bytes a
   cell each: the forest sees float32 anyway): slope from the block plus one row of halo
   (the same central differences as on the whole map), distances to built-up land and to
   water capped at a stated maximum search distance, from the block plus a halo of
   ⌈cap / cell⌉ rows (exact: :func:`ganpo.landuse.suitability.capped_distance_rows`); the
   stratified sample's features gathered as the blocks pass
   (:func:`ganpo.landuse.suitability.sample_ranks`: the same cells as in memory, bounded
   by the sample).
3. the fit on the sample; the prediction block by block into the suitability on disk
   (4 bytes × classes a cell).
4. :func:`_allowed` — the restricted raster and the zoning's polygons burnt block by block.
5. the demand from the totals; the automaton (:func:`ganpo.landuse.ca.allocate_index`,
   block by block of ``params.rows_per_block``); the map written block by block.

The result equals the in-memory run cell by cell for every ``block_rows`` (a test checks
it): the draws of the automaton are per (seed, iteration, block of
``params.rows_per_block`` rows), a model setting, never per ``block_rows``.

Memory: in RAM, one block's work arrays — a few float64 arrays of (block + 2 × halo) rows
for the distance transform, (classes × ``params.rows_per_block`` rows) for the automaton
— plus the sample and an iteration's quota of candidates; on disk, about
(2 + 4 × drivers + 4 × classes + 1) bytes a cell (51 bytes with 4 drivers and 8 classes:
about 10 GB for 2 × 10⁸ cells), read through the page cache (resident file pages that
the system reclaims when it needs memory).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.windows import Window

from ganpo.catalog.ecosystems import RASTER_NODATA, by_key
from ganpo.engine.routing import Workspace
from ganpo.engine.stages.codes import NotCodes, block_codes
from ganpo.errors import InputError
from ganpo.io.outputs import writing
from ganpo.io.raster_files import open_raster, read_window
from ganpo.landuse.ca import AllocationResult, CAParameters, allocate_index
from ganpo.landuse.demand import class_index, flows_from_table, plan_demand
from ganpo.landuse.run import (
    CLASSES,
    SIMULATED,
    CoverMap,
    ScenarioRun,
    SuitabilityKind,
    check_codes,
    distance_cap_m,
    fold_level1,
    mean_of,
    nan_mean_by_rows,
    same_grid,
)
from ganpo.landuse.suitability import (
    SuitabilityModel,
    capped_distance_rows,
    fit_sample,
    halo_rows,
    no_change_error,
    no_feature_error,
    predict_index,
    sample_ranks,
    slope_rows,
)
from ganpo.landuse.zones import burn_rows, zoning_shapes

#: the drivers ganpo derives itself, as :func:`ganpo.landuse.run.drivers_for` names them
BUILTIN_DRIVERS = ("elevation_m", "slope_deg", "built_distance_m", "water_distance_m")
#: rows read, derived and predicted at a time unless told
BLOCK_ROWS = 256


@dataclass
class _Maps:
    """What the first pass keeps: the grid, the class indices on disk, the totals."""

    first: CoverMap  # its ``cover`` is empty: the map stays on disk
    profile_second: dict[str, Any]
    first_idx: NDArray[np.int8]  # class index of the first map (−1: nodata)
    current_idx: NDArray[np.int8]  # of the second map where both are valid
    table: NDArray[np.int64]  # first × second over the cells valid in both
    first_counts: NDArray[np.int64]
    label_counts: NDArray[np.int64]  # changed-to class, or "persisted" (last)
    means: dict[str, float] = field(default_factory=dict)  # DEM and extra drivers


def _windows(height: int, width: int, rows: int) -> Iterator[tuple[int, int, Window]]:
    for r0 in range(0, height, rows):
        r1 = min(r0 + rows, height)
        yield r0, r1, Window(0, r0, width, r1 - r0)


def _read_maps(
    first: Path,
    second: Path,
    float_rasters: Mapping[str, Path],
    ws: Workspace,
    block_rows: int,
) -> _Maps:
    k = len(CLASSES)
    with open_raster(first, "ecosystem_type") as a, open_raster(second, "ecosystem_type") as b:
        pa, pb = dict(a.profile), dict(b.profile)
        first_map = CoverMap(Path(first), np.empty((0, 0), np.int64), pa)
        same_grid(first_map, Path(second), pb)
        h, w = pa["height"], pa["width"]
        first_idx = ws.empty((h, w), np.int8)
        current_idx = ws.empty((h, w), np.int8)
        table = np.zeros((k, k), np.int64)
        first_counts = np.zeros(k, np.int64)
        codes: list[set[int]] = [set(), set()]
        not_codes = [NotCodes(), NotCodes()]
        for r0, r1, win in _windows(h, w, block_rows):
            va, vb = (
                _codes(src, Path(path), win, r0, found)
                for src, path, found in zip((a, b), (first, second), not_codes, strict=True)
            )
            for seen, v in zip(codes, (va, vb), strict=True):
                seen.update(int(c) for c in np.unique(v[v != RASTER_NODATA]))
            # a code that is no type folds to no class here; refused below with all of them
            sa = class_index(fold_level1(va), CLASSES)
            sb = class_index(fold_level1(vb), CLASSES)
            both = (sa >= 0) & (sb >= 0)
            first_idx[r0:r1] = sa
            current_idx[r0:r1] = np.where(both, sb, -1)
            table += np.bincount(sa[both] * k + sb[both], minlength=k * k).reshape(k, k)
            first_counts += np.bincount(sa[sa >= 0], minlength=k)
    not_codes[0].refuse(Path(first))
    not_codes[1].refuse(Path(second))
    check_codes(np.array(sorted(codes[0]), np.int64), Path(first))
    check_codes(np.array(sorted(codes[1]), np.int64), Path(second))
    persisted = int(np.trace(table))
    label_counts = np.append(table.sum(axis=0) - np.diag(table), persisted)
    maps = _Maps(first_map, pb, first_idx, current_idx, table, first_counts, label_counts)
    for name, path in float_rasters.items():
        sums: list[float] = []
        count = 0
        with open_raster(path, name) as src:
            same_grid(first_map, Path(path), src.profile)
            for _, _, win in _windows(h, w, block_rows):
                part, n = nan_mean_by_rows(
                    _as_float(read_window(src, Path(path), name, win), src.nodata)
                )
                sums += part
                count += n
        maps.means[name] = mean_of(sums, count)
    return maps


def _codes(src: Any, path: Path, win: Window, r0: int, found: NotCodes) -> NDArray[np.int64]:
    """The codes of rows ``win`` of an ecosystem map as :func:`ganpo.landuse.run.read_cover`
    reads them (declared nodata → :data:`RASTER_NODATA`); the values that are no code are
    added to ``found``, refused after the pass."""
    codes, _, not_codes = block_codes(
        read_window(src, path, "ecosystem_type", win), src.nodata, (r0, 0)
    )
    found.add(not_codes)
    return codes.astype(np.int64)


def _as_float(values: NDArray[Any], nodata: float | None) -> NDArray[np.float64]:
    data = values.astype(np.float64)
    if nodata is not None:
        data[data == nodata] = np.nan
    return data


def _read_filled(
    path: Path, name: str, mean: float, r0: int, r1: int, width: int
) -> NDArray[np.float64]:
    with open_raster(path, name) as src:
        data = _as_float(read_window(src, path, name, Window(0, r0, width, r1 - r0)), src.nodata)
    return np.where(np.isnan(data), mean, data)


def _drivers_and_sample(
    maps: _Maps,
    rasters: Mapping[str, Path],
    names: tuple[str, ...],
    cap_m: float,
    ranks: list[NDArray[np.int64]],
    ws: Workspace,
    block_rows: int,
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int64]]:
    """Every driver on disk (drivers × rows × cols, float32, in ``names`` order) and the
    sample's features and labels, in the map's row-major order."""
    h, w = maps.first_idx.shape
    k = len(CLASSES)
    cell = abs(maps.first.profile["transform"].a)
    store = ws.empty((len(names) * h, w), np.float32).reshape(len(names), h, w)
    halo = halo_rows(cap_m, cell)
    features = {
        "built_distance_m": by_key("built_up").code,
        "water_distance_m": by_key("water").code,
    }
    seen = np.zeros(k + 1, np.int64)
    xs: list[NDArray[np.float32]] = []
    ys: list[NDArray[np.int64]] = []
    for r0, r1, _ in _windows(h, w, block_rows):
        a0, a1 = max(r0 - 1, 0), min(r1 + 1, h)
        elev = _read_filled(rasters["dem"], "dem", maps.means["dem"], a0, a1, w)
        block: dict[str, NDArray[Any]] = {
            "elevation_m": elev[r0 - a0 : r0 - a0 + r1 - r0],
            "slope_deg": slope_rows(elev, slice(r0 - a0, r0 - a0 + r1 - r0), cell),
        }
        d0, d1 = max(r0 - halo, 0), min(r1 + halo, h)
        strip = np.asarray(maps.first_idx[d0:d1])
        for name, code in features.items():
            block[name] = capped_distance_rows(
                strip == CLASSES.index(code), slice(r0 - d0, r1 - d0), cell, cap_m
            )
        for name in names:
            if name not in block:
                block[name] = _read_filled(rasters[name], name, maps.means[name], r0, r1, w)
            store[names.index(name), r0:r1] = block[name]
        # the sample: the members of each label in this block, by rank
        s_idx = np.asarray(maps.first_idx[r0:r1]).astype(np.int64)
        e_idx = np.asarray(maps.current_idx[r0:r1]).astype(np.int64)
        labels = np.where(s_idx == e_idx, k, e_idx)
        pool = np.flatnonzero(e_idx.ravel() >= 0)
        lab = labels.ravel()[pool]
        pick = np.zeros(pool.size, bool)
        for q in range(k + 1):
            mine = np.flatnonzero(lab == q)
            r = ranks[q]
            lo, hi = np.searchsorted(r, [seen[q], seen[q] + mine.size])
            pick[mine[r[lo:hi] - seen[q]]] = True
            seen[q] += mine.size
        cells = pool[pick]
        cols = [store[names.index(n), r0:r1].ravel()[cells] for n in names]
        onehot = (s_idx.ravel()[cells][:, None] == np.arange(k)[None, :]).astype(np.float32)
        xs.append(np.column_stack([*cols, onehot]).astype(np.float32))
        ys.append(lab[pick])
    return store, np.concatenate(xs), np.concatenate(ys)


def _allowed(
    maps: _Maps,
    restricted: Path | None,
    zoning: Path | None,
    ws: Workspace,
    block_rows: int,
) -> NDArray[np.bool_]:
    h, w = maps.first_idx.shape
    allowed = ws.empty((h, w), np.bool_)
    shapes = zoning_shapes(zoning, maps.first.profile["crs"]) if zoning is not None else None
    src = open_raster(restricted, "restricted") if restricted is not None else None
    try:
        if src is not None:
            same_grid(maps.first, Path(str(restricted)), src.profile)
        for r0, r1, win in _windows(h, w, block_rows):
            mask = np.zeros((r1 - r0, w), bool)
            if src is not None:
                zones = _as_float(
                    read_window(src, Path(str(restricted)), "restricted", win), src.nodata
                )
                mask |= np.nan_to_num(zones, nan=0.0) != 0
            if shapes is not None:
                mask |= burn_rows(shapes, maps.first.profile, r0, r1)
            allowed[r0:r1] = ~mask
    finally:
        if src is not None:
            src.close()
    return allowed


def _write(out: Path, maps: _Maps, idx: NDArray[np.int8], block_rows: int) -> Path:
    profile = dict(maps.profile_second)
    profile.update(driver="GTiff", dtype="uint8", nodata=RASTER_NODATA, count=1, compress="deflate")
    code = np.asarray(CLASSES, np.int64)
    h, w = idx.shape
    with writing(Path(out), SIMULATED) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for r0, r1, win in _windows(h, w, block_rows):
            block = np.asarray(idx[r0:r1])
            cover = np.where(block >= 0, code[np.maximum(block, 0)], RASTER_NODATA)
            dst.write(cover.astype(np.uint8), 1, window=win)
    return Path(out)


@contextmanager
def _scratch(folder: Path | None, near: Path) -> Iterator[Workspace]:
    with tempfile.TemporaryDirectory(prefix="ganpo-landuse-", dir=folder or near) as tmp:
        yield Workspace(Path(tmp))


def simulate_chunked(
    first: Path,
    second: Path,
    dem: Path,
    out: Path,
    *,
    demand: Literal["markov", "plan"] = "markov",
    steps: int = 1,
    targets_hm2: Mapping[int, float] | None = None,
    restricted: Path | None = None,
    zoning: Path | None = None,
    conversion: NDArray[np.bool_] | None = None,
    seed: int = 0,
    params: CAParameters | None = None,
    extra_drivers: Mapping[str, Path] | None = None,
    model: SuitabilityKind = "forest",
    max_distance_m: float | None = None,
    block_rows: int = BLOCK_ROWS,
    scratch: Path | None = None,
) -> ScenarioRun:
    """:func:`ganpo.landuse.run.simulate` block by block of ``block_rows`` rows, its
    working arrays in files of a temporary folder of ``scratch`` (default: ``out``'s
    folder), removed afterwards. Same arguments and result as the in-memory run, except
    that the returned allocation carries no map (the map is the file ``out``)."""
    if block_rows < 1:
        raise InputError(
            en=f"block_rows must be at least 1, got {block_rows}",
            zh="每块行数须至少为 1",
            field="block_rows",
            values=[block_rows],
        )
    extra = dict(extra_drivers or {})
    for name in extra:
        if name in BUILTIN_DRIVERS:
            raise InputError(
                en=f"driver {name!r} is one of ganpo's own ({', '.join(BUILTIN_DRIVERS)}); give "
                "another name",
                zh="驱动因子名称与内置因子重复",
                field="driver",
                values=[name],
            )
    rasters = {"dem": Path(dem), **{n: Path(p) for n, p in extra.items()}}
    k = len(CLASSES)
    with _scratch(scratch, Path(out).parent) as ws:
        maps = _read_maps(first, second, rasters, ws, block_rows)
        cap_m = distance_cap_m(maps.first.profile, max_distance_m)
        for code in (by_key("built_up").code, by_key("water").code):
            if maps.first_counts[CLASSES.index(code)] == 0:
                raise no_feature_error()
        if maps.label_counts[:k].sum() == 0:
            raise no_change_error()
        names = tuple(sorted([*BUILTIN_DRIVERS, *extra]))
        ranks = sample_ranks(maps.label_counts, 2000, seed)
        store, x, y = _drivers_and_sample(maps, rasters, names, cap_m, ranks, ws, block_rows)
        fitted = SuitabilityModel(
            fit_sample(x, y, model, seed=seed), CLASSES, names, "expansion", int(y.size)
        )
        drivers = {n: store[i] for i, n in enumerate(names)}
        h, w = maps.first_idx.shape
        prob = ws.empty((k * h, w), np.float32).reshape(k, h, w)
        predict_index(fitted, drivers, maps.current_idx, rows_per_block=block_rows, out=prob)
        del drivers, store
        allowed = _allowed(maps, restricted, zoning, ws, block_rows)
        now = maps.table.sum(axis=0)
        cell_area_hm2 = maps.first.cell_area_hm2
        want: NDArray[np.int64]
        if demand == "markov":
            want = flows_from_table(maps.table, steps)
        else:
            cells = {int(c): round(v / cell_area_hm2) for c, v in (targets_hm2 or {}).items()}
            want = plan_demand(cells, now, CLASSES)
        iterations, unmet = allocate_index(
            maps.current_idx,
            prob,
            want,
            allowed,
            CLASSES,
            conversion=conversion,
            params=params,
            seed=seed,
            cell_area_hm2=cell_area_hm2,
        )
        path = _write(out, maps, maps.current_idx, block_rows)
        del prob, allowed, maps
    net = now + want.sum(axis=0) - want.sum(axis=1) if want.ndim == 2 else want
    return ScenarioRun(
        path, net, now, AllocationResult(iterations, unmet), fitted.importances(), cell_area_hm2
    )
