"""The GEP indicator catalogue (指标目录), kept in ``data/indicators.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ganpo.errors import UnknownNameError

Category = Literal["material", "regulating", "cultural"]

CATEGORIES: dict[str, tuple[str, str]] = {
    "material": ("物质产品", "material products"),
    "regulating": ("调节服务", "regulating services"),
    "cultural": ("文化服务", "cultural services"),
}


class Indicator(BaseModel):
    """One indicator: category, names, physical unit, how it is valued."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    category: Category
    name_zh: str
    name_en: str
    quantity_unit: str
    valuation: str
    source: str
    ecosystem_type: str | None = None


@cache
def indicators() -> dict[str, Indicator]:
    """All catalogue indicators by key, in catalogue order."""
    text = (files("ganpo.catalog") / "data" / "indicators.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {k: Indicator(key=k, **v) for k, v in data["indicators"].items()}


def indicator(key: str) -> Indicator:
    """One indicator by key; unknown keys list the valid ones."""
    found = indicators()
    if key not in found:
        raise UnknownNameError("indicator", key, found)
    return found[key]
