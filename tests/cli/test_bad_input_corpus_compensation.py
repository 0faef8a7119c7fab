"""A corpus of bad inputs of ecological compensation between regions (``ganpo apply
compensation settle``) and of the assessment of local governments (``ganpo apply assess``),
run end to end (in the style of tests/cli/test_bad_input_corpus_tracking.py).

The start (built once per module and worker): the hand accounts of 2022 and 2023
(tests/applications_support.py) in a SQLite store; a Xin'an-style agreement
(``agreement.toml``, one section, four indicators, gap policy ``not_met``) with a year of
monitoring data (``monitoring.csv``, two samples a month); an assessment framework
(``framework.toml``, three indicators in two categories), a GDP table (``gdp.csv``, by year)
and a Green Development Index indicator table (``indicators.csv``, 2021–2023). Both rules
are stored in the store first (``ganpo apply rules store``), so a refused run has nothing
to add. A case changes ONE thing and runs

* ``settle``: ``ganpo apply compensation settle agreement.toml --year 2023 --monitoring
  monitoring.csv --database store.sqlite``;
* ``assess``: ``ganpo apply assess --year 2023 --gdp gdp.csv --indicators indicators.csv
  --framework framework.toml --database store.sqlite``.

A case's id starts with its class:

* ``refused:<what>`` — exit code 2; no traceback; the message names the file, the field,
  row or column and the value (a regex per case) and has its Chinese half; the store is
  unchanged, its SQLite dump the same statement for statement.
* ``accepted`` — the input means the same (a GB 18030 or .xlsx file, a value in µg/L
  rather than mg/L, a GDP in 元 rather than 万元): exit code 0 and the very output of the
  unchanged inputs.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_compensation.py`` lists the cases.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from applications_support import ASSESSMENT_FRAMEWORK as FRAMEWORK_TEXT
from applications_support import ASSESSMENT_GDP as GDP_TEXT
from applications_support import ASSESSMENT_INDICATORS as INDICATORS_TEXT
from applications_support import hand_store
from corpus_support import (
    as_number,
    csv_rows,
    has_chinese_half,
    replace_once,
    set_cell,
    workbook_bytes,
    write_csv,
)
from corpus_support import store_dump as dump
from ganpo.cli.main import app

runner = CliRunner()
AGREEMENT = "agreement.toml"
MONITORING = "monitoring.csv"
FRAMEWORK = "framework.toml"
GDP = "gdp.csv"
INDICATORS = "indicators.csv"

AGREEMENT_TEXT = """kind = "compensation"
name = "corpus-xinan"
title_zh = "测试协议"
title_en = "test agreement"
description = "test"
source = "test"
method = "xinan_index"
threshold = 1.0
water_class = "III"
min_months = 12
gap_policy = "not_met"

[upstream]
name_zh = "上游"
name_en = "upstream"

[downstream]
name_zh = "下游"
name_en = "downstream"

[[sections]]
key = "s1"
name_zh = "断面"

[[indicators]]
key = "codmn"
unit = "mg/L"
baseline = 2.5
weight = 0.25

[[indicators]]
key = "nh3n"
unit = "mg/L"
baseline = 0.1
weight = 0.25

[[indicators]]
key = "tn"
unit = "mg/L"
baseline = 1.25
weight = 0.25

[[indicators]]
key = "tp"
unit = "mg/L"
baseline = 0.05
weight = 0.25

[[rounds]]
round = 1
start_year = 2022
end_year = 2024
k0 = 0.85
amount_cny = 100000000.0
"""

# annual means 2.0, 0.1, 1.0, 0.03 mg/L: P = 0.85 × mean(0.8, 1.0, 0.8, 0.6) = 0.68 ≤ 1
CONC = {"codmn": 2.0, "nh3n": 0.1, "tn": 1.0, "tp": 0.03}


def _monitoring_text() -> str:
    lines = ["section,month,indicator,value,unit"]
    for ind, c in CONC.items():
        for m in range(1, 13):
            for day, v in ((5, c * 0.9), (20, c * 1.1)):
                lines.append(f"s1,2023-{m:02d}-{day:02d},{ind},{v:.6f},mg/L")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- mutations


def text(file: str, old: str, new: str) -> Callable[[Path], None]:
    """Replace the first ``old`` by ``new`` in ``file``."""
    return lambda folder: replace_once(folder / file, old, new)


def cell(file: str, column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    """Set ``column`` of data row ``row`` (1: the first under the header) to ``value``."""
    return lambda folder: set_cell(folder / file, column, value, row)


def replace_all(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / file
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    return mutate


def by_month(folder: Path) -> None:
    """One sample a month (``YYYY-MM``) at the month's mean: the same monthly means."""
    lines = ["section,month,indicator,value,unit"]
    lines += [
        f"s1,2023-{mo:02d},{ind},{c:.6f},mg/L" for ind, c in CONC.items() for mo in range(1, 13)
    ]
    (folder / MONITORING).write_text("\n".join(lines) + "\n", encoding="utf-8")


