"""Every refusal is bilingual: the call that raises an :class:`~ganpo.errors.InputError`
(or a subclass) holds Chinese text, or the message it raises was assigned from Chinese
text, or was built from Chinese text since the function's previous raise, or the error
class makes the Chinese half itself (``UnknownNameError``, ``InputFileError``,
``TableFileError``: their callers give both halves).

The end-to-end proof is the bad-input corpora (``tests/cli/test_bad_input_corpus*.py``),
which ask every refusal they provoke for its Chinese half (``has_chinese_half``). This
static check covers the raises no corpus case reaches, over every module of ganpo: new
code must be bilingual, and the refusals still English only (:data:`KNOWN_ENGLISH_ONLY`)
can only become fewer.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import ganpo.errors as errors

SRC = Path(__file__).resolve().parents[1] / "src" / "ganpo"
CJK = re.compile(r"[\u4e00-\u9fff]")
#: error classes whose constructor takes the two halves (or the Chinese from a table)
SELF_BILINGUAL = {"UnknownNameError", "InputFileError", "TableFileError"}

#: the refusals still English only, by module: the debt left. A module not listed has none
#: (new code included); a listed one may not gain any, and once it has fewer the count
#: here must come down with it (the second test), so the debt only shrinks.
KNOWN_ENGLISH_ONLY: dict[str, int] = {}  # none left (stop 34: 145 in 50 modules)


def _input_error(name: str) -> bool:
    cls = getattr(errors, name, None)
    return isinstance(cls, type) and issubclass(cls, errors.InputError)


def _segment(lines: list[str], node: ast.expr | ast.stmt) -> str:
    """The source of ``node`` (``ast.get_source_segment`` splits the whole file each call)."""
    end = node.end_lineno or node.lineno
    return "\n".join(lines[node.lineno - 1 : end])


@functools.cache
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
            and (CJK.search(seg := _segment(lines, n.value)) or "zh" in seg)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        start = func.lineno  # a message is built after the previous raise, or the def
        for node in raises:
            assert isinstance(node.exc, ast.Call)
            f = node.exc.func
            name = f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")
            call = _segment(lines, node)
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


def _modules() -> list[str]:
    return sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py"))


def test_no_module_gains_an_english_only_refusal() -> None:
    over = {
        m: found
        for m in _modules()
        if len(found := english_only(SRC / m)) > KNOWN_ENGLISH_ONLY.get(m, 0)
    }
    assert not over, f"refusals without their Chinese half: {over}"


def test_the_known_debt_is_current() -> None:
    now = {m: n for m in _modules() if (n := len(english_only(SRC / m)))}
    assert now == KNOWN_ENGLISH_ONLY, "update KNOWN_ENGLISH_ONLY to the counts now"


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
