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

from ganpo.errors import InputError, pattern_in_words

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
#: the largest amount (or price) a product system may give, in any unit: 10¹⁵ is beyond any
#: plant's flow per functional unit; larger figures are typing or unit errors, and an
#: overflowing product (1e308 t of diesel) would make the footprint infinite
MAX_AMOUNT = 1e15
#: the smallest output a process may give, in any unit: a process's inputs are scaled by
#: the demand over its output, so an output of 1e-300 t (far below any real co-product)
#: turns an ordinary input into a huge but finite footprint; below a billionth of its unit
#: (1 mg of a t, 3.6 mJ of a kWh) an output is a typing or unit error. It also keeps out
#: the subnormal floats (below numpy.finfo(float).tiny), which are not normal numbers
MIN_OUTPUT = 1e-9


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Output(_Model):
    product: str = Field(min_length=1)
    amount: float = Field(gt=0, le=MAX_AMOUNT)
    unit: str = Field(min_length=1)
    #: price per unit, for economic allocation
    value: float | None = Field(default=None, ge=0, le=MAX_AMOUNT)
    #: the product's name for reports (its key made readable when not given)
    name_zh: str = ""
    name_en: str = ""


class Input(_Model):
    product: str | None = None
    background: str | None = None
    amount: float = Field(ge=0, le=MAX_AMOUNT)
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
    amount: float = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    unit: Literal["kg", "t"] = "kg"
    gsd: float | None = Field(default=None, ge=1.0)


class Process(_Model):
    key: str = Field(
        **pattern_in_words(
            r"^[a-z][a-z0-9_]*$",
            "a lower-case letter, then lower-case letters, digits or _",
            "以小写字母开头，其后为小写字母、数字或 _",
        )
    )
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    stage: Stage
    outputs: list[Output] = Field(min_length=1)
    inputs: list[Input] = Field(default_factory=list)
    emissions: list[Emission] = Field(default_factory=list)

    @model_validator(mode="after")
    def _outputs_not_tiny(self) -> Process:
        for j, o in enumerate(self.outputs):
            if o.amount < MIN_OUTPUT:
                raise ValueError(
                    f"process {self.key!r}, outputs.{j}.amount = {o.amount!r} {o.unit} "
                    f"({o.product}) is below {MIN_OUTPUT:g}: it would scale the process's "
                    f"inputs by {1 / o.amount:.3g}, so it is a typing or unit error; give the "
                    f"output as made per run of the process (in a smaller unit if need be) "
                    f"/ 过程 {self.key} 的产出 {o.product} 数量 {o.amount!r} {o.unit} 小于 "
                    f"{MIN_OUTPUT:g}，将使投入放大 {1 / o.amount:.3g} 倍：请检查数值或单位"
                )
        return self


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
    #: kg C per kg of product, fossil and biogenic (ISO 14067 §6.4.9.3; PACT asks for both):
    #: a fraction of the product's mass, so at most 1
    fossil_carbon_content: float | None = Field(default=None, ge=0, le=1)
    biogenic_carbon_content: float | None = Field(default=None, ge=0, le=1)
    processes: list[Process] = Field(min_length=1)


def read_product_system(path: Path | str) -> ProductSystem:
    """Read and validate a product system file; each problem names the file and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(
            en="no such product system file",
            zh="产品系统文件不存在：请检查文件名与路径",
            source=path.name,
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            en=f"cannot read the product system: {exc}; save it as UTF-8 TOML",
            zh="无法读取产品系统文件（须为 UTF-8 编码的 TOML）",
            source=path.name,
        ) from exc
    return parse_product_system(text, path.name)


def parse_product_system(text: str, source: str) -> ProductSystem:
    """Validate the text of a product system file; each problem names ``source`` (the
    file's name as its user knows it) and the field."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            en=f"cannot read the product system: {exc}",
            zh=f"无法读取产品系统文件（TOML 格式有误）：{exc}",
            source=source,
        ) from exc
    try:
        return ProductSystem.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()[:8]
        fields = [".".join(str(x) for x in e["loc"]) for e in errors]
        problems = [f"{f}{_shown(e)}: {e['msg']}" for f, e in zip(fields, errors, strict=True)]
        zh = "；".join(f"{f}{_shown(e)}" for f, e in zip(fields, errors, strict=True))
        raise InputError(
            en="invalid product system: " + "; ".join(problems),
            zh=f"产品系统文件有误：{zh} 无效，请按提示更正",
            source=source,
            field=fields[0],
            values=[e.get("input") for e in errors],
        ) from exc


def _shown(error: object) -> str:
    """`` = <value>`` of a validation error whose input is a plain value (a number, a text),
    else nothing (a missing field, a whole table)."""
    value = error.get("input") if isinstance(error, dict) else None
    if isinstance(value, (bool, int, float, str)) and len(repr(value)) <= 40:
        return f" = {value!r}"
    return ""
