"""Migration 0022 (SQLite and PostgreSQL): a store whose jobs kept one message,
"English / 中文", gets the two halves (the old message split once; one without a Chinese
half is both halves), the schema matches the models, and the downgrade joins the halves
back into the message the rows had."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, select

from ganpo.store import platform, schema
from ganpo.store.schema import full_metadata

NOW = datetime(2025, 1, 1, tzinfo=UTC)
#: the messages a job could have before 0022, and the halves each becomes
OLD = {
    "queued": ("queued / 排队中", ("queued", "排队中")),
    "failed": (
        "yield 3 t / ha is above 2 t / ha / 单产 3 t / ha 高于 2 t / ha",
        ("yield 3 t / ha is above 2 t / ha", "单产 3 t / ha 高于 2 t / ha"),
    ),
    "broken": (
        "ValueError: no such layer",
        ("ValueError: no such layer", "ValueError: no such layer"),
    ),
    "done": ("done: account #7 / 完成", ("done: account #7", "完成")),
}


def _old_store(url: str) -> None:
    """A store at 0021 with a job row of each kind of message."""
    engine = create_engine(url)
    schema.upgrade(engine, "0021")
    meta = MetaData()
    with engine.begin() as conn:
        meta.reflect(conn, only=["platform_jobs"])
        conn.execute(
            meta.tables["platform_jobs"].insert(),
            [
                {
                    "id": job_id,
                    "kind": "account.run",
                    "owner": "office",
                    "runner": "old-host:1",
                    "state": "failed" if job_id in ("failed", "broken") else "done",
                    "fraction": 1.0,
                    "message": message,
                    "account_id": None,
                    "created_at": NOW,
                    "updated_at": NOW,
                    "log": [message],
                }
                for job_id, (message, _) in OLD.items()
            ],
        )
    engine.dispose()


def _messages(url: str) -> dict[str, str]:
    engine = create_engine(url)
    meta = MetaData()
    with engine.connect() as conn:
        meta.reflect(conn, only=["platform_jobs"])
        table = meta.tables["platform_jobs"]
        rows = conn.execute(select(table.c.id, table.c.message)).all()
    engine.dispose()
    return {job_id: message for job_id, message in rows}


def test_upgrade_splits_the_old_message_once_into_its_halves(store_url: str) -> None:
    _old_store(store_url)
    engine = create_engine(store_url)
    schema.upgrade(engine)
    assert schema.current_revision(engine) == "0022"
    columns = {c["name"] for c in inspect(engine).get_columns("platform_jobs")}
    assert {"message_en", "message_zh"} <= columns and "message" not in columns
    for job_id, (message, both) in OLD.items():
        job = platform.load_job(engine, job_id)
        assert job is not None
        assert (job.message_en, job.message_zh) == both
        assert job.message == message and job.log == [message]
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), full_metadata()) == []
    engine.dispose()


def test_downgrade_joins_the_halves_into_the_old_message(store_url: str) -> None:
    _old_store(store_url)
    before = _messages(store_url)
    engine = create_engine(store_url)
    schema.upgrade(engine)
    # a job saved at 0022 with halves a split would cut elsewhere: joined on the way back
    job = platform.JobRecord(
        "new", "account.run", "office", "h:1", "failed", 0.0,
        "column yield: t / ha is not a unit", "列 yield：t / ha 不是单位",
        None, NOW, NOW, [],
    )  # fmt: skip
    platform.save_job(engine, job)
    schema.downgrade(engine, "0021")
    columns = {c["name"] for c in inspect(engine).get_columns("platform_jobs")}
    assert "message" in columns and not {"message_en", "message_zh"} & columns
    assert _messages(store_url) == {
        **before,
        "new": "column yield: t / ha is not a unit / 列 yield：t / ha 不是单位",
    }
    schema.upgrade(engine)  # and up again
    again = platform.load_job(engine, "failed")
    assert again is not None and (again.message_en, again.message_zh) == OLD["failed"][1]
    engine.dispose()
