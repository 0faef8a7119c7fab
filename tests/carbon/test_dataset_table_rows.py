"""The tables of a carbon dataset (fuel combustion, electricity, forest inventories, the
GDP table's generic checks, …) name a refused row as a spreadsheet shows it: note lines
above the header and blank rows among the data counted, the header's row too; never the
frame's row counted from 0 (decision 0097)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.carbon.inventory import DATASET_FILE, read_dataset, run_inventory
from ganpo.errors import TableError

DONGHU, XIHU = 360102, 360103
#: a note line above the header (row 1), the header (row 2), the first data row (row 3),
#: a blank row (row 4): the second data row is row 5 of the file
NOTE, BLANK = "# 合成数据 note line\n", "\n"


def write(folder: Path, tables: dict[str, tuple[str, str]], years: str = "[2022]") -> Path:
    """A dataset of ``tables`` (key → file name, text)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = []
    for key, (name, text) in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
        listed.append(f'{key} = "{name}"')
    (folder / DATASET_FILE).write_text(
        'title_zh = "行号"\ntitle_en = "rows"\nregion = 360000\nlevel = "county"\n'
        f'years = {years}\nfuel_set = "cn-statistics"\ngrid = "national"\n[tables]\n'
        + "\n".join(listed)
        + "\n",
        encoding="utf-8",
    )
    return folder


def refusal(folder: Path, year: int = 2022) -> str:
    with pytest.raises(TableError) as err:
        run_inventory(read_dataset(folder), year, "AR6")
    return str(err.value)


def two_rows(header: str, first: str, second: str) -> str:
    return NOTE + header + first + BLANK + second


def test_a_fuel_row_names_its_row_of_the_file(tmp_path: Path) -> None:
    text = two_rows(
        "unit_code,year,category_code,fuel,quantity,unit\n",
        f"{DONGHU},2022,1.A.1.a,raw_coal,10,万t\n",
        f"{XIHU},2022,1.A.1.a,raw_coal,abc,万t\n",
    )
    msg = refusal(write(tmp_path / "d", {"fuel": ("fuel_combustion.csv", text)}))
    assert f"table 'fuel_combustion.csv' (fuel combustion), row 5 (unit code {XIHU}, 2022)" in msg
    assert (
        f"化石燃料燃烧活动水平表（fuel_combustion.csv）第 5 行（单位代码 {XIHU}，2022 年）："
        "quantity 的值 'abc'"
    ) in msg
    assert "fuel combustion）" not in msg  # the table named in Chinese in the Chinese half


def test_an_electricity_unit_and_a_repeat_name_their_rows_of_the_file(tmp_path: Path) -> None:
    header = "unit_code,year,quantity,unit\n"
    text = two_rows(header, f"{DONGHU},2022,10,万kWh\n", f"{XIHU},2022,5,万t\n")
    msg = refusal(write(tmp_path / "u", {"electricity": ("electricity.csv", text)}))
    assert "table 'electricity.csv' (electricity consumption), row 5 (unit code 360103" in msg
    assert "电力消费表（electricity.csv）第 5 行（单位代码 360103，2022 年）：单位 万t" in msg
    row = f"{DONGHU},2022,10,万kWh\n"
    with pytest.raises(TableError) as err:
        read_dataset(
            write(tmp_path / "r", {"electricity": ("electricity.csv", two_rows(header, row, row))})
        )
    msg = str(err.value)
    assert "table 'electricity.csv', row 5 (unit code 360102, 2022) repeats row 3" in msg
    assert "表 electricity.csv 第 5 行（单位代码 360102，2022 年）：与第 3 行为同一单位" in msg


def test_a_year_of_the_gdp_table_the_generic_check_names_its_row_of_the_file(
    tmp_path: Path,
) -> None:
    text = two_rows(
        "unit_code,year,gdp_current,gdp_constant_2022,unit\n",
        f"{DONGHU},2022,100,100,亿元\n",
        f"{XIHU},2022年,50,50,亿元\n",
    )
    fuel = NOTE + "unit_code,year,category_code,fuel,quantity,unit\n"
    tables = {
        "fuel": ("fuel_combustion.csv", fuel + f"{DONGHU},2022,1.A.1.a,raw_coal,10,万t\n"),
        "gdp": ("gdp.csv", text),
    }
    with pytest.raises(TableError) as err:
        read_dataset(write(tmp_path / "g", tables))
    msg = str(err.value)
    assert "table 'gdp.csv', row 5 (unit code 360103, 2022年): column 'year' value '2022年'" in msg
    assert "表 gdp.csv 第 5 行（单位代码 360103，年份 2022年）：年份 '2022年'" in msg


def test_a_forest_inventory_row_names_its_row_of_the_file(tmp_path: Path) -> None:
    text = two_rows(
        "unit_code,year,forest_type,quantity,unit\n",
        f"{DONGHU},2021,chinese_fir,100,万m3\n",
        f"{DONGHU},2023,chinese_fir,inf,万m3\n",
    )
    msg = refusal(write(tmp_path / "f", {"forest_stock": ("forest_stock.csv", text)}, "[2022]"))
    assert "forest_stock.csv" in msg and "row 5 (unit code 360102, 2023)" in msg
    assert "森林蓄积" not in msg  # a file's name as given, its inventory in Chinese
    assert "表 forest_stock.csv（第二期清查）第 5 行（单位代码 360102，2023 年）：quantity" in msg
