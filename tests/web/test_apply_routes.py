"""/api/apply on the demo platform: roles, scopes (a county sees its own rows), bad input."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

Client = Callable[[str], TestClient]
WUYUAN = 361130

TRANSFER = {
    "rule": "jiangxi-key-zone-gep",
    "year": 2023,
    "budget_cny": 5_000_000_000.0,
    "factors_example": "transfer_factors_demo.csv",
}


def test_transfer_roles_and_county_scope(client_as: Client) -> None:
    office = client_as("office")
    r = office.post("/api/apply/transfers", json=TRANSFER)
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["rule_name"] == "jiangxi-key-zone-gep" and run["rule_version"] == 1
    assert run["account_ids"] == [2, 1] and run["created_by"] == "office"
    assert len(run["lines"]) == 100
    assert sum(line["amount_fen"] for line in run["lines"]) == 500_000_000_000

    wuyuan = client_as("wuyuan").get(f"/api/apply/transfers/{run['id']}").json()
    assert [line["county_adcode"] for line in wuyuan["lines"]] == [WUYUAN]
    nanchang = client_as("nanchang").get(f"/api/apply/transfers/{run['id']}").json()
    codes = {line["county_adcode"] for line in nanchang["lines"]}
    assert codes and all(str(c).startswith("3601") for c in codes)
    assert len(client_as("admin").get(f"/api/apply/transfers/{run['id']}").json()["lines"]) == 100

    viewer = client_as("wuyuan")
    assert viewer.post("/api/apply/transfers", json=TRANSFER).status_code == 403
    assert client_as("forestry").post("/api/apply/transfers", json=TRANSFER).status_code == 403
    assert viewer.get("/api/apply/transfers/999").status_code == 404


def test_infeasible_budget_is_422_and_stores_nothing(client_as: Client) -> None:
    office = client_as("office")
    r = office.post("/api/apply/transfers", json={**TRANSFER, "budget_cny": 99_000_000.0})
    assert r.status_code == 422
    assert "cannot pay the fixed minimums of the 100 counties" in r.json()["detail"]
    assert office.get("/api/apply/transfers").json() == []
    r = office.post(
        "/api/apply/transfers",
        json={
            **TRANSFER,
            "factors_example": None,
            "factors_csv": "county_adcode,x [1]\n360102,1\n",
        },
    )
    assert r.status_code == 422 and "factor table lacks column(s) fiscal_gap" in r.json()["detail"]
    r = office.post("/api/apply/transfers", json={**TRANSFER, "rule": "../../etc/passwd.toml"})
    assert r.status_code == 422 and "unknown stored rule" in r.json()["detail"]
    # the shipped rule is stored with its first allocation, not by a refused request
    rules = {x["name"]: x for x in office.get("/api/apply/rules").json()}
    assert rules["jiangxi-key-zone-gep"]["versions"] == []
    assert office.post("/api/apply/transfers/whatif", json=TRANSFER).status_code == 200
    rules = {x["name"]: x for x in office.get("/api/apply/rules").json()}
    assert rules["jiangxi-key-zone-gep"]["versions"] == []  # a what-if stores nothing
    assert office.post("/api/apply/transfers", json=TRANSFER).status_code == 201
    rules = {x["name"]: x for x in office.get("/api/apply/rules").json()}
    assert rules["jiangxi-key-zone-gep"]["versions"] == [1]


def test_whatif(client_as: Client) -> None:
    r = client_as("office").post(
        "/api/apply/transfers/whatif", json={**TRANSFER, "weights": {"gep_growth": 30.0}}
    )
    assert r.status_code == 200, r.text
    rows = r.json()
    assert len(rows) == 100
    assert abs(sum(row["change_cny"] for row in rows)) < 1e-6
    assert rows[0]["change_cny"] >= rows[-1]["change_cny"]


def test_settlement_and_ledger_scope(client_as: Client) -> None:
    office = client_as("office")
    for name, example in (
        ("lean-gep-flow", "monitoring_lean_2023.csv"),
        ("dongjiang-style", "monitoring_dongjiang_2023.csv"),
    ):
        r = office.post(
            "/api/apply/compensation/settle",
            json={"agreement": name, "year": 2023, "monitoring_example": example},
        )
        assert r.status_code == 201, r.text
    dj = r.json()
    assert dj["gaps"] == ["dingnan/tp: no data for month(s) 8 (11 of 12 months)"]
    assert dj["met"] is False and dj["amount_cny"] == 0.0
    assert len(office.get("/api/apply/compensation/ledger").json()) == 2
    # Wuyuan is an upstream party of the Le'an agreement only
    seen = client_as("wuyuan").get("/api/apply/compensation/ledger").json()
    assert [row["agreement"] for row in seen] == ["lean-gep-flow"]
    assert seen[0]["in_force"] is True and seen[0]["met"] is True
    assert client_as("nanchang").get("/api/apply/compensation/ledger").json() == []
    r = client_as("wuyuan").post(
        "/api/apply/compensation/settle", json={"agreement": "lean-gep-flow", "year": 2023}
    )
    assert r.status_code == 403


def test_assessment_scope(client_as: Client) -> None:
    r = client_as("office").post(
        "/api/apply/assessments",
        json={
            "year": 2023,
            "gdp_example": "gdp_demo.csv",
            "indicators_example": "gdi_indicators_demo.csv",
        },
    )
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    rows = client_as("wuyuan").get(f"/api/apply/assessments/{run_id}").json()["lines"]
    assert {row["county_adcode"] for row in rows} == {WUYUAN}
    main = next(row for row in rows if row["item"] == "assessment")
    assert 60.0 <= main["value"] <= 100.0 and main["detail"]["grade"]


def test_rules_api(client_as: Client) -> None:
    office = client_as("office")
    names = {r["name"] for r in office.get("/api/apply/rules").json()}
    assert {"jiangxi-key-zone-gep", "green-development-index"} <= names
    rule = office.get("/api/apply/rules/jiangxi-key-zone-gep").json()["rule"]
    rule["components"][0]["weight"] = 50.0
    r = office.post("/api/apply/rules", json=rule)
    assert r.status_code == 201 and r.json()["version"] == 1
    assert office.post("/api/apply/rules", json=rule).json()["version"] == 1  # unchanged
    rule["components"][1]["weight"] = 20.0
    assert office.post("/api/apply/rules", json=rule).json()["version"] == 2
    assert client_as("wuyuan").post("/api/apply/rules", json=rule).status_code == 403
    bad = {**rule, "indicators": ["no_such_service"]}
    r = office.post("/api/apply/rules", json=bad)
    assert r.status_code == 422 and "unknown GEP indicator(s) no_such_service" in r.json()["detail"]
    r = office.post("/api/apply/transfers", json={**TRANSFER, "rule_version": 1})
    assert r.status_code == 201 and r.json()["rule_version"] == 1


def test_hostile_inputs_answer_4xx(client_as: Client) -> None:
    office = client_as("office")
    cases = [
        ("/api/apply/transfers", {**TRANSFER, "budget_cny": 1e300}),
        ("/api/apply/transfers", {**TRANSFER, "account_id": 999}),
        (
            "/api/apply/transfers",
            {
                **TRANSFER,
                "factors_example": None,
                "factors_csv": "county_adcode,fiscal_gap [((]\n1,2\n",
            },
        ),
        (
            "/api/apply/transfers",
            {**TRANSFER, "factors_example": None, "factors_csv": "county_adcode\n1e30\n"},
        ),
        ("/api/apply/transfers", {**TRANSFER, "factors_example": None, "factors_csv": "\x00\x01"}),
        ("/api/apply/transfers/whatif", {**TRANSFER, "weights": {"gep_growth": 1e300}}),
        (
            "/api/apply/compensation/settle",
            {
                "agreement": "xinan-style",
                "year": 2023,
                "monitoring_csv": "section,month,indicator,value,unit\n"
                "jiekou,2023-01,codmn,1,mg/((L\n",
            },
        ),
        (
            "/api/apply/compensation/settle",
            {
                "agreement": "xinan-style",
                "year": 99999,
                "monitoring_example": "monitoring_xinan_2023.csv",
            },
        ),
        ("/api/apply/assessments", {"year": 2023, "gdp_csv": "a,b\n", "indicators_csv": ""}),
        ("/api/apply/rules", {"kind": "transfer", "name": "../x"}),
    ]
    for path, body in cases:
        r = office.post(path, json=body)
        assert 400 <= r.status_code < 500, (path, body, r.status_code, r.text)
    for number in ("NaN", "Infinity"):  # Python's JSON reader accepts them
        text = json.dumps({**TRANSFER, "budget_cny": 0}).replace(
            '"budget_cny": 0', f'"budget_cny": {number}'
        )
        r = office.post(
            "/api/apply/transfers", content=text, headers={"content-type": "application/json"}
        )
        assert r.status_code == 422, r.text
    assert office.get("/api/apply/transfers").json() == []
    assert office.get("/api/apply/compensation/ledger").json() == []


def test_table_refusals_have_their_chinese_half(client_as: Client) -> None:
    office = client_as("office")
    both = {**TRANSFER, "factors_csv": "county_adcode\n360102\n"}
    r = office.post("/api/apply/transfers", json=both)
    detail = r.json()["detail"]
    assert r.status_code == 422 and "give either factors_csv (the CSV text) or" in detail
    assert "请给出 factors_csv（CSV 文本）或 factors_example（内置示例：" in detail
    assert "transfer_factors_demo.csv" in detail.split(" / ", 1)[1]
    r = office.post("/api/apply/transfers", json={**TRANSFER, "factors_example": "x.csv"})
    detail = r.json()["detail"]
    assert r.status_code == 422 and "no shipped example 'x.csv'; examples:" in detail
    assert "没有名为 'x.csv' 的内置示例；可用的示例：" in detail
    assert office.get("/api/apply/transfers").json() == []
