"""Every refusal of the modules listed below is bilingual: the call that raises an
:class:`~ganpo.errors.InputError` (or a subclass) holds Chinese text, or the function builds
its message from Chinese text above the raise (a message assembled from parts), or the
error class makes the Chinese half itself (``UnknownNameError``, ``InputFileError``,
``TableFileError``: their callers give both halves).

The end-to-end proof is the bad-input corpora (``tests/cli/test_bad_input_corpus*.py``),
which ask every refusal they provoke for its Chinese half (``has_chinese_half``). This
static check covers the raises no corpus case reaches yet, and keeps a module once made
bilingual from gaining an English-only refusal. A module joins :data:`BILINGUAL` when all
its refusals have their Chinese half.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ganpo.errors as errors

SRC = Path(__file__).resolve().parents[1] / "src" / "ganpo"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: error classes whose constructor takes the two halves (or the Chinese from a table)
SELF_BILINGUAL = {"UnknownNameError", "InputFileError", "TableFileError"}

BILINGUAL = [
    "catalog/deflators.py",
    "catalog/profiles.py",
    "catalog/units.py",
    "engine/align.py",
    "engine/derived.py",
    "engine/preview.py",
    "engine/rasters.py",
    "engine/stages/plan.py",
    "engine/stages/tables.py",
    "engine/volume.py",
    "io/landcover.py",
    "io/table_files.py",
    "io/tables.py",
    "io/units.py",
    "services/valuation.py",
]


def _input_error(name: str) -> bool:
    cls = getattr(errors, name, None)
    return isinstance(cls, type) and issubclass(cls, errors.InputError)


def english_only(path: Path) -> list[str]:
    """``line: the raise`` of each refusal in ``path`` that has no Chinese half."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        raises = sorted(
            (n for n in ast.walk(func) if isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call)),
            key=lambda n: n.lineno,
        )
        bilingual = {  # names assigned a message with Chinese text (or a Chinese half)
            t.id
            for n in ast.walk(func)
            if isinstance(n, ast.Assign)
            and (CJK.search(seg := ast.get_source_segment(source, n.value) or "") or "zh" in seg)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        start = func.lineno  # a message is built after the previous raise, or the def
        for node in raises:
            assert isinstance(node.exc, ast.Call)
            f = node.exc.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            call = ast.get_source_segment(source, node) or ""
            built = "\n".join(lines[start - 1 : node.lineno - 1])
            start = node.end_lineno or node.lineno
            if not _input_error(name) or name in SELF_BILINGUAL:
                continue
            first = node.exc.args[0] if node.exc.args else None
            if isinstance(first, ast.Name) and first.id in bilingual:
                continue
            if CJK.search(call) or "zh" in call or CJK.search(built):
                continue
            found.append(f"{node.lineno}: {call.splitlines()[0].strip()}")
    return sorted(set(found))


@pytest.mark.parametrize("module", BILINGUAL)
def test_every_refusal_has_its_chinese_half(module: str) -> None:
    assert english_only(SRC / module) == []


def test_the_check_finds_an_english_only_refusal(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from ganpo.errors import InputError, UnknownNameError\n"
        "def f(x):\n"
        "    if x:\n"
        "        raise InputError(f'bad {x}', source='t.csv')\n"
        "    message = f'bad {x} / 有误'\n"
        "    if x is None:\n"
        "        raise InputError(message)\n"
        "    raise InputError(message, field='x')\n"
        "def g(x):\n"
        "    raise UnknownNameError('unit', x, [])\n",
        encoding="utf-8",
    )
    assert english_only(path) == ["4: raise InputError(f'bad {x}', source='t.csv')"]
