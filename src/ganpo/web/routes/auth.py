"""``/api/auth``: log in (cookie session), log out, who am I, bearer tokens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from ganpo.store import platform
from ganpo.store.platform import SessionRecord
from ganpo.web.auth import (
    COOKIE,
    current_session,
    session_cache,
    spend_like_a_login,
    store,
    verify_password,
)

router = APIRouter()


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64, description="用户名 / username")
    password: str = Field(min_length=1, max_length=256, description="密码 / password")


class Me(BaseModel):
    username: str
    role: str
    department: str | None
    region_adcode: int | None
    csrf_token: str | None = Field(
        description="send as header X-CSRF-Token on POST/PUT/PATCH/DELETE with the cookie"
    )
    expires_at: datetime


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


LOCKOUT: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password, or user disabled / 用户名或密码错误"},
    429: {
        "description": "too many failed logins of this user: locked out for the window "
        "(Retry-After) or until an administrator resets the password / 登录失败次数过多"
    },
}


def _authenticate(request: Request, creds: Credentials) -> platform.UserRecord:
    engine = store(request)
    settings = request.app.state.settings
    window = timedelta(minutes=settings.lockout_minutes)
    failed = platform.failed_logins_since(engine, creds.username, platform.utcnow() - window)
    if failed >= settings.max_failed_logins:  # the password is not even checked
        spend_like_a_login(creds.password)
        platform.record_failed_login(engine, creds.username, "locked out")
        minutes = f"{settings.lockout_minutes:g}"
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"{failed} failed logins for this user in the last {minutes} minutes: try again "
            f"after {minutes} minutes without attempts, or ask an administrator to reset the "
            f"password / 该用户登录失败次数过多，请 {minutes} 分钟后再试或请管理员重置密码",
            headers={"Retry-After": str(int(window.total_seconds()))},
        )
    found = platform.user_credentials(engine, creds.username)
    if found is None:
        spend_like_a_login(creds.password)  # as long as a wrong password takes
        platform.record_failed_login(engine, creds.username, "unknown user")
    else:
        user, password_hash = found
        if verify_password(password_hash, creds.password):
            if user.active:
                return user
            platform.record_failed_login(engine, creds.username, "user disabled")
        else:
            platform.record_failed_login(engine, creds.username, "wrong password")
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "wrong username or password, or the user is disabled / 用户名或密码错误,或用户已停用",
    )


def _me(s: SessionRecord) -> Me:
    u = s.user
    return Me(
        username=u.username,
        role=u.role,
        department=u.department,
        region_adcode=u.region_adcode,
        csrf_token=s.csrf_token,
        expires_at=s.expires_at,
    )


@router.post("/login", response_model=Me, summary="Log in / 登录", responses=LOCKOUT)
def login(creds: Credentials, request: Request, response: Response) -> Me:
    """Check the password and open a browser session: sets the HttpOnly cookie
    ``ganpo_session`` and returns the CSRF token. 校验密码并建立会话。"""
    user = _authenticate(request, creds)
    settings = request.app.state.settings
    engine = store(request)
    secret, _, _ = platform.new_session(
        engine, user.id, kind="session", hours=settings.session_hours, actor=user.username
    )
    response.set_cookie(
        COOKIE,
        secret,
        max_age=int(settings.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    found = platform.find_session(engine, secret)
    assert found is not None
    return _me(found)


@router.post(
    "/token", response_model=Token, summary="Bearer token / 获取访问令牌", responses=LOCKOUT
)
def token(creds: Credentials, request: Request) -> Token:
    """Exchange username and password for a bearer token (for scripts; no CSRF needed).
    用户名和密码换取访问令牌(脚本使用)。"""
    user = _authenticate(request, creds)
    secret, _, expires = platform.new_session(
        store(request),
        user.id,
        kind="token",
        hours=request.app.state.settings.session_hours,
        actor=user.username,
    )
    return Token(access_token=secret, expires_at=expires)


@router.post("/logout", status_code=204, summary="Log out / 退出登录")
def logout(
    request: Request,
    response: Response,
    session: Annotated[SessionRecord, Depends(current_session)],
) -> Response:
    """End this session or token. 结束当前会话或令牌。"""
    platform.end_session(store(request), session.token_sha256, actor=session.user.username)
    cache = session_cache(request)
    if cache is not None:
        cache.forget(session.token_sha256)
    out = Response(status_code=204)
    out.delete_cookie(COOKIE, path="/")
    return out


@router.get("/me", response_model=Me, summary="Who am I / 当前用户")
def me(session: Annotated[SessionRecord, Depends(current_session)]) -> Me:
    """The logged-in user, its role and scope, and the session's CSRF token.
    当前用户、角色、范围及 CSRF 令牌。"""
    return _me(session)
