"""Read-side caches of the platform: administrative units (and their GeoJSON) and stored
accounts.

Accounts are immutable once stored, so an account's tables are read once and kept (a
small LRU keyed by id *and* input digest, so a deleted-and-reused id is never served
stale). Units come from the base dataset's manifest (the polygons accounts are run on:
counties, or a finer level such as townships with the counties they roll up to), or,
without one, from the county table of :mod:`ganpo.io.regions`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ganpo.catalog.names import english_names
from ganpo.io.manifest import load_manifest
from ganpo.io.regions import load_counties
from ganpo.io.units import Units, dataset_units, with_unit_columns
from ganpo.store.models import Account
from ganpo.store.repository import StoredAccount, load_account

#: Douglas-Peucker tolerance of the served boundaries [m, on the equal-area grid]: enough
#: for a province-wide map on screen (a county is tens of km across), and ~10× smaller files
SIMPLIFY_M: dict[str, float] = {"county": 300.0, "city": 600.0, "province": 1200.0}
#: the finer units of a dataset (townships, villages …) are drawn a county at a time
SIMPLIFY_FINER_M = 100.0
LEVELS = ("county", "city", "province")
#: the levels below county a dataset may give (:data:`ganpo.io.roles.UNIT_LEVELS`)
FINER_LEVELS = ("township", "village", "unit")


_REGIONS: dict[tuple[str, float], Regions] = {}
_GENERATIONS = itertools.count(1)
_REGIONS_LOCK = threading.Lock()


def regions_for(data_dir: Path) -> Regions:
    """The :class:`Regions` of a base dataset, shared by every app on the same folder (and
    rebuilt when its manifest changes)."""
    manifest = Path(data_dir) / "manifest.toml"
    key = (str(Path(data_dir).resolve()), manifest.stat().st_mtime if manifest.exists() else 0.0)
    with _REGIONS_LOCK:
        if key not in _REGIONS:
            read = units_of(Path(data_dir))
            _REGIONS[key] = Regions(read.counties, None if read.level == "county" else read.units)
        return _REGIONS[key]


def regions_if_built(data_dir: Path) -> Regions | None:
    """The shared :class:`Regions` of ``data_dir`` if already built (no I/O but a stat)."""
    manifest = Path(data_dir) / "manifest.toml"
    key = (str(Path(data_dir).resolve()), manifest.stat().st_mtime if manifest.exists() else 0.0)
    with _REGIONS_LOCK:
        return _REGIONS.get(key)


def units_of(data_dir: Path, province_adcode: int = 360000) -> Units:
    """The units (equal-area CRS) of the base dataset, read without the boundary checks
    (the accounts run on them check them), or the counties of the county table."""
    manifest = Path(data_dir) / "manifest.toml"
    if manifest.exists():
        return dataset_units(load_manifest(manifest, verify=False), check=False)
    counties = load_counties(province_adcode)
    counties["area_km2"] = counties.geometry.area / 1e6
    return Units(with_unit_columns(counties), counties)


@dataclass(frozen=True)
class Unit:
    adcode: int
    name_zh: str
    level: str
    parent: int | None


class Regions:
    """The units of the platform at the three levels, and the dataset's finer units (if
    it has any) below the counties, with simplified WGS84 GeoJSON. A finer unit's
    ``parent`` is its county (the platform drills down province → city → county → unit)."""

    def __init__(self, counties: gpd.GeoDataFrame, finer: gpd.GeoDataFrame | None = None) -> None:
        self.counties = counties
        self.finer = finer
        self.finer_level = None if finer is None else str(finer["level"].iloc[0])
        #: finer unit code → its county
        self.county_of: dict[int, int] = (
            {}
            if finer is None
            else dict(
                zip(
                    finer["unit_code"].astype("int64"),
                    finer["county_adcode"].astype("int64"),
                    strict=True,
                )
            )
        )
        self.units: list[Unit] = []
        prov = counties.drop_duplicates("province_adcode")
        for r in prov.itertuples():
            self.units.append(Unit(int(r.province_adcode), str(r.province_name), "province", None))
        for r in counties.drop_duplicates("city_adcode").sort_values("city_adcode").itertuples():
            if int(r.city_adcode) != int(r.province_adcode):
                self.units.append(
                    Unit(int(r.city_adcode), str(r.city_name), "city", int(r.province_adcode))
                )
        for r in counties.itertuples():
            city = int(r.city_adcode)
            self.units.append(Unit(int(r.county_adcode), str(r.county_name), "county", city))
        if finer is not None and self.finer_level is not None:
            for r in finer.itertuples():
                self.units.append(
                    Unit(int(r.unit_code), str(r.unit_name), self.finer_level, int(r.county_adcode))
                )
        self._features: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        #: tells this set of units from the one built before (answer cache keys)
        self.generation = next(_GENERATIONS)

    def has_features(self, level: str) -> bool:
        with self._lock:
            return level in self._features

    def features(self, level: str) -> list[dict[str, Any]]:
        """GeoJSON features of one level (built once): WGS84, simplified, 5 decimals."""
        with self._lock:
            if level not in self._features:
                self._features[level] = self._build(level)
            return self._features[level]

    def _build(self, level: str) -> list[dict[str, Any]]:
        c = self.counties
        if level in FINER_LEVELS:
            if self.finer is None or level != self.finer_level:
                return []
            frame = self.finer[["unit_code", "unit_name", "county_adcode", "geometry"]].set_axis(
                ["adcode", "name", "parent", "geometry"], axis=1
            )
        elif level == "county":
            frame = c[["county_adcode", "county_name", "city_adcode", "geometry"]].set_axis(
                ["adcode", "name", "parent", "geometry"], axis=1
            )
        elif level == "city":
            frame = (
                c.dissolve(by=["city_adcode", "city_name", "province_adcode"], as_index=False)[
                    ["city_adcode", "city_name", "province_adcode", "geometry"]
                ]
            ).set_axis(["adcode", "name", "parent", "geometry"], axis=1)
        else:
            frame = c.dissolve(by=["province_adcode", "province_name"], as_index=False)[
                ["province_adcode", "province_name", "geometry"]
            ].set_axis(["adcode", "name", "geometry"], axis=1)
            frame["parent"] = None
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=c.crs)
        frame["geometry"] = frame.geometry.simplify(
            SIMPLIFY_M.get(level, SIMPLIFY_FINER_M), preserve_topology=True
        )
        frame = frame.to_crs("EPSG:4326")
        frame["geometry"] = frame.geometry.set_precision(1e-5)
        frame["level"] = level
        out: list[dict[str, Any]] = json.loads(frame.to_json(drop_id=True))["features"]
        english = english_names()
        for f in out:
            p = f["properties"]
            p["adcode"] = int(p["adcode"])
            p["name_en"] = english.get(p["adcode"])
            p["parent"] = None if p.get("parent") is None else int(p["parent"])
        return out


@dataclass(frozen=True)
class AccountData:
    """The tables of one stored account the API reads."""

    account: Account
    results: pd.DataFrame
    units: pd.DataFrame
    prices: pd.DataFrame
    stored: StoredAccount

    @cached_property
    def counties(self) -> frozenset[int]:
        """The counties of the account's units (asked on every request of a caller with
        a region, to answer 404 for an account outside it): computed once per account,
        which never changes once stored."""
        return frozenset(int(a) for a in self.units["county_adcode"].astype("int64"))


class AccountCache:
    """Stored accounts read once (they never change), least recently used dropped.

    The list of account rows is re-read at most every ``rows_ttl_s`` seconds (and at once
    after :meth:`invalidate`, which the platform calls when it stores an account), so an
    account stored or deleted by another process shows within that delay.
    """

    def __init__(self, engine: Engine, size: int = 16, rows_ttl_s: float = 2.0) -> None:
        self.engine, self.size, self.rows_ttl_s = engine, size, rows_ttl_s
        self._items: OrderedDict[tuple[int, str], AccountData] = OrderedDict()
        self._rows: list[Account] | None = None
        self._rows_at = 0.0
        self._lock = threading.Lock()
        #: one lock per account being read: the first caller reads, the others wait
        self._loading: dict[tuple[int, str], threading.Lock] = {}

    def invalidate(self) -> None:
        with self._lock:
            self._rows = None

    def fresh_rows(self) -> list[Account] | None:
        """The account rows if read recently, else ``None`` (no I/O)."""
        with self._lock:
            if self._rows is not None and time.monotonic() - self._rows_at < self.rows_ttl_s:
                return self._rows
        return None

    def rows(self) -> list[Account]:
        """Every stored account row, by year and id."""
        cached = self.fresh_rows()
        if cached is not None:
            return cached
        with Session(self.engine) as session:
            rows = list(session.scalars(select(Account).order_by(Account.year, Account.id)))
            session.expunge_all()
        with self._lock:
            self._rows, self._rows_at = rows, time.monotonic()
        return rows

    def row(self, account_id: int) -> Account | None:
        return next((r for r in self.rows() if r.id == account_id), None)

    def peek(self, account_id: int) -> AccountData | None:
        """The account's tables if they are in memory and the row list is fresh (no I/O)."""
        rows = self.fresh_rows()
        if rows is None:
            return None
        row = next((r for r in rows if r.id == account_id), None)
        with self._lock:
            return None if row is None else self._items.get((row.id, row.input_digest))

    def get(self, row: Account) -> AccountData:
        """The account's tables, read from the store once: concurrent callers of an
        account not yet in memory wait for the one that reads it (no stampede of reads of
        the same account when a cold worker meets a burst of requests)."""
        key = (row.id, row.input_digest)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:
            try:
                with self._lock:
                    if key in self._items:
                        return self._items[key]
                stored = load_account(self.engine, row.id)
                data = AccountData(
                    stored.account, stored.results, stored.units, stored.prices, stored
                )
                with self._lock:
                    self._items[key] = data
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
                return data
            finally:
                with self._lock:
                    if self._loading.get(key) is gate:
                        del self._loading[key]


class ResponseCache:
    """Serialized JSON answers of read endpoints, least recently used dropped.

    Keys must hold everything the answer depends on: the endpoint, its parameters, the
    caller's scope and the ``(id, input_digest)`` of every account read, so that a new or
    deleted account changes the key and never yields a stale answer.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        #: one lock per answer being made: the first caller makes it, the others wait
        self._making: dict[tuple[Any, ...], threading.Lock] = {}

    def peek(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            return self._items.get(key)

    def get_or_make(self, key: tuple[Any, ...], make: Callable[[], Any]) -> bytes:
        """The answer for ``key``, made by ``make`` once: concurrent callers of a key not
        yet cached wait for the first one's answer instead of each making it (a cold
        worker meeting a burst of requests would otherwise make the same answer once per
        request, all at once). A ``make`` that fails lets the next waiter try."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._making.setdefault(key, threading.Lock())
        with gate:
            try:
                with self._lock:
                    if key in self._items:
                        return self._items[key]
                body = json.dumps(make(), ensure_ascii=False, allow_nan=False).encode("utf-8")
                with self._lock:
                    self._items[key] = body
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
                return body
            finally:
                with self._lock:
                    if self._making.get(key) is gate:
                        del self._making[key]
