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


#: where the memory cgroups are mounted (cgroup v1: a ``memory`` hierarchy under it;
#: v2: the unified hierarchy itself, or under ``unified`` in a hybrid mount)
CGROUP_ROOT = "/sys/fs/cgroup"


@dataclass(frozen=True)
class CappedRun:
    """A child run in a memory cgroup capped at ``limit_bytes``: its exit code (``-9``:
    killed by the kernel's OOM killer at the cap), output, wall time, the cgroup's peak
    charge (anonymous and page-cache pages, as the kernel counts them against the cap),
    the times the cap was hit and the bytes the child read from disk (``read_bytes`` of
    ``/proc/PID/io``, sampled: page-ins of evicted file pages count here)."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    limit_bytes: int
    peak_bytes: int
    cap_hits: int
    read_bytes: int


def _own_cgroup(controller: str) -> tuple[str, int] | None:
    """This process's cgroup path for ``controller`` (v1) or the unified one (v2), and
    the version; None if neither is listed."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return None
    for _, names, path in lines:
        if controller in names.split(","):
            return path, 1
    for hid, names, path in lines:
        if hid == "0" and names == "":
            return path, 2
    return None


def memory_cgroup_dir() -> tuple[str, int] | None:
    """A directory in which a child memory cgroup can be made (this process's own memory
    cgroup, writable), and the cgroup version; None if there is none (no memory
    controller, or no right to write)."""
    import os

    own = _own_cgroup("memory")
    if own is None:
        return None
    path, version = own
    bases = [f"{CGROUP_ROOT}/memory"] if version == 1 else [CGROUP_ROOT, f"{CGROUP_ROOT}/unified"]
    for base in bases:
        where = f"{base}{path}".rstrip("/")
        if version == 1:
            ok = os.path.exists(f"{where}/memory.limit_in_bytes")
        else:
            try:
                with open(f"{where}/cgroup.subtree_control") as f:
                    ok = "memory" in f.read().split()
            except OSError:
                ok = False
        if ok and os.access(where, os.W_OK):
            return where, version
    return None


def run_capped(cmd: Sequence[str], limit_mib: int, every_s: float = 0.5) -> CappedRun | None:
    """Run ``cmd`` in a new memory cgroup capped at ``limit_mib`` MiB (made beside this
    process's own, removed after), or None when no memory cgroup can be made here. The
    child joins the cgroup before it executes ``cmd``, so every byte it charges counts."""
    import os

    where = memory_cgroup_dir()
    if where is None:
        return None
    parent, version = where
    group = f"{parent}/ganpo-bench-{os.getpid()}"
    os.mkdir(group)
    limit = int(limit_mib) * 1024 * 1024
    try:
        with open(f"{group}/{'memory.limit_in_bytes' if version == 1 else 'memory.max'}", "w") as f:
            f.write(str(limit))
        if version == 2:  # no swap: the cap is the memory the run has
            try:
                with open(f"{group}/memory.swap.max", "w") as f:
                    f.write("0")
            except OSError:
                pass

        def join() -> None:
            with open(f"{group}/cgroup.procs", "w") as f:
                f.write(str(os.getpid()))

        read = 0
        with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, preexec_fn=join)
            while proc.poll() is None:
                read = max(read, _read_bytes(proc.pid))
                time.sleep(every_s)
            seconds = time.perf_counter() - t0
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if version == 1:
            peak = _int_file(f"{group}/memory.max_usage_in_bytes")
            hits = _int_file(f"{group}/memory.failcnt")
        else:
            peak = _int_file(f"{group}/memory.peak")
            hits = _v2_event(f"{group}/memory.events", "max")
        return CappedRun(proc.returncode, stdout, stderr, seconds, limit, peak, hits, read)
    finally:
        for _ in range(50):  # the child's exit is charged off asynchronously
            try:
                os.rmdir(group)
                break
            except OSError:
                time.sleep(0.1)


def _read_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("read_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _int_file(path: str) -> int:
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return -1


def _v2_event(path: str, key: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                name, _, value = line.partition(" ")
                if name == key:
                    return int(value)
    except (OSError, ValueError):
        pass
    return -1
