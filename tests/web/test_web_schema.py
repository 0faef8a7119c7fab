"""Schemathesis against the platform's OpenAPI, as an administrator and as a city viewer
(whose answers are scoped) with a bearer token:
generated requests to every operation must never get a server error (5xx).

Each operation gets a bounded number of examples (derandomized, so a run is repeatable)
to keep the whole run under a minute. The operations are driven from one test (rather
than schemathesis' pytest plugin) because the app and its token are fixtures.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

EXAMPLES = 10
SKIPPED = {"/api/auth/logout"}  # logging out would end the token the other requests use
#: a request may take long on a loaded machine (a report is rendered): the check is that
#: no request fails with a server error, never how fast it answers
REQUEST_TIMEOUT_S = 600


@pytest.mark.parametrize("user", ["admin", "nanchang"])  # everything; a scoped viewer
def test_no_server_error(web_app: FastAPI, token_for: Callable[[str], str], user: str) -> None:
    token = token_for(user)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", web_app)
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in SKIPPED:
            continue
        tested += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error], timeout=REQUEST_TIMEOUT_S
            )

        t0 = time.perf_counter()
        try:
            run()
        except Exception as exc:  # collect every failing operation, then report them all
            notes = " ".join(getattr(exc, "__notes__", []))  # hypothesis: the falsifying case
            failures.append(f"{operation.method.upper()} {operation.path}: {exc} {notes}"[:3000])
        print(f"{time.perf_counter() - t0:6.2f} s {operation.method.upper()} {operation.path}")
    assert tested >= 15
    assert not failures, "\n\n".join(failures)
