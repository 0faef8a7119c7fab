"""docs/carbon.md: its example runs and gives what the text says it gives."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "carbon.md"


def test_the_documented_example_runs() -> None:
    code = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert code is not None
    names: dict[str, object] = {"print": lambda *a: None}
    exec(compile(code.group(1), str(DOC), "exec"), names)  # our own document
    table = names["table"]
    assert list(table["gwp_set"].unique()) == ["AR6"]  # type: ignore[index]
    assert set(table["category_code"]) == {"1.A.2", "1.A.4", "memo.electricity"}  # type: ignore[index]


def test_the_documented_balance_tolerance_is_the_code_s() -> None:
    from ganpo.carbon.balance import BALANCE_TOLERANCE

    text = DOC.read_text(encoding="utf-8")
    assert f"beyond {BALANCE_TOLERANCE:.0%}".replace("%", " %") + " of supply" in text
