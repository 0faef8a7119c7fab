"""What the bad-input corpora (``tests/cli/test_bad_input_corpus*.py``) share.

Each corpus checks two things: that a refused run leaves the store as it was, and that
some inputs are accepted when a user saves them otherwise. It needs the store's dump to
compare before and after. It also needs the other ways a user's table comes: in GB 18030,
as Chinese Excel saves "CSV", or as an .xlsx workbook under its .csv name, with numbers
as numbers.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl


def store_dump(db: Path) -> list[str]:
    """Every statement that rebuilds the SQLite store: its schema and each row."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def as_number(text: str) -> object:
    """A cell's text as a workbook holds it: a number when it reads as one, else the text.

    >>> as_number("2022"), as_number("1.5"), as_number("1e300"), as_number("coke")
    (2022, 1.5, 1e+300, 'coke')
    """
    try:
        return float(text) if "." in text or "e" in text else int(text)
    except ValueError:
        return text


def reencode(path: Path, encoding: str) -> None:
    """The UTF-8 text file at ``path`` saved again in ``encoding`` (``gb18030``, ``utf-16``)."""
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


def replace_once(path: Path, old: str, new: str) -> None:
    """The first ``old`` in the UTF-8 text file at ``path`` replaced by ``new``; ``old`` must be
    there (a case that changes nothing would pass for the wrong reason)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def csv_rows(path: Path) -> list[list[str]]:
    """The UTF-8 CSV file at ``path`` as rows of cells, its header first."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_csv(path: Path, rows: Iterable[Sequence[str]]) -> None:
    """``rows`` written to ``path`` as a UTF-8 CSV file with ``\\n`` line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def set_cell(path: Path, column: str, value: str, row: int = 1) -> None:
    """``column`` of row ``row`` (1: the first below the header) of the CSV file set to
    ``value``; the column must be there."""
    rows = csv_rows(path)
    rows[row][rows[0].index(column)] = value
    write_csv(path, rows)


CJK = re.compile(r"[\u4e00-\u9fff]")


def has_chinese_half(message: str) -> bool:
    """Whether a refusal has its Chinese half: Chinese after the `` / `` that ends its
    English half. A Chinese value quoted in the English half (乐平市, 2023年) is not one.

    >>> has_chinese_half("unknown unit '乐平市' / 未知的单位 '乐平市'")
    True
    >>> has_chinese_half("unknown unit '乐平市'")
    False
    """
    return " / " in message and bool(CJK.search(message.split(" / ", 1)[1]))


def ran_cleanly(result: Any) -> str:
    """The output of a command run with Typer's ``CliRunner``, which must have ended by
    itself (an exit code), not by a traceback or an exception ("a bug in ganpo")."""
    output = str(result.output)
    assert "Traceback" not in output, output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    return output


def assert_refused(result: Any, message: str) -> None:
    """The run was refused: exit 2, a message matching ``message`` (a regex, on the output
    with its white space collapsed) and its Chinese half."""
    flat = " ".join(str(result.output).split())
    assert result.exit_code == 2, flat
    assert re.search(message, flat, re.S), flat
    assert has_chinese_half(flat), f"no Chinese half: {flat}"


def workbook_bytes(rows: Iterable[Sequence[object]]) -> bytes:
    """An .xlsx workbook of one sheet holding ``rows`` as they are given."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
