"""Uncertainty of an inventory, per category and in total, by IPCC Approach 1 (error
propagation) and Approach 2 (Monte Carlo), IPCC 2006 Guidelines Vol. 1 Ch. 3.

Uncertainties are the half-widths of 95 % confidence intervals in % of the value (as the
IPCC tables give them): ``u_activity_pct`` of the activity data and ``u_factor_pct`` of the
emission factor, per category (a table ``category_code``, ``u_activity_pct``,
``u_factor_pct``). Categories are taken as independent, in both approaches (Approach 1's
assumption; a factor shared by several units or categories is correlated in truth, which
Approach 2 could model and this brick does not).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ganpo.carbon.factors import category
from ganpo.errors import InputError, TableError

UNCERTAINTY_COLUMNS = ["category_code", "u_activity_pct", "u_factor_pct"]
_Z95 = 1.959963984540054  # the 97.5 % quantile of the standard normal
TOTAL = "total"


def _by_category(co2e: pd.DataFrame, uncertainty: pd.DataFrame) -> pd.DataFrame:
    """CO2e per unit, year and category with the category's uncertainties."""
    missing_cols = [c for c in UNCERTAINTY_COLUMNS if c not in uncertainty.columns]
    if missing_cols:
        raise TableError(
            en=f"table 'uncertainty' lacks column(s) {', '.join(missing_cols)}; it needs "
            f"{', '.join(UNCERTAINTY_COLUMNS)}",
            zh="不确定性表缺少列",
            source="uncertainty",
            field=missing_cols[0],
        )
    repeated = sorted(set(uncertainty["category_code"][uncertainty["category_code"].duplicated()]))
    if repeated:
        raise TableError(
            en=f"table 'uncertainty' gives category {', '.join(repeated)} more than once; give "
            "one row per category",
            zh="每个类别只能有一行",
            source="uncertainty",
            field="category_code",
            values=repeated,
        )
    u = uncertainty.set_index("category_code")[["u_activity_pct", "u_factor_pct"]]
    for col in u.columns:
        bad = u[col].isna() | (u[col] < 0)
        if bad.any():
            code = bad[bad].index[0]
            raise TableError(
                en=f"table 'uncertainty', category {code}: column {col!r} value "
                f"{u.loc[code, col]} is not a percentage ≥ 0",
                zh="不确定性须为非负百分比",
                source="uncertainty",
                field=col,
                values=[code],
            )
    g = co2e.groupby(["unit_code", "year", "category_code"], as_index=False)["co2e_t"].sum()
    missing = sorted(set(g["category_code"]) - set(u.index))
    if missing:
        raise InputError(
            en=f"no uncertainty given for categor{'y' if len(missing) == 1 else 'ies'} "
            f"{', '.join(missing)}; add its activity and factor uncertainties (95 % "
            "half-widths in %) to the uncertainty table",
            zh="缺少该类别的不确定性",
            source="uncertainty",
            field="category_code",
            values=missing,
        )
    return g.join(u, on="category_code")


def approach1(co2e: pd.DataFrame, uncertainty: pd.DataFrame) -> pd.DataFrame:
    """IPCC Approach 1: per category ``u_pct`` = √(U_AD² + U_EF²) (Vol. 1 Eq. 3.1), and for
    the total of each unit and year √(Σ (U_i·E_i)²) / |Σ E_i| (Eq. 3.2), as rows with
    ``category_code`` "total". ``co2e``: the table of
    :meth:`ganpo.carbon.result.Emissions.co2e`.

    >>> e = pd.DataFrame({"unit_code": [1, 1], "year": [2022] * 2,
    ...                   "category_code": ["1.A.2", "3.A.1"], "co2e_t": [300.0, 400.0]})
    >>> u = pd.DataFrame({"category_code": ["1.A.2", "3.A.1"],
    ...                   "u_activity_pct": [3.0, 10.0], "u_factor_pct": [4.0, 0.0]})
    >>> approach1(e, u)["u_pct"].round(4).tolist()  # 5 %, 10 %, √(1500² + 4000²)/700
    [5.0, 10.0, 6.1029]
    """
    g = _by_category(co2e, uncertainty)
    g["u_pct"] = np.sqrt(g["u_activity_pct"] ** 2 + g["u_factor_pct"] ** 2)
    totals = []
    for (unit, year), part in g.groupby(["unit_code", "year"], sort=True):
        total = math.fsum(part["co2e_t"])
        spread = math.sqrt(math.fsum((part["u_pct"] * part["co2e_t"]) ** 2))
        totals.append(
            {
                "unit_code": unit,
                "year": year,
                "category_code": TOTAL,
                "co2e_t": total,
                "u_pct": spread / abs(total) if total else float("nan"),
            }
        )
    out = pd.concat(
        [g[["unit_code", "year", "category_code", "co2e_t", "u_pct"]], pd.DataFrame(totals)],
        ignore_index=True,
    )
    return _named(out)


