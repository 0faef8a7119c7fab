"""Error answers of the application routes (/api/apply, /api/assets).

:func:`client_names`: error messages name the table or file as the client sent it, not the
server's path of the copy it was saved under. (Non-finite numbers in a request's validation
errors are written as text by the app's handler, ``ganpo.web.app``.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ganpo.errors import InputError


@contextmanager
def client_names(names: Mapping[Path, str]) -> Iterator[None]:
    """Re-raise an :class:`InputError` with each server path replaced by the client's name."""
    try:
        yield
    except InputError as exc:
        # the refusal's own two halves, the file's name before the English one
        en, zh = (f"{exc.source}: " if exc.source else "") + exc.en, exc.zh
        if exc.zh == exc.en:  # none in Chinese
            zh = "输入有误：" + en
        for path, name in names.items():
            en, zh = en.replace(str(path), name), zh.replace(str(path), name)
        message = f"{en} / {zh}"
        if message == str(exc):
            raise
        raise InputError(en=en, zh=zh, field=exc.field, values=exc.values) from exc
