"""The account routes the D8 LS factor and SDR by tiles (decision 0065), and the MFD pair
when asked (decision 0108): forced onto tiles of 8 × 8 cells over a 30 × 40 DEM, an
account with D8 (or MFD) soil retention and sediment export equals the same account
routed globally (D8 LS bitwise, MFD LS and both SDRs within float32 rounding, the stored
values within that rounding); where the ecosystem map leaves DEM cells without a cover
factor the pair is routed globally, and the log says why.

The tiny dataset (tests/tinydata.py) on a 30 × 40 grid of hills on a tilt: flow
converges, streams exist (threshold lowered to 20 cells), paths cross several tiles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from ganpo.catalog.parameters import ParameterSet, load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.engine import derived, routing, tiled_sdr
from ganpo.engine.account import run_account
from ganpo.engine.result import AccountResult
from ganpo.errors import InputError
from ganpo.io.manifest import load_manifest, write_manifest
from ganpo.store.repository import load_account, open_store, save_account
from tinydata import ALBERS, RES, X0, Y0, tiny_factory, write_raster

ROWS, COLS, TILE = 30, 40, 8
RNG = np.random.default_rng(65)
_YY, _XX = np.mgrid[0:ROWS, 0:COLS] / COLS
DEM = (100 + 60 * np.sin(3 * _XX + 1) * np.cos(2 * _YY + 2) + 30 * _YY).astype("float32")
DEM += (0.5 * RNG.standard_normal((ROWS, COLS))).astype("float32")  # pits to fill
DEM[5:12, 20:30] = 120.0  # a flat terrace across a tile edge
ECO = RNG.choice([1, 2, 3, 5, 6, 7], size=(ROWS, COLS)).astype("uint8")  # tinydata's codes
SDR_RTOL = 3e-7  # two float32 steps (tiled_sdr's docstring)
#: per flow algorithm, the setting that routes its pair by tiles from a number of cells
SETTING = {"d8": derived.TILE_CELLS_ENV, "mfd": derived.MFD_TILE_CELLS_ENV}
KEYS = ["indicator", "component", "ecosystem_code", "unit_code"]


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    return tiny_factory(tmp_path)


def _counties_over_the_grid(manifest: Path) -> Path:
    """The two tiny counties widened to cover the 30 × 40 grid (A: columns 0–19, B: 20–39)."""
    units = gpd.read_file(manifest.parent / "units.gpkg", layer="counties")
    half = COLS // 2 * RES
    units.geometry = [
        box(X0, Y0 - ROWS * RES, X0 + half, Y0),
        box(X0 + half, Y0 - ROWS * RES, X0 + COLS * RES, Y0),
    ]
    units = units.set_crs(ALBERS, allow_override=True)
    units.to_file(manifest.parent / "units.gpkg", layer="counties", driver="GPKG")
    ds = load_manifest(manifest, verify=False)
    return write_manifest(ds.manifest, ds.root)  # the units' new checksum


@pytest.fixture
def hills(tiny: Callable[..., Path]) -> Path:
    return _counties_over_the_grid(tiny(eco=ECO, layers={"dem": DEM}))


def _params() -> ParameterSet:
    p = load_parameter_set("jiangxi-default")
    t = p.values["sdr_threshold_flow_accumulation"].model_copy(update={"value": 20.0})
    return p.model_copy(update={"values": {**p.values, "sdr_threshold_flow_accumulation": t}})


def _profile(algorithm: str = "d8") -> Any:
    prof = load_profile("jiangxi-db36-2021")
    return prof.model_copy(
        update={
            "indicators": {**prof.indicators, "soil_retention": f"rusle_{algorithm}"},
            "physical": {"sediment_export": f"sdr_{algorithm}"},
        }
    )


def _account(path: Path, derived_dir: Path, algorithm: str = "d8") -> AccountResult:
    return run_account(
        path,
        2022,
        _profile(algorithm),
        _params(),
        price_policy="as_given",
        derived_dir=derived_dir,
        chunk=16,
    )


def _spy(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: list[str]) -> None:
    original = getattr(module, name)

    def spy(*args: object, **kw: object) -> object:
        calls.append(name)
        return original(*args, **kw)

    monkeypatch.setattr(module, name, spy)


def _read(folder: Path, role: str) -> np.ndarray:
    (path,) = folder.glob(f"{role}_*.tif")
    with rasterio.open(path) as src:
        return src.read(1)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(KEYS).reset_index(drop=True)


@pytest.mark.parametrize("algorithm", ["d8", "mfd"])
def test_account_by_tiles_equals_the_global_account(
    hills: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    algorithm: str,
) -> None:
    calls: list[str] = []
    _spy(monkeypatch, tiled_sdr, "ls_and_sdr_tiled", calls)
    _spy(monkeypatch, routing, "ls_and_sdr_rasters", calls)
    _spy(monkeypatch, derived, "cells_without_cover", calls)
    monkeypatch.setenv(derived.TILE_CELLS_ENV, "off")
    monkeypatch.delenv(derived.MFD_TILE_CELLS_ENV, raising=False)  # MFD: whole by default
    if algorithm == "d8":
        whole = _account(hills, tmp_path / "whole", algorithm)
    else:  # the D8 setting does not route MFD by tiles
        monkeypatch.setenv(derived.TILE_CELLS_ENV, "0")
        with caplog.at_level(logging.INFO, logger=derived.__name__):
            whole = _account(hills, tmp_path / "whole", algorithm)
        assert f"set {derived.MFD_TILE_CELLS_ENV} to route them by tiles" in caplog.text
        monkeypatch.setenv(derived.TILE_CELLS_ENV, "off")
        caplog.clear()
    assert calls == ["ls_and_sdr_rasters"]
    calls.clear()
    monkeypatch.setenv(SETTING[algorithm], "0")
    monkeypatch.setenv(derived.TILE_ENV, str(TILE))
    with caplog.at_level(logging.INFO, logger=derived.__name__):
        tiled = _account(hills, tmp_path / "tiled", algorithm)
    # the tiled path was taken, and it alone, after the cover check
    assert calls == ["cells_without_cover", "ls_and_sdr_tiled"]
    assert f"({algorithm}) of dem.tif by tiles of {TILE} × {TILE} cells" in caplog.text
    assert any(f"by tiles of {TILE} × {TILE} cells" in line for line in tiled.log)
    assert any("flow routing by tiles" in n for n in tiled.notes)
    # the rasters: D8 LS bitwise, MFD LS and the SDRs within float32 rounding; the cache
    # names of those differ
    ls_whole, ls_tiled = (_read(tmp_path / f, f"ls_factor_{algorithm}") for f in ("whole", "tiled"))
    if algorithm == "d8":
        np.testing.assert_array_equal(ls_tiled.view(np.uint32), ls_whole.view(np.uint32))
    else:
        np.testing.assert_allclose(ls_tiled, ls_whole, rtol=SDR_RTOL, atol=0)
    sdr_whole, sdr_tiled = (_read(tmp_path / f, f"sdr_{algorithm}") for f in ("whole", "tiled"))
    np.testing.assert_allclose(sdr_tiled, sdr_whole, rtol=SDR_RTOL, atol=0)
    assert (sdr_whole > 0).any() and (sdr_whole == 0).any()  # streams and delivery
    names = {
        f: [p.name for p in (tmp_path / f).glob(f"*_{algorithm}_*.tif")] for f in ("whole", "tiled")
    }
    assert len(names["tiled"]) == 2
    shared = set(names["whole"]) & set(names["tiled"])
    assert len(shared) == (1 if algorithm == "d8" else 0)  # the D8 LS factor's
    # nothing left behind: no scratch folder, no temporary raster
    assert not list((tmp_path / "tiled").glob(".*"))
    # the account's values, and the stored ones
    a, b = _sorted(whole.results), _sorted(tiled.results)
    assert len(a) == len(b) and "soil_retention" in set(a["indicator"])
    np.testing.assert_allclose(b["value_cny"], a["value_cny"], rtol=SDR_RTOL)
    np.testing.assert_allclose(b["quantity"], a["quantity"], rtol=SDR_RTOL)
    pa, pb = _sorted(whole.physical), _sorted(tiled.physical)
    assert set(pa["method"]) == {f"sdr_{algorithm}"} and pa["quantity"].sum() > 0
    np.testing.assert_allclose(pb["quantity"], pa["quantity"], rtol=SDR_RTOL)
    engine = open_store(f"sqlite:///{tmp_path / 'ganpo.sqlite'}")
    stored = [load_account(engine, save_account(engine, acc)) for acc in (whole, tiled)]
    sa, sb = (_sorted(s.results) for s in stored)
    np.testing.assert_allclose(sb["value_cny"], sa["value_cny"], rtol=SDR_RTOL)
    sp = [_sorted(s.physical) for s in stored]
    np.testing.assert_allclose(sp[1]["quantity"], sp[0]["quantity"], rtol=SDR_RTOL)
    # a second tiled account reuses both cached layers (no cover check: the SDR made by
    # tiles is cached)
    calls.clear()
    again = _account(hills, tmp_path / "tiled", algorithm)
    assert calls == [] and any(f"sdr_{algorithm} reused" in line for line in again.log)


def _write(path: Path, data: np.ndarray, nodata: float) -> Path:
    transform = from_origin(500_000, 3_000_000, 30, 30)
    write_raster(path, data, nodata=nodata, crs="EPSG:32650", transform=transform)
    return path


def test_cells_without_cover_route_the_whole_dem_and_say_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Ecosystem nodata (255, no C) on DEM cells: the tiled SDR cannot route LS and SDR
    on two masks, so the pair is routed globally (routing.ls_and_sdr_rasters), logged."""
    codes = ECO.copy()
    codes[14:20, 3:9] = 255
    dem, eco = _write(tmp_path / "dem.tif", DEM, -9999.0), _write(tmp_path / "eco.tif", codes, 255)
    params = _params()
    sources = {"dem": dem, "ecosystem_type": eco}
    sha = {"dem": "a" * 64, "ecosystem_type": "b" * 64}
    roles = ["ls_factor_d8", "sdr_d8"]
    calls: list[str] = []
    _spy(monkeypatch, tiled_sdr, "ls_and_sdr_tiled", calls)
    _spy(monkeypatch, routing, "ls_and_sdr_rasters", calls)
    _spy(monkeypatch, derived, "cells_without_cover", calls)
    monkeypatch.setenv(derived.TILE_CELLS_ENV, "0")
    monkeypatch.setenv(derived.TILE_ENV, str(TILE))
    with caplog.at_level(logging.INFO, logger=derived.__name__):
        built = derived.ensure_derived_all(roles, sources, sha, params, tmp_path / "cache")
    assert calls == ["cells_without_cover", "ls_and_sdr_rasters"]
    assert "route the whole DEM, not by tiles" in caplog.text
    assert "leaves 36 DEM cells without a cover factor" in caplog.text
    for role, (path, fresh) in built.items():  # the global rasters' cache names
        assert fresh and path == derived.derived_path(role, sha, params, tmp_path / "cache")


