"""``/api/zoning/checks``: a site or plan checked against the zoning control (生态环境分区
管控符合性核查), on the platform's zoning dataset (setting ``zoning_data``, default the
synthetic demo beside the base dataset).

Every signed-in user may check a site within its region: a site whose control units all
lie in counties outside the caller's scope answers 404, as the GEP accounts do. Each check
is kept (``<work_dir>/zoning-checks/<id>.json`` with its opinion PDF ``<id>.pdf``) and
written to the audit log (action ``zoning.check``); the list shows the checks of the units
the caller may see. Answers carry ids and download names, never a server path.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from ganpo.store import platform
from ganpo.web.auth import CurrentPrincipal, Principal, store
from ganpo.web.validation import PLATFORM_ID

if TYPE_CHECKING:
    from ganpo.zoning.units import ZoningDataset

router = APIRouter()
FOLDER = "zoning-checks"
CheckId = Annotated[str, PathParam(description="check id / 核查编号", **PLATFORM_ID)]


class CheckIn(BaseModel):
    """The site (WKT or GeoJSON in longitude and latitude) and the project's industry."""

    site: str = Field(min_length=5, max_length=200_000, description="WKT or GeoJSON, EPSG:4326")
    industry: str = Field(min_length=1, max_length=10, description="GB/T 4754-2017 code")
    lang: Literal["zh", "en"] = "zh"
    issuer: str = Field(default="", max_length=100)


class CheckOut(BaseModel):
    id: str
    industry: dict[str, str]
    kind: str
    measure: float = Field(description="hm² for a polygon, km for a line / 面积或长度")
    verdict: str
    verdict_zh: str
    verdict_en: str
    units: list[dict[str, Any]]
    redlines: list[dict[str, Any]]
    clauses: list[dict[str, Any]]
    synthetic: bool
    dataset_zh: str
    dataset_en: str
    file_name: str
    created_by: str
    created_at: str


def zoning_folder(data_dir: Path) -> Path:
    """The synthetic zoning demo beside the base dataset (``data/zoning-demo``)."""
    return Path(data_dir).parent / "zoning-demo"


@lru_cache(maxsize=4)
def _dataset(folder: str, _mtime: float) -> ZoningDataset:
    from ganpo.zoning.units import read_zoning

    return read_zoning(Path(folder))


def _zoning(request: Request) -> ZoningDataset:
    settings = request.app.state.settings
    folder = Path(settings.zoning_data or zoning_folder(Path(settings.data_dir)))
    desc = folder / "zoning-dataset.toml"
    if not desc.is_file():
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "no zoning dataset on this platform: set GANPO_ZONING_DATA, or run "
            "`ganpo zoning demo` for the synthetic one / 平台尚未配置分区管控数据",
        )
    return _dataset(str(folder), desc.stat().st_mtime)


def _folder(request: Request) -> Path:
    return Path(request.app.state.settings.work_dir) / FOLDER


def _read(folder: Path, check_id: str) -> CheckOut | None:
    meta = folder / f"{check_id}.json"
    if not meta.is_file():
        return None
    return CheckOut.model_validate_json(meta.read_text(encoding="utf-8"))


def _sees(principal: Principal, check: CheckOut) -> bool:
    return principal.sees_all or any(
        principal.can_see(int(u["county_adcode"])) for u in check.units
    )


