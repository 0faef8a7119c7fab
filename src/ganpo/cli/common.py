"""Options and helpers shared by the CLI commands."""

from __future__ import annotations

import csv
import difflib
import io
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console, Group, RenderableType
from rich.logging import RichHandler
from rich.measure import Measurement
from rich.rule import Rule
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

from ganpo.cli.failures import debugging, report_failure


def records_view(table: Table) -> RenderableType:
    """``table`` as one block per row (its title, then each row's column headers and values
    one per line): the layout for a terminal too narrow for the table's columns. A blank
    first cell (a grouped table's "same as above") repeats the value above it."""
    headers = [
        Text.from_markup(h, style="bold") if isinstance(h, str) else h
        for h in (c.header for c in table.columns)
    ]
    columns = [list(c.cells) for c in table.columns]
    # a table that groups its rows leaves the first column blank under a repeated value: a
    # record on its own must say it again
    for i in range(1, len(columns[0]) if columns else 0):
        if not str(columns[0][i]).strip():
            columns[0][i] = columns[0][i - 1]
    parts: list[RenderableType] = []
    if table.title:
        parts.append(Text(str(table.title), style="bold"))
    for i in range(table.row_count):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(max_width=28, overflow="fold")
        grid.add_column(overflow="fold")
        for header, cells in zip(headers, columns, strict=True):
            label = header.copy() if isinstance(header, Text) else header
            if isinstance(label, Text):
                label.plain = label.plain.replace("\n", " ")
            grid.add_row(label, cells[i])
        parts.append(Rule(f"{i + 1}", align="left", style="dim"))
        parts.append(grid)
    if table.caption:
        parts.append(Text(str(table.caption), style="dim"))
    return Group(*parts)


class FittingConsole(Console):
    """A console whose tables always fit: a table whose columns cannot fit the terminal's
    width without cutting words (``…``) is printed one record per block instead
    (:func:`records_view`); a piped or 80-column terminal gets readable output."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(self._fit(o) for o in objects), **kwargs)

    def _fit(self, obj: Any) -> Any:
        if not isinstance(obj, Table) or not obj.columns:
            return obj
        natural = Measurement.get(self, self.options.update_width(100_000), obj)
        return records_view(obj) if natural.minimum > self.width else obj


# No console markup: messages carry user text ("[[layers]]", file names), which rich would
# take for markup and drop. Styles are given as style= or rich.text.Text.
console = FittingConsole(markup=False)
err_console = Console(stderr=True, markup=False)

DEFAULT_DATABASE = Path("out/ganpo.sqlite")

DatabaseOption = Annotated[
    str,
    typer.Option(
        "--database",
        "--db",
        help="Account store: a SQLite file path or a SQLAlchemy URL "
        "(postgresql+psycopg://…). 核算结果库。",
    ),
]
ParamsOption = Annotated[
    str | None,
    typer.Option(
        "--params",
        "-p",
        help="Parameter set name or .toml path (`ganpo params list`); default: the "
        "profile's. 参数集。",
    ),
]
#: how a listing command prints its records
Format = Literal["table", "csv", "json"]
FormatOption = Annotated[
    Format,
    typer.Option(
        "--format",
        "-f",
        help="table (default), csv (a header row, UTF-8) or json (an array of objects): "
        "for scripts. 输出格式：表格、CSV 或 JSON。",
    ),
]


def account_id(value: str) -> int:
    """An account id given as a command's argument: a whole number, refused in both
    languages otherwise. Any whole number passes here (0 and negative ids too); the store's
    look-up refuses an id it does not hold, naming the stored ones."""
    text = str(value).strip()
    if text.startswith("-") and not text[1:].isdigit():  # a mistyped option, not an id
        raise typer.BadParameter(
            f"{text!r} is neither an option of this command nor an account id; see --help "
            f"/ {text!r} 既不是该命令的选项，也不是核算编号：请见 --help"
        )
    try:
        return int(text)
    except ValueError:
        raise typer.BadParameter(
            f"account id {str(value)!r} is not a whole number; give the id of a stored "
            f"account (`ganpo account list`) / 核算编号 {str(value)!r} 不是整数：请给出已存"
            "核算的编号（见 ganpo account list）"
        ) from None


#: a negative number given where an option may be: an id (or a value), not an option
_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d*)?")


class AccountCommand(TyperCommand):
    """A command taking account ids as arguments (``ACCOUNT_ARGUMENTS``): unknown options
    are let through as arguments so that ``-1`` is an id, so a mistyped option
    (``--yeer 2023``) is refused here, before parsing, in both languages, naming it, the
    closest option and the command's options (exit code 2, as click's "No such option")
    — not as click's "unexpected extra argument" in English."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not ctx.resilient_parsing:
            self._refuse_unknown_options(ctx, args)
        return super().parse_args(ctx, args)

    def _refuse_unknown_options(self, ctx: Any, args: Sequence[str]) -> None:
        options = [p for p in self.get_params(ctx) if p.param_type_name == "option"]
        names = {name: o for o in options for name in (*o.opts, *o.secondary_opts)}
        takes_value = {
            name
            for name, o in names.items()
            if not getattr(o, "is_flag", False) and not getattr(o, "count", False)
        }
        i = 0
        while i < len(args):
            token = args[i]
            i += 1
            if token == "--":  # arguments only after it
                return
            if not token.startswith("-") or token == "-" or _NEGATIVE_NUMBER.fullmatch(token):
                continue
            name = token.split("=", 1)[0] if token.startswith("--") else token[:2]
            if name not in names:
                raise NoSuchOption(token.split("=", 1)[0], options)
            if name in takes_value and name == token:  # its value follows: not an option
                i += 1


