"""Carbon API: stored greenhouse-gas inventories, their sinks and the dual-control progress,
read within the caller's scope exactly as the GEP accounts are (:mod:`.accounts`).

* An inventory is visible when the caller sees at least one county of its region
  (:meth:`ganpo.web.auth.Principal.visible_counties`); otherwise it answers 404, as if it
  did not exist. A draft is visible only to the roles that prepare and check inventories
  (admin, office, reviewer); viewers and reporters see published inventories only.
* Every table keeps only the units the caller may see (:meth:`Principal.can_see`): a county
  viewer sees its county, not its city or the province; ``adcode`` outside the scope is 404.
* Figures come from :func:`ganpo.carbon.inventory.summary` (万t CO2e with the IPCC
  Approach 1 uncertainty), the inventory's rows of categories 3.B (LULUCF sinks; negative
  = removal) and :func:`ganpo.carbon.dual_control_link.dual_control_progress`.
* Dual-control targets: the tracking file of the setting ``carbon_targets``
  (``GANPO_CARBON_TARGETS``), else, for synthetic inventories only, the shipped synthetic
  demo targets. GDP: the file of ``carbon_gdp`` (``GANPO_CARBON_GDP``), else the ``gdp``
  table of the carbon demo dataset when the inventories were computed from it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from ganpo.errors import InputError, pattern_in_words
from ganpo.store.carbon import StoredInventory, list_inventories, load_inventory
from ganpo.store.carbon_models import INVENTORY_STATUSES, CarbonInventory
from ganpo.web.auth import (
    ALL_SEEING,
    CurrentPrincipal,
    Principal,
    hierarchy,
    require_roles,
    store,
)
from ganpo.web.seed import carbon_demo_folder

if TYPE_CHECKING:
    import pandas as pd

    from ganpo.tracking.registry import Registry

router = APIRouter()

#: roles that see draft inventories (those who prepare and check them)
SEES_DRAFTS = ALL_SEEING
LEVEL_ORDER = ("province", "city", "county")
UNIT_ZH = "万吨二氧化碳当量"
UNIT_EN = "10⁴ t CO₂e"
SINK_PREFIX = "3.B"
_G_PER_WAN_T = 1e10
Level = Literal["province", "city", "county"]
#: the platform's store, as a parameter annotation
Store = Annotated[Engine, Depends(store)]
InventoryId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="inventory id / 清单编号")]
Adcode = Annotated[
    int | None,
    Query(
        ge=0,
        le=999_999_999_999,
        description="only the units within this unit; default: your whole scope / 行政区代码",
    ),
]


# ------------------------------------------------------------------------------ models


class InventoryOut(BaseModel):
    id: int
    year: int
    region_adcode: int
    region_zh: str
    region_en: str
    levels: list[str] = Field(description="levels with figures / 可查看的层级")
    gwp_set: str = Field(description="GWP-100 values (AR4, AR5, AR6) / 全球增温潜势版本")
    dataset_title_zh: str
    dataset_title_en: str
    synthetic: bool = Field(description="computed from synthetic data / 合成数据")
    status: Literal["draft", "published"]
    status_zh: str
    status_en: str
    created_at: str


class CategoryValue(BaseModel):
    category_code: str = Field(description="IPCC 2006 category, or a total / 排放源类别")
    name_zh: str
    name_en: str
    co2e_10k_t: float = Field(description="万t CO2e (negative: removal) / 万吨二氧化碳当量")
    u_pct: float | None = Field(default=None, description="uncertainty, ±% (95 %) / 不确定性")


class UnitInventory(BaseModel):
    adcode: int
    name_zh: str
    name_en: str
    parent: int | None
    categories: list[CategoryValue]
    totals: list[CategoryValue] = Field(description="production-, consumption-based … / 总量")


class InventorySummary(BaseModel):
    inventory: InventoryOut
    level: str
    unit_zh: str
    unit_en: str
    units: list[UnitInventory]


class SinkUnit(BaseModel):
    adcode: int
    name_zh: str
    name_en: str
    parent: int | None
    categories: list[CategoryValue]
    total_10k_t: float = Field(description="net of the sink categories, 万t CO2e / 合计")


class SinksOut(BaseModel):
    inventory: InventoryOut
    level: str
    unit_zh: str
    unit_en: str
    categories: list[CategoryValue] = Field(description="sum over the units shown / 合计")
    units: list[SinkUnit]
    note_zh: str
    note_en: str


class ProgressRecord(BaseModel):
    unit_code: int
    name_zh: str
    name_en: str
    year: int
    co2_total_10k_t: float | None = Field(description="production-based total, 万t CO2")
    gdp_100m_yuan: float | None = Field(description="GDP at constant prices, 亿元")
    co2_intensity_t_per_10k_yuan: float | None = Field(description="t CO2 / 万元")
    target: str = Field(description="the target's key in the targets file / 目标")
    indicator_zh: str
    indicator_en: str
    target_value: float | None
    target_unit_zh: str
    target_unit_en: str
    period: str
    time_elapsed_pct: float | None = Field(description="time progress / 时间进度")
    task_achieved_pct: float | None = Field(description="task progress / 任务进度")
    achieved_rate_pct: float | None
    required_rate_pct: float | None
    status: Literal["on_track", "behind", "met", "missed"]
    status_zh: str
    status_en: str
    warning_level_zh: str
    warning_level_en: str
    warning_zh: str
    warning_en: str


class WarningOut(BaseModel):
    unit_code: int
    name_zh: str
    name_en: str
    year: int
    level: str = Field(description="warning level key / 预警等级")
    level_zh: str
    level_en: str
    target: str | None
    message_zh: str
    message_en: str


class ProgressOut(BaseModel):
    inventories: list[int]
    years: list[int]
    level: str
    gwp_set: str
    price_year: int | None = Field(description="GDP at the constant prices of / 不变价年份")
    synthetic: bool
    targets_title_zh: str
    targets_title_en: str
    targets_synthetic: bool = Field(description="the shipped synthetic demo targets / 示范目标")
    records: list[ProgressRecord]
    warnings: list[WarningOut]
    note_zh: str
    note_en: str


# ----------------------------------------------------------------------------- helpers


def _no_inventory(inventory_id: int) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no carbon inventory {inventory_id} / 清单不存在"
    )


def _no_region(adcode: int) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no region {adcode} in your scope / 无权查看该行政区"
    )


def may_see(principal: Principal, head: CarbonInventory) -> bool:
    """Whether the caller may read an inventory: a draft only for :data:`SEES_DRAFTS`, and
    at least one county of its region in the caller's scope."""
    if head.status != "published" and principal.role not in SEES_DRAFTS:
        return False
    if principal.sees_all:
        return True
    counties = hierarchy().counties_of.get(int(head.region_adcode), frozenset())
    return bool(counties & principal.visible_counties())


