"""The departure audit pack (领导干部自然资源资产离任审计): the figures of one county or city
at the start and the end of a leading cadre's tenure, from the stored accounts, with every
figure traced to the record it came from (docs/decisions/0037-departure-audit.md).

Which account stands for a date: an account of year Y is the state at the end of Y (the
year-end balance of a natural-resource balance sheet, 期末). The state at a date D is the
last year end on or before D: year D.year when D is 31 December, else D.year − 1. A tenure
from 2022-03-01 to 2024-12-31 is thus compared on the accounts of 2021 and 2024. Among the
accounts of that year holding the unit, the newest published one is used, else the newest
draft; never a withdrawn or superseded one (:func:`ganpo.store.lifecycle.preferred_account`).
Carbon inventories are chosen the same way (newest published, else newest draft, of the
year, holding the unit).

The pack holds:

- **assets**: area by level-1 ecosystem type (forest, shrub, grassland, wetland, cropland,
  built-up, water, bare land) at both dates, the sum of the account's extent rows of the
  unit (level-2 codes under their level-1 type), in m², 公顷 (m²/10⁴) and 平方千米 (m²/10⁶),
  and the change (end − start);
- **gep**: GEP by category (material, regulating, cultural) and in total at both dates, at
  the prices of its own year and restated to the prices of the end year by the deflator of
  the end account's profile (:func:`ganpo.engine.prices.restate_results`: every row
  × index[end]/index[price year]), with the change at comparable prices;
- **asset_values**: the monetary ecosystem asset account of the unit (the stock that
  SEEA EA values: NPV of the year's flows, at the same comparable prices), by level-1
  type at both dates;
- **stocks**: the physical forest stock, stand volume (林木蓄积量) by forest type and the
  living-biomass carbon it holds (:func:`ganpo.carbon.sinks.forest_carbon_stock`), at both
  dates from the approved forest-inventory reports: the inventory of the latest inventory
  year not after the date, read like an account as the state at the end of its year
  (:mod:`ganpo.apply.audit_stocks`), in m³ and t C;
- **carbon**: the unit's production-based emissions, LULUCF sinks and net emissions
  (:func:`ganpo.carbon.inventory.totals_g`) at both dates, in t CO2e;
- **settlements**: the compensation settlements of the tenure's years whose agreement names
  one of the unit's counties as a party (ledger of :func:`ganpo.store.applications.ledger_rows`);
- **indicators**: the unit's values of the decision's indicators (forest cover, GEP and
  its growth, carbon intensity …) in the years standing for both dates, from the stored
  series in force (:mod:`ganpo.store.tracking`: values computed from the accounts, reported
  through the monitoring forms or loaded), each with its source and status;
- **targets**: the targets of the unit (its adcode in the tracking file) whose period
  meets the tenure, graded in the end year by the required-growth method
  (:func:`ganpo.tracking.status.registry_status`) from the same stored series; a target
  without a value is listed as such;
- **violations**: the zoning violations of the unit's counties found in the tenure, as the
  register holds them in force (:mod:`ganpo.store.cases`: cases loaded from the
  enforcement departments' files);
- **damage**: the ecological damage cases touching the unit's counties that happened in
  the tenure, with their assessed losses (at the prices of the case's baseline account)
  and the compensation paid;
- **missing**: every figure the pack cannot give, with the reason (no account or inventory
  for a year, no stored value or target of the unit, an empty register of violations or
  damage cases, no forest inventory for a date, the water-resource and wetland stocks,
  which ganpo does not store);
- **sources**: the accounts, inventories, forest-inventory reports (submission and
  version) and settlement runs used, with their status.

Nothing is rendered here (:mod:`ganpo.report.audit_pack` writes the PDF and the workbook).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ganpo.apply.audit_stocks import ForestStocks, forest_stocks
from ganpo.apply.gepdata import account_deflator
from ganpo.carbon.inventory import totals_g
from ganpo.catalog.ecosystems import ecosystem_types, level1_code
from ganpo.engine.prices import restate_results
from ganpo.errors import InputError, preview
from ganpo.store.applications import get_rule_by_id, get_run, ledger_rows
from ganpo.store.carbon import list_inventories, load_inventory
from ganpo.store.lifecycle import preferred_account
from ganpo.store.models import CURRENT_STATUSES, Account, AccountUnit
from ganpo.store.repository import StoredAccount, list_accounts, load_account

Level = Literal["county", "city"]
Side = Literal["start", "end"]
SIDES: tuple[Side, Side] = ("start", "end")
SIDE_NAMES: dict[str, tuple[str, str]] = {
    "start": ("任期起始", "start of tenure"),
    "end": ("任期终止", "end of tenure"),
}
#: GEP categories in report order, with their names
CATEGORIES: dict[str, tuple[str, str]] = {
    "material": ("物质产品价值", "material products"),
    "regulating": ("调节服务价值", "regulating services"),
    "cultural": ("文化服务价值", "cultural services"),
    "total": ("生态产品总值（GEP）", "gross ecosystem product (GEP)"),
}
#: carbon totals of :func:`ganpo.carbon.inventory.totals_g`, with their names
CARBON_ITEMS: dict[str, tuple[str, str]] = {
    "production_g": ("排放总量（直接排放，不含土地利用变化和林业）", "gross direct emissions"),
    "lulucf_g": ("土地利用变化和林业（碳汇为负）", "land use change and forestry (sinks negative)"),
    "net_g": ("净排放量", "net emissions"),
}
GRAMS_PER_T = 1_000_000


@dataclass(frozen=True)
class Missing:
    """A figure (or section) the pack cannot give, and why, in both languages."""

    item: str  # assets_start, gep_end, carbon_start, damage, zoning, stocks, targets …
    zh: str
    en: str


@dataclass(frozen=True)
class Source:
    """A stored record the pack's figures come from."""

    kind: Literal["account", "inventory", "settlement", "damage_case", "forest_inventory"]
    id: int  # a forest inventory's id is its reporting submission's
    year: int
    status: str  # published, draft, approved (the record's status when the pack was made)
    role: str  # start, end, settlement
    synthetic: bool = False
    #: the submission's version (forest inventories only)
    version: int | None = None


