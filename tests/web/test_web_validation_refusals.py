"""A request whose path, query, body or form fields do not fit is refused like every other
request the platform refuses (decision 0095): 422 with ``detail`` ("English / 中文"),
``detail_en`` and ``detail_zh``, the field named in words, the value given echoed, what to
give said; no location tuple, no validator type name, no link."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

import ganpo
from ganpo.errors import PATTERN_WORDS_KEY, halves, pattern_in_words
from ganpo.web.validation import validation_answer

#: what FastAPI's own answer carried and ours must not
CODE = re.compile(r"\bloc\b|\bmsg\b|pydantic|https?://|_parsing|_type\b|greater_than|missing\"")

CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    # where, method + url, request arguments, English, Chinese
    (
        "path",
        "get /api/accounts/abc",
        {},
        "account id must be a whole number, got 'abc'",
        "核算编号应为整数，收到 'abc'",
    ),
    (
        "path",
        "get /api/accounts/0/summary",
        {},
        "account id must be 1 or more, got '0'",
        "核算编号应不小于 1，收到 '0'",
    ),
    (
        "query",
        "get /api/accounts/1/export",
        {"params": {"format": "pdf"}},
        "format must be one of 'xlsx' or 'csv', got 'pdf'",
        "格式应为以下之一：'xlsx'、'csv'，收到 'pdf'",
    ),
    (
        "query",
        "get /api/accounts/1/quality",
        {"params": {"lang": "fr"}},
        "language must be one of 'zh' or 'en', got 'fr'",
        "语言应为以下之一：'zh'、'en'，收到 'fr'",
    ),
    (
        "body",
        "post /api/accounts/run",
        {"json": {"year": "twenty"}},
        "year must be a whole number, got 'twenty'",
        "年份应为整数，收到 'twenty'",
    ),
    (
        "body",
        "post /api/accounts/run",
        {"json": {}},
        "year is missing; give it",
        "缺少年份，请给出",
    ),
    (
        "body",
        "post /api/accounts/run",
        {"content": b'{"year": ', "headers": {"Content-Type": "application/json"}},
        "the request body is not valid JSON; send a JSON object",
        "请求正文不是有效的 JSON，请提交 JSON 对象",
    ),
    (
        "form",
        "post /api/footprints/compute",
        {},
        "file is missing; give it",
        "缺少文件，请给出",
    ),
    (
        "form+query",
        "post /api/reporting/forms/vegetation_cover/upload",
        {"params": {"year": "abc"}, "files": {"file": ("fvc.tif", b"x", "image/tiff")}},
        "year must be a whole number, got 'abc'",
        "年份应为整数，收到 'abc'",
    ),
    (
        "path",  # a pattern said in words, not as a regular expression
        "get /api/zoning/checks/xyz",
        {},
        "check id must be the 16 characters (digits and a to f) the platform gave it, got 'xyz'",
        "核查编号应为平台给出的 16 位编号（数字及 a 至 f），收到 'xyz'",
    ),
    (
        "query",
        "get /api/accounts/1/indicators/by-unit",
        {"params": {"indicator": "Water Yield"}},
        "one indicator must be lower-case letters, digits or _, got 'Water Yield'",
        "指标应为小写字母、数字或 _，收到 'Water Yield'",
    ),
    (
        "body",  # a field named by the words of its bilingual description
        "post /api/accounts/1/supersede",
        {"json": {"by": "x", "reason": "revised"}},
        "the revised account must be a whole number, got 'x'",
        "修订核算编号应为整数，收到 'x'",
    ),
]


@pytest.mark.parametrize(
    ("where", "request_", "kwargs", "en", "zh"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_a_field_that_does_not_fit_is_refused_in_both_languages(
    shared_client_as: Callable[[str], TestClient],
    where: str,
    request_: str,
    kwargs: dict[str, Any],
    en: str,
    zh: str,
) -> None:
    method, url = request_.split(" ", 1)
    r = shared_client_as("office").request(method.upper(), url, **kwargs)
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"detail", "detail_en", "detail_zh"}, body
    assert (body["detail_en"], body["detail_zh"]) == (en, zh)
    assert body["detail"] == f"{en} / {zh}"
    assert halves(body["detail"]) == (en, zh)  # the page's splitter finds the same halves
    assert not CODE.search(r.text), r.text


def test_every_problem_of_a_request_is_named(
    shared_client_as: Callable[[str], TestClient],
) -> None:
    r = shared_client_as("admin").post("/api/auth/login", json={"username": 5})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["detail_en"] == "username must be text, got 5; password is missing; give it"
    assert body["detail_zh"] == "用户名应为文本，收到 5；缺少密码，请给出"


class _Layer(BaseModel):
    unit: str


class _Body(BaseModel):
    targets: dict[int, float]
    layers: list[_Layer]


class _Route:
    """What the handler reads of a matched route: the model of its body."""

    class body_field:  # noqa: N801 - FastAPI's attribute
        class field_info:  # noqa: N801
            annotation = _Body


def test_nested_body_fields_are_named_by_their_keys_and_items() -> None:
    with pytest.raises(ValidationError) as refused:
        _Body.model_validate({"targets": {"x": 1, "2": "y"}, "layers": [{}, {"unit": 5}]})
    errors = [{**e, "loc": ("body", *e["loc"])} for e in refused.value.errors()]
    answer = validation_answer(errors, _Route())
    assert answer["detail_en"].split("; ") == [
        "a key of targets must be a whole number, got 'x'",
        "the entry '2' of targets must be a number, got 'y'",
        "unit of item 1 of layers is missing",
        "give it",
        "unit of item 2 of layers must be text, got 5",
    ]
    assert answer["detail_zh"].split("；") == [
        "字段“targets”的键应为整数，收到 'x'",
        "字段“targets”中 '2' 的值应为数字，收到 'y'",
        "缺少字段“layers”第 1 项的字段“unit”，请给出",
        "字段“layers”第 2 项的字段“unit”应为文本，收到 5",
    ]
    assert halves(answer["detail"]) == (answer["detail_en"], answer["detail_zh"])


def _patterns(schema: Any, worded: bool = False) -> tuple[set[str], set[str]]:
    """The patterns of a schema: those declared with words (in their own schema or the
    field's schema that holds it, e.g. around ``anyOf`` of an optional field) and those
    without."""
    if isinstance(schema, list):
        found = [_patterns(v, worded) for v in schema]
    elif isinstance(schema, dict):
        worded = worded or isinstance(schema.get(PATTERN_WORDS_KEY), dict)
        found = [_patterns(v, worded) for k, v in schema.items() if k != PATTERN_WORDS_KEY]
        if isinstance(schema.get("pattern"), str):
            found.append(({schema["pattern"]}, set()) if worded else (set(), {schema["pattern"]}))
    else:
        return set(), set()
    return set().union(*(f[0] for f in found)), set().union(*(f[1] for f in found))


def test_every_pattern_of_the_api_is_said_in_words(shared_app: FastAPI) -> None:
    """A field refused by its pattern is told its form in words: every pattern of the API's
    schema (path, query, body, and the models the bodies hold) is declared with words."""
    worded, bare = _patterns(shared_app.openapi())
    assert len(worded | bare) >= 8  # the schema holds the routes' patterns
    assert sorted(bare) == []


def test_every_pattern_of_the_code_is_declared_with_its_words() -> None:
    """No field of ganpo takes a bare ``pattern=``: each declares it with its words
    (``pattern_in_words``), in the API or not (a model may be a route's body later)."""
    bare = []
    root = Path(ganpo.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and any(k.arg == "pattern" for k in node.keywords):
                bare.append(f"{path.relative_to(root)}:{node.lineno}")
    assert bare == []


class _Named(BaseModel):
    handle: str = Field(**pattern_in_words(r"^[a-z]+$", "lower-case letters", "小写字母"))
    label: str | None = Field(default=None, pattern=r"^[a-z]+$")  # no words declared


def _app() -> FastAPI:
    """Two query parameters and a body field of one pattern, each with words of its own,
    and a body field of that pattern without words, refused by the platform's handler."""
    app = FastAPI()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_answer(exc.errors(), request.scope.get("route")), 422)

    @app.post("/named")
    async def named(
        body: _Named,
        shelf: Annotated[
            str, Query(**pattern_in_words(r"^[a-z]+$", "a shelf's letters", "书架字母"))
        ] = "a",
        row: Annotated[
            str, Query(**pattern_in_words(r"^[a-z]+$", "a row's letters", "排字母"))
        ] = "a",
    ) -> dict[str, str]:
        return {}

    return app


@pytest.mark.parametrize(
    ("params", "body", "en", "zh"),
    [
        (
            {"shelf": "A1"},
            {"handle": "a"},
            "shelf must be a shelf's letters, got 'A1'",
            "字段“shelf”应为书架字母，收到 'A1'",
        ),
        (
            {"row": "A1"},
            {"handle": "a"},
            "row must be a row's letters, got 'A1'",
            "字段“row”应为排字母，收到 'A1'",
        ),
        (
            {},
            {"handle": "A1"},
            "handle must be lower-case letters, got 'A1'",
            "字段“handle”应为小写字母，收到 'A1'",
        ),
        (
            {},
            {"handle": "a", "label": "A1"},
            "label is not in the form this field takes, got 'A1'",
            "字段“label”不符合该字段的格式，收到 'A1'",
        ),
    ],
    ids=["query", "another query of that pattern", "body", "body field without words"],
)
def test_a_pattern_is_said_in_the_words_declared_with_the_field(
    params: dict[str, str], body: dict[str, str], en: str, zh: str
) -> None:
    """The words come from the refused field's declaration, not from the pattern's text:
    three fields of one pattern say three forms, and one without words says none."""
    r = TestClient(_app()).post("/named", params=params, json=body)
    assert r.status_code == 422, r.text
    assert (r.json()["detail_en"], r.json()["detail_zh"]) == (en, zh)
    assert "[a-z]" not in r.text


def test_a_pattern_without_words_is_refused_without_the_expression() -> None:
    error = {
        "type": "string_pattern_mismatch",
        "loc": ("query", "shelf_mark"),
        "msg": "String should match pattern '^[x-z]{3}$'",
        "input": "abc",
        "ctx": {"pattern": "^[x-z]{3}$"},
    }
    answer = validation_answer([error])
    assert answer["detail_en"] == "shelf mark is not in the form this field takes, got 'abc'"
    assert answer["detail_zh"] == "字段“shelf mark”不符合该字段的格式，收到 'abc'"
    assert "[x-z]" not in answer["detail"]
