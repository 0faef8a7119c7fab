"""What `ganpo` prints when something fails (ganpo.cli.failures): the message as written
(rich markup never eats "[[tables]]"), no traceback unless -v or GANPO_DEBUG, a hint for
the environment's errors, a log file for a bug; exit codes 2 (bad input), 1 (anything
else), 130 (interrupted)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ganpo.cli import account as account_cli
from ganpo.cli.main import app
from ganpo.errors import InputError, OutputError, StoreError, StoreUnavailableError
from ganpo.io.manifest import load_manifest, write_manifest
from ganpo.store import repository

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from tinydata import tiny_factory  # the engine tests' helper

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console() -> None:
    from ganpo.cli.common import console, err_console

    console.width = err_console.width = 250


def fails_with(exc: BaseException) -> Callable[..., Any]:
    def raiser(*args: object, **kwargs: object) -> Any:
        raise exc

    return raiser


def account_list(tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(
        app, [*options, "account", "list", "--database", str(tmp_path / "s.sqlite")], env=env
    )


def test_a_message_with_brackets_is_printed_as_written(tmp_path: Path) -> None:
    manifest = tiny_factory(tmp_path)()
    ds = load_manifest(manifest)
    ds.manifest.tables = [t for t in ds.manifest.tables if t.role != "water"]
    write_manifest(ds.manifest, manifest.parent)
    r = runner.invoke(
        app,
        ["account", "run", str(manifest), "--year", "2022", "--db", str(tmp_path / "s.sqlite")],
    )
    assert r.exit_code == 2
    assert "Add a [[tables]] entry with role, year, path, columns, source, synthetic" in r.output
    (line,) = [x for x in r.output.splitlines() if x.startswith("error: ")]
    assert line.startswith(f"error: {manifest}: no 'water' table (")
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("exc", "code", "message"),
    [
        (
            InputError("the [[layers]] entry of [bold]dem[/] has no unit", source="/d/m.toml"),
            2,
            "error: /d/m.toml: the [[layers]] entry of [bold]dem[/] has no unit\n",
        ),
        (StoreError("no account 9 in the store"), 2, "error: no account 9 in the store\n"),
        (
            StoreUnavailableError(
                "the store sqlite:///x.sqlite is locked", database="x", reason="locked"
            ),
            1,
            "error: the store sqlite:///x.sqlite is locked\n",
        ),
        (
            OutputError(
                "cannot write the export in /out: the disk is full",
                folder="/out",
                errno=errno.ENOSPC,
                free_bytes=0,
            ),
            1,
            "error: cannot write the export in /out: the disk is full\n",
        ),
    ],
)
def test_ganpo_errors_exit_with_their_code_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: Exception, code: int, message: str
) -> None:
    monkeypatch.setattr(repository, "list_accounts", fails_with(exc))
    r = account_list(tmp_path)
    assert r.exit_code == code and message in r.output and "Traceback" not in r.output


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", "/srv/data/dem.tif"),
            "error: permission denied (/srv/data/dem.tif): ganpo may not read or write there. "
            "Check the permissions (ls -l), or use another path / 没有权限：请检查权限，或改用其他路径",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/mnt/cd/out.xlsx"),
            "error: read-only file system (/mnt/cd/out.xlsx): write to a folder on a writable "
            "disk / 只读文件系统：请改写到可写磁盘上的文件夹",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "/nonexistent/out.csv"),
            "error: the disk is full (/nonexistent/out.csv",
        ),
        (
            MemoryError(),
            "error: out of memory: the computation needs more memory than is free. Use smaller "
            "blocks (--chunk 512), one worker (--scheduler synchronous), or a dask cluster",
        ),
    ],
)
def test_the_environments_errors_name_the_path_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, message: str
) -> None:
    # raised outside the command's own handler: the group's handler answers
    monkeypatch.setattr(account_cli, "Table", fails_with(exc))
    r = account_list(tmp_path)
    assert r.exit_code == 1 and message in r.output and "Traceback" not in r.output


def test_ctrl_c_is_one_short_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(account_cli, "Table", fails_with(KeyboardInterrupt()))
    r = account_list(tmp_path)
    assert r.exit_code == 130 and r.output == "interrupted / 已中断\n"


def test_a_bug_asks_to_be_reported_with_its_log_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(account_cli, "Table", fails_with(ZeroDivisionError("division [by] zero")))
    logs = tmp_path / "logs"
    r = account_list(tmp_path, env={"GANPO_LOG_DIR": str(logs)})
    assert r.exit_code == 1 and "Traceback" not in r.output
    (log,) = logs.iterdir()
    assert r.output == (
        "error: unexpected ZeroDivisionError: division [by] zero. This is a bug in ganpo: "
        f"please report it with the log file {log}, which holds the details / "
        "意外错误：这是 ganpo 的缺陷，请连同日志文件报告\n"
    )
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: division [by] zero" in text and "command: " in text


@pytest.mark.parametrize("how", ["-v", "GANPO_DEBUG"])
def test_verbose_or_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr(repository, "list_accounts", fails_with(InputError("bad [x]")))
    if how == "-v":
        r = account_list(tmp_path, "-v")
    else:
        r = account_list(tmp_path, env={"GANPO_DEBUG": "1"})
    assert r.exit_code == 2
    assert "Traceback (most recent call last)" in r.output and "error: bad [x]" in r.output


def test_the_installed_command_prints_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("GANPO_DEBUG", None)
    missing = tmp_path / "nowhere" / "manifest.toml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ganpo",
            "account",
            "run",
            str(missing),
            "--year",
            "2022",
            "--db",
            str(tmp_path / "s.sqlite"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {missing}: manifest not found")
    assert "Traceback" not in done.stderr
    usage = subprocess.run(
        [sys.executable, "-m", "ganpo", "account", "run"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_outputs_that_cannot_be_written_leave_no_account_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`account run --out` on a full disk: nothing is stored, so running the command again
    once there is space writes the outputs (a stored account would be found identical and
    the outputs never written)."""
    from ganpo.cli import outputs

    manifest = tiny_factory(tmp_path)()
    db, out = tmp_path / "s.sqlite", tmp_path / "out"
    command = ["account", "run", str(manifest), "--year", "2022", "--db", str(db)]
    monkeypatch.setattr(
        outputs,
        "write_outputs",
        fails_with(OSError(errno.ENOSPC, "No space left on device", str(out / "csv"))),
    )
    r = runner.invoke(app, [*command, "--out", str(out)])
    assert r.exit_code == 1 and f"error: the disk is full ({out / 'csv'}" in r.output
    assert repository.list_accounts(repository.open_store(db)) == []
    monkeypatch.undo()
    r = runner.invoke(app, [*command, "--out", str(out)])
    assert r.exit_code == 0 and "stored as account #1" in r.output
    assert (out / "gep_summary.xlsx").exists()
