"""The rights reserve's demo: a reserve with a sale, on a stored account.

Everything it stores is SYNTHETIC (合成数据): invented holders, permits and contracts. The
emission lots copy the quantities, term and prices of Jiangxi's first online emission-rights
trade (2022: SO2 96 t and NOx 137 t at 389 and 489 CNY per tonne per year for 5 years), so
the sale's price equals the shipped-price value of the package. When the register holds a
parcel with forest (or wetland) not yet in the reserve, the demo acquires it as a forestry
(wetland) element and leases the forestry element out for a year.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from ganpo.apply.reserve import EmissionPrices, emission_right, load_prices, parcel_element
from ganpo.errors import InputError
from ganpo.store import register as register_store
from ganpo.store import reserve as store

#: the year of the demo's deals, whose emission prices it uses
DEMO_YEAR = 2022
SELLER = "九江示范化纤公司（合成）"
BUYER = "德安示范环保公司（合成）"
LESSEE = "婺源示范茶业合作社（合成）"
PACKAGE = "DEMO-PKG-EM"


@dataclass
class DemoResult:
    """What the demo stored (codes), and what it skipped with why."""

    rights: list[str] = field(default_factory=list)
    package: str = PACKAGE
    sale_cny: float = 0.0
    leased: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _digest(text: str) -> str:
    """The SHA-256 of the demo's synthetic contract text (stands for the evidence file)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_demo(engine: Engine, *, actor: str, prices: EmissionPrices | None = None) -> DemoResult:
    """Acquire two emission rights, bundle and sell them; add a forestry and a wetland
    element from the register when it has such parcels. Refused when the demo's rights are
    already in the reserve."""
    prices = prices or load_prices()
    have = {r.code for r in store.list_rights(engine)}
    if "DEMO-SO2" in have:
        raise InputError(
            en="the demo's rights are already in the reserve (DEMO-SO2); see them with `ganpo "
            "apply reserve statement`",
            zh="示例权益已在储备库中",
            field="code",
            values=["DEMO-SO2"],
        )
    out = DemoResult()
    lots = (
        ("DEMO-SO2", "SO2", 96.0, "二氧化硫排污权（合成）"),
        ("DEMO-NOX", "NOx", 137.0, "氮氧化物排污权（合成）"),
    )
    sale = 0.0
    for code, pollutant, tonnes, name in lots:
        new = emission_right(
            code,
            name,
            pollutant=pollutant,
            quantity=tonnes,
            permit=f"SYNTHETIC-{code}",
            region_adcode=360426,  # 德安县
            term_start=date(DEMO_YEAR, 2, 1),
            term_years=5,
            prices=prices,
        )
        price = prices.price_for(pollutant, DEMO_YEAR).cny_per_t_a * tonnes * 5
        sale += price
        store.acquire(
            engine,
            code,
            new=new,
            from_holder=SELLER,
            price_cny=round(price * 0.9, 2),  # bought below the trade price (synthetic)
            on=date(DEMO_YEAR, 1, 10),
            evidence_sha256=_digest(f"合成示例收储合同 {code} {SELLER}"),
            actor=actor,
            note="SYNTHETIC demo 合成示例",
        )
        out.rights.append(code)
    store.add_package(engine, PACKAGE, "德安排污权指标包（合成）", out.rights, actor=actor)
    store.sell(
        engine,
        PACKAGE,
        buyer=BUYER,
        price_cny=sale,
        on=date(DEMO_YEAR, 2, 15),
        actor=actor,
        evidence_sha256=_digest(f"合成示例出让合同 {PACKAGE} {BUYER}"),
        note="SYNTHETIC demo 合成示例",
    )
    out.sale_cny = sale
    backed = {r.parcel_code for r in store.list_rights(engine) if r.parcel_code}
    for kind in ("forestry", "wetland"):
        for parcel in register_store.list_parcels(engine):
            if parcel.code in backed or parcel.status == "withdrawn":
                continue
            code = f"DEMO-{kind.upper()}-{parcel.code}"
            try:
                label = "林业要素" if kind == "forestry" else "湿地资源"
                new = parcel_element(engine, kind, code, f"{parcel.name} {label}", parcel.code)
            except InputError:
                continue  # no forest / wetland on this parcel
            store.acquire(
                engine,
                code,
                new=new,
                from_holder=parcel.owner,
                price_cny=0.0,
                on=date(DEMO_YEAR, 3, 1),
                evidence_sha256=_digest(f"合成示例收储协议 {code} {parcel.owner}"),
                actor=actor,
                note="SYNTHETIC demo 合成示例",
            )
            out.rights.append(code)
            backed.add(parcel.code)
            if kind == "forestry":
                store.lease(
                    engine,
                    code,
                    lessee=LESSEE,
                    price_cny=20_000.0,
                    start=date(DEMO_YEAR, 4, 1),
                    end=date(DEMO_YEAR + 1, 3, 31),
                    actor=actor,
                    note="SYNTHETIC demo 合成示例",
                )
                out.leased.append(code)
            break
        else:
            out.notes.append(
                f"no register parcel with {'forest' if kind == 'forestry' else 'wetland'} "
                "free for the reserve: deposit one (`ganpo apply register add`) to see a "
                f"{kind} element / 登记簿中无可用的{'林地' if kind == 'forestry' else '湿地'}地块"
            )
    return out
