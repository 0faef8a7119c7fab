"""Accounts API: stored GEP accounts read within the caller's scope; runs on approved data.

Every figure is computed from the stored result rows of the counties the caller may see
(:meth:`ganpo.web.auth.Principal.visible_counties`), with the same functions the CLI and
the annual report use (:mod:`ganpo.report.summary`, :mod:`ganpo.engine.decompose`).
An account none of whose counties the caller may see answers 404, as if it did not exist.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from ganpo.errors import GanpoError, InputError, pattern_in_words
from ganpo.report.quality import QualityReport
from ganpo.store import platform
from ganpo.store.models import Account
from ganpo.web.auth import CurrentPrincipal, Principal, hierarchy, require_roles, store
from ganpo.web.data import AccountCache, AccountData, ResponseCache
from ganpo.web.jobs import JobContext, JobManager
from ganpo.web.public import without_paths

router = APIRouter()
#: county, city, province, or the level of an account's units below the counties
#: (township, village, unit: only an account run at that level has rows there)
Level = Literal["county", "city", "province", "township", "village", "unit"]
FINER = ("township", "village", "unit")
#: a stored id: positive and within a 32-bit INTEGER column
AccountId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="account id / 核算编号")]
Adcode = Annotated[
    int | None,
    Query(
        ge=0,
        le=999_999_999_999,
        description="unit (adcode, or the code of a township/village of the account); "
        "default: your whole scope / 行政区代码或乡镇、村代码",
    ),
]
#: a profile's or parameter set's name
_NAME = pattern_in_words(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
    "a letter or digit, then letters, digits, _, . or -",
    "以字母或数字开头，其后为字母、数字、_、. 或 -",
)


# ----------------------------------------------------------------------------- helpers


def cache_of(request: Request) -> AccountCache:
    cache: AccountCache = request.app.state.accounts
    return cache


def no_region(adcode: int) -> HTTPException:
    """The one answer for a unit that is unknown or outside the caller's scope (404, the
    same for both: a caller cannot tell a hidden unit from one that does not exist)."""
    return HTTPException(
        status.HTTP_404_NOT_FOUND, f"no region {adcode} in your scope / 无权查看该行政区"
    )


def scope_counties(principal: Principal, adcode: int | None) -> set[int] | None:
    """Counties to keep: ``None`` = all (an all-seeing caller without ``adcode``); 404 for
    a county, city or province that is unknown or outside the caller's scope."""
    if adcode is not None:
        if adcode not in hierarchy().level or not principal.can_see(adcode):
            raise no_region(adcode)
        within = set(hierarchy().counties_of.get(int(adcode), frozenset()))
        return within if principal.sees_all else within & principal.visible_counties()
    return None if principal.sees_all else principal.visible_counties()


def _keep(frame: pd.DataFrame, counties: set[int] | None) -> pd.DataFrame:
    if counties is None:
        return frame
    return frame[frame["county_adcode"].astype("int64").isin(counties)]


def finer_county(units: pd.DataFrame, code: int | None) -> int | None:
    """The county of ``code`` when it is one of the units below county of an account
    (``units`` its units table), else None."""
    if code is None or "unit_code" not in units.columns:
        return None
    hit = units[(units["unit_code"].astype("int64") == int(code))]
    hit = hit[hit["unit_code"].astype("int64") != hit["county_adcode"].astype("int64")]
    return None if hit.empty else int(hit["county_adcode"].iloc[0])


def keep_unit(
    frame: pd.DataFrame, units: pd.DataFrame, principal: Principal, code: int
) -> pd.DataFrame | None:
    """The rows of ``frame`` of one unit below county (404 if its county is out of the
    caller's scope), or None when ``code`` is not such a unit of the account."""
    county = finer_county(units, code)
    if county is None:
        return None
    if not principal.can_see(county):
        raise no_region(code)
    return frame[frame["unit_code"].astype("int64") == int(code)]


def no_account(account_id: int) -> HTTPException:
    """The 404 of an account id not in the store or outside the caller's region (the same
    answer: a caller learns nothing of accounts it may not see), naming the id in both
    languages."""
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"no account {account_id} (none you may see); give the id of an account in the "
        f"account list / 核算 #{account_id} 不存在或无权查看：请给出核算列表中的编号",
    )


def _check_visible(data: AccountData, principal: Principal, account_id: int) -> AccountData:
    if not principal.sees_all and data.counties.isdisjoint(principal.visible_counties()):
        raise no_account(account_id)
    return data


def account_for_sync(request: Request, principal: Principal, account_id: int) -> AccountData:
    """The account if it exists and the caller sees at least one of its counties (404)."""
    cache = cache_of(request)
    row = cache.row(account_id)
    if row is None:
        raise no_account(account_id)
    return _check_visible(cache.get(row), principal, account_id)


async def account_for(request: Request, principal: Principal, account_id: int) -> AccountData:
    """:func:`account_for_sync` without leaving the event loop when the account is in
    memory (the store is read in a worker thread otherwise)."""
    data = cache_of(request).peek(account_id)
    if data is None:
        return await run_in_threadpool(account_for_sync, request, principal, account_id)
    return _check_visible(data, principal, account_id)


async def account_rows(request: Request) -> list[Account]:
    cache = cache_of(request)
    rows = cache.fresh_rows()
    return rows if rows is not None else await run_in_threadpool(cache.rows)


