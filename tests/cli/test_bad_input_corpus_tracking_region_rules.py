"""A corpus of bad inputs of the decision's tracking that
tests/cli/test_bad_input_corpus_tracking.py leaves out (decision 0086): units of another
province in a tracking series or file of one region, and warning rules with their levels
and thresholds. Run end to end as there:

* ``status``: ``ganpo tracking status --file decision.toml --format csv``;
* ``load``: ``ganpo tracking series load series.csv --file decision.toml --database
  store.sqlite --format csv``.

The start (built once per module and worker) is the shipped tracking file of the Jiangxi
decision (``region = 360000``, its targets and observations, most of them SYNTHETIC), a
series CSV of its observations and a store holding them. A case changes ONE thing; its id
starts with its class:

* ``refused:<what>`` — exit code 2, no traceback, the message names the file, the row,
  target or rule, the field and the value (a regex per case) and has its Chinese half;
  the store's SQLite dump is the same statement for statement.
* ``accepted`` — exit code 0 and, for ``status``, the status of every target as the
  unchanged file gives it; for ``load``, the store then holds what the file says.

``pytest --collect-only -q tests/cli/test_bad_input_corpus_tracking_region_rules.py``
lists the cases.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corpus_support import assert_refused, ran_cleanly, replace_once
from corpus_support import store_dump as dump
from ganpo.cli.main import app
from tracking_support import SERIES, TOML, decision_start

runner = CliRunner()
REGION = "region = 360000"
HUNAN = {"county": "430102", "city": "430100", "province": "430000", "township": "430102001"}

# --------------------------------------------------------------------------- mutations


def text(old: str, new: str) -> Callable[[Path], None]:
    """Replace the first ``old`` by ``new`` in the tracking file."""
    return lambda folder: replace_once(folder / TOML, old, new)


def series_cell(column: str, value: str) -> Callable[[Path], None]:
    """Set ``column`` of the series file's first row (forest cover of 360000 in 2023)."""

    def mutate(folder: Path) -> None:
        rows = list(csv.reader(io.StringIO((folder / SERIES).read_text(encoding="utf-8"))))
        rows[1][rows[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (folder / SERIES).write_text(out.getvalue(), encoding="utf-8")

    return mutate


def both(*changes: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for change in changes:
            change(folder)

    return mutate


LEVELS = (
    '{ level = "red", name_zh = "红色", name_en = "red", threshold = 20.0 },\n'
    '  { level = "yellow", name_zh = "黄色", name_en = "yellow", threshold = 5.0 },'
)


def rule(
    levels: str = LEVELS,
    *,
    measure: str = "schedule_gap_pp",
    key: str = "forest_watch",
    indicators: str = '["forest_cover"]',
    twice: bool = False,
) -> Callable[[Path], None]:
    """A warning rule appended to the tracking file (twice with ``twice``)."""
    block = (
        f'\n[[warning_rules]]\nkey = "{key}"\nmeasure = "{measure}"\n'
        f"indicators = {indicators}\nlevels = [\n  {levels}\n]\n"
    )

    def mutate(folder: Path) -> None:
        path = folder / TOML
        path.write_text(
            path.read_text(encoding="utf-8") + block * (2 if twice else 1), encoding="utf-8"
        )

    return mutate  # fmt: skip


def level(level_: str, threshold: str, *, name_zh: str = "x", name_en: str = "x") -> str:
    return (
        f'{{ level = "{level_}", name_zh = "{name_zh}", name_en = "{name_en}", '
        f"threshold = {threshold} }},"
    )


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    command: str
    mutate: Callable[[Path], None]
    message: str = ""

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.name}"


NANCHANG_TARGET = (
    'key = "nanchang-forest-cover-2026"\nindicator = "forest_cover"\nunit_code = 360100'
)
OBS_NANCHANG = 'indicator = "forest_cover"\nunit_code = 360100\nyear = 2025'
RULE = r"warning rule 'forest_watch' \(warning_rules\[\d\]\)"
NOT_OURS = r"is not a unit of the region this file tracks \(360000\)"
NOT_OURS_ZH = r"不属于本文件跟踪的地区（360000）"

CASES: list[Case] = [
    # ---- units of another province (Hunan) in a Jiangxi series or tracking file
    *[
        Case(f"series-{kind}-of-another-province", "refused:region", "load",
             series_cell("unit_code", code),
             rf"{SERIES}: observation of 'forest_cover' for {code} in 2023: field unit_code "
             rf"{code} {NOT_OURS}.*unit_code {code} {NOT_OURS_ZH}")
        for kind, code in HUNAN.items()
    ],
    Case("target-of-another-province", "refused:region", "status",
         text(NANCHANG_TARGET, NANCHANG_TARGET.replace("360100", "430100")),
         rf"{TOML}: target 'nanchang-forest-cover-2026', field unit_code 430100 {NOT_OURS}"
         rf".*目标“nanchang-forest-cover-2026”的 unit_code 430100 {NOT_OURS_ZH}"),
    Case("observation-of-another-province", "refused:region", "status",
         text(OBS_NANCHANG, OBS_NANCHANG.replace("360100", "430102")),
         rf"{TOML}: observation of 'forest_cover' for 430102 in 2025: field unit_code 430102 "
         rf"{NOT_OURS}"),
    Case("region-no-adcode", "refused:region", "status", text(REGION, "region = 999999"),
         rf"{TOML}: field region: unit_code 999999 is not an administrative code.*跟踪地区 "
         r"region 999999 无效"),
    Case("region-a-name", "refused:region", "status", text(REGION, 'region = "江西省"'),
         r"field region: Input should be a valid integer.*\(given: '江西省'\)"),
    Case("region-a-city-of-the-province's-targets", "refused:region", "status",
         text(REGION, "region = 360100"),
         r"target 'forest-cover-2024-2026', field unit_code 360000 is not a unit of the "
         r"region this file tracks \(360100\)"),
    Case("region-left-out-series-of-another-province", "accepted", "load",
         both(text(REGION, ""), series_cell("unit_code", HUNAN["county"]))),
    Case("series-township-of-the-province", "accepted", "load",
         series_cell("unit_code", "360102001")),
    # ---- warning rules: thresholds
    Case("rule-threshold-text", "refused:rule", "status",
         rule(LEVELS.replace("threshold = 20.0", 'threshold = "twenty"')),
         rf"{RULE}, field levels.0.threshold: Input should be a valid number.*\(given: "
         r"'twenty'\).*目标跟踪文件有误"),
    Case("rule-threshold-nan", "refused:rule", "status",
         rule(LEVELS.replace("threshold = 20.0", "threshold = nan")),
         rf"{RULE}, field levels.0.threshold: Input should be a finite number"),
    Case("rule-threshold-infinite", "refused:rule", "status",
         rule(LEVELS.replace("threshold = 20.0", "threshold = inf")),
         rf"{RULE}, field levels.0.threshold: Input should be a finite number"),
    Case("rule-budget-used-negative", "refused:rule", "status",
         rule(level("red", "100.0") + level("yellow", "-10.0"), measure="budget_used_pct"),
         rf"{RULE}: level 'yellow': threshold -10 of measure budget_used_pct is below 0 "
         r"\(%\): every target would be warned of"),
    Case("rule-exceedance-negative", "refused:rule", "status",
         rule(level("red", "10.0") + level("yellow", "-5.0"), measure="target_exceedance_pct"),
         rf"{RULE}: level 'yellow': threshold -5 of measure target_exceedance_pct is below 0"),
    Case("rule-target-gap-negative", "refused:rule", "status",
         rule(level("red", "-1.0"), measure="target_gap"),
         rf"{RULE}: level 'red': threshold -1 of measure target_gap is below 0"),
    Case("rule-adverse-years-zero", "refused:rule", "status",
         rule(level("red", "3") + level("yellow", "0"), measure="adverse_years"),
         rf"{RULE}: level 'yellow': threshold 0 of measure adverse_years is below 1 \(years\)"),
    Case("rule-adverse-years-fractional", "refused:rule", "status",
         rule(level("red", "2.5"), measure="adverse_years"),
         rf"{RULE}: level 'red': threshold 2.5 of measure adverse_years is a count of years"),
    # ---- warning rules: levels
    Case("rule-levels-not-from-the-most-severe", "refused:rule", "status",
         rule(level("yellow", "5.0") + level("red", "20.0")),
         rf"{RULE}: levels go from the most severe \(highest threshold\) down, thresholds "
         r"distinct; got 5, 20"),
    Case("rule-thresholds-equal", "refused:rule", "status",
         rule(level("red", "5.0") + level("yellow", "5.0")),
         rf"{RULE}: levels go from the most severe .*got 5, 5"),
    Case("rule-level-twice", "refused:rule", "status",
         rule(level("red", "20.0") + level("red", "5.0")),
         rf"{RULE}: level names repeat: red, red"),
    Case("rule-name-zh-missing", "refused:rule", "status",
         rule(LEVELS.replace('name_zh = "红色", ', "")),
         rf"{RULE}, field levels.0.name_zh: Field required"),
    Case("rule-name-en-empty", "refused:rule", "status",
         rule(LEVELS.replace('name_en = "red"', 'name_en = ""')),
         rf"{RULE}, field levels.0.name_en: String should have at least 1 character"),
    Case("rule-no-level", "refused:rule", "status", rule(""),
         rf"{RULE}, field levels: List should have at least 1 item"),
    Case("rule-measure-unknown", "refused:rule", "status", rule(measure="schedule_gap"),
         rf"{RULE}, field measure: Input should be .*\(given: 'schedule_gap'\)"),
    Case("rule-indicator-unknown", "refused:rule", "status", rule(indicators='["forest_covr"]'),
         rf"{TOML}: warning rule 'forest_watch', field indicators: unknown indicator\(s\) "
         r"forest_covr.*预警规则“forest_watch”所列指标 forest_covr 未登记"),
    Case("rule-key-twice", "refused:rule", "status", rule(twice=True),
         r"field warning rule key\(s\) given twice: forest_watch|warning rule key\(s\) given "
         r"twice: forest_watch"),
    # ---- warning rules that mean something
    Case("rule-schedule-gap-negative", "accepted", "status",
         rule(level("red", "20.0") + level("watch", "-5.0"))),
    Case("rule-replaces-a-shipped-one", "accepted", "status", rule(key="schedule")),
    Case("rule-adverse-years-whole", "accepted", "status",
         rule(level("red", "3") + level("yellow", "1"), measure="adverse_years")),
]  # fmt: skip


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def status(folder: Path) -> Any:
    return runner.invoke(app, ["tracking", "status", "--file", str(folder / TOML), "--format",
                               "csv"])  # fmt: skip


def load(folder: Path) -> Any:
    return runner.invoke(
        app,
        ["tracking", "series", "load", str(folder / SERIES), "--file", str(folder / TOML),
         "--database", str(folder / "store.sqlite"), "--format", "csv"],
    )  # fmt: skip


@pytest.fixture(scope="module")
def start(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    built = tmp_path_factory.mktemp("tracking-region-start")
    copy = decision_start(built)
    assert REGION in (built / TOML).read_text(encoding="utf-8")
    return copy


@pytest.fixture(scope="module")
def good(start: Callable[[Path], None], tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("tracking-region-good")
    start(folder)
    r = status(folder)
    assert r.exit_code == 0, r.output
    return str(r.stdout)


def test_the_start_loads_and_has_the_first_row_the_cases_change(
    start: Callable[[Path], None], tmp_path: Path
) -> None:
    start(tmp_path)
    first = (tmp_path / SERIES).read_text(encoding="utf-8").splitlines()[1]
    assert first.startswith("forest_cover,360000,2023,"), first
    r = load(tmp_path)
    assert r.exit_code == 0, r.output
    assert {x["outcome"] for x in csv.DictReader(io.StringIO(r.stdout))} == {"unchanged"}


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_tracking_region_or_rule(
    case: Case, start: Callable[[Path], None], good: str, tmp_path: Path
) -> None:
    start(tmp_path)
    db = tmp_path / "store.sqlite"
    before = dump(db)
    case.mutate(tmp_path)
    result = status(tmp_path) if case.command == "status" else load(tmp_path)
    output = ran_cleanly(result)
    if case.cls.startswith("refused:"):
        assert_refused(result, case.message)
        assert dump(db) == before, "a refused run changed the store"
        return
    assert result.exit_code == 0, output
    if case.command == "status":
        assert result.stdout == good
    else:  # the row changed is stored, the rest unchanged
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows[0]["outcome"] == "added" and {r["outcome"] for r in rows[1:]} == {"unchanged"}
