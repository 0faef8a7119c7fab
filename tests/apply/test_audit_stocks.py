"""The physical forest stock of the departure audit pack: at each date the stand volume is
the sum of the approved forest-inventory rows of the unit (a city: of its counties)
exactly, from the latest inventory year not after the date; the carbon is
:func:`ganpo.carbon.sinks.forest_carbon_stock` on the same rows; a date before the first
inventory, a missing or changed file, an absent work folder and a row the factor set cannot
convert are listed as missing with the reason, never filled from another inventory."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from applications_support import DEXING, LEPING, WUYUAN
from audit_support import audit_store, forest_frame, report_forest_inventory
from ganpo.apply.audit import departure_audit
from ganpo.carbon.sinks import forest_carbon_stock
from ganpo.submissions.workflow import storage_dir

TENURE = (date(2022, 12, 31), date(2023, 12, 31))  # inventories of 2021 and 2023


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit_stocks")


@pytest.fixture(scope="module")
def engine(folder: Path) -> Engine:
    return audit_store(folder)


def _rows(year: int, counties: set[int]) -> pd.DataFrame:
    rows = forest_frame(year)
    return rows[rows["unit_code"].isin(counties)]


def _by_type_m3(rows: pd.DataFrame) -> dict[str, float]:
    scale = rows["unit"].map({"万m3": 1e4, "m3": 1.0})
    return (rows["quantity"] * scale).groupby(rows["forest_type"]).sum().to_dict()


def test_volume_at_each_date_is_the_sum_of_the_countys_rows(engine: Engine, folder: Path) -> None:
    pack = departure_audit(engine, LEPING, *TENURE, work_dir=folder / "work")
    assert pack.stock_years == {"start": [2021], "end": [2023]}
    s = pack.stocks.set_index("forest_type")
    for side, year in (("start", 2021), ("end", 2023)):
        want = _by_type_m3(_rows(year, {LEPING}))
        got = s[f"{side}_m3"]
        assert got[got > 0].to_dict() == want  # exactly: the same rows summed
    # by hand: 2021 fir 12.5 万m³ + pine 3.25 万m³; 2023 fir 13.75, pine 30,000 m³ = 3 万m³,
    # broadleaf 0.5; the broadleaf absent in 2021 is 0 there, not unknown
    assert s.loc["masson_pine", "end_m3"] == 30_000.0
    assert s.loc["mixed_broadleaf", "start_m3"] == 0.0
    assert s["start_m3"].sum() == 157_500.0 and s["end_m3"].sum() == 172_500.0
    assert s.loc["chinese_fir", "change_m3"] == 12_500.0
    assert list(s.index) == ["chinese_fir", "masson_pine", "mixed_broadleaf"]  # set's order
    assert s.loc["chinese_fir", "name_zh"] == "杉木林"
    items = {m.item for m in pack.missing}
    assert not {"stocks_start", "stocks_end"} & items


def test_carbon_is_the_sink_accounts_function_on_the_same_rows(
    engine: Engine, folder: Path
) -> None:
    pack = departure_audit(engine, LEPING, *TENURE, work_dir=folder / "work")
    s = pack.stocks.set_index("forest_type")
    for side, year in (("start", 2021), ("end", 2023)):
        carbon, _ = forest_carbon_stock(_rows(year, {LEPING}), "cn-forestry")
        want = carbon.groupby("forest_type")["carbon_t"].sum()
        for kind, value in want.items():
            assert s.loc[kind, f"{side}_carbon_t"] == value
    # Chinese fir 2021 by hand: 125,000 m³ × 0.307 × 1.634 × 1.246 × 0.520 t C
    assert s.loc["chinese_fir", "start_carbon_t"] == pytest.approx(
        125_000 * 0.307 * 1.634 * 1.246 * 0.52, rel=1e-12
    )


def test_sources_name_the_approved_reports(engine: Engine, folder: Path) -> None:
    pack = departure_audit(engine, LEPING, *TENURE, work_dir=folder / "work")
    used = [s for s in pack.sources if s.kind == "forest_inventory"]
    assert [(s.id, s.year, s.role, s.status, s.version) for s in used] == [
        (1, 2021, "start", "approved", 1),
        (2, 2023, "end", "approved", 1),
    ]


def test_a_city_sums_its_counties_each_from_its_latest_inventory(
    engine: Engine, folder: Path
) -> None:
    pack = departure_audit(engine, "上饶市", *TENURE, work_dir=folder / "work")
    s = pack.stocks.set_index("forest_type")
    # Dexing reported no 2023 inventory: at the end its latest is 2021's
    ends = pd.concat([_rows(2023, {WUYUAN}), _rows(2021, {DEXING})])
    for side, rows in (("start", _rows(2021, {WUYUAN, DEXING})), ("end", ends)):
        want = _by_type_m3(rows)
        got = s[f"{side}_m3"]
        assert got[got > 0].to_dict() == want
        county_sums = sum(
            departure_audit(engine, c, *TENURE, work_dir=folder / "work")
            .stocks[f"{side}_carbon_t"]
            .sum()
            for c in (WUYUAN, DEXING)
        )
        assert pack.stocks[f"{side}_carbon_t"].sum() == pytest.approx(county_sums, rel=1e-12)
    assert pack.stock_years == {"start": [2021], "end": [2021, 2023]}
    assert "forest stock at the end of tenure: each county's latest forest inventory (of " in (
        " ".join(en for _, en in pack.notes)
    )
    assert [(s.id, s.role) for s in pack.sources if s.kind == "forest_inventory"] == [
        (1, "start"),
        (1, "end"),
        (2, "end"),
    ]


def test_a_tenure_before_the_first_inventory_lists_the_stock_missing(
    engine: Engine, folder: Path
) -> None:
    pack = departure_audit(
        engine, LEPING, date(2019, 6, 1), date(2021, 12, 31), work_dir=folder / "work"
    )
    assert pack.stock_years == {"start": [], "end": [2021]}
    missing = {m.item: m for m in pack.missing}
    assert "stocks_start" in missing and "stocks_end" not in missing
    assert "no approved forest inventory report of 2018 or before" in missing["stocks_start"].en
    assert "approved inventory years: 2021, 2023" in missing["stocks_start"].en
    assert "2018 年或此前" in missing["stocks_start"].zh
    assert pack.stocks["start_m3"].isna().all() and pack.stocks["end_m3"].sum() == 157_500.0
    # 2022-12-30 stands for the end of 2021: the 2021 inventory, not the 2023 one
    earlier = departure_audit(
        engine, LEPING, date(2019, 6, 1), date(2023, 12, 30), work_dir=folder / "work"
    )
    assert earlier.stock_years["end"] == [2021]


def test_the_stocks_not_stored_are_named(engine: Engine, folder: Path) -> None:
    pack = departure_audit(engine, LEPING, *TENURE, work_dir=folder / "work")
    stocks = next(m for m in pack.missing if m.item == "stocks")
    assert stocks.en.startswith("water resources (surface and groundwater quantity) and wetland")
    assert "水资源量" in stocks.zh and "湿地" in stocks.zh


def test_without_the_work_folder_the_stock_is_missing_and_says_why(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    missing = {m.item: m for m in pack.missing}
    assert "the platform's work folder was not given (--work-dir)" in missing["stocks_end"].en
    assert pack.stocks.empty and not pack.source_ids("forest_inventory")


def test_a_changed_or_absent_file_is_not_used(tmp_path: Path) -> None:
    engine = audit_store(tmp_path)
    work = tmp_path / "work"
    stored = storage_dir(work, 2023) / f"{2023:032x}.csv"
    stored.write_text(stored.read_text(encoding="utf-8").replace("13.75", "99"), encoding="utf-8")
    pack = departure_audit(engine, LEPING, *TENURE, work_dir=work)
    missing = {m.item: m for m in pack.missing}
    assert "was changed after approval" in missing["stocks_end"].en
    assert "submission 2 version 1" in missing["stocks_end"].en
    # the earlier inventory does not stand in for the unreadable later one
    assert pack.stock_years == {"start": [2021], "end": []}
    assert pack.stocks["end_m3"].isna().all()
    shutil.rmtree(storage_dir(work, 2021))
    gone = departure_audit(engine, LEPING, *TENURE, work_dir=work)
    reason = {m.item: m for m in gone.missing}["stocks_start"].en
    assert "is not in the work folder" in reason and "restore the file" in reason


def test_a_row_the_factor_set_cannot_convert_is_missing_not_guessed(tmp_path: Path) -> None:
    engine = audit_store(tmp_path)
    # bamboo counted by culms: cn-forestry has no culm factors (the upload would refuse it)
    bamboo = pd.DataFrame(
        [(LEPING, 2024, "bamboo", 300.0, "万株")],
        columns=["unit_code", "year", "forest_type", "quantity", "unit"],
    )
    report_forest_inventory(engine, tmp_path / "work", 2024, bamboo)
    pack = departure_audit(
        engine, LEPING, date(2022, 12, 31), date(2024, 12, 31), work_dir=tmp_path / "work"
    )
    missing = {m.item: m for m in pack.missing}
    assert "stocks_end" in missing and "stocks_start" not in missing
    en, zh = missing["stocks_end"].en, missing["stocks_end"].zh
    assert "value 'bamboo' is not a forest type of sink factor set 'cn-forestry'" in en
    assert "森林类型 bamboo 不在因子集中" not in en  # each language its own part
    assert "因子集“cn-forestry”换算（2024 年森林资源清查表（报送 #" in zh
    assert "：森林类型 bamboo 不在因子集中）" in zh and "forest inventory" not in zh
    assert pack.stock_years == {"start": [2021], "end": []}
    assert pack.stocks["end_m3"].isna().all()