def _clean(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows (NaN → null, numpy scalars → Python)."""
    return [{str(k): _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _deflator(profile: str) -> Any:
    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.profiles import load_profile

    return load_deflator(load_profile(profile).deflator)


# ------------------------------------------------------------------------------ models


class AccountOut(BaseModel):
    id: int
    year: int
    profile: str
    parameter_set: str
    dataset_name: str
    synthetic: bool
    created_at: str
    gep_cny: float = Field(description="GEP of the caller's visible area [CNY] / 可见范围 GEP")
    status: Literal["draft", "published", "withdrawn", "superseded"] = Field(
        description="draft, published, withdrawn or superseded by a revision / 状态"
    )
    status_label: str = Field(description="the status in Chinese and English / 状态名称")
    superseded_by: int | None = Field(description="the revision that replaced it / 修订核算")
    status_note: str = Field(
        description="when and why it was withdrawn or superseded ('' when current) / 说明"
    )
    current: bool = Field(
        description="may be used for new work (draft or published); pages start with the "
        "newest current account / 现行核算"
    )


class AccountDetail(AccountOut):
    published_at: str | None
    published_by: str | None
    status_at: str | None = Field(description="when it was withdrawn or superseded")
    status_by: str | None
    status_reason: str | None
    used_by: list[dict[str, Any]] = Field(
        description="records that use it (kind, id, label; for the accounting office and "
        "administrators) / 引用它的记录"
    )


class UnitValue(BaseModel):
    adcode: int
    name: str
    parent: int | None
    area_km2: float
    gep_cny: float
    gep_per_km2: float | None
    material_cny: float
    regulating_cny: float
    cultural_cny: float


class IndicatorValue(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    category: str
    quantity: float | None
    unit: str
    value_cny: float


class PhysicalValue(BaseModel):
    indicator: str
    name_zh: str
    name_en: str
    method: str
    quantity: float
    unit: str
    quantity_per_km2: float | None


class TrendPoint(BaseModel):
    year: int
    account_id: int
    gep_cny: float
    gep_constant_cny: float = Field(description="at the prices of the first year shown")
    price_year: int


class RunRequest(BaseModel):
    year: int = Field(ge=1900, le=2200)
    profile: str | None = Field(default=None, max_length=100, **_NAME)
    parameter_set: str | None = Field(default=None, max_length=100, **_NAME)


class JobAccepted(BaseModel):
    job_id: str


# ------------------------------------------------------------------------------ routes


def _scope_tag(principal: Principal) -> str:
    return "all" if principal.sees_all else str(principal.scope_adcode)


async def _json(request: Request, key: tuple[Any, ...], make: Callable[[], Any]) -> Response:
    """The cached JSON answer for ``key`` (computed once, in a worker thread: stored
    accounts never change)."""
    responses: ResponseCache = request.app.state.responses
    body = responses.peek(key)
    if body is None:
        body = await run_in_threadpool(responses.get_or_make, key, make)
    return Response(body, media_type="application/json")


def _stamp(rows: list[Account]) -> tuple[tuple[int, str, str, int | None], ...]:
    """What identifies the answers read from ``rows``: ids, digests and standing."""
    return tuple((r.id, r.input_digest, r.status, r.superseded_by) for r in rows)


def _iso(value: Any) -> str | None:
    return None if value is None else platform.as_utc(value).isoformat()


def _account_out(row: Account, gep_cny: float) -> dict[str, Any]:
    from ganpo.store.lifecycle import standing_note
    from ganpo.store.models import ACCOUNT_STATUSES, CURRENT_STATUSES

    return AccountOut(
        id=row.id,
        year=row.year,
        profile=row.profile,
        parameter_set=row.parameter_set,
        dataset_name=row.dataset_name,
        synthetic=row.synthetic,
        created_at=platform.as_utc(row.finished_at).isoformat(),
        gep_cny=gep_cny,
        status=row.status,
        status_label=ACCOUNT_STATUSES[row.status],
        superseded_by=row.superseded_by,
        status_note=standing_note(row.status, row.superseded_by, row.status_reason, row.status_at),
        current=row.status in CURRENT_STATUSES,
    ).model_dump()


@router.get("/accounts", response_model=list[AccountOut], summary="Stored accounts / 核算列表")
async def list_accounts(request: Request, principal: CurrentPrincipal) -> Response:
    """Stored accounts with their GEP over the caller's visible area (accounts without any
    visible county are not listed). 已入库核算及可见范围内的 GEP。"""
    cache = cache_of(request)
    rows = await account_rows(request)

    def make() -> list[dict[str, Any]]:
        out = []
        visible = None if principal.sees_all else principal.visible_counties()
        for row in rows:
            if visible is None:
                gep = float(row.gep_cny)
            else:
                data = cache.get(row)
                if data.counties.isdisjoint(visible):
                    continue
                gep = float(_keep(data.results, visible)["value_cny"].sum())
            out.append(_account_out(row, gep))
        return out

    return await _json(request, ("accounts", _scope_tag(principal), _stamp(rows)), make)


def unit_table(
    data: AccountData, principal: Principal, level: Level, everyone: bool = False
) -> pd.DataFrame:
    """:func:`ganpo.report.summary.gep_by_unit` over the caller's counties, keeping only
    the units the caller may see (``everyone``: every unit of the account, for figures
    computed on the server and never sent, such as a rank)."""
    from ganpo.report import summary

    if everyone:
        principal = dataclasses.replace(principal, role="admin")
    counties = None if principal.sees_all else principal.visible_counties()
    results, units = _keep(data.results, counties), _keep(data.units, counties)
    if level in FINER:  # the account's own units, if it runs at that level
        if units.empty or str(units["level"].iloc[0]) != level:
            return summary.gep_by_unit(results.iloc[:0], units.iloc[:0], "unit")
        return summary.gep_by_unit(results, units, "unit")  # scoped by county above
    table = summary.gep_by_unit(results, units, cast(summary.Level, level))
    return table[[principal.can_see(int(a)) for a in table["adcode"]]]


@router.get(
    "/accounts/{account_id}/summary",
    response_model=list[UnitValue],
    summary="GEP by unit / 分区 GEP",
)
async def account_summary(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    level: Level = "county",
    adcode: Adcode = None,
) -> Response:
    """GEP, GEP per km² and its three categories per county, city or province, for the
    units the caller may see; or per township (village …) of an account run at that level:
    what is computed per township (statistics given per county are in the county's figure
    only). With ``adcode``, the units of ``level`` within that unit only (404 when it is
    unknown or outside the caller's scope, as for every other endpoint).
    各县、市、全省（或乡镇）的 GEP、单位面积 GEP 及三类服务价值。"""
    data = await account_for(request, principal, account_id)
    inside = None if adcode is None else counties_within(data, principal, adcode)

    def make() -> list[dict[str, Any]]:
        table = unit_table(data, principal, level)
        if adcode is not None and inside is not None:
            table = table[_within(table, data, level, adcode, inside)]
        table = table.rename(columns={"gep_cny_per_km2": "gep_per_km2", "parent_adcode": "parent"})
        return records(table)

    key = ("summary", _stamp([data.account]), _scope_tag(principal), level, adcode)
    return await _json(request, key, make)


def counties_within(data: AccountData, principal: Principal, adcode: int) -> set[int]:
    """The counties of ``adcode`` (a county, city or province, or a unit below county of
    the account); 404 when it is unknown or outside the caller's scope."""
    county = finer_county(data.units, adcode)
    if county is not None:
        if not principal.can_see(county):
            raise no_region(adcode)
        return {county}
    counties = scope_counties(principal, adcode)
    return set() if counties is None else counties


def _within(
    table: pd.DataFrame, data: AccountData, level: Level, adcode: int, inside: set[int]
) -> Any:
    """Which rows of a :func:`unit_table` lie in ``adcode`` (whose counties are ``inside``)."""
    codes = table["adcode"].astype("int64")
    if level in FINER:
        units = data.units[["unit_code", "county_adcode"]].astype("int64")
        county_of = dict(zip(units["unit_code"], units["county_adcode"], strict=True))
        if finer_county(data.units, adcode) is not None:
            return codes == int(adcode)
        return codes.map(lambda c: county_of.get(int(c)) in inside)
    counties_of = hierarchy().counties_of
    return codes.map(lambda c: bool(counties_of.get(int(c), frozenset()) & inside))


class UnitRank(BaseModel):
    adcode: int
    level: str
    metric: str
    rank: int | None = Field(description="1 = the highest value; null without a value / 位次")
    count: int = Field(description="units of that level with a value / 参与排名的单位数")
    value: float | None = Field(description="the unit's own value / 本单位数值")


RANK_METRIC = pattern_in_words(
    r"^(gep_cny|gep_per_km2|material_cny|regulating_cny|cultural_cny|ind:[a-z0-9_]+)$",
    "gep_cny, gep_per_km2, material_cny, regulating_cny, cultural_cny, or ind: and an "
    "indicator code",
    "gep_cny、gep_per_km2、material_cny、regulating_cny、cultural_cny 之一，或 ind: 加指标代码",
)


@router.get(
    "/accounts/{account_id}/rank",
    response_model=UnitRank,
    summary="A unit's rank among all units of its level / 位次",
)
async def account_rank(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    adcode: Annotated[int, Query(ge=0, le=999_999_999_999, description="unit / 行政区代码")],
    metric: Annotated[
        str,
        Query(
            max_length=110,
            **RANK_METRIC,
            description="gep_cny, gep_per_km2, a category's *_cny, or ind:<indicator> / 指标",
        ),
    ] = "gep_cny",
) -> Response:
    """The rank of one unit the caller may see among **all** units of its level in the
    account (highest value first), computed on the server: the answer holds the rank, the
    number of units and the unit's own value, never another unit's name or value, so a
    county viewer learns its place (e.g. 12th of 100) and nothing about the others.
    本单位在同级全部单位中的位次（只返回位次和总数）。"""
    data = await account_for(request, principal, account_id)
    county = finer_county(data.units, adcode)
    if county is not None:
        if not principal.can_see(county):
            raise no_region(adcode)
        level = cast(Level, str(data.units["level"].iloc[0]))
    else:
        scope_counties(principal, adcode)  # 404 when unknown or outside the scope
        level = cast(Level, hierarchy().level[adcode])
    indicator = metric[4:] if metric.startswith("ind:") else None
    if indicator is not None and not (data.results["indicator"] == indicator).any():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"account {account_id} has no indicator {indicator!r} / 该核算没有此指标",
        )

    def make() -> dict[str, Any]:
        if indicator is None:
            table = unit_table(data, principal, level, everyone=True)
            column = "gep_cny_per_km2" if metric == "gep_per_km2" else metric
            values = pd.Series(
                table[column].astype("float64").to_numpy(),
                index=table["adcode"].astype("int64").to_numpy(),
            )
        else:
            table = indicators_by_unit(data, principal, level, indicator, everyone=True)
            values = pd.Series(
                table["value_cny"].astype("float64").to_numpy(),
                index=table["adcode"].astype("int64").to_numpy(),
            )
        values = values[np.isfinite(values)]
        own = float(values[adcode]) if adcode in values.index else None
        rank = None if own is None else int((values > own).sum()) + 1
        return UnitRank(
            adcode=adcode, level=level, metric=metric, rank=rank, count=len(values), value=own
        ).model_dump()

    key = ("rank", _stamp([data.account]), adcode, metric)
    return await _json(request, key, make)


