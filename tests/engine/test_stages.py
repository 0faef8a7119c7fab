"""The stages of an account run (ganpo.engine.stages), each alone on the tiny dataset.

The tiny dataset (tests/tinydata.py): county A (360101) and B (360102), 4 cells of
10 000 m² each; profile jiangxi-db36-2021, prices as given (no deflation), so a price is
the parameter set's value: reservoir cost 7.06 CNY/m³, dredging cost 15.58 CNY/m³.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import pytest

from ganpo.engine import account
from ganpo.engine.stages.blockwise import PassGraph, PassSums, RasterPart, build_pass
from ganpo.engine.stages.checks import check_pass
from ganpo.engine.stages.context import Run
from ganpo.engine.stages.on_grid import OnGrid, align_on_grid
from ganpo.engine.stages.plan import Plan, load_plan, load_units
from ganpo.engine.stages.rows import sums_to_rows
from ganpo.engine.stages.select import Selection, select_layers
from ganpo.engine.zonal import N_CODES
from ganpo.errors import InputError, ManifestError
from ganpo.io.manifest import load_manifest, write_manifest
from tinydata import TINY_ECO, write_raster

A, B = 360101, 360102
REL = 1e-12  # a product of two float64 numbers


def _run(path: Path, **kw: object) -> Run:
    return Run(path, 2022, "jiangxi-db36-2021", price_policy="as_given", chunk=2, **kw)  # type: ignore[arg-type]


def _upto_pass(path: Path) -> tuple[Run, Plan, Selection, OnGrid, PassGraph]:
    """Stages 1–5a on the tiny dataset: everything before the pass is computed."""
    run = _run(path)
    plan = load_plan(run)
    selection = select_layers(run, plan)
    on_grid = align_on_grid(run, plan, selection, load_units(run, plan))
    return run, plan, selection, on_grid, build_pass(run, plan, selection, on_grid)


def _sums(parts: list[RasterPart], cells: dict[tuple[int, int], int]) -> PassSums:
    """Hand-built pass sums: ``cells[(unit row, code)]``, every total and gap zero."""
    counts = np.zeros((2, N_CODES))
    for (row, code), n in cells.items():
        counts[row, code] = n
    zeros = np.zeros((len(parts), 2, N_CODES))
    return PassSums(parts, counts, zeros.copy(), zeros.copy(), {}, pd.DataFrame())


# the real extent of the tiny dataset: A forest 2, shrub 1, built-up 1;
# B water 1, cropland 1, forest 1, grassland 1
TINY_CELLS = {(0, 1): 2, (0, 2): 1, (0, 6): 1, (1, 7): 1, (1, 5): 1, (1, 1): 1, (1, 3): 1}


def test_layer_selection_stops_on_a_missing_role(tiny: Callable[..., Path]) -> None:
    path = tiny()
    ds = load_manifest(path, verify=False)
    ds.manifest.layers = [e for e in ds.manifest.layers if e.role != "npp"]
    write_manifest(ds.manifest, ds.root)
    run = _run(path)
    plan = load_plan(run)
    with pytest.raises(ManifestError) as err:
        select_layers(run, plan)
    assert str(err.value) == (
        f"{path}: no layer for role(s) npp in year 2022; add them to the manifest (each "
        "[[layers]] entry needs role, path, unit, year, source, synthetic) / "
        "数据清单中没有 2022 年的净初级生产力（干物质）图层（npp）；请将其加入数据清单（每个 "
        "[[layers]] 条目需写明 role、path、unit、year、source、synthetic）"
    )
    assert err.value.field == "layers" and err.value.values == ["npp"]


def test_layer_selection_takes_a_held_layer_from_its_year(tiny: Callable[..., Path]) -> None:
    path = tiny(more_years={2023: {}})
    run = _run(path, layer_years={"ecosystem_type": 2023})
    selection = select_layers(run, load_plan(run))
    assert next(iter(selection.entries)) == "ecosystem_type"
    assert selection.entries["ecosystem_type"].year == 2023
    assert selection.entries["precipitation"].year == 2022
    assert selection.needed == sorted(selection.needed)
    assert run.notes[-1] == "counterfactual: layer ecosystem_type of 2023 instead of 2022"


def test_building_the_pass_computes_nothing(tiny: Callable[..., Path]) -> None:
    run = _run(tiny())
    plan = load_plan(run)
    selection = select_layers(run, plan)
    on_grid = align_on_grid(run, plan, selection, load_units(run, plan))

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a dask graph was computed while it was being built")

    with dask.config.set(scheduler=refuse):
        graph = build_pass(run, plan, selection, on_grid)
    assert [p.method.indicator for p in graph.parts][:2] == [
        "water_conservation",
        "flood_regulation",
    ]
    assert graph.checked == list(on_grid.layers)  # needed layers, then derived ones
    assert run.log[-1].endswith("tiny 2022: 8 raster components over 4×2 cells in blocks of 2")


def test_unknown_ecosystem_codes_stop_the_run_before_the_grid_work(
    tiny: Callable[..., Path],
) -> None:
    eco = TINY_ECO.copy()
    eco[1, 3] = 99  # unit B: one cell of code 99, two of code 9 (neither in the table)
    eco[1, 2] = eco[0, 3] = 9
    path = tiny(eco=eco)
    run = _run(path)
    plan = load_plan(run)
    with pytest.raises(InputError) as err:
        align_on_grid(run, plan, select_layers(run, plan), load_units(run, plan))
    assert str(err.value) == (
        f"{path.parent / '2022/ecosystem_type.tif'}: unknown ecosystem code(s) 9 (2 cells), "
        "99 (1 cells); valid codes are 1–8 (level 1) and 11–17, 21–24, 31–38, 41–43, 51–53, "
        "61–64, 71–74, 81–85 (level 2) (ecosystem_types.csv) and 255 for nodata; reclassify "
        "the raster / 行政区内有未知的生态系统类型编码 9（2 个栅格）、99（1 个栅格）；有效编码为 "
        "1–8（一级）及 11–17、21–24、31–38、41–43、51–53、61–64、71–74、81–85（二级）"
        "（ecosystem_types.csv），无数据值为 255；请重新分类该栅格。"
    )
    assert err.value.field == "ecosystem_type" and err.value.values == [9, 99]
    assert not (path.parent / "derived").exists()  # no derived layer was made


@pytest.mark.parametrize(
    ("value", "dtype", "nodata", "said"),
    [
        (300, "int16", 255, "300 (1 cells)"),
        (-5, "int16", 255, "-5 (1 cells)"),
        (3.5, "float32", 255, "3.5 (1 cells)"),
        (np.nan, "float32", None, "nan (1 cells)"),
        (3.0000001, "float64", 255, "3.0000001 (1 cells)"),  # never cut to 3, nor shown as 3
        (3.0000002, "float32", 255, "3.0000002 (1 cells)"),
    ],
)
def test_values_that_are_no_ecosystem_code_stop_the_run_before_the_pass(
    tiny: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    value: float,
    dtype: str,
    nodata: float | None,
    said: str,
) -> None:
    """Such a value stopped the derived layers or the pass with an index error (a bug
    report, exit 1); -5 even passed the kernel's guard for "none found" (-1)."""
    path = tiny()
    eco = TINY_ECO.astype(dtype)
    eco[0, 0] = value
    write_raster(path.parent / "2022/ecosystem_type.tif", eco, nodata=nodata)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pass was built")

    monkeypatch.setattr(account, "build_pass", never)
    with pytest.raises(InputError) as err:
        account.run_account(load_manifest(path, verify=False), 2022, chunk=2)
    message = str(err.value)
    assert message.startswith(
        f"{path.parent / '2022/ecosystem_type.tif'}: 1 cells hold values that are no "
        f"ecosystem code: {said}; an ecosystem map holds whole numbers 0–255: the codes of "
        "ecosystem_types.csv and 255 for cells without a type. Reclassify the raster and "
        "write it as integers (Byte), with 255 for nodata / 有 1 个栅格的值不是生态系统类型编码："
    )
    assert "无数据值用 255" in message and "declares" not in message
    assert not (path.parent / "derived").exists()


