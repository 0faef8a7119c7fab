"""Series computed from the stored accounts (docs/tracking.md, "Stored series and the
yearly report"): GEP [亿元] and its growth at constant prices per county, city and
province from the stored GEP accounts, and the production-based carbon total [万t CO2]
and intensity [t CO2/万元] from the stored greenhouse-gas inventories.

- **GEP** of a unit in year *y*: the sum of the value rows of the account of *y* that
  :func:`ganpo.store.lifecycle.preferred_account` chooses (the newest published, else the
  newest draft), by :func:`ganpo.apply.gepdata.county_gep`; a city is the sum of its
  counties, the account's region the sum of all.
- **GEP growth** [%]: :math:`100\\,(\\sum GEP_y@p - \\sum GEP_{y-1}@p)/\\sum GEP_{y-1}@p`,
  both accounts restated to the prices of *y − 1* with the account's deflator
  (:func:`ganpo.apply.gepdata.constant_price_growth`), summed over a unit's counties
  before dividing; not computed when no account of *y − 1* is stored.
- **Carbon total** and **intensity**: the inventory of *y* (the newest published, else
  the newest draft, per region), :func:`ganpo.carbon.dual_control_link.emissions_by_unit`
  at each of its levels, the intensity by :func:`ganpo.tracking.dual_control.
  intensity_table` with GDP at constant prices (the table ``ganpo carbon progress``
  uses); not computed without a GDP table.

Every value's source names the account or inventory id it comes from; its status is
``computed``. The values are plain :class:`ganpo.store.tracking.ObservationRecord`; the
decision's registry checks them before they are stored (:mod:`ganpo.tracking.stored`).
Here, not in :mod:`ganpo.tracking`, because tracking imports neither the store nor the
domains that register in it; like :mod:`ganpo.apply.audit` this module reads GEP and
carbon from the store (docs/decisions/0038-series-and-yearly-report.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from ganpo.apply.gepdata import constant_price_growth, county_gep
from ganpo.errors import InputError, halves_of
from ganpo.store.carbon import StoredInventory, list_inventories, load_inventory
from ganpo.store.carbon_models import CarbonInventory
from ganpo.store.lifecycle import preferred_account
from ganpo.store.models import CURRENT_STATUSES
from ganpo.store.repository import StoredAccount, list_accounts, load_account
from ganpo.store.tracking import ObservationRecord
from ganpo.tracking.dual_control import INTENSITY, INTENSITY_UNIT, TOTAL, TOTAL_UNIT

#: yuan in 亿元
_CNY_PER_YI = 1e8
GEP, GEP_GROWTH = "gep", "gep_growth"


@dataclass(frozen=True)
class ComputedSeries:
    """The values computed for one year and what could not be computed, and why
    (``skipped``: each reason in English and in Chinese)."""

    year: int
    observations: list[ObservationRecord]
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _account(engine: Engine, year: int) -> StoredAccount | None:
    chosen = preferred_account(a for a in list_accounts(engine) if a.year == year)
    return None if chosen is None else load_account(engine, chosen.id)


def _account_source(acc: StoredAccount) -> str:
    a = acc.account
    return f"生态产品总值核算 #{a.id}（{a.year}年）/ GEP account #{a.id} ({a.year})"


def _units(stored: StoredAccount) -> pd.DataFrame:
    """``county_adcode, city_adcode`` and the account's region."""
    units = stored.counties[["county_adcode", "city_adcode"]].copy()
    units["region"] = int(stored.account.region_adcode)
    return units


