"""A throwaway PostgreSQL server for the store tests (Debian's postgresql package).

Started in a temporary folder on a free loopback port and stopped afterwards. As root the
server runs as the ``postgres`` user, as PostgreSQL requires. ``GANPO_REQUIRE_POSTGRES=1``
(set by ``make test``) turns a missing server into a failure instead of a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from servers import free_port


def _run(cmd: list[str], as_postgres: bool) -> None:
    if as_postgres:
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def find_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class Instance:
    """A throwaway server that a test may stop and start again (to lose the connection
    mid-session)."""

    def __init__(self, bindir: str, data: str, port: int, root: bool) -> None:
        self.bindir, self.data, self.port, self.root = bindir, data, port, root
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def start(self) -> None:
        _run(
            [
                f"{self.bindir}/pg_ctl",
                "-D",
                self.data,
                "-l",
                f"{self.data}/log",
                "-w",
                "-o",
                f"'-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off'",
                "start",
            ],
            self.root,
        )

    def stop(self) -> None:
        """Stop at once (connections are cut, open transactions lost, as in a crash)."""
        _run([f"{self.bindir}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"], self.root)


@contextmanager
def postgres_instance() -> Iterator[Instance]:
    """A fresh server (:class:`Instance`), stopped and removed afterwards."""
    bindir = find_bindir()
    assert bindir is not None
    root = os.geteuid() == 0
    data = tempfile.mkdtemp(prefix="ganpo-pg-")
    if root:
        shutil.chown(data, "postgres", "postgres")
    instance = Instance(bindir, data, free_port(), root)
    try:
        _run(
            [
                f"{bindir}/initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            root,
        )
        instance.start()
        yield instance
    finally:
        with suppress(subprocess.CalledProcessError):
            _run([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"], root)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh server; stop and remove it afterwards."""
    with postgres_instance() as instance:
        yield instance.url
