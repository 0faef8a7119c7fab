"""The common shape of the Tier 1 categories: activity of a type × the factor of that type
(cement clinker, lime of a kind, animals of a species, rice of a water regime …)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ganpo.carbon.factors import Factor, ProcessFactorSet
from ganpo.carbon.inputs import where, where_zh
from ganpo.errors import TableError


def type_factor(
    table: str,
    df: pd.DataFrame,
    i: Any,
    column: str,
    factors: ProcessFactorSet,
    prefix: str,
    unit: str,
) -> tuple[str, Factor]:
    """The factor key and factor of the row's type (``df.loc[i, column]``) under
    ``prefix``; a type without a factor names the row and the types that have one."""
    kind = str(df.loc[i, column])
    key = f"{prefix}.{kind}"
    if key not in factors.factors:
        kinds = factors.keys_under(prefix)
        raise TableError(
            en=f"{where(table, df, i)}: column {column!r} value {kind!r} has no factor in set "
            f"{factors.name!r}; types with a factor: {', '.join(kinds)}. Report it as one of "
            "these or add its factor with its source",
            zh=f"{where_zh(table, df, i)}：{column} 的类型 {kind} 缺少排放因子",
            source=table,
            field=column,
            values=[kind],
        )
    return key, factors.get(key, unit)