def approach2(
    co2e: pd.DataFrame, uncertainty: pd.DataFrame, *, n: int = 20_000, seed: int
) -> pd.DataFrame:
    """IPCC Approach 2 (Monte Carlo, Vol. 1 §3.2.3.2): each category's emission is drawn as
    E × a × f with a ~ N(1, U_AD/196) and f ~ N(1, U_EF/196) (a 95 % half-width U % is
    1.96 standard deviations), truncated at 0; the total of a unit and year is the sum of
    the same draws. Returns per category and total (``category_code`` "total") the
    ``co2e_t`` (central estimate), ``mean_t``, ``p2_5_t``, ``p97_5_t``, ``u_low_pct`` and
    ``u_high_pct`` (the interval's ends below and above the central estimate, in %) and
    ``u_pct`` (half the interval's width in % of it, comparable with Approach 1). ``seed``
    is required: a run is reproducible."""
    if n < 1000:
        raise InputError(
            en=f"Monte Carlo needs at least 1000 draws, got {n}",
            zh=f"蒙特卡罗模拟至少需要 1000 次抽样，收到的是 {n}：请增加抽样次数",
            field="n",
        )
    g = _by_category(co2e, uncertainty)
    rng = np.random.default_rng(seed)
    rows = []
    for (unit, year), part in g.groupby(["unit_code", "year"], sort=True):
        draws = []
        for _, r in part.iterrows():
            a = np.maximum(rng.normal(1.0, r["u_activity_pct"] / 100.0 / _Z95, n), 0.0)
            f = np.maximum(rng.normal(1.0, r["u_factor_pct"] / 100.0 / _Z95, n), 0.0)
            d = r["co2e_t"] * a * f
            draws.append(d)
            rows.append(_summary(unit, year, r["category_code"], r["co2e_t"], d))
        total = math.fsum(part["co2e_t"])
        rows.append(_summary(unit, year, TOTAL, total, np.sum(draws, axis=0)))
    return _named(pd.DataFrame(rows))


def _summary(
    unit: object, year: object, code: str, central: float, d: np.ndarray
) -> dict[str, object]:
    lo, hi = np.percentile(d, [2.5, 97.5])
    pct = 100.0 / abs(central) if central else float("nan")
    return {
        "unit_code": unit,
        "year": year,
        "category_code": code,
        "co2e_t": central,
        "mean_t": float(d.mean()),
        "p2_5_t": float(lo),
        "p97_5_t": float(hi),
        "u_low_pct": (central - lo) * pct,
        "u_high_pct": (hi - central) * pct,
        "u_pct": (hi - lo) / 2.0 * pct,
    }


def _named(t: pd.DataFrame) -> pd.DataFrame:
    names = {
        c: (("合计", "total") if c == TOTAL else (category(c).zh, category(c).en))
        for c in t["category_code"].unique()
    }
    t.insert(3, "category_zh", t["category_code"].map(lambda c: names[c][0]))
    t.insert(4, "category_en", t["category_code"].map(lambda c: names[c][1]))
    return t
