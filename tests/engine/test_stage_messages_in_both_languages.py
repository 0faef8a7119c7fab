"""An account's stage messages in English and in Chinese (decision 0101): each is a string,
the English line (what a one-argument ``progress`` callback has always received, the run
log's line), carrying its Chinese half in ``.zh``; no message names a file by its path.

The tiny dataset here says every kind of message an account says: its ecosystem map
converted from another classification, a layer warped onto the grid, derived layers
routed (then reused by the next account), the pass's milestones, value rasters written,
statistics tables read."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import from_origin

from ganpo.engine.account import run_account
from ganpo.io.manifest import load_manifest, write_manifest
from tinydata import RES, X0, Y0, declare, tiny_factory, write_raster

#: a Chinese character
HAN = re.compile(r"[\u4e00-\u9fff]")
#: a file named by a path ("2022/bio.csv", "derived/x.tif")
FILE_PATH = re.compile(r"[\w.-]+/[\w./-]*\.[A-Za-z][A-Za-z0-9]{1,4}\b")
#: each kind of message, by the words of its English line
KINDS = (
    "reading units",
    "ecosystem map made from",
    "warped onto the grid",
    ": deriving ",
    " derived (",
    " reused (",
    "raster components",
    "computing: ",
    "value rasters written",
    ": reading ",
    "done in",
)


def _dataset(tiny: Callable[..., Path]) -> Path:
    """The tiny dataset with its map in CLCD codes and its rain on 200 m cells, each
    declared as its manifest entry must (``scheme``, ``resampling``)."""
    manifest = tiny()
    write_raster(
        manifest.parent / "2022/precipitation.tif",
        np.array([[1600, 2000]], "float32"),
        nodata=-9999.0,
        transform=from_origin(X0, Y0, 2 * RES, 2 * RES),
    )
    ds = load_manifest(manifest, verify=False)
    for entry in ds.manifest.layers:
        if entry.role == "precipitation":
            entry.resampling = "nearest"
            entry.sha256 = None
    write_manifest(ds.manifest, ds.root)
    return declare(manifest, "ecosystem_type", scheme="clcd")


@dataclass(frozen=True)
class Said:
    """Every message of two accounts of the dataset (the second reuses the derived layers)
    as a one-argument callback receives them, the accounts' run logs, and the folders
    (the dataset's, the value rasters')."""

    messages: list[str]
    logs: list[str]
    folders: tuple[Path, ...]


@pytest.fixture(scope="module")
def said(tmp_path_factory: pytest.TempPathFactory) -> Said:
    tmp = tmp_path_factory.mktemp("stage-messages")
    manifest = _dataset(tiny_factory(tmp))
    messages: list[str] = []
    logs: list[str] = []
    for n in (1, 2):
        acc = run_account(
            manifest,
            2022,
            price_policy="as_given",
            chunk=2,
            rasters_dir=tmp / f"values{n}",
            progress=messages.append,
        )
        logs += acc.log
    return Said(messages, logs, (manifest.parent, tmp))


def test_the_dataset_says_every_kind_of_message(said: Said) -> None:
    for kind in KINDS:
        assert any(kind in m for m in said.messages), (kind, said.messages)


def test_every_stage_message_has_a_chinese_half(said: Said) -> None:
    for msg in said.messages:
        zh = getattr(msg, "zh", None)
        assert zh is not None and HAN.search(zh), (msg, zh)
        assert zh != str(msg)


def test_no_stage_message_names_a_file_by_its_path(said: Said) -> None:
    for msg in said.messages:
        for half in (str(msg), getattr(msg, "zh", "")):
            assert not FILE_PATH.search(half), half
            assert not any(str(f) in half for f in said.folders), half
    # a table by its file name, its folder in the dataset left out
    assert any(m.endswith(": reading water.csv") for m in said.messages), said.messages


def test_a_one_argument_callback_gets_the_english_lines(said: Said) -> None:
    english = [str(m) for m in said.messages]
    assert all(type(m) is str and not HAN.search(m) for m in english), english
    # the run log's lines, as they were (English, timed)
    assert english == [line.split(" ", 1)[1] for line in said.logs]


def test_a_stage_message_and_a_plain_line() -> None:
    from ganpo.engine.account import StageMessage, message_halves

    assert message_halves("tiny 2022: t / ha") == ("tiny 2022: t / ha", None)
    msg = StageMessage("tiny 2022: done in 1.0 s", "tiny 2022 年：核算完成，用时 1.0 秒")
    assert message_halves(msg) == (
        "tiny 2022: done in 1.0 s",
        "tiny 2022 年：核算完成，用时 1.0 秒",
    )
    assert f"{msg}" == "tiny 2022: done in 1.0 s" and msg.zh.endswith("秒")
    copied = pickle.loads(pickle.dumps(msg))  # a copy keeps its Chinese half
    assert (str(copied), copied.zh) == (str(msg), msg.zh)
