"""The platform's township level (decision 0021): the demo accounts run per synthetic
township; the map drills down province → city → county → township, each caller seeing
the townships of the counties in its scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

WUYUAN, LEPING = 361130, 360281  # Wuyuan (the viewer's county), Leping (another city's)
Clients = Callable[[str], TestClient]


def _get(client: TestClient, url: str, **params: Any) -> Any:
    r = client.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_regions_list_the_townships_in_scope(shared_client_as: Clients) -> None:
    office = _get(shared_client_as("office"), "/api/regions")
    towns = [r for r in office if r["level"] == "township"]
    assert len(towns) > 500 and {r["parent"] for r in towns} >= {WUYUAN, LEPING}
    assert all(r["name_zh"].endswith("（合成）") for r in towns)
    wuyuan = _get(shared_client_as("wuyuan"), "/api/regions")
    assert [r["adcode"] for r in wuyuan if r["level"] == "county"] == [WUYUAN]
    mine = [r for r in wuyuan if r["level"] == "township"]
    assert mine and {r["parent"] for r in mine} == {WUYUAN}
    assert all(r["adcode"] // 1000 == WUYUAN for r in mine)


def test_township_boundaries_in_scope(shared_client_as: Clients) -> None:
    fc = _get(shared_client_as("wuyuan"), "/api/regions/geojson", level="township")
    props = [f["properties"] for f in fc["features"]]
    assert props and {p["parent"] for p in props} == {WUYUAN}
    assert {p["level"] for p in props} == {"township"}


def test_township_summary_adds_up_to_the_county(shared_client_as: Clients) -> None:
    client = shared_client_as("wuyuan")
    towns = _get(client, "/api/accounts/1/summary", level="township")
    assert towns and all(t["parent"] == WUYUAN for t in towns)
    (county,) = _get(client, "/api/accounts/1/summary", level="county")
    # raster services per township; the county adds its statistics given per county
    county_rows = _get(client, "/api/accounts/1/indicators", adcode=WUYUAN)
    per_town = {t["adcode"]: t for t in towns}
    one = next(iter(per_town))
    own = _get(client, "/api/accounts/1/indicators", adcode=one)
    assert sum(r["value_cny"] for r in own) == pytest.approx(per_town[one]["gep_cny"], rel=1e-9)
    town_total = sum(t["gep_cny"] for t in towns)
    assert 0 < town_total < county["gep_cny"]
    material = {r["indicator"] for r in county_rows if r["category"] == "material"}
    assert material and not material & {r["indicator"] for r in own}  # given per county
    assert sum(t["area_km2"] for t in towns) == pytest.approx(county["area_km2"], rel=1e-9)


def test_another_countys_township_is_not_in_scope(shared_client_as: Clients) -> None:
    office = shared_client_as("office")
    leping_town = next(
        r["adcode"] for r in _get(office, "/api/regions") if r.get("parent") == LEPING
    )
    assert office.get(f"/api/accounts/1/indicators?adcode={leping_town}").status_code == 200
    wuyuan = shared_client_as("wuyuan")
    for url in ("/api/accounts/1/indicators", "/api/accounts/1/physical", "/api/trend"):
        r = wuyuan.get(url, params={"adcode": leping_town})
        assert r.status_code == 404, (url, r.text)


def test_township_trend_and_by_unit(shared_client_as: Clients) -> None:
    client = shared_client_as("wuyuan")
    town = _get(client, "/api/accounts/1/summary", level="township")[0]["adcode"]
    trend = _get(client, "/api/trend", adcode=town)
    assert [p["year"] for p in trend] == [2022, 2023]
    by_unit = _get(client, "/api/accounts/1/indicators/by-unit", level="township")
    assert {r["adcode"] for r in by_unit} == {
        t["adcode"] for t in _get(client, "/api/accounts/1/summary", level="township")
    }
    mine = sum(r["value_cny"] for r in by_unit if r["adcode"] == town)
    assert mine == pytest.approx(trend[0]["gep_cny"], rel=1e-9)


def test_township_export_table(shared_client_as: Clients) -> None:
    r = shared_client_as("office").get(
        "/api/accounts/1/export", params={"format": "csv", "table": "gep_by_township"}
    )
    assert r.status_code == 200, r.text
    header = r.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("adcode,name,parent_adcode,area_km2")
