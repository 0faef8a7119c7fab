"""Schema migrations of the account store (Alembic), run by ganpo itself.

A new store is created at the newest schema; an existing store at an older schema is
refused with the command that upgrades it (``ganpo db upgrade --database URL``), so that
ganpo never writes into a schema it does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from ganpo.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store to ``revision`` (default: the newest), all of it or nothing."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: Engine, revision: str) -> None:
    """Take the store back to ``revision`` (for tests of a migration), all or nothing."""
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
                    f"the migration of {engine.url.render_as_string(hide_password=True)} "
                    f"would leave {len(broken)} rows pointing at rows that do not exist "
                    f"(tables {', '.join(sorted({str(b[0]) for b in broken}))}); it was "
                    "rolled back and the store is unchanged / 迁移已回滚，库未改变"
                )
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
