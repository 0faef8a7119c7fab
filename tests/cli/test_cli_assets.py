"""`ganpo apply vep | register | credit | damage` on the tiny account."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, TinyStore, cell_box, stale_ecosystem_map, tiny_store

from ganpo.cli.main import app

runner = CliRunner()


@pytest.fixture
def ts(tmp_path: Path) -> TinyStore:
    return tiny_store(tmp_path, draws=20)


def _file(path: Path, rows: list[dict[str, object]]) -> Path:
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=ALBERS,
    ).to_crs("EPSG:4326")
    frame.to_file(path, driver="GeoJSON")
    return path


def run(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_vep_register_and_package(ts: TinyStore, tmp_path: Path) -> None:
    db = ["--database", ts.url]
    site = _file(tmp_path / "site.geojson", [{"geometry": cell_box(0, 0, 2, 2)}])
    r = run(
        "apply",
        "vep",
        str(site),
        "--account",
        str(ts.account_id),
        "--rate",
        "0.05",
        "--years",
        "3",
        "--json",
        str(tmp_path / "v.json"),
        *db,
    )
    assert r.exit_code == 0, r.output
    assert "水源涵养" in r.output and "asset value" in r.output and "SYNTHETIC" in r.output
    data = json.loads((tmp_path / "v.json").read_text(encoding="utf-8"))
    assert data["asset_value_cny"] == pytest.approx(
        data["flow_cny_per_year"] * (1 + 1 / 1.05 + 1 / 1.05**2)
    )

    parcels = _file(
        tmp_path / "parcels.geojson",
        [
            {
                "code": "P1",
                "name": "林地",
                "owner": "村集体",
                "rights_type": "ownership",
                "geometry": cell_box(0, 0, 2, 1),
            },
            {
                "code": "P2",
                "name": "水面",
                "owner": "合作社",
                "rights_type": "contract",
                "geometry": cell_box(2, 0, 4, 1),
            },
        ],
    )
    r = run(
        "apply",
        "register",
        "add",
        str(parcels),
        "--account",
        str(ts.account_id),
        "--actor",
        "office",
        *db,
    )
    assert r.exit_code == 0, r.output
    assert "P1" in r.output and "P2" in r.output
    from ganpo.store import register as store
    from ganpo.store.repository import open_store

    p1 = store.get_parcel(open_store(ts.url), "P1")
    assert (p1.created_by, p1.composition) == ("office", pytest.approx({1: 20_000.0}))
    r = run("apply", "register", "add", str(parcels), "--account", str(ts.account_id), *db)
    assert r.exit_code == 2 and "already in the register" in r.output
    r = run("apply", "register", "package", "PKG", "P1", "P2", "--name", "示范包", *db)
    assert r.exit_code == 0, r.output
    r = run("apply", "register", "value", "PKG", "--account", str(ts.account_id), *db)
    assert r.exit_code == 0, r.output
    assert "overlap" in r.output
    r = run("apply", "register", "show", "PKG", *db)
    assert r.exit_code == 0 and "valuations" in r.output
    r = run("apply", "register", "list", "--county", "360102", *db)
    assert r.exit_code == 0, r.output
    parcel_part = r.output.split("packages")[0]
    assert "P2" in parcel_part and "P1" not in parcel_part


def test_errors_exit_2_with_a_message(ts: TinyStore, tmp_path: Path) -> None:
    db = ["--database", ts.url]
    far = _file(tmp_path / "far.geojson", [{"geometry": cell_box(50, 50, 51, 51)}])
    r = run("apply", "vep", str(far), "--account", str(ts.account_id), *db)
    assert r.exit_code == 2 and "outside the account's region" in r.output
    r = run("apply", "vep", str(tmp_path / "none.geojson"), "--account", str(ts.account_id), *db)
    assert r.exit_code == 2 and "file not found" in r.output
    r = run("apply", "damage", str(far), "--account", str(ts.account_id), "--path", "sigmoid", *db)
    assert r.exit_code == 2 and "unknown recovery path" in r.output


def test_damage_and_credit(ts: TinyStore, tmp_path: Path) -> None:
    db = ["--database", ts.url]
    area = _file(tmp_path / "d.geojson", [{"geometry": cell_box(0, 0, 2, 1)}])
    out = tmp_path / "dmg" / "report.pdf"
    r = run(
        "apply",
        "damage",
        str(area),
        "--account",
        str(ts.account_id),
        "--recovery-years",
        "4",
        "--path",
        "linear",
        "--no-discount-interim",
        "--restoration",
        "forest",
        "--out",
        str(out),
        *db,
    )
    assert r.exit_code == 0, r.output
    assert out.exists() and out.with_suffix(".json").exists() and out.with_suffix(".xlsx").exists()
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    # linear over 4 years, undiscounted: (1 + 3/4 + 2/4 + 1/4) × baseline
    assert data["interim_loss_cny"] == pytest.approx(2.5 * data["baseline_flow_cny_per_year"])
    parcels = _file(
        tmp_path / "p.geojson",
        [
            {
                "code": "P1",
                "name": "林地",
                "owner": "村集体",
                "rights_type": "use",
                "geometry": cell_box(0, 0, 2, 1),
            }
        ],
    )
    assert (
        run(
            "apply", "register", "add", str(parcels), "--account", str(ts.account_id), *db
        ).exit_code
        == 0
    )
    r = run("apply", "credit", "P1", "--out", str(tmp_path / "pack"), *db)
    assert r.exit_code == 0, r.output
    assert "grade" in r.output and "no loan price" in r.output
    assert (tmp_path / "pack" / "P1_evidence.pdf").exists()


def test_register_refuses_a_stored_map_value_that_is_no_code(ts: TinyStore, tmp_path: Path) -> None:
    """An account stored before its map was checked (decision 0069) may point at a map
    with a value that is no code: a parcel's composition refuses it (exit 2, the account's
    words, the file, the value and its cell) instead of taking 3.5 as 3 (decision 0076)."""
    eco = stale_ecosystem_map(ts.url, ts.account_id, ts.manifest, (0, 0), 3.5)
    db = ["--database", ts.url]
    parcels = _file(
        tmp_path / "p.geojson",
        [
            {
                "code": "P1",
                "name": "林地",
                "owner": "村集体",
                "rights_type": "ownership",
                "geometry": cell_box(0, 0, 2, 1),
            }
        ],
    )
    r = runner.invoke(
        app,
        ["apply", "register", "add", str(parcels), "--account", str(ts.account_id), *db],
        env={"COLUMNS": "400"},
    )
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert eco.name in text and "3.5 (1 cells), the first at row 0, column 0" in text
    assert "Reclassify the raster" in text and "请重新分类该栅格" in text
