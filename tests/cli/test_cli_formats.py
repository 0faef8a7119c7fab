"""``--format csv|json`` of the listing commands: the same records as the table, for
scripts — CSV with a header row in UTF-8, JSON an array of objects with stable keys."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from typer.testing import CliRunner

from applications_support import FACTORS, hand_store, transfer_rule, write
from ganpo.catalog.files import data_dir
from ganpo.cli.account import ACCOUNT_KEYS, LOG_KEYS
from ganpo.cli.apply import EXAMPLE_KEYS, LEDGER_KEYS, RULE_KEYS, RUN_KEYS
from ganpo.cli.catalog import CATALOG_KEYS, PROFILE_INDICATOR_KEYS, PROFILE_KEYS
from ganpo.cli.main import app
from ganpo.cli.params import SET_KEYS, VALUE_KEYS
from ganpo.cli.report_forms import FORM_KEYS

runner = CliRunner()
EXAMPLES = data_dir("rules") / "examples"


def _records(args: list[str], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """The command's records as JSON and as CSV: both hold ``keys`` in order, the same
    rows; returns the JSON records."""
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    records = json.loads(as_json.stdout_bytes.decode("utf-8"))
    assert isinstance(records, list)
    assert all(list(r) == list(keys) for r in records)
    as_csv = runner.invoke(app, [*args, "-f", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    text = as_csv.stdout_bytes.decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    assert next(reader) == list(keys)
    rows = list(reader)
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        for cell, value in zip(row, record.values(), strict=True):
            if value is None:
                assert cell == ""
            elif isinstance(value, bool):
                assert cell == str(value).lower()
            elif isinstance(value, list | dict):
                assert json.loads(cell) == value
            else:
                assert cell == str(value)
    return records


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A hand-made store (accounts 2022 and 2023 of three counties) with a transfer run and
    two settlements in its ledger."""
    root = tmp_path_factory.mktemp("formats")
    db = str(root / "s.sqlite")
    hand_store(db)
    rule, factors = transfer_rule(root), write(root / "f.csv", FACTORS)
    args = ["--rule", str(rule), "--year", "2022", "--factors", str(factors), "--db", db]
    for cmd in (
        ["apply", "transfers", "run", "--budget", "1.03", "--unit", "万元", *args],
        ["apply", "compensation", "settle", "lean-gep-flow", "--year", "2023", "--db", db,
         "--monitoring", str(EXAMPLES / "monitoring_lean_2023.csv")],
        ["apply", "compensation", "settle", "xinan-style", "--year", "2023", "--db", db,
         "--monitoring", str(EXAMPLES / "monitoring_xinan_2023.csv")],
    ):  # fmt: skip
        result = runner.invoke(app, cmd)
        assert result.exit_code == 0, result.output
    return db


def test_catalog_and_profiles() -> None:
    rows = _records(["catalog"], CATALOG_KEYS)
    by_key = {r["indicator"]: r for r in rows}
    assert by_key["water_conservation"]["category"] == "regulating"
    assert by_key["water_conservation"]["quantity_unit"] == "m3"
    assert "water_balance" in by_key["water_conservation"]["methods"]
    one = _records(["catalog", "recreation"], CATALOG_KEYS)
    assert [r["indicator"] for r in one] == ["recreation"]
    profiles = {r["profile"]: r for r in _records(["profiles"], PROFILE_KEYS)}
    assert profiles["jiangxi-db36-2021"]["parameter_set"] == "jiangxi-default"
    assert isinstance(profiles["national-2022"]["indicators"], int)
    assert profiles["national-2022"]["verified"] in (True, False)
    inds = _records(["profiles", "jiangxi-db36-2021"], PROFILE_INDICATOR_KEYS)
    assert {"indicator": "sediment_export", "valued": False}.items() <= inds[-1].items()
    assert all(r["valued"] for r in inds[:-1]) and inds[0]["name_zh"] == "农业产品"


def test_parameter_sets() -> None:
    sets = {r["name"]: r for r in _records(["params", "list"], SET_KEYS)}
    assert {"jiangxi-default", "garze-2010"} <= set(sets)
    assert sets["jiangxi-default"]["title_zh"].startswith("江西省")
    values = {r["key"]: r for r in _records(["params", "show", "jiangxi-default"], VALUE_KEYS)}
    assert values["reservoir_cost"]["unit"] == "CNY/m3"
    assert isinstance(values["reservoir_cost"]["value"], float)
    per_type = values["runoff_coefficient"]
    assert per_type["value"] is None and per_type["by_type"]["forest"] > 0


def test_accounts_and_audit_log(store: str) -> None:
    accounts = _records(["account", "list", "--db", store], ACCOUNT_KEYS)
    assert [(a["id"], a["year"], a["status"]) for a in accounts] == [
        (1, 2022, "draft"),
        (2, 2023, "draft"),
    ]
    assert isinstance(accounts[0]["gep_cny"], float)
    assert accounts[0]["finished_at"].endswith("+00:00")  # ISO 8601, UTC
    log = _records(["account", "log", "--db", store], LOG_KEYS)
    assert log and {e["account_id"] for e in log} >= {1, 2}
    assert all(isinstance(e["detail"], dict) for e in log)


def test_application_listings(store: str) -> None:
    rules = {r["name"]: r for r in _records(["apply", "rules", "list", "--db", store], RULE_KEYS)}
    assert rules["hand-rule"]["stored_versions"] == [1]
    assert rules["hand-rule"]["title_zh"] is None  # stored only, no shipped file
    assert rules["jiangxi-key-zone-gep"]["kind"] == "transfer"
    runs = _records(["apply", "transfers", "list", "--db", store], RUN_KEYS)
    assert [(r["run"], r["rule_name"], r["account_ids"]) for r in runs] == [(1, "hand-rule", [1])]
    assert runs[0]["budget_cny"] == pytest.approx(10_300.0)
    ledger = _records(["apply", "compensation", "ledger", "--db", store], LEDGER_KEYS)
    assert [e["agreement"] for e in ledger] == ["lean-gep-flow", "xinan-style"]
    assert ledger[1]["amount_cny"] == 200_000_000.0 and ledger[1]["met"] is True
    assert ledger[0]["gaps"] and ledger[0]["in_force"] is True
    examples = _records(["apply", "examples"], EXAMPLE_KEYS)
    assert {f for e in examples for f in e["files"]} >= {
        "gdp_demo.csv",
        "wuyuan_parcels_synthetic.geojson",
    }
    assert all(e["command"].startswith("ganpo apply ") and e["use_zh"] for e in examples)


def test_reporting_forms() -> None:
    forms = {f["key"]: f for f in _records(["report-forms", "list", "--year", "2023"], FORM_KEYS)}
    assert forms["tourism"]["kind"] == "table" and forms["tourism"]["year"] == 2023
    assert any(c["required"] for c in forms["tourism"]["columns"])
    assert any(f["kind"] == "layer" for f in forms.values())


def test_an_unknown_format_is_refused() -> None:
    result = runner.invoke(app, ["params", "list", "--format", "xml"])
    assert result.exit_code == 2 and "xml" in result.output
