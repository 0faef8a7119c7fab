"""Time and memory of the D8 (or, ``--algorithm mfd``, MFD: decision 0084) LS factor and
SDR: the global ``routing.ls_and_sdr_rasters``
against the tiled ``ls_and_sdr_tiled`` (``ganpo.engine.tiled_sdr``, issue 19 point 1,
docs/decisions/0063).

For each size given (default 2000, i.e. 4·10⁶ cells) the DEM and ecosystem map of
``bench_routing.py`` (bench_invest's landscape) are written, and, outside the measure and
in a child process, the DEM is filled by tiles (``fill_pits_tiled``, bitwise the global
fill) and its D8 directions written (``tiled_accum.write_directions``), the tiled
function's inputs. Then, each in a fresh child process:

- ``global``: ``ls_and_sdr_rasters(dem, eco, …, "d8")``, which fills the pits and sets the
  directions itself; "route s" is the part of its time spent reading, filling and
  setting directions (its DEBUG stages), which the tiled run does not do;
- ``tiled N``: ``ls_and_sdr_tiled`` on the filled DEM and directions, with a dask
  ``LocalCluster`` of N worker processes, one thread each, tiles of ``--tile`` cells a
  side; LS is compared with the global LS (bitwise?) and SDR (largest relative
  difference) after the measure.

Memory: the caller's peak ``RssAnon`` and ``RssFile``, sampled every 50 ms by this
process over the child's life (:func:`_memory.run_sampled`, warm-up included), and for
the tiled runs the largest worker's peak RSS (``VmHWM``) and its growth over the
worker's RSS before the call: the memory one tile's tasks needed. Timings depend on what
else runs on the machine (2 cores shared here).

``--agreement SIDE …`` instead compares, in this process, the layers (streams, D_up,
D_dn) of the array form in tiles of each side with ``routing.sdr_layers`` on the first
size's prepared inputs: the largest relative difference and the cells that differ.

    .venv/bin/python benchmarks/bench_tiled_sdr.py 2000 --tile 512
    .venv/bin/python benchmarks/bench_tiled_sdr.py 2000 --tile 1024 --algorithm mfd --workers 1
    .venv/bin/python benchmarks/bench_tiled_sdr.py 500 --agreement 16 64 250
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from _child import checked, failed
from _memory import hwm_kib, rss_kib, run_sampled
from _tiled import run_tiled
from bench_routing import WARM, cover_by_code, write_inputs

THRESHOLD = 1000.0
ALGORITHM = "d8"  # --algorithm: d8 or mfd (decision 0084), set in main and in the children


def prepared(dem: Path, algorithm: str = "d8") -> tuple[Path, Path]:
    """The filled DEM and its D8 or MFD directions next to ``dem`` (made once)."""
    filled = dem.with_name(f"{dem.stem}_filled.tif")
    d8 = dem.with_name(f"{dem.stem}_{algorithm}.tif")
    if filled.exists() and d8.exists():
        return filled, d8
    from ganpo.engine.compute import scheduler
    from ganpo.engine.routing import flow_direction_d8, flow_direction_mfd
    from ganpo.engine.tiled_accum import write_directions
    from ganpo.engine.tiled_fill import fill_pits_tiled

    if not filled.exists():
        with scheduler("synchronous"):
            fill_pits_tiled(dem, filled, tile=1024)
    with rasterio.open(filled) as src:
        z = src.read(1)
        profile = dict(src.profile)
    direct = flow_direction_mfd if algorithm == "mfd" else flow_direction_d8
    write_directions(d8, direct(z), ~np.isnan(z), profile)
    return filled, d8


class _Stages(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if msg.startswith("stage "):
            name, seconds = msg[len("stage ") :].rsplit(" ", 1)
            self.seconds[name] = self.seconds.get(name, 0.0) + float(seconds)


def _global(dem: Path, eco: Path, out: Path) -> None:
    from ganpo.engine.routing import ls_and_sdr_rasters

    ls_and_sdr_rasters(
        dem, eco, cover_by_code(), out / "ls.tif", out / "sdr.tif", ALGORITHM, threshold=THRESHOLD
    )


def _tiled(inputs: tuple[Path, Path, Path], out: Path, tile: int) -> None:
    """The tiled LS and SDR of (filled DEM, D8 directions, ecosystem map) into ``out``."""
    from ganpo.engine.tiled_sdr import ls_and_sdr_tiled

    filled, d8, eco = inputs
    ls_and_sdr_tiled(
        filled,
        d8,
        eco,
        cover_by_code(),
        out / "ls.tif",
        out / "sdr.tif",
        tile=tile,
        threshold=THRESHOLD,
    )


def child(kind: str, workers: int, tile: int, size: int, folder: Path) -> None:
    """One measurement in this fresh process; prints JSON."""
    dem, eco = write_inputs(size, folder)
    filled, d8 = prepared(dem, ALGORITHM)
    wdem, weco = write_inputs(WARM, folder)
    wfilled, wd8 = prepared(wdem, ALGORITHM)
    out = Path(tempfile.mkdtemp(prefix=f"bench-tiled-sdr-{kind}-", dir=folder))
    if kind == "global":
        _global(wdem, weco, out)  # numba: load or compile
        stages = _Stages()
        log = logging.getLogger("ganpo.engine.routing")
        log.addHandler(stages)
        log.setLevel(logging.DEBUG)
        rss = rss_kib()
        t0 = time.perf_counter()
        _global(dem, eco, out)
        seconds = time.perf_counter() - t0
        route = sum(stages.seconds.get(s, 0.0) for s in ("read", "fill", "directions"))
        print(json.dumps({"seconds": seconds, "route": route, "rss_kib": rss, "out": str(out)}))
        return
    inputs, warm = (filled, d8, eco), (wfilled, wd8, weco)
    _, m = run_tiled(_tiled, inputs, warm, out, workers, tile, hwm_kib, warm_target=out)
    print(json.dumps({**m, "out": str(out)}))


def _agreement(tiled: Path, glob: Path) -> str:
    out = []
    for name in ("ls", "sdr"):
        with rasterio.open(tiled / f"{name}.tif") as a, rasterio.open(glob / f"{name}.tif") as b:
            got, expected = a.read(1).astype(np.float64), b.read(1).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rel = np.abs(got - expected) / np.abs(expected)
        rel = np.where(expected == got, 0.0, rel)
        rel[np.isnan(got) & np.isnan(expected)] = 0.0
        differ = int(np.count_nonzero(rel > 0))
        out.append(f"{name.upper()} {np.nanmax(rel):.1e} ({differ} cells)")
    return ", ".join(out)


def agreement(size: int, folder: Path, tile_sides: list[int]) -> None:
    """The layers of the array form against ``routing.sdr_layers`` on the prepared
    inputs of ``size``, in tiles of each side given (in this process, no dask): the
    largest relative difference of each layer and the number of cells that differ."""
    from ganpo.engine.routing import sdr_layers
    from ganpo.engine.tiled_sdr import ls_and_sdr_tiled_array

    dem, eco = write_inputs(size, folder)
    filled, d8 = prepared(dem, ALGORITHM)
    with rasterio.open(filled) as a, rasterio.open(d8) as b, rasterio.open(eco) as e:
        z, d, codes, cell = a.read(1), b.read(1), e.read(1), a.transform.a
    by_code = np.full(256, np.nan)
    for code, c in cover_by_code().items():
        by_code[code] = c
    cover = by_code[codes]
    expected = sdr_layers(z, cover, cell, ALGORITHM, THRESHOLD)
    print(f"{'size':>6} {'tile':>5} {'time s':>7}  largest relative difference (cells)")
    for side in tile_sides:
        t0 = time.perf_counter()
        got = ls_and_sdr_tiled_array(z, d, cover, cell, side, THRESHOLD)
        seconds = time.perf_counter() - t0
        parts = []
        for name in ("stream", "d_up", "d_dn"):
            a64, b64 = got[name], expected[name]
            with np.errstate(invalid="ignore", divide="ignore"):
                rel = np.where(a64 == b64, 0.0, np.abs(a64 - b64) / np.abs(b64))
            rel[np.isnan(a64) & np.isnan(b64)] = 0.0
            parts.append(f"{name} {np.nanmax(rel):.1e} ({int(np.count_nonzero(rel > 0))})")
        print(f"{size:>5}² {side:>5} {seconds:>7.1f}  {', '.join(parts)}", flush=True)


def measure(kind: str, workers: int, tile: int, size: int, folder: Path) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", kind, str(workers), str(tile), str(size)]
    cmd += [str(folder), "--algorithm", ALGORITHM]
    done = run_sampled(cmd)
    got = checked(done, f"the child measuring {kind}")
    got.update({f"peak_{k}": v for k, v in done.peak_kib.items()})
    return got


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", type=int, nargs="*", default=[2000])
    parser.add_argument("--tile", type=int, default=512, help="tile side [cells]")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: temporary)")
    parser.add_argument("--algorithm", choices=["d8", "mfd"], default="d8")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--agreement", type=int, nargs="+", help="tile sides: the array form's layers, in-process"
    )
    args = parser.parse_args()
    global ALGORITHM
    ALGORITHM = args.algorithm
    if args.prepare:
        prepared(write_inputs(int(args.prepare[0]), Path(args.prepare[1]))[0], ALGORITHM)
        return
    if args.child:
        kind, workers, tile, size, folder = args.child
        child(kind, int(workers), int(tile), int(size), Path(folder))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        if args.agreement:
            agreement(args.sizes[0], folder, args.agreement)
            return
        mib = 1024
        print(
            f"{'size':>6} {'run':>8} {'time s':>7} {'route s':>7} {'anon MiB':>8} "
            f"{'file MiB':>8} {'worker peak MiB':>15} {'worker +MiB':>11}  agreement",
            flush=True,
        )
        for size in args.sizes:
            for s in (size, WARM):  # inputs once, in a child of their own
                cmd = [sys.executable, __file__, "--prepare", str(s), str(folder)]
                cmd += ["--algorithm", ALGORITHM]
                done = run_sampled(cmd)
                if done.returncode != 0:
                    what = f"the child writing the inputs of {s}² cells"
                    raise SystemExit(failed(what, done.returncode, done.stderr))
            g = measure("global", 0, args.tile, size, folder)
            print(
                f"{size:>5}² {'global':>8} {g['seconds']:>7.1f} {g['route']:>7.1f} "
                f"{g['peak_RssAnon'] / mib:>8.0f} {g['peak_RssFile'] / mib:>8.0f}",
                flush=True,
            )
            for n in args.workers:
                m = measure("tiled", n, args.tile, size, folder)
                agree = _agreement(Path(str(m["out"])), Path(str(g["out"])))
                print(
                    f"{size:>5}² {f'tiled {n}':>8} {m['seconds']:>7.1f} {'':>7} "
                    f"{m['peak_RssAnon'] / mib:>8.0f} {m['peak_RssFile'] / mib:>8.0f} "
                    f"{m['worker_maxrss_kib'] / mib:>15.0f} "
                    f"{m['worker_growth_kib'] / mib:>11.0f}  {agree}",
                    flush=True,
                )
                shutil.rmtree(str(m["out"]), ignore_errors=True)
            shutil.rmtree(str(g["out"]), ignore_errors=True)


if __name__ == "__main__":
    main()
