"""Layer checks of an account (issue 13, steps 2, 4 and 5; decision 0022): years as a rule,
coverage as a rule (gap policies), plausibility of the layers' values.

The tiny dataset (tests/tinydata.py): county A (360101 甲县) and B (360102 乙县), 4 cells
of 10 000 m² each; profile jiangxi-db36-2021, prices as given:

    county A (360101)   county B (360102)
    forest  forest  |  water    cropland
    shrub   built   |  forest   grassland
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.catalog.profiles import load_profile
from ganpo.demo import build_demo_dataset
from ganpo.engine import histogram
from ganpo.engine.account import run_account
from ganpo.engine.result import COVERAGE_COLUMNS
from ganpo.engine.stages.blockwise import build_pass
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.on_grid import align_on_grid
from ganpo.engine.stages.plan import load_plan, load_units
from ganpo.engine.stages.select import select_layers
from ganpo.errors import InputError, ManifestError
from ganpo.io.manifest import load_manifest, write_manifest
from ganpo.io.roles import LAYER_ROLES
from tinydata import TINY_ECO, declare

A, B = 360101, 360102
REL = 1e-12  # sums and one mean of a handful of float64 numbers


def _run(path: Path, year: int = 2022, **kw: object) -> Run:
    return Run(path, year, "jiangxi-db36-2021", price_policy="as_given", chunk=2, **kw)  # type: ignore[arg-type]


def _account(path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return run_account(path, 2022, price_policy="as_given", chunk=2, **kw)  # type: ignore[arg-type]


def _water(acc) -> dict[int, float]:  # type: ignore[no-untyped-def]
    r = acc.results
    return r[r.indicator == "water_conservation"].groupby("county_adcode").quantity.sum().to_dict()


# --- years as a rule --------------------------------------------------------------------


def test_year_less_layer_of_a_yearly_role_is_refused(tiny: Callable[..., Path]) -> None:
    path = declare(tiny(), "precipitation", year=None)
    run = _run(path)
    with pytest.raises(ManifestError) as err:
        select_layers(run, load_plan(run))
    assert str(err.value) == (
        f"{path}: layer 'precipitation' (2022/precipitation.tif) has no year and the account "
        "needs it for 2022; annual precipitation changes from year to year, so a layer serves "
        "another year only if the manifest declares it: set year = 2022 on its [[layers]] "
        "entry if it is of 2022, or add serves_years = [2022] to it if it may stand for 2022 / "
        "年降水量图层 'precipitation'（2022/precipitation.tif）未注明年份，而核算需要 2022 年的数据；"
        "年降水量逐年变化，只有数据清单声明后，图层才能用于其他年份：如果它是 2022 年的数据，请在其 "
        "[[layers]] 条目中写明 year = 2022；如果它可以代替 2022 年的数据，请在条目中加上 "
        "serves_years = [2022]"
    )
    assert err.value.field == "year" and err.value.values == ["precipitation"]


def test_year_less_layer_declared_serves_with_a_decision(tiny: Callable[..., Path]) -> None:
    path = declare(tiny(), "precipitation", year=None, serves_years=[2022])
    run = _run(path)
    selection = select_layers(run, load_plan(run))
    assert selection.entries["precipitation"].year is None
    (d,) = run.decisions
    assert (d.kind, d.subject, d.basis, d.unit_code, d.source) == (
        "layer_year",
        "precipitation",
        "manifest",
        None,
        "2022/precipitation.tif",
    )
    assert d.message_en == (
        "annual precipitation: the layer without a year is used for 2022, as the dataset's "
        "manifest declares."
    )
    assert d.message_zh == "年降水量：按数据清单的声明，未注明年份的图层用作 2022 年的数据。"
    assert run.notes_on("layer_years") == [
        "layer precipitation without a year used for 2022 (declared in the manifest)"
    ]


def test_layer_of_another_year_refused_unless_declared(tiny: Callable[..., Path]) -> None:
    path = tiny(more_years={2023: {}})
    ds = load_manifest(path, verify=False)
    ds.manifest.layers = [e for e in ds.manifest.layers if not (e.role == "npp" and e.year == 2023)]
    write_manifest(ds.manifest, ds.root)
    run = _run(path, 2023)
    with pytest.raises(ManifestError) as err:
        select_layers(run, load_plan(run))
    assert str(err.value) == (
        f"{path}: layer 'npp' (2022/npp.tif) is of 2022 and the account needs it for 2023; "
        "net primary production, dry matter changes from year to year, so a layer serves "
        "another year only if the manifest declares it: add the layer of 2023, or add "
        "serves_years = [2023] to the entry of 2022 if it may stand for 2023 / "
        "净初级生产力（干物质）图层 'npp'（2022/npp.tif）为 2022 年的数据，而核算需要 2023 年的数据；"
        "净初级生产力（干物质）逐年变化，只有数据清单声明后，图层才能用于其他年份：请加入 2023 年的图层；"
        "如果 2022 年的图层可以代替 2023 年的数据，请在其条目中加上 serves_years = [2023]"
    )
    declare(path, "npp", serves_years=[2023])
    run = _run(path, 2023)
    selection = select_layers(run, load_plan(run))
    assert selection.entries["npp"].year == 2022
    assert selection.entries["precipitation"].year == 2023
    assert [(d.kind, d.subject, d.basis, d.values) for d in run.decisions] == [
        ("layer_year", "npp", "manifest", (2022, 2023))
    ]


def test_timeless_layers_serve_every_year(tiny: Callable[..., Path]) -> None:
    """A year-less DEM is the normal case (no decision); a DEM stamped with another year
    serves by the role's rule, and the account records it."""
    path = tiny()
    run = _run(path)
    select_layers(run, load_plan(run))
    assert run.decisions == [] and not LAYER_ROLES["dem"].per_year
    declare(path, "dem", of_year=None, year=2015)
    run = _run(path)
    assert select_layers(run, load_plan(run)).entries["dem"].year == 2015
    (d,) = run.decisions
    assert (d.kind, d.basis, d.values) == ("layer_year", "rule", (2015, 2022))
    assert d.message_en == (
        "elevation does not change from year to year: the layer of 2015 is used for 2022."
    )


