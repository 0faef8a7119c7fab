"""What the ``ganpo`` command prints when something fails, and its exit code.

- An error ganpo raises on purpose (:class:`~ganpo.errors.GanpoError`): its message, as
  written (no console markup), without a traceback. Exit code 2 for a request that cannot
  be met as given (:class:`~ganpo.errors.InputError`,
  :class:`~ganpo.errors.UnknownNameError`, any ganpo error that is a ``ValueError`` or a
  ``LookupError``, a :class:`~ganpo.errors.StoreError` such as a missing id or a change
  the records' state forbids; a wrong option is 2 too, by click), 1 for the failures of
  the environment (:class:`~ganpo.errors.StoreUnavailableError`: the database is full,
  read-only, locked, gone; :class:`~ganpo.errors.OutputError`: a full disk, a read-only
  folder) and any other.
- A database error ganpo did not foresee: the driver's first line, never the SQL.
- The environment failing (``OSError``, ``MemoryError``): a message with the path and
  what to do; exit code 1.
- Ctrl-C (``KeyboardInterrupt``): one short line; exit code 130, as shells report an
  interrupted command.
- Anything else is a bug: one line asking to report it, with the path of a log file that
  holds the traceback (in ``$GANPO_LOG_DIR``, default the system's temporary folder);
  exit code 1.

With ``-v`` (or ``GANPO_DEBUG=1``) the traceback is printed as well.
:class:`GanpoGroup` applies this to every command; :func:`ganpo.cli.common.user_errors`
does the same inside a command.
"""

from __future__ import annotations

import contextlib
import errno
import os
import platform
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from ganpo.errors import (
    GanpoError,
    InputError,
    StoreError,
    StoreUnavailableError,
    UnknownNameError,
)

EXIT_FAILURE = 1
EXIT_INPUT = 2
EXIT_INTERRUPTED = 130
DEBUG_ENV = "GANPO_DEBUG"
LOG_DIR_ENV = "GANPO_LOG_DIR"

_state = {"debug": False}


def debugging(on: bool) -> None:
    """Show tracebacks (``-v``)."""
    _state["debug"] = on


def is_debugging() -> bool:
    return _state["debug"] or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def exit_code(exc: BaseException) -> int:
    """2 for a request that cannot be met as given (bad input, a name or an id that does
    not exist, a change the records' state forbids), 130 for an interrupt, 1 for anything
    else (the database or the disk failing, a bug)."""
    if isinstance(exc, InputError | UnknownNameError) or (
        isinstance(exc, GanpoError) and isinstance(exc, ValueError | LookupError)
    ):
        return EXIT_INPUT
    if isinstance(exc, StoreError) and not isinstance(exc, StoreUnavailableError):
        return EXIT_INPUT
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_FAILURE


def report_failure(exc: BaseException, console: Console) -> int:
    """Print what went wrong (and, debugging, the traceback); return the exit code."""
    if isinstance(exc, BrokenPipeError):  # `ganpo … | head`: the reader has gone
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    if is_debugging():
        console.print(
            "".join(traceback.format_exception(exc)).rstrip(), highlight=False, soft_wrap=True
        )
    if isinstance(exc, KeyboardInterrupt):
        console.print("interrupted / 已中断", highlight=False)
    else:
        text = Text.assemble(("error: ", "bold red"), failure_message(exc))
        console.print(text, highlight=False, soft_wrap=True)
    return exit_code(exc)


def failure_message(exc: BaseException) -> str:
    """The message for ``exc``, as the user reads it."""
    if isinstance(exc, GanpoError):
        return str(exc)
    if _database_error(exc):
        from ganpo.store.failures import cause

        return (
            f"the store refused the operation ({cause(exc)}); the change in progress was "
            "rolled back / 数据库拒绝了该操作，进行中的事务已回滚"
        )
    if isinstance(exc, MemoryError):
        return (
            "out of memory: the computation needs more memory than is free. Use smaller "
            "blocks (--chunk 512), one worker (--scheduler synchronous), or a dask cluster "
            "(--scheduler tcp://host:8786) / 内存不足：请减小分块（--chunk 512）、单线程计算"
            "（--scheduler synchronous）或使用 dask 集群"
        )
    if isinstance(exc, OSError):
        return _os_message(exc)
    log = _write_log(exc)
    where = (
        f"with the log file {log}, which holds the details"
        if isinstance(log, Path)
        else f"(no log file: {log}; run again with GANPO_DEBUG=1 to see the details)"
    )
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return (
        f"unexpected {type(exc).__name__}{f': {first}' if first else ''}. This is a bug in "
        f"ganpo: please report it {where} / 意外错误：这是 ganpo 的缺陷，请连同日志文件报告"
    )


def _database_error(exc: BaseException) -> bool:
    """A database error ganpo did not foresee: its message is the driver's first line,
    never the SQL statement or its parameters."""
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)


def _os_message(exc: OSError) -> str:
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    where = f" ({' → '.join(paths)})" if paths else ""
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return (
            f"permission denied{where}: ganpo may not read or write there. Check the "
            "permissions (ls -l), or use another path / 没有权限：请检查权限，或改用其他路径"
        )
    if code in (errno.ENOSPC, errno.EDQUOT):
        from ganpo.io.outputs import format_bytes, free_bytes

        free = free_bytes(Path(paths[0]).parent) if paths else None
        left = f" ({format_bytes(free)} free)" if free is not None else ""
        return (
            f"the disk is full{where}{left}: free some space there, or write to another "
            "folder / 磁盘已满：请释放空间，或改写到其他文件夹"
        )
    if code == errno.EROFS:
        return (
            f"read-only file system{where}: write to a folder on a writable disk "
            "/ 只读文件系统：请改写到可写磁盘上的文件夹"
        )
    if code == errno.ENOENT:
        return f"no such file or folder{where}: check the path / 文件或文件夹不存在：请检查路径"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return (
        f"{reason}{where}: check the disk, the network share or the path, then try again "
        "/ 系统错误：请检查磁盘、网络共享或路径后重试"
    )


def _write_log(exc: BaseException) -> Path | str:
    """Write the traceback and the context to a log file; its path, or why not."""
    from ganpo import __version__

    folder = Path(os.environ.get(LOG_DIR_ENV) or Path(tempfile.gettempdir()) / "ganpo-logs")
    now = datetime.now(UTC)
    path = folder / f"error-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    text = (
        f"ganpo {__version__} error log, {now:%Y-%m-%d %H:%M:%S} UTC\n"
        f"command: {' '.join(sys.argv)}\n"
        f"python {platform.python_version()} on {platform.platform()}\n\n"
        + "".join(traceback.format_exception(exc))
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as os_exc:
        return os_exc.strerror or str(os_exc)
    return path


class GanpoGroup(TyperGroup):
    """The ``ganpo`` command group: every command's failure goes through
    :func:`report_failure` (a message and an exit code, never a bare traceback)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # exits, usage errors
            raise
        except (Exception, KeyboardInterrupt) as exc:
            from ganpo.cli.common import err_console  # common imports this module

            raise typer.Exit(report_failure(exc, err_console)) from None
