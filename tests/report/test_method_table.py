"""The method table's deviations: in the table's language, in the printed frame's last column
and in the annual report's deviations table."""

from __future__ import annotations

from ganpo.catalog.indicators import indicators
from ganpo.report.method_table import (
    DeviationText,
    deviation_frame,
    deviations_text,
    method_frame,
    method_table,
)

#: one deviation of water conservation (method water_balance), in both languages
CROPLAND_ZH = DeviationText(
    what="参数集中没有径流系数的生态系统类型不计水源涵养量，农田（水田和旱地）即属此类",
    why="龚诗涵等 2017 表2 中没有农田一行，也未能获取水田或旱地径流系数的其他来源",
)
CROPLAND_EN = DeviationText(
    what="ecosystem types without a coefficient in the parameter set conserve no water; "
    "cropland (paddy and dry land) is one of them",
    why="龚诗涵 et al. 2017's Table 2 has no cropland row and no other source of a paddy or "
    "dry-land coefficient could be read",
)


def _water(language: str) -> tuple[DeviationText, ...]:
    rows = method_table("jiangxi-db36-2021", language)  # type: ignore[arg-type]
    return next(r for r in rows if r.indicator == "water_conservation").deviations


def test_rows_carry_the_deviations_in_the_tables_language() -> None:
    zh, en = _water("zh"), _water("en")
    assert CROPLAND_ZH in zh and CROPLAND_EN in en
    assert len(zh) == len(en) == 4
    assert CROPLAND_EN not in zh and CROPLAND_ZH not in en
    # a profile's own deviation follows the method's
    gbt = method_table("gbt-46869-2025", "zh")
    water_supply = next(r for r in gbt if r.indicator == "water_supply").deviations
    assert water_supply[-1].what == "扣除供水量中来自区外的份额（区外来源表中的份额）"


def test_the_printed_table_ends_with_the_deviations() -> None:
    zh = method_frame(method_table("jiangxi-db36-2021", "zh"), "zh")
    assert list(zh.columns)[-1] == "偏离及理由"
    cell = zh.set_index("指标").loc["水源涵养", "偏离及理由"]
    assert f"（2）{CROPLAND_ZH.what}：{CROPLAND_ZH.why}。（3）" in cell
    en = method_frame(method_table("jiangxi-db36-2021", "en"), "en")
    assert list(en.columns)[-1] == "Deviations and reasons"
    cell = en.set_index("Indicator").loc["water conservation", "Deviations and reasons"]
    assert f"(2) {CROPLAND_EN.what}: {CROPLAND_EN.why}. (3)" in cell
    assert CROPLAND_ZH.what not in cell
    # without the column for the annual report, which prints them in a table of their own
    assert "偏离及理由" not in method_frame(method_table("national-2022", "zh"), "zh", False)


def test_deviations_text() -> None:
    assert deviations_text((), "zh") == "无" and deviations_text((), "en") == "none"
    one = DeviationText("下风向距离 z = 50 m", "国内 RWEQ 研究的常用取值")
    assert deviations_text((one,), "zh") == "下风向距离 z = 50 m：国内 RWEQ 研究的常用取值。"


def test_the_deviations_table_names_shared_methods_once() -> None:
    rows = method_table("jiangxi-db36-2021", "zh")
    frame = deviation_frame(rows, "zh")
    assert list(frame.columns) == ["指标", "与所依据应用的偏离", "理由"]
    names = indicators()
    statistics = "、".join(
        names[k].name_zh for k in ("agriculture", "forestry", "animal_husbandry", "fishery")
    )
    assert frame.iloc[0].tolist() == [
        statistics,
        "将净产值理解为该行业的增加值",
        "白玛卓嘎等 2017 未界定净产值；增加值即国民经济核算中的净产出，且各行业均有公布",
    ]
    assert (frame["指标"] == statistics).sum() == 1
    water = frame[frame["指标"] == "水源涵养"]
    assert [CROPLAND_ZH.what, CROPLAND_ZH.why] in water.iloc[:, 1:].to_numpy().tolist()
    assert len(frame) == len({(r.indicator_name, d) for r in rows for d in r.deviations}) - 3
    en = deviation_frame(method_table("jiangxi-db36-2021", "en"), "en")
    assert list(en.columns) == ["Indicator", "Deviation from the application followed", "Reason"]
    assert CROPLAND_EN.what in en.iloc[:, 1].tolist()