def _by_level(frame: pd.DataFrame, units: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Sums of ``columns`` per county, city and region: ``unit_code`` and the columns."""
    rows = frame[["county_adcode", *columns]].merge(units, on="county_adcode", how="left")
    parts = [rows.rename(columns={"county_adcode": "unit_code"})[["unit_code", *columns]]]
    for by in ("city_adcode", "region"):
        g = rows.dropna(subset=[by]).groupby(by, as_index=False)[columns].sum()
        parts.append(g.rename(columns={by: "unit_code"}))
    out = pd.concat(parts, ignore_index=True)
    out["unit_code"] = out["unit_code"].astype(int)
    # a region that is itself a city (or a county) appears once
    return out.drop_duplicates("unit_code").sort_values("unit_code").reset_index(drop=True)


def gep_series(engine: Engine, year: int) -> ComputedSeries:
    """GEP [亿元] of ``year`` and its growth [%] at the prices of the year before, per
    county, city and region, from the stored accounts."""

    current = _account(engine, year)
    if current is None:
        years = sorted({a.year for a in list_accounts(engine) if a.status in CURRENT_STATUSES})
        return ComputedSeries(
            year,
            [],
            [
                (
                    f"GEP: no current stored account of {year} (stored years: "
                    f"{', '.join(map(str, years)) or 'none'})",
                    f"{year}年无可用的生态产品总值核算",
                )
            ],
        )
    units = _units(current)
    gep = _by_level(county_gep(current), units, ["gep_cny"])
    source = _account_source(current)
    found = [
        ObservationRecord(GEP, int(u), year, float(v) / _CNY_PER_YI, "亿元", source, "computed")
        for u, v in zip(gep["unit_code"], gep["gep_cny"], strict=True)
    ]
    skipped: list[tuple[str, str]] = []
    previous = _account(engine, year - 1)
    if previous is None:
        skipped.append(
            (
                f"GEP growth: no current stored account of {year - 1} to compare with",
                f"{year - 1}年无可用核算，未计算增速",
            )
        )
    else:
        growth = constant_price_growth(current, previous)
        sums = _by_level(growth, units, ["gep_prev_constant_cny", "gep_constant_cny"])
        p = previous.account
        src = (
            f"生态产品总值核算 #{current.account.id}、#{p.id}（按{p.year}年不变价）/ GEP "
            f"accounts #{current.account.id} and #{p.id} at constant {p.year} prices"
        )
        for u, a, b in zip(
            sums["unit_code"], sums["gep_prev_constant_cny"], sums["gep_constant_cny"], strict=True
        ):
            if a == 0:
                continue  # no GEP the year before: no growth
            found.append(
                ObservationRecord(
                    GEP_GROWTH, int(u), year, 100.0 * (b - a) / a, "%", src, "computed"
                )
            )
    return ComputedSeries(year, found, skipped)


def _inventories(engine: Engine, year: int) -> list[StoredInventory]:
    """The inventory of ``year`` of each region: the newest published, else the newest."""
    by_region: dict[int, list[CarbonInventory]] = {}
    for h in list_inventories(engine):
        if h.year == year:
            by_region.setdefault(int(h.region_adcode), []).append(h)
    chosen = []
    for heads in by_region.values():
        published = [h for h in heads if h.status == "published"]
        chosen.append(max(published or heads, key=lambda h: h.id).id)
    return [load_inventory(engine, i) for i in sorted(chosen)]


def _inventory_source(s: StoredInventory) -> str:
    h = s.header
    return f"温室气体清单 #{h.id}（{h.year}年，GWP {h.gwp_set}）/ GHG inventory #{h.id}"


def carbon_series(engine: Engine, year: int, gdp: pd.DataFrame | None = None) -> ComputedSeries:
    """Carbon total [万t CO2] and, given ``gdp`` (``unit_code, year, gdp, price_year`` as
    :func:`ganpo.carbon.dual_control_link.gdp_at_constant_prices` reads it), intensity
    [t CO2/万元] of ``year`` per unit of every level of the stored inventory."""
    from ganpo.carbon.dual_control_link import emissions_by_unit, gdp_for_level
    from ganpo.tracking.dual_control import intensity_table

    inventories = _inventories(engine, year)
    if not inventories:
        years = sorted({h.year for h in list_inventories(engine)})
        return ComputedSeries(
            year,
            [],
            [
                (
                    f"carbon: no stored inventory of {year} (stored years: "
                    f"{', '.join(map(str, years)) or 'none'})",
                    f"{year}年无温室气体清单",
                )
            ],
        )
    found: list[ObservationRecord] = []
    skipped: list[tuple[str, str]] = []
    for inv in inventories:
        src = _inventory_source(inv)
        levels = [lv for lv in ("province", "city", "county") if (inv.rows["level"] == lv).any()]
        for level in levels:
            e = emissions_by_unit([inv], level)
            found += [
                ObservationRecord(TOTAL, int(u), year, float(v), TOTAL_UNIT, src, "computed")
                for u, v in zip(e["unit_code"], e["co2"], strict=True)
            ]
            if gdp is None:
                continue
            try:
                table = intensity_table(e, gdp_for_level(gdp, [inv], level))
            except InputError as exc:
                en, zh = halves_of(exc)
                skipped.append((f"carbon intensity, {level}: {en}", f"碳排放强度（{level}）：{zh}"))
                continue
            price_year = int(table.attrs["price_year"])
            isrc = (
                f"{src}; 地区生产总值（{price_year}年不变价）/ GDP at constant {price_year} prices"
            )
            found += [
                ObservationRecord(
                    INTENSITY, int(u), year, float(v), INTENSITY_UNIT, isrc, "computed"
                )
                for u, v in zip(table["unit_code"], table["co2_intensity"], strict=True)
            ]
    if gdp is None:
        skipped.append(
            (
                "carbon intensity: no GDP table (give --gdp)",
                "未提供地区生产总值表，未计算碳排放强度",
            )
        )
    return ComputedSeries(year, found, skipped)


def compute_series(engine: Engine, year: int, gdp: pd.DataFrame | None = None) -> ComputedSeries:
    """GEP and carbon series of ``year`` from the store (:func:`gep_series`,
    :func:`carbon_series`); refused when neither gives a value."""
    parts: Sequence[ComputedSeries] = (gep_series(engine, year), carbon_series(engine, year, gdp))
    observations = [o for p in parts for o in p.observations]
    skipped = [s for p in parts for s in p.skipped]
    if not observations:
        raise InputError(
            en=f"nothing to compute for {year}: {'; '.join(en for en, _ in skipped)}",
            zh=f"{year} 年没有可计算的序列：{'；'.join(zh for _, zh in skipped)}",
            field="year",
            values=[year],
        )
    return ComputedSeries(year, observations, skipped)
