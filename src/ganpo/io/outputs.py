"""Writing files so that nothing half-written is ever left, and every failure is named.

Every file ganpo writes for a user (value rasters, exports, the annual report, the
derived-layer cache, the demo data) is written under a temporary name in its own folder
and renamed onto its name only when complete (a rename within a folder is atomic): see
:func:`atomic_write`, :func:`writing` and, for several files that go together,
:func:`staged`. If the writing fails, the temporary files are removed, and a failure of the
environment (a full disk, ``ENOSPC``; a read-only file system, ``EROFS``; no permission,
``EACCES``) becomes an :class:`~ganpo.errors.OutputError` that names the folder, the free
space left there and what to do, in English and Chinese.

GDAL does not pass the system's error number on: a GeoTIFF written to a full disk fails
with ``TIFFAppendToStrip: Write error at scanline 256``. Its failures are classified by
their words and by the state of the folder (its free space, whether it is writable).
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rasterio._err import CPLE_BaseError  # GDAL's own errors (a read error's cause)
from rasterio.errors import RasterioError

from ganpo.errors import GanpoError, OutputError


@dataclass(frozen=True)
class Output:
    """What is being written, for a message: ``Output("the value rasters", "价值栅格")``."""

    en: str
    zh: str


FILE = Output("the file", "文件")
VALUE_RASTERS = Output("the value rasters", "价值栅格")
EXPORT = Output("the export", "导出文件")
ANNUAL_REPORT = Output("the annual report", "年度报告")
DERIVED_CACHE = Output("the derived-layer cache", "派生图层缓存")
DEMO_DATA = Output("the demo data", "示例数据")

#: below this much free space a write GDAL reports as failed is taken as a full disk (GDAL
#: writes a tile or strip at a time, a few hundred kB; a disk it filled has less than that)
FULL_BELOW_BYTES = 4 << 20

_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_PERMISSION = (errno.EACCES, errno.EPERM)
#: system errors that mean the folder cannot take the file (others, such as a file not
#: found while a report is rendered, are not write failures and pass unchanged)
_WRITE_ERRNOS = (*_SPACE, *_PERMISSION, errno.EROFS, errno.EIO, errno.EBUSY, errno.ETXTBSY)
_GDAL_WORDS = (
    ("No space left on device", errno.ENOSPC),
    ("Disk quota exceeded", errno.EDQUOT),
    ("Read-only file system", errno.EROFS),
    ("Permission denied", errno.EACCES),
)


def temporary_name(path: Path) -> Path:
    """A hidden name beside ``path`` for writing it (the suffix stays last, so writers
    recognise the format)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")


@contextmanager
def staged(folder: Path, what: Output = FILE) -> Iterator[Callable[[Path], Path]]:
    """Write several files all or none. Inside, ``stage(path)`` gives the temporary path to
    write ``path`` to (in ``path``'s folder); when the block ends without error every
    staged file is renamed onto its path. On any error (an interrupt too) they are all
    removed, ``folder`` is removed if this created it and it is left empty, and a failure
    to write becomes an :class:`OutputError`."""
    pending: list[tuple[Path, Path]] = []

    def stage(path: Path) -> Path:
        tmp = temporary_name(Path(path))
        pending.append((tmp, Path(path)))
        return tmp

    with folder_for(folder, what):
        try:
            with output_errors(folder, what, cleaned=True):
                yield stage
                for tmp, path in pending:
                    os.replace(tmp, path)
        except BaseException:
            for tmp, _ in pending:
                _remove(tmp)
            raise


@contextmanager
def folder_for(folder: Path, what: Output = FILE) -> Iterator[Path]:
    """``folder``, created (with its parents) if absent, a failure to create it being an
    :class:`OutputError`; if the block fails, the folders this created are removed again
    when left empty."""
    folder = Path(folder)
    created = make_folder(folder, what)
    try:
        yield folder
    except BaseException:
        remove_empty(folder, created)
        raise


@contextmanager
def writing(path: Path, what: Output = FILE) -> Iterator[Path]:
    """Write one file: yields the temporary path to write, renamed onto ``path`` at the end
    (see :func:`staged`)."""
    with staged(Path(path).parent, what) as stage:
        yield stage(Path(path))


def atomic_write(path: Path, write: Callable[[Path], object], what: Output = FILE) -> Path:
    """``write(tmp)`` a temporary file in ``path``'s folder, then rename it onto ``path``.

    The temporary file exists (empty) when ``write`` is called, with the usual umask
    (not mkstemp's 0600: the published file keeps the permissions files usually get)."""
    path = Path(path)
    with writing(path, what) as tmp:
        tmp.touch(exist_ok=False)
        write(tmp)
    return path


@contextmanager
def output_errors(folder: Path, what: Output = FILE, *, cleaned: bool = False) -> Iterator[None]:
    """Inside, a failure to write in ``folder`` becomes its :class:`OutputError` (other
    errors pass unchanged). ``cleaned``: the caller removes what was half-written, and the
    message may say so."""
    try:
        yield
    except GanpoError:
        raise
    except (OSError, RasterioError, CPLE_BaseError) as exc:
        failure = write_failure(folder, what, exc, cleaned=cleaned)
        if failure is None:
            raise
        raise failure from exc


