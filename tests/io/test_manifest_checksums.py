"""The files' checksums are verified on two threads (ganpo.io.manifest.verify_files), but
the refusal names the first changed or unreadable file in the manifest's order, whichever
thread reads it first."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from ganpo.errors import InputFileError, ManifestError
from ganpo.io.manifest import load_manifest


def _checked(manifest: Path) -> list[str]:
    """The paths with a checksum, in the manifest's order (units, layers, tables)."""
    doc = tomllib.loads(manifest.read_text("utf-8"))
    entries = [doc["units"], *doc.get("layers", []), *doc.get("tables", [])]
    return [e["path"] for e in entries if e.get("sha256")]


def _change(manifest: Path, rel: str) -> None:
    with (manifest.parent / rel).open("ab") as fh:
        fh.write(b"\n")


@pytest.mark.parametrize("which", ["first", "second", "last"])
def test_the_first_changed_file_in_the_manifest_is_named(
    tiny: Callable[..., Path], which: str
) -> None:
    manifest = tiny()
    paths = _checked(manifest)
    assert len(paths) > 4
    first = {"first": 0, "second": 1, "last": len(paths) - 2}[which]
    for rel in (paths[first], paths[-1]):  # a later one changed too
        _change(manifest, rel)
    for _ in range(5):  # whichever thread finishes first
        with pytest.raises(ManifestError) as err:
            load_manifest(manifest)
        assert err.value.values == [paths[first]]
        assert str(err.value).count("has changed since the manifest") == 1


def test_a_changed_file_is_named_before_a_later_unreadable_one(
    tiny: Callable[..., Path],
) -> None:
    manifest = tiny()
    paths = _checked(manifest)
    _change(manifest, paths[1])
    later = manifest.parent / paths[-1]
    later.unlink()
    later.mkdir()  # listed, present, and cannot be read as a file
    with pytest.raises(ManifestError) as err:
        load_manifest(manifest)
    assert err.value.values == [paths[1]]
    (manifest.parent / paths[1]).write_bytes((manifest.parent / paths[1]).read_bytes()[:-1])
    with pytest.raises(InputFileError) as unreadable:
        load_manifest(manifest)
    assert str(later) in str(unreadable.value)
