"""``/api/audit``: the platform's audit log (administrators only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from ganpo.store import platform
from ganpo.web.auth import Principal, require_roles, store
from ganpo.web.public import without_paths

router = APIRouter()


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("", response_model=list[AuditOut], summary="Audit log / 审计日志")
def audit_log(
    request: Request,
    _: Annotated[Principal, Depends(require_roles("admin"))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    changes_only: Annotated[
        bool, Query(description="leave out logins, logouts and tokens / 不含登录记录")
    ] = False,
) -> list[AuditOut]:
    """Who did what, when, with the state before and after; newest first, filterable.
    Files the server read are named by their file name, never their path.
    谁在何时做了什么(含修改前后),最新在前。"""
    rows = platform.list_audit(
        store(request),
        limit=limit,
        offset=offset,
        actor=actor,
        entity=entity,
        action=action,
        changes_only=changes_only,
    )
    return [
        AuditOut(
            id=r.id,
            at=r.at.isoformat(),
            actor=r.actor,
            action=r.action,
            entity=r.entity,
            entity_id=r.entity_id,
            before=without_paths(r.before),
            after=without_paths(r.after),
        )
        for r in rows
    ]