@router.get(
    "/accounts/{account_id}/indicators",
    response_model=list[IndicatorValue],
    summary="Value by indicator / 分指标价值",
)
async def account_indicators(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    adcode: Adcode = None,
) -> Response:
    """Physical quantity and value of each indicator in one unit (default: everything the
    caller may see). 某行政区各指标的实物量与价值。"""
    from ganpo.report import summary

    data = await account_for(request, principal, account_id)
    own = None if adcode is None else keep_unit(data.results, data.units, principal, adcode)
    counties = scope_counties(principal, adcode) if own is None else None

    def make() -> list[dict[str, Any]]:
        results = _keep(data.results, counties) if own is None else own
        if results.empty:
            return []
        table = summary.gep_by_indicator(results).rename(columns={"quantity_unit": "unit"})
        return records(table.drop(columns="share"))

    key = ("indicators", _stamp([data.account]), _scope_tag(principal), adcode)
    return await _json(request, key, make)


@router.get(
    "/accounts/{account_id}/physical",
    response_model=list[PhysicalValue],
    summary="Physical indicators, not valued / 实物量指标（不计价）",
)
async def account_physical(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    adcode: Adcode = None,
) -> Response:
    """Totals of the physical indicators the profile reports beside the GEP (e.g. sediment
    export), never valued and not in GEP, over one unit (default: everything the caller
    may see). 与 GEP 并列报告、不计价的实物量指标（如输沙量）。"""
    from ganpo.report import summary

    data = await account_for(request, principal, account_id)
    own = None if adcode is None else keep_unit(data.stored.physical, data.units, principal, adcode)
    counties = scope_counties(principal, adcode) if own is None else None

    def make() -> list[dict[str, Any]]:
        physical = _keep(data.stored.physical, counties) if own is None else own
        if physical.empty:
            return []
        units = (
            _keep(data.stored.units, counties)
            if own is None
            else data.units[data.units["unit_code"].astype("int64") == int(adcode or 0)]
        )
        totals = summary.physical_totals(physical, units)
        return records(totals.rename(columns={"quantity_unit": "unit"}))

    key = ("physical", _stamp([data.account]), _scope_tag(principal), adcode)
    return await _json(request, key, make)


