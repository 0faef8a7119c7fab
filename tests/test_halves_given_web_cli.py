"""The refusals of the web, cli, report and submissions packages and of the Python API
(``ganpo/api.py``) give their message in its two halves,
``InputError(en=..., zh=...)``, never whole to be split again by the heuristic
:func:`ganpo.errors.halves`, which can mis-split a message that quotes another refusal."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import halves_support
from ganpo.errors import InputError

SRC = halves_support.SRC
PACKAGES = ("web", "cli", "report", "submissions", "api.py")  # folders, or one module
#: refusals still given whole because they have no Chinese half to give (file, the start
#: of the message): none since every refusal was given its Chinese; one given whole again
#: must be listed here
ENGLISH_ONLY: set[tuple[str, str]] = set()


def _sources() -> list[Path]:
    files = []
    for package in PACKAGES:
        if package.endswith(".py"):
            files.append(SRC / package)
            continue
        for path in sorted((SRC / package).rglob("*.py")):
            if "node_modules" not in path.parts:
                files.append(path)
    return files


def _start(message: ast.expr) -> str:
    """The literal text a message expression starts with."""
    if isinstance(message, ast.Constant) and isinstance(message.value, str):
        return message.value
    if isinstance(message, ast.JoinedStr) and message.values:
        return _start(message.values[0])
    return ""


def _whole_messages(path: Path) -> list[tuple[int, str]]:
    """The line and the start of each refusal in ``path`` given a whole message."""
    found = []
    for call in halves_support.given_whole(path):
        message = halves_support.whole_message(call)
        assert message is not None
        found.append((call.lineno, _start(message)))
    return found


def test_the_packages_are_read() -> None:
    files = _sources()
    assert len(files) > 50
    calls = 0
    for path in files:
        for call in halves_support.calls(ast.parse(path.read_text(encoding="utf-8"))):
            assert {k.arg for k in call.keywords} >= {"en", "zh"} or call.args
            calls += 1
    assert calls > 70  # the walk sees the refusals it checks


def test_refusals_give_their_two_halves() -> None:
    wrong = []
    english_only = set()
    for path in _sources():
        relative = path.relative_to(SRC).as_posix()
        for line, start in _whole_messages(path):
            allowed = [e for e in ENGLISH_ONLY if e[0] == relative and start.startswith(e[1])]
            if allowed:
                english_only.update(allowed)
            else:
                wrong.append(f"{relative}:{line} {start[:60]!r}")
    assert not wrong, (
        "give the message of these refusals in its two halves, "
        'InputError(en="…", zh="…"), not whole "… / …":\n' + "\n".join(wrong)
    )
    # an English-only refusal since given its halves, or moved: drop it from the list
    assert english_only == ENGLISH_ONLY


def test_a_refusal_quoting_another_keeps_its_own_halves() -> None:
    """The budget's unit refusal quotes the unit catalogue's own bilingual refusal: the
    heuristic split it at the quoted refusal's separator, putting English in the Chinese
    half; the halves given keep the budget's Chinese whole."""
    from ganpo.cli.apply import _budget

    with pytest.raises(InputError) as caught:
        _budget(5, "USD")
    exc = caught.value
    assert exc.zh == "预算单位 --unit 的值 USD 无法换算为元（人民币），请用 元、万元 或 亿元"
    assert exc.en.startswith("--unit 'USD': ")
    assert exc.en.endswith("; give a unit of CNY such as 元, 万元, 亿元")
    assert str(exc) == f"{exc.en} / {exc.zh}"
    # the catalogue's refusal quoted in English only: one separator, the budget's own
    assert str(exc).count(" / ") == 1, str(exc)
