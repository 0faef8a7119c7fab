"""Every construction of the store's errors (:class:`StoreError`,
:class:`StoreUnavailableError`, :class:`StoreConflictError`), of :class:`ComputeError` and
of :class:`OutputError` in ganpo's source gives its Chinese half (``zh=``), so that no
such error reaches a user in English only; and one of them, asking for an application run
that is not stored, says so in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ganpo
from applications_support import GEP_2022, account
from ganpo.errors import StoreError
from ganpo.store import applications
from ganpo.store.repository import open_store, save_account

#: the errors whose every construction must give ``zh=``
CLASSES = {"StoreError", "StoreUnavailableError", "StoreConflictError", "ComputeError"}
CLASSES |= {"OutputError"}
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _called(node: ast.Call) -> str | None:
    """The name a call calls, by name (``StoreError(…)``) or by attribute
    (``errors.StoreError(…)``)."""
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def _gives_zh(node: ast.Call) -> bool | None:
    """Whether a call gives ``zh=``: ``True`` (a ``zh=`` keyword that is not ``None``, or
    a ``**{"zh": …}`` splat written out), ``False`` (none), ``None`` (a ``**kwargs`` splat
    that may or may not hold it: unknown)."""
    unknown = False
    for keyword in node.keywords:
        if keyword.arg == "zh":
            value = keyword.value
            return not (isinstance(value, ast.Constant) and value.value is None)
        if keyword.arg is None:  # **splat
            splat = keyword.value
            if isinstance(splat, ast.Dict) and any(
                isinstance(k, ast.Constant) and k.value == "zh" for k in splat.keys
            ):
                return True
            unknown = True
    return None if unknown else False


def without_chinese(source: str, where: str) -> list[str]:
    """``where:line (why)`` for each construction of :data:`CLASSES` in ``source`` that
    gives no ``zh=`` (or may not: a ``**kwargs`` splat)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _called(node) in CLASSES:
            gives = _gives_zh(node)
            if gives is not True:
                why = "no zh=" if gives is False else "zh= unknown (**splat)"
                found.append(f"{where}:{node.lineno} {_called(node)} ({why})")
    return found


def _calls(source: str) -> int:
    return sum(
        isinstance(n, ast.Call) and _called(n) in CLASSES for n in ast.walk(ast.parse(source))
    )


def test_the_walk_tells_a_construction_without_its_chinese_half() -> None:
    source = (
        "StoreError('the rule was not stored')\n"
        "errors.ComputeError(en='lost', zh='丢失', scheduler='s')\n"
        "OutputError(f'{x} not written', folder=d, errno=None, free_bytes=None)\n"
        "StoreConflictError(**kwargs)\n"
        "StoreUnavailableError(**{'en': 'a', 'zh': '甲'}, database='d', reason='lost')\n"
        "StoreError(en='a', zh=None)\n"
        "ValueError('not ours')\n"
    )
    assert _calls(source) == 6
    assert without_chinese(source, "m.py") == [
        "m.py:1 StoreError (no zh=)",
        "m.py:3 OutputError (no zh=)",
        "m.py:4 StoreConflictError (zh= unknown (**splat))",
        "m.py:6 StoreError (no zh=)",
    ]


def test_every_store_compute_and_output_error_gives_its_chinese_half() -> None:
    root = Path(ganpo.__file__).parent
    found: list[str] = []
    calls = 0
    for path in sorted(root.rglob("*.py")):
        if "node_modules" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        calls += _calls(source)
        found += without_chinese(source, path.relative_to(root.parent).as_posix())
    assert calls > 30  # the walk saw the store's, compute and output errors
    assert found == [], f"{len(found)} given in English only:\n" + "\n".join(found)


def test_a_run_not_stored_is_named_in_both_languages(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    aid = save_account(engine, account(2022, GEP_2022))
    rule = applications.save_rule(
        engine, kind="transfer", name="r", digest="d" * 64, body={}, actor="t"
    )
    run = applications.save_run(
        engine,
        kind="transfer",
        rule_id=rule.id,
        year=2022,
        account_ids=[aid],
        inputs=[],
        params={},
        notes=[],
        lines=[],
        actor="tester",
    )
    missing = run + 98
    with pytest.raises(StoreError) as raised:
        applications.get_run(engine, missing)
    exc = raised.value
    assert exc.en == f"no application run {missing} in the store; stored ids: [{run}]"
    assert _CHINESE.search(exc.zh), exc.zh
    assert str(missing) in exc.zh and f"[{run}]" in exc.zh, exc.zh
    assert str(exc) == f"{exc.en} / {exc.zh}"