class UnitIndicatorValue(BaseModel):
    adcode: int
    indicator: str
    quantity: float | None
    unit: str
    value_cny: float


_LEVEL_KEY = {"county": "county_adcode", "city": "city_adcode", "province": "province_adcode"}


def indicators_by_unit(
    data: AccountData,
    principal: Principal,
    level: Level,
    indicator: str | None = None,
    everyone: bool = False,
) -> pd.DataFrame:
    """Quantity and value of each indicator (or of ``indicator`` only) in every unit of
    ``level`` the caller may see (``everyone``: every unit, see :func:`unit_table`): sums
    of the account's county rows, like :func:`ganpo.report.summary.gep_by_unit`, so that a
    unit without rows of an indicator present in the account gets 0. Rows are ordered by
    unit, then catalogue order."""
    from ganpo.catalog.indicators import indicators

    if everyone:
        principal = dataclasses.replace(principal, role="admin")
    counties = None if principal.sees_all else principal.visible_counties()
    results, units = _keep(data.results, counties), _keep(data.units, counties)
    if indicator is not None:
        results = results[results["indicator"] == indicator]
    columns = ["adcode", "indicator", "quantity", "unit", "value_cny"]
    if results.empty or units.empty:
        return pd.DataFrame(columns=columns)
    if level in FINER:
        # the account's own units (rows of statistics given per county are not theirs)
        if str(units["level"].iloc[0]) != level:
            return pd.DataFrame(columns=columns)
        owner = pd.DataFrame({"unit_code": units["unit_code"].astype("int64").to_numpy()})
        owner["adcode"] = owner["unit_code"]
        rows = results.assign(unit_code=results["unit_code"].astype("int64"))
        rows = rows.merge(owner, on="unit_code", how="inner")
        visible_units = set(owner["adcode"])
    else:
        key = _LEVEL_KEY[level]
        owner = pd.DataFrame(
            {
                "county_adcode": units["county_adcode"].astype("int64").to_numpy(),
                "adcode": units[key].astype("int64").to_numpy(),
            }
        ).drop_duplicates("county_adcode")
        rows = results.assign(county_adcode=results["county_adcode"].astype("int64"))
        rows = rows.merge(owner, on="county_adcode", how="inner")
        visible_units = {int(a) for a in set(owner["adcode"]) if principal.can_see(int(a))}
    grouped = rows.groupby(["adcode", "indicator"]).agg(
        quantity=("quantity", "sum"), value_cny=("value_cny", "sum")
    )
    unit_of = results.groupby("indicator")["quantity_unit"].first()
    mixed = results.groupby("indicator")["quantity_unit"].nunique()
    present = set(unit_of.index)
    catalogue = [k for k in indicators() if k in present]  # catalogue order, then the rest
    order = catalogue + sorted(present - set(catalogue))
    adcodes = sorted(int(a) for a in visible_units)
    full = pd.MultiIndex.from_product([adcodes, order], names=["adcode", "indicator"])
    table = grouped.reindex(full, fill_value=0.0).reset_index()
    table["unit"] = table["indicator"].map(unit_of).astype(str)
    # quantities in different units cannot be added up: no quantity then (values still add)
    table.loc[table["indicator"].map(mixed).gt(1), "quantity"] = np.nan
    return table[columns]