def _visible_heads(engine: Engine, principal: Principal) -> list[CarbonInventory]:
    return [h for h in list_inventories(engine) if may_see(principal, h)]


def _head(engine: Engine, principal: Principal, inventory_id: int) -> CarbonInventory:
    found = next((h for h in list_inventories(engine) if h.id == inventory_id), None)
    if found is None or not may_see(principal, found):
        raise _no_inventory(inventory_id)
    return found


def _names(adcode: int) -> tuple[str, str]:
    h = hierarchy()
    return h.name(adcode, "zh"), h.name(adcode, "en")


def _levels(head: CarbonInventory) -> list[str]:
    top = hierarchy().level.get(int(head.region_adcode), "province")
    finest = head.level if head.level in LEVEL_ORDER else "county"
    lo, hi = LEVEL_ORDER.index(top), LEVEL_ORDER.index(finest)
    return list(LEVEL_ORDER[lo : hi + 1])


def inventory_out(head: CarbonInventory) -> InventoryOut:
    zh, _, en = INVENTORY_STATUSES.get(head.status, head.status).partition(" ")
    region_zh, region_en = _names(int(head.region_adcode))
    created = head.created_at
    return InventoryOut(
        id=head.id,
        year=head.year,
        region_adcode=int(head.region_adcode),
        region_zh=region_zh,
        region_en=region_en,
        levels=_levels(head),
        gwp_set=head.gwp_set,
        dataset_title_zh=head.dataset_title_zh,
        dataset_title_en=head.dataset_title_en,
        synthetic=bool(head.synthetic),
        status="published" if head.status == "published" else "draft",
        status_zh=zh,
        status_en=en or head.status,
        created_at=created.isoformat() if created is not None else "",
    )


@lru_cache(maxsize=16)
def _stored(engine: Engine, inventory_id: int) -> StoredInventory:
    """A stored inventory's tables (figures never change once stored; ids are not reused)."""
    return load_inventory(engine, inventory_id)


