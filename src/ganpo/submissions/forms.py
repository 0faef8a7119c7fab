"""The forms (报表) each department fills for a year, derived from the catalogue.

A form is one statistics table role or one raster layer role, for one year, reported by
the department that owns the role (``catalog/data/departments.toml``). Its columns and
units are the role's (:mod:`ganpo.io.roles`); whether a column, and the form itself, is
required follows from the accounting profile: the methods the profile picks
(:data:`ganpo.services.methods.METHODS`) declare the table columns and layers they read,
exactly as the engine does when it runs the account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from ganpo.catalog.departments import column_names, departments
from ganpo.catalog.files import data_dir, read_toml
from ganpo.catalog.indicators import indicator as catalog_indicator
from ganpo.catalog.profiles import DEFAULT_PROFILE, Profile, load_profile
from ganpo.errors import InputError, UnknownNameError, halves
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES
from ganpo.services.registry import spec as find_method

#: who reports a role that departments.toml does not assign (a role added to the code
#: before the file): the accounting office itself, so that no input escapes the workflow
OFFICE_DEPARTMENT = ("office", "核算办公室", "accounting office")
EXTERNAL_SUFFIX = "_external_share"

FormKind = Literal["table", "layer"]
#: what a form feeds: the GEP account's dataset, the greenhouse-gas inventory's, or the
#: monitoring series of the decision's targets
Domain = Literal["gep", "carbon", "tracking", "rating"]
#: the key of a carbon form is this prefix and the activity table's key (carbon_fuel)
CARBON_PREFIX = "carbon_"
#: the key of a monitoring form is this prefix and the indicator's key (tracking_forest_cover)
TRACKING_PREFIX = "tracking_"
#: the columns a monitoring form may leave empty
TRACKING_OPTIONAL = ("note",)
#: the key of an entity-rating record form is this prefix and the department's key
RATING_PREFIX = "rating_"
#: the columns a rating record form may leave empty (amount: only tiered indicators need it)
RATING_OPTIONAL = ("amount", "note")


@dataclass(frozen=True)
class FormColumn:
    """A data column of a table form: key, unit, names, and who needs it."""

    key: str
    unit: str
    name_zh: str
    name_en: str
    required: bool
    indicators: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "unit": self.unit,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "required": self.required,
            "indicators": list(self.indicators),
        }


@dataclass(frozen=True)
class Form:
    """One form of one year: a table (columns) or a raster layer (one unit)."""

    key: str
    kind: FormKind
    year: int
    department: str
    department_zh: str
    department_en: str
    name_zh: str
    name_en: str
    profile: str
    required: bool  # the profile's methods read it
    indicators: tuple[str, ...] = ()  # "indicator/method" of the profile that read it
    columns: tuple[FormColumn, ...] = field(default=())
    per_county: bool = True
    unit: str = ""  # layer forms
    domain: Domain = "gep"
    #: carbon forms: the units a row's ``unit`` column may name (one unit per row)
    units: tuple[str, ...] = ()

    @property
    def long(self) -> bool:
        """A long table (a header row of keys, one row per unit and key): the carbon
        activity, the monitoring and the entity-rating record forms."""
        return self.domain in ("carbon", "tracking", "rating")

    @property
    def key_column(self) -> str:
        """The column naming the reporting unit: the county adcode of a GEP table, the
        unit code of a carbon activity table (a county) or a monitoring form (the
        region, a city or a county); the entity of a rating record form."""
        if self.domain == "rating":
            return "entity_id"
        return "unit_code" if self.long else "county_adcode"

    @property
    def table(self) -> str:
        """A carbon form's activity table key (``fuel``), a monitoring form's indicator
        key (``forest_cover``); a GEP form's role."""
        if self.domain == "carbon":
            return self.key.removeprefix(CARBON_PREFIX)
        if self.domain == "tracking":
            return self.key.removeprefix(TRACKING_PREFIX)
        if self.domain == "rating":
            return self.key.removeprefix(RATING_PREFIX)
        return self.key

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.required)

    def column(self, key: str) -> FormColumn | None:
        return next((c for c in self.columns if c.key == key), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "year": self.year,
            "department": self.department,
            "department_zh": self.department_zh,
            "department_en": self.department_en,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "profile": self.profile,
            "required": self.required,
            "indicators": list(self.indicators),
            "per_county": self.per_county,
            "unit": self.unit,
            "columns": [c.as_dict() for c in self.columns],
            "domain": self.domain,
            "units": list(self.units),
        }


