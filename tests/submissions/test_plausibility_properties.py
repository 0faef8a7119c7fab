"""Properties of the plausibility checks of the departments' forms (docs/decisions/0027),
checked by hypothesis over every per-county table column:

- any column written 10^k times (k = ±4, ±8: 元/万元/亿元 and the like) against its
  previous year is refused, naming the factor;
- any value above 1 in a share column is refused, a value up to 100 as a percentage;
- explanations never let a hard problem through: the store takes explanations only for a
  version's own flags, the engine's reader refuses whatever overrides a manifest carries.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganpo.catalog.units import to_base
from ganpo.errors import TableCheckError
from ganpo.io.manifest import TableEntry, TableOverride
from ganpo.io.roles import KEY_COLUMN, NAME_COLUMN, TABLE_ROLES
from ganpo.io.table_checks import TableContext, check_values
from ganpo.io.table_rules import TABLE_CHECKS, ColumnCheck
from ganpo.io.tables import read_table
from ganpo.store import reporting as store
from ganpo.store.reporting import NewVersion, WorkflowError
from ganpo.store.repository import open_store
from ganpo.submissions.forms import form
from ganpo.submissions.validate import Limits, Region, UploadError, check_table

YEAR = 2023
#: every numeric column of a per-county table that is not a share: (role, column)
SCALED_COLUMNS = [
    (role, column)
    for role, spec in TABLE_ROLES.items()
    if spec.per_county
    for column, check in TABLE_CHECKS[role].columns.items()
    if not check.share
]


def typical(check: ColumnCheck, area_km2: float) -> float:
    """A plausible value [base unit] of a column for a county of ``area_km2``: the
    geometric middle of its usual band (or of its possible band, or 1 to 10^4 ×)."""
    band = check.soft or check.hard
    assert band is not None
    low = band.low if band.low else (band.high / 1e4 if band.high else 1.0)
    high = band.high if band.high else low * 1e4
    middle = math.sqrt(low * high)
    if check.per == "county_km2":
        return middle * area_km2
    if check.per == "county_area":
        return middle * area_km2 * 1e6
    return middle


def csv_of(role: str, values: dict[str, dict[int, float]], region: Region) -> bytes:
    """A filled form as CSV: each column written in the form's unit."""
    columns = list(values)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([KEY_COLUMN, NAME_COLUMN, *columns])
    units = TABLE_ROLES[role].columns
    for code, name in region.counties.items():
        writer.writerow(
            [code, name, *(repr(values[c][code] / to_base(units[c])[1]) for c in columns)]
        )
    return out.getvalue().encode("utf-8")


counties = st.integers(min_value=1, max_value=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=st.sampled_from(SCALED_COLUMNS),
    n=counties,
    decades=st.sampled_from([-8, -4, 4, 8]),
    areas=st.lists(st.floats(30.0, 5000.0), min_size=6, max_size=6),
    spread=st.lists(st.floats(0.8, 1.25), min_size=12, max_size=12),
)
def test_a_column_scaled_by_a_unit_step_against_last_year_is_refused(
    target: tuple[str, str], n: int, decades: int, areas: list[float], spread: list[float]
) -> None:
    role, column = target
    codes = [360101 + i for i in range(n)]
    region = Region(
        counties={c: f"县{i}" for i, c in enumerate(codes)},
        areas_km2=dict(zip(codes, areas, strict=False)),
    )
    checks = TABLE_CHECKS[role].columns
    last: dict[str, dict[int, float]] = {
        col: {c: typical(checks[col], region.areas_km2[c]) * spread[i] for i, c in enumerate(codes)}  # type: ignore[index]
        for col in checks
    }
    this = {
        col: {
            c: v * spread[6 + i] ** 0.1 * (10.0**decades if col == column else 1.0)
            for i, (c, v) in enumerate(values.items())
        }
        for col, values in last.items()
    }
    previous = pd.DataFrame(last).rename_axis(KEY_COLUMN)
    context = TableContext(previous=previous, previous_year=YEAR - 1)
    with pytest.raises(UploadError) as info:
        check_table(csv_of(role, this, region), form(role, YEAR), region, Limits(), context)
    named = [
        p
        for p in info.value.problems
        if p.column == column and f"about 10^{decades}" in p.reason_en
    ]
    assert named, [str(p) for p in info.value.problems]
    assert all("10^" in p.reason_zh for p in named)
    # the same table unscaled passes (flags aside)
    unscaled = {col: dict(values) for col, values in this.items()}
    unscaled[column] = {c: v / 10.0**decades for c, v in this[column].items()}
    check_table(csv_of(role, unscaled, region), form(role, YEAR), region, Limits(), context)