def test_counterfactual_stays_a_note(tiny: Callable[..., Path]) -> None:
    run = _run(tiny(more_years={2023: {}}), layer_years={"ecosystem_type": 2023})
    select_layers(run, load_plan(run))
    assert run.decisions == []
    assert run.notes_on("counterfactual") == [
        "counterfactual: layer ecosystem_type of 2023 instead of 2022"
    ]


def test_table_of_another_year_serves_when_declared(tiny: Callable[..., Path]) -> None:
    path = tiny(more_years={2023: {}})
    ds = load_manifest(path, verify=False)
    ds.manifest.tables = [
        t for t in ds.manifest.tables if not (t.role == "tourism" and t.year == 2023)
    ]
    write_manifest(ds.manifest, ds.root)
    with pytest.raises(ManifestError, match=r"no 'tourism' table .* for 2023"):
        run_account(path, 2023, price_policy="as_given", chunk=2)
    declare(path, "tourism", serves_years=[2023])
    acc = run_account(path, 2023, price_policy="as_given", chunk=2)
    (d,) = acc.decisions
    assert (d.kind, d.subject, d.basis, d.source, d.values) == (
        "table_year",
        "tourism",
        "manifest",
        "2022/tourism.csv",
        (2022, 2023),
    )
    assert d.message_en == (
        "tourism: the table of 2022 is used for 2023, as the dataset's manifest declares."
    )
    assert "table tourism of 2022 used for 2023 (declared)" in acc.notes
    assert "2022/tourism.csv" in set(acc.inputs["path"])