@router.get(
    "/accounts/{account_id}/indicators/by-unit",
    response_model=list[UnitIndicatorValue],
    summary="Indicators of every unit of a level / 各行政区分指标价值",
)
async def account_indicators_by_unit(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    level: Level = "county",
    indicator: Annotated[
        str | None,
        Query(
            max_length=100,
            **pattern_in_words(
                r"^[a-z0-9_]+$", "lower-case letters, digits or _", "小写字母、数字或 _"
            ),
            description="one indicator (default: all) / 指标(默认全部)",
        ),
    ] = None,
) -> Response:
    """Quantity and value of each indicator (or of one) in every county, city or province
    the caller may see, in one answer (a map coloured by one service needs no request per
    unit). 可见范围内各县、市或全省的分指标实物量与价值。"""
    data = await account_for(request, principal, account_id)
    if indicator is not None and not (data.results["indicator"] == indicator).any():
        known = ", ".join(sorted(set(data.results["indicator"])))
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"account {account_id} has no indicator {indicator!r}; it has: {known} / "
            "该核算没有此指标",
        )

    def make() -> list[dict[str, Any]]:
        return records(indicators_by_unit(data, principal, level, indicator))

    key = ("by-unit", _stamp([data.account]), _scope_tag(principal), level, indicator)
    return await _json(request, key, make)


@router.get("/trend", response_model=list[TrendPoint], summary="GEP over the years / 历年 GEP")
async def trend(
    request: Request,
    principal: CurrentPrincipal,
    adcode: Adcode = None,
) -> Response:
    """GEP of one unit (a region, or a township of the accounts that have it) in each year
    with a current stored account (the newest published account of each year, else the
    newest draft; never a withdrawn or superseded one), at current prices and at the
    prices of the first year shown (deflated with the profile's deflator).
    历年 GEP(现价与首年不变价)。"""
    from ganpo.engine.prices import restate_results
    from ganpo.store.lifecycle import preferred_account

    cache = cache_of(request)
    rows = await account_rows(request)
    known = adcode is None or adcode in hierarchy().level
    counties = scope_counties(principal, adcode) if known else None

    def make() -> list[dict[str, Any]]:
        newest: dict[int, Account] = {}
        for year in sorted({r.year for r in rows}):
            chosen = preferred_account(r for r in rows if r.year == year)
            if chosen is not None:
                newest[year] = chosen
        points: list[dict[str, Any]] = []
        base: int | None = None
        seen = known
        for year in sorted(newest):
            data = cache.get(newest[year])
            if known:
                results = _keep(data.results, counties)
            else:  # a unit below county: its rows in the accounts that have it
                assert adcode is not None
                own = keep_unit(data.results, data.units, principal, adcode)
                if own is None:
                    continue
                results, seen = own, True
            if results.empty:
                continue
            base = year if base is None else base
            constant = restate_results(
                results, data.prices, year, _deflator(data.account.profile), base
            )
            point = TrendPoint(
                year=year,
                account_id=data.account.id,
                gep_cny=float(results["value_cny"].sum()),
                gep_constant_cny=float(constant["value_cny"].sum()),
                price_year=base,
            )
            points.append(point.model_dump())
        if not seen:
            raise no_region(int(adcode or 0))
        return points

    return await _json(request, ("trend", _scope_tag(principal), adcode, _stamp(rows)), make)


@router.get("/compare", summary="Compare two accounts / 两期核算比较")
async def compare(
    request: Request,
    principal: CurrentPrincipal,
    a: Annotated[int, Query(ge=1, le=2**31 - 1, description="base period account / 基期核算")],
    b: Annotated[int, Query(ge=1, le=2**31 - 1, description="report period account / 报告期")],
    adcode: Adcode = None,
) -> Response:
    """The change from account ``a`` to ``b`` split into a price effect and a quantity
    effect (B at A's prices minus A), per indicator with a GEP total
    (:func:`ganpo.engine.decompose.decompose`), and per county. 变化分解为价格效应和实物量效应。"""
    from ganpo.engine.decompose import by_indicator, decompose

    da = await account_for(request, principal, a)
    db = await account_for(request, principal, b)
    counties = scope_counties(principal, adcode)

    def make() -> dict[str, Any]:
        ra, rb = _keep(da.results, counties), _keep(db.results, counties)
        parts = decompose(
            (ra, da.prices, da.account.year),
            (rb, db.prices, db.account.year),
            _deflator(db.account.profile),
        )
        per_indicator = by_indicator(parts)
        cols = ["value_a", "value_b", "price_effect", "quantity_effect"]
        per_county = parts.groupby("county_adcode")[cols].sum().reset_index()
        h = hierarchy()
        codes = [int(c) for c in per_county.county_adcode]
        per_county.insert(1, "name", [h.name(c) for c in codes])
        per_county.insert(2, "name_en", [h.name(c, "en") for c in codes])
        return {
            "a": {"id": da.account.id, "year": da.account.year},
            "b": {"id": db.account.id, "year": db.account.year},
            "price_year": da.account.year,
            "by_indicator": records(per_indicator),
            "by_county": records(per_county),
        }

    key = ("compare", _stamp([da.account, db.account]), _scope_tag(principal), adcode)
    return await _json(request, key, make)


