"""Time and memory of pit filling: the global Priority-Flood against the tiled one
(``ganpo.engine.tiled_fill``, issue 19 point 1, docs/decisions/0056).

For each size given (default 1000 and 2000, i.e. 10⁶ and 4·10⁶ cells) the DEM of
``bench_routing.py`` is written (bench_invest's landscape: hills, a tilt, noise that
leaves pits). Then, each in a fresh child process:

- ``global``: the DEM read whole (``routing.read_dem``, float64) and ``fill_pits``;
- ``tiled N``: ``fill_pits_tiled`` with a dask ``LocalCluster`` of N worker processes,
  one thread each, tiles of ``--tile`` cells a side; the filled file is compared with
  the global fill (bitwise) after the measure.

The table gives wall time of the call (numba warmed up first, and the cluster started,
outside the measure), the peak RSS (``ru_maxrss``) of the process that called it, and for
the tiled runs the peak RSS of the largest worker and its growth over the worker's RSS
before the call: the memory that one tile's tasks needed. "+MiB" is the growth of
the peak over the RSS just before the call (for the caller: ``ru_maxrss`` can only
show growth above the largest RSS reached before, such as numba's warm-up). Timings
depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_fill.py 1000 2000 --tile 512
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from _memory import maxrss_kib
from _tiled import RunTable, measure, parser, run_global, run_tiled, runs, scratch
from bench_routing import WARM, write_inputs


def _fill(dem: Path) -> None:
    from ganpo.engine.routing import fill_pits, read_dem

    z, _, _ = read_dem(dem)
    fill_pits(z)


def child(kind: str, workers: int, tile: int, dem: Path, warm: Path) -> None:
    """One measurement in this fresh process; prints JSON."""
    from ganpo.engine.routing import fill_pits, read_dem

    if kind == "global":
        print(json.dumps(run_global(_fill, dem, warm, maxrss_kib)))
        return
    from ganpo.engine.tiled_fill import fill_pits_tiled

    with scratch("bench-tiled-fill-", dem) as out:
        _, m = run_tiled(fill_pits_tiled, dem, warm, out / "filled.tif", workers, tile, maxrss_kib)
        with rasterio.open(out / "filled.tif") as src:
            tiled = src.read(1)
    z, _, _ = read_dem(dem)
    fill_pits(z)
    same = bool(np.array_equal(tiled, z.astype(tiled.dtype), equal_nan=True))
    print(json.dumps({**m, "same": same}))


def main() -> None:
    args = parser(__doc__).parse_args()
    if args.child:
        kind, workers, tile, dem, warm = args.child
        child(kind, int(workers), int(tile), Path(dem), Path(warm))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        warm, _ = write_inputs(WARM, folder)
        table = RunTable(
            algorithm=False, agreement="same", run_width=9, grown_width=6, agreement_width=5
        )
        table.header()
        for size in args.sizes:
            dem, _ = write_inputs(size, folder)
            for kind, n in runs(args.workers):
                m = measure(__file__, kind, n, args.tile, dem, warm)
                table.row(size, kind, n, m, "yes" if m.get("same") else "NO")


if __name__ == "__main__":
    main()