def test_tiles_cover_a_cached_ls_and_mfd_stays_global(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With the LS factor cached (bitwise the same by tiles or not), a missing tiled SDR
    is built by one tiled run whose LS goes to scratch; the cached LS is left as it is.
    MFD layers of a DEM at the threshold route the whole DEM, and the log says so."""
    dem, eco = _write(tmp_path / "dem.tif", DEM, -9999.0), _write(tmp_path / "eco.tif", ECO, 255)
    params, folder = _params(), tmp_path / "cache"
    sources = {"dem": dem, "ecosystem_type": eco}
    sha = {"dem": "a" * 64, "ecosystem_type": "b" * 64}
    monkeypatch.setenv(derived.TILE_CELLS_ENV, "off")
    (ls_path, _), _ = derived.ensure_derived_all(
        ["ls_factor_d8", "sdr_d8"], sources, sha, params, folder
    ).values()
    before = ls_path.stat().st_mtime_ns
    calls: list[str] = []
    _spy(monkeypatch, tiled_sdr, "ls_and_sdr_tiled", calls)
    _spy(monkeypatch, routing, "ls_and_sdr_rasters", calls)
    monkeypatch.setenv(derived.TILE_CELLS_ENV, str(DEM.size))  # the threshold reached
    monkeypatch.setenv(derived.TILE_ENV, str(TILE))
    roles = ["ls_factor_d8", "sdr_d8", "ls_factor_mfd", "sdr_mfd"]
    with caplog.at_level(logging.INFO, logger=derived.__name__):
        built = derived.ensure_derived_all(roles, sources, sha, params, folder)
    assert calls == ["ls_and_sdr_tiled", "ls_and_sdr_rasters"]  # D8 by tiles, MFD whole
    assert built["ls_factor_d8"] == (ls_path, False) and ls_path.stat().st_mtime_ns == before
    sdr_path, fresh = built["sdr_d8"]
    assert fresh and sdr_path == derived.derived_path("sdr_d8", sha, params, folder, TILE)
    assert sdr_path != derived.derived_path("sdr_d8", sha, params, folder)
    assert f"set {derived.MFD_TILE_CELLS_ENV} to route them by tiles" in caplog.text
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [ls_path.name, sdr_path.name, derived.derived_path("sdr_d8", sha, params, folder).name]
        + [built[r][0].name for r in ("ls_factor_mfd", "sdr_mfd")]
    )  # no scratch left


def test_below_the_threshold_nothing_is_tiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dem, eco = _write(tmp_path / "dem.tif", DEM, -9999.0), _write(tmp_path / "eco.tif", ECO, 255)
    sources = {"dem": dem, "ecosystem_type": eco}
    params = _params()
    monkeypatch.delenv(derived.TILE_CELLS_ENV, raising=False)
    assert derived.tiled_roles(["ls_factor_d8", "sdr_d8"], sources, params) == {}
    roles = ["ls_factor_d8", "sdr_d8"]
    assert derived.tiled_roles(roles, sources, params, tile_cells=DEM.size + 1) == {}
    assert derived.tiled_roles(roles, sources, params, tile_cells=DEM.size, tile=5) == {
        "ls_factor_d8": 5,
        "sdr_d8": 5,
    }
    assert derived.tiled_roles(["ls_factor_d8"], sources, params, tile_cells=0) == {}
    # MFD: never by default, from its own setting's cells otherwise, apart from D8's
    mfd = ["ls_factor_mfd", "sdr_mfd"]
    monkeypatch.delenv(derived.MFD_TILE_CELLS_ENV, raising=False)
    assert derived.tile_threshold(algorithm="mfd") is None
    assert derived.tiled_roles(mfd, sources, params, tile_cells=0) == {}
    assert derived.tiled_roles(mfd, sources, params, mfd_tile_cells=DEM.size + 1) == {}
    assert derived.tiled_roles(roles + mfd, sources, params, mfd_tile_cells=DEM.size, tile=6) == {
        "ls_factor_mfd": 6,
        "sdr_mfd": 6,
    }
    monkeypatch.setenv(derived.MFD_TILE_CELLS_ENV, str(DEM.size))
    assert derived.tile_threshold(algorithm="mfd") == DEM.size
    assert derived.tiled_roles(["sdr_mfd"], sources, params, tile=7) == {"sdr_mfd": 7}
    monkeypatch.delenv(derived.TILE_ENV, raising=False)
    assert derived.tile_side() == derived.DEFAULT_TILE


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (derived.TILE_CELLS_ENV, "lots"),
        (derived.TILE_CELLS_ENV, "-1"),
        (derived.TILE_ENV, "0"),
        (derived.TILE_ENV, "off"),
        (derived.MFD_TILE_CELLS_ENV, "1e8"),
        (derived.MFD_TILE_CELLS_ENV, "-5"),
    ],
)
def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=name):
        if name == derived.TILE_CELLS_ENV:
            derived.tile_threshold()
        elif name == derived.MFD_TILE_CELLS_ENV:
            derived.tile_threshold(algorithm="mfd")
        else:
            derived.tile_side()
