"""A corpus of bad account ids given as a command's ARGUMENT (the ``--account`` look-ups
have theirs: tests/cli/test_bad_input_corpus_gepdata.py and
tests/cli/test_bad_input_corpus_account_lookups.py): ``ganpo account show``, ``quality``,
``export``, ``report``, ``compare``, ``chain``, ``seea``, ``publish``, ``withdraw``,
``delete`` and ``supersede``, run end to end.

Two starts, each built once per module and worker:

* ``hand``: the hand accounts of tests/applications_support.py: 2022 (#1), 2023 (#2) and
  2024 (#3) of 乐平市, 婺源县 and 德兴市 (region 360000). The commands take their account
  id(s) last but one, as ``A`` (one id) or ``1 B`` (two ids: the case changes the second).
* ``tiny``: the tiny dataset's accounts of 2022 (#1) and 2023 (#2) with their dataset
  (tests/apply/assets_support.py), for ``ganpo account report`` (its maps need the
  dataset's county polygons) and ``chain`` (its volumes need priced rows: the hand
  accounts' are at current prices, and ``compare`` brings them to 2022 by the CPI).

A case changes ONE thing — the id (99, 0, −1, ``abc``), or the store before the run (an
account withdrawn, superseded by a revision, an account of 湖南省 stored beside):

* ``refused:<what>`` — exit code 2; no traceback; the message names the account and the
  value (a regex per case) in English and in Chinese; the store is unchanged (its SQLite
  dump the same statement for statement) and no file is written under ``out``.
* ``marked`` — a withdrawn or superseded account viewed or exported (legitimate: an audit
  reads the figures a record used): exit code 0 and the output says the account was
  withdrawn or superseded, in both languages, in the terminal and in the files written.
* ``accepted`` — exit code 0 and the very output of the unchanged command (an account not
  involved withdrawn beside).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_account_arguments.py`` lists them.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from applications_support import GEP_2022, account, hand_store
from corpus_support import has_chinese_half, ran_cleanly, store_dump
from ganpo.cli.main import app
from ganpo.store.repository import open_store, save_account

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import tiny_store

runner = CliRunner()
DB = "store.sqlite"


# --------------------------------------------------------------------------- the changes


def withdraw(account_id: int) -> Callable[[Path], None]:
    """Withdraw ``account_id`` first (``ganpo account withdraw``)."""

    def mutate(folder: Path) -> None:
        r = runner.invoke(app, ["account", "withdraw", str(account_id), "--reason", "corpus",
                                "--database", str(folder / DB)])  # fmt: skip
        assert r.exit_code == 0, r.output

    return mutate


def revision(folder: Path) -> None:
    """Store a revision of #1 (#4, 2022)."""
    engine = open_store(f"sqlite:///{folder / DB}")
    save_account(engine, account(2022, GEP_2022))
    engine.dispose()


def superseded(folder: Path) -> None:
    """Store a revision of #1 (#4, 2022) and supersede #1 by it."""
    revision(folder)
    r = runner.invoke(app, ["account", "supersede", "1", "4", "--reason", "revised",
                            "--database", str(folder / DB)])  # fmt: skip
    assert r.exit_code == 0, r.output


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for m in mutations:
            m(folder)

    return mutate


def elsewhere(folder: Path) -> None:
    """Store an account of 2023 of three counties of 湖南省 (the next id: #4 beside the
    hand accounts, #3 beside the tiny ones; region 430000)."""
    acc = account(2023, GEP_2022)
    moved = dict(zip(sorted(GEP_2022), (430102, 430103, 430104), strict=True))
    for frame in (acc.results, acc.units, acc.extent):
        frame["county_adcode"] = frame["county_adcode"].map(moved)
    acc.units["city_adcode"] = 430100
    acc.units["province_adcode"] = 430000
    engine = open_store(f"sqlite:///{folder / DB}")
    save_account(engine, dataclasses.replace(acc, region_adcode=430000))
    engine.dispose()


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    command: str
    account: str
    mutate: Callable[[Path], None] | None = None
    message: str = ""
    #: accepted: the store of the run to compare with, changed so (None: unchanged)
    base: Callable[[Path], None] | None = None

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.command}-{self.name}"


MISSING = r"no account {n} in the store; stored ids: \[{ids}\].* / 库中没有核算 #{n}，请给出已存核算的编号"
NOT_A_NUMBER = (
    r"account id 'abc' is not a whole number.*/ 核算编号 'abc'.*不是整数"  # in click's box
)
WITHDRAWN = r"account #{n} was withdrawn \(20\d\d-\d\d-\d\d: corpus\).* / 核算 #{n} 已撤回"
SUPERSEDED = (
    r"account #1 was superseded by #4 \(20\d\d-\d\d-\d\d: revised\).* / 核算 #1 已被 #4 修订替代"
)

