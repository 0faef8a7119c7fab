"""``/api/tracking/reports``: the yearly report to the people's congress standing
committee on the platform (docs/tracking.md, "The yearly report on the platform";
docs/decisions/0044-tracking-alerts-and-report-on-the-platform.md).

- ``GET /preview``: a draft (not issued) rendered now from the stored series, PDF or Word;
  after an issued version, it lists what changed since (chapter 六); ``GET /changes`` the
  same changes as data.
- ``POST ""``: issue the next version exactly as ``ganpo tracking report --issue`` does
  (:func:`ganpo.report.tracking_report.issue_tracking_report`: the PDF kept under the
  work folder, never overwritten, stored with its figures and SHA-256), audited
  (``tracking_report.issue``) in the transaction that stores it.
- ``GET ""``: the issued versions; ``GET /{year}/{version}/file``: one issued version,
  its kept PDF (or, when the kept file is not in this platform's work folder, the PDF
  rendered again from its stored figures: the same numbers), or Word from its stored
  figures. A series revised after issue changes the next preview, never an issued file.

Who: the report is the province's, so reading it (preview, list, files) needs a
province-wide scope: ``admin``, ``office`` and ``reviewer``, or a ``viewer`` or
``auditor`` of the province (a city or county one: 403); department reporters fill forms
and do not read it. Issuing needs ``admin`` or ``office`` (the accounting office of the
development and reform commission and statistics bureau, which publishes the results).
The figures come from the series stored in force (``ganpo tracking series``) and the
shipped decision's targets, as the CLI's.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import status as http
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from ganpo.errors import StoreError
from ganpo.store import platform
from ganpo.web.auth import HOME_PROVINCE, CurrentPrincipal, Principal, require_roles, store

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from ganpo.store.tracking import IssuedReport

router = APIRouter()

#: roles that may read the report (with a province-wide scope) and that may issue it
READ_ROLES = ("admin", "office", "reviewer", "viewer", "auditor")
ISSUE_ROLES = ("admin", "office")
Issuer = Annotated[Principal, Depends(require_roles(*ISSUE_ROLES))]
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
Year = Annotated[int, Query(ge=2000, le=2100, description="year reported / 报告年份")]
Format = Literal["pdf", "docx"]
Lang = Literal["zh", "en"]
MethodName = Literal["required_growth", "linear"]


def may_read(principal: Principal) -> bool:
    """Whether ``principal`` may read the yearly report (a province-wide reader)."""
    return principal.role in READ_ROLES and (
        principal.sees_all or principal.scope_adcode == HOME_PROVINCE
    )


def _reader(principal: CurrentPrincipal) -> Principal:
    if not may_read(principal):
        raise HTTPException(
            http.HTTP_403_FORBIDDEN,
            "the yearly report is read by the province's offices and viewers only "
            "/ 年度报告仅限省级用户查看",
        )
    return principal


Reader = Annotated[Principal, Depends(_reader)]


class IssueIn(BaseModel):
    year: int = Field(ge=2000, le=2100, description="year reported / 报告年份")
    lang: Lang = "zh"
    method: MethodName = "required_growth"
    issuer: str = Field(
        default="", max_length=100, description="issuing body, on the cover / 报告单位"
    )


class ChangeOut(BaseModel):
    indicator_zh: str
    indicator_en: str
    unit_name_zh: str
    unit_name_en: str
    year: int
    old: float | None
    new: float | None
    unit: str
    source: str


class ReportOut(BaseModel):
    year: int
    version: int
    lang: str
    issued_at: str
    issued_by: str
    changes: list[ChangeOut]
    pdf_sha256: str
    file_pdf: str = Field(description="download name of the issued PDF / 下载文件名")
    file_docx: str


class ChangesOut(BaseModel):
    year: int
    previous_version: int | None = Field(description="the last issued version / 上一印发版本")
    changes: list[ChangeOut]


def _out(r: IssuedReport) -> ReportOut:
    stem = f"tracking-report-{r.year}-v{r.version}-{r.lang}"
    return ReportOut(
        year=r.year,
        version=r.version,
        lang=r.lang,
        issued_at=r.issued_at.isoformat(timespec="seconds"),
        issued_by=r.issued_by,
        changes=[ChangeOut.model_validate(c) for c in r.changes],
        pdf_sha256=r.pdf_sha256,
        file_pdf=f"{stem}.pdf",
        file_docx=f"{stem}.docx",
    )


def _work_dir(request: Request) -> Path:
    return Path(request.app.state.settings.work_dir)


def _figures(engine: Engine, year: int, method: MethodName) -> list[dict[str, Any]]:
    """The report's figures now: the shipped decision's targets, the stored series."""
    from ganpo.report.tracking_report import unit_names
    from ganpo.store.tracking import observations_in_force
    from ganpo.tracking.decision import register
    from ganpo.tracking.stored import use_series
    from ganpo.tracking.yearly_report import report_figures

    registry = register()
    use_series(registry, observations_in_force(engine))
    return report_figures(registry, year, method=method, names=unit_names)


def _changes(
    engine: Engine, year: int, figures: list[dict[str, Any]]
) -> tuple[int | None, list[dict[str, Any]] | None]:
    from ganpo.store.tracking import list_reports
    from ganpo.tracking.yearly_report import changes_between

    issued = list_reports(engine, year)
    if not issued:
        return None, None
    return issued[-1].version, changes_between(issued[-1].figures, figures)


def _scratch(request: Request, suffix: str) -> Path:
    folder = _work_dir(request) / "tracking-previews"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(fd)
    return Path(name)


def _send(path: Path, fmt: Format, name: str) -> FileResponse:
    """A rendered file, removed once sent."""
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=name,
        background=BackgroundTask(path.unlink, missing_ok=True),
    )


@router.get("", response_model=list[ReportOut], summary="Issued reports / 已印发的年度报告")
def list_issued(request: Request, principal: Reader, year: Year | None = None) -> list[ReportOut]:
    """The issued versions of the yearly report (of ``year``), by year and version.
    已印发的年度报告各版本。"""
    from ganpo.store.tracking import list_reports

    return [_out(r) for r in list_reports(store(request), year)]


@router.get("/changes", response_model=ChangesOut, summary="Changes since issue / 印发后的变化")
def changes_since_issue(
    request: Request, principal: Reader, year: Year, method: MethodName = "required_growth"
) -> ChangesOut:
    """What the next version would list as changed since the last issued one: each value
    whose stored series was revised (old → new, the new value's source).
    下一版将列出的数据变化。"""
    engine = store(request)
    previous, changes = _changes(engine, year, _figures(engine, year, method))
    return ChangesOut(
        year=year,
        previous_version=previous,
        changes=[ChangeOut.model_validate(c) for c in changes or []],
    )


@router.get(
    "/preview",
    response_class=FileResponse,
    summary="Preview the report (draft) / 预览报告（草稿）",
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
)
def preview(
    request: Request,
    principal: Reader,
    year: Year,
    lang: Lang = "zh",
    format: Format = "pdf",
    method: MethodName = "required_growth",
) -> FileResponse:
    """The report as it would be issued now (marked draft, not issued, nothing stored),
    from the series stored in force, PDF or Word; after an issued version it lists the
    changes since. 按当前库中序列生成的报告草稿（未印发）。"""
    engine = store(request)
    figures = _figures(engine, year, method)
    previous, changes = _changes(engine, year, figures)
    out = _scratch(request, f".{format}")
    write = _writer(format)
    try:
        write(figures, year, out, lang, changes=changes, previous_version=previous)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return _send(out, format, f"tracking-report-{year}-draft-{lang}.{format}")


def _writer(fmt: Format) -> Callable[..., Path]:
    if fmt == "docx":
        from ganpo.report.tracking_docx import write_tracking_docx

        return write_tracking_docx
    from ganpo.report.tracking_report import write_tracking_report

    return write_tracking_report


@router.post(
    "",
    response_model=ReportOut,
    status_code=http.HTTP_201_CREATED,
    summary="Issue the report / 印发报告",
)
def issue(body: IssueIn, request: Request, principal: Issuer) -> ReportOut:
    """Issue the next version of the ``year`` report, as ``ganpo tracking report --issue``:
    its figures and changes stored, its PDF kept and never overwritten; audited.
    印发下一版年度报告（记入审计日志）。"""
    from ganpo.report.tracking_report import issue_tracking_report

    engine = store(request)
    figures = _figures(engine, body.year, body.method)

    def audit(session: Session, issued: IssuedReport) -> None:
        platform.audit(
            session,
            actor=principal.username,
            action="tracking_report.issue",
            entity="tracking_report",
            entity_id=f"{issued.year}-v{issued.version}",
            before=None,
            after={
                "year": issued.year,
                "version": issued.version,
                "lang": issued.lang,
                "method": body.method,
                "pdf_sha256": issued.pdf_sha256,
                "changes": len(issued.changes),
                "figures": len(issued.figures),
            },
        )

    try:
        stored, _ = issue_tracking_report(
            engine,
            figures,
            body.year,
            _work_dir(request),
            body.lang,
            issued_by=principal.username,
            issuer=body.issuer.strip(),
            also=audit,
        )
    except StoreError as exc:
        if "already issued" in str(exc):  # someone issued this version meanwhile
            raise HTTPException(http.HTTP_409_CONFLICT, str(exc)) from exc
        raise
    return _out(stored)


@router.get(
    "/{year}/{version}/file",
    response_class=FileResponse,
    summary="Download an issued version / 下载已印发版本",
    responses={200: {"content": {m: {} for m in MEDIA.values()}}},
)
def issued_file(
    year: int, version: int, request: Request, principal: Reader, format: Format = "pdf"
) -> FileResponse:
    """An issued version: its kept PDF (the file issued; rendered again from its stored
    figures when it is not in this platform's work folder), or Word from its stored
    figures. Never today's series. 下载已印发版本（数据为印发时的数据）。"""
    from ganpo.store.tracking import list_reports

    found = [r for r in list_reports(store(request), year) if r.version == version]
    if not found:
        raise HTTPException(
            http.HTTP_404_NOT_FOUND,
            f"no issued version {version} of the {year} report / {year}年报告没有第{version}版",
        )
    issued = found[0]
    name = f"{_out(issued).file_pdf[:-4]}.{format}"
    if format == "pdf":
        kept = _work_dir(request) / issued.pdf_name
        if kept.is_file() and hashlib.sha256(kept.read_bytes()).hexdigest() == issued.pdf_sha256:
            return FileResponse(kept, media_type=MEDIA["pdf"], filename=name)
    out = _scratch(request, f".{format}")
    try:
        if format == "pdf":
            from ganpo.report.tracking_report import rerender_issued

            rerender_issued(issued, out)
        else:
            from ganpo.report.tracking_docx import write_issued_docx

            write_issued_docx(issued, out)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return _send(out, format, name)
