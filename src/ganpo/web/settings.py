"""Settings of the web platform (``ganpo serve`` options, test fixtures)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class Settings(BaseModel):
    """Where the platform keeps its data and how long logins last.

    ``database`` is a SQLAlchemy URL (``postgresql+psycopg://user@host/db`` for a shared
    deployment) or a SQLite file path. ``data_dir`` is the base dataset folder (with its
    manifest) that accounts are run on; ``work_dir`` holds uploads, built datasets and
    generated reports.
    """

    database: str = Field(default="out/ganpo.sqlite", description="SQLAlchemy URL or SQLite path")
    data_dir: Path = Field(default=Path("data/demo-250m"), description="base dataset folder")
    work_dir: Path = Field(default=Path("out/web"), description="uploads, datasets, reports")
    session_hours: float = Field(default=8.0, gt=0, description="lifetime of a login [h]")
    max_upload_mb: int = Field(default=20, gt=0, description="largest upload accepted [MB]")
    secure_cookies: bool = Field(default=False, description="send cookies over HTTPS only")
    max_failed_logins: int = Field(
        default=5, gt=0, description="refused logins of one user that lock it out for a while"
    )
    lockout_minutes: float = Field(
        default=15.0, gt=0, description="window of the failed logins, and the lock-out [min]"
    )
