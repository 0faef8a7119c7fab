"""Every raster method gives the same cells from numpy arrays and from dask arrays."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest

from ganpo.catalog.parameters import ParameterValue, load_parameter_set
from ganpo.services.base import RasterInputs
from ganpo.services.methods import METHODS

RNG = np.random.default_rng(3)
SHAPE = (7, 9)
ECO = RNG.choice(np.array([1, 2, 3, 4, 5, 6, 7, 8, 255], dtype="uint8"), SHAPE)
LAYERS = {
    "precipitation": RNG.uniform(1300, 1900, SHAPE),
    "evapotranspiration": RNG.uniform(300, 1100, SHAPE),
    "npp": RNG.uniform(0, 1500, SHAPE),
    "hot_days": RNG.uniform(0, 100, SHAPE),
    "evapotranspiration_hot_days": RNG.uniform(0, 600, SHAPE),
    "heterotrophic_respiration": RNG.uniform(200, 500, SHAPE),
    "reference_et": RNG.uniform(800, 1200, SHAPE),
    "soil_depth": RNG.uniform(300, 2000, SHAPE),
    "pawc": RNG.uniform(0.05, 0.25, SHAPE),
    "rainfall_erosivity": RNG.uniform(5000, 15000, SHAPE),
    "soil_erodibility": RNG.uniform(0.02, 0.045, SHAPE),
    "ls_factor_mfd": RNG.uniform(0.1, 30, SHAPE),
    "ls_factor_d8": RNG.uniform(0.1, 30, SHAPE),
    "vegetation_cover": RNG.uniform(0, 1, SHAPE),
    "storm_precipitation": RNG.uniform(200, 500, SHAPE),
    "wind_factor": RNG.uniform(2, 60, SHAPE),
    "erodible_fraction": RNG.uniform(0.15, 0.35, SHAPE),
    "soil_crust_factor": RNG.uniform(0.5, 0.8, SHAPE),
    "surface_roughness": RNG.uniform(0.3, 0.6, SHAPE),
}
LAYERS["npp"][0, 0] = np.nan  # nodata stays nodata


def _params():  # type: ignore[no-untyped-def]
    p = load_parameter_set("jiangxi-default")
    extra = {
        "nep_to_npp_ratio": {"value": 0.5, "unit": "1"},
        "crop_coefficient": {
            "by_type": {"forest": 1.0, "cropland": 0.7, "water": 1.0},
            "unit": "1",
        },
        "root_depth": {"by_type": {"forest": 3000.0, "cropland": 1000.0}, "unit": "mm"},
        "seasonality_z": {"value": 5.0, "unit": "1"},
    }
    values = dict(p.values)
    for key, spec in extra.items():
        values[key] = ParameterValue(year=2020, region="t", source="t", status="unverified", **spec)  # type: ignore[arg-type]
    sets = {**p.type_sets, "water_yield_vegetation": ["forest", "cropland"]}
    return p.model_copy(update={"values": values, "type_sets": sets})


CASES = [(m.indicator, m.key) for ms in METHODS.values() for m in ms.values() if m.raster]


@pytest.mark.parametrize(("indicator", "key"), CASES)
def test_numpy_and_dask_agree(indicator: str, key: str) -> None:
    method = METHODS[indicator][key]
    assert method.raster is not None
    params = _params()
    assert set(method.layers) - {"dem"} | set(method.derived) <= set(LAYERS)
    eager = method.raster(RasterInputs(LAYERS, ECO, 62_500.0), params)
    lazy_layers = {k: da.from_array(v, chunks=(3, 4)) for k, v in LAYERS.items()}
    lazy = method.raster(
        RasterInputs(lazy_layers, da.from_array(ECO, chunks=(3, 4)), 62_500.0), params
    )
    for name, comp in eager.items():
        assert isinstance(lazy[name].quantity, da.Array)
        np.testing.assert_allclose(
            np.asarray(lazy[name].quantity.compute()), comp.quantity, rtol=1e-12
        )
        assert np.isnan(comp.quantity[ECO == 255]).all()  # no ecosystem type → nodata
