"""Parameter sets (参数集): named, versioned prices and coefficients.

Each set is a TOML file in ``data/params``; every value carries its unit, price year,
region, source (in English, and in Chinese for the Chinese report) and whether we checked
it in the published source (``verified``) or it is the usual value of the method family
or a flagged application (``unverified``), or a stand-in (``placeholder``, warned about
in every account that uses it). A price may name the index that brings it to another
year (``index``, ``index_why``).
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganpo.catalog.deflators import Deflator, load_deflator
from ganpo.catalog.ecosystems import all_ecosystem_types, by_key
from ganpo.catalog.files import data_dir, load_toml_model, shipped_names
from ganpo.catalog.units import conversion_factor
from ganpo.errors import BilingualValueError, InputError, UnknownNameError, halves_of

log = logging.getLogger(__name__)

PricePolicy = Literal["as_given", "accounting_year", "deflate"]


class Uncertainty(BaseModel):
    """How uncertain a value is, as a distribution whose **median or mode is the value**.

    - ``normal``: value × N(1, ``rel_sd``), truncated at 0; the value is its median (and
      mode). For ``rel_sd`` up to about 0.3 the truncation does not move the median.
    - ``lognormal``: value × exp(N(0, ``rel_sd``)), ``rel_sd`` the standard deviation of the
      log; the value is its median (the mean is higher).
    - ``triangular``: Tri(``low``, value, ``high``) in the value's unit; the value is its
      mode. Its median is the value only when the triangle is symmetric.
    - ``uniform``: U(``low``, ``high``) in the value's unit; only a range centred on the
      value is accepted (the value is then its median): a range that is not centred on the
      value describes another estimate, and a triangular distribution should be given.

    ``centre`` says which (median or mode). A point estimate is then the centre of its own
    distribution, so the Monte Carlo interval of an indicator brackets it
    (:mod:`ganpo.engine.uncertainty`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    distribution: Literal["normal", "lognormal", "triangular", "uniform"]
    rel_sd: float | None = None
    low: float | None = None
    high: float | None = None
    source: str

    @model_validator(mode="after")
    def _complete(self) -> Uncertainty:
        relative = self.distribution in ("normal", "lognormal")
        if relative and (self.rel_sd is None or self.rel_sd < 0):
            raise BilingualValueError(
                f"a {self.distribution} uncertainty needs rel_sd ≥ 0 (relative standard error)",
                f"{self.distribution} 分布的不确定性须给出 rel_sd ≥ 0（相对标准误差）",
            )
        if not relative and (self.low is None or self.high is None or self.low > self.high):
            raise BilingualValueError(
                f"a {self.distribution} uncertainty needs low ≤ high",
                f"{self.distribution} 分布的不确定性须给出 low 和 high，且 low ≤ high",
            )
        return self

    @property
    def relative(self) -> bool:
        """The spread is relative to the value (normal, lognormal), not absolute bounds."""
        return self.distribution in ("normal", "lognormal")

    @property
    def centre(self) -> Literal["median", "mode"]:
        """What the point value is of this distribution."""
        return "mode" if self.distribution == "triangular" else "median"

    def check_centre(self, value: float) -> None:
        """Refuse bounds that do not put ``value`` at the centre of the distribution."""
        if self.relative:
            return
        assert self.low is not None and self.high is not None
        if not self.low <= value <= self.high:
            raise BilingualValueError(
                f"the {self.distribution} range {self.low}–{self.high} does not contain the "
                f"value {value}; the value must be the distribution's "
                f"{self.centre}",
                f"{self.distribution} 分布的区间 {self.low}–{self.high} 不包含取值 {value}；"
                f"取值须为该分布的{'众数' if self.centre == 'mode' else '中位数'}，"
                "请改正区间或取值",
            )
        if self.distribution == "uniform":
            mid = (self.low + self.high) / 2.0
            if abs(mid - value) > 1e-9 * max(abs(value), 1.0):
                raise BilingualValueError(
                    f"a uniform range {self.low}–{self.high} has median {mid:g}, not the value "
                    f"{value:g}; centre the range on the value, or give a triangular "
                    "distribution with the value as its mode",
                    f"均匀分布区间 {self.low}–{self.high} 的中位数为 {mid:g}，不等于取值 "
                    f"{value:g}；请使区间以取值为中心，或改用以取值为众数的三角分布（triangular）",
                )

    def draw_factors(self, central: float, n: int, rng: Any) -> Any:
        """``n`` draws of value / central (multiplicative factors, ≥ 0)."""
        import numpy as np

        if self.distribution == "normal":
            return np.maximum(rng.normal(1.0, self.rel_sd, n), 0.0)
        if self.distribution == "lognormal":
            return np.exp(rng.normal(0.0, self.rel_sd, n))
        assert self.low is not None and self.high is not None
        if self.distribution == "triangular":
            if self.low == self.high:
                return np.ones(n)
            return rng.triangular(self.low, central, self.high, n) / central
        return rng.uniform(self.low, self.high, n) / central


def _times(pv: ParameterValue, factor: float, **update: Any) -> ParameterValue:
    """``pv`` with its value(s) and uncertainty bounds multiplied by ``factor``."""
    return pv.model_copy(
        update={
            "value": None if pv.value is None else pv.value * factor,
            "by_type": None
            if pv.by_type is None
            else {k: v * factor for k, v in pv.by_type.items()},
            "uncertainty": _scaled(pv.uncertainty, factor),
            **update,
        }
    )


def _scaled(u: Uncertainty | None, factor: float) -> Uncertainty | None:
    """An uncertainty whose absolute bounds follow a value scaled by ``factor``."""
    if u is None or u.relative:
        return u
    assert u.low is not None and u.high is not None
    return u.model_copy(update={"low": u.low * factor, "high": u.high * factor})


Status = Literal["verified", "unverified", "placeholder"]


class ParameterValue(BaseModel):
    """One parameter: a scalar ``value`` or one value per ecosystem type (``by_type``).

    ``by_type`` keys are ecosystem types of either level; a level-2 sub-type without a
    value of its own takes its level-1 type's (:meth:`ParameterSet.per_type`).
    ``type_status`` marks types whose value has another status than ``status`` (e.g. a
    value carried over from a related type; the source says why)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | None = None
    by_type: dict[str, float] | None = None
    by_year: dict[int, float] | None = None  # the price at each year's prices (optional)
    unit: str
    year: int
    region: str
    source: str
    #: the source in Chinese, for the Chinese report (none: the report prints ``source``)
    source_zh: str | None = None
    status: Status
    type_status: dict[str, Status] | None = None
    uncertainty: Uncertainty | None = None
    #: the price index (a deflator name) that brings this price to another year, and why
    #: it fits the item; none: the profile's deflator
    index: str | None = None
    index_why: str | None = None

    @property
    def is_price(self) -> bool:
        """A price (its unit has a currency), as opposed to a physical coefficient."""
        return "CNY" in self.unit

    @model_validator(mode="after")
    def _one_of(self) -> ParameterValue:
        if (self.value is None) == (self.by_type is None):
            raise BilingualValueError(
                "give either 'value' or 'by_type', not both and not neither",
                "请给出 'value' 或 'by_type' 其中之一，不能两者都给，也不能都不给",
            )
        for key in self.by_type or {}:
            by_key(key)  # unknown ecosystem keys fail with the list of valid keys
        stray = sorted(set(self.type_status or {}) - set(self.by_type or {}))
        if stray:
            raise BilingualValueError(
                f"type_status names types without a by_type value: {stray}",
                f"type_status 列出的类型在 by_type 中没有取值：{'、'.join(stray)}；"
                "请在 by_type 中补上取值，或从 type_status 中删除",
            )
        u = self.uncertainty
        if u is not None:
            if self.value is not None:
                u.check_centre(self.value)
            elif not u.relative:
                raise BilingualValueError(
                    "a value per ecosystem type takes a relative uncertainty (normal or "
                    "lognormal rel_sd), not absolute bounds",
                    "按生态系统类型给出的取值只能用相对不确定性（normal 或 lognormal 分布的 "
                    "rel_sd），不能用绝对区间",
                )
        return self

    def status_of(self, key: str) -> Status:
        """The status of the value of ecosystem type ``key`` (``status`` unless
        ``type_status`` says otherwise)."""
        return (self.type_status or {}).get(key, self.status)


def expand_by_type(by_type: dict[str, float]) -> tuple[dict[int, float], set[int]]:
    """Raster code → value for every type with a value: its own, else (for a level-2
    sub-type) its level-1 type's; and the codes that took their level-1 type's value.

    >>> values, fallbacks = expand_by_type({"forest": 0.05, "bamboo_forest": 0.04})
    >>> values[1], values[16], values[12], 12 in fallbacks, 16 in fallbacks
    (0.05, 0.04, 0.05, True, False)
    """
    values: dict[int, float] = {}
    fallbacks: set[int] = set()
    for t in all_ecosystem_types():
        if t.key in by_type:
            values[t.code] = by_type[t.key]
        elif t.parent is not None and t.parent in by_type:
            values[t.code] = by_type[t.parent]
            fallbacks.add(t.code)
    return values, fallbacks


class ParameterSet(BaseModel):
    """A named, versioned set of parameter values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    title_zh: str
    title_en: str
    description: str
    values: dict[str, ParameterValue]
    type_sets: dict[str, list[str]] = Field(default_factory=dict)

    def get(self, key: str, unit: str) -> ParameterValue:
        """The value ``key``, which must be stated in ``unit``.

        A missing key or a value in another unit is an error that says which set and
        which value: ganpo never mixes units silently.
        """
        if key not in self.values:
            raise InputError(
                en=f"parameter set {self.name!r} has no value {key!r} (unit {unit}); "
                "add it to the set or choose a set that has it",
                zh=f"参数集 {self.name!r} 中没有参数 "
                f"{key!r}（单位 {unit}）；请将其加入该参数集，或选用含有该参数的参数集",
                source=self.name,
                field=key,
            )
        pv = self.values[key]
        if pv.unit == unit:
            return pv
        # explicit conversion between compatible units (万元 → CNY …), refused otherwise
        try:
            factor = conversion_factor(pv.unit, unit, what=f"parameter {key!r}")
        except InputError as exc:
            raise InputError(
                en=f"parameter {key!r} is given in {pv.unit!r} but the method needs {unit!r}, "
                f"which measures another quantity; give the value in {unit}",
                zh=f"参数 {key!r} 的"
                f"单位为 {pv.unit!r}，而方法需要 {unit!r}，两者度量的不是同一种量；请以 {unit} "
                "给出取值",
                source=self.name,
                field=key,
                values=[pv.unit],
            ) from exc
        log.info(
            "parameter %s of %s converted from %s to %s (× %g)",
            key,
            self.name,
            pv.unit,
            unit,
            factor,
        )
        return _times(pv, factor, unit=unit)

    def scalar(self, key: str, unit: str) -> float:
        """A scalar value in ``unit``."""
        pv = self.get(key, unit)
        if pv.value is None:
            raise InputError(
                en=f"parameter {key!r} is given per ecosystem type; a single value is needed",
                zh=f"参数 {key!r} 按生态系统类型给出，而此处需要单一取值；请在参数集 {self.name!r} "
                "中以 value 给出",
                source=self.name,
                field=key,
            )
        return pv.value

    def per_type(self, key: str, unit: str) -> dict[int, float]:
        """A per-ecosystem-type value, keyed by raster code: every type given in
        ``by_type``, and every level-2 sub-type not given whose level-1 type is (it takes
        that value). A value given for ``forest`` applies to each forest sub-type; one
        given for ``evergreen_broadleaf_forest`` overrides it there.

        >>> s = load_parameter_set("jiangxi-default")
        >>> alpha = s.per_type("runoff_coefficient", "1")
        >>> alpha[12], alpha[1], alpha[13], 5 in alpha, alpha[53]
        (0.0452, 0.0465, 0.0352, False, 0.0957)
        """
        return expand_by_type(self._by_type(key, unit))[0]

    def per_type_fallbacks(self, key: str, unit: str) -> set[int]:
        """Raster codes of the sub-types that take their level-1 type's value of ``key``."""
        return expand_by_type(self._by_type(key, unit))[1]

    def _by_type(self, key: str, unit: str) -> dict[str, float]:
        pv = self.get(key, unit)
        if pv.by_type is None:
            raise InputError(
                en=f"parameter {key!r} is a single value; a value per ecosystem type is needed",
                zh=f"参数 {key!r} 只有单一取值，而此处需要按生态系统类型给出的取值；请在参数集 "
                f"{self.name!r} 中以 by_type 给出",
                source=self.name,
                field=key,
            )
        return pv.by_type

    def type_set(self, key: str) -> tuple[int, ...]:
        """Raster codes of a named set of ecosystem types (``climate_vegetation``); a
        level-1 type brings its level-2 sub-types with it."""
        if key not in self.type_sets:
            raise InputError(
                en=f"parameter set {self.name!r} has no type set {key!r}; "
                f"it has: {', '.join(sorted(self.type_sets)) or 'none'}",
                zh=f"参数集 {self.name!r} "
                f"中没有类型集 {key!r}；现有：{'、'.join(sorted(self.type_sets)) or '无'}。"
                "请在参数集的 type_sets 中加上它",
                source=self.name,
                field=key,
            )
        keys = set(self.type_sets[key])
        for k in keys:
            by_key(k)  # unknown keys fail with the list of valid keys
        return tuple(t.code for t in all_ecosystem_types() if t.key in keys or (t.parent in keys))


def prices_for_year(
    params: ParameterSet,
    year: int,
    policy: PricePolicy,
    deflator: Deflator,
    profile: str | None = None,
) -> tuple[ParameterSet, list[str]]:
    """The parameter set with every price stated for ``year``, and what was done to it.

    - ``as_given``: prices stay at the years they are stated for (no change).
    - ``accounting_year``: every price must be given for ``year`` (its ``year`` or a
      ``by_year`` entry); otherwise an error names the price, the parameter set, the
      profile and the years it has.
    - ``deflate``: the price for ``year`` if given, else the nearest earlier year's (the
      earliest later one if none) brought to ``year`` by the price's own index
      (``ParameterValue.index``, the one that fits the item) or else ``deflator`` (the
      profile's, also where the item's index does not cover the years, and then says so).
      Each such price says in its ``source`` which index brought it to the
      year and why, and a note says the same.
    """
    if policy == "as_given":
        return params, []
    notes: list[str] = []
    values = dict(params.values)
    for key, pv in params.values.items():
        if not pv.is_price:
            continue
        stated = dict(pv.by_year or {})
        if pv.value is not None or pv.by_type is not None:
            stated.setdefault(pv.year, pv.value if pv.value is not None else float("nan"))
        if year in stated and pv.year == year and pv.by_year is None:
            notes.append(f"price {key} of {params.name}: stated for {year}, no index needed")
            continue
        if policy == "accounting_year" and year not in stated:
            of = f" (profile {profile!r})" if profile else ""
            of_zh = f"（核算方案 {profile!r}）" if profile else ""
            raise InputError(
                en=f"no price {key!r} for {year} in parameter set {params.name!r}{of}; it has "
                f"{', '.join(map(str, sorted(stated)))}. Add the {year} price, or use a "
                "profile whose price policy deflates",
                zh=f"参数集 {params.name!r}{of_zh}中没有 "
                f"{year} 年的价格 {key!r}；现有 {'、'.join(map(str, sorted(stated)))} 年的价格。"
                f"请补上 {year} 年的价格，或选用按价格指数平减的核算方案",
                source=params.name,
                field=key,
                values=sorted(stated),
            )
        source = pv.source
        if year in stated:
            src_year, factor = year, 1.0
            notes.append(f"price {key} of {params.name}: stated for {year}, no index needed")
        else:
            earlier = [y for y in stated if y < year]
            src_year = max(earlier) if earlier else min(stated)
            index = _index_for(pv, deflator)
            why = pv.index_why or (
                "the profile's deflator" if pv.index is None else "the item's price index"
            )
            if index is not deflator and not {src_year, year} <= set(index.index):
                why = (
                    f"fallback ({deflator.name}): the item's index {index.name} covers "
                    f"{min(index.index)}–{max(index.index)} only"
                )
                index = deflator
            try:
                factor = index.factor(src_year, year)
            except InputError as exc:
                of = f" (profile {profile!r})" if profile else ""
                of_zh = f"（核算方案 {profile!r}）" if profile else ""
                span = f"{min(index.index)}–{max(index.index)}"
                raise InputError(
                    en=f"price {key!r} of parameter set {params.name!r}{of} is stated for "
                    f"{src_year} and must be brought to {year}, but its index "
                    f"{index.name!r} cannot: {halves_of(exc)[0]}",
                    zh="参数集 "
                    f"{params.name!r}{of_zh}的价格 {key!r} 按 {src_year} 年给出，须换算到 {year} "
                    f"年，但其价格指数 {index.name!r} 只覆盖 {span} 年，无法换算。请补充该价格"
                    f"指数，或在参数集中给出 {year} 年的价格",
                    source=params.name,
                    field=key,
                    values=[src_year, year],
                ) from exc
            notes.append(
                f"price {key} of {params.name}: {year} not given, {src_year} value × "
                f"{factor:.4f} ({index.name} {src_year}→{year}; {why})"
            )
            source = (
                f"{pv.source} [brought from {src_year} to {year} prices by {index.name} × "
                f"{factor:.4f}: {why}]"
            )
        base = pv.by_year[src_year] if pv.by_year and src_year in pv.by_year else pv.value
        # the price of another stated year keeps the uncertainty's shape (bounds rescaled)
        rebased = pv
        if base is not None and pv.value and base != pv.value:
            rebased = _times(pv, base / pv.value)
        values[key] = _times(rebased, factor, by_year=None, year=year, source=source)
    return params.model_copy(update={"values": values}), notes


def _index_for(pv: ParameterValue, default: Deflator) -> Deflator:
    """The deflator that brings ``pv`` to another year: its own index, else ``default``."""
    if pv.index is None:
        return default
    return load_deflator(pv.index)


def parameter_set_names() -> list[str]:
    """Names of the parameter sets shipped with ganpo."""
    return shipped_names("params")


def load_parameter_set_file(path: Path) -> ParameterSet:
    """Read and validate a parameter-set TOML file."""
    return load_toml_model(path, ParameterSet, "parameter set")


@cache
def load_parameter_set(name: str) -> ParameterSet:
    """A shipped parameter set by name, or a set read from a ``.toml`` path."""
    if name.endswith(".toml"):
        return load_parameter_set_file(Path(name))
    if name not in parameter_set_names():
        raise UnknownNameError("parameter set", name, parameter_set_names())
    return load_parameter_set_file(data_dir("params") / f"{name}.toml")
