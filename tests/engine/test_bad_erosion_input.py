"""Bad input of the erosion and climate layers: clear errors naming file, field and values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine.account import run_account
from ganpo.errors import InputError
from tinydata import TINY_ECO, declare, tiny_factory


@pytest.fixture
def tiny(tmp_path: Path) -> Callable[..., Path]:
    return tiny_factory(tmp_path)


def test_negative_erosivity(tiny: Callable[..., Path]) -> None:
    r = np.full(TINY_ECO.shape, 10_000.0, dtype="float32")
    r[0, 1] = -50.0
    with pytest.raises(
        InputError,
        match=r"rainfall_erosivity.tif: layer 'rainfall_erosivity' has values from -50 to 10000 "
        r"MJ mm/\(ha h a\) inside the region; valid rainfall erosivity R lies in \[0, 50000\]",
    ):
        run_account(tiny(layers={"rainfall_erosivity": r}), 2022)


def test_absurd_hot_day_evapotranspiration(tiny: Callable[..., Path]) -> None:
    et_d = np.full(TINY_ECO.shape, 400.0, dtype="float32")
    et_d[1, 3] = 5_000.0  # more than a year's evaporation anywhere in China
    with pytest.raises(
        InputError, match=r"'evapotranspiration_hot_days' has values from 400 to 5000 mm"
    ):
        run_account(tiny(layers={"evapotranspiration_hot_days": et_d}), 2022)


def test_layer_without_any_valid_cell(tiny: Callable[..., Path]) -> None:
    k = np.full(TINY_ECO.shape, -9999.0, dtype="float32")  # every cell nodata
    path = tiny()
    from tinydata import write_raster

    write_raster(path.parent / "soil_erodibility.tif", k, nodata=-9999.0)
    from ganpo.io.manifest import load_manifest

    with pytest.raises(
        InputError, match=r"soil_erodibility.tif: layer 'soil_erodibility' has no valid cell"
    ):
        run_account(load_manifest(path, verify=False), 2022)


def test_ecosystem_type_missing_from_cover_table(tiny: Callable[..., Path]) -> None:
    params = load_parameter_set("jiangxi-default")
    c = params.values["usle_c"]
    by_type = {k: v for k, v in (c.by_type or {}).items() if k not in ("shrub", "grassland")}
    values = {**params.values, "usle_c": c.model_copy(update={"by_type": by_type})}
    broken = params.model_copy(update={"values": values})
    with pytest.raises(
        InputError,
        match=r"ecosystem_type.tif: soil_retention \(rusle_mfd\) needs 'usle_c' for every "
        r"ecosystem type in the raster, but parameter set 'jiangxi-default' has no value for "
        r"code\(s\) 2 shrub \(1 cells\), 3 grassland \(1 cells\); add them, or their "
        r"level-1 type, to the set's by_type table",
    ):
        run_account(tiny(), 2022, parameter_set=broken)


def test_nodata_erosivity_is_left_out_and_reported(tiny: Callable[..., Path]) -> None:
    r = np.full(TINY_ECO.shape, 10_000.0, dtype="float32")
    r[0, 0] = -9999.0  # a forest cell of county A without data (75 %: declared left out)
    path = tiny(layers={"rainfall_erosivity": r})
    acc = run_account(declare(path, "rainfall_erosivity", gap_policy="leave_out"), 2022)
    assert any(
        w.startswith("soil_retention: 1 cells of a providing ecosystem type have nodata")
        for w in acc.warnings
    )
    whole = run_account(tiny(), 2022)
    got = acc.results[acc.results.indicator == "soil_retention"].quantity.sum()
    full = whole.results[whole.results.indicator == "soil_retention"].quantity.sum()
    assert 0 < got < full  # left out, not counted as zero elsewhere
