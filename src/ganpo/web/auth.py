"""Authentication and authorisation of the platform: roles, scopes, sessions, CSRF.

* Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106).
* A browser logs in with ``POST /api/auth/login`` and gets a server-side session in the
  HttpOnly, SameSite=Lax cookie ``ganpo_session``; every unsafe request (POST, PUT, PATCH,
  DELETE) made with that cookie must carry the header ``X-CSRF-Token`` equal to the
  session's token (returned by login and by ``GET /api/auth/me``).
* A script gets a bearer token from ``POST /api/auth/token`` and sends
  ``Authorization: Bearer …``; bearer requests are exempt from the CSRF check (a browser
  never adds that header by itself).
* Sessions and tokens expire after ``Settings.session_hours``; the store keeps only the
  SHA-256 of their secrets.
* A session checked against the store is kept in memory for 2 s (:class:`SessionCache`:
  the sessions a process holds are checked again together, in one query);
  logout and user changes through the app drop it at once.

Scope: a viewer (and a reporter given a region) sees only its region, by containment in
the county table of :mod:`ganpo.io.regions` (a county sees itself, a city itself and its
counties, the province everything in it). Admin, office and reviewer see everything; a
reporter without a region is a provincial department and sees the province.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from ganpo.catalog.names import english_names
from ganpo.io.regions import read_district_table
from ganpo.store import platform
from ganpo.store.platform import ROLES, SessionRecord

COOKIE = "ganpo_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
ALL_SEEING = frozenset({"admin", "office", "reviewer"})
#: the province of the platform (Jiangxi); a reporter without a region sees it
HOME_PROVINCE = 360000

_hasher = PasswordHasher()
#: a hash to verify against when the username is unknown, so that a login takes as long
#: for an unknown name as for a bad password (no user enumeration by timing)
_DUMMY_HASH = _hasher.hash("ganpo-no-such-user")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; the parameters are in the hash)."""
    return _hasher.hash(password)


