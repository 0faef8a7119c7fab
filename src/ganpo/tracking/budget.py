"""A budget over a period from a ceiling on a total (docs/tracking.md, "Budget").

A cumulative ceiling :math:`C` over the years :math:`y_1 … y_n` is the budget
:math:`B = C`; an annual ceiling :math:`c` (a limit every year) over the same years gives
:math:`B = n\\,c`.
With observed values :math:`x_{y_1} … x_{y}` (every year from the first, none missing):

.. math::

    U = \\sum_{k=y_1}^{y} x_k, \\qquad R = B - U, \\qquad
    \\text{exhaustion year} = y + \\Big\\lceil \\frac{R}{x_y} \\Big\\rceil

at the current rate :math:`x_y` (the last observed year's value) carried forward; when
:math:`U \\ge B` already, the exhaustion year is the first observed year whose cumulative
sum reached :math:`B`; when the rate is not positive the budget is never exhausted
(``None``). The national work plan for dual control (国办发〔2024〕39号) asks provinces and
cities to set up carbon emission budget management; this is a budget's arithmetic, not a
method the plan prescribes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from ganpo.errors import InputError
from ganpo.tracking.model import Indicator, Target
from ganpo.tracking.progress import observed_in, what_zh
from ganpo.tracking.units import unit_factor


@dataclass(frozen=True)
class Budget:
    """The budget of a ceiling target up to ``year``, in the indicator's unit; the
    exhaustion year is projected at the rate of ``year`` (``None``: never)."""

    target: str
    indicator: str
    unit_code: int
    unit: str
    first_year: int
    last_year: int
    year: int
    budget: float
    used: float
    remaining: float
    used_pct: float
    time_elapsed_pct: float
    rate: float
    exhaustion_year: int | None

    @property
    def exhausted_within_period(self) -> bool:
        """Whether the budget runs out (at the current rate) before the period ends."""
        return self.exhaustion_year is not None and self.exhaustion_year <= self.last_year

    def measures(self) -> dict[str, float | None]:
        """The measures warning rules grade."""
        return {"budget_used_pct": self.used_pct}


def budget(
    target: Target,
    indicator: Indicator,
    values: Mapping[int, float],
    unit: str,
    *,
    year: int | None = None,
) -> Budget:
    """The budget of a ceiling ``target`` used up to ``year`` (default: the last observed
    year) from the observed annual ``values`` in ``unit``."""
    what = f"target {target.key!r}"
    if target.kind != "ceiling":
        raise InputError(
            en=f"{what} is a {target.kind} target; only a ceiling sets a budget",
            zh=f"{what_zh(what)} 是 {target.kind} 类目标；只有上限类目标才有预算",
            field="kind",
            values=[target.kind],
        )
    if not (target.cumulative or target.annual):
        raise InputError(
            en=f"{what} is a level to reach by {target.last_year} and sets no budget; mark it "
            "cumulative (a total over the period) or annual (a limit every year)",
            zh=f"{what_zh(what)} 是 {target.last_year} 年要达到的水平，不构成预算；请标为 "
            "cumulative（整个时期的总量）或 annual（每年的限额）",
            field="cumulative",
        )
    first, last = target.first_year, target.last_year
    obs = observed_in(values, unit, indicator, what=what)
    outside = sorted(y for y in obs if not first <= y <= last)
    if outside:
        raise InputError(
            en=f"{what}: observed year(s) {', '.join(map(str, outside))} outside the period "
            f"{first}–{last} of the budget",
            zh=f"{what_zh(what)}：观测年份 "
            f"{', '.join(map(str, outside))} 超出预算期 {first}–{last}",
            field="year",
            values=outside,
        )
    if year is None:
        if not obs:
            raise InputError(
                en=f"{what}: no observed value in {first}–{last}",
                zh=f"{what_zh(what)}：{first}–{last} 年没有观测值",
                field="year",
            )
        year = max(obs)
    if not first <= year <= last:
        raise InputError(
            en=f"{what}: year {year} is outside the period {first}–{last}",
            zh=f"{what_zh(what)}：{year} 年不在 {first}–{last} 期间内",
            field="year",
            values=[year],
        )
    missing = [y for y in range(first, year + 1) if y not in obs]
    if missing:
        raise InputError(
            en=f"{what}: the budget used needs every year from {first}; missing "
            f"{', '.join(map(str, missing))}",
            zh=f"{what_zh(what)}：计算已用预算需要自 {first} "
            f"年起每一年的数据；缺少 {', '.join(map(str, missing))} 年",
            field="year",
            values=missing,
        )
    ceiling = target.value * unit_factor(
        target.value_unit, indicator.unit, what=f"{what}, field value_unit"
    )
    total = ceiling if target.cumulative else ceiling * (last - first + 1)
    used = math.fsum(obs[y] for y in range(first, year + 1))
    remaining = total - used
    rate = obs[year]
    exhaustion: int | None = None
    if remaining <= 0:
        running = 0.0
        for y in range(first, year + 1):
            running += obs[y]
            if running >= total:
                exhaustion = y
                break
        else:  # rounding in the running sum: the last year used it up
            exhaustion = year
    elif rate > 0:
        # the tolerance keeps an exact quotient (2.0000000000000004) from adding a year
        exhaustion = year + math.ceil(remaining / rate - 1e-9)
    return Budget(
        target=target.key,
        indicator=indicator.key,
        unit_code=target.unit_code,
        unit=indicator.unit,
        first_year=first,
        last_year=last,
        year=year,
        budget=total,
        used=used,
        remaining=remaining,
        used_pct=100.0 * used / total if total > 0 else math.inf,
        time_elapsed_pct=100.0 * (year - first + 1) / (last - first + 1),
        rate=rate,
        exhaustion_year=exhaustion,
    )
