"""The package's public surface: every name its docstring offers resolves, lazily."""

from __future__ import annotations

import subprocess
import sys

import ganpo.submissions as submissions


def test_every_public_name_resolves_to_its_module() -> None:
    for name in submissions.__all__:
        obj = getattr(submissions, name)
        assert obj.__module__.startswith("ganpo.submissions."), name
        assert f"`{name}`" in submissions.__doc__ or f":class:`{name}`" in submissions.__doc__
    assert set(submissions.__all__) <= set(dir(submissions))


def test_importing_the_package_loads_no_module() -> None:
    code = (
        "import sys, ganpo.submissions as s; "
        "print(sorted(m for m in sys.modules if m.startswith('ganpo.submissions.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_names_are_attribute_errors() -> None:
    try:
        submissions.nothing  # noqa: B018
    except AttributeError as exc:
        assert str(exc) == "module 'ganpo.submissions' has no attribute 'nothing'"
    else:
        raise AssertionError("no AttributeError")
