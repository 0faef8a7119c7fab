"""A corpus of bad account look-ups of the commands that take a stored GEP account besides
the assessment and the transfers (tests/cli/test_bad_input_corpus_gepdata.py): the carbon
sink account's reconciliation, the sink credits' issuance, and the asset commands (site
valuation, register valuation, damage, credit evidence, reserve statement), run end to end.

Two starts, each built once per module and worker:

* ``sinks``: the store of tests/cli/test_cli_carbon_sinks.py (its ``store`` fixture): the
  tiny GEP account of 2022 (#1, 360101 and 东湖区) and the forest inventories of 2022 (#1)
  and 2023 (#2) of 江西省. ``ganpo carbon sinks 1 --account N --format json``.
* ``assets``: the tiny accounts of 2022 (#1) and 2023 (#2) with their value rasters
  (tests/apply/assets_support.py), a register parcel P1 valued by #1, a forest sink project
  S1 on it for the vintage 2022, a site and a damaged area of four cells. The commands:

  - ``issue``: ``ganpo carbon inclusive sink issue S1 --vintage 2022 …``;
  - ``vep``: ``ganpo apply vep site.geojson --json out/vep.json``;
  - ``value``: ``ganpo apply register value P1``;
  - ``damage``: ``ganpo apply damage area.geojson --out out/damage.pdf``;
  - ``credit``: ``ganpo apply credit P1 --out out/credit``;
  - ``statement``: ``ganpo apply reserve statement --out out/st.md --json out/st.json``;
  - ``add``: ``ganpo apply register add site.geojson --code P2 … --allow-overlap``;
  - ``demo``: ``ganpo apply reserve demo`` (its rights and sale, then the statement).

* ``settle``: the start of tests/cli/test_bad_input_corpus_compensation.py (its ``start``
  fixture: the hand accounts of 2022, #1, and 2023, #2, of 乐平市, 婺源县 and 德兴市, a
  Xin'an-style agreement and its monitoring data). ``settle``: ``ganpo apply compensation
  settle lean-gep-flow --year 2023`` (the shipped GEP-based agreement of those counties);
  ``settle-xinan``: ``ganpo apply compensation settle agreement.toml --year 2023
  --monitoring monitoring.csv`` (an agreement that uses no account).

A case changes ONE thing — the account id, or the store before the run (an account
withdrawn, a hand account of tests/applications_support.py stored beside: no value rasters,
no carbon sequestration, counties of another province):

* ``refused:<what>`` — exit code 2; no traceback; the message names the account and the
  value (a regex per case) in English and in Chinese; the store is unchanged (its SQLite
  dump the same statement for statement) and no file is written under ``out``.
* ``accepted`` — exit code 0 and the very output of the unchanged command (with the
  account it picks by default, or in the unchanged store).

``pytest --collect-only -q tests/cli/test_bad_input_corpus_account_lookups.py`` lists them.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from test_bad_input_corpus_compensation import (
    AGREEMENT,
    MONITORING,
    start,  # noqa: F401  (the settle start)
)
from test_cli_carbon_sinks import store  # noqa: F401  (the sinks start, a fixture)
from typer.testing import CliRunner

from applications_support import GEP_2022, account
from corpus_support import has_chinese_half, ran_cleanly, store_dump
from ganpo.apply.register import deposit_parcel
from ganpo.cli.main import app
from ganpo.store.repository import open_store, save_account

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, cell_box, tiny_store

from inclusive_support import person

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


def hand_account(
    *, carbon: bool = False, elsewhere: bool = False, year: int = 2022
) -> Callable[[Path], None]:
    """Store a hand account of ``year`` beside (the next id, #2 or #3): 乐平市, 婺源县 and 德兴市
    without value rasters; ``carbon``: its water conservation counted as carbon
    sequestration (t CO2); ``elsewhere``: its counties moved to 湖南省 (430102, …)."""

    def mutate(folder: Path) -> None:
        acc = account(year, GEP_2022)
        if carbon:
            rows = acc.results["indicator"] == "water_conservation"
            acc.results.loc[rows, "indicator"] = "carbon_sequestration"
            acc.results.loc[rows, "quantity_unit"] = "t CO2"
        if elsewhere:
            moved = dict(zip(sorted(GEP_2022), (430102, 430103, 430104), strict=True))
            for frame in (acc.results, acc.units, acc.extent):
                frame["county_adcode"] = frame["county_adcode"].map(moved)
            acc.units["city_adcode"] = 430100
        engine = open_store(f"sqlite:///{folder / DB}")
        save_account(engine, acc)
        engine.dispose()

    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        for m in mutations:
            m(folder)

    return mutate


@dataclass(frozen=True)
class Case:
    name: str
    cls: str
    command: str
    account: str | None
    mutate: Callable[[Path], None] | None = None
    message: str = ""
    #: accepted: the --account of the run to compare with, in the unchanged store (None:
    #: the command's default)
    baseline: str | None = None

    @property
    def id(self) -> str:
        return f"{self.cls}:{self.command}-{self.name}"


MISSING = r"no account {n} in the store; stored ids: \[{ids}\].* / 库中没有核算 #{n}"
WITHDRAWN = r"account {n} was withdrawn.* / 核算 #{n} 已撤回"
NO_RASTERS = r"account 3 has no per-cell value rasters.*--rasters DIR.* / 该核算未输出价值栅格"


def _missing(command: str, ids: str) -> list[Case]:
    return [
        Case(f"account-{label}", "refused:account", command, n,
             message=MISSING.format(n=re.escape(n), ids=ids))
        for label, n in (("missing", "99"), ("zero", "0"), ("negative", "-1"))
    ]  # fmt: skip


ASSET_COMMANDS = ("vep", "add", "value", "damage", "credit", "statement", "demo")


def _asset_cases(command: str) -> list[Case]:
    return [
        *_missing(command, "1, 2"),
        Case("account-withdrawn", "refused:account", command, "2", withdraw(2),
             message=WITHDRAWN.format(n=2)),
        Case("account-without-rasters", "refused:account", command, "3", hand_account(),
             message=NO_RASTERS),
    ]  # fmt: skip


CASES: list[Case] = [
    # ganpo carbon sinks 1 (the inventory of 2022) --account N
    *_missing("sinks", "1"),
    Case("account-other-year", "refused:account", "sinks", "2",
         hand_account(carbon=True, year=2023),
         message=r"GEP account 2 is of 2023, the inventory of 2022.* / GEP 核算 2 为 2023 年，"
                 r"清单为 2022 年"),
    Case("account-withdrawn", "refused:account", "sinks", "1", withdraw(1),
         message=WITHDRAWN.format(n=1)),
    Case("account-without-carbon", "refused:account", "sinks", "2", hand_account(),
         message=r"GEP account 2 has no carbon-sequestration results.* / GEP 核算 2 无固碳量结果"),
    Case("account-other-region", "refused:account", "sinks", "2",
         hand_account(carbon=True, elsewhere=True),
         message=r"GEP account 2 covers no county of the inventory's region 江西省 \(360000\) "
                 r"\(its counties: 430102, 430103, 430104\).* / 核算 #2 不含清单地区江西省"
                 r"（360000）的任何区县（其区县：430102、430103、430104）"),
    Case("other-account-withdrawn", "accepted", "sinks", "1",
         both(hand_account(carbon=True), withdraw(2)), baseline="1"),
    # ganpo carbon inclusive sink issue S1 --vintage 2022 [--account N]
    *_missing("issue", "1, 2"),
    Case("account-other-year", "refused:account", "issue", "2",
         message=r"account 2 is of 2023, not of vintage 2022.* / 核算 2 为 2023 年，"
                 r"与签发年份 2022 不符"),
    Case("account-withdrawn", "refused:account", "issue", "1", withdraw(1),
         message=WITHDRAWN.format(n=1)),
    Case("year-only-withdrawn", "refused:vintage", "issue", None, withdraw(1),
         message=r"no stored GEP account of 2022 has a carbon-sequestration raster.* / "
                 r"没有 2022 年带固碳栅格的 GEP 核算"),
    Case("account-without-rasters", "refused:account", "issue", "3", hand_account(),
         message=NO_RASTERS),
    Case("account-by-id", "accepted", "issue", "1", baseline=None),
    Case("hand-account-beside", "accepted", "issue", None, hand_account(carbon=True),
         baseline=None),
    # ganpo apply compensation settle … --year 2023 [--account N]
    *_missing("settle", "1, 2"),
    Case("account-other-year", "refused:account", "settle", "1",
         message=r"account 1 is of 2022, not 2023.* / 核算 #1 是 2022 年的核算，不是 2023 年的"),
    Case("account-withdrawn", "refused:account", "settle", "2", withdraw(2),
         message=WITHDRAWN.format(n=2)),
    Case("year-only-withdrawn", "refused:year", "settle", None, withdraw(2),
         message=r"no current stored account of 2023 \(GEP-based compensation\) \(only #2 "
                 r"withdrawn\).* / 库中没有 2023 年可用的核算"),
    Case("account-other-region", "refused:account", "settle", "3",
         hand_account(year=2023, elsewhere=True),
         message=r"account 3 has no county 361130, 361181 of the upstream party.* / 核算 3 "
                 r"中没有上游一方的县 361130, 361181"),
    Case("account-by-id", "accepted", "settle", "2", baseline=None),
    Case("account-not-used", "refused:account", "settle-xinan", "1",
         message=r"agreement 'corpus-xinan' .*uses no GEP account; leave out --account 1.* / "
                 r"补偿协议 corpus-xinan .*不使用 GEP 核算.*--account 1"),
    # the asset commands: --account N (below)
    Case("account-by-id", "accepted", "credit", "2", baseline=None),
    Case("other-account-withdrawn", "accepted", "statement", "1", withdraw(2), baseline="1"),
]  # fmt: skip
CASES += [case for command in ASSET_COMMANDS for case in _asset_cases(command)]


# --------------------------------------------------------------------------- the runner


pytestmark = pytest.mark.usefixtures("wide_console")  # tests/conftest.py


def run(folder: Path, command: str, account_id: str | None) -> Any:
    db = ["--database", str(folder / DB)]
    out = folder / "out"
    heads: dict[str, list[str]] = {
        "sinks": ["carbon", "sinks", "1", "--format", "json"],
        "issue": ["carbon", "inclusive", "sink", "issue", "S1", "--vintage", "2022",
                  "--verifier", "verifier", "--reason", "measured", "--user", "registrar"],
        "vep": ["apply", "vep", str(folder / "site.geojson"), "--json", str(out / "vep.json")],
        "value": ["apply", "register", "value", "P1", "--actor", "corpus"],
        "damage": ["apply", "damage", str(folder / "site.geojson"), "--out",
                   str(out / "damage.pdf")],
        "credit": ["apply", "credit", "P1", "--out", str(out / "credit")],
        "statement": ["apply", "reserve", "statement", "--out", str(out / "st.md"), "--json",
                      str(out / "st.json")],
        "add": ["apply", "register", "add", str(folder / "site.geojson"), "--code", "P2",
                "--name", "林地二", "--owner", "合作社", "--rights-type", "contract",
                "--allow-overlap", "--actor", "corpus"],
        "demo": ["apply", "reserve", "demo", "--actor", "corpus"],
        "settle": ["apply", "compensation", "settle", "lean-gep-flow", "--year", "2023",
                   "--actor", "corpus"],
        "settle-xinan": ["apply", "compensation", "settle", str(folder / AGREEMENT), "--year",
                         "2023", "--monitoring", str(folder / MONITORING), "--actor", "corpus"],
    }  # fmt: skip
    chosen = [] if account_id is None else ["--account", account_id]
    return runner.invoke(app, [*heads[command], *chosen, *db])


@pytest.fixture(scope="module")
def assets_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny accounts with rasters, the parcel P1 and the sink project S1 (the files the
    store names stay here; each case copies the store only)."""
    built = tmp_path_factory.mktemp("lookups-assets")
    ts = tiny_store(built, draws=0, years=2)
    engine = open_store(ts.url)
    deposit_parcel(engine, 1, cell_box(0.5, 0, 2, 2), ALBERS, code="P1", name="林地",
                   rights_type="ownership", actor="corpus", owner="村集体")  # fmt: skip
    owner = person(engine, "village-1", "village")
    engine.dispose()
    r = runner.invoke(app, ["carbon", "inclusive", "sink", "add", "S1", "P1", "--name", "示范林",
                            "--owner", str(owner), "--vintage", "2022", "--user", "registrar",
                            "--database", ts.url])  # fmt: skip
    assert r.exit_code == 0, r.output
    site = gpd.GeoDataFrame(geometry=[cell_box(0, 0, 2, 2)], crs=ALBERS).to_crs("EPSG:4326")
    site.to_file(built / "site.geojson", driver="GeoJSON")
    shutil.move(built / "ganpo.sqlite", built / DB)
    return built


def _start(case: Case, request: pytest.FixtureRequest, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if case.command == "sinks":
        shutil.copy(request.getfixturevalue("store"), folder / DB)
    elif case.command.startswith("settle"):
        request.getfixturevalue("start")(folder)
    else:
        built: Path = request.getfixturevalue("assets_start")
        shutil.copy(built / DB, folder / DB)
        shutil.copy(built / "site.geojson", folder / "site.geojson")


def _flat(result: Any, folder: Path) -> str:
    text = str(result.output).replace(str(folder), "<folder>")
    return " ".join(re.sub(r"\b20\d\d-\d\d-\d\d[T ][\d:.+]+", "<time>", text).split())


def _written(folder: Path) -> list[str]:
    out = folder / "out"
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.exists() else []


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_bad_account_look_up(case: Case, request: pytest.FixtureRequest, tmp_path: Path) -> None:
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
    good = tmp_path / "good"
    _start(case, request, good)
    again = run(good, case.command, case.baseline)
    assert again.exit_code == 0, again.output
    assert flat == _flat(again, good)
    assert _written(folder) == _written(good)
    if case.command == "issue":  # the issuance names the account it was measured from
        assert "account 核算 1" in flat
