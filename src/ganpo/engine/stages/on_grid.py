"""Stage 3: every layer on the ecosystem map's grid, derived layers built (or, when they
are routed beside the pass, announced: :class:`Routing`), all opened lazily."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dask.array as darr
import geopandas as gpd
import numpy as np

from ganpo.engine.align import align_layers
from ganpo.engine.compute import LOCAL
from ganpo.engine.derived import derived_layer, derived_path, ensure_derived_all, tiled_roles
from ganpo.engine.grid import Grid
from ganpo.engine.rasters import open_layer, open_pending_layer
from ganpo.engine.stages.codes import check_ecosystem_codes
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.plan import Plan
from ganpo.engine.stages.select import Selection
from ganpo.io.landcover import EcosystemMap, ecosystem_map
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES


@dataclass(frozen=True)
class OnGrid:
    """The account's grid and its layers on it.

    ``paths`` are the files read for each selected role (the dataset's, or its warped
    copy), ``derived`` those of the derived layers; ``sources`` names, for each role, the
    file a message about its values should point to (the dataset's file, or the derived
    layer). ``units`` are in the grid's CRS. ``eco`` and ``layers`` (the needed and the
    derived roles) are lazy arrays in blocks of ``run.chunk`` cells. ``land`` is the
    ecosystem map read (the manifest's file, or its conversion from another land
    classification, :mod:`ganpo.io.landcover`); ``eco_path`` is its path. ``routing``,
    when set, makes the derived layers, which do not exist yet: the pass runs it beside
    its first part (:class:`Routing`)."""

    grid: Grid
    eco_path: Path
    paths: dict[str, Path]
    derived: dict[str, Path]
    sources: dict[str, Path]
    units: gpd.GeoDataFrame
    eco: darr.Array
    layers: dict[str, darr.Array]
    land: EcosystemMap
    routing: Routing | None = None


@dataclass(frozen=True)
class Routing:
    """Derived layers still to make: ``route()`` makes them (flow routing, on the thread
    that calls it) and returns, per role, its path and whether it was made now
    (``route(on_one_thread)`` calls ``on_one_thread()`` once when the routing's own work
    goes on on one thread: :func:`ganpo.engine.derived.ensure_derived_all`);
    ``routed(done)``, called on the account's thread, checks each on the grid and records
    it in the account's messages and notes."""

    roles: tuple[str, ...]
    route: Callable[..., dict[str, tuple[Path, bool]]]
    routed: Callable[[dict[str, tuple[Path, bool]]], None]


