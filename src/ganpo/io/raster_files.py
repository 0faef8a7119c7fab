"""Opening and reading the rasters (and other files) a user gives, with every failure named.

GDAL reports a broken file in its own words (``'x.tif' not recognized as being in a
supported file format``, ``TIFFReadDirectory: Failed to read directory at offset 8``,
``Read failed. See previous exception for details.``), and a truncated GeoTIFF often opens
fine and fails only when the block that was cut off is read, deep inside a computation.
Every place ganpo reads a raster it was given goes through :func:`open_raster` and
:func:`read_window` (or, for a third-party reader such as exactextract, inside
:func:`reading`), so such a file is always a :class:`~ganpo.errors.InputFileError` that
names the file and the layer's role, says what is wrong (missing, empty, a text file, not
a raster, truncated or corrupt at block N, unreadable) and what to do, in English and
Chinese.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio._err import CPLE_BaseError  # GDAL's own errors (a read error's cause)
from rasterio.enums import MaskFlags
from rasterio.errors import RasterioError
from rasterio.transform import Affine
from rasterio.windows import Window

from ganpo.errors import GanpoError, InputFileError
from ganpo.io.roles import DERIVED_ROLES, LAYER_ROLES, TABLE_ROLES

#: what GDAL and the operating system raise when a raster cannot be opened or read
READ_ERRORS: tuple[type[BaseException], ...] = (RasterioError, CPLE_BaseError, OSError)

#: a layer role (``"dem"``), or what the raster is in English and Chinese
Role = str | tuple[str, str] | None

_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_BLOCK = re.compile(r"IReadBlock failed at X offset (\d+), Y offset (\d+)")

_REDO = (
    "the file is incomplete or damaged: copy it again from its source, or export it again",
    "文件不完整或已损坏：请从原始来源重新复制或重新导出",
)


def open_raster(path: Path, role: Role = None) -> Any:
    """``rasterio.open(path)`` for a raster a user gave (a ``DatasetReader``, to use in a
    ``with``); a file that cannot be opened raises its :class:`InputFileError`."""
    try:
        return rasterio.open(path)
    except READ_ERRORS as exc:
        raise file_error(path, role, exc) from exc


@dataclass(frozen=True)
class RasterHeader:
    """What a raster file declares, as :func:`raster_header` reads it: CRS (WKT, or None
    when the file has none), transform, size, band count, the first band's data type,
    nodata value and mask flags."""

    crs_wkt: str | None
    transform: Affine
    width: int
    height: int
    count: int
    dtype: str
    nodata: float | None
    mask_flags: tuple[MaskFlags, ...]


def raster_header(path: Path, role: Role = None) -> RasterHeader:
    """The :class:`RasterHeader` of the raster at ``path``, opened as :func:`open_raster`
    opens it (a file that cannot be opened raises its :class:`InputFileError`).

    An account looks at each layer's header several times (its grid, its type and nodata
    value, the reader's rule), and opening a GeoTIFF costs about a millisecond: the
    headers of the last 256 files read are kept, by the file's device, inode, size, and
    modification and change times in nanoseconds (what ``make`` and ``rsync`` trust), so
    a file rewritten or replaced is opened again. Only headers are kept, never values."""
    try:
        st = os.stat(path)
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        return _kept_header(os.path.abspath(path), stamp)
    except (OSError, InputFileError):
        return _read_header(path, role)  # raises the file's error, naming the role


@lru_cache(maxsize=256)
def _kept_header(path: str, stamp: tuple[int, ...]) -> RasterHeader:
    return _read_header(Path(path), None)


def _read_header(path: Path, role: Role) -> RasterHeader:
    with open_raster(path, role) as src:
        return RasterHeader(
            crs_wkt=None if src.crs is None else src.crs.to_wkt(),
            transform=src.transform,
            width=src.width,
            height=src.height,
            count=src.count,
            dtype=src.dtypes[0],
            nodata=src.nodata,
            mask_flags=tuple(src.mask_flag_enums[0]),
        )


def read_window(
    src: Any,
    path: Path,
    role: Role = None,
    window: Window | None = None,
    *,
    layout: Any = None,
    **kwargs: Any,
) -> np.ndarray:
    """``src.read(1, window=window, **kwargs)``; a block that cannot be read (a truncated
    or corrupt file) raises the file's :class:`InputFileError`, naming the block (of
    ``layout``, the file's dataset, when ``src`` is a VRT over it)."""
    try:
        out: np.ndarray = src.read(1, window=window, **kwargs)
    except READ_ERRORS as exc:
        raise file_error(path, role, exc, src=layout or src, window=window) from exc
    return out


