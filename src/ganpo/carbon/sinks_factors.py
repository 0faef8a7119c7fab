"""Factors of the ecosystem carbon sinks as data (``catalog/data/carbon/sinks-*.toml``).

A sink factor set holds, per forest type, the factors that turn stand volume into carbon
(basic wood density, biomass expansion factor, root-to-shoot ratio, carbon fraction), per
culm or per area for bamboo and economic forest, and the carbon sequestration rates of
wetland, grassland and cropland soil. Every value has its unit, year, source and status as
the inventory's emission factors have them (:class:`ganpo.carbon.factors.Factor`).

A region's own factors (its forestry bureau's, a study's) are added to a set with
:meth:`SinkFactorSet.with_factors` from a table, each with its source and status, so that
the provenance of every factor used stays in the result.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
from pydantic import BaseModel, ConfigDict

from ganpo.carbon.factors import Factor
from ganpo.catalog.files import data_dir, load_toml_model
from ganpo.errors import InputError, TableError, UnknownNameError

#: the factors of each basis, with the unit each must be stated in
VOLUME_FACTORS = {
    "density": "t/m3",
    "bef": "1",
    "root_shoot": "1",
    "carbon_fraction": "1",
}
CULM_FACTORS = {"culm_biomass": "t/culm", "root_shoot": "1", "carbon_fraction": "1"}
AREA_FACTORS = {"carbon_density": "t C/hm2"}
RATE_UNIT = "t C/hm2/a"
FACTOR_TABLE_COLUMNS = ["key", "value", "unit", "year", "source", "status"]


class SinkFactorSet(BaseModel):
    """A named set of sink factors: ``forest.<type>.<factor>``, ``rate.<ecosystem>.<type>``.

    ``names`` gives the Chinese and English name of each forest or ecosystem type.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title_zh: str
    title_en: str
    description: str
    names: dict[str, dict[str, str]] = {}
    factors: dict[str, Factor] = {}

    def type_names(self, kind: str) -> tuple[str, str]:
        """The zh and en names of a type (``chinese_fir`` → 杉木林, Chinese fir forest)."""
        n = self.names.get(kind, {})
        return n.get("zh", kind), n.get("en", kind)

    def types_under(self, prefix: str) -> list[str]:
        """The types that have a factor under ``prefix`` (``forest``, ``rate.wetland``)."""
        p = prefix + "."
        return sorted({k[len(p) :].split(".")[0] for k in self.factors if k.startswith(p)})

    def get(self, key: str, unit: str) -> Factor:
        """The factor ``key``, which must be stated in ``unit`` (no silent conversion)."""
        if key not in self.factors:
            raise InputError(
                en=f"sink factor set {self.name!r} has no factor {key!r} ({unit}); add it with "
                "its source (SinkFactorSet.with_factors) or choose a set that has it",
                zh=f"碳汇因子集 {self.name} 缺少因子 {key}",
                source=self.name,
                field=key,
                values=[key],
            )
        f = self.factors[key]
        if f.unit != unit:
            raise InputError(
                en=f"factor {key!r} of {self.name!r} is in {f.unit!r}, the method needs {unit!r}",
                zh=f"因子 {key} 的单位应为 {unit}",
                source=self.name,
                field=key,
                values=[f.unit, unit],
            )
        return f

    def with_factors(self, table: pd.DataFrame, name: str | None = None) -> SinkFactorSet:
        """A copy of the set with the factors of ``table`` added or replacing its own.

        ``table``: ``key`` (``forest.bamboo.culm_biomass``, ``rate.wetland.marsh`` …),
        ``value``, ``unit``, ``year``, ``source``, ``status`` (verified, unverified,
        placeholder); optional ``type``, ``name_zh``, ``name_en`` naming a type. A row
        without a source, or with a value that is not a number, is refused.

        >>> t = pd.DataFrame({"key": ["rate.wetland.marsh"], "value": [0.5],
        ...                   "unit": ["t C/hm2/a"], "year": [2020], "source": ["a study"],
        ...                   "status": ["unverified"]})
        >>> sink_factor_set("cn-forestry").with_factors(t).types_under("rate.wetland")
        ['marsh']
        """
        missing = [c for c in FACTOR_TABLE_COLUMNS if c not in table.columns]
        if missing:
            raise TableError(
                en=f"table 'sink factors' lacks column(s) {', '.join(missing)}; it needs "
                f"{', '.join(FACTOR_TABLE_COLUMNS)}",
                zh=f"碳汇因子表缺少列 {'、'.join(missing)}",
                source="sink factors",
                field=missing[0],
                values=missing,
            )
        factors = dict(self.factors)
        names = {k: dict(v) for k, v in self.names.items()}
        for i, r in table.iterrows():
            value = pd.to_numeric(pd.Series([r["value"]]), errors="coerce").iloc[0]
            if pd.isna(value) or not str(r["source"]).strip() or pd.isna(r["source"]):
                bad = "value" if pd.isna(value) else "source"
                raise TableError(
                    en=f"table 'sink factors', row {i} (key {r['key']}): column {bad!r} value "
                    f"{r[bad]!r} is missing or not a number; every factor needs a numeric "
                    "value and its source",
                    zh=f"碳汇因子表第 {i} 行缺少数值或来源",
                    source="sink factors",
                    field=bad,
                    values=[r[bad]],
                )
            try:
                factors[str(r["key"])] = Factor(
                    value=float(value),
                    unit=str(r["unit"]),
                    year=int(r["year"]),
                    source=str(r["source"]),
                    status=r["status"],
                )
            except ValueError as exc:
                raise TableError(
                    en=f"table 'sink factors', row {i} (key {r['key']}): {exc}",
                    zh=f"碳汇因子表第 {i} 行无效",
                    source="sink factors",
                    field="status",
                    values=[r["status"]],
                ) from exc
            if "type" in table.columns and pd.notna(r["type"]):
                n = names.setdefault(str(r["type"]), {})
                for lang in ("zh", "en"):
                    col = f"name_{lang}"
                    if col in table.columns and pd.notna(r[col]):
                        n[lang] = str(r[col])
        return self.model_copy(
            update={"name": name or f"{self.name}+local", "factors": factors, "names": names}
        )


def sink_factor_set_names() -> list[str]:
    """Names of the shipped sink factor sets."""
    return sorted(p.stem.removeprefix("sinks-") for p in data_dir("carbon").glob("sinks-*.toml"))


@cache
def _load(name: str) -> SinkFactorSet:
    path = data_dir("carbon") / f"sinks-{name}.toml"
    return load_toml_model(path, SinkFactorSet, "sink factor set")


def sink_factor_set(name: str | SinkFactorSet) -> SinkFactorSet:
    """A shipped sink factor set by name (``cn-forestry``), or ``name`` itself if it is
    already a set (one built with :meth:`SinkFactorSet.with_factors`)."""
    if isinstance(name, SinkFactorSet):
        return name
    if name not in sink_factor_set_names():
        raise UnknownNameError("sink factor set", name, sink_factor_set_names())
    return _load(name)