def write_failure(
    folder: Path, what: Output, exc: BaseException, *, cleaned: bool = False
) -> OutputError | None:
    """The :class:`OutputError` for ``exc``, raised writing in ``folder``; ``None`` when
    ``exc`` is not a failure of the disk or of permissions (a bug, to be raised as is)."""
    folder = Path(folder)
    code = _errno_of(exc, folder)
    if code is None:
        return None
    free = free_bytes(folder)
    where = f"cannot write {what.en} in {folder}"
    where_zh = f"无法在 {folder} 写入{what.zh}"
    left = f" ({format_bytes(free)} free)" if free is not None else ""
    left_zh = f"（剩余 {format_bytes(free)}）" if free is not None else ""
    if code in _SPACE:
        full = "the disk quota is exceeded" if code == errno.EDQUOT else "the disk is full"
        full_zh = "磁盘配额已用完" if code == errno.EDQUOT else "磁盘已满"
        en = f"{where}: {full}{left}; free some space there, or write to another folder"
        zh = f"{where_zh}：{full_zh}{left_zh}；请释放空间，或改写到其他文件夹"
    elif code in _PERMISSION:
        en = (
            f"{where}: permission denied; write to a folder you may write to, or ask its "
            "owner for write permission"
        )
        zh = f"{where_zh}：没有写入权限；请改写到有写入权限的文件夹，或请其所有者授予写入权限"
    elif code == errno.EROFS:
        en = f"{where}: it is on a read-only file system; write to a folder on a writable disk"
        zh = f"{where_zh}：该文件夹位于只读文件系统；请改写到可写磁盘上的文件夹"
    else:
        reason = os.strerror(code) if code > 0 else _words(exc)
        en = (
            f"{where}: {reason}{left}; check the disk (room, health, network share), then try again"
        )
        zh = f"{where_zh}：{reason}{left_zh}；请检查磁盘（空间、状态、网络共享）后重试"
    if cleaned:
        en += ". Nothing half-written was left"
        zh += "。未留下写了一半的文件"
    return OutputError(
        en=en, zh=zh, folder=folder, errno=code if code > 0 else None, free_bytes=free
    )


def free_bytes(folder: Path) -> int | None:
    """Free space [bytes] for an unprivileged user in ``folder``'s file system (the
    nearest existing parent's), or ``None`` if unknown."""
    here = Path(folder)
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        return shutil.disk_usage(here).free
    except OSError:
        return None


def format_bytes(n: int | None) -> str:
    """``12.3 MB``, ``1.5 GB``: decimal units, as disks are sold."""
    if n is None:
        return "unknown"
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _errno_of(exc: BaseException, folder: Path) -> int | None:
    """The system error behind ``exc``: its own for an ``OSError`` that has one, else
    GDAL's words, else the folder's state; -1 for a GDAL write failure of unknown
    cause, ``None`` for what is not a write failure."""
    if isinstance(exc, OSError) and not isinstance(exc, RasterioError) and exc.errno:
        if exc.filename is not None and not _inside(Path(str(exc.filename)), folder):
            return None  # about another file (an input read while writing): not ours
        return int(exc.errno) if exc.errno in _WRITE_ERRNOS else None
    if not isinstance(exc, (RasterioError, CPLE_BaseError)):
        return None
    text = _words(exc)
    for words, code in _GDAL_WORDS:
        if words in text:
            return code
    free = free_bytes(folder)
    if free is not None and free < FULL_BELOW_BYTES:
        return errno.ENOSPC
    probe = folder if folder.exists() else folder.parent
    if probe.exists() and not os.access(probe, os.W_OK):
        return errno.EACCES
    if "write" in text.lower() or "creat" in text.lower():
        return -1
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # pragma: no cover - a path that cannot be resolved
        return False


def _words(exc: BaseException) -> str:
    """The messages of ``exc`` and its causes (GDAL's useful words are deepest)."""
    parts: list[str] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < 8:
        parts.append(str(current))
        current = current.__cause__ or current.__context__
    return " ".join(p for p in parts if "See previous exception" not in p)[:300]


def make_folder(folder: Path, what: Output = FILE) -> Path | None:
    """Create ``folder`` (and parents) if absent, a failure being an
    :class:`OutputError`; the topmost folder created, if any (for :func:`remove_empty`)."""
    if folder.is_dir():
        return None
    top = folder
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    with output_errors(folder, what):
        folder.mkdir(parents=True, exist_ok=True)
    return top


def _remove(path: Path) -> None:
    try:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:  # pragma: no cover - nothing more can be done
        pass


def remove_empty(folder: Path, top: Path | None) -> None:
    """Remove ``folder`` and its parents up to ``top`` (what :func:`make_folder`
    created) while they are empty; nothing if ``top`` is ``None``."""
    if top is None:
        return
    here = folder
    while True:
        try:
            here.rmdir()
        except OSError:
            return
        if here == top:
            return
        here = here.parent
