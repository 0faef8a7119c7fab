"""Templates and upload checks of the reporting forms, without a store or HTTP.

A hand-made region of three counties keeps each case readable; every expected problem is
written out (row, column, value), so a check that stops at the first problem fails here.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin

from ganpo.catalog.units import conversion_factor, form_unit
from ganpo.io.roles import KEY_COLUMN, NAME_COLUMN, TABLE_ROLES
from ganpo.io.table_checks import TableContext
from ganpo.submissions.forms import form
from ganpo.submissions.template import (
    FIRST_DATA_ROW,
    fill_template,
    template_csv,
    template_xlsx,
)
from ganpo.submissions.validate import (
    DATA_SHEET,
    Limits,
    Region,
    UploadError,
    check_layer,
    check_layer_kind,
    check_size,
    check_table,
    sniff,
)

ALBERS = (
    "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)
REGION = Region(counties={360102: "东湖区", 360103: "西湖区", 360121: "南昌县"})
LIMITS = Limits()


def problems_of(data: bytes, key: str = "tourism", **kw: object) -> list[tuple]:
    with pytest.raises(UploadError) as info:
        check_table(data, form(key, 2023), kw.get("region", REGION), LIMITS)  # type: ignore[arg-type]
    return [(p.row, p.column, p.value) for p in info.value.problems]


def filled_xlsx(key: str, values: dict[tuple[int, str], object]) -> bytes:
    """The form's template with cells filled in: ``{(county adcode, column): value}``."""
    blank = template_xlsx(form(key, 2023), REGION)
    return fill_template(blank, lambda code, column: values.get((code, column)))  # type: ignore[call-overload]


def full_tourism() -> dict[tuple[int, str], object]:
    return {
        (code, col): v
        for code in REGION.counties
        for col, v in (("visits", 100.5), ("tourism_revenue", 10), ("trip_hours", 6))
    }


# ------------------------------------------------------------------------------ templates


def test_a_filled_template_is_read_back_as_filled() -> None:
    """fill_template writes by column key: the same values in every row (a mapping) or
    per county (a callable), and the upload reader finds them where they were written."""
    blank = template_xlsx(form("tourism", 2023), REGION)
    per_county = {360102: 1.25, 360103: 2.5, 360121: 3.75}
    filled = fill_template(
        fill_template(blank, {"tourism_revenue": 10.5, "trip_hours": None}),
        lambda code, column: per_county[code] if column == "visits" else None,  # type: ignore[index]
    )
    ok = check_table(filled, form("tourism", 2023), REGION, LIMITS)
    table = pd.read_csv(io.BytesIO(ok.csv_bytes))
    assert table["visits"].tolist() == [1.25, 2.5, 3.75]
    assert table["tourism_revenue"].tolist() == [10.5] * 3
    assert "trip_hours" not in table  # None left the optional column empty
    wb = openpyxl.load_workbook(io.BytesIO(filled))
    assert [c.value for c in wb[DATA_SHEET][FIRST_DATA_ROW]][:2] == [360102, "东湖区"]


