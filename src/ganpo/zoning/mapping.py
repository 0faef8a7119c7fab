"""The mapping file of ``ganpo zoning import``: which column of a province's published
units layer, red-line layer and requirement table is which of ganpo's, how the published
category values map, and the keyword rules of the clauses (see
:mod:`ganpo.zoning.importer` and docs/zoning.md). Shipped mappings are catalog data
(``catalog/data/zoning/import-<name>.toml``), usable by name."""

from __future__ import annotations

import codecs
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from ganpo.errors import InputError
from ganpo.zoning.units import Effect

Category = Literal["priority", "key", "general"]
Dimension = Literal[
    "spatial_layout", "pollutant_discharge", "environmental_risk", "resource_efficiency"
]
#: shipped mappings (catalog data), usable by name with ``--mapping``
MAPPINGS_KIND = "zoning"
MAPPING_PREFIX = "import-"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Layer(_Strict):
    """What a layer's mapping shares: its attribute encoding and CRS, for a file without
    them (both checked when the mapping is read)."""

    encoding: str | None = None
    crs: str | None = None

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}; use e.g. gbk or utf-8") from None
        return value

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        if value is not None:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                CRS.from_user_input(value)
            except CRSError:
                raise ValueError(f"unknown CRS {value!r}; use e.g. EPSG:4490 (CGCS2000)") from None
        return value


class DatasetMap(_Strict):
    region: int
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    source: str = Field(min_length=1)
    version: int | None = Field(default=None, ge=2000, le=2100)
    overlap_tolerance_m2: float = Field(default=100.0, ge=0)
    gap_tolerance_pct: float = Field(default=0.5, ge=0, le=100)


class UnitsMap(_Layer):
    code: str
    name: str
    category: str
    county: str | None = None
    categories: dict[str, Category] = Field(min_length=1)


class RedlinesMap(_Layer):
    code: str
    name: str


class Rule(_Strict):
    contains: list[str] = Field(min_length=1)
    effect: Effect
    industries: list[str] = Field(default_factory=list)


class RequirementsMap(_Strict):
    scope: str
    dimensions: dict[str, Dimension] = Field(default_factory=dict)
    dimension: str | None = None
    text: str | None = None
    sheet: str | None = None
    scopes: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    split_numbered: bool = True
    empty_values: list[str] = Field(default_factory=lambda: ["", "/", "无", "—", "-", "——"])


class ImportMapping(_Strict):
    """The mapping file of :func:`import_zoning` (see the module's docstring)."""

    dataset: DatasetMap
    units: UnitsMap
    redlines: RedlinesMap | None = None
    requirements: RequirementsMap
    #: the mapping file's name, for messages (set by :func:`read_mapping`)
    _source: str = PrivateAttr(default="mapping")

    @property
    def source(self) -> str:
        """The name of the file the mapping was read from (``mapping`` when built in code)."""
        return self._source


def shipped_mapping(name: str) -> Path:
    """The path of a shipped mapping (``jiangxi`` → ``import-jiangxi.toml``)."""
    from ganpo.catalog.files import data_dir

    return data_dir(MAPPINGS_KIND) / f"{MAPPING_PREFIX}{name}.toml"


def read_mapping(path: Path | str) -> ImportMapping:
    """Read a mapping file, or a shipped mapping by name; every field problem at once."""
    from ganpo.catalog.files import data_dir

    path = Path(path)
    if not path.is_file() and shipped_mapping(str(path)).is_file():
        path = shipped_mapping(str(path))
    if not path.is_file():
        names = sorted(
            p.stem.removeprefix(MAPPING_PREFIX)
            for p in data_dir(MAPPINGS_KIND).glob(f"{MAPPING_PREFIX}*.toml")
        )
        raise InputError(
            en=f"the mapping file does not exist; give a TOML file or a shipped mapping "
            f"({', '.join(names)})",
            zh="映射文件不存在",
            source=path.name,
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # a BOM, as Windows Notepad writes, is no problem
    except UnicodeDecodeError as exc:
        raise InputError(
            en=f"the mapping file is not UTF-8 (byte {data[exc.start]:#04x} at position "
            f"{exc.start}); save it as UTF-8 text",
            zh=f"映射文件须为 UTF-8 编码（第 {exc.start} 字节无法解码），请另存为 UTF-8",
            source=path.name,
            field="encoding",
            values=[f"{data[exc.start]:#04x}"],
        ) from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            en=f"cannot read the mapping: {exc}; correct the TOML there",
            zh=f"映射文件无法读取（TOML 语法错误：{exc}），请更正",
            source=path.name,
        ) from exc
    if not raw:
        raise InputError(
            en="the mapping file is empty; give its [dataset], [units] and [requirements] tables",
            zh="映射文件为空，请给出 [dataset]、[units] 和 [requirements]",
            source=path.name,
        )
    try:
        mapping = ImportMapping.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors()]
        raise InputError(
            en=f"the mapping is wrong: {'; '.join(problems)}",
            zh=f"映射文件有误：{'；'.join(problems)}",
            source=path.name,
            field=".".join(str(x) for x in exc.errors()[0]["loc"]),
            values=problems,
        ) from exc
    mapping._source = path.name
    region_problem = _region_problem(mapping.dataset.region)
    if region_problem:
        en, zh = region_problem
        raise InputError(
            en=en,
            zh=zh,
            source=path.name,
            field="dataset.region",
            values=[mapping.dataset.region],
        )
    req = mapping.requirements
    if bool(req.dimensions) == bool(req.dimension or req.text):
        raise InputError(
            en="[requirements] needs either a [requirements.dimensions] table (one column per "
            "dimension) or the `dimension` and `text` columns (one row per clause), not both",
            zh="准入清单映射须二选一：按维度分列，或维度列加条款列",
            source=path.name,
            field="requirements",
        )
    if (req.dimension is None) != (req.text is None):
        raise InputError(
            en="[requirements] gives only one of `dimension` and `text`; give both",
            zh="维度列与条款列须同时给出",
            source=path.name,
            field="requirements.text" if req.text is None else "requirements.dimension",
        )
    return mapping


def _problem(error: Any) -> str:
    """A field problem of the mapping: where, what, and the value given (a scalar)."""
    where = ".".join(str(x) for x in error["loc"])
    value = error.get("input")
    given = f" (given {value!r})" if isinstance(value, (bool, int, float, str)) else ""
    return f"{where}: {error['msg']}{given}"


def _region_problem(region: int) -> tuple[str, str] | None:
    """Why ``region`` is not the adcode of a province, city or county of the built-in
    tables, in English and Chinese (``None`` when it is one)."""
    from ganpo.io.regions import read_city_table, read_district_table

    codes: set[int] = set()
    for table, columns in (
        (read_city_table(), ("province_adcode", "city_adcode")),
        (read_district_table(), ("province_adcode", "city_adcode", "district_adcode")),
    ):
        for column in columns:
            codes.update(int(x) for x in table[column])
    if region in codes:
        return None
    return (
        f"region {region} of [dataset] is not the adcode of a province, city or county of the "
        "built-in district table; give e.g. 360000 (江西省) or 360500 (新余市)",
        f"[dataset] 的 region {region} 不是内置区划表中省、市或区县的行政区划代码："
        "请给出如 360000（江西省）或 360500（新余市）的代码",
    )
