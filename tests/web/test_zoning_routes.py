"""``/api/zoning/checks``: a site checked on the platform's (synthetic demo) zoning data by
any signed-in user within its region, kept and audited, its opinion PDF and map served, no
server path in any answer; a site outside the caller's region 404; a server file is never
read as a site."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

Clients = Callable[[str], TestClient]
#: a point in 婺源县's (361130) synthetic priority protection unit
WUYUAN_SITE = "POINT (117.708 29.524)"


def _no_paths(body: Any, *folders: Any) -> None:
    text = str(body)
    assert "zoning-checks" not in text and "/work" not in text
    for folder in folders:
        assert str(folder) not in text


def test_a_check_is_kept_audited_and_has_its_opinion(web_app: FastAPI, client_as: Clients) -> None:
    office = client_as("office")
    r = office.post("/api/zoning/checks", json={"site": WUYUAN_SITE, "industry": "C26"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["verdict"] == "prohibited" and c["verdict_zh"] == "禁止" and c["synthetic"]
    assert [u["code"] for u in c["units"]] == ["ZH36113010001"]
    assert {x["id"] for x in c["clauses"]} == {"P-SL-01", "P-SL-02"}
    _no_paths(c, web_app.state.settings.work_dir, web_app.state.settings.data_dir)
    pdf = office.get(f"/api/zoning/checks/{c['id']}/opinion")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "zoning_opinion_" in pdf.headers["content-disposition"]
    png = office.get(f"/api/zoning/checks/{c['id']}/map.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    listed = office.get("/api/zoning/checks").json()
    assert [x["id"] for x in listed] == [c["id"]]
    log = client_as("admin").get("/api/audit", params={"action": "zoning.check"}).json()
    rows = log["items"] if isinstance(log, dict) else log
    assert any(e.get("entity_id") == c["id"] for e in rows)


def test_scope_and_bad_sites(web_app: FastAPI, client_as: Clients) -> None:
    wuyuan = client_as("wuyuan")
    ok = wuyuan.post("/api/zoning/checks", json={"site": WUYUAN_SITE, "industry": "65"})
    assert ok.status_code == 201 and ok.json()["verdict"] == "judgement"
    nanchang = client_as("nanchang")
    r = nanchang.post("/api/zoning/checks", json={"site": WUYUAN_SITE, "industry": "65"})
    assert r.status_code == 404
    assert nanchang.get(f"/api/zoning/checks/{ok.json()['id']}").status_code == 404
    assert nanchang.get("/api/zoning/checks").json() == []
    r = wuyuan.post("/api/zoning/checks", json={"site": "POINT (116.4 39.9)", "industry": "26"})
    assert r.status_code == 422 and "outside the region" in r.json()["detail"]
    r = wuyuan.post("/api/zoning/checks", json={"site": WUYUAN_SITE, "industry": "98"})
    assert r.status_code == 422 and "divisions 01 to 97" in r.json()["detail"]
    # a server file named as the site is not read
    dataset = web_app.state.settings.data_dir.parent / "zoning-demo" / "units.gpkg"
    r = wuyuan.post("/api/zoning/checks", json={"site": str(dataset), "industry": "26"})
    assert r.status_code == 422 and "neither WKT" in r.json()["detail"]
    _no_paths(r.json(), dataset)


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    assert (
        anonymous.post(
            "/api/zoning/checks", json={"site": WUYUAN_SITE, "industry": "26"}
        ).status_code
        == 401
    )