def _scoped_stored(data: AccountData, principal: Principal) -> Any:
    """The stored account cut to the caller's counties: result rows, units, physical rows,
    and the decisions and coverage rows of the units kept (a decision about the whole
    dataset stays; one about a unit the caller may not see goes)."""
    if principal.sees_all:
        return data.stored
    counties = principal.visible_counties()
    units = _keep(data.stored.units, counties)
    kept = set(units["unit_code"].astype("int64")) | set(units["county_adcode"].astype("int64"))
    coverage = data.stored.coverage
    return dataclasses.replace(
        data.stored,
        results=_keep(data.stored.results, counties),
        units=units,
        intervals=data.stored.intervals.iloc[0:0],
        physical=_keep(data.stored.physical, counties),
        decisions=[
            d
            for d in data.stored.decisions
            if d.unit_code is None or d.unit_code in kept or principal.can_see(d.unit_code)
        ],
        coverage=coverage[coverage["unit_code"].astype("int64").isin(kept)],
    )


@router.get(
    "/accounts/{account_id}/quality",
    summary="Quality report / 核算质量报告",
    response_model=QualityReport,
)
async def account_quality(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    """The account's quality report over the caller's visible area
    (:mod:`ganpo.report.quality`): summary counts, layers that do not cover every unit
    (lowest share, units concerned), decisions about the inputs grouped by kind, warnings,
    overrides accepted by a reviewer (who explained what, who accepted it), and the
    parameters not verified. Labels and sentences in ``lang``; the keys beside them are
    for programs. 核算质量报告：覆盖率、决定、警告、人工说明、未核实参数。"""
    from ganpo.report.quality import build_quality

    data = await account_for(request, principal, account_id)

    def make() -> dict[str, Any]:
        return build_quality(_scoped_stored(data, principal), lang).as_dict()

    key = ("quality", _stamp([data.account]), _scope_tag(principal), lang)
    return await _json(request, key, make)


@router.get(
    "/accounts/{account_id}/report",
    summary="Annual report PDF / 年度报告 PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
)
def account_report(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    lang: Literal["zh", "en"] = "zh",
) -> FileResponse:
    """The annual GEP report of the caller's visible area (PDF, :mod:`ganpo.report.annual`),
    with the change from the previous year's current account (published, else the newest
    draft) when one is stored. The first report takes ~10 s (font cache); reports are kept
    in the work folder. 年度核算报告(PDF)。"""
    from ganpo.store.lifecycle import preferred_account

    data = account_for_sync(request, principal, account_id)
    a = data.account
    previous = preferred_account(
        row
        for row in cache_of(request).rows()
        if row.year == a.year - 1 and row.dataset_name == a.dataset_name
    )
    against = "" if previous is None else f"_prev{previous.id}"
    out = (
        Path(request.app.state.settings.work_dir)
        / "reports"
        / f"account{a.id}_{a.input_digest[:12]}{against}_{_scope_tag(principal)}_{lang}.pdf"
    )
    if not out.exists():
        prev = None if previous is None else cache_of(request).get(previous)
        try:
            write_report(data, prev, principal, lang, out)
        except GanpoError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return FileResponse(out, media_type="application/pdf", filename=f"gep_{a.year}_{lang}.pdf")


def write_report(
    data: AccountData, prev: AccountData | None, principal: Principal, lang: str, out: Path
) -> Path:
    """Render the annual report of the caller's scope (see :func:`account_report`) with
    :func:`ganpo.report.account_report.report_data`, as ``ganpo account report`` does. The
    service raster map covers the whole dataset, so only all-seeing roles get it."""
    from ganpo.report import annual
    from ganpo.report.account_report import report_data

    language: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
    s = _scoped_stored(data, principal)
    a = s.account
    scope = principal.scope_adcode
    shown = a.region_adcode if principal.sees_all or scope is None else scope
    known = shown in hierarchy().level
    report = report_data(
        s,
        language,
        region=hierarchy().name(shown, language) if known else a.dataset_name,
        previous=None if prev is None else _scoped_stored(prev, principal),
        raster="water_conservation" if principal.sees_all else None,
    )
    return annual.write_pdf(annual.build_html(report, language), out)


#: the tables of :func:`ganpo.report.account_tables.account_frames`, one of which a CSV export holds
ExportTable = Literal[
    "gep_by_county",
    "gep_by_city",
    "gep_by_indicator",
    "gep_by_category",
    "gep_by_ecosystem",
    "results",
    "prices",
    "physical_by_county",
    "quality",
    # an account run below the counties (decision 0021): its own units
    "gep_by_township",
    "physical_by_township",
    "gep_by_village",
    "physical_by_village",
    "gep_by_unit",
    "physical_by_unit",
]


@router.get(
    "/accounts/{account_id}/export",
    summary="Export tables / 导出表格",
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                "text/csv": {},
            }
        }
    },
)
def account_export(
    account_id: AccountId,
    request: Request,
    principal: CurrentPrincipal,
    format: Literal["xlsx", "csv"] = "xlsx",
    table: Annotated[ExportTable, Query(description="for csv: which table / 导出哪张表")] = (
        "gep_by_county"
    ),
) -> Response:
    """The account's tables over the caller's visible area: an Excel workbook (every table,
    bilingual headers, notes sheet) or one table as CSV (UTF-8 with BOM, for Excel).
    导出可见范围内的核算表格(Excel 或 CSV)。"""
    from ganpo.report import export as xl
    from ganpo.report.account_tables import account_frames, account_workbook

    data = account_for_sync(request, principal, account_id)
    s = _scoped_stored(data, principal)
    frames = account_frames(s)
    a = data.account
    stem = f"{a.dataset_name}_{a.year}_account{a.id}_{_scope_tag(principal)}"
    if format == "csv":
        if table not in frames:
            raise HTTPException(
                404,
                f"this account has no table {table!r} (it computed no physical indicator, or "
                "its units are not of that level); "
                f"它没有该表。Tables: {', '.join(frames)}",
            )
        body = frames[table].to_csv(index=False).encode("utf-8-sig")
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}_{table}.csv"'},
        )
    out = Path(request.app.state.settings.work_dir) / "exports" / f"{stem}.xlsx"
    sheets, notes = account_workbook(s)
    xl.write_excel(sheets, out, title=stem, notes=notes)
    return FileResponse(
        out,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=out.name,
    )