@dataclass(frozen=True)
class AuditPack:
    """The figures of a departure audit (no rendering). Areas in m² (and ha, km²), values
    in CNY, carbon in t CO2e; NaN where a figure is missing (listed in :attr:`missing`)."""

    unit_code: int
    unit_name: str
    level: Level
    start: date
    end: date
    #: the account year standing for each date (the rule of the module docstring)
    years: dict[str, int]
    #: the year whose prices the GEP is restated to (None when no account was found)
    price_year: int | None
    deflator: str
    assets: pd.DataFrame
    gep: pd.DataFrame
    carbon: pd.DataFrame
    settlements: pd.DataFrame
    missing: list[Missing]
    sources: list[Source]
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: the unit's values of the decision's indicators at both dates, from the stored
    #: series (:data:`INDICATOR_COLUMNS`), each with its source
    indicators: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: the unit's targets whose period meets the tenure, graded in the end year
    #: (:data:`TARGET_COLUMNS`)
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: ecosystem asset value (the monetary stock: NPV of the year's flows) by level-1 type
    #: at both dates at the prices of ``price_year`` (:data:`ASSET_VALUE_COLUMNS`)
    asset_values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    npv_factor: float = float("nan")
    #: zoning violations of the unit found in the tenure (:data:`VIOLATION_COLUMNS`)
    violations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: damage cases touching the unit that happened in the tenure (:data:`DAMAGE_COLUMNS`)
    damage: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: forest stand volume [m³] and biomass carbon [t C] by forest type at both dates
    #: (:data:`ganpo.apply.audit_stocks.STOCK_COLUMNS`)
    stocks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())
    #: the forest-inventory years used for each date in :attr:`stocks` (a city's counties
    #: may have been inventoried in different years; empty: missing)
    stock_years: dict[str, list[int]] = field(default_factory=dict)
    #: the sink factor set converting volume to carbon
    sink_factors: str = ""

    @property
    def synthetic(self) -> bool:
        """Whether any record used holds synthetic data (合成数据)."""
        return any(s.synthetic for s in self.sources)

    def source_ids(self, kind: str) -> list[int]:
        return [s.id for s in self.sources if s.kind == kind]


def balance_year(day: date) -> int:
    """The account year standing for the state at ``day``: the last year end on or before it.

    >>> balance_year(date(2022, 3, 1)), balance_year(date(2022, 12, 31))
    (2021, 2022)
    """
    return day.year if (day.month, day.day) == (12, 31) else day.year - 1


# ----------------------------------------------------------------------------- the unit


def _registry_name(code: int) -> str:
    """The name of a county or city adcode in the district table ('' when not found)."""
    from ganpo.io.regions import read_district_table

    table = read_district_table()
    for col, name in (("district_adcode", "district_name"), ("city_adcode", "city_name")):
        hit = table[table[col] == code]
        if len(hit):
            return str(hit[name].iloc[0])
    return ""


