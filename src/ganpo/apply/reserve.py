"""The rights reserve (权益储备库) of a county "two mountains" company: emission rights
(排污权), wetland resources (湿地资源) and forestry elements (林业要素) acquired into the
reserve, bundled, sold or leased, each with the ledger of its holders over time.

Asset types as data:

- an **emission right** is a pollutant Jiangxi trades (``catalog/data/reserve/
  emission-rights.toml``: COD, NH3-N, SO2, NOx), a quantity per year (any mass-per-time
  unit, converted with pint to t/a), a permit number, a region and a term (start, years);
  its value is quantity × the shipped price of the pollutant for the year [CNY/(t·a)] per
  year, and that × the term's years for the right (the way Jiangxi's trades are priced:
  成交价 元/(吨·年) × 吨 × 年限). Prices are not discounted over the term (as traded).
- a **wetland resource** is a register parcel that holds wetland ecosystem types: the
  wetland level (marsh, floodplain, coastal) and open water except reservoirs and ponds,
  which include the fish ponds the Wetland Protection Law (湿地保护法 2021, art. 2)
  excludes; a parcel with none is refused.
- a **forestry element** is a register parcel that holds forest (any forest sub-type); its
  stand volume [m³] is recorded when given.

Wetland and forestry elements are valued exactly as the register values their parcel
(:func:`ganpo.apply.register.value_parcel`: the account's service flows on the parcel, and
their NPV); the element is the whole parcel, so its value is the parcel's value.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from ganpo.apply.register import value_parcel
from ganpo.apply.vep import DEFAULT_DISCOUNT_RATE, DEFAULT_HORIZON_YEARS, SiteValue, check_valuation
from ganpo.catalog.ecosystems import by_code, level1_code
from ganpo.catalog.files import data_dir, load_toml_model
from ganpo.catalog.units import conversion_factor
from ganpo.errors import InputError, UnknownNameError
from ganpo.store import register as register_store
from ganpo.store import reserve as store
from ganpo.store.reserve import NewRight, RightRecord, holder_name
from ganpo.store.reserve_models import ASSET_TYPES, RIGHT_STATUSES

PRICES_FILE = data_dir("reserve") / "emission-rights.toml"
#: the unit emission quantities are kept in
QUANTITY_UNIT = "t/a"
#: ecosystem codes counted as wetland: the wetland level-1 type and its sub-types, and open
#: water (river, lake, canal) but not reservoirs and ponds (73), which hold the fish ponds
#: the Wetland Protection Law excludes
WETLAND_CODES = frozenset({4, 41, 42, 43, 7, 71, 72, 74})
FOREST_LEVEL1 = 1


class Pollutant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    name_zh: str
    name_en: str
    medium: str


class PollutantPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pollutant: str
    year: int
    cny_per_t_a: float = Field(ge=0)
    synthetic: bool
    source: str


class EmissionPrices(BaseModel):
    """The emission-right price file: pollutants and their price by year."""

    model_config = ConfigDict(extra="forbid")
    unit: str
    pollutant: list[Pollutant]
    price: list[PollutantPrice]
    path: str = ""

    def pollutants(self) -> dict[str, Pollutant]:
        return {p.key: p for p in self.pollutant}

    def price_for(self, pollutant: str, year: int) -> PollutantPrice:
        """The price of a pollutant in a year; refused, naming the years there are."""
        rows = [p for p in self.price if p.pollutant == pollutant]
        for p in rows:
            if p.year == year:
                return p
        years = ", ".join(str(p.year) for p in sorted(rows, key=lambda r: r.year)) or "none"
        raise InputError(
            en=f"no {pollutant} emission-right price for {year} (years with a price: {years}); "
            f"add a [[price]] row for {year} to the price file or give one with --prices, or "
            "value at a year that has one (--price-year)",
            zh=f"缺少 {year} 年 {pollutant} 排污权价格",
            source=self.path or None,
            field="year",
            values=[pollutant, year],
        )


def load_prices(path: Path | None = None) -> EmissionPrices:
    """The shipped emission-right prices, or a file of the same layout."""
    path = path or PRICES_FILE
    prices = load_toml_model(path, EmissionPrices, "the emission-right prices")
    if conversion_factor(prices.unit.replace("·", " "), "CNY/(t a)") != 1.0:
        raise InputError(
            en=f"prices must be given in CNY/(t·a), not {prices.unit!r}",
            zh=f"价格须以 CNY/(t·a)（元/(吨·年)）为单位，而不是 {prices.unit!r}",
            source=path,
            field="unit",
        )
    known = prices.pollutants()
    for p in prices.price:
        if p.pollutant not in known:
            raise UnknownNameError("pollutant", p.pollutant, known)
    return prices.model_copy(update={"path": str(path)})


def emission_right(
    code: str,
    name: str,
    *,
    pollutant: str,
    quantity: float,
    unit: str = QUANTITY_UNIT,
    permit: str,
    region_adcode: int,
    term_start: date,
    term_years: int,
    prices: EmissionPrices | None = None,
) -> NewRight:
    """Check an emission right and describe it for the reserve (nothing stored)."""
    known = (prices or load_prices()).pollutants()
    if pollutant not in known:
        raise UnknownNameError("pollutant of an emission right", pollutant, known)
    if not math.isfinite(quantity) or quantity <= 0:
        raise InputError(
            en=f"emission quantity {quantity} is not a positive number",
            zh="排污量须为正数",
            field="quantity",
            values=[quantity],
        )
    t_a = quantity * conversion_factor(unit, QUANTITY_UNIT, what=f"emission right {code}")
    if not permit.strip():
        raise InputError(
            en="an emission right needs its permit number (排污许可证编号)",
            zh="缺少排污许可证编号",
            field="permit",
        )
    if not 100000 <= region_adcode <= 999999:
        raise InputError(
            en=f"region {region_adcode} is not a six-digit administrative code",
            zh="行政区划代码应为六位",
            field="region",
            values=[region_adcode],
        )
    if not 1 <= term_years <= 50:
        raise InputError(
            en=f"term of {term_years} years is outside 1-50",
            zh="年限应为 1-50 年",
            field="term_years",
            values=[term_years],
        )
    return NewRight(
        code=code,
        asset_type="emission",
        name=name,
        attributes={
            "pollutant": pollutant,
            "quantity_t_per_a": t_a,
            "quantity_given": f"{quantity:g} {unit}",
            "permit": permit.strip(),
            "region_adcode": int(region_adcode),
            "term_start": term_start.isoformat(),
            "term_years": int(term_years),
        },
    )


def parcel_element(
    engine: Engine,
    asset_type: str,
    code: str,
    name: str,
    parcel_code: str,
    *,
    stand_volume_m3: float | None = None,
) -> NewRight:
    """Check a wetland or forestry element on a register parcel (nothing stored)."""
    if asset_type not in ("wetland", "forestry"):
        raise UnknownNameError(
            "parcel-based reserve asset type", asset_type, ["wetland", "forestry"]
        )
    parcel = register_store.get_parcel(engine, parcel_code)
    comp = parcel.composition
    if asset_type == "wetland":
        part = {c: a for c, a in comp.items() if c in WETLAND_CODES and a > 0}
    else:
        part = {c: a for c, a in comp.items() if level1_code(c) == FOREST_LEVEL1 and a > 0}
    if not part:
        listed = (
            ", ".join(
                f"{by_code(c).name_zh} {by_code(c).name_en} {a / 1e4:,.2f} hm²"
                for c, a in sorted(comp.items())
            )
            or "unknown (the account had no ecosystem raster)"
        )
        kind_zh, kind_en = ("湿地", "wetland") if asset_type == "wetland" else ("森林", "forest")
        raise InputError(
            en=f"parcel {parcel_code} has no {kind_en} (its ecosystem types: {listed}); a "
            f"{ASSET_TYPES[asset_type]} must stand on {kind_en} land",
            zh=f"地块不含{kind_zh}",
            field="parcel",
            values=[parcel_code],
        )
    area = sum(part.values())
    attrs: dict[str, Any] = {
        f"{asset_type}_area_hm2": area / 1e4,
        "parcel_area_hm2": parcel.area_m2 / 1e4,
        "types_hm2": {by_code(c).key: a / 1e4 for c, a in sorted(part.items())},
    }
    if stand_volume_m3 is not None:
        if asset_type != "forestry":
            raise InputError(
                en="stand volume is a field of forestry elements",
                zh="蓄积量只适用于林业要素（forestry）",
                field="stand_volume",
            )
        if not math.isfinite(stand_volume_m3) or stand_volume_m3 < 0:
            raise InputError(
                en=f"stand volume {stand_volume_m3} m³ is not a non-negative number",
                zh="蓄积量无效",
                field="stand_volume",
                values=[stand_volume_m3],
            )
        attrs["stand_volume_m3"] = float(stand_volume_m3)
        attrs["stand_volume_m3_per_hm2"] = stand_volume_m3 / (area / 1e4)
    return NewRight(
        code=code, asset_type=asset_type, name=name, attributes=attrs, parcel_code=parcel_code
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of an evidence file; a file that cannot be read is named."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError(
            en=f"cannot read the evidence file: {exc}",
            zh="无法读取证明材料",
            source=path,
            field="evidence",
        ) from exc


@dataclass
class RightValue:
    """A right's value: annual flow [CNY a⁻¹] and value [CNY] with what it rests on."""

    right: RightRecord
    flow_cny: float
    value_cny: float
    basis_zh: str
    basis_en: str
    synthetic: bool
    site: SiteValue | None = None
    price: PollutantPrice | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "right": self.right.code,
            "asset_type": self.right.asset_type,
            "status": self.right.status,
            "holder": holder_name(self.right.holder),
            "flow_cny_per_year": self.flow_cny,
            "value_cny": self.value_cny,
            "basis_zh": self.basis_zh,
            "basis_en": self.basis_en,
            "synthetic": self.synthetic,
        }


