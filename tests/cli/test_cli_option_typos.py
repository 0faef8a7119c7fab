"""A mistyped option of a command taking account ids as arguments (decision 0095).

Those commands let unknown options through as arguments so that ``-1`` is an id (decision
0093); a mistyped option (``--yeer 2023``) was then click's English "unexpected extra
argument". It is refused before anything is read, in English and Chinese, naming the
option, the closest one and the command's options, with click's exit code of a usage
error (2). Negative ids are still ids, refused by the store's look-up as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_support import ran_cleanly
from ganpo.cli.main import app
from ganpo.store.repository import open_store

runner = CliRunner()


def _flat(text: str) -> str:
    """``text`` without white space or the error box's frame (rich wraps the message at
    the terminal's width, Chinese text anywhere)."""
    return re.sub(r"[\s╭╮╰╯│─]", "", text)


def _refusal(given: str, closest: str | None, options: str) -> str:
    en_guess = f"did you mean {closest}? " if closest else ""
    zh_guess = f"是否想用 {closest}？" if closest else ""
    return (
        f"'{given}' is neither an option of this command nor an account id; {en_guess}"
        f"the command's options: {options} / '{given}' 既不是该命令的选项，也不是核算编号："
        f"{zh_guess}该命令的选项：{options.replace(', ', '、')}"
    )


TYPOS = [
    # args (before --database), the option given, the closest, the command's options
    (["show", "1", "--yeer", "2023"], "--yeer", None, "--database, --help"),
    (["show", "--yeer", "2023", "1"], "--yeer", None, "--database, --help"),
    (["show", "1", "--databse=x.sqlite"], "--databse", "--database", "--database, --help"),
    (["withdraw", "1", "--reasn", "wrong"], "--reasn", "--reason", "--reason, --database, --help"),
    (
        ["export", "1", "--fromat", "csv"],
        "--fromat",
        "--format",
        "--out, --format, --database, --force, --help",
    ),
    (["delete", "1", "--yes", "-z"], "-z", None, "--database, --yes, --help"),
]


@pytest.mark.parametrize(
    ("args", "given", "closest", "options"), TYPOS, ids=[" ".join(t[0]) for t in TYPOS]
)
def test_a_mistyped_option_is_named_in_both_languages(
    tmp_path: Path, args: list[str], given: str, closest: str | None, options: str
) -> None:
    database = tmp_path / "never.sqlite"
    r = runner.invoke(app, ["account", *args, "--database", f"sqlite:///{database}"])
    output = ran_cleanly(r)
    assert r.exit_code == 2, output
    assert _flat(_refusal(given, closest, options)) in _flat(output), output
    assert "extra argument" not in output
    assert not database.exists()  # refused before the store is opened


@pytest.fixture
def empty_store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ganpo.sqlite'}"
    open_store(url).dispose()
    return url


@pytest.mark.parametrize(
    "args",
    [["show", "-1"], ["withdraw", "-1", "--reason", "x"], ["delete", "-1", "--yes"]],
    ids=["show", "withdraw", "delete"],
)
def test_a_negative_id_is_still_an_id(empty_store: str, args: list[str]) -> None:
    r = runner.invoke(app, ["account", *args, "--database", empty_store])
    output = " ".join(ran_cleanly(r).split())
    assert r.exit_code == 2, output
    assert "no account -1 in the store" in output and "库中没有核算 #-1" in output, output
    assert "neither an option" not in output


def test_an_options_value_may_start_with_a_dash(empty_store: str) -> None:
    # "-x" is the reason given, not an option: the look-up of account 1 refuses the run
    r = runner.invoke(
        app, ["account", "withdraw", "1", "--reason", "-x", "--database", empty_store]
    )
    output = " ".join(ran_cleanly(r).split())
    assert r.exit_code == 2 and "no account 1 in the store" in output, output
