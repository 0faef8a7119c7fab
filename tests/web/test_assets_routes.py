"""/api/assets: site valuation, register CRUD by role, county scoping, evidence packs.

The web demo platform (tests/web/conftest.py) stores accounts without value rasters; this
module adds the 2023 demo account with its rasters (account 3) to a copy of its store.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.engine.account import run_account
from ganpo.store.repository import open_store, save_account
from ganpo.web.app import Settings, create_app

EXAMPLES = Path(str(files("ganpo.catalog") / "data" / "credit" / "examples"))
WUYUAN = 361130


def _examples() -> list[dict[str, Any]]:
    data = json.loads((EXAMPLES / "wuyuan_parcels_synthetic.geojson").read_text("utf-8"))
    return list(data["features"])


def login(client: TestClient, username: str) -> TestClient:
    r = client.post("/api/auth/login", json={"username": username, "password": f"{username}-demo"})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


NANCHANG_BOX = {  # inside Nanchang's Xinjian district (360112)
    "type": "Polygon",
    "coordinates": [
        [[115.70, 28.75], [115.74, 28.75], [115.74, 28.78], [115.70, 28.78], [115.70, 28.75]]
    ],
}


@pytest.fixture(scope="module")
def assets_app(
    demo_platform: Any,  # tests/web/conftest.py::demo_platform
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FastAPI, int]]:
    folder = tmp_path_factory.mktemp("assets-platform")
    database = folder / "ganpo.sqlite"
    shutil.copy(demo_platform.database, database)
    engine = open_store(str(database))
    acc = run_account(demo_platform.manifest, 2023, rasters_dir=folder / "rasters")
    account_id = save_account(engine, acc)
    engine.dispose()
    app = create_app(
        Settings(database=str(database), data_dir=demo_platform.data_dir, work_dir=folder / "work")
    )
    yield app, account_id
    app.state.jobs.shutdown()
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def as_user(assets_app: tuple[FastAPI, int]) -> Iterator[Callable[[str], TestClient]]:
    clients: dict[str, TestClient] = {}

    def get(username: str) -> TestClient:
        if username not in clients:
            clients[username] = login(TestClient(assets_app[0]), username)
        return clients[username]

    yield get
    for c in clients.values():
        c.close()


def test_value_a_polygon_and_scope(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    _, aid = assets_app
    body = {
        "account_id": aid,
        "geometry": _examples()[0]["geometry"],
        "discount_rate": 0.05,
        "horizon_years": 3,
    }
    r = as_user("wuyuan").post("/api/assets/vep", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["asset_value_cny"] == pytest.approx(
        data["flow_cny_per_year"] * (1 + 1 / 1.05 + 1 / 1.05**2)
    )
    assert data["counties"][0]["county_adcode"] == WUYUAN
    assert {f["indicator"] for f in data["flows"]} >= {"water_conservation", "climate_regulation"}
    # a Nanchang viewer may not value land in Wuyuan
    assert as_user("nanchang").post("/api/assets/vep", json=body).status_code == 403
    far = {
        **body,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[100, 40], [100.1, 40], [100.1, 40.1], [100, 40]]],
        },
    }
    r = as_user("office").post("/api/assets/vep", json=far)
    assert r.status_code == 422 and "outside the account's region" in r.json()["detail"]
    assert TestClient(assets_app[0]).post("/api/assets/vep", json=body).status_code == 401


def test_upload_a_file(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    _, aid = assets_app
    content = (EXAMPLES / "wuyuan_parcels_synthetic.geojson").read_bytes()
    r = as_user("office").post(
        f"/api/assets/vep/upload?account_id={aid}",
        files={"file": ("parcels.geojson", content, "application/geo+json")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["area_ha"] > 0
    r = as_user("office").post(
        f"/api/assets/vep/upload?account_id={aid}",
        files={"file": ("x.exe", b"MZ", "application/octet-stream")},
    )
    assert r.status_code == 422


def test_register_roles_and_county_scope(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    _, aid = assets_app
    feats = _examples()

    def parcel(f: dict[str, Any], **kw: Any) -> dict[str, Any]:
        p = f["properties"]
        return {
            "account_id": aid,
            "code": p["code"],
            "name": p["name"],
            "owner": p["owner"],
            "rights_type": p["rights_type"],
            "geometry": f["geometry"],
            **kw,
        }

    # viewers and reporters may not deposit
    for user in ("wuyuan", "forestry", "reviewer"):
        assert as_user(user).post("/api/assets/parcels", json=parcel(feats[0])).status_code == 403
    r = as_user("office").post("/api/assets/parcels", json=parcel(feats[0]))
    assert r.status_code == 201, r.text
    assert r.json()["adcode"] == WUYUAN and r.json()["created_by"] == "office"
    r = as_user("admin").post("/api/assets/parcels", json=parcel(feats[1]))
    assert r.status_code == 201, r.text
    # an overlapping parcel is refused and nothing is stored
    overlap = parcel(feats[1], code="WY-OVERLAP")
    r = as_user("office").post("/api/assets/parcels", json=overlap)
    assert r.status_code == 422 and "overlaps registered parcel" in r.json()["detail"]
    nanchang = {**parcel(feats[2], code="NC-1"), "geometry": NANCHANG_BOX}
    assert as_user("office").post("/api/assets/parcels", json=nanchang).status_code == 201
    codes = lambda user: {p["code"] for p in as_user(user).get("/api/assets/parcels").json()}  # noqa: E731
    assert codes("wuyuan") == {"WY-2024-001", "WY-2024-002"}
    assert codes("nanchang") == {"NC-1"}
    assert codes("jiangxi") == codes("office") == {"WY-2024-001", "WY-2024-002", "NC-1"}
    assert as_user("nanchang").get("/api/assets/parcels/WY-2024-001").status_code == 404
    assert (
        as_user("wuyuan").get("/api/assets/parcels/WY-2024-001").json()["geometry_wgs84"]["type"]
        == "Polygon"
    )
    # packages and stored valuations
    r = as_user("office").post(
        "/api/assets/packages",
        json={"code": "PKG-WY", "name": "婺源包", "parcels": ["WY-2024-001", "WY-2024-002"]},
    )
    assert r.status_code == 201, r.text
    assert (
        as_user("wuyuan").post("/api/assets/value/PKG-WY", json={"account_id": aid}).status_code
        == 403
    )
    r = as_user("office").post("/api/assets/value/PKG-WY", json={"account_id": aid})
    assert r.status_code == 200, r.text
    assert r.json()["overlap_not_double_counted_cny"] == 0.0
    assert len(as_user("wuyuan").get("/api/assets/valuations/PKG-WY").json()) == 1
    assert as_user("nanchang").get("/api/assets/packages").json() == []
    assert as_user("nanchang").get("/api/assets/valuations/PKG-WY").status_code == 404
    # edits and the audit log
    r = as_user("office").patch("/api/assets/parcels/NC-1", json={"owner": "新权利人"})
    assert r.status_code == 200 and r.json()["owner"] == "新权利人"
    assert as_user("office").delete("/api/assets/parcels/NC-1").status_code == 204
    audit = as_user("admin").get("/api/audit").json()
    rows = audit["items"] if isinstance(audit, dict) else audit
    actions = [a["action"] for a in rows]
    assert "register.parcel.deposit" in actions and "register.parcel.delete" in actions


def test_evidence_pack(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    _, aid = assets_app
    feats = _examples()
    p = feats[2]["properties"]
    body = {
        "account_id": aid,
        "code": "EV-1",
        "name": p["name"],
        "owner": p["owner"],
        "rights_type": "use",
        "geometry": feats[2]["geometry"],
    }
    assert as_user("office").post("/api/assets/parcels", json=body).status_code == 201
    r = as_user("wuyuan").get(f"/api/assets/evidence/EV-1?format=json&account_id={aid}")
    assert r.status_code == 200, r.text
    assert "No loan amount" in r.json()["statement"]
    assert r.json()["score"]["grade"] in {"A", "B", "C", "D"}
    r = as_user("wuyuan").get(f"/api/assets/evidence/EV-1?account_id={aid}")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert as_user("nanchang").get("/api/assets/evidence/EV-1").status_code == 404


def test_damage_route(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    _, aid = assets_app
    area = json.loads((EXAMPLES / "wuyuan_damage_synthetic.geojson").read_text("utf-8"))
    body = {"account_id": aid, "geometry": area, "recovery_years": 4, "discount_interim": False}
    assert as_user("wuyuan").post("/api/assets/damage", json=body).status_code == 403
    r = as_user("office").post("/api/assets/damage", json=body)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["interim_loss_cny"] == pytest.approx(2.5 * d["baseline_flow_cny_per_year"])


def test_bad_valuation_numbers_answer_422(
    assets_app: tuple[FastAPI, int], as_user: Callable[[str], TestClient]
) -> None:
    """schemathesis found a 500 ("float division by zero") on POST /damage: a positive
    discount rate so small that 1 + r == 1 divided the NPV factor by zero."""
    _, aid = assets_app
    area = json.loads((EXAMPLES / "wuyuan_damage_synthetic.geojson").read_text("utf-8"))
    office = as_user("office")
    for rate in (5e-324, 1e-300):
        for path in ("/api/assets/damage", "/api/assets/vep"):
            r = office.post(path, json={"account_id": aid, "geometry": area, "discount_rate": rate})
            assert r.status_code == 422 and "discount rate" in r.json()["detail"], r.text
    # NaN / Infinity are accepted by Python's JSON reader: refused with a 422, not a 500
    text = json.dumps({"account_id": aid, "geometry": area}).replace(
        "{", '{"discount_rate": NaN, ', 1
    )
    r = office.post("/api/assets/vep", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["detail_en"] == (
        "discount rate must be a finite number, got nan"
    ), r.text
    assert r.json()["detail_zh"] == "折现率应为有限的数字，收到 nan", r.text
    r = office.post("/api/assets/vep", json={"account_id": 999, "geometry": area})
    assert r.status_code == 422 and "no account 999" in r.json()["detail"]
    assert office.delete("/api/assets/packages/NO-SUCH").status_code == 404
