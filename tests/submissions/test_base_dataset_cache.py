"""The base dataset's manifest is parsed once per version of the file (decision 0060):
a rewritten manifest is read again, two datasets are kept apart."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from demoplatform import DemoPlatform
from ganpo.errors import InputError
from ganpo.submissions.workflow import _dataset, base_dataset


def test_a_second_look_is_a_hit(tiny: Callable[..., Path]) -> None:
    manifest = tiny()
    first = base_dataset(manifest.parent)
    before = _dataset.cache_info()
    assert base_dataset(manifest.parent) is first
    assert base_dataset(manifest) is first  # the folder or the file: one entry
    assert _dataset.cache_info().hits == before.hits + 2
    assert first.manifest.region_name == "test"


def test_a_rewritten_manifest_is_read_again(tiny: Callable[..., Path]) -> None:
    manifest = tiny()
    first = base_dataset(manifest.parent)
    stat = manifest.stat()
    text = manifest.read_text(encoding="utf-8")
    # the same size and a changed name; the clock moved by one second
    manifest.write_text(text.replace('region_name = "test"', 'region_name = "tset"'), "utf-8")
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = base_dataset(manifest.parent)
    assert second is not first
    assert (first.manifest.region_name, second.manifest.region_name) == ("test", "tset")
    assert second.manifest_sha256 != first.manifest_sha256


def test_two_datasets_are_kept_apart(tiny: Callable[..., Path]) -> None:
    one = tiny()
    other = one.parent.parent / "other"
    one.parent.rename(other)  # tiny writes to one folder; move it and write another
    two = tiny()
    text = (other / "manifest.toml").read_text(encoding="utf-8")
    (other / "manifest.toml").write_text(text.replace('"test"', '"elsewhere"', 1), "utf-8")
    a, b = base_dataset(other), base_dataset(two.parent)
    assert (a.manifest.title_en, b.manifest.title_en) == ("elsewhere", "test")
    assert a.root == other.resolve() and b.root == two.parent.resolve()
    assert base_dataset(other) is a and base_dataset(two.parent) is b


def test_no_manifest_is_refused_with_its_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="manifest not found"):
        base_dataset(tmp_path)


def _count_unit_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The units files read from disk (not taken from what ganpo.io.units keeps)."""
    import ganpo.io.units as units_module

    reads: list[Path] = []
    real = units_module.read_chain

    def counted(p: Path, *args: Any, **kwargs: Any) -> Any:
        reads.append(Path(p))
        return real(p, *args, **kwargs)

    monkeypatch.setattr(units_module, "read_chain", counted)
    return reads


def test_the_units_are_read_once_for_every_year(
    demo_platform: DemoPlatform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counties, areas and extent are the same in every year: one read of the units
    for all of them (checked units files are kept by their content); the grid reference
    is still each year's own (decision 0068)."""
    from ganpo.submissions import workflow as wf

    reads = _count_unit_reads(monkeypatch)
    wf._region.cache_clear()
    base = demo_platform.data_dir
    a, b = wf.region_of(base, 2022), wf.region_of(base, 2023)
    assert len(reads) == 1
    assert a.counties == b.counties and a.areas_km2 == b.areas_km2
    assert a.bounds == b.bounds and a.crs_wkt == b.crs_wkt and len(a.counties) > 10
    m = base_dataset(base)
    for year, region in ((2022, a), (2023, b)):
        layer = m.manifest.layer("ecosystem_type", year)
        assert layer is not None and region.grid_reference == m.path(layer)
    assert wf.region_of(base, 2022) is a  # a hit


def test_a_units_file_rewritten_in_place_is_read_again(
    tiny: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest unchanged and its units file rewritten with one county fewer: the
    next region asked for reads the file again and has one county fewer."""
    import geopandas as gpd

    from ganpo.submissions import workflow as wf

    manifest = tiny()
    reads = _count_unit_reads(monkeypatch)
    wf._region.cache_clear()
    before = wf.region_of(manifest.parent, 2022)
    assert wf.region_of(manifest.parent, None).counties == before.counties
    assert len(reads) == 1 and len(before.counties) == 2
    units = manifest.parent / "units.gpkg"
    frame = gpd.read_file(units, layer="counties")
    kept = min(before.counties)
    frame[frame["county_adcode"] == kept].to_file(units, layer="counties", driver="GPKG")
    after = wf.region_of(manifest.parent, 2023)  # a year not asked for: not kept by _region
    assert len(reads) == 2
    assert after.counties == {kept: before.counties[kept]}
