"""``ganpo account export`` and ``ganpo account seea``: tables and files for users."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ganpo.cli.common import (
    DEFAULT_DATABASE,
    DatabaseOption,
    account_argument,
    console,
    user_errors,
)
from ganpo.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("xlsx", "csv", "gpkg", "parquet", "cog")


def _refuse_existing(paths: list[Path], force: bool) -> None:
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise InputError(
            en=f"{', '.join(existing)} already exist(s); choose another path or add --force "
            "to overwrite",
            zh=f"{', '.join(existing)} 已存在：请换一个路径，或加 --force 覆盖",
            field="out",
            values=existing,
        )


def export(
    account_id: Annotated[int, account_argument("Account id (`ganpo account list`).")],
    out: Annotated[Path, typer.Option(help="Folder to write into.")],
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help=f"One or more of {', '.join(FORMATS)} (default all)."),
    ] = None,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Export a stored account: Excel, CSV, GeoPackage, GeoParquet. 导出核算结果。"""
    from ganpo.io.units import dataset_counties
    from ganpo.report import export as xl
    from ganpo.report import geo
    from ganpo.report.account_tables import account_frames, account_workbook
    from ganpo.store.repository import load_account, open_store, standing_mark

    formats = list(fmt or FORMATS)
    with user_errors():
        unknown = sorted(set(formats) - set(FORMATS))
        if unknown:
            raise InputError(
                en=f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}",
                zh=f"未知的格式 {'、'.join(unknown)}；可选的格式：{'、'.join(FORMATS)}",
                field="format",
            )
        stored = load_account(open_store(database), account_id)
        a = stored.account
        stem = f"{a.dataset_name}_{a.year}_account{a.id}"
        folders = {"csv": f"{stem}_csv", "cog": f"{stem}_rasters"}
        targets = {f: out / folders.get(f, f"{stem}.{f}") for f in formats}
        _refuse_existing(list(targets.values()), force)
        frames = account_frames(stored)
        written: list[Path] = []
        if "xlsx" in formats:
            sheets, notes = account_workbook(stored)
            written.append(xl.write_excel(sheets, targets["xlsx"], title=stem, notes=notes))
        if "csv" in formats:
            written += xl.write_csv(frames, targets["csv"])
        if {"gpkg", "parquet"} & set(formats):
            polygons = dataset_counties(Path(a.dataset_root))
            units = polygons.drop(columns="area_km2", errors="ignore").merge(
                stored.counties[["county_adcode", "area_km2"]], on="county_adcode"
            )
            frame = geo.county_results(stored.results, units)
            if "gpkg" in formats:
                written.append(geo.write_gpkg(frame, targets["gpkg"]))
            if "parquet" in formats:
                written.append(geo.write_geoparquet(frame, targets["parquet"]))
        if "cog" in formats:
            written += _copy_rasters(stored.rasters, targets["cog"])
    for p in written:
        console.print(f"written: {p}")
    if mark := standing_mark(a):
        console.print(mark, style="bold yellow", highlight=False)


def _copy_rasters(rasters: pd.DataFrame, folder: Path) -> list[Path]:
    """Copy the account's value rasters (COG), refusing any whose checksum changed."""
    from ganpo.io.manifest import sha256_file
    from ganpo.io.outputs import EXPORT, staged

    if rasters.empty:
        raise InputError(
            en="this account wrote no value rasters; run it with --rasters DIR to get them",
            zh="该核算未写出价值量栅格：请以 --rasters DIR 重新运行核算以得到栅格",
            field="format",
        )
    out = []
    with staged(folder, EXPORT) as stage:  # all or none: a full disk leaves no partial copy
        for row in rasters.itertuples(index=False):
            src = Path(str(row.path))
            if not src.exists() or sha256_file(src) != row.sha256:
                raise InputError(
                    en=f"{src}: value raster missing or changed since the account wrote it",
                    zh=f"{src}：价值量栅格缺失，或在核算写出后被改动：请重新运行该核算以重写栅格",
                    source=src,
                )
            shutil.copy2(src, stage(folder / src.name))
            out.append(folder / src.name)
    return out


def seea(
    account_a: Annotated[int, account_argument("Opening account id.")],
    account_b: Annotated[int, account_argument("Closing account id.")],
    out: Annotated[Path, typer.Option(help="Excel workbook to write.")],
    discount_rate: Annotated[float, typer.Option(help="Discount rate r [-].")] = 0.0277,
    horizon: Annotated[int, typer.Option(help="Horizon n [years].")] = 100,
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """SEEA-EA tables: extent, physical and monetary supply, asset account. SEEA 生态系统核算表。"""
    from ganpo.report import export as xl
    from ganpo.report import seea as tables
    from ganpo.store.repository import load_account, open_store, standing_mark

    with user_errors():
        _refuse_existing([out], force)
        store = open_store(database)
        a, b = load_account(store, account_a), load_account(store, account_b)
        if a.account.region_adcode != b.account.region_adcode:
            raise InputError(
                en=f"accounts {account_a} and {account_b} are of different regions "
                f"({a.account.region_adcode} and {b.account.region_adcode}); give the opening "
                "and closing accounts of one region",
                zh=f"核算 {account_a} 与 {account_b} 属于不同"
                f"地区（{a.account.region_adcode} 与 {b.account.region_adcode}）：请给出同一地区的"
                "期初与期末核算",
                field="region_adcode",
                values=[account_a, account_b],
            )
        assets = tables.asset_account(a.results, b.results, discount_rate, horizon)
        frames = {
            "extent": tables.extent_account(a.extent, b.extent),
            f"supply_physical_{b.account.year}": tables.supply_table(b.results, "quantity"),
            f"supply_monetary_{b.account.year}": tables.supply_table(b.results, "value_cny"),
            "asset_account": assets,
        }
        notes = [
            f"opening: account #{a.account.id} ({a.account.year}); closing: account "
            f"#{b.account.id} ({b.account.year})",
            assets.attrs["note"],
            *tables.NOTES,
        ]
        marks = [m for m in (standing_mark(a.account), standing_mark(b.account)) if m]
        path = xl.write_excel(frames, out, title="SEEA-EA tables", notes=[*marks, *notes])
    console.print(f"written: {path}")
    for m in marks:
        console.print(m, style="bold yellow", highlight=False)
