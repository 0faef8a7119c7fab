"""What a benchmark's child process gives back: the benchmarks that measure in a fresh
process (bench_invest, bench_coldstart, bench_landuse, bench_routing, bench_tiled_sdr,
profile_pass, and bench_tiled_fill and bench_tiled_accum through ``_tiled``) have the
child print its figures as one line of JSON, its last.

A library may still print on standard output after that line, or between lines (a
warning, a progress message). Reading the last line alone then failed with a bare
``JSONDecodeError`` that said nothing of the child. :func:`figures` takes the last line
that is JSON of the expected kind, whatever follows it, and names the child that printed
none; :func:`failed` is the message for a child that exited with an error. Both quote
the end of what the child wrote.
"""

from __future__ import annotations

import json
from typing import Any

#: the characters of each stream a message quotes from its end
TAIL = 2000


def _tail(text: str) -> str:
    return text[-TAIL:]


def failed(what: str, returncode: int, stderr: str) -> str:
    """The message for a child that exited with ``returncode``: ``what`` (the child, in
    words), and the end of its standard error."""
    return f"{what} failed (exit {returncode}):\n{_tail(stderr)}"


def _last(stdout: str, stderr: str, what: str, kind: type, name: str) -> Any:
    for line in reversed(stdout.splitlines()):
        try:
            got = json.loads(line)
        except ValueError:
            continue
        if isinstance(got, kind):
            return got
    raise RuntimeError(
        f"{what} printed no figures (a JSON {name} on a line of its own); it wrote:\n"
        f"{_tail(stdout)}{_tail(stderr)}"
    )


def figures(stdout: str, stderr: str, what: str) -> dict[str, Any]:
    """The last line of ``stdout`` that is a JSON object; the child that printed none
    (``what``, in words) is named in the error, with the end of what it wrote."""
    got: dict[str, Any] = _last(stdout, stderr, what, dict, "object")
    return got


def figure_list(stdout: str, stderr: str, what: str) -> list[Any]:
    """As :func:`figures`, for a child that prints a JSON array (InVEST's runs' times)."""
    got: list[Any] = _last(stdout, stderr, what, list, "array")
    return got
