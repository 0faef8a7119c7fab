"""Accounts per township (decision 0021): the engine sums per finest unit, statistics
given per county stay county rows, and the roll-up to county is exact: a county's total
from its townships' rows equals the account run on the county polygons of the same grid,
when the townships tile the counties on the grid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ganpo.engine.account import run_account
from ganpo.engine.uncertainty import monte_carlo
from ganpo.errors import ManifestError
from ganpo.io.units import row_levels
from ganpo.report import summary
from tinydata import TOWNSHIPS, A, B, use_units

TOWNS = [t[0] for t in TOWNSHIPS]
#: "to the fen": 0.005 CNY; the sums differ only by float64 rounding (relative 1e-15 of
#: values below 10^9 CNY here, far below a fen)
FEN = 0.005


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    """The tiny account run on the county polygons and on the four townships."""
    from tinydata import build_tiny_full

    root = tmp_path_factory.mktemp("levels")
    county = run_account(build_tiny_full(root / "county"), 2022)
    township = run_account(use_units(build_tiny_full(root / "township")), 2022)
    return county, township


def _by(frame: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    return frame.groupby(keys)[column].sum().sort_index()


def test_raster_rows_per_township_statistics_per_county(pair: tuple) -> None:  # type: ignore[type-arg]
    county, township = pair
    r = township.results
    raster = r[r.indicator.isin(["water_conservation", "carbon_sequestration"])]
    assert set(raster.unit_code) == set(TOWNS)
    assert (raster.unit_code // 1000 == raster.county_adcode).all()
    stats = r[r.indicator.isin(["agriculture", "water_supply", "recreation"])]
    assert set(stats.unit_code) == {A, B} and (stats.unit_code == stats.county_adcode).all()
    assert set(row_levels(stats, "township")) == {"county"}
    assert set(row_levels(raster, "township")) == {"township"}
    # a county account: every row's unit is its county
    assert (county.results.unit_code == county.results.county_adcode).all()


def test_roll_up_to_county_is_exact(pair: tuple) -> None:  # type: ignore[type-arg]
    county, township = pair
    keys = ["indicator", "component", "county_adcode", "ecosystem_code"]
    for column, tol in (("value_cny", FEN), ("quantity", 1e-9)):
        a, b = _by(county.results, keys, column), _by(township.results, keys, column)
        pd.testing.assert_index_equal(a.index, b.index)
        np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-12, atol=tol)
    assert township.gep_cny == pytest.approx(county.gep_cny, rel=1e-15, abs=FEN)
    # extent: each county's cells are its townships' cells
    ext = ["county_adcode", "ecosystem_code"]
    pd.testing.assert_series_equal(
        _by(county.extent, ext, "cells"), _by(township.extent, ext, "cells")
    )
    # the summary tables of county, city and province are the same
    for level in ("county", "city", "province"):
        ta = summary.gep_by_unit(county.results, county.units, level)
        tb = summary.gep_by_unit(township.results, township.units, level)
        pd.testing.assert_frame_equal(ta, tb, rtol=1e-12, atol=FEN)


def test_township_table_holds_what_is_computed_per_township(pair: tuple) -> None:  # type: ignore[type-arg]
    _, township = pair
    table = summary.gep_by_unit(township.results, township.units, "unit")
    assert table["adcode"].tolist() == TOWNS and table["parent_adcode"].tolist() == [A, A, B, B]
    r = township.results
    own = r[r.unit_code != r.county_adcode]
    assert table["gep_cny"].sum() == pytest.approx(own.value_cny.sum(), rel=1e-12)
    assert table["area_km2"].tolist() == pytest.approx([0.02] * 4)


def test_intervals_per_county_whatever_the_level(pair: tuple) -> None:  # type: ignore[type-arg]
    county, township = pair
    a = monte_carlo(county, 300, 5).table.set_index(["indicator", "unit_code"])
    b = monte_carlo(township, 300, 5).table.set_index(["indicator", "unit_code"])
    pd.testing.assert_frame_equal(a.sort_index(), b.sort_index(), rtol=1e-12, atol=FEN)
    assert (b.index.get_level_values(1) == b["county_adcode"]).all()


def test_table_given_per_township(tiny: Callable[..., Path]) -> None:
    """A department gives agriculture per township: its rows are township rows."""
    text = "unit_code,unit_name,agriculture_output,forestry_output,animal_husbandry_output,"
    text += "fishery_output,agriculture_value_added,forestry_value_added,"
    text += "animal_husbandry_value_added,fishery_value_added\n"
    text += "".join(
        f"{code},x,{10.0 * (i + 1)},1.0,0.0,2.0,{5.0 * (i + 1)},0.5,0.0,1.0\n"
        for i, code in enumerate(TOWNS)
    )
    path = tiny(tables={"agriculture": text})
    use_units(path, tables_level={"agriculture": "township"})
    acc = run_account(path, 2022)
    agri = acc.results[acc.results.indicator == "agriculture"]
    assert agri.unit_code.tolist() == TOWNS and agri.county_adcode.tolist() == [A, A, B, B]
    # net output value (value added) in 万元 (the manifest's unit) → CNY: 5, 10, 15, 20 × 10 000
    assert agri.value_cny.tolist() == pytest.approx([5e4, 1e5, 1.5e5, 2e5])


def test_method_with_tables_at_two_levels_refused(tiny: Callable[..., Path]) -> None:
    """Flood storage reads lakes and water bodies: one per township, one per county."""
    text = "unit_code,reservoir_capacity\n" + "".join(f"{c},1.0\n" for c in TOWNS)
    path = tiny(tables={"water_bodies": text})
    use_units(path, tables_level={"water_bodies": "township"})
    with pytest.raises(
        ManifestError,
        match=r"flood_regulation \(.*\) reads tables given at different levels "
        r"\(lakes per county, water_bodies per township\)",
    ):
        run_account(path, 2022)


def test_table_level_must_be_county_or_the_units(tiny: Callable[..., Path]) -> None:
    path = tiny()
    with pytest.raises(ManifestError, match=r"level 'village'; a table is given per county"):
        use_units(path, tables_level={"agriculture": "village"})
        run_account(path, 2022)


def test_declared_repair_is_a_decision_of_the_account(tiny: Callable[..., Path]) -> None:
    from shapely.geometry import box

    from tinydata import RES, X0, Y0, column_box, townships_frame

    # A2 covers only its top cell: a gap the manifest declares it accepts
    rows = [(c, n, p, column_box(col)) for c, n, p, col in TOWNSHIPS]
    rows[1] = (rows[1][0], rows[1][1], rows[1][2], box(X0 + RES, Y0 - RES, X0 + 2 * RES, Y0))
    path = use_units(tiny(), townships_frame(rows), repair=("trust_gaps",))
    acc = run_account(path, 2022)
    (decision,) = [d for d in acc.decisions if d.kind == "boundary_repair"]
    assert decision.subject == "units.townships.trust_gaps" and decision.basis == "manifest"
    assert any("lie in none of their units" in n for n in acc.notes)
    # the gap's cell counts in no unit: county A has 3 cells, not 4
    assert acc.extent.groupby("county_adcode")["cells"].sum().to_dict() == {A: 3, B: 4}
