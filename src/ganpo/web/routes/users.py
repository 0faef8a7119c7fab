"""``/api/users``: user management (administrators only), every change audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ganpo.errors import (
    InputError,
    StoreError,
    StoreUnavailableError,
    UnknownNameError,
    pattern_in_words,
)
from ganpo.store import platform
from ganpo.web.auth import (
    Principal,
    hash_password,
    hierarchy,
    require_roles,
    session_cache,
    store,
)

router = APIRouter()
Admin = Annotated[Principal, Depends(require_roles("admin"))]
UserId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="user id / 用户编号")]


class UserOut(BaseModel):
    id: int
    username: str
    role: str
    department: str | None
    region_adcode: int | None
    active: bool
    created_at: str


class UserCreate(BaseModel):
    username: str = Field(
        min_length=1,
        max_length=64,
        **pattern_in_words(
            r"^[A-Za-z0-9_.@-]+$", "letters, digits, _, ., @ or -", "字母、数字、_、.、@ 或 -"
        ),
    )
    password: str = Field(min_length=8, max_length=256)
    role: str = Field(description=", ".join(platform.ROLES))
    department: str | None = Field(default=None, max_length=64)
    region_adcode: int | None = Field(default=None, ge=0, le=999_999)


class UserChange(BaseModel):
    role: str | None = None
    department: str | None = Field(default=None, max_length=64)
    region_adcode: int | None = Field(default=None, ge=0, le=999_999)
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=256)


def _out(u: platform.UserRecord) -> UserOut:
    return UserOut(**u.public())


def _check_region(adcode: int | None) -> None:
    if adcode is not None and adcode not in hierarchy().level:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown region_adcode {adcode}: use a province, city or county code of the "
            "county table (e.g. 360000, 360100, 361130) / 未知行政区代码",
        )


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


@router.get("", response_model=list[UserOut], summary="List users / 用户列表")
def list_users(request: Request, _: Admin) -> list[UserOut]:
    """Every user with role, scope and state (never password hashes). 所有用户。"""
    return [_out(u) for u in platform.list_users(store(request))]


@router.post("", response_model=UserOut, status_code=201, summary="Create a user / 新建用户")
def create_user(body: UserCreate, request: Request, admin: Admin) -> UserOut:
    """Add a user; a reporter needs a department, a viewer a region. 新建用户(审计)。"""
    _check_region(body.region_adcode)
    try:
        user = platform.create_user(
            store(request),
            actor=admin.username,
            username=body.username,
            password_hash=hash_password(body.password),
            role=body.role,
            department=body.department,
            region_adcode=body.region_adcode,
        )
    except (InputError, UnknownNameError) as exc:
        raise _bad(exc) from exc
    return _out(user)


def _change(request: Request, admin: Principal, user_id: int, **kw: Any) -> UserOut:
    engine = store(request)
    if platform.get_user(engine, user_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no user {user_id} / 用户不存在")
    if user_id == admin.user_id and (
        kw.get("active") is False or kw.get("role") not in (None, "admin")
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "an administrator cannot disable or demote itself; ask another admin / "
            "管理员不能停用或降级自己",
        )
    try:
        changed = platform.update_user(engine, user_id, actor=admin.username, **kw)
    except (InputError, UnknownNameError) as exc:
        raise _bad(exc) from exc
    except StoreUnavailableError:
        raise
    except StoreError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    cache = session_cache(request)
    if cache is not None:
        cache.forget_user(user_id)
    return _out(changed)


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user / 修改用户")
def change_user(user_id: UserId, body: UserChange, request: Request, admin: Admin) -> UserOut:
    """Change role, scope (department / region), state or password; audited with before
    and after. A role, password or state change ends the user's sessions. 修改用户(审计)。"""
    _check_region(body.region_adcode)
    return _change(
        request,
        admin,
        user_id,
        role=body.role,
        department=body.department,
        region_adcode=body.region_adcode,
        active=body.active,
        password_hash=hash_password(body.password) if body.password else None,
        clear_scope=body.role is not None,
    )


@router.post("/{user_id}/disable", response_model=UserOut, summary="Disable a user / 停用用户")
def disable_user(user_id: UserId, request: Request, admin: Admin) -> UserOut:
    """Disable a user and end its sessions (users are never deleted: the audit log keeps
    referring to them). 停用用户并结束其会话。"""
    return _change(request, admin, user_id, active=False)
