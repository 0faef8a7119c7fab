"""An account that fails half-way says why and leaves nothing half-written: a corrupt
block found in the pass, a full disk while the value rasters are written (simulated, and
on a real full file system), a read-only folder for the derived-layer cache."""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import rasterio.crs
from rasterio.transform import from_origin

from ganpo.engine import rasters as rasters_mod
from ganpo.engine.account import run_account
from ganpo.engine.derived import ensure_derived
from ganpo.engine.stages import value_rasters
from ganpo.errors import InputFileError, OutputError
from ganpo.io.manifest import load_manifest, write_manifest
from ganpo.io.outputs import format_bytes
from mounts import full_disk, read_only

DISK_FULL = r"the disk is full \("
NOTHING_LEFT = ". Nothing half-written was left / "


def corrupt(manifest: Path, rel: str) -> Path:
    """Cut ``rel`` a few bytes into its pixel data (the header stays whole, so it opens)
    and record the new checksum, as a user re-running `write_manifest` would."""
    path = manifest.parent / rel
    with rasterio.open(path) as src:
        start = int(src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1))
    path.write_bytes(path.read_bytes()[: start + 4])
    write_manifest(load_manifest(manifest, verify=False).manifest, manifest.parent)
    return path


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_a_corrupt_block_found_in_the_pass_stops_the_account(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    manifest = tiny()
    path = corrupt(manifest, "2022/precipitation.tif")
    out = tmp_path / "rasters"
    with pytest.raises(InputFileError) as err:
        run_account(manifest, 2022, rasters_dir=out)
    # the tiny layers are 2 × 4 cells in one strip: block 1 of 1
    assert str(err.value).startswith(
        f"{path}: layer precipitation (annual precipitation): the GeoTIFF is truncated or "
        "corrupt at block 1 of 1 (rows 0–1, columns 0–3): its cells cannot be read; "
    )
    assert files_in(out) == []  # the value rasters begun in the pass are gone


def _enospc_after(calls: int, real: Callable[..., Any]) -> Callable[..., Any]:
    """A BlockWriter._write that writes ``calls`` blocks, then fails as a full disk."""
    done = [0]

    def write(self: Any, value: np.ndarray, window: Any) -> None:
        if done[0] >= calls:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
        done[0] += 1
        real(self, value, window)

    return write


def test_a_full_disk_while_the_value_rasters_are_written(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rasters"
    monkeypatch.setattr(
        rasters_mod.BlockWriter, "_write", _enospc_after(1, rasters_mod.BlockWriter._write)
    )
    with pytest.raises(OutputError) as err:
        run_account(tiny(), 2022, rasters_dir=out)
    assert err.value.errno == errno.ENOSPC and err.value.folder == str(out)
    free = format_bytes(err.value.free_bytes)
    assert str(err.value) == (
        f"cannot write the value rasters in {out}: the disk is full ({free} free); free "
        "some space there, or write to another folder. Nothing half-written was left / "
        f"无法在 {out} 写入价值栅格：磁盘已满（剩余 {free}）；请释放空间，或改写到其他文件夹。"
        "未留下写了一半的文件"
    )
    assert files_in(out) == []


def test_a_writer_is_discarded_only_between_two_writes(tmp_path: Path) -> None:
    """When a block fails, dask raises at once while other worker threads may still be
    writing value-raster blocks: the writer's file is closed under the lock every write
    holds (GDAL crashed the process on a dataset closed under a write), and a block
    that arrives after that is dropped."""
    from ganpo.engine.grid import Grid
    from tinydata import ALBERS, RES, X0, Y0

    grid = Grid(rasterio.crs.CRS.from_string(ALBERS).to_wkt(), from_origin(X0, Y0, RES, RES), 4, 2)
    writer = rasters_mod.BlockWriter(tmp_path / "v.tif", grid)
    log: list[str] = []

    class Recording:  # the writer's lock, saying when it is held
        def __init__(self) -> None:
            self.inner = threading.Lock()

        def __enter__(self) -> None:
            self.inner.acquire()
            log.append("locked")

        def __exit__(self, *exc: object) -> None:
            log.append("unlocked")
            self.inner.release()

    real_close = writer._dst.close

    def close() -> None:
        log.append("closed")
        real_close()

    writer._lock = Recording()  # type: ignore[assignment]
    writer._dst.close = close  # type: ignore[method-assign]
    writer.discard()
    assert log == ["locked", "closed", "unlocked"] and not writer.path.exists()
    writer[slice(0, 2), slice(0, 4)] = np.ones((2, 4))  # a late block: dropped, no error
    assert log[-2:] == ["locked", "unlocked"] and not writer.path.exists()


def test_a_full_disk_while_the_cogs_are_made_leaves_none_of_them(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rasters"
    real, made = value_rasters.to_cog, []

    def to_cog(gtiff: Path, cog: Path) -> None:
        if made:  # the second COG: half written, then the disk is full
            cog.write_bytes(b"II*\0" + b"\0" * 1000)
            raise OSError(errno.ENOSPC, "No space left on device", str(cog))
        real(gtiff, cog)
        made.append(cog)

    monkeypatch.setattr(value_rasters, "to_cog", to_cog)
    with pytest.raises(OutputError, match=DISK_FULL) as err:
        run_account(tiny(), 2022, rasters_dir=out)
    assert str(err.value).startswith(f"cannot write the value rasters in {out}: ")
    assert NOTHING_LEFT in str(err.value)
    # the first COG was complete, but the set is all or none: no file at all
    assert made and files_in(out) == []


def test_a_read_only_folder_for_the_derived_layers(
    tiny: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds = load_manifest(tiny())
    dem = ds.manifest.layer("dem", 2022)
    assert dem is not None
    folder = tmp_path / "derived"
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        # the tests run as root, whom a chmod does not stop: the refusal is simulated
        if self == folder:
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    from ganpo.catalog.parameters import load_parameter_set

    params = load_parameter_set("jiangxi-default")
    with pytest.raises(OutputError) as err:
        ensure_derived("ls_factor_mfd", {"dem": ds.path(dem)}, {"dem": dem.sha256}, params, folder)
    assert err.value.errno == errno.EROFS
    assert str(err.value) == (
        f"cannot write the derived-layer cache in {folder}: it is on a read-only file "
        "system; write to a folder on a writable disk / 无法在 "
        f"{folder} 写入派生图层缓存：该文件夹位于只读文件系统；请改写到可写磁盘上的文件夹"
    )


def test_value_rasters_on_a_real_full_disk(tiny: Callable[..., Path], tmp_path: Path) -> None:
    manifest = tiny()
    with full_disk(tmp_path / "full") as disk:
        out = disk / "rasters"
        with pytest.raises(OutputError, match=DISK_FULL) as err:
            run_account(manifest, 2022, rasters_dir=out)
        assert str(err.value).startswith(f"cannot write the value rasters in {out}: ")
        assert files_in(disk) == ["filler"]  # nothing of the run is left


def test_value_rasters_into_a_real_read_only_folder(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    manifest = tiny()
    with read_only(tmp_path / "ro") as folder:
        out = folder / "rasters"
        with pytest.raises(OutputError, match="it is on a read-only file system") as err:
            run_account(manifest, 2022, rasters_dir=out)
        assert err.value.errno == errno.EROFS and files_in(folder) == []


def test_a_corrupt_layer_in_a_map_preview_names_the_file(tiny: Callable[..., Path]) -> None:
    from ganpo.catalog.parameters import load_parameter_set
    from ganpo.catalog.profiles import load_profile
    from ganpo.engine.preview import service_raster

    manifest = tiny()
    path = corrupt(manifest, "2022/npp.tif")
    profile = load_profile("jiangxi-db36-2021")
    params = load_parameter_set(profile.parameter_set)
    with pytest.raises(InputFileError) as err:
        service_raster(manifest.parent, 2022, profile, params, "carbon_sequestration")
    assert str(err.value).startswith(
        f"{path}: layer npp (net primary production, dry matter): the GeoTIFF is truncated "
        "or corrupt at block 1 of 1 (rows 0–1, columns 0–3)"
    )


def test_a_value_raster_that_cannot_be_read_names_the_indicator(
    tiny: Callable[..., Path], tmp_path: Path
) -> None:
    from shapely.geometry import box

    from ganpo.apply.vep import raster_sums
    from tinydata import ALBERS, RES, X0, Y0

    manifest = tiny()
    path = corrupt(manifest, "2022/npp.tif")  # any GeoTIFF cut in its data will do
    site = box(X0, Y0 - 2 * RES, X0 + 2 * RES, Y0)
    with pytest.raises(InputFileError) as err:
        raster_sums(site, ALBERS, {"carbon_sequestration": path})
    assert str(err.value).startswith(
        f"{path}: value raster of carbon_sequestration: the GeoTIFF is truncated or corrupt"
    )
    assert "carbon_sequestration 价值栅格" in str(err.value)
