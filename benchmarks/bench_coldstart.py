"""Cold start (issue 19, point 4): a fresh process's first LS derivation, with numba's
cache empty and after the warm-up that ``make setup`` runs (``python -m
ganpo.engine.warmup``).

One synthetic DEM (合成数据; the landscape of ``bench_invest.py``: hills, a northward
tilt and half-metre noise that leaves pits, 100 m cells, float32) of ``--size``² cells.
Each repeat uses two new, empty numba cache folders (``NUMBA_CACHE_DIR``; the project's
own cache is not touched):

- cold: a fresh process derives the LS factor (MFD, ``ls_factor_raster``) twice;
- warm: ``python -m ganpo.engine.warmup`` fills the cache (its wall time is the set-up
  cost), then a fresh process derives the LS factor twice.

Printed, medians of ``--repeat`` runs: the first derivation's wall time (what the first
account pays), the second's in the same process (the routing alone, nothing left to
compile or load), and the functions numba compiled during the first (its own
``numba:compile`` events). Timings depend on what else runs on the machine.

    python benchmarks/bench_coldstart.py [--size 2000] [--repeat 3] [--dem DEM.tif]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import rasterio
from _child import failed, figures


def child(dem: Path, out: Path) -> None:
    """Import routing, then derive the LS factor twice in this fresh process; prints
    JSON: the import, first and second derivation times [s] and what numba compiled."""
    t0 = time.perf_counter()
    from numba.core import event

    from ganpo.engine.routing import ls_factor_raster

    imported = time.perf_counter() - t0
    compiled: list[str] = []

    class Seen(event.Listener):
        def on_start(self, ev: event.Event) -> None:
            compiled.append(ev.data["dispatcher"].__qualname__)

        def on_end(self, ev: event.Event) -> None:
            pass

    with event.install_listener("numba:compile", Seen()):
        t1 = time.perf_counter()
        ls_factor_raster(dem, out / "first.tif", "mfd")
        first = time.perf_counter() - t1
    t2 = time.perf_counter()
    ls_factor_raster(dem, out / "second.tif", "mfd")
    second = time.perf_counter() - t2
    print(json.dumps({"import": imported, "first": first, "second": second, "compiled": compiled}))


def _run(args: list[str], cache: Path, what: str) -> tuple[str, str, float]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(failed(what, proc.returncode, proc.stderr))
    return proc.stdout, proc.stderr, seconds


def measure(dem: Path, folder: Path, cache: Path) -> dict[str, float]:
    out = Path(tempfile.mkdtemp(prefix="ls-", dir=folder))
    what = "the first LS derivation of a fresh process"
    stdout, stderr, _ = _run([__file__, "--child", str(dem), str(out)], cache, what)
    got = figures(stdout, stderr, what)
    for f in out.iterdir():
        f.unlink()
    out.rmdir()
    return {
        "import": got["import"],
        "first": got["first"],
        "second": got["second"],
        "compiled": float(len(got["compiled"])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=2000, help="side of the DEM [cells]")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--folder", type=Path, help="keep the DEM here (default: temporary)")
    parser.add_argument("--dem", type=Path, help="derive from this DEM instead (e.g. the demo's)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_routing import write_inputs  # the landscape of bench_invest.py

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder or Path(tmp)
        dem = args.dem or write_inputs(args.size, folder)[0]
        runs: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
        warmups: list[float] = []
        for i in range(args.repeat):
            runs["cold"].append(measure(dem, folder, Path(tmp) / f"numba-cold-{i}"))
            cache = Path(tmp) / f"numba-warm-{i}"
            what = "numba's warm-up (python -m ganpo.engine.warmup)"
            *_, seconds = _run(["-m", "ganpo.engine.warmup"], cache, what)
            warmups.append(seconds)
            runs["warm"].append(measure(dem, folder, cache))
        with rasterio.open(dem) as src:
            shape = f"{src.height} × {src.width}"
        print(
            f"first LS derivation (MFD) of a {shape} DEM in a fresh process, "
            f"median of {args.repeat}"
        )
        print(f"{'cache':>14} {'import s':>9} {'first s':>8} {'second s':>9} {'compiled':>9}")
        for name, label in (("cold", "empty"), ("warm", "after warm-up")):
            med = {k: statistics.median(r[k] for r in runs[name]) for k in runs[name][0]}
            print(
                f"{label:>14} {med['import']:>9.2f} {med['first']:>8.2f} "
                f"{med['second']:>9.2f} {med['compiled']:>9.0f}"
            )
        warmup = statistics.median(warmups)
        print(f"warm-up (python -m ganpo.engine.warmup, empty cache): {warmup:.1f} s")


if __name__ == "__main__":
    main()