# ----------------------------------------------------------------------- standing


Office = Annotated[Principal, Depends(require_roles("office", "admin"))]


class WithdrawRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why / 撤回理由")


class SupersedeRequest(BaseModel):
    by: int = Field(ge=1, le=2**31 - 1, description="the revised account / 修订核算编号")
    reason: str = Field(min_length=1, max_length=2000, description="why / 修订理由")


def _detail(request: Request, principal: Principal, account_id: int) -> dict[str, Any]:
    from ganpo.store.lifecycle import account_references

    cache = cache_of(request)
    row = cache.row(account_id)
    if row is None:
        raise no_account(account_id)
    if principal.sees_all:
        gep = float(row.gep_cny)
    else:
        data = _check_visible(cache.get(row), principal, account_id)
        gep = float(_keep(data.results, principal.visible_counties())["value_cny"].sum())
    used = account_references(store(request), account_id) if principal.sees_all else []
    return AccountDetail(
        **_account_out(row, gep),
        published_at=_iso(row.published_at),
        published_by=row.published_by,
        status_at=_iso(row.status_at),
        status_by=row.status_by,
        status_reason=row.status_reason,
        used_by=[without_paths(r.public()) for r in used],
    ).model_dump()


def _change(request: Request, account_id: int, change: Callable[[], Any]) -> None:
    """Apply a change of standing; an account that is not there answers 404 (a refusal
    is a 409 with the store's message, a failed database a 503)."""
    from ganpo.errors import StoreConflictError, StoreError, StoreUnavailableError

    cache = cache_of(request)
    try:
        change()
    except (StoreUnavailableError, StoreConflictError):
        raise
    except StoreError as exc:  # no such account (deleted meanwhile)
        raise no_account(account_id) from exc
    finally:
        cache.invalidate()


@router.get(
    "/accounts/{account_id}",
    response_model=AccountDetail,
    summary="One account and its standing / 核算及其状态",
)
def account_detail(account_id: AccountId, request: Request, principal: CurrentPrincipal) -> Any:
    """An account's standing (draft, published, withdrawn or superseded, by whom, when,
    why) and, for the accounting office and administrators, the records that use it.
    核算的状态（草稿、已发布、已撤回、已被修订替代）及引用它的记录。"""
    return _detail(request, principal, account_id)


@router.post(
    "/accounts/{account_id}/publish",
    response_model=AccountDetail,
    summary="Publish an account / 发布核算",
    responses={409: {"description": "not a draft, or another account of the year is published"}},
)
def publish(account_id: AccountId, request: Request, principal: Office) -> Any:
    """Publish a draft account (audited). One account per region and year is published:
    to replace a published one, supersede it. 发布核算草稿（每个地区和年份只发布一个）。"""
    from ganpo.store.lifecycle import publish_account

    engine = store(request)
    _change(
        request, account_id, lambda: publish_account(engine, account_id, actor=principal.username)
    )
    return _detail(request, principal, account_id)


@router.post(
    "/accounts/{account_id}/withdraw",
    response_model=AccountDetail,
    summary="Withdraw an account / 撤回核算",
    responses={409: {"description": "already withdrawn or superseded"}},
)
def withdraw(
    account_id: AccountId, body: WithdrawRequest, request: Request, principal: Office
) -> Any:
    """Withdraw an account with a reason (audited): it stays, with its figures, for the
    records that used it, marked withdrawn, and is no longer picked by default.
    撤回核算（须说明理由）：引用它的记录保持不变并标注“已撤回”。"""
    from ganpo.store.lifecycle import withdraw_account

    engine = store(request)
    _change(
        request,
        account_id,
        lambda: withdraw_account(engine, account_id, reason=body.reason, actor=principal.username),
    )
    return _detail(request, principal, account_id)