def header(file: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / file)
        rows[0][rows[0].index(old)] = new
        write_csv(folder / file, rows)

    return mutate


def repeat_row(file: str, row: int = 1, **change: str) -> Callable[[Path], None]:
    """Write data row ``row`` a second time, with ``change`` applied to the copy."""

    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / file)
        copy = list(rows[row])
        for column, value in change.items():
            copy[rows[0].index(column)] = value
        write_csv(folder / file, [*rows[: row + 1], copy, *rows[row + 1 :]])

    return mutate


def dropcsv_rows(file: str, keep: Callable[[dict[str, str]], bool]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / file)
        kept = [r for r in rows[1:] if keep(dict(zip(rows[0], r, strict=True)))]
        write_csv(folder / file, [rows[0], *kept])

    return mutate


def header_only(file: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        write_csv(folder / file, csv_rows(folder / file)[:1])

    return mutate


def empty(file: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / file).write_bytes(b"")

    return mutate


def gb18030(file: str) -> Callable[[Path], None]:
    """The file in GB 18030 (the monitoring file gains a Chinese comment line to encode)."""

    def mutate(folder: Path) -> None:
        path = folder / file
        body = path.read_text(encoding="utf-8")
        path.write_bytes(("# 监测数据 测试\n" + body).encode("gb18030"))

    return mutate


def noted(file: str, column: str, value: str) -> Callable[[Path], None]:
    """``column`` of the second data row set to ``value``, under a note line above the
    header and a blank row after the first data row: the cell is on row 5 of the file."""

    def mutate(folder: Path) -> None:
        path = folder / file
        set_cell(path, column, value, 2)
        head, first, *rest = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(["# 监测数据 note\n", head, first, "\n", *rest]), "utf-8")

    return mutate


def workbook(file: str) -> Callable[[Path], None]:
    """The table as an .xlsx workbook under its .csv name (numbers as numbers)."""

    def mutate(folder: Path) -> None:
        rows = csv_rows(folder / file)
        cells = [rows[0], *([as_number(c) for c in r] for r in rows[1:])]
        (folder / file).write_bytes(workbook_bytes(cells))

    return mutate


def tp_in_micrograms(folder: Path) -> None:
    """Every tp sample in µg/L (its value × 1000): the same concentrations."""
    rows = csv_rows(folder / MONITORING)
    for r in rows[1:]:
        if r[2] == "tp":
            r[3], r[4] = f"{float(r[3]) * 1000:.3f}", "µg/L"
    write_csv(folder / MONITORING, rows)


def gdp_in_yuan(folder: Path) -> None:
    """The GDP table in 元 (values × 10⁴)."""
    rows = csv_rows(folder / GDP)
    rows[0][2] = "gdp [元]"
    for r in rows[1:]:
        r[2] = f"{float(r[2]) * 1e4:g}"
    write_csv(folder / GDP, rows)


