"""Physical indicators beside the GEP (profile ``[physical]``): sediment export by InVEST
SDR's delivery ratio, computed in the account's pass, stored, exported, never valued.

The tiny region (tests/tinydata.py) gets a DEM that falls to the east, so that flow
converges, streams exist (threshold lowered to 3 cells) and the delivery ratio is not 0.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio

from ganpo.catalog.parameters import ParameterSet, load_parameter_set
from ganpo.catalog.profiles import load_profile
from ganpo.cli.outputs import account_frames
from ganpo.engine.account import run_account
from ganpo.errors import InputError, UnknownNameError
from ganpo.store.repository import load_account, open_store, save_account

A, B = 360101, 360102
DEM = np.array([[60, 50, 40, 30], [62, 52, 41, 33]], dtype="float32")
ECO = np.array([[1, 1, 7, 5], [2, 6, 1, 3]])  # tinydata.TINY_ECO
COUNTY = np.array([[A, A, B, B], [A, A, B, B]])


def _params(threshold: float = 3.0) -> ParameterSet:
    p = load_parameter_set("jiangxi-default")
    t = p.values["sdr_threshold_flow_accumulation"].model_copy(update={"value": threshold})
    return p.model_copy(update={"values": {**p.values, "sdr_threshold_flow_accumulation": t}})


def _run(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return run_account(
        path,
        2022,
        kw.pop("profile", "jiangxi-db36-2021"),
        _params(),
        price_policy="as_given",
        chunk=2,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def sloped(tiny: Callable[..., Path]) -> Path:
    return tiny(layers={"dem": DEM})


def test_sediment_export_is_usle_times_sdr_summed_per_county(sloped: Path) -> None:
    acc = _run(sloped)
    phys = acc.physical
    assert set(phys["indicator"]) == {"sediment_export"} and set(phys["method"]) == {"sdr_mfd"}
    assert (phys["quantity_unit"] == "t").all()
    # by hand from the derived rasters the account used: R·K·LS·C·P·SDR × 1 ha per cell
    derived = sloped.parent / "derived"
    (ls_path,) = derived.glob("ls_factor_mfd_*.tif")
    (sdr_path,) = derived.glob("sdr_mfd_*.tif")
    ls = rasterio.open(ls_path).read(1).astype("float64")
    sdr = rasterio.open(sdr_path).read(1).astype("float64")
    p = _params()
    c, pp = p.per_type("usle_c", "1"), p.per_type("usle_p", "1")
    cp = np.vectorize(lambda code: c[int(code)] * pp[int(code)])(ECO)
    per_cell = 10_000.0 * 0.03 * ls * cp * sdr * 1.0
    assert per_cell.sum() > 0 and (sdr == 0).any()  # streams export nothing, others do
    got = phys.groupby("county_adcode")["quantity"].sum()
    for county in (A, B):
        assert got[county] == pytest.approx(per_cell[county == COUNTY].sum(), rel=1e-6)
    # per ecosystem type too
    by_type = phys.groupby("ecosystem_code")["quantity"].sum()
    for code, q in by_type.items():
        assert q == pytest.approx(per_cell[code == ECO].sum(), rel=1e-6)


def test_physical_indicators_are_never_valued(sloped: Path) -> None:
    with_sed = _run(sloped)
    prof = load_profile("jiangxi-db36-2021")
    without = _run(sloped, profile=prof.model_copy(update={"physical": {}}))
    assert without.physical.empty and not with_sed.physical.empty
    assert "sediment_export" not in set(with_sed.results["indicator"])
    assert with_sed.gep_cny == pytest.approx(without.gep_cny, rel=1e-15)
    assert any("not valued, not in GEP" in n for n in with_sed.notes)
    # the SDR parameters the method read are listed with the other parameters used
    assert {"sdr_k", "sdr_ic0", "sdr_max", "sdr_threshold_flow_accumulation"} <= set(
        with_sed.prices["key"]
    )
    frames = account_frames(with_sed)
    table = frames["physical_by_county_2022"]
    assert set(table["adcode"]) == {A, B}
    assert table["quantity"].sum() == pytest.approx(with_sed.physical["quantity"].sum())
    assert "physical_by_county_2022" not in account_frames(without)


def test_physical_results_round_trip(sloped: Path, store_url: str) -> None:
    acc = _run(sloped)
    engine = open_store(store_url)
    stored = load_account(engine, save_account(engine, acc))
    keys = ["indicator", "component", "county_adcode", "ecosystem_code"]
    pd.testing.assert_frame_equal(
        stored.physical.sort_values(keys).reset_index(drop=True),
        acc.physical.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
    assert stored.account.gep_cny == pytest.approx(acc.gep_cny, rel=1e-15)


def test_unknown_physical_method_is_named(sloped: Path) -> None:
    prof = load_profile("jiangxi-db36-2021")
    bad = prof.model_copy(update={"physical": {"sediment_export": "sdr"}})
    with pytest.raises(UnknownNameError, match="sdr_mfd"):
        _run(sloped, profile=bad)
    worse = prof.model_copy(update={"physical": {"sediment_yield": "sdr_mfd"}})
    with pytest.raises(UnknownNameError, match="sediment_export"):
        _run(sloped, profile=worse)


def test_missing_sdr_parameter_is_named(sloped: Path) -> None:
    p = _params()
    values = {k: v for k, v in p.values.items() if k != "sdr_k"}
    with pytest.raises(InputError, match="sdr_k"):
        run_account(sloped, 2022, "jiangxi-db36-2021", p.model_copy(update={"values": values}))
