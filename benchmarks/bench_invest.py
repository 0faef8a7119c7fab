"""`make bench-invest`: ganpo's engine against InVEST on the same annual water yield inputs.

Both run in this session on one synthetic landscape per size: InVEST 3.20's annual water
yield model (its `execute`, timed inside its own interpreter) and ganpo's account with the
Budyko water-yield method (`run_account`, reading the same GeoTIFFs block by block, zonal
sums, no value rasters). Medians of several runs; the ratio is InVEST time / ganpo time.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from _synthetic import write_layers
from shapely.geometry import box

from ganpo.catalog.parameters import ParameterValue, load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.engine.account import run_account
from ganpo.io.manifest import LayerEntry, Manifest, UnitsEntry, write_manifest
from ganpo.io.regions import CHINA_ALBERS

CELL = 100.0
X0, Y0 = 1_000_000.0, 3_300_000.0
BIO = {
    1: (1.0, 5000, 1),
    2: (0.9, 3000, 1),
    3: (0.85, 2000, 1),
    5: (0.7, 1500, 1),
    6: (0.3, 500, 0),
    7: (1.0, 100, 0),
}
KEYS = {1: "forest", 2: "shrub", 3: "grassland", 5: "cropland", 6: "built_up", 7: "water"}
RUNNER = textwrap.dedent(
    """
    import json, sys, time, logging
    logging.disable(logging.WARNING)
    from natcap.invest import annual_water_yield
    args, repeat = json.loads(sys.argv[1]), int(sys.argv[2])
    times = []
    for i in range(repeat):
        args["workspace_dir"] = args["workspace_dir"].rstrip("/0123456789") + str(i)
        t0 = time.perf_counter(); annual_water_yield.execute(args)
        times.append(time.perf_counter() - t0)
    print(json.dumps(times))
    """
)


def make_inputs(size: int, folder: Path) -> None:
    rng = np.random.default_rng(size)
    yy, xx = np.mgrid[0:size, 0:size] / size
    smooth = np.sin(6 * xx + 1.0) + np.cos(5 * yy + 2.0) + 0.2 * rng.standard_normal((size, size))
    codes = np.array(list(BIO), dtype="uint8")
    lulc = codes[np.digitize(smooth, np.quantile(smooth, [0.45, 0.55, 0.62, 0.85, 0.95]))]
    layers = {
        "ecosystem_type": lulc,
        "precipitation": (1400 + 500 * yy).astype("float32"),
        "reference_et": (900 + 300 * xx).astype("float32"),
        "soil_depth": (300 + 1700 * (1 - yy)).astype("float32"),
        "pawc": (0.08 + 0.14 * xx).astype("float32"),
    }
    write_layers(
        folder,
        layers,
        crs=CHINA_ALBERS,
        origin=(X0, Y0),
        cell=CELL,
        categorical="ecosystem_type",
        categorical_nodata=255,
    )
    shed = box(X0, Y0 - size * CELL, X0 + size * CELL, Y0)
    gpd.GeoDataFrame({"ws_id": [1]}, geometry=[shed], crs=CHINA_ALBERS).to_file(folder / "ws.shp")
    units = gpd.GeoDataFrame(
        {
            "county_adcode": [1],
            "county_name": ["ws"],
            "city_adcode": [1],
            "city_name": ["c"],
            "province_adcode": [1],
            "province_name": ["p"],
        },
        geometry=[shed],
        crs=CHINA_ALBERS,
    )
    units.to_file(folder / "units.gpkg", layer="counties", driver="GPKG")
    units_of = {
        "ecosystem_type": "code",
        "precipitation": "mm",
        "reference_et": "mm",
        "soil_depth": "mm",
        "pawc": "1",
    }
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
                    role=r, path=f"{r}.tif", unit=u, year=2020, source="bench", synthetic=True
                )
                for r, u in units_of.items()
            ],
            tables=[],
        ),
        folder,
    )


def ganpo_setup():  # type: ignore[no-untyped-def]
    p = load_parameter_set("jiangxi-default")
    values = dict(p.values)

    def v(unit: str, table: dict[int, float]) -> ParameterValue:
        return ParameterValue(
            by_type={KEYS[k]: x for k, x in table.items()},
            unit=unit,
            year=2020,
            region="b",
            source="b",
            status="unverified",
        )

    values["crop_coefficient"] = v("1", {k: b[0] for k, b in BIO.items()})
    values["root_depth"] = v("mm", {k: float(b[1]) for k, b in BIO.items()})
    values["seasonality_z"] = values["reservoir_flood_share"].model_copy(update={"value": 5.0})
    veg = [KEYS[k] for k, b in BIO.items() if b[2]]
    params = p.model_copy(
        update={"values": values, "type_sets": {**p.type_sets, "water_yield_vegetation": veg}}
    )
    profile = load_profile("jiangxi-db36-2021").model_copy(
        update={
            "indicators": {"water_conservation": "budyko_water_yield"},
            "price_policy": "as_given",
        }
    )
    return profile, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invest-python", type=Path, default=Path(".venv-invest/bin/python"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("ganpo").setLevel(logging.ERROR)
    profile, params = ganpo_setup()
    print(f"{'cells':>12} {'InVEST s':>9} {'ganpo s':>8} {'ratio':>6}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_inputs(size, folder)
            table = folder / "bio.csv"
            table.write_text(
                "lucode,Kc,root_depth,LULC_veg\n"
                + "".join(f"{k},{b[0]},{b[1]},{b[2]}\n" for k, b in BIO.items()),
                encoding="utf-8",
            )
            invest_args = {
                "workspace_dir": str(folder / "ws0"),
                "lulc_path": str(folder / "ecosystem_type.tif"),
                "depth_to_root_rest_layer_path": str(folder / "soil_depth.tif"),
                "precipitation_path": str(folder / "precipitation.tif"),
                "pawc_path": str(folder / "pawc.tif"),
                "eto_path": str(folder / "reference_et.tif"),
                "watersheds_path": str(folder / "ws.shp"),
                "biophysical_table_path": str(table),
                "seasonality_constant": 5.0,
                "n_workers": -1,
            }
            out = subprocess.run(
                [str(args.invest_python), "-c", RUNNER, json.dumps(invest_args), str(args.repeat)],
                check=True,
                capture_output=True,
                text=True,
            )
            t_invest = statistics.median(json.loads(out.stdout.strip().splitlines()[-1]))
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                run_account(folder, 2020, profile, params)
                times.append(time.perf_counter() - t0)
            t_ganpo = statistics.median(times)
            print(f"{size * size:>12,} {t_invest:>9.2f} {t_ganpo:>8.2f} {t_invest / t_ganpo:>6.1f}")


if __name__ == "__main__":
    main()
