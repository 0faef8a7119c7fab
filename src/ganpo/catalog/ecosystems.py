"""Ecosystem types (生态系统类型): the two-level classification rasters are coded in.

The table lives in ``data/ecosystem_types.csv``. Level 1 are the eight types GEP accounts
report by (forest, shrub, grassland, wetland, cropland, built-up, water, bare land; raster
codes 1–8) and code 0, reserved for products that statistics report without an
ecosystem type. Level 2 are their sub-types, after the national remote-sensing ecosystem
classification of the Ouyang group (孔令桥 et al. 2018, 生态学报 38(3):741-749,
doi:10.5846/stxb201712052191; the forest, shrub and grassland sub-types of 龚诗涵 et al.
2017, 生态学报 37(7):2455-2462, Table 2): raster code ``10 × parent + n`` (11–85), each
with the key of its level-1 parent. Raster code 255 is nodata.

A raster may hold level-1 codes (sub-type unknown), level-2 codes, or both. Per-type
parameters are looked up by sub-type and fall back to the level-1 type
(:meth:`ganpo.catalog.parameters.ParameterSet.per_type`); results are reported by the
level-1 type (:func:`level1_code`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from ganpo.errors import UnknownNameError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

RASTER_NODATA = 255
UNATTRIBUTED = 0


@dataclass(frozen=True)
class EcosystemType:
    """One type: ``level`` 1 (reported) or 2 (a sub-type of ``parent``, a level-1 key)."""

    code: int
    key: str
    name_zh: str
    name_en: str
    description: str
    level: int = 1
    parent: str | None = None


def _check(types: list[EcosystemType]) -> None:
    """The table's invariants: unique codes and keys below the nodata code; every
    sub-type under a level-1 parent, coded ``10 × parent + n``."""
    codes = [t.code for t in types]
    keys = [t.key for t in types]
    if len(set(codes)) != len(codes) or len(set(keys)) != len(keys):
        raise ValueError("ecosystem_types.csv: codes and keys must be unique")
    level1 = {t.key: t for t in types if t.level == 1}
    for t in types:
        if not 0 <= t.code < RASTER_NODATA:
            raise ValueError(f"ecosystem_types.csv: code {t.code} outside 0–254")
        if t.level == 1 and t.parent is None:
            continue
        parent = level1.get(t.parent or "")
        if t.level != 2 or parent is None or t.code // 10 != parent.code:
            raise ValueError(
                f"ecosystem_types.csv: {t.key} must be level 2 with a level-1 parent whose "
                "code is its code's tens digit"
            )


@cache
def all_ecosystem_types() -> tuple[EcosystemType, ...]:
    """Every type of both levels, in code order."""
    text = (files("ganpo.catalog") / "data" / "ecosystem_types.csv").read_text("utf-8")
    types = [
        EcosystemType(
            code=int(r["code"]),
            key=r["key"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            description=r["description"],
            level=int(r["level"]),
            parent=r["parent"] or None,
        )
        for r in csv.DictReader(text.splitlines())
    ]
    _check(types)
    return tuple(sorted(types, key=lambda t: t.code))


@cache
def ecosystem_types() -> tuple[EcosystemType, ...]:
    """The level-1 types results are reported by, in code order (code 0 = not
    attributed)."""
    return tuple(t for t in all_ecosystem_types() if t.level == 1)


def subtypes(parent: str | None = None) -> tuple[EcosystemType, ...]:
    """The level-2 sub-types (of the level-1 type ``parent`` when given)."""
    return tuple(
        t for t in all_ecosystem_types() if t.level == 2 and (parent is None or t.parent == parent)
    )


def raster_codes() -> tuple[int, ...]:
    """Codes allowed in an ecosystem-type raster: every type of both levels but 'not
    attributed'."""
    return tuple(t.code for t in all_ecosystem_types() if t.code != UNATTRIBUTED)


def by_key(key: str) -> EcosystemType:
    """Look a type (either level) up by its key (``forest``, ``paddy``); unknown keys list
    the valid ones."""
    for t in all_ecosystem_types():
        if t.key == key:
            return t
    raise UnknownNameError("ecosystem type", key, (t.key for t in all_ecosystem_types()))


def by_code(code: int) -> EcosystemType:
    """Look a type (either level) up by its raster code."""
    for t in all_ecosystem_types():
        if t.code == code:
            return t
    raise UnknownNameError(
        "ecosystem type code", str(code), (str(t.code) for t in all_ecosystem_types())
    )


def level1(code: int) -> EcosystemType:
    """The level-1 type a raster code is reported under (itself for a level-1 code)."""
    t = by_code(code)
    return t if t.parent is None else by_key(t.parent)


def level1_code(code: int) -> int:
    """The level-1 code a raster code is reported under.

    >>> level1_code(12), level1_code(1), level1_code(51)
    (1, 1, 5)
    """
    return level1(code).code


@cache
def level1_lut() -> NDArray[np.int64]:
    """``lut[code]`` = the level-1 code of each raster code (0–255): itself for level-1
    codes and for nodata (255), -1 for codes that are no type."""
    import numpy as np

    lut = np.full(RASTER_NODATA + 1, -1, dtype=np.int64)
    for t in all_ecosystem_types():
        lut[t.code] = level1_code(t.code)
    lut[RASTER_NODATA] = RASTER_NODATA
    lut.setflags(write=False)
    return lut


def _runs(codes: list[int], sep: str = ", ") -> str:
    parts: list[str] = []
    start = prev = codes[0]
    for c in [*codes[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = c
    return sep.join(parts)


def code_map_rule() -> tuple[str, str]:
    """What an ecosystem map may hold and what to do with one that holds something else,
    in English and Chinese: the words of every refusal of a value that is no code (the
    account's check and the upload's). A float map of whole numbers is read as its codes;
    nothing else is rounded or cut."""
    n = RASTER_NODATA
    return (
        f"an ecosystem map holds whole numbers 0–{n}: the codes of ecosystem_types.csv and "
        f"{n} for cells without a type. Reclassify the raster and write it as integers "
        f"(Byte), with {n} for nodata",
        f"生态系统类型图层只能含 0–{n} 的整数，即 ecosystem_types.csv 中的编码及表示无类型的 "
        f"{n}。请重新分类该栅格，以整数（Byte）写出，无数据值用 {n}",
    )


def raster_codes_text(zh: bool = False) -> str:
    """The valid raster codes in words, for messages (``zh``: in Chinese).

    >>> raster_codes_text()
    '1–8 (level 1) and 11–17, 21–24, 31–38, 41–43, 51–53, 61–64, 71–74, 81–85 (level 2)'
    >>> raster_codes_text(zh=True)
    '1–8（一级）及 11–17、21–24、31–38、41–43、51–53、61–64、71–74、81–85（二级）'
    """
    level_1 = [t.code for t in ecosystem_types() if t.code != UNATTRIBUTED]
    level_2 = [t.code for t in subtypes()]
    if zh:
        return f"{_runs(level_1, '、')}（一级）及 {_runs(level_2, '、')}（二级）"
    return f"{_runs(level_1)} (level 1) and {_runs(level_2)} (level 2)"
