"""The FastAPI application of the unified provincial platform (全省统一平台).

``create_app(settings)`` opens the store (SQLite by default, PostgreSQL for a shared
deployment), and serves the JSON API under ``/api``, its OpenAPI description at
``/openapi.json`` with Swagger UI at ``/docs`` and ReDoc at ``/redoc`` (their scripts are
served by the app itself from the ``fastapi-offline`` package: no CDN), and the offline UI
at ``/`` and ``/static``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache, partial
from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ganpo import __version__
from ganpo.errors import (
    GanpoError,
    InputError,
    OutputError,
    StoreConflictError,
    StoreError,
    UnknownNameError,
    halves,
)
from ganpo.store.repository import open_store
from ganpo.web.auth import CurrentPrincipal, SessionCache
from ganpo.web.data import AccountCache, ResponseCache, regions_for
from ganpo.web.failures import error_answer, os_error_message, os_error_status
from ganpo.web.jobs import JobManager
from ganpo.web.routes import (
    accounts,
    apply,
    assets,
    audit,
    audit_packs,
    auth,
    carbon,
    footprints,
    inclusive,
    jobs,
    landuse,
    profiles,
    regions,
    reporting,
    tracking,
    tracking_reports,
    users,
    zoning,
)
from ganpo.web.settings import Settings
from ganpo.web.validation import validation_answer

__all__ = ["Settings", "app_from_environment", "create_app"]

log = logging.getLogger(__name__)

STATIC = Path(str(files("ganpo.web") / "static"))
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))

DESCRIPTION = """
**ganpo 生态系统生产总值(GEP)核算全省统一平台** — the unified provincial platform for
Gross Ecosystem Product accounting.

- 部门填报员按统计报表制度报送数据,审核员退回或通过,核算办公室基于已审核数据运行核算;
  市县查看本辖区结果。Departments report their yearly figures, reviewers return or
  approve them, the accounting office runs the account on approved data, and cities and
  counties read their own results.
- 登录 / Log in: `POST /api/auth/login` (browser: HttpOnly cookie + header `X-CSRF-Token`
  on every POST/PUT/PATCH/DELETE) or `POST /api/auth/token` (scripts: `Authorization:
  Bearer …`). Every change is written to the audit log (`GET /api/audit`, admins).
- 角色 / Roles: admin 管理员, office 核算办公室, reporter 部门填报员 (one department),
  reviewer 审核员, viewer 查看者 (one region: a county sees its county, a city its
  counties, 360000 the province), auditor 审计人员 (one region, like a viewer; requests
  departure audit packs). Data outside your scope answers 404.
- 拒绝 / Refusals: `{"detail": "English / 中文", "detail_en": …, "detail_zh": …}`, the
  message whole and each language's half.
"""

TAGS: list[dict[str, Any]] = [
    {"name": "auth", "description": "登录、退出、令牌 / Log in, log out, bearer tokens."},
    {"name": "users", "description": "用户管理(管理员) / User management (admins)."},
    {"name": "audit", "description": "审计日志(管理员) / Audit log: who, what, when (admins)."},
    {"name": "regions", "description": "行政区与边界 / Administrative units and boundaries."},
    {
        "name": "accounts",
        "description": "核算结果、趋势、比较、报告与导出 / Accounts: results, trend, "
        "comparison, report, exports; running an account.",
    },
    {"name": "jobs", "description": "后台任务进度 / Progress of background jobs."},
    {
        "name": "reporting",
        "description": "统计报表:填报、校验、审核 / Statistical reporting: forms, "
        "uploads, validation, review.",
    },
    {"name": "apply", "description": "核算结果应用 / Applications of the accounts."},
    {"name": "assets", "description": "生态资产登记 / Ecological asset register."},
    {
        "name": "carbon",
        "description": "温室气体清单、碳汇、碳排放双控进度与预警 / Greenhouse-gas "
        "inventories, sinks, dual-control progress and warnings.",
    },
    {
        "name": "carbon-inclusive",
        "description": "碳普惠：方法学、申报与审核、签发、转让与注销、公开账本 / Carbon-inclusive "
        "registry: methodologies, claims and review, issuance, transfers and retirements, "
        "the public ledger.",
    },
    {
        "name": "footprints",
        "description": "产品碳足迹：研究、结果、报告、碳标识与 PACT 数据 / Product carbon "
        "footprints: studies, results, report, carbon label and PACT data.",
    },
    {
        "name": "tracking",
        "description": "决定目标进展、预警与年度报告 / The decision's targets, their status, "
        "alerts and the yearly report.",
    },
    {
        "name": "audit packs",
        "description": "领导干部自然资源资产离任审计资料(审计人员、管理员) / Departure audit "
        "packs (auditors, admins).",
    },
    {"name": "platform", "description": "平台信息 / Platform information."},
]

FALLBACK_INDEX = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>ganpo GEP 平台</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>ganpo GEP 核算平台 / GEP accounting platform</h1>
<p>界面文件未安装;可通过 API 使用本平台。The user interface is not installed; the API
works: see <a href="/docs">/docs</a> (Swagger UI) or <a href="/redoc">/redoc</a>.</p>
</body></html>
"""


