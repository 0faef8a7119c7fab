"""The standard tables and notes of a stored account, as ``ganpo account export``,
``ganpo account report`` and the platform's export download give them."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ganpo.report import summary


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
    if a.synthetic:
        notes.append("合成数据 SYNTHETIC DATA: do not cite these numbers.")
    return notes