def spend_like_a_login(password: str) -> None:
    """Verify ``password`` against a dummy hash: an unknown username then takes as long to
    refuse as a wrong password (no user enumeration by timing)."""
    verify_password(_DUMMY_HASH, password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash (constant-time in argon2)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------- administrative hierarchy


@dataclass(frozen=True)
class Hierarchy:
    """Counties, cities and provinces of the county table, with their parents."""

    parent: dict[int, int | None]  # adcode -> parent adcode (province: None)
    level: dict[int, str]  # adcode -> "province" | "city" | "county"
    name_zh: dict[int, str]
    counties_of: dict[int, frozenset[int]]  # any adcode -> the counties it contains
    name_en: dict[int, str] = field(default_factory=dict)  # units with an English name

    def name(self, adcode: int, lang: str = "zh") -> str:
        """The unit's name in ``lang`` ("zh" or "en"; Chinese when no English name is
        known), or the adcode as text for an unknown unit."""
        if lang == "en" and adcode in self.name_en:
            return self.name_en[adcode]
        return self.name_zh.get(adcode, str(adcode))

    def ancestors(self, adcode: int) -> list[int]:
        """The unit itself, then its city and province (those that exist)."""
        out: list[int] = []
        current: int | None = adcode
        while current is not None and current in self.parent:
            out.append(current)
            current = self.parent[current]
        return out


@lru_cache(maxsize=1)
def hierarchy() -> Hierarchy:
    """The hierarchy of every county in the table (read once, offline)."""
    table = read_district_table()
    parent: dict[int, int | None] = {}
    level: dict[int, str] = {}
    name: dict[int, str] = {}
    members: dict[int, set[int]] = {}
    for row in table.to_dict("records"):
        county = int(row["district_adcode"])
        city = int(row["city_adcode"])
        prov = int(row["province_adcode"])
        if city == county:  # a county-level unit directly under a province
            city = prov
        parent.setdefault(prov, None)
        level.setdefault(prov, "province")
        name.setdefault(prov, str(row["province_name"]))
        if city != prov:
            parent.setdefault(city, prov)
            level.setdefault(city, "city")
            name.setdefault(city, str(row["city_name"]))
        parent[county] = city
        level[county] = "county"
        name[county] = str(row["district_name"])
        for unit in {county, city, prov}:
            members.setdefault(unit, set()).add(county)
    return Hierarchy(
        parent, level, name, {k: frozenset(v) for k, v in members.items()}, english_names()
    )


@dataclass
class Principal:
    """Who is making a request: the user, its role and its scope."""

    user_id: int
    username: str
    role: str
    department: str | None
    region_adcode: int | None

    @property
    def sees_all(self) -> bool:
        return self.role in ALL_SEEING

    @property
    def scope_adcode(self) -> int | None:
        """The unit whose contents this principal may read (``None``: all or nothing)."""
        if self.role == "reporter" and self.region_adcode is None:
            return HOME_PROVINCE
        return self.region_adcode

    def can_see(self, adcode: int) -> bool:
        """Whether this principal may read the unit ``adcode`` (county, city or province)."""
        if self.sees_all:
            return True
        scope = self.scope_adcode
        return scope is not None and scope in hierarchy().ancestors(int(adcode))

    def visible_counties(self) -> set[int]:
        """Every county this principal may read."""
        h = hierarchy()
        if self.sees_all:
            return {a for a, lv in h.level.items() if lv == "county"}
        scope = self.scope_adcode
        return set(h.counties_of.get(scope, frozenset())) if scope is not None else set()

    def public(self) -> dict[str, Any]:
        return {
            "username": self.username,
            "role": self.role,
            "department": self.department,
            "region_adcode": self.region_adcode,
        }


def principal_of(user: platform.UserRecord) -> Principal:
    return Principal(user.id, user.username, user.role, user.department, user.region_adcode)


# ------------------------------------------------------------------ FastAPI dependencies


def store(request: Request) -> Engine:
    """The SQLAlchemy engine of the platform's store."""
    engine: Engine = request.app.state.engine
    return engine


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class SessionCache:
    """Live sessions checked against the store in the last ``ttl_s`` seconds, by the
    digest of their secret.

    A request whose session was checked less than ``ttl_s`` ago needs no query. When a
    known session's check is older, the first request that needs it checks **every**
    session this process used in the last ``keep_s`` seconds in one query
    (:meth:`refresh`, :func:`ganpo.store.platform.find_sessions`); the requests that come
    meanwhile wait for that query instead of making their own. With many sessions spread
    over several server processes, a session was rarely seen by the same process in the
    last 2 s, and one query per request became one query per process every ``ttl_s``
    (decision 0068). A session never seen by this process is looked up alone.

    What a request is served is never older than ``ttl_s`` (counted from the start of the
    query that read it). Expiry is still checked on every request against the cached
    ``expires_at``; logout and every user change made through this process drop the
    entries at once (and a check under way when they happen is not kept), so only a
    revocation made by *another* server process (or directly in the store) can take up
    to ``ttl_s`` to be seen. Entries are keyed by the digest of their own secret: one
    session's record is never served for another.
    """

    def __init__(self, ttl_s: float = 2.0, size: int = 10_000, keep_s: float = 60.0) -> None:
        self.ttl_s, self.size, self.keep_s = ttl_s, size, keep_s
        #: digest → (record, when its check started, when a request last used it)
        self._items: dict[str, tuple[SessionRecord, float, float]] = {}
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        #: bumped by every forget: a check that started before it is not kept
        self._generation = 0

    def get(self, digest: str) -> SessionRecord | None:
        """The session if it was checked less than ``ttl_s`` ago (no I/O)."""
        now = time.monotonic()
        with self._lock:
            item = self._items.get(digest)
            if item is None or now - item[1] > self.ttl_s:
                return None
            self._items[digest] = (item[0], item[1], now)
            return item[0]

    def known(self, digest: str) -> bool:
        """Whether this process holds the session, fresh or not."""
        with self._lock:
            return digest in self._items

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def put(self, record: SessionRecord, checked_at: float, generation: int) -> None:
        """Keep a session checked at ``checked_at`` (``time.monotonic()`` when its query
        started), unless something was forgotten since ``generation``."""
        with self._lock:
            if generation != self._generation:
                return
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[record.token_sha256] = (record, checked_at, time.monotonic())

    def refresh(self, digest: str, fetch: Callable[[list[str]], dict[str, SessionRecord]]) -> None:
        """Check again, in one ``fetch`` of the store, every session used in the last
        ``keep_s`` seconds; those ``fetch`` does not return (revoked, expired, disabled)
        are dropped, those not used for ``keep_s`` forgotten. One refresh at a time: a
        caller that waited for another's finds ``digest`` fresh and fetches nothing."""
        with self._refreshing:
            now = time.monotonic()
            with self._lock:
                item = self._items.get(digest)
                if item is None or now - item[1] <= self.ttl_s:
                    return  # dropped or checked by the refresh this caller waited for
                for old in [d for d, it in self._items.items() if now - it[2] > self.keep_s]:
                    del self._items[old]
                due = list(self._items)
                if digest not in due:
                    due.append(digest)
                generation = self._generation
            started = time.monotonic()
            live = fetch(due)
            with self._lock:
                if generation != self._generation:
                    return
                for d in due:
                    record = live.get(d)
                    if record is None:
                        self._items.pop(d, None)
                    else:
                        used = self._items.get(d, (record, started, started))[2]
                        self._items[d] = (record, started, used)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            self._generation += 1
            for digest in [d for d, (r, _, _) in self._items.items() if r.user.id == user_id]:
                del self._items[digest]

    def forget(self, digest: str) -> None:
        with self._lock:
            self._generation += 1
            self._items.pop(digest, None)


def session_cache(request: Request) -> SessionCache | None:
    cache: SessionCache | None = getattr(request.app.state, "sessions", None)
    return cache


async def _lookup(request: Request, secret: str) -> SessionRecord | None:
    cache = session_cache(request)
    digest = platform.token_digest(secret)
    engine = store(request)
    found = cache.get(digest) if cache is not None else None
    if found is None and cache is not None and cache.known(digest):

        def fetch(digests: list[str]) -> dict[str, SessionRecord]:
            return platform.find_sessions(engine, digests)

        await run_in_threadpool(cache.refresh, digest, fetch)
        found = cache.get(digest)
    if found is None:  # new to this process, dropped by the check, or a forget meanwhile
        generation = None if cache is None else cache.generation()
        started = time.monotonic()
        found = await run_in_threadpool(platform.find_session, engine, secret)
        if found is not None and cache is not None and generation is not None:
            cache.put(found, started, generation)
    if found is not None and found.expires_at <= platform.utcnow():
        return None
    return found


async def current_session(request: Request) -> SessionRecord:
    """The live session or token of the request (401 if none), CSRF-checked.

    The result is kept on ``request.state`` so that several dependencies share one
    look-up.
    """
    cached: SessionRecord | None = getattr(request.state, "ganpo_session", None)
    if cached is not None:
        return cached
    token = _bearer(request)
    found: SessionRecord | None = None
    if token is not None:
        found = await _lookup(request, token)
        if found is not None and found.kind != "token":
            found = None  # a session cookie value is not accepted as a bearer token
    else:
        cookie = request.cookies.get(COOKIE)
        if cookie:
            found = await _lookup(request, cookie)
            if found is not None and found.kind != "session":
                found = None
    if found is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "not logged in, or the login expired: log in again / 未登录或登录已过期,请重新登录",
            headers={"WWW-Authenticate": "Bearer"},
        )
    _check_csrf(request, found)
    request.state.ganpo_session = found
    return found


