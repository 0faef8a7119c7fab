"""Compiling the numba kernels ahead of the first account (issue 19, point 4).

ganpo's numba kernels (flow routing, :mod:`ganpo.engine.routing`; the pass over the blocks,
:mod:`ganpo.engine.zonal` and :mod:`ganpo.engine.histogram`) are compiled on first
use and kept in numba's on-disk cache (``cache=True``): ``<module folder>/__pycache__/
*.nbi`` (the index of a kernel's specialisations) and ``*.nbc`` (their machine code),
or, when that folder is not writable, numba's per-user cache folder; the environment
variable ``NUMBA_CACHE_DIR`` puts them in a folder of one's choice instead (for an
install whose package folder is read-only). An entry is valid for the kernel's source
(numba keeps a hash of the module's file), the numba version and the CPU; Python's own
``PYTHONDONTWRITEBYTECODE`` does not affect it.

Without a warm-up the first account of a fresh installation compiles the kernels it
routes with before it routes a cell (about 11 s for the LS factor alone on two shared
cores; docs/benchmarks.md, "Cold start").
:func:`compile_kernels` runs the derivation of every derived layer (LS factor and SDR,
MFD and D8, :data:`ganpo.engine.derived.DERIVED`) through the account's own entry point
(:func:`ganpo.engine.derived.ensure_derived`, with the default parameter set) on tiny
synthetic rasters (合成数据) in a temporary folder, once with a float32 DEM and once with
a float64 one (routing holds every DEM in one of these two types), so that exactly the
specialisations an account uses are compiled and stored; run again, it loads them from
the cache and compiles nothing. ``make setup`` runs it (``python -m
ganpo.engine.warmup``).
"""

from __future__ import annotations

import argparse
import importlib
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask
import numpy as np
import rasterio
from rasterio.transform import from_origin

import ganpo
from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine import histogram
from ganpo.engine.derived import DERIVED, USLE_C, ensure_derived
from ganpo.engine.rasters import LayerBlocks
from ganpo.engine.routing import (
    distance_to_stream,
    extract_streams,
    flow_accumulation,
    flow_direction_d8,
    flow_direction_mfd,
)
from ganpo.engine.tiled_accum import (
    _accumulate_ordered,
    _accumulate_seeded,
    _forward_order,
    flow_accumulation_tiled,
    write_directions,
)
from ganpo.engine.tiled_dirs import flow_directions_tiled
from ganpo.engine.tiled_fill import fill_pits_in_place, fill_pits_tiled
from ganpo.engine.tiled_sdr import ls_and_sdr_tiled
from ganpo.engine.tiled_sdr_mfd import (
    _up_pass,
    distance_mfd_tiled_array,
    streams_mfd_tiled_array,
)
from ganpo.engine.zonal import LayerCount, _block_sums
from ganpo.errors import GanpoError
from ganpo.services.base import take_by_code

#: the parameter set whose values the warm-up derives with (only their types matter)
PARAMETER_SET = "jiangxi-default"
#: the DEM types routing holds elevations in (routing._open_dem: float32 for float32 and
#: 8/16-bit DEMs, float64 for the others)
DEM_TYPES = ("float32", "float64")
SIZE = 24  # side of the tiny rasters [cells]
CELL_M = 30.0
_USES_NUMBA = re.compile(r"^(import|from) numba\b", re.MULTILINE)  # at module level


@dataclass(frozen=True)
class Warmup:
    """What :func:`compile_kernels` did: the kernels found, their specialisations
    loaded from numba's cache and compiled now (numba's own counts), how long it took."""

    kernels: int
    loaded: int
    compiled: int
    seconds: float
    cache_folders: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"numba kernels: {self.kernels}; specialisations loaded from the cache "
            f"{self.loaded}, compiled now {self.compiled}, in {self.seconds:.1f} s / "
            f"numba 内核 {self.kernels} 个：从缓存载入 {self.loaded} 个特化版本，"
            f"本次编译 {self.compiled} 个，用时 {self.seconds:.1f} 秒"
        )


