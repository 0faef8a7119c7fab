"""Statistical reporting API (统计报表): forms, templates, uploads, review, readiness.

Thin HTTP layer over :mod:`ganpo.submissions`; who may do what is decided there
(reporter: its own department's forms; reviewer, office, admin: review; viewers: no
access). Errors: 403 not allowed, 404 unknown submission, 409 the state does not allow
the action (or flagged values are not explained yet), 413 too large, 422 the upload has
problems — ``{detail, detail_en, detail_zh, problems: [{row, column, value, cell, reason,
reason_zh, reason_en}]}``, every problem at once. A table that passes may carry ``flags`` (unusual
values, fluctuations against last year; same fields plus ``key`` and ``kind``): the
reporter explains each (``POST …/submissions/{id}/explanations``) before submitting; the
reviewer sees them with their explanations in the submission (docs/decisions/0027).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from ganpo.catalog.departments import departments
from ganpo.catalog.profiles import profile_names
from ganpo.errors import InputError, UnknownNameError, pattern_in_words
from ganpo.store import reporting as store
from ganpo.store.reporting import WorkflowError
from ganpo.submissions import workflow as wf
from ganpo.submissions.dataset import blocking, readiness
from ganpo.submissions.forms import all_forms, form
from ganpo.submissions.template import template_csv, template_xlsx
from ganpo.submissions.validate import Limits, UploadError
from ganpo.web.auth import CurrentPrincipal, Principal
from ganpo.web.auth import store as engine_of
from ganpo.web.failures import error_answer

router = APIRouter()

Year = Annotated[int, Query(ge=1949, le=2100, description="reporting year / 报告年份")]
#: an accounting profile's name
PROFILE = pattern_in_words(
    r"^[A-Za-z0-9_.-]+$", "letters, digits, _, . or -", "字母、数字、_、. 或 -"
)
ProfileName = Annotated[
    str | None, Query(max_length=100, description="accounting profile", **PROFILE)
]
Id = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
MULTIPART_OVERHEAD = 64 * 1024
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "geotiff": "image/tiff",
}


class CommentBody(BaseModel):
    comment: str | None = Field(default=None, max_length=wf.MAX_COMMENT)


class ReturnBody(BaseModel):
    comment: str = Field(min_length=1, max_length=wf.MAX_COMMENT)


class ExplainBody(BaseModel):
    explanations: dict[str, str] = Field(min_length=1, max_length=500)


class AdoptBody(BaseModel):
    year: int = Field(ge=1949, le=2100)
    forms: list[str] | None = Field(default=None, max_length=100)
    profile: str | None = Field(default=None, max_length=100, **PROFILE)
    comment: str | None = Field(default=None, max_length=wf.MAX_COMMENT)


@contextmanager
def _http() -> Iterator[None]:
    """Map the workflow's errors onto HTTP status codes."""
    try:
        yield
    except wf.NotAllowedError as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(exc)) from exc
    except WorkflowError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except UnknownNameError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def _profile(name: str | None) -> str | None:
    if name is not None and name not in profile_names():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown profile {name!r}; profiles: {', '.join(profile_names())}",
        )
    return name


def _settings(request: Request) -> Any:
    return request.app.state.settings