def value_right(
    engine: Engine,
    right: RightRecord,
    account_id: int,
    *,
    price_year: int,
    prices: EmissionPrices | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
) -> RightValue:
    """Value one right: emission rights at the shipped price, parcels as the register does."""
    if right.asset_type == "emission":
        a = right.attributes
        price = (prices or load_prices()).price_for(str(a["pollutant"]), price_year)
        annual = float(a["quantity_t_per_a"]) * price.cny_per_t_a
        years = int(a["term_years"])
        return RightValue(
            right=right,
            flow_cny=annual,
            value_cny=annual * years,
            basis_zh=f"{a['quantity_t_per_a']:,.3f} 吨/年 × {price.cny_per_t_a:,.0f} 元/(吨·年)"
            f"（{price_year}）× {years} 年",
            basis_en=f"{a['quantity_t_per_a']:,.3f} t/a × {price.cny_per_t_a:,.0f} CNY/(t·a) "
            f"({price_year}) × {years} a",
            synthetic=price.synthetic,
            price=price,
        )
    assert right.parcel_code is not None
    site = value_parcel(
        engine,
        right.parcel_code,
        account_id,
        discount_rate=discount_rate,
        horizon_years=horizon_years,
    )
    return RightValue(
        right=right,
        flow_cny=site.flow_cny,
        value_cny=site.asset_value_cny,
        basis_zh=f"地块 {right.parcel_code} 登记估值：核算 #{account_id} 服务流量的净现值 "
        f"(r = {discount_rate:.2%}, n = {horizon_years} 年)",
        basis_en=f"register valuation of parcel {right.parcel_code}: NPV of account "
        f"#{account_id}'s service flows (r = {discount_rate:.2%}, n = {horizon_years} a)",
        synthetic=site.synthetic,
        site=site,
    )


