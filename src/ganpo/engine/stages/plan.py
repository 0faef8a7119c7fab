"""Stage 1: load and check the plan of an account (manifest, profile, parameter set,
prices for the year, methods), and the region's units.

The public helpers (:func:`plan`, :func:`resolve_methods`, :func:`resolve_physical`,
:func:`input_digest`) are re-exported by :mod:`ganpo.engine.account`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from ganpo.catalog.deflators import load_deflator
from ganpo.catalog.parameters import ParameterSet, PricePolicy, load_parameter_set, prices_for_year
from ganpo.catalog.profiles import DEFAULT_PROFILE, Profile, load_profile
from ganpo.engine.provenance import code_version
from ganpo.engine.stages.context import Run
from ganpo.errors import InputError
from ganpo.io.manifest import Dataset, Manifest, load_manifest
from ganpo.io.table_checks import level_words
from ganpo.io.units import dataset_units
from ganpo.services import flows
from ganpo.services.base import Method
from ganpo.services.methods import method as find_method
from ganpo.services.methods import physical_method


def resolve_methods(profile: Profile, params: ParameterSet) -> list[Method]:
    """The profile's methods, after checking the parameter set has all they read."""
    methods = [find_method(ind, key) for ind, key in profile.indicators.items()]
    _check_parameters(methods, params)
    return methods


def resolve_physical(profile: Profile, params: ParameterSet) -> list[Method]:
    """The profile's physical (unvalued) methods, checked like :func:`resolve_methods`."""
    methods = [physical_method(ind, key) for ind, key in profile.physical.items()]
    _check_parameters(methods, params)
    return methods


def _check_parameters(methods: list[Method], params: ParameterSet) -> None:
    for m in methods:
        for used in m.parameters:
            params.get(used.key, used.unit)  # raises with the set, key and unit


