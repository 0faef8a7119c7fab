"""The halves of an error's message, and what a client reads of them, for a table of
errors: :func:`ganpo.errors.halves_of`, :func:`ganpo.errors.given_halves`,
:func:`ganpo.web.failures.public_halves` and :func:`ganpo.web.failures.error_answer`.

Written against the code before the rules for the halves were brought into one place
(``halves_of`` through ``given_halves``; one path-removing function for the public
halves), so that it shows no message changed: every expected value is spelled out here,
none computed by the code under test."""

from __future__ import annotations

import errno
import pickle
from dataclasses import dataclass

import pytest

from ganpo.errors import (
    BilingualValueError,
    ComputeError,
    InputError,
    OutputError,
    StoreConflictError,
    StoreError,
    TableFileError,
    UnknownNameError,
    given_halves,
    halves_of,
)
from ganpo.web.failures import error_answer, public_halves, public_message


@dataclass(frozen=True)
class Case:
    """An error and what each function says of it."""

    exc: BaseException
    halves_of: tuple[str, str]
    given: tuple[str, str] | None
    public: tuple[str, str]
    detail: str


CASES = {
    # the file's path in the English half, another path in the Chinese half
    "input error, source path, halves given": Case(
        InputError(
            en="layer dem of /srv/ganpo/data/dem.tif has no CRS; give the file one",
            zh="图层 dem 无坐标系（参照 /srv/ganpo/data/ref.tif），请为文件指定坐标系",
            source="/srv/ganpo/data/dem.tif",
            field="dem",
        ),
        halves_of=(
            "layer dem of /srv/ganpo/data/dem.tif has no CRS; give the file one",
            "图层 dem 无坐标系（参照 /srv/ganpo/data/ref.tif），请为文件指定坐标系",
        ),
        given=(
            "layer dem of /srv/ganpo/data/dem.tif has no CRS; give the file one",
            "图层 dem 无坐标系（参照 /srv/ganpo/data/ref.tif），请为文件指定坐标系",
        ),
        public=(
            "dem.tif: layer dem of dem.tif has no CRS; give the file one",
            "dem.tif：图层 dem 无坐标系（参照 ref.tif），请为文件指定坐标系",
        ),
        detail="dem.tif: layer dem of dem.tif has no CRS; give the file one / "
        "图层 dem 无坐标系（参照 ref.tif），请为文件指定坐标系",
    ),
    # given whole: split without its source (the guess skips the quoted " / ")
    "input error, source path, given whole": Case(
        InputError("bad year '2021 / 2022'; give one year / 年份有误", source="/srv/a/b/t.csv"),
        halves_of=("bad year '2021 / 2022'; give one year", "年份有误"),
        given=None,
        public=("t.csv: bad year '2021 / 2022'; give one year", "t.csv：年份有误"),
        detail="t.csv: bad year '2021 / 2022'; give one year / 年份有误",
    ),
    "input error, given whole, no Chinese half": Case(
        InputError("column 'year' is missing", source="/srv/a/b/t.csv"),
        halves_of=("column 'year' is missing", "column 'year' is missing"),
        given=None,
        public=("t.csv: column 'year' is missing", "t.csv：column 'year' is missing"),
        detail="t.csv: column 'year' is missing",
    ),
    "input error without a source": Case(
        InputError(en="unit 't / ha' is unknown", zh="单位 't / ha' 未知"),
        halves_of=("unit 't / ha' is unknown", "单位 't / ha' 未知"),
        given=("unit 't / ha' is unknown", "单位 't / ha' 未知"),
        public=("unit 't / ha' is unknown", "单位 't / ha' 未知"),
        detail="unit 't / ha' is unknown / 单位 't / ha' 未知",
    ),
    # the source's path itself holds " / ": replaced whole by its name
    "input error whose source path holds ' / '": Case(
        TableFileError(
            "cannot read '/srv/x / y/t.csv' as a table; save it as CSV",
            "无法将 '/srv/x / y/t.csv' 读作表格，请另存为 CSV",
            source="/srv/x / y/t.csv",
        ),
        halves_of=(
            "cannot read '/srv/x / y/t.csv' as a table; save it as CSV",
            "无法将 '/srv/x / y/t.csv' 读作表格，请另存为 CSV",
        ),
        given=(
            "cannot read '/srv/x / y/t.csv' as a table; save it as CSV",
            "无法将 '/srv/x / y/t.csv' 读作表格，请另存为 CSV",
        ),
        public=(
            "t.csv: cannot read 't.csv' as a table; save it as CSV",
            "t.csv：无法将 't.csv' 读作表格，请另存为 CSV",
        ),
        detail="t.csv: cannot read 't.csv' as a table; save it as CSV / "
        "无法将 't.csv' 读作表格，请另存为 CSV",
    ),
    "store error, halves given": Case(
        StoreError(
            en="the store sqlite:////srv/ganpo/platform.sqlite is locked; try again",
            zh="数据库 sqlite:////srv/ganpo/platform.sqlite 被锁定，请重试",
        ),
        halves_of=(
            "the store sqlite:////srv/ganpo/platform.sqlite is locked; try again",
            "数据库 sqlite:////srv/ganpo/platform.sqlite 被锁定，请重试",
        ),
        given=(
            "the store sqlite:////srv/ganpo/platform.sqlite is locked; try again",
            "数据库 sqlite:////srv/ganpo/platform.sqlite 被锁定，请重试",
        ),
        public=(
            "the store sqlite:///platform.sqlite is locked; try again",
            "数据库 sqlite:///platform.sqlite 被锁定，请重试",
        ),
        detail="the store sqlite:///platform.sqlite is locked; try again / "
        "数据库 sqlite:///platform.sqlite 被锁定，请重试",
    ),
    # given whole, its English quoting a path that holds " / ": split after the paths
    # are removed, the quoted separator not taken
    "store error given whole, quoting a path with ' / '": Case(
        StoreConflictError(
            "file '/srv/ganpo/a / b/c.csv' is in use / 文件 '/srv/ganpo/a / b/c.csv' 正在使用",
            record="file #3",
        ),
        halves_of=(
            "file '/srv/ganpo/a / b/c.csv' is in use",
            "文件 '/srv/ganpo/a / b/c.csv' 正在使用",
        ),
        given=None,
        public=("file 'a / b/c.csv' is in use", "文件 'a / b/c.csv' 正在使用"),
        detail="file 'a / b/c.csv' is in use / 文件 'a / b/c.csv' 正在使用",
    ),
    "compute error, halves given": Case(
        ComputeError(
            en="the dask cluster at tcp://10.0.0.5:8786 lost its workers 3 times; "
            "nothing was stored, try again",
            zh="dask 集群 tcp://10.0.0.5:8786 三次失去工作进程，未保存任何内容，请重试",
            scheduler="tcp://10.0.0.5:8786",
        ),
        halves_of=(
            "the dask cluster at tcp://10.0.0.5:8786 lost its workers 3 times; "
            "nothing was stored, try again",
            "dask 集群 tcp://10.0.0.5:8786 三次失去工作进程，未保存任何内容，请重试",
        ),
        given=(
            "the dask cluster at tcp://10.0.0.5:8786 lost its workers 3 times; "
            "nothing was stored, try again",
            "dask 集群 tcp://10.0.0.5:8786 三次失去工作进程，未保存任何内容，请重试",
        ),
        public=(
            "the dask cluster at tcp://10.0.0.5:8786 lost its workers 3 times; "
            "nothing was stored, try again",
            "dask 集群 tcp://10.0.0.5:8786 三次失去工作进程，未保存任何内容，请重试",
        ),
        detail="the dask cluster at tcp://10.0.0.5:8786 lost its workers 3 times; "
        "nothing was stored, try again / "
        "dask 集群 tcp://10.0.0.5:8786 三次失去工作进程，未保存任何内容，请重试",
    ),
    "compute error given whole": Case(
        ComputeError("workers lost / 工作进程丢失", scheduler="tcp://h:8786"),
        halves_of=("workers lost", "工作进程丢失"),
        given=None,
        public=("workers lost", "工作进程丢失"),
        detail="workers lost / 工作进程丢失",
    ),
    # the folder (a name with a space) by its name, in the English and the Chinese half
    "output error, folder": Case(
        OutputError(
            en="cannot write in /srv/ganpo/out/run 1: the disk is full",
            zh="无法写入 /srv/ganpo/out/run 1：磁盘已满",
            folder="/srv/ganpo/out/run 1",
            errno=errno.ENOSPC,
            free_bytes=0,
        ),
        halves_of=(
            "cannot write in /srv/ganpo/out/run 1: the disk is full",
            "无法写入 /srv/ganpo/out/run 1：磁盘已满",
        ),
        given=(
            "cannot write in /srv/ganpo/out/run 1: the disk is full",
            "无法写入 /srv/ganpo/out/run 1：磁盘已满",
        ),
        public=("cannot write in run 1: the disk is full", "无法写入 run 1：磁盘已满"),
        detail="cannot write in run 1: the disk is full / 无法写入 run 1：磁盘已满",
    ),
    "unknown name": Case(
        UnknownNameError("parameter set", "jx / 2", ["garze-2010", "jiangxi-default"]),
        halves_of=(
            "unknown parameter set 'jx / 2'; valid names: garze-2010, jiangxi-default",
            "未知的参数集 'jx / 2'；可用的名称：garze-2010、jiangxi-default",
        ),
        given=(
            "unknown parameter set 'jx / 2'; valid names: garze-2010, jiangxi-default",
            "未知的参数集 'jx / 2'；可用的名称：garze-2010、jiangxi-default",
        ),
        public=(
            "unknown parameter set 'jx / 2'; valid names: garze-2010, jiangxi-default",
            "未知的参数集 'jx / 2'；可用的名称：garze-2010、jiangxi-default",
        ),
        detail="unknown parameter set 'jx / 2'; valid names: garze-2010, jiangxi-default / "
        "未知的参数集 'jx / 2'；可用的名称：garze-2010、jiangxi-default",
    ),
    "plain value error": Case(
        ValueError("x / 中文"),
        halves_of=("x", "中文"),
        given=None,
        public=("x", "中文"),
        detail="x / 中文",
    ),
    # not a GanpoError: its path is removed by without_paths only
    "plain error quoting a path with ' / '": Case(
        ValueError("cannot open '/srv/d / e/f.tif' / 无法打开 '/srv/d / e/f.tif'"),
        halves_of=("cannot open '/srv/d / e/f.tif'", "无法打开 '/srv/d / e/f.tif'"),
        given=None,
        public=("cannot open 'd / e/f.tif'", "无法打开 'd / e/f.tif'"),
        detail="cannot open 'd / e/f.tif' / 无法打开 'd / e/f.tif'",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_halves_of_each_error(name: str) -> None:
    case = CASES[name]
    assert halves_of(case.exc) == case.halves_of
    assert given_halves(case.exc) == case.given
    assert public_halves(case.exc) == case.public
    assert public_message(case.exc) == case.detail
    en, zh = case.public
    assert error_answer(case.exc) == {"detail": case.detail, "detail_en": en, "detail_zh": zh}


@pytest.mark.parametrize("name", list(CASES))
def test_the_halves_are_the_same_after_a_trip_to_another_process(name: str) -> None:
    case = CASES[name]
    again = pickle.loads(pickle.dumps(case.exc))
    assert halves_of(again) == case.halves_of
    assert given_halves(again) == case.given
    assert public_halves(again) == case.public


def test_a_validators_refusal_gives_its_chinese_beside_its_english() -> None:
    # str() is the English only (pydantic shows it); the Chinese travels beside it
    exc = BilingualValueError("must be above 0", "应大于 0")
    assert str(exc) == "must be above 0"
    assert halves_of(exc) == ("must be above 0", "应大于 0")
    # halves_of's one rule (given_halves) counts it among the errors given apart, so its
    # public halves are its own too (it never reaches the API: no GanpoError)
    assert given_halves(exc) == ("must be above 0", "应大于 0")
    assert public_halves(exc) == ("must be above 0", "应大于 0")


def test_only_the_errors_that_carry_halves_have_them_read() -> None:
    # an error of another class with en/zh attributes is read by its text, as any other
    class OtherError(ValueError):
        en, zh = "ignored", "忽略"

    exc = OtherError("said / 说了")
    assert given_halves(exc) is None
    assert halves_of(exc) == ("said", "说了")


def test_an_input_errors_source_set_later_is_named_in_both_halves() -> None:
    # the command line sets a new refusal's source after making it (ganpo.cli.apply)
    exc = InputError(en="bad weight 'a / b'", zh="权重有误")
    exc.source = "/srv/ganpo/w.toml"
    assert halves_of(exc) == ("bad weight 'a / b'", "权重有误")
    assert public_halves(exc) == ("w.toml: bad weight 'a / b'", "w.toml：权重有误")
    assert public_message(exc) == "bad weight 'a / b' / 权重有误"


def test_a_string_answer_is_split_as_it_is() -> None:
    said = "the server is out of memory; try again later / 服务器内存不足，请稍后重试"
    assert error_answer(said) == {
        "detail": said,
        "detail_en": "the server is out of memory; try again later",
        "detail_zh": "服务器内存不足，请稍后重试",
    }
