"""The halves of an error's message as given (:func:`ganpo.errors.halves_of`): a refusal
that quotes another puts the quoted English in its English half and the quoted Chinese in
its Chinese half, with no guess at where one ends; and a platform role refused in its two
halves (its two languages were once joined by "; ", so neither half could be found)."""

from __future__ import annotations

import pickle

import pytest

from ganpo.errors import InputError, TableError, UnknownNameError, halves, halves_of
from ganpo.store.platform import check_role


def test_a_refusal_gives_the_halves_it_was_given_without_its_source() -> None:
    # an English half holding " / " and a Chinese word: the guess would cut it there
    exc = TableError(en="unit 't / ha' of '南昌' is unknown", zh="单位有误", source="a.csv")
    assert halves_of(exc) == ("unit 't / ha' of '南昌' is unknown", "单位有误")
    assert halves(str(exc)) != halves_of(exc)  # the guess, on the whole text, differs
    whole = InputError("no such year / 没有该年份")
    assert halves_of(whole) == ("no such year", "没有该年份")


def test_an_unknown_name_keeps_its_halves_across_processes() -> None:
    exc = UnknownNameError("parameter set", "jx / 2", ["garze-2010", "jiangxi-default"])
    en, zh = halves_of(exc)
    assert en == "unknown parameter set 'jx / 2'; valid names: garze-2010, jiangxi-default"
    assert zh == "未知的参数集 'jx / 2'；可用的名称：garze-2010、jiangxi-default"
    assert str(exc) == f"{en} / {zh}"
    again = pickle.loads(pickle.dumps(exc))
    assert (again.en, again.zh, str(again)) == (en, zh, str(exc))


def test_any_other_error_is_split_by_its_text() -> None:
    assert halves_of(ValueError("bad value / 数值有误")) == ("bad value", "数值有误")
    assert halves_of(KeyError("plain")) == ("'plain'", "'plain'")


@pytest.mark.parametrize(
    ("role", "department", "en", "zh"),
    [
        (
            "reporter",
            None,
            "a reporter needs a department (e.g. forestry)",
            "填报员必须指定部门（如 forestry 林业）",
        ),
        (
            "auditor",
            "forestry",
            "an auditor needs a region_adcode (360000 province, a city or a county)",
            "查看者和审计人员必须指定行政区代码（省 360000、设区市或县）",
        ),
    ],
)
def test_a_role_without_its_scope_is_refused_in_two_halves(
    role: str, department: str | None, en: str, zh: str
) -> None:
    with pytest.raises(InputError) as caught:
        check_role(role, department, None)
    assert (caught.value.en, caught.value.zh) == (en, zh)
    assert str(caught.value) == f"{en} / {zh}"