def _needs(profile: Profile) -> tuple[dict[str, dict[str, list[str]]], dict[str, list[str]]]:
    """What the profile's methods read: {table role: {column: [indicator/method]}} and
    {layer role: [indicator/method]} (the ecosystem type layer is always read)."""
    tables: dict[str, dict[str, list[str]]] = {}
    layers: dict[str, list[str]] = {"ecosystem_type": ["(extent of every service)"]}
    for ind, key in profile.indicators.items():
        m = find_method(ind, key)
        label = f"{ind}/{key}"
        for role, cols in m.columns.items():
            for col in cols:
                tables.setdefault(role, {}).setdefault(col, []).append(label)
        for role in m.layers:
            layers.setdefault(role, []).append(label)
    if profile.deduct_external:  # the engine reads every share column that is present
        for col in TABLE_ROLES["external"].columns:
            ind = col.removesuffix(EXTERNAL_SUFFIX)
            if ind in profile.indicators:
                tables.setdefault("external", {})[col] = [f"{ind}/external deduction"]
    return tables, layers


def _column(key: str, unit: str, needed: dict[str, list[str]]) -> FormColumn:
    names = column_names()
    zh, en = (names[key].zh, names[key].en) if key in names else (key, key)
    return FormColumn(key, unit, zh, en, key in needed, tuple(needed.get(key, ())))


def all_forms(
    year: int, profile: str | Profile | None = None, *, domain: Domain | None = None
) -> list[Form]:
    """Every form of ``year``: the GEP forms (tables, then layers, in department order),
    then the carbon inventory's (:func:`carbon_forms`), then the monitoring series'
    (:func:`tracking_forms`); ``domain`` keeps one kind.

    Built once per process for each (year, shipped profile, domain) and handed out as a
    new list of the same immutable forms (frozen dataclasses holding tuples): every
    upload asks for its form, and reading the catalogue's TOML files each time cost about
    a fifth of an upload (decision 0060). The files the forms are made of are shipped
    with the package (``catalog/data``: departments, profiles, the carbon activity
    tables, the decision's tracking file, the rating rule); the platform never writes
    them and no request names another file, so they change only with a new release,
    which restarts the server (``departments()`` and ``load_profile()`` were already read
    once per process). A profile given as a ``.toml`` path or as a :class:`Profile`
    object is not cached: its forms are built on every call."""
    if isinstance(profile, Profile) or (profile is not None and profile.endswith(".toml")):
        return _build_forms(year, profile, domain)
    return list(_shipped_forms(year, profile or DEFAULT_PROFILE, domain))


@lru_cache(maxsize=256)
def _shipped_forms(year: int, profile: str, domain: Domain | None) -> tuple[Form, ...]:
    """The forms of a shipped profile, built once (an error is not cached)."""
    return tuple(_build_forms(year, profile, domain))


def _build_forms(year: int, profile: str | Profile, domain: Domain | None) -> list[Form]:
    if domain == "carbon":
        return carbon_forms(year)
    if domain == "tracking":
        return tracking_forms(year)
    if domain == "rating":
        return rating_forms(year)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    tables, layers = _needs(prof)
    out: list[Form] = []
    owners = [
        (dep.key, dep.name_zh, dep.name_en, dep.tables, dep.layers)
        for dep in departments().values()
    ]
    claimed_t = {r for o in owners for r in o[3]}
    claimed_l = {r for o in owners for r in o[4]}
    unknown = sorted((claimed_t - set(TABLE_ROLES)) | (claimed_l - set(LAYER_ROLES)))
    if unknown:
        raise InputError(
            en=f"departments.toml names role(s) {', '.join(unknown)} that ganpo.io.roles "
            "does not declare; fix the file",
            zh="部门配置中有未知的数据角色",
            field="departments",
            values=unknown,
        )
    owners.append(
        (
            *OFFICE_DEPARTMENT,
            tuple(r for r in TABLE_ROLES if r not in claimed_t),
            tuple(r for r in LAYER_ROLES if r not in claimed_l),
        )
    )
    for dep_key, dep_zh, dep_en, dep_tables, dep_layers in owners:
        for role in dep_tables:
            spec = TABLE_ROLES[role]
            needed = tables.get(role, {})
            cols = tuple(_column(c, u, needed) for c, u in spec.columns.items())
            out.append(
                Form(
                    key=role,
                    kind="table",
                    year=year,
                    department=dep_key,
                    department_zh=dep_zh,
                    department_en=dep_en,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    profile=prof.name,
                    required=role in tables,
                    indicators=tuple(sorted({i for v in needed.values() for i in v})),
                    columns=cols,
                    per_county=spec.per_county,
                )
            )
        for role in dep_layers:
            lay = LAYER_ROLES[role]
            out.append(
                Form(
                    key=role,
                    kind="layer",
                    year=year,
                    department=dep_key,
                    department_zh=dep_zh,
                    department_en=dep_en,
                    name_zh=lay.name_zh,
                    name_en=lay.name_en,
                    profile=prof.name,
                    required=role in layers,
                    indicators=tuple(sorted(set(layers.get(role, ())))),
                    unit=lay.unit,
                )
            )
    if domain == "gep":
        return out
    return [*out, *carbon_forms(year), *tracking_forms(year), *rating_forms(year)]


