"""A site's ecosystem composition reads the ecosystem map as the account does (decision
0076): a float map of whole codes gives the Byte map's areas; a value that is no code in
the site's cells (3.0000001, 3.5, NaN, −5, 300) is refused with the account's words, the
file, the value and its cell — never cut to a code, never skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import Polygon

from ganpo.apply.vep import ecosystem_composition
from ganpo.catalog.ecosystems import code_map_rule
from ganpo.errors import InputError

#: 4 × 4 cells of 10 m: level-1 and level-2 codes, 255 for nodata
CODES = np.array(
    [[1, 1, 2, 255], [11, 5, 5, 6], [3, 21, 7, 7], [8, 8, 255, 4]],
    dtype=np.uint8,
)
#: x 15–35, y 5–25: cells of rows 1–3, columns 1–3, the edge ones in part
SITE = Polygon([(15, 5), (35, 5), (35, 25), (15, 25)])
CRS = "EPSG:3857"


def _map(path: Path, dtype: str, cell: tuple[int, int] | None = None, value: float = 0) -> Path:
    data = CODES.astype(dtype)
    if cell is not None:
        data[cell] = value
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype=dtype,
        crs=CRS,
        transform=from_origin(0, 40, 10, 10),
        nodata=255 if dtype == "uint8" else None,
    ) as dst:
        dst.write(data, 1)
    return path


@pytest.mark.parametrize("dtype", ["float32", "float64", "int16"])
def test_a_map_of_whole_codes_of_any_dtype_gives_the_byte_composition(
    tmp_path: Path, dtype: str
) -> None:
    byte = ecosystem_composition(SITE, CRS, _map(tmp_path / "b.tif", "uint8"), 100.0)
    # by hand, cells of 100 m² covered by (column share × row share): row 1 (½): 5 (½),
    # 5, 6 (½); row 2: 21 (½), 7, 7 (½); row 3 (½): 8 (½), 255, 4 (½)
    assert byte == pytest.approx({2: 50.0, 4: 25.0, 5: 75.0, 6: 25.0, 7: 150.0, 8: 25.0})
    other = ecosystem_composition(SITE, CRS, _map(tmp_path / "o.tif", dtype), 100.0)
    # without a declared nodata the 255 cell's share is dropped after the shares are taken
    assert other == pytest.approx(byte, rel=1e-12)


@pytest.mark.parametrize(
    ("dtype", "value", "shown"),
    [
        ("float64", 3.0000001, "3.0000001"),
        ("float32", 3.0000002, "3.0000002"),
        ("float32", 3.5, "3.5"),
        ("float32", np.nan, "nan"),
        ("int16", -5, "-5"),
        ("int16", 300, "300"),
    ],
)
def test_a_value_that_is_no_code_is_refused(
    tmp_path: Path, dtype: str, value: float, shown: str
) -> None:
    path = _map(tmp_path / "eco.tif", dtype, (2, 2), value)
    with pytest.raises(InputError) as exc:
        ecosystem_composition(SITE, CRS, path, 100.0)
    text = str(exc.value)
    rule_en, rule_zh = code_map_rule()
    assert "eco.tif" in text and f"{shown} (1 cells)" in text and f"{shown}（1 个栅格）" in text
    assert rule_en in text and rule_zh in text
    assert "row 2, column 2" in text and "第 2 行、第 2 列" in text
