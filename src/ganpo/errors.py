"""Exception hierarchy.

Every error ganpo raises for bad input derives from :class:`GanpoError` and from the
builtin it resembles, so callers may catch either. Each carries the offending file, field
and values as attributes, and its message says what to do.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: the separator of a refusal's English and Chinese halves
SEPARATOR = " / "
#: Chinese text: CJK ideographs and full-width punctuation (，。、：；（）「」…)
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60]")
_LATIN = re.compile(r"[A-Za-z]")
#: a Chinese character says about as much as this many Latin letters
_CHINESE_WEIGHT = 3
#: quotes that pair unambiguously (an ASCII ' may also be an apostrophe)
_PAIRED_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》"}


def _quoted(message: str) -> list[bool]:
    """For each character of ``message``, whether it is inside a quoted value (``'南昌'``,
    ``"t / ha"``, ``「…」``). An ASCII quote opens a value only where no letter or digit is
    before it and a matching quote with none after it follows (so ``file's`` is prose).
    Linear in the message's length but for a logarithm (a refusal may quote user input)."""
    closers: dict[str, list[int]] = {}  # where each quote may close a value
    for k, c in enumerate(message):
        if c in _PAIRED_QUOTES.values():
            closers.setdefault(c, []).append(k)
        elif c in "'\"":
            after = message[k + 1 : k + 2]
            if not (after.isascii() and after.isalnum()):
                closers.setdefault(c, []).append(k)
    inside = [False] * len(message)
    i = 0
    while i < len(message):
        c = message[i]
        close = _PAIRED_QUOTES.get(c)
        if close is None and c in "'\"":
            before = message[i - 1] if i else " "
            close = None if before.isascii() and before.isalnum() else c
        ends = closers.get(close, []) if close is not None else []
        n = bisect_right(ends, i)
        if n == len(ends):
            i += 1
            continue
        end = ends[n]
        for k in range(i, end + 1):
            inside[k] = True
        i = end + 1
    return inside


def _split_points(message: str, quoted: list[bool]) -> list[int]:
    """The start of each separator of ``message`` outside quoted values."""
    points = []
    i = message.find(SEPARATOR)
    while i != -1:
        if not any(quoted[i : i + len(SEPARATOR)]):
            points.append(i)
        i = message.find(SEPARATOR, i + 1)
    return points


def halves(message: str) -> tuple[str, str]:
    """The English and the Chinese half of a refusal ``"English / 中文"``.

    The split is the `` / `` after which the text is Chinese. The English half may hold
    `` / `` itself (a unit, a path, a quoted value), the Chinese half too, and either may
    quote a value in the other language: of the separators followed by Chinese text
    outside quoted values, the one with the most English before it (Latin letters, less
    Chinese characters — quoted values not counted) is taken. A message without a Chinese
    half is both halves: ``(message, message)``; so is one whose separator a stray quote
    hides (the message is then shown whole, never cut wrong).

    >>> halves("unknown unit '乐平市' / 未知的单位 '乐平市'")
    ("unknown unit '乐平市'", "未知的单位 '乐平市'")
    >>> halves("yield 3 t / ha is above 2 t / ha / 单产 3 t / ha 高于 2 t / ha")
    ('yield 3 t / ha is above 2 t / ha', '单产 3 t / ha 高于 2 t / ha')
    >>> halves("rate in t / ha")
    ('rate in t / ha', 'rate in t / ha')
    """
    quoted = _quoted(message)
    chinese = [k for k, c in enumerate(message) if not quoted[k] and _CHINESE.match(c)]
    best, best_score, score, start = -1, 0, 0, 0
    for point in _split_points(message, quoted):
        score += _englishness(message, quoted, start, point)
        start = point + len(SEPARATOR)
        if not chinese or start > chinese[-1]:
            break  # no Chinese after this separator, nor after any later one
        if best == -1 or score >= best_score:  # on a tie the later: "2021 / 2023 / 中文"
            best, best_score = point, score
    if best == -1:
        return message, message
    return message[:best], message[best + len(SEPARATOR) :]


def joined(en: str, zh: str) -> str:
    """The whole message of two halves, ``"English / 中文"``, for readers of one string;
    a message without a Chinese half (both halves the same text) is that text. Never
    split again where the halves are at hand: a half may hold `` / `` itself."""
    return en if en == zh else f"{en}{SEPARATOR}{zh}"


def halves_of(exc: BaseException) -> tuple[str, str]:
    """The English and the Chinese half of an error's message: the halves it was given
    apart (:func:`given_halves`), else the message it was given split by :func:`halves`
    (an :class:`InputError`'s without its ``source``, as its ``en`` and ``zh``).
    A refusal that quotes another puts this English half in its own English and this
    Chinese half in its own Chinese, never the whole message in one half.

    >>> halves_of(InputError(en="bad 't / ha'", zh="单位有误", source="a.csv"))
    ("bad 't / ha'", '单位有误')
    >>> halves_of(InputError("no / 无", source="a.csv"))
    ('no', '无')
    >>> halves_of(ValueError("no / 无"))
    ('no', '无')
    """
    given = given_halves(exc)
    if given is not None:
        return given
    return halves(_given_message(exc))


def _englishness(message: str, quoted: list[bool], start: int, end: int) -> int:
    """Latin letters less weighted Chinese characters in ``message[start:end]``, outside
    quoted values."""
    score = 0
    for k in range(start, end):
        if quoted[k]:
            continue
        c = message[k]
        if _LATIN.match(c):
            score += 1
        elif _CHINESE.match(c):
            score -= _CHINESE_WEIGHT
    return score


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


class _TwoHalves:
    """An error whose message ``"English / 中文"`` is given whole, or as its two halves
    (``en=``, ``zh=``), which are then kept as given (:func:`given_halves`): never split
    again by the guess of :func:`halves`. Both are kept in the instance's ``__dict__``, so
    :meth:`GanpoError.__reduce__` carries them across processes."""

    _halves: tuple[str, str] | None
    _message: str

    def _take_message(self, message: str | None, en: str | None, zh: str | None) -> str:
        """Keep the message or its halves (exactly one form); the whole message."""
        if (en is None) != (zh is None) or (message is None) == (en is None):
            raise TypeError("give the message, or both of its halves en= and zh=")
        self._halves = (en, zh) if en is not None and zh is not None else None
        self._message = message if message is not None else f"{en}{SEPARATOR}{zh}"
        return self._message

    @property
    def en(self) -> str:
        """The English half of the message: as given, else split from the whole one."""
        return (self._halves or halves(self._message))[0]

    @property
    def zh(self) -> str:
        """The Chinese half of the message: as given, else split from the whole one (the
        whole message when it has none)."""
        return (self._halves or halves(self._message))[1]


def given_halves(exc: BaseException) -> tuple[str, str] | None:
    """The halves an error's message was given apart, ``None`` when it was given whole:
    the one rule of which errors carry their halves. Those given ``en=``/``zh=``
    (:class:`InputError` and its subclasses, the store's errors, :class:`ComputeError`,
    :class:`OutputError`; an :class:`InputError`'s are without its ``source``), an
    :class:`UnknownNameError` and a :class:`BilingualValueError` (always).

    >>> given_halves(InputError(en="bad 't / ha'", zh="单位有误", source="a.csv"))
    ("bad 't / ha'", '单位有误')
    >>> given_halves(InputError("no / 无")) is None
    True
    """
    if isinstance(exc, _TwoHalves):
        return exc._halves
    if isinstance(exc, (UnknownNameError, BilingualValueError)):
        return exc.en, exc.zh
    return None


def _given_message(exc: BaseException) -> str:
    """The message ``exc`` was given: an :class:`InputError`'s without its ``source``."""
    return exc._message if isinstance(exc, _TwoHalves) else str(exc)


class InputError(_TwoHalves, GanpoError, ValueError):
    """An input (file, table, layer, value) is wrong; the message says how to fix it.

    The message is ``"English / 中文"``: given whole (``message``), or as its two halves
    (``en=``, ``zh=``), which are then kept as given.

    Attributes
    ----------
    source : the file or object the problem is in (``None`` when not file-bound)
    field : the column, layer role or key concerned
    values : a few offending values, for programmatic use
    en, zh : the message in each language, without the ``source`` it starts with
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        source: str | Path | None = None,
        field: str | None = None,
        values: Iterable[object] = (),
    ) -> None:
        self.source = str(source) if source is not None else None
        self.field = field
        self.values = list(values)
        prefix = f"{self.source}: " if self.source else ""
        super().__init__(prefix + self._take_message(message, en, zh))


class ManifestError(InputError):
    """The dataset manifest, or a file it lists, is missing or inconsistent."""


class GridError(InputError):
    """A raster is not on the grid (CRS, transform, shape) the account runs on. ``en`` and
    ``zh`` are the message in each language without the file's path."""

    @classmethod
    def bilingual(cls, en: str, zh: str, **kwargs: Any) -> GridError:
        """The error whose message is ``f"{en} / {zh}"``, keeping both halves."""
        return cls(en=en, zh=zh, **kwargs)


class InputFileError(InputError):
    """A file given as input (most often a raster) cannot be opened or read: missing,
    empty, a text file, not a raster, truncated or corrupt, unreadable. ``problem`` says
    which (``missing empty text not_raster truncated corrupt permission unreadable``);
    ``en`` and ``zh`` are the message in each language, without the file's path."""

    def __init__(self, en: str, zh: str, *, problem: str, **kwargs: Any) -> None:
        self.problem = problem
        super().__init__(en=en, zh=zh, values=[problem], **kwargs)


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
            en=reason_en,
            zh=reason_zh,
            source=source,
            values=[looks_like] if looks_like else [],
        )


