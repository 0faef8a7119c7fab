"""Assets API (/api/assets): site valuation, the ecological asset register, credit evidence
packs and damage valuation, on the library of :mod:`ganpo.apply`.

Roles: every logged-in user may value a site and read the register, **within its scope**
(a county viewer sees the parcels of its county only; a site or parcel outside the
caller's scope answers 403/404); the accounting office and admins change the register
(deposit, edit, package, value, withdraw), each change audited in its own transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
from fastapi import APIRouter, Depends, HTTPException, Request, Response, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from ganpo.apply import credit as credit_lib
from ganpo.apply import damage as damage_lib
from ganpo.apply import register as register_lib
from ganpo.apply import vep as vep_lib
from ganpo.errors import InputError
from ganpo.io.outputs import atomic_write
from ganpo.store import register as store_lib
from ganpo.store.register import PackageRecord, ParcelRecord
from ganpo.web.auth import CurrentPrincipal, Principal, require_roles, store
from ganpo.web.routes.apply_errors import client_names

router = APIRouter()
EDITORS = require_roles("office", "admin")
Editor = Annotated[Principal, Depends(EDITORS)]
UPLOAD_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


class Valuation(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    account_id: int = Field(description="stored account with value rasters / 核算编号")
    discount_rate: float = Field(vep_lib.DEFAULT_DISCOUNT_RATE, ge=0.0, le=1.0)
    horizon_years: int = Field(vep_lib.DEFAULT_HORIZON_YEARS, ge=1, le=1000)


class SiteRequest(Valuation):
    geometry: dict[str, Any] = Field(
        description="GeoJSON geometry, Feature or FeatureCollection (WGS84 unless 'crs')"
    )
    make_valid: bool = False


class ParcelIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    account_id: int
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    owner: str = Field(min_length=1, max_length=200)
    rights_type: Literal["ownership", "contract", "management", "use"]
    geometry: dict[str, Any]
    allow_overlap: bool = False
    make_valid: bool = False


class ParcelChange(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str | None = Field(None, min_length=1, max_length=200)
    owner: str | None = Field(None, min_length=1, max_length=200)
    rights_type: Literal["ownership", "contract", "management", "use"] | None = None
    status: Literal["deposited", "packaged", "withdrawn"] | None = None


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    parcels: list[str] = Field(min_length=1)
    description: str = ""


class DamageRequest(SiteRequest):
    recovery_years: int = Field(10, ge=1, le=1000)
    path: Literal["linear", "exponential", "table"] = "linear"
    table: list[float] | None = None
    severity: float = Field(1.0, gt=0.0, le=1.0)
    final_recovery: float = Field(1.0, ge=0.0, le=1.0)
    discount_interim: bool = True
    restoration_type: str | None = None
    maturity_years: int = Field(10, ge=1, le=1000)


# ----------------------------------------------------------------------------- helpers


def _check_sites(principal: Principal, counties: list[int]) -> None:
    hidden = [c for c in counties if not principal.can_see(c)]
    if hidden:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the polygon reaches counties outside your region ({', '.join(map(str, hidden))}) "
            "/ 多边形超出您的权限范围",
        )


def _parcel_visible(principal: Principal, parcel: ParcelRecord) -> bool:
    return principal.can_see(parcel.adcode)


def _package_visible(principal: Principal, pkg: PackageRecord) -> bool:
    return all(_parcel_visible(principal, p) for p in pkg.parcels)


def _not_found(code: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"no parcel or package {code!r} / 无此地块")


def _parcel_or_404(engine: Engine, principal: Principal, code: str) -> ParcelRecord:
    try:
        parcel = store_lib.get_parcel(engine, code)
    except KeyError:
        raise _not_found(code) from None
    if not _parcel_visible(principal, parcel):
        raise _not_found(code)
    return parcel


def _package_or_404(engine: Engine, principal: Principal, code: str) -> PackageRecord:
    try:
        pkg = store_lib.get_package(engine, code)
    except KeyError:
        raise _not_found(code) from None
    if not _package_visible(principal, pkg):
        raise _not_found(code)
    return pkg


def _parcel_out(p: ParcelRecord) -> dict[str, Any]:
    out = p.public()
    wgs = vep_lib.to_crs(p.geometry, p.crs, vep_lib.WGS84)
    out["geometry_wgs84"] = json.loads(gpd.GeoSeries([wgs]).to_json())["features"][0]["geometry"]
    return out


def _value_site(engine: Engine, principal: Principal, body: SiteRequest) -> dict[str, Any]:
    v = vep_lib.value_site(
        engine,
        body.account_id,
        body.geometry,
        discount_rate=body.discount_rate,
        horizon_years=body.horizon_years,
        make_valid=body.make_valid,
    )
    _check_sites(principal, [int(c) for c in v.counties["county_adcode"]])
    return v.to_dict()


# ----------------------------------------------------------------------------- site value


@router.post("/vep", summary="Value a drawn polygon / 地块生态产品价值评估")
def value_polygon(body: SiteRequest, request: Request, principal: CurrentPrincipal) -> Any:
    """Annual service flows (exact partial-cell sums of the account's value rasters) and
    asset value (NPV) of a GeoJSON polygon; statistics-based services are listed as
    excluded. A polygon reaching outside the caller's region is refused (403)."""
    return _value_site(store(request), principal, body)


@router.post("/vep/upload", summary="Value an uploaded polygon file / 上传多边形估值")
async def value_upload(
    request: Request,
    principal: CurrentPrincipal,
    file: UploadFile,
    account_id: int,
    discount_rate: float = vep_lib.DEFAULT_DISCOUNT_RATE,
    horizon_years: int = vep_lib.DEFAULT_HORIZON_YEARS,
) -> Any:
    """Multipart field ``file``: GeoJSON, GeoPackage or a zipped shapefile (any CRS)."""
    settings = request.app.state.settings
    limit = int(settings.max_upload_mb) * 1024 * 1024
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unsupported file type {suffix or '(none)'}; send {', '.join(UPLOAD_SUFFIXES)} "
            "/ 不支持的文件类型",
        )
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the upload is larger than {settings.max_upload_mb} MB / 文件超过上限",
        )
    folder = Path(settings.work_dir) / "uploads" / "assets"
    path = folder / f"{uuid.uuid4().hex}{suffix}"  # the client's name is never a path
    atomic_write(path, lambda tmp: tmp.write_bytes(data))
    try:

        def run() -> dict[str, Any]:
            engine = store(request)
            with client_names({path: f"uploaded file {file.filename or ''!r}"}):
                v = vep_lib.value_site(
                    engine,
                    account_id,
                    path,
                    discount_rate=discount_rate,
                    horizon_years=horizon_years,
                )
            _check_sites(principal, [int(c) for c in v.counties["county_adcode"]])
            return v.to_dict()

        return await run_in_threadpool(run)
    finally:
        path.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- register


