"""The web half of tests/cli/test_bad_input_corpus_account_arguments.py: the API routes
that take an account id in their path, on the demo platform (tests/web/conftest.py: the
accounts of 2022, #1, and 2023, #2).

* ``refused:missing`` — an id not stored (99): 404, the id named in English and Chinese,
  the store unchanged (its SQLite dump) and no file written in the work folder.
* ``refused:invalid`` — 0, −1 or ``abc``: 422 from the path's validation, naming the
  account id and echoing the value in English and Chinese (decision 0095).
* ``marked`` — account #1 withdrawn: its quality report and its Excel export say so in
  both languages.
* ``accepted`` — account #2 withdrawn beside: #1's quality report is the very answer of
  the unchanged store.
"""

from __future__ import annotations

import io
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from corpus_support import has_chinese_half, store_dump
from ganpo.web.app import Settings

ROUTES = [
    ("get", "/api/accounts/{id}"),
    ("get", "/api/accounts/{id}/summary"),
    ("get", "/api/accounts/{id}/quality"),
    ("get", "/api/accounts/{id}/export?format=xlsx"),
    ("get", "/api/accounts/{id}/report"),
    ("post", "/api/accounts/{id}/publish"),
    ("post", "/api/accounts/{id}/withdraw"),
    ("post", "/api/accounts/{id}/supersede"),
    ("delete", "/api/accounts/{id}"),
]
BODIES = {"withdraw": {"reason": "corpus"}, "supersede": {"by": 1, "reason": "corpus"}}


def call(client: TestClient, method: str, route: str, account_id: str) -> object:
    url = route.format(id=account_id)
    body = BODIES.get(url.rsplit("/", 1)[-1])
    if method == "post":
        return client.post(url, json=body)
    return getattr(client, method)(url)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m}:{r}" for m, r in ROUTES])
@pytest.mark.parametrize("value", ["99", "0", "-1", "abc"])
def test_bad_account_id_in_path(
    method: str,
    route: str,
    value: str,
    client_as: Callable[[str], TestClient],
    web_settings: Settings,
) -> None:
    office = client_as("office")
    db = Path(web_settings.database)
    work = Path(web_settings.work_dir)
    before, files = store_dump(db), _files(work)
    r = call(office, method, route, value)
    assert "Traceback" not in r.text  # type: ignore[attr-defined]
    if value == "99":
        assert r.status_code == 404, r.text  # type: ignore[attr-defined]
        detail = r.json()["detail"]  # type: ignore[attr-defined]
        assert re.search(r"no account 99\b.* / 核算 #99 不存在", detail), detail
        assert has_chinese_half(detail), detail
    else:
        assert r.status_code == 422, r.text  # type: ignore[attr-defined]
        body = r.json()  # type: ignore[attr-defined]
        en, zh = body["detail_en"], body["detail_zh"]
        if value == "abc":
            must_en, must_zh = "must be a whole number", "应为整数"
        else:
            must_en, must_zh = "must be 1 or more", "应不小于 1"
        assert en == f"account id {must_en}, got '{value}'", en
        assert zh == f"核算编号{must_zh}，收到 '{value}'", zh
        assert body["detail"] == f"{en} / {zh}" and has_chinese_half(body["detail"])
        assert not re.search(r"loc|pydantic|https?://|int_parsing|greater_than", r.text)  # type: ignore[attr-defined]
    assert store_dump(db) == before, "a refused request changed the store"
    assert _files(work) == files, "a refused request wrote a file"


def _withdraw(client: TestClient, account_id: int) -> None:
    r = client.post(f"/api/accounts/{account_id}/withdraw", json={"reason": "corpus"})
    assert r.status_code == 200, r.text


MARK = (r"account #1 was withdrawn \(20\d\d-\d\d-\d\d: corpus\)", r"核算 #1 已撤回")


def test_withdrawn_account_is_marked(client_as: Callable[[str], TestClient]) -> None:
    office = client_as("office")
    _withdraw(office, 1)
    quality = office.get("/api/accounts/1/quality").json()
    assert all(re.search(m, quality["standing"]) for m in MARK), quality.get("standing")
    r = office.get("/api/accounts/1/export?format=xlsx")
    assert r.status_code == 200, r.text
    wb = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    text = " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert all(re.search(m, text) for m in MARK), "the workbook does not say #1 is withdrawn"


def test_other_account_withdrawn_changes_nothing(
    client_as: Callable[[str], TestClient], web_settings: Settings
) -> None:
    office = client_as("office")
    before = office.get("/api/accounts/1/quality").json()
    assert "standing" not in before
    _withdraw(office, 2)
    assert office.get("/api/accounts/1/quality").json() == before
    with sqlite3.connect(web_settings.database) as conn:
        assert conn.execute("SELECT status FROM accounts WHERE id = 2").fetchone() == ("withdrawn",)