def input_digest(
    ds: Dataset,
    year: int,
    profile: Profile,
    params: ParameterSet,
    policy: str,
    layer_years: Mapping[str, int] | None = None,
) -> str:
    """SHA-256 of everything an account depends on: data (manifest checksum, which holds
    every file's checksum), year, profile, parameter values, price policy, code version.
    Two runs with the same digest give the same account."""
    payload = {
        "manifest": ds.manifest_sha256,
        "year": year,
        "profile": profile.model_dump(mode="json"),
        "parameters": params.model_dump(mode="json"),
        "price_policy": policy,
        "layer_years": dict(layer_years or {}),
        "code": code_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def plan(
    dataset: Dataset | Path,
    year: int,
    profile: Profile | str = DEFAULT_PROFILE,
    parameter_set: ParameterSet | str | None = None,
    price_policy: PricePolicy | None = None,
    layer_years: Mapping[str, int] | None = None,
) -> tuple[Dataset, Profile, ParameterSet, PricePolicy, str]:
    """Load and check what an account would use, without computing: dataset (checksums
    verified), profile, parameter set, price policy and the input digest."""
    ds = dataset if isinstance(dataset, Dataset) else load_manifest(Path(dataset))
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    params = (
        parameter_set
        if isinstance(parameter_set, ParameterSet)
        else load_parameter_set(parameter_set or prof.parameter_set)
    )
    policy = price_policy or prof.price_policy
    return ds, prof, params, policy, input_digest(ds, year, prof, params, policy, layer_years)


@dataclass(frozen=True)
class Plan:
    """What an account uses, loaded and checked: ``params`` holds the prices brought to
    the year; ``digest`` is the input digest (of the parameter set as stated)."""

    ds: Dataset
    profile: Profile
    params: ParameterSet
    policy: PricePolicy
    digest: str
    methods: list[Method]  # valued: their sums make the GEP
    physical: list[Method]  # reported beside the GEP, never valued

    @property
    def manifest(self) -> Manifest:
        return self.ds.manifest

    @property
    def manifest_path(self) -> Path:
        return self.ds.root / "manifest.toml"

    @property
    def all_methods(self) -> list[Method]:
        return [*self.methods, *self.physical]

    @property
    def unvalued(self) -> set[str]:
        """Indicators of the physical methods."""
        return {x.indicator for x in self.physical}


def load_plan(run: Run) -> Plan:
    """The dataset, profile, parameter set (prices for the run's year, by the price
    policy) and methods of ``run``; stops on a year the dataset lacks or a parameter a
    method needs that the set lacks."""
    ds, prof, params, policy, digest = plan(
        run.dataset, run.year, run.profile, run.parameter_set, run.price_policy, run.layer_years
    )
    m = ds.manifest
    if run.year not in m.years:
        raise InputError(
            en=f"the dataset has no year {run.year}; it has {', '.join(map(str, m.years))}",
            zh=f"数据集中没有 {run.year} 年的数据；现有 {'、'.join(map(str, m.years))} 年。"
            "请选择数据集中已有的年份，或将该年份的数据加入数据集并写入数据清单的 years",
            source=ds.root / "manifest.toml",
            field="years",
            values=[run.year],
        )
    params, price_notes = prices_for_year(
        params, run.year, policy, load_deflator(prof.deflator), prof.name
    )
    rule_double_counting(run, prof)
    methods = resolve_methods(prof, params)
    physical = resolve_physical(prof, params)
    run.note("price_policy", f"price policy {policy}")
    for x in physical:
        run.note(
            "physical",
            f"physical indicator {x.indicator} ({x.key}) reported beside the GEP; "
            "not valued, not in GEP",
        )
    for n in price_notes:
        run.note("prices", n)
    for r, y in run.layer_years.items():
        run.note("counterfactual", f"counterfactual: layer {r} of {y} instead of {run.year}")
    return Plan(ds, prof, params, policy, digest, methods, physical)


def rule_double_counting(run: Run, profile: Profile) -> None:
    """Refuse a profile whose indicators value overlapping flows without a rule; note each
    rule it applies (keep both, or an indicator dropped). The rules are the profile's
    method, shown in every account's notes and methods chapter; they are not decisions on
    the inputs (:class:`~ganpo.io.decisions.Decision`), which differ from one account to
    the next."""
    pairs = flows.overlaps(profile)
    missing = [o for o in pairs if o.rule is None]
    if missing:
        raise InputError(
            en=f"profile {profile.name!r} counts overlapping flows without a rule: "
            + "; ".join(flows.describe(o) for o in missing)
            + ". Add an [[overlaps]] rule for each pair (keep both, with the reason in "
            "Chinese and English, or drop one indicator)",
            zh=f"核算方案 {profile.name!r} 中有涉及"
            "同一物质流的指标未声明处理规则："
            + "；".join(flows.describe(o, "zh") for o in missing)
            + "。请为每一对指标加上 [[overlaps]] 规则（两项均计，并以中英文写明理由；或去掉其中"
            "一项指标）",
            field="overlaps",
            values=[f"{o.first}/{o.second}" for o in missing],
        )
    for o in pairs:
        run.note("double_counting", f"double counting: {flows.describe(o)}")
    for r in profile.dropped:
        a, b = r.indicators
        run.note(
            "double_counting",
            f"double counting: {r.dropped} left out ({a} and {b} value overlapping flows): "
            f"{r.reason_en}",
        )


def load_units(run: Run, plan: Plan) -> gpd.GeoDataFrame:
    """The region's units at the finest level the manifest declares (counties, townships,
    villages …), in their own CRS, their boundaries checked (:mod:`ganpo.io.boundaries`):
    a problem stops the run unless the manifest declares its repair, and each repair
    applied is a decision of the account (and a note)."""
    m = plan.manifest
    run.say(
        f"{m.name} {run.year}: profile {plan.profile.name}, parameters {plan.params.name}; "
        f"reading units ({m.units.level})",
        f"{m.name} {run.year} 年：核算规范 {plan.profile.title_zh}，参数集 "
        f"{plan.params.title_zh}；正在读取核算单元（{level_words(m.units.level)[2]}）",
    )
    read = dataset_units(plan.ds)
    for decision in read.decisions:
        run.decide(decision)
        run.note("boundaries", decision.message_en)
    if read.level != "county":
        run.note(
            "units",
            f"units: {len(read.units)} {read.level}s in {len(read.counties)} counties "
            f"(county polygons from {read.counties_from}); statistics given per county stay "
            "county rows (unit code = county adcode)",
        )
    return read.units
