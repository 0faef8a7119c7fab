"""``ganpo serve``: the unified provincial platform (web API and UI).

The CLI does not import the web package (tests/test_layers.py): it hands its options to
the application as ``GANPO_*`` environment variables and lets uvicorn import and build it
from the factory import string :data:`APP_FACTORY`. Errors the factory raises (an
unreachable store, an invalid option, a demo that cannot be built) come back through
``uvicorn.run`` and are printed as one-line messages.

``--workers N`` starts N uvicorn worker processes on one socket (PostgreSQL only): each
builds its own application from the factory; sessions, jobs and submissions are shared
through the store (docs/decisions/0045-platform-load-on-postgresql.md).
"""

from __future__ import annotations

import copy
import importlib.util
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    console,
    log_every_warning,
    user_errors,
)

#: the cell size `make demo` builds (the Makefile's RESOLUTION; a test checks they agree)
MAKE_DEMO_RESOLUTION_M = 250.0

#: the application factory uvicorn imports (``ganpo.web.app.app_from_environment``)
APP_FACTORY = "ganpo.web.app:app_from_environment"

#: how long uvicorn's supervisor waits for a worker to answer its ping before it kills
#: the worker as hung [s]. uvicorn's 5 s killed busy workers, with the account jobs they
#: ran, when the machine had more work than cores (a worker's answering thread waits for
#: the interpreter lock and the processor): seen under the load benchmark on two shared
#: cores (decision 0060). A hung worker is still replaced within a minute.
WORKER_HEALTHCHECK_S = 60

#: the access log: one line per request, ``[HH:MM:SS] INFO     <client> - "<method> <path>
#: HTTP/<version>" <status>``, on stderr, from ``ganpo serve``'s own process and from every
#: worker of ``--workers N`` (uvicorn configures it in each). A plain handler: the CLI's
#: rich handler cost about 1 ms of processor per line, this one 0.01 ms (decision 0071);
#: the columns are the same
ACCESS_LOG_FORMAT = "%(asctime)s %(levelname)-8s %(message)s"
ACCESS_LOG_CONFIG: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"access": {"format": ACCESS_LOG_FORMAT, "datefmt": "[%H:%M:%S]"}},
    "handlers": {
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {"uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False}},
}


def built_demo_resolution(folder: Path) -> float:
    """The cell size of the demo data already built in ``folder`` (``demo-<r>m`` with its
    manifest): the 250 m data of `make demo` if there, else the finest one there, else
    1000 m (which ``--demo`` then builds)."""
    built = []
    for manifest in folder.glob("demo-*m/manifest.toml"):
        try:
            built.append(float(manifest.parent.name[len("demo-") : -1]))
        except ValueError:
            continue
    if MAKE_DEMO_RESOLUTION_M in built:
        return MAKE_DEMO_RESOLUTION_M
    return min(built, default=1000.0)


def loop_and_parser() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools (dependencies of ganpo,
    uvicorn's ``[standard]`` extras) when they can be imported, else asyncio's loop and the
    pure-Python h11 (uvloop has no Windows build). Decision 0071: they cost less
    processor per request, and uvloop turns Nagle's algorithm off on the connections of
    ``--workers N``, which asyncio leaves on there (an answer then waited about 40 ms for
    the client's delayed acknowledgement)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") is not None else "h11"
    return loop, http


def serve_environment(
    *,
    database: str,
    data_dir: Path,
    work_dir: Path,
    session_hours: float,
    secure_cookies: bool,
    demo: bool,
    demo_resolution_m: float,
) -> dict[str, str]:
    """The ``GANPO_*`` variables that carry the options to the application (the names of
    ``ganpo.web.settings.Settings`` and ``DemoSettings``; a test checks they agree)."""
    return {
        "GANPO_DATABASE": database,
        "GANPO_DATA_DIR": str(data_dir),
        "GANPO_WORK_DIR": str(work_dir),
        "GANPO_SESSION_HOURS": repr(float(session_hours)),
        "GANPO_SECURE_COOKIES": "true" if secure_cookies else "false",
        "GANPO_DEMO": "true" if demo else "false",
        "GANPO_DEMO_RESOLUTION_M": repr(float(demo_resolution_m)),
    }


def check_workers(database: str, workers: int) -> None:
    """Several server processes share sessions, jobs and submissions through the store;
    SQLite lets one writer in at a time and is refused with more than one worker."""
    if workers > 1 and not database.startswith("postgresql"):
        raise typer.BadParameter(
            f"--workers {workers} needs a PostgreSQL store (--database postgresql+psycopg://"
            "user@host/db); a SQLite file serves one worker. 多个服务进程须使用 PostgreSQL 数据库,"
            "SQLite 只支持 1 个进程。",
            param_hint="--workers",
        )


def serve(
    database: DatabaseOption = str(DEFAULT_DATABASE),
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Base dataset folder with its manifest (default data/demo-250m; with --demo "
            "data/demo-<resolution>m). 基础数据目录。",
        ),
    ] = None,
    work: Annotated[
        Path, typer.Option("--work", help="Uploads, built datasets, reports. 工作目录。")
    ] = Path("out/web"),
    host: Annotated[str, typer.Option(help="Address to listen on. 监听地址。")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port. 端口。")] = 8000,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="Build the demo data if missing, run and store its 2022 and 2023 accounts if "
            "the store has none, and create the demo users. 演示模式。",
        ),
    ] = False,
    resolution: Annotated[
        float | None,
        typer.Option(
            help="Cell size of the demo data used by --demo (metres; default: the data `make "
            "demo` built, else 1000 m, built now). 演示数据分辨率(米)。",
            show_default=False,
        ),
    ] = None,
    session_hours: Annotated[
        float, typer.Option(help="How long a login lasts (hours). 登录有效期(小时)。")
    ] = 8.0,
    secure_cookies: Annotated[
        bool, typer.Option(help="Send the session cookie over HTTPS only (behind TLS).")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (uvicorn workers); more than one needs a PostgreSQL "
            "--database. 服务进程数(多于 1 个时须使用 PostgreSQL)。",
        ),
    ] = 1,
) -> None:
    """Start the GEP platform (web API, offline UI, API docs at /docs). 启动 GEP 核算平台。

    Other settings (largest upload, login lock-out) are read from the environment:
    GANPO_MAX_UPLOAD_MB, GANPO_MAX_FAILED_LOGINS, GANPO_LOCKOUT_MINUTES.
    """
    import uvicorn

    if resolution is None:
        resolution = built_demo_resolution(Path("data"))
    data_dir = data or Path(f"data/demo-{resolution:g}m" if demo else "data/demo-250m")
    check_workers(database, workers)
    os.environ.update(
        serve_environment(
            database=database,
            data_dir=data_dir,
            work_dir=work,
            session_hours=session_hours,
            secure_cookies=secure_cookies,
            demo=demo,
            demo_resolution_m=resolution,
        )
    )
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    console.print(
        Text.assemble(
            "\n", ("ganpo 平台 / platform:", "bold"), f" http://{shown}:{port}/   API: /docs"
        )
    )
    log_every_warning()
    loop, http = loop_and_parser()
    with user_errors():
        # uvicorn's own lines go through the CLI's log handler, in its format; the access
        # lines through a plain handler, in the same columns (ACCESS_LOG_CONFIG)
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop=loop,
            http=http,
            log_level="info",
            log_config=copy.deepcopy(ACCESS_LOG_CONFIG),
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        )
