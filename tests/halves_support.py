"""What the tests of refusals given in their two halves share (decision 0100): which
error classes take the message either whole or as ``en=``/``zh=``, and the calls of those
classes in a module whose message is given whole."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import ganpo.errors as errors

SRC = Path(__file__).resolve().parents[1] / "src" / "ganpo"


def _either_form() -> set[str]:
    """The error classes that take the message whole or as its halves ``en=``/``zh=``."""
    found = set()
    for name, cls in vars(errors).items():
        if isinstance(cls, type) and issubclass(cls, errors.InputError):
            parameters = inspect.signature(cls).parameters
            if {"message", "en", "zh"} <= set(parameters):
                found.add(name)
    return found


EITHER_FORM = _either_form()


def calls(tree: ast.Module) -> list[ast.Call]:
    """The calls of :data:`EITHER_FORM` classes in ``tree`` (imported under any name)."""
    names = set(EITHER_FORM)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ganpo.errors":
            names |= {a.asname for a in node.names if a.name in EITHER_FORM and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            if name in names:
                found.append(node)
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def whole_message(call: ast.Call) -> ast.expr | None:
    """The message a call gives whole (first argument or ``message=``), else ``None``."""
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "message"), None)


def given_whole(path: Path) -> list[ast.Call]:
    """The calls in ``path`` whose message is given whole."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [call for call in calls(tree) if whole_message(call) is not None]
