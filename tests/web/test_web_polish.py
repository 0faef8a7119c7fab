"""The API behind the polished UI (issue 14, point 6) on the demo platform:

- a unit outside the caller's scope, or unknown, answers the same 404 at every endpoint
  that takes one (``/summary?adcode=`` included);
- a county viewer learns its rank among all counties (rank and count only);
- a refusal (403) says so in Chinese and English;
- no answer holds a server path (stored runs name their input tables by file name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ganpo.submissions.template import fill_template

Client = Callable[[str], TestClient]
WUYUAN, NANCHANG_CITY, GANZHOU_CITY, ZHANGGONG = 361130, 360100, 360700, 360702
UNKNOWN = 369999
ACCOUNT = 2  # the demo's 2023 account


def by_scope_endpoints(adcode: int) -> list[str]:
    return [
        f"/api/accounts/{ACCOUNT}/summary?adcode={adcode}",
        f"/api/accounts/{ACCOUNT}/indicators?adcode={adcode}",
        f"/api/accounts/{ACCOUNT}/physical?adcode={adcode}",
        f"/api/accounts/{ACCOUNT}/rank?adcode={adcode}",
        f"/api/trend?adcode={adcode}",
        f"/api/compare?a=1&b=2&adcode={adcode}",
    ]


@pytest.mark.parametrize(
    ("user", "hidden"),
    [("wuyuan", ZHANGGONG), ("wuyuan", GANZHOU_CITY), ("nanchang", WUYUAN), ("admin", UNKNOWN)],
)
def test_a_unit_out_of_scope_or_unknown_is_404_everywhere(
    shared_client_as: Client, user: str, hidden: int
) -> None:
    client = shared_client_as(user)
    for url in by_scope_endpoints(hidden):
        r = client.get(url)
        assert r.status_code == 404, (user, url, r.status_code, r.text[:200])
        assert r.json()["detail"] == f"no region {hidden} in your scope / 无权查看该行政区"


def test_summary_of_a_unit_holds_that_unit_only(shared_client_as: Client) -> None:
    viewer = shared_client_as("wuyuan")
    rows = viewer.get(f"/api/accounts/{ACCOUNT}/summary?adcode={WUYUAN}").json()
    assert [r["adcode"] for r in rows] == [WUYUAN]
    admin = shared_client_as("admin")
    everything = admin.get(f"/api/accounts/{ACCOUNT}/summary").json()
    nanchang = admin.get(f"/api/accounts/{ACCOUNT}/summary?adcode={NANCHANG_CITY}").json()
    codes = [r["adcode"] for r in nanchang]
    assert codes and all(str(c).startswith("3601") for c in codes)
    assert codes == [r["adcode"] for r in everything if str(r["adcode"]).startswith("3601")]
    cities = admin.get(f"/api/accounts/{ACCOUNT}/summary?level=city&adcode={WUYUAN}").json()
    assert [r["adcode"] for r in cities] == [361100]  # Shangrao, Wuyuan's city


def test_a_county_viewer_gets_its_rank_and_nothing_about_the_others(
    shared_client_as: Client,
) -> None:
    admin = shared_client_as("admin")
    counties = admin.get(f"/api/accounts/{ACCOUNT}/summary").json()
    for metric in ("gep_cny", "gep_per_km2", "regulating_cny"):
        values = sorted((float(r[metric]) for r in counties), reverse=True)
        own = next(float(r[metric]) for r in counties if r["adcode"] == WUYUAN)
        r = shared_client_as("wuyuan").get(
            f"/api/accounts/{ACCOUNT}/rank", params={"adcode": WUYUAN, "metric": metric}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"adcode", "level", "metric", "rank", "count", "value"}
        assert body["count"] == 100 and body["level"] == "county"
        assert body["rank"] == values.index(own) + 1
        assert body["value"] == pytest.approx(own)
    # one service: the same rank as the by-unit table of an all-seeing user
    service = admin.get(f"/api/accounts/{ACCOUNT}/indicators").json()[0]["indicator"]
    table = admin.get(
        f"/api/accounts/{ACCOUNT}/indicators/by-unit", params={"indicator": service}
    ).json()
    values = sorted((float(r["value_cny"]) for r in table), reverse=True)
    own = next(float(r["value_cny"]) for r in table if r["adcode"] == WUYUAN)
    body = (
        shared_client_as("wuyuan")
        .get(f"/api/accounts/{ACCOUNT}/rank", params={"adcode": WUYUAN, "metric": f"ind:{service}"})
        .json()
    )
    assert (body["rank"], body["count"]) == (values.index(own) + 1, 100)
    # a city among the cities
    body = shared_client_as("nanchang").get(
        f"/api/accounts/{ACCOUNT}/rank", params={"adcode": NANCHANG_CITY}
    )
    assert body.json()["count"] == 11 and body.json()["level"] == "city"
    bad = shared_client_as("wuyuan").get(
        f"/api/accounts/{ACCOUNT}/rank", params={"adcode": WUYUAN, "metric": "name"}
    )
    assert bad.status_code == 422


def test_a_refusal_is_bilingual(shared_client_as: Client) -> None:
    for user, url in (("wuyuan", "/api/audit"), ("wuyuan", "/api/users"), ("office", "/api/audit")):
        r = shared_client_as(user).get(url)
        assert r.status_code == 403
        body = r.json()
        assert body["error"] == "forbidden"
        assert (body["message_zh"], body["message_en"]) == ("无权访问", "Not allowed")
        assert re.search(r"[\u4e00-\u9fff]", body["detail"]) and re.search(
            r"[a-z]{3}", body["detail"]
        )


# ------------------------------------------------------------------- no server paths
PATHLIKE = re.compile(r"^(/|[A-Za-z]:\\)")
SERVER_DIRS = ("/tmp/", "/work/", "/root/", "/home/", "/srv/")


def strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, f"{where}[{i}]")
    elif isinstance(value, str):
        yield where, value


def path_like(body: Any) -> list[tuple[str, str]]:
    return [
        (where, s)
        for where, s in strings(body)
        if PATHLIKE.match(s) or any(d in s for d in SERVER_DIRS)
    ]


def test_no_answer_holds_a_server_path(client_as: Client) -> None:
    """Every JSON answer of the main endpoints for the administrator, after runs of each
    application, an upload and a change of an account's standing."""
    admin, office = client_as("admin"), client_as("office")
    posted = [
        office.post(
            "/api/apply/transfers",
            json={
                "rule": "jiangxi-key-zone-gep",
                "year": 2023,
                "budget_cny": 5e9,
                "factors_csv": "county_adcode,fiscal_gap [1],population [person]\n"
                "361130,1.0,300000\n360102,2.0,500000\n",
            },
        ),
        office.post(
            "/api/apply/transfers",
            json={
                "rule": "jiangxi-key-zone-gep",
                "year": 2023,
                "budget_cny": 5e9,
                "factors_example": "transfer_factors_demo.csv",
            },
        ),
        office.post(
            "/api/apply/compensation/settle",
            json={
                "agreement": "lean-gep-flow",
                "year": 2023,
                "monitoring_example": "monitoring_lean_2023.csv",
            },
        ),
        office.post(
            "/api/apply/assessments",
            json={
                "year": 2023,
                "gdp_example": "gdp_demo.csv",
                "indicators_example": "gdi_indicators_demo.csv",
            },
        ),
    ]
    answers: dict[str, Any] = {}
    for r in posted:
        if r.status_code < 300:
            answers[f"POST {r.request.url.path}"] = r.json()
    assert len(answers) >= 3, [r.text[:300] for r in posted]
    # a reporter's upload (its version records a file)
    tourism = client_as("tourism")
    blank = tourism.get("/api/reporting/forms/tourism/template", params={"year": 2022}).content
    filled = fill_template(blank, {"visits": 10.0, "tourism_revenue": 1.5})
    up = tourism.post(
        "/api/reporting/forms/tourism/upload",
        params={"year": 2022},
        files={"file": ("tourism.xlsx", filled, "application/octet-stream")},
    )
    assert up.status_code == 201, up.text
    answers["POST upload"] = up.json()
    admin.post(f"/api/accounts/{ACCOUNT}/publish")

    runs = {
        kind: [r["id"] for r in admin.get(f"/api/apply/{kind}").json()]
        for kind in ("transfers", "assessments")
    }
    submissions = admin.get("/api/reporting/submissions").json()
    urls = [
        "/api/platform",
        "/api/health",
        "/api/auth/me",
        "/api/users",
        "/api/audit?limit=1000",
        "/api/regions",
        "/api/profiles",
        "/api/profiles/jiangxi-db36-2021/methods",
        "/api/accounts",
        "/api/accounts/1",
        f"/api/accounts/{ACCOUNT}",
        f"/api/accounts/{ACCOUNT}/summary",
        f"/api/accounts/{ACCOUNT}/summary?level=city",
        f"/api/accounts/{ACCOUNT}/indicators",
        f"/api/accounts/{ACCOUNT}/physical",
        f"/api/accounts/{ACCOUNT}/indicators/by-unit",
        f"/api/accounts/{ACCOUNT}/quality",
        f"/api/accounts/{ACCOUNT}/rank?adcode={WUYUAN}",
        f"/api/reporting/accounts/{ACCOUNT}/submissions",
        "/api/trend",
        "/api/compare?a=1&b=2",
        "/api/reporting/departments",
        "/api/reporting/forms?year=2022",
        "/api/reporting/submissions",
        "/api/reporting/readiness?year=2022",
        "/api/apply/rules",
        "/api/apply/rules/jiangxi-key-zone-gep",
        "/api/apply/transfers",
        "/api/apply/assessments",
        "/api/apply/compensation/ledger",
        "/api/assets/parcels",
        "/api/assets/packages",
        *[f"/api/apply/transfers/{i}" for i in runs["transfers"]],
        *[f"/api/apply/assessments/{i}" for i in runs["assessments"]],
        *[f"/api/reporting/submissions/{s['id']}" for s in submissions],
    ]
    for url in urls:
        r = admin.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        answers[url] = r.json()
    assert runs["transfers"] and submissions
    leaks = {url: path_like(body)[:3] for url, body in answers.items() if path_like(body)}
    assert not leaks, leaks
    # the run names its uploaded and shipped tables by file name
    run = answers[f"/api/apply/transfers/{runs['transfers'][0]}"]
    assert {"role", "file", "sha256"} <= set(run["inputs"][0])
    assert not any("path" in i for r in runs["transfers"] for i in run["inputs"])


def test_the_path_filter() -> None:
    from ganpo.web.public import without_paths

    assert without_paths(
        {"inputs": [{"role": "gdp", "path": "/srv/ganpo/work/apply/gdp-1a.csv", "sha256": "x"}]}
    ) == {"inputs": [{"role": "gdp", "file": "gdp-1a.csv", "sha256": "x"}]}
    assert without_paths({"data_dir": "C:\\data\\demo", "unit": "t/km2", "file": "a.csv"}) == {
        "data_dir": "demo",
        "unit": "t/km2",
        "file": "a.csv",
    }
