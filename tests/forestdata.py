"""The micro carbon dataset with a forest-inventory table that the sink tests share
(tests/carbon/test_inventory_sinks.py, tests/cli/test_cli_carbon_sinks.py): 东湖区 and
西湖区 of 南昌市, electricity and cement in 2022, the Chinese fir of 东湖区 inventoried in
2021 and 2023."""

from __future__ import annotations

from pathlib import Path

DONGHU, XIHU, NANCHANG, JIANGXI = 360102, 360103, 360100, 360000
# Chinese fir, sink set cn-forestry: D 0.307 t/m³, BEF 1.634, R 0.246, CF 0.520
FIR_T_C_PER_M3 = 0.307 * 1.634 * (1 + 0.246) * 0.520


def write_forest_micro(folder: Path, forest: str | None = None, years: str = "[2022]") -> Path:
    """东湖区 and 西湖区 in 2022 with electricity and cement, and the forest inventories of
    东湖区 (Chinese fir, 100 万m³ in 2021, 110 万m³ in 2023) unless ``forest`` replaces
    them (the table's rows, without its header); ``forest=""`` leaves the table out."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "electricity.csv").write_text(
        f"unit_code,year,quantity,unit\n{DONGHU},2022,10000,万kWh\n{XIHU},2022,5000,万kWh\n",
        encoding="utf-8",
    )
    (folder / "cement_clinker.csv").write_text(
        f"unit_code,year,quantity,unit\n{XIHU},2022,1,万t\n", encoding="utf-8"
    )
    rows = forest if forest is not None else (
        f"{DONGHU},2021,chinese_fir,100,万m3\n{DONGHU},2023,chinese_fir,110,万m3\n"
    )  # fmt: skip
    tables = 'electricity = "electricity.csv"\ncement = "cement_clinker.csv"\n'
    if rows:
        (folder / "forest_stock.csv").write_text(
            "# 合成数据 test data\nunit_code,year,forest_type,quantity,unit\n" + rows,
            encoding="utf-8",
        )
        tables += 'forest_stock = "forest_stock.csv"\n'
    (folder / "carbon-dataset.toml").write_text(
        'title_zh = "微型"\ntitle_en = "micro"\nregion = 360000\nlevel = "county"\n'
        f'years = {years}\nfuel_set = "cn-statistics"\ngrid = "national"\n[tables]\n' + tables,
        encoding="utf-8",
    )
    return folder
