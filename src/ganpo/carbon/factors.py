"""Emission factors as data: GWP sets, inventory categories, fuel-combustion factor sets,
grid emission factors and Tier 1 process factors (``catalog/data/carbon``).

Every value carries its unit, year, source and status (``verified``: read in the published
source; ``unverified``: the usual value of the method, not re-read; ``placeholder``), as GEP
parameters do (:mod:`ganpo.catalog.parameters`). A factor that is missing, or asked for in
another unit, is an error naming the set, the key and what to do.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ganpo.catalog.files import data_dir, load_toml_model
from ganpo.catalog.parameters import Status
from ganpo.errors import InputError, UnknownNameError

GWP_SETS = ("AR4", "AR5", "AR6")
Gas = Literal["CO2", "CH4", "N2O"]


class Factor(BaseModel):
    """One factor: value, unit, year, source, status; ``uncertainty_pct`` is the half-width
    of its 95 % confidence interval in % of the value (IPCC 2006 Vol. 1 Ch. 3), if known."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str
    year: int
    source: str
    status: Status
    uncertainty_pct: float | None = None


class FactorUse(BaseModel):
    """A factor as used in a calculation: what the provenance record lists."""

    model_config = ConfigDict(frozen=True)

    key: str
    value: float
    unit: str
    year: int
    source: str
    status: Status


def use(key: str, factor: Factor) -> FactorUse:
    """The provenance record of ``factor`` used under ``key``."""
    return FactorUse(
        key=key,
        value=factor.value,
        unit=factor.unit,
        year=factor.year,
        source=factor.source,
        status=factor.status,
    )


# --------------------------------------------------------------------------- GWP
class GwpSet(BaseModel):
    """100-year global warming potentials of one IPCC assessment report."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title_zh: str
    title_en: str
    source: str
    status: Status
    values: dict[str, float]

    def gwp(self, gas: str, ch4_origin: str = "non_fossil") -> float:
        """The GWP of ``gas`` (CH4 by origin: ``fossil`` or ``non_fossil``)."""
        key = f"CH4_{ch4_origin}" if gas == "CH4" else gas
        if key not in self.values:
            raise InputError(
                en=f"no GWP for {gas} ({key}) in {self.title_en}",
                zh=f"{self.title_zh} 中没有 {gas}"
                f"（{key}）的全球增温潜势（GWP）：请选用含该气体的 GWP 值集",
                field="gas",
            )
        return self.values[key]


class _GwpFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sets: dict[str, GwpSet]


@cache
def _gwp_sets() -> dict[str, GwpSet]:
    return load_toml_model(data_dir("carbon") / "gwp.toml", _GwpFile, "GWP sets").sets


def gwp_set(name: str | None) -> GwpSet:
    """The GWP set ``name`` (AR4, AR5 or AR6). There is no default: a CO2e figure names the
    set it uses, so ``None`` or an empty name is an error that lists the choices.

    >>> gwp_set("AR6").gwp("CH4", "fossil"), gwp_set("AR5").gwp("N2O")
    (29.8, 265.0)
    """
    sets = _gwp_sets()
    if not name:
        raise InputError(
            en="no GWP set chosen: CO2-equivalents need a global warming potential set; choose "
            f"one of {', '.join(sorted(sets))} (e.g. gwp_set='AR5')",
            zh=f"未选择全球增温潜势（GWP）版本：请指定 {'、'.join(sorted(sets))} 之一",
            field="gwp_set",
        )
    if name not in sets:
        raise UnknownNameError("GWP set", name, sets)
    return sets[name]


# --------------------------------------------------------------------------- categories
class Category(BaseModel):
    """An inventory category: IPCC 2006 code, names, guideline chapter, CH4 origin, scope."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = ""
    zh: str
    en: str
    chapter: str
    ch4_origin: Literal["fossil", "non_fossil"]
    scope: Literal["direct", "indirect"] = "direct"
    chapter_zh: str = ""
    chapter_en: str = ""


class _CategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    chapters: dict[str, dict[str, str]]
    categories: dict[str, Category]