@dataclass
class Statement:
    """The reserve statement: each right's value, holdings by type, deals."""

    account_id: int
    price_year: int
    values: list[RightValue]
    deals: list[dict[str, Any]]
    discount_rate: float
    horizon_years: int
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> list[RightValue]:
        """Rights the reserve owns: in the reserve or leased out."""
        return [v for v in self.values if v.right.status in ("reserve", "leased")]

    def by_type(self) -> dict[str, dict[str, float]]:
        """Holdings by asset type: number, annual flow and value [CNY]."""
        out = {t: {"count": 0.0, "flow_cny": 0.0, "value_cny": 0.0} for t in ASSET_TYPES}
        for v in self.held:
            row = out[v.right.asset_type]
            row["count"] += 1
            row["flow_cny"] += v.flow_cny
            row["value_cny"] += v.value_cny
        return out

    @property
    def total_value_cny(self) -> float:
        return sum(v.value_cny for v in self.held)

    def deal_totals(self) -> dict[str, float]:
        """Σ price of the deals of each kind [CNY] (acquisition cost, sale proceeds, rent)."""
        out = {k: 0.0 for k in ("acquisition", "sale", "lease")}
        for d in self.deals:
            if d["kind"] in out and d["price_cny"] is not None:
                out[d["kind"]] += float(d["price_cny"])
        return out

    @property
    def synthetic(self) -> bool:
        return any(v.synthetic for v in self.values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "price_year": self.price_year,
            "discount_rate": self.discount_rate,
            "horizon_years": self.horizon_years,
            "rights": [v.to_dict() for v in self.values],
            "holdings_by_type": self.by_type(),
            "total_value_cny": self.total_value_cny,
            "deal_totals_cny": self.deal_totals(),
            "synthetic": self.synthetic,
            "notes": list(self.notes),
        }


