"""The land-use scenario tools read an ecosystem map as the account does (decision 0076):
a map of any dtype whose values are whole numbers 0–255 is read as its codes, exactly
as the Byte map; any other value (3.0000001, 3.5, NaN, −5, 300) is refused with the
account's words, the file, the value and its first cell — never cut to a code, never an
IndexError. On the synthetic land-use demo at 8 km (81 × 60 cells)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
from typer.testing import CliRunner

from ganpo.catalog.ecosystems import RASTER_NODATA, code_map_rule
from ganpo.cli.main import app
from ganpo.demo.landuse import build_landuse_demo
from ganpo.errors import InputError
from ganpo.landuse.gep import level1_map, onto_grid
from ganpo.landuse.region import paste_window
from ganpo.landuse.run import read_cover, simulate, validation_tables

#: (dtype, value written into one cell, the value as the refusal shows it)
NOT_CODES = [
    ("float64", 3.0000001, "3.0000001"),
    ("float32", 3.0000002, "3.0000002"),
    ("float32", 3.5, "3.5"),
    ("float32", 3.7, "3.7"),
    ("float32", np.nan, "nan"),
    ("int16", -5, "-5"),
    ("int16", 300, "300"),
]
#: the cell given the value: a classified cell below the first block of 27 rows
CELL = (40, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lu")
    build_landuse_demo(out, resolution_m=8000.0)
    return out


def _as(source: Path, target: Path, dtype: str, cell_value: float | None = None) -> Path:
    """``source`` written as ``dtype`` (no declared nodata unless the map keeps 255 as
    nodata), with ``cell_value`` at :data:`CELL`."""
    with rasterio.open(source) as src:
        data = src.read(1).astype(dtype)
        profile = dict(src.profile, dtype=dtype, nodata=None)
    assert data[CELL] != RASTER_NODATA
    if cell_value is not None:
        data[CELL] = cell_value
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(data, 1)
    return target


def _refused(exc: pytest.ExceptionInfo[InputError], path: Path, shown: str) -> None:
    text = str(exc.value)
    rule_en, rule_zh = code_map_rule()
    assert path.name in text
    assert f"{shown} (1 cells)" in text and f"{shown}（1 个栅格）" in text
    assert rule_en in text and rule_zh in text
    assert f"row {CELL[0]}, column {CELL[1]}" in text
    assert f"第 {CELL[0]} 行、第 {CELL[1]} 列" in text


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_float_map_of_whole_codes_is_the_byte_map(demo: Path, tmp_path: Path, dtype: str) -> None:
    first = _as(demo / "cover_2022.tif", tmp_path / "first.tif", dtype)
    second = _as(demo / "cover_2023.tif", tmp_path / "second.tif", dtype)
    third = _as(demo / "cover_2024.tif", tmp_path / "third.tif", dtype)
    byte = read_cover(demo / "cover_2022.tif")
    assert np.array_equal(read_cover(first).cover, byte.cover)
    # the scenario in memory and block by block, and its validation
    for rows in (None, 27):
        folder = tmp_path / f"rows{rows}"
        folder.mkdir()
        byte_args = (demo / "cover_2022.tif", demo / "cover_2023.tif", demo / "dem.tif")
        simulate(*byte_args, folder / "byte.tif", seed=3, block_rows=rows)
        simulate(first, second, demo / "dem.tif", folder / "float.tif", seed=3, block_rows=rows)
        with rasterio.open(folder / "byte.tif") as a, rasterio.open(folder / "float.tif") as b:
            assert np.array_equal(a.read(1), b.read(1)), rows
    _, summary, per = validation_tables(second, third, tmp_path / "rows27" / "float.tif")
    _, summary_b, per_b = validation_tables(
        demo / "cover_2023.tif", demo / "cover_2024.tif", tmp_path / "rows27" / "byte.tif"
    )
    pd.testing.assert_frame_equal(summary, summary_b)
    pd.testing.assert_frame_equal(per, per_b)
    # the level-1 fold, the map onto the account grid, the scenario pasted in a baseline
    level1_map(demo / "cover_2022.tif", tmp_path / "l1b.tif")
    level1_map(first, tmp_path / "l1f.tif")
    onto_grid(demo / "cover_2022.tif", demo / "cover_2023.tif", tmp_path / "ogb.tif")
    onto_grid(first, second, tmp_path / "ogf.tif")
    paste_window(demo / "cover_2022.tif", demo / "cover_2023.tif", tmp_path / "pb.tif")
    paste_window(first, demo / "cover_2023.tif", tmp_path / "pf.tif")
    paste_window(demo / "cover_2022.tif", second, tmp_path / "pf2.tif")
    for byte_out, float_out in (("l1b", "l1f"), ("ogb", "ogf"), ("pb", "pf"), ("pb", "pf2")):
        with (
            rasterio.open(tmp_path / f"{byte_out}.tif") as a,
            rasterio.open(tmp_path / f"{float_out}.tif") as b,
        ):
            assert np.array_equal(a.read(1), b.read(1)), float_out


def test_a_declared_nodata_is_nodata(demo: Path, tmp_path: Path) -> None:
    """A Byte map's declared nodata other than 255 is nodata, as before; so is a float
    map's declared NaN (what ``ganpo landuse clip`` writes outside the unit)."""
    with rasterio.open(demo / "cover_2022.tif") as src:
        data, profile = src.read(1), dict(src.profile)
    byte = read_cover(demo / "cover_2022.tif")
    zero = np.where(data == RASTER_NODATA, 0, data).astype(np.uint8)
    with rasterio.open(tmp_path / "zero.tif", "w", **dict(profile, nodata=0)) as dst:
        dst.write(zero, 1)
    assert np.array_equal(read_cover(tmp_path / "zero.tif").cover, byte.cover)
    nan = np.where(data == RASTER_NODATA, np.nan, data).astype(np.float32)
    with rasterio.open(
        tmp_path / "nan.tif", "w", **dict(profile, dtype="float32", nodata=np.nan)
    ) as dst:
        dst.write(nan, 1)
    assert np.array_equal(read_cover(tmp_path / "nan.tif").cover, byte.cover)
    paste_window(tmp_path / "nan.tif", demo / "cover_2022.tif", tmp_path / "pasted.tif")
    with rasterio.open(tmp_path / "pasted.tif") as src:
        assert np.array_equal(src.read(1), data)


