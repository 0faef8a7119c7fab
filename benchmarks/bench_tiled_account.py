"""The account's derived D8 LS factor and SDR (``derived.ensure_derived_all``, decision
0065): routed globally against routed by tiles (fill → directions → LS and SDR, each a
dask task per tile on local threads), on ``bench_routing.py``'s landscape with the
``jiangxi-default`` parameters. Time of each build (warm: the numba kernels are compiled
first on a small raster), whether the LS rasters are bitwise equal, and the SDR's largest
relative difference and the cells that differ. In this process, no memory figures (see
``bench_tiled_sdr.py`` and ``bench_tiled_fill.py`` for those of the stages). Timings
depend on what else runs on the machine.

    .venv/bin/python benchmarks/bench_tiled_account.py 1000 --tile 256 512
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import rasterio

sys.path.insert(0, str(Path(__file__).parent))
from bench_routing import WARM, write_inputs

ROLES = ("ls_factor_d8", "sdr_d8")


def _build(dem: Path, eco: Path, folder: Path, tile: int | None) -> tuple[float, Path, Path]:
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.engine.derived import ensure_derived_all

    params = load_parameter_set("jiangxi-default")
    sources = {"dem": dem, "ecosystem_type": eco}
    sha = {"dem": "a" * 64, "ecosystem_type": "b" * 64}
    tiles = {} if tile is None else dict.fromkeys(ROLES, tile)
    t0 = time.perf_counter()
    built = ensure_derived_all(ROLES, sources, sha, params, folder, tiles=tiles)
    return time.perf_counter() - t0, built["ls_factor_d8"][0], built["sdr_d8"][0]


def _read(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return src.read(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--tile", nargs="+", type=int, default=[256, 512])
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-tiled-account-"))
    try:
        dem, eco = write_inputs(WARM, root / "warm")
        for tile in (None, 16):  # compile the kernels outside the measure
            _build(dem, eco, root / "warm" / f"out_{tile}", tile)
        print(f"{'size':>6} {'run':>10} {'time s':>7}  agreement with the global rasters")
        for size in args.sizes:
            dem, eco = write_inputs(size, root / str(size))
            seconds, ls, sdr = _build(dem, eco, root / str(size) / "global", None)
            print(f"{size:>5}² {'global':>10} {seconds:7.1f}")
            ls0, sdr0 = _read(ls).view(np.uint32), _read(sdr).astype(np.float64)
            for tile in args.tile:
                seconds, ls, sdr = _build(dem, eco, root / str(size) / f"t{tile}", tile)
                same = np.array_equal(_read(ls).view(np.uint32), ls0)
                got = _read(sdr).astype(np.float64)
                both = ~(np.isnan(got) & np.isnan(sdr0))
                rel = np.abs(got - sdr0)[both] / np.maximum(np.abs(sdr0[both]), 1e-30)
                differ = int(np.count_nonzero(got[both] != sdr0[both]))
                print(
                    f"{size:>5}² {f'tiles {tile}':>10} {seconds:7.1f}  LS "
                    f"{'bitwise' if same else 'DIFFERS'}, SDR {rel.max(initial=0.0):.1e} "
                    f"({differ} cells)"
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
