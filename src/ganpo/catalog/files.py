"""Reading the catalogue's versioned data files into validated models."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ganpo.errors import KIND_ZH, InputError, validation_problems

M = TypeVar("M", bound=BaseModel)


def data_dir(kind: str) -> Path:
    """A folder of shipped data files (``params``, ``profiles``, ``deflators``)."""
    return Path(str(files("ganpo.catalog") / "data" / kind))


def shipped_names(kind: str, suffix: str = ".toml") -> list[str]:
    """Names (file stems) of the shipped data files of one kind."""
    return sorted(p.stem for p in data_dir(kind).glob(f"*{suffix}"))


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The content of a TOML file; a file that cannot be read or parsed is refused naming
    it, in English and in Chinese (``what`` names the kind of file)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        kind = _zh(what) if _zh(what).endswith("文件") else f"{_zh(what)}文件"
        if isinstance(exc, tomllib.TOMLDecodeError):
            zh = f"{kind}不是有效的 TOML（{exc}）：请按所示行列更正语法"
        else:
            zh = f"无法读取{kind}：{exc.strerror or exc}，请检查路径与权限"
        raise InputError(en=f"cannot read {what}: {exc}", zh=zh, source=path) from exc


def load_toml_model(path: Path, model: type[M], what: str) -> M:
    """Read a TOML file into ``model``; every problem is named with its key path."""
    data = read_toml(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems, problems_zh = validation_problems(exc.errors())
        raise InputError(
            en=f"invalid {what}: {problems}",
            zh=f"{_zh(what)}文件无效：{problems_zh}。请按所指字段改正",
            source=path,
        ) from exc


def _zh(what: str) -> str:
    """The Chinese of the kind of file ``what`` names (a 数据: one without a Chinese name)."""
    return KIND_ZH.get(what.removeprefix("the "), "数据")
