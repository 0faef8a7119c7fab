"""``ganpo data``: checks of a dataset's inputs before an account runs on them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ganpo.cli.common import console, err_console, user_errors
from ganpo.errors import InputError

app = typer.Typer(
    help="Check a dataset's inputs. 数据检查。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.command("check-units")
def check_units(
    path: Annotated[
        Path,
        typer.Argument(help="A dataset (folder or manifest.toml: its [units]) or a GeoPackage."),
    ],
    layer: Annotated[
        str | None, typer.Option(help="GeoPackage: the layer of units (default counties).")
    ] = None,
    level: Annotated[
        str, typer.Option(help="GeoPackage: county, township, village or unit.")
    ] = "county",
    parent: Annotated[
        list[str] | None,
        typer.Option(help="GeoPackage: a layer of parents, finest first (repeatable)."),
    ] = None,
    repair: Annotated[
        list[str] | None,
        typer.Option(help="GeoPackage: a declared repair, e.g. make_valid (repeatable)."),
    ] = None,
) -> None:
    """Check administrative boundaries: invalid polygons, overlaps, gaps, units outside
    their parent or with a parent missing, duplicated codes, a GCJ-02 datum offset.
    Prints every problem (exit code 1 if any) and the declared repairs applied.
    检查行政区边界：无效多边形、重叠、缝隙、超出上级、上级缺失、代码重复、GCJ-02 偏移。"""
    from ganpo.io.manifest import MANIFEST_NAME, load_manifest
    from ganpo.io.roles import BOUNDARY_REPAIRS
    from ganpo.io.units import inspect_units

    with user_errors():
        repairs: list[str]
        if path.is_dir() or path.suffix == ".toml":
            manifest = path / MANIFEST_NAME if path.is_dir() else path
            entry = load_manifest(manifest, verify=False).manifest.units
            file = manifest.parent / entry.path
            layer, level = entry.layer, entry.level
            parents, repairs = list(entry.parents), [str(r) for r in entry.repair]
        else:
            file, layer = path, layer or "counties"
            parents, repairs = list(parent or []), list(repair or [])
            unknown = sorted(set(repairs) - set(BOUNDARY_REPAIRS))
            if unknown:
                raise InputError(
                    en=f"unknown repair(s) {', '.join(unknown)}; "
                    f"valid: {', '.join(BOUNDARY_REPAIRS)}",
                    zh=f"未知的修复项 {'、'.join(unknown)}；"
                    f"可用的修复项：{'、'.join(BOUNDARY_REPAIRS)}",
                    field="repair",
                    values=unknown,
                )
        units, problems, decisions = inspect_units(
            file, layer, level=level, parents=parents, repair=repairs
        )
    counties = units.units["county_adcode"].nunique()
    console.print(
        f"{file} (layer {layer}): {len(units.units)} {level} unit(s) in {counties} county(ies); "
        f"county polygons from {units.counties_from} / {len(units.units)} 个单元，{counties} 个县"
    )
    for d in decisions:
        console.print(
            Text.assemble(("repair", "yellow"), f" {d.message_en} / {d.message_zh}"),
            highlight=False,
        )
    if not problems:
        console.print("no boundary problem / 边界检查通过", style="green")
        return
    for i, p in enumerate(problems, 1):
        err_console.print(
            Text.assemble((f"{i}.", "bold red"), f" {p.line()}"), highlight=False, soft_wrap=True
        )
    err_console.print(f"{len(problems)} boundary problem(s) / 边界问题 {len(problems)} 处")
    raise typer.Exit(code=1)


@app.command("gcj02-to-wgs84")
def gcj02_to_wgs84(
    source: Annotated[Path, typer.Argument(help="GeoPackage whose coordinates are GCJ-02.")],
    out: Annotated[Path, typer.Argument(help="GeoPackage to write, in WGS84.")],
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Convert every layer of a GeoPackage from GCJ-02 (Amap, Tencent and other Chinese
    web maps) to WGS84, keeping each layer's CRS and attributes.
    将 GeoPackage 各图层由 GCJ-02 转换为 WGS84。"""
    import geopandas as gpd
    import pyogrio

    from ganpo.io.datum import from_gcj02_frame
    from ganpo.io.outputs import writing

    with user_errors():
        if out.exists() and not force:
            raise InputError(
                en=f"{out} exists; choose another path or add --force",
                zh=f"{out} 已存在：请换一个路径，或加 --force 覆盖",
                source=out,
                field="out",
            )
        if not source.exists():
            raise InputError(
                en="no such file", zh=f"文件不存在：{source}，请检查路径", source=source
            )
        layers = [name for name, _ in pyogrio.list_layers(source)]
        with writing(out) as tmp:  # all layers or no file (a .gpkg temporary name)
            for name in layers:
                frame = gpd.read_file(source, layer=name)
                if frame.crs is None:
                    raise InputError(
                        en=f"layer {name!r} has no CRS; set the CRS it is in first",
                        zh=f"图层 {name!r} 没有坐标参考系（CRS）：请先设定其所用的坐标参考系",
                        source=source,
                        field="crs",
                    )
                from_gcj02_frame(frame).to_file(tmp, layer=name, driver="GPKG")
    console.print(f"written: {out} ({len(layers)} layer(s) converted from GCJ-02 to WGS84)")
