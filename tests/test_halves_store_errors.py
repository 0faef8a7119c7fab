"""The errors that are not refusals — the store's (:class:`StoreError`,
:class:`StoreUnavailableError`, :class:`StoreConflictError`), :class:`ComputeError` and
:class:`OutputError` — keep the two halves they are given, as :class:`InputError` does:
across processes, and in the API's ``detail_en``/``detail_zh``, where the guess of
:func:`ganpo.errors.halves` would cut a half holding " / " and a Chinese word. None of them
is given "English / 中文" whole in ganpo's source."""

from __future__ import annotations

import ast
import errno
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

import ganpo
from ganpo.errors import (
    ComputeError,
    GanpoError,
    OutputError,
    StoreConflictError,
    StoreError,
    StoreUnavailableError,
    given_halves,
    halves,
    halves_of,
)
from ganpo.web.failures import error_answer, public_halves

#: an English half holding " / " and Chinese words: the guess cuts it after "南昌"
EN = "account #3 of zone 南昌 / 九江市鄱阳县生态保护红线 is in use"
ZH = "核算 #3 不能删除"

#: each class, the keyword arguments it takes besides its message, the attributes they give
CASES: list[tuple[type[GanpoError], dict[str, Any], dict[str, Any]]] = [
    (StoreError, {}, {}),
    (
        StoreUnavailableError,
        {"database": "sqlite:///store.db", "reason": "locked"},
        {"database": "sqlite:///store.db", "reason": "locked"},
    ),
    (
        StoreConflictError,
        {"record": "account #3", "references": ("transfer run #4",)},
        {"record": "account #3", "references": ["transfer run #4"]},
    ),
    (ComputeError, {"scheduler": "tcp://10.0.0.1:8786"}, {"scheduler": "tcp://10.0.0.1:8786"}),
    (
        OutputError,
        {"folder": Path("/srv/out"), "errno": errno.ENOSPC, "free_bytes": 12},
        {"folder": "/srv/out", "errno": errno.ENOSPC, "free_bytes": 12},
    ),
]
IDS = [case[0].__name__ for case in CASES]


@pytest.mark.parametrize(("cls", "kwargs", "attrs"), CASES, ids=IDS)
def test_an_error_given_its_halves_keeps_them_across_processes(
    cls: type[GanpoError], kwargs: dict[str, Any], attrs: dict[str, Any]
) -> None:
    exc = cls(en=EN, zh=ZH, **kwargs)  # type: ignore[call-arg]
    assert halves(str(exc)) != (EN, ZH)  # the guess would cut the English half
    for error in (exc, pickle.loads(pickle.dumps(exc))):
        assert type(error) is cls
        assert str(error) == f"{EN} / {ZH}"
        assert (getattr(error, "en", None), getattr(error, "zh", None)) == (EN, ZH)
        assert given_halves(error) == halves_of(error) == (EN, ZH)
        for name, value in attrs.items():
            assert getattr(error, name) == value, name


@pytest.mark.parametrize(("cls", "kwargs", "attrs"), CASES, ids=IDS)
def test_an_error_given_whole_is_split_by_its_text(
    cls: type[GanpoError], kwargs: dict[str, Any], attrs: dict[str, Any]
) -> None:
    exc = cls("the store is locked / 库被锁定", **kwargs)
    again = pickle.loads(pickle.dumps(exc))
    for error in (exc, again):
        assert str(error) == "the store is locked / 库被锁定"
        assert given_halves(error) is None
        assert halves_of(error) == ("the store is locked", "库被锁定")
        for name, value in attrs.items():
            assert getattr(error, name) == value, name
    with pytest.raises(TypeError, match="give the message, or both of its halves"):
        cls("whole / 整", en="whole", zh="整", **kwargs)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="give the message, or both of its halves"):
        cls(en="whole", **kwargs)  # type: ignore[call-arg]


def test_the_answer_of_a_conflict_gives_its_halves_as_given() -> None:
    exc = StoreConflictError(en=EN, zh=ZH, record="account #3")
    answer = error_answer(exc)
    assert answer == {"detail": f"{EN} / {ZH}", "detail_en": EN, "detail_zh": ZH}
    # given whole, the same text is still split by the guess
    whole = error_answer(StoreConflictError(f"{EN} / {ZH}", record="account #3"))
    assert (whole["detail_en"], whole["detail_zh"]) == halves(f"{EN} / {ZH}")


def test_the_answer_names_the_store_and_the_folder_by_their_file_names() -> None:
    exc = StoreUnavailableError(
        en="the store sqlite:////srv/ganpo/data/accounts.db is locked (database is locked)",
        zh="核算结果库 /srv/ganpo/data/accounts.db 正被其他进程锁定",
        database="sqlite:////srv/ganpo/data/accounts.db",
        reason="locked",
    )
    assert public_halves(exc) == (
        "the store sqlite:///accounts.db is locked (database is locked)",
        "核算结果库 accounts.db 正被其他进程锁定",
    )
    full = OutputError(
        en="cannot write the maps in /srv/ganpo/out: the disk is full",
        zh="无法在 /srv/ganpo/out 写入地图：磁盘已满",
        folder="/srv/ganpo/out",
        errno=errno.ENOSPC,
        free_bytes=0,
    )
    answer = error_answer(full)
    assert answer["detail_en"] == "cannot write the maps in out: the disk is full"
    assert answer["detail_zh"] == "无法在 out 写入地图：磁盘已满"
    assert answer["detail"] == f"{answer['detail_en']} / {answer['detail_zh']}"


#: the classes whose message must not be given "English / 中文" whole
CLASSES = {"StoreError", "StoreUnavailableError", "StoreConflictError", "ComputeError"}
CLASSES |= {"OutputError"}
#: constructions still given whole with a Chinese half (file, line's message start): none
ALLOWED: set[tuple[str, str]] = set()
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]")
_VALUE = "\x00"  # a formatted value in a message's text


def _text(node: ast.expr) -> str | None:
    """A message's text, each formatted value as :data:`_VALUE`; ``None`` when it is not
    written out (a variable, a call), so that its halves cannot be seen."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else _VALUE for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    return None


def _given_whole_in_two_languages(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
        if name not in CLASSES:
            continue
        message = next((k.value for k in node.keywords if k.arg == "message"), None)
        if node.args:
            message = node.args[0]
        if message is None:
            continue
        text = _text(message)
        if text is None:  # built elsewhere: "English / 中文" cannot be ruled out
            found.append((f"{path.name}:{node.lineno}", ast.unparse(message)[:40]))
        elif re.search(f" / .*{_CHINESE.pattern}", text, re.S) or re.fullmatch(
            f"{_VALUE} / {_VALUE}", text
        ):
            found.append((f"{path.name}:{node.lineno}", text[:40]))
    return found


def test_no_error_is_given_english_and_chinese_whole() -> None:
    source = Path(ganpo.__file__).parent
    found = [
        hit
        for path in sorted(source.rglob("*.py"))
        if "node_modules" not in path.parts
        for hit in _given_whole_in_two_languages(path)
    ]
    assert [hit for hit in found if (hit[0].split(":")[0], hit[1]) not in ALLOWED] == []
    assert len(list(source.rglob("store/*.py"))) > 10  # the walk saw the store