def gdp_in_yi_yuan(folder: Path) -> None:
    """The GDP table in 亿元 (values ÷ 10⁴)."""
    rows = csv_rows(folder / GDP)
    rows[0][2] = "gdp [亿元]"
    for r in rows[1:]:
        r[2] = f"{float(r[2]) / 1e4:g}"
    write_csv(folder / GDP, rows)


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One mutation: its class, the command it runs (``settle`` or ``assess``), what it does
    to the start's folder and, for a refusal (or a ``reported`` gap), a regex the message
    must match."""

    name: str
    cls: str
    command: str
    mutate: Callable[[Path], None]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


def m(column: str, value: str, row: int = 1) -> Callable[[Path], None]:
    return cell(MONITORING, column, value, row)


def g(column: str, value: str, row: int = 4) -> Callable[[Path], None]:
    return cell(GDP, column, value, row)


def i(column: str, value: str, row: int = 3) -> Callable[[Path], None]:
    return cell(INDICATORS, column, value, row)


#: the first data row: row 2 of the file (the header is row 1), as a spreadsheet shows it
MON = rf"{MONITORING}: monitoring data: row\(s\) 2: "
GDPF = rf"{GDP}: GDP table"
INDF = rf"{INDICATORS}: indicator table"
AGR = rf"{AGREEMENT}: invalid rule: compensation\."
FWK = rf"{FRAMEWORK}: invalid rule: assessment"

#: the file a case's class mutates
FILES = {"monitoring": MONITORING, "agreement": AGREEMENT, "gdp": GDP,
         "indicators": INDICATORS, "framework": FRAMEWORK}  # fmt: skip

CASES: list[Case] = [
    # ---- monitoring data
    Case("monitoring-section-unknown", "refused:monitoring", "settle", m("section", "s9"),
         rf"{MON}section\(s\) s9 that agreement 'corpus-xinan' does not have; its sections: s1.*断面 s9 不在协议"),
    Case("monitoring-indicator-unknown", "refused:monitoring", "settle", m("indicator", "cod"),
         rf"{MON}indicator\(s\) cod that agreement 'corpus-xinan' does not monitor.*指标 cod 不在协议"),
    Case("monitoring-month-13", "refused:monitoring", "settle", m("month", "2023-13"),
         rf"{MON}month 2023-13 is not a date; write YYYY-MM or YYYY-MM-DD.*月份 2023-13 不是有效日期"),
    Case("monitoring-month-0", "refused:monitoring", "settle", m("month", "2023-00"),
         rf"{MON}month 2023-00 is not a date"),
    Case("monitoring-month-13-with-day", "refused:monitoring", "settle", m("month", "2023-13-05"),
         rf"{MON}month 2023-13-05 is not a date"),
    Case("monitoring-day-feb-30", "refused:monitoring", "settle", m("month", "2023-02-30"),
         rf"{MON}month 2023-02-30 is not a date.*a day the month has"),
    Case("monitoring-month-bare-13", "refused:monitoring", "settle", m("month", "13"),
         rf"{MON}month 13 is not a date"),
    Case("monitoring-month-text", "refused:monitoring", "settle", m("month", "一月"),
         rf"{MON}month 一月 is not a date"),
    Case("monitoring-month-day-first", "refused:monitoring", "settle", m("month", "05/01/2023"),
         rf"{MON}month 05/01/2023 is not a date"),
    Case("monitoring-month-empty", "refused:monitoring", "settle", m("month", ""),
         rf"{MON}month nan is not a date"),
    Case("monitoring-value-text", "refused:monitoring", "settle", m("value", "abc"),
         rf"{MON}value abc is not a finite non-negative number.*数值 abc 不是有限的非负数"),
    Case("monitoring-value-empty", "refused:monitoring", "settle", m("value", ""),
         rf"{MON}value nan is not a finite non-negative number"),
    Case("monitoring-value-negative", "refused:monitoring", "settle", m("value", "-1.8"),
         rf"{MON}value -1.8 is not a finite non-negative number"),
    Case("monitoring-value-nan", "refused:monitoring", "settle", m("value", "nan"),
         rf"{MON}value nan is not a finite non-negative number"),
    Case("monitoring-value-inf", "refused:monitoring", "settle", m("value", "inf"),
         rf"{MON}value inf is not a finite non-negative number"),
    Case("monitoring-value-1e300", "refused:monitoring", "settle", m("value", "1e300"),
         rf"{MON}value 1e300 is beyond what a water sample can hold \(more than 1e\+06 mg/L\).*数值 1e300 超出合理范围"),
    Case("monitoring-value-1e9", "refused:monitoring", "settle", m("value", "1e9"),
         rf"{MON}value 1e9 is beyond what a water sample can hold"),
    Case("monitoring-value-thousands-separator", "refused:monitoring", "settle", m("value", "1,800"),
         rf"{MON}value 1,800 is not a finite non-negative number"),
    Case("monitoring-unit-g", "refused:monitoring", "settle", m("unit", "g"),
         rf"{MON}unit 'g' of indicator codmn does not convert to the agreement's 'mg/L'.*单位“g”不能换算"),
    Case("monitoring-unit-unknown", "refused:monitoring", "settle", m("unit", "mg/LL"),
         rf"{MON}unit 'mg/LL' of indicator codmn does not convert .*unknown unit 'mg/LL'"),
    Case("monitoring-unit-empty", "refused:monitoring", "settle", m("unit", ""),
         rf"{MON}unit '' of indicator codmn does not convert"),
    # a note line above the header and a blank row among the data: counted, as a
    # spreadsheet shows them
    Case("monitoring-value-below-a-note", "refused:monitoring", "settle",
         noted(MONITORING, "value", "abc"),
         rf"{MONITORING}: monitoring data: row\(s\) 5: value abc is not a finite non-negative "
         r"number.*监测数据第 5 行的数值 abc 不是有限的非负数"),
    Case("monitoring-row-twice-other-value", "refused:monitoring", "settle",
         repeat_row(MONITORING, value="9.9"),
         rf"{MONITORING}: monitoring data: rows 2, 3 give section s1, indicator codmn on 2023-01-05 twice \(values 1.800000, 9.9\).*重复给出断面 s1"),
    Case("monitoring-row-twice", "refused:monitoring", "settle", repeat_row(MONITORING),
         r"rows 2, 3 give section s1, indicator codmn on 2023-01-05 twice \(values 1.800000, 1.800000\)"),
    Case("monitoring-no-sample-of-year", "refused:monitoring", "settle",
         replace_all(MONITORING, "s1,2023-", "s1,2022-"),
         rf"{MONITORING}: monitoring data hold no sample of 2023 \(years present: 2022\).*没有 2023 年的样品"),
    Case("monitoring-column-missing", "refused:monitoring", "settle",
         header(MONITORING, "unit", "units"),
         rf"{MONITORING}: monitoring data lacks column\(s\) unit; it needs section, month, indicator, value, unit.*缺少列：unit"),
    Case("monitoring-empty", "refused:monitoring", "settle", empty(MONITORING),
         rf"{MONITORING}: monitoring data: the file is empty \(0 bytes\).*文件为空"),
    Case("monitoring-header-only", "refused:monitoring", "settle", header_only(MONITORING),
         rf"{MONITORING}: monitoring data hold no sample of 2023 \(years present: none\).*没有 2023 年的样品"),
    # a month the agreement needs is missing: reported as a gap, and the agreement's gap
    # policy (not_met) makes the year not met: the upstream party pays
    Case("monitoring-month-missing", "reported", "settle",
         dropcsv_rows(MONITORING, lambda r: not (r["indicator"] == "tp" and r["month"].startswith("2023-07"))),
         r"met 达标: False.*上游 upstream → 下游 downstream: 100,000,000.00 CNY.*s1/tp: no data for month\(s\) 7 \(11 of 12 months\).*the year counts as not met"),
    # ---- the agreement
    Case("agreement-water-class-unknown", "refused:agreement", "settle",
         text(AGREEMENT, 'water_class = "III"', 'water_class = "VI"'),
         rf"{AGR}water_class: Input should be 'I', 'II', 'III', 'IV' or 'V'"),
    Case("agreement-indicator-unknown", "refused:agreement", "settle",
         text(AGREEMENT, 'key = "tn"', 'key = "tnn"'),
         r"unknown water-quality indicator 'tnn'.*未知的水质指标 'tnn'"),
    Case("agreement-indicator-unit", "refused:agreement", "settle",
         text(AGREEMENT, 'unit = "mg/L"', 'unit = "g"'),
         r"indicator codmn: unit 'g' does not measure the same quantity as 'mg/L'.*"
         r"水质指标 codmn 的单位 \[g\] 无法换算为 mg/L"),
    Case("agreement-amount-negative", "refused:agreement", "settle",
         text(AGREEMENT, "amount_cny = 100000000.0", "amount_cny = -100000000.0"),
         rf"{AGR}rounds.0.amount_cny: Input should be greater than or equal to 0"),
    Case("agreement-amount-nan", "refused:agreement", "settle",
         text(AGREEMENT, "amount_cny = 100000000.0", "amount_cny = nan"),
         rf"{AGR}rounds.0.amount_cny: Input should be a finite number"),
    Case("agreement-amount-inf", "refused:agreement", "settle",
         text(AGREEMENT, "amount_cny = 100000000.0", "amount_cny = inf"),
         rf"{AGR}rounds.0.amount_cny: Input should be a finite number"),
    Case("agreement-threshold-nan", "refused:agreement", "settle",
         text(AGREEMENT, "threshold = 1.0", "threshold = nan"),
         rf"{AGR}threshold: Input should be a finite number"),
    Case("agreement-threshold-negative", "refused:agreement", "settle",
         text(AGREEMENT, "threshold = 1.0", "threshold = -1.0"), rf"{AGR}threshold: Input should be greater than or equal to 0 \(given: -1.0\)"),
    Case("agreement-k0-nan", "refused:agreement", "settle", text(AGREEMENT, "k0 = 0.85", "k0 = nan"),
         rf"{AGR}rounds.0.k0: Input should be a finite number"),
    Case("agreement-k0-negative", "refused:agreement", "settle",
         text(AGREEMENT, "k0 = 0.85", "k0 = -0.85"), rf"{AGR}rounds.0.k0: Input should be greater than 0 \(given: -0.85\)"),
    Case("agreement-baseline-zero", "refused:agreement", "settle",
         text(AGREEMENT, "baseline = 2.5", "baseline = 0.0"),
         rf"{AGR}indicators.0.baseline: Input should be greater than 0"),
    Case("agreement-baseline-nan", "refused:agreement", "settle",
         text(AGREEMENT, "baseline = 2.5", "baseline = nan"),
         rf"{AGR}indicators.0.baseline: Input should be a finite number"),
    Case("agreement-weight-nan", "refused:agreement", "settle",
         text(AGREEMENT, "weight = 0.25", "weight = nan"),
         rf"{AGR}indicators.0.weight: Input should be a finite number"),
    Case("agreement-weight-negative", "refused:agreement", "settle",
         text(AGREEMENT, "weight = 0.25", "weight = -0.25"),
         rf"{AGR}indicators.0.weight: Input should be greater than or equal to 0"),
    Case("agreement-round-years-reversed", "refused:agreement", "settle",
         text(AGREEMENT, "start_year = 2022\nend_year = 2024", "start_year = 2024\nend_year = 2022"),
         rf"{AGR}rounds.0: Value error, round 1 starts in 2024, after its end_year 2022"),
    Case("agreement-min-months-13", "refused:agreement", "settle",
         text(AGREEMENT, "min_months = 12", "min_months = 13"),
         rf"{AGR}min_months: Input should be less than or equal to 12"),
    Case("agreement-gap-policy-unknown", "refused:agreement", "settle",
         text(AGREEMENT, 'gap_policy = "not_met"', 'gap_policy = "skip"'),
         rf"{AGR}gap_policy: Input should be 'fail', 'not_met' or 'available'"),
    Case("agreement-method-missing", "refused:agreement", "settle",
         text(AGREEMENT, 'method = "xinan_index"\n', ""),
         rf"{AGR}method: Field required"),
    Case("agreement-field-unknown", "refused:agreement", "settle",
         text(AGREEMENT, "threshold = 1.0", "treshold = 1.0"),
         rf"{AGR}treshold: Extra inputs are not permitted"),
    Case("agreement-not-toml", "refused:agreement", "settle",
         text(AGREEMENT, "[[sections]]", "[[sections]"),
         rf"{AGREEMENT}: cannot read the rule: Expected ']]' .*\(at line 21, column 11\)"),
    Case("agreement-empty", "refused:agreement", "settle", empty(AGREEMENT),
         rf"{AGREEMENT}: invalid rule: : Unable to extract tag using discriminator 'kind'"),
    # ---- the GDP table
    Case("gdp-adcode-no-adcode", "refused:gdp", "assess", g("county_adcode", "999999"),
         rf"{GDPF} has county adcode\(s\) 999999 that are not in the account.*代码 999999 不在核算账户中"),
    Case("gdp-adcode-other-province", "refused:gdp", "assess", g("county_adcode", "110101"),
         rf"{GDPF} has county adcode\(s\) 110101 that are not in the account"),
    Case("gdp-adcode-text", "refused:gdp", "assess", g("county_adcode", "乐平市"),
         rf"{GDPF}: column county_adcode must hold integers; bad values 乐平市"),
    Case("gdp-county-year-twice", "refused:gdp", "assess", repeat_row(GDP, 4, **{"gdp [万元]": "0.2"}),
         rf"{GDPF}: duplicated county_adcode/year 360281/2023"),
    Case("gdp-value-negative", "refused:gdp", "assess", g("gdp [万元]", "-0.1"),
         rf"{GDPF}: GDP must be positive; it is 0 or negative for county_adcode 360281.*GDP 须为正数"),
    Case("gdp-value-zero", "refused:gdp", "assess", g("gdp [万元]", "0"),
         rf"{GDPF}: GDP must be positive; it is 0 or negative for county_adcode 360281"),
    Case("gdp-value-nan", "refused:gdp", "assess", g("gdp [万元]", "nan"),
         rf"{GDPF}: column 'gdp' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("gdp-value-empty", "refused:gdp", "assess", g("gdp [万元]", ""),
         rf"{GDPF}: column 'gdp' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("gdp-value-inf", "refused:gdp", "assess", g("gdp [万元]", "inf"),
         rf"{GDPF}: column 'gdp' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("gdp-value-1e300", "refused:gdp", "assess", g("gdp [万元]", "1e300"),
         rf"{GDPF}: GDP of county_adcode 360281 is 1e\+304 CNY, more than 1e\+09 亿元.*GDP 超过 1e\+09 亿元"),
    Case("gdp-value-text", "refused:gdp", "assess", g("gdp [万元]", "一千"),
         rf"{GDPF}: column 'gdp' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("gdp-unit-does-not-convert", "refused:gdp", "assess", header(GDP, "gdp [万元]", "gdp [t]"),
         rf"{GDPF} column gdp: unit 't' does not measure the same quantity as 'CNY'.*"
         r"GDP 表的 gdp 列表头单位 \[t\] 无法换算为 CNY"),
    Case("gdp-unit-missing", "refused:gdp", "assess", header(GDP, "gdp [万元]", "gdp"),
         rf"{GDPF}: column 'gdp' has no unit; write its header as `gdp \[CNY\]`"),
    Case("gdp-year-missing", "refused:gdp", "assess", dropcsv_rows(GDP, lambda r: r["year"] != "2023"),
         rf"{GDPF} lacks county adcode\(s\) 360281, 361130, 361181 of the account; add them.*请补充"),
    Case("gdp-county-missing", "refused:gdp", "assess",
         dropcsv_rows(GDP, lambda r: r["county_adcode"] != "361181"),
         rf"{GDPF} lacks county adcode\(s\) 361181 of the account"),
    Case("gdp-year-text", "refused:gdp", "assess", g("year", "2023年"),
         rf"{GDPF}: column year must hold integers; bad values 2023年"),
    Case("gdp-empty", "refused:gdp", "assess", empty(GDP),
         rf"{GDPF}: the file is empty \(0 bytes\).*文件为空"),
    Case("gdp-header-only", "refused:gdp", "assess", header_only(GDP),
         rf"{GDPF} lacks county adcode\(s\) 360281, 361130, 361181 of the account"),
    # ---- a slip of the header's unit (decision 0091): 乐平市 (360281) is some 300 亿元
    Case("gdp-slip-yi-yuan-figures-under-wan-yuan", "refused:gdp", "assess", g("gdp [万元]", "300"),
         rf"{GDPF}, row 5: column 'gdp \[万元\]' value 300 of county_adcode 360281 read in 万元 \(as the "
         r"header says\) is 0.03 亿元, less than 1 亿元, the bound of a county's GDP; the figures "
         r"look like 亿元 \(the unit off by a factor 10\^4\); correct the unit in the header.*"
         r"/ GDP 表第 5 行 gdp \[万元\] 的值 300（县 360281）按万元（表头所写）.*请更正表头中的单位"),
    Case("gdp-slip-yuan-figures-under-wan-yuan", "refused:gdp", "assess", g("gdp [万元]", "30000000000"),
         rf"{GDPF}, row 5: column 'gdp \[万元\]' value 3e\+10 of county_adcode 360281 read in 万元 .*"
         r"is 3,000,000 亿元, more than 30,000 亿元.*look like 元"),
    Case("gdp-slip-wan-yuan-figures-under-yi-yuan", "refused:gdp", "assess",
         header(GDP, "gdp [万元]", "gdp [亿元]"),
         rf"{GDPF}, row 5: column 'gdp \[亿元\]' value 3e\+06 of county_adcode 360281 read in 亿元 .*"
         r"more than 30,000 亿元.*look like 万元"),
    # ---- the indicator table
    Case("indicators-column-unknown", "refused:indicators", "assess", header(INDICATORS, "c [%]", "d [%]"),
         rf"{INDF} has column\(s\) d that framework 'corpus-gdi' does not know; its indicators: a, b, c.*指标表的列 d"),
    Case("indicators-value-text", "refused:indicators", "assess", i("a [%]", "abc"),
         rf"{INDF}: column 'a' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("indicators-value-nan", "refused:indicators", "assess", i("a [%]", "nan"),
         rf"{INDF}: column 'a' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("indicators-value-inf", "refused:indicators", "assess", i("a [%]", "inf"),
         rf"{INDF}: column 'a' has missing, non-numeric or infinite values for county_adcode 360281"),
    Case("indicators-value-1e300", "refused:indicators", "assess", i("a [%]", "1e300"),
         rf"{INDF}: column 'a' holds 1e\+300 for county_adcode 360281, beyond 1e\+15 % in size.*超出合理范围"),
    Case("indicators-unit-does-not-convert", "refused:indicators", "assess", header(INDICATORS, "a [%]", "a [t]"),
         rf"{INDF} column a: unit 't' does not measure the same quantity as '%'.*"
         r"指标表的 a 列表头单位 \[t\] 无法换算为 %"),
    Case("indicators-county-unknown", "refused:indicators", "assess", i("county_adcode", "360100"),
         rf"{INDF} has county adcode\(s\) 360100 that are not in the account.*不在核算账户中"),
    Case("indicators-county-year-twice", "refused:indicators", "assess",
         repeat_row(INDICATORS, 3, **{"a [%]": "15"}),
         rf"{INDF}: duplicated county_adcode/year 360281/2023"),
    Case("indicators-year-missing", "refused:indicators", "assess",
         dropcsv_rows(INDICATORS, lambda r: r["year"] != "2023"),
         rf"{INDF} has no row of 2023 \(years present: 2021, 2022\).*没有 2023 年的数据"),
    Case("indicators-year-text", "refused:indicators", "assess", i("year", "2023年"),
         rf"{INDF}: column year must hold integers; bad values 2023年"),
    Case("indicators-empty", "refused:indicators", "assess", empty(INDICATORS),
         rf"{INDF}: the file is empty \(0 bytes\).*文件为空"),
    Case("indicators-header-only", "refused:indicators", "assess", header_only(INDICATORS),
         rf"{INDF} has no row of 2023 \(years present: none\)"),
    # ---- the framework
    Case("framework-warning-indicator-unknown", "refused:framework", "assess",
         text(FRAMEWORK, 'metric = "c"', 'metric = "d"'),
         rf"{FWK}: Value error, warning on unknown metric 'd'"),
    Case("framework-weight-nan", "refused:framework", "assess",
         text(FRAMEWORK, "weight = 1.0", "weight = nan"),
         rf"{FWK}.categories.0.indicators.1.weight: Input should be a finite number"),
    Case("framework-weight-negative", "refused:framework", "assess",
         text(FRAMEWORK, "weight = 1.0", "weight = -1.0"),
         rf"{FWK}.categories.0.indicators.1.weight: Input should be greater than 0"),
    Case("framework-category-weight-nan", "refused:framework", "assess",
         text(FRAMEWORK, "weight_pct = 40.0", "weight_pct = nan"),
         rf"{FWK}.categories.1.weight_pct: Input should be a finite number"),
    Case("framework-category-weights-sum-90", "refused:framework", "assess",
         text(FRAMEWORK, "weight_pct = 40.0", "weight_pct = 30.0"),
         rf"{FWK}: Value error, category weights must add up to 100 %; they add up to 90"),
    Case("framework-grade-min-nan", "refused:framework", "assess",
         text(FRAMEWORK, "min_score = 70.0", "min_score = nan"),
         rf"{FWK}.grades.1.min_score: Input should be a finite number"),
    Case("framework-missing-score-nan", "refused:framework", "assess",
         text(FRAMEWORK, 'verified = "nothing"', 'verified = "nothing"\nmissing_score = nan'),
         rf"{FWK}.missing_score: Input should be a finite number"),
    Case("framework-score-span-negative", "refused:framework", "assess",
         text(FRAMEWORK, 'verified = "nothing"', 'verified = "nothing"\nscore_span = -40.0'),
         rf"{FRAMEWORK}: invalid rule: assessment.score_span: Input should be greater than 0"),
    Case("framework-warning-below-nan", "refused:framework", "assess",
         text(FRAMEWORK, "below = 10.0", "below = nan"),
         rf"{FWK}.warnings.0.below: Input should be a finite number"),
    Case("framework-direction-unknown", "refused:framework", "assess",
         text(FRAMEWORK, 'direction = "negative"', 'direction = "down"'),
         rf"{FWK}.categories.0.indicators.1.direction: Input should be 'positive' or 'negative'"),
    Case("framework-not-toml", "refused:framework", "assess",
         text(FRAMEWORK, "[[grades]]", "[[grades]"),
         rf"{FRAMEWORK}: cannot read the rule: Expected ']]' .*\(at line 9, column 9\)"),
    # ---- fine inputs
    Case("monitoring-gb18030", "accepted", "settle", gb18030(MONITORING)),
    Case("monitoring-workbook-named-csv", "accepted", "settle", workbook(MONITORING)),
    Case("monitoring-tp-in-micrograms", "accepted", "settle", tp_in_micrograms),
    Case("monitoring-by-month", "accepted", "settle", by_month),
    Case("gdp-gb18030", "accepted", "assess", gb18030(GDP)),
    Case("gdp-in-yuan", "accepted", "assess", gdp_in_yuan),
    Case("gdp-in-yi-yuan", "accepted", "assess", gdp_in_yi_yuan),
    Case("indicators-workbook-named-csv", "accepted", "assess", workbook(INDICATORS)),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def run(folder: Path, command: str) -> Any:
    db = ["--database", str(folder / "store.sqlite"), "--actor", "corpus"]
    if command == "settle":
        args = ["apply", "compensation", "settle", str(folder / AGREEMENT), "--year", "2023",
                "--monitoring", str(folder / MONITORING), *db]  # fmt: skip
    else:
        args = ["apply", "assess", "--year", "2023", "--gdp", str(folder / GDP),
                "--indicators", str(folder / INDICATORS), "--framework",
                str(folder / FRAMEWORK), "--top", "0", *db]  # fmt: skip
    return runner.invoke(app, args)


def _output(result: Any, folder: Path) -> str:
    """The output without the folder's path (the inputs are named by it)."""
    return str(result.output).replace(str(folder), "<folder>")


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    """Copy the start (inputs, a store with the accounts and both rules) into a case's
    folder; built once per module and worker."""
    built = tmp_path_factory.mktemp("compensation-start")
    hand_store(f"sqlite:///{built / 'store.sqlite'}").dispose()
    for name, body in ((AGREEMENT, AGREEMENT_TEXT), (MONITORING, _monitoring_text()),
                       (FRAMEWORK, FRAMEWORK_TEXT), (GDP, GDP_TEXT),
                       (INDICATORS, INDICATORS_TEXT)):  # fmt: skip
        (built / name).write_text(body, encoding="utf-8")
    for rule in (AGREEMENT, FRAMEWORK):
        r = runner.invoke(
            app, ["apply", "rules", "store", str(built / rule), "--actor", "corpus",
                  "--database", str(built / "store.sqlite")],
        )  # fmt: skip
        assert r.exit_code == 0, r.output

    def copy(folder: Path) -> None:
        shutil.copytree(built, folder, dirs_exist_ok=True)

    return copy


