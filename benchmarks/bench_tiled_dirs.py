"""Time and memory of flow directions: the global ones against the tiled ones
(``ganpo.engine.tiled_dirs``, issue 19 point 1, docs/decisions/0062).

For each size given (default 2000, i.e. 4·10⁶ cells) the DEM of ``bench_routing.py``
(bench_invest's landscape), its heights rounded to ``--step`` metres (default 1: terraces
and paddies levelled to whole metres, so flats are many and cross tile edges), is filled
globally and written as a float32 GeoTIFF, outside the measure. Then, for each algorithm
and each in a fresh child process:

- ``global``: the filled DEM read whole and ``routing.flow_direction_d8`` / ``_mfd``;
- ``tiled N``: ``flow_directions_tiled`` with a dask ``LocalCluster`` of N worker
  processes, one thread each, tiles of ``--tile`` cells a side; after the measure the
  result is compared with the global directions written by
  ``tiled_accum.write_directions`` (bitwise or not).

Columns as in ``bench_tiled_accum.py``: wall time of the call (numba warmed up and the
cluster started outside the measure), the caller's peak RSS (``VmHWM``) and its growth
over the RSS just before the call, the largest worker's peak RSS and growth (the memory
one tile's or one flat's task needed), the flats drained across tiles, and the
agreement. Timings depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_dirs.py 2000 --tile 512
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from _memory import hwm_kib
from _tiled import RunTable, measure, parser, run_global, run_tiled, runs, scratch
from bench_routing import WARM, write_inputs


def filled(dem: Path, step: float) -> Path:
    """The DEM rounded to ``step`` metres and pit-filled globally, float32, NaN nodata."""
    from ganpo.engine.routing import fill_pits, read_dem

    path = dem.with_name(f"{dem.stem}_filled_{step:g}.tif")
    if path.exists():
        return path
    z, _, profile = read_dem(dem)
    if step > 0:
        z = np.round(z / step) * step
    z = z.astype(np.float32)
    fill_pits(z)
    profile.update(dtype="float32", nodata=float("nan"), compress="deflate", predictor=3)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
    return path


def _global(path: Path, algorithm: str) -> np.ndarray:
    from ganpo.engine.routing import flow_direction_d8, flow_direction_mfd

    with rasterio.open(path) as src:
        z = src.read(1)
    return (flow_direction_d8 if algorithm == "d8" else flow_direction_mfd)(z)


def child(kind: str, workers: int, tile: int, path: Path, warm: Path, algorithm: str) -> None:
    """One measurement in this fresh process; prints JSON."""
    if kind == "global":
        print(json.dumps(run_global(lambda p: _global(p, algorithm), path, warm, hwm_kib)))
        return
    from ganpo.engine.tiled_accum import write_directions
    from ganpo.engine.tiled_dirs import flow_directions_tiled

    def tiled(source: Path, target: Path, side: int) -> int:
        return flow_directions_tiled(source, target, algorithm, tile=side)  # type: ignore[arg-type]

    with scratch("bench-tiled-dirs-", path) as out:
        flats, m = run_tiled(tiled, path, warm, out / "dir.tif", workers, tile, hwm_kib)
        with rasterio.open(path) as src:
            valid = ~np.isnan(src.read(1))
            profile = dict(src.profile)
        write_directions(out / "global.tif", _global(path, algorithm), valid, profile)
        with rasterio.open(out / "dir.tif") as a, rasterio.open(out / "global.tif") as b:
            same = bool(np.array_equal(a.read(1), b.read(1)))
    print(json.dumps({**m, "flats": flats, "same": same}))


def main() -> None:
    p = parser(__doc__, sizes=(2000,), child_args=6)
    p.add_argument("--step", type=float, default=1.0, help="heights rounded to [m]")
    p.add_argument("--algorithms", nargs="+", default=["d8", "mfd"])
    args = p.parse_args()
    if args.child:
        kind, workers, tile, path, warm, algorithm = args.child
        child(kind, int(workers), int(tile), Path(path), Path(warm), algorithm)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        warm = filled(write_inputs(WARM, folder)[0], args.step)
        table = RunTable(count="flats")
        table.header()
        for size in args.sizes:
            dem = filled(write_inputs(size, folder)[0], args.step)
            for alg in args.algorithms:
                for kind, n in runs(args.workers):
                    m = measure(__file__, kind, n, args.tile, dem, warm, alg)
                    table.row(size, kind, n, m, "bitwise" if m.get("same") else "DIFFERENT", alg)


if __name__ == "__main__":
    main()