# --- coverage as a rule -----------------------------------------------------------------

# A's forest cells get 1500 and 1800 mm; B's forest cell has no precipitation (nodata), so
# B is covered on 3 of its 4 cells (75 %); every other cell 1600 mm.
GAPPY_RAIN = np.array([[1500, 1800, 1600, 1600], [1600, 1600, -9999, 1600]], dtype="float32")


def test_coverage_below_the_threshold_is_refused(tiny: Callable[..., Path]) -> None:
    path = tiny(layers={"precipitation": GAPPY_RAIN})
    with pytest.raises(InputError) as err:
        _account(path)
    assert str(err.value) == (
        f"{path}: layer(s) cover less than 98 % of a unit's cells with an ecosystem type, the "
        "least profile 'jiangxi-db36-2021' accepts: precipitation (2022/precipitation.tif) "
        "in 360102 乙县 (75.0 %). Complete the layer(s) over these units, or declare on the "
        "layer's [[layers]] entry how its cells without data count: gap_policy = "
        '"leave_out" (they count in no service that reads it) or gap_policy = '
        '"fill_type_mean" (each counts the region\'s mean quantity per cell of its '
        "ecosystem type) / "
        "图层在行政区内有生态系统类型的栅格中覆盖不足 98 %，低于核算方案 'jiangxi-db36-2021' 接受的"
        "最低覆盖率：年降水量图层 precipitation（2022/precipitation.tif）在 360102 乙县（75.0 %）。"
        "请补全这些行政区内的图层数据，或在该图层的 [[layers]] 条目中声明无数据栅格的计法："
        'gap_policy = "leave_out"（不计入读取该图层的任何服务）或 gap_policy = "fill_type_mean"'
        "（每个栅格按全区同类生态系统每个栅格的平均量计入）"
    )
    assert err.value.field == "gap_policy" and err.value.values == ["precipitation"]


def test_leave_out_is_a_decision_per_unit(tiny: Callable[..., Path]) -> None:
    path = declare(
        tiny(layers={"precipitation": GAPPY_RAIN}), "precipitation", gap_policy="leave_out"
    )
    acc = _account(path)
    # forest (1 − 0.0465) P − 800 mm, × 10 m³/mm: 1500 → 6 302.5 m³, 1800 → 9 163.0 m³;
    # shrub (1 − 0.0426)·1600 − 700 → 8 318.4, grassland (1 − 0.0387)·1600 − 600 → 9 380.8 m³;
    # B's forest cell counts in no service
    q = _water(acc)
    assert q[A] == pytest.approx(6_302.5 + 9_163.0 + 8_318.4, rel=REL)
    assert q[B] == pytest.approx(9_380.8, rel=REL)
    (d,) = acc.decisions
    assert (d.kind, d.subject, d.basis, d.unit_code, d.source, d.values) == (
        "gap_policy",
        "precipitation",
        "manifest",
        B,
        "2022/precipitation.tif",
        (0.75, 4, 3),
    )
    assert d.message_en == (
        "annual precipitation has data on 3 of the 4 cells of 乙县 (360102) (75.0 %); as the "
        "dataset's manifest declares, the 1 cell without data is left out: it counts in no "
        "service that reads this layer (not as zero)."
    )
    assert d.message_zh == (
        "年降水量在乙县（360102）的 4 个栅格中有 3 个有数据（75.0 %）；按数据清单的声明，其余 1 "
        "个无数据栅格不计入读取该图层的任何服务（不按零计）。"
    )
    assert any(w.startswith("water_conservation: 1 cells") for w in acc.warnings)
    # the coverage table: every unit × every layer the methods read
    cov = acc.coverage
    assert list(cov.columns) == COVERAGE_COLUMNS
    rain = cov[cov.role == "precipitation"].set_index("unit_code")
    assert rain.loc[A, ["cells", "cells_with_data", "share"]].tolist() == [4, 4, 1.0]
    assert rain.loc[B, ["cells", "cells_with_data", "share"]].tolist() == [4, 3, 0.75]
    assert (
        len(cov) == 2 * len(set(cov.role)) and (cov[cov.role != "precipitation"].share == 1).all()
    )
    assert {"precipitation", "evapotranspiration", "npp", "dem"} <= set(cov.role)


