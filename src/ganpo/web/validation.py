"""The API's refusal of a request its parameters do not fit (FastAPI's request validation:
``/api/accounts/abc``, a missing or mistyped query or form field, a body that is not
JSON): one bilingual message like every other refusal of the platform (decision 0095),
``{"detail": "English / 中文", "detail_en": …, "detail_zh": …}``.

Each problem names the field in words (a glossary's, else its description's words when
the route gives them in both languages, else its name's), says what to give and echoes the
value given: "account id must be a whole number, got 'abc' / 核算编号应为整数，收到 'abc'".
A value a field's pattern refuses is told the form in the words declared with the pattern
at the field (:func:`ganpo.errors.pattern_in_words`), found from the problem's location in
the matched route, never the regular expression (decision 0099).
No location tuple, no type name of the validating library, no link to its documentation.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from ganpo.errors import (
    SEPARATOR,
    BilingualValueError,
    declared_pattern_words,
    halves,
    pattern_in_words,
)

#: how long an echoed value may be (a request may carry anything)
_SHOWN = 60

#: the words of the fields many routes share, written as names: they come before a
#: route's own description of a field, which may explain more than name it ("why")
GLOSSARY: dict[str, tuple[str, str]] = {
    "account_id": ("account id", "核算编号"),
    "year": ("year", "年份"),
    "adcode": ("unit code", "行政区代码"),
    "lang": ("language", "语言"),
    "format": ("format", "格式"),
    "limit": ("number of rows", "条数"),
    "offset": ("first row", "起始行"),
    "job_id": ("job id", "任务编号"),
    "submission_id": ("submission id", "填报编号"),
    "run_id": ("run id", "运行编号"),
    "participant_id": ("participant id", "参与方编号"),
    "user_id": ("user id", "用户编号"),
    "code": ("code", "编码"),
    "study": ("study", "研究"),
    "form_key": ("form", "报表"),
    "version": ("version", "版本"),
    "name": ("name", "名称"),
    "discount_rate": ("discount rate", "折现率"),
    "horizon_years": ("horizon in years", "年限"),
    "level": ("level", "级别"),
    "method": ("method", "方法"),
    "state": ("state", "状态"),
    "username": ("username", "用户名"),
    "password": ("password", "密码"),
    "reason": ("reason", "理由"),
    "comment": ("comment", "意见"),
    "role": ("role", "角色"),
    "file": ("file", "文件"),
    "geometry": ("geometry", "几何图形"),
    "profile": ("profile", "核算口径"),
    "parameter_set": ("parameter set", "参数集"),
    "key": ("alert key", "预警编号"),
}

#: what a value of each kind of problem must be: English, Chinese (``{…}`` from the
#: problem's context); the value given follows
_MUST: dict[str, tuple[str, str]] = {
    "int_parsing": ("must be a whole number", "应为整数"),
    "int_type": ("must be a whole number", "应为整数"),
    "int_from_float": ("must be a whole number", "应为整数"),
    "float_parsing": ("must be a number", "应为数字"),
    "float_type": ("must be a number", "应为数字"),
    "finite_number": ("must be a finite number", "应为有限的数字"),
    "decimal_parsing": ("must be a number", "应为数字"),
    "bool_parsing": ("must be true or false", "应为 true 或 false"),
    "bool_type": ("must be true or false", "应为 true 或 false"),
    "string_type": ("must be text", "应为文本"),
    "greater_than": ("must be above {gt}", "应大于 {gt}"),
    "greater_than_equal": ("must be {ge} or more", "应不小于 {ge}"),
    "less_than": ("must be below {lt}", "应小于 {lt}"),
    "less_than_equal": ("must be {le} or less", "应不大于 {le}"),
    "multiple_of": ("must be a multiple of {multiple_of}", "应为 {multiple_of} 的倍数"),
    "literal_error": ("must be one of {expected}", "应为以下之一：{expected_zh}"),
    "enum": ("must be one of {expected}", "应为以下之一：{expected_zh}"),
    "string_too_short": (
        "must have at least {min_length} character(s)",
        "至少应有 {min_length} 个字符",
    ),
    "string_too_long": ("must have at most {max_length} characters", "至多 {max_length} 个字符"),
    "too_short": ("must have at least {min_length} item(s)", "至少应有 {min_length} 项"),
    "too_long": ("must have at most {max_length} items", "至多应有 {max_length} 项"),
    "dict_type": ("must be a JSON object", "应为 JSON 对象"),
    "model_type": ("must be a JSON object", "应为 JSON 对象"),
    "model_attributes_type": ("must be a JSON object", "应为 JSON 对象"),
    "list_type": ("must be a list", "应为列表"),
    "tuple_type": ("must be a list", "应为列表"),
    "set_type": ("must be a list", "应为列表"),
    "date_parsing": ("must be a date (YYYY-MM-DD)", "应为日期（YYYY-MM-DD）"),
    "date_from_datetime_parsing": ("must be a date (YYYY-MM-DD)", "应为日期（YYYY-MM-DD）"),
    "date_type": ("must be a date (YYYY-MM-DD)", "应为日期（YYYY-MM-DD）"),
    "datetime_parsing": (
        "must be a date and time (YYYY-MM-DDTHH:MM:SS)",
        "应为日期时间（YYYY-MM-DDTHH:MM:SS）",
    ),
    "datetime_from_date_parsing": (
        "must be a date and time (YYYY-MM-DDTHH:MM:SS)",
        "应为日期时间（YYYY-MM-DDTHH:MM:SS）",
    ),
    "datetime_type": (
        "must be a date and time (YYYY-MM-DDTHH:MM:SS)",
        "应为日期时间（YYYY-MM-DDTHH:MM:SS）",
    ),
}


#: the form of the ids the platform gives its checks, scenarios and audit packs
#: (``secrets.token_hex(8)``), declared with the words a refusal says it in
PLATFORM_ID = pattern_in_words(
    r"^[0-9a-f]{16}$",
    "the 16 characters (digits and a to f) the platform gave it",
    "平台给出的 16 位编号（数字及 a 至 f）",
)


def _pattern_words(words: tuple[str, str] | None) -> tuple[str, str]:
    """What a value refused by a field's pattern must be, in the words declared with the
    pattern (:func:`ganpo.errors.pattern_in_words`), never the expression."""
    if words is None:
        return "is not in the form this field takes", "不符合该字段的格式"
    return f"must be {words[0]}", f"应为{words[1]}"


def validation_answer(errors: Iterable[Mapping[str, Any]], route: object = None) -> dict[str, str]:
    """The JSON answer (``detail``, ``detail_en``, ``detail_zh``) of a request FastAPI's
    validation refused: its problems (``RequestValidationError.errors()``), each naming the
    field of ``route`` (the matched route, for its parameters' descriptions and the words
    declared with their patterns) in words."""
    fields, forms = _described_fields(route)
    body = _body_model(route)
    en: list[str] = []
    zh: list[str] = []
    for error in errors:
        e, z = _problem(error, fields, forms, body)
        if e not in en:
            en.append(e)
            zh.append(z)
    if not en:  # never seen: FastAPI raises this error with its problems
        en, zh = ["the request is not valid"], ["请求无效"]
    en_text, zh_text = "; ".join(en), "；".join(zh)
    return {"detail": f"{en_text}{SEPARATOR}{zh_text}", "detail_en": en_text, "detail_zh": zh_text}


def _problem(
    error: Mapping[str, Any],
    fields: Mapping[str, tuple[str, str]],
    forms: Mapping[str, tuple[str, str]],
    body: type[BaseModel] | None,
) -> tuple[str, str]:
    kind = str(error.get("type", ""))
    loc = tuple(error.get("loc") or ())
    ctx = dict(error.get("ctx") or {})
    if kind == "json_invalid":
        return (
            "the request body is not valid JSON; send a JSON object",
            "请求正文不是有效的 JSON，请提交 JSON 对象",
        )
    (en_name, zh_name), form = _field_name(loc, fields, forms, body)
    if kind == "missing":
        return f"{en_name} is missing; give it", f"缺少{zh_name}，请给出"
    if kind == "extra_forbidden":
        return (
            f"{en_name} is not a field of this request; check its spelling or leave it out",
            f"{zh_name}不是此请求的字段，请检查拼写或删去",
        )
    got_en, got_zh = _given(error.get("input"))
    if kind in ("value_error", "assertion_error"):
        cause = ctx.get("error")
        if isinstance(cause, BilingualValueError):
            said_en, said_zh = cause.en, cause.zh
        else:
            said_en, said_zh = halves(str(cause) if cause is not None else str(error["msg"]))
            if said_zh == said_en:
                said_zh = f"取值无效（{said_en}）"
        return f"{en_name}: {said_en}{got_en}", f"{zh_name}：{said_zh}{got_zh}"
    if kind == "string_pattern_mismatch":
        must_en, must_zh = _pattern_words(form)
        return f"{en_name} {must_en}{got_en}", f"{zh_name}{must_zh}{got_zh}"
    must = _MUST.get(kind)
    if must is not None:
        expected = str(ctx.get("expected", ""))
        ctx["expected_zh"] = expected.replace(" or ", "、").replace(", ", "、")
        try:
            must_en, must_zh = must[0].format(**ctx), must[1].format(**ctx)
        except (KeyError, IndexError):
            must = None
    if must is None:  # a problem without words of its own: the validator's, in English
        must_en = f"is not valid ({error.get('msg', '')})"
        must_zh = f"取值无效（{error.get('msg', '')}）"
    return f"{en_name} {must_en}{got_en}", f"{zh_name}{must_zh}{got_zh}"


def _given(value: Any) -> tuple[str, str]:
    """ ", got 'abc'" / "，收到 'abc'": the value given, shortened."""
    if isinstance(value, bool) or value is None:
        shown = "null" if value is None else str(value).lower()
    elif isinstance(value, int | float):
        try:
            shown = _short(str(value))  # a non-finite number as "nan", "inf"
        except ValueError:  # an integer of more digits than Python writes out
            return ", got a number too long to show", "，收到的数字过长"
    elif isinstance(value, str):
        text = _short(value)
        quote = '"' if "'" in text else "'"
        shown = f"{quote}{text}{quote}"
    elif isinstance(value, Mapping):
        return ", got a JSON object", "，收到的是 JSON 对象"
    elif isinstance(value, list | tuple):
        return ", got a list", "，收到的是列表"
    else:
        return "", ""
    return f", got {shown}", f"，收到 {shown}"


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def _words(name: str) -> str:
    return name.replace("_", " ").strip()


def _field_name(
    loc: tuple[Any, ...],
    fields: Mapping[str, tuple[str, str]],
    forms: Mapping[str, tuple[str, str]],
    body: type[BaseModel] | None,
) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The field a problem is about, in words, in English and in Chinese, and the words
    declared with its pattern (``None``: none declared, or the field is not found)."""
    if not loc:
        return ("the request", "请求"), None
    where, path = loc[0], loc[1:]
    if where == "body":
        if not path:
            return ("the request body", "请求正文"), None
        return _body_field_name(path, body)
    if where in ("path", "query", "header", "cookie") and path:
        name = str(path[0])
        return GLOSSARY.get(name) or fields.get(name) or _unnamed(name), forms.get(name)
    return _unnamed(".".join(str(p) for p in loc)), None