@cache
def categories() -> dict[str, Category]:
    """Every category by code, with its chapter of the provincial guideline (2011).

    >>> c = categories()["3.C.7"]
    >>> c.en, c.chapter_zh
    ('Rice cultivation', '第三章 农业')
    """
    f = load_toml_model(data_dir("carbon") / "categories.toml", _CategoryFile, "categories")
    out = {}
    for code, c in f.categories.items():
        chapter = f.chapters[c.chapter]
        out[code] = c.model_copy(
            update={"code": code, "chapter_zh": chapter["zh"], "chapter_en": chapter["en"]}
        )
    return out


def category(code: str) -> Category:
    """The category ``code``; an unknown code lists the valid ones."""
    cats = categories()
    if code not in cats:
        raise UnknownNameError("inventory category", code, cats)
    return cats[code]


# --------------------------------------------------------------------------- fuels
class Fuel(BaseModel):
    """Combustion factors of one fuel: net calorific value, carbon content, oxidation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str
    ncv: Factor
    carbon_content: Factor
    oxidation: Factor


class FuelFactorSet(BaseModel):
    """A named set of fuel-combustion factors (``catalog/data/carbon/fuels``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    description: str
    fuels: dict[str, Fuel]

    def fuel(self, key: str) -> Fuel:
        """The factors of fuel ``key``; a fuel the set lacks is named with the ones it has."""
        if key not in self.fuels:
            raise InputError(
                en=f"fuel factor set {self.name!r} has no factors for fuel {key!r}; it has "
                f"{', '.join(sorted(self.fuels))}. Add the fuel's net calorific value, carbon "
                "content and oxidation to the set, or report the fuel under one of these",
                zh=f"燃料因子集 {self.name} 中没有燃料 {key} 的因子",
                source=self.name,
                field="fuel",
                values=[key],
            )
        return self.fuels[key]


def fuel_factor_set_names() -> list[str]:
    """Names of the shipped fuel-combustion factor sets."""
    return sorted(p.stem for p in (data_dir("carbon") / "fuels").glob("*.toml"))


@cache
def fuel_factor_set(name: str) -> FuelFactorSet:
    """A shipped fuel-combustion factor set by name (``ipcc-2006``, ``cn-statistics``)."""
    if name not in fuel_factor_set_names():
        raise UnknownNameError("fuel factor set", name, fuel_factor_set_names())
    path = data_dir("carbon") / "fuels" / f"{name}.toml"
    return load_toml_model(path, FuelFactorSet, "fuel factor set")


# --------------------------------------------------------------------------- CH4, N2O
class _SectorFactors(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    ch4: dict[str, float]
    n2o: dict[str, float]


class CombustionNonCo2Set(BaseModel):
    """CH4 and N2O factors of fuel combustion [kg/TJ] by sector and fuel group."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    status: Status
    groups: dict[str, str]
    sectors: dict[str, _SectorFactors]

    def factor(self, sector: str, fuel: str, gas: str) -> Factor:
        """The ``gas`` (CH4 or N2O) factor of ``fuel`` burnt in ``sector`` [kg/TJ]; a
        sector or fuel without one is named with what the set has."""
        s = self.sectors.get(sector)
        group = self.groups.get(fuel)
        values = None if s is None else (s.ch4 if gas == "CH4" else s.n2o)
        if s is None or values is None or group is None or group not in values:
            if values:
                fuels = [f for f, g in sorted(self.groups.items()) if g in values]
                has = f"fuels with factors there: {', '.join(fuels)}"
            else:
                has = f"sectors with factors: {', '.join(sorted(self.sectors))}"
            raise InputError(
                en=f"no {gas} factor of fuel combustion for fuel {fuel!r} in sector {sector} "
                f"in set {self.name!r}; {has}. Add the factor with its source",
                zh=f"缺少该部门该燃料的 {gas} 排放因子",
                source=self.name,
                field="fuel",
                values=[sector, fuel],
            )
        return Factor(
            value=values[group], unit="kg/TJ", year=2006, source=s.source, status=self.status
        )


@cache
def combustion_non_co2_set(name: str) -> CombustionNonCo2Set:
    """A shipped set of CH4 and N2O factors of fuel combustion (``ipcc-2006``)."""
    names = sorted(
        p.stem.removeprefix("combustion-non-co2-")
        for p in data_dir("carbon").glob("combustion-non-co2-*.toml")
    )
    if name not in names:
        raise UnknownNameError("combustion CH4/N2O factor set", name, names)
    path = data_dir("carbon") / f"combustion-non-co2-{name}.toml"
    return load_toml_model(path, CombustionNonCo2Set, "combustion CH4/N2O factor set")


# --------------------------------------------------------------------------- grid
class GridFactor(Factor):
    """The average CO2 emission factor of the electricity of a grid region in a year."""

    region: str


class _GridFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    factors: list[GridFactor]
    regions: dict[str, dict[str, str]]


@cache
def _grid() -> _GridFile:
    return load_toml_model(data_dir("carbon") / "grid.toml", _GridFile, "grid emission factors")


def grid_regions() -> dict[str, dict[str, str]]:
    """Grid regions with published factors, with their zh/en names."""
    return dict(_grid().regions)


def grid_factor(region: str, year: int) -> GridFactor:
    """The published grid emission factor of ``region`` for ``year``; a missing year is
    an error that names the years published (never the nearest year silently).

    >>> grid_factor("national", 2022).value
    0.5366
    """
    g = _grid()
    if region not in g.regions:
        raise UnknownNameError("grid region", region, g.regions)
    years = sorted(f.year for f in g.factors if f.region == region)
    for f in g.factors:
        if f.region == region and f.year == year:
            return f
    raise InputError(
        en=f"no grid emission factor for {g.regions[region]['en']} ({region}) in {year}; "
        f"published years: {', '.join(map(str, years))}. Add the factor of {year} with its "
        "source, or compute another year",
        zh=f"{g.regions[region]['zh']} {year} 年电力排放因子缺失",
        source="grid emission factors",
        field="year",
        values=[year],
    )


# --------------------------------------------------------------------------- processes
class ProcessFactorSet(BaseModel):
    """Tier 1 factors of industrial processes, agriculture and waste, by key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    description: str
    factors: dict[str, Factor]
    names: dict[str, dict[str, str]] = {}

    def type_names(self, kind: str) -> tuple[str, str]:
        """The zh and en names of a type (``dairy_cattle`` → 奶牛, dairy cattle)."""
        n = self.names.get(kind, {})
        return n.get("zh", kind), n.get("en", kind)

    def get(self, key: str, unit: str) -> Factor:
        """The factor ``key``, which must be stated in ``unit`` (no silent conversion)."""
        if key not in self.factors:
            raise InputError(
                en=f"process factor set {self.name!r} has no factor {key!r} ({unit}); add it "
                "with its source or choose a set that has it",
                zh="因子集中缺少该因子",
                source=self.name,
                field=key,
            )
        f = self.factors[key]
        if f.unit != unit:
            raise InputError(
                en=f"factor {key!r} of {self.name!r} is in {f.unit!r}, the method needs {unit!r}",
                zh=f"因子集 {self.name!r} 的因子 {key!r} 单位为 {f.unit!r}，而方法需要 "
                f"{unit!r}：请将该因子换算为 {unit!r}",
                source=self.name,
                field=key,
                values=[f.unit, unit],
            )
        return f

    def keys_under(self, prefix: str) -> list[str]:
        """The suffixes of the keys starting with ``prefix.`` (the types a factor has)."""
        p = prefix + "."
        return sorted(k[len(p) :] for k in self.factors if k.startswith(p))


def process_factor_set_names() -> list[str]:
    """Names of the shipped process factor sets."""
    return sorted(
        p.stem.removeprefix("processes-") for p in data_dir("carbon").glob("processes-*.toml")
    )


@cache
def process_factor_set(name: str) -> ProcessFactorSet:
    """A shipped process factor set by name (``ipcc-2006``)."""
    if name not in process_factor_set_names():
        raise UnknownNameError("process factor set", name, process_factor_set_names())
    path = data_dir("carbon") / f"processes-{name}.toml"
    return load_toml_model(path, ProcessFactorSet, "process factor set")
