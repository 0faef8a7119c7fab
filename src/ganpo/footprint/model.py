"""A product system file (TOML): the product and its functional unit, the boundary, the
allocation rule, and the processes with their outputs, inputs and direct emissions.

Inputs name either the product of another process of the system (``product``) or a
background process (``background``: ``grid:<region>:<year>`` for electricity,
``fuel:<set>:<fuel>`` for a fuel burnt; :mod:`ganpo.footprint.background`). Direct
emissions are greenhouse gases by origin: ``CO2_fossil``, ``CO2_biogenic`` (a removal is
negative), ``CH4_fossil``, ``CH4_biogenic``, ``N2O``. An amount may carry ``gsd``, the
geometric standard deviation of a lognormal uncertainty (Monte Carlo).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ganpo.errors import InputError

Gas = Literal["CO2_fossil", "CO2_biogenic", "CH4_fossil", "CH4_biogenic", "N2O"]
Stage = Literal["raw_material", "production", "distribution", "use", "end_of_life"]
STAGES: dict[str, tuple[str, str]] = {
    "raw_material": ("原材料获取", "raw material acquisition"),
    "production": ("生产", "production"),
    "distribution": ("分销运输", "distribution"),
    "use": ("使用", "use"),
    "end_of_life": ("生命末期", "end of life"),
}
#: the stages a cradle-to-gate study may hold
GATE_STAGES = ("raw_material", "production")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Output(_Model):
    product: str = Field(min_length=1)
    amount: float = Field(gt=0)
    unit: str = Field(min_length=1)
    value: float | None = Field(default=None, ge=0)  # price per unit, for economic allocation
    #: the product's name for reports (its key made readable when not given)
    name_zh: str = ""
    name_en: str = ""


class Input(_Model):
    product: str | None = None
    background: str | None = None
    amount: float = Field(ge=0)
    unit: str = Field(min_length=1)
    gsd: float | None = Field(default=None, ge=1.0)
    sector: str = "1.A.2"  # IPCC sector of a fuel burnt (its CH4 and N2O factors)

    @model_validator(mode="after")
    def _one_source(self) -> Input:
        if (self.product is None) == (self.background is None):
            raise ValueError("give either product (a process of the system) or background")
        return self


class Emission(_Model):
    gas: Gas
    amount: float
    unit: Literal["kg", "t"] = "kg"
    gsd: float | None = Field(default=None, ge=1.0)


class Process(_Model):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    stage: Stage
    outputs: list[Output] = Field(min_length=1)
    inputs: list[Input] = Field(default_factory=list)
    emissions: list[Emission] = Field(default_factory=list)


class ProductSystem(_Model):
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    synthetic: bool = False
    note: str = ""
    #: the inventory's version as its owner numbers it (shown on the label; "" not stated)
    version: str = ""
    product: str = Field(min_length=1)
    product_name_zh: str = Field(min_length=1)
    product_name_en: str = Field(min_length=1)
    functional_unit: Output
    boundary: Literal["cradle_to_gate", "cradle_to_grave"]
    allocation: Literal["mass", "economic", "none"]
    gwp: Literal["AR4", "AR5", "AR6"]
    reference_year: int = Field(ge=1990, le=2100)
    company: str = ""
    #: kg C per kg of product, fossil and biogenic (ISO 14067 §6.4.9.3; PACT asks for both)
    fossil_carbon_content: float | None = Field(default=None, ge=0)
    biogenic_carbon_content: float | None = Field(default=None, ge=0)
    processes: list[Process] = Field(min_length=1)


def read_product_system(path: Path | str) -> ProductSystem:
    """Read and validate a product system file; each problem names the file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("no such product system file", source=path.name) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read the product system: {exc}", source=path.name) from exc
    return parse_product_system(text, path.name)


def parse_product_system(text: str, source: str) -> ProductSystem:
    """Validate the text of a product system file; each problem names ``source`` (the
    file's name as its user knows it) and the field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"cannot read the product system: {exc}", source=source) from exc
    try:
        return ProductSystem.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors()[:8]]
        raise InputError(
            "invalid product system: " + "; ".join(problems) + " / 产品系统文件有误",
            source=source,
            field=".".join(str(x) for x in exc.errors()[0]["loc"]),
        ) from exc
