"""Error answers of the application routes (/api/apply, /api/assets).

:class:`FiniteErrorsRoute`: a route class whose 422 answers survive non-finite numbers in
the request. :func:`client_names`: error messages name the table or file as the client
sent it, not the server's path of the copy it was saved under.

Python's JSON reader accepts ``NaN`` and ``Infinity``; the request models of the
application routes refuse them (``allow_inf_nan=False``), and pydantic echoes the offending
input in its error, which the standard 422 handler cannot encode as JSON (a 500). This
route class writes such inputs as text before the error reaches the handler.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from ganpo.errors import InputError


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


class FiniteErrorsRoute(APIRoute):
    """An :class:`APIRoute` whose validation errors carry no NaN/Infinity values."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                raise RequestValidationError(_finite(list(exc.errors())), body=None) from exc

        return route


@contextmanager
def client_names(names: Mapping[Path, str]) -> Iterator[None]:
    """Re-raise an :class:`InputError` with each server path replaced by the client's name."""
    try:
        yield
    except InputError as exc:
        message = str(exc)
        for path, name in names.items():
            message = message.replace(str(path), name)
        if message == str(exc):
            raise
        raise InputError(message, field=exc.field, values=exc.values) from exc