@router.get("/parcels", summary="Registered parcels in your scope / 地块列表")
def list_parcels(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    counties = None if principal.sees_all else principal.visible_counties()
    return [p.public() for p in store_lib.list_parcels(store(request), counties)]


@router.get("/parcels/{code}", summary="One parcel with its geometry / 地块详情")
def get_parcel(code: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    return _parcel_out(_parcel_or_404(store(request), principal, code))


@router.post("/parcels", status_code=201, summary="Deposit a parcel / 地块入库")
def deposit(body: ParcelIn, request: Request, principal: Editor) -> Any:
    """Checked against the region and the registered parcels (overlap refused unless
    ``allow_overlap``); area, county and ecosystem composition come from the account."""
    frame = vep_lib.read_features(body.geometry)
    if len(frame) != 1:
        raise InputError(
            en="send one polygon per parcel", zh="每个地块一个多边形", field="geometry"
        )
    parcel = register_lib.deposit_parcel(
        store(request),
        body.account_id,
        frame.geometry.iloc[0],
        frame.crs,
        code=body.code,
        name=body.name,
        owner=body.owner,
        rights_type=body.rights_type,
        actor=principal.username,
        allow_overlap=body.allow_overlap,
        make_valid=body.make_valid,
    )
    return _parcel_out(parcel)


@router.patch("/parcels/{code}", summary="Edit a parcel / 修改地块")
def edit_parcel(code: str, body: ParcelChange, request: Request, principal: Editor) -> Any:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise InputError(en="nothing to change", zh="没有要修改的字段", field="body")
    engine = store(request)
    _parcel_or_404(engine, principal, code)
    return store_lib.update_parcel(engine, code, changes, actor=principal.username).public()


@router.delete("/parcels/{code}", status_code=204, summary="Remove a parcel / 删除地块")
def remove_parcel(code: str, request: Request, principal: Editor) -> Response:
    engine = store(request)
    _parcel_or_404(engine, principal, code)
    store_lib.delete_parcel(engine, code, actor=principal.username)
    return Response(status_code=204)


@router.get("/packages", summary="Packages in your scope / 资产包列表")
def list_packages(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    return [
        p.public()
        for p in store_lib.list_packages(store(request))
        if _package_visible(principal, p)
    ]


@router.get("/packages/{code}", summary="One package / 资产包详情")
def get_package(code: str, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    pkg = _package_or_404(store(request), principal, code)
    return {**pkg.public(), "parcel_details": [p.public() for p in pkg.parcels]}


@router.post("/packages", status_code=201, summary="Bundle parcels / 地块打包")
def create_package(body: PackageIn, request: Request, principal: Editor) -> dict[str, Any]:
    engine = store(request)
    store_lib.add_package(
        engine,
        body.code,
        body.name,
        body.parcels,
        actor=principal.username,
        description=body.description,
    )
    return store_lib.get_package(engine, body.code).public()


@router.delete("/packages/{code}", status_code=204, summary="Dissolve a package / 解散资产包")
def remove_package(code: str, request: Request, principal: Editor) -> Response:
    engine = store(request)
    _package_or_404(engine, principal, code)
    store_lib.delete_package(engine, code, actor=principal.username)
    return Response(status_code=204)


@router.post("/value/{code}", summary="Value a parcel or package (stored) / 估值并记录")
def value_target(code: str, body: Valuation, request: Request, principal: Editor) -> dict[str, Any]:
    """A package is valued on the union of its parcels (overlaps counted once)."""
    engine = store(request)
    kind, _, _ = credit_lib.resolve_target(engine, code)
    kw: dict[str, Any] = {
        "discount_rate": body.discount_rate,
        "horizon_years": body.horizon_years,
        "actor": principal.username,
    }
    if kind == "parcel":
        return register_lib.value_parcel(engine, code, body.account_id, **kw).to_dict()
    return register_lib.value_package(engine, code, body.account_id, **kw).to_dict()


@router.get("/valuations/{code}", summary="Stored valuations / 估值记录")
def valuations(code: str, request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    engine = store(request)
    _visible_target(engine, principal, code)
    return store_lib.list_valuations(engine, code)


def _visible_target(engine: Engine, principal: Principal, code: str) -> None:
    try:
        _, _, parcels = credit_lib.resolve_target(engine, code)
    except KeyError:
        raise _not_found(code) from None
    if not all(_parcel_visible(principal, p) for p in parcels):
        raise _not_found(code)


# ----------------------------------------------------------------------------- evidence


@router.get(
    "/evidence/{code}",
    summary="Credit evidence pack (PDF or JSON) / 生态信用证明材料",
    responses={200: {"content": {"application/pdf": {}, "application/json": {}}}},
)
def evidence(
    code: str,
    request: Request,
    principal: CurrentPrincipal,
    account_id: int | None = None,
    format: Literal["pdf", "json"] = "pdf",
) -> Any:
    """The evidence pack of a parcel or package in the caller's scope: location map,
    services with methods and uncertainty, trend, rights, and the ecological credit score
    of the shipped rule. No loan price is computed. Packs are kept in the work folder."""
    engine = store(request)
    _visible_target(engine, principal, code)
    ev = credit_lib.build_evidence(engine, code, account_id)
    if format == "json":
        return ev.to_dict()
    digest = hashlib.sha256(
        json.dumps(ev.to_dict(), sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    folder = Path(request.app.state.settings.work_dir) / "evidence" / digest
    pdf = folder / f"{''.join(c if c.isalnum() or c in '-_' else '_' for c in code)}_evidence.pdf"
    if not pdf.exists():
        credit_lib.write_evidence(ev, folder)
    return FileResponse(pdf, media_type="application/pdf", filename=pdf.name)


# ----------------------------------------------------------------------------- damage


@router.post("/damage", summary="Damage valuation / 生态损害评估")
def damage(body: DamageRequest, request: Request, principal: Editor) -> Any:
    """Interim loss (lost flow × duration, at the account's prices) and permanent loss
    (NPV) of a damaged polygon against the pre-damage account, with the equivalency when
    ``restoration_type`` is given (GB/T 39791.1-2020)."""
    result = damage_lib.assess_damage(
        store(request),
        body.account_id,
        body.geometry,
        recovery_years=body.recovery_years,
        path=body.path,
        severity=body.severity,
        final_recovery=body.final_recovery,
        table=body.table,
        discount_rate=body.discount_rate,
        discount_interim=body.discount_interim,
        horizon_years=body.horizon_years,
        restoration_type=body.restoration_type,
        maturity_years=body.maturity_years,
        make_valid=body.make_valid,
    )
    _check_sites(principal, [int(c) for c in result.baseline.counties["county_adcode"]])
    return result.to_dict()
