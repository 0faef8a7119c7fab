"""The shipped example inputs of the applications and the commands that use them.

The inputs (``catalog/data/rules/examples``) are synthetic: county factor tables, GDP and
Green Development Index indicators, compensation monitoring series, a site, two parcels
and a damaged area in Wuyuan county. ``commands.toml`` beside them lists, in order, the
command lines a new user runs on the demo accounts; ``ganpo apply examples`` prints them
and a test runs every one on the demo at a coarse resolution.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ganpo.catalog.files import data_dir
from ganpo.errors import InputError

#: the placeholder of the examples folder in ``commands.toml``
PLACEHOLDER = "{examples}"
_FILE = re.compile(re.escape(PLACEHOLDER) + r"/([^\s]+)")


@dataclass(frozen=True)
class ExampleCommand:
    """One example command line, with what it does in Chinese and English."""

    step: int
    line: str  # with the examples folder filled in
    zh: str
    en: str
    files: tuple[str, ...]  # the example inputs it reads (file names)


def examples_dir() -> Path:
    """The folder of the shipped example inputs."""
    return data_dir("rules") / "examples"


def example_files() -> list[Path]:
    """The example input files (tables and polygons), sorted by name."""
    folder = examples_dir()
    return sorted(p for p in folder.iterdir() if p.suffix in (".csv", ".geojson"))


def example_commands(folder: Path | None = None) -> list[ExampleCommand]:
    """The example command lines of ``commands.toml``, with ``{examples}`` replaced by
    ``folder`` (default: the shipped folder). Every input a command names must exist."""
    shipped = examples_dir()
    source = shipped / "commands.toml"
    with source.open("rb") as fh:
        entries = tomllib.load(fh).get("command", [])
    where = folder if folder is not None else shipped
    out: list[ExampleCommand] = []
    for step, entry in enumerate(entries, start=1):
        line = str(entry["line"])
        files = tuple(_FILE.findall(line))
        missing = [f for f in files if not (shipped / f).is_file()]
        if missing:
            raise InputError(
                f"{source.name}, command {step}: example input(s) {', '.join(missing)} not "
                f"in {shipped}; add the file or correct the command"
            )
        out.append(
            ExampleCommand(
                step=step,
                line=_FILE.sub(lambda m: shlex.quote(str(where / m.group(1))), line),
                zh=str(entry["zh"]),
                en=str(entry["en"]),
                files=files,
            )
        )
    return out
