"""Writing exports, the annual report and the demo data on a full disk or into a folder
ganpo may not write: a message naming the folder and what to do, and no partial file
(ganpo.io.outputs). The system's errors are simulated (the tests run as root, whom
chmod does not stop), and met for real on small tmpfs mounts where they can be made."""

from __future__ import annotations

import errno
import gc
import hashlib
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

from ganpo.cli.export import _copy_rasters
from ganpo.demo import build_demo_dataset
from ganpo.errors import OutputError
from ganpo.io.manifest import MANIFEST_NAME
from ganpo.io.outputs import atomic_write, format_bytes
from ganpo.report import annual, geo
from ganpo.report.export import write_csv, write_excel
from mounts import full_disk, read_only

FRAME = pd.DataFrame({"adcode": [360102, 360103], "gep_cny": [1.25e9, 2.5e9]})


def enospc(path: object) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def full_disk_message(what_en: str, what_zh: str, folder: Path, free: int | None) -> str:
    left = format_bytes(free)
    return (
        f"cannot write {what_en} in {folder}: the disk is full ({left} free); free some "
        "space there, or write to another folder. Nothing half-written was left / "
        f"无法在 {folder} 写入{what_zh}：磁盘已满（剩余 {left}）；请释放空间，或改写到其他文件夹。"
        "未留下写了一半的文件"
    )


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_excel_on_a_full_disk_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "gep.xlsx"
    target.write_bytes(b"old")

    def save(self: Any, handle: Any) -> None:
        handle.write(b"PK\x03\x04" + b"\0" * 500)  # a zip begun, then the disk is full
        raise enospc(target)

    monkeypatch.setattr(openpyxl.Workbook, "save", save)
    with pytest.raises(OutputError) as err:
        write_excel({"t": FRAME}, target, title="T", notes=[])
    assert str(err.value) == full_disk_message(
        "the export", "导出文件", tmp_path, err.value.free_bytes
    )
    assert target.read_bytes() == b"old" and names(tmp_path) == ["gep.xlsx"]


