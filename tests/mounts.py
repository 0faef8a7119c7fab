"""A full disk and a read-only folder for real: small tmpfs mounts (needs root and the
right to mount, as in the project's container; tests using them are skipped otherwise).

The rest of the failure tests simulate the system's errors (a writer raising
``OSError(ENOSPC)``); these check that GDAL's own failures on a real full or read-only
file system are recognised too (GDAL does not pass the system's error number on)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(folder: Path, options: str) -> bool:
    if os.name != "posix" or os.geteuid() != 0:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _unmount(folder: Path) -> None:
    subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@contextmanager
def full_disk(folder: Path) -> Iterator[Path]:
    """``folder`` on a 1 MB file system filled up to the last byte."""
    if not _mount(folder, "size=1m"):
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    try:
        with (folder / "filler").open("wb", buffering=0) as fh:
            try:
                while fh.write(b"\0" * 4096):
                    pass
            except OSError:  # ENOSPC: full
                pass
        yield folder
    finally:
        _unmount(folder)


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` on a read-only file system."""
    if not _mount(folder, "ro,size=1m"):
        pytest.skip("cannot mount a tmpfs here (not root, or no CAP_SYS_ADMIN)")
    try:
        yield folder
    finally:
        _unmount(folder)
