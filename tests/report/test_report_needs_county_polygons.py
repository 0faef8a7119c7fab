"""The annual report of an account whose dataset lost its county polygons is refused in
each language: the polygons' own refusal in its halves, and what the report needs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from ganpo.errors import InputError
from ganpo.report.account_report import report_data


def test_a_report_without_county_polygons_is_refused_in_each_language(tmp_path: Path) -> None:
    stored: Any = SimpleNamespace(
        account=SimpleNamespace(profile="jiangxi-db36-2021", dataset_root=str(tmp_path))
    )
    with pytest.raises(InputError) as caught:
        report_data(stored, "zh")
    exc = caught.value
    assert exc.en.endswith("; the report's maps need the county polygons"), exc.en
    assert exc.zh.endswith("；报告的地图需要县级行政区边界"), exc.zh
    assert " / " not in exc.en, exc.en  # the polygons' refusal quoted in English only
    assert str(exc).count(" / ") == 1, str(exc)
