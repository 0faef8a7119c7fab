"""Time and memory of flow routing (issue 4): ``ls_factor_raster``, ``sdr_raster`` and
both from one routing (``ls_and_sdr_rasters``, function "both"; with a module that lacks
it, "both" is the two functions one after the other, as an earlier version made them).

For each size given (default 2000 and 4000; cells of 100 m) one synthetic DEM and
ecosystem map are written (the landscape of ``bench_invest.py``: hills, a northward tilt
and half-metre noise that leaves pits to fill). Each function then runs in a fresh child
process, once with its working arrays in memory and once file-backed (``numpy.memmap``,
``GANPO_ROUTING_SCRATCH_CELLS=0``), and the table gives:

- wall time of the call (numba is compiled and warmed up on a 64² raster first);
- peak RSS: the child's ``ru_maxrss`` (anonymous and file-backed resident pages);
- peak anon / peak file: the largest ``RssAnon`` / ``RssFile`` of the child's
  ``/proc/PID/status``, sampled every 50 ms by this (parent) process over the child's
  life, warm-up included (a peak shorter than 50 ms can be missed);
- anon/cell: (peak anon − anon before the call) / cells, the bytes per cell the call
  adds in anonymous memory.

``--dem DEM --eco MAP`` measures an existing DEM and ecosystem map (with
bench_invest's codes) instead of the synthetic sizes: the inputs that
``bench_invest.py --sizes --full 13600`` leaves give the Jiangxi-sized routing, stage
by stage, with InVEST's default stream threshold (1,000 upslope cells: a third of that
landscape's cells are streams, where bench_invest's own account, at cells/1000, has
few).

``--stages`` adds the wall time of each stage (the routing's DEBUG log: reading, pit
filling, flow directions, slope, accumulation, streams, weighted accumulations, distance
to stream, writing) and its share of the call. ``--module`` measures another copy of
the routing module (e.g. a saved earlier version; it must have the same
``ls_factor_raster`` and ``sdr_raster``). Timings depend on what else runs on the
machine.

    .venv/bin/python benchmarks/bench_routing.py 2000 4000 10000
    .venv/bin/python benchmarks/bench_routing.py --dem DIR/dem.tif \
        --eco DIR/ecosystem_type.tif --kinds both --modes file --stages
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import rasterio
import rasterio.windows
from _child import checked
from _memory import maxrss_kib, run_sampled, status_kib
from rasterio.errors import RasterioIOError
from rasterio.transform import from_origin

CELL = 100.0
STRIP = 512
WARM = 64  # side of the warm-up raster
MODES = {"memory": str(2**62), "file": "0"}  # GANPO_ROUTING_SCRATCH_CELLS per mode


def write_inputs(size: int, folder: Path) -> tuple[Path, Path]:
    """The DEM (float32) and ecosystem map (uint8) of bench_invest's landscape."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_invest import _fields  # the bench_invest landscape, strip by strip

    folder.mkdir(parents=True, exist_ok=True)
    dem, eco = folder / f"dem_{size}.tif", folder / f"eco_{size}.tif"
    if dem.exists() and eco.exists():
        return dem, eco
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_300_000.0, CELL, CELL),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "zstd",
        "BIGTIFF": "IF_SAFER",
    }
    part = {p: p.with_suffix(".part.tif") for p in (dem, eco)}
    with (
        rasterio.open(part[dem], "w", **profile, dtype="float32", nodata=-9999.0) as d,
        rasterio.open(part[eco], "w", **profile, dtype="uint8", nodata=255) as e,
    ):
        for r0 in range(0, size, STRIP):
            r1 = min(size, r0 + STRIP)
            fields = _fields(size, r0, r1)
            window = rasterio.windows.Window(0, r0, size, r1 - r0)
            d.write(fields["dem"].astype("float32"), 1, window=window)
            e.write(fields["ecosystem_type"].astype("uint8"), 1, window=window)
    for final, tmp in part.items():
        tmp.replace(final)
    return dem, eco


