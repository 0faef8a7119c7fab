"""Departments of the statistical reporting system (统计报表制度) and what each reports.

Kept in ``data/departments.toml``: per department its names, the statistics table roles
(:data:`ganpo.io.roles.TABLE_ROLES`) and raster layer roles (``LAYER_ROLES``) it must
report each year. Every role belongs to exactly one department, so each form has one
responsible reporter. The forms themselves (columns, units, which indicators need them)
are derived from this, the roles, the profiles and the method registry in
:mod:`ganpo.submissions.forms` (the catalogue may not import ``io``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ganpo.catalog.files import load_toml_model
from ganpo.errors import InputError, UnknownNameError

DEPARTMENTS_FILE = Path(__file__).parent / "data" / "departments.toml"


class Department(BaseModel):
    """One reporting department: its names and the roles it reports."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = ""
    name_zh: str
    name_en: str
    tables: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    #: activity tables of the greenhouse-gas inventory it reports (carbon activity-tables.toml)
    carbon_tables: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    note_zh: str = ""
    note_en: str = ""


class ColumnName(BaseModel):
    """The bilingual name of a statistics table column (a template header)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str


class _DepartmentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    departments: dict[str, Department]
    column_names: dict[str, ColumnName] = {}


def _read(path: Path) -> _DepartmentsFile:
    return load_toml_model(path, _DepartmentsFile, "departments file")


def load_departments_file(path: Path) -> dict[str, Department]:
    """Read a departments file; a role claimed by two departments is refused."""
    raw = _read(path).departments
    found = {k: d.model_copy(update={"key": k}) for k, d in raw.items()}
    problems: list[str] = []
    problems_zh: list[str] = []
    kind_zh = {"tables": "统计表", "layers": "图层", "carbon_tables": "碳排放数据表"}
    for kind in ("tables", "layers", "carbon_tables"):
        owner: dict[str, str] = {}
        for key, dep in found.items():
            for role in getattr(dep, kind):
                if role in owner:
                    what = kind[:-1].replace("_", " ")
                    problems.append(f"{what} {role!r} is claimed by {owner[role]} and {key}")
                    problems_zh.append(
                        f"{kind_zh[kind]} {role!r} 同时由 {owner[role]} 和 {key} 认领"
                    )
                owner[role] = key
    for key, dep in found.items():
        unknown = [c for c in dep.contributors if c not in found]
        if unknown:
            problems.append(f"{key}: unknown contributor(s) {', '.join(unknown)}")
            problems_zh.append(f"{key}：未知的协作部门 {'、'.join(unknown)}")
    if problems:
        raise InputError(
            en="; ".join(problems) + "; each role must belong to exactly one department",
            zh="；".join(problems_zh) + "：每项职责须只属于一个部门，协作部门须是文件中的部门",
            source=path,
            field="departments",
            values=problems,
        )
    return found


@cache
def departments() -> dict[str, Department]:
    """The shipped departments by key, in file order."""
    return load_departments_file(DEPARTMENTS_FILE)


@cache
def column_names() -> dict[str, ColumnName]:
    """Bilingual names of the statistics table columns, by column key."""
    return dict(_read(DEPARTMENTS_FILE).column_names)


def department(key: str) -> Department:
    """One department by key; an unknown key lists the valid ones."""
    found = departments()
    if key not in found:
        raise UnknownNameError("department", key, found)
    return found[key]


def owner(role: str, kind: str = "table") -> Department:
    """The department that reports the table (``kind="table"``) or layer role ``role``."""
    for dep in departments().values():
        if role in (dep.tables if kind == "table" else dep.layers):
            return dep
    claimed = sorted({r for d in departments().values() for r in getattr(d, f"{kind}s")})
    raise UnknownNameError(f"{kind} role (reported by a department)", role, claimed)
