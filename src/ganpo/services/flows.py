"""The physical flows methods value, and which of them overlap (double counting).

Every method declares the flow(s) it values (:attr:`ganpo.services.base.Method.flows`).
Two indicators of a profile whose flows are the same, or overlap (:data:`OVERLAPS`: part of
one flow is part of the other), would count some of the same benefit twice unless the
profile rules on it: keep both, with the reason, or drop one (``[[overlaps]]`` in the
profile TOML). :func:`undeclared_overlaps` finds the pairs without a rule; the engine refuses
an account of such a profile, and a test holds the shipped profiles to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.catalog.profiles import OverlapRule, Profile
from ganpo.services.methods import method


@dataclass(frozen=True)
class Flow:
    """A physical flow an indicator values, in Chinese and English."""

    name_zh: str
    name_en: str


FLOWS: dict[str, Flow] = {
    "agriculture_products": Flow("农产品", "crops"),
    "forestry_products": Flow("林产品", "forest products"),
    "animal_husbandry_products": Flow("畜牧产品", "livestock products"),
    "fishery_products": Flow("水产品", "fish and other aquatic products"),
    "river_water_used": Flow("取用的河湖水", "river and lake water used"),
    "river_water_turbined": Flow("发电利用的水能", "water passing hydropower turbines"),
    "biomass_energy": Flow("生物质能", "biomass energy"),
    "rain_retained_on_land": Flow("陆地留存的降水（降水−径流−蒸散）", "rain retained on land"),
    "water_yield": Flow("产水量（降水−实际蒸散）", "water yield"),
    "storm_water_held_by_vegetation": Flow(
        "植被减少的产流降雨径流", "storm water held by vegetation"
    ),
    "flood_water_stored": Flow(
        "湖库沼泽蓄积的洪水", "flood water stored by lakes, reservoirs, marshes"
    ),
    "net_ecosystem_carbon": Flow("生态系统净固定的碳（NEP）", "net ecosystem carbon (NEP)"),
    "gross_photosynthetic_carbon": Flow(
        "光合作用固定的碳（总量）", "carbon fixed by photosynthesis (gross)"
    ),
    "oxygen_of_net_carbon": Flow("净固碳对应的氧气", "oxygen of the net carbon fixed"),
    "gross_photosynthetic_oxygen": Flow(
        "光合作用释放的氧气（总量）", "oxygen released by photosynthesis (gross)"
    ),
    "latent_heat_of_evapotranspiration": Flow(
        "蒸散吸收的热量", "heat absorbed by evapotranspiration"
    ),
    "air_pollutants_taken_up": Flow("生态系统吸收的大气污染物", "air pollutants taken up"),
    "water_pollutants_taken_up": Flow("生态系统净化的水污染物", "water pollutants taken up"),
    "soil_retained": Flow("保持的土壤", "soil retained"),
    "sand_fixed": Flow("固定的沙", "sand fixed"),
    "pest_control_by_ecosystems": Flow("自然控制的病虫害", "pests controlled by ecosystems"),
    "visits_to_ecosystems": Flow("生态旅游游憩", "visits to ecosystems"),
    "landscape_amenity": Flow("景观溢价", "landscape amenity of housing"),
}

#: pairs of different flows that share part of the same water, carbon or oxygen
OVERLAPS: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        # the storm water vegetation holds back is part of the rain retained on land
        ("rain_retained_on_land", "storm_water_held_by_vegetation"),
        # water retained on land feeds the rivers people withdraw and turbine
        ("rain_retained_on_land", "river_water_used"),
        ("rain_retained_on_land", "river_water_turbined"),
        ("water_yield", "river_water_used"),
        ("water_yield", "river_water_turbined"),
        # the same river water can pass the turbines and then be withdrawn
        ("river_water_used", "river_water_turbined"),
        # one photosynthesis: each 44 t of CO₂ fixed releases 32 t of O₂
        ("net_ecosystem_carbon", "oxygen_of_net_carbon"),
        ("net_ecosystem_carbon", "gross_photosynthetic_oxygen"),
        ("gross_photosynthetic_carbon", "gross_photosynthetic_oxygen"),
        ("gross_photosynthetic_carbon", "oxygen_of_net_carbon"),
    )
)


def flows_overlap(a: str, b: str) -> bool:
    """Two flows are the same or share part of the same water, carbon or oxygen.

    >>> flows_overlap("net_ecosystem_carbon", "oxygen_of_net_carbon")
    True
    >>> flows_overlap("soil_retained", "sand_fixed")
    False
    """
    return a == b or frozenset((a, b)) in OVERLAPS


@dataclass(frozen=True)
class Overlap:
    """Two indicators of a profile whose flows overlap, and the profile's rule (if any)."""

    first: str
    second: str
    flows: tuple[tuple[str, str], ...]  # (flow of first, flow of second) pairs that overlap
    rule: OverlapRule | None


def overlaps(profile: Profile) -> list[Overlap]:
    """Every pair of the profile's indicators whose methods value overlapping flows, with
    the rule the profile declares for it (``None``: no rule)."""
    methods = {i: method(i, k) for i, k in profile.indicators.items()}
    out = []
    for a, b in combinations(methods, 2):
        pairs = tuple(
            (fa, fb) for fa in methods[a].flows for fb in methods[b].flows if flows_overlap(fa, fb)
        )
        if pairs:
            out.append(Overlap(a, b, pairs, profile.rule_for(a, b)))
    return out


def undeclared_overlaps(profile: Profile) -> list[Overlap]:
    """The pairs of :func:`overlaps` for which the profile declares no rule."""
    return [o for o in overlaps(profile) if o.rule is None]


def describe(o: Overlap, language: str = "en", *, named: bool = False) -> str:
    """One sentence a statistician can read: the two indicators, the flow, the rule. The
    indicators by their keys (as a profile names them), or by their names in ``language``
    with ``named`` (a decision's sentence)."""
    fa, fb = o.flows[0]
    first, second = (
        (indicator_name(o.first, language), indicator_name(o.second, language))
        if named
        else (o.first, o.second)
    )
    if language == "zh":
        flow = FLOWS[fa].name_zh if fa == fb else f"{FLOWS[fa].name_zh}与{FLOWS[fb].name_zh}"
        rule = f"两项均计：{o.rule.reason_zh}" if o.rule else "未声明规则"
        return f"{first} 与 {second} 涉及同一物质流（{flow}）；{rule}"
    flow = FLOWS[fa].name_en if fa == fb else f"{FLOWS[fa].name_en} and {FLOWS[fb].name_en}"
    rule = f"both kept: {o.rule.reason_en}" if o.rule else "no rule declared"
    return f"{first} and {second} value overlapping flows ({flow}); {rule}"


def indicator_name(key: str, language: str = "en") -> str:
    """An indicator's name in ``language`` (the catalogue's)."""
    x = catalog_indicator(key)
    return x.name_zh if language == "zh" else x.name_en
