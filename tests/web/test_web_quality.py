"""GET /api/accounts/{id}/quality: the quality report over the caller's visible area, with
labels in the asked language; an account none of whose units the caller may see is 404,
as on the other account routes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ganpo.io.decisions import Decision
from ganpo.store.models import AccountCoverage, AccountDecision
from ganpo.store.repository import save_account
from qualitydata import handmade_account

WUYUAN, DONGHU = 361130, 360102

DECISIONS = [
    Decision(
        "soft_range",
        "tourism.visits",
        "Visits are three times last year's; accepted as reported.",
        "旅游人次为上年的三倍，按报送值采用。",
        "rule",
        unit_code=WUYUAN,
        source="/data/jx/2022/tourism.csv",
    ),
    Decision(
        "coverage_gap",
        "precipitation",
        "Precipitation covers 80 % of the unit.",
        "降水图层覆盖该行政区的 80%。",
        "profile",
        unit_code=DONGHU,
        source="/data/jx/2022/precipitation.tif",
    ),
    Decision(
        "layer_year",
        "npp",
        "The NPP layer of 2021 serves 2022.",
        "2022 年采用 2021 年的净初级生产力图层。",
        "manifest",
    ),
    Decision(
        "fluctuation",
        "water.hydropower",
        "Hydropower fell by half.",
        "水电发电量下降一半。",
        "override",
        unit_code=WUYUAN,
        explanation="枯水年",
        explained_by="水利局 张三",
        accepted_by="统计局 李四",
    ),
]
# unit, role, cells, cells with data
COVERAGE = [(WUYUAN, "npp", 100, 90), (DONGHU, "precipitation", 10, 8), (WUYUAN, "dem", 5, 5)]


def _add_quality(app: FastAPI, account_id: int) -> None:
    with Session(app.state.engine) as s, s.begin():
        # the demo account's own decisions and coverage give way to the hand-made ones
        s.query(AccountDecision).filter_by(account_id=account_id).delete()
        s.query(AccountCoverage).filter_by(account_id=account_id).delete()
        for i, d in enumerate(DECISIONS):
            s.add(AccountDecision(account_id=account_id, position=i, **d.as_row()))
        for unit, role, cells, with_data in COVERAGE:
            s.add(
                AccountCoverage(
                    account_id=account_id,
                    unit_code=unit,
                    role=role,
                    cells=cells,
                    cells_with_data=with_data,
                    share=with_data / cells,
                )
            )


def _kinds(report: dict[str, object]) -> list[str]:
    return [g["kind"] for g in report["decisions"]]  # type: ignore[attr-defined, index]


def test_quality_is_scoped_and_labelled(
    web_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    _add_quality(web_app, 1)
    office = client_as("office").get("/api/accounts/1/quality?lang=en")
    assert office.status_code == 200
    report = office.json()
    assert _kinds(report) == ["coverage_gap", "soft_range", "layer_year", "fluctuation"]
    assert [(g["layer"], g["min_share"]) for g in report["coverage"]] == [
        ("annual precipitation", 0.8),
        ("net primary production, dry matter", 0.9),
    ]
    assert report["coverage"][0]["units"][0]["unit"] == "Donghu District"
    (override,) = report["overrides"]
    assert (override["unit"], override["explained_by"], override["accepted_by"]) == (
        "Wuyuan County",
        "水利局 张三",
        "统计局 李四",
    )
    assert "/data/jx" not in office.text and 'source": "/' not in office.text

    wuyuan = client_as("wuyuan").get("/api/accounts/1/quality").json()  # Chinese by default
    assert _kinds(wuyuan) == ["soft_range", "layer_year", "fluctuation"]
    assert [g["layer"] for g in wuyuan["coverage"]] == ["净初级生产力（干物质）"]
    assert wuyuan["decisions"][1]["label"] == "使用其他年份的图层"
    assert wuyuan["decisions"][1]["decisions"][0]["unit"] == "全区域"
    text = json.dumps(wuyuan, ensure_ascii=False)
    assert "东湖区" not in text and "南昌" not in text and "降水图层覆盖" not in text
    summary = {s["key"]: s["count"] for s in wuyuan["summary"]}
    assert (summary["decisions"], summary["units_incomplete"], summary["overrides"]) == (3, 1, 1)

    nanchang = client_as("nanchang").get("/api/accounts/1/quality").json()
    assert _kinds(nanchang) == ["coverage_gap", "layer_year"] and nanchang["overrides"] == []

    rows = list(
        csv.DictReader(
            io.StringIO(
                client_as("wuyuan")
                .get("/api/accounts/1/export?format=csv&table=quality")
                .content.decode("utf-8-sig")
            )
        )
    )
    assert any(r["text_zh"].startswith("水电发电量下降一半。") for r in rows)
    assert not any("东湖区" in v for r in rows for v in r.values())


def test_an_account_of_another_county_is_not_found(
    web_app: FastAPI, client_as: Callable[[str], TestClient], anonymous: TestClient
) -> None:
    aid = save_account(web_app.state.engine, handmade_account())  # two Nanchang districts
    web_app.state.accounts.invalidate()
    assert client_as("wuyuan").get(f"/api/accounts/{aid}/quality").status_code == 404
    nanchang = client_as("nanchang").get(f"/api/accounts/{aid}/quality?lang=en")
    assert nanchang.status_code == 200
    assert [p["name"] for p in nanchang.json()["unverified"]] == [
        "COD removed per hectare",
        "surface runoff coefficient",
    ]
    assert client_as("office").get("/api/accounts/999/quality").status_code == 404
    assert anonymous.get(f"/api/accounts/{aid}/quality").status_code == 401
    assert client_as("office").get(f"/api/accounts/{aid}/quality?lang=fr").status_code == 422
