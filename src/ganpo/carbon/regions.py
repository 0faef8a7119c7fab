"""The administrative units of an inventory's region: a province or a city (adcode), its
cities, counties (区县) and townships (乡镇), from the built-in Tianditu district table
(:func:`ganpo.io.regions.read_district_table`, :func:`~ganpo.io.regions.read_city_table`).

A township has no table: its code is read as statistics write it, 9 digits whose first 6
are its county's adcode (county adcode × 1000 + n), and is a unit of the region when that
county is. A county-level unit directly under a province (东莞市, 仙桃市) is in the city
table with its own code as its city; it is taken as a city whose parent is the province.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from ganpo.errors import InputError

Level = Literal["province", "city", "county", "township"]
#: the levels, coarsest first
LEVELS: tuple[Level, ...] = ("province", "city", "county", "township")


@dataclass(frozen=True)
class Unit:
    """One administrative unit: its code, level, name (with its city and province) and
    parent code (``None`` for a province)."""

    code: int
    level: Level
    name: str
    parent: int | None


@dataclass(frozen=True)
class Region:
    """A province or city and every unit in it down to the counties (itself included)."""

    code: int
    level: Level
    name: str
    units: dict[int, Unit]

    def unit(self, code: int) -> Unit | None:
        """The unit of ``code`` in the region (a township by its county), else None."""
        if code in self.units:
            return self.units[code]
        if 100_000_000 <= code <= 999_999_999 and code // 1000 in self.units:
            county = self.units[code // 1000]
            if county.level == "county" or county.code in _county_level_cities():
                return Unit(code, "township", f"{county.name}所辖乡镇", county.code)
        return None

    def ancestors(self, code: int) -> list[int]:
        """The codes above ``code`` in the region (its county, city, province), nearest
        first; empty for the region itself or a code outside it."""
        unit = self.unit(code)
        out: list[int] = []
        while unit is not None and unit.parent is not None:
            out.append(unit.parent)
            unit = self.units.get(unit.parent)
        return out

    def examples(self, n: int = 3) -> str:
        """A few of the region's units below it, ``360100 南昌市, …``."""
        below = [u for u in self.units.values() if u.code != self.code][:n]
        return ", ".join(f"{u.code} {u.name}" for u in below)


@cache
def _all_units() -> dict[int, Unit]:
    """Every province, city and county of the built-in table (read once, offline)."""
    from ganpo.io.regions import read_city_table, read_district_table

    units: dict[int, Unit] = {}
    for r in read_city_table().to_dict("records"):
        prov, city = int(r["province_adcode"]), int(r["city_adcode"])
        units.setdefault(prov, Unit(prov, "province", str(r["province_name"]), None))
        if city != prov:
            units[city] = Unit(city, "city", f"{r['city_name']}（{r['province_name']}）", prov)
    for r in read_district_table().to_dict("records"):
        prov, city = int(r["province_adcode"]), int(r["city_adcode"])
        county = int(r["district_adcode"])
        units.setdefault(prov, Unit(prov, "province", str(r["province_name"]), None))
        if city not in units and city != prov:
            units[city] = Unit(city, "city", f"{r['city_name']}（{r['province_name']}）", prov)
        if county not in units:
            name = f"{r['district_name']}（{r['province_name']}{r['city_name']}）"
            units[county] = Unit(county, "county", name, city if city != county else prov)
    return units


@cache
def _county_level_cities() -> frozenset[int]:
    """County-level units directly under a province, in the district table with their own
    code as their city (东莞市 441900): their townships are 9-digit codes under them."""
    from ganpo.io.regions import read_district_table

    t = read_district_table()
    return frozenset(int(c) for c in t.loc[t["district_adcode"] == t["city_adcode"], "city_adcode"])


def known_unit(code: int) -> Unit | None:
    """The province, city or county of ``code`` anywhere in China (built-in table)."""
    return _all_units().get(code)


@cache
def region(code: int) -> Region:
    """The region of a province or city adcode: itself, its cities and its counties.

    >>> r = region(360000)
    >>> r.name, r.unit(360102).level, r.unit(360102001).level, r.unit(440103)
    ('江西省', 'county', 'township', None)
    >>> r.ancestors(360102001)
    [360102, 360100, 360000]
    """
    every = _all_units()
    top = every.get(int(code))
    if top is None or top.level not in ("province", "city"):
        provinces = sorted(u.code for u in every.values() if u.level == "province")
        what = "a county" if top is not None else "not an adcode of the built-in table"
        raise InputError(
            en=f"region {code} is {what}; an inventory's region is a province or a city "
            f"adcode, e.g. 360000 (江西省) or 360100 (南昌市); province adcodes: "
            f"{', '.join(map(str, provinces))}",
            zh="清单地区须为省或市的行政区划代码",
            field="region",
            values=[code],
        )
    units = {top.code: top}
    for u in every.values():
        chain, parent = u, u.parent
        while parent is not None and chain.code != top.code:
            if parent == top.code:
                units[u.code] = u
                break
            chain = every[parent]
            parent = chain.parent
    return Region(top.code, top.level, top.name, units)