def test_csv_tables_are_written_all_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real, calls = pd.DataFrame.to_csv, []

    def to_csv(self: pd.DataFrame, path: Any, **kwargs: Any) -> Any:
        calls.append(path)
        if len(calls) == 2:
            Path(path).write_text("adcode,gep\n3601", encoding="utf-8")
            raise enospc(path)
        return real(self, path, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    folder = tmp_path / "exports" / "csv"
    with pytest.raises(OutputError) as err:
        write_csv({"a": FRAME, "b": FRAME, "c": FRAME}, folder)
    assert str(err.value).startswith(f"cannot write the export in {folder}: the disk is full")
    assert names(tmp_path) == []  # not even the folders it made


@pytest.mark.parametrize("kind", ["gpkg", "parquet"])
def test_geo_exports_on_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    frame = gpd.GeoDataFrame(FRAME, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=3857)

    def broken(self: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"\0" * 300)
        raise enospc(path)

    method = "to_file" if kind == "gpkg" else "to_parquet"
    monkeypatch.setattr(gpd.GeoDataFrame, method, broken)
    write = geo.write_gpkg if kind == "gpkg" else geo.write_geoparquet
    with pytest.raises(OutputError, match="the disk is full") as err:
        write(frame, tmp_path / f"gep.{kind}")
    assert err.value.folder == str(tmp_path) and names(tmp_path) == []


def test_value_raster_copies_are_all_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = []
    for i in range(3):
        path = tmp_path / f"v{i}_value_cny.tif"
        path.write_bytes(bytes([i]) * 1000)
        sources.append({"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    real, copied = shutil.copy2, []

    def copy2(src: Any, dst: Any) -> Any:
        if copied:
            Path(dst).write_bytes(b"\0" * 10)
            raise enospc(dst)
        copied.append(dst)
        return real(src, dst)

    monkeypatch.setattr(shutil, "copy2", copy2)
    out = tmp_path / "export" / "rasters"
    with pytest.raises(OutputError, match=r"cannot write the export in .*: the disk is full"):
        _copy_rasters(pd.DataFrame(sources), out)
    assert copied and not (tmp_path / "export").exists()


def test_the_annual_report_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def write_pdf(self: Any, target: str, *args: Any, **kwargs: Any) -> None:
        Path(target).write_bytes(b"%PDF-1.7\n" + b"\0" * 2000)
        raise enospc(target)

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    target = tmp_path / "reports" / "GEP-2023.pdf"
    with pytest.raises(OutputError) as err:
        annual.write_pdf("<html><body><p>GEP</p></body></html>", target)
    assert str(err.value) == full_disk_message(
        "the annual report", "年度报告", target.parent, err.value.free_bytes
    )
    assert names(tmp_path) == []


def test_permission_denied_names_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "out" / "gep.csv"

    def refused(tmp: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp))

    with pytest.raises(OutputError) as err:
        atomic_write(target, refused)
    assert err.value.errno == errno.EACCES
    assert str(err.value) == (
        f"cannot write the file in {target.parent}: permission denied; write to a folder you "
        "may write to, or ask its owner for write permission. Nothing half-written was left "
        f"/ 无法在 {target.parent} 写入文件：没有写入权限；请改写到有写入权限的文件夹，或请其"
        "所有者授予写入权限。未留下写了一半的文件"
    )
    assert names(tmp_path) == []


def test_an_input_that_cannot_be_read_while_writing_is_not_blamed_on_the_folder(
    tmp_path: Path,
) -> None:
    source = tmp_path / "elsewhere" / "v_value_cny.tif"

    def copy(tmp: Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(source))

    with pytest.raises(PermissionError):  # the CLI names it: permission denied (its path)
        atomic_write(tmp_path / "out" / "v.tif", copy)
    assert names(tmp_path) == []


def test_an_error_that_is_no_write_failure_passes_unchanged(tmp_path: Path) -> None:
    def missing_font(tmp: Path) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "NotoSansCJK.ttc")

    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "report.pdf", missing_font)
    assert names(tmp_path) == []


def test_the_demo_data_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / MANIFEST_NAME).write_text("# an earlier build's manifest\n", encoding="utf-8")
    real, written = pd.DataFrame.to_csv, []

    def to_csv(self: pd.DataFrame, path: Any, **kwargs: Any) -> Any:
        if written:
            Path(path).write_text("county_adcode,", encoding="utf-8")
            raise enospc(path)
        written.append(path)
        return real(self, path, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(OutputError) as err:
        build_demo_dataset(folder, resolution_m=8000.0)
    assert "写入示例数据" in str(err.value) and "the disk is full" in str(err.value)
    assert str(err.value).startswith("cannot write the demo data in ")
    # no half-written file, and no manifest: the next `ganpo demo` builds it again
    left = [p for p in folder.rglob("*") if p.is_file()]
    assert not any(p.name.startswith(".") for p in left)
    assert not (folder / MANIFEST_NAME).exists()


# openpyxl leaves its zip file unclosed when the disk fills during the save; Python then
# reports the failed close of that orphan when it is collected (not ganpo's file: gone)
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_excel_on_a_real_full_disk(tmp_path: Path) -> None:
    with full_disk(tmp_path / "full") as disk:
        big = pd.DataFrame({"x": range(100_000)})
        with pytest.raises(OutputError, match="the disk is full") as err:
            write_excel({"t": big}, disk / "gep.xlsx", title="T", notes=[])
        assert err.value.errno == errno.ENOSPC and names(disk) == ["filler"]
        del err  # its traceback holds the orphan: collected now, in this test's filter
        gc.collect()


def test_pdf_into_a_real_read_only_folder(tmp_path: Path) -> None:
    with read_only(tmp_path / "ro") as folder:
        with pytest.raises(OutputError, match="it is on a read-only file system"):
            annual.write_pdf("<html><body>GEP</body></html>", folder / "GEP.pdf")
        assert names(folder) == []
