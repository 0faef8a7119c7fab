"""Tables of the web platform: users, sessions/tokens and the platform audit log.

Prefix ``platform_``. Passwords are never stored, only their argon2 hash (computed by
:mod:`ganpo.web.auth`); sessions and bearer tokens are stored as the SHA-256 of the secret
the client holds, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ganpo.store.models import Base


class PlatformUser(Base):
    """A person who may log in, with one role and (for reporters/viewers) a scope."""

    __tablename__ = "platform_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(64))
    region_adcode: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlatformSession(Base):
    """A login: a browser session (cookie, with a CSRF token) or a bearer token."""

    __tablename__ = "platform_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("platform_users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))  # "session" or "token"
    csrf_token: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class PlatformAudit(Base):
    """One change (or login attempt) on the platform: who, what, when, before and after."""

    __tablename__ = "platform_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PlatformJob(Base):
    """A background job (an account run) with its last known state, so that its outcome
    outlives the server process that ran it and other processes can report it."""

    __tablename__ = "platform_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    owner: Mapped[str] = mapped_column(String(64))
    runner: Mapped[str] = mapped_column(String(128))  # host:pid of the server running it
    state: Mapped[str] = mapped_column(String(10), index=True)
    fraction: Mapped[float]
    # its last message in each language, kept as given (a half may hold " / " itself);
    # a message without a Chinese half is both (migration 0022)
    message_en: Mapped[str] = mapped_column(Text)
    message_zh: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    log: Mapped[list[str]] = mapped_column(JSON, default=list)