@settings(max_examples=60, deadline=None)
@given(
    share=st.floats(1.0, 1e6, exclude_min=True, allow_nan=False),
    column=st.sampled_from(list(TABLE_ROLES["external"].columns)),
)
def test_a_share_above_one_is_refused(share: float, column: str) -> None:
    region = Region(counties={360101: "甲县", 360102: "乙县"})
    values = {c: {360101: 0.2, 360102: 0.1} for c in TABLE_ROLES["external"].columns}
    values[column][360102] = share
    with pytest.raises(UploadError) as info:
        check_table(csv_of("external", values, region), form("external", YEAR), region, Limits())
    [problem] = info.value.problems
    assert (problem.row, problem.column) == (3, column)
    assert "is not a share in [0, 1]" in problem.reason_en
    assert "不是 0 到 1 之间的比例" in problem.reason_zh
    assert ("looks like a percentage: write " in problem.reason_en) == (share <= 100)


@settings(max_examples=60, deadline=None)
@given(
    visits=st.floats(1e-3, 1e9),
    per_visit=st.one_of(st.floats(1e-12, 0.999), st.floats(1.001e5, 1e12)),
    explained=st.lists(st.text(min_size=1, max_size=40), max_size=4),
)
def test_no_override_lets_an_impossible_value_through(
    visits: float, per_visit: float, explained: list[str]
) -> None:
    # revenue per visit outside [1, 10^5] CNY is impossible, whatever is written about it
    columns = {"visits": "10^4 person-time", "tourism_revenue": "10^8 CNY"}
    revenue = visits * 1e4 * per_visit / 1e8
    frame = pd.DataFrame(
        {KEY_COLUMN: [360101], "visits": [visits * 1e4], "tourism_revenue": [revenue * 1e8]},
        index=[2],
    )
    found = check_values("tourism", frame, columns)
    keys = [f.key for f in found.findings] + explained
    overrides = [
        TableOverride(
            key=k, kind="logic", subject="tourism.revenue_per_visit", message_en="x",
            message_zh="x", explanation="it is right", explained_by="a",
            explained_at="2024-01-01", approved_by="b", approved_at="2024-01-02",
        )
        for k in keys
    ]  # fmt: skip
    entry = TableEntry(
        role="tourism",
        year=YEAR,
        path="t.csv",
        columns=columns,
        source="test",
        synthetic=True,
        overrides=overrides,
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_text(f"county_adcode,visits,tourism_revenue\n360101,{visits!r},{revenue!r}\n")
        with pytest.raises(TableCheckError) as info:
            read_table(path, entry, {360101}, list(columns))
    assert any(f.rule == "logic.revenue_per_visit" for f in info.value.findings)


FLAGS = [
    {"key": "fluctuation.visits@360101", "kind": "fluctuation", "reason_en": "x"},
    {"key": "soft_range.visits@360102", "kind": "soft_range", "reason_en": "y"},
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(
        st.sampled_from(
            [f["key"] for f in FLAGS]
            + ["range.visits@360101", "logic.revenue_per_visit@360101", "unit_scale.visits"]
        ),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
def test_explanations_are_taken_only_for_the_versions_flags(keys: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_store(Path(tmp) / "s.sqlite")
        new = NewVersion(
            "upload", "a.csv", "csv", "u.csv", "0" * 64, "d.csv", "1" * 64, 10, {}, 2, flags=FLAGS
        )
        sub = store.add_version(
            engine, actor="t", year=YEAR, form="tourism", kind="table", department="tourism",
            new=new,
        )  # fmt: skip
        texts = dict.fromkeys(keys, "checked")
        if set(keys) <= {f["key"] for f in FLAGS}:
            sub = store.explain(engine, sub.id, actor="t", texts=texts)
            assert set(sub.explanations_of()) == set(keys)
            assert [f["key"] for f in sub.unexplained] == [
                f["key"] for f in FLAGS if f["key"] not in keys
            ]
        else:  # a key that is no flag of the version (e.g. a hard finding's): refused
            with pytest.raises(WorkflowError, match="has no flagged finding"):
                store.explain(engine, sub.id, actor="t", texts=texts)
            assert store.get_submission(engine, sub.id).explanations == []  # type: ignore[union-attr]
        engine.dispose()