@router.post(
    "/accounts/{account_id}/supersede",
    response_model=AccountDetail,
    summary="Supersede an account by a revision / 以修订核算替代",
    responses={409: {"description": "one of the two is withdrawn or already superseded"}},
)
def supersede(
    account_id: AccountId, body: SupersedeRequest, request: Request, principal: Office
) -> Any:
    """Mark the account superseded by a revised account of the same region and year, with
    a reason (统计数据修订, audited). Records that used it keep its figures, marked
    "superseded by #N"; a published account's revision is published in its place.
    以同一地区、同一年份的修订核算替代（须说明理由）。"""
    from ganpo.store.lifecycle import supersede_account

    engine = store(request)
    _change(
        request,
        account_id,
        lambda: supersede_account(
            engine, account_id, body.by, reason=body.reason, actor=principal.username
        ),
    )
    return _detail(request, principal, account_id)


@router.delete(
    "/accounts/{account_id}",
    status_code=204,
    summary="Delete an unused draft account / 删除未被引用的核算草稿",
    responses={409: {"description": "published, withdrawn, superseded or used by a record"}},
)
def delete(account_id: AccountId, request: Request, principal: Office) -> Response:
    """Delete a draft account that no record uses (audited). A used or published account
    is refused (409, naming the records that use it): withdraw or supersede it instead.
    删除未被引用的核算草稿；已发布或被引用的核算只能撤回或以修订核算替代。"""
    from ganpo.store.lifecycle import delete_account

    engine = store(request)
    _change(
        request, account_id, lambda: delete_account(engine, account_id, actor=principal.username)
    )
    return Response(status_code=204)


# --------------------------------------------------------------------------------- run


def approved_dataset(
    engine: Engine, year: int, base_dir: Path, work_dir: Path, profile: str | None = None
) -> Any:
    """The dataset of ``year`` built from approved submissions
    (:func:`ganpo.submissions.dataset.approved_dataset`); ``InputError`` names the forms
    that are not approved."""
    from ganpo.submissions.dataset import approved_dataset as build

    return build(engine, year, base_dir, work_dir, profile=profile)


def record_account_submissions(
    engine: Engine, account_id: int, submissions: list[tuple[int, int]], actor: str
) -> None:
    from ganpo.store.reporting import record_account_submissions as record

    record(engine, account_id, submissions, actor=actor)


def _check_names(body: RunRequest) -> None:
    from ganpo.catalog.parameters import parameter_set_names
    from ganpo.catalog.profiles import profile_names

    if body.profile is not None and body.profile not in profile_names():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown profile {body.profile!r}; profiles: {', '.join(profile_names())}",
        )
    if body.parameter_set is not None and body.parameter_set not in parameter_set_names():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown parameter set {body.parameter_set!r}; parameter sets: "
            f"{', '.join(parameter_set_names())}",
        )


@router.post(
    "/accounts/run",
    response_model=JobAccepted,
    status_code=202,
    summary="Run an account on approved data / 基于已审核数据运行核算",
    responses={409: {"description": "some forms of the year are not approved / 存在未审核报表"}},
)
def run(
    body: RunRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require_roles("office", "admin"))],
) -> JobAccepted:
    """Build the year's dataset from the approved submissions and run the account in the
    background; poll ``GET /api/jobs/{job_id}`` for progress. The stored account records
    which submission versions it used. Refused (409) while any form of the year is not
    approved. 以已审核的报送数据构建数据集并在后台运行核算。"""
    from ganpo.engine.account import DEFAULT_PROFILE, message_halves, run_account
    from ganpo.store.repository import delete_account, save_account

    _check_names(body)
    settings = request.app.state.settings
    engine = store(request)
    try:
        built = approved_dataset(
            engine, body.year, Path(settings.data_dir), Path(settings.work_dir), body.profile
        )
    except InputError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    manifest: Path = built.manifest
    cache = cache_of(request)
    submissions = [(int(s), int(v)) for s, v in built.submissions]
    actor = principal.username

    def work(ctx: JobContext) -> int:
        ctx.say(f"{body.year}: running the account", f"{body.year} 年：正在核算")

        def said(msg: str) -> None:  # a stage message reaches the job in its halves (0101)
            ctx.say(*message_halves(msg))

        account = run_account(
            manifest,
            body.year,
            body.profile or DEFAULT_PROFILE,
            body.parameter_set,
            progress=said,
            on_fraction=ctx.fraction,
        )
        account_id = save_account(engine, account)
        try:
            record_account_submissions(engine, account_id, submissions, actor)
            with engine.begin() as conn:
                platform.audit(
                    conn,
                    actor=actor,
                    action="account.run",
                    entity="account",
                    entity_id=str(account_id),
                    before=None,
                    after={
                        "year": body.year,
                        "gep_cny": account.gep_cny,
                        "manifest": str(manifest),
                        "submissions": [list(p) for p in submissions],
                    },
                )
        except Exception:
            # an account must not stand without the submissions it used: take it back
            delete_account(engine, account_id)
            raise
        finally:
            cache.invalidate()
        return account_id

    jobs: JobManager = request.app.state.jobs
    job = jobs.submit("account.run", actor, work)
    return JobAccepted(job_id=job.id)
