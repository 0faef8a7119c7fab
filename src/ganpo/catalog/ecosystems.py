"""Ecosystem types (生态系统类型): the classification rasters are coded in.

The table lives in ``data/ecosystem_types.csv``. Code 0 is reserved for products that
statistics report without an ecosystem type; raster code 255 is nodata.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ganpo.errors import UnknownNameError

RASTER_NODATA = 255
UNATTRIBUTED = 0


@dataclass(frozen=True)
class EcosystemType:
    code: int
    key: str
    name_zh: str
    name_en: str
    description: str


@cache
def ecosystem_types() -> tuple[EcosystemType, ...]:
    """All ecosystem types, in code order (code 0 = not attributed)."""
    text = (files("ganpo.catalog") / "data" / "ecosystem_types.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    types = [
        EcosystemType(
            code=int(r["code"]),
            key=r["key"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            description=r["description"],
        )
        for r in rows
    ]
    return tuple(sorted(types, key=lambda t: t.code))


def raster_codes() -> tuple[int, ...]:
    """Codes allowed in an ecosystem-type raster (every type but 'not attributed')."""
    return tuple(t.code for t in ecosystem_types() if t.code != UNATTRIBUTED)


def by_key(key: str) -> EcosystemType:
    """Look a type up by its key (``forest``); unknown keys list the valid ones."""
    for t in ecosystem_types():
        if t.key == key:
            return t
    raise UnknownNameError("ecosystem type", key, (t.key for t in ecosystem_types()))


def by_code(code: int) -> EcosystemType:
    """Look a type up by its raster code."""
    for t in ecosystem_types():
        if t.code == code:
            return t
    raise UnknownNameError(
        "ecosystem type code", str(code), (str(t.code) for t in ecosystem_types())
    )
