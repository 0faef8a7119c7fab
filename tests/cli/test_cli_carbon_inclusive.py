"""``ganpo carbon inclusive …``: the methodologies with their factors' status, the SYNTHETIC
demonstration (its figures worked by hand below), the ledger in full and public (no
participant in it), a balance, a retirement by serials and its refusal when repeated, and
bad input as one message with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.common import console, err_console
from ganpo.cli.main import app

runner = CliRunner(env={"COLUMNS": "200"})
# 480 trips × 0.5155 = 247.44 → 247; 3 600 kWh × 0.5366 = 1 931.76 → 1 931;
# 120 hm²·a × 1 000 = 120 000: 122 178 credits in all
ISSUED = 247 + 1931 + 120_000


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    saved = (console._width, err_console._width)
    console.width = err_console.width = 200
    yield
    console._width, err_console._width = saved


def flat(text: str) -> str:
    return " ".join(text.split())


def test_methodologies_json() -> None:
    res = runner.invoke(app, ["carbon", "inclusive", "methodologies", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["code"]: r for r in json.loads(res.stdout)}
    assert set(rows) == {"PT", "PV", "FM"}
    assert rows["FM"]["factor_status"] == "synthetic" and rows["PV"]["factor"] == 0.5366
    assert "林权证" in rows["FM"]["evidence"]


def test_demo_ledger_balance_retire(tmp_path: Path) -> None:
    db = str(tmp_path / "ci.sqlite")
    res = runner.invoke(app, ["carbon", "inclusive", "demo", "--database", db])
    assert res.exit_code == 0, res.output
    out = flat(res.stdout)
    assert f"{ISSUED} credits issued" in out and "SYNTHETIC" in out
    assert "demo-parcel-ccer is in a registered CCER project" in out
    # a second demonstration on the same registry is refused
    again = runner.invoke(app, ["carbon", "inclusive", "demo", "--database", db])
    assert again.exit_code == 2 and "already has participants" in flat(again.output)

    res = runner.invoke(app, ["carbon", "inclusive", "ledger", "--database", db, "-f", "json"])
    rows = json.loads(res.stdout)
    assert sum(r["quantity_credits"] for r in rows if r["kind"] == "issuance") == ISSUED
    assert rows[0]["serials"] == "CI-PT-V1-2024-360102-000000000001–000000000247"
    assert {r["to_participant"] for r in rows if r["kind"] == "transfer"} == {4}
    public = runner.invoke(
        app, ["carbon", "inclusive", "ledger", "--public", "--database", db, "-f", "json"]
    )
    prow = json.loads(public.stdout)
    assert len(prow) == len(rows) and all("to_participant" not in r for r in prow)
    assert "demo-registrar" not in public.stdout

    # the firm (4) holds 20 000 − 15 000 = 5 000; the village (3) 120 000 − 20 000
    res = runner.invoke(app, ["carbon", "inclusive", "balance", "4", "--database", db])
    assert "4: 5000 credits" in flat(res.stdout)
    # the firm's remaining serials: the FM block starts at 247 + 1 931 + 1 = 2 179; it
    # received 2 179–22 178 and retired 2 179–17 178, so it holds 17 179–22 178
    args = ["carbon", "inclusive", "retire", "4", "--purpose", "offset", "--database", db]
    res = runner.invoke(app, [*args, "--serials", "17179-17200", "--user", "clerk"])
    assert res.exit_code == 0, res.output
    assert "retired 已注销 22 credits" in flat(res.stdout)
    res = runner.invoke(app, [*args, "--serials", "17190-17195"])
    assert res.exit_code == 2
    assert "serials 17179–17200 were already retired on" in flat(res.output)
    res = runner.invoke(app, [*args, "--quantity", "999999"])
    assert res.exit_code == 2 and "participant 4 holds 4978 credits" in flat(res.output)
    res = runner.invoke(app, [*args, "--serials", "x-y"])
    assert res.exit_code == 2 and "not a serial number" in flat(res.output)
    # a serial beyond 12 digits (before: OverflowError from SQLite, exit code 1)
    huge = "1-" + "9" * 23
    before = (tmp_path / "ci.sqlite").read_bytes()
    res = runner.invoke(app, [*args, "--serials", huge])
    assert res.exit_code == 2, res.output
    assert f"serials 1–{'9' * 23} are not a range" in flat(res.output)
    assert "a serial has 12 digits" in flat(res.output) and "不超过 12 位数" in res.output
    assert "Traceback" not in res.output
    assert (tmp_path / "ci.sqlite").read_bytes() == before


def test_exclude_an_asset(tmp_path: Path) -> None:
    db = str(tmp_path / "ci.sqlite")
    args = ["carbon", "inclusive", "exclude", "parcel-1", "--database", db]
    res = runner.invoke(app, [*args, "--kind", "ccer", "--reference", "CCER 0012"])
    assert res.exit_code == 0 and "exclusion 排除 1" in flat(res.stdout)
    res = runner.invoke(app, [*args, "--kind", "other", "--reference", "x"])
    assert res.exit_code == 2 and "exclusion kind 'other' is not one of ccer" in flat(res.output)
    res = runner.invoke(app, [*args, "--kind", "ccer", "--reference", "x", "--from", "2024"])
    assert res.exit_code == 2 and "--from '2024' is not a date" in flat(res.output)
