"""The monitoring series through the platform: a department reports its indicator on the
reporting page, a reviewer approves it, the office records it (``POST
/api/tracking/series/reported``, audited), and the targets page then grades the stored
values with the form as their source (issue 18 point 2)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

Clients = Callable[[str], TestClient]


def _csv(year: int, value: float) -> bytes:
    return (
        "unit_code,year,value,unit,source,note\n"
        f"360000,{year},{value},%,《{year}年国土绿化公报》,\n"
    ).encode()


def _report(forestry: TestClient, reviewer: TestClient, year: int, value: float) -> None:
    r = forestry.post(
        "/api/reporting/forms/tracking_forest_cover/upload",
        params={"year": year},
        files={"file": ("cover.csv", _csv(year, value), "text/csv")},
    )
    assert r.status_code in (200, 201), r.text
    sid = r.json()["submission"]["id"]
    assert forestry.post(f"/api/reporting/submissions/{sid}/submit").status_code == 200
    assert reviewer.post(f"/api/reporting/submissions/{sid}/approve").status_code == 200


def test_reported_values_enter_the_series_and_the_status(client_as: Clients) -> None:
    forestry, reviewer, office = client_as("forestry"), client_as("reviewer"), client_as("office")
    forms = forestry.get("/api/reporting/forms", params={"year": 2023}).json()
    assert "tracking_forest_cover" in {f["key"] for f in forms}
    # nothing approved yet: nothing to record
    r = office.post("/api/tracking/series/reported", params={"year": 2023})
    assert r.status_code == 422 and "no approved monitoring form of 2023" in r.text
    _report(forestry, reviewer, 2023, 63.1)
    _report(forestry, reviewer, 2024, 63.35)

    assert forestry.post("/api/tracking/series/reported", params={"year": 2023}).status_code == 403
    for year in (2023, 2024):
        r = office.post("/api/tracking/series/reported", params={"year": year})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["added"], body["revised"]) == (1, 0)
        assert body["used_zh"] == ["目标监测：森林覆盖率"]
    again = office.post("/api/tracking/series/reported", params={"year": 2024}).json()
    assert (again["added"], again["unchanged"]) == (0, 1)

    # the page grades the stored series now: the 2024 floor of 63.1 % is met by 63.35 %
    status = office.get("/api/tracking/status").json()
    row = next(r for r in status["rows"] if r["target"] == "forest-cover-2024-2026")
    assert (row["year"], row["actual"], row["status"]) == (2024, 63.35, "achieved")
    assert "林业局报表" in status["sources"][row["source"] - 1]
    log = client_as("admin").get("/api/audit", params={"entity": "tracking_series"})
    assert log.status_code == 200, log.text
    assert [e["action"] for e in log.json()] == ["tracking_series.reported"] * 3
