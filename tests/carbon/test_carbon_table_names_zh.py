"""The carbon tables' refusals name the table, the row, its unit code and year in both
halves, the Chinese half by the table's Chinese name (``ganpo.carbon.inputs.table_zh``),
never by the English label ("表 fuel combustion 第 3 行" until 2026-12-06)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pandas as pd
import pytest

import ganpo.carbon
from ganpo.carbon import inventory
from ganpo.carbon.energy import fuel_combustion_co2
from ganpo.carbon.inputs import TABLE_ZH, table_zh, where_zh
from ganpo.carbon.sinks import forest_stock_difference
from ganpo.errors import TableError

CARBON = Path(ganpo.carbon.__file__).parent
#: ``*_TABLE`` constants that are not a table's label in a refusal: the dataset's key of
#: its forest inventories (the refusals name the file given for it)
NOT_LABELS = {("inventory", "FOREST_TABLE")}


def _where_calls(path: Path) -> list[tuple[int, str, str | None]]:
    """Per call whose English half starts with ``where(…)``: its line, the arguments of
    ``where`` and those of the ``where_zh`` its Chinese half starts with (None if not)."""
    text = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        halves = {k.arg: k.value for k in node.keywords if k.arg in ("en", "zh")}
        en, zh = halves.get("en"), halves.get("zh")
        if not (isinstance(en, ast.JoinedStr) and en.values):
            continue
        first = en.values[0]
        if not (
            isinstance(first, ast.FormattedValue)
            and isinstance(first.value, ast.Call)
            and isinstance(first.value.func, ast.Name)
            and first.value.func.id == "where"
        ):
            continue
        args = ", ".join(ast.unparse(a) for a in first.value.args)
        said = None
        while isinstance(zh, ast.BinOp):  # f"…" + (…): the first part
            zh = zh.left
        if isinstance(zh, ast.JoinedStr) and zh.values:
            head = zh.values[0]
            if (
                isinstance(head, ast.FormattedValue)
                and isinstance(head.value, ast.Call)
                and isinstance(head.value.func, ast.Name)
                and head.value.func.id == "where_zh"
            ):
                said = ", ".join(ast.unparse(a) for a in head.value.args)
        found.append((node.lineno, args, said))
    return found


def test_every_refusal_naming_a_row_names_it_in_chinese_too() -> None:
    calls = {p: _where_calls(p) for p in sorted(CARBON.rglob("*.py"))}
    assert sum(len(c) for c in calls.values()) >= 30  # the walk finds the refusals
    wrong = [
        f"{p.name}:{line}: where({args}) but zh starts with "
        f"{'where_zh(' + said + ')' if said is not None else 'something else'}"
        for p, found in calls.items()
        for line, args, said in found
        if said != args
    ]
    assert wrong == []


def test_the_walk_finds_a_chinese_half_without_the_row() -> None:
    source = (
        "raise TableError(en=f'{where(T, df, i)}: bad', zh='坏值')\n"
        "raise TableError(en=f'{where(T, df, i)}: bad', zh=f'{where_zh(T, df, j)}：坏值')\n"
        "raise TableError(en=f'{where(T, df, i)}: bad', zh=f'{where_zh(T, df, i)}：坏值')\n"
    )
    path = Path(__file__).with_name("_walk_probe.py")
    try:
        path.write_text(source, encoding="utf-8")
        found = _where_calls(path)
    finally:
        path.unlink(missing_ok=True)
    assert [(args, said) for _, args, said in found] == [
        ("T, df, i", None),
        ("T, df, i", "T, df, j"),
        ("T, df, i", "T, df, i"),
    ]


def test_every_table_label_has_its_chinese_name() -> None:
    labels = {}
    for info in pkgutil.iter_modules([str(CARBON)]):
        module = importlib.import_module(f"ganpo.carbon.{info.name}")
        for name, value in vars(module).items():
            own = (info.name, name) not in NOT_LABELS
            if name.endswith("_TABLE") and isinstance(value, str) and own:
                labels[value] = f"{info.name}.{name}"
    assert len(labels) >= 15
    missing = {label: where for label, where in labels.items() if label not in TABLE_ZH}
    assert missing == {}
    for label in labels:
        zh = table_zh(label)
        assert zh.endswith("表") and not re.search(r"[a-z]", zh.replace("GEP", "")), zh


def test_a_label_of_the_user_is_given_as_is_and_a_year_that_is_no_number_too() -> None:
    df = pd.DataFrame({"unit_code": [360102, 360103], "year": [2022.0, "2022年"]}, index=[3, 4])
    assert (
        where_zh("fuel combustion", df, 3)
        == "化石燃料燃烧活动水平表第 3 行（单位代码 360102，2022 年）"
    )
    assert where_zh("fuel.csv", df, 4) == "表 fuel.csv 第 4 行（单位代码 360103，年份 2022年）"
    # a table read as text: a year of digits is a year, not "年份 2022"
    text = pd.DataFrame({"unit_code": ["360104"], "year": [" 2022"]}, index=[7])
    assert where_zh("fuel.csv", text, 7) == "表 fuel.csv 第 7 行（单位代码 360104，2022 年）"
    assert table_zh("forest stock, first inventory") == "森林蓄积表（第一期清查）"
    assert table_zh("stock.csv, second inventory") == "表 stock.csv（第二期清查）"
    assert table_zh("forest inventory 2024, submission 3") == "2024 年森林资源清查表（报送 #3）"
    assert (
        table_zh("forest inventory 2024, submission 3a")
        == "表 forest inventory 2024, submission 3a "
    )


def test_a_fuel_refusal_names_the_table_in_chinese_and_its_file_in_both_halves() -> None:
    fuel = pd.DataFrame(
        {
            "unit_code": [360102],
            "year": [2022],
            "category_code": ["1.A.9"],
            "fuel": ["raw_coal"],
            "quantity": [1.0],
            "unit": ["t"],
        }
    )
    with pytest.raises(TableError) as caught:
        fuel_combustion_co2(fuel, "ipcc-2006")
    exc = caught.value
    assert (
        exc.zh
        == "化石燃料燃烧活动水平表第 0 行（单位代码 360102，2022 年）：部门代码 1.A.9 不是燃料燃烧部门"
    )
    assert "fuel combustion" not in exc.zh
    named = inventory._in_file(exc, "fuel_2022.csv")
    assert named.source == "fuel_2022.csv"
    assert named.en.startswith("table 'fuel_2022.csv' (fuel combustion), row 0 (unit code 360102")
    assert named.zh.startswith("化石燃料燃烧活动水平表（fuel_2022.csv）第 0 行（单位代码 360102，")
    assert str(named) == f"fuel_2022.csv: {named.en} / {named.zh}"


def test_a_refusal_given_whole_is_relabelled_in_both_languages() -> None:
    whole = TableError(
        "table 'fuel combustion', row 0: bad / 化石燃料燃烧活动水平表第 0 行：坏值",
        source="fuel combustion",
    )
    named = inventory._in_file(whole, "fuel.csv")
    assert str(named) == (
        "fuel.csv: table 'fuel.csv' (fuel combustion), row 0: bad / "
        "化石燃料燃烧活动水平表（fuel.csv）第 0 行：坏值"
    )


def test_the_second_inventory_is_named_in_chinese() -> None:
    stock = pd.DataFrame(
        {
            "unit_code": [360102],
            "year": [2016],
            "forest_type": ["chinese_fir"],
            "quantity": [100.0],
            "unit": ["m3"],
        }
    )
    later = stock.assign(year=2021, quantity=-5.0)
    with pytest.raises(TableError) as caught:
        forest_stock_difference(stock, later)
    assert caught.value.zh.startswith(
        "森林蓄积表（第二期清查）第 0 行（单位代码 360102，2021 年）："
    )