@pytest.fixture(scope="module")
def good(start: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The output of each command on the unchanged inputs."""
    from ganpo.cli.common import console, err_console

    saved = (console._width, err_console._width)
    console.width = err_console.width = 400  # as the cases run (wide_console)
    out = {}
    try:
        for command in ("settle", "assess"):
            folder = tmp_path_factory.mktemp(f"good-{command}")
            start(folder)
            r = run(folder, command)
            assert r.exit_code == 0, r.output
            out[command] = _output(r, folder)
    finally:
        console._width, err_console._width = saved
    return out


def test_the_start_gives_the_hand_results(good: dict[str, str]) -> None:
    """The unchanged inputs: P = 0.68, met, downstream pays 10⁸ CNY, no gap; the GDI of
    tests/apply/test_assessment.py's hand table with Wuyuan's b given (3 t: its score 80,
    so its GDI 0.6·80 + 0.4·80 = 80), no indicator missing."""
    settle = " ".join(good["settle"].split())
    assert "补偿指数 index P: 0.6800; met 达标: True" in settle, settle
    assert "下游 downstream → 上游 upstream: 100,000,000.00 CNY" in settle, settle
    assert "监测缺失" not in settle, settle
    assess = " ".join(good["assess"].split())
    for rank, county, gdi, grade in ((1, "德兴市 361181", "100.00", "A"),
                                     (2, "婺源县 361130", "80.00", "B"),
                                     (3, "乐平市 360281", "60.00", "C")):  # fmt: skip
        assert re.search(rf"│ {rank} │ {county} │.*│ {gdi} │ {grade} │ 0 │", assess), assess


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_compensation_or_assessment_input(
    case: Case, start: Callable[[Path], None], good: dict[str, str], tmp_path: Path
) -> None:
    start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    case.mutate(tmp_path)
    result = run(tmp_path, case.command)
    output = _output(result, tmp_path)
    assert "Traceback" not in output, output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    flat = " ".join(output.split())
    if case.cls.startswith("refused:"):
        assert result.exit_code == 2, flat
        assert dump(db) == before, "a refused run changed the store"
        assert re.search(case.message, flat, re.S), flat
        file = FILES[case.cls.split(":")[1]]
        lacks = [what for what, ok in (("the file's name", f"<folder>/{file}" in flat),
                 ("a Chinese half", has_chinese_half(flat))) if not ok]  # fmt: skip
        assert not lacks, f"lacks {' and '.join(lacks)}: {flat}"
        return
    assert result.exit_code == 0, output
    if case.cls == "reported":
        assert re.search(case.message, flat, re.S), flat
    else:
        assert output == good[case.command]


@pytest.mark.parametrize(
    ("command", "rule", "old", "new", "breaks"),
    [
        ("settle", AGREEMENT, 'title_en = "test agreement"', 'title_en = "test agreement, v2"',
         m("value", "abc")),
        ("assess", FRAMEWORK, 'title_en = "test"', 'title_en = "test, v2"',
         g("gdp [万元]", "一千")),
    ],
    ids=["settle", "assess"],
)  # fmt: skip
def test_a_refused_run_stores_no_changed_rule(
    command: str,
    rule: str,
    old: str,
    new: str,
    breaks: Callable[[Path], None],
    start: Callable[[Path], None],
    tmp_path: Path,
) -> None:
    """A changed agreement or framework (a new version of a stored rule) with a bad input
    file: the run is refused and the new version is not stored either (the rule is stored
    once its settlement or assessment is made, as the transfers do)."""
    start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    text(rule, old, new)(tmp_path)
    breaks(tmp_path)
    result = run(tmp_path, command)
    assert result.exit_code == 2, result.output
    assert dump(db) == before, "a refused run stored the changed rule"
    # and the changed rule alone is stored with its run
    start(tmp_path)
    text(rule, old, new)(tmp_path)
    assert run(tmp_path, command).exit_code == 0
    assert len(dump(db)) > len(before)
