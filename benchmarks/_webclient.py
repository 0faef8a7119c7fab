"""What the web benchmarks (bench_web.py's closed loop, ``_openloop.py``, ``_perwrite.py``)
share as clients of the demo platform: the logins of its demo users (``ganpo.web.seed``
gives each the password ``<user>-demo``), a filled tourism workbook to upload, and the
store the platform is served from."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ganpo.submissions.template import fill_template

#: where a user logs in for a bearer token
TOKEN_PATH = "/api/auth/token"


def credentials(user: str) -> dict[str, str]:
    """The login of the demo user ``user``."""
    return {"username": user, "password": f"{user}-demo"}


def _token(r: httpx.Response) -> str:
    r.raise_for_status()
    return str(r.json()["access_token"])


def login(client: httpx.Client, user: str) -> str:
    """The bearer token of ``user`` (``client`` set to the platform's address, or a
    FastAPI ``TestClient``); an ``httpx.HTTPStatusError`` if the login is refused."""
    return _token(client.post(TOKEN_PATH, json=credentials(user)))


async def login_async(client: httpx.AsyncClient, user: str) -> str:
    """:func:`login` through an asynchronous client."""
    return _token(await client.post(TOKEN_PATH, json=credentials(user)))


def bearer(token: str) -> dict[str, str]:
    """The request header that presents ``token``."""
    return {"Authorization": f"Bearer {token}"}


#: the values of every county's row of the tourism form the benchmarks upload
TOURISM_VALUES = {"visits": 10.0, "tourism_revenue": 1.5}


def filled_tourism(template: bytes) -> bytes:
    """The tourism template with plausible values in every county's row."""
    return fill_template(template, TOURISM_VALUES)


@contextmanager
def store(args: argparse.Namespace, work: Path, sqlite_name: str) -> Iterator[str]:
    """The store's URL or path: ``--database-url``, else a throwaway PostgreSQL server for
    ``--database postgresql`` (``_openloop.throwaway_postgres``), else the SQLite file
    ``sqlite_name`` in ``work``."""
    if args.database_url:
        yield args.database_url
    elif args.database == "postgresql":
        from _openloop import throwaway_postgres

        with throwaway_postgres() as url:
            yield url
    else:
        yield str(work / sqlite_name)
