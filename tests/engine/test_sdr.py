"""InVEST SDR's sediment delivery ratio (streams, D_up, D_dn, IC, SDR) and sediment export,
against tiny cases worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import dask.array as da
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.parameters import ParameterValue, load_parameter_set
from ganpo.engine import routing
from ganpo.engine.derived import derived_layer, derived_path, ensure_derived
from ganpo.errors import InputError, UnknownNameError
from ganpo.services import rusle
from ganpo.services.base import RasterInputs
from ganpo.services.methods import METHODS, PHYSICAL_METHODS, physical_method

# a plane falling 1 m per 10 m cell to the east: slope 10 % everywhere (Horn's method is
# exact on a plane, also with its one-sided edge differences), D8 flow due east, the last
# column drains over the edge; flow accumulation = column + 1 in every row
PLANE = np.array([[10.0, 9.0, 8.0, 7.0]] * 3)
# USLE C per column (W = max(C, 0.001))
COVER = np.array([[0.5, 0.2, 0.1, 0.05]] * 3)


def test_d8_streams_distance_and_connectivity_by_hand() -> None:
    got = routing.sdr_layers(PLANE, COVER, 10.0, "d8", threshold=3.0)
    # D8 streams: acc > 3 → the last column only
    np.testing.assert_array_equal(got["stream"], [[0, 0, 0, 1]] * 3)
    # S = 0.10 everywhere; W·S per column 0.05, 0.02, 0.01 → weights 1/(W·S) = 20, 50, 100
    # D_dn (D8: own weight + downstream distance): 20 + 50 + 100, 50 + 100, 100, 0 (stream)
    # (W and S are held in float32, as InVEST stores them: agreement to float32 rounding)
    np.testing.assert_allclose(got["d_dn"], [[170.0, 150.0, 100.0, 0.0]] * 3, rtol=1e-6)
    # D_up = W̄ S̄ √(A cell²): col 0: 0.5·0.1·√100 = 0.5; col 1: 0.35·0.1·√200 = 0.494975;
    # col 2: (0.8/3)·0.1·√300 = 0.461880; col 3: (0.85/4)·0.1·√400 = 0.425
    d_up = [0.5, 0.035 * math.sqrt(200.0), 0.8 / 30.0 * math.sqrt(300.0), 0.425]
    np.testing.assert_allclose(got["d_up"], [d_up] * 3, rtol=1e-6)
    # IC = log10(D_up/D_dn): log10(0.5/170) = −2.531479, log10(0.494975/150) = −2.481508,
    # log10(0.461880/100) = −2.335471; undefined on the stream (D_dn = 0)
    ic = got["ic"][0]
    assert ic[:3] == pytest.approx([-2.531479, -2.481508, -2.335471], abs=1e-6)
    assert np.isnan(ic[3])
    # SDR = 0.8 / (1 + exp((0.5 − IC)/2)): col 0: 0.8 / (1 + e^1.5157395) = 0.144072
    sdr = rusle.sediment_delivery_ratio(ic[:3], 2.0, 0.5, 0.8)
    assert float(sdr[0]) == pytest.approx(0.144072, abs=1e-6)


def test_d8_distance_is_undefined_where_no_stream_is_reached() -> None:
    d8 = np.array([[0, 0, 0, 0]], dtype=np.uint8)  # all east, the last one off the raster
    stream = np.array([[0, 1, 0, 0]], dtype=np.uint8)
    w = np.array([[2.0, 3.0, 5.0, 7.0]])
    d = routing.distance_to_stream(d8, stream, w)
    # (0,0) reaches the stream in one step: its own weight 2; (0,2), (0,3) drain off the edge
    assert d[0, 0] == 2.0 and d[0, 1] == 0.0
    assert np.isnan(d[0, 2]) and np.isnan(d[0, 3])


def _mfd(**shares: int) -> np.uint32:
    k = {"E": 0, "NE": 1, "N": 2, "NW": 3, "W": 4, "SW": 5, "S": 6, "SE": 7}
    return np.uint32(sum(v << (4 * k[n]) for n, v in shares.items()))


def test_mfd_distance_is_the_flow_weighted_mean_by_hand() -> None:
    # (0,0) sends 10/15 east and 5/15 south-east; (0,1) and (1,0) all to (1,1), the stream
    packed = np.array([[_mfd(E=10, SE=5), _mfd(S=15)], [_mfd(E=15), _mfd(E=15)]])
    stream = np.array([[0, 0], [0, 1]], dtype=np.uint8)
    w = np.array([[1.0, 4.0], [2.0, 8.0]])
    d = routing.distance_to_stream(packed, stream, w)
    # pygeoprocessing adds the *neighbour's* weight: d(0,1) = d(1,0) = w(1,1) + 0 = 8;
    # d(0,0) = (10·(w(0,1) + d(0,1)) + 5·(w(1,1) + 0)) / 15 = (10·12 + 5·8) / 15 = 10.667
    np.testing.assert_allclose(d, [[160.0 / 15.0, 8.0], [8.0, 0.0]], rtol=1e-12)


def test_mfd_streams_start_at_outlets_and_trace_candidates() -> None:
    east = np.full((1, 4), _mfd(E=15), dtype=np.uint32)  # a chain leaving the raster east
    # acc 4 at the outlet (≥ 4: stream); 3 ≥ 0.7·4 is a candidate, kept because a cell
    # upstream of it reaches 4.5; the first cell (1) is below both
    acc = np.array([[1.0, 4.5, 3.0, 4.0]])
    np.testing.assert_array_equal(routing.extract_streams(acc, east, 4.0), [[0, 1, 1, 1]])
    # without the ≥ 4 cell upstream the candidate is dropped again
    acc = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(routing.extract_streams(acc, east, 4.0), [[0, 0, 0, 1]])
    # a cell over the threshold that no outlet reaches is not a stream (MFD only)
    # (here: flow gathers in (0,2), a cell without outflow, and never leaves the raster)
    inner = np.array([[_mfd(E=15), _mfd(E=15), 0, _mfd(W=15)]], dtype=np.uint32)
    acc = np.array([[1.0, 9.0, 9.0, 1.0]])
    np.testing.assert_array_equal(routing.extract_streams(acc, inner, 4.0), [[0, 0, 0, 0]])
    # D8 is a plain strict threshold
    d8 = np.zeros((1, 4), dtype=np.uint8)
    np.testing.assert_array_equal(routing.extract_streams(acc, d8, 1.0), [[0, 1, 1, 0]])


def _write(path: Path, data: np.ndarray, dtype: str, nodata: float) -> Path:
    profile = {
        "driver": "GTiff",
        "height": data.shape[0],
        "width": data.shape[1],
        "count": 1,
        "dtype": dtype,
        "crs": "EPSG:32650",
        "transform": from_origin(500_000.0, 3_200_000.0, 10.0, 10.0),
        "nodata": nodata,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data.astype(dtype), 1)
    return path


def test_sdr_raster_is_zero_on_streams_and_the_formula_elsewhere(tmp_path: Path) -> None:
    dem = _write(tmp_path / "dem.tif", PLANE, "float32", -9999.0)
    codes = np.array([[1, 2, 3, 5]] * 3)
    eco = _write(tmp_path / "eco.tif", codes, "uint8", 255)
    cover = {1: 0.5, 2: 0.2, 3: 0.1, 5: 0.05}
    out = routing.sdr_raster(dem, eco, cover, tmp_path / "sdr.tif", "d8", 3.0, 2.0, 0.5, 0.8)
    with rasterio.open(out) as src:
        sdr = src.read(1).astype("float64")
    ic = np.log10(np.array([0.5 / 170.0, 0.035 * math.sqrt(200.0) / 150.0]))
    expected = 0.8 / (1.0 + np.exp((0.5 - ic) / 2.0))
    np.testing.assert_allclose(sdr[:, :2], [expected] * 3, rtol=1e-6)
    np.testing.assert_array_equal(sdr[:, 3], 0.0)  # stream cells export nothing (InVEST)
    assert not list(tmp_path.glob(".*.tmp*"))


def test_sdr_derived_layer_depends_on_cover_and_sdr_parameters(tmp_path: Path) -> None:
    p = load_parameter_set("jiangxi-default")
    recipe = derived_layer("sdr_mfd")
    assert recipe.sources == ("dem", "ecosystem_type")
    sha = {"dem": "a" * 64, "ecosystem_type": "b" * 64}
    base = derived_path("sdr_mfd", sha, p, tmp_path)
    c = p.values["usle_c"]
    assert c.by_type is not None
    changed_c = c.model_copy(update={"by_type": {**c.by_type, "forest": 0.01}})
    k = ParameterValue(value=1.5, unit="1", year=2024, region="t", source="t", status="unverified")
    for update in ({"usle_c": changed_c}, {"sdr_k": k}):
        q = p.model_copy(update={"values": {**p.values, **update}})
        assert derived_path("sdr_mfd", sha, q, tmp_path) != base
    assert derived_path("sdr_d8", sha, p, tmp_path) != base
    with pytest.raises(InputError, match="ecosystem_type were not given"):
        ensure_derived("sdr_mfd", {"dem": tmp_path / "dem.tif"}, sha, p, tmp_path)


SHAPE = (6, 8)
RNG = np.random.default_rng(3)


def test_sediment_export_method_numpy_and_dask_agree() -> None:
    m = physical_method("sediment_export", "sdr_mfd")
    assert m.raster is not None and "sediment_export" not in METHODS  # never valued
    eco = RNG.choice(
        [by_key("forest").code, by_key("cropland").code, by_key("grassland").code, 255], SHAPE
    ).astype("uint8")
    layers = {
        "rainfall_erosivity": RNG.uniform(2000, 6000, SHAPE),
        "soil_erodibility": RNG.uniform(0.01, 0.05, SHAPE),
        "ls_factor_mfd": RNG.uniform(0.1, 30, SHAPE),
        "sdr_mfd": RNG.uniform(0.0, 0.8, SHAPE),
    }
    p = load_parameter_set("jiangxi-default")
    eager = m.raster(RasterInputs(layers, eco, 900.0), p)[""]
    lazy_layers = {k: da.from_array(v, chunks=(3, 4)) for k, v in layers.items()}
    lazy = m.raster(RasterInputs(lazy_layers, da.from_array(eco, chunks=(3, 4)), 900.0), p)[""]
    assert isinstance(lazy.quantity, da.Array)
    np.testing.assert_allclose(np.asarray(lazy.quantity.compute()), eager.quantity, rtol=1e-12)
    assert eager.unit_value == 0.0  # a physical quantity beside soil retention
    assert np.isnan(eager.quantity[eco == 255]).all()
    # by hand on one forest cell: R·K·LS·C·P·ha × SDR
    c, pr = p.per_type("usle_c", "1"), p.per_type("usle_p", "1")
    i = np.argwhere(eco == by_key("forest").code)[0]
    f = by_key("forest").code
    hand = (
        layers["rainfall_erosivity"][tuple(i)]
        * layers["soil_erodibility"][tuple(i)]
        * layers["ls_factor_mfd"][tuple(i)]
        * c[f]
        * pr[f]
        * 0.09
        * layers["sdr_mfd"][tuple(i)]
    )
    assert eager.quantity[tuple(i)] == pytest.approx(hand, rel=1e-12)


def test_unknown_physical_method_lists_names() -> None:
    assert set(PHYSICAL_METHODS["sediment_export"]) == {"sdr_mfd", "sdr_d8"}
    with pytest.raises(UnknownNameError, match="sdr_mfd"):
        physical_method("sediment_export", "sdr")
