"""A broken raster is an InputFileError naming the file, the role, what is wrong and what
to do (ganpo.io.raster_files): truncated at several sizes, empty, a text file, missing,
not readable; the exact words are asserted."""

from __future__ import annotations

import errno
import pickle
from pathlib import Path

import numpy as np
import pytest
import rasterio
import tblib.pickling_support
from rasterio.errors import RasterioIOError
from rasterio.transform import from_origin

from ganpo.engine.grid import Grid
from ganpo.engine.rasters import open_layer
from ganpo.errors import InputFileError
from ganpo.io.manifest import sha256_file
from ganpo.io.raster_files import open_raster, read_window

ALBERS = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +datum=WGS84 +units=m +no_defs"
SIZE, TILE = 600, 256  # 3 × 3 tiles of 256 cells: blocks 1-9, row by row


def tiled(path: Path, compress: str | None = None) -> Path:
    """A 600 × 600 float32 GeoTIFF in 256 × 256 tiles, random values."""
    values = np.random.default_rng(7).random((SIZE, SIZE)).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": SIZE,
        "height": SIZE,
        "count": 1,
        "dtype": "float32",
        "crs": ALBERS,
        "transform": from_origin(1e6, 3e6, 100, 100),
        "tiled": True,
        "blockxsize": TILE,
        "blockysize": TILE,
        "nodata": -9999.0,
    }
    if compress:
        profile["compress"] = compress
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values, 1)
    return path


def block_offset(path: Path, col: int, row: int) -> int:
    """Where the data of tile (col, row) start in the file (GDAL's TIFF metadata)."""
    with rasterio.open(path) as src:
        return int(src.get_tag_item(f"BLOCK_OFFSET_{col}_{row}", "TIFF", bidx=1))


def cut(path: Path, size: int) -> Path:
    data = path.read_bytes()
    out = path.with_name(f"cut_{size}.tif")
    out.write_bytes(data[:size])
    return out


def read_all(path: Path, role: str = "precipitation") -> None:
    with open_raster(path, role) as src:
        for _, window in src.block_windows(1):
            read_window(src, path, role, window)


@pytest.mark.parametrize("size", [8, 100])
def test_a_geotiff_cut_in_its_header_cannot_be_opened(tmp_path: Path, size: int) -> None:
    path = cut(tiled(tmp_path / "p.tif"), size)
    with pytest.raises(InputFileError) as err:
        Grid.of(path, "precipitation")
    assert err.value.problem == "truncated" and err.value.field == "precipitation"
    assert str(err.value).startswith(
        f"{path}: layer precipitation (annual precipitation): the GeoTIFF is truncated or "
        f"corrupt: its header cannot be read (the file has {size} bytes); the file is "
        "incomplete or damaged: copy it again from its source, or export it again (GDAL: "
    )
    assert str(err.value).endswith(
        " / 图层“年降水量”（precipitation）是不完整或已损坏的 GeoTIFF：无法读取其文件头"
        f"（文件大小 {size} 字节）；文件不完整或已损坏：请从原始来源重新复制或重新导出"
    )


# (tile column, tile row) where the cut falls, a few bytes into its data; tiles are
# written row by row, so the first tile that cannot be read is that one: block
# row × 3 + column + 1 of 9, rows row×256 … min(row×256+255, 599)
@pytest.mark.parametrize(
    ("col", "row", "block", "rows", "cols"),
    [
        (0, 0, 1, "0–255", "0–255"),
        (1, 1, 5, "256–511", "256–511"),
        (2, 2, 9, "512–599", "512–599"),
    ],
)
def test_a_geotiff_cut_in_its_data_names_the_block(
    tmp_path: Path, col: int, row: int, block: int, rows: str, cols: str
) -> None:
    full = tiled(tmp_path / "p.tif")
    path = cut(full, block_offset(full, col, row) + 100)
    Grid.of(path, "precipitation")  # the header is whole: it opens
    with pytest.raises(InputFileError) as err:
        read_all(path)
    assert err.value.problem == "corrupt"
    assert str(err.value) == (
        f"{path}: layer precipitation (annual precipitation): the GeoTIFF is truncated or "
        f"corrupt at block {block} of 9 (rows {rows}, columns {cols}): its cells cannot be "
        "read; the file is incomplete or damaged: copy it again from its source, or export "
        f"it again / 图层“年降水量”（precipitation）在第 {block} 个数据块（共 9 块；"
        f"行 {rows}，列 {cols}）处不完整或已损坏，无法读取；文件不完整或已损坏：请从原始来源"
        "重新复制或重新导出"
    )


