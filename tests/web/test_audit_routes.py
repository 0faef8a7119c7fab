"""``/api/audit/packs``: departure audit packs for the roles ``auditor`` and ``admin`` only
(others 403), a unit outside the auditor's region 404, every generation in the audit log,
the pack downloadable under a safe name, no server path in any answer; a tenure outside
the stored accounts still gives a pack that lists what it misses.

The demo platform holds the accounts of 2022 and 2023 of every county of Jiangxi."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from ganpo.apply.audit import departure_audit
from ganpo.web.app import Settings
from ganpo.web.auth import hash_password

Clients = Callable[[str], TestClient]
WUYUAN, SHANGRAO, GANZHOU, RUIJIN = 361130, 361100, 360700, 360781
TENURE = {"start": "2022-12-31", "end": "2023-12-31"}  # the accounts of 2022 and 2023
REFUSED = ("office", "forestry", "reviewer", "jiangxi", "nanchang", "wuyuan")


def _ganzhou_auditor(web_settings: Settings, client_as: Clients) -> TestClient:
    """An auditor of the Ganzhou city audit office (region 360700)."""
    from ganpo.store import platform
    from ganpo.store.repository import open_store

    platform.create_user(
        open_store(web_settings.database),
        actor="test",
        username="gz-auditor",
        password_hash=hash_password("gz-auditor-demo"),
        role="auditor",
        region_adcode=GANZHOU,
    )
    return client_as("gz-auditor")


@pytest.mark.parametrize("user", REFUSED)
def test_other_roles_are_refused(user: str, shared_client_as: Clients) -> None:
    client = shared_client_as(user)
    r = client.post("/api/audit/packs", json={"unit": WUYUAN, **TENURE, "format": "xlsx"})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert client.get("/api/audit/packs").status_code == 403
    assert client.get("/api/audit/packs/0123456789abcdef/file").status_code == 403


def test_anonymous_is_refused(anonymous: TestClient) -> None:
    assert anonymous.get("/api/audit/packs").status_code == 401


def test_an_auditor_makes_and_downloads_a_pack_and_it_is_audited(
    client_as: Clients, web_settings: Settings
) -> None:
    auditor = client_as("auditor")
    r = auditor.post(
        "/api/audit/packs", json={"unit": WUYUAN, **TENURE, "format": "xlsx", "lang": "en"}
    )
    assert r.status_code == 201, r.text
    pack = r.json()
    assert (pack["unit_code"], pack["level"], pack["years"]) == (
        WUYUAN,
        "county",
        {"start": 2022, "end": 2023},
    )
    assert pack["unit_name_zh"] == "婺源县" and pack["created_by"] == "auditor"
    assert pack["file_name"] == f"audit_{WUYUAN}_2022-12-31_2023-12-31_en.xlsx"
    assert str(web_settings.work_dir) not in json.dumps(pack)
    # the figures the store has for both dates are there: none of them listed as missing
    assert not {"assets_start", "assets_end", "gep_start", "gep_end"} & {
        m["item"] for m in pack["missing"]
    }
    got = auditor.get(f"/api/audit/packs/{pack['id']}/file")
    assert got.status_code == 200
    assert got.headers["content-disposition"] == (f'attachment; filename="{pack["file_name"]}"')
    wb = openpyxl.load_workbook(io.BytesIO(got.content))
    assert "GEP" in wb.sheetnames and len(got.content) == pack["size_bytes"]
    # the workbook's GEP total [万元] is the domain pack's (apply.audit on the same store)
    from ganpo.store.repository import open_store

    domain = departure_audit(
        open_store(web_settings.database), WUYUAN, *_days(), work_dir=web_settings.work_dir
    )
    # the forest stock's inventory years are the domain pack's (none: listed as missing)
    assert pack["forest_inventory_years"] == domain.stock_years
    for side, years in domain.stock_years.items():
        assert (not years) == (f"stocks_{side}" in {m["item"] for m in pack["missing"]})
    total_wan = domain.gep.set_index("category").loc["total", "end_cny"] / 1e4
    cells = [c for row in wb["GEP"].iter_rows(values_only=True) for c in row]
    assert total_wan > 0 and total_wan in [
        pytest.approx(c, rel=1e-12) for c in cells if isinstance(c, float)
    ]
    listed = auditor.get("/api/audit/packs").json()
    assert [p["id"] for p in listed] == [pack["id"]]
    log = client_as("admin").get("/api/audit?entity=audit_pack").json()
    assert [(e["actor"], e["action"], e["entity_id"]) for e in log] == [
        ("auditor", "audit_pack.create", pack["id"])
    ]
    assert log[0]["after"]["unit_code"] == WUYUAN and log[0]["after"]["format"] == "xlsx"


def _days() -> tuple[date, date]:
    return date.fromisoformat(TENURE["start"]), date.fromisoformat(TENURE["end"])


def test_a_pdf_pack_for_a_city_by_the_admin(client_as: Clients, tmp_path: Path) -> None:
    admin = client_as("admin")
    body = {"unit": SHANGRAO, **TENURE, "format": "pdf", "issuer": "江西省审计厅（测试）"}
    r = admin.post("/api/audit/packs", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["level"] == "city"
    got = admin.get(f"/api/audit/packs/{r.json()['id']}/file")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert got.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext") is None:
        return
    (tmp_path / "pack.pdf").write_bytes(got.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "pack.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "江西省审计厅（测试）" in text and "上饶市" in text


def test_a_tenure_outside_the_accounts_lists_what_is_missing(client_as: Clients) -> None:
    r = client_as("auditor").post(
        "/api/audit/packs",
        json={"unit": WUYUAN, "start": "2016-03-01", "end": "2019-06-30", "format": "xlsx"},
    )
    assert r.status_code == 201, r.text
    missing = {m["item"]: m for m in r.json()["missing"]}
    assert {"assets_start", "assets_end", "gep_start", "gep_end"} <= set(missing)
    assert "2015" in missing["gep_start"]["text_zh"] and "2018" in missing["gep_end"]["text_en"]


def test_a_unit_outside_the_auditors_region_is_404(
    client_as: Clients, web_settings: Settings
) -> None:
    gz = _ganzhou_auditor(web_settings, client_as)
    outside = gz.post("/api/audit/packs", json={"unit": WUYUAN, **TENURE, "format": "xlsx"})
    assert outside.status_code == 404
    inside = gz.post("/api/audit/packs", json={"unit": RUIJIN, **TENURE, "format": "xlsx"})
    assert inside.status_code == 201, inside.text
    # the province's auditor's pack of Wuyuan is not listed nor readable for Ganzhou
    other = client_as("auditor").post(
        "/api/audit/packs", json={"unit": WUYUAN, **TENURE, "format": "xlsx"}
    )
    assert [p["unit_code"] for p in gz.get("/api/audit/packs").json()] == [RUIJIN]
    assert gz.get(f"/api/audit/packs/{other.json()['id']}/file").status_code == 404
    assert gz.get(f"/api/audit/packs/{other.json()['id']}").status_code == 404


def test_bad_requests(shared_client_as: Clients) -> None:
    auditor = shared_client_as("auditor")
    reversed_tenure = {"unit": WUYUAN, "start": "2023-12-31", "end": "2022-12-31"}
    r = auditor.post("/api/audit/packs", json=reversed_tenure)
    assert r.status_code == 422 and "任期终止日期须晚于起始日期" in r.text
    assert (
        auditor.post(
            "/api/audit/packs", json={"unit": WUYUAN, **TENURE, "format": "doc"}
        ).status_code
        == 422
    )
    assert auditor.get("/api/audit/packs/../../etc/passwd/file").status_code == 404
    assert auditor.get("/api/audit/packs/0123456789abcdef/file").status_code == 404


def test_an_auditor_needs_a_region(client_as: Clients) -> None:
    admin = client_as("admin")
    body = {"username": "aud2", "password": "aud2-password", "role": "auditor"}
    r = admin.post("/api/users", json=body)
    assert r.status_code == 422 and "needs a region_adcode" in r.text
    assert admin.post("/api/users", json={**body, "region_adcode": GANZHOU}).status_code == 201
