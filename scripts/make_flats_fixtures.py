"""Regenerate tests/engine/flats_invest/*.npz: pygeoprocessing's own pit filling and D8 /
MFD flow directions on small DEMs with large flats, which
tests/engine/test_flats_invest.py compares with ganpo's bitwise.

Run with InVEST's environment (scripts/invest-env.sh builds it; pygeoprocessing 2.4.11,
as natcap.invest 3.20.2 uses):

    .venv-invest/bin/python scripts/make_flats_fixtures.py

Each DEM is written as a float32 GeoTIFF, pit-filled by ``routing.fill_pits`` and routed
by ``routing.flow_dir_d8`` / ``flow_dir_mfd`` on the filled DEM, as InVEST's SDR does.
The DEMs are wider than 256 columns, so pygeoprocessing visits them in two blocks.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

NODATA = -9999.0
TARGET = Path(__file__).resolve().parent.parent / "tests" / "engine" / "flats_invest"


def dems() -> dict[str, np.ndarray]:
    """The fixture DEMs (float32, NODATA for nodata), each a few thousand cells."""
    out: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(19)
    # terraces: smooth hills quantised to whole metres (flats of every shape and size)
    yy, xx = np.mgrid[0:24, 0:300] / 24.0
    hills = 40 + 6 * np.sin(1.3 * xx + 0.4) * np.cos(2 * yy + 1) + 3 * yy
    out["terraces"] = np.floor(hills).astype(np.float32)
    # a lake-like flat (filled to its rim by pit filling) inside a round nodata border
    yy, xx = np.mgrid[0:30, 0:280]
    bowl = 20 + 0.05 * (xx - 140) ** 2 / 30 + 0.3 * (yy - 15) ** 2 / 10
    bowl = bowl + 0.2 * rng.standard_normal(bowl.shape)
    bowl[(np.abs(xx - 140) < 40) & (np.abs(yy - 15) < 8)] = 18.0  # the lake bed
    outside = ((xx - 140) / 139.0) ** 2 + ((yy - 14.5) / 15.0) ** 2 > 1.0
    bowl[outside] = NODATA
    bowl[12:15, 60:63] = NODATA  # a hole inside
    out["lake_nodata"] = bowl.astype(np.float32)
    # plateaus touching the edges: a tableland cut by a valley, the top row flat
    yy, xx = np.mgrid[0:20, 0:270]
    table = np.where(np.abs(xx - 135) < 100, 30.0, 20.0 + 0.01 * xx)
    table[8:12, :] = np.floor(10 + 0.02 * np.abs(xx[8:12, :] - 200))  # a valley floor
    table[0, :] = 31.0  # a flat along the top edge, drained by nothing but the edge
    out["edge_plateaus"] = table.astype(np.float32)
    # small integer heights: many irregular flats whose ties depend on the order
    out["ties"] = rng.integers(0, 3, size=(16, 262)).astype(np.float32)
    return out


def main() -> None:
    from osgeo import gdal
    from pygeoprocessing import routing

    gdal.UseExceptions()
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, dem in dems().items():
            rows, cols = dem.shape
            path = folder / f"{name}.tif"
            ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, 1, gdal.GDT_Float32)
            ds.SetGeoTransform((500_000.0, 30.0, 0.0, 3_200_000.0, 0.0, -30.0))
            band = ds.GetRasterBand(1)
            band.SetNoDataValue(NODATA)
            band.WriteArray(dem)
            ds = band = None
            filled, d8, mfd = (folder / f"{name}_{k}.tif" for k in ("filled", "d8", "mfd"))
            routing.fill_pits((str(path), 1), str(filled), working_dir=tmp)
            routing.flow_dir_d8((str(filled), 1), str(d8), working_dir=tmp)
            routing.flow_dir_mfd((str(filled), 1), str(mfd), working_dir=tmp)

            def read(p: Path) -> np.ndarray:
                ds = gdal.Open(str(p))  # kept while its band is read (GDAL 3.6 crashes else)
                return ds.GetRasterBand(1).ReadAsArray()

            np.savez_compressed(
                TARGET / f"{name}.npz",
                dem=dem,
                nodata=np.float64(NODATA),
                filled=read(filled).astype(np.float32),
                d8=read(d8).astype(np.uint8),
                mfd=read(mfd).astype(np.int64).astype(np.uint32),
            )
            print(name, dem.shape, "flat cells:", _flat_cells(read(filled)))


def _flat_cells(z: np.ndarray) -> int:
    """Cells without a lower neighbour (valid ones), for the log."""
    pad = np.pad(z.astype(np.float64), 1, constant_values=np.inf)
    lower = np.zeros(z.shape, dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                n = pad[1 + dr : 1 + dr + z.shape[0], 1 + dc : 1 + dc + z.shape[1]]
                lower |= (n < z) & (n != NODATA)
    return int(((z != NODATA) & ~lower).sum())


if __name__ == "__main__":
    main()