def cover_by_code() -> dict[int, float]:
    """USLE C per ecosystem code, as bench_invest's biophysical table."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_invest import BIO

    return {code: float(row[3]) for code, row in BIO.items()}


def child(kind: str, module: str, dem: Path, eco: Path, warm: tuple[Path, Path]) -> None:
    """One measurement in this fresh process; prints JSON."""
    routing = importlib.import_module(module)
    out = Path(tempfile.mkdtemp(prefix="bench-routing-", dir=dem.parent))
    cover = cover_by_code()

    def call(d: Path, e: Path, name: str) -> None:
        if kind == "ls":
            routing.ls_factor_raster(d, out / name, "mfd")
        elif kind == "sdr":
            routing.sdr_raster(d, e, cover, out / name, "mfd", 1000.0)
        elif hasattr(routing, "ls_and_sdr_rasters"):  # both, from one routing
            routing.ls_and_sdr_rasters(d, e, cover, out / f"ls_{name}", out / name, "mfd")
        else:  # both, as an earlier version makes them: one routing each
            routing.ls_factor_raster(d, out / f"ls_{name}", "mfd")
            routing.sdr_raster(d, e, cover, out / name, "mfd", 1000.0)

    call(*warm, "warm.tif")  # numba: load or compile, outside the measure
    stages: dict[str, float] = {}

    class Stages(logging.Handler):  # routing logs "stage NAME SECONDS" at DEBUG level
        def emit(self, record: logging.LogRecord) -> None:
            if record.msg == "stage %s %.3f":
                name, took = record.args  # type: ignore[misc]
                stages[name] = stages.get(name, 0.0) + took

    logger = logging.getLogger(routing.__name__)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Stages())
    before = status_kib()
    t0 = time.perf_counter()
    call(dem, eco, "result.tif")
    seconds = time.perf_counter() - t0
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "maxrss_kib": maxrss_kib(),
                "anon_before_kib": before["RssAnon"],
                "stages": stages,
            }
        )
    )


def measure(
    kind: str, mode: str, module: str, dem: Path, eco: Path, warm: tuple[Path, Path]
) -> dict[str, float]:
    """Run one child and sample its memory from here every 50 ms (a thread inside the
    child would not run while a numba kernel holds the GIL)."""
    env = dict(os.environ, GANPO_ROUTING_SCRATCH_CELLS=MODES[mode])
    cmd = [sys.executable, __file__, "--child", kind, module, str(dem), str(eco)]
    cmd += [str(p) for p in warm]
    run = run_sampled(cmd, env)
    got = checked(run, f"the child measuring {kind} ({mode})")
    got["peak_anon_kib"], got["peak_file_kib"] = run.peak_kib["RssAnon"], run.peak_kib["RssFile"]
    return got


def raster_shape(parser: argparse.ArgumentParser, path: Path) -> tuple[int, int]:
    """Rows and columns of the raster at ``path``; a missing file or one that is not a
    raster is refused by name (``parser.error``)."""
    if not path.is_file():
        parser.error(f"{path}: no such file")
    try:
        with rasterio.open(path) as src:
            return src.height, src.width
    except RasterioIOError:
        parser.error(f"{path}: not a raster (give a GeoTIFF)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", help="grid sides (default 2000 4000)")
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument(
        "--kinds", nargs="+", choices=["ls", "sdr", "both"], default=["ls", "sdr", "both"]
    )
    parser.add_argument("--module", default="ganpo.engine.routing")
    parser.add_argument(
        "--stages", action="store_true", help="also the time of each stage of the routing"
    )
    parser.add_argument(
        "--dem", type=Path, help="an existing DEM to route instead of the synthetic sizes"
    )
    parser.add_argument("--eco", type=Path, help="its ecosystem map (with --dem)")
    parser.add_argument("--child", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, module, dem, eco, wdem, weco = args.child
        child(kind, module, Path(dem), Path(eco), (Path(wdem), Path(weco)))
        return
    if (args.dem is None) != (args.eco is None):
        parser.error("--dem and --eco go together: the DEM and its ecosystem map")
    inputs: list[tuple[Path, Path] | int] = list(args.sizes or [2000, 4000])
    if args.dem is not None:
        if args.sizes:
            parser.error("--dem routes the DEM given: give no sizes beside it")
        shapes = [raster_shape(parser, path) for path in (args.dem, args.eco)]
        if shapes[0] != shapes[1]:
            parser.error(
                f"{args.dem} is {shapes[0][1]}×{shapes[0][0]} cells, {args.eco} "
                f"{shapes[1][1]}×{shapes[1][0]}: give the ecosystem map of the DEM's grid"
            )
        inputs = [(args.dem, args.eco)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        warm = write_inputs(WARM, folder)
        gib = 1024 * 1024
        print(
            f"{'size':>6} {'function':>8} {'arrays':>6} {'time s':>7} {'peak RSS GiB':>12} "
            f"{'peak anon GiB':>13} {'peak file GiB':>13} {'anon B/cell':>11}",
            flush=True,
        )
        for given in inputs:
            if isinstance(given, int):
                dem, eco = write_inputs(given, folder)
                cells, label = given**2, f"{given:>5}²"
            else:
                dem, eco = given
                with rasterio.open(dem) as src:
                    cells, label = src.width * src.height, f"{src.width}×{src.height}"
            for kind in args.kinds:
                for mode in args.modes:
                    m = measure(kind, mode, args.module, dem, eco, warm)
                    per_cell = (m["peak_anon_kib"] - m["anon_before_kib"]) * 1024 / cells
                    print(
                        f"{label:>6} {kind:>8} {mode:>6} {m['seconds']:>7.1f} "
                        f"{m['maxrss_kib'] / gib:>12.2f} {m['peak_anon_kib'] / gib:>13.2f} "
                        f"{m['peak_file_kib'] / gib:>13.2f} {per_cell:>11.1f}",
                        flush=True,
                    )
                    if args.stages:
                        for name, took in m["stages"].items():
                            share = 100 * took / m["seconds"]
                            print(f"{'':>24} {name:<24} {took:>7.2f} s {share:>5.1f} %")


if __name__ == "__main__":
    main()
