"""Background jobs of the platform (account runs), with their progress.

Jobs run one at a time in a worker thread of the server process (an account already uses
every core through dask). Their progress (fraction, messages) lives in memory while they
run; every change of state (queued, running, done, failed) is also written to the store
(``platform_jobs``), so a job's outcome outlives a restart and another server process on
the same database can report it (with the progress of its last change of state). A job
left queued or running by a server process of this host that no longer exists is marked
failed, "interrupted", when the next server starts.

A job's message is kept in its two halves, English and Chinese, from where it is made
(the job's states, its stage messages, its failure) to the store and the API: a half may
hold " / " itself ("t / ha"), so the whole "English / 中文" is only ever joined for
readers of one string, never split again (decision 0098).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Engine

from ganpo.errors import GanpoError, StoreError, joined
from ganpo.store import platform
from ganpo.web.failures import public_halves, without_paths

State = Literal["queued", "running", "done", "failed"]


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    state: State = "queued"
    fraction: float = 0.0
    message_en: str = ""  # the last message in English
    message_zh: str = ""  # in Chinese (a message without a Chinese half: the same text)
    account_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    log: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The last message whole, ``"English / 中文"`` (for readers of one string)."""
        return joined(self.message_en, self.message_zh)

    def tell(self, en: str, zh: str) -> None:
        """Set the message, as its two halves."""
        self.message_en, self.message_zh = en, zh

    def record(self) -> platform.JobRecord:
        return platform.JobRecord(
            id=self.id,
            kind=self.kind,
            owner=self.owner,
            runner=platform.job_runner(),
            state=self.state,
            fraction=self.fraction,
            message_en=self.message_en,
            message_zh=self.message_zh,
            account_id=self.account_id,
            created_at=self.created_at,
            updated_at=datetime.now(UTC),
            log=list(self.log),
        )

    @classmethod
    def of(cls, r: platform.JobRecord) -> Job:
        state: State = r.state  # type: ignore[assignment]
        return cls(
            r.id,
            r.kind,
            r.owner,
            state,
            r.fraction,
            r.message_en,
            r.message_zh,
            r.account_id,
            r.created_at,
            r.log,
        )

    def public(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "kind": self.kind,
            "owner": self.owner,
            "state": self.state,
            "fraction": self.fraction,
            "message": self.message,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "account_id": self.account_id,
            "created_at": self.created_at.isoformat(),
        }


class JobContext:
    """What a running job reports through: fraction done and stage messages."""

    def __init__(self, manager: JobManager, job: Job) -> None:
        self._manager, self._job = manager, job

    def fraction(self, value: float) -> None:
        with self._manager.lock:
            self._job.fraction = max(self._job.fraction, min(1.0, float(value)))

    def say(self, en: str, zh: str | None = None) -> None:
        """A stage message, in English and in Chinese; without ``zh`` the message has no
        Chinese half (an account's stage messages come with theirs: the account route
        passes both halves, decision 0101)."""
        zh = en if zh is None else zh
        with self._manager.lock:
            self._job.tell(en, zh)
            self._job.log.append(joined(en, zh))


class JobManager:
    """Queue of background jobs, executed one at a time."""

    def __init__(self, engine: Engine | None = None, workers: int = 1) -> None:
        """``engine``: the store the jobs' states are written to (``None``: memory only).
        Jobs a previous server left unfinished there are marked failed, interrupted."""
        self.lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self._futures: dict[str, Future[None]] = {}
        self.engine = engine
        self._workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ganpo-job")
        self._closed = False
        if engine is not None:
            platform.interrupt_unfinished_jobs(engine)

    def _save(self, job: Job) -> None:
        if self.engine is not None:
            with self.lock:
                record = job.record()
            platform.save_job(self.engine, record)

    def submit(self, kind: str, owner: str, work: Callable[[JobContext], int | None]) -> Job:
        """Queue ``work``; it returns the stored account id (or ``None``)."""
        job = Job(id=uuid.uuid4().hex, kind=kind, owner=owner)
        job.tell("queued", "排队中")
        with self.lock:
            self.jobs[job.id] = job
        self._save(job)
        with self.lock:
            if self._closed:  # the app's lifespan ended and began again (as test clients do)
                self._pool = ThreadPoolExecutor(
                    max_workers=self._workers, thread_name_prefix="ganpo-job"
                )
                self._closed = False
            pool = self._pool
        future = pool.submit(self._run, job, work)
        with self.lock:
            self._futures[job.id] = future
        return job

    def _run(self, job: Job, work: Callable[[JobContext], int | None]) -> None:
        ctx = JobContext(self, job)
        with self.lock:
            job.state = "running"
            job.tell("running", "运行中")
        try:
            self._save(job)
            account_id = work(ctx)
        except Exception as exc:  # a failed job reports its error instead of vanishing
            with self.lock:
                job.state = "failed"
                job.tell(*failure_message(exc))
            self._save_quietly(job)
            return
        with self.lock:
            job.state = "done"
            job.fraction = 1.0
            job.account_id = account_id
            if account_id is None:
                job.tell("done", "完成")
            else:  # both halves name the account made
                job.tell(f"done: account #{account_id}", f"完成：核算 #{account_id}")
        self._save_quietly(job)

    def _save_quietly(self, job: Job) -> None:
        """Save a finished job; if the store is unreachable the state stays in memory
        (and the log says why), rather than losing the outcome the job already has."""
        try:
            self._save(job)
        except StoreError as exc:
            with self.lock:
                job.log.append(f"state not saved to the store: {exc}")

    def get(self, job_id: str) -> Job | None:
        """A job of this server (its live progress, as a copy taken at once: its state and
        both halves of its message belong together), else as stored (another server's,
        or one from before a restart)."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is not None:
                return replace(job, log=list(job.log))
        if self.engine is None:
            return None
        record = platform.load_job(self.engine, job_id)
        return None if record is None else Job.of(record)

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job has finished and its outcome is stored (for tests and
        scripts)."""
        with self.lock:
            future = self._futures.get(job_id)
        if future is not None:  # a job of this server: done once _run returned (state saved)
            try:
                future.result(timeout=timeout)
            except FutureTimeout as exc:
                raise TimeoutError(f"job {job_id} still running after {timeout} s") from exc
            except CancelledError:  # the server shut down before the job ran
                pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.state in ("done", "failed"):
                return job
            time.sleep(0.05)
        raise TimeoutError(f"job {job_id} still running after {timeout} s")

    def shutdown(self) -> None:
        """Stop the worker: queued jobs are cancelled, a running one finishes. A later
        :meth:`submit` starts a fresh worker."""
        with self.lock:
            self._closed = True
            pool = self._pool
        pool.shutdown(wait=False, cancel_futures=True)


def failure_message(exc: Exception) -> tuple[str, str]:
    """A failed job's message, as its owner reads it (through the API), in its English and
    its Chinese half: no server paths. A refusal about a file names it (by its name) in
    both halves ("dem.tif: …", "dem.tif：…"). The halves are the refusal's own, kept as
    given (never joined and split again: a half may hold " / "). A failure that is no
    refusal of ganpo's has no Chinese half: both halves are its one message."""
    if isinstance(exc, GanpoError):
        return public_halves(exc)
    text = f"{type(exc).__name__}: {without_paths(str(exc))}"
    return text, text