def _submission(request: Request, principal: Principal, submission_id: int) -> Any:
    with _http():  # a role without access learns nothing, not even whether the id exists
        wf.require_reporting(principal)
    found = store.get_submission(engine_of(request), submission_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no submission {submission_id} / 无此填报")
    with _http():  # the record just read: not read a second time
        wf.require_may_see(principal, found)
    return found


def _brief(sub: store.SubmissionRecord | None) -> dict[str, Any] | None:
    if sub is None:
        return None
    return {
        "id": sub.id,
        "state": sub.state,
        "state_name": store.STATE_NAMES[sub.state],
        "current_version": sub.current_version,
        "updated_at": sub.updated_at.isoformat(),
    }


@router.get("/departments", summary="Reporting departments / 填报部门")
def list_departments(principal: CurrentPrincipal) -> list[dict[str, Any]]:
    """The departments and the table and layer roles each reports. 各部门及其报送内容。"""
    with _http():
        wf.require_reporting(principal)
    return [
        {
            "key": d.key,
            "name_zh": d.name_zh,
            "name_en": d.name_en,
            "tables": list(d.tables),
            "layers": list(d.layers),
            "note_zh": d.note_zh,
            "note_en": d.note_en,
        }
        for d in departments().values()
    ]


@router.get("/forms", summary="Forms of a year / 年度报表")
def list_forms(
    request: Request, principal: CurrentPrincipal, year: Year, profile: ProfileName = None
) -> list[dict[str, Any]]:
    """The forms of ``year`` with their columns, units, required flags and the state of
    their submission; a reporter sees its own department's. 本年度须填报的报表。"""
    with _http():
        wf.require_reporting(principal)
    scope = wf.visible_departments(principal)
    subs = {s.form: s for s in store.list_submissions(engine_of(request), year=year)}
    return [
        {**f.as_dict(), "submission": _brief(subs.get(f.key))}
        for f in all_forms(year, _profile(profile))
        if scope is None or f.department in scope
    ]


@router.get(
    "/forms/{form_key}/template",
    summary="Download a form's template / 下载报表模板",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPES["xlsx"]: {}, "text/csv": {}}}},
)
def download_template(
    form_key: str,
    request: Request,
    principal: CurrentPrincipal,
    year: Year,
    format: Literal["xlsx", "csv"] = "xlsx",
    profile: ProfileName = None,
) -> Response:
    """The Excel (or CSV) template with the region's counties filled in. 报表模板。"""
    with _http():
        f = form(form_key, year, _profile(profile))
        if not wf.may_see(principal, f.department):
            raise wf.NotAllowedError(
                f"form {f.key!r} belongs to department {f.department!r} / 非本部门报表"
            )
    try:
        region = wf.region_of(Path(_settings(request).data_dir), year)
        body = template_xlsx(f, region) if format == "xlsx" else template_csv(f, region)
    except InputError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    name = f"{f.key}_{year}.{format}"
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    "/forms/{form_key}/upload",
    summary="Upload a filled form / 上传报表",
    status_code=201,
    openapi_extra=UPLOAD_DOC,
    responses={
        403: {"description": "not your department's form / 非本部门报表"},
        409: {"description": "submitted or approved: no new version now / 状态不允许"},
        411: {"description": "no Content-Length / 缺少内容长度"},
        413: {"description": "too large / 文件过大"},
        422: {"description": "problems: every one with row, column, value, reason"},
    },
)
async def upload_form(
    form_key: str,
    request: Request,
    principal: CurrentPrincipal,
    year: Year,
    profile: ProfileName = None,
) -> JSONResponse:
    """Upload an .xlsx or CSV (tables) or a GeoTIFF (layers) as a new draft version.
    The file's name is only shown, never used as a path. 上传报表(新的草稿版本)。"""
    settings = _settings(request)
    limit = int(settings.max_upload_mb) * 1024 * 1024
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():  # a chunked body could be unbounded
        raise HTTPException(
            status.HTTP_411_LENGTH_REQUIRED, "send the Content-Length header / 缺少内容长度"
        )
    if int(declared) > limit + MULTIPART_OVERHEAD:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the upload is larger than {settings.max_upload_mb} MB / 文件超过上限",
        )
    with _http():  # refuse before reading the body: wrong role, department or form
        f = form(form_key, year, _profile(profile))
        wf.require_may_fill(principal, f.department)
    try:
        parsed = await request.form(max_files=1, max_fields=4)
    except Exception as exc:  # malformed multipart bodies
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"send the file as multipart/form-data field 'file': {exc}",
        ) from exc
    upload = parsed.get("file")
    if not isinstance(upload, UploadFile):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "no file: send it as multipart/form-data field 'file' / 缺少文件",
        )
    data = await upload.read(limit + 1)
    filename = upload.filename
    await parsed.close()
    if len(data) > limit:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the upload is larger than {settings.max_upload_mb} MB / 文件超过上限",
        )
    try:
        with _http():
            result = await run_in_threadpool(
                wf.upload,
                engine_of(request),
                principal,
                form_key=f.key,
                year=year,
                data=data,
                filename=filename,
                base_dir=Path(settings.data_dir),
                work_dir=Path(settings.work_dir),
                limits=Limits(max_bytes=limit),
                profile=profile,
            )
    except UploadError as exc:
        return JSONResponse(
            {
                **error_answer(
                    f"{len(exc.problems)} problem(s) in the upload; fix them all and upload "
                    f"again / 上传文件有 {len(exc.problems)} 处问题，请全部修正后重新上传"
                ),
                "problems": [p.as_dict() for p in exc.problems],
            },
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    return JSONResponse(
        {
            "submission": result.submission.as_dict(),
            "warnings": result.warnings,
            "flags": [x.as_dict() for x in result.flags],
        },
        status.HTTP_201_CREATED,
    )


@router.get("/submissions", summary="Submissions / 填报记录")
def list_submissions(
    request: Request,
    principal: CurrentPrincipal,
    year: Annotated[int | None, Query(ge=1949, le=2100)] = None,
    state: Literal["draft", "submitted", "returned", "approved"] | None = None,
) -> list[dict[str, Any]]:
    """Submissions with their versions and comments (a reporter: its department's)."""
    with _http():
        wf.require_reporting(principal)
    scope = wf.visible_departments(principal)
    subs = store.list_submissions(engine_of(request), year=year, departments=scope, state=state)
    return [s.as_dict() for s in subs]


@router.get("/submissions/{submission_id}", summary="One submission / 填报详情")
def get_submission(
    submission_id: Id, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    """A submission: every version (kept), every action with its comment."""
    sub: store.SubmissionRecord = _submission(request, principal, submission_id)
    return sub.as_dict()


@router.get(
    "/submissions/{submission_id}/versions/{version}/file",
    summary="Download a version's file / 下载某版本文件",
    response_class=FileResponse,
)
def version_file(
    submission_id: Id,
    version: Id,
    request: Request,
    principal: CurrentPrincipal,
    which: Literal["data", "upload"] = "data",
) -> FileResponse:
    """The canonical data (CSV or GeoTIFF) of a version, or the file as uploaded."""
    sub: store.SubmissionRecord = _submission(request, principal, submission_id)
    found = next((v for v in sub.versions if v.version == version), None)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no version {version} / 无此版本")
    name = found.data_file if which == "data" else found.upload_file
    path = wf.stored_path(Path(_settings(request).work_dir), sub.year, name)
    if not path.exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the stored file is missing / 文件缺失")
    suffix = path.suffix
    media = "csv" if suffix == ".csv" else "xlsx" if suffix == ".xlsx" else "geotiff"
    return FileResponse(
        path,
        media_type=MEDIA_TYPES[media],
        filename=f"{sub.form}_{sub.year}_v{version}_{which}{suffix}",
    )


@router.post(
    "/submissions/{submission_id}/explanations",
    summary="Explain flagged values / 填写疑似问题说明",
    responses={409: {"description": "not a draft, or not one of its flags / 状态或标记不符"}},
)
def explain(
    submission_id: Id, body: ExplainBody, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    """The reporter's explanation of each flagged value of the current draft (``{flag
    key: why the value is right}``); every flag needs one before the draft is submitted.
    Hard problems are never flags: they refuse the upload. 为标记的疑似问题填写说明。"""
    _submission(request, principal, submission_id)
    try:
        with _http():
            return wf.explain(
                engine_of(request), principal, submission_id, body.explanations
            ).as_dict()
    except InputError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


@router.post(
    "/submissions/{submission_id}/submit",
    summary="Submit for review / 提交审核",
    responses={409: {"description": "flagged values not explained / 疑似问题未说明"}},
)
def submit(submission_id: Id, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
    """Hand the current draft in for review (the department's reporter); refused (409)
    while a flagged value has no explanation."""
    read = _submission(request, principal, submission_id)
    with _http():
        return wf.submit(engine_of(request), principal, submission_id, read=read).as_dict()


@router.post("/submissions/{submission_id}/return", summary="Return with comments / 退回")
def send_back(
    submission_id: Id, body: ReturnBody, request: Request, principal: CurrentPrincipal
) -> dict[str, Any]:
    """Return a submitted form with a comment (reviewer, office, admin); the office may
    also reopen an approved form."""
    read = _submission(request, principal, submission_id)
    with _http():
        return wf.send_back(
            engine_of(request), principal, submission_id, body.comment, read=read
        ).as_dict()


@router.post("/submissions/{submission_id}/approve", summary="Approve / 审核通过")
def approve(
    submission_id: Id,
    request: Request,
    principal: CurrentPrincipal,
    body: CommentBody | None = None,
) -> dict[str, Any]:
    """Approve a submitted form (reviewer, office, admin; not one's own upload)."""
    _submission(request, principal, submission_id)
    with _http():
        comment = body.comment if body else None
        return wf.approve(engine_of(request), principal, submission_id, comment).as_dict()


@router.post("/adopt-base", summary="Adopt base data for unreported forms / 采用基础数据")
def adopt_base(body: AdoptBody, request: Request, principal: CurrentPrincipal) -> list[Any]:
    """The office takes the base dataset's file as the approved submission of each form
    nobody opened for the year (default: every required one). Audited."""
    settings = _settings(request)
    with _http():
        subs = wf.adopt_base(
            engine_of(request),
            principal,
            year=body.year,
            base_dir=Path(settings.data_dir),
            work_dir=Path(settings.work_dir),
            forms=body.forms,
            profile=_profile(body.profile),
            comment=body.comment,
        )
    return [s.as_dict() for s in subs]


@router.get("/readiness", summary="Can the account of a year run? / 核算就绪情况")
def get_readiness(
    request: Request, principal: CurrentPrincipal, year: Year, profile: ProfileName = None
) -> dict[str, Any]:
    """Each form the profile needs, approved or not; ``ready`` when all are."""
    with _http():
        wf.require_reviewer(principal)
    ready = readiness(engine_of(request), year, _profile(profile))
    blocked = {r.form.key for r in blocking(ready)}
    return {
        "year": year,
        "ready": not blocked,
        "blocking": sorted(blocked),
        "forms": [
            {
                "key": r.form.key,
                "kind": r.form.kind,
                "department": r.form.department,
                "name_zh": r.form.name_zh,
                "name_en": r.form.name_en,
                "required": r.form.required,
                "approved": r.approved,
                "missing_columns": r.missing_columns,
                "submission": _brief(r.submission),
            }
            for r in ready
        ],
    }


@router.get(
    "/accounts/{account_id}/submissions",
    summary="Submission versions an account used / 核算所用的填报版本",
)
def account_submissions(
    account_id: Id, request: Request, principal: CurrentPrincipal
) -> list[dict[str, Any]]:
    """Which approved submission versions the account was computed from."""
    with _http():
        wf.require_reviewer(principal)
    return store.account_submissions(engine_of(request), account_id)