@pytest.mark.parametrize("key", sorted(TABLE_ROLES))
def test_template_columns_are_the_declared_columns(key: str) -> None:
    f = form(key, 2023)
    declared = TABLE_ROLES[key].columns
    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx(f, REGION)))
    ws = wb[DATA_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1, max_row=5)]
    assert rows[1] == [KEY_COLUMN, NAME_COLUMN, *declared]  # the key row the reader finds
    # units as the department writes them (万元, 万人次 …), each convertible to the declared
    assert rows[4][2:] == [form_unit(u) if u != "text" else None for u in declared.values()]
    assert all("^" not in str(u) and "person-time" not in str(u) for u in rows[4])
    assert rows[4][0] == "单位 unit"
    assert all(isinstance(x, str) and x for x in rows[2] + rows[3])  # zh and en names
    data = [[c.value for c in r][:2] for r in ws.iter_rows(min_row=6, max_row=8)]
    if f.per_county:
        assert data == [[a, n] for a, n in REGION.counties.items()]
        assert ws.protection.sheet and not ws["C6"].protection.locked
    else:  # a list form: free rows, adcodes chosen from the counties sheet
        assert data == [[None, None]] * 3
        assert any("$A$2:$A$4" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    if key == "external":
        share = [dv for dv in ws.data_validations.dataValidation if dv.formula2 == "1"]
        assert share and share[0].type == "decimal"
    text = template_csv(f, REGION).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [KEY_COLUMN, NAME_COLUMN, *declared]
    assert lines[1][0] == "单位 unit"
    assert len(lines) == 2 + (len(REGION.counties) if f.per_county else 0)


def test_a_filled_template_passes_and_is_normalised() -> None:
    ok = check_table(filled_xlsx("tourism", full_tourism()), form("tourism", 2023), REGION, LIMITS)
    rows = list(csv.reader(io.StringIO(ok.csv_bytes.decode("utf-8"))))
    # optional columns left empty in every row are dropped; trip_hours filled: kept
    assert rows[0] == [KEY_COLUMN, NAME_COLUMN, "visits", "tourism_revenue", "trip_hours"]
    assert rows[1] == ["360102", "东湖区", "100.5", "10", "6"]
    # the template writes 万人次: the unit given, the same as the declared 10^4 person-time
    assert ok.n_rows == 3 and ok.columns["visits"] == "万人次"
    assert conversion_factor(ok.columns["visits"], "10^4 person-time") == 1.0
    assert ok.media == "xlsx"


def test_the_csv_template_filled_in_passes() -> None:
    text = template_csv(form("water_bodies", 2023), REGION).decode("utf-8-sig")
    filled = (
        text.replace("东湖区,", "东湖区,1.5")
        .replace("西湖区,", "西湖区,0")
        .replace("南昌县,", "南昌县,2e3")
    )
    ok = check_table(filled.encode("gb18030"), form("water_bodies", 2023), REGION, LIMITS)
    assert ok.n_rows == 3


# ------------------------------------------------------------------------- table problems


def test_every_problem_is_reported_at_once_with_row_column_value() -> None:
    values = full_tourism()
    values[(360102, "visits")] = "many"  # text in a number column
    values[(360103, "tourism_revenue")] = -3  # negative
    values[(360121, "visits")] = None  # empty required cell
    values[(360121, "trip_hours")] = None  # optional column partly filled: empty is a problem
    data = filled_xlsx("tourism", values)
    # rows are Excel row numbers: data starts in row 6 (title, keys, zh, en, units above)
    assert problems_of(data) == [
        (6, "visits", "many"),
        (7, "tourism_revenue", "-3"),
        (8, "visits", None),
        (8, "trip_hours", None),
    ]


def test_csv_problems_unknown_duplicate_missing_counties_and_columns() -> None:
    text = (
        "county_adcode,county_name,visits,tourism_revenu\n"  # a typo in a column name
        "360102,东湖区,1,2\n"
        "360102,东湖区,1,2\n"  # the same county twice
        "999999,某县,1,2\n"  # not a county of the region
        "36x,,1,2\n"  # not an adcode
        "360103,南昌县,1,2\n"  # name of another county: shifted rows?
    )
    got = problems_of(text.encode())
    assert got == [
        (1, "tourism_revenu", "tourism_revenu"),
        (1, "tourism_revenue", None),  # required column missing
        (3, KEY_COLUMN, "360102"),
        (4, KEY_COLUMN, "999999"),
        (5, KEY_COLUMN, "36x"),
        (6, NAME_COLUMN, "南昌县"),
        (None, KEY_COLUMN, "360121"),  # no row for this county
    ]


def test_formula_cells_are_refused_not_evaluated() -> None:
    values = full_tourism()
    values[(360103, "visits")] = "=1+1"
    values[(360121, "tourism_revenue")] = "=SUM(C6:C7)"
    with pytest.raises(UploadError) as info:
        check_table(filled_xlsx("tourism", values), form("tourism", 2023), REGION, LIMITS)
    got = [(p.row, p.column, p.value, p.cell) for p in info.value.problems]
    assert got == [(7, "visits", "=1+1", "C7"), (8, "tourism_revenue", "=SUM(C6:C7)", "D8")]
    assert "formula" in info.value.problems[0].reason_en
    assert "公式" in info.value.problems[0].reason_zh


def test_units_row_converts_or_refuses() -> None:
    text = (
        "county_adcode,county_name,visits,tourism_revenue\n"
        "单位 unit,,person-time,10^4 CNY\n"  # convertible: accepted, the unit is recorded
        "360102,,1,2\n360103,,1,2\n360121,,1,2\n"
    )
    ok = check_table(text.encode(), form("tourism", 2023), REGION, LIMITS)
    assert ok.columns == {"visits": "person-time", "tourism_revenue": "10^4 CNY"}
    bad = text.replace("10^4 CNY", "t")
    assert problems_of(bad.encode()) == [(2, "tourism_revenue", "t")]


def test_shares_must_lie_in_zero_one() -> None:
    text = (
        "county_adcode,water_supply_external_share,hydropower_external_share\n"
        "360102,0.2,1.5\n360103,0,0\n360121,1,0\n"
    )
    assert problems_of(text.encode(), key="external") == [(2, "hydropower_external_share", "1.5")]


def test_a_share_written_as_a_percentage_names_its_cell() -> None:
    wb_values = {
        (code, col): v
        for code in REGION.counties
        for col, v in (("water_supply_external_share", 0.1), ("hydropower_external_share", 0))
    }
    wb_values[(360103, "water_supply_external_share")] = 30
    with pytest.raises(UploadError) as info:
        check_table(filled_xlsx("external", wb_values), form("external", 2023), REGION, LIMITS)
    [p] = info.value.problems
    assert (p.row, p.column, p.value, p.cell) == (7, "water_supply_external_share", "30", "C7")
    assert p.reason_en == (
        "share of water supply from outside 30 is not a share in [0, 1]; looks like a "
        "percentage: write 0.30"
    )
    assert p.reason_zh == "供水区外来源比例 30 不是 0 到 1 之间的比例；看起来是百分数：请填 0.30"


def test_unusual_values_are_flagged_with_their_cell_not_refused() -> None:
    region = Region(REGION.counties, areas_km2={360102: 35.0, 360103: 30.0, 360121: 1800.0})
    last_year = pd.DataFrame(  # 100.5 万人次 and 10 亿元 in every county [base units]
        {"visits": [1.005e6] * 3, "tourism_revenue": [1e9] * 3},
        index=pd.Index(list(REGION.counties), name=KEY_COLUMN),
    )
    values = full_tourism()
    values[(360121, "visits")] = 240  # +139 % on last year: possible, unusual
    ok = check_table(
        filled_xlsx("tourism", values),
        form("tourism", 2023),
        region,
        LIMITS,
        TableContext(previous=last_year, previous_year=2022),
    )
    [flag] = ok.flags
    assert (flag.row, flag.column, flag.cell, flag.value, flag.county) == (
        8,
        "visits",
        "C8",
        "240",
        360121,
    )
    assert (flag.key, flag.kind, flag.subject) == (
        "fluctuation.visits@360121",
        "fluctuation",
        "tourism.visits",
    )
    assert flag.reason_en == (
        "tourist visits 240 10^4 visits changed by +139 % on 2022's 100.5 10^4 visits; the "
        "usual change lies within -50 % and +50 % (visits swing with new attractions, events "
        "and closures: up to half in a year)"
    )
    assert flag.as_dict()["reason"] == f"{flag.reason_zh} / {flag.reason_en}"
    # ten thousand times last year's in one county: a unit error, refused in its cell
    values[(360121, "visits")] = 1_005_000
    with pytest.raises(UploadError) as info:
        check_table(
            filled_xlsx("tourism", values),
            form("tourism", 2023),
            region,
            LIMITS,
            TableContext(previous=last_year, previous_year=2022),
        )
    cells = {(p.cell, p.reason_en.split(";")[-1].strip()) for p in info.value.problems}
    assert (
        "C8",
        "check the unit: it looks like values in visits (人次) written in a column of 10^4 "
        "visits (万人次)",
    ) in cells


def test_oversized_empty_and_foreign_files() -> None:
    assert check_size(LIMITS.max_bytes + 1, LIMITS)[0].reason_en.startswith("the file is larger")
    assert check_size(0, LIMITS) == []  # an empty file is judged by its kind:
    with pytest.raises(UploadError) as info:
        check_table(b"", form("tourism", 2023), REGION, LIMITS)
    assert [(p.reason_en, p.reason_zh) for p in info.value.problems] == [
        (
            "the file is empty (0 bytes); export the table again and save it as CSV UTF-8 or .xlsx",
            "文件为空（0 字节），请重新导出；请另存为 UTF-8 编码的 CSV 或 xlsx",
        )
    ]
    assert check_layer_kind(b"", form("npp", 2023))[0].reason_en == (
        "the file is empty (0 bytes); upload a single-band GeoTIFF"
    )
    assert check_size(10, LIMITS) == []
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) is None  # old .xls
    assert sniff(b"PK\x03\x04rest") == "xlsx"
    assert sniff(b"II*\x00rest") == "geotiff"
    assert sniff(b"county_adcode\n") == "csv"


