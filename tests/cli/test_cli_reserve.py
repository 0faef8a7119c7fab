"""`ganpo apply reserve` on the tiny account: acquire, package, sell, lease, return,
ledger, statement, list, demo, and bad input as a message with exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, TinyStore, cell_box, tiny_store

from ganpo.apply.register import deposit_parcel
from ganpo.cli.main import app
from ganpo.store import reserve as store
from ganpo.store.repository import open_store

runner = CliRunner()


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    t = tiny_store(tmp_path, draws=0)
    for code, geom in (("F1", cell_box(0, 0, 1, 1)), ("W1", cell_box(2, 0, 3, 1))):
        deposit_parcel(open_store(t.url), t.account_id, geom, ALBERS, code=code,
                       name=f"地块 {code}", owner="村集体", rights_type="ownership",
                       actor="tester")  # fmt: skip
    return t


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_acquire_package_sell_lease_and_statement(ts: TinyStore, tmp_path: Path) -> None:
    db = ["--database", ts.url, "--actor", "tester"]
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(b"signed contract")
    acq = ["--price", "1000", "--date", "2022-02-01", "--evidence", str(contract)]
    r = run("apply", "reserve", "acquire", "E1", "--type", "emission", "--pollutant", "SO2",
            "--quantity", "96000", "--unit", "kg/a", "--region", "360402", "--permit", "P1",
            "--from", "化纤公司", *acq, *db)  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "acquire", "L1", "--type", "forestry", "--parcel", "F1",
            "--stand-volume", "120", "--from", "村集体", *acq, *db)  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "acquire", "S1", "--type", "wetland", "--parcel", "W1",
            "--from", "村集体", *acq, *db)  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "package", "PK", "E1", "S1", "--name", "打包", *db)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "sell", "PK", "--buyer", "环保公司", "--price", "200000",
            "--date", "2022-03-01", *db)  # fmt: skip
    assert r.exit_code == 0 and "已出让" in r.output, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "lease", "L1", "--lessee", "茶业合作社", "--price", "5000",
            "--start", "2022-04-01", "--end", "2023-03-31", *db)  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "return", "L1", "--date", "2023-03-31", *db)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "ledger", "L1", "--database", ts.url)
    assert r.exit_code == 0 and "茶业合作社" in r.output, r.output  # type: ignore[attr-defined]
    assert "至今 now" in r.output  # type: ignore[attr-defined]
    out, js = tmp_path / "st.md", tmp_path / "st.json"
    r = run("apply", "reserve", "statement", "--account", str(ts.account_id), "--lang", "en",
            "--out", str(out), "--json", str(js), "--database", ts.url)  # fmt: skip
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["deal_totals_cny"] == {"acquisition": 3000.0, "sale": 200000.0, "lease": 5000.0}
    assert [x["right"] for x in data["rights"] if x["status"] == "sold"] == ["E1", "S1"]
    assert "Rights reserve statement" in out.read_text(encoding="utf-8")
    digest = store.deals(open_store(ts.url))[0]["evidence_sha256"]
    import hashlib

    assert digest == hashlib.sha256(b"signed contract").hexdigest()


def test_bad_input_is_a_message_with_exit_code_2(ts: TinyStore, tmp_path: Path) -> None:
    db = ["--database", ts.url]
    ev = tmp_path / "c.txt"
    ev.write_text("x")
    r = run("apply", "reserve", "acquire", "E1", "--type", "emission", "--pollutant", "CO2",
            "--quantity", "1", "--region", "360402", "--from", "甲", "--price", "1",
            "--date", "2022-01-01", "--evidence", str(ev), *db)  # fmt: skip
    assert r.exit_code == 2 and "CO2" in r.output, r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "sell", "NOPE", "--buyer", "甲", "--price", "1", "--date",
            "2022-01-01", *db)  # fmt: skip
    assert r.exit_code == 2 and "NOPE" in r.output  # type: ignore[attr-defined]
    r = run("apply", "reserve", "acquire", "E1", "--from", "甲", "--price", "1", "--date",
            "2022-01-01", "--evidence", str(tmp_path / "missing.pdf"), *db)  # fmt: skip
    assert r.exit_code == 2 and "evidence" in r.output  # type: ignore[attr-defined]
    assert store.list_rights(open_store(ts.url)) == []


def test_demo_makes_a_reserve_with_a_sale(ts: TinyStore) -> None:
    db = ["--database", ts.url, "--actor", "tester"]
    r = run("apply", "reserve", "demo", "--account", str(ts.account_id), *db)
    assert r.exit_code == 0, r.output  # type: ignore[attr-defined]
    engine = open_store(ts.url)
    rights = {x.code: x for x in store.list_rights(engine)}
    assert rights["DEMO-SO2"].status == rights["DEMO-NOX"].status == "sold"
    assert rights["DEMO-FORESTRY-F1"].status == "leased"
    assert rights["DEMO-WETLAND-W1"].status == "reserve"
    sale = next(d for d in store.deals(engine) if d["kind"] == "sale")
    assert sale["price_cny"] == 96 * 389 * 5 + 137 * 489 * 5  # the 2022 trade's lots
    r = run("apply", "reserve", "demo", "--account", str(ts.account_id), *db)
    assert r.exit_code == 2 and "already in the reserve" in r.output  # type: ignore[attr-defined]