@lru_cache(maxsize=32)
def _summary(engine: Engine, inventory_id: int, level: str, units: frozenset[int]) -> pd.DataFrame:
    """:func:`ganpo.carbon.inventory.summary` of ``units`` (of ``level``) only: each unit's
    figures depend on its own rows alone, so a county viewer's answer costs one county's
    work (the whole province's 100 counties take seconds)."""
    from ganpo.carbon.inventory import summary

    s = _stored(engine, inventory_id)
    rows = s.rows[s.rows["unit_code"].isin(units)]
    return summary(rows, s.uncertainty, int(s.header.region_adcode), level)


def _units_in(principal: Principal, adcode: int | None) -> frozenset[int] | None:
    """The counties within ``adcode`` (404 if unknown or outside the scope), None: all."""
    if adcode is None:
        return None
    if adcode not in hierarchy().level or not principal.can_see(adcode):
        raise _no_region(adcode)
    return hierarchy().counties_of.get(int(adcode), frozenset())


def _shown(principal: Principal, code: int, inside: frozenset[int] | None) -> bool:
    if not principal.can_see(code):
        return False
    if inside is None:
        return True
    return bool(hierarchy().counties_of.get(code, frozenset()) & inside)


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def _category_names(code: str) -> tuple[str, str]:
    from ganpo.carbon.inventory import category_names
    from ganpo.errors import UnknownNameError

    try:
        return category_names(code)
    except UnknownNameError:
        return code, code


def _check_level(head: CarbonInventory, level: str) -> None:
    if level not in _levels(head):
        raise InputError(
            en=f"inventory {head.id} has no figures at level {level}; its levels: "
            f"{', '.join(_levels(head))}",
            zh="清单中没有该层级的数据",
            field="level",
            values=[level],
        )


# ------------------------------------------------------------------------------ routes


@router.get(
    "/inventories",
    response_model=list[InventoryOut],
    summary="Stored greenhouse-gas inventories / 温室气体清单列表",
)
def inventories(principal: CurrentPrincipal, engine: Store) -> list[InventoryOut]:
    """The inventories the caller may read (drafts for the accounting office, reviewers
    and administrators only), newest year first. 可查看的温室气体清单（草稿仅核算办公室、
    审核员、管理员可见）。"""
    heads = sorted(_visible_heads(engine, principal), key=lambda h: (-h.year, -h.id))
    return [inventory_out(h) for h in heads]


@router.get(
    "/inventories/{inventory_id}/summary",
    response_model=InventorySummary,
    summary="Inventory by unit and category / 分单位、分类别清单",
)
def inventory_summary(
    inventory_id: InventoryId,
    principal: CurrentPrincipal,
    engine: Store,
    level: Level = "county",
    adcode: Adcode = None,
) -> InventorySummary:
    """Emissions by IPCC category of every unit of ``level`` the caller may see, in 万t
    CO2e with their uncertainty (IPCC 2006 Approach 1), and each unit's totals
    (production-based, consumption-based …). With ``adcode``, the units within that unit
    only (404 when it is unknown or outside the caller's scope).
    各单位分类别排放（万吨二氧化碳当量）及不确定性、总量。"""
    head = _head(engine, principal, inventory_id)
    _check_level(head, level)
    inside = _units_in(principal, adcode)
    rows = _stored(engine, inventory_id).rows
    shown = frozenset(
        u
        for u in map(int, rows.loc[rows["level"] == level, "unit_code"].unique())
        if _shown(principal, u, inside)
    )
    units: list[UnitInventory] = []
    table = _summary(engine, inventory_id, level, shown) if shown else None
    for code, g in table.groupby("unit_code", sort=True) if table is not None else []:
        unit = int(str(code))
        cats: list[CategoryValue] = []
        totals: list[CategoryValue] = []
        for r in g.to_dict("records"):
            key = str(r["category_code"])
            value = CategoryValue(
                category_code=key,
                name_zh=str(r["category_zh"]),
                name_en=str(r["category_en"]),
                co2e_10k_t=float(r["co2e_10k_t"]),
                u_pct=_num(r["u_pct"]),
            )
            (totals if key.startswith("total") else cats).append(value)
        zh, en = _names(unit)
        units.append(
            UnitInventory(
                adcode=unit,
                name_zh=zh,
                name_en=en,
                parent=hierarchy().parent.get(unit),
                categories=cats,
                totals=totals,
            )
        )
    return InventorySummary(
        inventory=inventory_out(head), level=level, unit_zh=UNIT_ZH, unit_en=UNIT_EN, units=units
    )


