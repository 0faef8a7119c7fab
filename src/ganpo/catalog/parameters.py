"""Parameter sets (参数集): named, versioned prices and coefficients.

Each set is a TOML file in ``data/params``; every value carries its unit, price year,
region, source and whether we checked it in the published source (``verified``) or it is
the usual value of the method family (``unverified``, METHODS.md [U]).
"""

from __future__ import annotations

import logging
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ganpo.catalog.ecosystems import by_key
from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, UnknownNameError

log = logging.getLogger(__name__)


class ParameterValue(BaseModel):
    """One parameter: a scalar ``value`` or one value per ecosystem type (``by_type``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | None = None
    by_type: dict[str, float] | None = None
    unit: str
    year: int
    region: str
    source: str
    status: Literal["verified", "unverified", "placeholder"]

    @model_validator(mode="after")
    def _one_of(self) -> ParameterValue:
        if (self.value is None) == (self.by_type is None):
            raise ValueError("give either 'value' or 'by_type', not both and not neither")
        for key in self.by_type or {}:
            by_key(key)  # unknown ecosystem keys fail with the list of valid keys
        return self


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
                f"parameter set {self.name!r} has no value {key!r} (unit {unit}); "
                f"add it to the set or choose a set that has it",
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
                f"parameter {key!r} is given in {pv.unit!r} but the method needs {unit!r}, "
                f"which measures another quantity; give the value in {unit}",
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
        return pv.model_copy(
            update={
                "unit": unit,
                "value": None if pv.value is None else pv.value * factor,
                "by_type": None
                if pv.by_type is None
                else {k: v * factor for k, v in pv.by_type.items()},
            }
        )

    def scalar(self, key: str, unit: str) -> float:
        """A scalar value in ``unit``."""
        pv = self.get(key, unit)
        if pv.value is None:
            raise InputError(
                f"parameter {key!r} is given per ecosystem type; a single value is needed",
                source=self.name,
                field=key,
            )
        return pv.value

    def per_type(self, key: str, unit: str) -> dict[int, float]:
        """A per-ecosystem-type value, keyed by raster code."""
        pv = self.get(key, unit)
        if pv.by_type is None:
            raise InputError(
                f"parameter {key!r} is a single value; a value per ecosystem type is needed",
                source=self.name,
                field=key,
            )
        return {by_key(k).code: v for k, v in pv.by_type.items()}

    def type_set(self, key: str) -> tuple[int, ...]:
        """Raster codes of a named set of ecosystem types (``climate_vegetation``)."""
        if key not in self.type_sets:
            raise InputError(
                f"parameter set {self.name!r} has no type set {key!r}; "
                f"it has: {', '.join(sorted(self.type_sets)) or 'none'}",
                source=self.name,
                field=key,
            )
        return tuple(by_key(k).code for k in self.type_sets[key])


def _params_dir() -> Path:
    return Path(str(files("ganpo.catalog") / "data" / "params"))


def parameter_set_names() -> list[str]:
    """Names of the parameter sets shipped with ganpo."""
    return sorted(p.stem for p in _params_dir().glob("*.toml"))


def load_parameter_set_file(path: Path) -> ParameterSet:
    """Read and validate a parameter-set TOML file."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read parameter set: {exc}", source=path) from exc
    try:
        return ParameterSet.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise InputError(f"invalid parameter set: {problems}", source=path) from exc


@cache
def load_parameter_set(name: str) -> ParameterSet:
    """A shipped parameter set by name, or a set read from a ``.toml`` path."""
    if name.endswith(".toml"):
        return load_parameter_set_file(Path(name))
    if name not in parameter_set_names():
        raise UnknownNameError("parameter set", name, parameter_set_names())
    return load_parameter_set_file(_params_dir() / f"{name}.toml")
