"""The platform's answer cache makes an answer once however many requests ask for it at
the same time (a cold worker meeting a burst of requests made the same answer once per
request, all at once, and fell minutes behind under load), and a failed answer lets the
next caller try again.

No timing: the test waits (with a generous limit that only a broken cache reaches) until
every caller is at the cache's gate, then lets the first answer finish."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from ganpo.web.data import ResponseCache

KEY = ("summary", 1, "all", "county", None)


class CountingGate:
    """A lock that counts the callers that came to it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.arrived = 0
        self._count = threading.Lock()

    def __enter__(self) -> CountingGate:
        with self._count:
            self.arrived += 1
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _wait_for(condition: Any, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the callers never reached the gate")
        time.sleep(0.01)


def test_concurrent_callers_make_the_answer_once() -> None:
    cache = ResponseCache()
    gate = CountingGate()
    cache._making[KEY] = gate  # type: ignore[assignment]  # the gate the first caller takes
    release = threading.Event()
    made: list[int] = []

    def make() -> dict[str, Any]:
        made.append(1)
        release.wait(60)
        return {"gep": 6474.17}

    answers: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get_or_make(KEY, make)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    _wait_for(lambda: gate.arrived == 8)  # all eight at the gate, one of them making
    release.set()
    for t in threads:
        t.join(60)
    assert len(made) == 1
    assert answers == [b'{"gep": 6474.17}'] * 8
    assert KEY not in cache._making  # the gate is gone once the answer is cached
    assert cache.get_or_make(KEY, make) == answers[0] and len(made) == 1


def test_a_failed_answer_lets_the_next_caller_try() -> None:
    cache = ResponseCache()
    calls: list[int] = []

    def fails() -> dict[str, Any]:
        calls.append(1)
        raise ValueError("the store is unreachable")

    with pytest.raises(ValueError, match="unreachable"):
        cache.get_or_make(KEY, fails)
    assert KEY not in cache._making and cache.peek(KEY) is None
    assert cache.get_or_make(KEY, lambda: [1, 2]) == b"[1, 2]"
    assert calls == [1]
