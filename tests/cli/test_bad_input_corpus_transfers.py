"""A corpus of bad inputs of the fiscal transfer allocation, run end to end through
``ganpo apply transfers run`` and ``ganpo apply transfers whatif`` (in the style of
tests/cli/test_bad_input_corpus_carbon.py).

Each case starts from the hand-made store of the application tests (three Jiangxi
counties, accounts of 2022 and 2023, :func:`applications_support.hand_store`) plus an
account of another province (id 1; the Jiangxi ones are 2 and 3), the hand rule (``rule.toml``) and its factor table
(``factors.csv``), with the good allocation of 10 300 CNY stored as run 1 — built once per
module and worker, then copied into the case's folder. The case snapshots the store,
applies ONE change to the factor table, the rule, the budget, the year or the account,
and runs the command on the same store. A case's id starts with its class:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file or option,
  the field or row and the value (a regex per case) and has its Chinese half; the store
  is unchanged: its SQLite dump is the same statement for statement.
* ``accepted`` — the input is fine (a GB 18030 CSV, an .xlsx named .csv, the fiscal gap in
  元 rather than 万元, weights scaled by 10, an unused extra column): exit code 0 and, for
  ``run``, a stored allocation whose amounts in fen equal the good run's.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_transfers.py`` lists the cases.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from applications_support import FACTORS, GEP_2022, account, hand_store, transfer_rule, write
from corpus_support import has_chinese_half
from ganpo.cli.main import app
from ganpo.store.applications import run_lines
from ganpo.store.repository import open_store, save_account

runner = CliRunner()
RULE, TABLE = "rule.toml", "factors.csv"
GOOD_BUDGET = "10300"
#: the good allocation [fen]: Leping 2 934, Wuyuan 4 433, Dexing 2 933 CNY (tests/apply)
GOOD_FEN = {360281: 293_400, 361130: 443_300, 361181: 293_300}
#: three counties of Guangdong (the account of another province)
GUANGDONG = {360281: 440103, 361130: 440104, 361181: 440105}


# --------------------------------------------------------------------------- mutations


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    notes = [x for x in lines if x.startswith("#")]
    return notes, list(csv.reader(x for x in lines if not x.startswith("#")))


def _write(path: Path, notes: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text("\n".join([*notes, out.getvalue()]), encoding="utf-8")


def _col(rows: list[list[str]], name: str) -> int:
    return next(j for j, h in enumerate(rows[0]) if h.split(" [")[0] == name)


def cell(column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    """Set ``column`` of the factor table's data row ``row`` (1: Leping) to ``value``."""

    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / TABLE)
        rows[row][_col(rows, column)] = value
        _write(folder / TABLE, notes, rows)

    return mutate


def header(column: str, text: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / TABLE)
        rows[0][_col(rows, column)] = text
        _write(folder / TABLE, notes, rows)

    return mutate


def drop_column(column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        notes, rows = _rows(folder / TABLE)
        j = _col(rows, column)
        _write(folder / TABLE, notes, [r[:j] + r[j + 1 :] for r in rows])

    return mutate


def extra_column(folder: Path) -> None:
    notes, rows = _rows(folder / TABLE)
    _write(folder / TABLE, notes, [[*rows[0], "bonus [CNY]"], *([*r, "5"] for r in rows[1:])])


def repeat_row(folder: Path) -> None:
    notes, rows = _rows(folder / TABLE)
    _write(folder / TABLE, notes, [rows[0], rows[1], *rows[1:]])


def drop_row(folder: Path) -> None:
    notes, rows = _rows(folder / TABLE)
    _write(folder / TABLE, notes, [rows[0], *rows[2:]])


def header_only(folder: Path) -> None:
    notes, rows = _rows(folder / TABLE)
    _write(folder / TABLE, notes, rows[:1])


def empty_file(folder: Path) -> None:
    (folder / TABLE).write_bytes(b"")


def in_yuan(folder: Path) -> None:
    """The fiscal gap in 元 (values × 10⁴, the header saying so)."""
    notes, rows = _rows(folder / TABLE)
    j = _col(rows, "fiscal_gap")
    assert rows[0][j] == "fiscal_gap [万元]"
    rows[0][j] = "fiscal_gap [元]"
    for r in rows[1:]:
        r[j] = f"{float(r[j]) * 1e4:.0f}"
    _write(folder / TABLE, notes, rows)


def gb18030(name: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / name
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))

    return mutate


