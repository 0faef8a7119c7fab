"""The energy balance: its statistical difference worked by hand, flagged beyond the
tolerance with the unit, year and gap; items that cannot be negative refused by name; fuel
burnt beyond the balance's consumption flagged."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ganpo.carbon.balance import (
    BALANCE_TOLERANCE,
    balance_findings,
    combustion_findings,
    statistical_differences,
)
from ganpo.errors import TableError

ITEMS = ["production", "inflow", "imports", "outflow", "exports", "stock_change",
         "transformation_input", "transformation_output", "losses", "final_consumption"]  # fmt: skip


def _balance(*rows: tuple[object, ...]) -> pd.DataFrame:
    """Rows of unit code, year, the ten items in the order of ITEMS, and the unit."""
    return pd.DataFrame(rows, columns=["unit_code", "year", *ITEMS, "unit"])


# a province-sized balance [万tce]; 2021:
# S = 2000 + 8500 + 300 − 1500 − 10 + 30 = 9320
# U = 8000 + 5000 − 4200 + 120 = 8920
# D = 400 = 4.29 % of S: within 5 %
# 2022, inflow 9000 instead: S = 9820, U = 8920, D = 900 = 9.16 % of S: beyond 5 %
Y2021 = (360000, 2021, 2000, 8500, 300, 1500, 10, 30, 5000, 4200, 120, 8000, "万tce")
Y2022 = (360000, 2022, 2000, 9000, 300, 1500, 10, 30, 5000, 4200, 120, 8000, "万吨标准煤")


def test_statistical_difference_by_hand() -> None:
    d = statistical_differences(_balance(Y2021, Y2022))
    assert d["supply_10k_tce"].tolist() == [9320.0, 9820.0]
    assert d["use_10k_tce"].tolist() == [8920.0, 8920.0]
    assert d["difference_10k_tce"].tolist() == [400.0, 900.0]
    assert d["difference_share"].tolist() == pytest.approx([400 / 9320, 900 / 9820], rel=1e-15)


def test_a_gap_beyond_the_tolerance_is_flagged_with_unit_year_and_gap() -> None:
    f = balance_findings(_balance(Y2021, Y2022))
    assert BALANCE_TOLERANCE == 0.05
    assert f[["unit_code", "year", "finding", "severity"]].values.tolist() == [
        [360000, 2022, "statistical_difference", "warning"]
    ]
    assert f["difference_10k_tce"].iloc[0] == 900.0
    en, zh = f["message_en"].iloc[0], f["message_zh"].iloc[0]
    # 900 / 9820 = 9.165 % → "+9.2%"
    assert "unit code 360000, 2022" in en
    assert (
        "supply 9820.00 万吨标准煤 is 900.00 万吨标准煤 (+9.2% of supply) more than use 8920.00"
        in en
    )
    assert "±5% tolerance" in en
    assert "360000 2022 年能源平衡表平衡差额 900.00 万吨标准煤" in zh and "+9.2%" in zh


def test_the_tolerance_is_a_share_of_supply_and_can_be_set() -> None:
    # 2021's 4.29 % is flagged at 4 %, 2022's 9.16 % is not at 10 %
    assert balance_findings(_balance(Y2021), tolerance=0.04)["year"].tolist() == [2021]
    assert balance_findings(_balance(Y2022), tolerance=0.10).empty


def test_use_above_supply_is_flagged_as_a_negative_gap() -> None:
    # final consumption 9000: U = 9920, S = 9320, D = −600 = −6.44 %
    row = list(Y2021)
    row[ITEMS.index("final_consumption") + 2] = 9000
    f = balance_findings(_balance(tuple(row)))
    assert f["difference_10k_tce"].tolist() == [-600.0]
    assert "600.00 万吨标准煤 (-6.4% of supply) less than use 9920.00" in f["message_en"].iloc[0]


def test_tonnes_of_coal_equivalent_give_the_same_gap() -> None:
    # the 2022 balance in tce: every item × 10⁴, the gap still 900 万tce
    row = [*Y2022[:2], *(v * 10_000 for v in Y2022[2:12]), "tce"]  # type: ignore[operator]
    d = statistical_differences(_balance(tuple(row)))
    assert d["difference_10k_tce"].tolist() == pytest.approx([900.0], rel=1e-12)


def test_a_negative_stock_change_is_a_build_up_not_an_error() -> None:
    # stock change −330 instead of +30: S = 8960, U = 8920, D = 40
    row = list(Y2021)
    row[ITEMS.index("stock_change") + 2] = -330
    assert statistical_differences(_balance(tuple(row)))["difference_10k_tce"].tolist() == [40.0]


@pytest.mark.parametrize("item", [i for i in ITEMS if i != "stock_change"])
def test_a_negative_item_is_refused_by_name(item: str) -> None:
    # the yearbook prints outflow, exports and transformation input with (−): a value
    # copied with its sign is refused, not subtracted twice
    row = list(Y2021)
    row[ITEMS.index(item) + 2] = -1500
    with pytest.raises(TableError) as err:
        statistical_differences(_balance(Y2022, tuple(row)))
    msg = str(err.value)
    assert (
        f"table 'energy balance', row 1 (unit code 360000, 2021): column {item!r} value -1500 "
        in msg
    )
    assert "is negative" in msg and "only stock_change has a sign" in msg and "(−)" in msg
    assert (err.value.field, err.value.values) == (item, [-1500])


def test_an_item_that_is_no_number_is_refused_by_name() -> None:
    row = list(Y2021)
    row[ITEMS.index("losses") + 2] = "约120"
    with pytest.raises(TableError, match=r"row 0 .*column 'losses' value '约120' is not a number"):
        balance_findings(_balance(tuple(row)))


def test_a_balance_in_physical_units_is_refused() -> None:
    row = (*Y2021[:12], "万t")
    with pytest.raises(TableError) as err:
        statistical_differences(_balance(tuple(row)))
    msg = str(err.value)
    assert "column 'unit' value '万t' is not a unit of standard coal" in msg and "标准量" in msg


def test_two_balances_of_one_unit_and_year_are_refused() -> None:
    with pytest.raises(TableError, match=r"row 1 .*unit code 360000 and year 2021 have a balance"):
        statistical_differences(_balance(Y2021, Y2021))


def test_a_missing_item_column_is_named() -> None:
    b = _balance(Y2021).drop(columns=["losses"])
    with pytest.raises(TableError, match=r"lacks column\(s\) losses"):
        statistical_differences(b)


def test_use_without_supply_is_flagged_without_a_share() -> None:
    row = (360102, 2022, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.5, "万tce")
    f = balance_findings(_balance(row))
    assert f["difference_10k_tce"].tolist() == [-3.5]
    assert math.isnan(f["difference_share"].iloc[0])
    assert "3.50 万吨标准煤 (— of supply)" in f["message_en"].iloc[0]


# ------------------------------------------------------------------ fuel burnt vs the balance


def _fuels(*rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["unit_code", "year", "category_code", "fuel", "quantity", "unit"]
    )


# 南昌市 2022 [万tce]: final consumption 300, transformation input 200: at most 500 burnt
NANCHANG = (360100, 2022, 0, 600, 0, 100, 0, 0, 200, 150, 5, 300, "万tce")


def test_fuel_burnt_beyond_consumption_and_transformation_input_is_flagged() -> None:
    # 600 万t raw coal in power plants = 600 × 10⁴ t × 20.908 GJ/t / 29.3076 GJ/tce
    # = 12 544.8 / 29.3076 万tce = 428.039143 万tce; + 100 万tce in industry = 528.039143,
    # 28.039143 万tce (5.61 % of 500) more than the balance's 300 + 200
    fuels = _fuels(
        (360100, 2022, "1.A.1.a", "raw_coal", 600, "万t"),
        (360100, 2022, "1.A.2", "coke", 100, "万tce"),
    )
    f = combustion_findings(fuels, "cn-statistics", _balance(NANCHANG))
    assert f[["unit_code", "year", "finding", "severity"]].values.tolist() == [
        [360100, 2022, "combustion_exceeds_balance", "warning"]
    ]
    assert f["combustion_10k_tce"].iloc[0] == pytest.approx(528.039143, abs=1e-6)
    assert f["consumption_10k_tce"].iloc[0] == 500.0
    assert f["excess_10k_tce"].iloc[0] == pytest.approx(28.039143, abs=1e-6)
    assert f["excess_share"].iloc[0] == pytest.approx(0.0560783, abs=1e-7)
    en, zh = f["message_en"].iloc[0], f["message_zh"].iloc[0]
    assert (
        "unit code 360100, 2022: the fuel table burns 528.04 万吨标准煤, 28.04 万吨标准煤 (5.6%)"
        in en
    )
    assert "final consumption + transformation input (500.00)" in en
    assert "360100 2022 年燃料燃烧量 528.04 万吨标准煤" in zh and "28.04" in zh


def test_fuel_within_the_balance_or_without_one_is_not_flagged() -> None:
    # 400 万tce burnt ≤ 500; 360102 has no balance row: not checked
    fuels = _fuels(
        (360100, 2022, "1.A.2", "coke", 400, "万tce"),
        (360102, 2022, "1.A.2", "coke", 9_999, "万tce"),
    )
    assert combustion_findings(fuels, "cn-statistics", _balance(NANCHANG)).empty


def test_fuel_burnt_equal_to_the_balance_is_not_flagged() -> None:
    # exactly 500 万tce, in two rows of 250: not an excess
    fuels = _fuels(
        (360100, 2022, "1.A.2", "coke", 250, "万tce"),
        (360100, 2022, "1.A.4", "lpg", 2_500_000, "tce"),
    )
    assert combustion_findings(fuels, "cn-statistics", _balance(NANCHANG)).empty


def test_the_combustion_check_refuses_a_bad_balance_and_a_unit_outside_the_region() -> None:
    fuels = _fuels((440103, 2022, "1.A.2", "coke", 1, "万tce"))
    bad = (*NANCHANG[:3], -600, *NANCHANG[4:])
    with pytest.raises(TableError, match="column 'inflow' value -600 is negative"):
        combustion_findings(fuels, "cn-statistics", _balance(bad))
    with pytest.raises(TableError, match="value 440103 is 荔湾区"):
        combustion_findings(fuels, "cn-statistics", _balance(NANCHANG), region=360000)
