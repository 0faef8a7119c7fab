"""``/api/tracking/status``: the decision's targets and their status, as
:func:`ganpo.tracking.status.registry_status` grades them, within the caller's scope (a
target of a unit the caller may not see is left out, as for the GEP accounts)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from ganpo.tracking.decision import register
from ganpo.tracking.status import registry_status

Clients = Callable[[str], TestClient]
EVERY_ROLE = ("admin", "office", "forestry", "reviewer", "jiangxi", "nanchang", "wuyuan", "auditor")
JIANGXI, NANCHANG, GANZHOU = 360000, 360100, 360700


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    assert anonymous.get("/api/tracking/status").status_code == 401


@pytest.mark.parametrize("user", EVERY_ROLE)
def test_every_role_reads_the_targets_of_its_scope(user: str, shared_client_as: Clients) -> None:
    r = shared_client_as(user).get("/api/tracking/status")
    assert r.status_code == 200, r.text
    units = {row["unit_code"] for row in r.json()["rows"]}
    expected = {
        # the province sees every unit's targets; a city its own; a county none of the
        # province's or a city's (the decision sets no county target)
        "nanchang": {NANCHANG},
        "wuyuan": set(),
    }.get(user, {JIANGXI, NANCHANG, GANZHOU})
    assert units == expected


def test_rows_are_the_domain_status_in_the_decisions_order(shared_client_as: Clients) -> None:
    body = shared_client_as("jiangxi").get("/api/tracking/status?method=linear").json()
    expected = {a.target: a for a in registry_status(register(), method="linear").assessments}
    assert [r["target"] for r in body["rows"]][:1] == ["good-air-days-2024-2026"]  # pillar 1
    assert {r["target"] for r in body["rows"]} == set(expected)
    for row in body["rows"]:
        a = expected[row["target"]]
        assert (row["year"], row["actual"], row["target_value"], row["baseline"]) == (
            a.year,
            a.actual,
            a.target_value,
            a.base_value,
        )
        assert row["status"] == a.status and row["ratio"] == a.ratio
        assert body["sources"][row["source"] - 1] == a.source
        assert row["synthetic"] == (a.observation_status == "synthetic")
    assert body["method"] == "linear" and body["method_en"] == "linear path"
    clauses = [r["clause"] for r in body["rows"]]
    # grouped: each clause's rows together
    assert clauses == sorted(clauses, key=clauses.index)


def test_published_figures_carry_their_source_and_a_series(shared_client_as: Clients) -> None:
    body = shared_client_as("office").get("/api/tracking/status").json()
    cover = next(
        s for s in body["series"] if (s["indicator"], s["unit_code"]) == ("forest_cover", JIANGXI)
    )
    p2023 = next(p for p in cover["points"] if p["year"] == 2023)
    # 63.1 % in 2023, published with the decision (reported by 中国新闻网)
    assert p2023["value"] == 63.1 and not p2023["synthetic"]
    assert "中国新闻网" in body["sources"][p2023["source"] - 1]
    air = next(r for r in body["rows"] if r["indicator"] == "good_air_days_share")
    assert air["status_zh"] == "已实现" and air["status_en"] == "achieved"


def test_a_year_and_a_bad_method(shared_client_as: Clients) -> None:
    client = shared_client_as("jiangxi")
    body = client.get("/api/tracking/status?year=2024").json()
    assert body["rows"] and all(r["year"] <= 2024 for r in body["rows"])
    assert client.get("/api/tracking/status?method=guess").status_code == 422


def test_no_server_path_in_the_answer(shared_client_as: Clients) -> None:
    text = json.dumps(shared_client_as("admin").get("/api/tracking/status").json())
    assert "/catalog/" not in text and ".toml" not in text and "site-packages" not in text
