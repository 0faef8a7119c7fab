"""Fiscal transfer payments: split a budget among counties by a versioned rule.

The structure follows the central key-ecological-zone transfer (docs/applications.md): key
subsidy (fiscal gap × coefficient), prohibited-development subsidy (protected area and
number of reserves), guidance subsidy, rewards and penalties; the rule adds GEP factors
(GEP level, GEP per km², GEP growth at constant prices) and the ecological red-line area.
No national GEP transfer formula is published: the rule is data
(:class:`ganpo.apply.rules.TransferRule`) and every allocation is stored with the rule
version, the accounts and the factor table (SHA-256) it used.

Algorithm (:func:`allocate`), in integer rounding units u (fen or yuan):

1. every eligible county i gets its fixed minimum mᵢ; R = B − Σ mᵢ (B the budget); if
   R < 0 the budget cannot be allocated (error, nothing stored);
2. component c receives R · w_c / Σ w; it goes to the counties in proportion to the
   score s_ic = Σ_terms k · Π factors (negative scores count as 0 when the component
   clips them): x_i = Σ_c R · (w_c/Σw) · s_ic / Σ_j s_jc;
3. penalties: a county with penalty rate pᵢ loses pᵢ·xᵢ; the deductions D go to the
   counties without penalty in proportion to their xᵢ (rewards);
4. largest-remainder rounding: ⌊xᵢ⌋ each, and the R − Σ⌊xᵢ⌋ units left go one each to
   the largest fractional parts (ties: smaller adcode). So Σ amounts = B exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ganpo.apply.gepdata import account_for_year, constant_price_growth, county_gep
from ganpo.apply.inputs import file_sha256, read_table_in_units
from ganpo.apply.rules import GEP_FACTORS, StoredRule, TransferRule
from ganpo.errors import InputError, preview
from ganpo.store import applications as store

#: the largest budget accepted [CNY]: 10^15 (a thousand trillion) keeps fen counts in int64
MAX_BUDGET_CNY = 1e15


def _units(amount_cny: float, unit_cny: float, what: str) -> int:
    """An amount as a whole number of rounding units (error if it is not one)."""
    units = amount_cny / unit_cny
    whole = round(units)
    if not math.isfinite(units) or abs(units - whole) > 1e-6 * max(1.0, abs(units)):
        name = "fen (0.01 CNY)" if unit_cny == 0.01 else "yuan"
        name_zh = "分" if unit_cny == 0.01 else "元"
        raise InputError(
            en=f"{what} {amount_cny!r} CNY is not a whole number of {name}; round it or "
            "change the rule's rounding",
            zh=f"{what} {amount_cny!r} 元不是整{name_zh}数，请取整或修改规则的取整单位",
            field=what,
            values=[amount_cny],
        )
    return int(whole)


def largest_remainder(shares: np.ndarray, total: int, keys: np.ndarray) -> np.ndarray:
    """Integers ≥ ⌊shares⌋ adding up to ``total`` (Hamilton / largest-remainder method).

    ``shares`` must add up to ``total`` (up to float error) and be ≥ 0; ties in the
    fractional parts go to the smaller key.

    >>> largest_remainder(np.array([33.4, 33.3, 33.3]), 100, np.array([1, 2, 3])).tolist()
    [34, 33, 33]
    """
    floors = np.floor(shares + 1e-9).astype("int64")
    left = int(total - floors.sum())
    frac = shares - floors
    order = np.lexsort((keys, -frac))  # largest fraction first, then smaller key
    out = floors.copy()
    if abs(left) > len(out):  # only non-finite or inconsistent shares get here
        raise InputError(
            en=f"cannot round shares adding up to {float(shares.sum())!r} to the total {total}",
            zh=f"合计为 {float(shares.sum())!r} 的份额无法取整分配到总额 {total}，"
            "请检查得分中是否有非有限数",
            field="shares",
        )
    if left > 0:
        out[order[np.arange(left) % len(out)]] += 1
    elif left < 0:  # float error made floors too large: take from the smallest fractions
        out[order[::-1][np.arange(-left) % len(out)]] -= 1
    return out


def allocate(
    budget_cny: float,
    scores: pd.DataFrame,
    weights: dict[str, float],
    minimums_cny: pd.Series,
    unit_cny: float = 0.01,
    penalty_rate: pd.Series | None = None,
) -> pd.DataFrame:
    """Split ``budget_cny`` among counties (see the module doc for the steps).

    Parameters
    ----------
    budget_cny : the budget [CNY], a whole number of rounding units
    scores : county adcode (index) × component key (columns): scores ≥ 0 [any unit]
    weights : component key → relative weight (≥ 0)
    minimums_cny : county adcode → fixed minimum [CNY]
    unit_cny : rounding unit [CNY] (0.01 fen, 1 yuan)
    penalty_rate : county adcode → fraction of the amount above the minimum withheld

    Returns
    -------
    One row per county (index adcode): ``minimum_cny``, ``<component>_cny`` (unrounded),
    ``penalty_cny`` (≤ 0), ``reward_cny`` (≥ 0), ``rounding_cny``, ``amount_cny`` and
    ``amount_units`` (the exact amount in rounding units).

    Examples
    --------
    >>> s = pd.DataFrame({"gep": [1.0, 1.0, 2.0]}, index=[1, 2, 3])
    >>> out = allocate(100.0, s, {"gep": 1.0}, pd.Series(0.0, index=s.index), unit_cny=1.0)
    >>> out["amount_units"].tolist()
    [25, 25, 50]
    """
    counties = scores.index.to_numpy()
    B = _units(budget_cny, unit_cny, "budget")
    if not 0 <= B * unit_cny <= MAX_BUDGET_CNY:
        raise InputError(
            en=f"the budget must lie between 0 and {MAX_BUDGET_CNY:.0e} CNY",
            zh=f"预算须在 0 到 {MAX_BUDGET_CNY:.0e} 元之间",
            field="budget",
            values=[budget_cny],
        )
    mins = np.array(
        [_units(float(minimums_cny.get(c, 0.0)), unit_cny, "minimum") for c in counties],
        dtype="int64",
    )
    if mins.sum() > B:
        raise InputError(
            en=f"the budget {budget_cny:,.2f} CNY cannot pay the fixed minimums of the "
            f"{len(counties)} counties, which add up to {mins.sum() * unit_cny:,.2f} CNY; "
            "raise the budget or lower the minimums (nothing was stored)",
            zh="预算不足以支付"
            f"{len(counties)} 个县的保底额（合计 {mins.sum() * unit_cny:,.2f} 元）；请提高预算"
            "或降低规则的保底额（未入库）",
            field="budget",
            values=[budget_cny, float(mins.sum() * unit_cny)],
        )
    R = B - int(mins.sum())
    total_w = sum(weights.get(c, 0.0) for c in scores.columns)
    parts = pd.DataFrame(index=scores.index)
    for comp in scores.columns:
        w = weights.get(comp, 0.0)
        col = scores[comp].astype("float64")
        if not np.isfinite(col).all():
            raise InputError(
                en=f"component {comp!r} has scores that are not finite numbers for "
                f"{preview(col[~np.isfinite(col)].index)}; check the factor table",
                zh=f"分配项 {comp} 的得分不是有限数值，请核对因素表",
                field=comp,
            )
        if (col < 0).any():
            raise InputError(
                en=f"component {comp!r} has negative scores for {preview(col[col < 0].index)}",
                zh=f"分配项 {comp} 的得分为负",
                field=comp,
            )
        s = float(col.sum())
        if not math.isfinite(s):
            raise InputError(
                en=f"component {comp!r}: the scores add up to more than a float can hold; "
                "check the factor table for absurdly large values",
                zh=f"分配项 {comp} 的得分合计超出浮点范围，请核对因素表中过大的数值",
                field=comp,
            )
        if w > 0 and s <= 0:
            raise InputError(
                en=f"component {comp!r} has weight {w:g} but every county scores 0 in it, so "
                "its share cannot be split; set its weight to 0 or check the factor table",
                zh=f"分配项 {comp} 权重为 {w:g}，但各县得分均为 0，无法分配；请将其权重设为 0 或"
                "核对因素表",
                field=comp,
                values=[comp],
            )
        parts[comp] = 0.0 if w == 0 else R * (w / total_w) * col / s
    x = parts.sum(axis=1).to_numpy()
    rate = (
        np.zeros(len(counties))
        if penalty_rate is None
        else penalty_rate.reindex(scores.index).fillna(0.0).to_numpy()
    )
    if ((rate < 0) | (rate > 1)).any():
        raise InputError(
            en="penalty rates must lie in [0, 1]",
            zh="扣减比例须在 [0, 1] 之内",
            field="penalty_rate",
        )
    deducted = rate * x
    receivers = (rate == 0) & (x > 0)
    reward = np.zeros(len(counties))
    if deducted.sum() > 0:
        if not receivers.any():
            raise InputError(
                en="every county has a penalty, so the deductions have no one to go to",
                zh="每个县都有扣减，扣减的资金无处分配；请至少让一个县不被扣减",
                field="penalty_rate",
            )
        reward[receivers] = deducted.sum() * x[receivers] / x[receivers].sum()
    final = x - deducted + reward
    units = largest_remainder(final, R, counties)
    out = pd.DataFrame(index=scores.index)
    out["minimum_cny"] = mins * unit_cny
    for comp in scores.columns:
        out[f"{comp}_cny"] = parts[comp] * unit_cny
    out["penalty_cny"] = np.where(deducted > 0, -deducted, 0.0) * unit_cny
    out["reward_cny"] = reward * unit_cny
    out["rounding_cny"] = (units - final) * unit_cny
    out["amount_units"] = mins + units
    out["amount_cny"] = out["amount_units"] * unit_cny
    return out


@dataclass
class Allocation:
    """A computed allocation (``run_id`` set once stored)."""

    rule: StoredRule
    year: int
    budget_cny: float
    table: pd.DataFrame  # one row per county: name, factors, components, amount
    account_ids: list[int]
    inputs: list[dict[str, Any]]
    weights: dict[str, float]
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def amount_fen(self) -> pd.Series:
        factor = 1 if self.rule_obj.rounding == "fen" else 100
        return self.table["amount_units"].astype("int64") * factor

    @property
    def rule_obj(self) -> TransferRule:
        assert isinstance(self.rule.rule, TransferRule)
        return self.rule.rule


def county_factors(
    engine: Engine,
    rule: TransferRule,
    year: int,
    factors_path: Path,
    account_id: int | None = None,
) -> tuple[pd.DataFrame, list[int], list[str]]:
    """Every factor the rule may use, per eligible county; the account ids; notes."""
    stored = account_for_year(engine, year, account_id, purpose="GEP factors of the transfer")
    region = stored.account.region_adcode
    if region // 10000 != rule.province_adcode // 10000:
        raise InputError(
            en=f"account {stored.account.id} is an account of region {region}, but rule "
            f"{rule.name!r} is for province {rule.province_adcode}; give --account an account "
            "of that province",
            zh=f"核算账户 {stored.account.id} 属于地区 {region}，而规则 "
            f"{rule.name} 适用于省份 {rule.province_adcode}，请指定该省的账户",
            field="account",
            values=[stored.account.id, region],
        )
    gep = county_gep(stored, rule.indicators)
    ids = [stored.account.id]
    notes = [
        f"GEP factors from account {stored.account.id} ({stored.account.year}, profile "
        f"{stored.account.profile}, parameter set {stored.account.parameter_set}); "
        f"indicators: {', '.join(rule.indicators) or 'all'}"
    ]
    if stored.account.synthetic:
        notes.append("the account is computed from synthetic (demo) data / 账户基于合成示范数据")
    frame = gep.rename(columns={"gep_cny": "gep"})[
        ["county_adcode", "county_name", "area_km2", "gep", "gep_per_km2"]
    ]
    if rule.uses("gep_growth"):
        prev = account_for_year(engine, year - 1, purpose="GEP growth needs the previous year")
        growth = constant_price_growth(stored, prev, rule.indicators)
        frame = frame.merge(growth, on="county_adcode", how="left")
        undefined = frame.loc[frame["gep_growth"].isna(), "county_adcode"].tolist()
        if undefined:
            notes.append(
                f"GEP growth undefined (no GEP in {prev.account.year}) for {preview(undefined)}: "
                "counted as 0"
            )
        frame["gep_growth"] = frame["gep_growth"].fillna(0.0)
        ids.append(prev.account.id)
        notes.append(
            f"GEP growth at constant {prev.account.year} prices against account "
            f"{prev.account.id} (deflator of profile {stored.account.profile})"
        )
    else:
        frame["gep_growth"] = 0.0
    frame = frame[~frame["county_adcode"].isin(rule.exclude)]
    read = read_table_in_units(
        factors_path, rule.columns, what="factor table", nonnegative=True, limit=MAX_BUDGET_CNY
    )
    table = read.frame
    if rule.penalty_column is not None:
        rates = table[rule.penalty_column]
        above = rates[rates > 1]
        if len(above):
            i = int(above.index[0])
            code, value = int(table["county_adcode"].iloc[i]), float(above.iloc[0])
            row = read.rows[i]  # as a spreadsheet shows it
            raise InputError(
                en=f"factor table, row {row} (county_adcode {code}): column "
                f"{rule.penalty_column!r} value {value:g} is not a penalty rate; give the "
                "fraction withheld, from 0 to 1",
                zh=f"因素表第 {row} 行（县 {code}）"
                f"{rule.penalty_column} 列的值 {value:g} 不是扣减比例，须在 0 到 1 之间",
                source=factors_path,
                field=rule.penalty_column,
                values=[value],
            )
    extra = sorted(set(table["county_adcode"]) - set(gep["county_adcode"]))
    if extra:
        raise InputError(
            en=f"factor table has county adcode(s) {preview(extra)} that are not counties of "
            f"account {stored.account.id}; remove them or use the right account",
            zh="因素表中的"
            f"县代码 {preview(extra)} 不是核算账户 {stored.account.id} 的县，"
            "请删除或换用正确的账户",
            source=factors_path,
            field="county_adcode",
            values=extra,
        )
    table = table[~table["county_adcode"].isin(rule.exclude)]
    missing = sorted(set(frame["county_adcode"]) - set(table["county_adcode"]))
    if missing:
        raise InputError(
            en=f"factor table lacks eligible county adcode(s) {preview(missing)}; add them "
            "(zeros where a factor is zero) or list them under `exclude` in the rule",
            zh=f"因素表缺少参与分配的县 {preview(missing)}，请补上（因素为零处填 0）或在规则的 "
            "exclude 中列出",
            source=factors_path,
            field="county_adcode",
            values=missing,
        )
    merged = frame.merge(
        table.drop(columns=[c for c in ("name",) if c in table.columns]),
        on="county_adcode",
        how="left",
    )
    return merged.set_index("county_adcode"), ids, notes


def component_scores(rule: TransferRule, factors: pd.DataFrame) -> pd.DataFrame:
    """Score per county × component: Σ_terms coefficient × Π factors (clipped at 0)."""
    scores = pd.DataFrame(index=factors.index)
    for comp in rule.components:
        total = pd.Series(0.0, index=factors.index)
        for term in comp.terms:
            prod = pd.Series(term.coefficient, index=factors.index, dtype="float64")
            for f in term.factors:
                prod = prod * factors[f].astype("float64")
            total = total + prod
        if comp.clip_negative:
            total = total.clip(lower=0.0)
        scores[comp.key] = total
    return scores


def compute_allocation(
    engine: Engine,
    stored: StoredRule,
    year: int,
    budget_cny: float,
    factors_path: Path,
    *,
    account_id: int | None = None,
    weights: dict[str, float] | None = None,
) -> Allocation:
    """Allocate ``budget_cny`` by the stored rule (not stored; see :func:`save_allocation`).

    ``weights`` overrides component weights (what-if); unknown component keys are refused.
    """
    rule = stored.rule
    if not isinstance(rule, TransferRule):
        raise InputError(
            en=f"rule {rule.name!r} is not a transfer rule",
            zh=f"规则 {rule.name!r} 不是转移支付规则，请选择一条转移支付规则",
            field="rule",
        )
    w = {c.key: c.weight for c in rule.components}
    for key, value in (weights or {}).items():
        if key not in w:
            raise InputError(
                en=f"the rule has no component {key!r}; components: {', '.join(w)}",
                zh=f"规则没有分配项 {key}，可用：{', '.join(w)}",
                field="weight",
                values=[key],
            )
        if not 0 <= value <= 1e12:
            raise InputError(
                en=f"weight of {key!r} must lie between 0 and 1e12 (weights are relative), got "
                f"{value!r}",
                zh=f"分配项 {key} 的权重须在 0 到 1e12 之间，给定值 {value!r}",
                field="weight",
                values=[value],
            )
        w[key] = value
    if sum(w.values()) <= 0:
        raise InputError(
            en="at least one component needs a weight > 0",
            zh="至少一个分配项的权重须大于 0",
            field="weight",
        )
    factors, ids, notes = county_factors(engine, rule, year, factors_path, account_id)
    scores = component_scores(rule, factors)
    minimums = pd.Series(rule.minimum_cny, index=factors.index, dtype="float64")
    for code, value in rule.minimums_cny.items():
        if int(code) in minimums.index:
            minimums[int(code)] = value
    penalty = factors[rule.penalty_column] if rule.penalty_column else None
    out = allocate(budget_cny, scores, w, minimums, rule.unit_cny, penalty)
    used = [c for c in factors.columns if c not in ("county_name",)]
    table = pd.concat([factors[["county_name", *used]], out], axis=1).reset_index()
    inputs = [{"role": "factors", "path": str(factors_path), "sha256": file_sha256(factors_path)}]
    if not rule.verified:
        notes.append(
            f"rule {rule.name!r} is a configurable simulation rule, not a published formula "
            "/ 规则为可配置的模拟规则，非官方公式"
        )
    return Allocation(stored, year, budget_cny, table, ids, inputs, w, notes)


def save_allocation(engine: Engine, allocation: Allocation, actor: str) -> int:
    """Store the allocation (run, one line per county, audit row) in one transaction."""
    rule = allocation.rule_obj
    comps = [c.key for c in rule.components]
    fen = allocation.amount_fen
    lines = []
    for (_, row), amount_fen in zip(allocation.table.iterrows(), fen, strict=True):
        detail = {
            "county_name": str(row["county_name"]),
            "minimum_cny": float(row["minimum_cny"]),
            "components_cny": {c: float(row[f"{c}_cny"]) for c in comps},
            "penalty_cny": float(row["penalty_cny"]),
            "reward_cny": float(row["reward_cny"]),
            "rounding_cny": float(row["rounding_cny"]),
            "factors": {f: float(row[f]) for f in [*GEP_FACTORS, *rule.columns] if f in row.index},
        }
        lines.append(
            {
                "county_adcode": int(row["county_adcode"]),
                "item": "allocation",
                "value": float(row["amount_cny"]),
                "amount_fen": int(amount_fen),
                "detail": detail,
            }
        )
    run_id = store.save_run(
        engine,
        kind="transfer",
        rule_id=allocation.rule.id,
        year=allocation.year,
        account_ids=allocation.account_ids,
        inputs=allocation.inputs,
        params={
            "budget_cny": allocation.budget_cny,
            "weights": allocation.weights,
            "rounding": rule.rounding,
        },
        notes=allocation.notes,
        lines=lines,
        actor=actor,
        budget_cny=allocation.budget_cny,
        total_cny=int(fen.sum()) / 100,
    )
    allocation.run_id = run_id
    return run_id


def whatif(
    engine: Engine,
    stored: StoredRule,
    year: int,
    budget_cny: float,
    factors_path: Path,
    *,
    new_budget_cny: float | None = None,
    weights: dict[str, float] | None = None,
    account_id: int | None = None,
) -> pd.DataFrame:
    """Gains and losses per county when the budget or component weights change.

    Returns ``county_adcode, county_name, base_cny, variant_cny, change_cny, change_pct``
    sorted from the largest gain to the largest loss. Nothing is stored.
    """
    base = compute_allocation(engine, stored, year, budget_cny, factors_path, account_id=account_id)
    variant = compute_allocation(
        engine,
        stored,
        year,
        budget_cny if new_budget_cny is None else new_budget_cny,
        factors_path,
        account_id=account_id,
        weights=weights,
    )
    out = base.table[["county_adcode", "county_name"]].copy()
    out["base_cny"] = base.table["amount_cny"]
    out["variant_cny"] = variant.table["amount_cny"].to_numpy()
    out["change_cny"] = out["variant_cny"] - out["base_cny"]
    out["change_pct"] = 100.0 * out["change_cny"] / out["base_cny"].where(out["base_cny"] != 0)
    return out.sort_values(["change_cny", "county_adcode"], ascending=[False, True]).reset_index(
        drop=True
    )