def _split(text: str) -> tuple[str, str]:
    """An activity-table column description "english [unit] / 中文" as (中文, english)."""
    en, zh = halves(str(text))
    return (zh.strip() or en.strip(), en.strip())


def carbon_forms(year: int) -> list[Form]:
    """The forms of the greenhouse-gas inventory's activity tables (carbon
    ``activity-tables.toml``), one per table, reported by the department that
    ``departments.toml`` gives it in ``carbon_tables`` (else the accounting office). A
    row per unit and key (a long table: ``unit_code``, ``year``, the table's columns,
    one ``unit`` per row from the table's units); every column required."""
    tables = read_toml(data_dir("carbon") / "activity-tables.toml", "the activity tables")
    declared: dict[str, dict[str, Any]] = dict(tables["tables"])
    owner: dict[str, tuple[str, str, str]] = {}
    for dep in departments().values():
        for name in dep.carbon_tables:
            owner[name] = (dep.key, dep.name_zh, dep.name_en)
    unknown = sorted(set(owner) - set(declared))
    if unknown:
        raise InputError(
            en=f"departments.toml names carbon table(s) {', '.join(unknown)} that the "
            "activity tables do not declare; fix the file",
            zh="部门配置中有未知的碳清单数据表",
            field="carbon_tables",
            values=unknown,
        )
    out = []
    for key, t in declared.items():
        dep_key, dep_zh, dep_en = owner.get(key, OFFICE_DEPARTMENT)
        cols = [FormColumn("year", "", "年份", "year", True)]
        for col, text in dict(t["columns"]).items():
            zh, en = _split(str(text))
            cols.append(FormColumn(str(col), "", zh, en, True))
        out.append(
            Form(
                key=f"{CARBON_PREFIX}{key}",
                kind="table",
                year=year,
                department=dep_key,
                department_zh=dep_zh,
                department_en=dep_en,
                name_zh=f"温室气体清单：{t['zh']}",
                name_en=f"GHG inventory: {t['en']}",
                profile="carbon",
                required=False,
                indicators=tuple(t.get("categories", ())),
                columns=tuple(cols),
                per_county=False,
                domain="carbon",
                units=tuple(t.get("units", ())),
            )
        )
    return out


def tracking_forms(year: int) -> list[Form]:
    """The monitoring forms of the decision's targets (the shipped tracking file of the
    Jiangxi decision): one per indicator whose values a department reports
    (``collection = "form"``; GEP, its growth and the carbon figures are computed by the
    platform from the stored accounts), reported by the indicator's department (else the
    accounting office). A long table: ``unit_code`` (the region, a city or a county),
    ``year``, ``value`` in the indicator's unit, ``unit``, ``source`` (the statistical
    publication or monitoring record the value comes from) and an optional ``note``."""
    from ganpo.tracking.registry import read_tracking_file, shipped_file

    # the name of ganpo.tracking.decision.DECISION_FILE, not imported: that module loads
    # pandas, which the form listings do without
    found = read_tracking_file(shipped_file("jiangxi-decision"))
    owners = {d.key: (d.key, d.name_zh, d.name_en) for d in departments().values()}
    out = []
    for ind in found.indicators:
        if ind.collection != "form":
            continue
        dep_key, dep_zh, dep_en = owners.get(ind.department, OFFICE_DEPARTMENT)
        unit_zh, unit_en = ind.unit_in("zh"), ind.unit_in("en")
        out.append(
            Form(
                key=f"{TRACKING_PREFIX}{ind.key}",
                kind="table",
                year=year,
                department=dep_key,
                department_zh=dep_zh,
                department_en=dep_en,
                name_zh=f"目标监测：{ind.name_zh}",
                name_en=f"Monitoring: {ind.name_en}",
                profile="tracking",
                required=False,
                indicators=(ind.key,),
                columns=(
                    FormColumn("year", "", "年份", "year", True),
                    FormColumn("value", ind.unit, f"数值（{unit_zh}）", f"value [{unit_en}]", True),
                    FormColumn("unit", "", "计量单位", "unit of measure", True),
                    FormColumn(
                        "source",
                        "",
                        "数据来源（统计公报、监测报告等）",
                        "source (statistical bulletin, monitoring report …)",
                        True,
                    ),
                    FormColumn("note", "", "说明", "note", False),
                ),
                per_county=False,
                domain="tracking",
                units=(ind.unit,),
            )
        )
    return out


