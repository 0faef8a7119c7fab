"""The methodology files of the carbon-inclusive registry and of the sink credits, read by
one loader (ganpo.carbon.inclusive.load_versions): two files of one version refused, an
unknown code or version named with the ones that exist, the newest version by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ganpo.carbon import inclusive as ci
from ganpo.carbon import sink_credits as sc
from ganpo.errors import InputError, UnknownNameError


def test_two_files_of_one_methodology_version_are_refused(tmp_path: Path) -> None:
    shipped = ci.METHODOLOGY_DIR / "rooftop-solar-v1.toml"
    shutil.copy(shipped, tmp_path / "a.toml")
    shutil.copy(shipped, tmp_path / "b.toml")
    with pytest.raises(InputError) as caught:
        ci.load_methodologies(tmp_path)
    assert "two files define methodology PV version 1 / 方法学 PV 第 1 版重复定义" in str(
        caught.value
    )
    assert caught.value.source == str(tmp_path / "b.toml")


def test_two_files_of_one_sink_methodology_version_are_refused(tmp_path: Path) -> None:
    shipped = sc.SINK_METHODOLOGY_DIR / "forest-wetland-sink-v1.toml"
    shutil.copy(shipped, tmp_path / "a.toml")
    shutil.copy(shipped, tmp_path / "b.toml")
    with pytest.raises(InputError) as caught:
        sc.load_sink_methodologies(tmp_path)
    assert (
        "two files define sink methodology FWS version 1 / 碳汇方法学 FWS 第 1 版重复定义"
        in str(caught.value)
    )


def test_the_shipped_folders_are_read_apart() -> None:
    assert set(ci.load_methodologies()) == {("FM", 1), ("PT", 1), ("PV", 1)}
    assert set(sc.load_sink_methodologies()) == {("FWS", 1)}


def test_unknown_codes_and_versions_name_the_ones_that_exist() -> None:
    with pytest.raises(UnknownNameError) as caught:
        sc.sink_methodology("XX")
    english, chinese = str(caught.value).split(" / ")
    assert english == "unknown sink methodology 'XX'; valid names: FWS"
    assert chinese == "未知的碳汇方法学 'XX'；可用的名称：FWS"
    with pytest.raises(UnknownNameError) as caught:
        sc.sink_methodology("FWS", 9)
    assert str(caught.value).startswith(
        "unknown version of sink methodology FWS '9'; valid names: 1 / 未知的名称 '9'"
    )
    with pytest.raises(UnknownNameError) as caught:
        ci.methodology("PV", 9)
    assert str(caught.value).startswith("unknown version of methodology PV '9'; valid names: 1 /")
    assert sc.sink_methodology("FWS").version == 1
    assert ci.methodology("PV").version == 1
