"""Crosswalks (对照表) from the land classifications departments hold to ganpo's
ecosystem types (:mod:`ganpo.catalog.ecosystems`).

One CSV per scheme in ``data/crosswalks`` with the columns ``source_code``,
``source_name``, ``ecosystem`` (a key of ``ecosystem_types.csv``, level 1 or 2, or
``nodata``), ``status`` and ``note``. ``status`` says where a row comes from:
``published`` when it follows a published classification or crosswalk (the note names
it), ``proposal`` when it is ganpo's own choice (the note gives the reason). No published
crosswalk from these schemes to the GEP ecosystem types was found, so most rows are
proposals; the 三调 wetland rows follow the 三调's own wetland class (00 湿地).

Schemes:

- ``sandiao``: 第三次全国国土调查工作分类 (the DLBM codes of 三调 databases), with the
  GB/T 21010-2017 second-level codes that the 三调 merges (0501–0507, 0604, 0801–0808,
  0901–0906);
- ``clcd``: the China Land Cover Dataset, Yang & Huang 2021, Earth Syst. Sci. Data
  13:3907-3925, doi:10.5194/essd-13-3907-2021 (codes 1–9);
- ``globeland30``: GlobeLand30 of the National Geomatics Center of China (10–100; 0 and
  255 no data);
- ``worldcover``: ESA WorldCover 10 m 2020/2021 (10–100; 0 no data);
- ``ganpo``: ganpo's own raster codes (identity).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal, get_args

from ganpo.catalog.ecosystems import RASTER_NODATA, all_ecosystem_types, by_key
from ganpo.errors import UnknownNameError

#: the land classifications a manifest's ecosystem layer may be coded in
LandScheme = Literal["ganpo", "sandiao", "clcd", "globeland30", "worldcover"]
SCHEMES: tuple[str, ...] = get_args(LandScheme)
#: the ``ecosystem`` value of a source code that means "no data"
NODATA = "nodata"
STATUSES = ("published", "proposal")

#: the name of each scheme, in Chinese and English, for messages and notes
SCHEME_TITLES: dict[str, str] = {
    "ganpo": "ganpo ecosystem codes 生态系统类型代码",
    "sandiao": "三调工作分类 (third national land survey, GB/T 21010-2017)",
    "clcd": "CLCD (China Land Cover Dataset)",
    "globeland30": "GlobeLand30",
    "worldcover": "ESA WorldCover",
}
#: the schemes' titles in Chinese (an account's stage messages in Chinese)
SCHEME_TITLES_ZH: dict[str, str] = {
    "ganpo": "ganpo 生态系统类型代码",
    "sandiao": "三调工作分类（第三次全国国土调查，GB/T 21010—2017）",
    "clcd": "CLCD（中国土地覆盖数据集）",
    "globeland30": "GlobeLand30（全球 30 米地表覆盖数据）",
    "worldcover": "ESA WorldCover（欧洲航天局全球地表覆盖数据）",
}


@dataclass(frozen=True)
class CrosswalkRow:
    """One source class and the ecosystem type (key, or ``nodata``) it becomes."""

    source_code: str
    source_name: str
    ecosystem: str
    status: str
    note: str

    @property
    def raster_code(self) -> int:
        """ganpo's raster code for this class (255 for no data)."""
        return RASTER_NODATA if self.ecosystem == NODATA else by_key(self.ecosystem).code


@dataclass(frozen=True)
class Crosswalk:
    """A scheme's crosswalk: its rows and the digest of its table (which keys the cache
    of maps converted with it)."""

    scheme: str
    rows: tuple[CrosswalkRow, ...]
    sha256: str

    @property
    def title(self) -> str:
        return SCHEME_TITLES[self.scheme]

    @property
    def title_zh(self) -> str:
        return SCHEME_TITLES_ZH[self.scheme]

    def codes(self) -> dict[str, int]:
        """Source code (as text) → ganpo raster code."""
        return {r.source_code: r.raster_code for r in self.rows}


def _check(scheme: str, rows: list[CrosswalkRow]) -> None:
    seen: set[str] = set()
    for r in rows:
        if r.source_code in seen:
            raise ValueError(f"crosswalk {scheme}: source code {r.source_code} twice")
        seen.add(r.source_code)
        if r.status not in STATUSES:
            raise ValueError(f"crosswalk {scheme}: {r.source_code} has status {r.status!r}")
        if not r.note:
            raise ValueError(f"crosswalk {scheme}: {r.source_code} has no note")
        r.raster_code  # noqa: B018 -- an unknown ecosystem key fails with the valid ones


@cache
def load_crosswalk(scheme: str) -> Crosswalk:
    """The crosswalk of ``scheme``; unknown schemes list the valid ones."""
    if scheme not in SCHEMES:
        raise UnknownNameError("land classification scheme", scheme, SCHEMES)
    if scheme == "ganpo":
        rows = [
            CrosswalkRow(str(t.code), t.name_zh, t.key, "published", "ganpo's own code")
            for t in all_ecosystem_types()
            if t.code != 0
        ]
        rows.append(CrosswalkRow(str(RASTER_NODATA), "无数据", NODATA, "published", "nodata"))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        return Crosswalk(scheme, tuple(rows), digest)
    text = (files("ganpo.catalog") / "data" / "crosswalks" / f"{scheme}.csv").read_text("utf-8")
    rows = [
        CrosswalkRow(
            source_code=r["source_code"].strip(),
            source_name=r["source_name"],
            ecosystem=r["ecosystem"],
            status=r["status"],
            note=r["note"],
        )
        for r in csv.DictReader(text.splitlines())
    ]
    _check(scheme, rows)
    return Crosswalk(scheme, tuple(rows), hashlib.sha256(text.encode()).hexdigest())
