"""Departments' statistical reporting (统计报表制度): what each department reports for a
year, how it is checked, reviewed, and assembled into the dataset an account runs on.

This is a domain package beside :mod:`ganpo.apply`: it owns the rules and the workflow and
is testable without HTTP. The entry points only adapt it: the platform's API
(``ganpo.web.routes.reporting``) and ``ganpo report-forms`` (``ganpo.cli.report_forms``).
Carbon accounts and target tracking build their own departmental reporting on it. It is
named for what departments *submit*; rendering outputs is :mod:`ganpo.report`.

Modules, and what each offers:

:mod:`~ganpo.submissions.forms`
    The forms of a year, derived from the catalogue and the accounting profile:
    :class:`Form` (a table with its :class:`FormColumn` s, or a raster layer),
    :func:`all_forms`, :func:`forms_for` (one department's), :func:`form` (one by key).
:mod:`~ganpo.submissions.template`
    The blank form to fill: :func:`template_xlsx` (locked counties, data validation, a
    notes sheet) and :func:`template_csv`; :func:`fill_template`, a workbook template
    with values written in (a pre-filled form, an example upload).
:mod:`~ganpo.submissions.validate`
    Checking a filled form, every problem at once with row, column, cell and value:
    :func:`check_table` (CSV or .xlsx, decoded by :mod:`ganpo.io.table_files` like every
    table of ganpo), :func:`check_layer` (GeoTIFF on the account grid),
    :func:`check_size`, :func:`check_layer_kind`; :class:`Limits`, :class:`Region`
    (the counties, their areas and the grid checked against), :class:`Problem`,
    :class:`UploadError`, and what passed: :class:`ValidTable` (the canonical CSV and its
    :class:`Flag` s: unusual values and fluctuations to explain), :class:`ValidLayer`.
    The plausibility checks are the engine's (:mod:`ganpo.io.table_checks`).
:mod:`~ganpo.submissions.workflow`
    Who may do what, and the actions: :func:`upload` (a new draft version, an
    :class:`UploadResult`; checked against :func:`table_context`: last year's table, the
    other tables of the year, a published account's extent), :func:`explain` (the
    reporter's explanation of each flag), :func:`submit` (refused while a flag is
    unexplained), :func:`send_back` (return with a comment), :func:`approve`,
    :func:`adopt_base` (the office takes the base dataset's file); :func:`region_of` (the
    counties and grid of a base dataset); :class:`NotAllowedError`.
:mod:`~ganpo.submissions.dataset`
    The account's input: :func:`readiness` of every form (:class:`FormReadiness`), the
    :func:`blocking` ones, and :func:`approved_dataset`, the base dataset with the approved
    submissions, an :class:`ApprovedDataset` (docs/decisions/0011), whose tables carry the
    explained flags as :func:`overrides` (docs/decisions/0027).

The store of submissions, versions and events is :mod:`ganpo.store.reporting`. The names
above are importable from this package directly (``from ganpo.submissions import form``);
the modules load when first used, so importing the package costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ganpo.submissions.dataset import (
        ApprovedDataset,
        FormReadiness,
        approved_dataset,
        blocking,
        overrides,
        readiness,
    )
    from ganpo.submissions.forms import Form, FormColumn, all_forms, form, forms_for
    from ganpo.submissions.template import fill_template, template_csv, template_xlsx
    from ganpo.submissions.validate import (
        Flag,
        Limits,
        Problem,
        Region,
        UploadError,
        ValidLayer,
        ValidTable,
        check_layer,
        check_layer_kind,
        check_size,
        check_table,
    )
    from ganpo.submissions.workflow import (
        NotAllowedError,
        UploadResult,
        adopt_base,
        approve,
        explain,
        region_of,
        send_back,
        submit,
        table_context,
        upload,
    )

__all__ = [
    "ApprovedDataset",
    "Flag",
    "Form",
    "FormColumn",
    "FormReadiness",
    "Limits",
    "NotAllowedError",
    "Problem",
    "Region",
    "UploadError",
    "UploadResult",
    "ValidLayer",
    "ValidTable",
    "adopt_base",
    "all_forms",
    "approve",
    "approved_dataset",
    "blocking",
    "check_layer",
    "check_layer_kind",
    "check_size",
    "check_table",
    "explain",
    "fill_template",
    "form",
    "forms_for",
    "overrides",
    "readiness",
    "region_of",
    "send_back",
    "submit",
    "table_context",
    "template_csv",
    "template_xlsx",
    "upload",
]

_MODULE_OF = {
    **dict.fromkeys(
        (
            "ApprovedDataset",
            "FormReadiness",
            "approved_dataset",
            "blocking",
            "overrides",
            "readiness",
        ),
        "dataset",
    ),
    **dict.fromkeys(("Form", "FormColumn", "all_forms", "form", "forms_for"), "forms"),
    **dict.fromkeys(("fill_template", "template_csv", "template_xlsx"), "template"),
    **dict.fromkeys(
        (
            "Flag",
            "Limits",
            "Problem",
            "Region",
            "UploadError",
            "ValidLayer",
            "ValidTable",
            "check_layer",
            "check_layer_kind",
            "check_size",
            "check_table",
        ),
        "validate",
    ),
    **dict.fromkeys(
        (
            "NotAllowedError",
            "UploadResult",
            "adopt_base",
            "approve",
            "explain",
            "region_of",
            "send_back",
            "submit",
            "table_context",
            "upload",
        ),
        "workflow",
    ),
}

assert sorted(_MODULE_OF) == __all__


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'ganpo.submissions' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ganpo.submissions.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