def workbook(folder: Path) -> None:
    """The factor table as an .xlsx workbook under its .csv name (numbers as numbers)."""
    _, rows = _rows(folder / TABLE)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(rows[0])
    for r in rows[1:]:
        ws.append([int(c) if c.lstrip("-").isdigit() else c for c in r])
    out = io.BytesIO()
    wb.save(out)
    (folder / TABLE).write_bytes(out.getvalue())


def rule(old: str, new: str) -> Callable[[Path], None]:
    """Replace ``old`` by ``new`` (once) in the rule's TOML."""

    def mutate(folder: Path) -> None:
        path = folder / RULE
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def weights(key: str, gep: str) -> Callable[[Path], None]:
    """The two components' weights (60 and 40) set to ``key`` and ``gep``."""

    def mutate(folder: Path) -> None:
        rule("weight = 60.0", f"weight = {key}")(folder)
        rule("weight = 40.0", f"weight = {gep}")(folder)

    return mutate


def add_component(folder: Path) -> None:
    """A component using a declared column the factor table lacks (``bonus``)."""
    path = folder / RULE
    text = path.read_text(encoding="utf-8").replace("[columns]\n", '[columns]\nbonus = "CNY"\n')
    text += (
        '\n[[components]]\nkey = "bonus"\nname_zh = "奖励"\nname_en = "bonus"\nweight = 10.0\n'
        'terms = [{ factors = ["bonus"], coefficient = 1.0 }]\n'
    )
    path.write_text(text, encoding="utf-8")