def test_fill_type_mean_by_hand(tiny: Callable[..., Path], tmp_path: Path) -> None:
    path = declare(
        tiny(layers={"precipitation": GAPPY_RAIN}), "precipitation", gap_policy="fill_type_mean"
    )
    acc = _account(path, rasters_dir=tmp_path / "rasters")
    # the region's forest cells with a value: A's two, 6 302.5 + 9 163.0 = 15 465.5 m³ on 2
    # cells → 7 732.75 m³ per forest cell; B's forest cell counts that:
    # B = 7 732.75 + 9 380.8 (grassland) = 17 113.55 m³; A unchanged
    q = _water(acc)
    assert q[A] == pytest.approx(6_302.5 + 9_163.0 + 8_318.4, rel=REL)
    assert q[B] == pytest.approx(7_732.75 + 9_380.8, rel=REL)
    r = acc.results
    forest_b = r[(r.indicator == "water_conservation") & (r.county_adcode == B)]
    assert forest_b.set_index("ecosystem_code").quantity[1] == pytest.approx(7_732.75, rel=REL)
    (d,) = acc.decisions
    assert (d.kind, d.basis, d.unit_code, d.values) == ("gap_policy", "manifest", B, (0.75, 4, 3))
    assert d.message_en.endswith(
        "as the dataset's manifest declares, the cell without data counts the region's mean "
        "quantity per cell of its ecosystem type, in every service that reads this layer."
    )
    assert (
        "layer precipitation: 1 cell without data in 1 unit(s) counted at the region's mean "
        "per cell of their ecosystem type (gap policy fill_type_mean); the value rasters "
        "leave these cells empty"
    ) in acc.notes
    assert not any(w.startswith("water_conservation:") for w in acc.warnings)  # nothing left out


def test_fill_masks_build_lazily(tiny: Callable[..., Path]) -> None:
    path = declare(
        tiny(layers={"precipitation": GAPPY_RAIN}), "precipitation", gap_policy="fill_type_mean"
    )
    run = _run(path)
    plan = load_plan(run)
    selection = select_layers(run, plan)
    on_grid = align_on_grid(run, plan, selection, load_units(run, plan))

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a dask graph was computed while it was being built")

    with dask.config.set(scheduler=refuse):
        graph = build_pass(run, plan, selection, on_grid)
    filled = {graph.parts[k].method.indicator for k in graph.fill}
    assert "water_conservation" in filled and "carbon_sequestration" not in filled


def test_partial_coverage_above_the_threshold_is_a_profile_decision(
    tiny: Callable[..., Path],
) -> None:
    profile = load_profile("jiangxi-db36-2021").model_copy(update={"coverage_min": 0.7})
    path = tiny(layers={"precipitation": GAPPY_RAIN})
    acc = run_account(path, 2022, profile, price_policy="as_given", chunk=2)
    (d,) = acc.decisions
    assert (d.kind, d.basis, d.unit_code) == ("coverage_gap", "profile", B)
    assert d.message_en == (
        "annual precipitation has data on 3 of the 4 cells of 乙县 (360102) (75.0 %); the "
        "profile accepts a coverage of at least 70 %, so the 1 cell without data is left "
        "out: it counts in no service that reads this layer (not as zero)."
    )
    assert _water(acc)[B] == pytest.approx(9_380.8, rel=REL)


# --- plausibility -----------------------------------------------------------------------