def test_a_float_ecosystem_map_of_whole_codes_is_read_as_its_codes(
    tiny: Callable[..., Path],
) -> None:
    """GDAL tools often write a classification as float32: a map of whole codes gives the
    account of the same map as Byte (decision 0072; the upload accepts it too)."""
    path = tiny()
    as_bytes = account.run_account(load_manifest(path, verify=False), 2022, chunk=2).results
    for dtype in ("float32", "float64"):
        write_raster(path.parent / "2022/ecosystem_type.tif", TINY_ECO.astype(dtype), nodata=255)
        got = account.run_account(load_manifest(path, verify=False), 2022, chunk=2).results
        pd.testing.assert_frame_equal(got, as_bytes)


def test_a_nodata_value_other_than_255_is_named(tiny: Callable[..., Path]) -> None:
    path = tiny()
    eco = TINY_ECO.astype("int16")
    eco[1, 1] = -9999
    write_raster(path.parent / "2022/ecosystem_type.tif", eco, nodata=-9999)
    with pytest.raises(InputError) as err:
        account.run_account(load_manifest(path, verify=False), 2022, chunk=2)
    assert str(err.value).endswith(
        "; the file declares -9999 as its nodata value, but ganpo reads 255 as an ecosystem "
        "map's nodata: write its nodata cells as 255 (gdal_calc.py, then gdal_edit.py "
        "-a_nodata 255) / 有 1 个栅格的值不是生态系统类型编码：-9999（1 个栅格）；生态系统类型"
        "图层只能含 0–255 的整数，即 ecosystem_types.csv 中的编码及表示无类型的 255。请重新"
        "分类该栅格，以整数（Byte）写出，无数据值用 255；该文件声明的无数据值为 -9999，而 "
        "ganpo 以 255 作为生态系统类型图层的无数据值：请将无数据栅格改写为 255（gdal_calc.py，"
        "再用 gdal_edit.py -a_nodata 255）。"
    )
    assert err.value.values == [-9999]


