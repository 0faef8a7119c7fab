"""The departure audit pack's figures (no rendering): they reconcile with the stored
extent, results, inventory and ledger exactly; the GEP restated by hand; the accounts
chosen by the year-end rule; missing figures listed, never invented; bad units and
tenures refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine

from applications_support import DEXING, GEP_2022, LEPING, WUYUAN, account, hand_store
from audit_support import POWER_G, SINK_G, audit_store
from ganpo.apply.audit import balance_year, departure_audit
from ganpo.catalog.deflators import load_deflator
from ganpo.errors import InputError
from ganpo.store.applications import ledger_rows
from ganpo.store.lifecycle import publish_account, withdraw_account
from ganpo.store.repository import load_account, save_account

TENURE = (date(2022, 12, 31), date(2023, 12, 31))  # the accounts of 2022 and 2023


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    return audit_store(tmp_path_factory.mktemp("audit"))


def test_balance_year_is_the_last_year_end_on_or_before_the_date() -> None:
    assert balance_year(date(2022, 3, 1)) == 2021
    assert balance_year(date(2022, 1, 1)) == 2021
    assert balance_year(date(2022, 12, 30)) == 2021
    assert balance_year(date(2022, 12, 31)) == 2022


def test_tables_reconcile_with_the_stored_accounts(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    assert pack.years == {"start": 2022, "end": 2023}
    assert pack.source_ids("account") == [1, 2]
    for side, account_id in (("start", 1), ("end", 2)):
        stored = load_account(engine, account_id)
        ext = stored.extent[stored.extent["county_adcode"] == LEPING]
        by_type = ext.groupby("ecosystem_code")["area_m2"].sum()
        got = pack.assets.set_index("ecosystem_code")[f"{side}_m2"]
        assert got.to_dict() == by_type.to_dict()  # exactly: the same rows summed
        res = stored.results[stored.results["county_adcode"] == LEPING]
        by_cat = res.groupby("category")["value_cny"].sum()
        gep = pack.gep.set_index("category")[f"{side}_cny"]
        for cat in ("material", "regulating", "cultural"):
            assert gep[cat] == by_cat[cat]
        assert gep["total"] == res["value_cny"].sum()
    # Leping: 100 km² of forest (code 1) at both dates
    row = pack.assets.iloc[0]
    assert (row["ecosystem_code"], row["start_ha"], row["end_km2"]) == (1, 10_000.0, 100.0)
    assert row["change_ha"] == 0.0


def test_gep_restated_to_the_end_year_by_hand(engine: Engine) -> None:
    factor = load_deflator("cn-cpi").factor(2022, 2023)
    assert factor == pytest.approx(1.002)  # cn-cpi 2023 is +0.2 % (applications_support)
    for code, growth in ((LEPING, 0.10), (WUYUAN, 0.0), (DEXING, -0.20)):
        pack = departure_audit(engine, code, *TENURE)
        gep = pack.gep.set_index("category")
        assert pack.price_year == 2023 and pack.deflator == "cn-cpi"
        # 2022 at 2023 prices = 100 CNY × 1.002; 2023 = 100 × (1 + g) × 1.002 (its own prices)
        assert gep.loc["total", "start_constant_cny"] == pytest.approx(100.2, rel=1e-12)
        assert gep.loc["total", "end_cny"] == pytest.approx(100.2 * (1 + growth), rel=1e-12)
        assert gep.loc["total", "end_constant_cny"] == gep.loc["total", "end_cny"]
        assert gep.loc["total", "change_pct"] == pytest.approx(growth * 100, abs=1e-9)
        material = GEP_2022[code]["agriculture"]
        assert gep.loc["material", "start_constant_cny"] == pytest.approx(
            material * 1.002, rel=1e-12
        )


def test_a_city_sums_its_counties(engine: Engine) -> None:
    pack = departure_audit(engine, "上饶市", *TENURE)
    assert (pack.unit_code, pack.level) == (361100, "city")
    assert pack.assets["start_km2"].sum() == 250.0  # Wuyuan 200 + Dexing 50
    assert pack.gep.set_index("category").loc["total", "start_cny"] == 200.0
    # the agreement's upstream party is Wuyuan + Dexing: both settlements are the city's
    assert list(pack.settlements["party"]) == ["upstream", "upstream"]


def test_carbon_from_the_stored_inventory(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    carbon = pack.carbon.set_index("item")
    assert carbon.loc["production_g", "end_t"] == POWER_G / 1e6 == 50_000.0
    assert carbon.loc["lulucf_g", "end_t"] == SINK_G / 1e6 == -10_000.0
    assert carbon.loc["net_g", "end_t"] == 40_000.0
    assert carbon["start_t"].isna().all()  # no inventory of 2022
    assert pack.source_ids("inventory") == [1]
    items = [m.item for m in pack.missing]
    assert "carbon_start" in items and "carbon_end" not in items


def test_settlements_reconcile_with_the_ledger(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    ledger = pd.DataFrame(ledger_rows(engine))
    assert list(pack.settlements["run_id"]) == list(ledger["run_id"])
    assert list(pack.settlements["amount_cny"]) == list(ledger["amount_cny"])
    # 2022: water conservation of Wuyuan 60 + Dexing 80 = 140 CNY × 0.5 flow × 0.1 share
    assert pack.settlements["amount_cny"].iloc[0] == 7.0
    assert set(pack.settlements["party"]) == {"downstream"}
    # gep_flow: the downstream party (Leping) pays the upstream one; names from the rule
    assert pack.settlements[["payer_zh", "payee_en"]].values.tolist() == [
        ["下游", "upstream"],
        ["下游", "upstream"],
    ]
    assert pack.source_ids("settlement") == list(ledger["run_id"])
    # a tenure of 2024 only settles nothing
    later = departure_audit(engine, LEPING, date(2024, 1, 1), date(2024, 12, 31))
    assert later.settlements.empty


def test_outside_the_stored_years_the_missing_figures_are_listed(engine: Engine) -> None:
    pack = departure_audit(engine, WUYUAN, date(2020, 6, 1), date(2026, 3, 1))
    assert pack.years == {"start": 2019, "end": 2025}
    missing = {m.item: m for m in pack.missing}
    for item in ("assets_start", "assets_end", "gep_start", "gep_end", "carbon_start"):
        assert item in missing
    assert "no current stored account of 2019" in missing["gep_start"].en
    assert "stored years: 2022, 2023" in missing["gep_start"].en
    assert "2019 年" in missing["gep_start"].zh
    assert pack.assets.empty and pack.gep["start_cny"].isna().all()
    assert pack.price_year is None and pack.sources[0].kind == "settlement"
    # what ganpo does not hold is said, not invented
    for item in ("zoning", "damage", "stocks", "targets"):
        assert item in missing
    assert missing["zoning"].en.startswith("zoning violations: the register of violations is empty")
    assert missing["damage"].en.startswith("ecological damage cases: no damage case is stored")


def test_one_side_missing_keeps_the_other(engine: Engine) -> None:
    # 2022-03-01 stands for the end of 2021, which has no account
    pack = departure_audit(engine, LEPING, date(2022, 3, 1), date(2023, 12, 31))
    assert pack.years == {"start": 2021, "end": 2023}
    assert pack.source_ids("account") == [2]
    gep = pack.gep.set_index("category")
    assert gep.loc["total", "end_cny"] == pytest.approx(110.22, rel=1e-12)
    assert pd.isna(gep.loc["total", "change_cny"])
    assert pack.assets["end_ha"].tolist() == [10_000.0]


def test_a_unit_not_in_the_accounts_is_refused_by_name(engine: Engine) -> None:
    with pytest.raises(InputError, match=r"青山湖区 \(360111\) is in no current stored account"):
        departure_audit(engine, 360111, *TENURE)
    with pytest.raises(InputError, match="乐平市 360281"):  # the units it holds
        departure_audit(engine, "南昌县", *TENURE)


def test_a_tenure_ending_before_it_starts_is_refused(engine: Engine) -> None:
    with pytest.raises(InputError, match="before or on its start") as exc:
        departure_audit(engine, LEPING, date(2023, 12, 31), date(2022, 12, 31))
    assert exc.value.field == "end"
    with pytest.raises(InputError, match="任期终止日期须晚于起始日期"):
        departure_audit(engine, LEPING, date(2023, 1, 1), date(2023, 1, 1))


def test_a_tenure_within_one_year_says_both_dates_use_one_account(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, date(2023, 1, 1), date(2023, 6, 30))
    assert pack.years == {"start": 2022, "end": 2022}
    assert pack.gep.set_index("category").loc["total", "change_cny"] == 0.0
    assert "spans no year end" in pack.notes[0][1]


def test_the_pack_is_marked_synthetic(engine: Engine) -> None:
    pack = departure_audit(engine, LEPING, *TENURE)
    assert pack.synthetic  # the hand accounts are synthetic


def test_the_published_account_is_used_and_a_withdrawn_one_never(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 'choice.sqlite'}")
    doubled = {c: {k: 2 * v for k, v in per.items()} for c, per in GEP_2022.items()}
    newer = save_account(engine, account(2023, doubled))  # id 3, a newer draft of 2023
    assert departure_audit(engine, LEPING, *TENURE).source_ids("account") == [1, newer]
    publish_account(engine, 2, actor="tester")  # a published one wins over a newer draft
    assert departure_audit(engine, LEPING, *TENURE).source_ids("account") == [1, 2]
    withdraw_account(engine, 1, reason="test", actor="tester")
    pack = departure_audit(engine, LEPING, *TENURE)
    assert pack.source_ids("account") == [2]
    assert "assets_start" in {m.item for m in pack.missing}
    status = {s.id: s.status for s in pack.sources if s.kind == "account"}
    assert status == {2: "published"}


def test_a_year_the_deflator_does_not_cover_leaves_comparable_gep_missing(
    tmp_path: Path,
) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 'old.sqlite'}", years=(2005, 2023))
    pack = departure_audit(engine, LEPING, date(2005, 12, 31), date(2023, 12, 31))
    gep = pack.gep.set_index("category")
    assert gep.loc["total", "start_cny"] == 100.0  # at its own prices, as stored
    assert pd.isna(gep.loc["total", "start_constant_cny"])
    assert pd.isna(gep.loc["total", "change_cny"])
    gone = {m.item: m for m in pack.missing}
    assert "has no index for 2005" in gone["gep_start_constant"].en


def test_asset_values_are_the_npv_of_the_restated_flows(engine: Engine) -> None:
    from ganpo.services.asset import npv_factor

    pack = departure_audit(engine, LEPING, *TENURE)
    factor = npv_factor(0.0277, 100)
    assert pack.npv_factor == factor
    gep = pack.gep.set_index("category")
    values = pack.asset_values
    for side in ("start", "end"):
        total = values[f"{side}_asset_cny"].sum()
        assert total == pytest.approx(gep.loc["total", f"{side}_constant_cny"] * factor, rel=1e-12)
    # by type, from the stored rows of the end account (its own prices: no restatement)
    stored = load_account(engine, 2)
    res = stored.results[stored.results["county_adcode"] == LEPING]
    by_type = res.groupby("ecosystem_code")["value_cny"].sum() * factor
    got = values.set_index("ecosystem_code")["end_asset_cny"]
    assert got.to_dict() == pytest.approx(by_type.to_dict(), rel=1e-12)
