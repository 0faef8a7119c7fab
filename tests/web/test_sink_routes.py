"""``/api/inclusive/sinks`` on the tiny account: the office sets up a forest sink project
on a register parcel and issues its 2022 vintage (13.2 t CO2 measured, 10 560 credits),
verified by another user; a project on a parcel not in the register, a self-verified or a
second issuance are refused with their message; the public view needs no login and names
no owner; other roles may not issue."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ganpo.apply.register import deposit_parcel
from ganpo.store.repository import open_store
from ganpo.web.app import create_app
from ganpo.web.seed import seed_demo_users
from ganpo.web.settings import Settings

sys.path.insert(0, str(Path(__file__).parents[1] / "apply"))  # the asset tests' helpers
from assets_support import ALBERS, cell_box, tiny_store

from inclusive_support import person


def login(client: TestClient, username: str) -> TestClient:
    """Log a demo user in (cookie) and set its CSRF header."""
    r = client.post("/api/auth/login", json={"username": username, "password": f"{username}-demo"})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


@pytest.fixture
def app_on_tiny(tmp_path: Path) -> Iterator[tuple[TestClient, TestClient, int]]:
    ts = tiny_store(tmp_path, draws=0)
    engine = open_store(ts.url)
    seed_demo_users(engine)
    deposit_parcel(
        engine, ts.account_id, cell_box(0.5, 0, 2, 2), ALBERS, code="P1", name="林地",
        rights_type="ownership", actor="t", owner="村集体",
    )  # fmt: skip
    owner = person(engine, "village-1", "village")
    engine.dispose()
    settings = Settings(
        database=ts.url.removeprefix("sqlite:///"),
        data_dir=ts.manifest.parent,
        work_dir=tmp_path / "work",
    )
    app = create_app(settings)
    with TestClient(app) as office, TestClient(app) as reviewer:
        yield login(office, "office"), login(reviewer, "reviewer"), owner
    app.state.jobs.shutdown()
    app.state.engine.dispose()


def test_sink_project_issue_and_public_view(
    app_on_tiny: tuple[TestClient, TestClient, int],
) -> None:
    office, reviewer, owner = app_on_tiny
    body = {"code": "S1", "name": "示范林", "kind": "forest", "owner_participant": owner,
            "parcels": ["P1", "NOPE"], "vintages": [2022]}  # fmt: skip
    r = office.post("/api/inclusive/sinks", json=body)
    assert r.status_code == 422 and "parcel NOPE is not in the asset register" in r.text
    assert reviewer.post("/api/inclusive/sinks", json=body).status_code == 403
    r = office.post("/api/inclusive/sinks", json={**body, "parcels": ["P1"]})
    assert r.status_code == 201, r.text

    issue = {"vintage": 2022, "verified_by": "office", "reason": "measured"}
    r = office.post("/api/inclusive/sinks/S1/issue", json=issue)
    assert r.status_code == 422 and "cannot verify the issuance it makes" in r.text
    assert reviewer.post("/api/inclusive/sinks/S1/issue", json=issue).status_code == 403
    r = office.post("/api/inclusive/sinks/S1/issue", json={**issue, "verified_by": "reviewer"})
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["credits"] == 10_560 and got["measured_t_co2"] == pytest.approx(13.2, rel=1e-6)
    assert got["serials"] == "CI-FWS-V1-2022-360101-000000000001–000000010560"
    r = office.post("/api/inclusive/sinks/S1/issue", json={**issue, "verified_by": "reviewer"})
    assert r.status_code == 422 and "issued for 2022 already" in r.text

    with TestClient(office.app) as anonymous:
        pub = anonymous.get("/api/inclusive/public/sinks")
        assert pub.status_code == 200
        (row,) = pub.json()["projects"]
        assert (row["project"], row["vintage"], row["issued"]) == ("S1", 2022, 10_560)
        assert row["parcels"] == ["P1"] and "owner" not in str(row)
        ledger = anonymous.get("/api/inclusive/public/ledger").json()
        assert ledger["issued"] == 10_560