def kernel_modules() -> tuple[str, ...]:
    """The ganpo modules that import numba at module level (found in the package's
    source files): those that can define kernels."""
    root = Path(ganpo.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if _USES_NUMBA.search(path.read_text(encoding="utf-8")):
            parts = path.relative_to(root.parent).with_suffix("").parts
            found.append(".".join(parts))
    return tuple(found)


def kernels() -> dict[str, Any]:
    """Every numba kernel (jit dispatcher) of ganpo, by qualified name."""
    from numba.core.dispatcher import Dispatcher

    found = {}
    for name in kernel_modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, Dispatcher):
                found[f"{name}.{attr}"] = value
    return found


@contextmanager
def counting_compilations() -> Iterator[list[str]]:
    """A list that collects the name of every function numba compiles (its own
    ``numba:compile`` events, any dispatcher, ganpo's or not) while the block runs."""
    from numba.core import event

    names: list[str] = []

    class _Listener(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            names.append(getattr(ev.data["dispatcher"], "__qualname__", "?"))

        def on_end(self, ev: event.Event) -> None:
            pass

    with event.install_listener("numba:compile", _Listener()):
        yield names


def _tiny_inputs(folder: Path, dem_type: str, codes: tuple[int, int]) -> dict[str, Path]:
    """A synthetic (合成数据) DEM of ``dem_type`` with a slope, a pit, a flat and a
    nodata corner, and an ecosystem map of two codes, on a 30 m grid."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    z = 100.0 + 2.0 * rows + 0.7 * cols + 3.0 * np.sin(cols / 3.0)
    z[8:11, 8:11] = 90.0  # a pit
    z[15:19, 4:9] = 130.0  # a flat
    z[:3, :3] = -9999.0  # nodata
    eco = np.where(cols < SIZE // 2, codes[0], codes[1]).astype(np.uint8)
    profile = {
        "driver": "GTiff",
        "width": SIZE,
        "height": SIZE,
        "count": 1,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_300_000.0, CELL_M, CELL_M),
    }
    paths = {"dem": folder / f"dem_{dem_type}.tif", "ecosystem_type": folder / "eco.tif"}
    with rasterio.open(paths["dem"], "w", **profile, dtype=dem_type, nodata=-9999.0) as dst:
        dst.write(z.astype(dem_type), 1)
    with rasterio.open(paths["ecosystem_type"], "w", **profile, dtype="uint8", nodata=255) as dst:
        dst.write(eco, 1)
    return paths


def compile_kernels() -> Warmup:
    """Compile (or load from numba's cache) every kernel for the specialisations an
    account uses: derive each layer of :data:`ganpo.engine.derived.DERIVED` from tiny
    synthetic rasters with a float32 and a float64 DEM, through
    :func:`ganpo.engine.derived.ensure_derived`, and fill the same DEMs in tiles
    (:func:`ganpo.engine.tiled_fill.fill_pits_tiled`, and in threads as the global routing
    of a large raster does: :func:`_fill_in_place`) and accumulate their directions in
    tiles (:func:`ganpo.engine.tiled_accum.flow_accumulation_tiled`), and route them by
    tiles (:func:`ganpo.engine.tiled_dirs.flow_directions_tiled`,
    :func:`ganpo.engine.tiled_sdr.ls_and_sdr_tiled`); and run the
    account's pass kernels on tiny arrays (:func:`_zonal_pass`) and read layers with nodata
    (:func:`_layer_reads`). Nothing is kept but
    numba's cache."""
    t0 = time.perf_counter()
    params = load_parameter_set(PARAMETER_SET)
    cover = sorted(params.per_type(USLE_C.key, USLE_C.unit))
    codes = (cover[0], cover[-1])
    try:
        found = kernels()
    except RuntimeError as exc:  # numba, when a kernel's module is imported
        if "no locator available" not in str(exc):
            raise
        raise GanpoError(
            "numba finds no writable folder for its cache of compiled kernels (the package's "
            "__pycache__ and the user's cache folder are read-only): set NUMBA_CACHE_DIR to a "
            "writable folder, for the warm-up and for the accounts alike / numba 找不到可写的"
            "内核缓存目录：请将 NUMBA_CACHE_DIR 设为可写目录（预编译与核算须一致）"
        ) from exc
    before = _counts(found)
    with tempfile.TemporaryDirectory(prefix="ganpo-warmup-") as tmp:
        folder = Path(tmp)
        for dem_type in DEM_TYPES:
            sources = _tiny_inputs(folder, dem_type, codes)
            checksums = {"dem": f"warmup-{dem_type}", "ecosystem_type": "warmup"}
            for role, recipe in DERIVED.items():
                used = {r: sources[r] for r in recipe.sources}
                ensure_derived(role, used, checksums, params, folder / "derived")
            # the tiled pit filling's kernels (decision 0056), through its own entry point,
            # in this process (synchronous scheduler), tiles smaller than the raster
            with dask.config.set(scheduler="synchronous"):
                filled = fill_pits_tiled(
                    sources["dem"], folder / f"filled_{dem_type}.tif", tile=SIZE // 3
                )
                _fill_in_place(sources["dem"], dem_type)
                _tiled_accumulation(filled, folder)
                for algorithm in ("d8", "mfd"):  # directions by tiles (decision 0062)
                    target = folder / f"dirs_{algorithm}_{dem_type}.tif"
                    flow_directions_tiled(filled, target, algorithm, tile=SIZE // 3)
                # LS and SDR by tiles (decision 0063, D8; decision 0084, MFD)
                for algorithm in ("d8", "mfd"):
                    ls_and_sdr_tiled(
                        filled,
                        folder / f"dirs_{algorithm}_{dem_type}.tif",
                        sources["ecosystem_type"],
                        params.per_type(USLE_C.key, USLE_C.unit),
                        folder / f"ls_tiled_{algorithm}_{dem_type}.tif",
                        folder / f"sdr_tiled_{algorithm}_{dem_type}.tif",
                        tile=SIZE // 3,
                    )
        _zonal_pass()
        _layer_reads(folder)
    after = _counts(found)
    folders = sorted({str(d.stats.cache_path) for d in found.values() if d.stats.cache_path})
    return Warmup(
        kernels=len(found),
        loaded=after[0] - before[0],
        compiled=after[1] - before[1],
        seconds=time.perf_counter() - t0,
        cache_folders=tuple(folders),
    )


def _fill_in_place(dem: Path, dem_type: str) -> None:
    """The global routing's fill by tiles in threads (rasters of
    :data:`ganpo.engine.routing.THREADED_CELLS` cells or more,
    :func:`ganpo.engine.tiled_fill.fill_pits_in_place`), on the DEM as routing holds it."""
    with rasterio.open(dem) as src:
        z = np.ascontiguousarray(src.read(1, masked=True).astype(dem_type).filled(np.nan))
    fill_pits_in_place(z, SIZE // 3, 2)


def _tiled_accumulation(filled: Path, folder: Path) -> None:
    """The tiled flow accumulation's kernels (decision 0059), D8 and MFD, through its own
    entry point, on the directions of the filled DEM ``filled``; and the distance to
    stream of :func:`ganpo.engine.routing.distance_to_stream` on them, and the MFD streams and
    distance by tiles (:mod:`ganpo.engine.tiled_sdr_mfd`, decision 0084)."""
    with rasterio.open(filled) as src:
        z = src.read(1)
        profile = dict(src.profile)
    valid = ~np.isnan(z)
    for name, directions in (
        ("d8", flow_direction_d8(z)),
        ("mfd", flow_direction_mfd(z)),
    ):
        path = write_directions(folder / f"dir_{name}.tif", directions, valid, profile)
        flow_accumulation_tiled(path, folder / f"acc_{name}.tif", tile=SIZE // 3)
        # the distance to stream by countdown (the SDR replays an order instead, but
        # distance_to_stream and rasters of 2³² cells or more take this traversal)
        acc = flow_accumulation(directions, valid)
        stream = extract_streams(acc, directions, 10.0)
        distance_to_stream(directions, stream, np.ones(z.shape))
        if name == "mfd":  # MFD streams and distance by tiles (decision 0084)
            mfd: Any = directions
            tiled = streams_mfd_tiled_array(acc, mfd, SIZE // 3, 10.0)
            distance_mfd_tiled_array(mfd, tiled, np.ones(z.shape), SIZE // 3)
            # a seam round's tile pass from a few seeds (decisions 0092, 0109): these
            # tiles may hand no flow back across their edges, so it is called here itself
            top = np.arange(z.shape[1], dtype=np.int64)  # the first row, three columns
            seed = np.ones((len(top), 3))
            d, v = np.ascontiguousarray(mfd), np.ascontiguousarray(valid)
            _accumulate_seeded(d, v, top, seed)
            # the same along the tile's kept order (decision 0112), and F's pass without
            # a kept plan (a tile whose order a cycle cut short)
            order, _ = _forward_order(d, v)
            _accumulate_ordered(d, v, order, top, seed, np.zeros((d.size, 3)))
            is_stream = np.ascontiguousarray(tiled == 1).astype(np.uint8)
            _up_pass(d, v, v, is_stream, 0, 0, np.ones(z.shape))


def _zonal_pass() -> None:
    """The kernels of the account's pass over the blocks (:func:`ganpo.engine.zonal.
    _block_sums`: zonal sums, masks, layer checks with a histogram), of the histogram
    of a table's values (:func:`ganpo.engine.histogram.counts`) and of the per-type
    tables read by ecosystem code (:func:`ganpo.services.base.take_by_code`), on tiny
    arrays of the types the pass gives them (it converts what it reads to these)."""
    zones = np.zeros((SIZE, SIZE), dtype=np.int32)
    zones[:2] = -1
    codes = np.ones((SIZE, SIZE), dtype=np.uint8)
    values = np.linspace(-1.0, 1.0, SIZE * SIZE).reshape(SIZE, SIZE)
    spec = LayerCount((-0.5, 0.5), True)
    _block_sums(zones, codes, 1, 1, 1, [spec], values, values > 0, values)
    histogram.counts(values)
    lut = np.linspace(0.0, 1.0, 256)  # the per-type tables on the strips: a strip, a
    take_by_code(codes, lut)  # view that is not contiguous, a read-only block
    take_by_code(codes[:, ::2], lut)
    frozen = codes.copy()
    frozen.flags.writeable = False
    take_by_code(frozen, lut)


def _layer_reads(folder: Path) -> None:
    """The kernels that read a continuous layer's block with NaN for nodata
    (:class:`ganpo.engine.rasters.LayerBlocks`): a float32 band and an integer band (which
    GDAL widens to float64), each with a nodata value."""
    for dtype, nodata in (("float32", -9999.0), ("int16", -1)):
        path = folder / f"layer_{dtype}.tif"
        data = np.arange(SIZE * SIZE, dtype=dtype).reshape(SIZE, SIZE)
        profile = {"driver": "GTiff", "width": SIZE, "height": SIZE, "count": 1}
        with rasterio.open(path, "w", **profile, dtype=dtype, nodata=nodata) as dst:
            dst.write(data, 1)
        LayerBlocks(path, None, as_float=True)[0:SIZE, 0:SIZE]


def _counts(found: dict[str, Any]) -> tuple[int, int]:
    """Cache hits and misses (compilations) of these kernels so far in this process."""
    hits = sum(sum(d.stats.cache_hits.values()) for d in found.values())
    misses = sum(sum(d.stats.cache_misses.values()) for d in found.values())
    return hits, misses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m ganpo.engine.warmup",
        description="Compile ganpo's numba kernels into numba's cache before the first "
        "account / 预先编译 numba 内核并写入缓存",
    )
    parser.parse_args(argv)
    done = compile_kernels()
    print(done.summary())
    for folder in done.cache_folders:
        print(f"  cache / 缓存: {folder}")


if __name__ == "__main__":
    main()
