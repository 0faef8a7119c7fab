"""A refusal's two halves (:func:`ganpo.errors.halves`): the English and the Chinese of
``"English / 中文"``, found where either half holds `` / `` itself or quotes a value in
the other language; and :class:`~ganpo.errors.InputError` given its halves apart."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ganpo.errors import (
    GridError,
    InputError,
    InputFileError,
    TableFileError,
    UnknownNameError,
    halves,
)

CHINESE_WORDS = ["南昌市", "单位", "缺少", "列", "数值有误", "请检查", "公顷", "吨", "年份"]
ENGLISH_WORDS = st.from_regex(r"[a-z]{2,9}(?:'s)?", fullmatch=True)
NUMBER = st.from_regex(r"[0-9]{1,4}(?:\.[0-9]{1,2})?", fullmatch=True)
CHINESE = st.sampled_from(CHINESE_WORDS)
IDENTIFIER = st.from_regex(r"[a-z][a-z0-9_.]{0,14}", fullmatch=True)


@st.composite
def quoted_value(draw: st.DrawFn) -> str:
    """A value as a message quotes it: Chinese or Latin, perhaps holding " / "."""
    parts = draw(st.lists(st.one_of(CHINESE, IDENTIFIER, NUMBER), min_size=1, max_size=3))
    joiner = draw(st.sampled_from([" ", " / ", "/", ""]))
    quote = draw(st.sampled_from(["'", '"']))
    return quote + joiner.join(parts) + quote


@st.composite
def english(draw: st.DrawFn) -> str:
    """English prose with numbers, quoted values (Chinese ones too) and units "t / ha"."""
    unit = st.builds(lambda a, b: f"{a} / {b}", IDENTIFIER, ST_WORD)
    tokens = draw(st.lists(st.one_of(ST_WORD, NUMBER, quoted_value(), unit), max_size=6))
    tokens.insert(draw(st.integers(0, len(tokens))), draw(ST_WORD))  # some prose
    return " ".join(tokens)


ST_WORD = ENGLISH_WORDS


@st.composite
def chinese_part(draw: st.DrawFn, identifiers: bool) -> str:
    other = [NUMBER, quoted_value()] + ([IDENTIFIER] if identifiers else [])
    tokens = draw(st.lists(st.one_of(CHINESE, *other), max_size=5))
    tokens.insert(draw(st.integers(0, len(tokens))), draw(CHINESE))
    return draw(st.sampled_from([" ", "，"])).join(tokens)


@st.composite
def chinese(draw: st.DrawFn) -> str:
    """Chinese prose with numbers, quoted values (Latin ones too) and " / " of its own;
    Latin names (a column, a key) in its last part."""
    parts = draw(st.lists(chinese_part(identifiers=False), max_size=2))
    return " / ".join([*parts, draw(chinese_part(identifiers=True))])


@settings(max_examples=300, deadline=None)
@given(en=english(), zh=chinese())
def test_halves_of_generated_refusals(en: str, zh: str) -> None:
    assert halves(f"{en} / {zh}") == (en, zh)


@settings(max_examples=200, deadline=None)
@given(en=english())
def test_a_message_without_chinese_half_is_both(en: str) -> None:
    assert halves(en) == (en, en)


@pytest.mark.parametrize(
    ("en", "zh"),
    [
        ("unknown unit '乐平市'", "未知的单位 '乐平市'"),  # a Chinese value quoted in English
        ("value '南昌 / 九江' is not a county", "值 '南昌 / 九江' 不是县"),  # " / " quoted
        ("yield 3 t / ha is above 2 t / ha", "单产 3 t / ha 高于 2 t / ha"),  # units
        ("data / x.tif: cannot read the file's band", "无法读取 data / x.tif 的波段"),  # a path
        ("years 2021 / 2023 are missing", "缺少 2021 / 2023 年"),
        ("layers.0.unit: Field required", "layers.0.unit：缺少此字段，请补上"),
        ("unknown name 'O'Brien'", "未知的名称 'O'Brien'"),  # a quote inside a quote
        (
            "unknown unit 'x'; valid names: 南昌市, 九江市, 赣州市",  # Chinese names unquoted
            "未知的单位 'x'；可用的名称：南昌市、九江市、赣州市",
        ),
        ("「雨量」 is not a column", "「雨量」不是列名"),
        ("'南昌 / 九江' is not a county", "值'南昌 / 九江'不是县"),  # quotes next to Chinese
    ],
)
def test_halves_of_known_refusals(en: str, zh: str) -> None:
    assert halves(f"{en} / {zh}") == (en, zh)


@pytest.mark.parametrize(
    "message",
    ["rate in t / ha", "files a.tif / b.tif are missing", "value '南昌 / 九江' is wrong", ""],
)
def test_english_only_messages_are_both_halves(message: str) -> None:
    assert halves(message) == (message, message)


def test_unknown_name_error_splits() -> None:
    exc = UnknownNameError("parameter set", "江西", ["jiangxi-default"])
    assert halves(str(exc)) == (
        "unknown parameter set '江西'; valid names: jiangxi-default",
        "未知的参数集 '江西'；可用的名称：jiangxi-default",
    )


def test_input_error_keeps_halves_given_apart() -> None:
    # the English holds " / " followed by Chinese: only the halves given say where it ends
    exc = InputError(en="column 'a / 乙' is empty", zh="列为空", source="/srv/x.csv", field="a")
    assert str(exc) == "/srv/x.csv: column 'a / 乙' is empty / 列为空"
    assert (exc.en, exc.zh) == ("column 'a / 乙' is empty", "列为空")
    again = pickle.loads(pickle.dumps(exc))  # as a dask worker sends it back
    assert (again.en, again.zh, str(again)) == (exc.en, exc.zh, str(exc))


def test_input_error_halves_from_its_message() -> None:
    exc = InputError("yield 3 t / ha is too high / 单产 3 t / ha 过高", source="/srv/y.csv")
    assert (exc.en, exc.zh) == ("yield 3 t / ha is too high", "单产 3 t / ha 过高")


def test_subclasses_give_their_halves() -> None:
    grid = GridError.bilingual("off the grid", "不在网格上", source="/srv/dem.tif")
    assert (grid.en, grid.zh, str(grid)) == (
        "off the grid",
        "不在网格上",
        "/srv/dem.tif: off the grid / 不在网格上",
    )
    file = InputFileError("empty", "空文件", problem="empty", source="/srv/e.tif")
    assert (file.en, file.zh, file.values) == ("empty", "空文件", ["empty"])
    table = TableFileError("not a table", "不是表格", source="t.pdf", looks_like="PDF")
    assert (table.en, table.zh, table.reason_zh) == ("not a table", "不是表格", "不是表格")


@pytest.mark.parametrize(
    "kwargs", [{}, {"en": "a"}, {"zh": "乙"}, {"message": "a / 乙", "en": "a", "zh": "乙"}]
)
def test_input_error_wants_message_or_both_halves(kwargs: dict[str, str]) -> None:
    with pytest.raises(TypeError):
        InputError(**kwargs)
