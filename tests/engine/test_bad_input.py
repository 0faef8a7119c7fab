"""Bad input stops the account with a message naming the file, field and values."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
import tomli_w
from rasterio.transform import from_origin

from ganpo.catalog.profiles import load_profile
from ganpo.engine.account import run_account
from ganpo.errors import GridError, InputError, ManifestError, TableError, UnknownNameError
from ganpo.io.manifest import load_manifest
from tinydata import TINY_ECO, X0, Y0, declare, write_raster


def test_missing_layer_file(tiny: Callable[..., Path]) -> None:
    path = tiny()
    (path.parent / "2022/npp.tif").unlink()
    with pytest.raises(
        ManifestError,
        match=r"manifest.toml: files listed in the manifest are missing: 2022/npp.tif",
    ):
        load_manifest(path)


def test_changed_file_is_detected(tiny: Callable[..., Path]) -> None:
    path = tiny()
    with (path.parent / "2022/water.csv").open("a") as fh:
        fh.write("\n")
    with pytest.raises(ManifestError, match=r"2022/water.csv has changed since the manifest"):
        load_manifest(path)


def test_layer_on_another_grid(tiny: Callable[..., Path]) -> None:
    path = tiny()
    # overwrite precipitation with a raster shifted by half a cell, then re-record checksums
    write_raster(
        path.parent / "2022/precipitation.tif",
        np.full((2, 4), 1600.0, "float32"),
        nodata=-9999.0,
        transform=from_origin(X0 + 50, Y0, 100, 100),
    )
    ds = load_manifest(path, verify=False)
    with pytest.raises(
        GridError,
        match=r"precipitation.tif: layer 'precipitation' is not on the grid of ecosystem_type.tif: transform",
    ):
        run_account(ds, 2022)


def test_layer_in_wrong_crs(tiny: Callable[..., Path]) -> None:
    path = tiny()
    write_raster(
        path.parent / "2022/npp.tif",
        np.full((2, 4), 900.0, "float32"),
        nodata=-9999.0,
        crs="EPSG:32650",
    )
    with pytest.raises(
        GridError, match=r"layer 'npp' is not on the grid .*CRS 'WGS 84 / UTM zone 50N'"
    ):
        run_account(load_manifest(path, verify=False), 2022)


def test_geographic_grid_is_refused(tiny: Callable[..., Path]) -> None:
    path = tiny()
    write_raster(
        path.parent / "2022/ecosystem_type.tif",
        TINY_ECO,
        nodata=255,
        crs="EPSG:4326",
        transform=from_origin(115, 29, 0.001, 0.001),
    )
    with pytest.raises(GridError, match=r"not an equal-area projection"):
        run_account(load_manifest(path, verify=False), 2022)


def test_unknown_ecosystem_code(tiny: Callable[..., Path]) -> None:
    eco = TINY_ECO.copy()
    eco[0, 0] = 99
    eco[0, 1] = 99
    with pytest.raises(
        InputError,
        match=r"ecosystem_type.tif: unknown ecosystem code\(s\) 99 \(2 cells\); valid codes are "
        r"1–8 \(level 1\) and 11–17, 21–24",
    ):
        run_account(tiny(eco=eco), 2022)


def test_negative_precipitation(tiny: Callable[..., Path]) -> None:
    p = np.full((2, 4), 1600.0, dtype="float32")
    p[1, 2] = -5.0
    with pytest.raises(
        InputError,
        match=r"precipitation.tif: layer 'precipitation' has values from -5 to 1600 mm .* valid annual precipitation lies in \[0, 10000\] mm",
    ):
        run_account(tiny(layers={"precipitation": p}), 2022)


def test_missing_column(tiny: Callable[..., Path]) -> None:
    text = "county_adcode,county_name,visits\n360101,甲县,3\n360102,乙县,1\n"
    with pytest.raises(
        TableError,
        match=r"tourism.csv: missing column\(s\) tourism_revenue; a 'tourism' table needs county_adcode, visits, tourism_revenue",
    ):
        run_account(tiny(tables={"tourism": text}), 2022)


def test_table_values_all_reported_at_once(tiny: Callable[..., Path]) -> None:
    text = (
        "county_adcode,county_name,visits,tourism_revenue\n"
        "360101,甲县,many,0.2\n"
        "360101,甲县,1,-0.1\n"
    )
    with pytest.raises(TableError) as err:
        run_account(tiny(tables={"tourism": text}), 2022)
    msg = str(err.value)
    assert "row 2, column visits: 'many' is not a number" in msg
    assert "row 3, column tourism_revenue: -0.1 is negative" in msg
    assert "county 360101 appears in rows 2, 3" in msg
    assert "no row for county adcode(s) 360102" in msg


def test_unknown_parameter_set(tiny: Callable[..., Path]) -> None:
    with pytest.raises(
        UnknownNameError,
        match=r"unknown parameter set 'jiangxi'; valid names: garze-2010, jiangxi-default",
    ):
        run_account(tiny(), 2022, parameter_set="jiangxi")


def test_year_not_in_dataset(tiny: Callable[..., Path]) -> None:
    with pytest.raises(InputError, match=r"the dataset has no year 2030; it has 2022"):
        run_account(tiny(), 2030)


def test_layer_with_wrong_unit(tiny: Callable[..., Path]) -> None:
    path = tiny()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for layer in data["layers"]:
        if layer["role"] == "npp":
            layer["unit"] = "gC/m2"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"npp.tif: layer 'npp' is declared in 'gC/m2' but ganpo reads npp in 'g/m2'",
    ):
        run_account(path, 2022)


def test_manifest_with_unknown_role(tiny: Callable[..., Path]) -> None:
    path = tiny()
    path.write_text(
        path.read_text(encoding="utf-8").replace('role = "npp"', 'role = "gpp"'), encoding="utf-8"
    )
    with pytest.raises(
        ManifestError, match=r"unknown role 'gpp'; valid roles: dem, ecosystem_type"
    ):
        load_manifest(path)


def test_nodata_value_is_read_from_file(tiny: Callable[..., Path]) -> None:
    """A sanity check of the fixture: the nodata value is stored in the GeoTIFF."""
    path = tiny()
    with rasterio.open(path.parent / "2022/npp.tif") as src:
        assert src.nodata == -9999.0


def test_unknown_profile(tiny: Callable[..., Path]) -> None:
    with pytest.raises(
        UnknownNameError,
        match=r"unknown profile 'jx'; valid names: gbt-46869-2025, jiangxi-db36-2021, national-2022",
    ):
        run_account(tiny(), 2022, "jx")


def test_parameter_missing_for_method(tiny: Callable[..., Path]) -> None:
    # the Garzê account has no flood regulation by vegetation: the Jiangxi profile needs it
    with pytest.raises(
        InputError,
        match=r"garze-2010: parameter set 'garze-2010' has no value "
        r"'runoff_reduction_coefficient' \(unit 1\); add it to the set or choose a set",
    ):
        run_account(tiny(), 2022, parameter_set="garze-2010")


def test_price_missing_for_the_accounting_year_names_it_and_the_profile(
    tiny: Callable[..., Path],
) -> None:
    # the policy 'accounting_year' asks every price at 2022 prices; the reservoir cost is
    # stated for 2010 only
    with pytest.raises(
        InputError,
        match=r"no price 'reservoir_cost' for 2022 in parameter set 'jiangxi-default' "
        r"\(profile 'jiangxi-db36-2021'\); it has 2010\. Add the 2022 price",
    ):
        run_account(tiny(), 2022, "jiangxi-db36-2021", price_policy="accounting_year")


def test_lake_in_a_region_without_a_published_regression_is_refused(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    # Poyang-like lake of the eastern plain: only the plateau pair could be read
    base = load_profile("jiangxi-db36-2021").model_dump(exclude_none=True)
    base["indicators"] = {"flood_regulation": "storage_capacity"}
    base["name"] = "lakes-by-regression"
    prof = tmp_path / "p.toml"
    prof.write_text(tomli_w.dumps(base), encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"lake\(s\) 甲湖 lie in the eastern plain lake region \(东部平原\), for which "
        r"parameter set 'jiangxi-default' has no storage regression \(lake_storage_a_eastern_plain",
    ):
        run_account(tiny(), 2022, str(prof))


def test_missing_table_for_profile(tiny: Callable[..., Path]) -> None:
    path = tiny()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["tables"] = [t for t in data["tables"] if t["role"] != "landscape"]
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    with pytest.raises(
        ManifestError,
        match=r"no 'landscape' table \(landscape premium of housing\) for 2022; the profile's methods need its column\(s\) benefiting_area, landscape_premium",
    ):
        run_account(path, 2022)


def test_rasters_not_overlapping_the_region(tiny: Callable[..., Path]) -> None:
    path = tiny()
    far = from_origin(X0 + 1_000_000, Y0, 100, 100)  # 1000 km east of the counties
    for src in [*path.parent.glob("2022/*.tif"), *path.parent.glob("*.tif")]:
        with rasterio.open(src) as r:
            data, nodata = r.read(1), r.nodata
        write_raster(src, data, nodata=nodata, transform=far)
    with pytest.raises(
        InputError,
        match=r"ecosystem_type.tif: no cell of the grid has its centre inside any of the 2 units: the rasters do not overlap the region",
    ):
        run_account(load_manifest(path, verify=False), 2022)


def test_missing_nodata_value_is_a_logged_decision(tiny: Callable[..., Path]) -> None:
    path = tiny()
    write_raster(path.parent / "2022/npp.tif", np.full((2, 4), 900.0, "float32"), nodata=None)
    acc = run_account(load_manifest(path, verify=False), 2022)
    (d,) = acc.decisions  # a choice the account states: every finite cell is data
    assert (d.kind, d.subject, d.basis, d.source) == (
        "nodata_undeclared",
        "npp",
        "rule",
        "2022/npp.tif",
    )
    assert d.message_en == (
        "net primary production, dry matter: the file declares no nodata value, so every "
        "finite cell is taken as data (NaN cells as missing); used as given. If the file "
        "marks missing cells with a value, declare it (gdal_edit.py -a_nodata)."
    )
    assert d.message_zh.startswith("净初级生产力（干物质）：文件未声明无数据值（nodata）")
    assert not any("nodata" in w for w in acc.warnings)  # said once, as the decision


def test_nodata_value_inside_the_valid_range_is_a_logged_decision(
    tiny: Callable[..., Path],
) -> None:
    """A nodata value that is also a plausible value (0 mm of rain) cannot be told apart
    from data: the cells are read as missing, and the account says so."""
    path = tiny()
    rain = np.array([[1600, 0, 1600, 1600], [1600, 1600, 1600, 1600]], "float32")
    write_raster(path.parent / "2022/precipitation.tif", rain, nodata=0.0)
    declare(path, "precipitation", gap_policy="leave_out")  # A is 75 % covered
    acc = run_account(load_manifest(path, verify=False), 2022)
    (warning,) = [w for w in acc.warnings if "nodata value 0 is a valid" in w]
    assert "2022/precipitation.tif" in warning and "-9999" in warning
    assert any("left out of the sum" in w for w in acc.warnings)  # the 0 cell is missing