@router.get(
    "/inventories/{inventory_id}/sinks",
    response_model=SinksOut,
    summary="Carbon sinks by unit / 分单位碳汇",
)
def inventory_sinks(
    inventory_id: InventoryId,
    principal: CurrentPrincipal,
    engine: Store,
    level: Level = "county",
    adcode: Adcode = None,
) -> SinksOut:
    """The inventory's rows of the LULUCF categories (IPCC 2006 3.B: forest land, cropland,
    grassland, wetland …) per unit of ``level`` the caller may see, in 万t CO2e: negative
    values are removals (sinks). 各单位土地利用碳汇（负值为吸收）。"""
    head = _head(engine, principal, inventory_id)
    _check_level(head, level)
    inside = _units_in(principal, adcode)
    rows = _stored(engine, inventory_id).rows
    sel = rows[
        (rows["level"] == level) & rows["category_code"].astype(str).str.startswith(SINK_PREFIX)
    ]
    grams: dict[int, dict[str, int]] = {}
    for code, cat, g in sel[["unit_code", "category_code", "co2e_g"]].itertuples(
        index=False, name=None
    ):
        unit = int(code)
        if _shown(principal, unit, inside):
            per = grams.setdefault(unit, {})
            per[str(cat)] = per.get(str(cat), 0) + int(g)
    names = {c: _category_names(c) for per in grams.values() for c in per}

    def value(code: str, g: int) -> CategoryValue:
        return CategoryValue(
            category_code=code,
            name_zh=names[code][0],
            name_en=names[code][1],
            co2e_10k_t=g / _G_PER_WAN_T,
        )

    units = []
    for unit in sorted(grams):
        per = grams[unit]
        zh, en = _names(unit)
        units.append(
            SinkUnit(
                adcode=unit,
                name_zh=zh,
                name_en=en,
                parent=hierarchy().parent.get(unit),
                categories=[value(c, per[c]) for c in sorted(per)],
                total_10k_t=sum(per.values()) / _G_PER_WAN_T,
            )
        )
    overall: dict[str, int] = {}
    for per in grams.values():
        for c, g in per.items():
            overall[c] = overall.get(c, 0) + g
    if units:
        note_zh = "负值为吸收（碳汇），正值为排放。"
        note_en = "Negative values are removals (sinks), positive ones emissions."
    else:
        note_zh = "该清单在此层级没有土地利用、土地利用变化和林业（3.B）碳汇数据。"
        note_en = "The inventory has no land-use (LULUCF, 3.B) sink figures at this level."
    return SinksOut(
        inventory=inventory_out(head),
        level=level,
        unit_zh=UNIT_ZH,
        unit_en=UNIT_EN,
        categories=[value(c, overall[c]) for c in sorted(overall)],
        units=units,
        note_zh=note_zh,
        note_en=note_en,
    )


# ------------------------------------------------------------------- dual-control progress


@lru_cache(maxsize=4)
def _registry(targets: Path, _mtime: float) -> tuple[Registry, str, str]:
    from ganpo.tracking.dual_control import register

    registry = register()
    tf = registry.load(targets)
    return registry, tf.title_zh, tf.title_en


def _targets(request: Request, synthetic: bool) -> tuple[Path, bool]:
    """The targets file: the platform's setting, else the shipped synthetic demo targets
    for synthetic inventories; whether it is the demo file."""
    from ganpo.tracking.registry import shipped_file

    given = request.app.state.settings.carbon_targets
    if given is not None:
        return Path(given), False
    if synthetic:
        return shipped_file("jiangxi-demo-targets"), True
    raise InputError(
        en="no dual-control targets are set for real inventories: the administrator sets the "
        "targets file (a tracking TOML file) with GANPO_CARBON_TARGETS",
        zh="平台未设置双控目标文件，请管理员用 GANPO_CARBON_TARGETS 设置",
        field="carbon_targets",
    )


@lru_cache(maxsize=4)
def _folder_gdp(folder: Path, _mtime: float, digests: tuple[str, ...]) -> pd.DataFrame | None:
    from ganpo.carbon.dual_control_link import dataset_gdp

    return dataset_gdp(folder, digests)


