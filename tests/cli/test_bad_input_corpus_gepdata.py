"""A corpus of bad account look-ups of the applications that take their GEP from stored
accounts (the year and the account id that ``ganpo apply assess`` and ``ganpo apply
transfers whatif`` read through :mod:`ganpo.apply.gepdata`), run end to end.

The start (built once per module and worker): the hand accounts of 2022 (#1) and 2023 (#2)
of tests/applications_support.py in a SQLite store, an assessment framework with its GDP
and indicator tables, and the hand transfer rule with its factor table. A case changes ONE
thing — the year, the account id, or an account withdrawn first — and runs

* ``assess``: ``ganpo apply assess --year 2023 --gdp gdp.csv --indicators indicators.csv
  --framework framework.toml --database store.sqlite``;
* ``transfers``: ``ganpo apply transfers whatif --rule rule.toml --budget 10300 --year 2022
  --factors factors.csv --db store.sqlite``;
* ``vep``: ``ganpo apply vep site.geojson --account N --db store.sqlite`` (refusals only:
  the hand accounts have no value rasters, so no site can be valued from them).

* ``refused:<what>`` — exit code 2; no traceback; the message names the year or account
  and the value (a regex per case) in English and in Chinese; the store is unchanged, its
  SQLite dump the same statement for statement.
* ``accepted`` — the account the command picks by default given by its id: exit code 0 and
  the very output of the unchanged command.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_gepdata.py`` lists the cases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from applications_support import ASSESSMENT_FRAMEWORK as FRAMEWORK_TEXT
from applications_support import ASSESSMENT_GDP as GDP_TEXT
from applications_support import ASSESSMENT_INDICATORS as INDICATORS_TEXT
from applications_support import FACTORS, hand_store, transfer_rule
from corpus_support import has_chinese_half, store_dump
from ganpo.cli.main import app

runner = CliRunner()
FRAMEWORK, GDP, INDICATORS, RULE, TABLE = (
    "framework.toml", "gdp.csv", "indicators.csv", "rule.toml", "factors.csv"
)  # fmt: skip
SITE = "site.geojson"
SITE_TEXT = (  # a 1 km square near 南昌 (WGS 84)
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
    '"geometry": {"type": "Polygon", "coordinates": [[[115.90, 28.60], [115.91, 28.60], '
    "[115.91, 28.61], [115.90, 28.61], [115.90, 28.60]]]}}]}"
)


def withdraw(account: int) -> Callable[[Path], None]:
    """Withdraw ``account`` first (``ganpo account withdraw``)."""

    def mutate(folder: Path) -> None:
        r = runner.invoke(
            app, ["account", "withdraw", str(account), "--reason", "corpus", "--database",
                  str(folder / "store.sqlite")],
        )  # fmt: skip
        assert r.exit_code == 0, r.output

    return mutate


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    command: str
    options: dict[str, str] = field(default_factory=dict)
    mutate: Callable[[Path], None] | None = None
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.command}-{self.name}"


CASES: list[Case] = [
    Case("year-no-account", "refused:year", "assess", {"--year": "2030"},
         message=r"no stored account of 2030 \(assessment\); stored years: 2022, 2023.* / "
                 r"库中没有 2030 年的核算；已有核算的年份：2022、2023"),
    Case("year-before-accounts", "refused:year", "assess", {"--year": "1999"},
         message=r"no stored account of 1999 .* / 库中没有 1999 年的核算"),
    Case("account-missing", "refused:account", "assess", {"--account": "99"},
         message=r"no account 99 in the store; stored ids: \[1, 2\].* / 库中没有核算 #99"),
    Case("account-other-year", "refused:account", "assess", {"--account": "1"},
         message=r"account 1 is of 2022, not 2023; .* / 核算 #1 是 2022 年的核算，不是 2023 年的"),
    Case("account-withdrawn", "refused:account", "assess", {"--account": "2"}, withdraw(2),
         message=r"account 2 was withdrawn.* / 核算 #2 已撤回"),
    Case("year-only-withdrawn", "refused:year", "assess", {}, withdraw(2),
         message=r"no current stored account of 2023 \(assessment\) \(only #2 withdrawn\).* / "
                 r"库中没有 2023 年可用的核算（仅有已撤回或已被修订取代的 #2 withdrawn）"),
    Case("year-no-account", "refused:year", "transfers", {"--year": "2030"},
         message=r"no stored account of 2030 \(GEP factors of the transfer\).* / "
                 r"库中没有 2030 年的核算；已有核算的年份：2022、2023"),
    Case("account-missing", "refused:account", "transfers", {"--account": "99"},
         message=r"no account 99 in the store.* / 库中没有核算 #99，请给出已存核算的编号"),
    Case("account-other-year", "refused:account", "transfers", {"--account": "2"},
         message=r"account 2 is of 2023, not 2022.* / 核算 #2 是 2023 年的核算，不是 2022 年的"),
    Case("year-only-withdrawn", "refused:year", "transfers", {}, withdraw(1),
         message=r"no current stored account of 2022 .* / 库中没有 2022 年可用的核算"),
    Case("account-missing", "refused:account", "vep", {"--account": "99"},
         message=r"no account 99 in the store; stored ids: \[1, 2\].* / 库中没有核算 #99"),
    Case("account-withdrawn", "refused:account", "vep", {"--account": "2"}, withdraw(2),
         message=r"account 2 was withdrawn.* / 核算 #2 已撤回"),
    Case("account-without-rasters", "refused:account", "vep", {"--account": "1"},
         message=r"account 1 has no per-cell value rasters.*--rasters DIR.* / "
                 r"该核算未输出价值栅格"),
    Case("account-by-id", "accepted", "assess", {"--account": "2"}),
    Case("account-by-id", "accepted", "transfers", {"--account": "1"}),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def run(folder: Path, command: str, options: dict[str, str]) -> Any:
    if command == "assess":
        base = {"--year": "2023", "--gdp": str(folder / GDP), "--indicators":
                str(folder / INDICATORS), "--framework": str(folder / FRAMEWORK), "--top": "0",
                "--actor": "corpus", "--database": str(folder / "store.sqlite")}  # fmt: skip
        head = ["apply", "assess"]
    elif command == "vep":
        base = {"--db": str(folder / "store.sqlite")}
        head = ["apply", "vep", str(folder / SITE)]
    else:
        base = {"--rule": str(folder / RULE), "--budget": "10300", "--year": "2022",
                "--factors": str(folder / TABLE), "--db": str(folder / "store.sqlite")}  # fmt: skip
        head = ["apply", "transfers", "whatif"]
    args = [x for kv in {**base, **options}.items() for x in kv]
    return runner.invoke(app, [*head, *args])


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    built = tmp_path_factory.mktemp("gepdata-start")
    hand_store(f"sqlite:///{built / 'store.sqlite'}").dispose()
    for name, body in ((FRAMEWORK, FRAMEWORK_TEXT), (GDP, GDP_TEXT),
                       (INDICATORS, INDICATORS_TEXT), (TABLE, FACTORS), (SITE, SITE_TEXT)):  # fmt: skip
        (built / name).write_text(body, encoding="utf-8")
    shutil.copy(transfer_rule(built), built / RULE)
    r = runner.invoke(
        app, ["apply", "rules", "store", str(built / FRAMEWORK), "--actor", "corpus",
              "--database", str(built / "store.sqlite")],
    )  # fmt: skip
    assert r.exit_code == 0, r.output

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy


def _flat(result: Any, folder: Path) -> str:
    return " ".join(str(result.output).replace(str(folder), "<folder>").split())


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_account_look_up(case: Case, start: Callable[[Path], None], tmp_path: Path) -> None:
    start(tmp_path)
    if case.mutate is not None:
        case.mutate(tmp_path)
    db = tmp_path / "store.sqlite"
    before = store_dump(db)
    result = run(tmp_path, case.command, case.options)
    assert "Traceback" not in result.output, result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    flat = _flat(result, tmp_path)
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, flat
        assert "a bug in ganpo" not in flat, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert store_dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, flat
    if case.command == "transfers":  # a what-if stores nothing
        assert store_dump(db) == before
    start(tmp_path / "good")
    good = run(tmp_path / "good", case.command, {})
    assert good.exit_code == 0 and flat == _flat(good, tmp_path / "good"), good.output
