"""``ganpo carbon inclusive sink …`` on the tiny account: a project added on a register
parcel, its vintage issued (13.2 t CO2 of forest measured, 20 % buffer: 10 560 credits),
the listing in JSON, and bad input as one bilingual message with exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.apply.register import deposit_parcel
from ganpo.cli.common import console, err_console
from ganpo.cli.main import app
from ganpo.store.repository import open_store

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, cell_box, tiny_store

from inclusive_support import person

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    saved = (console._width, err_console._width)
    console.width = err_console.width = 200
    yield
    console._width, err_console._width = saved


def flat(text: str) -> str:
    return " ".join(text.split())


def test_add_issue_list_and_refusals(tmp_path: Path) -> None:
    ts = tiny_store(tmp_path, draws=0)
    engine = open_store(ts.url)
    deposit_parcel(
        engine, ts.account_id, cell_box(0.5, 0, 2, 2), ALBERS, code="P1", name="林地",
        rights_type="ownership", actor="t", owner="村集体",
    )  # fmt: skip
    owner = person(engine, "village-1", "village")
    engine.dispose()
    db = ["--database", ts.url]
    base = ["carbon", "inclusive", "sink"]

    bad = runner.invoke(app, [*base, "add", "S1", "P1", "NOPE", "--name", "林", "--owner",
                              str(owner), "--vintage", "2022", *db])  # fmt: skip
    assert bad.exit_code == 2
    assert "parcel NOPE is not in the asset register" in flat(bad.output)
    assert "不在生态资产登记簿中" in flat(bad.output) and "Traceback" not in bad.output

    res = runner.invoke(app, [*base, "add", "S1", "P1", "--name", "示范林", "--owner",
                              str(owner), "--vintage", "2022", "--user", "registrar", *db])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "sink project 碳汇项目 S1" in flat(res.stdout)

    same = runner.invoke(app, [*base, "issue", "S1", "--vintage", "2022", "--verifier",
                               "registrar", "--reason", "ok", "--user", "registrar", *db])  # fmt: skip
    assert same.exit_code == 2 and "cannot verify the issuance it makes" in flat(same.output)

    res = runner.invoke(app, [*base, "issue", "S1", "--vintage", "2022", "--verifier",
                              "verifier", "--reason", "measured", "--user", "registrar", *db])  # fmt: skip
    assert res.exit_code == 0, res.output
    out = flat(res.stdout)
    assert "measured 实测 13.200 t CO2 on forest cells" in out
    assert "issued 已签发 10560 credits" in out
    assert "CI-FWS-V1-2022-360101-000000000001–000000010560" in out

    res = runner.invoke(app, [*base, "list", "--format", "json", *db])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)
    assert (row["project"], row["vintage"], row["issued_credits"]) == ("S1", 2022, 10560)
    assert row["parcels"] == "P1" and row["measured_t_co2"] == pytest.approx(13.2, rel=1e-6)

    res = runner.invoke(app, ["carbon", "inclusive", "ledger", "--public", "-f", "json", *db])
    (entry,) = json.loads(res.stdout)
    assert entry["methodology"] == "FWS" and entry["quantity_credits"] == 10560
    assert "to_participant" not in entry
