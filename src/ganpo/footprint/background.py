"""Background processes from the factors :mod:`ganpo.carbon` ships, per unit of the input:

- ``grid:<region>:<year>`` (unit kWh): CO2 of the published average grid emission factor
  (生态环境部、国家统计局) of that region and year;
- ``fuel:<set>:<fuel>`` (unit t, or m3 where the set's calorific value is per volume): the
  combustion of one unit of fuel, CO2 = E × carbon content × oxidation × 44/12 with E the
  energy of the unit (net calorific value), CH4 and N2O = E × the IPCC 2006 Tier 1 factors
  of the input's sector (default 1.A.2, manufacturing industries).

Each background carries the factors it used, with their sources, for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ganpo.carbon.factors import combustion_non_co2_set, fuel_factor_set, grid_factor
from ganpo.errors import InputError

_TJ_PER_UNIT = {"TJ/Gg": ("t", 1e-3), "kJ/kg": ("t", 1e-6), "kJ/m3": ("m3", 1e-9)}
C_TO_CO2 = 44.0 / 12.0


@dataclass(frozen=True)
class Background:
    """One unit of a background process: its unit, the kg of each gas it emits, the
    factors used (name, value, unit, source)."""

    key: str
    unit: str
    name_zh: str
    name_en: str
    emissions: dict[str, float]
    factors: list[tuple[str, float, str, str]] = field(default_factory=list)


def background(key: str, sector: str = "1.A.2") -> Background:
    """The background process ``key`` (see the module); an unknown kind, region, year, set
    or fuel is refused naming it and what exists."""
    kind, _, rest = key.partition(":")
    if kind == "grid":
        region, _, year = rest.partition(":")
        if not year.isdigit():
            raise InputError(
                en=f"background {key!r}: give grid:<region>:<year>, e.g. grid:national:2022",
                zh="电网排放因子须写明区域与年份",
                field="background",
                values=[key],
            )
        f = grid_factor(region, int(year))
        return Background(
            key,
            "kWh",
            f"电网电力（{region}，{year}年）",
            f"grid electricity ({region}, {year})",
            {"CO2_fossil": float(f.value)},
            [(f"grid {region} {year}", float(f.value), f.unit, f.source)],
        )
    if kind == "fuel":
        set_name, _, fuel_key = rest.partition(":")
        fuels = fuel_factor_set(set_name)
        fuel = fuels.fuel(fuel_key)
        if fuel.ncv.unit not in _TJ_PER_UNIT:
            raise InputError(
                en=f"background {key!r}: calorific value in {fuel.ncv.unit!r}, which the "
                "footprint cannot convert",
                zh=f"背景数据 {key!r}：发热值的单位 {fuel.ncv.unit!r} 无法在足迹计算中换算",
                field="background",
                values=[key],
            )
        unit, tj = _TJ_PER_UNIT[fuel.ncv.unit]
        energy = fuel.ncv.value * tj  # TJ per unit of fuel
        co2 = energy * fuel.carbon_content.value * fuel.oxidation.value * C_TO_CO2 * 1000.0
        non = combustion_non_co2_set("ipcc-2006")
        ch4 = non.factor(sector, fuel_key, "CH4")
        n2o = non.factor(sector, fuel_key, "N2O")
        return Background(
            key,
            unit,
            f"{fuel.zh}燃烧",
            f"{fuel.en} burnt",
            {"CO2_fossil": co2, "CH4_fossil": energy * ch4.value, "N2O": energy * n2o.value},
            [
                (f"{fuel_key} net calorific value", fuel.ncv.value, fuel.ncv.unit, fuel.ncv.source),
                (
                    f"{fuel_key} carbon content",
                    fuel.carbon_content.value,
                    fuel.carbon_content.unit,
                    fuel.carbon_content.source,
                ),
                (f"{fuel_key} oxidation", fuel.oxidation.value, "1", fuel.oxidation.source),
                (f"{fuel_key} CH4 ({sector})", ch4.value, ch4.unit, ch4.source),
                (f"{fuel_key} N2O ({sector})", n2o.value, n2o.unit, n2o.source),
            ],
        )
    raise InputError(
        en=f"background {key!r} is not grid:<region>:<year> or fuel:<set>:<fuel>",
        zh="背景过程格式有误",
        field="background",
        values=[key],
    )
