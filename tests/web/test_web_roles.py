"""Each role against each endpoint of the platform core, and the regional scopes.

Expected codes: 200/201/202 allowed, 401 not logged in, 403 role not allowed, 404 outside
the caller's scope (its existence is not revealed).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.web.auth import Principal, hierarchy

USERS = ("admin", "office", "forestry", "tourism", "reviewer", "nanchang", "wuyuan", "jiangxi")
ALL = dict.fromkeys(USERS, 200)
ADMIN_ONLY = {u: (200 if u == "admin" else 403) for u in USERS}
NANCHANG_COUNTIES = {360102, 360103, 360104, 360111, 360112, 360113, 360121, 360123, 360124}
WUYUAN = 361130


def _scoped(**overrides: int) -> dict[str, int]:
    return {**ALL, **overrides}


# (method, path, expected code per user); anonymous is always 401
READS: list[tuple[str, dict[str, int]]] = [
    ("/api/auth/me", ALL),
    ("/api/users", ADMIN_ONLY),
    ("/api/audit", ADMIN_ONLY),
    ("/api/regions", ALL),
    ("/api/regions/geojson?level=city", ALL),
    ("/api/profiles", ALL),
    ("/api/profiles/jiangxi-db36-2021/methods", ALL),
    ("/api/profiles/national-2022/methods?lang=en", ALL),
    ("/api/profiles/nope/methods", dict.fromkeys(USERS, 404)),
    ("/api/accounts", ALL),
    ("/api/accounts/1/summary?level=county", ALL),
    ("/api/accounts/2/summary?level=province", ALL),
    ("/api/accounts/999/summary", dict.fromkeys(USERS, 404)),
    ("/api/accounts/1/indicators", ALL),
    (f"/api/accounts/1/indicators?adcode={WUYUAN}", _scoped(nanchang=404)),
    ("/api/accounts/1/indicators?adcode=360102", _scoped(wuyuan=404)),
    ("/api/accounts/1/indicators?adcode=360100", _scoped(wuyuan=404)),
    ("/api/accounts/1/indicators?adcode=360000", _scoped(wuyuan=404, nanchang=404)),
    (
        "/api/accounts/1/indicators?adcode=110101",  # Beijing: outside every regional scope
        _scoped(wuyuan=404, nanchang=404, jiangxi=404, forestry=404, tourism=404),
    ),
    ("/api/trend", ALL),
    (f"/api/trend?adcode={WUYUAN}", _scoped(nanchang=404)),
    ("/api/trend?adcode=360100", _scoped(wuyuan=404)),
    ("/api/compare?a=1&b=2", ALL),
    ("/api/compare?a=1&b=2&adcode=360124", _scoped(wuyuan=404)),
    ("/api/compare?a=1&b=999", dict.fromkeys(USERS, 404)),
    ("/api/accounts/1/export?format=csv", ALL),
    ("/api/accounts/2/export?format=csv&table=results", ALL),
    ("/api/jobs/0123456789abcdef", dict.fromkeys(USERS, 404)),
    ("/api/platform", ALL),
    ("/api/accounts/1/indicators/by-unit?level=county", ALL),
    ("/api/accounts/2/indicators/by-unit?level=city&indicator=recreation", ALL),
    ("/api/accounts/999/indicators/by-unit", dict.fromkeys(USERS, 404)),
    ("/api/accounts/1/quality", ALL),
    ("/api/accounts/2/quality?lang=en", ALL),
    ("/api/accounts/999/quality", dict.fromkeys(USERS, 404)),
    ("/api/accounts/1/export?format=csv&table=quality", ALL),
]


@pytest.mark.parametrize(("path", "expected"), READS, ids=[p for p, _ in READS])
def test_read_matrix(
    path: str, expected: dict[str, int], shared_client_as: Callable[[str], TestClient]
) -> None:
    got = {u: shared_client_as(u).get(path).status_code for u in USERS}
    assert got == expected
    with TestClient(shared_client_as("admin").app) as anonymous:
        assert anonymous.get(path).status_code == 401


def test_report_matrix(
    client_as: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PDF report: every role of its own scope, 404 outside (rendering is replaced by a
    stub that records whose scope it was asked for; test_web_accounts renders real ones)."""
    from ganpo.web.routes import accounts

    asked: list[str] = []

    def fake_report(data: Any, prev: Any, principal: Any, lang: str, out: Any) -> Any:
        asked.append("all" if principal.sees_all else str(principal.scope_adcode))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(b"%PDF-1.4 stub")
        return out

    monkeypatch.setattr(accounts, "write_report", fake_report)
    for user in USERS:
        client = client_as(user)
        r = client.get("/api/accounts/2/report?lang=en")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", user
        assert client.get("/api/accounts/999/report").status_code == 404, user
    # one report per scope (kept and reused): everything, the province, Nanchang, Wuyuan
    assert sorted(asked) == sorted(["all", "360000", "360100", str(WUYUAN)])
    with TestClient(client_as("admin").app) as anonymous:
        assert anonymous.get("/api/accounts/2/report").status_code == 401


