"""The GDP table of the dual-control progress names a refused row as a spreadsheet shows
it: the header in row 1 (or below its note lines), the first data row under it, blank rows
counted; never from 0."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ganpo.carbon.dual_control_link import gdp_at_constant_prices, read_gdp_file
from ganpo.errors import InputError

HEADER = "unit_code,year,gdp_constant_2023,unit\n"


def refusal(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_gdp_file(path)
    return str(err.value)


@pytest.mark.parametrize(
    ("text", "row"),
    [
        (HEADER + "360102,2023,一百,亿元\n", 2),  # the first data row is row 2
        ("# 合成数据\n" + HEADER + "360102,2023,100,亿元\n360103,2023,x,亿元\n", 4),
        (HEADER + "360102,2023,100,亿元\n\n360103,2023,0,亿元\n", 4),  # a blank row counts
    ],
)
def test_a_bad_value_names_the_row_of_the_file(tmp_path: Path, text: str, row: int) -> None:
    msg = refusal(tmp_path / "gdp.csv", text)
    assert f"GDP table, row {row}: column 'gdp_constant_2023'" in msg
    assert f"地区生产总值表第 {row} 行 gdp_constant_2023" in msg


def test_a_unit_a_slip_and_a_repeat_name_the_rows_of_the_file(tmp_path: Path) -> None:
    note = "# 不变价地区生产总值\n" + HEADER
    msg = refusal(tmp_path / "gdp.csv", note + "360102,2023,100,美元\n")
    assert "GDP table, row 3: column 'unit' value '美元'" in msg and "第 3 行 unit" in msg
    msg = refusal(tmp_path / "gdp.csv", note + "360102,2023,100,亿元\n360103,2023,52,万元\n")
    assert "GDP table, row 4: column 'gdp_constant_2023' value 52 of unit 360103" in msg
    assert "地区生产总值表第 4 行 gdp_constant_2023 的值 52（单位 360103）" in msg
    # two units each written twice: the repeat of the first named with its first row
    rows = "360102,2023,100,亿元\n360103,2023,52,亿元\n"
    msg = refusal(tmp_path / "gdp.csv", note + rows + rows)
    assert "GDP table, row 5 repeats unit 360102 and year 2023 of row 3" in msg
    assert "地区生产总值表第 5 行与第 3 行为同一单位（360102）" in msg


def test_a_table_given_in_memory_counts_from_the_header_as_row_1() -> None:
    table = pd.DataFrame(
        {"unit_code": [360102, 360103], "year": [2023, 2023], "gdp_constant_2023": [100.0, 0.0]}
    )
    with pytest.raises(InputError, match=r"GDP table, row 3: .*地区生产总值表第 3 行"):
        gdp_at_constant_prices(table)
    # its rows' numbers given: those are named
    with pytest.raises(InputError, match=r"GDP table, row 12: .*地区生产总值表第 12 行"):
        gdp_at_constant_prices(table, rows=[11, 12])