class TableCheckError(TableError):
    """A statistics table whose values fail a plausibility check (逻辑审核, 波动审核): a
    value impossible for its county, a share above 1, a ratio out of bounds, a duplicated
    row, a unit error against last year's table. ``findings`` are the hard findings
    (:class:`ganpo.io.table_checks.Finding`: row, column, rule, English and Chinese
    message); ``values`` the text of every problem of the table, these included. The
    message is given whole or as its two halves, as :class:`InputError`'s."""

    def __init__(
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        findings: Iterable[object],
        source: str | Path | None = None,
        field: str | None = None,
        values: Iterable[object] = (),
    ) -> None:
        self.findings = list(findings)
        super().__init__(message, en=en, zh=zh, source=source, field=field, values=values)


#: the Chinese of the kinds of name that :class:`UnknownNameError` is raised for; a kind
#: not listed (one made from other words, such as "method of recreation") is a 名称
KIND_ZH = {
    "activity table": "活动水平数据表",
    "combustion CH4/N2O factor set": "燃烧 CH4/N2O 排放因子集",
    "credit rule": "信贷规则",
    "deflator": "价格平减指数",
    "department": "部门",
    "derived layer": "派生图层",
    "ecosystem type": "生态系统类型",
    "entity rating rule": "主体评级规则",
    "form": "报表",
    "fuel factor set": "燃料燃烧排放因子集",
    "grid region": "电网区域",
    "GWP set": "全球增温潜势（GWP）值集",
    "indicator": "指标",
    "indicator (item price index)": "指标（分项价格指数）",
    "inventory category": "清单类别",
    "land classification scheme": "土地分类体系",
    "language": "语言",
    "methodology": "方法学",
    "package": "资产包",
    "parameter set": "参数集",
    "parcel": "地块",
    "parcel or package": "地块或资产包",
    "parcel status": "地块状态",
    "pollutant": "污染物",
    "pollutant of an emission right": "排污权污染物",
    "process factor set": "工业过程排放因子集",
    "profile": "核算方案",
    "reserve asset type": "收储资产类型",
    "reserve right": "收储权益",
    "reserve right or package": "收储权益或资产包",
    "rights type": "权利类型",
    "role": "角色",
    "rule": "规则",
    "session kind": "会话类型",
    "sink factor set": "碳汇因子集",
    "sink methodology": "碳汇方法学",
    "sink project": "碳汇项目",
    "stored rule": "已存规则",
    "tracking file": "跟踪文件",
    "uncertainty set": "不确定性参数集",
    "water-quality indicator": "水质指标",
}