VIEWS = ("show", "quality", "export", "compare", "chain", "seea")
LIFECYCLE = ("publish", "withdraw", "delete", "supersede")
TWO_IDS = ("compare", "chain", "seea")


def _ids(command: str, ids: str = "1, 2, 3") -> list[Case]:
    return [
        *[Case(f"account-{label}", "refused:account", command, n,
               message=MISSING.format(n=re.escape(n), ids=ids))
          for label, n in (("missing", "99"), ("zero", "0"), ("negative", "-1"))],
        Case("account-text", "refused:account", command, "abc", message=NOT_A_NUMBER),
    ]  # fmt: skip


def _view_cases(command: str) -> list[Case]:
    n = "2" if command in TWO_IDS else "1"
    withdrawn, revised = WITHDRAWN.format(n=n), SUPERSEDED
    if command == "show":  # its status line
        withdrawn = r"status 状态: withdrawn 已撤回 on <time> by \S+: corpus"
        revised = r"status 状态: superseded by #4 已被修订替代 on <time> by \S+: revised"
    cases = [
        *_ids(command),
        Case("account-withdrawn", "marked", command, n, withdraw(int(n)), message=withdrawn),
        Case("other-account-withdrawn", "accepted", command, n, withdraw(3)),
    ]  # fmt: skip
    if command == "chain":  # the tiny accounts: #1 and #2 only, nothing to withdraw beside
        cases = [*_ids(command, "1, 2"), cases[4], Case("account-by-id", "accepted", command, "2")]
    if command not in TWO_IDS:  # a revision of 2022 beside: #1 superseded
        cases.append(Case("account-superseded", "marked", command, "1", superseded,
                          message=revised))  # fmt: skip
    else:  # 1 against an account of 湖南省
        region = {
            "compare": r"accounts 1 and 4 are of different regions \(360000 and 430000\).* / "
                       r"核算 1 与 4 属于不同地区（360000 与 430000）",
            "chain": r"accounts 1, 3 are of different regions \(\d+, 430000\).* / "
                     r"核算 1、3 属于不同地区（\d+、430000）",
            "seea": r"accounts 1 and 4 are of different regions \(360000 and 430000\).* / "
                    r"核算 1 与 4 属于不同地区（360000 与 430000）",
        }[command]  # fmt: skip
        other = "3" if command == "chain" else "4"
        cases.append(Case("account-other-region", "refused:region", command, other, elsewhere,
                          message=region))  # fmt: skip
    return cases