def nothing(folder: Path) -> None:
    pass


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One change: its class, what it does to the folder, the options it changes or adds
    and, for a refusal, a regex the message must match (besides having a Chinese half)."""

    name: str
    cls: str
    mutate: Callable[[Path], None] = nothing
    message: str = ""
    options: dict[str, str] = field(default_factory=dict)
    command: str = "run"
    extra: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


#: the first row under the note line and the header: row 3 as a spreadsheet shows it
ROW = r"row 3 \(county_adcode 360281\)"
GAP = rf"{TABLE}: factor table, {ROW}: column 'fiscal_gap' value"

CASES = [
    # ---- the factor table: county adcodes
    Case("adcode-no-adcode", "refused:county", cell("county_adcode", "999999"),
         rf"{TABLE}: factor table has county adcode\(s\) 999999 that are not counties of "
         r"account 2.*因素表"),
    Case("adcode-other-province", "refused:county", cell("county_adcode", "440103"),
         r"county adcode\(s\) 440103 that are not counties of account 2"),
    Case("adcode-text", "refused:county", cell("county_adcode", "乐平市"),
         rf"{TABLE}: factor table: column county_adcode must hold integers; bad values "
         r"乐平市 / 因素表的 county_adcode 列须为整数代码"),
    Case("adcode-repeated", "refused:county", repeat_row,
         rf"{TABLE}: factor table: duplicated county_adcode 360281; each must "
         r"appear once / 因素表中 county_adcode 360281 重复出现"),
    Case("county-missing", "refused:county", drop_row,
         rf"{TABLE}: factor table lacks eligible county adcode\(s\) 360281;.*因素表缺少"),
    # ---- the factor table: values
    Case("value-text", "refused:value", cell("fiscal_gap", "abc"), rf"{GAP} 'abc' is not a number"),
    Case("value-negative", "refused:value", cell("fiscal_gap", "-1"), rf"{GAP} -1 is negative"),
    Case("coefficient-negative", "refused:value", cell("coefficient", "-2"),
         rf"{ROW}: column 'coefficient' value -2 is negative"),
    Case("value-nan", "refused:value", cell("fiscal_gap", "nan"), rf"{GAP} nan is not a number"),
    Case("value-inf", "refused:value", cell("fiscal_gap", "inf"), rf"{GAP} inf is not finite"),
    Case("value-1e300", "refused:value", cell("fiscal_gap", "1e300"),
         rf"{GAP} 1e300 is larger than 1e\+15 CNY"),
    Case("value-empty", "refused:value", cell("fiscal_gap", ""), rf"{GAP} '' is empty"),
    # ---- the factor table: headers, columns, files
    Case("unit-does-not-convert", "refused:header", header("fiscal_gap", "fiscal_gap [km2]"),
         rf"{TABLE}: factor table column fiscal_gap: unit 'km2' does not measure the "
         r"same quantity as 'CNY'.*表头单位 \[km2\] 无法换算"),
    Case("unit-missing", "refused:header", header("fiscal_gap", "fiscal_gap"),
         rf"{TABLE}: factor table: column 'fiscal_gap' has no unit"),
    Case("column-missing", "refused:header", drop_column("coefficient"),
         rf"{TABLE}: factor table lacks column\(s\) coefficient"),
    Case("empty-file", "refused:file", empty_file,
         rf"{TABLE}: factor table: the file is empty \(0 bytes\).*文件为空"),
    Case("header-only", "refused:file", header_only,
         rf"{TABLE}: factor table lacks eligible county adcode\(s\) 360281, 361130, 361181;"),
    # ---- the rule
    Case("weight-negative", "refused:rule", rule("weight = 60.0", "weight = -60.0"),
         rf"{RULE}: invalid rule: transfer.components.0.weight: .*greater than or equal to 0 "
         r"\(given: -60.0\).*规则"),
    Case("weight-nan", "refused:rule", rule("weight = 60.0", "weight = nan"),
         r"components.0.weight: .*finite number \(given: nan\)"),
    Case("weight-inf", "refused:rule", rule("weight = 60.0", "weight = inf"),
         r"components.0.weight: .*finite number \(given: inf\)"),
    Case("weight-1e300", "refused:rule", rule("weight = 60.0", "weight = 1e300"),
         r"components.0.weight: .*less than or equal to 1000000000000 \(given: 1e\+300\)"),
    Case("weights-all-zero", "refused:rule",
         weights("0.0", "0.0"),
         rf"{RULE}: invalid rule: transfer: .*at least one component needs a weight > 0.*"
         r"规则文件有误"),
    Case("factor-unknown", "refused:rule", rule('factors = ["gep"]', 'factors = ["gdp"]'),
         r"component 'gep_level' uses unknown factor\(s\) gdp"),
    Case("component-column-absent", "refused:rule", add_component,
         rf"{TABLE}: factor table lacks column\(s\) bonus"),
    Case("coefficient-1e300", "refused:rule",
         rule("coefficient = 1.0 }]", "coefficient = 1e300 }]"),
         r"terms.0.coefficient: .*less than or equal to 1000000000000 \(given: 1e\+300\)"),
    Case("rounding-unknown", "refused:rule", rule('rounding = "yuan"', 'rounding = "jiao"'),
         r"rounding: Input should be 'fen' or 'yuan' \(given: 'jiao'\)"),
    Case("minimum-above-budget", "refused:rule", rule("minimum_cny = 100.0", "minimum_cny = 5000.0"),
         r"cannot pay the fixed minimums of the 3 counties, which add up to 15,000.00 CNY"),
    Case("minimum-1e300", "refused:rule", rule("minimum_cny = 100.0", "minimum_cny = 1e300"),
         r"transfer.minimum_cny: .*less than or equal to 1000000000000000 \(given: 1e\+300\)"),
    Case("minimum-nan", "refused:rule", rule("minimum_cny = 100.0", "minimum_cny = nan"),
         r"minimum_cny: .*finite number \(given: nan\)"),
    Case("minimum-other-province", "refused:rule",
         rule("minimum_cny = 100.0", 'minimum_cny = 100.0\nminimums_cny = { "440103" = 5.0 }'),
         r"county adcode\(s\) 440103 that are not counties of province 360000"),
    Case("toml-syntax", "refused:rule", rule("weight = 60.0", "weight = = 60"),
         rf"{RULE}: cannot read the rule: .*line \d+.*规则文件"),
    Case("toml-gb18030", "refused:rule", gb18030(RULE), rf"{RULE}: cannot read the rule.*UTF-8"),
    # ---- the budget
    Case("budget-zero", "refused:budget", options={"--budget": "0"},
         message=r"--budget 0 is not a budget: give an amount above 0.*预算 --budget 的值 0 无效"),
    Case("budget-negative", "refused:budget", options={"--budget": "-10300"},
         message=r"--budget -10300 is not a budget"),
    Case("budget-nan", "refused:budget", options={"--budget": "nan"}, message=r"--budget nan is not a budget"),
    Case("budget-inf", "refused:budget", options={"--budget": "inf"}, message=r"--budget inf is not a budget"),
    Case("budget-1e300", "refused:budget", options={"--budget": "1e300"},
         message=r"--budget 1e\+300 CNY is 1e\+300 CNY, more than 1e\+15 CNY"),
    Case("budget-fraction-of-yuan", "refused:budget", options={"--budget": "10300.5"},
         message=r"budget 10300.5 CNY is not a whole number of yuan"),
    Case("budget-unit-usd", "refused:budget", options={"--unit": "万美元"},
         message=r"--unit '万美元': unknown unit '万美元'.*预算单位 --unit 的值 万美元 无法换算"),
    # ---- the year and the account
    Case("year-no-account", "refused:year", options={"--year": "2030"},
         message=r"no stored account of 2030 .*stored years: 2022, 2023.*库中没有 2030 年的核算"),
    Case("year-out-of-range", "refused:year", options={"--year": "99999"},
         message=r"no stored account of 99999"),
    Case("account-missing", "refused:account", extra=("--account", "99"),
         message=r"no account 99 in the store.*库中没有核算 #99"),
    Case("account-other-year", "refused:account", extra=("--account", "3"),
         message=r"account 3 is of 2023, not 2022.*核算 #3 是 2023 年的核算"),
    Case("account-other-region", "refused:account", extra=("--account", "1"),
         message=r"account 1 is an account of region 440000, but rule 'hand-rule' is "
         r"for province 360000; give --account an account of that province"),
    # ---- what-if
    Case("whatif-weight-negative", "refused:whatif", command="whatif",
         extra=("--weight", "gep_level=-1"),
         message=r"weight of 'gep_level' must lie between 0 and 1e12 .*got -1.0"),
    Case("whatif-weight-nan", "refused:whatif", command="whatif",
         extra=("--weight", "gep_level=nan"),
         message=r"weight of 'gep_level' must lie between 0 and 1e12 .*got nan"),
    Case("whatif-new-budget-inf", "refused:whatif", command="whatif",
         extra=("--new-budget", "inf"), message=r"--new-budget inf is not a budget.*--new-budget 的值 inf"),
    Case("whatif-minimum-above-budget", "refused:whatif", command="whatif",
         mutate=rule("minimum_cny = 100.0", "minimum_cny = 5000.0"),
         message=r"cannot pay the fixed minimums"),
    # ---- fine inputs
    Case("factors-gb18030", "accepted", gb18030(TABLE)),
    Case("factors-workbook-named-csv", "accepted", workbook),
    Case("fiscal-gap-in-yuan", "accepted", in_yuan),
    Case("extra-column", "accepted", extra_column),
    Case("weights-scaled", "accepted",
         weights("6.0", "4.0")),
    Case("budget-in-wan", "accepted", options={"--budget": "1.03", "--unit": "万元"}),
    Case("whatif-unchanged", "accepted", command="whatif", extra=("--weight", "gep_level=40")),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def transfers(command: str, folder: Path, options: dict[str, str], extra: tuple[str, ...]) -> Any:
    base = {
        "--rule": str(folder / RULE),
        "--budget": GOOD_BUDGET,
        "--year": "2022",
        "--factors": str(folder / TABLE),
        "--db": str(folder / "store.sqlite"),
        **options,
    }
    args = [x for kv in base.items() for x in kv]
    return runner.invoke(app, ["apply", "transfers", command, *args, *extra])


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def amounts(db: Path, run: int) -> dict[int, int]:
    lines = run_lines(open_store(f"sqlite:///{db}"), run)
    return {
        int(c): int(f) for c, f in zip(lines["county_adcode"], lines["amount_fen"], strict=True)
    }


def other_region() -> Any:
    """The 2022 hand account moved to three counties of Guangdong (region 440000)."""
    acc = account(2022, GEP_2022)
    units = acc.units.assign(
        county_adcode=acc.units["county_adcode"].map(GUANGDONG),
        province_adcode=440000,
        province_name="广东省",
    )
    return replace(
        acc,
        region_adcode=440000,
        input_digest="4" * 64,
        results=acc.results.assign(county_adcode=acc.results["county_adcode"].map(GUANGDONG)),
        extent=acc.extent.assign(county_adcode=acc.extent["county_adcode"].map(GUANGDONG)),
        units=units,
    )


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """The store (accounts 1 and 2 of Jiangxi, 3 of Guangdong; the good run 1), the rule
    and the factor table, copied into a case's folder (built once per module and worker)."""
    built = tmp_path_factory.mktemp("transfers-start")
    url = f"sqlite:///{built / 'store.sqlite'}"
    save_account(open_store(url), other_region())  # first: 2022's newest is Jiangxi's
    hand_store(url).dispose()
    shutil.copy(transfer_rule(built), built / RULE)
    write(built / TABLE, FACTORS)
    good = transfers("run", built, {}, ())
    assert good.exit_code == 0 and "stored as run #1" in good.output, good.output
    assert amounts(built / "store.sqlite", 1) == GOOD_FEN

    def copy(folder: Path) -> Path:
        shutil.copytree(built, folder, dirs_exist_ok=True)
        return folder

    return copy


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_transfer_input(case: Case, start: Callable[[Path], Path], tmp_path: Path) -> None:
    folder = start(tmp_path)
    db = folder / "store.sqlite"
    before = dump(db)
    case.mutate(folder)
    result = transfers(case.command, folder, case.options, case.extra)
    output = result.output

    assert "Traceback" not in output, output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    flat = " ".join(output.split())
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, flat
        assert "unexpected" not in flat, flat
        assert re.search(case.message, flat, re.S), flat
        assert has_chinese_half(flat), f"no Chinese half: {flat}"
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, flat
    if case.command == "whatif":
        assert "nothing stored" in flat and "0 counties gain" in flat, flat
        assert dump(db) == before, "a what-if changed the store"
        return
    assert "stored as run #2" in flat, flat
    assert amounts(db, 2) == GOOD_FEN


def test_an_english_only_refusal_gains_a_chinese_half_and_names_its_file_once() -> None:
    from ganpo.cli.apply import _transfer_input
    from ganpo.errors import InputError

    with pytest.raises(InputError) as raised, _transfer_input():
        raise InputError("negative population", source="factors.csv", field="pop", values=[-3])
    err = raised.value
    assert err.en == "negative population" and err.source == "factors.csv"
    assert err.zh == "转移支付分配的输入有误（pop：-3），未入库；请按英文说明修改"
    assert str(err).count("factors.csv") == 1 and (err.field, err.values) == ("pop", [-3])
