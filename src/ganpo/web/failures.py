"""How the platform answers a failure: a JSON error with the message, never a server path.

Messages written for the command line name files by their path (``/srv/ganpo/data/…/
dem.tif: layer dem …``); a client must not learn the server's folders, so every answer
names a file by its name only (:func:`public_message`). The status says whose the fault
is: 422 bad input, 507 the server's disk is full, 503 its storage (or memory) is
unavailable; the client may try again later for the last two.
"""

from __future__ import annotations

import errno
import re
from pathlib import PurePath

from fastapi import status

from ganpo.errors import GanpoError, InputError, given_halves, halves, halves_of

#: an absolute POSIX path of at least two parts, not inside a URL or a unit ("g/m2");
#: the API's own paths (/api/…) are left as they are
_PATH = re.compile(r"(?<![\w:/.~-])(?!/api/)/(?:[^\s/'\"()<>;,]+/)+([^\s/'\"()<>;,]*)")

#: a SQLite store's URL: its file's path is the server's too
_SQLITE = re.compile(r"(sqlite(?:\+\w+)?:///)(?:/?[^\s'\"()<>;,/]+/)+([^\s'\"()<>;,/]+)")

_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def without_paths(text: str) -> str:
    """``text`` with every absolute path replaced by its last part (the file's name)."""

    def name(match: re.Match[str]) -> str:
        return match.group(1) or PurePath(match.group(0)).name

    return _PATH.sub(name, _SQLITE.sub(r"\1\2", text))


def public_message(exc: BaseException) -> str:
    """The message of ``exc`` as a client may read it: file names, no server paths."""
    return _public_text(exc, str(exc))


def _public_text(exc: BaseException, text: str) -> str:
    """``text`` (the message of ``exc``, or one of its halves) without server paths: the
    error's ``source`` or ``folder`` by its name, then any other absolute path. The one
    way every message and half a client reads loses its paths."""
    for attr in ("source", "folder"):
        path = getattr(exc, attr, None)
        if isinstance(exc, GanpoError) and path:
            text = text.replace(str(path), PurePath(str(path)).name)
    return without_paths(text)


def public_halves(exc: BaseException) -> tuple[str, str]:
    """The English and the Chinese half of :func:`public_message`, each naming the file
    (by its name) the refusal is about. An error given its halves apart keeps them as
    given (:func:`~ganpo.errors.given_halves`), an :class:`InputError` given whole its
    message's halves without its ``source`` (:func:`~ganpo.errors.halves_of`): the paths
    are removed from each as :func:`public_message` removes them, and an
    :class:`InputError`'s file is named before each ("dem.tif: …", "dem.tif：…").
    Another error given whole is :func:`public_message` split by the guess of
    :func:`~ganpo.errors.halves`.

    >>> public_halves(InputError(en="no CRS", zh="无坐标系", source="/srv/d/dem.tif"))
    ('dem.tif: no CRS', 'dem.tif：无坐标系')
    >>> public_halves(ValueError("cannot open /srv/d/a.tif / 无法打开 /srv/d/a.tif"))
    ('cannot open a.tif', '无法打开 a.tif')
    """
    if given_halves(exc) is None and not isinstance(exc, InputError):
        return halves(public_message(exc))
    en, zh = (_public_text(exc, half) for half in halves_of(exc))
    if isinstance(exc, InputError) and exc.source:
        name = PurePath(exc.source).name
        en, zh = f"{name}: {en}", f"{name}：{zh}"
    return en, zh


def error_answer(exc: BaseException | str) -> dict[str, str]:
    """The JSON answer of a refusal: ``detail`` the whole bilingual message (as API clients
    read it), ``detail_en`` and ``detail_zh`` its halves (the web page shows the one of its
    language); both are the whole message when it has no Chinese half."""
    if isinstance(exc, str):
        en, zh = halves(exc)
        return {"detail": exc, "detail_en": en, "detail_zh": zh}
    en, zh = public_halves(exc)
    return {"detail": public_message(exc), "detail_en": en, "detail_zh": zh}


def os_error_status(exc: OSError) -> int:
    """507 when the server's disk is full, else 503 (its storage is unavailable)."""
    if exc.errno in _SPACE:
        return status.HTTP_507_INSUFFICIENT_STORAGE
    return status.HTTP_503_SERVICE_UNAVAILABLE


def os_error_message(exc: OSError) -> str:
    """What a client is told about a system error of the server (no path, no details
    beyond the kind of fault: those are for the server's log)."""
    if exc.errno in _SPACE:
        return (
            "the server's disk is full; nothing was stored. Tell the platform's "
            "administrator / 服务器磁盘已满，未保存任何内容，请联系平台管理员"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            "the server may not read or write its storage (permission denied, or read-only); "
            "nothing was stored. Tell the platform's administrator / 服务器存储不可读写，"
            "未保存任何内容，请联系平台管理员"
        )
    return (
        "the server's storage is unavailable; try again later, or tell the platform's "
        "administrator / 服务器存储暂不可用，请稍后重试或联系平台管理员"
    )
