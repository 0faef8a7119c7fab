"""``ganpo account quality ID``: the quality report in the terminal (with each decision's
file, for the operator), as JSON in the asked language, and as the bilingual CSV table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ganpo.cli.main import app
from ganpo.store.repository import open_store, save_account
from qualitydata import handmade_account

runner = CliRunner()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    from ganpo.cli.common import console

    console.width = 250  # rich wraps table cells at the terminal width; the test reads lines
    path = tmp_path_factory.mktemp("cli-quality") / "s.sqlite"
    assert save_account(open_store(path), handmade_account()) == 1
    return str(path)


def test_table(database: str) -> None:
    done = runner.invoke(app, ["account", "quality", "1", "--database", database])
    assert done.exit_code == 0, done.output
    out = done.output
    for said in (
        "核算质量报告",
        "记录的决定",
        "净初级生产力（干物质）",
        "75.00 %",
        "东湖区 75.00 %",
    ):
        assert said in out
    # the operator sees the file a decision is about; the published forms do not
    assert "/data/jx/2022/water.csv" in out and "审核接受：李明（统计局）" in out
    english = runner.invoke(app, ["account", "quality", "1", "--lang", "en", "--db", database])
    assert "Parameters not verified" in english.output and "Donghu District" in english.output


def test_json_and_csv(database: str) -> None:
    done = runner.invoke(
        app, ["account", "quality", "1", "--lang", "en", "-f", "json", "--database", database]
    )
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["language"] == "en" and report["account_id"] == 1
    assert [g["kind"] for g in report["decisions"]] == [
        "coverage_gap",
        "soft_range",
        "layer_year",
        "fluctuation",
    ]
    assert "/data/jx" not in done.output
    table = runner.invoke(app, ["account", "quality", "1", "-f", "csv", "--database", database])
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert rows[0] == {
        "part": "概况 Summary",
        "item_zh": "记录的决定",
        "item_en": "decisions recorded",
        "unit_zh": "",
        "unit_en": "",
        "count": "4",
        "share": "",
        "text_zh": "",
        "text_en": "",
    }
    assert len(rows) == 22


def test_bad_options_and_unknown_account(database: str, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["account", "quality", "1", "-f", "xml", "--database", database])
    assert bad.exit_code == 2 and "unknown format 'xml'; choose from table, json, csv" in bad.output
    lang = runner.invoke(app, ["account", "quality", "1", "--lang", "fr", "--database", database])
    assert lang.exit_code == 2 and "unknown language 'fr'; use zh or en" in lang.output
    assert "未知的语言 'fr'：请用 zh 或 en" in " ".join(lang.output.split())
    assert "未知的格式 'xml'" in " ".join(bad.output.split())
    missing = runner.invoke(app, ["account", "quality", "9", "--database", database])
    assert missing.exit_code == 2 and "no account 9 in the store; stored ids: [1]" in missing.output
