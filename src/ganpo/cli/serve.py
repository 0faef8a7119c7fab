"""``ganpo serve``: the unified provincial platform (web API and UI)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors


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
        float,
        typer.Option(
            help="Cell size of the demo data built by --demo (metres). 演示数据分辨率(米)。"
        ),
    ] = 1000.0,
    session_hours: Annotated[
        float, typer.Option(help="How long a login lasts (hours). 登录有效期(小时)。")
    ] = 8.0,
    secure_cookies: Annotated[
        bool, typer.Option(help="Send the session cookie over HTTPS only (behind TLS).")
    ] = False,
) -> None:
    """Start the GEP platform (web API, offline UI, API docs at /docs). 启动 GEP 核算平台。"""
    import uvicorn

    from ganpo.web.app import create_app
    from ganpo.web.seed import DEMO_USERS, prepare_demo
    from ganpo.web.settings import Settings

    data_dir = data or Path(f"data/demo-{resolution:g}m" if demo else "data/demo-250m")
    with user_errors():
        if demo:
            prepare_demo(database, data_dir, resolution_m=resolution, say=console.print)
        settings = Settings(
            database=database,
            data_dir=data_dir,
            work_dir=work,
            session_hours=session_hours,
            secure_cookies=secure_cookies,
        )
        application = create_app(settings)
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    console.print(
        Text.assemble(
            "\n", ("ganpo 平台 / platform:", "bold"), f" http://{shown}:{port}/   API: /docs"
        )
    )
    if demo:
        console.print("演示账号 / demo logins (用户名 / username — 密码 / password):")
        for u in DEMO_USERS:
            console.print(f"  {u.username:<9} {u.password:<15} {u.note_zh} / {u.note_en}")
    uvicorn.run(application, host=host, port=port, log_level="info")
