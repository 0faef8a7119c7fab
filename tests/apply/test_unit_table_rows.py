"""The unit tables of the applications (factor tables, monitoring data) name a refused
cell's row as a spreadsheet shows it: the header is row 1 (or below its note lines), the
first data row under it, blank rows counted (decision 0097)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.apply import inputs
from ganpo.apply.inputs import read_table_in_units
from ganpo.errors import InputError

HEADER = "county_adcode,county_name,fiscal_gap [万元]\n"


def refusal(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table_in_units(path, {"fiscal_gap": "CNY"}, what="factor table", nonnegative=True)
    return str(err.value)


@pytest.mark.parametrize(
    ("text", "row"),
    [
        (HEADER + "360281,乐平市,-1\n", 2),  # the first data row is row 2
        ("# 因素表\n# 单位：万元\n" + HEADER + "360281,乐平市,1\n361130,婺源县,-1\n", 5),
        (HEADER + "360281,乐平市,1\n\n361130,婺源县,-1\n", 4),  # a blank row counts
    ],
)
def test_a_bad_cell_names_the_row_of_the_file(tmp_path: Path, text: str, row: int) -> None:
    msg = refusal(tmp_path / "f.csv", text)
    code = 360281 if row == 2 else 361130
    assert f"factor table, row {row} (county_adcode {code}): column 'fiscal_gap' value -1" in msg
    assert f"因素表第 {row} 行（county_adcode {code}）fiscal_gap 列的值 -1 为负数" in msg


def test_the_rows_of_a_table_are_those_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("# note\nsection,value\ns1,1\n\ns2,2\n", encoding="utf-8")
    frame, rows = inputs.read_csv_rows(path, "monitoring data")
    assert list(frame["section"]) == ["s1", "s2"] and rows == [3, 5]


def test_a_header_unit_that_does_not_convert_keeps_each_language_in_its_half(
    tmp_path: Path,
) -> None:
    """The unit check's refusal is quoted: its English in the English half (it was once
    the whole refusal, Chinese included), the table's own Chinese in the Chinese half."""
    path = tmp_path / "f.csv"
    path.write_text("county_adcode,county_name,fiscal_gap [kg]\n360281,乐平市,1\n", "utf-8")
    with pytest.raises(InputError) as err:
        read_table_in_units(path, {"fiscal_gap": "CNY"}, what="factor table")
    exc = err.value
    assert str(exc) == f"{path}: {exc.en} / {exc.zh}" and str(exc).count(" / ") == 1
    assert exc.en.startswith("factor table column fiscal_gap: ") and "kg" in exc.en
    assert exc.zh == "因素表的 fiscal_gap 列表头单位 [kg] 无法换算为 CNY，请改用同一量的单位"
