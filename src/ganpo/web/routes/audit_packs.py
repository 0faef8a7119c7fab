"""``/api/audit/packs``: departure audit packs (领导干部自然资源资产离任审计资料) for auditors.

Only the roles ``auditor`` and ``admin`` may request or read a pack (others: 403). An
auditor works within its region: a unit outside it answers 404, as for the GEP accounts
(:func:`ganpo.web.auth.require_visible`), and the list shows only the packs of units it
may see. The figures are :func:`ganpo.apply.audit.departure_audit`, rendered by
:mod:`ganpo.report.audit_pack` (PDF or Excel) into ``<work_dir>/audit-packs/<id>.<ext>``
beside a metadata file ``<id>.json``; every generation is written to the audit log
(action ``audit_pack.create``) with who asked for which unit and tenure. Answers carry the
pack's id and a download name, never a server path. A tenure outside the stored accounts
still gives a pack: the figures it cannot give are listed in ``missing``.

The pack is made while the request waits (about 2 s on the test demo for Excel or PDF; the
first PDF after installing ~10 s more, the font cache; docs/platform.md).
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field, model_validator

from ganpo.store import platform
from ganpo.web.auth import Principal, hierarchy, require_roles, require_visible, store
from ganpo.web.validation import PLATFORM_ID

router = APIRouter()

#: who may request and read departure audit packs
AUDIT_ROLES = ("auditor", "admin")
Auditor = Annotated[Principal, Depends(require_roles(*AUDIT_ROLES))]
PackId = Annotated[str, PathParam(description="pack id / 审计资料编号", **PLATFORM_ID)]
MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FOLDER = "audit-packs"


class PackIn(BaseModel):
    """What to audit: a county or city and the tenure's dates."""

    unit: int = Field(ge=100000, le=999999, description="county or city adcode / 县市代码")
    start: date = Field(description="start of tenure, YYYY-MM-DD / 任期起始")
    end: date = Field(description="end of tenure, YYYY-MM-DD / 任期终止")
    format: Literal["pdf", "xlsx"] = "pdf"
    lang: Literal["zh", "en"] = "zh"
    issuer: str = Field(
        default="",
        max_length=100,
        description="body issuing the pack, on the PDF's cover / 出具单位（PDF 封面）",
    )

    @model_validator(mode="after")
    def _ordered(self) -> PackIn:
        if self.end <= self.start:
            raise ValueError(
                f"the tenure ends ({self.end.isoformat()}) before or on its start "
                f"({self.start.isoformat()}); give an end after the start "
                "/ 任期终止日期须晚于起始日期"
            )
        return self


class MissingOut(BaseModel):
    item: str
    text_zh: str
    text_en: str


class PackOut(BaseModel):
    id: str
    unit_code: int
    unit_name_zh: str
    unit_name_en: str
    level: str = Field(description="county or city / 县或市")
    start: str
    end: str
    years: dict[str, int] = Field(description="the account year for each date / 各时点所用核算年份")
    forest_inventory_years: dict[str, list[int]] = Field(
        default_factory=dict,
        description="the forest-inventory years of the forest stock at each date (empty: "
        "missing) / 各时点林木蓄积量所用森林资源清查年份",
    )
    format: str
    lang: str
    file_name: str = Field(description="download name / 下载文件名")
    size_bytes: int
    synthetic: bool = Field(description="some records used are synthetic / 含合成数据")
    missing: list[MissingOut] = Field(description="figures not available and why / 缺项及原因")
    created_by: str
    created_at: str


def _folder(request: Request) -> Path:
    return Path(request.app.state.settings.work_dir) / FOLDER


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _read(folder: Path, pack_id: str) -> PackOut | None:
    meta = folder / f"{pack_id}.json"
    if not meta.is_file():
        return None
    return PackOut.model_validate_json(meta.read_text(encoding="utf-8"))


