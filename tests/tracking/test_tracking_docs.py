"""docs/tracking.md: its example runs and prints what the document says it prints."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "tracking.md"


def _block(text: str, lang: str) -> str:
    found = re.findall(rf"```{lang}\n(.*?)```", text, re.S)
    assert len(found) == 1, f"one {lang} block expected"
    return str(found[0])


def test_the_documented_example_prints_what_the_document_says(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    (tmp_path / "targets.toml").write_text(_block(text, "toml"), encoding="utf-8")
    out = io.StringIO()
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(_block(text, "python"), str(DOC), "exec"), {})  # our own document
    finally:
        os.chdir(here)
    assert out.getvalue() == _block(text, "text")


def test_the_documented_thresholds_are_the_shipped_ones() -> None:
    from ganpo.tracking.dual_control import register

    text = DOC.read_text(encoding="utf-8")
    rules = register().rules
    for key, unit in (("schedule", " pp"), ("rate", " pp/a"), ("budget", " %")):
        cells = " | ".join(f"≥ {lv.threshold:g}{unit}" for lv in rules[key].levels)
        assert cells in text, cells
    cells = " | ".join(f"> {lv.threshold:g} %" for lv in rules["exceedance"].levels)
    assert cells in text, cells
