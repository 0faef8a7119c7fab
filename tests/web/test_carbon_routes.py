"""``/api/carbon/…``: stored greenhouse-gas inventories, sinks and dual-control progress,
scoped as the GEP accounts are (a county viewer sees its county only, a unit outside the
scope answers 404), drafts hidden from viewers, figures from the methods they claim.

The demo platform (tests/demoplatform.py, :func:`ganpo.web.seed.prepare_demo`) holds the
two published synthetic inventories of the carbon demo: 2022 (id 1) and 2023 (id 2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.carbon.inventory import PRODUCTION, summary
from ganpo.store.carbon import load_inventory, save_inventory

Clients = Callable[[str], TestClient]
USERS = ("admin", "office", "forestry", "tourism", "reviewer", "nanchang", "wuyuan", "jiangxi")
ALL = dict.fromkeys(USERS, 200)
NONE = dict.fromkeys(USERS, 404)
WUYUAN, SHANGRAO, NANCHANG, JIANGXI = 361130, 361100, 360100, 360000


def _scoped(**overrides: int) -> dict[str, int]:
    return {**ALL, **overrides}


READS: list[tuple[str, dict[str, int]]] = [
    ("/api/carbon/inventories", ALL),
    ("/api/carbon/inventories/1/summary?level=county", ALL),
    ("/api/carbon/inventories/2/summary?level=province", ALL),
    ("/api/carbon/inventories/999/summary", NONE),
    (f"/api/carbon/inventories/1/summary?adcode={WUYUAN}", _scoped(nanchang=404)),
    ("/api/carbon/inventories/1/summary?level=city&adcode=360100", _scoped(wuyuan=404)),
    ("/api/carbon/inventories/1/summary?level=province&adcode=360000", _scoped(wuyuan=404, nanchang=404)),
    ("/api/carbon/inventories/1/summary?adcode=110101", _scoped(wuyuan=404, nanchang=404, jiangxi=404, forestry=404, tourism=404)),
    ("/api/carbon/inventories/2/sinks?level=county", ALL),
    ("/api/carbon/inventories/2/sinks?adcode=360102", _scoped(wuyuan=404)),
    ("/api/carbon/inventories/999/sinks", NONE),
    ("/api/carbon/progress?level=city", ALL),
    ("/api/carbon/progress?inventories=1,2&level=county", ALL),
    ("/api/carbon/progress?inventories=1,999", NONE),
]  # fmt: skip


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def _no_paths(body: Any) -> None:
    """No server path or file name and no code structure in any text of an answer."""
    for text in _strings(body):
        assert not re.search(r"(^|\s)/[\w.-]+/|\.(toml|csv|sqlite|py)\b|[{}\[\]]|<\w", text), text


@pytest.mark.parametrize(("path", "expected"), READS, ids=[p for p, _ in READS])
def test_read_matrix(path: str, expected: dict[str, int], shared_client_as: Clients) -> None:
    got = {u: shared_client_as(u).get(path).status_code for u in USERS}
    assert got == expected


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    for path in ("/api/carbon/inventories", "/api/carbon/progress"):
        assert anonymous.get(path).status_code == 401


def test_the_list_says_what_each_inventory_is(shared_client_as: Clients) -> None:
    rows = shared_client_as("wuyuan").get("/api/carbon/inventories").json()
    assert [(r["id"], r["year"]) for r in rows] == [(2, 2023), (1, 2022)]
    r = rows[0]
    assert r["status"] == "published" and (r["status_zh"], r["status_en"]) == (
        "已发布",
        "published",
    )
    assert r["synthetic"] and "合成" in r["dataset_title_zh"] and r["gwp_set"] == "AR6"
    assert (
        r["region_zh"] == "江西省"
        and r["region_en"]
        and r["levels"] == list(("province", "city", "county"))
    )
    assert not {"code_version", "dataset_digest", "created_by"} & set(r)
    _no_paths(rows)


def test_summary_is_the_inventory_summary_of_the_visible_units(
    shared_client_as: Clients, shared_app: FastAPI
) -> None:
    stored = load_inventory(shared_app.state.engine, 2)
    expected = summary(stored.rows, stored.uncertainty, JIANGXI, "city").set_index(
        ["unit_code", "category_code"]
    )["co2e_10k_t"]
    body = shared_client_as("office").get("/api/carbon/inventories/2/summary?level=city").json()
    assert body["unit_zh"] == "万吨二氧化碳当量" and body["inventory"]["id"] == 2
    assert len(body["units"]) == 11
    for unit in body["units"]:
        for value in unit["categories"] + unit["totals"]:
            key = (unit["adcode"], value["category_code"])
            assert value["co2e_10k_t"] == pytest.approx(expected[key], rel=1e-12)
            assert value["name_zh"] and value["name_en"]
    # a city's production total is its counties', summed by another request
    counties = shared_client_as("office").get(
        f"/api/carbon/inventories/2/summary?level=county&adcode={NANCHANG}"
    )
    total = {
        u["adcode"]: next(t["co2e_10k_t"] for t in u["totals"] if t["category_code"] == PRODUCTION)
        for u in body["units"]
    }
    parts = [
        next(t["co2e_10k_t"] for t in u["totals"] if t["category_code"] == PRODUCTION)
        for u in counties.json()["units"]
    ]
    assert len(parts) == 9 and sum(parts) == pytest.approx(total[NANCHANG], rel=1e-12)
    _no_paths(body)


def test_a_county_viewer_sees_its_county_only(shared_client_as: Clients) -> None:
    wuyuan = shared_client_as("wuyuan")
    base = "/api/carbon/inventories/1"
    county = wuyuan.get(f"{base}/summary?level=county").json()["units"]
    assert [u["adcode"] for u in county] == [WUYUAN]
    assert county[0]["name_zh"] == "婺源县" and county[0]["name_en"]
    # its city and the province are hidden: not listed, and 404 when asked for
    assert wuyuan.get(f"{base}/summary?level=city").json()["units"] == []
    assert wuyuan.get(f"{base}/summary?level=province").json()["units"] == []
    assert wuyuan.get(f"{base}/summary?level=county&adcode={SHANGRAO}").status_code == 404
    assert wuyuan.get(f"{base}/summary?level=county&adcode=360102").status_code == 404
    sinks = wuyuan.get(f"{base}/sinks?level=county").json()
    assert {u["adcode"] for u in sinks["units"]} <= {WUYUAN}
    # a city viewer: its city and its nine counties, no other
    nanchang = shared_client_as("nanchang")
    cities = nanchang.get(f"{base}/summary?level=city").json()["units"]
    assert [u["adcode"] for u in cities] == [NANCHANG]
    # the same figures as in the whole province's answer (computed for its units only)
    every = shared_client_as("office").get(f"{base}/summary?level=city").json()["units"]
    assert cities[0] == next(u for u in every if u["adcode"] == NANCHANG)
    assert len(nanchang.get(f"{base}/summary?level=county").json()["units"]) == 9


def _with_sinks(web_app: FastAPI) -> int:
    """A draft copy of inventory 2 with a forest sink (3.B.1.a, negative) in every county
    and city: -1,000 t CO2 times the county's rank (in place of the demo's own)."""
    rows = load_inventory(web_app.state.engine, 2).rows
    rows = rows[~rows["category_code"].str.startswith("3.B")]
    county = rows[rows["level"] == "county"][["unit_code", "parent_code"]].drop_duplicates()
    extra = pd.DataFrame(
        {
            "unit_code": county["unit_code"].to_numpy(),
            "level": "county",
            "parent_code": county["parent_code"].to_numpy(),
            "category_code": "3.B.1.a",
            "gas": "CO2",
            "scope": "direct",
            "quantity_g": [-(i + 1) * 10**9 for i in range(len(county))],
        }
    )
    extra["co2e_g"] = extra["quantity_g"]
    city = extra.groupby("parent_code", as_index=False)["co2e_g"].sum()
    cities = pd.DataFrame(
        {
            "unit_code": city["parent_code"].astype("int64"),
            "level": "city",
            "parent_code": JIANGXI,
            "category_code": "3.B.1.a",
            "gas": "CO2",
            "scope": "direct",
            "quantity_g": city["co2e_g"],
            "co2e_g": city["co2e_g"],
        }
    )
    return _copy(web_app, 2, rows=pd.concat([rows, extra, cities], ignore_index=True))


def test_sinks_are_the_3b_rows(web_app: FastAPI, client_as: Clients) -> None:
    plain = client_as("office").get("/api/carbon/inventories/2/sinks?level=county").json()
    assert len(plain["units"]) == 100  # the demo's synthetic forest inventories
    assert all(u["total_10k_t"] < 0 for u in plain["units"]) and "removals" in plain["note_en"]
    iid = _with_sinks(web_app)
    office = client_as("office")
    body = office.get(f"/api/carbon/inventories/{iid}/sinks?level=county").json()
    assert body["note_zh"] and body["unit_en"] == "10⁴ t CO₂e"
    assert len(body["units"]) == 100
    wuyuan = next(u for u in body["units"] if u["adcode"] == WUYUAN)
    assert wuyuan["name_zh"] == "婺源县"
    assert [c["category_code"] for c in wuyuan["categories"]] == ["3.B.1.a"]
    assert wuyuan["categories"][0]["name_zh"] and wuyuan["total_10k_t"] < 0
    assert body["categories"][0]["co2e_10k_t"] == pytest.approx(-sum(range(1, 101)) * 10**9 / 1e10)
    cities = office.get(f"/api/carbon/inventories/{iid}/sinks?level=city").json()["units"]
    nanchang = next(u for u in cities if u["adcode"] == NANCHANG)
    mine = [u["total_10k_t"] for u in body["units"] if u["parent"] == NANCHANG]
    assert len(mine) == 9 and nanchang["total_10k_t"] == pytest.approx(sum(mine))
    # a county viewer: its county's sink, nothing else (the draft published for it)
    from ganpo.store.carbon import publish_inventory

    publish_inventory(web_app.state.engine, iid)
    seen = client_as("wuyuan").get(f"/api/carbon/inventories/{iid}/sinks?level=county").json()
    assert [u["adcode"] for u in seen["units"]] == [WUYUAN]
    assert seen["categories"][0]["co2e_10k_t"] == wuyuan["total_10k_t"]
    _no_paths(body)


def test_progress_of_the_demo_targets(shared_client_as: Clients) -> None:
    office = shared_client_as("office").get("/api/carbon/progress?inventories=1,2&level=city")
    assert office.status_code == 200, office.text
    body = office.json()
    assert body["years"] == [2022, 2023] and body["targets_synthetic"] and body["synthetic"]
    assert "合成" in body["targets_title_zh"] and body["price_year"] == 2022
    units = {r["unit_code"] for r in body["records"]}
    assert len(units) == 11 and NANCHANG in units
    for r in body["records"]:
        assert r["status"] in ("on_track", "behind", "met", "missed")
        assert r["status_zh"] and r["status_en"] and r["name_zh"] and r["name_en"]
        assert r["target_unit_zh"] in ("万吨二氧化碳", "吨二氧化碳/万元")
        assert r["time_elapsed_pct"] is not None
    assert body["warnings"], "the demo targets are set so that some city is warned"
    for w in body["warnings"]:
        assert w["name_zh"] in w["message_zh"] and w["name_en"] in w["message_en"]
        assert not re.search(r"[\u4e00-\u9fff]", w["message_en"]), w["message_en"]
    _no_paths(body)
    # by default: the newest inventory of each year, the same answer
    assert shared_client_as("office").get("/api/carbon/progress").json() == body
    # a city viewer: its own city's records and warnings only
    mine = shared_client_as("nanchang").get("/api/carbon/progress?level=city").json()
    assert {r["unit_code"] for r in mine["records"]} == {NANCHANG}
    assert {w["unit_code"] for w in mine["warnings"]} <= {NANCHANG}
    # a county viewer: no target of its scope (the demo sets cities' targets), said so
    wuyuan = shared_client_as("wuyuan").get("/api/carbon/progress?level=city").json()
    assert wuyuan["records"] == [] and wuyuan["warnings"] == [] and wuyuan["note_en"]


def _copy(web_app: FastAPI, inventory_id: int, **change: Any) -> int:
    """Store a copy of a stored inventory (a draft), with ``change`` to its header."""
    s = load_inventory(web_app.state.engine, inventory_id)
    h = s.header
    fields = {
        "region": h.region_adcode,
        "year": h.year,
        "gwp_set": h.gwp_set,
        "level": h.level,
        "fuel_set": h.fuel_set,
        "grid": h.grid,
        "dataset_title_zh": h.dataset_title_zh,
        "dataset_title_en": h.dataset_title_en,
        "dataset_digest": h.dataset_digest,
        "synthetic": h.synthetic,
        "code_version": h.code_version,
        "created_at": h.created_at,
        "rows": s.rows,
        "provenance": s.factors,
        "uncertainty": s.uncertainty,
        "notes": list(h.notes),
    }
    return save_inventory(web_app.state.engine, SimpleNamespace(**{**fields, **change}))


def test_a_draft_is_hidden_from_viewers(web_app: FastAPI, client_as: Clients) -> None:
    draft = _copy(web_app, 2)
    for user in ("office", "admin", "reviewer"):
        client = client_as(user)
        listed = {r["id"]: r["status"] for r in client.get("/api/carbon/inventories").json()}
        assert listed[draft] == "draft"
        assert client.get(f"/api/carbon/inventories/{draft}/summary").status_code == 200
    for user in ("wuyuan", "nanchang", "jiangxi", "forestry"):
        client = client_as(user)
        assert draft not in {r["id"] for r in client.get("/api/carbon/inventories").json()}
        for path in ("summary", "sinks"):
            assert client.get(f"/api/carbon/inventories/{draft}/{path}").status_code == 404
        assert client.get(f"/api/carbon/progress?inventories=1,{draft}").status_code == 404


def test_real_inventories_need_targets_set(web_app: FastAPI, client_as: Clients) -> None:
    real = _copy(web_app, 2, synthetic=False, year=2024)
    r = client_as("office").get(f"/api/carbon/progress?inventories={real}")
    assert r.status_code == 422
    assert "GANPO_CARBON_TARGETS" in r.json()["detail"] and "双控目标" in r.json()["detail"]
    _no_paths(r.json())


def test_targets_and_gdp_from_the_settings(
    web_app: FastAPI, client_as: Clients, tmp_path: Any
) -> None:
    from ganpo.tracking.registry import shipped_file
    from ganpo.web.seed import carbon_demo_folder

    settings = web_app.state.settings
    office = client_as("office")
    default = office.get("/api/carbon/progress?inventories=1,2").json()
    # the demo dataset's own GDP file, set explicitly: the same answer, but not demo targets
    demo_gdp = carbon_demo_folder(settings.data_dir) / "gdp.csv"
    targets = shipped_file("jiangxi-demo-targets")
    web_app.state.settings = settings.model_copy(
        update={"carbon_targets": targets, "carbon_gdp": demo_gdp}
    )
    same = office.get("/api/carbon/progress?inventories=1,2").json()
    assert same["records"] == default["records"] and not same["targets_synthetic"]
    # a GDP file lacking most cities: said so, without its path
    gdp = tmp_path / "gdp.csv"
    gdp.write_text("unit_code,year,gdp_constant_2022,unit\n360100,2023,7300,亿元\n", "utf-8")
    web_app.state.settings = settings.model_copy(
        update={"carbon_targets": targets, "carbon_gdp": gdp}
    )
    r = office.get("/api/carbon/progress?inventories=1,2")
    assert r.status_code == 422 and "GDP" in r.json()["detail"]
    assert "地区生产总值" in r.json()["detail"] and str(tmp_path) not in r.text
    _no_paths(r.json())


def test_openapi_lists_the_carbon_routes(shared_client_as: Clients) -> None:
    paths = shared_client_as("office").get("/openapi.json").json()["paths"]
    for p in (
        "/api/carbon/inventories",
        "/api/carbon/inventories/{inventory_id}/summary",
        "/api/carbon/inventories/{inventory_id}/sinks",
        "/api/carbon/progress",
    ):
        assert p in paths
    params = {p["name"] for p in paths["/api/carbon/progress"]["get"]["parameters"]}
    assert {"inventories", "level"} <= params


def test_the_office_runs_an_inventory_from_the_approved_reports(
    web_app: FastAPI, client_as: Clients
) -> None:
    """Forestry reports the 2023 forest inventory (1 % more volume than the demo's), the
    reviewer approves it, the office runs the 2023 inventory: a draft whose forest sink is
    larger than the demo inventory's, its sources named; others may not run one."""
    import io

    from ganpo.carbon.inventory import read_dataset
    from ganpo.web.seed import carbon_demo_folder

    folder = carbon_demo_folder(web_app.state.settings.data_dir)
    stock = read_dataset(folder).tables["forest_stock"]
    rows = stock[stock["year"] == 2023].drop(columns=["name"], errors="ignore").copy()
    rows["quantity"] = (rows["quantity"] * 1.01).round(4)
    buf = io.StringIO()
    rows.to_csv(buf, index=False)
    forestry, reviewer, office = (client_as(u) for u in ("forestry", "reviewer", "office"))
    up = forestry.post(
        "/api/reporting/forms/carbon_forest_stock/upload",
        params={"year": 2023},
        files={"file": ("forest.csv", buf.getvalue().encode(), "text/csv")},
    )
    assert up.status_code == 201, up.text
    sid = up.json()["submission"]["id"]
    assert forestry.post(f"/api/reporting/submissions/{sid}/submit").status_code == 200
    assert reviewer.post(f"/api/reporting/submissions/{sid}/approve").status_code == 200
    body = {"year": 2023, "gwp": "AR6"}
    for who in ("forestry", "reviewer", "nanchang"):
        assert client_as(who).post("/api/carbon/inventories", json=body).status_code == 403
    r = office.post("/api/carbon/inventories", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["inventory"]["status"] == "draft" and out["inventory"]["year"] == 2023
    assert any("forest_stock" in s and "2023: submission" in s for s in out["sources"])
    _no_paths(out)
    new = out["inventory"]["id"]

    def forest(iid: int) -> float:
        got = office.get(f"/api/carbon/inventories/{iid}/sinks?level=province").json()
        return float(got["categories"][0]["co2e_10k_t"])

    assert forest(new) < forest(2) < 0  # a larger removal
    bad = office.post("/api/carbon/inventories", json={"year": 2019, "gwp": "AR6"})
    assert bad.status_code == 422 and "2019" in bad.json()["detail"]