def statement(
    engine: Engine,
    account_id: int,
    *,
    price_year: int | None = None,
    prices: EmissionPrices | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    horizon_years: int = DEFAULT_HORIZON_YEARS,
) -> Statement:
    """Value every right of the reserve under one account (and the emission prices of
    ``price_year``, by default the account's year)."""
    from ganpo.apply.vep import account_layers

    check_valuation(discount_rate, horizon_years)
    year = (
        price_year
        if price_year is not None
        else account_layers(engine, account_id).stored.account.year
    )
    prices = prices or load_prices()
    values = [
        value_right(
            engine,
            r,
            account_id,
            price_year=year,
            prices=prices,
            discount_rate=discount_rate,
            horizon_years=horizon_years,
        )
        for r in store.list_rights(engine)
    ]
    notes = []
    if any(v.price is not None and v.price.synthetic for v in values):
        notes.append(
            "some emission-right prices are SYNTHETIC (合成数据): see the price file's sources"
        )
    return Statement(
        account_id=account_id,
        price_year=year,
        values=values,
        deals=store.deals(engine),
        discount_rate=discount_rate,
        horizon_years=horizon_years,
        notes=notes,
    )


_LABELS = {
    "zh": {
        "title": "权益储备库报表",
        "basis": "核算 #{a}；排污权价格年份 {y}；贴现率 {r:.2%}，年限 {n} 年",
        "rights": "权益",
        "cols": (
            "编码",
            "类型",
            "名称",
            "状态",
            "持有人",
            "年流量（万元/年）",
            "价值（万元）",
            "依据",
        ),
        "holdings": "在库与出租中权益（按类型）",
        "hcols": ("类型", "项数", "年流量（万元/年）", "价值（万元）"),
        "total": "合计",
        "deals": "交易累计",
        "dcols": ("收储支出（万元）", "出让收入（万元）", "租金（万元）"),
        "synthetic": "含合成数据，不得引用。",
    },
    "en": {
        "title": "Rights reserve statement",
        "basis": "account #{a}; emission prices of {y}; discount rate {r:.2%}, horizon {n} a",
        "rights": "Rights",
        "cols": (
            "Code",
            "Type",
            "Name",
            "Status",
            "Holder",
            "Flow (10^4 CNY/a)",
            "Value (10^4 CNY)",
            "Basis",
        ),
        "holdings": "Rights held (in the reserve or leased out), by type",
        "hcols": ("Type", "Rights", "Flow (10^4 CNY/a)", "Value (10^4 CNY)"),
        "total": "Total",
        "deals": "Deals to date",
        "dcols": ("Acquisitions (10^4 CNY)", "Sales (10^4 CNY)", "Rents (10^4 CNY)"),
        "synthetic": "Contains SYNTHETIC data: do not cite.",
    },
}


def _half(label: str, lang: str) -> str:
    """The Chinese or English half of a bilingual label 'zh en'."""
    zh, _, en = label.partition(" ")
    return zh if lang == "zh" else en


def statement_text(st: Statement, lang: str = "zh") -> str:
    """The statement as a Markdown document in Chinese (``zh``) or English (``en``);
    values in 万元 (10^4 CNY)."""
    if lang not in _LABELS:
        raise UnknownNameError("language", lang, _LABELS)
    t = _LABELS[lang]
    w = lambda cny: f"{cny / 1e4:,.2f}"  # noqa: E731
    lines = [
        f"# {t['title']}",
        "",
        str(t["basis"]).format(
            a=st.account_id, y=st.price_year, r=st.discount_rate, n=st.horizon_years
        ),
        "",
    ]
    lines += [
        f"## {t['rights']}",
        "",
        "| " + " | ".join(t["cols"]) + " |",
        "|" + "---|" * len(t["cols"]),
    ]
    for v in st.values:
        r = v.right
        lines.append(
            "| "
            + " | ".join(
                [
                    r.code,
                    _half(ASSET_TYPES[r.asset_type], lang),
                    r.name,
                    _half(RIGHT_STATUSES[r.status], lang),
                    _half(holder_name(r.holder), lang) if r.holder is None else r.holder,
                    w(v.flow_cny),
                    w(v.value_cny),
                    v.basis_zh if lang == "zh" else v.basis_en,
                ]
            )
            + " |"
        )
    lines += [
        "",
        f"## {t['holdings']}",
        "",
        "| " + " | ".join(t["hcols"]) + " |",
        "|---|---|---|---|",
    ]
    for typ, agg in st.by_type().items():
        lines.append(
            f"| {_half(ASSET_TYPES[typ], lang)} | {int(agg['count'])} | "
            f"{w(agg['flow_cny'])} | {w(agg['value_cny'])} |"
        )
    held = st.held
    lines.append(
        f"| {t['total']} | {len(held)} | {w(sum(v.flow_cny for v in held))} | "
        f"{w(st.total_value_cny)} |"
    )
    d = st.deal_totals()
    lines += [
        "",
        f"## {t['deals']}",
        "",
        "| " + " | ".join(t["dcols"]) + " |",
        "|---|---|---|",
        f"| {w(d['acquisition'])} | {w(d['sale'])} | {w(d['lease'])} |",
    ]
    if st.synthetic:
        lines += ["", f"**{t['synthetic']}**"]
    return "\n".join(lines) + "\n"