def test_a_compressed_geotiff_cut_short_is_refused_too(tmp_path: Path) -> None:
    full = tiled(tmp_path / "p.tif", compress="deflate")
    path = cut(full, full.stat().st_size - 1000)  # the last tile loses its end
    with pytest.raises(InputFileError, match="truncated or corrupt at block 9 of 9"):
        read_all(path)


def test_a_corrupt_block_found_in_the_dask_pass_names_the_file(tmp_path: Path) -> None:
    full = tiled(tmp_path / "p.tif")
    path = cut(full, block_offset(full, 1, 1) + 100)
    layer = open_layer(path, TILE, role="precipitation")  # builds the graph: reads nothing
    with pytest.raises(InputFileError) as err:
        layer.sum().compute(scheduler="threads")  # raised in a worker thread
    assert err.value.source == str(path) and err.value.field == "precipitation"
    assert "truncated or corrupt at block " in str(err.value)
    # dask reads tiles in parallel: the first one to fail is one of the cut ones (5-9)
    assert int(str(err.value).split(" at block ")[1].split(" ")[0]) >= 5
    # processes and clusters get the error pickled (dask.distributed through tblib, which
    # pickles the chain of causes): it keeps its words and attributes
    tblib.pickling_support.install(err.value)
    again = pickle.loads(pickle.dumps(err.value))
    assert str(again) == str(err.value) and again.problem == "corrupt"
    assert again.source == str(path) and again.field == "precipitation"


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "dem.tif"
    path.write_bytes(b"")
    with pytest.raises(InputFileError) as err:
        open_layer(path, 256, role="dem")
    assert err.value.problem == "empty"
    assert str(err.value) == (
        f"{path}: layer dem (elevation): the file is empty (0 bytes), so it is not a raster; "
        "the copy was probably interrupted: copy the file again from its source / "
        "图层“数字高程模型”（dem）是空文件（0 字节），不是栅格；文件可能未复制完整：请从原始来源重新复制"
    )


@pytest.mark.parametrize(
    ("text", "begins"),
    [
        ("county_adcode,value\n360101,12.5\n", "county_adcode,value"),
        ("\ufeff县代码,降水量\n360101,1600\n", "县代码,降水量"),
    ],
)
def test_a_text_file_named_tif_is_refused(tmp_path: Path, text: str, begins: str) -> None:
    path = tmp_path / "ecosystem_type.tif"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        Grid.of(path, "ecosystem_type")
    assert err.value.problem == "text"
    assert str(err.value) == (
        f"{path}: layer ecosystem_type (ecosystem type): the file is text, not a raster (it "
        f"begins {begins!r}); give the raster (GeoTIFF) of this layer; a .tif name does not "
        "make a text file a raster / 图层“生态系统类型”（ecosystem_type）是文本文件，不是栅格"
        f"（开头为 {begins!r}）；请提供该图层的栅格文件（GeoTIFF）；改扩展名不能把文本文件变成栅格"
    )


