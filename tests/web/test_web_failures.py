"""The platform answers a failure with a JSON error naming no server path
(ganpo.web.failures): 422 a broken upload, 507 a full disk, 503 storage not writable."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rasterio
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ganpo.errors import InputFileError
from ganpo.io.manifest import load_manifest
from ganpo.submissions.workflow import storage_dir
from ganpo.web.failures import public_message, without_paths
from ganpo.web.jobs import failure_message
from ganpo.web.routes import regions as regions_route

YEAR = 2022
Clients = Callable[[str], TestClient]


def test_paths_become_file_names_and_nothing_else_changes() -> None:
    assert without_paths("/srv/ganpo/data/2022/dem.tif: layer dem") == "dem.tif: layer dem"
    assert without_paths("in /srv/ganpo/work/reporting/2022: full") == "in 2022: full"
    assert without_paths("see '/a/b/c.csv', (/x/y/z.gpkg)") == "see 'c.csv', (z.gpkg)"
    assert (
        without_paths("the store sqlite:////srv/ganpo/platform.sqlite is locked")
        == "the store sqlite:///platform.sqlite is locked"
    )
    kept = (
        "npp [g/m2], erosivity [MJ mm/(ha h a)], POST /api/auth/login, "
        "http://host:8786/status, 1/2, [[tables]]"
    )
    assert without_paths(kept) == kept
    exc = InputFileError("layer dem: empty", "图层为空", problem="empty", source="/srv/d/dem.tif")
    assert public_message(exc) == "dem.tif: layer dem: empty / 图层为空"


def test_a_failed_jobs_message_names_no_server_path() -> None:
    exc = InputFileError("layer dem: empty", "图层为空", problem="empty", source="/srv/d/dem.tif")
    # each half names the file (decision 0095); the job keeps the halves (decision 0098)
    assert failure_message(exc) == ("dem.tif: layer dem: empty", "dem.tif：图层为空")
    broken = OSError(errno.EIO, "Input/output error", "/srv/ganpo/work/x.tif")
    said = "OSError: [Errno 5] Input/output error: 'x.tif'"
    assert failure_message(broken) == (said, said)  # no Chinese half: both are the message


def truncated_layer(demo_platform: Any, tmp_path: Path) -> bytes:
    """The demo's vegetation cover, cut a few bytes into its first block's data."""
    ds = load_manifest(demo_platform.manifest)
    entry = ds.manifest.layer("vegetation_cover", YEAR)
    assert entry is not None
    with rasterio.open(ds.path(entry)) as src:
        start = int(src.get_tag_item("BLOCK_OFFSET_0_0", "TIFF", bidx=1))
    return ds.path(entry).read_bytes()[: start + 10]


def upload(client: TestClient, data: bytes) -> Any:
    return client.post(
        "/api/reporting/forms/vegetation_cover/upload",
        params={"year": YEAR},
        files={"file": ("fvc.tif", data, "image/tiff")},
    )


def test_a_truncated_geotiff_upload_is_422_with_the_problem(
    client_as: Clients, demo_platform: Any, web_app: FastAPI, tmp_path: Path
) -> None:
    r = upload(client_as("forestry"), truncated_layer(demo_platform, tmp_path))
    assert r.status_code == 422, r.text
    (problem,) = r.json()["problems"]
    assert problem["reason_en"].startswith(
        "layer vegetation_cover (fractional vegetation cover): the GeoTIFF is truncated or "
        "corrupt at block 1 of "
    )
    assert problem["reason_zh"].startswith("图层“")
    settings = web_app.state.settings
    for secret in (str(settings.work_dir), str(settings.data_dir), "/tmp/"):
        assert secret not in r.text
    assert not list(storage_dir(settings.work_dir, YEAR).glob("*"))  # nothing kept


def test_a_full_disk_while_storing_an_upload_is_507(
    client_as: Clients, demo_platform: Any, web_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds = load_manifest(demo_platform.manifest)
    entry = ds.manifest.layer("vegetation_cover", YEAR)
    assert entry is not None
    good = ds.path(entry).read_bytes()
    work = Path(web_app.state.settings.work_dir)
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if work in self.parents:  # the server's storage: half the file, then full
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    r = upload(client_as("forestry"), good)
    assert r.status_code == 507, r.text
    detail = r.json()["detail"]
    assert detail.startswith("cannot write the file in 2022: the disk is full (")
    assert detail.endswith("。未留下写了一半的文件")
    assert str(work) not in r.text
    assert not list(storage_dir(work, YEAR).glob("*"))
    monkeypatch.undo()
    forms = client_as("forestry").get("/api/reporting/forms", params={"year": YEAR}).json()
    assert all(f["submission"] is None for f in forms)  # nothing was recorded


def test_the_storage_not_writable_is_503(
    client_as: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/ganpo/data/regions")

    monkeypatch.setattr(regions_route, "regions_if_built", refused)
    r = client_as("office").get("/api/regions")
    assert r.status_code == 503, r.text
    en = (
        "the server may not read or write its storage (permission denied, or read-only); "
        "nothing was stored. Tell the platform's administrator"
    )
    zh = "服务器存储不可读写，未保存任何内容，请联系平台管理员"
    assert r.json() == {"detail": f"{en} / {zh}", "detail_en": en, "detail_zh": zh}