def _unnamed(name: str) -> tuple[str, str]:
    words = _words(name)
    return words, f"字段“{words}”"


def _body_field_name(
    path: tuple[Any, ...], model: type[BaseModel] | None
) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The words of a field of the request body: its last key, with the key and item it
    is in ("unit of item 2 of layers" / "layers第 2 项的unit"); and the words declared
    with the pattern of the field the path ends at."""
    names: list[tuple[tuple[str, str], int | None]] = []  # each key, and the item after it
    current: Any = model
    mapping: tuple[str, str] | None = None  # the words of the mapping a key is of
    form: tuple[str, str] | None = None  # the pattern's words of the field the path is at
    for part in path:
        form = None
        if part == "[key]" and mapping is not None:  # the key itself was refused
            names[-1] = ((f"a key of {mapping[0]}", f"{mapping[1]}的键"), None)
            continue
        if typing.get_origin(current) is dict and names:  # an entry of a mapping
            mapping = names[-1][0]
            entry = (f"the entry {part!r} of {mapping[0]}", f"{mapping[1]}中 {part!r} 的值")
            names[-1] = (entry, None)
            current = _element(current)
            continue
        mapping = None
        if isinstance(part, int):
            if names:
                names[-1] = (names[-1][0], part + 1)
            current = _element(current)
            continue
        key = str(part)
        described = None
        field = None
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = _model_field(current, key)
        if field is not None:
            described = _bilingual(field.description)
            form = declared_pattern_words(field)
            current = _unwrap(field.annotation)
        else:
            current = None
        names.append((GLOSSARY.get(key) or described or _unnamed(key), None))
    if not names:
        return ("the request body", "请求正文"), None
    (en, zh), item = names[-1]
    if item is not None:  # a list's item is the field itself
        en, zh = f"item {item} of {en}", f"{zh}第 {item} 项"
    if len(names) > 1:
        (parent_en, parent_zh), parent_item = names[-2]
        if parent_item is not None:
            parent_en = f"item {parent_item} of {parent_en}"
            parent_zh = f"{parent_zh}第 {parent_item} 项"
        en, zh = f"{en} of {parent_en}", f"{parent_zh}的{zh}"
    return (en, zh), form


def _model_field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias, field.validation_alias):
            return field
    return None


def _unwrap(annotation: Any) -> Any:
    """A model or list type inside ``Optional[…]`` / ``X | None`` / ``Annotated[…]``."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(inner[0]) if len(inner) == 1 else None
    return annotation


