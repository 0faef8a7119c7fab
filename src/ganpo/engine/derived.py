"""Layers the engine derives from a dataset's layers before an account: the RUSLE LS
factor from the DEM, and the sediment delivery ratio (SDR) from the DEM and the
ecosystem map (flow routing, :mod:`ganpo.engine.routing`).

Routing cannot run block by block, so a derived layer is computed once, globally, and
written as a GeoTIFF in a cache folder (default ``<dataset>/derived``); the account then
reads it in blocks like any other layer. The file name carries a digest of what it
depends on (the source files' checksums, the parameters it reads, per-type ones
included, the algorithm version), so a changed DEM, ``ls_l_max`` or ``usle_c`` gives a new
file and an unchanged one is reused. An LS factor and an SDR of the same flow algorithm
that are both to be built are built from one routing of the DEM
(:func:`ensure_derived_all`).

Large DEMs are routed by tiles (docs/decisions/0065): when the D8 SDR is to be built
(with or without its LS factor) and the DEM has at least ``GANPO_ROUTING_TILE_CELLS``
cells (default 100 million; 0: always; ``off``: never), the pair is made by
:func:`ganpo.engine.tiled_fill.fill_pits_tiled` → :func:`ganpo.engine.tiled_dirs.
flow_directions_tiled` → :func:`ganpo.engine.tiled_sdr.ls_and_sdr_tiled`, in tiles of
``GANPO_ROUTING_TILE`` cells a side (default 2048), each a dask task on the run's
scheduler, the filled DEM and directions in a scratch folder removed afterwards. The LS
factor is bitwise the global one and keeps its cache name; the SDR is within float32
rounding of it (two float32 steps at most, tiled_sdr's docstring), so its cache name
carries the tile side.

The MFD pair takes the same path from ``GANPO_ROUTING_TILE_CELLS_MFD`` cells (default
``off``: never; decision 0108): its tiles bound the memory by the tile, but its seams'
rounds make it much slower than the global MFD routing (6–10× on the demo's DEM, decision
0092; over 25× at the size of Jiangxi at 30 m, decision 0108), so a machine that has the
global routing's memory (about 40 B per cell) keeps it. Its LS
factor and SDR are within float32 rounding of the global ones (decision 0084), so both
cache names carry the tile side.

The tiled path is not taken, and the whole DEM is routed (logged at INFO, with the
reason), for an LS factor without an SDR (the tiled LS is made with the SDR, which reads
the ecosystem map), and where the ecosystem map leaves DEM cells without a cover factor
(the global function then routes LS and SDR apart, which one set of tiled directions
cannot give).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import rasterio
import rasterio.windows

from ganpo.catalog.parameters import ParameterSet
from ganpo.errors import InputError, UnknownNameError
from ganpo.io.outputs import DERIVED_CACHE, output_errors
from ganpo.io.raster_files import open_raster, read_window
from ganpo.io.roles import DERIVED_ROLES
from ganpo.services.base import UsedParameter
from ganpo.services.methods import SDR_PARAMETERS

if TYPE_CHECKING:
    from ganpo.engine.routing import FlowAlgorithm

L_MAX = UsedParameter("ls_l_max", "1")
USLE_C = UsedParameter("usle_c", "1")
#: bump when a change of the routing, LS or SDR code changes the derived rasters
ROUTING_VERSION = "2026.3"  # 2026.3: flats as pygeoprocessing
#: cells of the DEM from which the D8 LS factor and SDR are routed by tiles
TILE_CELLS_ENV = "GANPO_ROUTING_TILE_CELLS"
#: above the global routing's few GiB (34 B per cell at the peak: 3.2 GiB measured at
#: 10⁸ cells) and where the tiled path's 1.5–2.5× time buys bounded memory (0065)
DEFAULT_TILE_CELLS = 100_000_000
#: the side of a tile [cells]
TILE_ENV = "GANPO_ROUTING_TILE"
#: about 85 B per cell of the tile per task (docs/benchmarks.md): 0.36 GiB a task
DEFAULT_TILE = 2048
#: cells of the DEM from which the MFD LS factor and SDR are routed by tiles (0108)
MFD_TILE_CELLS_ENV = "GANPO_ROUTING_TILE_CELLS_MFD"
#: never by default: by tiles MFD is much slower than the global routing (0092, 0108)
DEFAULT_MFD_TILE_CELLS: int | None = None
#: the derived roles whose tiled raster may differ from the global one in the last float32
#: bits, so whose cache name carries the tile side (the D8 LS factor is bitwise the global)
TILE_IN_DIGEST = frozenset({"sdr_d8", "ls_factor_mfd", "sdr_mfd"})

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DerivedLayer:
    """How one derived role is made: from which layer roles, with which parameters."""

    role: str
    sources: tuple[str, ...]
    parameters: tuple[UsedParameter, ...]
    build: Callable[[Mapping[str, Path], Path, ParameterSet], Path]
    per_type: tuple[UsedParameter, ...] = ()


def _ls(algorithm: FlowAlgorithm) -> Callable[[Mapping[str, Path], Path, ParameterSet], Path]:
    def build(sources: Mapping[str, Path], target: Path, params: ParameterSet) -> Path:
        from ganpo.engine.routing import ls_factor_raster  # numba compiles on first use

        return ls_factor_raster(
            sources["dem"],
            target,
            algorithm,
            params.scalar(L_MAX.key, L_MAX.unit),
        )

    return build


def _sdr(algorithm: FlowAlgorithm) -> Callable[[Mapping[str, Path], Path, ParameterSet], Path]:
    def build(sources: Mapping[str, Path], target: Path, params: ParameterSet) -> Path:
        from ganpo.engine.routing import sdr_raster  # numba compiles on first use

        return sdr_raster(
            sources["dem"],
            sources["ecosystem_type"],
            params.per_type(USLE_C.key, USLE_C.unit),
            target,
            algorithm,
            *(params.scalar(u.key, u.unit) for u in SDR_PARAMETERS),
        )

    return build


DERIVED: dict[str, DerivedLayer] = {
    "ls_factor_mfd": DerivedLayer("ls_factor_mfd", ("dem",), (L_MAX,), _ls("mfd")),
    "ls_factor_d8": DerivedLayer("ls_factor_d8", ("dem",), (L_MAX,), _ls("d8")),
    "sdr_mfd": DerivedLayer(
        "sdr_mfd", ("dem", "ecosystem_type"), SDR_PARAMETERS, _sdr("mfd"), (USLE_C,)
    ),
    "sdr_d8": DerivedLayer(
        "sdr_d8", ("dem", "ecosystem_type"), SDR_PARAMETERS, _sdr("d8"), (USLE_C,)
    ),
}
assert set(DERIVED) == set(DERIVED_ROLES)


def derived_layer(role: str) -> DerivedLayer:
    """The recipe of a derived role; unknown roles list the known ones."""
    if role not in DERIVED:
        raise UnknownNameError("derived layer", role, DERIVED)
    return DERIVED[role]


def derived_path(
    role: str,
    source_sha256: Mapping[str, str],
    params: ParameterSet,
    folder: Path,
    tile: int | None = None,
) -> Path:
    """Where the derived layer for these sources and parameters is (or will be) cached;
    ``tile``: the side of the tiles it is routed by (None: the whole DEM), in the name
    only for the roles of :data:`TILE_IN_DIGEST`."""
    recipe = derived_layer(role)
    payload: dict[str, object] = {
        "role": role,
        "version": ROUTING_VERSION,
        "sources": {r: source_sha256[r] for r in recipe.sources},
        "parameters": {u.key: params.scalar(u.key, u.unit) for u in recipe.parameters},
    }
    if tile is not None and role in TILE_IN_DIGEST:
        payload["tile"] = tile
    if recipe.per_type:
        payload["per_type"] = {
            u.key: sorted(params.per_type(u.key, u.unit).items()) for u in recipe.per_type
        }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
    return folder / f"{role}_{digest}.tif"


def ensure_derived(
    role: str,
    sources: Mapping[str, Path],
    source_sha256: Mapping[str, str],
    params: ParameterSet,
    folder: Path,
) -> tuple[Path, bool]:
    """The cached derived layer, built first if absent; and whether it was built now."""
    missing = [r for r in derived_layer(role).sources if r not in sources]
    if missing:
        raise InputError(
            en=f"derived layer {role!r} is made from {', '.join(derived_layer(role).sources)}; "
            f"the layer(s) {', '.join(missing)} were not given",
            zh=f"派生图层 {role!r} 由 "
            f"{', '.join(derived_layer(role).sources)} 计算；未提供图层 {', '.join(missing)}",
            field="sources",
            values=missing,
        )
    target = derived_path(role, source_sha256, params, folder)
    if target.exists():
        return target, False
    with output_errors(folder, DERIVED_CACHE):  # a read-only dataset folder, say
        folder.mkdir(parents=True, exist_ok=True)
    # written under a temporary name and renamed when complete (routing._write_strips)
    return derived_layer(role).build(sources, target, params), True


def _env_cells(name: str, given: int | None, default: int | None, least: int) -> int | None:
    """``given`` if not None, else the environment variable ``name`` (``off``: None), else
    ``default``; a value below ``least`` or not a whole number is refused."""
    value: int | None = given
    shown: object = given
    if given is None:
        raw = os.environ.get(name, "").strip()
        if not raw:
            return default
        if raw.lower() == "off":
            return None
        shown = raw
        try:
            value = int(raw)
        except ValueError:
            value = None
    if value is None or value < least:
        raise InputError(
            en=f"{name}={shown!r} is not a whole number ≥ {least}; set it to one, or to 'off', "
            "or unset it",
            zh=f"{name} 须为不小于 {least} 的整数（或 off），或删除该环境变量",
            field=name,
            values=[shown],
        )
    return value


def tile_threshold(tile_cells: int | None = None, algorithm: FlowAlgorithm = "d8") -> int | None:
    """Cells of the DEM from which the LS factor and SDR of ``algorithm`` are routed by
    tiles: ``tile_cells`` if given, else ``GANPO_ROUTING_TILE_CELLS`` (D8) or
    ``GANPO_ROUTING_TILE_CELLS_MFD`` (MFD) (``off``: never, None), else
    :data:`DEFAULT_TILE_CELLS` (D8) or :data:`DEFAULT_MFD_TILE_CELLS` (MFD: never); 0
    routes every DEM by tiles."""
    if algorithm == "mfd":
        return _env_cells(MFD_TILE_CELLS_ENV, tile_cells, DEFAULT_MFD_TILE_CELLS, 0)
    return _env_cells(TILE_CELLS_ENV, tile_cells, DEFAULT_TILE_CELLS, 0)


def tile_side(tile: int | None = None) -> int:
    """The side of a routing tile [cells]: ``tile`` if given, else ``GANPO_ROUTING_TILE``,
    else :data:`DEFAULT_TILE`."""
    side = _env_cells(TILE_ENV, tile, DEFAULT_TILE, 1)
    if side is None:
        raise InputError(
            en=f"{TILE_ENV}=off: the tile side is a number of cells; to route the whole DEM "
            f"set {TILE_CELLS_ENV}=off",
            zh=f"分块边长须为像元数；不分块请设置 {TILE_CELLS_ENV}=off",
            field=TILE_ENV,
            values=["off"],
        )
    return side


def cells_without_cover(
    dem_path: Path, ecosystem_path: Path, cover_by_code: Mapping[int, float]
) -> int:
    """DEM cells (not nodata) whose ecosystem code has no cover factor (or lies outside
    0–255), counted as :func:`ganpo.engine.routing.ls_and_sdr_rasters` counts them, read
    strip by strip (``routing.CHUNK_CELLS`` cells at a time)."""
    from ganpo.engine import routing

    shape, _, _, _, w_by_code = routing._sdr_inputs(dem_path, ecosystem_path, dict(cover_by_code))
    missing = np.isnan(w_by_code)
    lost = 0
    with (
        rasterio.Env(GDAL_CACHEMAX=routing.GDAL_CACHE_BYTES),
        open_raster(dem_path, "dem") as dem,
        open_raster(ecosystem_path, "ecosystem_type") as eco,
    ):
        nodata = dem.nodata
        step = max(1, routing.CHUNK_CELLS // shape[1])
        for r0 in range(0, shape[0], step):
            window = rasterio.windows.Window(0, r0, shape[1], min(step, shape[0] - r0))
            z = read_window(dem, dem_path, "dem", window).astype(np.float64)
            valid = ~np.isnan(z)
            if nodata is not None and not np.isnan(nodata):
                valid &= z != nodata
            codes = read_window(eco, ecosystem_path, "ecosystem_type", window)
            inside = (codes >= 0) & (codes < 256)
            uncovered = ~inside | missing[np.clip(codes, 0, 255).astype(np.int64)]
            lost += int(np.count_nonzero(valid & uncovered))
    return lost


def tiled_roles(
    roles: Collection[str],
    sources: Mapping[str, Path],
    params: ParameterSet,
    *,
    tile_cells: int | None = None,
    tile: int | None = None,
    cache: tuple[Mapping[str, str], Path] | None = None,
    mfd_tile_cells: int | None = None,
) -> dict[str, int]:
    """The derived roles of ``roles`` that are routed by tiles, with the tile side: per
    flow algorithm, its LS factor and SDR pair's roles when its SDR is among them, its
    sources given, and the DEM has at least :func:`tile_threshold` cells for it
    (``tile_cells`` for D8, ``mfd_tile_cells`` for MFD), unless the ecosystem map leaves
    DEM cells without a cover factor (a pass over the DEM and the map, skipped when
    ``cache``, the sources' checksums and the cache folder, holds the SDR made by tiles
    already). Every case where a DEM that large is routed whole is logged (INFO) with its
    reason."""
    routed = [r for r in roles if r in DERIVED]
    if not routed or "dem" not in sources:
        return {}
    thresholds = {
        algorithm: tile_threshold(tile_cells if algorithm == "d8" else mfd_tile_cells, algorithm)
        for algorithm in SHARED_ROUTING
    }
    if all(t is None for t in thresholds.values()):
        return {}
    with open_raster(sources["dem"], "dem") as src:
        cells = src.height * src.width
    name = Path(sources["dem"]).name
    out: dict[str, int] = {}
    lost: int | None = None
    for algorithm, (ls_role, sdr_role) in SHARED_ROUTING.items():
        threshold = thresholds[algorithm]
        asked = [r for r in (ls_role, sdr_role) if r in roles]
        if not asked:
            continue
        if threshold is None or cells < threshold:
            d8 = thresholds["d8"]
            if algorithm == "mfd" and d8 is not None and cells >= d8:
                log.info(
                    "%s (mfd) of %s route the whole DEM (%d cells ≥ %s = %d): set %s to "
                    "route them by tiles, in memory bounded by the tile but much slower "
                    "(decision 0108)",
                    " and ".join(asked),
                    name,
                    cells,
                    TILE_CELLS_ENV,
                    d8,
                    MFD_TILE_CELLS_ENV,
                )
            continue
        setting = TILE_CELLS_ENV if algorithm == "d8" else MFD_TILE_CELLS_ENV
        why = f"{cells} cells ≥ {setting} = {threshold}"
        if sdr_role not in roles:
            log.info(
                "%s of %s routes the whole DEM (%s): the tiled LS factor is made with the "
                "SDR, and the account does not ask for %s",
                ls_role,
                name,
                why,
                sdr_role,
            )
            continue
        if "ecosystem_type" not in sources:
            continue
        side = tile_side(tile)
        pair = {r: side for r in (ls_role, sdr_role) if r in roles}
        if cache is not None and derived_path(sdr_role, cache[0], params, cache[1], side).exists():
            out.update(pair)  # checked when it was made
            continue
        if lost is None:
            lost = cells_without_cover(
                sources["dem"], sources["ecosystem_type"], params.per_type(USLE_C.key, USLE_C.unit)
            )
        if lost:
            log.info(
                "%s and %s of %s route the whole DEM, not by tiles (%s): the ecosystem map "
                "leaves %d DEM cells without a cover factor, so LS and SDR are routed on two "
                "masks, which one set of tiled directions cannot give",
                ls_role,
                sdr_role,
                name,
                why,
                lost,
            )
            continue
        out.update(pair)
    return out


def _route_by_tiles(
    sources: Mapping[str, Path],
    params: ParameterSet,
    ls_target: Path | None,
    sdr_target: Path | None,
    side: int,
    scheduler: str | None,
    algorithm: FlowAlgorithm = "d8",
) -> None:
    """Build the absent LS factor and SDR of ``algorithm`` (the targets not None) by tiles: fill →
    directions → LS and SDR, on ``scheduler`` (:func:`ganpo.engine.compute.scheduler`),
    the working rasters (and a target not asked for) in a scratch folder of the cache,
    removed afterwards, also on error. Each target appears only once complete."""
    import time

    from ganpo.engine.compute import scheduler as compute_on
    from ganpo.engine.tiled_dirs import flow_directions_tiled
    from ganpo.engine.tiled_fill import fill_pits_tiled, scratch_folder
    from ganpo.engine.tiled_sdr import ls_and_sdr_tiled

    t0 = time.perf_counter()
    anchor = sdr_target if sdr_target is not None else ls_target
    assert anchor is not None
    with scratch_folder(anchor, None, "tiledacct") as work, compute_on(scheduler):
        filled = fill_pits_tiled(sources["dem"], work / "filled.tif", side, scratch=work)
        directions = work / f"{algorithm}.tif"
        flats = flow_directions_tiled(filled, directions, algorithm, side, scratch=work)
        ls_and_sdr_tiled(
            filled,
            directions,
            sources["ecosystem_type"],
            params.per_type(USLE_C.key, USLE_C.unit),
            ls_target if ls_target is not None else work / "ls.tif",
            sdr_target if sdr_target is not None else work / "sdr.tif",
            side,
            params.scalar(L_MAX.key, L_MAX.unit),
            *(params.scalar(u.key, u.unit) for u in SDR_PARAMETERS),
            scratch=work,
        )
    log.info(
        "LS factor and SDR (%s) of %s by tiles of %d × %d cells in %.1f s (%d flats drained "
        "across tiles; scheduler %s)",
        algorithm,
        Path(sources["dem"]).name,
        side,
        side,
        time.perf_counter() - t0,
        flats,
        scheduler or "threads",
    )


#: per flow algorithm, the LS factor and the SDR that one routing of the DEM serves
SHARED_ROUTING: dict[FlowAlgorithm, tuple[str, str]] = {
    "mfd": ("ls_factor_mfd", "sdr_mfd"),
    "d8": ("ls_factor_d8", "sdr_d8"),
}


def _once(call: Callable[[], None] | None) -> Callable[[], None]:
    """``call`` (if any) on the first call of the function returned; nothing after."""
    called = False

    def once() -> None:
        nonlocal called
        if not called and call is not None:
            called = True
            call()

    return once


def ensure_derived_all(
    roles: Collection[str],
    sources: Mapping[str, Path],
    source_sha256: Mapping[str, str],
    params: ParameterSet,
    folder: Path,
    *,
    tiles: Mapping[str, int] | None = None,
    scheduler: str | None = None,
    on_one_thread: Callable[[], None] | None = None,
) -> dict[str, tuple[Path, bool]]:
    """:func:`ensure_derived` for each of ``roles``: the cached layer and whether it was
    built now. An LS factor and an SDR of the same algorithm that are both absent are
    built together from one routing of the DEM
    (:func:`ganpo.engine.routing.ls_and_sdr_rasters`), bitwise the rasters built apart.

    The roles of ``tiles`` (default :func:`tiled_roles`: the D8 pair of a large DEM, the
    MFD pair if ``GANPO_ROUTING_TILE_CELLS_MFD`` says so) are
    routed by tiles of that side on ``scheduler`` (the run's: local threads by default,
    or a dask cluster whose workers see the DEM, the ecosystem map and ``folder``); an
    absent one of them is built by one tiled run, which makes both.

    ``on_one_thread``, if given, is called once: when the routing of an LS factor and SDR
    pair goes on on one thread (:func:`ganpo.engine.routing.ls_and_sdr_rasters`), and
    before any other routing (those use their threads to the end), so that a caller
    waiting for it (the pass beside the routing, decision 0104) is not held longer."""
    for role in roles:
        derived_layer(role)  # an unknown role lists the known ones
    signal = _once(on_one_thread)
    if tiles is None:
        tiles = tiled_roles(roles, sources, params)
    done: dict[str, tuple[Path, bool]] = {}
    for algorithm, pair in SHARED_ROUTING.items():
        ls_role, sdr_role = pair
        if sdr_role not in tiles or sdr_role not in roles:
            continue
        if not all(r in sources for r in derived_layer(sdr_role).sources):
            continue
        side = tiles[sdr_role]
        paths = {
            r: derived_path(r, source_sha256, params, folder, side) for r in pair if r in roles
        }
        absent = {r: p for r, p in paths.items() if not p.exists()}
        if absent:
            with output_errors(folder, DERIVED_CACHE):
                folder.mkdir(parents=True, exist_ok=True)
            signal()
            _route_by_tiles(
                sources,
                params,
                absent.get(ls_role),
                absent.get(sdr_role),
                side,
                scheduler,
                algorithm,
            )
        done.update({r: (p, r in absent) for r, p in paths.items()})
    for algorithm, (ls_role, sdr_role) in SHARED_ROUTING.items():
        pair = (ls_role, sdr_role)
        if any(r in done for r in pair):
            continue
        if not all(r in roles for r in pair) or not all(
            r in sources for r in derived_layer(sdr_role).sources
        ):
            continue
        ls_path, sdr_path = (derived_path(r, source_sha256, params, folder) for r in pair)
        if ls_path.exists() or sdr_path.exists():
            continue
        with output_errors(folder, DERIVED_CACHE):
            folder.mkdir(parents=True, exist_ok=True)
        from ganpo.engine.routing import ls_and_sdr_rasters  # numba compiles on first use

        ls_and_sdr_rasters(
            sources["dem"],
            sources["ecosystem_type"],
            params.per_type(USLE_C.key, USLE_C.unit),
            ls_path,
            sdr_path,
            algorithm,
            params.scalar(L_MAX.key, L_MAX.unit),
            *(params.scalar(u.key, u.unit) for u in SDR_PARAMETERS),
            on_one_thread=signal,
        )
        done[ls_role], done[sdr_role] = (ls_path, True), (sdr_path, True)
    for role in sorted(roles):
        if role not in done:
            signal()
            used = {r: sources[r] for r in derived_layer(role).sources if r in sources}
            done[role] = ensure_derived(role, used, source_sha256, params, folder)
    return {role: done[role] for role in sorted(roles)}
