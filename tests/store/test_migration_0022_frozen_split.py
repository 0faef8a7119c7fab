"""Migration 0022 splits an old job's message with its own frozen copy of the split, not
with :func:`ganpo.errors.halves`: a migration must do on an old store what it did when it
was written, whatever the application's code becomes.

Today the two agree, and these tests say so. If ``errors.halves`` is changed on purpose
and they then disagree, this is the place to decide: the migration must not change (a
store upgraded later would be split differently from one upgraded before); change the
expectations on ``errors.halves`` here, never the migration's copy.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from types import ModuleType
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.errors import halves
from ganpo.store.schema import MIGRATIONS

MIGRATION = MIGRATIONS / "versions" / "0022_job_messages_in_halves.py"

#: messages an old job could hold, and the halves 0022 makes of each: the tricky ones of
#: the tests of ``errors.halves`` (units, quoted values holding " / ", Chinese quoted in
#: English, no Chinese half, stray quotes)
CASES = [
    ("queued / 排队中", ("queued", "排队中")),
    (
        "yield 3 t / ha is above 2 t / ha / 单产 3 t / ha 高于 2 t / ha",
        ("yield 3 t / ha is above 2 t / ha", "单产 3 t / ha 高于 2 t / ha"),
    ),
    ("unknown unit '乐平市' / 未知的单位 '乐平市'", ("unknown unit '乐平市'", "未知的单位 '乐平市'")),
    (
        "value '南昌 / 九江' is not a county / 值 '南昌 / 九江' 不是县",
        ("value '南昌 / 九江' is not a county", "值 '南昌 / 九江' 不是县"),
    ),
    (
        "'南昌 / 九江' is not a county / 值'南昌 / 九江'不是县",
        ("'南昌 / 九江' is not a county", "值'南昌 / 九江'不是县"),
    ),
    (
        '"t / ha" is not a unit / "t / ha" 不是单位',
        ('"t / ha" is not a unit', '"t / ha" 不是单位'),
    ),
    ("「雨量」 is not a column / 「雨量」不是列名", ("「雨量」 is not a column", "「雨量」不是列名")),
    ("《南昌 / 九江》 / 《南昌 / 九江》不对", ("《南昌 / 九江》", "《南昌 / 九江》不对")),
    (
        "data / x.tif: cannot read the file's band / 无法读取 data / x.tif 的波段",
        ("data / x.tif: cannot read the file's band", "无法读取 data / x.tif 的波段"),
    ),
    ("years 2021 / 2023 are missing / 缺少 2021 / 2023 年", ("years 2021 / 2023 are missing", "缺少 2021 / 2023 年")),
    ("unknown name 'O'Brien' / 未知的名称 'O'Brien'", ("unknown name 'O'Brien'", "未知的名称 'O'Brien'")),
    (
        "unknown unit 'x'; valid names: 南昌市, 九江市 / 未知的单位 'x'；可用的名称：南昌市、九江市",
        ("unknown unit 'x'; valid names: 南昌市, 九江市", "未知的单位 'x'；可用的名称：南昌市、九江市"),
    ),
    ("layers.0.unit: Field required / layers.0.unit：缺少此字段，请补上", ("layers.0.unit: Field required", "layers.0.unit：缺少此字段，请补上")),
    # no Chinese half: both halves are the whole message
    ("rate in t / ha", ("rate in t / ha", "rate in t / ha")),
    ("files a.tif / b.tif are missing", ("files a.tif / b.tif are missing",) * 2),
    ("value '南昌 / 九江' is wrong", ("value '南昌 / 九江' is wrong",) * 2),
    ("ValueError: no such layer", ("ValueError: no such layer",) * 2),
    ("", ("", "")),
    # stray quotes: one that pairs across the separator hides it (the message stays
    # whole); one that pairs with nothing does not
    ("unknown 'x / 未知的 x'", ("unknown 'x / 未知的 x'",) * 2),
    ("rate 'x / 比率 'x'", ("rate 'x / 比率 'x'",) * 2),
    ("value 'a / 值 a", ("value 'a", "值 a")),
]  # fmt: skip


@pytest.fixture(scope="module")
def migration() -> ModuleType:
    """The migration module, loaded from its file as alembic loads it."""
    spec = importlib.util.spec_from_file_location("_ganpo_migration_0022", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _frozen(migration: ModuleType) -> Callable[[str], tuple[str, str]]:
    return cast("Callable[[str], tuple[str, str]]", migration._halves)


def test_the_migration_imports_nothing_of_ganpo(migration: ModuleType) -> None:
    source = MIGRATION.read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+ganpo\b", source, flags=re.MULTILINE)
    assert migration.revision == "0022" and migration._SEPARATOR == " / "


@pytest.mark.parametrize(("message", "both"), CASES)
def test_frozen_split_agrees_with_errors_halves(
    migration: ModuleType, message: str, both: tuple[str, str]
) -> None:
    assert _frozen(migration)(message) == both  # what 0022 does: never to change
    assert halves(message) == both  # what the application does today


#: text made of what the split looks at: letters, digits, Chinese, quotes, " / "
PIECES = st.sampled_from(
    ["a", "t", "ha", "O", "1", " ", " / ", "/", "'", '"', "s", "南昌", "值", "，", "「", "」", "“", "”", "《", "》"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=24).map("".join))
def test_frozen_split_agrees_with_errors_halves_on_any_text(
    migration: ModuleType, message: str
) -> None:
    assert _frozen(migration)(message) == halves(message)
