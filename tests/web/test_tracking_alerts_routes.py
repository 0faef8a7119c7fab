"""``/api/tracking/alerts``: the alerts of the decision's targets, as
:func:`ganpo.tracking.alerts.tracking_alerts` derives them, that are the caller's: a
department's reporter its department's only, every caller only the units it may see."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from ganpo.tracking.alerts import tracking_alerts
from ganpo.tracking.decision import register

Clients = Callable[[str], TestClient]
JIANGXI, NANCHANG, GANZHOU = 360000, 360100, 360700
Q = "/api/tracking/alerts?as_of=2026"


def keys(body: dict[str, object]) -> list[str]:
    return [str(a["key"]) for a in body["alerts"]]  # type: ignore[index,union-attr]


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    assert anonymous.get("/api/tracking/alerts").status_code == 401


def test_the_office_sees_every_alert_of_the_domain(shared_client_as: Clients) -> None:
    body = shared_client_as("office").get(Q).json()
    expected = tracking_alerts(register(), as_of=2026)
    assert keys(body) == [a.key for a in expected] and len(expected) >= 3
    assert body["as_of"] == 2026 and body["department"] is None
    first = body["alerts"][0]
    assert first["level"] == "red" and first["department_zh"] and first["message_en"]
    # a department asked: only its alerts
    forestry = shared_client_as("office").get(Q + "&department=forestry").json()
    assert keys(forestry) == [a.key for a in expected if a.department == "forestry"]


def test_a_reporter_gets_its_departments_alerts_only(shared_client_as: Clients) -> None:
    client = shared_client_as("forestry")
    body = client.get(Q).json()
    assert body["department"] == "forestry"
    assert {a["department"] for a in body["alerts"]} == {"forestry"}
    # Ganzhou's forest cover at risk; Nanchang's and Ganzhou's 2024 values missing
    assert {(a["unit_code"], a["kind"]) for a in body["alerts"]} == {
        (GANZHOU, "status"),
        (NANCHANG, "missing"),
        (GANZHOU, "missing"),
    }
    refused = client.get(Q + "&department=ecology")
    assert refused.status_code == 403 and "本部门" in refused.json()["detail"]
    # the tourism reporter: its department has no indicator of the decision
    assert shared_client_as("tourism").get(Q).json()["alerts"] == []


def test_a_viewer_gets_its_regions_alerts_only(shared_client_as: Clients) -> None:
    nanchang = shared_client_as("nanchang").get(Q).json()
    assert {a["unit_code"] for a in nanchang["alerts"]} == {NANCHANG}
    assert shared_client_as("wuyuan").get(Q).json()["alerts"] == []
    province = shared_client_as("jiangxi").get(Q).json()
    assert {a["unit_code"] for a in province["alerts"]} == {JIANGXI, NANCHANG, GANZHOU}


def test_bad_input_is_named(shared_client_as: Clients) -> None:
    r = shared_client_as("admin").get(Q + "&department=police")
    assert r.status_code == 422 and "forestry" in r.json()["detail"]
    assert shared_client_as("admin").get("/api/tracking/alerts?as_of=3000").status_code == 422


def test_no_server_path_in_the_answer(shared_client_as: Clients) -> None:
    text = json.dumps(shared_client_as("admin").get(Q).json(), ensure_ascii=False)
    assert ".toml" not in text and "/catalog/" not in text


def test_the_department_acknowledges_its_alert_once(client_as: Clients, web_app: object) -> None:
    from ganpo.store import platform

    key = "ganzhou-forest-cover-2026:at_risk:2025"
    url = f"/api/tracking/alerts/{key}/ack"
    forestry = client_as("forestry")
    r = forestry.post(url, json={"note": "已部署补植 planting arranged"})
    assert r.status_code == 201, r.text
    assert (r.json()["acknowledged_by"], r.json()["ack_note"]) == (
        "forestry",
        "已部署补植 planting arranged",
    )
    again = forestry.post(url, json={})
    assert again.status_code == 422 and "acknowledged already by forestry" in again.text
    shown = {a["key"]: a for a in forestry.get(Q).json()["alerts"]}
    assert shown[key]["acknowledged_by"] == "forestry" and shown[key]["acknowledged_at"]
    # the others of the department stay to acknowledge
    assert [k for k, a in shown.items() if a["acknowledged_by"] is None]
    engine = web_app.state.engine  # type: ignore[attr-defined]
    rows = platform.list_audit(engine, action="tracking_alert.ack")
    assert [(a.actor, a.entity_id) for a in rows] == [("forestry", key)]
    # another department's reporter: not its alert; viewers and the office: not theirs to
    # acknowledge; an unknown or malformed key
    assert client_as("tourism").post(url, json={}).status_code == 404
    assert client_as("jiangxi").post(url, json={}).status_code == 403
    assert client_as("office").post(url, json={}).status_code == 403
    bad = forestry.post("/api/tracking/alerts/gep-2026:at_risk:2031/ack", json={})
    assert bad.status_code == 404
    assert forestry.post("/api/tracking/alerts/DROP TABLE/ack", json={}).status_code in (404, 422)
    # an admin may acknowledge for a department
    other = "gep-2026:at_risk:2025"
    r = client_as("admin").post(f"/api/tracking/alerts/{other}/ack", json={})
    assert r.status_code == 201 and r.json()["department"] == "development_reform"
