"""``/api/jobs``: progress of background jobs (account runs)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel

from ganpo.web.auth import CurrentPrincipal
from ganpo.web.jobs import JobManager

router = APIRouter()


class JobOut(BaseModel):
    job_id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    fraction: float
    message: str  # "English / 中文", whole (for clients that read one string)
    message_en: str  # its English half, as the job made it (may hold " / " itself)
    message_zh: str  # its Chinese half (the English one when the message has none)
    account_id: int | None


@router.get("/{job_id}", response_model=JobOut, summary="Job progress / 任务进度")
def job_status(
    job_id: Annotated[str, PathParam(max_length=64)], request: Request, principal: CurrentPrincipal
) -> JobOut:
    """State, fraction done (0–1) and last message of a job; only its owner, the office
    and administrators see it. 任务状态、完成比例和最新消息。"""
    jobs: JobManager = request.app.state.jobs
    job = jobs.get(job_id)
    if job is None or (
        job.owner != principal.username and principal.role not in ("admin", "office")
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id} / 任务不存在")
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        state=job.state,
        fraction=job.fraction,
        message=job.message,
        message_en=job.message_en,
        message_zh=job.message_zh,
        account_id=job.account_id,
    )