@router.post(
    "/checks",
    response_model=CheckOut,
    status_code=status.HTTP_201_CREATED,
    summary="Check a site against the zoning / 选址分区管控核查",
)
def create_check(body: CheckIn, request: Request, principal: CurrentPrincipal) -> CheckOut:
    """The control units and red lines the site falls in, the clauses that apply, the
    verdict, and the opinion PDF; audited. A site outside your region: 404.
    核查选址涉及的管控单元、生态保护红线与适用条款，生成分析意见（记入审计日志）。"""
    from ganpo.report.zoning_opinion import write_zoning_opinion
    from ganpo.zoning.check import check_site, site_geometry

    ds = _zoning(request)
    geom = site_geometry(body.site, files=False)
    result = check_site(ds, geom, body.industry)
    counties = {int(u["county_adcode"]) for u in result.units}
    if not principal.sees_all and not any(principal.can_see(c) for c in counties):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, "the site lies outside your region / 选址不在您的权限范围内"
        )
    folder = _folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    check_id = secrets.token_hex(8)
    pdf = folder / f"{check_id}.pdf"
    write_zoning_opinion(ds, result, geom, pdf, body.lang, issuer=body.issuer.strip())
    ind = result.industry
    record = CheckOut(
        id=check_id,
        industry={"code": ind.code, "section": ind.section, "zh": ind.zh, "en": ind.en},
        kind=result.kind,
        measure=result.measure,
        verdict=result.verdict,
        verdict_zh=result.verdict_zh,
        verdict_en=result.verdict_en,
        units=result.units,
        redlines=result.redlines,
        clauses=result.clauses,
        synthetic=result.synthetic,
        dataset_zh=ds.title_zh,
        dataset_en=ds.title_en,
        file_name=f"zoning_opinion_{check_id}_{body.lang}.pdf",
        created_by=principal.username,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    meta = folder / f"{check_id}.json"
    site_file = folder / f"{check_id}.site"
    engine = store(request)
    try:
        tmp = meta.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(record.model_dump(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, meta)
        site_file.write_text(body.site, encoding="utf-8")
        with engine.begin() as conn:
            platform.audit(
                conn,
                actor=principal.username,
                action="zoning.check",
                entity="zoning_check",
                entity_id=check_id,
                before=None,
                after={
                    "industry": ind.code,
                    "verdict": result.verdict,
                    "units": [u["code"] for u in result.units],
                    "redlines": [r["code"] for r in result.redlines],
                    "dataset": ds.title_en,
                    "dataset_version": ds.version,
                },
            )
    except BaseException:
        for p in (pdf, meta, site_file):  # a check without its audit row is not kept
            p.unlink(missing_ok=True)
        raise
    return record


@router.get("/checks", response_model=list[CheckOut], summary="Zoning checks / 分区管控核查记录")
def list_checks(request: Request, principal: CurrentPrincipal) -> list[CheckOut]:
    """The checks of sites within your region, newest first. 本人权限范围内的核查记录。"""
    folder = _folder(request)
    if not folder.is_dir():
        return []
    found = [
        c
        for meta in folder.glob("*.json")
        if (c := _read(folder, meta.stem)) is not None and _sees(principal, c)
    ]
    return sorted(found, key=lambda c: (c.created_at, c.id), reverse=True)


def _visible(request: Request, principal: Principal, check_id: str) -> CheckOut:
    found = _read(_folder(request), check_id)
    if found is None or not _sees(principal, found):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such zoning check / 没有该核查记录")
    return found


@router.get("/checks/{check_id}", response_model=CheckOut, summary="One zoning check / 核查详情")
def get_check(check_id: CheckId, request: Request, principal: CurrentPrincipal) -> CheckOut:
    return _visible(request, principal, check_id)


@router.get(
    "/checks/{check_id}/opinion",
    response_class=FileResponse,
    summary="The opinion PDF / 分析意见",
    responses={200: {"content": {"application/pdf": {}}}},
)
def check_opinion(check_id: CheckId, request: Request, principal: CurrentPrincipal) -> FileResponse:
    found = _visible(request, principal, check_id)
    return FileResponse(
        _folder(request) / f"{check_id}.pdf", media_type="application/pdf", filename=found.file_name
    )


@router.get(
    "/checks/{check_id}/map.png",
    summary="The site's map / 选址示意图",
    responses={200: {"content": {"image/png": {}}}},
)
def check_map(
    check_id: CheckId,
    request: Request,
    principal: CurrentPrincipal,
    lang: Literal["zh", "en"] = "zh",
) -> Response:
    from ganpo.report.zoning_opinion import site_map_png
    from ganpo.zoning.check import site_geometry

    _visible(request, principal, check_id)
    site = (_folder(request) / f"{check_id}.site").read_text(encoding="utf-8")
    png = site_map_png(_zoning(request), site_geometry(site, files=False), lang)
    return Response(png, media_type="image/png")