def test_values_outside_the_soft_range_are_a_decision(tiny: Callable[..., Path]) -> None:
    rain = np.full((2, 4), 1600.0, dtype="float32")
    rain[1, 3] = 6000.0  # possible (hard range [0, 10 000] mm) but rare (soft max 5000 mm)
    acc = _account(tiny(layers={"precipitation": rain}))
    (d,) = acc.decisions
    assert (d.kind, d.subject, d.basis, d.values) == (
        "soft_range",
        "precipitation",
        "rule",
        (0, 1, 1600.0, 6000.0),
    )
    assert d.message_en == (
        "annual precipitation: 1 cell above 5000 mm (up to 6000), outside the usual range "
        "[10, 5000] mm but inside the valid range [0, 10000] mm; used as given."
    )
    assert d.message_zh == (
        "年降水量：1 个栅格高于 5000 mm（最高 6000），超出常见范围 [10, 5000] mm，但在有效范围 "
        "[0, 10000] mm 之内，按原值使用。"
    )


def test_npp_in_kg_per_m2_is_refused(tiny: Callable[..., Path]) -> None:
    kg = {1: 1.2, 2: 0.9, 3: 0.6, 5: 1.0, 6: 0.1, 7: 0.0}  # the tiny NPP (g/m²) × 0.001
    path = tiny(layers={"npp": np.vectorize(lambda c: kg[int(c)])(TINY_ECO).astype("float32")})
    # the 8 values, sorted: 0, 0.1, 0.6, 0.9 | 1.0, 1.2, 1.2, 1.2; half the cells lie at or
    # below the histogram bin of 0.9, whose upper edge is 10^(-6 + 298/50) = 0.912
    with pytest.raises(InputError) as err:
        _account(path)
    assert str(err.value) == (
        f"{path}: layer 'npp' (2022/npp.tif) has a median over the region's cells of about "
        "0.912 g/m2, outside the typical band 50–2500 g/m2 of net primary production, dry "
        "matter; it looks like kg/m2 — ganpo reads g/m2: multiply by 1000. If the values "
        'are right, declare accept_unusual = "<why they are>" on the layer\'s [[layers]] entry / '
        "净初级生产力（干物质）图层 'npp'（2022/npp.tif）全区栅格中位数约为 0.912 g/m2，超出"
        "净初级生产力（干物质）的常见范围 50–2500 g/m2；看来单位是 kg/m2，而 ganpo 按 g/m2 读取："
        "请乘以 1000。如果数值无误，请在该图层的 [[layers]] 条目中声明 "
        'accept_unusual = "<数值无误的理由>"'
    )
    assert err.value.field == "accept_unusual"


def test_precipitation_in_tenths_of_mm_is_refused(tiny: Callable[..., Path]) -> None:
    """16 000 is also beyond the hard maximum (10 000 mm): the band check comes first, with
    the likely cause. A uniform layer's median is exact (clipped to its minimum/maximum)."""
    path = tiny(layers={"precipitation": np.full((2, 4), 16_000.0, dtype="float32")})
    with pytest.raises(InputError) as err:
        _account(path)
    assert str(err.value) == (
        f"{path}: layer 'precipitation' (2022/precipitation.tif) has a median over the "
        "region's cells of about 16000 mm, outside the typical band 300–4000 mm of annual "
        "precipitation; it looks like 0.1 mm (scaled integers) — ganpo reads mm: divide by "
        '10. If the values are right, declare accept_unusual = "<why they are>" on the '
        "layer's [[layers]] entry / "
        "年降水量图层 'precipitation'（2022/precipitation.tif）全区栅格中位数约为 16000 mm，超出"
        "年降水量的常见范围 300–4000 mm；看来单位是 0.1 mm（按整数缩放存储），而 ganpo 按 mm 读取："
        "请除以 10。如果数值无误，请在该图层的 [[layers]] 条目中声明 "
        'accept_unusual = "<数值无误的理由>"'
    )
    assert err.value.values == [16_000.0]