def test_zip_bomb_and_macro_workbooks_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 50_000_000)  # 50 MB of zeros
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(UploadError, match="unpacks to more than the limit"):
        check_table(data, form("tourism", 2023), REGION, Limits(max_unzipped_bytes=10_000_000))
    with pytest.raises(UploadError, match="unpacks to more than the limit"):  # ratio
        check_table(data, form("tourism", 2023), REGION, LIMITS)
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/vbaProject.bin", b"x")
    with pytest.raises(UploadError, match="macros are not accepted"):
        check_table(macro.getvalue(), form("tourism", 2023), REGION, LIMITS)


def test_too_many_rows_is_refused_before_checking() -> None:
    text = "county_adcode,visits,tourism_revenue\n" + "360102,1,1\n" * 50
    with pytest.raises(UploadError, match="more than 20 rows"):
        check_table(text.encode(), form("tourism", 2023), REGION, Limits(max_rows=20))
    # empty (e.g. formatted) rows do not count towards the limit
    blanks = (
        "county_adcode,visits,tourism_revenue\n"
        + ",,\n" * 50
        + "360102,1,1\n360103,1,1\n360121,1,1\n"
    )
    ok = check_table(blanks.encode(), form("tourism", 2023), REGION, Limits(max_rows=20))
    assert ok.n_rows == 3