def _gdp(request: Request, inventories: list[StoredInventory]) -> pd.DataFrame:
    from ganpo.carbon.dual_control_link import read_gdp_file

    settings = request.app.state.settings
    if settings.carbon_gdp is not None:
        return read_gdp_file(Path(settings.carbon_gdp))
    folder = carbon_demo_folder(Path(settings.data_dir))
    toml = folder / "carbon-dataset.toml"
    digests = tuple(sorted({s.header.dataset_digest for s in inventories}))
    found = _folder_gdp(folder, toml.stat().st_mtime, digests) if toml.is_file() else None
    if found is None:
        h = inventories[0].header
        raise InputError(
            en=f"no GDP table for the dataset {h.dataset_title_en!r}: the administrator sets the "
            "GDP file (unit_code, year, gdp_constant_YYYY in 亿元) with GANPO_CARBON_GDP",
            zh=f"未找到数据集“{h.dataset_title_zh}”的地区生产总值表，请管理员用 "
            "GANPO_CARBON_GDP 设置",
            field="carbon_gdp",
        )
    return found


def _chosen(engine: Engine, principal: Principal, ids: str | None) -> list[CarbonInventory]:
    """The inventories named (each visible, else 404), or by default the newest visible
    inventory of each year among those of the newest one's GWP set."""
    if ids:
        wanted = [int(x) for x in ids.split(",")]
        return [_head(engine, principal, i) for i in wanted]
    heads = sorted(_visible_heads(engine, principal), key=lambda h: h.id)
    if not heads:
        return []
    gwp = heads[-1].gwp_set
    newest: dict[int, CarbonInventory] = {}
    for h in heads:
        if h.gwp_set == gwp and h.region_adcode == heads[-1].region_adcode:
            newest[h.year] = h
    return [newest[y] for y in sorted(newest)]


@router.get(
    "/progress",
    response_model=ProgressOut,
    summary="Dual-control progress and warnings / 碳排放双控进度与预警",
)
def progress(
    request: Request,
    principal: CurrentPrincipal,
    engine: Store,
    inventories: Annotated[
        str | None,
        Query(
            **pattern_in_words(
                r"^[0-9]{1,10}(,[0-9]{1,10}){0,49}$",
                "whole numbers separated by commas, at most 50",
                "以逗号分隔的整数，至多 50 个",
            ),
            description="inventory ids, one a year, comma-separated; default: the newest "
            "of each year / 清单编号，每年一份",
        ),
    ] = None,
    level: Literal["city", "county"] = "city",
) -> ProgressOut:
    """Dual-control progress (碳排放双控) of the cities or counties the caller may see:
    production-based total and intensity per inventory year, each target's time and task
    progress, its status, and the early warnings.
    可见市县的碳排放总量、强度、双控目标的时间进度与任务进度、状态及预警。"""
    from ganpo.carbon.dual_control_link import dual_control_progress
    from ganpo.carbon.regions import region
    from ganpo.tracking.dual_control import INTENSITY, TOTAL
    from ganpo.tracking.progress import STATUS_NAMES

    heads = _chosen(engine, principal, inventories)
    if not heads:
        raise InputError(en="no inventory to follow", zh="没有可用的清单", field="inventories")
    stored = [_stored(engine, h.id) for h in heads]
    synthetic = all(bool(h.synthetic) for h in heads)
    path, demo = _targets(request, synthetic)
    registry, title_zh, title_en = _registry(path, path.stat().st_mtime)
    visible_units = {
        int(u)
        for s in stored
        for u in s.rows.loc[s.rows["level"] == level, "unit_code"]
        if principal.can_see(int(u))
    }
    targeted = {
        int(t.unit_code) for t in registry.targets.values() if t.indicator in (TOTAL, INTENSITY)
    }
    empty = ProgressOut(
        inventories=[h.id for h in heads],
        years=sorted(h.year for h in heads),
        level=level,
        gwp_set=heads[0].gwp_set,
        price_year=None,
        synthetic=any(bool(h.synthetic) for h in heads),
        targets_title_zh=title_zh,
        targets_title_en=title_en,
        targets_synthetic=demo,
        records=[],
        warnings=[],
        note_zh="您的权限范围内没有该层级单位的双控目标。",
        note_en="No unit of this level in your scope has dual-control targets.",
    )
    if not visible_units & targeted:
        return empty
    result = dual_control_progress(registry, stored, _gdp(request, stored), level)
    by_en = {en: key for key, (_, en) in STATUS_NAMES.items()}
    records = []
    for r in result.records:
        code = int(str(r["unit_code"]))
        if not principal.can_see(code):
            continue
        ind = registry.indicator(registry.targets[str(r["target"])].indicator)
        zh, en = _names(code)
        fields = {k: v for k, v in r.items() if k in ProgressRecord.model_fields}
        records.append(
            ProgressRecord(
                **fields,
                name_zh=zh,
                name_en=en,
                target_unit_zh=ind.unit_in("zh"),
                target_unit_en=ind.unit_in("en"),
                status=by_en[str(r["status_en"])],
            )
        )
    # the tracking messages name a unit as the carbon regions do ("南昌市（江西省）", in
    # both languages): written with the platform's names, English in the English message
    units = region(int(heads[0].region_adcode)).units

    def long_name(code: int) -> str:
        return units[code].name if code in units else str(code)

    warnings = []
    for w in result.warnings.to_dict("records"):
        code = int(w["unit_code"])
        if not principal.can_see(code):
            continue
        zh, en = _names(code)
        target = w.get("target")
        warnings.append(
            WarningOut(
                unit_code=code,
                name_zh=zh,
                name_en=en,
                year=int(w["year"]),
                level=str(w["level"]),
                level_zh=str(w["level_zh"]),
                level_en=str(w["level_en"]),
                target=None if target is None or target != target else str(target),
                message_zh=str(w["message_zh"]).replace(long_name(code), zh),
                message_en=str(w["message_en"]).replace(long_name(code), en),
            )
        )
    return empty.model_copy(
        update={
            "years": result.years,
            "price_year": result.price_year,
            "synthetic": result.synthetic,
            "records": records,
            "warnings": warnings,
            "note_zh": f"总量为生产侧排放（万吨二氧化碳）；强度为吨二氧化碳/万元，"
            f"地区生产总值按 {result.price_year} 年不变价。",
            "note_en": f"Totals are production-based (10⁴ t CO₂); intensity in t CO₂ per "
            f"10⁴ yuan of GDP at {result.price_year} constant prices.",
        }
    )


