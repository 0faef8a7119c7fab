"""Dataset manifests (数据清单): what each file of a dataset is, with unit, source, checksum.

A manifest is a TOML file beside the data. Paths in it are relative to the manifest's
folder. Loading a manifest checks its structure, that every listed file exists and that
its SHA-256 checksum is the one recorded, so an account always knows exactly what it read.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, get_args

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ganpo.catalog.crosswalks import LandScheme
from ganpo.errors import (
    BilingualValueError,
    ManifestError,
    preview,
    preview_zh,
    validation_problems,
)
from ganpo.io.outputs import atomic_write
from ganpo.io.raster_files import Role, file_error
from ganpo.io.roles import (
    LAYER_ROLES,
    TABLE_ROLES,
    BoundaryRepair,
    ResamplingMethod,
    UnitLevel,
)

MANIFEST_NAME = "manifest.toml"

#: how the cells of a unit where a layer has no data count (a layer entry's ``gap_policy``):
#: ``leave_out``: in no service that reads the layer; ``fill_type_mean``: each as the
#: region's mean quantity per cell of its ecosystem type, service by service
GapPolicy = Literal["leave_out", "fill_type_mean"]
GAP_POLICIES: tuple[str, ...] = get_args(GapPolicy)


def sha256_file(path: Path, chunk_bytes: int = 1 << 20, *, role: Role = None) -> str:
    """SHA-256 hex digest of a file, read in chunks. A file that cannot be read (no
    permission, a failing disk) raises its :class:`~ganpo.errors.InputFileError`."""
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            while block := fh.read(chunk_bytes):
                h.update(block)
    except OSError as exc:
        raise file_error(Path(path), role, exc) from exc
    return h.hexdigest()


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    source: str
    #: the source in Chinese, which the Chinese report prints (none: it prints ``source``)
    source_zh: str | None = None
    synthetic: bool
    sha256: str = ""


class UnitsEntry(_Entry):
    """Administrative units: a GeoPackage layer of polygons of the finest level the account
    runs at (:mod:`ganpo.io.units`).

    ``level = "county"`` (default): one polygon per county with ``county_adcode``,
    ``county_name``, ``city_adcode``, ``city_name``, ``province_adcode``,
    ``province_name``. A finer ``level`` (township, village, unit): polygons with
    ``unit_code``, ``unit_name`` and ``parent_code``; ``parents`` names the layers of the
    same file that hold their parents, finest first (e.g. ``["townships", "counties"]``
    for villages), the last one may be a county layer; parents not found there are looked
    up in ganpo's built-in county boundaries. ``repair`` declares how boundary problems
    are accepted (:data:`ganpo.io.roles.BOUNDARY_REPAIRS`); each one applied becomes a
    decision of the account."""

    layer: str = "counties"
    level: UnitLevel = "county"
    parents: list[str] = Field(default_factory=list)
    repair: list[BoundaryRepair] = Field(default_factory=list)


class LayerEntry(_Entry):
    """A raster layer: ``role`` from :data:`ganpo.io.roles.LAYER_ROLES`.

    ``year`` is the year the layer is of (none: a timeless layer, or one whose year is not
    known). A layer serves an account of its own year; of another year only when its
    role is timeless (``per_year = False``: elevation, soil properties) or when the entry
    lists that year in ``serves_years`` (the account records the decision).

    ``resampling`` (one of :data:`ganpo.io.roles.RESAMPLING_METHODS`) allows the engine to
    warp the layer onto the dataset's grid (the ecosystem map's) when it is on another
    one: another CRS, cell size or extent. Without it such a layer is refused.

    The ecosystem map (role ``ecosystem_type``) may instead be a land layer in another
    classification, turned into ganpo's codes by a crosswalk
    (:mod:`ganpo.io.landcover`): ``scheme`` names it (``sandiao``, ``clcd``,
    ``globeland30``, ``worldcover``; ``ganpo`` or none: ganpo's codes); the file is a
    raster or polygons (GeoPackage, Shapefile …) whose ``code_column`` (三调: ``DLBM``)
    holds the codes, in layer ``vector_layer`` of the file. Polygons, and a raster to be
    put on another grid, need ``cell_size`` [units of the CRS, m] and optionally
    ``grid_crs`` (default: China Albers equal-area); a raster is then resampled by its
    ``resampling`` (``nearest`` or ``mode``, default nearest).

    ``gap_policy`` (one of :data:`GAP_POLICIES`) says how cells without data count when
    the layer covers less of a unit than the profile's ``coverage_min``; without it such
    a layer is refused. ``accept_unusual`` is the written reason why a layer whose median
    lies outside its role's typical band is right (else it is refused as a likely unit
    error)."""

    role: str
    unit: str
    year: int | None = None
    serves_years: list[int] | None = None
    resampling: ResamplingMethod | None = None
    scheme: LandScheme | None = None
    code_column: str | None = None
    vector_layer: str | None = None
    cell_size: float | None = Field(default=None, gt=0)
    grid_crs: str | None = None
    gap_policy: GapPolicy | None = None
    accept_unusual: str | None = None

    @model_validator(mode="after")
    def _land_fields(self) -> LayerEntry:
        land = ("scheme", "code_column", "vector_layer", "cell_size", "grid_crs")
        given = [f for f in land if getattr(self, f) is not None]
        if given and self.role != "ecosystem_type":
            spec = LAYER_ROLES.get(self.role)
            raise BilingualValueError(
                f"{', '.join(given)} only apply to the ecosystem map (role ecosystem_type), "
                f"not to a {self.role} layer",
                f"{'、'.join(given)} 只适用于生态系统类型图（role ecosystem_type），不适用于"
                f"{spec.name_zh if spec else ''}图层 {self.role}；请从该条目中删除",
            )
        if (
            self.role == "ecosystem_type"
            and self.cell_size is not None
            and self.resampling not in (None, "nearest", "mode")
        ):
            raise BilingualValueError(
                f"the ecosystem map holds classes: resample it by nearest or mode, not "
                f"{self.resampling}",
                "生态系统类型图存放的是类别：请用 nearest 或 mode 重采样，不能用 "
                f"{self.resampling}",
            )
        return self

    @field_validator("accept_unusual")
    @classmethod
    def _reason_given(cls, reason: str | None) -> str | None:
        if reason is not None and not reason.strip():
            raise BilingualValueError(
                "accept_unusual needs the reason why the layer's values are right, in words",
                "accept_unusual 须用文字写明该图层数值无误的理由",
            )
        return reason

    def serves(self, year: int) -> bool:
        """Whether the entry is of ``year`` or declares it serves ``year``."""
        return self.year == year or year in (self.serves_years or ())


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
    """A statistics table (CSV, UTF-8): ``role`` from :data:`TABLE_ROLES`, of ``year``;
    ``serves_years`` lists other years it may serve (the account records the decision).

    ``level`` is the level of its rows: ``county`` (default; keyed by ``county_adcode``)
    or the level of the dataset's units (keyed by ``unit_code``), when a department
    gives the table per township or village. ``overrides`` (written by the platform's
    approved dataset) are the reviewed explanations of its soft findings."""

    role: str
    year: int
    columns: dict[str, str]
    level: UnitLevel = "county"
    serves_years: list[int] | None = None
    overrides: list[TableOverride] | None = None

    def serves(self, year: int) -> bool:
        """Whether the table is of ``year`` or declares it serves ``year``."""
        return self.year == year or year in (self.serves_years or ())


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
                raise BilingualValueError(
                    f"layer {layer.path}: unknown role {layer.role!r}; "
                    f"valid roles: {', '.join(sorted(LAYER_ROLES))}",
                    f"图层 {layer.path}：未知的图层角色 {layer.role!r}；可用的角色："
                    f"{'、'.join(sorted(LAYER_ROLES))}",
                )
        for table in self.tables:
            if table.role not in TABLE_ROLES:
                raise BilingualValueError(
                    f"table {table.path}: unknown role {table.role!r}; "
                    f"valid roles: {', '.join(sorted(TABLE_ROLES))}",
                    f"统计表 {table.path}：未知的统计表角色 {table.role!r}；可用的角色："
                    f"{'、'.join(sorted(TABLE_ROLES))}",
                )
            if table.level not in ("county", self.units.level):
                raise BilingualValueError(
                    f"table {table.path}: level {table.level!r}; a table is given per county "
                    f'(level = "county") or per unit of the dataset\'s level '
                    f'(level = "{self.units.level}")',
                    f"统计表 {table.path}：层级 {table.level!r} 不可用；统计表按县给出"
                    f'（level = "county"），或按数据集行政区的层级给出'
                    f'（level = "{self.units.level}"）',
                )
        return self

    @model_validator(mode="after")
    def _one_entry_per_role_and_year(self) -> Manifest:
        """Two entries of one role and year would leave the account to read the first and
        ignore the other without a word: refused, naming the files."""
        twice: list[str] = []
        twice_zh: list[str] = []
        for kind, entries in (("layers", self.layers), ("tables", self.tables)):
            paths: dict[tuple[str, int | None], list[str]] = {}
            for e in entries:
                paths.setdefault((e.role, e.year), []).append(e.path)
            for (role, year), p in paths.items():
                if len(p) < 2:
                    continue
                twice.append(
                    f"{len(p)} [[{kind}]] entries of role {role!r} for "
                    f"{'no year' if year is None else year}: {', '.join(p)}"
                )
                twice_zh.append(
                    f"角色 {role!r} "
                    + ("未注明年份" if year is None else f"{year} 年")
                    + f"有 {len(p)} 个 [[{kind}]] 条目：{'、'.join(p)}"
                )
        if twice:
            raise BilingualValueError(
                "; ".join(twice) + "; an account reads one file per role and year: keep one "
                "entry, or give each its own year",
                "；".join(twice_zh) + "；核算对每个角色每年只读一个文件：请只保留一个条目，"
                "或为每个条目写明各自的年份",
            )
        return self

    def layer(self, role: str, year: int) -> LayerEntry | None:
        """The layer of ``role`` for ``year``: the entry of that year, else one that
        declares it serves that year, else a year-less one, else (a timeless role only)
        the entry of the nearest year. Whether a year-less layer of a role that changes
        from year to year may serve is the engine's rule
        (:mod:`ganpo.engine.stages.select`)."""
        of_role = [x for x in self.layers if x.role == role]
        for found in (
            [x for x in of_role if x.year == year],
            [x for x in of_role if x.serves(year)],
            [x for x in of_role if x.year is None],
        ):
            if found:
                return found[0]
        if of_role and not LAYER_ROLES[role].per_year:
            return min(of_role, key=lambda x: (abs((x.year or year) - year), x.year or 0))
        return None

    def table(self, role: str, year: int) -> TableEntry | None:
        """The table of ``role`` for ``year``: the table of that year, else one that
        declares it serves that year."""
        of_role = [t for t in self.tables if t.role == role]
        found = [t for t in of_role if t.year == year] or [t for t in of_role if t.serves(year)]
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
            en="manifest not found; give the path of a dataset's manifest.toml "
            "(`ganpo demo` writes one for the demo data)",
            zh="找不到数据清单；请给出数据集的 "
            "manifest.toml 的路径（`ganpo demo` 会为演示数据写出一份）",
            source=path,
        )
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(
            en=f"not a valid UTF-8 TOML file: {exc}",
            zh="数据清单不是有效的 UTF-8 编码 TOML 文件"
            f"（{_where_zh(exc)}）；请以 UTF-8 编码保存，并按 TOML 语法改正",
            source=path,
        ) from exc
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        problems, problems_zh = validation_problems(exc.errors(), "manifest")
        raise ManifestError(
            en=f"invalid manifest: {problems}",
            zh=f"数据清单无效：{problems_zh}。请按所指字段改正数据清单",
            source=path,
        ) from exc
    dataset = Dataset(
        manifest=manifest,
        root=path.parent.resolve(),
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
    )
    if verify:
        verify_files(dataset, manifest_path=path)
    return dataset


def _where_zh(exc: UnicodeDecodeError | tomllib.TOMLDecodeError) -> str:
    """Where a manifest fails to decode or parse, in Chinese (the English says it in
    ``exc``'s own words)."""
    if isinstance(exc, UnicodeDecodeError):
        return f"第 {exc.start + 1} 个字节起不是 UTF-8 编码"
    at = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    if at:
        return f"第 {at[1]} 行第 {at[2]} 列有语法错误"
    return "文件末尾有语法错误" if "end of document" in str(exc) else "有语法错误"


def verify_files(dataset: Dataset, *, manifest_path: Path) -> None:
    """Check that every listed file exists and has the recorded checksum."""
    missing = [e.path for e in dataset.manifest.entries() if not dataset.path(e).exists()]
    if missing:
        raise ManifestError(
            en=f"files listed in the manifest are missing: {preview(missing)}; "
            "restore them or remove their entries from the manifest",
            zh="数据清单所列的文件缺失："
            f"{preview_zh(missing)}；请恢复这些文件，或从数据清单中删除其条目",
            source=manifest_path,
            field="path",
            values=missing,
        )
    checked = [e for e in dataset.manifest.entries() if e.sha256]
    # hashlib releases the GIL while it hashes: the files are read and hashed on two
    # threads (a 1.85·10⁸-cell dataset's layers took 0.5 s on one); the digests are
    # compared in the entries' order, so the first changed (or unreadable) file is still
    # the one named, whichever thread read it first
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = pool.map(
            lambda e: sha256_file(dataset.path(e), role=getattr(e, "role", "units")), checked
        )
        for entry, actual in zip(checked, digests, strict=True):
            if actual == entry.sha256:
                continue
            raise ManifestError(
                en=f"{entry.path} has changed since the manifest was written "
                f"(sha256 {actual[:12]}…, manifest says {entry.sha256[:12]}…); "
                "if the new file is intended, record its checksum in the manifest",
                zh=f"{entry.path} 在写出数据清单后被改动过（sha256 为 {actual[:12]}…，"
                f"数据清单记载为 {entry.sha256[:12]}…）；"
                "如果新文件无误，请在数据清单中记下它的校验值",
                source=manifest_path,
                field="sha256",
                values=[entry.path],
            )


def write_manifest(manifest: Manifest, folder: Path) -> Path:
    """Fill in the checksums of every listed file and write ``folder/manifest.toml``."""
    folder = Path(folder)
    for entry in manifest.entries():
        entry.sha256 = sha256_file(folder / entry.path)
    data = manifest.model_dump(mode="json", exclude_none=True)
    text = tomli_w.dumps(data)
    return atomic_write(folder / MANIFEST_NAME, lambda tmp: tmp.write_text(text, encoding="utf-8"))