CASES: list[Case] = [c for command in VIEWS for c in _view_cases(command)]
CASES += [
    # the lifecycle: a change of an account's standing
    *[c for command in LIFECYCLE for c in _ids(command)],
    Case("account-withdrawn", "refused:standing", "publish", "1", withdraw(1),
         message=r"account #1 .*cannot be published: it is withdrawn.* / 核算 #1 不是草稿，不能发布"),
    Case("account-withdrawn", "refused:standing", "withdraw", "1", withdraw(1),
         message=r"account #1 .*is already withdrawn.*nothing to withdraw / 核算 #1 已撤回"),
    Case("account-superseded", "refused:standing", "withdraw", "1", superseded,
         message=r"account #1 .*is already superseded by #4.* / 核算 #1 已被修订替代"),
    Case("account-withdrawn", "refused:standing", "delete", "1", withdraw(1),
         message=r"account #1 .*cannot be deleted: it is withdrawn.* / 核算 #1 不能删除：已撤回"),
    Case("account-withdrawn", "refused:standing", "supersede", "4", both(revision, withdraw(4)),
         message=r"account #4 .*cannot be the revision: it is withdrawn.* / 核算 #4 已撤回或已被替代"),
    Case("old-withdrawn", "refused:standing", "supersede", "4", both(revision, withdraw(1)),
         message=r"account #1 .*cannot be superseded: it is withdrawn.* / 核算 #1 已撤回或已被替代"),
    Case("account-other-year", "refused:account", "supersede", "2",
         message=r"account #2 \(360000, 2023\) cannot supersede account #1 \(360000, 2022\).* "
                 r"/ 修订核算须为同一地区、同一年份"),
    Case("account-itself", "refused:account", "supersede", "1",
         message=r"account #1 cannot supersede itself.* / 修订核算不能是其本身"),
    *[Case("other-account-withdrawn", "accepted", command, "1", withdraw(3))
      for command in ("publish", "withdraw", "delete")],
    Case("revision", "accepted", "supersede", "4", both(revision, withdraw(3)), base=revision),
    # a mistyped option where ids are read (chain takes any number of them)
    Case("option-typo", "refused:account", "chain", "--databse",
         message=r"'--databse' is neither an option of this.*account id.*/ "
                 r"'--databse'.*既不是该命令的选项，也不是核算编号"),
    # ganpo account report A (the tiny accounts: #1 of 2022, #2 of 2023)
    *_ids("report", "1, 2"),
    Case("account-withdrawn", "marked", "report", "2", withdraw(2),
         message=WITHDRAWN.format(n=2)),
    Case("account-by-id", "accepted", "report", "1"),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def run(folder: Path, command: str, account_id: str) -> Any:
    out = folder / "out"
    two = ["1", account_id] if command in TWO_IDS else [account_id]
    tails: dict[str, list[str]] = {
        "show": [],
        "quality": ["--format", "json"],
        "export": ["--out", str(out), "--format", "csv", "--format", "xlsx"],
        "report": ["--out", str(out / "report.pdf")],
        "compare": ["--no-land-cover", "--measure", "cpi", "--out", str(out / "compare.csv")],
        "chain": ["--out", str(out / "chain.csv")],
        "seea": ["--out", str(out / "seea.xlsx")],
        "publish": [],
        "withdraw": ["--reason", "corpus run"],
        "delete": ["--yes"],
    }
    if command == "supersede":  # the id is the revision of #1
        args = ["account", "supersede", "1", account_id, "--reason", "corpus run"]
    else:
        args = ["account", command, *two, *tails[command]]
    return runner.invoke(app, [*args, "--database", str(folder / DB)])


@pytest.fixture(scope="module")
def hand_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = tmp_path_factory.mktemp("arguments-hand")
    hand_store(f"sqlite:///{built / DB}", years=(2022, 2023, 2024)).dispose()
    return built / DB


@pytest.fixture(scope="module")
def tiny_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny accounts with their dataset (the files the store names stay here)."""
    built = tmp_path_factory.mktemp("arguments-tiny")
    tiny_store(built, draws=0, years=2)
    return built / "ganpo.sqlite"


def _start(case: Case, request: pytest.FixtureRequest, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    start = "tiny_start" if case.command in ("report", "chain") else "hand_start"
    shutil.copy(request.getfixturevalue(start), folder / DB)


def _flat(result: Any, folder: Path) -> str:
    text = str(result.output).replace(str(folder), "<folder>")
    return " ".join(re.sub(r"\b20\d\d-\d\d-\d\d[T ][\d:.+]+", "<time>", text).split())


def _written(folder: Path) -> list[str]:
    out = folder / "out"
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else []


def _workbook_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                    for c in row if c is not None)  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_account_argument(case: Case, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    _start(case, request, folder)
    if case.mutate is not None:
        case.mutate(folder)
    before = store_dump(folder / DB)
    result = run(folder, case.command, case.account)
    ran_cleanly(result)
    flat = _flat(result, folder)
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, flat
        assert "a bug in ganpo" not in flat, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert store_dump(folder / DB) == before, "a refused run changed the store"
        assert _written(folder) == [], "a refused run wrote a file"
        return
    assert result.exit_code == 0, flat
    if case.cls == "marked":
        assert re.search(case.message, flat, re.S), flat
        assert store_dump(folder / DB) == before, "viewing an account changed the store"
        out = folder / "out"
        files = [*out.rglob("*.xlsx"), *out.rglob("quality.csv")]
        assert bool(files) == (case.command in ("export", "seea", "report")), files
        for path in files:  # the files say so too
            text = _workbook_text(path) if path.suffix == ".xlsx" else path.read_text("utf-8")
            mark = case.message.split(".* / ")
            assert len(mark) == 2, case.message
            assert re.search(mark[0], text) and re.search(mark[1], text), (path.name, text)
        return
    good = tmp_path / "good"
    _start(case, request, good)
    if case.base is not None:
        case.base(good)
    again = run(good, case.command, case.account)
    assert again.exit_code == 0, again.output
    assert flat == _flat(again, good)
    assert _written(folder) == _written(good)
    if case.command in VIEWS:  # no mark of the account withdrawn beside
        assert "withdrawn" not in flat and "已撤回" not in flat, flat
