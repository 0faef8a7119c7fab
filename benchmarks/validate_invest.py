"""`make validate`: ganpo's InVEST-compatible methods against InVEST 3.20 on the same inputs.

Generates synthetic landscapes of several sizes and shapes (deterministic), runs InVEST's
annual water yield and carbon storage models in their own environment (.venv-invest, see
scripts/invest-env.sh), runs ganpo's Budyko water yield and carbon-pool formulas on the
same rasters, and prints totals and per-pixel differences. SDR (soil retention) is not yet
compared: ganpo's RUSLE/SDR method is still to come.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import rasterio.features
import rasterio.windows
from _synthetic import write_layers
from shapely.geometry import Point, box

from ganpo.services import carbon, water_yield

CRS = "EPSG:32650"
CELL = 100.0
X0, Y0 = 500_000.0, 3_200_000.0
SEASONALITY_Z = 5.0
# lucode, Kc, root depth [mm], vegetated, carbon pools [t C/ha]: above, below, soil, dead
BIOPHYSICAL = pd.DataFrame(
    [
        (1, 1.00, 5000, 1, 80.0, 20.0, 60.0, 5.0),
        (2, 0.90, 3000, 1, 30.0, 10.0, 50.0, 3.0),
        (3, 0.85, 2000, 1, 8.0, 6.0, 45.0, 1.0),
        (5, 0.70, 1500, 1, 5.0, 2.0, 40.0, 0.0),
        (6, 0.30, 500, 0, 0.0, 0.0, 10.0, 0.0),
        (7, 1.00, 100, 0, 0.0, 0.0, 0.0, 0.0),
    ],
    columns=["lucode", "Kc", "root_depth", "LULC_veg", "c_above", "c_below", "c_soil", "c_dead"],
)

INVEST_RUNNER = textwrap.dedent(
    """
    import json, sys, logging
    logging.disable(logging.WARNING)
    from natcap.invest import annual_water_yield, carbon
    jobs = json.loads(sys.argv[1])
    annual_water_yield.execute(jobs["awy"])
    carbon.execute(jobs["carbon"])
    """
)


def landscape(size: int, shape: str, seed: int, folder: Path) -> dict[str, Path]:
    """Rasters and a watershed polygon of one synthetic landscape."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    smooth = np.sin(6 * xx + rng.uniform(0, 6)) + np.cos(5 * yy + rng.uniform(0, 6))
    codes = np.array([1, 2, 3, 5, 6, 7])
    bins = np.quantile(smooth, [0.45, 0.55, 0.62, 0.85, 0.95])
    lulc = codes[np.digitize(smooth, bins)].astype("int32")
    layers = {
        "lulc": lulc,
        "precip": (1400 + 500 * yy + 40 * rng.standard_normal((size, size))).astype("float32"),
        "eto": (900 + 300 * xx).astype("float32"),
        "soil": (300 + 1700 * (1 - yy)).astype("float32"),
        "pawc": (0.08 + 0.14 * xx).astype("float32"),
    }
    paths = write_layers(
        folder,
        layers,
        crs=CRS,
        origin=(X0, Y0),
        cell=CELL,
        categorical="lulc",
        categorical_nodata=-1,
    )
    extent = box(X0, Y0 - size * CELL, X0 + size * CELL, Y0)
    geom = extent if shape == "square" else Point(extent.centroid).buffer(size * CELL * 0.45)
    ws = gpd.GeoDataFrame({"ws_id": [1]}, geometry=[geom], crs=CRS)
    paths["watersheds"] = folder / "watersheds.shp"
    ws.to_file(paths["watersheds"])
    return paths


def run_invest(python: Path, paths: dict[str, Path], folder: Path) -> None:
    table = folder / "biophysical.csv"
    BIOPHYSICAL.to_csv(table, index=False)
    pools = folder / "pools.csv"
    BIOPHYSICAL[["lucode", "c_above", "c_below", "c_soil", "c_dead"]].to_csv(pools, index=False)
    jobs = {
        "awy": {
            "workspace_dir": str(folder / "awy"),
            "lulc_path": str(paths["lulc"]),
            "depth_to_root_rest_layer_path": str(paths["soil"]),
            "precipitation_path": str(paths["precip"]),
            "pawc_path": str(paths["pawc"]),
            "eto_path": str(paths["eto"]),
            "watersheds_path": str(paths["watersheds"]),
            "biophysical_table_path": str(table),
            "seasonality_constant": SEASONALITY_Z,
            "n_workers": -1,
        },
        "carbon": {
            "workspace_dir": str(folder / "carbon"),
            "lulc_bas_path": str(paths["lulc"]),
            "carbon_pools_path": str(pools),
            "calc_sequestration": False,
            "do_valuation": False,
            "n_workers": -1,
        },
    }
    subprocess.run([str(python), "-c", INVEST_RUNNER, json.dumps(jobs)], check=True)