def _fake_run(monkeypatch: pytest.MonkeyPatch, manifest: Any) -> list[Any]:
    from ganpo.web.routes import accounts

    calls: list[Any] = []
    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=manifest, submissions=[(1, 1)]),
    )
    monkeypatch.setattr(accounts, "record_account_submissions", lambda *a: calls.append(a))
    return calls


def test_write_matrix(
    client_as: Callable[[str], TestClient],
    anonymous: TestClient,
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_run(monkeypatch, demo_platform.manifest)
    clients = {u: client_as(u) for u in USERS}
    target = clients["admin"].post(
        "/api/users", json={"username": "target", "password": "long-enough-1", "role": "office"}
    )
    uid = target.json()["id"]
    for n, (user, client) in enumerate(clients.items()):
        want_admin = 201 if user == "admin" else 403
        body = {"username": f"new{n}", "password": "long-enough-1", "role": "office"}
        assert client.post("/api/users", json=body).status_code == want_admin, user
        ok = 200 if user == "admin" else 403
        assert client.patch(f"/api/users/{uid}", json={"role": "reviewer"}).status_code == ok, user
        assert client.post(f"/api/users/{uid}/disable").status_code == ok, user
        run_ok = 202 if user in ("admin", "office") else 403
        r = client.post("/api/accounts/run", json={"year": 2022})
        assert r.status_code == run_ok, (user, r.text)
    for path in ("/api/users", "/api/users/5/disable", "/api/accounts/run", "/api/auth/logout"):
        assert anonymous.post(path, json={}).status_code == 401
    assert anonymous.patch("/api/users/5", json={}).status_code == 401
    web_app.state.jobs.shutdown()


def test_job_visible_to_owner_office_and_admin_only(
    client_as: Callable[[str], TestClient],
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _fake_run(monkeypatch, demo_platform.manifest)
    office = client_as("office")
    job_id = office.post("/api/accounts/run", json={"year": 2023}).json()["job_id"]
    web_app.state.jobs.wait(job_id, timeout=120)
    for user, code in {"office": 200, "admin": 200, "reviewer": 404, "wuyuan": 404}.items():
        client = office if user == "office" else client_as(user)
        assert client.get(f"/api/jobs/{job_id}").status_code == code, user


def _adcodes(rows: list[dict[str, Any]]) -> set[int]:
    return {int(r["adcode"]) for r in rows}


def _above_townships(rows: list[dict[str, Any]]) -> set[int]:
    """The adcodes of the regions of county level and up (the demo lists its synthetic
    townships after them, under their counties)."""
    return {int(r["adcode"]) for r in rows if r["level"] in ("province", "city", "county")}


def _township_counties(rows: list[dict[str, Any]]) -> set[int]:
    return {int(r["parent"]) for r in rows if r["level"] == "township"}


def test_wuyuan_sees_only_361130(shared_client_as: Callable[[str], TestClient]) -> None:
    c = shared_client_as("wuyuan")
    assert _adcodes(c.get("/api/accounts/1/summary?level=county").json()) == {WUYUAN}
    assert c.get("/api/accounts/1/summary?level=city").json() == []
    assert c.get("/api/accounts/1/summary?level=province").json() == []
    regions = c.get("/api/regions").json()
    assert _above_townships(regions) == {WUYUAN} == _township_counties(regions)
    for level in ("county", "city", "province"):
        features = c.get(f"/api/regions/geojson?level={level}").json()["features"]
        assert {f["properties"]["adcode"] for f in features} == (
            {WUYUAN} if level == "county" else set()
        )
    text = c.get("/api/accounts/1/export?format=csv&table=results").text.lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) > 10 and {r["county_adcode"] for r in rows} == {str(WUYUAN)}
    compare = c.get("/api/compare?a=1&b=2").json()
    assert {r["county_adcode"] for r in compare["by_county"]} == {WUYUAN}


def test_nanchang_sees_only_its_counties(shared_client_as: Callable[[str], TestClient]) -> None:
    c = shared_client_as("nanchang")
    county = c.get("/api/accounts/1/summary?level=county").json()
    assert _adcodes(county) == NANCHANG_COUNTIES
    city = c.get("/api/accounts/1/summary?level=city").json()
    assert _adcodes(city) == {360100}
    assert city[0]["gep_cny"] == pytest.approx(sum(r["gep_cny"] for r in county))
    listed = {a["id"]: a["gep_cny"] for a in c.get("/api/accounts").json()}
    assert listed[1] == pytest.approx(city[0]["gep_cny"])
    regions = c.get("/api/regions").json()
    assert _above_townships(regions) == NANCHANG_COUNTIES | {360100}
    assert _township_counties(regions) == NANCHANG_COUNTIES
    trend = c.get("/api/trend").json()
    assert [p["year"] for p in trend] == [2022, 2023]
    assert trend[0]["gep_cny"] == pytest.approx(city[0]["gep_cny"])


def test_province_viewer_and_office_see_everything(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    office = shared_client_as("office").get("/api/accounts/1/summary?level=county").json()
    jiangxi = shared_client_as("jiangxi").get("/api/accounts/1/summary?level=county").json()
    assert len(office) == 100 and office == jiangxi
    total = shared_client_as("admin").get("/api/accounts").json()[0]["gep_cny"]
    assert sum(r["gep_cny"] for r in office) == pytest.approx(total, rel=1e-9)
    prov = shared_client_as("jiangxi").get("/api/accounts/1/summary?level=province").json()
    assert _adcodes(prov) == {360000} and prov[0]["gep_cny"] == pytest.approx(total, rel=1e-9)


def test_principal_containment() -> None:
    h = hierarchy()
    assert h.ancestors(WUYUAN) == [WUYUAN, 361100, 360000]
    county = Principal(1, "w", "viewer", None, WUYUAN)
    city = Principal(2, "n", "viewer", None, 360100)
    province = Principal(3, "j", "viewer", None, 360000)
    reporter = Principal(4, "f", "reporter", "forestry", None)
    office = Principal(5, "o", "office", None, None)
    assert county.visible_counties() == {WUYUAN}
    assert county.can_see(WUYUAN) and not county.can_see(361100) and not county.can_see(360000)
    assert city.visible_counties() == NANCHANG_COUNTIES
    assert city.can_see(360100) and city.can_see(360124) and not city.can_see(WUYUAN)
    assert len(province.visible_counties()) == 100 and not province.can_see(110101)
    assert reporter.visible_counties() == province.visible_counties()
    assert office.can_see(110101) and len(office.visible_counties()) > 2000
    assert not Principal(6, "x", "viewer", None, None).visible_counties()
