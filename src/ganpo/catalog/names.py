"""English names of administrative units, for reports and the platform in English."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

#: English names of Jiangxi's province, 11 cities and 100 counties (Hanyu Pinyin of the
#: Chinese name, as in official English usage, e.g. 婺源县 Wuyuan County, 铅山县 Yanshan
#: County); other units fall back to their Chinese name
NAMES_EN = "region_names_en.csv"


@lru_cache(maxsize=1)
def english_names() -> dict[int, str]:
    """adcode → English name, from ganpo's catalogue file :data:`NAMES_EN`."""
    path = files("ganpo.catalog") / "data" / NAMES_EN
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")))
    return {int(r["adcode"]): r["name_en"] for r in rows}


def unit_names(adcodes: Iterable[int], names_zh: Iterable[str], language: str) -> list[str]:
    """The units' names in ``language`` ("zh" or "en"); a unit without an English name
    keeps its Chinese one."""
    if language != "en":
        return [str(n) for n in names_zh]
    english = english_names()
    return [english.get(int(a), str(n)) for a, n in zip(adcodes, names_zh, strict=True)]
