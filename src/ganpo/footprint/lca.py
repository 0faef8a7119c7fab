"""The footprint of a product system: the technosphere, biosphere and characterization
matrices handed to Brightway's ``bw2calc`` (ISO 14067 §6.4–6.5, GB/T 24067-2024), the
contributions by process, stage and gas, and the Monte Carlo of the amounts that carry an
uncertainty.

**Matrices.** Every process is an activity whose reference output sits on the diagonal;
another process's product it takes is a negative entry of the technosphere, a background
input (:mod:`~ganpo.footprint.background`) a negative entry towards a background activity
of one unit. Direct emissions and the background's emissions per unit are the biosphere.
The characterization is the GWP-100 set the study names (``ganpo.carbon`` ``gwp.toml``):
CO2 fossil 1, CH4 fossil and biogenic (the set's non-fossil value), N2O; biogenic CO2 is
characterized 0 in the footprint and reported apart (ISO 14067 §6.4.9.3).

**Allocation** (ISO 14067 §6.4.6). A process with co-products keeps, for its reference
output (the one the system uses), the share of its inputs and emissions the study's rule
gives: ``mass`` (the outputs' masses) or ``economic`` (amount × value); ``none`` refuses a
multi-output process. The share is reported for each process.

**Monte Carlo.** An amount with ``gsd`` is drawn lognormally around it (the median) with
that geometric standard deviation; the others stay fixed. ``n`` draws with a stated seed
give the mean and the 2.5 and 97.5 percentiles.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ganpo.carbon.factors import gwp_set
from ganpo.errors import InputError
from ganpo.footprint.background import Background, background
from ganpo.footprint.model import GATE_STAGES, STAGES, ProductSystem

GASES = ("CO2_fossil", "CO2_biogenic", "CH4_fossil", "CH4_biogenic", "N2O")
_GAS_ID = {g: 10_000 + i for i, g in enumerate(GASES)}
#: units an input may be given in, by quantity: factor to the first unit of its group
_UNITS: dict[str, tuple[str, float]] = {
    "t": ("mass", 1000.0),
    "kg": ("mass", 1.0),
    "万t": ("mass", 1e7),
    "kWh": ("energy", 1.0),
    "MWh": ("energy", 1000.0),
    "万kWh": ("energy", 1e4),
    "m3": ("volume", 1.0),
    "万m3": ("volume", 1e4),
    "t·km": ("transport", 1.0),
}


def _factor(given: str, wanted: str, where: str) -> float:
    """Multiply an amount in ``given`` by this to have it in ``wanted``."""
    if given == wanted:
        return 1.0
    a, b = _UNITS.get(given), _UNITS.get(wanted)
    if a is None or b is None or a[0] != b[0]:
        raise InputError(
            en=f"{where}: unit {given!r} cannot be converted to {wanted!r}",
            zh=f"{where}：单位 {given!r} 不能换算为 {wanted!r}，请改用同类可换算的单位",
            field="unit",
            values=[given, wanted],
        )
    return a[1] / b[1]


@dataclass
class Footprint:
    """A product's carbon footprint per functional unit (kg CO2e unless named)."""

    title_zh: str
    title_en: str
    synthetic: bool
    functional_unit: str
    boundary: str
    allocation: str
    gwp: str
    gwp_source: str
    total_kg: float  # fossil and biogenic CH4, N2O: ISO 14067's CFP, biogenic CO2 apart
    biogenic_co2_kg: float  # biogenic CO2 emissions minus removals
    by_gas: list[dict[str, Any]] = field(default_factory=list)
    by_process: list[dict[str, Any]] = field(default_factory=list)
    by_stage: list[dict[str, Any]] = field(default_factory=list)
    factors: list[tuple[str, float, str, str]] = field(default_factory=list)
    monte_carlo: dict[str, float] | None = None

    @property
    def including_biogenic_kg(self) -> float:
        return self.total_kg + self.biogenic_co2_kg


@dataclass
class _Built:
    datapackage: Any
    demand: dict[int, float]
    names: dict[int, tuple[str, str, str, str]]  # activity id -> key, zh, en, stage
    shares: dict[str, float]
    backgrounds: dict[str, Background]
    uses: dict[int, dict[int, float]]  # process id -> {background id: amount per output}


