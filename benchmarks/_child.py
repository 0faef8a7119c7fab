"""What a benchmark's child process gives back. The benchmarks that measure in a fresh
process (bench_invest, bench_coldstart, bench_landuse, bench_routing, bench_tiled_sdr,
profile_pass, and bench_tiled_fill, bench_tiled_accum and bench_tiled_dirs through
``_tiled``) have the child print its figures as one line of JSON, its last.

A library may still print on standard output after that line, or between lines (a
warning, a progress message). Reading the last line alone then failed with a bare
``JSONDecodeError`` (or an ``IndexError`` when the child printed nothing) that said
nothing of the child. :func:`figures` takes the last line that is JSON of the expected
kind: lines of text after it are skipped, but a line that is itself a JSON object (or
array) would be taken for the figures. A child that printed none is named in a
``RuntimeError``; :func:`failed` is the message for a child that exited with an error or
was killed. Both quote the end of what the child wrote. :func:`checked` is the two for a
finished child: a benchmark stops on a failed one, else gets its figures.
"""

from __future__ import annotations

import json
import signal
from typing import Any, Protocol

#: the characters of each stream a message quotes from its end
TAIL = 2000


def _wrote(stdout: str, stderr: str) -> str:
    """The end of each stream a child wrote, labelled; "nothing" if both are empty."""
    parts = [
        f"its {name} ended with:\n{text[-TAIL:]}"
        for name, text in (("standard output", stdout), ("standard error", stderr))
        if text.strip()
    ]
    return "\n".join(parts) if parts else "it wrote nothing"


def failed(what: str, returncode: int, stderr: str) -> str:
    """The message for a child that exited with ``returncode`` (negative: killed by that
    signal, as ``subprocess`` reports it): ``what`` (the child, in words), and the end of
    its standard error."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "an unknown signal"
        memory = "; out of memory?" if -returncode == signal.SIGKILL else ""
        how = f"was killed by signal {-returncode} ({name}{memory})"
    else:
        how = f"failed (exit {returncode})"
    return f"{what} {how}:\n{_wrote('', stderr)}"


def _last(stdout: str, stderr: str, what: str, kind: type, name: str) -> Any:
    for line in reversed(stdout.splitlines()):
        try:
            got = json.loads(line)
        except ValueError:
            continue
        if isinstance(got, kind):
            return got
    raise RuntimeError(
        f"{what} printed no figures (a JSON {name} on a line of its own); " + _wrote(stdout, stderr)
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


class Finished(Protocol):
    """A child that has ended: ``subprocess.CompletedProcess`` (text), or
    ``_memory.Sampled`` / ``CappedRun``."""

    @property
    def returncode(self) -> int: ...

    @property
    def stdout(self) -> str: ...

    @property
    def stderr(self) -> str: ...


def checked(done: Finished, what: str) -> dict[str, Any]:
    """The figures of the child ``what`` (:func:`figures`), once it has ``done``; if it
    failed, the benchmark stops (``SystemExit``) with :func:`failed`'s message."""
    if done.returncode != 0:
        raise SystemExit(failed(what, done.returncode, done.stderr))
    return figures(done.stdout, done.stderr, what)