def test_list_forms_take_many_rows_per_county() -> None:
    text = (
        "county_adcode,lake_name,lake_area,lake_region,flood_storage\n"
        "360102,甲湖,1.5,东部平原,100\n360121,甲湖,2,东部平原,100\n360121,乙湖,,东部平原,20\n"
    )
    assert problems_of(text.encode(), key="lakes") == [(4, "lake_area", None)]
    # text that a spreadsheet would run as a formula when the stored CSV is opened
    injected = text.replace("乙湖,", '"=HYPERLINK(""x"")",0.3')
    assert problems_of(injected.encode(), key="lakes") == [(4, "lake_name", '=HYPERLINK("x")')]
    ok = check_table(
        text.replace("乙湖,", "乙湖,0.3").encode(), form("lakes", 2023), REGION, LIMITS
    )
    assert ok.n_rows == 3


# ---------------------------------------------------------------------------- raster layers


def write_tif(
    path: Path,
    data: np.ndarray,
    *,
    nodata: float | None = -9999.0,
    crs: str | None = ALBERS,
    x0: float = 1_000_000.0,
) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=data.dtype,
        crs=crs,
        transform=from_origin(x0, 3_000_000.0, 100.0, 100.0),
        nodata=nodata,
    ) as dst:
        dst.write(data, 1)
    return path


@pytest.fixture
def grid_region(tmp_path: Path) -> Region:
    ref = write_tif(tmp_path / "ref.tif", np.ones((4, 5), "float32"))
    return Region(
        counties=REGION.counties,
        grid_reference=ref,
        bounds=(1_000_000.0, 2_999_600.0, 1_000_500.0, 3_000_000.0),
        crs_wkt=rasterio.crs.CRS.from_proj4(ALBERS).to_wkt(),
    )


def test_a_layer_on_the_grid_passes(tmp_path: Path, grid_region: Region) -> None:
    data = np.full((4, 5), 1500.0, "float32")
    data[0, 0] = -9999.0  # nodata is left out of the range check
    ok = check_layer(
        write_tif(tmp_path / "p.tif", data), form("precipitation", 2023), grid_region, LIMITS
    )
    assert (ok.minimum, ok.maximum, ok.width, ok.height) == (1500.0, 1500.0, 5, 4)


