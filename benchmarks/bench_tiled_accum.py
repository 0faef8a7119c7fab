"""Time and memory of flow accumulation: the global one against the tiled one
(``ganpo.engine.tiled_accum``, issue 19 point 1, docs/decisions/0059; MFD through a seam,
0067, with its default band).

For each size given (default 1000 and 2000, i.e. 10⁶ and 4·10⁶ cells) the DEM of
``bench_routing.py`` (bench_invest's landscape) is filled and its D8 and MFD directions
written (``tiled_accum.write_directions``), globally and outside the measure. Then, for
each algorithm and each in a fresh child process:

- ``global``: the directions read whole and ``routing.flow_accumulation``;
- ``tiled N``: ``flow_accumulation_tiled`` with a dask ``LocalCluster`` of N worker
  processes, one thread each, tiles of ``--tile`` cells a side; the result is compared
  with the global accumulation after the measure (D8: bitwise; MFD: the largest
  relative difference).

``--crop N …`` instead measures MFD's rounds in this process on the top-left N² cells
of the first size's MFD directions, in 2 × 2 tiles of N/2 (the array form of the
stages, no dask), for each seam width of ``--band`` (default 8): rounds, global and
tiled time, largest relative difference.

Columns as in ``bench_tiled_fill.py``: wall time of the call (numba warmed up and the
cluster started outside the measure), the caller's peak RSS (``VmHWM``) and its
growth over the RSS just before the call, the largest worker's peak RSS and growth (the
memory one tile's tasks needed), the MFD rounds, and the agreement. Timings depend on
what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_accum.py 1000 2000 --tile 512
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from _memory import hwm_kib
from _tiled import RunTable, measure, parser, run_global, run_tiled, runs, scratch
from bench_routing import WARM, write_inputs


def directions(dem: Path) -> dict[str, Path]:
    """The D8 and MFD directions of the filled ``dem``, written next to it (once)."""
    from ganpo.engine.routing import fill_pits, flow_direction_d8, flow_direction_mfd, read_dem
    from ganpo.engine.tiled_accum import write_directions

    paths = {a: dem.with_name(f"{dem.stem}_{a}.tif") for a in ("d8", "mfd")}
    if all(p.exists() for p in paths.values()):
        return paths
    z, _, profile = read_dem(dem)
    fill_pits(z)
    valid = ~np.isnan(z)
    write_directions(paths["d8"], flow_direction_d8(z), valid, profile)
    write_directions(paths["mfd"], flow_direction_mfd(z), valid, profile)
    return paths


def _global(path: Path) -> np.ndarray:
    from ganpo.engine.routing import flow_accumulation

    with rasterio.open(path) as src:
        d = src.read(1)
        valid = d != src.nodata
    return flow_accumulation(d, valid)


def child(kind: str, workers: int, tile: int, path: Path, warm: Path) -> None:
    """One measurement in this fresh process; prints JSON."""
    if kind == "global":
        print(json.dumps(run_global(_global, path, warm, hwm_kib)))
        return
    from ganpo.engine.tiled_accum import flow_accumulation_tiled

    with scratch("bench-tiled-accum-", path) as out:
        rounds, m = run_tiled(
            flow_accumulation_tiled, path, warm, out / "acc.tif", workers, tile, hwm_kib
        )
        with rasterio.open(out / "acc.tif") as src:
            tiled = src.read(1)
    expected = _global(path)
    same = bool(np.array_equal(tiled, expected, equal_nan=True))
    rel = float(np.nanmax(np.abs(tiled - expected) / expected))
    print(json.dumps({**m, "rounds": rounds, "same": same, "rel": rel}))


def crops(path: Path, sizes: list[int], bands: list[int]) -> None:
    """MFD rounds on crops of ``path`` in 2 × 2 tiles, in this process."""
    from ganpo.engine.routing import flow_accumulation
    from ganpo.engine.tiled_accum import flow_accumulation_tiled_array

    with rasterio.open(path) as src:
        d = src.read(1)
        valid = d != src.nodata
    print(
        f"{'crop':>6} {'tile':>5} {'band':>4} {'rounds':>6} {'global s':>8} {'tiled s':>8} "
        f"{'rel':>8}"
    )
    for n in sizes:
        dc, vc = np.ascontiguousarray(d[:n, :n]), np.ascontiguousarray(valid[:n, :n])
        t0 = time.perf_counter()
        expected = flow_accumulation(dc, vc)
        t1 = time.perf_counter() - t0
        for band in bands:
            t0 = time.perf_counter()
            got, rounds = flow_accumulation_tiled_array(dc, vc, (n + 1) // 2, band=band)
            t2 = time.perf_counter() - t0
            rel = float(np.nanmax(np.abs(got - expected) / expected))
            print(
                f"{n:>5}² {(n + 1) // 2:>5} {band:>4} {rounds:>6} {t1:>8.2f} {t2:>8.1f} "
                f"{rel:>8.1e}",
                flush=True,
            )


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--algorithms", nargs="+", default=["d8", "mfd"])
    p.add_argument("--crop", type=int, nargs="+", help="MFD rounds on crops (in-process)")
    p.add_argument("--band", type=int, nargs="+", default=[8], help="seam widths (--crop)")
    args = p.parse_args()
    if args.child:
        kind, workers, tile, path, warm = args.child
        child(kind, int(workers), int(tile), Path(path), Path(warm))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        if args.crop:
            mfd = directions(write_inputs(args.sizes[0], folder)[0])["mfd"]
            crops(mfd, args.crop, args.band)
            return
        warm = directions(write_inputs(WARM, folder)[0])
        table = RunTable(count="rounds")
        table.header()
        for size in args.sizes:
            paths = directions(write_inputs(size, folder)[0])
            for alg in args.algorithms:
                for kind, n in runs(args.workers):
                    m = measure(__file__, kind, n, args.tile, paths[alg], warm[alg])
                    agree = "bitwise" if m.get("same") else f"{m.get('rel', 0.0):.1e}"
                    table.row(size, kind, n, m, agree, alg)


if __name__ == "__main__":
    main()
