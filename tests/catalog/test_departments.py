"""Departments of the reporting system: every input role has exactly one reporter, and the
forms follow the profiles' methods."""

from __future__ import annotations

from pathlib import Path

import pytest

from ganpo.catalog.departments import (
    DEPARTMENTS_FILE,
    column_names,
    department,
    departments,
    load_departments_file,
    owner,
)
from ganpo.catalog.profiles import load_profile
from ganpo.errors import InputError, UnknownNameError
from ganpo.io.roles import LAYER_ROLES, TABLE_ROLES
from ganpo.services.methods import method
from ganpo.submissions.forms import all_forms, form, forms_for


def test_every_role_has_exactly_one_department() -> None:
    tables = [r for d in departments().values() for r in d.tables]
    layers = [r for d in departments().values() for r in d.layers]
    assert sorted(tables) == sorted(TABLE_ROLES)
    assert sorted(layers) == sorted(LAYER_ROLES)
    assert owner("tourism").key == "tourism"
    assert owner("forestry").key == "forestry"
    assert owner("npp", "layer").key == "meteorology"


def test_the_issue_departments_are_there() -> None:
    names = {d.name_zh for d in departments().values()}
    for zh in (
        "林业局",
        "水利厅",
        "农业农村厅",
        "文化和旅游厅",
        "生态环境厅",
        "气象局",
        "自然资源厅",
        "统计局",
    ):
        assert zh in names


def test_every_column_has_bilingual_names() -> None:
    names = column_names()
    for spec in TABLE_ROLES.values():
        for col in spec.columns:
            assert names[col].zh and names[col].en, col


def test_unknown_department_lists_the_valid_ones() -> None:
    with pytest.raises(UnknownNameError, match="valid names: agriculture, development_reform"):
        department("finance")
    with pytest.raises(UnknownNameError, match="unknown department 'finance'"):
        forms_for("finance", 2022)


def test_a_role_claimed_twice_is_refused(tmp_path: Path) -> None:
    text = DEPARTMENTS_FILE.read_text(encoding="utf-8").replace(
        'tables = ["emissions"]', 'tables = ["emissions", "tourism"]'
    )
    path = tmp_path / "departments.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputError,
        match=r"table 'tourism' is claimed by tourism and ecology.* / "
        "统计表 'tourism' 同时由 tourism 和 ecology 认领",
    ):
        load_departments_file(path)


def test_forms_follow_the_profile_methods() -> None:
    # Jiangxi's profile values recreation by tourism revenue: visits + revenue
    tourism = form("tourism", 2023, "jiangxi-db36-2021")
    assert tourism.department == "tourism" and tourism.required
    assert tourism.required_columns == ("visits", "tourism_revenue")
    assert [c.key for c in tourism.columns] == list(TABLE_ROLES["tourism"].columns)
    assert [c.unit for c in tourism.columns] == list(TABLE_ROLES["tourism"].columns.values())
    assert tourism.column("visits").indicators == ("recreation/tourism_revenue",)  # type: ignore[union-attr]
    # the national profile uses the travel-cost method: the survey columns become required
    national = form("tourism", 2023, "national-2022")
    assert national.required_columns == ("visits", "trip_hours", "hourly_wage", "trip_cost")
    # Jiangxi values products at net output (value added); the national profile at gross output
    jx_agri = form("agriculture", 2023, "jiangxi-db36-2021")
    assert "agriculture_value_added" in jx_agri.required_columns
    national_agri = form("agriculture", 2023, "national-2022")
    assert "agriculture_output" in national_agri.required_columns
    assert "agriculture_value_added" not in national_agri.required_columns
    # the GB/T profile deducts external products: the statistics bureau's form is required
    assert not form("external", 2023, "jiangxi-db36-2021").required
    assert form("external", 2023, "gbt-46869-2025").required
    # pest control is only in Jiangxi's profile
    assert form("forestry", 2023, "jiangxi-db36-2021").required
    assert not form("forestry", 2023, "national-2022").required


def test_layer_forms_and_department_scope() -> None:
    met = forms_for("meteorology", 2022)
    assert {f.key for f in met} == set(department("meteorology").layers)
    assert {"precipitation", "evapotranspiration", "hot_days", "npp"} <= {f.key for f in met}
    assert all(f.kind == "layer" for f in met)
    required = {f.key for f in all_forms(2022) if f.required and f.kind == "layer"}
    # exactly what the default profile's raster methods declare, plus the land cover
    profile = load_profile("jiangxi-db36-2021")
    declared = {r for i, k in profile.indicators.items() for r in method(i, k).layers}
    assert required == {"ecosystem_type", *declared}
    assert {"precipitation", "evapotranspiration_hot_days", "npp"} <= required
    assert {"heterotrophic_respiration"} <= required  # net carbon sequestration
    assert not form("temperature", 2022).required  # no method of the profile reads it
    assert form("npp", 2022).unit == LAYER_ROLES["npp"].unit
    assert not [f for f in all_forms(2022) if f.department == "office"]  # all assigned
