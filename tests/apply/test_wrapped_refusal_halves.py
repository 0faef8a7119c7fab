"""A refusal that wraps another keeps each language in its own half: the inner refusal's
English in the English half, its Chinese in the Chinese half (before, the inner message
went whole, both languages, into the English half, and the Chinese half told the reader
to look at the English)."""

from __future__ import annotations

import re

import pytest

from ganpo.apply.rules import load_rule, parse_rule, rule_body
from ganpo.errors import InputError

_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_a_rule_unit_that_does_not_convert_is_refused_in_each_language() -> None:
    body = rule_body(load_rule("dongjiang-style"))
    body["outflow_unit"] = "kg"
    with pytest.raises(InputError) as info:
        parse_rule(body)
    exc = info.value
    assert "unit 'kg' does not measure the same quantity as 'm3'" in exc.en
    assert not _CHINESE.search(exc.en), exc.en
    assert exc.zh.startswith("规则文件中出境水量单位 [kg] 无法换算为 m3，请改用同一量的单位（")
    assert "单位 'kg' 与 'm3' 计量的不是同一种量" in exc.zh
    assert str(exc) == f"{exc.en} / {exc.zh}"
