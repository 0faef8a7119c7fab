"""Exception hierarchy.

Every error ganpo raises for bad input derives from :class:`GanpoError` and from the
builtin it resembles, so callers may catch either. Each carries the offending file, field
and values as attributes, and its message says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


class GanpoError(Exception):
    """Base class of every error ganpo raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # keep the message and the attributes across processes (a dask worker raising a
        # file's InputError): the subclasses' constructors take other arguments than args
        state = dict(self.__dict__)
        if isinstance(self, OSError):  # a slot of OSError, not in __dict__
            state["errno"] = self.errno
        return (_rebuild, (type(self), self.args, state))


def _rebuild(
    cls: type[GanpoError], args: tuple[object, ...], state: dict[str, object]
) -> GanpoError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, *args)
    for name, value in state.items():
        setattr(exc, name, value)
    return exc


class InputError(GanpoError, ValueError):
    """An input (file, table, layer, value) is wrong; the message says how to fix it.

    Attributes
    ----------
    source : the file or object the problem is in (``None`` when not file-bound)
    field : the column, layer role or key concerned
    values : a few offending values, for programmatic use
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | Path | None = None,
        field: str | None = None,
        values: Iterable[object] = (),
    ) -> None:
        self.source = str(source) if source is not None else None
        self.field = field
        self.values = list(values)
        prefix = f"{self.source}: " if self.source else ""
        super().__init__(prefix + message)


class ManifestError(InputError):
    """The dataset manifest, or a file it lists, is missing or inconsistent."""


class GridError(InputError):
    """A raster is not on the grid (CRS, transform, shape) the account runs on."""


class InputFileError(InputError):
    """A file given as input (most often a raster) cannot be opened or read: missing,
    empty, a text file, not a raster, truncated or corrupt, unreadable. ``problem`` says
    which (``missing empty text not_raster truncated corrupt permission unreadable``);
    ``en`` and ``zh`` are the message in each language, without the file's path."""

    def __init__(self, en: str, zh: str, *, problem: str, **kwargs: Any) -> None:
        self.problem, self.en, self.zh = problem, en, zh
        super().__init__(f"{en} / {zh}", values=[problem], **kwargs)


class TableError(InputError):
    """A statistics table has a missing column, a bad value or a duplicated unit."""


class TableFileError(TableError):
    """A file that cannot be read as a table at all (not CSV or .xlsx, an unknown text
    encoding, a workbook with macros, too large…). ``looks_like`` names what the file seems
    to be; ``reason_en`` and ``reason_zh`` say what is wrong and what to do."""

    def __init__(
        self,
        reason_en: str,
        reason_zh: str,
        *,
        source: str | Path | None = None,
        looks_like: str | None = None,
    ) -> None:
        self.reason_en = reason_en
        self.reason_zh = reason_zh
        self.looks_like = looks_like
        super().__init__(
            f"{reason_en} / {reason_zh}",
            source=source,
            values=[looks_like] if looks_like else [],
        )


class TableCheckError(TableError):
    """A statistics table whose values fail a plausibility check (逻辑审核, 波动审核): a
    value impossible for its county, a share above 1, a ratio out of bounds, a duplicated
    row, a unit error against last year's table. ``findings`` are the hard findings
    (:class:`ganpo.io.table_checks.Finding`: row, column, rule, English and Chinese
    message); ``values`` the text of every problem of the table, these included."""

    def __init__(
        self,
        message: str,
        *,
        findings: Iterable[object],
        source: str | Path | None = None,
        field: str | None = None,
        values: Iterable[object] = (),
    ) -> None:
        self.findings = list(findings)
        super().__init__(message, source=source, field=field, values=values)


class UnknownNameError(GanpoError, KeyError):
    """A name (parameter set, service, ecosystem type…) that does not exist.

    The message lists the names that do exist.
    """

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        super().__init__(f"unknown {kind} {name!r}; valid names: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class StoreError(GanpoError, RuntimeError):
    """The account store could not be read or written."""


class StoreUnavailableError(StoreError):
    """The database itself failed: not writable, disk full, locked, connection lost.

    The message names the database (URL without password), says what happened and what to
    do, in English and Chinese; the transaction in progress was rolled back.

    Attributes
    ----------
    database : the store's URL, password hidden
    reason : ``readonly``, ``full``, ``locked``, ``lost``, ``unreachable`` or ``failed``
    """

    def __init__(self, message: str, *, database: str, reason: str) -> None:
        self.database = database
        self.reason = reason
        super().__init__(message)


class StoreConflictError(StoreError):
    """A change the state of the stored records forbids (an account in use cannot be
    deleted, a withdrawn one cannot be used again…); the message says what to do instead.

    Attributes
    ----------
    record : what was refused, e.g. ``account #2``
    references : the records that stand in the way, e.g. ``["transfer run #3"]``
    """

    def __init__(self, message: str, *, record: str, references: Iterable[str] = ()) -> None:
        self.record = record
        self.references = list(references)
        super().__init__(message)


class ComputeError(GanpoError, RuntimeError):
    """The computation itself failed where ganpo runs it: a dask cluster lost the workers
    running a task more often than it allows. Nothing was stored; the message names the
    scheduler and says what to do.

    Attributes
    ----------
    scheduler : the address of the dask scheduler
    """

    def __init__(self, message: str, *, scheduler: str) -> None:
        self.scheduler = scheduler
        super().__init__(message)


class OutputError(GanpoError, OSError):
    """A file ganpo writes could not be written: a full disk, a read-only folder, no
    permission. Nothing half-written is left behind; the message names the folder and says
    what to do.

    Attributes
    ----------
    folder : the folder that could not be written
    errno : the operating system's error number (``errno.ENOSPC``, ``errno.EACCES``…)
    free_bytes : the free space left in that folder's file system, when known
    """

    def __init__(
        self, message: str, *, folder: str | Path, errno: int | None, free_bytes: int | None
    ) -> None:
        self.folder = str(folder)
        self.free_bytes = free_bytes
        # OSError(message) leaves errno None; set it after, so it is not taken as
        # OSError(errno, strerror)
        super().__init__(message)
        self.errno = errno

    def __str__(self) -> str:
        return str(self.args[0])


def preview(values: Iterable[object], limit: int = 5) -> str:
    """Format a few values for an error message: ``1, 2, 3 … (12 in all)``."""
    items = list(values)
    shown = ", ".join(str(v) for v in items[:limit])
    return shown + (f" … ({len(items)} in all)" if len(items) > limit else "")
