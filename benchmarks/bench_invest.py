"""`make bench-invest`: ganpo against InVEST 3.20 on the same inputs, per model, and a full
account with every raster service.

Per size (default 1000², 4000² and 10000² cells of 100 m) one synthetic landscape is
written, and for each model both programs run on the same GeoTIFFs in this session:

- AWY: InVEST's annual water yield ``execute`` vs ganpo's account with the Budyko method;
- SDR: InVEST's SDR ``execute`` (MFD) vs ganpo's account with soil retention by RUSLE and
  sediment export by the SDR method (a physical indicator), including the flow routing
  that derives the LS factor and the delivery ratio from the DEM (a fresh cache each run).
  InVEST also computes deposition and trapped sediment, which ganpo does not: the ratio
  compares the whole models as a user runs them;
- carbon: InVEST's carbon storage ``execute`` vs ganpo's per-type carbon pools summed
  block by block (engine layers + ``services.carbon``).

Times are medians of ``--repeat`` runs (an InVEST run longer than two minutes is not
repeated; the table gives the number of runs; a model still running after
``--invest-timeout`` seconds, default an hour, is stopped and shown as a lower bound
``>``, with 0 runs), each program timed inside its own interpreter;
ganpo's runs are in a child process whose peak resident memory (ru_maxrss) is reported;
for the full account also its peak anonymous and file-backed memory, sampled.
``--full SIZE`` also times a full account with every raster service (water conservation,
carbon, oxygen, climate, soil retention and sediment export with routing, flood
regulation by vegetation, sand fixation) over 100 counties at SIZE² cells: once with the
routing (derived layers built), then again in a fresh process reusing them (the blockwise
account alone, whose memory does not depend on the raster size), that account against
its I/O floor: reading and summing, block by block, exactly the files it read, and its
throughput at 1 and 2 dask workers (``--workers-repeat`` runs of each, alternated in one
process after a warm-up run; medians, with the processor time, target at least 1.8×).
``--full-d8`` runs it once more, routing included, with the D8 LS factor and SDR: from
10⁸ cells (``GANPO_ROUTING_TILE_CELLS``) the account routes those by tiles, each a dask
task whose memory is bounded by the tile; its time and peak memory as above. The full
account's MFD pair is routed by tiles too when ``GANPO_ROUTING_TILE_CELLS_MFD`` is set to
at most SIZE² cells (decision 0108); its line says which. ``--full-mfd-tiles`` runs it
once more, routing included in a fresh derived folder, with that setting at 0 in the
child (every DEM's MFD pair by tiles of ``GANPO_ROUTING_TILE`` cells): the MFD account
whose memory is bounded by the tile, its time and peak memory as above.
``--memory-cap MIB`` runs that full account once more, routing included (a fresh cache),
in a child process inside a memory cgroup capped at MIB (anonymous and page-cache pages
count against the cap; no swap): whether it completes, its time, the cgroup's peak, how
often the cap was reached and what the child read back from disk (routing's working
arrays are file-backed above 5·10⁷ cells, so the kernel can evict and re-read them). Not
measured, with the reason, where no memory cgroup can be made.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
from _child import checked, failed, figure_list
from rasterio.transform import from_origin
from shapely.geometry import box

from ganpo.catalog.parameters import ParameterSet, ParameterValue, load_parameter_set
from ganpo.catalog.profiles import Profile, load_profile
from ganpo.engine.account import run_account
from ganpo.engine.derived import MFD_TILE_CELLS_ENV, tile_side, tile_threshold
from ganpo.io.manifest import LayerEntry, Manifest, UnitsEntry, write_manifest
from ganpo.io.regions import CHINA_ALBERS
from ganpo.io.roles import LAYER_ROLES

CELL = 100.0
X0, Y0 = 1_000_000.0, 3_300_000.0
STRIP = 512
# lucode: Kc, root depth [mm], vegetated; C, P; carbon pools above, below, soil, dead [t C/ha]
BIO = {
    1: (1.0, 5000, 1, 0.006, 1.0, 80.0, 20.0, 60.0, 5.0),
    2: (0.9, 3000, 1, 0.03, 1.0, 30.0, 10.0, 50.0, 3.0),
    3: (0.85, 2000, 1, 0.05, 1.0, 8.0, 6.0, 45.0, 1.0),
    5: (0.7, 1500, 1, 0.2, 0.35, 5.0, 2.0, 40.0, 0.0),
    6: (0.3, 500, 0, 1.0, 1.0, 0.0, 0.0, 10.0, 0.0),
    7: (1.0, 100, 0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0),
}
#: the InVEST models compared with ganpo: water yield, sediment delivery, carbon storage
MODELS = ("awy", "sdr", "carbon")
KEYS = {1: "forest", 2: "shrub", 3: "grassland", 5: "cropland", 6: "built_up", 7: "water"}
RUNNER = textwrap.dedent(
    """
    import json, sys, time, logging
    logging.disable(logging.WARNING)
    from natcap.invest import annual_water_yield, carbon
    from natcap.invest.sdr import sdr
    model, args, repeat = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    run = {"awy": annual_water_yield.execute, "sdr": sdr.execute, "carbon": carbon.execute}[model]
    times = []
    for i in range(repeat):
        args["workspace_dir"] = args["workspace_dir"].rstrip("/0123456789") + str(i)
        t0 = time.perf_counter(); run(args)
        times.append(time.perf_counter() - t0)
        if times[-1] > 120:  # minutes per run (SDR at 4000²): one run is the measure
            break
    print(json.dumps(times))
    """
)


def _fields(size: int, r0: int, r1: int) -> dict[str, np.ndarray]:
    """Rows r0…r1 of every synthetic layer (smooth fields + seeded noise, deterministic)."""
    rng = np.random.default_rng(size * 100_003 + r0)
    yy, xx = np.mgrid[r0:r1, 0:size] / size
    shape = yy.shape
    smooth = np.sin(6 * xx + 1.0) + np.cos(5 * yy + 2.0) + 0.2 * rng.standard_normal(shape)
    codes = np.array(list(BIO), dtype="uint8")
    lulc = codes[np.digitize(smooth, [-0.35, -0.05, 0.18, 0.95, 1.45])]
    fvc = np.select([lulc == 1, lulc == 2, lulc == 3, lulc == 5], [0.9, 0.7, 0.6, 0.5], 0.05)
    precip = 1400 + 500 * yy
    return {
        "ecosystem_type": lulc,
        "precipitation": precip,
        "reference_et": 900 + 300 * xx,
        "soil_depth": 300 + 1700 * (1 - yy),
        "pawc": 0.08 + 0.14 * xx,
        "evapotranspiration": 0.45 * precip + 60 * xx,
        "npp": 400 + 800 * fvc,
        "hot_days": 40 + 40 * xx,
        # hills of up to ±1500 m on a northward tilt, half-metre noise leaving pits to fill
        "dem": 2000.0
        + min(2.5 * size, 1500.0) * np.sin(3 * xx + 1.0) * np.cos(2 * yy + 2.0)
        + min(0.8 * size, 800.0) * yy
        + 0.5 * rng.standard_normal(shape),
        "rainfall_erosivity": 3000 + 2000 * yy,
        "soil_erodibility": 0.02 + 0.02 * xx,
        "storm_precipitation": 0.2 * precip,
        "vegetation_cover": fvc,
        "wind_factor": 5 + 10 * xx,
        "erodible_fraction": 0.25 + 0.05 * yy,
        "soil_crust_factor": 0.6 + 0.1 * xx,
        "surface_roughness": 0.4 + 0.1 * yy,
    }


def make_inputs(size: int, folder: Path) -> None:
    """Every layer as a tiled GeoTIFF, 100 county squares, and a ganpo manifest."""
    roles = list(_fields(size, 0, 1))
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": 1,
        "crs": CHINA_ALBERS,
        "transform": from_origin(X0, Y0, CELL, CELL),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "zstd",
        "BIGTIFF": "IF_SAFER",
    }
    dsts = {
        r: rasterio.open(
            folder / f"{r}.tif",
            "w",
            **profile,
            dtype="uint8" if r == "ecosystem_type" else "float32",
            nodata=255 if r == "ecosystem_type" else -9999.0,
        )
        for r in roles
    }
    try:
        for r0 in range(0, size, STRIP):
            r1 = min(size, r0 + STRIP)
            window = rasterio.windows.Window(0, r0, size, r1 - r0)
            for r, data in _fields(size, r0, r1).items():
                dsts[r].write(data.astype(dsts[r].dtypes[0]), 1, window=window)
    finally:
        for d in dsts.values():
            d.close()
    side = size * CELL / 10
    squares = [
        box(X0 + i * side, Y0 - (j + 1) * side, X0 + (i + 1) * side, Y0 - j * side)
        for j in range(10)
        for i in range(10)
    ]
    whole = box(X0, Y0 - size * CELL, X0 + size * CELL, Y0)
    gpd.GeoDataFrame({"ws_id": [1]}, geometry=[whole], crs=CHINA_ALBERS).to_file(folder / "ws.shp")
    n = len(squares)
    gpd.GeoDataFrame(
        {
            "county_adcode": list(range(1, n + 1)),
            "county_name": [f"c{i}" for i in range(n)],
            "city_adcode": [1] * n,
            "city_name": ["c"] * n,
            "province_adcode": [1] * n,
            "province_name": ["p"] * n,
        },
        geometry=squares,
        crs=CHINA_ALBERS,
    ).to_file(folder / "units.gpkg", layer="counties", driver="GPKG")
    units = {"ecosystem_type": "code"} | {r: LAYER_ROLES[r].unit for r in roles[1:]}
    write_manifest(
        Manifest(
            name="bench",
            title_zh="基准",
            title_en="bench",
            region_adcode=1,
            region_name="b",
            years=[2020],
            synthetic=True,
            units=UnitsEntry(path="units.gpkg", source="bench", synthetic=True),
            layers=[
                LayerEntry(
                    role=r,
                    path=f"{r}.tif",
                    unit=u,
                    year=None if not LAYER_ROLES[r].per_year else 2020,
                    source="bench",
                    synthetic=True,
                )
                for r, u in units.items()
            ],
            tables=[],
        ),
        folder,
    )
    keys = ["lucode", "Kc", "root_depth", "LULC_veg", "usle_c", "usle_p"]
    keys += ["c_above", "c_below", "c_soil", "c_dead"]
    (folder / "bio.csv").write_text(
        ",".join(keys) + "\n" + "".join(f"{k},{','.join(map(str, b))}\n" for k, b in BIO.items()),
        encoding="utf-8",
    )


def invest_args(model: str, folder: Path, size: int) -> dict[str, object]:
    common = {"workspace_dir": str(folder / f"inv_{model}0"), "n_workers": -1}
    if model == "awy":
        return common | {
            "lulc_path": str(folder / "ecosystem_type.tif"),
            "depth_to_root_rest_layer_path": str(folder / "soil_depth.tif"),
            "precipitation_path": str(folder / "precipitation.tif"),
            "pawc_path": str(folder / "pawc.tif"),
            "eto_path": str(folder / "reference_et.tif"),
            "watersheds_path": str(folder / "ws.shp"),
            "biophysical_table_path": str(folder / "bio.csv"),
            "seasonality_constant": 5.0,
        }
    if model == "sdr":
        return common | {
            "dem_path": str(folder / "dem.tif"),
            "erosivity_path": str(folder / "rainfall_erosivity.tif"),
            "erodibility_path": str(folder / "soil_erodibility.tif"),
            "lulc_path": str(folder / "ecosystem_type.tif"),
            "watersheds_path": str(folder / "ws.shp"),
            "biophysical_table_path": str(folder / "bio.csv"),
            "threshold_flow_accumulation": stream_threshold(size),
            "k_param": 2.0,
            "sdr_max": 0.8,
            "ic_0_param": 0.5,
            "l_max": 122,
            "flow_dir_algorithm": "MFD",
        }
    return common | {
        "lulc_bas_path": str(folder / "ecosystem_type.tif"),
        "carbon_pools_path": str(folder / "bio.csv"),
        "calc_sequestration": False,
        "do_valuation": False,
    }


def stream_threshold(size: int) -> int:
    """Flow accumulation [cells] from which a cell is a stream, for InVEST and ganpo."""
    return max(1000, size * size // 1000)


def ganpo_params(size: int) -> ParameterSet:
    p = load_parameter_set("jiangxi-default")
    values = dict(p.values)

    def v(unit: str, column: int) -> ParameterValue:
        return ParameterValue(
            by_type={KEYS[k]: float(b[column]) for k, b in BIO.items()},
            unit=unit,
            year=2020,
            region="b",
            source="b",
            status="unverified",
        )

    values |= {"crop_coefficient": v("1", 0), "root_depth": v("mm", 1)}
    values |= {"usle_c": v("1", 3), "usle_p": v("1", 4)}
    values["seasonality_z"] = values["reservoir_flood_share"].model_copy(update={"value": 5.0})
    key = "sdr_threshold_flow_accumulation"
    values[key] = values[key].model_copy(update={"value": float(stream_threshold(size))})
    veg = [KEYS[k] for k, b in BIO.items() if b[2]]
    return p.model_copy(
        update={"values": values, "type_sets": {**p.type_sets, "water_yield_vegetation": veg}}
    )


# sediment export (InVEST's sed_export) is a physical indicator beside the GEP in ganpo
PHYSICAL = {
    "sdr": {"sediment_export": "sdr_mfd"},
    "full": {"sediment_export": "sdr_mfd"},
    "full_d8": {"sediment_export": "sdr_d8"},
}
PROFILES = {
    "awy": {"water_conservation": "budyko_water_yield"},
    "sdr": {"soil_retention": "rusle_mfd"},
    "full": {
        "water_conservation": "water_balance",
        "carbon_sequestration": "npp_photosynthesis",
        "oxygen_release": "npp_photosynthesis",
        "climate_regulation": "et_energy",
        "soil_retention": "rusle_mfd",
        "flood_regulation": "vegetation",
        "sand_fixation": "rweq",
    },
}
# the full account with D8 routing, which a DEM of 10⁸ cells or more routes by tiles
# (engine.derived, GANPO_ROUTING_TILE_CELLS): memory bounded by the tile
PROFILES["full_d8"] = PROFILES["full"] | {"soil_retention": "rusle_d8"}


def ganpo_profile(model: str) -> Profile:
    return load_profile("jiangxi-db36-2021").model_copy(
        update={
            "indicators": PROFILES[model],
            "physical": PHYSICAL.get(model, {}),
            "price_policy": "as_given",
        }
    )


def full_account(folder: Path, size: int, derived: str = "derived0") -> None:
    """The full account (``--child full``'s profile and parameters for a DEM of ``size``
    cells a side) on ``folder``'s inputs, its routed layers in ``folder / derived``
    (routed there when not there yet)."""
    run_account(
        folder, 2020, ganpo_profile("full"), ganpo_params(size), derived_dir=folder / derived
    )


def ganpo_carbon(folder: Path) -> float:
    """Carbon storage [t C] summed block by block, as the engine reads layers."""
    import dask.array as da

    from ganpo.engine.rasters import open_layer
    from ganpo.services import carbon
    from ganpo.services.base import lookup

    eco = open_layer(folder / "ecosystem_type.tif", 1024, as_float=False)
    pools = [lookup(eco, {k: b[i] for k, b in BIO.items()}, np.nan) for i in (5, 6, 7, 8)]
    stock = carbon.carbon_stock_t(*pools, CELL * CELL / 1e4)
    return float(da.nansum(stock).compute())


def child(model: str, folder: Path, repeat: int, derived: str = "derived") -> None:
    """One ganpo measurement in this (fresh) process: times and peak memory as JSON; the
    ``i``-th run routes into ``folder / f"{derived}{i}"``."""
    logging.getLogger("ganpo").setLevel(logging.ERROR)
    times = []
    with rasterio.open(folder / "dem.tif") as src:
        size = src.width
    for i in range(repeat):
        t0 = time.perf_counter()
        if model == "carbon":
            ganpo_carbon(folder)
        else:
            run_account(
                folder,
                2020,
                ganpo_profile(model),
                ganpo_params(size),
                derived_dir=folder / f"{derived}{i}",  # routing included in every run
            )
        times.append(time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": times, "peak_mib": peak}))


def floor_child(folder: Path, repeat: int = 2) -> None:
    """The full account reusing its routed layers (``derived0``) against its I/O floor, in
    this (fresh) process: the account once (``first``: imports, numba's cache, the units
    read, a cold process), noting every file it reads a window of; then ``repeat`` times,
    alternated, reading and summing exactly those files block by block (``nansum`` of
    each, in one dask computation, as the account's blocks of 1024², on the same threads)
    and the account again. ``account`` and ``floor`` are the medians of those runs: both
    in a warm process, as :mod:`benchmarks.run` times the demo account against its floor.
    Wall and processor times as JSON."""
    import dask
    import dask.array as da

    from ganpo.engine import rasters

    logging.getLogger("ganpo").setLevel(logging.ERROR)
    with rasterio.open(folder / "dem.tif") as src:
        size = src.width
    read: set[Path] = set()
    original = rasters.read_window

    def noting(src: object, path: Path, *args: object, **kwargs: object) -> object:
        read.add(Path(path))
        return original(src, path, *args, **kwargs)  # type: ignore[arg-type]

    def account() -> None:
        full_account(folder, size)

    def floor() -> None:
        dask.compute(*[da.nansum(rasters.open_layer(p, 1024)) for p in sorted(read)])

    rasters.read_window = noting  # type: ignore[assignment]
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        account()
        first, first_cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        rasters.read_window = original
    runs: dict[str, list[float]] = {"account": [], "floor": [], "account_cpu": [], "floor_cpu": []}
    for _ in range(repeat):
        for name, fn in (("floor", floor), ("account", account)):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            runs[name].append(time.perf_counter() - t0)
            runs[f"{name}_cpu"].append(time.process_time() - c0)
    got = {k: statistics.median(v) for k, v in runs.items()}
    got.update(first=first, first_cpu=first_cpu, layers=len(read))
    print(json.dumps({**got, "runs": runs}))


def workers_child(folder: Path, repeat: int) -> None:
    """The full account reusing its routed layers (``derived0``) with 1 and 2 dask workers
    (threads), alternated ``repeat`` times in this (fresh) process after one warm-up run,
    so that both see the same page cache and the same load. Wall and processor times per
    run as JSON, and the wall time of each run's pass (``compute_pass``): the rest of the
    run (the plan with its files' checksums, the grid and the census of the map's codes,
    the graph, the tables) is what a second worker cannot share."""
    import dask

    import ganpo.engine.account as account

    logging.getLogger("ganpo").setLevel(logging.ERROR)
    with rasterio.open(folder / "dem.tif") as src:
        size = src.width
    passes: list[float] = []
    compute = account.compute_pass

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return compute(*args, **kwargs)
        finally:
            passes.append(time.perf_counter() - t0)

    def once() -> None:
        full_account(folder, size)

    once()  # warm-up: page cache, compiled kernels, imports
    wall: dict[str, list[float]] = {"1": [], "2": []}
    cpu: dict[str, list[float]] = {"1": [], "2": []}
    in_pass: dict[str, list[float]] = {"1": [], "2": []}
    account.compute_pass = timed  # type: ignore[assignment]
    try:
        for _ in range(repeat):
            for workers in (1, 2):
                with dask.config.set(num_workers=workers):
                    t0, c0 = time.perf_counter(), time.process_time()
                    once()
                    wall[str(workers)].append(time.perf_counter() - t0)
                    cpu[str(workers)].append(time.process_time() - c0)
                    in_pass[str(workers)].append(passes[-1])
    finally:
        account.compute_pass = compute  # type: ignore[assignment]
    print(json.dumps({"wall": wall, "cpu": cpu, "pass": in_pass}))


def capped_child(folder: Path) -> None:
    """The full account with its routing into a fresh cache (``derived-capped``), in this
    process, which :func:`_memory.run_capped` has put in a capped memory cgroup."""
    logging.getLogger("ganpo").setLevel(logging.ERROR)
    with rasterio.open(folder / "dem.tif") as src:
        size = src.width
    t0 = time.perf_counter()
    full_account(folder, size, "derived-capped")
    print(json.dumps({"time": time.perf_counter() - t0}))


def run_ganpo_capped(folder: Path, limit_mib: int) -> str:
    """The full account in a memory cgroup of ``limit_mib`` (:func:`capped_child`), as a
    line of the report."""
    from _memory import run_capped

    got = run_capped([sys.executable, __file__, "--capped", str(folder)], limit_mib)
    head = f"  the same account with its routing, in a memory cgroup capped at {limit_mib:,} MiB"
    if got is None:
        return f"{head}: not measured (no memory cgroup can be made on this machine)"
    gib = 1024**3
    if got.returncode != 0:
        how = "killed at the cap" if got.returncode == -9 else f"exit code {got.returncode}"
        return f"{head}: did not complete ({how} after {got.seconds:.0f} s)"
    return (
        f"{head}: {got.seconds:.1f} s, cgroup peak {got.peak_bytes / 2**20:,.0f} MiB, cap "
        f"reached {got.cap_hits:,} times, {got.read_bytes / gib:,.0f} GiB read from disk"
    )


def run_ganpo(model: str, folder: Path, repeat: int) -> tuple[float, float]:
    """ganpo's median time of ``repeat`` runs of ``model`` in a fresh child process, and
    the child's peak resident memory [MiB]."""
    t, peak, _ = run_ganpo_sampled(model, folder, repeat)
    return t, peak


def run_ganpo_sampled(
    model: str,
    folder: Path,
    repeat: int,
    env: dict[str, str] | None = None,
    derived: str = "derived",
) -> tuple[float, float, str]:
    """:func:`run_ganpo`, and the child's peak anonymous and file-backed resident memory
    sampled from this process every 50 ms (:func:`_memory.run_sampled`), said in words.
    File-backed pages are the libraries' code and, from 5·10⁷ cells, the routing's working
    arrays (decision 0009): they count in the peak resident memory, but the kernel may
    evict them (at a cost in time when memory is short: ``--memory-cap``). ``env``: the
    child's environment variables beside this process's; ``derived``: the stem of its
    routing caches (``derived0``, ``derived1``, … by default)."""
    from _memory import run_sampled

    cmd = [sys.executable, __file__, "--child", model, str(folder), "--repeat", str(repeat)]
    cmd += ["--derived", derived]
    done = run_sampled(cmd, env={**os.environ, **env} if env is not None else None)
    got = checked(done, f"ganpo's {model} account")
    anon, file = (done.peak_kib[key] / 1024 for key in ("RssAnon", "RssFile"))
    split = f"of which at most {anon:,.0f} MiB anonymous and {file:,.0f} MiB file pages"
    return statistics.median(got["times"]), got["peak_mib"], split


def run_invest(
    python: Path, model: str, folder: Path, size: int, repeat: int, timeout: float
) -> tuple[float, int]:
    """Median time of InVEST's runs and their number; ``(timeout, 0)`` when its first run
    had not finished after ``timeout`` seconds (it is stopped: the time is a lower bound)."""
    try:
        out = subprocess.run(
            [
                str(python),
                "-c",
                RUNNER,
                model,
                json.dumps(invest_args(model, folder, size)),
                str(repeat),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return timeout, 0
    what = f"InVEST's {model} model"
    if out.returncode != 0:
        raise SystemExit(failed(what, out.returncode, out.stderr))
    times = figure_list(out.stdout, out.stderr, what)
    return statistics.median(times), len(times)


def run_child(cmd: list[str], what: str) -> dict[str, Any]:
    """The figures of ``cmd``, a child of this script (:func:`_child.figures`: a
    ``RuntimeError`` if it printed none); a child that fails ends the benchmark
    (``SystemExit``) with ``what`` failed and the end of its standard error."""
    return checked(subprocess.run(cmd, capture_output=True, text=True, check=False), what)


def shown(value: float, runs: int, digits: int = 2) -> str:
    """A time or ratio; with ``runs == 0`` (InVEST stopped at the timeout) a lower bound."""
    return f"{'>' if runs == 0 else ''}{value:.{digits}f}"


def memory_cap_mib(text: str) -> int:
    """The value of ``--memory-cap``: a whole number of MiB above 0 (0 or less would be
    given to the cgroup as its limit)."""
    try:
        mib = int(text)
    except ValueError:
        mib = 0
    if mib <= 0:
        raise argparse.ArgumentTypeError(
            f"give the cap as a whole number of MiB above 0 (e.g. 2048), got {text!r} / "
            f"请给出大于 0 的整数 MiB（如 2048），收到 {text!r}"
        )
    return mib


def parser() -> argparse.ArgumentParser:
    """The command line of this benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invest-python", type=Path, default=Path(".venv-invest/bin/python"))
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 4000, 10000])
    parser.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=list(MODELS),
        help="the InVEST models to compare with (default: all)",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--invest-timeout",
        type=float,
        default=3600.0,
        help="stop an InVEST model after this many seconds and report a lower bound",
    )
    parser.add_argument("--full", type=int, nargs="*", default=[], help="full-account sizes")
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--workers-repeat",
        type=int,
        default=3,
        help="runs at 1 and at 2 workers of each full account reusing its routed layers",
    )
    parser.add_argument(
        "--memory-cap",
        type=memory_cap_mib,
        metavar="MIB",
        help="also run each full account with its routing in a memory cgroup capped at MIB",
    )
    parser.add_argument(
        "--full-d8",
        action="store_true",
        help="also time each full account with D8 routing, which a DEM of 10⁸ cells or more "
        "routes by tiles (memory bounded by the tile), with its peak memory",
    )
    parser.add_argument(
        "--full-mfd-tiles",
        action="store_true",
        help="also time each full account with its MFD pair routed by tiles "
        "(GANPO_ROUTING_TILE_CELLS_MFD=0 in the child; memory bounded by the tile), with its "
        "peak memory",
    )
    parser.add_argument("--derived", default="derived", help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--capped", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=Path, help=argparse.SUPPRESS)
    return parser


def main() -> None:
    args = parser().parse_args()
    if args.floor:
        floor_child(args.floor)
        return
    if args.capped:
        capped_child(args.capped)
        return
    if args.workers:
        workers_child(args.workers, args.workers_repeat)
        return
    if args.child:
        child(args.child[0], Path(args.child[1]), args.repeat, args.derived)
        return
    head = f"{'model':>6} {'cells':>12} {'InVEST s':>9} {'runs':>4} {'ganpo s':>8} {'ratio':>6}"
    print(f"{head} {'ganpo peak MiB':>15}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_inputs(size, folder)
            for model in args.models:
                t_inv, n_inv = run_invest(
                    args.invest_python, model, folder, size, args.repeat, args.invest_timeout
                )
                t_gan, peak = run_ganpo(model, folder, args.repeat)
                print(
                    f"{model:>6} {size * size:>12,} {shown(t_inv, n_inv):>9} {n_inv:>4} "
                    f"{t_gan:>8.2f} {shown(t_inv / t_gan, n_inv, 1):>6} {peak:>15,.0f}",
                    flush=True,
                )
    for size in args.full:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            t0 = time.perf_counter()
            make_inputs(size, folder)
            t_make = time.perf_counter() - t0
            t_gan, peak, split = run_ganpo_sampled("full", folder, 1)
            mfd_from = tile_threshold(algorithm="mfd")  # GANPO_ROUTING_TILE_CELLS_MFD
            routed = "whole" if mfd_from is None or size * size < mfd_from else "by tiles"
            print(
                f"full account, every raster service, {size * size:,} cells, 100 counties "
                f"(MFD routing {routed}, GANPO_ROUTING_TILE_CELLS_MFD): {t_gan:.1f} s, peak "
                f"{peak:,.0f} MiB ({split}; inputs written in {t_make:.0f} s)",
                flush=True,
            )
            # derived layers reused
            t_again, peak_again, split_again = run_ganpo_sampled("full", folder, 1)
            print(
                f"  the same account reusing the routed layers: {t_again:.1f} s, "
                f"peak {peak_again:,.0f} MiB ({split_again})",
                flush=True,
            )
            floor_cmd = [sys.executable, __file__, "--floor", str(folder)]
            got = run_child(floor_cmd, "the account's runs against its I/O floor")
            print(
                f"  against its I/O floor (reading and summing the {got['layers']} layers it "
                f"reads; medians of 2 alternated runs in a warm process): {got['account']:.1f} s "
                f"against {got['floor']:.1f} s, ratio {got['account'] / got['floor']:.2f} "
                f"(target: at most 2); processor {got['account_cpu']:.1f} s against "
                f"{got['floor_cpu']:.1f} s; the first run in the process {got['first']:.1f} s",
                flush=True,
            )
            if args.workers_repeat > 0:
                cmd = [sys.executable, __file__, "--workers", str(folder)]
                got = run_child(
                    [*cmd, "--workers-repeat", str(args.workers_repeat)],
                    "the runs with 1 and 2 workers",
                )
                med = {w: statistics.median(got["wall"][w]) for w in ("1", "2")}
                cpu = {w: statistics.median(got["cpu"][w]) for w in ("1", "2")}
                passed = {w: statistics.median(got["pass"][w]) for w in ("1", "2")}
                print(
                    f"  throughput, reusing the routed layers, medians of "
                    f"{args.workers_repeat} runs alternated: 1 worker {med['1']:.1f} s "
                    f"(processor {cpu['1']:.1f} s), 2 workers {med['2']:.1f} s (processor "
                    f"{cpu['2']:.1f} s): {med['1'] / med['2']:.2f}× (target: at least 1.8×); "
                    f"the pass alone {passed['1']:.1f} s against {passed['2']:.1f} s "
                    f"({passed['1'] / passed['2']:.2f}×), outside it {med['1'] - passed['1']:.1f} s"
                    f" and {med['2'] - passed['2']:.1f} s",
                    flush=True,
                )
            if args.full_d8:
                # derived0 holds the MFD layers only: the D8 pair is routed in this run
                t_d8, peak_d8, split_d8 = run_ganpo_sampled("full_d8", folder, 1)
                threshold = tile_threshold()  # GANPO_ROUTING_TILE_CELLS, else 10⁸ cells
                tiles = "whole" if threshold is None or size * size < threshold else "by tiles"
                print(
                    f"  the same account with D8 routing ({tiles}, GANPO_ROUTING_TILE_CELLS): "
                    f"{t_d8:.1f} s, peak {peak_d8:,.0f} MiB ({split_d8})",
                    flush=True,
                )
            if args.full_mfd_tiles:
                # a fresh cache: the tiled MFD rasters are named with their tile side, but
                # the filled DEM and the directions would be reused from derived0
                t_mt, peak_mt, split_mt = run_ganpo_sampled(
                    "full", folder, 1, env={MFD_TILE_CELLS_ENV: "0"}, derived="mfd-tiles"
                )
                print(
                    f"  the same account with its MFD pair routed by tiles of {tile_side()}² "
                    f"cells ({MFD_TILE_CELLS_ENV}=0): {t_mt:.1f} s, peak {peak_mt:,.0f} MiB "
                    f"({split_mt})",
                    flush=True,
                )
            if args.memory_cap:
                print(run_ganpo_capped(folder, args.memory_cap), flush=True)


if __name__ == "__main__":
    main()