def align_on_grid(run: Run, plan: Plan, selection: Selection, units: gpd.GeoDataFrame) -> OnGrid:
    """The grid of the ecosystem map (equal-area), the map's codes checked
    (:mod:`.codes`), every selected layer on it or warped onto it as its manifest entry
    declares, the units reprojected to it, and the derived
    layers the raster methods read built (or reused from ``run.derived_dir``)."""
    ds, m, year, params = plan.ds, plan.manifest, run.year, plan.params
    entries = selection.entries
    folder = run.derived_dir or ds.root / "derived"
    eco_entry = entries["ecosystem_type"]
    land = ecosystem_map(ds.path(eco_entry), eco_entry, folder)
    if land.note is not None:
        made_from = ds.path(eco_entry).name  # files by their names in a stage message
        run.say(
            f"{m.name} {year}: ecosystem map made from {made_from}: {land.method}; "
            f"{land.path.name}",
            f"{m.name} {year} 年：生态系统类型图由 {made_from} 转换而来：{land.method_zh}；"
            f"{land.path.name}",
        )
        run.note("classification", land.note)
    eco_path = land.path
    grid = Grid.of(eco_path, "ecosystem_type")
    grid.check_equal_area(eco_path)
    if not units.crs.equals(grid.crs_wkt):
        units = units.to_crs(grid.crs_wkt)
    # before anything reads the codes: the warps, the derived layers, the pass
    check_ecosystem_codes(run, eco_path, grid, units)
    # every layer on the grid, or warped onto it as its manifest entry declares
    # (the ecosystem map defines the grid, so it is on it)
    aligned = align_layers(
        lambda e: eco_path if e is eco_entry else ds.path(e), entries, grid, eco_path, folder
    )
    paths, checksums_of = aligned.paths, aligned.identities
    checksums_of["ecosystem_type"] = land.identity
    for en, zh in aligned.said:
        run.say(f"{m.name} {year}: {en}", f"{m.name} {year} 年：{zh}")
    for note in aligned.notes:
        run.note("aligned", note)
    derived_paths: dict[str, Path] = {}
    roles = sorted({d for x in selection.raster_methods for d in x.derived})
    used = {r for role in roles for r in derived_layer(role).sources}
    built_from = {r: paths[r] for r in sorted(used) if r in paths}
    # the D8 pair of a large DEM is routed by tiles, the MFD pair if asked (decisions 0065, 0108)
    checksums = {r: checksums_of[r] for r in built_from}
    tiles = tiled_roles(roles, built_from, params, cache=(checksums, folder))

    def how(role: str) -> str:
        side = tiles.get(role)
        return "whole raster" if side is None else f"by tiles of {side} × {side} cells"

    def how_zh(role: str) -> str:
        side = tiles.get(role)
        return "整幅栅格" if side is None else f"按 {side} × {side} 个栅格分块"

    cached_at = {}  # where each derived layer is (or will be) in the cache
    absent = []
    for role in roles:
        sources = derived_layer(role).sources
        of_role = {r: checksums_of[r] for r in sources if r in paths}
        cached_at[role] = derived_path(role, of_role, params, folder, tiles.get(role))
        if not cached_at[role].exists():
            absent.append(role)
            run.say(
                f"{m.name} {year}: deriving {role} from {' and '.join(sources)} "
                f"(flow routing, {how(role)})",
                f"{m.name} {year} 年：正在由{'和'.join(role_zh(r) for r in sources)}计算"
                f"{role_zh(role)}（汇流演算，{how_zh(role)}）",
            )

    def route(on_one_thread: Callable[[], None] | None = None) -> dict[str, tuple[Path, bool]]:
        return ensure_derived_all(
            roles,
            built_from,
            checksums,
            params,
            folder,
            tiles=tiles,
            scheduler=run.scheduler,
            on_one_thread=on_one_thread,
        )

    def routed(done: dict[str, tuple[Path, bool]]) -> None:
        for role, (path, fresh) in done.items():
            sources = derived_layer(role).sources
            grid.check_same(path, role, eco_path)
            run.say(
                f"{m.name} {year}: {role} {'derived' if fresh else 'reused'} ({path.name})",
                f"{m.name} {year} 年：{role_zh(role)}"
                f"{'已计算' if fresh else '沿用已有结果'}（{path.name}）",
            )
            how_routed = "flow routing" if role not in tiles else "flow routing by tiles"
            run.note(
                "derived",
                f"derived layer {role}: {path.name} (from {', '.join(sources)}, {how_routed})",
            )

    pending: Routing | None = None
    if beside_the_pass(run, absent, tiles):
        # routed on a thread of its own while the pass sums what does not need it
        # (ganpo.engine.stages.blockwise, decision 0075): the files do not exist yet
        derived_paths.update(cached_at)
        pending = Routing(tuple(roles), route, routed)
    else:
        done = route()
        routed(done)
        derived_paths.update({role: path for role, (path, _) in done.items()})
    eco = open_layer(eco_path, run.chunk, as_float=False, role="ecosystem_type")
    if eco.dtype != np.uint8:  # a float map of whole codes (decision 0072): exact, as
        eco = eco.astype(np.uint8)  # check_ecosystem_codes found every value in 0–255
    layers = {r: open_layer(paths[r], run.chunk, role=r) for r in selection.needed}
    for r, p in derived_paths.items():
        if pending is None:
            layers[r] = open_layer(p, run.chunk, role=r)
        else:
            layers[r] = open_pending_layer(p, grid.shape, run.chunk, r)
    sources_of = {r: ds.path(e) for r, e in entries.items()} | derived_paths
    return OnGrid(
        grid, eco_path, paths, derived_paths, sources_of, units, eco, layers, land, pending
    )


def beside_the_pass(run: Run, absent: list[str], tiles: dict[str, int]) -> bool:
    """Whether the derived layers to make now are routed beside the pass: on a local
    scheduler (a cluster's workers cannot read this process's files as they are being
    written), when none of them is routed by tiles (the tiles already use every worker)
    and no value raster is written (those need every layer in the same pass)."""
    local = run.scheduler is None or run.scheduler in LOCAL
    return bool(absent) and local and not tiles and run.rasters_dir is None


def role_zh(role: str) -> str:
    """A layer role's name in Chinese (a manifest's or a derived layer's; else the role)."""
    spec = LAYER_ROLES.get(role) or DERIVED_ROLES.get(role)
    return spec.name_zh if spec is not None else role
