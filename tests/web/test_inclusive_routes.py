"""``/api/inclusive``: the carbon-inclusive registry through the platform — a claim from
a reporter, reviewed by a reviewer (not by its submitter), issued, transferred and retired
by the office; a claim without its evidence, an over-transfer and a second retirement are
refused with their message; the public ledger needs no login and shows no participant;
every ledger change has its audit row; roles are enforced."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.carbon import inclusive as ci

Clients = Callable[[str], TestClient]


def _pseudonym(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _evidence(code: str) -> list[dict[str, str]]:
    return [
        {"item": e.item, "name": f"{e.item}.pdf", "sha256": _pseudonym(e.item)}
        for e in ci.methodology(code).evidence
    ]


def test_claim_review_issue_transfer_retire(client_as: Clients, anonymous: TestClient) -> None:
    office, reporter, reviewer = client_as("office"), client_as("forestry"), client_as("reviewer")
    # participants: by pseudonym (no key is set); a viewer may not register
    body = {"pseudonym": _pseudonym("v"), "kind": "village", "region_adcode": 360781,
            "consent_scope": "forest management data, for credits"}  # fmt: skip
    assert client_as("jiangxi").post("/api/inclusive/participants", json=body).status_code == 403
    village = office.post("/api/inclusive/participants", json=body).json()["id"]
    firm = office.post(
        "/api/inclusive/participants",
        json={**body, "pseudonym": _pseudonym("f"), "kind": "firm", "region_adcode": 360102},
    ).json()["id"]
    r = office.post("/api/inclusive/participants", json={**body, "identity": "3601"})
    assert r.status_code == 422 and "either the identity" in r.text

    claim = {"participant_id": village, "methodology": "FM", "asset_id": "parcel-1",
             "period_start": "2024-01-01", "period_end": "2024-12-31", "quantity": 2.5,
             "evidence": _evidence("FM")[:2]}  # fmt: skip
    r = reporter.post("/api/inclusive/submissions", json=claim)
    assert r.status_code == 422 and "lacks its evidence" in r.text and "验收报告" in r.text
    r = reporter.post("/api/inclusive/submissions", json={**claim, "evidence": _evidence("FM")})
    assert r.status_code == 201, r.text
    sid, kg = r.json()["id"], r.json()["reduction_kg"]
    assert kg == 2500  # 2.5 hm²·a × 1 000 kg CO2e (synthetic factor)

    r = reviewer.post(f"/api/inclusive/submissions/{sid}/review",
                      json={"approve": True, "reason": "plan and acceptance match"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert reviewer.post(f"/api/inclusive/submissions/{sid}/issue").status_code == 403
    r = office.post(f"/api/inclusive/submissions/{sid}/issue")
    assert r.status_code == 201 and r.json()["first_serial"] == 1
    assert r.json()["last_serial"] == 2500 and r.json()["vintage"] == 2024

    t = {"from_participant": village, "to_participant": firm, "quantity": 3000}
    r = office.post("/api/inclusive/transfers", json=t)
    assert r.status_code == 422
    assert f"participant {village} holds 2500 credits and cannot transfer 3000" in r.text
    assert office.post("/api/inclusive/transfers", json={**t, "quantity": 1000}).status_code == 201
    ret = {"participant_id": firm, "purpose": "offset of the firm's 2024 travel",
           "first_serial": 1, "last_serial": 400}  # fmt: skip
    assert office.post("/api/inclusive/retirements", json=ret).status_code == 201
    r = office.post("/api/inclusive/retirements", json=ret)
    assert r.status_code == 422 and "already retired" in r.text
    r = office.get(f"/api/inclusive/participants/{firm}/balance")
    assert r.json()["credits"] == 600

    # the public view: no login, no participant, the retirement's serials and purpose
    pub = anonymous.get("/api/inclusive/public/ledger")
    assert pub.status_code == 200
    data = pub.json()
    assert (data["issued"], data["retired"], data["redeemed"]) == (2500, 400, 0)
    assert all("to_participant" not in e and "recorded_by" not in e for e in data["entries"])
    retirement = next(e for e in data["entries"] if e["kind"] == "retirement")
    assert retirement["serials"] == "CI-FM-V1-2024-360781-000000000001–000000000400"
    assert _pseudonym("v") not in pub.text and "office" not in pub.text
    assert anonymous.get("/api/inclusive/methodologies").status_code == 200
    assert anonymous.get("/api/inclusive/ledger").status_code == 401

    # every ledger change is audited
    audit = client_as("admin").get("/api/audit", params={"entity": "inclusive_ledger"})
    assert audit.status_code == 200, audit.text
    actions = [a["action"] for a in audit.json() if a["entity"] == "inclusive_ledger"]
    assert sorted(actions) == ["inclusive.issuance", "inclusive.retirement", "inclusive.transfer"]


def test_a_submitter_cannot_review_its_own_claim(client_as: Clients) -> None:
    office = client_as("office")
    pid = office.post("/api/inclusive/participants", json={
        "pseudonym": _pseudonym("p"), "kind": "person", "region_adcode": 360102,
        "consent_scope": "trips"})  # fmt: skip
    claim = {"participant_id": pid.json()["id"], "methodology": "PT", "asset_id": "card-1",
             "period_start": "2024-01-01", "period_end": "2024-06-30", "quantity": 100,
             "evidence": _evidence("PT")}  # fmt: skip
    sid = office.post("/api/inclusive/submissions", json=claim).json()["id"]
    r = office.post(
        f"/api/inclusive/submissions/{sid}/review", json={"approve": True, "reason": "x"}
    )
    assert r.status_code == 422 and "cannot review it" in r.text
    rows = client_as("reviewer").get("/api/inclusive/submissions").json()
    assert rows[0]["status"] == "submitted" and len(rows[0]["evidence"]) == 1


def test_exclusions_and_withdrawn_consent(client_as: Clients) -> None:
    office, reporter = client_as("office"), client_as("forestry")
    pid = office.post("/api/inclusive/participants", json={
        "pseudonym": _pseudonym("w"), "kind": "village", "region_adcode": 360781,
        "consent_scope": "forest data"}).json()["id"]  # fmt: skip
    ex = {"asset_id": "parcel-c", "kind": "inventory", "reference": "2024 inventory sink"}
    assert reporter.post("/api/inclusive/exclusions", json=ex).status_code == 403
    assert office.post("/api/inclusive/exclusions", json=ex).status_code == 201
    claim = {"participant_id": pid, "methodology": "FM", "asset_id": "parcel-c",
             "period_start": "2024-01-01", "period_end": "2024-12-31", "quantity": 1,
             "evidence": _evidence("FM")}  # fmt: skip
    r = reporter.post("/api/inclusive/submissions", json=claim)
    assert r.status_code == 422 and "counted in an inventory's sink" in r.text
    assert office.post(f"/api/inclusive/participants/{pid}/withdraw").status_code == 200
    r = reporter.post("/api/inclusive/submissions", json={**claim, "asset_id": "parcel-d"})
    assert r.status_code == 422 and "withdrew its consent" in r.text


def test_register_by_identity_with_the_registry_key(client_as: Clients, web_app: FastAPI) -> None:
    office = client_as("office")
    body = {"identity": "360102199001011234", "kind": "person", "region_adcode": 360102,
            "consent_scope": "trips"}  # fmt: skip
    r = office.post("/api/inclusive/participants", json=body)
    assert r.status_code == 422 and "GANPO_INCLUSIVE_KEY" in r.text
    key = "a-registry-key-of-32-characters!"
    web_app.state.settings = web_app.state.settings.model_copy(update={"inclusive_key": key})
    pid = office.post("/api/inclusive/participants", json=body).json()["id"]
    from ganpo.store import inclusive as store

    stored = store.participant(web_app.state.engine, pid).pseudonym
    assert stored == ci.pseudonym("360102199001011234", key.encode())
    again = office.post("/api/inclusive/participants", json=body)
    assert again.status_code == 422 and "already registered" in again.text
