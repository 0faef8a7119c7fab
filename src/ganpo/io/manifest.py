"""Dataset manifests (数据清单): what each file of a dataset is, with unit, source, checksum.

A manifest is a TOML file beside the data. Paths in it are relative to the manifest's
folder. Loading a manifest checks its structure, that every listed file exists and that
its SHA-256 checksum is the one recorded, so an account always knows exactly what it read.
"""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ganpo.errors import ManifestError, preview
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES, ResamplingMethod

MANIFEST_NAME = "manifest.toml"


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    source: str
    synthetic: bool
    sha256: str = ""


class UnitsEntry(_Entry):
    """Administrative units (GeoPackage, one polygon per county with its city/province)."""

    layer: str = "counties"


class LayerEntry(_Entry):
    """A raster layer: ``role`` from :data:`ganpo.io.roles.LAYER_ROLES`.

    ``resampling`` (one of :data:`ganpo.io.roles.RESAMPLING_METHODS`) allows the engine to
    warp the layer onto the dataset's grid (the ecosystem map's) when it is on another
    one: another CRS, cell size or extent. Without it such a layer is refused."""

    role: str
    unit: str
    year: int | None = None
    resampling: ResamplingMethod | None = None


class TableOverride(BaseModel):
    """A soft finding of a table's plausibility checks (an unusual value, a fluctuation,
    a soft logic rule; :mod:`ganpo.io.table_checks`) that a person explained and a
    reviewer accepted. The engine records it as a Decision with basis ``override``
    (docs/decisions/0027); a hard finding is never overridden, whatever is written here.

    ``key`` is the finding's key (rule, county, and row in a list table); the messages say
    what was found, ``explanation`` why it is right; who explained and who approved, when;
    ``submission`` names the platform's submission version it came from."""

    model_config = ConfigDict(extra="forbid")

    key: str
    kind: str
    subject: str
    unit_code: int | None = None
    message_en: str
    message_zh: str
    explanation: str
    explained_by: str
    explained_at: str
    approved_by: str
    approved_at: str
    submission: str = ""


class TableEntry(_Entry):
    """A statistics table (CSV, UTF-8): ``role`` from :data:`TABLE_ROLES`. ``overrides``
    (written by the platform's approved dataset) are the reviewed explanations of its
    soft findings."""

    role: str
    year: int
    columns: dict[str, str]
    overrides: list[TableOverride] | None = None


class Manifest(BaseModel):
    """The description of one dataset: region, years, units, layers and tables."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title_zh: str
    title_en: str
    region_adcode: int
    region_name: str
    years: list[int]
    synthetic: bool
    description: str = ""
    generator: dict[str, Any] = Field(default_factory=dict)
    units: UnitsEntry
    layers: list[LayerEntry]
    tables: list[TableEntry]

    @model_validator(mode="after")
    def _roles_known(self) -> Manifest:
        for layer in self.layers:
            if layer.role not in LAYER_ROLES:
                raise ValueError(
                    f"layer {layer.path}: unknown role {layer.role!r}; "
                    f"valid roles: {', '.join(sorted(LAYER_ROLES))}"
                )
        for table in self.tables:
            if table.role not in TABLE_ROLES:
                raise ValueError(
                    f"table {table.path}: unknown role {table.role!r}; "
                    f"valid roles: {', '.join(sorted(TABLE_ROLES))}"
                )
        return self

    def layer(self, role: str, year: int) -> LayerEntry | None:
        """The layer of ``role`` for ``year`` (a year-less layer serves every year)."""
        exact = [x for x in self.layers if x.role == role and x.year == year]
        if exact:
            return exact[0]
        general = [x for x in self.layers if x.role == role and x.year is None]
        return general[0] if general else None

    def table(self, role: str, year: int) -> TableEntry | None:
        """The table of ``role`` for ``year``."""
        found = [t for t in self.tables if t.role == role and t.year == year]
        return found[0] if found else None

    def entries(self) -> list[_Entry]:
        return [self.units, *self.layers, *self.tables]


class Dataset(BaseModel):
    """A loaded manifest together with the folder its paths are relative to."""

    model_config = ConfigDict(frozen=True)

    manifest: Manifest
    root: Path
    manifest_sha256: str

    def path(self, entry: _Entry) -> Path:
        return self.root / entry.path


def load_manifest(path: Path, *, verify: bool = True) -> Dataset:
    """Read a manifest, check its structure, the files it lists and their checksums.

    ``path`` may be the manifest file or the folder that holds ``manifest.toml``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / MANIFEST_NAME
    if not path.exists():
        raise ManifestError(
            "manifest not found; give the path of a dataset's manifest.toml "
            "(`ganpo demo` writes one for the demo data)",
            source=path,
        )
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"not a valid UTF-8 TOML file: {exc}", source=path) from exc
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'manifest'}: {e['msg']}" for e in exc.errors()
        )
        raise ManifestError(f"invalid manifest: {problems}", source=path) from exc
    dataset = Dataset(
        manifest=manifest,
        root=path.parent.resolve(),
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
    )
    if verify:
        verify_files(dataset, manifest_path=path)
    return dataset


def verify_files(dataset: Dataset, *, manifest_path: Path) -> None:
    """Check that every listed file exists and has the recorded checksum."""
    missing = [e.path for e in dataset.manifest.entries() if not dataset.path(e).exists()]
    if missing:
        raise ManifestError(
            f"files listed in the manifest are missing: {preview(missing)}; "
            "restore them or remove their entries from the manifest",
            source=manifest_path,
            field="path",
            values=missing,
        )
    for entry in dataset.manifest.entries():
        if not entry.sha256:
            continue
        actual = sha256_file(dataset.path(entry))
        if actual != entry.sha256:
            raise ManifestError(
                f"{entry.path} has changed since the manifest was written "
                f"(sha256 {actual[:12]}…, manifest says {entry.sha256[:12]}…); "
                "if the new file is intended, record its checksum in the manifest",
                source=manifest_path,
                field="sha256",
                values=[entry.path],
            )


def write_manifest(manifest: Manifest, folder: Path) -> Path:
    """Fill in the checksums of every listed file and write ``folder/manifest.toml``."""
    folder = Path(folder)
    for entry in manifest.entries():
        entry.sha256 = sha256_file(folder / entry.path)
    out = folder / MANIFEST_NAME
    data = manifest.model_dump(mode="json", exclude_none=True)
    tmp = out.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
    tmp.replace(out)
    return out