class NoSuchOption(typer.BadParameter):
    """A mistyped option of an :class:`AccountCommand`: its name, the closest option and
    the command's options, in both languages (a usage error: exit code 2)."""

    def __init__(self, given: str, options: Sequence[Any]) -> None:
        longest = [max(o.opts, key=len) for o in options]
        close = difflib.get_close_matches(given, longest, n=1, cutoff=0.6)
        guess_en = f"did you mean {close[0]}? " if close else ""
        guess_zh = f"是否想用 {close[0]}？" if close else ""
        self.given, self.closest = given, close[0] if close else None
        super().__init__(
            f"{given!r} is neither an option of this command nor an account id; {guess_en}"
            f"the command's options: {', '.join(longest)} / {given!r} 既不是该命令的选项，也"
            f"不是核算编号：{guess_zh}该命令的选项：{'、'.join(longest)}"
        )

    def format_message(self) -> str:
        return self.message  # whole: not "Invalid value: …"


#: the commands that take account ids as arguments: ``-1`` is an id there (refused by the
#: look-up as every id not stored), not an unknown option; a mistyped option is refused by
#: :class:`AccountCommand`. Give as ``@app.command(name, **ACCOUNT_COMMAND)``.
ACCOUNT_ARGUMENTS: dict[str, Any] = {"ignore_unknown_options": True}
ACCOUNT_COMMAND: dict[str, Any] = {"context_settings": ACCOUNT_ARGUMENTS, "cls": AccountCommand}


def account_argument(help_text: str) -> Any:
    """The ``typer.Argument`` of an account id (:func:`account_id`)."""
    return typer.Argument(help=help_text, parser=account_id, metavar="ACCOUNT_ID")


ProfileOption = Annotated[
    str,
    typer.Option("--profile", help="Accounting profile (`ganpo profiles`). 核算口径（标准）。"),
]


#: the one format of every log line the CLI prints: time, level, message (no file:line)
LOG_TIME_FORMAT = "[%H:%M:%S]"
#: the progress of a command (stage messages of an account): on stdout, in the log's format
PROGRESS_LOGGER = "ganpo.cli.progress"


