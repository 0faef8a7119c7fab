"""The reporting API over HTTP, per role: forms, template, upload with every problem at
once, review, scope (403), size limit (413), state conflicts (409), readiness."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.worksheet.worksheet import Worksheet

from ganpo.io.manifest import load_manifest
from ganpo.io.roles import KEY_COLUMN, NAME_COLUMN, TABLE_ROLES
from ganpo.submissions.template import DATA_SHEET, fill_template

YEAR = 2022
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Clients = Callable[[str], TestClient]


def template(client: TestClient, key: str = "tourism") -> bytes:
    r = client.get(f"/api/reporting/forms/{key}/template", params={"year": YEAR})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == XLSX
    return r.content


def data_sheet(workbook: bytes) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(workbook))[DATA_SHEET]


def upload(
    client: TestClient, data: bytes, name: str = "tourism.xlsx", key: str = "tourism"
) -> Any:
    return client.post(
        f"/api/reporting/forms/{key}/upload",
        params={"year": YEAR},
        files={"file": (name, data, XLSX)},
    )


def good(code: object, key: str) -> Any:
    return {"visits": 10.0, "tourism_revenue": 1.5}.get(key)


def filled(client: TestClient, values: Callable[[object, str], Any] = good) -> bytes:
    """The tourism template, downloaded now by ``client``, with ``values`` in it."""
    return fill_template(template(client), values)


def test_forms_are_scoped_to_the_reporters_department(client_as: Clients) -> None:
    tourism = client_as("tourism")
    forms = tourism.get("/api/reporting/forms", params={"year": YEAR}).json()
    assert {f["department"] for f in forms} == {"tourism"}
    assert forms[0]["key"] == "tourism" and forms[0]["submission"] is None
    assert [c["key"] for c in forms[0]["columns"]] == list(TABLE_ROLES["tourism"].columns)
    office = client_as("office").get("/api/reporting/forms", params={"year": YEAR}).json()
    assert {f["key"] for f in office} >= set(TABLE_ROLES)
    # another department's template, a viewer: refused
    assert (
        tourism.get("/api/reporting/forms/forestry/template", params={"year": YEAR}).status_code
        == 403
    )
    viewer = client_as("nanchang")
    assert viewer.get("/api/reporting/forms", params={"year": YEAR}).status_code == 403
    assert viewer.get("/api/reporting/submissions").status_code == 403


def test_template_download_has_the_declared_columns_and_counties(
    client_as: Clients, demo_platform: Any
) -> None:
    tourism = client_as("tourism")
    ws = data_sheet(template(tourism))
    assert [c.value for c in ws[2]] == [KEY_COLUMN, NAME_COLUMN, *TABLE_ROLES["tourism"].columns]
    counties = [r[0].value for r in ws.iter_rows(min_row=6) if r[0].value is not None]
    ds = load_manifest(demo_platform.manifest)
    entry = ds.manifest.table("tourism", YEAR)
    assert entry is not None
    base = [int(line.split(",")[0]) for line in ds.path(entry).read_text("utf-8").splitlines()[1:]]
    assert counties == sorted(base) and len(counties) == 100
    r = tourism.get("/api/reporting/forms/tourism/template", params={"year": YEAR, "format": "csv"})
    assert r.status_code == 200 and r.text.lstrip("\ufeff").startswith(
        "county_adcode,county_name,visits"
    )


def test_the_reporting_round_trip(client_as: Clients) -> None:
    tourism, reviewer, forestry = client_as("tourism"), client_as("reviewer"), client_as("forestry")
    blank = template(tourism)
    first = [int(r[0].value) for r in data_sheet(blank).iter_rows(min_row=6, max_row=7)]

    def with_errors(code: object, key: str) -> Any:
        if code == first[0] and key == "visits":
            return "n/a"
        if code == first[1] and key == "tourism_revenue":
            return "=B7*2"
        return good(code, key)

    r = upload(tourism, fill_template(blank, with_errors), "../../evil.xlsx")
    assert r.status_code == 422
    body = r.json()
    assert "2 problem(s)" in body["detail"]
    assert [(p["row"], p["column"], p["value"]) for p in body["problems"]] == [
        (6, "visits", "n/a"),
        (7, "tourism_revenue", "=B7*2"),
    ]
    assert (
        "不是数字" in body["problems"][0]["reason"]
        and "not a number" in body["problems"][0]["reason"]
    )
    assert tourism.get("/api/reporting/submissions", params={"year": YEAR}).json() == []

    # a reporter of another department cannot upload this form
    assert upload(forestry, filled(tourism)).status_code == 403
    r = upload(tourism, filled(tourism), "../../evil.xlsx")
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert sub["state"] == "draft" and sub["versions"][0]["original_name"] == "evil.xlsx"
    sid = sub["id"]
    assert forestry.get(f"/api/reporting/submissions/{sid}").status_code == 403
    assert forestry.post(f"/api/reporting/submissions/{sid}/submit").status_code == 403
    assert reviewer.post(f"/api/reporting/submissions/{sid}/approve").status_code == 409  # a draft
    assert tourism.post(f"/api/reporting/submissions/{sid}/submit").status_code == 200
    assert upload(tourism, filled(tourism)).status_code == 409  # under review
    assert tourism.post(f"/api/reporting/submissions/{sid}/approve").status_code == 403
    r = reviewer.post(f"/api/reporting/submissions/{sid}/return", json={"comment": "revenue?"})
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert (
        reviewer.post(f"/api/reporting/submissions/{sid}/return", json={"comment": ""}).status_code
        == 422
    )
    r = upload(tourism, filled(tourism, lambda c, k: good(c, k) and good(c, k) * 2))
    assert r.status_code == 201 and r.json()["submission"]["current_version"] == 2
    tourism.post(f"/api/reporting/submissions/{sid}/submit")
    r = reviewer.post(f"/api/reporting/submissions/{sid}/approve", json={"comment": "ok"})
    assert r.status_code == 200 and r.json()["state"] == "approved"
    got = tourism.get(f"/api/reporting/submissions/{sid}").json()
    assert [v["state"] for v in got["versions"]] == ["returned", "approved"]
    assert [e["comment"] for e in got["events"] if e["action"] == "return"] == ["revenue?"]
    r = tourism.get(f"/api/reporting/submissions/{sid}/versions/1/file")
    assert r.status_code == 200 and r.text.startswith(
        "county_adcode,county_name,visits,tourism_revenue"
    )
    assert "东湖区,10,1.5" in r.text
    assert tourism.get(f"/api/reporting/submissions/{sid}/versions/9/file").status_code == 404
    assert tourism.get("/api/reporting/submissions/999").status_code == 404
    audit = client_as("admin").get("/api/audit", params={"entity": "report_submission"})
    assert audit.status_code == 200
    rows = [a for a in audit.json() if a["entity_id"] == str(sid)]
    assert [a["action"] for a in reversed(rows)] == [
        "report.upload", "report.submit", "report.return", "report.upload", "report.submit",
        "report.approve",
    ]  # fmt: skip
    assert rows[0]["actor"] == "reviewer" and rows[0]["before"]["state"] == "submitted"


def test_oversized_uploads_are_refused(client_as: Clients, web_app: Any) -> None:
    web_app.state.settings.max_upload_mb = 1
    tourism = client_as("tourism")
    r = upload(tourism, b"county_adcode\n" + b"1" * (2 * 1024 * 1024), "big.csv")
    assert r.status_code == 413 and "1 MB" in r.json()["detail"]
    # a body without a length (chunked) could be endless: refused before reading
    chunks = iter([b"--x\r\n", b"1" * 1000])
    r = tourism.post(
        "/api/reporting/forms/tourism/upload",
        params={"year": YEAR},
        content=chunks,
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 411


def test_run_needs_approved_forms_and_readiness_says_which(client_as: Clients) -> None:
    office = client_as("office")
    r = office.get("/api/reporting/readiness", params={"year": YEAR})
    assert r.status_code == 200 and not r.json()["ready"]
    assert "tourism" in r.json()["blocking"]
    r = office.post("/api/accounts/run", json={"year": YEAR})
    assert r.status_code == 409 and "tourism" in r.json()["detail"]
    r = office.post("/api/reporting/adopt-base", json={"year": YEAR})
    assert r.status_code == 200 and {s["form"] for s in r.json()} >= {"tourism", "ecosystem_type"}
    assert all(s["state"] == "approved" for s in r.json())
    assert office.get("/api/reporting/readiness", params={"year": YEAR}).json()["ready"]
    assert (
        client_as("reviewer").post("/api/reporting/adopt-base", json={"year": YEAR}).status_code
        == 403
    )
    assert (
        client_as("tourism").get("/api/reporting/readiness", params={"year": YEAR}).status_code
        == 403
    )


@pytest.mark.parametrize("user", ["nanchang", "wuyuan", "jiangxi"])
def test_viewers_have_no_access(client_as: Clients, user: str) -> None:
    viewer = client_as(user)
    assert viewer.get("/api/reporting/departments").status_code == 403
    assert upload(viewer, b"county_adcode\n", "x.csv").status_code == 403
    assert viewer.post("/api/reporting/adopt-base", json={"year": YEAR}).status_code == 403


def test_anonymous_and_csrf(anonymous: TestClient, client_as: Clients) -> None:
    assert anonymous.get("/api/reporting/forms", params={"year": YEAR}).status_code == 401
    tourism = client_as("tourism")
    del tourism.headers["X-CSRF-Token"]
    assert upload(tourism, b"county_adcode\n", "x.csv").status_code == 403


@pytest.mark.slow
def test_an_account_run_records_the_versions_it_used(client_as: Clients) -> None:
    import time

    tourism, reviewer, office = client_as("tourism"), client_as("reviewer"), client_as("office")
    sid = upload(tourism, filled(tourism)).json()["submission"]["id"]
    tourism.post(f"/api/reporting/submissions/{sid}/submit")
    reviewer.post(f"/api/reporting/submissions/{sid}/approve")
    office.post("/api/reporting/adopt-base", json={"year": YEAR})
    r = office.post("/api/accounts/run", json={"year": YEAR})
    assert r.status_code == 202, r.text
    job = r.json()["job_id"]
    deadline = time.monotonic() + 300
    while (state := office.get(f"/api/jobs/{job}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["state"] == "done", state
    used = office.get(f"/api/reporting/accounts/{state['account_id']}/submissions").json()
    assert {"form": "tourism", "year": YEAR, "department": "tourism", "submission_id": sid,
            "version": 1} in used  # fmt: skip
    assert {u["form"] for u in used} >= {"ecosystem_type", "precipitation", "water", "lakes"}
    # the recreation value follows the approved table: revenue 1.5 × 10^8 CNY in every county
    rows = office.get(f"/api/accounts/{state['account_id']}/indicators").json()
    rec = [x for x in rows if x["indicator"] == "recreation"]
    assert len(rec) == 1 and rec[0]["value_cny"] == pytest.approx(100 * 1.5e8, rel=1e-9)
