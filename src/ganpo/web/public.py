"""What the API may show of the server's files: a file's name, never its path.

Stored records keep the paths they read (the CLI and the audit need them on the server);
every API answer that carries such a record passes through :func:`without_paths`, which
replaces a ``path``, ``file``, ``dir`` (``*_path``, ``*_file``, ``*_dir``) field holding a
path by its last part (a ``path`` key becomes ``file``, ``*_path`` ``*_file``), and any
other value that is an absolute path (``manifest: /srv/…/manifest.toml``) by its last part.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

#: keys that name a file or folder of the server
_PATH_KEY = re.compile(r"^(?:.*_)?(?:path|file|dir|folder|directory)$")
#: a value that looks like a path: absolute (POSIX or Windows) or with a folder in it
_PATH_VALUE = re.compile(r"^(?:/|[A-Za-z]:[\\/]|\\\\)|[\\/]")
#: an absolute path (POSIX or Windows)
_ABSOLUTE = re.compile(r"^(?:/[^/\s]+/|[A-Za-z]:[\\/]|\\\\)[^\n]*$")


def file_name(value: str) -> str:
    """The last part of a path (POSIX or Windows)."""
    if "\\" in value or re.match(r"^[A-Za-z]:", value):
        return PureWindowsPath(value).name
    return PurePosixPath(value).name


def without_paths(value: Any) -> Any:
    """``value`` (JSON-ready) with every path-like field replaced by the file's name:
    ``{"role": "factors", "path": "/srv/…/factors-1a2b.csv"}`` becomes
    ``{"role": "factors", "file": "factors-1a2b.csv"}``."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if (
                isinstance(key, str)
                and _PATH_KEY.match(key)
                and isinstance(item, str)
                and _PATH_VALUE.search(item)
            ):
                out[re.sub(r"path$", "file", key)] = file_name(item)
            else:
                out[key] = without_paths(item)
        return out
    if isinstance(value, list | tuple):
        return [without_paths(v) for v in value]
    if isinstance(value, str) and _ABSOLUTE.match(value):
        return file_name(value)
    return value