def test_layer_problems(tmp_path: Path, grid_region: Region) -> None:
    f = form("precipitation", 2023)
    with pytest.raises(UploadError, match="has no CRS"):
        check_layer(
            write_tif(tmp_path / "a.tif", np.ones((4, 5), "float32"), crs=None),
            f,
            grid_region,
            LIMITS,
        )
    with pytest.raises(UploadError, match="does not overlap the region"):
        check_layer(
            write_tif(tmp_path / "b.tif", np.ones((4, 5), "float32"), x0=5_000_000.0),
            f,
            grid_region,
            LIMITS,
        )
    with pytest.raises(UploadError, match="shape"):  # overlaps, but another grid
        check_layer(
            write_tif(tmp_path / "c.tif", np.ones((3, 5), "float32")), f, grid_region, LIMITS
        )
    with pytest.raises(UploadError, match=r"must lie in \[0, 10000\] mm"):
        check_layer(
            write_tif(tmp_path / "d.tif", np.full((4, 5), 2e4, "float32")), f, grid_region, LIMITS
        )
    with pytest.raises(UploadError, match="more than 10 pixels; refused before reading"):
        check_layer(
            write_tif(tmp_path / "e.tif", np.ones((4, 5), "float32")),
            f,
            grid_region,
            Limits(max_pixels=10),
        )
    # one huge strip would be decompressed at once: refused before reading
    with pytest.raises(UploadError, match=r"blocks .* of more than 4 pixels"):
        check_layer(
            write_tif(tmp_path / "s.tif", np.ones((4, 5), "float32")),
            f,
            grid_region,
            Limits(max_block_pixels=4),
        )
    eco = form("ecosystem_type", 2023)
    codes = np.array([[1, 2, 3, 4, 99]] * 4, "uint8")
    with pytest.raises(UploadError) as info:
        check_layer(write_tif(tmp_path / "f.tif", codes, nodata=0), eco, grid_region, LIMITS)
    reasons = [p.reason_en for p in info.value.problems]
    assert reasons == ["the nodata code of ecosystem types must be 255"]
    with pytest.raises(UploadError, match="unknown ecosystem code"):
        check_layer(write_tif(tmp_path / "g.tif", codes, nodata=255), eco, grid_region, LIMITS)


def test_a_float_ecosystem_map_of_whole_codes_passes_as_the_account_reads_it(
    tmp_path: Path, grid_region: Region
) -> None:
    """GDAL tools often write a classification as float32: whole codes are its codes, as
    the account reads them (decision 0072); the same map as Byte gives the same layer."""
    eco = form("ecosystem_type", 2023)
    codes = np.array([[1, 2, 3, 4, 255]] * 4, "uint8")
    as_bytes = check_layer(
        write_tif(tmp_path / "u.tif", codes, nodata=255), eco, grid_region, LIMITS
    )
    for dtype in ("float32", "float64"):
        path = write_tif(tmp_path / f"{dtype}.tif", codes.astype(dtype), nodata=255)
        got = check_layer(path, eco, grid_region, LIMITS)
        assert (got.minimum, got.maximum) == (as_bytes.minimum, as_bytes.maximum) == (1.0, 4.0)
    with pytest.raises(UploadError, match="unknown ecosystem code"):  # 99: whole, unknown
        check_layer(
            write_tif(tmp_path / "k.tif", np.where(codes == 4, 99, codes).astype("f4"), nodata=255),
            eco,
            grid_region,
            LIMITS,
        )


@pytest.mark.parametrize(
    ("value", "dtype", "nodata", "shown"),
    [
        (3.0000001, "float64", 255, "3.0000001 (1 cells)"),  # never cut to 3
        (3.0000002, "float32", 255, "3.0000002 (1 cells)"),
        (3.5, "float32", 255, "3.5 (1 cells)"),
        (np.nan, "float32", None, "nan (1 cells)"),
        (300, "int16", 255, "300 (1 cells)"),
        (-5, "int16", 255, "-5 (1 cells)"),
    ],
)
def test_values_that_are_no_ecosystem_code_refuse_the_upload(
    tmp_path: Path, grid_region: Region, value: float, dtype: str, nodata: float | None, shown: str
) -> None:
    """What the account refuses before its pass (tests/engine/test_stages.py), the upload
    refuses too, in the same words: nothing is rounded to a code."""
    codes = np.array([[1, 2, 3, 4, 255]] * 4, dtype)
    codes[1, 2] = value
    path = write_tif(tmp_path / "e.tif", codes, nodata=nodata)
    with pytest.raises(UploadError) as info:
        check_layer(path, form("ecosystem_type", 2023), grid_region, LIMITS)
    (problem,) = info.value.problems
    assert (problem.column, problem.value) == ("value", shown)
    assert problem.reason_en == (
        "1 cells hold values that are no ecosystem code; an ecosystem map holds whole "
        "numbers 0–255: the codes of ecosystem_types.csv and 255 for cells without a type. "
        "Reclassify the raster and write it as integers (Byte), with 255 for nodata"
    )
    assert problem.reason_zh.startswith("有 1 个栅格的值不是生态系统类型编码；生态系统类型图层")
