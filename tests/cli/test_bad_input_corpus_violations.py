"""A corpus of bad inputs of the zoning violations register, run end to end through
``ganpo zoning violations load`` (in the style of tests/cli/test_bad_input_corpus.py).

Each case starts from a store holding four good cases (the zoning demo's, SYNTHETIC),
changes ONE cell of their file (or its encoding or format) and loads it into the same
store. Classes:

* ``refused:<what>`` — exit code 2, no traceback, the message names the file, the row,
  the column and the value, in English and in Chinese; the store's SQLite dump is unchanged.
* ``accepted`` — the same cases written otherwise (GB 18030, an .xlsx named .csv with
  numbers and date cells, a basic-format date): exit code 0 and every case "unchanged"
  (no new revision: the values read are the good file's).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_violations.py`` lists the cases.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from corpus_support import has_chinese_half, workbook_bytes
from corpus_support import store_dump as dump
from ganpo.cli.main import app

runner = CliRunner()
HEADER = (
    "case_no,county_adcode,unit_code,found_on,kind,description,penalty_wan,status,closed_on,source"
)
FIRST = (
    "赣环罚〔2023〕01号（合成）,361130,ZH36113010001,2023-04-18,red_line,"
    "生态保护红线内违规采砂（合成）,20.0,closed,2023-09-30,行政处罚决定书（合成）2023-01"
)
GOOD = "\n".join(
    [
        HEADER,
        FIRST,
        "赣环罚〔2023〕02号（合成）,361130,ZH36113020001,2023-08-02,discharge,"
        "重点管控单元内企业超标排放（合成）,8.5,rectifying,,行政处罚决定书（合成）2023-02",
        "赣环罚〔2022〕03号（合成）,360281,ZH36028120001,2022-06-11,prohibited_industry,"
        "准入清单禁止类项目违规建设（合成）,50.0,closed,2023-03-01,行政处罚决定书（合成）2022-03",
        "赣环罚〔2024〕04号（合成）,360281,ZH36028130001,2024-02-20,resource_use,"
        "单位产值能耗未达管控要求（合成）,0.0,open,,行政处罚决定书（合成）2024-04",
    ]
)


def first_row(old: str, new: str) -> Callable[[], bytes]:
    """The good file with ``old`` replaced by ``new`` in its first case."""
    assert old in FIRST, old
    return lambda: GOOD.replace(FIRST, FIRST.replace(old, new, 1)).encode("utf-8")


def workbook() -> bytes:
    """The good file as an .xlsx (numbers as numbers, dates as date cells)."""
    rows: list[list[object]] = []
    for i, line in enumerate(GOOD.splitlines()):
        cells: list[object] = list(line.split(","))
        if i:
            cells[1], cells[6] = int(str(cells[1])), float(str(cells[6]))
            for j in (3, 8):
                if cells[j]:
                    cells[j] = datetime.fromisoformat(str(cells[j]))
        rows.append(cells)
    return workbook_bytes(rows)


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    data: Callable[[], bytes]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


ROW2 = r"row 2, "
CASES = [
    Case("penalty-1e308", "refused:value", first_row(",20.0,", ",1e308,"),
         rf"{ROW2}penalty_wan '1e308': above 1e\+08 万元.*第 2 行 penalty_wan '1e308'"),
    Case("penalty-1e400", "refused:value", first_row(",20.0,", ",1e400,"),
         rf"{ROW2}penalty_wan '1e400': not an amount ≥ 0"),
    Case("penalty-nan", "refused:value", first_row(",20.0,", ",nan,"),
         rf"{ROW2}penalty_wan 'nan': not an amount ≥ 0.*第 2 行 penalty_wan 'nan'"),
    Case("penalty-negative", "refused:value", first_row(",20.0,", ",-20.0,"),
         rf"{ROW2}penalty_wan '-20.0': not an amount ≥ 0"),
    Case("penalty-with-unit", "refused:value", first_row(",20.0,", ",20万,"),
         rf"{ROW2}penalty_wan '20万': not a number"),
    Case("found-in-the-future", "refused:date", first_row("2023-04-18", "2099-04-18"),
         rf"{ROW2}found_on '2099-04-18': after today.*第 2 行 found_on '2099-04-18'"),
    Case("closed-in-the-future", "refused:date", first_row("2023-09-30", "2099-09-30"),
         rf"{ROW2}closed_on '2099-09-30': after today"),
    Case("date-with-slashes", "refused:date", first_row("2023-04-18", "2023/04/18"),
         rf"{ROW2}found_on '2023/04/18': not a date"),
    Case("closed-before-found", "refused:date", first_row("2023-09-30", "2023-01-01"),
         rf"{ROW2}closed_on '2023-01-01': before the case was found"),
    Case("county-of-another-province", "refused:code", first_row(",361130,", ",440103,"),
         rf"{ROW2}county_adcode '440103': not a county of the region"),
    Case("county-as-text", "refused:code", first_row(",361130,", ",婺源县,"),
         rf"{ROW2}county_adcode '婺源县': not an adcode"),
    Case("kind-unknown", "refused:code", first_row("red_line", "xx"),
         rf"{ROW2}kind 'xx': not one of red_line"),
    Case("status-capitalised", "refused:code", first_row(",closed,", ",Closed,"),
         rf"{ROW2}status 'Closed': not one of open"),
    Case("case-twice", "refused:row",
         lambda: (GOOD + "\n" + FIRST).encode("utf-8"),
         r"row 6, case_no '赣环罚〔2023〕01号（合成）': the same case as row 2"),
    Case("description-empty", "refused:row",
         first_row("生态保护红线内违规采砂（合成）", ""),
         rf"{ROW2}description '': empty; every case needs it"),
    Case("gb18030", "accepted", lambda: GOOD.encode("gb18030")),
    Case("workbook-named-csv", "accepted", workbook),
    Case("date-basic-format", "accepted", first_row("2023-04-18", "20230418")),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def load(path: Path, db: Path) -> Result:
    return runner.invoke(
        app, ["zoning", "violations", "load", str(path), "--synthetic", "--database", str(db)]
    )


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_violations_file(case: Case, tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    first = load(good, db)
    assert first.exit_code == 0 and "新增 added 4" in first.output, first.output
    before = dump(db)
    path = tmp_path / "cases.csv"
    path.write_bytes(case.data())
    r = load(path, db)
    output = " ".join(r.output.split())
    assert "Traceback" not in output, output
    if case.cls.startswith("refused:"):
        assert r.exit_code == 2, output
        assert "cases.csv" in output, output
        assert re.search(case.message, output), output
        assert has_chinese_half(output), f"no Chinese half: {output}"
        assert dump(db) == before, "a refused load changed the store"
        return
    assert r.exit_code == 0, output
    assert "新增 added 0, 修订 revised 0, 未变 unchanged 4" in output, output
