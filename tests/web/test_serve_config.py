"""How ``ganpo serve`` configures uvicorn (decision 0071): uvloop and httptools when they
can be imported, and the access log, one plain line per request, written by ``ganpo
serve``'s own process and by every worker of ``--workers N``."""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

import ganpo
from demoplatform import DemoPlatform
from ganpo.cli.serve import ACCESS_LOG_CONFIG, loop_and_parser
from servers import free_port, wait_until_healthy

#: the access line the docs describe (docs/platform.md, "Access log")
ACCESS_LINE = re.compile(
    r'\[\d\d:\d\d:\d\d\] INFO {5}127\.0\.0\.1:\d+ - "GET (\S+) HTTP/1\.1" (\d{3})'
)


def test_serve_hands_uvicorn_the_loop_the_parser_and_the_access_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from ganpo.cli.main import app as cli

    for key in [k for k in os.environ if k.startswith("GANPO_")]:
        monkeypatch.delenv(key)
    handed: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: handed.update(kw))
    args = ["serve", "--data", str(tmp_path), "--database", str(tmp_path / "x.sqlite")]
    result = CliRunner().invoke(cli, args)
    for key in [k for k in os.environ if k.startswith("GANPO_")]:
        monkeypatch.delenv(key)  # set by the command in this process
    assert result.exit_code == 0, result.output
    assert (handed["loop"], handed["http"]) == loop_and_parser()
    assert handed["log_config"] == ACCESS_LOG_CONFIG
    assert handed["log_level"] == "info"


def test_uvloop_and_httptools_when_importable_else_asyncio_and_h11(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.util.find_spec
    missing = {"uvloop", "httptools"}

    def find_spec(name: str, package: str | None = None) -> Any:
        if name in {"uvloop", "httptools"}:  # present or not, whatever this venv holds
            return None if name in missing else object()
        return real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert loop_and_parser() == ("asyncio", "h11")
    missing = {"uvloop"}  # no Windows build of uvloop
    assert loop_and_parser() == ("asyncio", "httptools")
    missing = set()
    assert loop_and_parser() == ("uvloop", "httptools")


def test_uvicorn_resolves_the_choice_to_its_fast_protocol() -> None:
    """With the pinned dependencies installed, the names handed to uvicorn select its
    httptools protocol and the uvloop event loop."""
    pytest.importorskip("uvloop")
    pytest.importorskip("httptools")
    import uvicorn
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    loop, http = loop_and_parser()
    config = uvicorn.Config(lambda *a: None, loop=loop, http=http, lifespan="off")
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    assert (loop, http) == ("uvloop", "httptools")


def test_access_log_config_writes_plain_lines_not_through_the_root_handlers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import copy
    import logging.config

    access = logging.getLogger("uvicorn.access")
    root = logging.getLogger()
    saved = (access.handlers[:], access.level, access.propagate, root.handlers[:])
    seen: list[logging.LogRecord] = []

    class Spy(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    spy = Spy()
    try:
        root.addHandler(spy)
        logging.config.dictConfig(copy.deepcopy(ACCESS_LOG_CONFIG))
        args = ("127.0.0.1:5000", "GET", "/api/health", "1.1", 200)
        access.info('%s - "%s %s HTTP/%s" %d', *args)
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1 and ACCESS_LINE.fullmatch(lines[0]), lines
        assert seen == []  # not written a second time by the CLI's handler
        assert all(type(h) is logging.StreamHandler for h in access.handlers)
    finally:
        root.removeHandler(spy)
        access.handlers[:], access.level, access.propagate = saved[:3]
        root.handlers[:] = saved[3]


def _serve_and_read_the_log(cmd: list[str], folder: Path) -> list[str]:
    """Start ``ganpo serve`` (``cmd``), send two requests, stop it; its stderr lines."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GANPO_")}
    paths = [str(Path(ganpo.__file__).parents[1]), os.environ.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    err = folder / "stderr.txt"
    with err.open("wb") as log:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port), "--work", str(folder / "work")],
            stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=folder,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(proc, base, err)
            assert httpx.get(f"{base}/api/no-such-thing", timeout=10).status_code == 404
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return err.read_text(errors="replace").splitlines()


@pytest.mark.slow
def test_one_worker_writes_an_access_line_per_request(
    demo_platform: DemoPlatform, tmp_path: Path
) -> None:
    cmd = [sys.executable, "-m", "ganpo", "serve", "--database", str(tmp_path / "s.sqlite")]
    lines = _serve_and_read_the_log([*cmd, "--data", str(demo_platform.data_dir)], tmp_path)
    access = [m.groups() for m in map(ACCESS_LINE.fullmatch, lines) if m]
    assert ("/api/health", "200") in access and ("/api/no-such-thing", "404") in access, lines


@pytest.mark.slow
def test_every_worker_writes_access_lines(
    postgres_url: str, demo_platform: DemoPlatform, tmp_path: Path
) -> None:
    """Before decision 0071 the workers of ``--workers N`` had no handler and wrote none."""
    import psycopg

    name = f"a_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(
        postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    cmd = [sys.executable, "-m", "ganpo", "-q", "serve", "--database", url, "--workers", "2"]
    lines = _serve_and_read_the_log([*cmd, "--data", str(demo_platform.data_dir)], tmp_path)
    access = [m.groups() for m in map(ACCESS_LINE.fullmatch, lines) if m]
    assert ("/api/health", "200") in access and ("/api/no-such-thing", "404") in access, lines
