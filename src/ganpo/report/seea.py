"""SEEA Ecosystem Accounting tables (UN, 2021) from GEP accounts.

- ecosystem extent account: opening and closing area by ecosystem type;
- physical and monetary ecosystem-service supply tables: service × ecosystem type;
- monetary ecosystem asset account: net present value of the service flows.

Conceptual differences from GEP, stated in every table's notes (SEEA EA, UN 2021): SEEA counts
only the ecosystem contribution of provisioning services (GEP counts the output value of
material products), and accepts replacement-cost valuation only under conditions.
"""

from __future__ import annotations

import pandas as pd

from ganpo.catalog.ecosystems import ecosystem_types
from ganpo.catalog.indicators import indicators
from ganpo.services.asset import npv_factor

NOTES = [
    "SEEA-EA (UN 2021) tables derived from GEP accounts. Differences to keep in mind: "
    "SEEA counts only the ecosystem contribution of provisioning services, while GEP counts "
    "the output value of material products (an upper bound of that contribution).",
    "SEEA accepts replacement costs (reservoir construction, electricity, treatment costs) "
    "as exchange values only under conditions (the service would be replaced, the cost "
    "reflects demand); GEP uses them throughout.",
]


def _type_names() -> dict[int, str]:
    return {t.code: f"{t.name_zh} {t.name_en}" for t in ecosystem_types()}


def extent_account(extent_open: pd.DataFrame, extent_close: pd.DataFrame) -> pd.DataFrame:
    """Opening area, net change and closing area [km²] by ecosystem type.

    Inputs are account extents (``ecosystem_code``, ``area_m2`` per county). Opening +
    net change = closing by construction; a test checks it against the inputs.
    """
    opening = extent_open.groupby("ecosystem_code")["area_m2"].sum() / 1e6
    closing = extent_close.groupby("ecosystem_code")["area_m2"].sum() / 1e6
    codes = sorted(set(opening.index) | set(closing.index))
    out = pd.DataFrame(
        {
            "ecosystem_code": codes,
            "ecosystem": [_type_names().get(c, str(c)) for c in codes],
            "opening_km2": opening.reindex(codes, fill_value=0.0).to_numpy(),
            "closing_km2": closing.reindex(codes, fill_value=0.0).to_numpy(),
        }
    )
    out["net_change_km2"] = out["closing_km2"] - out["opening_km2"]
    total = out[["opening_km2", "closing_km2", "net_change_km2"]].sum()
    out.loc[len(out)] = [
        None,
        "合计 total",
        *total[["opening_km2", "closing_km2"]],
        total.net_change_km2,
    ]
    return out[["ecosystem_code", "ecosystem", "opening_km2", "net_change_km2", "closing_km2"]]


def supply_table(results: pd.DataFrame, column: str) -> pd.DataFrame:
    """Service (rows) × ecosystem type (columns) of ``column`` (``quantity`` or
    ``value_cny``), with totals. Physical tables keep each service's own unit."""
    names = _type_names()
    pivot = results.pivot_table(
        index="indicator", columns="ecosystem_code", values=column, aggfunc="sum", fill_value=0.0
    )
    order = [k for k in indicators() if k in pivot.index]
    pivot = pivot.loc[order]
    pivot.columns = [names.get(int(c), str(c)) for c in pivot.columns]
    pivot["合计 total"] = pivot.sum(axis=1)
    cat = {k: i for k, i in indicators().items()}
    pivot.insert(0, "service", [f"{cat[k].name_zh} {cat[k].name_en}" for k in pivot.index])
    if column == "quantity":
        units = results.groupby("indicator")["quantity_unit"].first()
        pivot.insert(1, "unit", units.reindex(pivot.index).to_numpy())
    else:
        total_row = pivot.drop(columns=["service"]).sum()
        pivot.loc["GEP"] = ["GEP 合计 total", *total_row.to_numpy()]
    return pivot.reset_index(names="indicator")


def asset_account(
    results_open: pd.DataFrame,
    results_close: pd.DataFrame,
    discount_rate: float,
    horizon_years: int,
) -> pd.DataFrame:
    """Monetary asset account by ecosystem type: asset value = NPV of the year's flows.

    Opening asset values use the opening account's flows, closing ones the closing
    account's; the change combines quantity and price changes (no revaluation split).
    """
    factor = npv_factor(discount_rate, horizon_years)
    names = _type_names()
    a = results_open.groupby("ecosystem_code")["value_cny"].sum() * factor
    b = results_close.groupby("ecosystem_code")["value_cny"].sum() * factor
    codes = sorted(set(a.index) | set(b.index))
    out = pd.DataFrame(
        {
            "ecosystem_code": codes,
            "ecosystem": [names.get(c, str(c)) for c in codes],
            "opening_asset_cny": a.reindex(codes, fill_value=0.0).to_numpy(),
            "closing_asset_cny": b.reindex(codes, fill_value=0.0).to_numpy(),
        }
    )
    out["change_cny"] = out["closing_asset_cny"] - out["opening_asset_cny"]
    out.attrs["npv_factor"] = factor
    out.attrs["note"] = (
        f"asset value = Σ_(t=1..{horizon_years}) flow/(1+{discount_rate:g})^(t−1) "
        f"= {factor:.3f} × the year's flow (GB/T 43677-2024 style)"
    )
    return out
