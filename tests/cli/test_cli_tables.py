"""Tables that fit the terminal: a table too wide for it is printed one record per block,
never with words cut (``…``); a table that fits is printed as a table."""

from __future__ import annotations

import io

from rich.table import Table

from ganpo.cli.common import FittingConsole


def _table(columns: int) -> Table:
    t = Table(title="核算 accounts")
    for i in range(columns):
        t.add_column(f"列{i} column {i}")
    t.add_row(*(f"值{i} jiangxi-demo-value-{i:03d}" for i in range(columns)))
    t.add_row(*(f"{1234567.891 * (i + 1):,.2f}" for i in range(columns)))
    return t


def _print(table: Table, width: int) -> str:
    out = io.StringIO()
    FittingConsole(file=out, width=width, markup=False, color_system=None).print(table)
    return out.getvalue()


def test_a_wide_table_becomes_records_with_every_value_whole() -> None:
    text = _print(_table(8), width=80)
    assert "…" not in text
    for i in range(8):
        assert f"jiangxi-demo-value-{i:03d}" in text  # no word cut
        assert f"{1234567.891 * (i + 1):,.2f}" in text  # no number cut
        assert f"列{i} column {i}" in text
    assert "核算 accounts" in text
    assert "┃" not in text  # not the table layout
    assert max(len(line.rstrip()) for line in text.splitlines()) <= 80


def test_a_table_that_fits_stays_a_table() -> None:
    text = _print(_table(2), width=120)
    assert "┃" in text and "…" not in text
    # the same table at 40 columns cannot fit: records
    narrow = _print(_table(2), width=40)
    assert "┃" not in narrow and "…" not in narrow


def test_a_grouped_table_repeats_its_group_in_each_record() -> None:
    t = Table()
    for h in ("单位 unit", "类别 category", "排放量 emissions"):
        t.add_column(h)
    t.add_row("南昌市（江西省）", "1.A.1.a 电力和热力生产 Main-activity-electricity", "1,447.60")
    t.add_row("", "1.A.2 制造业和建筑业 Manufacturing-industries-and-construction", "1,592.18")
    text = _print(t, width=50)
    assert "┃" not in text
    assert text.count("南昌市（江西省）") == 2  # the blank cell under it reads as the same unit


def test_a_long_header_is_folded_not_cut() -> None:
    t = Table()
    headers = [f"列{i} column {i}" for i in range(6)]
    headers.append("年均变化（实际/需要） annual change (achieved/required)")
    for h in headers:
        t.add_column(h)
    t.add_row(*(f"value-{i}-of-a-wide-table" for i in range(6)), "-3.78 % / -4.36 %")
    text = _print(t, width=80)
    assert "┃" not in text and "…" not in text
    assert "(achieved/required)" in text and "-3.78 % / -4.36 %" in text