class OncePerRun(logging.Filter):
    """Lets a warning through once per run: a warning whose text was already shown (the
    same cause met again in the next year of the demo, or in the account a comparison
    recomputes) is dropped. Other levels always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        text = record.getMessage()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


def log_handler(console: Console) -> RichHandler:
    """A handler that writes time, level and message to ``console``."""
    return RichHandler(
        console=console,
        show_path=False,
        log_time_format=LOG_TIME_FORMAT,
        omit_repeated_times=False,
    )


def setup_logging(verbose: int, quiet: bool) -> None:
    """Log level from ``-v``/``-q``; ``-v`` also shows the traceback of an error. Log lines
    go to stderr, progress messages (:func:`say`) to stdout, both as time, level, message;
    a warning is shown once per run (:class:`OncePerRun`)."""
    debugging(verbose > 0)
    level = (
        logging.ERROR if quiet else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    )
    handler = log_handler(err_console)
    handler.addFilter(OncePerRun())
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    _progress_to(console)


def _progress_to(target: Console) -> logging.Logger:
    progress = logging.getLogger(PROGRESS_LOGGER)
    for old in progress.handlers[:]:
        progress.removeHandler(old)
        old.close()
    progress.addHandler(log_handler(target))
    progress.setLevel(logging.INFO)
    progress.propagate = False
    return progress


def say(message: str) -> None:
    """A progress message (an account's stages): on stdout, as time, INFO, message."""
    progress = logging.getLogger(PROGRESS_LOGGER)
    if not progress.handlers:  # a command called without the `ganpo` group's set-up
        progress = _progress_to(console)
    progress.info(message)


def log_every_warning() -> None:
    """Show every warning, repeated or not, from now on (a server runs for days: a warning
    that comes back is news each time)."""
    for handler in logging.getLogger().handlers:
        for f in [f for f in handler.filters if isinstance(f, OncePerRun)]:
            handler.removeFilter(f)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn an error into a one-paragraph message and its exit code (2: bad input; 1:
    anything else), as the top-level handler of :mod:`ganpo.cli.failures` does."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except (Exception, KeyboardInterrupt) as exc:
        raise typer.Exit(code=report_failure(exc, err_console)) from exc


def yi(value_cny: float) -> str:
    """Format CNY as 亿元 (10^8 CNY) with two decimals."""
    return f"{value_cny / 1e8:,.2f}"


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Where rasters are computed: threads (default), synchronous, processes, or the "
        "address of a dask cluster (tcp://host:8786). 计算调度（可用 dask 集群）。",
    ),
]


@contextmanager
def progress_bar(label: str) -> Iterator[Any]:
    """A rich progress bar; yields a function that takes the fraction done (0–1)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda fraction: bar.update(task, completed=fraction)


def _plain(value: Any) -> Any:
    """A record's value as JSON holds it: times in ISO 8601 (UTC, as the store keeps them),
    paths as text."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    """A record's value in a CSV cell: lists and objects as JSON text, none as empty."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _write_stdout(text: str) -> None:
    """``text`` on stdout in UTF-8 whatever the terminal's encoding (a pipe, a file)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def print_records(fmt: Format, keys: Sequence[str], records: Iterable[Mapping[str, Any]]) -> bool:
    """Print a listing's records as CSV (a header row of ``keys``) or JSON (an array of
    objects with ``keys``, in that order) on stdout, for scripts; ``False`` (nothing
    printed) for the table format, which the command draws itself."""
    if fmt == "table":
        return False
    rows = [{k: _plain(r.get(k)) for k in keys} for r in records]
    if fmt == "json":
        _write_stdout(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return True
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    writer.writerows([_cell(r[k]) for k in keys] for r in rows)
    _write_stdout(out.getvalue())
    return True


def report_target(
    out: Path, lang: str, suffixes: tuple[str, ...] = (".pdf", ".xlsx")
) -> tuple[Literal["zh", "en"], str]:
    """The language and suffix of a report written to ``out`` (one of ``suffixes``: PDF
    or Excel unless said); another language or suffix is refused naming it."""
    from ganpo.errors import InputError

    if lang not in ("zh", "en"):
        raise InputError(
            en=f"unknown language {lang!r}; use zh or en",
            zh="语言须为 zh 或 en",
            field="lang",
            values=[lang],
        )
    suffix = out.suffix.lower()
    if suffix not in suffixes:
        listed = " or ".join(suffixes)
        raise InputError(
            en=f"--out {out.name!r}: give a file ending in {listed}",
            zh=f"输出文件须为 {' 或 '.join(suffixes)}",
            field="out",
            values=[out.name],
        )
    return ("zh" if lang == "zh" else "en"), suffix