def test_pass_check_warns_in_order(tiny: Callable[..., Path]) -> None:
    """Unit A without any cell, 3 cells without type, a component with gaps: three
    warnings, in the order of the checks; no error."""
    run, plan, selection, on_grid, graph = _upto_pass(tiny())
    sums = _sums(graph.parts, {(1, 1): 5, (1, 255): 3})
    sums.gaps[0][1, 1] = 2  # water conservation: 2 forest cells of B without a value
    sums.gaps[0][1, 255] = 3  # cells without type are not gaps of a providing type
    check_pass(run, plan, selection, on_grid, sums)
    assert run.warnings == [
        "1 unit(s) have no cell centre inside them at this resolution (360101); their "
        "raster services are 0 — use a finer grid",
        f"3 cells inside the units have no ecosystem type ({on_grid.eco_path.name}); they "
        "count in no raster service",
        "water_conservation: 2 cells of a providing ecosystem type have nodata in an input "
        "layer and are left out of the sum (not counted as zero)",
    ]


def test_pass_check_stops_when_no_cell_is_inside_the_units(tiny: Callable[..., Path]) -> None:
    run, plan, selection, on_grid, graph = _upto_pass(tiny())
    with pytest.raises(InputError, match="no cell of the grid has its centre inside any of the 2"):
        check_pass(run, plan, selection, on_grid, _sums(graph.parts, {}))


def test_rows_from_hand_built_sums(tiny: Callable[..., Path]) -> None:
    run, plan, selection, on_grid, graph = _upto_pass(tiny())
    by_name = {p.method.indicator: p for p in graph.parts}
    parts = [by_name[i] for i in ("water_conservation", "soil_retention", "sediment_export")]
    sums = _sums(parts, TINY_CELLS)
    sums.totals[0][0, 1] = 100.0  # water conservation: 100 m³ on A's forest
    sums.totals[0][1, 3] = 50.0  # … 50 m³ on B's grassland
    sums.totals[1][1, 5] = 2.0  # soil retention: 2 t on B's cropland
    sums.totals[2][1, 5] = 0.5  # sediment export (physical): 0.5 t from B's cropland
    rows = sums_to_rows(run, plan, selection, on_grid, sums)

    results = pd.concat(rows.rows, ignore_index=True)
    wc = results[results.indicator == "water_conservation"]
    assert list(zip(wc.county_adcode, wc.ecosystem_code, wc.quantity, strict=True)) == [
        (A, 1, 100.0),
        (B, 3, 50.0),
    ]
    # value = quantity × reservoir cost 7.06 CNY/m³: 706 and 353 CNY
    assert wc.value_cny.tolist() == pytest.approx([706.0, 353.0], rel=REL)
    assert set(wc.price_key) == {"reservoir_cost"} and set(wc.price) == {7.06}
    # soil retention's combined unit value per t: silt 0.24 / 0.93 t m⁻³ × 15.58 CNY/m³
    # + N 0.00153 × 1750 + P 0.00048 × 5600 = 4.02065 + 2.6775 + 2.688 = 9.38615 CNY/t;
    # 2 t → 18.7723 CNY, shown beside the headline price (dredging cost 15.58 CNY/m³)
    sr = results[results.indicator == "soil_retention"]
    per_t = 0.24 / 0.93 * 15.58 + 0.00153 * 1750.0 + 0.00048 * 5600.0
    assert sr.value_cny.item() == pytest.approx(2.0 * per_t, rel=REL)
    assert (sr.county_adcode.item(), sr.ecosystem_code.item(), sr.price.item()) == (B, 5, 15.58)
    assert set(results.category) == {"regulating"}
    assert "sediment_export" not in set(results.indicator)  # physical: never valued…
    assert rows.physical.to_dict("records") == [  # …but reported beside the GEP
        {
            "indicator": "sediment_export",
            "method": "sdr_mfd",
            "component": "",
            "ecosystem_code": 5,
            "unit_code": B,  # a county-level dataset: its units are its counties
            "county_adcode": B,
            "quantity": 0.5,
            "quantity_unit": "t",
        }
    ]
    # extent: the cell counts × 10 000 m², nodata cells left out
    extent = rows.extent.set_index(["unit_code", "ecosystem_code"])
    assert extent.loc[(A, 1)].tolist() == [A, 2, 20_000.0]
    assert extent.area_m2.sum() == 80_000.0
    assert rows.codes.tolist() == [A, B]
    assert rows.county_of == {A: A, B: B}