def read(path: Path, like: Path | None = None) -> np.ndarray:
    """A raster as float64 with NaN for nodata; with ``like``, the window of ``like``'s
    extent (InVEST writes its outputs on the inputs' intersection with the watersheds)."""
    with rasterio.open(path) as src:
        window = None
        if like is not None:
            with rasterio.open(like) as ref:
                window = rasterio.windows.from_bounds(*ref.bounds, transform=src.transform)
                window = window.round_offsets().round_lengths()
        data = src.read(1, window=window).astype("float64")
        if src.nodata is not None:
            data[data == src.nodata] = np.nan
    return data


def ganpo_rasters(paths: dict[str, Path], like: Path) -> dict[str, np.ndarray]:
    """ganpo's per-pixel water yield [mm] and carbon [t C] on the window of ``like``."""
    lulc = np.nan_to_num(read(paths["lulc"], like), nan=0).astype(int)
    bio = BIOPHYSICAL.set_index("lucode")

    def per(col: str) -> np.ndarray:
        lut = np.full(256, np.nan)
        lut[bio.index] = bio[col]
        return lut[lulc]

    p = read(paths["precip"], like)
    pet = per("Kc") * read(paths["eto"], like)
    awc = np.fmin(per("root_depth"), read(paths["soil"], like)) * read(paths["pawc"], like)
    omega = water_yield.budyko_omega(awc, p, SEASONALITY_Z)
    frac = water_yield.aet_fraction(pet, p, omega, per("LULC_veg"))
    yield_mm = water_yield.water_yield_m3(p, frac, 1000.0)  # 1000 m² → m³ = mm
    area_ha = CELL * CELL / 1e4
    c = carbon.carbon_stock_t(per("c_above"), per("c_below"), per("c_soil"), per("c_dead"), area_ha)
    return {"wyield_mm": yield_mm, "carbon_t": c}


def compare(size: int, shape: str, python: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = landscape(size, shape, seed=size, folder=folder)
        run_invest(python, paths, folder)
        wy_path = next((folder / "awy").rglob("wyield*.tif"))
        ours = ganpo_rasters(paths, wy_path)
        inv_y = read(wy_path)
        inv_c = read(next((folder / "carbon").rglob("c_storage_bas*.tif")))
        c_ours = ganpo_rasters(paths, paths["lulc"])["carbon_t"]
        ws = pd.read_csv(next((folder / "awy").rglob("watershed_results_wyield*.csv")))
        shed = gpd.read_file(paths["watersheds"])
        with rasterio.open(wy_path) as ref:
            inside = rasterio.features.rasterize(
                [(g, 1) for g in shed.geometry], out_shape=ref.shape, transform=ref.transform
            ).astype(bool) & np.isfinite(inv_y)
        cell_m2 = CELL * CELL
        # InVEST: volume = mean yield of the cells in the watershed × the polygon's area
        ganpo_vol = float(np.mean(ours["wyield_mm"][inside]) / 1000 * shed.area.sum())
        # ganpo's engine: sum over the cells whose centre is inside (cell area, not polygon)
        ganpo_cells = float(np.sum(ours["wyield_mm"][inside]) / 1000 * cell_m2)
        invest_vol = float(ws["wyield_vol"].sum())
        return {
            "landscape": f"{size}×{size} {shape}",
            "cells": int(inside.sum()),
            "invest_wyield_vol_m3": invest_vol,
            "ganpo_wyield_vol_m3": ganpo_vol,
            "wyield_total_diff_%": 100 * (ganpo_vol / invest_vol - 1),
            "ganpo_cell_sum_diff_%": 100 * (ganpo_cells / invest_vol - 1),
            "wyield_max_pixel_diff_mm": float(
                np.nanmax(np.abs(ours["wyield_mm"][inside] - inv_y[inside]))
            ),
            "invest_carbon_t": float(np.nansum(inv_c)),
            "ganpo_carbon_t": float(np.nansum(c_ours)),
            "carbon_total_diff_%": 100 * (np.nansum(c_ours) / np.nansum(inv_c) - 1),
            "carbon_max_pixel_diff_t": float(np.nanmax(np.abs(c_ours - inv_c))),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invest-python", type=Path, default=Path(".venv-invest/bin/python"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 250, 600])
    args = parser.parse_args()
    rows = [compare(n, s, args.invest_python) for n in args.sizes for s in ("square", "round")]
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.4g}"))
    worst = table[["wyield_total_diff_%", "carbon_total_diff_%"]].abs().max().max()
    print(f"largest total difference: {worst:.4f} % (target: within 1 %)")
    sys.exit(0 if worst <= 1.0 else 1)


if __name__ == "__main__":
    main()
