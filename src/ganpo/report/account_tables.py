"""The standard tables and notes of a stored account, as ``ganpo account export``,
``ganpo account report`` and the platform's export download give them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ganpo.io.units import is_county_level
from ganpo.report import summary

#: what the tables of an account's finer units hold (notes of the workbooks)
UNIT_TABLES_NOTE = (
    "{year}: the account runs per {level}; the {level} tables hold what is computed per "
    "{level} (raster services, statistics given per {level}); statistics given per county "
    "are not split among a county's {level}s and appear in the county, city and province "
    "tables only / 按{level}核算：{level}表只含按{level}计算的项目（栅格服务、按{level}填报的"
    "统计），按县填报的统计不拆分到{level}，只计入县、市、省表"
)


def finer_frames(
    results: pd.DataFrame, units: pd.DataFrame, physical: pd.DataFrame, suffix: str = ""
) -> dict[str, pd.DataFrame]:
    """The tables of the account's own units when they are finer than counties
    (``gep_by_township``, ``physical_by_township`` …); none for a county-level account.
    They hold what is computed per unit: statistics given per county are in the county
    tables only."""
    if "level" not in units.columns or is_county_level(units):
        return {}
    level = str(units["level"].iloc[0])
    out = {f"gep_by_{level}{suffix}": summary.gep_by_unit(results, units, "unit")}
    if not physical.empty:
        out[f"physical_by_{level}{suffix}"] = summary.physical_by_unit(physical, units, "unit")
    return out


def account_frames(stored: Any) -> dict[str, pd.DataFrame]:
    """The standard tables of a stored account (summary, by service, type, unit; all rows
    with their prices; its quality report), keyed by sheet name."""
    from ganpo.report.quality import quality_table

    return {
        "gep_by_category": summary.gep_by_category(stored.results),
        "gep_by_indicator": summary.gep_by_indicator(stored.results),
        "gep_by_ecosystem": summary.gep_by_ecosystem(stored.results),
        "gep_by_county": summary.gep_by_unit(stored.results, stored.units, "county"),
        "gep_by_city": summary.gep_by_unit(stored.results, stored.units, "city"),
        "results": stored.results,
        "prices": stored.prices.drop(columns=["id", "account_id", "by_type"]),
        # quantities reported beside the GEP, never valued (profile [physical])
        **(
            {"physical_by_county": summary.physical_by_unit(stored.physical, stored.units)}
            if not stored.physical.empty
            else {}
        ),
        # an account at a finer level: its own units beside the counties (decision 0021)
        **finer_frames(stored.results, stored.units, stored.physical),
        # coverage, decisions, warnings, overrides, parameters not verified (both languages)
        "quality": quality_table(stored),
    }


def account_notes(stored: Any) -> list[str]:
    """Provenance lines of a stored account for an export's notes sheet."""
    a = stored.account
    notes = [
        f"account #{a.id}: {a.dataset_name} {a.year}, profile {a.profile}, parameters "
        f"{a.parameter_set} v{a.parameter_set_version}, price policy {a.price_policy}, "
        f"ganpo {a.code_version}, inputs digest {a.input_digest[:16]}…",
        *a.notes,
        *a.warnings,
    ]
    if stored.level != "county":
        notes.append(UNIT_TABLES_NOTE.format(year=a.year, level=stored.level))
    if a.synthetic:
        notes.append("合成数据 SYNTHETIC DATA: do not cite these numbers.")
    return notes
