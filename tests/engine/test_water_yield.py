"""Water conservation by annual water yield (Budyko/Fu, as InVEST's AWY) on the tiny
dataset, worked by hand for one forest cell and one water cell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import tomli_w

from ganpo.catalog.parameters import ParameterValue, load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.engine.account import run_account
from ganpo.errors import ManifestError

A, B = 360101, 360102


def _params():  # type: ignore[no-untyped-def]
    base = load_parameter_set("jiangxi-default")
    values = dict(base.values)

    def v(**kw: object) -> ParameterValue:
        return ParameterValue(
            unit="1", year=2020, region="test", source="test", status="unverified", **kw
        )  # type: ignore[arg-type]

    values["crop_coefficient"] = v(by_type={"forest": 1.0, "water": 1.0})
    values["root_depth"] = v(by_type={"forest": 3000.0}).model_copy(update={"unit": "mm"})
    values["seasonality_z"] = v(value=8.0)
    sets = {**base.type_sets, "water_yield_vegetation": ["forest"]}
    return base.model_copy(update={"values": values, "type_sets": sets})


def _profile(tmp_path: Path) -> str:
    prof = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
    prof.update(
        name="awy", indicators={"water_conservation": "budyko_water_yield"}, price_policy="as_given"
    )
    path = tmp_path / "awy.toml"
    path.write_text(tomli_w.dumps(prof), encoding="utf-8")
    return str(path)


def test_budyko_by_hand(tiny: Callable[..., Path], tmp_path: Path) -> None:
    layers = {
        "reference_et": np.full((2, 4), 1000.0, dtype="float32"),
        "soil_depth": np.full((2, 4), 500.0, dtype="float32"),
        "pawc": np.full((2, 4), 0.2, dtype="float32"),
    }
    path = tiny(layers=layers)
    acc = run_account(path, 2022, _profile(tmp_path), _params())
    q = acc.results.groupby("county_adcode").quantity.sum()
    # forest cell: AWC = min(3000, 500) × 0.2 = 100 mm; ω = 8 × 100/1600 + 1.25 = 1.75;
    # φ = 1 × 1000/1600 = 0.625; AET/P = 1.625 − (1 + 0.625^1.75)^(1/1.75) = 0.393662;
    # yield = (1 − 0.393662) × 1.6 m × 10 000 m² = 9 701.41 m³
    phi, w = 0.625, 1.75
    forest = (1 - (1 + phi - (1 + phi**w) ** (1 / w))) * 1.6 * 10_000
    # water cell (not vegetated): AET = min(1000, 1600) → yield = 600 mm × 1 ha = 6 000 m³
    water = (1 - 1000 / 1600) * 1.6 * 10_000
    assert q[A] == pytest.approx(2 * forest, rel=1e-6)  # float32 layers
    assert q[B] == pytest.approx(forest + water, rel=1e-6)  # forest + water; others no Kc


def test_missing_layers_named(tiny: Callable[..., Path], tmp_path: Path) -> None:
    with pytest.raises(
        ManifestError, match=r"no layer for role\(s\) pawc, reference_et, soil_depth in year 2022"
    ):
        run_account(tiny(), 2022, _profile(tmp_path), _params())
