"""What changed between two versions of a zoning dataset (e.g. a province's 2021 and 2024
publications imported with ``ganpo zoning import``).

Units are matched by code. A unit is *added* or *removed* when its code is in one version
only; *changed* when its category, name or geometry differs. The geometry differs when the
area of the symmetric difference of the two polygons exceeds ``tolerance_m2`` (default
1 m², to ignore the rounding of coordinates on a round trip through a file); its area
change and the area that moved (symmetric difference) are given in hm², measured in the
equal-area CRS of :mod:`ganpo.io.regions`.

Clauses are matched by their content (scope, dimension, effect, industries, Chinese text),
not by their id, since ids are renumbered when a clause is inserted. A clause whose text
was edited therefore appears as the old text *removed* and the new text *added*, under the
same scope and dimension.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from ganpo.zoning.units import CATEGORIES, DIMENSIONS, EFFECTS, Requirement, ZoningDataset

HM2 = 1e4  # m² per hm²


@dataclass(frozen=True)
class UnitChange:
    """A unit added, removed or changed; areas in hm² (``None`` where a version lacks it)."""

    code: str
    change: Literal["added", "removed", "changed"]
    what: tuple[str, ...]  # of a changed unit: "category", "name", "geometry"
    name_old: str | None
    name_new: str | None
    category_old: str | None
    category_new: str | None
    area_old_hm2: float | None
    area_new_hm2: float | None
    area_change_hm2: float
    moved_hm2: float  # the symmetric difference of the two polygons


@dataclass(frozen=True)
class ClauseChange:
    """A clause in one version only."""

    change: Literal["added", "removed"]
    scope: str
    dimension: str
    effect: str
    industries: tuple[str, ...]
    text_zh: str
    id: str


@dataclass
class ZoningDiff:
    """The changes from ``old`` to ``new`` (by code, then by scope and dimension)."""

    version_old: int
    version_new: int
    units: list[UnitChange] = field(default_factory=list)
    clauses: list[ClauseChange] = field(default_factory=list)

    def unit_records(self) -> list[dict[str, object]]:
        """The unit changes as records with Chinese and English labels."""
        zh = {"added": "新增", "removed": "删除", "changed": "变更"}
        what_zh = {"category": "类别", "name": "名称", "geometry": "边界"}
        out: list[dict[str, object]] = []
        for u in self.units:
            out.append(
                {
                    "code": u.code,
                    "change": u.change,
                    "change_zh": zh[u.change],
                    "what": ", ".join(u.what),
                    "what_zh": "、".join(what_zh[w] for w in u.what),
                    "name_old": u.name_old,
                    "name_new": u.name_new,
                    "category_old": u.category_old,
                    "category_new": u.category_new,
                    "category_old_zh": CATEGORIES[u.category_old][1] if u.category_old else None,
                    "category_new_zh": CATEGORIES[u.category_new][1] if u.category_new else None,
                    "area_old_hm2": u.area_old_hm2,
                    "area_new_hm2": u.area_new_hm2,
                    "area_change_hm2": u.area_change_hm2,
                    "moved_hm2": u.moved_hm2,
                }
            )
        return out

    def clause_records(self) -> list[dict[str, object]]:
        """The clause changes as records with Chinese and English labels."""
        return [
            {
                "change": c.change,
                "change_zh": "新增" if c.change == "added" else "删除",
                "scope": c.scope,
                "scope_label": scope_label(c.scope),
                "dimension": c.dimension,
                "dimension_zh": DIMENSIONS[c.dimension][0],
                "effect": c.effect,
                "effect_zh": EFFECTS[c.effect][0],
                "industries": ", ".join(c.industries),
                "text_zh": c.text_zh,
                "id": c.id,
            }
            for c in self.clauses
        ]


def scope_label(scope: str) -> str:
    """A clause's scope as people read it (Chinese and English).

    >>> scope_label("category:priority"), scope_label("region:360000"), scope_label("redline")
    ('优先保护单元 priority protection unit', '区域 region 360000', '生态保护红线 red lines')
    """
    kind, _, value = scope.partition(":")
    if kind == "category" and value in CATEGORIES:
        return f"{CATEGORIES[value][1]} {CATEGORIES[value][2]}"
    if kind == "region":
        return f"区域 region {value}"
    if kind == "redline":
        return "生态保护红线 red lines"
    return value or scope


def diff_zoning(old: ZoningDataset, new: ZoningDataset, tolerance_m2: float = 1.0) -> ZoningDiff:
    """The units added, removed and changed, and the clauses added and removed, from
    ``old`` to ``new`` (both as read by :func:`ganpo.zoning.units.read_zoning`)."""
    out = ZoningDiff(old.version, new.version)
    a = {str(r["code"]): r for _, r in old.units.iterrows()}
    b = {str(r["code"]): r for _, r in new.units.iterrows()}
    for code in sorted(a.keys() | b.keys()):
        ra, rb = a.get(code), b.get(code)
        if rb is None:
            assert ra is not None
            area = ra.geometry.area / HM2
            out.units.append(
                UnitChange(code, "removed", (), str(ra["name"]), None, str(ra["category"]),
                           None, area, None, -area, area)
            )  # fmt: skip
            continue
        if ra is None:
            area = rb.geometry.area / HM2
            out.units.append(
                UnitChange(code, "added", (), None, str(rb["name"]), None, str(rb["category"]),
                           None, area, area, area)
            )  # fmt: skip
            continue
        moved = ra.geometry.symmetric_difference(rb.geometry).area
        what = tuple(
            w
            for w, differs in (
                ("category", str(ra["category"]) != str(rb["category"])),
                ("name", str(ra["name"]) != str(rb["name"])),
                ("geometry", moved > tolerance_m2),
            )
            if differs
        )
        if what:
            area_a, area_b = ra.geometry.area / HM2, rb.geometry.area / HM2
            out.units.append(
                UnitChange(code, "changed", what, str(ra["name"]), str(rb["name"]),
                           str(ra["category"]), str(rb["category"]), area_a, area_b,
                           area_b - area_a, moved / HM2)
            )  # fmt: skip

    def key(r: Requirement) -> tuple[str, str, str, tuple[str, ...], str]:
        return (r.scope, r.dimension, r.effect, tuple(r.industries), r.text_zh)

    old_keys = Counter(key(r) for r in old.requirements)
    new_keys = Counter(key(r) for r in new.requirements)
    removed, added = old_keys - new_keys, new_keys - old_keys
    changes: tuple[tuple[Literal["removed", "added"], list[Requirement], Counter[Any]], ...] = (
        ("removed", old.requirements, removed),
        ("added", new.requirements, added),
    )
    for change, reqs, left in changes:
        for r in reqs:
            k = key(r)
            if left[k] > 0:
                left[k] -= 1
                out.clauses.append(
                    ClauseChange(change, r.scope, r.dimension, r.effect,
                                 tuple(r.industries), r.text_zh, r.id)
                )  # fmt: skip
    out.clauses.sort(key=lambda c: (c.scope, c.dimension, c.change != "removed", c.id))
    return out