class PlatformInfo(BaseModel):
    dataset: str | None
    title_zh: str | None
    title_en: str | None
    synthetic: bool | None
    years: list[int] = Field(description="years of the base dataset / 基础数据年份")
    default_year: int | None = Field(description="the year pages start with / 默认年份")


@lru_cache(maxsize=8)
def _dataset_info(manifest: Path, _mtime: float) -> PlatformInfo:
    from ganpo.io.manifest import load_manifest

    m = load_manifest(manifest, verify=False).manifest
    years = sorted(int(y) for y in m.years)
    return PlatformInfo(
        dataset=m.name,
        title_zh=m.title_zh,
        title_en=m.title_en,
        synthetic=m.synthetic,
        years=years,
        default_year=years[-1] if years else None,
    )


def base_dataset_info(data_dir: Path) -> PlatformInfo:
    """:class:`PlatformInfo` of the base dataset in ``data_dir`` (empty without one)."""
    manifest = data_dir / "manifest.toml"
    if not manifest.exists():
        return PlatformInfo(
            dataset=None, title_zh=None, title_en=None, synthetic=None, years=[], default_year=None
        )
    return _dataset_info(manifest.resolve(), manifest.stat().st_mtime)


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    # WAL lets readers go on while a writer commits; wait (not fail) on a locked database
    dbapi_conn.execute("PRAGMA journal_mode=WAL")
    dbapi_conn.execute("PRAGMA busy_timeout=10000")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The platform's FastAPI application on the store named in ``settings``."""
    settings = settings or Settings()
    engine = open_store(settings.database)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        engine.dispose()  # reconnect with the pragmas
    job_manager = JobManager(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        job_manager.shutdown()

    app = FastAPI(
        title="ganpo GEP platform / 生态系统生产总值核算平台",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = job_manager
    app.state.accounts = AccountCache(engine)
    app.state.responses = ResponseCache()
    app.state.sessions = SessionCache()
    app.state.regions = lambda: regions_for(settings.data_dir)

    app.include_router(auth.router, prefix="/api/auth", tags=["auth"])
    app.include_router(users.router, prefix="/api/users", tags=["users"])
    app.include_router(audit.router, prefix="/api/audit", tags=["audit"])
    app.include_router(audit_packs.router, prefix="/api/audit/packs", tags=["audit packs"])
    app.include_router(regions.router, prefix="/api/regions", tags=["regions"])
    app.include_router(accounts.router, prefix="/api", tags=["accounts"])
    app.include_router(jobs.router, prefix="/api/jobs", tags=["jobs"])
    app.include_router(reporting.router, prefix="/api/reporting", tags=["reporting"])
    app.include_router(apply.router, prefix="/api/apply", tags=["apply"])
    app.include_router(assets.router, prefix="/api/assets", tags=["assets"])
    app.include_router(profiles.router, prefix="/api/profiles", tags=["profiles"])
    app.include_router(carbon.router, prefix="/api/carbon", tags=["carbon"])
    app.include_router(inclusive.router, prefix="/api/inclusive", tags=["carbon-inclusive"])
    app.include_router(footprints.router, prefix="/api/footprints", tags=["footprints"])
    app.include_router(tracking.router, prefix="/api/tracking", tags=["tracking"])
    app.include_router(tracking_reports.router, prefix="/api/tracking/reports", tags=["tracking"])
    app.include_router(zoning.router, prefix="/api/zoning", tags=["zoning"])
    app.include_router(landuse.router, prefix="/api/landuse", tags=["land-use scenarios"])

    _errors(app)
    _security_headers(app)
    _docs_and_ui(app)
    return app


def app_from_environment() -> FastAPI:
    """The application as ``ganpo serve`` starts it, through uvicorn's factory import string
    ``ganpo.web.app:app_from_environment`` (so the CLI never imports the web package):
    settings from the ``GANPO_*`` environment variables (:meth:`Settings.from_environment`).
    With ``GANPO_DEMO=1`` the demo platform is prepared first — the demo dataset built if
    missing, its accounts run and stored if the store has none, the demo users created — and
    the demo logins are printed. A deployment that runs uvicorn itself may use the same
    factory (``uvicorn --factory ganpo.web.app:app_from_environment``) without the demo.

    Errors (an invalid setting, an unreachable store) are raised, not logged: uvicorn lets
    them through to its caller, where ``ganpo serve`` prints them as one-line messages.
    """
    from ganpo.web.seed import DEMO_USERS, prepare_demo
    from ganpo.web.settings import DemoSettings

    settings = Settings.from_environment()
    demo = DemoSettings.from_environment()
    if demo.demo:
        say = partial(print, flush=True)
        with _one_process_at_a_time(Path(settings.work_dir) / ".demo.lock"):
            prepare_demo(
                settings.database, settings.data_dir, resolution_m=demo.demo_resolution_m, say=say
            )
        say("演示账号 / demo logins (用户名 / username — 密码 / password):")
        for u in DEMO_USERS:
            say(f"  {u.username:<9} {u.password:<15} {u.note_zh} / {u.note_en}")
    return create_app(settings)


@contextmanager
def _one_process_at_a_time(lock: Path) -> Iterator[None]:
    """An exclusive lock on a file (``flock``): the worker processes of ``ganpo serve
    --workers N --demo`` prepare the demo one after the other; the first builds and stores
    it, the others find it done."""
    import fcntl

    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _errors(app: FastAPI) -> None:
    """Errors ganpo raises on purpose become clear JSON answers, never a 500."""

    @app.exception_handler(InputError)
    @app.exception_handler(UnknownNameError)
    async def _bad_input(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_answer(exc), status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(StoreError)
    async def _store(_: Request, exc: Exception) -> JSONResponse:
        # the database failed (disk full, lost connection…): the message says what to do
        return JSONResponse(error_answer(exc), status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(OutputError)
    async def _output(_: Request, exc: Exception) -> JSONResponse:
        # the server could not write a file: 507 full disk, 503 storage not writable
        assert isinstance(exc, OutputError)
        return JSONResponse(error_answer(exc), os_error_status(exc))

    @app.exception_handler(OSError)
    async def _system(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OSError)
        log.error("system error answering a request", exc_info=exc)
        return JSONResponse(error_answer(os_error_message(exc)), os_error_status(exc))

    @app.exception_handler(MemoryError)
    async def _memory(_: Request, exc: Exception) -> JSONResponse:
        log.error("out of memory answering a request", exc_info=exc)
        return JSONResponse(
            error_answer(
                "the server is out of memory; try again later / 服务器内存不足，请稍后重试"
            ),
            status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    @app.exception_handler(StoreConflictError)
    async def _conflict(_: Request, exc: Exception) -> JSONResponse:
        # refused by the records' state (an account in use cannot be deleted…)
        return JSONResponse(error_answer(exc), status.HTTP_409_CONFLICT)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_: Request, exc: Exception) -> JSONResponse:
        # an id or number beyond what the database column holds: bad input, not a crash
        return JSONResponse(
            error_answer("a number in the request is out of range / 请求中的数值超出范围"),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # a path, query, form or body field that does not fit: one bilingual refusal naming
        # the field in words and the value given (NaN/Infinity, which Python's JSON reader
        # accepts, as text), like the app's other refusals (decision 0095)
        return JSONResponse(
            validation_answer(exc.errors(), request.scope.get("route")),
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(GanpoError)
    async def _other(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_answer(exc), status.HTTP_400_BAD_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # a refusal says so in both languages, with a stable marker for programs
        if exc.status_code != status.HTTP_403_FORBIDDEN:
            if isinstance(exc.detail, str) and halves(exc.detail)[1] != exc.detail:
                # a bilingual refusal: its halves too, for the page's language
                return JSONResponse(error_answer(exc.detail), exc.status_code, headers=exc.headers)
            return await http_exception_handler(request, exc)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if not re.search(r"[\u4e00-\u9fff]", detail):
            detail = f"{detail} / 无权访问"
        return JSONResponse(
            {
                **error_answer(detail),
                "error": "forbidden",
                "message_zh": "无权访问",
                "message_en": "Not allowed",
            },
            status.HTTP_403_FORBIDDEN,
            headers=exc.headers,
        )


class SecurityHeaders:
    """Pure ASGI middleware adding protective headers (cheaper than ``@app.middleware``)."""

    COMMON = (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def add_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [*self.COMMON, (b"cache-control", b"no-store")] if api else self.COMMON
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)


def _security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)


def _docs_and_ui(app: FastAPI) -> None:
    app.mount("/docs-assets", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title="ganpo API — Swagger UI",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title="ganpo API — ReDoc",
            redoc_js_url="/docs-assets/redoc.standalone.js",
            redoc_favicon_url="/docs-assets/favicon.png",
            with_google_fonts=False,
        )

    @app.get("/", include_in_schema=False, response_model=None)
    def index() -> Response:
        page = STATIC / "index.html"
        if page.exists():
            return FileResponse(page, media_type="text/html")
        return HTMLResponse(FALLBACK_INDEX)

    @app.get(
        "/api/platform", tags=["platform"], response_model=PlatformInfo, summary="Platform / 平台"
    )
    def platform_info(request: Request, _: CurrentPrincipal) -> PlatformInfo:
        """The base dataset accounts are run on: its name, titles and years, and the year
        the pages start with (the newest year of the base dataset).
        基础数据集及其年份;页面默认年份为其最新年份。"""
        return base_dataset_info(Path(request.app.state.settings.data_dir))

    @app.get("/api/health", tags=["platform"], summary="Health / 运行状态")
    def health(response: Response) -> dict[str, str]:
        """Whether the platform answers, with its version. 平台是否在运行及版本。 The header
        ``X-Ganpo-Worker`` names the server process that answered (its process id), for
        monitoring a server of several workers; a connection stays with one worker."""
        response.headers["X-Ganpo-Worker"] = str(os.getpid())
        return {"status": "ok", "version": __version__}
