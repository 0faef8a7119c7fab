"""Flagged values over HTTP (docs/decisions/0027): an unusual change since last year is
accepted as a draft with its flag; the draft is submitted only once the reporter explained
it; the reviewer reads the explanation in the submission; the approved explanation goes
into the approved dataset and becomes an override Decision of the account."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.engine.account import run_account
from ganpo.io.manifest import load_manifest
from ganpo.submissions import workflow as wf
from ganpo.submissions.dataset import approved_dataset

YEAR = 2023  # the demo has 2022 too: the base dataset's last year
Clients = Callable[[str], TestClient]


def tourism_csv(data_dir: Path, county: int, visits_factor: float) -> tuple[bytes, float]:
    """The base dataset's 2023 tourism table with one county's visits scaled; returns the
    CSV and that county's 2022 visits [10^4 person-time]."""
    ds = load_manifest(data_dir)
    this, last = (ds.manifest.table("tourism", y) for y in (YEAR, YEAR - 1))
    assert this is not None and last is not None
    table = pd.read_csv(ds.path(this))
    before = pd.read_csv(ds.path(last)).set_index("county_adcode")["visits"][county]
    table.loc[table["county_adcode"] == county, "visits"] = round(before * visits_factor, 2)
    out = io.StringIO()
    table.to_csv(out, index=False)
    return out.getvalue().encode("utf-8"), float(before)


def test_a_flag_is_explained_seen_in_review_and_carried_into_the_account(
    client_as: Clients, demo_platform: Any, web_app: FastAPI
) -> None:
    county = 361130  # 婺源县
    data, before = tourism_csv(demo_platform.data_dir, county, 2.2)
    tourism = client_as("tourism")
    r = tourism.post(
        "/api/reporting/forms/tourism/upload",
        params={"year": YEAR},
        files={"file": ("tourism.csv", data, "text/csv")},
    )
    assert r.status_code == 201, r.text
    [flag] = r.json()["flags"]
    assert (flag["key"], flag["kind"], flag["column"], flag["county"]) == (
        f"fluctuation.visits@{county}",
        "fluctuation",
        "visits",
        county,
    )
    assert flag["reason_zh"].startswith(
        f"旅游人次 {round(before * 2.2, 2):,g} 万人次，比 2022 年的"
    )
    sub_id = r.json()["submission"]["id"]

    # not submitted while the flag is unexplained; nothing else can be explained
    r = tourism.post(f"/api/reporting/submissions/{sub_id}/submit")
    assert r.status_code == 409
    assert r.json()["detail"].startswith(
        "1 flagged value(s) of 'tourism' need an explanation before it is submitted: row "
    )
    assert r.json()["detail"].endswith(" / 有 1 处疑似问题需先填写说明才能提交")
    url = f"/api/reporting/submissions/{sub_id}/explanations"
    r = tourism.post(url, json={"explanations": {f"range.visits@{county}": "fine"}})
    assert r.status_code == 409 and "has no flagged finding" in r.json()["detail"]
    r = tourism.post(url, json={"explanations": {flag["key"]: "   "}})
    assert r.status_code == 422 and "说明不能为空" in r.json()["detail"]
    assert (
        client_as("forestry").post(url, json={"explanations": {flag["key"]: "x"}}).status_code
        == 403
    )

    why = "篁岭景区扩建开放，接待量翻倍 / the Huangling scenic area reopened, enlarged"
    r = tourism.post(url, json={"explanations": {flag["key"]: why}})
    assert r.status_code == 200, r.text
    assert r.json()["versions"][-1]["flags"][0]["explanation"]["text"] == why
    assert tourism.post(f"/api/reporting/submissions/{sub_id}/submit").status_code == 200
    r = tourism.post(url, json={"explanations": {flag["key"]: "changed my mind"}})
    assert r.status_code == 409  # submitted: the explanation stands as reviewed

    # the reviewer reads the explanation beside the flag, and approves
    reviewer = client_as("reviewer")
    seen = reviewer.get(f"/api/reporting/submissions/{sub_id}").json()
    [shown] = seen["versions"][-1]["flags"]
    assert shown["reason_en"] == flag["reason_en"] and shown["cell"] is None  # a CSV
    assert (shown["explanation"]["text"], shown["explanation"]["author"]) == (why, "tourism")
    assert [e["action"] for e in seen["events"]] == ["upload", "explain", "submit"]
    assert reviewer.post(f"/api/reporting/submissions/{sub_id}/approve").status_code == 200

    # the approved dataset carries it; the account records it as an override
    office = client_as("office")
    assert office.post("/api/reporting/adopt-base", json={"year": YEAR}).status_code == 200
    settings = web_app.state.settings
    built = approved_dataset(web_app.state.engine, YEAR, settings.data_dir, settings.work_dir)
    entry = load_manifest(built.manifest).manifest.table("tourism", YEAR)
    assert entry is not None and entry.overrides is not None
    [override] = entry.overrides
    assert (override.key, override.explained_by, override.approved_by) == (
        flag["key"],
        "tourism",
        "reviewer",
    )
    account = run_account(built.manifest, YEAR)
    [decision] = [d for d in account.decisions if d.basis == "override"]
    assert (decision.kind, decision.subject, decision.unit_code) == (
        "fluctuation",
        "tourism.visits",
        county,
    )
    assert f"explained by tourism ({override.explained_at[:10]}): “{why}”" in decision.message_en
    assert f"审核人 reviewer（{override.approved_at[:10]}）审核通过" in decision.message_zh
    assert wf.get(web_app.state.engine, _Actor(), sub_id).state == "approved"


class _Actor:
    username, role, department = "office", "office", None
