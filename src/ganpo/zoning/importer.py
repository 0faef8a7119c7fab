"""Import a province's published zoning layers (生态环境分区管控成果) into a ganpo zoning
dataset folder, through a mapping file.

Provinces publish the control units as a GIS layer (shapefile, GeoPackage or GeoJSON, any
CRS; shapefiles often with GBK attributes and no ``.cpg``) and the requirement list
(生态环境准入清单) as an Excel or CSV table with Chinese headers. Their column names vary,
so a small TOML mapping says which source column is what:

* ``[dataset]``: ``region`` (adcode), ``title_zh``, ``title_en``, ``source`` (the
  publication), optional ``version`` (the year; the command line may give it) and the
  tolerances of :mod:`ganpo.zoning.units`;
* ``[units]``: the columns ``code``, ``name``, ``category`` and optionally ``county`` (else
  the county is digits 3–8 of the code), ``encoding`` and ``crs`` (for a layer that lacks
  them), and ``[units.categories]``: each published category value → ``priority``,
  ``key`` or ``general`` (e.g. 优先保护单元 → priority);
* ``[redlines]`` (optional): the red-line layer's ``code`` and ``name`` columns;
* ``[requirements]``: ``scope`` (the column with the unit code, category or adcode a row is
  for) and either ``[requirements.dimensions]`` (a *wide* table, the usual published
  layout: one row per unit, one column per dimension, e.g. 空间布局约束 →
  spatial_layout) or ``dimension`` and ``text`` columns (a *long* table: one row per
  clause). ``[requirements.scopes]`` maps other scope values (全省, 生态保护红线) to
  ``region:<adcode>`` or ``redline``; ``[[requirements.rules]]`` are keyword rules.

Clauses. A cell may hold several numbered clauses (``1.``, ``1、``, ``（1）`` at the start
or after 。；or a line break); with ``split_numbered`` (the default) each becomes a clause.
Every clause's effect is ``judgement`` (a person applies the free text) unless a keyword
rule matches: a rule gives the words that must all occur (``contains``), the ``effect``
and the GB/T 4754 ``industries`` it covers. The first matching rule wins. A rule without
industries covers every project, so a prohibiting rule should name industries. The
clauses have no English text: ``text_en`` says that they are published in Chinese only.

Scope values are resolved in this order: ``[requirements.scopes]``; a unit code (``ZH`` +
11 digits) → ``unit:``; a value of ``[units.categories]`` → ``category:``; a 6-digit
adcode → ``region:``. Cells in ``empty_values`` (``/``, ``无``, ``—`` …) hold no clause.

Every problem of the mapping is reported at once (the missing columns, with those the
file has); then every problem of the rows (unmapped category values with their features,
unresolved scopes with their rows); then the written dataset is validated by
:func:`ganpo.zoning.units.read_zoning` (codes, overlaps, coverage…), every problem at once.
The dataset is written into a temporary folder beside the target and moved into place
only when valid, so nothing half-written is left.

A shapefile's rings are told apart by where they lie, not by their winding order (which
published files do not always respect). Each polygon must be valid in its layer's own CRS
(else it is the publisher's to repair, and reported). The layers are written in the
equal-area CRS of :mod:`ganpo.io.regions`. A polygon that reprojection makes invalid —
rings that nearly touch can cross — is repaired when the repair changes its area by no
more than the overlap tolerance, and listed in :attr:`ImportResult.repaired`; any other
invalid polygon is left to the validation, which refuses it.

Simplification: the layers are otherwise taken as published; units that a province splits
into several features with the same code are reported as duplicate codes, not dissolved.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ganpo.errors import InputError, halves_of
from ganpo.zoning.mapping import ImportMapping, RedlinesMap, Rule, UnitsMap
from ganpo.zoning.units import (
    CATEGORIES,
    CODE_PATTERN,
    DATASET_FILE,
    DIMENSIONS,
    ZoningDataset,
    _check_coordinates,
    read_zoning,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

#: the Chinese and English names of the dimensions, accepted in a long table's column
_DIMENSION_VALUES: dict[str, str] = {
    **{zh: key for key, (zh, _) in DIMENSIONS.items()},
    **{key: key for key in DIMENSIONS},
}
#: numbered items: "1." "1、" "1．" "（1）" "(1)" at the start or after 。；; or a line break
_ITEM = re.compile(r"(?:^|(?<=[。；;\n]))\s*(?:\d{1,2}\s*[.、．](?!\d)|[（(]\d{1,2}[）)])\s*")
_ABBREV = {
    "spatial_layout": "SL",
    "pollutant_discharge": "PD",
    "environmental_risk": "ER",
    "resource_efficiency": "RE",
}


@dataclass
class ImportResult:
    """The imported and validated dataset, where it was written, and counts."""

    folder: Path
    dataset: ZoningDataset
    clauses_by_effect: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None
    #: units whose polygon was invalid only by rounding, repaired: (code, area change m²)
    repaired: list[tuple[str, float]] = field(default_factory=list)


@contextmanager
def _rings_by_geometry() -> Iterator[None]:
    """Let GDAL tell a shapefile's outer rings from its holes by where they lie, not by their
    winding order: published shapefiles do not always wind them as the format says, and a
    valid unit would then read as a hole outside its shell."""
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_ORGANIZE_POLYGONS")
    pyogrio.set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": "DEFAULT"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_ORGANIZE_POLYGONS": before})


def _read_vector(
    path: Path, encoding: str | None, crs: str | None, what: str
) -> tuple[gpd.GeoDataFrame, str | None]:
    """A layer, its attributes decoded: the mapping's encoding if given; else the ``.cpg``
    of a shapefile if there is one; else UTF-8 when the text is valid UTF-8, GB 18030
    otherwise (GBK is a subset). Returns the layer and the encoding used (``None``: the
    driver's own)."""
    import geopandas as gpd

    if not path.is_file():
        raise InputError(
            en=f"the {what} layer does not exist; check the path",
            zh="图层文件不存在",
            source=path.name,
        )
    tries: list[str | None]
    if encoding:
        tries = [encoding]
    elif path.suffix.lower() == ".shp" and not path.with_suffix(".cpg").is_file():
        tries = ["utf-8", "gb18030"]
    else:
        tries = [None]
    layer = None
    used: str | None = None
    for enc in tries:
        try:
            with _rings_by_geometry():
                layer = gpd.read_file(path, **({"encoding": enc} if enc else {}))
            used = enc
            break
        except UnicodeDecodeError:
            continue
        except Exception as exc:  # pyogrio raises several kinds for a broken file
            raise InputError(
                en=f"cannot read the {what} layer: {exc}", zh="图层无法读取", source=path.name
            ) from exc
    if layer is None and encoding:
        raise InputError(
            en=f"the {what} layer's attributes are not {encoding} as the mapping's `encoding` "
            "says; give the encoding they are in (e.g. gbk), or none to let ganpo tell UTF-8 "
            "from GBK",
            zh=f"图层属性编码不是映射中 encoding 所给的 {encoding}，请更正或删去 encoding",
            source=path.name,
            field="encoding",
            values=[encoding],
        )
    if layer is None:
        raise InputError(
            en=f"the {what} layer's attributes are neither UTF-8 nor GBK; give `encoding` in the "
            "mapping",
            zh="图层属性编码无法识别",
            source=path.name,
            field="encoding",
        )
    if layer.empty:
        raise InputError(
            en=f"the {what} layer holds no feature; give the published layer with its features",
            zh="图层中没有要素，请给出发布的图层",
            source=path.name,
        )
    if layer.crs is None:
        if not crs:
            raise InputError(
                en=f"the {what} layer has no coordinate reference system (no .prj); give `crs` "
                "in the mapping, e.g. EPSG:4490 for CGCS2000 longitude/latitude",
                zh="图层缺少坐标系，请在映射中给出 crs",
                source=path.name,
                field="crs",
            )
        layer = layer.set_crs(crs)
    _check_coordinates(layer, path.name, what)
    return layer, used


def _missing_columns(
    have: list[str], wanted: dict[str, str | None], source: str
) -> list[tuple[str, str]]:
    """(column, message) for each mapped column that the file lacks."""
    return [
        (
            col,
            f"{source}: column {col!r} (mapped as {role}) is not in the file; its columns are "
            f"{', '.join(repr(c) for c in have)}",
        )
        for role, col in wanted.items()
        if col is not None and col not in have
    ]


def _text(value: object) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(numbers: list[int], label: str = "row") -> str:
    shown = ", ".join(str(n) for n in numbers[:10]) + (" …" if len(numbers) > 10 else "")
    return f"{label}{'s' if len(numbers) > 1 else ''} {shown}"


def _units(
    layer: gpd.GeoDataFrame, m: UnitsMap, source: str, problems: list[str]
) -> gpd.GeoDataFrame:
    import geopandas as gpd

    unmapped: dict[str, list[int]] = defaultdict(list)
    rows: list[dict[str, object]] = []
    for i, (_, r) in enumerate(layer.iterrows(), start=1):
        code = _text(r[m.code])
        raw_cat = _text(r[m.category])
        cat = m.categories.get(raw_cat)
        if cat is None:
            unmapped[raw_cat].append(i)
        if m.county is not None:
            county_text = _text(r[m.county])
        else:
            match = CODE_PATTERN.match(code)
            county_text = match.group(1) if match else ""
        if not county_text.isdigit():
            if m.county is not None:
                problems.append(
                    f"{source}: feature {i}, column {m.county!r}: county {county_text!r} is not "
                    "an adcode"
                )
            county_text = "0"  # the code's form is reported by read_zoning
        name = _text(r[m.name])
        if not name:
            problems.append(
                f"{source}: feature {i} ({code}), column {m.name!r}: the unit's name is empty; "
                "give the published name"
            )
        _check_published_geometry(r.geometry, f"{source}: feature {i} ({code})", problems)
        rows.append(
            {
                "code": code,
                "name": name,
                "category": cat or raw_cat,
                "county_adcode": int(county_text),
                "geometry": r.geometry,
            }
        )
    for value, feats in unmapped.items():
        problems.append(
            f"{source}: category value {value!r} ({_rows(feats, 'feature')}) is not in "
            f"[units.categories] of the mapping; map it to priority, key or general"
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=layer.crs)


def _check_redlines(
    redlines: gpd.GeoDataFrame, m: RedlinesMap, source: str, problems: list[str]
) -> None:
    """Each red line has a code of its own, a name and a valid polygon."""
    seen: dict[str, int] = {}
    for i, (code, name, geom) in enumerate(
        zip(redlines["code"], redlines["name"], redlines.geometry, strict=True), start=1
    ):
        if not code:
            problems.append(
                f"{source}: feature {i}, column {m.code!r}: the red line's code is empty; give "
                "the published code"
            )
        elif code in seen:
            problems.append(
                f"{source}: red-line code {code} is given twice (features {seen[code]} and {i}); "
                "give each red line its own code, or merge its features in a GIS"
            )
        else:
            seen[code] = i
        if not name:
            problems.append(
                f"{source}: feature {i} ({code}), column {m.name!r}: the red line's name is "
                "empty; give the published name"
            )
        _check_published_geometry(geom, f"{source}: feature {i} ({code})", problems)


def _check_published_geometry(geom: BaseGeometry | None, where: str, problems: list[str]) -> None:
    """A polygon must be valid in the layer's own CRS: an invalid one is the publisher's to
    repair (what reprojection alone breaks is repaired by :func:`_repair`)."""
    from shapely.geometry.base import BaseGeometry
    from shapely.validation import explain_validity

    if not isinstance(geom, BaseGeometry) or geom.is_empty:  # None, or NaN from a shapefile
        problems.append(f"{where}: no geometry")
    elif geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(
            f"{where}: a {geom.geom_type}, not a polygon; give the layer of the areas' polygons"
        )
    elif not geom.is_valid:
        problems.append(
            f"{where}: the published polygon is invalid in its own CRS "
            f"({explain_validity(geom)}); repair it in a GIS"
        )


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    from shapely import MultiPolygon, Polygon, make_valid

    fixed = make_valid(geom)
    if isinstance(fixed, Polygon | MultiPolygon):
        return fixed
    parts = [
        p
        for g in getattr(fixed, "geoms", [fixed])
        for p in (g.geoms if isinstance(g, MultiPolygon) else [g])
        if isinstance(p, Polygon)
    ]
    return MultiPolygon(parts)


def _repair(
    units: gpd.GeoDataFrame, tolerance_m2: float
) -> tuple[gpd.GeoDataFrame, list[tuple[str, float]]]:
    """The units in the equal-area CRS, a polygon that is invalid only by the rounding of
    its coordinates (its repair changes its area by at most ``tolerance_m2``, the overlap
    tolerance) repaired; other invalid polygons are left for the validation to refuse.
    (Reprojecting a polygon whose rings nearly touch can make it self-intersect.)"""
    from ganpo.io.regions import CHINA_ALBERS

    units = units.to_crs(CHINA_ALBERS)
    repaired: list[tuple[str, float]] = []
    geoms = list(units.geometry)
    for i, g in enumerate(geoms):
        if not hasattr(g, "is_valid") or g.is_empty or g.is_valid:
            continue
        fixed = _polygonal(g)
        change = fixed.area - g.area
        if not fixed.is_empty and abs(change) <= tolerance_m2:
            geoms[i] = fixed
            repaired.append((str(units["code"].iloc[i]), change))
    return units.set_geometry(geoms, crs=CHINA_ALBERS), repaired


def split_clauses(text: str) -> list[str]:
    """A cell's numbered clauses, each without its number (one clause if unnumbered).

    >>> split_clauses("1.禁止新建化工项目。2.限制高耗水产业；（3）其他")
    ['禁止新建化工项目。', '限制高耗水产业；', '其他']
    >>> split_clauses("执行1.5倍标准")
    ['执行1.5倍标准']
    """
    parts = [p.strip() for p in _ITEM.split(text)]
    return [p for p in parts if p] or ([text.strip()] if text.strip() else [])


def _scope(value: str, mapping: ImportMapping) -> str | None:
    req = mapping.requirements
    if value in req.scopes:
        return req.scopes[value]
    if CODE_PATTERN.match(value):
        return f"unit:{value}"
    if value in mapping.units.categories:
        return f"category:{mapping.units.categories[value]}"
    if value in CATEGORIES:
        return f"category:{value}"
    if re.fullmatch(r"\d{6}", value):
        return f"region:{value}"
    return None


def _effect(text: str, rules: list[Rule]) -> tuple[str, list[str]]:
    for rule in rules:
        if all(word in text for word in rule.contains):
            return rule.effect, list(rule.industries)
    return "judgement", []


def _clauses(
    frame: pd.DataFrame, mapping: ImportMapping, source: str, problems: list[str]
) -> list[dict[str, object]]:
    req = mapping.requirements
    unresolved: dict[str, list[int]] = defaultdict(list)
    bad_dims: dict[str, list[int]] = defaultdict(list)
    counters: dict[tuple[str, str], int] = defaultdict(int)
    out: list[dict[str, object]] = []
    empty = set(req.empty_values)
    columns = [c for c in (req.scope, req.dimension, req.text, *req.dimensions) if c is not None]
    seen: dict[tuple[str, ...], int] = {}
    for row_no, r in frame.iterrows():
        row = int(str(row_no))
        scope_value = _text(r[req.scope])
        cells_read = tuple(_text(r[c]) for c in columns)
        if any(t not in empty for t in cells_read[1:]):
            if cells_read in seen:
                problems.append(
                    f"{source}: row {row} repeats row {seen[cells_read]} (scope "
                    f"{scope_value!r} in column {req.scope!r}, the same clauses): its clauses "
                    "would be imported twice; delete the repeated row"
                )
                continue
            seen[cells_read] = row
        cells: list[tuple[str, str]] = []
        if req.dimensions:
            cells = [(dim, _text(r[col])) for col, dim in req.dimensions.items()]
        else:
            assert req.dimension is not None and req.text is not None  # read_mapping's check
            if _text(r[req.text]) in empty:
                continue
            dim_value = _text(r[req.dimension])
            dim = _DIMENSION_VALUES.get(dim_value)
            if dim is None:
                bad_dims[dim_value].append(row)
                continue
            cells = [(dim, _text(r[req.text]))]
        if all(t in empty for _, t in cells):
            continue
        scope = _scope(scope_value, mapping)
        if scope is None:
            unresolved[scope_value].append(row)
            continue
        for dim, text in cells:
            if text in empty:
                continue
            for clause in split_clauses(text) if req.split_numbered else [text]:
                key = (scope, dim)
                counters[key] += 1
                effect, industries = _effect(clause, req.rules)
                tag = scope.partition(":")[2] or scope
                dim_zh, dim_en = DIMENSIONS[dim]
                out.append(
                    {
                        "id": f"{tag}-{_ABBREV[dim]}-{counters[key]}",
                        "scope": scope,
                        "dimension": dim,
                        "effect": effect,
                        "industries": industries,
                        "text_zh": clause,
                        "text_en": f"{dim_en}: published in Chinese only (see the Chinese text)",
                        "source": f"{mapping.dataset.source}，{dim_zh}，第{row}行 (row {row})",
                    }
                )
    for value, rows in unresolved.items():
        problems.append(
            f"{source}: scope {value!r} in column {req.scope!r} ({_rows(rows)}) is not a unit "
            "code, a category of [units.categories] or a 6-digit adcode; map it in "
            "[requirements.scopes] (e.g. to region:360000 or redline)"
        )
    for value, rows in bad_dims.items():
        problems.append(
            f"{source}: dimension {value!r} in column {req.dimension!r} ({_rows(rows)}) is not "
            f"one of {', '.join(zh for zh, _ in DIMENSIONS.values())}"
        )
    return out


def _write_dataset(
    folder: Path,
    units: gpd.GeoDataFrame,
    redlines: gpd.GeoDataFrame | None,
    clauses: list[dict[str, object]],
    mapping: ImportMapping,
    version: int,
) -> None:
    import tomli_w

    folder.mkdir(parents=True)
    units.to_file(folder / "units.gpkg", driver="GPKG", layer="units")
    if redlines is not None:
        redlines.to_file(folder / "redlines.gpkg", driver="GPKG", layer="redlines")
    (folder / "requirements.toml").write_text(
        f"# imported by ganpo zoning import from: {mapping.dataset.source}\n"
        + tomli_w.dumps({"requirements": clauses}),
        encoding="utf-8",
    )
    d = mapping.dataset
    desc = {
        "title_zh": d.title_zh,
        "title_en": d.title_en,
        "region": d.region,
        "version": version,
        "synthetic": False,
        "source": d.source,
        "units": "units.gpkg",
        **({"redlines": "redlines.gpkg"} if redlines is not None else {}),
        "requirements": "requirements.toml",
        "overlap_tolerance_m2": d.overlap_tolerance_m2,
        "gap_tolerance_pct": d.gap_tolerance_pct,
    }
    (folder / DATASET_FILE).write_text(tomli_w.dumps(desc), encoding="utf-8")


def default_folder(root: Path, mapping: ImportMapping, version: int) -> Path:
    """Where a year's import goes by default: ``root/<region>-<year>``."""
    return root / f"{mapping.dataset.region}-{version}"


def import_zoning(
    units_path: Path,
    requirements_path: Path,
    mapping: ImportMapping,
    out: Path,
    *,
    redlines_path: Path | None = None,
    version: int | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import a province's published units layer, requirement table and (optional)
    red-line layer into the zoning dataset folder ``out`` and validate it; see the
    module's docstring. ``version`` (the year) overrides the mapping's. An existing
    ``out`` is refused unless ``replace``; it is replaced only by a valid dataset."""
    from ganpo.io.table_files import read_table_file

    year = version if version is not None else mapping.dataset.version
    if year is None or not 2000 <= year <= 2100:
        raise InputError(
            en="give the version year (--version, or `version` in [dataset] of the mapping), "
            "2000–2100",
            zh="请给出数据版本年份",
            field="version",
            values=[year],
        )
    if out.exists() and not replace:
        raise InputError(
            en=f"the folder {out.name!r} exists already; choose another --out, or --replace it",
            zh="目标文件夹已存在",
            source=out.name,
            field="out",
        )
    m = mapping
    layer, encoding = _read_vector(units_path, m.units.encoding, m.units.crs, "units")
    red_layer = None
    if redlines_path is not None:
        if m.redlines is None:
            raise InputError(
                en="a red-line layer is given but the mapping has no [redlines] table with its "
                "code and name columns",
                zh="映射文件缺少生态保护红线字段",
                field="redlines",
            )
        red_layer, _ = _read_vector(redlines_path, m.redlines.encoding, m.redlines.crs, "red lines")
    table = read_table_file(requirements_path, sheet=m.requirements.sheet).to_frame()
    req = m.requirements
    missing = _missing_columns(
        [str(c) for c in layer.columns if c != layer.geometry.name],
        {
            "units.code": m.units.code,
            "units.name": m.units.name,
            "units.category": m.units.category,
            "units.county": m.units.county,
        },
        units_path.name,
    )
    if red_layer is not None and m.redlines is not None:
        missing += _missing_columns(
            [str(c) for c in red_layer.columns if c != red_layer.geometry.name],
            {"redlines.code": m.redlines.code, "redlines.name": m.redlines.name},
            redlines_path.name if redlines_path else "",
        )
    wanted: dict[str, str | None] = {
        "requirements.scope": req.scope,
        "requirements.dimension": req.dimension,
        "requirements.text": req.text,
    }
    wanted.update({f"requirements.dimensions ({dim})": col for col, dim in req.dimensions.items()})
    missing += _missing_columns(list(table.data.columns), wanted, requirements_path.name)
    if missing:
        raise InputError(
            en=f"the mapping names columns the files lack: {'; '.join(msg for _, msg in missing)}",
            zh="映射文件中的字段在源文件中不存在",
            source=m.source,
            field=missing[0][0],
            values=[c for c, _ in missing],
        )
    problems = [f"{requirements_path.name}: {p}" for p in table.problems]
    units, repaired = _repair(
        _units(layer, m.units, units_path.name, problems), m.dataset.overlap_tolerance_m2
    )
    redlines = None
    if red_layer is not None and m.redlines is not None:
        redlines = red_layer.rename(columns={m.redlines.code: "code", m.redlines.name: "name"})[
            ["code", "name", red_layer.geometry.name]
        ]
        redlines["code"] = [_text(v) for v in redlines["code"]]
        redlines["name"] = [_text(v) for v in redlines["name"]]
        _check_redlines(redlines, m.redlines, redlines_path.name if redlines_path else "", problems)
        redlines, fixed = _repair(redlines, m.dataset.overlap_tolerance_m2)
        repaired += fixed
    clauses = _clauses(table.data, m, requirements_path.name, problems)
    if not clauses and not problems:
        problems.append(
            f"{requirements_path.name}: the requirement list holds no clause (no row, or only "
            f"empty cells and {', '.join(repr(v) for v in req.empty_values)}); give the "
            "published list"
        )
    if problems:
        shown = "; ".join(problems[:12]) + (
            f"; … {len(problems) - 12} more" if len(problems) > 12 else ""
        )
        raise InputError(
            en=f"{len(problems)} problem(s) in the published files: {shown}",
            zh="源数据有误，"
            f"共 {len(problems)} 处（见上文所列文件、要素或行及其值），未写入任何数据",
            source=units_path.name,
            values=problems,
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        staged = tmp / out.name
        _write_dataset(staged, units, redlines, clauses, m, year)
        try:
            read_zoning(staged)  # every problem at once; nothing is moved into place then
        except InputError as exc:
            found = halves_of(exc)[0]
            raise InputError(
                en=f"the dataset imported from {units_path.name} and {requirements_path.name} is "
                f"not valid (features counted from 0): {found}; correct the published files or "
                "the mapping",
                zh=f"由 {units_path.name} 和 {requirements_path.name} 导入的数据集"
                "未通过校验（见上文），未写入任何数据",
                source=units_path.name,
                field=exc.field,
                values=exc.values,
            ) from exc
        if out.exists():
            shutil.rmtree(out)
        staged.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    dataset = read_zoning(out)
    by_effect: dict[str, int] = defaultdict(int)
    for c in clauses:
        by_effect[str(c["effect"])] += 1
    return ImportResult(out, dataset, dict(by_effect), encoding, repaired)
