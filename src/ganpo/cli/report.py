"""``ganpo account report``: the annual GEP report as PDF (and its Excel workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from ganpo.cli.common import DEFAULT_DATABASE, DatabaseOption, console, user_errors
from ganpo.cli.export import _refuse_existing, account_frames, account_notes
from ganpo.errors import InputError


def report(
    account_id: Annotated[int, typer.Argument(help="Account id (`ganpo account list`).")],
    out: Annotated[Path, typer.Option(help="PDF file to write.")],
    previous: Annotated[
        int | None, typer.Option(help="Account of the previous year, for the change section.")
    ] = None,
    lang: Annotated[str, typer.Option(help="zh (中文, default) or en.")] = "zh",
    raster: Annotated[
        str, typer.Option(help="Indicator drawn as a service raster map.")
    ] = "water_conservation",
    database: DatabaseOption = str(DEFAULT_DATABASE),
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Write the annual GEP report (PDF; Excel tables beside it). 生成年度 GEP 核算报告。"""
    import geopandas as gpd

    from ganpo.catalog.deflators import load_deflator
    from ganpo.catalog.parameters import load_parameter_set, prices_for_year
    from ganpo.catalog.profiles import load_profile
    from ganpo.engine.preview import service_raster
    from ganpo.engine.prices import restate_results
    from ganpo.report import annual, summary
    from ganpo.report import export as xl
    from ganpo.services.methods import method
    from ganpo.store.repository import load_account, open_store

    with user_errors():
        if lang not in ("zh", "en"):
            raise InputError(f"unknown language {lang!r}; use zh or en", field="lang")
        language: Literal["zh", "en"] = "zh" if lang == "zh" else "en"
        _refuse_existing([out, out.with_suffix(".xlsx")], force)
        store = open_store(database)
        s = load_account(store, account_id)
        a = s.account
        profile = load_profile(a.profile)
        root = Path(a.dataset_root)
        units_path = root / "units.gpkg"
        if not units_path.exists():
            raise InputError(
                f"the account's units file {units_path} is not available; the report's maps "
                "need the county polygons",
                source=units_path,
            )
        units = gpd.read_file(units_path, layer="counties").merge(
            s.units[["county_adcode", "area_km2"]], on="county_adcode"
        )
        change = prev_year = None
        if previous is not None:
            p = load_account(store, previous)
            if p.account.region_adcode != a.region_adcode:
                raise InputError("the previous account is of another region", field="previous")
            deflator = load_deflator(profile.deflator)
            base = p.account.year
            change = summary.compare(
                restate_results(p.results, p.prices, base, deflator, base),
                restate_results(s.results, s.prices, a.year, deflator, base),
                str(base),
                str(a.year),
            )
            prev_year = base
        params, _ = prices_for_year(
            load_parameter_set(a.parameter_set),
            a.year,
            a.price_policy,  # type: ignore[arg-type]
            load_deflator(profile.deflator),
        )
        raster_map = (
            service_raster(root, a.year, profile, params, raster)
            if raster in profile.indicators
            else None
        )
        data = annual.ReportData(
            region="江西省" if language == "zh" and a.region_adcode == 360000 else a.dataset_name,
            year=a.year,
            account_id=a.id,
            profile_title=profile.title_zh if language == "zh" else profile.title_en,
            profile_standard=profile.standard,
            profile_verified=profile.verified,
            parameter_set=f"{a.parameter_set} v{a.parameter_set_version}",
            price_policy=a.price_policy,
            code_version=a.code_version,
            synthetic=a.synthetic,
            results=s.results,
            units=units,
            prices=s.prices,
            inputs=s.inputs,
            methods={
                k: method(k, v).title_zh if language == "zh" else method(k, v).title_en
                for k, v in profile.indicators.items()
            },
            notes=[*a.notes, *a.warnings],
            intervals=s.intervals,
            change=change,
            previous_year=prev_year,
            service_raster=raster_map,
        )
        console.print("rendering the report (the first PDF builds the font cache, ~10 s)…")
        path = annual.write_pdf(annual.build_html(data, language), out)
        workbook = out.with_suffix(".xlsx")
        frames = account_frames(s)
        if change is not None:
            frames[f"change_{prev_year}_{a.year}"] = change
        xl.write_excel(frames, workbook, title=path.stem, notes=account_notes(s))
    console.print(f"written: {path}\nwritten: {workbook}")
