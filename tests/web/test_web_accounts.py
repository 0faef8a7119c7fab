"""Accounts API: figures against the store, runs on approved data, report and exports."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ganpo.errors import InputError
from ganpo.store import platform
from ganpo.store.repository import load_account


def test_summary_matches_stored_results(
    shared_client_as: Callable[[str], TestClient], shared_app: FastAPI
) -> None:
    stored = load_account(shared_app.state.engine, 2)
    rows = shared_client_as("office").get("/api/accounts/2/summary").json()
    by_code = {r["adcode"]: r for r in rows}
    wuyuan = stored.results[stored.results.county_adcode == 361130]
    row = by_code[361130]
    assert row["gep_cny"] == pytest.approx(wuyuan.value_cny.sum(), rel=1e-12)
    for cat in ("material", "regulating", "cultural"):
        expected = wuyuan[wuyuan.category == cat].value_cny.sum()
        assert row[f"{cat}_cny"] == pytest.approx(expected, rel=1e-12)
    # the county's area: the sum of its (synthetic) townships' areas
    area = float(stored.counties.set_index("county_adcode").loc[361130, "area_km2"])
    assert row["gep_per_km2"] == pytest.approx(row["gep_cny"] / area, rel=1e-12)
    assert row["name"] == "婺源县" and row["parent"] == 361100


def test_indicators_of_a_county(
    shared_client_as: Callable[[str], TestClient], shared_app: FastAPI
) -> None:
    stored = load_account(shared_app.state.engine, 1)
    rows = shared_client_as("wuyuan").get("/api/accounts/1/indicators").json()
    mine = stored.results[stored.results.county_adcode == 361130]
    assert {r["indicator"] for r in rows} == set(mine.indicator)
    assert sum(r["value_cny"] for r in rows) == pytest.approx(mine.value_cny.sum(), rel=1e-12)
    first = rows[0]
    assert set(first) == {
        "indicator",
        "name_zh",
        "name_en",
        "category",
        "quantity",
        "unit",
        "value_cny",
    }


def test_trend_at_current_and_constant_prices(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    trend = shared_client_as("jiangxi").get("/api/trend").json()
    assert [(p["year"], p["account_id"]) for p in trend] == [(2022, 1), (2023, 2)]
    assert trend[0]["gep_constant_cny"] == pytest.approx(trend[0]["gep_cny"])
    assert trend[1]["price_year"] == 2022
    assert trend[1]["gep_constant_cny"] != pytest.approx(trend[1]["gep_cny"])


def test_compare_decomposition_adds_up(shared_client_as: Callable[[str], TestClient]) -> None:
    body = shared_client_as("nanchang").get("/api/compare?a=1&b=2").json()
    total = body["by_indicator"][-1]
    assert total["indicator"] == "GEP"
    assert total["price_effect"] + total["quantity_effect"] == pytest.approx(
        total["value_b"] - total["value_a"], rel=1e-9
    )
    assert len(body["by_county"]) == 9


def test_geojson_is_wgs84_and_simplified(shared_client_as: Callable[[str], TestClient]) -> None:
    fc = shared_client_as("admin").get("/api/regions/geojson?level=city").json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 11
    lons, lats = [], []
    for f in fc["features"]:
        assert set(f["properties"]) == {"adcode", "name", "name_en", "level", "parent"}
        assert f["properties"]["level"] == "city" and f["properties"]["parent"] == 360000
        ring = f["geometry"]["coordinates"][0]
        ring = ring[0] if f["geometry"]["type"] == "MultiPolygon" else ring
        lons += [p[0] for p in ring]
        lats += [p[1] for p in ring]
    assert min(lons) > 113 and max(lons) < 119 and min(lats) > 24 and max(lats) < 31
    size = len(shared_client_as("admin").get("/api/regions/geojson?level=county").content)
    assert size < 600_000  # simplified for the browser


def test_xlsx_export_is_scoped(shared_client_as: Callable[[str], TestClient]) -> None:
    r = shared_client_as("wuyuan").get("/api/accounts/1/export?format=xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content), read_only=True)
    sheet = book["按县 By county"]
    rows = list(sheet.iter_rows(values_only=True))
    # the county, then its total row
    assert len(rows) == 3 and rows[1][0] == 361130 and rows[2][2] == "合计 Total"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_report_pdf_of_a_county_viewer(shared_client_as: Callable[[str], TestClient]) -> None:
    r = shared_client_as("wuyuan").get("/api/accounts/2/report?lang=zh")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True
    ).stdout.decode()
    # no other region's name; the methods chapter is the profile's, the same for every
    # region (a deviation says no Nanchang or Jiangxi water tariff could be read)
    # the chapter, after its line in the table of contents
    start, end = text.rindex("八、核算方法说明"), text.rindex("附录：参数及来源")
    assert "婺源县" in text and "南昌" not in text[:start] + text[end:]


def _run_and_wait(client: TestClient, app: FastAPI, year: int) -> dict[str, Any]:
    r = client.post("/api/accounts/run", json={"year": year})
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    app.state.jobs.wait(job_id, timeout=180)
    return dict(client.get(f"/api/jobs/{job_id}").json())


def test_run_on_approved_data_stores_account_and_submissions(
    client_as: Callable[[str], TestClient],
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ganpo.web.routes import accounts

    calls: list[tuple[Any, ...]] = []
    fractions: list[float] = []
    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=demo_platform.manifest, submissions=[(3, 2)]),
    )
    monkeypatch.setattr(accounts, "record_account_submissions", lambda *a: calls.append(a))
    real_fraction = accounts.JobContext.fraction

    def spy(self: Any, value: float) -> None:
        fractions.append(value)
        real_fraction(self, value)

    monkeypatch.setattr(accounts.JobContext, "fraction", spy)
    job = _run_and_wait(client_as("office"), web_app, 2023)
    assert job["state"] == "done", job
    assert job["fraction"] == 1.0 and job["account_id"] == 3
    assert fractions and 0 < max(fractions) <= 1
    assert calls == [(web_app.state.engine, 3, [(3, 2)], "office")]
    row = platform.list_audit(web_app.state.engine, action="account.run")[0]
    assert row.actor == "office" and row.entity_id == "3"
    assert row.after is not None and row.after["submissions"] == [[3, 2]]
    stored = load_account(web_app.state.engine, 3)
    assert stored.account.gep_cny == pytest.approx(
        load_account(web_app.state.engine, 2).account.gep_cny
    )


def test_run_refused_while_forms_are_not_approved(
    client_as: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ganpo.web.routes import accounts

    def refuse(*_: Any, **__: Any) -> Any:
        raise InputError("2023: form forestry/timber is not approved", field="forms")

    monkeypatch.setattr(accounts, "approved_dataset", refuse)
    r = client_as("office").post("/api/accounts/run", json={"year": 2023})
    assert r.status_code == 409 and "forestry/timber is not approved" in r.json()["detail"]


def test_run_with_the_real_reporting_rule_refuses_without_submissions(
    client_as: Callable[[str], TestClient],
) -> None:
    """Nothing has been reported in a fresh store: the reporting helper's
    approved_dataset names the forms that are missing, and the run is refused."""
    pytest.importorskip("ganpo.submissions.dataset")
    r = client_as("admin").post("/api/accounts/run", json={"year": 2023})
    assert r.status_code == 409, r.text
    assert "approved" in r.json()["detail"]


def test_failed_job_reports_its_error(
    client_as: Callable[[str], TestClient],
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ganpo.web.routes import accounts

    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=demo_platform.manifest, submissions=[]),
    )
    job = _run_and_wait(client_as("office"), web_app, 2031)
    assert job["state"] == "failed" and "2031" in job["message"]


def test_run_rejects_unknown_profile_names(client_as: Callable[[str], TestClient]) -> None:
    c = client_as("office")
    r = c.post("/api/accounts/run", json={"year": 2023, "profile": "no-such-profile"})
    assert r.status_code == 422 and "unknown profile" in r.text
    r = c.post("/api/accounts/run", json={"year": 2023, "profile": "../../etc/passwd.toml"})
    assert r.status_code == 422


def test_account_is_taken_back_when_its_submissions_cannot_be_recorded(
    client_as: Callable[[str], TestClient],
    web_app: FastAPI,
    demo_platform: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ganpo.store.repository import list_accounts
    from ganpo.web.routes import accounts

    def broken(*_: Any) -> None:
        raise RuntimeError("the reporting tables are unavailable")

    monkeypatch.setattr(
        accounts,
        "approved_dataset",
        lambda *a, **k: SimpleNamespace(manifest=demo_platform.manifest, submissions=[(1, 1)]),
    )
    monkeypatch.setattr(accounts, "record_account_submissions", broken)
    job = _run_and_wait(client_as("office"), web_app, 2022)
    assert job["state"] == "failed" and "reporting tables are unavailable" in job["message"]
    assert [a.id for a in list_accounts(web_app.state.engine)] == [1, 2]
    assert [a["id"] for a in client_as("office").get("/api/accounts").json()] == [1, 2]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_report_pdf_of_the_office_in_english_with_the_change(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    r = shared_client_as("office").get("/api/accounts/2/report?lang=en")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Change since last year" in text  # from the stored 2022 account
    assert "Gross Ecosystem Product (GEP) account of Jiangxi" in text
    # the city table names the cities in English; the English PDF keeps no Chinese city
    assert "Ganzhou" in text and "Nanchang" in text and "赣州市" not in text
    assert "sediment export to streams" in text  # physical indicators beside the GEP


def test_english_names_of_every_jiangxi_unit(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    """The shipped table names the province, its 11 cities and 100 counties, for the very
    units (adcode and Chinese name) of the county table the platform uses."""
    import csv
    from importlib.resources import files

    from ganpo.catalog.names import NAMES_EN
    from ganpo.web.auth import hierarchy

    h = hierarchy()
    text = (files("ganpo.catalog") / "data" / NAMES_EN).read_text(encoding="utf-8")
    table = {int(r["adcode"]): r for r in csv.DictReader(io.StringIO(text))}
    jiangxi = {a for a in h.level if a // 10_000 == 36}
    assert set(table) == jiangxi and len(jiangxi) == 112
    assert all(table[a]["name_zh"] == h.name_zh[a] for a in jiangxi)
    assert h.name(361130, "en") == "Wuyuan County" and h.name(360100, "en") == "Nanchang"
    assert h.name(361124, "en") == "Yanshan County"  # 铅山: not "Qianshan"
    assert h.name(110101, "en") == h.name_zh[110101]  # outside Jiangxi: the Chinese name
    regions = shared_client_as("nanchang").get("/api/regions").json()
    assert {r["adcode"]: r["name_en"] for r in regions}[360100] == "Nanchang"
    named = [r for r in regions if r["level"] in ("province", "city", "county")]
    assert named and all(r["name_en"] for r in named)
    # the demo's synthetic townships have no English name: the UI shows the Chinese one
    assert {r["name_en"] for r in regions if r["level"] == "township"} == {None}


def test_physical_indicators_are_scoped_and_not_in_gep(
    shared_client_as: Callable[[str], TestClient], shared_app: FastAPI
) -> None:
    stored = load_account(shared_app.state.engine, 2)
    phys = stored.physical
    assert set(phys.indicator) == {"sediment_export"}  # the Jiangxi profile's [physical]
    assert "sediment_export" not in set(stored.results.indicator)
    (office,) = shared_client_as("office").get("/api/accounts/2/physical").json()
    assert office["quantity"] == pytest.approx(phys.quantity.sum(), rel=1e-12)
    assert office["unit"] == "t" and office["method"] == "sdr_mfd"
    (wuyuan,) = shared_client_as("wuyuan").get("/api/accounts/2/physical").json()
    mine = phys[phys.county_adcode == 361130].quantity.sum()
    assert wuyuan["quantity"] == pytest.approx(mine, rel=1e-12) and 0 < mine < office["quantity"]
    csv = shared_client_as("wuyuan").get(
        "/api/accounts/2/export", params={"format": "csv", "table": "physical_by_county"}
    )
    assert csv.status_code == 200 and "361130" in csv.text and "360102" not in csv.text
