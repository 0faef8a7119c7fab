"""Settings of the web platform (``ganpo serve`` options, environment, test fixtures)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from ganpo.errors import InputError

#: every setting can be given as an environment variable ``GANPO_<NAME>`` (``GANPO_DATABASE``,
#: ``GANPO_DATA_DIR``, ``GANPO_MAX_UPLOAD_MB``…): ``ganpo serve`` hands its options to the
#: application this way, and ``uvicorn --factory ganpo.web.app:app_from_environment`` reads
#: them in a deployment that starts uvicorn (or gunicorn) itself
ENV_PREFIX = "GANPO_"

M = TypeVar("M", bound=BaseModel)


def env_name(field: str) -> str:
    """The environment variable of a setting: ``data_dir`` → ``GANPO_DATA_DIR``."""
    return ENV_PREFIX + field.upper()


def _from_environment(model: type[M], environ: Mapping[str, str] | None) -> M:
    env = os.environ if environ is None else environ
    given = {name: env[env_name(name)] for name in model.model_fields if env_name(name) in env}
    try:
        return model.model_validate(given)
    except ValidationError as exc:
        wrong = [
            f"{env_name(str(e['loc'][0]))}={given.get(str(e['loc'][0]), '')!r}: {e['msg']}"
            for e in exc.errors()
        ]
        raise InputError(
            en=f"invalid platform setting(s) in the environment: {'; '.join(wrong)}",
            zh="环境变量中的平台设置无效",
            field="environment",
            values=wrong,
        ) from exc


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
    carbon_targets: Path | None = Field(
        default=None,
        description="dual-control targets (a tracking TOML file); default: the shipped "
        "synthetic demo targets, for synthetic inventories only",
    )
    carbon_base: Path | None = Field(
        default=None,
        description="base carbon dataset of the inventories run from the departments' "
        "reports (region, level, factor sets, the tables nobody reported); default: the "
        "carbon demo dataset beside data_dir",
    )
    zoning_data: Path | None = Field(
        default=None,
        description="zoning dataset folder (zoning-dataset.toml) the site checks use; default: "
        "the synthetic zoning demo beside data_dir",
    )
    landuse_data: Path | None = Field(
        default=None,
        description="land-use scenario data folder (landuse-dataset.toml, cover_<year>.tif, "
        "dem.tif, driver rasters) the scenario page simulates on; default: the synthetic "
        "land-use demo beside data_dir",
    )
    carbon_gdp: Path | None = Field(
        default=None,
        description="GDP at constant prices for dual control (unit_code, year, "
        "gdp_constant_YYYY in 亿元); default: the gdp table of the carbon demo dataset",
    )
    inclusive_key: str | None = Field(
        default=None,
        min_length=16,
        description="secret key (≥ 16 characters) of the carbon-inclusive registry's "
        "pseudonyms: a participant registered by its identity is stored as its keyed hash; "
        "without it, participants are registered by a pseudonym computed elsewhere",
    )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings given as ``GANPO_*`` variables (default: the process environment);
        the others keep their defaults. An invalid value is an :class:`InputError` naming
        the variable."""
        return _from_environment(cls, environ)


class DemoSettings(BaseModel):
    """Whether the platform starts as a demo (``ganpo serve --demo``): ``GANPO_DEMO=1``
    prepares the demo dataset at ``GANPO_DEMO_RESOLUTION_M`` metres, its accounts and the
    demo users before serving (:func:`ganpo.web.seed.prepare_demo`)."""

    demo: bool = Field(default=False, description="prepare the demo platform at start")
    demo_resolution_m: float = Field(default=1000.0, gt=0, description="demo cell size [m]")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DemoSettings:
        return _from_environment(cls, environ)