def _check(system: ProductSystem) -> dict[str, int]:
    """The producer of each product; the problems of the system, all at once."""
    problems: list[str] = []
    keys = [p.key for p in system.processes]
    for k in {k for k in keys if keys.count(k) > 1}:
        problems.append(f"process key {k!r} is given twice")
    producer: dict[str, int] = {}
    for i, p in enumerate(system.processes, start=1):
        for o in p.outputs:
            if o.product in producer:
                problems.append(f"product {o.product!r} is produced by two processes")
            producer[o.product] = i
        if system.boundary == "cradle_to_gate" and p.stage not in GATE_STAGES:
            problems.append(
                f"process {p.key}: stage {p.stage} lies outside a cradle-to-gate boundary"
            )
    for p in system.processes:
        for inp in p.inputs:
            if inp.product is not None and inp.product not in producer:
                problems.append(f"process {p.key}: input product {inp.product!r} has no process")
    if system.product not in producer:
        problems.append(f"the product {system.product!r} is made by no process")
    if problems:
        raise InputError(
            en="the product system: " + "; ".join(problems),
            zh="产品系统有误",
            field="processes",
            values=problems,
        )
    return producer


def _reference(system: ProductSystem, used: set[str], i: int) -> tuple[int, float]:
    """The index of process ``i``'s reference output and its allocation share."""
    p = system.processes[i - 1]
    refs = [j for j, o in enumerate(p.outputs) if o.product in used]
    if len(refs) != 1:
        raise InputError(
            en=f"process {p.key}: {len(refs)} of its outputs are used in the system; exactly one "
            "may be (the others are co-products, allocated away)",
            zh="每个过程只能有一个参考产品",
            field="outputs",
            values=[p.key],
        )
    j = refs[0]
    if len(p.outputs) == 1:
        return j, 1.0
    if system.allocation == "none":
        raise InputError(
            en=f"process {p.key} has co-products ({', '.join(o.product for o in p.outputs)}); "
            "state an allocation rule (mass or economic)",
            zh="存在共生产品，须说明分配方法",
            field="allocation",
            values=[p.key],
        )
    if system.allocation == "mass":
        mass = [o.amount * _factor(o.unit, "kg", f"process {p.key}") for o in p.outputs]
        return j, mass[j] / sum(mass)
    if any(o.value is None for o in p.outputs):
        raise InputError(
            en=f"process {p.key}: economic allocation needs a value for every output",
            zh="经济价值分配须给出每种产出的价格",
            field="value",
            values=[p.key],
        )
    worth = [o.amount * (o.value or 0.0) for o in p.outputs]
    if sum(worth) <= 0:
        raise InputError(
            en=f"process {p.key}: outputs worth nothing",
            zh=f"过程 {p.key}：各产出的价值合计为零，无法按经济价值分配：请给出产出的价格",
            field="value",
        )
    return j, worth[j] / sum(worth)


def _check_loops(system: ProductSystem, tech: list[tuple[int, int, float, bool, Any]]) -> None:
    """Refuse a loop of processes that does not converge: the foreground's inputs per unit
    of reference output ``A`` (after allocation) must have a spectral radius below 1, so
    that ``(I - A)⁻¹ = I + A + A² + …`` converges (a loop that needs as much of its own
    products as it makes, or more, has no finite, non-negative solution)."""
    n = len(system.processes)
    ref = {r: v for r, c, v, flip, _ in tech if r == c and not flip and r <= n}
    a = np.zeros((n, n))
    for r, c, v, flip, _ in tech:
        if flip and r <= n:
            a[r - 1, c - 1] += v / ref[c]
    if not a.any():
        return
    rho = float(max(abs(np.linalg.eigvals(a))))
    if rho < 1.0 - 1e-9:
        return
    reach = a > 0  # the processes on a loop: those that reach themselves
    for k in range(n):
        reach |= np.outer(reach[:, k], reach[k, :])
    looped = [p.key for i, p in enumerate(system.processes) if reach[i, i]]
    raise InputError(
        en=f"the loop of processes {', '.join(looped)} does not converge: together they need as "
        f"much of their own products as they make, or more (spectral radius {rho:.4f} ≥ 1); "
        "check the amounts and units of their inputs",
        zh="产品系统中的循环不收敛，请检查投入数量与单位",
        field="processes",
        values=looped,
    )


def _lognormal(value: float, gsd: float | None) -> tuple[int, float, float]:
    """The bw_processing uncertainty (type, loc, scale) of an amount."""
    if gsd is None or gsd == 1.0 or value == 0:
        return (0, value, math.nan)
    return (2, math.log(abs(value)), math.log(gsd))