def _check_csrf(request: Request, found: SessionRecord) -> None:
    if found.kind != "session" or request.method.upper() in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent or found.csrf_token is None or sent != found.csrf_token:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong {CSRF_HEADER} header: send the csrf_token that login or "
            "/api/auth/me returned / 缺少或错误的 CSRF 令牌",
        )


async def current_principal(request: Request) -> Principal:
    """The logged-in principal (401 otherwise). Unsafe cookie requests are CSRF-checked."""
    return principal_of((await current_session(request)).user)


#: the logged-in principal as a parameter annotation: ``def route(p: CurrentPrincipal)``
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def csrf_protect(request: Request) -> None:
    """Require the CSRF header on unsafe methods of a cookie session (bearer: exempt).

    :func:`current_principal` already applies it; use this where a route must be protected
    without needing the principal.
    """
    await current_session(request)


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency giving the principal if its role is one of ``roles`` (403 otherwise)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; roles: {', '.join(ROLES)}")
    allowed = frozenset(roles)

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"role {principal.role!r} may not do this; needs one of: "
                f"{', '.join(sorted(allowed))} / 当前角色无此权限",
            )
        return principal

    return dependency


def require_visible(principal: Principal, adcode: int) -> None:
    """404 if the unit is outside the principal's scope (its existence is not revealed)."""
    if not principal.can_see(adcode):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no region {adcode} in your scope / 您的权限范围内没有该行政区",
        )