class RunIn(BaseModel):
    """The inventory to run from the departments' approved reports."""

    year: int = Field(ge=1949, le=2100, description="inventory year / 清单年份")
    gwp: Literal["AR4", "AR5", "AR6"] = Field(description="GWP-100 set / 全球增温潜势取值版本")
    reported_only: bool = Field(
        default=False,
        description="refuse while a table of the base dataset has no approved report / "
        "仅使用已审核的报送数据",
    )


class RunOut(BaseModel):
    inventory: InventoryOut
    #: where each activity table came from, in Chinese and English
    sources: list[str]
    #: carbon forms reported but not approved (not used)
    pending: list[str]


@router.post(
    "/inventories",
    status_code=status.HTTP_201_CREATED,
    summary="Run the inventory of a year from the approved reports / 由报送数据核算清单",
)
def run_reported(
    body: RunIn,
    request: Request,
    engine: Store,
    principal: Annotated[Principal, Depends(require_roles("admin", "office"))],
) -> RunOut:
    """The office runs and stores the inventory of ``year`` from the carbon forms the
    departments reported and the reviewers approved (`ganpo carbon run-reported`); the
    tables nobody reported come from the base carbon dataset (setting ``carbon_base``,
    default the demo's) unless ``reported_only``. The new inventory is a draft."""
    import dataclasses

    from ganpo.carbon.inventory import read_dataset, run_inventory
    from ganpo.engine.provenance import code_version
    from ganpo.store import platform
    from ganpo.store.carbon import save_inventory
    from ganpo.submissions.carbon_dataset import reported_carbon_dataset

    settings = request.app.state.settings
    base = settings.carbon_base or carbon_demo_folder(Path(settings.data_dir))
    work = Path(settings.work_dir)
    folder = work / "carbon" / f"reported-{body.year}"
    assembled = reported_carbon_dataset(
        engine, body.year, work_dir=work, base=base, out=folder, use_base=not body.reported_only
    )
    inv = run_inventory(read_dataset(folder), body.year, body.gwp, code_version=code_version())
    inv = dataclasses.replace(inv, notes=[*inv.notes, *assembled.notes()])
    iid = save_inventory(engine, inv, created_by=principal.username)
    with engine.begin() as conn:
        platform.audit(
            conn,
            actor=principal.username,
            action="carbon.run",
            entity="carbon_inventory",
            entity_id=str(iid),
            before=None,
            after={"year": body.year, "gwp_set": body.gwp, "sources": assembled.sources},
        )
    head = _head(engine, principal, iid)
    return RunOut(
        inventory=inventory_out(head),
        sources=assembled.notes()[: len(assembled.sources)],
        pending=sorted(assembled.pending),
    )
