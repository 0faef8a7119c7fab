"""Code version and host, recorded with every account."""

from __future__ import annotations

import platform
import subprocess
from functools import cache
from pathlib import Path

import ganpo


@cache
def code_version() -> str:
    """``<package version>+g<git revision>[.dirty]`` when run from a git checkout."""
    here = Path(ganpo.__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--", "."],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ganpo.__version__
    return f"{ganpo.__version__}+g{rev}" + (".dirty" if dirty else "")


def host() -> str:
    return platform.node()
