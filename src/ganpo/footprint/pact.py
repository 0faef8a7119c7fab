"""A footprint as a product footprint of the WBCSD Partnership for Carbon Transparency
(PACT) data-exchange format (Technical Specifications for PCF Data Exchange, version 2):
the ``ProductFootprint`` object with its ``pcf`` (``CarbonFootprint``).

Only the fields ganpo can fill from a study are written; the optional ones it has no data
for (data quality indicators, primary data share, geography below the country) are left
out, as the specification allows for optional fields. Amounts are decimal strings in
kg CO2e per declared unit, as the specification requires; ``declaredUnit`` is kilogram
for a functional unit in mass (the footprint is divided down to 1 kg).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from ganpo.errors import InputError
from ganpo.footprint.lca import Footprint
from ganpo.footprint.model import ProductSystem

SPEC_VERSION = "2.2.0"
_MASS_KG = {"kg": 1.0, "t": 1000.0}


def _company_uuid(name: str) -> uuid.UUID:
    """A stable UUID for a company known only by name (give a real id when exporting)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "ganpo:" + (name or "unnamed"))


def _dec(x: float) -> str:
    return f"{x:.6f}".rstrip("0").rstrip(".") if x else "0"


def product_footprint(
    system: ProductSystem,
    result: Footprint,
    *,
    company_id: str = "",
    created: datetime | None = None,
) -> dict[str, Any]:
    """The PACT ``ProductFootprint`` of a footprint (a JSON-ready dict)."""
    fu = system.functional_unit
    if fu.unit not in _MASS_KG:
        raise InputError(
            en=f"the PACT export declares footprints per kilogram; the functional unit is in "
            f"{fu.unit!r}",
            zh="PACT 导出要求功能单位为质量",
            field="functional_unit",
        )
    missing = [
        f
        for f in ("fossil_carbon_content", "biogenic_carbon_content")
        if getattr(system, f) is None
    ]
    if missing:
        raise InputError(
            en=f"the PACT format requires the product's carbon content; give {', '.join(missing)} "
            "(kg C per kg of product) in the product system",
            zh="PACT 导出须给出产品含碳量",
            field=missing[0],
        )
    kg = fu.amount * _MASS_KG[fu.unit]
    per_kg = result.total_kg / kg
    fossil = sum(
        g["co2e_kg"] for g in result.by_gas if g["gas"] in ("CO2_fossil", "CH4_fossil", "N2O")
    )
    now = created or datetime.now(UTC)
    boundary = "cradle-to-gate" if system.boundary == "cradle_to_gate" else "cradle-to-grave"
    return {
        "id": str(
            uuid.uuid5(
                uuid.NAMESPACE_URL,
                f"ganpo:{system.product}:{system.reference_year}:{result.total_kg!r}",
            )
        ),
        "specVersion": SPEC_VERSION,
        "version": 1,
        "created": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "status": "Active",
        "companyName": system.company or "unnamed",
        "companyIds": [company_id or f"urn:uuid:{_company_uuid(system.company)}"],
        "productDescription": f"{system.product_name_en} / {system.product_name_zh}"
        + (" (SYNTHETIC example data)" if system.synthetic else ""),
        "productIds": [f"urn:ganpo:product:{system.product}"],
        "productNameCompany": system.product_name_en,
        "comment": (
            f"ganpo footprint, {boundary}, {system.allocation} allocation, GWP {system.gwp}"
            + ("; SYNTHETIC data, not for disclosure" if system.synthetic else "")
        ),
        "pcf": {
            "declaredUnit": "kilogram",
            "unitaryProductAmount": "1",
            "pCfExcludingBiogenic": _dec(per_kg),
            "pCfIncludingBiogenic": _dec((result.total_kg + result.biogenic_co2_kg) / kg),
            "fossilGhgEmissions": _dec(fossil / kg),
            "biogenicCarbonContent": _dec(float(system.biogenic_carbon_content or 0.0)),
            "fossilCarbonContent": _dec(float(system.fossil_carbon_content or 0.0)),
            "characterizationFactors": system.gwp,
            "ipccCharacterizationFactorsSources": [system.gwp],
            "crossSectoralStandardsUsed": ["ISO Standard 14067"],
            "productOrSectorSpecificRules": [],
            "boundaryProcessesDescription": "; ".join(p["name_en"] for p in result.by_process),
            "referencePeriodStart": f"{system.reference_year}-01-01T00:00:00Z",
            "referencePeriodEnd": f"{system.reference_year + 1}-01-01T00:00:00Z",
            "exemptedEmissionsPercent": 0,
            "exemptedEmissionsDescription": "",
            "packagingEmissionsIncluded": False,
        },
    }