def _build(system: ProductSystem) -> _Built:
    import bw_processing as bwp

    producer = _check(system)
    used = {inp.product for p in system.processes for inp in p.inputs if inp.product}
    used.add(system.product)
    tech: list[tuple[int, int, float, bool, tuple[int, float, float]]] = []
    bio: list[tuple[int, int, float, tuple[int, float, float]]] = []
    names: dict[int, tuple[str, str, str, str]] = {}
    shares: dict[str, float] = {}
    backgrounds: dict[str, Background] = {}
    bg_id: dict[str, int] = {}
    uses: dict[int, dict[int, float]] = {}
    n = len(system.processes)
    out_unit: dict[int, tuple[str, float]] = {}
    for i, p in enumerate(system.processes, start=1):
        j, share = _reference(system, used, i)
        ref = p.outputs[j]
        shares[p.key] = share
        out_unit[i] = (ref.unit, ref.amount)
        names[i] = (p.key, p.name_zh, p.name_en, p.stage)
        tech.append((i, i, ref.amount, False, (0, ref.amount, math.nan)))
    for i, p in enumerate(system.processes, start=1):
        share = shares[p.key]
        for inp in p.inputs:
            where = f"process {p.key}, input {inp.product or inp.background}"
            if inp.product is not None:
                src = producer[inp.product]
                amount = inp.amount * _factor(inp.unit, out_unit[src][0], where) * share
                tech.append((src, i, amount, True, _lognormal(amount, inp.gsd)))
                continue
            key = f"{inp.background}@{inp.sector}"
            if key not in bg_id:
                b = background(str(inp.background), inp.sector)
                bg_id[key] = n + len(bg_id) + 1
                backgrounds[key] = b
                a = bg_id[key]
                names[a] = (key, b.name_zh, b.name_en, "background")
                tech.append((a, a, 1.0, False, (0, 1.0, math.nan)))
                for gas, kg in b.emissions.items():
                    bio.append((_GAS_ID[gas], a, kg, (0, kg, math.nan)))
            b = backgrounds[key]
            amount = inp.amount * _factor(inp.unit, b.unit, where) * share
            tech.append((bg_id[key], i, amount, True, _lognormal(amount, inp.gsd)))
            uses.setdefault(i, {})
            uses[i][bg_id[key]] = uses[i].get(bg_id[key], 0.0) + amount
        for e in p.emissions:
            kg = e.amount * (1000.0 if e.unit == "t" else 1.0) * share
            bio.append((_GAS_ID[e.gas], i, kg, _lognormal(kg, e.gsd)))
    _check_loops(system, tech)
    gwp = gwp_set(system.gwp)
    cf = {
        "CO2_fossil": gwp.values["CO2"],
        "CO2_biogenic": 0.0,
        "CH4_fossil": gwp.values["CH4_fossil"],
        "CH4_biogenic": gwp.values["CH4_non_fossil"],
        "N2O": gwp.values["N2O"],
    }
    dp = bwp.create_datapackage()
    udt = bwp.UNCERTAINTY_DTYPE

    def unc(rows: list[tuple[int, float, float]]) -> np.ndarray:
        return np.array(
            [(t, loc, scale, math.nan, math.nan, math.nan, False) for t, loc, scale in rows],
            dtype=udt,
        )

    dp.add_persistent_vector(
        matrix="technosphere_matrix",
        name="technosphere",
        indices_array=np.array([(r, c) for r, c, *_ in tech], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([v for _, _, v, _, _ in tech]),
        flip_array=np.array([f for *_, f, _ in tech]),
        distributions_array=unc([u for *_, u in tech]),
    )
    dp.add_persistent_vector(
        matrix="biosphere_matrix",
        name="biosphere",
        indices_array=np.array([(r, c) for r, c, _, _ in bio], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([v for _, _, v, _ in bio]),
        distributions_array=unc([u for *_, u in bio]),
    )
    dp.add_persistent_vector(
        matrix="characterization_matrix",
        name="gwp",
        indices_array=np.array([(_GAS_ID[g], _GAS_ID[g]) for g in GASES], dtype=bwp.INDICES_DTYPE),
        data_array=np.array([cf[g] for g in GASES]),
    )
    fu = system.functional_unit
    src = producer[system.product]
    demand = {src: fu.amount * _factor(fu.unit, out_unit[src][0], "the functional unit")}
    return _Built(dp, demand, names, shares, backgrounds, uses)


def _lca(built: _Built, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bw2calc's advice to install pypardiso
        import bw2calc

    lca = bw2calc.LCA(built.demand, data_objs=[built.datapackage], **kw)
    lca.lci()
    lca.lcia()
    return lca


def _refuse_non_finite(by_process: list[dict[str, Any]], total: float, biogenic: float) -> None:
    """Refuse a footprint that is not a finite number (amounts each within the file's
    limits can still multiply beyond the float range along a chain: a tiny output amount
    that scales a large input), naming the first process it shows in."""
    finite = math.isfinite(total) and math.isfinite(biogenic)
    if finite and all(math.isfinite(p["kg"]) for p in by_process):
        return
    bad = next((p for p in by_process if not math.isfinite(p["kg"])), None)
    where = f"process {bad['key']!r}" if bad else "the product system"
    where_zh = f"过程 {bad['key']} " if bad else "产品系统"
    value = bad["kg"] if bad else total
    raise InputError(
        en=f"the footprint of {where} computes to {value} kg CO2e, not a finite number: "
        "check the amounts and units of its outputs, inputs and emissions (a tiny output "
        "amount scales every input up)",
        zh=f"{where_zh}的碳足迹计算结果为 {value}，不是有限数值："
        "请核对其产出、投入和排放的数量与单位",
        field="amount",
        values=[value],
    )


def footprint(system: ProductSystem, *, draws: int = 0, seed: int = 20240101) -> Footprint:
    """The footprint of ``system`` per functional unit; with ``draws`` > 0 a Monte Carlo
    of that many draws (at least 1000) with ``seed``."""
    built = _build(system)
    lca = _lca(built)
    gwp = gwp_set(system.gwp)
    inv = lca.inventory.toarray()  # gases × activities [kg]
    rows = {g: lca.dicts.biosphere[_GAS_ID[g]] for g in GASES if _GAS_ID[g] in lca.dicts.biosphere}
    cf_vec = np.zeros(inv.shape[0])
    cfs = {"CO2_fossil": 1.0, "CO2_biogenic": 0.0, "CH4_fossil": gwp.values["CH4_fossil"],
           "CH4_biogenic": gwp.values["CH4_non_fossil"], "N2O": gwp.values["N2O"]}  # fmt: skip
    for g, r in rows.items():
        cf_vec[r] = cfs[g]
    per_activity = cf_vec @ inv  # kg CO2e by activity column
    col = lca.dicts.activity
    supply = lca.supply_array
    bio_col = {a: per_activity[col[a]] / supply[col[a]] if supply[col[a]] else 0.0 for a in col}
    by_process: list[dict[str, Any]] = []
    for i, (key, zh, en, stage) in built.names.items():
        if stage == "background":
            continue
        own = float(per_activity[col[i]])
        via_bg = sum(
            supply[col[i]] * amount * bio_col[b] for b, amount in built.uses.get(i, {}).items()
        )
        by_process.append(
            {
                "key": key,
                "name_zh": zh,
                "name_en": en,
                "stage": stage,
                "direct_kg": own,
                "background_kg": float(via_bg),
                "kg": own + float(via_bg),
                "allocation_share": built.shares[key],
            }
        )
    stages = []
    for s, (szh, sen) in STAGES.items():
        part = [p["kg"] for p in by_process if p["stage"] == s]
        if part:
            stages.append({"stage": s, "name_zh": szh, "name_en": sen, "kg": math.fsum(part)})
    by_gas: list[dict[str, Any]] = []
    for g in GASES:
        if g in rows:
            kg = float(inv[rows[g]].sum())
            by_gas.append({"gas": g, "kg": kg, "co2e_kg": kg * cfs[g]})
    biogenic = next((x["kg"] for x in by_gas if x["gas"] == "CO2_biogenic"), 0.0)
    _refuse_non_finite(by_process, float(lca.score), biogenic)
    factors = [f for b in built.backgrounds.values() for f in b.factors]
    result = Footprint(
        title_zh=system.title_zh,
        title_en=system.title_en,
        synthetic=system.synthetic,
        functional_unit=f"{system.functional_unit.amount:g} {system.functional_unit.unit}",
        boundary=system.boundary,
        allocation=system.allocation,
        gwp=system.gwp,
        gwp_source=gwp.source,
        total_kg=float(lca.score),
        biogenic_co2_kg=biogenic,
        by_gas=by_gas,
        by_process=by_process,
        by_stage=stages,
        factors=factors,
    )
    if draws:
        if draws < 1000:
            raise InputError(
                en=f"Monte Carlo needs at least 1000 draws, got {draws}",
                zh=f"蒙特卡罗模拟至少需要 1000 次抽样，收到的是 {draws}：请增加抽样次数",
                field="draws",
            )
        mc = _lca(built, use_distributions=True, seed_override=seed)
        scores = []
        for _ in range(draws):
            next(mc)
            scores.append(float(mc.score))
        arr = np.asarray(scores)
        result.monte_carlo = {
            "draws": float(draws),
            "seed": float(seed),
            "mean_kg": float(arr.mean()),
            "p2_5_kg": float(np.percentile(arr, 2.5)),
            "p97_5_kg": float(np.percentile(arr, 97.5)),
        }
    return result
