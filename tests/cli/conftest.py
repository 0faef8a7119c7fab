"""Fixtures shared by the CLI's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def wide_console() -> Iterator[None]:
    """The CLI's consoles 400 columns wide, then as they were: rich wraps at the terminal
    width, and the tests read each message whole. (A test module that asks for it:
    ``pytestmark = pytest.mark.usefixtures("wide_console")``.)"""
    from ganpo.cli.common import console, err_console

    saved = (console._width, err_console._width)
    console.width = err_console.width = 400
    yield
    console._width, err_console._width = saved
