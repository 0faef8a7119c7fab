"""``/api/regions``: administrative units and their boundaries, within the caller's scope."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ganpo.web.auth import CurrentPrincipal, hierarchy
from ganpo.web.data import Regions, regions_for, regions_if_built

router = APIRouter()


class RegionOut(BaseModel):
    adcode: int
    name_zh: str
    name_en: str | None = None
    level: Literal["province", "city", "county"]
    parent: int | None


async def regions_of(request: Request, level: str | None = None) -> Regions:
    """The platform's units; built (and the level's GeoJSON) in a worker thread once."""
    settings = request.app.state.settings
    regions = regions_if_built(settings.data_dir)
    if regions is None:
        regions = await run_in_threadpool(regions_for, settings.data_dir)
    if level is not None and not regions.has_features(level):
        await run_in_threadpool(regions.features, level)
    return regions


@router.get("", response_model=list[RegionOut], summary="Regions in scope / 可见行政区")
async def list_regions(request: Request, principal: CurrentPrincipal) -> list[RegionOut]:
    """Province, cities and counties the caller may see (province first, then cities, then
    counties); ``name_en`` is the English name where ganpo knows it (Jiangxi's units).
    当前用户可见的省、市、县。"""
    english = hierarchy().name_en
    return [
        RegionOut(
            adcode=u.adcode,
            name_zh=u.name_zh,
            name_en=english.get(u.adcode),
            level=u.level,
            parent=u.parent,
        )
        for u in (await regions_of(request)).units
        if principal.can_see(u.adcode)
    ]


@router.get("/geojson", summary="Boundaries as GeoJSON / 行政区边界")
async def geojson(
    request: Request,
    principal: CurrentPrincipal,
    level: Literal["county", "city", "province"] = "county",
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of one level, in WGS84 longitude/latitude, simplified
    for display; only units the caller may see. Properties: ``adcode, name, name_en,
    level, parent`` (``name_en`` null where no English name is known).
    行政区边界(WGS84,已简化),仅限可见范围。"""
    features = [
        f
        for f in (await regions_of(request, level)).features(level)
        if principal.can_see(int(f["properties"]["adcode"]))
    ]
    return {"type": "FeatureCollection", "features": features}