@router.post(
    "",
    response_model=PackOut,
    status_code=status.HTTP_201_CREATED,
    summary="Make a departure audit pack / 生成离任审计资料",
)
def create_pack(body: PackIn, request: Request, principal: Auditor) -> PackOut:
    """The departure audit pack of a county or city for a tenure (PDF or Excel, Chinese
    or English): areas, forest stand volume, GEP at comparable prices, carbon and
    compensation at both dates, and the figures not available (``missing``). Audited. A
    unit outside your region: 404.
    生成县（市）领导干部自然资源资产离任审计资料（记入审计日志）。"""
    from ganpo.apply.audit import departure_audit

    require_visible(principal, body.unit)
    engine = store(request)
    work_dir = Path(request.app.state.settings.work_dir)
    pack = departure_audit(engine, body.unit, body.start, body.end, work_dir=work_dir)
    folder = _folder(request)
    folder.mkdir(parents=True, exist_ok=True)
    pack_id = secrets.token_hex(8)
    out = folder / f"{pack_id}.{body.format}"
    if body.format == "pdf":
        from ganpo.report.audit_pack import write_audit_pdf

        write_audit_pdf(pack, out, body.lang, issuer=body.issuer.strip())
    else:
        from ganpo.report.audit_pack import write_audit_workbook

        write_audit_workbook(pack, out, body.lang)
    stem = f"audit_{pack.unit_code}_{pack.start.isoformat()}_{pack.end.isoformat()}"
    record = PackOut(
        id=pack_id,
        unit_code=pack.unit_code,
        unit_name_zh=pack.unit_name,
        unit_name_en=hierarchy().name(pack.unit_code, "en"),
        level=pack.level,
        start=pack.start.isoformat(),
        end=pack.end.isoformat(),
        years=dict(pack.years),
        forest_inventory_years={k: list(v) for k, v in pack.stock_years.items()},
        format=body.format,
        lang=body.lang,
        file_name=f"{stem}_{body.lang}.{body.format}",
        size_bytes=out.stat().st_size,
        synthetic=pack.synthetic,
        missing=[MissingOut(item=m.item, text_zh=m.zh, text_en=m.en) for m in pack.missing],
        created_by=principal.username,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    meta = folder / f"{pack_id}.json"
    try:
        _write_json(meta, record.model_dump())
        with engine.begin() as conn:
            platform.audit(
                conn,
                actor=principal.username,
                action="audit_pack.create",
                entity="audit_pack",
                entity_id=pack_id,
                before=None,
                after={
                    "unit_code": pack.unit_code,
                    "unit_name": pack.unit_name,
                    "start": record.start,
                    "end": record.end,
                    "format": body.format,
                    "lang": body.lang,
                    "missing": [m.item for m in pack.missing],
                    "sources": [f"{s.kind} {s.id} ({s.status})" for s in pack.sources],
                },
            )
    except BaseException:
        # a pack without its audit row is not kept
        out.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        raise
    return record


@router.get("", response_model=list[PackOut], summary="Audit packs made / 已生成的审计资料")
def list_packs(request: Request, principal: Auditor) -> list[PackOut]:
    """The packs made on this platform of the units you may see, newest first.
    本人权限范围内已生成的离任审计资料。"""
    folder = _folder(request)
    if not folder.is_dir():
        return []
    packs = [
        p
        for meta in folder.glob("*.json")
        if (p := _read(folder, meta.stem)) is not None and principal.can_see(p.unit_code)
    ]
    return sorted(packs, key=lambda p: (p.created_at, p.id), reverse=True)


@router.get("/{pack_id}", response_model=PackOut, summary="One audit pack / 审计资料信息")
def get_pack(pack_id: PackId, request: Request, principal: Auditor) -> PackOut:
    """A pack's metadata (404 when unknown or outside your region)."""
    return _visible(request, principal, pack_id)


def _visible(request: Request, principal: Principal, pack_id: str) -> PackOut:
    found = _read(_folder(request), pack_id)
    if found is None or not principal.can_see(found.unit_code):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such audit pack / 没有该审计资料")
    return found


@router.get(
    "/{pack_id}/file",
    response_class=FileResponse,
    summary="Download an audit pack / 下载审计资料",
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
)
def pack_file(pack_id: PackId, request: Request, principal: Auditor) -> FileResponse:
    """The pack's file (PDF or Excel) under its download name. 下载审计资料文件。"""
    found = _visible(request, principal, pack_id)
    path = _folder(request) / f"{pack_id}.{found.format}"
    if not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such audit pack / 没有该审计资料")
    return FileResponse(path, media_type=MEDIA[found.format], filename=found.file_name)
