"""The manifest's own checks of its structure (ganpo.io.manifest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ganpo.errors import ManifestError
from ganpo.io.manifest import load_manifest, write_manifest


def test_two_entries_of_one_role_and_year_are_refused(tiny: Callable[..., Path]) -> None:
    """Which of two NPP layers of 2022 would the account read? The first, silently: the
    manifest is refused instead, naming both files."""
    path = tiny()
    ds = load_manifest(path)
    npp, tourism = ds.manifest.layer("npp", 2022), ds.manifest.table("tourism", 2022)
    assert npp is not None and tourism is not None
    (path.parent / "2022/npp_v2.tif").write_bytes((path.parent / npp.path).read_bytes())
    (path.parent / "2022/tourism_v2.csv").write_bytes((path.parent / tourism.path).read_bytes())
    ds.manifest.layers.append(npp.model_copy(update={"path": "2022/npp_v2.tif"}))
    ds.manifest.tables.append(tourism.model_copy(update={"path": "2022/tourism_v2.csv"}))
    write_manifest(ds.manifest, path.parent)  # the checksums of both files recorded
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: invalid manifest: manifest: Value error, 2 [[layers]] entries of role 'npp' "
        "for 2022: 2022/npp.tif, 2022/npp_v2.tif; 2 [[tables]] entries of role 'tourism' for "
        "2022: 2022/tourism.csv, 2022/tourism_v2.csv; an account reads one file per role and "
        "year: keep one entry, or give each its own year / "
        "数据清单无效：角色 'npp' 2022 年有 2 个 [[layers]] 条目：2022/npp.tif、2022/npp_v2.tif；"
        "角色 'tourism' 2022 年有 2 个 [[tables]] 条目：2022/tourism.csv、2022/tourism_v2.csv；"
        "核算对每个角色每年只读一个文件：请只保留一个条目，或为每个条目写明各自的年份。请按所指字段改正数据清单"
    )


def test_one_entry_per_year_is_fine(tiny: Callable[..., Path]) -> None:
    """The same role in two years, and a year-less layer beside them, are not twins."""
    m = load_manifest(tiny(more_years={2023: {}})).manifest
    assert len([x for x in m.layers if x.role == "npp"]) == 2
    assert [x.year for x in m.layers if x.role == "dem"] == [None]
