"""Transfer payments: hand-computed allocations, exact totals, versioned rules, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from applications_support import (
    DEXING,
    FACTORS,
    LEPING,
    WUYUAN,
    hand_store,
    transfer_rule,
    write,
)
from ganpo.apply.rules import load_rule, rule_names, store_rule, stored_rule
from ganpo.apply.transfers import (
    allocate,
    compute_allocation,
    largest_remainder,
    save_allocation,
    whatif,
)
from ganpo.errors import InputError, UnknownNameError
from ganpo.store.applications import count_runs, get_run, run_lines
from ganpo.store.platform import list_audit


def _stored(engine, path: Path):  # type: ignore[no-untyped-def]
    return store_rule(engine, load_rule(str(path)), "tester")


def test_three_counties_by_hand(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rule = _stored(engine, transfer_rule(tmp_path))
    factors = write(tmp_path / "f.csv", FACTORS)
    alloc = compute_allocation(engine, rule, 2022, 10_300.0, factors)
    got = alloc.table.set_index("county_adcode")
    # minimum 100 each; R = 10 300 − 300 = 10 000.
    # key subsidy 60 % = 6 000 by fiscal gap × coefficient 1:2:1 → 1 500, 3 000, 1 500
    # GEP level 40 % = 4 000 by GEP 100:100:100 → 1 333.33 each
    # x = 2 833.33, 4 333.33, 2 833.33 → floors 9 999; the 1 yuan left goes to the smallest
    # adcode among the equal fractions (Leping 360281)
    assert got.loc[[LEPING, WUYUAN, DEXING], "amount_units"].tolist() == [2934, 4433, 2933]
    assert got["key_subsidy_cny"].tolist() == pytest.approx([1500.0, 3000.0, 1500.0])
    assert got["gep_level_cny"].tolist() == pytest.approx([4000 / 3] * 3)
    assert int(alloc.amount_fen.sum()) == 10_300 * 100
    run_id = save_allocation(engine, alloc, "tester")
    lines = run_lines(engine, run_id)
    assert int(lines["amount_fen"].sum()) == 1_030_000
    rec = get_run(engine, run_id)
    assert rec.rule_version == 1 and rec.account_ids == [1]
    assert rec.inputs[0]["role"] == "factors" and len(rec.inputs[0]["sha256"]) == 64
    actions = [a.action for a in list_audit(engine)]
    assert "apply.transfer.create" in actions and "apply.rule.create" in actions


def test_fen_rounding_sums_exactly() -> None:
    scores = pd.DataFrame({"c": [1.0, 1.0, 1.0]}, index=[3, 1, 2])
    out = allocate(100.0, scores, {"c": 1.0}, pd.Series(0.0, index=scores.index), 0.01)
    # 10 000 fen / 3 = 3 333.33 each; the one fen left goes to the smallest adcode (1)
    assert out["amount_units"].to_dict() == {3: 3333, 1: 3334, 2: 3333}
    assert int(out["amount_units"].sum()) == 10_000


def test_largest_remainder_many_random_budgets() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(2, 120))
        total = int(rng.integers(0, 10**12))
        w = rng.random(n)
        shares = total * w / w.sum()
        out = largest_remainder(shares, total, np.arange(n))
        assert int(out.sum()) == total
        assert np.all(np.abs(out - shares) < 1.0 + 1e-6)


def test_penalty_goes_to_the_others_as_reward() -> None:
    scores = pd.DataFrame({"c": [1.0, 1.0, 2.0]}, index=[1, 2, 3])
    out = allocate(
        400.0,
        scores,
        {"c": 1.0},
        pd.Series(0.0, index=[1, 2, 3]),
        1.0,
        penalty_rate=pd.Series({1: 0.5}),
    )
    # x = 100, 100, 200; county 1 loses 50, which goes to 2 and 3 as 1:2 → 16.67, 33.33
    assert out["penalty_cny"].tolist() == pytest.approx([-50.0, 0.0, 0.0])
    assert out["reward_cny"].tolist() == pytest.approx([0.0, 50 / 3, 100 / 3])
    assert out["amount_units"].tolist() == [50, 117, 233]


def test_infeasible_minimums_store_nothing(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rule = _stored(engine, transfer_rule(tmp_path))
    factors = write(tmp_path / "f.csv", FACTORS)
    with pytest.raises(
        InputError,
        match=r"cannot pay the fixed minimums of the 3 counties, which add up to 300\.00 CNY",
    ):
        compute_allocation(engine, rule, 2022, 299.0, factors)
    assert count_runs(engine) == 0


def test_budget_not_whole_rounding_unit(tmp_path: Path) -> None:
    scores = pd.DataFrame({"c": [1.0]}, index=[1])
    with pytest.raises(InputError, match="not a whole number of yuan"):
        allocate(100.5, scores, {"c": 1.0}, pd.Series(0.0, index=[1]), 1.0)


def test_rule_change_is_a_new_version_and_old_runs_keep_theirs(
    store_url: str, tmp_path: Path
) -> None:
    engine = hand_store(store_url)
    factors = write(tmp_path / "f.csv", FACTORS)
    v1 = _stored(engine, transfer_rule(tmp_path))
    again = _stored(engine, transfer_rule(tmp_path))
    assert (again.id, again.version) == (v1.id, 1)  # unchanged rule: same version
    run1 = save_allocation(engine, compute_allocation(engine, v1, 2022, 10_300.0, factors), "a")
    v2 = _stored(engine, transfer_rule(tmp_path, key_weight=100.0, gep_weight=0.0))
    assert v2.version == 2 and v2.digest != v1.digest
    alloc2 = compute_allocation(engine, v2, 2022, 10_300.0, factors)
    run2 = save_allocation(engine, alloc2, "a")
    # v2: everything by fiscal gap 1:2:1 → 2 500, 5 000, 2 500 (+100)
    assert alloc2.table["amount_units"].tolist() == [2600, 5100, 2600]
    assert get_run(engine, run1).rule_version == 1
    assert get_run(engine, run2).rule_version == 2
    old = stored_rule(engine, "hand-rule", 1).rule
    assert [c.weight for c in old.components] == [60.0, 40.0]  # type: ignore[union-attr]


def test_whatif_gains_and_losses(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rule = _stored(engine, transfer_rule(tmp_path))
    factors = write(tmp_path / "f.csv", FACTORS)
    table = whatif(engine, rule, 2022, 10_300.0, factors, weights={"gep_level": 0.0})
    by = table.set_index("county_adcode")
    # base 2 934 / 4 433 / 2 933; all by fiscal gap: 2 600 / 5 100 / 2 600
    assert by.loc[WUYUAN, "change_cny"] == 667.0
    assert by.loc[LEPING, "change_cny"] == -334.0 and by.loc[DEXING, "change_cny"] == -333.0
    assert table["change_cny"].sum() == 0.0
    assert count_runs(engine) == 0  # a what-if stores nothing
    bigger = whatif(engine, rule, 2022, 10_300.0, factors, new_budget_cny=20_300.0)
    assert bigger["change_cny"].sum() == 10_000.0


def test_gep_growth_factor_at_constant_prices(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    path = transfer_rule(tmp_path)
    text = path.read_text(encoding="utf-8").replace('factors = ["gep"]', 'factors = ["gep_growth"]')
    rule = _stored(engine, write(tmp_path / "growth.toml", text))
    factors = write(tmp_path / "f.csv", FACTORS)
    alloc = compute_allocation(engine, rule, 2023, 10_300.0, factors)
    got = alloc.table.set_index("county_adcode")
    # 2023 values = 2022 × growth × 1.002 (cn-cpi 2023): at 2022 prices +10 %, 0 %, −20 %
    assert got["gep_growth"].tolist() == pytest.approx([0.10, 0.0, -0.20])
    # declines count as 0: the whole GEP-growth share (4 000) goes to Leping
    assert got["gep_level_cny"].tolist() == pytest.approx([4000.0, 0.0, 0.0])
    assert alloc.account_ids == [2, 1]


def test_unknown_indicator_unit_county(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"unknown GEP indicator.*no_such_service"):
        load_rule(str(transfer_rule(tmp_path, indicators='["no_such_service"]')))
    bad_unit = (
        transfer_rule(tmp_path)
        .read_text(encoding="utf-8")
        .replace('coefficient = "1"', 'coefficient = "bananas"')
    )
    with pytest.raises(InputError, match="unknown unit 'bananas'"):
        load_rule(str(write(tmp_path / "u.toml", bad_unit)))
    with pytest.raises(InputError, match=r"county adcode\(s\) 369999 that are not counties"):
        load_rule(str(transfer_rule(tmp_path, exclude="[369999]")))
    with pytest.raises(InputError, match="unknown factor"):
        load_rule(
            str(
                write(
                    tmp_path / "x.toml",
                    transfer_rule(tmp_path)
                    .read_text(encoding="utf-8")
                    .replace('["gep"]', '["gdp"]'),
                )
            )
        )
    with pytest.raises(UnknownNameError, match="jiangxi-key-zone-gep"):
        load_rule("no-such-rule")


def test_factor_table_problems(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rule = _stored(engine, transfer_rule(tmp_path))
    wrong_unit = write(tmp_path / "w.csv", FACTORS.replace("fiscal_gap [万元]", "fiscal_gap [km2]"))
    with pytest.raises(InputError, match="unit 'km2' does not measure the same quantity as 'CNY'"):
        compute_allocation(engine, rule, 2022, 10_300.0, wrong_unit)
    no_unit = write(tmp_path / "n.csv", FACTORS.replace("fiscal_gap [万元]", "fiscal_gap"))
    with pytest.raises(InputError, match="column 'fiscal_gap' has no unit"):
        compute_allocation(engine, rule, 2022, 10_300.0, no_unit)
    missing = write(tmp_path / "m.csv", "\n".join(FACTORS.splitlines()[:-1]) + "\n")
    with pytest.raises(InputError, match=r"lacks eligible county adcode.*361181"):
        compute_allocation(engine, rule, 2022, 10_300.0, missing)
    blank = write(tmp_path / "b.csv", FACTORS.replace("361130,婺源县,2,", "361130,婺源县,,"))
    with pytest.raises(
        InputError,
        match=r"row 4 \(county_adcode 361130\): column 'fiscal_gap' value '' is empty.*因素表第 4 行",
    ):
        compute_allocation(engine, rule, 2022, 10_300.0, blank)
    with pytest.raises(InputError, match="no stored account of 2030"):
        compute_allocation(engine, rule, 2030, 10_300.0, write(tmp_path / "f.csv", FACTORS))
    assert count_runs(engine) == 0


def test_shipped_rules_load() -> None:
    assert {
        "jiangxi-key-zone-gep",
        "xinan-style",
        "dongjiang-style",
        "lean-gep-flow",
        "green-development-index",
    } <= set(rule_names())
    for name in rule_names():
        assert load_rule(name).name == name


def test_penalty_rate_above_one_names_its_row(tmp_path: Path) -> None:
    engine = hand_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    rule = _stored(engine, transfer_rule(tmp_path, penalty_column='"penalty"'))
    factors = write(
        tmp_path / "f.csv", FACTORS.replace("361130,婺源县,2,1,0", "361130,婺源县,2,1,1.5")
    )
    with pytest.raises(
        InputError,
        match=r"f.csv: factor table, row 4 \(county_adcode 361130\): column 'penalty' value 1.5 "
        r"is not a penalty rate; give the fraction withheld, from 0 to 1 / 因素表第 4 行",
    ):
        compute_allocation(engine, rule, 2022, 10_300.0, factors)
    assert count_runs(engine) == 0