def test_accept_unusual_is_a_decision(tiny: Callable[..., Path]) -> None:
    arid = np.full((2, 4), 200.0, dtype="float32")  # below the band: an arid basin
    path = tiny(layers={"precipitation": arid})
    with pytest.raises(InputError, match=r"about 200 mm, outside the typical band .* like cm"):
        _account(path)
    reason = "desert basin: 200 mm a year is the station record"
    acc = _account(declare(path, "precipitation", accept_unusual=reason))
    (d,) = acc.decisions
    assert (d.kind, d.subject, d.basis, d.values) == (
        "unusual_distribution",
        "precipitation",
        "manifest",
        (200.0, 300, 4000),
    )
    assert d.message_en == (
        "annual precipitation: the median over the region's cells, about 200 mm, lies "
        "outside the typical band 300–4000 mm; the layer is used as the dataset's manifest "
        f"declares it right: {reason}"
    )


def test_accept_unusual_needs_a_reason(tiny: Callable[..., Path]) -> None:
    path = declare(tiny(), "npp", accept_unusual="  ")
    with pytest.raises(ManifestError, match="accept_unusual needs the reason why"):
        load_manifest(path)


def test_every_band_holds_its_slips() -> None:
    """Each slip a role names, applied to the middle of its band, leaves the band (so the
    check can see it) and is named when the median is off by it."""
    for role, spec in LAYER_ROLES.items():
        if spec.typical is None:
            continue
        lo, hi = spec.typical
        middle = math.sqrt(lo * hi) if lo > 0 else (lo + hi) / 2
        for slip in spec.slips:
            off = middle / slip.factor
            assert not lo <= off <= hi, (role, slip)
            assert spec.likely_slip(off) == slip, (role, slip)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(1e-5, 1e6), min_size=1, max_size=60))
def test_histogram_median_lies_within_a_bin(values: list[float]) -> None:
    """The median read from the histogram lies in the bin of the value of rank ⌈n/2⌉:
    within a factor 10^(1/50) (4.7 %) of it."""
    est = histogram.median(histogram.counts(np.array(values)))
    v = sorted(values)[math.ceil(len(values) / 2) - 1]
    assert abs(math.log10(est) - math.log10(v)) <= 1 / histogram.PER_DECADE + 1e-12


def test_histogram_orders_signs() -> None:
    h = histogram.counts(np.array([-40.0, -3.0, 0.0, 0.0, 5.0, np.nan]))
    assert h.sum() == 5  # NaN left out
    assert histogram.median(h) == 0.0
    assert histogram.median(histogram.counts(np.array([-40.0, -3.0, -2.0]))) == pytest.approx(
        -3.0, rel=0.05
    )


# --- the demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_dataset(tmp_path_factory.mktemp("demo"), resolution_m=4000.0)


def test_demo_runs_without_decisions(demo: Path) -> None:
    """The demo declares what it needs: its static layers are of timeless roles, every
    layer covers every unit (its synthetic townships) that has a cell, every median lies
    in its band, no value outside a soft range."""
    m = load_manifest(demo).manifest
    static = [e for e in m.layers if e.year is None]
    assert static and all(not LAYER_ROLES[e.role].per_year for e in static)
    acc = run_account(demo, 2023, "national-2022", chunk=256)
    assert acc.decisions == []
    cov = acc.coverage
    assert set(cov.unit_code) == set(acc.units.unit_code)
    # at 4 km a few small townships hold no cell centre: their share is undefined (NaN),
    # and they are the units the run warned about; every other unit is fully covered
    assert (cov.share[cov.cells > 0] == 1.0).all()
    assert cov.share[cov.cells == 0].isna().all()
    empty = set(cov.unit_code[cov.cells == 0])
    assert empty and any(f"{len(empty)} unit(s) have no cell centre" in w for w in acc.warnings)
    assert len(cov) == len(acc.units) * len(set(cov.role))
    assert isinstance(cov, pd.DataFrame) and list(cov.columns) == COVERAGE_COLUMNS
