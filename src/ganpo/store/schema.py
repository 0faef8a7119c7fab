"""Schema migrations of the account store (Alembic), run by ganpo itself.

A new store is created at the newest schema; an existing store at an older schema is
refused with the command that upgrades it (``ganpo db upgrade --database URL``), so that
ganpo never writes into a schema it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, MetaData, inspect, text

from ganpo.errors import StoreError
from ganpo.store.records import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: HEAD_REVISION (in :mod:`ganpo.store.records`): the revision of the newest migration in
#: ``migrations/versions``, the schema this ganpo reads and writes. Written out so that
#: opening a store loads no Alembic (it is loaded only to migrate); an upgrade, and a
#: test, check that it is Alembic's head.
#: the table in which Alembic keeps the revision a store is at
VERSION_TABLE = "alembic_version"


#: the modules that declare the store's tables beside :mod:`ganpo.store.models`
MODEL_MODULES = (
    "apply_models",
    "carbon_models",
    "cases_models",
    "inclusive_models",
    "platform_models",
    "rating_models",
    "register_models",
    "reporting_models",
    "reserve_models",
    "tracking_models",
)


def full_metadata() -> MetaData:
    """The declared schema of the whole store: ``Base.metadata`` once every module of
    :data:`MODEL_MODULES` is imported (a table registers itself when its module is first
    imported, so ``Base.metadata`` alone holds only what the process has used so far)."""
    import importlib

    from ganpo.store.models import Base

    for name in MODEL_MODULES:
        importlib.import_module(f"ganpo.store.{name}")
    return Base.metadata


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    """The schema revision this ganpo needs (:data:`HEAD_REVISION`)."""
    return HEAD_REVISION


def alembic_head() -> str:
    """The head of the migrations as Alembic finds it (loads Alembic)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, read from Alembic's version table with a plain query
    (as Alembic reads it); None when the store has no version table or an empty one."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return None
        heads = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(heads) > 1:
        raise StoreError(
            en=f"the store {engine.url.render_as_string(hide_password=True)} records "
            f"{len(heads)} schema revisions ({', '.join(sorted(heads))}) where ganpo writes "
            "one; it was not made by ganpo's migrations",
            zh=f"核算结果库 {engine.url.render_as_string(hide_password=True)} 记录了 "
            f"{len(heads)} 个结构版本（{'、'.join(sorted(heads))}），而 ganpo 只写入一个；"
            "该库不是由 ganpo 的迁移生成的",
        )
    return heads[0] if heads else None


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store to ``revision`` (default: the newest), all of it or nothing."""
    from alembic import command

    head = alembic_head()
    if head != HEAD_REVISION:  # a migration added without moving HEAD_REVISION
        raise RuntimeError(
            f"the newest migration is {head} but ganpo.store.schema.HEAD_REVISION is "
            f"{HEAD_REVISION}: set HEAD_REVISION to {head}"
        )
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store back to ``revision`` (for tests of a migration), all or nothing."""
    from alembic import command

    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


def _migrate(engine: Engine, step: Callable[[Config], None]) -> None:
    cfg = alembic_config(engine)
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg)
        return
    # SQLite alters a table by rebuilding it (copy, drop, rename; sqlite.org/
    # lang_altertable.html section 7). With foreign keys on, dropping the old `accounts`
    # would cascade-delete every row that refers to it, so they are off during the
    # migration (PRAGMA foreign_keys is ignored inside a transaction: set it first) and
    # checked before the commit. BEGIN IMMEDIATE makes the whole migration one
    # transaction (the driver would otherwise commit DDL statement by statement).
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        try:
            before = set(conn.exec_driver_sql("PRAGMA foreign_key_check").all())
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = conn
            step(cfg)
            broken = set(conn.exec_driver_sql("PRAGMA foreign_key_check").all()) - before
            if broken:
                raise StoreError(
                    en=f"the migration of {engine.url.render_as_string(hide_password=True)} "
                    f"would leave {len(broken)} rows pointing at rows that do not exist "
                    f"(tables {', '.join(sorted({str(b[0]) for b in broken}))}); it was "
                    "rolled back and the store is unchanged",
                    zh="迁移已回滚，库未改变",
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
