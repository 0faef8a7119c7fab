"""A refused request answers its refusal whole (``detail``, "English / 中文", as API
clients have read it) and in each language (``detail_en``, ``detail_zh``), which the web
page shows in its own language; each half names the uploaded file by its name. A failed
job's message comes whole and in halves too."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.errors import InputError, InputFileError
from ganpo.footprint.studies import study_path
from ganpo.web.jobs import JobContext

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_refused_upload_answers_both_halves(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    text = study_path("navel-orange").read_text(encoding="utf-8")
    bad = text.replace('unit = "kWh"', 'unit = "t"', 1)  # a unit that does not convert
    office = shared_client_as("office")
    r = office.post("/api/footprints/compute", files={"file": ("orchard.toml", bad)})
    assert r.status_code == 422, r.text
    body = r.json()
    en, zh = body["detail_en"], body["detail_zh"]
    assert body["detail"] == f"{en} / {zh.removeprefix('orchard.toml：')}"
    assert en.startswith("orchard.toml: ") and "'t' cannot be converted to 'kWh'" in en
    assert not CJK.search(en)
    assert zh.startswith("orchard.toml：") and CJK.search(zh) and "cannot" not in zh
    assert "/srv" not in r.text and "/tmp" not in r.text  # no server path in any half


def test_a_refusal_without_file_answers_its_halves(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    office = shared_client_as("office")
    r = office.post("/api/footprints/compute", files={"file": ("x.toml", b"\xff")})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["detail_en"] and not CJK.search(body["detail_en"])
    assert CJK.search(body["detail_zh"])
    assert body["detail_en"] in body["detail"]


def test_a_bilingual_http_refusal_answers_its_halves(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    r = shared_client_as("office").get("/api/reporting/submissions/999999")
    assert r.status_code == 404, r.text
    body = r.json()
    assert (body["detail_en"], body["detail_zh"]) == ("no submission 999999", "无此填报")


def test_a_failed_job_answers_its_message_halves(
    web_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    def refused(ctx: JobContext) -> int:
        raise InputError(en="the year 2031 has no data", zh="2031 年没有数据")

    job = web_app.state.jobs.submit("account.run", "office", refused)
    web_app.state.jobs.wait(job.id)
    got = client_as("office").get(f"/api/jobs/{job.id}").json()
    assert got["state"] == "failed"
    assert got["message"] == "the year 2031 has no data / 2031 年没有数据"
    assert (got["message_en"], got["message_zh"]) == (
        "the year 2031 has no data",
        "2031 年没有数据",
    )


def test_a_failed_jobs_chinese_half_names_its_file_too(
    web_app: FastAPI, client_as: Callable[[str], TestClient]
) -> None:
    # the English half starts with the file's name; the Chinese half names it as well (by
    # its name, never the server's path)
    def refused(ctx: JobContext) -> int:
        raise InputFileError(
            "layer dem: the file is empty; upload it again",
            "图层 dem：文件为空，请重新上传",
            problem="empty",
            source="/srv/ganpo/data/2031/dem.tif",
        )

    job = web_app.state.jobs.submit("account.run", "office", refused)
    web_app.state.jobs.wait(job.id)
    got = client_as("office").get(f"/api/jobs/{job.id}").json()
    assert got["state"] == "failed"
    assert (got["message_en"], got["message_zh"]) == (
        "dem.tif: layer dem: the file is empty; upload it again",
        "dem.tif：图层 dem：文件为空，请重新上传",
    )
    assert "/srv" not in got["message"] and got["message"] == (
        f"{got['message_en']} / {got['message_zh']}"
    )
