"""Time of the ecosystem-code census an account makes before its grid work
(``ganpo.engine.zonal.code_census_graph``, docs/decisions/0069), against a plain read of
the same map.

For each size given (default 4096, i.e. 1.7·10⁷ cells) a uint8 map of random valid codes
is written (deflate, tiles of 256²), with two units splitting it in halves, and:

- ``clean``: the map as written: the census reads each block and looks its codes up;
- ``unknown``: the same with code 99 (not in the classification) in every block of
  ``--chunk`` cells, so that the units are rasterised in every block (the slow path);
- ``read``: the map read and summed (``open_layer(...).sum()``), the floor of any pass.

Each is computed twice on the local threaded scheduler, in blocks of ``--chunk``
(default 1024), the read first; the table shows both times (the read's first pays for
opening the file and filling GDAL's cache). Timings depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_census.py 4096
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import dask
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from ganpo.catalog.ecosystems import RASTER_NODATA, raster_codes
from ganpo.engine.rasters import open_layer
from ganpo.engine.zonal import code_census_graph

CELL = 30.0  # m


def write_map(path: Path, n: int, chunk: int, unknown: bool) -> None:
    """A ``n`` × ``n`` uint8 map of random valid codes (99 in every block if ``unknown``)."""
    rng = np.random.default_rng(1)
    codes = np.array(raster_codes(), dtype=np.uint8)
    data = codes[rng.integers(0, len(codes), (n, n))]
    if unknown:
        data[::chunk, ::chunk] = 99
    profile = {
        "driver": "GTiff",
        "width": n,
        "height": n,
        "count": 1,
        "dtype": "uint8",
        "crs": "EPSG:3857",
        "transform": from_origin(0.0, n * CELL, CELL, CELL),
        "nodata": RASTER_NODATA,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)


def timed(compute: Callable[[], object]) -> list[float]:
    """Wall times of two runs of ``compute`` [s]."""
    out = []
    for _ in range(2):
        t0 = time.perf_counter()
        with dask.config.set(scheduler="threads"):
            compute()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("sizes", type=int, nargs="*", default=[4096])
    p.add_argument("--chunk", type=int, default=1024, help="block side [cells]")
    args = p.parse_args()
    allowed = [*raster_codes(), RASTER_NODATA]
    print(f"{'size':>6} {'map':>8} {'run':>7} {'1st s':>6} {'2nd s':>6} {'unknown cells':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            half = n * CELL / 2
            units = [box(0.0, 0.0, half, n * CELL), box(half, 0.0, n * CELL, n * CELL)]
            transform = from_origin(0.0, n * CELL, CELL, CELL)
            for name in ("clean", "unknown"):
                path = Path(tmp) / f"eco_{name}_{n}.tif"
                write_map(path, n, args.chunk, name == "unknown")
                eco = open_layer(path, args.chunk, as_float=False)
                graph = code_census_graph(eco, units, transform, allowed)
                found: list[int] = []

                def census(graph: object = graph, found: list[int] = found) -> None:
                    (c,) = dask.compute(graph)
                    found[:] = [sum(c.unknown.values())]

                for run, seconds in (
                    ("read", timed(lambda eco=eco: eco.sum().compute())),
                    ("census", timed(census)),
                ):
                    cells = f"{found[0]:>13}" if run == "census" else f"{'':>13}"
                    print(
                        f"{n:>5}² {name:>8} {run:>7} {seconds[0]:>6.2f} {seconds[1]:>6.2f} {cells}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