def _element(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (list, tuple, set, frozenset) and args:
        return _unwrap(args[0])
    if typing.get_origin(annotation) is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def _bilingual(description: str | None) -> tuple[str, str] | None:
    """A description "account id / 核算编号" as its two halves, each cut before what it
    adds ("unit (adcode, …); default: …" → "unit"); ``None`` when it is not bilingual."""
    if not description:
        return None
    en, zh = halves(description)
    if en == zh:
        return None
    for stop in (" (", ";", ","):
        en = en.split(stop, 1)[0]
    for stop in ("（", "(", "；", "，", ";", ","):
        zh = zh.split(stop, 1)[0]
    en, zh = en.strip(), zh.strip()
    return (en, zh) if en and zh else None


def _described_fields(
    route: object,
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The words of the path, query, header and cookie parameters of ``route``, by their
    names in the request: of those whose description is bilingual, and of the forms their
    patterns ask for, declared with them."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return {}, {}
    try:
        from fastapi.dependencies.utils import get_flat_params

        params = get_flat_params(dependant)
    except Exception:  # pragma: no cover - FastAPI's helper moved: the glossary serves
        return {}, {}
    named: dict[str, tuple[str, str]] = {}
    forms: dict[str, tuple[str, str]] = {}
    for param in params:
        words = _bilingual(getattr(param.field_info, "description", None))
        if words is not None:
            named.setdefault(param.alias, words)
        form = declared_pattern_words(param.field_info)
        if form is not None:
            forms.setdefault(param.alias, form)
    return named, forms


def _body_model(route: object) -> type[BaseModel] | None:
    """The model of ``route``'s request body (FastAPI's, holding every body parameter when
    there are several or they are form fields)."""
    field = getattr(route, "body_field", None)
    annotation = _unwrap(getattr(getattr(field, "field_info", None), "annotation", None))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None