def rating_forms(year: int) -> list[Form]:
    """The record forms of the ecological credit evaluation of entities (docs/rating.md):
    one per department that reports an indicator of the shipped rating rule
    (``catalog/data/rating``). A long table, one row per record: ``entity_id`` (统一社会信用
    代码 of a firm or co-operative, a village's 12-digit statistical division code, a
    household's ``village-number``), ``entity_kind``, ``entity_name``, ``indicator`` (a key
    of the rule the department reports), ``date``, ``amount`` (for indicators scored by
    amount), ``evidence`` (the penalty decision, certificate or acceptance document) and
    an optional ``note``."""
    from ganpo.apply.rating import load_rating_rule

    rule = load_rating_rule()
    owners = {d.key: (d.key, d.name_zh, d.name_en) for d in departments().values()}
    out = []
    for dep in dict.fromkeys(i.department for i in rule.indicators):
        dep_key, dep_zh, dep_en = owners[dep]
        mine = tuple(i.key for i in rule.indicators if i.department == dep)
        out.append(
            Form(
                key=f"{RATING_PREFIX}{dep}",
                kind="table",
                year=year,
                department=dep_key,
                department_zh=dep_zh,
                department_en=dep_en,
                name_zh=f"经营主体生态信用记录（{dep_zh}）",
                name_en=f"Ecological credit records of entities ({dep_en})",
                profile="rating",
                required=False,
                indicators=mine,
                columns=(
                    FormColumn("entity_kind", "", "主体类型", "kind of entity", True),
                    FormColumn("entity_name", "", "主体名称", "name of the entity", True),
                    FormColumn("indicator", "", "评价指标", "indicator", True),
                    FormColumn("date", "", "日期（决定、验收或发证日）", "date (YYYY-MM-DD)", True),
                    FormColumn("amount", "", "数量（罚款万元、面积公顷等）", "amount", False),
                    FormColumn(
                        "evidence", "", "证据文书编号", "evidence (document reference)", True
                    ),
                    FormColumn("note", "", "说明", "note", False),
                ),
                per_county=False,
                domain="rating",
            )
        )
    return out


def forms_for(department: str, year: int, profile: str | Profile | None = None) -> list[Form]:
    """The forms ``department`` must fill for ``year`` (unknown keys list the valid ones)."""
    valid = [*departments(), OFFICE_DEPARTMENT[0]]
    if department not in valid:
        raise UnknownNameError("department", department, valid)
    return [f for f in all_forms(year, profile) if f.department == department]


def form(key: str, year: int, profile: str | Profile | None = None) -> Form:
    """One form by its role key (a table or layer role)."""
    found = {f.key: f for f in all_forms(year, profile)}
    if key not in found:
        raise UnknownNameError("form", key, found)
    return found[key]


def header_names(key: str) -> tuple[str, str]:
    """Bilingual name of a column, including the key and name columns."""
    names = column_names()
    if key in names:
        return names[key].zh, names[key].en
    return key, key


def indicator_names(labels: tuple[str, ...]) -> list[str]:
    """``indicator/method`` labels as bilingual indicator names, for notes."""
    out = []
    for label in labels:
        ind = label.split("/", 1)[0]
        try:
            x = catalog_indicator(ind)
            out.append(f"{x.name_zh} {x.name_en}")
        except UnknownNameError:
            out.append(label)
    return out