def test_a_binary_file_that_is_no_raster_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "npp.tif"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputFileError) as err:
        open_raster(path, "npp")
    assert err.value.problem == "not_raster"
    assert "the file is not a raster GDAL can read; give a GeoTIFF" in str(err.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gone.tif"
    with pytest.raises(InputFileError) as err:
        open_raster(path, "dem")
    assert err.value.problem == "missing"
    assert str(err.value) == (
        f"{path}: layer dem (elevation): the file does not exist; check its path (a "
        "manifest's paths are relative to the manifest's folder) or restore the file / "
        "图层“数字高程模型”（dem）不存在；请检查路径（数据清单中的路径相对于清单所在文件夹）或恢复该文件"
    )


PERMISSION = (
    "the file cannot be read: permission denied; give the user running ganpo permission "
    "to read it (chmod a+r), or copy it to a folder ganpo can read / "
)


def test_a_raster_without_read_permission_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the tests run as root, whom chmod does not stop: GDAL's refusal is simulated
    path = tiled(tmp_path / "dem.tif")

    def refused(*args: object, **kwargs: object) -> None:
        raise RasterioIOError(f"{path}: Permission denied")

    monkeypatch.setattr(rasterio, "open", refused)
    with pytest.raises(InputFileError) as err:
        open_raster(path, "dem")
    assert err.value.problem == "permission"
    assert str(err.value).startswith(f"{path}: layer dem (elevation): {PERMISSION}")


def test_a_checksum_of_an_unreadable_file_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tiled(tmp_path / "dem.tif")
    real_open = Path.open

    def guarded(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", guarded)
    with pytest.raises(InputFileError) as err:
        sha256_file(path, role="dem")
    assert str(err.value).startswith(f"{path}: layer dem (elevation): {PERMISSION}")
    monkeypatch.undo()

    def failing(self: Path, *args: object, **kwargs: object) -> object:
        raise OSError(errno.EIO, "Input/output error", str(self))

    monkeypatch.setattr(Path, "open", failing)
    with pytest.raises(InputFileError) as err:
        sha256_file(path, role="agriculture")
    assert err.value.problem == "unreadable"
    assert str(err.value) == (
        f"{path}: table agriculture (agriculture, forestry, animal husbandry and fishery "
        "output and value added): the file cannot be read: Input/output error; check the "
        "disk or network share it is on, then try again / 表“农林牧渔业产值与增加值”"
        "（agriculture）无法读取："
        "Input/output error；请检查文件所在的磁盘或网络共享后重试"
    )


def test_a_header_is_read_again_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The headers are kept by the file's identity on disk: a second look opens nothing,
    a file rewritten (another nodata value, another size) or replaced is opened again,
    and a file that went missing is named as before."""
    import ganpo.io.raster_files as raster_files

    path = tiled(tmp_path / "a.tif")
    opened: list[Path] = []
    real = raster_files.open_raster

    def counting(p: Path, role: object = None) -> object:
        opened.append(Path(p))
        return real(p, role)  # type: ignore[arg-type]

    monkeypatch.setattr(raster_files, "open_raster", counting)
    first = raster_files.raster_header(path, "precipitation")
    assert (first.width, first.height, first.count, first.dtype) == (SIZE, SIZE, 1, "float32")
    assert first.nodata == -9999.0 and first.crs_wkt is not None
    assert raster_files.raster_header(path, "precipitation") is first
    assert opened == [path]
    with rasterio.open(path, "r+") as dst:  # the nodata value edited in place
        dst.nodata = -1.0
    assert raster_files.raster_header(path).nodata == -1.0
    other = tmp_path / "b.tif"
    with rasterio.open(
        other,
        "w",
        driver="GTiff",
        width=5,
        height=4,
        count=1,
        dtype="uint8",
        crs=ALBERS,
        transform=from_origin(1e6, 3e6, 100, 100),
    ) as dst:
        dst.write(np.zeros((4, 5), dtype="uint8"), 1)
    other.replace(path)  # another file under the same name
    assert (raster_files.raster_header(path).width, raster_files.raster_header(path).dtype) == (
        5,
        "uint8",
    )
    assert len(opened) == 3
    path.unlink()
    with pytest.raises(InputFileError, match=r"a\.tif"):
        raster_files.raster_header(path, "precipitation")
