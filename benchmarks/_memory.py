"""The memory figures of the benchmarks that run each measurement in a child process
(bench_landuse, bench_routing, bench_tiled_fill, bench_tiled_accum), measured one way:

- :func:`maxrss_kib`: the peak RSS of this process (``ru_maxrss``: anonymous and
  file-backed resident pages), as the child reports it;
- :func:`hwm_kib`: the same from ``VmHWM`` (bench_tiled_accum), which a process started
  by ``subprocess`` does not inherit from its parent's peak;
- :func:`status_kib`: fields of ``/proc/PID/status`` (``RssAnon``, ``RssFile``,
  ``VmRSS`` …) now;
- :func:`run_sampled`: run a child and sample its ``RssAnon`` / ``RssFile`` from the
  parent every 50 ms for its whole life (a thread inside the child would not run while a
  numba kernel holds the GIL; a peak shorter than the interval can be missed).

Linux only (``/proc``).
"""

from __future__ import annotations

import resource
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: the fields :func:`run_sampled` follows
SAMPLED = ("RssAnon", "RssFile")


def maxrss_kib() -> int:
    """The peak resident set of this process so far [KiB]."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def hwm_kib() -> int:
    """Peak RSS of this process: ``VmHWM``, not ``ru_maxrss``, which a process started by
    ``subprocess`` inherits from its parent's peak (Linux keeps it across exec) and which
    in bench_tiled_accum would show the parent's global routing of the inputs."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def status_kib(pid: int | str = "self", keys: Sequence[str] = SAMPLED) -> dict[str, int]:
    """The ``keys`` of ``/proc/PID/status`` [KiB] (empty once the process has exited)."""
    now = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":")[0]
                if key in keys:
                    now[key] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return now


def rss_kib() -> int:
    """The resident set of this process now (``VmRSS``) [KiB]."""
    return status_kib("self", ("VmRSS",)).get("VmRSS", 0)


@dataclass(frozen=True)
class Sampled:
    """A child run to its end: its exit code, its output and the peaks sampled [KiB]."""

    returncode: int
    stdout: str
    stderr: str
    peak_kib: dict[str, int]


def run_sampled(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, every_s: float = 0.05
) -> Sampled:
    """Run ``cmd`` and sample its :data:`SAMPLED` fields every ``every_s`` seconds."""
    peak = dict.fromkeys(SAMPLED, 0)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        while proc.poll() is None:
            for key, value in status_kib(proc.pid).items():
                peak[key] = max(peak[key], value)
            time.sleep(every_s)
        out.seek(0)
        err.seek(0)
        return Sampled(proc.returncode, out.read(), err.read(), peak)