class UnknownNameError(GanpoError, KeyError):
    """A name (parameter set, service, ecosystem type…) that does not exist.

    The message lists the names that do exist, in English and in Chinese.

    >>> str(UnknownNameError("parameter set", "jx", ["jiangxi-default", "garze-2010"]))
    "unknown parameter set 'jx'; valid names: garze-2010, jiangxi-default / 未知的参数集 'jx'；可用的名称：garze-2010、jiangxi-default"
    """  # noqa: E501

    def __init__(self, kind: str, name: str, valid: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        kind_zh = KIND_ZH.get(kind, "名称")
        #: the message in each language (:func:`halves_of`)
        self.en = f"unknown {kind} {name!r}; valid names: {', '.join(self.valid)}"
        self.zh = f"未知的{kind_zh} {name!r}；可用的名称：{'、'.join(self.valid)}"
        super().__init__(f"{self.en}{SEPARATOR}{self.zh}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class BilingualValueError(ValueError):
    """A model validator's refusal in both languages: ``str()`` is the English half (the
    text pydantic shows after "Value error, "), ``zh`` the Chinese one, which
    :func:`validation_problems` puts in the Chinese half of the error it makes. Its
    halves are given apart (:func:`given_halves`)."""

    def __init__(self, en: str, zh: str) -> None:
        self.en, self.zh = en, zh
        super().__init__(en)


#: the Chinese of pydantic's error types a TOML file's fields may meet; ``{…}`` are filled
#: from the error's context
_PYDANTIC_ZH = {
    "missing": "缺少此字段，请补上",
    "extra_forbidden": "不允许此字段，请检查拼写或删除",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为表",
    "model_type": "应为表",
    "model_attributes_type": "应为表",
    "literal_error": "取值应为以下之一：{expected}",
    "enum": "取值应为以下之一：{expected}",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "too_short": "至少应有 {min_length} 项",
    "too_long": "至多应有 {max_length} 项",
}


def validation_problems(errors: Iterable[Mapping[str, Any]], root: str = "") -> tuple[str, str]:
    """The problems of a pydantic ``ValidationError`` (its ``errors()``) in English and in
    Chinese, ``"; "``-joined, each named by its key path (in English ``root`` where it has
    none: a whole-model check, which names what it is about itself). A
    validator's :class:`BilingualValueError` gives its own Chinese; an error type without a
    Chinese text keeps pydantic's English in the Chinese half.

    >>> validation_problems([{"type": "missing", "loc": ("layers", 0, "unit"),
    ...                       "msg": "Field required"}])
    ('layers.0.unit: Field required', 'layers.0.unit：缺少此字段，请补上')
    """
    en: list[str] = []
    zh: list[str] = []
    for e in errors:
        path = ".".join(str(p) for p in e["loc"])
        where = path or root
        ctx = e.get("ctx") or {}
        cause = ctx.get("error")
        text = _PYDANTIC_ZH.get(str(e["type"]))
        if isinstance(cause, BilingualValueError):
            text = cause.zh
        elif text is not None:
            try:
                text = text.format(**ctx)
            except (KeyError, IndexError):
                text = None
        en.append(f"{where}: {e['msg']}" if where else str(e["msg"]))
        said = text if text is not None else f"取值无效（{e['msg']}）"
        zh.append(f"{path}：{said}" if path else said)
    return "; ".join(en), "；".join(zh)


#: the key of a field's JSON schema (and so of the API's OpenAPI schema) under which the
#: form its pattern asks for is declared in words, beside the pattern
PATTERN_WORDS_KEY = "x-pattern-words"


def pattern_in_words(pattern: str, en: str, zh: str) -> dict[str, Any]:
    """The keyword arguments that declare a field's ``pattern`` together with the form it
    asks for in words, for pydantic's ``Field`` and FastAPI's ``Path``/``Query``/``Form``:
    ``Field(max_length=64, **pattern_in_words(r"^[a-z]+$", "lower-case letters", "小写字母"))``.
    A value the pattern refuses is told "must be <en>" / "应为<zh>", never the expression
    (:func:`declared_pattern_words`; the API's 422, decision 0099).

    >>> pattern_in_words(r"^[0-9]+$", "digits", "数字")["json_schema_extra"]
    {'x-pattern-words': {'en': 'digits', 'zh': '数字'}}
    """
    return {"pattern": pattern, "json_schema_extra": {PATTERN_WORDS_KEY: {"en": en, "zh": zh}}}


def declared_pattern_words(field: object) -> tuple[str, str] | None:
    """The words a field (pydantic's ``FieldInfo``, FastAPI's parameter) declares for its
    pattern with :func:`pattern_in_words`, English and Chinese; ``None`` without them."""
    extra = getattr(field, "json_schema_extra", None)
    words = extra.get(PATTERN_WORDS_KEY) if isinstance(extra, Mapping) else None
    if not isinstance(words, Mapping):
        return None
    en, zh = words.get("en"), words.get("zh")
    return (en, zh) if isinstance(en, str) and isinstance(zh, str) else None


class StoreError(_TwoHalves, GanpoError, RuntimeError):
    """The account store could not be read or written.

    The message is ``"English / 中文"``: given whole (``message``), or as its two halves
    (``en=``, ``zh=``), kept as given (``en``, ``zh``), as :class:`InputError`'s; so are
    those of its subclasses, :class:`ComputeError`'s and :class:`OutputError`'s."""

    def __init__(
        self, message: str | None = None, *, en: str | None = None, zh: str | None = None
    ) -> None:
        super().__init__(self._take_message(message, en, zh))


class StoreUnavailableError(StoreError):
    """The database itself failed: not writable, disk full, locked, connection lost.

    The message names the database (URL without password), says what happened and what to
    do, in English and Chinese; the transaction in progress was rolled back.

    Attributes
    ----------
    database : the store's URL, password hidden
    reason : ``readonly``, ``full``, ``locked``, ``lost``, ``unreachable`` or ``failed``
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        database: str,
        reason: str,
    ) -> None:
        self.database = database
        self.reason = reason
        super().__init__(message, en=en, zh=zh)


class StoreConflictError(StoreError):
    """A change the state of the stored records forbids (an account in use cannot be
    deleted, a withdrawn one cannot be used again…); the message says what to do instead.

    Attributes
    ----------
    record : what was refused, e.g. ``account #2``
    references : the records that stand in the way, e.g. ``["transfer run #3"]``
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        record: str,
        references: Iterable[str] = (),
    ) -> None:
        self.record = record
        self.references = list(references)
        super().__init__(message, en=en, zh=zh)


class ComputeError(_TwoHalves, GanpoError, RuntimeError):
    """The computation itself failed where ganpo runs it: a dask cluster lost the workers
    running a task more often than it allows. Nothing was stored; the message names the
    scheduler and says what to do.

    Attributes
    ----------
    scheduler : the address of the dask scheduler
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        scheduler: str,
    ) -> None:
        self.scheduler = scheduler
        super().__init__(self._take_message(message, en, zh))


class OutputError(_TwoHalves, GanpoError, OSError):
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
        self,
        message: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        folder: str | Path,
        errno: int | None,
        free_bytes: int | None,
    ) -> None:
        self.folder = str(folder)
        self.free_bytes = free_bytes
        # OSError(message) leaves errno None; set it after, so it is not taken as
        # OSError(errno, strerror)
        super().__init__(self._take_message(message, en, zh))
        self.errno = errno

    def __str__(self) -> str:
        return str(self.args[0])


def preview(values: Iterable[object], limit: int = 5) -> str:
    """Format a few values for an error message: ``1, 2, 3 … (12 in all)``."""
    items = list(values)
    shown = ", ".join(str(v) for v in items[:limit])
    return shown + (f" … ({len(items)} in all)" if len(items) > limit else "")


def preview_zh(values: Iterable[object], limit: int = 5) -> str:
    """A few values for the Chinese half of a message: ``1、2、3 等 12 个``."""
    items = list(values)
    shown = "、".join(str(v) for v in items[:limit])
    return shown + (f" 等 {len(items)} 个" if len(items) > limit else "")
