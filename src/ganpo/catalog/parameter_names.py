"""Names of the parameters (参数名称) in Chinese and English, for reports, tables and the
platform: a reader sees "水库单位库容造价 / reservoir storage construction cost", never the
parameter's key. Kept in ``data/parameter_names.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict


class ParameterName(BaseModel):
    """A parameter's names and the symbol docs/methods.md uses for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str
    symbol: str


@cache
def _data() -> dict[str, dict[str, dict[str, str]]]:
    text = (files("ganpo.catalog") / "data" / "parameter_names.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def parameter_names() -> dict[str, ParameterName]:
    """Every named parameter, by key."""
    return {k: ParameterName(**v) for k, v in _data()["names"].items()}


@cache
def index_names() -> dict[str, ParameterName]:
    """Names of the price indices (deflators) that bring prices to another year."""
    return {k: ParameterName(**v) for k, v in _data()["indices"].items()}


def parameter_name(key: str, language: Literal["zh", "en"]) -> str:
    """The parameter's name in ``language``; a parameter without a name (one of a user's own
    parameter sets) is shown as "parameter <key>" so that it is still recognisable."""
    found = parameter_names().get(key)
    if found is None:
        return f"参数 {key}" if language == "zh" else f"parameter {key}"
    return found.zh if language == "zh" else found.en


def index_name(name: str, language: Literal["zh", "en"]) -> str:
    """A price index's name in ``language`` with its abbreviation where it has one
    (居民消费价格指数（CPI）, 农产品生产者价格指数); an index of the user's own is shown by
    its name."""
    found = index_names().get(name)
    if found is None:
        return name
    label = found.zh if language == "zh" else found.en
    if not found.symbol:
        return label
    return f"{label}（{found.symbol}）" if language == "zh" else f"{label} ({found.symbol})"
