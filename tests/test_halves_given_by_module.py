"""Refusals of the engine, io, services and catalog packages, and of the domain packages
(store, apply, carbon, tracking, zoning, landuse, footprint), give their message in its
two halves, ``InputError(en=..., zh=...)``, never whole (``InputError("... / ...")``):
the English and the Chinese half are then exact, where splitting the whole message again
(:func:`ganpo.errors.halves`) is a guess that a half holding `` / `` itself can defeat.
The classes concerned are those that take either form (``InputError``,
``ManifestError``, ``GridError``, ``TableError``); ``InputFileError`` and
``TableFileError`` take nothing but the halves; ``TableCheckError`` either, as
``InputError``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import halves_support
from ganpo.errors import TableError
from ganpo.io.manifest import TableEntry
from ganpo.io.tables import read_table

SRC = halves_support.SRC
EITHER_FORM = halves_support.EITHER_FORM
PACKAGES = (
    "engine",
    "io",
    "services",
    "catalog",
    "store",
    "apply",
    "carbon",
    "tracking",
    "zoning",
    "landuse",
    "footprint",
)

#: the refusals still given whole, by module. A module not listed has none; a listed one
#: may not gain any, and the count comes down when one is fixed.
KNOWN_WHOLE: dict[str, int] = {
    # _in_file: a table's refusal relabelled with its file, whole where the refusal it
    # relabels has no Chinese half to keep apart
    "carbon/inventory.py": 1,
}


def given_whole(path: Path) -> list[str]:
    """``line: call`` of each refusal in ``path`` whose message is given whole."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [f"{c.lineno}: {lines[c.lineno - 1].strip()}" for c in halves_support.given_whole(path)]


def _modules() -> list[str]:
    return sorted(
        str(p.relative_to(SRC)) for package in PACKAGES for p in (SRC / package).rglob("*.py")
    )


def test_the_classes_of_either_form() -> None:
    assert {"InputError", "ManifestError", "GridError", "TableError"} <= EITHER_FORM
    assert "TableCheckError" in EITHER_FORM
    assert not {"InputFileError", "TableFileError"} & EITHER_FORM


def test_refusals_give_their_halves() -> None:
    over = {
        m: found for m in _modules() if len(found := given_whole(SRC / m)) > KNOWN_WHOLE.get(m, 0)
    }
    assert not over, f"give the message as en=..., zh=... (not whole): {over}"


def test_the_known_whole_refusals_are_current() -> None:
    now = {m: n for m in _modules() if (n := len(given_whole(SRC / m)))}
    assert now == KNOWN_WHOLE, "update KNOWN_WHOLE to the counts now"


def test_the_walk_sees_the_refusals() -> None:
    """The walk finds the calls it checks (more than a hundred give their halves)."""
    halves = [
        call
        for m in _modules()
        for call in halves_support.calls(ast.parse((SRC / m).read_text(encoding="utf-8")))
        if {"en", "zh"} <= {k.arg for k in call.keywords}
    ]
    assert len(halves) > 600


def test_the_check_finds_a_whole_message(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "from ganpo import errors\n"
        "from ganpo.errors import InputError, InputFileError, ManifestError as ME\n"
        "def f(x):\n"
        "    if x:\n"
        "        raise InputError(en=f'bad {x}', zh=f'{x} 有误', source='t.csv')\n"
        "    if x is None:\n"
        "        raise InputFileError('bad', '有误', problem='empty')\n"
        "    if x == 1:\n"
        "        raise ME(f'bad {x} / {x} 有误')\n"
        "    if x == 2:\n"
        "        raise errors.GridError(message='bad / 有误')\n"
        "    raise InputError('bad / 有误', field='x')\n",
        encoding="utf-8",
    )
    assert given_whole(path) == [
        "9: raise ME(f'bad {x} / {x} 有误')",
        "11: raise errors.GridError(message='bad / 有误')",
        "12: raise InputError('bad / 有误', field='x')",
    ]


def test_a_refusal_quoting_another_keeps_its_chinese_half(tmp_path: Path) -> None:
    """A unit the manifest declares that ganpo does not know: the English problem quotes
    the unit registry's whole refusal, " / " and Chinese included, so the table's message
    has two separators followed by Chinese. Split again, the Chinese half began with the
    quoted refusal's Chinese; given apart, it is the table's own."""
    p = tmp_path / "t.csv"
    p.write_text("county_adcode,visits,tourism_revenue\n1,2.5,3\n", encoding="utf-8")
    entry = TableEntry(
        role="tourism",
        path="t.csv",
        year=2022,
        columns={"visits": "10^4 person-time", "tourism_revenue": "xyz"},
        source="t",
        synthetic=True,
    )
    with pytest.raises(TableError) as err:
        read_table(p, entry, {1}, ("visits", "tourism_revenue"))
    assert err.value.zh.startswith("列 'tourism_revenue'：无法识别单位 'xyz'")
    assert err.value.en.startswith("column 'tourism_revenue': unknown unit 'xyz'")
    # the registry's refusal in English only (its list of units names 元, 万元 …)
    assert " / " not in err.value.en and "无法识别" not in err.value.en, err.value.en
    assert str(err.value) == f"{p}: {err.value.en} / {err.value.zh}"