@contextmanager
def reading(path: Path, role: Role = None) -> Iterator[None]:
    """Inside, an error of GDAL or of the system raised while opening or reading ``path``
    becomes the file's :class:`InputFileError` (for readers ganpo does not call itself,
    such as exactextract). Write nothing inside: a failed write would be blamed on the
    file read."""
    try:
        yield
    except GanpoError:
        raise
    except READ_ERRORS as exc:
        raise file_error(path, role, exc) from exc


def describe(role: Role) -> tuple[str, str]:
    """What a raster of ``role`` is, in English and Chinese, for a message."""
    if isinstance(role, tuple):
        return role
    if role is None:
        return "raster", "栅格文件"
    if role == "units":
        return "units file (boundaries)", "行政单元边界文件"
    if role in LAYER_ROLES:
        spec = LAYER_ROLES[role]
        return f"layer {role} ({spec.name_en})", f"图层“{spec.name_zh}”（{role}）"
    if role in DERIVED_ROLES:
        spec = DERIVED_ROLES[role]
        return f"derived layer {role} ({spec.name_en})", f"派生图层“{spec.name_zh}”（{role}）"
    if role in TABLE_ROLES:
        table = TABLE_ROLES[role]
        return f"table {role} ({table.name_en})", f"表“{table.name_zh}”（{role}）"
    return role, role


def file_error(
    path: Path,
    role: Role,
    exc: BaseException,
    *,
    src: Any = None,
    window: Window | None = None,
) -> InputFileError:
    """The :class:`InputFileError` for ``exc``, raised opening ``path`` (``src`` is
    ``None``) or reading it (``src`` open, ``window`` the part read): what is wrong is
    found by looking at the file itself, not only at GDAL's words."""
    path = Path(path)
    what_en, what_zh = describe(role)
    problem, (detail_en, detail_zh), (todo_en, todo_zh) = _diagnose(path, exc, src, window)
    # GDAL's own words help an expert when ganpo could not say more than "not a raster"
    gdal = _gdal_words(exc, path) if problem in ("not_raster", "truncated") else ""
    en = f"{what_en}: {detail_en}; {todo_en}{f' (GDAL: {gdal})' if gdal else ''}"
    zh = f"{what_zh}{detail_zh}；{todo_zh}"
    field = role if isinstance(role, str) else None
    return InputFileError(en, zh, problem=problem, source=path, field=field)


def _diagnose(
    path: Path, exc: BaseException, src: Any, window: Window | None
) -> tuple[str, tuple[str, str], tuple[str, str]]:
    """(problem, (detail en, zh), (what to do en, zh))."""
    if isinstance(exc, OSError) and not isinstance(exc, RasterioError):
        return _system(exc)  # the system said what is wrong
    if "Permission denied" in " ".join(_chain(exc)):
        return _permission()
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
        size = path.stat().st_size
    except OSError as os_exc:
        return _system(os_exc)
    if size == 0:
        return (
            "empty",
            ("the file is empty (0 bytes), so it is not a raster", "是空文件（0 字节），不是栅格"),
            (
                "the copy was probably interrupted: copy the file again from its source",
                "文件可能未复制完整：请从原始来源重新复制",
            ),
        )
    if src is not None:  # opened, then a block failed
        return "corrupt", _where(exc, src, window), _REDO
    if head.startswith(_TIFF_MAGIC):
        return (
            "truncated",
            (
                f"the GeoTIFF is truncated or corrupt: its header cannot be read (the file "
                f"has {size:,} bytes)",
                f"是不完整或已损坏的 GeoTIFF：无法读取其文件头（文件大小 {size:,} 字节）",
            ),
            _REDO,
        )
    first = _text_start(head)
    if first is not None:
        return (
            "text",
            (
                f"the file is text, not a raster (it begins {first!r})",
                f"是文本文件，不是栅格（开头为 {first!r}）",
            ),
            (
                "give the raster (GeoTIFF) of this layer; a .tif name does not make a text "
                "file a raster",
                "请提供该图层的栅格文件（GeoTIFF）；改扩展名不能把文本文件变成栅格",
            ),
        )
    return (
        "not_raster",
        ("the file is not a raster GDAL can read", "不是 GDAL 能识别的栅格文件"),
        (
            "give a GeoTIFF (gdal_translate converts other raster formats); if it is one, it "
            "is damaged: copy it again from its source",
            "请提供 GeoTIFF 文件（可用 gdal_translate 转换其他格式）；若本是 GeoTIFF，则已损坏，"
            "请从原始来源重新复制",
        ),
    )