@pytest.mark.parametrize(("dtype", "value", "shown"), NOT_CODES)
def test_a_value_that_is_no_code_is_refused_by_every_reader(
    demo: Path, tmp_path: Path, dtype: str, value: float, shown: str
) -> None:
    good = demo / "cover_2023.tif"
    bad = _as(demo / "cover_2022.tif", tmp_path / "bad.tif", dtype, value)
    with pytest.raises(InputError) as exc:
        read_cover(bad)
    _refused(exc, bad, shown)
    for rows in (None, 27):  # in memory, block by block (the cell in the second block)
        with pytest.raises(InputError) as exc:
            simulate(good, bad, demo / "dem.tif", tmp_path / "sim.tif", block_rows=rows)
        _refused(exc, bad, shown)
    with pytest.raises(InputError) as exc:
        validation_tables(good, good, bad)
    _refused(exc, bad, shown)
    with pytest.raises(InputError) as exc:
        level1_map(bad, tmp_path / "l1.tif")
    _refused(exc, bad, shown)
    for source, like in ((bad, good), (good, bad)):
        with pytest.raises(InputError) as exc:
            onto_grid(source, like, tmp_path / "og.tif")
        _refused(exc, bad, shown)
    for scenario, baseline in ((bad, good), (good, bad)):
        with pytest.raises(InputError) as exc:
            paste_window(scenario, baseline, tmp_path / "pasted.tif")
        _refused(exc, bad, shown)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tif"]  # nothing written


@pytest.mark.parametrize("command", ["simulate", "validate"])
def test_cli_refuses_a_value_that_is_no_code(demo: Path, tmp_path: Path, command: str) -> None:
    bad = _as(demo / "cover_2022.tif", tmp_path / "bad.tif", "float32", 3.5)
    good = str(demo / "cover_2023.tif")
    args = {
        "simulate": [good, str(bad), "--dem", str(demo / "dem.tif"), "--out", str(tmp_path / "s")],
        "validate": [good, good, str(bad)],
    }[command]
    r = CliRunner(env={"COLUMNS": "400"}).invoke(app, ["landuse", command, *args])
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "3.5 (1 cells)" in text and "bad.tif" in text
    assert "Reclassify the raster" in text and "请重新分类该栅格" in text
    assert "Traceback" not in r.output


def test_cli_gep_on_a_float_dataset_map(tmp_path: Path) -> None:
    """`ganpo landuse gep` folds the dataset's map to level 1 itself: a Float32 map of whole
    codes gives the Byte map's ΔGEP table (before: an IndexError, exit 1), and one with
    3.5 is refused with exit code 2."""
    from ganpo.demo.generator import build_demo_dataset
    from ganpo.io.manifest import sha256_file

    manifest = build_demo_dataset(tmp_path / "acc", resolution_m=8000.0)
    eco = manifest.parent / "2023" / "ecosystem_type.tif"
    scenario = build_landuse_demo(tmp_path / "lu", resolution_m=8000.0) / "cover_2023.tif"
    runner = CliRunner(env={"COLUMNS": "400"})

    def gep(out: str) -> object:
        args = [str(manifest.parent), "2023", str(scenario), "--out", str(tmp_path / out)]
        return runner.invoke(app, ["landuse", "gep", *args])

    def rewrite(cell_value: float | None) -> None:
        before = sha256_file(eco)
        with rasterio.open(eco) as src:
            data, profile = src.read(1).astype("float32"), dict(src.profile, dtype="float32")
        if cell_value is not None:
            data[tuple(np.argwhere(data != RASTER_NODATA)[0])] = cell_value
        with rasterio.open(eco, "w", **profile) as dst:
            dst.write(data, 1)
        text = manifest.read_text(encoding="utf-8")
        manifest.write_text(text.replace(before, sha256_file(eco)), encoding="utf-8")

    r = gep("byte.csv")
    assert r.exit_code == 0, r.output
    rewrite(None)
    r = gep("float.csv")
    assert r.exit_code == 0, r.output
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "float.csv"), pd.read_csv(tmp_path / "byte.csv")
    )
    rewrite(3.5)
    r = gep("bad.csv")
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "ecosystem_type.tif" in text and "3.5 (1 cells), the first at row" in text
    assert "Reclassify the raster" in text and "请重新分类该栅格" in text
