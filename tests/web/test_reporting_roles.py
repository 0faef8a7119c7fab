"""Each role against each reporting endpoint (统计报表), on one forestry submission.

Expected: viewers are refused everything (403, even for an unknown submission id); a
reporter reads and fills only its own department's forms; reviewers (reviewer, office,
admin) read everything, return and approve; only the office and the administrator fill
on a department's behalf, adopt base data and reopen approved forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

YEAR = 2022
USERS = ("admin", "office", "forestry", "tourism", "reviewer", "nanchang", "wuyuan", "jiangxi")
VIEWERS = ("nanchang", "wuyuan", "jiangxi")
REVIEWERS = ("admin", "office", "reviewer")
Clients = Callable[[str], TestClient]


def _codes(clients: dict[str, TestClient], call: Callable[[TestClient], Any]) -> dict[str, int]:
    return {u: call(c).status_code for u, c in clients.items()}


def _expect(allowed: tuple[str, ...], ok: int, denied: int = 403) -> dict[str, int]:
    return {u: (ok if u in allowed else denied) for u in USERS}


def _csv(client: TestClient) -> bytes:
    r = client.get("/api/reporting/forms/forestry/template", params={"year": YEAR, "format": "csv"})
    assert r.status_code == 200, r.text
    lines = r.text.lstrip("\ufeff").splitlines()
    header, rows = lines[0], [ln for ln in lines[1:] if ln and ln[0].isdigit()]
    assert header.startswith("county_adcode,county_name,")
    filled = [",".join([*ln.split(",")[:2], "10", "2"]) for ln in rows]
    return ("\n".join([header, *filled]) + "\n").encode("utf-8")


def _upload(client: TestClient, body: bytes) -> Any:
    return client.post(
        "/api/reporting/forms/forestry/upload",
        params={"year": YEAR},
        files={"file": ("forestry.csv", body, "text/csv")},
    )


def test_every_role_against_every_reporting_endpoint(client_as: Clients) -> None:
    c = {u: client_as(u) for u in USERS}
    everyone_reporting = ("admin", "office", "reviewer", "forestry", "tourism")
    forestry_side = ("admin", "office", "reviewer", "forestry")

    # reads without a submission
    assert _codes(c, lambda x: x.get("/api/reporting/departments")) == _expect(
        everyone_reporting, 200
    )
    assert _codes(c, lambda x: x.get("/api/reporting/forms", params={"year": YEAR})) == _expect(
        everyone_reporting, 200
    )
    template = "/api/reporting/forms/forestry/template"
    assert _codes(c, lambda x: x.get(template, params={"year": YEAR})) == _expect(
        forestry_side, 200
    )
    assert _codes(c, lambda x: x.get("/api/reporting/submissions")) == _expect(
        everyone_reporting, 200
    )
    assert _codes(c, lambda x: x.get("/api/reporting/readiness", params={"year": YEAR})) == _expect(
        REVIEWERS, 200
    )
    assert _codes(c, lambda x: x.get("/api/reporting/accounts/1/submissions")) == _expect(
        REVIEWERS, 200
    )
    # an unknown submission: 404 to those who may read submissions, 403 to the others
    assert _codes(c, lambda x: x.get("/api/reporting/submissions/999")) == _expect(
        everyone_reporting, 404
    )

    # uploads: a broken file is refused with 422 to those who may fill, 403 to the others
    # (nothing is stored for either)
    assert _codes(c, lambda x: _upload(x, b"county_adcode\n1,2,3\n")) == _expect(
        ("admin", "office", "forestry"), 422
    )
    body = _csv(c["forestry"])
    r = _upload(c["forestry"], body)
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]["id"]
    sub = f"/api/reporting/submissions/{sid}"

    # reads of the submission
    assert _codes(c, lambda x: x.get(sub)) == _expect(forestry_side, 200)
    assert _codes(c, lambda x: x.get(f"{sub}/versions/1/file")) == _expect(forestry_side, 200)
    assert _codes(c, lambda x: x.get(f"{sub}/versions/1/file?which=upload")) == _expect(
        forestry_side, 200
    )
    listed = c["tourism"].get("/api/reporting/submissions").json()
    assert sid not in {s["id"] for s in listed}  # another department's: not listed

    # submit: only those who may fill (the others are refused before any state check)
    denied = [u for u in USERS if u not in ("admin", "office", "forestry")]
    assert {u: c[u].post(f"{sub}/submit").status_code for u in denied} == dict.fromkeys(denied, 403)
    assert c["forestry"].post(f"{sub}/submit").status_code == 200

    # return / approve: reviewers only
    not_reviewers = [u for u in USERS if u not in REVIEWERS]
    comment = {"comment": "check row 3"}
    got = {u: c[u].post(f"{sub}/return", json=comment).status_code for u in not_reviewers}
    assert got == dict.fromkeys(not_reviewers, 403)
    got = {u: c[u].post(f"{sub}/approve").status_code for u in not_reviewers}
    assert got == dict.fromkeys(not_reviewers, 403)
    assert c["forestry"].get(sub).json()["state"] == "submitted"  # nothing changed
    assert c["reviewer"].post(f"{sub}/approve").status_code == 200
    # reopening an approved form: the office and the administrator, not the reviewer
    assert c["reviewer"].post(f"{sub}/return", json=comment).status_code == 403
    assert c["office"].post(f"{sub}/return", json=comment).status_code == 200

    # adopting base data: the office and the administrator only
    adopt = {"year": YEAR, "forms": ["tourism"]}
    others = [u for u in USERS if u not in ("admin", "office")]
    got = {u: c[u].post("/api/reporting/adopt-base", json=adopt).status_code for u in others}
    assert got == dict.fromkeys(others, 403)
    assert c["office"].post("/api/reporting/adopt-base", json=adopt).status_code == 200

    # every change above is in the audit log with the state before and after
    audit = c["admin"].get("/api/audit", params={"entity": "report_submission"}).json()
    mine = [a for a in audit if a["entity_id"] == str(sid)]
    assert [a["action"] for a in reversed(mine)] == [
        "report.upload",
        "report.submit",
        "report.approve",
        "report.return",
    ]
    for row in mine[:-1]:
        assert row["before"] is not None and row["after"] is not None
        assert row["before"]["state"] != row["after"]["state"]