def _system(exc: OSError) -> tuple[str, tuple[str, str], tuple[str, str]]:
    """What a system error opening or reading the file says."""
    if exc.errno == errno.ENOENT:
        return (
            "missing",
            ("the file does not exist", "不存在"),
            (
                "check its path (a manifest's paths are relative to the manifest's folder) "
                "or restore the file",
                "请检查路径（数据清单中的路径相对于清单所在文件夹）或恢复该文件",
            ),
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return _permission()
    reason = exc.strerror or str(exc)
    return (
        "unreadable",
        (f"the file cannot be read: {reason}", f"无法读取：{reason}"),
        (
            "check the disk or network share it is on, then try again",
            "请检查文件所在的磁盘或网络共享后重试",
        ),
    )


def _permission() -> tuple[str, tuple[str, str], tuple[str, str]]:
    return (
        "permission",
        ("the file cannot be read: permission denied", "无法读取：没有读取权限"),
        (
            "give the user running ganpo permission to read it (chmod a+r), or copy it to a "
            "folder ganpo can read",
            "请授予运行 ganpo 的用户读取权限（chmod a+r），或将其复制到 ganpo 可读的文件夹",
        ),
    )


def _where(exc: BaseException, src: Any, window: Window | None) -> tuple[str, str]:
    """Which block of ``src`` could not be read: GDAL names it in the error's causes."""
    found = _BLOCK.search(" ".join(_chain(exc)))
    if found is not None:
        bh, bw = src.block_shapes[0]
        col, row = int(found.group(1)), int(found.group(2))
        per_row = -(-src.width // bw)
        n, of = row * per_row + col + 1, per_row * -(-src.height // bh)
        r0, c0 = row * bh, col * bw
        r1, c1 = min(r0 + bh, src.height) - 1, min(c0 + bw, src.width) - 1
        return (
            f"the GeoTIFF is truncated or corrupt at block {n} of {of} "
            f"(rows {r0}–{r1}, columns {c0}–{c1}): its cells cannot be read",
            f"在第 {n} 个数据块（共 {of} 块；行 {r0}–{r1}，列 {c0}–{c1}）处"
            "不完整或已损坏，无法读取",
        )
    if window is not None:
        r0, c0 = int(window.row_off), int(window.col_off)
        r1, c1 = r0 + int(window.height) - 1, c0 + int(window.width) - 1
        return (
            f"the raster is truncated or corrupt in rows {r0}–{r1}, columns {c0}–{c1}: "
            "its cells cannot be read",
            f"在行 {r0}–{r1}、列 {c0}–{c1} 处不完整或已损坏，无法读取",
        )
    return (
        "the raster is truncated or corrupt: some of its cells cannot be read",
        "不完整或已损坏，部分像元无法读取",
    )


def _chain(exc: BaseException) -> list[str]:
    """The messages of ``exc`` and of its causes (GDAL puts the useful one deepest)."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(str(current))
        current = current.__cause__ or current.__context__
    return out


def _gdal_words(exc: BaseException, path: Path) -> str:
    """GDAL's most specific message, with the file's path shortened to its name."""
    words = [w for w in _chain(exc) if w and "See previous exception" not in w]
    text = words[-1] if words else ""
    for form in {str(path), str(path.resolve()) if path.exists() else str(path)}:
        text = text.replace(form, path.name)
    return text[:200]


def _text_start(head: bytes) -> str | None:
    """The first line of ``head`` if the file is text (UTF-8 or GB18030), else ``None``."""
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as bad:
            if bad.start < len(head) - 4:  # not merely a character cut at 512 bytes
                continue
            text = head[: bad.start].decode(encoding)
        text = text.lstrip("\ufeff")  # a byte-order mark, as Excel writes CSV
        if not all(c.isprintable() or c in "\r\n\t" for c in text):
            return None
        line = text.splitlines()[0] if text.strip() else text
        return line[:40]
    return None
