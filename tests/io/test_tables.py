"""Statistics tables: explicit unit conversion, every problem reported with row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.errors import TableError
from ganpo.io.manifest import TableEntry
from ganpo.io.tables import read_table

COLS = {"visits": "10^4 person-time", "tourism_revenue": "10^8 CNY"}
REQ = ("visits", "tourism_revenue")


def _entry(columns: dict[str, str]) -> TableEntry:
    return TableEntry(
        role="tourism", path="t.csv", year=2022, columns=columns, source="t", synthetic=True
    )


def test_units_are_converted_explicitly(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("county_adcode,visits,tourism_revenue\n1,2.5,3\n", encoding="utf-8")
    # revenue declared in 万元 (10^4 CNY) instead of 亿元: 3 × 10^4 CNY = 30 000 CNY
    t = read_table(
        p, _entry({"visits": "10^4 person-time", "tourism_revenue": "10^4 CNY"}), {1}, REQ
    )
    assert t.loc[1, "tourism_revenue"] == 30_000.0
    assert t.loc[1, "visits"] == 25_000.0  # 2.5 万人次


def test_unit_of_another_quantity_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("county_adcode,visits,tourism_revenue\n1,2.5,3\n", encoding="utf-8")
    with pytest.raises(
        TableError,
        match=r"column 'tourism_revenue': unit 't' does not measure the same quantity as '10\^8 CNY'",
    ):
        read_table(p, _entry({"visits": "10^4 person-time", "tourism_revenue": "t"}), {1}, REQ)


def test_bom_and_blank_cells(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_bytes("\ufeffcounty_adcode,visits,tourism_revenue\n1,,3\nx,1,1\n".encode())
    with pytest.raises(TableError) as err:
        read_table(p, _entry(COLS), {1}, REQ)
    assert "row 2, column visits: is empty" in str(err.value)
    assert "row 3, column county_adcode: 'x' is not an adcode" in str(err.value)


def test_unknown_county(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("county_adcode,visits,tourism_revenue\n1,1,1\n9,1,1\n", encoding="utf-8")
    with pytest.raises(TableError) as err:
        read_table(p, _entry(COLS), {1}, REQ)
    assert err.value.values == [
        "row 3, column county_adcode: unknown county adcode(s) 9 (not in the region's units)"
    ]
