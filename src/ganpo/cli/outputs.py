"""Writing an account's tables, workbook and map to an output folder."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from ganpo.engine.result import AccountResult
from ganpo.report import export, maps, summary


def account_frames(acc: AccountResult) -> dict[str, pd.DataFrame]:
    """The standard summary tables of one account, keyed by file/sheet name."""
    y = acc.year
    return {
        f"gep_by_category_{y}": summary.gep_by_category(acc.results),
        f"gep_by_indicator_{y}": summary.gep_by_indicator(acc.results),
        f"gep_by_ecosystem_{y}": summary.gep_by_ecosystem(acc.results),
        f"gep_by_county_{y}": summary.gep_by_unit(acc.results, acc.units, "county"),
        f"gep_by_city_{y}": summary.gep_by_unit(acc.results, acc.units, "city"),
        f"gep_by_province_{y}": summary.gep_by_unit(acc.results, acc.units, "province"),
        # every number explained in one line: quantity × price (key → prices sheet) = value
        f"results_{y}": acc.results,
        f"prices_{y}": acc.prices.drop(columns=["by_type"]).assign(
            by_type=acc.prices["by_type"].map(lambda d: "" if d is None else str(d))
        ),
        # quantities reported beside the GEP, never valued (profile [physical])
        **(
            {f"physical_by_county_{y}": summary.physical_by_unit(acc.physical, acc.units)}
            if not acc.physical.empty
            else {}
        ),
    }


def provenance_notes(accounts: list[AccountResult]) -> list[str]:
    notes = []
    for a in accounts:
        notes += [f"{a.year}: {n}" for n in a.notes]
        notes += [f"{a.year} warning: {w}" for w in a.warnings]
        notes.append(
            f"{a.year}: dataset {a.dataset_name} (manifest sha256 {a.manifest_sha256[:12]}…), "
            f"profile {a.profile}, parameter set {a.parameter_set} v{a.parameter_set_version}, "
            f"ganpo {a.code_version}, "
            f"computed {a.finished_at:%Y-%m-%d %H:%M} UTC in {a.duration_s:.1f} s"
        )
    years = sorted({int(y) for a in accounts for y in a.prices["year"]})
    notes.append(
        "价格基准 Price basis: each account's prices are at the price year(s) "
        f"{', '.join(map(str, years))} (see the notes above and the prices sheets); "
        "the change_constant sheet compares the years at the first year's prices (the last "
        "year's quantities at the first year's prices: a volume; rows reported at current "
        "prices deflated by their item's price index)."
    )
    if any(a.synthetic for a in accounts):
        notes.append(
            "合成数据 SYNTHETIC DATA: the rasters and statistics are synthetic (ganpo demo); "
            "only the administrative boundaries are real. Do not cite these numbers."
        )
    return notes


def write_outputs(
    accounts: list[AccountResult],
    out: Path,
    *,
    title: str,
    constant: tuple[pd.DataFrame, pd.DataFrame, int] | None = None,
) -> list[Path]:
    """CSV tables, one Excel workbook and a GEP-density map per year; returns the paths.

    ``constant`` = (first account's results, last account's results at the first year's
    prices — :attr:`ganpo.engine.volume.VolumeMeasure.rows` —, first year) adds the
    change at constant prices."""
    out.mkdir(parents=True, exist_ok=True)
    frames: dict[str, pd.DataFrame] = {}
    for acc in accounts:
        frames.update(account_frames(acc))
    if len(accounts) >= 2:
        a, b = accounts[0], accounts[-1]
        frames[f"change_{a.year}_{b.year}"] = summary.compare(
            a.results, b.results, str(a.year), str(b.year)
        )
    if constant is not None:
        ra, rb, base = constant
        frames[f"change_constant_{base}"] = summary.compare(
            ra,
            rb,
            f"{accounts[0].year} ({base} prices)",
            f"{accounts[-1].year} (volume at {base} prices)",
        )
    written = export.write_csv(frames, out / "csv")
    written.append(
        export.write_excel(
            frames, out / "gep_summary.xlsx", title=title, notes=provenance_notes(accounts)
        )
    )
    synthetic = any(a.synthetic for a in accounts)
    for acc in accounts:
        by_county = summary.gep_by_unit(acc.results, acc.units, "county")
        written.append(
            maps.gep_density_map(
                gpd.GeoDataFrame(acc.units),
                by_county,
                out / f"gep_density_{acc.year}.png",
                title_zh=f"{title} {acc.year} 年各县 GEP 密度",
                title_en=f"GEP per km² by county, {acc.year}",
                note="合成数据 synthetic data" if synthetic else None,
            )
        )
    return written
