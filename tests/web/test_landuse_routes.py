"""``/api/landuse/scenarios``: a scenario run as a job on the platform's synthetic land-use
demo (4000 m), its change by class, validation on the held-out year, map and audit row;
its ΔGEP equal to ``ganpo.landuse.gep`` on the same maps (resampled onto the 2000 m account
grid), and exactly 0 for a scenario that changes nothing; restricted zones kept unchanged;
who may run and see; bad requests 422 naming what is wrong."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rasterio
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.catalog.indicators import indicator
from ganpo.io.manifest import load_manifest
from ganpo.landuse.gep import onto_grid, scenario_gep
from ganpo.landuse.run import read_cover

Clients = Callable[[str], TestClient]


def _square(lon: float, lat: float, half: float, name: str) -> dict[str, Any]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _zones(*features: dict[str, Any]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


#: around 南昌 (inside Jiangxi); the whole province's box; a square at Beijing
NANCHANG = _square(115.9, 28.7, 0.25, "赣江新区限制区")
JIANGXI_BOX = _square(116.0, 27.0, 3.5, "全省")
BEIJING = _square(116.4, 39.9, 0.2, "北京方块")


def _data(app: FastAPI) -> Path:
    return Path(app.state.settings.data_dir).parent / "landuse-demo"


def _run(app: FastAPI, client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/landuse/scenarios", json=body)
    assert r.status_code == 202, r.text
    accepted = r.json()
    job = app.state.jobs.wait(accepted["job_id"], timeout=120)
    assert job.state == "done", job.message
    s = client.get(f"/api/landuse/scenarios/{accepted['id']}")
    assert s.status_code == 200, s.text
    out: dict[str, Any] = s.json()
    assert out["state"] == "done" and out["job_id"] == accepted["job_id"]
    return out


def test_markov_scenario_with_restricted_zone(
    web_app: FastAPI, client_as: Clients, tmp_path: Path
) -> None:
    office = client_as("office")
    s = _run(web_app, office, {"name": "趋势情景", "restricted": _zones(NANCHANG), "seed": 3})
    assert s["demand"] == "markov" and s["calibration_years"] == [2022, 2023]
    assert s["simulated_year"] == 2024 and s["held_out_year"] == 2024 and s["synthetic"]
    rows = {r["code"]: r for r in s["classes"]}
    assert sorted(rows) == list(range(1, 9))
    # the study area is kept; something changed; the Markov demand is met
    assert sum(r["change_hm2"] for r in rows.values()) == pytest.approx(0.0, abs=1e-6)
    assert any(abs(r["change_hm2"]) > 0 for r in rows.values())
    assert s["unmet_hm2"] == 0
    assert all(r["simulated_hm2"] == pytest.approx(r["demand_hm2"]) for r in rows.values())
    assert s["restricted_zones"] == ["赣江新区限制区"] and s["restricted_hm2"] > 0
    names = [v["name_en"] for v in s["validation"]]
    assert "figure of merit (FoM)" in names and s["verdict_en"]
    assert s["gep"]["year"] == 2023 and "nearest neighbour" in s["gep_note_en"]
    text = json.dumps(s, ensure_ascii=False)
    assert "/" + "tmp" not in text and str(web_app.state.settings.work_dir) not in text
    # the restricted cells kept their 2023 class
    folder = Path(web_app.state.settings.work_dir) / "landuse-scenarios" / s["id"]
    with rasterio.open(folder / "restricted.tif") as src:
        mask = src.read(1) != 0
    start = read_cover(_data(web_app) / "cover_2023.tif").cover
    simulated = read_cover(folder / "simulated.tif").cover
    assert mask.sum() * 1600 == pytest.approx(s["restricted_hm2"])
    assert (simulated[mask] == start[mask]).all()
    _gep_is_the_domains(web_app, office, s, folder, tmp_path)
    for lang in ("zh", "en"):
        png = office.get(f"/api/landuse/scenarios/{s['id']}/map.png", params={"lang": lang})
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    log = client_as("admin").get("/api/audit", params={"action": "landuse.scenario"}).json()
    entries = log["items"] if isinstance(log, dict) else log
    assert [e["entity_id"] for e in entries] == [s["id"]]
    assert entries[0]["after"]["delta_gep_yi_yuan"] == s["gep"]["delta_yi_yuan"]
    # the province viewer sees it but may not run one; a county viewer sees nothing
    viewer = client_as("jiangxi")
    assert [x["id"] for x in viewer.get("/api/landuse/scenarios").json()] == [s["id"]]
    assert viewer.post("/api/landuse/scenarios", json={"name": "x"}).status_code == 403
    assert viewer.get(f"/api/landuse/scenarios/{s['id']}/gep").json()["services"]
    wuyuan = client_as("wuyuan")
    assert wuyuan.get("/api/landuse/scenarios").json() == []
    assert wuyuan.get(f"/api/landuse/scenarios/{s['id']}").status_code == 404
    assert wuyuan.get(f"/api/landuse/scenarios/{s['id']}/gep").status_code == 404


def _gep_is_the_domains(
    app: FastAPI, client: TestClient, s: dict[str, Any], folder: Path, tmp_path: Path
) -> None:
    """The scenario's ΔGEP equals ``scenario_gep`` on the same two maps brought onto the
    account grid, exactly (the same floats divided by the same powers of ten): the demo's
    2023 account ran with the default profile, parameter set and price policy."""
    data_dir = Path(app.state.settings.data_dir)
    dataset = load_manifest(data_dir)
    entry = dataset.manifest.layer("ecosystem_type", 2023)
    assert entry is not None
    like = dataset.path(entry)
    base = onto_grid(_data(app) / "cover_2023.tif", like, tmp_path / "base.tif")
    scen = onto_grid(folder / "simulated.tif", like, tmp_path / "scen.tif")
    expected = scenario_gep(data_dir, 2023, base, scen)
    assert expected.delta_cny != 0.0
    zh = client.get(f"/api/landuse/scenarios/{s['id']}/gep").json()
    assert zh["year"] == 2023 and zh["synthetic"] and "2023 年核算" in zh["basis"]
    assert zh["delta_yi_yuan"] == expected.delta_cny / 1e8 == s["gep"]["delta_yi_yuan"]
    assert zh["delta_wan_yuan"] == expected.delta_cny / 1e4
    assert zh["baseline_yi_yuan"] == expected.baseline.gep_cny / 1e8
    assert zh["scenario_yi_yuan"] == expected.scenario.gep_cny / 1e8
    services = expected.by("indicator")
    want = {
        indicator(k).name_zh: d / 1e4
        for k, d in zip(services["indicator"], services["delta_cny"], strict=True)
    }
    assert {r["label"]: r["delta_wan_yuan"] for r in zh["services"]} == want
    counties = expected.by("county_adcode")
    want_c = dict(zip(counties["county_adcode"], counties["delta_cny"] / 1e4, strict=True))
    assert {r["adcode"]: r["delta_wan_yuan"] for r in zh["counties"]} == want_c
    assert {r["label"] for r in zh["counties"]} >= {"南昌县", "婺源县"}
    en = client.get(f"/api/landuse/scenarios/{s['id']}/gep", params={"lang": "en"}).json()
    assert "water conservation" in {r["label"] for r in en["services"]}
    assert en["basis"].startswith("account #") and "nearest neighbour" in en["note"]
    text = json.dumps([zh, en], ensure_ascii=False)
    assert "/" + "tmp" not in text and ".tif" not in text


def test_unchanged_map_gives_zero_gep_exactly(web_app: FastAPI, client_as: Clients) -> None:
    # plan targets equal to the observed areas: nothing to allocate, nothing changes
    start = read_cover(_data(web_app) / "cover_2023.tif").cover
    built = int((start == 6).sum()) * 1600.0
    s = _run(web_app, client_as("office"), {"name": "不变情景", "targets": {"6": built}})
    assert all(r["change_hm2"] == 0 for r in s["classes"])
    assert s["gep"]["delta_yi_yuan"] == 0.0
    assert s["gep"]["baseline_yi_yuan"] == s["gep"]["scenario_yi_yuan"] > 0
    out = client_as("office").get(f"/api/landuse/scenarios/{s['id']}/gep").json()
    assert all(r["delta_wan_yuan"] == 0.0 for r in out["services"] + out["counties"])


def test_gep_is_refused_without_an_account_of_the_year(
    web_app: FastAPI, client_as: Clients
) -> None:
    # this test's own copy of the store: its 2023 account marked withdrawn, so the
    # platform has no account of 2023 to value a scenario with
    from sqlalchemy import update

    from ganpo.store.models import Account

    engine = web_app.state.engine
    with engine.begin() as conn:
        conn.execute(update(Account).where(Account.year == 2023).values(status="withdrawn"))
    office = client_as("office")
    s = _run(web_app, office, {"name": "无核算", "seed": 1})
    assert s["gep"] is None
    assert "no account of 2023" in s["gep_note_en"] and "2023 年的核算" in s["gep_note_zh"]
    r = office.get(f"/api/landuse/scenarios/{s['id']}/gep", params={"lang": "en"})
    assert r.status_code == 409 and "no account of 2023" in r.json()["detail"]
    folder = Path(web_app.state.settings.work_dir) / "landuse-scenarios" / s["id"]
    assert not (folder / "gep.json").exists() and (folder / "simulated.tif").exists()


def test_plan_targets_are_met(web_app: FastAPI, client_as: Clients) -> None:
    start = read_cover(_data(web_app) / "cover_2023.tif").cover
    built, crop = int((start == 6).sum()) * 1600.0, int((start == 5).sum()) * 1600.0
    moved = 20 * 1600.0
    body = {
        "name": "城镇扩张规划",
        "targets": {"6": built + moved, "5": crop - moved},
        "use_zoning": True,  # the synthetic zoning's red lines and priority units stay
    }
    s = _run(web_app, client_as("admin"), body)
    rows = {r["code"]: r for r in s["classes"]}
    assert s["demand"] == "plan" and s["simulated_year"] is None and s["validation"] is None
    assert s["targets_hm2"] == {"6": built + moved, "5": crop - moved}
    assert rows[6]["demand_hm2"] == pytest.approx(built + moved) and s["unmet_hm2"] == 0
    assert rows[6]["change_hm2"] == pytest.approx(moved)
    assert rows[5]["change_hm2"] == pytest.approx(-moved)
    assert all(rows[k]["change_hm2"] == 0 for k in (1, 2, 3, 4, 7, 8))
    assert s["use_zoning"] and s["restricted_zones"] == [] and s["restricted_hm2"] > 0
    folder = Path(web_app.state.settings.work_dir) / "landuse-scenarios" / s["id"]
    with rasterio.open(folder / "restricted.tif") as src:
        mask = src.read(1) != 0
    simulated = read_cover(folder / "simulated.tif").cover
    assert (simulated[mask] == start[mask]).all()


def test_bad_requests_name_what_is_wrong(web_app: FastAPI, client_as: Clients) -> None:
    office = client_as("office")

    def refused(body: dict[str, Any]) -> str:
        r = office.post("/api/landuse/scenarios", json={"name": "坏", **body})
        assert r.status_code == 422, r.text
        return str(r.json()["detail"])

    detail = refused({"restricted": _zones(NANCHANG, BEIJING)})
    assert "北京方块" in detail and "outside the region" in detail
    assert "not GeoJSON" in refused({"restricted": "/etc/passwd"})
    assert "情景名称" in refused({"name": "  "})
    assert "[9]" in refused({"targets": {"9": 100.0}})
    assert "'x'" in refused({"targets": {"x": 100.0}})
    start = read_cover(_data(web_app) / "cover_2023.tif").cover
    built, crop = int((start == 6).sum()) * 1600.0, int((start == 5).sum()) * 1600.0
    grow = {"6": built + 50 * 1600.0, "5": crop - 50 * 1600.0}
    # the whole province restricted: built-up land cannot grow
    detail = refused({"targets": grow, "restricted": _zones(JIANGXI_BOX)})
    assert "demand for class 6" in detail and "may become it" in detail
    # targets that do not keep the study area
    assert "adjust the targets" in refused({"targets": {"6": built + 1600.0}})
    root = Path(web_app.state.settings.work_dir) / "landuse-scenarios"
    assert not root.is_dir() or not any(root.iterdir())  # nothing kept of a refused request


def test_refusal_note_names_no_file_and_splits_the_languages() -> None:
    from ganpo.errors import GridError
    from ganpo.web.routes.landuse import gep_refusal

    exc = GridError(
        "the land-cover map's cells (5 m) are finer than the account grid's (10 m); aggregate "
        "first / 土地覆被图像元比核算网格细，请先聚合",
        source=Path("/srv/ganpo/landuse/cover_2023.tif"),
        field="grid",
    )
    en, zh = gep_refusal(exc)
    assert en == (
        "ΔGEP not computed: the land-cover map's cells (5 m) are finer than the account "
        "grid's (10 m); aggregate first"
    )
    assert zh == "未计算 GEP 变化：土地覆被图像元比核算网格细，请先聚合"


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    assert anonymous.get("/api/landuse/scenarios").status_code == 401
