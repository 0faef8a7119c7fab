"""``/api/tracking/reports``: the yearly report on the platform. A province-wide reader
previews the draft (PDF, Word) from the stored series; the office issues it (stored as
``ganpo tracking report --issue`` does, audited); a value revised after issue leaves the
issued PDF and its Word version with their numbers, and the next preview and version list
the change. Readers of a city or county, and department reporters, are refused."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.store import platform
from ganpo.store.tracking import ObservationRecord, list_reports, record_observations
from ganpo.tracking.decision import register
from ganpo.tracking.stored import checked

Clients = Callable[[str], TestClient]
YEAR = 2025
BASE = "/api/tracking/reports"
pdf_text_needed = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


def _pdf_text(data: bytes, tmp: Path) -> str:
    path = tmp / "x.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def _docx_text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _store_series(app: FastAPI) -> None:
    """The shipped decision's observations recorded in the platform's store."""
    registry = register()
    record_observations(app.state.engine, checked(registry, registry.observations.values()))


def test_roles(client_as: Clients, anonymous: TestClient) -> None:
    assert anonymous.get(BASE).status_code == 401
    for user in ("nanchang", "wuyuan", "forestry"):
        client = client_as(user)
        assert client.get(BASE).status_code == 403, user
        assert client.get(f"{BASE}/preview?year={YEAR}").status_code == 403
    province = client_as("jiangxi")
    assert province.get(BASE).json() == []
    refused = province.post(BASE, json={"year": YEAR})
    assert refused.status_code == 403
    assert client_as("reviewer").post(BASE, json={"year": YEAR}).status_code == 403


@pdf_text_needed
def test_preview_issue_revise_and_issue_again(
    web_app: FastAPI, client_as: Clients, tmp_path: Path
) -> None:
    _store_series(web_app)
    office = client_as("office")
    draft = office.get(f"{BASE}/preview?year={YEAR}")
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf"
    text = _pdf_text(draft.content, tmp_path)
    assert "草稿（未印发）" in text and "63.10" in text and "中国新闻网" in text
    assert list_reports(web_app.state.engine) == []  # a preview stores nothing
    word = office.get(f"{BASE}/preview?year={YEAR}&format=docx&lang=en")
    assert word.status_code == 200 and "Draft (not issued)" in _docx_text(word.content)

    r = office.post(BASE, json={"year": YEAR, "issuer": "江西省人民政府"})
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert (v1["version"], v1["issued_by"], v1["changes"]) == (1, "office", [])
    audit = platform.list_audit(web_app.state.engine, action="tracking_report.issue")
    assert [(a.actor, a.entity_id) for a in audit] == [("office", f"{YEAR}-v1")]
    first = office.get(f"{BASE}/{YEAR}/1/file")
    assert first.status_code == 200
    assert hashlib.sha256(first.content).hexdigest() == v1["pdf_sha256"]

    # the forest cover of 2025 revised after issue (63.1 → 63.4 %)
    record_observations(
        web_app.state.engine,
        [
            ObservationRecord(
                "forest_cover", 360000, YEAR, 63.4, "%", "林业局 2026 公报", "published"
            )
        ],
    )
    changes = office.get(f"{BASE}/changes?year={YEAR}").json()
    assert changes["previous_version"] == 1
    assert [(c["indicator_en"], c["year"], c["old"], c["new"], c["source"])
            for c in changes["changes"]] == [
        ("forest cover", YEAR, 63.1, 63.4, "林业局 2026 公报")
    ]  # fmt: skip
    # the issued version keeps its numbers, as PDF and in Word
    again = office.get(f"{BASE}/{YEAR}/1/file")
    assert hashlib.sha256(again.content).hexdigest() == v1["pdf_sha256"]
    old_word = _docx_text(office.get(f"{BASE}/{YEAR}/1/file?format=docx").content)
    assert "63.40" not in old_word and "第1版" in old_word
    # the next preview lists the change
    text = _pdf_text(office.get(f"{BASE}/preview?year={YEAR}").content, tmp_path)
    assert "与第1版相比的变化" in text and "63.40" in text

    v2 = client_as("admin").post(BASE, json={"year": YEAR, "lang": "en"}).json()
    assert v2["version"] == 2 and len(v2["changes"]) == 1
    listed = client_as("jiangxi").get(f"{BASE}?year={YEAR}").json()
    assert [(x["version"], x["lang"], x["file_pdf"]) for x in listed] == [
        (1, "zh", f"tracking-report-{YEAR}-v1-zh.pdf"),
        (2, "en", f"tracking-report-{YEAR}-v2-en.pdf"),
    ]
    kept = sorted(p.name for p in (Path(web_app.state.settings.work_dir) / "reports").iterdir())
    assert kept == [f"tracking-report-{YEAR}-v1-zh.pdf", f"tracking-report-{YEAR}-v2-en.pdf"]
    v2_text = _pdf_text(client_as("auditor").get(f"{BASE}/{YEAR}/2/file").content, tmp_path)
    assert "Changes since version 1" in v2_text and "63.40" in v2_text
    assert office.get(f"{BASE}/{YEAR}/9/file").status_code == 404
    # no scratch file left behind
    previews = Path(web_app.state.settings.work_dir) / "tracking-previews"
    assert not previews.exists() or list(previews.iterdir()) == []
