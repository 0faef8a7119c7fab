"""``/api/regions``: administrative units and their boundaries, within the caller's scope."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ganpo.web.auth import CurrentPrincipal, Principal, hierarchy
from ganpo.web.data import FINER_LEVELS, Regions, ResponseCache, regions_for, regions_if_built

router = APIRouter()


#: the levels the platform knows: the three of the county table and, below the counties,
#: the finer units of the base dataset (township, village or other unit, decision 0021)
RegionLevel = Literal["province", "city", "county", "township", "village", "unit"]


class RegionOut(BaseModel):
    adcode: int
    name_zh: str
    name_en: str | None = None
    level: RegionLevel
    parent: int | None


def visible(principal: Principal, level: str, adcode: int, parent: int | None) -> bool:
    """Whether the caller may see a unit: a unit below the counties is seen by those who
    see its county (its ``parent`` on the platform)."""
    if level in FINER_LEVELS:
        return parent is not None and principal.can_see(int(parent))
    return principal.can_see(int(adcode))


async def regions_of(request: Request, level: str | None = None) -> Regions:
    """The platform's units; built (and the level's GeoJSON) in a worker thread once."""
    settings = request.app.state.settings
    regions = regions_if_built(settings.data_dir)
    if regions is None:
        regions = await run_in_threadpool(regions_for, settings.data_dir)
    if level is not None and not regions.has_features(level):
        await run_in_threadpool(regions.features, level)
    return regions


def _scope(principal: Principal) -> str:
    """What the units a caller sees depend on: everything, or the unit of its scope."""
    return "all" if principal.sees_all else str(principal.scope_adcode)


async def _cached(request: Request, key: tuple[Any, ...], make: Any) -> Response:
    """The JSON answer for ``key`` from the platform's answer cache (made once per worker
    and scope: the units change only with the base dataset, whose generation is in the
    key)."""
    responses: ResponseCache = request.app.state.responses
    body = responses.peek(key)
    if body is None:
        body = await run_in_threadpool(responses.get_or_make, key, make)
    return Response(body, media_type="application/json")


@router.get("", response_model=list[RegionOut], summary="Regions in scope / 可见行政区")
async def list_regions(request: Request, principal: CurrentPrincipal) -> Response:
    """Province, cities and counties the caller may see (province first, then cities, then
    counties), then the base dataset's units below the counties (townships …) whose county
    the caller may see, with their county as ``parent``; ``name_en`` is the English name
    where ganpo knows it (Jiangxi's units). 当前用户可见的省、市、县（及乡镇等下级单元）。"""
    regions = await regions_of(request)

    def make() -> list[dict[str, Any]]:
        english = hierarchy().name_en
        return [
            RegionOut(
                adcode=u.adcode,
                name_zh=u.name_zh,
                name_en=english.get(u.adcode),
                level=u.level,
                parent=u.parent,
            ).model_dump()
            for u in regions.units
            if visible(principal, u.level, u.adcode, u.parent)
        ]

    return await _cached(request, ("regions", regions.generation, _scope(principal)), make)


@router.get("/geojson", summary="Boundaries as GeoJSON / 行政区边界")
async def geojson(
    request: Request,
    principal: CurrentPrincipal,
    level: RegionLevel = "county",
) -> Response:
    """A GeoJSON FeatureCollection of one level, in WGS84 longitude/latitude, simplified
    for display; only units the caller may see. Properties: ``adcode, name, name_en,
    level, parent`` (``name_en`` null where no English name is known; a township's parent
    is its county). A level below county the base dataset does not give has no features.
    行政区边界(WGS84,已简化),仅限可见范围。"""
    regions = await regions_of(request, level)

    def make() -> dict[str, Any]:
        features = [
            f
            for f in regions.features(level)
            if visible(principal, level, int(f["properties"]["adcode"]), f["properties"]["parent"])
        ]
        return {"type": "FeatureCollection", "features": features}

    return await _cached(request, ("geojson", regions.generation, level, _scope(principal)), make)