def stored_units(engine: Engine) -> pd.DataFrame:
    """The counties and cities of the current stored accounts: ``code, name, level``."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                AccountUnit.county_adcode,
                AccountUnit.county_name,
                AccountUnit.city_adcode,
                AccountUnit.city_name,
            )
            .join(Account, Account.id == AccountUnit.account_id)
            .where(Account.status.in_(CURRENT_STATUSES))
            .distinct()
        ).all()
    counties = {(int(r[0]), str(r[1]), "county") for r in rows}
    cities = {(int(r[2]), str(r[3]), "city") for r in rows}
    return pd.DataFrame(sorted(counties | cities), columns=["code", "name", "level"])


def resolve_unit(engine: Engine, unit: int | str) -> tuple[int, str, Level]:
    """A county or city of the stored accounts, by adcode or by name (乐平市); anything
    else is an :class:`InputError` naming it and the units the accounts hold."""
    units = stored_units(engine)
    text = str(unit).strip()
    hit = units[units["code"] == int(text)] if text.isdigit() else units[units["name"] == text]
    if len(hit) > 1:
        found = ", ".join(f"{n} {c}" for c, n in zip(hit["code"], hit["name"], strict=True))
        raise InputError(
            en=f"unit {text} names several units of the accounts ({found}); give the adcode",
            zh=f"{text} 对应多个单位，请给出行政区划代码",
            field="unit",
            values=[text],
        )
    if len(hit) == 1:
        row = hit.iloc[0]
        return int(row["code"]), str(row["name"]), "city" if row["level"] == "city" else "county"
    name = _registry_name(int(text)) if text.isdigit() else text
    shown = f"{name} ({text})" if name and name != text else text
    held = preview(f"{n} {c}" for c, n in zip(units["code"], units["name"], strict=True))
    raise InputError(
        en=f"unit {shown} is in no current stored account; the accounts hold: {held or 'none'}. "
        "Give a county or city of an account (`ganpo account list`), or run the account first",
        zh=f"核算成果中没有 {shown}",
        field="unit",
        values=[text],
    )


# ----------------------------------------------------------------------------- accounts


def _counties_of(stored: StoredAccount, code: int, level: Level) -> set[int]:
    counties = stored.counties
    col = "city_adcode" if level == "city" else "county_adcode"
    return {int(c) for c in counties.loc[counties[col] == code, "county_adcode"]}


def _account_of_year(
    engine: Engine, rows: list[Account], year: int, code: int, level: Level
) -> StoredAccount | None:
    """The preferred current account of ``year`` that holds the unit, else None."""
    candidates = [r for r in rows if r.year == year and r.status in CURRENT_STATUSES]
    while candidates:
        chosen = preferred_account(candidates)
        if chosen is None:
            return None
        stored = load_account(engine, chosen.id)
        if _counties_of(stored, code, level):
            return stored
        candidates = [r for r in candidates if r.id != chosen.id]
    return None


def _asset_table(
    accounts: dict[str, StoredAccount | None], code: int, level: Level
) -> pd.DataFrame:
    """Area by level-1 ecosystem type at both dates (the sum of the unit's extent rows)."""
    types = [t for t in ecosystem_types() if t.code != 0]
    out = pd.DataFrame(
        {
            "ecosystem_code": [t.code for t in types],
            "name_zh": [t.name_zh for t in types],
            "name_en": [t.name_en for t in types],
        }
    )
    for side in SIDES:
        stored = accounts[side]
        if stored is None:
            out[f"{side}_m2"] = float("nan")
            continue
        extent = stored.extent
        extent = extent[extent["county_adcode"].isin(_counties_of(stored, code, level))]
        level1 = extent["ecosystem_code"].map(lambda c: level1_code(int(c)))
        by_type = extent["area_m2"].groupby(level1).sum()
        out[f"{side}_m2"] = out["ecosystem_code"].map(by_type).fillna(0.0).astype(float)
    present = (out["start_m2"].fillna(0) > 0) | (out["end_m2"].fillna(0) > 0)
    out = out[present].reset_index(drop=True)
    for side in SIDES:
        out[f"{side}_ha"] = out[f"{side}_m2"] / 1e4
        out[f"{side}_km2"] = out[f"{side}_m2"] / 1e6
    out["change_ha"] = out["end_ha"] - out["start_ha"]
    out["change_km2"] = out["end_km2"] - out["start_km2"]
    return out


def _gep_table(
    accounts: dict[str, StoredAccount | None],
    code: int,
    level: Level,
    price_year: int | None,
    missing: list[Missing],
) -> tuple[pd.DataFrame, str]:
    """GEP by category at both dates, at current prices and at ``price_year``'s prices (a
    price year the deflator does not cover leaves the comparable values missing)."""
    out = pd.DataFrame(
        {
            "category": list(CATEGORIES),
            "name_zh": [v[0] for v in CATEGORIES.values()],
            "name_en": [v[1] for v in CATEGORIES.values()],
        }
    )
    ref = accounts["end"] or accounts["start"]
    deflator = account_deflator(ref) if ref is not None else None
    for side in SIDES:
        stored = accounts[side]
        if stored is None or deflator is None or price_year is None:
            out[f"{side}_cny"] = float("nan")
            out[f"{side}_constant_cny"] = float("nan")
            continue
        res = stored.results
        res = res[res["county_adcode"].isin(_counties_of(stored, code, level))]
        year = int(stored.account.year)
        frames = {f"{side}_cny": res}
        try:
            frames[f"{side}_constant_cny"] = restate_results(
                res, stored.prices, year, deflator, price_year
            )
        except InputError as exc:
            out[f"{side}_constant_cny"] = float("nan")
            zh, en = SIDE_NAMES[side]
            missing.append(
                Missing(
                    f"gep_{side}_constant",
                    f"{zh}可比价生态产品总值：价格指数缺少所需年份，无法换算到 {price_year} 年价格",
                    f"GEP at the {en} at {price_year} prices: {exc}",
                )
            )
        for col, frame in frames.items():
            by_cat = frame.groupby("category")["value_cny"].sum()
            values = [float(by_cat.get(c, 0.0)) for c in ("material", "regulating", "cultural")]
            out[col] = [*values, sum(values)]
    out["change_cny"] = out["end_constant_cny"] - out["start_constant_cny"]
    base = out["start_constant_cny"]
    out["change_pct"] = out["change_cny"] / base.where(base != 0) * 100
    return out, deflator.name if deflator is not None else ""


#: the columns of :attr:`AuditPack.asset_values` (CNY at the pack's price year)
ASSET_VALUE_COLUMNS = [
    "ecosystem_code",
    "name_zh",
    "name_en",
    "start_asset_cny",
    "end_asset_cny",
    "change_cny",
]


def _asset_value_table(
    accounts: dict[str, StoredAccount | None],
    code: int,
    level: Level,
    price_year: int | None,
) -> tuple[pd.DataFrame, float]:
    r"""The monetary ecosystem asset account of the unit (SEEA EA, as `ganpo account seea`
    writes it): asset value = NPV of the year's flows at the pack's comparable prices,
    :math:`V = F\sum_{t=1}^{n} (1+r)^{-(t-1)}` with the register's default r and n
    (:data:`ganpo.apply.vep.DEFAULT_DISCOUNT_RATE`, ``DEFAULT_HORIZON_YEARS``), by level-1
    ecosystem type (rows not attributed to a type, such as material products reported
    per county, under code 0); with the NPV factor used."""
    from ganpo.apply.vep import DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_YEARS
    from ganpo.services.asset import npv_factor

    factor = npv_factor(DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_YEARS)
    ref = accounts["end"] or accounts["start"]
    deflator = account_deflator(ref) if ref is not None else None
    names = {t.code: (t.name_zh, t.name_en) for t in ecosystem_types()}
    names[0] = ("未按生态系统类型划分", "not by ecosystem type")
    sums: dict[str, pd.Series] = {}
    for side in SIDES:
        stored = accounts[side]
        if stored is None or deflator is None or price_year is None:
            continue
        res = stored.results
        res = res[res["county_adcode"].isin(_counties_of(stored, code, level))]
        try:
            res = restate_results(
                res, stored.prices, int(stored.account.year), deflator, price_year
            )
        except InputError:  # said by the GEP table's missing entry
            continue
        level1 = res["ecosystem_code"].map(lambda c: level1_code(int(c)) if int(c) else 0)
        sums[side] = res["value_cny"].groupby(level1).sum() * factor
    codes = sorted(set().union(*(set(v.index) for v in sums.values())) if sums else set())
    out = pd.DataFrame(
        {
            "ecosystem_code": codes,
            "name_zh": [names.get(int(c), (str(c), str(c)))[0] for c in codes],
            "name_en": [names.get(int(c), (str(c), str(c)))[1] for c in codes],
        }
    )
    for side in SIDES:
        col = f"{side}_asset_cny"
        out[col] = (
            out["ecosystem_code"].map(sums[side]).fillna(0.0).astype(float)
            if side in sums
            else float("nan")
        )
    out["change_cny"] = out["end_asset_cny"] - out["start_asset_cny"]
    return out[ASSET_VALUE_COLUMNS], factor


# ----------------------------------------------------------------------------- carbon


def _inventory_of_year(
    engine: Engine, year: int, units: set[int]
) -> tuple[int, str, bool, pd.DataFrame] | None:
    """The preferred inventory of ``year`` holding one of ``units``: id, status,
    synthetic, its rows of those units."""
    heads = [h for h in list_inventories(engine) if h.year == year]
    heads.sort(key=lambda h: (h.status == "published", h.id), reverse=True)
    for h in heads:
        stored = load_inventory(engine, h.id)
        rows = stored.rows[stored.rows["unit_code"].isin(units)]
        if len(rows):
            return h.id, h.status, bool(h.synthetic), rows
    return None


def _carbon_table(
    engine: Engine, years: dict[str, int], code: int, missing: list[Missing]
) -> tuple[pd.DataFrame, list[Source]]:
    out = pd.DataFrame(
        {
            "item": list(CARBON_ITEMS),
            "name_zh": [v[0] for v in CARBON_ITEMS.values()],
            "name_en": [v[1] for v in CARBON_ITEMS.values()],
        }
    )
    sources = []
    for side in SIDES:
        found = _inventory_of_year(engine, years[side], {code})
        if found is None:
            out[f"{side}_t"] = float("nan")
            zh, en = SIDE_NAMES[side]
            missing.append(
                Missing(
                    f"carbon_{side}",
                    f"{zh}碳排放：库中没有 {years[side]} 年包含本单位的温室气体清单",
                    f"carbon at the {en}: no stored greenhouse-gas inventory of "
                    f"{years[side]} holds the unit",
                )
            )
            continue
        iid, status, synthetic, rows = found
        totals = totals_g(rows).set_index("unit_code").to_dict("index")[code]
        out[f"{side}_t"] = [int(totals[k]) / GRAMS_PER_T for k in CARBON_ITEMS]
        sources.append(Source("inventory", iid, years[side], status, side, synthetic))
    out["change_t"] = out["end_t"] - out["start_t"]
    return out, sources


# ----------------------------------------------------------------------------- stocks


def _stock_table(
    engine: Engine,
    years: dict[str, int],
    code: int,
    level: Level,
    counties: set[int],
    work_dir: Path | None,
    sink_factors: str,
    missing: list[Missing],
    notes: list[tuple[str, str]],
) -> tuple[ForestStocks, list[Source]]:
    """The forest stock at both dates (:func:`ganpo.apply.audit_stocks.forest_stocks`):
    its gaps go to ``missing``, its notes to ``notes``, each inventory used is a source."""
    found = forest_stocks(
        engine, years, code, level, counties, work_dir=work_dir, factor_set=sink_factors
    )
    missing += [Missing(g.item, g.zh, g.en) for g in found.gaps]
    notes += found.notes
    sources = [
        Source("forest_inventory", u.submission_id, u.year, "approved", side, version=u.version)
        for side in SIDES
        for u in sorted(found.used[side], key=lambda u: u.year)
    ]
    return found, sources


# ----------------------------------------------------------------------------- settlements

#: a settlement's columns: the ledger's, the unit's party (upstream, downstream) and the
#: agreement's title and the payer's and payee's names in both languages (from the stored
#: rule; the ledger keeps the payer and payee as one bilingual label)
SETTLEMENT_COLUMNS = [
    "run_id",
    "agreement",
    "title_zh",
    "title_en",
    "year",
    "party",
    "payer",
    "payer_zh",
    "payer_en",
    "payee",
    "payee_zh",
    "payee_en",
    "amount_cny",
    "in_force",
]


def _party_names(body: dict[str, Any], label: str) -> tuple[str, str]:
    """The zh and en names of the party whose ledger label is ``label``."""
    for side in ("upstream", "downstream"):
        party = body.get(side, {})
        zh, en = str(party.get("name_zh", "")), str(party.get("name_en", ""))
        if label == f"{zh} {en}":
            return zh, en
    return label, label


def _settlements(
    engine: Engine, counties: set[int], start: date, end: date
) -> tuple[pd.DataFrame, list[Source], int]:
    """Settlements of the tenure's calendar years whose agreement names one of
    ``counties`` as a party; also the number of settlements of those years whose
    agreement names no county (not attributable to a unit)."""
    rows, sources, unattributed = [], [], 0
    for s in ledger_rows(engine):
        if not start.year <= int(s["year"]) <= end.year:
            continue
        body = get_rule_by_id(engine, get_run(engine, int(s["run_id"])).rule_id).body
        up = {int(c) for c in body.get("upstream", {}).get("counties", [])}
        down = {int(c) for c in body.get("downstream", {}).get("counties", [])}
        if not up and not down:
            unattributed += 1
            continue
        party = "upstream" if up & counties else "downstream" if down & counties else ""
        if not party:
            continue
        payer, payee = _party_names(body, s["payer"]), _party_names(body, s["payee"])
        rows.append(
            {
                **s,
                "party": party,
                "title_zh": str(body.get("title_zh", s["agreement"])),
                "title_en": str(body.get("title_en", s["agreement"])),
                "payer_zh": payer[0],
                "payer_en": payer[1],
                "payee_zh": payee[0],
                "payee_en": payee[1],
            }
        )
        sources.append(
            Source("settlement", int(s["run_id"]), int(s["year"]), "stored", "settlement")
        )
    return pd.DataFrame(rows, columns=SETTLEMENT_COLUMNS), sources, unattributed


# ----------------------------------------------------------------------------- targets

#: the columns of :attr:`AuditPack.indicators` (values in the indicator's unit)
INDICATOR_COLUMNS = [
    "indicator",
    "name_zh",
    "name_en",
    "unit_zh",
    "unit_en",
    "start_value",
    "end_value",
    "change",
    "start_source",
    "end_source",
    "start_status",
    "end_status",
]
#: the columns of :attr:`AuditPack.targets`
TARGET_COLUMNS = [
    "target",
    "indicator",
    "name_zh",
    "name_en",
    "first_year",
    "last_year",
    "kind",
    "target_value",
    "unit_zh",
    "unit_en",
    "year",
    "actual",
    "status",
    "status_zh",
    "status_en",
    "reason_zh",
    "reason_en",
    "target_status",
    "target_source",
    "source",
]


def _tracking(
    engine: Engine,
    code: int,
    years: dict[str, int],
    start: date,
    end: date,
    targets_file: Path | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[Missing]]:
    """The unit's indicator values at both dates from the stored series in force (never
    the tracking file's own observations), and its targets whose period meets the
    tenure, graded in the end year by the required-growth method."""
    from ganpo.store.tracking import observations_in_force
    from ganpo.tracking.decision import register
    from ganpo.tracking.progress import observed_in
    from ganpo.tracking.status import REASON_NAMES, STATUS_NAMES, registry_status
    from ganpo.tracking.stored import use_series

    registry = register(targets_file)
    use_series(registry, observations_in_force(engine))
    missing: list[Missing] = []
    rows = []
    for key, ind in registry.indicators.items():
        series = registry.series(key, code)
        at = {side: series.get(years[side]) for side in SIDES}
        if not any(at.values()):
            continue
        row: dict[str, Any] = {
            "indicator": key,
            "name_zh": ind.name_zh,
            "name_en": ind.name_en,
            "unit_zh": ind.unit_in("zh"),
            "unit_en": ind.unit_in("en"),
        }
        for side in SIDES:
            ob = at[side]
            value = (
                observed_in({0: ob.value}, ob.unit, ind, what=f"indicator {key!r}")[0]
                if ob is not None
                else float("nan")
            )
            row |= {
                f"{side}_value": value,
                f"{side}_source": ob.source if ob is not None else "",
                f"{side}_status": ob.status if ob is not None else "",
            }
        row["change"] = row["end_value"] - row["start_value"]
        rows.append(row)
    indicators = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    if indicators.empty:
        missing.append(
            Missing(
                "series",
                f"目标监测指标：已入库的监测序列中没有本单位 {years['start']} 年或 {years['end']} "
                "年的数值（`ganpo tracking series compute | reported | load`）",
                f"monitoring indicators: the stored series hold no value of the unit for "
                f"{years['start']} or {years['end']}",
            )
        )
    keys = [
        k
        for k, tg in registry.targets.items()
        if tg.unit_code == code
        and tg.status != "withdrawn"
        and not tg.cumulative
        and tg.first_year <= end.year
        and tg.last_year >= start.year
    ]
    graded = registry_status(registry, year=years["end"], targets=keys)
    found = {a.target: a for a in graded.assessments}
    trows = []
    for k in keys:
        tg = registry.targets[k]
        ind = registry.indicator(tg.indicator)
        a = found.get(k)
        status = a.status if a is not None else "no_data"
        zh, en = STATUS_NAMES.get(status, ("无观测数据", "no observed value"))
        rzh, ren = REASON_NAMES[a.reason] if a is not None else ("", "")
        trows.append(
            {
                "target": k,
                "indicator": tg.indicator,
                "name_zh": ind.name_zh,
                "name_en": ind.name_en,
                "first_year": tg.first_year,
                "last_year": tg.last_year,
                "kind": tg.kind,
                "target_value": a.target_value if a is not None else float("nan"),
                "unit_zh": ind.unit_in("zh"),
                "unit_en": ind.unit_in("en"),
                "year": a.year if a is not None else years["end"],
                "actual": a.actual if a is not None else float("nan"),
                "status": status,
                "status_zh": zh,
                "status_en": en,
                "reason_zh": rzh,
                "reason_en": ren,
                "target_status": tg.status,
                "target_source": tg.source,
                "source": a.source if a is not None else "",
            }
        )
    targets = pd.DataFrame(trows, columns=TARGET_COLUMNS)
    if not keys:
        missing.append(
            Missing(
                "targets",
                "目标完成情况：目标登记册中没有分解到本单位、期限与任期重叠的目标",
                "targets met or missed: the target registry holds no target of the unit whose "
                "period meets the tenure",
            )
        )
    for k in graded.without_data:
        missing.append(
            Missing(
                f"target_{k}",
                f"目标“{k}”：监测序列中没有 {years['end']} 年或此前的观测值，无法判定完成情况",
                f"target {k}: the stored series hold no value of {years['end']} or before; "
                "its status cannot be graded",
            )
        )
    return indicators, targets, missing


# ----------------------------------------------------------------------------- the pack

#: what ganpo does not store, so the pack can never give it (as of this brick)
NOT_STORED: tuple[Missing, ...] = (
    Missing(
        "stocks",
        "水资源量（地表水、地下水资源量）和湿地实物存量（湿地蓄水量、泥炭等）：平台不存储这些"
        "实物存量，本资料只列示其面积和生态系统资产价值（流量的净现值）；林木蓄积量见森林资源"
        "清查",
        "water resources (surface and groundwater quantity) and wetland stocks (water held, "
        "peat): the platform stores none of these physical stocks; the pack gives their areas "
        "and the ecosystem asset value (the NPV of the flows); forest stand volume comes from "
        "the forest inventories",
    ),
)

# ----------------------------------------------------------------------------- cases

#: the columns of :attr:`AuditPack.violations`
VIOLATION_COLUMNS = [
    "case_no",
    "county_adcode",
    "unit_code",
    "found_on",
    "kind",
    "kind_zh",
    "kind_en",
    "description",
    "penalty_cny",
    "status",
    "status_zh",
    "status_en",
    "closed_on",
    "source",
    "synthetic",
]
#: the columns of :attr:`AuditPack.damage` (CNY at the prices of the case's baseline)
DAMAGE_COLUMNS = [
    "case_id",
    "case_no",
    "title",
    "damage_date",
    "county_adcode",
    "price_year",
    "area_m2",
    "interim_cny",
    "permanent_cny",
    "total_cny",
    "paid_cny",
    "synthetic",
]


def _violations(
    engine: Engine, counties: set[int], start: date, end: date
) -> tuple[pd.DataFrame, list[Missing], list[tuple[str, str]]]:
    """The violations in force of ``counties`` found in the tenure (start to end
    inclusive); an empty register is said, a register without the unit's cases noted."""
    from ganpo.store.cases import violations_in_force
    from ganpo.store.cases_models import VIOLATION_KINDS, VIOLATION_STATUSES

    every = violations_in_force(engine)
    found = [v for v in every if v.county_adcode in counties and start <= v.found_on <= end]
    frame = pd.DataFrame(
        [
            {
                "case_no": v.case_no,
                "county_adcode": v.county_adcode,
                "unit_code": v.unit_code,
                "found_on": v.found_on,
                "kind": v.kind,
                "kind_zh": VIOLATION_KINDS[v.kind][0],
                "kind_en": VIOLATION_KINDS[v.kind][1],
                "description": v.description,
                "penalty_cny": v.penalty_cny,
                "status": v.status,
                "status_zh": VIOLATION_STATUSES[v.status][0],
                "status_en": VIOLATION_STATUSES[v.status][1],
                "closed_on": v.closed_on,
                "source": v.source,
                "synthetic": v.synthetic,
            }
            for v in found
        ],
        columns=VIOLATION_COLUMNS,
    )
    if not every:
        return (
            frame,
            [
                Missing(
                    "zoning",
                    "违反生态环境分区管控要求的案件：违规案件登记册为空，无法说明任期内有无违规"
                    "（执法部门的案件经 `ganpo zoning violations load` 入库）",
                    "zoning violations: the register of violations is empty, so the pack cannot "
                    "say whether any occurred in the tenure",
                )
            ],
            [],
        )
    notes = []
    if frame.empty:
        notes.append(
            (
                f"违规案件登记册共 {len(every)} 件，其中没有本单位在任期内发现的案件",
                f"the register holds {len(every)} violation case(s), none of the unit found "
                "in the tenure",
            )
        )
    return frame, [], notes


def _damage_cases(
    engine: Engine, counties: set[int], start: date, end: date
) -> tuple[pd.DataFrame, list[Source], list[Missing]]:
    """The damage cases touching ``counties`` that happened in the tenure, with the
    compensation paid for them (all payments, whenever made)."""
    from ganpo.store.cases import list_damage_cases

    every = list_damage_cases(engine)
    wanted = set(counties)
    found = [
        c
        for c in every
        if start <= c.damage_date <= end
        and ({int(x["county_adcode"]) for x in c.counties} | {c.county_adcode}) & wanted
    ]
    frame = pd.DataFrame(
        [
            {
                "case_id": c.id,
                "case_no": c.case_no,
                "title": c.title,
                "damage_date": c.damage_date,
                "county_adcode": c.county_adcode,
                "price_year": c.price_year,
                "area_m2": c.area_m2,
                "interim_cny": c.interim_cny,
                "permanent_cny": c.permanent_cny,
                "total_cny": c.total_cny,
                "paid_cny": c.paid_cny,
                "synthetic": c.synthetic,
            }
            for c in found
        ],
        columns=DAMAGE_COLUMNS,
    )
    sources = [
        Source("damage_case", c.id, c.damage_date.year, "stored", "damage", c.synthetic)
        for c in found
    ]
    missing = (
        []
        if every
        else [
            Missing(
                "damage",
                "生态环境损害案件：损害案件登记为空，无法说明任期内有无损害（损害评估经 "
                "`ganpo apply damage --case-no` 入库）",
                "ecological damage cases: no damage case is stored, so the pack cannot say "
                "whether any occurred in the tenure",
            )
        ]
    )
    return frame, sources, missing


def departure_audit(
    engine: Engine,
    unit: int | str,
    start: date,
    end: date,
    *,
    targets_file: Path | None = None,
    work_dir: Path | None = None,
    sink_factors: str = "cn-forestry",
) -> AuditPack:
    """The departure audit pack of a county or city (adcode or name) for the tenure from
    ``start`` to ``end``. Figures the store cannot give are listed in ``missing``, never
    invented; a unit in no stored account, or an end not after the start, is refused.
    ``targets_file``: the tracking file whose targets are graded (default: the shipped
    Jiangxi decision). ``work_dir``: the platform's work folder, which holds the approved
    forest-inventory reports' files (None: the forest stock is missing when any is
    approved). ``sink_factors``: the sink factor set converting stand volume to carbon."""
    if end <= start:
        raise InputError(
            en=f"the tenure ends ({end.isoformat()}) before or on its start ({start.isoformat()}); "
            "give --end after --start",
            zh="任期终止日期须晚于起始日期",
            field="end",
            values=[end.isoformat()],
        )
    code, name, level = resolve_unit(engine, unit)
    years = {"start": balance_year(start), "end": balance_year(end)}
    rows = list_accounts(engine)
    stored_years = sorted({r.year for r in rows if r.status in CURRENT_STATUSES})
    missing: list[Missing] = []
    sources: list[Source] = []
    notes: list[tuple[str, str]] = []
    accounts: dict[str, StoredAccount | None] = {}
    for side in SIDES:
        found = _account_of_year(engine, rows, years[side], code, level)
        accounts[side] = found
        zh, en = SIDE_NAMES[side]
        if found is None:
            held = ", ".join(map(str, stored_years)) or "none"
            for what, what_zh, what_en in (
                ("assets", "自然资源资产面积", "natural-resource areas"),
                ("gep", "生态产品总值", "GEP"),
            ):
                missing.append(
                    Missing(
                        f"{what}_{side}",
                        f"{zh}{what_zh}：库中没有 {years[side]} 年包含本单位的现行核算"
                        f"（已有年份：{held}）",
                        f"{what_en} at the {en}: no current stored account of {years[side]} "
                        f"holds the unit (stored years: {held})",
                    )
                )
            continue
        a = found.account
        sources.append(Source("account", a.id, a.year, a.status, side, bool(a.synthetic)))
    if years["start"] == years["end"]:
        notes.append(
            (
                f"任期内没有跨越年末，起止两个时点均采用 {years['end']} 年核算，变化为零",
                f"the tenure spans no year end: both dates use the account of {years['end']}, "
                "so the change is zero",
            )
        )
    price_year = None
    if accounts["end"] is not None:
        price_year = int(accounts["end"].account.year)
    elif accounts["start"] is not None:
        price_year = int(accounts["start"].account.year)
        notes.append(
            (
                f"缺少任期终止时点核算，GEP 按 {price_year} 年价格列示",
                f"no account at the end of tenure: GEP is at {price_year} prices",
            )
        )
    assets = _asset_table(accounts, code, level)
    gep, deflator = _gep_table(accounts, code, level, price_year, missing)
    asset_values, npv = _asset_value_table(accounts, code, level, price_year)
    carbon, inv_sources = _carbon_table(engine, years, code, missing)
    counties: set[int] = set()
    for stored in accounts.values():
        if stored is not None:
            counties |= _counties_of(stored, code, level)
    if not counties and level == "county":
        counties = {code}
    settlements, run_sources, unattributed = _settlements(engine, counties, start, end)
    if unattributed:
        notes.append(
            (
                f"任期内另有 {unattributed} 笔生态补偿结算的协议未列明县级单位，无法归属本单位",
                f"{unattributed} more settlement(s) of the tenure's years belong to agreements "
                "that name no county and cannot be attributed to the unit",
            )
        )
    indicators, targets, gaps = _tracking(engine, code, years, start, end, targets_file)
    missing += gaps
    violations, gaps, vnotes = _violations(engine, counties, start, end)
    missing += gaps
    notes += vnotes
    damage, damage_sources, gaps = _damage_cases(engine, counties, start, end)
    missing += gaps
    stocks, stock_sources = _stock_table(
        engine, years, code, level, counties, work_dir, sink_factors, missing, notes
    )
    missing += list(NOT_STORED)
    return AuditPack(
        unit_code=code,
        unit_name=name,
        level=level,
        start=start,
        end=end,
        years=years,
        price_year=price_year,
        deflator=deflator,
        assets=assets,
        gep=gep,
        carbon=carbon,
        settlements=settlements,
        missing=missing,
        sources=sources + inv_sources + stock_sources + run_sources + damage_sources,
        notes=notes,
        indicators=indicators,
        targets=targets,
        violations=violations,
        damage=damage,
        asset_values=asset_values,
        npv_factor=npv,
        stocks=stocks.table,
        stock_years={side: sorted({u.year for u in stocks.used[side]}) for side in SIDES},
        sink_factors=sink_factors,
    )
