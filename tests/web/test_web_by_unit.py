"""``GET /api/accounts/{id}/indicators/by-unit``: every unit's indicators in one answer,
equal to the per-unit ``/indicators?adcode=`` answers and scoped like them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ganpo.web.auth import hierarchy

WUYUAN = 361130
Clients = Callable[[str], TestClient]


def _by_unit(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/accounts/1/indicators/by-unit", params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


@pytest.mark.parametrize(("user", "level"), [("nanchang", "county"), ("office", "city")])
def test_each_unit_equals_its_own_indicators(
    shared_client_as: Clients, user: str, level: str
) -> None:
    client = shared_client_as(user)
    rows = _by_unit(client, level=level)
    units = sorted({r["adcode"] for r in rows})
    expected_units = sorted(
        r["adcode"] for r in client.get(f"/api/accounts/1/summary?level={level}").json()
    )
    assert units == expected_units and len(units) >= 9
    for adcode in units[:4]:
        one = {
            r["indicator"]: r
            for r in client.get(f"/api/accounts/1/indicators?adcode={adcode}").json()
        }
        mine = {r["indicator"]: r for r in rows if r["adcode"] == adcode}
        assert set(one) <= set(mine)
        # indicators of the account absent from this unit's rows are there with 0
        assert all(mine[k]["value_cny"] == 0 for k in set(mine) - set(one))
        for key, r in mine.items():
            if key not in one:
                continue
            assert r["value_cny"] == pytest.approx(one[key]["value_cny"], rel=1e-12)
            assert r["unit"] == one[key]["unit"]
            if one[key]["quantity"] is not None:
                assert r["quantity"] == pytest.approx(one[key]["quantity"], rel=1e-12)


def test_one_indicator_and_totals(shared_client_as: Clients) -> None:
    office = shared_client_as("office")
    every = _by_unit(office, level="county")
    key = every[0]["indicator"]
    one = _by_unit(office, level="county", indicator=key)
    assert {r["indicator"] for r in one} == {key} and len(one) == 100
    total = {
        r["indicator"]: r["value_cny"] for r in office.get("/api/accounts/1/indicators").json()
    }
    assert sum(r["value_cny"] for r in one) == pytest.approx(total[key], rel=1e-9)
    province = _by_unit(office, level="province", indicator=key)
    assert [r["adcode"] for r in province] == [360000]
    assert province[0]["value_cny"] == pytest.approx(total[key], rel=1e-9)
    r = office.get("/api/accounts/1/indicators/by-unit", params={"indicator": "no_such"})
    assert r.status_code == 422 and "no_such" in r.json()["detail"]
    r = office.get("/api/accounts/1/indicators/by-unit", params={"indicator": "../x"})
    assert r.status_code == 422


def test_scoped_to_the_callers_units(shared_client_as: Clients) -> None:
    wuyuan = shared_client_as("wuyuan")
    assert {r["adcode"] for r in _by_unit(wuyuan, level="county")} == {WUYUAN}
    assert _by_unit(wuyuan, level="city") == []
    assert _by_unit(wuyuan, level="province") == []
    nanchang = shared_client_as("nanchang")
    counties = {r["adcode"] for r in _by_unit(nanchang, level="county")}
    assert counties == set(hierarchy().counties_of[360100])
    assert {r["adcode"] for r in _by_unit(nanchang, level="city")} == {360100}
    assert wuyuan.get("/api/accounts/999/indicators/by-unit").status_code == 404
    with TestClient(wuyuan.app) as anonymous:
        assert anonymous.get("/api/accounts/1/indicators/by-unit").status_code == 401
