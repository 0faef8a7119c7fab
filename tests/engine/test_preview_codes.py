"""The map preview reads the ecosystem map's codes as the account does (decision 0072):
a float map of whole codes is its codes; any other value is refused, never rounded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.parameters import load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.engine.preview import service_raster
from ganpo.errors import InputError
from tinydata import TINY_ECO, write_raster

INDICATOR = "carbon_sequestration"


def _preview(manifest: Path) -> np.ndarray:
    profile = load_profile("jiangxi-db36-2021")
    params = load_parameter_set(profile.parameter_set)
    return service_raster(manifest.parent, 2022, profile, params, INDICATOR).per_ha


def test_a_float_map_of_whole_codes_draws_the_map_of_its_codes(
    tiny: Callable[..., Path],
) -> None:
    manifest = tiny()
    as_bytes = _preview(manifest)
    assert np.isfinite(as_bytes).any()
    for dtype in ("float32", "float64"):
        write_raster(
            manifest.parent / "2022/ecosystem_type.tif", TINY_ECO.astype(dtype), nodata=255
        )
        np.testing.assert_array_equal(_preview(manifest), as_bytes)


def test_a_value_that_is_no_code_is_refused_naming_the_file(tiny: Callable[..., Path]) -> None:
    manifest = tiny()
    path = manifest.parent / "2022/ecosystem_type.tif"
    eco = TINY_ECO.astype("float64")
    eco[0, 0] = 3.0000001
    write_raster(path, eco, nodata=255)
    with pytest.raises(InputError) as err:
        _preview(manifest)
    message = str(err.value)
    assert message.startswith(
        f"{path}: 1 cells hold values that are no ecosystem code: 3.0000001 (1 cells); an "
        "ecosystem map holds whole numbers 0–255"
    )
    assert "有 1 个栅格的值不是生态系统类型编码：3.0000001（1 个栅格）" in message
