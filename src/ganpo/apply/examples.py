"""The shipped example inputs of the applications and the commands that use them.

The inputs are synthetic: county factor tables, GDP and Green Development Index
indicators and compensation monitoring series (``catalog/data/rules/examples``), three
parcels and a damaged area in Wuyuan county (``catalog/data/credit/examples``).
``commands.toml`` lists, in order, the command lines a new user runs on the demo accounts;
``ganpo apply examples`` prints them and a test runs every one on the demo at a coarse
resolution.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from ganpo.catalog.files import data_dir, read_toml
from ganpo.errors import InputError

#: the placeholders of ``commands.toml`` and the folders they stand for
FOLDERS = {"examples": ("rules", "examples"), "assets": ("credit", "examples")}
_FILE = re.compile(r"\{(" + "|".join(FOLDERS) + r")\}/([^\s]+)")


@dataclass(frozen=True)
class ExampleCommand:
    """One example command line, with what it does in Chinese and English."""

    step: int
    line: str  # with the examples folder filled in
    zh: str
    en: str
    files: tuple[str, ...]  # the example inputs it reads (file names)


def examples_dir(placeholder: str = "examples") -> Path:
    """The folder a placeholder of ``commands.toml`` stands for."""
    package, sub = FOLDERS[placeholder]
    return data_dir(package) / sub


def example_files() -> list[Path]:
    """The example input files (tables and polygons) of every folder, sorted by name."""
    return sorted(
        (
            p
            for key in FOLDERS
            for p in examples_dir(key).iterdir()
            if p.suffix in (".csv", ".geojson")
        ),
        key=lambda p: p.name,
    )


def example_commands() -> list[ExampleCommand]:
    """The example command lines of ``commands.toml``, each placeholder replaced by its
    folder. Every input a command names must exist."""
    source = examples_dir() / "commands.toml"
    entries = read_toml(source, "the example commands").get("command", [])
    out: list[ExampleCommand] = []
    for step, entry in enumerate(entries, start=1):
        line = str(entry["line"])
        found = _FILE.findall(line)
        files = tuple(name for _, name in found)
        missing = [f"{{{k}}}/{n}" for k, n in found if not (examples_dir(k) / n).is_file()]
        if missing:
            raise InputError(
                en=f"{source.name}, command {step}: example input(s) {', '.join(missing)} not "
                "shipped; add the file or correct the command",
                zh=f"{source.name} 第 {step} 条命令：示例输入 {', '.join(missing)} 未随软件提供；"
                "请补上该文件或改正命令",
            )
        out.append(
            ExampleCommand(
                step=step,
                line=_FILE.sub(lambda m: shlex.quote(str(examples_dir(m[1]) / m[2])), line),
                zh=str(entry["zh"]),
                en=str(entry["en"]),
                files=files,
            )
        )
    return out
