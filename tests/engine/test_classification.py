"""Accounts on ecosystem maps coded by sub-type (level 2): per-type parameters by
sub-type with the level-1 fallback, results and extent reported by level-1 type, and the
completeness check that knows the fallback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganpo.catalog.parameters import load_parameter_set
from ganpo.engine.account import run_account
from ganpo.engine.stages.checks import _check_complete
from ganpo.engine.stages.rows import by_level1
from ganpo.errors import InputError
from ganpo.services.methods import method
from tinydata import A, B

# floats summed in float64 over 8 cells: agreement to 1e-9 is rounding, not method
REL = 1e-9

# A = columns 0–1, B = columns 2–3:
#   evergreen needleleaf 12, 12 | reservoir 73, paddy 51
#   bamboo 16, settlement 61    | evergreen needleleaf 12, subtropical tussock 31
ECO_L2 = np.array([[12, 12, 73, 51], [16, 61, 12, 31]], dtype="uint8")
ET_MM = {12: 800.0, 16: 800.0, 73: 1000.0, 51: 700.0, 61: 400.0, 31: 600.0}
NPP = {12: 1200.0, 16: 1300.0, 73: 0.0, 51: 1000.0, 61: 100.0, 31: 600.0}
FVC = {12: 0.9, 16: 0.9, 73: 0.0, 51: 0.5, 61: 0.1, 31: 0.6}


def _per_cell(table: dict[int, float]) -> np.ndarray:
    return np.vectorize(table.__getitem__)(ECO_L2).astype("float32")


@pytest.fixture
def level2(tiny: Callable[..., Path]):  # type: ignore[no-untyped-def]
    layers = {
        "precipitation": np.full(ECO_L2.shape, 1500.0, dtype="float32"),
        "evapotranspiration": _per_cell(ET_MM),
        "npp": _per_cell(NPP),
        "vegetation_cover": _per_cell(FVC),
    }
    return run_account(tiny(eco=ECO_L2, layers=layers), 2022, price_policy="as_given", chunk=2)


def test_water_conservation_by_subtype_by_hand(level2) -> None:  # type: ignore[no-untyped-def]
    # α by sub-type (Gong et al. 2017 Table 2), 1500 mm rain, 100 m cells = 10 000 m²:
    # evergreen needleleaf: 3 cells × 10 000 m² × (1500 − 0.0452·1500 − 800) mm
    #                       = 3 × 10 000 × 0.6322 m = 18 966 m³ (2 in A, 1 in B)
    # bamboo (not in the table: the evergreen broadleaf value 0.0465):
    #                       10 000 × (1500 − 69.75 − 800) mm = 6 302.5 m³ (A)
    # reservoir (α = 0, the table's 沼泽和水库 row): 10 000 × (1500 − 1000) mm = 5 000 m³ (B)
    # subtropical tussock:  10 000 × (1500 − 58.05 − 600) mm = 8 419.5 m³ (B)
    # paddy and settlement: no coefficient, no water conservation
    r = level2.results
    wc = r[r.indicator == "water_conservation"]
    by = wc.groupby(["county_adcode", "ecosystem_code"])["quantity"].sum().to_dict()
    assert by == pytest.approx(
        {(A, 1): 2 * 6_322.0 + 6_302.5, (B, 1): 6_322.0, (B, 7): 5_000.0, (B, 3): 8_419.5},
        rel=REL,
    )
    assert wc["quantity"].sum() == pytest.approx(18_966.0 + 6_302.5 + 5_000.0 + 8_419.5, rel=REL)


def test_results_and_extent_are_reported_by_level1(level2) -> None:  # type: ignore[no-untyped-def]
    assert set(level2.results["ecosystem_code"]) <= set(range(9))
    assert set(level2.physical["ecosystem_code"]) <= set(range(9))
    extent = level2.extent.set_index(["county_adcode", "ecosystem_code"])["cells"].to_dict()
    assert extent == {(A, 1): 3, (A, 6): 1, (B, 7): 1, (B, 5): 1, (B, 1): 1, (B, 3): 1}
    assert "ecosystem map coded by sub-type (level 2) for 100% of its cells (6 sub-types); " \
        "results are reported by level-1 type" in level2.notes  # fmt: skip
    # usle_c is given by level-1 type only: every sub-type of the map falls back
    assert any(
        n.startswith("usle_c: 6 sub-type(s) of the map without a value") for n in level2.notes
    )
    # runoff_coefficient has its own value for each of the map's sub-types but none for
    # paddy and settlement, which have no level-1 value either: no fallback to note
    assert not any(n.startswith("runoff_coefficient:") for n in level2.notes)


def test_level2_map_gives_the_level1_totals_of_the_same_values(tiny: Callable[..., Path]) -> None:
    # a parameter given by level-1 type reads the same on a level-1 and a level-2 map
    eco_l1 = np.where(ECO_L2 // 10 > 0, ECO_L2 // 10, ECO_L2).astype("uint8")
    layers = {
        "npp": _per_cell(NPP),
        "evapotranspiration": _per_cell(ET_MM),
        "vegetation_cover": _per_cell(FVC),
    }
    one = run_account(tiny(eco=eco_l1, layers=layers), 2022, price_policy="as_given")
    two = run_account(tiny(eco=ECO_L2, layers=layers), 2022, price_policy="as_given")
    for indicator in ("carbon_sequestration", "soil_retention"):
        a = one.results[one.results.indicator == indicator].groupby("ecosystem_code").quantity.sum()
        b = two.results[two.results.indicator == indicator].groupby("ecosystem_code").quantity.sum()
        pd.testing.assert_series_equal(a, b, rtol=1e-12)


def test_by_level1_adds_up_subtype_rows() -> None:
    frame = pd.DataFrame(
        {
            "county_adcode": [A, A, A, B],
            "ecosystem_code": [12, 16, 1, 73],
            "component": ["", "", "", ""],
            "price": [np.nan, np.nan, np.nan, np.nan],
            "quantity": [1.0, 2.0, 4.0, 8.0],
        }
    )
    out = by_level1(frame, ["quantity"])
    assert out.to_dict("list") == {
        "county_adcode": [A, B],
        "ecosystem_code": [1, 7],
        "component": ["", ""],
        "price": pytest.approx([np.nan, np.nan], nan_ok=True),
        "quantity": [7.0, 8.0],
    }
    level1 = frame.assign(ecosystem_code=[1, 2, 3, 7])
    assert by_level1(level1, ["quantity"]) is level1  # already level 1: untouched


def _cells(counts: dict[int, int]) -> np.ndarray:
    cells = np.zeros((1, 256))
    for code, n in counts.items():
        cells[0, code] = n
    return cells


def test_completeness_considers_the_fallback() -> None:
    params = load_parameter_set("jiangxi-default")
    rusle = [method("soil_retention", "rusle_mfd")]
    # usle_c is given for forest, shrub …: sub-types of those pass
    _check_complete(rusle, params, _cells({12: 5, 16: 1, 21: 2, 51: 3, 1: 1}), Path("eco.tif"))
    # a set that gives usle_c for evergreen needleleaf forest only: bamboo has no value
    c = params.values["usle_c"]
    by_type = {**{k: v for k, v in (c.by_type or {}).items() if k != "forest"}}
    by_type["evergreen_needleleaf_forest"] = 0.006
    broken = params.model_copy(
        update={"values": {**params.values, "usle_c": c.model_copy(update={"by_type": by_type})}}
    )
    _check_complete(rusle, broken, _cells({12: 5, 21: 2}), Path("eco.tif"))  # fine
    with pytest.raises(InputError) as err:
        _check_complete(rusle, broken, _cells({12: 5, 16: 2, 1: 1}), Path("eco.tif"))
    assert str(err.value) == (
        "eco.tif: soil_retention (rusle_mfd) needs 'usle_c' for every ecosystem type in the "
        "raster, but parameter set 'jiangxi-default' has no value for code(s) 1 forest "
        "(1 cells), 16 bamboo_forest (2 cells); add them, or their level-1 type, to the "
        "set's by_type table (or reclassify the raster) / "
        "土壤保持（rusle_mfd）需要栅格中每种生态系统类型的参数 'usle_c'，但参数集 'jiangxi-default' "
        "缺少以下代码的值：1 森林（1 个栅格）、16 竹林（2 个栅格）；请在参数集的 by_type 表中补上这些"
        "类型（或其一级类型）的值，或对栅格重新分类"
    )
    assert err.value.values == [1, 16]
