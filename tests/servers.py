"""Starting a real server for a test: a free port, and waiting until it answers."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    """Wait (at most 3 minutes) until the server ``proc`` at ``base`` answers its health
    check; fail with its ``log`` if it exits first."""
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, "the server did not start"
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
